/* AES-128-CTR, the SEV KDF, ECDH P-384 and RSA-PSS through OpenSSL 3 (crypto_cipher.h). */
#include <softsev/crypto_cipher.h>

#include <limits.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "util/bytes.h"

int ss_aes128_ctr(const uint8_t key[SS_AES128_KEY_LEN], const uint8_t iv[SS_AES_IV_LEN],
		  const void *in, void *out, size_t len)
{
	int rc = SS_ECRYPTO;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (!ctx || EVP_EncryptInit_ex(ctx, EVP_aes_128_ctr(), NULL, key, iv) != 1)
		goto out;
	const uint8_t *src = in;
	uint8_t *dst = out;
	while (len) {
		int chunk = len > (1u << 30) ? (1 << 30) : (int)len;
		int n = 0;
		if (EVP_EncryptUpdate(ctx, dst, &n, src, chunk) != 1 || n != chunk)
			goto out;
		src += chunk;
		dst += chunk;
		len -= (size_t)chunk;
	}
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

static int gcm_run(bool enc, const uint8_t *key, const uint8_t *iv, const void *aad, size_t aad_len,
		   const void *in, void *out, size_t len, uint8_t *tag)
{
	if (len > INT_MAX || aad_len > INT_MAX)
		return SS_EINVAL;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, rc = SS_ECRYPTO;
	if (!c || EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, SS_GCM_IV_LEN, NULL) != 1 ||
	    EVP_CipherInit_ex(c, NULL, NULL, key, iv, enc) != 1)
		goto out;
	if (aad_len && EVP_CipherUpdate(c, NULL, &n, aad, (int)aad_len) != 1)
		goto out;
	if (len && EVP_CipherUpdate(c, out, &n, in, (int)len) != 1)
		goto out;
	if (!enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, SS_GCM_TAG_LEN, tag) != 1)
		goto out;
	if (EVP_CipherFinal_ex(c, (uint8_t *)out + n, &n) != 1) {
		if (!enc) {
			/* the tag did not verify: never hand out unauthenticated plaintext */
			OPENSSL_cleanse(out, len);
			rc = SS_EBADSIG;
		}
		goto out;
	}
	if (enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, SS_GCM_TAG_LEN, tag) != 1)
		goto out;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(c);
	return rc;
}

int ss_aes256_gcm_encrypt(const uint8_t key[SS_AES256_KEY_LEN], const uint8_t iv[SS_GCM_IV_LEN],
			  const void *aad, size_t aad_len, const void *in, void *out, size_t len,
			  uint8_t tag[SS_GCM_TAG_LEN])
{
	return gcm_run(true, key, iv, aad, aad_len, in, out, len, tag);
}

int ss_aes256_gcm_decrypt(const uint8_t key[SS_AES256_KEY_LEN], const uint8_t iv[SS_GCM_IV_LEN],
			  const void *aad, size_t aad_len, const void *in, void *out, size_t len,
			  const uint8_t tag[SS_GCM_TAG_LEN])
{
	uint8_t t[SS_GCM_TAG_LEN];
	memcpy(t, tag, sizeof(t));
	return gcm_run(false, key, iv, aad, aad_len, in, out, len, t);
}

int ss_sev_kdf(const void *key, size_t key_len, const char *label, const void *context,
	       size_t context_len, uint8_t *out, size_t out_len)
{
	if (!out_len || out_len > (1u << 29) || (context_len && !context))
		return SS_EINVAL;
	size_t label_len = strlen(label);
	/* i || label || 0x00 || context || L (firmware-abi.md §3.4 step 2). */
	size_t msg_len = 4 + label_len + 1 + context_len + 4;
	uint8_t *msg = malloc(msg_len);
	if (!msg)
		return SS_ENOMEM;
	memcpy(msg + 4, label, label_len);
	msg[4 + label_len] = 0;
	if (context_len)
		memcpy(msg + 5 + label_len, context, context_len);
	ss_put_le32(msg + msg_len - 4, (uint32_t)(out_len * 8));
	int rc = 0;
	uint8_t block[SS_SHA256_LEN];
	for (uint32_t i = 1; out_len; i++) {
		ss_put_le32(msg, i);
		rc = ss_hmac_sha256(key, key_len, msg, msg_len, block);
		if (rc)
			break;
		size_t n = out_len < sizeof(block) ? out_len : sizeof(block);
		memcpy(out, block, n);
		out += n;
		out_len -= n;
	}
	OPENSSL_cleanse(block, sizeof(block));
	free(msg);
	return rc;
}

