/* Events of the emulated CPU (issue 6), code and assertions side by side (STYLE.md item 8):
 * external interrupts and NMI (IF, TPR, STI / MOV SS shadows, GIF, NMI blocking until IRET, HLT
 * waking), TF single-step and instruction breakpoints (DR6.BS / DR6.Bn, RF), the TSS I/O
 * permission bitmap, VMLOAD / VMSAVE / STGI / CLGI, and in a guest: the INTR / NMI / VINTR
 * intercepts, virtual interrupts (V_IRQ, V_INTR_PRIO against V_TPR, V_IGN_TPR), CR8 as V_TPR,
 * int_state and exit_int_info written back, and the decode assists (cpu-svm-sev.md §1.1-§1.4,
 * §3.3). */
#include "harness.h"

#include <softsev/abi/svm_exit.h>
#include <softsev/abi/vmcb.h>
#include <softsev/cpu.h>
#include <stdlib.h>

#define F_TF 0x100ull
#define F_IF 0x200ull

static void hex_to(uint8_t *at, const char *hex)
{
	for (size_t k = 0; hex[2 * k]; k++) {
		unsigned b;
		sscanf(hex + 2 * k, "%2x", &b);
		at[k] = (uint8_t)b;
	}
}

/* ---- bare metal: 64-bit mode without paging (flat_long_mode), IDT of 256 vectors ---------- */

#define RAM	 (8u << 20)
#define GDT	 0x5000
#define IDT	 0x6000
#define TSS	 0x7000
#define HANDLERS 0x10000 /* 16 bytes per vector, "hlt" unless a test puts something else */
#define CODE	 0x20000
#define STACK	 0x80000
#define VMCBH	 0x200000

typedef struct vm {
	ss_cpu_flatram ram;
	ss_cpu *c;
	ss_cpu_regs *r;
	ss_cpu_exit ex;
} vm;

static void put64(uint8_t *ram, uint64_t pa, uint64_t x)
{
	memcpy(ram + pa, &x, 8);
}
static uint64_t get64(const uint8_t *ram, uint64_t pa)
{
	uint64_t x;
	memcpy(&x, ram + pa, 8);
	return x;
}

static uint64_t handler(unsigned vec)
{
	return HANDLERS + 16ull * vec;
}

static int vm_init(vm *v, int exit_on_exception, int user)
{
	memset(v, 0, sizeof(*v));
	v->ram.size = RAM;
	v->ram.ram = calloc(RAM, 1);
	if (!v->ram.ram)
		return -1;
	uint8_t *m = v->ram.ram;
	/* GDT: null, code 0x08, data 0x10, user data 0x18, user code 0x20, TSS 0x28. */
	put64(m, GDT + 0x08, 0x00209A0000000000ull);
	put64(m, GDT + 0x10, 0x0000920000000000ull);
	put64(m, GDT + 0x18, 0x0000F20000000000ull);
	put64(m, GDT + 0x20, 0x0020FA0000000000ull);
	put64(m, TSS + 4, 0x70000); /* RSP0 */
	for (unsigned k = 0; k < 256; k++) {
		uint64_t t = handler(k);
		put64(m, IDT + 16 * k,
		      (t & 0xffff) | (0x08ull << 16) | (0x8Eull << 40) | ((t >> 16) << 48));
		m[t] = 0xF4;
	}
	ss_cpu_config cfg = {.mem = &ss_cpu_flatram_ops,
			     .mem_ctx = &v->ram,
			     .exit_on_exception = exit_on_exception != 0,
			     .flat_long_mode = true};
	ss_error err;
	if (ss_cpu_new(&cfg, &v->c, &err))
		return -1;
	v->r = ss_cpu_regs_of(v->c);
	ss_cpu_set_long_mode(v->c, user != 0);
	v->r->gdtr = (ss_cpu_dtr){0x2f, GDT};
	v->r->idtr = (ss_cpu_dtr){256 * 16 - 1, IDT};
	v->r->tr = (ss_cpu_seg){0x28, 0x8b, 0x67, TSS};
	v->r->gpr[SS_RSP] = STACK;
	v->r->rip = CODE;
	return 0;
}

/* Places code at pa (dropping what the CPU decoded there) and points RIP at it. */
static void vm_code(vm *v, uint64_t pa, const char *hex)
{
	hex_to(v->ram.ram + pa, hex);
	ss_cpu_invalidate_code(v->c, pa, strlen(hex) / 2);
	v->r->rip = pa;
}

static int vm_run(vm *v)
{
	ss_error err;
	if (ss_cpu_run(v->c, 10000, &v->ex, &err)) {
		printf("# run: %s\n", err.msg);
		return -1;
	}
	return v->ex.reason;
}

static void vm_free(vm *v)
{
	ss_cpu_free(v->c);
	free(v->ram.ram);
}

/* In the "hlt" handler of vector vec, interrupted at rip (the frame's return address). */
static int taken(vm *v, unsigned vec, uint64_t rip)
{
	return v->ex.reason == SS_CPU_EXIT_HLT && v->r->rip == handler(vec) + 1 &&
	       get64(v->ram.ram, v->r->gpr[SS_RSP]) == rip;
}

TEST(irq_taken_after_the_sti_shadow)
{
	vm v;
	REQUIRE(vm_init(&v, 0, 0) == 0);
	vm_code(&v, CODE, "9090fb90f4"); /* nop; nop; sti; nop; hlt */
	v.r->rflags = 2;
	ss_cpu_set_irq(v.c, 0x40);
	/* IF=0 until STI, and STI's shadow covers the nop after it: taken before the hlt. */
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT);
	CHECK(taken(&v, 0x40, CODE + 4));
	uint64_t sp = v.r->gpr[SS_RSP];
	CHECK(sp == STACK - 40);		   /* no error code */
	CHECK(get64(v.ram.ram, sp + 8) == 0x08);   /* CS */
	CHECK(get64(v.ram.ram, sp + 16) & F_IF);   /* RFLAGS with IF */
	CHECK(!(v.r->rflags & F_IF));		   /* interrupt gate */
	CHECK(get64(v.ram.ram, sp + 24) == STACK); /* old RSP */
	/* Taking it acknowledged it: with IF=1 again the hlt is not woken. */
	v.r->rip = CODE + 4;
	v.r->rflags |= F_IF;
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT && v.r->rip == CODE + 5);
	vm_free(&v);
}

TEST(irq_masked_by_if_tpr_and_cleared_line)
{
	vm v;
	REQUIRE(vm_init(&v, 0, 0) == 0);
	vm_code(&v, CODE, "90f4");
	v.r->rflags = 2;
	ss_cpu_set_irq(v.c, 0x40);
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT && v.r->rip == CODE + 2); /* IF=0 */
	/* IF=1 but CR8 = 4 holds back priority class 4 (vectors 0x40-0x4F). */
	v.r->rip = CODE;
	v.r->rflags |= F_IF;
	v.r->cr8 = 4;
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT && v.r->rip == CODE + 2);
	ss_cpu_set_irq(v.c, 0x50);
	v.r->rip = CODE;
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT);
	CHECK(taken(&v, 0x50, CODE));
	/* A line raised and lowered again is not taken. */
	v.r->rip = CODE;
	v.r->gpr[SS_RSP] = STACK;
	v.r->rflags |= F_IF;
	ss_cpu_set_irq(v.c, 0x60);
	ss_cpu_clear_irq(v.c);
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT && v.r->rip == CODE + 2);
	vm_free(&v);
}

TEST(hlt_wakes_on_interrupts)
{
	vm v;
	REQUIRE(vm_init(&v, 0, 0) == 0);
	/* sti; hlt with the line up: the hlt completes and the interrupt wakes it at once. */
	vm_code(&v, CODE, "fbf4f4");
	v.r->rflags = 2;
	ss_cpu_set_irq(v.c, 0x41);
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT);
	CHECK(taken(&v, 0x41, CODE + 2));
	/* Halted with nothing pending: leaves; an interrupt raised afterwards is taken with the
	 * return address after the hlt. */
	vm_code(&v, CODE + 0x40, "f4f4");
	v.r->gpr[SS_RSP] = STACK;
	v.r->rflags = 2 | F_IF;
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT && v.r->rip == CODE + 0x41);
	ss_cpu_set_irq(v.c, 0x42);
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT);
	CHECK(taken(&v, 0x42, CODE + 0x41));
	vm_free(&v);
}

