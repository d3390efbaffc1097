/* Digests, HMAC and randomness through OpenSSL's EVP interfaces. */
#include <softsev/crypto.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <limits.h>

struct ss_hash {
	EVP_MD_CTX *ctx;
	ss_hash_alg alg;
};

static const EVP_MD *md_of(ss_hash_alg alg)
{
	return alg == SS_HASH_SHA384 ? EVP_sha384() : EVP_sha256();
}

size_t ss_hash_len(ss_hash_alg alg) { return alg == SS_HASH_SHA384 ? SS_SHA384_LEN : SS_SHA256_LEN; }

static int digest(const EVP_MD *md, const void *data, size_t len, uint8_t *out)
{
	return EVP_Digest(data, len, out, NULL, md, NULL) == 1 ? 0 : SS_ECRYPTO;
}

int ss_sha256(const void *data, size_t len, uint8_t out[SS_SHA256_LEN])
{
	return digest(EVP_sha256(), data, len, out);
}

int ss_sha384(const void *data, size_t len, uint8_t out[SS_SHA384_LEN])
{
	return digest(EVP_sha384(), data, len, out);
}

ss_hash *ss_hash_new(ss_hash_alg alg)
{
	ss_hash *h = OPENSSL_zalloc(sizeof(*h));
	if (!h)
		return NULL;
	h->alg = alg;
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || EVP_DigestInit_ex(h->ctx, md_of(alg), NULL) != 1) {
		ss_hash_free(h);
		return NULL;
	}
	return h;
}

int ss_hash_update(ss_hash *h, const void *data, size_t len)
{
	return EVP_DigestUpdate(h->ctx, data, len) == 1 ? 0 : SS_ECRYPTO;
}

int ss_hash_final(ss_hash *h, uint8_t *out)
{
	return EVP_DigestFinal_ex(h->ctx, out, NULL) == 1 ? 0 : SS_ECRYPTO;
}

void ss_hash_free(ss_hash *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	OPENSSL_free(h);
}

int ss_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
		   uint8_t out[SS_SHA256_LEN])
{
	if (key_len > INT_MAX)
		return SS_EINVAL;
	unsigned int out_len = 0;
	if (!HMAC(EVP_sha256(), key, (int)key_len, data, len, out, &out_len) ||
	    out_len != SS_SHA256_LEN)
		return SS_ECRYPTO;
	return 0;
}

int ss_random_bytes(void *out, size_t len)
{
	if (len > INT_MAX)
		return SS_EINVAL;
	return RAND_bytes(out, (int)len) == 1 ? 0 : SS_ECRYPTO;
}

const char *ss_crypto_last_error(void)
{
	static _Thread_local char buf[256];
	unsigned long e = ERR_get_error();
	if (!e)
		return "no OpenSSL error recorded";
	ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return buf;
}
