/* The SEV-SNP platform commands on the memory model (firmware-abi.md §4.2, §4.3, §6): each
 * command's success path, each refusal with its status and the field its message names, the TCB
 * rules, the wrapped VLEK, persistence of the committed TCB and the identity shared with KDS. */
#include "harness.h"
#include "psp/snp_internal.h"
#include "snp_test.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define MILAN_TCB 0x7308000000000003ull
#define PG_A	  0x100000u /* scratch pages, far from the RMP at 15 MiB */
#define PG_B	  0x101000u
#define PG_C	  0x102000u

static ss_error E;

/* Runs cmd and checks its status and that the message names `field`. */
#define CHECK_REFUSED(t, cmd, buf, len, status, field)                                             \
	do {                                                                                       \
		CHECK(tsnp_cmd_msg(t, cmd, buf, len, &E) == (status));                             \
		CHECK_CONTAINS(E.msg, field);                                                      \
	} while (0)

TEST(init_needs_rmp_and_uninit)
{
	struct tsnp t;
	struct tsnp_opts o = {.no_rmp = true, .no_init = true};
	REQUIRE(tsnp_open_opts(&t, &o) == 0);
	/* Status works before SNP_INIT, on any memory: UNINIT, no RMP, the default Milan TCB. */
	struct ss_snp_data_platform_status d = {.status_paddr = PG_A};
	CHECK(tsnp_cmd(&t, SS_CMD_SNP_PLATFORM_STATUS, &d, sizeof(d)) == 0);
	struct ss_snp_platform_status s;
	REQUIRE(tsnp_host_read(&t, PG_A, &s, sizeof(s)) == 0);
	CHECK(s.state == SS_SNP_PLATFORM_UNINIT && s.is_rmp_init == 0 && s.guest_count == 0);
	CHECK(s.current_tcb == MILAN_TCB && s.reported_tcb == MILAN_TCB);
	/* No RMP on this memory: SNP_INIT says so. */
	CHECK_REFUSED(&t, SS_CMD_SNP_INIT, NULL, 0, SS_SEV_RMP_INIT_REQUIRED, "RMP");
	/* Everything but INIT and STATUS needs SNP INIT. */
	struct ss_snp_data_commit c = {.len = 4};
	CHECK_REFUSED(&t, SS_CMD_SNP_COMMIT, &c, sizeof(c), SS_SEV_INVALID_PLATFORM_STATE,
		      "UNINIT");
	tsnp_close(&t);

	o.no_rmp = false;
	REQUIRE(tsnp_open_opts(&t, &o) == 0);
	/* The legacy platform first is the wrong order (§4.2). */
	struct ss_sev_data_init li = {0};
	REQUIRE(tsnp_cmd(&t, SS_SEV_CMD_INIT, &li, sizeof(li)) == 0);
	CHECK_REFUSED(&t, SS_CMD_SNP_INIT, NULL, 0, SS_SEV_INVALID_PLATFORM_STATE, "legacy");
	REQUIRE(tsnp_cmd(&t, SS_SEV_CMD_SHUTDOWN, NULL, 0) == 0);
	CHECK(tsnp_cmd(&t, SS_CMD_SNP_INIT, NULL, 0) == 0);
	CHECK_REFUSED(&t, SS_CMD_SNP_INIT, NULL, 0, SS_SEV_INVALID_PLATFORM_STATE, "INIT");
	/* Then the legacy platform comes up beside SNP. */
	CHECK(tsnp_cmd(&t, SS_SEV_CMD_INIT, &li, sizeof(li)) == 0);
	REQUIRE(tsnp_status(&t, PG_B, &s) == 0);
	CHECK(s.state == SS_SNP_PLATFORM_INIT && s.is_rmp_init == 1);
	CHECK(s.flags == SS_SNP_STATUS_FEATURE_INFO);
	CHECK(s.api_major == 0 && s.api_minor == 24 && s.build_id == 15);
	tsnp_close(&t);
}

