/* Far transfers in every mode (APM vol. 2 §4.8-§4.12, §8.7-§8.9; vol. 3 "JMP (Far)", "CALL (Far)",
 * "RET (Far)", "IRET"): real mode loads CS with base = selector << 4; protected, compatibility and
 * 64-bit mode check the code-segment descriptor (#GP(sel), #NP(sel)), change privilege only
 * outward on RETF/IRET (with the outer SS:rSP from the stack) and inward through interrupt and
 * trap gates (the inner SS:ESP from the TSS). Call gates, task gates, task switches and
 * virtual-8086 mode leave the run loop with SS_CPU_EXIT_UNSUPPORTED naming what is missing. */
#include "cpu/core.h"
#include "cpu/ops.h"

static inline int realish(const ss_cpu *c)
{
	return c->mode == SS_MODE_REAL || c->mode == SS_MODE_VM86;
}

/* ---- the stack as seen by the current mode, without committing rSP ---- */

static inline uint64_t sp_mask(const ss_cpu *c)
{
	if (!c->legacy)
		return ~0ull;
	return (c->r.seg[SS_SEG_SS].attr & 0x400) ? 0xffffffffu : 0xffffu;
}

/* Linear address of the stack slot at rSP + k for an n-byte access. */
static uint64_t stack_lin(ss_cpu *c, uint64_t k, unsigned n, int write)
{
	uint64_t m = sp_mask(c), off = (c->r.gpr[SS_RSP] + k) & m;
	return c->legacy ? ss_seg_lin(c, SS_SEG_SS, off, n, write) : off;
}

static uint64_t stack_read(ss_cpu *c, uint64_t k, unsigned n)
{
	return ss_lin_read(c, stack_lin(c, k, n, 0), n, SS_CPU_ACC_READ);
}

static void sp_add(ss_cpu *c, uint64_t k)
{
	uint64_t m = sp_mask(c);
	c->r.gpr[SS_RSP] = (c->r.gpr[SS_RSP] & ~m) | ((c->r.gpr[SS_RSP] + k) & m);
}

/* Pushes count values of n bytes (v[0] first) after checking that every slot is writable. */
static void push_all(ss_cpu *c, const uint64_t *v, unsigned count, unsigned n)
{
	uint64_t total = (uint64_t)count * n;
	for (unsigned k = 1; k <= count; k++)
		ss_lin_probe_write(c, stack_lin(c, (uint64_t)0 - (uint64_t)k * n, n, 1), n);
	for (unsigned k = 0; k < count; k++)
		ss_lin_write(c, stack_lin(c, (uint64_t)0 - (uint64_t)(k + 1) * n, n, 1), n, v[k]);
	sp_add(c, (uint64_t)0 - total);
}

/* ---- code segments ---- */

static void real_cs(ss_cpu *c, uint16_t sel)
{
	c->r.seg[SS_SEG_CS].sel = sel;
	c->r.seg[SS_SEG_CS].base = (uint64_t)sel << 4;
}

/* Loads CS from descriptor d with RPL = cpl and switches to that privilege level. */
static void load_cs(ss_cpu *c, uint16_t sel, const uint8_t d[8], unsigned cpl)
{
	c->r.seg[SS_SEG_CS] = (ss_cpu_seg){(uint16_t)((sel & 0xfffc) | cpl), ss_desc_attr(d),
					   ss_desc_limit(d), ss_desc_base(d)};
	ss_set_cpl(c, cpl);
	ss_mode_update(c);
	c->brk = 1;
}

/* The target offset for code segment d: canonical for 64-bit code, else within the limit. */
static uint64_t check_target(ss_cpu *c, const uint8_t d[8], uint64_t off)
{
	if ((c->r.efer & EFER_LMA) && (d[6] & 0x20)) {
		if (!ss_canonical(c, off))
			RAISE_GP0(c);
		return off;
	}
	off &= 0xffffffffu;
	if (off > ss_desc_limit(d))
		RAISE_GP0(c);
	return off;
}

