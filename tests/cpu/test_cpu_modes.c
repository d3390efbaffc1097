/* Real, protected and compatibility mode (issue 6), guest code and host assertions side by side
 * (STYLE.md item 8): the reset state runs from 0xFFFFFFF0 through a hand-assembled stub that loads
 * a GDT, enters protected mode, enables PAE, EFER.LME and paging and far-jumps into 64-bit code,
 * asserting the registers at each step; every segment-check fault with its error code; far CALL
 * and RETF across privilege levels with INT through a 32-bit gate and IRETD back; IRETQ into
 * compatibility mode (where 0x40 is INC); INT through the real-mode IVT; 16- and 32-bit operand
 * and address sizes; 32-bit paging with a 4 MiB page and PAE paging; the long-mode activation
 * #GP; and the opcodes that 64-bit mode refuses. Instruction bytes were assembled by hand from the
 * listing next to each string (AT&T syntax). */
#include "harness.h"

#include <softsev/cpu.h>
#include <stdlib.h>

#define RAM_SIZE (16u << 20)
#define ROM_BASE 0xFFFF0000ull
#define ROM_SIZE 0x10000u

/* RAM at physical 0 and a 64 KiB ROM below 4 GiB, as at reset. */
typedef struct machine {
	uint8_t *ram;
	uint8_t rom[ROM_SIZE];
	ss_cpu *c;
	ss_cpu_regs *r;
	ss_cpu_exit ex;
} machine;

static uint8_t *host_of(machine *m, uint64_t pa, size_t len)
{
	if (pa + len <= RAM_SIZE)
		return m->ram + pa;
	if (pa >= ROM_BASE && pa + len <= ROM_BASE + ROM_SIZE)
		return m->rom + (pa - ROM_BASE);
	return NULL;
}

static int m_read(void *ctx, ss_cpu_access *a, void *buf, size_t len)
{
	uint8_t *h = host_of(ctx, a->pa, len);
	if (!h)
		return SS_CPU_MEM_UNMAPPED;
	memcpy(buf, h, len);
	return SS_CPU_MEM_OK;
}

static int m_write(void *ctx, ss_cpu_access *a, const void *buf, size_t len)
{
	uint8_t *h = host_of(ctx, a->pa, len);
	if (!h)
		return SS_CPU_MEM_UNMAPPED;
	memcpy(h, buf, len);
	return SS_CPU_MEM_OK;
}

static const ss_cpu_mem_ops m_ops = {.read = m_read, .write = m_write};

static void put(machine *m, uint64_t pa, const char *hex)
{
	for (size_t k = 0; hex[2 * k]; k++) {
		unsigned b;
		sscanf(hex + 2 * k, "%2x", &b);
		*host_of(m, pa + k, 1) = (uint8_t)b;
	}
}

static void put64(machine *m, uint64_t pa, uint64_t v)
{
	memcpy(host_of(m, pa, 8), &v, 8);
}

static void put32(machine *m, uint64_t pa, uint32_t v)
{
	memcpy(host_of(m, pa, 4), &v, 4);
}

static uint64_t get(machine *m, uint64_t pa, unsigned n)
{
	uint64_t v = 0;
	memcpy(&v, host_of(m, pa, n), n);
	return v;
}

static machine *m_new(bool exit_on_exception, bool flat_long)
{
	machine *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->ram = calloc(RAM_SIZE, 1);
	ss_cpu_config cfg = {.mem = &m_ops,
			     .mem_ctx = m,
			     .exit_on_exception = exit_on_exception,
			     .flat_long_mode = flat_long};
	ss_error err;
	if (!m->ram || ss_cpu_new(&cfg, &m->c, &err)) {
		free(m->ram);
		free(m);
		return NULL;
	}
	m->r = ss_cpu_regs_of(m->c);
	return m;
}

static void m_free(machine *m)
{
	if (!m)
		return;
	ss_cpu_free(m->c);
	free(m->ram);
	free(m);
}

static int run(machine *m, uint64_t n)
{
	ss_error err;
	if (ss_cpu_run(m->c, n, &m->ex, &err)) {
		printf("# run: %s\n", err.msg);
		return -1;
	}
	return m->ex.reason;
}

#define CR0_PE	(1ull << 0)
#define CR0_PG	(1ull << 31)
#define CR4_PAE (1ull << 5)
#define LME	(1ull << 8)
#define LMA	(1ull << 10)
#define ATTR_L	0x200u
#define ATTR_D	0x400u
#define F_CF	0x1u
#define F_ZF	0x40u
#define F_SF	0x80u
#define F_IF	0x200u
#define F_OF	0x800u

/* ---- the reset path ---------------------------------------------------------------------------
 */