TEST(init_ex_flags_and_range_list)
{
	struct tsnp t;
	struct tsnp_opts o = {.no_init = true};
	REQUIRE(tsnp_open_opts(&t, &o) == 0);
	struct ss_snp_data_init_ex d = {.flags = SS_SNP_INIT_EX_INIT_RMP | 0x100};
	CHECK_REFUSED(&t, SS_CMD_SNP_INIT_EX, &d, sizeof(d), SS_SEV_INVALID_PARAM,
		      "unknown bits 0x100");
	d.flags = SS_SNP_INIT_EX_INIT_RMP;
	d.reserved_12[5] = 1;
	CHECK_REFUSED(&t, SS_CMD_SNP_INIT_EX, &d, sizeof(d), SS_SEV_INVALID_PARAM, "byte 0x17");
	memset(d.reserved_12, 0, sizeof(d.reserved_12));
	d.flags = SS_SNP_INIT_EX_INIT_RMP | SS_SNP_INIT_EX_CIPHERTEXT_HIDING_EN;
	d.max_snp_asid = 4;
	CHECK_REFUSED(&t, SS_CMD_SNP_INIT_EX, &d, sizeof(d), SS_SEV_UNSUPPORTED,
		      "CIPHERTEXT_HIDING_EN");
	d.flags = SS_SNP_INIT_EX_INIT_RMP;
	CHECK_REFUSED(&t, SS_CMD_SNP_INIT_EX, &d, sizeof(d), SS_SEV_INVALID_PARAM, "max_snp_asid");
	d.max_snp_asid = 0;
	d.flags = SS_SNP_INIT_EX_INIT_RMP | SS_SNP_INIT_EX_TIO_EN;
	CHECK_REFUSED(&t, SS_CMD_SNP_INIT_EX, &d, sizeof(d), SS_SEV_UNSUPPORTED, "TIO_EN");
	/* Without INIT_RMP the firmware must have initialised the RMP before. */
	d.flags = 0;
	CHECK_REFUSED(&t, SS_CMD_SNP_INIT_EX, &d, sizeof(d), SS_SEV_RMP_INIT_REQUIRED, "INIT_RMP");
	/* A range list: bad count, bad range, range outside DRAM, then a good one. */
	uint8_t list[TSNP_PAGE] = {0};
	struct ss_snp_range_list *hdr = (void *)list;
	struct ss_snp_range *r = (void *)(list + sizeof(*hdr));
	hdr->num_elements = 300;
	REQUIRE(tsnp_host_write(&t, PG_A, list, sizeof(list)) == 0);
	d.flags = SS_SNP_INIT_EX_INIT_RMP | SS_SNP_INIT_EX_LIST_PADDR_EN;
	d.list_paddr = PG_A;
	CHECK_REFUSED(&t, SS_CMD_SNP_INIT_EX, &d, sizeof(d), SS_SEV_INVALID_PARAM,
		      "num_elements 300");
	hdr->num_elements = 2;
	r[0] = (struct ss_snp_range){.base = 0x200000, .page_count = 16};
	r[1] = (struct ss_snp_range){.base = 0x300800, .page_count = 1};
	REQUIRE(tsnp_host_write(&t, PG_A, list, sizeof(list)) == 0);
	CHECK_REFUSED(&t, SS_CMD_SNP_INIT_EX, &d, sizeof(d), SS_SEV_INVALID_PARAM, "range[1]");
	r[1] = (struct ss_snp_range){.base = TSNP_DRAM - TSNP_PAGE, .page_count = 2};
	REQUIRE(tsnp_host_write(&t, PG_A, list, sizeof(list)) == 0);
	CHECK_REFUSED(&t, SS_CMD_SNP_INIT_EX, &d, sizeof(d), SS_SEV_INVALID_ADDRESS, "range[1]");
	r[1].page_count = 1;
	REQUIRE(tsnp_host_write(&t, PG_A, list, sizeof(list)) == 0);
	d.flags |= SS_SNP_INIT_EX_RAPL_DIS;
	CHECK(tsnp_cmd(&t, SS_CMD_SNP_INIT_EX, &d, sizeof(d)) == 0);
	struct ss_snp_platform_status s;
	REQUIRE(tsnp_status(&t, PG_B, &s) == 0);
	CHECK(s.flags & SS_SNP_STATUS_RAPL_DIS);
	CHECK(!(s.flags & SS_SNP_STATUS_CIPHERTEXT_HIDING_CAP));
	/* After SNP_SHUTDOWN the RMP stays initialised: INIT_EX without INIT_RMP is fine. */
	CHECK(tsnp_cmd(&t, SS_CMD_SNP_SHUTDOWN, NULL, 0) == 0);
	struct ss_snp_data_init_ex d2 = {0};
	CHECK(tsnp_cmd(&t, SS_CMD_SNP_INIT_EX, &d2, sizeof(d2)) == 0);
	REQUIRE(tsnp_status(&t, PG_B, &s) == 0);
	CHECK(!(s.flags & SS_SNP_STATUS_RAPL_DIS) && s.is_rmp_init == 1);
	tsnp_close(&t);
}

