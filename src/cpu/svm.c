/* SVM guest mode: VMRUN's consistency checks (one rule per line, STYLE.md item 7), the guest state
 * loaded from the VMCB save area or, for SEV-ES, from the VMSA; intercepts (CR/DR, exceptions,
 * instructions, IOIO through the IOPM, MSRs through the MSRPM); nested paging with #NPF; event
 * injection; and #VMEXIT writing the exit code and information back. Numbers: cpu-svm-sev.md §1
 * (VMCB), §2 (save areas), §3 (exit codes and exit information), §9.3 (VMRUN requirements). */
#include "cpu/core.h"

#include <softsev/abi/svm_exit.h>
#include <softsev/abi/vmcb.h>
#include <softsev/abi/vmsa.h>
#include <stdlib.h>

/* ---- physical access outside the run loop (no longjmp) ---- */

static int host_rw(ss_cpu *c, uint64_t pa, void *buf, size_t len, int write, uint32_t asid,
		   int cbit)
{
	for (size_t done = 0; done < len;) {
		size_t n = 4096 - ((pa + done) & 0xfff);
		if (n > len - done)
			n = len - done;
		/* With an ASID: the VMSA, read and written by the CPU with the guest's key. */
		ss_cpu_access a = {.pa = pa + done,
				   .gpa = pa + done,
				   .asid = asid,
				   .kind = (uint8_t)(asid    ? SS_CPU_ACC_VMSA
						     : write ? SS_CPU_ACC_WRITE
							     : SS_CPU_ACC_READ),
				   .c_bit = (uint8_t)cbit};
		int rc = write ? c->cfg.mem->write(c->cfg.mem_ctx, &a, (uint8_t *)buf + done, n)
			       : c->cfg.mem->read(c->cfg.mem_ctx, &a, (uint8_t *)buf + done, n);
		if (rc != SS_CPU_MEM_OK)
			return -1;
		done += n;
	}
	return 0;
}

/* ---- the VMCB as VMRUN and #VMEXIT see it ----
 * When the memory ops hand out the VMCB's page (ss_cpu_mem_ops.page, host memory: ASID 0, no
 * C-bit) VMRUN and #VMEXIT work on it in place; otherwise on a copy of the control and save
 * areas kept in the CPU (no allocation per round trip), written back by vmcb_unmap. */
#define VMCB_USED (SS_VMCB_SAVE_OFFSET + sizeof(ss_vmcb_save))

static ss_vmcb *vmcb_map(ss_cpu *c, uint64_t pa)
{
	if (c->cfg.mem->page) {
		ss_cpu_access a = {.pa = pa, .gpa = pa, .kind = SS_CPU_ACC_READ};
		uint8_t *r = c->cfg.mem->page(c->cfg.mem_ctx, &a);
		a.kind = SS_CPU_ACC_WRITE;
		if (r && r == c->cfg.mem->page(c->cfg.mem_ctx, &a))
			return (ss_vmcb *)(void *)r;
	}
	if (!c->vmcb_buf && !(c->vmcb_buf = malloc(sizeof(ss_vmcb))))
		return NULL;
	if (host_rw(c, pa, c->vmcb_buf, VMCB_USED, 0, 0, 0))
		return NULL;
	return c->vmcb_buf;
}

/* Writes a copy back (nothing to do for the page itself); returns 0 or -1. */
static int vmcb_unmap(ss_cpu *c, uint64_t pa, ss_vmcb *v)
{
	if (v != c->vmcb_buf)
		return 0;
	return host_rw(c, pa, v, VMCB_USED, 1, 0, 0);
}

/* ---- state transfer (the legacy save area and the VMSA share these offsets, §2.2) ---- */

static void seg_in(ss_cpu_seg *s, const ss_vmsa_segment *v)
{
	s->sel = v->selector;
	s->attr = v->attrib;
	s->limit = v->limit;
	s->base = v->base;
}

static void seg_out(ss_vmsa_segment *v, const ss_cpu_seg *s)
{
	v->selector = s->sel;
	v->attrib = s->attr;
	v->limit = s->limit;
	v->base = s->base;
}

#define STATE_LOAD(r, s)                                                                           \
	do {                                                                                       \
		seg_in(&(r)->seg[SS_SEG_ES], &(s)->es);                                            \
		seg_in(&(r)->seg[SS_SEG_CS], &(s)->cs);                                            \
		seg_in(&(r)->seg[SS_SEG_SS], &(s)->ss);                                            \
		seg_in(&(r)->seg[SS_SEG_DS], &(s)->ds);                                            \
		seg_in(&(r)->seg[SS_SEG_FS], &(s)->fs);                                            \
		seg_in(&(r)->seg[SS_SEG_GS], &(s)->gs);                                            \
		seg_in(&(r)->ldtr, &(s)->ldtr);                                                    \
		seg_in(&(r)->tr, &(s)->tr);                                                        \
		(r)->gdtr = (ss_cpu_dtr){(uint16_t)(s)->gdtr.limit, (s)->gdtr.base};               \
		(r)->idtr = (ss_cpu_dtr){(uint16_t)(s)->idtr.limit, (s)->idtr.base};               \
		(r)->cpl = (s)->cpl;                                                               \
		(r)->efer = (s)->efer;                                                             \
		(r)->cr0 = (s)->cr0;                                                               \
		(r)->cr2 = (s)->cr2;                                                               \
		(r)->cr3 = (s)->cr3;                                                               \
		(r)->cr4 = (s)->cr4;                                                               \
		(r)->dr[6] = (s)->dr6;                                                             \
		(r)->dr[7] = (s)->dr7;                                                             \
		(r)->rflags = (s)->rflags | 2;                                                     \
		(r)->rip = (s)->rip;                                                               \
		(r)->gpr[SS_RSP] = (s)->rsp;                                                       \
		(r)->gpr[SS_RAX] = (s)->rax;                                                       \
		(r)->star = (s)->star;                                                             \
		(r)->lstar = (s)->lstar;                                                           \
		(r)->cstar = (s)->cstar;                                                           \
		(r)->sfmask = (s)->sfmask;                                                         \
		(r)->kernel_gs_base = (s)->kernel_gs_base;                                         \
		(r)->sysenter_cs = (s)->sysenter_cs;                                               \
		(r)->sysenter_esp = (s)->sysenter_esp;                                             \
		(r)->sysenter_eip = (s)->sysenter_eip;                                             \
		(r)->pat = (s)->g_pat;                                                             \
	} while (0)

