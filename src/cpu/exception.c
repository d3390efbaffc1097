/* Exceptions and interrupts in long mode: 16-byte IDT gates, privilege change through TSS.RSPn,
 * IST stacks, the 64-bit frame SS, RSP, RFLAGS, CS, RIP [, error code] (APM vol. 2 §8.9), and the
 * errors of a bad gate (#GP/#NP with the IDT bit set in the selector error code). */
#include "cpu/core.h"

_Noreturn void ss_raise(ss_cpu *c, int vec, uint32_t err, int has_err)
{
	c->exc_vec = (uint8_t)vec;
	c->exc_err = err;
	c->exc_has_err = (uint8_t)has_err;
	c->exc_rip = c->insn_rip;
	c->exc_rf = 1; /* every exception raised this way is a fault (see ss_deliver_event) */
	longjmp(c->jb, 1);
}

_Noreturn void ss_raise_db(ss_cpu *c, int fault)
{
	c->exc_vec = EXC_DB;
	c->exc_err = 0;
	c->exc_has_err = 0;
	c->exc_rip = c->insn_rip;
	c->exc_rf = (uint8_t)(fault != 0);
	longjmp(c->jb, 1);
}

_Noreturn void ss_raise_pf(ss_cpu *c, uint64_t lin, uint32_t err)
{
	c->exc_cr2 = lin;
	c->r.cr2 = lin;
	ss_raise(c, EXC_PF, err, 1);
}

void ss_set_cpl(ss_cpu *c, unsigned cpl)
{
	c->r.cpl = (uint8_t)cpl;
	c->fetch_vpn = ~0ull;
}

void ss_sys_read(ss_cpu *c, uint64_t lin, void *buf, unsigned n)
{
	/* Implicit supervisor access: CPL 0 for the checks, whatever the current CPL. */
	uint8_t cpl = c->r.cpl;
	c->r.cpl = 0;
	uint64_t fl = c->r.rflags;
	c->r.rflags &= ~(uint64_t)F_AC;
	uint8_t *p = buf, hit = c->dbg_hit; /* implicit: matches no data breakpoint (debug.c) */
	for (unsigned k = 0; k < n; k += 8) {
		unsigned m = n - k < 8 ? n - k : 8;
		uint64_t v = ss_lin_read(c, lin + k, m, SS_CPU_ACC_READ);
		memcpy(p + k, &v, m);
	}
	c->dbg_hit = hit;
	c->r.cpl = cpl;
	c->r.rflags = fl;
}

static int has_error_code(int vec)
{
	return vec == EXC_DF || (vec >= EXC_TS && vec <= EXC_PF) || vec == EXC_AC || vec == 21 ||
	       vec == EXC_VC;
}

/* RF in the RFLAGS image an event pushes: set for a fault-class exception other than an
 * instruction-breakpoint #DB, so that IRET back to the faulting instruction does not hit its
 * instruction breakpoint again (Intel SDM vol. 3 §17.3.1.1: "for any fault-class exception
 * except a debug exception generated in response to an instruction breakpoint, the value pushed
 * for RF is 1"; APM vol. 2 §13.1 describes RF's role for the restarted instruction). Traps,
 * interrupts, INT n/INT3/INTO and EVENTINJ push RFLAGS as it is. c->dlv_rf is set by the run
 * loop from exc_rf (ss_raise / ss_raise_db) for the one delivery it starts. */
static void deliver_done(ss_cpu *c, int vec)
{
	c->dlv_rf = 0;
	/* The frame pushes and descriptor reads were implicit accesses (debug.c). */
	c->dbg_hit = 0;
	/* Entering the #DB handler clears DR7.GD so the handler can use the debug registers
	 * (DR7.GD in APM vol. 2 §13.1.1; Intel SDM vol. 3 §17.2.4). */
	if (vec == EXC_DB)
		c->r.dr[7] &= ~0x2000ull;
}

