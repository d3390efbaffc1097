/* A small streaming JSON writer for `-o json` output: it tracks nesting and commas so callers only
 * say what comes next. Output is indented, keys in the order written. Internal to libsoftsev. */
#ifndef SS_UTIL_JSON_H
#define SS_UTIL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SS_JSON_MAX_DEPTH 32

typedef struct ss_json {
	FILE *out;
	int depth;
	bool first[SS_JSON_MAX_DEPTH]; /* no element written yet at this depth */
	bool after_key;                /* a key was written; the value follows on the same line */
} ss_json;

void ss_json_init(ss_json *j, FILE *out);
void ss_json_begin_object(ss_json *j);
void ss_json_end_object(ss_json *j);
void ss_json_begin_array(ss_json *j);
void ss_json_end_array(ss_json *j);
void ss_json_key(ss_json *j, const char *key);
void ss_json_string(ss_json *j, const char *s);
void ss_json_u64(ss_json *j, uint64_t v);
void ss_json_i64(ss_json *j, int64_t v);
void ss_json_bool(ss_json *j, bool v);
void ss_json_null(ss_json *j);
void ss_json_hex(ss_json *j, const uint8_t *p, size_t len); /* a string of lowercase hex */

/* Shorthands for "key": value. */
void ss_json_kv_string(ss_json *j, const char *key, const char *s);
void ss_json_kv_u64(ss_json *j, const char *key, uint64_t v);
void ss_json_kv_bool(ss_json *j, const char *key, bool v);
void ss_json_kv_hex(ss_json *j, const char *key, const uint8_t *p, size_t len);
/* "key": "0x..." — a number shown in hex, as a string so no precision is lost. */
void ss_json_kv_hex_u64(ss_json *j, const char *key, uint64_t v);

/* Ends the document with a newline. */
void ss_json_finish(ss_json *j);

#endif
