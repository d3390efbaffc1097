/* softsev crypto — reusable message-digest contexts over OpenSSL 3 EVP.
 *
 * Launch digests hash thousands of small buffers (one 112-byte PAGE_INFO per guest page), where
 * EVP_Digest's per-call algorithm fetch and context allocation cost as much as the hashing itself.
 * An ss_md fetches its algorithm once and reuses one context. */
#ifndef SOFTSEV_CRYPTO_MD_H
#define SOFTSEV_CRYPTO_MD_H

#include <softsev/crypto.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ss_md ss_md;

/* Initializes OpenSSL for a short-lived process that only hashes: no openssl.cnf, no error
 * strings (about 1 ms of start-up). Must come before any other OpenSSL use; harmless after it
 * (OpenSSL ignores a second initialization). Returns 0 or SS_ECRYPTO. */
int ss_crypto_init_hash_only(void);

/* A context for alg; NULL on failure. */
ss_md *ss_md_new(ss_hash_alg alg);
void ss_md_free(ss_md *m);
size_t ss_md_len(const ss_md *m);

/* One-shot digest of data into out (ss_md_len bytes), reusing the context. Returns 0 or
 * SS_ECRYPTO. Ends any stream in progress. */
int ss_md_digest(ss_md *m, const void *data, size_t len, uint8_t *out);

/* Streaming: begin, update..., then final (ends the stream) or peek (the digest of what was fed so
 * far, leaving the stream open). Return 0 or SS_ECRYPTO. */
int ss_md_begin(ss_md *m);
int ss_md_update(ss_md *m, const void *data, size_t len);
int ss_md_final(ss_md *m, uint8_t *out);
int ss_md_peek(ss_md *m, uint8_t *out);

#endif
