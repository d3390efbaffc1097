/* softsev report sev-chain: show and verify legacy SEV certificate chains (firmware-abi.md
 * §3.1-§3.3, attestation.md §13) in the file forms sev-tool and sevctl use: single certificates
 * (pdh.cert, ark.cert, ...), PDH_CERT_EXPORT's cert_chain (PEK || OCA || CEK), AMD's ask_ark file
 * (ASK || ARK) and sevctl's export (PDH || PEK || OCA || CEK [|| ASK || ARK]). */
#include <softsev/sev_cert.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/bytes.h"
#include "util/file.h"
#include "util/json.h"

#define MAX_FILE  (64u << 10) /* the largest form (sevctl --full) is 11,536 bytes */
#define MAX_CERTS 8

static void usage(FILE *out)
{
	fputs(
	    "usage: softsev report sev-chain show FILE... [-o text|json]\n"
	    "       softsev report sev-chain verify --pdh F --cert-chain F\n"
	    "                  [--ask-ark F | --ask F --ark F] [--owner-only]\n"
	    "                  [--require-amd-root] [-o text|json]\n"
	    "\n"
	    "Legacy SEV certificates: the SEV certificate (PDH, PEK, OCA, CEK, GODH; 2084 bytes)\n"
	    "and AMD's ARK/ASK certificate (832 or 1600 bytes).\n"
	    "\n"
	    "show decodes every certificate in each FILE: version, API version, usages,\n"
	    "algorithms, keys and signatures (big numbers shown big-endian).\n"
	    "\n"
	    "verify checks every link, root first: ARK self-signed, ASK by ARK, CEK by ASK,\n"
	    "PEK by CEK, OCA self-signed, PEK by OCA, PDH by PEK, and says whether the ARK is\n"
	    "one of AMD's published roots (Naples, Rome, Milan, Genoa, Turin).\n"
	    "  --pdh F              the PDH certificate (PDH_CERT_EXPORT's pdh_cert)\n"
	    "  --cert-chain F       PEK || OCA || CEK (PDH_CERT_EXPORT's cert_chain), or sevctl's\n"
	    "                       export PDH || PEK || OCA || CEK [|| ASK || ARK] (then --pdh\n"
	    "                       and the AMD chain may come from it)\n"
	    "  --ask-ark F          AMD's ASK || ARK file (ask_ark_<product>.cert)\n"
	    "  --ask F, --ark F     the two AMD certificates as separate files\n"
	    "  --owner-only         verify only PDH -> PEK -> OCA (no AMD chain needed)\n"
	    "  --require-amd-root   fail unless the ARK is one of AMD's published roots\n"
	    "  -o text|json         output format (default text)\n"
	    "\n"
	    "Exit codes: 0 verified, 1 malformed input (the field and offset are named),\n"
	    "2 misuse, 3 a signature or link does not verify (the certificate is named),\n"
	    "4 a required certificate is missing.\n",
	    out);
}

/* ---- files holding one or more certificates ---- */

struct bundle {
	const char *path;
	size_t n;
	ss_sev_any_cert items[MAX_CERTS];
};

static int load_bundle(const char *path, struct bundle *b, ss_error *err)
{
	uint8_t *data;
	size_t len;
	int rc = ss_read_file(path, MAX_FILE, &data, &len, err);
	if (rc)
		return rc;
	b->path = path;
	rc = ss_sev_certs_split(data, len, b->items, MAX_CERTS, &b->n, err);
	free(data);
	if (rc)
		ss_wrap(err, rc, "%s", path);
	return rc;
}

static const char *item_role(const ss_sev_any_cert *it)
{
	const char *n = ss_sev_usage_name(ss_sev_any_cert_usage(it));
	return n ? n : "?";
}

/* True if the bundle's certificates have exactly these roles, in order. */
static bool roles_are(const struct bundle *b, size_t first, const uint32_t *roles, size_t n)
{
	if (b->n - first < n)
		return false;
	for (size_t i = 0; i < n; i++) {
		const ss_sev_any_cert *it = &b->items[first + i];
		bool amd_role = roles[i] == SS_SEV_USAGE_ARK || roles[i] == SS_SEV_USAGE_ASK;
		if (it->is_amd != amd_role || ss_sev_any_cert_usage(it) != roles[i])
			return false;
	}
	return true;
}

