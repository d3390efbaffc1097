/* softsev idblock — build, sign and verify SEV-SNP ID blocks and ID authentication info
 * (firmware-abi.md §4.9, attestation.md §11), as snp-create-id-block and virtee's idblock module
 * do, and compute the key digests that appear in an attestation report's ID_KEY_DIGEST and
 * AUTHOR_KEY_DIGEST (attestation.md §2, §6).
 *
 * All signatures are ECDSA P-384 over SHA-384 through OpenSSL (include/softsev/crypto.h); this
 * layer only converts between OpenSSL's big-endian numbers and AMD's 72-byte little-endian fields.
 */
#ifndef SOFTSEV_IDBLOCK_H
#define SOFTSEV_IDBLOCK_H

#include <softsev/abi/id_block.h>
#include <softsev/crypto.h>
#include <softsev/error.h>
#include <stdbool.h>
#include <stdint.h>

/* What goes into an ID block. */
typedef struct ss_idblock_params {
	uint8_t ld[48];	       /* expected launch digest (what `softsev measure` prints) */
	uint8_t family_id[16]; /* opaque to firmware, copied into the report */
	uint8_t image_id[16];  /* opaque to firmware, copied into the report */
	uint32_t version;      /* SS_SNP_ID_BLOCK_VERSION */
	uint32_t guest_svn;
	uint64_t policy; /* the guest policy the launch will use (firmware-abi.md §4.5) */
} ss_idblock_params;

/* Fills *out from p (little-endian, no padding to clear: the 96 bytes are all fields). */
void ss_idblock_build(const ss_idblock_params *p, ss_snp_id_block *out);

/* Checks the POLICY of an ID block the way SNP_LAUNCH_START would judge the launch policy it must
 * equal: bit 17 (must be one) set and no reserved bit 63:26 set (firmware-abi.md §4.5). VERSION is
 * not checked: firmware boots guests with 0 as well as 1 (firmware-abi.md §4.9). Returns 0 or
 * SS_EINVAL naming the field. */
int ss_idblock_check(const ss_snp_id_block *blk, ss_error *err);

/* AMD format of a P-384 public key (curve 2, little-endian QX/QY, rest zero). Fails with
 * SS_ECRYPTO if the key's coordinates cannot be read. */
int ss_amd_pubkey_from_eckey(const ss_eckey *key, ss_amd_ecdsa_pubkey *out, ss_error *err);

/* The P-384 key in an AMD-format key structure. Rejects (SS_EINVAL, naming the field and its
 * offset in the structure) a curve other than 2, non-zero bytes above the 48 used of QX/QY,
 * non-zero reserved bytes, or a point not on the curve. what names the structure in messages
 * (e.g. "ID_KEY"). */
int ss_amd_pubkey_to_eckey(const ss_amd_ecdsa_pubkey *in, const char *what, ss_eckey **out,
			   ss_error *err);

/* SHA-384 of the 0x404-byte key structure: the report's ID_KEY_DIGEST or AUTHOR_KEY_DIGEST
 * (attestation.md §11). */
int ss_amd_pubkey_digest(const ss_amd_ecdsa_pubkey *key, uint8_t out[SS_SHA384_LEN]);

/* The same, starting from an OpenSSL-held key. */
int ss_idblock_key_digest(const ss_eckey *key, uint8_t out[SS_SHA384_LEN], ss_error *err);

/* AMD signature format <-> big-endian 48-byte r and s. ss_amd_sig_to_rs rejects (SS_EINVAL) a
 * signature with non-zero bytes above the low 48 of R or S or in its reserved tail. */
void ss_amd_sig_from_rs(const uint8_t r[SS_P384_LEN], const uint8_t s[SS_P384_LEN],
			ss_amd_ecdsa_sig *out);
int ss_amd_sig_to_rs(const ss_amd_ecdsa_sig *sig, const char *what, uint8_t r[SS_P384_LEN],
		     uint8_t s[SS_P384_LEN], ss_error *err);

/* Signs blk into a fresh ID auth info: ID_BLOCK_SIG by id_key over the 96 bytes of blk, ID_KEY =
 * id_key's public part; with an author key (may be NULL) also AUTHOR_KEY and ID_KEY_SIG, the author
 * key's signature over the 0x404-byte ID_KEY. Both algorithm fields are 1 (as snp-create-id-block
 * and virtee write them); without an author key the author fields stay zero. Both keys need their
 * private part (SS_EINVAL otherwise). */
int ss_idblock_sign(const ss_snp_id_block *blk, const ss_eckey *id_key, const ss_eckey *author_key,
		    ss_snp_id_auth_info *out, ss_error *err);

