/* The emulated part's SNP keys and certificates: VCEK derivation (checked against an independent
 * SP 800-108 computation), CHIP_ID, wrapped VLEK, the ARK/ASK/ASVK and the VCEK/VLEK certificates
 * — verified by OpenSSL's own X509 verification, and compared byte for byte with real AMD
 * certificates from the vectors (names, signature algorithm, the AMD extensions block). */
#include "harness.h"

#include <softsev/attest.h>
#include <softsev/snp_certs.h>
#include <softsev/snp_keys.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/bytes.h"
#include "util/file.h"

/* ---- fixtures ---- */

static char state_dir[256];
static ss_snp_identity *ident; /* Milan, RSA-4096, created once in state_dir */

static uint8_t *read_vector(const char *rel, size_t *len)
{
	const char *root = getenv("SOFTSEV_VECTORS");
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", root ? root : "../shared/vectors", rel);
	uint8_t *data = NULL;
	ss_error err = {0};
	if (ss_read_file(path, 1 << 20, &data, len, &err)) {
		printf("# missing fixture %s: %s\n", path, err.msg);
		return NULL;
	}
	return data;
}

static X509 *read_der_cert(const char *rel)
{
	size_t len;
	uint8_t *der = read_vector(rel, &len);
	const unsigned char *p = der;
	X509 *x = der ? d2i_X509(NULL, &p, (long)len) : NULL;
	free(der);
	return x;
}

static X509 *der_to_x509(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	return d2i_X509(NULL, &p, (long)len);
}

static const uint8_t secret_a[48] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
static const uint8_t secret_b[48] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 11};

static void pub_of(const ss_eckey *k, uint8_t xy[96])
{
	ss_eckey_public_xy(k, xy, xy + 48);
}

/* ---- KDF and VCEK ---- */

/* SP 800-108 counter mode, written out here with HMAC-SHA-384 so the library's KBKDF use is
 * checked against the construction itself: K(i) = HMAC(key, [i]32 || label || 0x00 || context ||
 * [L]32), L in bits. */
static void ref_kbkdf(const uint8_t *key, size_t key_len, const char *label, const uint8_t *ctx,
		      size_t ctx_len, uint8_t *out, size_t out_len)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA384", 0),
	    OSSL_PARAM_construct_end()};
	uint32_t bits = (uint32_t)out_len * 8;
	uint8_t l[4] = {(uint8_t)(bits >> 24), (uint8_t)(bits >> 16), (uint8_t)(bits >> 8),
			(uint8_t)bits};
	for (uint32_t i = 1, done = 0; done < out_len; i++) {
		uint8_t ib[4] = {(uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8),
				 (uint8_t)i};
		uint8_t zero = 0, block[48];
		size_t n;
		EVP_MAC_CTX *c = EVP_MAC_CTX_new(mac);
		EVP_MAC_init(c, key, key_len, params);
		EVP_MAC_update(c, ib, 4);
		EVP_MAC_update(c, (const uint8_t *)label, strlen(label));
		EVP_MAC_update(c, &zero, 1);
		EVP_MAC_update(c, ctx, ctx_len);
		EVP_MAC_update(c, l, 4);
		EVP_MAC_final(c, block, &n, sizeof(block));
		EVP_MAC_CTX_free(c);
		size_t take = out_len - done < 48 ? out_len - done : 48;
		memcpy(out + done, block, take);
		done += (uint32_t)take;
	}
	EVP_MAC_free(mac);
}

TEST(kbkdf_matches_sp800_108)
{
	uint8_t tcb[8] = {3, 0, 0, 0, 0, 0, 8, 115}, got[56], want[56];
	REQUIRE(ss_snp_kbkdf_sha384(secret_a, 48, SS_SNP_LABEL_VCEK, tcb, 8, got, 56, NULL) == 0);
	ref_kbkdf(secret_a, 48, SS_SNP_LABEL_VCEK, tcb, 8, want, 56);
	CHECK_MEM(got, want, 56);
}

TEST(vcek_scalar_is_kdf_reduced_mod_n)
{
	uint8_t tcb[8] = {3, 0, 0, 0, 0, 0, 8, 115}, c[56], d[48], want[48];
	ref_kbkdf(secret_a, 48, SS_SNP_LABEL_VCEK, tcb, 8, c, 56);
	/* d = c mod (n-1) + 1 with n the order of P-384 */
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_secp384r1);
	BIGNUM *n = BN_dup(EC_GROUP_get0_order(g)), *bc = BN_bin2bn(c, 56, NULL), *r = BN_new();
	BN_CTX *bctx = BN_CTX_new();
	BN_sub_word(n, 1);
	BN_mod(r, bc, n, bctx);
	BN_add_word(r, 1);
	BN_bn2binpad(r, want, 48);
	REQUIRE(ss_snp_derive_p384_scalar(secret_a, 48, SS_SNP_LABEL_VCEK, tcb, 8, d, NULL) == 0);
	CHECK_MEM(d, want, 48);
	/* and the VCEK is that scalar's key */
	ss_eckey *vcek = NULL, *ref = NULL;
	REQUIRE(ss_snp_vcek_derive(secret_a, 48, tcb, &vcek, NULL) == 0);
	REQUIRE(ss_eckey_from_private_scalar(want, &ref, NULL) == 0);
	uint8_t p1[96], p2[96];
	pub_of(vcek, p1);
	pub_of(ref, p2);
	CHECK_MEM(p1, p2, 96);
	ss_eckey_free(vcek);
	ss_eckey_free(ref);
	BN_free(n);
	BN_free(bc);
	BN_free(r);
	BN_CTX_free(bctx);
	EC_GROUP_free(g);
}

