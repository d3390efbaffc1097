/* softsev psp: run the software AMD-SP behind a Unix socket, and talk to it like sevctl.
 *
 *   softsev psp serve --socket PATH [--state DIR]
 *   softsev psp <status|init|shutdown|factory-reset|pek-gen|pdh-gen|get-id|pek-csr|pdh-export>
 *               --socket PATH [options]
 *   softsev psp <export-state|import-state|amd-chain> [--state DIR] FILE   (local)
 *   softsev psp snp-launch --ovmf FILE --vcpus N ...   (in process: cmd_snp_launch.c)
 *
 * The framing is ss_psp_frame_handle's (include/softsev/psp.h). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <softsev/psp.h>

#include "cli/cli.h"
#include "util/bytes.h"
#include "util/file.h"
#include "util/json.h"

#define SERVER_MEM (16u * 1024u * 1024u)

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: softsev psp serve --socket PATH [--state DIR] [--ark-bits 2048|4096]\n"
	    "       softsev psp status|get-id --socket PATH [-o text|json]\n"
	    "       softsev psp init [--es]|shutdown|factory-reset|pek-gen|pdh-gen --socket PATH\n"
	    "       softsev psp pek-csr --socket PATH --out FILE\n"
	    "       softsev psp pdh-export --socket PATH --pdh FILE --chain FILE\n"
	    "       softsev psp export-state|import-state|amd-chain [--state DIR] FILE\n"
	    "       softsev psp snp-launch --ovmf FILE --vcpus N --vcpu-type T [...]\n"
	    "\nThe state directory defaults to $XDG_STATE_HOME/softsev/psp (or\n"
	    "~/.local/state/softsev/psp). Frames: see README, 'softsev psp'.\n");
}

static int full_io(int fd, void *p, size_t n, bool wr)
{
	uint8_t *b = p;
	while (n) {
		ssize_t k = wr ? write(fd, b, n) : read(fd, b, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

static int bind_socket(const char *path, bool listen_it)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(a.sun_path))
		return -1;
	strcpy(a.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (listen_it) {
		unlink(path);
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 8)) {
			close(fd);
			return -1;
		}
	} else if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Serves one connection: frames until EOF or an I/O error. */
static void serve_conn(ss_psp *psp, int fd)
{
	for (;;) {
		uint8_t hdr[SS_PSP_FRAME_REQ_HDR];
		if (full_io(fd, hdr, sizeof(hdr), false))
			return;
		uint64_t body = (uint64_t)ss_le32(hdr + 8) + ss_le32(hdr + 12);
		uint8_t *req = NULL, *resp = NULL;
		size_t resp_len = 0;
		/* An oversized or bad header is answered without reading its body, then closed. */
		bool bad =
		    memcmp(hdr, "SSPQ", 4) || body > SS_PSP_FRAME_MAX_BUF + SS_PSP_FRAME_MAX_DATA;
		if (!bad && (req = malloc(sizeof(hdr) + body))) {
			memcpy(req, hdr, sizeof(hdr));
			if (full_io(fd, req + sizeof(hdr), body, false)) {
				free(req);
				return;
			}
		}
		int rc = ss_psp_frame_handle(psp, req ? req : hdr, req ? sizeof(hdr) + body : 4,
					     &resp, &resp_len);
		free(req);
		if (rc || full_io(fd, resp, resp_len, true) || bad) {
			free(resp);
			return;
		}
		free(resp);
	}
}

static int cmd_serve(const char *sock, const char *state, unsigned ark_bits)
{
	ss_error err;
	ss_psp_flatmem *mem = NULL;
	ss_psp *psp = NULL;
	if (ss_psp_flatmem_new(SERVER_MEM, 15, &mem, &err))
		return ss_cli_report(&err);
	struct ss_psp_config cfg = {.state_dir = state,
				    .mem = ss_psp_flatmem_ops(),
				    .mem_ctx = mem,
				    .nr_asids = 15,
				    .ark_bits = ark_bits};
	if (ss_psp_open(&cfg, &psp, &err)) {
		ss_psp_flatmem_free(mem);
		return ss_cli_report(&err);
	}
	signal(SIGPIPE, SIG_IGN);
	int lfd = bind_socket(sock, true);
	if (lfd < 0) {
		ss_psp_close(psp);
		ss_psp_flatmem_free(mem);
		return ss_cli_error(SS_EXIT_ERROR, "cannot listen on %s: %s", sock,
				    strerror(errno));
	}
	fprintf(stderr, "softsev psp: serving on %s\n", sock);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		serve_conn(psp, fd);
		close(fd);
	}
	close(lfd);
	ss_psp_close(psp);
	ss_psp_flatmem_free(mem);
	return SS_EXIT_ERROR;
}

