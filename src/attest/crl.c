/* CRLs published by AMD's KDS (/vcek/v1/<Product>/crl): X.509 v2 CRLs signed by the ARK with
 * RSASSA-PSS SHA-384, listing revoked ASK/ASVK serials (attestation.md §8.1, §8.3 step 5). */
#include "attest/internal.h"

#include <openssl/pem.h>
#include <softsev/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "util/file.h"

int ss_crl_from_bytes(const uint8_t *data, size_t len, ss_crl **out, ss_error *err)
{
	X509_CRL *c = NULL;
	if (len > (4u << 20))
		return ss_fail(err, SS_ERANGE, "CRL is too large (%zu bytes)", len);
	if (len >= 10 && memmem(data, len, "-----BEGIN", 10)) {
		BIO *bio = BIO_new_mem_buf(data, (int)len);
		if (!bio)
			return ss_fail(err, SS_ENOMEM, "out of memory");
		c = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
		BIO_free(bio);
	} else {
		const unsigned char *p = data;
		c = d2i_X509_CRL(NULL, &p, (long)len);
		if (c && p != data + len) {
			X509_CRL_free(c);
			return ss_fail(err, SS_EINVAL, "DER CRL has trailing bytes");
		}
	}
	if (!c)
		return ss_fail(err, SS_EINVAL, "not an X.509 CRL in PEM or DER: %s",
			       ss_crypto_last_error());
	ss_crl *r = calloc(1, sizeof(*r));
	if (!r) {
		X509_CRL_free(c);
		return ss_fail(err, SS_ENOMEM, "out of memory");
	}
	r->c = c;
	*out = r;
	return 0;
}

int ss_crl_load(const char *path, ss_crl **out, ss_error *err)
{
	uint8_t *data;
	size_t len;
	int rc = ss_read_file(path, 4u << 20, &data, &len, err);
	if (rc)
		return rc;
	rc = ss_crl_from_bytes(data, len, out, err);
	free(data);
	return rc ? ss_wrap(err, rc, "%s", path) : 0;
}

void ss_crl_free(ss_crl *c)
{
	if (!c)
		return;
	X509_CRL_free(c->c);
	free(c);
}

int ss_crl_check(const ss_crl *crl, const ss_cert *issuer, const ss_cert *subject,
		 const char *subject_role, time_t at, ss_error *err)
{
	char t1[64], t2[64];
	if (X509_NAME_cmp(X509_CRL_get_issuer(crl->c), X509_get_subject_name(issuer->x)))
		return ss_fail(err, SS_EBADSIG, "CRL issuer is not the ARK '%s'", issuer->cn);
	EVP_PKEY *pub = X509_get0_pubkey(issuer->x);
	if (!pub || X509_CRL_verify(crl->c, pub) != 1) {
		ss_crypto_last_error();
		return ss_fail(err, SS_EBADSIG, "CRL signature does not verify with the ARK '%s'",
			       issuer->cn);
	}
	const ASN1_TIME *this_upd = X509_CRL_get0_lastUpdate(crl->c);
	const ASN1_TIME *next_upd = X509_CRL_get0_nextUpdate(crl->c);
	ss_time_text(at, t2, sizeof(t2));
	if (!this_upd || X509_cmp_time(this_upd, &at) != -1) {
		ss_asn1_time_text(this_upd, t1, sizeof(t1));
		return ss_fail(err, SS_EBADSIG,
			       "CRL thisUpdate %s is after the verification time %s", t1, t2);
	}
	if (next_upd && X509_cmp_time(next_upd, &at) != 1) {
		ss_asn1_time_text(next_upd, t1, sizeof(t1));
		return ss_fail(
		    err, SS_EBADSIG,
		    "CRL is stale: nextUpdate %s is before the verification time %s (use "
		    "--at or a fresh CRL)",
		    t1, t2);
	}
	X509_REVOKED *rev = NULL;
	if (X509_CRL_get0_by_serial(crl->c, &rev, X509_get0_serialNumber(subject->x)) > 0) {
		char serial[80] = "?";
		BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(subject->x), NULL);
		char *hex = bn ? BN_bn2hex(bn) : NULL;
		if (hex)
			snprintf(serial, sizeof(serial), "0x%s", hex);
		OPENSSL_free(hex);
		BN_free(bn);
		ss_asn1_time_text(X509_REVOKED_get0_revocationDate(rev), t1, sizeof(t1));
		return ss_fail(err, SS_EBADSIG,
			       "%s '%s' (serial %s) is revoked by the CRL since %s", subject_role,
			       subject->cn, serial, t1);
	}
	return 0;
}
