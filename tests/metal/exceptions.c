/* Exceptions in a guest (APM vol. 2 §8.2-§8.4), guest and host in one file (STYLE.md item 8).
 * Each case is run twice: once delivered through the guest's IDT, where the runtime's dispatcher
 * records vector, error code, CR2 and RIP and the guest checks them; once with the exception
 * intercepted, where the host checks the #VMEXIT (exit code 0x40 + vector, exit_info_1 = error
 * code, exit_info_2 = CR2 for #PF, guest RIP at the faulting instruction; cpu-svm-sev.md §3.3) and
 * reflects the exception back with EVENTINJ, after which the guest's own checks run too.
 * Not covered: #AC (the CPU does not implement alignment checking yet). */
#include <stdint.h>

/* Guest-virtual addresses the cases fault on (identity-mapped scratch, ss_guest/layout.h). */
#define PF_NP_VA  0xC00000ull /* its whole 2 MiB page is unmapped */
#define DF_STACK  0xC10000ull /* in that unmapped range: #PF's IST stack in the #DF case */
#define PF_RO_VA  0xE01000ull
#define PF_SUP_VA 0xE02000ull
#define PF_NX_VA  0xE03000ull

enum {
	C_DE = 1,
	C_BP,
	C_UD,
	C_GP_SEL,
	C_GP_NONCANON,
	C_PF_NP,
	C_PF_RO,
	C_PF_USER,
	C_PF_NX,
	C_DF,
	C_COUNT
};

/* #PF error code bits (APM vol. 2 §8.4.2): P 1, W 2, U 4, RSV 8, I 16. */
static const struct exc_case {
	uint8_t vector;
	uint32_t error;
	uint64_t cr2;
} exc_cases[C_COUNT] = {
    [C_DE] = {0, 0, 0},
    [C_BP] = {3, 0, 0},
    [C_UD] = {6, 0, 0},
    [C_GP_SEL] = {13, 0x48, 0}, /* MOV DS with a selector beyond the GDT limit */
    [C_GP_NONCANON] = {13, 0, 0},
    [C_PF_NP] = {14, 0, PF_NP_VA},
    [C_PF_RO] = {14, 1 | 2, PF_RO_VA},
    [C_PF_USER] = {14, 1 | 4, PF_SUP_VA},
    [C_PF_NX] = {14, 1 | 16, PF_NX_VA},
    [C_DF] = {8, 0, 0}, /* #PF whose IST stack is unmapped */
};

#ifdef SS_GUEST

#include <ss_guest/guest.h>
#include <ss_guest/x86.h>

/* The faulting instructions, each at a label the guest reports as the expected RIP. */
void do_de(void *), do_bp(void *), do_ud(void *), do_gp_sel(void *), do_gp_nc(void *);
void do_read(void *), do_write(void *), do_call(void *), do_user_read(void *);
extern const char insn_de[], insn_bp[], insn_ud[], insn_gp_sel[], insn_gp_nc[], insn_read[],
    insn_write[], insn_user_read[];
__asm__(".text\n"
	"do_de: movl $1, %eax; xorl %edx, %edx; xorl %ecx, %ecx\n"
	"insn_de: divl %ecx; ret\n"
	"do_bp:\n"
	"insn_bp: int3; ret\n"
	"do_ud:\n"
	"insn_ud: ud2; ret\n"
	"do_gp_sel: movw $0x48, %ax\n"
	"insn_gp_sel: movw %ax, %ds; ret\n"
	"do_gp_nc: movabsq $0x8000000000000000, %rax\n"
	"insn_gp_nc: movq (%rax), %rax; ret\n"
	"do_read:\n"
	"insn_read: movq (%rdi), %rax; ret\n"
	"do_write:\n"
	"insn_write: movq %rdi, (%rdi); ret\n"
	"do_call: call *%rdi; ret\n"
	".section .user.text, \"ax\"\n"
	"do_user_read:\n"
	"insn_user_read: movq (%rdi), %rax; ret\n"
	".text\n");

static void expect(uint64_t c, void (*fn)(void *), void *arg, uint64_t insn, bool user)
{
	const struct exc_case *e = &exc_cases[c];
	guest_value(0, insn);
	uint64_t before = guest_last_trap.count;
	int trapped = user ? guest_try_user(fn, arg) : guest_try(fn, arg);
	GCHECK_EQ(trapped, 1);
	GCHECK_EQ(guest_last_trap.count, before + 1);
	GCHECK_EQ(guest_last_trap.vector, e->vector);
	GCHECK_EQ(guest_last_trap.error, e->error);
	GCHECK_EQ(guest_last_trap.cr2, e->cr2);
	if (c != C_DF) /* #DF is an abort: its saved RIP is undefined (APM vol. 2 §8.2.9) */
		GCHECK_EQ(guest_last_trap.rip, insn + (c == C_BP ? 1 : 0));
	GCHECK_EQ(guest_last_trap.cs & 3, user ? 3 : 0);
}