TEST(nmi_blocked_until_iret)
{
	vm v;
	REQUIRE(vm_init(&v, 0, 0) == 0);
	hex_to(v.ram.ram + handler(2), "f448cf"); /* hlt; iretq */
	vm_code(&v, CODE, "909090f4");
	v.r->rflags = 2; /* IF does not mask NMIs */
	ss_cpu_nmi(v.c);
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT);
	CHECK(taken(&v, 2, CODE));
	/* A second NMI waits for the handler's IRET, then is taken at the same depth. */
	ss_cpu_nmi(v.c);
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT);
	CHECK(taken(&v, 2, CODE));
	CHECK(v.r->gpr[SS_RSP] == STACK - 40);
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT && v.r->rip == CODE + 4);
	vm_free(&v);
}

TEST(gif_holds_back_interrupts_and_nmi)
{
	vm v;
	REQUIRE(vm_init(&v, 0, 0) == 0);
	v.r->efer |= 0x1000; /* SVME */
	/* clgi; sti; nop; nop; stgi; nop; hlt: the interrupt waits for STGI. */
	vm_code(&v, CODE, "0f01ddfb90900f01dc90f4");
	v.r->rflags = 2;
	ss_cpu_set_irq(v.c, 0x40);
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT);
	CHECK(taken(&v, 0x40, CODE + 9));
	CHECK(v.r->gif == 1);
	/* GIF=0 in the register file holds back an NMI until STGI. */
	vm_code(&v, CODE + 0x40, "900f01dc90f4");
	v.r->gpr[SS_RSP] = STACK;
	v.r->gif = 0;
	ss_cpu_nmi(v.c);
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT);
	CHECK(taken(&v, 2, CODE + 0x44));
	vm_free(&v);
	/* CLGI needs EFER.SVME (#UD) and CPL 0 (#GP(0)). */
	REQUIRE(vm_init(&v, 1, 0) == 0);
	vm_code(&v, CODE, "0f01dd");
	CHECK(vm_run(&v) == SS_CPU_EXIT_EXCEPTION && v.ex.vector == 6);
	vm_free(&v);
	REQUIRE(vm_init(&v, 1, 1) == 0);
	v.r->efer |= 0x1000;
	vm_code(&v, CODE, "0f01dc");
	CHECK(vm_run(&v) == SS_CPU_EXIT_EXCEPTION && v.ex.vector == 13 && v.ex.error_code == 0);
	vm_free(&v);
}

TEST(tf_single_step_after_popf)
{
	vm v;
	REQUIRE(vm_init(&v, 0, 0) == 0);
	/* pushfq; or qword [rsp], 0x100; popfq; nop; nop; hlt: POPF sets TF, so the first trap
	 * comes after the nop that follows it (TF is sampled at the start of an instruction). */
	vm_code(&v, CODE, "9c48810c24000100009d9090f4");
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT);
	CHECK(taken(&v, 1, CODE + 11));
	CHECK(v.r->dr[6] & 0x4000);			       /* DR6.BS */
	CHECK(get64(v.ram.ram, v.r->gpr[SS_RSP] + 16) & F_TF); /* pushed with TF */
	CHECK(!(v.r->rflags & F_TF));			       /* the handler runs without */
	vm_free(&v);
}

TEST(mov_ss_shadow_holds_back_the_trap_sti_does_not)
{
	vm v;
	REQUIRE(vm_init(&v, 0, 0) == 0);
	vm_code(&v, CODE, "8ed09090f4"); /* mov ss, eax; nop; nop; hlt */
	v.r->gpr[SS_RAX] = 0x10;
	v.r->rflags = 2 | F_TF;
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT);
	CHECK(taken(&v, 1, CODE + 3)); /* after the nop, not after MOV SS */
	vm_free(&v);
	REQUIRE(vm_init(&v, 0, 0) == 0);
	vm_code(&v, CODE, "fb9090f4"); /* sti; nop; nop; hlt */
	v.r->rflags = 2 | F_TF;
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT);
	CHECK(taken(&v, 1, CODE + 1));
	vm_free(&v);
}

TEST(iret_setting_or_clearing_tf)
{
	vm v;
	REQUIRE(vm_init(&v, 0, 0) == 0);
	const uint64_t t = CODE + 0x100, sp = STACK - 40;
	/* IRET loading TF: the trap comes after the first instruction at the target. */
	put64(v.ram.ram, sp, t);
	put64(v.ram.ram, sp + 8, 0x08);
	put64(v.ram.ram, sp + 16, 2 | F_TF);
	put64(v.ram.ram, sp + 24, STACK);
	put64(v.ram.ram, sp + 32, 0x10);
	hex_to(v.ram.ram + t, "9090f4");
	vm_code(&v, CODE, "48cf");
	v.r->gpr[SS_RSP] = sp;
	v.r->rflags = 2;
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT);
	CHECK(taken(&v, 1, t + 1));
	/* IRET clearing TF still traps (TF was set when it started), at the target. */
	put64(v.ram.ram, sp, t);
	put64(v.ram.ram, sp + 8, 0x08);
	put64(v.ram.ram, sp + 16, 2);
	put64(v.ram.ram, sp + 24, STACK);
	put64(v.ram.ram, sp + 32, 0x10);
	vm_code(&v, CODE + 0x10, "48cf");
	v.r->gpr[SS_RSP] = sp;
	v.r->rflags = 2 | F_TF;
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT);
	CHECK(taken(&v, 1, t));
	vm_free(&v);
}

TEST(instruction_breakpoint_and_rf)
{
	vm v;
	REQUIRE(vm_init(&v, 0, 0) == 0);
	/* #DB handler: inc r15; or qword [rsp+16], RF; iretq (RF lets the instruction run). */
	hex_to(v.ram.ram + handler(1), "49ffc748814c24100000010048cf");
	vm_code(&v, CODE, "909090f4");
	v.r->dr[0] = CODE + 2;
	v.r->dr[7] = 0x401; /* L0, R/W0 = 00 (execute), LEN0 = 00 */
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT && v.r->rip == CODE + 4);
	CHECK(v.r->gpr[15] == 1);
	CHECK((v.r->dr[6] & 0x400f) == 0x1); /* B0, not BS */
	/* R/W0 = 01 (data write) at the same address is no instruction breakpoint; DR7 with
	 * neither L0 nor G0 disables it. */
	v.r->dr[7] = 0x10401;
	v.r->rip = CODE;
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT && v.r->gpr[15] == 1);
	v.r->dr[7] = 0x400;
	v.r->rip = CODE;
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT && v.r->gpr[15] == 1);
	/* G1 with DR1 on the hlt: a fault with RIP on the hlt (exit_on_exception view). */
	vm_free(&v);
	REQUIRE(vm_init(&v, 1, 0) == 0);
	vm_code(&v, CODE, "909090f4");
	v.r->dr[1] = CODE + 3;
	v.r->dr[7] = 0x408; /* G1 */
	CHECK(vm_run(&v) == SS_CPU_EXIT_EXCEPTION && v.ex.vector == 1 && v.r->rip == CODE + 3);
	CHECK(v.r->dr[6] & 0x2);
	vm_free(&v);
}

