/* Stack and control transfer: PUSH/POP, PUSHF/POPF, ENTER/LEAVE, CALL/JMP/Jcc/LOOP/RET
 * (64-bit mode: near branches use 64-bit operands; targets must be canonical or #GP(0)). Outside
 * 64-bit mode the same handlers defer to legacy.c (operand-size wrap, CS limit, SS.B). */
#include "cpu/core.h"
#include "cpu/ops.h"

static inline int canonical(const ss_cpu *c, uint64_t a)
{
	return ss_canonical(c, a);
}

static inline void jump(ss_cpu *c, const ss_insn *i, uint64_t target)
{
	if (__builtin_expect(c->legacy, 0)) {
		ss_jump_legacy(c, i->osz, target);
		return;
	}
	if (!canonical(c, target))
		RAISE_GP0(c);
	c->r.rip = target;
}

static inline unsigned stack_bytes(const ss_insn *i)
{
	return 1u << i->osz; /* 64-bit mode: 8, or 2 with 0x66 (OPF_D64) */
}

void ss_op_push_r(ss_cpu *c, const ss_insn *i)
{
	push(c, stack_bytes(i), reg_get(c, i->reg, i->osz));
}

void ss_op_pop_r(ss_cpu *c, const ss_insn *i)
{
	uint64_t v = pop(c, stack_bytes(i));
	reg_set(c, i->reg, i->osz, v);
}

void ss_op_push_imm(ss_cpu *c, const ss_insn *i)
{
	push(c, stack_bytes(i), i->imm);
}

void ss_op_push_rm(ss_cpu *c, const ss_insn *i)
{
	push(c, stack_bytes(i), rm_get(c, i, i->osz));
}

void ss_op_pop_rm(ss_cpu *c, const ss_insn *i)
{
	unsigned n = stack_bytes(i);
	if (c->legacy) {
		/* The destination address uses the incremented (E)SP, as below. */
		uint64_t v = pop(c, n);
		rm_set(c, i, i->osz, v);
		return;
	}
	uint64_t old = c->r.gpr[SS_RSP];
	uint64_t v = ss_lin_read(c, old, n, SS_CPU_ACC_READ);
	if (i->mod3) {
		c->r.gpr[SS_RSP] = old + n;
		reg_set(c, i->rm, i->osz, v);
		return;
	}
	/* An RSP-based destination address uses the incremented RSP (APM "POP"). */
	c->r.gpr[SS_RSP] = old + n;
	uint64_t lin = mem_lin(c, i);
	c->r.gpr[SS_RSP] = old;
	ss_lin_write(c, lin, n, v);
	c->r.gpr[SS_RSP] = old + n;
}

void ss_op_pushf(ss_cpu *c, const ss_insn *i)
{
	ss_svm_icpt(c, 3, 16, 0x70, 0, 0);
	push(c, stack_bytes(i), ss_flags_get(c) & ~(uint64_t)(F_RF | F_VM));
}

void ss_op_popf(ss_cpu *c, const ss_insn *i)
{
	ss_svm_icpt(c, 3, 17, 0x71, 0, 0);
	unsigned n = stack_bytes(i);
	uint64_t v = pop(c, n), old = ss_flags_get(c);
	uint64_t mask = F_ARITH | F_TF | F_DF | F_NT | F_AC | F_ID;
	unsigned iopl = (unsigned)((old & F_IOPL) >> 12);
	if (c->r.cpl == 0)
		mask |= F_IOPL;
	if (c->r.cpl <= iopl)
		mask |= F_IF;
	if (n == 2)
		mask &= 0xffff;
	ss_flags_set(c, (old & ~mask & ~(uint64_t)F_RF) | (v & mask));
	c->brk = 1; /* IF/TF/AC may have changed */
}

void ss_op_push_seg(ss_cpu *c, const ss_insn *i)
{
	push(c, stack_bytes(i), c->r.seg[i->aux].sel);
}

void ss_op_pop_seg(ss_cpu *c, const ss_insn *i)
{
	uint64_t v = ss_stack_peek(c, stack_bytes(i));
	ss_load_seg(c, i->aux, (uint16_t)v);
	pop(c, stack_bytes(i));
	if (i->aux == SS_SEG_SS) {
		/* Like MOV SS: holds back interrupts and #DB for one instruction. */
		c->r.interrupt_shadow = 1;
		c->shadow_movss = 1;
		c->shadow_armed = 0;
		c->brk = 1;
	}
}

void ss_op_enter(ss_cpu *c, const ss_insn *i)
{
	unsigned n = stack_bytes(i), level = i->imm2 & 31;
	if (c->legacy) {
		ss_enter_legacy(c, i->osz, (unsigned)(i->imm & 0xffff), level);
		return;
	}
	uint64_t rbp = c->r.gpr[SS_RBP], sp0 = c->r.gpr[SS_RSP];
	push(c, n, rbp);
	uint64_t frame = c->r.gpr[SS_RSP];
	if (level) {
		for (unsigned k = 1; k < level; k++) {
			rbp -= n;
			push(c, n, ss_lin_read(c, rbp, n, SS_CPU_ACC_READ));
		}
		push(c, n, frame);
	}
	uint64_t nsp = c->r.gpr[SS_RSP] - (i->imm & 0xffff);
	/* The new stack top must be writable before anything is committed (APM "ENTER"). */
	if (nsp != c->r.gpr[SS_RSP])
		ss_lin_probe_write(c, nsp, 1);
	(void)sp0;
	reg_set(c, SS_RBP, i->osz == 1 ? 1 : 3, frame);
	c->r.gpr[SS_RSP] = nsp;
}

