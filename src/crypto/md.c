/* Reusable digest contexts (include/softsev/crypto_md.h): one explicit EVP_MD_fetch per context,
 * one EVP_MD_CTX reused with EVP_DigestInit_ex2. */
#include <softsev/crypto_md.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>

struct ss_md {
	EVP_MD *md;
	EVP_MD_CTX *ctx;
	EVP_MD_CTX *scratch; /* for peek: a copy of ctx finalized in its place */
	size_t len;
};

int ss_crypto_init_hash_only(void)
{
	return OPENSSL_init_crypto(
		   OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS, NULL) == 1
		   ? 0
		   : SS_ECRYPTO;
}

ss_md *ss_md_new(ss_hash_alg alg)
{
	ss_md *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->md = EVP_MD_fetch(NULL, alg == SS_HASH_SHA384 ? "SHA384" : "SHA256", NULL);
	m->ctx = EVP_MD_CTX_new();
	m->scratch = EVP_MD_CTX_new();
	m->len = ss_hash_len(alg);
	if (!m->md || !m->ctx || !m->scratch) {
		ss_md_free(m);
		return NULL;
	}
	return m;
}

void ss_md_free(ss_md *m)
{
	if (!m)
		return;
	EVP_MD_CTX_free(m->ctx);
	EVP_MD_CTX_free(m->scratch);
	EVP_MD_free(m->md);
	free(m);
}

size_t ss_md_len(const ss_md *m)
{
	return m->len;
}

int ss_md_begin(ss_md *m)
{
	return EVP_DigestInit_ex2(m->ctx, m->md, NULL) == 1 ? 0 : SS_ECRYPTO;
}

int ss_md_update(ss_md *m, const void *data, size_t len)
{
	return EVP_DigestUpdate(m->ctx, data, len) == 1 ? 0 : SS_ECRYPTO;
}

int ss_md_final(ss_md *m, uint8_t *out)
{
	return EVP_DigestFinal_ex(m->ctx, out, NULL) == 1 ? 0 : SS_ECRYPTO;
}

int ss_md_peek(ss_md *m, uint8_t *out)
{
	if (EVP_MD_CTX_copy_ex(m->scratch, m->ctx) != 1)
		return SS_ECRYPTO;
	return EVP_DigestFinal_ex(m->scratch, out, NULL) == 1 ? 0 : SS_ECRYPTO;
}

int ss_md_digest(ss_md *m, const void *data, size_t len, uint8_t *out)
{
	if (EVP_DigestInit_ex2(m->ctx, m->md, NULL) != 1 ||
	    EVP_DigestUpdate(m->ctx, data, len) != 1 || EVP_DigestFinal_ex(m->ctx, out, NULL) != 1)
		return SS_ECRYPTO;
	return 0;
}