TEST(reset_to_64bit)
{
	machine *m = m_new(true, false);
	REQUIRE(m);
	/* 0xFFFFFFF0: jmp 0xF000 (E9 rel16: 0xF000 - 0xFFF3). */
	put(m, ROM_BASE + 0xFFF0, "e90df0");
	/* 0xFFFFF000, real mode: cli; lgdtl %cs:0xF800; mov %cr0,%eax; or $1,%al; mov %eax,%cr0;
	 * ljmpl $0x08,$0xFFFFF100 */
	put(m, ROM_BASE + 0xF000, "fa2e660f011600f80f20c00c010f22c066ea00f1ffff0800");
	/* 0xFFFFF100, 32-bit protected mode: mov $0x10,%ax; mov %ax,%ds/%es/%ss;
	 * mov $0x8000,%esp; movl $0x2003,0x1000 (PML4[0]); movl $0x3003,0x2000 (PDPT[0]);
	 * movl $0x4003,0x2018 (PDPT[3]); movl $0x83,0x3000 (PD0[0]: 2 MiB at 0);
	 * movl $0xFFE00083,0x4ff8 (PD3[511]: 2 MiB at 0xFFE00000); mov %cr4,%eax;
	 * or $0x20,%eax; mov %eax,%cr4; mov $0x1000,%eax; mov %eax,%cr3; mov $0xC0000080,%ecx;
	 * rdmsr; or $0x100,%eax; wrmsr; mov %cr0,%eax; or $0x80000000,%eax; mov %eax,%cr0;
	 * ljmp $0x18,$0xFFFFF200 */
	put(m, ROM_BASE + 0xF100,
	    "66b810008ed88ec08ed0bc00800000c7050010000003200000c7050020000003300000c705182000"
	    "0003400000c7050030000083000000c705f84f00008300e0ff0f20e083c8200f22e0b8001000000f"
	    "22d8b9800000c00f320d000100000f300f20c00d000000800f22c0ea00f2ffff1800");
	/* 0xFFFFF200, 64-bit: movabs $0x1122334455667788,%rax; push %rax; hlt */
	put(m, ROM_BASE + 0xF200, "48b8887766554433221150f4");
	/* GDTR image at 0xF800: limit 0x1F, base 0xFFFFF900; the GDT: null, 32-bit code 0x08,
	 * data 0x10, 64-bit code 0x18 (accessed bits preset, as in a ROM). */
	put(m, ROM_BASE + 0xF800, "1f0000f9ffff");
	put64(m, ROM_BASE + 0xF908, 0x00CF9B000000FFFFull);
	put64(m, ROM_BASE + 0xF910, 0x00CF93000000FFFFull);
	put64(m, ROM_BASE + 0xF918, 0x00AF9B000000FFFFull);

	/* Reset state (APM vol. 2 §14.1.3). */
	CHECK(m->r->rip == 0xFFF0);
	CHECK(m->r->seg[SS_SEG_CS].sel == 0xF000 && m->r->seg[SS_SEG_CS].base == 0xFFFF0000);
	CHECK(!(m->r->cr0 & CR0_PE));

	REQUIRE(run(m, 1) == SS_CPU_EXIT_LIMIT); /* jmp */
	CHECK(m->r->rip == 0xF000);
	REQUIRE(run(m, 2) == SS_CPU_EXIT_LIMIT); /* cli; lgdt */
	CHECK(m->r->gdtr.base == 0xFFFFF900 && m->r->gdtr.limit == 0x1F);
	CHECK(!(m->r->rflags & F_IF));
	REQUIRE(run(m, 3) == SS_CPU_EXIT_LIMIT); /* CR0.PE = 1 */
	CHECK(m->r->cr0 & CR0_PE);
	/* Still the real-mode CS cache until the far jump. */
	CHECK(m->r->seg[SS_SEG_CS].sel == 0xF000 && m->r->seg[SS_SEG_CS].base == 0xFFFF0000);
	CHECK(m->r->rip == 0xF010);
	REQUIRE(run(m, 1) == SS_CPU_EXIT_LIMIT); /* ljmpl $0x08 */
	CHECK(m->r->seg[SS_SEG_CS].sel == 0x08 && m->r->seg[SS_SEG_CS].base == 0);
	CHECK(m->r->seg[SS_SEG_CS].limit == 0xFFFFFFFF);
	CHECK(m->r->seg[SS_SEG_CS].attr & ATTR_D);
	CHECK(m->r->rip == 0xFFFFF100);
	REQUIRE(run(m, 5) == SS_CPU_EXIT_LIMIT); /* segments and ESP */
	CHECK(m->r->seg[SS_SEG_DS].sel == 0x10 && m->r->seg[SS_SEG_SS].sel == 0x10);
	CHECK(m->r->seg[SS_SEG_SS].limit == 0xFFFFFFFF && (m->r->seg[SS_SEG_SS].attr & ATTR_D));
	CHECK(m->r->gpr[SS_RSP] == 0x8000);
	REQUIRE(run(m, 5) == SS_CPU_EXIT_LIMIT); /* page tables */
	CHECK(get(m, 0x1000, 8) == 0x2003 && get(m, 0x2018, 8) == 0x4003);
	CHECK(get(m, 0x4ff8, 8) == 0xFFE00083);
	REQUIRE(run(m, 9) == SS_CPU_EXIT_LIMIT); /* CR4.PAE, CR3, EFER.LME */
	CHECK(m->r->cr4 & CR4_PAE);
	CHECK(m->r->cr3 == 0x1000);
	CHECK((m->r->efer & LME) && !(m->r->efer & LMA));
	REQUIRE(run(m, 3) == SS_CPU_EXIT_LIMIT); /* CR0.PG = 1: long mode active */
	CHECK(m->r->cr0 & CR0_PG);
	CHECK(m->r->efer & LMA);
	CHECK(!(m->r->seg[SS_SEG_CS].attr & ATTR_L)); /* compatibility mode */
	REQUIRE(run(m, 1) == SS_CPU_EXIT_LIMIT);      /* ljmp $0x18 */
	CHECK(m->r->seg[SS_SEG_CS].sel == 0x18 && (m->r->seg[SS_SEG_CS].attr & ATTR_L));
	CHECK(m->r->rip == 0xFFFFF200);
	REQUIRE(run(m, 10) == SS_CPU_EXIT_HLT);
	CHECK(m->r->gpr[SS_RAX] == 0x1122334455667788ull);
	CHECK(m->r->gpr[SS_RSP] == 0x7ff8);
	CHECK(get(m, 0x7ff8, 8) == 0x1122334455667788ull); /* a 64-bit push */
	CHECK(ss_cpu_icount(m->c) == 33);
	m_free(m);
}

