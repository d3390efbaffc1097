/* The Guest-Hypervisor Communication Block (GHCB, AMD #56421) of an SEV-ES / SEV-SNP guest: the 4
 * KiB shared page layout, its valid bitmap, the GHCB MSR protocol (MSR 0xC001_0130) and the
 * software exit codes a guest puts in SW_EXITCODE before VMGEXIT.
 *
 * Layout: cpu-svm-sev.md §5 (Linux `struct ghcb_save_area` asserts 1032 bytes, `struct ghcb` one
 * page); the first 0x400 bytes reuse the VMSA offsets (abi/vmsa.h) of the registers a guest chooses
 * to expose. MSR protocol: §6. Exit codes: §7 and §3.1. Return conventions: §7.2.
 *
 * Only constants and naturally aligned structs: this header is included by the hypervisor
 * (src/hv/ghcb.c) and by freestanding guest code (guest/lib/vc.c) alike. */
#ifndef SOFTSEV_ABI_GHCB_H
#define SOFTSEV_ABI_GHCB_H

#include <softsev/abi/vmcb.h>
#include <stddef.h>
#include <stdint.h>

#define SS_GHCB_SIZE		   4096u
#define SS_GHCB_SHARED_BUFFER_OFF  0x800u
#define SS_GHCB_SHARED_BUFFER_SIZE 0x7F0u      /* 2032 bytes */
#define SS_GHCB_MSR		   0xC0010130u /* MSR_AMD64_SEV_ES_GHCB (§6) */
#define SS_GHCB_VMGEXIT_CODE	   0x403u      /* the automatic exit VMGEXIT leaves with (§3.1) */

/* Protocol versions (§5): 1 = SEV-ES, 2 adds SEV-SNP (an SNP guest needs 2). */
#define SS_GHCB_VERSION_MIN 1u
#define SS_GHCB_VERSION_MAX 2u
/* GHCB_USAGE (§5): 0 is the standard format; any other value is refused. */
#define SS_GHCB_USAGE_STANDARD 0u

typedef struct ss_ghcb {
	uint8_t reserved_000[0xCB];
	uint8_t cpl; /* 0x0CB, valid bit 25 */
	uint8_t reserved_0cc[0x74];
	uint64_t xss; /* 0x140, bit 40 */
	uint8_t reserved_148[0x18];
	uint64_t dr7; /* 0x160, bit 44 */
	uint8_t reserved_168[0x10];
	uint64_t rip; /* 0x178, bit 47 */
	uint8_t reserved_180[0x58];
	uint64_t rsp; /* 0x1D8, bit 59 */
	uint8_t reserved_1e0[0x18];
	uint64_t rax; /* 0x1F8, bit 63 */
	uint8_t reserved_200[0x108];
	uint64_t rcx; /* 0x308, bit 97 */
	uint64_t rdx; /* 0x310, bit 98 */
	uint64_t rbx; /* 0x318, bit 99 */
	uint64_t reserved_320;
	uint64_t rbp; /* 0x328, bit 101 */
	uint64_t rsi; /* 0x330, bit 102 */
	uint64_t rdi; /* 0x338, bit 103 */
	uint64_t r8;  /* 0x340, bits 104..111 for R8..R15 */
	uint64_t r9;
	uint64_t r10;
	uint64_t r11;
	uint64_t r12;
	uint64_t r13;
	uint64_t r14;
	uint64_t r15; /* 0x378 */
	uint8_t reserved_380[0x10];
	uint64_t sw_exit_code;	/* 0x390, bit 114 */
	uint64_t sw_exit_info1; /* 0x398, bit 115 */
	uint64_t sw_exit_info2; /* 0x3A0, bit 116 */
	uint64_t sw_scratch;	/* 0x3A8, bit 117 */
	uint8_t reserved_3b0[0x38];
	uint64_t xcr0;		  /* 0x3E8, bit 125 */
	uint8_t valid_bitmap[16]; /* 0x3F0: bit n = the qword at 8n holds data (§5) */
	uint64_t x87_state_gpa;	  /* 0x400: past the bitmap's reach, no valid bit */
	uint8_t reserved_408[0x3F8];
	uint8_t shared_buffer[SS_GHCB_SHARED_BUFFER_SIZE]; /* 0x800 */
	uint8_t reserved_ff0[10];
	uint16_t protocol_version; /* 0xFFA */
	uint32_t ghcb_usage;	   /* 0xFFC */
} ss_ghcb;

