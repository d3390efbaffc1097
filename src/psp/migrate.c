/* Migration (firmware-abi.md §1.6, §3.8): SEND_START / SEND_UPDATE_DATA / SEND_UPDATE_VMSA /
 * SEND_FINISH / SEND_CANCEL on the source, RECEIVE_UPDATE_DATA / RECEIVE_UPDATE_VMSA /
 * RECEIVE_FINISH on the destination (RECEIVE_START is in launch.c). The guest's memory moves as
 * AES-128-CTR under the transport keys of a session the source makes for the destination's PDH;
 * each packet carries a 0x34-byte header (FLAGS, IV, MAC) like LAUNCH_SECRET's. */
#include <stdlib.h>
#include <string.h>

#include <softsev/sev_cert.h>

#include "psp/psp_internal.h"
#include "psp/session.h"
#include "util/bytes.h"

#define PAGE	   4096u
#define PACKET_MAX (16u * PAGE)

static uint32_t read_sev_cert(ss_psp *psp, uint64_t addr, const char *what, ss_sev_cert *out,
			      ss_error *err)
{
	uint8_t wire[SS_PSP_CERT_LEN];
	uint32_t st = ss_psp_read(psp, addr, wire, sizeof(wire), what, err);
	if (st)
		return st;
	ss_error cerr;
	if (ss_sev_cert_parse(wire, sizeof(wire), out, &cerr))
		return ss_psp_fail(err, SS_SEV_INVALID_CERTIFICATE, "%s: %s", what, cerr.msg);
	return SS_SEV_SUCCESS;
}

/* SEND_START (§2, §3.8):
 * 1. the guest's policy allows sending (NOSEND: POLICY_FAILURE);
 * 2. length query: session_len < 0x80 gets INVALID_LENGTH and 0x80 written back;
 * 3. the destination's PDH (0x824) and PEK || OCA || CEK (3 x 0x824): INVALID_LENGTH, malformed
 *    INVALID_CERTIFICATE, PDH <- PEK <- OCA not verifying BAD_SIGNATURE;
 * 4. DOMAIN: the destination's OCA is this platform's OCA (POLICY_FAILURE);
 * 5. SEV: ASK || ARK given, CEK <- ASK <- ARK and PEK <- CEK verify (BAD_SIGNATURE), and the ARK is
 *    this emulated part's own root or one of AMD's real ARKs (POLICY_FAILURE);
 * 6. the policy's minimum API version is not above the destination PEK's (POLICY_FAILURE);
 * 7. a session for the destination's PDH with fresh TEK/TIK, written out; state SUPDATE. */
