/* The emulated part's ARK/ASK/ASVK and the VCEK/VLEK certificates and CRL they issue, in AMD's
 * X.509 profile (attestation.md §8; the profile is summarised in include/softsev/snp_certs.h).
 * Every certificate and CRL is built and signed by OpenSSL's X509 APIs. */
#include <softsev/snp_certs.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct ss_snp_ca {
	ss_snp_product product;
	EVP_PKEY *key[SS_SNP_CA_ROLES];
	X509 *cert[SS_SNP_CA_ROLES];
};

/* AMD's serial numbers per product (attestation.md §8.1), indexed [product][role]. */
static const long ca_serial[3][SS_SNP_CA_ROLES] = {
    [SS_SNP_MILAN] = {0x10000, 0x10001, 0x10101},
    [SS_SNP_GENOA] = {0x20000, 0x20002, 0x20101},
    [SS_SNP_TURIN] = {0x30000, 0x30001, 0x30101},
};

static const char *const role_names[SS_SNP_CA_ROLES] = {"ARK", "ASK", "ASVK"};

static void ca_cn(ss_snp_product p, ss_snp_ca_role role, char *out, size_t n)
{
	static const char *const prefix[SS_SNP_CA_ROLES] = {"ARK-", "SEV-", "SEV-VLEK-"};
	snprintf(out, n, "%s%s", prefix[role], ss_snp_product_name(p));
}

static int openssl_fail(ss_error *err, const char *what)
{
	return ss_fail(err, SS_ECRYPTO, "%s: %s", what, ss_crypto_last_error());
}

/* OU, C, L, ST, O, CN in AMD's order; OpenSSL's default string mask gives UTF8String and, for
 * countryName, PrintableString — the types AMD's certificates use. */
static X509_NAME *amd_name(const char *cn)
{
	static const char *const fields[][2] = {
	    {"OU", "Engineering"},	     {"C", "US"}, {"L", "Santa Clara"}, {"ST", "CA"},
	    {"O", "Advanced Micro Devices"},
	};
	X509_NAME *n = X509_NAME_new();
	bool ok = n != NULL;
	for (size_t i = 0; ok && i < sizeof(fields) / sizeof(fields[0]); i++)
		ok =
		    X509_NAME_add_entry_by_txt(n, fields[i][0], MBSTRING_UTF8,
					       (const unsigned char *)fields[i][1], -1, -1, 0) == 1;
	ok = ok && X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1,
					      -1, 0) == 1;
	if (!ok) {
		X509_NAME_free(n);
		return NULL;
	}
	return n;
}

static bool set_validity(X509 *x, int64_t not_before, int years)
{
	time_t nb = (time_t)not_before;
	struct tm tm;
	if (!gmtime_r(&nb, &tm))
		return false;
	tm.tm_year += years;
	time_t na = timegm(&tm);
	return ASN1_TIME_set(X509_getm_notBefore(x), nb) &&
	       ASN1_TIME_set(X509_getm_notAfter(x), na);
}

/* RSASSA-PSS, SHA-384, MGF1-SHA-384, salt 48 (attestation.md §8.1). */
static EVP_MD_CTX *pss_ctx(EVP_PKEY *key)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	if (!m || EVP_DigestSignInit(m, &pc, EVP_sha384(), NULL, key) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, 48) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pc, EVP_sha384()) != 1) {
		EVP_MD_CTX_free(m);
		return NULL;
	}
	return m;
}

static bool sign_cert(X509 *x, EVP_PKEY *key)
{
	EVP_MD_CTX *m = pss_ctx(key);
	bool ok = m && X509_sign_ctx(x, m) > 0;
	EVP_MD_CTX_free(m);
	return ok;
}

static bool add_conf_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	bool ok = e && X509_add_ext(x, e, -1) == 1;
	X509_EXTENSION_free(e);
	return ok;
}

