/* softsev kds end to end: the real binary serves an emulated Turin part on 127.0.0.1 at a free
 * port, curl fetches VCEK, chains, CRL and VLEK and provokes the error cases, and OpenSSL's own
 * X509 verification checks what came back. The server stops by itself (--max-requests, with
 * --timeout as a bound); the test kills it only if it did not. Also the request parser directly,
 * and `kds vcek` / `kds info` offline. */
#include "harness.h"

#include <softsev/kds.h>

#include <errno.h>
#include <fcntl.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/bytes.h"
#include "util/file.h"

static char dir[256], state[300];
static char hwid[17]; /* Turin: 8 bytes */
static const char *bin;

static int run(const char *cmd)
{
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

__attribute__((noinline)) static uint8_t *slurp(const char *path, size_t *len)
{
	uint8_t *d = NULL;
	if (ss_read_file(path, 1 << 20, &d, len, NULL))
		return NULL;
	return d;
}

/* ---- the request parser, without a server ---- */

TEST(parser_accepts_amd_urls_and_rejects_the_rest)
{
	ss_kds_request r;
	char msg[256];
	char path[200];
	const char *h64 = "d49554ec717f4e5b0fe6b143bcf0405bd7ae304727edf46603f2a76aef6a3abc"
			  "15d7af38db757039029f0efacfd08e244324884738c72b082e2f87a44d541eb6";
	ss_kds_arg milan[] = {
	    {"blSPL", "3"}, {"teeSPL", "0"}, {"snpSPL", "8"}, {"ucodeSPL", "115"}};
	snprintf(path, sizeof(path), "/vcek/v1/Milan/%s", h64);
	CHECK(ss_kds_parse(SS_SNP_MILAN, "GET", path, milan, 4, &r, msg, sizeof(msg)) == 200);
	CHECK(r.kind == SS_KDS_VCEK && r.hwid_len == 64 && r.hwid[0] == 0xd4);
	CHECK(ss_snp_tcb_u64(r.tcb) == 0x7308000000000003ull); /* case 02's REPORTED_TCB */
	/* the oak-recorded Turin request, parameters in its order (attestation.md §9) */
	ss_kds_arg turin[] = {
	    {"ucodeSPL", "71"}, {"snpSPL", "2"}, {"teeSPL", "0"}, {"blSPL", "1"}, {"fmcSPL", "0"}};
	CHECK(ss_kds_parse(SS_SNP_TURIN, "GET", "/vcek/v1/Turin/3b42092f69c656d3", turin, 5, &r,
			   msg, sizeof(msg)) == 200);
	CHECK(ss_snp_tcb_u64(r.tcb) == 0x4700000002000100ull); /* case 10's REPORTED_TCB */
	CHECK(r.hwid_len == 8);
	/* Turin without fmcSPL; Milan with it */
	CHECK(ss_kds_parse(SS_SNP_TURIN, "GET", "/vcek/v1/Turin/3b42092f69c656d3", turin, 4, &r,
			   msg, sizeof(msg)) == 400);
	CHECK_CONTAINS(msg, "fmcSPL");
	ss_kds_arg milan_fmc[] = {
	    {"blSPL", "3"}, {"teeSPL", "0"}, {"snpSPL", "8"}, {"ucodeSPL", "115"}, {"fmcSPL", "0"}};
	CHECK(ss_kds_parse(SS_SNP_MILAN, "GET", path, milan_fmc, 5, &r, msg, sizeof(msg)) == 400);
	/* values */
	const char *bad[] = {"128", "-1", "", "1a", "0x1", "0001", " 1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ss_kds_arg a[] = {
		    {"blSPL", bad[i]}, {"teeSPL", "0"}, {"snpSPL", "8"}, {"ucodeSPL", "1"}};
		CHECK(ss_kds_parse(SS_SNP_MILAN, "GET", path, a, 4, &r, msg, sizeof(msg)) == 400);
		CHECK_CONTAINS(msg, "blSPL");
	}
	ss_kds_arg u256[] = {{"blSPL", "0"}, {"teeSPL", "0"}, {"snpSPL", "0"}, {"ucodeSPL", "256"}};
	CHECK(ss_kds_parse(SS_SNP_MILAN, "GET", path, u256, 4, &r, msg, sizeof(msg)) == 400);
	ss_kds_arg u255[] = {{"blSPL", "0"}, {"teeSPL", "0"}, {"snpSPL", "0"}, {"ucodeSPL", "255"}};
	CHECK(ss_kds_parse(SS_SNP_MILAN, "GET", path, u255, 4, &r, msg, sizeof(msg)) == 200);
	ss_kds_arg dup[] = {{"blSPL", "0"}, {"blSPL", "0"}, {"snpSPL", "0"}, {"ucodeSPL", "1"}};
	CHECK(ss_kds_parse(SS_SNP_MILAN, "GET", path, dup, 4, &r, msg, sizeof(msg)) == 400);
	ss_kds_arg noval[] = {{"blSPL", NULL}, {"teeSPL", "0"}, {"snpSPL", "0"}, {"ucodeSPL", "1"}};
	CHECK(ss_kds_parse(SS_SNP_MILAN, "GET", path, noval, 4, &r, msg, sizeof(msg)) == 400);
	CHECK(ss_kds_parse(SS_SNP_MILAN, "GET", path, milan, 3, &r, msg, sizeof(msg)) == 400);
	CHECK_CONTAINS(msg, "ucodeSPL");
	/* paths */
	CHECK(ss_kds_parse(SS_SNP_MILAN, "GET", "/vcek/v1/Milan/abcd", milan, 4, &r, msg,
			   sizeof(msg)) == 400);
	CHECK(ss_kds_parse(SS_SNP_MILAN, "GET", "/vcek/v1/Genoa/cert_chain", NULL, 0, &r, msg,
			   sizeof(msg)) == 404);
	CHECK_CONTAINS(msg, "Milan");
	CHECK(ss_kds_parse(SS_SNP_MILAN, "GET", "/vcek/v1/milan/cert_chain", NULL, 0, &r, msg,
			   sizeof(msg)) == 404);
	CHECK(ss_kds_parse(SS_SNP_MILAN, "GET", "/vcek/v1/Milan/cert_chain", NULL, 0, &r, msg,
			   sizeof(msg)) == 200 &&
	      r.kind == SS_KDS_CHAIN && !r.vlek_tree);
	CHECK(ss_kds_parse(SS_SNP_MILAN, "HEAD", "/vlek/v1/Milan/crl", NULL, 0, &r, msg,
			   sizeof(msg)) == 200 &&
	      r.kind == SS_KDS_CRL && r.vlek_tree);
	CHECK(ss_kds_parse(SS_SNP_MILAN, "POST", "/vlek/v1/Milan/crl", NULL, 0, &r, msg,
			   sizeof(msg)) == 405);
	CHECK(ss_kds_parse(SS_SNP_MILAN, "GET", "/vcek/v1/Milan/crl/x", NULL, 0, &r, msg,
			   sizeof(msg)) == 404);
	CHECK(ss_kds_parse(SS_SNP_MILAN, "GET", "/", NULL, 0, &r, msg, sizeof(msg)) == 404);
	CHECK(ss_kds_parse(SS_SNP_MILAN, "GET", "/vcek/v1/", NULL, 0, &r, msg, sizeof(msg)) == 404);
	snprintf(path, sizeof(path), "/vcek/v1/Milan/%.127sg", h64);
	CHECK(ss_kds_parse(SS_SNP_MILAN, "GET", path, milan, 4, &r, msg, sizeof(msg)) == 400);
	CHECK_CONTAINS(msg, "hex");
}

