/* softsev kds: the emulated part's certificates, served like AMD's Key Distribution Service
 * (include/softsev/kds.h), issued offline, or described. */
#include "cli/cli.h"

#include <softsev/kds.h>
#include <softsev/psp.h>
#include <softsev/snp_certs.h>

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/bytes.h"
#include "util/file.h"
#include "util/json.h"

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: softsev kds serve --state DIR --listen HOST:PORT [options]\n"
	    "       softsev kds vcek  --state DIR --tcb TCB -o FILE [--pem] [--key-out FILE]\n"
	    "       softsev kds info  --state DIR [-o text|json]\n"
	    "       softsev kds vlek-wrap --state DIR --tcb TCB -o FILE\n"
	    "\n"
	    "The emulated SEV-SNP part's identity (chip secret, ARK/ASK/ASVK) lives in DIR and is\n"
	    "created on first use (see include/softsev/snp_keys.h for the files). DIR defaults to\n"
	    "the PSP's state directory ($XDG_STATE_HOME/softsev/psp or "
	    "~/.local/state/softsev/psp),\n"
	    "so 'softsev psp serve' and 'softsev kds' share one part.\n"
	    "\n"
	    "serve   answer AMD's KDS URLs: "
	    "/vcek/v1/<Product>/<hwid>?blSPL=..&teeSPL=..&snpSPL=..\n"
	    "        &ucodeSPL=..[&fmcSPL=.. on Turin], /vcek/v1/<Product>/cert_chain, .../crl,\n"
	    "        /vlek/v1/<Product>/cert_chain, .../crl, .../cert?<SPLs>\n"
	    "vcek    issue the VCEK certificate for a TCB offline (DER, or PEM with --pem)\n"
	    "info    print the product, hwID and the CA certificates' SHA-256 fingerprints\n"
	    "vlek-wrap  issue a VLEK for a TCB wrapped to this part: the 432-byte blob that\n"
	    "        'softsev psp snp-vlek-load' (SNP_VLEK_LOAD) takes\n"
	    "\n"
	    "options:\n"
	    "  --state DIR          the emulated part's state directory (default: the PSP's)\n"
	    "  --product P          milan, genoa or turin: the product of a new part (default\n"
	    "                       milan); for an existing one it must match\n"
	    "  --listen HOST:PORT   127.0.0.1:PORT, [::1]:PORT or localhost:PORT; PORT 0 picks a\n"
	    "                       free port. The bound address is printed on stdout.\n"
	    "  --allow-remote       permit a non-loopback --listen address\n"
	    "  --max-requests N     serve: stop after N completed requests\n"
	    "  --timeout SECONDS    serve: stop after SECONDS\n"
	    "  --tcb TCB            vcek: REPORTED_TCB as the u64 reports show "
	    "(0x7308000000000003)\n"
	    "  -o FILE              vcek, vlek-wrap: where to write the certificate or blob\n"
	    "  --pem                vcek: write PEM instead of DER\n"
	    "  --key-out FILE       vcek: also write the VCEK private key (PKCS#8 PEM, mode 0600)\n"
	    "  -o text|json         info: output format\n");
}

enum {
	OPT_STATE = 256,
	OPT_PRODUCT,
	OPT_LISTEN,
	OPT_ALLOW_REMOTE,
	OPT_MAX_REQ,
	OPT_TIMEOUT,
	OPT_TCB,
	OPT_PEM,
	OPT_KEY_OUT
};

struct kds_opts {
	const char *sub, *state, *product, *listen, *tcb, *out, *key_out;
	bool allow_remote, pem;
	unsigned long long max_requests, timeout;
};

