/* SEV session cryptography (firmware-abi.md §3.4-§3.6); see session.h. */
#include <stdlib.h>
#include <string.h>

#include <softsev/crypto.h>
#include <softsev/crypto_cipher.h>

#include "psp/session.h"
#include "util/bytes.h"

int ss_sev_session_keys(const uint8_t *z, size_t z_len, const uint8_t nonce[16], uint8_t master[16],
			uint8_t kek[16], uint8_t kik[16])
{
	uint8_t m[16];
	int rc = ss_sev_kdf(z, z_len, "sev-master-secret", nonce, 16, m, sizeof(m));
	if (!rc)
		rc = ss_sev_kdf(m, sizeof(m), "sev-kek", NULL, 0, kek, 16);
	if (!rc)
		rc = ss_sev_kdf(m, sizeof(m), "sev-kik", NULL, 0, kik, 16);
	if (!rc && master)
		memcpy(master, m, sizeof(m));
	memset(m, 0, sizeof(m));
	return rc;
}

static int policy_mac(const uint8_t tik[16], uint32_t policy, uint8_t out[32])
{
	uint8_t p[4];
	ss_put_le32(p, policy);
	return ss_hmac_sha256(tik, 16, p, sizeof(p), out);
}

int ss_sev_session_build(const uint8_t *z, size_t z_len, const uint8_t nonce[16],
			 const uint8_t iv[16], const uint8_t tek[16], const uint8_t tik[16],
			 uint32_t policy, struct ss_sev_session *out)
{
	uint8_t kek[16], kik[16], tk[32];
	int rc = ss_sev_session_keys(z, z_len, nonce, NULL, kek, kik);
	memcpy(tk, tek, 16);
	memcpy(tk + 16, tik, 16);
	memcpy(out->nonce, nonce, 16);
	memcpy(out->wrap_iv, iv, 16);
	if (!rc)
		rc = ss_aes128_ctr(kek, iv, tk, out->wrap_tk, sizeof(tk));
	if (!rc)
		rc = ss_hmac_sha256(kik, sizeof(kik), out->wrap_tk, sizeof(out->wrap_tk),
				    out->wrap_mac);
	if (!rc)
		rc = policy_mac(tik, policy, out->policy_mac);
	memset(kek, 0, sizeof(kek));
	memset(kik, 0, sizeof(kik));
	memset(tk, 0, sizeof(tk));
	return rc;
}

int ss_sev_session_open(const uint8_t *z, size_t z_len, const struct ss_sev_session *s,
			uint32_t policy, uint8_t tek[16], uint8_t tik[16])
{
	uint8_t kek[16], kik[16], mac[32], tk[32];
	int rc = ss_sev_session_keys(z, z_len, s->nonce, NULL, kek, kik);
	if (!rc)
		rc = ss_hmac_sha256(kik, sizeof(kik), s->wrap_tk, sizeof(s->wrap_tk), mac);
	if (!rc && !ss_ct_equal(mac, s->wrap_mac, sizeof(mac)))
		rc = SS_EBADSIG;
	if (!rc)
		rc = ss_aes128_ctr(kek, s->wrap_iv, s->wrap_tk, tk, sizeof(tk));
	if (!rc)
		rc = policy_mac(tk + 16, policy, mac);
	if (!rc && !ss_ct_equal(mac, s->policy_mac, sizeof(mac)))
		rc = SS_EPOLICY;
	if (!rc) {
		memcpy(tek, tk, 16);
		memcpy(tik, tk + 16, 16);
	}
	memset(kek, 0, sizeof(kek));
	memset(kik, 0, sizeof(kik));
	memset(tk, 0, sizeof(tk));
	return rc;
}

static int packet_mac(const uint8_t tik[16], uint8_t ctx, uint32_t flags, const uint8_t iv[16],
		      uint32_t guest_len, const uint8_t *ct, uint32_t trans_len,
		      const uint8_t *measurement, uint8_t out[32])
{
	uint8_t head[1 + 4 + 16 + 4 + 4];
	head[0] = ctx;
	ss_put_le32(head + 1, flags);
	memcpy(head + 5, iv, 16);
	ss_put_le32(head + 21, guest_len);
	ss_put_le32(head + 25, trans_len);
	/* HMAC over head || ct || measurement, fed in pieces by concatenating once. */
	size_t total = sizeof(head) + trans_len + (measurement ? 32 : 0);
	uint8_t *msg = malloc(total);
	if (!msg)
		return SS_ENOMEM;
	memcpy(msg, head, sizeof(head));
	if (trans_len)
		memcpy(msg + sizeof(head), ct, trans_len);
	if (measurement)
		memcpy(msg + sizeof(head) + trans_len, measurement, 32);
	int rc = ss_hmac_sha256(tik, 16, msg, total, out);
	free(msg);
	return rc;
}

int ss_sev_secret_mac(const uint8_t tik[16], uint32_t flags, const uint8_t iv[16],
		      uint32_t guest_len, const uint8_t *ct, uint32_t trans_len,
		      const uint8_t *measurement, uint8_t out[32])
{
	return packet_mac(tik, SS_SEV_CTX_SECRET, flags, iv, guest_len, ct, trans_len, measurement,
			  out);
}

int ss_sev_packet_mac(const uint8_t tik[16], uint8_t ctx, uint32_t flags, const uint8_t iv[16],
		      uint32_t guest_len, const uint8_t *ct, uint32_t trans_len, uint8_t out[32])
{
	return packet_mac(tik, ctx, flags, iv, guest_len, ct, trans_len, NULL, out);
}

int ss_sev_secret_build(const uint8_t tek[16], const uint8_t tik[16], const uint8_t iv[16],
			const void *secret, uint32_t len, const uint8_t measurement[32],
			struct ss_sev_packet_hdr *hdr, uint8_t *ct)
{
	memset(hdr, 0, sizeof(*hdr));
	memcpy(hdr->iv, iv, 16);
	int rc = ss_aes128_ctr(tek, iv, secret, ct, len);
	if (!rc)
		rc = ss_sev_secret_mac(tik, 0, iv, len, ct, len, measurement, hdr->mac);
	return rc;
}
