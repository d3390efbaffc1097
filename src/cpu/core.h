/* Internal state of the interpreter shared by the files of src/cpu. */
#ifndef SS_CPU_CORE_H
#define SS_CPU_CORE_H

#include <setjmp.h>
#include <softsev/cpu.h>
#include <stdint.h>
#include <string.h>

/* RFLAGS bits. */
#define F_CF	0x1u
#define F_PF	0x4u
#define F_AF	0x10u
#define F_ZF	0x40u
#define F_SF	0x80u
#define F_TF	0x100u
#define F_IF	0x200u
#define F_DF	0x400u
#define F_OF	0x800u
#define F_IOPL	0x3000u
#define F_NT	0x4000u
#define F_RF	0x10000u
#define F_VM	0x20000u
#define F_AC	0x40000u
#define F_VIF	0x80000u
#define F_VIP	0x100000u
#define F_ID	0x200000u
#define F_ARITH (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)

#define CR0_PE	    0x1ull
#define CR0_MP	    0x2ull
#define CR0_EM	    0x4ull
#define CR0_TS	    0x8ull
#define CR0_ET	    0x10ull
#define CR0_NE	    0x20ull
#define CR0_WP	    0x10000ull
#define CR0_AM	    0x40000ull
#define CR0_PG	    0x80000000ull
#define CR4_PSE	    0x10ull
#define CR4_PAE	    0x20ull
#define CR4_PGE	    0x80ull
#define CR4_OSFXSR  0x200ull
#define CR4_OSXMM   0x400ull /* OSXMMEXCPT */
#define CR4_OSXSAVE 0x40000ull
#define CR4_LA57    0x1000ull
#define CR4_SMEP    0x100000ull
#define CR4_SMAP    0x200000ull
#define EFER_SCE    0x1ull
#define EFER_LME    0x100ull
#define EFER_LMA    0x400ull
#define EFER_NXE    0x800ull
#define EFER_SVME   0x1000ull

/* Exception vectors. */
enum {
	EXC_DE = 0,
	EXC_DB = 1,
	EXC_NMI = 2,
	EXC_BP = 3,
	EXC_OF = 4,
	EXC_BR = 5,
	EXC_UD = 6,
	EXC_NM = 7,
	EXC_DF = 8,
	EXC_TS = 10,
	EXC_NP = 11,
	EXC_SS = 12,
	EXC_GP = 13,
	EXC_PF = 14,
	EXC_MF = 16,
	EXC_AC = 17,
	EXC_MC = 18,
	EXC_XM = 19,
	EXC_VC = 29,
};

/* Operating modes (APM vol. 2 §1.2, Table 1-1; derived in modes.c from CR0.PE, EFER.LMA, CS.L,
 * CS.D and RFLAGS.VM). The decoder keys its defaults on it and the decoded-block cache includes it.
 */
enum ss_mode {
	SS_MODE_REAL = 0,
	SS_MODE_VM86,	  /* virtual-8086: recognised, not implemented (ss_cpu_run refuses it) */
	SS_MODE_PROT16,	  /* protected mode, CS.D = 0 */
	SS_MODE_PROT32,	  /* protected mode, CS.D = 1 */
	SS_MODE_COMPAT16, /* long mode, CS.L = 0, CS.D = 0 */
	SS_MODE_COMPAT32, /* long mode, CS.L = 0, CS.D = 1 */
	SS_MODE_LONG64,	  /* long mode, CS.L = 1 */
	SS_MODE_COUNT
};

/* Lazy-flag kinds: the last flag-setting operation, evaluated only when a flag is read. */
enum {
	LF_NONE = 0, /* rflags holds every arithmetic flag */
	LF_ADD,
	LF_ADC,
	LF_SUB,
	LF_SBB,
	LF_LOGIC,
	LF_INC,	  /* CF is lf_cin (INC leaves CF as it was: no need to fold the old record) */
	LF_DEC,	  /* CF is lf_cin */
	LF_SHIFT, /* SHL/SHR/SAR: CF is lf_cin, OF is lf_b, AF clear (AMD), SF ZF PF from lf_res */
};

struct ss_cpu;
struct ss_insn;
typedef void (*ss_op_fn)(struct ss_cpu *c, const struct ss_insn *i);

#define REG_NONE 16
#define REG_RIP	 17

/* One decoded instruction: everything the handler needs, computed once (STYLE.md item 4). */
typedef struct ss_insn {
	ss_op_fn fn;
	uint16_t id;   /* index into the opcode table (tracer name) */
	uint8_t len;   /* bytes */
	uint8_t osz;   /* operand size: 0=8, 1=16, 2=32, 3=64 bits (log2 bytes) */
	uint8_t asz;   /* address size: 1=16, 2=32, 3=64 */
	uint8_t aux;   /* per-entry parameter (ALU op, condition code, ...) */
	uint8_t reg;   /* ModRM.reg (+REX.R) or opcode register; 8-bit AH..BH are 16..19 */
	uint8_t rm;    /* ModRM.rm register (+REX.B) when mod == 3 */
	uint8_t mod3;  /* 1: r/m is a register */
	uint8_t base;  /* memory operand base register, REG_NONE or REG_RIP */
	uint8_t index; /* memory operand index register or REG_NONE */
	uint8_t scale; /* shift count 0..3 */
	uint8_t seg;   /* segment of the memory operand (SS_SEG_*) */
	uint8_t rep;   /* 0, 2 (F2 REPNE), 3 (F3 REP/REPE) */
	uint8_t lock;
	uint8_t modrm; /* the ModRM byte itself (for 0F 01 style encodings) */
	int32_t disp;
	uint64_t imm;
	uint16_t imm2; /* ENTER's second immediate; the selector of a far pointer (9A, EA) */
} ss_insn;

