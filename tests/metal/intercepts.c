/* Every SVM intercept ss_cpu_vmrun honours (include/softsev/cpu.h; codes and exit information in
 * cpu-svm-sev.md §3 and include/softsev/abi/svm_exit.h), guest and host in one file. Each case is
 * one guest instruction at a label the guest reports; the host sets the intercept after the
 * runtime's set-up and asserts the exit code, exit_info_1/2, the guest RIP (on the instruction)
 * and NRIP (after it), then resumes the guest the way a hypervisor would (skip the instruction,
 * or drop the intercept and let it run, or repair the nested mapping) and expects it to finish.
 * A last test walks the intercept bit lists of abi/vmcb.h so that an intercept bit without a case
 * here, and not listed as not modelled, is noticed. */
#include <stdint.h>

#define NPF_VA 0xE00010ull /* in the 2 MiB nested page the NPF cases change (gPA 14 MiB) */

#define ICPT_CASES(X)                                                                              \
	X(cr0_read)                                                                                \
	X(cr3_read)                                                                                \
	X(cr0_write)                                                                               \
	X(cr4_write) X(dr7_read) X(dr0_write) X(exc_ud) X(intn) X(iret) X(pushf) X(popf) X(cpuid)  \
	    X(rdtsc) X(rdtscp) X(rdpmc) X(invd) X(wbinvd) X(pause) X(hlt) X(invlpg) X(invlpga)     \
		X(io_out_imm) X(io_in_dx) X(io_rep_outsb) X(msr_read_c000) X(msr_write_c000)       \
		    X(msr_read_low) X(msr_read_c001) X(msr_outside_map) X(vmrun) X(vmmcall)        \
			X(vmload) X(vmsave) X(stgi) X(clgi) X(skinit) X(icebp) X(xsetbv) X(sidt)   \
			    X(sgdt) X(sldt) X(str) X(lidt) X(lgdt) X(lldt) X(ltr) X(shutdown)      \
				X(npf_not_present) X(npf_read_only) X(npf_nx) X(npf_walk)          \
				    X(npf_delivery)

enum {
	C_NONE,
#define ICPT_ENUM(n) C_##n,
	ICPT_CASES(ICPT_ENUM)
#undef ICPT_ENUM
	    C_COUNT
};

#ifdef SS_GUEST

#include <ss_guest/guest.h>

#define ICPT_DECL(n)                                                                               \
	void do_##n(void);                                                                         \
	extern const char insn_##n[];
ICPT_CASES(ICPT_DECL)

/* One function per case: set-up, then the instruction at insn_<case>. Only caller-saved
 * registers are touched. */
