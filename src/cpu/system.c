/* System instructions: privilege checks, control/debug registers, descriptor tables, segment
 * loads, SYSCALL/SYSRET, SWAPGS, INT/IRET, port I/O and the instructions whose semantics belong to
 * the caller (hooks). APM vol. 2 and vol. 3; the hooks are listed in include/softsev/cpu.h. */
#include "cpu/core.h"
#include "cpu/ops.h"

/* Instruction intercepts are checked after the simple exceptions (#UD, #GP for the CPL) and
 * before memory and operand exceptions (APM vol. 2 §15.9 "Instruction Intercepts"), so an
 * instruction's need_cpl0 comes before its ss_svm_icpt. */
static inline void need_cpl0(ss_cpu *c)
{
	if (c->r.cpl != 0)
		RAISE_GP0(c);
}

static inline unsigned iopl(ss_cpu *c)
{
	return (unsigned)((c->r.rflags >> 12) & 3);
}

void ss_op_cli(ss_cpu *c, const ss_insn *i)
{
	(void)i;
	if (c->r.cpl > iopl(c))
		RAISE_GP0(c);
	c->r.rflags &= ~(uint64_t)F_IF;
}

void ss_op_sti(ss_cpu *c, const ss_insn *i)
{
	(void)i;
	if (c->r.cpl > iopl(c))
		RAISE_GP0(c);
	if (!(c->r.rflags & F_IF))
		c->r.interrupt_shadow = 1;
	c->r.rflags |= F_IF;
	c->brk = 1;
}

void ss_op_hlt(ss_cpu *c, const ss_insn *i)
{
	(void)i;
	need_cpl0(c);
	ss_svm_icpt(c, 3, 24, 0x78, 0, 0);
	/* Something pending that can be taken right after the HLT wakes it at once (STI; HLT). */
	if (ss_ev_wakes_hlt(c)) {
		c->brk = 1;
		return;
	}
	c->halted = 1;
	ss_exit_after(c, SS_CPU_EXIT_HLT);
}

void ss_op_int_n(ss_cpu *c, const ss_insn *i)
{
	if (i->aux == 2)
		ss_svm_icpt(c, 4, 8, 0x88, 0, 0);
	else if (i->aux == 0)
		ss_svm_icpt(c, 3, 21, 0x75, i->imm & 0xff, 0);
	else /* INT3 raises #BP: the exception intercept applies, RIP on the INT3 (§3.3) */
		ss_svm_icpt(c, 2, EXC_BP, 0x40u + EXC_BP, 0, 0);
	int vec = i->aux == 0 ? (int)(i->imm & 0xff) : i->aux == 1 ? EXC_BP : EXC_DB;
	ss_deliver_event(c, vec, 0, 0, i->aux != 2, c->r.rip);
}

static void read_desc(ss_cpu *c, uint16_t sel, uint8_t d[8], int vec_on_bad)
{
	uint64_t base = (sel & 4) ? c->r.ldtr.base : c->r.gdtr.base;
	uint32_t limit = (sel & 4) ? c->r.ldtr.limit : c->r.gdtr.limit;
	if ((uint32_t)(sel | 7u) > limit)
		ss_raise(c, vec_on_bad, sel & 0xfffcu, 1);
	ss_sys_read(c, base + (sel & ~7u), d, 8);
}

static uint16_t desc_attr(const uint8_t d[8])
{
	return (uint16_t)(d[5] | ((d[6] & 0xf0) << 4));
}

static uint64_t desc_base(const uint8_t d[8])
{
	return (uint64_t)d[2] | ((uint64_t)d[3] << 8) | ((uint64_t)d[4] << 16) |
	       ((uint64_t)d[7] << 24);
}

static uint32_t desc_limit(const uint8_t d[8])
{
	uint32_t l = (uint32_t)d[0] | ((uint32_t)d[1] << 8) | ((uint32_t)(d[6] & 0xf) << 16);
	return (d[6] & 0x80) ? (l << 12) | 0xfff : l;
}

void ss_op_mov_rm_sreg(ss_cpu *c, const ss_insn *i)
{
	unsigned sr = (i->modrm >> 3) & 7;
	if (sr >= SS_SEG_COUNT)
		RAISE_UD(c);
	uint16_t v = c->r.seg[sr].sel;
	if (i->mod3)
		reg_set(c, i->rm, i->osz, v);
	else
		ss_lin_write(c, mem_lin(c, i), 2, v);
}