void ss_op_leave(ss_cpu *c, const ss_insn *i)
{
	if (c->legacy) {
		ss_leave_legacy(c, i->osz);
		return;
	}
	uint64_t sp = c->r.gpr[SS_RBP];
	unsigned n = stack_bytes(i);
	uint64_t v = ss_lin_read(c, sp, n, SS_CPU_ACC_READ);
	c->r.gpr[SS_RSP] = sp + n;
	reg_set(c, SS_RBP, i->osz == 1 ? 1 : 3, v);
}

void ss_op_call_rel(ss_cpu *c, const ss_insn *i)
{
	uint64_t t = c->r.rip + i->imm;
	if (__builtin_expect(c->legacy, 0)) {
		ss_call_legacy(c, i->osz, t);
		return;
	}
	if (!canonical(c, t))
		RAISE_GP0(c);
	push(c, 8, c->r.rip);
	c->r.rip = t;
}

void ss_op_call_rm(ss_cpu *c, const ss_insn *i)
{
	if (__builtin_expect(c->legacy, 0)) {
		ss_call_legacy(c, i->osz, rm_get(c, i, i->osz));
		return;
	}
	uint64_t t = rm_get(c, i, 3);
	if (!canonical(c, t))
		RAISE_GP0(c);
	push(c, 8, c->r.rip);
	c->r.rip = t;
}

void ss_op_jmp_rel(ss_cpu *c, const ss_insn *i)
{
	jump(c, i, c->r.rip + i->imm);
}

void ss_op_jmp_rm(ss_cpu *c, const ss_insn *i)
{
	jump(c, i, rm_get(c, i, c->legacy ? i->osz : 3));
}

void ss_op_jcc(ss_cpu *c, const ss_insn *i)
{
	if (ss_cond(c, i->aux))
		jump(c, i, c->r.rip + i->imm);
}

/* Jcc with the condition a constant: the decoder picks one per cc (64-bit operand size). */
#define JCC_FAST(cc)                                                                               \
	static void jcc_##cc(ss_cpu *c, const ss_insn *i)                                          \
	{                                                                                          \
		if (lf_cond(c, cc))                                                                \
			jump(c, i, c->r.rip + i->imm);                                             \
	}
JCC_FAST(0)
JCC_FAST(1)
JCC_FAST(2)
JCC_FAST(3)
JCC_FAST(4)
JCC_FAST(5)
JCC_FAST(6)
JCC_FAST(7)
JCC_FAST(8)
JCC_FAST(9)
JCC_FAST(10)
JCC_FAST(11)
JCC_FAST(12)
JCC_FAST(13)
JCC_FAST(14)
JCC_FAST(15)
#undef JCC_FAST
const ss_op_fn ss_jcc_fast[16] = {jcc_0, jcc_1, jcc_2,	jcc_3,	jcc_4,	jcc_5,	jcc_6,	jcc_7,
				  jcc_8, jcc_9, jcc_10, jcc_11, jcc_12, jcc_13, jcc_14, jcc_15};

/* aux: 0 LOOPNE, 1 LOOPE, 2 LOOP, 3 JRCXZ; the count is CX, ECX or RCX by address size. */
void ss_op_loop(ss_cpu *c, const ss_insn *i)
{
	uint64_t m = ss_size_mask[i->asz];
	uint64_t cnt = c->r.gpr[SS_RCX] & m;
	int take;
	if (i->aux == 3) {
		take = cnt == 0;
	} else {
		cnt = (cnt - 1) & m;
		if (i->asz != 3)
			c->r.gpr[SS_RCX] = (c->r.gpr[SS_RCX] & ~m) | cnt;
		else
			c->r.gpr[SS_RCX] = cnt;
		take = cnt != 0;
		if (i->aux == 0)
			take = take && !ss_zf(c);
		else if (i->aux == 1)
			take = take && ss_zf(c);
	}
	if (take)
		jump(c, i, c->r.rip + i->imm);
}

void ss_op_ret(ss_cpu *c, const ss_insn *i)
{
	if (__builtin_expect(c->legacy, 0)) {
		ss_ret_legacy(c, i->osz, (unsigned)(i->imm & 0xffff));
		return;
	}
	uint64_t sp = c->r.gpr[SS_RSP];
	uint64_t t = ss_lin_read(c, sp, 8, SS_CPU_ACC_READ);
	if (!canonical(c, t))
		RAISE_GP0(c);
	c->r.gpr[SS_RSP] = sp + 8 + (i->imm & 0xffff);
	c->r.rip = t;
}
