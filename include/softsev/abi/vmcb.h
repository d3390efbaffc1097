/* The VMCB: one 4 KiB page, a 1024-byte control area followed by the legacy (non-ES) save area at
 * 0x400. Layout: cpu-svm-sev.md §1.1 (control area field map), §1.2-§1.4 (intercept bits, int_ctl,
 * EVENTINJ), §1.6 (permission maps) and §2.1 (save area, Linux asserts 744 bytes). The SEV-ES save
 * area lives in its own page (include/softsev/abi/vmsa.h); the segment format is shared with it.
 * Every field is naturally aligned; every offset is asserted. */
#ifndef SOFTSEV_ABI_VMCB_H
#define SOFTSEV_ABI_VMCB_H

#include <softsev/abi/vmsa.h>
#include <stddef.h>
#include <stdint.h>

#define SS_VMCB_SIZE	    4096u
#define SS_VMCB_SAVE_OFFSET 0x400u

typedef struct ss_vmcb_control {
	uint32_t intercept_cr;	  /* 0x000: bits 0-15 read CR0-15, 16-31 write CR0-15 */
	uint32_t intercept_dr;	  /* 0x004: bits 0-15 read DR0-15, 16-31 write DR0-15 */
	uint32_t intercept_exc;	  /* 0x008: bit n = exception vector n */
	uint32_t intercept_misc1; /* 0x00C: word 3, SS_ICPT_* below */
	uint32_t intercept_misc2; /* 0x010: word 4 */
	uint32_t intercept_misc3; /* 0x014: word 5 */
	uint8_t reserved_018[36];
	uint16_t pause_filter_thresh; /* 0x03C */
	uint16_t pause_filter_count;  /* 0x03E */
	uint64_t iopm_base_pa;	      /* 0x040: 12 KiB I/O permission map */
	uint64_t msrpm_base_pa;	      /* 0x048: 8 KiB MSR permission map */
	uint64_t tsc_offset;	      /* 0x050 */
	uint32_t asid;		      /* 0x058: 0 is invalid for a guest */
	uint8_t tlb_ctl;	      /* 0x05C: SS_TLB_CTL_* */
	uint8_t erap_ctl;	      /* 0x05D */
	uint8_t reserved_05e[2];
	uint32_t int_ctl;    /* 0x060: SS_INT_CTL_* */
	uint32_t int_vector; /* 0x064: bits 7:0 V_INTR vector */
	uint32_t int_state;  /* 0x068: bit 0 interrupt shadow, bit 1 guest IF */
	uint8_t reserved_06c[4];
	uint64_t exit_code;	    /* 0x070: SS_SVM_EXIT_* (abi/svm_exit.h) */
	uint64_t exit_info_1;	    /* 0x078 */
	uint64_t exit_info_2;	    /* 0x080 */
	uint32_t exit_int_info;	    /* 0x088: EVENTINJ format */
	uint32_t exit_int_info_err; /* 0x08C */
	uint64_t nested_ctl;	    /* 0x090: bit 0 NP, 1 SEV, 2 SEV-ES, 3 GMET */
	uint64_t avic_vapic_bar;    /* 0x098 */
	uint64_t ghcb_gpa;	    /* 0x0A0 */
	uint32_t event_inj;	    /* 0x0A8: EVENTINJ */
	uint32_t event_inj_err;	    /* 0x0AC */
	uint64_t nested_cr3;	    /* 0x0B0: nCR3 */
	uint64_t virt_ext; /* 0x0B8: bit 0 LBR virtualization, bit 1 virtual VMLOAD/VMSAVE */
	uint32_t clean;	   /* 0x0C0: VMCB clean bits */
	uint8_t reserved_0c4[4];
	uint64_t next_rip;	    /* 0x0C8: NRIP save */
	uint8_t insn_len;	    /* 0x0D0: decode assists */
	uint8_t insn_bytes[15];	    /* 0x0D1 */
	uint64_t avic_backing_page; /* 0x0E0 */
	uint8_t reserved_0e8[8];
	uint64_t avic_logical_id;  /* 0x0F0 */
	uint64_t avic_physical_id; /* 0x0F8 */
	uint8_t reserved_100[8];
	uint64_t vmsa_pa; /* 0x108: SEV-ES/SNP save area (sPA) */
	uint8_t reserved_110[16];
	uint16_t bus_lock_counter; /* 0x120 */
	uint8_t reserved_122[22];
	uint64_t allowed_sev_features; /* 0x138 */
	uint64_t guest_sev_features;   /* 0x140 */
	uint8_t reserved_148[0x3E0 - 0x148];
	uint8_t reserved_sw[32]; /* 0x3E0: software use */
} ss_vmcb_control;