/* Reads and checks the code descriptor of a far JMP/CALL target (§4.11.1 direct transfers). */
static void far_target_desc(ss_cpu *c, uint16_t sel, uint8_t d[8])
{
	uint32_t esel = sel & 0xfffcu;
	if (!esel)
		RAISE_GP0(c);
	ss_read_desc(c, sel, d, EXC_GP);
	unsigned type = d[5] & 0x1f, dpl = (d[5] >> 5) & 3, rpl = sel & 3, cpl = c->r.cpl;
	if (!(type & 0x10)) {
		if (c->r.efer & EFER_LMA)
			ss_raise(c, EXC_GP, esel, 1); /* far_branch took the 64-bit call gates */
		ss_unsupported(c, "far JMP/CALL through a legacy call gate, task gate or TSS");
	}
	if ((type & 0x18) != 0x18)
		ss_raise(c, EXC_GP, esel, 1);
	if ((type & 4) ? dpl > cpl : (rpl > cpl || dpl != cpl))
		ss_raise(c, EXC_GP, esel, 1);
	if ((c->r.efer & EFER_LMA) && (d[6] & 0x20) && (d[6] & 0x40))
		ss_raise(c, EXC_GP, esel, 1); /* L = 1 with D = 1 */
	if (!(d[5] & 0x80))
		ss_raise(c, EXC_NP, esel, 1);
}

/* JMP/CALL through a 64-bit call gate (APM vol. 2 §4.11.2, §4.8.3): the 16-byte gate names a
 * 64-bit code segment and offset; a CALL to a more privileged non-conforming segment switches to
 * TSS.RSPn with a null SS and pushes SS, RSP, CS, RIP (8 bytes each, no parameters copied). */
static void far_gate64(ss_cpu *c, uint16_t gsel, const uint8_t g0[8], int call)
{
	uint32_t egsel = gsel & 0xfffcu;
	unsigned gdpl = (g0[5] >> 5) & 3, cpl = c->r.cpl;
	if ((g0[5] & 0x1f) != 0x0c)
		ss_raise(c, EXC_GP, egsel, 1); /* only call gates; no task gates in long mode */
	if (gdpl < cpl || gdpl < (gsel & 3u))
		ss_raise(c, EXC_GP, egsel, 1);
	if (!(g0[5] & 0x80))
		ss_raise(c, EXC_NP, egsel, 1);
	uint64_t tbase = (gsel & 4) ? c->r.ldtr.base : c->r.gdtr.base;
	uint32_t tlimit = (gsel & 4) ? c->r.ldtr.limit : c->r.gdtr.limit;
	if ((uint32_t)(gsel | 15u) > tlimit)
		ss_raise(c, EXC_GP, egsel, 1);
	uint8_t g1[8];
	ss_sys_read(c, tbase + (gsel & ~7u) + 8, g1, 8);
	if (g1[5] & 0x1f)
		ss_raise(c, EXC_GP, egsel, 1); /* the upper half's type must be 0 */
	uint16_t sel = (uint16_t)(g0[2] | (g0[3] << 8));
	uint64_t off = (uint64_t)(g0[0] | (g0[1] << 8)) | ((uint64_t)(g0[6] | (g0[7] << 8)) << 16) |
		       ((uint64_t)(g1[0] | (g1[1] << 8) | (g1[2] << 16)) << 32) |
		       ((uint64_t)g1[3] << 56);
	uint32_t esel = sel & 0xfffcu;
	if (!esel)
		RAISE_GP0(c);
	uint8_t d[8];
	ss_read_desc(c, sel, d, EXC_GP);
	unsigned type = d[5] & 0x1f, dpl = (d[5] >> 5) & 3;
	if ((type & 0x18) != 0x18 || !(d[6] & 0x20) || (d[6] & 0x40) || dpl > cpl)
		ss_raise(c, EXC_GP, esel, 1); /* a 64-bit code segment at or above this CPL */
	if (!call && !(type & 4) && dpl != cpl)
		ss_raise(c, EXC_GP, esel, 1); /* JMP never changes privilege */
	if (!(d[5] & 0x80))
		ss_raise(c, EXC_NP, esel, 1);
	if (!ss_canonical(c, off))
		RAISE_GP0(c);
	unsigned ncpl = (type & 4) ? cpl : dpl;
	uint64_t ret[4] = {c->r.seg[SS_SEG_SS].sel, c->r.gpr[SS_RSP], c->r.seg[SS_SEG_CS].sel,
			   c->r.rip};
	if (call && ncpl < cpl) {
		uint64_t rsp;
		if (4 + 8 * (uint64_t)ncpl + 7 > c->r.tr.limit)
			ss_raise(c, EXC_TS, c->r.tr.sel & 0xfffcu, 1);
		ss_sys_read(c, c->r.tr.base + 4 + 8 * (uint64_t)ncpl, &rsp, 8);
		if (!ss_canonical(c, rsp))
			ss_raise(c, EXC_SS, 0, 1);
		ss_set_cpl(c, ncpl);
		c->r.seg[SS_SEG_SS] = (ss_cpu_seg){(uint16_t)ncpl, 0, 0, 0};
		c->r.gpr[SS_RSP] = rsp;
		push_all(c, ret, 4, 8);
	} else if (call) {
		push_all(c, ret + 2, 2, 8);
	}
	load_cs(c, sel, d, ncpl);
	c->r.rip = off;
}

