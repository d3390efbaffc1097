/* SNP_GUEST_REQUEST: the guest's encrypted messages to the firmware (psp/snp_internal.h;
 * firmware-abi.md §4.4, §5.1-§5.4).
 *
 * The command: REQ_PADDR is the hypervisor's copy of the guest's request page, a shared page read
 * in the clear (it must not be assigned in the RMP); RSP_PADDR must be a firmware page, where the
 * encrypted response goes (the hypervisor copies it back to the guest after reclaiming it).
 *
 * The rule softsev implements for one message naming VMPCK i (checked in this order):
 *   1. MSG_VMPCK above 3                                      -> INVALID_PARAM, nothing changes
 *   2. VMPCK i disabled by an earlier rejection               -> INVALID_KEY
 *   3. a header field wrong: ALGO != 1, HDR_VERSION != 1, HDR_SZ != 0x60, MSG_SZ > 4000, a
 *      reserved byte (0x28..0x2F, 0x38..0x3B, 0x3D..0x5F, AUTHTAG 0x10..0x1F) not zero, MSG_TYPE
 *      not a request softsev serves (MSG_REPORT_REQ, MSG_KEY_REQ, MSG_TSC_INFO_REQ)
 *                                                             -> INVALID_PARAM, VMPCK i disabled
 *   4. MSG_SEQNO != the last sequence number of VMPCK i + 1 (a replay or a skip)
 *                                                             -> INVALID_PARAM, VMPCK i disabled
 *      (the counter would pass 2^64 - 2                       -> AEAD_OFLOW, VMPCK i disabled)
 *   5. the AES-256-GCM tag does not verify                    -> BAD_SIGNATURE, VMPCK i disabled
 *   6. otherwise the command succeeds: the response (MSG_TYPE + 1, same MSG_VERSION, MSG_SEQNO + 1,
 *      encrypted with VMPCK i) is written and the counter advances by 2. A request whose content
 *      is wrong (size, version, VMPL, KEY_SEL, reserved fields, key constraints) is answered with
 *      STATUS 0x16 INVALID_PARAM or 0x27 INVALID_KEY inside the response payload (§5.2, §5.3).
 * Failures of the command buffer's pages (addresses, RMP states) come before 1 and change nothing,
 * so the guest can resend the identical message (§5.1). A disabled VMPCK stays disabled for the
 * guest context's life: the guest must use another VMPCK (Linux's sev-guest driver likewise
 * stops using a VMPCK after any failure, to never reuse an IV).
 */
#include <openssl/crypto.h>
#include <string.h>

#include <softsev/abi/snp_guest_msg.h>

#include "psp/snp_internal.h"
#include "util/bytes.h"

static const char *msg_type_name(unsigned type)
{
	switch (type) {
#define SS_SNP_MSG_TYPE_NAME(name, t, hint)                                                        \
	case t: return #name;
		SS_SNP_MSG_TYPE_LIST(SS_SNP_MSG_TYPE_NAME)
#undef SS_SNP_MSG_TYPE_NAME
	}
	return "unknown";
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

static void msg_iv(uint64_t seqno, uint8_t iv[SS_SNP_MSG_IV_LEN])
{
	memset(iv, 0, SS_SNP_MSG_IV_LEN);
	ss_put_le64(iv, seqno);
}

/* Step 3 of the rule above: the header fields. */
static uint32_t check_header(const struct ss_snp_msg_hdr *h, ss_error *err)
{
	if (h->algo != SS_SNP_MSG_ALGO_AES_GCM)
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "message header ALGO (0x30) is %u, not 1", h->algo);
	if (h->hdr_version != SS_SNP_MSG_HDR_VERSION)
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "message header HDR_VERSION (0x31) is %u, not 1",
				   h->hdr_version);
	if (h->hdr_sz != SS_SNP_MSG_HDR_SIZE)
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "message header HDR_SZ (0x32) is 0x%x, not 0x60", h->hdr_sz);
	if (h->msg_sz > SS_SNP_MSG_MAX_PAYLOAD)
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "message header MSG_SZ (0x36) is %u, above 4000", h->msg_sz);
	if (!all_zero(h->authtag + SS_SNP_MSG_TAG_LEN, sizeof(h->authtag) - SS_SNP_MSG_TAG_LEN))
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "message header AUTHTAG bytes 0x10..0x1F are not zero");
	if (!all_zero(h->reserved_28, sizeof(h->reserved_28)))
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "message header reserved bytes 0x28..0x2F are not zero");
	if (!all_zero(h->reserved_38, sizeof(h->reserved_38)))
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "message header reserved bytes 0x38..0x3B are not zero");
	if (!all_zero(h->reserved_3d, sizeof(h->reserved_3d)))
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "message header reserved bytes 0x3D..0x5F are not zero");
	switch (h->msg_type) {
	case SS_SNP_MSG_REPORT_REQ:
	case SS_SNP_MSG_KEY_REQ:
	case SS_SNP_MSG_TSC_INFO_REQ: return SS_SEV_SUCCESS;
	case SS_SNP_MSG_CPUID_REQ:
	case SS_SNP_MSG_EXPORT_REQ:
	case SS_SNP_MSG_IMPORT_REQ:
	case SS_SNP_MSG_ABSORB_REQ:
	case SS_SNP_MSG_VMRK_REQ:
	case SS_SNP_MSG_ABSORB_NOMA_REQ:
		return ss_psp_fail(
		    err, SS_SEV_INVALID_PARAM,
		    "message header MSG_TYPE (0x34) %u (%s) is not implemented by "
		    "softsev's firmware (migration agents and CPUID checks: issue 5)",
		    h->msg_type, msg_type_name(h->msg_type));
	default:
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "message header MSG_TYPE (0x34) %u (%s) is not a request type",
				   h->msg_type, msg_type_name(h->msg_type));
	}
}

