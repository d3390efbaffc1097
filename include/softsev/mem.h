/* softsev mem — host DRAM, the memory encryption engine and the SEV-SNP RMP.
 *
 * The contract between memory and its users: the CPU (guest and host accesses, PVALIDATE,
 * RMPADJUST, RMPUPDATE, PSMASH, VMRUN's VMSA check), the hypervisor and devices (host view, DMA)
 * and the PSP (the firmware port: key slots, firmware accesses, RMP transitions). Numbers from
 * ../shared/spec/cpu-svm-sev.md §8 (RMP, SNP instructions, VMPLs) and §9 (SME/SEV, C-bit, tweak).
 *
 * What is modelled
 * - DRAM of a configurable size. Every 16-byte block is stored as it would be in real DRAM:
 *   AES-XTS (include/softsev/crypto_xts.h) under the key of the access that wrote it, tweaked by
 *   its system-physical address (unit = sPA >> 4), or in the clear for unencrypted accesses.
 *   Internally a page is kept as the plaintext of one key view (a key tag per 4 KiB page); an
 *   access under another key computes what DRAM would give, so the owner never pays for AES.
 * - Key slots indexed by ASID, slot 0 being the host's SME key (derived from the config seed).
 *   Guest slots are loaded only through the firmware port, which one caller (the PSP) claims
 *   once; no function returns key material.
 * - The RMP, in DRAM at RMP_BASE as 16-byte entries (include/softsev/abi/rmp.h), checked on every
 *   host, DMA and guest access once SNP is enabled.
 *
 * Conventions: functions that can fail return 0, SS_MEM_FAULTED (an architectural fault filled in
 * *fault, for the CPU to raise), or a negative SS_E* code (misuse: the ss_error says which field).
 * Everything is deterministic: same config, same calls, same bytes. A memory system is not
 * thread-safe: one caller at a time (the emulator runs its vCPUs in one loop).
 */
#ifndef SOFTSEV_MEM_H
#define SOFTSEV_MEM_H

#include <softsev/abi/rmp.h>
#include <softsev/error.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SS_MEM_PAGE 4096u
#define SS_MEM_FAULTED                                                                             \
	1 /* positive: the access faulted architecturally, see struct ss_mem_fault                 \
	   */

struct ss_mem;	  /* the memory system */
struct ss_mem_fw; /* the firmware (PSP) port: key slots, firmware accesses, RMP transitions */

struct ss_mem_config {
	uint64_t dram_size; /* bytes, a multiple of 4 KiB, at most 64 GiB */
	unsigned max_asid;  /* highest ASID with a key slot (CPUID 8000_001F ECX), 1..1023 */
	uint64_t seed;	    /* the SME (slot 0) key is derived from it: deterministic runs */
};

/* Creates the memory system: DRAM zero-filled and unencrypted, slot 0 loaded with the SME key,
 * SNP disabled. Returns 0, SS_EINVAL (bad config field named) or SS_ENOMEM. */
int ss_mem_create(const struct ss_mem_config *cfg, struct ss_mem **out, ss_error *err);
void ss_mem_destroy(struct ss_mem *m);
uint64_t ss_mem_dram_size(const struct ss_mem *m);

/* ---- Faults -------------------------------------------------------------------------------- */
/* X(name, value, one-line hint): the kinds of architectural fault an access or instruction gives.
 */
#define SS_MEM_FAULT_LIST(X)                                                                       \
	X(SS_MEM_FAULT_NONE, 0, "no fault")                                                        \
	X(SS_MEM_FAULT_PF, 1, "host #PF with the RMP bit; addr = sPA")                             \
	X(SS_MEM_FAULT_NPF, 2, "#VMEXIT(NPF): exit_info_1 = error_code, exit_info_2 = addr (GPA)") \
	X(SS_MEM_FAULT_VC, 3, "#VC in the guest; error_code = exit code (0x404 not validated)")    \
	X(SS_MEM_FAULT_UD, 4, "#UD: SNP instruction without SNP or outside an SNP guest")          \
	X(SS_MEM_FAULT_IOMMU, 5, "DMA blocked by the IOMMU's RMP check; addr = sPA")               \
	X(SS_MEM_FAULT_NOMEM, 6, "sPA outside DRAM (no device there); addr = sPA")                 \
	X(SS_MEM_FAULT_INVALID, 7, "VMRUN's VMSA check failed: VMEXIT_INVALID")

