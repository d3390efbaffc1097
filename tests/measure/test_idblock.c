/* ID block and ID auth info (firmware-abi.md §4.9, attestation.md §11).
 *
 * Independence: signatures are checked with OpenSSL's EVP interfaces directly, parsing the
 * 4096-byte auth info by raw offsets (not through softsev's structs or verify function); key
 * digests are compared with SHA-384 of a 0x404-byte structure built here by hand and with the
 * digests the spec records for virtee's test keys. */
#include <softsev/idblock.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <stdlib.h>

#include "harness.h"
#include "util/bytes.h"
#include "util/file.h"

/* --- independent helpers (OpenSSL only) ----------------------------------------------------- */

static uint32_t rd_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Big-endian 48 bytes from a 72-byte little-endian field; fails if the top 24 bytes are set. */
static bool le72_be48(const uint8_t *le, uint8_t be[48])
{
	for (int i = 48; i < 72; i++)
		if (le[i])
			return false;
	for (int i = 0; i < 48; i++)
		be[i] = le[47 - i];
	return true;
}

/* An EVP_PKEY from the AMD key structure at p (curve u32, qx LE72, qy LE72). */
static EVP_PKEY *pkey_from_amd(const uint8_t *p)
{
	uint8_t point[97];
	if (rd_le32(p) != 2)
		return NULL;
	point[0] = 4;
	if (!le72_be48(p + 0x04, point + 1) || !le72_be48(p + 0x4C, point + 49))
		return NULL;
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "secp384r1", 0);
	OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point));
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return pkey;
}

/* 1 if the AMD signature at sig (R LE72, S LE72) verifies msg with ECDSA/SHA-384 under pkey. */
static int openssl_verify(EVP_PKEY *pkey, const uint8_t *sig, const void *msg, size_t len)
{
	uint8_t r[48], s[48];
	if (!pkey || !le72_be48(sig, r) || !le72_be48(sig + 0x48, s))
		return 0;
	ECDSA_SIG *es = ECDSA_SIG_new();
	ECDSA_SIG_set0(es, BN_bin2bn(r, 48, NULL), BN_bin2bn(s, 48, NULL));
	unsigned char *der = NULL;
	int der_len = i2d_ECDSA_SIG(es, &der);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = der_len > 0 && EVP_DigestVerifyInit(md, NULL, EVP_sha384(), NULL, pkey) == 1 &&
		 EVP_DigestVerify(md, der, (size_t)der_len, msg, len) == 1;
	EVP_MD_CTX_free(md);
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	return ok;
}

/* The 0x404-byte AMD key structure for big-endian x, y, written byte by byte. */
static void amd_key_by_hand(const uint8_t x[48], const uint8_t y[48], uint8_t out[0x404])
{
	memset(out, 0, 0x404);
	out[0] = 2; /* CURVE = P-384, little-endian u32 */
	for (int i = 0; i < 48; i++) {
		out[0x04 + i] = x[47 - i];
		out[0x4C + i] = y[47 - i];
	}
}

static void openssl_sha384(const void *p, size_t len, uint8_t out[48])
{
	unsigned int n = 0;
	EVP_Digest(p, len, out, &n, EVP_sha384(), NULL);
}

/* x, y of an EVP_PKEY, big-endian. */
static void evp_xy(EVP_PKEY *pkey, uint8_t x[48], uint8_t y[48])
{
	BIGNUM *bx = NULL, *by = NULL;
	EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, &bx);
	EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &by);
	BN_bn2binpad(bx, x, 48);
	BN_bn2binpad(by, y, 48);
	BN_free(bx);
	BN_free(by);
}

static size_t b64_decode(const char *text, uint8_t *out)
{
	int n = EVP_DecodeBlock(out, (const unsigned char *)text, (int)strlen(text));
	size_t len = strlen(text);
	return (size_t)n - (len && text[len - 1] == '=') - (len > 1 && text[len - 2] == '=');
}

/* --- fixtures ------------------------------------------------------------------------------- */

static void sample_params(ss_idblock_params *p)
{
	memset(p, 0, sizeof(*p));
	for (int i = 0; i < 48; i++)
		p->ld[i] = (uint8_t)(0xA0 + i);
	for (int i = 0; i < 16; i++) {
		p->family_id[i] = (uint8_t)(0x10 + i);
		p->image_id[i] = (uint8_t)(0x70 + i);
	}
	p->version = 1;
	p->guest_svn = 0x01020304;
	p->policy = 0x30000 | (UINT64_C(1) << 19);
}