/* A run of decoded instructions starting at one physical address, ended by a control transfer,
 * a system instruction or the page end. */
#define SS_BLOCK_INSNS 24
#define SS_BLOCK_SLOTS 2048
typedef struct ss_block {
	uint64_t pa;  /* physical address of the first instruction, ~0 when empty */
	uint64_t key; /* mode and encryption context */
	uint32_t n;
	uint32_t bytes;
	ss_insn insn[SS_BLOCK_INSNS];
} ss_block;

/* Software TLB entry (tagged by ASID). perm: bit (ctx*3 + kind) with ctx 0 user, 1 supervisor,
 * 2 supervisor with SMAP overridden by RFLAGS.AC, kind 0 read, 1 write, 2 fetch. */
#define SS_TLB_SLOTS 512
typedef struct ss_tlb_entry {
	uint64_t vpn;  /* linear page number, ~0 when empty */
	uint64_t ppn;  /* system-physical page number */
	uint64_t gpn;  /* guest-physical page number */
	uint8_t *host; /* page fast path or NULL */
	uint32_t asid;
	uint16_t perm;
	uint8_t c_bit;	  /* the guest leaf PTE's C-bit (private data) */
	uint8_t host_c;	  /* the nested leaf PTE's C-bit (the host key of shared data) */
	uint8_t map_size; /* nested mapping size (ss_cpu_access.map_size) */
} ss_tlb_entry;

#define SS_CODE_SLOTS 1024

