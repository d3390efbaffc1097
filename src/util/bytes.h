/* Little-endian access, hex and base64 text, constant-time compare. Internal to libsoftsev. */
#ifndef SS_UTIL_BYTES_H
#define SS_UTIL_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline uint16_t ss_le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t ss_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t ss_le64(const uint8_t *p)
{
	return (uint64_t)ss_le32(p) | ((uint64_t)ss_le32(p + 4) << 32);
}
static inline void ss_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}
static inline void ss_put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static inline void ss_put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Writes 2*len lowercase hex digits and a NUL to out (size >= 2*len+1). */
void ss_hex_encode(char *out, const uint8_t *in, size_t len);

/* Parses hex text (optional "0x" prefix, no spaces) into exactly want bytes. Returns false if the
 * text is not hex or does not decode to exactly want bytes. */
bool ss_hex_decode_exact(uint8_t *out, size_t want, const char *text);

/* Parses hex text of any even length into a fresh buffer (*out, *len); false on bad text. */
bool ss_hex_decode_alloc(const char *text, uint8_t **out, size_t *len);

/* Standard padded base64 of in; returns a malloc'd NUL-terminated string or NULL. */
char *ss_base64_encode(const uint8_t *in, size_t len);

/* Reverses len bytes in place (little-endian <-> big-endian integers). */
void ss_reverse(uint8_t *p, size_t len);

/* Constant-time equality of two buffers of the same length. */
bool ss_ct_equal(const void *a, const void *b, size_t len);

/* True if all len bytes are zero. */
bool ss_is_zero(const void *p, size_t len);

#endif