#define F(n, pre, insn, post) "do_" #n ":\n" pre "\ninsn_" #n ": " insn "\n" post "\nret\n"
__asm__(".text\n" F(cr0_read, "", "mov %cr0, %rax", "")	      /* */
	F(cr3_read, "", "mov %cr3, %rdx", "")		      /* */
	F(cr0_write, "mov %cr0, %rax", "mov %rax, %cr0", "")  /* */
	F(cr4_write, "mov %cr4, %rcx", "mov %rcx, %cr4", "")  /* */
	F(dr7_read, "", "mov %dr7, %rax", "")		      /* */
	F(dr0_write, "xorl %edx, %edx", "mov %rdx, %dr0", "") /* */
	F(exc_ud, "", "ud2", "")			      /* */
	F(intn, "", "int $0x40", "")			      /* */
	F(iret,
	  "movq %rsp, %rax; pushq $0x10; pushq %rax; pushfq; pushq $0x08; "
	  "leaq 1f(%rip), %rax; pushq %rax",
	  "iretq", "1:")						 /* */
	F(pushf, "", "pushfq", "popq %rax")				 /* */
	F(popf, "pushfq", "popfq", "")					 /* */
	F(cpuid, "xorl %eax, %eax; xorl %ecx, %ecx", "cpuid", "")	 /* rbx! see below */
	F(rdtsc, "", "rdtsc", "")					 /* */
	F(rdtscp, "", "rdtscp", "")					 /* */
	F(rdpmc, "xorl %ecx, %ecx", "rdpmc", "")			 /* */
	F(invd, "", "invd", "")						 /* */
	F(wbinvd, "", "wbinvd", "")					 /* */
	F(pause, "", "pause", "")					 /* */
	F(hlt, "", "hlt", "")						 /* */
	F(invlpg, "movl $0xC00123, %eax", "invlpg (%rax)", "")		 /* */
	F(invlpga, "movl $0xC00000, %eax; movl $1, %ecx", "invlpga", "") /* */
	F(io_out_imm, "xorl %eax, %eax", "outb %al, $0x80", "")		 /* */
	F(io_in_dx, "movl $0x3f8, %edx", "inl (%dx), %eax", "")		 /* */
	F(io_rep_outsb, "movl $0x60, %edx; movl $1, %ecx; movq %rsp, %rsi", "rep outsb", "")
	    F(msr_read_c000, "movl $0xC0000080, %ecx", "rdmsr", "")	/* EFER */
	F(msr_write_c000, "movl $0xC0000081, %ecx; rdmsr", "wrmsr", "") /* STAR */
	F(msr_read_low, "movl $0x10, %ecx", "rdmsr", "")		/* TSC */
	F(msr_read_c001, "movl $0xC0010117, %ecx", "rdmsr", "")		/* VM_HSAVE_PA */
	F(msr_outside_map, "movl $0x40000000, %ecx", "rdmsr", "")	/* */
	F(vmrun, "xorl %eax, %eax", "vmrun", "")			/* */
	F(vmmcall, "", "vmmcall", "")					/* */
	F(vmload, "xorl %eax, %eax", "vmload", "")			/* */
	F(vmsave, "xorl %eax, %eax", "vmsave", "")			/* */
	F(stgi, "", "stgi", "")						/* */
	F(clgi, "", "clgi", "")						/* */
	F(skinit, "xorl %eax, %eax", "skinit", "")			/* */
	F(icebp, "", ".byte 0xf1", "")					/* */
	F(xsetbv,
	  "mov %cr4, %rax; bts $18, %rax; mov %rax, %cr4; xorl %ecx, %ecx; movl $1, %eax; xorl "
	  "%edx, %edx",
	  "xsetbv", "") /* CR4.OSXSAVE first: #UD comes before the intercept */
	F(sidt, "subq $16, %rsp", "sidt (%rsp)", "addq $16, %rsp")		/* */
	F(sgdt, "subq $16, %rsp", "sgdt (%rsp)", "addq $16, %rsp")		/* */
	F(sldt, "", "sldt %eax", "")						/* */
	F(str, "", "str %eax", "")						/* */
	F(lidt, "subq $16, %rsp; sidt (%rsp)", "lidt (%rsp)", "addq $16, %rsp") /* */
	F(lgdt, "subq $16, %rsp; sgdt (%rsp)", "lgdt (%rsp)", "addq $16, %rsp") /* */
	F(lldt, "xorl %eax, %eax", "lldt %ax", "")				/* */
	F(ltr, "movl $0x30, %eax", "ltr %ax", "")				/* */
	F(shutdown, "pushq $0; pushq $0; lidt 6(%rsp)", "ud2", "")		/* IDT limit 0 */
	F(npf_not_present, "movl $0xE00010, %eax", "movq %rax, (%rax)", "")	/* */
	F(npf_read_only, "movl $0xE00010, %eax", "movq %rax, (%rax)", "")	/* */
	F(npf_nx, "movl $0xE00010, %eax; movb $0xc3, (%rax)", "call *%rax", "") /* */
	F(npf_walk, "", "nop", "")						/* */
	F(npf_delivery, "", "ud2", ""));