int ss_ecdh_p384(const ss_eckey *priv, const ss_eckey *peer, uint8_t shared[SS_P384_LEN],
		 ss_error *err)
{
	int rc = SS_ECRYPTO;
	size_t len = SS_P384_LEN;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(ss_eckey_evp(priv), NULL);
	if (!ctx || EVP_PKEY_derive_init(ctx) != 1 ||
	    EVP_PKEY_derive_set_peer(ctx, ss_eckey_evp(peer)) != 1 ||
	    EVP_PKEY_derive(ctx, shared, &len) != 1 || len != SS_P384_LEN) {
		ss_fail(err, rc, "P-384 ECDH failed: %s", ss_crypto_last_error());
		goto out;
	}
	rc = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

int ss_eckey_private_scalar(const ss_eckey *key, uint8_t d[SS_P384_LEN])
{
	BIGNUM *bn = NULL;
	if (EVP_PKEY_get_bn_param(ss_eckey_evp(key), OSSL_PKEY_PARAM_PRIV_KEY, &bn) != 1)
		return SS_EINVAL;
	int ok = BN_bn2binpad(bn, d, SS_P384_LEN) == SS_P384_LEN;
	BN_clear_free(bn);
	return ok ? 0 : SS_ECRYPTO;
}

struct ss_rsakey {
	EVP_PKEY *pkey;
};

static int rsa_wrap(EVP_PKEY *pkey, ss_rsakey **out, ss_error *err)
{
	ss_rsakey *k = calloc(1, sizeof(*k));
	if (!k) {
		EVP_PKEY_free(pkey);
		return ss_fail(err, SS_ENOMEM, "out of memory");
	}
	k->pkey = pkey;
	*out = k;
	return 0;
}

int ss_rsakey_generate(unsigned bits, ss_rsakey **out, ss_error *err)
{
	if (bits != 2048 && bits != 4096)
		return ss_fail(err, SS_EINVAL, "RSA key size %u is not 2048 or 4096", bits);
	EVP_PKEY *pkey = EVP_RSA_gen(bits);
	if (!pkey)
		return ss_fail(err, SS_ECRYPTO, "RSA-%u key generation failed: %s", bits,
			       ss_crypto_last_error());
	return rsa_wrap(pkey, out, err);
}

int ss_rsakey_from_public(const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len,
			  ss_rsakey **out, ss_error *err)
{
	int rc = SS_ECRYPTO;
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM *params = NULL;
	BIGNUM *bn = BN_bin2bn(n, (int)n_len, NULL), *be = BN_bin2bn(e, (int)e_len, NULL);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (n_len > 1024 || e_len > 1024) {
		rc = ss_fail(err, SS_EINVAL, "RSA modulus or exponent longer than 1024 bytes");
		goto out;
	}
	if (!bn || !be || !bld || !ctx || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) ||
	    !(params = OSSL_PARAM_BLD_to_param(bld)) || EVP_PKEY_fromdata_init(ctx) != 1)
		goto out;
	if (BN_is_zero(bn) || BN_is_zero(be) ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		rc = ss_fail(err, SS_EINVAL, "not a valid RSA public key");
		goto out;
	}
	rc = rsa_wrap(pkey, out, err);
	pkey = NULL;
out:
	if (rc == SS_ECRYPTO)
		ss_fail(err, rc, "building an RSA key failed: %s", ss_crypto_last_error());
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	return rc;
}

int ss_rsakey_from_der(const void *der, size_t len, ss_rsakey **out, ss_error *err)
{
	if (len > (1u << 20))
		return ss_fail(err, SS_ERANGE, "RSA key DER is too large (%zu bytes)", len);
	const unsigned char *p = der;
	EVP_PKEY *pkey = d2i_AutoPrivateKey(NULL, &p, (long)len);
	if (!pkey || EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
		EVP_PKEY_free(pkey);
		return ss_fail(err, SS_EINVAL, "not an RSA private key in DER");
	}
	return rsa_wrap(pkey, out, err);
}

