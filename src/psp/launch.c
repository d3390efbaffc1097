/* Guest launch (firmware-abi.md §3.4-§3.6, §1.6): LAUNCH_START, LAUNCH_UPDATE_DATA,
 * LAUNCH_UPDATE_VMSA, LAUNCH_MEASURE, LAUNCH_SECRET, LAUNCH_FINISH. The dispatcher has already
 * checked buffer size, platform state, the guest's state and (where memory is touched) its ASID. */
#include <stdlib.h>
#include <string.h>

#include <softsev/measure.h>

#include "psp/certs.h"
#include "psp/psp_internal.h"
#include "psp/session.h"
#include "util/bytes.h"

#define PAGE	       4096u
#define UPDATE_MAX_LEN (64u * 1024u * 1024u)
#define SECRET_MAX_LEN PAGE

static struct ss_psp_guest *new_guest_slot(ss_psp *psp)
{
	for (unsigned i = 0; i < SS_PSP_MAX_GUESTS; i++)
		if (!psp->guests[i].used)
			return &psp->guests[i];
	return NULL;
}

static uint32_t new_handle(ss_psp *psp)
{
	for (;;) {
		uint32_t h = psp->next_handle++;
		if (h && !ss_psp_find_guest(psp, h))
			return h;
	}
}

/* Opens the owner's session: Z = ECDH(PDH private, GODH public), then §3.4 steps 3-5. */
static uint32_t open_session(ss_psp *psp, const struct ss_sev_data_launch_start *d,
			     struct ss_psp_guest *g, ss_error *err)
{
	if (d->dh_cert_len != SS_PSP_CERT_LEN)
		return ss_psp_fail(err, SS_SEV_INVALID_LENGTH,
				   "launch_start.dh_cert_len %u is not %u", d->dh_cert_len,
				   SS_PSP_CERT_LEN);
	if (d->session_len != sizeof(struct ss_sev_session))
		return ss_psp_fail(err, SS_SEV_INVALID_LENGTH,
				   "launch_start.session_len %u is not %zu", d->session_len,
				   sizeof(struct ss_sev_session));
	uint8_t cert[SS_PSP_CERT_LEN];
	struct ss_sev_session s;
	uint32_t st = ss_psp_read(psp, d->dh_cert_address, cert, sizeof(cert),
				  "launch_start.dh_cert_address", err);
	if (!st)
		st = ss_psp_read(psp, d->session_address, &s, sizeof(s),
				 "launch_start.session_address", err);
	if (st)
		return st;
	ss_eckey *godh = NULL;
	ss_error cerr;
	if (ss_psp_cert_ecdh_key(cert, &godh, &cerr))
		return ss_psp_fail(err, SS_SEV_INVALID_CERTIFICATE, "launch_start dh_cert: %s",
				   cerr.msg);
	uint8_t z[SS_P384_LEN];
	int rc = ss_ecdh_p384(psp->k.pdh, godh, z, &cerr);
	ss_eckey_free(godh);
	if (rc)
		return ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM, "%s", cerr.msg);
	rc = ss_sev_session_open(z, sizeof(z), &s, d->policy, g->tek, g->tik);
	memset(z, 0, sizeof(z));
	if (rc == SS_EBADSIG)
		return ss_psp_fail(err, SS_SEV_BAD_MEASUREMENT,
				   "session.wrap_mac does not verify (session made for another "
				   "PDH, or altered)");
	if (rc == SS_EPOLICY)
		return ss_psp_fail(err, SS_SEV_POLICY_FAILURE,
				   "session.policy_mac does not match launch_start.policy 0x%x",
				   d->policy);
	if (rc)
		return ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM, "session crypto failed");
	return SS_SEV_SUCCESS;
}

/* LAUNCH_START (§3.4, §2, §1.6):
 * 1. policy: reserved bits 15:6 clear (INVALID_PARAM); API_MAJOR.MINOR not above the firmware's
 *    and ES only on a platform INIT'ed with CONFIG_ES (POLICY_FAILURE);
 * 2. handle != 0 shares that guest's VEK: it must exist (INVALID_GUEST) and neither policy may
 *    set NOKS (POLICY_FAILURE);
 * 3. a free context (RESOURCE_LIMIT);
 * 4. the session: GODH certificate and blob, WRAP_MAC, TEK/TIK unwrap, POLICY_MAC; without a
 *    certificate and a blob (both lengths 0, as KVM allows) the firmware picks TEK/TIK itself;
 * 5. a fresh VEK, GCTX.LD started, state LUPDATE, the new handle written back. */