TEST(tss_io_permission_bitmap)
{
	vm v;
	REQUIRE(vm_init(&v, 1, 1) == 0); /* CPL 3, IOPL 0 */
	/* Bitmap at TSS+0x68: ports 0..255 denied except 0x80; TSS limit 0x88 (one byte past). */
	v.ram.ram[TSS + 0x66] = 0x68;
	memset(v.ram.ram + TSS + 0x68, 0xff, 33);
	v.ram.ram[TSS + 0x68 + 0x10] = 0xfe;
	v.r->tr.limit = 0x88;
	vm_code(&v, CODE, "e480"); /* in al, 0x80 */
	CHECK(vm_run(&v) == SS_CPU_EXIT_IO && v.ex.io.port == 0x80 && v.ex.io.size == 1);
	vm_code(&v, CODE + 0x10, "e481"); /* in al, 0x81 */
	CHECK(vm_run(&v) == SS_CPU_EXIT_EXCEPTION && v.ex.vector == 13 && v.ex.error_code == 0);
	CHECK(v.r->rip == CODE + 0x10);
	vm_code(&v, CODE + 0x20, "66e57f"); /* in ax, 0x7f: 0x80 allowed but 0x7f not */
	CHECK(vm_run(&v) == SS_CPU_EXIT_EXCEPTION && v.ex.vector == 13);
	vm_code(&v, CODE + 0x30, "66ba0001ec"); /* mov dx, 0x100; in al, dx: beyond the limit */
	CHECK(vm_run(&v) == SS_CPU_EXIT_EXCEPTION && v.ex.vector == 13 && v.r->rip == CODE + 0x34);
	/* IOPL 3 skips the bitmap. */
	v.r->rflags |= 0x3000;
	vm_code(&v, CODE + 0x40, "e481");
	CHECK(vm_run(&v) == SS_CPU_EXIT_IO && v.ex.io.port == 0x81);
	vm_free(&v);
}

TEST(vmload_vmsave_from_host_code)
{
	vm v;
	REQUIRE(vm_init(&v, 1, 0) == 0);
	v.r->efer |= 0x1000;
	ss_vmcb *b = (ss_vmcb *)(v.ram.ram + VMCBH);
	b->save.fs = (ss_vmsa_segment){0x18, 0x93, 0xfff, 0x1111};
	b->save.gs = (ss_vmsa_segment){0x18, 0x93, 0xfff, 0x2222};
	b->save.tr = (ss_vmsa_segment){0x28, 0x8b, 0x67, 0x3333};
	b->save.ldtr = (ss_vmsa_segment){0x30, 0x82, 0x1f, 0x4444};
	b->save.kernel_gs_base = 0x5555;
	b->save.star = 0x23001000000000ull;
	b->save.lstar = 0x7777;
	b->save.cstar = 0x8888;
	b->save.sfmask = 0x4700;
	b->save.sysenter_cs = 0x10;
	b->save.sysenter_esp = 0x9999;
	b->save.sysenter_eip = 0xaaaa;
	b->save.rip = 0x1234;				   /* not VMLOAD/VMSAVE state: untouched */
	vm_code(&v, CODE, "48b800002000000000000f01daf4"); /* mov rax, VMCB; vmload; hlt */
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT);
	CHECK(v.r->seg[SS_SEG_FS].base == 0x1111 && v.r->seg[SS_SEG_GS].base == 0x2222);
	CHECK(v.r->tr.sel == 0x28 && v.r->tr.base == 0x3333 && v.r->tr.limit == 0x67);
	CHECK(v.r->ldtr.sel == 0x30 && v.r->ldtr.attr == 0x82 && v.r->ldtr.base == 0x4444);
	CHECK(v.r->kernel_gs_base == 0x5555 && v.r->star == 0x23001000000000ull);
	CHECK(v.r->lstar == 0x7777 && v.r->cstar == 0x8888 && v.r->sfmask == 0x4700);
	CHECK(v.r->sysenter_cs == 0x10 && v.r->sysenter_esp == 0x9999 &&
	      v.r->sysenter_eip == 0xaaaa);
	v.r->lstar = 0xbbbb;
	v.r->seg[SS_SEG_GS].base = 0xcccc;
	v.r->sysenter_eip = 0xdddd;
	vm_code(&v, CODE + 0x20, "0f01dbf4"); /* vmsave; hlt */
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT);
	CHECK(b->save.lstar == 0xbbbb && b->save.gs.base == 0xcccc &&
	      b->save.sysenter_eip == 0xdddd);
	CHECK(b->save.fs.base == 0x1111 && b->save.rip == 0x1234);
	/* rAX not 4 KiB aligned: #GP(0); without EFER.SVME: #UD. */
	v.r->gpr[SS_RAX] = VMCBH + 8;
	vm_code(&v, CODE + 0x40, "0f01da");
	CHECK(vm_run(&v) == SS_CPU_EXIT_EXCEPTION && v.ex.vector == 13 && v.ex.error_code == 0);
	v.r->efer &= ~0x1000ull;
	v.r->gpr[SS_RAX] = VMCBH;
	vm_code(&v, CODE + 0x50, "0f01db");
	CHECK(vm_run(&v) == SS_CPU_EXIT_EXCEPTION && v.ex.vector == 6);
	vm_free(&v);
}

/* ---- guest mode: a hypervisor in C (as in test_cpu_svm.c), guest IDT of 256 vectors -------- */

#define NPT	 0x100000
#define VMCB	 0x200000
#define GBASE	 0x400000 /* guest-physical 0 is system-physical 4 MiB; gPA [0, 4 MiB) mapped */
#define GPT	 0x1000
#define GGDT	 0x5000
#define GIDT	 0x6000
#define GHANDLER 0x9000
#define GCODE	 0x10000

typedef struct hv {
	ss_cpu_flatram ram;
	ss_cpu *c;
	ss_cpu_regs *r;
	ss_cpu_exit ex;
	ss_vmcb *v;
} hv;

static uint64_t ghandler(unsigned vec)
{
	return GHANDLER + 16ull * vec;
}

static int hv_init(hv *h)
{
	memset(h, 0, sizeof(*h));
	h->ram.size = 16u << 20;
	h->ram.ram = calloc(h->ram.size, 1);
	if (!h->ram.ram)
		return -1;
	uint8_t *m = h->ram.ram;
	put64(m, NPT, (NPT + 0x1000) | 7);
	put64(m, NPT + 0x1000, (NPT + 0x2000) | 7);
	put64(m, NPT + 0x2000, GBASE | 0x87);
	put64(m, NPT + 0x2008, (GBASE + 0x200000) | 0x87);
	put64(m, GBASE + GPT, (GPT + 0x1000) | 3);
	put64(m, GBASE + GPT + 0x1000, (GPT + 0x2000) | 3);
	for (unsigned k = 0; k < 8; k++)
		put64(m, GBASE + GPT + 0x2000 + 8 * k, ((uint64_t)k << 21) | 0x83);
	put64(m, GBASE + GGDT + 8, 0x00209A0000000000ull);
	for (unsigned k = 0; k < 256; k++) {
		uint64_t t = ghandler(k);
		put64(m, GBASE + GIDT + 16 * k, (t & 0xffff) | (0x08ull << 16) | (0x8Eull << 40));
		m[GBASE + t] = 0xF4;
	}
	ss_cpu_config cfg = {.mem = &ss_cpu_flatram_ops, .mem_ctx = &h->ram};
	ss_error err;
	if (ss_cpu_new(&cfg, &h->c, &err))
		return -1;
	h->r = ss_cpu_regs_of(h->c);
	h->r->cr0 &= ~0x80000000ull;
	ss_cpu_set_long_mode(h->c, false);
	h->r->efer |= 0x1000;
	h->v = (ss_vmcb *)(m + VMCB);
	ss_vmcb_control *k = &h->v->control;
	ss_vmcb_save *s = &h->v->save;
	k->intercept_misc1 = SS_ICPT3_CPUID | SS_ICPT3_HLT | SS_ICPT3_SHUTDOWN;
	k->intercept_misc2 = SS_ICPT4_VMRUN;
	k->asid = 1;
	k->nested_ctl = SS_NESTED_CTL_NP;
	k->nested_cr3 = NPT;
	s->cs = (ss_vmsa_segment){0x08, 0x29b, 0xffffffff, 0};
	s->ss = s->ds = s->es = (ss_vmsa_segment){0x10, 0xc93, 0xffffffff, 0};
	s->gdtr = (ss_vmsa_segment){0, 0, 0x0f, GGDT};
	s->idtr = (ss_vmsa_segment){0, 0, 256 * 16 - 1, GIDT};
	s->efer = 0x1000 | 0x500 | 0x800;
	s->cr0 = 0x80000011;
	s->cr3 = GPT;
	s->cr4 = 0x20;
	s->rflags = 2;
	s->rip = GCODE;
	s->rsp = 0x8000;
	return 0;
}