enum ss_mem_fault_kind {
#define SS_MEM_FAULT_ENUM(name, value, hint) name = value,
	SS_MEM_FAULT_LIST(SS_MEM_FAULT_ENUM)
#undef SS_MEM_FAULT_ENUM
};
/* "SS_MEM_FAULT_NPF" etc. and the hint; unknown kinds give "SS_MEM_FAULT_UNKNOWN". */
const char *ss_mem_fault_name(int kind);
const char *ss_mem_fault_hint(int kind);

/* Error-code bits of #NPF (exit_info_1) and host #PF (§3.3, Linux PFERR_*). */
#define SS_MEM_ERR_P		(1ull << 0)
#define SS_MEM_ERR_W		(1ull << 1)
#define SS_MEM_ERR_U		(1ull << 2)
#define SS_MEM_ERR_ID		(1ull << 4)
#define SS_MEM_ERR_RMP		(1ull << 31)
#define SS_MEM_ERR_GUEST_FINAL	(1ull << 32)
#define SS_MEM_ERR_GUEST_PAGE	(1ull << 33)
#define SS_MEM_ERR_ENC		(1ull << 34)
#define SS_MEM_ERR_SIZEM	(1ull << 35)
#define SS_MEM_ERR_VMPL		(1ull << 36)
#define SS_MEM_VC_NOT_VALIDATED 0x404u /* #VC error code: page not validated (§4, §8.3) */

struct ss_mem_fault {
	enum ss_mem_fault_kind kind;
	uint64_t error_code;
	uint64_t addr;
	const char *rule; /* the check that failed, for traces and test messages (static string) */
};

/* ---- Access descriptors -------------------------------------------------------------------- */
enum ss_mem_actor {
	SS_MEM_HOST = 0, /* the hypervisor's CPU accesses (including its nested page walks) */
	SS_MEM_DMA,	 /* a device, through the IOMMU (host view) */
	SS_MEM_GUEST,	 /* a guest's accesses after the nested walk: made by the CPU only */
};

enum ss_mem_type {
	SS_MEM_READ = 0,
	SS_MEM_WRITE,
	SS_MEM_EXEC_USER,  /* instruction fetch at CPL 3 (RMP permission XU) */
	SS_MEM_EXEC_SUPER, /* instruction fetch at CPL 0-2 (RMP permission XS) */
};

/* Flags */
#define SS_MEM_C (1u << 0) /* C-bit of the access: guest PTE (guest) or host PTE (host/SME) */
#define SS_MEM_HOST_C                                                                              \
	(1u << 1) /* guest only: C-bit of the nested PTE, the key of shared accesses */
#define SS_MEM_PTWALK (1u << 2) /* guest only: a guest page-table walk (always private) */
#define SS_MEM_USER   (1u << 3) /* CPL 3 data access (error-code U bit) */
/* guest only: the CPU's own access to a VMSA page at VMRUN / #VMEXIT (microcode, §9.3): the
 * guest's key without the guest checks of §8.3 (the RMP entry of a VMSA carries no GPA the CPU
 * would access it at); VMRUN checks the page with ss_mem_vmsa_check instead. */
#define SS_MEM_VMSA (1u << 4)

struct ss_mem_access {
	enum ss_mem_actor actor;
	enum ss_mem_type type;
	unsigned flags;	  /* SS_MEM_C | ... */
	uint16_t asid;	  /* guest: the running ASID (its key slot); host/DMA: ignored (0) */
	uint8_t vmpl;	  /* guest: current VMPL 0..3 */
	uint8_t map_size; /* guest: nested mapping size; host: host mapping size (SS_MEM_MAP_*) */
	uint64_t gpa; /* guest: guest-physical address of the first byte (for the RMP GPA check) */
};
#define SS_MEM_MAP_4K 0
#define SS_MEM_MAP_2M 1
#define SS_MEM_MAP_1G 2

