/* External interrupts, NMI, GIF and virtual interrupts (APM vol. 2 §8.7, §15.17, §15.21): the
 * lines an interrupt controller drives, the conditions under which the CPU takes them at an
 * instruction boundary, their guest intercepts (INTR, NMI, VINTR: cpu-svm-sev.md §1.2, §3.1) and
 * the guest's V_IRQ / V_TPR / V_INTR_PRIO / V_IGN_TPR / V_INTR_MASKING (int_ctl, §1.3). */
#include "cpu/core.h"

#include <softsev/abi/svm_exit.h>
#include <softsev/abi/vmcb.h>

void ss_ev_update(ss_cpu *c)
{
	c->ev = (uint8_t)((c->irq_pending ? EV_IRQ : 0) | (c->nmi_pending ? EV_NMI : 0) |
			  (c->guest && (c->int_ctl & SS_INT_CTL_V_IRQ) ? EV_VIRQ : 0));
}

void ss_cpu_set_irq(ss_cpu *c, uint8_t vector)
{
	c->irq_pending = 1;
	c->irq_vector = vector;
	ss_ev_update(c);
}

void ss_cpu_clear_irq(ss_cpu *c)
{
	c->irq_pending = 0;
	ss_ev_update(c);
}

void ss_cpu_nmi(ss_cpu *c)
{
	c->nmi_pending = 1;
	ss_ev_update(c);
}

/* INTR is masked by RFLAGS.IF and by the priority class in CR8 (TPR); in a guest with
 * V_INTR_MASKING by the host's (saved at VMRUN), the guest's IF then masking only virtual ones. */
static int irq_open(const ss_cpu *c)
{
	uint64_t fl = c->r.rflags, tpr = c->r.cr8;
	if (c->guest && (c->int_ctl & SS_INT_CTL_V_INTR_MASKING)) {
		fl = c->host.rflags;
		tpr = c->host.cr8;
	}
	return (fl & F_IF) && (unsigned)(c->irq_vector >> 4) > (tpr & 15);
}

/* V_IRQ is taken with the guest's IF set and V_INTR_PRIO above V_TPR unless V_IGN_TPR. */
static int virq_open(const ss_cpu *c)
{
	if (!c->guest || !(c->int_ctl & SS_INT_CTL_V_IRQ) || !(c->r.rflags & F_IF))
		return 0;
	if (c->int_ctl & SS_INT_CTL_V_IGN_TPR)
		return 1;
	return ((c->int_ctl >> SS_INT_CTL_V_INTR_PRIO_SHIFT) & 15) > (c->int_ctl & 15);
}

int ss_ev_wakes_hlt(ss_cpu *c)
{
	if (!c->r.gif)
		return 0;
	return (c->nmi_pending && !c->nmi_blocked) || (c->irq_pending && irq_open(c)) ||
	       virq_open(c);
}

/* Delivers an interrupt through the IDT as an external event (EXT=1 in gate error codes); a fault
 * on the way is an ordinary fault, and a #VMEXIT on the way reports the event in exit_int_info. */
static void deliver(ss_cpu *c, int vec, unsigned type)
{
	c->in_exc = 1;
	c->in_exc_vec = (uint8_t)vec;
	c->in_exc_type = (uint8_t)type;
	c->in_exc_has_err = 0;
	c->in_exc_err = 0;
	ss_deliver_event(c, vec, 0, 0, 0, c->r.rip);
	c->in_exc = 0;
	c->halted = 0;
}

/* Takes the highest-priority event that is open (NMI, then INTR, then V_IRQ); 1 if one was. */
static int take_event(ss_cpu *c)
{
	c->insn_rip = c->r.rip;
	c->cur = NULL;
	if (c->nmi_pending && !c->nmi_blocked) {
		GUEST_ICPT(c, 3, 1, SS_SVM_EXIT_NMI, 0, 0);
		c->nmi_pending = 0;
		c->nmi_blocked = 1;
		ss_ev_update(c);
		deliver(c, EXC_NMI, SS_EVTINJ_TYPE_NMI);
		return 1;
	}
	if (c->irq_pending && irq_open(c)) {
		GUEST_ICPT(c, 3, 0, SS_SVM_EXIT_INTR, 0, 0); /* the line stays up for the host */
		c->irq_pending = 0;
		ss_ev_update(c);
		deliver(c, c->irq_vector, SS_EVTINJ_TYPE_INTR);
		return 1;
	}
	if (virq_open(c)) {
		GUEST_ICPT(c, 3, 4, SS_SVM_EXIT_VINTR, 0, 0);
		c->int_ctl &= ~SS_INT_CTL_V_IRQ;
		ss_ev_update(c);
		deliver(c, (int)(c->int_vector & 0xff), SS_EVTINJ_TYPE_INTR);
		return 1;
	}
	return 0;
}

int ss_ev_before(ss_cpu *c)
{
	int one = 0, shadow = 0;
	/* The shadow of STI / MOV SS covers exactly the boundary after that instruction. */
	if (c->r.interrupt_shadow) {
		if (c->shadow_armed) {
			c->r.interrupt_shadow = 0;
			c->shadow_armed = 0;
			c->shadow_movss = 0;
		} else {
			c->shadow_armed = 1;
			shadow = 1;
			one = 1;
		}
	}
	if (c->ev && !shadow && c->r.gif && take_event(c))
		return 2;
	return ss_debug_before(c) | one;
}

int ss_vtpr_read(ss_cpu *c, uint64_t *v)
{
	if (!c->guest || !(c->int_ctl & SS_INT_CTL_V_INTR_MASKING))
		return 0;
	*v = c->int_ctl & 15;
	return 1;
}

int ss_vtpr_write(ss_cpu *c, uint64_t v)
{
	if (!c->guest || !(c->int_ctl & SS_INT_CTL_V_INTR_MASKING))
		return 0;
	c->int_ctl = (c->int_ctl & ~SS_INT_CTL_V_TPR_MASK) | (uint32_t)(v & 15);
	return 1;
}