uint32_t ss_psp_cmd_send_start(ss_psp *psp, struct ss_psp_guest *g, void *buf, ss_error *err)
{
	struct ss_sev_data_send_start d;
	memcpy(&d, buf, sizeof(d));
	uint8_t *b = buf;
	if (g->policy & SS_SEV_POLICY_NOSEND)
		return ss_psp_fail(err, SS_SEV_POLICY_FAILURE, "guest %u policy 0x%x sets NOSEND",
				   g->handle, g->policy);
	if (d.session_len < sizeof(struct ss_sev_session)) {
		ss_put_le32(b + offsetof(struct ss_sev_data_send_start, session_len),
			    sizeof(struct ss_sev_session));
		return ss_psp_fail(err, SS_SEV_INVALID_LENGTH, "send_start.session_len %u < %zu",
				   d.session_len, sizeof(struct ss_sev_session));
	}
	if (d.pdh_cert_len != SS_PSP_CERT_LEN || d.plat_certs_len != 3 * SS_PSP_CERT_LEN)
		return ss_psp_fail(err, SS_SEV_INVALID_LENGTH,
				   "send_start.pdh_cert_len %u / plat_certs_len %u are not %u / %u",
				   d.pdh_cert_len, d.plat_certs_len, SS_PSP_CERT_LEN,
				   3 * SS_PSP_CERT_LEN);
	ss_sev_cert pdh, pek, oca, cek;
	uint32_t st = read_sev_cert(psp, d.pdh_cert_address, "send_start.pdh_cert", &pdh, err);
	if (!st)
		st = read_sev_cert(psp, d.plat_certs_address, "send_start PEK", &pek, err);
	if (!st)
		st = read_sev_cert(psp, d.plat_certs_address + SS_PSP_CERT_LEN, "send_start OCA",
				   &oca, err);
	if (!st)
		st = read_sev_cert(psp, d.plat_certs_address + 2 * SS_PSP_CERT_LEN,
				   "send_start CEK", &cek, err);
	if (st)
		return st;
	if (pdh.pubkey_usage != SS_SEV_USAGE_PDH || pek.pubkey_usage != SS_SEV_USAGE_PEK ||
	    oca.pubkey_usage != SS_SEV_USAGE_OCA || cek.pubkey_usage != SS_SEV_USAGE_CEK)
		return ss_psp_fail(err, SS_SEV_INVALID_CERTIFICATE,
				   "send_start certificates are not PDH, PEK, OCA, CEK");
	ss_error cerr;
	if (ss_sev_verify_owner_chain(&pdh, &pek, &oca, &cerr))
		return ss_psp_fail(err, SS_SEV_BAD_SIGNATURE, "destination chain: %s", cerr.msg);
	if ((g->policy & SS_SEV_POLICY_DOMAIN) && memcmp(&oca, psp->p.oca_cert, SS_PSP_CERT_LEN))
		return ss_psp_fail(err, SS_SEV_POLICY_FAILURE,
				   "policy DOMAIN: the destination's OCA is not this platform's");
	if (g->policy & SS_SEV_POLICY_SEV) {
		uint8_t amd[2 * SS_PSP_AMD_CERT_MAX];
		ss_amd_chain chain;
		if (!d.amd_certs_len || d.amd_certs_len > sizeof(amd))
			return ss_psp_fail(err, SS_SEV_INVALID_LENGTH,
					   "send_start.amd_certs_len %u is not in 1..%zu",
					   d.amd_certs_len, sizeof(amd));
		st = ss_psp_read(psp, d.amd_certs_address, amd, d.amd_certs_len,
				 "send_start.amd_certs_address", err);
		if (st)
			return st;
		if (ss_amd_chain_parse(amd, d.amd_certs_len, &chain, &cerr))
			return ss_psp_fail(err, SS_SEV_INVALID_CERTIFICATE, "amd_certs: %s",
					   cerr.msg);
		if (ss_sev_verify_amd_chain(&pek, &cek, &chain.ask, &chain.ark, &cerr))
			return ss_psp_fail(err, SS_SEV_BAD_SIGNATURE, "destination AMD chain: %s",
					   cerr.msg);
		size_t ask_len = ss_amd_cert_size(&chain.ask);
		bool own = d.amd_certs_len - ask_len == psp->p.ark_cert_len &&
			   !memcmp(amd + ask_len, psp->p.ark_cert, psp->p.ark_cert_len);
		if (!own && !ss_amd_ark_product(&chain.ark))
			return ss_psp_fail(err, SS_SEV_POLICY_FAILURE,
					   "policy SEV: the destination's ARK is neither this "
					   "part's root nor AMD's");
	}
	uint32_t want =
	    SS_SEV_POLICY_API_MAJOR(g->policy) << 8 | SS_SEV_POLICY_API_MINOR(g->policy);
	if (want > ((uint32_t)pek.api_major << 8 | pek.api_minor))
		return ss_psp_fail(err, SS_SEV_POLICY_FAILURE,
				   "policy requires API %u.%u, the destination PEK is %u.%u",
				   want >> 8, want & 0xff, pek.api_major, pek.api_minor);
	ss_eckey *peer = NULL;
	if (ss_sev_cert_get_ec_pubkey(&pdh, &peer, &cerr))
		return ss_psp_fail(err, SS_SEV_INVALID_CERTIFICATE, "send_start.pdh_cert: %s",
				   cerr.msg);
	uint8_t z[SS_P384_LEN], nonce[16], iv[16], tek[16], tik[16];
	struct ss_sev_session s;
	int rc = ss_ecdh_p384(psp->k.pdh, peer, z, &cerr);
	ss_eckey_free(peer);
	if (!rc && (ss_random_bytes(nonce, 16) || ss_random_bytes(iv, 16) ||
		    ss_random_bytes(tek, 16) || ss_random_bytes(tik, 16)))
		rc = SS_ECRYPTO;
	if (!rc)
		rc = ss_sev_session_build(z, sizeof(z), nonce, iv, tek, tik, g->policy, &s);
	memset(z, 0, sizeof(z));
	if (rc)
		return ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM, "session crypto failed");
	st = ss_psp_write(psp, d.session_address, &s, sizeof(s), "send_start.session_address", err);
	if (st)
		return st;
	memcpy(g->tek, tek, 16);
	memcpy(g->tik, tik, 16);
	memset(tek, 0, sizeof(tek));
	memset(tik, 0, sizeof(tik));
	ss_put_le32(b + offsetof(struct ss_sev_data_send_start, policy), g->policy);
	ss_put_le32(b + offsetof(struct ss_sev_data_send_start, session_len), sizeof(s));
	g->state = SS_SEV_GUEST_SUPDATE;
	return SS_SEV_SUCCESS;
}