_Static_assert(sizeof(ss_vmcb_control) == 0x400, "control area is 1024 bytes (§1)");
_Static_assert(offsetof(ss_vmcb_control, intercept_dr) == 0x004, "intercept_dr");
_Static_assert(offsetof(ss_vmcb_control, intercept_exc) == 0x008, "intercept_exc");
_Static_assert(offsetof(ss_vmcb_control, intercept_misc1) == 0x00C, "intercept_misc1");
_Static_assert(offsetof(ss_vmcb_control, intercept_misc2) == 0x010, "intercept_misc2");
_Static_assert(offsetof(ss_vmcb_control, intercept_misc3) == 0x014, "intercept_misc3");
_Static_assert(offsetof(ss_vmcb_control, pause_filter_thresh) == 0x03C, "pause_filter_thresh");
_Static_assert(offsetof(ss_vmcb_control, pause_filter_count) == 0x03E, "pause_filter_count");
_Static_assert(offsetof(ss_vmcb_control, iopm_base_pa) == 0x040, "iopm_base_pa");
_Static_assert(offsetof(ss_vmcb_control, msrpm_base_pa) == 0x048, "msrpm_base_pa");
_Static_assert(offsetof(ss_vmcb_control, tsc_offset) == 0x050, "tsc_offset");
_Static_assert(offsetof(ss_vmcb_control, asid) == 0x058, "asid");
_Static_assert(offsetof(ss_vmcb_control, tlb_ctl) == 0x05C, "tlb_ctl");
_Static_assert(offsetof(ss_vmcb_control, erap_ctl) == 0x05D, "erap_ctl");
_Static_assert(offsetof(ss_vmcb_control, int_ctl) == 0x060, "int_ctl");
_Static_assert(offsetof(ss_vmcb_control, int_vector) == 0x064, "int_vector");
_Static_assert(offsetof(ss_vmcb_control, int_state) == 0x068, "int_state");
_Static_assert(offsetof(ss_vmcb_control, exit_code) == 0x070, "exit_code");
_Static_assert(offsetof(ss_vmcb_control, exit_info_1) == 0x078, "exit_info_1");
_Static_assert(offsetof(ss_vmcb_control, exit_info_2) == 0x080, "exit_info_2");
_Static_assert(offsetof(ss_vmcb_control, exit_int_info) == 0x088, "exit_int_info");
_Static_assert(offsetof(ss_vmcb_control, exit_int_info_err) == 0x08C, "exit_int_info_err");
_Static_assert(offsetof(ss_vmcb_control, nested_ctl) == 0x090, "nested_ctl");
_Static_assert(offsetof(ss_vmcb_control, avic_vapic_bar) == 0x098, "avic_vapic_bar");
_Static_assert(offsetof(ss_vmcb_control, ghcb_gpa) == 0x0A0, "ghcb_gpa");
_Static_assert(offsetof(ss_vmcb_control, event_inj) == 0x0A8, "event_inj");
_Static_assert(offsetof(ss_vmcb_control, event_inj_err) == 0x0AC, "event_inj_err");
_Static_assert(offsetof(ss_vmcb_control, nested_cr3) == 0x0B0, "nested_cr3");
_Static_assert(offsetof(ss_vmcb_control, virt_ext) == 0x0B8, "virt_ext");
_Static_assert(offsetof(ss_vmcb_control, clean) == 0x0C0, "clean");
_Static_assert(offsetof(ss_vmcb_control, next_rip) == 0x0C8, "next_rip");
_Static_assert(offsetof(ss_vmcb_control, insn_len) == 0x0D0, "insn_len");
_Static_assert(offsetof(ss_vmcb_control, insn_bytes) == 0x0D1, "insn_bytes");
_Static_assert(offsetof(ss_vmcb_control, avic_backing_page) == 0x0E0, "avic_backing_page");
_Static_assert(offsetof(ss_vmcb_control, avic_logical_id) == 0x0F0, "avic_logical_id");
_Static_assert(offsetof(ss_vmcb_control, avic_physical_id) == 0x0F8, "avic_physical_id");
_Static_assert(offsetof(ss_vmcb_control, vmsa_pa) == 0x108, "vmsa_pa");
_Static_assert(offsetof(ss_vmcb_control, bus_lock_counter) == 0x120, "bus_lock_counter");
_Static_assert(offsetof(ss_vmcb_control, allowed_sev_features) == 0x138, "allowed_sev_features");
_Static_assert(offsetof(ss_vmcb_control, guest_sev_features) == 0x140, "guest_sev_features");
_Static_assert(offsetof(ss_vmcb_control, reserved_sw) == 0x3E0, "reserved_sw");

