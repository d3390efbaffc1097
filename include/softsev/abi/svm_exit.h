/* #VMEXIT codes: the single-source table (STYLE.md item 3) of cpu-svm-sev.md §3.1, with names and
 * a one-line hint, and the automatic-exit class of §3.2 for SEV-ES guests (1 = automatic exit,
 * 0 = non-automatic: raises #VC in the guest). Ranges (CR/DR reads and writes, exceptions, CR write
 * traps) are listed by their first code; ss_svm_exit_name() names every code in a range. */
#ifndef SOFTSEV_ABI_SVM_EXIT_H
#define SOFTSEV_ABI_SVM_EXIT_H

#include <stdint.h>

/* X(name, code, automatic-under-SEV-ES, hint) */
#define SS_SVM_EXIT_LIST(X)                                                                        \
	X(READ_CR0, 0x000, 0, "read of CRn (0x000 + n)")                                           \
	X(WRITE_CR0, 0x010, 0, "write of CRn (0x010 + n)")                                         \
	X(READ_DR0, 0x020, 0, "read of DRn (0x020 + n)")                                           \
	X(WRITE_DR0, 0x030, 0, "write of DRn (0x030 + n)")                                         \
	X(EXCP_BASE, 0x040, 0, "exception vector v (0x040 + v); #MC (0x052) is automatic")         \
	X(INTR, 0x060, 1, "physical interrupt")                                                    \
	X(NMI, 0x061, 1, "NMI")                                                                    \
	X(SMI, 0x062, 1, "SMI")                                                                    \
	X(INIT, 0x063, 1, "INIT")                                                                  \
	X(VINTR, 0x064, 1, "virtual interrupt window")                                             \
	X(CR0_SEL_WRITE, 0x065, 0, "CR0 write changing bits other than TS/MP")                     \
	X(IDTR_READ, 0x066, 0, "SIDT")                                                             \
	X(GDTR_READ, 0x067, 0, "SGDT")                                                             \
	X(LDTR_READ, 0x068, 0, "SLDT")                                                             \
	X(TR_READ, 0x069, 0, "STR")                                                                \
	X(IDTR_WRITE, 0x06A, 0, "LIDT")                                                            \
	X(GDTR_WRITE, 0x06B, 0, "LGDT")                                                            \
	X(LDTR_WRITE, 0x06C, 0, "LLDT")                                                            \
	X(TR_WRITE, 0x06D, 0, "LTR")                                                               \
	X(RDTSC, 0x06E, 0, "RDTSC")                                                                \
	X(RDPMC, 0x06F, 0, "RDPMC")                                                                \
	X(PUSHF, 0x070, 0, "PUSHF")                                                                \
	X(POPF, 0x071, 0, "POPF")                                                                  \
	X(CPUID, 0x072, 0, "CPUID")                                                                \
	X(RSM, 0x073, 0, "RSM")                                                                    \
	X(IRET, 0x074, 0, "IRET")                                                                  \
	X(SWINT, 0x075, 0, "INT n")                                                                \
	X(INVD, 0x076, 0, "INVD")                                                                  \
	X(PAUSE, 0x077, 1, "PAUSE")                                                                \
	X(HLT, 0x078, 1, "HLT")                                                                    \
	X(INVLPG, 0x079, 0, "INVLPG (exit_info_1 = linear address)")                               \
	X(INVLPGA, 0x07A, 0, "INVLPGA")                                                            \
	X(IOIO, 0x07B, 0, "IN/OUT/INS/OUTS (exit_info_1 = IOIO info, exit_info_2 = next RIP)")     \
	X(MSR, 0x07C, 0, "RDMSR (exit_info_1 = 0) / WRMSR (1)")                                    \
	X(TASK_SWITCH, 0x07D, 0, "task switch")                                                    \
	X(FERR_FREEZE, 0x07E, 0, "FERR freeze")                                                    \
	X(SHUTDOWN, 0x07F, 1, "triple fault")                                                      \
	X(VMRUN, 0x080, 0, "VMRUN")                                                                \
	X(VMMCALL, 0x081, 0, "VMMCALL")                                                            \
	X(VMLOAD, 0x082, 0, "VMLOAD")                                                              \
	X(VMSAVE, 0x083, 0, "VMSAVE")                                                              \
	X(STGI, 0x084, 0, "STGI")                                                                  \
	X(CLGI, 0x085, 0, "CLGI")                                                                  \
	X(SKINIT, 0x086, 0, "SKINIT")                                                              \
	X(RDTSCP, 0x087, 0, "RDTSCP")                                                              \
	X(ICEBP, 0x088, 0, "INT1 (ICEBP)")                                                         \
	X(WBINVD, 0x089, 0, "WBINVD")                                                              \
	X(MONITOR, 0x08A, 0, "MONITOR")                                                            \
	X(MWAIT, 0x08B, 0, "MWAIT")                                                                \
	X(MWAIT_COND, 0x08C, 0, "MWAIT with a monitor armed")                                      \
	X(XSETBV, 0x08D, 0, "XSETBV")                                                              \
	X(RDPRU, 0x08E, 0, "RDPRU")                                                                \
	X(EFER_WRITE_TRAP, 0x08F, 1, "EFER written (trap; exit_info_1 = new value)")               \
	X(CR0_WRITE_TRAP, 0x090, 1, "CRn written (trap, 0x090 + n; exit_info_1 = new value)")      \
	X(INVLPGB, 0x0A0, 0, "INVLPGB")                                                            \
	X(INVLPGB_ILLEGAL, 0x0A1, 0, "INVLPGB with illegal operands")                              \
	X(INVPCID, 0x0A2, 0, "INVPCID")                                                            \
	X(MCOMMIT, 0x0A3, 0, "MCOMMIT")                                                            \
	X(TLBSYNC, 0x0A4, 0, "TLBSYNC")                                                            \
	X(BUS_LOCK, 0x0A5, 0, "bus lock")                                                          \
	X(IDLE_HLT, 0x0A6, 1, "HLT with no interrupt pending")                                     \
	X(NPF, 0x400, 1, "nested page fault (exit_info_1 = error code, exit_info_2 = GPA)")        \
	X(AVIC_INCOMPLETE_IPI, 0x401, 0, "AVIC IPI not completed")                                 \
	X(AVIC_UNACCELERATED_ACCESS, 0x402, 0, "AVIC access not accelerated")                      \
	X(VMGEXIT, 0x403, 1, "VMGEXIT from an SEV-ES/SNP guest")                                   \
	X(PAGE_NOT_VALIDATED, 0x404, 0, "#VC only: access to a page not PVALIDATEd")               \
	X(NOT_RESTARTABLE, 0x406, 1, "not restartable")                                            \
	X(INVALID, 0xFFFFFFFFFFFFFFFFull, 1, "VMRUN consistency check failed")                     \
	X(VMSA_BUSY, 0xFFFFFFFFFFFFFFFEull, 1, "SNP: VMSA in use")                                 \
	X(IDLE_REQUIRED, 0xFFFFFFFFFFFFFFFDull, 1, "SNP: idle required")                           \
	X(INVALID_PMC, 0xFFFFFFFFFFFFFFFCull, 1, "invalid PMC state")

enum ss_svm_exit {
#define SS_SVM_EXIT_ENUM(n, v, ae, h) SS_SVM_EXIT_##n = (uint64_t)(v),
	SS_SVM_EXIT_LIST(SS_SVM_EXIT_ENUM)
#undef SS_SVM_EXIT_ENUM
};

/* "SVM_EXIT_CPUID", "SVM_EXIT_READ_CR3", "SVM_EXIT_EXCP_PF"...; "SVM_EXIT_UNKNOWN" otherwise. */
const char *ss_svm_exit_name(uint64_t code, char *buf, unsigned bufsize);
/* The hint of the table row covering code, or "unknown exit code". */
const char *ss_svm_exit_hint(uint64_t code);
/* 1 if the exit is automatic for an SEV-ES guest (§3.2), 0 if it becomes #VC. */
int ss_svm_exit_is_automatic(uint64_t code, uint64_t npf_error);

#endif
