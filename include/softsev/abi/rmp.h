/* softsev abi — the SEV-SNP Reverse Map Table (RMP): entry layout, the RMPUPDATE/RMPREAD
 * descriptor, the RMP MSRs and the return codes of PVALIDATE, RMPADJUST, RMPUPDATE and PSMASH.
 *
 * Source: ../shared/spec/cpu-svm-sev.md §8 (Linux arch/x86/virt/svm/sev.c `struct rmpentry_raw`,
 * `struct rmp_state`; AMD-ASPFW sev_rmp.h; VeriSMo rmp model). The APM calls the entry format
 * implementation specific; this is the Zen3/Zen4 layout that Linux and AMD's firmware use (§12).
 */
#ifndef SOFTSEV_ABI_RMP_H
#define SOFTSEV_ABI_RMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- RMP placement (§8.2) ------------------------------------------------------------------ */
#define SS_MSR_SYSCFG			0xC0010010u
#define SS_SYSCFG_MFDM			(1ull << 19)
#define SS_SYSCFG_MEM_ENCRYPTION_MOD_EN (1ull << 23)
#define SS_SYSCFG_SNP_EN		(1ull << 24)
#define SS_SYSCFG_SNP_VMPL_EN		(1ull << 25)
#define SS_MSR_RMP_BASE			0xC0010132u /* sPA of the table's first byte */
#define SS_MSR_RMP_END			0xC0010133u /* sPA of the table's last byte */
/* The first 16 KiB are processor bookkeeping; entry of sPA = RMP_BASE + 0x4000 + 16 * (sPA >> 12).
 */
#define SS_RMP_BOOKKEEPING 0x4000u
#define SS_RMP_BASE_ALIGN  0x2000u /* hardware requires 8 KiB alignment of RMP_BASE */
#define SS_RMP_ENTRY_SIZE  16u

/* ---- RMP entry (§8.1): two little-endian quadwords ------------------------------------------ */
struct ss_abi_rmp_entry {
	uint64_t lo; /* assigned, page size, immutable, GPA, ASID, VMSA, validated, lock */
	uint64_t hi; /* VMPL permission masks */
};
_Static_assert(sizeof(struct ss_abi_rmp_entry) == 16, "RMP entry is 16 bytes (§8.1)");
_Static_assert(offsetof(struct ss_abi_rmp_entry, hi) == 8, "RMP quadword 1 at +8 (§8.1)");

/* Quadword 0 */
#define SS_RMP_ASSIGNED	     (1ull << 0) /* owned by a guest or the firmware */
#define SS_RMP_PAGESIZE	     (1ull << 1) /* 0 = 4 KiB, 1 = 2 MiB */
#define SS_RMP_IMMUTABLE     (1ull << 2) /* only firmware may change the entry */
#define SS_RMP_SUBPAGE_SHIFT 3		 /* 11:3 subpage count, firmware bookkeeping */
#define SS_RMP_SUBPAGE_MASK  (0x1FFull << 3)
#define SS_RMP_GPA_MASK	     0x0007FFFFFFFFF000ull /* 50:12 GPA bits 50:12 (39 bits) */
#define SS_RMP_ASID_SHIFT    51			   /* 60:51 ASID (10 bits) */
#define SS_RMP_ASID_MASK     (0x3FFull << 51)
#define SS_RMP_VMSA	     (1ull << 61) /* the page is a VMSA */
#define SS_RMP_VALIDATED     (1ull << 62) /* set and cleared by PVALIDATE */
#define SS_RMP_LOCK	     (1ull << 63) /* firmware-internal lock: RMPUPDATE/PSMASH say FAIL_INUSE */
#define SS_RMP_ASID_MAX	     0x3FFu

/* The quadword-0 fields tile bits 63:0 exactly once (§8.1 table). */
_Static_assert((SS_RMP_ASSIGNED | SS_RMP_PAGESIZE | SS_RMP_IMMUTABLE | SS_RMP_SUBPAGE_MASK |
		SS_RMP_GPA_MASK | SS_RMP_ASID_MASK | SS_RMP_VMSA | SS_RMP_VALIDATED |
		SS_RMP_LOCK) == ~0ull,
	       "RMP quadword 0 fields cover bits 63:0");
_Static_assert((SS_RMP_GPA_MASK & SS_RMP_ASID_MASK) == 0 &&
		   (SS_RMP_SUBPAGE_MASK & SS_RMP_GPA_MASK) == 0,
	       "RMP quadword 0 fields do not overlap");
