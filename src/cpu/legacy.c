/* Instructions that exist only outside 64-bit mode (APM vol. 3; #UD in 64-bit mode, where the
 * decoder never selects them): INC/DEC r (0x40-0x4F), PUSHA/POPA, the BCD adjustments, BOUND,
 * ARPL, INTO, LES/LDS (with LSS/LFS/LGS, valid everywhere), and the near branches and stack frames
 * of 16- and 32-bit code (IP/EIP wrap at the operand size, CS limit checks, SP or ESP by SS.B). */
#include "cpu/core.h"
#include "cpu/ops.h"

void ss_op_incdec_reg(ss_cpu *c, const ss_insn *i)
{
	uint64_t a = reg_get(c, i->reg, i->osz);
	uint64_t r = i->aux ? a - 1 : a + 1;
	ss_flags_materialize(c); /* CF is preserved */
	lazy(c, i->aux ? LF_DEC : LF_INC, i->osz, a, 1, r);
	reg_set(c, i->reg, i->osz, r);
}

static inline uint64_t sp_mask(const ss_cpu *c)
{
	return (c->r.seg[SS_SEG_SS].attr & 0x400) ? 0xffffffffu : 0xffffu;
}

void ss_op_pusha(ss_cpu *c, const ss_insn *i)
{
	unsigned n = 1u << i->osz;
	uint64_t m = sp_mask(c), sp = c->r.gpr[SS_RSP];
	/* All eight slots must be writable before anything is stored. */
	ss_lin_probe_write(c, ss_seg_lin(c, SS_SEG_SS, (sp - 8 * n) & m, 8 * n, 1), 8 * n);
	for (unsigned r = SS_RAX; r <= SS_RDI; r++)
		push(c, n, r == SS_RSP ? sp & ss_size_mask[i->osz] : reg_get(c, r, i->osz));
}

void ss_op_popa(ss_cpu *c, const ss_insn *i)
{
	unsigned n = 1u << i->osz;
	uint64_t m = sp_mask(c), sp = c->r.gpr[SS_RSP] & m;
	ss_seg_lin(c, SS_SEG_SS, sp, 8 * n, 0); /* the whole frame within the limit */
	for (int r = SS_RDI; r >= SS_RAX; r--) {
		uint64_t v = pop(c, n);
		if (r != SS_RSP)
			reg_set(c, (unsigned)r, i->osz, v);
	}
}

static void set_szp(ss_cpu *c, uint64_t extra_mask, uint64_t extra)
{
	uint64_t al = c->r.gpr[SS_RAX] & 0xff;
	flags_eager(c, F_ARITH, szp_flags(al, 0) | (extra & extra_mask));
}

/* aux: 0 DAA, 1 DAS, 2 AAA, 3 AAS, 4 AAM, 5 AAD (APM vol. 3 for each; OF is undefined: 0). */
void ss_op_bcd(ss_cpu *c, const ss_insn *i)
{
	uint64_t al = c->r.gpr[SS_RAX] & 0xff, ah = (c->r.gpr[SS_RAX] >> 8) & 0xff;
	int cf = ss_cf(c), af = ss_af(c);
	uint64_t fl = 0;
	switch (i->aux) {
	case 0: { /* DAA */
		uint64_t old = al;
		int ncf = 0;
		if ((al & 0xf) > 9 || af) {
			ncf = cf || al + 6 > 0xff;
			al = (al + 6) & 0xff;
			fl |= F_AF;
		}
		if (old > 0x99 || cf) {
			al = (al + 0x60) & 0xff;
			ncf = 1;
		} else {
			ncf = 0;
		}
		fl |= ncf ? F_CF : 0;
		reg_set(c, SS_RAX, 0, al);
		set_szp(c, F_CF | F_AF, fl);
		return;
	}
	case 1: { /* DAS */
		uint64_t old = al;
		int ncf = 0;
		if ((al & 0xf) > 9 || af) {
			ncf = cf || al < 6;
			al = (al - 6) & 0xff;
			fl |= F_AF;
		}
		if (old > 0x99 || cf) {
			al = (al - 0x60) & 0xff;
			ncf = 1;
		}
		fl |= ncf ? F_CF : 0;
		reg_set(c, SS_RAX, 0, al);
		set_szp(c, F_CF | F_AF, fl);
		return;
	}
	case 2:	  /* AAA */
	case 3: { /* AAS */
		uint64_t ax = c->r.gpr[SS_RAX] & 0xffff;
		if ((al & 0xf) > 9 || af) {
			ax =
			    i->aux == 2 ? ax + 0x106 : ((ax - 6) & 0xff) | (((ah - 1) & 0xff) << 8);
			fl = F_AF | F_CF;
		}
		reg_set(c, SS_RAX, 1, ax & 0xff0f);
		set_szp(c, F_CF | F_AF, fl);
		return;
	}
	case 4: { /* AAM imm8 */
		uint64_t base = i->imm & 0xff;
		if (!base)
			ss_raise(c, EXC_DE, 0, 0);
		reg_set(c, SS_RAX, 1, ((al / base) << 8) | (al % base));
		set_szp(c, 0, 0);
		return;
	}
	default: { /* AAD imm8 */
		uint64_t base = i->imm & 0xff;
		reg_set(c, SS_RAX, 1, (al + ah * base) & 0xff);
		set_szp(c, 0, 0);
		return;
	}
	}
}

