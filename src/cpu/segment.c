/* Segmentation outside 64-bit mode (APM vol. 2 ch. 4): linear address = segment base + offset,
 * the limit check (expand-up and expand-down) and the type check of every data access (#GP(0), or
 * #SS(0) through SS), the stack with SP or ESP chosen by SS.B, and segment register loads: real
 * mode (base = selector << 4) and protected mode from the GDT or LDT with the descriptor checks of
 * §4.8-§4.11, setting the accessed bit. 64-bit mode takes none of these paths except ss_load_seg
 * (core.h lin_of_n keeps it on the fast path). */
#include "cpu/core.h"

_Noreturn void ss_unsupported(ss_cpu *c, const char *what)
{
	c->exit->detail = what;
	ss_exit_insn(c, SS_CPU_EXIT_UNSUPPORTED);
}

/* Implicit supervisor write of a system structure (descriptor accessed/busy bits, frames). */
static void sys_write(ss_cpu *c, uint64_t lin, unsigned n, uint64_t v)
{
	uint8_t cpl = c->r.cpl, hit = c->dbg_hit; /* implicit: no data breakpoint (debug.c) */
	uint64_t fl = c->r.rflags;
	c->r.cpl = 0;
	c->r.rflags &= ~(uint64_t)F_AC;
	ss_lin_write(c, lin, n, v);
	c->dbg_hit = hit;
	c->r.cpl = cpl;
	c->r.rflags = fl;
}

uint64_t ss_seg_lin(ss_cpu *c, unsigned seg, uint64_t off, unsigned n, int write)
{
	const ss_cpu_seg *s = &c->r.seg[seg];
	int vec = seg == SS_SEG_SS ? EXC_SS : EXC_GP;
	unsigned attr = s->attr, type = attr & 0xf;
	if (c->mode != SS_MODE_REAL && c->mode != SS_MODE_VM86) {
		/* A null selector leaves the register unusable (attributes 0, §4.5.1). */
		if (!(attr & 0x80))
			ss_raise(c, vec, 0, 1);
		if (write && ((type & 8) || !(type & 2)))
			ss_raise(c, vec, 0, 1); /* code or read-only data */
		if (!write && (type & 0xa) == 0x8)
			ss_raise(c, vec, 0, 1); /* execute-only code */
	}
	uint64_t last = off + n - 1;
	if (!(type & 8) && (type & 4) && (c->mode != SS_MODE_REAL)) {
		/* Expand-down data: valid offsets are limit+1 .. 0xFFFF or 0xFFFFFFFF (D/B). */
		uint64_t top = (attr & 0x400) ? 0xffffffffu : 0xffffu;
		if (off <= s->limit || last > top)
			ss_raise(c, vec, 0, 1);
	} else if (last > s->limit) {
		ss_raise(c, vec, 0, 1);
	}
	return (s->base + off) & 0xffffffffu;
}

static inline uint64_t sp_mask(const ss_cpu *c)
{
	return (c->r.seg[SS_SEG_SS].attr & 0x400) ? 0xffffffffu : 0xffffu;
}

void ss_push_legacy(ss_cpu *c, unsigned bytes, uint64_t v)
{
	uint64_t m = sp_mask(c), sp = (c->r.gpr[SS_RSP] - bytes) & m;
	ss_lin_write(c, ss_seg_lin(c, SS_SEG_SS, sp, bytes, 1), bytes, v);
	c->r.gpr[SS_RSP] = (c->r.gpr[SS_RSP] & ~m) | sp;
}

uint64_t ss_pop_legacy(ss_cpu *c, unsigned bytes)
{
	uint64_t m = sp_mask(c), sp = c->r.gpr[SS_RSP] & m;
	uint64_t v = ss_lin_read(c, ss_seg_lin(c, SS_SEG_SS, sp, bytes, 0), bytes, SS_CPU_ACC_READ);
	c->r.gpr[SS_RSP] = (c->r.gpr[SS_RSP] & ~m) | ((sp + bytes) & m);
	return v;
}

/* ---- descriptors ---- */