/* ---- the command, offline ---- */

TEST(state_created_and_described)
{
	bin = getenv("SOFTSEV_BIN");
	REQUIRE(bin);
	snprintf(dir, sizeof(dir), "/tmp/softsev-test-kds-XXXXXX");
	REQUIRE(mkdtemp(dir));
	snprintf(state, sizeof(state), "%s/state", dir);
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "%s kds info --state %s --product turin -o json > %s/info.json",
		 bin, state, dir);
	REQUIRE(run(cmd) == 0);
	char p[512];
	snprintf(p, sizeof(p), "%s/info.json", dir);
	size_t len;
	char *j = (char *)slurp(p, &len);
	REQUIRE(j);
	CHECK_CONTAINS(j, "\"product\": \"Turin\"");
	const char *h = strstr(j, "\"hwid\": \"");
	REQUIRE(h);
	memcpy(hwid, h + 9, 16);
	CHECK(h[25] == '"'); /* exactly 8 bytes on Turin */
	free(j);
	/* the product of an existing part cannot change */
	snprintf(cmd, sizeof(cmd), "%s kds info --state %s --product milan 2>/dev/null", bin,
		 state);
	CHECK(run(cmd) == 1);
	/* only loopback unless asked */
	snprintf(cmd, sizeof(cmd), "%s kds serve --state %s --listen 0.0.0.0:0 2>%s/err", bin,
		 state, dir);
	CHECK(run(cmd) == 2);
	snprintf(p, sizeof(p), "%s/err", dir);
	char *e = (char *)slurp(p, &len);
	CHECK(e && strstr(e, "loopback"));
	free(e);
	snprintf(cmd, sizeof(cmd), "%s kds bogus --state %s 2>/dev/null", bin, state);
	CHECK(run(cmd) == 2);
}