/* Guest code at gPA at (distinct addresses per run: the CPU keeps what it decoded). */
static void hv_code(hv *h, uint64_t at, const char *hex)
{
	hex_to(h->ram.ram + GBASE + at, hex);
	ss_cpu_invalidate_code(h->c, GBASE + at, strlen(hex) / 2);
	h->v->save.rip = at;
	h->v->save.rsp = 0x8000;
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
	return h->v->control.exit_code;
}

static void hv_free(hv *h)
{
	ss_cpu_free(h->c);
	free(h->ram.ram);
}

/* The guest's interrupt frame's return RIP. */
static uint64_t guest_frame_rip(hv *h)
{
	return get64(h->ram.ram, GBASE + h->v->save.rsp);
}

TEST(guest_intr_and_nmi_intercepts)
{
	hv h;
	REQUIRE(hv_init(&h) == 0);
	ss_vmcb_control *k = &h.v->control;
	k->intercept_misc1 |= SS_ICPT3_INTR | SS_ICPT3_NMI;
	k->int_ctl = SS_INT_CTL_V_INTR_MASKING;
	/* With V_INTR_MASKING the host's IF (0 here) masks INTR: the guest runs to its hlt. */
	hv_code(&h, GCODE, "90f4");
	h.r->rflags = 2;
	ss_cpu_set_irq(h.c, 0x30);
	CHECK(hv_run(&h) == SS_SVM_EXIT_HLT);
	CHECK(h.r->gif == 0); /* #VMEXIT cleared GIF */
	/* Host IF=1: #VMEXIT(INTR) at the first boundary; the line stays up. */
	hv_code(&h, GCODE + 0x10, "90f4");
	h.r->rflags = 2 | F_IF;
	CHECK(hv_run(&h) == SS_SVM_EXIT_INTR);
	CHECK(h.v->save.rip == GCODE + 0x10 && k->exit_int_info == 0);
	CHECK(hv_run(&h) == SS_SVM_EXIT_INTR);
	ss_cpu_clear_irq(h.c);
	/* NMI: intercepted, then (intercept off) delivered through the guest's IDT. */
	ss_cpu_nmi(h.c);
	CHECK(hv_run(&h) == SS_SVM_EXIT_NMI);
	k->intercept_misc1 &= ~(uint32_t)SS_ICPT3_NMI;
	CHECK(hv_run(&h) == SS_SVM_EXIT_HLT);
	CHECK(h.v->save.rip == ghandler(2));
	CHECK(guest_frame_rip(&h) == GCODE + 0x10);
	/* INTR without the intercept and without V_INTR_MASKING: the guest's IF decides and the
	 * guest's IDT takes it. */
	k->intercept_misc1 &= ~(uint32_t)SS_ICPT3_INTR;
	k->int_ctl = 0;
	hv_code(&h, GCODE + 0x20, "fb90f4"); /* sti; nop; hlt */
	h.v->save.rflags = 2;
	ss_cpu_set_irq(h.c, 0x31);
	CHECK(hv_run(&h) == SS_SVM_EXIT_HLT);
	CHECK(h.v->save.rip == ghandler(0x31));
	CHECK(guest_frame_rip(&h) == GCODE + 0x22);
	hv_free(&h);
}

TEST(guest_virtual_interrupts)
{
	hv h;
	REQUIRE(hv_init(&h) == 0);
	ss_vmcb_control *k = &h.v->control;
	const uint32_t prio3 = 3u << SS_INT_CTL_V_INTR_PRIO_SHIFT;
	/* V_IRQ with priority 3 over V_TPR 2, guest IF=1: taken at once, V_IRQ cleared. */
	hv_code(&h, GCODE, "90f4");
	h.v->save.rflags = 2 | F_IF;
	k->int_ctl = SS_INT_CTL_V_IRQ | prio3 | 2;
	k->int_vector = 0x50;
	CHECK(hv_run(&h) == SS_SVM_EXIT_HLT);
	CHECK(h.v->save.rip == ghandler(0x50) && guest_frame_rip(&h) == GCODE);
	CHECK(!(k->int_ctl & SS_INT_CTL_V_IRQ) && (k->int_ctl & 0xff) == 2);
	/* V_TPR 5 holds it back ... */
	hv_code(&h, GCODE + 0x10, "90f4");
	h.v->save.rflags = 2 | F_IF;
	k->int_ctl = SS_INT_CTL_V_IRQ | prio3 | 5;
	CHECK(hv_run(&h) == SS_SVM_EXIT_HLT && h.v->save.rip == GCODE + 0x11);
	CHECK(k->int_ctl & SS_INT_CTL_V_IRQ);
	/* ... unless V_IGN_TPR. */
	hv_code(&h, GCODE + 0x20, "90f4");
	k->int_ctl |= SS_INT_CTL_V_IGN_TPR;
	CHECK(hv_run(&h) == SS_SVM_EXIT_HLT && h.v->save.rip == ghandler(0x50));
	/* The VINTR intercept exits instead of delivering; V_IRQ stays. */
	hv_code(&h, GCODE + 0x30, "90f4");
	h.v->save.rflags = 2 | F_IF;
	k->int_ctl = SS_INT_CTL_V_IRQ | prio3;
	k->intercept_misc1 |= SS_ICPT3_VINTR;
	CHECK(hv_run(&h) == SS_SVM_EXIT_VINTR);
	CHECK(h.v->save.rip == GCODE + 0x30 && (k->int_ctl & SS_INT_CTL_V_IRQ));
	k->intercept_misc1 &= ~(uint32_t)SS_ICPT3_VINTR;
	/* Guest IF=0 until its STI; the shadow covers the next instruction. */
	hv_code(&h, GCODE + 0x40, "fb9090f4");
	h.v->save.rflags = 2;
	CHECK(hv_run(&h) == SS_SVM_EXIT_HLT);
	CHECK(h.v->save.rip == ghandler(0x50) && guest_frame_rip(&h) == GCODE + 0x42);
	hv_free(&h);
}

TEST(guest_cr8_is_v_tpr_with_v_intr_masking)
{
	hv h;
	REQUIRE(hv_init(&h) == 0);
	ss_vmcb_control *k = &h.v->control;
	k->int_ctl = SS_INT_CTL_V_INTR_MASKING | 3;
	/* mov rbx, cr8; mov rax, 7; mov cr8, rax; mov rcx, cr8; hlt */
	hv_code(&h, GCODE, "440f20c348c7c007000000440f22c0440f20c1f4");
	CHECK(hv_run(&h) == SS_SVM_EXIT_HLT);
	CHECK(h.r->gpr[SS_RBX] == 3 && h.r->gpr[SS_RCX] == 7);
	CHECK((k->int_ctl & 0xff) == 7);
	CHECK(h.r->cr8 == 0); /* the host's TPR is untouched */
	hv_free(&h);
}

