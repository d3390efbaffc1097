/* softsev crypto — ciphers, key agreement, the SEV KDF and RSA, over OpenSSL 3 libcrypto.
 *
 * What the legacy SEV API needs (firmware-abi.md §8): AES-128-CTR for key wrapping, secrets and
 * transport; ECDH P-384 whose shared secret is the x-coordinate as 48 big-endian bytes (§3.4 step
 * 1); the NIST SP 800-108 counter-mode KDF with HMAC-SHA256 (§3.4 step 2); RSA-PSS for the
 * platform's own ARK and ASK (§3.2). Nothing here implements cryptography itself.
 */
#ifndef SOFTSEV_CRYPTO_CIPHER_H
#define SOFTSEV_CRYPTO_CIPHER_H

#include <softsev/crypto.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SS_AES128_KEY_LEN 16
#define SS_AES_IV_LEN	  16

/* AES-128-CTR with a 128-bit big-endian counter block starting at iv; in and out may alias.
 * Returns 0 or SS_ECRYPTO. */
int ss_aes128_ctr(const uint8_t key[SS_AES128_KEY_LEN], const uint8_t iv[SS_AES_IV_LEN],
		  const void *in, void *out, size_t len);

#define SS_AES256_KEY_LEN 32
#define SS_GCM_IV_LEN	  12
#define SS_GCM_TAG_LEN	  16

/* AES-256-GCM with a 96-bit IV and a 128-bit tag (SNP guest messages, firmware-abi.md §5.1).
 * Encrypt: out = ciphertext of in (len bytes), tag = the tag over aad || ciphertext. Decrypt:
 * checks tag and writes the plaintext; out is zeroed when the tag does not verify. in and out
 * may alias; aad may be NULL when aad_len is 0. Returns 0, SS_EBADSIG (decrypt: tag mismatch),
 * SS_EINVAL (len or aad_len > INT_MAX) or SS_ECRYPTO. */
int ss_aes256_gcm_encrypt(const uint8_t key[SS_AES256_KEY_LEN], const uint8_t iv[SS_GCM_IV_LEN],
			  const void *aad, size_t aad_len, const void *in, void *out, size_t len,
			  uint8_t tag[SS_GCM_TAG_LEN]);
int ss_aes256_gcm_decrypt(const uint8_t key[SS_AES256_KEY_LEN], const uint8_t iv[SS_GCM_IV_LEN],
			  const void *aad, size_t aad_len, const void *in, void *out, size_t len,
			  const uint8_t tag[SS_GCM_TAG_LEN]);

/* NIST SP 800-108 KDF in counter mode with PRF = HMAC-SHA256, as the SEV API defines it
 * (firmware-abi.md §3.4 step 2): K(i) = HMAC(key, i_u32le || label || 0x00 || context || L_u32le)
 * for i = 1.., L = out_len * 8, output = K(1) || K(2) ... truncated to out_len bytes. context may
 * be NULL when context_len is 0. Returns 0, SS_EINVAL (out_len 0 or > 2^29) or SS_ECRYPTO. */
int ss_sev_kdf(const void *key, size_t key_len, const char *label, const void *context,
	       size_t context_len, uint8_t *out, size_t out_len);

/* ECDH on P-384 between our private key and the peer's public key. shared receives the
 * x-coordinate of the shared point as 48 big-endian bytes (OpenSSL's raw derive output), the
 * input the SEV session KDF takes (firmware-abi.md §3.4 step 1). */
int ss_ecdh_p384(const ss_eckey *priv, const ss_eckey *peer, uint8_t shared[SS_P384_LEN],
		 ss_error *err);

/* The private scalar d of a P-384 key as 48 big-endian bytes (for persistent state); SS_EINVAL
 * if the key has no private part. */
int ss_eckey_private_scalar(const ss_eckey *key, uint8_t d[SS_P384_LEN]);

/* An RSA key with or without its private part. */
typedef struct ss_rsakey ss_rsakey;

/* Generates an RSA key of bits (2048 or 4096) with public exponent 65537. */
int ss_rsakey_generate(unsigned bits, ss_rsakey **out, ss_error *err);
/* Public key from big-endian modulus and exponent. */
int ss_rsakey_from_public(const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len,
			  ss_rsakey **out, ss_error *err);
/* Private key from DER (PKCS#1 RSAPrivateKey or PKCS#8), e.g. as ss_rsakey_to_der wrote it. */
int ss_rsakey_from_der(const void *der, size_t len, ss_rsakey **out, ss_error *err);
/* DER of the private key (PKCS#8) in a malloc'd buffer; NULL on failure or a public-only key. */
uint8_t *ss_rsakey_to_der(const ss_rsakey *key, size_t *len);
/* Modulus size in bits. */
unsigned ss_rsakey_bits(const ss_rsakey *key);
/* Big-endian modulus and public exponent, left-padded with zeros to out_len bytes. */
int ss_rsakey_public(const ss_rsakey *key, uint8_t *n, size_t n_len, uint8_t *e, size_t e_len);
void ss_rsakey_free(ss_rsakey *key);
/* The OpenSSL EVP_PKEY behind key (borrowed), for APIs that take one (include/softsev/sev_cert.h).
 */
void *ss_rsakey_evp(const ss_rsakey *key);

/* RSASSA-PSS with MGF1 over the same hash and salt length = digest length (firmware-abi.md §3.1,
 * §3.2) over msg hashed with alg. sig is big-endian, exactly the modulus size (*sig_len in: room,
 * out: written). */
int ss_rsa_pss_sign(const ss_rsakey *key, ss_hash_alg alg, const void *msg, size_t len,
		    uint8_t *sig, size_t *sig_len, ss_error *err);
/* Returns 0 if valid, SS_EBADSIG if not, SS_ECRYPTO on library failure. */
int ss_rsa_pss_verify(const ss_rsakey *key, ss_hash_alg alg, const void *msg, size_t len,
		      const uint8_t *sig, size_t sig_len, ss_error *err);

#endif