typedef struct ss_cpu {
	ss_cpu_regs r;
	/* enum ss_mode, recomputed by ss_mode_update whenever CR0, EFER, CS or RFLAGS.VM change;
	 * legacy = every mode but 64-bit, where segmentation (base, limit, type) applies. */
	uint8_t mode, legacy;
	/* lazy flags */
	uint64_t lf_res, lf_a, lf_b;
	uint8_t lf_op, lf_sz, lf_cin;

	ss_cpu_config cfg;
	uint64_t icount;
	uint64_t tsc_base;

	/* run-loop control */
	jmp_buf jb;
	const ss_insn *cur;	 /* instruction executing (RIP already points past it) */
	uint64_t insn_rip;	 /* RIP of the instruction executing */
	uint64_t run_end;	 /* icount at which ss_cpu_run stops */
	const ss_insn *blk_base; /* first instruction of the block executing */
	uint64_t blk_icount;	 /* icount when it started (retired count = + cur - blk_base) */
	uint64_t exc_rip;	 /* RIP to report for the exception being raised */
	uint8_t in_exc_vec;	 /* vector being delivered when in_exc is set */
	uint8_t brk;		 /* leave the current block after this instruction */
	uint8_t halted;
	uint8_t in_exc;		/* nesting depth of exception delivery (double/triple fault) */
	uint8_t in_exc_type;	/* EVENTINJ type of the event being delivered (exit_int_info) */
	uint8_t in_exc_has_err; /* and its error code */
	uint32_t in_exc_err;
	ss_cpu_exit *exit; /* where an instruction that leaves the run loop writes */
	int exit_pending;  /* exit reason set by an instruction, -1 none */

	/* exception being raised */
	uint8_t exc_vec, exc_has_err;
	uint32_t exc_err;
	uint64_t exc_cr2;

	/* MMU */
	uint32_t asid;
	uint8_t cbit_pos; /* page-table bit that marks private memory (0 = SEV off) */
	uint8_t maxphy;	  /* physical address bits, CPUID 8000_0008 EAX[7:0] */
	uint8_t npt_on;	  /* nested paging active (guest mode) */
	uint8_t npt_map;  /* last nested walk: mapping size (0 4 KiB, 1 2 MiB, 2 1 GiB) ... */
	uint8_t npt_c;	  /* ... and its leaf's C-bit */
	uint64_t ncr3;

	/* SVM guest mode */
	uint8_t guest;		/* running a guest entered by ss_cpu_vmrun */
	uint8_t inject_pending; /* EVENTINJ to deliver before the first guest instruction */
	uint32_t icpt[6];	/* VMCB intercept words */
	uint64_t vmcb_pa, iopm_pa, msrpm_pa;
	uint64_t nested_ctl;
	uint32_t event_inj, event_inj_err;
	ss_cpu_regs host; /* host state saved by VMRUN, restored by #VMEXIT */
	uint64_t vx_code, vx_info1, vx_info2, vx_nrip;
	struct ss_vmcb *vmcb_buf; /* copy of the VMCB when the ops give no page pointer (svm.c) */
	/* VMCB clean bits (cpu-svm-sev.md §1.5): the VMCB the last #VMEXIT wrote on this CPU and
	 * the state it held; a later VMRUN of that VMCB takes each group marked clean from here
	 * instead of re-reading and re-checking it. */
	uint8_t vc_valid;
	uint64_t vc_pa;
	uint32_t vc_icpt[6];
	uint32_t vc_asid;
	uint64_t vc_tsc_offset, vc_iopm_pa, vc_msrpm_pa, vc_ncr3;
	ss_cpu_regs vc_regs;
	const char *vmrun_rule; /* the consistency check that failed */
	uint8_t c_bit_default;
	uint8_t vmpl;	    /* SNP VMPL of the running guest (save area 0x0CA) */
	uint64_t fetch_gpn; /* guest-physical page of fetch_vpn */
	ss_tlb_entry tlb[SS_TLB_SLOTS];
	uint64_t fetch_vpn, fetch_ppn; /* one-entry fetch translation, ~0 invalid */
	uint64_t tlb_gen;

	/* Interrupts and debug events (interrupt.c). ev is nonzero while something may be pending
	 * at an instruction boundary; the run loop looks at it once per block. */
	uint8_t ev;
	uint8_t irq_pending, irq_vector; /* INTR line (ss_cpu_set_irq) */
	uint8_t nmi_pending, nmi_blocked;
	uint8_t shadow_armed; /* interrupt_shadow has covered one instruction boundary */
	uint8_t shadow_movss; /* the shadow comes from MOV SS / POP SS: it also holds back #DB */
	uint8_t step_tf, step_rf; /* TF / RF at the start of the instruction single-stepped */
	/* Data and I/O breakpoints (debug.c). dbg_data: DR0-3 enabled as data breakpoints; while
	 * nonzero the TLB keeps no host pointers, so every data access takes the slow path in
	 * mmu.c, the only place that matches them (the fast path costs nothing extra). */
	uint8_t dbg_data;
	uint8_t dbg_hit;  /* DR6.Bn of data breakpoints hit by the instruction executing */
	uint8_t dbg_held; /* hits held back by a MOV SS / POP SS shadow to the next boundary */
	uint8_t dbg_io;	  /* I/O breakpoints hit by an IN/OUT that left to the host (ss_cpu_skip) */
	uint16_t dbg_pend; /* DR6 bits of a #DB trap taken when ss_cpu_run starts */
	uint8_t exc_rf;	   /* the exception being raised is a fault: RF in the pushed RFLAGS */
	uint8_t dlv_rf;	   /* ... handed to the event delivery (exception.c, far.c) */
	uint32_t dlv_seq;  /* events delivered (ss_deliver_event), to spot INT n & co */
	uint32_t step_seq;
	uint32_t int_ctl, int_vector;	   /* guest V_TPR, V_IRQ, V_INTR_* (VMCB 0x060, 0x064) */
	uint64_t blk_rip, blk_pa, blk_gpa; /* linear, physical, guest-physical of the block */
	uint8_t vx_insn_len;		   /* decode assist: guest instruction bytes (VMCB 0x0D0) */
	uint8_t vx_insn[15];

	/* decoded-instruction cache */
	ss_block *blocks;
	uint64_t code_pages[SS_CODE_SLOTS]; /* ppn+1 of pages holding decoded code, 0 empty */
	uint32_t ncode_pages;
	uint64_t code_gen;
} ss_cpu;

/* ---- exceptions (exception.c) ---- */
_Noreturn void ss_raise(ss_cpu *c, int vec, uint32_t err, int has_err);
_Noreturn void ss_raise_pf(ss_cpu *c, uint64_t lin, uint32_t err);
/* #DB with RIP = c->insn_rip; fault = 1 for a fault-class #DB that sets RF in the pushed RFLAGS
 * (general detect), 0 for an instruction breakpoint or a trap (exception.c). */
_Noreturn void ss_raise_db(ss_cpu *c, int fault);
#define RAISE_UD(c)  ss_raise((c), EXC_UD, 0, 0)
#define RAISE_GP0(c) ss_raise((c), EXC_GP, 0, 1)
/* Delivers an event through the 64-bit IDT (interrupt/trap gates, privilege change through the
 * TSS RSPn, IST stacks); soft = 1 for INT n/INT3/INTO (gate DPL checked). Faults during delivery
 * come back through ss_raise (double fault handling is in the run loop). */
void ss_deliver_event(ss_cpu *c, int vec, int has_err, uint32_t err, int soft, uint64_t ret_rip);

/* Leaves the run loop after this instruction with the given exit reason; rewinds RIP to the
 * instruction unless done is set. */
_Noreturn void ss_exit_insn(ss_cpu *c, int reason);
/* Same, but the instruction completed (RIP stays after it). */
_Noreturn void ss_exit_after(ss_cpu *c, int reason);
/* Reads/writes system structures (IDT, GDT, TSS) as implicit supervisor accesses. */
void ss_sys_read(ss_cpu *c, uint64_t lin, void *buf, unsigned n);
/* Changes CPL (drops the one-entry fetch translation). */
void ss_set_cpl(ss_cpu *c, unsigned cpl);

