/* X.509 certificates of the AMD SEV-SNP PKI and the AMD extensions of VCEK/VLEK certificates
 * (attestation.md §8.1, §8.2). Parsing is OpenSSL's; this file only reads what AMD put there. */
#include "attest/internal.h"

#include <openssl/asn1.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <softsev/crypto.h>

#include "util/file.h"

#define SS_CERT_MAX_FILE (1u << 20)

void ss_asn1_time_text(const ASN1_TIME *t, char *out, size_t len)
{
	struct tm tm;
	if (!t || !ASN1_TIME_to_tm(t, &tm)) {
		snprintf(out, len, "(invalid time)");
		return;
	}
	strftime(out, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

void ss_time_text(time_t t, char *out, size_t len)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

int ss_cert_wrap(X509 *x, ss_cert **out, ss_error *err)
{
	ss_cert *c = calloc(1, sizeof(*c));
	if (!c) {
		X509_free(x);
		return ss_fail(err, SS_ENOMEM, "out of memory");
	}
	c->x = x;
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	if (n <= 0) {
		ss_cert_free(c);
		return ss_fail(err, SS_EINVAL, "certificate cannot be re-encoded as DER");
	}
	c->der = der;
	c->der_len = (size_t)n;
	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, c->cn, sizeof(c->cn));
	*out = c;
	return 0;
}

int ss_cert_from_bytes(const uint8_t *data, size_t len, ss_cert **out, ss_error *err)
{
	X509 *x = NULL;
	if (len > SS_CERT_MAX_FILE)
		return ss_fail(err, SS_ERANGE, "certificate is too large (%zu bytes)", len);
	if (len >= 10 && memmem(data, len, "-----BEGIN", 10)) {
		BIO *bio = BIO_new_mem_buf(data, (int)len);
		if (!bio)
			return ss_fail(err, SS_ENOMEM, "out of memory");
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		BIO_free(bio);
	} else {
		const unsigned char *p = data;
		x = d2i_X509(NULL, &p, (long)len);
		if (x && p != data + len) {
			X509_free(x);
			return ss_fail(
			    err, SS_EINVAL,
			    "DER certificate has %zu trailing bytes after the certificate",
			    (size_t)(data + len - p));
		}
	}
	if (!x)
		return ss_fail(err, SS_EINVAL, "not an X.509 certificate in PEM or DER: %s",
			       ss_crypto_last_error());
	return ss_cert_wrap(x, out, err);
}

int ss_cert_load(const char *path, ss_cert **out, ss_error *err)
{
	uint8_t *data;
	size_t len;
	int rc = ss_read_file(path, SS_CERT_MAX_FILE, &data, &len, err);
	if (rc)
		return rc;
	rc = ss_cert_from_bytes(data, len, out, err);
	free(data);
	if (rc)
		return ss_wrap(err, rc, "%s", path);
	return 0;
}

void ss_cert_free(ss_cert *c)
{
	if (!c)
		return;
	X509_free(c->x);
	OPENSSL_free(c->der);
	free(c);
}

const char *ss_cert_cn(const ss_cert *c)
{
	return c->cn;
}

const uint8_t *ss_cert_der(const ss_cert *c, size_t *len)
{
	*len = c->der_len;
	return c->der;
}

char *ss_cert_to_pem(const ss_cert *c)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *out = NULL, *mem;
	if (!bio)
		return NULL;
	if (PEM_write_bio_X509(bio, c->x)) {
		long n = BIO_get_mem_data(bio, &mem);
		if (n > 0 && (out = malloc((size_t)n + 1))) {
			memcpy(out, mem, (size_t)n);
			out[n] = 0;
		}
	}
	BIO_free(bio);
	return out;
}

/* ---- AMD extensions (§8.2): arc 1.3.6.1.4.1.3704.1 ---- */

#define AMD_ARC "1.3.6.1.4.1.3704.1."

/* A DER INTEGER filling the whole extension value, in [0, max]. */
static int ext_int(const ASN1_OCTET_STRING *v, const char *oid, int64_t max, int64_t *out,
		   ss_error *err)
{
	const unsigned char *p = ASN1_STRING_get0_data(v);
	long len = ASN1_STRING_length(v);
	ASN1_INTEGER *i = d2i_ASN1_INTEGER(NULL, &p, len);
	int64_t x;
	int ok = i && p == ASN1_STRING_get0_data(v) + len && ASN1_INTEGER_get_int64(&x, i) == 1 &&
		 x >= 0 && x <= max;
	ASN1_INTEGER_free(i);
	if (!ok)
		return ss_fail(err, SS_EINVAL, "AMD extension %s is not a DER INTEGER in 0..%lld",
			       oid, (long long)max);
	*out = x;
	return 0;
}