TEST(vcek_deterministic_and_bound_to_tcb_and_chip)
{
	uint8_t t1[8] = {3, 0, 0, 0, 0, 0, 8, 115}, t2[8] = {3, 0, 0, 0, 0, 0, 9, 115};
	ss_eckey *a1, *a2, *b1, *c1;
	REQUIRE(ss_snp_vcek_derive(secret_a, 48, t1, &a1, NULL) == 0);
	REQUIRE(ss_snp_vcek_derive(secret_a, 48, t1, &a2, NULL) == 0);
	REQUIRE(ss_snp_vcek_derive(secret_a, 48, t2, &b1, NULL) == 0);
	REQUIRE(ss_snp_vcek_derive(secret_b, 48, t1, &c1, NULL) == 0);
	uint8_t pa1[96], pa2[96], pb1[96], pc1[96];
	pub_of(a1, pa1);
	pub_of(a2, pa2);
	pub_of(b1, pb1);
	pub_of(c1, pc1);
	CHECK_MEM(pa1, pa2, 96);
	CHECK(memcmp(pa1, pb1, 96) != 0); /* another TCB, another VCEK */
	CHECK(memcmp(pa1, pc1, 96) != 0); /* another chip, another VCEK */
	/* the VLEK of the same bytes is a different key */
	ss_eckey *v;
	REQUIRE(ss_snp_vlek_derive(secret_a, 48, t1, &v, NULL) == 0);
	uint8_t pv[96];
	pub_of(v, pv);
	CHECK(memcmp(pa1, pv, 96) != 0);
	ss_error err = {0};
	CHECK(ss_snp_vcek_derive(secret_a, 16, t1, &v, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "chip secret");
	ss_eckey_free(a1);
	ss_eckey_free(a2);
	ss_eckey_free(b1);
	ss_eckey_free(c1);
	ss_eckey_free(v);
}

TEST(chip_id_per_product)
{
	uint8_t m[64], m2[64], t[64], other[64];
	REQUIRE(ss_snp_chip_id_derive(SS_SNP_MILAN, secret_a, 48, m, NULL) == 0);
	REQUIRE(ss_snp_chip_id_derive(SS_SNP_MILAN, secret_a, 48, m2, NULL) == 0);
	REQUIRE(ss_snp_chip_id_derive(SS_SNP_TURIN, secret_a, 48, t, NULL) == 0);
	REQUIRE(ss_snp_chip_id_derive(SS_SNP_MILAN, secret_b, 48, other, NULL) == 0);
	CHECK_MEM(m, m2, 64);
	CHECK(memcmp(m, other, 64) != 0);
	/* Milan: all 64 bytes significant (real Milan chip ids use the upper bytes) */
	int nz = 0;
	for (int i = 8; i < 64; i++)
		nz += m[i] != 0;
	CHECK(nz > 40);
	/* Turin: 8 significant bytes, the rest zero, as real Turin reports show */
	uint8_t zero[56] = {0};
	CHECK_MEM(t + 8, zero, 56);
	CHECK(memcmp(t, zero, 8) != 0);
	CHECK(ss_snp_hwid_len(SS_SNP_TURIN) == 8 && ss_snp_hwid_len(SS_SNP_GENOA) == 64);
}

/* ---- TCB layouts against real reports and their real VCEKs ---- */

static long cert_int_ext(X509 *x, const char *oid)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	int idx = X509_get_ext_by_OBJ(x, obj, -1);
	ASN1_OBJECT_free(obj);
	if (idx < 0)
		return -1;
	ASN1_OCTET_STRING *os = X509_EXTENSION_get_data(X509_get_ext(x, idx));
	const unsigned char *p = ASN1_STRING_get0_data(os);
	ASN1_INTEGER *i = d2i_ASN1_INTEGER(NULL, &p, ASN1_STRING_length(os));
	long v = i ? ASN1_INTEGER_get(i) : -2;
	ASN1_INTEGER_free(i);
	return v;
}

static void check_tcb_vs_real(const char *report_rel, const char *cert_rel, ss_snp_product p)
{
	size_t len;
	uint8_t *rep = read_vector(report_rel, &len);
	X509 *cert = read_der_cert(cert_rel);
	CHECK(rep && len == 0x4A0 && cert);
	if (!rep || !cert || len != 0x4A0) {
		free(rep);
		X509_free(cert);
		return;
	}
	ss_snp_tcb t;
	ss_snp_tcb_decode(p, rep + 0x180, &t); /* REPORTED_TCB, attestation.md §2 */
	CHECK(cert_int_ext(cert, "1.3.6.1.4.1.3704.1.3.1") == t.bl);
	CHECK(cert_int_ext(cert, "1.3.6.1.4.1.3704.1.3.2") == t.tee);
	CHECK(cert_int_ext(cert, "1.3.6.1.4.1.3704.1.3.3") == t.snp);
	CHECK(cert_int_ext(cert, "1.3.6.1.4.1.3704.1.3.8") == t.ucode);
	if (p == SS_SNP_TURIN)
		CHECK(cert_int_ext(cert, "1.3.6.1.4.1.3704.1.3.9") == t.fmc);
	uint8_t back[8];
	REQUIRE(ss_snp_tcb_encode(p, &t, back, NULL) == 0);
	CHECK_MEM(back, rep + 0x180, 8);
	free(rep);
	X509_free(cert);
}