static void (*const funcs[C_COUNT])(void) = {
#define ICPT_FN(n) [C_##n] = do_##n,
    ICPT_CASES(ICPT_FN)
#undef ICPT_FN
};
static const char *const insns[C_COUNT] = {
#define ICPT_INSN(n) [C_##n] = insn_##n,
    ICPT_CASES(ICPT_INSN)
#undef ICPT_INSN
};

static void ud_on_unmapped_ist(void *arg)
{
	(void)arg;
	do_npf_delivery();
}

void guest_main(uint64_t c)
{
	if (c == C_NONE || c >= C_COUNT) {
		guest_fail("unknown case", c, 0);
		return;
	}
	guest_value(0, (uint64_t)insns[c]);
	if (c == C_npf_delivery) {
		/* #UD delivered on an IST stack in the page the host unmapped: the #NPF interrupts
		 * the delivery; the host maps the page and injects the event again. */
		guest_set_ist(2, (NPF_VA & ~0xfffull) + 0x1000);
		guest_set_gate(6, 0xE, 0, 2, true);
		GCHECK_EQ(guest_try(ud_on_unmapped_ist, 0), 1);
		GCHECK_EQ(guest_last_trap.vector, 6);
		GCHECK_EQ(guest_last_trap.rip, (uint64_t)insn_npf_delivery);
		guest_set_gate(6, 0xE, 0, 0, true);
		return;
	}
	/* CPUID writes RBX, which the C caller keeps: save it around the call. */
	__asm__ volatile("call *%0"
			 :
			 : "r"(funcs[c])
			 : "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
			   "memory", "cc");
}

#else /* host */

#include "metal_host.h"

enum resume {
	SKIP = 1, /* the host emulated the instruction: continue at NRIP */
	RERUN,	  /* drop the intercept and let the guest execute it */
	STOP,	  /* nothing to resume (exception, shutdown) */
	FIX_NPT,  /* restore the nested mapping and retry */
	REINJECT, /* restore the nested mapping and inject exit_int_info's event again */
};

enum { W_CR, W_DR, W_EXC, W_MISC1, W_MISC2 };

#define R63 (1ull << 63) /* decode assist: exit_info_1 bit 63 valid, low bits the GPR */
#define FIN (SS_NPF_U | SS_NPF_GUEST_FINAL)

struct icpt_case {
	uint8_t word;	/* intercept vector: W_* */
	uint32_t bit;	/* the bit in that word */
	uint64_t code;	/* expected exit code */
	uint64_t info1; /* expected exit_info_1 */
	uint8_t len;	/* instruction length: NRIP = RIP + len; 0 = NRIP not asserted */
	uint8_t resume; /* enum resume */
	uint8_t info2_is_nrip;
	void (*setup)(metal *m); /* more host set-up: IOPM, MSRPM, nested tables */
};

static void io_bits(metal *m)
{
	uint8_t *iopm = m->ram.ram + METAL_IOPM;
	iopm[0x80 / 8] |= 1u << (0x80 % 8);
	iopm[0x3fa / 8] |= 1u << (0x3fa % 8); /* a 4-byte access at 0x3f8 covers 0x3fa */
	iopm[0x60 / 8] |= 1u << (0x60 % 8);
}

static void msr_bits(metal *m)
{
	uint8_t *pm = m->ram.ram + METAL_MSRPM; /* 2 bits per MSR, read then write (§1.2) */
	pm[0x800 + (0x80 * 2) / 8] |= 1u << ((0x80 * 2) % 8);
	pm[0x800 + (0x81 * 2 + 1) / 8] |= 1u << ((0x81 * 2 + 1) % 8);
	pm[(0x10 * 2) / 8] |= 1u << ((0x10 * 2) % 8);
	pm[0x1000 + (0x117 * 2) / 8] |= 1u << ((0x117 * 2) % 8);
}

