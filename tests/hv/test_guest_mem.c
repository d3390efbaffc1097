/* The memory model under the emulated CPU (include/softsev/hv_mem.h, issue 7): guest code bytes and
 * the hypervisor's assertions side by side. An SNP-enabled ss_mem, a hypervisor in C that builds a
 * VMCB and nested tables in host memory, and an SEV guest (ASID 1, SNP key slot) run through
 * ss_cpu_vmrun: ciphertext seen by the host, VMPL execute permission and RMPADJUST, #VC on a page
 * not validated, PVALIDATE's rAX and CF, and RMPUPDATE of a page whose code was already decoded.
 * Numbers: cpu-svm-sev.md §3.3 (exit codes), §8.3-§8.6 (RMP checks and instructions). */
#include "harness.h"

#include <softsev/abi/vmcb.h>
#include <softsev/abi/vmsa.h>
#include <softsev/cpu.h>
#include <softsev/hv_mem.h>
#include <softsev/mem.h>
#include <stdio.h>
#include <stdlib.h>

#define DRAM	 (16u << 20)
#define RMP_BASE 0xE00000u
#define NPT	 0x100000u /* host: nested PML4, PDPT +0x1000, PD +0x2000, PT +0x3000 */
#define VMCB	 0x200000u
#define IOPM	 0x210000u
#define MSRPM	 0x220000u
#define GBASE	 0x400000u /* gPA 0 is sPA 4 MiB (512 nested 4 KiB pages) */
#define GPT	 0x1000u   /* guest tables (gPA): PML4, PDPT +0x1000, PD +0x2000, PT +0x3000 */
#define SHARED	 0x200000u /* guest linear [2 MiB, 4 MiB): shared (C=0) alias of gPA [0, 2 MiB) */
#define ASID	 1
#define CBIT	 51

#define EXIT_VC	  0x05Du /* exception intercept, vector 29 */
#define EXIT_HLT  0x078u
#define EXIT_NPF  0x400u
#define EXIT_INTR 0x060u
#define ERR_RMP	  (1ull << 31)
#define ERR_ID	  (1ull << 4)

/* The guest's kind: no encryption, SEV (key slot SEV), SNP (key slot SNP, RMP checks); the _ES
 * kinds keep their state in an encrypted VMSA at VMSA_SPA. */
enum mode { PLAIN, SEV, SNP, SEV_ES, SNP_ES };
#define VMSA_SPA 0x240000u
#define VMSA_GPA 0xFFFFFFFFF000ull /* the GPA KVM gives a VMSA's RMP entry: not sPA (§8.3) */

typedef struct hv {
	enum mode mode;
	uint64_t cbit; /* the C-bit in guest PTEs (0 for a plain guest) */
	struct ss_mem *m;
	struct ss_mem_fw *fw;
	struct ss_hv_mem *hm;
	ss_cpu *c;
	ss_cpu_exit ex;
	ss_vmcb v; /* the hypervisor's copy, written to / read from VMCB in host memory */
} hv;

static ss_error E;

static bool is_snp(const hv *h)
{
	return h->mode == SNP || h->mode == SNP_ES;
}

static int host_write(hv *h, uint64_t spa, const void *buf, size_t len)
{
	struct ss_mem_fault f;
	return ss_hv_mem_host_write(h->hm, SS_MEM_HOST, spa, buf, len, &f, &E);
}

static int host_read(hv *h, uint64_t spa, void *buf, size_t len)
{
	struct ss_mem_access a = {.actor = SS_MEM_HOST, .type = SS_MEM_READ};
	struct ss_mem_fault f;
	return ss_mem_read(h->m, &a, spa, buf, len, &f, &E);
}

static void host_p64(hv *h, uint64_t spa, uint64_t x)
{
	CHECK(host_write(h, spa, &x, 8) == 0);
}

/* Launch: the host assigns the guest page (RMPUPDATE), VMPL0 validates it (as the guest's first
 * code would; done here directly so each test starts from a known state). */
static bool assign(hv *h, uint64_t gpa, bool validate)
{
	if (!is_snp(h))
		return true; /* only an SNP guest's pages are assigned to it */
	struct ss_abi_rmp_state st = {.gpa = gpa, .assigned = 1, .asid = ASID};
	struct ss_rmp_result r;
	struct ss_mem_fault f;
	if (ss_mem_rmpupdate(h->m, GBASE + gpa, &st, &r, &f, &E) || r.eax)
		return false;
	if (!validate)
		return true;
	struct ss_mem_guest_op o = {
	    .asid = ASID, .gva = gpa, .gpa = gpa, .spa = GBASE + gpa, .rdx = 1};
	return ss_mem_pvalidate(h->m, &o, &r, &f, &E) == 0 && r.eax == 0 && !r.cf;
}

/* VMPL0 grants vmpl the permissions perms on gpa (RMPADJUST, done directly for set-up). */
static bool grant(hv *h, uint64_t gpa, unsigned vmpl, unsigned perms)
{
	if (!is_snp(h))
		return true;
	struct ss_mem_guest_op o = {.asid = ASID,
				    .gva = gpa,
				    .gpa = gpa,
				    .spa = GBASE + gpa,
				    .rdx = vmpl | (perms << SS_RMPADJUST_PERM_SHIFT)};
	struct ss_rmp_result r;
	struct ss_mem_fault f;
	return ss_mem_rmpadjust(h->m, &o, &r, &f, &E) == 0 && r.eax == 0;
}

/* Private guest memory written with the guest's key (the launch's SNP_LAUNCH_UPDATE role). */
static bool gput(hv *h, uint64_t gpa, const void *buf, size_t len)
{
	uint16_t key = h->mode == PLAIN ? SS_MEM_FW_NOKEY : ASID;
	return ss_mem_fw_write(h->fw, key, GBASE + gpa, buf, len, &E) == 0;
}

