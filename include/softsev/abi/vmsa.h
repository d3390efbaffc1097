/* The SEV-ES / SEV-SNP save area (VMSA): one 4 KiB page per vCPU (and per VMPL under SNP) holding
 * the guest's whole register state, encrypted with the guest key.
 *
 * Layout: cpu-svm-sev.md §2.2 (`struct sev_es_save_area`, Linux asserts 0x670 architected bytes,
 * the page is 4 KiB) and measurement.md §1.5 (the same offsets as sev-snp-measure's vmsa.py).
 * Offsets 0x000-0x66F are the architected part; beyond that cpu-svm-sev.md §2.2 names the LBR stack
 * at 0x670, FPREG_KI at 0x980, ZMM_Hi256 at 0x9C0 and Hi16_ZMM at 0xBC0 (the firmware's checksum
 * covers the first 0xFC0 bytes). The fields between 0x770 and 0x980 (LBR_SELECT, IBS state) are
 * not given offsets by the spec and are kept as one opaque block.
 *
 * All fields are naturally aligned, so no packing is needed; every offset is asserted below. */
#ifndef SOFTSEV_ABI_VMSA_H
#define SOFTSEV_ABI_VMSA_H

#include <stddef.h>
#include <stdint.h>

#define SS_VMSA_SIZE 4096u

/* A segment register as VMRUN loads it: the selector and the hidden descriptor cache. The attrib
 * word is the descriptor's type/S/DPL/P (bits 7:0) and AVL/L/D/G (bits 11:8), i.e. descriptor
 * bytes 5 and 6 packed without the limit nibble (cpu-svm-sev.md §2.1). */
typedef struct ss_vmsa_segment {
	uint16_t selector;
	uint16_t attrib;
	uint32_t limit;
	uint64_t base;
} ss_vmsa_segment;
_Static_assert(sizeof(ss_vmsa_segment) == 16, "segment is 16 bytes");
_Static_assert(offsetof(ss_vmsa_segment, attrib) == 2, "attrib");
_Static_assert(offsetof(ss_vmsa_segment, limit) == 4, "limit");
_Static_assert(offsetof(ss_vmsa_segment, base) == 8, "base");