#define STATE_SAVE(s, r)                                                                           \
	do {                                                                                       \
		seg_out(&(s)->es, &(r)->seg[SS_SEG_ES]);                                           \
		seg_out(&(s)->cs, &(r)->seg[SS_SEG_CS]);                                           \
		seg_out(&(s)->ss, &(r)->seg[SS_SEG_SS]);                                           \
		seg_out(&(s)->ds, &(r)->seg[SS_SEG_DS]);                                           \
		seg_out(&(s)->fs, &(r)->seg[SS_SEG_FS]);                                           \
		seg_out(&(s)->gs, &(r)->seg[SS_SEG_GS]);                                           \
		seg_out(&(s)->ldtr, &(r)->ldtr);                                                   \
		seg_out(&(s)->tr, &(r)->tr);                                                       \
		(s)->gdtr.limit = (r)->gdtr.limit;                                                 \
		(s)->gdtr.base = (r)->gdtr.base;                                                   \
		(s)->idtr.limit = (r)->idtr.limit;                                                 \
		(s)->idtr.base = (r)->idtr.base;                                                   \
		(s)->cpl = (r)->cpl;                                                               \
		(s)->efer = (r)->efer;                                                             \
		(s)->cr0 = (r)->cr0;                                                               \
		(s)->cr2 = (r)->cr2;                                                               \
		(s)->cr3 = (r)->cr3;                                                               \
		(s)->cr4 = (r)->cr4;                                                               \
		(s)->dr6 = (r)->dr[6];                                                             \
		(s)->dr7 = (r)->dr[7];                                                             \
		(s)->rflags = (r)->rflags;                                                         \
		(s)->rip = (r)->rip;                                                               \
		(s)->rsp = (r)->gpr[SS_RSP];                                                       \
		(s)->rax = (r)->gpr[SS_RAX];                                                       \
		(s)->star = (r)->star;                                                             \
		(s)->lstar = (r)->lstar;                                                           \
		(s)->cstar = (r)->cstar;                                                           \
		(s)->sfmask = (r)->sfmask;                                                         \
		(s)->kernel_gs_base = (r)->kernel_gs_base;                                         \
		(s)->sysenter_cs = (r)->sysenter_cs;                                               \
		(s)->sysenter_esp = (r)->sysenter_esp;                                             \
		(s)->sysenter_eip = (r)->sysenter_eip;                                             \
		(s)->g_pat = (r)->pat;                                                             \
	} while (0)

/* ---- VMRUN consistency checks (APM vol. 2 §15.5.1 as gathered in cpu-svm-sev.md §9.3) ---- */

#define RULE(cond, name)                                                                           \
	do {                                                                                       \
		if (cond)                                                                          \
			return (name);                                                             \
	} while (0)

/* VMCB clean bits (cpu-svm-sev.md §1.5, KVM's groups). */
#define CLEAN_I	   (1u << 0) /* intercepts, TSC offset, pause filter */
#define CLEAN_IOPM (1u << 1) /* IOPM/MSRPM base */
#define CLEAN_ASID (1u << 2)
#define CLEAN_NP   (1u << 4) /* nCR3, gPAT */
#define CLEAN_CRX  (1u << 5) /* CR0, CR3, CR4, EFER */
#define CLEAN_DRX  (1u << 6) /* DR6, DR7 */
#define CLEAN_DT   (1u << 7) /* GDTR, IDTR */
#define CLEAN_SEG  (1u << 8) /* ES, CS, SS, DS, CPL */
#define CLEAN_CR2  (1u << 9)

/* Rules of a group marked clean are skipped (clean is 0 unless the cached state applies): its
 * state comes from the CPU's copy, which passed them at an earlier VMRUN or was produced by the
 * guest under the interpreter's own checks. */
