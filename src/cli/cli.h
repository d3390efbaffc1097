/* The softsev command: shared conventions for every subcommand.
 *
 * Exit codes (documented in README.md; scripts may rely on them):
 *   0  success
 *   1  error: bad input file, I/O failure, internal failure, not implemented
 *   2  misuse: unknown command or flag, missing or malformed argument
 *   3  a signature or certificate chain does not verify
 *   4  a required certificate or key is missing
 *   5  a value does not match the verifier's policy
 * Errors go to stderr as "error: <what was wrong>".
 */
#ifndef SS_CLI_H
#define SS_CLI_H

#include <softsev/error.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>

enum ss_exit {
	SS_EXIT_OK = 0,
	SS_EXIT_ERROR = 1,
	SS_EXIT_USAGE = 2,
	SS_EXIT_BADSIG = 3,
	SS_EXIT_NOCERT = 4,
	SS_EXIT_POLICY = 5,
};

/* A subcommand: argv[0] is the subcommand's name. Returns an enum ss_exit value. */
typedef int (*ss_cmd_fn)(int argc, char **argv);

/* Maps a library status (enum ss_status) to the exit code above. */
int ss_cli_exit_code(int status);

/* Prints "error: <err->msg>" and returns ss_cli_exit_code(err->code). */
int ss_cli_report(const ss_error *err);

/* Prints "error: <formatted>" to stderr and returns code. */
int ss_cli_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Output format of read-only commands: -o text|json. */
typedef enum ss_output { SS_OUT_TEXT, SS_OUT_JSON } ss_output;
/* Parses "text" or "json"; false (after printing an error) for anything else. */
bool ss_cli_parse_output(const char *arg, ss_output *out);

/* Parses an unsigned integer written as C does (0x.., 0.., decimal); false if malformed or
 * trailing junk. */
bool ss_cli_parse_u64(const char *arg, unsigned long long *out);

/* One entry of a command's table of subcommands. */
struct ss_cli_sub {
	const char *name;
	ss_cmd_fn fn; /* called with argv[0] = the subcommand's name */
};

/* Dispatches argv[1] through subs (ended by a {NULL, NULL} entry): --help/-h/help print usage to
 * stdout; a missing or unknown subcommand prints an error naming `what` and usage to stderr and
 * returns SS_EXIT_USAGE. */
int ss_cli_dispatch(int argc, char **argv, const struct ss_cli_sub *subs, void (*usage)(FILE *),
		    const char *what);

/* Subcommands (src/cli/cmd_<name>.c). */
/* GET url (http:// only; src/cli/http_get.c): *body is malloc'd and NUL-terminated, *status the
 * HTTP status. Returns 0 or SS_E* (bad URL, connection, not HTTP). */
int ss_cli_http_get(const char *url, uint8_t **body, size_t *body_len, int *status, ss_error *err);

int ss_cmd_measure(int argc, char **argv);
int ss_cmd_idblock(int argc, char **argv);
int ss_cmd_report(int argc, char **argv);
int ss_cmd_report_sev(int argc, char **argv);
int ss_cmd_psp(int argc, char **argv);
int ss_cmd_psp_snp_launch(int argc, char **argv); /* softsev psp snp-launch */
int ss_cmd_owner(int argc, char **argv);
int ss_cmd_kds(int argc, char **argv);
int ss_cmd_run(int argc, char **argv);

#endif