TEST(tcb_layouts_match_real_reports)
{
	uint8_t raw[8];
	ss_snp_tcb t;
	ss_snp_tcb_from_u64(0x7308000000000003ull, raw); /* case 02, attestation.md §3 */
	ss_snp_tcb_decode(SS_SNP_MILAN, raw, &t);
	CHECK(t.bl == 3 && t.tee == 0 && t.snp == 8 && t.ucode == 115);
	ss_snp_tcb_from_u64(0x4700000002000100ull, raw); /* case 10 (Turin) */
	ss_snp_tcb_decode(SS_SNP_TURIN, raw, &t);
	CHECK(t.fmc == 0 && t.bl == 1 && t.tee == 0 && t.snp == 2 && t.ucode == 71);
	CHECK(ss_snp_tcb_u64(raw) == 0x4700000002000100ull);
	check_tcb_vs_real("snp/cases/02-milan-v2-vcek-virtee/report.bin",
			  "snp/cases/02-milan-v2-vcek-virtee/vcek.der", SS_SNP_MILAN);
	check_tcb_vs_real("snp/cases/08-genoa-v5-vcek-oak/report.bin",
			  "snp/cases/08-genoa-v5-vcek-oak/vcek.der", SS_SNP_GENOA);
	check_tcb_vs_real("snp/cases/10-turin-v5-vcek-oak/report.bin",
			  "snp/cases/10-turin-v5-vcek-oak/vcek.der", SS_SNP_TURIN);
	ss_error err = {0};
	t.fmc = 1;
	CHECK(ss_snp_tcb_encode(SS_SNP_MILAN, &t, raw, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "fmc");
}

/* ---- identity (state directory) ---- */

TEST(identity_created_then_reopened)
{
	snprintf(state_dir, sizeof(state_dir), "/tmp/softsev-test-snp-keys-%d", (int)getpid());
	bool created = false;
	ss_error err = {0};
	int rc = ss_snp_identity_open(state_dir, SS_SNP_MILAN, false, &ident, &created, &err);
	if (rc)
		printf("# %s\n", err.msg);
	REQUIRE(rc == 0);
	CHECK(created);
	struct stat st;
	char p[512];
	snprintf(p, sizeof(p), "%s/snp-chip-secret", state_dir);
	CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_size == 48);
	snprintf(p, sizeof(p), "%s/snp-ark.key.pem", state_dir);
	CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0600);

	ss_snp_identity *again = NULL;
	REQUIRE(ss_snp_identity_open(state_dir, SS_SNP_MILAN, false, &again, &created, &err) == 0);
	CHECK(!created);
	CHECK_MEM(again->chip_id, ident->chip_id, 64);
	CHECK_MEM(again->chip_secret, ident->chip_secret, 48);
	for (int r = 0; r < SS_SNP_CA_ROLES; r++) {
		uint8_t f1[32], f2[32];
		REQUIRE(ss_snp_ca_fingerprint(ident->ca, (ss_snp_ca_role)r, f1, NULL) == 0);
		REQUIRE(ss_snp_ca_fingerprint(again->ca, (ss_snp_ca_role)r, f2, NULL) == 0);
		CHECK_MEM(f1, f2, 32);
	}
	ss_snp_identity_free(again);

	/* another product than the state's */
	CHECK(ss_snp_identity_open(state_dir, SS_SNP_TURIN, false, &again, NULL, &err) ==
	      SS_EINVAL);
	CHECK_CONTAINS(err.msg, "Milan");
	CHECK(ss_snp_identity_open(state_dir, SS_SNP_TURIN, true, &again, NULL, &err) == 0);
	ss_snp_identity_free(again);
}

TEST(identity_rejects_partial_and_mismatched_state)
{
	char dir[300], p[400];
	snprintf(dir, sizeof(dir), "%s-partial", state_dir);
	ss_error err = {0};
	REQUIRE(ss_mkdir_p(dir, 0700, &err) == 0);
	snprintf(p, sizeof(p), "%s/snp-chip-secret", dir);
	REQUIRE(ss_write_file_atomic(p, secret_a, 48, 0600, &err) == 0);
	ss_snp_identity *id = NULL;
	CHECK(ss_snp_identity_open(dir, SS_SNP_MILAN, false, &id, NULL, &err) == SS_ESTATE);
	CHECK_CONTAINS(err.msg, "incomplete");
	unlink(p);
	rmdir(dir);

	/* a CA whose ASK certificate is really the ASVK's does not load */
	REQUIRE(ident);
	char *keys[3], *certs[3];
	for (int r = 0; r < 3; r++) {
		keys[r] = ss_snp_ca_key_pem(ident->ca, (ss_snp_ca_role)r);
		certs[r] = ss_snp_ca_cert_pem(ident->ca, (ss_snp_ca_role)r);
	}
	ss_snp_ca *ca = NULL;
	const char *k[3] = {keys[0], keys[1], keys[2]};
	const char *c[3] = {certs[0], certs[2], certs[2]};
	CHECK(ss_snp_ca_from_pem(SS_SNP_MILAN, k, c, &ca, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "ASK");
	const char *c_ok[3] = {certs[0], certs[1], certs[2]};
	CHECK(ss_snp_ca_from_pem(SS_SNP_GENOA, k, c_ok, &ca, &err) == SS_EINVAL); /* names */
	CHECK(ss_snp_ca_from_pem(SS_SNP_MILAN, k, c_ok, &ca, &err) == 0);
	ss_snp_ca_free(ca);
	for (int r = 0; r < 3; r++) {
		free(keys[r]);
		free(certs[r]);
	}
}

/* ---- certificates verified by OpenSSL itself ---- */

/* X509_verify_cert with the emulated ARK as the only trust anchor. */
static int openssl_verify(X509 *leaf, X509 *intermediate, X509 *anchor, X509_CRL *crl)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_add_cert(store, anchor);
	if (crl) {
		X509_STORE_add_crl(store, crl);
		X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
	}
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	sk_X509_push(untrusted, intermediate);
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509_STORE_CTX_init(ctx, store, leaf, untrusted);
	int ok = X509_verify_cert(ctx);
	int e = X509_STORE_CTX_get_error(ctx);
	if (ok != 1)
		printf("# X509_verify_cert: %s\n", X509_verify_cert_error_string(e));
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	X509_STORE_free(store);
	return ok == 1 ? 0 : e ? e : -1;
}

