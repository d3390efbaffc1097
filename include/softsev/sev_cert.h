/* softsev legacy SEV certificates: parse, build, sign and verify the SEV certificate (PEK, PDH,
 * OCA, CEK, GODH) and AMD's ARK/ASK certificate, and the chains between them
 * (firmware-abi.md §3.1-§3.3, attestation.md §13).
 *
 * Chain of trust (firmware-abi.md §3.3):
 *   ARK (RSA, self-signed) -> ASK (RSA) -> CEK (P-384) -> PEK (signed by CEK and by OCA) -> PDH
 *   OCA (self-signed: by the firmware when self-owned, by the platform owner otherwise)
 * Buffers: PDH_CERT_EXPORT returns the PDH alone and cert_chain = PEK || OCA || CEK; the AMD chain
 * (SEND_START, AMD's ask_ark_<product>.cert) is ASK || ARK. sevctl's export file is
 * PDH || PEK || OCA || CEK, optionally followed by ASK || ARK ("--full").
 *
 * Signatures (firmware-abi.md §3.1/§3.2): a SEV certificate's signed body is bytes 0x000..0x413,
 * hashed with the hash its signature slot's algorithm names (ECDSA_SHA256 -> SHA-256, even for
 * P-384 keys); ECDSA r/s and RSA signatures are stored little-endian; RSA is RSASSA-PSS with MGF1
 * of the same hash and salt = digest length. An AMD certificate's signed body is the header,
 * exponent and modulus, hashed with SHA-256 for a 2048-bit signer and SHA-384 for 4096-bit.
 *
 * RSA keys cross this API as OpenSSL EVP_PKEY pointers (struct evp_pkey_st); EC keys as ss_eckey
 * (P-384 only: P-256 keys parse but cannot be used and say so with SS_EUNSUPPORTED).
 * Every function that can fail returns 0 or a negative SS_E* code and fills err (may be NULL):
 * SS_EINVAL for malformed input (the message names the field and its offset), SS_EBADSIG for a
 * signature or link that does not verify (the message names the certificate), SS_ECRYPTO for an
 * OpenSSL failure.
 */
#ifndef SOFTSEV_SEV_CERT_H
#define SOFTSEV_SEV_CERT_H

#include <softsev/abi/sev_cert.h>
#include <softsev/crypto.h>
#include <softsev/error.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct evp_pkey_st; /* OpenSSL's EVP_PKEY */

/* A SEV certificate is its wire form (include/softsev/abi/sev_cert.h); fields are little-endian,
 * which on the (required) little-endian host means they can be read and written directly. */
typedef struct ss_sev_cert ss_sev_cert;

/* An AMD CA certificate (ARK or ASK): the header and the three numbers, each little-endian in the
 * first size/8 bytes of its array (the rest zero). */
typedef struct ss_amd_cert {
	struct ss_amd_cert_hdr hdr;
	uint8_t pubexp[SS_AMD_CERT_MAX_BYTES];
	uint8_t modulus[SS_AMD_CERT_MAX_BYTES];
	uint8_t sig[SS_AMD_CERT_MAX_BYTES];
} ss_amd_cert;

/* PDH_CERT_EXPORT's cert_chain buffer, in its order (firmware-abi.md §3.3). */
typedef struct ss_sev_chain {
	ss_sev_cert pek, oca, cek;
} ss_sev_chain;

/* The AMD chain buffer: ASK then ARK. */
typedef struct ss_amd_chain {
	ss_amd_cert ask, ark;
} ss_amd_chain;

/* ---- names (from the X-macro tables) ---- */

/* "PEK", "ASK", ...; NULL for a code not in the table. */
const char *ss_sev_usage_name(uint32_t usage);
const char *ss_sev_usage_hint(uint32_t usage);
/* "ECDSA_SHA256", ...; NULL if unknown. */
const char *ss_sev_algo_name(uint32_t algo);
const char *ss_sev_algo_hint(uint32_t algo);
/* "P384", ...; NULL if unknown. */
const char *ss_sev_curve_name(uint32_t curve);
/* True for the RSA / ECDSA / ECDH algorithm families. */
bool ss_sev_algo_is_rsa(uint32_t algo);
bool ss_sev_algo_is_ecdsa(uint32_t algo);
bool ss_sev_algo_is_ecdh(uint32_t algo);

/* ---- SEV certificate: parse, check, serialize ---- */

/* Parses exactly SS_SEV_CERT_SIZE bytes into *out (a byte-identical copy) after
 * ss_sev_cert_check. Any other length fails with SS_EINVAL. */
int ss_sev_cert_parse(const void *buf, size_t len, ss_sev_cert *out, ss_error *err);

/* The structural rules every SEV certificate must follow, each failure naming field and offset:
 * VERSION 1; reserved bytes zero; PUBKEY_USAGE one of OCA/PEK/PDH/CEK; PUBKEY_ALGO known, ECDH
 * for a PDH and ECDSA or RSA otherwise; EC keys on a known curve with the padding above the
 * coordinate size zero; RSA keys of 2048 or 4096 bits with nothing above that size; each slot
 * either empty (usage INVALID, algo 0, all-zero signature) or a signer usage (ARK, ASK, OCA, PEK,
 * CEK) with an ECDSA or RSA algorithm and, for ECDSA, zero padding. Signatures are not checked
 * here. */