uint8_t *ss_rsakey_to_der(const ss_rsakey *key, size_t *len)
{
	unsigned char *der = NULL;
	int n = i2d_PrivateKey(key->pkey, &der);
	if (n <= 0)
		return NULL;
	uint8_t *copy = malloc((size_t)n);
	if (copy)
		memcpy(copy, der, (size_t)n);
	OPENSSL_clear_free(der, (size_t)n);
	*len = (size_t)n;
	return copy;
}

unsigned ss_rsakey_bits(const ss_rsakey *key)
{
	return (unsigned)EVP_PKEY_get_bits(key->pkey);
}

int ss_rsakey_public(const ss_rsakey *key, uint8_t *n, size_t n_len, uint8_t *e, size_t e_len)
{
	BIGNUM *bn = NULL, *be = NULL;
	int ok = EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_RSA_N, &bn) == 1 &&
		 EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_RSA_E, &be) == 1 &&
		 n_len <= INT_MAX && e_len <= INT_MAX &&
		 BN_bn2binpad(bn, n, (int)n_len) == (int)n_len &&
		 BN_bn2binpad(be, e, (int)e_len) == (int)e_len;
	BN_free(bn);
	BN_free(be);
	return ok ? 0 : SS_EINVAL;
}

void *ss_rsakey_evp(const ss_rsakey *key)
{
	return key->pkey;
}

void ss_rsakey_free(ss_rsakey *key)
{
	if (!key)
		return;
	EVP_PKEY_free(key->pkey);
	free(key);
}

static const EVP_MD *md_of(ss_hash_alg alg)
{
	return alg == SS_HASH_SHA384 ? EVP_sha384() : EVP_sha256();
}

static int pss_ctx(EVP_MD_CTX *mctx, const ss_rsakey *key, ss_hash_alg alg, bool sign)
{
	EVP_PKEY_CTX *pctx = NULL;
	int ok = sign ? EVP_DigestSignInit(mctx, &pctx, md_of(alg), NULL, key->pkey)
		      : EVP_DigestVerifyInit(mctx, &pctx, md_of(alg), NULL, key->pkey);
	return ok == 1 && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
	       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1 &&
	       EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md_of(alg)) == 1;
}

int ss_rsa_pss_sign(const ss_rsakey *key, ss_hash_alg alg, const void *msg, size_t len,
		    uint8_t *sig, size_t *sig_len, ss_error *err)
{
	int rc = SS_ECRYPTO;
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	size_t need = (size_t)EVP_PKEY_get_size(key->pkey);
	if (*sig_len < need) {
		EVP_MD_CTX_free(mctx);
		return ss_fail(err, SS_ERANGE, "RSA signature needs %zu bytes, room for %zu", need,
			       *sig_len);
	}
	if (!mctx || !pss_ctx(mctx, key, alg, true) ||
	    EVP_DigestSign(mctx, sig, sig_len, msg, len) != 1) {
		ss_fail(err, rc, "RSA-PSS signing failed: %s", ss_crypto_last_error());
		goto out;
	}
	rc = 0;
out:
	EVP_MD_CTX_free(mctx);
	return rc;
}

int ss_rsa_pss_verify(const ss_rsakey *key, ss_hash_alg alg, const void *msg, size_t len,
		      const uint8_t *sig, size_t sig_len, ss_error *err)
{
	int rc = SS_ECRYPTO;
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	if (!mctx || !pss_ctx(mctx, key, alg, false)) {
		ss_fail(err, rc, "RSA-PSS verify setup failed: %s", ss_crypto_last_error());
		goto out;
	}
	if (EVP_DigestVerify(mctx, sig, sig_len, msg, len) != 1) {
		ss_crypto_last_error(); /* clears the queue */
		rc = ss_fail(err, SS_EBADSIG, "RSA-PSS signature does not verify");
		goto out;
	}
	rc = 0;
out:
	EVP_MD_CTX_free(mctx);
	return rc;
}