/* Legacy save area (cpu-svm-sev.md §2.1), offsets relative to VMCB+0x400. */
typedef struct ss_vmcb_save {
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
	uint8_t reserved_0a0[42];
	uint8_t vmpl; /* 0x0CA */
	uint8_t cpl;  /* 0x0CB */
	uint8_t reserved_0cc[4];
	uint64_t efer; /* 0x0D0 */
	uint8_t reserved_0d8[112];
	uint64_t cr4;	 /* 0x148 */
	uint64_t cr3;	 /* 0x150 */
	uint64_t cr0;	 /* 0x158 */
	uint64_t dr7;	 /* 0x160 */
	uint64_t dr6;	 /* 0x168 */
	uint64_t rflags; /* 0x170 */
	uint64_t rip;	 /* 0x178 */
	uint8_t reserved_180[88];
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
	uint8_t reserved_298[72];
	uint64_t spec_ctrl; /* 0x2E0 */
} ss_vmcb_save;

_Static_assert(sizeof(ss_vmcb_save) == 744, "legacy save area is 744 bytes (§2.1)");
_Static_assert(offsetof(ss_vmcb_save, cs) == 0x010, "cs");
_Static_assert(offsetof(ss_vmcb_save, ss) == 0x020, "ss");
_Static_assert(offsetof(ss_vmcb_save, ds) == 0x030, "ds");
_Static_assert(offsetof(ss_vmcb_save, fs) == 0x040, "fs");
_Static_assert(offsetof(ss_vmcb_save, gs) == 0x050, "gs");
_Static_assert(offsetof(ss_vmcb_save, gdtr) == 0x060, "gdtr");
_Static_assert(offsetof(ss_vmcb_save, ldtr) == 0x070, "ldtr");
_Static_assert(offsetof(ss_vmcb_save, idtr) == 0x080, "idtr");
_Static_assert(offsetof(ss_vmcb_save, tr) == 0x090, "tr");
_Static_assert(offsetof(ss_vmcb_save, vmpl) == 0x0CA, "vmpl");
_Static_assert(offsetof(ss_vmcb_save, cpl) == 0x0CB, "cpl");
_Static_assert(offsetof(ss_vmcb_save, efer) == 0x0D0, "efer");
_Static_assert(offsetof(ss_vmcb_save, cr4) == 0x148, "cr4");
_Static_assert(offsetof(ss_vmcb_save, cr3) == 0x150, "cr3");
_Static_assert(offsetof(ss_vmcb_save, cr0) == 0x158, "cr0");
_Static_assert(offsetof(ss_vmcb_save, dr7) == 0x160, "dr7");
_Static_assert(offsetof(ss_vmcb_save, dr6) == 0x168, "dr6");
_Static_assert(offsetof(ss_vmcb_save, rflags) == 0x170, "rflags");
_Static_assert(offsetof(ss_vmcb_save, rip) == 0x178, "rip");
_Static_assert(offsetof(ss_vmcb_save, rsp) == 0x1D8, "rsp");
_Static_assert(offsetof(ss_vmcb_save, s_cet) == 0x1E0, "s_cet");
_Static_assert(offsetof(ss_vmcb_save, ssp) == 0x1E8, "ssp");
_Static_assert(offsetof(ss_vmcb_save, isst_addr) == 0x1F0, "isst_addr");
_Static_assert(offsetof(ss_vmcb_save, rax) == 0x1F8, "rax");
_Static_assert(offsetof(ss_vmcb_save, star) == 0x200, "star");
_Static_assert(offsetof(ss_vmcb_save, lstar) == 0x208, "lstar");
_Static_assert(offsetof(ss_vmcb_save, cstar) == 0x210, "cstar");
_Static_assert(offsetof(ss_vmcb_save, sfmask) == 0x218, "sfmask");
_Static_assert(offsetof(ss_vmcb_save, kernel_gs_base) == 0x220, "kernel_gs_base");
_Static_assert(offsetof(ss_vmcb_save, sysenter_cs) == 0x228, "sysenter_cs");
_Static_assert(offsetof(ss_vmcb_save, sysenter_esp) == 0x230, "sysenter_esp");
_Static_assert(offsetof(ss_vmcb_save, sysenter_eip) == 0x238, "sysenter_eip");
_Static_assert(offsetof(ss_vmcb_save, cr2) == 0x240, "cr2");
_Static_assert(offsetof(ss_vmcb_save, g_pat) == 0x268, "g_pat");
_Static_assert(offsetof(ss_vmcb_save, dbgctl) == 0x270, "dbgctl");
_Static_assert(offsetof(ss_vmcb_save, br_from) == 0x278, "br_from");
_Static_assert(offsetof(ss_vmcb_save, br_to) == 0x280, "br_to");
_Static_assert(offsetof(ss_vmcb_save, last_excp_from) == 0x288, "last_excp_from");
_Static_assert(offsetof(ss_vmcb_save, last_excp_to) == 0x290, "last_excp_to");
_Static_assert(offsetof(ss_vmcb_save, spec_ctrl) == 0x2E0, "spec_ctrl");

