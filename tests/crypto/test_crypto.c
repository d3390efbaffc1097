#include "harness.h"

#include "util/bytes.h"

#include <softsev/crypto.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

static void unhex(uint8_t *out, size_t n, const char *hex)
{
	if (!ss_hex_decode_exact(out, n, hex))
		abort();
}

TEST(sha_known_answers)
{
	uint8_t d256[32], d384[48], want256[32], want384[48];
	REQUIRE(ss_sha256("abc", 3, d256) == 0);
	unhex(want256, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	CHECK_MEM(d256, want256, 32);
	REQUIRE(ss_sha384("abc", 3, d384) == 0);
	unhex(want384, 48,
	      "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358ba"
	      "eca1"
	      "34c825a7");
	CHECK_MEM(d384, want384, 48);

	/* Incremental equals one-shot. */
	ss_hash *h = ss_hash_new(SS_HASH_SHA384);
	REQUIRE(h);
	CHECK(ss_hash_update(h, "a", 1) == 0 && ss_hash_update(h, "bc", 2) == 0);
	uint8_t inc[48];
	CHECK(ss_hash_final(h, inc) == 0);
	ss_hash_free(h);
	CHECK_MEM(inc, want384, 48);
}

TEST(hmac_rfc4231_case2)
{
	uint8_t mac[32], want[32];
	const char *data = "what do ya want for nothing?";
	REQUIRE(ss_hmac_sha256("Jefe", 4, data, strlen(data), mac) == 0);
	unhex(want, 32, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	CHECK_MEM(mac, want, 32);
}

TEST(p384_scalar_one_is_generator)
{
	uint8_t d[48] = {0}, x[48], y[48], gx[48], gy[48];
	d[47] = 1;
	ss_eckey *k = NULL;
	ss_error e;
	REQUIRE(ss_eckey_from_private_scalar(d, &k, &e) == 0);
	REQUIRE(ss_eckey_public_xy(k, x, y) == 0);
	unhex(gx, 48,
	      "aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a54"
	      "5e38"
	      "72760ab7");
	unhex(gy, 48,
	      "3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a43"
	      "1d7c"
	      "90ea0e5f");
	CHECK_MEM(x, gx, 48);
	CHECK_MEM(y, gy, 48);
	CHECK(ss_eckey_has_private(k));
	ss_eckey_free(k);

	uint8_t zero[48] = {0};
	CHECK(ss_eckey_from_private_scalar(zero, &k, &e) == SS_EINVAL);
}

TEST(ecdsa_sign_verify_and_tamper)
{
	ss_eckey *k = NULL, *pub = NULL;
	ss_error e;
	REQUIRE(ss_eckey_generate_p384(&k, &e) == 0);
	uint8_t r[48], s[48], x[48], y[48];
	REQUIRE(ss_ecdsa_p384_sign(k, "report", 6, r, s, &e) == 0);
	REQUIRE(ss_eckey_public_xy(k, x, y) == 0);
	REQUIRE(ss_eckey_from_public_xy(x, y, &pub, &e) == 0);
	CHECK(!ss_eckey_has_private(pub));
	CHECK(ss_ecdsa_p384_verify(pub, "report", 6, r, s, &e) == 0);
	CHECK(ss_ecdsa_p384_verify(pub, "reporT", 6, r, s, &e) == SS_EBADSIG);
	s[10] ^= 1;
	CHECK(ss_ecdsa_p384_verify(pub, "report", 6, r, s, &e) == SS_EBADSIG);
	y[47] ^= 1; /* off the curve */
	ss_eckey *bad = NULL;
	CHECK(ss_eckey_from_public_xy(x, y, &bad, &e) == SS_EINVAL);
	ss_eckey_free(pub);
	ss_eckey_free(k);
}

TEST(pem_roundtrip_and_rejects)
{
	ss_eckey *k = NULL, *back = NULL, *pubk = NULL;
	ss_error e;
	REQUIRE(ss_eckey_generate_p384(&k, &e) == 0);
	char *priv = ss_eckey_to_pem(k, true), *pub = ss_eckey_to_pem(k, false);
	REQUIRE(priv && pub);
	REQUIRE(ss_eckey_from_pem(priv, strlen(priv), &back, &e) == 0);
	REQUIRE(ss_eckey_from_pem(pub, strlen(pub), &pubk, &e) == 0);
	uint8_t x1[48], y1[48], x2[48], y2[48];
	CHECK(ss_eckey_public_xy(k, x1, y1) == 0 && ss_eckey_public_xy(pubk, x2, y2) == 0);
	CHECK_MEM(x1, x2, 48);
	CHECK(ss_eckey_has_private(back) && !ss_eckey_has_private(pubk));
	ss_eckey *none = NULL;
	CHECK(ss_eckey_from_pem("garbage", 7, &none, &e) == SS_EINVAL);
	free(priv);
	free(pub);
	ss_eckey_free(k);
	ss_eckey_free(back);
	ss_eckey_free(pubk);
}

TEST(encrypted_pem_refused_without_prompt)
{
	ss_eckey *k = NULL;
	ss_error e;
	REQUIRE(ss_eckey_generate_p384(&k, &e) == 0);
	BIO *bio = BIO_new(BIO_s_mem());
	REQUIRE(PEM_write_bio_PrivateKey(bio, ss_eckey_evp(k), EVP_aes_256_cbc(),
					 (unsigned char *)"secret", 6, NULL, NULL) == 1);
	char *pem;
	long n = BIO_get_mem_data(bio, &pem);
	ss_eckey *back = NULL;
	CHECK(ss_eckey_from_pem(pem, (size_t)n, &back, &e) == SS_EUNSUPPORTED);
	CHECK_CONTAINS(e.msg, "encrypted");
	BIO_free(bio);
	ss_eckey_free(k);
}

TEST_MAIN(encrypted_pem_refused_without_prompt, sha_known_answers, hmac_rfc4231_case2,
	  p384_scalar_one_is_generator, ecdsa_sign_verify_and_tamper, pem_roundtrip_and_rejects)
