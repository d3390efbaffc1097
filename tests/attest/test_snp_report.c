/* Unit tests of the SNP attest layer against the real vectors (shared/vectors/snp) and against
 * a synthetic chain built here with OpenSSL (to test what no real artifact can: a revoked ASK,
 * a pinned root, a report signed by a key we hold). */
#include "harness.h"

#include <softsev/attest.h>
#include <softsev/crypto.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/bytes.h"
#include "util/file.h"

#define C01 "snp/cases/01-milan-v2-vcek-gosevguest/"
#define C02 "snp/cases/02-milan-v2-vcek-virtee/"
#define C04 "snp/cases/04-milan-v3-vcek-oak/"
#define C08 "snp/cases/08-genoa-v5-vcek-oak/"
#define C10 "snp/cases/10-turin-v5-vcek-oak/"
#define C11 "snp/cases/11-milan-v2-vlek-aws-trustee/"
#define C13 "snp/cases/13-milan-v2-vlek-aws-certtable-constellation/"
#define C14 "snp/cases/14-turin-vcek-only-virtee/"

static uint8_t *load(const char *rel, size_t *len)
{
	const char *dir = getenv("SOFTSEV_VECTORS");
	char path[4096];
	uint8_t *data = NULL;
	ss_error err;
	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "../shared/vectors", rel);
	if (ss_read_file(path, 1u << 20, &data, len, &err)) {
		printf("# missing fixture: %s\n", err.msg);
		return NULL;
	}
	return data;
}

static int load_report(const char *rel, ss_report *r)
{
	size_t len;
	ss_error err;
	uint8_t *d = load(rel, &len);
	if (!d)
		return -1;
	int rc = ss_report_parse(d, len, r, &err);
	free(d);
	if (rc)
		printf("# %s: %s\n", rel, err.msg);
	return rc;
}

static ss_cert *load_cert(const char *rel)
{
	size_t len;
	ss_cert *c = NULL;
	ss_error err;
	uint8_t *d = load(rel, &len);
	if (d && ss_cert_from_bytes(d, len, &c, &err))
		printf("# %s: %s\n", rel, err.msg);
	free(d);
	return c;
}

TEST(builtin_roots_equal_the_vector_files)
{
	static const char *const names[] = {"", "milan", "genoa", "turin"};
	for (int p = SS_PRODUCT_MILAN; p <= SS_PRODUCT_TURIN; p++) {
		char rel[256];
		size_t len;
		snprintf(rel, sizeof(rel), "snp/ca/%s/ark.pem", names[p]);
		uint8_t *ark = load(rel, &len);
		REQUIRE(ark);
		CHECK(strlen(ss_builtin_root_pem(p, SS_ROOT_ARK)) == len);
		CHECK(!memcmp(ss_builtin_root_pem(p, SS_ROOT_ARK), ark, len));
		free(ark);
		snprintf(rel, sizeof(rel), "snp/ca/%s/ask.pem", names[p]);
		uint8_t *ask = load(rel, &len);
		REQUIRE(ask);
		CHECK(strlen(ss_builtin_root_pem(p, SS_ROOT_ASK)) == len);
		CHECK(!memcmp(ss_builtin_root_pem(p, SS_ROOT_ASK), ask, len));
		free(ask);
		/* The ASVK is the first PEM block of the KDS VLEK cert_chain. */
		snprintf(rel, sizeof(rel), "snp/ca/%s/cert_chain.vlek.pem", names[p]);
		uint8_t *chain = load(rel, &len);
		REQUIRE(chain);
		const char *asvk = ss_builtin_root_pem(p, SS_ROOT_ASVK);
		CHECK(strlen(asvk) < len && !memcmp(asvk, chain, strlen(asvk)));
		const char *end = strstr(asvk, "-----END CERTIFICATE-----");
		CHECK(end && strspn(end + 25, "\r\n") == strlen(end + 25)); /* one certificate */
		free(chain);
		ss_cert *c;
		ss_error err;
		REQUIRE(ss_builtin_root(p, SS_ROOT_ASVK, &c, &err) == 0);
		char want[64];
		snprintf(want, sizeof(want), "SEV-VLEK-%s", ss_product_name(p));
		CHECK_STR(ss_cert_cn(c), want);
		ss_cert_free(c);
	}
	CHECK(ss_builtin_root_pem(SS_PRODUCT_UNKNOWN, SS_ROOT_ARK) == NULL);
}

