/* The guest owner's side (owner.h). */
#include <string.h>

#include <softsev/crypto_cipher.h>
#include <softsev/sev_cert.h>

#include "psp/owner.h"
#include "psp/session.h"

int ss_owner_verify_platform(const uint8_t *pdh, size_t pdh_len, const uint8_t *chain,
			     size_t chain_len, const uint8_t *amd, size_t amd_len,
			     const uint8_t *ark_pin, size_t ark_pin_len, ss_error *err)
{
	ss_sev_cert p;
	ss_sev_chain c;
	ss_amd_chain a;
	int rc = ss_sev_cert_parse(pdh, pdh_len, &p, err);
	if (rc)
		return ss_wrap(err, rc, "PDH");
	if ((rc = ss_sev_chain_parse(chain, chain_len, &c, err)))
		return ss_wrap(err, rc, "platform chain (PEK || OCA || CEK)");
	if ((rc = ss_amd_chain_parse(amd, amd_len, &a, err)))
		return ss_wrap(err, rc, "AMD chain (ASK || ARK)");
	if ((rc = ss_sev_verify_chain(&p, &c, &a, err)))
		return rc;
	if (ark_pin) {
		size_t ask_len = ss_amd_cert_size(&a.ask);
		if (amd_len - ask_len != ark_pin_len || memcmp(amd + ask_len, ark_pin, ark_pin_len))
			return ss_fail(err, SS_EPOLICY,
				       "the chain's ARK is not the trusted ARK given");
	}
	return 0;
}

int ss_owner_session_create(const uint8_t *pdh, size_t pdh_len, uint32_t policy,
			    const ss_eckey *godh, struct ss_owner_session *out, ss_error *err)
{
	ss_sev_cert p, g;
	ss_eckey *pdh_key = NULL, *mine = NULL;
	memset(out, 0, sizeof(*out));
	int rc = ss_sev_cert_parse(pdh, pdh_len, &p, err);
	if (rc)
		return ss_wrap(err, rc, "PDH");
	if (p.pubkey_usage != SS_SEV_USAGE_PDH || !ss_sev_algo_is_ecdh(p.pubkey_algo))
		return ss_fail(err, SS_EINVAL, "PDH: PUBKEY_USAGE 0x%x / ALGO 0x%x is not a PDH",
			       p.pubkey_usage, p.pubkey_algo);
	if ((rc = ss_sev_cert_get_ec_pubkey(&p, &pdh_key, err)))
		return ss_wrap(err, rc, "PDH");
	if (!godh && (rc = ss_eckey_generate_p384(&mine, err)))
		goto out;
	const ss_eckey *k = godh ? godh : mine;
	/* The GODH certificate: usage PDH, ECDH_SHA256; the firmware does not check its
	 * signature (firmware-abi.md §3.1), so both slots stay empty. */
	ss_sev_cert_init(&g, SS_SEV_USAGE_PDH, SS_SEV_ALGO_ECDH_SHA256, 0, 0);
	if ((rc = ss_sev_cert_set_ec_pubkey(&g, k, err)))
		goto out;
	ss_sev_cert_serialize(&g, out->godh_cert);
	uint8_t z[SS_P384_LEN], nonce[16], iv[16];
	if ((rc = ss_ecdh_p384(k, pdh_key, z, err)))
		goto out;
	if (ss_random_bytes(nonce, 16) || ss_random_bytes(iv, 16) ||
	    ss_random_bytes(out->tek, 16) || ss_random_bytes(out->tik, 16)) {
		rc = ss_fail(err, SS_ECRYPTO, "no random bytes");
		goto out;
	}
	out->policy = policy;
	rc = ss_sev_session_build(z, sizeof(z), nonce, iv, out->tek, out->tik, policy,
				  &out->session);
	memset(z, 0, sizeof(z));
	if (rc)
		ss_fail(err, rc, "building the session blob failed");
out:
	ss_eckey_free(pdh_key);
	ss_eckey_free(mine);
	return rc;
}