#define NPT_PDE_14M  (METAL_NPT + 0x2000 + 8 * 7)
#define NPT_PDE_8M   (METAL_NPT + 0x2000 + 8 * 4)
static void npt_unmap(metal *m)
{
	metal_p64(m, NPT_PDE_14M, 0);
}
static void npt_read_only(metal *m)
{
	metal_p64(m, NPT_PDE_14M, (METAL_GBASE + (7ull << 21)) | 0x85);
}
static void npt_nx(metal *m)
{
	metal_p64(m, NPT_PDE_14M, (METAL_GBASE + (7ull << 21)) | 0x87 | (1ull << 63));
}
static void npt_unmap_pt_pool(metal *m)
{
	metal_p64(m, NPT_PDE_8M, 0);
}

static const struct icpt_case cases[C_COUNT] = {
    [C_cr0_read] = {W_CR, 1u << 0, 0x000, R63 | 0, 3, SKIP, 0, NULL},
    [C_cr3_read] = {W_CR, 1u << 3, 0x003, R63 | 2, 3, SKIP, 0, NULL},
    [C_cr0_write] = {W_CR, 1u << 16, 0x010, R63 | 0, 3, SKIP, 0, NULL},
    [C_cr4_write] = {W_CR, 1u << 20, 0x014, R63 | 1, 3, SKIP, 0, NULL},
    [C_dr7_read] = {W_DR, 1u << 7, 0x027, R63 | 0, 3, SKIP, 0, NULL},
    [C_dr0_write] = {W_DR, 1u << 16, 0x030, R63 | 2, 3, SKIP, 0, NULL},
    [C_exc_ud] = {W_EXC, 1u << 6, 0x046, 0, 0, STOP, 0, NULL},
    [C_intn] = {W_MISC1, SS_ICPT3_INTN, 0x075, 0x40, 2, SKIP, 0, NULL},
    [C_iret] = {W_MISC1, SS_ICPT3_IRET, 0x074, 0, 2, RERUN, 0, NULL},
    [C_pushf] = {W_MISC1, SS_ICPT3_PUSHF, 0x070, 0, 1, RERUN, 0, NULL},
    [C_popf] = {W_MISC1, SS_ICPT3_POPF, 0x071, 0, 1, RERUN, 0, NULL},
    [C_cpuid] = {W_MISC1, SS_ICPT3_CPUID, 0x072, 0, 2, SKIP, 0, NULL},
    [C_rdtsc] = {W_MISC1, SS_ICPT3_RDTSC, 0x06E, 0, 2, SKIP, 0, NULL},
    [C_rdtscp] = {W_MISC2, SS_ICPT4_RDTSCP, 0x087, 0, 3, SKIP, 0, NULL},
    [C_rdpmc] = {W_MISC1, SS_ICPT3_RDPMC, 0x06F, 0, 2, SKIP, 0, NULL},
    [C_invd] = {W_MISC1, SS_ICPT3_INVD, 0x076, 0, 2, SKIP, 0, NULL},
    [C_wbinvd] = {W_MISC2, SS_ICPT4_WBINVD, 0x089, 0, 2, SKIP, 0, NULL},
    [C_pause] = {W_MISC1, SS_ICPT3_PAUSE, 0x077, 0, 2, SKIP, 0, NULL},
    [C_hlt] = {W_MISC1, SS_ICPT3_HLT, 0x078, 0, 1, SKIP, 0, NULL},
    [C_invlpg] = {W_MISC1, SS_ICPT3_INVLPG, 0x079, 0xC00123, 3, SKIP, 0, NULL},
    [C_invlpga] = {W_MISC1, SS_ICPT3_INVLPGA, 0x07A, 0, 3, SKIP, 0, NULL},
    [C_io_out_imm] = {W_MISC1, SS_ICPT3_IOIO_PROT, 0x07B,
		      (0x80ull << 16) | SS_IOIO_SZ8 | SS_IOIO_A64, 2, SKIP, 1, io_bits},
    [C_io_in_dx] = {W_MISC1, SS_ICPT3_IOIO_PROT, 0x07B,
		    (0x3f8ull << 16) | SS_IOIO_TYPE_IN | SS_IOIO_SZ32 | SS_IOIO_A64, 1, SKIP, 1,
		    io_bits},
    [C_io_rep_outsb] = {W_MISC1, SS_ICPT3_IOIO_PROT, 0x07B,
			(0x60ull << 16) | (3ull << SS_IOIO_SEG_SHIFT) | SS_IOIO_STR | SS_IOIO_REP |
			    SS_IOIO_SZ8 | SS_IOIO_A64,
			2, SKIP, 1, io_bits},
    [C_msr_read_c000] = {W_MISC1, SS_ICPT3_MSR_PROT, 0x07C, 0, 2, SKIP, 0, msr_bits},
    [C_msr_write_c000] = {W_MISC1, SS_ICPT3_MSR_PROT, 0x07C, 1, 2, SKIP, 0, msr_bits},
    [C_msr_read_low] = {W_MISC1, SS_ICPT3_MSR_PROT, 0x07C, 0, 2, SKIP, 0, msr_bits},
    [C_msr_read_c001] = {W_MISC1, SS_ICPT3_MSR_PROT, 0x07C, 0, 2, SKIP, 0, msr_bits},
    [C_msr_outside_map] = {W_MISC1, SS_ICPT3_MSR_PROT, 0x07C, 0, 2, SKIP, 0, NULL},
    [C_vmrun] = {W_MISC2, SS_ICPT4_VMRUN, 0x080, 0, 3, SKIP, 0, NULL},
    [C_vmmcall] = {W_MISC2, SS_ICPT4_VMMCALL, 0x081, 0, 3, SKIP, 0, NULL},
    [C_vmload] = {W_MISC2, SS_ICPT4_VMLOAD, 0x082, 0, 3, SKIP, 0, NULL},
    [C_vmsave] = {W_MISC2, SS_ICPT4_VMSAVE, 0x083, 0, 3, SKIP, 0, NULL},
    [C_stgi] = {W_MISC2, SS_ICPT4_STGI, 0x084, 0, 3, SKIP, 0, NULL},
    [C_clgi] = {W_MISC2, SS_ICPT4_CLGI, 0x085, 0, 3, SKIP, 0, NULL},
    [C_skinit] = {W_MISC2, SS_ICPT4_SKINIT, 0x086, 0, 3, SKIP, 0, NULL},
    [C_icebp] = {W_MISC2, SS_ICPT4_ICEBP, 0x088, 0, 1, SKIP, 0, NULL},
    [C_xsetbv] = {W_MISC2, SS_ICPT4_XSETBV, 0x08D, 0, 3, SKIP, 0, NULL},
    [C_sidt] = {W_MISC1, SS_ICPT3_IDTR_READ, 0x066, 0, 4, SKIP, 0, NULL},
    [C_sgdt] = {W_MISC1, SS_ICPT3_GDTR_READ, 0x067, 0, 4, SKIP, 0, NULL},
    [C_sldt] = {W_MISC1, SS_ICPT3_LDTR_READ, 0x068, 0, 3, SKIP, 0, NULL},
    [C_str] = {W_MISC1, SS_ICPT3_TR_READ, 0x069, 0, 3, SKIP, 0, NULL},
    [C_lidt] = {W_MISC1, SS_ICPT3_IDTR_WRITE, 0x06A, 0, 4, SKIP, 0, NULL},
    [C_lgdt] = {W_MISC1, SS_ICPT3_GDTR_WRITE, 0x06B, 0, 4, SKIP, 0, NULL},
    [C_lldt] = {W_MISC1, SS_ICPT3_LDTR_WRITE, 0x06C, 0, 3, SKIP, 0, NULL},
    [C_ltr] = {W_MISC1, SS_ICPT3_TR_WRITE, 0x06D, 0, 3, SKIP, 0, NULL},
    [C_shutdown] = {W_MISC1, SS_ICPT3_SHUTDOWN, 0x07F, 0, 0, STOP, 0, NULL},
    [C_npf_not_present] = {W_MISC1, 0, 0x400, SS_NPF_W | FIN, 0, FIX_NPT, 0, npt_unmap},
    [C_npf_read_only] = {W_MISC1, 0, 0x400, SS_NPF_P | SS_NPF_W | FIN, 0, FIX_NPT, 0,
			 npt_read_only},
    [C_npf_nx] = {W_MISC1, 0, 0x400, SS_NPF_P | SS_NPF_ID | FIN, 0, FIX_NPT, 0, npt_nx},
    [C_npf_walk] = {W_MISC1, 0, 0x400, 0, 0, FIX_NPT, 0, npt_unmap_pt_pool},
    [C_npf_delivery] = {W_MISC1, 0, 0x400, SS_NPF_W | FIN, 0, REINJECT, 0, npt_unmap},
};