TEST(guest_int_state_and_exit_int_info)
{
	hv h;
	REQUIRE(hv_init(&h) == 0);
	ss_vmcb_control *k = &h.v->control;
	/* sti; cpuid (intercepted inside STI's shadow): int_state = shadow | IF. */
	hv_code(&h, GCODE, "fb0fa2");
	CHECK(hv_run(&h) == SS_SVM_EXIT_CPUID && k->int_state == 3);
	hv_code(&h, GCODE + 0x10, "fa0fa2"); /* cli; cpuid */
	CHECK(hv_run(&h) == SS_SVM_EXIT_CPUID && k->int_state == 0);
	/* A virtual interrupt whose frame lands outside the nested map: #NPF, and exit_int_info
	 * names the interrupt (type 0, no error code). */
	hv_code(&h, GCODE + 0x20, "90f4");
	h.v->save.rsp = 0x500000;
	h.v->save.rflags = 2 | F_IF;
	k->int_ctl = SS_INT_CTL_V_IRQ | SS_INT_CTL_V_IGN_TPR;
	k->int_vector = 0x50;
	CHECK(hv_run(&h) == SS_SVM_EXIT_NPF);
	CHECK(k->exit_int_info == (SS_EVTINJ_VALID | 0x50));
	CHECK((k->exit_info_2 >> 12) == 0x4ff);
	/* An injected #GP(0x18) meeting the same: type 3 with its error code. */
	k->int_ctl = 0;
	hv_code(&h, GCODE + 0x30, "90f4");
	h.v->save.rsp = 0x500000;
	k->event_inj = SS_EVTINJ_VALID | SS_EVTINJ_EV | (SS_EVTINJ_TYPE_EXC << 8) | 13;
	k->event_inj_err = 0x18;
	CHECK(hv_run(&h) == SS_SVM_EXIT_NPF);
	CHECK(k->exit_int_info ==
	      (SS_EVTINJ_VALID | SS_EVTINJ_EV | (SS_EVTINJ_TYPE_EXC << 8) | 13));
	CHECK(k->exit_int_info_err == 0x18);
	hv_free(&h);
}

TEST(decode_assists)
{
	hv h;
	REQUIRE(hv_init(&h) == 0);
	ss_vmcb_control *k = &h.v->control;
	/* #NPF on a data read: the 15 bytes at RIP. */
	hv_code(&h, GCODE, "8b042500005000f4"); /* mov eax, [0x500000]; hlt */
	CHECK(hv_run(&h) == SS_SVM_EXIT_NPF);
	CHECK(k->insn_len == 15);
	CHECK_MEM(k->insn_bytes, h.ram.ram + GBASE + GCODE, 15);
	/* #NPF on the fetch itself: nothing fetched. */
	hv_code(&h, GCODE + 0x20, "48c7c000005000ffe0"); /* mov rax, 0x500000; jmp rax */
	CHECK(hv_run(&h) == SS_SVM_EXIT_NPF);
	CHECK((k->exit_info_1 & 0x10) && k->insn_len == 0);
	/* #PF intercept: the bytes too. */
	k->intercept_exc = 1u << 14;
	hv_code(&h, GCODE + 0x40, "8b042500000040f4"); /* mov eax, [0x40000000] */
	CHECK(hv_run(&h) == 0x4E && k->exit_info_2 == 0x40000000);
	CHECK(k->insn_len == 15);
	CHECK_MEM(k->insn_bytes, h.ram.ram + GBASE + GCODE + 0x40, 15);
	/* Other exits carry none. */
	hv_code(&h, GCODE + 0x60, "0fa2");
	CHECK(hv_run(&h) == SS_SVM_EXIT_CPUID && k->insn_len == 0);
	/* CR0 access: MOV gives bit 63 and the GPR; LMSW, CLTS and SMSW give 0. */
	k->intercept_cr = (1u << 16) | 1u;
	hv_code(&h, GCODE + 0x70, "0f22c3"); /* mov cr0, rbx */
	CHECK(hv_run(&h) == SS_SVM_EXIT_WRITE_CR0 && k->exit_info_1 == ((1ull << 63) | 3));
	hv_code(&h, GCODE + 0x80, "0f01f0"); /* lmsw ax */
	CHECK(hv_run(&h) == SS_SVM_EXIT_WRITE_CR0 && k->exit_info_1 == 0);
	hv_code(&h, GCODE + 0x90, "0f06"); /* clts */
	CHECK(hv_run(&h) == SS_SVM_EXIT_WRITE_CR0 && k->exit_info_1 == 0);
	hv_code(&h, GCODE + 0xa0, "0f01e0"); /* smsw eax */
	CHECK(hv_run(&h) == SS_SVM_EXIT_READ_CR0 && k->exit_info_1 == 0);
	hv_code(&h, GCODE + 0xb0, "0f20c6"); /* mov rsi, cr0 */
	CHECK(hv_run(&h) == SS_SVM_EXIT_READ_CR0 && k->exit_info_1 == ((1ull << 63) | 6));
	/* Selective CR0 write: only a change beyond TS/MP exits. */
	k->intercept_cr = 0;
	k->intercept_misc1 |= SS_ICPT3_CR0_SEL_WRITE;
	hv_code(&h, GCODE + 0xc0, "0f20c04883f0080f22c0f4"); /* TS flip, then hlt */
	CHECK(hv_run(&h) == SS_SVM_EXIT_HLT);
	hv_code(&h, GCODE + 0xd0, "0f20c0480d000004000f22c0"); /* set AM */
	CHECK(hv_run(&h) == SS_SVM_EXIT_CR0_SEL_WRITE && k->exit_info_1 == (1ull << 63));
	/* DR7 read: bit 63 and the GPR. */
	k->intercept_dr = 1u << 7;
	hv_code(&h, GCODE + 0xf0, "0f21fa"); /* mov rdx, dr7 */
	CHECK(hv_run(&h) == SS_SVM_EXIT_READ_DR0 + 7 && k->exit_info_1 == ((1ull << 63) | 2));
	/* INTn: the vector; INVLPG: the linear address. */
	k->intercept_misc1 |= SS_ICPT3_INTN | SS_ICPT3_INVLPG;
	hv_code(&h, GCODE + 0x100, "cd21");
	CHECK(hv_run(&h) == SS_SVM_EXIT_SWINT && k->exit_info_1 == 0x21);
	hv_code(&h, GCODE + 0x110, "48c7c0003012000f0138"); /* mov rax, 0x123000; invlpg [rax] */
	CHECK(hv_run(&h) == SS_SVM_EXIT_INVLPG && k->exit_info_1 == 0x123000);
	hv_free(&h);
}

TEST(guest_single_step_and_svm_insn_intercepts)
{
	hv h;
	REQUIRE(hv_init(&h) == 0);
	ss_vmcb_control *k = &h.v->control;
	k->intercept_exc = 1u << 1;
	hv_code(&h, GCODE, "9090f4");
	h.v->save.rflags = 2 | F_TF;
	CHECK(hv_run(&h) == SS_SVM_EXIT_EXCP_BASE + 1);
	CHECK(h.v->save.rip == GCODE + 1 && (h.v->save.dr6 & 0x4000));
	h.v->save.rflags = 2;
	k->intercept_misc2 |= SS_ICPT4_VMLOAD | SS_ICPT4_VMSAVE | SS_ICPT4_STGI | SS_ICPT4_CLGI;
	static const struct {
		const char *code;
		uint64_t exit;
	} insns[] = {{"0f01da", SS_SVM_EXIT_VMLOAD},
		     {"0f01db", SS_SVM_EXIT_VMSAVE},
		     {"0f01dc", SS_SVM_EXIT_STGI},
		     {"0f01dd", SS_SVM_EXIT_CLGI}};
	for (unsigned n = 0; n < 4; n++) {
		hv_code(&h, GCODE + 0x20 + 0x10 * n, insns[n].code);
		CHECK(hv_run(&h) == insns[n].exit);
		CHECK(k->next_rip == GCODE + 0x23 + 0x10 * n);
	}
	hv_free(&h);
}

