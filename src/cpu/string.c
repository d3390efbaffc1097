/* String instructions MOVS/CMPS/STOS/LODS/SCAS with REP/REPE/REPNE. A REP instruction runs in
 * chunks: after SS_REP_CHUNK iterations RIP is left on the instruction so interrupts and the
 * instruction budget are honoured; RCX/RSI/RDI always reflect the iterations done, so a fault in
 * the middle restarts correctly (APM vol. 3 "REP"), and so does the #DB trap of a data breakpoint
 * (debug.c), taken after the iteration that hit it. */
#include "cpu/core.h"
#include "cpu/ops.h"

#define SS_REP_CHUNK 4096

typedef struct strctx {
	uint64_t am; /* address mask (ECX/ESI/EDI with 0x67) */
	int64_t step;
} strctx;

static inline strctx str_setup(ss_cpu *c, const ss_insn *i)
{
	strctx s;
	s.am = ss_size_mask[i->asz];
	s.step = (c->r.rflags & F_DF) ? -(int64_t)(1u << i->osz) : (int64_t)(1u << i->osz);
	return s;
}

static inline uint64_t areg(const ss_cpu *c, const strctx *s, unsigned r)
{
	return c->r.gpr[r] & s->am;
}

static inline void aset(ss_cpu *c, const strctx *s, unsigned r, uint64_t v)
{
	if (s->am == ~0ull)
		c->r.gpr[r] = v;
	else if (s->am == 0xffffffffu)
		c->r.gpr[r] = v & s->am; /* 32-bit register write zero-extends */
	else
		c->r.gpr[r] = (c->r.gpr[r] & ~s->am) | (v & s->am); /* 16-bit keeps the rest */
}

static inline void advance(ss_cpu *c, const strctx *s, unsigned r)
{
	aset(c, s, r, areg(c, s, r) + (uint64_t)s->step);
}

/* One element of the operation; returns nonzero when a REPE/REPNE condition stops the loop. */
static int one(ss_cpu *c, const ss_insn *i, const strctx *s, int kind)
{
	unsigned n = 1u << i->osz;
	switch (kind) {
	case 0: { /* MOVS */
		uint64_t v = ss_lin_read(c, lin_of_n(c, i->seg, areg(c, s, SS_RSI), n, 0), n,
					 SS_CPU_ACC_READ);
		ss_lin_write(c, lin_of_n(c, SS_SEG_ES, areg(c, s, SS_RDI), n, 1), n, v);
		advance(c, s, SS_RSI);
		advance(c, s, SS_RDI);
		return 0;
	}
	case 1: { /* CMPS: flags of [RSI] - [RDI] */
		uint64_t a = ss_lin_read(c, lin_of_n(c, i->seg, areg(c, s, SS_RSI), n, 0), n,
					 SS_CPU_ACC_READ);
		uint64_t b = ss_lin_read(c, lin_of_n(c, SS_SEG_ES, areg(c, s, SS_RDI), n, 0), n,
					 SS_CPU_ACC_READ);
		ss_alu(c, 7, i->osz, a, b);
		advance(c, s, SS_RSI);
		advance(c, s, SS_RDI);
		return 1;
	}
	case 2: /* STOS */
		ss_lin_write(c, lin_of_n(c, SS_SEG_ES, areg(c, s, SS_RDI), n, 1), n,
			     reg_get(c, SS_RAX, i->osz));
		advance(c, s, SS_RDI);
		return 0;
	case 3: /* LODS */
		reg_set(c, SS_RAX, i->osz,
			ss_lin_read(c, lin_of_n(c, i->seg, areg(c, s, SS_RSI), n, 0), n,
				    SS_CPU_ACC_READ));
		advance(c, s, SS_RSI);
		return 0;
	default: { /* SCAS: flags of rAX - [RDI] */
		uint64_t b = ss_lin_read(c, lin_of_n(c, SS_SEG_ES, areg(c, s, SS_RDI), n, 0), n,
					 SS_CPU_ACC_READ);
		ss_alu(c, 7, i->osz, reg_get(c, SS_RAX, i->osz), b);
		advance(c, s, SS_RDI);
		return 1;
	}
	}
}

static void string_op(ss_cpu *c, const ss_insn *i, int kind)
{
	strctx s = str_setup(c, i);
	if (!i->rep) {
		one(c, i, &s, kind);
		return;
	}
	for (unsigned k = 0; k < SS_REP_CHUNK; k++) {
		if (areg(c, &s, SS_RCX) == 0)
			return;
		int cmp = one(c, i, &s, kind);
		aset(c, &s, SS_RCX, areg(c, &s, SS_RCX) - 1);
		/* F3 = REPE (stop when ZF=0), F2 = REPNE (stop when ZF=1); MOVS/STOS/LODS ignore.
		 */
		if (cmp && (i->rep == 3 ? !ss_zf(c) : ss_zf(c)))
			return;
		/* A data breakpoint hit: the #DB trap comes after this iteration (debug.c). */
		if (__builtin_expect(c->dbg_hit != 0, 0) && areg(c, &s, SS_RCX) != 0) {
			c->r.rip -= i->len;
			c->brk = 1;
			return;
		}
	}
	if (areg(c, &s, SS_RCX) != 0) {
		c->r.rip -= i->len; /* not finished: run the instruction again */
		c->brk = 1;
	}
}

void ss_op_movs(ss_cpu *c, const ss_insn *i)
{
	string_op(c, i, 0);
}
void ss_op_cmps(ss_cpu *c, const ss_insn *i)
{
	string_op(c, i, 1);
}
void ss_op_stos(ss_cpu *c, const ss_insn *i)
{
	string_op(c, i, 2);
}
void ss_op_lods(ss_cpu *c, const ss_insn *i)
{
	string_op(c, i, 3);
}
void ss_op_scas(ss_cpu *c, const ss_insn *i)
{
	string_op(c, i, 4);
}
