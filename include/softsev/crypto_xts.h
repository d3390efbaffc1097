/* softsev crypto — AES-XTS with one 16-byte block per data unit, the cipher of the memory
 * encryption engine (cpu-svm-sev.md §9.5: "any keyed 16-byte block cipher tweaked by sPA, e.g.
 * AES-128-XTS with tweak = sPA>>4, reproduces the observable properties").
 *
 * Each 16-byte block is its own XTS data unit whose number is the block's index (for memory:
 * system-physical address >> 4), written as the 128-bit little-endian tweak IEEE 1619 uses. With a
 * one-block data unit XTS is XEX: C = E_K1(P ^ T) ^ T with T = E_K2(unit). The result is
 * bit-identical to OpenSSL's EVP_aes_128_xts / EVP_aes_256_xts run on that single block with that
 * tweak (tests/mem/test_xts.c checks it); the wrapper computes many blocks in one pass through
 * OpenSSL's AES so that a page costs a few microseconds, not 256 cipher initialisations.
 */
#ifndef SOFTSEV_CRYPTO_XTS_H
#define SOFTSEV_CRYPTO_XTS_H

#include <softsev/error.h>
#include <stddef.h>
#include <stdint.h>

#define SS_XTS128_KEY_LEN 32 /* AES-128-XTS: K1 (data) || K2 (tweak) */
#define SS_XTS256_KEY_LEN 64 /* AES-256-XTS: K1 || K2 */
#define SS_XTS_BLOCK	  16

typedef struct ss_xts ss_xts;

/* A key schedule for AES-128-XTS (key_len 32) or AES-256-XTS (key_len 64). Like OpenSSL, refuses
 * a key whose two halves are equal (SS_EINVAL). Returns 0 or SS_EINVAL / SS_ENOMEM / SS_ECRYPTO. */
int ss_xts_new(const uint8_t *key, size_t key_len, ss_xts **out, ss_error *err);
void ss_xts_free(ss_xts *x);

/* Encrypts or decrypts len bytes (a multiple of 16; in == out allowed). Block i of the buffer is
 * data unit first_unit + i. Returns 0, SS_EINVAL (len not a multiple of 16) or SS_ECRYPTO. */
int ss_xts_encrypt(ss_xts *x, uint64_t first_unit, const void *in, void *out, size_t len);
int ss_xts_decrypt(ss_xts *x, uint64_t first_unit, const void *in, void *out, size_t len);

#endif
