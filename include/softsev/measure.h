/* softsev measure — expected launch digests of SEV, SEV-ES and SEV-SNP guests, computed offline
 * from the same inputs the hypervisor loads, with the semantics of virtee/sev-snp-measure 0.0.13
 * (measurement.md), plus the SEV LAUNCH_MEASURE HMAC (firmware-abi.md §3.5).
 *
 * Everything here works on caller-owned memory; nothing reads files. Functions that can fail
 * return 0 or a negative SS_E* code and fill *err with a message naming the field and offset. */
#ifndef SOFTSEV_MEASURE_H
#define SOFTSEV_MEASURE_H

#include <softsev/abi/vmsa.h>
#include <softsev/error.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- modes, VMM types, vCPU types ---------------------------------------------------------- */

typedef enum ss_measure_mode {
	SS_MEASURE_SEV,		  /* "sev": SHA-256 of OVMF [|| kernel hashes table] */
	SS_MEASURE_SEV_ES,	  /* "seves": the same, then one VMSA per vCPU */
	SS_MEASURE_SNP,		  /* "snp": the PAGE_INFO chain (SHA-384) */
	SS_MEASURE_SNP_OVMF_HASH, /* "snp:ovmf-hash": the SNP digest after the firmware pages only
				   */
	SS_MEASURE_SNP_SVSM,	  /* "snp:svsm": OVMF, COCONUT-SVSM and its metadata, VMSAs */
} ss_measure_mode;

/* The CLI name ("sev", "seves", "snp", "snp:ovmf-hash", "snp:svsm"); parse is exact and
 * case-sensitive like the reference's argparse choices. parse returns false if unknown. */
const char *ss_measure_mode_name(ss_measure_mode mode);
bool ss_measure_mode_parse(const char *name, ss_measure_mode *mode);

/* Which VMM's reset state and metadata rules (measurement.md §1.5, §4.2). */
typedef enum ss_vmm_type { SS_VMM_QEMU, SS_VMM_EC2, SS_VMM_GCE } ss_vmm_type;
const char *ss_vmm_type_name(ss_vmm_type vmm);		    /* "QEMU", "ec2", "gce" */
bool ss_vmm_type_parse(const char *name, ss_vmm_type *vmm); /* exact, case-sensitive */

/* QEMU's vCPU model names and their CPUID(1).EAX signatures (measurement.md §1.5). lookup returns
 * false for an unknown name; name(i) enumerates the table (NULL past the end). */
bool ss_vcpu_type_sig(const char *name, uint64_t *sig);
const char *ss_vcpu_type_name(size_t i);

/* CPUID(1).EAX from family/model/stepping, exactly as the reference computes it (extended family
 * above 0xF, extended model from model bits 7:4), wrapped to 64 bits. */
uint64_t ss_vcpu_sig_from_fms(int64_t family, int64_t model, int64_t stepping);

/* ---- OVMF footer table and SEV metadata (measurement.md §1.1-§1.3) -------------------------- */

typedef struct ss_ovmf_section {
	uint32_t gpa;
	uint32_t size;
	uint32_t type;	    /* enum ss_ovmf_section_type (abi/ovmf.h); not checked by the parser */
	size_t file_offset; /* where its descriptor is in the image, for messages */
} ss_ovmf_section;

typedef struct ss_ovmf {
	const uint8_t *data; /* borrowed: the image */
	size_t len;
	uint64_t gpa;	      /* 4 GiB - len: the image ends at 4 GiB */
	bool has_footer;      /* the footer GUID was found (else every entry below is absent) */
	bool has_reset_block; /* SEV_ES_RESET_BLOCK */
	uint32_t reset_eip;   /* the APs' reset EIP */
	bool has_hash_table;  /* SEV_HASH_TABLE_RV */
	uint32_t hash_table_gpa;
	uint32_t hash_table_size;
	bool has_metadata;	  /* SEV_META_DATA: an "ASEV" header was parsed */
	uint32_t metadata_offset; /* from the end of the image */
	bool has_svsm_info;	  /* SVSM_INFO (SVSM binaries) */
	uint32_t svsm_entry;	  /* entry point offset from the SVSM's load GPA */
	size_t n_sections;
	ss_ovmf_section *sections; /* malloc'd, in metadata order */
} ss_ovmf;