static uint32_t start_guest(ss_psp *psp, void *buf, bool receive, ss_error *err)
{
	struct ss_sev_data_launch_start d;
	memcpy(&d, buf, sizeof(d));
	if (d.policy & SS_SEV_POLICY_RESERVED)
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "launch_start.policy 0x%x has reserved bits 15:6 set", d.policy);
	uint32_t want = SS_SEV_POLICY_API_MAJOR(d.policy) << 8 | SS_SEV_POLICY_API_MINOR(d.policy);
	uint32_t have = (uint32_t)psp->p.api_major << 8 | psp->p.api_minor;
	if (want > have)
		return ss_psp_fail(err, SS_SEV_POLICY_FAILURE,
				   "policy requires API %u.%u, firmware is %u.%u", want >> 8,
				   want & 0xff, have >> 8, have & 0xff);
	if ((d.policy & SS_SEV_POLICY_ES) && !psp->config_es)
		return ss_psp_fail(
		    err, SS_SEV_POLICY_FAILURE,
		    "policy sets ES but the platform was not INIT'ed with CONFIG_ES");
	struct ss_psp_guest *share = NULL;
	if (d.handle) {
		share = ss_psp_find_guest(psp, d.handle);
		if (!share)
			return ss_psp_fail(err, SS_SEV_INVALID_GUEST,
					   "launch_start.handle %u (key sharing) names no guest",
					   d.handle);
		if ((share->policy | d.policy) & SS_SEV_POLICY_NOKS)
			return ss_psp_fail(err, SS_SEV_POLICY_FAILURE,
					   "key sharing with guest %u refused by NOKS", d.handle);
	}
	struct ss_psp_guest *g = new_guest_slot(psp);
	if (!g)
		return ss_psp_fail(err, SS_SEV_RESOURCE_LIMIT, "all %u guest contexts are in use",
				   SS_PSP_MAX_GUESTS);
	struct ss_psp_guest ng = {0};
	uint32_t st;
	if (!receive && !d.dh_cert_len && !d.session_len) {
		if (ss_random_bytes(ng.tek, sizeof(ng.tek)) ||
		    ss_random_bytes(ng.tik, sizeof(ng.tik)))
			return ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM, "no random bytes");
	} else if ((st = open_session(psp, &d, &ng, err))) {
		memset(&ng, 0, sizeof(ng));
		return st;
	}
	if (share)
		memcpy(ng.vek, share->vek, sizeof(ng.vek));
	else if (ss_random_bytes(ng.vek, sizeof(ng.vek)))
		return ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM, "no random bytes");
	ng.ld = receive ? NULL : ss_hash_new(SS_HASH_SHA256);
	if (!receive && !ng.ld)
		return ss_psp_fail(err, SS_SEV_RESOURCE_LIMIT, "out of memory");
	ng.used = true;
	ng.policy = d.policy;
	ng.state = receive ? SS_SEV_GUEST_RUPDATE : SS_SEV_GUEST_LUPDATE;
	ng.handle = new_handle(psp);
	*g = ng;
	ss_put_le32(buf, g->handle);
	return SS_SEV_SUCCESS;
}

uint32_t ss_psp_cmd_launch_start(ss_psp *psp, struct ss_psp_guest *unused, void *buf, ss_error *err)
{
	return start_guest(psp, buf, false, err);
}

/* RECEIVE_START (§3.8): LAUNCH_START with the sender's PDH as the "GODH" and a session required;
 * the new context starts in RUPDATE. */
uint32_t ss_psp_cmd_receive_start(ss_psp *psp, struct ss_psp_guest *unused, void *buf,
				  ss_error *err)
{
	return start_guest(psp, buf, true, err);
}

/* Encrypts [addr, addr+len) in place under the guest's key, extending GCTX.LD with the
 * plaintext (§3.5). */
static uint32_t encrypt_measure(ss_psp *psp, struct ss_psp_guest *g, uint64_t addr, uint32_t len,
				const char *what, ss_error *err)
{
	uint8_t page[PAGE];
	for (uint32_t off = 0; off < len;) {
		uint32_t n = len - off < PAGE ? len - off : PAGE;
		uint32_t st = ss_psp_read(psp, addr + off, page, n, what, err);
		if (st)
			return st;
		if (ss_hash_update(g->ld, page, n))
			return ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM, "SHA-256 failed");
		st = ss_psp_write_enc(psp, g->asid, addr + off, page, n, what, err);
		if (st)
			return st;
		off += n;
	}
	return SS_SEV_SUCCESS;
}

/* LAUNCH_UPDATE_DATA: 16-byte aligned address and length (KVM doc), then encrypt and measure. */
uint32_t ss_psp_cmd_launch_update_data(ss_psp *psp, struct ss_psp_guest *g, void *buf,
				       ss_error *err)
{
	struct ss_sev_data_launch_update d;
	memcpy(&d, buf, sizeof(d));
	if (!d.len || d.len % 16 || d.len > UPDATE_MAX_LEN)
		return ss_psp_fail(err, SS_SEV_INVALID_LENGTH,
				   "launch_update_data.len %u is not a multiple of 16 in 16..%u",
				   d.len, UPDATE_MAX_LEN);
	if ((d.address & psp->addr_mask) % 16)
		return ss_psp_fail(err, SS_SEV_INVALID_ADDRESS,
				   "launch_update_data.address 0x%llx is not 16-byte aligned",
				   (unsigned long long)d.address);
	return encrypt_measure(psp, g, d.address, d.len, "launch_update_data.address", err);
}

