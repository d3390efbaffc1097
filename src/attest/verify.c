/* The SEV-SNP verification algorithm (attestation.md §8.3): pin the product's ARK, check the
 * ARK -> ASK/ASVK -> VCEK/VLEK chain (RSASSA-PSS SHA-384), optionally a CRL, then per report the
 * signer kind, the TCB and chip binding of the leaf, the ECDSA P-384 signature (§7) and policy. */
#include "attest/internal.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <softsev/crypto_ecdsa_cached.h>
#include <softsev/crypto_md.h>
#include <stdlib.h>
#include <string.h>

#include "util/bytes.h"

struct ss_chain {
	ss_product product;
	bool vlek;
	ss_amd_ext ext;
	char leaf_cn[128];
	ss_eckey *key;
	ss_ecdsa_verifier *verifier;
	ss_md *sha384; /* reused per report: no per-report fetch or allocation */
};

/* AMD's certificates use RSASSA-PSS with SHA-384, MGF1-SHA-384 and a 48-byte salt (§8.1). */
static bool pss_params_ok(const X509 *x)
{
	const X509_ALGOR *alg = NULL;
	const ASN1_OBJECT *obj;
	const void *pval;
	int ptype;
	X509_get0_signature(NULL, &alg, x);
	if (!alg)
		return false;
	X509_ALGOR_get0(&obj, &ptype, &pval, alg);
	if (ptype != V_ASN1_SEQUENCE || !pval)
		return false;
	const unsigned char *p = ASN1_STRING_get0_data(pval);
	RSA_PSS_PARAMS *pss = d2i_RSA_PSS_PARAMS(NULL, &p, ASN1_STRING_length(pval));
	if (!pss)
		return false;
	/* maskGenAlgorithm = { id-mgf1, AlgorithmIdentifier of the MGF1 hash } (RFC 4055). */
	int mgf_nid = NID_undef;
	X509_ALGOR *mgf_hash = NULL;
	if (pss->maskGenAlgorithm) {
		const ASN1_OBJECT *mobj;
		const void *mval;
		int mtype;
		X509_ALGOR_get0(&mobj, &mtype, &mval, pss->maskGenAlgorithm);
		if (OBJ_obj2nid(mobj) == NID_mgf1 && mtype == V_ASN1_SEQUENCE && mval) {
			const unsigned char *q = ASN1_STRING_get0_data(mval);
			mgf_hash = d2i_X509_ALGOR(NULL, &q, ASN1_STRING_length(mval));
			if (mgf_hash) {
				const ASN1_OBJECT *hobj;
				X509_ALGOR_get0(&hobj, NULL, NULL, mgf_hash);
				mgf_nid = OBJ_obj2nid(hobj);
			}
		}
	}
	bool ok =
	    pss->saltLength && ASN1_INTEGER_get(pss->saltLength) == 48 && mgf_nid == NID_sha384;
	X509_ALGOR_free(mgf_hash);
	RSA_PSS_PARAMS_free(pss);
	return ok;
}

/* One certificate: issued by `issuer` (name and signature), RSA-PSS with SHA-384, inside its
 * validity period at `at`. */