typedef struct ss_vmsa {
	ss_vmsa_segment es;   /* 0x000 */
	ss_vmsa_segment cs;   /* 0x010 */
	ss_vmsa_segment ss;   /* 0x020 */
	ss_vmsa_segment ds;   /* 0x030 */
	ss_vmsa_segment fs;   /* 0x040 */
	ss_vmsa_segment gs;   /* 0x050 */
	ss_vmsa_segment gdtr; /* 0x060: limit and base only */
	ss_vmsa_segment ldtr; /* 0x070 */
	ss_vmsa_segment idtr; /* 0x080: limit and base only */
	ss_vmsa_segment tr;   /* 0x090 */
	uint64_t pl0_ssp;     /* 0x0A0: shadow stack pointers per privilege level (CET) */
	uint64_t pl1_ssp;     /* 0x0A8 */
	uint64_t pl2_ssp;     /* 0x0B0 */
	uint64_t pl3_ssp;     /* 0x0B8 */
	uint64_t u_cet;	      /* 0x0C0 */
	uint8_t reserved_0c8[2];
	uint8_t vmpl; /* 0x0CA: SNP, the VMPL this VMSA runs at (0..3) */
	uint8_t cpl;  /* 0x0CB */
	uint8_t reserved_0cc[4];
	uint64_t efer; /* 0x0D0 */
	uint8_t reserved_0d8[104];
	uint64_t xss;	 /* 0x140 */
	uint64_t cr4;	 /* 0x148 */
	uint64_t cr3;	 /* 0x150 */
	uint64_t cr0;	 /* 0x158 */
	uint64_t dr7;	 /* 0x160 */
	uint64_t dr6;	 /* 0x168 */
	uint64_t rflags; /* 0x170 */
	uint64_t rip;	 /* 0x178 */
	uint64_t dr0;	 /* 0x180: DR0-3 and their address masks (DebugSwap) */
	uint64_t dr1;
	uint64_t dr2;
	uint64_t dr3;
	uint64_t dr0_addr_mask; /* 0x1A0 */
	uint64_t dr1_addr_mask;
	uint64_t dr2_addr_mask;
	uint64_t dr3_addr_mask;
	uint8_t reserved_1c0[24];
	uint64_t rsp;		 /* 0x1D8 */
	uint64_t s_cet;		 /* 0x1E0 */
	uint64_t ssp;		 /* 0x1E8 */
	uint64_t isst_addr;	 /* 0x1F0 */
	uint64_t rax;		 /* 0x1F8 */
	uint64_t star;		 /* 0x200 */
	uint64_t lstar;		 /* 0x208 */
	uint64_t cstar;		 /* 0x210 */
	uint64_t sfmask;	 /* 0x218 */
	uint64_t kernel_gs_base; /* 0x220 */
	uint64_t sysenter_cs;	 /* 0x228 */
	uint64_t sysenter_esp;	 /* 0x230 */
	uint64_t sysenter_eip;	 /* 0x238 */
	uint64_t cr2;		 /* 0x240 */
	uint8_t reserved_248[32];
	uint64_t g_pat;		 /* 0x268: guest PAT for nested paging */
	uint64_t dbgctl;	 /* 0x270 */
	uint64_t br_from;	 /* 0x278 */
	uint64_t br_to;		 /* 0x280 */
	uint64_t last_excp_from; /* 0x288 */
	uint64_t last_excp_to;	 /* 0x290 */
	uint8_t reserved_298[80];
	uint32_t pkru;		 /* 0x2E8 */
	uint32_t tsc_aux;	 /* 0x2EC */
	uint64_t tsc_scale;	 /* 0x2F0: Secure TSC; measured as zero (firmware-abi.md §4.6) */
	uint64_t tsc_offset;	 /* 0x2F8: Secure TSC; measured as zero */
	uint64_t reg_prot_nonce; /* 0x300: VmsaRegProt (cpu-svm-sev.md §2.5) */
	uint64_t rcx;		 /* 0x308 */
	uint64_t rdx;		 /* 0x310: at reset, CPUID(1).EAX (the vCPU signature) */
	uint64_t rbx;		 /* 0x318 */
	uint64_t reserved_320;	 /* RSP lives at 0x1D8 */
	uint64_t rbp;		 /* 0x328 */
	uint64_t rsi;		 /* 0x330 */
	uint64_t rdi;		 /* 0x338 */
	uint64_t r8;		 /* 0x340 */
	uint64_t r9;
	uint64_t r10;
	uint64_t r11;
	uint64_t r12;
	uint64_t r13;
	uint64_t r14;
	uint64_t r15; /* 0x378 */
	uint8_t reserved_380[16];
	uint64_t guest_exit_info_1;   /* 0x390 */
	uint64_t guest_exit_info_2;   /* 0x398 */
	uint64_t guest_exit_int_info; /* 0x3A0 */
	uint64_t guest_nrip;	      /* 0x3A8 */
	uint64_t sev_features;	      /* 0x3B0: cpu-svm-sev.md §2.3 */
	uint64_t vintr_ctrl;	      /* 0x3B8: cpu-svm-sev.md §2.4 */
	uint64_t guest_exit_code;     /* 0x3C0 */
	uint64_t virtual_tom;	      /* 0x3C8 */
	uint64_t tlb_id;	      /* 0x3D0 */
	uint64_t pcpu_id;	      /* 0x3D8 */
	uint64_t event_inj;	      /* 0x3E0 */
	uint64_t xcr0;		      /* 0x3E8 */
	uint8_t reserved_3f0[16];
	uint64_t x87_dp;	/* 0x400 */
	uint32_t mxcsr;		/* 0x408 */
	uint16_t x87_ftw;	/* 0x40C */
	uint16_t x87_fsw;	/* 0x40E */
	uint16_t x87_fcw;	/* 0x410 */
	uint16_t x87_fop;	/* 0x412 */
	uint16_t x87_ds;	/* 0x414 */
	uint16_t x87_cs;	/* 0x416 */
	uint64_t x87_rip;	/* 0x418 */
	uint8_t fpreg_x87[80];	/* 0x420: 8 significands (8 B) then 8 sign+exponent words */
	uint8_t fpreg_xmm[256]; /* 0x470: XMM0-15 */
	uint8_t fpreg_ymm[256]; /* 0x570: YMM0-15 upper halves */
	uint64_t lbr_stack[32]; /* 0x670: LBR from/to pairs */
	uint8_t
	    lbr_ibs_state[0x980 - 0x770]; /* 0x770: LBR_SELECT, IBS state (offsets not in spec) */
	uint64_t fpreg_ki[8];		  /* 0x980: AVX-512 opmask K0-7 */
	uint8_t zmm_hi256[512];		  /* 0x9C0: ZMM0-15 bits 511:256 */
	uint8_t hi16_zmm[1024];		  /* 0xBC0: ZMM16-31 */
	uint8_t reserved_fc0[64];	  /* 0xFC0: outside the firmware's checksum */
} ss_vmsa;