_Static_assert(SS_RMP_GPA_MASK >> 12 == (1ull << 39) - 1, "GPA is bits 50:12, 39 bits (§8.1)");
_Static_assert(SS_RMP_ASID_MASK >> SS_RMP_ASID_SHIFT == SS_RMP_ASID_MAX, "ASID is bits 60:51");
_Static_assert(SS_RMP_SUBPAGE_MASK >> SS_RMP_SUBPAGE_SHIFT == 0x1FF, "subpage count is 11:3");

/* Quadword 1: VMPL n's permission mask in bits 8n+7:8n; bit 32 implicit key select and 63:62
 * page migration state are firmware bookkeeping (ASP). */
#define SS_RMP_VMPL_SHIFT(n) (8u * (unsigned)(n))
#define SS_RMP_NUM_VMPLS     4u

/* Per-VMPL permission bits (§8.1, and RMPADJUST RDX 15:8 in §8.5) */
#define SS_RMP_PERM_READ       0x01u
#define SS_RMP_PERM_WRITE      0x02u
#define SS_RMP_PERM_EXEC_USER  0x04u
#define SS_RMP_PERM_EXEC_SUPER 0x08u
#define SS_RMP_PERM_SSS	       0x10u /* supervisor shadow stack, enforced only with VmplSSS */
#define SS_RMP_PERM_ALL	       0x1Fu
#define SS_RMP_PERM_DEFINED    0x1Fu /* bits 7:5 are reserved */

/* Page sizes as PVALIDATE/RMPADJUST take them in RCX and RMPUPDATE in its descriptor (§8.4–8.6). */
#define SS_RMP_PG_4K 0u
#define SS_RMP_PG_2M 1u

/* The decoded entry (not an architectural layout; ss_rmp_decode/ss_rmp_encode convert). */
struct ss_rmp_entry {
	bool assigned, immutable, vmsa, validated, lock;
	uint8_t pagesize;	/* SS_RMP_PG_4K or SS_RMP_PG_2M */
	uint16_t subpage_count; /* 11:3 */
	uint16_t asid;		/* 10 bits */
	uint64_t gpa;		/* 4 KiB-aligned guest-physical address (bits 50:12) */
	uint8_t perms[SS_RMP_NUM_VMPLS];
	uint64_t hi_rest; /* quadword 1 above bit 31, kept as is */
};

static inline struct ss_rmp_entry ss_rmp_decode(struct ss_abi_rmp_entry raw)
{
	struct ss_rmp_entry e;
	e.assigned = raw.lo & SS_RMP_ASSIGNED;
	e.pagesize = (raw.lo & SS_RMP_PAGESIZE) ? SS_RMP_PG_2M : SS_RMP_PG_4K;
	e.immutable = raw.lo & SS_RMP_IMMUTABLE;
	e.subpage_count = (uint16_t)((raw.lo & SS_RMP_SUBPAGE_MASK) >> SS_RMP_SUBPAGE_SHIFT);
	e.gpa = raw.lo & SS_RMP_GPA_MASK;
	e.asid = (uint16_t)((raw.lo & SS_RMP_ASID_MASK) >> SS_RMP_ASID_SHIFT);
	e.vmsa = raw.lo & SS_RMP_VMSA;
	e.validated = raw.lo & SS_RMP_VALIDATED;
	e.lock = raw.lo & SS_RMP_LOCK;
	for (unsigned v = 0; v < SS_RMP_NUM_VMPLS; v++)
		e.perms[v] = (uint8_t)(raw.hi >> SS_RMP_VMPL_SHIFT(v));
	e.hi_rest = raw.hi & ~0xFFFFFFFFull;
	return e;
}

static inline struct ss_abi_rmp_entry ss_rmp_encode(const struct ss_rmp_entry *e)
{
	struct ss_abi_rmp_entry raw;
	raw.lo = (e->assigned ? SS_RMP_ASSIGNED : 0) |
		 (e->pagesize == SS_RMP_PG_2M ? SS_RMP_PAGESIZE : 0) |
		 (e->immutable ? SS_RMP_IMMUTABLE : 0) |
		 (((uint64_t)e->subpage_count << SS_RMP_SUBPAGE_SHIFT) & SS_RMP_SUBPAGE_MASK) |
		 (e->gpa & SS_RMP_GPA_MASK) |
		 (((uint64_t)e->asid << SS_RMP_ASID_SHIFT) & SS_RMP_ASID_MASK) |
		 (e->vmsa ? SS_RMP_VMSA : 0) | (e->validated ? SS_RMP_VALIDATED : 0) |
		 (e->lock ? SS_RMP_LOCK : 0);
	raw.hi = e->hi_rest & ~0xFFFFFFFFull;
	for (unsigned v = 0; v < SS_RMP_NUM_VMPLS; v++)
		raw.hi |= (uint64_t)e->perms[v] << SS_RMP_VMPL_SHIFT(v);
	return raw;
}

