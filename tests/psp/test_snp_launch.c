/* SNP guest contexts and the launch through the software AMD-SP on the memory model
 * (firmware-abi.md §4.2, §4.4-§4.9): GCTX_CREATE, ACTIVATE(_EX), DECOMMISSION, GUEST_STATUS,
 * LAUNCH_START/UPDATE/FINISH with every page type, the CPUID page policy, the ID block, DBG_*;
 * and a whole launch of real firmware whose final launch digest must equal what `softsev measure`
 * computes offline for the same firmware, kernel hashes and vCPUs. */
#include "harness.h"
#include "psp/snp_test.h"

#include <openssl/evp.h>
#include <softsev/abi/snp_page_info.h>
#include <softsev/crypto.h>
#include <softsev/idblock.h>
#include <softsev/measure.h>
#include <stdlib.h>

#include "psp/snp_internal.h"
#include "util/file.h"

#define POL_BASE  0x30000ull /* SMT | RSVD_MBO: QEMU's default */
#define POL_DEBUG (POL_BASE | (1ull << 19))
#define PG	  TSNP_PAGE

/* The host's page allocator: sPAs from 1 MiB up (the RMP is in the last MiB). */
struct host {
	struct tsnp t;
	uint64_t next;
};

static bool host_open(struct host *h)
{
	h->next = 0x100000;
	return tsnp_open(&h->t) == 0;
}

static uint64_t host_page(struct host *h)
{
	uint64_t pa = h->next;
	h->next += PG;
	return pa;
}

static uint32_t cmd(struct host *h, uint32_t c, void *buf, size_t len)
{
	return tsnp_cmd(&h->t, c, buf, len);
}

static uint32_t cmd_msg(struct host *h, uint32_t c, void *buf, size_t len, ss_error *e)
{
	return tsnp_cmd_msg(&h->t, c, buf, len, e);
}

static struct ss_rmp_entry rmp(struct host *h, uint64_t spa)
{
	struct ss_rmp_entry e;
	memset(&e, 0, sizeof(e));
	ss_error err;
	ss_mem_rmp_entry(h->t.m, spa, &e, &err);
	return e;
}

/* A new context in a fresh firmware page; returns its gctx_paddr or 0. */
static uint64_t gctx_new(struct host *h)
{
	uint64_t pa = host_page(h);
	if (tsnp_make_firmware(&h->t, pa))
		return 0;
	struct ss_snp_data_gctx d = {.gctx_paddr = pa};
	return cmd(h, SS_CMD_SNP_GCTX_CREATE, &d, sizeof(d)) ? 0 : pa;
}

static uint32_t launch_start(struct host *h, uint64_t gctx, uint64_t policy)
{
	struct ss_snp_data_launch_start d = {.gctx_paddr = gctx, .policy = policy};
	memset(d.gosvw, 0xA5, sizeof(d.gosvw));
	return cmd(h, SS_CMD_SNP_LAUNCH_START, &d, sizeof(d));
}

static uint32_t activate(struct host *h, uint64_t gctx, uint32_t asid)
{
	struct ss_snp_data_activate d = {.gctx_paddr = gctx, .asid = asid};
	return cmd(h, SS_CMD_SNP_ACTIVATE, &d, sizeof(d));
}

/* GCTX_CREATE, LAUNCH_START, ACTIVATE: what KVM's snp_launch_start does. */
static uint64_t guest_new(struct host *h, uint64_t policy, uint32_t asid)
{
	uint64_t g = gctx_new(h);
	if (!g || launch_start(h, g, policy) || activate(h, g, asid))
		return 0;
	return g;
}

static struct ss_snp_gctx *ctx(struct host *h, uint64_t gctx)
{
	return ss_psp_snp_find_gctx(h->t.psp, gctx);
}

static uint32_t update_flags(uint8_t type, bool imi)
{
	return ((uint32_t)type << 1) | (imi ? SS_SNP_LU_IMI_PAGE : 0);
}

/* The host puts plaintext (or nothing) at a fresh page, makes it pre-guest at gpa and issues
 * SNP_LAUNCH_UPDATE. *spa receives the page. */
static uint32_t add_page(struct host *h, uint64_t gctx, uint32_t asid, uint8_t type, uint64_t gpa,
			 const uint8_t *data, uint64_t *spa, ss_error *e)
{
	uint64_t pa = host_page(h);
	if (spa)
		*spa = pa;
	if (data && tsnp_host_write(&h->t, pa, data, PG))
		return 0xffff;
	if (tsnp_make_preguest(&h->t, pa, gpa, asid))
		return 0xffff;
	struct ss_snp_data_launch_update d = {
	    .gctx_paddr = gctx, .page_flags = update_flags(type, false), .page_paddr = pa};
	ss_error local;
	return cmd_msg(h, SS_CMD_SNP_LAUNCH_UPDATE, &d, sizeof(d), e ? e : &local);
}

/* The PAGE_INFO chain computed here with OpenSSL directly (firmware-abi.md §4.6). */
static void sha384(const void *d, size_t n, uint8_t out[48])
{
	unsigned len = 48;
	EVP_Digest(d, n, out, &len, EVP_sha384(), NULL);
}

static void extend(uint8_t ld[48], const uint8_t contents[48], uint8_t type, bool imi,
		   const uint8_t perms[3], uint64_t gpa)
{
	uint8_t pi[0x70] = {0};
	memcpy(pi, ld, 48);
	memcpy(pi + 0x30, contents, 48);
	pi[0x60] = 0x70;
	pi[0x62] = type;
	pi[0x63] = imi;
	if (perms)
		memcpy(pi + 0x65, perms, 3);
	for (int i = 0; i < 8; i++)
		pi[0x68 + i] = (uint8_t)(gpa >> (8 * i));
	sha384(pi, sizeof(pi), ld);
}

static const uint8_t zero48[48];

/* DRAM as stored (the memory model's bytes under no key: what a physical dump shows). */
static void dram(struct host *h, uint64_t spa, uint8_t *out)
{
	ss_mem_fw_read(h->t.fw, SS_MEM_FW_NOKEY, spa, out, PG, NULL);
}

static uint32_t dbg_decrypt(struct host *h, uint64_t gctx, uint64_t src, uint8_t *out)
{
	uint64_t dst = host_page(h);
	if (tsnp_make_firmware(&h->t, dst))
		return 0xffff;
	struct ss_snp_data_dbg d = {.gctx_paddr = gctx, .src_paddr = src, .dst_paddr = dst};
	uint32_t st = cmd(h, SS_CMD_SNP_DBG_DECRYPT, &d, sizeof(d));
	if (tsnp_reclaim(&h->t, dst))
		return 0xffff;
	if (!st && tsnp_host_read(&h->t, dst, out, PG))
		return 0xffff;
	return st;
}

/* ---- GCTX_CREATE, ACTIVATE, DECOMMISSION, GUEST_STATUS -----------------------------------------
 */

