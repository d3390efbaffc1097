/* softsev psp: run the software AMD-SP behind a Unix socket, and talk to it like sevctl.
 *
 *   softsev psp serve --socket PATH [--state DIR]
 *   softsev psp <status|init|shutdown|factory-reset|pek-gen|pdh-gen|get-id|pek-csr|pdh-export>
 *               --socket PATH [options]
 *   softsev psp <export-state|import-state|amd-chain> [--state DIR] FILE   (local)
 *   softsev psp snp-launch --ovmf FILE --vcpus N ...   (in process: cmd_snp_launch.c)
 *   softsev psp snp-init|snp-shutdown|snp-status|snp-config|snp-commit|snp-vlek-load
 *               --socket PATH [options]
 *
 * The framing is ss_psp_frame_handle's (include/softsev/psp.h). The server runs the PSP on the
 * memory model with an RMP and SNP enabled, and plays the host kernel's part around the SNP
 * commands whose output must be a firmware page (see host_fw_page). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <softsev/abi/snp_api.h>
#include <softsev/mem.h>
#include <softsev/psp.h>
#include <softsev/snp_keys.h>

#include "cli/cli.h"
#include "util/bytes.h"
#include "util/file.h"
#include "util/json.h"

/* The server's machine: 16 MiB of DRAM, the RMP in the last MiB (0x4000 + 16 bytes per page
 * needed), SNP enabled as the BIOS and host kernel leave it before SNP_INIT. The frames' data
 * window is at SPA 0 (up to 1 MiB), the SEV-ES TMR at 1 MiB. */
#define SERVER_MEM   (16u * 1024u * 1024u)
#define SERVER_RMP   (15u * 1024u * 1024u)
#define SERVER_ASIDS 15u
#define SERVER_CBIT  (1ull << 51)
#define NO_PAGE	     UINT64_MAX

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
	    "SEV-SNP (host admin):\n"
	    "       softsev psp serve ... [--product milan|genoa|turin] [--tcb TCB]\n"
	    "       softsev psp snp-init [--rapl-dis]|snp-shutdown|snp-commit --socket PATH\n"
	    "       softsev psp snp-status --socket PATH [-o text|json]\n"
	    "       softsev psp snp-config --socket PATH --reported-tcb TCB [--mask-chip-id]\n"
	    "                              [--mask-chip-key]\n"
	    "       softsev psp snp-vlek-load --socket PATH FILE   (from 'softsev kds vlek-wrap')\n"
	    "\nThe state directory defaults to $XDG_STATE_HOME/softsev/psp (or\n"
	    "~/.local/state/softsev/psp); 'softsev kds' uses the same default, so both see one\n"
	    "SNP identity. TCBs are u64s as reports show them (0x7308000000000003). Frames: see\n"
	    "README, 'softsev psp'.\n");
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

struct server {
	ss_psp *psp;
	struct ss_mem *m;
	bool snp_up; /* SNP_INIT(_EX) succeeded and no SNP_SHUTDOWN(_EX) since (as the driver
			tracks) */
};

/* The page a request's SNP command writes its output to, when that page must be a firmware page
 * (firmware-abi.md §4.3: SNP_PLATFORM_STATUS once SNP is up, SNP_FEATURE_INFO); NO_PAGE if none. */
static uint64_t fw_page_of(const struct server *s, const uint8_t *req, size_t len)
{
	if (!s->snp_up || len < SS_PSP_FRAME_REQ_HDR + 16)
		return NO_PAGE;
	uint32_t cmd = ss_le32(req + 4), bl = ss_le32(req + 8);
	const uint8_t *buf = req + SS_PSP_FRAME_REQ_HDR;
	uint64_t pa = NO_PAGE;
	if (cmd == SS_CMD_SNP_PLATFORM_STATUS && bl == sizeof(struct ss_snp_data_platform_status))
		pa = ss_le64(buf);
	else if (cmd == SS_CMD_SNP_FEATURE_INFO && bl == sizeof(struct ss_snp_data_feature_info))
		pa = ss_le64(buf + 8);
	return pa == NO_PAGE ? pa : pa & ~SERVER_CBIT & ~(uint64_t)(SS_MEM_PAGE - 1);
}

