/* Legacy SEV certificates: the SEV certificate (firmware-abi.md §3.1, attestation.md §13.2), AMD's
 * ARK/ASK certificate (firmware-abi.md §3.2, attestation.md §13.1) and their chains (§3.3). */
#include <softsev/sev_cert.h>

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "attest/sev_rsa.h"
#include "util/bytes.h"

/* ---- names ---- */

/* clang-format off */
#define NAME_CASE(name, value, hint) case value: return #name;
#define HINT_CASE(name, value, hint) case value: return hint;
/* clang-format on */

const char *ss_sev_usage_name(uint32_t usage)
{
	switch (usage) {
		SS_SEV_USAGE_LIST(NAME_CASE)
	}
	return NULL;
}

const char *ss_sev_usage_hint(uint32_t usage)
{
	switch (usage) {
		SS_SEV_USAGE_LIST(HINT_CASE)
	}
	return NULL;
}

const char *ss_sev_algo_name(uint32_t algo)
{
	switch (algo) {
		SS_SEV_ALGO_LIST(NAME_CASE)
	}
	return NULL;
}

const char *ss_sev_algo_hint(uint32_t algo)
{
	switch (algo) {
		SS_SEV_ALGO_LIST(HINT_CASE)
	}
	return NULL;
}

const char *ss_sev_curve_name(uint32_t curve)
{
	switch (curve) {
		SS_SEV_CURVE_LIST(NAME_CASE)
	}
	return NULL;
}

bool ss_sev_algo_is_rsa(uint32_t algo)
{
	return algo == SS_SEV_ALGO_RSA_SHA256 || algo == SS_SEV_ALGO_RSA_SHA384;
}
bool ss_sev_algo_is_ecdsa(uint32_t algo)
{
	return algo == SS_SEV_ALGO_ECDSA_SHA256 || algo == SS_SEV_ALGO_ECDSA_SHA384;
}
bool ss_sev_algo_is_ecdh(uint32_t algo)
{
	return algo == SS_SEV_ALGO_ECDH_SHA256 || algo == SS_SEV_ALGO_ECDH_SHA384;
}

/* The hash an algorithm code names: the 0x01xx codes are SHA-384 (firmware-abi.md §3.1). */
static ss_hash_alg algo_hash(uint32_t algo)
{
	return (algo & 0x100) ? SS_HASH_SHA384 : SS_HASH_SHA256;
}

static const char *usage_str(uint32_t usage)
{
	const char *n = ss_sev_usage_name(usage);
	return n ? n : "unknown";
}

/* Byte size of an EC coordinate for a curve id; 0 if unknown. */
static size_t curve_bytes(uint32_t curve)
{
	return curve == SS_SEV_CURVE_P256 ? 32 : curve == SS_SEV_CURVE_P384 ? 48 : 0;
}

/* Prefixes err's message with context and returns rc (ss_wrap returns err's code, or SS_EINVAL
 * when err is NULL; the caller's status must survive a NULL err). */
