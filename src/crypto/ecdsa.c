/* P-384 keys and ECDSA through OpenSSL 3's EVP_PKEY interfaces. Signatures cross this boundary
 * as raw big-endian r and s; callers with little-endian formats (the SNP report) convert. */
#include <softsev/crypto.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

#include "util/file.h"

struct ss_eckey {
	EVP_PKEY *pkey;
};

static int wrap(EVP_PKEY *pkey, ss_eckey **out, ss_error *err)
{
	ss_eckey *k = OPENSSL_zalloc(sizeof(*k));
	if (!k) {
		EVP_PKEY_free(pkey);
		return ss_fail(err, SS_ENOMEM, "out of memory");
	}
	k->pkey = pkey;
	*out = k;
	return 0;
}

static bool is_p384(EVP_PKEY *pkey)
{
	char name[64];
	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC)
		return false;
	if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name),
					    NULL))
		return false;
	return strcmp(name, "secp384r1") == 0 || strcmp(name, "P-384") == 0;
}

int ss_eckey_generate_p384(ss_eckey **out, ss_error *err)
{
	EVP_PKEY *pkey = EVP_EC_gen("P-384");
	if (!pkey)
		return ss_fail(err, SS_ECRYPTO, "P-384 key generation failed: %s",
			       ss_crypto_last_error());
	return wrap(pkey, out, err);
}

/* Refuses passphrases: without this OpenSSL would prompt on the terminal for an encrypted key. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	*(bool *)u = true;
	return -1;
}

int ss_eckey_from_pem(const void *pem, size_t len, ss_eckey **out, ss_error *err)
{
	if (len > (1u << 20))
		return ss_fail(err, SS_ERANGE, "PEM key is too large (%zu bytes)", len);
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio)
		return ss_fail(err, SS_ENOMEM, "out of memory");
	bool encrypted = false;
	EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, &encrypted);
	if (!pkey && encrypted) {
		BIO_free(bio);
		ss_crypto_last_error();
		return ss_fail(
		    err, SS_EUNSUPPORTED,
		    "the PEM key is encrypted; decrypt it first (openssl pkey -in KEY -out PLAIN)");
	}
	if (!pkey) {
		(void)BIO_reset(bio);
		pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	}
	BIO_free(bio);
	if (!pkey)
		return ss_fail(err, SS_EINVAL, "not a PEM private or public key: %s",
			       ss_crypto_last_error());
	if (!is_p384(pkey)) {
		EVP_PKEY_free(pkey);
		return ss_fail(err, SS_EINVAL, "key is not an EC key on P-384 (secp384r1)");
	}
	return wrap(pkey, out, err);
}

int ss_eckey_from_pem_file(const char *path, ss_eckey **out, ss_error *err)
{
	uint8_t *data;
	size_t len;
	int rc = ss_read_file(path, 1u << 20, &data, &len, err);
	if (rc)
		return rc;
	rc = ss_eckey_from_pem(data, len, out, err);
	OPENSSL_cleanse(data, len);
	free(data);
	if (rc)
		return ss_wrap(err, rc, "%s", path);
	return 0;
}

static int from_params(const uint8_t *point, size_t point_len, const BIGNUM *priv, ss_eckey **out,
		       ss_error *err)
{
	int rc = SS_ECRYPTO;
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!bld || !ctx ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "P-384", 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, point_len) ||
	    (priv && !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv)))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	if (!params || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) !=
		1) {
		rc = ss_fail(err, SS_EINVAL, "not a valid P-384 key: %s", ss_crypto_last_error());
		goto out;
	}
	/* EVP_PKEY_fromdata does not check that the point is on the curve; do it here. */
	EVP_PKEY_CTX *chk = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	int ok = chk && EVP_PKEY_public_check(chk) == 1;
	EVP_PKEY_CTX_free(chk);
	if (!ok) {
		rc = ss_fail(err, SS_EINVAL, "P-384 public point is not on the curve");
		goto out;
	}
	rc = wrap(pkey, out, err);
	pkey = NULL;
out:
	if (rc == SS_ECRYPTO)
		ss_fail(err, rc, "building a P-384 key failed: %s", ss_crypto_last_error());
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return rc;
}

int ss_eckey_from_public_xy(const uint8_t x[SS_P384_LEN], const uint8_t y[SS_P384_LEN],
			    ss_eckey **out, ss_error *err)
{
	uint8_t point[1 + 2 * SS_P384_LEN];
	point[0] = 0x04; /* uncompressed point (SEC 1, 2.3.3) */
	memcpy(point + 1, x, SS_P384_LEN);
	memcpy(point + 1 + SS_P384_LEN, y, SS_P384_LEN);
	return from_params(point, sizeof(point), NULL, out, err);
}

int ss_eckey_from_private_scalar(const uint8_t d[SS_P384_LEN], ss_eckey **out, ss_error *err)
{
	int rc = SS_ECRYPTO;
	uint8_t point[1 + 2 * SS_P384_LEN];
	BIGNUM *bn = BN_bin2bn(d, SS_P384_LEN, NULL);
	EC_GROUP *group = EC_GROUP_new_by_curve_name(NID_secp384r1);
	EC_POINT *pub = group ? EC_POINT_new(group) : NULL;
	if (!bn || !pub)
		goto out;
	if (BN_is_zero(bn) || BN_cmp(bn, EC_GROUP_get0_order(group)) >= 0) {
		rc = ss_fail(err, SS_EINVAL, "private scalar is not in [1, n-1] for P-384");
		goto out;
	}
	if (!EC_POINT_mul(group, pub, bn, NULL, NULL, NULL) ||
	    EC_POINT_point2oct(group, pub, POINT_CONVERSION_UNCOMPRESSED, point, sizeof(point),
			       NULL) != sizeof(point))
		goto out;
	rc = from_params(point, sizeof(point), bn, out, err);
out:
	if (rc == SS_ECRYPTO)
		ss_fail(err, rc, "deriving a P-384 public key failed: %s", ss_crypto_last_error());
	BN_clear_free(bn);
	EC_POINT_free(pub);
	EC_GROUP_free(group);
	return rc;
}

