/* softsev crypto — thin wrappers over OpenSSL 3 libcrypto. No cryptography is implemented here;
 * these functions only fix the shapes softsev uses (fixed-size digests, P-384 keys with raw
 * big-endian coordinates and signature components) and turn OpenSSL failures into ss_error. */
#ifndef SOFTSEV_CRYPTO_H
#define SOFTSEV_CRYPTO_H

#include <softsev/error.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SS_SHA256_LEN 32
#define SS_SHA384_LEN 48
#define SS_P384_LEN   48 /* bytes of a P-384 coordinate, scalar or signature component */

/* One-shot digests. Return 0 or SS_ECRYPTO. */
int ss_sha256(const void *data, size_t len, uint8_t out[SS_SHA256_LEN]);
int ss_sha384(const void *data, size_t len, uint8_t out[SS_SHA384_LEN]);

/* Incremental digests. */
typedef enum ss_hash_alg { SS_HASH_SHA256, SS_HASH_SHA384 } ss_hash_alg;
typedef struct ss_hash ss_hash;
ss_hash *ss_hash_new(ss_hash_alg alg); /* NULL on failure */
int ss_hash_update(ss_hash *h, const void *data, size_t len);
int ss_hash_final(ss_hash *h, uint8_t *out); /* out holds the digest length of alg */
void ss_hash_free(ss_hash *h);
size_t ss_hash_len(ss_hash_alg alg);

/* HMAC-SHA256 (the SEV launch measurement and session MACs). */
int ss_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
		   uint8_t out[SS_SHA256_LEN]);

/* Cryptographically secure random bytes. */
int ss_random_bytes(void *out, size_t len);

/* An EC key on P-384, with or without its private part. */
typedef struct ss_eckey ss_eckey;

int ss_eckey_generate_p384(ss_eckey **out, ss_error *err);
/* PEM: "PRIVATE KEY", "EC PRIVATE KEY" or "PUBLIC KEY". The key must be on P-384. */
int ss_eckey_from_pem(const void *pem, size_t len, ss_eckey **out, ss_error *err);
int ss_eckey_from_pem_file(const char *path, ss_eckey **out, ss_error *err);
/* Public key from big-endian affine coordinates; fails if the point is not on the curve. */
int ss_eckey_from_public_xy(const uint8_t x[SS_P384_LEN], const uint8_t y[SS_P384_LEN],
			    ss_eckey **out, ss_error *err);
/* Private key from a big-endian scalar d (1 <= d < n); the public point is computed. */
int ss_eckey_from_private_scalar(const uint8_t d[SS_P384_LEN], ss_eckey **out, ss_error *err);
int ss_eckey_public_xy(const ss_eckey *key, uint8_t x[SS_P384_LEN], uint8_t y[SS_P384_LEN]);
bool ss_eckey_has_private(const ss_eckey *key);
/* PEM text of the private (PKCS#8) or public (SubjectPublicKeyInfo) key; malloc'd, NUL-ended. */
char *ss_eckey_to_pem(const ss_eckey *key, bool private_part);
void ss_eckey_free(ss_eckey *key);
/* The OpenSSL EVP_PKEY behind key (borrowed), for layers that need more than these wrappers. */
void *ss_eckey_evp(const ss_eckey *key);

/* ECDSA P-384 over a precomputed digest, r and s as big-endian 48-byte integers. */
int ss_ecdsa_p384_sign_digest(const ss_eckey *key, const uint8_t *digest, size_t digest_len,
			      uint8_t r[SS_P384_LEN], uint8_t s[SS_P384_LEN], ss_error *err);
/* Returns 0 if valid, SS_EBADSIG if not, SS_ECRYPTO on library failure. */
int ss_ecdsa_p384_verify_digest(const ss_eckey *key, const uint8_t *digest, size_t digest_len,
				const uint8_t r[SS_P384_LEN], const uint8_t s[SS_P384_LEN],
				ss_error *err);
/* The same over SHA-384 of msg. */
int ss_ecdsa_p384_sign(const ss_eckey *key, const void *msg, size_t len, uint8_t r[SS_P384_LEN],
		       uint8_t s[SS_P384_LEN], ss_error *err);
int ss_ecdsa_p384_verify(const ss_eckey *key, const void *msg, size_t len,
			 const uint8_t r[SS_P384_LEN], const uint8_t s[SS_P384_LEN], ss_error *err);

/* The last OpenSSL error as text (for messages); thread-local static buffer. */
const char *ss_crypto_last_error(void);

#endif
