/* The platform and guest state machines: every command in a wrong state, with a wrong buffer or
 * a wrong ASID gets the status firmware-abi.md §1.4/§1.6 gives. */
#include "harness.h"
#include "psp_test.h"

#include "util/bytes.h"

#include <softsev/mem.h>

#define ST(name) SS_SEV_##name
#define C(name)	 SS_SEV_CMD_##name

static uint8_t platform_state(struct tplat *t, struct ss_sev_data_status *s)
{
	memset(s, 0xee, sizeof(*s));
	if (tcmd(t, C(PLATFORM_STATUS), s, sizeof(*s)))
		return 0xff;
	return s->state;
}

static uint32_t launch(struct tplat *t, uint32_t policy, uint32_t *handle)
{
	struct ss_sev_data_launch_start ls = {.policy = policy};
	uint32_t st = tcmd(t, C(LAUNCH_START), &ls, sizeof(ls));
	*handle = ls.handle;
	return st;
}

static uint32_t activate(struct tplat *t, uint32_t handle, uint32_t asid)
{
	struct ss_sev_data_activate a = {.handle = handle, .asid = asid};
	return tcmd(t, C(ACTIVATE), &a, sizeof(a));
}

static uint32_t by_handle(struct tplat *t, uint32_t cmd, uint32_t handle)
{
	struct ss_sev_data_handle h = {.handle = handle};
	return tcmd(t, cmd, &h, sizeof(h));
}

static uint8_t guest_state(struct tplat *t, uint32_t handle, uint32_t *asid)
{
	struct ss_sev_data_guest_status gs = {.handle = handle};
	if (tcmd(t, C(GUEST_STATUS), &gs, sizeof(gs)))
		return 0xff;
	if (asid)
		*asid = gs.asid;
	return gs.state;
}

TEST(names_come_from_the_tables)
{
	CHECK_STR(ss_sev_status_name(0x04), "INVALID_LENGTH");
	CHECK_STR(ss_sev_status_name(0x27), "INVALID_KEY");
	CHECK_STR(ss_sev_status_name(0x1e), "UNKNOWN");
	CHECK_STR(ss_sev_cmd_name(0x34), "LAUNCH_SECRET");
	CHECK_STR(ss_sev_cmd_name(0x03), "FACTORY_RESET");
	CHECK(strlen(ss_sev_status_hint(0x0e)) > 10);
}

