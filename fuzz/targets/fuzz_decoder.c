/* Fuzzes the decoder and the executor with machine state (STYLE.md item 10): the input is a
 * 64-byte state header followed by code bytes. Every offset of the code is decoded on its own; then
 * the code runs in a small flat-RAM machine (paging on or off, CPL 0 or 3, SMEP/SMAP/NX/WP as the
 * header says, an IDT and TSS made of input bytes) for a bounded number of instructions. Only
 * architectural outcomes may come out: an exception (or its delivery through the IDT), an exit to
 * the caller, or a clear error from ss_cpu_run — never a crash, a sanitizer report or an abort.
 *
 * Header: [0] flags (bit 0 paging, 1 user, 2 exit_on_exception, 3 SMEP, 4 SMAP, 5 NXE, 6 WP,
 * 7 run as an SVM guest under a VMCB whose controls come from the input); [10] bits 0-1 the mode
 * the code starts in (64-bit, 32-bit compatibility, 32-bit protected with 32-bit or, with bit 2,
 * PAE paging, real mode); [12] events (bit 0 an INTR with vector [13], 1 an NMI, 2 TF, 3 an
 * instruction breakpoint at CODE + [14], 4 GIF=0, 5 data and I/O breakpoints, 6 DR7.GD with
 * them); [11] bit 1 CR4.OSFXSR + OSXMMEXCPT, bit 2 CR0.TS, bit 3 CR0.EM, bit 4 XCR0 = x87|SSE
 * (MXCSR, x87 control word and XMM registers come from seeds); [1..63] seeds (the guest's
 * int_ctl,
 * int_vector [15] and int_state among them). Every offset is decoded in every mode. */
#include <softsev/cpu.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/core.h"
#include <softsev/abi/vmcb.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM_SIZE (256u * 1024)
#define CODE_AT	 0x10000u

/* The starting mode from header byte 10 (see above), applied to CR0/CR4/EFER and CS. */
static void pick_mode(uint8_t m, uint64_t *cr0, uint64_t *cr4, uint64_t *efer, uint16_t *cs_sel,
		      uint16_t *cs_attr, uint64_t *cs_base, uint32_t *cs_limit, uint64_t *rip)
{
	switch (m & 3) {
	case 0: return;
	case 1: *cs_attr = (uint16_t)((*cs_attr & ~0x200u) | 0x400u); return;
	case 2:
		*efer &= ~0x500ull; /* LME, LMA */
		*cs_attr = (uint16_t)((*cs_attr & ~0x200u) | 0x400u);
		if (!(m & 4))
			*cr4 &= ~0x20ull;
		return;
	default:
		*cr0 &= ~0x80000001ull;
		*efer &= ~0x500ull;
		*cs_sel = (uint16_t)(CODE_AT >> 4);
		*cs_attr = 0x9b;
		*cs_base = CODE_AT;
		*cs_limit = 0xffff;
		*rip = 0;
		return;
	}
}