/* ---- memory (mmu.c) ---- */
uint64_t ss_lin_read(ss_cpu *c, uint64_t lin, unsigned bytes, int kind);
void ss_lin_write(ss_cpu *c, uint64_t lin, unsigned bytes, uint64_t v);
void ss_lin_read_buf(ss_cpu *c, uint64_t lin, void *buf, unsigned bytes, int kind);
void ss_lin_write_buf(ss_cpu *c, uint64_t lin, const void *buf, unsigned bytes);
/* Checks that [lin, lin+bytes) is writable (for read-modify-write and multi-part stores). */
void ss_lin_probe_write(ss_cpu *c, uint64_t lin, unsigned bytes);
/* Translates a fetch address; fills pa. Raises #PF on failure. */
uint64_t ss_xlat_fetch(ss_cpu *c, uint64_t lin);
/* Same, also giving the guest-physical address (== pa without nested paging). */
uint64_t ss_xlat_fetch_g(ss_cpu *c, uint64_t lin, uint64_t *gpa);
/* Translates a data address for a read; fills pa and gpa. Raises #PF/#NPF on failure. */
void ss_xlat_data(ss_cpu *c, uint64_t lin, uint64_t *pa, uint64_t *gpa);
/* Same, filling a's pa, gpa and the translation's C-bits and nested mapping size. */
void ss_xlat_data_acc(ss_cpu *c, uint64_t lin, ss_cpu_access *a);
/* The memory ops' answer rc for access a: returns on OK, else raises #NPF (guest), #VC, #UD or
 * leaves with SS_CPU_EXIT_MEM. */
void ss_mem_answer(ss_cpu *c, int rc, const ss_cpu_access *a, int kind);
/* Physical access helpers through the ops table (raise #NPF/#PF/exit on errors). */
int ss_phys_read(ss_cpu *c, uint64_t pa, void *buf, size_t len, int kind);
int ss_phys_write(ss_cpu *c, uint64_t pa, const void *buf, size_t len, int kind);
int ss_phys_read_g(ss_cpu *c, uint64_t pa, uint64_t gpa, void *buf, size_t len, int kind);
int ss_phys_write_g(ss_cpu *c, uint64_t pa, uint64_t gpa, const void *buf, size_t len, int kind);
void ss_tlb_flush_all(ss_cpu *c);
void ss_tlb_flush_asid(ss_cpu *c, uint32_t asid);
void ss_tlb_flush_page(ss_cpu *c, uint64_t lin);
void ss_code_write(ss_cpu *c, uint64_t ppn);
int ss_code_page_mark(ss_cpu *c, uint64_t ppn);

/* ---- decode (decode.c) ---- */
/* Decodes one instruction from bytes (avail >= 1). Returns length, 0 when more bytes are needed
 * (avail too small), or -1 for an invalid encoding (filled as a #UD instruction). */
int ss_decode(const uint8_t *bytes, unsigned avail, ss_insn *out);
/* Same for a given mode (enum ss_mode): default operand and address sizes, REX or INC/DEC at
 * 0x40-0x4F, and the opcodes valid only in or outside 64-bit mode. ss_decode is LONG64. */
int ss_decode_mode(const uint8_t *bytes, unsigned avail, unsigned mode, ss_insn *out);
const char *ss_insn_name(const ss_insn *i);
/* Flags of the opcode table entry (OPF_*). */
unsigned ss_insn_flags(const ss_insn *i);

/* ---- flags (flags.c) ---- */
uint64_t ss_flags_get(ss_cpu *c);	   /* full RFLAGS with lazy flags folded in */
void ss_flags_set(ss_cpu *c, uint64_t fl); /* replaces RFLAGS (lazy state dropped) */
int ss_cf(ss_cpu *c);
int ss_zf(ss_cpu *c);
int ss_sf(ss_cpu *c);
int ss_of(ss_cpu *c);
int ss_pf(ss_cpu *c);
int ss_af(ss_cpu *c);
int ss_cond(ss_cpu *c, unsigned cc);

static const uint64_t ss_size_mask[4] = {0xff, 0xffff, 0xffffffffu, ~0ull};

/* Each flag from the lazy record (inline for the hot handlers; flags.c wraps them). */
static inline int lf_cf(const ss_cpu *c)
{
	uint64_t m = ss_size_mask[c->lf_sz & 3];
	switch (c->lf_op) {
	case LF_NONE: return (c->r.rflags & F_CF) != 0;
	case LF_ADD: return c->lf_res < (c->lf_a & m);
	case LF_ADC: return c->lf_cin ? c->lf_res <= (c->lf_a & m) : c->lf_res < (c->lf_a & m);
	case LF_SUB: return (c->lf_a & m) < (c->lf_b & m);
	case LF_SBB:
		return c->lf_cin ? (c->lf_a & m) <= (c->lf_b & m) : (c->lf_a & m) < (c->lf_b & m);
	case LF_LOGIC: return 0;
	default: return c->lf_cin; /* LF_INC, LF_DEC, LF_SHIFT */
	}
}

static inline int lf_zf(const ss_cpu *c)
{
	if (c->lf_op == LF_NONE)
		return (c->r.rflags & F_ZF) != 0;
	return c->lf_res == 0;
}