static int check_cert(const ss_cert *c, const char *role, const ss_cert *issuer,
		      const char *issuer_role, time_t at, ss_error *err)
{
	char t1[64], t2[64];
	if (X509_get_version(c->x) != 2)
		return ss_fail(err, SS_EBADSIG, "%s '%s' is not an X.509 v3 certificate", role,
			       c->cn);
	if (X509_NAME_cmp(X509_get_issuer_name(c->x), X509_get_subject_name(issuer->x)))
		return ss_fail(err, SS_EBADSIG, "%s '%s' is not issued by the %s '%s'", role, c->cn,
			       issuer_role, issuer->cn);
	int mdnid = 0, pknid = 0;
	if (!X509_get_signature_info(c->x, &mdnid, &pknid, NULL, NULL) ||
	    pknid != EVP_PKEY_RSA_PSS || mdnid != NID_sha384)
		return ss_fail(
		    err, SS_EBADSIG,
		    "%s '%s' is not signed with RSASSA-PSS SHA-384 (attestation.md §8.1)", role,
		    c->cn);
	if (!pss_params_ok(c->x))
		return ss_fail(err, SS_EBADSIG,
			       "%s '%s': RSASSA-PSS parameters are not MGF1-SHA-384 with a 48-byte "
			       "salt (attestation.md §8.1)",
			       role, c->cn);
	EVP_PKEY *pub = X509_get0_pubkey(issuer->x);
	if (!pub || X509_verify(c->x, pub) != 1) {
		ss_crypto_last_error();
		return ss_fail(err, SS_EBADSIG,
			       "%s '%s': signature does not verify with the %s '%s'", role, c->cn,
			       issuer_role, issuer->cn);
	}
	ss_time_text(at, t2, sizeof(t2));
	if (X509_cmp_time(X509_get0_notBefore(c->x), &at) != -1) {
		ss_asn1_time_text(X509_get0_notBefore(c->x), t1, sizeof(t1));
		return ss_fail(err, SS_EBADSIG,
			       "%s '%s' is not valid before %s (verification time %s)", role, c->cn,
			       t1, t2);
	}
	if (X509_cmp_time(X509_get0_notAfter(c->x), &at) != 1) {
		ss_asn1_time_text(X509_get0_notAfter(c->x), t1, sizeof(t1));
		return ss_fail(err, SS_EBADSIG,
			       "%s '%s' expired on %s (verification time %s; --at sets it)", role,
			       c->cn, t1, t2);
	}
	return 0;
}

static int leaf_key(const ss_cert *leaf, const char *role, ss_eckey **out, ss_error *err)
{
	EVP_PKEY *pk = X509_get0_pubkey(leaf->x);
	char group[64] = "";
	BIGNUM *x = NULL, *y = NULL;
	uint8_t bx[SS_P384_LEN], by[SS_P384_LEN];
	int rc;
	if (!pk || EVP_PKEY_get_base_id(pk) != EVP_PKEY_EC ||
	    !EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
					    NULL) ||
	    (strcmp(group, "secp384r1") && strcmp(group, "P-384")))
		return ss_fail(err, SS_EBADSIG, "%s '%s' key is not EC P-384 (attestation.md §8.1)",
			       role, leaf->cn);
	if (!EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_X, &x) ||
	    !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_Y, &y) ||
	    BN_bn2binpad(x, bx, SS_P384_LEN) != SS_P384_LEN ||
	    BN_bn2binpad(y, by, SS_P384_LEN) != SS_P384_LEN)
		rc = ss_fail(err, SS_EBADSIG, "%s '%s' public key cannot be read", role, leaf->cn);
	else
		rc = ss_eckey_from_public_xy(bx, by, out, err);
	BN_free(x);
	BN_free(y);
	return rc;
}