static const char *vmrun_checks(ss_cpu *c, const ss_vmcb *v, const uint32_t sev[4], uint32_t clean)
{
	const ss_vmcb_control *k = &v->control;
	const ss_vmcb_save *s = &v->save;
	uint64_t maxpa = 1ull << 52;
	int lm_paging = (s->efer & EFER_LME) && (s->cr0 & CR0_PG);
	int cs_l = (s->cs.attrib >> 9) & 1, cs_d = (s->cs.attrib >> 10) & 1;
	unsigned ev_type = (k->event_inj >> 8) & 7, ev_vec = k->event_inj & 0xff;
	int crx = !(clean & CLEAN_CRX);
	RULE(!(clean & CLEAN_I) && !(k->intercept_misc2 & SS_ICPT4_VMRUN),
	     "VMRUN intercept bit clear");
	RULE(!(clean & CLEAN_ASID) && k->asid == 0, "guest ASID is 0");
	RULE(crx && !(s->efer & EFER_SVME), "guest EFER.SVME is 0");
	RULE(crx && (s->efer & ~0xfd01ull), "guest EFER reserved bits set");
	RULE(crx && !(s->cr0 & (1ull << 30)) && (s->cr0 & (1ull << 29)), "CR0.CD=0 with CR0.NW=1");
	RULE(crx && (s->cr0 >> 32), "CR0[63:32] not zero");
	RULE(crx && (s->cr3 >> 52), "CR3 reserved bits set");
	RULE(crx && (s->cr4 & ~0x3f77fffull), "CR4 reserved bits set");
	RULE(!(clean & CLEAN_DRX) && (s->dr6 >> 32), "DR6[63:32] not zero");
	RULE(!(clean & CLEAN_DRX) && (s->dr7 >> 32), "DR7[63:32] not zero");
	RULE(crx && lm_paging && !(s->cr4 & CR4_PAE), "EFER.LME and CR0.PG with CR4.PAE=0");
	RULE(crx && lm_paging && !(s->cr0 & CR0_PE), "EFER.LME and CR0.PG with CR0.PE=0");
	RULE((crx || !(clean & CLEAN_SEG)) && lm_paging && cs_l && cs_d,
	     "long mode with CS.L=1 and CS.D=1");
	RULE(!(clean & CLEAN_IOPM) && k->iopm_base_pa + 0x3000 > maxpa,
	     "IOPM_BASE_PA beyond the physical address space");
	RULE(!(clean & CLEAN_IOPM) && k->msrpm_base_pa + 0x2000 > maxpa,
	     "MSRPM_BASE_PA beyond the physical address space");
	RULE((k->event_inj & SS_EVTINJ_VALID) && (ev_type == 1 || ev_type >= 5),
	     "EVENTINJ type reserved");
	RULE((k->event_inj & SS_EVTINJ_VALID) && ev_type == 3 && (ev_vec == 2 || ev_vec > 31),
	     "EVENTINJ exception with vector 2 or above 31");
	RULE(!(clean & CLEAN_NP) && (k->nested_ctl & SS_NESTED_CTL_NP) && (k->nested_cr3 >> 52),
	     "nCR3 reserved bits set");
	/* SEV (§9.3): nested paging required, memory encryption enabled in SYSCFG, ASID range. */
	int sev_on = (k->nested_ctl & SS_NESTED_CTL_SEV) != 0;
	int es_on = (k->nested_ctl & SS_NESTED_CTL_SEV_ES) != 0;
	RULE(es_on && !sev_on, "SEV-ES enabled without SEV");
	RULE(sev_on && !(k->nested_ctl & SS_NESTED_CTL_NP), "SEV without nested paging");
	RULE(sev_on && !(c->r.syscfg & (1ull << 23)), "SEV with SYSCFG.MemEncryptionModEn=0");
	uint32_t asid = (clean & CLEAN_ASID) ? c->vc_asid : k->asid;
	RULE(sev_on && asid > sev[2], "SEV ASID above CPUID 8000001F ECX");
	RULE(sev_on && !es_on && asid < sev[3], "plain SEV ASID below the minimum (EDX)");
	RULE(es_on && asid >= sev[3], "SEV-ES ASID not below the SEV-only minimum (EDX)");
	RULE(es_on && (!k->vmsa_pa || (k->vmsa_pa & 0xfff)), "SEV-ES VMSA pointer 0 or unaligned");
	return NULL;
}

/* ---- decode assists, VMLOAD / VMSAVE ---- */

void ss_svm_insn_bytes(ss_cpu *c, uint64_t rip)
{
	/* The bytes from RIP to the end of its page (at most 15), read without faulting through the
	 * translation of the block being executed; none when RIP is outside it (the fault was the
	 * fetch itself) or the guest's state is SEV-ES protected. */
	c->vx_insn_len = 0;
	if ((c->nested_ctl & SS_NESTED_CTL_SEV_ES) || rip < c->blk_rip ||
	    (rip >> 12) != (c->blk_rip >> 12))
		return;
	unsigned n = 4096 - (unsigned)(rip & 0xfff);
	if (n > sizeof(c->vx_insn))
		n = sizeof(c->vx_insn);
	ss_cpu_access a = {.pa = c->blk_pa + (rip - c->blk_rip),
			   .gpa = c->blk_gpa + (rip - c->blk_rip),
			   .asid = c->asid,
			   .kind = SS_CPU_ACC_FETCH,
			   .c_bit = c->c_bit_default,
			   .cpl = c->r.cpl,
			   .vmpl = c->vmpl};
	if (c->cfg.mem->read(c->cfg.mem_ctx, &a, c->vx_insn, n) == SS_CPU_MEM_OK)
		c->vx_insn_len = (uint8_t)n;
}

