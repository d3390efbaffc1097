/* The x87 control instructions (FNINIT, FLDCW, FNSTCW, FNSTSW, FNCLEX, FWAIT), the MMX data moves
 * firmware uses (MOVD, MOVQ, PXOR, EMMS) and the state instructions FXSAVE, FXRSTOR, XSAVE,
 * XSAVEOPT, XRSTOR, LDMXCSR, STMXCSR (APM vol. 1 §4.6, §5, §6; vol. 2 §11.3-§11.5; vol. 3 and
 * vol. 5 instruction pages; Intel SDM vol. 1 ch. 13 for the XSAVE header rules). x87 arithmetic,
 * loads and stores and the other MMX instructions leave with SS_CPU_EXIT_UNSUPPORTED. */
#include "cpu/core.h"
#include "cpu/ops.h"

#include <softsev/abi/fxsave.h>

#define FSW_ES	0x0080u /* exception summary */
#define FSW_B	0x8000u /* busy (mirrors ES) */
#define FSW_TOP 0x3800u

void ss_fpu_reset(ss_cpu *c)
{
	memset(&c->r.fpu, 0, sizeof(c->r.fpu));
	c->r.fpu.fcw = 0x40;
	c->r.fpu.ftw = 0xff; /* tag word 0x5555: every register tagged zero */
	c->r.fpu.mxcsr = 0x1f80;
}

/* x87 instructions: #NM when CR0.EM or CR0.TS is set (APM vol. 2 §11.1.3 Table 11-1). */
static void x87_avail(ss_cpu *c)
{
	if (c->r.cr0 & (CR0_EM | CR0_TS))
		ss_raise(c, EXC_NM, 0, 0);
}

/* A waiting x87 or MMX instruction first reports an unmasked exception the status word holds
 * (FSW.ES): #MF with CR0.NE = 1 (APM vol. 1 §6.4.5). The external FERR# path is not modelled. */
static void x87_pending(ss_cpu *c)
{
	if (c->r.fpu.fsw & FSW_ES) {
		if (c->r.cr0 & CR0_NE)
			ss_raise(c, EXC_MF, 0, 0);
		ss_unsupported(c, "x87 exception reporting through FERR# (CR0.NE = 0)");
	}
}

/* ES and B follow the unmasked exception flags (bits 5:0 against FCW's masks). */
static void fsw_summary(ss_cpu *c)
{
	ss_cpu_fpu *f = &c->r.fpu;
	if (f->fsw & ~f->fcw & 0x3f)
		f->fsw |= FSW_ES | FSW_B;
	else
		f->fsw &= (uint16_t) ~(FSW_ES | FSW_B);
}

/* A loaded control word: reserved bits 7 and 15:13 read as 0, bit 6 as 1 (as this machine's CPU
 * does; test_cpu_sse compares). */
static uint16_t fcw_load(uint16_t v)
{
	return (uint16_t)((v & 0x1f3f) | 0x40);
}

static void fninit(ss_cpu_fpu *f)
{
	f->fcw = 0x37f;
	f->fsw = 0;
	f->ftw = 0;
	f->fop = 0;
	f->fip = f->fdp = 0;
}