static X509 *issue_vcek(const uint8_t tcb[8], ss_eckey **key_out)
{
	ss_eckey *vcek;
	uint8_t *der;
	size_t len;
	ss_error err = {0};
	if (ss_snp_vcek_derive(ident->chip_secret, 48, tcb, &vcek, &err) ||
	    ss_snp_issue_vcek(ident->ca, vcek, tcb, ident->chip_id, 0, &der, &len, &err)) {
		printf("# %s\n", err.msg);
		return NULL;
	}
	X509 *x = der_to_x509(der, len);
	free(der);
	if (key_out)
		*key_out = vcek;
	else
		ss_eckey_free(vcek);
	return x;
}

TEST(vcek_cert_verifies_with_openssl_and_carries_tcb)
{
	REQUIRE(ident);
	uint8_t tcb[8] = {3, 0, 0, 0, 0, 0, 8, 0xD1};
	X509 *vcek = issue_vcek(tcb, NULL);
	REQUIRE(vcek);
	X509 *ark = ss_snp_ca_x509(ident->ca, SS_SNP_ARK),
	     *ask = ss_snp_ca_x509(ident->ca, SS_SNP_ASK);
	CHECK(openssl_verify(vcek, ask, ark, NULL) == 0);
	/* PSS SHA-384 salt 48 as AMD's */
	CHECK(X509_get_signature_nid(vcek) == NID_rsassaPss);
	/* the extensions decode to what was asked */
	CHECK(cert_int_ext(vcek, "1.3.6.1.4.1.3704.1.3.1") == 3);
	CHECK(cert_int_ext(vcek, "1.3.6.1.4.1.3704.1.3.3") == 8);
	CHECK(cert_int_ext(vcek, "1.3.6.1.4.1.3704.1.3.8") == 0xD1);
	ASN1_OBJECT *hw = OBJ_txt2obj("1.3.6.1.4.1.3704.1.4", 1);
	int idx = X509_get_ext_by_OBJ(vcek, hw, -1);
	ASN1_OBJECT_free(hw);
	REQUIRE(idx >= 0);
	ASN1_OCTET_STRING *os = X509_EXTENSION_get_data(X509_get_ext(vcek, idx));
	CHECK(ASN1_STRING_length(os) == 64);
	CHECK_MEM(ASN1_STRING_get0_data(os), ident->chip_id, 64);
	/* validity 7 years, serial 0 */
	int days, secs;
	REQUIRE(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(vcek), X509_get0_notAfter(vcek)));
	CHECK(days >= 7 * 365 && days <= 7 * 365 + 2);
	CHECK(ASN1_INTEGER_get(X509_get0_serialNumber(vcek)) == 0);

	/* negative: a real AMD ARK is not its anchor; a flipped signature byte breaks it */
	X509 *real_ark = NULL;
	size_t len;
	uint8_t *pem = read_vector("snp/ca/milan/ark.pem", &len);
	REQUIRE(pem);
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	real_ark = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	free(pem);
	REQUIRE(real_ark);
	CHECK(openssl_verify(vcek, ask, real_ark, NULL) != 0);
	unsigned char *der = NULL;
	int n = i2d_X509(vcek, &der);
	der[n - 5] ^= 1;
	X509 *bad = der_to_x509(der, (size_t)n);
	REQUIRE(bad);
	CHECK(openssl_verify(bad, ask, ark, NULL) != 0);
	X509_free(bad);
	OPENSSL_free(der);
	X509_free(real_ark);

	/* out of what KDS certifies */
	uint8_t big[8] = {128, 0, 0, 0, 0, 0, 8, 0};
	uint8_t *d2;
	size_t l2;
	ss_error err = {0};
	ss_eckey *k;
	REQUIRE(ss_snp_vcek_derive(ident->chip_secret, 48, big, &k, NULL) == 0);
	CHECK(ss_snp_issue_vcek(ident->ca, k, big, ident->chip_id, 0, &d2, &l2, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "blSPL");
	ss_eckey_free(k);
	X509_free(vcek);
}

