/* softsev crypto — a reusable ECDSA P-384 verifier for one public key. Verifying many messages
 * under one key (e.g. many SNP reports under one VCEK) this way costs one OpenSSL verify per call
 * and no allocation: the key's EVP_PKEY_CTX is initialised once and the DER signature is built
 * on the stack. Not thread-safe: use one verifier per thread. */
#ifndef SOFTSEV_CRYPTO_ECDSA_CACHED_H
#define SOFTSEV_CRYPTO_ECDSA_CACHED_H

#include <softsev/crypto.h>

typedef struct ss_ecdsa_verifier ss_ecdsa_verifier;

/* key must be a P-384 public key; it is referenced (not copied) and must outlive the verifier. */
int ss_ecdsa_verifier_new(const ss_eckey *key, ss_ecdsa_verifier **out, ss_error *err);
/* 0 if (r, s) — big-endian 48-byte integers — is a valid signature of digest (SHA-384, 48
 * bytes); SS_EBADSIG if not; SS_ECRYPTO on library failure. */
int ss_ecdsa_verifier_check(ss_ecdsa_verifier *v, const uint8_t digest[SS_SHA384_LEN],
			    const uint8_t r[SS_P384_LEN], const uint8_t s[SS_P384_LEN],
			    ss_error *err);
void ss_ecdsa_verifier_free(ss_ecdsa_verifier *v);

#endif
