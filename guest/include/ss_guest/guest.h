/* The test-guest runtime (guest/lib): what guest code built freestanding into a flat image may
 * call. The runtime starts at SS_GUEST_LOAD (entry.S) in the state described in ss_guest/layout.h,
 * sets up its GDT, TSS, IDT, SYSCALL MSRs and 4 KiB mappings of its own image, reports READY to the
 * host and calls guest_main() with the host's case number; when guest_main returns it reports DONE.
 * Every exception lands in one dispatcher that records it (guest_last_trap) and then either calls
 * the handler a test installed, unwinds to the innermost guest_try(), or reports the unexpected
 * exception to the host and stops.
 */
#ifndef SS_GUEST_GUEST_H
#define SS_GUEST_GUEST_H

#include <ss_guest/layout.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Defined by the test guest: runs one case; returning reports DONE. */
void guest_main(uint64_t test_case);

/* ---- report channel (report.c) ---- */

void guest_report(uint64_t op, uint64_t a, uint64_t b, uint64_t c, uint64_t d);
/* Hands a value to the host, which keeps the last one per key (0 .. SS_GUEST_VALUES-1). */
void guest_value(unsigned key, uint64_t value);
void guest_print(const char *msg);
/* One failed guest assertion: the host counts it as a failed CHECK and prints `what`. */
void guest_fail(const char *what, uint64_t got, uint64_t want);
_Noreturn void guest_halt(void);

#define GUEST_STR2_(x) #x
#define GUEST_STR_(x)  GUEST_STR2_(x)
#define GUEST_WHERE_   __FILE__ ":" GUEST_STR_(__LINE__)
/* Guest-side assertions: report and go on, like the host harness's CHECK. */
#define GCHECK(e)                                                                                  \
	do {                                                                                       \
		if (!(e))                                                                          \
			guest_fail(GUEST_WHERE_ ": GCHECK failed: " #e, 0, 0);                     \
	} while (0)
#define GCHECK_EQ(a, b)                                                                            \
	do {                                                                                       \
		uint64_t ga_ = (uint64_t)(a), gb_ = (uint64_t)(b);                                 \
		if (ga_ != gb_)                                                                    \
			guest_fail(GUEST_WHERE_ ": GCHECK_EQ failed: " #a " == " #b, ga_, gb_);    \
	} while (0)

/* ---- exceptions (idt.c, trap.S, jump.S) ---- */

/* The registers trap.S saves, then the hardware frame (APM vol. 2 §8.9.3); error is 0 for vectors
 * without an error code. */
typedef struct guest_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rdi, rsi, rbp, rbx, rdx, rcx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
} guest_frame;

/* The last exception taken (count counts them all); cr2 is read for #PF only. */
typedef struct guest_trap {
	uint64_t count, vector, error, rip, cs, rsp, cr2;
} guest_trap;
extern volatile guest_trap guest_last_trap;

/* A test's handler for one vector: return true to resume at f->rip (after editing *f), false to
 * go on as if no handler were installed. NULL removes it. */
typedef bool (*guest_trap_fn)(guest_frame *f);
void guest_set_handler(unsigned vector, guest_trap_fn fn);

/* Rewrites the IDT gate of a vector: type 0xE (interrupt) or 0xF (trap), DPL, IST index, P. */
void guest_set_gate(unsigned vector, unsigned type, unsigned dpl, unsigned ist, bool present);

/* Runs fn(arg); returns 0 if it returned, 1 if an exception without a handler unwound it (the
 * exception is in guest_last_trap). Not nestable. */
int guest_try(void (*fn)(void *), void *arg);
/* The same with fn running at CPL 3 (IRETQ to SS_GUEST_UCODE, or SYSRET if guest_user_sysret)
 * on the user stack; fn must live in GUEST_USER_TEXT and may touch only GUEST_USER_DATA (and
 * whatever the test mapped user). fn returns to CPL 0 with SYSCALL. guest_user_rflags is OR-ed
 * into the user RFLAGS (e.g. AC). */
int guest_try_user(void (*fn)(void *), void *arg);
extern uint64_t guest_user_rflags;
extern bool guest_user_sysret;
#define GUEST_USER_TEXT __attribute__((section(".user.text"), noinline))
#define GUEST_USER_DATA __attribute__((section(".user.data"), aligned(16)))

/* The stack given to the #DF gate (IST1), and IST2 left free for tests (guest_set_ist). */
void guest_set_ist(unsigned ist, uint64_t rsp);

/* ---- paging (paging.c): tables live in [SS_GUEST_PT_POOL, SS_GUEST_PT_POOL_END), identity
 * mapped, so a table's physical address is its pointer. ---- */

#define PTE_P	 (1ull << 0)
#define PTE_W	 (1ull << 1)
#define PTE_U	 (1ull << 2)
#define PTE_A	 (1ull << 5)
#define PTE_D	 (1ull << 6)
#define PTE_PS	 (1ull << 7)
#define PTE_NX	 (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

#define PAGE_4K 0x1000ull
#define PAGE_2M 0x200000ull
#define PAGE_1G 0x40000000ull

/* SEV (sev_detect.c, run by the runtime before it builds its mappings): the C-bit mask that
 * guest_map and the tables it makes carry (0 without SEV), and SEV_STATUS (MSR 0xC0010131) as
 * read at start, detected as Linux does: CPUID 0x8000001F EAX[1] (SEV offered), then SEV_STATUS
 * bit 0 (active); the C-bit position is CPUID 0x8000001F EBX[5:0] (cpu-svm-sev.md §9.1, §9.2). */
extern uint64_t guest_cbit;
extern uint64_t guest_sev_status;
void guest_sev_init(void);

/* A zeroed 4 KiB page from the pool. */
void *guest_alloc_page(void);
/* Maps [va, va+size) to pa with one page of that size (4 KiB, 2 MiB or 1 GiB) and flags (P and,
 * under SEV, the C-bit implied), splitting a larger page on the way if needed, and flushes va
 * from the TLB. guest_map_shared maps with the C-bit clear (an SEV-ES guest's GHCB, vc.h). */
void guest_map(uint64_t va, uint64_t pa, uint64_t size, uint64_t flags);
void guest_map_shared(uint64_t va, uint64_t pa, uint64_t size, uint64_t flags);
/* Clears the leaf entry mapping va (of whatever size) and flushes va. */
void guest_unmap(uint64_t va);
/* The leaf entry mapping va and its size, or NULL if va is not mapped. */
uint64_t *guest_pte(uint64_t va, uint64_t *size);

#endif