static bool gread(hv *h, uint64_t gpa, void *buf, size_t len)
{
	struct ss_mem_access a = {.actor = SS_MEM_GUEST,
				  .type = SS_MEM_READ,
				  .flags = SS_MEM_C,
				  .asid = ASID,
				  .gpa = gpa};
	struct ss_mem_fault f;
	return ss_mem_read(h->m, &a, GBASE + gpa, buf, len, &f, &E) == 0;
}

static bool gcode(hv *h, uint64_t gpa, const char *hex)
{
	uint8_t b[64];
	size_t n = 0;
	for (; hex[2 * n] && n < sizeof(b); n++) {
		unsigned x;
		if (sscanf(hex + 2 * n, "%2x", &x) != 1)
			return false;
		b[n] = (uint8_t)x;
	}
	return assign(h, gpa & ~0xfffull, true) && gput(h, gpa, b, n);
}

static bool hv_init_mode(hv *h, enum mode mode)
{
	memset(h, 0, sizeof(*h));
	h->mode = mode;
	h->cbit = mode == PLAIN ? 0 : 1ull << CBIT;
	struct ss_mem_config mc = {.dram_size = DRAM, .max_asid = 15, .seed = 7};
	if (ss_mem_create(&mc, &h->m, &E) || !(h->fw = ss_mem_claim_firmware_port(h->m)) ||
	    ss_mem_set_rmp_range(h->m, RMP_BASE, RMP_BASE + 0x20000 - 1, &E) ||
	    ss_mem_snp_enable(h->m, &E) || ss_hv_mem_new(h->m, &h->hm, &E))
		return false;
	uint8_t vek[32];
	for (unsigned i = 0; i < 32; i++)
		vek[i] = (uint8_t)(i * 29 + 3);
	bool snp = is_snp(h), es = mode == SEV_ES || mode == SNP_ES;
	if (mode != PLAIN &&
	    ss_mem_fw_key_load(h->fw, ASID, vek, 32, snp ? SS_MEM_KEY_SNP : SS_MEM_KEY_SEV, &E))
		return false;

	ss_cpu_config cfg = {.mem = &ss_hv_mem_ops,
			     .mem_ctx = h->hm,
			     .flat_long_mode = true, /* host code without page tables */
			     /* SME, SEV, SEV-ES, SNP; C-bit 51; 15 ASIDs, SEV-only from 1 */
			     .sev_leaf = {0x1B, CBIT | (1u << 6), 15, es ? 2 : 1}};
	if (ss_cpu_new(&cfg, &h->c, &E))
		return false;
	ss_hv_mem_attach(h->hm, h->c);
	ss_cpu_regs *r = ss_cpu_regs_of(h->c);
	r->cr0 &= ~0x80000000ull;
	ss_cpu_set_long_mode(h->c, false);
	r->efer |= 0x1000; /* SVME */
	r->syscfg = 1ull << 23;

	/* Nested tables (host memory): gPA [0, 2 MiB) -> sPA [4 MiB, 6 MiB) in 4 KiB pages, the
	 * size of the RMP entries (a 2 MiB nested page over them is a size mismatch, §8.3). */
	host_p64(h, NPT, (NPT + 0x1000) | 7);
	host_p64(h, NPT + 0x1000, (NPT + 0x2000) | 7);
	host_p64(h, NPT + 0x2000, (NPT + 0x3000) | 7);
	static uint64_t npt[512];
	for (unsigned i = 0; i < 512; i++)
		npt[i] = (GBASE + 0x1000ull * i) | 0x67;
	if (host_write(h, NPT + 0x3000, npt, sizeof(npt)))
		return false;
	/* Guest tables, private: linear [0, 2 MiB) maps gPA [0, 2 MiB) as one private 2 MiB page;
	 * linear [2 MiB, 4 MiB) maps the same gPAs again in 4 KiB pages with the C-bit clear
	 * (shared). A/D preset. */
	const uint64_t c = h->cbit;
	uint64_t pml4 = (GPT + 0x1000) | c | 0x23, pdpt = (GPT + 0x2000) | c | 0x23;
	uint64_t pd[2] = {c | 0xE3, (GPT + 0x3000) | c | 0x23};
	static uint64_t pt[512];
	for (unsigned i = 0; i < 512; i++)
		pt[i] = (0x1000ull * i) | 0x63;
	for (unsigned k = 0; k < 4; k++)
		if (!assign(h, GPT + 0x1000 * k, true) || !grant(h, GPT + 0x1000 * k, 1, 3))
			return false;
	if (!gput(h, GPT, &pml4, 8) || !gput(h, GPT + 0x1000, &pdpt, 8) ||
	    !gput(h, GPT + 0x2000, pd, 16) || !gput(h, GPT + 0x3000, pt, sizeof(pt)))
		return false;

	ss_vmcb_control *k = &h->v.control;
	ss_vmcb_save *s = &h->v.save;
	k->intercept_misc1 = SS_ICPT3_HLT | SS_ICPT3_SHUTDOWN;
	k->intercept_misc2 = SS_ICPT4_VMRUN;
	k->intercept_exc = (1u << 29) | (1u << 14) | (1u << 13) | (1u << 6); /* #VC #PF #GP #UD */
	k->iopm_base_pa = IOPM;
	k->msrpm_base_pa = MSRPM;
	k->asid = ASID;
	k->nested_ctl = SS_NESTED_CTL_NP | (mode != PLAIN ? SS_NESTED_CTL_SEV : 0) |
			(es ? SS_NESTED_CTL_SEV_ES : 0);
	k->vmsa_pa = es ? VMSA_SPA : 0;
	k->nested_cr3 = NPT;
	k->tlb_ctl = 0; /* no flush at VMRUN: coherence must come from the RMP listener */
	s->cs = (ss_vmsa_segment){0x08, 0x29b, 0xffffffff, 0};
	s->ss = s->ds = s->es = (ss_vmsa_segment){0x10, 0xc93, 0xffffffff, 0};
	s->efer = 0x1000 | 0x500 | 0x800; /* SVME, LME, LMA, NXE */
	s->cr0 = 0x80000011;
	s->cr3 = GPT;
	s->cr4 = 0x20;
	s->rflags = 2;
	s->rsp = 0x8000;
	s->g_pat = 0x0007040600070406ull;
	return true;
}