struct reply {
	uint32_t status;
	uint8_t buf[SS_PSP_FRAME_MAX_BUF];
	uint32_t buf_len;
	uint8_t *data;
	uint32_t data_len;
	char msg[512];
};

/* One request/response round trip; returns an exit code (the status is in r). */
static int call(const char *sock, uint32_t cmd, const void *buf, uint32_t buf_len, const void *data,
		uint32_t data_len, struct reply *r)
{
	memset(r, 0, sizeof(*r));
	int fd = bind_socket(sock, false);
	if (fd < 0)
		return ss_cli_error(SS_EXIT_ERROR, "cannot connect to %s: %s", sock,
				    strerror(errno));
	uint8_t hdr[SS_PSP_FRAME_REQ_HDR], rh[SS_PSP_FRAME_RESP_HDR];
	memcpy(hdr, "SSPQ", 4);
	ss_put_le32(hdr + 4, cmd);
	ss_put_le32(hdr + 8, buf_len);
	ss_put_le32(hdr + 12, data_len);
	int rc = full_io(fd, hdr, sizeof(hdr), true) ||
		 (buf_len && full_io(fd, (void *)buf, buf_len, true)) ||
		 (data_len && full_io(fd, (void *)data, data_len, true)) ||
		 full_io(fd, rh, sizeof(rh), false);
	uint32_t bl = rc ? 0 : ss_le32(rh + 8), dl = rc ? 0 : ss_le32(rh + 12),
		 ml = rc ? 0 : ss_le32(rh + 16);
	if (!rc && (memcmp(rh, "SSPR", 4) || bl > sizeof(r->buf) || dl > SS_PSP_FRAME_MAX_DATA ||
		    ml >= sizeof(r->msg)))
		rc = 1;
	if (!rc) {
		r->status = ss_le32(rh + 4);
		r->buf_len = bl;
		r->data_len = dl;
		r->data = malloc(dl ? dl : 1);
		rc = !r->data || full_io(fd, r->buf, bl, false) ||
		     full_io(fd, r->data, dl, false) || full_io(fd, r->msg, ml, false);
	}
	close(fd);
	if (rc)
		return ss_cli_error(SS_EXIT_ERROR, "bad or missing response from %s", sock);
	if (r->status)
		return ss_cli_error(SS_EXIT_ERROR, "%s failed: %s", ss_sev_cmd_name(cmd),
				    r->msg[0] ? r->msg : ss_sev_status_name(r->status));
	return SS_EXIT_OK;
}

static int write_out(const char *path, const void *p, size_t n)
{
	ss_error err;
	return ss_write_file_atomic(path, p, n, 0644, &err) ? ss_cli_report(&err) : SS_EXIT_OK;
}

static int local_state(const char *what, const char *state, const char *file)
{
	ss_error err;
	ss_psp *psp = NULL;
	struct ss_psp_config cfg = {.state_dir = state};
	if (ss_psp_open(&cfg, &psp, &err))
		return ss_cli_report(&err);
	int rc = SS_EXIT_OK;
	uint8_t *blob = NULL;
	size_t len = 0;
	if (!strcmp(what, "amd-chain")) {
		uint8_t amd[2 * 1600];
		if (ss_psp_amd_chain(psp, amd, sizeof(amd), &len, &err) ||
		    ss_write_file_atomic(file, amd, len, 0644, &err))
			rc = ss_cli_report(&err);
		len = 0;
	} else if (!strcmp(what, "export-state")) {
		if (ss_psp_export_state(psp, &blob, &len, &err))
			rc = ss_cli_report(&err);
		else if (ss_write_file_atomic(file, blob, len, 0600, &err))
			rc = ss_cli_report(&err);
	} else if (ss_read_file(file, 1u << 20, &blob, &len, &err) ||
		   ss_psp_import_state(psp, blob, len, &err)) {
		rc = ss_cli_report(&err);
	}
	free(blob);
	ss_psp_close(psp);
	return rc;
}