/* LAUNCH_UPDATE_VMSA: an SEV-ES guest only (policy ES, else POLICY_FAILURE); one 4 KiB page. */
uint32_t ss_psp_cmd_launch_update_vmsa(ss_psp *psp, struct ss_psp_guest *g, void *buf,
				       ss_error *err)
{
	struct ss_sev_data_launch_update d;
	memcpy(&d, buf, sizeof(d));
	if (!(g->policy & SS_SEV_POLICY_ES))
		return ss_psp_fail(err, SS_SEV_POLICY_FAILURE,
				   "guest %u policy 0x%x is not SEV-ES; no VMSA to launch",
				   g->handle, g->policy);
	if (d.len != PAGE)
		return ss_psp_fail(err, SS_SEV_INVALID_LENGTH,
				   "launch_update_vmsa.len %u is not %u", d.len, PAGE);
	if ((d.address & psp->addr_mask) % PAGE)
		return ss_psp_fail(err, SS_SEV_INVALID_ADDRESS,
				   "launch_update_vmsa.address 0x%llx is not page aligned",
				   (unsigned long long)d.address);
	return encrypt_measure(psp, g, d.address, d.len, "launch_update_vmsa.address", err);
}

/* LAUNCH_MEASURE (§3.5):
 * 1. length query: len < 0x30 gets INVALID_LENGTH and 0x30 written back, state unchanged;
 * 2. MNONCE fresh; LD = SHA-256 of everything launched;
 * 3. MEASUREMENT = HMAC(TIK, 0x04 || API || BUILD || POLICY || LD || MNONCE) written to address;
 * 4. state LSECRET. */
uint32_t ss_psp_cmd_launch_measure(ss_psp *psp, struct ss_psp_guest *g, void *buf, ss_error *err)
{
	struct ss_sev_data_launch_update d;
	memcpy(&d, buf, sizeof(d));
	uint8_t *len_field = (uint8_t *)buf + offsetof(struct ss_sev_data_launch_update, len);
	if (d.len < sizeof(struct ss_sev_measure)) {
		ss_put_le32(len_field, sizeof(struct ss_sev_measure));
		return ss_psp_fail(err, SS_SEV_INVALID_LENGTH, "launch_measure.len %u < %zu", d.len,
				   sizeof(struct ss_sev_measure));
	}
	struct ss_sev_measure m = {0};
	uint8_t ld[32];
	/* Probe the output first so that a bad address leaves the guest in LUPDATE. */
	uint32_t st = ss_psp_write(psp, d.address, &m, sizeof(m), "launch_measure.address", err);
	if (st)
		return st;
	if (ss_random_bytes(m.mnonce, sizeof(m.mnonce)))
		return ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM, "no random bytes");
	if (ss_hash_final(g->ld, ld))
		return ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM, "SHA-256 failed");
	ss_hash_free(g->ld);
	g->ld = NULL;
	ss_sev_launch_measure_in in = {.api_major = psp->p.api_major,
				       .api_minor = psp->p.api_minor,
				       .build = psp->p.build,
				       .policy = g->policy};
	memcpy(in.tik, g->tik, sizeof(in.tik));
	memcpy(in.digest, ld, sizeof(ld));
	memcpy(in.mnonce, m.mnonce, sizeof(m.mnonce));
	int rc = ss_sev_launch_measure(&in, m.measurement, NULL);
	memset(&in, 0, sizeof(in));
	if (rc)
		return ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM, "HMAC failed");
	memcpy(g->measurement, m.measurement, sizeof(m.measurement));
	memcpy(g->ld_digest, ld, sizeof(ld));
	g->state = SS_SEV_GUEST_LSECRET;
	ss_put_le32(len_field, sizeof(m));
	return ss_psp_write(psp, d.address, &m, sizeof(m), "launch_measure.address", err);
}

/* LAUNCH_SECRET (§3.6):
 * 1. hdr_len = 0x34; guest_len = trans_len in 1..4096 (INVALID_LENGTH); flags 0 (COMPRESSED is
 *    UNSUPPORTED, other bits INVALID_PARAM);
 * 2. MAC over 0x01 || FLAGS || IV || GUEST_LEN || TRANS_LEN || ciphertext || MEASUREMENT with TIK
 *    (BAD_MEASUREMENT if it differs);
 * 3. decrypt with TEK and IV, write into the guest under its key at guest_address. */
