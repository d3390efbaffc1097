/* SEV and SEV-ES launch digests: SHA-256 over everything LAUNCH_UPDATE_DATA and
 * LAUNCH_UPDATE_VMSA encrypt, in command order (measurement.md §2, §3; firmware-abi.md §3.5). */
#include "measure/measure_int.h"

#include <softsev/abi/sev_hashes.h>
#include <string.h>

typedef struct sev_ctx {
	const ss_measure_opts *opts;
	ss_md *sha;
	ss_md *side; /* explain only: the SHA-256 of each region */
	uint64_t offset;
	size_t step;
} sev_ctx;

/* Feeds one region; with --explain also reports its own digest and the running one. */
static int feed(sev_ctx *c, const char *what, long item, const uint8_t *data, size_t len,
		const uint8_t *region_digest)
{
	if (ss_md_update(c->sha, data, len))
		return SS_ECRYPTO;
	if (c->opts->on_step) {
		uint8_t own[32], run[32];
		if (!region_digest) {
			if (ss_md_digest(c->side, data, len, own))
				return SS_ECRYPTO;
			region_digest = own;
		}
		if (ss_md_peek(c->sha, run))
			return SS_ECRYPTO;
		ss_measure_report(c->opts, &c->step, what, item, c->offset, 0, len, region_digest,
				  32, run, 32);
	}
	c->offset += len;
	return 0;
}

int ss_measure_sev(const ss_measure_opts *o, const ss_ovmf *ovmf, ss_hashes_job *job,
		   uint8_t digest[32], ss_error *err)
{
	bool es = o->mode == SS_MEASURE_SEV_ES;
	/* measurement.md §2: the firmware must say where the hashes table goes. */
	if (o->has_kernel && !(ovmf->has_hash_table && ovmf->hash_table_gpa != 0))
		return ss_fail(err, SS_EUNSUPPORTED,
			       "Kernel specified but OVMF doesn't support kernel/initrd/cmdline "
			       "measurement (%s)",
			       ovmf->has_hash_table
				   ? "its SEV_HASH_TABLE_RV entry has GPA 0"
				   : "no SEV_HASH_TABLE_RV entry in its footer table");
	if (es && !ovmf->has_reset_block)
		return ss_fail(
		    err, SS_EUNSUPPORTED,
		    "Can't find SEV_ES_RESET_BLOCK_GUID entry in OVMF table (SEV-ES needs "
		    "the APs' reset EIP)");
	if (es && o->vcpus > 1 && ovmf->reset_eip == 0)
		return ss_fail(
		    err, SS_EINVAL,
		    "OVMF's SEV_ES_RESET_BLOCK gives reset EIP 0: the %ld APs cannot start",
		    o->vcpus - 1);

	sev_ctx c = {.opts = o};
	int rc = SS_ENOMEM;
	c.sha = ss_md_new(SS_HASH_SHA256);
	if (!c.sha || (o->on_step && !(c.side = ss_md_new(SS_HASH_SHA256))))
		goto out;
	rc = SS_ECRYPTO;
	if (ss_md_begin(c.sha) || feed(&c, "ovmf", -1, o->ovmf, o->ovmf_len, NULL))
		goto out;
	if (o->has_kernel) {
		uint8_t table[SS_SEV_HASH_TABLE_PADDED_LEN];
		if (ss_hashes_job_wait(job, table) ||
		    feed(&c, "kernel-hashes", -1, table, sizeof(table), NULL))
			goto out;
	}
	if (es && o->vcpus > 0) {
		/* Two distinct pages at most: the BSP's and the one every AP shares. SEV-ES
		 * guests have no SNP features: sev_features is 0. */
		ss_vmsa v;
		uint8_t bsp[SS_VMSA_SIZE], ap[SS_VMSA_SIZE], hbsp[32], hap[32];
		const uint8_t *hb = NULL, *ha = NULL;
		ss_vmsa_build_reset(&v, o->vmm, SS_VMSA_BSP_EIP, o->vcpu_sig, 0);
		ss_vmsa_to_page(&v, bsp);
		ss_vmsa_build_reset(&v, o->vmm, ovmf->reset_eip, o->vcpu_sig, 0);
		ss_vmsa_to_page(&v, ap);
		if (o->on_step) {
			if (ss_md_digest(c.side, bsp, sizeof(bsp), hbsp) ||
			    ss_md_digest(c.side, ap, sizeof(ap), hap))
				goto out;
			hb = hbsp;
			ha = hap;
		}
		for (long i = 0; i < o->vcpus; i++) {
			const uint8_t *page = i ? ap : bsp;
			if (o->on_vmsa && (rc = o->on_vmsa(o->vmsa_ctx, i, page, err)))
				goto out_keep;
			rc = SS_ECRYPTO;
			if (feed(&c, "vmsa", i, page, SS_VMSA_SIZE, i ? ha : hb))
				goto out;
		}
	}
	if (ss_md_final(c.sha, digest))
		goto out;
	rc = 0;
out:
	if (rc)
		ss_fail(err, rc, "%s while computing the %s digest", ss_status_hint(rc),
			ss_measure_mode_name(o->mode));
out_keep:
	ss_md_free(c.sha);
	ss_md_free(c.side);
	return rc;
}
