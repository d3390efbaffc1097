/* SEV-SNP ID block and ID authentication info (firmware-abi.md §4.9, attestation.md §11).
 * The cryptography is OpenSSL's (src/crypto); this file fixes the byte formats: 72-byte
 * little-endian integers for r, s, qx and qy (attestation.md §7), and the SHA-384 key digests. */
#include <softsev/idblock.h>

#include <softsev/abi/report.h>

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "util/bytes.h"

/* Guest policy bits (firmware-abi.md §4.5). */
#define POLICY_RSVD_MBO	     (UINT64_C(1) << 17)
#define POLICY_RESERVED_MASK (~((UINT64_C(1) << 26) - 1))

/* A 48-byte big-endian integer into a 72-byte little-endian field (upper 24 bytes zero). */
static void be48_to_le72(const uint8_t be[SS_P384_LEN], uint8_t le[SS_AMD_ECDSA_INT_SIZE])
{
	memset(le, 0, SS_AMD_ECDSA_INT_SIZE);
	for (size_t i = 0; i < SS_P384_LEN; i++)
		le[i] = be[SS_P384_LEN - 1 - i];
}

/* The reverse; false if a byte above the low 48 is set (a value P-384 cannot have). */
static bool le72_to_be48(const uint8_t le[SS_AMD_ECDSA_INT_SIZE], uint8_t be[SS_P384_LEN])
{
	if (!ss_is_zero(le + SS_P384_LEN, SS_AMD_ECDSA_INT_SIZE - SS_P384_LEN))
		return false;
	for (size_t i = 0; i < SS_P384_LEN; i++)
		be[i] = le[SS_P384_LEN - 1 - i];
	return true;
}

void ss_idblock_build(const ss_idblock_params *p, ss_snp_id_block *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->ld, p->ld, sizeof(out->ld));
	memcpy(out->family_id, p->family_id, sizeof(out->family_id));
	memcpy(out->image_id, p->image_id, sizeof(out->image_id));
	out->version = p->version;
	out->guest_svn = p->guest_svn;
	out->policy = p->policy;
}

int ss_idblock_check(const ss_snp_id_block *blk, ss_error *err)
{
	if (!(blk->policy & POLICY_RSVD_MBO))
		return ss_fail(err, SS_EINVAL,
			       "ID block POLICY (0x%llx) has bit 17 clear; it is reserved and must "
			       "be 1 (e.g. 0x30000)",
			       (unsigned long long)blk->policy);
	if (blk->policy & POLICY_RESERVED_MASK)
		return ss_fail(err, SS_EINVAL,
			       "ID block POLICY (0x%llx) sets reserved bits 63:26 (0x%llx)",
			       (unsigned long long)blk->policy,
			       (unsigned long long)(blk->policy & POLICY_RESERVED_MASK));
	return 0;
}

int ss_amd_pubkey_from_eckey(const ss_eckey *key, ss_amd_ecdsa_pubkey *out, ss_error *err)
{
	uint8_t x[SS_P384_LEN], y[SS_P384_LEN];
	if (ss_eckey_public_xy(key, x, y))
		return ss_fail(err, SS_ECRYPTO, "cannot read the P-384 public point: %s",
			       ss_crypto_last_error());
	memset(out, 0, sizeof(*out));
	out->curve = SS_AMD_ECDSA_CURVE_P384;
	be48_to_le72(x, out->qx);
	be48_to_le72(y, out->qy);
	return 0;
}

