/* softsev report — show and verify SEV-SNP attestation reports (attestation.md §2-§8), extract
 * extended-report certificate tables (§10.4); `report sev-chain` hands over to the legacy SEV
 * chain code (cmd_report_sev.c). */
#include "cli/cli.h"

#include <getopt.h>
#include <softsev/attest.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "util/file.h"
#include "util/json.h"

#define REPORT_MAX_FILE (1u << 20)

static void usage(FILE *out)
{
	fputs(
	    "usage: softsev report <subcommand> [options]\n"
	    "\n"
	    "  show FILE [-o text|json] [--product P] [--vcek F | --vlek F]\n"
	    "      decode every field of an SNP attestation report (versions 2, 3, 5, newer)\n"
	    "  certs TABLE [-d DIR] [--der] [-o text|json]\n"
	    "      extract the extended-report certificate table into DIR (ark, ask, vcek, vlek)\n"
	    "  verify FILE [--certs DIR | --vcek F | --vlek F | --cert-table F | --kds URL]\n"
	    "         [--ark F] [--ask F] [--trust-root F] [--crl F] [--at TIME]\n"
	    "         [--product milan|genoa|turin] [--policy-file F] [checks...] [-o text|json]\n"
	    "      verify the report signature, the AMD chain to the built-in root (or to the\n"
	    "      ARK given with --trust-root, e.g. softsev's emulated part's), and checks.\n"
	    "      --kds URL fetches the VCEK/VLEK for the report's chip and REPORTED_TCB and the\n"
	    "      ASK/ASVK and ARK from a KDS at URL (http:// only: `softsev kds serve`).\n"
	    "      checks:\n"
	    "        --measurement HEX  --report-data HEX  --host-data HEX  --id-key-digest HEX\n"
	    "        --author-key-digest HEX  --family-id HEX  --image-id HEX\n"
	    "        --min-tcb TCB  --min-launch-tcb TCB  (0x... or "
	    "bl=N,tee=N,snp=N,ucode=N[,fmc=N])\n"
	    "        --vmpl N  --require-policy-bits MASK  --forbid-policy-bits MASK\n"
	    "        --platform-info VALUE  --require-platform-bits MASK  --forbid-platform-bits "
	    "MASK\n"
	    "        --min-build N  --min-guest-svn N\n"
	    "      TIME: YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or @UNIXSECONDS (default: now)\n"
	    "  sev-chain ...\n"
	    "      legacy SEV certificate chains (PDH, PEK, OCA, CEK, ASK, ARK)\n"
	    "\n"
	    "exit codes: 0 ok, 1 error, 2 misuse, 3 bad signature or chain, 4 missing "
	    "certificate,\n"
	    "5 policy mismatch\n",
	    out);
}

static int load_report(const char *path, ss_report *r)
{
	uint8_t *data;
	size_t len;
	ss_error err;
	if (ss_read_file(path, REPORT_MAX_FILE, &data, &len, &err))
		return ss_cli_report(&err);
	int rc = ss_report_parse(data, len, r, &err);
	free(data);
	if (rc) {
		ss_wrap(&err, err.code, "%s", path);
		return ss_cli_report(&err);
	}
	return 0;
}

static bool parse_time(const char *s, time_t *out)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	if (s[0] == '@') {
		unsigned long long v;
		if (!ss_cli_parse_u64(s + 1, &v))
			return false;
		*out = (time_t)v;
		return true;
	}
	const char *formats[] = {"%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S",
				 "%Y-%m-%d"};
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		memset(&tm, 0, sizeof(tm));
		const char *end = strptime(s, formats[i], &tm);
		if (end && !*end) {
			*out = timegm(&tm);
			return true;
		}
	}
	return false;
}

/* ---- show ---------------------------------------------------------------------------------- */