TEST(platform_lifecycle)
{
	struct tplat t;
	REQUIRE(tplat_open(&t, NULL) == 0);
	struct ss_sev_data_status s;
	CHECK(platform_state(&t, &s) == SS_SEV_PLATFORM_UNINIT);
	CHECK(s.api_major == 0 && s.api_minor == 24 && s.build == 15);
	CHECK(s.flags == 0 && s.guest_count == 0);

	/* Commands that need an initialised platform. */
	CHECK(tcmd(&t, C(PEK_GEN), NULL, 0) == ST(INVALID_PLATFORM_STATE));
	CHECK(tcmd(&t, C(PDH_GEN), NULL, 0) == ST(INVALID_PLATFORM_STATE));
	CHECK(tcmd(&t, C(DF_FLUSH), NULL, 0) == ST(INVALID_PLATFORM_STATE));
	uint32_t h;
	CHECK(launch(&t, 0, &h) == ST(INVALID_PLATFORM_STATE));
	CHECK(by_handle(&t, C(DECOMMISSION), 1) == ST(INVALID_PLATFORM_STATE));

	/* Malformed calls. */
	CHECK(tcmd(&t, 0x99, NULL, 0) == ST(INVALID_COMMAND));
	CHECK(tcmd(&t, C(DOWNLOAD_FIRMWARE), NULL, 0) == ST(INVALID_COMMAND));
	uint8_t big[64] = {0};
	CHECK(tcmd(&t, C(INIT), big, 0x13) == ST(INVALID_LENGTH));
	CHECK(tcmd(&t, C(SHUTDOWN), big, 4) == ST(INVALID_LENGTH));
	CHECK(tcmd(&t, C(INIT), NULL, 0x14) == ST(INVALID_LENGTH));

	/* INIT: reserved bits, ES TMR rules (1 MiB, 1 MiB aligned, in memory). */
	struct ss_sev_data_init in = {.flags = 2};
	CHECK(tcmd(&t, C(INIT), &in, sizeof(in)) == ST(INVALID_PARAM));
	in = (struct ss_sev_data_init){.flags = 1, .tmr_address = 0x180000, .tmr_len = 1 << 20};
	CHECK(tcmd(&t, C(INIT), &in, sizeof(in)) == ST(INVALID_ADDRESS));
	in.tmr_address = 0x100000;
	in.tmr_len = 4096;
	CHECK(tcmd(&t, C(INIT), &in, sizeof(in)) == ST(INVALID_LENGTH));
	in.tmr_address = 64ull << 30;
	in.tmr_len = 1 << 20;
	CHECK(tcmd(&t, C(INIT), &in, sizeof(in)) == ST(INVALID_ADDRESS));
	CHECK(platform_state(&t, &s) == SS_SEV_PLATFORM_UNINIT);
	in.tmr_address = 0x100000 | (1ull << 51); /* the C-bit is masked off */
	CHECK(tcmd(&t, C(INIT), &in, sizeof(in)) == ST(SUCCESS));
	CHECK(platform_state(&t, &s) == SS_SEV_PLATFORM_INIT);
	CHECK(s.flags == SS_SEV_STATUS_FLAGS_CONFIG_ES);
	CHECK(tcmd(&t, C(INIT), &in, sizeof(in)) == ST(INVALID_PLATFORM_STATE));
	CHECK(tcmd(&t, C(FACTORY_RESET), NULL, 0) == ST(INVALID_PLATFORM_STATE));
	CHECK(tcmd(&t, C(PEK_GEN), NULL, 0) == ST(SUCCESS));
	CHECK(tcmd(&t, C(PDH_GEN), NULL, 0) == ST(SUCCESS));
	CHECK(tcmd(&t, C(DF_FLUSH), NULL, 0) == ST(SUCCESS));

	/* A guest makes the platform WORKING; PEK_GEN then is refused, PDH_GEN is not. */
	REQUIRE(launch(&t, 0, &h) == ST(SUCCESS));
	CHECK(h != 0);
	CHECK(platform_state(&t, &s) == SS_SEV_PLATFORM_WORKING && s.guest_count == 1);
	CHECK(tcmd(&t, C(PEK_GEN), NULL, 0) == ST(INVALID_PLATFORM_STATE));
	CHECK(tcmd(&t, C(PDH_GEN), NULL, 0) == ST(SUCCESS));

	/* SHUTDOWN discards every guest. */
	CHECK(tcmd(&t, C(SHUTDOWN), NULL, 0) == ST(SUCCESS));
	CHECK(platform_state(&t, &s) == SS_SEV_PLATFORM_UNINIT && s.guest_count == 0);
	CHECK(tcmd(&t, C(SHUTDOWN), NULL, 0) == ST(SUCCESS));
	CHECK(tcmd(&t, C(FACTORY_RESET), NULL, 0) == ST(SUCCESS));

	/* INIT_EX: length field, NV area of 32 KiB. */
	struct ss_sev_data_init_ex ex = {.length = 0x20};
	CHECK(tcmd(&t, C(INIT_EX), &ex, sizeof(ex)) == ST(INVALID_LENGTH));
	ex = (struct ss_sev_data_init_ex){.length = 0x24, .nv_address = 0x200000, .nv_len = 4096};
	CHECK(tcmd(&t, C(INIT_EX), &ex, sizeof(ex)) == ST(INVALID_LENGTH));
	ex.nv_len = 32 * 1024;
	CHECK(tcmd(&t, C(INIT_EX), &ex, sizeof(ex)) == ST(SUCCESS));
	CHECK(platform_state(&t, &s) == SS_SEV_PLATFORM_INIT && s.flags == 0);
	tplat_close(&t);
}