void ss_svm_vmload_vmsave(ss_cpu *c, const ss_insn *i, int save)
{
	/* rAX: the VMCB's physical address, 4 KiB aligned (#GP otherwise); in a guest that does not
	 * intercept the instruction it is guest-physical, through the nested tables. */
	uint64_t gpa = i->asz == 2 ? (uint32_t)c->r.gpr[SS_RAX] : c->r.gpr[SS_RAX];
	if ((gpa & 0xfff) || (gpa >> 52))
		RAISE_GP0(c);
	uint64_t pa = c->guest && c->npt_on ? ss_npt_xlat(c, gpa, save, 0, 0) : gpa;
	ss_vmcb_save s;
	ss_phys_read_g(c, pa + SS_VMCB_SAVE_OFFSET, gpa + SS_VMCB_SAVE_OFFSET, &s, sizeof(s),
		       SS_CPU_ACC_READ);
	ss_cpu_regs *r = &c->r;
	if (!save) {
		seg_in(&r->seg[SS_SEG_FS], &s.fs);
		seg_in(&r->seg[SS_SEG_GS], &s.gs);
		seg_in(&r->tr, &s.tr);
		seg_in(&r->ldtr, &s.ldtr);
		r->kernel_gs_base = s.kernel_gs_base;
		r->star = s.star;
		r->lstar = s.lstar;
		r->cstar = s.cstar;
		r->sfmask = s.sfmask;
		r->sysenter_cs = s.sysenter_cs;
		r->sysenter_esp = s.sysenter_esp;
		r->sysenter_eip = s.sysenter_eip;
		return;
	}
	seg_out(&s.fs, &r->seg[SS_SEG_FS]);
	seg_out(&s.gs, &r->seg[SS_SEG_GS]);
	seg_out(&s.tr, &r->tr);
	seg_out(&s.ldtr, &r->ldtr);
	s.kernel_gs_base = r->kernel_gs_base;
	s.star = r->star;
	s.lstar = r->lstar;
	s.cstar = r->cstar;
	s.sfmask = r->sfmask;
	s.sysenter_cs = r->sysenter_cs;
	s.sysenter_esp = r->sysenter_esp;
	s.sysenter_eip = r->sysenter_eip;
	ss_phys_write_g(c, pa + SS_VMCB_SAVE_OFFSET, gpa + SS_VMCB_SAVE_OFFSET, &s, sizeof(s),
			SS_CPU_ACC_WRITE);
}

/* ---- #VMEXIT ---- */

_Noreturn void ss_vmexit(ss_cpu *c, uint64_t code, uint64_t info1, uint64_t info2)
{
	/* SEV-ES: non-automatic exits become #VC in the guest with the exit code (§3.2, §4). */
	if ((c->nested_ctl & SS_NESTED_CTL_SEV_ES) && !ss_svm_exit_is_automatic(code, info1))
		ss_raise(c, EXC_VC, (uint32_t)code, 1);
	c->vx_code = code;
	c->vx_info1 = info1;
	c->vx_info2 = info2;
	c->vx_nrip = c->cur ? c->insn_rip + c->cur->len : 0;
	c->vx_insn_len = 0;
	if (code == SS_SVM_EXIT_NPF)
		ss_svm_insn_bytes(c, c->insn_rip);
	/* Intercepts are fault-like; VMGEXIT is not re-executed: the guest resumes after it (§3.2),
	 * since under SEV-ES the hypervisor cannot move RIP. */
	if (!c->in_exc)
		c->r.rip = code == SS_SVM_EXIT_VMGEXIT ? c->vx_nrip : c->insn_rip;
	longjmp(c->jb, 3);
}

void ss_svm_icpt(ss_cpu *c, int word, unsigned bit, uint64_t code, uint64_t info1, uint64_t info2)
{
	if (c->guest && (c->icpt[word] & (1u << bit)))
		ss_vmexit(c, code, info1, info2);
}

void ss_svm_icpt_exception(ss_cpu *c)
{
	if (!c->guest || !(c->icpt[2] & (1u << c->exc_vec)))
		return;
	uint64_t i2 = c->exc_vec == EXC_PF ? c->exc_cr2 : 0;
	c->vx_code = 0x40u + c->exc_vec;
	c->vx_info1 = c->exc_has_err ? c->exc_err : 0;
	c->vx_info2 = i2;
	c->vx_nrip = 0;
	c->vx_insn_len = 0;
	if (c->exc_vec == EXC_PF)
		ss_svm_insn_bytes(c, c->r.rip);
	if ((c->nested_ctl & SS_NESTED_CTL_SEV_ES) && c->exc_vec != EXC_MC &&
	    c->exc_vec != EXC_VC) {
		/* Under SEV-ES an intercepted exception is an NAE: #VC with its exit code. */
		c->exc_err = 0x40u + c->exc_vec;
		c->exc_vec = EXC_VC;
		c->exc_has_err = 1;
		return;
	}
	longjmp(c->jb, 3);
}

void ss_svm_icpt_io(ss_cpu *c, const ss_insn *i, uint16_t port, unsigned size, int in, int str)
{
	if (!c->guest || !(c->icpt[3] & SS_ICPT3_IOIO_PROT))
		return;
	uint8_t bits[2];
	/* The permission maps are the hypervisor's memory: read as host memory (no guest key, no
	 * guest RMP check), like the nested tables. */
	ss_phys_read(c, c->iopm_pa + (port >> 3), bits, 2, SS_CPU_ACC_NPTW);
	unsigned all = (unsigned)bits[0] | ((unsigned)bits[1] << 8);
	if (!((all >> (port & 7)) & ((1u << size) - 1)))
		return;
	uint64_t info = (in ? SS_IOIO_TYPE_IN : 0) | (str ? SS_IOIO_STR : 0) |
			(i->rep ? SS_IOIO_REP : 0) |
			(size == 1   ? SS_IOIO_SZ8
			 : size == 2 ? SS_IOIO_SZ16
				     : SS_IOIO_SZ32) |
			(i->asz == 1   ? SS_IOIO_A16
			 : i->asz == 2 ? SS_IOIO_A32
				       : SS_IOIO_A64) |
			((uint64_t)(str ? (in ? SS_SEG_ES : i->seg) : 0) << SS_IOIO_SEG_SHIFT) |
			((uint64_t)port << SS_IOIO_PORT_SHIFT);
	ss_vmexit(c, SS_SVM_EXIT_IOIO, info, c->insn_rip + i->len);
}

