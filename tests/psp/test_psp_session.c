/* The session cryptography reproduces the test vectors of firmware-abi.md §3.4 and §3.5, and the
 * KDF and AES-CTR agree with independently known answers. */
#include "harness.h"

#include "psp/session.h"
#include "util/bytes.h"

#include <softsev/crypto_cipher.h>
#include <softsev/measure.h>

static void unhex(uint8_t *out, size_t n, const char *hex)
{
	if (!ss_hex_decode_exact(out, n, hex))
		abort();
}

TEST(kdf_master_secret_vector)
{
	/* firmware-abi.md §3.4: KDF(16 x 00, "sev-master-secret", 16 x 00, 128 bits). */
	uint8_t zero[16] = {0}, out[16], want[16];
	REQUIRE(ss_sev_kdf(zero, 16, "sev-master-secret", zero, 16, out, 16) == 0);
	unhex(want, 16, "ab4d269fcc62bedb4511d56c386ce706");
	CHECK_MEM(out, want, 16);
	/* The same through the session key schedule (MASTER_SECRET). */
	uint8_t master[16], kek[16], kik[16];
	REQUIRE(ss_sev_session_keys(zero, 16, zero, master, kek, kik) == 0);
	CHECK_MEM(master, want, 16);
	CHECK(memcmp(kek, kik, 16) != 0);
}

TEST(kdf_matches_its_definition)
{
	/* K(1) computed by hand from the definition with plain HMAC-SHA256: 0x01000000 || label ||
	 * 0x00 || context || L (256 bits, LE). A 48-byte output is K(1) || K(2)[0..16) with L=384.
	 */
	uint8_t key[20], ctx[3] = {1, 2, 3};
	for (int i = 0; i < 20; i++)
		key[i] = (uint8_t)i;
	uint8_t msg[4 + 3 + 1 + 3 + 4] = {1, 0, 0, 0, 'a', 'b', 'c', 0, 1, 2, 3, 0x00, 0x01, 0, 0};
	uint8_t k1[32], out[32];
	REQUIRE(ss_hmac_sha256(key, 20, msg, sizeof(msg), k1) == 0);
	REQUIRE(ss_sev_kdf(key, 20, "abc", ctx, 3, out, 32) == 0);
	CHECK_MEM(out, k1, 32);
	uint8_t out48[48], k2[32];
	ss_put_le32(msg + 11, 384);
	REQUIRE(ss_hmac_sha256(key, 20, msg, sizeof(msg), k1) == 0);
	msg[0] = 2;
	REQUIRE(ss_hmac_sha256(key, 20, msg, sizeof(msg), k2) == 0);
	REQUIRE(ss_sev_kdf(key, 20, "abc", ctx, 3, out48, 48) == 0);
	CHECK_MEM(out48, k1, 32);
	CHECK_MEM(out48 + 32, k2, 16);
	CHECK(ss_sev_kdf(key, 20, "abc", NULL, 0, out, 0) == SS_EINVAL);
}

