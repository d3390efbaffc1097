/* Debug registers in a guest (APM vol. 2 §13.1), guest and host in one file (STYLE.md item 8):
 * the guest programs DR0-DR3 and DR7 itself, takes the #DB through its own IDT and checks DR6,
 * the saved RIP and the saved RFLAGS.RF. Cases: data breakpoints (a write-only breakpoint that
 * a read does not hit, read/write, LEN 8 alignment, disarming), a REP STOSB stopped after the
 * iteration that hit, DR7.GD general detect, and a load whose #PF handler arms an instruction
 * breakpoint on it, where RF in the #PF frame lets IRET return to it without hitting it. The data
 * case also runs with #DB intercepted: the host checks the #VMEXIT (guest RIP after the store,
 * DR6.B0 in the save area) and reflects the #DB into the guest. */
#include <stdint.h>

enum { C_DATA = 1, C_REP, C_GD, C_RF, C_COUNT };

#define DR7_BASE 0x400ull
#define DR7_GD	 0x2000ull
#define DR6_BD	 0x2000ull
#define DR6_INIT 0xffff0ff0ull
#define F_RF	 0x10000ull
/* L bit, R/W and LEN of breakpoint n (LEN 00 = 1, 01 = 2, 11 = 4, 10 = 8 bytes). */
#define DR7_BP(n, rw, len)                                                                         \
	((1ull << (2 * (n))) | ((uint64_t)(rw) << (16 + 4 * (n))) |                                \
	 ((uint64_t)(len) << (18 + 4 * (n))))
#define RF_VA 0xC40000ull /* scratch page the RF case unmaps (ss_guest/layout.h) */

#ifdef SS_GUEST

#include <ss_guest/guest.h>
#include <ss_guest/x86.h>