static void describe_roles(const struct bundle *b, char *out, size_t cap)
{
	size_t used = 0;
	out[0] = 0;
	for (size_t i = 0; i < b->n && used < cap; i++)
		used += (size_t)snprintf(out + used, cap - used, "%s%s", i ? ", " : "",
					 item_role(&b->items[i]));
}

/* Fails naming the file and what it holds unless b holds exactly the n certificates of roles. */
static int expect_exactly(const struct bundle *b, const uint32_t *roles, size_t n,
			  const char *expected, ss_error *err)
{
	if (b->n == n && roles_are(b, 0, roles, n))
		return 0;
	char held[128];
	describe_roles(b, held, sizeof(held));
	return ss_fail(err, SS_EINVAL, "%s: holds %s, expected %s", b->path, held, expected);
}

/* ---- show ---- */

/* Big-endian hex of a little-endian number's low n bytes, without leading zero bytes. */
static void le_hex(char *out, const uint8_t *le, size_t n)
{
	uint8_t be[SS_SEV_RSA_MAX_BYTES];
	memcpy(be, le, n);
	ss_reverse(be, n);
	size_t skip = 0;
	while (skip + 1 < n && be[skip] == 0)
		skip++;
	ss_hex_encode(out, be + skip, n - skip);
}

/* An exponent as "65537 (0x10001)" when it fits 64 bits, else big-endian hex. */
static void exp_str(char *out, size_t cap, const uint8_t *le, size_t n)
{
	if (n <= 8 || ss_is_zero(le + 8, n - 8)) {
		uint64_t v = 0;
		for (size_t i = 0; i < 8 && i < n; i++)
			v |= (uint64_t)le[i] << (8 * i);
		snprintf(out, cap, "%llu (0x%llx)", (unsigned long long)v, (unsigned long long)v);
		return;
	}
	char hex[2 * SS_SEV_RSA_MAX_BYTES + 1];
	le_hex(hex, le, n);
	snprintf(out, cap, "0x%s", hex);
}

/* Bytes of an RSA signature in a 512-byte slot: 256 if the top half is zero (2048-bit signer). */
static size_t rsa_sig_len(const uint8_t *sig)
{
	return ss_is_zero(sig + 256, 256) ? 256 : 512;
}

static const char *name_or(const char *n)
{
	return n ? n : "unknown";
}

static void show_sev_text(const ss_sev_cert *c)
{
	char hex[2 * SS_SEV_RSA_MAX_BYTES + 1];
	printf("  format        SEV certificate (2084 bytes)\n");
	printf("  version       %u\n", c->version);
	printf("  api version   %u.%u\n", c->api_major, c->api_minor);
	printf("  usage         %s (0x%x, %s)\n", name_or(ss_sev_usage_name(c->pubkey_usage)),
	       c->pubkey_usage, name_or(ss_sev_usage_hint(c->pubkey_usage)));
	printf("  algorithm     %s (0x%x, %s)\n", name_or(ss_sev_algo_name(c->pubkey_algo)),
	       c->pubkey_algo, name_or(ss_sev_algo_hint(c->pubkey_algo)));
	if (ss_sev_algo_is_rsa(c->pubkey_algo)) {
		size_t n = c->pubkey.rsa.modulus_size / 8;
		printf("  key           RSA-%u\n", c->pubkey.rsa.modulus_size);
		exp_str(hex, sizeof(hex), c->pubkey.rsa.pub_exp, n);
		printf("    exponent    %s\n", hex);
		le_hex(hex, c->pubkey.rsa.modulus, n);
		printf("    modulus     %s\n", hex);
	} else {
		size_t n = c->pubkey.ec.curve == SS_SEV_CURVE_P256 ? 32 : 48;
		printf("  key           EC %s (curve %u)\n",
		       name_or(ss_sev_curve_name(c->pubkey.ec.curve)), c->pubkey.ec.curve);
		le_hex(hex, c->pubkey.ec.qx, n);
		printf("    qx          %s\n", hex);
		le_hex(hex, c->pubkey.ec.qy, n);
		printf("    qy          %s\n", hex);
	}
	for (unsigned i = 0; i < SS_SEV_CERT_SIG_SLOTS; i++) {
		const struct ss_sev_sig_slot *s = &c->sig[i];
		if (s->usage == SS_SEV_USAGE_INVALID) {
			printf("  sig%u          empty\n", i + 1);
			continue;
		}
		printf("  sig%u          by %s (0x%x), %s (0x%x)\n", i + 1,
		       name_or(ss_sev_usage_name(s->usage)), s->usage,
		       name_or(ss_sev_algo_name(s->algo)), s->algo);
		if (ss_sev_algo_is_rsa(s->algo)) {
			size_t n = rsa_sig_len(s->sig.rsa);
			memcpy(hex, "", 1);
			uint8_t be[SS_SEV_RSA_MAX_BYTES];
			memcpy(be, s->sig.rsa, n);
			ss_reverse(be, n);
			ss_hex_encode(hex, be, n);
			printf("    signature   %s\n", hex);
		} else {
			le_hex(hex, s->sig.ecdsa.r, 48);
			printf("    r           %s\n", hex);
			le_hex(hex, s->sig.ecdsa.s, 48);
			printf("    s           %s\n", hex);
		}
	}
}