static void far_branch(ss_cpu *c, uint16_t sel, uint64_t off, unsigned osz, int call)
{
	unsigned n = 1u << osz;
	uint64_t ret[2] = {c->r.seg[SS_SEG_CS].sel, c->r.rip};
	if (realish(c)) {
		off &= ss_size_mask[osz];
		if (off > c->r.seg[SS_SEG_CS].limit)
			RAISE_GP0(c);
		if (call)
			push_all(c, ret, 2, n);
		real_cs(c, sel);
		c->r.rip = off;
		c->brk = 1;
		return;
	}
	uint8_t d[8];
	if ((c->r.efer & EFER_LMA) && (sel & 0xfffc)) {
		ss_read_desc(c, sel, d, EXC_GP);
		if (!(d[5] & 0x10)) {
			far_gate64(c, sel, d, call);
			return;
		}
	}
	far_target_desc(c, sel, d);
	if (!((c->r.efer & EFER_LMA) && (d[6] & 0x20)))
		off &= ss_size_mask[osz < 2 ? osz : 2];
	off = check_target(c, d, off);
	if (call)
		push_all(c, ret, 2, n);
	load_cs(c, sel, d, c->r.cpl);
	c->r.rip = off;
}

void ss_op_jmp_far(ss_cpu *c, const ss_insn *i)
{
	far_branch(c, i->imm2, i->imm, i->osz, 0);
}

void ss_op_call_far(ss_cpu *c, const ss_insn *i)
{
	far_branch(c, i->imm2, i->imm, i->osz, 1);
}

/* FF /3 and FF /5: the far pointer m16:16, m16:32 or m16:64 (offset first). */
void ss_op_far_ep(ss_cpu *c, const ss_insn *i)
{
	unsigned n = 1u << i->osz;
	uint64_t lin = mem_lin_n(c, i, n + 2, 0);
	uint64_t off = ss_lin_read(c, lin, n, SS_CPU_ACC_READ);
	uint16_t sel = (uint16_t)ss_lin_read(c, lin + n, 2, SS_CPU_ACC_READ);
	far_branch(c, sel, off, i->osz, i->aux);
}

/* Data segment registers the new, less privileged CPL may not use become null (§4.11.4). */
static void null_outer_segs(ss_cpu *c)
{
	static const unsigned segs[] = {SS_SEG_ES, SS_SEG_DS, SS_SEG_FS, SS_SEG_GS};
	for (unsigned k = 0; k < 4; k++) {
		ss_cpu_seg *s = &c->r.seg[segs[k]];
		unsigned type = s->attr & 0x1f, dpl = (s->attr >> 5) & 3;
		if ((type & 0x1c) != 0x1c && dpl < c->r.cpl) /* not conforming code */ {
			s->sel = 0;
			s->attr = 0;
		}
	}
}