static int wrapf(int rc, ss_error *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int wrapf(int rc, ss_error *err, const char *fmt, ...)
{
	if (err) {
		char prefix[256];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(prefix, sizeof(prefix), fmt, ap);
		va_end(ap);
		ss_wrap(err, rc, "%s", prefix);
	}
	return rc;
}

/* ---- SEV certificate: structure ---- */

#define CERT_OFF(field) ((unsigned)offsetof(struct ss_sev_cert, field))

static int check_slot(const ss_sev_cert *c, unsigned i, ss_error *err)
{
	const struct ss_sev_sig_slot *s = &c->sig[i];
	unsigned base = CERT_OFF(sig) + i * (unsigned)sizeof(*s);
	if (s->usage == SS_SEV_USAGE_INVALID) {
		if (s->algo != SS_SEV_ALGO_INVALID)
			return ss_fail(err, SS_EINVAL,
				       "SIG%u_ALGO (offset 0x%03x) is 0x%x in an empty slot (must "
				       "be 0)",
				       i + 1, base + 4, s->algo);
		if (!ss_is_zero(s->sig.raw, sizeof(s->sig.raw)))
			return ss_fail(err, SS_EINVAL,
				       "SIG%u (offset 0x%03x) is not zero in an empty slot", i + 1,
				       base + 8);
		return 0;
	}
	if (s->usage != SS_SEV_USAGE_ASK && s->usage != SS_SEV_USAGE_OCA &&
	    s->usage != SS_SEV_USAGE_PEK && s->usage != SS_SEV_USAGE_CEK &&
	    s->usage != SS_SEV_USAGE_ARK)
		return ss_fail(
		    err, SS_EINVAL,
		    "SIG%u_USAGE (offset 0x%03x) is 0x%x (%s), not a signing key's usage", i + 1,
		    base, s->usage, usage_str(s->usage));
	if (!ss_sev_algo_is_rsa(s->algo) && !ss_sev_algo_is_ecdsa(s->algo))
		return ss_fail(err, SS_EINVAL,
			       "SIG%u_ALGO (offset 0x%03x) is 0x%x (%s), not a signature algorithm",
			       i + 1, base + 4, s->algo,
			       ss_sev_algo_name(s->algo) ? ss_sev_algo_name(s->algo) : "unknown");
	if (ss_sev_algo_is_ecdsa(s->algo) &&
	    !ss_is_zero(s->sig.ecdsa.reserved, sizeof(s->sig.ecdsa.reserved)))
		return ss_fail(err, SS_EINVAL, "SIG%u reserved bytes (offset 0x%03x) are not zero",
			       i + 1,
			       base + 8 + (unsigned)offsetof(struct ss_sev_ecdsa_sig, reserved));
	return 0;
}

int ss_sev_cert_check(const ss_sev_cert *c, ss_error *err)
{
	if (c->version != SS_SEV_CERT_VERSION)
		return ss_fail(err, SS_EINVAL, "VERSION (offset 0x000) is %u, must be 1",
			       c->version);
	if (c->reserved[0] || c->reserved[1])
		return ss_fail(err, SS_EINVAL, "reserved bytes (offset 0x006) are not zero");
	uint32_t u = c->pubkey_usage, a = c->pubkey_algo;
	if (u != SS_SEV_USAGE_OCA && u != SS_SEV_USAGE_PEK && u != SS_SEV_USAGE_PDH &&
	    u != SS_SEV_USAGE_CEK)
		return ss_fail(err, SS_EINVAL,
			       "PUBKEY_USAGE (offset 0x008) is 0x%x (%s), not OCA, PEK, PDH or CEK",
			       u, usage_str(u));
	if (!ss_sev_algo_name(a) || a == SS_SEV_ALGO_INVALID)
		return ss_fail(err, SS_EINVAL,
			       "PUBKEY_ALGO (offset 0x00c) is 0x%x, not a known algorithm", a);
	if (u == SS_SEV_USAGE_PDH && !ss_sev_algo_is_ecdh(a))
		return ss_fail(err, SS_EINVAL,
			       "PUBKEY_ALGO (offset 0x00c) is %s, a PDH key must be ECDH_SHA256 or "
			       "ECDH_SHA384",
			       ss_sev_algo_name(a));
	if (u != SS_SEV_USAGE_PDH && ss_sev_algo_is_ecdh(a))
		return ss_fail(
		    err, SS_EINVAL,
		    "PUBKEY_ALGO (offset 0x00c) is %s, but a %s key signs (ECDSA or RSA)",
		    ss_sev_algo_name(a), usage_str(u));
	if (ss_sev_algo_is_rsa(a)) {
		const struct ss_sev_rsa_pubkey *k = &c->pubkey.rsa;
		if (k->modulus_size != 2048 && k->modulus_size != 4096)
			return ss_fail(
			    err, SS_EINVAL,
			    "PUBKEY.MODULUS_SIZE (offset 0x010) is %u bits, must be 2048 "
			    "or 4096",
			    k->modulus_size);
		size_t n = k->modulus_size / 8;
		if (!ss_is_zero(k->pub_exp + n, sizeof(k->pub_exp) - n))
			return ss_fail(err, SS_EINVAL,
				       "PUBKEY.PUB_EXP (offset 0x014) is larger than %u bits",
				       k->modulus_size);
		if (!ss_is_zero(k->modulus + n, sizeof(k->modulus) - n))
			return ss_fail(err, SS_EINVAL,
				       "PUBKEY.MODULUS (offset 0x214) is larger than %u bits",
				       k->modulus_size);
	} else {
		const struct ss_sev_ec_pubkey *k = &c->pubkey.ec;
		size_t n = curve_bytes(k->curve);
		if (!n)
			return ss_fail(
			    err, SS_EINVAL,
			    "PUBKEY.CURVE (offset 0x010) is %u, not P-256 (1) or P-384 (2)",
			    k->curve);
		if (!ss_is_zero(k->qx + n, sizeof(k->qx) - n))
			return ss_fail(
			    err, SS_EINVAL,
			    "PUBKEY.QX (offset 0x014) has non-zero bytes above %zu (offset "
			    "0x%03zx)",
			    n, 0x14 + n);
		if (!ss_is_zero(k->qy + n, sizeof(k->qy) - n))
			return ss_fail(
			    err, SS_EINVAL,
			    "PUBKEY.QY (offset 0x05c) has non-zero bytes above %zu (offset "
			    "0x%03zx)",
			    n, 0x5c + n);
		if (!ss_is_zero(k->reserved, sizeof(k->reserved)))
			return ss_fail(err, SS_EINVAL,
				       "PUBKEY reserved bytes (offset 0x0a4) are not zero");
	}
	for (unsigned i = 0; i < SS_SEV_CERT_SIG_SLOTS; i++) {
		int rc = check_slot(c, i, err);
		if (rc)
			return rc;
	}
	return 0;
}

int ss_sev_cert_parse(const void *buf, size_t len, ss_sev_cert *out, ss_error *err)
{
	if (len != SS_SEV_CERT_SIZE)
		return ss_fail(err, SS_EINVAL,
			       "a SEV certificate is 2084 (0x824) bytes, this is %zu bytes", len);
	ss_sev_cert c;
	memcpy(&c, buf, sizeof(c));
	int rc = ss_sev_cert_check(&c, err);
	if (rc)
		return rc;
	*out = c;
	return 0;
}

void ss_sev_cert_serialize(const ss_sev_cert *cert, uint8_t out[SS_SEV_CERT_SIZE])
{
	memcpy(out, cert, SS_SEV_CERT_SIZE);
}

/* ---- SEV certificate: build ---- */

void ss_sev_cert_clear_sig(ss_sev_cert *cert, unsigned slot)
{
	if (slot >= SS_SEV_CERT_SIG_SLOTS)
		return;
	memset(&cert->sig[slot], 0, sizeof(cert->sig[slot]));
	cert->sig[slot].usage = SS_SEV_USAGE_INVALID;
	cert->sig[slot].algo = SS_SEV_ALGO_INVALID;
}

void ss_sev_cert_init(ss_sev_cert *cert, uint32_t usage, uint32_t algo, uint8_t api_major,
		      uint8_t api_minor)
{
	memset(cert, 0, sizeof(*cert));
	cert->version = SS_SEV_CERT_VERSION;
	cert->api_major = api_major;
	cert->api_minor = api_minor;
	cert->pubkey_usage = usage;
	cert->pubkey_algo = algo;
	for (unsigned i = 0; i < SS_SEV_CERT_SIG_SLOTS; i++)
		ss_sev_cert_clear_sig(cert, i);
}

int ss_sev_cert_set_ec_pubkey(ss_sev_cert *cert, const ss_eckey *key, ss_error *err)
{
	if (!ss_sev_algo_is_ecdsa(cert->pubkey_algo) && !ss_sev_algo_is_ecdh(cert->pubkey_algo))
		return ss_fail(err, SS_EINVAL, "PUBKEY_ALGO 0x%x is not an EC algorithm",
			       cert->pubkey_algo);
	uint8_t x[SS_P384_LEN], y[SS_P384_LEN];
	if (ss_eckey_public_xy(key, x, y))
		return ss_fail(err, SS_ECRYPTO, "reading the P-384 public key failed: %s",
			       ss_crypto_last_error());
	memset(&cert->pubkey, 0, sizeof(cert->pubkey));
	cert->pubkey.ec.curve = SS_SEV_CURVE_P384;
	ss_reverse(x, sizeof(x));
	ss_reverse(y, sizeof(y));
	memcpy(cert->pubkey.ec.qx, x, sizeof(x));
	memcpy(cert->pubkey.ec.qy, y, sizeof(y));
	return 0;
}

int ss_sev_cert_get_ec_pubkey(const ss_sev_cert *cert, ss_eckey **out, ss_error *err)
{
	const struct ss_sev_ec_pubkey *k = &cert->pubkey.ec;
	if (!ss_sev_algo_is_ecdsa(cert->pubkey_algo) && !ss_sev_algo_is_ecdh(cert->pubkey_algo))
		return ss_fail(
		    err, SS_EINVAL, "PUBKEY_ALGO 0x%x (%s) is not an EC key", cert->pubkey_algo,
		    ss_sev_algo_name(cert->pubkey_algo) ? ss_sev_algo_name(cert->pubkey_algo)
							: "unknown");
	if (k->curve == SS_SEV_CURVE_P256)
		return ss_fail(err, SS_EUNSUPPORTED,
			       "P-256 keys (PUBKEY.CURVE 1) are not supported");
	if (k->curve != SS_SEV_CURVE_P384)
		return ss_fail(err, SS_EINVAL, "PUBKEY.CURVE (offset 0x010) is %u, not P-384 (2)",
			       k->curve);
	if (!ss_is_zero(k->qx + SS_P384_LEN, sizeof(k->qx) - SS_P384_LEN) ||
	    !ss_is_zero(k->qy + SS_P384_LEN, sizeof(k->qy) - SS_P384_LEN))
		return ss_fail(err, SS_EINVAL, "PUBKEY coordinates are larger than 48 bytes");
	uint8_t x[SS_P384_LEN], y[SS_P384_LEN];
	memcpy(x, k->qx, sizeof(x));
	memcpy(y, k->qy, sizeof(y));
	ss_reverse(x, sizeof(x));
	ss_reverse(y, sizeof(y));
	int rc = ss_eckey_from_public_xy(x, y, out, err);
	if (rc)
		return wrapf(rc, err, "PUBKEY (offset 0x010)");
	return 0;
}

int ss_sev_cert_set_rsa_pubkey(ss_sev_cert *cert, const struct evp_pkey_st *key, ss_error *err)
{
	if (!ss_sev_algo_is_rsa(cert->pubkey_algo))
		return ss_fail(err, SS_EINVAL, "PUBKEY_ALGO 0x%x is not an RSA algorithm",
			       cert->pubkey_algo);
	struct ss_sev_rsa_pubkey k;
	unsigned bits;
	int rc = ss_sev_rsa_to_le(key, k.modulus, k.pub_exp, sizeof(k.modulus), &bits, err);
	if (rc)
		return rc;
	if (bits != 2048 && bits != 4096)
		return ss_fail(err, SS_EINVAL,
			       "RSA key of %u bits; SEV certificates hold 2048 or 4096", bits);
	k.modulus_size = bits;
	memset(&cert->pubkey, 0, sizeof(cert->pubkey));
	cert->pubkey.rsa = k;
	return 0;
}

int ss_sev_cert_get_pubkey(const ss_sev_cert *cert, struct evp_pkey_st **out, ss_error *err)
{
	*out = NULL;
	if (ss_sev_algo_is_rsa(cert->pubkey_algo)) {
		const struct ss_sev_rsa_pubkey *k = &cert->pubkey.rsa;
		if (k->modulus_size != 2048 && k->modulus_size != 4096)
			return ss_fail(
			    err, SS_EINVAL,
			    "PUBKEY.MODULUS_SIZE (offset 0x010) is %u bits, must be 2048 "
			    "or 4096",
			    k->modulus_size);
		return ss_sev_rsa_from_le(k->modulus, k->modulus_size / 8, k->pub_exp,
					  sizeof(k->pub_exp), out, err);
	}
	ss_eckey *ec;
	int rc = ss_sev_cert_get_ec_pubkey(cert, &ec, err);
	if (rc)
		return rc;
	EVP_PKEY *p = ss_eckey_evp(ec);
	if (EVP_PKEY_up_ref(p) != 1) {
		ss_eckey_free(ec);
		return ss_fail(err, SS_ECRYPTO, "EVP_PKEY_up_ref failed");
	}
	*out = p;
	ss_eckey_free(ec);
	return 0;
}

const uint8_t *ss_sev_cert_body(const ss_sev_cert *cert)
{
	return (const uint8_t *)cert;
}

int ss_sev_cert_body_digest(const ss_sev_cert *cert, uint32_t algo, uint8_t *out, size_t *len,
			    ss_error *err)
{
	if (!ss_sev_algo_name(algo) || algo == SS_SEV_ALGO_INVALID)
		return ss_fail(err, SS_EINVAL, "algorithm 0x%x names no hash", algo);
	ss_hash_alg h = algo_hash(algo);
	int rc = h == SS_HASH_SHA384 ? ss_sha384(cert, SS_SEV_CERT_BODY_SIZE, out)
				     : ss_sha256(cert, SS_SEV_CERT_BODY_SIZE, out);
	if (rc)
		return ss_fail(err, SS_ECRYPTO, "hashing the certificate body failed");
	*len = ss_hash_len(h);
	return 0;
}

/* ---- SEV certificate: sign ---- */

int ss_sev_cert_sign_ec(ss_sev_cert *cert, unsigned slot, uint32_t signer_usage, uint32_t algo,
			const ss_eckey *key, ss_error *err)
{
	if (slot >= SS_SEV_CERT_SIG_SLOTS)
		return ss_fail(err, SS_EINVAL, "signature slot %u does not exist (0 or 1)", slot);
	if (!ss_sev_algo_is_ecdsa(algo))
		return ss_fail(err, SS_EINVAL, "algorithm 0x%x is not ECDSA_SHA256 or ECDSA_SHA384",
			       algo);
	if (!key || !ss_eckey_has_private(key))
		return ss_fail(err, SS_EINVAL, "signing needs a P-384 private key");
	uint8_t d[SS_SHA384_LEN], r[SS_P384_LEN], s[SS_P384_LEN];
	size_t dlen;
	int rc = ss_sev_cert_body_digest(cert, algo, d, &dlen, err);
	if (!rc)
		rc = ss_ecdsa_p384_sign_digest(key, d, dlen, r, s, err);
	if (rc)
		return rc;
	struct ss_sev_sig_slot *sl = &cert->sig[slot];
	memset(sl, 0, sizeof(*sl));
	sl->usage = signer_usage;
	sl->algo = algo;
	ss_reverse(r, sizeof(r));
	ss_reverse(s, sizeof(s));
	memcpy(sl->sig.ecdsa.r, r, sizeof(r));
	memcpy(sl->sig.ecdsa.s, s, sizeof(s));
	return 0;
}

int ss_sev_cert_sign_rsa(ss_sev_cert *cert, unsigned slot, uint32_t signer_usage, uint32_t algo,
			 const struct evp_pkey_st *key, ss_error *err)
{
	if (slot >= SS_SEV_CERT_SIG_SLOTS)
		return ss_fail(err, SS_EINVAL, "signature slot %u does not exist (0 or 1)", slot);
	if (!ss_sev_algo_is_rsa(algo))
		return ss_fail(err, SS_EINVAL, "algorithm 0x%x is not RSA_SHA256 or RSA_SHA384",
			       algo);
	if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA)
		return ss_fail(err, SS_EINVAL, "signing needs an RSA private key");
	int klen = EVP_PKEY_get_size(key);
	if (klen != 256 && klen != 512)
		return ss_fail(err, SS_EINVAL, "RSA signing key of %d bits; 2048 or 4096 needed",
			       klen * 8);
	uint8_t d[SS_SHA384_LEN], sig[SS_SEV_SIG_SIZE] = {0};
	size_t dlen;
	int rc = ss_sev_cert_body_digest(cert, algo, d, &dlen, err);
	if (!rc)
		rc = ss_sev_rsa_pss_sign(key, algo_hash(algo), d, sig, (size_t)klen, err);
	if (rc)
		return rc;
	struct ss_sev_sig_slot *sl = &cert->sig[slot];
	memset(sl, 0, sizeof(*sl));
	sl->usage = signer_usage;
	sl->algo = algo;
	memcpy(sl->sig.rsa, sig, sizeof(sig));
	return 0;
}

