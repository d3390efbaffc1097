/* Data movement: MOV forms, MOVZX/MOVSX/MOVSXD, LEA, XCHG, CMPXCHG, CMPXCHG8B/16B, XADD,
 * CBW/CWD families, XLAT, LAHF/SAHF and the flag instructions (APM vol. 3). */
#include "cpu/core.h"
#include "cpu/ops.h"

void ss_op_nop(ss_cpu *c, const ss_insn *i)
{
	(void)c;
	(void)i;
}

void ss_op_mov_rm_r(ss_cpu *c, const ss_insn *i)
{
	rm_set(c, i, i->osz, reg_get(c, i->reg, i->osz));
}

void ss_op_mov_r_rm(ss_cpu *c, const ss_insn *i)
{
	reg_set(c, i->reg, i->osz, rm_get(c, i, i->osz));
}

void ss_op_mov_r_imm(ss_cpu *c, const ss_insn *i)
{
	reg_set(c, i->reg, i->osz, i->imm);
}

void ss_op_mov_rm_imm(ss_cpu *c, const ss_insn *i)
{
	rm_set(c, i, i->osz, i->imm);
}

void ss_op_mov_moffs(ss_cpu *c, const ss_insn *i)
{
	uint64_t off = i->imm & ss_size_mask[i->asz];
	uint64_t lin = lin_of_n(c, i->seg, off, 1u << i->osz, i->aux);
	if (i->aux == 0)
		reg_set(c, SS_RAX, i->osz, ss_lin_read(c, lin, 1u << i->osz, SS_CPU_ACC_READ));
	else
		ss_lin_write(c, lin, 1u << i->osz, reg_get(c, SS_RAX, i->osz));
}

void ss_op_movzx(ss_cpu *c, const ss_insn *i)
{
	reg_set(c, i->reg, i->osz, rm_get(c, i, i->aux));
}

void ss_op_movsx(ss_cpu *c, const ss_insn *i)
{
	unsigned ssz = i->aux < i->osz ? i->aux : i->osz;
	reg_set(c, i->reg, i->osz, sext(rm_get(c, i, ssz), ssz));
}

void ss_op_lea(ss_cpu *c, const ss_insn *i)
{
	reg_set(c, i->reg, i->osz, ea_of(c, i));
}

void ss_op_xchg_rm_r(ss_cpu *c, const ss_insn *i)
{
	unsigned sz = i->osz;
	uint64_t lin = 0, a = ss_rmw_get(c, i, sz, &lin), b = reg_get(c, i->reg, sz);
	ss_rmw_set(c, i, sz, lin, b);
	reg_set(c, i->reg, sz, a);
}

void ss_op_xchg_acc(ss_cpu *c, const ss_insn *i)
{
	if (i->reg == SS_RAX)
		return; /* 90 is NOP in every operand size (no zero-extension of EAX) */
	uint64_t a = reg_get(c, SS_RAX, i->osz), b = reg_get(c, i->reg, i->osz);
	reg_set(c, SS_RAX, i->osz, b);
	reg_set(c, i->reg, i->osz, a);
}

void ss_op_pause(ss_cpu *c, const ss_insn *i)
{
	(void)i;
	ss_svm_icpt(c, 3, 23, 0x77, 0, 0);
}

void ss_op_cmpxchg(ss_cpu *c, const ss_insn *i)
{
	unsigned sz = i->osz;
	uint64_t lin = 0, d = ss_rmw_get(c, i, sz, &lin), acc = reg_get(c, SS_RAX, sz);
	ss_alu(c, 7, sz, acc, d);
	if (acc == d) {
		ss_rmw_set(c, i, sz, lin, reg_get(c, i->reg, sz));
	} else {
		if (!i->mod3)
			ss_lin_write(c, lin, 1u << sz, d); /* memory is always written (APM) */
		reg_set(c, SS_RAX, sz, d);
	}
}

void ss_op_cmpxchg16b(ss_cpu *c, const ss_insn *i)
{
	uint64_t lin = mem_lin(c, i);
	if (i->osz == 3) {
		if (lin & 15)
			RAISE_GP0(c);
		uint64_t m[2];
		ss_lin_probe_write(c, lin, 16);
		ss_lin_read_buf(c, lin, m, 16, SS_CPU_ACC_WRITE);
		if (m[0] == c->r.gpr[SS_RAX] && m[1] == c->r.gpr[SS_RDX]) {
			uint64_t n[2] = {c->r.gpr[SS_RBX], c->r.gpr[SS_RCX]};
			ss_lin_write_buf(c, lin, n, 16);
			flags_eager(c, F_ZF, F_ZF);
		} else {
			ss_lin_write_buf(c, lin, m, 16);
			c->r.gpr[SS_RAX] = m[0];
			c->r.gpr[SS_RDX] = m[1];
			flags_eager(c, F_ZF, 0);
		}
		return;
	}
	uint64_t m = ss_lin_read(c, lin, 8, SS_CPU_ACC_WRITE);
	uint64_t want = (c->r.gpr[SS_RDX] << 32) | (uint32_t)c->r.gpr[SS_RAX];
	if (m == want) {
		ss_lin_write(c, lin, 8, (c->r.gpr[SS_RCX] << 32) | (uint32_t)c->r.gpr[SS_RBX]);
		flags_eager(c, F_ZF, F_ZF);
	} else {
		ss_lin_write(c, lin, 8, m);
		c->r.gpr[SS_RAX] = (uint32_t)m;
		c->r.gpr[SS_RDX] = m >> 32;
		flags_eager(c, F_ZF, 0);
	}
}