/* ---- the server ---- */

static pid_t server;
static unsigned port;
static int requests; /* every curl call is one request the server must count */

static bool start_server(int max_requests)
{
	int fds[2];
	if (pipe(fds))
		return false;
	char maxr[16];
	snprintf(maxr, sizeof(maxr), "%d", max_requests);
	server = fork();
	if (server == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execl(bin, bin, "kds", "serve", "--state", state, "--listen", "127.0.0.1:0",
		      "--max-requests", maxr, "--timeout", "60", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	FILE *f = fdopen(fds[0], "r");
	char line[512] = {0};
	bool ok = f && fgets(line, sizeof(line), f);
	if (f)
		fclose(f);
	printf("# server: %s", line);
	return ok && sscanf(line, "listening on http://127.0.0.1:%u", &port) == 1 && port;
}

/* curl GET (or method) path into file; returns the HTTP status. */
static int curl(const char *method, const char *path, const char *out)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
		 "curl -s -g -X %s -o %s/%s -w '%%{http_code}' 'http://127.0.0.1:%u%s'", method,
		 dir, out, port, path);
	requests++;
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	int code = -1;
	if (fscanf(p, "%d", &code) != 1)
		code = -1;
	pclose(p);
	return code;
}

static X509 *load_der(const char *name)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	size_t len;
	uint8_t *d = slurp(p, &len);
	const unsigned char *q = d;
	X509 *x = d ? d2i_X509(NULL, &q, (long)len) : NULL;
	free(d);
	return x;
}

static STACK_OF(X509) * load_pem_chain(const char *name)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "r");
	if (!f)
		return NULL;
	STACK_OF(X509) *sk = sk_X509_new_null();
	X509 *x;
	while ((x = PEM_read_X509(f, NULL, NULL, NULL)))
		sk_X509_push(sk, x);
	fclose(f);
	return sk;
}