/* ---- SEV certificate: verify ---- */

/* A signer's public key: EC P-384 or RSA. */
struct signer_key {
	ss_eckey *ec;
	EVP_PKEY *rsa;
};

static void signer_key_free(struct signer_key *k)
{
	ss_eckey_free(k->ec);
	EVP_PKEY_free(k->rsa);
}

/* Verifies slot i of cert with key, per the slot's algorithm. An RSA signature is as long as the
 * signer's modulus and sits in the low bytes of the 512-byte slot, zero above (attestation.md
 * §13.2). */
static int verify_slot(const ss_sev_cert *cert, unsigned i, const struct signer_key *key,
		       ss_error *err)
{
	const struct ss_sev_sig_slot *s = &cert->sig[i];
	uint8_t d[SS_SHA384_LEN];
	size_t dlen;
	int rc = ss_sev_cert_body_digest(cert, s->algo, d, &dlen, err);
	if (rc)
		return rc;
	if (ss_sev_algo_is_rsa(s->algo)) {
		if (!key->rsa)
			return ss_fail(err, SS_EBADSIG, "SIG%u is RSA but the signer's key is not",
				       i + 1);
		size_t n = (size_t)EVP_PKEY_get_size(key->rsa);
		if (n > sizeof(s->sig.rsa) || !ss_is_zero(s->sig.rsa + n, sizeof(s->sig.rsa) - n))
			return ss_fail(err, SS_EBADSIG,
				       "SIG%u is longer than the signer's %zu-bit key", i + 1,
				       n * 8);
		return ss_sev_rsa_pss_verify(key->rsa, algo_hash(s->algo), d, s->sig.rsa, n, err);
	}
	if (!key->ec)
		return ss_fail(err, SS_EBADSIG, "SIG%u is ECDSA but the signer's key is not EC",
			       i + 1);
	if (!ss_is_zero(s->sig.ecdsa.r + SS_P384_LEN, SS_SEV_EC_COORD_SIZE - SS_P384_LEN) ||
	    !ss_is_zero(s->sig.ecdsa.s + SS_P384_LEN, SS_SEV_EC_COORD_SIZE - SS_P384_LEN))
		return ss_fail(err, SS_EBADSIG, "SIG%u r or s is larger than 48 bytes", i + 1);
	uint8_t r[SS_P384_LEN], sv[SS_P384_LEN];
	memcpy(r, s->sig.ecdsa.r, sizeof(r));
	memcpy(sv, s->sig.ecdsa.s, sizeof(sv));
	ss_reverse(r, sizeof(r));
	ss_reverse(sv, sizeof(sv));
	return ss_ecdsa_p384_verify_digest(key->ec, d, dlen, r, sv, err);
}