static uint64_t seed(const uint8_t *p, unsigned k)
{
	uint64_t v = 0;
	memcpy(&v, p + (k * 7) % 56, 8);
	return v * 0x9E3779B97F4A7C15ull + k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 64)
		return 0;
	const uint8_t *code = data + 64;
	size_t ncode = size - 64;
	if (ncode > 0x8000)
		ncode = 0x8000;

	/* Decoder alone, at every offset. */
	for (size_t off = 0; off < ncode; off++) {
		ss_insn i;
		unsigned avail = (unsigned)(ncode - off < 15 ? ncode - off : 15);
		for (unsigned mode = 0; mode < SS_MODE_COUNT; mode++) {
			int n = ss_decode_mode(code + off, avail, mode, &i);
			if (n > 15 || i.len > 15 || (n > 0 && (i.asz < 1 || i.asz > 3)))
				abort();
		}
		char name[32];
		ss_cpu_disasm(code + off, avail, name, sizeof(name));
	}

	ss_cpu_flatram ram = {calloc(RAM_SIZE, 1), RAM_SIZE};
	if (!ram.ram)
		return 0;
	uint8_t fl = data[0];
	/* Page tables: identity map of the first 1 GiB with 2 MiB pages, user and writable, plus
	 * the 4 KiB tables as a second chance for the fuzzer to flip bits (from the header). */
	uint64_t *pml4 = (uint64_t *)(ram.ram + 0x1000), *pdpt = (uint64_t *)(ram.ram + 0x2000),
		 *pd = (uint64_t *)(ram.ram + 0x3000);
	pml4[0] = 0x2000 | 7;
	pdpt[0] = 0x3000 | 7;
	for (int k = 0; k < 512; k++)
		pd[k] = ((uint64_t)k << 21) | 0x87 | ((uint64_t)(data[1 + (k & 7)] & 0x60));
	pd[0] ^= (uint64_t)(data[9] & 0x06); /* sometimes read-only or supervisor */
	/* IDT (at 0x4000), GDT (0x5000) and TSS (0x6000) from the input, so delivery may go
	 * anywhere, including through bad gates. */
	for (unsigned k = 0; k < 0x3000 && k < ncode; k++)
		ram.ram[0x4000 + k] = code[ncode - 1 - k];
	memcpy(ram.ram + CODE_AT, code, ncode);

	ss_cpu_config cfg = {.mem = &ss_cpu_flatram_ops,
			     .mem_ctx = &ram,
			     .exit_on_exception = (fl & 4) != 0,
			     .flat_long_mode = true};
	ss_cpu *c;
	ss_error err;
	if (ss_cpu_new(&cfg, &c, &err)) {
		free(ram.ram);
		return 0;
	}
	ss_cpu_regs *r = ss_cpu_regs_of(c);
	r->cr3 = 0x1000;
	if (fl & 1)
		r->cr0 |= 0x80000001;
	else
		r->cr0 = (r->cr0 | 1) & ~0x80000000ull;
	if (fl & 0x40)
		r->cr0 |= 0x10000;
	r->cr4 = 0x20 | (fl & 8 ? 0x100000 : 0) | (fl & 0x10 ? 0x200000 : 0) | 0x40000;
	ss_cpu_set_long_mode(c, (fl & 2) != 0);
	/* x87/SSE: the enable bits and the state (MXCSR any value LDMXCSR accepts). */
	if (data[11] & 2)
		r->cr4 |= 0x600;
	if (data[11] & 4)
		r->cr0 |= 0x8;
	if (data[11] & 8)
		r->cr0 |= 0x4;
	if (data[11] & 0x10)
		r->xcr0 = 3;
	r->fpu.mxcsr = (uint32_t)seed(data, 40) & 0xffff;
	r->fpu.fcw = (uint16_t)seed(data, 41);
	for (unsigned k = 0; k < 16; k++) {
		r->fpu.xmm[k].q[0] = seed(data, 42 + k);
		r->fpu.xmm[k].q[1] = seed(data, 58 + k);
	}
	if (!(fl & 0x20))
		r->efer &= ~0x800ull;
	for (unsigned k = 0; k < 16; k++)
		r->gpr[k] = seed(data, k) & (k & 1 ? 0x3ffff : ~0ull);
	r->gpr[4] = 0x30000 + (data[2] & 0xf0);
	r->rflags = 0x202 | (((uint64_t)data[3] << 8 | data[4]) & 0x0cd5);
	r->idtr = (ss_cpu_dtr){0xfff, 0x4000};
	r->gdtr = (ss_cpu_dtr){0xfff, 0x5000};
	r->tr = (ss_cpu_seg){0x40, 0x8b, 0x67, 0x6000};
	r->star = seed(data, 20);
	r->lstar = CODE_AT + (data[5] & 0x7f);
	r->rip = CODE_AT;
	pick_mode(data[10], &r->cr0, &r->cr4, &r->efer, &r->seg[SS_SEG_CS].sel,
		  &r->seg[SS_SEG_CS].attr, &r->seg[SS_SEG_CS].base, &r->seg[SS_SEG_CS].limit,
		  &r->rip);
	ss_cpu_flush_tlb(c);
	/* Interrupt lines, single-step and a breakpoint as the header says. */
	if (data[12] & 1)
		ss_cpu_set_irq(c, data[13]);
	if (data[12] & 2)
		ss_cpu_nmi(c);
	if (data[12] & 4)
		r->rflags |= 0x100;
	if (data[12] & 8) {
		r->dr[0] = CODE_AT + (data[14] & 0x3f);
		r->dr[7] = 0x401 | ((uint64_t)(data[14] >> 6) << 16);
	}
	if (data[12] & 0x10)
		r->gif = 0;
	if (data[12] & 0x20) {
		/* Data breakpoint DR1 near the stack, I/O breakpoint DR2 on a port: R/W and LEN
		 * from [16] and [17], CR4.DE from [16] bit 3, DR7.GD from [12] bit 6. */
		r->dr[1] = r->gpr[4] - 8 + (data[16] & 7);
		r->dr[2] = data[17];
		r->dr[7] |= 0x400 | (1ull << 2) | (1ull << 5) | ((uint64_t)(data[16] >> 4) << 20) |
			    ((uint64_t)(data[17] >> 4) << 24) | (data[12] & 0x40 ? 0x2000 : 0);
		if (data[16] & 8)
			r->cr4 |= 0x8;
	}

	ss_cpu_exit ex;
	if ((fl & 0x80) && !(fl & 2)) {
		/* Guest mode: the current state becomes the guest's; controls from the input. */
		ss_vmcb *v = (ss_vmcb *)(ram.ram + 0x20000);
		ss_vmcb_control *k = &v->control;
		ss_vmcb_save *s = &v->save;
		k->intercept_cr = (uint32_t)seed(data, 30);
		k->intercept_dr = (uint32_t)seed(data, 31);
		k->intercept_exc = (uint32_t)seed(data, 32);
		k->intercept_misc1 = (uint32_t)seed(data, 33);
		k->intercept_misc2 = (uint32_t)seed(data, 34) | 1;
		k->iopm_base_pa = 0x30000;
		k->msrpm_base_pa = 0x34000;
		k->asid = 1 + (data[6] & 31);
		k->nested_ctl = data[7] & 7;
		k->nested_cr3 = 0x1000;
		k->tlb_ctl = data[8] & 7;
		k->event_inj = (uint32_t)seed(data, 35) & 0x80000fffu;
		k->event_inj_err = (uint32_t)seed(data, 36);
		k->vmsa_pa = 0x21000;
		k->int_ctl = (uint32_t)seed(data, 37) & 0x011f01ffu; /* V_TPR..V_INTR_MASKING */
		k->int_vector = data[15];
		k->int_state = data[11] & 1;
		s->cs = (ss_vmsa_segment){0x08, 0x29b, 0xffffffff, 0};
		s->ss = s->ds = s->es = (ss_vmsa_segment){0x10, 0xc93, 0xffffffff, 0};
		s->gdtr = (ss_vmsa_segment){0, 0, 0xfff, 0x5000};
		s->idtr = (ss_vmsa_segment){0, 0, 0xfff, 0x4000};
		s->tr = (ss_vmsa_segment){0x40, 0x8b, 0x67, 0x6000};
		s->efer = r->efer | 0x1000;
		s->cr0 = r->cr0 | 0x80000000;
		s->cr3 = 0x1000;
		s->cr4 = r->cr4;
		s->rflags = r->rflags;
		s->rip = CODE_AT;
		pick_mode(data[10], &s->cr0, &s->cr4, &s->efer, &s->cs.selector, &s->cs.attrib,
			  &s->cs.base, &s->cs.limit, &s->rip);
		s->rsp = r->gpr[4];
		memcpy(ram.ram + 0x21000, s, sizeof(*s));
		r->efer |= 0x1000;
		r->syscfg = 1ull << 23;
		for (int round = 0; round < 4; round++) {
			if (ss_cpu_vmrun(c, 0x20000, 2000, &ex, &err))
				break;
			if (ex.reason != SS_CPU_EXIT_VMEXIT)
				continue;
			if (k->exit_code == ~0ull)
				break;
			if (k->next_rip)
				s->rip = k->next_rip;
		}
		ss_cpu_free(c);
		free(ram.ram);
		return 0;
	}
	for (int round = 0; round < 8; round++) {
		if (ss_cpu_run(c, 2000, &ex, &err))
			break;
		if (ex.reason == SS_CPU_EXIT_IO || ex.reason == SS_CPU_EXIT_MSR ||
		    ex.reason == SS_CPU_EXIT_HOOK) {
			if (ex.insn_len < 1 || ex.insn_len > 15)
				abort();
			ss_cpu_skip(c, &ex);
			continue;
		}
		if (ex.reason == SS_CPU_EXIT_EXCEPTION) {
			if (ex.vector > 31)
				abort();
			break;
		}
		if (ex.reason > SS_CPU_EXIT_UNSUPPORTED)
			abort();
		break;
	}
	ss_cpu_free(c);
	free(ram.ram);
	return 0;
}