TEST(amd_extensions_match_the_vectors_readme)
{
	ss_amd_ext e;
	ss_error err;
	ss_cert *c = load_cert(C01 "vcek.der");
	REQUIRE(c);
	REQUIRE(ss_cert_amd_extensions(c, &e, &err) == 0);
	CHECK_STR(e.product_name, "Milan-B0");
	CHECK(e.has_struct_version && e.struct_version == 0);
	CHECK(e.bl == 2 && e.tee == 0 && e.snp == 5 && e.ucode == 68 && !e.has_fmc);
	CHECK(e.has_spl[0] && e.has_spl[3] && e.spl[0] == 0);
	uint8_t hw[64];
	REQUIRE(ss_hex_decode_exact(
	    hw, 64,
	    "3ac3fe21e13fb0990eb28a802e3fb6a29483a6b0753590c951bdd3b8e5378618"
	    "4ca39e359669a2b76a1936776b564ea464cdce40c05f63c9b610c5068b006b5d"));
	CHECK(e.hwid_len == 64);
	CHECK_MEM(e.hwid, hw, 64);
	ss_cert_free(c);

	REQUIRE((c = load_cert(C10 "vcek.der")));
	REQUIRE(ss_cert_amd_extensions(c, &e, &err) == 0);
	CHECK_STR(e.product_name, "Turin");
	CHECK(e.struct_version == 1 && e.has_fmc && e.fmc == 0 && e.bl == 1 && e.snp == 2);
	CHECK(e.ucode == 71 && !e.has_spl[0]);
	CHECK(e.hwid_len == 8);
	CHECK_MEM(e.hwid, "\x3b\x42\x09\x2f\x69\xc6\x56\xd3", 8);
	ss_cert_free(c);

	/* VLEK: cspId, no hwID; ucodeSPL 209 is DER 02 02 00 D1 (§8.2). */
	REQUIRE((c = load_cert(C11 "vlek.der")));
	REQUIRE(ss_cert_amd_extensions(c, &e, &err) == 0);
	CHECK_STR(ss_cert_cn(c), "SEV-VLEK");
	CHECK_STR(e.csp_id, "CN=cc-us-east-2.amazonaws.com");
	CHECK(e.hwid_len == 0 && e.ucode == 209 && e.snp == 21 && e.bl == 3);
	CHECK_STR(e.product_name, "Milan");
	ss_cert_free(c);
}

TEST(reports_parse_per_version)
{
	ss_report r;
	REQUIRE(load_report(C02 "report.bin", &r) == 0);
	CHECK(r.version == 2 && r.version_known && !r.has_cpuid && !r.has_mit_vectors);
	CHECK(r.product == SS_PRODUCT_UNKNOWN && r.reserved_nonzero_at == -1);
	CHECK(ss_report_fields(&r)->reported_tcb == 0x7308000000000003ull);
	CHECK(ss_report_fields(&r)->current_major == 1 &&
	      ss_report_fields(&r)->current_minor == 52);

	REQUIRE(load_report(C04 "report.bin", &r) == 0);
	CHECK(r.version == 3 && r.has_cpuid && r.product == SS_PRODUCT_MILAN);
	CHECK(r.product_source == SS_PRODUCT_FROM_CPUID);

	REQUIRE(load_report(C08 "report.bin", &r) == 0);
	CHECK(r.version == 5 && r.has_mit_vectors && r.product == SS_PRODUCT_GENOA);
	CHECK(ss_report_fields(&r)->launch_mit_vector == 1 &&
	      ss_report_fields(&r)->current_mit_vector == 1);

	REQUIRE(load_report(C10 "report.bin", &r) == 0);
	CHECK(r.product == SS_PRODUCT_TURIN && ss_report_fields(&r)->platform_info == 0x67);

	REQUIRE(load_report(C11 "report.bin", &r) == 0);
	CHECK(r.signing_key == SS_SNP_SIGNING_KEY_VLEK && ss_report_fields(&r)->vmpl == 1);
	CHECK(ss_is_zero(ss_report_fields(&r)->chip_id, 64) && r.product == SS_PRODUCT_UNKNOWN);
	ss_error err;
	CHECK(ss_report_set_product(&r, SS_PRODUCT_MILAN, SS_PRODUCT_FROM_CALLER, &err) == 0);
	CHECK(r.product == SS_PRODUCT_MILAN);
}