int ss_amd_pubkey_to_eckey(const ss_amd_ecdsa_pubkey *in, const char *what, ss_eckey **out,
			   ss_error *err)
{
	uint8_t x[SS_P384_LEN], y[SS_P384_LEN];
	if (in->curve != SS_AMD_ECDSA_CURVE_P384)
		return ss_fail(err, SS_EINVAL, "%s: CURVE (offset 0x0) is %u, expected %u (P-384)",
			       what, in->curve, SS_AMD_ECDSA_CURVE_P384);
	if (!le72_to_be48(in->qx, x))
		return ss_fail(err, SS_EINVAL,
			       "%s: QX (offset 0x4) has non-zero bytes above its low 48", what);
	if (!le72_to_be48(in->qy, y))
		return ss_fail(err, SS_EINVAL,
			       "%s: QY (offset 0x4c) has non-zero bytes above its low 48", what);
	if (!ss_is_zero(in->reserved, sizeof(in->reserved)))
		return ss_fail(err, SS_EINVAL, "%s: reserved bytes at offset 0x94 are not zero",
			       what);
	int rc = ss_eckey_from_public_xy(x, y, out, err);
	if (rc)
		return ss_wrap(err, rc, "%s", what);
	return 0;
}

int ss_amd_pubkey_digest(const ss_amd_ecdsa_pubkey *key, uint8_t out[SS_SHA384_LEN])
{
	return ss_sha384(key, sizeof(*key), out);
}

int ss_idblock_key_digest(const ss_eckey *key, uint8_t out[SS_SHA384_LEN], ss_error *err)
{
	ss_amd_ecdsa_pubkey amd;
	int rc = ss_amd_pubkey_from_eckey(key, &amd, err);
	if (rc)
		return rc;
	if (ss_amd_pubkey_digest(&amd, out))
		return ss_fail(err, SS_ECRYPTO, "SHA-384 failed");
	return 0;
}

void ss_amd_sig_from_rs(const uint8_t r[SS_P384_LEN], const uint8_t s[SS_P384_LEN],
			ss_amd_ecdsa_sig *out)
{
	memset(out, 0, sizeof(*out));
	be48_to_le72(r, out->r);
	be48_to_le72(s, out->s);
}

int ss_amd_sig_to_rs(const ss_amd_ecdsa_sig *sig, const char *what, uint8_t r[SS_P384_LEN],
		     uint8_t s[SS_P384_LEN], ss_error *err)
{
	if (!le72_to_be48(sig->r, r))
		return ss_fail(err, SS_EINVAL,
			       "%s: R (offset 0x0) has non-zero bytes above its low 48", what);
	if (!le72_to_be48(sig->s, s))
		return ss_fail(err, SS_EINVAL,
			       "%s: S (offset 0x48) has non-zero bytes above its low 48", what);
	if (!ss_is_zero(sig->reserved, sizeof(sig->reserved)))
		return ss_fail(err, SS_EINVAL, "%s: reserved bytes at offset 0x90 are not zero",
			       what);
	return 0;
}

/* ECDSA-P384-SHA384 of msg by key into an AMD signature. */
static int sign_amd(const ss_eckey *key, const void *msg, size_t len, ss_amd_ecdsa_sig *out,
		    ss_error *err)
{
	uint8_t r[SS_P384_LEN], s[SS_P384_LEN];
	int rc = ss_ecdsa_p384_sign(key, msg, len, r, s, err);
	if (rc)
		return rc;
	ss_amd_sig_from_rs(r, s, out);
	return 0;
}

int ss_idblock_sign(const ss_snp_id_block *blk, const ss_eckey *id_key, const ss_eckey *author_key,
		    ss_snp_id_auth_info *out, ss_error *err)
{
	int rc;
	memset(out, 0, sizeof(*out));
	if (!id_key || !ss_eckey_has_private(id_key))
		return ss_fail(err, SS_EINVAL, "the ID key has no private part; it cannot sign");
	if (author_key && !ss_eckey_has_private(author_key))
		return ss_fail(err, SS_EINVAL,
			       "the author key has no private part; it cannot sign");

	/* firmware-abi.md §4.9: ID_BLOCK_SIG over the 96-byte ID block, ID_KEY in AMD format. */
	out->id_key_algo = SS_SNP_ID_ALGO_ECDSA_P384_SHA384;
	out->auth_key_algo = SS_SNP_ID_ALGO_ECDSA_P384_SHA384;
	if ((rc = ss_amd_pubkey_from_eckey(id_key, &out->id_key, err)) ||
	    (rc = sign_amd(id_key, blk, sizeof(*blk), &out->id_block_sig, err)))
		goto fail;
	if (author_key) {
		/* ID_KEY_SIG: the author key over the whole 0x404-byte ID_KEY structure. */
		if ((rc = ss_amd_pubkey_from_eckey(author_key, &out->author_key, err)) ||
		    (rc = sign_amd(author_key, &out->id_key, sizeof(out->id_key), &out->id_key_sig,
				   err)))
			goto fail;
	}
	return 0;
fail:
	memset(out, 0, sizeof(*out));
	return rc;
}

