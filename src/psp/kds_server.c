/* The local KDS: request validation, responses from the emulated part's identity, and the HTTP
 * server on libmicrohttpd. URL scheme and the validation rules are in include/softsev/kds.h. */
#include <softsev/kds.h>

#include <arpa/inet.h>
#include <dlfcn.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* ---- request validation ---- */

static unsigned reject(unsigned status, char *msg, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static unsigned reject(unsigned status, char *msg, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (msg && n)
		vsnprintf(msg, n, fmt, ap);
	va_end(ap);
	return status;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The TCB parameters KDS takes (attestation.md §9; ranges firmware-abi.md §6). */
enum { P_FMC, P_BL, P_TEE, P_SNP, P_UCODE, P_COUNT };
static const struct {
	const char *name;
	unsigned max;
} spl_params[P_COUNT] = {
    [P_FMC] = {"fmcSPL", 127}, [P_BL] = {"blSPL", 127},	      [P_TEE] = {"teeSPL", 127},
    [P_SNP] = {"snpSPL", 127}, [P_UCODE] = {"ucodeSPL", 255},
};

static unsigned parse_tcb(ss_snp_product p, const ss_kds_arg *args, size_t nargs,
			  uint8_t tcb[SS_SNP_TCB_LEN], char *msg, size_t n)
{
	unsigned v[P_COUNT] = {0};
	bool seen[P_COUNT] = {false};
	for (size_t i = 0; i < nargs; i++) {
		int k = -1;
		for (int j = 0; j < P_COUNT; j++)
			if (args[i].name && !strcmp(args[i].name, spl_params[j].name))
				k = j;
		if (k < 0)
			continue; /* AMD's KDS ignores parameters it does not know */
		if (k == P_FMC && p != SS_SNP_TURIN)
			return reject(400, msg, n, "fmcSPL is only defined for Turin, not %s",
				      ss_snp_product_name(p));
		if (seen[k])
			return reject(400, msg, n, "%s is given more than once",
				      spl_params[k].name);
		seen[k] = true;
		const char *s = args[i].value;
		size_t len = s ? strlen(s) : 0;
		if (len == 0 || len > 3 || strspn(s, "0123456789") != len)
			return reject(400, msg, n, "%s must be a decimal number, not '%.16s'",
				      spl_params[k].name, s ? s : "");
		v[k] = (unsigned)strtoul(s, NULL, 10);
		if (v[k] > spl_params[k].max)
			return reject(400, msg, n, "%s=%u is out of range 0..%u",
				      spl_params[k].name, v[k], spl_params[k].max);
	}
	for (int j = 0; j < P_COUNT; j++)
		if (!seen[j] && (j != P_FMC || p == SS_SNP_TURIN))
			return reject(400, msg, n, "missing query parameter %s",
				      spl_params[j].name);
	ss_snp_tcb t = {.fmc = (uint8_t)v[P_FMC],
			.bl = (uint8_t)v[P_BL],
			.tee = (uint8_t)v[P_TEE],
			.snp = (uint8_t)v[P_SNP],
			.ucode = (uint8_t)v[P_UCODE]};
	if (ss_snp_tcb_encode(p, &t, tcb, NULL))
		return reject(400, msg, n, "TCB does not fit the %s layout",
			      ss_snp_product_name(p));
	return 200;
}

unsigned ss_kds_parse(ss_snp_product served, const char *method, const char *path,
		      const ss_kds_arg *args, size_t nargs, ss_kds_request *out, char *msg,
		      size_t msg_len)
{
	memset(out, 0, sizeof(*out));
	if (!method || (strcmp(method, "GET") && strcmp(method, "HEAD")))
		return reject(405, msg, msg_len, "only GET and HEAD are served");
	if (!path)
		return reject(404, msg, msg_len, "no path");
	const char *rest;
	if (!strncmp(path, "/vcek/v1/", 9))
		out->vlek_tree = false;
	else if (!strncmp(path, "/vlek/v1/", 9))
		out->vlek_tree = true;
	else
		return reject(404, msg, msg_len,
			      "not a KDS path: expected /vcek/v1/<Product>/... or /vlek/v1/...");
	rest = path + 9;
	const char *slash = strchr(rest, '/');
	if (!slash)
		return reject(404, msg, msg_len, "missing resource after the product");
	size_t plen = (size_t)(slash - rest);
	char product[16];
	if (plen == 0 || plen >= sizeof(product))
		return reject(404, msg, msg_len, "unknown product");
	memcpy(product, rest, plen);
	product[plen] = 0;
	ss_snp_product p;
	/* AMD spells products with a capital; ss_snp_product_parse ignores case, so check back. */
	if (!ss_snp_product_parse(product, &p) || strcmp(product, ss_snp_product_name(p)))
		return reject(404, msg, msg_len, "unknown product '%s' (Milan, Genoa or Turin)",
			      product);
	if (p != served)
		return reject(404, msg, msg_len,
			      "this KDS serves the emulated %s part only, not %s",
			      ss_snp_product_name(served), product);
	out->product = p;
	const char *res = slash + 1;
	if (strchr(res, '/'))
		return reject(404, msg, msg_len, "no such resource");
	if (!strcmp(res, "cert_chain")) {
		out->kind = SS_KDS_CHAIN;
		return 200;
	}
	if (!strcmp(res, "crl")) {
		out->kind = SS_KDS_CRL;
		return 200;
	}
	if (out->vlek_tree) {
		if (strcmp(res, "cert"))
			return reject(404, msg, msg_len, "no such VLEK resource '%.32s'", res);
		out->kind = SS_KDS_VLEK;
		return parse_tcb(p, args, nargs, out->tcb, msg, msg_len);
	}
	/* /vcek/v1/<Product>/<hwid> */
	size_t want = ss_snp_hwid_len(p), len = strlen(res);
	if (len != 2 * want)
		return reject(400, msg, msg_len, "hwID must be %zu hex digits for %s, not %zu",
			      2 * want, ss_snp_product_name(p), len);
	for (size_t i = 0; i < want; i++) {
		int hi = hexval(res[2 * i]), lo = hexval(res[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return reject(400, msg, msg_len, "hwID: '%c' at %zu is not a hex digit",
				      hi < 0 ? res[2 * i] : res[2 * i + 1],
				      hi < 0 ? 2 * i : 2 * i + 1);
		out->hwid[i] = (uint8_t)(hi << 4 | lo);
	}
	out->hwid_len = want;
	out->kind = SS_KDS_VCEK;
	return parse_tcb(p, args, nargs, out->tcb, msg, msg_len);
}

/* ---- responses ---- */

static void text_response(ss_kds_response *r, unsigned status, const char *text)
{
	size_t n = strlen(text);
	r->status = status;
	r->content_type = "text/plain; charset=utf-8";
	r->body = malloc(n + 1);
	r->len = 0;
	if (r->body) {
		memcpy(r->body, text, n);
		r->body[n] = '\n';
		r->len = n + 1;
	}
}

void ss_kds_handle(const ss_snp_identity *id, const uint8_t *crl_der, size_t crl_len,
		   const char *method, const char *path, const ss_kds_arg *args, size_t nargs,
		   ss_kds_response *resp)
{
	memset(resp, 0, sizeof(*resp));
	char msg[256];
	ss_kds_request req;
	unsigned status =
	    ss_kds_parse(id->product, method, path, args, nargs, &req, msg, sizeof(msg));
	if (status != 200) {
		text_response(resp, status, msg);
		return;
	}
	ss_error err = {0};
	int rc = 0;
	switch (req.kind) {
	case SS_KDS_CHAIN: {
		char *pem = ss_snp_ca_chain_pem(id->ca, req.vlek_tree);
		if (!pem) {
			text_response(resp, 500, "cannot encode the certificate chain");
			return;
		}
		resp->status = 200;
		resp->content_type = "application/x-pem-file";
		resp->body = (uint8_t *)pem;
		resp->len = strlen(pem);
		return;
	}
	case SS_KDS_CRL:
		resp->body = malloc(crl_len ? crl_len : 1);
		if (!resp->body || !crl_der) {
			free(resp->body);
			resp->body = NULL;
			text_response(resp, 500, "no CRL");
			return;
		}
		memcpy(resp->body, crl_der, crl_len);
		resp->len = crl_len;
		resp->status = 200;
		resp->content_type = "application/pkix-crl";
		return;
	case SS_KDS_VCEK:
		if (memcmp(req.hwid, id->chip_id, req.hwid_len)) {
			char hex[2 * SS_SNP_CHIP_ID_LEN + 1];
			for (size_t i = 0; i < req.hwid_len; i++)
				snprintf(hex + 2 * i, 3, "%02x", id->chip_id[i]);
			snprintf(msg, sizeof(msg),
				 "unknown hwID: this KDS knows one chip, %.32s...", hex);
			text_response(resp, 404, msg);
			return;
		}
		rc = ss_snp_identity_vcek_cert(id, req.tcb, 0, &resp->body, &resp->len, &err);
		break;
	case SS_KDS_VLEK: {
		ss_eckey *vlek = NULL;
		rc = ss_snp_vlek_derive(id->vlek_seed, sizeof(id->vlek_seed), req.tcb, &vlek, &err);
		if (!rc)
			rc = ss_snp_issue_vlek(id->ca, vlek, req.tcb, SS_SNP_DEFAULT_CSP_ID, 0,
					       &resp->body, &resp->len, &err);
		ss_eckey_free(vlek);
		break;
	}
	}
	if (rc) {
		free(resp->body);
		resp->body = NULL;
		text_response(resp, rc == SS_EINVAL ? 400 : 500, err.msg);
		return;
	}
	resp->status = 200;
	resp->content_type = "application/pkix-cert";
}

void ss_kds_response_free(ss_kds_response *resp)
{
	free(resp->body);
	resp->body = NULL;
	resp->len = 0;
}

/* ---- libmicrohttpd, loaded when a server starts ----
 * Linking it would load GnuTLS and its dependencies into every process that uses libsoftsev
 * (about 1.5 ms of start-up for each `softsev measure`), so it is opened only here. */

static struct {
	__typeof__(MHD_start_daemon) *start_daemon;
	__typeof__(MHD_stop_daemon) *stop_daemon;
	__typeof__(MHD_get_daemon_info) *get_daemon_info;
	__typeof__(MHD_get_connection_values) *get_connection_values;
	__typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
	__typeof__(MHD_add_response_header) *add_response_header;
	__typeof__(MHD_queue_response) *queue_response;
	__typeof__(MHD_destroy_response) *destroy_response;
} mhd;

#define MHD_SONAME "libmicrohttpd.so.12"

static int mhd_load(ss_error *err)
{
	static void *lib;
	if (lib)
		return 0;
	void *h = dlopen(MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return ss_fail(
		    err, SS_EUNSUPPORTED,
		    "the KDS server needs libmicrohttpd (Debian package libmicrohttpd12): %s",
		    dlerror());
#define MHD_SYM(field, name)                                                                       \
	if (!(*(void **)&mhd.field = dlsym(h, #name))) {                                           \
		dlclose(h);                                                                        \
		return ss_fail(err, SS_EUNSUPPORTED, MHD_SONAME " has no symbol " #name);          \
	}
	MHD_SYM(start_daemon, MHD_start_daemon)
	MHD_SYM(stop_daemon, MHD_stop_daemon)
	MHD_SYM(get_daemon_info, MHD_get_daemon_info)
	MHD_SYM(get_connection_values, MHD_get_connection_values)
	MHD_SYM(create_response_from_buffer, MHD_create_response_from_buffer)
	MHD_SYM(add_response_header, MHD_add_response_header)
	MHD_SYM(queue_response, MHD_queue_response)
	MHD_SYM(destroy_response, MHD_destroy_response)
#undef MHD_SYM
	lib = h;
	return 0;
}

/* ---- HTTP server ---- */

#define MAX_ARGS 32

struct ss_kds_server {
	struct MHD_Daemon *daemon;
	const ss_snp_identity *id;
	uint8_t *crl;
	size_t crl_len;
	uint16_t port;
	atomic_ulong completed;
};

struct arg_list {
	ss_kds_arg args[MAX_ARGS];
	size_t n;
	bool overflow;
};

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	struct arg_list *l = cls;
	if (l->n == MAX_ARGS) {
		l->overflow = true;
		return MHD_NO;
	}
	l->args[l->n].name = key;
	l->args[l->n].value = value;
	l->n++;
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	static int started;
	ss_kds_server *s = cls;
	if (!*con_cls) { /* headers only so far; answer when the request is complete */
		*con_cls = &started;
		return MHD_YES;
	}
	if (*upload_size) { /* a body is never expected; drop it */
		*upload_size = 0;
		return MHD_YES;
	}
	struct arg_list l = {.n = 0};
	mhd.get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, &l);
	ss_kds_response resp;
	if (l.overflow) {
		memset(&resp, 0, sizeof(resp));
		text_response(&resp, 400, "too many query parameters");
	} else {
		ss_kds_handle(s->id, s->crl, s->crl_len, method, url, l.args, l.n, &resp);
	}
	struct MHD_Response *r =
	    mhd.create_response_from_buffer(resp.len, resp.body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		ss_kds_response_free(&resp);
		return MHD_NO;
	}
	mhd.add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp.content_type);
	enum MHD_Result ret = mhd.queue_response(c, resp.status, r);
	mhd.destroy_response(r);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	ss_kds_server *s = cls;
	if (*con_cls)
		atomic_fetch_add(&s->completed, 1);
	*con_cls = NULL;
}

/* "host:port" with host 127.0.0.1-style, [v6] or localhost. */
static int parse_listen(const char *listen, struct sockaddr_storage *ss, bool *loopback,
			ss_error *err)
{
	char host[64];
	const char *colon = listen ? strrchr(listen, ':') : NULL;
	if (!colon || colon == listen || (size_t)(colon - listen) >= sizeof(host))
		return ss_fail(err, SS_EINVAL, "--listen takes HOST:PORT, not '%s'",
			       listen ? listen : "");
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = 0;
	char *end;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || port > 65535)
		return ss_fail(err, SS_EINVAL, "--listen: bad port '%s'", colon + 1);
	memset(ss, 0, sizeof(*ss));
	size_t hl = strlen(host);
	if (!strcmp(host, "localhost"))
		strcpy(host, "127.0.0.1");
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
		host[hl - 1] = 0;
		if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1)
			return ss_fail(err, SS_EINVAL, "--listen: '%s' is not an IPv6 address",
				       host + 1);
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*loopback = IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr);
		return 0;
	}
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
		return ss_fail(err, SS_EINVAL,
			       "--listen: '%s' is not a numeric IPv4 address, [IPv6] or localhost",
			       host);
	a4->sin_family = AF_INET;
	a4->sin_port = htons((uint16_t)port);
	*loopback = (ntohl(a4->sin_addr.s_addr) >> 24) == 127;
	return 0;
}

int ss_kds_server_start(const ss_snp_identity *id, const char *listen, bool allow_remote,
			ss_kds_server **out, ss_error *err)
{
	struct sockaddr_storage sa;
	bool loopback = false;
	int rc = parse_listen(listen, &sa, &loopback, err);
	if (rc)
		return rc;
	if ((rc = mhd_load(err)))
		return rc;
	if (!loopback && !allow_remote)
		return ss_fail(
		    err, SS_EPOLICY,
		    "refusing to listen on %s: not a loopback address (say so explicitly "
		    "to serve other hosts)",
		    listen);
	ss_kds_server *s = calloc(1, sizeof(*s));
	if (!s)
		return ss_fail(err, SS_ENOMEM, "out of memory");
	s->id = id;
	atomic_init(&s->completed, 0);
	rc = ss_snp_ca_crl(id->ca, 0, 1, &s->crl, &s->crl_len, err);
	if (rc) {
		free(s);
		return rc;
	}
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	uint16_t port = sa.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&sa)->sin6_port)
						 : ntohs(((struct sockaddr_in *)&sa)->sin_port);
	if (sa.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->daemon = mhd.start_daemon(flags, port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
				     (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED,
				     on_completed, s, MHD_OPTION_CONNECTION_LIMIT, 64u,
				     MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
	if (!s->daemon) {
		free(s->crl);
		free(s);
		return ss_fail(err, SS_EIO, "cannot listen on %s (address in use or not local?)",
			       listen);
	}
	const union MHD_DaemonInfo *info =
	    mhd.get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : port;
	*out = s;
	return 0;
}

uint16_t ss_kds_server_port(const ss_kds_server *s)
{
	return s->port;
}

unsigned long ss_kds_server_completed(const ss_kds_server *s)
{
	return atomic_load(&((ss_kds_server *)s)->completed);
}

void ss_kds_server_stop(ss_kds_server *s)
{
	if (!s)
		return;
	mhd.stop_daemon(s->daemon);
	free(s->crl);
	free(s);
}