static void show_sev_json(ss_json *j, const ss_sev_cert *c)
{
	char hex[2 * SS_SEV_RSA_MAX_BYTES + 1];
	ss_json_kv_string(j, "format", "sev");
	ss_json_kv_u64(j, "version", c->version);
	ss_json_kv_u64(j, "api_major", c->api_major);
	ss_json_kv_u64(j, "api_minor", c->api_minor);
	ss_json_kv_string(j, "usage", name_or(ss_sev_usage_name(c->pubkey_usage)));
	ss_json_kv_hex_u64(j, "usage_code", c->pubkey_usage);
	ss_json_kv_string(j, "algo", name_or(ss_sev_algo_name(c->pubkey_algo)));
	ss_json_kv_hex_u64(j, "algo_code", c->pubkey_algo);
	ss_json_key(j, "pubkey");
	ss_json_begin_object(j);
	if (ss_sev_algo_is_rsa(c->pubkey_algo)) {
		size_t n = c->pubkey.rsa.modulus_size / 8;
		ss_json_kv_string(j, "type", "rsa");
		ss_json_kv_u64(j, "modulus_bits", c->pubkey.rsa.modulus_size);
		le_hex(hex, c->pubkey.rsa.pub_exp, n);
		ss_json_kv_string(j, "exponent", hex);
		le_hex(hex, c->pubkey.rsa.modulus, n);
		ss_json_kv_string(j, "modulus", hex);
	} else {
		size_t n = c->pubkey.ec.curve == SS_SEV_CURVE_P256 ? 32 : 48;
		ss_json_kv_string(j, "type", "ec");
		ss_json_kv_string(j, "curve", name_or(ss_sev_curve_name(c->pubkey.ec.curve)));
		le_hex(hex, c->pubkey.ec.qx, n);
		ss_json_kv_string(j, "qx", hex);
		le_hex(hex, c->pubkey.ec.qy, n);
		ss_json_kv_string(j, "qy", hex);
	}
	ss_json_end_object(j);
	ss_json_key(j, "signatures");
	ss_json_begin_array(j);
	for (unsigned i = 0; i < SS_SEV_CERT_SIG_SLOTS; i++) {
		const struct ss_sev_sig_slot *s = &c->sig[i];
		ss_json_begin_object(j);
		ss_json_kv_u64(j, "slot", i + 1);
		ss_json_kv_string(j, "usage", name_or(ss_sev_usage_name(s->usage)));
		ss_json_kv_hex_u64(j, "usage_code", s->usage);
		ss_json_kv_string(j, "algo", name_or(ss_sev_algo_name(s->algo)));
		ss_json_kv_hex_u64(j, "algo_code", s->algo);
		if (ss_sev_algo_is_rsa(s->algo)) {
			size_t n = rsa_sig_len(s->sig.rsa);
			uint8_t be[SS_SEV_RSA_MAX_BYTES];
			memcpy(be, s->sig.rsa, n);
			ss_reverse(be, n);
			ss_json_kv_hex(j, "signature", be, n);
		} else if (ss_sev_algo_is_ecdsa(s->algo)) {
			le_hex(hex, s->sig.ecdsa.r, 48);
			ss_json_kv_string(j, "r", hex);
			le_hex(hex, s->sig.ecdsa.s, 48);
			ss_json_kv_string(j, "s", hex);
		}
		ss_json_end_object(j);
	}
	ss_json_end_array(j);
}