static bool hv_init(hv *h)
{
	return hv_init_mode(h, SNP);
}

static void hv_fini(hv *h)
{
	ss_cpu_free(h->c);
	ss_mem_destroy(h->m);
	ss_hv_mem_free(h->hm);
}

/* Runs the guest at rip and VMPL vmpl with RAX/RCX/RDX; returns the exit code (0xdead: error). */
static uint64_t run(hv *h, uint64_t rip, uint8_t vmpl, uint64_t rax, uint64_t rcx, uint64_t rdx)
{
	h->v.save.rip = rip;
	h->v.save.vmpl = vmpl;
	h->v.save.rax = rax;
	h->v.save.rflags = 2;
	ss_cpu_regs *r = ss_cpu_regs_of(h->c);
	r->gpr[SS_RCX] = rcx;
	r->gpr[SS_RDX] = rdx;
	if (host_write(h, VMCB, &h->v, sizeof(h->v)) ||
	    ss_cpu_vmrun(h->c, VMCB, 10000, &h->ex, &E) ||
	    host_read(h, VMCB, &h->v, sizeof(h->v))) {
		printf("# run: %s\n", E.msg);
		return 0xdead;
	}
	if (h->ex.reason != SS_CPU_EXIT_VMEXIT)
		return 0xbeef;
	return h->v.control.exit_code;
}

#define SETUP()                                                                                    \
	hv H, *h = &H;                                                                             \
	REQUIRE(hv_init(h))

/* (1) The guest writes a secret with the C-bit; the hypervisor reads ciphertext. */
TEST(host_reads_ciphertext_of_guest_secret)
{
	SETUP();
	REQUIRE(assign(h, 0x20000, true));
	/* mov rax, 0x2121544552434553 ("SECRET!!"); mov [0x20000], rax; hlt */
	REQUIRE(gcode(h, 0x10000,
		      "48B85345435245542121"
		      "4889042500000200"
		      "F4"));
	uint64_t secret = 0x2121544552434553ull, seen = 0, mine = 0;
	CHECK(run(h, 0x10000, 0, 0, 0, 0) == EXIT_HLT);
	REQUIRE(host_read(h, GBASE + 0x20000, &seen, 8) == 0);
	CHECK(seen != secret && seen != 0);
	REQUIRE(gread(h, 0x20000, &mine, 8));
	CHECK(mine == secret); /* the guest's own view: the store did happen */
	hv_fini(h);
}

/* (2) VMPL1 has no execute permission on its code page: #NPF with the RMP bits. RMPADJUST run by
 * VMPL0 guest code grants it and the same code runs; revoking it again faults again although the
 * code was already decoded at VMPL1 (the decoded-instruction cache heard the RMP change). */
TEST(vmpl_execute_permission_and_rmpadjust)
{
	SETUP();
	const uint64_t p = 0x11000;
	REQUIRE(gcode(h, p, "B807000000F4"));	  /* VMPL1: mov eax, 7; hlt */
	REQUIRE(gcode(h, 0x12000, "F30F01FEF4")); /* VMPL0: rmpadjust; hlt */
	CHECK(run(h, p, 1, 0, 0, 0) == EXIT_NPF);
	CHECK((h->v.control.exit_info_1 & (ERR_RMP | ERR_ID)) == (ERR_RMP | ERR_ID));
	CHECK(h->v.control.exit_info_1 & SS_MEM_ERR_VMPL);
	CHECK(h->v.control.exit_info_2 == p);

	uint64_t rx = 1 | ((uint64_t)(SS_RMP_PERM_READ | SS_RMP_PERM_EXEC_SUPER) << 8);
	CHECK(run(h, 0x12000, 0, p, 0, rx) == EXIT_HLT);
	CHECK(h->v.save.rax == SS_RMP_SUCCESS);
	CHECK(!(h->v.save.rflags & 1));
	CHECK(run(h, p, 1, 0, 0, 0) == EXIT_HLT);
	CHECK(h->v.save.rax == 7);

	/* Revoke execute: the decoded block of p at VMPL1 must not run again. */
	uint64_t r_only = 1 | ((uint64_t)SS_RMP_PERM_READ << 8);
	CHECK(run(h, 0x12000, 0, p, 0, r_only) == EXIT_HLT);
	CHECK(h->v.save.rax == SS_RMP_SUCCESS);
	CHECK(run(h, p, 1, 0, 0, 0) == EXIT_NPF);
	CHECK(h->v.control.exit_info_2 == p);

	/* VMPL1 cannot adjust its own level (target VMPL <= current): FAIL_PERMISSION in rAX. */
	REQUIRE(gcode(h, 0x13000, "F30F01FEF4"));
	REQUIRE(grant(h, 0x13000, 1, SS_RMP_PERM_READ | SS_RMP_PERM_EXEC_SUPER));
	CHECK(run(h, 0x13000, 1, p, 0, rx) == EXIT_HLT);
	CHECK(h->v.save.rax == SS_RMP_FAIL_PERMISSION);
	hv_fini(h);
}

/* (3) A private access to an assigned page the guest has not validated: #VC 0x404 (§8.3). */
TEST(unvalidated_page_gives_vc)
{
	SETUP();
	REQUIRE(assign(h, 0x21000, false));
	REQUIRE(gcode(h, 0x14000, "488B042500100200F4")); /* mov rax, [0x21000]; hlt */
	CHECK(run(h, 0x14000, 0, 0, 0, 0) == EXIT_VC);
	CHECK(h->v.control.exit_info_1 == SS_MEM_VC_NOT_VALIDATED);
	CHECK(h->v.save.rip == 0x14000); /* a fault: the load did not complete */
	hv_fini(h);
}

/* (4) PVALIDATE from guest code: rAX 0 and CF 0, then again: rAX 0 and CF 1 (no change); the page
 * is then usable; VMPL1 may not validate (FAIL_PERMISSION). */
