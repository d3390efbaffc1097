/* softsev — the emulated x86-64 CPU (issue 6).
 *
 * Contract. The CPU core reaches memory ONLY through the ss_cpu_mem_ops table below (STYLE.md
 * item 2): every guest access, after the CPU's own linear -> physical translation, becomes one call
 * with a physical address, a length, an access kind and the encryption context, and the callee
 * answers with one of a fixed set of codes. The memory model (src/mem: DRAM, encryption engine,
 * RMP) implements the table for real machines; ss_cpu_flatram_ops is a plain RAM implementation for
 * tests. Devices (port I/O, VMGEXIT, PVALIDATE...) leave ss_cpu_run with an exit reason; the caller
 * handles them and resumes.
 *
 * Registers live in a public ss_cpu_regs, read and written between runs with ss_cpu_regs(). The
 * interpreter keeps the arithmetic flags lazily while it runs and folds them back into
 * regs->rflags before ss_cpu_run returns.
 */
#ifndef SOFTSEV_CPU_H
#define SOFTSEV_CPU_H

#include <softsev/error.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- memory ops table ------------------------------------------------------------------------ */

/* What an access is for; the memory model may treat each differently (e.g. RMP checks). */
enum ss_cpu_access_kind {
	SS_CPU_ACC_READ = 0,  /* data read */
	SS_CPU_ACC_WRITE = 1, /* data write */
	SS_CPU_ACC_FETCH = 2, /* instruction fetch (always private under SEV, DESIGN.md) */
	SS_CPU_ACC_PTW = 3,   /* guest page-table walk read or A/D update (always private) */
	SS_CPU_ACC_NPTW = 4,  /* nested page-table walk (host memory, no guest key) */
	/* The CPU's own access to an SEV-ES/SNP VMSA at acc->pa (read at VMRUN, written at #VMEXIT):
	 * the guest's key, checked as a VMSA page (cpu-svm-sev.md §8.3, §9.3), not as a guest access
	 * at a GPA. */
	SS_CPU_ACC_VMSA = 5,
};

/* The fixed set of answers of the ops table. */
#define SS_CPU_MEM_RC_LIST(X)                                                                      \
	X(SS_CPU_MEM_OK, 0, "access done")                                                         \
	X(SS_CPU_MEM_UNMAPPED, 1, "no memory or device at this physical address")                  \
	X(SS_CPU_MEM_NPF, 2, "memory model refuses (RMP/VMPL): #NPF with info->npf_error bits")    \
	X(SS_CPU_MEM_HOST_PF, 3, "memory model refuses a host access: #PF with the RMP bit")       \
	X(SS_CPU_MEM_VC, 4, "guest access refused with #VC; error code in acc->npf_error")         \
	X(SS_CPU_MEM_UD, 5, "SNP instruction outside an SNP guest: #UD")

enum ss_cpu_mem_rc {
#define SS_CPU_MEM_RC_ENUM(n, v, h) n = v,
	SS_CPU_MEM_RC_LIST(SS_CPU_MEM_RC_ENUM)
#undef SS_CPU_MEM_RC_ENUM
};

/* One physical access as the CPU sees it. */
typedef struct ss_cpu_access {
	uint64_t pa;	    /* system-physical address (after nested paging, if any) */
	uint64_t gpa;	    /* guest-physical address (== pa when not in a guest) */
	uint32_t asid;	    /* 0 = host */
	uint8_t kind;	    /* enum ss_cpu_access_kind */
	uint8_t c_bit;	    /* 1 = private (ASID's key); guest data: the guest leaf PTE's C-bit */
	uint8_t cpl;	    /* current privilege level */
	uint8_t vmpl;	    /* SNP VMPL of the running context */
	uint8_t host_c;	    /* nested PTE's C-bit: key of shared accesses (§9.4) */
	uint8_t map_size;   /* nested mapping of gpa: 0 4 KiB, 1 2 MiB, 2 1 GiB (§8.3) */
	uint64_t npf_error; /* out: #NPF error-code bits when the answer is SS_CPU_MEM_NPF */
} ss_cpu_access;

/* An SNP instruction for ss_cpu_mem_ops.snp_insn (cpu-svm-sev.md §8.4 - §8.7). */
typedef struct ss_cpu_snp_op {
	int hook;	   /* SS_CPU_HOOK_PVALIDATE, _RMPADJUST (guest), _RMPUPDATE, _PSMASH (host) */
	uint64_t rax;	   /* guest: the guest-virtual address as given; host: the sPA */
	uint64_t rcx, rdx; /* page size; validate flag / RMPADJUST attributes (guest) */
	uint8_t desc[16];  /* RMPUPDATE: the new-state descriptor the CPU read at linear RCX (§8.6) */
	uint32_t eax;	   /* out: return code */
	uint8_t cf;	   /* out: rFLAGS.CF */
} ss_cpu_snp_op;