void ss_op_fwait(ss_cpu *c, const ss_insn *i)
{
	(void)i;
	/* WAIT: #NM only when both CR0.MP and CR0.TS are set (APM vol. 2 §11.1.3). */
	if ((c->r.cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
		ss_raise(c, EXC_NM, 0, 0);
	x87_pending(c);
}

void ss_op_fldcw(ss_cpu *c, const ss_insn *i)
{
	x87_avail(c);
	x87_pending(c);
	uint16_t v = (uint16_t)ss_lin_read(c, mem_lin_n(c, i, 2, 0), 2, SS_CPU_ACC_READ);
	c->r.fpu.fcw = fcw_load(v);
	fsw_summary(c);
}

void ss_op_fnstcw(ss_cpu *c, const ss_insn *i)
{
	x87_avail(c);
	ss_lin_write(c, mem_lin_n(c, i, 2, 1), 2, c->r.fpu.fcw);
}

void ss_op_fnstsw(ss_cpu *c, const ss_insn *i)
{
	x87_avail(c);
	if (i->aux) {
		if (i->modrm != 0xE0)
			RAISE_UD(c); /* DF E1..E7 */
		reg_set(c, SS_RAX, 1, c->r.fpu.fsw);
	} else {
		ss_lin_write(c, mem_lin_n(c, i, 2, 1), 2, c->r.fpu.fsw);
	}
}

/* DB E0..E7: FENI / FDISI / FSETPM are no-ops since the 80387; FNCLEX, FNINIT. */
void ss_op_x87_db4(ss_cpu *c, const ss_insn *i)
{
	if (i->modrm > 0xE4)
		RAISE_UD(c);
	x87_avail(c);
	if (i->modrm == 0xE2)
		c->r.fpu.fsw &= (uint16_t) ~(0x00ffu | FSW_B); /* exception flags, SF, ES, B */
	else if (i->modrm == 0xE3)
		fninit(&c->r.fpu);
}

void ss_op_x87(ss_cpu *c, const ss_insn *i)
{
	(void)i;
	x87_avail(c);
	ss_unsupported(c, "x87 arithmetic, load and store instructions are not implemented (only "
			  "FNINIT, FLDCW, FNSTCW, FNSTSW, FNCLEX and FWAIT)");
}

/* ---- MMX (APM vol. 1 §5): #UD with CR0.EM, #NM with CR0.TS, then a pending x87 exception. After
 * the instruction the x87 stack top is 0 and every register is valid; MMn is the significand of
 * Rn with the exponent field all ones. ---- */
static void mmx_avail(ss_cpu *c)
{
	if (c->r.cr0 & CR0_EM)
		RAISE_UD(c);
	if (c->r.cr0 & CR0_TS)
		ss_raise(c, EXC_NM, 0, 0);
	x87_pending(c);
}

static void mmx_done(ss_cpu *c)
{
	c->r.fpu.fsw &= (uint16_t)~FSW_TOP;
	c->r.fpu.ftw = 0xff;
}

static void mm_set(ss_cpu *c, unsigned r, uint64_t v)
{
	c->r.fpu.st[r & 7].mant = v;
	c->r.fpu.st[r & 7].sexp = 0xffff;
}

static uint64_t mm_rm(ss_cpu *c, const ss_insn *i)
{
	if (i->mod3)
		return c->r.fpu.st[i->rm & 7].mant;
	return lin_read(c, mem_lin_n(c, i, 8, 0), 8);
}

void ss_op_emms(ss_cpu *c, const ss_insn *i)
{
	(void)i;
	mmx_avail(c);
	c->r.fpu.ftw = 0; /* every register empty, stack top 0 */
	c->r.fpu.fsw &= (uint16_t)~FSW_TOP;
}

void ss_op_mmx_movd(ss_cpu *c, const ss_insn *i)
{
	mmx_avail(c);
	unsigned sz = i->osz == 3 ? 3 : 2;
	if (i->aux == 0) {
		uint64_t v = rm_get(c, i, sz);
		mmx_done(c);
		mm_set(c, i->reg, v);
	} else {
		uint64_t v = c->r.fpu.st[i->reg & 7].mant;
		rm_set(c, i, sz, sz == 3 ? v : (uint32_t)v);
		mmx_done(c);
	}
}

void ss_op_mmx_movq(ss_cpu *c, const ss_insn *i)
{
	mmx_avail(c);
	if (i->aux == 0) {
		uint64_t v = mm_rm(c, i);
		mmx_done(c);
		mm_set(c, i->reg, v);
	} else {
		uint64_t v = c->r.fpu.st[i->reg & 7].mant;
		if (i->mod3)
			mm_set(c, i->rm, v);
		else
			lin_write(c, mem_lin_n(c, i, 8, 1), 8, v);
		mmx_done(c);
	}
}

void ss_op_mmx_pxor(ss_cpu *c, const ss_insn *i)
{
	mmx_avail(c);
	uint64_t v = mm_rm(c, i);
	mmx_done(c);
	mm_set(c, i->reg, c->r.fpu.st[i->reg & 7].mant ^ v);
}

void ss_op_mmx(ss_cpu *c, const ss_insn *i)
{
	(void)i;
	mmx_avail(c);
	ss_unsupported(c, "MMX instruction not implemented (only MOVD, MOVQ, PXOR and EMMS)");
}

/* ---- MXCSR ---- */
void ss_op_ldmxcsr(ss_cpu *c, const ss_insn *i)
{
	ss_sse_avail(c);
	uint32_t v = (uint32_t)ss_lin_read(c, mem_lin_n(c, i, 4, 0), 4, SS_CPU_ACC_READ);
	if (v & ~SS_MXCSR_MASK)
		RAISE_GP0(c);
	c->r.fpu.mxcsr = v;
}

void ss_op_stmxcsr(ss_cpu *c, const ss_insn *i)
{
	ss_sse_avail(c);
	ss_lin_write(c, mem_lin_n(c, i, 4, 1), 4, c->r.fpu.mxcsr);
}

/* ---- FXSAVE / XSAVE images ---- */

/* XMM registers a state instruction covers: XMM8-15 only in 64-bit mode. */
static unsigned xmm_count(const ss_cpu *c)
{
	return c->mode == SS_MODE_LONG64 ? 16 : 8;
}

static void img_x87(const ss_cpu *c, ss_fxsave *x, int w64)
{
	const ss_cpu_fpu *f = &c->r.fpu;
	unsigned top = (f->fsw >> 11) & 7;
	x->fcw = f->fcw;
	x->fsw = f->fsw;
	x->ftw = (uint8_t)f->ftw;
	x->rsvd5 = 0;
	x->fop = f->fop;
	if (w64) {
		x->ip.fip64 = f->fip;
		x->dp.fdp64 = f->fdp;
	} else {
		x->ip.s32.fip32 = (uint32_t)f->fip;
		x->ip.s32.fcs = 0;
		x->ip.s32.rsvd14 = 0;
		x->dp.s32.fdp32 = (uint32_t)f->fdp;
		x->dp.s32.fds = 0;
		x->dp.s32.rsvd22 = 0;
	}
	for (unsigned k = 0; k < 8; k++) {
		unsigned r = (top + k) & 7;
		memset(x->st[k], 0, 16);
		memcpy(x->st[k], &f->st[r].mant, 8);
		memcpy(x->st[k] + 8, &f->st[r].sexp, 2);
	}
}

static void load_x87(ss_cpu *c, const ss_fxsave *x, int w64)
{
	ss_cpu_fpu *f = &c->r.fpu;
	f->fcw = fcw_load(x->fcw);
	f->fsw = x->fsw;
	f->ftw = x->ftw;
	f->fop = x->fop & 0x7ff;
	f->fip = w64 ? x->ip.fip64 : x->ip.s32.fip32;
	f->fdp = w64 ? x->dp.fdp64 : x->dp.s32.fdp32;
	unsigned top = (f->fsw >> 11) & 7;
	for (unsigned k = 0; k < 8; k++) {
		unsigned r = (top + k) & 7;
		memcpy(&f->st[r].mant, x->st[k], 8);
		memcpy(&f->st[r].sexp, x->st[k] + 8, 2);
	}
}

/* Writes bytes [off, off + len) of the image (already probed writable) in 16-byte pieces. */
static void img_write(ss_cpu *c, uint64_t lin, const uint8_t *img, unsigned off, unsigned len)
{
	for (unsigned k = off; k < off + len; k += 16)
		ss_lin_write_buf(c, lin + k, img + k, off + len - k < 16 ? off + len - k : 16);
}

void ss_op_fxsave(ss_cpu *c, const ss_insn *i)
{
	x87_avail(c);
	uint64_t lin = mem_lin_n(c, i, 512, 1);
	if (lin & 15)
		RAISE_GP0(c);
	ss_lin_probe_write(c, lin, 512);
	union {
		ss_fxsave x;
		uint8_t b[512];
	} u;
	ss_lin_read_buf(c, lin, u.b, 512, SS_CPU_ACC_READ);
	img_x87(c, &u.x, i->osz == 3);
	unsigned end = 160;
	/* MXCSR and the XMM registers only with CR4.OSFXSR (APM vol. 2 §11.4.4.2). */
	if (c->r.cr4 & CR4_OSFXSR) {
		u.x.mxcsr = c->r.fpu.mxcsr;
		u.x.mxcsr_mask = SS_MXCSR_MASK;
		memcpy(u.x.xmm, c->r.fpu.xmm, 16 * xmm_count(c));
		end = 160 + 16 * xmm_count(c);
	}
	img_write(c, lin, u.b, 0, end);
}

void ss_op_fxrstor(ss_cpu *c, const ss_insn *i)
{
	x87_avail(c);
	uint64_t lin = mem_lin_n(c, i, 512, 0);
	if (lin & 15)
		RAISE_GP0(c);
	union {
		ss_fxsave x;
		uint8_t b[512];
	} u;
	ss_lin_read_buf(c, lin, u.b, 512, SS_CPU_ACC_READ);
	int sse = (c->r.cr4 & CR4_OSFXSR) != 0;
	if (sse && (u.x.mxcsr & ~SS_MXCSR_MASK))
		RAISE_GP0(c); /* reserved MXCSR bits */
	load_x87(c, &u.x, i->osz == 3);
	if (sse) {
		c->r.fpu.mxcsr = u.x.mxcsr;
		memcpy(c->r.fpu.xmm, u.x.xmm, 16 * xmm_count(c));
	}
}

/* XSAVE area checks shared by XSAVE and XRSTOR: #UD without CR4.OSXSAVE, #NM with CR0.TS, #GP(0)
 * unless 64-byte aligned (Intel SDM vol. 1 §13.7, §13.8; APM vol. 2 §11.5). */
static uint64_t xsave_begin(ss_cpu *c, const ss_insn *i, int write, uint64_t *rfbm)
{
	if (!(c->r.cr4 & CR4_OSXSAVE))
		RAISE_UD(c);
	if (c->r.cr0 & CR0_TS)
		ss_raise(c, EXC_NM, 0, 0);
	uint64_t lin = mem_lin_n(c, i, SS_XSAVE_AREA_SIZE, write);
	if (lin & 63)
		RAISE_GP0(c);
	*rfbm = c->r.xcr0 & ((c->r.gpr[SS_RDX] << 32) | (uint32_t)c->r.gpr[SS_RAX]);
	return lin;
}

/* XSAVE and XSAVEOPT (aux 1): components of RFBM = XCR0 AND EDX:EAX; XSTATE_BV gets 1 for each
 * (the processor may report a component in its initial state as in use; XSAVEOPT's optional
 * skipping of unmodified components is not done). The rest of the header is not written. */
void ss_op_xsave(ss_cpu *c, const ss_insn *i)
{
	uint64_t rfbm;
	uint64_t lin = xsave_begin(c, i, 1, &rfbm);
	ss_lin_probe_write(c, lin, SS_XSAVE_AREA_SIZE);
	union {
		struct {
			ss_fxsave x;
			ss_xsave_header h;
		} s;
		uint8_t b[SS_XSAVE_AREA_SIZE];
	} u;
	ss_lin_read_buf(c, lin, u.b, SS_XSAVE_AREA_SIZE, SS_CPU_ACC_READ);
	if (rfbm & 1) {
		img_x87(c, &u.s.x, i->osz == 3);
		img_write(c, lin, u.b, 0, 24);
		img_write(c, lin, u.b, 32, 128);
	}
	if (rfbm & 6) { /* MXCSR belongs to both the SSE and the AVX component */
		u.s.x.mxcsr = c->r.fpu.mxcsr;
		u.s.x.mxcsr_mask = SS_MXCSR_MASK;
		img_write(c, lin, u.b, 24, 8);
	}
	if (rfbm & 2) {
		memcpy(u.s.x.xmm, c->r.fpu.xmm, 16 * xmm_count(c));
		img_write(c, lin, u.b, 160, 16 * xmm_count(c));
	}
	u.s.h.xstate_bv = (u.s.h.xstate_bv & ~rfbm) | rfbm;
	img_write(c, lin, u.b, 512, 8);
}

void ss_op_xrstor(ss_cpu *c, const ss_insn *i)
{
	uint64_t rfbm;
	uint64_t lin = xsave_begin(c, i, 0, &rfbm);
	union {
		struct {
			ss_fxsave x;
			ss_xsave_header h;
		} s;
		uint8_t b[SS_XSAVE_AREA_SIZE];
	} u;
	ss_lin_read_buf(c, lin, u.b, SS_XSAVE_AREA_SIZE, SS_CPU_ACC_READ);
	/* Standard form only: XCOMP_BV (bit 63 = compacted, not offered) and the next 8 bytes must
	 * be zero, XSTATE_BV within XCR0, MXCSR without reserved bits (SDM vol. 1 §13.8). */
	if (u.s.h.xcomp_bv || u.s.h.rsvd[0] || (u.s.h.xstate_bv & ~c->r.xcr0))
		RAISE_GP0(c);
	if ((rfbm & 6) && (u.s.x.mxcsr & ~SS_MXCSR_MASK))
		RAISE_GP0(c);
	ss_cpu_fpu *f = &c->r.fpu;
	if (rfbm & 1) {
		if (u.s.h.xstate_bv & 1) {
			load_x87(c, &u.s.x, i->osz == 3);
		} else {
			fninit(f);
			for (unsigned k = 0; k < 8; k++)
				f->st[k].mant = f->st[k].sexp = 0;
		}
	}
	if (rfbm & 6)
		f->mxcsr = u.s.x.mxcsr;
	if (rfbm & 2) {
		if (u.s.h.xstate_bv & 2)
			memcpy(f->xmm, u.s.x.xmm, 16 * xmm_count(c));
		else
			memset(f->xmm, 0, 16 * xmm_count(c));
	}
}
