/* Migration between two platform instances with different chips (firmware-abi.md §3.8): the
 * guest's memory moves under transport keys, NOSEND / DOMAIN / SEV are enforced, and the
 * received guest decrypts the same. */
#include "harness.h"
#include "psp_test.h"

#include "psp/session.h"
#include "util/bytes.h"

#include <softsev/sev_cert.h>

#define C(name)	 SS_SEV_CMD_##name
#define ST(name) SS_SEV_##name

#define A_PDH	  0x1000
#define A_CHAIN	  0x2000
#define A_AMD	  0x4000
#define A_SESSION 0x6000
#define A_HDR	  0x7000
#define A_TRANS	  0x8000
#define A_GUEST	  0x20000
#define PAGES	  4

static uint32_t by_handle(struct tplat *t, uint32_t cmd, uint32_t h)
{
	struct ss_sev_data_handle d = {.handle = h};
	return tcmd(t, cmd, &d, sizeof(d));
}

static uint32_t activate(struct tplat *t, uint32_t h, uint32_t asid)
{
	struct ss_sev_data_activate a = {.handle = h, .asid = asid};
	return tcmd(t, C(ACTIVATE), &a, sizeof(a));
}

/* A running guest on t with PAGES pages of known data at A_GUEST. */
static uint32_t running_guest(struct tplat *t, uint32_t policy, uint32_t asid)
{
	struct ss_sev_data_launch_start ls = {.policy = policy};
	if (tcmd(t, C(LAUNCH_START), &ls, sizeof(ls)) || activate(t, ls.handle, asid))
		return 0;
	for (unsigned i = 0; i < PAGES * 4096; i++)
		t->ram[A_GUEST + i] = (uint8_t)(i * 13 + 1);
	struct ss_sev_data_launch_update u = {
	    .handle = ls.handle, .address = A_GUEST, .len = PAGES * 4096};
	struct ss_sev_data_launch_update m = {.handle = ls.handle, .address = 0x9000, .len = 0x30};
	if (tcmd(t, C(LAUNCH_UPDATE_DATA), &u, sizeof(u)) ||
	    tcmd(t, C(LAUNCH_MEASURE), &m, sizeof(m)) || by_handle(t, C(LAUNCH_FINISH), ls.handle))
		return 0;
	return ls.handle;
}

/* Puts dst's PDH, PEK || OCA || CEK and ASK || ARK into src's memory for SEND_START. */
static uint32_t amd_len_into(struct tplat *dst, struct tplat *src)
{
	struct ss_sev_data_pdh_cert_export e = {.pdh_cert_address = A_PDH,
						.cert_chain_address = A_CHAIN,
						.pdh_cert_len = 0x824,
						.cert_chain_len = 3 * 0x824};
	if (tcmd(dst, C(PDH_CERT_EXPORT), &e, sizeof(e)))
		return 0;
	memcpy(src->ram + A_PDH, dst->ram + A_PDH, 0x824);
	memcpy(src->ram + A_CHAIN, dst->ram + A_CHAIN, 3 * 0x824);
	size_t len;
	ss_error err;
	if (ss_psp_amd_chain(dst->psp, src->ram + A_AMD, 3200, &len, &err))
		return 0;
	return (uint32_t)len;
}

static uint32_t send_start(struct tplat *src, uint32_t h, uint32_t amd_len)
{
	struct ss_sev_data_send_start s = {.handle = h,
					   .pdh_cert_address = A_PDH,
					   .pdh_cert_len = 0x824,
					   .plat_certs_address = A_CHAIN,
					   .plat_certs_len = 3 * 0x824,
					   .amd_certs_address = A_AMD,
					   .amd_certs_len = amd_len,
					   .session_address = A_SESSION,
					   .session_len = 0x80};
	return tcmd(src, C(SEND_START), &s, sizeof(s));
}

static int init(struct tplat *t)
{
	struct ss_sev_data_init in = {0};
	return tcmd(t, C(INIT), &in, sizeof(in)) ? -1 : 0;
}

/* The whole round trip: the destination gets the source's PDH and the session, then every page
 * as a packet. */