/* Verifies an AMD signature over msg by the key in an AMD key structure. */
static int verify_amd(const ss_amd_ecdsa_pubkey *pub, const char *key_name,
		      const ss_amd_ecdsa_sig *sig, const char *sig_name, const void *msg,
		      size_t len, ss_error *err)
{
	uint8_t r[SS_P384_LEN], s[SS_P384_LEN];
	ss_eckey *key = NULL;
	int rc = ss_amd_pubkey_to_eckey(pub, key_name, &key, err);
	if (rc)
		return rc;
	rc = ss_amd_sig_to_rs(sig, sig_name, r, s, err);
	if (!rc) {
		rc = ss_ecdsa_p384_verify(key, msg, len, r, s, err);
		if (rc == SS_EBADSIG)
			ss_fail(err, rc, "%s does not verify with %s", sig_name, key_name);
	}
	ss_eckey_free(key);
	return rc;
}

/* How the author key fields are judged: present when not all zero (a file from a tool), or as
 * SNP_LAUNCH_FINISH's AUTH_KEY_EN flag says (firmware-abi.md §4.9; off: the fields are ignored). */
enum author_mode { AUTHOR_AUTO, AUTHOR_OFF, AUTHOR_ON };

static int verify_auth(const ss_snp_id_block *blk, const ss_snp_id_auth_info *auth,
		       enum author_mode mode, ss_idblock_result *res, ss_error *err)
{
	int rc;
	ss_idblock_result r;
	memset(&r, 0, sizeof(r));
	if (res)
		*res = r;

	/* Structure first (firmware-abi.md §4.9): algorithms, reserved areas. */
	if (auth->id_key_algo != SS_SNP_ID_ALGO_ECDSA_P384_SHA384)
		return ss_fail(err, SS_EINVAL,
			       "ID auth info: ID_KEY_ALGO (offset 0x0) is %u, expected 1 "
			       "(ECDSA P-384 with SHA-384)",
			       auth->id_key_algo);
	if (!ss_is_zero(auth->reserved0, sizeof(auth->reserved0)))
		return ss_fail(err, SS_EINVAL, "ID auth info: reserved bytes at 0x8 are not zero");
	if (!ss_is_zero(auth->reserved1, sizeof(auth->reserved1)))
		return ss_fail(err, SS_EINVAL,
			       "ID auth info: reserved bytes at 0x644 are not zero");
	if (!ss_is_zero(auth->reserved2, sizeof(auth->reserved2)))
		return ss_fail(err, SS_EINVAL,
			       "ID auth info: reserved bytes at 0xc84 are not zero");
	bool nonzero_author = !ss_is_zero(&auth->author_key, sizeof(auth->author_key));
	bool has_author = mode == AUTHOR_ON || (mode == AUTHOR_AUTO && nonzero_author);
	if (mode == AUTHOR_ON && !nonzero_author)
		return ss_fail(err, SS_EINVAL,
			       "ID auth info: AUTH_KEY_EN is set but AUTHOR_KEY (offset 0x880) is "
			       "all zero");
	if (has_author && auth->auth_key_algo != SS_SNP_ID_ALGO_ECDSA_P384_SHA384)
		return ss_fail(err, SS_EINVAL,
			       "ID auth info: AUTH_KEY_ALGO (offset 0x4) is %u, expected 1 "
			       "(ECDSA P-384 with SHA-384)",
			       auth->auth_key_algo);
	if (mode == AUTHOR_AUTO && !has_author &&
	    !ss_is_zero(&auth->id_key_sig, sizeof(auth->id_key_sig)))
		return ss_fail(err, SS_EINVAL,
			       "ID auth info: ID_KEY_SIG (offset 0x680) is set but AUTHOR_KEY "
			       "(offset 0x880) is all zero");