void ss_op_mov_sreg_rm(ss_cpu *c, const ss_insn *i)
{
	unsigned sr = (i->modrm >> 3) & 7;
	if (sr >= SS_SEG_COUNT || sr == SS_SEG_CS)
		RAISE_UD(c);
	ss_load_seg(c, sr, (uint16_t)rm_get(c, i, 1));
	if (sr == SS_SEG_SS) {
		/* Shadow for interrupts and #DB until the next instruction completes (§13.1). */
		c->r.interrupt_shadow = 1;
		c->shadow_movss = 1;
		c->shadow_armed = 0;
		c->brk = 1;
	}
}

void ss_op_iret(ss_cpu *c, const ss_insn *i)
{
	ss_svm_icpt(c, 3, 20, 0x74, 0, 0);
	if (c->legacy || i->osz != 3) {
		ss_iret_other(c, i); /* far.c: real, protected, compatibility; IRETD/IRETW */
		c->nmi_blocked = 0;
		return;
	}
	uint64_t sp = c->r.gpr[SS_RSP];
	uint64_t f[5];
	for (unsigned k = 0; k < 5; k++)
		f[k] = ss_lin_read(c, sp + 8 * k, 8, SS_CPU_ACC_READ);
	uint16_t cs = (uint16_t)f[1], ssel = (uint16_t)f[4];
	unsigned rpl = cs & 3;
	if ((cs & 0xfffc) == 0 || rpl < c->r.cpl)
		ss_raise(c, EXC_GP, cs & 0xfffcu, 1);
	uint8_t d[8];
	read_desc(c, cs, d, EXC_GP);
	if ((d[5] & 0x18) != 0x18)
		ss_raise(c, EXC_GP, cs & 0xfffcu, 1);
	if (!(d[5] & 0x80))
		ss_raise(c, EXC_NP, cs & 0xfffcu, 1);
	if (!(d[6] & 0x20)) {
		ss_iret_other(c, i); /* return to compatibility mode */
		c->nmi_blocked = 0;
		return;
	}
	if (!ss_canonical(c, f[0]))
		RAISE_GP0(c);
	uint64_t old = ss_flags_get(c);
	uint64_t mask = F_ARITH | F_TF | F_DF | F_NT | F_AC | F_ID | F_RF | F_VIF | F_VIP;
	if (c->r.cpl == 0)
		mask |= F_IOPL;
	if (c->r.cpl <= iopl(c))
		mask |= F_IF;
	ss_flags_set(c, (old & ~mask) | (f[2] & mask));
	c->r.seg[SS_SEG_CS] = (ss_cpu_seg){cs, desc_attr(d), desc_limit(d), 0};
	if (rpl != c->r.cpl && (ssel & 0xfffc) == 0)
		ss_raise(c, EXC_GP, 0, 1);
	ss_set_cpl(c, rpl);
	if ((ssel & 0xfffc) == 0)
		c->r.seg[SS_SEG_SS] = (ss_cpu_seg){ssel, 0, 0, 0};
	else
		ss_load_seg(c, SS_SEG_SS, ssel);
	c->r.gpr[SS_RSP] = f[3];
	c->r.rip = f[0];
	c->nmi_blocked = 0; /* IRET ends NMI blocking (APM vol. 2 §8.2.3) */
	c->brk = 1;
}

void ss_op_io(ss_cpu *c, const ss_insn *i)
{
	/* aux: 0 IN imm, 1 OUT imm, 2 IN DX, 3 OUT DX, 4 INS, 5 OUTS. Above IOPL the TSS I/O
	 * permission bitmap decides (APM vol. 2 §13.2.2-§13.2.4), before the IOIO intercept. */
	if (c->r.cpl > iopl(c))
		ss_io_perm(c,
			   (uint16_t)(i->aux < 2 ? (i->imm & 0xff) : (c->r.gpr[SS_RDX] & 0xffff)),
			   i->osz == 0	 ? 1u
			   : i->osz == 1 ? 2u
					 : 4u);
	ss_cpu_exit *x = c->exit;
	ss_svm_icpt_io(c, i, (uint16_t)(i->aux < 2 ? (i->imm & 0xff) : (c->r.gpr[SS_RDX] & 0xffff)),
		       i->osz == 0   ? 1u
		       : i->osz == 1 ? 2u
				     : 4u,
		       i->aux == 0 || i->aux == 2 || i->aux == 4, i->aux >= 4);
	x->io.port = (uint16_t)(i->aux < 2 ? (i->imm & 0xff) : (c->r.gpr[SS_RDX] & 0xffff));
	x->io.size = (uint8_t)(i->osz == 0 ? 1 : i->osz == 1 ? 2 : 4);
	x->io.in = (uint8_t)(i->aux == 0 || i->aux == 2 || i->aux == 4);
	x->io.string = (uint8_t)(i->aux >= 4);
	x->io.rep = (uint8_t)(i->rep != 0);
	/* I/O breakpoints: a trap once the host completes the instruction (ss_cpu_skip). */
	c->dbg_io = (uint8_t)ss_debug_io(c, x->io.port, x->io.size);
	ss_exit_insn(c, SS_CPU_EXIT_IO);
}