/* The host's RMPUPDATE of a 4 KiB page to the firmware state or back to the hypervisor. */
static bool host_rmpupdate(struct ss_mem *m, uint64_t spa, bool firmware)
{
	struct ss_abi_rmp_state st = {.assigned = firmware, .immutable = firmware};
	struct ss_rmp_result r = {0};
	struct ss_mem_fault f = {0};
	ss_error err = {0};
	return !ss_mem_rmpupdate(m, spa, &st, &r, &f, &err) && r.eax == SS_RMP_SUCCESS;
}

/* One frame, with what Linux's ccp driver does around it (sev-dev.c: rmp_mark_pages_firmware,
 * snp_reclaim_pages): the output page goes to the firmware before the command and comes back
 * (SNP_PAGE_RECLAIM, then RMPUPDATE) after. The SNP state is followed from the answers. */
static int handle_frame(struct server *s, const uint8_t *req, size_t len, uint8_t **resp,
			size_t *resp_len)
{
	uint64_t pa = fw_page_of(s, req, len);
	bool lent = pa != NO_PAGE && host_rmpupdate(s->m, pa, true);
	int rc = ss_psp_frame_handle(s->psp, req, len, resp, resp_len);
	if (lent) {
		struct ss_snp_data_page d = {.paddr = pa};
		uint32_t st;
		ss_error err = {0};
		if (!ss_psp_command(s->psp, SS_CMD_SNP_PAGE_RECLAIM, &d, sizeof(d), &st, &err))
			host_rmpupdate(s->m, pa, false);
	}
	if (!rc && len >= SS_PSP_FRAME_REQ_HDR && !ss_le32(*resp + 4)) {
		uint32_t cmd = ss_le32(req + 4);
		if (cmd == SS_CMD_SNP_INIT || cmd == SS_CMD_SNP_INIT_EX)
			s->snp_up = true;
		if (cmd == SS_CMD_SNP_SHUTDOWN || cmd == SS_CMD_SNP_SHUTDOWN_EX)
			s->snp_up = false;
	}
	return rc;
}

/* Serves one connection: frames until EOF or an I/O error. */
static void serve_conn(struct server *srv, int fd)
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
		int rc = handle_frame(srv, req ? req : hdr, req ? sizeof(hdr) + body : 4, &resp,
				      &resp_len);
		free(req);
		if (rc || full_io(fd, resp, resp_len, true) || bad) {
			free(resp);
			return;
		}
		free(resp);
	}
}