TEST(unknown_and_bad_versions)
{
	size_t len;
	uint8_t *d = load(C10 "report.bin", &len);
	REQUIRE(d);
	ss_report r;
	ss_error err;
	d[0] = 7; /* a newer version: parsed as its v5 prefix, flagged unknown */
	CHECK(ss_report_parse(d, len, &r, &err) == 0);
	CHECK(r.version == 7 && !r.version_known && r.has_mit_vectors);
	CHECK(r.product == SS_PRODUCT_TURIN);
	d[0] = 1;
	CHECK(ss_report_parse(d, len, &r, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "VERSION (0x000) is 1");
	d[0] = 5;
	CHECK(ss_report_parse(d, len - 1, &r, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "1183 bytes");
	d[0x4C] = 1; /* reserved0 */
	CHECK(ss_report_parse(d, len, &r, &err) == 0 && r.reserved_nonzero_at == 0x4C);
	free(d);
	/* A CPUID-named product cannot be overridden. */
	REQUIRE(load_report(C04 "report.bin", &r) == 0);
	CHECK(ss_report_set_product(&r, SS_PRODUCT_GENOA, SS_PRODUCT_FROM_CALLER, &err) ==
	      SS_EPOLICY);
	CHECK_CONTAINS(err.msg, "0x19/0x01 say Milan, not Genoa");
}

TEST(tcb_layouts)
{
	ss_tcb t;
	char s[96];
	ss_tcb_decode(0x7308000000000003ull, SS_PRODUCT_MILAN, &t);
	CHECK(t.bl == 3 && t.tee == 0 && t.snp == 8 && t.ucode == 115 && !t.turin_layout);
	ss_tcb_format(&t, s, sizeof(s));
	CHECK_STR(s, "bl=3 tee=0 snp=8 ucode=115");
	ss_tcb_decode(0x4700000002000100ull, SS_PRODUCT_TURIN, &t);
	CHECK(t.fmc == 0 && t.bl == 1 && t.tee == 0 && t.snp == 2 && t.ucode == 71);
	ss_tcb_format(&t, s, sizeof(s));
	CHECK_STR(s, "fmc=0 bl=1 tee=0 snp=2 ucode=71");
	ss_tcb min;
	ss_error err;
	CHECK(ss_tcb_parse("bl=1,snp=3", SS_PRODUCT_TURIN, &min, &err) == 0);
	CHECK(ss_tcb_check_min(&t, &min, "X", &err) == SS_EPOLICY);
	CHECK_CONTAINS(err.msg, "X snp SVN 2 is below the minimum 3");
	CHECK(ss_tcb_parse("fmc=1", SS_PRODUCT_MILAN, &min, &err) == SS_EINVAL);
	CHECK(ss_tcb_parse("bl=256", SS_PRODUCT_MILAN, &min, &err) == SS_EINVAL);
	CHECK(ss_tcb_parse("foo=1", SS_PRODUCT_MILAN, &min, &err) == SS_EINVAL);
	CHECK(ss_product_from_cpuid(0x19, 0x01) == SS_PRODUCT_MILAN);
	CHECK(ss_product_from_cpuid(0x19, 0x11) == SS_PRODUCT_GENOA);
	CHECK(ss_product_from_cpuid(0x19, 0xA0) == SS_PRODUCT_GENOA);
	CHECK(ss_product_from_cpuid(0x1A, 0x02) == SS_PRODUCT_TURIN);
	CHECK(ss_product_from_cpuid(0x17, 0x31) == SS_PRODUCT_UNKNOWN);
	ss_product p;
	CHECK(ss_product_parse("Milan-B0", &p, &err) == 0 && p == SS_PRODUCT_MILAN);
	CHECK(ss_product_parse("milanx", &p, &err) == SS_EINVAL);
}

TEST(real_chains_and_turin_vcek_only_case)
{
	ss_error err;
	ss_chain *ch = NULL;
	ss_cert *leaf = load_cert(C14 "vcek.der");
	REQUIRE(leaf);
	ss_chain_inputs in = {.leaf = leaf, .at = 1893456000 /* 2030-01-01 */};
	CHECK(ss_chain_verify(&in, &ch, &err) == 0);
	if (ch) {
		CHECK(ss_chain_product(ch) == SS_PRODUCT_TURIN && !ss_chain_is_vlek(ch));
		CHECK(ss_chain_leaf_ext(ch)->hwid_len == 8);
		CHECK_MEM(ss_chain_leaf_ext(ch)->hwid, "\x1e\x55\x0a\x8e\xe5\xcf\x9f\x4d", 8);
	}
	ss_chain_free(ch);
	/* Before its notBefore (2024-11-06) the VCEK is not valid. */
	in.at = 1704067200; /* 2024-01-01 */
	CHECK(ss_chain_verify(&in, &ch, &err) == SS_EBADSIG);
	CHECK_CONTAINS(err.msg, "is not valid before 2024-11-06");
	/* The wrong product for this VCEK. */
	in.at = 1893456000;
	in.product = SS_PRODUCT_GENOA;
	CHECK(ss_chain_verify(&in, &ch, &err) == SS_EBADSIG);
	CHECK_CONTAINS(err.msg, "productName 'Turin'");
	ss_cert_free(leaf);

	/* Every report case verifies through the library too. */
	static const struct {
		const char *dir, *leaf;
		time_t at;
	} cases[] = {
	    {C01, "vcek.der", 1767225600}, {C02, "vcek.der", 1767225600},
	    {C04, "vcek.der", 1767225600}, {C08, "vcek.der", 1767225600},
	    {C10, "vcek.der", 1767225600}, {C11, "vlek.der", 1733011200},
	    {C13, "vlek.der", 1701388800},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char rel[256];
		ss_report r;
		snprintf(rel, sizeof(rel), "%sreport.bin", cases[i].dir);
		REQUIRE(load_report(rel, &r) == 0);
		snprintf(rel, sizeof(rel), "%s%s", cases[i].dir, cases[i].leaf);
		REQUIRE((leaf = load_cert(rel)));
		ss_chain_inputs ci = {.product = r.product, .leaf = leaf, .at = cases[i].at};
		int rc = ss_chain_verify(&ci, &ch, &err);
		if (!rc)
			rc = ss_report_verify(ch, &r, NULL, &err);
		if (rc)
			printf("# %s: %s\n", cases[i].dir, err.msg);
		CHECK(rc == 0);
		ss_chain_free(ch);
		ch = NULL;
		ss_cert_free(leaf);
	}
}

TEST(cert_table_parsing)
{
	size_t len, n;
	uint8_t *d = load(C13 "certtable.bin", &len);
	REQUIRE(d);
	ss_cert_table_item it[8];
	ss_error err;
	REQUIRE(ss_cert_table_parse(d, len, it, 8, &n, &err) == 0);
	CHECK(n == 1 && it[0].kind == SS_CERT_VLEK && it[0].offset == 48 && it[0].length == 1323);
	char g[37];
	ss_cert_table_guid_text(it[0].guid, g);
	CHECK_STR(g, "a8074bc2-a25a-483e-aae6-39c045a0b8a1");
	size_t vl;
	uint8_t *vlek = load(C13 "vlek.der", &vl);
	REQUIRE(vlek && vl == 1323);
	CHECK_MEM(it[0].data, vlek, vl);
	free(vlek);
	/* Malformed tables name the entry and what was wrong. */
	uint8_t bad[96];
	memset(bad, 0, sizeof(bad));
	memcpy(bad, d, 24);
	ss_put_le32(bad + 16, 24); /* offset into the entry array */
	ss_put_le32(bad + 20, 8);
	CHECK(ss_cert_table_parse(bad, sizeof(bad), it, 8, &n, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "points into the entry array");
	ss_put_le32(bad + 16, 48);
	ss_put_le32(bad + 20, 49); /* past the end */
	CHECK(ss_cert_table_parse(bad, sizeof(bad), it, 8, &n, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "outside the 96-byte table");
	ss_put_le32(bad + 16, 0xFFFFFFF0u); /* offset + length wraps in 32 bits */
	ss_put_le32(bad + 20, 0x20);
	CHECK(ss_cert_table_parse(bad, sizeof(bad), it, 8, &n, &err) == SS_EINVAL);
	CHECK(ss_cert_table_parse(d, 30, it, 8, &n, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "no all-zero terminator");
	free(d);
}

/* ---- a synthetic chain: RSA-PSS SHA-384 CA certificates and a P-384 leaf, like AMD's ---- */

static int pss_salt = 48; /* AMD's; a test changes it to check the parameters are enforced */

static EVP_PKEY *rsa_key(void)
{
	return EVP_RSA_gen(2048);
}

static void add_amd_ext(X509 *x, const char *oid, const uint8_t *der, size_t len)
{
	ASN1_OBJECT *o = OBJ_txt2obj(oid, 1);
	ASN1_OCTET_STRING *s = ASN1_OCTET_STRING_new();
	ASN1_OCTET_STRING_set(s, der, (int)len);
	X509_EXTENSION *e = X509_EXTENSION_create_by_OBJ(NULL, o, 0, s);
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	ASN1_OCTET_STRING_free(s);
	ASN1_OBJECT_free(o);
}

static X509 *make_cert(const char *cn, const char *issuer_cn, long serial, EVP_PKEY *pub,
		       EVP_PKEY *signer, const uint8_t *chip_id, uint64_t tcb)
{
	X509 *x = X509_new();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_NAME *sn = X509_NAME_new(), *in = X509_NAME_new();
	X509_NAME_add_entry_by_txt(sn, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_NAME_add_entry_by_txt(in, "CN", MBSTRING_ASC, (const unsigned char *)issuer_cn, -1, -1,
				   0);
	X509_set_subject_name(x, sn);
	X509_set_issuer_name(x, in);
	X509_NAME_free(sn);
	X509_NAME_free(in);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, pub);
	if (chip_id) {
		add_amd_ext(x, "1.3.6.1.4.1.3704.1.4", chip_id, 64);
		/* SPLs as DER INTEGERs: bl byte 0, tee 1, snp 6, ucode 7 (Milan layout). */
		const struct {
			const char *oid;
			int byte;
		} spl[] = {{"1.3.6.1.4.1.3704.1.3.1", 0},
			   {"1.3.6.1.4.1.3704.1.3.2", 1},
			   {"1.3.6.1.4.1.3704.1.3.3", 6},
			   {"1.3.6.1.4.1.3704.1.3.8", 7}};
		for (size_t i = 0; i < 4; i++) {
			uint8_t v = (uint8_t)(tcb >> (8 * spl[i].byte));
			uint8_t der[4] = {0x02, 1, v};
			size_t n = 3;
			if (v & 0x80) {
				der[1] = 2, der[2] = 0, der[3] = v, n = 4;
			}
			add_amd_ext(x, spl[i].oid, der, n);
		}
		add_amd_ext(x, "1.3.6.1.4.1.3704.1.2", (const uint8_t *)"\x16\x05Milan", 7);
	}
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	EVP_DigestSignInit(md, &pctx, EVP_sha384(), NULL, signer);
	EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
	EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, pss_salt);
	EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha384());
	int ok = X509_sign_ctx(x, md) > 0;
	EVP_MD_CTX_free(md);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static X509_CRL *make_crl(EVP_PKEY *ark_key, X509 *ark, long revoked_serial)
{
	X509_CRL *crl = X509_CRL_new();
	X509_CRL_set_version(crl, 1);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(ark));
	ASN1_TIME *t = ASN1_TIME_adj(NULL, time(NULL), -1, 0);
	X509_CRL_set1_lastUpdate(crl, t);
	ASN1_TIME_adj(t, time(NULL), 30, 0);
	X509_CRL_set1_nextUpdate(crl, t);
	ASN1_TIME_free(t);
	if (revoked_serial >= 0) {
		X509_REVOKED *rev = X509_REVOKED_new();
		ASN1_INTEGER *s = ASN1_INTEGER_new();
		ASN1_INTEGER_set(s, revoked_serial);
		X509_REVOKED_set_serialNumber(rev, s);
		ASN1_TIME *rt = ASN1_TIME_adj(NULL, time(NULL), -1, 0);
		X509_REVOKED_set_revocationDate(rev, rt);
		X509_CRL_add0_revoked(crl, rev);
		ASN1_TIME_free(rt);
		ASN1_INTEGER_free(s);
	}
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	EVP_DigestSignInit(md, &pctx, EVP_sha384(), NULL, ark_key);
	EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
	EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 48);
	X509_CRL_sign_ctx(crl, md);
	EVP_MD_CTX_free(md);
	return crl;
}

static ss_cert *wrap_x509(X509 *x)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	ss_cert *c = NULL;
	ss_error err;
	if (n > 0 && ss_cert_from_bytes(der, (size_t)n, &c, &err))
		printf("# %s\n", err.msg);
	OPENSSL_free(der);
	return c;
}

static ss_crl *wrap_crl(X509_CRL *crl)
{
	unsigned char *der = NULL;
	int n = i2d_X509_CRL(crl, &der);
	ss_crl *c = NULL;
	ss_error err;
	if (n > 0 && ss_crl_from_bytes(der, (size_t)n, &c, &err))
		printf("# %s\n", err.msg);
	OPENSSL_free(der);
	return c;
}

TEST(synthetic_chain_revoked_ask_and_signed_report)
{
	ss_error err;
	EVP_PKEY *ark_key = rsa_key(), *ask_key = rsa_key();
	ss_eckey *vcek_key = NULL;
	REQUIRE(ark_key && ask_key && ss_eckey_generate_p384(&vcek_key, &err) == 0);
	uint8_t chip[64];
	for (int i = 0; i < 64; i++)
		chip[i] = (uint8_t)(i * 7 + 1);
	const uint64_t tcb = 0xD108000000000003ull; /* ucode 209 needs the DER pad byte */
	X509 *ark = make_cert("ARK-Milan", "ARK-Milan", 0x10000, ark_key, ark_key, NULL, 0);
	X509 *ask = make_cert("SEV-Milan", "ARK-Milan", 0x10001, ask_key, ark_key, NULL, 0);
	X509 *vcek = make_cert("SEV-VCEK", "SEV-Milan", 0, (EVP_PKEY *)ss_eckey_evp(vcek_key),
			       ask_key, chip, tcb);
	REQUIRE(ark && ask && vcek);
	ss_cert *c_ark = wrap_x509(ark), *c_ask = wrap_x509(ask), *c_vcek = wrap_x509(vcek);
	REQUIRE(c_ark && c_ask && c_vcek);
	X509_CRL *crl_ok_x = make_crl(ark_key, ark, 0x10099);
	X509_CRL *crl_rev_x = make_crl(ark_key, ark, 0x10001);
	ss_crl *crl_ok = wrap_crl(crl_ok_x), *crl_rev = wrap_crl(crl_rev_x);
	REQUIRE(crl_ok && crl_rev);

	ss_chain *ch = NULL;
	ss_chain_inputs in = {.product = SS_PRODUCT_MILAN,
			      .leaf = c_vcek,
			      .ask = c_ask,
			      .anchor = c_ark,
			      .crl = crl_ok,
			      .at = time(NULL)};
	CHECK(ss_chain_verify(&in, &ch, &err) == 0);
	ss_chain_free(ch);
	ch = NULL;

	/* A CRL listing the ASK's serial: the chain fails naming the ASK. */
	in.crl = crl_rev;
	CHECK(ss_chain_verify(&in, &ch, &err) == SS_EBADSIG);
	CHECK_CONTAINS(err.msg, "ASK 'SEV-Milan' (serial 0x010001) is revoked by the CRL");
	/* The real Milan ARK is not this root: without the pin the chain fails. */
	in.crl = NULL;
	in.anchor = NULL;
	in.ark = c_ark;
	CHECK(ss_chain_verify(&in, &ch, &err) == SS_EBADSIG);
	CHECK_CONTAINS(err.msg, "is not the built-in AMD root 'ARK-Milan'");
	in.ark = NULL;
	in.anchor = c_ark;

	/* An ASK signed with PSS salt 32 instead of 48 is refused even though it verifies. */
	pss_salt = 32;
	X509 *ask32 = make_cert("SEV-Milan", "ARK-Milan", 0x10001, ask_key, ark_key, NULL, 0);
	pss_salt = 48;
	ss_cert *c_ask32 = ask32 ? wrap_x509(ask32) : NULL;
	REQUIRE(c_ask32);
	in.ask = c_ask32;
	CHECK(ss_chain_verify(&in, &ch, &err) == SS_EBADSIG);
	CHECK_CONTAINS(err.msg,
		       "ASK 'SEV-Milan': RSASSA-PSS parameters are not MGF1-SHA-384 with a "
		       "48-byte salt");
	in.ask = c_ask;
	ss_cert_free(c_ask32);
	X509_free(ask32);

	/* A report signed by the VCEK: verifies, then fails on a flipped bit and on policy. */
	REQUIRE(ss_chain_verify(&in, &ch, &err) == 0);
	uint8_t raw[SS_SNP_REPORT_SIZE];
	memset(raw, 0, sizeof(raw));
	struct ss_snp_report *f = (struct ss_snp_report *)raw;
	f->version = 3;
	f->policy = 0x30000;
	f->signature_algo = 1;
	f->cpuid_fam_id = 0x19;
	f->cpuid_mod_id = 0x01;
	f->cpuid_step = 0x01;
	f->reported_tcb = f->current_tcb = f->committed_tcb = f->launch_tcb = tcb;
	memcpy(f->chip_id, chip, 64);
	memset(f->measurement, 0xAB, 48);
	uint8_t r_be[48], s_be[48];
	REQUIRE(ss_ecdsa_p384_sign(vcek_key, raw, SS_SNP_REPORT_SIGNED_SIZE, r_be, s_be, &err) ==
		0);
	for (int i = 0; i < 48; i++) {
		f->signature.r[i] = r_be[47 - i];
		f->signature.s[i] = s_be[47 - i];
	}
	ss_report rep;
	REQUIRE(ss_report_parse(raw, sizeof(raw), &rep, &err) == 0);
	ss_policy pol;
	memset(&pol, 0, sizeof(pol));
	char meas[97];
	memset(meas, 'a', 96);
	meas[96] = 0;
	for (int i = 1; i < 96; i += 2)
		meas[i] = 'b';
	REQUIRE(ss_policy_set(&pol, "measurement", meas, &err) == 0);
	REQUIRE(ss_policy_set(&pol, "min_tcb", "bl=3,snp=8,ucode=209", &err) == 0);
	CHECK(ss_report_verify(ch, &rep, &pol, &err) == 0);
	REQUIRE(ss_policy_set(&pol, "min-tcb", "ucode=210", &err) == 0);
	CHECK(ss_report_verify(ch, &rep, &pol, &err) == SS_EPOLICY);
	CHECK_CONTAINS(err.msg, "ucode SVN 209 is below the minimum 210");
	raw[0x090] ^= 1;
	REQUIRE(ss_report_parse(raw, sizeof(raw), &rep, &err) == 0);
	CHECK(ss_report_verify(ch, &rep, NULL, &err) == SS_EBADSIG);
	CHECK_CONTAINS(err.msg, "SIGNATURE (0x2A0) does not verify");
	raw[0x090] ^= 1;
	raw[0x1A0] ^= 1; /* another chip */
	REQUIRE(ss_report_parse(raw, sizeof(raw), &rep, &err) == 0);
	CHECK(ss_report_verify(ch, &rep, NULL, &err) == SS_EBADSIG);
	CHECK_CONTAINS(err.msg, "does not match CHIP_ID (0x1A0)");
	raw[0x1A0] ^= 1;
	raw[0x2A0 + 60] = 1; /* a high byte of R */
	REQUIRE(ss_report_parse(raw, sizeof(raw), &rep, &err) == 0);
	CHECK(ss_report_verify(ch, &rep, NULL, &err) == SS_EBADSIG);
	CHECK_CONTAINS(err.msg, "beyond the 48-byte R and S");
	raw[0x2A0 + 60] = 0;
	raw[0x048] = 0x1C; /* SIGNING_KEY = 7: unsigned */
	REQUIRE(ss_report_parse(raw, sizeof(raw), &rep, &err) == 0);
	CHECK(ss_report_verify(ch, &rep, NULL, &err) == SS_EBADSIG);
	CHECK_CONTAINS(err.msg, "unsigned");
	ss_chain_free(ch);

	ss_cert_free(c_ark);
	ss_cert_free(c_ask);
	ss_cert_free(c_vcek);
	ss_crl_free(crl_ok);
	ss_crl_free(crl_rev);
	X509_CRL_free(crl_ok_x);
	X509_CRL_free(crl_rev_x);
	X509_free(ark);
	X509_free(ask);
	X509_free(vcek);
	EVP_PKEY_free(ark_key);
	EVP_PKEY_free(ask_key);
	ss_eckey_free(vcek_key);
}

TEST(policy_json_file)
{
	char path[] = "/tmp/ss-policy-XXXXXX";
	int fd = mkstemp(path);
	REQUIRE(fd >= 0);
	const char *json = "{\"vmpl\": 1, \"min_tcb\": {\"bl\": 3, \"ucode\": 209}, "
			   "\"forbid_policy_bits\": \"0x80000\", \"product\": \"Milan\"}";
	REQUIRE(write(fd, json, strlen(json)) == (ssize_t)strlen(json));
	close(fd);
	ss_policy p;
	memset(&p, 0, sizeof(p));
	ss_error err;
	CHECK(ss_policy_load_json(&p, path, &err) == 0);
	CHECK(p.checks == (SS_POL_VMPL | SS_POL_MIN_TCB | SS_POL_FORBID_POLICY));
	CHECK(p.vmpl == 1 && p.forbid_policy == 0x80000 && p.product == SS_PRODUCT_MILAN);
	CHECK_STR(p.min_tcb, "bl=3,ucode=209");
	ss_report r;
	REQUIRE(load_report(C11 "report.bin", &r) == 0);
	CHECK(ss_policy_check(&p, &r, &err) == 0);
	p.vmpl = 0;
	CHECK(ss_policy_check(&p, &r, &err) == SS_EPOLICY);
	CHECK_CONTAINS(err.msg, "VMPL (0x030) is 1");
	unlink(path);
}

TEST_MAIN(builtin_roots_equal_the_vector_files, amd_extensions_match_the_vectors_readme,
	  reports_parse_per_version, unknown_and_bad_versions, tcb_layouts,
	  real_chains_and_turin_vcek_only_case, cert_table_parsing,
	  synthetic_chain_revoked_ask_and_signed_report, policy_json_file)