/* A certificate shell: version 3, serial, names, validity, public key. */
static X509 *new_cert(long serial, const char *issuer_cn, const char *subject_cn,
		      EVP_PKEY *subject_key, int64_t not_before, int years)
{
	X509 *x = X509_new();
	X509_NAME *in = amd_name(issuer_cn), *sn = amd_name(subject_cn);
	bool ok = x && in && sn && X509_set_version(x, 2) &&
		  ASN1_INTEGER_set(X509_get_serialNumber(x), serial) &&
		  X509_set_issuer_name(x, in) && X509_set_subject_name(x, sn) &&
		  set_validity(x, not_before, years) && X509_set_pubkey(x, subject_key);
	X509_NAME_free(in);
	X509_NAME_free(sn);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* An extension whose extnValue holds der_value as is. */
static bool add_raw_ext_crit(X509 *x, const char *oid, int critical, const uint8_t *der_value,
			     size_t len)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	X509_EXTENSION *e = NULL;
	bool ok = obj && os && ASN1_OCTET_STRING_set(os, der_value, (int)len) &&
		  (e = X509_EXTENSION_create_by_OBJ(NULL, obj, critical, os)) &&
		  X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(obj);
	return ok;
}

static X509 *make_ca_cert(ss_snp_product p, ss_snp_ca_role role, EVP_PKEY *key, X509 *ark,
			  EVP_PKEY *ark_key, int64_t not_before)
{
	char cn[32], issuer_cn[32], crl[96];
	ca_cn(p, role, cn, sizeof(cn));
	ca_cn(p, SS_SNP_ARK, issuer_cn, sizeof(issuer_cn));
	snprintf(crl, sizeof(crl), "URI:https://kdsintf.amd.com/%s/v1/%s/crl",
		 role == SS_SNP_ASVK ? "vlek" : "vcek", ss_snp_product_name(p));
	/* keyUsage {keyCertSign} exactly as AMD's ASK and ASVK encode it: BIT STRING 03 02 01 04,
	 * i.e. one unused bit declared where minimal DER would declare two (observed on the real
	 * Milan/Genoa/Turin ASK and ASVK; every X.509 parser accepts it). */
	static const uint8_t ask_key_usage[] = {0x03, 0x02, 0x01, 0x04};
	X509 *x = new_cert(ca_serial[p][role], issuer_cn, cn, key, not_before, 25);
	if (!x)
		return NULL;
	X509V3_CTX ctx;
	X509V3_set_ctx(&ctx, role == SS_SNP_ARK ? x : ark, x, NULL, NULL, 0);
	bool ok;
	if (role == SS_SNP_ARK)
		ok = add_conf_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign") &&
		     add_conf_ext(x, &ctx, NID_subject_key_identifier, "hash") &&
		     add_conf_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE") &&
		     add_conf_ext(x, &ctx, NID_crl_distribution_points, crl);
	else
		ok = add_conf_ext(x, &ctx, NID_subject_key_identifier, "hash") &&
		     add_conf_ext(x, &ctx, NID_authority_key_identifier, "keyid:always") &&
		     add_conf_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") &&
		     add_raw_ext_crit(x, "2.5.29.15", 1, ask_key_usage, sizeof(ask_key_usage)) &&
		     add_conf_ext(x, &ctx, NID_crl_distribution_points, crl);
	if (!ok || !sign_cert(x, role == SS_SNP_ARK ? key : ark_key)) {
		X509_free(x);
		return NULL;
	}
	return x;
}

void ss_snp_ca_free(ss_snp_ca *ca)
{
	if (!ca)
		return;
	for (int i = 0; i < SS_SNP_CA_ROLES; i++) {
		EVP_PKEY_free(ca->key[i]);
		X509_free(ca->cert[i]);
	}
	free(ca);
}