int ss_chain_verify(const ss_chain_inputs *in, ss_chain **out, ss_error *err)
{
	int rc;
	ss_cert *own_anchor = NULL, *own_ask = NULL;
	ss_chain *ch = NULL;
	char want[64];
	*out = NULL;
	if (!in->leaf)
		return ss_fail(err, SS_ENOCERT,
			       "no VCEK or VLEK certificate given (--vcek, --vlek or --certs DIR)");
	const ss_cert *leaf = in->leaf;
	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return ss_fail(err, SS_ENOMEM, "out of memory");
	snprintf(ch->leaf_cn, sizeof(ch->leaf_cn), "%s", leaf->cn);
	if (!strcmp(leaf->cn, "SEV-VLEK"))
		ch->vlek = true;
	else if (strcmp(leaf->cn, "SEV-VCEK")) {
		rc = ss_fail(err, SS_EBADSIG,
			     "leaf certificate CN '%s' is neither SEV-VCEK nor SEV-VLEK", leaf->cn);
		goto fail;
	}
	const char *lrole = ch->vlek ? "VLEK" : "VCEK";
	const char *irole = ch->vlek ? "ASVK" : "ASK";
	rc = ss_cert_amd_extensions(leaf, &ch->ext, err);
	if (rc) {
		rc = ss_wrap(err, SS_EBADSIG, "%s '%s'", lrole, leaf->cn);
		goto fail;
	}
	/* The product: the caller's, else the leaf's productName (§8.2). */
	ch->product = in->product;
	ss_product named = SS_PRODUCT_UNKNOWN;
	if (ch->ext.has_product_name && ss_product_parse(ch->ext.product_name, &named, NULL))
		named = SS_PRODUCT_UNKNOWN;
	if (!ch->product)
		ch->product = named;
	if (!ch->product) {
		rc = ss_fail(
		    err, SS_EINVAL,
		    "cannot tell the product from the %s (productName '%s'): pass --product", lrole,
		    ch->ext.product_name);
		goto fail;
	}
	if (named && named != ch->product) {
		rc =
		    ss_fail(err, SS_EBADSIG, "%s productName '%s' (1.3.6.1.4.1.3704.1.2) is not %s",
			    lrole, ch->ext.product_name, ss_product_name(ch->product));
		goto fail;
	}
	const ss_cert *anchor = in->anchor;
	if (!anchor) {
		rc = ss_builtin_root(ch->product, SS_ROOT_ARK, &own_anchor, err);
		if (rc)
			goto fail;
		anchor = own_anchor;
	}
	const ss_cert *ark = in->ark ? in->ark : anchor;
	if (ark->der_len != anchor->der_len || memcmp(ark->der, anchor->der, ark->der_len)) {
		rc = ss_fail(err, SS_EBADSIG, "ARK '%s' is not the %s AMD root '%s' for %s",
			     ark->cn, in->anchor ? "pinned" : "built-in", anchor->cn,
			     ss_product_name(ch->product));
		goto fail;
	}
	const ss_cert *ask = in->ask;
	if (!ask) {
		if (in->anchor) {
			rc = ss_fail(err, SS_ENOCERT, "no %s certificate given", irole);
			goto fail;
		}
		rc = ss_builtin_root(ch->product, ch->vlek ? SS_ROOT_ASVK : SS_ROOT_ASK, &own_ask,
				     err);
		if (rc)
			goto fail;
		ask = own_ask;
	}
	/* Names AMD issues (§8.1): ARK-<P>, SEV-<P> (ASK), SEV-VLEK-<P> (ASVK). */
	snprintf(want, sizeof(want), "ARK-%s", ss_product_name(ch->product));
	if (strcmp(ark->cn, want)) {
		rc = ss_fail(err, SS_EBADSIG, "ARK CN is '%s', expected '%s'", ark->cn, want);
		goto fail;
	}
	snprintf(want, sizeof(want), "%s%s", ch->vlek ? "SEV-VLEK-" : "SEV-",
		 ss_product_name(ch->product));
	if (strcmp(ask->cn, want)) {
		rc = ss_fail(err, SS_EBADSIG, "%s CN is '%s', expected '%s'", irole, ask->cn, want);
		goto fail;
	}
	if ((rc = check_cert(ark, "ARK", ark, "ARK", in->at, err)) ||
	    (rc = check_cert(ask, irole, ark, "ARK", in->at, err)) ||
	    (rc = check_cert(leaf, lrole, ask, irole, in->at, err)))
		goto fail;
	if (in->crl && (rc = ss_crl_check(in->crl, ark, ask, irole, in->at, err)))
		goto fail;
	/* A VCEK names its chip, a VLEK its cloud provider (§8.2). */
	if (!ch->vlek && !ch->ext.hwid_len) {
		rc = ss_fail(err, SS_EBADSIG,
			     "VCEK '%s' has no hwID extension (1.3.6.1.4.1.3704.1.4)", leaf->cn);
		goto fail;
	}
	if (ch->vlek && !ch->ext.has_csp_id) {
		rc = ss_fail(err, SS_EBADSIG,
			     "VLEK '%s' has no cspId extension (1.3.6.1.4.1.3704.1.5)", leaf->cn);
		goto fail;
	}
	if ((rc = leaf_key(leaf, lrole, &ch->key, err)) ||
	    (rc = ss_ecdsa_verifier_new(ch->key, &ch->verifier, err)))
		goto fail;
	if (!(ch->sha384 = ss_md_new(SS_HASH_SHA384))) {
		rc = ss_fail(err, SS_ECRYPTO, "SHA-384 context allocation failed");
		goto fail;
	}
	ss_cert_free(own_anchor);
	ss_cert_free(own_ask);
	*out = ch;
	return 0;
fail:
	ss_cert_free(own_anchor);
	ss_cert_free(own_ask);
	ss_chain_free(ch);
	return rc;
}

