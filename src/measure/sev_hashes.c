/* The SEV kernel-hashes table (measurement.md §1.4, abi/sev_hashes.h). */
#include "measure/measure_int.h"

#include "util/bytes.h"

#include <softsev/abi/sev_hashes.h>
#include <softsev/crypto.h>
#include <string.h>

#define SS_SEV_HASHES_GUID_BYTES(name, text, ...)                                                  \
	static const uint8_t name##_BYTES[16] = {__VA_ARGS__};
SS_SEV_HASHES_GUID_LIST(SS_SEV_HASHES_GUID_BYTES)
#undef SS_SEV_HASHES_GUID_BYTES

static void put_entry(uint8_t *table, size_t off, const uint8_t guid[16], const uint8_t hash[32])
{
	memcpy(table + off + offsetof(ss_sev_hash_entry, guid), guid, 16);
	ss_put_le16(table + off + offsetof(ss_sev_hash_entry, length), sizeof(ss_sev_hash_entry));
	memcpy(table + off + offsetof(ss_sev_hash_entry, hash), hash, 32);
}

int ss_sev_hashes_build(const uint8_t *kernel, size_t kernel_len, const uint8_t *initrd,
			size_t initrd_len, const char *append, uint8_t table[176])
{
	uint8_t hk[32], hi[32], hc[32];
	/* The command line is hashed with its terminating NUL; no append hashes a lone NUL. */
	const char *cmdline = append ? append : "";
	if (ss_sha256(kernel ? kernel : (const uint8_t *)"", kernel ? kernel_len : 0, hk) ||
	    ss_sha256(initrd ? initrd : (const uint8_t *)"", initrd ? initrd_len : 0, hi) ||
	    ss_sha256(cmdline, strlen(cmdline) + 1, hc))
		return SS_ECRYPTO;
	memset(table, 0, SS_SEV_HASH_TABLE_PADDED_LEN);
	memcpy(table, SS_SEV_HASHES_GUID_TABLE_BYTES, 16);
	ss_put_le16(table + offsetof(ss_sev_hash_table, length), SS_SEV_HASH_TABLE_LEN);
	put_entry(table, offsetof(ss_sev_hash_table, cmdline), SS_SEV_HASHES_GUID_CMDLINE_BYTES,
		  hc);
	put_entry(table, offsetof(ss_sev_hash_table, initrd), SS_SEV_HASHES_GUID_INITRD_BYTES, hi);
	put_entry(table, offsetof(ss_sev_hash_table, kernel), SS_SEV_HASHES_GUID_KERNEL_BYTES, hk);
	return 0;
}

static void *hashes_job_run(void *arg)
{
	ss_hashes_job *job = arg;
	const ss_measure_opts *o = job->opts;
	job->rc = ss_sev_hashes_build(o->kernel, o->kernel_len, o->has_initrd ? o->initrd : NULL,
				      o->initrd_len, o->append, job->table);
	return NULL;
}

void ss_hashes_job_start(ss_hashes_job *job, const ss_measure_opts *opts)
{
	memset(job, 0, sizeof(*job));
	job->opts = opts;
	job->threaded = pthread_create(&job->thread, NULL, hashes_job_run, job) == 0;
}

int ss_hashes_job_wait(ss_hashes_job *job, uint8_t table[176])
{
	if (!job->joined) {
		if (job->threaded)
			pthread_join(job->thread, NULL);
		else
			hashes_job_run(job);
		job->joined = true;
	}
	if (table && !job->rc)
		memcpy(table, job->table, sizeof(job->table));
	return job->rc;
}
