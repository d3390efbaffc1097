/* Integer ALU: ADD/OR/ADC/SBB/AND/SUB/XOR/CMP, TEST, NOT, NEG, INC/DEC, shifts and rotates
 * (including through carry) and SHLD/SHRD, with the flags of AMD APM vol. 3 ch. 3. */
#include "cpu/core.h"
#include "cpu/ops.h"

uint64_t ss_alu(ss_cpu *c, unsigned op, unsigned sz, uint64_t a, uint64_t b)
{
	uint64_t r;
	unsigned cin;
	switch (op) {
	case 0:
		r = a + b;
		lazy(c, LF_ADD, sz, a, b, r);
		break;
	case 1:
		r = a | b;
		lazy_logic(c, sz, r);
		break;
	case 2:
		cin = (unsigned)ss_cf(c);
		r = a + b + cin;
		lazy(c, LF_ADC, sz, a, b, r);
		c->lf_cin = (uint8_t)cin;
		break;
	case 3:
		cin = (unsigned)ss_cf(c);
		r = a - b - cin;
		lazy(c, LF_SBB, sz, a, b, r);
		c->lf_cin = (uint8_t)cin;
		break;
	case 4:
		r = a & b;
		lazy_logic(c, sz, r);
		break;
	case 5:
	case 7:
		r = a - b;
		lazy(c, LF_SUB, sz, a, b, r);
		break;
	default:
		r = a ^ b;
		lazy_logic(c, sz, r);
		break;
	}
	return r;
}

static inline void alu_rm(ss_cpu *c, const ss_insn *i, uint64_t b)
{
	unsigned sz = i->osz, op = i->aux;
	if (i->mod3) {
		uint64_t r = ss_alu(c, op, sz, reg_get(c, i->rm, sz), b);
		if (op != 7)
			reg_set(c, i->rm, sz, r);
		return;
	}
	uint64_t lin = mem_lin(c, i);
	if (op == 7) {
		ss_alu(c, op, sz, ss_lin_read(c, lin, 1u << sz, SS_CPU_ACC_READ), b);
		return;
	}
	uint64_t r = ss_alu(c, op, sz, ss_lin_read(c, lin, 1u << sz, SS_CPU_ACC_WRITE), b);
	ss_lin_write(c, lin, 1u << sz, r);
}

void ss_op_alu_rm_r(ss_cpu *c, const ss_insn *i)
{
	alu_rm(c, i, reg_get(c, i->reg, i->osz));
}

void ss_op_alu_rm_imm(ss_cpu *c, const ss_insn *i)
{
	alu_rm(c, i, i->imm & ss_size_mask[i->osz]);
}

void ss_op_alu_r_rm(ss_cpu *c, const ss_insn *i)
{
	unsigned sz = i->osz;
	uint64_t b = rm_get(c, i, sz);
	uint64_t r = ss_alu(c, i->aux, sz, reg_get(c, i->reg, sz), b);
	if (i->aux != 7)
		reg_set(c, i->reg, sz, r);
}

void ss_op_alu_acc_imm(ss_cpu *c, const ss_insn *i)
{
	unsigned sz = i->osz;
	uint64_t r = ss_alu(c, i->aux, sz, reg_get(c, SS_RAX, sz), i->imm & ss_size_mask[sz]);
	if (i->aux != 7)
		reg_set(c, SS_RAX, sz, r);
}

void ss_op_test_rm_r(ss_cpu *c, const ss_insn *i)
{
	ss_alu(c, 4, i->osz, rm_get(c, i, i->osz), reg_get(c, i->reg, i->osz));
}

void ss_op_test_rm_imm(ss_cpu *c, const ss_insn *i)
{
	ss_alu(c, 4, i->osz, rm_get(c, i, i->osz), i->imm);
}

void ss_op_test_acc_imm(ss_cpu *c, const ss_insn *i)
{
	ss_alu(c, 4, i->osz, reg_get(c, SS_RAX, i->osz), i->imm);
}

/* Read-modify-write helpers: the read checks write permission so the write cannot fault after
 * the flags have changed. */
uint64_t ss_rmw_get(ss_cpu *c, const ss_insn *i, unsigned sz, uint64_t *lin)
{
	if (i->mod3)
		return reg_get(c, i->rm, sz);
	*lin = mem_lin_n(c, i, 1u << sz, 1);
	return ss_lin_read(c, *lin, 1u << sz, SS_CPU_ACC_WRITE);
}

void ss_rmw_set(ss_cpu *c, const ss_insn *i, unsigned sz, uint64_t lin, uint64_t v)
{
	if (i->mod3)
		reg_set(c, i->rm, sz, v);
	else
		ss_lin_write(c, lin, 1u << sz, v);
}

