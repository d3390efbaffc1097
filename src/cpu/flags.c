/* Lazy arithmetic flags: the last ADD/ADC/SUB/SBB/logic/INC/DEC records its operands and result;
 * each flag is computed only when something reads it (Bochs/blink approach). Other instructions
 * set RFLAGS eagerly through flags_eager(). Definitions: AMD APM vol. 3 §3.1 per instruction. */
#include "cpu/core.h"

int ss_cf(ss_cpu *c)
{
	return lf_cf(c);
}

int ss_zf(ss_cpu *c)
{
	return lf_zf(c);
}

int ss_sf(ss_cpu *c)
{
	return lf_sf(c);
}

int ss_pf(ss_cpu *c)
{
	return lf_pf(c);
}

int ss_af(ss_cpu *c)
{
	switch (c->lf_op) {
	case LF_NONE: return (c->r.rflags & F_AF) != 0;
	case LF_LOGIC:
	case LF_SHIFT: return 0; /* undefined architecturally; AMD parts clear it */
	default: return (int)(((c->lf_a ^ c->lf_b ^ c->lf_res) >> 4) & 1);
	}
}

int ss_of(ss_cpu *c)
{
	return lf_of(c);
}

uint64_t ss_flags_get(ss_cpu *c)
{
	if (c->lf_op == LF_NONE)
		return c->r.rflags;
	/* All six flags from one record, in one pass. */
	unsigned sz = c->lf_sz, top = (8u << sz) - 1;
	uint64_t m = ss_size_mask[sz], a = c->lf_a & m, b = c->lf_b & m, r = c->lf_res;
	uint64_t cf, of, af = (a ^ b ^ r) & F_AF;
	switch (c->lf_op) {
	case LF_ADD:
		cf = r < a;
		of = (((a ^ r) & (b ^ r)) >> top) & 1;
		break;
	case LF_ADC:
		cf = c->lf_cin ? r <= a : r < a;
		of = (((a ^ r) & (b ^ r)) >> top) & 1;
		break;
	case LF_SUB:
		cf = a < b;
		of = (((a ^ b) & (a ^ r)) >> top) & 1;
		break;
	case LF_SBB:
		cf = c->lf_cin ? a <= b : a < b;
		of = (((a ^ b) & (a ^ r)) >> top) & 1;
		break;
	case LF_INC:
		cf = c->lf_cin;
		of = (((a ^ r) & (b ^ r)) >> top) & 1;
		break;
	case LF_DEC:
		cf = c->lf_cin;
		of = (((a ^ b) & (a ^ r)) >> top) & 1;
		break;
	case LF_SHIFT:
		cf = c->lf_cin;
		of = c->lf_b & 1;
		af = 0;
		break;
	default: /* LF_LOGIC: CF, OF clear; AF undefined (AMD parts clear it) */
		cf = of = af = 0;
		break;
	}
	return (c->r.rflags & ~(uint64_t)F_ARITH) | cf | (of << 11) | af | szp_flags(r, sz);
}

void ss_flags_set(ss_cpu *c, uint64_t fl)
{
	c->lf_op = LF_NONE;
	c->r.rflags = fl | 2; /* bit 1 always reads 1 */
}

int ss_cond(ss_cpu *c, unsigned cc)
{
	return lf_cond(c, cc);
}
