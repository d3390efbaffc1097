/* The emulated part's SEV-SNP keys: TCB layouts, CHIP_ID, VCEK, VLEK and the wrapped VLEK.
 * Contracts and the derivation scheme are in include/softsev/snp_keys.h. */
#include <softsev/snp_keys.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/bytes.h"

/* X(enum, KDS name, VCEK productName, hwID bytes) — attestation.md §8.2, §9. */
#define SS_SNP_PRODUCT_LIST(X)                                                                     \
	X(SS_SNP_MILAN, "Milan", "Milan-B0", 64)                                                   \
	X(SS_SNP_GENOA, "Genoa", "Genoa", 64)                                                      \
	X(SS_SNP_TURIN, "Turin", "Turin", 8)

static const struct {
	const char *name, *cert_name;
	size_t hwid_len;
} products[] = {
#define SS_SNP_PRODUCT_ROW(e, n, c, h) [e] = {n, c, h},
    SS_SNP_PRODUCT_LIST(SS_SNP_PRODUCT_ROW)
#undef SS_SNP_PRODUCT_ROW
};

static bool product_ok(ss_snp_product p)
{
	return (unsigned)p < sizeof(products) / sizeof(products[0]);
}

const char *ss_snp_product_name(ss_snp_product p)
{
	return product_ok(p) ? products[p].name : "unknown";
}

const char *ss_snp_product_cert_name(ss_snp_product p)
{
	return product_ok(p) ? products[p].cert_name : "unknown";
}

size_t ss_snp_hwid_len(ss_snp_product p)
{
	return product_ok(p) ? products[p].hwid_len : 0;
}

bool ss_snp_product_parse(const char *s, ss_snp_product *out)
{
	for (size_t i = 0; s && i < sizeof(products) / sizeof(products[0]); i++) {
		if (!strcasecmp(s, products[i].name)) {
			*out = (ss_snp_product)i;
			return true;
		}
	}
	return false;
}

/* attestation.md §3: Milan/Genoa and Turin byte layouts. */
void ss_snp_tcb_decode(ss_snp_product p, const uint8_t raw[SS_SNP_TCB_LEN], ss_snp_tcb *t)
{
	memset(t, 0, sizeof(*t));
	if (p == SS_SNP_TURIN) {
		t->fmc = raw[0];
		t->bl = raw[1];
		t->tee = raw[2];
		t->snp = raw[3];
		t->spl5 = raw[4];
		t->spl6 = raw[5];
		t->spl7 = raw[6];
	} else {
		t->bl = raw[0];
		t->tee = raw[1];
		t->spl4 = raw[2];
		t->spl5 = raw[3];
		t->spl6 = raw[4];
		t->spl7 = raw[5];
		t->snp = raw[6];
	}
	t->ucode = raw[7];
}

int ss_snp_tcb_encode(ss_snp_product p, const ss_snp_tcb *t, uint8_t raw[SS_SNP_TCB_LEN],
		      ss_error *err)
{
	if (p == SS_SNP_TURIN) {
		if (t->spl4)
			return ss_fail(err, SS_EINVAL, "TCB: spl4 has no byte in the Turin layout");
		raw[0] = t->fmc;
		raw[1] = t->bl;
		raw[2] = t->tee;
		raw[3] = t->snp;
		raw[4] = t->spl5;
		raw[5] = t->spl6;
		raw[6] = t->spl7;
	} else {
		if (t->fmc)
			return ss_fail(err, SS_EINVAL,
				       "TCB: fmc has no byte in the %s layout (Turin only)",
				       ss_snp_product_name(p));
		raw[0] = t->bl;
		raw[1] = t->tee;
		raw[2] = t->spl4;
		raw[3] = t->spl5;
		raw[4] = t->spl6;
		raw[5] = t->spl7;
		raw[6] = t->snp;
	}
	raw[7] = t->ucode;
	return 0;
}

uint64_t ss_snp_tcb_u64(const uint8_t raw[SS_SNP_TCB_LEN])
{
	return ss_le64(raw);
}

void ss_snp_tcb_from_u64(uint64_t v, uint8_t raw[SS_SNP_TCB_LEN])
{
	ss_put_le64(raw, v);
}

