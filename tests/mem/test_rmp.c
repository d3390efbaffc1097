/* The RMP (issue 7, cpu-svm-sev.md §8): the SNP instructions with their checks and return codes,
 * the checks on every access, VMPL permissions, the VMSA check and the invalidation hook. The
 * guarantees run in the four modes: without SNP the instructions are #UD and nothing is checked. */
#include "fixture.h"

#define GPA_A  (GPA_BASE)
#define GPA_B  (GPA_BASE + 0x1000)
#define GPA_2M 0x200000u /* a 2 MiB guest frame at sPA 0x400000 */

static struct ss_rmp_result R;
static struct ss_mem_fault F;
static ss_error E;

static int pval(struct fx *x, uint8_t vmpl, uint64_t gpa, uint64_t rcx, uint64_t rdx)
{
	struct ss_mem_guest_op o = gop(GUEST_ASID, vmpl, gpa, rcx, rdx);
	memset(&R, 0xEE, sizeof(R));
	return ss_mem_pvalidate(x->m, &o, &R, &F, &E);
}

static int radj(struct fx *x, uint8_t vmpl, uint64_t gpa, uint64_t rcx, uint64_t rdx)
{
	struct ss_mem_guest_op o = gop(GUEST_ASID, vmpl, gpa, rcx, rdx);
	memset(&R, 0xEE, sizeof(R));
	return ss_mem_rmpadjust(x->m, &o, &R, &F, &E);
}

static int rupd(struct fx *x, uint64_t spa, uint64_t gpa, uint8_t assigned, uint8_t size,
		uint32_t asid)
{
	struct ss_abi_rmp_state st = {
	    .gpa = gpa, .assigned = assigned, .pagesize = size, .asid = asid};
	memset(&R, 0xEE, sizeof(R));
	return ss_mem_rmpupdate(x->m, spa, &st, &R, &F, &E);
}

static int gaccess(struct fx *x, uint8_t vmpl, enum ss_mem_type t, uint64_t gpa, bool c)
{
	struct ss_mem_access a = guest_acc(GUEST_ASID, t, gpa, c);
	a.vmpl = vmpl;
	uint8_t b[8] = {0};
	return t == SS_MEM_WRITE ? ss_mem_write(x->m, &a, SPA_OF(gpa), b, 8, &F, &E)
				 : ss_mem_read(x->m, &a, SPA_OF(gpa), b, 8, &F, &E);
}

#define RDX_ADJ(vmpl, perms, vmsa)                                                                 \
	((uint64_t)(vmpl) | ((uint64_t)(perms) << 8) | ((vmsa) ? 1u << 16 : 0))

MODE_TEST(pvalidate_twice_reports_no_change)
{
	REQUIRE(fx_assign(x, GUEST_ASID, GPA_A, false));
	int rc = pval(x, 0, GPA_A, 0, 1);
	if (x->mode != SNP) {
		CHECK(rc == SS_MEM_FAULTED && F.kind == SS_MEM_FAULT_UD);
		return;
	}
	REQUIRE(rc == 0);
	CHECK(R.eax == SS_RMP_SUCCESS && !R.cf);
	REQUIRE(pval(x, 0, GPA_A, 0, 1) == 0);
	CHECK(R.eax == SS_RMP_SUCCESS && R.cf); /* no change: CF = 1 */
	REQUIRE(pval(x, 0, GPA_A, 0, 0) == 0);
	CHECK(R.eax == SS_RMP_SUCCESS && !R.cf); /* rescinded */
	REQUIRE(pval(x, 0, GPA_A, 0, 0) == 0);
	CHECK(R.eax == SS_RMP_SUCCESS && R.cf);
	struct ss_rmp_entry e;
	REQUIRE(ss_mem_rmp_entry(x->m, SPA_OF(GPA_A), &e, &E) == 0);
	CHECK(!e.validated && e.perms[0] == SS_RMP_PERM_ALL); /* masks untouched */
}

