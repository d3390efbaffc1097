/* Debug traps and faults (APM vol. 2 §13.1): the TF single-step trap after an instruction
 * (DR6.BS), held back by the MOV SS / POP SS shadow; instruction breakpoints in DR0-DR3 enabled
 * by DR7's L/G bits with R/W = 00 (DR6.Bn), suppressed by RFLAGS.RF, which clears after the next
 * instruction completes; data and I/O breakpoints (traps) and general detect (a fault, system.c).
 * All of them run only while the run loop steps one instruction at a time (ss_ev_any sees DR7).
 *
 * Data breakpoints (APM vol. 2 §13.1.1, DR7): R/W = 01 matches writes, 11 reads or writes; LEN 00,
 * 01, 11, 10 give 1, 2, 4, 8 bytes (8 in every mode, not only in long mode), the address in DRn
 * aligned down to LEN; a breakpoint matches an access that overlaps its bytes. L or G enables
 * it, LE/GE are ignored. The #DB is a trap taken after the instruction completes, with DR6.Bn
 * set for every enabled breakpoint the instruction hit (the APM lets a processor also report
 * matching breakpoints that are not enabled; this one never does). A REP string instruction
 * stops after the iteration that hit (string.c), RIP still on it and rCX/rSI/rDI counting the
 * iterations done. What matches: the explicit accesses of the instruction, operands, string
 * elements, and the stack of PUSH/POP/CALL/RET/ENTER/LEAVE/IRET/PUSHF/POPF. What never does:
 * page-table walks (physical addresses), the accesses the CPU makes for itself to system
 * structures (IDT, GDT/LDT descriptors and their accessed/busy bits, TSS stack pointers and I/O
 * bitmap: ss_sys_read and segment.c sys_write), and the frame an event delivery pushes. The
 * APM does not say how those implicit accesses behave; leaving them out keeps a data breakpoint
 * on a kernel stack from firing inside the delivery of its own #DB.
 *
 * I/O breakpoints: R/W = 10 with CR4.DE = 1 matches IN/OUT/INS/OUTS whose port range overlaps
 * DRn's (LEN as above). With CR4.DE = 0 R/W = 10 is undefined on AMD; here it never matches.
 * I/O instructions leave the run loop for the host (SS_CPU_EXIT_IO), which completes them with
 * ss_cpu_skip: the trap (and a TF single-step trap) is taken at the start of the next
 * ss_cpu_run, after the whole instruction (REP INS/OUTS included, which the host carries out:
 * their memory side is the host's and matches no data breakpoint). */
#include "cpu/core.h"
#include "cpu/ops.h"

#define DR6_BS 0x4000ull

/* Bytes covered by LEN (DR7 bits 18+4n..19+4n). */
static inline uint64_t bp_len(uint64_t dr7, unsigned n)
{
	static const uint8_t len[4] = {1, 2, 8, 4};
	return len[(dr7 >> (18 + 4 * n)) & 3];
}

static inline unsigned bp_rw(uint64_t dr7, unsigned n)
{
	return (unsigned)(dr7 >> (16 + 4 * n)) & 3;
}

/* [a, a+n) overlaps DRn's aligned range (modular: no wrap-around surprises at the top). */
static inline int bp_overlap(const ss_cpu *c, unsigned bp, uint64_t dr7, uint64_t a, uint64_t n)
{
	uint64_t len = bp_len(dr7, bp), base = c->r.dr[bp] & ~(len - 1);
	return a - base < len || base - a < n;
}

void ss_debug_sync(ss_cpu *c)
{
	uint64_t dr7 = c->r.dr[7];
	uint8_t data = 0;
	for (unsigned n = 0; n < 4; n++)
		if (((dr7 >> (2 * n)) & 3) && (bp_rw(dr7, n) & 1))
			data |= (uint8_t)(1u << n);
	if (data != c->dbg_data) {
		/* Arming drops the TLB's host pointers (mmu.c translate keeps none while armed);
		 * disarming lets them come back. */
		c->dbg_data = data;
		ss_tlb_flush_all(c);
	}
}

void ss_debug_access(ss_cpu *c, uint64_t lin, unsigned n, int write)
{
	uint64_t dr7 = c->r.dr[7];
	for (unsigned bp = 0; bp < 4; bp++) {
		if (!(c->dbg_data & (1u << bp)))
			continue;
		if (bp_rw(dr7, bp) == 1 && !write)
			continue;
		if (bp_overlap(c, bp, dr7, lin, n))
			c->dbg_hit |= (uint8_t)(1u << bp);
	}
}

unsigned ss_debug_io(ss_cpu *c, uint16_t port, unsigned size)
{
	uint64_t dr7 = c->r.dr[7];
	unsigned hit = 0;
	if (!(c->r.cr4 & 0x8)) /* CR4.DE */
		return 0;
	for (unsigned bp = 0; bp < 4; bp++)
		if (((dr7 >> (2 * bp)) & 3) && bp_rw(dr7, bp) == 2 &&
		    bp_overlap(c, bp, dr7, port, size))
			hit |= 1u << bp;
	return hit;
}

int ss_debug_before(ss_cpu *c)
{
	int one = 0;
	uint64_t dr7 = c->r.dr[7], fl = c->r.rflags;
	c->dbg_hit = c->dbg_held;
	c->dbg_held = 0;
	if (dr7 & 0xff) {
		one = 1;
		unsigned hit = 0;
		for (unsigned n = 0; n < 4 && !(fl & F_RF); n++)
			if (((dr7 >> (2 * n)) & 3) && ((dr7 >> (16 + 4 * n)) & 0xf) == 0 &&
			    c->r.dr[n] == c->r.rip)
				hit |= 1u << n;
		if (hit) {
			c->r.dr[6] |= hit;
			c->insn_rip = c->r.rip;
			c->cur = NULL;
			ss_raise_db(c, 0); /* fault: RIP stays on the instruction, RF not pushed */
		}
	}
	c->step_tf = (fl & F_TF) != 0;
	c->step_rf = (fl & F_RF) != 0;
	c->step_seq = c->dlv_seq;
	return one | c->step_tf | c->step_rf;
}

void ss_ev_after(ss_cpu *c, const ss_insn *i)
{
	/* RF holds back breakpoints for one instruction; IRET may load it for the next one. */
	if (c->step_rf && i->fn != ss_op_iret)
		c->r.rflags &= ~(uint64_t)F_RF;
	/* The trap needs TF at the start of the instruction: POPF/IRET setting TF trap after the
	 * next one, clearing it still traps. An event delivered by the instruction (INT n, ...)
	 * took the trap's place; MOV SS holds it back to the next boundary, and data breakpoints
	 * the MOV SS / POP SS hit with it. */
	int movss_now = c->shadow_movss && c->r.interrupt_shadow && !c->shadow_armed;
	uint64_t bits = 0;
	if (c->step_tf && c->dlv_seq == c->step_seq && !movss_now)
		bits |= DR6_BS;
	if (c->dbg_hit) {
		if (movss_now)
			c->dbg_held = c->dbg_hit;
		else
			bits |= c->dbg_hit;
		c->dbg_hit = 0;
	}
	c->step_tf = 0;
	c->step_rf = 0;
	if (bits) {
		c->r.dr[6] |= bits;
		c->insn_rip = c->r.rip;
		c->cur = NULL;
		ss_raise_db(c, 0); /* trap: reported with the next RIP */
	}
}