/* A payload-level verdict: the response carries status (INVALID_PARAM / INVALID_KEY). */
static uint32_t payload_status(uint32_t st)
{
	return st == SS_SEV_INVALID_KEY ? SS_SEV_INVALID_KEY : SS_SEV_INVALID_PARAM;
}

static uint32_t do_report(ss_psp *psp, const struct ss_snp_gctx *g, unsigned vmpck,
			  const struct ss_snp_msg_hdr *h, const uint8_t *in, uint8_t *out,
			  uint16_t *out_sz, ss_error *err)
{
	struct ss_snp_msg_report_rsp rsp;
	memset(&rsp, 0, sizeof(rsp));
	*out_sz = sizeof(rsp);
	struct ss_snp_msg_report_req req;
	uint32_t st = SS_SEV_SUCCESS;
	ss_error why = {0};
	if (h->msg_version != 1 || h->msg_sz != sizeof(req)) {
		st =
		    ss_psp_fail(&why, SS_SEV_INVALID_PARAM,
				"MSG_REPORT_REQ version %u size %u: expected version 1, 0x60 bytes",
				h->msg_version, h->msg_sz);
	} else {
		memcpy(&req, in, sizeof(req));
		if (req.key_sel & ~SS_SNP_REPORT_KEY_SEL_MASK || !all_zero(req.reserved, 24))
			st = ss_psp_fail(&why, SS_SEV_INVALID_PARAM,
					 "MSG_REPORT_REQ: KEY_SEL bits 31:2 or reserved bytes "
					 "0x48..0x5F are not zero");
		else if (req.vmpl > 3 || req.vmpl < vmpck)
			st = ss_psp_fail(&why, SS_SEV_INVALID_PARAM,
					 "MSG_REPORT_REQ VMPL %u: must be %u..3 (a message with "
					 "VMPCK%u comes from VMPL%u)",
					 req.vmpl, vmpck, vmpck, vmpck);
		else
			st = ss_psp_snp_report(psp, g, req.report_data, req.vmpl, req.key_sel,
					       rsp.report, &why);
	}
	if (st && st != SS_SEV_INVALID_PARAM && st != SS_SEV_INVALID_KEY)
		return ss_psp_fail(err, st, "%s", why.msg);
	rsp.status = st ? payload_status(st) : 0;
	rsp.report_size = st ? 0 : SS_SNP_REPORT_SIZE;
	memcpy(out, &rsp, sizeof(rsp));
	OPENSSL_cleanse(&req, sizeof(req));
	return SS_SEV_SUCCESS;
}

static uint32_t do_key(ss_psp *psp, const struct ss_snp_gctx *g, unsigned vmpck,
		       const struct ss_snp_msg_hdr *h, const uint8_t *in, uint8_t *out,
		       uint16_t *out_sz, ss_error *err)
{
	struct ss_snp_msg_key_rsp rsp;
	memset(&rsp, 0, sizeof(rsp));
	*out_sz = sizeof(rsp);
	struct ss_snp_msg_key_req req;
	memset(&req, 0, sizeof(req));
	uint32_t st;
	ss_error why = {0};
	if (!((h->msg_version == 1 && h->msg_sz == SS_SNP_MSG_KEY_REQ_V1_SIZE) ||
	      (h->msg_version == 2 && h->msg_sz == sizeof(req)))) {
		st = ss_psp_fail(
		    &why, SS_SEV_INVALID_PARAM,
		    "MSG_KEY_REQ version %u size %u: expected version 1 with 0x20 bytes "
		    "or 2 with 0x28",
		    h->msg_version, h->msg_sz);
	} else {
		memcpy(&req, in, h->msg_sz);
		st = ss_psp_snp_derive_key(psp, g, &req, h->msg_version, vmpck, rsp.derived_key,
					   &why);
	}
	if (st && st != SS_SEV_INVALID_PARAM)
		return ss_psp_fail(err, st, "%s", why.msg);
	rsp.status = st ? SS_SEV_INVALID_PARAM : 0;
	memcpy(out, &rsp, sizeof(rsp));
	OPENSSL_cleanse(&rsp, sizeof(rsp));
	return SS_SEV_SUCCESS;
}