void ss_op_not(ss_cpu *c, const ss_insn *i)
{
	uint64_t lin = 0, a = ss_rmw_get(c, i, i->osz, &lin);
	ss_rmw_set(c, i, i->osz, lin, ~a);
}

void ss_op_neg(ss_cpu *c, const ss_insn *i)
{
	uint64_t lin = 0, a = ss_rmw_get(c, i, i->osz, &lin);
	uint64_t r = ss_alu(c, 5, i->osz, 0, a);
	ss_rmw_set(c, i, i->osz, lin, r);
}

void ss_op_incdec(ss_cpu *c, const ss_insn *i)
{
	uint64_t lin = 0, a = ss_rmw_get(c, i, i->osz, &lin);
	uint64_t r = i->aux ? a - 1 : a + 1;
	uint8_t cf = (uint8_t)lf_cf(c); /* CF is preserved: carried in the new record */
	lazy(c, i->aux ? LF_DEC : LF_INC, i->osz, a, 1, r);
	c->lf_cin = cf;
	ss_rmw_set(c, i, i->osz, lin, r);
}

static inline uint64_t msb(uint64_t v, unsigned w)
{
	return (v >> (w - 1)) & 1;
}

/* Shifts and rotates. Count masked to 5 bits (6 with 64-bit operands); a zero masked count
 * changes nothing (APM vol. 3 "ROL", "RCL", "SHL", ...). OF is defined for 1-bit counts only. */
void ss_op_shift(ss_cpu *c, const ss_insn *i)
{
	unsigned sz = i->osz, w = 8u << sz, op = (i->modrm >> 3) & 7;
	uint64_t m = ss_size_mask[sz];
	unsigned n = i->aux == 0 ? 1 : i->aux == 1 ? (unsigned)c->r.gpr[SS_RCX] : (unsigned)i->imm;
	n &= sz == 3 ? 63 : 31;
	uint64_t lin = 0, a = ss_rmw_get(c, i, sz, &lin), r = a;
	if (n == 0) {
		ss_rmw_set(c, i, sz, lin, a);
		return;
	}
	uint64_t cf = 0, of = 0, setmask;
	switch (op) {
	case 0: { /* ROL */
		unsigned k = n % w;
		r = k ? ((a << k) | (a >> (w - k))) & m : a;
		cf = r & 1;
		of = msb(r, w) ^ cf;
		setmask = F_CF | F_OF;
		break;
	}
	case 1: { /* ROR */
		unsigned k = n % w;
		r = k ? ((a >> k) | (a << (w - k))) & m : a;
		cf = msb(r, w);
		of = msb(r, w) ^ msb(r, w - 1);
		setmask = F_CF | F_OF;
		break;
	}
	case 2: /* RCL: rotate the (w+1)-bit value CF:a */
	case 3: {
		unsigned k = sz == 0 ? n % 9 : sz == 1 ? n % 17 : n;
		uint64_t carry = (uint64_t)ss_cf(c);
		for (unsigned s = 0; s < k; s++) {
			if (op == 2) {
				uint64_t out = msb(r, w);
				r = ((r << 1) | carry) & m;
				carry = out;
			} else {
				uint64_t out = r & 1;
				r = (r >> 1) | (carry << (w - 1));
				carry = out;
			}
		}
		cf = carry;
		of = op == 2 ? msb(r, w) ^ carry : msb(r, w) ^ msb(r, w - 1);
		setmask = F_CF | F_OF;
		break;
	}
	case 4: /* SHL / SAL */
	case 6:
		r = n < w ? (a << n) & m : 0;
		cf = n <= w ? (a >> (w - n)) & 1 : 0;
		of = msb(r, w) ^ cf;
		setmask = F_ARITH;
		break;
	case 5: /* SHR */
		r = n < w ? a >> n : 0;
		cf = n <= w ? (a >> (n - 1)) & 1 : 0;
		of = msb(a, w);
		setmask = F_ARITH;
		break;
	default: { /* SAR */
		int64_t s = (int64_t)sext(a, sz);
		unsigned k = n < w ? n : w - 1;
		r = (uint64_t)(s >> k) & m;
		cf = (uint64_t)(s >> (n <= w ? n - 1 : w - 1)) & 1;
		of = 0;
		setmask = F_ARITH;
		break;
	}
	}
	uint64_t nf = (cf ? F_CF : 0) | (of ? F_OF : 0);
	if (setmask == F_ARITH)
		nf |= szp_flags(r, sz); /* AF undefined: AMD leaves it clear */
	ss_rmw_set(c, i, sz, lin, r);
	flags_eager(c, setmask, nf);
}