/* ---- protected mode set up directly ---------------------------------------------------------
 */

#define GDT  0x500
#define TSS  0x600
#define IDT  0x800
#define CODE 0x1000

static void gdt(machine *m)
{
	put64(m, GDT + 0x08, 0x00CF9B000000FFFFull); /* code32, DPL 0 */
	put64(m, GDT + 0x10, 0x00CF93000000FFFFull); /* data32, DPL 0 */
	put64(m, GDT + 0x18, 0x00CFFB000000FFFFull); /* code32, DPL 3 */
	put64(m, GDT + 0x20, 0x00CFF3000000FFFFull); /* data32, DPL 3 */
	put64(m, GDT + 0x28, 0x00CF12000000FFFFull); /* writable data, not present */
	put64(m, GDT + 0x30, 0x00CF98000000FFFFull); /* execute-only code */
	put64(m, GDT + 0x38, 0x0040900100000FFFull); /* read-only data, base 0x10000, limit 0xFFF */
	put64(m, GDT + 0x40, 0x00CF92000000FFFFull); /* data32, accessed bit clear */
	put64(m, GDT + 0x48, 0x0000890000000067ull | ((uint64_t)TSS << 16)); /* 32-bit TSS */
	put64(m, GDT + 0x50, 0x0000930200000FFFull); /* 16-bit stack, base 0x20000, limit 0xFFF */
	put64(m, GDT + 0x58, 0x00AF9B000000FFFFull); /* 64-bit code */
	put64(m, GDT + 0x60, 0x00CF1A000000FFFFull); /* code, not present */
	/* 0x68: a 32-bit call gate to 0x08:0x1100 */
	put64(m, GDT + 0x68, 0x1100 | (0x08ull << 16) | (0x8Cull << 40));
	put32(m, TSS + 4, 0x7000); /* ESP0 */
	put32(m, TSS + 8, 0x10);   /* SS0 */
}

/* CPL 0, 32-bit flat code at CODE, ESP 0x7000. */
static machine *prot32(bool exit_on_exception)
{
	machine *m = m_new(exit_on_exception, false);
	if (!m)
		return NULL;
	gdt(m);
	ss_cpu_regs *r = m->r;
	r->cr0 |= CR0_PE;
	r->seg[SS_SEG_CS] = (ss_cpu_seg){0x08, 0xc9b, 0xffffffffu, 0};
	for (unsigned s = 0; s < SS_SEG_COUNT; s++)
		if (s != SS_SEG_CS)
			r->seg[s] = (ss_cpu_seg){0x10, 0xc93, 0xffffffffu, 0};
	r->gdtr = (ss_cpu_dtr){0x6f, GDT};
	r->idtr = (ss_cpu_dtr){0x407, IDT};
	r->tr = (ss_cpu_seg){0x48, 0x8b, 0x67, TSS};
	r->gpr[SS_RSP] = 0x7000;
	r->rip = CODE;
	ss_cpu_flush_tlb(m->c);
	return m;
}

/* Runs "mov %ax,<sreg>" style code with AX = sel and checks the exception it raises. */
static void seg_fault(const char *code, uint16_t sel, unsigned vec, uint32_t err)
{
	machine *m = prot32(true);
	REQUIRE(m);
	put(m, CODE, code);
	m->r->gpr[SS_RAX] = sel;
	int rc = run(m, 10);
	CHECK(rc == SS_CPU_EXIT_EXCEPTION);
	CHECK(m->ex.vector == vec);
	CHECK(m->ex.has_error && m->ex.error_code == err);
	if (m->ex.vector != vec || m->ex.error_code != err)
		printf("# sel 0x%x: got vector %u error 0x%x, want %u 0x%x\n", sel, m->ex.vector,
		       m->ex.error_code, vec, err);
	CHECK(m->r->rip == CODE); /* faults leave RIP on the load */
	m_free(m);
}

TEST(segment_load_faults)
{
	/* mov %ax,%ds; hlt  /  mov %ax,%ss; hlt */
	const char *ds = "8ed8f4", *ss = "8ed0f4";
	seg_fault(ds, 0x28, 11, 0x28); /* data not present: #NP(sel) */
	seg_fault(ds, 0x30, 13, 0x30); /* execute-only code: #GP(sel) */
	seg_fault(ds, 0x78, 13, 0x78); /* beyond the GDT limit: #GP(sel) */
	seg_fault(ds, 0x0c, 13, 0x0c); /* LDT selector without an LDT: #GP(sel) */
	seg_fault(ss, 0x20, 13, 0x20); /* SS with DPL 3 at CPL 0: #GP(sel) */
	seg_fault(ss, 0x11, 13, 0x10); /* SS with RPL 1 at CPL 0: #GP(sel) */
	seg_fault(ss, 0x08, 13, 0x08); /* SS from a code segment: #GP(sel) */
	seg_fault(ss, 0x28, 12, 0x28); /* SS not present: #SS(sel) */
	seg_fault(ss, 0x00, 13, 0x00); /* null SS outside 64-bit mode: #GP(0) */
}

