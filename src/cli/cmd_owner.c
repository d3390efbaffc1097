/* softsev owner: the guest owner's tools for a legacy SEV launch (firmware-abi.md §3.3-§3.6).
 *
 *   softsev owner session --pdh FILE --chain FILE --amd FILE [--ark FILE] --policy N --out DIR
 *   softsev owner measure-check --measure FILE --keys FILE --digest HEX --api MAJ.MIN --build N
 *                               --policy N
 *   softsev owner secret --keys FILE --measure FILE --secret FILE --header FILE --data FILE
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <softsev/measure.h>

#include "cli/cli.h"
#include "psp/owner.h"
#include "psp/session.h"
#include "util/bytes.h"
#include "util/file.h"

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: softsev owner session --pdh FILE --chain FILE --amd FILE [--ark FILE]\n"
	    "                             --policy N --out DIR\n"
	    "       softsev owner measure-check --measure FILE --keys FILE --digest HEX\n"
	    "                             --api MAJOR.MINOR --build N --policy N\n"
	    "       softsev owner secret --keys FILE --measure FILE --secret FILE\n"
	    "                             --header FILE --data FILE\n"
	    "\nsession verifies the platform's chain (PDH, PEK||OCA||CEK from 'psp pdh-export',\n"
	    "ASK||ARK) and writes DIR/godh.cert, DIR/session.bin (LAUNCH_START's inputs) and\n"
	    "DIR/keys.bin (TEK || TIK, mode 0600, keep it). measure-check checks a LAUNCH_MEASURE\n"
	    "blob (48 bytes) against the expected digest ('softsev measure --mode sev|seves').\n"
	    "secret builds a LAUNCH_SECRET header and data bound to that measurement.\n");
}

static int load(const char *path, size_t want, uint8_t **out, size_t *len, ss_error *err)
{
	int rc = ss_read_file(path, 1u << 20, out, len, err);
	if (!rc && want && *len != want) {
		free(*out);
		*out = NULL;
		return ss_fail(err, SS_EINVAL, "%s: %zu bytes, expected %zu", path, *len, want);
	}
	return rc;
}

struct args {
	const char *pdh, *chain, *amd, *ark, *out, *measure, *keys, *digest, *api, *secret, *header,
	    *data;
	unsigned long long policy, build;
	bool has_policy, has_build;
};

static int cmd_session(const struct args *a)
{
	if (!a->pdh || !a->chain || !a->amd || !a->out || !a->has_policy)
		return ss_cli_error(SS_EXIT_USAGE,
				    "session needs --pdh, --chain, --amd, --policy and --out");
	ss_error err;
	uint8_t *pdh = NULL, *chain = NULL, *amd = NULL, *ark = NULL;
	size_t pl, cl, al, kl = 0;
	int rc = load(a->pdh, 0x824, &pdh, &pl, &err);
	if (!rc)
		rc = load(a->chain, 3 * 0x824, &chain, &cl, &err);
	if (!rc)
		rc = load(a->amd, 0, &amd, &al, &err);
	if (!rc && a->ark)
		rc = load(a->ark, 0, &ark, &kl, &err);
	if (!rc)
		rc = ss_owner_verify_platform(pdh, pl, chain, cl, amd, al, ark, kl, &err);
	struct ss_owner_session s;
	if (!rc)
		rc = ss_owner_session_create(pdh, pl, (uint32_t)a->policy, NULL, &s, &err);
	char path[4096];
	if (!rc)
		rc = ss_mkdir_p(a->out, 0700, &err);
	if (!rc) {
		snprintf(path, sizeof(path), "%s/godh.cert", a->out);
		rc = ss_write_file_atomic(path, s.godh_cert, sizeof(s.godh_cert), 0644, &err);
	}
	if (!rc) {
		snprintf(path, sizeof(path), "%s/session.bin", a->out);
		rc = ss_write_file_atomic(path, &s.session, sizeof(s.session), 0644, &err);
	}
	if (!rc) {
		uint8_t keys[32];
		memcpy(keys, s.tek, 16);
		memcpy(keys + 16, s.tik, 16);
		snprintf(path, sizeof(path), "%s/keys.bin", a->out);
		rc = ss_write_file_atomic(path, keys, sizeof(keys), 0600, &err);
		memset(keys, 0, sizeof(keys));
	}
	free(pdh);
	free(chain);
	free(amd);
	free(ark);
	if (rc)
		return ss_cli_report(&err);
	printf("platform chain verified; session for policy 0x%llx written to %s\n", a->policy,
	       a->out);
	return SS_EXIT_OK;
}

static int parse_api(const char *s, uint8_t *maj, uint8_t *min)
{
	unsigned a, b;
	char tail;
	if (!s || sscanf(s, "%u.%u%c", &a, &b, &tail) != 2 || a > 255 || b > 255)
		return -1;
	*maj = (uint8_t)a;
	*min = (uint8_t)b;
	return 0;
}

static int cmd_measure_check(const struct args *a)
{
	ss_sev_launch_measure_in in = {0};
	if (!a->measure || !a->keys || !a->digest || !a->has_policy || !a->has_build ||
	    parse_api(a->api, &in.api_major, &in.api_minor) || a->build > 255)
		return ss_cli_error(SS_EXIT_USAGE,
				    "measure-check needs --measure, --keys, --digest, "
				    "--api MAJOR.MINOR, --build N and --policy N");
	if (!ss_hex_decode_exact(in.digest, 32, a->digest))
		return ss_cli_error(SS_EXIT_USAGE, "--digest must be 64 hex digits (SHA-256)");
	in.build = (uint8_t)a->build;
	in.policy = (uint32_t)a->policy;
	ss_error err;
	uint8_t *blob = NULL, *keys = NULL;
	size_t n;
	int rc = load(a->measure, SS_SEV_MEASURE_BLOB_LEN, &blob, &n, &err);
	if (!rc)
		rc = load(a->keys, 32, &keys, &n, &err);
	if (!rc) {
		memcpy(in.tik, keys + 16, 16);
		rc = ss_sev_launch_measure_check(&in, blob, &err);
	}
	free(blob);
	free(keys);
	if (rc)
		return ss_cli_report(&err);
	printf("measurement matches\n");
	return SS_EXIT_OK;
}

static int cmd_secret(const struct args *a)
{
	if (!a->keys || !a->measure || !a->secret || !a->header || !a->data)
		return ss_cli_error(
		    SS_EXIT_USAGE, "secret needs --keys, --measure, --secret, --header and --data");
	ss_error err;
	uint8_t *keys = NULL, *blob = NULL, *sec = NULL, *ct = NULL;
	size_t n, slen = 0;
	int rc = load(a->keys, 32, &keys, &n, &err);
	if (!rc)
		rc = load(a->measure, SS_SEV_MEASURE_BLOB_LEN, &blob, &n, &err);
	if (!rc)
		rc = load(a->secret, 0, &sec, &slen, &err);
	if (!rc && (!slen || slen > 4096))
		rc = ss_fail(&err, SS_EINVAL, "%s: a secret is 1..4096 bytes, not %zu", a->secret,
			     slen);
	struct ss_sev_packet_hdr hdr;
	uint8_t iv[16];
	if (!rc && (!(ct = malloc(slen)) || ss_random_bytes(iv, sizeof(iv)) ||
		    ss_sev_secret_build(keys, keys + 16, iv, sec, (uint32_t)slen, blob, &hdr, ct)))
		rc = ss_fail(&err, SS_ECRYPTO, "building the secret packet failed");
	if (!rc)
		rc = ss_write_file_atomic(a->header, &hdr, sizeof(hdr), 0644, &err);
	if (!rc)
		rc = ss_write_file_atomic(a->data, ct, slen, 0644, &err);
	free(keys);
	free(blob);
	free(sec);
	free(ct);
	return rc ? ss_cli_report(&err) : SS_EXIT_OK;
}

int ss_cmd_owner(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"pdh", required_argument, NULL, 'p'},    {"chain", required_argument, NULL, 'c'},
	    {"amd", required_argument, NULL, 'a'},    {"ark", required_argument, NULL, 'k'},
	    {"out", required_argument, NULL, 'O'},    {"measure", required_argument, NULL, 'm'},
	    {"keys", required_argument, NULL, 'K'},   {"digest", required_argument, NULL, 'd'},
	    {"api", required_argument, NULL, 'A'},    {"build", required_argument, NULL, 'b'},
	    {"policy", required_argument, NULL, 'P'}, {"secret", required_argument, NULL, 's'},
	    {"header", required_argument, NULL, 'H'}, {"data", required_argument, NULL, 'D'},
	    {"help", no_argument, NULL, 'h'},	      {NULL, 0, NULL, 0}};
	if (argc < 2) {
		usage(stderr);
		return SS_EXIT_USAGE;
	}
	const char *sub = argv[1];
	if (!strcmp(sub, "--help") || !strcmp(sub, "-h")) {
		usage(stdout);
		return SS_EXIT_OK;
	}
	struct args a = {0};
	int c;
	optind = 2;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': a.pdh = optarg; break;
		case 'c': a.chain = optarg; break;
		case 'a': a.amd = optarg; break;
		case 'k': a.ark = optarg; break;
		case 'O': a.out = optarg; break;
		case 'm': a.measure = optarg; break;
		case 'K': a.keys = optarg; break;
		case 'd': a.digest = optarg; break;
		case 'A': a.api = optarg; break;
		case 's': a.secret = optarg; break;
		case 'H': a.header = optarg; break;
		case 'D': a.data = optarg; break;
		case 'b':
			if (!ss_cli_parse_u64(optarg, &a.build))
				return ss_cli_error(SS_EXIT_USAGE, "bad --build '%s'", optarg);
			a.has_build = true;
			break;
		case 'P':
			if (!ss_cli_parse_u64(optarg, &a.policy) || a.policy > 0xffffffffull)
				return ss_cli_error(SS_EXIT_USAGE, "bad --policy '%s'", optarg);
			a.has_policy = true;
			break;
		case 'h': usage(stdout); return SS_EXIT_OK;
		default:
			usage(stderr);
			return ss_cli_error(SS_EXIT_USAGE, "bad option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return ss_cli_error(SS_EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	if (!strcmp(sub, "session"))
		return cmd_session(&a);
	if (!strcmp(sub, "measure-check"))
		return cmd_measure_check(&a);
	if (!strcmp(sub, "secret"))
		return cmd_secret(&a);
	usage(stderr);
	return ss_cli_error(SS_EXIT_USAGE, "unknown owner subcommand '%s'", sub);
}