_Static_assert(sizeof(ss_ghcb) == SS_GHCB_SIZE, "the GHCB is one 4 KiB page (§5)");
_Static_assert(offsetof(ss_ghcb, cpl) == 0x0CB, "cpl");
_Static_assert(offsetof(ss_ghcb, xss) == 0x140, "xss");
_Static_assert(offsetof(ss_ghcb, dr7) == 0x160, "dr7");
_Static_assert(offsetof(ss_ghcb, rip) == 0x178, "rip");
_Static_assert(offsetof(ss_ghcb, rsp) == 0x1D8, "rsp");
_Static_assert(offsetof(ss_ghcb, rax) == 0x1F8, "rax");
_Static_assert(offsetof(ss_ghcb, rcx) == 0x308, "rcx");
_Static_assert(offsetof(ss_ghcb, rdx) == 0x310, "rdx");
_Static_assert(offsetof(ss_ghcb, rbx) == 0x318, "rbx");
_Static_assert(offsetof(ss_ghcb, rbp) == 0x328, "rbp");
_Static_assert(offsetof(ss_ghcb, rsi) == 0x330, "rsi");
_Static_assert(offsetof(ss_ghcb, rdi) == 0x338, "rdi");
_Static_assert(offsetof(ss_ghcb, r8) == 0x340, "r8");
_Static_assert(offsetof(ss_ghcb, r15) == 0x378, "r15");
_Static_assert(offsetof(ss_ghcb, sw_exit_code) == 0x390, "sw_exit_code");
_Static_assert(offsetof(ss_ghcb, sw_exit_info1) == 0x398, "sw_exit_info1");
_Static_assert(offsetof(ss_ghcb, sw_exit_info2) == 0x3A0, "sw_exit_info2");
_Static_assert(offsetof(ss_ghcb, sw_scratch) == 0x3A8, "sw_scratch");
_Static_assert(offsetof(ss_ghcb, xcr0) == 0x3E8, "xcr0");
_Static_assert(offsetof(ss_ghcb, valid_bitmap) == 0x3F0, "valid_bitmap");
_Static_assert(offsetof(ss_ghcb, x87_state_gpa) == 0x400, "x87_state_gpa");
_Static_assert(offsetof(ss_ghcb, x87_state_gpa) + 8 == 1032, "Linux's ghcb_save_area: 1032 bytes");
_Static_assert(offsetof(ss_ghcb, shared_buffer) == SS_GHCB_SHARED_BUFFER_OFF, "shared_buffer");
_Static_assert(offsetof(ss_ghcb, reserved_ff0) == 0xFF0, "reserved_ff0");
_Static_assert(offsetof(ss_ghcb, protocol_version) == 0xFFA, "protocol_version");
_Static_assert(offsetof(ss_ghcb, ghcb_usage) == 0xFFC, "ghcb_usage");

/* The valid-bitmap bit of a save-area field: its offset / 8 (§5). */
#define SS_GHCB_BIT(field) ((unsigned)(offsetof(ss_ghcb, field) / 8u))
_Static_assert(SS_GHCB_BIT(cpl) == 25, "cpl's bit");
_Static_assert(SS_GHCB_BIT(rax) == 63, "rax's bit");
_Static_assert(SS_GHCB_BIT(rcx) == 97, "rcx's bit");
_Static_assert(SS_GHCB_BIT(sw_exit_code) == 114, "sw_exit_code's bit");
_Static_assert(SS_GHCB_BIT(sw_scratch) == 117, "sw_scratch's bit");
_Static_assert(SS_GHCB_BIT(xcr0) == 125, "xcr0's bit");

static inline int ss_ghcb_valid(const ss_ghcb *g, unsigned bit)
{
	return (g->valid_bitmap[bit / 8] >> (bit % 8)) & 1;
}
static inline void ss_ghcb_set_valid(ss_ghcb *g, unsigned bit)
{
	g->valid_bitmap[bit / 8] |= (uint8_t)(1u << (bit % 8));
}