static int ext_ia5(const ASN1_OCTET_STRING *v, const char *oid, char *out, size_t out_len,
		   ss_error *err)
{
	const unsigned char *p = ASN1_STRING_get0_data(v);
	long len = ASN1_STRING_length(v);
	ASN1_IA5STRING *s = d2i_ASN1_IA5STRING(NULL, &p, len);
	int ok = s && p == ASN1_STRING_get0_data(v) + len &&
		 (size_t)ASN1_STRING_length(s) < out_len &&
		 !memchr(ASN1_STRING_get0_data(s), 0, (size_t)ASN1_STRING_length(s));
	if (ok) {
		memcpy(out, ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
		out[ASN1_STRING_length(s)] = 0;
	}
	ASN1_IA5STRING_free(s);
	if (!ok)
		return ss_fail(err, SS_EINVAL, "AMD extension %s is not a DER IA5String", oid);
	return 0;
}

/* hwID is raw bytes (64 Milan/Genoa, 8 Turin); go-sev-guest also accepts a DER OCTET STRING. */
static int ext_hwid(const ASN1_OCTET_STRING *v, ss_amd_ext *e, ss_error *err)
{
	const unsigned char *p = ASN1_STRING_get0_data(v);
	size_t len = (size_t)ASN1_STRING_length(v);
	if (len == 64 || len == 8) {
		memcpy(e->hwid, p, len);
		e->hwid_len = len;
		return 0;
	}
	if (len >= 2 && p[0] == 0x04 && (p[1] == 64 || p[1] == 8) && len == (size_t)p[1] + 2) {
		memcpy(e->hwid, p + 2, p[1]);
		e->hwid_len = p[1];
		return 0;
	}
	return ss_fail(err, SS_EINVAL,
		       "AMD extension hwID (" AMD_ARC "4) is %zu bytes, not 64 or 8", len);
}

int ss_cert_amd_extensions(const ss_cert *c, ss_amd_ext *e, ss_error *err)
{
	memset(e, 0, sizeof(*e));
	int n = X509_get_ext_count(c->x);
	for (int i = 0; i < n; i++) {
		X509_EXTENSION *ext = X509_get_ext(c->x, i);
		char oid[80];
		if (OBJ_obj2txt(oid, sizeof(oid), X509_EXTENSION_get_object(ext), 1) <= 0)
			continue;
		if (strncmp(oid, AMD_ARC, strlen(AMD_ARC)))
			continue;
		const char *sub = oid + strlen(AMD_ARC);
		const ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(ext);
		int64_t x;
		int rc = 0;
		if (!strcmp(sub, "1")) {
			rc = ext_int(v, oid, INT32_MAX, &x, err);
			e->struct_version = x;
			e->has_struct_version = !rc;
		} else if (!strcmp(sub, "2")) {
			rc = ext_ia5(v, oid, e->product_name, sizeof(e->product_name), err);
			e->has_product_name = !rc;
		} else if (!strncmp(sub, "3.", 2)) {
			/* SPLs are TCB bytes: 0..255 (§8.2; ucodeSPL >= 128 carries a 0x00 pad). */
			int k = atoi(sub + 2);
			if (k < 1 || k > 9 || sub[3])
				continue;
			rc = ext_int(v, oid, 255, &x, err);
			if (rc)
				return rc;
			uint8_t b = (uint8_t)x;
			switch (k) {
			case 1: e->bl = b, e->has_bl = true; break;
			case 2: e->tee = b, e->has_tee = true; break;
			case 3: e->snp = b, e->has_snp = true; break;
			case 8: e->ucode = b, e->has_ucode = true; break;
			case 9: e->fmc = b, e->has_fmc = true; break;
			default: e->spl[k - 4] = b, e->has_spl[k - 4] = true; break;
			}
		} else if (!strcmp(sub, "4")) {
			rc = ext_hwid(v, e, err);
		} else if (!strcmp(sub, "5")) {
			rc = ext_ia5(v, oid, e->csp_id, sizeof(e->csp_id), err);
			e->has_csp_id = !rc;
		}
		if (rc)
			return rc;
	}
	return 0;
}