static int cmd_serve(const char *sock, const char *state, unsigned ark_bits, const char *product,
		     uint64_t tcb)
{
	ss_snp_product prod;
	if (product && !ss_snp_product_parse(product, &prod))
		return ss_cli_error(SS_EXIT_USAGE, "--product takes milan, genoa or turin, not '%s'",
				    product);
	ss_error err = {0};
	struct server srv = {0};
	struct ss_mem_config mc = {.dram_size = SERVER_MEM, .max_asid = SERVER_ASIDS, .seed = 1};
	if (ss_mem_create(&mc, &srv.m, &err) ||
	    ss_mem_set_rmp_range(srv.m, SERVER_RMP, SERVER_MEM - 1, &err) ||
	    ss_mem_snp_enable(srv.m, &err)) {
		ss_mem_destroy(srv.m);
		return ss_cli_report(&err);
	}
	struct ss_psp_config cfg = {.state_dir = state,
				    .mem = ss_psp_mem_model_ops(),
				    .mem_ctx = ss_mem_claim_firmware_port(srv.m),
				    .nr_asids = SERVER_ASIDS,
				    .ark_bits = ark_bits,
				    .snp_product = product,
				    .snp_current_tcb = tcb};
	if (ss_psp_open(&cfg, &srv.psp, &err)) {
		ss_mem_destroy(srv.m);
		return ss_cli_report(&err);
	}
	signal(SIGPIPE, SIG_IGN);
	int lfd = bind_socket(sock, true);
	if (lfd < 0) {
		ss_psp_close(srv.psp);
		ss_mem_destroy(srv.m);
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
		serve_conn(&srv, fd);
		close(fd);
	}
	close(lfd);
	ss_psp_close(srv.psp);
	ss_mem_destroy(srv.m);
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

/* ---- SEV-SNP host administration (firmware-abi.md §4.3) ---------------------------------- */

static int snp_simple(const char *sock, uint32_t cmd, const void *buf, uint32_t len)
{
	struct reply r;
	int rc = call(sock, cmd, buf, len, NULL, 0, &r);
	free(r.data);
	return rc;
}

static int snp_status(const char *sock, ss_output fmt)
{
	struct ss_snp_data_platform_status q = {.status_paddr = 0};
	struct ss_snp_platform_status s = {0};
	uint8_t window[sizeof(s)] = {0};
	struct reply r;
	int rc = call(sock, SS_CMD_SNP_PLATFORM_STATUS, &q, sizeof(q), window, sizeof(window), &r);
	if (!rc && r.data_len >= sizeof(s))
		memcpy(&s, r.data, sizeof(s));
	else if (!rc)
		rc = ss_cli_error(SS_EXIT_ERROR, "short SNP_PLATFORM_STATUS answer");
	free(r.data);
	if (rc)
		return rc;
	static const char *const flag_names[] = {
	    "MASK_CHIP_ID",	     "MASK_CHIP_KEY",	    "VLEK_EN", "FEATURE_INFO", "RAPL_DIS",
	    "CIPHERTEXT_HIDING_CAP", "CIPHERTEXT_HIDING_EN"};
	const char *state = s.state == SS_SNP_PLATFORM_INIT ? "INIT" : "UNINIT";
	char flags[160] = "";
	for (unsigned i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
		if (s.flags & (1u << i)) {
			size_t n = strlen(flags);
			snprintf(flags + n, sizeof(flags) - n, "%s%s", n ? " " : "", flag_names[i]);
		}
	char cur[19], rep[19];
	snprintf(cur, sizeof(cur), "0x%016llx", (unsigned long long)s.current_tcb);
	snprintf(rep, sizeof(rep), "0x%016llx", (unsigned long long)s.reported_tcb);
	if (fmt == SS_OUT_JSON) {
		ss_json j;
		ss_json_init(&j, stdout);
		ss_json_begin_object(&j);
		ss_json_kv_u64(&j, "api_major", s.api_major);
		ss_json_kv_u64(&j, "api_minor", s.api_minor);
		ss_json_kv_u64(&j, "build_id", s.build_id);
		ss_json_kv_string(&j, "state", state);
		ss_json_kv_bool(&j, "rmp_initialized", s.is_rmp_init & 1);
		ss_json_kv_u64(&j, "flags", s.flags);
		ss_json_kv_string(&j, "flag_names", flags);
		ss_json_kv_u64(&j, "guest_count", s.guest_count);
		ss_json_kv_string(&j, "current_tcb", cur);
		ss_json_kv_string(&j, "reported_tcb", rep);
		ss_json_end_object(&j);
		ss_json_finish(&j);
	} else {
		printf("api: %u.%u (build %u)\nstate: %s\nrmp_initialized: %s\nflags: %s\n"
		       "guests: %u\ncurrent_tcb: %s\nreported_tcb: %s\n",
		       s.api_major, s.api_minor, s.build_id, state,
		       s.is_rmp_init & 1 ? "yes" : "no", flags[0] ? flags : "none", s.guest_count,
		       cur, rep);
	}
	return SS_EXIT_OK;
}

static int snp_vlek_load(const char *sock, const char *file)
{
	ss_error err = {0};
	uint8_t *blob = NULL;
	size_t len = 0;
	if (ss_read_file(file, 64 * 1024, &blob, &len, &err))
		return ss_cli_report(&err);
	if (len != SS_SNP_VLEK_WRAPPED_LEN) {
		free(blob);
		return ss_cli_error(SS_EXIT_USAGE, "%s: a wrapped VLEK is %u bytes, not %zu", file,
				    SS_SNP_VLEK_WRAPPED_LEN, len);
	}
	struct ss_snp_data_vlek_load d = {.len = sizeof(d), .vlek_wrapped_paddr = 0};
	struct reply r;
	int rc = call(sock, SS_CMD_SNP_VLEK_LOAD, &d, sizeof(d), blob, (uint32_t)len, &r);
	free(r.data);
	free(blob);
	if (rc && r.status == SS_SEV_BAD_SIGNATURE)
		return SS_EXIT_BADSIG;
	return rc;
}

struct snp_opts {
	const char *reported_tcb;
	bool mask_chip_id, mask_chip_key, rapl_dis;
};

/* The snp-* client subcommands; -1 if sub is not one of them. */
static int snp_client(const char *sub, const char *sock, const struct snp_opts *o, ss_output fmt,
		      int argc, char **argv)
{
	bool is_vlek = !strcmp(sub, "snp-vlek-load");
	if (strncmp(sub, "snp-", 4))
		return -1;
	if (is_vlek ? optind != argc - 1 : optind != argc)
		return ss_cli_error(SS_EXIT_USAGE, "%s: %s", sub,
				    is_vlek ? "needs one FILE" : "unexpected argument");
	if (!sock)
		return ss_cli_error(SS_EXIT_USAGE, "--socket PATH is required");
	if (is_vlek)
		return snp_vlek_load(sock, argv[optind]);
	if (!strcmp(sub, "snp-status"))
		return snp_status(sock, fmt);
	if (!strcmp(sub, "snp-init")) {
		/* What Linux issues: SNP_INIT_EX with INIT_RMP. */
		struct ss_snp_data_init_ex d = {
		    .flags = SS_SNP_INIT_EX_INIT_RMP | (o->rapl_dis ? SS_SNP_INIT_EX_RAPL_DIS : 0)};
		return snp_simple(sock, SS_CMD_SNP_INIT_EX, &d, sizeof(d));
	}
	if (!strcmp(sub, "snp-shutdown")) {
		struct ss_snp_data_shutdown_ex d = {.len = sizeof(d),
						    .flags = SS_SNP_SHUTDOWN_EX_IOMMU};
		return snp_simple(sock, SS_CMD_SNP_SHUTDOWN_EX, &d, sizeof(d));
	}
	if (!strcmp(sub, "snp-commit")) {
		struct ss_snp_data_commit d = {.len = sizeof(d)};
		return snp_simple(sock, SS_CMD_SNP_COMMIT, &d, sizeof(d));
	}
	if (!strcmp(sub, "snp-config")) {
		unsigned long long tcb;
		if (!o->reported_tcb || !ss_cli_parse_u64(o->reported_tcb, &tcb))
			return ss_cli_error(SS_EXIT_USAGE,
					    "snp-config needs --reported-tcb TCB (a u64, e.g. "
					    "0x7308000000000003)");
		struct ss_snp_data_config d = {
		    .reported_tcb = tcb,
		    .flags = (o->mask_chip_id ? SS_SNP_CONFIG_MASK_CHIP_ID : 0) |
			     (o->mask_chip_key ? SS_SNP_CONFIG_MASK_CHIP_KEY : 0)};
		return snp_simple(sock, SS_CMD_SNP_CONFIG, &d, sizeof(d));
	}
	return ss_cli_error(SS_EXIT_USAGE, "unknown psp subcommand '%s'", sub);
}

int ss_cmd_psp(int argc, char **argv)
{
	static const struct option opts[] = {{"socket", required_argument, NULL, 's'},
					     {"state", required_argument, NULL, 'S'},
					     {"out", required_argument, NULL, 'O'},
					     {"pdh", required_argument, NULL, 'p'},
					     {"chain", required_argument, NULL, 'c'},
					     {"es", no_argument, NULL, 'e'},
					     {"output", required_argument, NULL, 'o'},
					     {"ark-bits", required_argument, NULL, 'b'},
					     {"product", required_argument, NULL, 'P'},
					     {"tcb", required_argument, NULL, 'T'},
					     {"reported-tcb", required_argument, NULL, 'R'},
					     {"mask-chip-id", no_argument, NULL, 'I'},
					     {"mask-chip-key", no_argument, NULL, 'K'},
					     {"rapl-dis", no_argument, NULL, 'D'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
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
	const char *product = NULL;
	uint64_t tcb = 0;
	struct snp_opts so = {0};
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
		case 'P': product = optarg; break;
		case 'T':
			if (!ss_cli_parse_u64(optarg, &v) || !v)
				return ss_cli_error(
				    SS_EXIT_USAGE,
				    "--tcb takes a non-zero u64 (0x7308000000000003)");
			tcb = v;
			break;
		case 'R': so.reported_tcb = optarg; break;
		case 'I': so.mask_chip_id = true; break;
		case 'K': so.mask_chip_key = true; break;
		case 'D': so.rapl_dis = true; break;
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
	int src = snp_client(sub, sock, &so, fmt, argc, argv);
	if (src >= 0)
		return src;
	if (optind != argc)
		return ss_cli_error(SS_EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	if (!sock)
		return ss_cli_error(SS_EXIT_USAGE, "--socket PATH is required");
	if (!strcmp(sub, "serve"))
		return cmd_serve(sock, state, ark_bits, product, tcb);

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