static uint32_t *icpt_word(metal *m, unsigned w)
{
	ss_vmcb_control *k = &m->v->control;
	uint32_t *words[] = {&k->intercept_cr, &k->intercept_dr, &k->intercept_exc,
			     &k->intercept_misc1, &k->intercept_misc2};
	return words[w];
}

static const char *const case_names[C_COUNT] = {
#define ICPT_NAME(n) [C_##n] = #n,
    ICPT_CASES(ICPT_NAME)
#undef ICPT_NAME
};

static void run_case(unsigned c)
{
	const struct icpt_case *e = &cases[c];
	metal m;
	METAL_REQUIRE(&m, metal_boot(&m, c), METAL_READY);
	static uint8_t npt_saved[0x3000];
	memcpy(npt_saved, m.ram.ram + METAL_NPT, sizeof(npt_saved));
	*icpt_word(&m, e->word) |= e->bit;
	if (e->setup)
		e->setup(&m);
	int before = ss_test_failed_checks;
	uint64_t code = metal_run(&m);
	CHECK(metal_is(&m, code, e->code));
	const ss_vmcb_control *k = &m.v->control;
	uint64_t insn = m.value[0];
	if (c == C_npf_walk) {
		/* The walk of the guest's own tables (in the pool at 8 MiB) faults: the GPA is
		 * that of a table entry, and the error says the guest walk (§3.3). */
		CHECK((k->exit_info_1 & (SS_NPF_GUEST_PAGE | SS_NPF_GUEST_FINAL)) ==
		      SS_NPF_GUEST_PAGE);
		CHECK(k->exit_info_2 >> 12 == SS_GUEST_PT_POOL >> 12);
	} else if (c == C_npf_delivery) {
		/* A push of the exception frame faults (the frame's lowest slot is probed first);
		 * exit_int_info holds the #UD being delivered (§1.4 format, no error code). */
		CHECK(k->exit_info_1 == e->info1);
		CHECK(k->exit_info_2 == (NPF_VA & ~0xfffull) + 0x1000 - 5 * 8);
		CHECK(m.v->save.rip == insn);
		CHECK(k->exit_int_info == (SS_EVTINJ_VALID | (SS_EVTINJ_TYPE_EXC << 8) | 6));
	} else {
		CHECK(k->exit_info_1 == e->info1);
		if (e->info2_is_nrip)
			CHECK(k->exit_info_2 == insn + e->len);
		else if (e->code == SS_SVM_EXIT_NPF)
			CHECK(k->exit_info_2 == NPF_VA);
		else
			CHECK(k->exit_info_2 == 0);
		uint64_t want_rip = c == C_npf_nx ? NPF_VA : insn;
		CHECK(m.v->save.rip == want_rip);
	}
	if (e->len)
		CHECK(k->next_rip == insn + e->len);
	if (c != C_npf_delivery)
		CHECK(k->exit_int_info == 0);
	uint64_t end = 0;
	switch (e->resume) {
	case SKIP: end = metal_resume(&m); break;
	case RERUN:
		*icpt_word(&m, e->word) &= ~e->bit;
		end = metal_run(&m);
		break;
	case FIX_NPT:
		memcpy(m.ram.ram + METAL_NPT, npt_saved, sizeof(npt_saved));
		end = metal_run(&m);
		break;
	case REINJECT:
		memcpy(m.ram.ram + METAL_NPT, npt_saved, sizeof(npt_saved));
		m.v->control.event_inj = (uint32_t)k->exit_int_info;
		m.v->control.event_inj_err = k->exit_int_info_err;
		end = metal_run(&m);
		break;
	default: end = METAL_DONE;
	}
	METAL_CHECK(&m, end, METAL_DONE);
	if (ss_test_failed_checks != before)
		printf("#   in case %s\n", case_names[c]);
	metal_free(&m);
}