/* One ephemeral Milan platform runs the remaining single-platform tests (keys are slow). */
static struct tsnp T;

TEST(platform_status_needs_firmware_page)
{
	struct ss_snp_data_platform_status d = {.status_paddr = PG_A};
	CHECK_REFUSED(&T, SS_CMD_SNP_PLATFORM_STATUS, &d, sizeof(d), SS_SEV_INVALID_PAGE_STATE,
		      "status_paddr");
	d.status_paddr = PG_A + 0xFF0;
	CHECK_REFUSED(&T, SS_CMD_SNP_PLATFORM_STATUS, &d, sizeof(d), SS_SEV_INVALID_ADDRESS,
		      "cross");
	d.status_paddr = TSNP_DRAM;
	CHECK_REFUSED(&T, SS_CMD_SNP_PLATFORM_STATUS, &d, sizeof(d), SS_SEV_INVALID_ADDRESS,
		      "status_paddr");
	/* A guest's (pre-guest) page is not a firmware page either. */
	REQUIRE(tsnp_make_preguest(&T, PG_A, 0x1000, 3) == 0);
	d.status_paddr = PG_A;
	CHECK_REFUSED(&T, SS_CMD_SNP_PLATFORM_STATUS, &d, sizeof(d), SS_SEV_INVALID_PAGE_STATE,
		      "asid 3");
	CHECK(tsnp_reclaim(&T, PG_A) == 0);
	/* The C-bit is ignored; the output lands in the firmware page; reclaim gives it back. */
	REQUIRE(tsnp_make_firmware(&T, PG_A) == 0);
	d.status_paddr = PG_A | (1ull << 51);
	CHECK(tsnp_cmd(&T, SS_CMD_SNP_PLATFORM_STATUS, &d, sizeof(d)) == 0);
	struct ss_snp_platform_status s;
	REQUIRE(tsnp_host_read(&T, PG_A, &s, sizeof(s)) == 0);
	CHECK(s.state == SS_SNP_PLATFORM_INIT && s.current_tcb == MILAN_TCB);
	CHECK(tsnp_reclaim(&T, PG_A) == 0);
	struct ss_rmp_entry e;
	REQUIRE(ss_mem_rmp_entry(T.m, PG_A, &e, &E) == 0);
	CHECK(!e.assigned);
}

TEST(page_reclaim_states)
{
	struct ss_snp_data_page d = {.paddr = PG_A};
	CHECK_REFUSED(&T, SS_CMD_SNP_PAGE_RECLAIM, &d, sizeof(d), SS_SEV_INVALID_PAGE_STATE,
		      "already a hypervisor page");
	d.paddr = PG_A | 0x10;
	CHECK_REFUSED(&T, SS_CMD_SNP_PAGE_RECLAIM, &d, sizeof(d), SS_SEV_INVALID_ADDRESS,
		      "bits 11:1");
	REQUIRE(tsnp_make_firmware(&T, PG_A) == 0);
	d.paddr = PG_A | 1;
	CHECK_REFUSED(&T, SS_CMD_SNP_PAGE_RECLAIM, &d, sizeof(d), SS_SEV_INVALID_ADDRESS,
		      "2 MiB aligned");
	d.paddr = 0x200000 | 1;
	REQUIRE(tsnp_make_firmware(&T, 0x200000) == 0);
	CHECK_REFUSED(&T, SS_CMD_SNP_PAGE_RECLAIM, &d, sizeof(d), SS_SEV_INVALID_PAGE_SIZE,
		      "4 KiB");
	CHECK(tsnp_reclaim(&T, 0x200000) == 0);
	/* Firmware -> Reclaim: assigned, mutable, ASID 0; the host can now make it its own. */
	d.paddr = PG_A;
	CHECK(tsnp_cmd(&T, SS_CMD_SNP_PAGE_RECLAIM, &d, sizeof(d)) == 0);
	struct ss_rmp_entry e;
	REQUIRE(ss_mem_rmp_entry(T.m, PG_A, &e, &E) == 0);
	CHECK(e.assigned && !e.immutable && !e.asid && !e.gpa && !e.vmsa);
	CHECK_REFUSED(&T, SS_CMD_SNP_PAGE_RECLAIM, &d, sizeof(d), SS_SEV_INVALID_PAGE_STATE,
		      "mutable");
	CHECK(tsnp_make_shared(&T, PG_A) == 0);
	/* Pre-guest -> Reclaim (KVM's path when a LAUNCH_UPDATE fails). */
	REQUIRE(tsnp_make_preguest(&T, PG_B, 0x5000, 2) == 0);
	CHECK(tsnp_reclaim(&T, PG_B) == 0);
	/* The Context page of a live guest refuses; once the context is gone it is reclaimable. */
	struct ss_rmp_entry ctx = {.assigned = true, .immutable = true, .vmsa = true};
	REQUIRE(ss_psp_rmp_set(T.psp, PG_C, &ctx, "test", &E) == 0);
	struct ss_snp_gctx *g = &T.psp->snp->gctx[0];
	g->used = true;
	g->gctx_paddr = PG_C;
	d.paddr = PG_C;
	CHECK_REFUSED(&T, SS_CMD_SNP_PAGE_RECLAIM, &d, sizeof(d), SS_SEV_INVALID_PAGE_STATE,
		      "live guest");
	memset(g, 0, sizeof(*g));
	CHECK(tsnp_reclaim(&T, PG_C) == 0);
	/* The RMP's own pages are firmware pages that never go back to the host. */
	d.paddr = TSNP_RMP_BASE + TSNP_PAGE;
	CHECK_REFUSED(&T, SS_CMD_SNP_PAGE_RECLAIM, &d, sizeof(d), SS_SEV_INVALID_PAGE_STATE,
		      "RMP itself");
	struct ss_snp_data_platform_status ps = {.status_paddr = TSNP_RMP_BASE};
	CHECK_REFUSED(&T, SS_CMD_SNP_PLATFORM_STATUS, &ps, sizeof(ps), SS_SEV_INVALID_ADDRESS,
		      "status_paddr");
}