void ss_io_perm(ss_cpu *c, uint16_t port, unsigned size)
{
	/* The 64-bit TSS holds the bitmap's offset at 0x66; every bit of port..port+size-1 must be
	 * clear; the two bytes read must lie within the TSS limit, else #GP(0). */
	unsigned type = c->r.tr.attr & 0xf;
	if ((type != 0x9 && type != 0xB) || c->r.tr.limit < 0x67)
		RAISE_GP0(c);
	uint8_t b[2];
	ss_sys_read(c, c->r.tr.base + 0x66, b, 2);
	uint32_t at = ((uint32_t)b[0] | ((uint32_t)b[1] << 8)) + port / 8u;
	if (at + 1 > c->r.tr.limit)
		RAISE_GP0(c);
	ss_sys_read(c, c->r.tr.base + at, b, 2);
	unsigned bits = (unsigned)b[0] | ((unsigned)b[1] << 8);
	if ((bits >> (port & 7)) & ((1u << size) - 1))
		RAISE_GP0(c);
}

void ss_op_syscall(ss_cpu *c, const ss_insn *i)
{
	(void)i;
	if (!(c->r.efer & EFER_SCE))
		RAISE_UD(c);
	if (!(c->r.efer & EFER_LMA))
		ss_unsupported(c, "SYSCALL outside long mode (legacy STAR entry)");
	uint64_t fl = ss_flags_get(c);
	c->r.gpr[SS_RCX] = c->r.rip;
	c->r.gpr[11] = fl & ~(uint64_t)F_RF;
	uint16_t sel = (uint16_t)(c->r.star >> 32) & 0xfffc;
	c->r.seg[SS_SEG_CS] = (ss_cpu_seg){sel, 0x29b, 0xffffffffu, 0};
	c->r.seg[SS_SEG_SS] = (ss_cpu_seg){(uint16_t)(sel + 8), 0xc93, 0xffffffffu, 0};
	ss_flags_set(c, fl & ~(c->r.sfmask | F_RF));
	ss_set_cpl(c, 0);
	/* From compatibility mode the entry point is CSTAR (APM vol. 2 §6.1.1). */
	c->r.rip = c->mode == SS_MODE_LONG64 ? c->r.lstar : c->r.cstar;
	ss_mode_update(c);
	c->brk = 1;
}

void ss_op_sysret(ss_cpu *c, const ss_insn *i)
{
	if (!(c->r.efer & EFER_SCE))
		RAISE_UD(c);
	need_cpl0(c);
	if (c->mode != SS_MODE_LONG64)
		ss_unsupported(c, "SYSRET outside 64-bit mode");
	if (i->osz != 3)
		ss_unsupported(c, "SYSRET to compatibility mode");
	uint64_t t = c->r.gpr[SS_RCX];
	if (!ss_canonical(c, t))
		RAISE_GP0(c);
	uint16_t sel = (uint16_t)(c->r.star >> 48);
	c->r.seg[SS_SEG_CS] = (ss_cpu_seg){(uint16_t)((sel + 16) | 3), 0x2fb, 0xffffffffu, 0};
	/* AMD: SS.sel = STAR[63:48]+8 with RPL 3, attributes unchanged except DPL. */
	c->r.seg[SS_SEG_SS].sel = (uint16_t)((sel + 8) | 3);
	c->r.seg[SS_SEG_SS].attr = (uint16_t)(c->r.seg[SS_SEG_SS].attr | 0x60);
	ss_flags_set(c, (c->r.gpr[11] & 0x3c7fd7) | 2);
	ss_set_cpl(c, 3);
	c->r.rip = t;
	c->brk = 1;
}

void ss_op_swapgs(ss_cpu *c, const ss_insn *i)
{
	(void)i;
	need_cpl0(c);
	uint64_t t = c->r.seg[SS_SEG_GS].base;
	c->r.seg[SS_SEG_GS].base = c->r.kernel_gs_base;
	c->r.kernel_gs_base = t;
}

uint64_t ss_tsc(ss_cpu *c)
{
	/* Deterministic: the TSC counts retired instructions (DESIGN.md: runs are reproducible). */
	return icount_now(c) + c->r.tsc_offset;
}