static int open_identity(const struct kds_opts *o, ss_snp_identity **id)
{
	ss_snp_product p = SS_SNP_MILAN;
	if (o->product && !ss_snp_product_parse(o->product, &p))
		return ss_cli_error(SS_EXIT_USAGE,
				    "--product takes milan, genoa or turin, not '%s'", o->product);
	ss_error err = {0};
	bool created = false;
	int rc = ss_snp_identity_open(o->state, p, o->product == NULL, id, &created, &err);
	if (rc)
		return ss_cli_report(&err);
	if (created)
		fprintf(stderr, "kds: created a new emulated %s part in %s\n",
			ss_snp_product_name((*id)->product), o->state);
	return SS_EXIT_OK;
}

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	stop_requested = sig;
}

static int cmd_serve(const struct kds_opts *o, ss_snp_identity *id)
{
	if (!o->listen)
		return ss_cli_error(SS_EXIT_USAGE, "kds serve needs --listen HOST:PORT");
	ss_error err = {0};
	ss_kds_server *srv;
	int rc = ss_kds_server_start(id, o->listen, o->allow_remote, &srv, &err);
	if (rc)
		return rc == SS_EPOLICY || rc == SS_EINVAL ? (ss_cli_report(&err), SS_EXIT_USAGE)
							   : ss_cli_report(&err);
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	char hwid[2 * SS_SNP_CHIP_ID_LEN + 1];
	ss_hex_encode(hwid, id->chip_id, ss_snp_hwid_len(id->product));
	const char *colon = strrchr(o->listen, ':');
	printf("listening on http://%.*s:%u product %s hwid %s\n", (int)(colon - o->listen),
	       o->listen, ss_kds_server_port(srv), ss_snp_product_name(id->product), hwid);
	fflush(stdout);

	struct timespec start, now, tick = {0, 20 * 1000 * 1000};
	clock_gettime(CLOCK_MONOTONIC, &start);
	const char *why = NULL;
	while (!why) {
		nanosleep(&tick, NULL);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (stop_requested)
			why = "signal";
		else if (o->max_requests && ss_kds_server_completed(srv) >= o->max_requests)
			why = "--max-requests reached";
		else if (o->timeout &&
			 (unsigned long long)(now.tv_sec - start.tv_sec) >= o->timeout)
			why = "--timeout reached";
	}
	unsigned long served = ss_kds_server_completed(srv);
	ss_kds_server_stop(srv);
	fprintf(stderr, "kds: stopped (%s) after %lu requests\n", why, served);
	return SS_EXIT_OK;
}

static int cmd_vcek(const struct kds_opts *o, ss_snp_identity *id)
{
	unsigned long long tcb_u64;
	if (!o->tcb || !ss_cli_parse_u64(o->tcb, &tcb_u64))
		return ss_cli_error(SS_EXIT_USAGE, "kds vcek needs --tcb TCB (a u64, e.g. 0x%s)",
				    "7308000000000003");
	if (!o->out)
		return ss_cli_error(SS_EXIT_USAGE, "kds vcek needs -o FILE");
	uint8_t tcb[SS_SNP_TCB_LEN];
	ss_snp_tcb_from_u64(tcb_u64, tcb);
	ss_error err = {0};
	uint8_t *der = NULL;
	size_t len = 0;
	if (ss_snp_identity_vcek_cert(id, tcb, 0, &der, &len, &err))
		return ss_cli_report(&err);
	int rc = 0;
	if (o->pem) {
		char *b64 = ss_base64_encode(der, len);
		size_t n = b64 ? strlen(b64) : 0;
		char *pem = b64 ? malloc(n + n / 64 + 64) : NULL;
		size_t k = 0;
		if (pem) {
			k += (size_t)sprintf(pem, "-----BEGIN CERTIFICATE-----\n");
			for (size_t i = 0; i < n; i += 64) {
				size_t m = n - i < 64 ? n - i : 64;
				memcpy(pem + k, b64 + i, m);
				k += m;
				pem[k++] = '\n';
			}
			k += (size_t)sprintf(pem + k, "-----END CERTIFICATE-----\n");
			rc = ss_write_file_atomic(o->out, pem, k, 0644, &err);
		} else {
			rc = ss_fail(&err, SS_ENOMEM, "out of memory");
		}
		free(pem);
		free(b64);
	} else {
		rc = ss_write_file_atomic(o->out, der, len, 0644, &err);
	}
	free(der);
	if (!rc && o->key_out) {
		ss_eckey *vcek = NULL;
		rc = ss_snp_vcek_derive(id->chip_secret, sizeof(id->chip_secret), tcb, &vcek, &err);
		char *pem = rc ? NULL : ss_eckey_to_pem(vcek, true);
		if (!rc && !pem)
			rc = ss_fail(&err, SS_ECRYPTO, "cannot encode the VCEK private key");
		if (!rc)
			rc = ss_write_file_atomic(o->key_out, pem, strlen(pem), 0600, &err);
		free(pem);
		ss_eckey_free(vcek);
	}
	if (rc)
		return ss_cli_report(&err);
	return SS_EXIT_OK;
}