typedef struct ss_cpu_mem_ops {
	/* Copies len bytes (1..4096, never crossing a 4 KiB page) at acc->pa into buf. */
	int (*read)(void *ctx, ss_cpu_access *acc, void *buf, size_t len);
	/* Copies len bytes (1..4096, never crossing a 4 KiB page) from buf to acc->pa. */
	int (*write)(void *ctx, ss_cpu_access *acc, const void *buf, size_t len);
	/* Optional fast path: a host pointer to the whole 4 KiB page holding acc->pa that plain
	 * loads and stores (of the given kind) may use directly, or NULL to always go through
	 * read/write. The pointer must stay valid until ss_cpu_flush_tlb() is called. */
	uint8_t *(*page)(void *ctx, ss_cpu_access *acc);
	/* Optional: the SNP instructions. PVALIDATE / RMPADJUST executed by a guest (in
	 * ss_cpu_vmrun): the CPU has translated RAX (op->rax) to acc->gpa / acc->pa. RMPUPDATE /
	 * PSMASH executed by the host at CPL 0 (acc->asid 0): acc->pa = op->rax = RAX, a
	 * system-physical address, and RMPUPDATE's op->desc holds the 16 bytes the CPU read at
	 * linear RCX. The callee applies the instruction and answers OK with op->eax and op->cf (the
	 * CPU sets RAX = EAX zero-extended and rFLAGS.CF, clearing ZF, PF, AF, SF, OF), or NPF / VC
	 * (error code in acc->npf_error) / UD. NULL: the instructions leave ss_cpu_run with
	 * SS_CPU_EXIT_HOOK as before. */
	int (*snp_insn)(void *ctx, ss_cpu_access *acc, struct ss_cpu_snp_op *op);
} ss_cpu_mem_ops;

/* Flat RAM for tests: size bytes at physical address 0, everything above is unmapped. */
typedef struct ss_cpu_flatram {
	uint8_t *ram;
	uint64_t size;
} ss_cpu_flatram;
extern const ss_cpu_mem_ops ss_cpu_flatram_ops;

/* ---- architectural state --------------------------------------------------------------------- */

enum { SS_RAX, SS_RCX, SS_RDX, SS_RBX, SS_RSP, SS_RBP, SS_RSI, SS_RDI };
enum { SS_SEG_ES, SS_SEG_CS, SS_SEG_SS, SS_SEG_DS, SS_SEG_FS, SS_SEG_GS, SS_SEG_COUNT };

/* Segment with the VMCB attribute packing (cpu-svm-sev.md §1.6): type 3:0, S 4, DPL 6:5, P 7,
 * AVL 8, L 9, D/B 10, G 11. */
typedef struct ss_cpu_seg {
	uint16_t sel;
	uint16_t attr;
	uint32_t limit;
	uint64_t base;
} ss_cpu_seg;

typedef struct ss_cpu_dtr {
	uint16_t limit;
	uint64_t base;
} ss_cpu_dtr;

/* One XMM register; lane 0 is the least significant. */
typedef union ss_cpu_xmm {
	uint8_t b[16];
	uint16_t w[8];
	uint32_t d[4];
	uint64_t q[2];
} ss_cpu_xmm;

/* The x87 / MMX / SSE state: what FXSAVE stores (abi/fxsave.h; APM vol. 2 §11.4.4, vol. 1 §6.2,
 * §4.6). At reset (APM vol. 2 §14.1.3 Table 14-4): fcw 0x40, fsw 0, ftw 0xFF (tag word 0x5555,
 * every register zero), mxcsr 0x1F80, registers zero; FNINIT gives fcw 0x37F, fsw 0, ftw 0.
 * Only the control instructions of the x87 are implemented (FNINIT, FLDCW, FNSTCW, FNSTSW,
 * FNCLEX, FWAIT) plus MOVD/MOVQ/PXOR/EMMS on MMX; the registers are kept so FXSAVE, FXRSTOR,
 * XSAVE and XRSTOR move them exactly. */