void ss_deliver_event(ss_cpu *c, int vec, int has_err, uint32_t err, int soft, uint64_t ret_rip)
{
	c->dlv_seq++;
	if (!(c->r.efer & EFER_LMA)) {
		ss_deliver_legacy(c, vec, has_err, err, soft, ret_rip); /* far.c */
		deliver_done(c, vec);
		return;
	}
	uint32_t ext = soft ? 0 : 1;
	uint32_t gate_err = (uint32_t)vec * 8 + 2 + ext;
	if ((uint64_t)vec * 16 + 15 > c->r.idtr.limit)
		ss_raise(c, EXC_GP, gate_err, 1);
	uint8_t g[16];
	ss_sys_read(c, c->r.idtr.base + (uint64_t)vec * 16, g, 16);
	unsigned type = g[5] & 0xf, dpl = (g[5] >> 5) & 3, present = g[5] >> 7, ist = g[4] & 7;
	if (type != 0xE && type != 0xF)
		ss_raise(c, EXC_GP, gate_err, 1);
	if (soft && dpl < c->r.cpl)
		ss_raise(c, EXC_GP, gate_err, 1);
	if (!present)
		ss_raise(c, EXC_NP, gate_err, 1);
	uint16_t sel = (uint16_t)(g[2] | (g[3] << 8));
	uint64_t target = (uint64_t)g[0] | ((uint64_t)g[1] << 8) | ((uint64_t)g[6] << 16) |
			  ((uint64_t)g[7] << 24) | ((uint64_t)g[8] << 32) | ((uint64_t)g[9] << 40) |
			  ((uint64_t)g[10] << 48) | ((uint64_t)g[11] << 56);
	/* The target code segment: must be a present 64-bit code segment. */
	if ((sel & 0xfffc) == 0)
		ss_raise(c, EXC_GP, ext, 1);
	uint8_t d[8];
	if ((sel | 7u) > c->r.gdtr.limit || (sel & 4))
		ss_raise(c, EXC_GP, (sel & 0xfffcu) + ext, 1);
	ss_sys_read(c, c->r.gdtr.base + (sel & ~7u), d, 8);
	unsigned dtype = d[5] & 0x1f, cdpl = (d[5] >> 5) & 3;
	if ((dtype & 0x18) != 0x18 || !(d[6] & 0x20))
		ss_raise(c, EXC_GP, (sel & 0xfffcu) + ext, 1);
	if (!(d[5] & 0x80))
		ss_raise(c, EXC_NP, (sel & 0xfffcu) + ext, 1);
	unsigned conforming = (dtype & 4) != 0;
	unsigned ncpl = conforming ? c->r.cpl : cdpl;
	if (ncpl > c->r.cpl)
		ss_raise(c, EXC_GP, (sel & 0xfffcu) + ext, 1);

	uint64_t old_rsp = c->r.gpr[SS_RSP], old_ss = c->r.seg[SS_SEG_SS].sel;
	uint64_t old_fl = ss_flags_get(c) | (c->dlv_rf ? F_RF : 0);
	uint16_t old_cs = c->r.seg[SS_SEG_CS].sel;
	uint64_t rsp = old_rsp;
	if (ncpl < c->r.cpl || ist) {
		uint64_t off = ist ? 0x24 + 8 * (uint64_t)(ist - 1) : 4 + 8 * (uint64_t)ncpl;
		if (off + 7 > c->r.tr.limit)
			ss_raise(c, EXC_TS, (c->r.tr.sel & 0xfffcu) + ext, 1);
		ss_sys_read(c, c->r.tr.base + off, &rsp, 8);
	}
	rsp &= ~0xfull;
	uint64_t frame[6];
	unsigned nf = 0;
	if (has_err)
		frame[nf++] = err;
	frame[nf++] = ret_rip;
	frame[nf++] = old_cs;
	frame[nf++] = old_fl;
	frame[nf++] = old_rsp;
	frame[nf++] = old_ss;
	/* Pushes are supervisor accesses at the new CPL; nothing is committed if one faults. */
	uint8_t cpl0 = c->r.cpl;
	c->r.cpl = (uint8_t)ncpl;
	for (unsigned k = 0; k < nf; k++) {
		uint64_t a = rsp - 8 * (nf - k);
		ss_lin_probe_write(c, a, 8);
	}
	for (unsigned k = 0; k < nf; k++)
		ss_lin_write(c, rsp - 8 * (nf - k), 8, frame[k]);
	c->r.cpl = cpl0;

	if (ncpl < c->r.cpl)
		c->r.seg[SS_SEG_SS] = (ss_cpu_seg){(uint16_t)ncpl, 0, 0, 0};
	c->r.gpr[SS_RSP] = rsp - 8 * nf;
	c->r.seg[SS_SEG_CS].sel = (uint16_t)((sel & 0xfffc) | ncpl);
	c->r.seg[SS_SEG_CS].attr = (uint16_t)(d[5] | ((d[6] & 0xf0) << 4));
	uint64_t nfl = old_fl & ~(uint64_t)(F_TF | F_NT | F_RF | F_VM);
	if (type == 0xE)
		nfl &= ~(uint64_t)F_IF;
	ss_flags_set(c, nfl);
	ss_set_cpl(c, ncpl);
	ss_mode_update(c); /* from compatibility mode into 64-bit code */
	c->r.rip = target;
	c->brk = 1;
	deliver_done(c, vec);
	(void)has_error_code;
}