static void migrate(struct tplat *a, struct tplat *b, uint32_t policy, bool tamper)
{
	uint32_t h = running_guest(a, policy, 1);
	REQUIRE(h);
	uint32_t amd_len = amd_len_into(b, a);
	REQUIRE(amd_len);
	REQUIRE(send_start(a, h, amd_len) == ST(SUCCESS));
	struct ss_sev_data_guest_status gs = {.handle = h};
	REQUIRE(tcmd(a, C(GUEST_STATUS), &gs, sizeof(gs)) == 0);
	CHECK(gs.state == SS_SEV_GUEST_SUPDATE);

	/* The destination: the source's PDH as the "GODH", the session, the policy. */
	struct ss_sev_data_pdh_cert_export e = {.pdh_cert_address = A_PDH,
						.cert_chain_address = A_CHAIN,
						.pdh_cert_len = 0x824,
						.cert_chain_len = 3 * 0x824};
	REQUIRE(tcmd(a, C(PDH_CERT_EXPORT), &e, sizeof(e)) == 0);
	memcpy(b->ram + A_PDH, a->ram + A_PDH, 0x824);
	memcpy(b->ram + A_SESSION, a->ram + A_SESSION, 0x80);
	struct ss_sev_data_launch_start rs = {.policy = policy,
					      .dh_cert_address = A_PDH,
					      .dh_cert_len = 0x824,
					      .session_address = A_SESSION,
					      .session_len = 0x80};
	REQUIRE(tcmd(b, C(RECEIVE_START), &rs, sizeof(rs)) == ST(SUCCESS));
	uint32_t hb = rs.handle;
	REQUIRE(activate(b, hb, 2) == ST(SUCCESS));
	for (unsigned p = 0; p < PAGES; p++) {
		struct ss_sev_data_transfer t = {.handle = h,
						 .hdr_address = A_HDR,
						 .hdr_len = 0x34,
						 .guest_address = A_GUEST + p * 4096,
						 .guest_len = 4096,
						 .trans_address = A_TRANS,
						 .trans_len = 4096};
		REQUIRE(tcmd(a, C(SEND_UPDATE_DATA), &t, sizeof(t)) == ST(SUCCESS));
		memcpy(b->ram + A_HDR, a->ram + A_HDR, 0x34);
		memcpy(b->ram + A_TRANS, a->ram + A_TRANS, 4096);
		if (tamper && p == 1) {
			b->ram[A_TRANS + 100] ^= 1;
			t.handle = hb;
			CHECK(tcmd(b, C(RECEIVE_UPDATE_DATA), &t, sizeof(t)) ==
			      ST(BAD_MEASUREMENT));
			b->ram[A_TRANS + 100] ^= 1;
		}
		t.handle = hb;
		CHECK(tcmd(b, C(RECEIVE_UPDATE_DATA), &t, sizeof(t)) == ST(SUCCESS));
	}
	CHECK(by_handle(a, C(SEND_FINISH), h) == ST(SUCCESS));
	CHECK(by_handle(b, C(RECEIVE_FINISH), hb) == ST(SUCCESS));
	gs.handle = hb;
	REQUIRE(tcmd(b, C(GUEST_STATUS), &gs, sizeof(gs)) == 0);
	CHECK(gs.state == SS_SEV_GUEST_RUNNING && gs.policy == policy);
	/* The received guest sees the same bytes through its own (different) key. */
	uint8_t want[PAGES * 4096], got[PAGES * 4096];
	REQUIRE(ss_psp_flatmem_ops()->read_enc(a->mem, 1, A_GUEST, want, sizeof(want)) == 0);
	REQUIRE(ss_psp_flatmem_ops()->read_enc(b->mem, 2, A_GUEST, got, sizeof(got)) == 0);
	CHECK_MEM(got, want, sizeof(want));
	CHECK(memcmp(a->ram + A_GUEST, b->ram + A_GUEST, 4096) != 0); /* other VEK */
	gs.handle = h;
	REQUIRE(tcmd(a, C(GUEST_STATUS), &gs, sizeof(gs)) == 0);
	CHECK(gs.state == SS_SEV_GUEST_SENT);
}