static int cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"output", required_argument, NULL, 'o'}, {"product", required_argument, NULL, 'p'},
	    {"vcek", required_argument, NULL, 'c'},   {"vlek", required_argument, NULL, 'l'},
	    {"help", no_argument, NULL, 'h'},	      {NULL, 0, NULL, 0}};
	ss_output fmt = SS_OUT_TEXT;
	ss_product product = SS_PRODUCT_UNKNOWN;
	const char *leaf_path = NULL;
	ss_error err;
	int c;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (!ss_cli_parse_output(optarg, &fmt))
				return SS_EXIT_USAGE;
			break;
		case 'p':
			if (ss_product_parse(optarg, &product, &err))
				return ss_cli_error(SS_EXIT_USAGE, "--product: %s", err.msg);
			break;
		case 'c':
		case 'l': leaf_path = optarg; break;
		case 'h': usage(stdout); return SS_EXIT_OK;
		default: return SS_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc)
		return ss_cli_error(SS_EXIT_USAGE, "report show takes one report FILE");
	ss_report r;
	int rc = load_report(argv[optind], &r);
	if (rc)
		return rc;
	if (!product && leaf_path) {
		/* v2 reports carry no CPUID: the VCEK/VLEK productName names the part (§3). */
		ss_cert *leaf;
		ss_amd_ext ext;
		if (ss_cert_load(leaf_path, &leaf, &err))
			return ss_cli_report(&err);
		rc = ss_cert_amd_extensions(leaf, &ext, &err);
		ss_cert_free(leaf);
		if (rc)
			return ss_cli_report(&err);
		if (ext.has_product_name && !ss_product_parse(ext.product_name, &product, NULL) &&
		    ss_report_set_product(&r, product, SS_PRODUCT_FROM_CERT, &err))
			return ss_cli_report(&err);
	} else if (product && ss_report_set_product(&r, product, SS_PRODUCT_FROM_CALLER, &err)) {
		return ss_cli_report(&err);
	}
	if (fmt == SS_OUT_JSON)
		ss_report_print_json(&r, stdout);
	else
		ss_report_print_text(&r, stdout);
	return SS_EXIT_OK;
}

/* ---- certs --------------------------------------------------------------------------------- */