/* MSG_TSC_INFO (§5.4): softsev's PSP does not program a TSC ratio or offset into the guest's
 * VMSA (the emulated CPU runs the guest TSC at its nominal rate), so the answer is scale 1.0
 * (the 8.32 fixed-point TSC_RATIO format), offset 0 and no TSC_FACTOR. */
static uint32_t do_tsc_info(const struct ss_snp_msg_hdr *h, const uint8_t *in, uint8_t *out,
			    uint16_t *out_sz)
{
	struct ss_snp_msg_tsc_info_rsp rsp;
	memset(&rsp, 0, sizeof(rsp));
	*out_sz = sizeof(rsp);
	if (h->msg_version != 1 || h->msg_sz != sizeof(struct ss_snp_msg_tsc_info_req) ||
	    !all_zero(in, sizeof(struct ss_snp_msg_tsc_info_req))) {
		rsp.status = SS_SEV_INVALID_PARAM;
	} else {
		rsp.tsc_scale = 1ull << 32;
		rsp.tsc_offset = 0;
		rsp.tsc_factor = 0;
	}
	memcpy(out, &rsp, sizeof(rsp));
	return SS_SEV_SUCCESS;
}

static void disable_vmpck(struct ss_snp_gctx *g, unsigned i)
{
	g->vmpck_disabled[i] = true;
}

uint32_t ss_psp_snp_handle_msg(ss_psp *psp, struct ss_snp_gctx *g,
			       const uint8_t req_page[SS_SNP_MSG_PAGE_SIZE],
			       uint8_t rsp_page[SS_SNP_MSG_PAGE_SIZE], ss_error *err)
{
	struct ss_snp_msg_hdr h;
	memcpy(&h, req_page, sizeof(h));
	if (h.msg_vmpck >= SS_SNP_VMPCK_COUNT)
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "message header MSG_VMPCK (0x3C) is %u, above 3", h.msg_vmpck);
	unsigned i = h.msg_vmpck;
	if (g->vmpck_disabled[i])
		return ss_psp_fail(err, SS_SEV_INVALID_KEY,
				   "VMPCK%u is disabled (an earlier message with it was rejected)",
				   i);
	uint32_t st = check_header(&h, err);
	if (st) {
		disable_vmpck(g, i);
		return st;
	}
	if (g->msg_seqno[i] >= UINT64_MAX - 1) {
		disable_vmpck(g, i);
		return ss_psp_fail(err, SS_SEV_AEAD_OFLOW,
				   "VMPCK%u: the message counter is exhausted", i);
	}
	uint64_t expect = g->msg_seqno[i] + 1;
	if (h.msg_seqno != expect) {
		disable_vmpck(g, i);
		return ss_psp_fail(
		    err, SS_SEV_INVALID_PARAM,
		    "MSG_SEQNO (0x20) is %llu, VMPCK%u expects %llu (%s); VMPCK%u is "
		    "now disabled",
		    (unsigned long long)h.msg_seqno, i, (unsigned long long)expect,
		    h.msg_seqno < expect ? "a replay" : "a skip", i);
	}
	uint8_t iv[SS_SNP_MSG_IV_LEN];
	uint8_t plain[SS_SNP_MSG_MAX_PAYLOAD];
	msg_iv(h.msg_seqno, iv);
	int rc = ss_aes256_gcm_decrypt(g->vmpck[i], iv, req_page + SS_SNP_MSG_AAD_OFF,
				       SS_SNP_MSG_AAD_LEN, req_page + SS_SNP_MSG_HDR_SIZE, plain,
				       h.msg_sz, h.authtag);
	if (rc) {
		disable_vmpck(g, i);
		OPENSSL_cleanse(plain, sizeof(plain));
		return rc == SS_EBADSIG
			   ? ss_psp_fail(
				 err, SS_SEV_BAD_SIGNATURE,
				 "message with VMPCK%u, MSG_SEQNO %llu: the AES-GCM tag does "
				 "not verify; VMPCK%u is now disabled",
				 i, (unsigned long long)h.msg_seqno, i)
			   : ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM, "AES-GCM failed (%s)",
					 ss_status_name(rc));
	}

	uint8_t out[SS_SNP_MSG_MAX_PAYLOAD];
	memset(out, 0, sizeof(out));
	uint16_t out_sz = 0;
	switch (h.msg_type) {
	case SS_SNP_MSG_REPORT_REQ: st = do_report(psp, g, i, &h, plain, out, &out_sz, err); break;
	case SS_SNP_MSG_KEY_REQ: st = do_key(psp, g, i, &h, plain, out, &out_sz, err); break;
	default: st = do_tsc_info(&h, plain, out, &out_sz); break;
	}
	OPENSSL_cleanse(plain, sizeof(plain));
	if (st) {
		OPENSSL_cleanse(out, sizeof(out));
		return st;
	}

	struct ss_snp_msg_hdr rh;
	memset(&rh, 0, sizeof(rh));
	rh.msg_seqno = expect + 1;
	rh.algo = SS_SNP_MSG_ALGO_AES_GCM;
	rh.hdr_version = SS_SNP_MSG_HDR_VERSION;
	rh.hdr_sz = SS_SNP_MSG_HDR_SIZE;
	rh.msg_type = (uint8_t)(h.msg_type + 1);
	rh.msg_version = h.msg_version;
	rh.msg_sz = out_sz;
	rh.msg_vmpck = (uint8_t)i;
	memset(rsp_page, 0, SS_SNP_MSG_PAGE_SIZE);
	memcpy(rsp_page, &rh, sizeof(rh));
	msg_iv(rh.msg_seqno, iv);
	rc = ss_aes256_gcm_encrypt(g->vmpck[i], iv, rsp_page + SS_SNP_MSG_AAD_OFF,
				   SS_SNP_MSG_AAD_LEN, out, rsp_page + SS_SNP_MSG_HDR_SIZE, out_sz,
				   rsp_page);
	OPENSSL_cleanse(out, sizeof(out));
	if (rc) {
		memset(rsp_page, 0, SS_SNP_MSG_PAGE_SIZE);
		return ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM, "AES-GCM failed (%s)",
				   ss_status_name(rc));
	}
	g->msg_seqno[i] = expect + 1;
	return SS_SEV_SUCCESS;
}

