/* SEV-SNP launch digests: the PAGE_INFO chain LD = SHA-384(PAGE_INFO) over every page
 * SNP_LAUNCH_UPDATE adds, in the order QEMU adds them (measurement.md §4; firmware-abi.md §4.6). */
#include "measure/measure_int.h"

#include "util/bytes.h"

#include <softsev/abi/ovmf.h>
#include <softsev/abi/sev_hashes.h>
#include <softsev/abi/snp_page_info.h>
#include <string.h>

const char *ss_snp_page_type_name(uint8_t t)
{
	switch (t) {
#define SS_SNP_PAGE_NAME(name, value, text, hint)                                                  \
	case value: return text;
		SS_SNP_PAGE_TYPE_LIST(SS_SNP_PAGE_NAME)
#undef SS_SNP_PAGE_NAME
	}
	return "?";
}

typedef struct gctx {
	const ss_measure_opts *opts;
	ss_hashes_job *hashes; /* the kernel hashes table, being computed */
	ss_md *sha;
	uint8_t ld[48];
	size_t step;
} gctx;

static const uint8_t zero48[48];

/* LD = SHA-384(LD || CONTENTS || 0x0070 || type || IMI 0 || VMPL perms 0 || GPA). */
static int extend(gctx *g, uint8_t type, uint64_t gpa, const uint8_t contents[48], const char *what,
		  long item)
{
	uint8_t pi[SS_SNP_PAGE_INFO_SIZE] = {0};
	memcpy(pi + offsetof(ss_snp_page_info, digest_cur), g->ld, 48);
	memcpy(pi + offsetof(ss_snp_page_info, contents), contents, 48);
	ss_put_le16(pi + offsetof(ss_snp_page_info, length), SS_SNP_PAGE_INFO_SIZE);
	pi[offsetof(ss_snp_page_info, page_type)] = type;
	ss_put_le64(pi + offsetof(ss_snp_page_info, gpa), gpa);
	if (ss_md_digest(g->sha, pi, sizeof(pi), g->ld))
		return SS_ECRYPTO;
	if (g->opts->on_step)
		ss_measure_report(g->opts, &g->step, what, item, gpa, type, SS_PAGE_SIZE, contents,
				  48, g->ld, 48);
	return 0;
}

static int normal_pages(gctx *g, const uint8_t *data, size_t len, uint64_t gpa, const char *what,
			long item)
{
	uint8_t h[48];
	for (size_t off = 0; off < len; off += SS_PAGE_SIZE) {
		if (ss_md_digest(g->sha, data + off, SS_PAGE_SIZE, h) ||
		    extend(g, SS_SNP_PAGE_NORMAL, gpa + off, h, what, item))
			return SS_ECRYPTO;
	}
	return 0;
}

static int empty_pages(gctx *g, uint8_t type, uint64_t gpa, uint64_t len, const char *what,
		       long item)
{
	for (uint64_t off = 0; off < len; off += SS_PAGE_SIZE)
		if (extend(g, type, gpa + off, zero48, what, item))
			return SS_ECRYPTO;
	return 0;
}

static int whole_pages(const char *name, size_t len, ss_error *err)
{
	if (len % SS_PAGE_SIZE)
		return ss_fail(err, SS_EINVAL,
			       "%s is %zu bytes, not a multiple of 4 KiB: SNP measures whole pages",
			       name, len);
	return 0;
}

/* The 4 KiB page holding the kernel hashes table at the offset of SEV_HASH_TABLE_RV's GPA within
 * its page (measurement.md §1.4). */