TEST(pvalidate_from_guest_code)
{
	SETUP();
	const uint64_t pg = 0x22000;
	REQUIRE(assign(h, pg, false));
	REQUIRE(gcode(h, 0x15000, "F20F01FFF4"));	  /* pvalidate; hlt */
	REQUIRE(gcode(h, 0x16000, "488B042500200200F4")); /* mov rax, [0x22000]; hlt */
	CHECK(run(h, 0x16000, 0, 0, 0, 0) == EXIT_VC);
	CHECK(run(h, 0x15000, 0, pg, 0, 1) == EXIT_HLT);
	CHECK(h->v.save.rax == SS_RMP_SUCCESS);
	CHECK(!(h->v.save.rflags & 1));
	CHECK(run(h, 0x15000, 0, pg, 0, 1) == EXIT_HLT);
	CHECK(h->v.save.rax == SS_RMP_SUCCESS);
	CHECK(h->v.save.rflags & 1); /* CF = 1: Validated already set */
	CHECK(run(h, 0x16000, 0, 0, 0, 0) == EXIT_HLT);
	/* Bad page size in RCX: FAIL_INPUT. */
	CHECK(run(h, 0x15000, 0, pg, 2, 1) == EXIT_HLT);
	CHECK(h->v.save.rax == SS_RMP_FAIL_INPUT);
	REQUIRE(grant(h, 0x15000, 1, SS_RMP_PERM_READ | SS_RMP_PERM_EXEC_SUPER));
	CHECK(run(h, 0x15000, 1, pg, 0, 0) == EXIT_HLT);
	CHECK(h->v.save.rax == SS_RMP_FAIL_PERMISSION);
	hv_fini(h);
}

/* (5) The host reclaims a page whose code the CPU already decoded (RMPUPDATE to hypervisor-owned):
 * the guest's next fetch from it is a #NPF with the RMP bit, not the cached instructions. */
TEST(rmpupdate_invalidates_decoded_code)
{
	SETUP();
	const uint64_t p = 0x17000;
	REQUIRE(gcode(h, p, "B805000000F4")); /* mov eax, 5; hlt */
	CHECK(run(h, p, 0, 0, 0, 0) == EXIT_HLT);
	CHECK(h->v.save.rax == 5);
	CHECK(run(h, p, 0, 0, 0, 0) == EXIT_HLT); /* again, from the decoded-instruction cache */
	struct ss_abi_rmp_state st = {0};	  /* hypervisor-owned */
	struct ss_rmp_result r;
	struct ss_mem_fault f;
	REQUIRE(ss_mem_rmpupdate(h->m, GBASE + p, &st, &r, &f, &E) == 0 && r.eax == 0);
	CHECK(run(h, p, 0, 0, 0, 0) == EXIT_NPF);
	CHECK(h->v.control.exit_info_1 & ERR_RMP);
	CHECK(h->v.control.exit_info_1 & ERR_ID);
	CHECK(h->v.control.exit_info_2 == p);
	hv_fini(h);
}

/* Another agent's write (a device's DMA through ss_hv_mem_host_write) to a page of host code the
 * CPU already decoded: the next run executes the new bytes. */
TEST(dma_write_invalidates_decoded_code)
{
	SETUP();
	const uint64_t pa = 0x300000;
	const uint8_t v1[] = {0xB8, 5, 0, 0, 0, 0xF4}, v2[] = {0xB8, 9, 0, 0, 0, 0xF4};
	REQUIRE(host_write(h, pa, v1, sizeof(v1)) == 0);
	ss_cpu_regs *r = ss_cpu_regs_of(h->c);
	r->rip = pa;
	REQUIRE(ss_cpu_run(h->c, 100, &h->ex, &E) == 0);
	CHECK(h->ex.reason == SS_CPU_EXIT_HLT && r->gpr[SS_RAX] == 5);
	struct ss_mem_fault f;
	REQUIRE(ss_hv_mem_host_write(h->hm, SS_MEM_DMA, pa, v2, sizeof(v2), &f, &E) == 0);
	r->rip = pa;
	REQUIRE(ss_cpu_run(h->c, 100, &h->ex, &E) == 0);
	CHECK(h->ex.reason == SS_CPU_EXIT_HLT && r->gpr[SS_RAX] == 9);
	/* A guest actor is refused: guest accesses are the CPU's. */
	CHECK(ss_hv_mem_host_write(h->hm, SS_MEM_GUEST, pa, v2, 1, &f, &E) == SS_EINVAL);
	hv_fini(h);
}

/* Little-endian hex of a 64-bit immediate or a 32-bit displacement, for guest code strings. */
static const char *le(uint64_t v, unsigned bytes, char *out)
{
	for (unsigned i = 0; i < bytes; i++)
		sprintf(out + 2 * i, "%02X", (unsigned)((v >> (8 * i)) & 0xff));
	return out;
}

/* (6) The guest's C-bit chooses per page (§9.4): a store through a shared mapping (C-bit clear in
 * the guest's leaf PTE) reaches DRAM in plaintext, a private one as ciphertext; the guest reads
 * what the hypervisor put in a shared page; a nested PTE with the C-bit makes the shared page's
 * key the host's SME key. In every mode: a plain guest has no C-bit, all of it is plaintext. */
