/* attest-layer internals shared by certs.c, crl.c, roots.c and verify.c. */
#ifndef SS_ATTEST_INTERNAL_H
#define SS_ATTEST_INTERNAL_H

#include <softsev/attest.h>

#include <openssl/x509.h>

struct ss_cert {
	X509 *x;
	uint8_t *der;
	size_t der_len;
	char cn[128];
};

struct ss_crl {
	X509_CRL *c;
};

/* Wraps x (takes ownership) into a new ss_cert. */
int ss_cert_wrap(X509 *x, ss_cert **out, ss_error *err);
/* Formats an ASN1_TIME as "2025-05-05 21:14:27 UTC". */
void ss_asn1_time_text(const ASN1_TIME *t, char *out, size_t len);
/* "2026-11-22 03:00:00 UTC". */
void ss_time_text(time_t t, char *out, size_t len);

#endif