TEST(aes128_ctr_sp800_38a)
{
	/* NIST SP 800-38A F.5.1 CTR-AES128.Encrypt, first two blocks. */
	uint8_t key[16], iv[16], pt[32], ct[32], want[32];
	unhex(key, 16, "2b7e151628aed2a6abf7158809cf4f3c");
	unhex(iv, 16, "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
	unhex(pt, 32, "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51");
	unhex(want, 32, "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff");
	REQUIRE(ss_aes128_ctr(key, iv, pt, ct, 32) == 0);
	CHECK_MEM(ct, want, 32);
	REQUIRE(ss_aes128_ctr(key, iv, ct, ct, 32) == 0); /* in place, and its own inverse */
	CHECK_MEM(ct, pt, 32);
}

TEST(session_blob_vectors)
{
	/* firmware-abi.md §3.4: Z = 16 x 00, NONCE = IV = TEK = TIK = 0, POLICY = 0. */
	uint8_t zero[16] = {0}, want[32];
	struct ss_sev_session s;
	REQUIRE(ss_sev_session_build(zero, 16, zero, zero, zero, zero, 0, &s) == 0);
	unhex(want, 32, "2137bc7f9bb8bd7c3e55a576a15d3454b3856b8ba27afadf46dcfee9f02c02c4");
	CHECK_MEM(s.wrap_tk, want, 32);
	unhex(want, 32, "3176c0752738bd9d5e86689534020f528c088f16238826b000b327dee6aeed7d");
	CHECK_MEM(s.wrap_mac, want, 32);
	unhex(want, 32, "aa7855e13839dd767cd5da7c1ff5036540c9264b7a803029315e55375287b4af");
	CHECK_MEM(s.policy_mac, want, 32);

	/* The firmware's side opens it, and refuses tampering and another policy. */
	uint8_t tek[16], tik[16];
	CHECK(ss_sev_session_open(zero, 16, &s, 0, tek, tik) == 0);
	CHECK_MEM(tek, zero, 16);
	CHECK(ss_sev_session_open(zero, 16, &s, 1, tek, tik) == SS_EPOLICY);
	uint8_t other_z[16] = {1};
	CHECK(ss_sev_session_open(other_z, 16, &s, 0, tek, tik) == SS_EBADSIG);
	s.wrap_tk[5] ^= 1;
	CHECK(ss_sev_session_open(zero, 16, &s, 0, tek, tik) == SS_EBADSIG);
}

TEST(launch_measure_vector)
{
	/* firmware-abi.md §3.5, through measure's function, which the firmware uses. */
	uint8_t tik[16], ld[32], mnonce[16], want[32], out[32];
	unhex(tik, 16, "66320db73158a35a255d051758e95ed4");
	REQUIRE(ss_sha256("", 0, ld) == 0);
	unhex(mnonce, 16, "4fbe0bedbad6c86ae8f68971d103e554");
	ss_sev_launch_measure_in in = {.api_major = 0, .api_minor = 0x12, .build = 0x0f};
	memcpy(in.tik, tik, 16);
	memcpy(in.digest, ld, 32);
	memcpy(in.mnonce, mnonce, 16);
	REQUIRE(ss_sev_launch_measure(&in, out, NULL) == 0);
	unhex(want, 32, "6faab2daae389bcd3405a05d6cafe33c0414f7bedd0bae19ba5f38b7fd1664ea");
	CHECK_MEM(out, want, 32);
	/* API < 0.17 drops the context byte and version (sev-tool's older branch). */
	uint8_t old[32];
	in.api_minor = 0x10;
	REQUIRE(ss_sev_launch_measure(&in, old, NULL) == 0);
	CHECK(memcmp(old, out, 32) != 0);
	uint8_t msg[52];
	memset(msg, 0, 4);
	memcpy(msg + 4, ld, 32);
	memcpy(msg + 36, mnonce, 16);
	REQUIRE(ss_hmac_sha256(tik, 16, msg, sizeof(msg), want) == 0);
	CHECK_MEM(old, want, 32);
}

TEST(secret_packet_mac_layout)
{
	/* §3.6: MAC = HMAC(TIK, 0x01 || FLAGS || IV || GUEST_LEN || TRANS_LEN || ct || MEAS). */
	uint8_t tek[16], tik[16], iv[16], meas[32], ct[8];
	memset(tek, 1, 16);
	memset(tik, 2, 16);
	memset(iv, 3, 16);
	memset(meas, 4, 32);
	struct ss_sev_packet_hdr hdr;
	REQUIRE(ss_sev_secret_build(tek, tik, iv, "secret!!", 8, meas, &hdr, ct) == 0);
	uint8_t msg[1 + 4 + 16 + 4 + 4 + 8 + 32] = {0x01};
	memcpy(msg + 5, iv, 16);
	ss_put_le32(msg + 21, 8);
	ss_put_le32(msg + 25, 8);
	memcpy(msg + 29, ct, 8);
	memcpy(msg + 37, meas, 32);
	uint8_t want[32];
	REQUIRE(ss_hmac_sha256(tik, 16, msg, sizeof(msg), want) == 0);
	CHECK_MEM(hdr.mac, want, 32);
	CHECK(hdr.flags == 0);
	uint8_t pt[8];
	REQUIRE(ss_aes128_ctr(tek, iv, ct, pt, 8) == 0);
	CHECK_MEM(pt, "secret!!", 8);
}

TEST(ecdh_agrees_and_is_big_endian_x)
{
	ss_eckey *a = NULL, *b = NULL, *bpub = NULL;
	ss_error err;
	REQUIRE(ss_eckey_generate_p384(&a, &err) == 0);
	REQUIRE(ss_eckey_generate_p384(&b, &err) == 0);
	uint8_t x[48], y[48], z1[48], z2[48];
	REQUIRE(ss_eckey_public_xy(b, x, y) == 0);
	REQUIRE(ss_eckey_from_public_xy(x, y, &bpub, &err) == 0);
	REQUIRE(ss_ecdh_p384(a, bpub, z1, &err) == 0);
	REQUIRE(ss_eckey_public_xy(a, x, y) == 0);
	ss_eckey *apub = NULL;
	REQUIRE(ss_eckey_from_public_xy(x, y, &apub, &err) == 0);
	REQUIRE(ss_ecdh_p384(b, apub, z2, &err) == 0);
	CHECK_MEM(z1, z2, 48);
	/* With b = 1 the shared point is a's public point: Z is its x, big-endian. */
	uint8_t one[48] = {0};
	one[47] = 1;
	ss_eckey *k1 = NULL;
	REQUIRE(ss_eckey_from_private_scalar(one, &k1, &err) == 0);
	REQUIRE(ss_ecdh_p384(k1, apub, z2, &err) == 0);
	CHECK_MEM(z2, x, 48);
	ss_eckey_free(a);
	ss_eckey_free(b);
	ss_eckey_free(bpub);
	ss_eckey_free(apub);
	ss_eckey_free(k1);
}

TEST(rsa_pss_round_trip)
{
	ss_rsakey *k = NULL, *pub = NULL;
	ss_error err;
	REQUIRE(ss_rsakey_generate(2048, &k, &err) == 0);
	CHECK(ss_rsakey_bits(k) == 2048);
	uint8_t n[256], e[4], sig[256];
	REQUIRE(ss_rsakey_public(k, n, sizeof(n), e, sizeof(e)) == 0);
	CHECK(ss_le32((uint8_t[]){e[3], e[2], e[1], e[0]}) == 65537);
	size_t sig_len = sizeof(sig);
	REQUIRE(ss_rsa_pss_sign(k, SS_HASH_SHA384, "msg", 3, sig, &sig_len, &err) == 0);
	CHECK(sig_len == 256);
	REQUIRE(ss_rsakey_from_public(n, sizeof(n), e, sizeof(e), &pub, &err) == 0);
	CHECK(ss_rsa_pss_verify(pub, SS_HASH_SHA384, "msg", 3, sig, sig_len, &err) == 0);
	CHECK(ss_rsa_pss_verify(pub, SS_HASH_SHA256, "msg", 3, sig, sig_len, &err) == SS_EBADSIG);
	CHECK(ss_rsa_pss_verify(pub, SS_HASH_SHA384, "msh", 3, sig, sig_len, &err) == SS_EBADSIG);
	size_t der_len;
	uint8_t *der = ss_rsakey_to_der(k, &der_len);
	REQUIRE(der);
	ss_rsakey *k2 = NULL;
	CHECK(ss_rsakey_from_der(der, der_len, &k2, &err) == 0);
	CHECK(ss_rsakey_from_der(der, der_len / 2, &k2, &err) == SS_EINVAL);
	free(der);
	ss_rsakey_free(k);
	ss_rsakey_free(k2);
	ss_rsakey_free(pub);
}

TEST_MAIN(kdf_master_secret_vector, kdf_matches_its_definition, aes128_ctr_sp800_38a,
	  session_blob_vectors, launch_measure_vector, secret_packet_mac_layout,
	  ecdh_agrees_and_is_big_endian_x, rsa_pss_round_trip)