static void show_amd(ss_json *j, const ss_amd_cert *c)
{
	char hex[2 * SS_AMD_CERT_MAX_BYTES + 1];
	char kid[33], cid[33];
	size_t e = c->hdr.pubexp_size / 8, n = c->hdr.modulus_size / 8;
	bool self = !memcmp(c->hdr.key_id, c->hdr.certifying_id, sizeof(c->hdr.key_id));
	const char *root = ss_amd_ark_product(c);
	ss_hex_encode(kid, c->hdr.key_id, sizeof(c->hdr.key_id));
	ss_hex_encode(cid, c->hdr.certifying_id, sizeof(c->hdr.certifying_id));
	uint8_t be[SS_AMD_CERT_MAX_BYTES];
	memcpy(be, c->sig, n);
	ss_reverse(be, n);
	if (j) {
		ss_json_kv_string(j, "format", "amd");
		ss_json_kv_u64(j, "version", c->hdr.version);
		ss_json_kv_string(j, "usage", name_or(ss_sev_usage_name(c->hdr.key_usage)));
		ss_json_kv_hex_u64(j, "usage_code", c->hdr.key_usage);
		ss_json_kv_string(j, "key_id", kid);
		ss_json_kv_string(j, "certifying_id", cid);
		ss_json_kv_bool(j, "self_signed", self);
		ss_json_kv_u64(j, "pubexp_bits", c->hdr.pubexp_size);
		ss_json_kv_u64(j, "modulus_bits", c->hdr.modulus_size);
		le_hex(hex, c->pubexp, e);
		ss_json_kv_string(j, "exponent", hex);
		le_hex(hex, c->modulus, n);
		ss_json_kv_string(j, "modulus", hex);
		ss_json_kv_hex(j, "signature", be, n);
		ss_json_key(j, "amd_root");
		if (root)
			ss_json_string(j, root);
		else
			ss_json_null(j);
		return;
	}
	printf("  format        AMD certificate (%zu bytes)\n", ss_amd_cert_size(c));
	printf("  version       %u\n", c->hdr.version);
	printf("  usage         %s (0x%x, %s)\n", name_or(ss_sev_usage_name(c->hdr.key_usage)),
	       c->hdr.key_usage, name_or(ss_sev_usage_hint(c->hdr.key_usage)));
	printf("  key id        %s\n", kid);
	printf("  certifying id %s%s\n", cid, self ? " (self-signed)" : "");
	printf("  key           RSA-%u (exponent field %u bits)\n", c->hdr.modulus_size,
	       c->hdr.pubexp_size);
	exp_str(hex, sizeof(hex), c->pubexp, e);
	printf("    exponent    %s\n", hex);
	le_hex(hex, c->modulus, n);
	printf("    modulus     %s\n", hex);
	ss_hex_encode(hex, be, n);
	printf("  signature     RSA-PSS %s: %s\n", n == 256 ? "SHA-256" : "SHA-384", hex);
	if (c->hdr.key_usage == SS_SEV_USAGE_ARK)
		printf("  AMD root      %s\n",
		       root ? root : "no (not one of AMD's published ARKs)");
}

static int cmd_show(int argc, char **argv)
{
	ss_output fmt = SS_OUT_TEXT;
	static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (!ss_cli_parse_output(optarg, &fmt))
				return SS_EXIT_USAGE;
			break;
		case 'h': usage(stdout); return SS_EXIT_OK;
		default: usage(stderr); return SS_EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return ss_cli_error(SS_EXIT_USAGE, "sev-chain show needs at least one FILE");
	size_t nfiles = (size_t)(argc - optind);
	struct bundle *b = calloc(nfiles, sizeof(*b));
	if (!b)
		return ss_cli_error(SS_EXIT_ERROR, "out of memory");
	/* Parse everything first so a bad file gives an error and no partial output. */
	for (size_t f = 0; f < nfiles; f++) {
		ss_error err = {0};
		if (load_bundle(argv[optind + (int)f], &b[f], &err)) {
			free(b);
			return ss_cli_report(&err);
		}
	}
	ss_json j;
	if (fmt == SS_OUT_JSON) {
		ss_json_init(&j, stdout);
		ss_json_begin_array(&j);
	}
	for (size_t f = 0; f < nfiles; f++)
		for (size_t i = 0; i < b[f].n; i++) {
			const ss_sev_any_cert *it = &b[f].items[i];
			if (fmt == SS_OUT_JSON) {
				ss_json_begin_object(&j);
				ss_json_kv_string(&j, "file", b[f].path);
				ss_json_kv_u64(&j, "offset", it->offset);
				ss_json_kv_u64(&j, "size", it->size);
				if (it->is_amd)
					show_amd(&j, &it->amd);
				else
					show_sev_json(&j, &it->sev);
				ss_json_end_object(&j);
				continue;
			}
			printf("%s%s (offset 0x%zx): %s\n", f || i ? "\n" : "", b[f].path,
			       it->offset, item_role(it));
			if (it->is_amd)
				show_amd(NULL, &it->amd);
			else
				show_sev_text(&it->sev);
		}
	if (fmt == SS_OUT_JSON) {
		ss_json_end_array(&j);
		ss_json_finish(&j);
	}
	free(b);
	return SS_EXIT_OK;
}

