/* Bare-metal style tests of the system side: exceptions through the 64-bit IDT with their frames
 * and error codes (#DE, #UD, #GP, #PF with CR2, #DF, triple fault), paging (A/D, NX, WP, SMEP,
 * SMAP, 1 GiB and 4 KiB pages), privilege changes (user -> kernel through TSS.RSP0, SYSCALL/SYSRET,
 * INT3 through a DPL-3 gate), CPUID and the decoded-code cache seeing self-modifying code. Each
 * test places guest code and tables in flat RAM and checks the architectural outcome. */
#include "harness.h"

#include <softsev/cpu.h>
#include <stdlib.h>

#define RAM	 (8u << 20)
#define PML4	 0x1000
#define PDPT	 0x2000
#define PD	 0x3000
#define PT	 0x4000 /* 4 KiB table for the second 2 MiB */
#define GDT	 0x5000
#define IDT	 0x6000
#define TSS	 0x7000
#define HANDLERS 0x9000 /* 16 bytes per vector: hlt */
#define CODE	 0x10000
#define UCODE	 0x300000 /* user page (PD entry 1 -> PT, user) */
#define DATA	 0x20000

typedef struct vm {
	ss_cpu_flatram ram;
	ss_cpu *c;
	ss_cpu_regs *r;
	ss_cpu_exit ex;
} vm;

static void put64(vm *v, uint64_t pa, uint64_t x)
{
	memcpy(v->ram.ram + pa, &x, 8);
}
static uint64_t get64(vm *v, uint64_t pa)
{
	uint64_t x;
	memcpy(&x, v->ram.ram + pa, 8);
	return x;
}

static void gate(vm *v, unsigned vec, uint64_t target, unsigned dpl, unsigned ist)
{
	uint64_t lo = (target & 0xffff) | (0x08ull << 16) | ((uint64_t)ist << 32) |
		      ((uint64_t)(0x8E | (dpl << 5)) << 40) | ((target >> 16) & 0xffff) << 48;
	put64(v, IDT + vec * 16, lo);
	put64(v, IDT + vec * 16 + 8, target >> 32);
}

static int vm_init(vm *v, int user)
{
	memset(v, 0, sizeof(*v));
	v->ram.size = RAM;
	v->ram.ram = calloc(RAM, 1);
	if (!v->ram.ram)
		return -1;
	/* Identity map: 2 MiB pages, except 2..4 MiB through a 4 KiB table (user pages). */
	put64(v, PML4, PDPT | 7);
	put64(v, PDPT, PD | 7);
	for (unsigned k = 0; k < 512; k++)
		put64(v, PD + 8 * k, ((uint64_t)k << 21) | 0x83);
	put64(v, PD + 8, PT | 7);
	for (unsigned k = 0; k < 512; k++)
		put64(v, PT + 8 * k, (0x200000ull + ((uint64_t)k << 12)) | 7);
	/* GDT: null, kernel code 0x08, kernel data 0x10, user data 0x18, user code 0x20, TSS 0x28.
	 */
	put64(v, GDT + 0x08, 0x00209A0000000000ull);
	put64(v, GDT + 0x10, 0x0000920000000000ull);
	put64(v, GDT + 0x18, 0x0000F20000000000ull);
	put64(v, GDT + 0x20, 0x0020FA0000000000ull);
	put64(v, GDT + 0x28, 0x67 | ((uint64_t)TSS << 16) | (0x89ull << 40));
	put64(v, TSS + 4, 0x80000);    /* RSP0 */
	put64(v, TSS + 0x24, 0x90000); /* IST1 */
	for (unsigned k = 0; k < 32; k++) {
		v->ram.ram[HANDLERS + 16 * k] = 0xF4; /* hlt */
		gate(v, k, HANDLERS + 16 * k, k == 3 ? 3 : 0, 0);
	}
	ss_cpu_config cfg = {.mem = &ss_cpu_flatram_ops, .mem_ctx = &v->ram};
	ss_error err;
	if (ss_cpu_new(&cfg, &v->c, &err))
		return -1;
	v->r = ss_cpu_regs_of(v->c);
	v->r->cr3 = PML4;
	v->r->cr0 |= 0x80010001; /* PG, WP, PE */
	ss_cpu_set_long_mode(v->c, false);
	v->r->gdtr = (ss_cpu_dtr){0x2f, GDT};
	v->r->idtr = (ss_cpu_dtr){32 * 16 - 1, IDT};
	v->r->tr = (ss_cpu_seg){0x28, 0x8b, 0x67, TSS};
	v->r->gpr[4] = 0x70000;
	v->r->rip = CODE;
	if (user) {
		ss_cpu_set_long_mode(v->c, true);
		v->r->seg[SS_SEG_CS].sel = 0x23;
		v->r->seg[SS_SEG_SS].sel = 0x1b;
		v->r->gpr[4] = UCODE + 0x1000;
		v->r->rip = UCODE;
	}
	return 0;
}