void ss_op_rdtsc(ss_cpu *c, const ss_insn *i)
{
	(void)i;
	if ((c->r.cr4 & 0x4) && c->r.cpl)
		RAISE_GP0(c); /* CR4.TSD */
	ss_svm_icpt(c, 3, 14, 0x6E, 0, 0);
	uint64_t t = ss_tsc(c);
	c->r.gpr[SS_RAX] = (uint32_t)t;
	c->r.gpr[SS_RDX] = t >> 32;
}

void ss_op_rdtscp(ss_cpu *c, const ss_insn *i)
{
	ss_svm_icpt(c, 4, 7, 0x87, 0, 0);
	ss_op_rdtsc(c, i);
	c->r.gpr[SS_RCX] = (uint32_t)c->r.tsc_aux;
}

void ss_op_rdpmc(ss_cpu *c, const ss_insn *i)
{
	(void)i;
	if (c->r.cpl && !(c->r.cr4 & 0x100))
		RAISE_GP0(c); /* CR4.PCE */
	ss_svm_icpt(c, 3, 15, 0x6F, 0, 0);
	RAISE_GP0(c); /* no performance counters are modelled */
}

void ss_op_cpuid(ss_cpu *c, const ss_insn *i)
{
	(void)i;
	ss_svm_icpt(c, 3, 18, 0x72, 0, 0);
	uint32_t r[4];
	ss_cpuid(c, (uint32_t)c->r.gpr[SS_RAX], (uint32_t)c->r.gpr[SS_RCX], r);
	c->r.gpr[SS_RAX] = r[0];
	c->r.gpr[SS_RBX] = r[1];
	c->r.gpr[SS_RCX] = r[2];
	c->r.gpr[SS_RDX] = r[3];
}

void ss_op_rdmsr(ss_cpu *c, const ss_insn *i)
{
	(void)i;
	need_cpl0(c);
	uint64_t v;
	uint32_t msr = (uint32_t)c->r.gpr[SS_RCX];
	ss_svm_icpt_msr(c, msr, 0);
	if (ss_msr_read(c, msr, &v) < 0) {
		c->exit->msr = msr;
		c->exit->msr_write = 0;
		ss_exit_insn(c, SS_CPU_EXIT_MSR);
	}
	c->r.gpr[SS_RAX] = (uint32_t)v;
	c->r.gpr[SS_RDX] = v >> 32;
}

void ss_op_wrmsr(ss_cpu *c, const ss_insn *i)
{
	(void)i;
	need_cpl0(c);
	uint32_t msr = (uint32_t)c->r.gpr[SS_RCX];
	uint64_t v = (c->r.gpr[SS_RDX] << 32) | (uint32_t)c->r.gpr[SS_RAX];
	ss_svm_icpt_msr(c, msr, 1);
	int rc = ss_msr_write(c, msr, v);
	if (rc == -2)
		RAISE_GP0(c);
	if (rc < 0) {
		c->exit->msr = msr;
		c->exit->msr_write = 1;
		ss_exit_insn(c, SS_CPU_EXIT_MSR);
	}
	c->brk = 1;
}

void ss_op_mov_r_cr(ss_cpu *c, const ss_insn *i)
{
	need_cpl0(c);
	ss_svm_icpt(c, 0, i->reg & 15, 0x00u + (i->reg & 15), (1ull << 63) | i->rm, 0);
	uint64_t v;
	switch (i->reg) {
	case 0: v = c->r.cr0; break;
	case 2: v = c->r.cr2; break;
	case 3: v = c->r.cr3; break;
	case 4: v = c->r.cr4; break;
	case 8:
		if (!ss_vtpr_read(c, &v))
			v = c->r.cr8;
		break;
	default: RAISE_UD(c);
	}
	c->r.gpr[i->rm] = c->legacy ? (uint32_t)v : v;
}