TEST(feature_info)
{
	struct ss_snp_data_feature_info d = {.length = 0x10, .feature_info_paddr = PG_A};
	CHECK_REFUSED(&T, SS_CMD_SNP_FEATURE_INFO, &d, sizeof(d), SS_SEV_INVALID_PAGE_STATE,
		      "feature_info_paddr");
	d.length = 8;
	CHECK_REFUSED(&T, SS_CMD_SNP_FEATURE_INFO, &d, sizeof(d), SS_SEV_INVALID_LENGTH,
		      "feature_info.length");
	d.length = 0x10;
	REQUIRE(tsnp_make_firmware(&T, PG_A) == 0);
	uint32_t junk[4] = {1, 2, 3, 4}, out[4];
	REQUIRE(tsnp_host_write(&T, PG_A + 0x10, junk, sizeof(junk)) != 0); /* firmware page */
	CHECK(tsnp_cmd(&T, SS_CMD_SNP_FEATURE_INFO, &d, sizeof(d)) == 0);
	REQUIRE(tsnp_host_read(&T, PG_A, out, sizeof(out)) == 0);
	CHECK(out[0] == 0 && out[1] == 0 && out[3] == 0);
	CHECK(out[2] == ((1u << 2) | (1u << 4))); /* RAPL_DISABLE, AES_256_XTS */
	d.ecx_in = 1;
	CHECK(tsnp_cmd(&T, SS_CMD_SNP_FEATURE_INFO, &d, sizeof(d)) == 0);
	REQUIRE(tsnp_host_read(&T, PG_A, out, sizeof(out)) == 0);
	CHECK(!out[0] && !out[1] && !out[2] && !out[3]);
	CHECK(tsnp_reclaim(&T, PG_A) == 0);
}