typedef struct ss_vmcb {
	ss_vmcb_control control;
	ss_vmcb_save save;
	uint8_t reserved[SS_VMCB_SIZE - 0x400 - sizeof(ss_vmcb_save)];
} ss_vmcb;
_Static_assert(sizeof(ss_vmcb) == SS_VMCB_SIZE, "VMCB is one page");
_Static_assert(offsetof(ss_vmcb, save) == SS_VMCB_SAVE_OFFSET, "save area at 0x400");

/* Intercept word 3 (0x00C) and 4 (0x010) bits, §1.2. */
#define SS_ICPT3_LIST(X)                                                                           \
	X(INTR, 0)                                                                                 \
	X(NMI, 1) X(SMI, 2) X(INIT, 3) X(VINTR, 4) X(CR0_SEL_WRITE, 5) X(IDTR_READ, 6)             \
	    X(GDTR_READ, 7) X(LDTR_READ, 8) X(TR_READ, 9) X(IDTR_WRITE, 10) X(GDTR_WRITE, 11)      \
		X(LDTR_WRITE, 12) X(TR_WRITE, 13) X(RDTSC, 14) X(RDPMC, 15) X(PUSHF, 16)           \
		    X(POPF, 17) X(CPUID, 18) X(RSM, 19) X(IRET, 20) X(INTN, 21) X(INVD, 22)        \
			X(PAUSE, 23) X(HLT, 24) X(INVLPG, 25) X(INVLPGA, 26) X(IOIO_PROT, 27)      \
			    X(MSR_PROT, 28) X(TASK_SWITCH, 29) X(FERR_FREEZE, 30) X(SHUTDOWN, 31)