/* Finds the slot signed by (usage, algo predicate) and verifies it. */
static int verify_by(const ss_sev_cert *cert, uint32_t signer_usage, uint32_t signer_algo,
		     bool any_rsa, const struct signer_key *key, unsigned *slot_out, ss_error *err)
{
	for (unsigned i = 0; i < SS_SEV_CERT_SIG_SLOTS; i++) {
		const struct ss_sev_sig_slot *s = &cert->sig[i];
		if (s->usage != signer_usage)
			continue;
		if (any_rsa ? !ss_sev_algo_is_rsa(s->algo) : s->algo != signer_algo)
			continue;
		int rc = verify_slot(cert, i, key, err);
		if (rc)
			return wrapf(rc, err, "%s: signature by %s (SIG%u, %s) does not verify",
				     usage_str(cert->pubkey_usage), usage_str(signer_usage), i + 1,
				     ss_sev_algo_name(s->algo));
		if (slot_out)
			*slot_out = i;
		return 0;
	}
	return ss_fail(err, SS_EBADSIG, "%s: no signature slot is by %s",
		       usage_str(cert->pubkey_usage), usage_str(signer_usage));
}

int ss_sev_cert_verify(const ss_sev_cert *cert, const ss_sev_cert *signer, unsigned *slot_out,
		       ss_error *err)
{
	struct signer_key k = {0};
	int rc;
	if (ss_sev_algo_is_ecdh(signer->pubkey_algo))
		return ss_fail(err, SS_EBADSIG,
			       "%s: its signer %s holds an ECDH key, which cannot sign",
			       usage_str(cert->pubkey_usage), usage_str(signer->pubkey_usage));
	if (ss_sev_algo_is_rsa(signer->pubkey_algo))
		rc = ss_sev_cert_get_pubkey(signer, &k.rsa, err);
	else
		rc = ss_sev_cert_get_ec_pubkey(signer, &k.ec, err);
	if (rc)
		return wrapf(rc, err, "%s: signer %s's key", usage_str(cert->pubkey_usage),
			     usage_str(signer->pubkey_usage));
	rc = verify_by(cert, signer->pubkey_usage, signer->pubkey_algo, false, &k, slot_out, err);
	signer_key_free(&k);
	return rc;
}