TEST(config_reported_tcb)
{
	struct ss_snp_data_config d = {.reported_tcb = 0x7309000000000003ull}; /* SNP 9 > 8 */
	CHECK_REFUSED(&T, SS_CMD_SNP_CONFIG, &d, sizeof(d), SS_SEV_INVALID_PARAM, "snp 9 > 8");
	d.reported_tcb = 0x7308000000000004ull;
	CHECK_REFUSED(&T, SS_CMD_SNP_CONFIG, &d, sizeof(d), SS_SEV_INVALID_PARAM, "bl 4 > 3");
	d.reported_tcb = 0x7408000000000003ull;
	CHECK_REFUSED(&T, SS_CMD_SNP_CONFIG, &d, sizeof(d), SS_SEV_INVALID_PARAM, "ucode");
	/* A lower SNP SVN but a higher TEE is still above: component-wise, not as a number. */
	d.reported_tcb = 0x7307000000000103ull;
	CHECK_REFUSED(&T, SS_CMD_SNP_CONFIG, &d, sizeof(d), SS_SEV_INVALID_PARAM, "tee 1 > 0");
	d.reported_tcb = 0x7307000000000003ull;
	d.flags = 4;
	CHECK_REFUSED(&T, SS_CMD_SNP_CONFIG, &d, sizeof(d), SS_SEV_INVALID_PARAM, "config.flags");
	d.flags = SS_SNP_CONFIG_MASK_CHIP_ID | SS_SNP_CONFIG_MASK_CHIP_KEY;
	d.reserved_0c[0x33] = 1;
	CHECK_REFUSED(&T, SS_CMD_SNP_CONFIG, &d, sizeof(d), SS_SEV_INVALID_PARAM, "byte 0x3f");
	d.reserved_0c[0x33] = 0;
	CHECK(tsnp_cmd(&T, SS_CMD_SNP_CONFIG, &d, sizeof(d)) == 0);
	struct ss_snp_platform_status s;
	REQUIRE(tsnp_status(&T, PG_B, &s) == 0);
	CHECK(s.reported_tcb == 0x7307000000000003ull && s.current_tcb == MILAN_TCB);
	CHECK(s.flags & SS_SNP_STATUS_MASK_CHIP_ID && s.flags & SS_SNP_STATUS_MASK_CHIP_KEY);
	/* SNP_COMMIT: the committed TCB := current, reported := current. */
	struct ss_snp_data_commit c = {.len = 8};
	CHECK_REFUSED(&T, SS_CMD_SNP_COMMIT, &c, sizeof(c), SS_SEV_INVALID_LENGTH, "commit.len");
	c.len = 4;
	CHECK(tsnp_cmd(&T, SS_CMD_SNP_COMMIT, &c, sizeof(c)) == 0);
	REQUIRE(tsnp_status(&T, PG_B, &s) == 0);
	CHECK(s.reported_tcb == MILAN_TCB);
	CHECK(ss_snp_tcb_u64(T.psp->snp->committed_tcb) == MILAN_TCB);
	/* The mask flags stay until the next SNP_CONFIG (or SNP_SHUTDOWN). */
	CHECK(s.flags & SS_SNP_STATUS_MASK_CHIP_ID);
	d = (struct ss_snp_data_config){.reported_tcb = MILAN_TCB};
	CHECK(tsnp_cmd(&T, SS_CMD_SNP_CONFIG, &d, sizeof(d)) == 0);
}

/* Writes the wrapped VLEK blob to PG_A and loads it; returns the status. */
static uint32_t load_vlek(const uint8_t *blob, ss_error *err)
{
	if (tsnp_host_write(&T, PG_A, blob, SS_SNP_VLEK_WRAPPED_LEN))
		return 0xffff;
	struct ss_snp_data_vlek_load d = {.len = 0x10, .vlek_wrapped_paddr = PG_A};
	return tsnp_cmd_msg(&T, SS_CMD_SNP_VLEK_LOAD, &d, sizeof(d), err);
}

static bool make_blob(const uint8_t *secret, uint64_t tcb_u64, uint8_t *blob, ss_eckey **vlek)
{
	uint8_t tcb[SS_SNP_TCB_LEN];
	ss_snp_tcb_from_u64(tcb_u64, tcb);
	const ss_snp_identity *id = T.psp->snp->id;
	return ss_snp_vlek_derive(id->vlek_seed, sizeof(id->vlek_seed), tcb, vlek, &E) == 0 &&
	       ss_snp_vlek_wrap(secret, SS_SNP_CHIP_SECRET_LEN, *vlek, tcb, blob, &E) == 0;
}

