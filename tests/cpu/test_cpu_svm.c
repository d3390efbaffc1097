/* SVM guest mode, guest and host side by side (STYLE.md item 8): a hypervisor written here in C
 * builds a VMCB, nested page tables and a 64-bit guest in flat RAM, runs it with ss_cpu_vmrun and
 * asserts each #VMEXIT's code and exit information (cpu-svm-sev.md §3.3), every VMRUN consistency
 * rule (each gives VMEXIT_INVALID), nested page faults with their error code and GPA, the IOPM and
 * MSRPM, exception intercepts, NRIP, EVENTINJ, the budget as #VMEXIT(INTR), and SEV-ES turning a
 * non-automatic exit into #VC inside the guest. */
#include "harness.h"

#include <softsev/abi/svm_exit.h>
#include <softsev/abi/vmcb.h>
#include <softsev/cpu.h>
#include <stdlib.h>

#define RAM	 (16u << 20)
#define NPT	 0x100000 /* host: nested PML4, PDPT at +0x1000, PD at +0x2000 */
#define VMCB	 0x200000
#define IOPM	 0x210000
#define MSRPM	 0x220000
#define GBASE	 0x400000 /* guest-physical 0 is system-physical 4 MiB */
#define GPT	 0x1000	  /* guest page tables (gPA): PML4, PDPT +0x1000, PD +0x2000 */
#define GGDT	 0x5000
#define GIDT	 0x6000
#define GCODE	 0x10000
#define GHANDLER 0x9000

typedef struct hv {
	ss_cpu_flatram ram;
	ss_cpu *c;
	ss_cpu_exit ex;
	ss_vmcb *v; /* points into RAM */
} hv;

static void p64(hv *h, uint64_t pa, uint64_t x)
{
	memcpy(h->ram.ram + pa, &x, 8);
}

static void gcode(hv *h, uint64_t gpa, const char *hex)
{
	for (size_t k = 0; hex[2 * k]; k++) {
		unsigned b;
		sscanf(hex + 2 * k, "%2x", &b);
		h->ram.ram[GBASE + gpa + k] = (uint8_t)b;
	}
}