static ss_eckey *id_key, *author_key;

static void keys(void)
{
	if (!id_key) {
		ss_error err;
		if (ss_eckey_generate_p384(&id_key, &err) ||
		    ss_eckey_generate_p384(&author_key, &err))
			abort();
	}
}

/* --- tests ---------------------------------------------------------------------------------- */

TEST(id_block_fields_at_their_offsets)
{
	ss_idblock_params p;
	sample_params(&p);
	ss_snp_id_block blk;
	memset(&blk, 0xEE, sizeof(blk));
	ss_idblock_build(&p, &blk);
	const uint8_t *b = (const uint8_t *)&blk;
	REQUIRE(sizeof(blk) == 96);
	CHECK_MEM(b + 0x00, p.ld, 48);
	CHECK_MEM(b + 0x30, p.family_id, 16);
	CHECK_MEM(b + 0x40, p.image_id, 16);
	static const uint8_t version[4] = {1, 0, 0, 0}, svn[4] = {4, 3, 2, 1};
	static const uint8_t policy[8] = {0x00, 0x00, 0x0B, 0x00, 0, 0, 0, 0};
	CHECK_MEM(b + 0x50, version, 4);
	CHECK_MEM(b + 0x54, svn, 4);
	CHECK_MEM(b + 0x58, policy, 8);
}