/* SHLD/SHRD: aux 0/1 = SHLD imm/CL, 2/3 = SHRD imm/CL. */
void ss_op_shxd(ss_cpu *c, const ss_insn *i)
{
	unsigned sz = i->osz, w = 8u << sz;
	uint64_t m = ss_size_mask[sz];
	unsigned n = (i->aux & 1) ? (unsigned)c->r.gpr[SS_RCX] : (unsigned)i->imm;
	n &= sz == 3 ? 63 : 31;
	uint64_t lin = 0, a = ss_rmw_get(c, i, sz, &lin), b = reg_get(c, i->reg, sz), r = a, cf;
	if (n == 0) {
		ss_rmw_set(c, i, sz, lin, a);
		return;
	}
	/* 16-bit operands with counts above 16 are undefined; shift bit by bit through a:b. */
	uint64_t x = a, y = b;
	cf = 0;
	for (unsigned s = 0; s < n; s++) {
		if (i->aux < 2) {
			cf = msb(x, w);
			x = ((x << 1) | msb(y, w)) & m;
			y = (y << 1) & m;
		} else {
			cf = x & 1;
			x = (x >> 1) | ((y & 1) << (w - 1));
			y >>= 1;
		}
	}
	r = x;
	uint64_t nf = (cf ? F_CF : 0) | ((msb(r, w) ^ msb(a, w)) ? F_OF : 0) | szp_flags(r, sz);
	ss_rmw_set(c, i, sz, lin, r);
	flags_eager(c, F_ARITH, nf);
}

/* Fast forms chosen by the decoder (ss_specialize) for the common register cases. */
void ss_op_alu_rr64(ss_cpu *c, const ss_insn *i)
{
	uint64_t r = ss_alu(c, i->aux, 3, c->r.gpr[i->rm], c->r.gpr[i->reg]);
	if (i->aux != 7)
		c->r.gpr[i->rm] = r;
}

void ss_op_alu_rr32(ss_cpu *c, const ss_insn *i)
{
	uint64_t r = ss_alu(c, i->aux, 2, (uint32_t)c->r.gpr[i->rm], (uint32_t)c->r.gpr[i->reg]);
	if (i->aux != 7)
		c->r.gpr[i->rm] = (uint32_t)r;
}

void ss_op_alu_ri64(ss_cpu *c, const ss_insn *i)
{
	uint64_t r = ss_alu(c, i->aux, 3, c->r.gpr[i->rm], i->imm);
	if (i->aux != 7)
		c->r.gpr[i->rm] = r;
}

void ss_op_alu_ri32(ss_cpu *c, const ss_insn *i)
{
	uint64_t r = ss_alu(c, i->aux, 2, (uint32_t)c->r.gpr[i->rm], (uint32_t)i->imm);
	if (i->aux != 7)
		c->r.gpr[i->rm] = (uint32_t)r;
}

void ss_op_incdec_r64(ss_cpu *c, const ss_insn *i)
{
	uint64_t a = c->r.gpr[i->rm], r = i->aux ? a - 1 : a + 1;
	uint8_t cf = (uint8_t)lf_cf(c);
	lazy(c, i->aux ? LF_DEC : LF_INC, 3, a, 1, r);
	c->lf_cin = cf;
	c->r.gpr[i->rm] = r;
}

/* One handler per ALU operation and register form, so the operation is a constant: no dispatch
 * on ss_insn.aux at run time (ADC/SBB keep the generic forms above). */
static inline __attribute__((always_inline)) uint64_t alu_const(ss_cpu *c, unsigned op, unsigned sz,
								uint64_t a, uint64_t b)
{
	uint64_t r;
	switch (op) {
	case 0:
		r = a + b;
		lazy(c, LF_ADD, sz, a, b, r);
		return r;
	case 1:
		r = a | b;
		lazy_logic(c, sz, r);
		return r;
	case 4:
		r = a & b;
		lazy_logic(c, sz, r);
		return r;
	case 6:
		r = a ^ b;
		lazy_logic(c, sz, r);
		return r;
	default:
		r = a - b;
		lazy(c, LF_SUB, sz, a, b, r);
		return r; /* SUB, CMP */
	}
}