TEST(gctx_create)
{
	struct host h;
	REQUIRE(host_open(&h));
	uint64_t pa = host_page(&h);
	ss_error e;
	struct ss_snp_data_gctx d = {.gctx_paddr = pa};
	/* A hypervisor page is not a firmware page. */
	CHECK(cmd_msg(&h, SS_CMD_SNP_GCTX_CREATE, &d, sizeof(d), &e) == SS_SEV_INVALID_PAGE_STATE);
	CHECK_CONTAINS(e.msg, "gctx_create.gctx_paddr");
	REQUIRE(tsnp_make_firmware(&h.t, pa) == 0);
	d.gctx_paddr = pa + 8;
	CHECK(cmd_msg(&h, SS_CMD_SNP_GCTX_CREATE, &d, sizeof(d), &e) == SS_SEV_INVALID_ADDRESS);
	d.gctx_paddr = pa;
	CHECK(cmd(&h, SS_CMD_SNP_GCTX_CREATE, &d, sizeof(d)) == SS_SEV_SUCCESS);
	struct ss_rmp_entry r = rmp(&h, pa);
	CHECK(r.assigned && r.immutable && r.vmsa && !r.asid && !r.gpa && !r.validated);
	CHECK(cmd_msg(&h, SS_CMD_SNP_GCTX_CREATE, &d, sizeof(d), &e) == SS_SEV_INVALID_PAGE_STATE);
	CHECK_CONTAINS(e.msg, "already a guest context");
	REQUIRE(ctx(&h, pa) && ctx(&h, pa)->state == SS_SNP_GSTATE_INIT);
	/* A live context page cannot be reclaimed; after DECOMMISSION it is a firmware page again.
	 */
	struct ss_snp_data_page rp = {.paddr = pa};
	CHECK(cmd_msg(&h, SS_CMD_SNP_PAGE_RECLAIM, &rp, sizeof(rp), &e) ==
	      SS_SEV_INVALID_PAGE_STATE);
	CHECK(cmd(&h, SS_CMD_SNP_DECOMMISSION, &d, sizeof(d)) == SS_SEV_SUCCESS);
	CHECK(!ctx(&h, pa));
	r = rmp(&h, pa);
	CHECK(r.assigned && r.immutable && !r.vmsa && !r.asid);
	CHECK(tsnp_reclaim(&h.t, pa) == 0);
	CHECK(cmd_msg(&h, SS_CMD_SNP_DECOMMISSION, &d, sizeof(d), &e) == SS_SEV_INVALID_GUEST);
	/* RESOURCE_LIMIT once every context slot is used. */
	for (unsigned i = 0; i < SS_SNP_MAX_GCTX; i++)
		REQUIRE(gctx_new(&h) != 0);
	uint64_t extra = host_page(&h);
	REQUIRE(tsnp_make_firmware(&h.t, extra) == 0);
	d.gctx_paddr = extra;
	CHECK(cmd_msg(&h, SS_CMD_SNP_GCTX_CREATE, &d, sizeof(d), &e) == SS_SEV_RESOURCE_LIMIT);
	CHECK(ss_psp_snp_guest_count(h.t.psp) == SS_SNP_MAX_GCTX);
	tsnp_close(&h.t);
}

TEST(activate_and_asids)
{
	struct host h;
	REQUIRE(host_open(&h));
	ss_error e;
	uint64_t a = gctx_new(&h), b = gctx_new(&h);
	REQUIRE(a && b);
	/* ACTIVATE needs a launched context (GSTATE_INIT is refused by the dispatcher). */
	CHECK(activate(&h, a, 1) == SS_SEV_INVALID_GUEST_STATE);
	REQUIRE(launch_start(&h, a, POL_BASE) == 0 && launch_start(&h, b, POL_BASE) == 0);
	struct ss_snp_data_activate d = {.gctx_paddr = a, .asid = 0};
	CHECK(cmd_msg(&h, SS_CMD_SNP_ACTIVATE, &d, sizeof(d), &e) == SS_SEV_INVALID_ASID);
	d.asid = TSNP_ASIDS + 1;
	CHECK(cmd_msg(&h, SS_CMD_SNP_ACTIVATE, &d, sizeof(d), &e) == SS_SEV_INVALID_ASID);
	CHECK_CONTAINS(e.msg, "activate.asid");
	CHECK(activate(&h, a, 3) == SS_SEV_SUCCESS);
	CHECK(ss_mem_key_mode(h.t.m, 3) == SS_MEM_KEY_SNP);
	CHECK(activate(&h, a, 3) == SS_SEV_SUCCESS); /* the same ASID again */
	d.asid = 4;
	CHECK(cmd_msg(&h, SS_CMD_SNP_ACTIVATE, &d, sizeof(d), &e) == SS_SEV_ACTIVE);
	d.gctx_paddr = b;
	d.asid = 3;
	CHECK(cmd_msg(&h, SS_CMD_SNP_ACTIVATE, &d, sizeof(d), &e) == SS_SEV_ASID_OWNED);
	/* A legacy guest's ASID is just as taken (one ASID space). */
	h.t.psp->asids[5].state = SS_PSP_ASID_BOUND;
	h.t.psp->asids[5].handle = 7;
	d.asid = 5;
	CHECK(cmd_msg(&h, SS_CMD_SNP_ACTIVATE, &d, sizeof(d), &e) == SS_SEV_ASID_OWNED);
	CHECK_CONTAINS(e.msg, "legacy");
	h.t.psp->asids[5].state = SS_PSP_ASID_FREE;
	h.t.psp->asids[5].handle = 0;

	/* ACTIVATE_EX: ex_len, reserved, context, the APIC id list. */
	uint64_t ids_pa = host_page(&h);
	uint32_t ids[3] = {0, 2, 2};
	REQUIRE(tsnp_host_write(&h.t, ids_pa, ids, sizeof(ids)) == 0);
	struct ss_snp_data_activate_ex x = {
	    .ex_len = 0x20, .gctx_paddr = b, .asid = 6, .num_ids = 3, .ids_paddr = ids_pa};
	x.ex_len = 0x18;
	CHECK(cmd_msg(&h, SS_CMD_SNP_ACTIVATE_EX, &x, sizeof(x), &e) == SS_SEV_INVALID_LENGTH);
	x.ex_len = 0x20;
	x.reserved = 1;
	CHECK(cmd_msg(&h, SS_CMD_SNP_ACTIVATE_EX, &x, sizeof(x), &e) == SS_SEV_INVALID_PARAM);
	x.reserved = 0;
	x.gctx_paddr = b + PG * 100;
	CHECK(cmd_msg(&h, SS_CMD_SNP_ACTIVATE_EX, &x, sizeof(x), &e) == SS_SEV_INVALID_GUEST);
	x.gctx_paddr = b;
	CHECK(cmd_msg(&h, SS_CMD_SNP_ACTIVATE_EX, &x, sizeof(x), &e) == SS_SEV_INVALID_PARAM);
	CHECK_CONTAINS(e.msg, "APIC id");
	x.num_ids = 5000;
	CHECK(cmd_msg(&h, SS_CMD_SNP_ACTIVATE_EX, &x, sizeof(x), &e) == SS_SEV_INVALID_PARAM);
	x.num_ids = 2;
	CHECK(cmd(&h, SS_CMD_SNP_ACTIVATE_EX, &x, sizeof(x)) == SS_SEV_SUCCESS);
	CHECK(ctx(&h, b)->asid == 6);

	/* GUEST_STATUS: into a firmware page only. */
	uint64_t st_pa = host_page(&h);
	struct ss_snp_data_guest_status gs = {.gctx_paddr = b, .status_paddr = st_pa};
	CHECK(cmd_msg(&h, SS_CMD_SNP_GUEST_STATUS, &gs, sizeof(gs), &e) ==
	      SS_SEV_INVALID_PAGE_STATE);
	REQUIRE(tsnp_make_firmware(&h.t, st_pa) == 0);
	gs.status_paddr = st_pa + PG - 8;
	CHECK(cmd_msg(&h, SS_CMD_SNP_GUEST_STATUS, &gs, sizeof(gs), &e) == SS_SEV_INVALID_ADDRESS);
	gs.status_paddr = st_pa;
	CHECK(cmd(&h, SS_CMD_SNP_GUEST_STATUS, &gs, sizeof(gs)) == SS_SEV_SUCCESS);
	REQUIRE(tsnp_reclaim(&h.t, st_pa) == 0);
	struct ss_snp_guest_status s;
	REQUIRE(tsnp_host_read(&h.t, st_pa, &s, sizeof(s)) == 0);
	CHECK(s.policy == POL_BASE && s.asid == 6 && s.state == SS_SNP_GSTATE_LAUNCH);

	/* DECOMMISSION unloads the key; the ASID needs WBINVD + DF_FLUSH before reuse. */
	struct ss_snp_data_gctx dg = {.gctx_paddr = a};
	CHECK(cmd(&h, SS_CMD_SNP_DECOMMISSION, &dg, sizeof(dg)) == SS_SEV_SUCCESS);
	CHECK(ss_mem_key_mode(h.t.m, 3) == 0);
	uint64_t c = gctx_new(&h);
	REQUIRE(c && launch_start(&h, c, POL_BASE) == 0);
	d.gctx_paddr = c;
	d.asid = 3;
	CHECK(cmd_msg(&h, SS_CMD_SNP_ACTIVATE, &d, sizeof(d), &e) == SS_SEV_DFFLUSH_REQUIRED);
	CHECK(cmd_msg(&h, SS_CMD_SNP_DF_FLUSH, NULL, 0, &e) == SS_SEV_WBINVD_REQUIRED);
	ss_psp_wbinvd(h.t.psp);
	CHECK(cmd(&h, SS_CMD_SNP_DF_FLUSH, NULL, 0) == SS_SEV_SUCCESS);
	CHECK(activate(&h, c, 3) == SS_SEV_SUCCESS);
	tsnp_close(&h.t);
}

