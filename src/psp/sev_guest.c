/* The guest's /dev/sev-guest requests as library calls, and the hypervisor's half of the path on
 * a softsev PSP (include/softsev/sev_guest.h; firmware-abi.md §5.1-§5.5). */
#include <openssl/crypto.h>
#include <softsev/abi/cert_table.h>
#include <softsev/sev_guest.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "psp/snp_internal.h"
#include "util/bytes.h"

#define SECRETS_SEQNO_OFF 0xA0u /* Linux: msg_seqno_0..3, u32 each, in the guest-OS area */
#define FW_NOT_CALLED	  0xFFFFFFFFull

struct ss_sev_guest {
	struct ss_snp_secrets_page *secrets;
	unsigned id;
	uint8_t vmpck[SS_SNP_VMPCK_LEN];
	bool disabled;
	ss_sev_guest_transport_fn fn;
	void *ctx;
};

static uint8_t *seqno_slot(ss_sev_guest *g)
{
	return (uint8_t *)g->secrets + SECRETS_SEQNO_OFF + 4 * g->id;
}

int ss_sev_guest_open(struct ss_snp_secrets_page *secrets, unsigned vmpck,
		      ss_sev_guest_transport_fn fn, void *ctx, ss_sev_guest **out, ss_error *err)
{
	*out = NULL;
	if (!secrets || !fn)
		return ss_fail(err, SS_EINVAL, "sev-guest: no SECRETS page or no transport");
	if (vmpck >= SS_SNP_VMPCK_COUNT)
		return ss_fail(err, SS_EINVAL, "sev-guest: VMPCK%u does not exist (0..3)", vmpck);
	if (secrets->version < 2)
		return ss_fail(err, SS_EINVAL,
			       "sev-guest: SECRETS page VERSION %u (expected 2 or 3)",
			       secrets->version);
	static const uint8_t zero[SS_SNP_VMPCK_LEN];
	if (!memcmp(secrets->vmpck[vmpck], zero, sizeof(zero)))
		return ss_fail(err, SS_EINVAL, "sev-guest: VMPCK%u in the SECRETS page is all zero",
			       vmpck);
	ss_sev_guest *g = calloc(1, sizeof(*g));
	if (!g)
		return ss_fail(err, SS_ENOMEM, "sev-guest: out of memory");
	g->secrets = secrets;
	g->id = vmpck;
	memcpy(g->vmpck, secrets->vmpck[vmpck], SS_SNP_VMPCK_LEN);
	g->fn = fn;
	g->ctx = ctx;
	*out = g;
	return 0;
}

void ss_sev_guest_close(ss_sev_guest *g)
{
	if (!g)
		return;
	OPENSSL_cleanse(g, sizeof(*g));
	free(g);
}

bool ss_sev_guest_vmpck_disabled(const ss_sev_guest *g)
{
	return g->disabled;
}

static void disable(ss_sev_guest *g)
{
	OPENSSL_cleanse(g->vmpck, sizeof(g->vmpck));
	g->disabled = true;
}

/* Sends one message and decrypts the response payload into resp (resp_len bytes of room).
 * certs/certs_len: the extended request (NULL for a plain one). */