void guest_main(uint64_t c)
{
	switch (c) {
	case C_DE: expect(c, do_de, 0, (uint64_t)insn_de, false); break;
	case C_BP: expect(c, do_bp, 0, (uint64_t)insn_bp, false); break;
	case C_UD: expect(c, do_ud, 0, (uint64_t)insn_ud, false); break;
	case C_GP_SEL: expect(c, do_gp_sel, 0, (uint64_t)insn_gp_sel, false); break;
	case C_GP_NONCANON: expect(c, do_gp_nc, 0, (uint64_t)insn_gp_nc, false); break;
	case C_PF_NP:
		guest_unmap(PF_NP_VA);
		expect(c, do_read, (void *)PF_NP_VA, (uint64_t)insn_read, false);
		break;
	case C_PF_RO:
		guest_map(PF_RO_VA, PF_RO_VA, PAGE_4K, 0);
		write_cr0(read_cr0() | X86_CR0_WP);
		expect(c, do_write, (void *)PF_RO_VA, (uint64_t)insn_write, false);
		break;
	case C_PF_USER:
		guest_map(PF_SUP_VA, PF_SUP_VA, PAGE_4K, PTE_W);
		expect(c, do_user_read, (void *)PF_SUP_VA, (uint64_t)insn_user_read, true);
		break;
	case C_PF_NX:
		*(volatile uint8_t *)PF_NX_VA = 0xC3; /* ret */
		guest_map(PF_NX_VA, PF_NX_VA, PAGE_4K, PTE_W | PTE_NX);
		expect(c, do_call, (void *)PF_NX_VA, PF_NX_VA, false);
		break;
	case C_DF:
		guest_unmap(PF_NP_VA);
		guest_set_ist(2, DF_STACK);
		guest_set_gate(14, 0xE, 0, 2, true);
		expect(c, do_write, (void *)PF_NP_VA, (uint64_t)insn_write, false);
		guest_set_gate(14, 0xE, 0, 0, true);
		break;
	default: guest_fail("unknown case", c, 0);
	}
}

#else /* host */

#include "metal_host.h"

static void run_case(unsigned c)
{
	const struct exc_case *e = &exc_cases[c];
	metal m;
	/* Delivered through the guest's IDT. */
	METAL_REQUIRE(&m, metal_boot(&m, c), METAL_READY);
	METAL_CHECK(&m, metal_run(&m), METAL_DONE);
	metal_free(&m);
	/* Intercepted, then reflected. */
	METAL_REQUIRE(&m, metal_boot(&m, c), METAL_READY);
	m.v->control.intercept_exc = 1u << e->vector;
	METAL_CHECK(&m, metal_run(&m), SS_SVM_EXIT_EXCP_BASE + (uint64_t)e->vector);
	CHECK(m.v->control.exit_info_1 == e->error);
	CHECK(m.v->control.exit_info_2 == e->cr2);
	if (c != C_DF)
		CHECK(m.v->save.rip == m.value[0]);
	if (c == C_BP) {
		/* INT3: RIP on the instruction, NRIP after it; the frame holds the next RIP. */
		CHECK(m.v->control.next_rip == m.value[0] + 1);
		m.v->save.rip++;
	}
	if (c == C_DF) { /* the #PF (a write: error 2) being delivered when the #DF arose (§1.4) */
		CHECK(m.v->control.exit_int_info ==
		      (SS_EVTINJ_VALID | SS_EVTINJ_EV | (SS_EVTINJ_TYPE_EXC << 8) | 14));
		CHECK(m.v->control.exit_int_info_err == 2);
	} else
		CHECK(m.v->control.exit_int_info == 0);
	METAL_CHECK(&m, metal_reflect(&m), METAL_DONE);
	metal_free(&m);
}

TEST(divide_error)
{
	run_case(C_DE);
}
TEST(breakpoint)
{
	run_case(C_BP);
}
TEST(invalid_opcode)
{
	run_case(C_UD);
}
TEST(gp_selector_beyond_gdt)
{
	run_case(C_GP_SEL);
}
TEST(gp_non_canonical)
{
	run_case(C_GP_NONCANON);
}
TEST(pf_not_present)
{
	run_case(C_PF_NP);
}
TEST(pf_write_read_only_with_wp)
{
	run_case(C_PF_RO);
}
TEST(pf_user_reads_supervisor)
{
	run_case(C_PF_USER);
}
TEST(pf_fetch_nx)
{
	run_case(C_PF_NX);
}
TEST(double_fault_on_unmapped_ist)
{
	run_case(C_DF);
}

TEST_MAIN(divide_error, breakpoint, invalid_opcode, gp_selector_beyond_gdt, gp_non_canonical,
	  pf_not_present, pf_write_read_only_with_wp, pf_user_reads_supervisor, pf_fetch_nx,
	  double_fault_on_unmapped_ist)

#endif