/* What verification found. */
typedef struct ss_idblock_result {
	bool author_key_en;		      /* an author key is present and signed the ID key */
	uint8_t id_key_digest[SS_SHA384_LEN]; /* SHA-384 of ID_KEY */
	uint8_t author_key_digest[SS_SHA384_LEN]; /* SHA-384 of AUTHOR_KEY; zero without one */
} ss_idblock_result;

/* Checks an ID auth info against its ID block as SNP_LAUNCH_FINISH would (firmware-abi.md §4.9):
 * ID_KEY_ALGO is 1, ID_KEY is a valid P-384 key, ID_BLOCK_SIG verifies over blk; if AUTHOR_KEY is
 * not all zero, AUTH_KEY_ALGO is 1, AUTHOR_KEY is a valid P-384 key and ID_KEY_SIG verifies over
 * ID_KEY; if it is all zero, ID_KEY_SIG must be zero too. Reserved bytes must be zero.
 * Returns 0, SS_EBADSIG if a signature does not verify (naming which), SS_EINVAL for a malformed
 * structure (naming the field and offset). *res (may be NULL) is filled on success and, for the
 * digests of keys that parsed, on SS_EBADSIG. */
int ss_idblock_verify(const ss_snp_id_block *blk, const ss_snp_id_auth_info *auth,
		      ss_idblock_result *res, ss_error *err);

/* Why SNP_LAUNCH_FINISH refuses an ID block (firmware-abi.md §4.9); a software AMD-SP maps these
 * to INVALID_PARAM, BAD_SIGNATURE, BAD_MEASUREMENT and POLICY_FAILURE. */
typedef enum ss_idblock_verdict {
	SS_IDBLOCK_ACCEPTED = 0,
	SS_IDBLOCK_MALFORMED,	    /* a structure field is invalid (SS_EINVAL) */
	SS_IDBLOCK_BAD_SIGNATURE,   /* ID_BLOCK_SIG or ID_KEY_SIG does not verify (SS_EBADSIG) */
	SS_IDBLOCK_BAD_MEASUREMENT, /* LD differs from the launch digest (SS_EPOLICY) */
	SS_IDBLOCK_POLICY_FAILURE,  /* POLICY differs from the launch policy (SS_EPOLICY) */
} ss_idblock_verdict;

/* The ID-block part of SNP_LAUNCH_FINISH with ID_BLOCK_EN set (firmware-abi.md §4.9): the checks
 * of ss_idblock_verify, except that the author key is judged by the command's AUTH_KEY_EN flag
 * (auth_key_en false: AUTHOR_KEY and ID_KEY_SIG are ignored and AUTHOR_KEY_DIGEST is zero; true:
 * AUTHOR_KEY must be present and ID_KEY_SIG verify), then LD must equal ld and POLICY must equal
 * policy. Returns 0, SS_EINVAL, SS_EBADSIG or SS_EPOLICY; *verdict (may be NULL) says which
 * check failed; *res (may be NULL) receives the digests the report will carry. */
int ss_idblock_launch_check(const ss_snp_id_block *blk, const ss_snp_id_auth_info *auth,
			    bool auth_key_en, const uint8_t ld[SS_SHA384_LEN], uint64_t policy,
			    ss_idblock_result *res, ss_idblock_verdict *verdict, ss_error *err);

/* Checks that an attestation report (len must be 0x4A0; attestation.md §2) comes from a launch
 * with this ID block: MEASUREMENT = LD, POLICY, FAMILY_ID, IMAGE_ID, GUEST_SVN, ID_KEY_DIGEST,
 * AUTHOR_KEY_EN (bit 0 of 0x048) and AUTHOR_KEY_DIGEST as res (from ss_idblock_verify) gives them
 * (attestation.md §11). The report's own signature is not checked here (that is attest's job).
 * Returns 0, SS_EINVAL for a report of the wrong size, or SS_EPOLICY naming the first field that
 * differs. */
int ss_idblock_check_report(const ss_snp_id_block *blk, const ss_idblock_result *res,
			    const uint8_t *report, size_t len, ss_error *err);

/* Reads an ID block or ID auth info from untrusted file contents: either exactly want raw bytes,
 * or base64 text (as QEMU's id-block= and id-auth= take them; surrounding whitespace allowed) that
 * decodes to exactly want bytes. what names the input in messages. Returns 0 or SS_EINVAL. */
int ss_idblock_decode_input(const uint8_t *data, size_t len, void *out, size_t want,
			    const char *what, ss_error *err);

#endif