void ss_chain_free(ss_chain *c)
{
	if (!c)
		return;
	ss_ecdsa_verifier_free(c->verifier);
	ss_md_free(c->sha384);
	ss_eckey_free(c->key);
	free(c);
}

ss_product ss_chain_product(const ss_chain *c)
{
	return c->product;
}
bool ss_chain_is_vlek(const ss_chain *c)
{
	return c->vlek;
}
const ss_amd_ext *ss_chain_leaf_ext(const ss_chain *c)
{
	return &c->ext;
}

/* Leaf SPL extensions == REPORTED_TCB, byte by byte in the product's layout (§8.3 step 7). */
static int check_tcb_binding(const ss_chain *ch, const ss_report *r, ss_error *err)
{
	const char *lrole = ch->vlek ? "VLEK" : "VCEK";
	const ss_amd_ext *e = &ch->ext;
	ss_tcb t;
	ss_tcb_decode(ss_report_fields(r)->reported_tcb, ch->product, &t);
	const struct {
		const char *ext, *oid, *field;
		bool has;
		uint8_t cert, rep;
	} parts[] = {
	    {"blSPL", "3.1", "boot loader", e->has_bl, e->bl, t.bl},
	    {"teeSPL", "3.2", "TEE", e->has_tee, e->tee, t.tee},
	    {"snpSPL", "3.3", "SNP", e->has_snp, e->snp, t.snp},
	    {"ucodeSPL", "3.8", "microcode", e->has_ucode, e->ucode, t.ucode},
	    {"fmcSPL", "3.9", "FMC", t.turin_layout ? e->has_fmc : true, e->fmc,
	     t.turin_layout ? t.fmc : e->fmc},
	};
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		if (!parts[i].has)
			return ss_fail(err, SS_EBADSIG,
				       "%s has no %s extension (1.3.6.1.4.1.3704.1.%s)", lrole,
				       parts[i].ext, parts[i].oid);
		if (parts[i].cert != parts[i].rep)
			return ss_fail(err, SS_EBADSIG,
				       "%s %s %u does not match REPORTED_TCB (0x180) %s SVN %u",
				       lrole, parts[i].ext, parts[i].cert, parts[i].field,
				       parts[i].rep);
	}
	if (!t.turin_layout)
		for (int k = 0; k < 4; k++)
			if (e->has_spl[k] && e->spl[k] != t.reserved[k])
				return ss_fail(
				    err, SS_EBADSIG,
				    "%s spl_%d %u does not match REPORTED_TCB (0x180) byte "
				    "%d = %u",
				    lrole, k + 4, e->spl[k], k + 2, t.reserved[k]);
	return 0;
}