void ss_svm_icpt_msr(ss_cpu *c, uint32_t msr, int write)
{
	if (!c->guest || !(c->icpt[3] & SS_ICPT3_MSR_PROT))
		return;
	uint64_t off;
	if (msr <= 0x1fff)
		off = 0;
	else if (msr >= 0xc0000000u && msr <= 0xc0001fffu)
		off = 0x800;
	else if (msr >= 0xc0010000u && msr <= 0xc0011fffu)
		off = 0x1000;
	else
		ss_vmexit(c, SS_SVM_EXIT_MSR, (uint64_t)write, 0); /* outside the map: always */
	uint64_t bit = (uint64_t)(msr & 0x1fff) * 2 + (uint64_t)write;
	uint8_t b;
	ss_phys_read(c, c->msrpm_pa + off + bit / 8, &b, 1, SS_CPU_ACC_NPTW); /* host memory */
	if ((b >> (bit % 8)) & 1)
		ss_vmexit(c, SS_SVM_EXIT_MSR, (uint64_t)write, 0);
}

/* The host state VMRUN saves and #VMEXIT restores: everything but the x87/SSE state, which only
 * an SEV-ES guest switches (the copy of these 400 bytes would be most of a round trip's cost). */
_Static_assert(offsetof(ss_cpu_regs, fpu) + sizeof(ss_cpu_fpu) == sizeof(ss_cpu_regs),
	       "the x87/SSE state is the last member of ss_cpu_regs");
static inline void regs_copy_nofpu(ss_cpu_regs *d, const ss_cpu_regs *s)
{
	memcpy(d, s, offsetof(ss_cpu_regs, fpu));
}

/* The x87/SSE state of an SEV-ES guest lives in its VMSA (cpu-svm-sev.md §9.2, 0x400-0x56F):
 * FPREG_X87 holds ST(0)..ST(7) as eight significands then eight sign+exponent words, FTW the
 * abridged tag word (the FXSAVE forms KVM's sev_es_sync_vmsa copies). Reserved MXCSR bits are
 * dropped on the way in. */
static void vmsa_fpu_load(ss_cpu_fpu *f, const ss_vmsa *s)
{
	f->fcw = s->x87_fcw;
	f->fsw = s->x87_fsw;
	f->ftw = s->x87_ftw & 0xff;
	f->fop = s->x87_fop & 0x7ff;
	f->fip = s->x87_rip;
	f->fdp = s->x87_dp;
	f->mxcsr = s->mxcsr & SS_MXCSR_MASK;
	unsigned top = (f->fsw >> 11) & 7;
	for (unsigned k = 0; k < 8; k++) {
		unsigned r = (top + k) & 7;
		memcpy(&f->st[r].mant, s->fpreg_x87 + 8 * k, 8);
		memcpy(&f->st[r].sexp, s->fpreg_x87 + 64 + 2 * k, 2);
	}
	memcpy(f->xmm, s->fpreg_xmm, sizeof(f->xmm));
}

static void vmsa_fpu_save(ss_vmsa *s, const ss_cpu_fpu *f)
{
	s->x87_fcw = f->fcw;
	s->x87_fsw = f->fsw;
	s->x87_ftw = f->ftw;
	s->x87_fop = f->fop;
	s->x87_rip = f->fip;
	s->x87_dp = f->fdp;
	s->x87_cs = s->x87_ds = 0;
	s->mxcsr = f->mxcsr;
	unsigned top = (f->fsw >> 11) & 7;
	for (unsigned k = 0; k < 8; k++) {
		unsigned r = (top + k) & 7;
		memcpy(s->fpreg_x87 + 8 * k, &f->st[r].mant, 8);
		memcpy(s->fpreg_x87 + 64 + 2 * k, &f->st[r].sexp, 2);
	}
	memcpy(s->fpreg_xmm, f->xmm, sizeof(f->xmm));
}

/* Keeps what the clean groups cover (clean_state reads back exactly these). */
static void clean_keep(ss_cpu *c)
{
	ss_cpu_regs *g = &c->vc_regs;
	g->cr0 = c->r.cr0;
	g->cr3 = c->r.cr3;
	g->cr4 = c->r.cr4;
	g->efer = c->r.efer;
	g->dr[6] = c->r.dr[6];
	g->dr[7] = c->r.dr[7];
	g->gdtr = c->r.gdtr;
	g->idtr = c->r.idtr;
	g->seg[SS_SEG_ES] = c->r.seg[SS_SEG_ES];
	g->seg[SS_SEG_CS] = c->r.seg[SS_SEG_CS];
	g->seg[SS_SEG_SS] = c->r.seg[SS_SEG_SS];
	g->seg[SS_SEG_DS] = c->r.seg[SS_SEG_DS];
	g->cpl = c->r.cpl;
	g->pat = c->r.pat;
	g->cr2 = c->r.cr2;
}

/* Writes the exit into the VMCB (and the guest state into the save area or VMSA) and returns to
 * the host state saved by VMRUN. Called by the run loop outside any instruction. */