int ss_sev_cert_verify_by_amd(const ss_sev_cert *cert, const ss_amd_cert *signer, ss_error *err)
{
	struct signer_key k = {0};
	int rc = ss_amd_cert_get_pubkey(signer, &k.rsa, err);
	if (rc)
		return wrapf(rc, err, "%s: signer %s's key", usage_str(cert->pubkey_usage),
			     usage_str(signer->hdr.key_usage));
	rc = verify_by(cert, signer->hdr.key_usage, 0, true, &k, NULL, err);
	signer_key_free(&k);
	return rc;
}

/* ---- AMD certificate ---- */

size_t ss_amd_cert_body_size(const ss_amd_cert *cert)
{
	return SS_AMD_CERT_HDR_SIZE + cert->hdr.pubexp_size / 8 + cert->hdr.modulus_size / 8;
}

size_t ss_amd_cert_size(const ss_amd_cert *cert)
{
	return ss_amd_cert_body_size(cert) + cert->hdr.modulus_size / 8;
}

static bool key_bits_ok(uint32_t bits)
{
	return bits == 2048 || bits == 4096;
}

int ss_amd_cert_parse(const void *buf, size_t len, ss_amd_cert *out, size_t *used, ss_error *err)
{
	const uint8_t *p = buf;
	ss_amd_cert c;
	memset(&c, 0, sizeof(c));
	if (len < SS_AMD_CERT_HDR_SIZE)
		return ss_fail(err, SS_EINVAL,
			       "an AMD certificate needs at least its 64-byte header, this is %zu "
			       "bytes",
			       len);
	memcpy(&c.hdr, p, sizeof(c.hdr));
	if (c.hdr.version != SS_AMD_CERT_VERSION)
		return ss_fail(err, SS_EINVAL, "VERSION (offset 0x00) is %u, must be 1",
			       c.hdr.version);
	if (c.hdr.key_usage != SS_SEV_USAGE_ARK && c.hdr.key_usage != SS_SEV_USAGE_ASK)
		return ss_fail(err, SS_EINVAL,
			       "KEY_USAGE (offset 0x24) is 0x%x (%s), not ARK (0x0) or ASK (0x13)",
			       c.hdr.key_usage, usage_str(c.hdr.key_usage));
	if (!ss_is_zero(c.hdr.reserved, sizeof(c.hdr.reserved)))
		return ss_fail(err, SS_EINVAL, "reserved bytes (offset 0x28) are not zero");
	if (!key_bits_ok(c.hdr.pubexp_size))
		return ss_fail(err, SS_EINVAL,
			       "PUBEXP_SIZE (offset 0x38) is %u bits, must be 2048 or 4096",
			       c.hdr.pubexp_size);
	if (!key_bits_ok(c.hdr.modulus_size))
		return ss_fail(err, SS_EINVAL,
			       "MODULUS_SIZE (offset 0x3c) is %u bits, must be 2048 or 4096",
			       c.hdr.modulus_size);
	size_t e = c.hdr.pubexp_size / 8, n = c.hdr.modulus_size / 8;
	size_t size = SS_AMD_CERT_HDR_SIZE + e + 2 * n;
	if (len < size) {
		/* AMD published the Naples ARK without its signature (attestation.md §13.1). */
		if (len == SS_AMD_CERT_HDR_SIZE + e + n)
			return ss_fail(err, SS_EINVAL,
				       "%s certificate ends after MODULUS (%zu bytes): SIGNATURE "
				       "(offset 0x%zx, %zu bytes) is missing (AMD's truncated "
				       "Naples ARK? append its detached signature)",
				       usage_str(c.hdr.key_usage), len,
				       SS_AMD_CERT_HDR_SIZE + e + n, n);
		return ss_fail(
		    err, SS_EINVAL,
		    "%s certificate is %zu bytes, its sizes need %zu (0x40 + %zu + 2 x %zu)",
		    usage_str(c.hdr.key_usage), len, size, e, n);
	}
	if (!used && len != size)
		return ss_fail(err, SS_EINVAL,
			       "%s certificate is %zu bytes, its sizes say %zu (trailing bytes at "
			       "offset 0x%zx)",
			       usage_str(c.hdr.key_usage), len, size, size);
	memcpy(c.pubexp, p + SS_AMD_CERT_HDR_SIZE, e);
	memcpy(c.modulus, p + SS_AMD_CERT_HDR_SIZE + e, n);
	memcpy(c.sig, p + SS_AMD_CERT_HDR_SIZE + e + n, n);
	*out = c;
	if (used)
		*used = size;
	return 0;
}