int ss_sev_cert_check(const ss_sev_cert *cert, ss_error *err);

/* Writes the wire form (SS_SEV_CERT_SIZE bytes). */
void ss_sev_cert_serialize(const ss_sev_cert *cert, uint8_t out[SS_SEV_CERT_SIZE]);

/* ---- SEV certificate: build ---- */

/* Zeroes *cert and sets VERSION 1, the API version, the key usage and algorithm, and both
 * signature slots empty (INVALID, 0). This is the PEK_CSR shape until a key is set. */
void ss_sev_cert_init(ss_sev_cert *cert, uint32_t usage, uint32_t algo, uint8_t api_major,
		      uint8_t api_minor);

/* Sets PUBKEY to key's P-384 public point (curve 2, little-endian, zero-padded to 72 bytes).
 * PUBKEY_ALGO must already be ECDSA_* or ECDH_*. */
int ss_sev_cert_set_ec_pubkey(ss_sev_cert *cert, const ss_eckey *key, ss_error *err);
/* The certificate's P-384 public key (a new ss_eckey). Fails if the key is not EC P-384 or the
 * point is not on the curve. */
int ss_sev_cert_get_ec_pubkey(const ss_sev_cert *cert, ss_eckey **out, ss_error *err);
/* Sets PUBKEY to an RSA public key of 2048 or 4096 bits. PUBKEY_ALGO must be RSA_*. */
int ss_sev_cert_set_rsa_pubkey(ss_sev_cert *cert, const struct evp_pkey_st *key, ss_error *err);
/* The certificate's public key whatever its kind, as a new EVP_PKEY (caller EVP_PKEY_free()s). */
int ss_sev_cert_get_pubkey(const ss_sev_cert *cert, struct evp_pkey_st **out, ss_error *err);

/* The signed body: bytes 0x000..0x413 (SS_SEV_CERT_BODY_SIZE). */
const uint8_t *ss_sev_cert_body(const ss_sev_cert *cert);
/* Digest of the signed body with the hash algo names (SHA-256 or SHA-384); *len gets 32 or 48.
 * out must hold SS_SHA384_LEN bytes. */
int ss_sev_cert_body_digest(const ss_sev_cert *cert, uint32_t algo, uint8_t *out, size_t *len,
			    ss_error *err);

/* ---- SEV certificate: sign ---- */

/* Signs the body into slot (0 or 1) with an EC P-384 private key, writing the slot's usage
 * (the signer's PUBKEY_USAGE, e.g. SS_SEV_USAGE_OCA) and algo (ECDSA_SHA256 or ECDSA_SHA384). */
int ss_sev_cert_sign_ec(ss_sev_cert *cert, unsigned slot, uint32_t signer_usage, uint32_t algo,
			const ss_eckey *key, ss_error *err);
/* The same with an RSA private key (RSA_SHA256 or RSA_SHA384, RSASSA-PSS); used for the CEK,
 * which the ASK signs (signer_usage SS_SEV_USAGE_ASK). */
int ss_sev_cert_sign_rsa(ss_sev_cert *cert, unsigned slot, uint32_t signer_usage, uint32_t algo,
			 const struct evp_pkey_st *key, ss_error *err);
/* Empties a slot (INVALID, 0, zero signature). */
void ss_sev_cert_clear_sig(ss_sev_cert *cert, unsigned slot);

/* ---- SEV certificate: verify ---- */

/* Verifies cert's signature by signer (a SEV certificate): the slot whose usage and algo equal the
 * signer's PUBKEY_USAGE and PUBKEY_ALGO (either slot; firmware-abi.md §3.1). SS_EBADSIG if no slot
 * is by that signer or the signature does not verify. A self-signed OCA passes itself as signer.
 * If slot_out is not NULL it gets the slot that verified. */
int ss_sev_cert_verify(const ss_sev_cert *cert, const ss_sev_cert *signer, unsigned *slot_out,
		       ss_error *err);
/* Verifies cert's signature by an AMD certificate (the CEK by the ASK): the slot with usage ASK
 * (or ARK for an ARK signer) and an RSA algorithm. */
int ss_sev_cert_verify_by_amd(const ss_sev_cert *cert, const ss_amd_cert *signer, ss_error *err);

/* ---- AMD certificate (ARK, ASK) ---- */

/* Size of the certificate on the wire: 0x40 + PUBEXP_SIZE/8 + 2 * MODULUS_SIZE/8. */
size_t ss_amd_cert_size(const ss_amd_cert *cert);
/* Size of the signed body: everything before the signature. */
size_t ss_amd_cert_body_size(const ss_amd_cert *cert);

/* Parses one AMD certificate at the start of buf. With used == NULL, len must be exactly the
 * certificate's size; otherwise *used gets its size and trailing bytes are left to the caller.
 * Rules: VERSION 1; KEY_USAGE ARK or ASK; reserved zero; PUBEXP_SIZE and MODULUS_SIZE 2048 or 4096;
 * the buffer holds all three numbers. A Naples ARK as AMD distributed it (576 bytes, signature
 * missing) fails with a message saying so. */