/* The KDS side of VLEK issuance (firmware-abi.md §6): the VLEK derived from the provider seed for
 * a TCB, wrapped to this chip (snp_keys.h layout). */
static int cmd_vlek_wrap(const struct kds_opts *o, ss_snp_identity *id)
{
	unsigned long long tcb_u64;
	if (!o->tcb || !ss_cli_parse_u64(o->tcb, &tcb_u64))
		return ss_cli_error(SS_EXIT_USAGE,
				    "kds vlek-wrap needs --tcb TCB (a u64, e.g. 0x%s)",
				    "7308000000000003");
	if (!o->out)
		return ss_cli_error(SS_EXIT_USAGE, "kds vlek-wrap needs -o FILE");
	uint8_t tcb[SS_SNP_TCB_LEN], blob[SS_SNP_VLEK_WRAPPED_LEN];
	ss_snp_tcb_from_u64(tcb_u64, tcb);
	ss_error err = {0};
	ss_eckey *vlek = NULL;
	int rc = ss_snp_vlek_derive(id->vlek_seed, sizeof(id->vlek_seed), tcb, &vlek, &err);
	if (!rc)
		rc = ss_snp_vlek_wrap(id->chip_secret, sizeof(id->chip_secret), vlek, tcb, blob,
				      &err);
	if (!rc)
		rc = ss_write_file_atomic(o->out, blob, sizeof(blob), 0600, &err);
	ss_eckey_free(vlek);
	return rc ? ss_cli_report(&err) : SS_EXIT_OK;
}

static int cmd_info(const struct kds_opts *o, ss_snp_identity *id)
{
	ss_output fmt = SS_OUT_TEXT;
	if (o->out && !ss_cli_parse_output(o->out, &fmt))
		return SS_EXIT_USAGE;
	static const char *const roles[SS_SNP_CA_ROLES] = {"ark", "ask", "asvk"};
	uint8_t fp[SS_SNP_CA_ROLES][SS_SHA256_LEN];
	ss_error err = {0};
	for (int r = 0; r < SS_SNP_CA_ROLES; r++)
		if (ss_snp_ca_fingerprint(id->ca, (ss_snp_ca_role)r, fp[r], &err))
			return ss_cli_report(&err);
	size_t hl = ss_snp_hwid_len(id->product);
	if (fmt == SS_OUT_JSON) {
		ss_json j;
		ss_json_init(&j, stdout);
		ss_json_begin_object(&j);
		ss_json_kv_string(&j, "state", o->state);
		ss_json_kv_string(&j, "product", ss_snp_product_name(id->product));
		ss_json_kv_string(&j, "vcek_product_name", ss_snp_product_cert_name(id->product));
		ss_json_kv_hex(&j, "hwid", id->chip_id, hl);
		ss_json_kv_hex(&j, "chip_id", id->chip_id, SS_SNP_CHIP_ID_LEN);
		ss_json_key(&j, "sha256_fingerprints");
		ss_json_begin_object(&j);
		for (int r = 0; r < SS_SNP_CA_ROLES; r++)
			ss_json_kv_hex(&j, roles[r], fp[r], SS_SHA256_LEN);
		ss_json_end_object(&j);
		ss_json_end_object(&j);
		ss_json_finish(&j);
		return SS_EXIT_OK;
	}
	char hex[2 * SS_SNP_CHIP_ID_LEN + 1];
	printf("state:    %s\n", o->state);
	printf("product:  %s (VCEK productName %s)\n", ss_snp_product_name(id->product),
	       ss_snp_product_cert_name(id->product));
	ss_hex_encode(hex, id->chip_id, hl);
	printf("hwid:     %s\n", hex);
	for (int r = 0; r < SS_SNP_CA_ROLES; r++) {
		ss_hex_encode(hex, fp[r], SS_SHA256_LEN);
		printf("%-4s sha256: %s\n", roles[r], hex);
	}
	return SS_EXIT_OK;
}