TEST(crl_signed_by_ark_and_accepted_by_openssl)
{
	REQUIRE(ident);
	uint8_t *der;
	size_t len;
	REQUIRE(ss_snp_ca_crl(ident->ca, 0, 7, &der, &len, NULL) == 0);
	const unsigned char *p = der;
	X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)len);
	free(der);
	REQUIRE(crl);
	X509 *ark = ss_snp_ca_x509(ident->ca, SS_SNP_ARK),
	     *ask = ss_snp_ca_x509(ident->ca, SS_SNP_ASK);
	CHECK(X509_CRL_verify(crl, X509_get0_pubkey(ark)) == 1);
	CHECK(X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(ark)) == 0);
	CHECK(X509_CRL_get_signature_nid(crl) == NID_rsassaPss);
	ASN1_INTEGER *num = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL);
	CHECK(num && ASN1_INTEGER_get(num) == 7);
	ASN1_INTEGER_free(num);
	/* OpenSSL's chain check with CRL checking on: the CRL covers ARK-issued certs */
	uint8_t tcb[8] = {3, 0, 0, 0, 0, 0, 8, 115};
	X509 *vcek = issue_vcek(tcb, NULL);
	REQUIRE(vcek);
	X509_STORE *store = X509_STORE_new();
	X509_STORE_add_cert(store, ark);
	X509_STORE_add_crl(store, crl);
	X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	sk_X509_push(untrusted, ask);
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	/* verify the ASK against the ARK with the ARK's CRL in force */
	X509_STORE_CTX_init(ctx, store, ask, NULL);
	CHECK(X509_verify_cert(ctx) == 1);
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	X509_STORE_free(store);
	X509_free(vcek);
	X509_CRL_free(crl);
}

/* ---- byte-for-byte profile comparison with real AMD certificates ---- */

static size_t ext_block(X509 *x, uint8_t *out, size_t cap)
{
	size_t n = 0;
	for (int i = 0; i < X509_get_ext_count(x); i++) {
		unsigned char *der = NULL;
		int l = i2d_X509_EXTENSION(X509_get_ext(x, i), &der);
		if (l > 0 && n + (size_t)l <= cap)
			memcpy(out + n, der, (size_t)l);
		n += l > 0 ? (size_t)l : 0;
		OPENSSL_free(der);
	}
	return n;
}

static size_t name_der(const X509_NAME *nm, uint8_t *out)
{
	unsigned char *der = NULL;
	int l = i2d_X509_NAME(nm, &der);
	if (l > 0)
		memcpy(out, der, (size_t)l);
	OPENSSL_free(der);
	return l > 0 ? (size_t)l : 0;
}

/* Issues a cert for the real report's REPORTED_TCB and CHIP_ID (or cspId) with our CA and checks
 * the whole extensions block, subject and issuer DER equal the real certificate's. */
static void compare_with_real(const ss_snp_ca *ca, const char *case_dir, const char *leaf,
			      const char *csp_id)
{
	char rel[256];
	size_t len;
	snprintf(rel, sizeof(rel), "snp/cases/%s/report.bin", case_dir);
	uint8_t *rep = read_vector(rel, &len);
	snprintf(rel, sizeof(rel), "snp/cases/%s/%s", case_dir, leaf);
	X509 *real = read_der_cert(rel);
	CHECK(rep && real);
	if (!rep || !real) {
		free(rep);
		X509_free(real);
		return;
	}
	ss_eckey *key;
	uint8_t *der = NULL;
	size_t dlen;
	ss_error err = {0};
	int rc = ss_snp_vcek_derive(secret_a, 48, rep + 0x180, &key, &err);
	if (!rc)
		rc = csp_id ? ss_snp_issue_vlek(ca, key, rep + 0x180, csp_id, 0, &der, &dlen, &err)
			    : ss_snp_issue_vcek(ca, key, rep + 0x180, rep + 0x1A0, 0, &der, &dlen,
						&err);
	if (rc)
		printf("# %s: %s\n", case_dir, err.msg);
	CHECK(rc == 0);
	X509 *ours = rc ? NULL : der_to_x509(der, dlen);
	if (ours) {
		static uint8_t a[4096], b[4096];
		size_t la = ext_block(ours, a, sizeof(a)), lb = ext_block(real, b, sizeof(b));
		if (la != lb)
			printf("# %s: extensions %zu bytes, real %zu\n", case_dir, la, lb);
		CHECK(la == lb);
		if (la == lb)
			CHECK_MEM(a, b, la);
		la = name_der(X509_get_subject_name(ours), a);
		lb = name_der(X509_get_subject_name(real), b);
		CHECK(la == lb && la > 0);
		if (la == lb)
			CHECK_MEM(a, b, la);
		la = name_der(X509_get_issuer_name(ours), a);
		lb = name_der(X509_get_issuer_name(real), b);
		CHECK(la == lb && la > 0);
		if (la == lb)
			CHECK_MEM(a, b, la);
		CHECK(X509_get_version(ours) == X509_get_version(real));
		CHECK(ASN1_INTEGER_cmp(X509_get0_serialNumber(ours),
				       X509_get0_serialNumber(real)) == 0);
		/* the SPKI algorithm: id-ecPublicKey on secp384r1 */
		CHECK(EVP_PKEY_get_base_id(X509_get0_pubkey(ours)) ==
		      EVP_PKEY_get_base_id(X509_get0_pubkey(real)));
	}
	X509_free(ours);
	free(der);
	ss_eckey_free(key);
	free(rep);
	X509_free(real);
}