TEST(round_trip_between_two_chips)
{
	struct tplat a, b;
	REQUIRE(tplat_open(&a, NULL) == 0);
	REQUIRE(tplat_open(&b, NULL) == 0);
	REQUIRE(init(&a) == 0 && init(&b) == 0);
	migrate(&a, &b, 0, true);
	tplat_close(&a);
	tplat_close(&b);
}

TEST(policies_and_wrong_orders)
{
	struct tplat a, b, c;
	REQUIRE(tplat_open(&a, NULL) == 0);
	REQUIRE(tplat_open(&b, NULL) == 0);
	REQUIRE(tplat_open(&c, NULL) == 0);
	REQUIRE(init(&a) == 0 && init(&b) == 0 && init(&c) == 0);
	uint32_t amd_len = amd_len_into(&b, &a);
	REQUIRE(amd_len);

	/* NOSEND. */
	uint32_t h = running_guest(&a, SS_SEV_POLICY_NOSEND, 1);
	REQUIRE(h);
	CHECK(send_start(&a, h, amd_len) == ST(POLICY_FAILURE));
	/* DOMAIN: b has another OCA. */
	h = running_guest(&a, SS_SEV_POLICY_DOMAIN, 2);
	REQUIRE(h);
	CHECK(send_start(&a, h, amd_len) == ST(POLICY_FAILURE));
	/* SEV: b's chain verifies, but its ARK is b's own root, not a's and not AMD's. */
	h = running_guest(&a, SS_SEV_POLICY_SEV, 3);
	REQUIRE(h);
	CHECK(send_start(&a, h, amd_len) == ST(POLICY_FAILURE));
	uint32_t h4 = running_guest(&a, 0, 4);
	REQUIRE(h4);
	/* A forged destination chain: PDH of c with b's PEK. */
	struct ss_sev_data_pdh_cert_export e = {.pdh_cert_address = A_PDH,
						.cert_chain_address = A_CHAIN,
						.pdh_cert_len = 0x824,
						.cert_chain_len = 3 * 0x824};
	REQUIRE(tcmd(&c, C(PDH_CERT_EXPORT), &e, sizeof(e)) == 0);
	memcpy(a.ram + A_PDH, c.ram + A_PDH, 0x824);
	CHECK(send_start(&a, h4, amd_len) == ST(BAD_SIGNATURE));
	REQUIRE(amd_len_into(&b, &a));
	/* Length query and wrong orders. */
	struct ss_sev_data_send_start q = {.handle = h4, .session_len = 0};
	CHECK(tcmd(&a, C(SEND_START), &q, sizeof(q)) == ST(INVALID_LENGTH));
	CHECK(q.session_len == 0x80);
	struct ss_sev_data_transfer t = {.handle = h4,
					 .hdr_len = 0x34,
					 .guest_address = A_GUEST,
					 .guest_len = 4096,
					 .trans_len = 4096};
	CHECK(tcmd(&a, C(SEND_UPDATE_DATA), &t, sizeof(t)) == ST(INVALID_GUEST_STATE));
	CHECK(by_handle(&a, C(SEND_FINISH), h4) == ST(INVALID_GUEST_STATE));
	CHECK(by_handle(&a, C(RECEIVE_FINISH), h4) == ST(INVALID_GUEST_STATE));
	CHECK(send_start(&a, h4, amd_len) == ST(SUCCESS));
	CHECK(send_start(&a, h4, amd_len) == ST(INVALID_GUEST_STATE));
	t.hdr_len = 0;
	CHECK(tcmd(&a, C(SEND_UPDATE_DATA), &t, sizeof(t)) == ST(INVALID_LENGTH));
	CHECK(t.hdr_len == 0x34 && t.trans_len == 4096);
	CHECK(tcmd(&a, C(SEND_UPDATE_VMSA), &t, sizeof(t)) == ST(POLICY_FAILURE)); /* not ES */
	CHECK(by_handle(&a, C(SEND_CANCEL), h4) == ST(SUCCESS));
	struct ss_sev_data_guest_status gs = {.handle = h4};
	REQUIRE(tcmd(&a, C(GUEST_STATUS), &gs, sizeof(gs)) == 0);
	CHECK(gs.state == SS_SEV_GUEST_RUNNING);

	/* The session made for b does not open on c (another PDH). */
	CHECK(send_start(&a, h4, amd_len) == ST(SUCCESS));
	REQUIRE(tcmd(&a, C(PDH_CERT_EXPORT), &e, sizeof(e)) == 0);
	memcpy(c.ram + A_PDH, a.ram + A_PDH, 0x824);
	memcpy(c.ram + A_SESSION, a.ram + A_SESSION, 0x80);
	struct ss_sev_data_launch_start rs = {.dh_cert_address = A_PDH,
					      .dh_cert_len = 0x824,
					      .session_address = A_SESSION,
					      .session_len = 0x80};
	CHECK(tcmd(&c, C(RECEIVE_START), &rs, sizeof(rs)) == ST(BAD_MEASUREMENT));
	rs.session_len = 0;
	rs.dh_cert_len = 0;
	CHECK(tcmd(&c, C(RECEIVE_START), &rs, sizeof(rs)) == ST(INVALID_LENGTH));
	tplat_close(&a);
	tplat_close(&b);
	tplat_close(&c);
}