MODE_TEST(rmpadjust_cannot_escalate)
{
	REQUIRE(fx_assign(x, GUEST_ASID, GPA_A, true));
	int rc = radj(x, 0, GPA_A, 0, RDX_ADJ(1, SS_RMP_PERM_READ | SS_RMP_PERM_WRITE, 0));
	if (x->mode != SNP) {
		CHECK(rc == SS_MEM_FAULTED && F.kind == SS_MEM_FAULT_UD);
		return;
	}
	REQUIRE(rc == 0);
	CHECK(R.eax == SS_RMP_SUCCESS); /* VMPL0 grants VMPL1 read+write */
	/* VMPL1 cannot give VMPL2 execute, which it does not have. */
	REQUIRE(radj(x, 1, GPA_A, 0, RDX_ADJ(2, SS_RMP_PERM_READ | SS_RMP_PERM_EXEC_SUPER, 0)) ==
		0);
	CHECK(R.eax == SS_RMP_FAIL_PERMISSION);
	/* ... but can pass on a subset of its own. */
	REQUIRE(radj(x, 1, GPA_A, 0, RDX_ADJ(2, SS_RMP_PERM_READ, 0)) == 0);
	CHECK(R.eax == SS_RMP_SUCCESS);
	/* It cannot touch its own or a more privileged VMPL. */
	REQUIRE(radj(x, 1, GPA_A, 0, RDX_ADJ(1, 0, 0)) == 0);
	CHECK(R.eax == SS_RMP_FAIL_PERMISSION);
	REQUIRE(radj(x, 1, GPA_A, 0, RDX_ADJ(0, 0, 0)) == 0);
	CHECK(R.eax == SS_RMP_FAIL_PERMISSION);
	REQUIRE(radj(x, 2, GPA_A, 0, RDX_ADJ(1, SS_RMP_PERM_ALL, 0)) == 0);
	CHECK(R.eax == SS_RMP_FAIL_PERMISSION);
	/* Nor mark a VMSA below VMPL0. */
	REQUIRE(radj(x, 1, GPA_A, 0, RDX_ADJ(2, SS_RMP_PERM_READ, 1)) == 0);
	CHECK(R.eax == SS_RMP_FAIL_PERMISSION);
	struct ss_rmp_entry e;
	REQUIRE(ss_mem_rmp_entry(x->m, SPA_OF(GPA_A), &e, &E) == 0);
	CHECK(e.perms[0] == SS_RMP_PERM_ALL);
	CHECK(e.perms[1] == (SS_RMP_PERM_READ | SS_RMP_PERM_WRITE));
	CHECK(e.perms[2] == SS_RMP_PERM_READ && e.perms[3] == 0 && !e.vmsa);
}

MODE_TEST(vmpl_without_execute_cannot_fetch)
{
	REQUIRE(fx_assign(x, GUEST_ASID, GPA_A, true));
	if (x->mode == SNP) /* VMPL1 may read and write the page, not execute it */
		REQUIRE(radj(x, 0, GPA_A, 0, RDX_ADJ(1, SS_RMP_PERM_READ | SS_RMP_PERM_WRITE, 0)) ==
			    0 &&
			R.eax == 0);
	CHECK(gaccess(x, 1, SS_MEM_READ, GPA_A, true) == 0);
	CHECK(gaccess(x, 1, SS_MEM_WRITE, GPA_A, true) == 0);
	int rc = gaccess(x, 1, SS_MEM_EXEC_SUPER, GPA_A, true);
	if (x->mode != SNP) {
		CHECK(rc == 0); /* no VMPLs without SNP */
		return;
	}
	REQUIRE(rc == SS_MEM_FAULTED);
	CHECK(F.kind == SS_MEM_FAULT_NPF && F.addr == GPA_A);
	uint64_t want = SS_MEM_ERR_P | SS_MEM_ERR_ID | SS_MEM_ERR_RMP | SS_MEM_ERR_VMPL |
			SS_MEM_ERR_ENC | SS_MEM_ERR_GUEST_FINAL;
	CHECK(F.error_code == want);
	CHECK(gaccess(x, 1, SS_MEM_EXEC_USER, GPA_A, true) == SS_MEM_FAULTED);
	CHECK(F.error_code & SS_MEM_ERR_U);
	CHECK(gaccess(x, 0, SS_MEM_EXEC_SUPER, GPA_A, true) == 0);	  /* VMPL0 has all */
	CHECK(gaccess(x, 3, SS_MEM_READ, GPA_A, true) == SS_MEM_FAULTED); /* VMPL3: nothing */
	/* A mapping for the fast path is refused the same way. */
	struct ss_mem_access a = guest_acc(GUEST_ASID, SS_MEM_EXEC_SUPER, GPA_A, true);
	a.vmpl = 1;
	uint8_t *page;
	CHECK(ss_mem_map(x->m, &a, SPA_OF(GPA_A), &page, &F, &E) == SS_MEM_FAULTED && !page);
}

MODE_TEST(rmpupdate_on_validated_page)
{
	/* The host may take a validated page back, but the guest notices: its next private access
	 * faults, and re-assigning the page does not restore the validation. */
	REQUIRE(fx_assign(x, GUEST_ASID, GPA_A, true));
	int rc = rupd(x, SPA_OF(GPA_A), 0, 0, 0, 0);
	if (x->mode != SNP) {
		CHECK(rc == SS_MEM_FAULTED && F.kind == SS_MEM_FAULT_UD);
		return;
	}
	REQUIRE(rc == 0 && R.eax == SS_RMP_SUCCESS);
	CHECK(gaccess(x, 0, SS_MEM_READ, GPA_A, true) == SS_MEM_FAULTED);
	CHECK(F.kind == SS_MEM_FAULT_NPF && F.error_code & SS_MEM_ERR_RMP);
	REQUIRE(rupd(x, SPA_OF(GPA_A), GPA_A, 1, 0, GUEST_ASID) == 0 && R.eax == 0);
	CHECK(gaccess(x, 0, SS_MEM_READ, GPA_A, true) == SS_MEM_FAULTED);
	CHECK(F.kind == SS_MEM_FAULT_VC && F.error_code == SS_MEM_VC_NOT_VALIDATED);
	/* Re-mapping the guest's page at another GPA is caught by the GPA check. */
	REQUIRE(fx_assign(x, GUEST_ASID, GPA_B, true));
	REQUIRE(rupd(x, SPA_OF(GPA_B), GPA_A, 1, 0, GUEST_ASID) == 0 && R.eax == 0);
	CHECK(gaccess(x, 0, SS_MEM_READ, GPA_B, true) == SS_MEM_FAULTED);
	CHECK(F.kind == SS_MEM_FAULT_NPF && F.rule && strstr(F.rule, "GPA"));
}