TEST(vlek_load)
{
	const ss_snp_identity *id = T.psp->snp->id;
	uint8_t blob[SS_SNP_VLEK_WRAPPED_LEN];
	ss_eckey *vlek = NULL;
	REQUIRE(make_blob(id->chip_secret, MILAN_TCB, blob, &vlek));
	/* Buffer checks first. */
	struct ss_snp_data_vlek_load d = {.len = 0x10, .vlek_wrapped_paddr = PG_A};
	d.len = 0x18;
	CHECK_REFUSED(&T, SS_CMD_SNP_VLEK_LOAD, &d, sizeof(d), SS_SEV_INVALID_LENGTH,
		      "vlek_load.len");
	d.len = 0x10;
	d.vlek_wrapped_version = 1;
	CHECK_REFUSED(&T, SS_CMD_SNP_VLEK_LOAD, &d, sizeof(d), SS_SEV_INVALID_PARAM,
		      "vlek_wrapped_version");
	d.vlek_wrapped_version = 0;
	d.reserved_05[2] = 9;
	CHECK_REFUSED(&T, SS_CMD_SNP_VLEK_LOAD, &d, sizeof(d), SS_SEV_INVALID_PARAM, "byte 0x7");
	d.reserved_05[2] = 0;
	d.vlek_wrapped_paddr = TSNP_DRAM - 16;
	CHECK_REFUSED(&T, SS_CMD_SNP_VLEK_LOAD, &d, sizeof(d), SS_SEV_INVALID_ADDRESS,
		      "vlek_wrapped_paddr");
	/* Tampered: one bit of the encrypted scalar. */
	uint8_t bad[SS_SNP_VLEK_WRAPPED_LEN];
	memcpy(bad, blob, sizeof(bad));
	bad[0x30] ^= 1;
	CHECK(load_vlek(bad, &E) == SS_SEV_BAD_SIGNATURE);
	CHECK_CONTAINS(E.msg, "wrapped VLEK");
	/* A malformed field. */
	memcpy(bad, blob, sizeof(bad));
	bad[0x100] = 1;
	CHECK(load_vlek(bad, &E) == SS_SEV_INVALID_PARAM);
	/* Another chip's blob. */
	uint8_t other[SS_SNP_CHIP_SECRET_LEN];
	memset(other, 0x5A, sizeof(other));
	ss_eckey *v2 = NULL;
	REQUIRE(make_blob(other, MILAN_TCB, bad, &v2));
	CHECK(load_vlek(bad, &E) == SS_SEV_BAD_SIGNATURE);
	ss_eckey_free(v2);
	v2 = NULL;
	/* A VLEK for a TCB above the current one. */
	REQUIRE(make_blob(id->chip_secret, 0x7309000000000003ull, bad, &v2));
	CHECK(load_vlek(bad, &E) == SS_SEV_INVALID_PARAM);
	CHECK_CONTAINS(E.msg, "snp 9 > 8");
	ss_eckey_free(v2);
	CHECK(T.psp->snp->vlek == NULL);
	/* The good one: VLEK_EN, the same key, its TCB. */
	CHECK(load_vlek(blob, &E) == 0);
	REQUIRE(T.psp->snp->vlek != NULL);
	uint8_t x1[SS_P384_LEN], y1[SS_P384_LEN], x2[SS_P384_LEN], y2[SS_P384_LEN];
	ss_eckey_public_xy(vlek, x1, y1);
	ss_eckey_public_xy(T.psp->snp->vlek, x2, y2);
	CHECK_MEM(x1, x2, SS_P384_LEN);
	CHECK(ss_snp_tcb_u64(T.psp->snp->vlek_tcb) == MILAN_TCB);
	struct ss_snp_platform_status s;
	REQUIRE(tsnp_status(&T, PG_B, &s) == 0);
	CHECK(s.flags & SS_SNP_STATUS_VLEK_EN);
	ss_eckey_free(vlek);
}