TEST(policy_check)
{
	ss_snp_id_block blk = {.policy = 0x30000};
	ss_error err;
	CHECK(ss_idblock_check(&blk, &err) == 0);
	blk.policy = 0x10000; /* bit 17 (must be one) clear */
	CHECK(ss_idblock_check(&blk, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "bit 17");
	blk.policy = 0x30000 | (UINT64_C(1) << 40);
	CHECK(ss_idblock_check(&blk, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "reserved");
}

TEST(auth_info_signatures_verify_with_openssl)
{
	keys();
	ss_idblock_params p;
	sample_params(&p);
	ss_snp_id_block blk;
	ss_idblock_build(&p, &blk);
	ss_snp_id_auth_info auth;
	ss_error err;
	REQUIRE(ss_idblock_sign(&blk, id_key, author_key, &auth, &err) == 0);
	const uint8_t *a = (const uint8_t *)&auth;
	REQUIRE(sizeof(auth) == 4096);

	CHECK(rd_le32(a + 0x000) == 1); /* ID_KEY_ALGO */
	CHECK(rd_le32(a + 0x004) == 1); /* AUTH_KEY_ALGO */
	for (int i = 0x008; i < 0x040; i++)
		CHECK(a[i] == 0);
	for (int i = 0x644; i < 0x680; i++)
		CHECK(a[i] == 0);
	for (int i = 0xC84; i < 0x1000; i++)
		CHECK(a[i] == 0);
	for (int i = 0x040 + 0x90; i < 0x240; i++) /* ID_BLOCK_SIG reserved tail */
		CHECK(a[i] == 0);

	/* ID_KEY at 0x240 is the ID key's public point. */
	uint8_t x[48], y[48], want_key[0x404];
	evp_xy(ss_eckey_evp(id_key), x, y);
	amd_key_by_hand(x, y, want_key);
	CHECK_MEM(a + 0x240, want_key, 0x404);
	evp_xy(ss_eckey_evp(author_key), x, y);
	amd_key_by_hand(x, y, want_key);
	CHECK_MEM(a + 0x880, want_key, 0x404);

	EVP_PKEY *idk = pkey_from_amd(a + 0x240), *auk = pkey_from_amd(a + 0x880);
	REQUIRE(idk && auk);
	CHECK(openssl_verify(idk, a + 0x040, &blk, sizeof(blk)) == 1); /* ID_BLOCK_SIG */
	CHECK(openssl_verify(auk, a + 0x680, a + 0x240, 0x404) == 1);  /* ID_KEY_SIG */
	CHECK(openssl_verify(auk, a + 0x040, &blk, sizeof(blk)) == 0); /* wrong key */
	ss_snp_id_block other = blk;
	other.guest_svn ^= 1;
	CHECK(openssl_verify(idk, a + 0x040, &other, sizeof(other)) == 0);
	EVP_PKEY_free(idk);
	EVP_PKEY_free(auk);

	ss_idblock_result res;
	CHECK(ss_idblock_verify(&blk, &auth, &res, &err) == 0);
	CHECK(res.author_key_en);
	uint8_t d[48];
	openssl_sha384(a + 0x240, 0x404, d);
	CHECK_MEM(res.id_key_digest, d, 48);
	openssl_sha384(a + 0x880, 0x404, d);
	CHECK_MEM(res.author_key_digest, d, 48);
}

TEST(without_author_key_the_author_fields_are_zero)
{
	keys();
	ss_idblock_params p;
	sample_params(&p);
	ss_snp_id_block blk;
	ss_idblock_build(&p, &blk);
	ss_snp_id_auth_info auth;
	ss_error err;
	REQUIRE(ss_idblock_sign(&blk, id_key, NULL, &auth, &err) == 0);
	const uint8_t *a = (const uint8_t *)&auth;
	for (int i = 0x680; i < 0xC84; i++)
		CHECK(a[i] == 0);
	EVP_PKEY *idk = pkey_from_amd(a + 0x240);
	CHECK(openssl_verify(idk, a + 0x040, &blk, sizeof(blk)) == 1);
	EVP_PKEY_free(idk);
	ss_idblock_result res;
	CHECK(ss_idblock_verify(&blk, &auth, &res, &err) == 0);
	CHECK(!res.author_key_en);
	static const uint8_t zero[48];
	CHECK_MEM(res.author_key_digest, zero, 48);
}

/* virtee/sev tests/measurement/test_id_key.pem and test_auth_key.pem: their public points, and
 * the SHA-384 digests of their 0x404-byte key structures that firmware-abi.md §4.9 records
 * (virtee tests/id-block.rs). Only the public halves are needed for a digest. */
static const char virtee_id_x[] = "f6763e4d2609cf1b2cf22f2cc8b8ca4cf55d470c3c23552c93b168874390dd95"
				  "cb3fdee847ddf79ff29efbb8803c6d1f";
static const char virtee_id_y[] = "ccd7a8d047b9cdc1c750b1190abe6d1dad37a8decb14327b766619f712607cfd"
				  "0d38853c50da9bcd080b35389c93be3e";
static const char virtee_auth_x[] =
    "6270c78bd6904cd1336299a25b98736a71ce92fef07494d72cb28b073c830f9f"
    "564af7a5c1c6ffc5a34973d5da45868c";
static const char virtee_auth_y[] =
    "863c7930a2c98448a77a10088102e2a95f9308cd3e56b559b7fd3acc88b3cc2a"
    "19774348fea2f2c9031191e07187acf5";
static const char virtee_id_digest_b64[] =
    "WfssaG36T+9J84M5qndckAUcKNVzg93DuvO160sUlt87DbvcuuX+J2d6ZEggdz/i";
static const char virtee_auth_digest_b64[] =
    "7tgRafsMteDsNHlPEo/U4MSkb2fGWhrfqB/LJLzAiMJyNpt//D6ytq9qQoShs2xf";

static void check_known_digest(const char *xh, const char *yh, const char *b64)
{
	uint8_t x[48], y[48], want[66], mine[48], by_hand[48], st[0x404];
	REQUIRE(ss_hex_decode_exact(x, 48, xh) && ss_hex_decode_exact(y, 48, yh));
	REQUIRE(b64_decode(b64, want) == 48);
	/* Independent: the structure by hand, hashed by OpenSSL. */
	amd_key_by_hand(x, y, st);
	openssl_sha384(st, sizeof(st), by_hand);
	CHECK_MEM(by_hand, want, 48);
	/* softsev's. */
	ss_eckey *k = NULL;
	ss_error err;
	REQUIRE(ss_eckey_from_public_xy(x, y, &k, &err) == 0);
	CHECK(ss_idblock_key_digest(k, mine, &err) == 0);
	CHECK_MEM(mine, want, 48);
	ss_amd_ecdsa_pubkey amd;
	CHECK(ss_amd_pubkey_from_eckey(k, &amd, &err) == 0);
	CHECK_MEM(&amd, st, sizeof(st));
	ss_eckey_free(k);
}

TEST(key_digest_of_virtee_test_keys)
{
	check_known_digest(virtee_id_x, virtee_id_y, virtee_id_digest_b64);
	check_known_digest(virtee_auth_x, virtee_auth_y, virtee_auth_digest_b64);
}

TEST(key_digest_equals_sha384_of_the_key_structure)
{
	keys();
	uint8_t x[48], y[48], st[0x404], want[48], got[48];
	evp_xy(ss_eckey_evp(id_key), x, y);
	amd_key_by_hand(x, y, st);
	openssl_sha384(st, sizeof(st), want);
	ss_error err;
	CHECK(ss_idblock_key_digest(id_key, got, &err) == 0);
	CHECK_MEM(got, want, 48);
}

TEST(tampering_is_detected)
{
	keys();
	ss_idblock_params p;
	sample_params(&p);
	ss_snp_id_block blk;
	ss_idblock_build(&p, &blk);
	ss_snp_id_auth_info auth;
	ss_error err;
	REQUIRE(ss_idblock_sign(&blk, id_key, author_key, &auth, &err) == 0);
	/* Every byte of the block is covered by ID_BLOCK_SIG. */
	for (size_t i = 0; i < sizeof(blk); i++) {
		ss_snp_id_block t = blk;
		((uint8_t *)&t)[i] ^= 0x01;
		int rc = ss_idblock_verify(&t, &auth, NULL, &err);
		CHECK(rc == SS_EBADSIG);
		if (rc != SS_EBADSIG)
			printf("# block byte %zu\n", i);
	}
	CHECK_CONTAINS(err.msg, "ID_BLOCK_SIG");
	/* A flipped bit of ID_BLOCK_SIG's R, of ID_KEY_SIG's S, or of the ID key. */
	ss_snp_id_auth_info t = auth;
	t.id_block_sig.r[5] ^= 0x80;
	CHECK(ss_idblock_verify(&blk, &t, NULL, &err) == SS_EBADSIG);
	t = auth;
	t.id_key_sig.s[0] ^= 0x01;
	CHECK(ss_idblock_verify(&blk, &t, NULL, &err) == SS_EBADSIG);
	CHECK_CONTAINS(err.msg, "ID_KEY_SIG");
	/* Swapping in another valid key makes both the block and the author signature fail. */
	t = auth;
	REQUIRE(ss_amd_pubkey_from_eckey(author_key, &t.id_key, &err) == 0);
	CHECK(ss_idblock_verify(&blk, &t, NULL, &err) == SS_EBADSIG);
	/* The untouched pair still verifies. */
	CHECK(ss_idblock_verify(&blk, &auth, NULL, &err) == 0);
}

TEST(malformed_auth_info_is_rejected_naming_the_field)
{
	keys();
	ss_idblock_params p;
	sample_params(&p);
	ss_snp_id_block blk;
	ss_idblock_build(&p, &blk);
	ss_snp_id_auth_info auth, t;
	ss_error err;
	REQUIRE(ss_idblock_sign(&blk, id_key, author_key, &auth, &err) == 0);
	struct {
		size_t off;
		uint8_t val;
		const char *name;
	} cases[] = {
	    {0x000, 2, "ID_KEY_ALGO"},
	    {0x004, 0, "AUTH_KEY_ALGO"},
	    {0x010, 1, "0x8"},
	    {0x040 + 0x40, 1, "R (offset 0x0)"},
	    {0x040 + 0x90, 1, "0x90"},
	    {0x240, 3, "CURVE"},
	    {0x240 + 0x04 + 50, 1, "QX"},
	    {0x240 + 0x4C + 60, 1, "QY"},
	    {0x240 + 0x100, 1, "0x94"},
	    {0x650, 1, "0x644"},
	    {0x680 + 0x48 + 49, 1, "S"},
	    {0x880, 7, "CURVE"},
	    {0xD00, 1, "0xc84"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t = auth;
		((uint8_t *)&t)[cases[i].off] = cases[i].val;
		int rc = ss_idblock_verify(&blk, &t, NULL, &err);
		CHECK(rc == SS_EINVAL);
		CHECK_CONTAINS(err.msg, cases[i].name);
		if (rc != SS_EINVAL)
			printf("# case at 0x%zx\n", cases[i].off);
	}
	/* A point not on the curve. */
	t = auth;
	t.id_key.qx[0] ^= 1;
	CHECK(ss_idblock_verify(&blk, &t, NULL, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "ID_KEY");
	/* ID_KEY_SIG without an author key. */
	REQUIRE(ss_idblock_sign(&blk, id_key, NULL, &t, &err) == 0);
	t.id_key_sig.r[0] = 1;
	CHECK(ss_idblock_verify(&blk, &t, NULL, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "ID_KEY_SIG");
	/* An all-zero auth info. */
	memset(&t, 0, sizeof(t));
	CHECK(ss_idblock_verify(&blk, &t, NULL, &err) == SS_EINVAL);
}

TEST(signing_needs_private_keys)
{
	keys();
	uint8_t x[48], y[48];
	REQUIRE(ss_eckey_public_xy(id_key, x, y) == 0);
	ss_eckey *pub = NULL;
	ss_error err;
	REQUIRE(ss_eckey_from_public_xy(x, y, &pub, &err) == 0);
	ss_snp_id_block blk = {.version = 1, .policy = 0x30000};
	ss_snp_id_auth_info auth;
	CHECK(ss_idblock_sign(&blk, pub, NULL, &auth, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "ID key");
	CHECK(ss_idblock_sign(&blk, id_key, pub, &auth, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "author key");
	ss_eckey_free(pub);
}

TEST(decode_input_raw_and_base64)
{
	ss_snp_id_block blk, got;
	for (size_t i = 0; i < sizeof(blk); i++)
		((uint8_t *)&blk)[i] = (uint8_t)(i * 7 + 1);
	ss_error err;
	CHECK(ss_idblock_decode_input((const uint8_t *)&blk, sizeof(blk), &got, sizeof(got), "b",
				      &err) == 0);
	CHECK_MEM(&got, &blk, sizeof(blk));
	char *b64 = ss_base64_encode((const uint8_t *)&blk, sizeof(blk));
	REQUIRE(b64);
	char text[200];
	snprintf(text, sizeof(text), "  %s\n", b64);
	memset(&got, 0, sizeof(got));
	CHECK(ss_idblock_decode_input((const uint8_t *)text, strlen(text), &got, sizeof(got), "b",
				      &err) == 0);
	CHECK_MEM(&got, &blk, sizeof(blk));
	text[5] = '*';
	CHECK(ss_idblock_decode_input((const uint8_t *)text, strlen(text), &got, sizeof(got), "b",
				      &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "base64");
	CHECK(ss_idblock_decode_input((const uint8_t *)b64, 10, &got, sizeof(got), "blockfile",
				      &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "blockfile");
	free(b64);

	/* 4096 bytes: base64 ends in "==", which must round-trip exactly. */
	ss_snp_id_auth_info *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	REQUIRE(a && b);
	a->id_key_algo = 1;
	((uint8_t *)a)[4095] = 0xFF;
	b64 = ss_base64_encode((const uint8_t *)a, sizeof(*a));
	CHECK(strlen(b64) == 5464 && b64[5463] == '=' && b64[5462] == '=');
	CHECK(ss_idblock_decode_input((const uint8_t *)b64, strlen(b64), b, sizeof(*b), "a",
				      &err) == 0);
	CHECK_MEM(a, b, sizeof(*a));
	b64[5461] = 'B'; /* non-canonical trailing bits */
	CHECK(ss_idblock_decode_input((const uint8_t *)b64, strlen(b64), b, sizeof(*b), "a",
				      &err) == SS_EINVAL);
	free(b64);
	free(a);
	free(b);
}

/* The real reports launched with an ID block (cases 03, 05, 07; vectors/snp/README.md) carry an
 * ID_KEY_DIGEST but not the ID key, so the digest cannot be re-derived (attestation.md §11). What
 * they do show is the shape of a launch without an author key: AUTHOR_KEY_EN (bit 0 of 0x048)
 * clear and AUTHOR_KEY_DIGEST (0x110) zero — the same result ss_idblock_verify gives for an auth
 * info signed without an author key, with a non-zero ID key digest. */
TEST(real_idblock_reports_match_the_no_author_shape)
{
	const char *dir = getenv("SOFTSEV_VECTORS");
	REQUIRE(dir);
	static const char *cases[] = {"03-milan-v2-vcek-idblock-trustee",
				      "05-milan-v3-vcek-azure-idblock-trustee",
				      "07-genoa-v3-vcek-azure-idblock-trustee"};
	static const uint8_t zero[48];
	keys();
	ss_snp_id_block blk = {.version = 1, .policy = 0x30000};
	ss_snp_id_auth_info auth;
	ss_idblock_result res;
	ss_error err;
	REQUIRE(ss_idblock_sign(&blk, id_key, NULL, &auth, &err) == 0);
	REQUIRE(ss_idblock_verify(&blk, &auth, &res, &err) == 0);
	for (size_t i = 0; i < 3; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/snp/cases/%s/report.bin", dir, cases[i]);
		uint8_t *rep = NULL;
		size_t len = 0;
		int rc = ss_read_file(path, 4096, &rep, &len, &err);
		CHECK(rc == 0);
		if (rc) {
			printf("# %s\n", err.msg);
			continue;
		}
		CHECK(len == 0x4A0);
		if (len == 0x4A0) {
			CHECK(memcmp(rep + 0x0E0, zero, 48) != 0); /* ID_KEY_DIGEST set */
			CHECK((rep[0x048] & 1) == res.author_key_en);
			CHECK_MEM(rep + 0x110, res.author_key_digest, 48);
			CHECK(memcmp(rep + 0x10, zero, 16) != 0); /* FAMILY_ID from the ID block */
		}
		free(rep);
	}
	CHECK(memcmp(res.id_key_digest, zero, 48) != 0);
}

TEST(launch_check_follows_launch_finish)
{
	keys();
	ss_idblock_params p;
	sample_params(&p);
	ss_snp_id_block blk;
	ss_idblock_build(&p, &blk);
	ss_snp_id_auth_info with, without;
	ss_idblock_result res;
	ss_idblock_verdict v;
	ss_error err;
	static const uint8_t zero[48];
	REQUIRE(ss_idblock_sign(&blk, id_key, author_key, &with, &err) == 0);
	REQUIRE(ss_idblock_sign(&blk, id_key, NULL, &without, &err) == 0);

	CHECK(ss_idblock_launch_check(&blk, &with, true, p.ld, p.policy, &res, &v, &err) == 0);
	CHECK(v == SS_IDBLOCK_ACCEPTED && res.author_key_en);
	/* AUTH_KEY_EN clear: the author fields are ignored and its digest is zero. */
	CHECK(ss_idblock_launch_check(&blk, &with, false, p.ld, p.policy, &res, &v, &err) == 0);
	CHECK(v == SS_IDBLOCK_ACCEPTED && !res.author_key_en);
	CHECK_MEM(res.author_key_digest, zero, 48);
	ss_snp_id_auth_info t = with;
	t.id_key_sig.r[0] ^= 1; /* ignored when AUTH_KEY_EN is clear ... */
	CHECK(ss_idblock_launch_check(&blk, &t, false, p.ld, p.policy, NULL, &v, &err) == 0);
	/* ... checked when it is set. */
	CHECK(ss_idblock_launch_check(&blk, &t, true, p.ld, p.policy, NULL, &v, &err) ==
	      SS_EBADSIG);
	CHECK(v == SS_IDBLOCK_BAD_SIGNATURE);
	/* AUTH_KEY_EN set without an author key. */
	CHECK(ss_idblock_launch_check(&blk, &without, true, p.ld, p.policy, NULL, &v, &err) ==
	      SS_EINVAL);
	CHECK(v == SS_IDBLOCK_MALFORMED);
	CHECK_CONTAINS(err.msg, "AUTH_KEY_EN");
	/* LD and POLICY must match the launch. */
	uint8_t ld[48];
	memcpy(ld, p.ld, 48);
	ld[47] ^= 1;
	CHECK(ss_idblock_launch_check(&blk, &without, false, ld, p.policy, NULL, &v, &err) ==
	      SS_EPOLICY);
	CHECK(v == SS_IDBLOCK_BAD_MEASUREMENT);
	CHECK_CONTAINS(err.msg, "LD");
	CHECK(ss_idblock_launch_check(&blk, &without, false, p.ld, 0x30000, NULL, &v, &err) ==
	      SS_EPOLICY);
	CHECK(v == SS_IDBLOCK_POLICY_FAILURE);
	CHECK_CONTAINS(err.msg, "POLICY");
	/* A bad ID block signature wins over a wrong LD. */
	ss_snp_id_block b2 = blk;
	b2.guest_svn++;
	CHECK(ss_idblock_launch_check(&b2, &without, false, ld, p.policy, NULL, &v, &err) ==
	      SS_EBADSIG);
	CHECK(v == SS_IDBLOCK_BAD_SIGNATURE);
}

/* A report carrying this ID block: real report 03's bytes with the ID-block fields replaced. */
TEST(report_linkage)
{
	keys();
	const char *dir = getenv("SOFTSEV_VECTORS");
	REQUIRE(dir);
	char path[4096];
	snprintf(path, sizeof(path), "%s/snp/cases/03-milan-v2-vcek-idblock-trustee/report.bin",
		 dir);
	uint8_t *rep = NULL;
	size_t len = 0;
	ss_error err;
	REQUIRE(ss_read_file(path, 4096, &rep, &len, &err) == 0);
	REQUIRE(len == 0x4A0);

	ss_idblock_params p;
	sample_params(&p);
	ss_snp_id_block blk;
	ss_idblock_build(&p, &blk);
	ss_snp_id_auth_info auth;
	ss_idblock_result res;
	REQUIRE(ss_idblock_sign(&blk, id_key, author_key, &auth, &err) == 0);
	REQUIRE(ss_idblock_verify(&blk, &auth, &res, &err) == 0);

	/* The real report was launched with another ID key and digest. */
	CHECK(ss_idblock_check_report(&blk, &res, rep, len, &err) == SS_EPOLICY);
	CHECK_CONTAINS(err.msg, "MEASUREMENT");

	/* Field offsets from attestation.md §2, written by hand. */
	uint8_t *r = rep;
	memcpy(r + 0x090, p.ld, 48);
	for (int i = 0; i < 8; i++)
		r[0x008 + i] = (uint8_t)(p.policy >> (8 * i));
	memcpy(r + 0x010, p.family_id, 16);
	memcpy(r + 0x020, p.image_id, 16);
	for (int i = 0; i < 4; i++)
		r[0x004 + i] = (uint8_t)(p.guest_svn >> (8 * i));
	openssl_sha384((const uint8_t *)&auth + 0x240, 0x404, r + 0x0E0);
	openssl_sha384((const uint8_t *)&auth + 0x880, 0x404, r + 0x110);
	r[0x048] |= 1;
	CHECK(ss_idblock_check_report(&blk, &res, rep, len, &err) == 0);

	struct {
		size_t off;
		const char *name;
	} fields[] = {{0x004, "GUEST_SVN"},	{0x008, "POLICY"},	     {0x010, "FAMILY_ID"},
		      {0x02F, "IMAGE_ID"},	{0x048, "AUTHOR_KEY_EN"},    {0x090, "MEASUREMENT"},
		      {0x0E0, "ID_KEY_DIGEST"}, {0x13F, "AUTHOR_KEY_DIGEST"}};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		r[fields[i].off] ^= 1;
		CHECK(ss_idblock_check_report(&blk, &res, rep, len, &err) == SS_EPOLICY);
		CHECK_CONTAINS(err.msg, fields[i].name);
		r[fields[i].off] ^= 1;
	}
	CHECK(ss_idblock_check_report(&blk, &res, rep, len - 1, &err) == SS_EINVAL);
	free(rep);
}

TEST(cleanup)
{
	ss_eckey_free(id_key);
	ss_eckey_free(author_key);
	id_key = author_key = NULL;
}

TEST_MAIN(id_block_fields_at_their_offsets, policy_check, auth_info_signatures_verify_with_openssl,
	  without_author_key_the_author_fields_are_zero, key_digest_of_virtee_test_keys,
	  key_digest_equals_sha384_of_the_key_structure, tampering_is_detected,
	  malformed_auth_info_is_rejected_naming_the_field, signing_needs_private_keys,
	  decode_input_raw_and_base64, real_idblock_reports_match_the_no_author_shape,
	  launch_check_follows_launch_finish, report_linkage, cleanup)