static void vm_code(vm *v, uint64_t at, const char *hex)
{
	for (size_t k = 0; hex[2 * k]; k++) {
		unsigned b;
		sscanf(hex + 2 * k, "%2x", &b);
		v->ram.ram[at + k] = (uint8_t)b;
	}
}

static int vm_run(vm *v)
{
	ss_error err;
	if (ss_cpu_run(v->c, 100000, &v->ex, &err)) {
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

/* After an exception handled by the "hlt" stub of vector vec: RIP after the stub's HLT. */
static int in_handler(vm *v, unsigned vec)
{
	return v->ex.reason == SS_CPU_EXIT_HLT && v->r->rip == HANDLERS + 16 * vec + 1;
}

TEST(de_frame_kernel)
{
	vm v;
	REQUIRE(vm_init(&v, 0) == 0);
	vm_code(&v, CODE, "31c9f7f1"); /* xor ecx,ecx; div ecx */
	vm_run(&v);
	CHECK(in_handler(&v, 0));
	uint64_t sp = v.r->gpr[4];
	CHECK(sp == 0x70000 - 40);	      /* no error code, same privilege: 5 qwords */
	CHECK(get64(&v, sp) == CODE + 2);     /* RIP of the faulting DIV */
	CHECK(get64(&v, sp + 8) == 0x08);     /* CS */
	CHECK(get64(&v, sp + 24) == 0x70000); /* old RSP */
	CHECK((v.r->rflags & 0x200) == 0);    /* interrupt gate cleared IF */
	vm_free(&v);
}

TEST(ud_and_gp_error_codes)
{
	vm v;
	REQUIRE(vm_init(&v, 0) == 0);
	vm_code(&v, CODE, "0f0b"); /* ud2 */
	vm_run(&v);
	CHECK(in_handler(&v, 6));
	vm_free(&v);
	REQUIRE(vm_init(&v, 0) == 0);
	/* mov rax, 0x0000800000000000 (non-canonical); mov [rax], eax */
	vm_code(&v, CODE, "48b800000000008000008900");
	vm_run(&v);
	CHECK(in_handler(&v, 13));
	CHECK(get64(&v, v.r->gpr[4]) == 0); /* error code 0 */
	CHECK(get64(&v, v.r->gpr[4] + 8) == CODE + 10);
	vm_free(&v);
}

TEST(page_fault_error_code_and_cr2)
{
	vm v;
	REQUIRE(vm_init(&v, 0) == 0);
	put64(&v, PD + 8 * 5, 0);	     /* 0xA00000 not present */
	vm_code(&v, CODE, "8904250000a000"); /* mov [0xa00000], eax */
	vm_run(&v);
	CHECK(in_handler(&v, 14));
	CHECK(get64(&v, v.r->gpr[4]) == 0x2); /* W, not present, supervisor */
	CHECK(v.r->cr2 == 0xa00000);
	vm_free(&v);
}

TEST(accessed_dirty_bits)
{
	vm v;
	REQUIRE(vm_init(&v, 0) == 0);
	vm_code(&v, CODE,
		"8b042500004000" /* mov eax, [0x400000] */
		"89042500006000" /* mov [0x600000], eax */
		"f4");
	vm_run(&v);
	CHECK(v.ex.reason == SS_CPU_EXIT_HLT);
	CHECK((get64(&v, PD + 8 * 2) & 0x60) == 0x20); /* read: A only */
	CHECK((get64(&v, PD + 8 * 3) & 0x60) == 0x60); /* write: A and D */
	CHECK(get64(&v, PML4) & 0x20);
	vm_free(&v);
}

TEST(nx_wp_smep_smap)
{
	vm v;
	/* NX: jump to a no-execute page. */
	REQUIRE(vm_init(&v, 0) == 0);
	put64(&v, PD + 8 * 4, (4ull << 21) | 0x83 | (1ull << 63));
	vm_code(&v, CODE, "b800008000ffe0"); /* mov eax, 0x800000; jmp rax */
	vm_run(&v);
	CHECK(in_handler(&v, 14));
	CHECK(get64(&v, v.r->gpr[4]) == 0x11); /* P | I/D */
	CHECK(v.r->cr2 == 0x800000);
	vm_free(&v);
	/* WP: supervisor write to a read-only page. */
	REQUIRE(vm_init(&v, 0) == 0);
	put64(&v, PD + 8 * 4, (4ull << 21) | 0x81);
	vm_code(&v, CODE, "89042500008000");
	vm_run(&v);
	CHECK(in_handler(&v, 14));
	CHECK(get64(&v, v.r->gpr[4]) == 0x3);
	vm_free(&v);
	/* SMEP: supervisor fetch from a user page. */
	REQUIRE(vm_init(&v, 0) == 0);
	v.r->cr4 |= 0x100000;
	v.ram.ram[UCODE] = 0xF4;
	vm_code(&v, CODE, "b800003000ffe0"); /* jmp 0x300000 */
	vm_run(&v);
	CHECK(in_handler(&v, 14));
	CHECK(get64(&v, v.r->gpr[4]) == 0x11);
	vm_free(&v);
	/* SMAP: supervisor read of a user page faults with AC=0, works after STAC. */
	REQUIRE(vm_init(&v, 0) == 0);
	v.r->cr4 |= 0x200000;
	vm_code(&v, CODE,
		"0f01cb8b042500003000"	 /* stac; mov eax, [0x300000] */
		"0f01ca8b042500003000"); /* clac; mov eax, [0x300000] */
	vm_run(&v);
	CHECK(in_handler(&v, 14));
	CHECK(get64(&v, v.r->gpr[4]) == 0x1);
	CHECK(get64(&v, v.r->gpr[4] + 8) == CODE + 13); /* the second load */
	vm_free(&v);
}

TEST(user_fault_switches_to_rsp0)
{
	vm v;
	REQUIRE(vm_init(&v, 1) == 0);
	/* user: read a supervisor page -> #PF(P|U) delivered on TSS.RSP0. */
	vm_code(&v, UCODE, "8b042500001000");
	vm_run(&v);
	CHECK(in_handler(&v, 14));
	CHECK(v.r->cpl == 0);
	uint64_t sp = v.r->gpr[4];
	CHECK(sp == 0x80000 - 48);
	CHECK(get64(&v, sp) == 0x5);		     /* P | U */
	CHECK(get64(&v, sp + 8) == UCODE);	     /* RIP */
	CHECK(get64(&v, sp + 16) == 0x23);	     /* CS */
	CHECK(get64(&v, sp + 32) == UCODE + 0x1000); /* RSP */
	CHECK(get64(&v, sp + 40) == 0x1b);	     /* SS */
	vm_free(&v);
}

TEST(int3_from_user_and_privileged_insn)
{
	vm v;
	REQUIRE(vm_init(&v, 1) == 0);
	vm_code(&v, UCODE, "cc");
	vm_run(&v);
	CHECK(in_handler(&v, 3));
	CHECK(get64(&v, v.r->gpr[4]) == UCODE + 1); /* trap: RIP after INT3 */
	vm_free(&v);
	REQUIRE(vm_init(&v, 1) == 0);
	vm_code(&v, UCODE, "fa"); /* cli at CPL 3, IOPL 0 */
	vm_run(&v);
	CHECK(in_handler(&v, 13));
	vm_free(&v);
	REQUIRE(vm_init(&v, 1) == 0);
	vm_code(&v, UCODE, "cd21"); /* int 0x21: gate DPL 0 -> #GP(0x21*8+2) */
	gate(&v, 0x21, HANDLERS, 0, 0);
	v.r->idtr.limit = 0x22 * 16 - 1;
	vm_run(&v);
	CHECK(in_handler(&v, 13));
	CHECK(get64(&v, v.r->gpr[4]) == 0x21 * 8 + 2);
	vm_free(&v);
}

TEST(double_fault_and_shutdown)
{
	vm v;
	REQUIRE(vm_init(&v, 0) == 0);
	/* #GP whose gate is not present -> #NP while delivering -> #DF (on IST1). */
	put64(&v, IDT + 13 * 16, get64(&v, IDT + 13 * 16) & ~(0x80ull << 40));
	gate(&v, 8, HANDLERS + 16 * 8, 0, 1);
	vm_code(&v, CODE, "48b800000000008000008900");
	vm_run(&v);
	CHECK(in_handler(&v, 8));
	CHECK(v.r->gpr[4] == 0x90000 - 48); /* IST1 stack, error code 0 */
	CHECK(get64(&v, v.r->gpr[4]) == 0);
	vm_free(&v);
	REQUIRE(vm_init(&v, 0) == 0);
	v.r->idtr.limit = 0; /* every delivery faults */
	vm_code(&v, CODE, "0f0b");
	CHECK(vm_run(&v) == SS_CPU_EXIT_SHUTDOWN);
	vm_free(&v);
}

TEST(syscall_sysret_roundtrip)
{
	vm v;
	REQUIRE(vm_init(&v, 1) == 0);
	v.r->star = (0x10ull << 48) | (0x08ull << 32);
	v.r->lstar = CODE;
	v.r->sfmask = 0x200;
	v.r->rflags |= 0x200;
	vm_code(&v, UCODE, "0f05f4");	   /* syscall; (back here) hlt -> #GP at CPL 3 */
	vm_code(&v, CODE, "4831c0480f07"); /* xor rax,rax; sysretq */
	ss_error err;
	REQUIRE(ss_cpu_run(v.c, 2, &v.ex, &err) == 0); /* syscall + xor */
	CHECK(v.r->cpl == 0);
	CHECK(v.r->gpr[1] == UCODE + 2);
	CHECK(v.r->seg[SS_SEG_CS].sel == 0x08);
	CHECK((v.r->rflags & 0x200) == 0);
	CHECK(v.r->gpr[11] & 0x200);
	REQUIRE(ss_cpu_run(v.c, 1, &v.ex, &err) == 0); /* sysret */
	CHECK(v.r->cpl == 3);
	CHECK(v.r->rip == UCODE + 2);
	CHECK(v.r->seg[SS_SEG_CS].sel == 0x23);
	CHECK(v.r->seg[SS_SEG_SS].sel == 0x1b);
	CHECK(v.r->rflags & 0x200);
	vm_run(&v);
	CHECK(in_handler(&v, 13)); /* HLT at CPL 3 */
	vm_free(&v);
}

TEST(cpuid_model_and_exits)
{
	vm v;
	REQUIRE(vm_init(&v, 0) == 0);
	vm_code(&v, CODE, "b81f0000800fa2f4");
	vm_run(&v);
	CHECK(v.ex.reason == SS_CPU_EXIT_HLT);
	CHECK((uint32_t)v.r->gpr[0] == 0x0101FD3F);
	CHECK(((uint32_t)v.r->gpr[3] & 63) == 51); /* EBX: C-bit position */
	vm_free(&v);
	REQUIRE(vm_init(&v, 0) == 0);
	vm_code(&v, CODE, "31c00fa2e680b9000001c00f32f30f01d9");
	CHECK(vm_run(&v) == SS_CPU_EXIT_IO);
	CHECK(v.ex.io.port == 0x80 && !v.ex.io.in && v.ex.io.size == 1);
	CHECK((uint32_t)v.r->gpr[3] == 0x68747541); /* "Auth" */
	ss_cpu_skip(v.c, &v.ex);
	CHECK(vm_run(&v) == SS_CPU_EXIT_MSR);
	CHECK(v.ex.msr == 0xc0010000 && !v.ex.msr_write);
	ss_cpu_skip(v.c, &v.ex);
	CHECK(vm_run(&v) == SS_CPU_EXIT_HOOK);
	CHECK(v.ex.hook == SS_CPU_HOOK_VMGEXIT && v.ex.insn_len == 4);
	vm_free(&v);
}

TEST(self_modifying_code_is_seen)
{
	vm v;
	REQUIRE(vm_init(&v, 0) == 0);
	/* mov byte [rip+1], 0x90 ... overwrites the following ud2's first byte? Use: the store
	 * patches a later "ud2" into "nop; nop" before it is reached. */
	vm_code(&v, CODE,
		"66c705010000009090" /* mov word [rip+1], 0x9090 */
		"90"		     /* nop (skipped by the patch target below) */
		"0f0bf4");	     /* ud2 -> patched to nop nop; hlt */
	/* The store's RIP-relative target: next RIP (CODE+9) + 1 = CODE+10 = the ud2. */
	vm_run(&v);
	CHECK(v.ex.reason == SS_CPU_EXIT_HLT);
	CHECK(v.r->rip == CODE + 13);
	vm_free(&v);
}

TEST(retired_count_and_tsc_are_exact)
{
	vm v;
	REQUIRE(vm_init(&v, 0) == 0);
	/* nop; nop; rdtsc; hlt: the TSC counts retired instructions, so RDTSC reads 2; HLT
	 * retires, a faulting instruction does not. */
	vm_code(&v, CODE, "90900f31f4");
	vm_run(&v);
	CHECK(v.ex.reason == SS_CPU_EXIT_HLT);
	CHECK(v.r->gpr[0] == 2);
	CHECK(ss_cpu_icount(v.c) == 4);
	vm_free(&v);
	REQUIRE(vm_init(&v, 0) == 0);
	v.r->efer &= ~0x800ull; /* keep the run short: budget of 3 stops after the 3rd nop */
	vm_code(&v, CODE, "9090909090f4");
	ss_error err;
	REQUIRE(ss_cpu_run(v.c, 3, &v.ex, &err) == 0);
	CHECK(v.ex.reason == SS_CPU_EXIT_LIMIT);
	CHECK(ss_cpu_icount(v.c) == 3 && v.r->rip == CODE + 3);
	vm_free(&v);
	REQUIRE(vm_init(&v, 0) == 0);
	vm_code(&v, CODE, "90900f0b"); /* nop; nop; ud2 -> #UD handler's hlt */
	vm_run(&v);
	CHECK(in_handler(&v, 6));
	CHECK(ss_cpu_icount(v.c) == 3); /* two nops + the handler's hlt */
	vm_free(&v);
}

TEST_MAIN(de_frame_kernel, ud_and_gp_error_codes, page_fault_error_code_and_cr2,
	  accessed_dirty_bits, nx_wp_smep_smap, user_fault_switches_to_rsp0,
	  int3_from_user_and_privileged_insn, double_fault_and_shutdown, syscall_sysret_roundtrip,
	  cpuid_model_and_exits, self_modifying_code_is_seen, retired_count_and_tsc_are_exact)