TEST(df_flush_and_shutdown)
{
	/* An SNP guest's ASID after SNP_DECOMMISSION: WBINVD, then SNP_DF_FLUSH frees it. */
	T.psp->asids[5] = (struct ss_psp_asid){.state = SS_PSP_ASID_NEED_WBINVD, .snp = true};
	CHECK_REFUSED(&T, SS_CMD_SNP_DF_FLUSH, NULL, 0, SS_SEV_WBINVD_REQUIRED, "ASID 5");
	ss_psp_wbinvd(T.psp);
	CHECK(T.psp->asids[5].state == SS_PSP_ASID_NEED_DF_FLUSH);
	CHECK(tsnp_cmd(&T, SS_CMD_SNP_DF_FLUSH, NULL, 0) == 0);
	CHECK(T.psp->asids[5].state == SS_PSP_ASID_FREE && !T.psp->asids[5].snp);
	/* A bound SNP ASID survives the legacy SHUTDOWN. */
	T.psp->asids[6] = (struct ss_psp_asid){.state = SS_PSP_ASID_BOUND, .snp = true};
	CHECK(tsnp_cmd(&T, SS_SEV_CMD_SHUTDOWN, NULL, 0) == 0);
	CHECK(T.psp->asids[6].state == SS_PSP_ASID_BOUND);
	T.psp->asids[6] = (struct ss_psp_asid){0};
	/* SNP_SHUTDOWN refuses while a guest context exists. */
	T.psp->snp->gctx[3].used = true;
	T.psp->snp->gctx[3].gctx_paddr = PG_C;
	CHECK_REFUSED(&T, SS_CMD_SNP_SHUTDOWN, NULL, 0, SS_SEV_INVALID_PLATFORM_STATE,
		      "1 guest context");
	memset(&T.psp->snp->gctx[3], 0, sizeof(T.psp->snp->gctx[3]));
	struct ss_snp_data_shutdown_ex d = {.len = 4};
	CHECK_REFUSED(&T, SS_CMD_SNP_SHUTDOWN_EX, &d, sizeof(d), SS_SEV_INVALID_LENGTH,
		      "shutdown_ex.len");
	d.len = 8;
	d.flags = 4;
	CHECK_REFUSED(&T, SS_CMD_SNP_SHUTDOWN_EX, &d, sizeof(d), SS_SEV_INVALID_PARAM,
		      "shutdown_ex.flags");
	d.flags = SS_SNP_SHUTDOWN_EX_X86;
	CHECK_REFUSED(&T, SS_CMD_SNP_SHUTDOWN_EX, &d, sizeof(d), SS_SEV_UNSUPPORTED,
		      "X86_SNP_SHUTDOWN");
	/* IOMMU shutdown: SNP goes down, the VLEK is forgotten, the identity stays. */
	const ss_snp_identity *id = T.psp->snp->id;
	d.flags = SS_SNP_SHUTDOWN_EX_IOMMU;
	CHECK(tsnp_cmd(&T, SS_CMD_SNP_SHUTDOWN_EX, &d, sizeof(d)) == 0);
	CHECK(T.psp->snp->vlek == NULL && T.psp->snp->state == SS_SNP_PLATFORM_UNINIT);
	CHECK(tsnp_cmd(&T, SS_CMD_SNP_SHUTDOWN, NULL, 0) == 0); /* harmless in UNINIT */
	CHECK(tsnp_cmd(&T, SS_CMD_SNP_INIT, NULL, 0) == 0);
	CHECK(T.psp->snp->id == id);
	struct ss_snp_platform_status s;
	REQUIRE(tsnp_status(&T, PG_B, &s) == 0);
	CHECK(!(s.flags & SS_SNP_STATUS_VLEK_EN) && !(s.flags & SS_SNP_STATUS_MASK_CHIP_ID));
}

/* Persistence: the committed TCB survives close/open; a lower current TCB is a rollback; the
 * identity is the one `softsev kds` serves from the same directory. */
TEST(committed_tcb_persists_and_identity_is_shared)
{
	char dir[] = "/tmp/snp-platform-test-XXXXXX";
	REQUIRE(mkdtemp(dir) != NULL);
	struct tsnp t;
	struct tsnp_opts o = {.state_dir = dir, .current_tcb = 0x7309000000000004ull};
	REQUIRE(tsnp_open_opts(&t, &o) == 0);
	CHECK(ss_snp_tcb_u64(t.psp->snp->committed_tcb) == 0x7309000000000004ull);
	uint8_t chip_id[SS_SNP_CHIP_ID_LEN];
	memcpy(chip_id, t.psp->snp->id->chip_id, sizeof(chip_id));
	tsnp_close(&t);
	/* Firmware updated (higher TCB): SNP_INIT fine, committed unchanged until SNP_COMMIT. */
	o.current_tcb = 0x740A000000000004ull;
	REQUIRE(tsnp_open_opts(&t, &o) == 0);
	CHECK(ss_snp_tcb_u64(t.psp->snp->committed_tcb) == 0x7309000000000004ull);
	struct ss_snp_data_commit c = {.len = 4};
	CHECK(tsnp_cmd(&t, SS_CMD_SNP_COMMIT, &c, sizeof(c)) == 0);
	CHECK_MEM(t.psp->snp->id->chip_id, chip_id, sizeof(chip_id));
	tsnp_close(&t);
	/* Rolled back below the committed TCB: BAD_SVN naming the component. */
	o.current_tcb = 0x7309000000000004ull;
	o.no_init = true;
	REQUIRE(tsnp_open_opts(&t, &o) == 0);
	CHECK_REFUSED(&t, SS_CMD_SNP_INIT, NULL, 0, SS_SEV_BAD_SVN, "snp 9 < 10");
	tsnp_close(&t);
	/* Another product in the same state: INVALID_CONFIG. */
	o = (struct tsnp_opts){.state_dir = dir, .product = "Turin", .no_init = true};
	REQUIRE(tsnp_open_opts(&t, &o) == 0);
	CHECK_REFUSED(&t, SS_CMD_SNP_INIT, NULL, 0, SS_SEV_INVALID_CONFIG, "Turin");
	tsnp_close(&t);
	/* KDS opens the same identity: the VCEK it certifies for the reported TCB is the key the
	 * PSP derives for it. */
	o = (struct tsnp_opts){.state_dir = dir, .current_tcb = 0x740A000000000004ull};
	REQUIRE(tsnp_open_opts(&t, &o) == 0);
	ss_snp_identity *kds = NULL;
	REQUIRE(ss_snp_identity_open(dir, SS_SNP_MILAN, true, &kds, NULL, &E) == 0);
	CHECK_MEM(kds->chip_id, chip_id, sizeof(chip_id));
	uint8_t *der = NULL;
	size_t len = 0;
	REQUIRE(ss_snp_identity_vcek_cert(kds, t.psp->snp->reported_tcb, 0, &der, &len, &E) == 0);
	const uint8_t *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	REQUIRE(x != NULL);
	ss_eckey *vcek = NULL;
	REQUIRE(ss_snp_vcek_derive(t.psp->snp->id->chip_secret, SS_SNP_CHIP_SECRET_LEN,
				   t.psp->snp->reported_tcb, &vcek, &E) == 0);
	CHECK(EVP_PKEY_eq(X509_get0_pubkey(x), ss_eckey_evp(vcek)) == 1);
	X509_free(x);
	free(der);
	ss_eckey_free(vcek);
	ss_snp_identity_free(kds);
	tsnp_close(&t);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
}

