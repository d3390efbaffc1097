/* softsev idblock: build and sign an SEV-SNP ID block and ID auth info (firmware-abi.md §4.9), as
 * snp-create-id-block does, and verify a pair; prints what QEMU's sev-snp-guest object takes
 * (id-block=, id-auth= in base64) and the key digests an attestation report will carry. */
#include <softsev/idblock.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/bytes.h"
#include "util/file.h"
#include "util/json.h"

static void usage(FILE *out)
{
	fputs(
	    "usage: softsev idblock --measurement HEX --id-key KEY.pem [--author-key KEY.pem]\n"
	    "                       [--family-id HEX16] [--image-id HEX16] [--version N] [--svn "
	    "N]\n"
	    "                       [--policy V] [--id-block-out F] [--auth-info-out F]\n"
	    "                       [-o text|json]\n"
	    "       softsev idblock verify --id-block F --auth-info F [--measurement HEX]\n"
	    "                       [--policy V] [--report F] [-o text|json]\n"
	    "\n"
	    "Builds the 96-byte SNP ID block for an expected launch digest and signs it into the\n"
	    "4096-byte ID auth info with a P-384 ID key (and optionally an author key that signs\n"
	    "the ID key). Prints both in base64, as QEMU takes them:\n"
	    "  -object sev-snp-guest,...,id-block=<id-block>,id-auth=<id-auth>\n"
	    "          [,author-key-enabled=on]\n"
	    "and the ID_KEY_DIGEST / AUTHOR_KEY_DIGEST the guest's attestation reports will show.\n"
	    "\n"
	    "  --measurement HEX     expected launch digest, 48 bytes (e.g. from softsev measure)\n"
	    "  --id-key FILE         PEM private key on P-384 that signs the ID block\n"
	    "  --author-key FILE     PEM private key on P-384 that signs the ID key (optional)\n"
	    "  --family-id HEX16     16 bytes of hex, copied into reports (default zero)\n"
	    "  --image-id HEX16      16 bytes of hex, copied into reports (default zero)\n"
	    "  --version N           ID block version (default 1)\n"
	    "  --svn N               guest SVN, copied into reports (default 0)\n"
	    "  --policy V            guest policy; must equal the launch policy (default 0x30000)\n"
	    "  --id-block-out F      also write the raw 96-byte ID block to F\n"
	    "  --auth-info-out F     also write the raw 4096-byte ID auth info to F\n"
	    "  -o text|json          output format (default text)\n"
	    "\n"
	    "verify checks ID_BLOCK_SIG (and ID_KEY_SIG when an author key is present) and prints\n"
	    "the block's fields and the key digests. Its files may be raw or base64. With\n"
	    "--measurement / --policy the block's LD / POLICY must equal them; with --report the\n"
	    "attestation report (raw, 1184 bytes) must carry this block's MEASUREMENT, POLICY,\n"
	    "FAMILY_ID, IMAGE_ID, GUEST_SVN and key digests (its signature is checked by\n"
	    "'softsev report verify', not here).\n"
	    "Exit codes: 0 ok, 1 bad input file, 2 misuse, 3 a signature does not verify,\n"
	    "5 a value differs from what --measurement, --policy or --report expects.\n",
	    out);
}

enum {
	OPT_MEASUREMENT = 256,
	OPT_ID_KEY,
	OPT_AUTHOR_KEY,
	OPT_FAMILY_ID,
	OPT_IMAGE_ID,
	OPT_VERSION,
	OPT_SVN,
	OPT_POLICY,
	OPT_ID_BLOCK_OUT,
	OPT_AUTH_INFO_OUT,
	OPT_ID_BLOCK,
	OPT_AUTH_INFO,
	OPT_REPORT,
};

/* Parses --flag HEX into exactly want bytes; prints an error naming the flag if it cannot. */
static bool parse_hex_flag(const char *flag, const char *arg, uint8_t *out, size_t want)
{
	const char *digits = arg;
	if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
		digits += 2;
	size_t n = strlen(digits);
	if (n != 2 * want) {
		ss_cli_error(SS_EXIT_USAGE,
			     "%s takes %zu bytes (%zu hex digits), got %zu hex digits", flag, want,
			     2 * want, n);
		return false;
	}
	if (!ss_hex_decode_exact(out, want, arg)) {
		ss_cli_error(SS_EXIT_USAGE, "%s: '%s' is not hexadecimal", flag, arg);
		return false;
	}
	return true;
}