/* ---- verify ---- */

struct chain_in {
	const ss_sev_cert *pdh, *pek, *oca, *cek;
	const ss_amd_cert *ask, *ark;
};

struct link {
	const char *cert, *signer;
	char how[64];
	int status;
	char msg[512];
};

/* Runs one link and records it; returns its status. */
static int run_sev_link(struct link *l, const char *cert, const char *signer, const ss_sev_cert *c,
			const ss_sev_cert *s)
{
	ss_error err = {0};
	unsigned slot = 0;
	l->cert = cert;
	l->signer = signer;
	l->status = ss_sev_cert_verify(c, s, &slot, &err);
	if (!l->status)
		snprintf(l->how, sizeof(l->how), "SIG%u, %s", slot + 1,
			 name_or(ss_sev_algo_name(c->sig[slot].algo)));
	else
		snprintf(l->how, sizeof(l->how), "%s", name_or(ss_sev_algo_name(s->pubkey_algo)));
	snprintf(l->msg, sizeof(l->msg), "%s", err.msg);
	return l->status;
}

static int run_cek_link(struct link *l, const ss_sev_cert *cek, const ss_amd_cert *ask)
{
	ss_error err = {0};
	l->cert = "CEK";
	l->signer = "ASK";
	l->status = ss_sev_cert_verify_by_amd(cek, ask, &err);
	snprintf(l->how, sizeof(l->how), "%s", name_or(ss_sev_algo_name(cek->sig[0].algo)));
	for (unsigned i = 0; i < SS_SEV_CERT_SIG_SLOTS; i++)
		if (cek->sig[i].usage == SS_SEV_USAGE_ASK)
			snprintf(l->how, sizeof(l->how), "SIG%u, %s", i + 1,
				 name_or(ss_sev_algo_name(cek->sig[i].algo)));
	snprintf(l->msg, sizeof(l->msg), "%s", err.msg);
	return l->status;
}

static int run_amd_link(struct link *l, const char *cert, const char *signer, const ss_amd_cert *c,
			const ss_amd_cert *s)
{
	ss_error err = {0};
	l->cert = cert;
	l->signer = signer;
	l->status = ss_amd_cert_verify(c, s, &err);
	snprintf(l->how, sizeof(l->how), "RSA-PSS %s",
		 s->hdr.modulus_size == 2048 ? "SHA-256" : "SHA-384");
	snprintf(l->msg, sizeof(l->msg), "%s", err.msg);
	return l->status;
}

