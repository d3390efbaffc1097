#include <softsev/error.h>

#include <stdio.h>
#include <string.h>

int ss_vfail(ss_error *err, int code, const char *fmt, va_list ap)
{
	if (err) {
		err->code = code;
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	}
	return code;
}

int ss_fail(ss_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ss_vfail(err, code, fmt, ap);
	va_end(ap);
	return code;
}

int ss_wrap(ss_error *err, int code, const char *fmt, ...)
{
	if (!err)
		return code;
	err->code = code;
	char prefix[256], old[sizeof(err->msg)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old);
	return err->code;
}

const char *ss_status_name(int code)
{
	switch (code) {
#define SS_ERROR_NAME(name, value, hint)                                                           \
	case value: return #name;
		SS_ERROR_LIST(SS_ERROR_NAME)
#undef SS_ERROR_NAME
	}
	return "SS_UNKNOWN";
}

const char *ss_status_hint(int code)
{
	switch (code) {
#define SS_ERROR_HINT(name, value, hint)                                                           \
	case value: return hint;
		SS_ERROR_LIST(SS_ERROR_HINT)
#undef SS_ERROR_HINT
	}
	return "unknown status";
}
