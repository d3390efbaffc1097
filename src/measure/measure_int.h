/* Internal contracts of the measure layer (see include/softsev/measure.h for the public ones). */
#ifndef SS_MEASURE_INT_H
#define SS_MEASURE_INT_H

#include <softsev/crypto_md.h>
#include <softsev/measure.h>

#include <pthread.h>

#define SS_PAGE_SIZE 4096u
#define SS_4GIB	     0x100000000ull

/* A GUID in EFI byte order as text ("96b582de-1fb2-..."); out holds 37 bytes. */
void ss_guid_format(char out[37], const uint8_t guid[16]);

/* ss_ovmf_check_sections, with extra GPA ranges [lo, hi) the sections must not overlap (the SVSM
 * image and the OVMF image in snp:svsm). */
int ss_ovmf_check_sections_except(const ss_ovmf *ovmf, const uint64_t (*ranges)[2], size_t n,
				  ss_error *err);

/* The VMSA page as measured (the struct is the little-endian wire format on this host). */
void ss_vmsa_to_page(const ss_vmsa *vmsa, uint8_t page[SS_VMSA_SIZE]);

/* Reports one step to opts->on_step if set. */
void ss_measure_report(const ss_measure_opts *opts, size_t *index, const char *what, long item,
		       uint64_t gpa, uint8_t page_type, uint64_t length, const uint8_t *contents,
		       size_t contents_len, const uint8_t *digest, size_t digest_len);

/* The kernel hashes table, computed on a second thread while the firmware is hashed: SHA-256 of
 * the kernel and initrd is most of the work of the largest launches and does not depend on
 * anything else (falls back to the calling thread if no thread can be started). */
typedef struct ss_hashes_job {
	const ss_measure_opts *opts;
	bool threaded, joined;
	int rc;
	pthread_t thread;
	uint8_t table[176];
} ss_hashes_job;
void ss_hashes_job_start(ss_hashes_job *job, const ss_measure_opts *opts);
/* Waits for the table (idempotent); returns 0 or SS_ECRYPTO. */
int ss_hashes_job_wait(ss_hashes_job *job, uint8_t table[176]);

/* The mode implementations; ss_measure validates the common options first and starts the
 * hashes job when there is a kernel. */
int ss_measure_sev(const ss_measure_opts *opts, const ss_ovmf *ovmf, ss_hashes_job *job,
		   uint8_t digest[32], ss_error *err);
int ss_measure_snp(const ss_measure_opts *opts, const ss_ovmf *ovmf, ss_hashes_job *job,
		   uint8_t digest[48], ss_error *err);

#endif