typedef struct ss_cpu_fpu {
	uint16_t fcw; /* x87 control word */
	uint16_t fsw; /* x87 status word; TOP is bits 13:11 */
	uint16_t ftw; /* abridged tag word (FXSAVE form): bit n = 1 when physical register Rn is
		       * not empty */
	uint16_t fop; /* last x87 opcode (11 bits) */
	uint64_t fip, fdp; /* last x87 instruction and operand pointers (64-bit FXSAVE form) */
	uint32_t mxcsr;	   /* SSE control/status (reserved bits 31:16 always zero) */
	uint32_t reserved;
	/* Physical data registers R0..R7 (80 bits each: significand, then sign and exponent).
	 * MMn is the significand of Rn; ST(i) is R((TOP + i) mod 8). */
	struct {
		uint64_t mant;
		uint16_t sexp;
		uint16_t pad[3];
	} st[8];
	ss_cpu_xmm xmm[16];
} ss_cpu_fpu;

typedef struct ss_cpu_regs {
	uint64_t gpr[16];
	uint64_t rip;
	uint64_t rflags;
	ss_cpu_seg seg[SS_SEG_COUNT];
	ss_cpu_seg ldtr, tr;
	ss_cpu_dtr gdtr, idtr;
	uint64_t cr0, cr2, cr3, cr4, cr8, efer, xcr0;
	uint64_t dr[8];
	uint8_t cpl;
	uint8_t interrupt_shadow; /* 1 after STI / MOV SS until the next instruction completes */
	/* Global interrupt flag (APM vol. 2 §15.17): 0 holds back interrupts and NMIs. Set at
	 * reset, by STGI and by VMRUN; cleared by CLGI and by #VMEXIT (ss_cpu_vmrun returns with
	 * GIF=0 like the hardware: a hypervisor sets it back, or runs STGI, before host code takes
	 * interrupts again). */
	uint8_t gif;
	/* MSRs the core implements (the rest exit to the caller, see SS_CPU_EXIT_MSR). */
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base;
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t pat, tsc_offset, tsc_aux, apic_base, hwcr, syscfg, vm_cr, vm_hsave_pa;
	uint64_t sev_status, ghcb_msr, spec_ctrl;
	/* x87/MMX/SSE state. Not switched by VMRUN/#VMEXIT of a plain SVM guest (the hypervisor
	 * saves it, as on hardware); an SEV-ES guest's is loaded from and saved to its VMSA. */
	ss_cpu_fpu fpu;
} ss_cpu_regs;

/* ---- running ----------------------------------------------------------------------------------
 */

typedef struct ss_cpu ss_cpu;

/* Why ss_cpu_run returned. */
#define SS_CPU_EXIT_LIST(X)                                                                        \
	X(SS_CPU_EXIT_LIMIT, 0, "the instruction budget was used up")                              \
	X(SS_CPU_EXIT_HLT, 1, "HLT with interrupts that cannot wake it (RIP after HLT)")           \
	X(SS_CPU_EXIT_EXCEPTION, 2, "an exception was raised and exit_on_exception is set")        \
	X(SS_CPU_EXIT_IO, 3, "IN/OUT/INS/OUTS: port, size, direction in exit.io")                  \
	X(SS_CPU_EXIT_MSR, 4, "RDMSR/WRMSR of an MSR the core does not implement")                 \
	X(SS_CPU_EXIT_HOOK, 5, "VMGEXIT/PVALIDATE/RMPADJUST/VMMCALL/VMRUN/...: insn in exit.hook") \
	X(SS_CPU_EXIT_SHUTDOWN, 6, "triple fault")                                                 \
	X(SS_CPU_EXIT_MEM, 7, "the memory ops answered an error the CPU cannot turn into a fault") \
	X(SS_CPU_EXIT_VMEXIT, 8, "guest mode left through #VMEXIT (exit code in the VMCB)")        \
	X(SS_CPU_EXIT_UNSUPPORTED, 9, "a valid instruction the interpreter does not implement yet")

enum ss_cpu_exit_reason {
#define SS_CPU_EXIT_ENUM(n, v, h) n = v,
	SS_CPU_EXIT_LIST(SS_CPU_EXIT_ENUM)
#undef SS_CPU_EXIT_ENUM
};

/* Instructions whose semantics belong to someone else (memory model, hypervisor). RIP points at
 * the instruction; the handler sets the results and calls ss_cpu_skip() to complete it. VMLOAD,
 * VMSAVE, STGI and CLGI are executed by the core (interceptable in a guest) and never leave as
 * hooks; their ids stay for the tracer and the guest intercept table. VMRUN from host code leaves
 * as a hook (the hypervisor calls ss_cpu_vmrun). */