#define ICPT_TEST(n)                                                                               \
	TEST(n)                                                                                    \
	{                                                                                          \
		run_case(C_##n);                                                                   \
	}
ICPT_CASES(ICPT_TEST)

/* Intercept bits of words 3 and 4 that ss_cpu_vmrun does not model (each with the reason);
 * every other bit must have a case above. */
static const struct {
	unsigned word;
	uint32_t bit;
	const char *why;
} not_modelled[] = {
    {W_MISC1, SS_ICPT3_INTR, "external interrupts: not modelled yet (V_IRQ work)"},
    {W_MISC1, SS_ICPT3_NMI, "NMI: not modelled yet"},
    {W_MISC1, SS_ICPT3_SMI, "SMI: no SMM"},
    {W_MISC1, SS_ICPT3_INIT, "INIT: no multiprocessor signals"},
    {W_MISC1, SS_ICPT3_VINTR, "virtual interrupts: not modelled yet"},
    {W_MISC1, SS_ICPT3_CR0_SEL_WRITE, "selective CR0 write: not in ss_cpu_vmrun's list"},
    {W_MISC1, SS_ICPT3_RSM, "RSM: no SMM"},
    {W_MISC1, SS_ICPT3_TASK_SWITCH, "task switches do not exist in long mode"},
    {W_MISC1, SS_ICPT3_FERR_FREEZE, "no x87"},
    {W_MISC2, SS_ICPT4_MONITOR, "MONITOR: not decoded"},
    {W_MISC2, SS_ICPT4_MWAIT, "MWAIT: not decoded"},
    {W_MISC2, SS_ICPT4_MWAIT_COND, "MWAIT: not decoded"},
    {W_MISC2, SS_ICPT4_RDPRU, "RDPRU: not decoded"},
    {W_MISC2, SS_ICPT4_EFER_WRITE_TRAP, "EFER write trap: SEV-ES trap exits not modelled"},
};

TEST(every_intercept_bit_has_a_case)
{
	static const struct {
		unsigned word;
		uint32_t bit;
		const char *name;
	} bits[] = {
#define B3(n, b) {W_MISC1, 1u << (b), "word 3 " #n},
#define B4(n, b) {W_MISC2, 1u << (b), "word 4 " #n},
	    SS_ICPT3_LIST(B3) SS_ICPT4_LIST(B4)
#undef B3
#undef B4
	};
	for (size_t j = 0; j < sizeof(bits) / sizeof(bits[0]); j++) {
		int found = 0;
		for (unsigned c = 1; c < C_COUNT; c++)
			found |= cases[c].word == bits[j].word && cases[c].bit == bits[j].bit;
		for (size_t k = 0; k < sizeof(not_modelled) / sizeof(not_modelled[0]); k++)
			found |= not_modelled[k].word == bits[j].word &&
				 not_modelled[k].bit == bits[j].bit;
		if (!found) {
			printf("# intercept %s has no case in %s\n", bits[j].name, __FILE__);
			ss_test_failed_checks++;
		}
	}
	/* Every case has an expectation. */
	for (unsigned c = 1; c < C_COUNT; c++)
		if (!cases[c].resume) {
			printf("# case %s has no expectation\n", case_names[c]);
			ss_test_failed_checks++;
		}
}

#define ICPT_LIST_NAME(n) n,
TEST_MAIN(ICPT_CASES(ICPT_LIST_NAME) every_intercept_bit_has_a_case)

#endif
