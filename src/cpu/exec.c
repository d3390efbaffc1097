/* The run loop and the decoded-instruction cache (STYLE.md item 4): blocks of decoded instructions
 * keyed by the physical address of their first byte, the mode and the encryption context,
 * dropped when their pages are written (mmu.c ss_code_write) or the TLB is flushed. */
#include "cpu/core.h"
#include "cpu/ops.h"

#include <stdlib.h>

static const char *const exit_names[] = {
#define SS_CPU_EXIT_NAME(n, v, h) [v] = #n,
    SS_CPU_EXIT_LIST(SS_CPU_EXIT_NAME)
#undef SS_CPU_EXIT_NAME
};

const char *ss_cpu_exit_name(int reason)
{
	if (reason < 0 || (size_t)reason >= sizeof(exit_names) / sizeof(exit_names[0]) ||
	    !exit_names[reason])
		return "SS_CPU_EXIT_UNKNOWN";
	return exit_names[reason];
}

int ss_cpu_new(const ss_cpu_config *cfg, ss_cpu **out, ss_error *err)
{
	*out = NULL;
	if (!cfg || !cfg->mem || !cfg->mem->read || !cfg->mem->write)
		return ss_fail(err, SS_EINVAL,
			       "cpu config: mem ops table with read and write required");
	ss_cpu *c = calloc(1, sizeof(*c));
	if (!c)
		return ss_fail(err, SS_ENOMEM, "cpu: out of memory");
	c->blocks = calloc(SS_BLOCK_SLOTS, sizeof(ss_block));
	if (!c->blocks) {
		free(c);
		return ss_fail(err, SS_ENOMEM,
			       "cpu: out of memory for the decoded-instruction cache");
	}
	for (unsigned k = 0; k < SS_BLOCK_SLOTS; k++)
		c->blocks[k].pa = ~0ull;
	c->cfg = *cfg;
	/* Reset state (APM vol. 2 §14.1.3). */
	c->r.rip = 0xfff0;
	c->r.rflags = 2;
	for (unsigned s = 0; s < SS_SEG_COUNT; s++)
		c->r.seg[s] = (ss_cpu_seg){0, 0x93, 0xffff, 0};
	c->r.seg[SS_SEG_CS] = (ss_cpu_seg){0xf000, 0x9b, 0xffff, 0xffff0000u};
	c->r.gdtr.limit = c->r.idtr.limit = 0xffff;
	c->r.ldtr = (ss_cpu_seg){0, 0x82, 0xffff, 0};
	c->r.tr = (ss_cpu_seg){0, 0x8b, 0xffff, 0};
	c->r.cr0 = 0x60000010;
	c->r.dr[6] = 0xffff0ff0;
	c->r.dr[7] = 0x400;
	c->r.xcr0 = 1;
	ss_fpu_reset(c);
	c->r.pat = 0x0007040600070406ull;
	c->r.apic_base = 0xfee00900;
	c->r.gif = 1;
	c->exit_pending = -1;
	uint32_t pa_leaf[4];
	ss_cpuid(c, 0x80000008, 0, pa_leaf);
	c->maxphy = (uint8_t)(pa_leaf[0] & 0xff);
	if (c->maxphy < 32 || c->maxphy > 52)
		c->maxphy = 52;
	ss_mode_update(c);
	ss_tlb_flush_all(c);
	*out = c;
	return 0;
}

void ss_cpu_free(ss_cpu *c)
{
	if (!c)
		return;
	free(c->blocks);
	free(c->vmcb_buf);
	free(c);
}

ss_cpu_regs *ss_cpu_regs_of(ss_cpu *c)
{
	return &c->r;
}

uint64_t ss_cpu_icount(const ss_cpu *c)
{
	return c->icount;
}

void ss_cpu_flush_tlb_asid(ss_cpu *c, uint32_t asid)
{
	ss_tlb_flush_asid(c, asid);
}