/* ---- RMPUPDATE input / RMPREAD output descriptor (§8.6, §8.8; Linux `struct rmp_state`) ---- */
struct ss_abi_rmp_state {
	uint64_t gpa;	   /* bits 51:12; low 12 bits must be 0 */
	uint8_t assigned;  /* 0 or 1 */
	uint8_t pagesize;  /* bit 0: 0 = 4 KiB, 1 = 2 MiB; RMPREAD sets bit 1 for a 2 MiB region */
	uint8_t immutable; /* 0 or 1 */
	uint8_t rsvd;	   /* must be 0 */
	uint32_t asid;	   /* 0 for hypervisor pages, 1..max for guests */
} __attribute__((packed));
_Static_assert(sizeof(struct ss_abi_rmp_state) == 16, "rmp_state is 16 bytes (§8.6)");
_Static_assert(offsetof(struct ss_abi_rmp_state, gpa) == 0, "rmp_state.gpa at 0");
_Static_assert(offsetof(struct ss_abi_rmp_state, assigned) == 8, "rmp_state.assigned at 8");
_Static_assert(offsetof(struct ss_abi_rmp_state, pagesize) == 9, "rmp_state.pagesize at 9");
_Static_assert(offsetof(struct ss_abi_rmp_state, immutable) == 10, "rmp_state.immutable at 10");
_Static_assert(offsetof(struct ss_abi_rmp_state, rsvd) == 11, "rmp_state.rsvd at 11");
_Static_assert(offsetof(struct ss_abi_rmp_state, asid) == 12, "rmp_state.asid at 12");
#define SS_RMPREAD_HPAGE_REGION 0x02u /* RMPREAD pagesize bit 1 (§8.8) */

/* ---- RMPADJUST RDX (§8.5) ------------------------------------------------------------------ */
#define SS_RMPADJUST_TARGET_VMPL_MASK 0xFFull /* 7:0 */
#define SS_RMPADJUST_PERM_SHIFT	      8	      /* 15:8 permission mask */
#define SS_RMPADJUST_VMSA	      (1ull << 16)
#define SS_RMPADJUST_RESERVED	      (~0x1FFFFull)

/* ---- Return codes in EAX (§8.4–8.7) -------------------------------------------------------- */
/* X(name, value, one-line hint). FAIL_NOCHANGE is not an EAX value: PVALIDATE returns 0 with
 * rFLAGS.CF = 1 when the Validated bit already had the requested value; COCONUT-SVSM names that
 * outcome FAIL_UNCHANGED (0x10), which this table reuses so tools can print it. */
#define SS_RMP_RC_LIST(X)                                                                          \
	X(SS_RMP_SUCCESS, 0, "success")                                                            \
	X(SS_RMP_FAIL_INPUT, 1, "bad operand: page size, alignment, reserved bits or range")       \
	X(SS_RMP_FAIL_PERMISSION, 2,                                                               \
	  "not allowed: immutable entry, VMPL too low, perms exceed caller's")                     \
	X(SS_RMP_FAIL_INUSE, 3, "entry locked by another agent (firmware); retry")                 \
	X(SS_RMP_FAIL_OVERLAP, 4, "2 MiB update overlaps assigned 4 KiB entries (or the reverse)") \
	X(SS_RMP_FAIL_SIZEMISMATCH, 6, "requested page size differs from the RMP entry's")         \
	X(SS_RMP_FAIL_NOCHANGE, 0x10, "PVALIDATE: Validated already had that value (rFLAGS.CF=1)")

enum ss_rmp_rc {
#define SS_RMP_RC_ENUM(name, value, hint) name = value,
	SS_RMP_RC_LIST(SS_RMP_RC_ENUM)
#undef SS_RMP_RC_ENUM
};

static inline const char *ss_rmp_rc_name(unsigned rc)
{
	switch (rc) {
#define SS_RMP_RC_NAME(name, value, hint)                                                          \
	case value: return #name;
		SS_RMP_RC_LIST(SS_RMP_RC_NAME)
#undef SS_RMP_RC_NAME
	}
	return "SS_RMP_UNKNOWN";
}

static inline const char *ss_rmp_rc_hint(unsigned rc)
{
	switch (rc) {
#define SS_RMP_RC_HINT(name, value, hint)                                                          \
	case value: return hint;
		SS_RMP_RC_LIST(SS_RMP_RC_HINT)
#undef SS_RMP_RC_HINT
	}
	return "unknown RMP instruction return code";
}

#endif