static void shared_and_private(enum mode mode)
{
	hv H, *h = &H;
	REQUIRE(hv_init_mode(h, mode));
	const uint64_t sh = 0x2121444552414853ull, pv = 0x2145544156495250ull,
		       hk = 0x214b54534f48ull;
	const uint64_t from_host = 0x0123456789ABCDEFull;
	char code[256], t1[17], t2[17], t3[17], d1[9], d2[9], d3[9], d4[9];
	snprintf(code, sizeof(code),
		 "48B8%s48890425%s"    /* mov rax, sh; mov [SHARED + 0x30000], rax */
		 "48B8%s48890425%s"    /* mov rax, pv; mov [0x20000], rax */
		 "488B1C25%s"	       /* mov rbx, [SHARED + 0x30008] */
		 "48B8%s48890425%sF4", /* mov rax, hk; mov [SHARED + 0x31000], rax; hlt */
		 le(sh, 8, t1), le(SHARED + 0x30000, 4, d1), le(pv, 8, t2), le(0x20000, 4, d2),
		 le(SHARED + 0x30008, 4, d3), le(hk, 8, t3), le(SHARED + 0x31000, 4, d4));
	REQUIRE(gcode(h, 0x10000, code));
	REQUIRE(assign(h, 0x20000, true));
	REQUIRE(host_write(h, GBASE + 0x30008, &from_host, 8) == 0);
	host_p64(h, NPT + 0x3000 + 8 * 0x31, (GBASE + 0x31000) | (1ull << CBIT) | 0x67);
	CHECK(run(h, 0x10000, 0, 0, 0, 0) == EXIT_HLT);
	CHECK(ss_cpu_regs_of(h->c)->gpr[SS_RBX] == from_host); /* shared: read in the clear */
	uint64_t seen = 0, mine = 0;
	REQUIRE(host_read(h, GBASE + 0x30000, &seen, 8) == 0);
	CHECK(seen == sh); /* shared store: plaintext for the host */
	REQUIRE(host_read(h, GBASE + 0x20000, &seen, 8) == 0);
	REQUIRE(gread(h, 0x20000, &mine, 8));
	CHECK(mine == pv);
	if (mode == PLAIN)
		CHECK(seen == pv);
	else
		CHECK(seen != pv); /* private store: ciphertext for the host */
	/* The nested PTE's C-bit: stored under the host's SME key. */
	struct ss_mem_access sme = {.actor = SS_MEM_HOST, .type = SS_MEM_READ, .flags = SS_MEM_C};
	struct ss_mem_fault f;
	REQUIRE(host_read(h, GBASE + 0x31000, &seen, 8) == 0);
	CHECK(seen != hk);
	REQUIRE(ss_mem_read(h->m, &sme, GBASE + 0x31000, &seen, 8, &f, &E) == 0);
	CHECK(seen == hk);
	if (mode == SNP) {
		/* A shared access to the guest's assigned page is refused (§8.3). */
		snprintf(code, sizeof(code), "488B0425%sF4", le(SHARED + 0x20000, 4, d1));
		REQUIRE(gcode(h, 0x11000, code));
		CHECK(run(h, 0x11000, 0, 0, 0, 0) == EXIT_NPF);
		CHECK(h->v.control.exit_info_1 & ERR_RMP);
		CHECK(!(h->v.control.exit_info_1 & SS_MEM_ERR_ENC));
		CHECK(h->v.control.exit_info_2 == 0x20000);
	}
	hv_fini(h);
}

TEST(shared_and_private_pages_plain)
{
	shared_and_private(PLAIN);
}
TEST(shared_and_private_pages_sev)
{
	shared_and_private(SEV);
}
TEST(shared_and_private_pages_snp)
{
	shared_and_private(SNP);
}

/* (7) The nested mapping's size reaches the RMP check (§8.3): a 2 MiB nested page over 4 KiB RMP
 * entries is #NPF with SIZEM — here on the guest's first page-table read. */
TEST(nested_2m_over_4k_rmp_is_sizem)
{
	SETUP();
	REQUIRE(gcode(h, 0x10000, "B807000000F4"));
	CHECK(run(h, 0x10000, 0, 0, 0, 0) == EXIT_HLT);
	host_p64(h, NPT + 0x2000, GBASE | 0xE7); /* gPA [0, 2 MiB): one 2 MiB nested page */
	h->v.control.tlb_ctl = SS_TLB_CTL_ALL;
	CHECK(run(h, 0x10000, 0, 0, 0, 0) == EXIT_NPF);
	uint64_t e = h->v.control.exit_info_1;
	CHECK((e & (SS_MEM_ERR_SIZEM | ERR_RMP)) == (SS_MEM_ERR_SIZEM | ERR_RMP));
	CHECK(e & SS_MEM_ERR_GUEST_PAGE);
	CHECK(h->v.control.exit_info_2 == GPT);
	const char *rule = ss_hv_mem_last_fault(h->hm)->rule;
	CHECK(rule && strstr(rule, "nested mapping larger"));
	hv_fini(h);
}

/* (8) PVALIDATE against the nested and the RMP page sizes (§8.3, §8.4): a 2 MiB RMP entry under a
 * 2 MiB nested page validates as 2 MiB; a 4 KiB PVALIDATE inside it is FAIL_SIZEMISMATCH; once the
 * hypervisor maps it with 4 KiB nested pages, a 2 MiB PVALIDATE is #NPF with SIZEM. */
TEST(pvalidate_page_sizes)
{
	SETUP();
	const uint64_t big = 0x600000; /* sPA of gPA [2 MiB, 4 MiB) */
	host_p64(h, NPT + 0x2008, big | 0xE7);
	struct ss_abi_rmp_state st = {.gpa = 0x200000, .assigned = 1, .pagesize = 1, .asid = ASID};
	struct ss_rmp_result r;
	struct ss_mem_fault f;
	REQUIRE(ss_mem_rmpupdate(h->m, big, &st, &r, &f, &E) == 0 && r.eax == 0);
	uint64_t pde = 0x200000 | h->cbit | 0xE3; /* guest linear [4 MiB, 6 MiB) */
	REQUIRE(gput(h, GPT + 0x2000 + 16, &pde, 8));
	REQUIRE(gcode(h, 0x18000, "F20F01FFF4"));	  /* pvalidate; hlt */
	REQUIRE(gcode(h, 0x19000, "488B042500004000F4")); /* mov rax, [0x400000]; hlt */
	CHECK(run(h, 0x18000, 0, 0x400000, 1, 1) == EXIT_HLT);
	CHECK(h->v.save.rax == SS_RMP_SUCCESS && !(h->v.save.rflags & 1));
	CHECK(run(h, 0x18000, 0, 0x401000, 0, 0) == EXIT_HLT);
	CHECK(h->v.save.rax == SS_RMP_FAIL_SIZEMISMATCH);
	CHECK(run(h, 0x19000, 0, 0, 0, 0) == EXIT_HLT);
	/* 4 KiB nested pages over the 2 MiB entry. */
	static uint64_t pt[512];
	for (unsigned i = 0; i < 512; i++)
		pt[i] = (big + 0x1000ull * i) | 0x67;
	REQUIRE(host_write(h, NPT + 0x4000, pt, sizeof(pt)) == 0);
	host_p64(h, NPT + 0x2008, (NPT + 0x4000) | 7);
	h->v.control.tlb_ctl = SS_TLB_CTL_ALL;
	CHECK(run(h, 0x19000, 0, 0, 0, 0) == EXIT_HLT); /* smaller nested pages are fine */
	CHECK(run(h, 0x18000, 0, 0x400000, 1, 0) == EXIT_NPF);
	CHECK(h->v.control.exit_info_1 & SS_MEM_ERR_SIZEM);
	CHECK(h->v.control.exit_info_2 == 0x200000);
	hv_fini(h);
}