static uint64_t desc_addr(ss_cpu *c, uint16_t sel, int vec)
{
	uint64_t base = (sel & 4) ? c->r.ldtr.base : c->r.gdtr.base;
	uint32_t limit = (sel & 4) ? c->r.ldtr.limit : c->r.gdtr.limit;
	/* An LDT selector with no LDT loaded is outside every table. */
	if ((sel & 4) && !(c->r.ldtr.attr & 0x80) && (c->r.ldtr.sel & 0xfffc) == 0)
		ss_raise(c, vec, sel & 0xfffcu, 1);
	if ((uint32_t)(sel | 7u) > limit)
		ss_raise(c, vec, sel & 0xfffcu, 1);
	return base + (sel & ~7u);
}

void ss_read_desc(ss_cpu *c, uint16_t sel, uint8_t d[8], int vec)
{
	ss_sys_read(c, desc_addr(c, sel, vec), d, 8);
}

uint16_t ss_desc_attr(const uint8_t d[8])
{
	return (uint16_t)(d[5] | ((d[6] & 0xf0) << 4));
}

uint64_t ss_desc_base(const uint8_t d[8])
{
	return (uint64_t)d[2] | ((uint64_t)d[3] << 8) | ((uint64_t)d[4] << 16) |
	       ((uint64_t)d[7] << 24);
}

uint32_t ss_desc_limit(const uint8_t d[8])
{
	uint32_t l = (uint32_t)d[0] | ((uint32_t)d[1] << 8) | ((uint32_t)(d[6] & 0xf) << 16);
	return (d[6] & 0x80) ? (l << 12) | 0xfff : l;
}

void ss_load_seg(ss_cpu *c, unsigned seg, uint16_t sel)
{
	if (seg == SS_SEG_CS || seg >= SS_SEG_COUNT)
		RAISE_UD(c);
	ss_cpu_seg *s = &c->r.seg[seg];
	if (c->mode == SS_MODE_REAL || c->mode == SS_MODE_VM86) {
		/* Real mode: base = selector * 16; limit and attributes stay (§4.4.1). */
		s->sel = sel;
		s->base = (uint64_t)sel << 4;
		return;
	}
	if ((sel & 0xfffc) == 0) {
		/* Null selector: SS only in 64-bit mode below CPL 3 (§4.8.1, §4.12); AMD keeps
		 * the FS/GS base. */
		if (seg == SS_SEG_SS &&
		    (c->mode != SS_MODE_LONG64 || c->r.cpl == 3 || (sel & 3) != c->r.cpl))
			RAISE_GP0(c);
		s->sel = sel;
		s->attr = 0;
		return;
	}
	uint64_t at = desc_addr(c, sel, EXC_GP);
	uint8_t d[8];
	ss_sys_read(c, at, d, 8);
	unsigned type = d[5] & 0x1f, dpl = (d[5] >> 5) & 3, rpl = sel & 3, cpl = c->r.cpl;
	uint32_t esel = sel & 0xfffcu;
	if (seg == SS_SEG_SS) {
		if (rpl != cpl)
			ss_raise(c, EXC_GP, esel, 1);
		if ((type & 0x1a) != 0x12) /* writable data */
			ss_raise(c, EXC_GP, esel, 1);
		if (dpl != cpl)
			ss_raise(c, EXC_GP, esel, 1);
		if (!(d[5] & 0x80))
			ss_raise(c, EXC_SS, esel, 1);
	} else {
		if (!(type & 0x10) || (type & 0x0a) == 0x08) /* data or readable code */
			ss_raise(c, EXC_GP, esel, 1);
		if ((type & 0x0c) != 0x0c && (rpl > dpl || cpl > dpl)) /* not conforming code */
			ss_raise(c, EXC_GP, esel, 1);
		if (!(d[5] & 0x80))
			ss_raise(c, EXC_NP, esel, 1);
	}
	if (!(d[5] & 1)) {
		d[5] |= 1; /* accessed (§4.7.2) */
		sys_write(c, at + 5, 1, d[5]);
	}
	s->sel = sel;
	s->attr = ss_desc_attr(d);
	s->limit = ss_desc_limit(d);
	s->base = ss_desc_base(d);
}