int ss_eckey_public_xy(const ss_eckey *key, uint8_t x[SS_P384_LEN], uint8_t y[SS_P384_LEN])
{
	BIGNUM *bx = NULL, *by = NULL;
	int ok = EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_EC_PUB_X, &bx) &&
		 EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &by) &&
		 BN_bn2binpad(bx, x, SS_P384_LEN) == SS_P384_LEN &&
		 BN_bn2binpad(by, y, SS_P384_LEN) == SS_P384_LEN;
	BN_free(bx);
	BN_free(by);
	return ok ? 0 : SS_ECRYPTO;
}

bool ss_eckey_has_private(const ss_eckey *key)
{
	BIGNUM *d = NULL;
	bool has = EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1;
	BN_clear_free(d);
	return has;
}

char *ss_eckey_to_pem(const ss_eckey *key, bool private_part)
{
	BIO *bio = BIO_new(BIO_s_mem());
	if (!bio)
		return NULL;
	int ok = private_part ? PEM_write_bio_PrivateKey(bio, key->pkey, NULL, NULL, 0, NULL, NULL)
			      : PEM_write_bio_PUBKEY(bio, key->pkey);
	char *out = NULL;
	char *mem;
	long n = BIO_get_mem_data(bio, &mem);
	if (ok && n > 0 && (out = malloc((size_t)n + 1))) {
		memcpy(out, mem, (size_t)n);
		out[n] = 0;
	}
	BIO_free(bio);
	return out;
}

void ss_eckey_free(ss_eckey *key)
{
	if (!key)
		return;
	EVP_PKEY_free(key->pkey);
	OPENSSL_free(key);
}

void *ss_eckey_evp(const ss_eckey *key)
{
	return key->pkey;
}

int ss_ecdsa_p384_sign_digest(const ss_eckey *key, const uint8_t *digest, size_t digest_len,
			      uint8_t r[SS_P384_LEN], uint8_t s[SS_P384_LEN], ss_error *err)
{
	int rc = SS_ECRYPTO;
	unsigned char der[128];
	size_t der_len = sizeof(der);
	ECDSA_SIG *sig = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
	if (!ctx || EVP_PKEY_sign_init(ctx) != 1 ||
	    EVP_PKEY_sign(ctx, der, &der_len, digest, digest_len) != 1)
		goto out;
	const unsigned char *p = der;
	sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	if (!sig || BN_bn2binpad(ECDSA_SIG_get0_r(sig), r, SS_P384_LEN) != SS_P384_LEN ||
	    BN_bn2binpad(ECDSA_SIG_get0_s(sig), s, SS_P384_LEN) != SS_P384_LEN)
		goto out;
	rc = 0;
out:
	if (rc)
		ss_fail(err, rc, "ECDSA P-384 signing failed: %s", ss_crypto_last_error());
	ECDSA_SIG_free(sig);
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

int ss_ecdsa_p384_verify_digest(const ss_eckey *key, const uint8_t *digest, size_t digest_len,
				const uint8_t r[SS_P384_LEN], const uint8_t s[SS_P384_LEN],
				ss_error *err)
{
	int rc = SS_ECRYPTO;
	unsigned char *der = NULL;
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *br = BN_bin2bn(r, SS_P384_LEN, NULL), *bs = BN_bin2bn(s, SS_P384_LEN, NULL);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
	if (!sig || !br || !bs || !ctx || !ECDSA_SIG_set0(sig, br, bs))
		goto out;
	br = bs = NULL; /* owned by sig now */
	int der_len = i2d_ECDSA_SIG(sig, &der);
	if (der_len <= 0 || EVP_PKEY_verify_init(ctx) != 1)
		goto out;
	int v = EVP_PKEY_verify(ctx, der, (size_t)der_len, digest, digest_len);
	if (v == 1)
		rc = 0;
	else {
		ss_crypto_last_error(); /* drop the queued reason */
		rc = ss_fail(err, SS_EBADSIG, "ECDSA P-384 signature does not verify");
	}
out:
	if (rc == SS_ECRYPTO)
		ss_fail(err, rc, "ECDSA P-384 verification failed: %s", ss_crypto_last_error());
	OPENSSL_free(der);
	BN_free(br);
	BN_free(bs);
	ECDSA_SIG_free(sig);
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

int ss_ecdsa_p384_sign(const ss_eckey *key, const void *msg, size_t len, uint8_t r[SS_P384_LEN],
		       uint8_t s[SS_P384_LEN], ss_error *err)
{
	uint8_t d[SS_SHA384_LEN];
	if (ss_sha384(msg, len, d))
		return ss_fail(err, SS_ECRYPTO, "SHA-384 failed");
	return ss_ecdsa_p384_sign_digest(key, d, sizeof(d), r, s, err);
}

int ss_ecdsa_p384_verify(const ss_eckey *key, const void *msg, size_t len,
			 const uint8_t r[SS_P384_LEN], const uint8_t s[SS_P384_LEN], ss_error *err)
{
	uint8_t d[SS_SHA384_LEN];
	if (ss_sha384(msg, len, d))
		return ss_fail(err, SS_ECRYPTO, "SHA-384 failed");
	return ss_ecdsa_p384_verify_digest(key, d, sizeof(d), r, s, err);
}
