/* Bit instructions: BT/BTS/BTR/BTC, BSF/BSR, TZCNT/LZCNT, POPCNT, BSWAP, SETcc, CMOVcc
 * (APM vol. 3). Only the flags the manual defines are meaningful; the others keep their values. */
#include "cpu/core.h"
#include "cpu/ops.h"

static void bt_apply(ss_cpu *c, const ss_insn *i, uint64_t off, int mem_bitstring)
{
	unsigned sz = i->osz, w = 8u << sz, op = i->aux;
	uint64_t v, lin = 0, bit;
	if (i->mod3) {
		bit = off & (w - 1);
		v = reg_get(c, i->rm, sz);
	} else {
		uint64_t ea = ea_of(c, i);
		if (mem_bitstring) {
			/* The register offset is signed and may address any byte of the bit string.
			 */
			int64_t s = (int64_t)sext(off, sz);
			ea += (uint64_t)((s >> (3 + sz)) * (int64_t)(w / 8));
			if (i->asz == 2)
				ea &= 0xffffffffu;
		}
		bit = off & (w - 1);
		lin = lin_of(c, i->seg, ea);
		v = ss_lin_read(c, lin, 1u << sz, op ? SS_CPU_ACC_WRITE : SS_CPU_ACC_READ);
	}
	uint64_t cf = (v >> bit) & 1, nv = v;
	switch (op) {
	case 1: nv = v | (1ull << bit); break;
	case 2: nv = v & ~(1ull << bit); break;
	case 3: nv = v ^ (1ull << bit); break;
	default: break;
	}
	if (op) {
		if (i->mod3)
			reg_set(c, i->rm, sz, nv);
		else
			ss_lin_write(c, lin, 1u << sz, nv);
	}
	flags_eager(c, F_CF, cf ? F_CF : 0);
}

void ss_op_bt_rm_r(ss_cpu *c, const ss_insn *i)
{
	bt_apply(c, i, reg_get(c, i->reg, i->osz), 1);
}

void ss_op_bt_rm_imm(ss_cpu *c, const ss_insn *i)
{
	bt_apply(c, i, i->imm, 0);
}

void ss_op_bsf(ss_cpu *c, const ss_insn *i)
{
	uint64_t s = rm_get(c, i, i->osz);
	if (!s) {
		flags_eager(c, F_ZF, F_ZF); /* destination unchanged (APM "BSF") */
		return;
	}
	reg_set(c, i->reg, i->osz, (uint64_t)__builtin_ctzll(s));
	flags_eager(c, F_ZF, 0);
}

void ss_op_bsr(ss_cpu *c, const ss_insn *i)
{
	uint64_t s = rm_get(c, i, i->osz);
	if (!s) {
		flags_eager(c, F_ZF, F_ZF);
		return;
	}
	reg_set(c, i->reg, i->osz, (uint64_t)(63 - __builtin_clzll(s)));
	flags_eager(c, F_ZF, 0);
}

void ss_op_tzcnt(ss_cpu *c, const ss_insn *i)
{
	unsigned w = 8u << i->osz;
	uint64_t s = rm_get(c, i, i->osz);
	uint64_t r = s ? (uint64_t)__builtin_ctzll(s) : w;
	reg_set(c, i->reg, i->osz, r);
	flags_eager(c, F_CF | F_ZF, (s ? 0 : F_CF) | (r ? 0 : F_ZF));
}

void ss_op_lzcnt(ss_cpu *c, const ss_insn *i)
{
	unsigned w = 8u << i->osz;
	uint64_t s = rm_get(c, i, i->osz);
	uint64_t r = s ? (uint64_t)(__builtin_clzll(s) - (64 - (int)w)) : w;
	reg_set(c, i->reg, i->osz, r);
	flags_eager(c, F_CF | F_ZF, (s ? 0 : F_CF) | (r ? 0 : F_ZF));
}

void ss_op_popcnt(ss_cpu *c, const ss_insn *i)
{
	uint64_t s = rm_get(c, i, i->osz);
	reg_set(c, i->reg, i->osz, (uint64_t)__builtin_popcountll(s));
	flags_eager(c, F_ARITH, s ? 0 : F_ZF);
}

void ss_op_bswap(ss_cpu *c, const ss_insn *i)
{
	uint64_t v = c->r.gpr[i->reg];
	if (i->osz == 3)
		c->r.gpr[i->reg] = __builtin_bswap64(v);
	else if (i->osz == 2)
		c->r.gpr[i->reg] = __builtin_bswap32((uint32_t)v);
	else
		reg_set(c, i->reg, 1, 0); /* 16-bit BSWAP is undefined; AMD parts give zero */
}

void ss_op_setcc(ss_cpu *c, const ss_insn *i)
{
	rm_set(c, i, 0, (uint64_t)ss_cond(c, i->aux));
}

void ss_op_cmovcc(ss_cpu *c, const ss_insn *i)
{
	uint64_t v = rm_get(c, i, i->osz); /* the source is read (and may fault) either way */
	if (ss_cond(c, i->aux))
		reg_set(c, i->reg, i->osz, v);
	else if (i->osz == 2)
		c->r.gpr[i->reg] &= 0xffffffffu; /* a 32-bit destination is always written */
}