MODE_TEST(host_writes_to_assigned_pages_fault)
{
	REQUIRE(fx_assign(x, GUEST_ASID, GPA_A, true));
	uint8_t b[8] = {1};
	int rc = h_write(x, SPA_OF(GPA_A), b, 8, &F);
	struct ss_mem_access dma = {.actor = SS_MEM_DMA, .type = SS_MEM_WRITE};
	int rd = ss_mem_write(x->m, &dma, SPA_OF(GPA_A), b, 8, &F, &E);
	if (x->mode != SNP) {
		CHECK(rc == 0 && rd == 0);
		return;
	}
	CHECK(rd == SS_MEM_FAULTED && F.kind == SS_MEM_FAULT_IOMMU);
	REQUIRE(h_write(x, SPA_OF(GPA_A) + 8, b, 8, &F) == SS_MEM_FAULTED);
	CHECK(F.kind == SS_MEM_FAULT_PF && F.addr == SPA_OF(GPA_A) + 8);
	CHECK(F.error_code == (SS_MEM_ERR_P | SS_MEM_ERR_W | SS_MEM_ERR_RMP));
	CHECK(h_read(x, SPA_OF(GPA_A), b, 8, &F) == 0); /* reads give ciphertext */
	/* A write spanning a shared page and the assigned one transfers nothing. */
	uint8_t big[32], before[16];
	memset(big, 0x77, sizeof(big));
	REQUIRE(h_read(x, SPA_OF(GPA_A) - 16, before, 16, &F) == 0);
	CHECK(h_write(x, SPA_OF(GPA_A) - 16, big, 32, &F) == SS_MEM_FAULTED);
	uint8_t after[16];
	REQUIRE(h_read(x, SPA_OF(GPA_A) - 16, after, 16, &F) == 0);
	CHECK_MEM(after, before, 16);
	/* Through a 2 MiB host mapping, even the shared neighbour page faults. */
	struct ss_mem_access a = host_acc(SS_MEM_WRITE);
	a.map_size = SS_MEM_MAP_2M;
	CHECK(ss_mem_write(x->m, &a, SPA_OF(GPA_B) + 0x3000, b, 8, &F, &E) == SS_MEM_FAULTED);
	CHECK(F.rule && strstr(F.rule, "2 MiB"));
	a.map_size = SS_MEM_MAP_4K;
	CHECK(ss_mem_write(x->m, &a, SPA_OF(GPA_B) + 0x3000, b, 8, &F, &E) == 0);
	/* A non-SNP guest (here: ASID 5 without a key) writing there gets #NPF(RMP). */
	struct ss_mem_access g = guest_acc(5, SS_MEM_WRITE, 0x9000, true);
	CHECK(ss_mem_write(x->m, &g, SPA_OF(GPA_A), b, 8, &F, &E) == SS_MEM_FAULTED);
	CHECK(F.kind == SS_MEM_FAULT_NPF && F.addr == 0x9000 && F.error_code & SS_MEM_ERR_RMP);
}

