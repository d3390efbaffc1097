#include "util/bytes.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

void ss_hex_encode(char *out, const uint8_t *in, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static const char *skip_0x(const char *text)
{
	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
		return text + 2;
	return text;
}

static bool decode_into(uint8_t *out, const char *text, size_t nbytes)
{
	for (size_t i = 0; i < nbytes; i++) {
		int hi = hexval(text[2 * i]), lo = hexval(text[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

bool ss_hex_decode_exact(uint8_t *out, size_t want, const char *text)
{
	text = skip_0x(text);
	if (strlen(text) != 2 * want)
		return false;
	return decode_into(out, text, want);
}

bool ss_hex_decode_alloc(const char *text, uint8_t **out, size_t *len)
{
	text = skip_0x(text);
	size_t n = strlen(text);
	if (n % 2)
		return false;
	uint8_t *buf = malloc(n / 2 + 1);
	if (!buf)
		return false;
	if (!decode_into(buf, text, n / 2)) {
		free(buf);
		return false;
	}
	*out = buf;
	*len = n / 2;
	return true;
}

char *ss_base64_encode(const uint8_t *in, size_t len)
{
	if (len > (size_t)1 << 30)
		return NULL;
	char *out = malloc(4 * ((len + 2) / 3) + 1);
	if (!out)
		return NULL;
	EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	return out;
}

void ss_reverse(uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len / 2; i++) {
		uint8_t t = p[i];
		p[i] = p[len - 1 - i];
		p[len - 1 - i] = t;
	}
}

bool ss_ct_equal(const void *a, const void *b, size_t len)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t d = 0;
	for (size_t i = 0; i < len; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

bool ss_is_zero(const void *p, size_t len)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}