/* Reads or writes len bytes at system-physical address spa with the view of access a: the key is
 * the guest's slot for private guest accesses (C-bit, fetches and page walks of SEV guests), slot
 * 0 for host accesses with the C-bit and shared guest accesses whose nested PTE has it, and none
 * otherwise. A reader under another key than the writer's gets what DRAM would give (ciphertext,
 * or its decryption under the wrong key). With SNP enabled the RMP checks of §8.3 run first; on a
 * violation nothing is transferred and SS_MEM_FAULTED is returned. A guest access must not cross a
 * 4 KiB page (its next page has its own translation): SS_EINVAL. */
int ss_mem_read(struct ss_mem *m, const struct ss_mem_access *a, uint64_t spa, void *buf,
		size_t len, struct ss_mem_fault *fault, ss_error *err);
int ss_mem_write(struct ss_mem *m, const struct ss_mem_access *a, uint64_t spa, const void *buf,
		 size_t len, struct ss_mem_fault *fault, ss_error *err);

/* Only the checks of ss_mem_read/ss_mem_write for the page of spa (no transfer): what a TLB fill
 * calls before caching a translation. Returns 0, SS_MEM_FAULTED or SS_E*. */
int ss_mem_check(struct ss_mem *m, const struct ss_mem_access *a, uint64_t spa,
		 struct ss_mem_fault *fault, ss_error *err);

/* The fast path for a TLB: checks the access, switches the page's stored view to the access's key
 * (so later accesses under that key are plain loads and stores) and returns a pointer to the 4 KiB
 * page holding spa. The pointer stays valid until a listener hears SS_MEM_INVAL_VIEW (another key
 * touched the page), SS_MEM_INVAL_RMP or SS_MEM_INVAL_KEY for the page. A caller that writes
 * through it and caches decoded code should call ss_mem_touch. */
int ss_mem_map(struct ss_mem *m, const struct ss_mem_access *a, uint64_t spa, uint8_t **page,
	       struct ss_mem_fault *fault, ss_error *err);

/* Write generation of the page holding spa: bumped by every write through this API, every change of
 * the page's stored view or RMP entry, and ss_mem_touch. A decoded-instruction cache keeps it to
 * detect self-modifying code cheaply (STYLE.md item 4). Out-of-range spa gives 0. */
uint32_t ss_mem_page_gen(const struct ss_mem *m, uint64_t spa);
void ss_mem_touch(struct ss_mem *m, uint64_t spa);

/* ---- Invalidation hook --------------------------------------------------------------------- */
enum ss_mem_inval_reason {
	SS_MEM_INVAL_RMP = 1, /* an RMP entry covering [spa, spa+len) changed */
	SS_MEM_INVAL_VIEW, /* the page's stored view changed key: drop pointers from ss_mem_map */
	SS_MEM_INVAL_KEY,  /* a key slot was loaded or unloaded: spa = 0, len = DRAM size */
	/* [spa, spa+len) was written through ss_mem_write or the firmware port, under any key (also
	 * the page's current one, which changes no view): decoded instructions there are stale. */
	SS_MEM_INVAL_WRITE,
};
typedef void (*ss_mem_inval_fn)(void *opaque, uint64_t spa, uint64_t len,
				enum ss_mem_inval_reason reason);
/* Registers a listener (up to 8), called synchronously after each change. Returns 0 or SS_ERANGE.
 */
int ss_mem_add_listener(struct ss_mem *m, ss_mem_inval_fn fn, void *opaque, ss_error *err);

/* ---- RMP: placement and host instructions -------------------------------------------------- */
/* Bytes of RMP (bookkeeping + entries) needed to cover the whole DRAM. */
uint64_t ss_mem_rmp_size_needed(const struct ss_mem *m);
/* WRMSR RMP_BASE / RMP_END (§8.2): allowed only while SNP is disabled; base 8 KiB aligned, the
 * table inside DRAM and large enough to cover all of it. Returns 0 or SS_EINVAL / SS_ESTATE. */
int ss_mem_set_rmp_range(struct ss_mem *m, uint64_t base, uint64_t end, ss_error *err);
void ss_mem_get_rmp_range(const struct ss_mem *m, uint64_t *base, uint64_t *end);
/* SYSCFG.SNPEn = 1, with the table initialised as SNP_INIT(INIT_RMP) leaves it: all entries zero
 * except the RMP's own pages, which are firmware-owned (assigned, immutable, ASID 0) so host writes
 * to them fault. Needs the RMP range. Returns 0 or SS_ESTATE. */