#define READ_DR(n)                                                                                 \
	({                                                                                         \
		uint64_t v_;                                                                       \
		__asm__ volatile("mov %%dr" #n ", %0" : "=r"(v_));                                 \
		v_;                                                                                \
	})
#define WRITE_DR(n, v) __asm__ volatile("mov %0, %%dr" #n : : "r"((uint64_t)(v)) : "memory")

/* The accesses, each followed by a label: a trap's saved RIP is the label. */
void do_store(volatile uint64_t *p, uint64_t v), do_gd(void), do_rf_load(void);
uint64_t do_load(volatile uint64_t *p);
void do_rep_stosb(volatile void *p, uint64_t n, uint64_t byte);
extern const char store_done[], load_done[], rep_insn[], gd_insn[], rf_insn[];
__asm__(".text\n"
	"do_store: movq %rsi, (%rdi)\n"
	"store_done: ret\n"
	"do_load: movq (%rdi), %rax\n"
	"load_done: ret\n"
	"do_rep_stosb: movq %rsi, %rcx; movq %rdx, %rax\n"
	"rep_insn: rep stosb\n"
	"ret\n"
	"do_gd: \n"
	"gd_insn: movq %dr0, %rax\n"
	"ret\n"
	"do_rf_load: movabsq $0xC40000, %rdi\n"
	"rf_insn: movq (%rdi), %rax\n"
	"ret\n");

static volatile uint64_t watched[4] __attribute__((aligned(32)));

/* What the #DB handler saw, the last time and in total. */
static volatile uint64_t db_count, db_dr6, db_rip, db_rflags, db_rcx, db_dr7;
static volatile bool db_set_rf;

static bool on_db(guest_frame *f)
{
	db_count++;
	db_dr6 = READ_DR(6); /* allowed: entering the handler cleared DR7.GD */
	db_dr7 = READ_DR(7);
	db_rip = f->rip;
	db_rflags = f->rflags;
	db_rcx = f->rcx;
	WRITE_DR(6, DR6_INIT);
	if (db_set_rf)
		f->rflags |= F_RF; /* resume past an instruction breakpoint */
	return true;
}

static volatile uint64_t pf_count, pf_rip, pf_rflags;
static bool on_pf(guest_frame *f)
{
	pf_count++;
	pf_rip = f->rip;
	pf_rflags = f->rflags;
	guest_map(RF_VA, RF_VA, PAGE_4K, PTE_W);
	/* A debugger arming an instruction breakpoint on the faulting instruction: RF in this
	 * frame lets the IRET return to it without hitting it. */
	WRITE_DR(2, f->rip);
	WRITE_DR(7, DR7_BASE | DR7_BP(2, 0, 0)); /* execute */
	return true;
}

static void data_case(void)
{
	WRITE_DR(6, DR6_INIT);
	WRITE_DR(0, &watched[1]);
	WRITE_DR(7, DR7_BASE | DR7_BP(0, 1, 2)); /* writes, 8 bytes */
	guest_value(0, (uint64_t)store_done);
	do_store(&watched[1], 5); /* the host may intercept this one (0x41) */
	GCHECK_EQ(db_count, 1);
	GCHECK_EQ(db_rip, (uint64_t)store_done);
	GCHECK_EQ(db_dr6 & 0xf, 1);
	GCHECK_EQ(db_rflags & F_RF, 0); /* a trap: RF not pushed */
	GCHECK_EQ(watched[1], 5);	/* the store happened before the trap */
	/* A read does not hit a write breakpoint; neighbours outside the 8 bytes do not either. */
	GCHECK_EQ(do_load(&watched[1]), 5);
	do_store(&watched[0], 1);
	do_store(&watched[2], 2);
	GCHECK_EQ(db_count, 1);
	/* R/W = 11 with DR0 inside the quadword: aligned down, reads hit. */
	WRITE_DR(0, (uint64_t)&watched[1] + 5);
	WRITE_DR(7, DR7_BASE | DR7_BP(0, 3, 2));
	GCHECK_EQ(do_load(&watched[1]), 5);
	GCHECK_EQ(db_count, 2);
	GCHECK_EQ(db_rip, (uint64_t)load_done);
	/* Disarmed: nothing. */
	WRITE_DR(7, DR7_BASE);
	do_store(&watched[1], 6);
	GCHECK_EQ(db_count, 2);
}

static void rep_case(void)
{
	WRITE_DR(6, DR6_INIT);
	WRITE_DR(1, (uint64_t)watched + 13);
	WRITE_DR(7, DR7_BASE | DR7_BP(1, 1, 0)); /* byte 13, writes */
	do_rep_stosb(watched, 32, 0xab);
	GCHECK_EQ(db_count, 1);
	GCHECK_EQ(db_rip, (uint64_t)rep_insn); /* on the instruction: it goes on after IRET */
	GCHECK_EQ(db_rcx, 32 - 14);	       /* after the 14th iteration */
	GCHECK_EQ(db_dr6 & 0xf, 2);
	GCHECK_EQ(watched[3], 0xababababababababull);
	WRITE_DR(7, DR7_BASE);
}

static void gd_case(void)
{
	WRITE_DR(0, 0x1234);
	WRITE_DR(7, DR7_BASE | DR7_GD);
	do_gd(); /* #DB before the MOV, which then runs again with GD clear */
	GCHECK_EQ(db_count, 1);
	GCHECK_EQ(db_rip, (uint64_t)gd_insn);
	GCHECK(db_dr6 & DR6_BD);
	GCHECK(db_rflags & F_RF); /* a fault */
	GCHECK_EQ(db_dr7, DR7_BASE);
	GCHECK_EQ(READ_DR(7), DR7_BASE);
	GCHECK_EQ(READ_DR(0), 0x1234);
}

static void rf_case(void)
{
	guest_map(RF_VA, RF_VA, PAGE_4K, PTE_W);
	guest_unmap(RF_VA);
	guest_set_handler(14, on_pf);
	WRITE_DR(6, DR6_INIT);
	WRITE_DR(7, DR7_BASE);
	do_rf_load(); /* #PF; its handler arms DR2 on the load and returns */
	GCHECK_EQ(pf_count, 1);
	GCHECK_EQ(pf_rip, (uint64_t)rf_insn);
	GCHECK(pf_rflags & F_RF); /* a fault: RF pushed */
	GCHECK_EQ(db_count, 0);	  /* ... so the load ran without hitting DR2 */
	/* The next time round (RF clear again) the breakpoint hits; an instruction breakpoint's
	 * frame has no RF, the handler sets it to go on. */
	db_set_rf = true;
	do_rf_load();
	WRITE_DR(7, DR7_BASE);
	GCHECK_EQ(pf_count, 1);
	GCHECK_EQ(db_count, 1);
	GCHECK_EQ(db_rip, (uint64_t)rf_insn);
	GCHECK_EQ(db_dr6 & 0xf, 4);
	GCHECK_EQ(db_rflags & F_RF, 0);
}

void guest_main(uint64_t c)
{
	guest_set_handler(1, on_db);
	switch (c) {
	case C_DATA: data_case(); break;
	case C_REP: rep_case(); break;
	case C_GD: gd_case(); break;
	case C_RF: rf_case(); break;
	default: guest_fail("unknown case", c, 0);
	}
}

#else /* host */

#include "metal_host.h"

static void run_case(unsigned c)
{
	metal m;
	METAL_REQUIRE(&m, metal_boot(&m, c), METAL_READY);
	METAL_CHECK(&m, metal_run(&m), METAL_DONE);
	metal_free(&m);
}

TEST(data_breakpoints_through_the_guest_idt)
{
	run_case(C_DATA);
}

TEST(data_breakpoint_with_db_intercepted)
{
	metal m;
	METAL_REQUIRE(&m, metal_boot(&m, C_DATA), METAL_READY);
	m.v->control.intercept_exc = 1u << 1;
	METAL_CHECK(&m, metal_run(&m), SS_SVM_EXIT_EXCP_BASE + 1);
	CHECK(m.v->save.rip == m.value[0]); /* a trap: after the store */
	CHECK((m.v->save.dr6 & 0xf) == 1);
	CHECK((m.v->save.dr7 & 0xf0003) == 0x90001); /* the guest's DR7 saved */
	CHECK(m.v->control.exit_int_info == 0);
	METAL_CHECK(&m, metal_reflect(&m), METAL_DONE);
	metal_free(&m);
}

TEST(rep_stosb_stops_after_the_iteration_that_hit)
{
	run_case(C_REP);
}

TEST(general_detect)
{
	run_case(C_GD);
}

TEST(rf_in_a_fault_frame_skips_the_instruction_breakpoint)
{
	run_case(C_RF);
}

TEST_MAIN(data_breakpoints_through_the_guest_idt, data_breakpoint_with_db_intercepted,
	  rep_stosb_stops_after_the_iteration_that_hit, general_detect,
	  rf_in_a_fault_frame_skips_the_instruction_breakpoint)

#endif