static inline int lf_sf(const ss_cpu *c)
{
	if (c->lf_op == LF_NONE)
		return (c->r.rflags & F_SF) != 0;
	return (int)((c->lf_res >> ((8u << c->lf_sz) - 1)) & 1);
}

static inline int lf_pf(const ss_cpu *c)
{
	if (c->lf_op == LF_NONE)
		return (c->r.rflags & F_PF) != 0;
	return !__builtin_parity((unsigned)(c->lf_res & 0xff));
}

static inline int lf_of(const ss_cpu *c)
{
	uint64_t a = c->lf_a, b = c->lf_b, r = c->lf_res;
	unsigned top = (8u << c->lf_sz) - 1;
	switch (c->lf_op) {
	case LF_NONE: return (c->r.rflags & F_OF) != 0;
	case LF_ADD:
	case LF_ADC:
	case LF_INC: return (int)((((a ^ r) & (b ^ r)) >> top) & 1);
	case LF_SUB:
	case LF_SBB:
	case LF_DEC: return (int)((((a ^ b) & (a ^ r)) >> top) & 1);
	case LF_SHIFT: return (int)(b & 1);
	default: return 0; /* LF_LOGIC */
	}
}

/* Condition cc (the low nibble of Jcc/SETcc/CMOVcc, APM vol. 3 "Jcc"). */
static inline int lf_cond(const ss_cpu *c, unsigned cc)
{
	int v;
	switch (cc >> 1) {
	case 0: v = lf_of(c); break;
	case 1: v = lf_cf(c); break;
	case 2: v = lf_zf(c); break;
	case 3: v = lf_cf(c) || lf_zf(c); break;
	case 4: v = lf_sf(c); break;
	case 5: v = lf_pf(c); break;
	case 6: v = lf_sf(c) != lf_of(c); break;
	default: v = lf_zf(c) || (lf_sf(c) != lf_of(c)); break;
	}
	return v ^ (int)(cc & 1);
}

static inline void lazy(ss_cpu *c, int op, unsigned sz, uint64_t a, uint64_t b, uint64_t res)
{
	if (op == LF_INC || op == LF_DEC)
		c->lf_cin = (uint8_t)lf_cf(c); /* INC/DEC keep CF: it moves into the new record */
	c->lf_op = (uint8_t)op;
	c->lf_sz = (uint8_t)sz;
	c->lf_a = a;
	c->lf_b = b;
	c->lf_res = res & ss_size_mask[sz];
}

/* Lazy record of AND/OR/XOR/TEST: CF, OF, AF are zero, the rest follow the result alone. */
static inline void lazy_logic(ss_cpu *c, unsigned sz, uint64_t res)
{
	c->lf_op = LF_LOGIC;
	c->lf_sz = (uint8_t)sz;
	c->lf_res = res & ss_size_mask[sz];
}

static inline uint64_t parity_flag(uint64_t res)
{
	return (__builtin_parity((unsigned)(res & 0xff)) ? 0 : F_PF);
}
static inline uint64_t szp_flags(uint64_t res, unsigned sz)
{
	uint64_t m = ss_size_mask[sz];
	res &= m;
	return (res == 0 ? F_ZF : 0) | ((res >> ((8u << sz) - 1)) & 1 ? F_SF : 0) |
	       parity_flag(res);
}

/* Canonical linear address: bits 63:47, or 63:56 with CR4.LA57, all equal (APM vol. 2 §5.3.1). */
static inline int ss_canonical(const ss_cpu *c, uint64_t a)
{
	unsigned bits = (c->r.cr4 & CR4_LA57) ? 57 : 48;
	return (uint64_t)((int64_t)(a << (64 - bits)) >> (64 - bits)) == a;
}

/* Folds the lazy record into rflags. */
static inline void ss_flags_materialize(ss_cpu *c)
{
	if (c->lf_op == LF_LOGIC) { /* the common case after AND/OR/XOR/TEST: SF ZF PF only */
		c->r.rflags = (c->r.rflags & ~(uint64_t)F_ARITH) | szp_flags(c->lf_res, c->lf_sz);
		c->lf_op = LF_NONE;
	} else if (c->lf_op != LF_NONE) {
		ss_flags_set(c, ss_flags_get(c));
	}
}

/* Sets the arithmetic flags in rflags directly (from a computed mask) after dropping lazy state. */
static inline void flags_eager(ss_cpu *c, uint64_t mask, uint64_t values)
{
	if ((mask & F_ARITH) == F_ARITH)
		c->lf_op = LF_NONE; /* every arithmetic flag is replaced: old ones not needed */
	else
		ss_flags_materialize(c);
	c->r.rflags = (c->r.rflags & ~mask) | (values & mask);
}

/* ---- registers ---- */
static inline uint64_t reg_get(const ss_cpu *c, unsigned r, unsigned sz)
{
	if (sz == 0 && r >= 16)
		return (c->r.gpr[r - 16] >> 8) & 0xff;
	return c->r.gpr[r] & ss_size_mask[sz];
}