TEST(get_id_length_query_and_stability)
{
	struct tplat t;
	REQUIRE(tplat_open(&t, NULL) == 0);
	struct ss_sev_data_addr_len q = {.address = 0x1000, .len = 0};
	CHECK(tcmd(&t, C(GET_ID), &q, sizeof(q)) == ST(INVALID_LENGTH));
	CHECK(q.len == 64);
	q.address = T_MEM_SIZE - 32;
	CHECK(tcmd(&t, C(GET_ID), &q, sizeof(q)) == ST(INVALID_ADDRESS));
	q.address = 0x1000;
	CHECK(tcmd(&t, C(GET_ID), &q, sizeof(q)) == ST(SUCCESS));
	uint8_t id1[64];
	memcpy(id1, t.ram + 0x1000, 64);
	CHECK(!ss_is_zero(id1, 64));
	/* FACTORY_RESET renews PEK/PDH but not the chip: the id stays. */
	CHECK(tcmd(&t, C(FACTORY_RESET), NULL, 0) == ST(SUCCESS));
	q.address = 0x2000;
	CHECK(tcmd(&t, C(GET_ID), &q, sizeof(q)) == ST(SUCCESS));
	CHECK_MEM(t.ram + 0x2000, id1, 64);
	/* Another platform is another chip. */
	struct tplat u;
	REQUIRE(tplat_open(&u, NULL) == 0);
	CHECK(tcmd(&u, C(GET_ID), &q, sizeof(q)) == ST(SUCCESS));
	CHECK(memcmp(u.ram + 0x2000, id1, 64) != 0);
	tplat_close(&u);
	tplat_close(&t);
}