uint32_t ss_psp_cmd_launch_secret(ss_psp *psp, struct ss_psp_guest *g, void *buf, ss_error *err)
{
	struct ss_sev_data_transfer d;
	memcpy(&d, buf, sizeof(d));
	if (d.hdr_len != sizeof(struct ss_sev_packet_hdr))
		return ss_psp_fail(err, SS_SEV_INVALID_LENGTH,
				   "launch_secret.hdr_len %u is not %zu", d.hdr_len,
				   sizeof(struct ss_sev_packet_hdr));
	if (!d.guest_len || d.guest_len > SECRET_MAX_LEN || d.trans_len != d.guest_len)
		return ss_psp_fail(err, SS_SEV_INVALID_LENGTH,
				   "launch_secret.guest_len %u / trans_len %u must be equal and in "
				   "1..%u",
				   d.guest_len, d.trans_len, SECRET_MAX_LEN);
	struct ss_sev_packet_hdr hdr;
	uint8_t ct[SECRET_MAX_LEN], mac[32];
	uint32_t st =
	    ss_psp_read(psp, d.hdr_address, &hdr, sizeof(hdr), "launch_secret.hdr_address", err);
	if (!st)
		st = ss_psp_read(psp, d.trans_address, ct, d.trans_len,
				 "launch_secret.trans_address", err);
	if (st)
		return st;
	if (hdr.flags & ~1u)
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "secret header flags 0x%x has reserved bits set", hdr.flags);
	if (hdr.flags & 1u)
		return ss_psp_fail(err, SS_SEV_UNSUPPORTED,
				   "secret header flags.COMPRESSED is not supported");
	bool new_api = psp->p.api_major > 0 || psp->p.api_minor >= 17;
	if (ss_sev_secret_mac(g->tik, hdr.flags, hdr.iv, d.guest_len, ct, d.trans_len,
			      new_api ? g->measurement : NULL, mac))
		return ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM, "HMAC failed");
	if (!ss_ct_equal(mac, hdr.mac, sizeof(mac)))
		return ss_psp_fail(err, SS_SEV_BAD_MEASUREMENT,
				   "secret header MAC does not verify with the guest's TIK");
	if (ss_aes128_ctr(g->tek, hdr.iv, ct, ct, d.trans_len))
		return ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM, "AES-CTR failed");
	st = ss_psp_write_enc(psp, g->asid, d.guest_address, ct, d.guest_len,
			      "launch_secret.guest_address", err);
	memset(ct, 0, sizeof(ct));
	return st;
}

uint32_t ss_psp_cmd_launch_finish(ss_psp *psp, struct ss_psp_guest *g, void *buf, ss_error *err)
{
	g->state = SS_SEV_GUEST_RUNNING;
	return SS_SEV_SUCCESS;
}

/* ATTESTATION (§3.7): a report over the launch digest, MNONCE from the buffer, signed by the PEK.
 * Length query: len < 0xD0 gets INVALID_LENGTH and 0xD0 written back. */
uint32_t ss_psp_cmd_attestation(ss_psp *psp, struct ss_psp_guest *g, void *buf, ss_error *err)
{
	struct ss_sev_data_attestation d;
	memcpy(&d, buf, sizeof(d));
	uint8_t *len_field = (uint8_t *)buf + offsetof(struct ss_sev_data_attestation, len);
	struct ss_sev_attestation_report r = {0};
	if (d.len < sizeof(r)) {
		ss_put_le32(len_field, sizeof(r));
		return ss_psp_fail(err, SS_SEV_INVALID_LENGTH, "attestation.len %u < %zu", d.len,
				   sizeof(r));
	}
	memcpy(r.mnonce, d.mnonce, sizeof(r.mnonce));
	memcpy(r.launch_digest, g->ld_digest, sizeof(r.launch_digest));
	r.policy = g->policy;
	r.sig_usage = 0x1002; /* PEK */
	r.sig_algo = 0x2;     /* ECDSA_SHA256 */
	uint8_t digest[32], rr[SS_P384_LEN], ss[SS_P384_LEN];
	if (ss_sha256(&r, SS_SEV_ATTESTATION_SIGNED_LEN, digest) ||
	    ss_ecdsa_p384_sign_digest(psp->k.pek, digest, sizeof(digest), rr, ss, NULL))
		return ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM, "PEK signature failed");
	ss_reverse(rr, sizeof(rr));
	ss_reverse(ss, sizeof(ss));
	memcpy(r.sig_r, rr, sizeof(rr));
	memcpy(r.sig_s, ss, sizeof(ss));
	uint32_t st = ss_psp_write(psp, d.address, &r, sizeof(r), "attestation.address", err);
	if (!st)
		ss_put_le32(len_field, sizeof(r));
	return st;
}