/* Checks the code descriptor of a RETF/IRET target with RPL rpl (§4.11.3). */
static void ret_target_desc(ss_cpu *c, uint16_t sel, uint8_t d[8])
{
	uint32_t esel = sel & 0xfffcu;
	unsigned rpl = sel & 3;
	if (!esel)
		RAISE_GP0(c);
	ss_read_desc(c, sel, d, EXC_GP);
	unsigned type = d[5] & 0x1f, dpl = (d[5] >> 5) & 3;
	if ((type & 0x18) != 0x18 || rpl < c->r.cpl)
		ss_raise(c, EXC_GP, esel, 1);
	if ((type & 4) ? dpl > rpl : dpl != rpl)
		ss_raise(c, EXC_GP, esel, 1);
	if ((c->r.efer & EFER_LMA) && (d[6] & 0x20) && (d[6] & 0x40))
		ss_raise(c, EXC_GP, esel, 1);
	if (!(d[5] & 0x80))
		ss_raise(c, EXC_NP, esel, 1);
}

/* The outer stack of a return: SS loaded under the new CPL's rules, rSP set. */
static void load_outer_stack(ss_cpu *c, uint16_t ss, uint64_t sp)
{
	ss_load_seg(c, SS_SEG_SS, ss);
	if (c->legacy) {
		uint64_t m = sp_mask(c);
		c->r.gpr[SS_RSP] = (c->r.gpr[SS_RSP] & ~m) | (sp & m);
	} else {
		c->r.gpr[SS_RSP] = sp;
	}
}

void ss_op_retf(ss_cpu *c, const ss_insn *i)
{
	unsigned n = 1u << i->osz;
	uint64_t imm = i->imm & 0xffff;
	uint64_t off = stack_read(c, 0, n);
	uint16_t sel = (uint16_t)stack_read(c, n, n);
	if (realish(c)) {
		off &= ss_size_mask[i->osz];
		if (off > c->r.seg[SS_SEG_CS].limit)
			RAISE_GP0(c);
		sp_add(c, 2 * (uint64_t)n + imm);
		real_cs(c, sel);
		c->r.rip = off;
		c->brk = 1;
		return;
	}
	uint8_t d[8];
	ret_target_desc(c, sel, d);
	unsigned rpl = sel & 3;
	off = check_target(c, d, off);
	if (rpl == c->r.cpl) {
		sp_add(c, 2 * (uint64_t)n + imm);
		load_cs(c, sel, d, rpl);
		c->r.rip = off;
		return;
	}
	/* Return to an outer level: SS:rSP follow the return address and the parameters. */
	uint64_t nsp = stack_read(c, 2 * (uint64_t)n + imm, n);
	uint16_t nss = (uint16_t)stack_read(c, 3 * (uint64_t)n + imm, n);
	load_cs(c, sel, d, rpl);
	c->r.rip = off;
	load_outer_stack(c, nss, nsp + imm);
	null_outer_segs(c);
}