int ss_amd_cert_serialize(const ss_amd_cert *cert, uint8_t *out, size_t cap, size_t *len,
			  ss_error *err)
{
	if (!key_bits_ok(cert->hdr.pubexp_size) || !key_bits_ok(cert->hdr.modulus_size))
		return ss_fail(err, SS_EINVAL, "AMD certificate sizes %u/%u are not 2048 or 4096",
			       cert->hdr.pubexp_size, cert->hdr.modulus_size);
	size_t e = cert->hdr.pubexp_size / 8, n = cert->hdr.modulus_size / 8;
	size_t size = ss_amd_cert_size(cert);
	if (cap < size)
		return ss_fail(err, SS_ERANGE, "AMD certificate needs %zu bytes, buffer has %zu",
			       size, cap);
	memcpy(out, &cert->hdr, SS_AMD_CERT_HDR_SIZE);
	memcpy(out + SS_AMD_CERT_HDR_SIZE, cert->pubexp, e);
	memcpy(out + SS_AMD_CERT_HDR_SIZE + e, cert->modulus, n);
	memcpy(out + SS_AMD_CERT_HDR_SIZE + e + n, cert->sig, n);
	*len = size;
	return 0;
}

int ss_amd_cert_init(ss_amd_cert *cert, uint32_t usage, const uint8_t key_id[16],
		     const uint8_t certifying_id[16], const struct evp_pkey_st *pub, ss_error *err)
{
	if (usage != SS_SEV_USAGE_ARK && usage != SS_SEV_USAGE_ASK)
		return ss_fail(err, SS_EINVAL, "AMD certificate usage 0x%x is not ARK or ASK",
			       usage);
	ss_amd_cert c;
	memset(&c, 0, sizeof(c));
	unsigned bits;
	int rc = ss_sev_rsa_to_le(pub, c.modulus, c.pubexp, sizeof(c.modulus), &bits, err);
	if (rc)
		return rc;
	if (!key_bits_ok(bits))
		return ss_fail(err, SS_EINVAL,
			       "RSA key of %u bits; AMD certificates hold 2048 or 4096", bits);
	c.hdr.version = SS_AMD_CERT_VERSION;
	memcpy(c.hdr.key_id, key_id, SS_AMD_CERT_KEY_ID_SIZE);
	memcpy(c.hdr.certifying_id, certifying_id, SS_AMD_CERT_KEY_ID_SIZE);
	c.hdr.key_usage = usage;
	c.hdr.pubexp_size = bits;
	c.hdr.modulus_size = bits;
	*cert = c;
	return 0;
}

int ss_amd_cert_get_pubkey(const ss_amd_cert *cert, struct evp_pkey_st **out, ss_error *err)
{
	*out = NULL;
	if (!key_bits_ok(cert->hdr.pubexp_size) || !key_bits_ok(cert->hdr.modulus_size))
		return ss_fail(err, SS_EINVAL, "AMD certificate sizes %u/%u are not 2048 or 4096",
			       cert->hdr.pubexp_size, cert->hdr.modulus_size);
	return ss_sev_rsa_from_le(cert->modulus, cert->hdr.modulus_size / 8, cert->pubexp,
				  cert->hdr.pubexp_size / 8, out, err);
}

/* The signed body in wire order (header, exponent, modulus) hashed per the signer's size. */
static int amd_body_digest(const ss_amd_cert *cert, ss_hash_alg alg, uint8_t *out)
{
	size_t e = cert->hdr.pubexp_size / 8, n = cert->hdr.modulus_size / 8;
	ss_hash *h = ss_hash_new(alg);
	int rc = h && !ss_hash_update(h, &cert->hdr, SS_AMD_CERT_HDR_SIZE) &&
			 !ss_hash_update(h, cert->pubexp, e) &&
			 !ss_hash_update(h, cert->modulus, n) && !ss_hash_final(h, out)
		     ? 0
		     : SS_ECRYPTO;
	ss_hash_free(h);
	return rc;
}

int ss_amd_cert_sign(ss_amd_cert *cert, const struct evp_pkey_st *signer_priv, ss_error *err)
{
	if (!signer_priv || EVP_PKEY_get_base_id(signer_priv) != EVP_PKEY_RSA)
		return ss_fail(err, SS_EINVAL, "signing needs an RSA private key");
	size_t n = cert->hdr.modulus_size / 8;
	if (!key_bits_ok(cert->hdr.modulus_size) || !key_bits_ok(cert->hdr.pubexp_size))
		return ss_fail(err, SS_EINVAL, "AMD certificate sizes %u/%u are not 2048 or 4096",
			       cert->hdr.pubexp_size, cert->hdr.modulus_size);
	if ((size_t)EVP_PKEY_get_size(signer_priv) != n)
		return ss_fail(err, SS_EINVAL,
			       "a %d-bit signer cannot sign a certificate with a %u-bit signature",
			       EVP_PKEY_get_bits(signer_priv), cert->hdr.modulus_size);
	ss_hash_alg alg = n == 256 ? SS_HASH_SHA256 : SS_HASH_SHA384;
	uint8_t d[SS_SHA384_LEN];
	if (amd_body_digest(cert, alg, d))
		return ss_fail(err, SS_ECRYPTO, "hashing the AMD certificate failed");
	uint8_t sig[SS_AMD_CERT_MAX_BYTES] = {0};
	int rc = ss_sev_rsa_pss_sign(signer_priv, alg, d, sig, n, err);
	if (rc)
		return rc;
	memcpy(cert->sig, sig, sizeof(sig));
	return 0;
}