int ss_snp_ca_generate(ss_snp_product p, unsigned rsa_bits, int64_t not_before, ss_snp_ca **out,
		       ss_error *err)
{
	if (rsa_bits != 4096 && rsa_bits != 2048)
		return ss_fail(err, SS_EINVAL, "CA keys are RSA-4096 (2048 for tests), not %u bits",
			       rsa_bits);
	if ((unsigned)p > SS_SNP_TURIN)
		return ss_fail(err, SS_EINVAL, "unknown product %d", (int)p);
	ss_snp_ca *ca = calloc(1, sizeof(*ca));
	if (!ca)
		return ss_fail(err, SS_ENOMEM, "out of memory");
	ca->product = p;
	for (int i = 0; i < SS_SNP_CA_ROLES; i++) {
		ca->key[i] = EVP_RSA_gen(rsa_bits);
		if (!ca->key[i]) {
			ss_snp_ca_free(ca);
			return openssl_fail(err, "RSA key generation");
		}
	}
	for (int i = 0; i < SS_SNP_CA_ROLES; i++) {
		ca->cert[i] = make_ca_cert(p, (ss_snp_ca_role)i, ca->key[i], ca->cert[SS_SNP_ARK],
					   ca->key[SS_SNP_ARK], not_before);
		if (!ca->cert[i]) {
			ss_snp_ca_free(ca);
			return ss_fail(err, SS_ECRYPTO, "building the %s certificate: %s",
				       role_names[i], ss_crypto_last_error());
		}
	}
	*out = ca;
	return 0;
}

static bool cn_is(X509_NAME *n, const char *want)
{
	char got[64];
	int len = X509_NAME_get_text_by_NID(n, NID_commonName, got, sizeof(got));
	return len > 0 && strcmp(got, want) == 0;
}

int ss_snp_ca_from_pem(ss_snp_product p, const char *const key_pem[SS_SNP_CA_ROLES],
		       const char *const cert_pem[SS_SNP_CA_ROLES], ss_snp_ca **out, ss_error *err)
{
	if ((unsigned)p > SS_SNP_TURIN)
		return ss_fail(err, SS_EINVAL, "unknown product %d", (int)p);
	ss_snp_ca *ca = calloc(1, sizeof(*ca));
	if (!ca)
		return ss_fail(err, SS_ENOMEM, "out of memory");
	ca->product = p;
	int rc = 0;
	for (int i = 0; i < SS_SNP_CA_ROLES && !rc; i++) {
		BIO *kb = BIO_new_mem_buf(key_pem[i], -1), *cb = BIO_new_mem_buf(cert_pem[i], -1);
		ca->key[i] = kb ? PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL) : NULL;
		ca->cert[i] = cb ? PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
		BIO_free(kb);
		BIO_free(cb);
		char cn[32];
		ca_cn(p, (ss_snp_ca_role)i, cn, sizeof(cn));
		if (!ca->key[i] || EVP_PKEY_get_base_id(ca->key[i]) != EVP_PKEY_RSA)
			rc = ss_fail(err, SS_EINVAL, "%s key: not an RSA private key in PEM",
				     role_names[i]);
		else if (!ca->cert[i])
			rc = ss_fail(err, SS_EINVAL, "%s certificate: not an X.509 PEM certificate",
				     role_names[i]);
		else if (X509_check_private_key(ca->cert[i], ca->key[i]) != 1)
			rc = ss_fail(err, SS_EINVAL, "%s certificate does not match its key",
				     role_names[i]);
		else if (!cn_is(X509_get_subject_name(ca->cert[i]), cn))
			rc = ss_fail(err, SS_EINVAL, "%s certificate: subject CN is not %s",
				     role_names[i], cn);
	}
	for (int i = 0; i < SS_SNP_CA_ROLES && !rc; i++)
		if (X509_verify(ca->cert[i], ca->key[SS_SNP_ARK]) != 1)
			rc = ss_fail(err, SS_EBADSIG, "%s certificate is not signed by the ARK",
				     role_names[i]);
	if (rc) {
		ERR_clear_error();
		ss_snp_ca_free(ca);
		return rc;
	}
	*out = ca;
	return 0;
}

ss_snp_product ss_snp_ca_product(const ss_snp_ca *ca)
{
	return ca->product;
}