int ss_svm_do_vmexit(ss_cpu *c)
{
	int rc = 0;
	c->r.rflags = ss_flags_get(c) | 2;
	c->lf_op = LF_NONE;
	ss_vmcb *v = vmcb_map(c, c->vmcb_pa);
	if (v) {
		ss_vmcb_control *k = &v->control;
		k->exit_code = c->vx_code;
		k->exit_info_1 = c->vx_info1;
		k->exit_info_2 = c->vx_info2;
		k->exit_int_info = 0;
		k->exit_int_info_err = 0;
		if (c->in_exc) {
			/* The exit interrupted the delivery of an event (§1.4 format). */
			k->exit_int_info = c->in_exc_vec | ((uint32_t)c->in_exc_type << 8) |
					   (c->in_exc_has_err ? SS_EVTINJ_EV : 0) | SS_EVTINJ_VALID;
			k->exit_int_info_err = c->in_exc_has_err ? c->in_exc_err : 0;
		}
		k->next_rip = c->vx_nrip;
		k->int_state = c->r.interrupt_shadow | ((c->r.rflags & F_IF) ? 2u : 0u);
		/* V_TPR (guest CR8 writes with V_INTR_MASKING) and V_IRQ go back (§1.3). */
		k->int_ctl = c->int_ctl;
		/* Decode assist (§1.1 0x0D0): the bytes fetched at the faulting RIP. */
		k->insn_len = c->vx_insn_len;
		memset(k->insn_bytes, 0, sizeof(k->insn_bytes));
		memcpy(k->insn_bytes, c->vx_insn, c->vx_insn_len);
		k->event_inj &= ~SS_EVTINJ_VALID;
		if (c->nested_ctl & SS_NESTED_CTL_SEV_ES) {
			/* The guest's GHCB MSR lives in the VMCB while it is out (§6). */
			k->ghcb_gpa = c->r.ghcb_msr;
			ss_vmsa *s = malloc(sizeof(*s));
			if (s && host_rw(c, k->vmsa_pa, s, sizeof(*s), 0, c->asid, 1) == 0) {
				STATE_SAVE(s, &c->r);
				s->rcx = c->r.gpr[1], s->rdx = c->r.gpr[2], s->rbx = c->r.gpr[3];
				s->rbp = c->r.gpr[5], s->rsi = c->r.gpr[6], s->rdi = c->r.gpr[7];
				s->r8 = c->r.gpr[8], s->r9 = c->r.gpr[9], s->r10 = c->r.gpr[10];
				s->r11 = c->r.gpr[11], s->r12 = c->r.gpr[12], s->r13 = c->r.gpr[13];
				s->r14 = c->r.gpr[14], s->r15 = c->r.gpr[15];
				s->xcr0 = c->r.xcr0;
				vmsa_fpu_save(s, &c->r.fpu);
				s->guest_exit_code = c->vx_code;
				s->guest_exit_info_1 = c->vx_info1;
				s->guest_exit_info_2 = c->vx_info2;
				s->guest_nrip = c->vx_nrip;
				rc = host_rw(c, k->vmsa_pa, s, sizeof(*s), 1, c->asid, 1);
			} else {
				rc = -1;
			}
			free(s);
		} else {
			STATE_SAVE(&v->save, &c->r);
			clean_keep(c);
		}
		if (vmcb_unmap(c, c->vmcb_pa, v))
			rc = -1;
		else
			c->vc_valid = !(c->nested_ctl & SS_NESTED_CTL_SEV_ES);
		c->vc_pa = c->vmcb_pa;
	} else {
		rc = -1;
	}
	/* Host state back; the non-ES guest's other GPRs and its x87/SSE state stay for the
	 * hypervisor to save (VMRUN and #VMEXIT do not switch them, APM vol. 2 §15.5.1); an ES
	 * guest's went to its VMSA and the host's come back. */
	uint64_t g[16], gdr[4];
	memcpy(g, c->r.gpr, sizeof(g));
	/* DR0-DR3 are in neither the VMCB nor the host save state: #VMEXIT leaves the guest's
	 * values in place (the hypervisor saves and restores them). */
	memcpy(gdr, c->r.dr, sizeof(gdr));
	int es = (c->nested_ctl & SS_NESTED_CTL_SEV_ES) != 0;
	regs_copy_nofpu(&c->r, &c->host);
	if (es)
		c->r.fpu = c->host.fpu;
	memcpy(c->r.dr, gdr, sizeof(gdr));
	if (!es)
		for (unsigned k = 0; k < 16; k++)
			if (k != SS_RAX && k != SS_RSP)
				c->r.gpr[k] = g[k];
	c->guest = 0;
	c->vmpl = 0;
	c->npt_on = 0;
	c->nested_ctl = 0;
	c->asid = 0;
	c->c_bit_default = 0;
	c->cbit_pos = 0;
	c->in_exc = 0;
	c->fetch_vpn = ~0ull;
	/* #VMEXIT clears GIF (APM vol. 2 §15.17); no guest shadow or virtual interrupt remains. */
	c->r.gif = 0;
	c->shadow_armed = c->shadow_movss = 0;
	c->halted = 0;
	c->int_ctl = 0;
	ss_ev_update(c);
	/* The host's DR7 is back: its data breakpoints, not the guest's (debug.c). */
	c->dbg_hit = c->dbg_held = c->dbg_io = 0;
	c->dbg_pend = 0;
	ss_debug_sync(c);
	return rc;
}