static inline void reg_set(ss_cpu *c, unsigned r, unsigned sz, uint64_t v)
{
	switch (sz) {
	case 0:
		if (r >= 16)
			c->r.gpr[r - 16] = (c->r.gpr[r - 16] & ~0xff00ull) | ((v & 0xff) << 8);
		else
			c->r.gpr[r] = (c->r.gpr[r] & ~0xffull) | (v & 0xff);
		break;
	case 1: c->r.gpr[r] = (c->r.gpr[r] & ~0xffffull) | (v & 0xffff); break;
	case 2: c->r.gpr[r] = v & 0xffffffffu; break;
	default: c->r.gpr[r] = v; break;
	}
}

/* ---- operands ---- */
/* Effective address (offset within the segment) of the memory operand. */
static inline uint64_t ea_of(const ss_cpu *c, const ss_insn *i)
{
	uint64_t a = (uint64_t)(int64_t)i->disp;
	if (i->base == REG_RIP)
		a += c->r.rip;
	else if (i->base != REG_NONE)
		a += c->r.gpr[i->base];
	if (i->index != REG_NONE)
		a += c->r.gpr[i->index] << i->scale;
	if (i->asz != 3)
		a &= ss_size_mask[i->asz]; /* 16- and 32-bit addressing wrap */
	return a;
}

/* Segmented linear address outside 64-bit mode (segment.c): base + offset truncated to 32 bits
 * after the limit and type checks for an access of n bytes (#GP(0), #SS(0) for SS). */
uint64_t ss_seg_lin(ss_cpu *c, unsigned seg, uint64_t off, unsigned n, int write);

/* Linear address of segment:offset for an n-byte access. In 64-bit mode only the FS/GS bases
 * apply and nothing is checked; the other modes take the out-of-line segmented path. */
static inline uint64_t lin_of_n(ss_cpu *c, unsigned seg, uint64_t off, unsigned n, int write)
{
	if (__builtin_expect(c->legacy, 0))
		return ss_seg_lin(c, seg, off, n, write);
	if (seg >= SS_SEG_FS)
		return off + c->r.seg[seg].base;
	return off;
}

/* Same for a one-byte read (callers that check the rest themselves or cannot know the size). */
static inline uint64_t lin_of(ss_cpu *c, unsigned seg, uint64_t off)
{
	return lin_of_n(c, seg, off, 1, 0);
}

static inline uint64_t mem_lin(ss_cpu *c, const ss_insn *i)
{
	return lin_of(c, i->seg, ea_of(c, i));
}

static inline uint64_t mem_lin_n(ss_cpu *c, const ss_insn *i, unsigned n, int write)
{
	return lin_of_n(c, i->seg, ea_of(c, i), n, write);
}

/* TLB fast path: a host pointer for [lin, lin+n) if cached for this kind (0 read, 1 write) in
 * the current privilege context, else NULL (the caller takes the slow path in mmu.c). */
static inline uint8_t *tlb_host(ss_cpu *c, uint64_t lin, unsigned n, unsigned kind)
{
	if ((lin & 0xfff) + n > 4096)
		return NULL;
	ss_tlb_entry *e = &c->tlb[(lin >> 12) & (SS_TLB_SLOTS - 1)];
	if (e->vpn != lin >> 12 || e->asid != c->asid || !e->host)
		return NULL;
	unsigned ctx = c->r.cpl == 3 ? 0 : ((c->r.cr4 & CR4_SMAP) && (c->r.rflags & F_AC)) ? 2 : 1;
	if (!(e->perm & (1u << (ctx * 3 + kind))))
		return NULL;
	return e->host + (lin & 0xfff);
}

static inline uint64_t lin_read(ss_cpu *c, uint64_t lin, unsigned n)
{
	uint8_t *h = tlb_host(c, lin, n, 0);
	if (h) {
		uint64_t v = 0;
		memcpy(&v, h, n);
		return v;
	}
	return ss_lin_read(c, lin, n, SS_CPU_ACC_READ);
}

static inline void lin_write(ss_cpu *c, uint64_t lin, unsigned n, uint64_t v)
{
	uint8_t *h = tlb_host(c, lin, n, 1);
	if (h)
		memcpy(h, &v, n);
	else
		ss_lin_write(c, lin, n, v);
}

static inline uint64_t rm_get(ss_cpu *c, const ss_insn *i, unsigned sz)
{
	if (i->mod3)
		return reg_get(c, i->rm, sz);
	return lin_read(c, mem_lin_n(c, i, 1u << sz, 0), 1u << sz);
}

static inline void rm_set(ss_cpu *c, const ss_insn *i, unsigned sz, uint64_t v)
{
	if (i->mod3)
		reg_set(c, i->rm, sz, v);
	else
		lin_write(c, mem_lin_n(c, i, 1u << sz, 1), 1u << sz, v);
}

static inline uint64_t sext(uint64_t v, unsigned sz)
{
	switch (sz) {
	case 0: return (uint64_t)(int64_t)(int8_t)v;
	case 1: return (uint64_t)(int64_t)(int16_t)v;
	case 2: return (uint64_t)(int64_t)(int32_t)v;
	default: return v;
	}
}

/* Stack outside 64-bit mode (segment.c): SS base and limit, SP or ESP by SS.B (#SS(0)). */
void ss_push_legacy(ss_cpu *c, unsigned bytes, uint64_t v);
uint64_t ss_pop_legacy(ss_cpu *c, unsigned bytes);

