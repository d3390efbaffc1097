/* RSA keys and RSASSA-PSS for the legacy SEV formats, through OpenSSL 3's EVP interfaces. */
#include "attest/sev_rsa.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>

#include "util/bytes.h"

#define RSA_MAX_BYTES 512

int ss_sev_rsa_from_le(const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len,
		       EVP_PKEY **out, ss_error *err)
{
	int rc = SS_ECRYPTO;
	BIGNUM *bn = BN_lebin2bn(n, (int)n_len, NULL), *be = BN_lebin2bn(e, (int)e_len, NULL);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	*out = NULL;
	if (!bn || !be || !bld || !ctx)
		goto out;
	if (BN_is_zero(bn) || !BN_is_odd(bn) || BN_is_zero(be) || !BN_is_odd(be) ||
	    BN_cmp(be, bn) >= 0) {
		rc = ss_fail(err, SS_EINVAL,
			     "not a usable RSA public key (modulus and exponent must be odd, "
			     "non-zero, exponent below modulus)");
		goto out;
	}
	if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) ||
	    !(params = OSSL_PARAM_BLD_to_param(bld)) || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto out;
	rc = 0;
out:
	if (rc == SS_ECRYPTO)
		ss_fail(err, rc, "building an RSA public key failed: %s", ss_crypto_last_error());
	BN_free(bn);
	BN_free(be);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

int ss_sev_rsa_to_le(const EVP_PKEY *key, uint8_t *n, uint8_t *e, size_t cap, unsigned *bits,
		     ss_error *err)
{
	BIGNUM *bn = NULL, *be = NULL;
	int rc = SS_EINVAL;
	if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
		ss_fail(err, rc, "key is not an RSA key");
		goto out;
	}
	if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &bn) ||
	    !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &be)) {
		rc = ss_fail(err, SS_ECRYPTO, "reading the RSA key failed: %s",
			     ss_crypto_last_error());
		goto out;
	}
	if ((size_t)BN_num_bytes(bn) > cap || (size_t)BN_num_bytes(be) > cap) {
		ss_fail(err, rc, "RSA key of %d bits does not fit in %zu bytes", BN_num_bits(bn),
			cap);
		goto out;
	}
	if (BN_bn2lebinpad(bn, n, (int)cap) != (int)cap ||
	    BN_bn2lebinpad(be, e, (int)cap) != (int)cap) {
		rc = ss_fail(err, SS_ECRYPTO, "writing the RSA key failed");
		goto out;
	}
	*bits = (unsigned)BN_num_bits(bn);
	rc = 0;
out:
	BN_free(bn);
	BN_free(be);
	return rc;
}

/* Sets up ctx for RSASSA-PSS with MGF1 of the same hash and salt = digest length (SEV API;
 * virtee's RsaPssSaltlen::DIGEST_LENGTH). */
static int pss_setup(EVP_PKEY_CTX *ctx, ss_hash_alg alg)
{
	const EVP_MD *md = alg == SS_HASH_SHA384 ? EVP_sha384() : EVP_sha256();
	return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
	       EVP_PKEY_CTX_set_signature_md(ctx, md) == 1 &&
	       EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) == 1 &&
	       EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, (int)ss_hash_len(alg)) == 1;
}

int ss_sev_rsa_pss_sign(const EVP_PKEY *key, ss_hash_alg alg, const uint8_t *digest,
			uint8_t *sig_le, size_t sig_len, ss_error *err)
{
	if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA)
		return ss_fail(err, SS_EINVAL, "signing key is not an RSA key");
	if ((size_t)EVP_PKEY_get_size(key) != sig_len)
		return ss_fail(err, SS_EINVAL,
			       "RSA key of %d bytes cannot fill a %zu-byte signature",
			       EVP_PKEY_get_size(key), sig_len);
	int rc = SS_ECRYPTO;
	size_t out_len = sig_len;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, (EVP_PKEY *)key, NULL);
	if (ctx && EVP_PKEY_sign_init(ctx) == 1 && pss_setup(ctx, alg) &&
	    EVP_PKEY_sign(ctx, sig_le, &out_len, digest, ss_hash_len(alg)) == 1 &&
	    out_len == sig_len) {
		ss_reverse(sig_le, sig_len); /* big-endian RSA integer -> stored little-endian */
		rc = 0;
	} else {
		ss_fail(err, rc, "RSA-PSS signing failed: %s", ss_crypto_last_error());
	}
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

int ss_sev_rsa_pss_verify(const EVP_PKEY *key, ss_hash_alg alg, const uint8_t *digest,
			  const uint8_t *sig_le, size_t sig_len, ss_error *err)
{
	uint8_t be[RSA_MAX_BYTES];
	if (sig_len > sizeof(be) || (size_t)EVP_PKEY_get_size(key) != sig_len)
		return ss_fail(err, SS_EINVAL, "RSA signature of %zu bytes for a %d-byte key",
			       sig_len, EVP_PKEY_get_size(key));
	memcpy(be, sig_le, sig_len);
	ss_reverse(be, sig_len);
	int rc = SS_ECRYPTO;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, (EVP_PKEY *)key, NULL);
	if (!ctx || EVP_PKEY_verify_init(ctx) != 1 || !pss_setup(ctx, alg)) {
		ss_fail(err, rc, "RSA-PSS verification setup failed: %s", ss_crypto_last_error());
		goto out;
	}
	if (EVP_PKEY_verify(ctx, be, sig_len, digest, ss_hash_len(alg)) == 1) {
		rc = 0;
	} else {
		ss_crypto_last_error(); /* drop the queued reason */
		rc = ss_fail(err, SS_EBADSIG, "RSA-PSS signature does not verify");
	}
out:
	EVP_PKEY_CTX_free(ctx);
	return rc;
}