TEST(guest_lifecycle_wrong_orders)
{
	struct tplat t;
	REQUIRE(tplat_open(&t, NULL) == 0);
	struct ss_sev_data_init in = {0};
	REQUIRE(tcmd(&t, C(INIT), &in, sizeof(in)) == ST(SUCCESS));

	/* Policy checks at LAUNCH_START. */
	uint32_t h, h2;
	CHECK(launch(&t, SS_SEV_POLICY_ES, &h) == ST(POLICY_FAILURE)); /* no CONFIG_ES */
	CHECK(launch(&t, 0x40, &h) == ST(INVALID_PARAM));	       /* reserved bit 6 */
	CHECK(launch(&t, 0x19u << 24, &h) == ST(POLICY_FAILURE));      /* needs API 0.25 */
	CHECK(launch(&t, 0x18u << 24, &h) == ST(SUCCESS));	       /* API 0.24 is fine */
	CHECK(by_handle(&t, C(DECOMMISSION), h) == ST(SUCCESS));

	REQUIRE(launch(&t, 0, &h) == ST(SUCCESS));
	CHECK(guest_state(&t, h, NULL) == SS_SEV_GUEST_LUPDATE);
	CHECK(by_handle(&t, C(GUEST_STATUS), h + 100) == ST(INVALID_LENGTH));
	struct ss_sev_data_guest_status gs = {.handle = h + 100};
	CHECK(tcmd(&t, C(GUEST_STATUS), &gs, sizeof(gs)) == ST(INVALID_GUEST));
	gs.handle = 0;
	CHECK(tcmd(&t, C(GUEST_STATUS), &gs, sizeof(gs)) == ST(INVALID_GUEST));

	/* Memory commands need an ASID. */
	memset(t.ram + 0x10000, 0x5a, 4096);
	struct ss_sev_data_launch_update up = {.handle = h, .address = 0x10000, .len = 4096};
	CHECK(tcmd(&t, C(LAUNCH_UPDATE_DATA), &up, sizeof(up)) == ST(INACTIVE));
	CHECK(by_handle(&t, C(DEACTIVATE), h) == ST(INACTIVE));
	CHECK(activate(&t, h, 0) == ST(INVALID_ASID));
	CHECK(activate(&t, h, T_ASIDS + 1) == ST(INVALID_ASID));
	CHECK(activate(&t, h, 1) == ST(SUCCESS));
	CHECK(activate(&t, h, 2) == ST(ACTIVE));
	REQUIRE(launch(&t, 0, &h2) == ST(SUCCESS));
	CHECK(h2 != h);
	CHECK(activate(&t, h2, 1) == ST(ASID_OWNED));

	/* Launch commands out of order. */
	CHECK(by_handle(&t, C(LAUNCH_FINISH), h) == ST(INVALID_GUEST_STATE));
	struct ss_sev_data_transfer sec = {.handle = h, .hdr_len = 0x34};
	CHECK(tcmd(&t, C(LAUNCH_SECRET), &sec, sizeof(sec)) == ST(INVALID_GUEST_STATE));
	struct ss_sev_data_dbg dbg = {
	    .handle = h, .src_addr = 0x10000, .dst_addr = 0x20000, .len = 16};
	CHECK(tcmd(&t, C(DBG_DECRYPT), &dbg, sizeof(dbg)) == ST(INVALID_GUEST_STATE));
	up.len = 4095;
	CHECK(tcmd(&t, C(LAUNCH_UPDATE_DATA), &up, sizeof(up)) == ST(INVALID_LENGTH));
	up.len = 4096;
	up.address = 0x10008;
	CHECK(tcmd(&t, C(LAUNCH_UPDATE_DATA), &up, sizeof(up)) == ST(INVALID_ADDRESS));
	up.address = T_MEM_SIZE;
	CHECK(tcmd(&t, C(LAUNCH_UPDATE_DATA), &up, sizeof(up)) == ST(INVALID_ADDRESS));
	up.address = 0x10000;
	CHECK(tcmd(&t, C(LAUNCH_UPDATE_DATA), &up, sizeof(up)) == ST(SUCCESS));
	CHECK(t.ram[0x10000] != 0x5a || t.ram[0x10001] != 0x5a); /* encrypted in place */
	CHECK(tcmd(&t, C(LAUNCH_UPDATE_VMSA), &up, sizeof(up)) == ST(POLICY_FAILURE)); /* not ES */

	/* LAUNCH_MEASURE: length query leaves the state; then LSECRET. */
	struct ss_sev_data_launch_update m = {.handle = h, .address = 0x30000, .len = 0};
	CHECK(tcmd(&t, C(LAUNCH_MEASURE), &m, sizeof(m)) == ST(INVALID_LENGTH));
	CHECK(m.len == 0x30);
	CHECK(guest_state(&t, h, NULL) == SS_SEV_GUEST_LUPDATE);
	m.address = T_MEM_SIZE - 16;
	CHECK(tcmd(&t, C(LAUNCH_MEASURE), &m, sizeof(m)) == ST(INVALID_ADDRESS));
	CHECK(guest_state(&t, h, NULL) == SS_SEV_GUEST_LUPDATE);
	m.address = 0x30000;
	CHECK(tcmd(&t, C(LAUNCH_MEASURE), &m, sizeof(m)) == ST(SUCCESS));
	CHECK(guest_state(&t, h, NULL) == SS_SEV_GUEST_LSECRET);
	CHECK(tcmd(&t, C(LAUNCH_MEASURE), &m, sizeof(m)) == ST(INVALID_GUEST_STATE));
	CHECK(tcmd(&t, C(LAUNCH_UPDATE_DATA), &up, sizeof(up)) == ST(INVALID_GUEST_STATE));
	CHECK(by_handle(&t, C(LAUNCH_FINISH), h) == ST(SUCCESS));
	uint32_t asid = 0;
	CHECK(guest_state(&t, h, &asid) == SS_SEV_GUEST_RUNNING && asid == 1);
	CHECK(by_handle(&t, C(LAUNCH_FINISH), h) == ST(INVALID_GUEST_STATE));

	/* DBG_DECRYPT of a debuggable guest returns what was launched. */
	dbg.len = 4096;
	CHECK(tcmd(&t, C(DBG_DECRYPT), &dbg, sizeof(dbg)) == ST(SUCCESS));
	uint8_t want[4096];
	memset(want, 0x5a, sizeof(want));
	CHECK_MEM(t.ram + 0x20000, want, sizeof(want));
	dbg.len = 24;
	CHECK(tcmd(&t, C(DBG_DECRYPT), &dbg, sizeof(dbg)) == ST(INVALID_LENGTH));
	dbg.len = 16;
	dbg.dst_addr = 0x20004;
	CHECK(tcmd(&t, C(DBG_DECRYPT), &dbg, sizeof(dbg)) == ST(INVALID_ADDRESS));
	/* DBG_ENCRYPT writes through the key: the host sees ciphertext, decrypt gives it back. */
	memcpy(t.ram + 0x40000, "0123456789abcdef", 16);
	dbg = (struct ss_sev_data_dbg){
	    .handle = h, .src_addr = 0x40000, .dst_addr = 0x11000, .len = 16};
	CHECK(tcmd(&t, C(DBG_ENCRYPT), &dbg, sizeof(dbg)) == ST(SUCCESS));
	CHECK(memcmp(t.ram + 0x11000, "0123456789abcdef", 16) != 0);
	dbg = (struct ss_sev_data_dbg){
	    .handle = h, .src_addr = 0x11000, .dst_addr = 0x41000, .len = 16};
	CHECK(tcmd(&t, C(DBG_DECRYPT), &dbg, sizeof(dbg)) == ST(SUCCESS));
	CHECK_MEM(t.ram + 0x41000, "0123456789abcdef", 16);

	/* Teardown in the wrong order, then the right one (§1.6 ASID recycling). */
	CHECK(by_handle(&t, C(DECOMMISSION), h) == ST(ACTIVE));
	CHECK(by_handle(&t, C(DEACTIVATE), h) == ST(SUCCESS));
	CHECK(by_handle(&t, C(DEACTIVATE), h) == ST(INACTIVE));
	CHECK(tcmd(&t, C(DBG_DECRYPT), &dbg, sizeof(dbg)) == ST(INACTIVE));
	CHECK(activate(&t, h2, 1) == ST(DFFLUSH_REQUIRED));
	CHECK(tcmd(&t, C(DF_FLUSH), NULL, 0) == ST(WBINVD_REQUIRED));
	ss_psp_wbinvd(t.psp);
	CHECK(activate(&t, h2, 1) == ST(DFFLUSH_REQUIRED));
	CHECK(tcmd(&t, C(DF_FLUSH), NULL, 0) == ST(SUCCESS));
	CHECK(activate(&t, h2, 1) == ST(SUCCESS));
	CHECK(by_handle(&t, C(DECOMMISSION), h) == ST(SUCCESS));
	CHECK(by_handle(&t, C(DECOMMISSION), h) == ST(INVALID_GUEST));
	struct ss_sev_data_status s;
	CHECK(platform_state(&t, &s) == SS_SEV_PLATFORM_WORKING && s.guest_count == 1);
	CHECK(by_handle(&t, C(DEACTIVATE), h2) == ST(SUCCESS));
	CHECK(by_handle(&t, C(DECOMMISSION), h2) == ST(SUCCESS));
	CHECK(platform_state(&t, &s) == SS_SEV_PLATFORM_INIT && s.guest_count == 0);
	tplat_close(&t);
}