uint32_t ss_psp_snp_guest_request(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	struct ss_snp_data_guest_request d;
	memcpy(&d, buf, sizeof(d));
	uint64_t req = d.req_paddr & psp->addr_mask, rsp = d.rsp_paddr & psp->addr_mask;
	if (req & (SS_SNP_MSG_PAGE_SIZE - 1))
		return ss_psp_fail(err, SS_SEV_INVALID_ADDRESS,
				   "SNP_GUEST_REQUEST REQ_PADDR 0x%llx is not page-aligned",
				   (unsigned long long)req);
	if (rsp & (SS_SNP_MSG_PAGE_SIZE - 1))
		return ss_psp_fail(err, SS_SEV_INVALID_ADDRESS,
				   "SNP_GUEST_REQUEST RSP_PADDR 0x%llx is not page-aligned",
				   (unsigned long long)rsp);
	struct ss_rmp_entry e;
	uint32_t st = ss_psp_rmp_get(psp, req, &e, "SNP_GUEST_REQUEST REQ_PADDR", err);
	if (st)
		return st;
	if (e.assigned)
		return ss_psp_fail(
		    err, SS_SEV_INVALID_PAGE_STATE,
		    "SNP_GUEST_REQUEST REQ_PADDR 0x%llx is assigned in the RMP (asid "
		    "%u): the request must be in a hypervisor (shared) page",
		    (unsigned long long)req, e.asid);
	if ((st = ss_psp_rmp_expect_firmware(psp, rsp, "SNP_GUEST_REQUEST RSP_PADDR", err)))
		return st;
	uint8_t in[SS_SNP_MSG_PAGE_SIZE], out[SS_SNP_MSG_PAGE_SIZE];
	if ((st = ss_psp_read(psp, req, in, sizeof(in), "SNP_GUEST_REQUEST REQ_PADDR", err)))
		return st;
	st = ss_psp_snp_handle_msg(psp, g, in, out, err);
	if (!st)
		st = ss_psp_write(psp, rsp, out, sizeof(out), "SNP_GUEST_REQUEST RSP_PADDR", err);
	OPENSSL_cleanse(in, sizeof(in));
	OPENSSL_cleanse(out, sizeof(out));
	return st;
}
