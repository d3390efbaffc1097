/* softsev: the command-line front end. One table names every subcommand; each lives in its own
 * file (cmd_<name>.c). A subcommand that is not built yet says so and which issue tracks it. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

#ifndef SOFTSEV_VERSION
#define SOFTSEV_VERSION "unknown"
#endif

struct command {
	const char *name;
	ss_cmd_fn fn; /* NULL: not implemented yet */
	const char *summary;
	int issue; /* the issue that tracks an unimplemented command */
};

static const struct command commands[] = {
	{"measure", ss_cmd_measure, "compute SEV, SEV-ES and SEV-SNP launch digests", 2},
	{"idblock", ss_cmd_idblock, "build and sign an SNP ID block and ID auth info", 2},
	{"report", ss_cmd_report, "show and verify SNP attestation reports and AMD chains", 3},
	{"psp", ss_cmd_psp, "run or talk to the software AMD Secure Processor", 4},
	{"owner", ss_cmd_owner, "guest owner tools: sessions, measurements, secrets", 4},
	{"kds", ss_cmd_kds, "serve the emulated part's certificates like AMD's KDS", 5},
	{"run", ss_cmd_run, "run a guest on the emulated platform", 6},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: softsev <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-9s %s%s\n", commands[i].name, commands[i].summary,
			commands[i].fn ? "" : " (not implemented yet)");
	fprintf(out, "\n'softsev <command> --help' describes a command. softsev %s\n",
		SOFTSEV_VERSION);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return SS_EXIT_USAGE;
	}
	const char *name = argv[1];
	if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
		usage(stdout);
		return SS_EXIT_OK;
	}
	if (!strcmp(name, "--version")) {
		printf("softsev %s\n", SOFTSEV_VERSION);
		return SS_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(name, commands[i].name))
			continue;
		if (!commands[i].fn)
			return ss_cli_error(SS_EXIT_ERROR,
					    "'softsev %s' is not implemented yet (tracked in issue %d)",
					    name, commands[i].issue);
		return commands[i].fn(argc - 1, argv + 1);
	}
	ss_cli_error(SS_EXIT_USAGE, "unknown command '%s'", name);
	usage(stderr);
	return SS_EXIT_USAGE;
}