/* ---- GHCB MSR protocol (§6): the MSR's bits 11:0 name a request or response when non-zero;
 * a zero value there means the MSR holds the GHCB page's GPA. ---- */

/* X(name, code, hint) */
#define SS_GHCB_MSR_LIST(X)                                                                        \
	X(SEV_INFO_RESP, 0x001, "[63:48] max protocol, [47:32] min protocol, [31:24] C-bit")       \
	X(SEV_INFO_REQ, 0x002, "request the SEV information")                                      \
	X(AP_JUMP_TABLE, 0x003, "AP jump table (Hyper-V only)")                                    \
	X(CPUID_REQ, 0x004, "[63:32] function, [31:30] register (0 EAX, 1 EBX, 2 ECX, 3 EDX)")     \
	X(CPUID_RESP, 0x005, "[63:32] value, [31:30] register echoed")                             \
	X(AP_RESET_HOLD_REQ, 0x006, "park the AP until INIT-SIPI")                                 \
	X(AP_RESET_HOLD_RESP, 0x007, "[63:12] non-zero when released")                             \
	X(PREF_GPA_REQ, 0x010, "preferred GHCB GPA request")                                       \
	X(PREF_GPA_RESP, 0x011, "[63:12] GFN, all ones = no preference")                           \
	X(REG_GPA_REQ, 0x012, "register the GHCB GPA: [63:12] GFN")                                \
	X(REG_GPA_RESP, 0x013, "[63:12] GFN echoed, all ones on failure")                          \
	X(PSC_REQ, 0x014, "page state change: [51:12] GFN, [55:52] 1 private / 2 shared")          \
	X(PSC_RESP, 0x015, "[63:32] error code, 0 = success")                                      \
	X(RUN_VMPL_REQ, 0x016, "run at VMPL [39:32]")                                              \
	X(RUN_VMPL_RESP, 0x017, "[63:32] error code, 0 = success")                                 \
	X(HV_FEATURES_REQ, 0x080, "hypervisor feature request")                                    \
	X(HV_FEATURES_RESP, 0x081, "[63:12] feature bitmap")                                       \
	X(TERM_REQ, 0x100, "terminate: [15:12] reason set, [23:16] reason code")

enum ss_ghcb_msr_code {
#define SS_GHCB_MSR_ENUM(n, v, h) SS_GHCB_MSR_##n = v,
	SS_GHCB_MSR_LIST(SS_GHCB_MSR_ENUM)
#undef SS_GHCB_MSR_ENUM
};

#define SS_GHCB_MSR_INFO_MASK 0xFFFull
#define SS_GHCB_MSR_INFO(v)   ((unsigned)((v)&SS_GHCB_MSR_INFO_MASK))
#define SS_GHCB_MSR_DATA(v)   ((v) >> 12)

/* SEV_INFO response: max and min protocol and the C-bit position. */
#define SS_GHCB_MSR_SEV_INFO(max, min, cbit)                                                       \
	(((uint64_t)(max) << 48) | ((uint64_t)(min) << 32) | ((uint64_t)(cbit) << 24) |            \
	 SS_GHCB_MSR_SEV_INFO_RESP)
#define SS_GHCB_MSR_SEV_INFO_MAX(v)  ((unsigned)(((v) >> 48) & 0xFFFF))
#define SS_GHCB_MSR_SEV_INFO_MIN(v)  ((unsigned)(((v) >> 32) & 0xFFFF))
#define SS_GHCB_MSR_SEV_INFO_CBIT(v) ((unsigned)(((v) >> 24) & 0xFF))

/* CPUID request / response: the function in [63:32], the register in [31:30]. Bits 29:12 of a
 * request are reserved (must be zero). */
#define SS_GHCB_CPUID_EAX 0u
#define SS_GHCB_CPUID_EBX 1u
#define SS_GHCB_CPUID_ECX 2u
#define SS_GHCB_CPUID_EDX 3u
#define SS_GHCB_MSR_CPUID(code, fn_or_value, reg)                                                  \
	(((uint64_t)(fn_or_value) << 32) | ((uint64_t)(reg) << 30) | (code))