void ss_cpu_flush_tlb(ss_cpu *c)
{
	ss_tlb_flush_all(c);
	for (unsigned k = 0; k < SS_BLOCK_SLOTS; k++)
		c->blocks[k].pa = ~0ull;
	memset(c->code_pages, 0, sizeof(c->code_pages));
	c->ncode_pages = 0;
	c->code_gen++;
}

void ss_cpu_set_long_mode(ss_cpu *c, bool user)
{
	unsigned dpl = user ? 3 : 0;
	c->r.cpl = (uint8_t)dpl;
	c->r.efer |= EFER_LME | EFER_LMA | EFER_NXE | EFER_SCE;
	c->r.cr0 |= CR0_PE;
	c->r.cr4 |= CR4_PAE;
	/* 64-bit code: type 0xB, S, DPL, P, L (VMCB attribute packing). */
	c->r.seg[SS_SEG_CS] = (ss_cpu_seg){(uint16_t)(user ? 0x33 : 0x08),
					   (uint16_t)(0x29b | (dpl << 5)), 0xffffffffu, 0};
	for (unsigned s = 0; s < SS_SEG_COUNT; s++) {
		if (s == SS_SEG_CS)
			continue;
		c->r.seg[s] = (ss_cpu_seg){(uint16_t)(user ? 0x2b : 0x10),
					   (uint16_t)(0xc93 | (dpl << 5)), 0xffffffffu, 0};
	}
	ss_mode_update(c);
	ss_cpu_flush_tlb(c);
}

void ss_cpu_skip(ss_cpu *c, const ss_cpu_exit *exit)
{
	c->r.rip += exit->insn_len;
	/* The instruction completes here: its I/O breakpoint and single-step traps come first
	 * at the next ss_cpu_run (debug.c). TF cannot have changed under an IN/OUT/RDMSR/WRMSR. */
	if (exit->reason == SS_CPU_EXIT_IO || exit->reason == SS_CPU_EXIT_MSR) {
		c->dbg_pend |= c->dbg_io;
		if (c->r.rflags & F_TF)
			c->dbg_pend |= 0x4000; /* BS */
	}
	c->dbg_io = 0;
}

_Noreturn void ss_exit_insn(ss_cpu *c, int reason)
{
	c->r.rip = c->insn_rip;
	c->exit->reason = reason;
	c->exit->insn_len = c->cur ? c->cur->len : 0;
	if (reason == SS_CPU_EXIT_MEM)
		c->exit->mem_pa = c->exc_cr2;
	longjmp(c->jb, 2);
}

_Noreturn void ss_exit_after(ss_cpu *c, int reason)
{
	c->exit->reason = reason;
	c->exit->insn_len = c->cur ? c->cur->len : 0;
	if (c->cur)
		c->cur++;	   /* retired: counted by the run loop's fix-up */
	c->dbg_pend |= c->dbg_hit; /* completed: its data breakpoint trap comes next run */
	c->dbg_hit = 0;
	longjmp(c->jb, 2);
}

void ss_op_ud(ss_cpu *c, const ss_insn *i)
{
	(void)i;
	RAISE_UD(c);
}

static inline uint64_t block_key(const ss_cpu *c)
{
	/* Mode (enum ss_mode), encryption context (ASID, C-bit) and the fetch's RMP permission
	 * (VMPL, user or supervisor execute: cpu-svm-sev.md §8.3) select the decoding. */
	return ((uint64_t)c->asid << 16) | ((uint64_t)c->c_bit_default << 12) |
	       ((uint64_t)c->vmpl << 8) | ((uint64_t)(c->r.cpl == 3) << 7) | c->mode;
}

static inline unsigned block_slot(uint64_t pa)
{
	return (unsigned)((pa * 0x9E3779B97F4A7C15ull) >> 53) & (SS_BLOCK_SLOTS - 1);
}