static int hashes_page(ss_hashes_job *job, const ss_ovmf *ovmf, const ss_ovmf_section *s,
		       uint8_t page[SS_PAGE_SIZE], ss_error *err)
{
	if (s->size != SS_PAGE_SIZE)
		return ss_fail(
		    err, SS_EINVAL,
		    "SNP_KERNEL_HASHES section (descriptor at offset 0x%zx) has size 0x%x, "
		    "must be exactly 0x1000 to hold the kernel hashes page",
		    s->file_offset, s->size);
	if (!ovmf->has_hash_table)
		return ss_fail(
		    err, SS_EUNSUPPORTED,
		    "Can't find SEV_HASH_TABLE_RV_GUID entry in OVMF table (needed to place "
		    "the kernel hashes in the SNP_KERNEL_HASHES page)");
	size_t off = ovmf->hash_table_gpa & 0xFFF;
	if (off + SS_SEV_HASH_TABLE_PADDED_LEN > SS_PAGE_SIZE)
		return ss_fail(
		    err, SS_EINVAL,
		    "SEV_HASH_TABLE_RV GPA 0x%x puts the %u-byte hashes table across the end "
		    "of its page",
		    ovmf->hash_table_gpa, SS_SEV_HASH_TABLE_PADDED_LEN);
	memset(page, 0, SS_PAGE_SIZE);
	if (!job || ss_hashes_job_wait(job, page + off))
		return ss_fail(err, SS_ECRYPTO, "SHA-256 of the kernel, initrd or cmdline failed");
	return 0;
}

/* The metadata sections, in metadata order (measurement.md §4.2 step 2). */
static int metadata_pages(gctx *g, const ss_ovmf *meta, const ss_ovmf *hashes_src, bool kernel,
			  ss_vmm_type vmm, ss_error *err)
{
	for (size_t i = 0; i < meta->n_sections; i++) {
		const ss_ovmf_section *s = &meta->sections[i];
		const char *name = ss_ovmf_section_type_name(s->type);
		int rc = 0;
		switch (s->type) {
		case SS_OVMF_SECTION_SNP_SEC_MEM:
			rc = empty_pages(
			    g, vmm == SS_VMM_GCE ? SS_SNP_PAGE_UNMEASURED : SS_SNP_PAGE_ZERO,
			    s->gpa, s->size, name, (long)i);
			break;
		case SS_OVMF_SECTION_SNP_SECRETS:
			rc = extend(g, SS_SNP_PAGE_SECRETS, s->gpa, zero48, name, (long)i);
			break;
		case SS_OVMF_SECTION_CPUID:
			if (vmm != SS_VMM_EC2) /* ec2 adds the CPUID pages last */
				rc = extend(g, SS_SNP_PAGE_CPUID, s->gpa, zero48, name, (long)i);
			break;
		case SS_OVMF_SECTION_SVSM_CAA:
			rc = empty_pages(g, SS_SNP_PAGE_ZERO, s->gpa, s->size, name, (long)i);
			break;
		case SS_OVMF_SECTION_SNP_KERNEL_HASHES:
			if (kernel) {
				uint8_t page[SS_PAGE_SIZE], h[48];
				if ((rc = hashes_page(g->hashes, hashes_src, s, page, err)))
					return rc;
				if (ss_md_digest(g->sha, page, sizeof(page), h))
					return ss_fail(err, SS_ECRYPTO, "SHA-384 failed");
				rc = extend(g, SS_SNP_PAGE_NORMAL, s->gpa, h, "kernel-hashes",
					    (long)i);
			} else {
				rc = empty_pages(g, SS_SNP_PAGE_ZERO, s->gpa, s->size, name,
						 (long)i);
			}
			break;
		default: /* ss_ovmf_check_sections ran first */
			return ss_fail(err, SS_EINVAL, "unknown section type 0x%x", s->type);
		}
		if (rc)
			return ss_fail(err, rc, "SHA-384 failed");
	}
	if (vmm == SS_VMM_EC2)
		for (size_t i = 0; i < meta->n_sections; i++)
			if (meta->sections[i].type == SS_OVMF_SECTION_CPUID &&
			    extend(g, SS_SNP_PAGE_CPUID, meta->sections[i].gpa, zero48, "CPUID",
				   (long)i))
				return ss_fail(err, SS_ECRYPTO, "SHA-384 failed");
	return 0;
}