TEST(segment_limit_and_type_faults)
{
	/* mov %ax,%ds; mov 0xffc,%ebx (last dword in the limit); mov 0xffe,%ebx */
	machine *m = prot32(true);
	REQUIRE(m);
	put(m, CODE, "8ed88b1dfc0f00008b1dfe0f0000");
	put32(m, 0x10ffc, 0xdeadbeef);
	m->r->gpr[SS_RAX] = 0x38;
	CHECK(run(m, 10) == SS_CPU_EXIT_EXCEPTION);
	CHECK(m->ex.vector == 13 && m->ex.error_code == 0);
	CHECK(m->r->rip == CODE + 8);
	CHECK((uint32_t)m->r->gpr[SS_RBX] == 0xdeadbeef); /* base 0x10000 applied */
	CHECK(m->r->seg[SS_SEG_DS].base == 0x10000 && m->r->seg[SS_SEG_DS].limit == 0xfff);
	m_free(m);

	/* mov %ax,%ds; mov %ebx,0: a write to read-only data is #GP(0). */
	m = prot32(true);
	REQUIRE(m);
	put(m, CODE, "8ed8891d00000000");
	m->r->gpr[SS_RAX] = 0x38;
	CHECK(run(m, 10) == SS_CPU_EXIT_EXCEPTION);
	CHECK(m->ex.vector == 13 && m->ex.error_code == 0 && m->r->rip == CODE + 2);
	m_free(m);

	/* mov %ax,%ss (16-bit stack, limit 0xFFF); mov $0x1000,%esp; push %eax (fits: SP
	 * 0xFFC); xor %esp,%esp; push %eax (SP wraps to 0xFFFC, beyond the limit: #SS(0)). */
	m = prot32(true);
	REQUIRE(m);
	put(m, CODE, "8ed0bc001000005031e450");
	m->r->gpr[SS_RAX] = 0x50;
	CHECK(run(m, 10) == SS_CPU_EXIT_EXCEPTION);
	CHECK(m->ex.vector == 12 && m->ex.error_code == 0);
	CHECK(m->r->rip == CODE + 10);
	CHECK(get(m, 0x20ffc, 4) == 0x50); /* the first push, at SS base + 0xFFC */
	CHECK(m->r->gpr[SS_RSP] == 0);	   /* the faulting push changed nothing */
	m_free(m);

	/* A null DS is unusable: mov (%ebx),%eax is #GP(0). */
	m = prot32(true);
	REQUIRE(m);
	put(m, CODE, "8b03");
	m->r->seg[SS_SEG_DS] = (ss_cpu_seg){0, 0, 0, 0};
	CHECK(run(m, 10) == SS_CPU_EXIT_EXCEPTION);
	CHECK(m->ex.vector == 13 && m->ex.error_code == 0);
	m_free(m);

	/* Loading a descriptor sets its accessed bit. */
	m = prot32(true);
	REQUIRE(m);
	put(m, CODE, "8ed8f4");
	m->r->gpr[SS_RAX] = 0x40;
	CHECK(run(m, 10) == SS_CPU_EXIT_HLT);
	CHECK(m->r->seg[SS_SEG_DS].sel == 0x40 && (m->r->seg[SS_SEG_DS].attr & 1));
	CHECK(get(m, GDT + 0x45, 1) == 0x93);
	m_free(m);
}

TEST(far_transfer_faults)
{
	machine *m = prot32(true);
	REQUIRE(m);
	put(m, CODE, "ea000000002800"); /* ljmp $0x28,$0: a data segment */
	CHECK(run(m, 10) == SS_CPU_EXIT_EXCEPTION);
	CHECK(m->ex.vector == 13 && m->ex.error_code == 0x28);
	m_free(m);
	m = prot32(true);
	REQUIRE(m);
	put(m, CODE, "ea000000006000"); /* ljmp $0x60,$0: code not present */
	CHECK(run(m, 10) == SS_CPU_EXIT_EXCEPTION);
	CHECK(m->ex.vector == 11 && m->ex.error_code == 0x60);
	m_free(m);
	m = prot32(true);
	REQUIRE(m);
	put(m, CODE, "ea000000001800"); /* ljmp $0x18,$0: DPL 3 code from CPL 0 */
	CHECK(run(m, 10) == SS_CPU_EXIT_EXCEPTION);
	CHECK(m->ex.vector == 13 && m->ex.error_code == 0x18);
	m_free(m);
	m = prot32(true);
	REQUIRE(m);
	put(m, CODE, "9a000000006800"); /* lcall $0x68,$0: a call gate */
	CHECK(run(m, 10) == SS_CPU_EXIT_UNSUPPORTED);
	CHECK_CONTAINS(m->ex.detail ? m->ex.detail : "", "call gate");
	CHECK(m->r->rip == CODE);
	m_free(m);
}