int ss_snp_kbkdf_sha384(const uint8_t *key, size_t key_len, const char *label,
			const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len,
			ss_error *err)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "KBKDF", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	EVP_KDF_free(kdf);
	if (!ctx)
		return ss_fail(err, SS_ECRYPTO, "KBKDF unavailable: %s", ss_crypto_last_error());
	uint8_t empty = 0;
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MODE, (char *)"counter", 0),
	    OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MAC, (char *)"HMAC", 0),
	    OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA384", 0),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, key_len),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)label, strlen(label)),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
					      context_len ? (void *)context : &empty, context_len),
	    OSSL_PARAM_construct_end(),
	};
	int ok = EVP_KDF_derive(ctx, out, out_len, params);
	EVP_KDF_CTX_free(ctx);
	if (ok != 1)
		return ss_fail(err, SS_ECRYPTO, "KBKDF(%s) failed: %s", label,
			       ss_crypto_last_error());
	return 0;
}

int ss_snp_derive_p384_scalar(const uint8_t *key, size_t key_len, const char *label,
			      const uint8_t *context, size_t context_len, uint8_t d[SS_P384_LEN],
			      ss_error *err)
{
	/* FIPS 186-4 B.4.1: 64 extra bits make the bias of the reduction negligible. */
	uint8_t c[SS_P384_LEN + 8];
	int rc = ss_snp_kbkdf_sha384(key, key_len, label, context, context_len, c, sizeof(c), err);
	if (rc)
		return rc;
	BN_CTX *bctx = BN_CTX_new();
	BIGNUM *bc = BN_bin2bn(c, sizeof(c), NULL);
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_secp384r1);
	BIGNUM *n = g ? BN_dup(EC_GROUP_get0_order(g)) : NULL, *r = BN_new();
	rc = SS_ECRYPTO;
	if (bctx && bc && n && r && BN_sub_word(n, 1) && BN_mod(r, bc, n, bctx) &&
	    BN_add_word(r, 1) && BN_bn2binpad(r, d, SS_P384_LEN) == SS_P384_LEN)
		rc = 0;
	EC_GROUP_free(g);
	BN_clear_free(bc);
	BN_free(n);
	BN_clear_free(r);
	BN_CTX_free(bctx);
	OPENSSL_cleanse(c, sizeof(c));
	if (rc)
		return ss_fail(err, SS_ECRYPTO, "P-384 scalar reduction failed: %s",
			       ss_crypto_last_error());
	return 0;
}

static int check_secret(const char *what, size_t len, ss_error *err)
{
	if (len < 32 || len > 64)
		return ss_fail(err, SS_EINVAL, "%s must be 32..64 bytes, not %zu", what, len);
	return 0;
}

static int derive_key(const char *what, const uint8_t *secret, size_t len, const char *label,
		      const uint8_t tcb[SS_SNP_TCB_LEN], ss_eckey **out, ss_error *err)
{
	uint8_t d[SS_P384_LEN];
	int rc = check_secret(what, len, err);
	if (!rc)
		rc = ss_snp_derive_p384_scalar(secret, len, label, tcb, SS_SNP_TCB_LEN, d, err);
	if (!rc)
		rc = ss_eckey_from_private_scalar(d, out, err);
	OPENSSL_cleanse(d, sizeof(d));
	return rc;
}

int ss_snp_vcek_derive(const uint8_t *chip_secret, size_t secret_len,
		       const uint8_t tcb[SS_SNP_TCB_LEN], ss_eckey **out, ss_error *err)
{
	return derive_key("chip secret", chip_secret, secret_len, SS_SNP_LABEL_VCEK, tcb, out, err);
}

int ss_snp_vlek_derive(const uint8_t *provider_seed, size_t seed_len,
		       const uint8_t tcb[SS_SNP_TCB_LEN], ss_eckey **out, ss_error *err)
{
	return derive_key("VLEK provider seed", provider_seed, seed_len, SS_SNP_LABEL_VLEK, tcb,
			  out, err);
}