/* N VMSA pages; at most two distinct ones, each built and hashed once. */
static int vmsa_pages(gctx *g, const ss_vmsa *bsp, const ss_vmsa *ap, ss_error *err)
{
	const ss_measure_opts *o = g->opts;
	uint8_t pb[SS_VMSA_SIZE], pa[SS_VMSA_SIZE], hb[48], ha[48];
	ss_vmsa_to_page(bsp, pb);
	if (ss_md_digest(g->sha, pb, sizeof(pb), hb))
		return ss_fail(err, SS_ECRYPTO, "SHA-384 failed");
	if (ap && o->vcpus > 1) {
		ss_vmsa_to_page(ap, pa);
		if (ss_md_digest(g->sha, pa, sizeof(pa), ha))
			return ss_fail(err, SS_ECRYPTO, "SHA-384 failed");
	}
	for (long i = 0; i < o->vcpus; i++) {
		bool is_bsp = i == 0 || !ap;
		if (o->on_vmsa) {
			int rc = o->on_vmsa(o->vmsa_ctx, i, is_bsp ? pb : pa, err);
			if (rc)
				return rc;
		}
		if (extend(g, SS_SNP_PAGE_VMSA, SS_VMSA_GPA, is_bsp ? hb : ha, "vmsa", i))
			return ss_fail(err, SS_ECRYPTO, "SHA-384 failed");
	}
	return 0;
}

static int snp(gctx *g, const ss_ovmf *ovmf, ss_error *err)
{
	const ss_measure_opts *o = g->opts;
	int rc;
	if (!ovmf->has_reset_block)
		return ss_fail(
		    err, SS_EUNSUPPORTED,
		    "Can't find SEV_ES_RESET_BLOCK_GUID entry in OVMF table (SNP needs the "
		    "APs' reset EIP)");
	if (o->vcpus > 1 && ovmf->reset_eip == 0)
		return ss_fail(
		    err, SS_EINVAL,
		    "OVMF's SEV_ES_RESET_BLOCK gives reset EIP 0: the %ld APs cannot start",
		    o->vcpus - 1);
	if ((rc = ss_ovmf_check_sections(ovmf, err)))
		return ss_wrap(err, rc, "OVMF");
	if (o->has_kernel) {
		bool found = false;
		for (size_t i = 0; i < ovmf->n_sections; i++)
			found |= ovmf->sections[i].type == SS_OVMF_SECTION_SNP_KERNEL_HASHES;
		if (!found)
			return ss_fail(err, SS_EUNSUPPORTED,
				       "Kernel specified but OVMF metadata doesn't include "
				       "SNP_KERNEL_HASHES section");
	}
	if (o->ovmf_hash) {
		/* The digest of the firmware pages, computed earlier (measurement.md §4.3). */
		memcpy(g->ld, o->ovmf_hash, 48);
		if (o->on_step)
			ss_measure_report(o, &g->step, "seed", -1, ovmf->gpa, 0, ovmf->len,
					  o->ovmf_hash, 48, g->ld, 48);
	} else {
		if ((rc = whole_pages("the OVMF image", ovmf->len, err)))
			return rc;
		if (normal_pages(g, ovmf->data, ovmf->len, ovmf->gpa, "ovmf", -1))
			return ss_fail(err, SS_ECRYPTO, "SHA-384 failed");
	}
	if ((rc = metadata_pages(g, ovmf, ovmf, o->has_kernel, o->vmm, err)))
		return rc;
	ss_vmsa bsp, ap;
	ss_vmsa_build_reset(&bsp, o->vmm, SS_VMSA_BSP_EIP, o->vcpu_sig, o->guest_features);
	ss_vmsa_build_reset(&ap, o->vmm, ovmf->reset_eip, o->vcpu_sig, o->guest_features);
	return vmsa_pages(g, &bsp, &ap, err);
}