TEST(la57_canonical_checks_use_bit_56)
{
	vm v;
	REQUIRE(vm_init(&v, 1, 0) == 0);
	/* mov rax, 0x0000800000000000; jmp rax: not canonical with 48 bits... */
	vm_code(&v, CODE, "48b80000000000800000ffe0");
	CHECK(vm_run(&v) == SS_CPU_EXIT_EXCEPTION && v.ex.vector == 13 && v.r->rip == CODE + 10);
	/* ... canonical with CR4.LA57 (the fetch then finds no memory there) ... */
	v.r->cr4 |= 0x1000;
	ss_cpu_flush_tlb(v.c);
	vm_code(&v, CODE + 0x20, "48b80000000000800000ffe0");
	CHECK(vm_run(&v) == SS_CPU_EXIT_MEM && v.ex.mem_pa == 0x800000000000ull);
	/* ... where bit 56 is the sign: 0x0100000000000000 is not. */
	vm_code(&v, CODE + 0x40, "48b80000000000000001ffe0");
	CHECK(vm_run(&v) == SS_CPU_EXIT_EXCEPTION && v.ex.vector == 13 && v.r->rip == CODE + 0x4a);
	vm_free(&v);
}

TEST(five_level_guest_and_nested_paging)
{
	hv h;
	REQUIRE(hv_init(&h) == 0);
	/* Host with CR4.LA57: nCR3 is a PML5 whose entry 0 holds the 4-level tables. */
	const uint64_t npml5 = 0xF0000, gpml5 = 0x7000;
	put64(h.ram.ram, npml5, NPT | 7);
	h.v->control.nested_cr3 = npml5;
	h.r->cr4 |= 0x1000;
	/* Guest with CR4.LA57 too: its PML5 at gPA 0x7000 points at its PML4. */
	put64(h.ram.ram, GBASE + gpml5, GPT | 3);
	h.v->save.cr3 = gpml5;
	h.v->save.cr4 = 0x20 | 0x1000;
	hv_code(&h, GCODE, "8b042500002000f4"); /* mov eax, [0x200000]; hlt */
	CHECK(hv_run(&h) == SS_SVM_EXIT_HLT && h.v->save.rip == GCODE + 7);
	CHECK(get64(h.ram.ram, npml5) & 0x20);	       /* nested PML5 entry accessed */
	CHECK(get64(h.ram.ram, GBASE + gpml5) & 0x20); /* guest PML5 entry accessed */
	/* A gPA beyond the nested map reports its address through all five levels. */
	hv_code(&h, GCODE + 0x20, "8b042500005000f4");
	CHECK(hv_run(&h) == SS_SVM_EXIT_NPF && h.v->control.exit_info_2 == 0x500000);
	hv_free(&h);
}

/* ---- data and I/O breakpoints, general detect, RF in fault frames (debug.c) --------------- */

#define DATA   0x30000
#define F_RF   0x10000ull
#define DR6_BS 0x4000ull
#define DR6_BD 0x2000ull
#define DR7_GD 0x2000ull
/* DR7 for breakpoint n: L (local enable), R/W and LEN fields (APM vol. 2 §13.1.1). */
#define BP(n, rw, len)                                                                             \
	((1ull << (2 * (n))) | ((uint64_t)(rw) << (16 + 4 * (n))) |                                \
	 ((uint64_t)(len) << (18 + 4 * (n))))
#define LEN1 0
#define LEN2 1
#define LEN8 2
#define LEN4 3

/* Replaces code the CPU may have decoded (vm_code only drops its own range's pages). */
static void vm_patch(vm *v, uint64_t pa, const char *hex)
{
	hex_to(v->ram.ram + pa, hex);
	ss_cpu_invalidate_code(v->c, pa, strlen(hex) / 2);
}

/* Runs "mov [rbx], rax; nop; hlt" (or the read "mov rax, [rbx]") with rbx = at and DR7 = dr7;
 * answers 1 if the #DB trap came right after the access, 0 if the code reached its hlt. */
static int data_hit(vm *v, int write, uint64_t at, uint64_t dr7)
{
	static uint64_t where = CODE + 0x400;
	where += 0x10;
	v->r->dr[7] = dr7;
	v->r->dr[6] = 0xffff0ff0;
	v->r->gpr[SS_RBX] = at;
	v->r->gpr[SS_RSP] = STACK;
	vm_code(v, where, write ? "48890390f4" : "488b0390f4");
	if (vm_run(v) != SS_CPU_EXIT_HLT)
		return -1;
	if (taken(v, 1, where + 3))
		return 1;
	return v->r->rip == where + 5 ? 0 : -1;
}

TEST(data_breakpoints_match_rw_len_and_enables)
{
	vm v;
	REQUIRE(vm_init(&v, 0, 0) == 0);
	/* Warm the TLB with a host pointer for DATA first: arming must still catch the access. */
	CHECK(data_hit(&v, 1, DATA, 0x400) == 0);
	v.r->dr[0] = DATA;
	/* R/W = 01: writes only; a trap after the store (the store happened), DR6.B0. */
	v.r->gpr[SS_RAX] = 0x1122334455667788ull;
	CHECK(data_hit(&v, 1, DATA, 0x400 | BP(0, 1, LEN4)) == 1);
	CHECK(get64(v.ram.ram, DATA) == 0x1122334455667788ull);
	CHECK((v.r->dr[6] & 0xf) == 1 && !(v.r->dr[6] & DR6_BS));
	CHECK(!(get64(v.ram.ram, v.r->gpr[SS_RSP] + 16) & F_RF)); /* a trap: RF not pushed */
	CHECK(data_hit(&v, 0, DATA, 0x400 | BP(0, 1, LEN4)) == 0);
	/* R/W = 11: reads and writes. */
	CHECK(data_hit(&v, 0, DATA, 0x400 | BP(0, 3, LEN4)) == 1);
	/* Overlap: an 8-byte store at DATA-4 covers DATA..DATA+3; one at DATA+4 does not. */
	CHECK(data_hit(&v, 1, DATA - 4, 0x400 | BP(0, 1, LEN4)) == 1);
	CHECK(data_hit(&v, 1, DATA + 4, 0x400 | BP(0, 1, LEN4)) == 0);
	/* LEN aligns DRn down: DR0 = DATA+3 with LEN 4 covers DATA..DATA+3; with LEN 1 only +3. */
	v.r->dr[0] = DATA + 3;
	CHECK(data_hit(&v, 1, DATA - 8, 0x400 | BP(0, 1, LEN4)) == 0);
	CHECK(data_hit(&v, 0, DATA - 7, 0x400 | BP(0, 3, LEN4)) == 1);
	CHECK(data_hit(&v, 0, DATA - 5, 0x400 | BP(0, 3, LEN1)) == 0);
	CHECK(data_hit(&v, 0, DATA - 4, 0x400 | BP(0, 3, LEN1)) == 1);
	/* LEN 2 (DATA+8..+9) and LEN 8 (encoding 10: DATA+8..+15) with DR0 = DATA+9. */
	v.r->dr[0] = DATA + 9;
	CHECK(data_hit(&v, 0, DATA, 0x400 | BP(0, 3, LEN2)) == 0);
	CHECK(data_hit(&v, 0, DATA + 1, 0x400 | BP(0, 3, LEN2)) == 1);
	CHECK(data_hit(&v, 0, DATA + 10, 0x400 | BP(0, 3, LEN2)) == 0);
	CHECK(data_hit(&v, 0, DATA, 0x400 | BP(0, 3, LEN8)) == 0);
	CHECK(data_hit(&v, 0, DATA + 1, 0x400 | BP(0, 3, LEN8)) == 1);
	CHECK(data_hit(&v, 0, DATA + 15, 0x400 | BP(0, 3, LEN8)) == 1);
	CHECK(data_hit(&v, 0, DATA + 16, 0x400 | BP(0, 3, LEN8)) == 0);
	/* Several at once: every enabled match is reported, a matching disabled one is not;
	 * G enables like L; neither L nor G disables. */
	v.r->dr[0] = v.r->dr[1] = v.r->dr[2] = v.r->dr[3] = DATA;
	uint64_t all = BP(0, 1, LEN1) | BP(2, 3, LEN1) | (BP(3, 1, LEN1) & ~(1ull << 6)) |
		       (1ull << 7) | ((uint64_t)1 << 20); /* DR1: R/W 01 but not enabled */
	CHECK(data_hit(&v, 1, DATA, 0x400 | all) == 1);
	CHECK((v.r->dr[6] & 0xf) == 0xd);
	CHECK(data_hit(&v, 1, DATA, 0x400 | (all & ~0xffull)) == 0);
	/* R/W = 00 on the data address is an instruction breakpoint only. */
	CHECK(data_hit(&v, 1, DATA, 0x400 | BP(0, 0, LEN1)) == 0);
	vm_free(&v);
}

