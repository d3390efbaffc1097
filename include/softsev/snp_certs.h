/* softsev psp — the emulated part's certificate authority and its persistent identity.
 *
 * The emulated part has its own ARK (self-signed), ASK and ASVK (both signed by the ARK): RSA-4096,
 * e = 65537, RSASSA-PSS with SHA-384, MGF1-SHA-384, salt 48. It issues X.509 VCEK certificates
 * (issuer ASK) and VLEK certificates (issuer ASVK) in AMD's profile, so verifiers that check AMD's
 * names and extensions (go-sev-guest, virtee, softsev's own `report verify`) accept them once the
 * emulated ARK is their trust anchor (attestation.md §8.1, §8.2):
 *   names      OU=Engineering, C=US, L=Santa Clara, ST=CA, O=Advanced Micro Devices, CN=<below>
 *              ARK "ARK-<Product>", ASK "SEV-<Product>", ASVK "SEV-VLEK-<Product>",
 *              VCEK "SEV-VCEK", VLEK "SEV-VLEK"
 *   serials    ARK 0x10000/0x20000/0x30000, ASK 0x10001/0x20002/0x30001, ASVK 0x10101/0x20101/
 *              0x30101 (Milan/Genoa/Turin) as AMD's; VCEK and VLEK serial 0
 *   validity   ARK, ASK, ASVK 25 years; VCEK 7 years; VLEK 1 year, from not_before
 *   ARK        keyUsage critical {keyCertSign, cRLSign}, SKI, basicConstraints critical CA:TRUE,
 *              CRL DP https://kdsintf.amd.com/vcek/v1/<Product>/crl
 *   ASK, ASVK  SKI, AKI (keyid), basicConstraints critical CA:TRUE pathlen 0, keyUsage critical
 *              {keyCertSign}, CRL DP .../vcek/v1/<Product>/crl (ASVK: .../vlek/v1/...)
 *   VCEK/VLEK  only the AMD extensions under 1.3.6.1.4.1.3704.1, none critical, in AMD's order:
 *              .1 structVersion INTEGER (0; Turin VCEK 1), .2 productName IA5String ("Milan-B0",
 *              "Genoa", "Turin"; VLEK: "Milan", "Genoa", "Turin"), .3.x SPLs as INTEGERs
 *              (Milan/Genoa .3.1 bl, .3.2 tee, .3.4-.3.7 spl4-7, .3.3 snp, .3.8 ucode; Turin .3.9
 *              fmc, .3.1, .3.2, .3.3, .3.5-.3.7, .3.8 — no .3.4), then VCEK .4 hwID as raw bytes
 *              (64, Turin 8) or VLEK .5 cspId IA5String.
 * Certificates are DER or PEM; keys PKCS#8 PEM. Times are seconds since the Unix epoch (UTC).
 */
#ifndef SOFTSEV_SNP_CERTS_H
#define SOFTSEV_SNP_CERTS_H

#include <softsev/crypto.h>
#include <softsev/error.h>
#include <softsev/snp_keys.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SS_SNP_CA_RSA_BITS 4096

typedef enum ss_snp_ca_role { SS_SNP_ARK, SS_SNP_ASK, SS_SNP_ASVK } ss_snp_ca_role;
#define SS_SNP_CA_ROLES 3

/* The ARK, ASK and ASVK keys and certificates of one product. */
typedef struct ss_snp_ca ss_snp_ca;

/* Generates fresh keys (rsa_bits: 4096 as AMD's; 2048 is accepted for callers that say they are
 * tests, nothing else) and the three certificates valid from not_before. Slow: ~1-2 s per key. */
int ss_snp_ca_generate(ss_snp_product p, unsigned rsa_bits, int64_t not_before, ss_snp_ca **out,
		       ss_error *err);
/* Rebuilds a CA from PEM texts indexed by ss_snp_ca_role (private keys and certificates).
 * Checks that each certificate holds the public half of its key, that the names are the
 * product's, and that the ARK signs itself, the ASK and the ASVK. */
int ss_snp_ca_from_pem(ss_snp_product p, const char *const key_pem[SS_SNP_CA_ROLES],
		       const char *const cert_pem[SS_SNP_CA_ROLES], ss_snp_ca **out, ss_error *err);
void ss_snp_ca_free(ss_snp_ca *ca);

ss_snp_product ss_snp_ca_product(const ss_snp_ca *ca);
/* PEM texts, malloc'd and NUL-terminated; NULL on failure. */
char *ss_snp_ca_key_pem(const ss_snp_ca *ca, ss_snp_ca_role role);
char *ss_snp_ca_cert_pem(const ss_snp_ca *ca, ss_snp_ca_role role);
/* DER of a CA certificate; *der is malloc'd. */
int ss_snp_ca_cert_der(const ss_snp_ca *ca, ss_snp_ca_role role, uint8_t **der, size_t *len,
		       ss_error *err);