void ss_op_xadd(ss_cpu *c, const ss_insn *i)
{
	unsigned sz = i->osz;
	uint64_t lin = 0, d = ss_rmw_get(c, i, sz, &lin), s = reg_get(c, i->reg, sz);
	uint64_t r = ss_alu(c, 0, sz, d, s);
	reg_set(c, i->reg, sz, d);
	ss_rmw_set(c, i, sz, lin, r);
}

void ss_op_cbw(ss_cpu *c, const ss_insn *i)
{
	unsigned sz = i->osz;
	reg_set(c, SS_RAX, sz, sext(reg_get(c, SS_RAX, sz - 1), sz - 1));
}

void ss_op_cwd(ss_cpu *c, const ss_insn *i)
{
	unsigned sz = i->osz;
	uint64_t a = reg_get(c, SS_RAX, sz);
	reg_set(c, SS_RDX, sz, (a >> ((8u << sz) - 1)) & 1 ? ~0ull : 0);
}

void ss_op_xlat(ss_cpu *c, const ss_insn *i)
{
	uint64_t off = c->r.gpr[SS_RBX] + (c->r.gpr[SS_RAX] & 0xff);
	off &= ss_size_mask[i->asz];
	reg_set(c, SS_RAX, 0, ss_lin_read(c, lin_of(c, i->seg, off), 1, SS_CPU_ACC_READ));
}

void ss_op_sahf(ss_cpu *c, const ss_insn *i)
{
	(void)i;
	uint64_t ah = (c->r.gpr[SS_RAX] >> 8) & 0xff;
	flags_eager(c, F_SF | F_ZF | F_AF | F_PF | F_CF, ah);
}

void ss_op_lahf(ss_cpu *c, const ss_insn *i)
{
	(void)i;
	uint64_t f = (ss_flags_get(c) & (F_SF | F_ZF | F_AF | F_PF | F_CF)) | 2;
	reg_set(c, 16, 0, f); /* AH */
}

void ss_op_flagop(ss_cpu *c, const ss_insn *i)
{
	switch (i->aux) {
	case 0: flags_eager(c, F_CF, ss_cf(c) ? 0 : F_CF); break;
	case 1: flags_eager(c, F_CF, 0); break;
	case 2: flags_eager(c, F_CF, F_CF); break;
	case 5: c->r.rflags &= ~(uint64_t)F_DF; break;
	default: c->r.rflags |= F_DF; break;
	}
}

/* Fast forms chosen by the decoder (ss_specialize). */
void ss_op_mov_rr64(ss_cpu *c, const ss_insn *i)
{
	c->r.gpr[i->rm] = c->r.gpr[i->reg];
}

void ss_op_mov_load64(ss_cpu *c, const ss_insn *i)
{
	c->r.gpr[i->reg] = lin_read(c, mem_lin(c, i), 8);
}

void ss_op_mov_store64(ss_cpu *c, const ss_insn *i)
{
	lin_write(c, mem_lin(c, i), 8, c->r.gpr[i->reg]);
}

void ss_op_lea64(ss_cpu *c, const ss_insn *i)
{
	c->r.gpr[i->reg] = ea_of(c, i);
}

/* The same with the address forms fixed at decode time: base + index * scale + disp, or base +
 * disp (64-bit address size, no RIP base). */
static inline uint64_t ea_bi(const ss_cpu *c, const ss_insn *i)
{
	return c->r.gpr[i->base] + (c->r.gpr[i->index] << i->scale) + (uint64_t)(int64_t)i->disp;
}

static inline uint64_t ea_b(const ss_cpu *c, const ss_insn *i)
{
	return c->r.gpr[i->base] + (uint64_t)(int64_t)i->disp;
}

void ss_op_mov_load64_bi(ss_cpu *c, const ss_insn *i)
{
	c->r.gpr[i->reg] = lin_read(c, lin_of(c, i->seg, ea_bi(c, i)), 8);
}

void ss_op_mov_store64_bi(ss_cpu *c, const ss_insn *i)
{
	lin_write(c, lin_of(c, i->seg, ea_bi(c, i)), 8, c->r.gpr[i->reg]);
}

void ss_op_mov_load64_b(ss_cpu *c, const ss_insn *i)
{
	c->r.gpr[i->reg] = lin_read(c, lin_of(c, i->seg, ea_b(c, i)), 8);
}

void ss_op_mov_store64_b(ss_cpu *c, const ss_insn *i)
{
	lin_write(c, lin_of(c, i->seg, ea_b(c, i)), 8, c->r.gpr[i->reg]);
}

void ss_op_lea64_bi(ss_cpu *c, const ss_insn *i)
{
	c->r.gpr[i->reg] = ea_bi(c, i);
}