static int hv_init(hv *h)
{
	memset(h, 0, sizeof(*h));
	h->ram.size = RAM;
	h->ram.ram = calloc(RAM, 1);
	if (!h->ram.ram)
		return -1;
	/* Nested tables: gPA [0, 4 MiB) -> sPA [4 MiB, 8 MiB) with 2 MiB pages. */
	p64(h, NPT, (NPT + 0x1000) | 7);
	p64(h, NPT + 0x1000, (NPT + 0x2000) | 7);
	p64(h, NPT + 0x2000, GBASE | 0x87);
	p64(h, NPT + 0x2008, (GBASE + 0x200000) | 0x87);
	/* Guest tables: identity map of gPA [0, 16 MiB) with 2 MiB pages. */
	p64(h, GBASE + GPT, (GPT + 0x1000) | 3);
	p64(h, GBASE + GPT + 0x1000, (GPT + 0x2000) | 3);
	for (unsigned k = 0; k < 8; k++)
		p64(h, GBASE + GPT + 0x2000 + 8 * k, ((uint64_t)k << 21) | 0x83);
	/* Guest GDT (code 0x08) and an IDT whose every vector goes to GHANDLER + 16 * v: hlt. */
	p64(h, GBASE + GGDT + 8, 0x00209A0000000000ull);
	for (unsigned k = 0; k < 32; k++) {
		uint64_t t = GHANDLER + 16 * k;
		p64(h, GBASE + GIDT + 16 * k, (t & 0xffff) | (0x08ull << 16) | (0x8Eull << 40));
		h->ram.ram[GBASE + t] = 0xF4;
	}

	ss_cpu_config cfg = {.mem = &ss_cpu_flatram_ops, .mem_ctx = &h->ram};
	ss_error err;
	if (ss_cpu_new(&cfg, &h->c, &err))
		return -1;
	ss_cpu_regs *r = ss_cpu_regs_of(h->c);
	r->cr0 &= ~0x80000000ull;
	ss_cpu_set_long_mode(h->c, false);
	r->efer |= 0x1000; /* SVME */
	r->syscfg = 1ull << 23;

	h->v = (ss_vmcb *)(h->ram.ram + VMCB);
	ss_vmcb_control *k = &h->v->control;
	ss_vmcb_save *s = &h->v->save;
	k->intercept_misc1 = SS_ICPT3_CPUID | SS_ICPT3_HLT | SS_ICPT3_IOIO_PROT |
			     SS_ICPT3_MSR_PROT | SS_ICPT3_SHUTDOWN;
	k->intercept_misc2 = SS_ICPT4_VMRUN | SS_ICPT4_VMMCALL;
	k->iopm_base_pa = IOPM;
	k->msrpm_base_pa = MSRPM;
	k->asid = 1;
	k->nested_ctl = SS_NESTED_CTL_NP;
	k->nested_cr3 = NPT;
	k->tlb_ctl = SS_TLB_CTL_ALL;
	s->cs = (ss_vmsa_segment){0x08, 0x29b, 0xffffffff, 0};
	s->ss = s->ds = s->es = (ss_vmsa_segment){0x10, 0xc93, 0xffffffff, 0};
	s->gdtr = (ss_vmsa_segment){0, 0, 0x0f, GGDT};
	s->idtr = (ss_vmsa_segment){0, 0, 32 * 16 - 1, GIDT};
	s->efer = 0x1000 | 0x500 | 0x800; /* SVME, LME, LMA, NXE */
	s->cr0 = 0x80000011;
	s->cr3 = GPT;
	s->cr4 = 0x20;
	s->rflags = 2;
	s->rip = GCODE;
	s->rsp = 0x8000;
	s->g_pat = 0x0007040600070406ull;
	return 0;
}

static uint64_t hv_run(hv *h)
{
	ss_error err;
	if (ss_cpu_vmrun(h->c, VMCB, 10000, &h->ex, &err)) {
		printf("# vmrun: %s\n", err.msg);
		return 0xdead;
	}
	if (h->ex.reason != SS_CPU_EXIT_VMEXIT)
		return 0xbeef;
	CHECK(h->ex.vmexit_code == h->v->control.exit_code);
	return h->v->control.exit_code;
}

static void hv_free(hv *h)
{
	ss_cpu_free(h->c);
	free(h->ram.ram);
}

TEST(cpuid_intercept_roundtrip_with_nrip)
{
	hv h;
	REQUIRE(hv_init(&h) == 0);
	gcode(&h, GCODE, "b8000000000fa2f4"); /* mov eax, 0; cpuid; hlt */
	CHECK(hv_run(&h) == SS_SVM_EXIT_CPUID);
	CHECK(h.v->save.rip == GCODE + 5);
	CHECK(h.v->control.next_rip == GCODE + 7);
	CHECK(h.v->save.rax == 0);
	/* The host handler emulates CPUID and resumes after it. */
	h.v->save.rax = 0x1234;
	h.v->save.rip = h.v->control.next_rip;
	CHECK(hv_run(&h) == SS_SVM_EXIT_HLT);
	CHECK(h.v->save.rip == GCODE + 7);
	CHECK(h.v->save.rax == 0x1234);
	/* The host state is back. */
	CHECK(ss_cpu_regs_of(h.c)->cpl == 0 && (ss_cpu_regs_of(h.c)->efer & 0x1000));
	hv_free(&h);
}

/* VMCB clean bits (cpu-svm-sev.md §1.5): a group marked clean in the VMCB the last #VMEXIT wrote
 * comes from the CPU's copy (the hypervisor's change to it is not seen and not checked); marked
 * dirty, or in another VMCB, it is read and checked again. */