/* Reads the instruction bytes at pa for decoding; returns how many were read (0 on error). */
static unsigned fetch_bytes(ss_cpu *c, uint64_t pa, uint64_t gpa, uint8_t *buf, unsigned want)
{
	ss_cpu_access a;
	memset(&a, 0, sizeof(a));
	a.pa = pa;
	a.gpa = gpa;
	a.asid = c->asid;
	a.kind = SS_CPU_ACC_FETCH;
	a.c_bit = c->c_bit_default;
	a.cpl = c->r.cpl;
	a.vmpl = c->vmpl;
	ss_fetch_nested(c, &a);
	int rc = c->cfg.mem->read(c->cfg.mem_ctx, &a, buf, want);
	if (rc == SS_CPU_MEM_OK)
		return want;
	/* An RMP refusal of a guest fetch is a #NPF (or #VC) like any other access. */
	if (c->guest && (rc == SS_CPU_MEM_NPF || rc == SS_CPU_MEM_VC))
		ss_mem_answer(c, rc, &a, SS_CPU_ACC_FETCH);
	return 0;
}

static void decode_block(ss_cpu *c, ss_block *b, uint64_t lin, uint64_t pa, uint64_t gpa,
			 uint64_t key)
{
	uint8_t win[384 + 16];
	unsigned off = (unsigned)(pa & 0xfff), room = 4096 - off;
	unsigned have = room < 384 ? room : 384;
	b->pa = ~0ull;
	b->n = 0;
	if (!fetch_bytes(c, pa, gpa, win, have)) {
		c->exc_cr2 = pa;
		ss_exit_insn(c, SS_CPU_EXIT_MEM);
	}
	ss_code_page_mark(c, pa >> 12);
	unsigned pos = 0, n = 0;
	while (n < SS_BLOCK_INSNS) {
		ss_insn *i = &b->insn[n];
		int len = ss_decode_mode(win + pos, have - pos, c->mode, i);
		if (len == 0) {
			/* Needs bytes beyond the window: past the page end, or past the buffer. */
			if (n > 0)
				break;
			if (have < room) {
				have = room < 384 ? room : 384;
				break;
			}
			/* The first instruction crosses into the next page: translate it (may #PF).
			 */
			uint64_t gpa2;
			uint64_t next = (lin | 0xfff) + 1;
			uint64_t pa2 =
			    ss_xlat_fetch_g(c, c->legacy ? next & 0xffffffffu : next, &gpa2);
			unsigned more = 15 - (have - pos);
			if (!fetch_bytes(c, pa2, gpa2, win + have, more)) {
				c->exc_cr2 = pa2;
				ss_exit_insn(c, SS_CPU_EXIT_MEM);
			}
			ss_code_page_mark(c, pa2 >> 12);
			len = ss_decode_mode(win + pos, have - pos + more, c->mode, i);
			if (len == 0)
				len = -1;
			n++;
			break;
		}
		n++;
		if (len < 0)
			break;
		pos += (unsigned)len;
		lin += (unsigned)len;
		if ((ss_insn_flags(i) & OPF_END) || pos >= room)
			break;
	}
	b->n = n;
	b->bytes = pos;
	b->key = key;
	b->pa = pa;
}

static ss_block *get_block(ss_cpu *c)
{
	uint64_t rip = c->r.rip, pa, gpa;
	c->insn_rip = rip;
	c->cur = NULL;
	if (__builtin_expect(c->legacy, 0)) {
		/* CS base + EIP, within the CS limit (APM vol. 2 §4.12.2). */
		if (rip > c->r.seg[SS_SEG_CS].limit)
			ss_raise(c, EXC_GP, 0, 1);
		rip = (c->r.seg[SS_SEG_CS].base + rip) & 0xffffffffu;
	}
	if ((rip >> 12) == c->fetch_vpn) {
		pa = (c->fetch_ppn << 12) | (rip & 0xfff);
		gpa = (c->fetch_gpn << 12) | (rip & 0xfff);
	} else {
		pa = ss_xlat_fetch_g(c, rip, &gpa);
		c->fetch_vpn = rip >> 12;
		c->fetch_ppn = pa >> 12;
		c->fetch_gpn = gpa >> 12;
	}
	c->blk_rip = rip; /* where the block's bytes are, for the decode assists */
	c->blk_pa = pa;
	c->blk_gpa = gpa;
	uint64_t key = block_key(c);
	ss_block *b = &c->blocks[block_slot(pa)];
	if (b->pa != pa || b->key != key)
		decode_block(c, b, rip, pa, gpa, key);
	return b;
}

