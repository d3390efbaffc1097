/* AES-XTS with 16-byte data units (XEX), computed in batches through OpenSSL's AES-ECB. Only the
 * tweak arithmetic of XTS for a single-block unit (XOR with T = E_K2(unit)) happens here; the
 * block cipher is OpenSSL's. */
#include <softsev/crypto_xts.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>

#define BATCH 256 /* blocks per pass: one 4 KiB page */

struct ss_xts {
	EVP_CIPHER_CTX *k1_enc, *k1_dec, *k2_enc;
};

void ss_xts_free(ss_xts *x)
{
	if (!x)
		return;
	EVP_CIPHER_CTX_free(x->k1_enc);
	EVP_CIPHER_CTX_free(x->k1_dec);
	EVP_CIPHER_CTX_free(x->k2_enc);
	OPENSSL_free(x);
}

static EVP_CIPHER_CTX *ecb(const EVP_CIPHER *c, const uint8_t *key, int enc)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return NULL;
	if (EVP_CipherInit_ex(ctx, c, NULL, key, NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

int ss_xts_new(const uint8_t *key, size_t key_len, ss_xts **out, ss_error *err)
{
	*out = NULL;
	if (key_len != SS_XTS128_KEY_LEN && key_len != SS_XTS256_KEY_LEN)
		return ss_fail(err, SS_EINVAL,
			       "XTS key length %zu: want 32 (AES-128) or 64 (AES-256)", key_len);
	size_t half = key_len / 2;
	/* IEEE 1619 / OpenSSL: the data and tweak keys must differ. */
	if (CRYPTO_memcmp(key, key + half, half) == 0)
		return ss_fail(err, SS_EINVAL, "XTS key halves are equal");
	ss_xts *x = OPENSSL_zalloc(sizeof(*x));
	if (!x)
		return ss_fail(err, SS_ENOMEM, "out of memory");
	const EVP_CIPHER *c = half == 16 ? EVP_aes_128_ecb() : EVP_aes_256_ecb();
	x->k1_enc = ecb(c, key, 1);
	x->k1_dec = ecb(c, key, 0);
	x->k2_enc = ecb(c, key + half, 1);
	if (!x->k1_enc || !x->k1_dec || !x->k2_enc) {
		ss_xts_free(x);
		return ss_fail(err, SS_ECRYPTO, "AES-ECB key schedule failed");
	}
	*out = x;
	return 0;
}

static void xor_blocks(uint8_t *dst, const uint8_t *a, const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i += 8) {
		uint64_t va, vb;
		memcpy(&va, a + i, 8);
		memcpy(&vb, b + i, 8);
		va ^= vb;
		memcpy(dst + i, &va, 8);
	}
}

static int run(ss_xts *x, int enc, uint64_t unit, const uint8_t *in, uint8_t *out, size_t len)
{
	if (len % SS_XTS_BLOCK)
		return SS_EINVAL;
	uint8_t t[BATCH * SS_XTS_BLOCK], buf[BATCH * SS_XTS_BLOCK];
	EVP_CIPHER_CTX *k1 = enc ? x->k1_enc : x->k1_dec;
	while (len) {
		size_t n = len / SS_XTS_BLOCK;
		if (n > BATCH)
			n = BATCH;
		size_t bytes = n * SS_XTS_BLOCK;
		/* T_i = E_K2(LE128(unit + i)); units never wrap 64 bits for addresses >> 4. */
		for (size_t i = 0; i < n; i++) {
			uint64_t u = unit + i, hi = 0;
			uint8_t *b = t + i * SS_XTS_BLOCK;
			for (int k = 0; k < 8; k++)
				b[k] = (uint8_t)(u >> (8 * k));
			memcpy(b + 8, &hi, 8);
		}
		int outl = 0;
		if (EVP_EncryptUpdate(x->k2_enc, t, &outl, t, (int)bytes) != 1 ||
		    (size_t)outl != bytes)
			return SS_ECRYPTO;
		xor_blocks(buf, in, t, bytes);
		if (EVP_CipherUpdate(k1, buf, &outl, buf, (int)bytes) != 1 || (size_t)outl != bytes)
			return SS_ECRYPTO;
		xor_blocks(out, buf, t, bytes);
		in += bytes;
		out += bytes;
		len -= bytes;
		unit += n;
	}
	return 0;
}

int ss_xts_encrypt(ss_xts *x, uint64_t first_unit, const void *in, void *out, size_t len)
{
	return run(x, 1, first_unit, in, out, len);
}

int ss_xts_decrypt(ss_xts *x, uint64_t first_unit, const void *in, void *out, size_t len)
{
	return run(x, 0, first_unit, in, out, len);
}