enum ss_cpu_hook {
	SS_CPU_HOOK_VMGEXIT = 1,
	SS_CPU_HOOK_PVALIDATE,
	SS_CPU_HOOK_RMPADJUST,
	SS_CPU_HOOK_RMPUPDATE,
	SS_CPU_HOOK_PSMASH,
	SS_CPU_HOOK_VMMCALL,
	SS_CPU_HOOK_VMRUN,
	SS_CPU_HOOK_VMLOAD,
	SS_CPU_HOOK_VMSAVE,
	SS_CPU_HOOK_STGI,
	SS_CPU_HOOK_CLGI,
	SS_CPU_HOOK_INVLPGA,
	SS_CPU_HOOK_SKINIT,
};

typedef struct ss_cpu_exit {
	int reason;	/* enum ss_cpu_exit_reason */
	uint8_t vector; /* EXCEPTION */
	uint8_t has_error;
	uint32_t error_code;
	uint64_t cr2; /* EXCEPTION #PF: faulting linear address */
	struct {
		uint16_t port;
		uint8_t size; /* 1, 2, 4 */
		uint8_t in;   /* 1 = IN/INS, 0 = OUT/OUTS */
		uint8_t string, rep;
	} io;
	uint32_t msr; /* MSR: index; */
	uint8_t msr_write;
	int hook;	      /* HOOK: enum ss_cpu_hook */
	uint8_t insn_len;     /* IO/MSR/HOOK: length of the instruction, for ss_cpu_skip */
	uint64_t mem_pa;      /* MEM: physical address */
	uint64_t vmexit_code; /* VMEXIT: the exit code written to the VMCB (abi/svm_exit.h) */
	/* VMEXIT with VMEXIT_INVALID: the consistency rule that failed; UNSUPPORTED: what the
	 * interpreter does not implement (call gate, task switch, virtual-8086 mode, ...). */
	const char *detail;
} ss_cpu_exit;

/* The CPUID model (cpuid.c): family 19h parts as seen by a guest or host. */
enum ss_cpu_model { SS_CPU_MILAN = 0, SS_CPU_GENOA = 1 };

typedef struct ss_cpu_config {
	int model; /* enum ss_cpu_model */
	/* CPUID 0x8000001F as configured (cpu-svm-sev.md §9.1); all zero = the part's defaults. */
	uint32_t sev_leaf[4];
	bool hypervisor_bit;	   /* CPUID 1 ECX[31]: running as a guest */
	const ss_cpu_mem_ops *mem; /* required */
	void *mem_ctx;
	/* Exceptions leave ss_cpu_run instead of going through the IDT (user-mode test harness). */
	bool exit_on_exception;
	/* Test-harness mode: in long mode with CR0.PG=0 linear addresses map 1:1 to physical. The
	 * architecture has no such mode; it lets user-mode code run without page tables. */
	bool flat_long_mode;
} ss_cpu_config;

/* Creates a CPU in the x86 reset state (real mode, RIP 0xFFF0, CS base 0xFFFF0000). */
int ss_cpu_new(const ss_cpu_config *cfg, ss_cpu **out, ss_error *err);
void ss_cpu_free(ss_cpu *c);

/* The register file. Valid between runs; changes take effect at the next ss_cpu_run. After
 * writing CR0/CR3/CR4/EFER/segments call ss_cpu_flush_tlb(). */
ss_cpu_regs *ss_cpu_regs_of(ss_cpu *c);

/* Puts the CPU in 64-bit mode, CPL 0 (or 3 if user), flat segments, paging as in regs. */
void ss_cpu_set_long_mode(ss_cpu *c, bool user);

/* Runs up to max_insns instructions in the mode the registers give (APM vol. 2 §1.2): real mode,
 * 16- or 32-bit protected mode, 16- or 32-bit compatibility mode or 64-bit mode, with paging off,
 * 32-bit, PAE or 4/5-level. Fills *exit and returns 0, or a negative SS_E* code when the CPU cannot
 * continue (virtual-8086 mode, RFLAGS.VM=1, is not implemented), naming why in err. */
int ss_cpu_run(ss_cpu *c, uint64_t max_insns, ss_cpu_exit *exit, ss_error *err);