/* Shape checks shared by SEND_UPDATE_* and RECEIVE_UPDATE_*: 16-byte multiples up to 16 pages
 * (a VMSA: exactly one page, page aligned, ES policy). */
static uint32_t check_region(ss_psp *psp, struct ss_psp_guest *g, const char *name, bool vmsa,
			     uint64_t addr, uint32_t len, ss_error *err)
{
	if (vmsa && !(g->policy & SS_SEV_POLICY_ES))
		return ss_psp_fail(err, SS_SEV_POLICY_FAILURE, "%s: guest %u is not SEV-ES", name,
				   g->handle);
	if (vmsa ? len != PAGE : (!len || len % 16 || len > PACKET_MAX))
		return ss_psp_fail(err, SS_SEV_INVALID_LENGTH, "%s.guest_len %u is not %s", name,
				   len, vmsa ? "4096" : "a multiple of 16 in 16..65536");
	if ((addr & psp->addr_mask) % (vmsa ? PAGE : 16))
		return ss_psp_fail(err, SS_SEV_INVALID_ADDRESS,
				   "%s.guest_address 0x%llx is not %s aligned", name,
				   (unsigned long long)addr, vmsa ? "page" : "16-byte");
	return SS_SEV_SUCCESS;
}

/* SEND_UPDATE_DATA / _VMSA: length query (hdr_len 0x34, trans_len = guest_len), then read the
 * region through the guest's key, encrypt under TEK with a fresh IV, MAC with TIK. */
static uint32_t send_update(ss_psp *psp, struct ss_psp_guest *g, void *buf, bool vmsa,
			    ss_error *err)
{
	const char *name = vmsa ? "send_update_vmsa" : "send_update_data";
	struct ss_sev_data_transfer d;
	memcpy(&d, buf, sizeof(d));
	uint8_t *b = buf;
	uint32_t st = check_region(psp, g, name, vmsa, d.guest_address, d.guest_len, err);
	if (st)
		return st;
	if (d.hdr_len < sizeof(struct ss_sev_packet_hdr) || d.trans_len < d.guest_len) {
		ss_put_le32(b + offsetof(struct ss_sev_data_transfer, hdr_len),
			    sizeof(struct ss_sev_packet_hdr));
		ss_put_le32(b + offsetof(struct ss_sev_data_transfer, trans_len), d.guest_len);
		return ss_psp_fail(err, SS_SEV_INVALID_LENGTH,
				   "%s.hdr_len %u < %zu or trans_len %u < guest_len %u", name,
				   d.hdr_len, sizeof(struct ss_sev_packet_hdr), d.trans_len,
				   d.guest_len);
	}
	uint8_t *data = malloc(d.guest_len);
	if (!data)
		return ss_psp_fail(err, SS_SEV_RESOURCE_LIMIT, "out of memory");
	struct ss_sev_packet_hdr hdr = {0};
	st = ss_psp_read_enc(psp, g->asid, d.guest_address, data, d.guest_len, name, err);
	if (!st && (ss_random_bytes(hdr.iv, sizeof(hdr.iv)) ||
		    ss_aes128_ctr(g->tek, hdr.iv, data, data, d.guest_len) ||
		    ss_sev_packet_mac(g->tik, vmsa ? SS_SEV_CTX_SEND_VMSA : SS_SEV_CTX_SEND_DATA,
				      hdr.flags, hdr.iv, d.guest_len, data, d.guest_len, hdr.mac)))
		st = ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM, "transport crypto failed");
	if (!st)
		st = ss_psp_write(psp, d.hdr_address, &hdr, sizeof(hdr), "hdr_address", err);
	if (!st)
		st = ss_psp_write(psp, d.trans_address, data, d.guest_len, "trans_address", err);
	free(data);
	if (!st) {
		ss_put_le32(b + offsetof(struct ss_sev_data_transfer, hdr_len), sizeof(hdr));
		ss_put_le32(b + offsetof(struct ss_sev_data_transfer, trans_len), d.guest_len);
	}
	return st;
}

