/* SEV-SNP attestation reports and derived keys (psp/snp_internal.h): what MSG_REPORT_REQ and
 * MSG_KEY_REQ answer (firmware-abi.md §4.10, §5.2, §5.3, §6; attestation.md §2-§7). */
#include <openssl/crypto.h>
#include <string.h>

#include <softsev/abi/snp_guest_msg.h>

#include "psp/snp_internal.h"
#include "util/bytes.h"

/* The report layout this firmware writes: v3 has the CPUID family/model/stepping bytes and no
 * mitigation vectors (attestation.md §2), which softsev does not model. */
#define REPORT_VERSION 3u

/* Family, model and stepping as the report's bytes 0x188..0x18A carry them (extended family
 * added, extended model prepended: attestation.md §3). */
static void fms_split(uint32_t fms, uint8_t *fam, uint8_t *model, uint8_t *step)
{
	unsigned base_fam = (fms >> 8) & 0xF, ext_fam = (fms >> 20) & 0xFF;
	*fam = (uint8_t)(base_fam == 0xF ? base_fam + ext_fam : base_fam);
	*model = (uint8_t)((((fms >> 16) & 0xF) << 4) | ((fms >> 4) & 0xF));
	*step = (uint8_t)(fms & 0xF);
}

uint32_t ss_psp_snp_report(ss_psp *psp, const struct ss_snp_gctx *g, const uint8_t report_data[64],
			   uint32_t vmpl, uint32_t key_sel, uint8_t report[SS_SNP_REPORT_SIZE],
			   ss_error *err)
{
	struct ss_psp_snp *s = psp->snp;
	if (!s->id)
		return ss_psp_fail(
		    err, SS_SEV_INVALID_PLATFORM_STATE,
		    "SNP report: the platform has no SNP identity (SNP_INIT not run)");
	if (vmpl > 3)
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM, "report VMPL %u is above 3", vmpl);
	/* Which key signs (attestation.md §6): KEY_SEL 0 the VLEK if one is loaded, else the VCEK.
	 */
	bool use_vlek;
	switch (key_sel) {
	case SS_SNP_KEY_SEL_DEFAULT: use_vlek = s->vlek != NULL; break;
	case SS_SNP_KEY_SEL_VCEK: use_vlek = false; break;
	case SS_SNP_KEY_SEL_VLEK:
		if (!s->vlek)
			return ss_psp_fail(err, SS_SEV_INVALID_KEY,
					   "KEY_SEL 2 asks for the VLEK but none is loaded "
					   "(SNP_VLEK_LOAD)");
		use_vlek = true;
		break;
	default:
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM, "KEY_SEL %u is not 0, 1 or 2",
				   key_sel);
	}
	if (!use_vlek && g->vcek_disabled)
		return ss_psp_fail(
		    err, SS_SEV_INVALID_KEY,
		    "the guest was launched with VCEK_DISABLED: no VCEK-signed report%s",
		    key_sel == SS_SNP_KEY_SEL_DEFAULT ? " and no VLEK is loaded" : "");
	bool mask_key = s->config_flags & SS_SNP_CONFIG_MASK_CHIP_KEY;

	memset(report, 0, SS_SNP_REPORT_SIZE);
	struct ss_snp_report r;
	memset(&r, 0, sizeof(r));
	r.version = REPORT_VERSION;
	r.guest_svn = g->guest_svn;
	r.policy = g->policy;
	memcpy(r.family_id, g->family_id, 16);
	memcpy(r.image_id, g->image_id, 16);
	r.vmpl = vmpl;
	r.signature_algo = SS_SNP_SIGNATURE_ALGO_ECDSA_P384_SHA384;
	r.current_tcb = ss_snp_tcb_u64(s->current_tcb);
	/* PLATFORM_INFO (attestation.md §5): SMT_EN as the part runs (snp_internal.h); no TSME, no
	 * ECC DRAM, RAPL and ciphertext hiding are not modelled. */
	r.platform_info = SS_SNP_PART_SMT_EN ? 1u : 0u;
	uint32_t signing = mask_key   ? SS_SNP_SIGNING_KEY_NONE
			   : use_vlek ? SS_SNP_SIGNING_KEY_VLEK
				      : SS_SNP_SIGNING_KEY_VCEK;
	r.signer_info = (g->author_key_en ? SS_SNP_SIGNER_AUTHOR_KEY_EN : 0) |
			(mask_key ? SS_SNP_SIGNER_MASK_CHIP_KEY : 0) |
			(signing << SS_SNP_SIGNER_KEY_SHIFT);
	memcpy(r.report_data, report_data, 64);
	memcpy(r.measurement, g->ld, 48);
	memcpy(r.host_data, g->host_data, 32);
	memcpy(r.id_key_digest, g->id_key_digest, 48);
	memcpy(r.author_key_digest, g->author_key_digest, 48);
	memcpy(r.report_id, g->report_id, 32);
	memcpy(r.report_id_ma, g->report_id_ma, 32);
	r.reported_tcb = ss_snp_tcb_u64(s->reported_tcb);
	fms_split(ss_psp_snp_fms(s->id->product), &r.cpuid_fam_id, &r.cpuid_mod_id, &r.cpuid_step);
	if (!(s->config_flags & SS_SNP_CONFIG_MASK_CHIP_ID))
		memcpy(r.chip_id, s->id->chip_id, SS_SNP_CHIP_ID_SIZE);
	r.committed_tcb = ss_snp_tcb_u64(s->committed_tcb);
	r.current_build = psp->p.build;
	r.current_minor = psp->p.api_minor;
	r.current_major = psp->p.api_major;
	r.committed_build = s->committed_build;
	r.committed_minor = s->committed_minor;
	r.committed_major = s->committed_major;
	r.launch_tcb = ss_snp_tcb_u64(g->launch_tcb);
	memcpy(report, &r, SS_SNP_REPORT_SIZE);
	if (mask_key)
		return SS_SEV_SUCCESS; /* MASK_CHIP_KEY: SIGNATURE left zero (firmware-abi.md §6) */

	/* VCEK for REPORTED_TCB (firmware-abi.md §6: verifiers fetch that VCEK) or the VLEK. */
	ss_eckey *vcek = NULL;
	const ss_eckey *key = s->vlek;
	int rc = 0;
	if (!use_vlek) {
		rc = ss_snp_vcek_derive(s->id->chip_secret, sizeof(s->id->chip_secret),
					s->reported_tcb, &vcek, err);
		key = vcek;
	}
	if (!rc)
		rc = ss_snp_report_sign(key, report, SS_SNP_REPORT_SIZE, err);
	ss_eckey_free(vcek);
	if (rc) {
		memset(report, 0, SS_SNP_REPORT_SIZE);
		return ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM, "signing the report: %s",
				   err ? err->msg : "failed");
	}
	return SS_SEV_SUCCESS;
}