void ss_iret_other(ss_cpu *c, const ss_insn *i)
{
	unsigned n = 1u << i->osz;
	uint64_t old = ss_flags_get(c);
	unsigned cpl = c->r.cpl, iopl = (unsigned)((old >> 12) & 3);
	uint64_t off = stack_read(c, 0, n);
	uint16_t sel = (uint16_t)stack_read(c, n, n);
	uint64_t fl = stack_read(c, 2 * (uint64_t)n, n);
	if (realish(c)) {
		/* Real mode (§8.7.2): every flag IRET may change, VM/VIF/VIP kept. */
		uint64_t mask = n == 2 ? 0x7fd5u : 0x257fd5u;
		off &= ss_size_mask[i->osz];
		if (off > c->r.seg[SS_SEG_CS].limit)
			RAISE_GP0(c);
		sp_add(c, 3 * (uint64_t)n);
		real_cs(c, sel);
		c->r.rip = off;
		ss_flags_set(c, (old & ~mask) | (fl & mask) | 2);
		c->brk = 1;
		return;
	}
	int lma = (c->r.efer & EFER_LMA) != 0;
	if (old & F_NT) {
		if (lma)
			RAISE_GP0(c); /* no task switches in long mode */
		ss_unsupported(c, "IRET with RFLAGS.NT=1 (task return)");
	}
	if (!lma && n == 4 && (fl & F_VM) && cpl == 0)
		ss_unsupported(c, "IRET to virtual-8086 mode");
	uint8_t d[8];
	ret_target_desc(c, sel, d);
	unsigned rpl = sel & 3;
	off = check_target(c, d, off);
	/* Long mode always pops SS:rSP; protected mode only when returning outward. */
	int outer = lma || rpl != cpl;
	uint64_t nsp = 0;
	uint16_t nss = 0;
	if (outer) {
		nsp = stack_read(c, 3 * (uint64_t)n, n);
		nss = (uint16_t)stack_read(c, 4 * (uint64_t)n, n);
	}
	uint64_t mask = F_ARITH | F_TF | F_DF | F_NT;
	if (n >= 4)
		mask |= F_AC | F_ID | F_RF | F_VIF | F_VIP;
	if (cpl == 0)
		mask |= F_IOPL;
	if (cpl <= iopl)
		mask |= F_IF;
	if (n == 2)
		mask &= 0xffff;
	if (!outer)
		sp_add(c, 3 * (uint64_t)n);
	load_cs(c, sel, d, rpl);
	c->r.rip = off;
	ss_flags_set(c, (old & ~mask & ~(uint64_t)F_RF) | (fl & mask) | 2);
	ss_mode_update(c);
	if (outer) {
		load_outer_stack(c, nss, nsp);
		if (rpl != cpl)
			null_outer_segs(c);
	}
}

/* ---- interrupts and exceptions outside long mode ---- */

static void deliver_real(ss_cpu *c, int vec, uint64_t ret_rip)
{
	/* Real mode (§8.7.2): the IVT entry is offset:segment, FLAGS, CS, IP are pushed. */
	if ((uint64_t)vec * 4 + 3 > c->r.idtr.limit)
		ss_raise(c, EXC_GP, (uint32_t)vec * 8 + 2, 1);
	uint8_t e[4];
	ss_sys_read(c, c->r.idtr.base + (uint64_t)vec * 4, e, 4);
	uint64_t fl = ss_flags_get(c);
	uint64_t frame[3] = {(fl | (c->dlv_rf ? F_RF : 0)) & 0xffff, c->r.seg[SS_SEG_CS].sel,
			     ret_rip & 0xffff};
	push_all(c, frame, 3, 2);
	ss_flags_set(c, fl & ~(uint64_t)(F_IF | F_TF | F_AC | F_RF));
	real_cs(c, (uint16_t)(e[2] | (e[3] << 8)));
	c->r.rip = (uint64_t)(e[0] | (e[1] << 8));
	c->brk = 1;
}