TEST(vmcb_clean_bits)
{
	hv h;
	REQUIRE(hv_init(&h) == 0);
	gcode(&h, GCODE, "0fa20fa20fa20fa2f4"); /* cpuid x4; hlt */
	CHECK(hv_run(&h) == SS_SVM_EXIT_CPUID);
	/* CR4 with a reserved bit, CRx marked clean: the cached CR4 is used, no check fails. */
	uint64_t cr4 = h.v->save.cr4;
	h.v->save.cr4 = cr4 | (1ull << 40);
	h.v->save.rip = h.v->control.next_rip;
	h.v->control.tlb_ctl = SS_TLB_CTL_NONE;
	h.v->control.clean = 1u << 5;
	CHECK(hv_run(&h) == SS_SVM_EXIT_CPUID);
	CHECK(h.v->save.cr4 == cr4); /* the #VMEXIT wrote back the CR4 the guest ran with */
	/* The same change with CRx dirty: read, checked, refused. */
	h.v->save.cr4 = cr4 | (1ull << 40);
	h.v->save.rip = h.v->control.next_rip;
	h.v->control.clean = ~(1u << 5);
	CHECK(hv_run(&h) == SS_SVM_EXIT_INVALID);
	CHECK_STR(h.ex.detail, "CR4 reserved bits set");
	/* After a failed VMRUN nothing is cached: all clean bits set, the bad CR4 is still seen. */
	h.v->control.clean = ~0u;
	CHECK(hv_run(&h) == SS_SVM_EXIT_INVALID);
	h.v->save.cr4 = cr4;
	h.v->control.clean = 0;
	CHECK(hv_run(&h) == SS_SVM_EXIT_CPUID);
	/* Intercepts marked clean: clearing the CPUID intercept is not seen... */
	h.v->save.rip = h.v->control.next_rip;
	h.v->control.intercept_misc1 &= ~SS_ICPT3_CPUID;
	h.v->control.clean = 1u << 0;
	CHECK(hv_run(&h) == SS_SVM_EXIT_CPUID);
	/* ...until they are marked dirty. */
	h.v->save.rip = h.v->control.next_rip;
	h.v->control.clean = 0;
	CHECK(hv_run(&h) == SS_SVM_EXIT_HLT);
	/* Another VMCB (a copy at a new address) is read and checked whatever its clean bits. */
	memcpy(h.ram.ram + VMCB + 0x1000, h.v, 4096);
	ss_vmcb *w = (ss_vmcb *)(h.ram.ram + VMCB + 0x1000);
	w->save.cr4 = cr4 | (1ull << 40);
	w->control.clean = ~0u;
	ss_error err;
	CHECK(ss_cpu_vmrun(h.c, VMCB + 0x1000, 100, &h.ex, &err) == 0);
	CHECK(h.ex.reason == SS_CPU_EXIT_VMEXIT && h.ex.vmexit_code == SS_SVM_EXIT_INVALID);
	hv_free(&h);
}