int ss_cmd_psp(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"socket", required_argument, NULL, 's'}, {"state", required_argument, NULL, 'S'},
	    {"out", required_argument, NULL, 'O'},    {"pdh", required_argument, NULL, 'p'},
	    {"chain", required_argument, NULL, 'c'},  {"es", no_argument, NULL, 'e'},
	    {"output", required_argument, NULL, 'o'}, {"ark-bits", required_argument, NULL, 'b'},
	    {"help", no_argument, NULL, 'h'},	      {NULL, 0, NULL, 0}};
	if (argc < 2) {
		usage(stderr);
		return SS_EXIT_USAGE;
	}
	const char *sub = argv[1];
	if (!strcmp(sub, "snp-launch"))
		return ss_cmd_psp_snp_launch(argc - 1, argv + 1);
	if (!strcmp(sub, "--help") || !strcmp(sub, "-h")) {
		usage(stdout);
		return SS_EXIT_OK;
	}
	const char *sock = NULL, *state = NULL, *out = NULL, *pdh = NULL, *chain = NULL;
	bool es = false;
	unsigned ark_bits = 0;
	unsigned long long v;
	ss_output fmt = SS_OUT_TEXT;
	int c;
	optind = 2;
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		switch (c) {
		case 's': sock = optarg; break;
		case 'S': state = optarg; break;
		case 'O': out = optarg; break;
		case 'p': pdh = optarg; break;
		case 'c': chain = optarg; break;
		case 'e': es = true; break;
		case 'b':
			if (!ss_cli_parse_u64(optarg, &v) || (v != 2048 && v != 4096))
				return ss_cli_error(SS_EXIT_USAGE,
						    "--ark-bits must be 2048 or 4096");
			ark_bits = (unsigned)v;
			break;
		case 'o':
			if (!ss_cli_parse_output(optarg, &fmt))
				return SS_EXIT_USAGE;
			break;
		case 'h': usage(stdout); return SS_EXIT_OK;
		default:
			usage(stderr);
			return ss_cli_error(SS_EXIT_USAGE, "bad option '%s'", argv[optind - 1]);
		}
	}
	if (!strcmp(sub, "export-state") || !strcmp(sub, "import-state") ||
	    !strcmp(sub, "amd-chain")) {
		if (optind != argc - 1)
			return ss_cli_error(SS_EXIT_USAGE, "%s needs one FILE", sub);
		return local_state(sub, state, argv[optind]);
	}
	if (optind != argc)
		return ss_cli_error(SS_EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	if (!sock)
		return ss_cli_error(SS_EXIT_USAGE, "--socket PATH is required");
	if (!strcmp(sub, "serve"))
		return cmd_serve(sock, state, ark_bits);

	struct reply r;
	int rc;
	static const struct {
		const char *name;
		uint32_t cmd;
	} simple[] = {{"shutdown", SS_SEV_CMD_SHUTDOWN},
		      {"factory-reset", SS_SEV_CMD_FACTORY_RESET},
		      {"pek-gen", SS_SEV_CMD_PEK_GEN},
		      {"pdh-gen", SS_SEV_CMD_PDH_GEN}};
	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
		if (!strcmp(sub, simple[i].name)) {
			rc = call(sock, simple[i].cmd, NULL, 0, NULL, 0, &r);
			free(r.data);
			return rc;
		}
	if (!strcmp(sub, "init")) {
		/* With --es the TMR is 1 MiB at 1 MiB in the server's memory. */
		struct ss_sev_data_init in = {.flags = es ? SS_SEV_INIT_FLAGS_CONFIG_ES : 0,
					      .tmr_address = es ? 0x100000 : 0,
					      .tmr_len = es ? SS_SEV_TMR_SIZE : 0};
		rc = call(sock, SS_SEV_CMD_INIT, &in, sizeof(in), NULL, 0, &r);
		free(r.data);
		return rc;
	}
	if (!strcmp(sub, "status")) {
		struct ss_sev_data_status s = {0};
		rc = call(sock, SS_SEV_CMD_PLATFORM_STATUS, &s, sizeof(s), NULL, 0, &r);
		free(r.data);
		if (rc)
			return rc;
		memcpy(&s, r.buf, sizeof(s));
		static const char *const states[] = {"UNINIT", "INIT", "WORKING"};
		const char *st = s.state < 3 ? states[s.state] : "?";
		bool ext = s.flags & SS_SEV_STATUS_FLAGS_OWNER;
		bool cfg_es = s.flags & SS_SEV_STATUS_FLAGS_CONFIG_ES;
		if (fmt == SS_OUT_JSON) {
			ss_json j;
			ss_json_init(&j, stdout);
			ss_json_begin_object(&j);
			ss_json_kv_u64(&j, "api_major", s.api_major);
			ss_json_kv_u64(&j, "api_minor", s.api_minor);
			ss_json_kv_u64(&j, "build", s.build);
			ss_json_kv_string(&j, "state", st);
			ss_json_kv_string(&j, "owner", ext ? "external" : "self");
			ss_json_kv_bool(&j, "config_es", cfg_es);
			ss_json_kv_u64(&j, "guest_count", s.guest_count);
			ss_json_end_object(&j);
			ss_json_finish(&j);
		} else {
			printf("api: %u.%u (build %u)\nstate: %s\nowner: %s\nconfig_es: %s\n"
			       "guests: %u\n",
			       s.api_major, s.api_minor, s.build, st, ext ? "external" : "self",
			       cfg_es ? "yes" : "no", s.guest_count);
		}
		return SS_EXIT_OK;
	}
	if (!strcmp(sub, "get-id")) {
		struct ss_sev_data_addr_len q = {.address = 0, .len = SS_SEV_ID_SIZE};
		uint8_t window[SS_SEV_ID_SIZE] = {0};
		rc = call(sock, SS_SEV_CMD_GET_ID, &q, sizeof(q), window, sizeof(window), &r);
		if (!rc) {
			char hex[2 * SS_SEV_ID_SIZE + 1];
			ss_hex_encode(hex, r.data, SS_SEV_ID_SIZE);
			if (fmt == SS_OUT_JSON)
				printf("{\n  \"id\": \"%s\"\n}\n", hex);
			else
				printf("%s\n", hex);
		}
		free(r.data);
		return rc;
	}
	if (!strcmp(sub, "pek-csr")) {
		if (!out)
			return ss_cli_error(SS_EXIT_USAGE, "pek-csr needs --out FILE");
		struct ss_sev_data_addr_len q = {.address = 0, .len = 0x824};
		static uint8_t window[0x824];
		rc = call(sock, SS_SEV_CMD_PEK_CSR, &q, sizeof(q), window, sizeof(window), &r);
		if (!rc)
			rc = write_out(out, r.data, 0x824);
		free(r.data);
		return rc;
	}
	if (!strcmp(sub, "pdh-export")) {
		if (!pdh || !chain)
			return ss_cli_error(SS_EXIT_USAGE,
					    "pdh-export needs --pdh FILE and --chain FILE");
		struct ss_sev_data_pdh_cert_export e = {.pdh_cert_address = 0,
							.pdh_cert_len = 0x824,
							.cert_chain_address = 0x1000,
							.cert_chain_len = 3 * 0x824};
		static uint8_t window[0x1000 + 3 * 0x824];
		rc = call(sock, SS_SEV_CMD_PDH_CERT_EXPORT, &e, sizeof(e), window, sizeof(window),
			  &r);
		if (!rc)
			rc = write_out(pdh, r.data, 0x824);
		if (!rc)
			rc = write_out(chain, r.data + 0x1000, 3 * 0x824);
		free(r.data);
		return rc;
	}
	usage(stderr);
	return ss_cli_error(SS_EXIT_USAGE, "unknown psp subcommand '%s'", sub);
}