/* A VMRUN rule failed: VMEXIT_INVALID in the VMCB, the host state untouched (§1.5). */
static int vmrun_invalid(ss_cpu *c, uint64_t vmcb_pa, ss_vmcb *v, const char *bad,
			 ss_cpu_exit *exit, ss_error *err)
{
	c->vmrun_rule = bad;
	v->control.exit_code = SS_SVM_EXIT_INVALID;
	v->control.exit_info_1 = v->control.exit_info_2 = 0;
	int wrc = vmcb_unmap(c, vmcb_pa, v);
	exit->reason = SS_CPU_EXIT_VMEXIT;
	exit->vmexit_code = SS_SVM_EXIT_INVALID;
	exit->detail = bad;
	return wrc ? ss_fail(err, SS_EIO, "vmrun: cannot write the VMCB") : 0;
}

/* The guest state of each clean group from what the last #VMEXIT wrote (the hardware's "cached
 * copy"); RIP, RSP, RAX and RFLAGS always come from the VMCB. */
static void clean_state(ss_cpu *c, uint32_t clean)
{
	const ss_cpu_regs *g = &c->vc_regs;
	if (clean & CLEAN_CRX) {
		c->r.cr0 = g->cr0;
		c->r.cr3 = g->cr3;
		c->r.cr4 = g->cr4;
		c->r.efer = g->efer;
	}
	if (clean & CLEAN_DRX) {
		c->r.dr[6] = g->dr[6];
		c->r.dr[7] = g->dr[7];
	}
	if (clean & CLEAN_DT) {
		c->r.gdtr = g->gdtr;
		c->r.idtr = g->idtr;
	}
	if (clean & CLEAN_SEG) {
		c->r.seg[SS_SEG_ES] = g->seg[SS_SEG_ES];
		c->r.seg[SS_SEG_CS] = g->seg[SS_SEG_CS];
		c->r.seg[SS_SEG_SS] = g->seg[SS_SEG_SS];
		c->r.seg[SS_SEG_DS] = g->seg[SS_SEG_DS];
		c->r.cpl = g->cpl;
	}
	if (clean & CLEAN_NP)
		c->r.pat = g->pat;
	if (clean & CLEAN_CR2)
		c->r.cr2 = g->cr2;
}