typedef void (*mutate_fn)(ss_vmcb *v);
static void m_no_vmrun(ss_vmcb *v)
{
	v->control.intercept_misc2 = 0;
}
static void m_asid0(ss_vmcb *v)
{
	v->control.asid = 0;
}
static void m_svme(ss_vmcb *v)
{
	v->save.efer &= ~0x1000ull;
}
static void m_efer_rsvd(ss_vmcb *v)
{
	v->save.efer |= 1ull << 20;
}
static void m_cd_nw(ss_vmcb *v)
{
	v->save.cr0 |= 1ull << 29;
}
static void m_cr0_hi(ss_vmcb *v)
{
	v->save.cr0 |= 1ull << 32;
}
static void m_cr3(ss_vmcb *v)
{
	v->save.cr3 |= 1ull << 60;
}
static void m_cr4(ss_vmcb *v)
{
	v->save.cr4 |= 1ull << 30;
}
static void m_dr6(ss_vmcb *v)
{
	v->save.dr6 = 1ull << 40;
}
static void m_dr7(ss_vmcb *v)
{
	v->save.dr7 = 1ull << 40;
}
static void m_pae(ss_vmcb *v)
{
	v->save.cr4 &= ~0x20ull;
}
static void m_pe(ss_vmcb *v)
{
	v->save.cr0 &= ~1ull;
}
static void m_csld(ss_vmcb *v)
{
	v->save.cs.attrib |= 0x400;
}
static void m_iopm(ss_vmcb *v)
{
	v->control.iopm_base_pa = 1ull << 52;
}
static void m_msrpm(ss_vmcb *v)
{
	v->control.msrpm_base_pa = 1ull << 52;
}
static void m_evtype(ss_vmcb *v)
{
	v->control.event_inj = SS_EVTINJ_VALID | (1u << 8) | 32;
}
static void m_evnmi(ss_vmcb *v)
{
	v->control.event_inj = SS_EVTINJ_VALID | (3u << 8) | 2;
}
static void m_ncr3(ss_vmcb *v)
{
	v->control.nested_cr3 |= 1ull << 55;
}
static void m_es_no_sev(ss_vmcb *v)
{
	v->control.nested_ctl |= SS_NESTED_CTL_SEV_ES;
}
static void m_sev_no_np(ss_vmcb *v)
{
	v->control.nested_ctl = SS_NESTED_CTL_SEV;
}
static void m_sev_asid_hi(ss_vmcb *v)
{
	v->control.nested_ctl |= SS_NESTED_CTL_SEV;
	v->control.asid = 300;
}
static void m_sev_asid_lo(ss_vmcb *v)
{
	v->control.nested_ctl |= SS_NESTED_CTL_SEV;
	v->control.asid = 3;
}
static void m_es_asid(ss_vmcb *v)
{
	v->control.nested_ctl |= SS_NESTED_CTL_SEV | SS_NESTED_CTL_SEV_ES;
	v->control.asid = 20;
	v->control.vmsa_pa = 0x300000;
}
static void m_es_vmsa(ss_vmcb *v)
{
	v->control.nested_ctl |= SS_NESTED_CTL_SEV | SS_NESTED_CTL_SEV_ES;
	v->control.vmsa_pa = 0x300010;
}

TEST(vmrun_consistency_checks)
{
	static const struct {
		mutate_fn fn;
		const char *rule;
	} cases[] = {
	    {m_no_vmrun, "VMRUN intercept bit clear"},
	    {m_asid0, "guest ASID is 0"},
	    {m_svme, "guest EFER.SVME is 0"},
	    {m_efer_rsvd, "guest EFER reserved bits set"},
	    {m_cd_nw, "CR0.CD=0 with CR0.NW=1"},
	    {m_cr0_hi, "CR0[63:32] not zero"},
	    {m_cr3, "CR3 reserved bits set"},
	    {m_cr4, "CR4 reserved bits set"},
	    {m_dr6, "DR6[63:32] not zero"},
	    {m_dr7, "DR7[63:32] not zero"},
	    {m_pae, "EFER.LME and CR0.PG with CR4.PAE=0"},
	    {m_pe, "EFER.LME and CR0.PG with CR0.PE=0"},
	    {m_csld, "long mode with CS.L=1 and CS.D=1"},
	    {m_iopm, "IOPM_BASE_PA beyond the physical address space"},
	    {m_msrpm, "MSRPM_BASE_PA beyond the physical address space"},
	    {m_evtype, "EVENTINJ type reserved"},
	    {m_evnmi, "EVENTINJ exception with vector 2 or above 31"},
	    {m_ncr3, "nCR3 reserved bits set"},
	    {m_es_no_sev, "SEV-ES enabled without SEV"},
	    {m_sev_no_np, "SEV without nested paging"},
	    {m_sev_asid_hi, "SEV ASID above CPUID 8000001F ECX"},
	    {m_sev_asid_lo, "plain SEV ASID below the minimum (EDX)"},
	    {m_es_asid, "SEV-ES ASID not below the SEV-only minimum (EDX)"},
	    {m_es_vmsa, "SEV-ES VMSA pointer 0 or unaligned"},
	};
	for (size_t n = 0; n < sizeof(cases) / sizeof(cases[0]); n++) {
		hv h;
		REQUIRE(hv_init(&h) == 0);
		gcode(&h, GCODE, "f4");
		cases[n].fn(h.v);
		CHECK(hv_run(&h) == SS_SVM_EXIT_INVALID);
		CHECK_STR(h.ex.detail, cases[n].rule);
		hv_free(&h);
	}
	/* SEV with MemEncryptionModEn clear in SYSCFG. */
	hv h;
	REQUIRE(hv_init(&h) == 0);
	h.v->control.nested_ctl |= SS_NESTED_CTL_SEV;
	h.v->control.asid = 20;
	ss_cpu_regs_of(h.c)->syscfg = 0;
	CHECK(hv_run(&h) == SS_SVM_EXIT_INVALID);
	CHECK_STR(h.ex.detail, "SEV with SYSCFG.MemEncryptionModEn=0");
	/* A valid plain-SEV VMCB runs. */
	ss_cpu_regs_of(h.c)->syscfg = 1ull << 23;
	gcode(&h, GCODE, "f4");
	CHECK(hv_run(&h) == SS_SVM_EXIT_HLT);
	hv_free(&h);
}