TEST(far_call_and_privilege_changes)
{
	machine *m = prot32(true);
	REQUIRE(m);
	/* CPL 0: lcall $0x08,$0x1100; push $0x23; push $0x9000; push $0x1b; push $0x2000; lret */
	put(m, CODE, "9a0011000008006a2368009000006a1b6800200000cb");
	put(m, 0x1100, "b955000000cb"); /* mov $0x55,%ecx; lret */
	put(m, 0x2000, "cd80f4");	/* CPL 3: int $0x80; hlt */
	put(m, 0x1200, "f4cf");		/* handler, CPL 0: hlt; iret */
	/* IDT[0x80]: 32-bit interrupt gate, DPL 3, to 0x08:0x1200. */
	put64(m, IDT + 0x80 * 8, 0x1200 | (0x08ull << 16) | (0xEEull << 40));
	m->r->rflags |= F_IF;

	REQUIRE(run(m, 2) == SS_CPU_EXIT_LIMIT); /* the far call and its target's first insn */
	CHECK(m->r->rip == 0x1105 && m->r->gpr[SS_RSP] == 0x7000 - 8);
	CHECK(get(m, 0x6ffc, 4) == 0x08 && get(m, 0x6ff8, 4) == CODE + 7);
	REQUIRE(run(m, 1) == SS_CPU_EXIT_LIMIT); /* lret, same level */
	CHECK(m->r->rip == CODE + 7 && m->r->gpr[SS_RSP] == 0x7000 && m->r->gpr[SS_RCX] == 0x55);

	REQUIRE(run(m, 5) == SS_CPU_EXIT_LIMIT); /* pushes and lret to CPL 3 */
	CHECK(m->r->cpl == 3);
	CHECK(m->r->seg[SS_SEG_CS].sel == 0x1b && m->r->rip == 0x2000);
	CHECK(m->r->seg[SS_SEG_SS].sel == 0x23 && m->r->gpr[SS_RSP] == 0x9000);
	CHECK(m->r->seg[SS_SEG_DS].sel == 0 && m->r->seg[SS_SEG_DS].attr == 0); /* DPL 0: null */

	REQUIRE(run(m, 10) == SS_CPU_EXIT_HLT); /* int $0x80 through the TSS to CPL 0 */
	CHECK(m->r->cpl == 0 && m->r->seg[SS_SEG_CS].sel == 0x08 && m->r->rip == 0x1201);
	CHECK(m->r->seg[SS_SEG_SS].sel == 0x10 && m->r->gpr[SS_RSP] == 0x7000 - 20);
	CHECK(get(m, 0x6fec, 4) == 0x2002);	      /* EIP after INT */
	CHECK(get(m, 0x6ff0, 4) == 0x1b);	      /* CS */
	CHECK(get(m, 0x6ff4, 4) & F_IF);	      /* EFLAGS */
	CHECK(get(m, 0x6ff8, 4) == 0x9000);	      /* ESP */
	CHECK(get(m, 0x6ffc, 4) == 0x23);	      /* SS */
	CHECK(!(m->r->rflags & F_IF));		      /* interrupt gate */
	REQUIRE(run(m, 10) == SS_CPU_EXIT_EXCEPTION); /* iret; then hlt at CPL 3: #GP(0) */
	CHECK(m->ex.vector == 13 && m->ex.error_code == 0);
	CHECK(m->r->cpl == 3 && m->r->rip == 0x2002 && m->r->gpr[SS_RSP] == 0x9000);
	CHECK(m->r->seg[SS_SEG_SS].sel == 0x23 && (m->r->rflags & F_IF));
	m_free(m);
}

TEST(long_mode_call_gate)
{
	machine *m = m_new(true, true);
	REQUIRE(m);
	gdt(m);
	put64(m, GDT + 0x70, 0x00AFFB000000FFFFull); /* 64-bit code, DPL 3 */
	/* 0x78: 64-bit call gate, DPL 3, to 0x58:0x1100 (16 bytes). */
	put64(m, GDT + 0x78, 0x1100 | (0x58ull << 16) | (0xECull << 40));
	put64(m, GDT + 0x80, 0);
	put64(m, TSS + 4, 0x6000); /* RSP0 of a 64-bit TSS */
	ss_cpu_set_long_mode(m->c, true);
	m->r->gdtr = (ss_cpu_dtr){0x87, GDT};
	m->r->tr = (ss_cpu_seg){0x48, 0x8b, 0x67, TSS};
	m->r->seg[SS_SEG_CS] = (ss_cpu_seg){0x73, 0x2fb, 0xffffffffu, 0};
	m->r->seg[SS_SEG_SS] = (ss_cpu_seg){0x23, 0xcf3, 0xffffffffu, 0};
	m->r->gpr[SS_RSP] = 0x9000;
	m->r->rip = CODE;
	put(m, CODE, "ff1c2500200000f4"); /* lcall *0x2000; hlt */
	put32(m, 0x2000, 0);		  /* offset (ignored through a gate) */
	put32(m, 0x2004, 0x7b);		  /* the gate's selector, RPL 3 */
	put(m, 0x1100, "f448cb");	  /* CPL 0: hlt; lretq */
	REQUIRE(run(m, 10) == SS_CPU_EXIT_HLT);
	CHECK(m->r->cpl == 0 && m->r->seg[SS_SEG_CS].sel == 0x58 && m->r->rip == 0x1101);
	CHECK(m->r->seg[SS_SEG_SS].sel == 0 && m->r->gpr[SS_RSP] == 0x6000 - 32);
	CHECK(get(m, 0x6000 - 8, 8) == 0x23);	      /* SS */
	CHECK(get(m, 0x6000 - 16, 8) == 0x9000);      /* RSP */
	CHECK(get(m, 0x6000 - 24, 8) == 0x73);	      /* CS */
	CHECK(get(m, 0x6000 - 32, 8) == CODE + 7);    /* RIP */
	REQUIRE(run(m, 10) == SS_CPU_EXIT_EXCEPTION); /* lretq to CPL 3; hlt there: #GP(0) */
	CHECK(m->ex.vector == 13 && m->r->cpl == 3 && m->r->rip == CODE + 7);
	CHECK(m->r->seg[SS_SEG_SS].sel == 0x23 && m->r->gpr[SS_RSP] == 0x9000);
	m_free(m);

	/* A gate whose DPL is below CPL is #GP(gate selector). */
	m = m_new(true, true);
	REQUIRE(m);
	gdt(m);
	put64(m, GDT + 0x78, 0x1100 | (0x58ull << 16) | (0x8Cull << 40));
	put64(m, GDT + 0x80, 0);
	ss_cpu_set_long_mode(m->c, true);
	m->r->gdtr = (ss_cpu_dtr){0x87, GDT};
	m->r->rip = CODE;
	m->r->gpr[SS_RSP] = 0x9000;
	put(m, CODE, "ff1c2500200000f4");
	put32(m, 0x2004, 0x7b);
	CHECK(run(m, 10) == SS_CPU_EXIT_EXCEPTION);
	CHECK(m->ex.vector == 13 && m->ex.error_code == 0x78 && m->r->rip == CODE);
	m_free(m);
}

