/* softsev psp — a local stand-in for AMD's Key Distribution Service, serving the emulated part's
 * certificates under AMD's URL scheme (attestation.md §9), so attestation clients can be pointed
 * at it in CI:
 *
 *   GET /vcek/v1/<Product>/<hwid-hex>?blSPL=&teeSPL=&snpSPL=&ucodeSPL=[&fmcSPL= (Turin only)]
 *                                          DER VCEK certificate for that TCB
 *   GET /vcek/v1/<Product>/cert_chain      PEM: ASK then ARK
 *   GET /vlek/v1/<Product>/cert_chain      PEM: ASVK then ARK
 *   GET /vcek/v1/<Product>/crl             DER CRL signed by the ARK (also /vlek/v1/.../crl)
 *   GET /vlek/v1/<Product>/cert?blSPL=...  DER VLEK certificate of the emulated world's one cloud
 *                                          provider (AMD's needs CSP credentials; this one does
 * not)
 *
 * Requests are validated before anything is issued (a trust boundary; fuzzed by fuzz_kds):
 *   - <Product> is "Milan", "Genoa" or "Turin" as AMD spells them; another product than the
 *     emulated part's gives 404 naming the one served;
 *   - <hwid-hex> must be exactly 128 hex digits (16 on Turin) — else 400; a well-formed hwID that
 *     is not the emulated chip's gives 404;
 *   - blSPL, teeSPL, snpSPL, ucodeSPL (and fmcSPL on Turin) are each required once, decimal
 *     digits only (at most 3), 0..127 (ucodeSPL 0..255) — else 400 naming the parameter;
 *     fmcSPL on Milan/Genoa is 400; other parameters are ignored;
 *   - methods other than GET and HEAD give 405; any other path 404.
 * Error bodies are one line of text/plain saying what was wrong.
 */
#ifndef SOFTSEV_KDS_H
#define SOFTSEV_KDS_H

#include <softsev/error.h>
#include <softsev/snp_certs.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum ss_kds_kind {
	SS_KDS_VCEK,  /* a VCEK certificate */
	SS_KDS_VLEK,  /* a VLEK certificate */
	SS_KDS_CHAIN, /* cert_chain (vcek or vlek) */
	SS_KDS_CRL,   /* crl (vcek or vlek) */
} ss_kds_kind;

typedef struct ss_kds_request {
	ss_kds_kind kind;
	bool vlek_tree; /* the URL is under /vlek/ */
	ss_snp_product product;
	uint8_t hwid[SS_SNP_CHIP_ID_LEN];
	size_t hwid_len;
	uint8_t tcb[SS_SNP_TCB_LEN]; /* raw TCB_VERSION in the product's layout (VCEK, VLEK) */
} ss_kds_request;

/* One query parameter as the HTTP layer decoded it; value is NULL for "?name" without '='. */
typedef struct ss_kds_arg {
	const char *name, *value;
} ss_kds_arg;

/* Parses and validates a request for the part of product `served`. Returns the HTTP status: 200
 * (out filled), 400, 404 or 405, with a one-line reason in msg (never NULL-terminated beyond
 * msg_len). Pure: no I/O, no keys. */
unsigned ss_kds_parse(ss_snp_product served, const char *method, const char *path,
		      const ss_kds_arg *args, size_t nargs, ss_kds_request *out, char *msg,
		      size_t msg_len);

/* A response: status, Content-Type and a malloc'd body. */
typedef struct ss_kds_response {
	unsigned status;
	const char *content_type;
	uint8_t *body;
	size_t len;
} ss_kds_response;

/* Serves one request from the identity (hwID checked against its CHIP_ID). crl_der/crl_len: the
 * CRL to serve (made once by the caller, so repeated fetches give the same bytes). Always fills
 * *resp (500 with a reason on an internal failure); free with ss_kds_response_free. */
void ss_kds_handle(const ss_snp_identity *id, const uint8_t *crl_der, size_t crl_len,
		   const char *method, const char *path, const ss_kds_arg *args, size_t nargs,
		   ss_kds_response *resp);
void ss_kds_response_free(ss_kds_response *resp);

/* The HTTP server (libmicrohttpd, one internal thread). */
typedef struct ss_kds_server ss_kds_server;

/* Listens on listen ("127.0.0.1:PORT", "[::1]:PORT" or "localhost:PORT"; numeric addresses
 * only otherwise; PORT 0 picks a free port). Addresses other than loopback are refused with
 * SS_EPOLICY unless allow_remote. id must outlive the server. */
int ss_kds_server_start(const ss_snp_identity *id, const char *listen, bool allow_remote,
			ss_kds_server **out, ss_error *err);
/* The port actually bound. */
uint16_t ss_kds_server_port(const ss_kds_server *s);
/* Requests completed so far (responses sent). */
unsigned long ss_kds_server_completed(const ss_kds_server *s);
/* Stops listening, closes connections, frees s. */
void ss_kds_server_stop(ss_kds_server *s);

#endif