TEST(nodbg_and_key_sharing_policies)
{
	struct tplat t;
	REQUIRE(tplat_open(&t, NULL) == 0);
	struct ss_sev_data_init in = {0};
	REQUIRE(tcmd(&t, C(INIT), &in, sizeof(in)) == ST(SUCCESS));
	uint32_t h;
	REQUIRE(launch(&t, SS_SEV_POLICY_NODBG | SS_SEV_POLICY_NOKS, &h) == ST(SUCCESS));
	REQUIRE(activate(&t, h, 2) == ST(SUCCESS));
	struct ss_sev_data_launch_update m = {.handle = h, .address = 0x30000, .len = 0x30};
	REQUIRE(tcmd(&t, C(LAUNCH_MEASURE), &m, sizeof(m)) == ST(SUCCESS));
	REQUIRE(by_handle(&t, C(LAUNCH_FINISH), h) == ST(SUCCESS));
	struct ss_sev_data_dbg dbg = {
	    .handle = h, .src_addr = 0x10000, .dst_addr = 0x20000, .len = 16};
	CHECK(tcmd(&t, C(DBG_DECRYPT), &dbg, sizeof(dbg)) == ST(POLICY_FAILURE));
	CHECK(tcmd(&t, C(DBG_ENCRYPT), &dbg, sizeof(dbg)) == ST(POLICY_FAILURE));
	/* Key sharing: refused with NOKS on either side, unknown handle is INVALID_GUEST. */
	struct ss_sev_data_launch_start ls = {.handle = h};
	CHECK(tcmd(&t, C(LAUNCH_START), &ls, sizeof(ls)) == ST(POLICY_FAILURE));
	ls = (struct ss_sev_data_launch_start){.handle = 999};
	CHECK(tcmd(&t, C(LAUNCH_START), &ls, sizeof(ls)) == ST(INVALID_GUEST));
	uint32_t a, b;
	REQUIRE(launch(&t, 0, &a) == ST(SUCCESS));
	ls = (struct ss_sev_data_launch_start){.handle = a, .policy = SS_SEV_POLICY_NOKS};
	CHECK(tcmd(&t, C(LAUNCH_START), &ls, sizeof(ls)) == ST(POLICY_FAILURE));
	ls = (struct ss_sev_data_launch_start){.handle = a};
	CHECK(tcmd(&t, C(LAUNCH_START), &ls, sizeof(ls)) == ST(SUCCESS));
	b = ls.handle;
	CHECK(b != a && b != 0);
	/* Shared VEK: what a encrypts at an address, b decrypts. */
	REQUIRE(activate(&t, a, 1) == ST(SUCCESS));
	REQUIRE(activate(&t, b, 3) == ST(SUCCESS));
	memset(t.ram + 0x50000, 0x33, 64);
	struct ss_sev_data_launch_update up = {.handle = a, .address = 0x50000, .len = 64};
	REQUIRE(tcmd(&t, C(LAUNCH_UPDATE_DATA), &up, sizeof(up)) == ST(SUCCESS));
	m.handle = b;
	REQUIRE(tcmd(&t, C(LAUNCH_MEASURE), &m, sizeof(m)) == ST(SUCCESS));
	dbg = (struct ss_sev_data_dbg){
	    .handle = b, .src_addr = 0x50000, .dst_addr = 0x60000, .len = 64};
	CHECK(tcmd(&t, C(DBG_DECRYPT), &dbg, sizeof(dbg)) == ST(SUCCESS));
	uint8_t want[64];
	memset(want, 0x33, sizeof(want));
	CHECK_MEM(t.ram + 0x60000, want, 64);
	tplat_close(&t);
}