static int exchange(ss_sev_guest *g, uint8_t type, uint8_t version, const void *payload,
		    uint16_t len, void *resp, size_t resp_len, uint8_t *certs, size_t *certs_len,
		    uint64_t *exitinfo2, ss_error *err)
{
	*exitinfo2 = FW_NOT_CALLED;
	if (g->disabled)
		return ss_fail(err, SS_ESTATE,
			       "sev-guest: VMPCK%u is disabled after an earlier failure", g->id);
	uint32_t last = ss_le32(seqno_slot(g));
	if (last >= UINT32_MAX - 1) {
		disable(g);
		return ss_fail(err, SS_ESTATE, "sev-guest: VMPCK%u sequence numbers exhausted",
			       g->id);
	}
	uint64_t seqno = (uint64_t)last + 1;
	uint8_t req[SS_SNP_MSG_PAGE_SIZE], rsp[SS_SNP_MSG_PAGE_SIZE], iv[SS_SNP_MSG_IV_LEN] = {0};
	memset(req, 0, sizeof(req));
	struct ss_snp_msg_hdr h = {
	    .msg_seqno = seqno,
	    .algo = SS_SNP_MSG_ALGO_AES_GCM,
	    .hdr_version = SS_SNP_MSG_HDR_VERSION,
	    .hdr_sz = SS_SNP_MSG_HDR_SIZE,
	    .msg_type = type,
	    .msg_version = version,
	    .msg_sz = len,
	    .msg_vmpck = (uint8_t)g->id,
	};
	memcpy(req, &h, sizeof(h));
	ss_put_le64(iv, seqno);
	int rc = ss_aes256_gcm_encrypt(g->vmpck, iv, req + SS_SNP_MSG_AAD_OFF, SS_SNP_MSG_AAD_LEN,
				       payload, req + SS_SNP_MSG_HDR_SIZE, len, req);
	if (rc)
		return ss_fail(err, rc, "sev-guest: AES-GCM encryption failed");

	bool too_small = false;
	size_t need = 0;
	rc = g->fn(g->ctx, req, rsp, certs, certs_len, exitinfo2, err);
	if (!rc && certs && (uint32_t)(*exitinfo2 >> 32) == SS_SNP_VMM_ERR_INVALID_LEN) {
		/* Linux: resend the same message as a plain request so the firmware consumes it
		 * and the sequence numbers stay in step, then report the size needed. */
		too_small = true;
		need = *certs_len;
		rc = g->fn(g->ctx, req, rsp, NULL, NULL, exitinfo2, err);
	}
	if (rc) {
		*exitinfo2 = FW_NOT_CALLED;
		return ss_wrap(err, rc, "sev-guest: transport");
	}
	uint32_t fw = (uint32_t)*exitinfo2, vmm = (uint32_t)(*exitinfo2 >> 32);
	if (vmm == SS_SNP_VMM_ERR_BUSY)
		return ss_fail(err, SS_ESTATE, "sev-guest: the hypervisor is busy; resend");
	if (fw || vmm) {
		disable(g);
		return ss_fail(err, SS_EIO,
			       "sev-guest: the request failed: firmware status 0x%x (%s), vmm "
			       "error %u; VMPCK%u disabled",
			       fw, ss_sev_status_name(fw), vmm, g->id);
	}

	/* Check and decrypt the response (§5.1). */
	struct ss_snp_msg_hdr r;
	memcpy(&r, rsp, sizeof(r));
	if (r.algo != SS_SNP_MSG_ALGO_AES_GCM || r.hdr_version != SS_SNP_MSG_HDR_VERSION ||
	    r.hdr_sz != SS_SNP_MSG_HDR_SIZE || r.msg_type != type + 1 || r.msg_version != version ||
	    r.msg_vmpck != g->id || r.msg_seqno != seqno + 1 || r.msg_sz > resp_len) {
		disable(g);
		return ss_fail(err, SS_EBADSIG,
			       "sev-guest: response header does not match the request (type %u "
			       "version %u seqno %llu vmpck %u size %u); VMPCK%u disabled",
			       r.msg_type, r.msg_version, (unsigned long long)r.msg_seqno,
			       r.msg_vmpck, r.msg_sz, g->id);
	}
	ss_put_le64(iv, r.msg_seqno);
	memset(resp, 0, resp_len);
	rc = ss_aes256_gcm_decrypt(g->vmpck, iv, rsp + SS_SNP_MSG_AAD_OFF, SS_SNP_MSG_AAD_LEN,
				   rsp + SS_SNP_MSG_HDR_SIZE, resp, r.msg_sz, r.authtag);
	if (rc) {
		disable(g);
		return ss_fail(err, rc == SS_EBADSIG ? SS_EBADSIG : rc,
			       "sev-guest: the response does not authenticate; VMPCK%u disabled",
			       g->id);
	}
	ss_put_le32(seqno_slot(g), last + 2);
	if (too_small) {
		*exitinfo2 = (uint64_t)SS_SNP_VMM_ERR_INVALID_LEN << 32;
		*certs_len = need;
		memset(resp, 0, resp_len);
		return ss_fail(err, SS_ERANGE,
			       "sev-guest: the certificate buffer is too small: %zu bytes needed",
			       need);
	}
	return 0;
}