TEST(data_breakpoint_armed_by_mov_dr7_and_with_tf)
{
	vm v;
	REQUIRE(vm_init(&v, 0, 0) == 0);
	/* mov [rbx], rax (TLB warm, host pointer); mov dr7, rcx; mov [rbx], rax; nop; hlt */
	v.r->gpr[SS_RBX] = DATA;
	v.r->gpr[SS_RCX] = 0x400 | BP(1, 1, LEN8);
	v.r->dr[1] = DATA;
	vm_code(&v, CODE,
		"4889030f23f9488903"
		"90f4");
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT && taken(&v, 1, CODE + 9));
	CHECK((v.r->dr[6] & 0xf) == 2);
	/* With TF: one #DB reporting both BS and B1. */
	v.r->dr[6] = 0xffff0ff0;
	v.r->gpr[SS_RSP] = STACK;
	vm_code(&v, CODE + 0x40, "48890390f4");
	v.r->rflags = 2 | F_TF;
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT && taken(&v, 1, CODE + 0x43));
	CHECK((v.r->dr[6] & (DR6_BS | 0xf)) == (DR6_BS | 2));
	/* mov dr7 disarming: the store after it runs on. */
	v.r->rflags = 2;
	v.r->gpr[SS_RSP] = STACK;
	v.r->gpr[SS_RCX] = 0x400;
	vm_code(&v, CODE + 0x80, "0f23f948890390f4");
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT && v.r->rip == CODE + 0x88);
	vm_free(&v);
}

TEST(data_breakpoint_on_rep_string_stack_and_implicit_accesses)
{
	vm v;
	REQUIRE(vm_init(&v, 0, 0) == 0);
	/* rep stosb over DATA..DATA+15 with DR0 on DATA+5: the trap comes after the 6th
	 * iteration with RIP still on the instruction; the handler (inc r15; iretq) resumes it. */
	vm_patch(&v, handler(1), "49ffc748cf");
	v.r->dr[0] = DATA + 5;
	v.r->dr[7] = 0x400 | BP(0, 1, LEN1);
	v.r->gpr[SS_RCX] = 16;
	v.r->gpr[SS_RDI] = DATA;
	v.r->gpr[SS_RAX] = 0xab;
	vm_code(&v, CODE, "f3aaf4");
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT && v.r->rip == CODE + 3);
	CHECK(v.r->gpr[15] == 1 && v.r->gpr[SS_RCX] == 0 && v.r->gpr[SS_RDI] == DATA + 16);
	CHECK(v.ram.ram[DATA + 15] == 0xab);
	/* Stopped there: the handler now halts to look at the state. */
	vm_patch(&v, handler(1), "f4");
	v.r->gpr[SS_RCX] = 16;
	v.r->gpr[SS_RDI] = DATA;
	v.r->gpr[SS_RSP] = STACK;
	vm_code(&v, CODE + 0x10, "f3aaf4");
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT && taken(&v, 1, CODE + 0x10));
	CHECK(v.r->gpr[SS_RCX] == 10 && v.r->gpr[SS_RDI] == DATA + 6);
	/* PUSH writes the stack explicitly: it matches. */
	v.r->dr[0] = STACK - 8;
	v.r->gpr[SS_RSP] = STACK;
	vm_code(&v, CODE + 0x20, "5090f4"); /* push rax; nop; hlt */
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT && taken(&v, 1, CODE + 0x21));
	/* The frame an INT3 delivery pushes there and its IDT gate read do not. */
	v.r->dr[1] = IDT + 16 * 3;
	v.r->dr[7] = 0x400 | BP(0, 3, LEN8) | BP(1, 3, LEN8);
	v.r->dr[6] = 0xffff0ff0;
	v.r->gpr[SS_RSP] = STACK;
	vm_code(&v, CODE + 0x30, "cc90f4"); /* int3 */
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT && taken(&v, 3, CODE + 0x31));
	CHECK((v.r->dr[6] & 0xf) == 0);
	/* MOV SS holds its data breakpoint back to after the next instruction. */
	put64(v.ram.ram, DATA, 0x10);
	v.r->dr[0] = DATA;
	v.r->dr[7] = 0x400 | BP(0, 3, LEN2);
	v.r->gpr[SS_RBX] = DATA;
	v.r->gpr[SS_RSP] = STACK;
	vm_code(&v, CODE + 0x40, "8e139090f4"); /* mov ss, [rbx]; nop; nop; hlt */
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT && taken(&v, 1, CODE + 0x43));
	CHECK(v.r->dr[6] & 1);
	vm_free(&v);
}

TEST(io_breakpoints_need_cr4_de)
{
	vm v;
	REQUIRE(vm_init(&v, 0, 0) == 0);
	v.r->dr[2] = 0x80;
	v.r->dr[7] = 0x400 | BP(2, 2, LEN2); /* ports 0x80, 0x81 */
	/* CR4.DE = 0: R/W = 10 never matches. */
	vm_code(&v, CODE, "e68090f4"); /* out 0x80, al; nop; hlt */
	CHECK(vm_run(&v) == SS_CPU_EXIT_IO && v.ex.io.port == 0x80);
	ss_cpu_skip(v.c, &v.ex);
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT && v.r->rip == CODE + 4);
	/* CR4.DE = 1: the trap comes once the host completed the OUT. */
	v.r->cr4 |= 0x8;
	vm_code(&v, CODE + 0x10, "e68090f4");
	CHECK(vm_run(&v) == SS_CPU_EXIT_IO);
	ss_cpu_skip(v.c, &v.ex);
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT && taken(&v, 1, CODE + 0x12));
	CHECK((v.r->dr[6] & 0xf) == 4);
	/* in ax, dx at 0x7f covers 0x7f..0x80: a match; at 0x82 none. */
	v.r->dr[6] = 0xffff0ff0;
	v.r->gpr[SS_RSP] = STACK;
	v.r->gpr[SS_RDX] = 0x7f;
	vm_code(&v, CODE + 0x20, "66ed90f4");
	CHECK(vm_run(&v) == SS_CPU_EXIT_IO && v.ex.io.size == 2);
	ss_cpu_skip(v.c, &v.ex);
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT && taken(&v, 1, CODE + 0x22));
	v.r->gpr[SS_RSP] = STACK;
	v.r->gpr[SS_RDX] = 0x82;
	vm_code(&v, CODE + 0x30, "ec90f4"); /* in al, dx */
	CHECK(vm_run(&v) == SS_CPU_EXIT_IO);
	ss_cpu_skip(v.c, &v.ex);
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT && v.r->rip == CODE + 0x33);
	/* An exit the host does not complete (runs again) takes no trap. */
	v.r->gpr[SS_RDX] = 0x81;
	vm_code(&v, CODE + 0x40, "ec90f4");
	CHECK(vm_run(&v) == SS_CPU_EXIT_IO);
	v.r->dr[7] = 0x400;
	vm_code(&v, CODE + 0x50, "90f4");
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT && v.r->rip == CODE + 0x52);
	vm_free(&v);
}