TEST(vcek_and_vlek_profile_matches_real_amd_certs)
{
	REQUIRE(ident);
	compare_with_real(ident->ca, "02-milan-v2-vcek-virtee", "vcek.der", NULL);
	compare_with_real(ident->ca, "04-milan-v3-vcek-oak", "vcek.der", NULL);
	compare_with_real(ident->ca, "11-milan-v2-vlek-aws-trustee", "vlek.der",
			  "CN=cc-us-east-2.amazonaws.com");
	/* Genoa and Turin CAs: RSA-2048 keys, a TEST-ONLY size to keep the suite fast; the profile
	 * compared here (names, extensions) does not depend on the key size. */
	ss_snp_ca *genoa = NULL, *turin = NULL;
	REQUIRE(ss_snp_ca_generate(SS_SNP_GENOA, 2048, 0, &genoa, NULL) == 0);
	REQUIRE(ss_snp_ca_generate(SS_SNP_TURIN, 2048, 0, &turin, NULL) == 0);
	compare_with_real(genoa, "06-genoa-v2-vcek-oak", "vcek.der", NULL);
	compare_with_real(genoa, "08-genoa-v5-vcek-oak", "vcek.der", NULL);
	compare_with_real(turin, "10-turin-v5-vcek-oak", "vcek.der", NULL);
	ss_snp_ca_free(genoa);
	ss_snp_ca_free(turin);
}

TEST(ca_profile_matches_real_amd_ca)
{
	REQUIRE(ident);
	size_t len;
	uint8_t *pem = read_vector("snp/ca/milan/cert_chain.vlek.pem", &len);
	REQUIRE(pem);
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	X509 *real_asvk = PEM_read_bio_X509(b, NULL, NULL, NULL);
	X509 *real_ark = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	free(pem);
	pem = read_vector("snp/ca/milan/ask.pem", &len);
	REQUIRE(pem);
	b = BIO_new_mem_buf(pem, (int)len);
	X509 *real_ask = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	free(pem);
	REQUIRE(real_asvk && real_ark && real_ask);
	X509 *real[3] = {real_ark, real_ask, real_asvk};
	for (int r = 0; r < 3; r++) {
		X509 *ours = ss_snp_ca_x509(ident->ca, (ss_snp_ca_role)r);
		uint8_t a[512], c[512];
		size_t la = name_der(X509_get_subject_name(ours), a);
		size_t lc = name_der(X509_get_subject_name(real[r]), c);
		CHECK(la == lc);
		if (la == lc)
			CHECK_MEM(a, c, la);
		CHECK(ASN1_INTEGER_cmp(X509_get0_serialNumber(ours),
				       X509_get0_serialNumber(real[r])) == 0);
		/* same extensions, same order, same criticality; same values where they do not
		 * depend on the key (basicConstraints, keyUsage, CRL DP) */
		CHECK(X509_get_ext_count(ours) == X509_get_ext_count(real[r]));
		for (int i = 0; i < X509_get_ext_count(ours) && i < X509_get_ext_count(real[r]);
		     i++) {
			X509_EXTENSION *eo = X509_get_ext(ours, i), *er = X509_get_ext(real[r], i);
			int nid = OBJ_obj2nid(X509_EXTENSION_get_object(eo));
			CHECK(nid == OBJ_obj2nid(X509_EXTENSION_get_object(er)));
			CHECK(X509_EXTENSION_get_critical(eo) == X509_EXTENSION_get_critical(er));
			if (nid == NID_basic_constraints || nid == NID_key_usage ||
			    nid == NID_crl_distribution_points) {
				bool same = ASN1_STRING_cmp(X509_EXTENSION_get_data(eo),
							    X509_EXTENSION_get_data(er)) == 0;
				if (!same)
					printf("# role %d extension %s differs\n", r,
					       OBJ_nid2sn(nid));
				CHECK(same);
			}
		}
		EVP_PKEY *pk = X509_get0_pubkey(ours);
		CHECK(EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA && EVP_PKEY_get_bits(pk) == 4096);
	}
	/* the chain bodies: ASK (ASVK) then ARK */
	char *chain = ss_snp_ca_chain_pem(ident->ca, true),
	     *asvk = ss_snp_ca_cert_pem(ident->ca, SS_SNP_ASVK);
	CHECK(chain && asvk && strncmp(chain, asvk, strlen(asvk)) == 0);
	free(chain);
	free(asvk);
	X509_free(real_ark);
	X509_free(real_ask);
	X509_free(real_asvk);
}

/* ---- a report signed the way the AMD-SP signs, verified with the certificate's key ---- */