void ss_op_bound(ss_cpu *c, const ss_insn *i)
{
	unsigned n = 1u << i->osz;
	uint64_t lin = mem_lin_n(c, i, 2 * n, 0);
	int64_t idx = (int64_t)sext(reg_get(c, i->reg, i->osz), i->osz);
	int64_t lo = (int64_t)sext(ss_lin_read(c, lin, n, SS_CPU_ACC_READ), i->osz);
	int64_t hi = (int64_t)sext(ss_lin_read(c, lin + n, n, SS_CPU_ACC_READ), i->osz);
	if (idx < lo || idx > hi)
		ss_raise(c, EXC_BR, 0, 0);
}

void ss_op_arpl(ss_cpu *c, const ss_insn *i)
{
	if (c->mode == SS_MODE_REAL || c->mode == SS_MODE_VM86)
		RAISE_UD(c);
	uint64_t lin = 0, dst = ss_rmw_get(c, i, 1, &lin), src = reg_get(c, i->reg, 1);
	if ((dst & 3) < (src & 3)) {
		ss_rmw_set(c, i, 1, lin, (dst & ~3ull) | (src & 3));
		flags_eager(c, F_ZF, F_ZF);
	} else {
		flags_eager(c, F_ZF, 0);
	}
}

void ss_op_into(ss_cpu *c, const ss_insn *i)
{
	(void)i;
	if (ss_of(c))
		ss_deliver_event(c, EXC_OF, 0, 0, 1, c->r.rip);
}

/* LES/LDS/LSS/LFS/LGS: the far pointer offset:selector at the memory operand. */
void ss_op_lxs(ss_cpu *c, const ss_insn *i)
{
	unsigned n = 1u << i->osz;
	uint64_t lin = mem_lin_n(c, i, n + 2, 0);
	uint64_t off = ss_lin_read(c, lin, n, SS_CPU_ACC_READ);
	uint16_t sel = (uint16_t)ss_lin_read(c, lin + n, 2, SS_CPU_ACC_READ);
	ss_load_seg(c, i->aux, sel);
	reg_set(c, i->reg, i->osz, off);
}

/* ---- near branches and frames of 16/32-bit code (control.c calls these when c->legacy) ---- */

void ss_jump_legacy(ss_cpu *c, unsigned osz, uint64_t target)
{
	target &= ss_size_mask[osz < 2 ? osz : 2];
	if (target > c->r.seg[SS_SEG_CS].limit)
		RAISE_GP0(c);
	c->r.rip = target;
}

void ss_call_legacy(ss_cpu *c, unsigned osz, uint64_t target)
{
	target &= ss_size_mask[osz < 2 ? osz : 2];
	if (target > c->r.seg[SS_SEG_CS].limit)
		RAISE_GP0(c);
	push(c, 1u << osz, c->r.rip);
	c->r.rip = target;
}

void ss_ret_legacy(ss_cpu *c, unsigned osz, unsigned imm)
{
	unsigned n = 1u << osz;
	uint64_t m = sp_mask(c), sp = c->r.gpr[SS_RSP] & m;
	uint64_t t = ss_lin_read(c, ss_seg_lin(c, SS_SEG_SS, sp, n, 0), n, SS_CPU_ACC_READ);
	if (t > c->r.seg[SS_SEG_CS].limit)
		RAISE_GP0(c);
	c->r.gpr[SS_RSP] = (c->r.gpr[SS_RSP] & ~m) | ((sp + n + imm) & m);
	c->r.rip = t;
}

void ss_leave_legacy(ss_cpu *c, unsigned osz)
{
	unsigned n = 1u << osz;
	uint64_t m = sp_mask(c), sp = c->r.gpr[SS_RBP] & m;
	uint64_t v = ss_lin_read(c, ss_seg_lin(c, SS_SEG_SS, sp, n, 0), n, SS_CPU_ACC_READ);
	c->r.gpr[SS_RSP] = (c->r.gpr[SS_RSP] & ~m) | ((sp + n) & m);
	reg_set(c, SS_RBP, osz, v);
}

void ss_enter_legacy(ss_cpu *c, unsigned osz, unsigned size, unsigned level)
{
	unsigned n = 1u << osz;
	uint64_t m = sp_mask(c), bp = c->r.gpr[SS_RBP];
	push(c, n, bp & ss_size_mask[osz]);
	uint64_t frame = c->r.gpr[SS_RSP] & m;
	if (level) {
		for (unsigned k = 1; k < level; k++) {
			bp = (bp - n) & m;
			push(
			    c, n,
			    ss_lin_read(c, ss_seg_lin(c, SS_SEG_SS, bp, n, 0), n, SS_CPU_ACC_READ));
		}
		push(c, n, frame);
	}
	uint64_t nsp = (c->r.gpr[SS_RSP] - size) & m;
	if (size)
		ss_lin_probe_write(c, ss_seg_lin(c, SS_SEG_SS, nsp, 1, 1), 1);
	reg_set(c, SS_RBP, osz, frame);
	c->r.gpr[SS_RSP] = (c->r.gpr[SS_RSP] & ~m) | nsp;
}

/* Reads the n-byte stack slot at rSP without popping (POP sreg checks before committing). */
uint64_t ss_stack_peek(ss_cpu *c, unsigned n)
{
	if (!c->legacy)
		return ss_lin_read(c, c->r.gpr[SS_RSP], n, SS_CPU_ACC_READ);
	uint64_t sp = c->r.gpr[SS_RSP] & sp_mask(c);
	return ss_lin_read(c, ss_seg_lin(c, SS_SEG_SS, sp, n, 0), n, SS_CPU_ACC_READ);
}