/* Runs the guest of the VMCB at vmcb_pa (system-physical, 4 KiB aligned) as VMRUN does
 * (cpu-svm-sev.md §1-§3, §9.3), for the hypervisor written in C: checks the VMCB (each failed
 * rule gives exit code VMEXIT_INVALID in the VMCB and names the rule in exit->detail), saves the
 * CPU's current (host) state, loads the guest from the save area (or, with SEV-ES, from the VMSA at
 * vmsa_pa, read through the ops as an SS_CPU_ACC_VMSA access with the guest's ASID; a VMSA the
 * ops refuse is VMEXIT_INVALID, §9.3), delivers EVENTINJ, and runs up to
 * max_insns guest instructions until a #VMEXIT, which writes exit_code, exit_info_1/2,
 * exit_int_info, next_rip (NRIP save) and the guest state back. The budget running out is a
 * #VMEXIT(INTR). Afterwards the CPU holds the host state again, plus the guest's GPRs other than
 * RAX/RSP (non-ES) for the caller to save, as with hardware. Intercepts honoured: CR/DR reads and
 * writes, exceptions, INTn, IRET, PUSHF/POPF, CPUID, RDTSC(P), RDPMC, INVD, WBINVD, PAUSE, HLT,
 * INVLPG, IOIO (IOPM), MSR (MSRPM), VMRUN..INVLPGA, VMMCALL, ICEBP, XSETBV, descriptor-table
 * accesses, SHUTDOWN, INTR, NMI, VINTR; nested paging with #NPF; SEV-ES non-automatic exits become
 * #VC. Decode assists: CR/DR exits give bit 63 + the GPR in exit_info_1 (0 for LMSW/CLTS/SMSW),
 * INTn the vector, INVLPG the linear address, #NPF and #PF the instruction bytes at 0x0D0/0x0D1.
 * int_ctl's V_TPR and V_IRQ and int_state are written back. Returns 0 or a negative SS_E* code
 * (e.g. host EFER.SVME clear). */
int ss_cpu_vmrun(ss_cpu *c, uint64_t vmcb_pa, uint64_t max_insns, ss_cpu_exit *exit, ss_error *err);

/* ---- interrupts ---------------------------------------------------------------------------
 * The lines an interrupt controller drives (APM vol. 2 §8.7). Call them between runs; the CPU
 * looks at them at instruction boundaries. An INTR is taken when RFLAGS.IF=1, GIF=1, there is
 * no interrupt shadow (the instruction after STI or MOV SS) and the vector's priority class
 * (vector >> 4) is above CR8; taking it acknowledges it (the line drops). An NMI is taken when
 * GIF=1 and NMIs are not blocked; it blocks further NMIs until the next IRET. Both go through the
 * IDT like hardware interrupts (no error code, RIP of the next instruction pushed) and wake a
 * halted CPU: HLT leaves ss_cpu_run with SS_CPU_EXIT_HLT only when nothing pending can wake it
 * (resuming then continues after the HLT, or takes what was raised in between).
 * In a guest (ss_cpu_vmrun): with the INTR / NMI intercept set the event causes #VMEXIT(INTR /
 * NMI) and stays pending; with V_INTR_MASKING the host's RFLAGS.IF (saved by VMRUN) and CR8 mask
 * INTR, otherwise the guest's. V_IRQ in the VMCB's int_ctl is a virtual interrupt (vector
 * int_vector[7:0]) taken when the guest's IF=1, no shadow, and V_IGN_TPR or V_INTR_PRIO > V_TPR;
 * the VINTR intercept exits instead; delivery clears V_IRQ. */
void ss_cpu_set_irq(ss_cpu *c, uint8_t vector);
void ss_cpu_clear_irq(ss_cpu *c);
void ss_cpu_nmi(ss_cpu *c);

/* Completes an instruction that exited (IO/MSR/HOOK): RIP += exit->insn_len. */
void ss_cpu_skip(ss_cpu *c, const ss_cpu_exit *exit);

/* The CPU's CPUID model (cpuid.c) as its current mode sees it: what a hypervisor builds its
 * guests' CPUID on. */
void ss_cpu_cpuid(ss_cpu *c, uint32_t leaf, uint32_t sub, uint32_t out[4]);

/* Instructions retired since creation. */
uint64_t ss_cpu_icount(const ss_cpu *c);

/* Drops every cached translation and decoded instruction. */
void ss_cpu_flush_tlb(ss_cpu *c);
/* Drops the cached translations tagged with one ASID (0 = host). */
void ss_cpu_flush_tlb_asid(ss_cpu *c, uint32_t asid);

/* Someone else (DMA, hypervisor, memory model) wrote [pa, pa+len): drop decoded code there. */
void ss_cpu_invalidate_code(ss_cpu *c, uint64_t pa, uint64_t len);

/* Decodes one instruction from bytes (64-bit mode) and prints it into buf as "mnemonic" plus
 * length; returns the length (1..15) or a negative SS_E* code if it is not a valid instruction. */
int ss_cpu_disasm(const uint8_t *bytes, size_t len, char *buf, size_t bufsize);

/* Names for tracing and messages. */
const char *ss_cpu_exit_name(int reason);

#endif