MODE_TEST(psmash_splits_a_2m_entry)
{
	int rc = rupd(x, SPA_OF(GPA_2M), GPA_2M, 1, 1, GUEST_ASID);
	if (x->mode != SNP) {
		CHECK(rc == SS_MEM_FAULTED && F.kind == SS_MEM_FAULT_UD);
		struct ss_rmp_result r;
		CHECK(ss_mem_psmash(x->m, SPA_OF(GPA_2M), &r, &F, &E) == SS_MEM_FAULTED &&
		      F.kind == SS_MEM_FAULT_UD);
		return;
	}
	REQUIRE(rc == 0 && R.eax == 0);
	REQUIRE(pval(x, 0, GPA_2M, 1, 1) == 0 && R.eax == 0 && !R.cf);
	REQUIRE(radj(x, 0, GPA_2M, 1, RDX_ADJ(1, SS_RMP_PERM_READ, 0)) == 0 && R.eax == 0);
	/* 4 KiB PVALIDATE inside the 2 MiB entry: size mismatch. */
	REQUIRE(pval(x, 0, GPA_2M + 0x5000, 0, 0) == 0);
	CHECK(R.eax == SS_RMP_FAIL_SIZEMISMATCH);
	struct ss_rmp_result r;
	REQUIRE(ss_mem_psmash(x->m, SPA_OF(GPA_2M), &r, &F, &E) == 0);
	CHECK(r.eax == SS_RMP_SUCCESS);
	for (unsigned i = 0; i < 512; i++) {
		struct ss_rmp_entry e;
		REQUIRE(ss_mem_rmp_entry(x->m, SPA_OF(GPA_2M) + i * PG, &e, &E) == 0);
		if (!(e.assigned && e.asid == GUEST_ASID && e.pagesize == SS_RMP_PG_4K &&
		      e.gpa == GPA_2M + (uint64_t)i * PG && e.validated && !e.vmsa &&
		      e.perms[0] == SS_RMP_PERM_ALL && e.perms[1] == SS_RMP_PERM_READ)) {
			printf("# entry %u wrong after PSMASH\n", i);
			CHECK(0);
			break;
		}
	}
	/* Now 4 KiB operations work, and a second PSMASH has no 2 MiB entry to split. */
	REQUIRE(pval(x, 0, GPA_2M + 0x5000, 0, 0) == 0);
	CHECK(R.eax == SS_RMP_SUCCESS && !R.cf);
	REQUIRE(ss_mem_psmash(x->m, SPA_OF(GPA_2M), &r, &F, &E) == 0);
	CHECK(r.eax == SS_RMP_FAIL_INPUT);
	/* A 2 MiB nested mapping over the 4 KiB entries is a size mismatch (#NPF SIZEM). */
	struct ss_mem_access a = guest_acc(GUEST_ASID, SS_MEM_READ, GPA_2M, true);
	a.map_size = SS_MEM_MAP_2M;
	uint8_t b[8];
	CHECK(ss_mem_read(x->m, &a, SPA_OF(GPA_2M), b, 8, &F, &E) == SS_MEM_FAULTED);
	CHECK(F.kind == SS_MEM_FAULT_NPF && F.error_code & SS_MEM_ERR_SIZEM);
}