TEST(iret_to_compatibility_mode)
{
	machine *m = m_new(true, true);
	REQUIRE(m);
	gdt(m);
	ss_cpu_set_long_mode(m->c, false);
	m->r->gdtr = (ss_cpu_dtr){0x6f, GDT};
	m->r->gpr[SS_RSP] = 0x7000;
	m->r->rip = CODE;
	/* 64-bit: push $0x23; push $0x9000; pushfq; push $0x1b; push $0x3000; iretq */
	put(m, CODE, "6a2368009000009c6a1b680030000048cf");
	/* compatibility mode: inc %eax (0x40); inc %eax; push %eax; hlt */
	put(m, 0x3000, "404050f4");
	m->r->gpr[SS_RAX] = 0xffffffff00000000ull;
	REQUIRE(run(m, 6) == SS_CPU_EXIT_LIMIT);
	CHECK(m->r->seg[SS_SEG_CS].sel == 0x1b && m->r->cpl == 3);
	CHECK(!(m->r->seg[SS_SEG_CS].attr & ATTR_L) && (m->r->seg[SS_SEG_CS].attr & ATTR_D));
	CHECK(m->r->rip == 0x3000 && m->r->gpr[SS_RSP] == 0x9000);
	CHECK(m->r->seg[SS_SEG_SS].sel == 0x23);
	REQUIRE(run(m, 10) == SS_CPU_EXIT_EXCEPTION); /* hlt at CPL 3 */
	CHECK(m->ex.vector == 13);
	CHECK((uint32_t)m->r->gpr[SS_RAX] == 2); /* two INC EAX, not REX prefixes */
	CHECK(m->r->gpr[SS_RSP] == 0x9000 - 4);	 /* a 32-bit push */
	CHECK(get(m, 0x9000 - 4, 4) == 2);
	CHECK(m->r->rip == 0x3003);
	m_free(m);
}

/* ---- real mode --------------------------------------------------------------------------------
 */

static machine *real_mode(void)
{
	machine *m = m_new(true, false);
	if (!m)
		return NULL;
	m->r->seg[SS_SEG_CS] = (ss_cpu_seg){0, 0x9b, 0xffff, 0};
	m->r->rip = 0x7c00;
	m->r->gpr[SS_RSP] = 0x7000;
	return m;
}

TEST(real_mode_int_through_ivt)
{
	machine *m = real_mode();
	REQUIRE(m);
	put(m, 0x7c00, "b83412cd21f4"); /* mov $0x1234,%ax; int $0x21; hlt */
	put(m, 0x8000, "40cf");		/* inc %ax (0x40); iret */
	put32(m, 0x21 * 4, 0x00008000); /* IVT[0x21] = 0000:8000 */
	m->r->rflags |= F_IF;
	REQUIRE(run(m, 2) == SS_CPU_EXIT_LIMIT);
	CHECK(m->r->rip == 0x8000 && m->r->seg[SS_SEG_CS].sel == 0);
	CHECK(m->r->gpr[SS_RSP] == 0x7000 - 6);
	CHECK(get(m, 0x6ffa, 2) == 0x7c05); /* IP */
	CHECK(get(m, 0x6ffc, 2) == 0);	    /* CS */
	CHECK(get(m, 0x6ffe, 2) & F_IF);    /* FLAGS */
	CHECK(!(m->r->rflags & F_IF));
	REQUIRE(run(m, 10) == SS_CPU_EXIT_HLT);
	CHECK((m->r->gpr[SS_RAX] & 0xffff) == 0x1235);
	CHECK(m->r->rip == 0x7c06 && m->r->gpr[SS_RSP] == 0x7000 && (m->r->rflags & F_IF));
	m_free(m);

	/* The IVT is relocatable through IDTR; a far jump in real mode loads base = sel << 4. */
	m = real_mode();
	REQUIRE(m);
	put(m, 0x7c00, "ea0500e007"); /* ljmp $0x07e0,$0x0005 -> linear 0x7e05 */
	put(m, 0x7e05, "f4");
	REQUIRE(run(m, 10) == SS_CPU_EXIT_HLT);
	CHECK(m->r->seg[SS_SEG_CS].sel == 0x07e0 && m->r->seg[SS_SEG_CS].base == 0x7e00);
	CHECK(m->r->rip == 0x0006);
	m_free(m);
}