int ss_mem_snp_enable(struct ss_mem *m, ss_error *err);
bool ss_mem_snp_enabled(const struct ss_mem *m);

/* Result of an SNP instruction that completed (did not fault). */
struct ss_rmp_result {
	uint32_t eax; /* enum ss_rmp_rc, SS_RMP_SUCCESS .. SS_RMP_FAIL_SIZEMISMATCH */
	bool cf;      /* rFLAGS.CF (PVALIDATE: Validated already had the requested value) */
};

/* RMPUPDATE (§8.6), host at CPL 0: RAX = spa, [RCX] = *st. Check order: SNP enabled (#UD);
 * FAIL_INPUT (spa alignment and range, reserved fields, ASID range, hypervisor entry with ASID or
 * immutable); FAIL_INUSE (locked); FAIL_PERMISSION (immutable entry); FAIL_OVERLAP (2 MiB over
 * assigned 4 KiB entries, or 4 KiB inside an assigned 2 MiB entry). Changing the owner (assigned,
 * ASID, GPA or size) clears Validated, VMSA and the VMPL masks; an assigned page gets VMPL0 = all.
 * Returns 0 (result in *r), SS_MEM_FAULTED (#UD) or SS_E*. */
int ss_mem_rmpupdate(struct ss_mem *m, uint64_t spa, const struct ss_abi_rmp_state *st,
		     struct ss_rmp_result *r, struct ss_mem_fault *fault, ss_error *err);
/* PSMASH (§8.7), host: splits the 2 MiB entry at the 2 MiB-aligned spa into 512 4 KiB entries that
 * keep assigned, ASID, immutable, Validated, VMSA and the masks, with GPA + 4 KiB * i.
 * FAIL_INPUT: not aligned or not an assigned 2 MiB entry; FAIL_INUSE: locked. */
int ss_mem_psmash(struct ss_mem *m, uint64_t spa, struct ss_rmp_result *r,
		  struct ss_mem_fault *fault, ss_error *err);
/* RMPREAD (§8.8): the entry governing spa as the 16-byte descriptor. */
int ss_mem_rmpread(struct ss_mem *m, uint64_t spa, struct ss_abi_rmp_state *out,
		   struct ss_rmp_result *r, struct ss_mem_fault *fault, ss_error *err);
/* The decoded raw entry of the 4 KiB page holding spa (what a host reading the table sees), for
 * tools and tests. Returns 0, SS_ESTATE (no RMP range) or SS_ERANGE. */
int ss_mem_rmp_entry(const struct ss_mem *m, uint64_t spa, struct ss_rmp_entry *out, ss_error *err);

/* ---- RMP: guest instructions (called by the CPU after decoding and translating RAX) ---------- */
struct ss_mem_guest_op {
	uint16_t asid;	  /* the running guest's ASID */
	uint8_t vmpl;	  /* current VMPL */
	uint8_t map_size; /* nested mapping size of gpa (SS_MEM_MAP_*) */
	uint64_t gva;	  /* RAX as given (alignment is checked on it) */
	uint64_t gpa;	  /* its guest-physical translation */
	uint64_t spa;	  /* its system-physical translation */
	uint64_t rcx;	  /* page size: 0 = 4 KiB, 1 = 2 MiB */
	uint64_t rdx;	  /* PVALIDATE: 1 validate / 0 rescind; RMPADJUST: attributes */
};
/* PVALIDATE (§8.4). Order: not an SNP guest → #UD; FAIL_INPUT (RCX > 1, RDX > 1, misaligned);
 * VMPL ≠ 0 → FAIL_PERMISSION; entry not assigned to this ASID at this GPA → #NPF(RMP);
 * size differs from the entry's → FAIL_SIZEMISMATCH; Validated already as requested → EAX 0,
 * CF 1; else Validated flips (masks unchanged). */
int ss_mem_pvalidate(struct ss_mem *m, const struct ss_mem_guest_op *op, struct ss_rmp_result *r,
		     struct ss_mem_fault *fault, ss_error *err);
/* RMPADJUST (§8.5). Order: not an SNP guest → #UD; FAIL_INPUT (RCX > 1, reserved RDX bits, target
 * VMPL > 3, misaligned); target VMPL ≤ current → FAIL_PERMISSION; entry not assigned to this
 * ASID/GPA → #NPF(RMP); not validated → #VC 0x404; size mismatch → FAIL_SIZEMISMATCH; new mask
 * not a subset of the caller's, or the VMSA bit changed below VMPL0 → FAIL_PERMISSION; else sets
 * the target VMPL's mask and the VMSA bit. */
