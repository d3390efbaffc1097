/* The XTS wrapper (src/crypto/xts.c) against OpenSSL's EVP_aes_128_xts / EVP_aes_256_xts run one
 * 16-byte data unit at a time, and against the IEEE 1619 vector 1 (all-zero keys are refused by
 * OpenSSL, so vector 2's keys 1111.../2222... are used: first block only, unit 0x3333333333). */
#include "fixture.h"

#include <softsev/crypto_xts.h>

static void check_against_evp(size_t key_len)
{
	uint8_t key[64], p[PG], c[PG], want[PG], back[PG];
	fx_key(key, key_len, 4);
	fill(p, PG, 41);
	ss_xts *x;
	ss_error err;
	REQUIRE(ss_xts_new(key, key_len, &x, &err) == 0);
	uint64_t spa = 0x12345000;
	REQUIRE(ss_xts_encrypt(x, spa >> 4, p, c, PG) == 0);
	REQUIRE(ref_xts(key, key_len, 1, spa, p, want, PG));
	CHECK_MEM(c, want, PG);
	REQUIRE(ss_xts_decrypt(x, spa >> 4, c, back, PG) == 0);
	CHECK_MEM(back, p, PG);
	CHECK(ss_xts_encrypt(x, 0, p, c, 15) == SS_EINVAL);
	ss_xts_free(x);
}

TEST(xts128_matches_evp)
{
	check_against_evp(32);
}
TEST(xts256_matches_evp)
{
	check_against_evp(64);
}

TEST(ieee1619_vector2_first_block)
{
	/* IEEE P1619 XTS-AES-128 vector 2: key1 = 11.., key2 = 22.., data unit 0x3333333333,
	 * plaintext 44.. ; ciphertext block 0 = c454185e6a16936e39334038acef838b. */
	uint8_t key[32], p[16], c[16];
	memset(key, 0x11, 16);
	memset(key + 16, 0x22, 16);
	memset(p, 0x44, 16);
	static const uint8_t want[16] = {0xc4, 0x54, 0x18, 0x5e, 0x6a, 0x16, 0x93, 0x6e,
					 0x39, 0x33, 0x40, 0x38, 0xac, 0xef, 0x83, 0x8b};
	ss_xts *x;
	ss_error err;
	REQUIRE(ss_xts_new(key, 32, &x, &err) == 0);
	REQUIRE(ss_xts_encrypt(x, 0x3333333333ull, p, c, 16) == 0);
	CHECK_MEM(c, want, 16);
	ss_xts_free(x);
}

TEST(xts_rejects_bad_keys)
{
	uint8_t key[32] = {0};
	ss_xts *x;
	ss_error err;
	CHECK(ss_xts_new(key, 32, &x, &err) == SS_EINVAL);
	CHECK(ss_xts_new(key, 48, &x, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "48");
}

TEST_MAIN(xts128_matches_evp, xts256_matches_evp, ieee1619_vector2_first_block,
	  xts_rejects_bad_keys)
