#include "util/json.h"

#include "util/bytes.h"

#include <inttypes.h>
#include <stdlib.h>

void ss_json_init(ss_json *j, FILE *out)
{
	j->out = out;
	j->depth = 0;
	j->first[0] = true;
	j->after_key = false;
}

/* Separator and indentation before a new element (not needed after a key). */
static void element(ss_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth > 0) {
		fputs(j->first[j->depth] ? "\n" : ",\n", j->out);
		for (int i = 0; i < j->depth; i++)
			fputs("  ", j->out);
	}
	j->first[j->depth] = false;
}

static void open_(ss_json *j, char c)
{
	element(j);
	fputc(c, j->out);
	if (j->depth + 1 < SS_JSON_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void close_(ss_json *j, char c)
{
	bool empty = j->first[j->depth];
	if (j->depth > 0)
		j->depth--;
	if (!empty) {
		fputc('\n', j->out);
		for (int i = 0; i < j->depth; i++)
			fputs("  ", j->out);
	}
	fputc(c, j->out);
}

void ss_json_begin_object(ss_json *j) { open_(j, '{'); }
void ss_json_end_object(ss_json *j) { close_(j, '}'); }
void ss_json_begin_array(ss_json *j) { open_(j, '['); }
void ss_json_end_array(ss_json *j) { close_(j, ']'); }

static void quoted(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\t': fputs("\\t", out); break;
		case '\r': fputs("\\r", out); break;
		default:
			if (*p < 0x20)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

void ss_json_key(ss_json *j, const char *key)
{
	element(j);
	quoted(j->out, key);
	fputs(": ", j->out);
	j->after_key = true;
}

void ss_json_string(ss_json *j, const char *s)
{
	element(j);
	quoted(j->out, s);
}

void ss_json_u64(ss_json *j, uint64_t v)
{
	element(j);
	fprintf(j->out, "%" PRIu64, v);
}

void ss_json_i64(ss_json *j, int64_t v)
{
	element(j);
	fprintf(j->out, "%" PRId64, v);
}

void ss_json_bool(ss_json *j, bool v)
{
	element(j);
	fputs(v ? "true" : "false", j->out);
}

void ss_json_null(ss_json *j)
{
	element(j);
	fputs("null", j->out);
}

void ss_json_hex(ss_json *j, const uint8_t *p, size_t len)
{
	element(j);
	fputc('"', j->out);
	char pair[3];
	for (size_t i = 0; i < len; i++) {
		ss_hex_encode(pair, p + i, 1);
		fputs(pair, j->out);
	}
	fputc('"', j->out);
}

void ss_json_kv_string(ss_json *j, const char *key, const char *s)
{
	ss_json_key(j, key);
	ss_json_string(j, s);
}

void ss_json_kv_u64(ss_json *j, const char *key, uint64_t v)
{
	ss_json_key(j, key);
	ss_json_u64(j, v);
}

void ss_json_kv_bool(ss_json *j, const char *key, bool v)
{
	ss_json_key(j, key);
	ss_json_bool(j, v);
}

void ss_json_kv_hex(ss_json *j, const char *key, const uint8_t *p, size_t len)
{
	ss_json_key(j, key);
	ss_json_hex(j, p, len);
}

void ss_json_kv_hex_u64(ss_json *j, const char *key, uint64_t v)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	ss_json_kv_string(j, key, buf);
}

void ss_json_finish(ss_json *j) { fputc('\n', j->out); }