TEST(general_detect_faults_and_clears_gd)
{
	vm v;
	REQUIRE(vm_init(&v, 0, 0) == 0);
	/* The #DB handler reads DR7 (allowed again: GD cleared on entry), then halts. */
	vm_patch(&v, handler(1), "0f21f8f4");
	v.r->dr[7] = 0x400 | DR7_GD;
	v.r->gpr[SS_RAX] = 0x1234;
	vm_code(&v, CODE, "0f21c0f4"); /* mov rax, dr0 */
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT && v.r->rip == handler(1) + 4);
	CHECK(get64(v.ram.ram, v.r->gpr[SS_RSP]) == CODE); /* a fault: RIP on the MOV */
	CHECK(get64(v.ram.ram, v.r->gpr[SS_RSP] + 16) & F_RF);
	CHECK(v.r->dr[6] & DR6_BD);
	CHECK(v.r->gpr[SS_RAX] == 0x400 && v.r->dr[7] == 0x400);
	/* Writes too; the CPL check comes first (#GP at CPL 3). */
	vm_free(&v);
	REQUIRE(vm_init(&v, 1, 0) == 0);
	v.r->dr[7] = 0x400 | DR7_GD;
	vm_code(&v, CODE, "0f23c0"); /* mov dr0, rax */
	CHECK(vm_run(&v) == SS_CPU_EXIT_EXCEPTION && v.ex.vector == 1 && v.r->rip == CODE);
	vm_free(&v);
	REQUIRE(vm_init(&v, 1, 1) == 0);
	v.r->dr[7] = 0x400 | DR7_GD;
	vm_code(&v, CODE, "0f23c0");
	CHECK(vm_run(&v) == SS_CPU_EXIT_EXCEPTION && v.ex.vector == 13);
	vm_free(&v);
}

TEST(fault_frames_carry_rf_so_iret_skips_the_instruction_breakpoint)
{
	vm v;
	REQUIRE(vm_init(&v, 0, 0) == 0);
	/* #UD: RF in the pushed RFLAGS; INT3 (a trap) and an instruction breakpoint: not. */
	vm_code(&v, CODE, "0f0b");
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT && taken(&v, 6, CODE));
	CHECK(get64(v.ram.ram, v.r->gpr[SS_RSP] + 16) & F_RF);
	CHECK(!(v.r->rflags & F_RF)); /* the handler itself runs without */
	v.r->gpr[SS_RSP] = STACK;
	vm_code(&v, CODE + 0x10, "cc");
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT && taken(&v, 3, CODE + 0x11));
	CHECK(!(get64(v.ram.ram, v.r->gpr[SS_RSP] + 16) & F_RF));
	v.r->gpr[SS_RSP] = STACK;
	v.r->dr[0] = CODE + 0x20;
	v.r->dr[7] = 0x400 | BP(0, 0, LEN1);
	vm_code(&v, CODE + 0x20, "90f4");
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT && taken(&v, 1, CODE + 0x20));
	CHECK(!(get64(v.ram.ram, v.r->gpr[SS_RSP] + 16) & F_RF));
	/* End to end: the #GP handler of a load (non-canonical rbx) fixes rbx and arms an
	 * instruction breakpoint on that load (mov rax, 0x401; mov dr7, rax; add rsp, 8 for the
	 * error code; iretq). RF from the #GP frame lets the load run without a #DB; the next time
	 * round (RF clear) the breakpoint hits, and the #DB handler (inc r15; or [rsp+16], RF;
	 * iretq) lets it run. */
	vm_patch(&v, handler(1), "49ffc748814c24100000010048cf");
	vm_patch(&v, handler(13),
		 "48c7c300000300"
		 "48c7c001040000"
		 "0f23f8"
		 "4883c408"
		 "48cf");
	v.r->gpr[15] = 0;
	v.r->gpr[SS_RSP] = STACK;
	v.r->gpr[SS_RBX] = 0x8000000000000000ull;
	v.r->dr[0] = CODE + 0x30;
	v.r->dr[7] = 0x400;
	vm_code(&v, CODE + 0x30, "488b03f4"); /* mov rax, [rbx]; hlt */
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT && v.r->rip == CODE + 0x34);
	CHECK(v.r->gpr[15] == 0 && v.r->dr[7] == 0x401);
	v.r->rip = CODE + 0x30;
	CHECK(vm_run(&v) == SS_CPU_EXIT_HLT && v.r->rip == CODE + 0x34);
	CHECK(v.r->gpr[15] == 1);
	vm_free(&v);
}

TEST(guest_db_intercept_sees_data_breakpoints_and_dr6_dr7_round_trip)
{
	hv h;
	REQUIRE(hv_init(&h) == 0);
	ss_vmcb_control *k = &h.v->control;
	/* DR0-DR3 are not in the VMCB: the guest uses the CPU's. */
	h.r->dr[0] = 0x30000;
	h.v->save.dr7 = 0x400 | BP(0, 1, LEN4);
	h.r->gpr[SS_RBX] = 0x30000;
	/* Delivered through the guest IDT: the frame holds the RIP after the store. */
	hv_code(&h, GCODE, "488903f4");
	CHECK(hv_run(&h) == SS_SVM_EXIT_HLT && h.v->save.rip == ghandler(1));
	CHECK(guest_frame_rip(&h) == GCODE + 3 && (h.v->save.dr6 & 1));
	/* Intercepted: exit 0x41 with the guest's RIP after the store and DR6.B0. */
	k->intercept_exc = 1u << 1;
	h.v->save.dr6 = 0xffff0ff0;
	hv_code(&h, GCODE + 0x10, "488903f4");
	CHECK(hv_run(&h) == SS_SVM_EXIT_EXCP_BASE + 1);
	CHECK(h.v->save.rip == GCODE + 0x13 && (h.v->save.dr6 & 0xf) == 1);
	/* General detect inside the guest: #DB (intercepted), unless the DR access itself is. */
	h.v->save.dr7 = 0x400 | DR7_GD;
	hv_code(&h, GCODE + 0x20, "0f21c0f4");
	CHECK(hv_run(&h) == SS_SVM_EXIT_EXCP_BASE + 1 && h.v->save.rip == GCODE + 0x20);
	CHECK(h.v->save.dr6 & DR6_BD);
	k->intercept_dr = 1u << 0;
	h.v->save.dr7 = 0x400 | DR7_GD;
	hv_code(&h, GCODE + 0x30, "0f21c0f4");
	CHECK(hv_run(&h) == SS_SVM_EXIT_READ_DR0);
	/* DR6 and DR7 go in and out through the save area; the host keeps its DR7. */
	k->intercept_dr = 0;
	k->intercept_exc = 0;
	h.r->dr[7] = 0x400;
	h.v->save.dr6 = 0xffff0ff2;
	h.v->save.dr7 = 0x400;
	h.r->gpr[SS_RCX] = 0x4c0;		     /* G3 (DR3 = 0: never reached), R/W3 = 00 */
	hv_code(&h, GCODE + 0x40, "0f21f00f23f9f4"); /* mov rax, dr6; mov dr7, rcx; hlt */
	CHECK(hv_run(&h) == SS_SVM_EXIT_HLT);
	CHECK(h.v->save.rax == 0xffff0ff2 && h.v->save.dr7 == 0x4c0);
	CHECK(h.r->dr[7] == 0x400);
	hv_free(&h);
}

TEST_MAIN(irq_taken_after_the_sti_shadow, irq_masked_by_if_tpr_and_cleared_line,
	  hlt_wakes_on_interrupts, nmi_blocked_until_iret, gif_holds_back_interrupts_and_nmi,
	  tf_single_step_after_popf, mov_ss_shadow_holds_back_the_trap_sti_does_not,
	  iret_setting_or_clearing_tf, instruction_breakpoint_and_rf, tss_io_permission_bitmap,
	  vmload_vmsave_from_host_code, guest_intr_and_nmi_intercepts, guest_virtual_interrupts,
	  guest_cr8_is_v_tpr_with_v_intr_masking, guest_int_state_and_exit_int_info, decode_assists,
	  guest_single_step_and_svm_insn_intercepts, la57_canonical_checks_use_bit_56,
	  five_level_guest_and_nested_paging, data_breakpoints_match_rw_len_and_enables,
	  data_breakpoint_armed_by_mov_dr7_and_with_tf,
	  data_breakpoint_on_rep_string_stack_and_implicit_accesses, io_breakpoints_need_cr4_de,
	  general_detect_faults_and_clears_gd,
	  fault_frames_carry_rf_so_iret_skips_the_instruction_breakpoint,
	  guest_db_intercept_sees_data_breakpoints_and_dr6_dr7_round_trip)