#define SS_GHCB_MSR_CPUID_REG(v)	((unsigned)(((v) >> 30) & 3))
#define SS_GHCB_MSR_CPUID_FN(v)		((uint32_t)((v) >> 32))
#define SS_GHCB_MSR_CPUID_RESERVED_MASK 0x3FFFF000ull

/* GHCB GPA registration (SNP) and the preferred GPA: the GFN in [63:12]. */
#define SS_GHCB_MSR_GFN_NONE	 0xFFFFFFFFFFFFFull /* "no preference" / "registration failed" */
#define SS_GHCB_MSR_GFN(code, g) (((uint64_t)(g) << 12) | (code))

/* Termination request: reason set [15:12], reason code [23:16]. */
#define SS_GHCB_MSR_TERM(set, code)                                                                \
	((((uint64_t)(set)&0xF) << 12) | (((uint64_t)(code)&0xFF) << 16) | SS_GHCB_MSR_TERM_REQ)
#define SS_GHCB_MSR_TERM_SET(v)	 ((unsigned)(((v) >> 12) & 0xF))
#define SS_GHCB_MSR_TERM_CODE(v) ((unsigned)(((v) >> 16) & 0xFF))

/* Termination reasons (§6): set 0 is the GHCB spec's, set 1 Linux's. */
#define SS_GHCB_TERM_SET_GENERAL    0u
#define SS_GHCB_TERM_GENERAL	    0u /* general termination */
#define SS_GHCB_TERM_PROTOCOL_RANGE 1u /* protocol range unsupported */
#define SS_GHCB_TERM_SNP_FEATURES   2u /* SNP features unsupported */
#define SS_GHCB_TERM_SET_LINUX	    1u
#define SS_GHCB_TERM_LINUX_GHCB_REG 0u
#define SS_GHCB_TERM_LINUX_CPUID    4u /* CPUID failure */
#define SS_GHCB_TERM_LINUX_CPUID_HV 5u /* CPUID from the hypervisor failed */

/* Hypervisor feature bits (§6: MSR response 0x081 and NAE HV_FEATURES). */
#define SS_GHCB_HV_FT_SNP	      (1ull << 0)
#define SS_GHCB_HV_FT_SNP_AP_CREATION (1ull << 1)
#define SS_GHCB_HV_FT_SNP_MULTI_VMPL  (1ull << 5)

/* ---- Software exit codes (SW_EXITCODE, §7): the hardware codes of the instructions a #VC
 * handler forwards (abi/svm_exit.h) and the software-defined range. ---- */