/* (9) Rewrites under the page's own key switch no view, yet the decoded code must go: the PSP
 * (firmware port, guest key) rewrites a guest code page between two runs, and the hypervisor
 * rewrites its own code with a plain ss_mem_write; each time the new code runs. */
static void firmware_rewrite(enum mode mode)
{
	hv H, *h = &H;
	REQUIRE(hv_init_mode(h, mode));
	const uint64_t p = 0x17000;
	REQUIRE(gcode(h, p, "B805000000F4")); /* mov eax, 5; hlt */
	CHECK(run(h, p, 0, 0, 0, 0) == EXIT_HLT);
	CHECK(h->v.save.rax == 5);
	const uint8_t v2[] = {0xB8, 9, 0, 0, 0, 0xF4};
	REQUIRE(gput(h, p, v2, sizeof(v2)));
	CHECK(run(h, p, 0, 0, 0, 0) == EXIT_HLT);
	CHECK(h->v.save.rax == 9);

	const uint64_t pa = 0x300000;
	const uint8_t h1[] = {0xB8, 1, 0, 0, 0, 0xF4}, h2[] = {0xB8, 2, 0, 0, 0, 0xF4};
	struct ss_mem_access a = {.actor = SS_MEM_HOST, .type = SS_MEM_WRITE};
	struct ss_mem_fault f;
	ss_cpu_regs *r = ss_cpu_regs_of(h->c);
	REQUIRE(ss_mem_write(h->m, &a, pa, h1, sizeof(h1), &f, &E) == 0);
	r->rip = pa;
	REQUIRE(ss_cpu_run(h->c, 100, &h->ex, &E) == 0);
	CHECK(h->ex.reason == SS_CPU_EXIT_HLT && r->gpr[SS_RAX] == 1);
	REQUIRE(ss_mem_write(h->m, &a, pa, h2, sizeof(h2), &f, &E) == 0);
	r->rip = pa;
	REQUIRE(ss_cpu_run(h->c, 100, &h->ex, &E) == 0);
	CHECK(h->ex.reason == SS_CPU_EXIT_HLT && r->gpr[SS_RAX] == 2);
	hv_fini(h);
}

TEST(same_key_rewrite_runs_new_code_plain)
{
	firmware_rewrite(PLAIN);
}
TEST(same_key_rewrite_runs_new_code_sev)
{
	firmware_rewrite(SEV);
}
TEST(same_key_rewrite_runs_new_code_snp)
{
	firmware_rewrite(SNP);
}

/* (10) SEV-ES and SNP guests start from their VMSA, which the CPU reads with the guest's key, not
 * as a guest access: an SNP VMSA's RMP entry carries a GPA that is not its sPA (KVM's
 * 0xFFFFFFFFF000) and VMRUN still loads it; the #VMEXIT writes the state back under the key.
 * A page the RMP does not mark as a VMSA is VMEXIT_INVALID (§9.3). */
static void vmsa_is_read_by_the_cpu(enum mode mode)
{
	hv H, *h = &H;
	REQUIRE(hv_init_mode(h, mode));
	REQUIRE(gcode(h, 0x10000, "B807000000F30F01D9")); /* mov eax, 7; vmgexit */
	static ss_vmsa s;
	const ss_vmcb_save *v = &h->v.save;
	memset(&s, 0, sizeof(s));
	s.cs = v->cs, s.ss = v->ss, s.ds = v->ds, s.es = v->es;
	s.efer = v->efer, s.cr0 = v->cr0, s.cr3 = v->cr3, s.cr4 = v->cr4, s.g_pat = v->g_pat;
	s.rflags = 2, s.rip = 0x10000, s.rsp = 0x8000, s.rax = 0x1234;
	REQUIRE(ss_mem_fw_write(h->fw, ASID, VMSA_SPA, &s, sizeof(s), &E) == 0);
	struct ss_rmp_entry e = {.assigned = true,
				 .asid = ASID,
				 .gpa = VMSA_GPA,
				 .validated = true,
				 .vmsa = true,
				 .perms = {SS_RMP_PERM_ALL}};
	if (mode == SNP_ES)
		REQUIRE(ss_mem_fw_rmp_set(h->fw, VMSA_SPA, &e, &E) == 0);
	REQUIRE(host_write(h, VMCB, &h->v, sizeof(h->v)) == 0);
	REQUIRE(ss_cpu_vmrun(h->c, VMCB, 1000, &h->ex, &E) == 0);
	REQUIRE(host_read(h, VMCB, &h->v, sizeof(h->v)) == 0);
	CHECK(h->ex.reason == SS_CPU_EXIT_VMEXIT && h->v.control.exit_code == 0x403);
	static ss_vmsa back, raw;
	REQUIRE(ss_mem_fw_read(h->fw, ASID, VMSA_SPA, &back, sizeof(back), &E) == 0);
	CHECK(back.rax == 7); /* the guest ran from the VMSA and its state went back there */
	CHECK(back.rip >= 0x10005 && back.rip <= 0x10009);
	REQUIRE(host_read(h, VMSA_SPA, &raw, sizeof(raw)) == 0);
	CHECK(memcmp(&raw, &back, sizeof(raw)) != 0); /* the host sees ciphertext */
	if (mode == SNP_ES) {
		e.vmsa = false;
		REQUIRE(ss_mem_fw_rmp_set(h->fw, VMSA_SPA, &e, &E) == 0);
		REQUIRE(host_write(h, VMCB, &h->v, sizeof(h->v)) == 0);
		REQUIRE(ss_cpu_vmrun(h->c, VMCB, 1000, &h->ex, &E) == 0);
		REQUIRE(host_read(h, VMCB, &h->v, sizeof(h->v)) == 0);
		CHECK(h->ex.reason == SS_CPU_EXIT_VMEXIT &&
		      h->ex.vmexit_code == 0xFFFFFFFFFFFFFFFFull);
		CHECK(h->v.control.exit_code == 0xFFFFFFFFFFFFFFFFull);
		CHECK(h->ex.detail && strstr(h->ex.detail, "VMSA"));
		const char *rule = ss_hv_mem_last_fault(h->hm)->rule;
		CHECK(rule && strstr(rule, "not marked VMSA"));
	}
	hv_fini(h);
}