#define SS_VMSA_OFF(field, off) _Static_assert(offsetof(ss_vmsa, field) == (off), "VMSA " #field)
SS_VMSA_OFF(es, 0x000);
SS_VMSA_OFF(cs, 0x010);
SS_VMSA_OFF(ss, 0x020);
SS_VMSA_OFF(ds, 0x030);
SS_VMSA_OFF(fs, 0x040);
SS_VMSA_OFF(gs, 0x050);
SS_VMSA_OFF(gdtr, 0x060);
SS_VMSA_OFF(ldtr, 0x070);
SS_VMSA_OFF(idtr, 0x080);
SS_VMSA_OFF(tr, 0x090);
SS_VMSA_OFF(pl0_ssp, 0x0A0);
SS_VMSA_OFF(pl3_ssp, 0x0B8);
SS_VMSA_OFF(u_cet, 0x0C0);
SS_VMSA_OFF(vmpl, 0x0CA);
SS_VMSA_OFF(cpl, 0x0CB);
SS_VMSA_OFF(efer, 0x0D0);
SS_VMSA_OFF(xss, 0x140);
SS_VMSA_OFF(cr4, 0x148);
SS_VMSA_OFF(cr3, 0x150);
SS_VMSA_OFF(cr0, 0x158);
SS_VMSA_OFF(dr7, 0x160);
SS_VMSA_OFF(dr6, 0x168);
SS_VMSA_OFF(rflags, 0x170);
SS_VMSA_OFF(rip, 0x178);
SS_VMSA_OFF(dr0, 0x180);
SS_VMSA_OFF(dr3, 0x198);
SS_VMSA_OFF(dr0_addr_mask, 0x1A0);
SS_VMSA_OFF(dr3_addr_mask, 0x1B8);
SS_VMSA_OFF(rsp, 0x1D8);
SS_VMSA_OFF(s_cet, 0x1E0);
SS_VMSA_OFF(ssp, 0x1E8);
SS_VMSA_OFF(isst_addr, 0x1F0);
SS_VMSA_OFF(rax, 0x1F8);
SS_VMSA_OFF(star, 0x200);
SS_VMSA_OFF(lstar, 0x208);
SS_VMSA_OFF(cstar, 0x210);
SS_VMSA_OFF(sfmask, 0x218);
SS_VMSA_OFF(kernel_gs_base, 0x220);
SS_VMSA_OFF(sysenter_cs, 0x228);
SS_VMSA_OFF(sysenter_esp, 0x230);
SS_VMSA_OFF(sysenter_eip, 0x238);
SS_VMSA_OFF(cr2, 0x240);
SS_VMSA_OFF(g_pat, 0x268);
SS_VMSA_OFF(dbgctl, 0x270);
SS_VMSA_OFF(br_from, 0x278);
SS_VMSA_OFF(br_to, 0x280);
SS_VMSA_OFF(last_excp_from, 0x288);
SS_VMSA_OFF(last_excp_to, 0x290);
SS_VMSA_OFF(pkru, 0x2E8);
SS_VMSA_OFF(tsc_aux, 0x2EC);
SS_VMSA_OFF(tsc_scale, 0x2F0);
SS_VMSA_OFF(tsc_offset, 0x2F8);
SS_VMSA_OFF(reg_prot_nonce, 0x300);
SS_VMSA_OFF(rcx, 0x308);
SS_VMSA_OFF(rdx, 0x310);
SS_VMSA_OFF(rbx, 0x318);
SS_VMSA_OFF(rbp, 0x328);
SS_VMSA_OFF(rsi, 0x330);
SS_VMSA_OFF(rdi, 0x338);
SS_VMSA_OFF(r8, 0x340);
SS_VMSA_OFF(r15, 0x378);
SS_VMSA_OFF(guest_exit_info_1, 0x390);
SS_VMSA_OFF(guest_exit_info_2, 0x398);
SS_VMSA_OFF(guest_exit_int_info, 0x3A0);
SS_VMSA_OFF(guest_nrip, 0x3A8);
SS_VMSA_OFF(sev_features, 0x3B0);
SS_VMSA_OFF(vintr_ctrl, 0x3B8);
SS_VMSA_OFF(guest_exit_code, 0x3C0);
SS_VMSA_OFF(virtual_tom, 0x3C8);
SS_VMSA_OFF(tlb_id, 0x3D0);
SS_VMSA_OFF(pcpu_id, 0x3D8);
SS_VMSA_OFF(event_inj, 0x3E0);
SS_VMSA_OFF(xcr0, 0x3E8);
SS_VMSA_OFF(x87_dp, 0x400);
SS_VMSA_OFF(mxcsr, 0x408);
SS_VMSA_OFF(x87_ftw, 0x40C);
SS_VMSA_OFF(x87_fsw, 0x40E);
SS_VMSA_OFF(x87_fcw, 0x410);
SS_VMSA_OFF(x87_fop, 0x412);
SS_VMSA_OFF(x87_ds, 0x414);
SS_VMSA_OFF(x87_cs, 0x416);
SS_VMSA_OFF(x87_rip, 0x418);
SS_VMSA_OFF(fpreg_x87, 0x420);
SS_VMSA_OFF(fpreg_xmm, 0x470);
SS_VMSA_OFF(fpreg_ymm, 0x570);
SS_VMSA_OFF(lbr_stack, 0x670);
SS_VMSA_OFF(lbr_ibs_state, 0x770);
SS_VMSA_OFF(fpreg_ki, 0x980);
SS_VMSA_OFF(zmm_hi256, 0x9C0);
SS_VMSA_OFF(hi16_zmm, 0xBC0);
SS_VMSA_OFF(reserved_fc0, 0xFC0);
#undef SS_VMSA_OFF
_Static_assert(sizeof(ss_vmsa) == SS_VMSA_SIZE, "the VMSA is one 4 KiB page");

/* The architected part Linux checks (EXPECTED_SEV_ES_SAVE_AREA_SIZE). */
#define SS_VMSA_ARCH_SIZE 0x670u

/* The GPA KVM records for VMSA pages in the RMP and that the SNP launch digest measures:
 * (u64)-1 page-aligned with bits above 51 cleared (firmware-abi.md §4.6, measurement.md §4.1). */
#define SS_VMSA_GPA 0x0000FFFFFFFFF000ull

#endif