TEST(nested_page_faults)
{
	hv h;
	REQUIRE(hv_init(&h) == 0);
	/* Write to gPA 8 MiB: mapped by the guest, not by the nested tables. */
	gcode(&h, GCODE, "b800008000c60001"); /* mov eax, 0x800000; mov byte [rax], 1 */
	CHECK(hv_run(&h) == SS_SVM_EXIT_NPF);
	CHECK(h.v->control.exit_info_2 == 0x800000);
	CHECK(h.v->control.exit_info_1 == (SS_NPF_W | SS_NPF_U | SS_NPF_GUEST_FINAL));
	CHECK(h.v->save.rip == GCODE + 5);
	hv_free(&h);
	/* Guest page tables outside the nested map: the fault is on the walk (GUEST_PAGE). */
	REQUIRE(hv_init(&h) == 0);
	gcode(&h, GCODE, "f4");
	h.v->save.cr3 = 0x900000;
	CHECK(hv_run(&h) == SS_SVM_EXIT_NPF);
	CHECK(h.v->control.exit_info_2 == 0x900000);
	CHECK(h.v->control.exit_info_1 & SS_NPF_GUEST_PAGE);
	hv_free(&h);
	/* Read-only nested page: reads work, writes fault with P|W. */
	REQUIRE(hv_init(&h) == 0);
	p64(&h, NPT + 0x2008, (GBASE + 0x200000) | 0x85);
	gcode(&h, GCODE, "8b04250000200089042500002000f4");
	CHECK(hv_run(&h) == SS_SVM_EXIT_NPF);
	CHECK(h.v->control.exit_info_1 == (SS_NPF_P | SS_NPF_W | SS_NPF_U | SS_NPF_GUEST_FINAL));
	CHECK(h.v->save.rip == GCODE + 7);
	hv_free(&h);
	/* A nested PTE with an address bit above MAXPHYADDR (48): reserved, #NPF with P|RSVD; the
	 * host's C-bit (51, SYSCFG.MemEncryptionModEn set) is not reserved (it picks the SME key). */
	REQUIRE(hv_init(&h) == 0);
	p64(&h, NPT + 0x2008, (GBASE + 0x200000) | (1ull << 50) | 0x87);
	gcode(&h, GCODE, "8b042500002000f4"); /* mov eax, [0x200000]; hlt */
	CHECK(hv_run(&h) == SS_SVM_EXIT_NPF);
	CHECK(h.v->control.exit_info_1 == (SS_NPF_P | SS_NPF_RSVD | SS_NPF_U | SS_NPF_GUEST_FINAL));
	CHECK(h.v->control.exit_info_2 == 0x200000);
	hv_free(&h);
}

