/* Model-specific registers the core implements itself; anything else leaves ss_cpu_run with
 * SS_CPU_EXIT_MSR for the caller (hypervisor or test) to emulate. Numbers: cpu-svm-sev.md §1.6,
 * §2.3, §6, §9.2 and the AMD APM vol. 2 MSR appendix. */
#include "cpu/core.h"

static uint64_t *field(ss_cpu *c, uint32_t msr)
{
	switch (msr) {
	case 0x0000001B: return &c->r.apic_base;
	case 0x00000048: return &c->r.spec_ctrl;
	case 0x00000174: return &c->r.sysenter_cs;
	case 0x00000175: return &c->r.sysenter_esp;
	case 0x00000176: return &c->r.sysenter_eip;
	case 0xC0000081: return &c->r.star;
	case 0xC0000082: return &c->r.lstar;
	case 0xC0000083: return &c->r.cstar;
	case 0xC0000084: return &c->r.sfmask;
	case 0xC0000100: return &c->r.seg[SS_SEG_FS].base;
	case 0xC0000101: return &c->r.seg[SS_SEG_GS].base;
	case 0xC0000102: return &c->r.kernel_gs_base;
	case 0xC0000103: return &c->r.tsc_aux;
	case 0xC0010010: return &c->r.syscfg;
	case 0xC0010015: return &c->r.hwcr;
	case 0xC0010114: return &c->r.vm_cr;
	case 0xC0010117: return &c->r.vm_hsave_pa;
	case 0xC0010130: return &c->r.ghcb_msr;
	case 0xC0010131: return &c->r.sev_status;
	default: return NULL;
	}
}

int ss_msr_read(ss_cpu *c, uint32_t msr, uint64_t *v)
{
	switch (msr) {
	case 0x00000010: *v = ss_tsc(c); return 0;
	case 0x00000277: *v = c->r.pat; return 0;
	case 0xC0000080: *v = c->r.efer; return 0;
	default: break;
	}
	uint64_t *f = field(c, msr);
	if (!f)
		return -1;
	*v = *f;
	return 0;
}

int ss_msr_write(ss_cpu *c, uint32_t msr, uint64_t v)
{
	switch (msr) {
	case 0x00000010: c->r.tsc_offset = v - icount_now(c); return 0;
	case 0x00000277:
		/* Each PAT entry is a memory type 0,1,4,5,6,7 (APM vol. 2 §7.8.2). */
		for (int k = 0; k < 8; k++) {
			unsigned t = (unsigned)(v >> (8 * k)) & 0xff;
			if (t > 7 || t == 2 || t == 3)
				return -2;
		}
		c->r.pat = v;
		return 0;
	case 0xC0000080: {
		/* EFER: SCE, LME, LMA (read-only), NXE, SVME, LMSLE, FFXSR, TCE. */
		uint64_t ok = 0x1ull | 0x100ull | 0x400ull | 0x800ull | 0x1000ull | 0x2000ull |
			      0x4000ull | 0x8000ull;
		if (v & ~ok)
			return -2;
		if (((v ^ c->r.efer) & EFER_LME) && (c->r.cr0 & CR0_PG))
			return -2; /* LME cannot change with paging on */
		c->r.efer = (v & ~EFER_LMA) | (c->r.efer & EFER_LMA);
		ss_cpu_flush_tlb(c);
		return 0;
	}
	case 0xC0010131: return -2; /* SEV_STATUS is read-only */
	case 0xC0000100:
	case 0xC0000101:
	case 0xC0000102:
	case 0xC0000082:
	case 0xC0000083:
		if (!ss_canonical(c, v))
			return -2;
		break;
	default: break;
	}
	uint64_t *f = field(c, msr);
	if (!f)
		return -1;
	*f = v;
	return 0;
}