int ss_cmd_kds(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"state", required_argument, NULL, OPT_STATE},
	    {"product", required_argument, NULL, OPT_PRODUCT},
	    {"listen", required_argument, NULL, OPT_LISTEN},
	    {"allow-remote", no_argument, NULL, OPT_ALLOW_REMOTE},
	    {"max-requests", required_argument, NULL, OPT_MAX_REQ},
	    {"timeout", required_argument, NULL, OPT_TIMEOUT},
	    {"tcb", required_argument, NULL, OPT_TCB},
	    {"pem", no_argument, NULL, OPT_PEM},
	    {"key-out", required_argument, NULL, OPT_KEY_OUT},
	    {"output", required_argument, NULL, 'o'},
	    {NULL, 0, NULL, 0},
	};
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return SS_EXIT_OK;
	}
	if (argc < 2 || argv[1][0] == '-') {
		usage(stderr);
		return SS_EXIT_USAGE;
	}
	struct kds_opts o = {.sub = argv[1]};
	int c;
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "ho:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h': usage(stdout); return SS_EXIT_OK;
		case OPT_STATE: o.state = optarg; break;
		case OPT_PRODUCT: o.product = optarg; break;
		case OPT_LISTEN: o.listen = optarg; break;
		case OPT_ALLOW_REMOTE: o.allow_remote = true; break;
		case OPT_MAX_REQ:
			if (!ss_cli_parse_u64(optarg, &o.max_requests) || !o.max_requests)
				return ss_cli_error(SS_EXIT_USAGE,
						    "--max-requests takes a positive number");
			break;
		case OPT_TIMEOUT:
			if (!ss_cli_parse_u64(optarg, &o.timeout) || !o.timeout)
				return ss_cli_error(SS_EXIT_USAGE,
						    "--timeout takes positive seconds");
			break;
		case OPT_TCB: o.tcb = optarg; break;
		case OPT_PEM: o.pem = true; break;
		case OPT_KEY_OUT: o.key_out = optarg; break;
		case 'o': o.out = optarg; break;
		default: usage(stderr); return SS_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc)
		return ss_cli_error(SS_EXIT_USAGE, "unexpected argument '%s'", argv[optind + 1]);
	int (*fn)(const struct kds_opts *, ss_snp_identity *) = NULL;
	if (!strcmp(o.sub, "serve"))
		fn = cmd_serve;
	else if (!strcmp(o.sub, "vcek"))
		fn = cmd_vcek;
	else if (!strcmp(o.sub, "info"))
		fn = cmd_info;
	else if (!strcmp(o.sub, "vlek-wrap"))
		fn = cmd_vlek_wrap;
	else
		return ss_cli_error(SS_EXIT_USAGE,
				    "unknown kds subcommand '%s' (serve, vcek, info, vlek-wrap)",
				    o.sub);
	char def_state[4096];
	if (!o.state) {
		ss_error err = {0};
		if (ss_psp_default_state_dir(def_state, sizeof(def_state), &err))
			return ss_cli_report(&err);
		o.state = def_state;
	}
	ss_snp_identity *id = NULL;
	int rc = open_identity(&o, &id);
	if (rc)
		return rc;
	rc = fn(&o, id);
	ss_snp_identity_free(id);
	return rc;
}