#define ALU_FAST(op, nm)                                                                           \
	static void alu_##nm##_rr64(ss_cpu *c, const ss_insn *i)                                   \
	{                                                                                          \
		uint64_t r = alu_const(c, op, 3, c->r.gpr[i->rm], c->r.gpr[i->reg]);               \
		if (op != 7)                                                                       \
			c->r.gpr[i->rm] = r;                                                       \
	}                                                                                          \
	static void alu_##nm##_rr32(ss_cpu *c, const ss_insn *i)                                   \
	{                                                                                          \
		uint64_t r =                                                                       \
		    alu_const(c, op, 2, (uint32_t)c->r.gpr[i->rm], (uint32_t)c->r.gpr[i->reg]);    \
		if (op != 7)                                                                       \
			c->r.gpr[i->rm] = (uint32_t)r;                                             \
	}                                                                                          \
	static void alu_##nm##_ri64(ss_cpu *c, const ss_insn *i)                                   \
	{                                                                                          \
		uint64_t r = alu_const(c, op, 3, c->r.gpr[i->rm], i->imm);                         \
		if (op != 7)                                                                       \
			c->r.gpr[i->rm] = r;                                                       \
	}                                                                                          \
	static void alu_##nm##_ri32(ss_cpu *c, const ss_insn *i)                                   \
	{                                                                                          \
		uint64_t r = alu_const(c, op, 2, (uint32_t)c->r.gpr[i->rm], (uint32_t)i->imm);     \
		if (op != 7)                                                                       \
			c->r.gpr[i->rm] = (uint32_t)r;                                             \
	}
ALU_FAST(0, add)
ALU_FAST(1, or)
ALU_FAST(4, and)
ALU_FAST(5, sub)
ALU_FAST(6, xor)
ALU_FAST(7, cmp)
#undef ALU_FAST

#define ALU_FAST_ROW(nm)                                                                           \
	{                                                                                          \
		alu_##nm##_rr64, alu_##nm##_rr32, alu_##nm##_ri64, alu_##nm##_ri32                 \
	}
const ss_op_fn ss_alu_fast[8][4] = {
    [0] = ALU_FAST_ROW(add), [1] = ALU_FAST_ROW(or),  [4] = ALU_FAST_ROW(and),
    [5] = ALU_FAST_ROW(sub), [6] = ALU_FAST_ROW(xor), [7] = ALU_FAST_ROW(cmp),
};
#undef ALU_FAST_ROW

/* SHL/SHR/SAR (lazy: LF_SHIFT) and ROL/ROR of a 64-bit register by 1 or an immediate (the
 * decoder's fast forms); RCL/RCR stay with the generic handler. */
static inline void lazy_shift(ss_cpu *c, uint64_t r, uint64_t cf, uint64_t of)
{
	c->lf_op = LF_SHIFT;
	c->lf_sz = 3;
	c->lf_res = r;
	c->lf_cin = (uint8_t)cf;
	c->lf_b = of;
}

/* ROL/ROR change CF and OF only. */
void ss_op_rot_r64(ss_cpu *c, const ss_insn *i)
{
	unsigned n = (i->aux == 0 ? 1u : (unsigned)i->imm) & 63;
	uint64_t a = c->r.gpr[i->rm], r, cf, of;
	if (n == 0)
		return;
	if (((i->modrm >> 3) & 7) == 0) {
		r = (a << n) | (a >> ((64 - n) & 63));
		cf = r & 1;
		of = (r >> 63) ^ cf;
	} else {
		r = (a >> n) | (a << ((64 - n) & 63));
		cf = r >> 63;
		of = cf ^ ((r >> 62) & 1);
	}
	if (c->lf_op == LF_LOGIC || c->lf_op == LF_SHIFT) {
		/* SF ZF PF still follow lf_res and AF is clear: an LF_SHIFT record says so. */
		c->lf_op = LF_SHIFT;
		c->lf_cin = (uint8_t)cf;
		c->lf_b = of;
	} else {
		flags_eager(c, F_CF | F_OF, (cf ? F_CF : 0) | (of ? F_OF : 0));
	}
	c->r.gpr[i->rm] = r;
}

void ss_op_shift_r64(ss_cpu *c, const ss_insn *i)
{
	unsigned op = (i->modrm >> 3) & 7, n = (i->aux == 0 ? 1u : (unsigned)i->imm) & 63;
	uint64_t a = c->r.gpr[i->rm], r;
	if (n == 0)
		return;
	if (op == 5) {
		r = a >> n;
		lazy_shift(c, r, (a >> (n - 1)) & 1, a >> 63);
	} else if (op == 7) {
		r = (uint64_t)((int64_t)a >> n);
		lazy_shift(c, r, ((uint64_t)((int64_t)a >> (n - 1))) & 1, 0);
	} else { /* SHL, SAL */
		r = a << n;
		lazy_shift(c, r, (a >> (64 - n)) & 1, (r >> 63) ^ ((a >> (64 - n)) & 1));
	}
	c->r.gpr[i->rm] = r;
}