int ss_snp_chip_id_derive(ss_snp_product p, const uint8_t *chip_secret, size_t secret_len,
			  uint8_t chip_id[SS_SNP_CHIP_ID_LEN], ss_error *err)
{
	if (!product_ok(p))
		return ss_fail(err, SS_EINVAL, "unknown product %d", (int)p);
	int rc = check_secret("chip secret", secret_len, err);
	if (rc)
		return rc;
	const char *name = ss_snp_product_name(p);
	rc = ss_snp_kbkdf_sha384(chip_secret, secret_len, SS_SNP_LABEL_CHIP_ID,
				 (const uint8_t *)name, strlen(name), chip_id, SS_SNP_CHIP_ID_LEN,
				 err);
	if (rc)
		return rc;
	size_t sig = ss_snp_hwid_len(p);
	memset(chip_id + sig, 0, SS_SNP_CHIP_ID_LEN - sig);
	if (ss_is_zero(chip_id, sig))
		chip_id[0] = 1; /* all-zero means "masked" in reports; never produce it */
	return 0;
}

/* ---- wrapped VLEK (layout in snp_keys.h) ---- */

#define VLEK_MAGIC     0x4B454C56u
#define VLEK_OFF_TCB   0x08
#define VLEK_OFF_IV    0x10
#define VLEK_OFF_RSVD1 0x1C
#define VLEK_OFF_KEY   0x20
#define VLEK_OFF_TAG   0x50
#define VLEK_OFF_RSVD2 0x60
#define VLEK_AAD_LEN   0x20

static int gcm(bool enc, const uint8_t key[32], const uint8_t *iv, const uint8_t *aad,
	       const uint8_t *in, uint8_t *out, size_t len, uint8_t tag[16])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int ok = c && EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, key, iv, enc ? 1 : 0) == 1;
	int n = 0;
	ok = ok && EVP_CipherUpdate(c, NULL, &n, aad, VLEK_AAD_LEN) == 1;
	ok = ok && EVP_CipherUpdate(c, out, &n, in, (int)len) == 1;
	if (ok && !enc)
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tag) == 1;
	ok = ok && EVP_CipherFinal_ex(c, out + n, &n) == 1;
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

static int wrap_key(const uint8_t *chip_secret, size_t secret_len, uint8_t kek[32], ss_error *err)
{
	int rc = check_secret("chip secret", secret_len, err);
	if (rc)
		return rc;
	return ss_snp_kbkdf_sha384(chip_secret, secret_len, SS_SNP_LABEL_VLEK_WRAP, NULL, 0, kek,
				   32, err);
}

static int private_scalar(const ss_eckey *key, uint8_t d[SS_P384_LEN], ss_error *err)
{
	BIGNUM *bn = NULL;
	EVP_PKEY *pk = ss_eckey_evp(key);
	if (!ss_eckey_has_private(key) ||
	    EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_PRIV_KEY, &bn) != 1)
		return ss_fail(err, SS_EINVAL, "VLEK: key has no private part");
	int ok = BN_bn2binpad(bn, d, SS_P384_LEN) == SS_P384_LEN;
	BN_clear_free(bn);
	return ok ? 0 : ss_fail(err, SS_ECRYPTO, "VLEK: private scalar does not fit 48 bytes");
}

int ss_snp_vlek_wrap(const uint8_t *chip_secret, size_t secret_len, const ss_eckey *vlek,
		     const uint8_t tcb[SS_SNP_TCB_LEN], uint8_t blob[SS_SNP_VLEK_WRAPPED_LEN],
		     ss_error *err)
{
	uint8_t kek[32], d[SS_P384_LEN];
	int rc = wrap_key(chip_secret, secret_len, kek, err);
	if (!rc)
		rc = private_scalar(vlek, d, err);
	if (!rc) {
		memset(blob, 0, SS_SNP_VLEK_WRAPPED_LEN);
		ss_put_le32(blob, VLEK_MAGIC);
		memcpy(blob + VLEK_OFF_TCB, tcb, SS_SNP_TCB_LEN);
		if (ss_random_bytes(blob + VLEK_OFF_IV, 12) ||
		    gcm(true, kek, blob + VLEK_OFF_IV, blob, d, blob + VLEK_OFF_KEY, SS_P384_LEN,
			blob + VLEK_OFF_TAG))
			rc = ss_fail(err, SS_ECRYPTO, "VLEK wrap failed: %s",
				     ss_crypto_last_error());
	}
	OPENSSL_cleanse(kek, sizeof(kek));
	OPENSSL_cleanse(d, sizeof(d));
	return rc;
}