TEST(vmsa_read_by_the_cpu_sev_es)
{
	vmsa_is_read_by_the_cpu(SEV_ES);
}
TEST(vmsa_read_by_the_cpu_snp)
{
	vmsa_is_read_by_the_cpu(SNP_ES);
}

/* Runs host code (flat long mode, CPL 0) at 0x300000 until HLT or an exception. */
static void host_run(hv *h, const char *hex)
{
	uint8_t b[64];
	size_t n = 0;
	for (; hex[2 * n] && n < sizeof(b); n++) {
		unsigned x;
		REQUIRE(sscanf(hex + 2 * n, "%2x", &x) == 1);
		b[n] = (uint8_t)x;
	}
	REQUIRE(host_write(h, 0x300000, b, n) == 0);
	ss_cpu_regs_of(h->c)->rip = 0x300000;
	REQUIRE(ss_cpu_run(h->c, 100, &h->ex, &E) == 0);
}

/* (11) RMPUPDATE and PSMASH executed by host code (§8.6, §8.7): RAX = sPA, RCX = the linear
 * address of the 16-byte new state, read by the CPU; the result in EAX with CF clear. */
TEST(host_rmpupdate_and_psmash_from_code)
{
	SETUP();
	char code[128], a[17], d[17];
	const uint64_t spa = GBASE + 0x50000, desc = 0x301000;
	uint8_t st[16] = {0};
	st[2] = 0x05, st[8] = 1, st[12] = ASID; /* gpa 0x50000, assigned, 4 KiB, ASID 1 */
	REQUIRE(host_write(h, desc, st, 16) == 0);
	ss_cpu_regs *r = ss_cpu_regs_of(h->c);
	/* mov rax, spa; mov rcx, desc; rmpupdate; hlt */
	snprintf(code, sizeof(code), "48B8%s48B9%sF20F01FEF4", le(spa, 8, a), le(desc, 8, d));
	r->rflags |= 1;
	host_run(h, code);
	CHECK(h->ex.reason == SS_CPU_EXIT_HLT);
	CHECK(r->gpr[SS_RAX] == SS_RMP_SUCCESS && !(r->rflags & 1));
	struct ss_rmp_entry e;
	REQUIRE(ss_mem_rmp_entry(h->m, spa, &e, &E) == 0);
	CHECK(e.assigned && e.asid == ASID && e.gpa == 0x50000 && e.pagesize == 0 && !e.validated);
	/* A misaligned sPA: FAIL_INPUT in EAX. */
	snprintf(code, sizeof(code), "48B8%s48B9%sF20F01FEF4", le(spa + 8, 8, a), le(desc, 8, d));
	host_run(h, code);
	CHECK(h->ex.reason == SS_CPU_EXIT_HLT && r->gpr[SS_RAX] == SS_RMP_FAIL_INPUT);
	/* PSMASH splits a 2 MiB entry; a second PSMASH finds none. */
	struct ss_abi_rmp_state big = {.gpa = 0x200000, .assigned = 1, .pagesize = 1, .asid = ASID};
	struct ss_rmp_result rr;
	struct ss_mem_fault f;
	REQUIRE(ss_mem_rmpupdate(h->m, 0x600000, &big, &rr, &f, &E) == 0 && rr.eax == 0);
	snprintf(code, sizeof(code), "48B8%sF30F01FFF4", le(0x600000, 8, a));
	host_run(h, code);
	CHECK(h->ex.reason == SS_CPU_EXIT_HLT && r->gpr[SS_RAX] == SS_RMP_SUCCESS);
	REQUIRE(ss_mem_rmp_entry(h->m, 0x601000, &e, &E) == 0);
	CHECK(e.assigned && e.pagesize == 0 && e.gpa == 0x201000);
	host_run(h, code);
	CHECK(h->ex.reason == SS_CPU_EXIT_HLT && r->gpr[SS_RAX] == SS_RMP_FAIL_INPUT);
	hv_fini(h);
}

/* The IOPM and MSRPM are host memory: an SNP guest's intercepted OUT and RDMSR exit with IOIO
 * and MSR, their permission bits read in the host's view, not refused by the RMP as the guest's. */