TEST(operand_and_address_sizes)
{
	machine *m = real_mode();
	REQUIRE(m);
	/* mov $0x12340000,%eax (66); mov $0xffff,%ax; add $1,%ax; hlt */
	put(m, 0x7c00, "66b800003412b8ffff83c001f4");
	/* mov $0x7fffffff,%ebx (66); add $1,%ebx (66); hlt */
	put(m, 0x7c0d, "66bbffffff7f6683c301f4");
	/* mov $0x100,%bx; mov $0x20,%si; movw $0xbeef,4(%bx,%si); mov $0x200,%bp;
	 * movw $0xcafe,2(%bp) (SS); mov 4(%bx,%si),%dx; mov $3,%cx; 1: dec %cx (0x49); jnz 1b;
	 * hlt */
	put(m, 0x7c18, "bb0001be2000c74004efbebd0002c74602feca8b5004b903004975fdf4");
	m->r->seg[SS_SEG_SS] = (ss_cpu_seg){0x100, 0x93, 0xffff, 0x1000};
	REQUIRE(run(m, 10) == SS_CPU_EXIT_HLT);
	CHECK(m->r->gpr[SS_RAX] == 0x12340000); /* 16-bit add keeps the upper half */
	CHECK((m->r->rflags & (F_CF | F_ZF)) == (F_CF | F_ZF));
	REQUIRE(run(m, 10) == SS_CPU_EXIT_HLT);
	CHECK(m->r->gpr[SS_RBX] == 0x80000000);
	CHECK((m->r->rflags & (F_OF | F_SF | F_CF | F_ZF)) == (F_OF | F_SF));
	REQUIRE(run(m, 20) == SS_CPU_EXIT_HLT);
	CHECK(get(m, 0x124, 2) == 0xbeef);  /* DS:BX+SI+4 */
	CHECK(get(m, 0x1202, 2) == 0xcafe); /* SS:BP+2, SS base 0x1000 */
	CHECK((m->r->gpr[SS_RDX] & 0xffff) == 0xbeef);
	CHECK((m->r->gpr[SS_RCX] & 0xffff) == 0 && (m->r->rflags & F_ZF));
	m_free(m);

	/* 32-bit code: mov $0xAABBCCDD,%eax; add $1,%ax (66); mov $0x8000,%bx (66);
	 * add %bx,%bx (66: CF, ZF); dec %eax (0x48); hlt */
	m = prot32(true);
	REQUIRE(m);
	put(m, CODE, "b8ddccbbaa6683c00166bb00806601db48f4");
	REQUIRE(run(m, 10) == SS_CPU_EXIT_HLT);
	CHECK(m->r->gpr[SS_RAX] == 0xAABBCCDD);
	CHECK((m->r->gpr[SS_RBX] & 0xffff) == 0);
	CHECK((m->r->rflags & F_CF) && !(m->r->rflags & F_ZF)); /* DEC kept CF, cleared ZF */
	m_free(m);
}