/* Parses the footer table and metadata of an image. A missing footer GUID or metadata entry is
 * not an error (the table is empty, as in the reference); malformed structures are: a truncated
 * image, a table or entry length that runs outside the image, an entry shorter than its header,
 * an entry too short for the value it must hold, a metadata offset outside the image, a bad
 * "ASEV" signature or version, or descriptors that do not fit the header's size. On success
 * ss_ovmf_free must be called. */
int ss_ovmf_parse(const uint8_t *data, size_t len, ss_ovmf *out, ss_error *err);
void ss_ovmf_free(ss_ovmf *ovmf);

/* Checks the metadata sections an SNP launch will measure: known types, 4 KiB-aligned GPA, a
 * size that is a multiple of 4 KiB, no wrap past 4 GiB, no overlap with each other or with the
 * firmware image itself. */
int ss_ovmf_check_sections(const ss_ovmf *ovmf, ss_error *err);

/* "NORMAL", "VMSA", ... (abi/snp_page_info.h), "?" if unknown. */
const char *ss_snp_page_type_name(uint8_t type);

/* "SNP_SEC_MEM" etc., or NULL for an unknown type. */
const char *ss_ovmf_section_type_name(uint32_t type);

/* ---- VMSA construction (measurement.md §1.5, §4.4) ----------------------------------------- */

/* The reset state of a vCPU as the VMM sets it up for SEV-ES/SNP: the BSP starts at
 * eip = 0xFFFFFFF0, APs at the SEV-ES reset block's EIP. sev_features goes to 0x3B0. */
void ss_vmsa_build_reset(ss_vmsa *vmsa, ss_vmm_type vmm, uint32_t eip, uint64_t vcpu_sig,
			 uint64_t sev_features);
/* The start state of a COCONUT-SVSM vCPU (64-bit flat segments, rip = entry point). */
void ss_vmsa_build_svsm(ss_vmsa *vmsa, uint64_t rip, uint64_t vcpu_sig);

#define SS_VMSA_BSP_EIP 0xFFFFFFF0u

/* ---- the measurement ----------------------------------------------------------------------- */

/* One measured step, reported through ss_measure_opts.on_step (for --explain / -o json). */
typedef struct ss_measure_step {
	size_t index; /* 0, 1, 2, ... */
	const char
	    *what; /* "ovmf", "svsm", "seed", "kernel-hashes", "vmsa", or a section type name */
	long item; /* vCPU index for "vmsa", metadata section index for sections, else -1 */
	/* SNP: the page's GPA. SEV/SEV-ES: the offset of this region in the measured byte stream.
	 */
	uint64_t gpa;
	uint8_t page_type; /* SNP: enum ss_snp_page_type; SEV/SEV-ES: 0 */
	uint64_t length;   /* bytes this step covers (4096 for an SNP page) */
	/* SNP: PAGE_INFO.CONTENTS (SHA-384 of the page, or zeros). SEV/SEV-ES: SHA-256 of the
	 * region. "seed": the seed. */
	uint8_t contents[48];
	size_t contents_len;
	uint8_t digest[48]; /* the launch digest after this step */
	size_t digest_len;
} ss_measure_step;

typedef void (*ss_measure_step_fn)(void *ctx, const ss_measure_step *step);
/* Called once per vCPU with the exact VMSA page measured for it (for --dump-vmsa). A non-zero
 * return aborts the measurement with that code (the callee fills err). */
typedef int (*ss_measure_vmsa_fn)(void *ctx, long vcpu, const uint8_t page[SS_VMSA_SIZE],
				  ss_error *err);

#define SS_MEASURE_DEFAULT_GUEST_FEATURES 0x1u
#define SS_MEASURE_MAX_VCPUS		  (1L << 20)