void ss_op_mov_cr_r(ss_cpu *c, const ss_insn *i)
{
	need_cpl0(c);
	ss_svm_icpt(c, 0, 16 + (i->reg & 15), 0x10u + (i->reg & 15), (1ull << 63) | i->rm, 0);
	uint64_t v = c->legacy ? (uint32_t)c->r.gpr[i->rm] : c->r.gpr[i->rm];
	if (i->reg == 0 && ((v ^ c->r.cr0) & ~(CR0_TS | CR0_MP)))
		ss_svm_icpt(c, 3, 5, 0x65, (1ull << 63) | i->rm, 0); /* CR0_SEL_WRITE */
	switch (i->reg) {
	case 0:
		if ((v >> 32) || ((v & CR0_PG) && !(v & CR0_PE)))
			RAISE_GP0(c);
		ss_cr0_paging(c, v); /* modes.c: long-mode activation and deactivation */
		c->r.cr0 = v | CR0_ET;
		ss_mode_update(c);
		break;
	case 2: c->r.cr2 = v; break;
	case 3:
		if (v >> 52)
			RAISE_GP0(c);
		c->r.cr3 = v;
		break;
	case 4:
		/* Reserved bits (beyond those defined up to SMAP/PKE/CET) and clearing PAE in
		 * long mode fault; so does LA57 outside long mode (APM vol. 2 §3.1.3). */
		if ((v & CR4_LA57) && !(c->r.efer & EFER_LMA))
			RAISE_GP0(c);
		if ((v & ~0x3f77fffull) || ((c->r.efer & EFER_LMA) && !(v & CR4_PAE)))
			RAISE_GP0(c);
		if (((v ^ c->r.cr4) & CR4_LA57) && (c->r.efer & EFER_LMA))
			RAISE_GP0(c);
		c->r.cr4 = v;
		break;
	case 8:
		if (v >> 4)
			RAISE_GP0(c);
		if (!ss_vtpr_write(c, v)) /* V_INTR_MASKING: the guest's TPR is V_TPR */
			c->r.cr8 = v;
		break;
	default: RAISE_UD(c);
	}
	ss_cpu_flush_tlb(c);
	c->brk = 1;
}

/* DR7.GD (general detect): any MOV to or from a debug register is a #DB fault with DR6.BD,
 * RIP on the MOV (APM vol. 2 §13.1.1); the delivery clears GD (exception.c). Checked after the
 * CPL check, the DR intercept and the DR4/DR5 #UD, so a hypervisor intercepting DR accesses
 * sees them first (it emulates GD itself). */
static void general_detect(ss_cpu *c)
{
	if (c->r.dr[7] & 0x2000) {
		c->r.dr[6] |= 0x2000; /* BD */
		ss_raise_db(c, 1);
	}
}

void ss_op_mov_r_dr(ss_cpu *c, const ss_insn *i)
{
	need_cpl0(c);
	ss_svm_icpt(c, 1, i->reg & 15, 0x20u + (i->reg & 15), (1ull << 63) | i->rm, 0);
	unsigned r = i->reg;
	if (r > 7)
		RAISE_UD(c);
	if ((r == 4 || r == 5) && (c->r.cr4 & 0x8))
		RAISE_UD(c); /* CR4.DE */
	general_detect(c);
	if (r == 4 || r == 5)
		r += 2;
	c->r.gpr[i->rm] = c->legacy ? (uint32_t)c->r.dr[r] : c->r.dr[r];
}

void ss_op_mov_dr_r(ss_cpu *c, const ss_insn *i)
{
	need_cpl0(c);
	ss_svm_icpt(c, 1, 16 + (i->reg & 15), 0x30u + (i->reg & 15), (1ull << 63) | i->rm, 0);
	unsigned r = i->reg;
	uint64_t v = c->legacy ? (uint32_t)c->r.gpr[i->rm] : c->r.gpr[i->rm];
	if (r > 7)
		RAISE_UD(c);
	if ((r == 4 || r == 5) && (c->r.cr4 & 0x8))
		RAISE_UD(c);
	general_detect(c);
	if (r == 4 || r == 5)
		r += 2;
	if ((r == 6 || r == 7) && (v >> 32))
		RAISE_GP0(c);
	c->r.dr[r] = v;
	if (r == 7)
		ss_debug_sync(c); /* data breakpoints armed or disarmed */
	c->brk = 1;		  /* DR7 may have enabled breakpoints */
}

void ss_op_sdt(ss_cpu *c, const ss_insn *i)
{
	ss_svm_icpt(c, 3, i->aux ? 6 : 7, i->aux ? 0x66 : 0x67, 0, 0);
	const ss_cpu_dtr *t = i->aux ? &c->r.idtr : &c->r.gdtr;
	unsigned bn = c->legacy ? 4 : 8; /* SGDT/SIDT store a 32-bit base outside 64-bit mode */
	uint64_t lin = mem_lin_n(c, i, 2 + bn, 1);
	ss_lin_probe_write(c, lin, 2 + bn);
	ss_lin_write(c, lin, 2, t->limit);
	ss_lin_write(c, lin + 2, bn, t->base);
}

