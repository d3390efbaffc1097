/* Debug traps and faults (APM vol. 2 §13.1): the TF single-step trap after an instruction
 * (DR6.BS), held back by the MOV SS / POP SS shadow; instruction breakpoints in DR0-DR3 enabled
 * by DR7's L/G bits with R/W = 00 (DR6.Bn), suppressed by RFLAGS.RF, which clears after the next
 * instruction completes. Both run only while the run loop steps one instruction at a time. */
#include "cpu/core.h"
#include "cpu/ops.h"

#define DR6_BS 0x4000ull

int ss_debug_before(ss_cpu *c)
{
	int one = 0;
	uint64_t dr7 = c->r.dr[7], fl = c->r.rflags;
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
			ss_raise(c, EXC_DB, 0, 0); /* fault: RIP stays on the instruction */
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
	 * took the trap's place; MOV SS holds it back to the next boundary. */
	int movss_now = c->shadow_movss && c->r.interrupt_shadow && !c->shadow_armed;
	if (c->step_tf && c->dlv_seq == c->step_seq && !movss_now) {
		c->step_tf = 0;
		c->r.dr[6] |= DR6_BS;
		c->insn_rip = c->r.rip;
		c->cur = NULL;
		ss_raise(c, EXC_DB, 0, 0); /* trap: reported with the next RIP */
	}
	c->step_tf = 0;
	c->step_rf = 0;
}