TEST(report_signature_verifies_with_cert_public_key)
{
	REQUIRE(ident);
	uint8_t tcb[8] = {3, 0, 0, 0, 0, 0, 8, 115};
	ss_eckey *vcek = NULL;
	X509 *cert = issue_vcek(tcb, &vcek);
	REQUIRE(cert && vcek);
	static uint8_t report[0x4A0];
	for (size_t i = 0; i < 0x2A0; i++)
		report[i] = (uint8_t)(i * 7);
	memset(report + 0x2A0, 0xEE, 0x4A0 - 0x2A0); /* signing must clear this */
	REQUIRE(ss_snp_report_sign(vcek, report, sizeof(report), NULL) == 0);
	uint8_t zero[368] = {0};
	CHECK_MEM(report + 0x330, zero, 368);
	CHECK_MEM(report + 0x2A0 + 48, zero, 24);
	/* independent check: R, S little-endian -> DER ECDSA-Sig-Value, EVP_DigestVerify with the
	 * public key taken from the X.509 certificate */
	uint8_t r[48], s[48];
	for (int i = 0; i < 48; i++) {
		r[i] = report[0x2A0 + 47 - i];
		s[i] = report[0x2E8 + 47 - i];
	}
	ECDSA_SIG *sig = ECDSA_SIG_new();
	ECDSA_SIG_set0(sig, BN_bin2bn(r, 48, NULL), BN_bin2bn(s, 48, NULL));
	unsigned char *sder = NULL;
	int slen = i2d_ECDSA_SIG(sig, &sder);
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	REQUIRE(EVP_DigestVerifyInit(m, NULL, EVP_sha384(), NULL, X509_get0_pubkey(cert)) == 1);
	CHECK(EVP_DigestVerify(m, sder, (size_t)slen, report, 0x2A0) == 1);
	EVP_MD_CTX_free(m);
	/* a changed signed byte fails */
	report[0x50] ^= 1;
	m = EVP_MD_CTX_new();
	EVP_DigestVerifyInit(m, NULL, EVP_sha384(), NULL, X509_get0_pubkey(cert));
	CHECK(EVP_DigestVerify(m, sder, (size_t)slen, report, 0x2A0) != 1);
	EVP_MD_CTX_free(m);
	CHECK(ss_snp_report_verify_sig(vcek, report, sizeof(report), NULL) == SS_EBADSIG);
	report[0x50] ^= 1;
	CHECK(ss_snp_report_verify_sig(vcek, report, sizeof(report), NULL) == 0);
	OPENSSL_free(sder);
	ECDSA_SIG_free(sig);
	ss_eckey_free(vcek);
	X509_free(cert);
}

/* ---- end to end through softsev's own report verifier (attest layer) ---- */

/* A report as the emulated AMD-SP would sign it, verified by ss_chain_verify/ss_report_verify
 * with the emulated ARK pinned as the anchor (the CLI's `report verify` only trusts AMD's
 * built-in roots, so this goes through the library). */
static int verify_with_attest(const ss_snp_ca *ca, X509 *leaf_x, const uint8_t *report,
			      bool pin_emulated, ss_error *err)
{
	uint8_t *der[3] = {NULL, NULL, NULL};
	size_t len[3];
	ss_cert *leaf = NULL, *ask = NULL, *ark = NULL;
	ss_chain *chain = NULL;
	ss_report rep;
	unsigned char *ld = NULL;
	int ll = i2d_X509(leaf_x, &ld);
	int rc = ss_cert_from_bytes(ld, (size_t)ll, &leaf, err);
	OPENSSL_free(ld);
	if (!rc)
		rc = ss_snp_ca_cert_der(ca, SS_SNP_ASK, &der[1], &len[1], err);
	if (!rc)
		rc = ss_snp_ca_cert_der(ca, SS_SNP_ARK, &der[0], &len[0], err);
	if (!rc)
		rc = ss_cert_from_bytes(der[1], len[1], &ask, err);
	if (!rc)
		rc = ss_cert_from_bytes(der[0], len[0], &ark, err);
	if (!rc) {
		ss_chain_inputs in = {.product = SS_PRODUCT_MILAN,
				      .leaf = leaf,
				      .ask = ask,
				      .ark = pin_emulated ? ark : NULL,
				      .anchor = pin_emulated ? ark : NULL,
				      .at = time(NULL)};
		rc = ss_chain_verify(&in, &chain, err);
	}
	if (!rc)
		rc = ss_report_parse(report, 0x4A0, &rep, err);
	if (!rc && rep.product == SS_PRODUCT_UNKNOWN)
		rc = ss_report_set_product(&rep, SS_PRODUCT_MILAN, SS_PRODUCT_FROM_CALLER, err);
	if (!rc)
		rc = ss_report_verify(chain, &rep, NULL, err);
	ss_chain_free(chain);
	ss_cert_free(leaf);
	ss_cert_free(ask);
	ss_cert_free(ark);
	for (int i = 0; i < 3; i++)
		free(der[i]);
	return rc;
}