TEST(products_and_their_tcbs)
{
	struct tsnp t;
	struct tsnp_opts o = {.product = "Genoa", .no_init = true};
	REQUIRE(tsnp_open_opts(&t, &o) == 0);
	struct ss_snp_data_platform_status d = {.status_paddr = PG_A};
	struct ss_snp_platform_status s;
	CHECK(tsnp_cmd(&t, SS_CMD_SNP_PLATFORM_STATUS, &d, sizeof(d)) == 0);
	REQUIRE(tsnp_host_read(&t, PG_A, &s, sizeof(s)) == 0);
	CHECK(s.current_tcb == 0x541900000000000Aull);
	tsnp_close(&t);
	o = (struct tsnp_opts){.product = "bogus", .no_init = true};
	REQUIRE(tsnp_open_opts(&t, &o) == 0);
	CHECK_REFUSED(&t, SS_CMD_SNP_INIT, NULL, 0, SS_SEV_INVALID_CONFIG, "bogus");
	tsnp_close(&t);
	/* Turin: FMC in byte 0; SNP_CONFIG reads the components in Turin's layout. */
	o = (struct tsnp_opts){.product = "turin"};
	REQUIRE(tsnp_open_opts(&t, &o) == 0);
	CHECK(t.psp->snp->id->product == SS_SNP_TURIN && t.psp->snp->product == SS_SNP_TURIN);
	REQUIRE(tsnp_status(&t, PG_B, &s) == 0);
	CHECK(s.current_tcb == 0x4700000002000100ull);
	struct ss_snp_data_config c = {.reported_tcb = 0x4700000002000101ull}; /* fmc 1 > 0 */
	CHECK_REFUSED(&t, SS_CMD_SNP_CONFIG, &c, sizeof(c), SS_SEV_INVALID_PARAM, "fmc 1 > 0");
	c.reported_tcb = 0x4700000001000100ull; /* snp 1 */
	CHECK(tsnp_cmd(&t, SS_CMD_SNP_CONFIG, &c, sizeof(c)) == 0);
	uint8_t *der = NULL;
	size_t len = 0;
	CHECK(ss_snp_identity_vcek_cert(t.psp->snp->id, t.psp->snp->reported_tcb, 0, &der, &len,
					&E) == 0);
	free(der);
	tsnp_close(&t);
}

int main(void)
{
	if (tsnp_open(&T)) {
		printf("Bail out! no SNP platform\n");
		return 1;
	}
	static const ss_test_case cases[] = {SS_TEST_FOREACH(
	    SS_TEST_ENTRY, init_needs_rmp_and_uninit, init_ex_flags_and_range_list,
	    platform_status_needs_firmware_page, page_reclaim_states, feature_info,
	    config_reported_tcb, vlek_load, df_flush_and_shutdown,
	    committed_tcb_persists_and_identity_is_shared, products_and_their_tcbs)};
	int rc = ss_test_run(cases, sizeof(cases) / sizeof(cases[0]));
	tsnp_close(&T);
	return rc;
}