/* ---- LAUNCH_START --------------------------------------------------------------------------- */

TEST(launch_start_policy)
{
	struct host h;
	REQUIRE(host_open(&h));
	uint64_t g = gctx_new(&h);
	REQUIRE(g);
	ss_error e;
	struct ss_snp_data_launch_start d = {.gctx_paddr = g, .policy = POL_BASE};
	struct {
		uint64_t policy;
		uint32_t flags;
		uint64_t ma;
		uint32_t status;
		const char *what;
	} bad[] = {
	    {POL_BASE | (1ull << 26), 0, 0, SS_SEV_INVALID_PARAM, "reserved bits 63:26"},
	    {POL_BASE | (1ull << 63), 0, 0, SS_SEV_INVALID_PARAM, "reserved bits 63:26"},
	    {1ull << 16, 0, 0, SS_SEV_INVALID_PARAM, "bit 17"},
	    {POL_BASE | 0xFF00, 0, 0, SS_SEV_POLICY_FAILURE, "firmware ABI 255.0"},
	    {1ull << 17, 0, 0, SS_SEV_POLICY_FAILURE, "SMT"},
	    {POL_BASE | (1ull << 23), 0, 0, SS_SEV_POLICY_FAILURE, "RAPL"},
	    {POL_BASE | (1ull << 24), 0, 0, SS_SEV_POLICY_FAILURE, "ciphertext hiding"},
	    {POL_BASE, 4, 0, SS_SEV_INVALID_PARAM, "launch_start.flags"},
	    {POL_BASE, 0, 0x5000, SS_SEV_INVALID_PARAM, "ma_gctx_paddr"},
	    {POL_BASE, SS_SNP_LAUNCH_START_MA_EN, g, SS_SEV_POLICY_FAILURE, "migration agent"},
	    {POL_BASE | (1ull << 18), SS_SNP_LAUNCH_START_MA_EN, g, SS_SEV_INVALID_GUEST,
	     "ma_gctx_paddr"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		d.policy = bad[i].policy;
		d.flags = bad[i].flags;
		d.ma_gctx_paddr = bad[i].ma;
		uint32_t st = cmd_msg(&h, SS_CMD_SNP_LAUNCH_START, &d, sizeof(d), &e);
		if (st != bad[i].status || !strstr(e.msg, bad[i].what))
			printf("# case %zu: status 0x%x (%s)\n", i, st, e.msg);
		CHECK(st == bad[i].status);
		CHECK_CONTAINS(e.msg, bad[i].what);
		CHECK(ctx(&h, g)->state == SS_SNP_GSTATE_INIT);
	}
	/* A policy within the firmware's ABI (0.24 by default) and AES-256-XTS: a 64-byte VEK. */
	d.policy = POL_BASE | (0ull << 8) | 24 | (1ull << 22) | (1ull << 20);
	d.flags = SS_SNP_LAUNCH_START_IMI_EN;
	d.ma_gctx_paddr = 0;
	d.desired_tsc_khz = 2000000;
	memset(d.gosvw, 0x5A, sizeof(d.gosvw));
	REQUIRE(cmd(&h, SS_CMD_SNP_LAUNCH_START, &d, sizeof(d)) == SS_SEV_SUCCESS);
	struct ss_snp_gctx *c = ctx(&h, g);
	CHECK(c->state == SS_SNP_GSTATE_LAUNCH);
	CHECK(c->vek_len == 64);
	CHECK(c->imi_en && !c->ma_en && c->desired_tsc_khz == 2000000);
	CHECK_MEM(c->ld, zero48, 48);
	uint8_t ff[32];
	memset(ff, 0xFF, sizeof(ff));
	CHECK_MEM(c->report_id_ma, ff, 32);
	CHECK_MEM(c->launch_tcb, h.t.psp->snp->current_tcb, 8);
	CHECK(memcmp(c->vmpck[0], c->vmpck[1], 32) != 0);
	CHECK(cmd_msg(&h, SS_CMD_SNP_LAUNCH_START, &d, sizeof(d), &e) ==
	      SS_SEV_INVALID_GUEST_STATE);
	CHECK(activate(&h, g, 1) == SS_SEV_SUCCESS);

	/* A migration agent: a RUNNING context; the guest's REPORT_ID_MA is the MA's REPORT_ID. */
	uint64_t ma = gctx_new(&h);
	REQUIRE(ma);
	REQUIRE(launch_start(&h, ma, POL_BASE) == 0);
	uint64_t g2 = gctx_new(&h);
	REQUIRE(g2);
	struct ss_snp_data_launch_start m = {.gctx_paddr = g2,
					     .policy = POL_BASE | (1ull << 18),
					     .ma_gctx_paddr = ma,
					     .flags = SS_SNP_LAUNCH_START_MA_EN};
	CHECK(cmd_msg(&h, SS_CMD_SNP_LAUNCH_START, &m, sizeof(m), &e) ==
	      SS_SEV_INVALID_GUEST_STATE);
	struct ss_snp_data_launch_finish f = {.gctx_paddr = ma};
	REQUIRE(cmd(&h, SS_CMD_SNP_LAUNCH_FINISH, &f, sizeof(f)) == SS_SEV_SUCCESS);
	REQUIRE(cmd(&h, SS_CMD_SNP_LAUNCH_START, &m, sizeof(m)) == SS_SEV_SUCCESS);
	CHECK(ctx(&h, g2)->ma_en);
	CHECK_MEM(ctx(&h, g2)->report_id_ma, ctx(&h, ma)->report_id, 32);
	tsnp_close(&h.t);
}

/* ---- LAUNCH_UPDATE -------------------------------------------------------------------------- */

TEST(launch_update_refusals)
{
	struct host h;
	REQUIRE(host_open(&h));
	ss_error e;
	uint64_t g = gctx_new(&h);
	REQUIRE(g && launch_start(&h, g, POL_BASE) == 0);
	uint64_t pa = host_page(&h);
	struct ss_snp_data_launch_update d = {.gctx_paddr = g,
					      .page_flags = update_flags(SS_SNP_PAGE_NORMAL, false),
					      .page_paddr = pa};
	CHECK(cmd_msg(&h, SS_CMD_SNP_LAUNCH_UPDATE, &d, sizeof(d), &e) == SS_SEV_INACTIVE);
	REQUIRE(activate(&h, g, 2) == 0);
	/* A hypervisor page. */
	CHECK(cmd_msg(&h, SS_CMD_SNP_LAUNCH_UPDATE, &d, sizeof(d), &e) ==
	      SS_SEV_INVALID_PAGE_STATE);
	CHECK_CONTAINS(e.msg, "launch_update.page_paddr");
	/* Another guest's page. */
	REQUIRE(tsnp_make_preguest(&h.t, pa, 0x1000, 7) == 0);
	CHECK(cmd_msg(&h, SS_CMD_SNP_LAUNCH_UPDATE, &d, sizeof(d), &e) ==
	      SS_SEV_INVALID_PAGE_OWNER);
	/* This guest's page, but mutable (guest-invalid rather than pre-guest). */
	uint64_t mut = host_page(&h);
	REQUIRE(tsnp_rmpupdate(&h.t, mut, 0x2000, true, 2, false) == 0);
	d.page_paddr = mut;
	CHECK(cmd_msg(&h, SS_CMD_SNP_LAUNCH_UPDATE, &d, sizeof(d), &e) ==
	      SS_SEV_INVALID_PAGE_STATE);
	CHECK_CONTAINS(e.msg, "pre-guest");
	pa = host_page(&h);
	d.page_paddr = pa;
	REQUIRE(tsnp_make_preguest(&h.t, pa, 0x1000, 2) == 0);
	struct {
		uint32_t flags;
		uint64_t paddr;
		uint8_t perms1, rsvd18;
		uint32_t status;
	} bad[] = {
	    {0, pa, 0, 0, SS_SEV_INVALID_PARAM},			      /* page type 0 */
	    {7u << 1, pa, 0, 0, SS_SEV_INVALID_PARAM},			      /* page type 7 */
	    {1u << 5 | 2, pa, 0, 0, SS_SEV_INVALID_PARAM},		      /* undefined flag */
	    {update_flags(1, true), pa, 0, 0, SS_SEV_INVALID_PARAM},	      /* IMI w/o IMI_EN */
	    {update_flags(1, false) | 1, pa, 0, 0, SS_SEV_INVALID_PAGE_SIZE}, /* 2 MiB */
	    {update_flags(1, false), pa, 0x20, 0, SS_SEV_INVALID_PARAM},      /* perms bit 5 */
	    {update_flags(1, false), pa, 0, 1, SS_SEV_INVALID_PARAM},	      /* reserved 0x18 */
	    {update_flags(1, false), pa + 16, 0, 0, SS_SEV_INVALID_ADDRESS},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ss_snp_data_launch_update b = {.gctx_paddr = g,
						      .page_flags = bad[i].flags,
						      .page_paddr = bad[i].paddr,
						      .reserved_18 = bad[i].rsvd18,
						      .vmpl1_perms = bad[i].perms1};
		uint32_t st = cmd_msg(&h, SS_CMD_SNP_LAUNCH_UPDATE, &b, sizeof(b), &e);
		if (st != bad[i].status)
			printf("# case %zu: 0x%x %s\n", i, st, e.msg);
		CHECK(st == bad[i].status);
	}
	CHECK_MEM(ctx(&h, g)->ld, zero48, 48);
	/* After a successful update the page is guest-valid: adding it again is refused. */
	CHECK(cmd(&h, SS_CMD_SNP_LAUNCH_UPDATE, &d, sizeof(d)) == SS_SEV_SUCCESS);
	CHECK(cmd_msg(&h, SS_CMD_SNP_LAUNCH_UPDATE, &d, sizeof(d), &e) ==
	      SS_SEV_INVALID_PAGE_STATE);
	/* Not in RUNNING. */
	struct ss_snp_data_launch_finish f = {.gctx_paddr = g};
	REQUIRE(cmd(&h, SS_CMD_SNP_LAUNCH_FINISH, &f, sizeof(f)) == 0);
	CHECK(cmd_msg(&h, SS_CMD_SNP_LAUNCH_UPDATE, &d, sizeof(d), &e) ==
	      SS_SEV_INVALID_GUEST_STATE);
	tsnp_close(&h.t);
}

TEST(launch_update_page_types)
{
	struct host h;
	REQUIRE(host_open(&h));
	const uint32_t asid = 4;
	uint64_t g = gctx_new(&h);
	REQUIRE(g);
	struct ss_snp_data_launch_start ls = {
	    .gctx_paddr = g, .policy = POL_DEBUG, .flags = SS_SNP_LAUNCH_START_IMI_EN};
	memset(ls.gosvw, 0x3C, sizeof(ls.gosvw));
	REQUIRE(cmd(&h, SS_CMD_SNP_LAUNCH_START, &ls, sizeof(ls)) == 0);
	REQUIRE(activate(&h, g, asid) == 0);
	struct ss_snp_gctx *c = ctx(&h, g);
	uint8_t ld[48] = {0}, h48[48];
	static uint8_t page[PG], back[PG], raw[PG], vmsa[PG], zeroed[PG];
	static const uint8_t zpage[PG];
	ss_error e;

	/* NORMAL: encrypted in place, CONTENTS = SHA-384 of the plaintext. */
	for (unsigned i = 0; i < PG; i++)
		page[i] = (uint8_t)(i * 7 + 1);
	uint64_t n_pa;
	REQUIRE(add_page(&h, g, asid, SS_SNP_PAGE_NORMAL, 0x7000, page, &n_pa, &e) == 0);
	sha384(page, PG, h48);
	extend(ld, h48, SS_SNP_PAGE_NORMAL, false, NULL, 0x7000);
	CHECK_MEM(c->ld, ld, 48);
	struct ss_rmp_entry r = rmp(&h, n_pa);
	CHECK(r.assigned && !r.immutable && r.validated && !r.vmsa && r.asid == asid &&
	      r.gpa == 0x7000 && r.perms[0] == SS_RMP_PERM_ALL && !r.perms[1]);
	dram(&h, n_pa, raw);
	CHECK(memcmp(raw, page, PG) != 0); /* ciphertext in DRAM */

	/* ZERO: whatever the host left there, the guest sees zeros. */
	uint64_t z_pa;
	REQUIRE(add_page(&h, g, asid, SS_SNP_PAGE_ZERO, 0x8000, page, &z_pa, &e) == 0);
	extend(ld, zero48, SS_SNP_PAGE_ZERO, false, NULL, 0x8000);
	CHECK_MEM(c->ld, ld, 48);

	/* UNMEASURED: encrypted, contents not hashed. */
	uint64_t u_pa;
	REQUIRE(add_page(&h, g, asid, SS_SNP_PAGE_UNMEASURED, 0x9000, page, &u_pa, &e) == 0);
	extend(ld, zero48, SS_SNP_PAGE_UNMEASURED, false, NULL, 0x9000);
	CHECK_MEM(c->ld, ld, 48);

	/* SECRETS: filled by the firmware (§4.7). */
	uint64_t s_pa;
	REQUIRE(add_page(&h, g, asid, SS_SNP_PAGE_SECRETS, 0xA000, page, &s_pa, &e) == 0);
	extend(ld, zero48, SS_SNP_PAGE_SECRETS, false, NULL, 0xA000);
	CHECK_MEM(c->ld, ld, 48);

	/* VMSA: GUEST_TSC_SCALE/OFFSET count as zero in CONTENTS; the RMP marks the VMSA; VMPL
	 * permissions go into the RMP entry and PAGE_INFO. */
	vmsa[0x3B0] = 1; /* SEV_FEATURES.SNPActive */
	vmsa[0x2F3] = 0x77;
	vmsa[0x2FA] = 0x13;
	memcpy(zeroed, vmsa, PG);
	memset(zeroed + 0x2F0, 0, 16);
	uint64_t v_pa = host_page(&h);
	REQUIRE(tsnp_host_write(&h.t, v_pa, vmsa, PG) == 0);
	REQUIRE(tsnp_make_preguest(&h.t, v_pa, SS_SNP_VMSA_GPA, asid) == 0);
	struct ss_snp_data_launch_update vu = {.gctx_paddr = g,
					       .page_flags = update_flags(SS_SNP_PAGE_VMSA, false),
					       .page_paddr = v_pa,
					       .vmpl1_perms = 0x3,
					       .vmpl3_perms = 0x1};
	REQUIRE(cmd(&h, SS_CMD_SNP_LAUNCH_UPDATE, &vu, sizeof(vu)) == 0);
	sha384(zeroed, PG, h48);
	const uint8_t perms[3] = {0x3, 0, 0x1};
	extend(ld, h48, SS_SNP_PAGE_VMSA, false, perms, SS_SNP_VMSA_GPA);
	CHECK_MEM(c->ld, ld, 48);
	r = rmp(&h, v_pa);
	CHECK(r.vmsa && r.validated && !r.immutable && r.gpa == SS_SNP_VMSA_GPA);
	CHECK(r.perms[1] == 0x3 && r.perms[2] == 0 && r.perms[3] == 0x1);

	/* IMI pages extend the IMD, not the LD. */
	uint8_t imd[48] = {0};
	uint64_t i_pa = host_page(&h);
	REQUIRE(tsnp_host_write(&h.t, i_pa, page, PG) == 0);
	REQUIRE(tsnp_make_preguest(&h.t, i_pa, 0xB000, asid) == 0);
	struct ss_snp_data_launch_update iu = {.gctx_paddr = g,
					       .page_flags = update_flags(SS_SNP_PAGE_NORMAL, true),
					       .page_paddr = i_pa};
	REQUIRE(cmd(&h, SS_CMD_SNP_LAUNCH_UPDATE, &iu, sizeof(iu)) == 0);
	sha384(page, PG, h48);
	extend(imd, h48, SS_SNP_PAGE_NORMAL, true, NULL, 0xB000);
	CHECK_MEM(c->imd, imd, 48);
	CHECK_MEM(c->ld, ld, 48);

	/* Once RUNNING, the pages read back through DBG_DECRYPT. */
	struct ss_snp_data_launch_finish f = {.gctx_paddr = g};
	REQUIRE(cmd(&h, SS_CMD_SNP_LAUNCH_FINISH, &f, sizeof(f)) == 0);
	CHECK(dbg_decrypt(&h, g, n_pa, back) == 0);
	CHECK(!memcmp(back, page, PG));
	CHECK(dbg_decrypt(&h, g, z_pa, back) == 0);
	CHECK(!memcmp(back, zpage, PG));
	CHECK(dbg_decrypt(&h, g, u_pa, back) == 0);
	CHECK(!memcmp(back, page, PG));
	CHECK(dbg_decrypt(&h, g, v_pa, back) == 0);
	CHECK(!memcmp(back, vmsa, PG)); /* the stored VMSA keeps its TSC fields */
	CHECK(dbg_decrypt(&h, g, s_pa, back) == 0);
	struct ss_snp_secrets_page *sp = (struct ss_snp_secrets_page *)(void *)back;
	CHECK(sp->version == 3 && sp->imi_en == 1 && sp->fms == 0x00A00F11u);
	CHECK_MEM(sp->gosvw, ls.gosvw, 16);
	CHECK_MEM(sp->vmpck, c->vmpck, sizeof(c->vmpck));
	CHECK(sp->guest_os_area[0] == 0 && sp->tsc_factor == 0);
	tsnp_close(&h.t);
}

/* A CPUID page the part accepts: its own values (src/cpu/cpuid.c's Milan model). */
static void cpuid_good(struct ss_snp_cpuid_page *p)
{
	memset(p, 0, sizeof(*p));
	const struct ss_snp_cpuid_entry e[] = {
	    {.eax_in = 0, .eax = 0x10, .ebx = 0x68747541, .ecx = 0x444d4163, .edx = 0x69746e65},
	    {.eax_in = 1,
	     .eax = 0x00A00F11,
	     .ebx = 0x00010800,
	     .ecx = 0x80802001,
	     .edx = 0x178bfbfd},
	    {.eax_in = 7, .ebx = (1u << 7)},
	    {.eax_in = 0xD, .xcr0_in = 3, .eax = 3, .ebx = 576, .ecx = 576},
	    {.eax_in = 0x80000001u, .eax = 0x00A00F11, .ecx = 0x121, .edx = 0x2c100800},
	    {.eax_in = 0x80000008u, .eax = 0x3030},
	    {.eax_in = 0x8000001Fu, .eax = 0x0101FD3F, .ebx = 0x4133, .ecx = 0xFD, .edx = 0xF},
	};
	p->count = sizeof(e) / sizeof(e[0]);
	memcpy(p->entries, e, sizeof(e));
}

TEST(cpuid_page)
{
	struct host h;
	REQUIRE(host_open(&h));
	const uint32_t asid = 1;
	uint64_t g = guest_new(&h, POL_DEBUG, asid);
	REQUIRE(g);
	struct ss_snp_gctx *c = ctx(&h, g);
	ss_error e;
	struct ss_snp_cpuid_page *p = malloc(sizeof(*p)), *back = malloc(sizeof(*p));
	REQUIRE(p && back);
	cpuid_good(p);
	uint64_t pa;
	CHECK(add_page(&h, g, asid, SS_SNP_PAGE_CPUID, 0x5000, (uint8_t *)p, &pa, &e) == 0);
	uint8_t ld[48] = {0};
	extend(ld, zero48, SS_SNP_PAGE_CPUID, false, NULL, 0x5000);
	CHECK_MEM(c->ld, ld, 48);

	/* Each kind of offence is refused with INVALID_PARAM naming it, and corrected. */
	struct ss_snp_cpuid_page want;
	cpuid_good(&want);
	cpuid_good(p);
	p->entries[4].edx |= 1u << 31;		   /* 3DNow!: not offered by the part */
	p->entries[1].eax = 0x00A10F11;		   /* wrong FMS (Genoa on a Milan) */
	p->entries[6].ebx = 0x4134;		   /* C-bit position 52 */
	p->entries[5].eax = 0x3040;		   /* 64 linear address bits */
	p->entries[2].reserved = 5;		   /* reserved qword */
	p->entries[p->count].eax_in = 0x40000000u; /* a hypervisor leaf the part has not */
	p->entries[p->count].eax = 0x40000001u;
	want.entries[want.count].eax_in = 0x40000000u;
	p->count++;
	want.count++;
	uint64_t bad_pa;
	CHECK(add_page(&h, g, asid, SS_SNP_PAGE_CPUID, 0x6000, (uint8_t *)p, &bad_pa, &e) ==
	      SS_SEV_INVALID_PARAM);
	CHECK_CONTAINS(e.msg, "CPUID entry");
	CHECK_MEM(c->ld, ld, 48); /* not added */
	struct ss_rmp_entry r = rmp(&h, bad_pa);
	CHECK(r.immutable && !r.validated && r.asid == asid); /* still pre-guest */
	/* The host reclaims the page and reads the corrected version in the clear. */
	REQUIRE(tsnp_reclaim(&h.t, bad_pa) == 0);
	REQUIRE(tsnp_host_read(&h.t, bad_pa, back, sizeof(*back)) == 0);
	CHECK(!memcmp(back, &want, sizeof(want)));
	for (unsigned i = 0; i < want.count; i++)
		if (memcmp(&back->entries[i], &want.entries[i], sizeof(want.entries[i])))
			printf("# corrected entry %u differs\n", i);
	/* Resubmitted as corrected, it is accepted. */
	CHECK(add_page(&h, g, asid, SS_SNP_PAGE_CPUID, 0x6000, (uint8_t *)back, NULL, &e) == 0);

	/* COUNT above 64, sub-leaf rules. */
	cpuid_good(p);
	p->count = 65;
	CHECK(add_page(&h, g, asid, SS_SNP_PAGE_CPUID, 0x7000, (uint8_t *)p, NULL, &e) ==
	      SS_SEV_INVALID_PARAM);
	CHECK_CONTAINS(e.msg, "COUNT 65");
	cpuid_good(p);
	p->entries[4].ecx_in = 1;
	CHECK(add_page(&h, g, asid, SS_SNP_PAGE_CPUID, 0x7000, (uint8_t *)p, NULL, &e) ==
	      SS_SEV_INVALID_PARAM);
	CHECK_CONTAINS(e.msg, "no sub-leaves");
	cpuid_good(p);
	p->entries[2].ecx_in = 1; /* leaf 7 sub-leaf 1: the part returns zeros there */
	p->entries[2].ebx = 1;
	CHECK(add_page(&h, g, asid, SS_SNP_PAGE_CPUID, 0x7000, (uint8_t *)p, NULL, &e) ==
	      SS_SEV_INVALID_PARAM);
	CHECK_CONTAINS(e.msg, "leaf 0x7.1");
	/* The accepted page reads back unchanged once the guest runs. */
	struct ss_snp_data_launch_finish f = {.gctx_paddr = g};
	REQUIRE(cmd(&h, SS_CMD_SNP_LAUNCH_FINISH, &f, sizeof(f)) == 0);
	cpuid_good(p);
	CHECK(dbg_decrypt(&h, g, pa, (uint8_t *)back) == 0);
	CHECK(!memcmp(back, p, sizeof(*p)));
	free(p);
	free(back);
	tsnp_close(&h.t);
}

/* ---- LAUNCH_FINISH and the ID block ------------------------------------------------------------
 */

struct idkeys {
	ss_eckey *id, *author;
};

/* Writes an ID block (params) and its auth info signed by k into fresh host pages. */
static void idblock_pages(struct host *h, const ss_idblock_params *prm, const struct idkeys *k,
			  bool with_author, uint64_t *blk_pa, uint64_t *auth_pa,
			  ss_snp_id_auth_info *auth_out)
{
	ss_snp_id_block blk;
	ss_idblock_build(prm, &blk);
	ss_snp_id_auth_info *auth = calloc(1, sizeof(*auth));
	ss_error e;
	if (!auth || ss_idblock_sign(&blk, k->id, with_author ? k->author : NULL, auth, &e))
		printf("# ss_idblock_sign failed\n");
	*blk_pa = host_page(h);
	*auth_pa = host_page(h);
	tsnp_host_write(&h->t, *blk_pa, &blk, sizeof(blk));
	tsnp_host_write(&h->t, *auth_pa, auth, sizeof(*auth));
	if (auth_out)
		memcpy(auth_out, auth, sizeof(*auth));
	free(auth);
}

static uint32_t finish(struct host *h, uint64_t g, uint64_t blk, uint64_t auth, uint64_t flags,
		       ss_error *e)
{
	struct ss_snp_data_launch_finish f = {
	    .gctx_paddr = g, .id_block_paddr = blk, .id_auth_paddr = auth, .flags = flags};
	memset(f.host_data, 0xD7, sizeof(f.host_data));
	return cmd_msg(h, SS_CMD_SNP_LAUNCH_FINISH, &f, sizeof(f), e);
}

TEST(launch_finish_id_block)
{
	struct host h;
	REQUIRE(host_open(&h));
	struct idkeys k = {0};
	ss_error e;
	REQUIRE(ss_eckey_generate_p384(&k.id, &e) == 0);
	REQUIRE(ss_eckey_generate_p384(&k.author, &e) == 0);
	uint64_t g = guest_new(&h, POL_BASE, 1);
	REQUIRE(g);
	uint8_t page[PG];
	memset(page, 0x42, sizeof(page));
	REQUIRE(add_page(&h, g, 1, SS_SNP_PAGE_NORMAL, 0x1000, page, NULL, &e) == 0);
	struct ss_snp_gctx *c = ctx(&h, g);
	ss_idblock_params prm = {.version = 1, .guest_svn = 9, .policy = POL_BASE};
	memcpy(prm.ld, c->ld, 48);
	memset(prm.family_id, 0xF1, 16);
	memset(prm.image_id, 0x1E, 16);
	uint64_t blk, auth;
	const uint64_t ID = SS_SNP_LF_ID_BLOCK_EN, AUTH = SS_SNP_LF_AUTH_KEY_EN;

	/* Wrong LD. */
	ss_idblock_params bad = prm;
	bad.ld[0] ^= 1;
	idblock_pages(&h, &bad, &k, false, &blk, &auth, NULL);
	CHECK(finish(&h, g, blk, auth, ID, &e) == SS_SEV_BAD_MEASUREMENT);
	/* Wrong policy. */
	bad = prm;
	bad.policy = POL_DEBUG;
	idblock_pages(&h, &bad, &k, false, &blk, &auth, NULL);
	CHECK(finish(&h, g, blk, auth, ID, &e) == SS_SEV_POLICY_FAILURE);
	/* A signature that does not verify. */
	ss_snp_id_auth_info *ai = malloc(sizeof(*ai));
	REQUIRE(ai);
	idblock_pages(&h, &prm, &k, true, &blk, &auth, ai);
	((uint8_t *)ai)[0x40] ^= 1; /* ID_BLOCK_SIG.R */
	REQUIRE(tsnp_host_write(&h.t, auth, ai, sizeof(*ai)) == 0);
	CHECK(finish(&h, g, blk, auth, ID, &e) == SS_SEV_BAD_SIGNATURE);
	/* ... or an author signature over the ID key that does not verify. */
	((uint8_t *)ai)[0x40] ^= 1;
	((uint8_t *)ai)[0x680] ^= 1; /* ID_KEY_SIG.R */
	REQUIRE(tsnp_host_write(&h.t, auth, ai, sizeof(*ai)) == 0);
	CHECK(finish(&h, g, blk, auth, ID | AUTH, &e) == SS_SEV_BAD_SIGNATURE);
	/* Flag rules; a malformed structure. */
	CHECK(finish(&h, g, blk, auth, AUTH, &e) == SS_SEV_INVALID_PARAM);
	CHECK(finish(&h, g, blk, auth, 8, &e) == SS_SEV_INVALID_PARAM);
	((uint8_t *)ai)[0x680] ^= 1;
	ai->id_key_algo = 2;
	REQUIRE(tsnp_host_write(&h.t, auth, ai, sizeof(*ai)) == 0);
	CHECK(finish(&h, g, blk, auth, ID, &e) == SS_SEV_INVALID_PARAM);
	CHECK(finish(&h, g, blk, 0xFFFFFFFFF000ull, ID, &e) == SS_SEV_INVALID_ADDRESS);
	CHECK(c->state == SS_SNP_GSTATE_LAUNCH);

	/* The matching ID block with its author key: accepted, its values stored. */
	idblock_pages(&h, &prm, &k, true, &blk, &auth, NULL);
	CHECK(finish(&h, g, blk, auth, ID | AUTH | SS_SNP_LF_VCEK_DISABLED, &e) == 0);
	CHECK(c->state == SS_SNP_GSTATE_RUNNING);
	uint8_t idd[48], authd[48], hd[32];
	REQUIRE(ss_idblock_key_digest(k.id, idd, &e) == 0);
	REQUIRE(ss_idblock_key_digest(k.author, authd, &e) == 0);
	CHECK_MEM(c->id_key_digest, idd, 48);
	CHECK_MEM(c->author_key_digest, authd, 48);
	CHECK_MEM(c->family_id, prm.family_id, 16);
	CHECK_MEM(c->image_id, prm.image_id, 16);
	memset(hd, 0xD7, sizeof(hd));
	CHECK_MEM(c->host_data, hd, 32);
	CHECK(c->guest_svn == 9 && c->id_block_en && c->author_key_en && c->vcek_disabled);
	CHECK(finish(&h, g, blk, auth, ID, &e) == SS_SEV_INVALID_GUEST_STATE);

	/* Without AUTH_KEY_EN the author key is ignored and its digest stays zero. */
	uint64_t g2 = guest_new(&h, POL_BASE, 2);
	REQUIRE(g2);
	ss_idblock_params p2 = prm;
	memcpy(p2.ld, ctx(&h, g2)->ld, 48);
	idblock_pages(&h, &p2, &k, true, &blk, &auth, NULL);
	CHECK(finish(&h, g2, blk, auth, ID, &e) == 0);
	CHECK(!ctx(&h, g2)->author_key_en);
	CHECK_MEM(ctx(&h, g2)->author_key_digest, zero48, 48);
	CHECK_MEM(ctx(&h, g2)->id_key_digest, idd, 48);
	free(ai);
	ss_eckey_free(k.id);
	ss_eckey_free(k.author);
	tsnp_close(&h.t);
}

/* ---- DBG_DECRYPT / DBG_ENCRYPT ------------------------------------------------------------------
 */

TEST(dbg)
{
	struct host h;
	REQUIRE(host_open(&h));
	ss_error e;
	uint8_t page[PG], back[PG];
	memset(page, 0x61, sizeof(page));
	/* A guest without DEBUG in its policy. */
	uint64_t nd = guest_new(&h, POL_BASE, 1);
	REQUIRE(nd);
	uint64_t nd_pa;
	REQUIRE(add_page(&h, nd, 1, SS_SNP_PAGE_NORMAL, 0x1000, page, &nd_pa, &e) == 0);
	uint64_t dst = host_page(&h);
	REQUIRE(tsnp_make_firmware(&h.t, dst) == 0);
	struct ss_snp_data_dbg d = {.gctx_paddr = nd, .src_paddr = nd_pa, .dst_paddr = dst};
	CHECK(cmd_msg(&h, SS_CMD_SNP_DBG_DECRYPT, &d, sizeof(d), &e) ==
	      SS_SEV_INVALID_GUEST_STATE); /* still launching */
	struct ss_snp_data_launch_finish f = {.gctx_paddr = nd};
	REQUIRE(cmd(&h, SS_CMD_SNP_LAUNCH_FINISH, &f, sizeof(f)) == 0);
	CHECK(cmd_msg(&h, SS_CMD_SNP_DBG_DECRYPT, &d, sizeof(d), &e) == SS_SEV_POLICY_FAILURE);
	CHECK(cmd_msg(&h, SS_CMD_SNP_DBG_ENCRYPT, &d, sizeof(d), &e) == SS_SEV_POLICY_FAILURE);

	uint64_t g = guest_new(&h, POL_DEBUG, 2);
	REQUIRE(g);
	uint64_t g_pa;
	REQUIRE(add_page(&h, g, 2, SS_SNP_PAGE_NORMAL, 0x2000, page, &g_pa, &e) == 0);
	f.gctx_paddr = g;
	REQUIRE(cmd(&h, SS_CMD_SNP_LAUNCH_FINISH, &f, sizeof(f)) == 0);
	d.gctx_paddr = g;
	d.src_paddr = g_pa;
	/* Page-state rules: src must be this guest's, dst a firmware page, both aligned. */
	d.src_paddr = nd_pa;
	CHECK(cmd_msg(&h, SS_CMD_SNP_DBG_DECRYPT, &d, sizeof(d), &e) == SS_SEV_INVALID_PAGE_OWNER);
	d.src_paddr = g_pa + 16;
	CHECK(cmd_msg(&h, SS_CMD_SNP_DBG_DECRYPT, &d, sizeof(d), &e) == SS_SEV_INVALID_ADDRESS);
	d.src_paddr = g_pa;
	d.dst_paddr = host_page(&h);
	CHECK(cmd_msg(&h, SS_CMD_SNP_DBG_DECRYPT, &d, sizeof(d), &e) == SS_SEV_INVALID_PAGE_STATE);
	CHECK_CONTAINS(e.msg, "dbg_decrypt.dst_paddr");
	d.dst_paddr = dst;
	d.src_paddr = host_page(&h);
	CHECK(cmd_msg(&h, SS_CMD_SNP_DBG_DECRYPT, &d, sizeof(d), &e) == SS_SEV_INVALID_PAGE_STATE);
	/* A pre-guest page is not yet the guest's. */
	uint64_t pre = host_page(&h);
	REQUIRE(tsnp_make_preguest(&h.t, pre, 0x9000, 2) == 0);
	d.src_paddr = pre;
	CHECK(cmd_msg(&h, SS_CMD_SNP_DBG_DECRYPT, &d, sizeof(d), &e) == SS_SEV_INVALID_PAGE_STATE);

	/* ENCRYPT from a firmware page into the guest's page, DECRYPT it back. */
	uint8_t msg[PG];
	for (unsigned i = 0; i < PG; i++)
		msg[i] = (uint8_t)(i ^ 0x5C);
	uint64_t src = host_page(&h);
	REQUIRE(tsnp_host_write(&h.t, src, msg, PG) == 0);
	REQUIRE(tsnp_make_firmware(&h.t, src) == 0);
	struct ss_snp_data_dbg en = {.gctx_paddr = g, .src_paddr = src, .dst_paddr = g_pa};
	CHECK(cmd(&h, SS_CMD_SNP_DBG_ENCRYPT, &en, sizeof(en)) == 0);
	uint8_t raw[PG];
	dram(&h, g_pa, raw);
	CHECK(memcmp(raw, msg, PG) != 0);
	CHECK(dbg_decrypt(&h, g, g_pa, back) == 0);
	CHECK(!memcmp(back, msg, PG));
	tsnp_close(&h.t);
}

/* ---- a whole launch of real firmware -----------------------------------------------------------
 */

struct step {
	uint64_t gpa;
	uint8_t type;
	const char *what;
	long item;
	uint8_t contents[48];
};

struct steps {
	struct step *s;
	size_t n, cap;
	uint8_t *vmsa; /* one page per vCPU */
	long vcpus;
};

static void on_step(void *ctx_, const ss_measure_step *st)
{
	struct steps *ss = ctx_;
	if (ss->n == ss->cap) {
		ss->cap = ss->cap ? 2 * ss->cap : 1024;
		ss->s = realloc(ss->s, ss->cap * sizeof(*ss->s));
	}
	struct step *s = &ss->s[ss->n++];
	s->gpa = st->gpa;
	s->type = st->page_type;
	s->what = st->what;
	s->item = st->item;
	memcpy(s->contents, st->contents, 48);
}

static int on_vmsa(void *ctx_, long vcpu, const uint8_t page[SS_VMSA_SIZE], ss_error *err)
{
	struct steps *ss = ctx_;
	(void)err;
	if (vcpu < ss->vcpus)
		memcpy(ss->vmsa + (size_t)vcpu * PG, page, PG);
	return 0;
}

static uint8_t *read_file(const char *path, size_t *len)
{
	uint8_t *d = NULL;
	ss_error e;
	if (ss_read_file(path, 64u << 20, &d, len, &e)) {
		printf("# %s\n", e.msg);
		return NULL;
	}
	return d;
}

/* Launches the firmware through the PSP with the same pages `softsev measure` measures (the
 * library's step list: NORMAL firmware and kernel-hashes pages with their plaintext, ZERO,
 * SECRETS, CPUID and VMSA pages at the same GPAs) and checks the PSP's launch digest equals the
 * offline one; then finishes with an ID block over that digest and checks the guest's pages
 * are ciphertext in DRAM and plaintext through DBG_DECRYPT. */
static void launch_firmware(const uint8_t *fw, size_t fw_len, const ss_measure_opts *base,
			    const uint8_t *hashes_page)
{
	struct steps ss = {0};
	ss.vcpus = base->vcpus;
	ss.vmsa = calloc((size_t)base->vcpus, PG);
	ss_measure_opts o = *base;
	o.on_step = on_step;
	o.step_ctx = &ss;
	o.on_vmsa = on_vmsa;
	o.vmsa_ctx = &ss;
	uint8_t expect[48];
	size_t dlen;
	ss_error e;
	REQUIRE(ss.vmsa && ss_measure(&o, expect, &dlen, &e) == 0 && dlen == 48);

	struct host h;
	REQUIRE(host_open(&h));
	const uint32_t asid = 9;
	uint64_t g = guest_new(&h, POL_DEBUG, asid);
	REQUIRE(g);
	uint64_t fw_gpa = 0x100000000ull - fw_len;
	uint8_t *page = malloc(PG);
	struct ss_snp_cpuid_page cp;
	cpuid_good(&cp);
	uint64_t first_pa = 0, secrets_pa = 0;
	long vmsa_i = 0;
	size_t done = 0;
	for (size_t i = 0; i < ss.n; i++) {
		const struct step *s = &ss.s[i];
		memset(page, 0xEE, PG); /* what the host leaves in pages the firmware fills */
		if (s->type == SS_SNP_PAGE_NORMAL && !strcmp(s->what, "ovmf")) {
			REQUIRE(s->gpa >= fw_gpa && s->gpa - fw_gpa + PG <= fw_len);
			memcpy(page, fw + (s->gpa - fw_gpa), PG);
		} else if (s->type == SS_SNP_PAGE_NORMAL) {
			REQUIRE(hashes_page && !strcmp(s->what, "kernel-hashes"));
			memcpy(page, hashes_page, PG);
		} else if (s->type == SS_SNP_PAGE_CPUID) {
			memcpy(page, &cp, PG);
		} else if (s->type == SS_SNP_PAGE_VMSA) {
			REQUIRE(vmsa_i < base->vcpus);
			memcpy(page, ss.vmsa + (size_t)vmsa_i++ * PG, PG);
		}
		if (s->type == SS_SNP_PAGE_NORMAL || s->type == SS_SNP_PAGE_VMSA) {
			uint8_t hsh[48];
			sha384(page, PG, hsh);
			CHECK_MEM(hsh, s->contents, 48); /* the page we add is the one measured */
		}
		uint64_t pa;
		uint32_t st = add_page(&h, g, asid, s->type, s->gpa, page, &pa, &e);
		if (st) {
			printf("# step %zu (%s, %s, gpa 0x%llx): 0x%x %s\n", i, s->what,
			       ss_snp_page_type_name(s->type), (unsigned long long)s->gpa, st,
			       e.msg);
			break;
		}
		if (!first_pa)
			first_pa = pa;
		if (s->type == SS_SNP_PAGE_SECRETS)
			secrets_pa = pa;
		done++;
	}
	CHECK(done == ss.n);
	CHECK(vmsa_i == base->vcpus);
	struct ss_snp_gctx *c = ctx(&h, g);
	CHECK_MEM(c->ld, expect, 48);

	/* The ID block over the offline digest is accepted. */
	struct idkeys k = {0};
	REQUIRE(ss_eckey_generate_p384(&k.id, &e) == 0);
	ss_idblock_params prm = {.version = 1, .policy = POL_DEBUG};
	memcpy(prm.ld, expect, 48);
	uint64_t blk, auth;
	idblock_pages(&h, &prm, &k, false, &blk, &auth, NULL);
	CHECK(finish(&h, g, blk, auth, SS_SNP_LF_ID_BLOCK_EN, &e) == 0);
	CHECK(c->state == SS_SNP_GSTATE_RUNNING);

	/* The first firmware page: ciphertext in DRAM, plaintext through DBG_DECRYPT. */
	uint8_t *raw = malloc(PG), *back = malloc(PG);
	REQUIRE(raw && back && first_pa);
	dram(&h, first_pa, raw);
	CHECK(memcmp(raw, fw, PG) != 0);
	CHECK(dbg_decrypt(&h, g, first_pa, back) == 0);
	CHECK(!memcmp(back, fw, PG));
	if (secrets_pa) {
		CHECK(dbg_decrypt(&h, g, secrets_pa, back) == 0);
		CHECK(((struct ss_snp_secrets_page *)(void *)back)->version == 3);
		CHECK_MEM(((struct ss_snp_secrets_page *)(void *)back)->vmpck, c->vmpck,
			  sizeof(c->vmpck));
	}
	printf("# launched %zu pages, LD matches ss_measure\n", done);
	free(raw);
	free(back);
	free(page);
	free(ss.s);
	free(ss.vmsa);
	ss_eckey_free(k.id);
	tsnp_close(&h.t);
}

static const char *ovmf_dir(void)
{
	const char *d = getenv("SOFTSEV_OVMF_DIR");
	return d && *d ? d : "/usr/share/ovmf";
}

TEST(launch_debian_ovmf)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/OVMF.fd", ovmf_dir());
	size_t len;
	uint8_t *fw = read_file(path, &len);
	REQUIRE(fw);
	ss_measure_opts o;
	ss_measure_opts_init(&o);
	o.mode = SS_MEASURE_SNP;
	o.ovmf = fw;
	o.ovmf_len = len;
	o.vcpus = 2;
	REQUIRE(ss_vcpu_type_sig("EPYC-Milan", &o.vcpu_sig));
	o.has_vcpu_sig = true;
	launch_firmware(fw, len, &o, NULL);
	free(fw);
}