/* Picks the certificates out of the given files, checking each file's form. */
static int assemble(struct bundle *pdh_b, struct bundle *chain_b, struct bundle *askark_b,
		    struct bundle *ask_b, struct bundle *ark_b, struct chain_in *in, ss_error *err)
{
	static const uint32_t r_chain[] = {SS_SEV_USAGE_PEK, SS_SEV_USAGE_OCA, SS_SEV_USAGE_CEK};
	static const uint32_t r_export[] = {SS_SEV_USAGE_PDH, SS_SEV_USAGE_PEK, SS_SEV_USAGE_OCA,
					    SS_SEV_USAGE_CEK};
	static const uint32_t r_amd[] = {SS_SEV_USAGE_ASK, SS_SEV_USAGE_ARK};
	static const uint32_t r_pdh[] = {SS_SEV_USAGE_PDH};
	static const uint32_t r_ask[] = {SS_SEV_USAGE_ASK};
	static const uint32_t r_ark[] = {SS_SEV_USAGE_ARK};
	char roles[128];
	int rc;
	memset(in, 0, sizeof(*in));
	if (chain_b) {
		size_t first = 0;
		if (chain_b->n == 3 && roles_are(chain_b, 0, r_chain, 3)) {
			first = 0;
		} else if ((chain_b->n == 4 || chain_b->n == 6) &&
			   roles_are(chain_b, 0, r_export, 4) &&
			   (chain_b->n == 4 || roles_are(chain_b, 4, r_amd, 2))) {
			in->pdh = &chain_b->items[0].sev;
			first = 1;
			if (chain_b->n == 6) {
				in->ask = &chain_b->items[4].amd;
				in->ark = &chain_b->items[5].amd;
			}
		} else {
			describe_roles(chain_b, roles, sizeof(roles));
			return ss_fail(
			    err, SS_EINVAL,
			    "%s: holds %s; a cert chain is PEK, OCA, CEK (PDH_CERT_EXPORT) "
			    "or PDH, PEK, OCA, CEK [, ASK, ARK] (sevctl export)",
			    chain_b->path, roles);
		}
		in->pek = &chain_b->items[first].sev;
		in->oca = &chain_b->items[first + 1].sev;
		in->cek = &chain_b->items[first + 2].sev;
	}
	if (pdh_b) {
		if ((rc = expect_exactly(pdh_b, r_pdh, 1, "one PDH certificate", err)))
			return rc;
		in->pdh = &pdh_b->items[0].sev;
	}
	if (askark_b) {
		if ((rc = expect_exactly(askark_b, r_amd, 2, "ASK then ARK", err)))
			return rc;
		in->ask = &askark_b->items[0].amd;
		in->ark = &askark_b->items[1].amd;
	}
	if (ask_b) {
		if ((rc = expect_exactly(ask_b, r_ask, 1, "one ASK certificate", err)))
			return rc;
		in->ask = &ask_b->items[0].amd;
	}
	if (ark_b) {
		if ((rc = expect_exactly(ark_b, r_ark, 1, "one ARK certificate", err)))
			return rc;
		in->ark = &ark_b->items[0].amd;
	}
	return 0;
}

enum { OPT_PDH = 256, OPT_CHAIN, OPT_ASK_ARK, OPT_ASK, OPT_ARK, OPT_OWNER_ONLY, OPT_AMD_ROOT };