typedef struct ss_measure_opts {
	ss_measure_mode mode;
	const uint8_t *ovmf; /* --ovmf, required */
	size_t ovmf_len;
	long vcpus; /* --vcpus; <= 0 measures no VMSA (as the reference) */
	bool has_vcpu_sig;
	uint64_t vcpu_sig; /* from --vcpu-sig/--vcpu-type/--vcpu-family...; QEMU needs one */
	ss_vmm_type vmm;   /* --vmm-type, default QEMU */
	bool has_kernel;   /* --kernel */
	const uint8_t *kernel;
	size_t kernel_len;
	bool has_initrd; /* --initrd (only with a kernel); absent hashes as "" */
	const uint8_t *initrd;
	size_t initrd_len;
	const char *append;	  /* --append (only with a kernel); NULL or "" hash as a lone NUL */
	uint64_t guest_features;  /* --guest-features, SNP only; default 0x1 */
	const uint8_t *ovmf_hash; /* --snp-ovmf-hash: 48 bytes seeding the SNP digest, or NULL */
	const uint8_t *svsm;	  /* --svsm, snp:svsm only */
	size_t svsm_len;
	uint64_t vars_size;	    /* --vars-size or the size of --vars-file, snp:svsm only; > 0 */
	ss_measure_step_fn on_step; /* optional: every measured step */
	void *step_ctx;
	ss_measure_vmsa_fn on_vmsa; /* optional: every VMSA page */
	void *vmsa_ctx;
} ss_measure_opts;

/* Fills the defaults of the reference CLI: mode snp, vmm QEMU, guest features 0x1, no vCPUs. */
void ss_measure_opts_init(ss_measure_opts *opts);

/* Computes the launch digest: 32 bytes (SHA-256) for sev and seves, 48 (SHA-384) for the SNP
 * modes; *digest_len says which. Refuses what the reference refuses (e.g. a kernel when the
 * firmware cannot measure one) with SS_EINVAL or SS_EUNSUPPORTED and a message naming what is
 * missing; rejects malformed firmware instead of measuring garbage. */
int ss_measure(const ss_measure_opts *opts, uint8_t digest[48], size_t *digest_len, ss_error *err);

/* The kernel hashes table (abi/sev_hashes.h), padded to 176 bytes: SHA-256 of the whole kernel,
 * of the initrd (of "" when initrd is NULL), of append || NUL (a lone NUL when append is NULL).
 * Returns 0 or SS_ECRYPTO. */
int ss_sev_hashes_build(const uint8_t *kernel, size_t kernel_len, const uint8_t *initrd,
			size_t initrd_len, const char *append, uint8_t table[176]);

/* ---- SEV LAUNCH_MEASURE (firmware-abi.md §3.5) --------------------------------------------- */

typedef struct ss_sev_launch_measure_in {
	uint8_t tik[16];		     /* the transport integrity key */
	uint8_t api_major, api_minor, build; /* PLATFORM_STATUS */
	uint32_t policy;
	uint8_t digest[32]; /* GCTX.LD: the sev/seves launch digest */
	uint8_t mnonce[16];
} ss_sev_launch_measure_in;

#define SS_SEV_MEASURE_BLOB_LEN 48 /* MEASUREMENT(32) || MNONCE(16), LAUNCH_MEASURE's output */

/* MEASUREMENT = HMAC-SHA256(TIK, 0x04 || API_MAJOR || API_MINOR || BUILD || POLICY(u32 LE) || LD ||
 * MNONCE); firmware API below 0.17 leaves out the first four bytes. Returns 0 or SS_ECRYPTO. */
int ss_sev_launch_measure(const ss_sev_launch_measure_in *in, uint8_t measurement[32],
			  ss_error *err);

/* Checks a LAUNCH_MEASURE blob (MEASUREMENT || MNONCE) against the expected digest and platform
 * values in `in` (its mnonce is ignored: the blob's is used). Returns 0 if it matches, SS_EPOLICY
 * with both values in the message if not. */
int ss_sev_launch_measure_check(const ss_sev_launch_measure_in *in,
				const uint8_t blob[SS_SEV_MEASURE_BLOB_LEN], ss_error *err);

#endif