/* Stack (64-bit mode: 8-byte pushes unless 0x66 gives 2). */
static inline void push(ss_cpu *c, unsigned bytes, uint64_t v)
{
	if (__builtin_expect(c->legacy, 0)) {
		ss_push_legacy(c, bytes, v);
		return;
	}
	uint64_t sp = c->r.gpr[SS_RSP] - bytes;
	lin_write(c, sp, bytes, v);
	c->r.gpr[SS_RSP] = sp;
}

static inline uint64_t pop(ss_cpu *c, unsigned bytes)
{
	if (__builtin_expect(c->legacy, 0))
		return ss_pop_legacy(c, bytes);
	uint64_t sp = c->r.gpr[SS_RSP];
	uint64_t v = lin_read(c, sp, bytes);
	c->r.gpr[SS_RSP] = sp + bytes;
	return v;
}

/* ---- SVM guest mode (svm.c) ---- */
#define SS_NPF_W_BIT  0x2ull
#define SS_NPF_ID_BIT 0x10ull
/* Nested translation gPA -> sPA (mmu.c; raises #NPF #VMEXIT); ptw: access of a guest page-table
 * walk. Leaves the mapping's size and its leaf's C-bit in c->npt_map / c->npt_c. */
uint64_t ss_npt_xlat(ss_cpu *c, uint64_t gpa, int write, int fetch, int ptw);
/* Fills a fetch's nested mapping size and host C-bit (ss_cpu_access) from its a->gpa. */
void ss_fetch_nested(ss_cpu *c, ss_cpu_access *a);
/* #VMEXIT from guest mode: records the exit and leaves the run loop (fault-like: guest RIP at
 * the instruction, NRIP = next). */
_Noreturn void ss_vmexit(ss_cpu *c, uint64_t code, uint64_t info1, uint64_t info2);
/* Intercept checks used by instruction handlers: exit if the VMCB intercepts it. */
void ss_svm_icpt(ss_cpu *c, int word, unsigned bit, uint64_t code, uint64_t info1, uint64_t info2);
void ss_svm_icpt_io(ss_cpu *c, const ss_insn *i, uint16_t port, unsigned size, int in, int str);
void ss_svm_icpt_msr(ss_cpu *c, uint32_t msr, int write);
/* Writes the pending #VMEXIT into the VMCB and restores the host (run loop, exec.c). */
int ss_svm_do_vmexit(ss_cpu *c);
/* Exception intercept: returns only if the vector is not intercepted. */
void ss_svm_icpt_exception(ss_cpu *c);
/* VMLOAD (save = 0) / VMSAVE (save = 1) at the VMCB in RAX; STGI / CLGI. */
void ss_svm_vmload_vmsave(ss_cpu *c, const ss_insn *i, int save);
/* Decode assist: records up to 15 instruction bytes at rip (for #NPF / #PF exits). */
void ss_svm_insn_bytes(ss_cpu *c, uint64_t rip);
#define GUEST_ICPT(c, w, b, code, i1, i2)                                                          \
	do {                                                                                       \
		if ((c)->guest && ((c)->icpt[w] & (1u << (b))))                                    \
			ss_vmexit((c), (code), (i1), (i2));                                        \
	} while (0)

/* Instructions retired so far, exact even in the middle of a block. */
static inline uint64_t icount_now(const ss_cpu *c)
{
	return c->cur ? c->blk_icount + (uint64_t)(c->cur - c->blk_base) : c->icount;
}

/* ---- interrupts and debug events (interrupt.c) ---- */
#define EV_IRQ	0x1
#define EV_NMI	0x2
#define EV_VIRQ 0x4
/* Recomputes c->ev from the pending lines and the guest's V_IRQ. */
void ss_ev_update(ss_cpu *c);
/* Something may be pending at this instruction boundary (checked once per block). */
static inline int ss_ev_any(const ss_cpu *c)
{
	return c->ev | (int)(c->r.rflags & (F_TF | F_RF)) | c->r.interrupt_shadow |
	       (int)(c->r.dr[7] & 0xff);
}
/* At an instruction boundary: takes a pending NMI/interrupt/virtual interrupt (or exits for its
 * intercept), raises an instruction-breakpoint #DB. Returns 1 when the next instruction must run
 * alone (single-step, shadow, breakpoints), 2 when an event was delivered (look again). */
int ss_ev_before(ss_cpu *c);
/* After instruction i ran alone: the TF single-step trap and RF (debug.c). */
void ss_ev_after(ss_cpu *c, const ss_insn *i);
/* Instruction breakpoints and the single-step state at a boundary (debug.c); 1 = run alone. */
int ss_debug_before(ss_cpu *c);
/* Recomputes dbg_data from DR7 after DR7 may have changed; flushes the TLB when it does. */
void ss_debug_sync(ss_cpu *c);
/* A data access of n bytes at lin by the instruction executing (mmu.c slow path). */
void ss_debug_access(ss_cpu *c, uint64_t lin, unsigned n, int write);
/* DR6.Bn of the I/O breakpoints an access of size bytes at port matches (CR4.DE). */
unsigned ss_debug_io(ss_cpu *c, uint16_t port, unsigned size);
/* HLT: 1 if an event pending now would wake the CPU right after the HLT. */
int ss_ev_wakes_hlt(ss_cpu *c);
/* Guest CR8 with V_INTR_MASKING maps to V_TPR (returns 1 when handled). */
int ss_vtpr_read(ss_cpu *c, uint64_t *v);
int ss_vtpr_write(ss_cpu *c, uint64_t v);
/* TSS I/O permission bitmap check for IN/OUT at CPL > IOPL (#GP(0) when denied). */
void ss_io_perm(ss_cpu *c, uint16_t port, unsigned size);