/* Debian's OVMF.fd with the AmdSev footer of the measure fixtures (vectors/measure/README.md):
 * a firmware with a kernel-hashes page, measured with a kernel, initrd and command line. */
TEST(launch_amdsev_with_kernel_hashes)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/OVMF.fd", ovmf_dir());
	size_t len, slen;
	uint8_t *fw = read_file(path, &len);
	const char *vec = getenv("SOFTSEV_VECTORS");
	char spath[4096];
	snprintf(spath, sizeof(spath), "%s/measure/ovmf_AmdSev_suffix.bin",
		 vec ? vec : "../shared/vectors");
	uint8_t *suffix = read_file(spath, &slen);
	REQUIRE(fw && suffix && slen == PG && len > PG);
	memcpy(fw + len - PG, suffix, PG);
	static uint8_t kernel[70000], initrd[5000];
	for (size_t i = 0; i < sizeof(kernel); i++)
		kernel[i] = (uint8_t)(i * 13);
	memset(initrd, 0x1D, sizeof(initrd));
	const char *append = "console=ttyS0 softsev";
	ss_measure_opts o;
	ss_measure_opts_init(&o);
	o.mode = SS_MEASURE_SNP;
	o.ovmf = fw;
	o.ovmf_len = len;
	o.vcpus = 1;
	o.vcpu_sig = 0x00800F12ull; /* EPYC-v4 */
	o.has_vcpu_sig = true;
	o.has_kernel = true;
	o.kernel = kernel;
	o.kernel_len = sizeof(kernel);
	o.has_initrd = true;
	o.initrd = initrd;
	o.initrd_len = sizeof(initrd);
	o.append = append;
	o.guest_features = 0x21;
	/* The hashes page as the VMM builds it: the table at SEV_HASH_TABLE_RV's offset. */
	ss_ovmf ov;
	ss_error e;
	REQUIRE(ss_ovmf_parse(fw, len, &ov, &e) == 0);
	REQUIRE(ov.has_hash_table);
	uint8_t *hp = calloc(1, PG);
	REQUIRE(hp);
	REQUIRE(ss_sev_hashes_build(kernel, sizeof(kernel), initrd, sizeof(initrd), append,
				    hp + (ov.hash_table_gpa & 0xFFF)) == 0);
	ss_ovmf_free(&ov);
	launch_firmware(fw, len, &o, hp);
	free(hp);
	free(fw);
	free(suffix);
}

TEST_MAIN(gctx_create, activate_and_asids, launch_start_policy, launch_update_refusals,
	  launch_update_page_types, cpuid_page, launch_finish_id_block, dbg, launch_debian_ovmf,
	  launch_amdsev_with_kernel_hashes)