void *ss_snp_ca_x509(const ss_snp_ca *ca, ss_snp_ca_role role)
{
	return ca->cert[role];
}

static char *bio_text(BIO *b)
{
	char *data;
	long n = BIO_get_mem_data(b, &data);
	char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (s) {
		memcpy(s, data, (size_t)n);
		s[n] = 0;
	}
	return s;
}

char *ss_snp_ca_key_pem(const ss_snp_ca *ca, ss_snp_ca_role role)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *s = b && PEM_write_bio_PrivateKey(b, ca->key[role], NULL, NULL, 0, NULL, NULL)
		      ? bio_text(b)
		      : NULL;
	BIO_free(b);
	return s;
}

char *ss_snp_ca_cert_pem(const ss_snp_ca *ca, ss_snp_ca_role role)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *s = b && PEM_write_bio_X509(b, ca->cert[role]) ? bio_text(b) : NULL;
	BIO_free(b);
	return s;
}

char *ss_snp_ca_chain_pem(const ss_snp_ca *ca, bool vlek)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *s = b && PEM_write_bio_X509(b, ca->cert[vlek ? SS_SNP_ASVK : SS_SNP_ASK]) &&
			  PEM_write_bio_X509(b, ca->cert[SS_SNP_ARK])
		      ? bio_text(b)
		      : NULL;
	BIO_free(b);
	return s;
}

/* Moves n bytes of DER that OpenSSL allocated (buf) into a malloc'd buffer the caller frees with
 * free(): the public API hands out plain heap memory. Frees buf in every case. */
static int take_der(unsigned char *buf, int n, uint8_t **der, size_t *len, ss_error *err)
{
	*der = malloc((size_t)n);
	if (!*der) {
		OPENSSL_free(buf);
		return ss_fail(err, SS_ENOMEM, "out of memory");
	}
	memcpy(*der, buf, (size_t)n);
	*len = (size_t)n;
	OPENSSL_free(buf);
	return 0;
}

int ss_snp_ca_cert_der(const ss_snp_ca *ca, ss_snp_ca_role role, uint8_t **der, size_t *len,
		       ss_error *err)
{
	unsigned char *buf = NULL;
	int n = i2d_X509(ca->cert[role], &buf);
	if (n <= 0)
		return openssl_fail(err, "encoding a CA certificate");
	return take_der(buf, n, der, len, err);
}

int ss_snp_ca_fingerprint(const ss_snp_ca *ca, ss_snp_ca_role role, uint8_t fp[SS_SHA256_LEN],
			  ss_error *err)
{
	uint8_t *der;
	size_t len;
	int rc = ss_snp_ca_cert_der(ca, role, &der, &len, err);
	if (rc)
		return rc;
	rc = ss_sha256(der, len, fp) ? ss_fail(err, SS_ECRYPTO, "SHA-256 failed") : 0;
	free(der);
	return rc;
}

/* ---- VCEK / VLEK (attestation.md §8.2) ---- */

#define AMD_OID "1.3.6.1.4.1.3704.1."

/* AMD's extensions are never critical. */
static bool add_raw_ext(X509 *x, const char *oid, const uint8_t *der_value, size_t len)
{
	return add_raw_ext_crit(x, oid, 0, der_value, len);
}

static bool add_int_ext(X509 *x, const char *oid, long v)
{
	ASN1_INTEGER *i = ASN1_INTEGER_new();
	unsigned char *der = NULL;
	int n = i && ASN1_INTEGER_set(i, v) ? i2d_ASN1_INTEGER(i, &der) : -1;
	bool ok = n > 0 && add_raw_ext(x, oid, der, (size_t)n);
	OPENSSL_free(der);
	ASN1_INTEGER_free(i);
	return ok;
}

static bool add_ia5_ext(X509 *x, const char *oid, const char *s)
{
	ASN1_IA5STRING *str = ASN1_IA5STRING_new();
	unsigned char *der = NULL;
	int n = str && ASN1_STRING_set(str, s, (int)strlen(s)) ? i2d_ASN1_IA5STRING(str, &der) : -1;
	bool ok = n > 0 && add_raw_ext(x, oid, der, (size_t)n);
	OPENSSL_free(der);
	ASN1_IA5STRING_free(str);
	return ok;
}