TEST(ioio_msr_exception_vmmcall_intercepts)
{
	hv h;
	REQUIRE(hv_init(&h) == 0);
	h.ram.ram[IOPM + (0x80 >> 3)] = 1;	       /* port 0x80 */
	h.ram.ram[MSRPM + 0x800 + (0x80 * 2) / 8] = 1; /* read of 0xC0000080 */
	/* out 0x80, al; rdmsr(EFER); ud2; vmmcall */
	gcode(&h, GCODE, "e680b9800000c00f320f0b0f01d9");
	CHECK(hv_run(&h) == SS_SVM_EXIT_IOIO);
	CHECK(h.v->control.exit_info_1 == ((0x80u << 16) | SS_IOIO_SZ8 | SS_IOIO_A64));
	CHECK(h.v->control.exit_info_2 == GCODE + 2);
	h.v->save.rip = h.v->control.exit_info_2;
	CHECK(hv_run(&h) == SS_SVM_EXIT_MSR);
	CHECK(h.v->control.exit_info_1 == 0);
	CHECK(h.v->save.rip == GCODE + 7);
	h.v->save.rip += 2;
	h.v->control.intercept_exc = 1u << 6;
	CHECK(hv_run(&h) == SS_SVM_EXIT_EXCP_BASE + 6);
	CHECK(h.v->save.rip == GCODE + 9);
	h.v->save.rip += 2;
	CHECK(hv_run(&h) == SS_SVM_EXIT_VMMCALL);
	CHECK(h.v->control.next_rip == GCODE + 14);
	hv_free(&h);
	/* IN from a port the IOPM does not intercept: 16-bit IN with DX, no exit to the VMCB. */
	REQUIRE(hv_init(&h) == 0);
	h.ram.ram[IOPM + (0x3f9 >> 3)] = 2; /* port 0x3f9 only: a 2-byte access at 0x3f8 hits it */
	gcode(&h, GCODE, "66baf80366edf4");
	CHECK(hv_run(&h) == SS_SVM_EXIT_IOIO);
	CHECK(h.v->control.exit_info_1 ==
	      ((0x3f8u << 16) | SS_IOIO_TYPE_IN | SS_IOIO_SZ16 | SS_IOIO_A64));
	hv_free(&h);
}

TEST(event_injection_and_budget)
{
	hv h;
	REQUIRE(hv_init(&h) == 0);
	/* Inject #GP(0x18) into the guest: its handler (hlt) runs, HLT exits. */
	h.v->control.event_inj = SS_EVTINJ_VALID | SS_EVTINJ_EV | (3u << 8) | 13;
	h.v->control.event_inj_err = 0x18;
	gcode(&h, GCODE, "f4");
	CHECK(hv_run(&h) == SS_SVM_EXIT_HLT);
	CHECK(h.v->save.rip == GHANDLER + 16 * 13);
	uint64_t sp = h.v->save.rsp, e;
	memcpy(&e, h.ram.ram + GBASE + sp, 8);
	CHECK(e == 0x18);
	CHECK(!(h.v->control.event_inj & SS_EVTINJ_VALID));
	hv_free(&h);
	/* An endless guest loop ends with #VMEXIT(INTR) when the budget runs out. */
	REQUIRE(hv_init(&h) == 0);
	gcode(&h, GCODE, "ebfe");
	CHECK(hv_run(&h) == SS_SVM_EXIT_INTR);
	CHECK(h.v->save.rip == GCODE);
	hv_free(&h);
	/* An instruction the interpreter does not implement (x87 FADD) stops the run with an
	 * error naming it, after the #VMEXIT that puts the host state back (not a silent INTR the
	 * hypervisor would resume into the same stop for ever). */
	REQUIRE(hv_init(&h) == 0);
	gcode(&h, GCODE, "d8c1f4"); /* fadd st0, st1; hlt */
	ss_error err;
	CHECK(ss_cpu_vmrun(h.c, VMCB, 10000, &h.ex, &err) == SS_ENOTIMPL);
	CHECK_CONTAINS(err.msg, "SS_CPU_EXIT_UNSUPPORTED");
	CHECK_CONTAINS(err.msg, "x87");
	CHECK(h.v->control.exit_code == SS_SVM_EXIT_INTR);
	CHECK(h.v->save.rip == GCODE);
	CHECK(ss_cpu_regs_of(h.c)->efer & 0x1000); /* back in the host, SVME on */
	hv_free(&h);
}