/* SHA-256 of a CA certificate's DER (its fingerprint). */
int ss_snp_ca_fingerprint(const ss_snp_ca *ca, ss_snp_ca_role role, uint8_t fp[SS_SHA256_LEN],
			  ss_error *err);
/* The OpenSSL X509 of a CA certificate (borrowed; valid while ca lives). */
void *ss_snp_ca_x509(const ss_snp_ca *ca, ss_snp_ca_role role);
/* KDS cert_chain body (attestation.md §9): ASK then ARK (vlek: ASVK then ARK), PEM, malloc'd. */
char *ss_snp_ca_chain_pem(const ss_snp_ca *ca, bool vlek);

/* Issues the VCEK certificate for vcek (public part used), the raw TCB_VERSION it was derived for
 * and the part's 64-byte CHIP_ID (hwID is its first ss_snp_hwid_len bytes). Fails with SS_EINVAL
 * naming the field if a TCB component is outside what KDS certifies (0..127, microcode 0..255;
 * attestation.md §9 / firmware-abi.md §6) or the TCB has bytes the product's layout reserves.
 * *der is malloc'd. */
int ss_snp_issue_vcek(const ss_snp_ca *ca, const ss_eckey *vcek, const uint8_t tcb[SS_SNP_TCB_LEN],
		      const uint8_t chip_id[SS_SNP_CHIP_ID_LEN], int64_t not_before, uint8_t **der,
		      size_t *len, ss_error *err);
/* Issues a VLEK certificate (issuer ASVK) carrying csp_id (printable ASCII, 1..255 chars). */
int ss_snp_issue_vlek(const ss_snp_ca *ca, const ss_eckey *vlek, const uint8_t tcb[SS_SNP_TCB_LEN],
		      const char *csp_id, int64_t not_before, uint8_t **der, size_t *len,
		      ss_error *err);
/* An X.509 v2 CRL signed by the ARK (issuer = ARK name, AKI = ARK SKI, CRL number), valid from
 * this_update for 1 year, with no revoked entries. *der is malloc'd. */
int ss_snp_ca_crl(const ss_snp_ca *ca, int64_t this_update, uint64_t number, uint8_t **der,
		  size_t *len, ss_error *err);

/* ---- the persistent identity (files documented in snp_keys.h) ---- */

#define SS_SNP_DEFAULT_CSP_ID "CN=softsev-emulated-provider.invalid"

typedef struct ss_snp_identity {
	ss_snp_product product;
	uint8_t chip_secret[SS_SNP_CHIP_SECRET_LEN];
	uint8_t vlek_seed[SS_SNP_CHIP_SECRET_LEN];
	uint8_t chip_id[SS_SNP_CHIP_ID_LEN]; /* derived from chip_secret */
	ss_snp_ca *ca;
} ss_snp_identity;

/* Opens the identity stored in dir, or creates it (directory included) when dir holds none.
 * product: the product for a new identity; for an existing one it must match unless any_product
 * is true (SS_EINVAL naming both otherwise). A partial state (files present, snp-product
 * missing) fails with SS_ESTATE instead of being overwritten. *created tells which happened (may
 * be NULL). Free with ss_snp_identity_free. */
int ss_snp_identity_open(const char *dir, ss_snp_product product, bool any_product,
			 ss_snp_identity **out, bool *created, ss_error *err);
/* The same, making a new identity's CA keys rsa_bits long (4096 as AMD's; 2048 for tests: the
 * PSP passes ss_psp_config.ark_bits). */
int ss_snp_identity_open_bits(const char *dir, ss_snp_product product, bool any_product,
			      unsigned rsa_bits, ss_snp_identity **out, bool *created,
			      ss_error *err);
void ss_snp_identity_free(ss_snp_identity *id);
/* A fresh identity that lives in memory only (an ephemeral PSP: tests, fuzzing): random chip
 * secret and VLEK seed, a new CA with rsa_bits-sized keys (4096, or 2048 for tests). */
int ss_snp_identity_ephemeral(ss_snp_product product, unsigned rsa_bits, ss_snp_identity **out,
			      ss_error *err);

/* The VCEK certificate of this identity for a TCB (derives the VCEK, issues, not_before = now
 * when 0). */
int ss_snp_identity_vcek_cert(const ss_snp_identity *id, const uint8_t tcb[SS_SNP_TCB_LEN],
			      int64_t not_before, uint8_t **der, size_t *len, ss_error *err);

#endif