int ss_amd_cert_verify(const ss_amd_cert *cert, const ss_amd_cert *signer, ss_error *err)
{
	const char *who = usage_str(cert->hdr.key_usage), *by = usage_str(signer->hdr.key_usage);
	if (memcmp(cert->hdr.certifying_id, signer->hdr.key_id, SS_AMD_CERT_KEY_ID_SIZE))
		return ss_fail(err, SS_EBADSIG,
			       "%s: CERTIFYING_ID (offset 0x14) is not the %s's KEY_ID", who, by);
	if (signer->hdr.modulus_size != cert->hdr.modulus_size)
		return ss_fail(err, SS_EBADSIG,
			       "%s: its %u-bit signature cannot come from the %u-bit %s key", who,
			       cert->hdr.modulus_size, signer->hdr.modulus_size, by);
	EVP_PKEY *key;
	int rc = ss_amd_cert_get_pubkey(signer, &key, err);
	if (rc)
		return wrapf(rc, err, "%s: signer %s's key", who, by);
	size_t n = cert->hdr.modulus_size / 8;
	ss_hash_alg alg = n == 256 ? SS_HASH_SHA256 : SS_HASH_SHA384;
	uint8_t d[SS_SHA384_LEN];
	if (amd_body_digest(cert, alg, d))
		rc = ss_fail(err, SS_ECRYPTO, "hashing the AMD certificate failed");
	else
		rc = ss_sev_rsa_pss_verify(key, alg, d, cert->sig, n, err);
	EVP_PKEY_free(key);
	if (rc)
		return wrapf(rc, err, "%s: signature by %s does not verify", who, by);
	return 0;
}

/* SHA-256 of each real AMD-format ARK as AMD publishes it (vectors/snp/sev-legacy/ca, the Naples
 * one with its detached signature appended; attestation.md §13.1). */
static const struct {
	const char *product;
	const char *sha256;
} known_arks[] = {
    {"Naples", "dedabca561e1dece8cc00b7bda864cf5f20b95017864408cfe18eaee0dce24b9"},
    {"Rome", "865977b268c16d5b27772b00aaefb4e737ba9499e818ed8e9f65b0cecefbc529"},
    {"Milan", "1246469862b78a7a8625579b0378d1f8e975eb8b82a1623b579d7968a5969888"},
    {"Genoa", "8f4e3fd36589c23f1fe0c8338465bac7e2e066d97fc92f228bbee4fd356fb674"},
    {"Turin", "f6405e5096a6eee1eb7d5df75c49f9b9f7c8357a31c7fff150149d68588a7bf7"},
};

const char *ss_amd_ark_product(const ss_amd_cert *ark)
{
	uint8_t buf[SS_AMD_CERT_MAX_SIZE], d[SS_SHA256_LEN];
	size_t len;
	char hex[2 * SS_SHA256_LEN + 1];
	if (ss_amd_cert_serialize(ark, buf, sizeof(buf), &len, NULL) || ss_sha256(buf, len, d))
		return NULL;
	ss_hex_encode(hex, d, sizeof(d));
	for (size_t i = 0; i < sizeof(known_arks) / sizeof(known_arks[0]); i++)
		if (!strcmp(hex, known_arks[i].sha256))
			return known_arks[i].product;
	return NULL;
}

/* ---- chain buffers ---- */

static int expect_usage(const ss_sev_cert *c, uint32_t want, const char *where, size_t off,
			ss_error *err)
{
	if (c->pubkey_usage != want)
		return ss_fail(err, SS_EINVAL,
			       "%s (offset 0x%zx): PUBKEY_USAGE is %s (0x%x), expected %s", where,
			       off, usage_str(c->pubkey_usage), c->pubkey_usage, usage_str(want));
	return 0;
}

int ss_sev_chain_parse(const void *buf, size_t len, ss_sev_chain *out, ss_error *err)
{
	if (len != SS_SEV_CHAIN_SIZE)
		return ss_fail(
		    err, SS_EINVAL,
		    "a PDH cert_chain (PEK, OCA, CEK) is 6252 (3 x 0x824) bytes, this is "
		    "%zu bytes",
		    len);
	static const struct {
		const char *name;
		uint32_t usage;
	} order[SS_SEV_CHAIN_CERTS] = {
	    {"PEK", SS_SEV_USAGE_PEK}, {"OCA", SS_SEV_USAGE_OCA}, {"CEK", SS_SEV_USAGE_CEK}};
	ss_sev_cert *dst[SS_SEV_CHAIN_CERTS] = {&out->pek, &out->oca, &out->cek};
	ss_sev_chain c;
	ss_sev_cert *tmp[SS_SEV_CHAIN_CERTS] = {&c.pek, &c.oca, &c.cek};
	for (unsigned i = 0; i < SS_SEV_CHAIN_CERTS; i++) {
		size_t off = (size_t)i * SS_SEV_CERT_SIZE;
		int rc =
		    ss_sev_cert_parse((const uint8_t *)buf + off, SS_SEV_CERT_SIZE, tmp[i], err);
		if (rc)
			return wrapf(rc, err, "cert_chain %s (offset 0x%zx)", order[i].name, off);
		rc = expect_usage(tmp[i], order[i].usage, order[i].name, off, err);
		if (rc)
			return wrapf(rc, err, "cert_chain");
	}
	for (unsigned i = 0; i < SS_SEV_CHAIN_CERTS; i++)
		*dst[i] = *tmp[i];
	return 0;
}

void ss_sev_chain_serialize(const ss_sev_chain *chain, uint8_t out[SS_SEV_CHAIN_SIZE])
{
	ss_sev_cert_serialize(&chain->pek, out);
	ss_sev_cert_serialize(&chain->oca, out + SS_SEV_CERT_SIZE);
	ss_sev_cert_serialize(&chain->cek, out + 2 * SS_SEV_CERT_SIZE);
}