int ss_sev_guest_ioctl(ss_sev_guest *g, unsigned long cmd, struct ss_snp_guest_request_ioctl *arg,
		       ss_error *err)
{
	if (!arg || !arg->req_data || !arg->resp_data)
		return ss_fail(err, SS_EINVAL, "sev-guest: no request or response buffer");
	arg->exitinfo2 = FW_NOT_CALLED;
	if (!arg->msg_version)
		return ss_fail(err, SS_EINVAL, "sev-guest: msg_version must be non-zero");
	void *in = (void *)(uintptr_t)arg->req_data, *out = (void *)(uintptr_t)arg->resp_data;
	uint64_t x2 = FW_NOT_CALLED;
	int rc;
	switch (cmd) {
	case SS_SNP_GET_REPORT: {
		/* The payload is the UAPI request as is: rsvd (KEY_SEL 0) stays as given. */
		struct ss_snp_report_resp *resp = out;
		rc = exchange(g, SS_SNP_MSG_REPORT_REQ, arg->msg_version, in,
			      sizeof(struct ss_snp_report_req), resp->data, sizeof(resp->data),
			      NULL, NULL, &x2, err);
		break;
	}
	case SS_SNP_GET_DERIVED_KEY: {
		/* Version 1 is the 0x20-byte UAPI struct; version 2 adds LAUNCH_MIT_VECTOR, which
		 * the UAPI does not carry: it goes as 0. */
		struct ss_snp_msg_key_req k;
		memset(&k, 0, sizeof(k));
		memcpy(&k, in, sizeof(struct ss_snp_derived_key_req));
		uint16_t len = arg->msg_version >= 2 ? sizeof(k) : SS_SNP_MSG_KEY_REQ_V1_SIZE;
		struct ss_snp_derived_key_resp *resp = out;
		rc = exchange(g, SS_SNP_MSG_KEY_REQ, arg->msg_version, &k, len, resp->data,
			      sizeof(resp->data), NULL, NULL, &x2, err);
		OPENSSL_cleanse(&k, sizeof(k));
		break;
	}
	case SS_SNP_GET_EXT_REPORT: {
		struct ss_snp_ext_report_req *req = in;
		if (req->certs_len % SS_SNP_MSG_PAGE_SIZE ||
		    req->certs_len > SS_SNP_EXT_CERTS_MAX ||
		    (req->certs_len && !req->certs_address))
			return ss_fail(err, SS_EINVAL,
				       "sev-guest: certs_len %u must be a multiple of 4096 up to "
				       "16384, with a certs_address",
				       req->certs_len);
		uint8_t *certs = req->certs_len ? (uint8_t *)(uintptr_t)req->certs_address : NULL;
		uint8_t none;
		size_t clen = req->certs_len;
		struct ss_snp_report_resp *resp = out;
		rc = exchange(g, SS_SNP_MSG_REPORT_REQ, arg->msg_version, &req->data,
			      sizeof(req->data), resp->data, sizeof(resp->data),
			      certs ? certs : &none, &clen, &x2, err);
		if (!rc || rc == SS_ERANGE)
			req->certs_len = (uint32_t)clen;
		break;
	}
	default: return ss_fail(err, SS_EINVAL, "sev-guest: unknown ioctl 0x%lx", cmd);
	}
	arg->exitinfo2 = x2;
	return rc;
}

/* ---- the hypervisor's side ------------------------------------------------------------------ */

struct cert_item {
	const uint8_t *guid;
	uint8_t *der;
	size_t len;
};