TEST(paging_outside_long_mode)
{
	/* mov $0x10000,%eax; mov %eax,%cr3; mov %cr4,%eax; or $0x10,%eax (PSE); mov %eax,%cr4;
	 * mov %cr0,%eax; or $0x80000000,%eax; mov %eax,%cr0; mov 0x2000,%ebx;
	 * mov 0x401000,%ecx; movl $0x99,0x2004; mov 0x3000,%edx (not present) */
	const char *code = "b8000001000f22d80f20e083c8100f22e00f20c00d000000800f22c08b1d0020000"
			   "08b0d00104000c70504200000990000008b1500300000";
	/* 32-bit paging: PD at 0x10000, PT at 0x11000; PDE[1] is a 4 MiB page at 0. */
	machine *m = prot32(true);
	REQUIRE(m);
	put(m, CODE, code);
	put32(m, 0x10000, 0x11003);
	put32(m, 0x10004, 0x00000083);
	put32(m, 0x11004, 0x1003); /* 0x1000 -> 0x1000 (code) */
	put32(m, 0x11008, 0x5003); /* 0x2000 -> 0x5000 */
	put32(m, 0x5000, 0x600dcafe);
	REQUIRE(run(m, 20) == SS_CPU_EXIT_EXCEPTION);
	CHECK(m->ex.vector == 14 && m->ex.error_code == 0 && m->ex.cr2 == 0x3000);
	CHECK((uint32_t)m->r->gpr[SS_RBX] == 0x600dcafe);
	CHECK((uint32_t)m->r->gpr[SS_RCX] == get(m, 0x1000, 4)); /* through the 4 MiB page */
	CHECK(get(m, 0x5004, 4) == 0x99);
	CHECK(get(m, 0x11008, 4) == (0x5003 | 0x60)); /* accessed and dirty */
	CHECK(!(m->r->efer & LMA));
	m_free(m);

	/* PAE paging: PDPT at 0x10000, PD at 0x11000, PT at 0x12000; PDE[2] a 2 MiB page at 0. */
	m = prot32(true);
	REQUIRE(m);
	put(m, CODE, code);
	put(m, CODE + 13, "20"); /* or $0x20,%eax: PAE instead of PSE */
	put64(m, 0x10000, 0x11001);
	put64(m, 0x11000, 0x12003);
	put64(m, 0x11010, 0x00000083);
	put64(m, 0x12008, 0x1003);
	put64(m, 0x12010, 0x5003);
	put32(m, 0x5000, 0x0badf00d);
	/* mov 0x401000,%ecx -> mov 0x401000 is in PDE[2] (2..4 MiB)? 0x401000 is PDE[2]. */
	REQUIRE(run(m, 20) == SS_CPU_EXIT_EXCEPTION);
	CHECK(m->ex.vector == 14 && m->ex.cr2 == 0x3000);
	CHECK((uint32_t)m->r->gpr[SS_RBX] == 0x0badf00d);
	CHECK((uint32_t)m->r->gpr[SS_RCX] == get(m, 0x1000, 4));
	CHECK(get(m, 0x12010, 8) == (0x5003 | 0x60));
	CHECK((m->r->cr4 & CR4_PAE) && !(m->r->efer & LMA));
	m_free(m);

	/* EFER.LME with CR4.PAE = 0: setting CR0.PG is #GP(0) (APM vol. 2 §14.6.1). */
	m = prot32(true);
	REQUIRE(m);
	put(m, CODE, "0f20c00d000000800f22c0");
	m->r->efer |= LME;
	REQUIRE(run(m, 10) == SS_CPU_EXIT_EXCEPTION);
	CHECK(m->ex.vector == 13 && m->r->rip == CODE + 8);
	CHECK(!(m->r->cr0 & CR0_PG) && !(m->r->efer & LMA));
	m_free(m);
}

TEST(opcodes_by_mode)
{
	/* push %es; pop %ds; pusha; popa; into; lcall ptr; ljmp ptr; lds: #UD in 64-bit mode. */
	static const uint8_t only_legacy[][7] = {{0x06},
						 {0x1f},
						 {0x60},
						 {0x61},
						 {0xce},
						 {0x9a, 0, 0, 0, 0, 0, 0},
						 {0xea, 0, 0, 0, 0, 0, 0},
						 {0xc5, 0x00},
						 {0x27},
						 {0x37},
						 {0x62, 0x00}};
	char buf[64];
	for (size_t k = 0; k < sizeof(only_legacy) / sizeof(only_legacy[0]); k++)
		CHECK(ss_cpu_disasm(only_legacy[k], 7, buf, sizeof(buf)) < 0);
	static const uint8_t movsxd[] = {0x48, 0x63, 0xc3};
	CHECK(ss_cpu_disasm(movsxd, 3, buf, sizeof(buf)) == 3);
	CHECK_STR(buf, "movsxd");

	/* 64-bit code: push %es is #UD. */
	machine *m = m_new(true, true);
	REQUIRE(m);
	ss_cpu_set_long_mode(m->c, false);
	m->r->rip = CODE;
	m->r->gpr[SS_RSP] = 0x7000;
	put(m, CODE, "06");
	CHECK(run(m, 10) == SS_CPU_EXIT_EXCEPTION && m->ex.vector == 6);
	m_free(m);

	/* The same bytes in 32-bit code: push %es; pop %ds; pusha; popa; arpl %ax,%bx; hlt */
	m = prot32(true);
	REQUIRE(m);
	put(m, CODE, "061f606163c3f4");
	m->r->gpr[SS_RAX] = 0x3;
	m->r->gpr[SS_RBX] = 0x10;
	REQUIRE(run(m, 10) == SS_CPU_EXIT_HLT);
	CHECK(m->r->gpr[SS_RSP] == 0x7000);
	CHECK(m->r->seg[SS_SEG_DS].sel == 0x10); /* popped from push %es */
	CHECK(get(m, 0x6ffc, 4) == 3);		 /* pusha: EAX first */
	CHECK(get(m, 0x6fec, 4) == 0x7000);	 /* pusha's ESP slot: ESP before it */
	CHECK((m->r->gpr[SS_RBX] & 0xffff) == 0x13 && (m->r->rflags & F_ZF)); /* RPL raised */
	m_free(m);

	/* Virtual-8086 mode is refused with a clear error. */
	m = prot32(false);
	REQUIRE(m);
	m->r->rflags |= 0x20000;
	ss_error err;
	CHECK(ss_cpu_run(m->c, 10, &m->ex, &err) < 0);
	CHECK_CONTAINS(err.msg, "virtual-8086");
	m_free(m);
}

TEST_MAIN(reset_to_64bit, segment_load_faults, segment_limit_and_type_faults, far_transfer_faults,
	  far_call_and_privilege_changes, long_mode_call_gate, iret_to_compatibility_mode,
	  real_mode_int_through_ivt, operand_and_address_sizes, paging_outside_long_mode,
	  opcodes_by_mode)