/* KDS certifies SVNs 0..127 except microcode 0..255 (firmware-abi.md §6). */
static int check_tcb(ss_snp_product p, const uint8_t tcb[SS_SNP_TCB_LEN], ss_snp_tcb *t,
		     ss_error *err)
{
	ss_snp_tcb_decode(p, tcb, t);
	const struct {
		const char *name;
		uint8_t v;
	} parts[] = {{"fmcSPL", t->fmc}, {"blSPL", t->bl},   {"teeSPL", t->tee},
		     {"snpSPL", t->snp}, {"spl_4", t->spl4}, {"spl_5", t->spl5},
		     {"spl_6", t->spl6}, {"spl_7", t->spl7}};
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (parts[i].v > 127)
			return ss_fail(err, SS_EINVAL,
				       "TCB %s = %u is above 127, which KDS does not certify",
				       parts[i].name, parts[i].v);
	return 0;
}

/* The AMD extensions in AMD's order (attestation.md §8.2 "observed extension order"). */
static bool add_tcb_exts(X509 *x, ss_snp_product p, bool vlek, const ss_snp_tcb *t)
{
	bool turin = p == SS_SNP_TURIN;
	bool ok = add_int_ext(x, AMD_OID "1", turin && !vlek ? 1 : 0) &&
		  add_ia5_ext(x, AMD_OID "2",
			      vlek ? ss_snp_product_name(p) : ss_snp_product_cert_name(p));
	if (turin)
		return ok && add_int_ext(x, AMD_OID "3.9", t->fmc) &&
		       add_int_ext(x, AMD_OID "3.1", t->bl) &&
		       add_int_ext(x, AMD_OID "3.2", t->tee) &&
		       add_int_ext(x, AMD_OID "3.3", t->snp) &&
		       add_int_ext(x, AMD_OID "3.5", t->spl5) &&
		       add_int_ext(x, AMD_OID "3.6", t->spl6) &&
		       add_int_ext(x, AMD_OID "3.7", t->spl7) &&
		       add_int_ext(x, AMD_OID "3.8", t->ucode);
	return ok && add_int_ext(x, AMD_OID "3.1", t->bl) &&
	       add_int_ext(x, AMD_OID "3.2", t->tee) && add_int_ext(x, AMD_OID "3.4", t->spl4) &&
	       add_int_ext(x, AMD_OID "3.5", t->spl5) && add_int_ext(x, AMD_OID "3.6", t->spl6) &&
	       add_int_ext(x, AMD_OID "3.7", t->spl7) && add_int_ext(x, AMD_OID "3.3", t->snp) &&
	       add_int_ext(x, AMD_OID "3.8", t->ucode);
}

static int finish_leaf(X509 *x, EVP_PKEY *signer, uint8_t **der, size_t *len, ss_error *err)
{
	unsigned char *buf = NULL;
	int n = sign_cert(x, signer) ? i2d_X509(x, &buf) : -1;
	X509_free(x);
	if (n <= 0)
		return openssl_fail(err, "signing the certificate");
	return take_der(buf, n, der, len, err);
}

static int64_t now_if_zero(int64_t t)
{
	return t ? t : (int64_t)time(NULL);
}

int ss_snp_issue_vcek(const ss_snp_ca *ca, const ss_eckey *vcek, const uint8_t tcb[SS_SNP_TCB_LEN],
		      const uint8_t chip_id[SS_SNP_CHIP_ID_LEN], int64_t not_before, uint8_t **der,
		      size_t *len, ss_error *err)
{
	ss_snp_tcb t;
	int rc = check_tcb(ca->product, tcb, &t, err);
	if (rc)
		return rc;
	char issuer[32];
	ca_cn(ca->product, SS_SNP_ASK, issuer, sizeof(issuer));
	X509 *x = new_cert(0, issuer, "SEV-VCEK", ss_eckey_evp(vcek), now_if_zero(not_before), 7);
	if (!x || !add_tcb_exts(x, ca->product, false, &t) ||
	    !add_raw_ext(x, AMD_OID "4", chip_id, ss_snp_hwid_len(ca->product))) {
		X509_free(x);
		return openssl_fail(err, "building the VCEK certificate");
	}
	return finish_leaf(x, ca->key[SS_SNP_ASK], der, len, err);
}

