/* Operating modes (APM vol. 2 §1.2 Table 1-1, §14.6 "Enabling and activating long mode"): the
 * mode is derived from CR0.PE, EFER.LMA, CS.L, CS.D and RFLAGS.VM once whenever one of them
 * changes, so the 64-bit fast path never tests it per instruction; the decoder takes its defaults
 * from it and the decoded-block key includes it (exec.c). */
#include "cpu/core.h"

static const char *const mode_names[SS_MODE_COUNT] = {
    [SS_MODE_REAL] = "real",
    [SS_MODE_VM86] = "virtual-8086",
    [SS_MODE_PROT16] = "protected 16-bit",
    [SS_MODE_PROT32] = "protected 32-bit",
    [SS_MODE_COMPAT16] = "compatibility 16-bit",
    [SS_MODE_COMPAT32] = "compatibility 32-bit",
    [SS_MODE_LONG64] = "64-bit",
};

const char *ss_mode_name(unsigned mode)
{
	return mode < SS_MODE_COUNT ? mode_names[mode] : "unknown";
}

void ss_mode_update(ss_cpu *c)
{
	unsigned attr = c->r.seg[SS_SEG_CS].attr, l = (attr >> 9) & 1, d = (attr >> 10) & 1;
	unsigned m;
	if (!(c->r.cr0 & CR0_PE))
		m = SS_MODE_REAL;
	else if (c->r.efer & EFER_LMA)
		m = l ? SS_MODE_LONG64 : d ? SS_MODE_COMPAT32 : SS_MODE_COMPAT16;
	else if (c->r.rflags & F_VM)
		m = SS_MODE_VM86;
	else
		m = d ? SS_MODE_PROT32 : SS_MODE_PROT16;
	if (m != c->mode)
		c->brk = 1; /* the rest of the block was decoded for the old mode */
	c->mode = (uint8_t)m;
	c->legacy = m != SS_MODE_LONG64;
}

void ss_cr0_paging(ss_cpu *c, uint64_t v)
{
	int on = (v & CR0_PG) && !(c->r.cr0 & CR0_PG);
	int off = !(v & CR0_PG) && (c->r.cr0 & CR0_PG);
	if (on && (c->r.efer & EFER_LME) && !(c->r.efer & EFER_LMA)) {
		/* Activating long mode (APM vol. 2 §14.6.1): CR4.PAE must be set, and the code
		 * doing it cannot already be 64-bit (CS.L = 1). */
		if (!(c->r.cr4 & CR4_PAE))
			RAISE_GP0(c);
		if (c->r.seg[SS_SEG_CS].attr & 0x200)
			RAISE_GP0(c);
		c->r.efer |= EFER_LMA;
	}
	if (off && (c->r.efer & EFER_LMA)) {
		/* Leaving long mode (§14.7): only from compatibility mode. */
		if (c->mode == SS_MODE_LONG64)
			RAISE_GP0(c);
		c->r.efer &= ~EFER_LMA;
	}
}
