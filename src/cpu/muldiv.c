/* MUL, IMUL (one, two and three operands), DIV, IDIV. CF=OF say whether the high half is
 * significant; SF/ZF/AF/PF are undefined (we set them from the low result). DIV/IDIV raise #DE on
 * a zero divisor or a quotient that does not fit (APM vol. 3 "DIV", "IDIV"). */
#include "cpu/core.h"
#include "cpu/ops.h"

typedef unsigned __int128 u128;
typedef __int128 s128;

static void mulflags(ss_cpu *c, int wide, uint64_t lo, unsigned sz)
{
	flags_eager(c, F_ARITH, (wide ? F_CF | F_OF : 0) | szp_flags(lo, sz));
}

void ss_op_mul(ss_cpu *c, const ss_insn *i)
{
	unsigned sz = i->osz;
	uint64_t b = rm_get(c, i, sz), a = reg_get(c, SS_RAX, sz);
	switch (sz) {
	case 0: {
		uint64_t p = a * b;
		reg_set(c, SS_RAX, 1, p);
		mulflags(c, (p >> 8) != 0, p, 0);
		break;
	}
	case 1:
	case 2: {
		uint64_t p = a * b, w = 8u << sz;
		reg_set(c, SS_RAX, sz, p);
		reg_set(c, SS_RDX, sz, p >> w);
		mulflags(c, (p >> w) != 0, p, sz);
		break;
	}
	default: {
		u128 p = (u128)a * b;
		c->r.gpr[SS_RAX] = (uint64_t)p;
		c->r.gpr[SS_RDX] = (uint64_t)(p >> 64);
		mulflags(c, (p >> 64) != 0, (uint64_t)p, 3);
		break;
	}
	}
}

void ss_op_imul1(ss_cpu *c, const ss_insn *i)
{
	unsigned sz = i->osz;
	int64_t b = (int64_t)sext(rm_get(c, i, sz), sz),
		a = (int64_t)sext(reg_get(c, SS_RAX, sz), sz);
	if (sz == 3) {
		s128 p = (s128)a * b;
		c->r.gpr[SS_RAX] = (uint64_t)p;
		c->r.gpr[SS_RDX] = (uint64_t)((u128)p >> 64);
		mulflags(c, p != (s128)(int64_t)p, (uint64_t)p, 3);
		return;
	}
	int64_t p = a * b;
	unsigned w = 8u << sz;
	if (sz == 0) {
		reg_set(c, SS_RAX, 1, (uint64_t)p);
	} else {
		reg_set(c, SS_RAX, sz, (uint64_t)p);
		reg_set(c, SS_RDX, sz, (uint64_t)p >> w);
	}
	mulflags(c, (int64_t)sext((uint64_t)p, sz) != p, (uint64_t)p, sz);
}

static void imul_to(ss_cpu *c, const ss_insn *i, uint64_t x, uint64_t y)
{
	unsigned sz = i->osz;
	int64_t a = (int64_t)sext(x, sz), b = (int64_t)sext(y, sz);
	s128 p = (s128)a * b;
	uint64_t lo = (uint64_t)p;
	reg_set(c, i->reg, sz, lo);
	mulflags(c, p != (s128)(int64_t)sext(lo, sz), lo, sz);
}

void ss_op_imul2(ss_cpu *c, const ss_insn *i)
{
	imul_to(c, i, reg_get(c, i->reg, i->osz), rm_get(c, i, i->osz));
}

void ss_op_imul3(ss_cpu *c, const ss_insn *i)
{
	imul_to(c, i, rm_get(c, i, i->osz), i->imm);
}

void ss_op_div(ss_cpu *c, const ss_insn *i)
{
	unsigned sz = i->osz, w = 8u << sz;
	uint64_t d = rm_get(c, i, sz);
	if (d == 0)
		ss_raise(c, EXC_DE, 0, 0);
	if (sz == 3) {
		u128 n = ((u128)c->r.gpr[SS_RDX] << 64) | c->r.gpr[SS_RAX];
		u128 q = n / d;
		if (q >> 64)
			ss_raise(c, EXC_DE, 0, 0);
		c->r.gpr[SS_RAX] = (uint64_t)q;
		c->r.gpr[SS_RDX] = (uint64_t)(n % d);
		return;
	}
	uint64_t n = sz == 0 ? reg_get(c, SS_RAX, 1)
			     : (reg_get(c, SS_RDX, sz) << w) | reg_get(c, SS_RAX, sz);
	uint64_t q = n / d, r = n % d;
	if (q > ss_size_mask[sz])
		ss_raise(c, EXC_DE, 0, 0);
	if (sz == 0) {
		reg_set(c, SS_RAX, 1, q | (r << 8));
	} else {
		reg_set(c, SS_RAX, sz, q);
		reg_set(c, SS_RDX, sz, r);
	}
}

void ss_op_idiv(ss_cpu *c, const ss_insn *i)
{
	unsigned sz = i->osz, w = 8u << sz;
	int64_t d = (int64_t)sext(rm_get(c, i, sz), sz);
	if (d == 0)
		ss_raise(c, EXC_DE, 0, 0);
	if (sz == 3) {
		s128 n = (s128)(((u128)c->r.gpr[SS_RDX] << 64) | c->r.gpr[SS_RAX]);
		s128 q, r;
		if (d == -1) {
			/* -n must fit in 64 bits; also avoids INT128_MIN / -1. */
			if (n < -(s128)INT64_MAX || n > (s128)INT64_MAX + 1)
				ss_raise(c, EXC_DE, 0, 0);
			q = -n;
			r = 0;
		} else {
			q = n / d;
			r = n % d;
		}
		if (q > INT64_MAX || q < INT64_MIN)
			ss_raise(c, EXC_DE, 0, 0);
		c->r.gpr[SS_RAX] = (uint64_t)q;
		c->r.gpr[SS_RDX] = (uint64_t)r;
		return;
	}
	int64_t n =
	    sz == 0 ? (int64_t)sext(reg_get(c, SS_RAX, 1), 1)
		    : (int64_t)sext((reg_get(c, SS_RDX, sz) << w) | reg_get(c, SS_RAX, sz), sz + 1);
	if (d == -1 && n == INT64_MIN)
		ss_raise(c, EXC_DE, 0, 0);
	int64_t q = n / d, r = n % d;
	if (q != (int64_t)sext((uint64_t)q, sz))
		ss_raise(c, EXC_DE, 0, 0);
	if (sz == 0) {
		reg_set(c, SS_RAX, 1, ((uint64_t)q & 0xff) | (((uint64_t)r & 0xff) << 8));
	} else {
		reg_set(c, SS_RAX, sz, (uint64_t)q);
		reg_set(c, SS_RDX, sz, (uint64_t)r);
	}
}