int ss_snp_vlek_unwrap(const uint8_t *chip_secret, size_t secret_len, const uint8_t *blob,
		       size_t blob_len, ss_eckey **out, uint8_t tcb[SS_SNP_TCB_LEN], ss_error *err)
{
	if (blob_len != SS_SNP_VLEK_WRAPPED_LEN)
		return ss_fail(err, SS_EINVAL, "wrapped VLEK must be %d bytes, not %zu",
			       SS_SNP_VLEK_WRAPPED_LEN, blob_len);
	if (ss_le32(blob) != VLEK_MAGIC)
		return ss_fail(err, SS_EINVAL, "wrapped VLEK: bad magic 0x%08x at 0x000",
			       ss_le32(blob));
	if (ss_le32(blob + 4) != 0)
		return ss_fail(err, SS_EUNSUPPORTED,
			       "wrapped VLEK: format version %u at 0x004 (only 0)",
			       ss_le32(blob + 4));
	if (ss_le32(blob + VLEK_OFF_RSVD1) != 0)
		return ss_fail(err, SS_EINVAL,
			       "wrapped VLEK: reserved bytes at 0x01C are not zero");
	if (!ss_is_zero(blob + VLEK_OFF_RSVD2, SS_SNP_VLEK_WRAPPED_LEN - VLEK_OFF_RSVD2))
		return ss_fail(err, SS_EINVAL,
			       "wrapped VLEK: reserved bytes at 0x060 are not zero");
	uint8_t kek[32], d[SS_P384_LEN], tag[16];
	int rc = wrap_key(chip_secret, secret_len, kek, err);
	if (!rc) {
		memcpy(tag, blob + VLEK_OFF_TAG, sizeof(tag));
		if (gcm(false, kek, blob + VLEK_OFF_IV, blob, blob + VLEK_OFF_KEY, d, SS_P384_LEN,
			tag))
			rc = ss_fail(err, SS_EBADSIG,
				     "wrapped VLEK: GCM tag at 0x050 does not verify (not for this "
				     "chip, or altered)");
	}
	if (!rc)
		rc = ss_eckey_from_private_scalar(d, out, err);
	if (!rc && tcb)
		memcpy(tcb, blob + VLEK_OFF_TCB, SS_SNP_TCB_LEN);
	OPENSSL_cleanse(kek, sizeof(kek));
	OPENSSL_cleanse(d, sizeof(d));
	return rc;
}

/* ---- report signature (attestation.md §7) ---- */

#define REPORT_LEN	  0x4A0
#define REPORT_SIGNED_LEN 0x2A0
#define REPORT_R	  0x2A0
#define REPORT_S	  0x2E8
#define REPORT_SIG_FIELD  72

int ss_snp_report_sign(const ss_eckey *key, uint8_t *report, size_t len, ss_error *err)
{
	if (len != REPORT_LEN)
		return ss_fail(err, SS_EINVAL, "report must be 0x4A0 bytes, not 0x%zx", len);
	uint8_t r[SS_P384_LEN], s[SS_P384_LEN];
	int rc = ss_ecdsa_p384_sign(key, report, REPORT_SIGNED_LEN, r, s, err);
	if (rc)
		return rc;
	memset(report + REPORT_R, 0, REPORT_LEN - REPORT_R);
	ss_reverse(r, sizeof(r));
	ss_reverse(s, sizeof(s));
	memcpy(report + REPORT_R, r, sizeof(r));
	memcpy(report + REPORT_S, s, sizeof(s));
	return 0;
}

int ss_snp_report_verify_sig(const ss_eckey *key, const uint8_t *report, size_t len, ss_error *err)
{
	if (len != REPORT_LEN)
		return ss_fail(err, SS_EINVAL, "report must be 0x4A0 bytes, not 0x%zx", len);
	if (!ss_is_zero(report + REPORT_R + SS_P384_LEN, REPORT_SIG_FIELD - SS_P384_LEN) ||
	    !ss_is_zero(report + REPORT_S + SS_P384_LEN, REPORT_SIG_FIELD - SS_P384_LEN))
		return ss_fail(err, SS_EBADSIG, "report signature: R or S exceeds 48 bytes");
	uint8_t r[SS_P384_LEN], s[SS_P384_LEN];
	memcpy(r, report + REPORT_R, sizeof(r));
	memcpy(s, report + REPORT_S, sizeof(s));
	ss_reverse(r, sizeof(r));
	ss_reverse(s, sizeof(s));
	return ss_ecdsa_p384_verify(key, report, REPORT_SIGNED_LEN, r, s, err);
}
