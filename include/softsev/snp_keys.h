/* softsev psp — the emulated part's SEV-SNP identity keys: products and TCB_VERSION layouts, the
 * CHIP_ID, the VCEK and the VLEK (and the wrapped VLEK that SNP_VLEK_LOAD carries).
 *
 * What is AMD's and what is softsev's own (firmware-abi.md §6, §7 item 3): the real VCEK/VLEK KDFs
 * are not public. softsev derives every key with NIST SP 800-108 counter-mode KDF, HMAC-SHA-384
 * (OpenSSL's EVP_KDF "KBKDF"), with the labels below; private scalars are reduced into [1, n-1]
 * of P-384 the FIPS 186-4 B.4.1 way (56 KDF bytes c, d = c mod (n-1) + 1). So the properties the
 * real part has hold: the same chip secret and TCB give the same VCEK; a different TCB or chip
 * gives a different one.
 *
 * Persistent state (shared with the psp layer; written with ss_write_file_atomic, read with size
 * limits). All files live directly in the state directory:
 *   snp-chip-secret      48 random bytes, mode 0600: the fused chip-unique secret
 *   snp-vlek-seed        48 random bytes, mode 0600: the seed AMD's KDS allocated to the (one)
 *                        cloud provider of this emulated world; VLEKs derive from it
 *   snp-ark.key.pem      PKCS#8 PEM RSA-4096 private keys, mode 0600 (see snp_certs.h)
 *   snp-ask.key.pem
 *   snp-asvk.key.pem
 *   snp-ark.pem          X.509 PEM certificates, mode 0644: ARK (self-signed), ASK and ASVK
 *   snp-ask.pem          (both signed by the ARK)
 *   snp-asvk.pem
 *   snp-product          text, one line: "Milan", "Genoa" or "Turin". Written LAST: its presence
 *                        marks the state complete; a directory with some files but no
 *                        snp-product is reported as incomplete, never silently regenerated.
 */
#ifndef SOFTSEV_SNP_KEYS_H
#define SOFTSEV_SNP_KEYS_H

#include <softsev/crypto.h>
#include <softsev/error.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SS_SNP_TCB_LEN		8
#define SS_SNP_CHIP_ID_LEN	64  /* report CHIP_ID (attestation.md §2) */
#define SS_SNP_CHIP_SECRET_LEN	48  /* what softsev keeps; derivations accept 32..64 bytes */
#define SS_SNP_VLEK_WRAPPED_LEN 432 /* SNP_VLEK_LOAD blob (firmware-abi.md §4.3) */

/* KBKDF labels (firmware-abi.md §6 quotes sev-tool's "sev-versioned-chip-endorsement-key"; the
 * others are softsev's own). */
#define SS_SNP_LABEL_VCEK      "sev-versioned-chip-endorsement-key"
#define SS_SNP_LABEL_VLEK      "sev-versioned-loaded-endorsement-key"
#define SS_SNP_LABEL_CHIP_ID   "softsev-chip-id"
#define SS_SNP_LABEL_VLEK_WRAP "softsev-vlek-wrapping-key"

/* Products with their own KDS namespace (attestation.md §9); Siena/Bergamo are served as Genoa. */
typedef enum ss_snp_product { SS_SNP_MILAN, SS_SNP_GENOA, SS_SNP_TURIN } ss_snp_product;

/* "Milan", "Genoa", "Turin": the KDS URL component and ARK/ASK name suffix. */
const char *ss_snp_product_name(ss_snp_product p);
/* The VCEK productName extension AMD issues: "Milan-B0", "Genoa", "Turin" (attestation.md §8.2). */
const char *ss_snp_product_cert_name(ss_snp_product p);
/* Parses a product name, case-insensitively ("milan", "Milan", ...). false if unknown. */
bool ss_snp_product_parse(const char *s, ss_snp_product *out);
/* Bytes of hwID in VCEK certificates and KDS URLs: 64, or 8 on Turin (attestation.md §8.2). */
size_t ss_snp_hwid_len(ss_snp_product p);

/* TCB_VERSION decoded (attestation.md §3). Milan/Genoa: byte 0 bl, 1 tee, 2..5 spl4..spl7,
 * 6 snp, 7 ucode (fmc is 0 and not encoded). Turin: 0 fmc, 1 bl, 2 tee, 3 snp, 4..6 reserved
 * (carried as spl5..spl7, the KDS extensions .3.5-.3.7 of real Turin VCEKs), 7 ucode (spl4
 * has no byte). */
typedef struct ss_snp_tcb {
	uint8_t fmc, bl, tee, snp, ucode;
	uint8_t spl4, spl5, spl6, spl7;
} ss_snp_tcb;

void ss_snp_tcb_decode(ss_snp_product p, const uint8_t raw[SS_SNP_TCB_LEN], ss_snp_tcb *out);
/* Fails with SS_EINVAL naming the field if t has a value the product's layout cannot carry
 * (fmc on Milan/Genoa, spl4 on Turin: each must be 0). */
