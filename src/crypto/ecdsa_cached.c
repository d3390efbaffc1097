/* A cached ECDSA P-384 verifier (see include/softsev/crypto_ecdsa_cached.h). OpenSSL does the
 * verification; this file only keeps its context alive and DER-encodes (r, s) (X9.62
 * Ecdsa-Sig-Value: SEQUENCE { INTEGER r, INTEGER s }) without allocating. */
#include <softsev/crypto_ecdsa_cached.h>

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

struct ss_ecdsa_verifier {
	EVP_PKEY_CTX *ctx;
};

int ss_ecdsa_verifier_new(const ss_eckey *key, ss_ecdsa_verifier **out, ss_error *err)
{
	ss_ecdsa_verifier *v = calloc(1, sizeof(*v));
	if (!v)
		return ss_fail(err, SS_ENOMEM, "out of memory");
	v->ctx = EVP_PKEY_CTX_new_from_pkey(NULL, (EVP_PKEY *)ss_eckey_evp(key), NULL);
	if (!v->ctx || EVP_PKEY_verify_init(v->ctx) != 1) {
		ss_ecdsa_verifier_free(v);
		return ss_fail(err, SS_ECRYPTO, "ECDSA verifier setup failed: %s",
			       ss_crypto_last_error());
	}
	*out = v;
	return 0;
}

/* DER INTEGER of a big-endian unsigned 48-byte value: minimal length, 0x00 pad if the top bit
 * is set. Returns the bytes written (at most 2 + 49). */
static size_t der_uint(uint8_t *out, const uint8_t *be, size_t len)
{
	size_t i = 0;
	while (i + 1 < len && be[i] == 0)
		i++;
	size_t n = len - i;
	bool pad = be[i] & 0x80;
	out[0] = 0x02;
	out[1] = (uint8_t)(n + pad);
	out[2] = 0;
	memcpy(out + 2 + pad, be + i, n);
	return 2 + pad + n;
}

int ss_ecdsa_verifier_check(ss_ecdsa_verifier *v, const uint8_t digest[SS_SHA384_LEN],
			    const uint8_t r[SS_P384_LEN], const uint8_t s[SS_P384_LEN],
			    ss_error *err)
{
	uint8_t der[2 + 2 * (2 + SS_P384_LEN + 1)];
	size_t n = 2;
	n += der_uint(der + n, r, SS_P384_LEN);
	n += der_uint(der + n, s, SS_P384_LEN);
	der[0] = 0x30;
	der[1] = (uint8_t)(n - 2); /* at most 102: short-form length */
	int rc = EVP_PKEY_verify(v->ctx, der, n, digest, SS_SHA384_LEN);
	if (rc == 1)
		return 0;
	ss_crypto_last_error(); /* drop the queued reason */
	if (rc == 0 || rc == -1)
		return ss_fail(err, SS_EBADSIG, "ECDSA P-384 signature does not verify");
	return ss_fail(err, SS_ECRYPTO, "ECDSA P-384 verification failed");
}

void ss_ecdsa_verifier_free(ss_ecdsa_verifier *v)
{
	if (!v)
		return;
	EVP_PKEY_CTX_free(v->ctx);
	free(v);
}