/* DOMAIN: two platforms owned by the same OCA (PEK_CERT_IMPORT) may migrate to each other. */
static int adopt(struct tplat *t, ss_eckey *oca_key, const ss_sev_cert *oca)
{
	ss_error err;
	struct ss_sev_data_addr_len q = {.address = 0xa000, .len = 0x824};
	ss_sev_cert pek;
	if (tcmd(t, C(PEK_CSR), &q, sizeof(q)) ||
	    ss_sev_cert_parse(t->ram + 0xa000, 0x824, &pek, &err) ||
	    ss_sev_cert_sign_ec(&pek, 0, SS_SEV_USAGE_OCA, SS_SEV_ALGO_ECDSA_SHA256, oca_key, &err))
		return -1;
	ss_sev_cert_serialize(&pek, t->ram + 0xa000);
	ss_sev_cert_serialize(oca, t->ram + 0xb000);
	struct ss_sev_data_pek_cert_import imp = {.pek_cert_address = 0xa000,
						  .pek_cert_len = 0x824,
						  .oca_cert_address = 0xb000,
						  .oca_cert_len = 0x824};
	return tcmd(t, C(PEK_CERT_IMPORT), &imp, sizeof(imp)) ? -1 : 0;
}

TEST(domain_policy_with_a_shared_owner)
{
	struct tplat a, b;
	ss_error err;
	REQUIRE(tplat_open(&a, NULL) == 0);
	REQUIRE(tplat_open(&b, NULL) == 0);
	REQUIRE(init(&a) == 0 && init(&b) == 0);
	ss_eckey *oca_key = NULL;
	REQUIRE(ss_eckey_generate_p384(&oca_key, &err) == 0);
	ss_sev_cert oca;
	ss_sev_cert_init(&oca, SS_SEV_USAGE_OCA, SS_SEV_ALGO_ECDSA_SHA256, 0, 0);
	REQUIRE(ss_sev_cert_set_ec_pubkey(&oca, oca_key, &err) == 0);
	REQUIRE(ss_sev_cert_sign_ec(&oca, 0, SS_SEV_USAGE_OCA, SS_SEV_ALGO_ECDSA_SHA256, oca_key,
				    &err) == 0);
	REQUIRE(adopt(&a, oca_key, &oca) == 0);
	REQUIRE(adopt(&b, oca_key, &oca) == 0);
	migrate(&a, &b, SS_SEV_POLICY_DOMAIN | SS_SEV_POLICY_NOKS, false);
	ss_eckey_free(oca_key);
	tplat_close(&a);
	tplat_close(&b);
}

TEST_MAIN(round_trip_between_two_chips, policies_and_wrong_orders,
	  domain_policy_with_a_shared_owner)