int ss_psp_snp_cert_table(ss_psp *psp, uint8_t **table, size_t *len, ss_error *err)
{
	*table = NULL;
	*len = 0;
	struct ss_psp_snp *s = psp->snp;
	if (!s || !s->id)
		return ss_fail(err, SS_ESTATE, "certificate table: SNP is not initialised");
#define GUID_OF(name, text, bytes, file) const uint8_t *guid_##name = bytes;
	SS_CERT_TABLE_GUIDS(GUID_OF)
#undef GUID_OF
	(void)guid_CRL;
	struct cert_item it[3] = {{0}};
	int rc;
	if (s->vlek) {
		it[0].guid = guid_VLEK;
		rc = ss_snp_issue_vlek(s->id->ca, s->vlek, s->vlek_tcb, SS_SNP_DEFAULT_CSP_ID,
				       (int64_t)time(NULL), &it[0].der, &it[0].len, err);
	} else {
		it[0].guid = guid_VCEK;
		rc = ss_snp_identity_vcek_cert(s->id, s->reported_tcb, 0, &it[0].der, &it[0].len,
					       err);
	}
	it[1].guid = guid_ASK;
	it[2].guid = guid_ARK;
	if (!rc)
		rc = ss_snp_ca_cert_der(s->id->ca, s->vlek ? SS_SNP_ASVK : SS_SNP_ASK, &it[1].der,
					&it[1].len, err);
	if (!rc)
		rc = ss_snp_ca_cert_der(s->id->ca, SS_SNP_ARK, &it[2].der, &it[2].len, err);
	size_t off = 4 * sizeof(struct ss_cert_table_entry), total = off;
	for (int i = 0; !rc && i < 3; i++)
		total += (it[i].len + 7) & ~(size_t)7;
	uint8_t *t = rc ? NULL : calloc(1, total);
	if (!rc && !t)
		rc = ss_fail(err, SS_ENOMEM, "certificate table: out of memory");
	for (int i = 0; !rc && i < 3; i++) {
		struct ss_cert_table_entry e;
		memcpy(e.guid, it[i].guid, 16);
		e.offset = (uint32_t)off;
		e.length = (uint32_t)it[i].len;
		memcpy(t + i * sizeof(e), &e, sizeof(e));
		memcpy(t + off, it[i].der, it[i].len);
		off += (it[i].len + 7) & ~(size_t)7;
	}
	for (int i = 0; i < 3; i++)
		free(it[i].der);
	if (rc) {
		free(t);
		return ss_wrap(err, rc, "certificate table");
	}
	*table = t;
	*len = total;
	return 0;
}

int ss_snp_host_transport(void *ctx, const uint8_t req[SS_SNP_MSG_PAGE_SIZE],
			  uint8_t rsp[SS_SNP_MSG_PAGE_SIZE], uint8_t *certs, size_t *certs_len,
			  uint64_t *exitinfo2, ss_error *err)
{
	struct ss_snp_host_channel *ch = ctx;
	ss_psp *psp = ch->psp;
	*exitinfo2 = FW_NOT_CALLED;
	uint8_t *table = NULL;
	size_t tlen = 0;
	if (certs) {
		/* KVM checks the guest's buffer before it calls the firmware (§5.5). */
		int rc = ss_psp_snp_cert_table(psp, &table, &tlen, err);
		if (rc)
			return rc;
		size_t need =
		    (tlen + SS_SNP_MSG_PAGE_SIZE - 1) & ~(size_t)(SS_SNP_MSG_PAGE_SIZE - 1);
		if (*certs_len < need) {
			free(table);
			*certs_len = need;
			*exitinfo2 = (uint64_t)SS_SNP_VMM_ERR_INVALID_LEN << 32;
			return 0;
		}
	}
	ss_error e = {0};
	uint32_t st = ss_psp_write(psp, ch->req_paddr, req, SS_SNP_MSG_PAGE_SIZE,
				   "host: guest request page", &e);
	if (st) {
		free(table);
		return ss_fail(err, SS_EIO, "%s", e.msg);
	}
	struct ss_snp_data_guest_request d = {
	    .gctx_paddr = ch->gctx_paddr, .req_paddr = ch->req_paddr, .rsp_paddr = ch->rsp_paddr};
	st = 0xFFFF;
	ss_psp_command(psp, SS_CMD_SNP_GUEST_REQUEST, &d, sizeof(d), &st, &e);
	*exitinfo2 = st;
	if (!st && ss_psp_read(psp, ch->rsp_paddr, rsp, SS_SNP_MSG_PAGE_SIZE,
			       "host: guest response page", &e)) {
		free(table);
		*exitinfo2 = FW_NOT_CALLED;
		return ss_fail(err, SS_EIO, "%s", e.msg);
	}
	if (!st && certs) {
		memset(certs, 0, *certs_len);
		memcpy(certs, table, tlen);
		*certs_len = tlen;
	}
	free(table);
	return 0;
}