int ss_snp_issue_vlek(const ss_snp_ca *ca, const ss_eckey *vlek, const uint8_t tcb[SS_SNP_TCB_LEN],
		      const char *csp_id, int64_t not_before, uint8_t **der, size_t *len,
		      ss_error *err)
{
	size_t n = csp_id ? strlen(csp_id) : 0;
	if (n == 0 || n > 255)
		return ss_fail(err, SS_EINVAL, "VLEK cspId must be 1..255 characters");
	for (size_t i = 0; i < n; i++)
		if (csp_id[i] < 0x20 || csp_id[i] > 0x7e)
			return ss_fail(err, SS_EINVAL,
				       "VLEK cspId: byte %zu is not printable ASCII", i);
	ss_snp_tcb t;
	int rc = check_tcb(ca->product, tcb, &t, err);
	if (rc)
		return rc;
	char issuer[32];
	ca_cn(ca->product, SS_SNP_ASVK, issuer, sizeof(issuer));
	X509 *x = new_cert(0, issuer, "SEV-VLEK", ss_eckey_evp(vlek), now_if_zero(not_before), 1);
	if (!x || !add_tcb_exts(x, ca->product, true, &t) || !add_ia5_ext(x, AMD_OID "5", csp_id)) {
		X509_free(x);
		return openssl_fail(err, "building the VLEK certificate");
	}
	return finish_leaf(x, ca->key[SS_SNP_ASVK], der, len, err);
}

int ss_snp_ca_crl(const ss_snp_ca *ca, int64_t this_update, uint64_t number, uint8_t **der,
		  size_t *len, ss_error *err)
{
	X509 *ark = ca->cert[SS_SNP_ARK];
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t0 = ASN1_TIME_new(), *t1 = ASN1_TIME_new();
	ASN1_INTEGER *num = ASN1_INTEGER_new();
	X509_EXTENSION *aki = NULL;
	EVP_MD_CTX *m = NULL;
	time_t now = (time_t)now_if_zero(this_update);
	X509V3_CTX ctx;
	bool ok = crl && t0 && t1 && num && X509_CRL_set_version(crl, 1) &&
		  X509_CRL_set_issuer_name(crl, X509_get_subject_name(ark)) &&
		  ASN1_TIME_set(t0, now) && ASN1_TIME_set(t1, now + 365 * 24 * 3600) &&
		  X509_CRL_set1_lastUpdate(crl, t0) && X509_CRL_set1_nextUpdate(crl, t1) &&
		  ASN1_INTEGER_set_uint64(num, number);
	if (ok) {
		X509V3_set_ctx(&ctx, ark, NULL, NULL, crl, 0);
		aki = X509V3_EXT_conf_nid(NULL, &ctx, NID_authority_key_identifier, "keyid:always");
		ok = aki && X509_CRL_add_ext(crl, aki, -1) &&
		     X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0) == 1 &&
		     (m = pss_ctx(ca->key[SS_SNP_ARK])) && X509_CRL_sign_ctx(crl, m) > 0;
	}
	unsigned char *buf = NULL;
	int n = ok ? i2d_X509_CRL(crl, &buf) : -1;
	EVP_MD_CTX_free(m);
	X509_EXTENSION_free(aki);
	ASN1_INTEGER_free(num);
	ASN1_TIME_free(t0);
	ASN1_TIME_free(t1);
	X509_CRL_free(crl);
	if (n <= 0)
		return openssl_fail(err, "building the CRL");
	return take_der(buf, n, der, len, err);
}