/* Component-wise a <= b over the 8 TCB bytes: every layout (attestation.md §3) keeps one SVN or
 * reserved (zero) byte per position, so a byte above its counterpart is a newer component. */
static bool tcb_le(const uint8_t a[SS_SNP_TCB_LEN], const uint8_t b[SS_SNP_TCB_LEN])
{
	for (unsigned i = 0; i < SS_SNP_TCB_LEN; i++)
		if (a[i] > b[i])
			return false;
	return true;
}

uint32_t ss_psp_snp_derive_key(ss_psp *psp, const struct ss_snp_gctx *g,
			       const struct ss_snp_msg_key_req *req, unsigned msg_version,
			       uint32_t requester_vmpl, uint8_t key[32], ss_error *err)
{
	struct ss_psp_snp *s = psp->snp;
	if (!s->id)
		return ss_psp_fail(err, SS_SEV_INVALID_PLATFORM_STATE,
				   "derived key: the platform has no SNP identity");
	if (req->root_key_select & ~SS_SNP_KEY_ROOT_VMRK)
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "MSG_KEY_REQ ROOT_KEY_SELECT 0x%x: bits 31:1 are reserved",
				   req->root_key_select);
	if (req->reserved_04)
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "MSG_KEY_REQ reserved bytes 0x04..0x07 are not zero");
	uint64_t known = SS_SNP_GFS_KNOWN & ~(msg_version < 2 ? SS_SNP_GFS_LAUNCH_MIT_VECTOR : 0);
	if (req->guest_field_select & ~known)
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "MSG_KEY_REQ GUEST_FIELD_SELECT 0x%llx has bits outside 0x%llx "
				   "(message version %u)",
				   (unsigned long long)req->guest_field_select,
				   (unsigned long long)known, msg_version);
	if (req->vmpl > 3 || req->vmpl < requester_vmpl)
		return ss_psp_fail(
		    err, SS_SEV_INVALID_PARAM,
		    "MSG_KEY_REQ VMPL %u: must be %u..3 (the requester's VMPL and up)", req->vmpl,
		    requester_vmpl);
	if (req->guest_svn > g->guest_svn)
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "MSG_KEY_REQ GUEST_SVN %u is above the guest's %u",
				   req->guest_svn, g->guest_svn);
	uint8_t tcb[SS_SNP_TCB_LEN];
	ss_snp_tcb_from_u64(req->tcb_version, tcb);
	if (!tcb_le(tcb, s->committed_tcb))
		return ss_psp_fail(
		    err, SS_SEV_INVALID_PARAM,
		    "MSG_KEY_REQ TCB_VERSION 0x%016llx exceeds COMMITTED_TCB 0x%016llx",
		    (unsigned long long)req->tcb_version,
		    (unsigned long long)ss_snp_tcb_u64(s->committed_tcb));
	bool vmrk = req->root_key_select & SS_SNP_KEY_ROOT_VMRK;
	static const uint8_t zero_vmrk[SS_SNP_VMRK_LEN];
	if (vmrk && !memcmp(g->vmrk, zero_vmrk, sizeof(zero_vmrk)))
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "MSG_KEY_REQ ROOT_KEY_SELECT 1: the guest has no VMRK");

	/* The mix data (SS_PSP_SNP_KEY_MIX_* in snp_internal.h): exactly the selected inputs, every
	 * unselected one zero, so the key changes when and only when a selected input does. */
	uint64_t gfs = req->guest_field_select;
	uint8_t mix[SS_PSP_SNP_KEY_MIX_LEN];
	memset(mix, 0, sizeof(mix));
	ss_put_le32(mix + 0x00, req->root_key_select);
	ss_put_le64(mix + 0x08, gfs);
	ss_put_le32(mix + 0x10, req->vmpl);
	if (gfs & SS_SNP_GFS_GUEST_SVN)
		ss_put_le32(mix + 0x14, req->guest_svn);
	if (gfs & SS_SNP_GFS_TCB_VERSION)
		ss_put_le64(mix + 0x18, req->tcb_version);
	if (gfs & SS_SNP_GFS_POLICY)
		ss_put_le64(mix + 0x20, g->policy);
	if (gfs & SS_SNP_GFS_IMAGE_ID)
		memcpy(mix + 0x28, g->image_id, 16);
	if (gfs & SS_SNP_GFS_FAMILY_ID)
		memcpy(mix + 0x38, g->family_id, 16);
	if (gfs & SS_SNP_GFS_MEASUREMENT)
		memcpy(mix + 0x48, g->ld, 48);
	if (gfs & SS_SNP_GFS_LAUNCH_MIT_VECTOR)
		ss_put_le64(mix + 0x78, req->launch_mit_vector);

	/* The root: the guest's VMRK, or the chip key "derived from the VCEK": the VCEK private
	 * scalar for the selected TCB_VERSION (for TCB 0 when the TCB is not selected), so a key
	 * bound to a TCB can only come from a part that can derive that TCB's VCEK. */
	uint8_t root[SS_P384_LEN];
	size_t root_len = SS_SNP_VMRK_LEN;
	int rc = 0;
	if (vmrk) {
		memcpy(root, g->vmrk, SS_SNP_VMRK_LEN);
	} else {
		uint8_t root_tcb[SS_SNP_TCB_LEN] = {0};
		if (gfs & SS_SNP_GFS_TCB_VERSION)
			memcpy(root_tcb, tcb, sizeof(root_tcb));
		root_len = SS_P384_LEN;
		rc = ss_snp_derive_p384_scalar(s->id->chip_secret, sizeof(s->id->chip_secret),
					       SS_SNP_LABEL_VCEK, root_tcb, sizeof(root_tcb), root,
					       err);
	}
	if (!rc)
		rc = ss_snp_kbkdf_sha384(root, root_len, SS_PSP_SNP_KEY_LABEL, mix, sizeof(mix),
					 key, 32, err);
	OPENSSL_cleanse(root, sizeof(root));
	if (rc)
		return ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM, "deriving the key: %s",
				   err ? err->msg : "failed");
	return SS_SEV_SUCCESS;
}