void ss_op_ldt(ss_cpu *c, const ss_insn *i)
{
	need_cpl0(c);
	ss_svm_icpt(c, 3, i->aux ? 10 : 11, i->aux ? 0x6A : 0x6B, 0, 0);
	/* Outside 64-bit mode the base is 32 bits, or 24 with a 16-bit operand size (APM LGDT). */
	unsigned bn = c->legacy ? 4 : 8;
	uint64_t lin = mem_lin_n(c, i, 2 + bn, 0);
	uint16_t limit = (uint16_t)ss_lin_read(c, lin, 2, SS_CPU_ACC_READ);
	uint64_t base = ss_lin_read(c, lin + 2, bn, SS_CPU_ACC_READ);
	if (c->legacy && i->osz == 1)
		base &= 0xffffffu;
	if (!ss_canonical(c, base))
		RAISE_GP0(c);
	ss_cpu_dtr *t = i->aux ? &c->r.idtr : &c->r.gdtr;
	t->limit = limit;
	t->base = base;
}

void ss_op_sldt_str(ss_cpu *c, const ss_insn *i)
{
	ss_svm_icpt(c, 3, i->aux ? 9 : 8, i->aux ? 0x69 : 0x68, 0, 0);
	uint16_t v = i->aux ? c->r.tr.sel : c->r.ldtr.sel;
	if (i->mod3)
		reg_set(c, i->rm, i->osz, v);
	else
		ss_lin_write(c, mem_lin(c, i), 2, v);
}

void ss_op_lldt_ltr(ss_cpu *c, const ss_insn *i)
{
	if (c->mode == SS_MODE_REAL || c->mode == SS_MODE_VM86)
		RAISE_UD(c); /* LLDT/LTR need protected mode */
	need_cpl0(c);
	ss_svm_icpt(c, 3, i->aux ? 13 : 12, i->aux ? 0x6D : 0x6C, 0, 0);
	uint16_t sel = (uint16_t)rm_get(c, i, 1);
	ss_cpu_seg *s = i->aux ? &c->r.tr : &c->r.ldtr;
	int lma = (c->r.efer & EFER_LMA) != 0;
	if ((sel & 0xfffc) == 0) {
		if (i->aux)
			RAISE_GP0(c); /* LTR with a null selector */
		s->sel = sel;
		s->attr = 0;
		return;
	}
	if (sel & 4)
		ss_raise(c, EXC_GP, sel & 0xfffcu, 1);
	if ((uint32_t)(sel | (lma ? 15u : 7u)) > c->r.gdtr.limit)
		ss_raise(c, EXC_GP, sel & 0xfffcu, 1);
	uint8_t d[16] = {0};
	uint64_t at = c->r.gdtr.base + (sel & ~7u);
	ss_sys_read(c, at, d, lma ? 16 : 8);
	unsigned type = d[5] & 0x1f;
	/* System descriptors: LDT type 2, available TSS type 9 (64-bit in long mode, 32-bit
	 * otherwise) or, outside long mode, an available 16-bit TSS type 1. */
	if (i->aux ? !(type == 0x09u || (!lma && type == 0x01u)) : type != 0x02u)
		ss_raise(c, EXC_GP, sel & 0xfffcu, 1);
	if (!(d[5] & 0x80))
		ss_raise(c, EXC_NP, sel & 0xfffcu, 1);
	s->sel = sel;
	s->attr = desc_attr(d);
	s->limit = desc_limit(d);
	s->base = desc_base(d) |
		  ((uint64_t)(d[8] | (d[9] << 8) | (d[10] << 16) | ((uint32_t)d[11] << 24)) << 32);
	if (i->aux) {
		/* Mark the TSS busy in the GDT (type 0xB). */
		uint8_t cpl = c->r.cpl, hit = c->dbg_hit; /* implicit: no data breakpoint */
		c->r.cpl = 0;
		ss_lin_write(c, at + 5, 1, d[5] | 2);
		c->dbg_hit = hit;
		c->r.cpl = cpl;
		s->attr |= 2;
	}
}

void ss_op_smsw(ss_cpu *c, const ss_insn *i)
{
	/* A CR0 read for the intercepts; decode assist: exit_info_1 bit 63 clear (§3.3). */
	ss_svm_icpt(c, 0, 0, 0x00, 0, 0);
	if (i->mod3)
		reg_set(c, i->rm, i->osz, c->r.cr0 & ss_size_mask[i->osz]);
	else
		ss_lin_write(c, mem_lin(c, i), 2, c->r.cr0 & 0xffff);
}