TEST(snp_guest_io_and_msr_intercepts_read_host_maps)
{
	SETUP();
	h->v.control.intercept_misc1 |= SS_ICPT3_IOIO_PROT | SS_ICPT3_MSR_PROT;
	const uint8_t io = 0x01, msr = 0x01; /* port 0x80; RDMSR of MSR 0x10 (bit 32) */
	REQUIRE(host_write(h, IOPM + (0x80 >> 3), &io, 1) == 0);
	REQUIRE(host_write(h, MSRPM + 4, &msr, 1) == 0);
	REQUIRE(gcode(h, 0x10000, "E680F4"));		/* out 0x80, al; hlt */
	REQUIRE(gcode(h, 0x11000, "B9100000000F32F4")); /* mov ecx, 0x10; rdmsr; hlt */
	CHECK(run(h, 0x10000, 0, 0, 0, 0) == 0x7B);
	CHECK(run(h, 0x11000, 0, 0, 0, 0) == 0x7C);
	CHECK(h->v.control.exit_info_1 == 0); /* a read */
	hv_fini(h);
}

/* A host-only machine (flat long mode, exceptions leave ss_cpu_run), with or without SNP. */
typedef struct host {
	struct ss_mem *m;
	struct ss_hv_mem *hm;
	ss_cpu *c;
	ss_cpu_exit ex;
} host;

static bool host_init(host *x, bool snp)
{
	memset(x, 0, sizeof(*x));
	struct ss_mem_config mc = {.dram_size = 4u << 20, .max_asid = 15, .seed = 7};
	if (ss_mem_create(&mc, &x->m, &E) || ss_hv_mem_new(x->m, &x->hm, &E))
		return false;
	if (snp &&
	    (ss_mem_set_rmp_range(x->m, 0x3E0000, 0x3FFFFF, &E) || ss_mem_snp_enable(x->m, &E)))
		return false;
	ss_cpu_config cfg = {.mem = &ss_hv_mem_ops,
			     .mem_ctx = x->hm,
			     .flat_long_mode = true,
			     .exit_on_exception = true};
	if (ss_cpu_new(&cfg, &x->c, &E))
		return false;
	ss_hv_mem_attach(x->hm, x->c);
	ss_cpu_regs *r = ss_cpu_regs_of(x->c);
	r->cr0 &= ~0x80000000ull;
	ss_cpu_set_long_mode(x->c, false);
	return true;
}

static void host_fini(host *x)
{
	ss_cpu_free(x->c);
	ss_mem_destroy(x->m);
	ss_hv_mem_free(x->hm);
}

/* Without SNP (SYSCFG.SNPEn clear) RMPUPDATE and PSMASH are #UD. */
TEST(host_rmpupdate_without_snp_is_ud)
{
	host X, *x = &X;
	REQUIRE(host_init(x, false));
	ss_cpu_regs *r = ss_cpu_regs_of(x->c);
	static const uint8_t code[] = {0xF2, 0x0F, 0x01, 0xFE, 0xF4, 0xF3, 0x0F, 0x01, 0xFF, 0xF4};
	struct ss_mem_access a = {.actor = SS_MEM_HOST, .type = SS_MEM_WRITE};
	struct ss_mem_fault f;
	REQUIRE(ss_mem_write(x->m, &a, 0x1000, code, sizeof(code), &f, &E) == 0);
	r->gpr[SS_RCX] = 0x2000;
	for (unsigned at = 0; at < 10; at += 5) {
		r->rip = 0x1000 + at;
		REQUIRE(ss_cpu_run(x->c, 10, &x->ex, &E) == 0);
		CHECK(x->ex.reason == SS_CPU_EXIT_EXCEPTION && x->ex.vector == 6);
	}
	host_fini(x);
}

/* Host code writing to a page assigned to a guest takes #PF with the RMP bit (31) at the linear
 * address (§8.3); reading it is allowed (ciphertext). */
TEST(host_code_write_to_assigned_page_is_pf_rmp)
{
	host X, *x = &X;
	REQUIRE(host_init(x, true));
	struct ss_abi_rmp_state st = {.gpa = 0x5000, .assigned = 1, .asid = ASID};
	struct ss_rmp_result rr;
	struct ss_mem_fault f;
	REQUIRE(ss_mem_rmpupdate(x->m, 0x205000, &st, &rr, &f, &E) == 0 && rr.eax == 0);
	/* mov rax, [0x205008]; mov [0x205010], rax; hlt */
	static const uint8_t code[] = {0x48, 0x8B, 0x04, 0x25, 0x08, 0x50, 0x20, 0x00, 0x48,
				       0x89, 0x04, 0x25, 0x10, 0x50, 0x20, 0x00, 0xF4};
	struct ss_mem_access a = {.actor = SS_MEM_HOST, .type = SS_MEM_WRITE};
	REQUIRE(ss_mem_write(x->m, &a, 0x1000, code, sizeof(code), &f, &E) == 0);
	ss_cpu_regs *r = ss_cpu_regs_of(x->c);
	r->rip = 0x1000;
	REQUIRE(ss_cpu_run(x->c, 10, &x->ex, &E) == 0);
	CHECK(x->ex.reason == SS_CPU_EXIT_EXCEPTION && x->ex.vector == 14);
	CHECK(x->ex.has_error && (x->ex.error_code & 0x80000003u) == 0x80000003u);
	CHECK(x->ex.cr2 == 0x205010);
	CHECK(r->rip == 0x1008); /* the load completed, the store faulted */
	host_fini(x);
}

TEST_MAIN(host_reads_ciphertext_of_guest_secret, vmpl_execute_permission_and_rmpadjust,
	  unvalidated_page_gives_vc, pvalidate_from_guest_code, rmpupdate_invalidates_decoded_code,
	  dma_write_invalidates_decoded_code, shared_and_private_pages_plain,
	  shared_and_private_pages_sev, shared_and_private_pages_snp,
	  nested_2m_over_4k_rmp_is_sizem, pvalidate_page_sizes,
	  same_key_rewrite_runs_new_code_plain, same_key_rewrite_runs_new_code_sev,
	  same_key_rewrite_runs_new_code_snp, vmsa_read_by_the_cpu_sev_es, vmsa_read_by_the_cpu_snp,
	  host_rmpupdate_and_psmash_from_code, host_rmpupdate_without_snp_is_ud,
	  host_code_write_to_assigned_page_is_pf_rmp,
	  snp_guest_io_and_msr_intercepts_read_host_maps)
