/* The CPUID model: a Milan- or Genoa-like family 19h part offering what the interpreter implements
 * (long mode, NX, 1 GiB pages, SYSCALL, RDTSCP, LAHF/SAHF, LZCNT/POPCNT, CMPXCHG16B, SMEP/SMAP,
 * SSE/SSE2, FXSR, XSAVE/XSAVEOPT with x87/SSE state, SVM with nested paging, NRIPS, flush-by-ASID)
 * and the SEV leaf 0x8000001F as configured (cpu-svm-sev.md §1.6, §9.1). */
#include "cpu/core.h"

static void brand(uint32_t leaf, const char *s, uint32_t out[4])
{
	char b[48] = {0};
	size_t n = strlen(s);
	memcpy(b, s, n < 48 ? n : 47);
	memcpy(out, b + 16 * (leaf - 0x80000002u), 16);
}

void ss_cpuid(ss_cpu *c, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	int genoa = c->cfg.model == SS_CPU_GENOA;
	/* Family 19h: Milan model 01h, Genoa model 11h (stepping 1). */
	uint32_t fms = genoa ? 0x00A10F11u : 0x00A00F11u;
	memset(out, 0, 16);
	switch (leaf) {
	case 0:
		out[0] = 0x10;
		out[1] = 0x68747541; /* "Auth" */
		out[3] = 0x69746e65; /* "enti" */
		out[2] = 0x444d4163; /* "cAMD" */
		break;
	case 1:
		out[0] = fms;
		out[1] =
		    (8u << 8) | (1u << 16); /* CLFLUSH line 8 qwords, 1 logical CPU, APIC ID 0 */
		/* ECX: CX16, POPCNT, XSAVE, OSXSAVE (mirrors CR4), hypervisor. SSE3 and later are
		 * not implemented, so not offered. */
		out[2] = (1u << 13) | (1u << 23) | (1u << 26);
		if (c->r.cr4 & CR4_OSXSAVE)
			out[2] |= 1u << 27;
		if (c->cfg.hypervisor_bit)
			out[2] |= 1u << 31;
		/* EDX: FPU DE PSE TSC MSR PAE MCE CX8 APIC SEP MTRR PGE MCA CMOV PAT PSE36 CLFSH
		 * MMX FXSR SSE SSE2 HTT. x86-64 requires FPU and MMX: their control and data-move
		 * instructions are implemented, x87 arithmetic and the other MMX instructions leave
		 * with SS_CPU_EXIT_UNSUPPORTED (README, CPU). */
		out[3] = 0x178bfbfdu;
		break;
	case 7:
		if (sub == 0)
			out[1] = (1u << 7) | (1u << 20); /* SMEP, SMAP */
		break;
	case 0xD:
		/* Sub-leaf 0: x87 and SSE state (XCR0 bits 0-1), 576-byte area (legacy region +
		 * header); sub-leaf 1: XSAVEOPT. No XSAVEC/XSAVES, XGETBV ECX=1 or supervisor
		 * state. */
		if (sub == 0) {
			out[0] = 3;
			out[1] = out[2] = 576;
		} else if (sub == 1) {
			out[0] = 1;
		}
		break;
	case 0x80000000:
		out[0] = 0x8000001F;
		out[1] = 0x68747541;
		out[3] = 0x69746e65;
		out[2] = 0x444d4163;
		break;
	case 0x80000001:
		out[0] = fms;
		/* ECX: LahfSahf, SVM, ABM (LZCNT), 3DNowPrefetch. */
		out[2] = 1u | (1u << 2) | (1u << 5) | (1u << 8);
		/* EDX: SYSCALL, NX, Page1GB, RDTSCP, LM plus the leaf-1 basics AMD repeats. */
		out[3] = (1u << 11) | (1u << 20) | (1u << 26) | (1u << 27) | (1u << 29) |
			 (0x178bfbfdu & 0x0183f3ffu);
		break;
	case 0x80000002:
	case 0x80000003:
	case 0x80000004:
		brand(leaf,
		      genoa ? "AMD EPYC 9654 96-Core Processor (softsev)"
			    : "AMD EPYC 7763 64-Core Processor (softsev)",
		      out);
		break;
	case 0x80000008:
		out[0] = 0x3030; /* 48 physical, 48 linear address bits */
		break;
	case 0x8000000A:
		out[0] = 1;	 /* SVM revision */
		out[1] = 0x8000; /* number of ASIDs */
		/* EDX: NP, NRIPS, VMCB clean, flush by ASID, decode assists. */
		out[3] = (1u << 0) | (1u << 3) | (1u << 5) | (1u << 6) | (1u << 7);
		break;
	case 0x8000001F:
		if (c->cfg.sev_leaf[0] | c->cfg.sev_leaf[1] | c->cfg.sev_leaf[2] |
		    c->cfg.sev_leaf[3]) {
			memcpy(out, c->cfg.sev_leaf, 16);
		} else {
			/* Milan example of cpu-svm-sev.md §9.1: SME, SEV, ES, SNP, VMPL, ...; C-bit
			 * 51, 4 VMPLs; 253 guests, plain SEV from ASID 15. Genoa: 509 guests. */
			out[0] = 0x0101FD3F;
			out[1] = 0x00004133;
			out[2] = genoa ? 0x1FD : 0xFD;
			out[3] = 0xF;
		}
		break;
	default: break;
	}
}

void ss_cpu_cpuid(ss_cpu *c, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	ss_cpuid(c, leaf, sub, out);
}