int ss_amd_cert_parse(const void *buf, size_t len, ss_amd_cert *out, size_t *used, ss_error *err);
/* Writes the wire form into out (cap bytes); *len gets ss_amd_cert_size(). */
int ss_amd_cert_serialize(const ss_amd_cert *cert, uint8_t *out, size_t cap, size_t *len,
			  ss_error *err);
/* Fills *cert for an RSA public key of 2048 or 4096 bits: VERSION 1, usage (SS_SEV_USAGE_ARK or
 * SS_SEV_USAGE_ASK), the two ids, PUBEXP_SIZE = MODULUS_SIZE = key bits, zero signature. */
int ss_amd_cert_init(ss_amd_cert *cert, uint32_t usage, const uint8_t key_id[16],
		     const uint8_t certifying_id[16], const struct evp_pkey_st *pub, ss_error *err);
/* The certificate's RSA public key as a new EVP_PKEY. */
int ss_amd_cert_get_pubkey(const ss_amd_cert *cert, struct evp_pkey_st **out, ss_error *err);
/* Signs the body with an RSA private key whose size equals MODULUS_SIZE (RSASSA-PSS, SHA-256 for
 * 2048-bit keys, SHA-384 for 4096-bit). */
int ss_amd_cert_sign(ss_amd_cert *cert, const struct evp_pkey_st *signer_priv, ss_error *err);
/* Verifies cert by signer (itself for the ARK): CERTIFYING_ID must equal the signer's KEY_ID and
 * the signature must verify with the signer's key. SS_EBADSIG otherwise. */
int ss_amd_cert_verify(const ss_amd_cert *cert, const ss_amd_cert *signer, ss_error *err);
/* If ark is one of AMD's real ARKs built into softsev (same bytes as the published AMD-format
 * ARK of Naples, Rome, Milan, Genoa or Turin), its product name; NULL otherwise. */
const char *ss_amd_ark_product(const ss_amd_cert *ark);

/* ---- chain buffers ---- */

/* PEK || OCA || CEK, exactly SS_SEV_CHAIN_SIZE bytes; each certificate parsed and its usage
 * checked (the message names the certificate and its offset in the buffer). */
int ss_sev_chain_parse(const void *buf, size_t len, ss_sev_chain *out, ss_error *err);
void ss_sev_chain_serialize(const ss_sev_chain *chain, uint8_t out[SS_SEV_CHAIN_SIZE]);
/* ASK || ARK, exactly; usages checked. */
int ss_amd_chain_parse(const void *buf, size_t len, ss_amd_chain *out, ss_error *err);
int ss_amd_chain_serialize(const ss_amd_chain *chain, uint8_t *out, size_t cap, size_t *len,
			   ss_error *err);

/* ---- files of concatenated certificates ---- */

/* One certificate found in a file: SEV format (sev) or AMD format (amd). */
typedef struct ss_sev_any_cert {
	bool is_amd;
	size_t offset, size; /* where it sits in the buffer */
	ss_sev_cert sev;
	ss_amd_cert amd;
} ss_sev_any_cert;

/* Splits buf into the certificates it holds back to back, as the files sev-tool and sevctl write
 * do (a single cert, PDH_CERT_EXPORT's cert_chain, AMD's ask_ark file, sevctl's export): at each
 * position a SEV certificate if VERSION is 1 and the u32 at +8 is a platform usage (OCA, PEK,
 * PDH, CEK), else an AMD certificate sized by its header. Fills out[0..*n). Fails with SS_EINVAL
 * for an empty buffer, more than max certificates, or a certificate that does not parse (the
 * message names its index and offset in the buffer). */
int ss_sev_certs_split(const void *buf, size_t len, ss_sev_any_cert *out, size_t max, size_t *n,
		       ss_error *err);
/* The usage of either kind ("PEK", "ARK", ...). */
uint32_t ss_sev_any_cert_usage(const ss_sev_any_cert *c);

/* ---- whole chains ---- */

/* The owner half: OCA self-signed, PEK signed by OCA, PDH signed by PEK, usages PDH/PEK/OCA. */
int ss_sev_verify_owner_chain(const ss_sev_cert *pdh, const ss_sev_cert *pek,
			      const ss_sev_cert *oca, ss_error *err);
/* The AMD half: ARK self-signed, ASK signed by ARK, CEK signed by ASK, PEK signed by CEK. */
int ss_sev_verify_amd_chain(const ss_sev_cert *pek, const ss_sev_cert *cek, const ss_amd_cert *ask,
			    const ss_amd_cert *ark, ss_error *err);
/* Both halves, root first (ARK, ASK, CEK, OCA, PEK, PDH), so the first failure names the
 * certificate that was changed. This does not decide whether the ARK is AMD's: compare with
 * ss_amd_ark_product() or a root of your own. */
int ss_sev_verify_chain(const ss_sev_cert *pdh, const ss_sev_chain *chain, const ss_amd_chain *amd,
			ss_error *err);

#endif