	if (ss_amd_pubkey_digest(&auth->id_key, r.id_key_digest))
		return ss_fail(err, SS_ECRYPTO, "SHA-384 failed");
	if (has_author && ss_amd_pubkey_digest(&auth->author_key, r.author_key_digest))
		return ss_fail(err, SS_ECRYPTO, "SHA-384 failed");
	r.author_key_en = has_author;

	/* Step 1: ID_BLOCK_SIG = ECDSA-P384-SHA384(ID key, ID block). */
	rc = verify_amd(&auth->id_key, "ID_KEY (offset 0x240)", &auth->id_block_sig,
			"ID_BLOCK_SIG (offset 0x40)", blk, sizeof(*blk), err);
	/* Step 2: ID_KEY_SIG = ECDSA-P384-SHA384(author key, ID_KEY). */
	if (!rc && has_author)
		rc = verify_amd(&auth->author_key, "AUTHOR_KEY (offset 0x880)", &auth->id_key_sig,
				"ID_KEY_SIG (offset 0x680)", &auth->id_key, sizeof(auth->id_key),
				err);
	if (res && (!rc || rc == SS_EBADSIG))
		*res = r;
	return rc;
}

int ss_idblock_verify(const ss_snp_id_block *blk, const ss_snp_id_auth_info *auth,
		      ss_idblock_result *res, ss_error *err)
{
	return verify_auth(blk, auth, AUTHOR_AUTO, res, err);
}

int ss_idblock_launch_check(const ss_snp_id_block *blk, const ss_snp_id_auth_info *auth,
			    bool auth_key_en, const uint8_t ld[SS_SHA384_LEN], uint64_t policy,
			    ss_idblock_result *res, ss_idblock_verdict *verdict, ss_error *err)
{
	ss_idblock_verdict v = SS_IDBLOCK_ACCEPTED;
	int rc = verify_auth(blk, auth, auth_key_en ? AUTHOR_ON : AUTHOR_OFF, res, err);
	if (rc == SS_EBADSIG) {
		v = SS_IDBLOCK_BAD_SIGNATURE;
	} else if (rc) {
		v = SS_IDBLOCK_MALFORMED;
	} else if (!ss_ct_equal(blk->ld, ld, sizeof(blk->ld))) {
		/* firmware-abi.md §4.9 step 1: LD must equal the guest's launch digest. */
		v = SS_IDBLOCK_BAD_MEASUREMENT;
		rc = ss_fail(err, SS_EPOLICY,
			     "ID block LD (offset 0x0) differs from the guest's launch digest");
	} else if (blk->policy != policy) {
		/* ... and POLICY the launch policy. */
		v = SS_IDBLOCK_POLICY_FAILURE;
		rc = ss_fail(err, SS_EPOLICY,
			     "ID block POLICY (offset 0x58) is 0x%llx, the launch policy is 0x%llx",
			     (unsigned long long)blk->policy, (unsigned long long)policy);
	}
	if (verdict)
		*verdict = v;
	return rc;
}