/* X(name, code, hint) */
#define SS_GHCB_NAE_LIST(X)                                                                        \
	X(READ_DR7, 0x027, "read DR7: returns RAX")                                                \
	X(WRITE_DR7, 0x037, "write DR7: RAX")                                                      \
	X(RDTSC, 0x06E, "RDTSC: returns RAX, RDX")                                                 \
	X(RDPMC, 0x06F, "RDPMC: RCX; returns RAX, RDX")                                            \
	X(CPUID, 0x072, "CPUID: RAX, RCX (+XCR0 for 0xD, +XSS for 0xD.1 in v2); returns RAX-RDX")  \
	X(INVD, 0x076, "INVD")                                                                     \
	X(HLT, 0x078, "HLT")                                                                       \
	X(IOIO, 0x07B, "IN/OUT/INS/OUTS: info1 = IOIO info, RAX or SW_SCRATCH")                    \
	X(MSR, 0x07C, "RDMSR (info1 0) / WRMSR (info1 1): RCX [+RAX, RDX]")                        \
	X(VMMCALL, 0x081, "VMMCALL: RAX, CPL")                                                     \
	X(RDTSCP, 0x087, "RDTSCP: returns RAX, RCX, RDX")                                          \
	X(WBINVD, 0x089, "WBINVD")                                                                 \
	X(MONITOR, 0x08A, "MONITOR: RAX, RCX, RDX")                                                \
	X(MWAIT, 0x08B, "MWAIT: RAX, RCX")                                                         \
	X(MMIO_READ, 0x80000001u, "MMIO read: info1 = GPA, info2 = bytes, SW_SCRATCH = buffer")    \
	X(MMIO_WRITE, 0x80000002u, "MMIO write: info1 = GPA, info2 = bytes, SW_SCRATCH = data")    \
	X(NMI_COMPLETE, 0x80000003u, "NMI handler finished")                                       \
	X(AP_HLT_LOOP, 0x80000004u, "AP reset hold")                                               \
	X(AP_JUMP_TABLE, 0x80000005u, "AP jump table: info1 0 set (info2 = GPA), 1 get")           \
	X(SNP_PSC, 0x80000010u, "SNP page state change: SW_SCRATCH = PSC buffer")                  \
	X(SNP_GUEST_REQUEST, 0x80000011u, "SNP guest request")                                     \
	X(SNP_EXT_GUEST_REQUEST, 0x80000012u, "SNP extended guest request")                        \
	X(SNP_AP_CREATION, 0x80000013u, "SNP AP creation")                                         \
	X(SNP_RUN_VMPL, 0x80000018u, "SNP run at VMPL info1")                                      \
	X(HV_FEATURES, 0x8000FFFDu, "hypervisor features: returns info2 = bitmap")                 \
	X(TERM_REQUEST, 0x8000FFFEu, "terminate: info1 [3:0] reason set, [11:4] code")             \
	X(UNSUPPORTED, 0x8000FFFFu,                                                                \
	  "the guest cannot handle an event: info1/2 = its exit code/info")

enum ss_ghcb_nae {
#define SS_GHCB_NAE_ENUM(n, v, h) SS_GHCB_NAE_##n = v,
	SS_GHCB_NAE_LIST(SS_GHCB_NAE_ENUM)
#undef SS_GHCB_NAE_ENUM
};

/* The IOIO NAE's SW_EXITINFO1 is the IOIO exit_info_1 (§3.3): SS_IOIO_* in abi/vmcb.h. */

/* ---- The hypervisor's answer in SW_EXITINFO1 [31:0] (§7.2) ---- */
#define SS_GHCB_RESULT_OK	 0u
#define SS_GHCB_RESULT_EXCEPTION 1u /* SW_EXITINFO2 = an EVENTINJ-format event (#GP or #UD) */
#define SS_GHCB_RESULT_ERROR	 2u /* SW_EXITINFO2 = one of SS_GHCB_ERR_* */

/* X(name, value, hint): the reasons of SW_EXITINFO1 = 2 (§7.2). */
#define SS_GHCB_ERR_LIST(X)                                                                        \
	X(NOT_REGISTERED, 1, "the GHCB's GPA was not registered (SNP)")                            \
	X(INVALID_USAGE, 2, "GHCB_USAGE is not 0")                                                 \
	X(INVALID_SCRATCH_AREA, 3, "SW_SCRATCH outside the shared buffer or too large")            \
	X(MISSING_INPUT, 4, "a required field's valid bit is clear")                               \
	X(INVALID_INPUT, 5, "a field holds a value the exit does not accept")                      \
	X(INVALID_EVENT, 6, "the exit code is not one the hypervisor handles")

enum ss_ghcb_err {
#define SS_GHCB_ERR_ENUM(n, v, h) SS_GHCB_ERR_##n = v,
	SS_GHCB_ERR_LIST(SS_GHCB_ERR_ENUM)
#undef SS_GHCB_ERR_ENUM
};

/* An EVENTINJ-format exception for SW_EXITINFO2 with result 1 (§1.4: vector [7:0], type [10:8] =
 * 3 exception, EV [11] error code valid, V [31]; the error code in [63:32]). */
#define SS_GHCB_EVENT_EXCEPTION(vector, has_err, err)                                              \
	((uint64_t)(vector) | (3ull << 8) | ((uint64_t)((has_err) ? 1 : 0) << 11) | (1ull << 31) | \
	 ((uint64_t)(err) << 32))
#define SS_GHCB_VECTOR_UD 6u
#define SS_GHCB_VECTOR_GP 13u

#endif