TEST(report_signed_by_vcek_verifies_through_attest)
{
	REQUIRE(ident);
	uint8_t tcb[8] = {3, 0, 0, 0, 0, 0, 8, 115};
	ss_eckey *vcek = NULL;
	X509 *cert = issue_vcek(tcb, &vcek);
	REQUIRE(cert && vcek);
	static uint8_t report[0x4A0];
	memset(report, 0, sizeof(report));
	ss_put_le32(report + 0x00, 2);		    /* VERSION */
	ss_put_le64(report + 0x08, 0x30000);	    /* POLICY: SMT allowed, reserved bit 17 */
	ss_put_le32(report + 0x34, 1);		    /* SIGNATURE_ALGO: ECDSA P-384 SHA-384 */
	memcpy(report + 0x38, tcb, 8);		    /* CURRENT_TCB */
	memset(report + 0x50, 0x5A, 64);	    /* REPORT_DATA */
	memset(report + 0x90, 0x11, 48);	    /* MEASUREMENT */
	memset(report + 0x160, 0xFF, 32);	    /* REPORT_ID_MA: no migration agent */
	memcpy(report + 0x180, tcb, 8);		    /* REPORTED_TCB */
	memcpy(report + 0x1A0, ident->chip_id, 64); /* CHIP_ID */
	memcpy(report + 0x1E0, tcb, 8);		    /* COMMITTED_TCB */
	memcpy(report + 0x1F0, tcb, 8);		    /* LAUNCH_TCB */
	REQUIRE(ss_snp_report_sign(vcek, report, sizeof(report), NULL) == 0);
	ss_error err = {0};
	int rc = verify_with_attest(ident->ca, cert, report, true, &err);
	if (rc)
		printf("# attest: %s\n", err.msg);
	CHECK(rc == 0);
	/* AMD's real ARK as the anchor: the emulated chain is refused */
	CHECK(verify_with_attest(ident->ca, cert, report, false, &err) != 0);
	/* a changed REPORT_DATA byte: bad signature */
	report[0x60] ^= 1;
	CHECK(verify_with_attest(ident->ca, cert, report, true, &err) == SS_EBADSIG);
	report[0x60] ^= 1;
	/* a VCEK for another TCB does not match REPORTED_TCB */
	uint8_t tcb2[8] = {3, 0, 0, 0, 0, 0, 9, 115};
	X509 *other = issue_vcek(tcb2, NULL);
	REQUIRE(other);
	CHECK(verify_with_attest(ident->ca, other, report, true, &err) != 0);
	X509_free(other);
	ss_eckey_free(vcek);
	X509_free(cert);
}

/* ---- wrapped VLEK (SNP_VLEK_LOAD) ---- */

TEST(vlek_wrap_roundtrip_and_rejections)
{
	uint8_t tcb[8] = {3, 0, 0, 0, 0, 0, 21, 209}, got_tcb[8];
	ss_eckey *vlek, *back = NULL;
	REQUIRE(ss_snp_vlek_derive(secret_b, 48, tcb, &vlek, NULL) == 0);
	uint8_t blob[SS_SNP_VLEK_WRAPPED_LEN];
	REQUIRE(ss_snp_vlek_wrap(secret_a, 48, vlek, tcb, blob, NULL) == 0);
	ss_error err = {0};
	REQUIRE(ss_snp_vlek_unwrap(secret_a, 48, blob, sizeof(blob), &back, got_tcb, &err) == 0);
	uint8_t p1[96], p2[96];
	pub_of(vlek, p1);
	pub_of(back, p2);
	CHECK_MEM(p1, p2, 96);
	CHECK_MEM(got_tcb, tcb, 8);
	ss_eckey_free(back);
	/* another chip cannot load it */
	CHECK(ss_snp_vlek_unwrap(secret_b, 48, blob, sizeof(blob), &back, NULL, &err) ==
	      SS_EBADSIG);
	/* the TCB is authenticated */
	blob[0x08] ^= 1;
	CHECK(ss_snp_vlek_unwrap(secret_a, 48, blob, sizeof(blob), &back, NULL, &err) ==
	      SS_EBADSIG);
	blob[0x08] ^= 1;
	blob[0x30] ^= 1; /* wrapped scalar */
	CHECK(ss_snp_vlek_unwrap(secret_a, 48, blob, sizeof(blob), &back, NULL, &err) ==
	      SS_EBADSIG);
	blob[0x30] ^= 1;
	blob[0] ^= 1;
	CHECK(ss_snp_vlek_unwrap(secret_a, 48, blob, sizeof(blob), &back, NULL, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "magic");
	blob[0] ^= 1;
	blob[0x1AF] = 1;
	CHECK(ss_snp_vlek_unwrap(secret_a, 48, blob, sizeof(blob), &back, NULL, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "0x060");
	blob[0x1AF] = 0;
	CHECK(ss_snp_vlek_unwrap(secret_a, 48, blob, 431, &back, NULL, &err) == SS_EINVAL);
	CHECK(ss_snp_vlek_unwrap(secret_a, 48, blob, sizeof(blob), &back, NULL, &err) == 0);
	ss_eckey_free(back);
	ss_eckey_free(vlek);
}

TEST(cleanup)
{
	REQUIRE(ident);
	static const char *const files[] = {
	    "snp-product",     "snp-chip-secret", "snp-vlek-seed",
	    "snp-ark.key.pem", "snp-ask.key.pem", "snp-asvk.key.pem",
	    "snp-ark.pem",     "snp-ask.pem",	  "snp-asvk.pem"};
	char p[512];
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", state_dir, files[i]);
		CHECK(unlink(p) == 0);
	}
	CHECK(rmdir(state_dir) == 0);
	ss_snp_identity_free(ident);
	ident = NULL;
}

TEST_MAIN(kbkdf_matches_sp800_108, vcek_scalar_is_kdf_reduced_mod_n,
	  vcek_deterministic_and_bound_to_tcb_and_chip, chip_id_per_product,
	  tcb_layouts_match_real_reports, identity_created_then_reopened,
	  identity_rejects_partial_and_mismatched_state,
	  vcek_cert_verifies_with_openssl_and_carries_tcb,
	  crl_signed_by_ark_and_accepted_by_openssl, vcek_and_vlek_profile_matches_real_amd_certs,
	  ca_profile_matches_real_amd_ca, report_signature_verifies_with_cert_public_key,
	  report_signed_by_vcek_verifies_through_attest, vlek_wrap_roundtrip_and_rejections,
	  cleanup)