int ss_idblock_check_report(const ss_snp_id_block *blk, const ss_idblock_result *res,
			    const uint8_t *report, size_t len, ss_error *err)
{
	struct ss_snp_report r;
	if (len != sizeof(r))
		return ss_fail(err, SS_EINVAL, "the report is %zu bytes, expected %u", len,
			       SS_SNP_REPORT_SIZE);
	memcpy(&r, report, sizeof(r));
	/* attestation.md §11: what SNP_LAUNCH_FINISH copies from the ID block into every report. */
	if (!ss_ct_equal(r.measurement, blk->ld, sizeof(blk->ld)))
		return ss_fail(err, SS_EPOLICY,
			       "report MEASUREMENT (0x090) differs from the ID "
			       "block's LD");
	if (r.policy != blk->policy)
		return ss_fail(err, SS_EPOLICY,
			       "report POLICY (0x008) is 0x%llx, the ID block's is 0x%llx",
			       (unsigned long long)r.policy, (unsigned long long)blk->policy);
	if (memcmp(r.family_id, blk->family_id, sizeof(blk->family_id)))
		return ss_fail(err, SS_EPOLICY,
			       "report FAMILY_ID (0x010) differs from the ID block's");
	if (memcmp(r.image_id, blk->image_id, sizeof(blk->image_id)))
		return ss_fail(err, SS_EPOLICY,
			       "report IMAGE_ID (0x020) differs from the ID block's");
	if (r.guest_svn != blk->guest_svn)
		return ss_fail(err, SS_EPOLICY,
			       "report GUEST_SVN (0x004) is %u, the ID block's is %u", r.guest_svn,
			       blk->guest_svn);
	if (memcmp(r.id_key_digest, res->id_key_digest, sizeof(res->id_key_digest)))
		return ss_fail(err, SS_EPOLICY,
			       "report ID_KEY_DIGEST (0x0e0) is not the digest of this ID key");
	if ((bool)(r.signer_info & 1) != res->author_key_en)
		return ss_fail(
		    err, SS_EPOLICY,
		    "report AUTHOR_KEY_EN (bit 0 of 0x048) is %u, the ID auth info %s an "
		    "author key",
		    r.signer_info & 1, res->author_key_en ? "has" : "has no");
	if (memcmp(r.author_key_digest, res->author_key_digest, sizeof(res->author_key_digest)))
		return ss_fail(
		    err, SS_EPOLICY,
		    "report AUTHOR_KEY_DIGEST (0x110) is not the digest of this author key");
	return 0;
}

static bool is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int ss_idblock_decode_input(const uint8_t *data, size_t len, void *out, size_t want,
			    const char *what, ss_error *err)
{
	if (len == want) {
		memcpy(out, data, want);
		return 0;
	}
	while (len && is_space(data[0]))
		data++, len--;
	while (len && is_space(data[len - 1]))
		len--;
	size_t b64_len = 4 * ((want + 2) / 3);
	if (len != b64_len)
		return ss_fail(
		    err, SS_EINVAL,
		    "%s: expected %zu raw bytes or %zu characters of base64, got %zu bytes", what,
		    want, b64_len, len);
	/* Decode, then demand that encoding the result gives back the same text: this rejects
	 * characters outside the alphabet, misplaced padding and non-canonical trailing bits. */
	uint8_t *buf = malloc(3 * (b64_len / 4) + 1);
	char *text = buf ? malloc(b64_len + 1) : NULL;
	int rc = 0;
	if (!buf || !text) {
		rc = ss_fail(err, SS_ENOMEM, "out of memory");
		goto out;
	}
	memcpy(text, data, b64_len);
	text[b64_len] = 0;
	int n = EVP_DecodeBlock(buf, (const unsigned char *)text, (int)b64_len);
	char *again = n >= 0 && (size_t)n >= want ? ss_base64_encode(buf, want) : NULL;
	if (!again || strcmp(again, text))
		rc = ss_fail(err, SS_EINVAL, "%s: not valid base64 of %zu bytes", what, want);
	else
		memcpy(out, buf, want);
	free(again);
out:
	free(buf);
	free(text);
	return rc;
}