void ss_deliver_legacy(ss_cpu *c, int vec, int has_err, uint32_t err, int soft, uint64_t ret_rip)
{
	if (realish(c)) {
		if (c->mode == SS_MODE_VM86)
			ss_unsupported(c, "interrupt in virtual-8086 mode");
		deliver_real(c, vec, ret_rip);
		return;
	}
	/* Protected mode (§8.8): 8-byte gates in the IDT. */
	uint32_t ext = soft ? 0 : 1, gate_err = (uint32_t)vec * 8 + 2 + ext;
	if ((uint64_t)vec * 8 + 7 > c->r.idtr.limit)
		ss_raise(c, EXC_GP, gate_err, 1);
	uint8_t g[8];
	ss_sys_read(c, c->r.idtr.base + (uint64_t)vec * 8, g, 8);
	unsigned type = g[5] & 0x1f, dpl = (g[5] >> 5) & 3;
	if (type != 0x05 && type != 0x06 && type != 0x07 && type != 0x0E && type != 0x0F)
		ss_raise(c, EXC_GP, gate_err, 1);
	if (soft && dpl < c->r.cpl)
		ss_raise(c, EXC_GP, gate_err, 1);
	if (!(g[5] & 0x80))
		ss_raise(c, EXC_NP, gate_err, 1);
	if (type == 0x05)
		ss_unsupported(c, "interrupt through a task gate (task switch)");
	uint16_t sel = (uint16_t)(g[2] | (g[3] << 8));
	unsigned gsz = (type & 8) ? 4 : 2;
	uint64_t off =
	    (uint64_t)(g[0] | (g[1] << 8)) | (gsz == 4 ? (uint64_t)(g[6] | (g[7] << 8)) << 16 : 0);
	uint32_t esel = (sel & 0xfffcu) + ext;
	if ((sel & 0xfffc) == 0)
		ss_raise(c, EXC_GP, ext, 1);
	uint8_t d[8];
	ss_read_desc(c, sel, d, EXC_GP);
	unsigned dtype = d[5] & 0x1f, cdpl = (d[5] >> 5) & 3;
	if ((dtype & 0x18) != 0x18 || cdpl > c->r.cpl)
		ss_raise(c, EXC_GP, esel, 1);
	if (!(d[5] & 0x80))
		ss_raise(c, EXC_NP, esel, 1);
	unsigned ncpl = (dtype & 4) ? c->r.cpl : cdpl;
	if (off > ss_desc_limit(d))
		RAISE_GP0(c);

	uint64_t fl = ss_flags_get(c);
	uint64_t frame[6];
	unsigned nf = 0;
	if (ncpl < c->r.cpl) {
		/* Inner stack from the TSS: ESPn/SSn (32-bit TSS) or SPn/SSn (16-bit TSS). */
		int t32 = (c->r.tr.attr & 8) != 0;
		uint64_t at = t32 ? 4 + 8 * (uint64_t)ncpl : 2 + 4 * (uint64_t)ncpl;
		unsigned w = t32 ? 4 : 2;
		uint32_t tsel = c->r.tr.sel & 0xfffcu;
		if (at + w + 1 > c->r.tr.limit)
			ss_raise(c, EXC_TS, tsel + ext, 1);
		uint64_t nsp = 0;
		uint16_t nss = 0;
		ss_sys_read(c, c->r.tr.base + at, &nsp, w);
		ss_sys_read(c, c->r.tr.base + at + w, &nss, 2);
		if ((nss & 0xfffc) == 0)
			ss_raise(c, EXC_TS, ext, 1);
		uint8_t sd[8];
		ss_read_desc(c, nss, sd, EXC_TS);
		unsigned stype = sd[5] & 0x1f, sdpl = (sd[5] >> 5) & 3;
		if ((nss & 3) != ncpl || sdpl != ncpl || (stype & 0x1a) != 0x12)
			ss_raise(c, EXC_TS, (nss & 0xfffcu) + ext, 1);
		if (!(sd[5] & 0x80))
			ss_raise(c, EXC_SS, (nss & 0xfffcu) + ext, 1);
		uint64_t old_ss = c->r.seg[SS_SEG_SS].sel, old_sp = c->r.gpr[SS_RSP];
		frame[nf++] = old_ss;
		frame[nf++] = old_sp & (gsz == 4 ? 0xffffffffu : 0xffffu);
		/* Switch to the inner stack at the new CPL, then push as at the same level. */
		c->r.seg[SS_SEG_SS] =
		    (ss_cpu_seg){nss, ss_desc_attr(sd), ss_desc_limit(sd), ss_desc_base(sd)};
		c->r.gpr[SS_RSP] = nsp;
		ss_set_cpl(c, ncpl);
	}
	/* RF in the image of a fault (exception.c ss_deliver_event). */
	frame[nf++] = (fl | (c->dlv_rf ? F_RF : 0)) & (gsz == 4 ? 0xffffffffu : 0xffffu);
	frame[nf++] = c->r.seg[SS_SEG_CS].sel;
	frame[nf++] = ret_rip & (gsz == 4 ? 0xffffffffu : 0xffffu);
	if (has_err)
		frame[nf++] = err;
	push_all(c, frame, nf, gsz);
	uint64_t nfl = fl & ~(uint64_t)(F_TF | F_NT | F_RF | F_VM);
	if (!(type & 1))
		nfl &= ~(uint64_t)F_IF; /* interrupt gate */
	ss_flags_set(c, nfl);
	load_cs(c, sel, d, ncpl);
	c->r.rip = off;
}
