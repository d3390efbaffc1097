/* Lazy arithmetic flags: the last ADD/ADC/SUB/SBB/logic/INC/DEC records its operands and result;
 * each flag is computed only when something reads it (Bochs/blink approach). Other instructions
 * set RFLAGS eagerly through flags_eager(). Definitions: AMD APM vol. 3 §3.1 per instruction. */
#include "cpu/core.h"

static inline unsigned top(const ss_cpu *c)
{
	return (8u << c->lf_sz) - 1;
}

int ss_cf(ss_cpu *c)
{
	uint64_t m = ss_size_mask[c->lf_sz];
	switch (c->lf_op) {
	case LF_ADD: return c->lf_res < (c->lf_a & m);
	case LF_ADC: return c->lf_cin ? c->lf_res <= (c->lf_a & m) : c->lf_res < (c->lf_a & m);
	case LF_SUB: return (c->lf_a & m) < (c->lf_b & m);
	case LF_SBB:
		return c->lf_cin ? (c->lf_a & m) <= (c->lf_b & m) : (c->lf_a & m) < (c->lf_b & m);
	case LF_LOGIC: return 0;
	default: return (c->r.rflags & F_CF) != 0;
	}
}

int ss_zf(ss_cpu *c)
{
	if (c->lf_op == LF_NONE)
		return (c->r.rflags & F_ZF) != 0;
	return c->lf_res == 0;
}

int ss_sf(ss_cpu *c)
{
	if (c->lf_op == LF_NONE)
		return (c->r.rflags & F_SF) != 0;
	return (int)((c->lf_res >> top(c)) & 1);
}

int ss_pf(ss_cpu *c)
{
	if (c->lf_op == LF_NONE)
		return (c->r.rflags & F_PF) != 0;
	return !__builtin_parity((unsigned)(c->lf_res & 0xff));
}

int ss_af(ss_cpu *c)
{
	switch (c->lf_op) {
	case LF_NONE: return (c->r.rflags & F_AF) != 0;
	case LF_LOGIC: return 0; /* undefined architecturally; AMD parts clear it */
	default: return (int)(((c->lf_a ^ c->lf_b ^ c->lf_res) >> 4) & 1);
	}
}

int ss_of(ss_cpu *c)
{
	uint64_t a = c->lf_a, b = c->lf_b, r = c->lf_res;
	switch (c->lf_op) {
	case LF_ADD:
	case LF_ADC:
	case LF_INC: return (int)((((a ^ r) & (b ^ r)) >> top(c)) & 1);
	case LF_SUB:
	case LF_SBB:
	case LF_DEC: return (int)((((a ^ b) & (a ^ r)) >> top(c)) & 1);
	case LF_LOGIC: return 0;
	default: return (c->r.rflags & F_OF) != 0;
	}
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
		cf = c->r.rflags & F_CF;
		of = (((a ^ r) & (b ^ r)) >> top) & 1;
		break;
	case LF_DEC:
		cf = c->r.rflags & F_CF;
		of = (((a ^ b) & (a ^ r)) >> top) & 1;
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
	int v;
	switch (cc >> 1) {
	case 0: v = ss_of(c); break;
	case 1: v = ss_cf(c); break;
	case 2: v = ss_zf(c); break;
	case 3: v = ss_cf(c) || ss_zf(c); break;
	case 4: v = ss_sf(c); break;
	case 5: v = ss_pf(c); break;
	case 6: v = ss_sf(c) != ss_of(c); break;
	default: v = ss_zf(c) || (ss_sf(c) != ss_of(c)); break;
	}
	return v ^ (int)(cc & 1);
}