void ss_op_lmsw(ss_cpu *c, const ss_insn *i)
{
	need_cpl0(c);
	uint64_t v = rm_get(c, i, 1);
	/* Only PE, MP, EM, TS; PE can be set but not cleared. */
	uint64_t n = (c->r.cr0 & ~0xeull) | (v & 0xf) | (c->r.cr0 & 1);
	ss_svm_icpt(c, 0, 16, 0x10, 0, 0);
	if ((n ^ c->r.cr0) & ~(CR0_TS | CR0_MP))
		ss_svm_icpt(c, 3, 5, 0x65, 0, 0); /* CR0_SEL_WRITE */
	c->r.cr0 = n;
	ss_mode_update(c); /* LMSW may enter protected mode */
	c->brk = 1;
}

void ss_op_clts(ss_cpu *c, const ss_insn *i)
{
	(void)i;
	need_cpl0(c);
	ss_svm_icpt(c, 0, 16, 0x10, 0, 0);
	c->r.cr0 &= ~CR0_TS;
}

void ss_op_invlpg(ss_cpu *c, const ss_insn *i)
{
	need_cpl0(c);
	ss_svm_icpt(c, 3, 25, 0x79, mem_lin(c, i), 0);
	ss_tlb_flush_page(c, mem_lin(c, i));
	c->brk = 1;
}

void ss_op_wbinvd(ss_cpu *c, const ss_insn *i)
{
	(void)i;
	need_cpl0(c);
	ss_svm_icpt(c, i->aux ? 3 : 4, i->aux ? 22 : 9, i->aux ? 0x76 : 0x89, 0, 0);
}

void ss_op_clflush(ss_cpu *c, const ss_insn *i)
{
	ss_lin_read(c, mem_lin(c, i), 1, SS_CPU_ACC_READ); /* faults like a byte load */
}

void ss_op_xgetbv(ss_cpu *c, const ss_insn *i)
{
	(void)i;
	if (!(c->r.cr4 & CR4_OSXSAVE))
		RAISE_UD(c);
	if ((uint32_t)c->r.gpr[SS_RCX] != 0)
		RAISE_GP0(c);
	c->r.gpr[SS_RAX] = (uint32_t)c->r.xcr0;
	c->r.gpr[SS_RDX] = c->r.xcr0 >> 32;
}

void ss_op_xsetbv(ss_cpu *c, const ss_insn *i)
{
	(void)i;
	if (!(c->r.cr4 & CR4_OSXSAVE))
		RAISE_UD(c);
	need_cpl0(c);
	ss_svm_icpt(c, 4, 13, 0x8D, 0, 0);
	uint64_t v = (c->r.gpr[SS_RDX] << 32) | (uint32_t)c->r.gpr[SS_RAX];
	/* XCR0: x87 (bit 0) must be set; only x87 and SSE state are offered by the CPUID model. */
	if ((uint32_t)c->r.gpr[SS_RCX] != 0 || !(v & 1) || (v & ~3ull))
		RAISE_GP0(c);
	c->r.xcr0 = v;
}

void ss_op_stac_clac(ss_cpu *c, const ss_insn *i)
{
	if (c->r.cpl != 0)
		RAISE_UD(c);
	if (i->aux)
		c->r.rflags |= F_AC;
	else
		c->r.rflags &= ~(uint64_t)F_AC;
}

/* PVALIDATE / RMPADJUST in a guest, applied by the memory model (cpu-svm-sev.md §8.4, §8.5):
 * RAX is translated as a data read, the answer sets EAX and CF (ZF, PF, AF, SF, OF cleared) or
 * faults. */
static void snp_insn(ss_cpu *c, int h)
{
	need_cpl0(c);
	ss_cpu_snp_op op = {
	    .hook = h, .rax = c->r.gpr[SS_RAX], .rcx = c->r.gpr[SS_RCX], .rdx = c->r.gpr[SS_RDX]};
	ss_cpu_access a;
	memset(&a, 0, sizeof(a));
	ss_xlat_data_acc(c, op.rax, &a);
	a.asid = c->asid;
	a.kind = SS_CPU_ACC_READ;
	a.cpl = c->r.cpl;
	a.vmpl = c->vmpl;
	ss_mem_answer(c, c->cfg.mem->snp_insn(c->cfg.mem_ctx, &a, &op), &a, SS_CPU_ACC_READ);
	c->r.gpr[SS_RAX] = op.eax;
	uint64_t fl = ss_flags_get(c) & ~(uint64_t)(F_CF | F_ZF | F_PF | F_AF | F_SF | F_OF);
	ss_flags_set(c, fl | (op.cf ? F_CF : 0));
}

/* RMPUPDATE / PSMASH executed by the host, applied by the memory model (cpu-svm-sev.md §8.6,
 * §8.7): RAX is a system-physical address; RMPUPDATE's new state is the 16-byte descriptor at
 * linear RCX, which the CPU reads. The result is EAX, with the flags as for PVALIDATE. */