uint32_t ss_psp_cmd_send_update_data(ss_psp *psp, struct ss_psp_guest *g, void *buf, ss_error *err)
{
	return send_update(psp, g, buf, false, err);
}

uint32_t ss_psp_cmd_send_update_vmsa(ss_psp *psp, struct ss_psp_guest *g, void *buf, ss_error *err)
{
	return send_update(psp, g, buf, true, err);
}

uint32_t ss_psp_cmd_send_finish(ss_psp *psp, struct ss_psp_guest *g, void *buf, ss_error *err)
{
	g->state = SS_SEV_GUEST_SENT;
	return SS_SEV_SUCCESS;
}

uint32_t ss_psp_cmd_send_cancel(ss_psp *psp, struct ss_psp_guest *g, void *buf, ss_error *err)
{
	g->state = SS_SEV_GUEST_RUNNING;
	return SS_SEV_SUCCESS;
}

/* RECEIVE_UPDATE_DATA / _VMSA: hdr_len 0x34 and trans_len = guest_len (INVALID_LENGTH), flags 0,
 * the MAC with the session's TIK (BAD_MEASUREMENT), then decrypt with TEK and write through the
 * guest's new key. */
static uint32_t receive_update(ss_psp *psp, struct ss_psp_guest *g, void *buf, bool vmsa,
			       ss_error *err)
{
	const char *name = vmsa ? "receive_update_vmsa" : "receive_update_data";
	struct ss_sev_data_transfer d;
	memcpy(&d, buf, sizeof(d));
	uint32_t st = check_region(psp, g, name, vmsa, d.guest_address, d.guest_len, err);
	if (st)
		return st;
	if (d.hdr_len != sizeof(struct ss_sev_packet_hdr) || d.trans_len != d.guest_len)
		return ss_psp_fail(err, SS_SEV_INVALID_LENGTH,
				   "%s.hdr_len %u is not %zu or trans_len %u != guest_len %u", name,
				   d.hdr_len, sizeof(struct ss_sev_packet_hdr), d.trans_len,
				   d.guest_len);
	struct ss_sev_packet_hdr hdr;
	st = ss_psp_read(psp, d.hdr_address, &hdr, sizeof(hdr), "hdr_address", err);
	if (st)
		return st;
	if (hdr.flags)
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM, "%s header flags 0x%x are not 0",
				   name, hdr.flags);
	uint8_t *data = malloc(d.trans_len);
	if (!data)
		return ss_psp_fail(err, SS_SEV_RESOURCE_LIMIT, "out of memory");
	uint8_t mac[32];
	st = ss_psp_read(psp, d.trans_address, data, d.trans_len, "trans_address", err);
	if (!st && ss_sev_packet_mac(g->tik, vmsa ? SS_SEV_CTX_SEND_VMSA : SS_SEV_CTX_SEND_DATA,
				     hdr.flags, hdr.iv, d.guest_len, data, d.trans_len, mac))
		st = ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM, "HMAC failed");
	if (!st && !ss_ct_equal(mac, hdr.mac, sizeof(mac)))
		st = ss_psp_fail(err, SS_SEV_BAD_MEASUREMENT,
				 "%s: packet MAC does not verify with the session's TIK", name);
	if (!st && ss_aes128_ctr(g->tek, hdr.iv, data, data, d.trans_len))
		st = ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM, "AES-CTR failed");
	if (!st)
		st = ss_psp_write_enc(psp, g->asid, d.guest_address, data, d.guest_len, name, err);
	free(data);
	return st;
}

uint32_t ss_psp_cmd_receive_update_data(ss_psp *psp, struct ss_psp_guest *g, void *buf,
					ss_error *err)
{
	return receive_update(psp, g, buf, false, err);
}

uint32_t ss_psp_cmd_receive_update_vmsa(ss_psp *psp, struct ss_psp_guest *g, void *buf,
					ss_error *err)
{
	return receive_update(psp, g, buf, true, err);
}

uint32_t ss_psp_cmd_receive_finish(ss_psp *psp, struct ss_psp_guest *g, void *buf, ss_error *err)
{
	g->state = SS_SEV_GUEST_RUNNING;
	return SS_SEV_SUCCESS;
}