/* The hot loop, outside ss_cpu_run so that setjmp there does not pin c to the stack: the
 * budget is checked per block, each handler runs with RIP already past its instruction. */
static __attribute__((noinline)) void run_blocks(ss_cpu *c)
{
	while (c->icount < c->run_end) {
		/* Interrupts, shadows, single-step and breakpoints: one test per block when none.
		 */
		int one = 0;
		if (ss_ev_any(c)) {
			one = ss_ev_before(c);
			if (one == 2)
				continue;
		}
		ss_block *b = get_block(c);
		const ss_insn *i = b->insn, *e = b->insn + b->n;
		uint64_t left = c->run_end - c->icount;
		if (left < b->n)
			e = b->insn + left;
		if (one)
			e = b->insn + 1;
		c->blk_base = b->insn;
		c->blk_icount = c->icount;
		while (i < e) {
			c->insn_rip = c->r.rip;
			c->cur = i;
			c->r.rip += i->len;
			i->fn(c, i);
			i++;
			if (c->brk)
				break;
		}
		c->brk = 0;
		c->icount = c->blk_icount + (uint64_t)(i - b->insn);
		c->cur = NULL;
		if (one)
			ss_ev_after(c, b->insn);
	}
}

static int double_fault_class(int first, int second)
{
	/* APM vol. 2 §8.2.9: contributory exceptions and #PF combine into #DF. */
	int c1 = first == EXC_DE || (first >= EXC_TS && first <= EXC_GP);
	int c2 = second == EXC_DE || (second >= EXC_TS && second <= EXC_GP);
	if (c1 && c2)
		return 1;
	if (first == EXC_PF && (c2 || second == EXC_PF))
		return 1;
	return 0;
}