#define SS_ICPT4_LIST(X)                                                                           \
	X(VMRUN, 0)                                                                                \
	X(VMMCALL, 1) X(VMLOAD, 2) X(VMSAVE, 3) X(STGI, 4) X(CLGI, 5) X(SKINIT, 6) X(RDTSCP, 7)    \
	    X(ICEBP, 8) X(WBINVD, 9) X(MONITOR, 10) X(MWAIT, 11) X(MWAIT_COND, 12) X(XSETBV, 13)   \
		X(RDPRU, 14) X(EFER_WRITE_TRAP, 15)

enum {
#define SS_ICPT3_ENUM(n, b) SS_ICPT3_##n = 1u << (b),
	SS_ICPT3_LIST(SS_ICPT3_ENUM)
#undef SS_ICPT3_ENUM
};
enum {
#define SS_ICPT4_ENUM(n, b) SS_ICPT4_##n = 1u << (b),
	SS_ICPT4_LIST(SS_ICPT4_ENUM)
#undef SS_ICPT4_ENUM
};

/* nested_ctl (0x090). */
#define SS_NESTED_CTL_NP     0x1ull
#define SS_NESTED_CTL_SEV    0x2ull
#define SS_NESTED_CTL_SEV_ES 0x4ull
#define SS_NESTED_CTL_GMET   0x8ull

/* tlb_ctl (0x05C). */
#define SS_TLB_CTL_NONE		  0
#define SS_TLB_CTL_ALL		  1
#define SS_TLB_CTL_ASID		  3
#define SS_TLB_CTL_ASID_NONGLOBAL 7

/* int_ctl (0x060), §1.3. */
#define SS_INT_CTL_V_TPR_MASK	     0xffu
#define SS_INT_CTL_V_IRQ	     (1u << 8)
#define SS_INT_CTL_V_GIF	     (1u << 9)
#define SS_INT_CTL_V_INTR_PRIO_SHIFT 16
#define SS_INT_CTL_V_IGN_TPR	     (1u << 20)
#define SS_INT_CTL_V_INTR_MASKING    (1u << 24)
#define SS_INT_CTL_V_GIF_ENABLE	     (1u << 25)

/* EVENTINJ / EXITINTINFO (§1.4). */
#define SS_EVTINJ_VEC_MASK   0xffu
#define SS_EVTINJ_TYPE_SHIFT 8
#define SS_EVTINJ_TYPE_INTR  0u
#define SS_EVTINJ_TYPE_NMI   2u
#define SS_EVTINJ_TYPE_EXC   3u
#define SS_EVTINJ_TYPE_SOFT  4u
#define SS_EVTINJ_EV	     (1u << 11)
#define SS_EVTINJ_VALID	     (1u << 31)

/* IOIO exit_info_1 (§3.3). */
#define SS_IOIO_TYPE_IN	   0x1u
#define SS_IOIO_STR	   0x4u
#define SS_IOIO_REP	   0x8u
#define SS_IOIO_SZ8	   0x10u
#define SS_IOIO_SZ16	   0x20u
#define SS_IOIO_SZ32	   0x40u
#define SS_IOIO_A16	   0x80u
#define SS_IOIO_A32	   0x100u
#define SS_IOIO_A64	   0x200u
#define SS_IOIO_SEG_SHIFT  10
#define SS_IOIO_PORT_SHIFT 16

/* #NPF error code bits in exit_info_1 (§3.3). */
#define SS_NPF_P	   (1ull << 0)
#define SS_NPF_W	   (1ull << 1)
#define SS_NPF_U	   (1ull << 2)
#define SS_NPF_RSVD	   (1ull << 3)
#define SS_NPF_ID	   (1ull << 4)
#define SS_NPF_RMP	   (1ull << 31)
#define SS_NPF_GUEST_FINAL (1ull << 32)
#define SS_NPF_GUEST_PAGE  (1ull << 33)
#define SS_NPF_ENC	   (1ull << 34)
#define SS_NPF_SIZEM	   (1ull << 35)
#define SS_NPF_VMPL	   (1ull << 36)

#endif