int ss_amd_chain_parse(const void *buf, size_t len, ss_amd_chain *out, ss_error *err)
{
	ss_amd_chain c;
	size_t used;
	int rc = ss_amd_cert_parse(buf, len, &c.ask, &used, err);
	if (rc)
		return wrapf(rc, err, "AMD chain ASK (offset 0x0)");
	if (c.ask.hdr.key_usage != SS_SEV_USAGE_ASK)
		return ss_fail(err, SS_EINVAL,
			       "AMD chain: first certificate (offset 0x0) is %s, expected ASK",
			       usage_str(c.ask.hdr.key_usage));
	rc = ss_amd_cert_parse((const uint8_t *)buf + used, len - used, &c.ark, NULL, err);
	if (rc)
		return wrapf(rc, err, "AMD chain ARK (offset 0x%zx)", used);
	if (c.ark.hdr.key_usage != SS_SEV_USAGE_ARK)
		return ss_fail(err, SS_EINVAL,
			       "AMD chain: second certificate (offset 0x%zx) is %s, expected ARK",
			       used, usage_str(c.ark.hdr.key_usage));
	*out = c;
	return 0;
}

int ss_amd_chain_serialize(const ss_amd_chain *chain, uint8_t *out, size_t cap, size_t *len,
			   ss_error *err)
{
	size_t a, b;
	int rc = ss_amd_cert_serialize(&chain->ask, out, cap, &a, err);
	if (!rc)
		rc = ss_amd_cert_serialize(&chain->ark, out + a, cap - a, &b, err);
	if (rc)
		return rc;
	*len = a + b;
	return 0;
}

/* ---- files of concatenated certificates ---- */

uint32_t ss_sev_any_cert_usage(const ss_sev_any_cert *c)
{
	return c->is_amd ? c->amd.hdr.key_usage : c->sev.pubkey_usage;
}

static bool is_platform_usage(uint32_t u)
{
	return u >= SS_SEV_USAGE_OCA && u <= SS_SEV_USAGE_CEK;
}

int ss_sev_certs_split(const void *buf, size_t len, ss_sev_any_cert *out, size_t max, size_t *n,
		       ss_error *err)
{
	const uint8_t *data = buf;
	size_t off = 0, count = 0;
	*n = 0;
	if (len == 0)
		return ss_fail(err, SS_EINVAL, "no certificate: empty input");
	while (off < len) {
		if (count == max)
			return ss_fail(err, SS_EINVAL,
				       "more than %zu certificates (offset 0x%zx and on)", max,
				       off);
		ss_sev_any_cert *it = &out[count];
		const uint8_t *p = data + off;
		size_t left = len - off;
		int rc;
		memset(it, 0, sizeof(*it));
		it->offset = off;
		if (left >= 12 && ss_le32(p) == SS_SEV_CERT_VERSION &&
		    is_platform_usage(ss_le32(p + 8))) {
			size_t take = left < SS_SEV_CERT_SIZE ? left : SS_SEV_CERT_SIZE;
			rc = ss_sev_cert_parse(p, take, &it->sev, err);
			it->size = SS_SEV_CERT_SIZE;
		} else {
			it->is_amd = true;
			rc = ss_amd_cert_parse(p, left, &it->amd, &it->size, err);
		}
		if (rc)
			return wrapf(rc, err, "certificate %zu (offset 0x%zx)", count + 1, off);
		off += it->size;
		count++;
	}
	*n = count;
	return 0;
}

/* ---- whole chains ---- */

static int role_is(const ss_sev_cert *c, uint32_t want, ss_error *err)
{
	if (c->pubkey_usage != want)
		return ss_fail(err, SS_EINVAL,
			       "the certificate given as %s has PUBKEY_USAGE %s (0x%x)",
			       usage_str(want), usage_str(c->pubkey_usage), c->pubkey_usage);
	return 0;
}

static int amd_role_is(const ss_amd_cert *c, uint32_t want, ss_error *err)
{
	if (c->hdr.key_usage != want)
		return ss_fail(err, SS_EINVAL,
			       "the certificate given as %s has KEY_USAGE %s (0x%x)",
			       usage_str(want), usage_str(c->hdr.key_usage), c->hdr.key_usage);
	return 0;
}

int ss_sev_verify_owner_chain(const ss_sev_cert *pdh, const ss_sev_cert *pek,
			      const ss_sev_cert *oca, ss_error *err)
{
	int rc;
	if ((rc = role_is(pdh, SS_SEV_USAGE_PDH, err)) ||
	    (rc = role_is(pek, SS_SEV_USAGE_PEK, err)) ||
	    (rc = role_is(oca, SS_SEV_USAGE_OCA, err)))
		return rc;
	if ((rc = ss_sev_cert_verify(oca, oca, NULL, err)) ||
	    (rc = ss_sev_cert_verify(pek, oca, NULL, err)) ||
	    (rc = ss_sev_cert_verify(pdh, pek, NULL, err)))
		return rc;
	return 0;
}

int ss_sev_verify_amd_chain(const ss_sev_cert *pek, const ss_sev_cert *cek, const ss_amd_cert *ask,
			    const ss_amd_cert *ark, ss_error *err)
{
	int rc;
	if ((rc = role_is(pek, SS_SEV_USAGE_PEK, err)) ||
	    (rc = role_is(cek, SS_SEV_USAGE_CEK, err)) ||
	    (rc = amd_role_is(ask, SS_SEV_USAGE_ASK, err)) ||
	    (rc = amd_role_is(ark, SS_SEV_USAGE_ARK, err)))
		return rc;
	if ((rc = ss_amd_cert_verify(ark, ark, err)) || (rc = ss_amd_cert_verify(ask, ark, err)) ||
	    (rc = ss_sev_cert_verify_by_amd(cek, ask, err)) ||
	    (rc = ss_sev_cert_verify(pek, cek, NULL, err)))
		return rc;
	return 0;
}

int ss_sev_verify_chain(const ss_sev_cert *pdh, const ss_sev_chain *chain, const ss_amd_chain *amd,
			ss_error *err)
{
	int rc = ss_sev_verify_amd_chain(&chain->pek, &chain->cek, &amd->ask, &amd->ark, err);
	if (!rc)
		rc = ss_sev_verify_owner_chain(pdh, &chain->pek, &chain->oca, err);
	return rc;
}