/* measurement.md §4.4: OVMF, then the SVSM just below OVMF's variable store, then the SVSM's own
 * metadata (QEMU rules, no kernel), then identical VMSAs starting at the SVSM's entry point. */
static int svsm(gctx *g, const ss_ovmf *ovmf, ss_error *err)
{
	const ss_measure_opts *o = g->opts;
	int rc;
	if ((rc = whole_pages("the OVMF image", ovmf->len, err)) ||
	    (rc = whole_pages("the SVSM binary", o->svsm_len, err)))
		return rc;
	ss_ovmf sv;
	if ((rc = ss_ovmf_parse(o->svsm, o->svsm_len, &sv, err)))
		return ss_wrap(err, rc, "SVSM binary");
	if (!sv.has_svsm_info) {
		rc = ss_fail(
		    err, SS_EINVAL,
		    "SVSM binary: no SVSM_INFO entry (a789a612-0597-4c4b-a49f-cbb1fe9d1ddd) "
		    "in its footer table");
		goto out;
	}
	if (o->vars_size > ovmf->gpa || o->svsm_len > ovmf->gpa - o->vars_size) {
		rc = ss_fail(
		    err, SS_ERANGE,
		    "the SVSM (%zu bytes) below the OVMF variable store (%llu bytes) below "
		    "OVMF (at GPA 0x%llx) does not fit above GPA 0",
		    o->svsm_len, (unsigned long long)o->vars_size, (unsigned long long)ovmf->gpa);
		goto out;
	}
	uint64_t svsm_gpa = ovmf->gpa - o->vars_size - o->svsm_len;
	const uint64_t images[2][2] = {{ovmf->gpa, SS_4GIB}, {svsm_gpa, svsm_gpa + o->svsm_len}};
	if ((rc = ss_ovmf_check_sections_except(&sv, images, 2, err))) {
		ss_wrap(err, rc, "SVSM binary");
		goto out;
	}
	rc = ss_fail(err, SS_ECRYPTO, "SHA-384 failed");
	if (normal_pages(g, ovmf->data, ovmf->len, ovmf->gpa, "ovmf", -1) ||
	    normal_pages(g, o->svsm, o->svsm_len, svsm_gpa, "svsm", -1))
		goto out;
	if ((rc = metadata_pages(g, &sv, &sv, false, SS_VMM_QEMU, err)))
		goto out;
	ss_vmsa v;
	ss_vmsa_build_svsm(&v, svsm_gpa + sv.svsm_entry, o->vcpu_sig);
	rc = vmsa_pages(g, &v, NULL, err);
out:
	ss_ovmf_free(&sv);
	return rc;
}

int ss_measure_snp(const ss_measure_opts *o, const ss_ovmf *ovmf, ss_hashes_job *job,
		   uint8_t digest[48], ss_error *err)
{
	gctx g = {.opts = o, .hashes = job};
	g.sha = ss_md_new(SS_HASH_SHA384);
	if (!g.sha)
		return ss_fail(err, SS_ENOMEM, "cannot set up SHA-384");
	int rc;
	switch (o->mode) {
	case SS_MEASURE_SNP_OVMF_HASH:
		/* measurement.md §4.3: only the firmware pages, from a zero digest. */
		rc = whole_pages("the OVMF image", ovmf->len, err);
		if (!rc && normal_pages(&g, ovmf->data, ovmf->len, ovmf->gpa, "ovmf", -1))
			rc = ss_fail(err, SS_ECRYPTO, "SHA-384 failed");
		break;
	case SS_MEASURE_SNP_SVSM: rc = svsm(&g, ovmf, err); break;
	default: rc = snp(&g, ovmf, err); break;
	}
	if (!rc)
		memcpy(digest, g.ld, 48);
	ss_md_free(g.sha);
	return rc;
}