int ss_cpu_run(ss_cpu *c, uint64_t max_insns, ss_cpu_exit *exit, ss_error *err)
{
	memset(exit, 0, sizeof(*exit));
	ss_mode_update(c);
	if (c->mode == SS_MODE_VM86)
		return ss_fail(err, SS_ENOTIMPL,
			       "cpu: virtual-8086 mode (RFLAGS.VM=1) is not implemented");
	if ((c->r.efer & EFER_LMA) && !(c->r.cr0 & CR0_PG) && !c->cfg.flat_long_mode)
		return ss_fail(
		    err, SS_EUNSUPPORTED,
		    "cpu: long mode with CR0.PG=0 needs the flat_long_mode test setting");
	c->exit = exit;
	c->run_end = c->icount + max_insns;
	c->lf_op = LF_NONE;
	c->r.rflags |= 2;
	c->in_exc = 0;
	c->brk = 0; /* not ended by the mode update above */
	c->cur = NULL;
	c->dlv_rf = 0;
	ss_ev_update(c);
	ss_debug_sync(c); /* DR7 may have been changed through ss_cpu_regs_of */
	int jr = setjmp(c->jb);
	if (jr && c->cur) {
		/* Left in the middle of a block: count what retired before the instruction. */
		c->icount = c->blk_icount + (uint64_t)(c->cur - c->blk_base);
		c->cur = NULL;
	}
	if (jr == 2)
		goto out;
	if (jr == 3) {
		/* #VMEXIT from guest mode (svm.c). */
		exit->reason = SS_CPU_EXIT_VMEXIT;
		exit->vmexit_code = c->vx_code;
		if (ss_svm_do_vmexit(c))
			return ss_fail(err, SS_EIO, "cpu: cannot write the VMCB at #VMEXIT");
		goto out;
	}
	if (jr == 1) {
		/* A fault: RIP back on the faulting instruction, then deliver (or leave). */
		c->r.rip = c->exc_rip;
		/* Also during the delivery of another event (then reported in exit_int_info). */
		if (c->guest)
			ss_svm_icpt_exception(c);
		if (c->cfg.exit_on_exception) {
			exit->reason = SS_CPU_EXIT_EXCEPTION;
			exit->vector = c->exc_vec;
			exit->has_error = c->exc_has_err;
			exit->error_code = c->exc_err;
			exit->cr2 = c->exc_cr2;
			goto out;
		}
		if (c->in_exc && c->in_exc_type == 3) {
			/* A fault while delivering an exception (interrupts combine with nothing).
			 */
			if (c->in_exc_vec == EXC_DF) {
				if (c->guest && (c->icpt[3] & (1u << 31))) {
					c->in_exc = 0;
					c->cur = NULL;
					ss_vmexit(c, 0x7F, 0, 0); /* SHUTDOWN intercept */
				}
				exit->reason = SS_CPU_EXIT_SHUTDOWN;
				goto out;
			}
			if (double_fault_class(c->in_exc_vec, c->exc_vec)) {
				c->exc_vec = EXC_DF;
				c->exc_has_err = 1;
				c->exc_err = 0;
			}
			/* The exception raised while delivering another (or the #DF it became) is
			 * subject to the exception intercepts too; exit_int_info names the event
			 * being delivered. */
			if (c->guest)
				ss_svm_icpt_exception(c);
		}
		c->in_exc = 1;
		c->in_exc_vec = c->exc_vec;
		c->in_exc_type = 3; /* exception (EVENTINJ type) */
		c->in_exc_has_err = c->exc_has_err;
		c->in_exc_err = c->exc_err;
		c->cur = NULL;
		c->dlv_rf = c->exc_rf; /* RF in the pushed image of a fault (exception.c) */
		ss_deliver_event(c, c->exc_vec, c->exc_has_err, c->exc_err, 0, c->r.rip);
		c->in_exc = 0;
	}
	if (c->guest && c->inject_pending) {
		/* EVENTINJ (cpu-svm-sev.md §1.4) before the first guest instruction. */
		unsigned vec = c->event_inj & 0xff, type = (c->event_inj >> 8) & 7;
		c->inject_pending = 0;
		c->in_exc = 1;
		c->in_exc_vec = (uint8_t)vec;
		c->in_exc_type = (uint8_t)type;
		c->exc_has_err = (c->event_inj >> 11) & 1;
		c->exc_err = c->event_inj_err;
		c->in_exc_has_err = c->exc_has_err;
		c->in_exc_err = c->exc_err;
		c->insn_rip = c->r.rip;
		c->cur = NULL;
		ss_deliver_event(c, type == 2 ? EXC_NMI : (int)vec, (c->event_inj >> 11) & 1,
				 c->event_inj_err, 0, c->r.rip);
		c->in_exc = 0;
	}
	if (c->dbg_pend) {
		/* The #DB trap of an instruction the host completed (ss_cpu_skip, ss_exit_after).
		 */
		c->r.dr[6] |= c->dbg_pend;
		c->dbg_pend = 0;
		c->dbg_io = 0;
		c->insn_rip = c->r.rip;
		c->cur = NULL;
		ss_raise_db(c, 0);
	}
	c->dbg_io = 0;
	run_blocks(c);
	exit->reason = SS_CPU_EXIT_LIMIT;
out:
	c->r.rflags = ss_flags_get(c) | 2;
	c->lf_op = LF_NONE;
	c->exit = NULL;
	return 0;
}