int ss_mem_rmpadjust(struct ss_mem *m, const struct ss_mem_guest_op *op, struct ss_rmp_result *r,
		     struct ss_mem_fault *fault, ss_error *err);

/* VMRUN's check of an SEV-ES/SNP VMSA page (§8.3, §9.3): for an ASID whose key slot is SNP, the
 * page at vmsa_spa must be assigned to that ASID, 4 KiB, validated and marked VMSA; else
 * SS_MEM_FAULTED with SS_MEM_FAULT_INVALID. Non-SNP ASIDs only need the page inside DRAM. */
int ss_mem_vmsa_check(struct ss_mem *m, uint16_t asid, uint64_t vmsa_spa,
		      struct ss_mem_fault *fault, ss_error *err);

/* ---- The firmware port (the PSP's view) ------------------------------------------------------ */
/* Hands out the port once; later calls get NULL. The platform gives it to the PSP only. */
struct ss_mem_fw *ss_mem_claim_firmware_port(struct ss_mem *m);

enum ss_mem_key_mode {
	SS_MEM_KEY_SEV = 1, /* ACTIVATE: SEV or SEV-ES guest; no RMP checks for its accesses */
	SS_MEM_KEY_SNP = 2, /* SNP_ACTIVATE: SNP guest; RMP checks and the guest instructions */
};
/* Loads key slot asid (1..max_asid): a 16-byte VEK (AES-128-XTS with the tweak key
 * HMAC-SHA256(VEK, "softsev XTS tweak key")[0:16]), a 32-byte XTS key (AES-128-XTS, K1 || K2) or
 * a 64-byte XTS key (AES-256-XTS, SNP policy MEM_AES_256_XTS). A loaded slot is unloaded first;
 * pages last written under the old key keep their DRAM bytes. Returns 0 or SS_EINVAL/SS_ECRYPTO. */
#define SS_MEM_VEK128_LEN 16
int ss_mem_fw_key_load(struct ss_mem_fw *fw, uint16_t asid, const uint8_t *key, size_t key_len,
		       enum ss_mem_key_mode mode, ss_error *err);
/* DEACTIVATE / DECOMMISSION: forgets the key (DRAM keeps the ciphertext). 0 or SS_EINVAL. */
int ss_mem_fw_key_unload(struct ss_mem_fw *fw, uint16_t asid, ss_error *err);
/* Whether slot asid is loaded, and its mode (0 if not). Slot 0 reports SS_MEM_KEY_SEV. */
int ss_mem_key_mode(const struct ss_mem *m, uint16_t asid);

#define SS_MEM_FW_NOKEY 0xFFFFu /* firmware access in the clear */
/* Firmware reads and writes with the key of slot `key` (an ASID, 0 for SME) or none
 * (SS_MEM_FW_NOKEY), without RMP checks (the firmware checks the RMP itself, §8.2 page states).
 * Returns 0, SS_ERANGE (outside DRAM) or SS_EINVAL (slot not loaded). */
int ss_mem_fw_read(struct ss_mem_fw *fw, uint16_t key, uint64_t spa, void *buf, size_t len,
		   ss_error *err);
int ss_mem_fw_write(struct ss_mem_fw *fw, uint16_t key, uint64_t spa, const void *buf, size_t len,
		    ss_error *err);
/* Firmware RMP transitions (firmware, reclaim, pre-guest, VMSA, validated, lock ...): replaces the
 * 4 KiB entry of spa as is (listeners hear SS_MEM_INVAL_RMP). 0, SS_ESTATE (SNP off) or SS_ERANGE.
 */
int ss_mem_fw_rmp_set(struct ss_mem_fw *fw, uint64_t spa, const struct ss_rmp_entry *e,
		      ss_error *err);
/* The firmware's read of the 4 KiB entry of spa. 0, SS_ESTATE (SNP off) or SS_ERANGE. */
int ss_mem_fw_rmp_get(struct ss_mem_fw *fw, uint64_t spa, struct ss_rmp_entry *out, ss_error *err);

#endif