static int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {{"pdh", required_argument, NULL, OPT_PDH},
					     {"cert-chain", required_argument, NULL, OPT_CHAIN},
					     {"ask-ark", required_argument, NULL, OPT_ASK_ARK},
					     {"ask", required_argument, NULL, OPT_ASK},
					     {"ark", required_argument, NULL, OPT_ARK},
					     {"owner-only", no_argument, NULL, OPT_OWNER_ONLY},
					     {"require-amd-root", no_argument, NULL, OPT_AMD_ROOT},
					     {"output", required_argument, NULL, 'o'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *paths[5] = {NULL}; /* pdh, chain, ask-ark, ask, ark */
	bool owner_only = false, need_amd_root = false;
	ss_output fmt = SS_OUT_TEXT;
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_PDH: paths[0] = optarg; break;
		case OPT_CHAIN: paths[1] = optarg; break;
		case OPT_ASK_ARK: paths[2] = optarg; break;
		case OPT_ASK: paths[3] = optarg; break;
		case OPT_ARK: paths[4] = optarg; break;
		case OPT_OWNER_ONLY: owner_only = true; break;
		case OPT_AMD_ROOT: need_amd_root = true; break;
		case 'o':
			if (!ss_cli_parse_output(optarg, &fmt))
				return SS_EXIT_USAGE;
			break;
		case 'h': usage(stdout); return SS_EXIT_OK;
		default: usage(stderr); return SS_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return ss_cli_error(SS_EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	if (!paths[1])
		return ss_cli_error(SS_EXIT_USAGE, "sev-chain verify needs --cert-chain FILE");
	if (paths[2] && (paths[3] || paths[4]))
		return ss_cli_error(SS_EXIT_USAGE, "give --ask-ark or --ask and --ark, not both");
	if (owner_only && (paths[2] || paths[3] || paths[4] || need_amd_root))
		return ss_cli_error(SS_EXIT_USAGE,
				    "--owner-only takes no AMD chain and no --require-amd-root");

	static struct bundle bundles[5];
	struct bundle *bp[5] = {NULL};
	ss_error err = {0};
	for (int i = 0; i < 5; i++) {
		if (!paths[i])
			continue;
		if (load_bundle(paths[i], &bundles[i], &err))
			return ss_cli_report(&err);
		bp[i] = &bundles[i];
	}
	struct chain_in in;
	if (assemble(bp[0], bp[1], bp[2], bp[3], bp[4], &in, &err))
		return ss_cli_report(&err);
	if (!in.pdh)
		return ss_cli_error(SS_EXIT_NOCERT, "no PDH certificate: give --pdh FILE");
	if (!owner_only && (!in.ask || !in.ark))
		return ss_cli_error(SS_EXIT_NOCERT,
				    "no %s: give --ask-ark FILE or --ask FILE --ark FILE (or "
				    "--owner-only to check only PDH -> PEK -> OCA)",
				    !in.ask && !in.ark ? "AMD chain (ASK, ARK)"
				    : !in.ask	       ? "ASK"
						       : "ARK");

	/* Root first, so the first failure names the certificate that was changed. */
	struct link links[7];
	size_t n = 0;
	int rc = 0;
	if (!owner_only) {
		rc = run_amd_link(&links[n++], "ARK", "ARK", in.ark, in.ark);
		if (!rc)
			rc = run_amd_link(&links[n++], "ASK", "ARK", in.ask, in.ark);
		if (!rc)
			rc = run_cek_link(&links[n++], in.cek, in.ask);
		if (!rc)
			rc = run_sev_link(&links[n++], "PEK", "CEK", in.pek, in.cek);
	}
	if (!rc)
		rc = run_sev_link(&links[n++], "OCA", "OCA", in.oca, in.oca);
	if (!rc)
		rc = run_sev_link(&links[n++], "PEK", "OCA", in.pek, in.oca);
	if (!rc)
		rc = run_sev_link(&links[n++], "PDH", "PEK", in.pdh, in.pek);
	const char *root = owner_only ? NULL : ss_amd_ark_product(in.ark);
	if (!rc && need_amd_root && !root)
		rc = ss_fail(&err, SS_EBADSIG,
			     "ARK: not one of AMD's published roots (Naples, Rome, Milan, Genoa, "
			     "Turin)");
	else if (rc)
		ss_fail(&err, rc, "%s", links[n - 1].msg);

	if (fmt == SS_OUT_JSON) {
		ss_json j;
		ss_json_init(&j, stdout);
		ss_json_begin_object(&j);
		ss_json_key(&j, "links");
		ss_json_begin_array(&j);
		for (size_t i = 0; i < n; i++) {
			ss_json_begin_object(&j);
			ss_json_kv_string(&j, "cert", links[i].cert);
			ss_json_kv_string(&j, "signer", links[i].signer);
			ss_json_kv_string(&j, "algorithm", links[i].how);
			ss_json_kv_bool(&j, "ok", links[i].status == 0);
			if (links[i].status)
				ss_json_kv_string(&j, "error", links[i].msg);
			ss_json_end_object(&j);
		}
		ss_json_end_array(&j);
		ss_json_kv_bool(&j, "owner_only", owner_only);
		ss_json_key(&j, "amd_root");
		if (root)
			ss_json_string(&j, root);
		else
			ss_json_null(&j);
		ss_json_kv_bool(&j, "verified", rc == 0);
		ss_json_end_object(&j);
		ss_json_finish(&j);
	} else {
		for (size_t i = 0; i < n; i++) {
			char what[32];
			if (!strcmp(links[i].cert, links[i].signer))
				snprintf(what, sizeof(what), "self-signed");
			else
				snprintf(what, sizeof(what), "signed by %s", links[i].signer);
			printf("%-4s %-13s %-20s %s\n", links[i].cert, what, links[i].how,
			       links[i].status ? "FAILED" : "ok");
		}
		if (!owner_only)
			printf("AMD root: %s\n",
			       root ? root : "no (the ARK is not one of AMD's published roots)");
		if (!rc)
			printf("chain: verified%s\n",
			       owner_only ? " (owner half only: PDH -> PEK -> OCA)" : "");
	}
	if (rc)
		return ss_cli_report(&err);
	return SS_EXIT_OK;
}

int ss_cmd_report_sev(int argc, char **argv)
{
	/* argv[0] is "sev-chain"; argv[1] the action. */
	static const struct ss_cli_sub subs[] = {
	    {"show", cmd_show},
	    {"verify", cmd_verify},
	    {NULL, NULL},
	};
	return ss_cli_dispatch(argc, argv, subs, usage, "sev-chain action");
}