int ss_report_verify(const ss_chain *ch, const ss_report *r, const ss_policy *policy, ss_error *err)
{
	const struct ss_snp_report *f = ss_report_fields(r);
	const char *lrole = ch->vlek ? "VLEK" : "VCEK";
	if (f->signature_algo != SS_SNP_SIGNATURE_ALGO_ECDSA_P384_SHA384)
		return ss_fail(err, SS_EBADSIG,
			       "SIGNATURE_ALGO (0x034) is %u, not 1 (ECDSA P-384 with SHA-384)",
			       f->signature_algo);
	if (f->signer_info & SS_SNP_SIGNER_RESERVED_MASK)
		return ss_fail(err, SS_EBADSIG,
			       "SIGNER_INFO (0x048) is 0x%x: reserved bits 31:5 must be zero",
			       f->signer_info);
	if (r->signing_key == SS_SNP_SIGNING_KEY_NONE)
		return ss_fail(err, SS_EBADSIG, "report is unsigned (SIGNER_INFO.SIGNING_KEY = 7)");
	if (r->signing_key != SS_SNP_SIGNING_KEY_VCEK && r->signing_key != SS_SNP_SIGNING_KEY_VLEK)
		return ss_fail(err, SS_EBADSIG, "SIGNER_INFO.SIGNING_KEY (0x048) %u is reserved",
			       r->signing_key);
	bool wants_vlek = r->signing_key == SS_SNP_SIGNING_KEY_VLEK;
	if (wants_vlek != ch->vlek)
		return ss_fail(err, SS_ENOCERT,
			       "report is signed by the %s (SIGNER_INFO.SIGNING_KEY = %u at 0x048) "
			       "but the certificate given is a %s",
			       wants_vlek ? "VLEK" : "VCEK", r->signing_key, lrole);
	if (r->product && r->product != ch->product)
		return ss_fail(err, SS_EBADSIG, "report is from a %s part but the chain is %s's",
			       ss_product_name(r->product), ss_product_name(ch->product));
	int rc = check_tcb_binding(ch, r, err);
	if (rc)
		return rc;
	if (!ch->vlek) {
		/* §8.3 step 8: hwID == CHIP_ID (Turin: the first 8 bytes). */
		size_t n = ch->product == SS_PRODUCT_TURIN ? SS_SNP_TURIN_CHIP_ID_SIZE
							   : SS_SNP_CHIP_ID_SIZE;
		if (ch->ext.hwid_len != n)
			return ss_fail(err, SS_EBADSIG, "VCEK hwID is %zu bytes; %s needs %zu",
				       ch->ext.hwid_len, ss_product_name(ch->product), n);
		if (ss_is_zero(f->chip_id, SS_SNP_CHIP_ID_SIZE))
			return ss_fail(
			    err, SS_EBADSIG,
			    "CHIP_ID (0x1A0) is zero (the host masks it): the report cannot "
			    "be bound to a VCEK");
		if (memcmp(ch->ext.hwid, f->chip_id, n)) {
			char a[2 * 64 + 1], b[2 * 64 + 1];
			ss_hex_encode(a, ch->ext.hwid, n);
			ss_hex_encode(b, f->chip_id, n);
			return ss_fail(
			    err, SS_EBADSIG,
			    "VCEK hwID %.16s... does not match CHIP_ID (0x1A0) %.16s...: "
			    "the VCEK belongs to another chip",
			    a, b);
		}
	}
	/* §7: R and S are 72-byte little-endian; only 48 bytes may be used, the rest is MBZ. */
	if (!ss_is_zero(f->signature.r + SS_P384_LEN, SS_SNP_SIG_COMPONENT_SIZE - SS_P384_LEN) ||
	    !ss_is_zero(f->signature.s + SS_P384_LEN, SS_SNP_SIG_COMPONENT_SIZE - SS_P384_LEN) ||
	    !ss_is_zero(f->signature.reserved, sizeof(f->signature.reserved)))
		return ss_fail(err, SS_EBADSIG,
			       "SIGNATURE (0x2A0): bytes beyond the 48-byte R and S must be zero");
	uint8_t be_r[SS_P384_LEN], be_s[SS_P384_LEN], digest[SS_SHA384_LEN];
	for (int i = 0; i < SS_P384_LEN; i++) {
		be_r[i] = f->signature.r[SS_P384_LEN - 1 - i];
		be_s[i] = f->signature.s[SS_P384_LEN - 1 - i];
	}
	if (ss_md_digest(ch->sha384, r->raw, SS_SNP_REPORT_SIGNED_SIZE, digest))
		return ss_fail(err, SS_ECRYPTO, "SHA-384 failed");
	rc = ss_ecdsa_verifier_check(ch->verifier, digest, be_r, be_s, err);
	if (rc == SS_EBADSIG)
		return ss_fail(
		    err, SS_EBADSIG,
		    "report SIGNATURE (0x2A0) does not verify with the %s '%s' over bytes "
		    "0x000-0x29F",
		    lrole, ch->leaf_cn);
	if (rc)
		return rc;
	return policy ? ss_policy_check(policy, r, err) : 0;
}