TEST(resource_limit)
{
	struct tplat t;
	REQUIRE(tplat_open(&t, NULL) == 0);
	struct ss_sev_data_init in = {0};
	REQUIRE(tcmd(&t, C(INIT), &in, sizeof(in)) == ST(SUCCESS));
	uint32_t h = 0, st = 0;
	unsigned n = 0;
	while ((st = launch(&t, 0, &h)) == ST(SUCCESS) && n < 1000)
		n++;
	CHECK(st == ST(RESOURCE_LIMIT));
	CHECK(n == 64);
	tplat_close(&t);
}

/* The same platform on the memory model (src/mem) instead of the flat test memory: ACTIVATE
 * loads the VEK into the engine's slot, LAUNCH_UPDATE_DATA encrypts in DRAM, the host sees
 * ciphertext, the guest's key sees the data, DEACTIVATE unloads the slot. */
TEST(on_the_memory_model)
{
	struct ss_mem *m = NULL;
	ss_error err;
	struct ss_mem_config mc = {.dram_size = 4u << 20, .max_asid = 4, .seed = 7};
	REQUIRE(ss_mem_create(&mc, &m, &err) == 0);
	struct ss_mem_fw *fw = ss_mem_claim_firmware_port(m);
	REQUIRE(fw);
	struct ss_psp_config cfg = {.ephemeral = true,
				    .mem = ss_psp_mem_model_ops(),
				    .mem_ctx = fw,
				    .nr_asids = 4,
				    .ark_bits = 2048};
	struct tplat t = {0};
	REQUIRE(ss_psp_open(&cfg, &t.psp, &err) == 0);
	struct ss_sev_data_init in = {0};
	REQUIRE(tcmd(&t, C(INIT), &in, sizeof(in)) == ST(SUCCESS));
	uint32_t h;
	REQUIRE(launch(&t, 0, &h) == ST(SUCCESS));
	REQUIRE(activate(&t, h, 3) == ST(SUCCESS));
	CHECK(ss_mem_key_mode(m, 3) == SS_MEM_KEY_SEV);
	uint8_t page[4096], got[4096];
	for (unsigned i = 0; i < sizeof(page); i++)
		page[i] = (uint8_t)(i * 7);
	REQUIRE(ss_mem_fw_write(fw, SS_MEM_FW_NOKEY, 0x10000, page, sizeof(page), &err) == 0);
	struct ss_sev_data_launch_update up = {.handle = h, .address = 0x10000, .len = 4096};
	CHECK(tcmd(&t, C(LAUNCH_UPDATE_DATA), &up, sizeof(up)) == ST(SUCCESS));
	REQUIRE(ss_mem_fw_read(fw, SS_MEM_FW_NOKEY, 0x10000, got, sizeof(got), &err) == 0);
	CHECK(memcmp(got, page, sizeof(page)) != 0);
	REQUIRE(ss_mem_fw_read(fw, 3, 0x10000, got, sizeof(got), &err) == 0);
	CHECK_MEM(got, page, sizeof(page));
	struct ss_sev_data_launch_update me = {.handle = h, .address = 0x20000, .len = 0x30};
	CHECK(tcmd(&t, C(LAUNCH_MEASURE), &me, sizeof(me)) == ST(SUCCESS));
	struct ss_sev_data_dbg dbg = {
	    .handle = h, .src_addr = 0x10000, .dst_addr = 0x30000, .len = 4096};
	CHECK(tcmd(&t, C(DBG_DECRYPT), &dbg, sizeof(dbg)) == ST(SUCCESS));
	REQUIRE(ss_mem_fw_read(fw, SS_MEM_FW_NOKEY, 0x30000, got, sizeof(got), &err) == 0);
	CHECK_MEM(got, page, sizeof(page));
	CHECK(by_handle(&t, C(DEACTIVATE), h) == ST(SUCCESS));
	CHECK(ss_mem_key_mode(m, 3) == 0);
	ss_psp_close(t.psp);
	ss_mem_destroy(m);
}

TEST_MAIN(names_come_from_the_tables, on_the_memory_model, platform_lifecycle,
	  get_id_length_query_and_stability, guest_lifecycle_wrong_orders,
	  nodbg_and_key_sharing_policies, resource_limit)
