/* ss_measure: option checks shared by every mode, then dispatch (measurement.md §2-§5). */
#include "measure/measure_int.h"

#include <string.h>

static const char *const mode_names[] = {
    [SS_MEASURE_SEV] = "sev",		[SS_MEASURE_SEV_ES] = "seves",
    [SS_MEASURE_SNP] = "snp",		[SS_MEASURE_SNP_OVMF_HASH] = "snp:ovmf-hash",
    [SS_MEASURE_SNP_SVSM] = "snp:svsm",
};

const char *ss_measure_mode_name(ss_measure_mode mode)
{
	return (unsigned)mode < sizeof(mode_names) / sizeof(mode_names[0]) ? mode_names[mode] : "?";
}

bool ss_measure_mode_parse(const char *name, ss_measure_mode *mode)
{
	for (size_t i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
		if (!strcmp(name, mode_names[i])) {
			*mode = (ss_measure_mode)i;
			return true;
		}
	return false;
}

static const char *const vmm_names[] = {
    [SS_VMM_QEMU] = "QEMU",
    [SS_VMM_EC2] = "ec2",
    [SS_VMM_GCE] = "gce",
};

const char *ss_vmm_type_name(ss_vmm_type vmm)
{
	return (unsigned)vmm < sizeof(vmm_names) / sizeof(vmm_names[0]) ? vmm_names[vmm] : "?";
}

bool ss_vmm_type_parse(const char *name, ss_vmm_type *vmm)
{
	for (size_t i = 0; i < sizeof(vmm_names) / sizeof(vmm_names[0]); i++)
		if (!strcmp(name, vmm_names[i])) {
			*vmm = (ss_vmm_type)i;
			return true;
		}
	return false;
}

void ss_measure_opts_init(ss_measure_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = SS_MEASURE_SNP;
	o->vmm = SS_VMM_QEMU;
	o->guest_features = SS_MEASURE_DEFAULT_GUEST_FEATURES;
}

void ss_measure_report(const ss_measure_opts *opts, size_t *index, const char *what, long item,
		       uint64_t gpa, uint8_t page_type, uint64_t length, const uint8_t *contents,
		       size_t contents_len, const uint8_t *digest, size_t digest_len)
{
	ss_measure_step s = {
	    .index = (*index)++,
	    .what = what,
	    .item = item,
	    .gpa = gpa,
	    .page_type = page_type,
	    .length = length,
	    .contents_len = contents_len,
	    .digest_len = digest_len,
	};
	if (contents)
		memcpy(s.contents, contents, contents_len);
	memcpy(s.digest, digest, digest_len);
	opts->on_step(opts->step_ctx, &s);
}

static int check_opts(const ss_measure_opts *o, ss_error *err)
{
	const char *mode = ss_measure_mode_name(o->mode);
	if ((unsigned)o->mode > SS_MEASURE_SNP_SVSM)
		return ss_fail(err, SS_EINVAL, "unknown measurement mode %d", (int)o->mode);
	if ((unsigned)o->vmm > SS_VMM_GCE)
		return ss_fail(err, SS_EINVAL, "unknown VMM type %d", (int)o->vmm);
	if (!o->ovmf)
		return ss_fail(err, SS_EINVAL, "no OVMF image given (--ovmf)");
	if (!o->has_kernel && o->has_initrd)
		return ss_fail(err, SS_EINVAL, "an initrd (--initrd) needs a kernel (--kernel)");
	if (!o->has_kernel && o->append)
		return ss_fail(err, SS_EINVAL,
			       "a command line (--append) needs a kernel (--kernel)");
	if (o->ovmf_hash && o->mode != SS_MEASURE_SNP)
		return ss_fail(err, SS_EINVAL,
			       "--snp-ovmf-hash applies only to --mode snp, not '%s'", mode);
	if (o->vcpus > SS_MEASURE_MAX_VCPUS)
		return ss_fail(err, SS_ERANGE, "--vcpus %ld is more than the %ld supported",
			       o->vcpus, SS_MEASURE_MAX_VCPUS);
	bool needs_sig = o->mode == SS_MEASURE_SEV_ES || o->mode == SS_MEASURE_SNP ||
			 o->mode == SS_MEASURE_SNP_SVSM;
	if (needs_sig && o->vmm == SS_VMM_QEMU && !o->has_vcpu_sig)
		return ss_fail(
		    err, SS_EINVAL,
		    "missing --vcpu-type or --vcpu-sig or --vcpu-family in guest mode '%s'", mode);
	if (o->mode == SS_MEASURE_SNP_SVSM) {
		if (o->vmm != SS_VMM_QEMU)
			return ss_fail(err, SS_EUNSUPPORTED,
				       "SVSM mode is only implemented for QEMU, not --vmm-type %s",
				       ss_vmm_type_name(o->vmm));
		if (!o->svsm)
			return ss_fail(err, SS_EINVAL,
				       "mode snp:svsm needs the SVSM binary (--svsm)");
		if (!o->vars_size)
			return ss_fail(err, SS_EINVAL,
				       "mode snp:svsm needs a non-zero OVMF variable store size "
				       "(--vars-size or --vars-file)");
		if (o->has_kernel)
			return ss_fail(err, SS_EINVAL,
				       "mode snp:svsm measures no kernel; drop --kernel");
	}
	return 0;
}

int ss_measure(const ss_measure_opts *opts, uint8_t digest[48], size_t *digest_len, ss_error *err)
{
	int rc = check_opts(opts, err);
	if (rc)
		return rc;
	ss_ovmf ovmf;
	rc = ss_ovmf_parse(opts->ovmf, opts->ovmf_len, &ovmf, err);
	if (rc)
		return rc;
	ss_hashes_job job;
	bool hashes = opts->has_kernel && opts->mode != SS_MEASURE_SNP_OVMF_HASH;
	if (hashes)
		ss_hashes_job_start(&job, opts);
	if (opts->mode == SS_MEASURE_SEV || opts->mode == SS_MEASURE_SEV_ES) {
		rc = ss_measure_sev(opts, &ovmf, hashes ? &job : NULL, digest, err);
		*digest_len = 32;
	} else {
		rc = ss_measure_snp(opts, &ovmf, hashes ? &job : NULL, digest, err);
		*digest_len = 48;
	}
	if (hashes)
		ss_hashes_job_wait(&job, NULL);
	ss_ovmf_free(&ovmf);
	return rc;
}