/* Every EAX code, CF and fault of the four instructions, each reached on purpose. */
TEST(every_return_code_reachable)
{
	struct fx x;
	REQUIRE(fx_init(&x, SNP));
	bool seen[0x11] = {0};
#define SAW(cond, code)                                                                            \
	do {                                                                                       \
		CHECK(cond);                                                                       \
		if (cond)                                                                          \
			seen[code] = true;                                                         \
	} while (0)
	/* RMPUPDATE */
	CHECK(rupd(&x, SPA_OF(GPA_A) + 1, GPA_A, 1, 0, 1) == 0);
	SAW(R.eax == SS_RMP_FAIL_INPUT, SS_RMP_FAIL_INPUT);
	CHECK(rupd(&x, SPA_OF(GPA_A), GPA_A, 0, 0, 1) == 0 && R.eax == SS_RMP_FAIL_INPUT);
	CHECK(rupd(&x, SPA_OF(GPA_A), GPA_A, 1, 0, 16) == 0 && R.eax == SS_RMP_FAIL_INPUT);
	CHECK(rupd(&x, SPA_OF(GPA_2M) + PG, GPA_2M, 1, 1, 1) == 0 && R.eax == SS_RMP_FAIL_INPUT);
	CHECK(rupd(&x, DRAM, 0, 0, 0, 0) == 0 && R.eax == SS_RMP_FAIL_INPUT);
	CHECK(rupd(&x, RMP_BASE, 0, 0, 0, 0) == 0);
	SAW(R.eax == SS_RMP_FAIL_PERMISSION, SS_RMP_FAIL_PERMISSION); /* the RMP's own page */
	CHECK(rupd(&x, SPA_OF(GPA_2M) + 0x3000, GPA_2M + 0x3000, 1, 0, 1) == 0 && R.eax == 0);
	CHECK(rupd(&x, SPA_OF(GPA_2M), GPA_2M, 1, 1, 1) == 0);
	SAW(R.eax == SS_RMP_FAIL_OVERLAP, SS_RMP_FAIL_OVERLAP);
	struct ss_rmp_entry locked = {.assigned = true, .asid = 1, .gpa = GPA_B, .lock = true};
	REQUIRE(ss_mem_fw_rmp_set(x.fw, SPA_OF(GPA_B), &locked, &E) == 0);
	CHECK(rupd(&x, SPA_OF(GPA_B), 0, 0, 0, 0) == 0);
	SAW(R.eax == SS_RMP_FAIL_INUSE, SS_RMP_FAIL_INUSE);
	CHECK(rupd(&x, SPA_OF(GPA_A), GPA_A, 1, 0, 1) == 0);
	SAW(R.eax == SS_RMP_SUCCESS, SS_RMP_SUCCESS);
	/* PSMASH */
	struct ss_rmp_result r;
	CHECK(ss_mem_psmash(x.m, SPA_OF(GPA_2M) + PG, &r, &F, &E) == 0 &&
	      r.eax == SS_RMP_FAIL_INPUT);
	CHECK(rupd(&x, SPA_OF(GPA_2M) + 0x3000, 0, 0, 0, 0) == 0 && R.eax == 0);
	CHECK(rupd(&x, SPA_OF(GPA_2M), GPA_2M, 1, 1, 1) == 0 && R.eax == 0);
	struct ss_rmp_entry h;
	REQUIRE(ss_mem_rmp_entry(x.m, SPA_OF(GPA_2M), &h, &E) == 0);
	h.lock = true;
	REQUIRE(ss_mem_fw_rmp_set(x.fw, SPA_OF(GPA_2M), &h, &E) == 0);
	CHECK(ss_mem_psmash(x.m, SPA_OF(GPA_2M), &r, &F, &E) == 0 && r.eax == SS_RMP_FAIL_INUSE);
	h.lock = false;
	REQUIRE(ss_mem_fw_rmp_set(x.fw, SPA_OF(GPA_2M), &h, &E) == 0);
	CHECK(ss_mem_psmash(x.m, SPA_OF(GPA_2M), &r, &F, &E) == 0 && r.eax == SS_RMP_SUCCESS);
	/* PVALIDATE */
	CHECK(pval(&x, 0, GPA_A, 2, 1) == 0 && R.eax == SS_RMP_FAIL_INPUT);
	CHECK(pval(&x, 0, GPA_A + 8, 0, 1) == 0 && R.eax == SS_RMP_FAIL_INPUT);
	CHECK(pval(&x, 0, GPA_A, 0, 2) == 0 && R.eax == SS_RMP_FAIL_INPUT);
	CHECK(pval(&x, 1, GPA_A, 0, 1) == 0 && R.eax == SS_RMP_FAIL_PERMISSION);
	CHECK(pval(&x, 0, GPA_2M, 1, 1) == 0);
	SAW(R.eax == SS_RMP_FAIL_SIZEMISMATCH, SS_RMP_FAIL_SIZEMISMATCH); /* split: 4 KiB entries */
	CHECK(pval(&x, 0, GPA_A, 0, 1) == 0 && R.eax == 0 && !R.cf);
	CHECK(pval(&x, 0, GPA_A, 0, 1) == 0 && R.eax == 0);
	SAW(R.cf, SS_RMP_FAIL_NOCHANGE);
	CHECK(pval(&x, 0, 0x700000, 0, 1) == SS_MEM_FAULTED && F.kind == SS_MEM_FAULT_NPF);
	/* RMPADJUST */
	CHECK(radj(&x, 0, GPA_A, 2, RDX_ADJ(1, 1, 0)) == 0 && R.eax == SS_RMP_FAIL_INPUT);
	CHECK(radj(&x, 0, GPA_A, 0, RDX_ADJ(1, 1, 0) | (1ull << 40)) == 0 &&
	      R.eax == SS_RMP_FAIL_INPUT);
	CHECK(radj(&x, 0, GPA_A, 0, RDX_ADJ(1, 0x20, 0)) == 0 && R.eax == SS_RMP_FAIL_INPUT);
	CHECK(radj(&x, 0, GPA_A, 0, RDX_ADJ(4, 1, 0)) == 0 && R.eax == SS_RMP_FAIL_INPUT);
	/* split into 4 KiB entries, none validated yet: #VC comes before the size check */
	CHECK(radj(&x, 0, GPA_2M, 1, RDX_ADJ(1, 1, 0)) == SS_MEM_FAULTED);
	CHECK(F.kind == SS_MEM_FAULT_VC);
	CHECK(pval(&x, 0, GPA_2M, 0, 1) == 0 && R.eax == 0);
	CHECK(radj(&x, 0, GPA_2M, 1, RDX_ADJ(1, 1, 0)) == 0 && R.eax == SS_RMP_FAIL_SIZEMISMATCH);
	CHECK(radj(&x, 0, GPA_A, 0, RDX_ADJ(1, 1, 0)) == 0 && R.eax == SS_RMP_SUCCESS);
	CHECK(radj(&x, 0, GPA_2M + PG, 0, RDX_ADJ(1, 1, 0)) == SS_MEM_FAULTED);
	CHECK(F.kind == SS_MEM_FAULT_VC && F.error_code == SS_MEM_VC_NOT_VALIDATED);
	CHECK(radj(&x, 0, 0x700000, 0, RDX_ADJ(1, 1, 0)) == SS_MEM_FAULTED &&
	      F.kind == SS_MEM_FAULT_NPF && F.error_code & SS_MEM_ERR_RMP);
	/* #UD for a non-SNP ASID */
	struct ss_mem_guest_op o = gop(7, 0, GPA_A, 0, 1);
	CHECK(ss_mem_pvalidate(x.m, &o, &R, &F, &E) == SS_MEM_FAULTED && F.kind == SS_MEM_FAULT_UD);
#define CHECK_SEEN(name, value, hint)                                                              \
	if (!seen[value]) {                                                                        \
		printf("# return code %s never reached\n", #name);                                 \
		CHECK(seen[value]);                                                                \
	}
	SS_RMP_RC_LIST(CHECK_SEEN)
#undef CHECK_SEEN
	CHECK(strcmp(ss_rmp_rc_name(6), "SS_RMP_FAIL_SIZEMISMATCH") == 0);
	CHECK(strcmp(ss_rmp_rc_name(5), "SS_RMP_UNKNOWN") == 0);
	CHECK(strlen(ss_rmp_rc_hint(SS_RMP_FAIL_INUSE)) > 10);
	fx_fini(&x);
}

TEST(rmp_lives_in_dram_at_rmp_base)
{
	struct fx x;
	REQUIRE(fx_init(&x, SNP));
	REQUIRE(fx_assign(&x, GUEST_ASID, GPA_A, true));
	REQUIRE(radj(&x, 0, GPA_A, 0, RDX_ADJ(2, SS_RMP_PERM_READ | SS_RMP_PERM_EXEC_USER, 0)) ==
		0);
	/* The host reads the raw entry where §8.2 puts it: RMP_BASE + 0x4000 + 16 * PFN. */
	uint8_t raw[16];
	uint64_t at = RMP_BASE + 0x4000 + 16 * (SPA_OF(GPA_A) >> 12);
	REQUIRE(h_read(&x, at, raw, 16, &F) == 0);
	uint64_t lo = 0, hi = 0;
	for (int i = 7; i >= 0; i--) {
		lo = lo << 8 | raw[i];
		hi = hi << 8 | raw[8 + i];
	}
	/* §8.1 by hand: assigned bit 0, GPA 50:12, ASID 60:51, validated 62; VMPL n mask at 8n. */
	uint64_t want_lo = 1ull | GPA_A | ((uint64_t)GUEST_ASID << 51) | (1ull << 62);
	uint64_t want_hi = 0x1Full | (0x05ull << 16);
	CHECK(lo == want_lo);
	CHECK(hi == want_hi);
	if (lo != want_lo || hi != want_hi)
		printf("# lo %016llx hi %016llx\n", (unsigned long long)lo, (unsigned long long)hi);
	/* The table's pages are firmware pages: the host cannot write them. */
	CHECK(h_write(&x, at, raw, 16, &F) == SS_MEM_FAULTED && F.kind == SS_MEM_FAULT_PF);
	CHECK(ss_mem_fw_write(x.fw, SS_MEM_FW_NOKEY, at, raw, 16, &E) == SS_EINVAL);
	CHECK(ss_mem_set_rmp_range(x.m, 0, 0x20000 - 1, &E) == SS_ESTATE);
	struct ss_rmp_entry e;
	REQUIRE(ss_mem_rmp_entry(x.m, RMP_BASE, &e, &E) == 0);
	CHECK(e.assigned && e.immutable && e.asid == 0);
	/* RMPREAD reports the same. */
	struct ss_abi_rmp_state st;
	struct ss_rmp_result r;
	REQUIRE(ss_mem_rmpread(x.m, SPA_OF(GPA_A), &st, &r, &F, &E) == 0);
	CHECK(st.assigned == 1 && st.asid == GUEST_ASID && st.gpa == GPA_A && st.pagesize == 0);
	fx_fini(&x);
}

TEST(rmp_range_rules)
{
	struct ss_mem *m;
	struct ss_mem_config cfg = {.dram_size = DRAM, .max_asid = 15, .seed = 1};
	REQUIRE(ss_mem_create(&cfg, &m, &E) == 0);
	CHECK(ss_mem_snp_enable(m, &E) == SS_ESTATE);
	CHECK(ss_mem_set_rmp_range(m, RMP_BASE + 0x1000, RMP_BASE + 0x30000, &E) == SS_EINVAL);
	CHECK_CONTAINS(E.msg, "8 KiB");
	CHECK(ss_mem_set_rmp_range(m, RMP_BASE, RMP_BASE + 0x1000, &E) == SS_EINVAL);
	CHECK_CONTAINS(E.msg, "covers less");
	CHECK(ss_mem_set_rmp_range(m, RMP_BASE, DRAM, &E) == SS_EINVAL);
	CHECK(ss_mem_rmp_size_needed(m) == 0x4000 + 16 * (DRAM / PG));
	struct ss_abi_rmp_state st = {0};
	struct ss_rmp_result r;
	CHECK(ss_mem_rmpupdate(m, 0, &st, &r, &F, &E) == SS_MEM_FAULTED &&
	      F.kind == SS_MEM_FAULT_UD);
	ss_mem_destroy(m);
}

TEST(guest_access_checks)
{
	struct fx x;
	REQUIRE(fx_init(&x, SNP));
	/* Not assigned */
	CHECK(gaccess(&x, 0, SS_MEM_READ, GPA_A, true) == SS_MEM_FAULTED);
	CHECK(F.kind == SS_MEM_FAULT_NPF &&
	      F.error_code ==
		  (SS_MEM_ERR_P | SS_MEM_ERR_RMP | SS_MEM_ERR_ENC | SS_MEM_ERR_GUEST_FINAL));
	/* Assigned, not validated: #VC 0x404 */
	REQUIRE(fx_assign(&x, GUEST_ASID, GPA_A, false));
	CHECK(gaccess(&x, 0, SS_MEM_READ, GPA_A, true) == SS_MEM_FAULTED);
	CHECK(F.kind == SS_MEM_FAULT_VC && F.error_code == 0x404 && F.addr == GPA_A);
	REQUIRE(pval(&x, 0, GPA_A, 0, 1) == 0 && R.eax == 0);
	CHECK(gaccess(&x, 0, SS_MEM_WRITE, GPA_A, true) == 0);
	/* A page-table walk is private and says so in the error code. */
	struct ss_mem_access a = guest_acc(GUEST_ASID, SS_MEM_READ, GPA_B, false);
	a.flags |= SS_MEM_PTWALK;
	uint8_t b[8];
	CHECK(ss_mem_read(x.m, &a, SPA_OF(GPA_B), b, 8, &F, &E) == SS_MEM_FAULTED);
	CHECK(F.error_code & SS_MEM_ERR_GUEST_PAGE && !(F.error_code & SS_MEM_ERR_GUEST_FINAL));
	/* Shared access to the private page */
	CHECK(gaccess(&x, 0, SS_MEM_WRITE, GPA_A, false) == SS_MEM_FAULTED);
	CHECK(F.kind == SS_MEM_FAULT_NPF && F.error_code & SS_MEM_ERR_RMP &&
	      !(F.error_code & SS_MEM_ERR_ENC));
	/* Shared access to a hypervisor page is fine */
	CHECK(gaccess(&x, 0, SS_MEM_WRITE, GPA_B, false) == 0);
	/* Another SNP guest's page */
	struct ss_mem_access o = guest_acc(OTHER_ASID, SS_MEM_READ, GPA_A, true);
	CHECK(ss_mem_read(x.m, &o, SPA_OF(GPA_A), b, 8, &F, &E) == SS_MEM_FAULTED);
	CHECK(F.rule && strstr(F.rule, "ASID"));
	fx_fini(&x);
}

TEST(vmsa_page_rules)
{
	struct fx x;
	REQUIRE(fx_init(&x, SNP));
	REQUIRE(fx_assign(&x, GUEST_ASID, GPA_A, true));
	CHECK(ss_mem_vmsa_check(x.m, GUEST_ASID, SPA_OF(GPA_A), &F, &E) == SS_MEM_FAULTED);
	CHECK(F.kind == SS_MEM_FAULT_INVALID && strstr(F.rule, "VMSA"));
	/* VMPL0 marks it as VMPL1's VMSA. */
	REQUIRE(radj(&x, 0, GPA_A, 0, RDX_ADJ(1, 0, 1)) == 0 && R.eax == 0);
	CHECK(ss_mem_vmsa_check(x.m, GUEST_ASID, SPA_OF(GPA_A), &F, &E) == 0);
	CHECK(ss_mem_vmsa_check(x.m, OTHER_ASID, SPA_OF(GPA_A), &F, &E) == SS_MEM_FAULTED);
	CHECK(ss_mem_vmsa_check(x.m, GUEST_ASID, SPA_OF(GPA_A) + 8, &F, &E) == SS_MEM_FAULTED);
	/* VMPL1 cannot touch the VMSA page */
	CHECK(gaccess(&x, 1, SS_MEM_READ, GPA_A, true) == SS_MEM_FAULTED);
	CHECK(F.error_code & SS_MEM_ERR_VMPL);
	/* Not validated any more: unusable */
	REQUIRE(pval(&x, 0, GPA_A, 0, 0) == 0 && R.eax == 0);
	CHECK(ss_mem_vmsa_check(x.m, GUEST_ASID, SPA_OF(GPA_A), &F, &E) == SS_MEM_FAULTED);
	/* A non-SNP (SEV-ES) guest's VMSA is not RMP-checked. */
	CHECK(ss_mem_vmsa_check(x.m, 9, SPA_OF(GPA_B), &F, &E) == 0);
	/* The CPU's own VMSA access (SS_MEM_VMSA): the guest's key, none of the guest checks, so a
	 * VMSA whose RMP entry carries another GPA than its sPA is loaded (§9.3). */
	struct ss_rmp_entry v = {.assigned = true,
				 .asid = GUEST_ASID,
				 .gpa = 0xFFFFFFFFF000ull,
				 .validated = true,
				 .vmsa = true,
				 .perms = {SS_RMP_PERM_ALL}};
	REQUIRE(ss_mem_fw_rmp_set(x.fw, SPA_OF(GPA_B), &v, &E) == 0);
	CHECK(ss_mem_vmsa_check(x.m, GUEST_ASID, SPA_OF(GPA_B), &F, &E) == 0);
	uint8_t st[16] = "VMSA state bytes", back[16];
	REQUIRE(ss_mem_fw_write(x.fw, GUEST_ASID, SPA_OF(GPA_B), st, 16, &E) == 0);
	struct ss_mem_access cpu = guest_acc(GUEST_ASID, SS_MEM_READ, SPA_OF(GPA_B), true);
	CHECK(ss_mem_read(x.m, &cpu, SPA_OF(GPA_B), back, 16, &F, &E) == SS_MEM_FAULTED);
	CHECK(F.rule && strstr(F.rule, "GPA")); /* as a guest access: the GPA check refuses */
	cpu.flags |= SS_MEM_VMSA;
	REQUIRE(ss_mem_read(x.m, &cpu, SPA_OF(GPA_B), back, 16, &F, &E) == 0);
	CHECK_MEM(back, st, 16);
	struct ss_mem_access host = host_acc(SS_MEM_READ);
	host.flags |= SS_MEM_VMSA;
	CHECK(ss_mem_read(x.m, &host, SPA_OF(GPA_B), back, 16, &F, &E) == SS_EINVAL);
	fx_fini(&x);
}

struct hits {
	int n;
	uint64_t spa, len;
	enum ss_mem_inval_reason why;
};

static void hook(void *opaque, uint64_t spa, uint64_t len, enum ss_mem_inval_reason why)
{
	struct hits *h = opaque;
	if (why != SS_MEM_INVAL_RMP)
		return;
	h->n++;
	h->spa = spa;
	h->len = len;
	h->why = why;
}

TEST(invalidation_hook_hears_rmp_changes)
{
	struct fx x;
	REQUIRE(fx_init(&x, SNP));
	struct hits h = {0};
	REQUIRE(ss_mem_add_listener(x.m, hook, &h, &E) == 0);
	uint32_t g0 = ss_mem_page_gen(x.m, SPA_OF(GPA_A));
	REQUIRE(fx_assign(&x, GUEST_ASID, GPA_A, true)); /* RMPUPDATE + PVALIDATE */
	CHECK(h.n == 2 && h.spa == SPA_OF(GPA_A) && h.len == PG);
	CHECK(ss_mem_page_gen(x.m, SPA_OF(GPA_A)) != g0);
	REQUIRE(radj(&x, 0, GPA_A, 0, RDX_ADJ(1, 1, 0)) == 0 && R.eax == 0);
	CHECK(h.n == 3);
	REQUIRE(radj(&x, 1, GPA_A, 0, RDX_ADJ(2, 2, 0)) == 0 && R.eax != 0);
	CHECK(h.n == 3); /* a failed instruction changes nothing */
	REQUIRE(rupd(&x, SPA_OF(GPA_2M), GPA_2M, 1, 1, GUEST_ASID) == 0 && R.eax == 0);
	CHECK(h.n == 4 && h.spa == SPA_OF(GPA_2M) && h.len == (2u << 20));
	fx_fini(&x);
}

TEST(rmp_entry_encoding)
{
	struct ss_rmp_entry e = {.assigned = true,
				 .pagesize = 1,
				 .immutable = true,
				 .subpage_count = 3,
				 .asid = 0x3FF,
				 .gpa = 0x7FFFFFFFFF000ull,
				 .vmsa = true,
				 .validated = true,
				 .lock = true,
				 .perms = {0x1F, 0x01, 0x02, 0x04}};
	struct ss_abi_rmp_entry raw = ss_rmp_encode(&e);
	CHECK(raw.lo == 0xFFFFFFFFFFFFF01Full);
	CHECK(raw.hi == 0x0402011Full);
	struct ss_rmp_entry d = ss_rmp_decode(raw);
	CHECK(d.assigned && d.pagesize == 1 && d.immutable && d.subpage_count == 3 &&
	      d.asid == 0x3FF && d.gpa == 0x7FFFFFFFFF000ull && d.vmsa && d.validated && d.lock);
	CHECK(d.perms[0] == 0x1F && d.perms[3] == 0x04);
	struct ss_abi_rmp_entry one = {1ull << 51, 0};
	CHECK(ss_rmp_decode(one).asid == 1 && ss_rmp_decode(one).gpa == 0);
}

TEST_MAIN(MODE_CASES(pvalidate_twice_reports_no_change), MODE_CASES(rmpadjust_cannot_escalate),
	  MODE_CASES(vmpl_without_execute_cannot_fetch), MODE_CASES(rmpupdate_on_validated_page),
	  MODE_CASES(host_writes_to_assigned_pages_fault), MODE_CASES(psmash_splits_a_2m_entry),
	  every_return_code_reachable, rmp_lives_in_dram_at_rmp_base, rmp_range_rules,
	  guest_access_checks, vmsa_page_rules, invalidation_hook_hears_rmp_changes,
	  rmp_entry_encoding)
