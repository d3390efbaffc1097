#include "cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ss_cli_exit_code(int status)
{
	switch (status) {
	case SS_OK: return SS_EXIT_OK;
	case SS_EBADSIG: return SS_EXIT_BADSIG;
	case SS_ENOCERT: return SS_EXIT_NOCERT;
	case SS_EPOLICY: return SS_EXIT_POLICY;
	default: return SS_EXIT_ERROR;
	}
}

int ss_cli_report(const ss_error *err)
{
	fprintf(stderr, "error: %s\n", err->msg[0] ? err->msg : ss_status_hint(err->code));
	return ss_cli_exit_code(err->code);
}

int ss_cli_error(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return code;
}

bool ss_cli_parse_output(const char *arg, ss_output *out)
{
	if (strcmp(arg, "text") == 0)
		*out = SS_OUT_TEXT;
	else if (strcmp(arg, "json") == 0)
		*out = SS_OUT_JSON;
	else {
		ss_cli_error(SS_EXIT_USAGE, "-o takes 'text' or 'json', not '%s'", arg);
		return false;
	}
	return true;
}

bool ss_cli_parse_u64(const char *arg, unsigned long long *out)
{
	if (!arg || !*arg || *arg == '-')
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(arg, &end, 0);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

int ss_cli_dispatch(int argc, char **argv, const struct ss_cli_sub *subs, void (*usage)(FILE *),
		    const char *what)
{
	if (argc < 2) {
		usage(stderr);
		return SS_EXIT_USAGE;
	}
	const char *sub = argv[1];
	if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
		usage(stdout);
		return SS_EXIT_OK;
	}
	for (const struct ss_cli_sub *s = subs; s->name; s++)
		if (!strcmp(sub, s->name))
			return s->fn(argc - 1, argv + 1);
	ss_cli_error(SS_EXIT_USAGE, "unknown %s '%s'", what, sub);
	usage(stderr);
	return SS_EXIT_USAGE;
}