static void host_snp_insn(ss_cpu *c, int h)
{
	need_cpl0(c);
	ss_cpu_snp_op op = {
	    .hook = h, .rax = c->r.gpr[SS_RAX], .rcx = c->r.gpr[SS_RCX], .rdx = c->r.gpr[SS_RDX]};
	if (h == SS_CPU_HOOK_RMPUPDATE)
		ss_lin_read_buf(c, op.rcx, op.desc, sizeof(op.desc), SS_CPU_ACC_READ);
	ss_cpu_access a;
	memset(&a, 0, sizeof(a));
	a.pa = a.gpa = op.rax;
	a.kind = SS_CPU_ACC_READ;
	a.cpl = c->r.cpl;
	ss_mem_answer(c, c->cfg.mem->snp_insn(c->cfg.mem_ctx, &a, &op), &a, SS_CPU_ACC_READ);
	c->r.gpr[SS_RAX] = op.eax;
	uint64_t fl = ss_flags_get(c) & ~(uint64_t)(F_CF | F_ZF | F_PF | F_AF | F_SF | F_OF);
	ss_flags_set(c, fl | (op.cf ? F_CF : 0));
}

void ss_op_hook(ss_cpu *c, const ss_insn *i)
{
	int h = i->aux;
	if (!c->guest && c->cfg.mem->snp_insn &&
	    (h == SS_CPU_HOOK_RMPUPDATE || h == SS_CPU_HOOK_PSMASH)) {
		host_snp_insn(c, h);
		return;
	}
	if (c->guest && c->cfg.mem->snp_insn &&
	    (h == SS_CPU_HOOK_PVALIDATE || h == SS_CPU_HOOK_RMPADJUST)) {
		snp_insn(c, h);
		return;
	}
	/* SVM instructions need EFER.SVME (APM vol. 2 §15.4) and CPL 0, checked before their
	 * intercepts. */
	if (h == SS_CPU_HOOK_VMRUN || h == SS_CPU_HOOK_VMLOAD || h == SS_CPU_HOOK_VMSAVE ||
	    h == SS_CPU_HOOK_STGI || h == SS_CPU_HOOK_CLGI || h == SS_CPU_HOOK_SKINIT ||
	    h == SS_CPU_HOOK_INVLPGA) {
		if (!(c->r.efer & EFER_SVME))
			RAISE_UD(c);
		need_cpl0(c);
	}
	if (c->guest) {
		/* VMGEXIT is an automatic exit for SEV-ES guests and VMMCALL otherwise (§3.2). */
		if (h == SS_CPU_HOOK_VMGEXIT && (c->nested_ctl & 4))
			ss_vmexit(c, 0x403, 0, 0);
		if (h == SS_CPU_HOOK_VMGEXIT || h == SS_CPU_HOOK_VMMCALL) {
			ss_svm_icpt(c, 4, 1, 0x81, 0, 0);
			RAISE_UD(c);
		}
		static const struct {
			int hook;
			unsigned bit;
		} svm_insn[] = {{SS_CPU_HOOK_VMRUN, 0},	 {SS_CPU_HOOK_VMLOAD, 2},
				{SS_CPU_HOOK_VMSAVE, 3}, {SS_CPU_HOOK_STGI, 4},
				{SS_CPU_HOOK_CLGI, 5},	 {SS_CPU_HOOK_SKINIT, 6}};
		for (unsigned k = 0; k < sizeof(svm_insn) / sizeof(svm_insn[0]); k++)
			if (svm_insn[k].hook == h)
				ss_svm_icpt(c, 4, svm_insn[k].bit, 0x80u + svm_insn[k].bit, 0, 0);
		if (h == SS_CPU_HOOK_INVLPGA)
			ss_svm_icpt(c, 3, 26, 0x7A, 0, 0);
	}
	/* Executed by the core (APM vol. 2 §15.5.2, §15.17). */
	switch (h) {
	case SS_CPU_HOOK_VMLOAD: ss_svm_vmload_vmsave(c, i, 0); return;
	case SS_CPU_HOOK_VMSAVE: ss_svm_vmload_vmsave(c, i, 1); return;
	case SS_CPU_HOOK_STGI:
	case SS_CPU_HOOK_CLGI:
		c->r.gif = h == SS_CPU_HOOK_STGI;
		c->brk = 1; /* a pending interrupt may now be taken */
		return;
	default: break;
	}
	c->exit->hook = h;
	ss_exit_insn(c, SS_CPU_EXIT_HOOK);
}