static bool openssl_chain_ok(X509 *leaf, STACK_OF(X509) * chain)
{
	if (!leaf || !chain || sk_X509_num(chain) != 2)
		return false;
	X509_STORE *store = X509_STORE_new();
	X509_STORE_add_cert(store, sk_X509_value(chain, 1)); /* the ARK, second */
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	sk_X509_push(untrusted, sk_X509_value(chain, 0));
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509_STORE_CTX_init(ctx, store, leaf, untrusted);
	int ok = X509_verify_cert(ctx);
	if (ok != 1)
		printf("# X509_verify_cert: %s\n",
		       X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	X509_STORE_free(store);
	return ok == 1;
}

static long int_ext(X509 *x, const char *oid)
{
	ASN1_OBJECT *o = OBJ_txt2obj(oid, 1);
	int i = X509_get_ext_by_OBJ(x, o, -1);
	ASN1_OBJECT_free(o);
	if (i < 0)
		return -1;
	ASN1_OCTET_STRING *os = X509_EXTENSION_get_data(X509_get_ext(x, i));
	const unsigned char *p = ASN1_STRING_get0_data(os);
	ASN1_INTEGER *v = d2i_ASN1_INTEGER(NULL, &p, ASN1_STRING_length(os));
	long r = v ? ASN1_INTEGER_get(v) : -2;
	ASN1_INTEGER_free(v);
	return r;
}

static const char *cn_of(const X509_NAME *n, char *buf, size_t len)
{
	buf[0] = 0;
	X509_NAME_get_text_by_NID((X509_NAME *)n, NID_commonName, buf, (int)len);
	return buf;
}

#define N_REQUESTS 15

TEST(server_serves_amd_urls_to_curl)
{
	REQUIRE(bin && hwid[0]);
	REQUIRE(run("curl --version >/dev/null 2>&1") == 0); /* a missing tool is a failure */
	REQUIRE(start_server(N_REQUESTS));
	char path[512];
	const char *tcb = "fmcSPL=0&blSPL=1&teeSPL=0&snpSPL=2&ucodeSPL=71";
	/* 1: VCEK */
	snprintf(path, sizeof(path), "/vcek/v1/Turin/%s?%s", hwid, tcb);
	CHECK(curl("GET", path, "vcek.der") == 200);
	/* 2-3: chains */
	CHECK(curl("GET", "/vcek/v1/Turin/cert_chain", "vcek_chain.pem") == 200);
	CHECK(curl("GET", "/vlek/v1/Turin/cert_chain", "vlek_chain.pem") == 200);
	/* 4: CRL */
	CHECK(curl("GET", "/vcek/v1/Turin/crl", "crl.der") == 200);
	/* 5: a VLEK of the emulated provider */
	snprintf(path, sizeof(path), "/vlek/v1/Turin/cert?%s", tcb);
	CHECK(curl("GET", path, "vlek.der") == 200);
	/* 6-14: errors */
	snprintf(path, sizeof(path), "/vcek/v1/Turin/%s?%s", "0000000000000001", tcb);
	CHECK(curl("GET", path, "e1") == 404); /* another chip */
	snprintf(path, sizeof(path), "/vcek/v1/Turin/%s00?%s", hwid, tcb);
	CHECK(curl("GET", path, "e2") == 400); /* 9-byte hwID */
	snprintf(path, sizeof(path),
		 "/vcek/v1/Turin/%s?fmcSPL=0&blSPL=128&teeSPL=0&snpSPL=2&ucodeSPL=71", hwid);
	CHECK(curl("GET", path, "e3") == 400);
	snprintf(path, sizeof(path),
		 "/vcek/v1/Turin/%s?fmcSPL=0&blSPL=1&teeSPL=0&snpSPL=2&ucodeSPL=256", hwid);
	CHECK(curl("GET", path, "e4") == 400);
	snprintf(path, sizeof(path), "/vcek/v1/Turin/%s?blSPL=1&teeSPL=0&snpSPL=2&ucodeSPL=71",
		 hwid);
	CHECK(curl("GET", path, "e5") == 400); /* Turin without fmcSPL */
	snprintf(path, sizeof(path),
		 "/vcek/v1/Turin/%s?fmcSPL=0&blSPL=x&teeSPL=0&snpSPL=2&ucodeSPL=71", hwid);
	CHECK(curl("GET", path, "e6") == 400);
	CHECK(curl("GET", "/vcek/v1/Milan/cert_chain", "e7") == 404); /* not this part */
	CHECK(curl("GET", "/nothing", "e8") == 404);
	CHECK(curl("POST", "/vcek/v1/Turin/crl", "e9") == 405);
	snprintf(path, sizeof(path),
		 "/vcek/v1/Turin/%s?fmcSPL=0&blSPL=1&teeSPL=0&snpSPL=2&ucodeSPL=71", hwid);
	/* 15: the same VCEK again (same key: deterministic) */
	CHECK(curl("GET", path, "vcek2.der") == 200);
	CHECK(requests == N_REQUESTS);

	/* the server stops by itself after N_REQUESTS */
	int st = -1;
	pid_t w = 0;
	for (int i = 0; i < 200 && w == 0; i++) {
		w = waitpid(server, &st, WNOHANG);
		if (w == 0)
			usleep(50 * 1000);
	}
	if (w == 0) {
		kill(server, SIGTERM);
		waitpid(server, &st, 0);
	}
	CHECK(w == server && WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* error bodies say why */
	char p[512];
	size_t len;
	snprintf(p, sizeof(p), "%s/e1", dir);
	char *body = (char *)slurp(p, &len);
	CHECK(body && strstr(body, "unknown hwID"));
	free(body);
	snprintf(p, sizeof(p), "%s/e3", dir);
	body = (char *)slurp(p, &len);
	CHECK(body && strstr(body, "blSPL=128"));
	free(body);

	/* VCEK: OpenSSL verifies it to the served ARK; extensions are the TCB and hwID asked for */
	X509 *vcek = load_der("vcek.der"), *vcek2 = load_der("vcek2.der");
	STACK_OF(X509) *chain = load_pem_chain("vcek_chain.pem");
	REQUIRE(vcek && vcek2 && chain);
	char cn[64];
	CHECK_STR(cn_of(X509_get_subject_name(sk_X509_value(chain, 0)), cn, sizeof(cn)),
		  "SEV-Turin");
	CHECK_STR(cn_of(X509_get_subject_name(sk_X509_value(chain, 1)), cn, sizeof(cn)),
		  "ARK-Turin");
	CHECK(openssl_chain_ok(vcek, chain));
	CHECK(int_ext(vcek, "1.3.6.1.4.1.3704.1.1") == 1); /* Turin structVersion */
	CHECK(int_ext(vcek, "1.3.6.1.4.1.3704.1.3.9") == 0);
	CHECK(int_ext(vcek, "1.3.6.1.4.1.3704.1.3.1") == 1);
	CHECK(int_ext(vcek, "1.3.6.1.4.1.3704.1.3.3") == 2);
	CHECK(int_ext(vcek, "1.3.6.1.4.1.3704.1.3.8") == 71);
	ASN1_OBJECT *o = OBJ_txt2obj("1.3.6.1.4.1.3704.1.4", 1);
	int idx = X509_get_ext_by_OBJ(vcek, o, -1);
	ASN1_OBJECT_free(o);
	REQUIRE(idx >= 0);
	ASN1_OCTET_STRING *hw = X509_EXTENSION_get_data(X509_get_ext(vcek, idx));
	uint8_t want[8];
	REQUIRE(ss_hex_decode_exact(want, 8, hwid));
	CHECK(ASN1_STRING_length(hw) == 8);
	CHECK_MEM(ASN1_STRING_get0_data(hw), want, 8);
	CHECK(EVP_PKEY_eq(X509_get0_pubkey(vcek), X509_get0_pubkey(vcek2)) == 1);

	/* CRL: signed by the ARK */
	snprintf(p, sizeof(p), "%s/crl.der", dir);
	uint8_t *crl_der = slurp(p, &len);
	const unsigned char *q = crl_der;
	X509_CRL *crl = crl_der ? d2i_X509_CRL(NULL, &q, (long)len) : NULL;
	free(crl_der);
	REQUIRE(crl);
	CHECK(X509_CRL_verify(crl, X509_get0_pubkey(sk_X509_value(chain, 1))) == 1);
	X509_CRL_free(crl);

	/* VLEK: to the ASVK and the same ARK */
	X509 *vlek = load_der("vlek.der");
	STACK_OF(X509) *vchain = load_pem_chain("vlek_chain.pem");
	REQUIRE(vlek && vchain);
	CHECK_STR(cn_of(X509_get_subject_name(sk_X509_value(vchain, 0)), cn, sizeof(cn)),
		  "SEV-VLEK-Turin");
	CHECK(X509_cmp(sk_X509_value(vchain, 1), sk_X509_value(chain, 1)) == 0);
	CHECK(openssl_chain_ok(vlek, vchain));
	CHECK(!openssl_chain_ok(vlek, chain)); /* not issued by the ASK */
	CHECK(int_ext(vlek, "1.3.6.1.4.1.3704.1.1") == 0);

	/* offline `kds vcek` gives a certificate for the same key */
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "%s kds vcek --state %s --tcb 0x4700000002000100 -o %s/off.der",
		 bin, state, dir);
	CHECK(run(cmd) == 0);
	X509 *off = load_der("off.der");
	CHECK(off && EVP_PKEY_eq(X509_get0_pubkey(off), X509_get0_pubkey(vcek)) == 1);
	snprintf(cmd, sizeof(cmd), "%s kds vcek --state %s --tcb 0x4700000002000101 -o %s/off2.der",
		 bin, state, dir);
	CHECK(run(cmd) == 0);
	X509 *off2 = load_der("off2.der");
	CHECK(off2 && EVP_PKEY_eq(X509_get0_pubkey(off2), X509_get0_pubkey(vcek)) != 1);
	/* --pem and --key-out: the private key is the certificate's */
	snprintf(cmd, sizeof(cmd),
		 "%s kds vcek --state %s --tcb 0x4700000002000100 --pem -o %s/off.pem --key-out "
		 "%s/off.key",
		 bin, state, dir, dir);
	CHECK(run(cmd) == 0);
	char p2[512];
	snprintf(p2, sizeof(p2), "%s/off.pem", dir);
	FILE *fp = fopen(p2, "r");
	X509 *offpem = fp ? PEM_read_X509(fp, NULL, NULL, NULL) : NULL;
	if (fp)
		fclose(fp);
	snprintf(p2, sizeof(p2), "%s/off.key", dir);
	struct stat kst;
	CHECK(stat(p2, &kst) == 0 && (kst.st_mode & 0777) == 0600);
	fp = fopen(p2, "r");
	EVP_PKEY *priv = fp ? PEM_read_PrivateKey(fp, NULL, NULL, NULL) : NULL;
	if (fp)
		fclose(fp);
	CHECK(offpem && priv && X509_check_private_key(offpem, priv) == 1);
	CHECK(offpem && EVP_PKEY_eq(X509_get0_pubkey(offpem), X509_get0_pubkey(vcek)) == 1);
	EVP_PKEY_free(priv);
	X509_free(offpem);
	X509_free(off);
	X509_free(off2);
	X509_free(vlek);
	sk_X509_pop_free(vchain, X509_free);
	X509_free(vcek);
	X509_free(vcek2);
	sk_X509_pop_free(chain, X509_free);
}

TEST(cleanup)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK(dir[0] && run(cmd) == 0);
}

TEST_MAIN(parser_accepts_amd_urls_and_rejects_the_rest, state_created_and_described,
	  server_serves_amd_urls_to_curl, cleanup)
