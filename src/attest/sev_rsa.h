/* RSA pieces of the legacy SEV certificate formats, over OpenSSL 3 (internal to src/attest).
 * Numbers and signatures cross this boundary little-endian, as the certificates store them
 * (firmware-abi.md §3.1/§3.2); signatures are RSASSA-PSS with MGF1 of the message hash and a salt
 * as long as the digest. */
#ifndef SS_ATTEST_SEV_RSA_H
#define SS_ATTEST_SEV_RSA_H

#include <openssl/evp.h>
#include <softsev/crypto.h>
#include <softsev/error.h>
#include <stddef.h>
#include <stdint.h>

/* Builds an RSA public key from little-endian modulus and exponent. */
int ss_sev_rsa_from_le(const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len,
		       EVP_PKEY **out, ss_error *err);

/* Writes key's modulus and exponent little-endian, zero-padded to cap bytes each; *bits gets the
 * modulus size. Fails if key is not RSA or a number does not fit. */
int ss_sev_rsa_to_le(const EVP_PKEY *key, uint8_t *n, uint8_t *e, size_t cap, unsigned *bits,
		     ss_error *err);

/* RSASSA-PSS over a precomputed digest; sig_le is the key size in bytes. */
int ss_sev_rsa_pss_sign(const EVP_PKEY *key, ss_hash_alg alg, const uint8_t *digest,
			uint8_t *sig_le, size_t sig_len, ss_error *err);
/* 0 if valid, SS_EBADSIG if not. sig_len must equal the key size in bytes. */
int ss_sev_rsa_pss_verify(const EVP_PKEY *key, ss_hash_alg alg, const uint8_t *digest,
			  const uint8_t *sig_le, size_t sig_len, ss_error *err);

#endif