static bool parse_u32_flag(const char *flag, const char *arg, uint32_t *out)
{
	unsigned long long v;
	if (!ss_cli_parse_u64(arg, &v) || v > UINT32_MAX) {
		ss_cli_error(SS_EXIT_USAGE, "%s takes an unsigned 32-bit number, not '%s'", flag,
			     arg);
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

/* Loads a P-384 private key for signing; errors name the flag and the file. */
static int load_signing_key(const char *flag, const char *path, ss_eckey **out)
{
	ss_error err = {0};
	if (ss_eckey_from_pem_file(path, out, &err)) {
		ss_wrap(&err, err.code, "%s", flag);
		return ss_cli_report(&err);
	}
	if (!ss_eckey_has_private(*out)) {
		ss_eckey_free(*out);
		*out = NULL;
		return ss_cli_error(SS_EXIT_ERROR,
				    "%s: %s holds only a public key; signing needs the private key",
				    flag, path);
	}
	return SS_EXIT_OK;
}

static void print_hex_line(const char *label, const uint8_t *p, size_t len)
{
	char hex[2 * 64 + 1];
	ss_hex_encode(hex, p, len);
	printf("%-18s %s\n", label, hex);
}

static int write_out(const char *flag, const char *path, const void *data, size_t len)
{
	ss_error err = {0};
	if (ss_write_file_atomic(path, data, len, 0644, &err)) {
		ss_wrap(&err, err.code, "%s", flag);
		return ss_cli_report(&err);
	}
	return SS_EXIT_OK;
}

static int cmd_build(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"measurement", required_argument, NULL, OPT_MEASUREMENT},
	    {"id-key", required_argument, NULL, OPT_ID_KEY},
	    {"author-key", required_argument, NULL, OPT_AUTHOR_KEY},
	    {"family-id", required_argument, NULL, OPT_FAMILY_ID},
	    {"image-id", required_argument, NULL, OPT_IMAGE_ID},
	    {"version", required_argument, NULL, OPT_VERSION},
	    {"svn", required_argument, NULL, OPT_SVN},
	    {"policy", required_argument, NULL, OPT_POLICY},
	    {"id-block-out", required_argument, NULL, OPT_ID_BLOCK_OUT},
	    {"auth-info-out", required_argument, NULL, OPT_AUTH_INFO_OUT},
	    {"output", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	ss_idblock_params p = {.version = SS_SNP_ID_BLOCK_VERSION, .policy = 0x30000};
	const char *id_key_path = NULL, *author_key_path = NULL;
	const char *block_out = NULL, *auth_out = NULL;
	bool have_ld = false;
	ss_output fmt = SS_OUT_TEXT;
	unsigned long long v;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_MEASUREMENT:
			if (!parse_hex_flag("--measurement", optarg, p.ld, sizeof(p.ld)))
				return SS_EXIT_USAGE;
			have_ld = true;
			break;
		case OPT_ID_KEY: id_key_path = optarg; break;
		case OPT_AUTHOR_KEY: author_key_path = optarg; break;
		case OPT_FAMILY_ID:
			if (!parse_hex_flag("--family-id", optarg, p.family_id,
					    sizeof(p.family_id)))
				return SS_EXIT_USAGE;
			break;
		case OPT_IMAGE_ID:
			if (!parse_hex_flag("--image-id", optarg, p.image_id, sizeof(p.image_id)))
				return SS_EXIT_USAGE;
			break;
		case OPT_VERSION:
			if (!parse_u32_flag("--version", optarg, &p.version))
				return SS_EXIT_USAGE;
			break;
		case OPT_SVN:
			if (!parse_u32_flag("--svn", optarg, &p.guest_svn))
				return SS_EXIT_USAGE;
			break;
		case OPT_POLICY:
			if (!ss_cli_parse_u64(optarg, &v))
				return ss_cli_error(
				    SS_EXIT_USAGE,
				    "--policy takes an unsigned 64-bit number, not '%s'", optarg);
			p.policy = v;
			break;
		case OPT_ID_BLOCK_OUT: block_out = optarg; break;
		case OPT_AUTH_INFO_OUT: auth_out = optarg; break;
		case 'o':
			if (!ss_cli_parse_output(optarg, &fmt))
				return SS_EXIT_USAGE;
			break;
		case 'h': usage(stdout); return SS_EXIT_OK;
		case ':':
			return ss_cli_error(SS_EXIT_USAGE, "%s needs an argument",
					    argv[optind - 1]);
		default:
			ss_cli_error(SS_EXIT_USAGE, "unknown option '%s'", argv[optind - 1]);
			usage(stderr);
			return SS_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return ss_cli_error(SS_EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	if (!have_ld)
		return ss_cli_error(SS_EXIT_USAGE, "--measurement is required (the 48-byte launch "
						   "digest, e.g. from 'softsev measure')");
	if (!id_key_path)
		return ss_cli_error(SS_EXIT_USAGE,
				    "--id-key is required (a P-384 private key, PEM)");

	ss_snp_id_block blk;
	ss_idblock_build(&p, &blk);
	ss_error err = {0};
	if (ss_idblock_check(&blk, &err)) {
		ss_wrap(&err, err.code, "--policy");
		ss_cli_report(&err);
		return SS_EXIT_USAGE;
	}

	ss_eckey *id_key = NULL, *author_key = NULL;
	ss_snp_id_auth_info *auth = calloc(1, sizeof(*auth));
	char *b64_block = NULL, *b64_auth = NULL;
	ss_idblock_result res;
	int rc = SS_EXIT_ERROR;
	if (!auth) {
		ss_cli_error(SS_EXIT_ERROR, "out of memory");
		goto out;
	}
	if ((rc = load_signing_key("--id-key", id_key_path, &id_key)) ||
	    (author_key_path &&
	     (rc = load_signing_key("--author-key", author_key_path, &author_key))))
		goto out;
	if (ss_idblock_sign(&blk, id_key, author_key, auth, &err) ||
	    ss_idblock_verify(&blk, auth, &res, &err)) {
		rc = ss_cli_report(&err);
		goto out;
	}
	if ((block_out && (rc = write_out("--id-block-out", block_out, &blk, sizeof(blk)))) ||
	    (auth_out && (rc = write_out("--auth-info-out", auth_out, auth, sizeof(*auth)))))
		goto out;

	b64_block = ss_base64_encode((const uint8_t *)&blk, sizeof(blk));
	b64_auth = ss_base64_encode((const uint8_t *)auth, sizeof(*auth));
	if (!b64_block || !b64_auth) {
		rc = ss_cli_error(SS_EXIT_ERROR, "out of memory");
		goto out;
	}
	if (fmt == SS_OUT_JSON) {
		ss_json j;
		ss_json_init(&j, stdout);
		ss_json_begin_object(&j);
		ss_json_kv_string(&j, "id_block", b64_block);
		ss_json_kv_string(&j, "id_auth", b64_auth);
		ss_json_kv_hex(&j, "id_key_digest", res.id_key_digest, sizeof(res.id_key_digest));
		ss_json_kv_bool(&j, "author_key_en", res.author_key_en);
		ss_json_kv_hex(&j, "author_key_digest", res.author_key_digest,
			       sizeof(res.author_key_digest));
		ss_json_end_object(&j);
		ss_json_finish(&j);
	} else {
		printf("%-18s %s\n", "id-block:", b64_block);
		printf("%-18s %s\n", "id-auth:", b64_auth);
		print_hex_line("id-key-digest:", res.id_key_digest, sizeof(res.id_key_digest));
		print_hex_line("author-key-digest:", res.author_key_digest,
			       sizeof(res.author_key_digest));
	}
	rc = SS_EXIT_OK;
out:
	free(b64_block);
	free(b64_auth);
	free(auth);
	ss_eckey_free(id_key);
	ss_eckey_free(author_key);
	return rc;
}

/* Reads an ID block or ID auth info file (raw or base64); errors name the flag and file. */
static int read_input(const char *flag, const char *path, void *out, size_t want)
{
	ss_error err = {0};
	uint8_t *data = NULL;
	size_t len = 0;
	int rc = ss_read_file(path, 64 * 1024, &data, &len, &err);
	if (!rc)
		rc = ss_idblock_decode_input(data, len, out, want, path, &err);
	free(data);
	if (rc) {
		ss_wrap(&err, err.code, "%s", flag);
		return ss_cli_report(&err);
	}
	return SS_EXIT_OK;
}

static int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"id-block", required_argument, NULL, OPT_ID_BLOCK},
	    {"auth-info", required_argument, NULL, OPT_AUTH_INFO},
	    {"measurement", required_argument, NULL, OPT_MEASUREMENT},
	    {"policy", required_argument, NULL, OPT_POLICY},
	    {"report", required_argument, NULL, OPT_REPORT},
	    {"output", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	const char *block_path = NULL, *auth_path = NULL, *report_path = NULL;
	uint8_t want_ld[48];
	bool have_ld = false, have_policy = false;
	unsigned long long want_policy = 0;
	ss_output fmt = SS_OUT_TEXT;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ID_BLOCK: block_path = optarg; break;
		case OPT_AUTH_INFO: auth_path = optarg; break;
		case OPT_MEASUREMENT:
			if (!parse_hex_flag("--measurement", optarg, want_ld, sizeof(want_ld)))
				return SS_EXIT_USAGE;
			have_ld = true;
			break;
		case OPT_POLICY:
			if (!ss_cli_parse_u64(optarg, &want_policy))
				return ss_cli_error(
				    SS_EXIT_USAGE,
				    "--policy takes an unsigned 64-bit number, not '%s'", optarg);
			have_policy = true;
			break;
		case OPT_REPORT: report_path = optarg; break;
		case 'o':
			if (!ss_cli_parse_output(optarg, &fmt))
				return SS_EXIT_USAGE;
			break;
		case 'h': usage(stdout); return SS_EXIT_OK;
		case ':':
			return ss_cli_error(SS_EXIT_USAGE, "%s needs an argument",
					    argv[optind - 1]);
		default:
			ss_cli_error(SS_EXIT_USAGE, "unknown option '%s'", argv[optind - 1]);
			usage(stderr);
			return SS_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return ss_cli_error(SS_EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	if (!block_path)
		return ss_cli_error(SS_EXIT_USAGE, "--id-block is required");
	if (!auth_path)
		return ss_cli_error(SS_EXIT_USAGE, "--auth-info is required");

	ss_snp_id_block blk;
	ss_snp_id_auth_info *auth = malloc(sizeof(*auth));
	if (!auth)
		return ss_cli_error(SS_EXIT_ERROR, "out of memory");
	int rc;
	if ((rc = read_input("--id-block", block_path, &blk, sizeof(blk))) ||
	    (rc = read_input("--auth-info", auth_path, auth, sizeof(*auth)))) {
		free(auth);
		return rc;
	}
	ss_idblock_result res;
	ss_error err = {0};
	int vrc = ss_idblock_verify(&blk, auth, &res, &err);
	free(auth);
	if (vrc)
		return ss_cli_report(&err);
	if (have_ld && memcmp(blk.ld, want_ld, sizeof(want_ld)))
		return ss_cli_error(SS_EXIT_POLICY,
				    "the ID block's LD is not the --measurement given");
	if (have_policy && blk.policy != want_policy)
		return ss_cli_error(
		    SS_EXIT_POLICY,
		    "the ID block's POLICY is 0x%llx, not the --policy given (0x%llx)",
		    (unsigned long long)blk.policy, want_policy);
	if (report_path) {
		uint8_t *rep = NULL;
		size_t len = 0;
		int rrc = ss_read_file(report_path, 64 * 1024, &rep, &len, &err);
		if (!rrc)
			rrc = ss_idblock_check_report(&blk, &res, rep, len, &err);
		free(rep);
		if (rrc) {
			ss_wrap(&err, err.code, "--report %s", report_path);
			return ss_cli_report(&err);
		}
	}

	if (fmt == SS_OUT_JSON) {
		ss_json j;
		ss_json_init(&j, stdout);
		ss_json_begin_object(&j);
		ss_json_kv_bool(&j, "verified", true);
		if (report_path)
			ss_json_kv_bool(&j, "report_matches", true);
		ss_json_kv_hex(&j, "ld", blk.ld, sizeof(blk.ld));
		ss_json_kv_hex(&j, "family_id", blk.family_id, sizeof(blk.family_id));
		ss_json_kv_hex(&j, "image_id", blk.image_id, sizeof(blk.image_id));
		ss_json_kv_u64(&j, "version", blk.version);
		ss_json_kv_u64(&j, "guest_svn", blk.guest_svn);
		ss_json_kv_hex_u64(&j, "policy", blk.policy);
		ss_json_kv_hex(&j, "id_key_digest", res.id_key_digest, sizeof(res.id_key_digest));
		ss_json_kv_bool(&j, "author_key_en", res.author_key_en);
		ss_json_kv_hex(&j, "author_key_digest", res.author_key_digest,
			       sizeof(res.author_key_digest));
		ss_json_end_object(&j);
		ss_json_finish(&j);
	} else {
		printf("ID_BLOCK_SIG verifies with ID_KEY%s\n",
		       res.author_key_en ? "; ID_KEY_SIG verifies with AUTHOR_KEY" : "");
		if (report_path)
			printf(
			    "the report carries this ID block's measurement, policy, IDs, SVN and "
			    "key digests\n");
		print_hex_line("ld:", blk.ld, sizeof(blk.ld));
		print_hex_line("family-id:", blk.family_id, sizeof(blk.family_id));
		print_hex_line("image-id:", blk.image_id, sizeof(blk.image_id));
		printf("%-18s %u\n", "version:", blk.version);
		printf("%-18s %u\n", "guest-svn:", blk.guest_svn);
		printf("%-18s 0x%llx\n", "policy:", (unsigned long long)blk.policy);
		print_hex_line("id-key-digest:", res.id_key_digest, sizeof(res.id_key_digest));
		printf("%-18s %d\n", "author-key-en:", res.author_key_en);
		print_hex_line("author-key-digest:", res.author_key_digest,
			       sizeof(res.author_key_digest));
	}
	return SS_EXIT_OK;
}

int ss_cmd_idblock(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "verify") == 0)
		return cmd_verify(argc - 1, argv + 1);
	return cmd_build(argc, argv);
}