TEST(sev_es_cpuid_becomes_vc)
{
	hv h;
	REQUIRE(hv_init(&h) == 0);
	/* SEV-ES guest (ASID 1 < EDX 15) with its state in a VMSA at sPA 3 MiB: CPUID is a
	 * non-automatic exit, so the guest takes #VC (vector 29) with error code 0x72. */
	ss_vmcb_control *k = &h.v->control;
	k->nested_ctl |= SS_NESTED_CTL_SEV | SS_NESTED_CTL_SEV_ES;
	k->vmsa_pa = 0x300000;
	memcpy(h.ram.ram + 0x300000, &h.v->save, sizeof(h.v->save));
	gcode(&h, GCODE, "0fa2");
	CHECK(hv_run(&h) == SS_SVM_EXIT_HLT); /* HLT is automatic: the #VC handler's hlt */
	uint64_t rip, sp, err;
	memcpy(&rip, h.ram.ram + 0x300000 + 0x178, 8);
	memcpy(&sp, h.ram.ram + 0x300000 + 0x1D8, 8);
	CHECK(rip == GHANDLER + 16 * 29);
	memcpy(&err, h.ram.ram + GBASE + sp, 8);
	CHECK(err == 0x72);
	hv_free(&h);
}

/* VMRUN of guests outside long mode (issue 6): a real-mode guest (CR0.PE = 0, CS base =
 * selector << 4) exits on IOIO with 16-bit addressing and on CPUID with RIP as an offset, and a
 * 32-bit protected-mode guest without paging runs 0x40 as INC EAX. */
TEST(real_and_protected_mode_guests)
{
	hv h;
	REQUIRE(hv_init(&h) == 0);
	ss_vmcb_save *s = &h.v->save;
	s->efer = 0x1000; /* SVME only */
	s->cr0 = 0x60000010;
	s->cr4 = 0;
	s->cs = (ss_vmsa_segment){0x2000, 0x9b, 0xffff, 0x20000};
	s->ss = s->ds = s->es = (ss_vmsa_segment){0, 0x93, 0xffff, 0};
	s->rip = 0x10;
	s->rsp = 0x7000;
	/* mov $0x1234,%ax; out %al,$0x80; cpuid; hlt */
	gcode(&h, 0x20010, "b83412e6800fa2f4");
	h.ram.ram[IOPM + 0x10] = 1; /* port 0x80 */
	CHECK(hv_run(&h) == SS_SVM_EXIT_IOIO);
	CHECK(h.v->control.exit_info_1 == (SS_IOIO_SZ8 | SS_IOIO_A16 | (0x80ull << 16)));
	CHECK(h.v->control.exit_info_2 == 0x15); /* the next IP, an offset in CS */
	CHECK(s->rip == 0x13 && (s->rax & 0xffff) == 0x1234);
	s->rip = 0x15;
	CHECK(hv_run(&h) == SS_SVM_EXIT_CPUID);
	CHECK(s->rip == 0x15 && h.v->control.next_rip == 0x17);
	CHECK(s->cs.selector == 0x2000 && s->cs.base == 0x20000 && !(s->cr0 & 1));
	s->rip = 0x17;
	CHECK(hv_run(&h) == SS_SVM_EXIT_HLT);
	hv_free(&h);

	REQUIRE(hv_init(&h) == 0);
	s = &h.v->save;
	s->efer = 0x1000;
	s->cr0 = 0x60000011;
	s->cr4 = 0;
	s->cs = (ss_vmsa_segment){0x08, 0xc9b, 0xffffffff, 0};
	s->rax = 0xffffffff;
	gcode(&h, GCODE, "400fa2f4"); /* inc %eax (0x40); cpuid; hlt */
	CHECK(hv_run(&h) == SS_SVM_EXIT_CPUID);
	CHECK(s->rax == 0 && s->rip == GCODE + 1);
	hv_free(&h);
}

