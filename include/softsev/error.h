/* softsev — errors shared by every layer.
 *
 * Contract: a function that can fail returns 0 on success or a negative SS_E* code, and fills the
 * caller's ss_error (may be NULL) with the code and a one-line message that names what was wrong
 * (the field, the offset, the status code's name). Messages never end in a newline.
 */
#ifndef SOFTSEV_ERROR_H
#define SOFTSEV_ERROR_H

#include <stdarg.h>

/* X(name, value, one-line hint) — the single source of error kinds. */
#define SS_ERROR_LIST(X)                                                                           \
	X(SS_OK, 0, "success")                                                                     \
	X(SS_EINVAL, -1, "invalid argument or malformed input")                                    \
	X(SS_EIO, -2, "file or I/O error")                                                         \
	X(SS_ENOMEM, -3, "out of memory")                                                          \
	X(SS_ECRYPTO, -4, "cryptographic library failure")                                         \
	X(SS_EBADSIG, -5, "signature or certificate chain does not verify")                        \
	X(SS_ENOCERT, -6, "a required certificate or key is missing")                              \
	X(SS_EPOLICY, -7, "a value does not match what the verifier's policy requires")            \
	X(SS_ENOTIMPL, -8, "not implemented")                                                      \
	X(SS_ESTATE, -9, "operation not allowed in the current state")                             \
	X(SS_ERANGE, -10, "value or offset out of range")                                          \
	X(SS_EUNSUPPORTED, -11, "input is valid but not supported")

enum ss_status {
#define SS_ERROR_ENUM(name, value, hint) name = value,
	SS_ERROR_LIST(SS_ERROR_ENUM)
#undef SS_ERROR_ENUM
};

typedef struct ss_error {
	int code;      /* one of enum ss_status */
	char msg[512]; /* what was wrong, naming the field or offset */
} ss_error;

/* Records code and a printf-style message in *err (if err is not NULL); returns code. */
int ss_fail(ss_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int ss_vfail(ss_error *err, int code, const char *fmt, va_list ap);

/* Prefixes the message already in *err (if err is not NULL) with "context: " and returns code,
 * the status of the call that failed: `return ss_wrap(err, rc, "OVMF");` keeps the caller's status
 * even when it passed no ss_error. */
int ss_wrap(ss_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* "SS_EINVAL" etc., and its hint. Unknown codes give "SS_UNKNOWN". */
const char *ss_status_name(int code);
const char *ss_status_hint(int code);

#endif