static int cmd_certs(int argc, char **argv)
{
	static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
					     {"dir", required_argument, NULL, 'd'},
					     {"der", no_argument, NULL, 'D'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	ss_output fmt = SS_OUT_TEXT;
	const char *dir = ".";
	bool der = false;
	ss_error err;
	int c;
	while ((c = getopt_long(argc, argv, "o:d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (!ss_cli_parse_output(optarg, &fmt))
				return SS_EXIT_USAGE;
			break;
		case 'd': dir = optarg; break;
		case 'D': der = true; break;
		case 'h': usage(stdout); return SS_EXIT_OK;
		default: return SS_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc)
		return ss_cli_error(SS_EXIT_USAGE, "report certs takes one certificate-table FILE");
	uint8_t *data;
	size_t len, n;
	if (ss_read_file(argv[optind], REPORT_MAX_FILE, &data, &len, &err))
		return ss_cli_report(&err);
	ss_cert_table_item items[SS_CERT_TABLE_MAX];
	int rc = ss_cert_table_parse(data, len, items, SS_CERT_TABLE_MAX, &n, &err);
	if (!rc)
		rc = ss_mkdir_p(dir, 0755, &err);
	char paths[SS_CERT_TABLE_MAX][1024];
	for (size_t i = 0; !rc && i < n; i++) {
		char base[64], g[37];
		ss_cert_table_guid_text(items[i].guid, g);
		snprintf(base, sizeof(base), "%s", items[i].kind ? items[i].name : g);
		/* Two entries of one kind keep both: the second is <name>-2. */
		int dup = 1;
		for (size_t k = 0; k < i; k++)
			dup += items[k].kind == items[i].kind && items[k].kind != SS_CERT_UNKNOWN;
		if (dup > 1)
			snprintf(base + strlen(base), sizeof(base) - strlen(base), "-%d", dup);
		const uint8_t *out = items[i].data;
		size_t out_len = items[i].length;
		char *pem = NULL;
		const char *ext = "bin";
		if (items[i].kind == SS_CERT_CRL) {
			ext = "der";
		} else if (items[i].kind != SS_CERT_UNKNOWN) {
			ss_cert *cert;
			if ((rc =
				 ss_cert_from_bytes(items[i].data, items[i].length, &cert, &err))) {
				ss_wrap(&err, err.code, "certificate table entry %zu (%s)", i,
					items[i].name);
				break;
			}
			if (der) {
				ext = "der";
			} else {
				pem = ss_cert_to_pem(cert);
				out = (const uint8_t *)pem;
				out_len = pem ? strlen(pem) : 0;
				ext = "pem";
			}
			ss_cert_free(cert);
		}
		snprintf(paths[i], sizeof(paths[i]), "%s/%s.%s", dir, base, ext);
		rc = ss_write_file_atomic(paths[i], out, out_len, 0644, &err);
		free(pem);
	}
	if (rc) {
		free(data);
		return ss_cli_report(&err);
	}
	if (fmt == SS_OUT_JSON) {
		ss_json j;
		ss_json_init(&j, stdout);
		ss_json_begin_array(&j);
		for (size_t i = 0; i < n; i++) {
			char g[37];
			ss_cert_table_guid_text(items[i].guid, g);
			ss_json_begin_object(&j);
			ss_json_kv_string(&j, "guid", g);
			ss_json_kv_string(&j, "kind", items[i].name);
			ss_json_kv_u64(&j, "offset", items[i].offset);
			ss_json_kv_u64(&j, "length", items[i].length);
			ss_json_kv_string(&j, "file", paths[i]);
			ss_json_end_object(&j);
		}
		ss_json_end_array(&j);
		ss_json_finish(&j);
	} else {
		for (size_t i = 0; i < n; i++) {
			char g[37];
			ss_cert_table_guid_text(items[i].guid, g);
			printf("%-5s %s offset %u length %u -> %s\n", items[i].name, g,
			       items[i].offset, items[i].length, paths[i]);
		}
	}
	free(data);
	return SS_EXIT_OK;
}

/* ---- verify -------------------------------------------------------------------------------- */

enum {
	OPT_CERTS = 256,
	OPT_VCEK,
	OPT_VLEK,
	OPT_CERT_TABLE,
	OPT_ARK,
	OPT_ASK,
	OPT_CRL,
	OPT_AT,
	OPT_PRODUCT,
	OPT_POLICY_FILE,
	OPT_TRUST_ROOT,
	OPT_KDS,
	OPT_CHECK, /* every check flag: its name is the policy key */
};

/* The first of DIR/<name>.der, DIR/<name>.pem, DIR/<name>.crt that exists, or NULL. */
static const char *find_in_dir(const char *dir, const char *name, char *buf, size_t n)
{
	static const char *const exts[] = {"der", "pem", "crt", "cert"};
	struct stat st;
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		snprintf(buf, n, "%s/%s.%s", dir, name, exts[i]);
		if (stat(buf, &st) == 0)
			return buf;
	}
	return NULL;
}

struct verify_state {
	ss_cert *leaf, *ask, *ark, *root;
	ss_crl *crl;
	uint8_t *table;
};

static int load_cert_opt(const char *path, const char *role, ss_cert **out)
{
	ss_error err;
	if (*out)
		return ss_cli_error(SS_EXIT_USAGE, "more than one %s given", role);
	if (ss_cert_load(path, out, &err)) {
		ss_wrap(&err, err.code, "%s", role);
		return err.code == SS_EIO ? ss_cli_error(SS_EXIT_NOCERT, "%s", err.msg)
					  : ss_cli_report(&err);
	}
	return 0;
}

static int load_cert_table(const char *path, struct verify_state *st)
{
	ss_error err;
	size_t len, n;
	ss_cert_table_item items[SS_CERT_TABLE_MAX];
	if (ss_read_file(path, REPORT_MAX_FILE, &st->table, &len, &err) ||
	    ss_cert_table_parse(st->table, len, items, SS_CERT_TABLE_MAX, &n, &err))
		return ss_cli_report(&err);
	for (size_t i = 0; i < n; i++) {
		ss_cert **dst = NULL;
		switch (items[i].kind) {
		case SS_CERT_VCEK:
		case SS_CERT_VLEK: dst = &st->leaf; break;
		case SS_CERT_ASK: dst = &st->ask; break;
		case SS_CERT_ARK: dst = &st->ark; break;
		case SS_CERT_CRL:
			if (!st->crl &&
			    ss_crl_from_bytes(items[i].data, items[i].length, &st->crl, &err))
				return ss_cli_report(&err);
			continue;
		default: continue;
		}
		if (*dst)
			continue; /* explicit --vcek/--ask/--ark win over the table */
		if (ss_cert_from_bytes(items[i].data, items[i].length, dst, &err)) {
			ss_wrap(&err, err.code, "certificate table entry %zu (%s)", i,
				items[i].name);
			return ss_cli_report(&err);
		}
	}
	return 0;
}

static int load_cert_dir(const char *dir, struct verify_state *st)
{
	char buf[4096];
	const char *p;
	int rc;
	if (!st->leaf &&
	    ((p = find_in_dir(dir, "vcek", buf, sizeof(buf))) ||
	     (p = find_in_dir(dir, "vlek", buf, sizeof(buf)))) &&
	    (rc = load_cert_opt(p, "VCEK/VLEK", &st->leaf)))
		return rc;
	if (!st->ask &&
	    ((p = find_in_dir(dir, "ask", buf, sizeof(buf))) ||
	     (p = find_in_dir(dir, "asvk", buf, sizeof(buf)))) &&
	    (rc = load_cert_opt(p, "ASK", &st->ask)))
		return rc;
	if (!st->ark && (p = find_in_dir(dir, "ark", buf, sizeof(buf))) &&
	    (rc = load_cert_opt(p, "ARK", &st->ark)))
		return rc;
	if (!st->crl && (p = find_in_dir(dir, "crl", buf, sizeof(buf)))) {
		ss_error err;
		if (ss_crl_load(p, &st->crl, &err))
			return ss_cli_report(&err);
	}
	if (!st->leaf)
		return ss_cli_error(SS_EXIT_NOCERT,
				    "--certs %s: no vcek.{der,pem,crt} or vlek.{der,pem,crt} there",
				    dir);
	return 0;
}

/* GETs url into a certificate (DER or the first PEM one when pem_index 0, the second when 1). */
static int kds_get_cert(const char *url, int pem_index, ss_cert **out)
{
	uint8_t *body;
	size_t len;
	int status;
	ss_error err;
	if (ss_cli_http_get(url, &body, &len, &status, &err))
		return ss_cli_error(SS_EXIT_NOCERT, "--kds: %s", err.msg);
	int rc = 0;
	if (status != 200) {
		while (len && (body[len - 1] == '\n' || body[len - 1] == '\r'))
			body[--len] = 0;
		rc = ss_cli_error(SS_EXIT_NOCERT, "--kds: %s answered %d: %.200s", url, status,
				  (const char *)body);
	} else {
		const uint8_t *p = body;
		size_t n = len;
		static const char end[] = "-----END CERTIFICATE-----";
		if (pem_index == 1) {
			const char *e = strstr((const char *)body, end);
			p = e ? (const uint8_t *)e + strlen(end) : body + len;
			n = len - (size_t)(p - body);
		}
		if (!n || ss_cert_from_bytes(p, n, out, &err))
			rc = ss_cli_error(SS_EXIT_NOCERT, "--kds: %s: %s", url,
					  n ? err.msg : "no second certificate in the chain");
	}
	free(body);
	return rc;
}

/* --kds: the VCEK (or VLEK) for the report's chip id and REPORTED_TCB, and the cert_chain, from
 * AMD's URL scheme (attestation.md §9; include/softsev/kds.h). Explicit --ask/--ark win. */
static int fetch_from_kds(const char *base, const ss_report *r, struct verify_state *st)
{
	if (!r->product)
		return ss_cli_error(
		    SS_EXIT_USAGE,
		    "--kds: the report does not name its product (v2): add --product");
	const struct ss_snp_report *f = ss_report_fields(r);
	bool vlek = r->signing_key == SS_SNP_SIGNING_KEY_VLEK;
	if (!vlek && r->signing_key != SS_SNP_SIGNING_KEY_VCEK)
		return ss_cli_error(
		    SS_EXIT_BADSIG,
		    "--kds: SIGNER_INFO (0x048) SIGNING_KEY is %u: the report is not "
		    "signed by a VCEK or VLEK",
		    r->signing_key);
	ss_tcb t;
	ss_tcb_decode(f->reported_tcb, r->product, &t);
	const char *prod = ss_product_name(r->product);
	size_t blen = strlen(base);
	while (blen && base[blen - 1] == '/')
		blen--;
	char spl[128];
	snprintf(spl, sizeof(spl), "blSPL=%u&teeSPL=%u&snpSPL=%u&ucodeSPL=%u", t.bl, t.tee, t.snp,
		 t.ucode);
	if (r->product == SS_PRODUCT_TURIN)
		snprintf(spl + strlen(spl), sizeof(spl) - strlen(spl), "&fmcSPL=%u", t.fmc);
	char url[1024], hwid[2 * SS_SNP_CHIP_ID_SIZE + 1];
	size_t hl =
	    r->product == SS_PRODUCT_TURIN ? SS_SNP_TURIN_CHIP_ID_SIZE : SS_SNP_CHIP_ID_SIZE;
	for (size_t i = 0; i < hl; i++)
		snprintf(hwid + 2 * i, 3, "%02x", f->chip_id[i]);
	if (vlek)
		snprintf(url, sizeof(url), "%.*s/vlek/v1/%s/cert?%s", (int)blen, base, prod, spl);
	else
		snprintf(url, sizeof(url), "%.*s/vcek/v1/%s/%s?%s", (int)blen, base, prod, hwid,
			 spl);
	int rc = kds_get_cert(url, 0, &st->leaf);
	snprintf(url, sizeof(url), "%.*s/%s/v1/%s/cert_chain", (int)blen, base,
		 vlek ? "vlek" : "vcek", prod);
	if (!rc && !st->ask)
		rc = kds_get_cert(url, 0, &st->ask);
	if (!rc && !st->ark)
		rc = kds_get_cert(url, 1, &st->ark);
	return rc;
}

static int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {"certs", required_argument, NULL, OPT_CERTS},
	    {"vcek", required_argument, NULL, OPT_VCEK},
	    {"vlek", required_argument, NULL, OPT_VLEK},
	    {"cert-table", required_argument, NULL, OPT_CERT_TABLE},
	    {"ark", required_argument, NULL, OPT_ARK},
	    {"ask", required_argument, NULL, OPT_ASK},
	    {"asvk", required_argument, NULL, OPT_ASK},
	    {"crl", required_argument, NULL, OPT_CRL},
	    {"at", required_argument, NULL, OPT_AT},
	    {"product", required_argument, NULL, OPT_PRODUCT},
	    {"policy-file", required_argument, NULL, OPT_POLICY_FILE},
	    {"trust-root", required_argument, NULL, OPT_TRUST_ROOT},
	    {"kds", required_argument, NULL, OPT_KDS},
	    {"measurement", required_argument, NULL, OPT_CHECK},
	    {"report-data", required_argument, NULL, OPT_CHECK},
	    {"host-data", required_argument, NULL, OPT_CHECK},
	    {"id-key-digest", required_argument, NULL, OPT_CHECK},
	    {"author-key-digest", required_argument, NULL, OPT_CHECK},
	    {"family-id", required_argument, NULL, OPT_CHECK},
	    {"image-id", required_argument, NULL, OPT_CHECK},
	    {"min-tcb", required_argument, NULL, OPT_CHECK},
	    {"min-launch-tcb", required_argument, NULL, OPT_CHECK},
	    {"vmpl", required_argument, NULL, OPT_CHECK},
	    {"require-policy-bits", required_argument, NULL, OPT_CHECK},
	    {"forbid-policy-bits", required_argument, NULL, OPT_CHECK},
	    {"platform-info", required_argument, NULL, OPT_CHECK},
	    {"require-platform-bits", required_argument, NULL, OPT_CHECK},
	    {"forbid-platform-bits", required_argument, NULL, OPT_CHECK},
	    {"min-build", required_argument, NULL, OPT_CHECK},
	    {"min-guest-svn", required_argument, NULL, OPT_CHECK},
	    {NULL, 0, NULL, 0}};
	ss_output fmt = SS_OUT_TEXT;
	const char *certs_dir = NULL, *leaf_path = NULL, *table_path = NULL, *ark_path = NULL,
		   *ask_path = NULL, *crl_path = NULL, *policy_path = NULL, *root_path = NULL,
		   *kds_url = NULL;
	const char *checks[64][2];
	int nchecks = 0, leaf_sources = 0, c, idx, rc = SS_EXIT_OK;
	ss_product product = SS_PRODUCT_UNKNOWN;
	time_t at = time(NULL);
	bool at_given = false;
	ss_error err;
	while ((c = getopt_long(argc, argv, "o:h", opts, &idx)) != -1) {
		switch (c) {
		case 'o':
			if (!ss_cli_parse_output(optarg, &fmt))
				return SS_EXIT_USAGE;
			break;
		case 'h': usage(stdout); return SS_EXIT_OK;
		case OPT_CERTS: certs_dir = optarg, leaf_sources++; break;
		case OPT_VCEK:
		case OPT_VLEK: leaf_path = optarg, leaf_sources++; break;
		case OPT_CERT_TABLE: table_path = optarg, leaf_sources++; break;
		case OPT_ARK: ark_path = optarg; break;
		case OPT_ASK: ask_path = optarg; break;
		case OPT_CRL: crl_path = optarg; break;
		case OPT_POLICY_FILE: policy_path = optarg; break;
		case OPT_TRUST_ROOT: root_path = optarg; break;
		case OPT_KDS: kds_url = optarg, leaf_sources++; break;
		case OPT_AT:
			at_given = true;
			if (!parse_time(optarg, &at))
				return ss_cli_error(SS_EXIT_USAGE,
						    "--at '%s': use YYYY-MM-DD, "
						    "YYYY-MM-DDTHH:MM:SSZ or @UNIXSECONDS",
						    optarg);
			break;
		case OPT_PRODUCT:
			if (ss_product_parse(optarg, &product, &err))
				return ss_cli_error(SS_EXIT_USAGE, "--product: %s", err.msg);
			break;
		case OPT_CHECK:
			if (nchecks == 64)
				return ss_cli_error(SS_EXIT_USAGE, "too many checks");
			checks[nchecks][0] = opts[idx].name;
			checks[nchecks++][1] = optarg;
			break;
		default: return SS_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc)
		return ss_cli_error(SS_EXIT_USAGE, "report verify takes one report FILE");
	if (leaf_sources > 1)
		return ss_cli_error(
		    SS_EXIT_USAGE,
		    "give only one of --certs, --vcek, --vlek, --cert-table and --kds");
	/* The policy: the file first, then flags (which override it). Bad values are misuse. */
	ss_policy policy;
	memset(&policy, 0, sizeof(policy));
	if (policy_path && ss_policy_load_json(&policy, policy_path, &err))
		return err.code == SS_EIO ? ss_cli_report(&err)
					  : ss_cli_error(SS_EXIT_USAGE, "%s", err.msg);
	for (int i = 0; i < nchecks; i++)
		if (ss_policy_set(&policy, checks[i][0], checks[i][1], &err))
			return ss_cli_error(SS_EXIT_USAGE, "--%s: %s", checks[i][0], err.msg);
	if (!product)
		product = policy.product;

	ss_report r;
	if ((rc = load_report(argv[optind], &r)))
		return rc;
	struct verify_state st = {0};
	ss_chain *chain = NULL;
	if ((leaf_path && (rc = load_cert_opt(leaf_path, "VCEK/VLEK", &st.leaf))) ||
	    (ask_path && (rc = load_cert_opt(ask_path, "ASK", &st.ask))) ||
	    (ark_path && (rc = load_cert_opt(ark_path, "ARK", &st.ark))))
		goto out;
	if (crl_path && ss_crl_load(crl_path, &st.crl, &err)) {
		rc = ss_cli_report(&err);
		goto out;
	}
	if ((table_path && (rc = load_cert_table(table_path, &st))) ||
	    (certs_dir && (rc = load_cert_dir(certs_dir, &st))) ||
	    (root_path && (rc = load_cert_opt(root_path, "trust root", &st.root))))
		goto out;
	if (product && ss_report_set_product(&r, product, SS_PRODUCT_FROM_CALLER, &err)) {
		rc = ss_cli_report(&err);
		goto out;
	}
	if (kds_url && (rc = fetch_from_kds(kds_url, &r, &st)))
		goto out;
	if (kds_url && !at_given)
		at = time(NULL); /* a KDS issues certificates valid from the moment it answers */
	/* --trust-root: that ARK is the anchor; it also stands for the ARK when none was given. */
	ss_chain_inputs in = {.product = r.product,
			      .leaf = st.leaf,
			      .ask = st.ask,
			      .ark = st.ark ? st.ark : st.root,
			      .anchor = st.root,
			      .crl = st.crl,
			      .at = at};
	if (ss_chain_verify(&in, &chain, &err) ||
	    ss_report_set_product(&r, ss_chain_product(chain), SS_PRODUCT_FROM_CERT, &err) ||
	    ss_report_verify(chain, &r, &policy, &err)) {
		rc = err.code == SS_EINVAL && !chain ? ss_cli_error(SS_EXIT_USAGE, "%s", err.msg)
						     : ss_cli_report(&err);
		goto out;
	}
	int nset = __builtin_popcount(policy.checks);
	const char *leaf_role = ss_chain_is_vlek(chain) ? "VLEK" : "VCEK";
	const char *prod = ss_product_name(ss_chain_product(chain));
	if (fmt == SS_OUT_JSON) {
		ss_json j;
		ss_json_init(&j, stdout);
		ss_json_begin_object(&j);
		ss_json_kv_bool(&j, "verified", true);
		ss_json_kv_string(&j, "product", prod);
		ss_json_kv_string(&j, "signer", leaf_role);
		ss_json_kv_u64(&j, "report_version", r.version);
		ss_json_kv_bool(&j, "crl_checked", st.crl != NULL);
		ss_json_kv_u64(&j, "policy_checks", (uint64_t)nset);
		ss_json_end_object(&j);
		ss_json_finish(&j);
	} else {
		printf("OK: report (version %u) signed by the %s, chain %s -> %s -> ARK-%s verified"
		       "%s; %d policy check%s passed\n",
		       r.version, leaf_role, leaf_role, ss_chain_is_vlek(chain) ? "ASVK" : "ASK",
		       prod, st.crl ? ", CRL checked" : "", nset, nset == 1 ? "" : "s");
	}
	rc = SS_EXIT_OK;
out:
	ss_chain_free(chain);
	ss_cert_free(st.leaf);
	ss_cert_free(st.ask);
	ss_cert_free(st.ark);
	ss_cert_free(st.root);
	ss_crl_free(st.crl);
	free(st.table);
	return rc;
}

int ss_cmd_report(int argc, char **argv)
{
	static const struct ss_cli_sub subs[] = {
	    {"show", cmd_show},	    {"certs", cmd_certs},
	    {"verify", cmd_verify}, {"sev-chain", ss_cmd_report_sev},
	    {NULL, NULL},
	};
	return ss_cli_dispatch(argc, argv, subs, usage, "report subcommand");
}