/* x87/SSE state across VMRUN/#VMEXIT: a plain SVM guest shares the register file with the host
 * (nothing is switched, APM vol. 2 §15.5.1); an SEV-ES guest's comes from its VMSA (0x400-0x56F)
 * and goes back there, and the host's returns. */
TEST(fpu_state_across_vmrun)
{
	hv h;
	REQUIRE(hv_init(&h) == 0);
	ss_cpu_regs *r = ss_cpu_regs_of(h.c);
	h.v->save.cr4 = 0x20 | 0x200; /* PAE, OSFXSR */
	memset(&r->fpu.xmm[3], 0x5a, 16);
	/* movq rax, xmm3; pcmpeqd xmm3, xmm3; hlt */
	gcode(&h, GCODE, "66480f7ed8660f76dbf4");
	CHECK(hv_run(&h) == SS_SVM_EXIT_HLT);
	CHECK(h.v->save.rax == 0x5a5a5a5a5a5a5a5aull);
	CHECK(r->fpu.xmm[3].q[0] == ~0ull && r->fpu.xmm[3].q[1] == ~0ull);
	hv_free(&h);

	REQUIRE(hv_init(&h) == 0);
	r = ss_cpu_regs_of(h.c);
	ss_vmcb_control *k = &h.v->control;
	k->nested_ctl |= SS_NESTED_CTL_SEV | SS_NESTED_CTL_SEV_ES;
	k->vmsa_pa = 0x300000;
	h.v->save.cr4 = 0x20 | 0x200;
	memcpy(h.ram.ram + 0x300000, &h.v->save, sizeof(h.v->save));
	ss_vmsa *vs = (ss_vmsa *)(h.ram.ram + 0x300000);
	vs->mxcsr = 0x1f80;
	vs->x87_fcw = 0x37f;
	memset(vs->fpreg_xmm + 3 * 16, 0x21, 16);
	memset(&r->fpu.xmm[3], 0x77, 16); /* the host's */
	/* movq rax, xmm3 (into the VMSA's RAX); pcmpeqd xmm3, xmm3; hlt */
	gcode(&h, GCODE, "66480f7ed8660f76dbf4");
	CHECK(hv_run(&h) == SS_SVM_EXIT_HLT);
	CHECK(vs->rax == 0x2121212121212121ull);
	uint64_t q;
	memcpy(&q, vs->fpreg_xmm + 3 * 16 + 8, 8);
	CHECK(q == ~0ull);
	CHECK(vs->mxcsr == 0x1f80 && vs->x87_fcw == 0x37f);
	CHECK(r->fpu.xmm[3].q[0] == 0x7777777777777777ull); /* host state back */
	hv_free(&h);
}

TEST_MAIN(cpuid_intercept_roundtrip_with_nrip, vmcb_clean_bits, vmrun_consistency_checks,
	  nested_page_faults, ioio_msr_exception_vmmcall_intercepts, event_injection_and_budget,
	  sev_es_cpuid_becomes_vc, real_and_protected_mode_guests, fpu_state_across_vmrun)