/* ---- modes (modes.c), segmentation (segment.c), far transfers (far.c) ---- */
/* Recomputes c->mode / c->legacy from CR0.PE, EFER.LMA, CS and RFLAGS.VM; ends the block. */
void ss_mode_update(ss_cpu *c);
const char *ss_mode_name(unsigned mode);
/* MOV CR0 writing v: EFER.LMA follows CR0.PG with EFER.LME (#GP(0) without CR4.PAE, from 64-bit
 * code, or when leaving long mode from 64-bit code). Called before CR0 is updated. */
void ss_cr0_paging(ss_cpu *c, uint64_t v);
/* Loads a data segment register or SS: real mode (base = sel << 4) or from the GDT/LDT with the
 * descriptor checks of APM vol. 2 §4.8 (#GP(sel), #NP(sel), #SS(sel)), setting the accessed bit. */
void ss_load_seg(ss_cpu *c, unsigned seg, uint16_t sel);
/* Reads the 8-byte descriptor of sel from the GDT or LDT; raises vec(sel) beyond the limit. */
void ss_read_desc(ss_cpu *c, uint16_t sel, uint8_t d[8], int vec);
uint16_t ss_desc_attr(const uint8_t d[8]);
uint64_t ss_desc_base(const uint8_t d[8]);
uint32_t ss_desc_limit(const uint8_t d[8]);
/* Event delivery outside long mode: real mode through the IVT, protected mode through 32-bit and
 * 16-bit interrupt and trap gates (task gates leave with SS_CPU_EXIT_UNSUPPORTED). */
void ss_deliver_legacy(ss_cpu *c, int vec, int has_err, uint32_t err, int soft, uint64_t ret_rip);
/* IRET in every mode but 64-bit IRETQ (which system.c keeps on its own path). */
void ss_iret_other(ss_cpu *c, const ss_insn *i);
/* Near branches, RET, ENTER/LEAVE of 16- and 32-bit code (legacy.c): IP/EIP wrap at the operand
 * size and are checked against the CS limit (#GP(0)). */
void ss_jump_legacy(ss_cpu *c, unsigned osz, uint64_t target);
void ss_call_legacy(ss_cpu *c, unsigned osz, uint64_t target);
void ss_ret_legacy(ss_cpu *c, unsigned osz, unsigned imm);
void ss_leave_legacy(ss_cpu *c, unsigned osz);
void ss_enter_legacy(ss_cpu *c, unsigned osz, unsigned size, unsigned level);
/* The stack slot at rSP in any mode, not popped. */
uint64_t ss_stack_peek(ss_cpu *c, unsigned n);
/* Leaves the run loop with SS_CPU_EXIT_UNSUPPORTED naming what is not implemented. */
_Noreturn void ss_unsupported(ss_cpu *c, const char *what);

/* ---- x87 / MMX / SSE (fpu.c, sse.c) ---- */
/* MXCSR bits LDMXCSR, FXRSTOR and XRSTOR accept (FXSAVE's MXCSR_MASK): flags, DAZ, masks, RC,
 * FTZ. Misaligned SSE mode (MM, bit 17) is not offered (CPUID 8000_0001 ECX[7] clear). */
#define SS_MXCSR_MASK 0xFFFFu
/* Resets the x87/SSE state as at RESET (APM vol. 2 §14.1.3). */
void ss_fpu_reset(ss_cpu *c);
/* Before an SSE instruction (APM vol. 2 §11.3): #UD when CR0.EM = 1 or CR4.OSFXSR = 0, #NM
 * when CR0.TS = 1. */
static inline void ss_sse_avail(ss_cpu *c)
{
	uint64_t cr0 = c->r.cr0;
	if (__builtin_expect((cr0 & (CR0_EM | CR0_TS)) || !(c->r.cr4 & CR4_OSFXSR), 0)) {
		if ((cr0 & CR0_EM) || !(c->r.cr4 & CR4_OSFXSR))
			RAISE_UD(c);
		ss_raise(c, EXC_NM, 0, 0);
	}
}

/* ---- system (system.c, cpuid.c, msr.c) ---- */
void ss_cpuid(ss_cpu *c, uint32_t leaf, uint32_t sub, uint32_t out[4]);
/* Returns 0 and the value, or -1 when the MSR is not implemented by the core. */
int ss_msr_read(ss_cpu *c, uint32_t msr, uint64_t *v);
/* Returns 0, -1 when not implemented, -2 for #GP (reserved bits). */
int ss_msr_write(ss_cpu *c, uint32_t msr, uint64_t v);
uint64_t ss_tsc(ss_cpu *c);

#endif