int ss_snp_tcb_encode(ss_snp_product p, const ss_snp_tcb *t, uint8_t raw[SS_SNP_TCB_LEN],
		      ss_error *err);
/* The TCB as the little-endian u64 reports and tools print (0x7308000000000003). */
uint64_t ss_snp_tcb_u64(const uint8_t raw[SS_SNP_TCB_LEN]);
void ss_snp_tcb_from_u64(uint64_t v, uint8_t raw[SS_SNP_TCB_LEN]);

/* SP 800-108 counter-mode HMAC-SHA-384 (KBKDF): out_len bytes from key, label and context.
 * Returns 0 or SS_ECRYPTO. */
int ss_snp_kbkdf_sha384(const uint8_t *key, size_t key_len, const char *label,
			const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len,
			ss_error *err);

/* A P-384 private scalar (big-endian, 48 bytes) in [1, n-1] from key/label/context. */
int ss_snp_derive_p384_scalar(const uint8_t *key, size_t key_len, const char *label,
			      const uint8_t *context, size_t context_len, uint8_t d[SS_P384_LEN],
			      ss_error *err);

/* The VCEK for this chip secret (32..64 bytes) and TCB_VERSION (8 raw bytes, the REPORTED_TCB
 * the report carries; the product only decides how a TCB is displayed, the key depends on the
 * bytes). *out is a fresh private key; free with ss_eckey_free. */
int ss_snp_vcek_derive(const uint8_t *chip_secret, size_t secret_len,
		       const uint8_t tcb[SS_SNP_TCB_LEN], ss_eckey **out, ss_error *err);

/* CHIP_ID of the part: 64 bytes derived from the chip secret (context: the product name). On
 * Turin only the first 8 bytes are significant and bytes 8..63 are zero, as real Turin reports
 * show (attestation.md §3). Never all zero. */
int ss_snp_chip_id_derive(ss_snp_product p, const uint8_t *chip_secret, size_t secret_len,
			  uint8_t chip_id[SS_SNP_CHIP_ID_LEN], ss_error *err);

/* The VLEK a provider seed (32..64 bytes) gives for a TCB (AMD's KDS side of VLEK issuance). */
int ss_snp_vlek_derive(const uint8_t *provider_seed, size_t seed_len,
		       const uint8_t tcb[SS_SNP_TCB_LEN], ss_eckey **out, ss_error *err);

/* The wrapped VLEK of SNP_VLEK_LOAD. AMD's 432-byte "hashstick" is opaque (firmware-abi.md §4.3,
 * §6: only its size and wrapped version 0 are public), so this layout is softsev's own, in those
 * 432 bytes, wrapped to one chip the way the real one is:
 *   0x000 u32  magic 0x4B454C56 ("VLEK" in little-endian ASCII)
 *   0x004 u32  format version, 0
 *   0x008 u8[8] TCB_VERSION the VLEK is for
 *   0x010 u8[12] AES-GCM IV (random)
 *   0x01C u32  reserved, 0
 *   0x020 u8[48] the VLEK private scalar (big-endian), encrypted with AES-256-GCM
 *   0x050 u8[16] GCM tag over the scalar, AAD = bytes 0x000..0x01F
 *   0x060 ..0x1AF reserved, must be 0
 * The wrapping key is KBKDF(chip secret, SS_SNP_LABEL_VLEK_WRAP, context = "") -> 32 bytes, so
 * only the chip the blob was made for can load it. */
int ss_snp_vlek_wrap(const uint8_t *chip_secret, size_t secret_len, const ss_eckey *vlek,
		     const uint8_t tcb[SS_SNP_TCB_LEN], uint8_t blob[SS_SNP_VLEK_WRAPPED_LEN],
		     ss_error *err);
/* Checks and unwraps a blob: SS_EINVAL names the bad field (magic, version, reserved bytes);
 * SS_EBADSIG if the tag does not verify (wrong chip or tampered); otherwise *out is the VLEK and
 * tcb (if not NULL) its TCB_VERSION. Input is untrusted (it comes from the host). */
int ss_snp_vlek_unwrap(const uint8_t *chip_secret, size_t secret_len, const uint8_t *blob,
		       size_t blob_len, ss_eckey **out, uint8_t tcb[SS_SNP_TCB_LEN], ss_error *err);

/* Signs the first 0x2A0 bytes of a 0x4A0-byte attestation report with key (ECDSA P-384,
 * SHA-384) and writes R and S little-endian into the 72-byte fields at 0x2A0 and 0x2E8, zeroing
 * the rest of the signature area up to 0x4A0 (attestation.md §7). SIGNATURE_ALGO (0x034) is left
 * as the caller wrote it. */
int ss_snp_report_sign(const ss_eckey *key, uint8_t *report, size_t len, ss_error *err);
/* Verifies that signature; 0, SS_EBADSIG or SS_EINVAL (wrong length). */
int ss_snp_report_verify_sig(const ss_eckey *key, const uint8_t *report, size_t len, ss_error *err);

#endif