int ss_cpu_vmrun(ss_cpu *c, uint64_t vmcb_pa, uint64_t max_insns, ss_cpu_exit *exit, ss_error *err)
{
	memset(exit, 0, sizeof(*exit));
	if (!(c->r.efer & EFER_SVME))
		return ss_fail(err, SS_ESTATE,
			       "vmrun: host EFER.SVME is 0 (VMRUN would raise #UD)");
	if (vmcb_pa & 0xfff)
		return ss_fail(err, SS_EINVAL, "vmrun: VMCB address 0x%llx is not 4 KiB aligned",
			       (unsigned long long)vmcb_pa);
	ss_vmcb *v = vmcb_map(c, vmcb_pa);
	if (!v)
		return ss_fail(err, SS_EIO, "vmrun: VMCB at 0x%llx is not in memory",
			       (unsigned long long)vmcb_pa);
	uint32_t sev[4];
	ss_cpuid(c, 0x8000001F, 0, sev);
	/* The clean bits count only for the VMCB the last #VMEXIT on this CPU wrote, and never for
	 * SEV-ES (its state is in the VMSA). */
	uint32_t clean =
	    c->vc_valid && c->vc_pa == vmcb_pa && !(v->control.nested_ctl & SS_NESTED_CTL_SEV_ES)
		? v->control.clean
		: 0;
	c->vc_valid = 0;
	const char *bad = vmrun_checks(c, v, sev, clean);
	c->vmrun_rule = bad;
	if (bad)
		return vmrun_invalid(c, vmcb_pa, v, bad, exit, err);
	ss_vmcb_control *k = &v->control;
	regs_copy_nofpu(&c->host, &c->r);
	if (k->nested_ctl & SS_NESTED_CTL_SEV_ES)
		c->host.fpu = c->r.fpu; /* the ES guest's own comes from its VMSA */
	c->host.rflags = ss_flags_get(c) | 2;
	c->lf_op = LF_NONE;
	uint64_t sev_features = 0;
	if (k->nested_ctl & SS_NESTED_CTL_SEV_ES) {
		ss_vmsa *s = malloc(sizeof(*s));
		if (!s)
			return ss_fail(err, SS_ENOMEM, "vmrun: out of memory");
		if (host_rw(c, k->vmsa_pa, s, sizeof(*s), 0, k->asid, 1)) {
			/* §9.3: a VMSA the memory refuses (outside DRAM; for SNP not an assigned,
			 * validated VMSA page of the ASID) fails VMRUN like a consistency check. */
			free(s);
			regs_copy_nofpu(&c->r, &c->host);
			return vmrun_invalid(
			    c, vmcb_pa, v,
			    "SEV-ES VMSA not readable or not a VMSA page of the ASID", exit, err);
		}
		STATE_LOAD(&c->r, s);
		uint64_t g[16] = {s->rax, s->rcx, s->rdx, s->rbx, s->rsp, s->rbp, s->rsi, s->rdi,
				  s->r8,  s->r9,  s->r10, s->r11, s->r12, s->r13, s->r14, s->r15};
		memcpy(c->r.gpr, g, sizeof(g));
		c->r.xcr0 = s->xcr0 ? s->xcr0 : 1;
		vmsa_fpu_load(&c->r.fpu, s);
		c->vmpl = s->vmpl;
		sev_features = s->sev_features;
		/* The GHCB MSR from the VMCB (§6). */
		c->r.ghcb_msr = k->ghcb_gpa;
		free(s);
	} else {
		STATE_LOAD(&c->r, &v->save);
		c->vmpl = v->save.vmpl;
		clean_state(c, clean);
	}
	c->r.efer |= (c->r.efer & EFER_LME) && (c->r.cr0 & CR0_PG) ? EFER_LMA : 0;
	c->r.interrupt_shadow = (uint8_t)(k->int_state & 1);
	c->shadow_armed = c->shadow_movss = 0;
	c->halted = 0;
	c->r.gif = 1; /* VMRUN sets GIF (APM vol. 2 §15.17) */
	c->int_ctl = k->int_ctl;
	c->int_vector = k->int_vector;
	c->guest = 1;
	c->vmcb_pa = vmcb_pa;
	if (!(clean & CLEAN_I)) {
		c->vc_icpt[0] = k->intercept_cr;
		c->vc_icpt[1] = k->intercept_dr;
		c->vc_icpt[2] = k->intercept_exc;
		c->vc_icpt[3] = k->intercept_misc1;
		c->vc_icpt[4] = k->intercept_misc2;
		c->vc_icpt[5] = k->intercept_misc3;
		c->vc_tsc_offset = k->tsc_offset;
	}
	if (!(clean & CLEAN_IOPM)) {
		c->vc_iopm_pa = k->iopm_base_pa;
		c->vc_msrpm_pa = k->msrpm_base_pa;
	}
	if (!(clean & CLEAN_NP))
		c->vc_ncr3 = k->nested_cr3;
	if (!(clean & CLEAN_ASID))
		c->vc_asid = k->asid;
	memcpy(c->icpt, c->vc_icpt, sizeof(c->icpt));
	c->iopm_pa = c->vc_iopm_pa;
	c->msrpm_pa = c->vc_msrpm_pa;
	c->nested_ctl = k->nested_ctl;
	c->npt_on = (k->nested_ctl & SS_NESTED_CTL_NP) != 0;
	c->ncr3 = c->vc_ncr3;
	c->asid = c->vc_asid;
	c->c_bit_default = (k->nested_ctl & SS_NESTED_CTL_SEV) ? 1 : 0;
	c->cbit_pos = (k->nested_ctl & SS_NESTED_CTL_SEV) ? (uint8_t)(sev[1] & 63) : 0;
	/* SEV_STATUS as the guest reads it (§2.3, §9.2): bit 0 SEV, bit 1 SEV-ES, SEV_FEATURES
	 * from bit 2. #VMEXIT restores the host's value with the rest of the host state. */
	c->r.sev_status = (k->nested_ctl & SS_NESTED_CTL_SEV ? 1u : 0u) |
			  (k->nested_ctl & SS_NESTED_CTL_SEV_ES ? 2u | (sev_features << 2) : 0u);
	c->r.tsc_offset = c->host.tsc_offset + c->vc_tsc_offset;
	c->event_inj = k->event_inj;
	c->event_inj_err = k->event_inj_err;
	c->inject_pending = (k->event_inj & SS_EVTINJ_VALID) != 0;
	/* TLB_CONTROL (§1.1): 1 flushes everything, 3 and 7 this ASID's entries (our TLB keeps no
	 * global entries, so 7 equals 3). */
	if (k->tlb_ctl == SS_TLB_CTL_ALL)
		ss_tlb_flush_all(c);
	else if (k->tlb_ctl == SS_TLB_CTL_ASID || k->tlb_ctl == SS_TLB_CTL_ASID_NONGLOBAL)
		ss_tlb_flush_asid(c, k->asid);
	c->fetch_vpn = ~0ull;
	ss_ev_update(c);
	c->dbg_hit = c->dbg_held = c->dbg_io = 0; /* a host trap does not follow into the guest */
	c->dbg_pend = 0;

	int rc = ss_cpu_run(c, max_insns, exit, err);
	if (c->guest) {
		/* Still in the guest: a run error, the budget, or something the interpreter hands
		 * to its caller (an instruction it does not implement, a memory answer it cannot
		 * turn into a fault, a hook without a handler). The budget, and a HLT that waits
		 * for an interrupt, end like a host timer interrupt would: #VMEXIT(INTR) between
		 * instructions; the others are reported as errors after the same #VMEXIT, so the
		 * host state is back and nothing is hidden (before, they were a silent INTR and the
		 * hypervisor resumed the guest into the same stop for ever). */
		if (!rc && exit->reason != SS_CPU_EXIT_LIMIT && exit->reason != SS_CPU_EXIT_HLT)
			rc = ss_fail(
			    err, SS_ENOTIMPL,
			    "vmrun: the guest stopped the interpreter at RIP 0x%llx: %s%s%s",
			    (unsigned long long)c->r.rip, ss_cpu_exit_name(exit->reason),
			    exit->detail ? ": " : "", exit->detail ? exit->detail : "");
		c->vx_code = SS_SVM_EXIT_INTR;
		c->vx_info1 = c->vx_info2 = 0;
		c->vx_nrip = 0;
		c->vx_insn_len = 0;
		c->in_exc = 0;
		if (c->shadow_armed) /* the shadowed instruction completed */
			c->r.interrupt_shadow = 0;
		if (ss_svm_do_vmexit(c) && !rc)
			rc = ss_fail(err, SS_EIO, "vmrun: cannot write the VMCB at #VMEXIT");
		if (!rc) {
			exit->reason = SS_CPU_EXIT_VMEXIT;
			exit->vmexit_code = SS_SVM_EXIT_INTR;
		}
	}
	return rc;
}
