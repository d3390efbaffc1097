/* The software AMD-SP's SEV-SNP half: the SNP platform state, guest contexts (GCTX), the RMP as the
 * firmware reaches it, and the contract between the three parts of src/psp that implement it:
 *
 *   snp_platform.c  SNP_INIT(_EX), SNP_SHUTDOWN(_EX), SNP_PLATFORM_STATUS, SNP_DF_FLUSH,
 * SNP_CONFIG, SNP_COMMIT, SNP_VLEK_LOAD, SNP_FEATURE_INFO, SNP_PAGE_RECLAIM; the dispatch rows of
 * every SNP command; the TCB values; the identity (snp_keys.h, snp_certs.h) opened from the state
 * directory. snp_launch.c    SNP_GCTX_CREATE, SNP_ACTIVATE(_EX), SNP_DECOMMISSION,
 * SNP_GUEST_STATUS, SNP_LAUNCH_START/UPDATE/FINISH (page types, secrets and CPUID pages, ID block),
 *                   SNP_DBG_DECRYPT/ENCRYPT.
 *   snp_guest_msg.c SNP_GUEST_REQUEST: the message header, AES-256-GCM with the VMPCKs, sequence
 *   snp_report.c    numbers, MSG_REPORT/KEY/TSC_INFO; the attestation report and derived keys.
 *
 * Numbers: firmware-abi.md §4-§6, attestation.md. Internal to libsoftsev.
 */
#ifndef SS_PSP_SNP_INTERNAL_H
#define SS_PSP_SNP_INTERNAL_H

#include <softsev/abi/id_block.h>
#include <softsev/abi/report.h>
#include <softsev/abi/rmp.h>
#include <softsev/abi/snp_api.h>
#include <softsev/snp_certs.h>
#include <softsev/snp_keys.h>

#include "psp/psp_internal.h"

#define SS_SNP_MAX_GCTX	     SS_PSP_MAX_GUESTS
#define SS_SNP_DIGEST_LEN    48u /* SHA-384: launch digest, IMD, key digests */
#define SS_SNP_MAX_VEK_LEN   64u /* AES-256-XTS K1 || K2 (policy MEM_AES_256_XTS) */
#define SS_SNP_HOST_DATA_LEN 32u
#define SS_SNP_REPORT_ID_LEN 32u
#define SS_SNP_VMRK_LEN	     32u

/* One SNP guest context. Real firmware keeps it (encrypted) in the 4 KiB GCTX page; softsev keeps
 * it here, keyed by that page's sPA, and marks the page in the RMP as a Context page (assigned,
 * immutable, VMSA, ASID 0, GPA 0: firmware-abi.md §4.2 page states) so the host cannot touch it. */
struct ss_snp_gctx {
	bool used;
	uint64_t gctx_paddr;		 /* sPA of the GCTX page (C-bit stripped) */
	uint8_t state;			 /* enum ss_snp_guest_state */
	uint64_t policy;		 /* from SNP_LAUNCH_START */
	uint32_t asid;			 /* 0 until SNP_ACTIVATE */
	uint8_t vek[SS_SNP_MAX_VEK_LEN]; /* memory encryption key, random at LAUNCH_START */
	size_t vek_len;			 /* 32 (AES-128-XTS) or 64 (AES-256-XTS) */

	uint8_t ld[SS_SNP_DIGEST_LEN];	/* launch digest (PAGE_INFO chain, §4.6) */
	uint8_t imd[SS_SNP_DIGEST_LEN]; /* IMI digest */
	bool ma_en, imi_en;
	uint64_t ma_gctx_paddr;
	uint32_t desired_tsc_khz;
	uint8_t gosvw[16];

	/* VMPCK0-3: random AES-256-GCM keys, copied into the SECRETS page at LAUNCH_UPDATE.
	 * msg_seqno[i] is the last sequence number used with VMPCK i (the next request must carry
	 * msg_seqno[i] + 1; the response carries msg_seqno[i] + 2 and msg_seqno[i] becomes that).
	 * A VMPCK is disabled (vmpck_disabled) after an authentication failure or a seqno that is
	 * not the expected one (firmware-abi.md §5.1): every later message with it fails. */
	uint8_t vmpck[SS_SNP_VMPCK_COUNT][SS_SNP_VMPCK_LEN];
	uint64_t msg_seqno[SS_SNP_VMPCK_COUNT];
	bool vmpck_disabled[SS_SNP_VMPCK_COUNT];
	uint8_t vmrk[SS_SNP_VMRK_LEN]; /* VM root key (MSG_KEY_REQ ROOT_KEY_SELECT = 1) */

	/* SNP_LAUNCH_FINISH (§4.9); zeros when the ID block is not enabled. */
	bool id_block_en, author_key_en, vcek_disabled;
	uint8_t family_id[16], image_id[16];
	uint32_t guest_svn;
	uint8_t id_key_digest[SS_SNP_DIGEST_LEN], author_key_digest[SS_SNP_DIGEST_LEN];
	uint8_t host_data[SS_SNP_HOST_DATA_LEN];

	uint8_t report_id[SS_SNP_REPORT_ID_LEN];    /* random per guest, at LAUNCH_START */
	uint8_t report_id_ma[SS_SNP_REPORT_ID_LEN]; /* all 0xFF without a migration agent */
	uint8_t launch_tcb[SS_SNP_TCB_LEN];	    /* CURRENT_TCB at LAUNCH_START */
};

/* The SNP platform (beside the legacy SEV platform of struct ss_psp). */
struct ss_psp_snp {
	uint8_t state;	      /* enum ss_snp_platform_state */
	bool rmp_initialized; /* SNP_INIT(_EX) with INIT_RMP ran */
	ss_snp_identity *id;  /* opened (made if missing) at SNP_INIT; NULL before */
	/* TCB_VERSIONs, raw 8 bytes in the product's layout (snp_keys.h). current: what this
	 * emulated firmware runs (ss_psp_config); committed: persistent, raised by SNP_COMMIT;
	 * reported: SNP_CONFIG's choice, <= current, reset to current by SNP_COMMIT. */
	uint8_t current_tcb[SS_SNP_TCB_LEN], committed_tcb[SS_SNP_TCB_LEN],
	    reported_tcb[SS_SNP_TCB_LEN];
	uint8_t committed_major, committed_minor, committed_build; /* firmware version committed */
	ss_snp_product product; /* from ss_psp_config.snp_product at SNP_INIT (the id's product) */
	bool rapl_dis;		/* SNP_INIT_EX RAPL_DIS (PLATFORM_STATUS, report PLATFORM_INFO) */
	uint32_t config_flags;	/* SS_SNP_CONFIG_MASK_CHIP_ID | SS_SNP_CONFIG_MASK_CHIP_KEY */
	ss_eckey *vlek;		/* loaded with SNP_VLEK_LOAD; NULL if none */
	uint8_t vlek_tcb[SS_SNP_TCB_LEN];
	struct ss_snp_gctx gctx[SS_SNP_MAX_GCTX];
};

/* ---- ASIDs: one space for SEV, SEV-ES and SNP guests ----------------------------------------
 * psp->asids (psp_internal.h) is the only ASID table. SNP_ACTIVATE takes a FREE ASID (ASID_OWNED
 * if another guest holds it, DFFLUSH_REQUIRED / WBINVD_REQUIRED if it awaits recycling), marks it
 * BOUND with snp = true and handle 0. SNP_DECOMMISSION of an activated context unloads the key
 * and moves its ASID to NEED_WBINVD, like DEACTIVATE; ss_psp_wbinvd() then makes it
 * NEED_DF_FLUSH and SNP_DF_FLUSH (or DF_FLUSH) frees it, for SEV and SNP ASIDs alike (Linux
 * sev_flush_asids(): WBINVD on all CPUs, then SNP_DF_FLUSH once SNP is up). Legacy SHUTDOWN
 * leaves snp ASIDs alone.
 *
 * ---- persistent SNP state -----------------------------------------------------------------------
 * Beside the identity files (snp_keys.h), in the same state directory:
 *   snp-committed   16 bytes: "SSCT" | format u8 (1) | committed major, minor, build u8 |
 *                   COMMITTED_TCB[8]. Written atomically at the first SNP_INIT (= current) and by
 *                   SNP_COMMIT. An ephemeral PSP keeps it in memory only. */

/* The name of the first TCB component ("bl", "tee", "snp", "ucode", "fmc", "spl4".."spl7") in
 * which a is above b in product p's layout, or NULL when a <= b component-wise. */
const char *ss_psp_snp_tcb_above(ss_snp_product p, const uint8_t a[SS_SNP_TCB_LEN],
				 const uint8_t b[SS_SNP_TCB_LEN], unsigned *a_val, unsigned *b_val);
/* The default CURRENT_TCB of a product: values seen on real parts (vectors/snp cases 02, 08, 10):
 * Milan 0x7308000000000003, Genoa 0x541900000000000A, Turin 0x4700000002000100. */
void ss_psp_snp_default_tcb(ss_snp_product p, uint8_t tcb[SS_SNP_TCB_LEN]);

/* ---- the RMP as the firmware reaches it --------------------------------------------------------
 * Through ss_psp_mem_ops.rmp_get / rmp_set (psp.h); a memory without an RMP (the flat test memory)
 * leaves them NULL and every SNP command that needs the RMP fails with a status that says so. */
/* The 4 KiB RMP entry governing spa; SS_SEV_INVALID_ADDRESS if spa is outside DRAM,
 * RMP_INIT_REQUIRED if the memory has no RMP or SNP is not enabled. what names the field. */
uint32_t ss_psp_rmp_get(ss_psp *psp, uint64_t spa, struct ss_rmp_entry *e, const char *what,
			ss_error *err);
uint32_t ss_psp_rmp_set(ss_psp *psp, uint64_t spa, const struct ss_rmp_entry *e, const char *what,
			ss_error *err);
/* Checks that the page at spa is in the firmware state (assigned, immutable, ASID 0, not
 * validated, GPA 0, not VMSA: §4.2); else INVALID_PAGE_STATE naming what. */
uint32_t ss_psp_rmp_expect_firmware(ss_psp *psp, uint64_t spa, const char *what, ss_error *err);

/* ---- guest contexts (snp_launch.c) --------------------------------------------------------------
 */
/* The emulated part runs with SMT enabled on one socket: SNP_LAUNCH_START refuses a policy without
 * SMT (POLICY_FAILURE) and reports carry PLATFORM_INFO.SMT_EN (firmware-abi.md §4.5, §4.10). */
#define SS_SNP_PART_SMT_EN 1
/* CPUID Fn0000_0001 EAX of the part (family, model, stepping): the SECRETS page's FMS, the CPUID
 * page policy, report v3+ CPUID fields. Milan 0x00A00F11, Genoa 0x00A10F11 (src/cpu/cpuid.c's
 * model), Turin 0x00B00F21. */
uint32_t ss_psp_snp_fms(ss_snp_product p);
/* The context whose GCTX page is at gctx_paddr (C-bit stripped), or NULL (dispatch.c). */
struct ss_snp_gctx *ss_psp_snp_find_gctx(ss_psp *psp, uint64_t gctx_paddr);
unsigned ss_psp_snp_guest_count(const ss_psp *psp);

/* ---- reports and keys (snp_report.c) -----------------------------------------------------------
 */
/* Builds and signs the attestation report of g (attestation.md §2, firmware-abi.md §4.10) for
 * report_data, at vmpl, with key_sel (SS_SNP_KEY_SEL_*: 0 VLEK if loaded else VCEK, 1 VCEK,
 * 2 VLEK). Honours MASK_CHIP_ID, MASK_CHIP_KEY (signature left zero, SIGNING_KEY 7) and the
 * guest's VCEK_DISABLED. Returns a status: SUCCESS, INVALID_PARAM (vmpl), INVALID_KEY (VLEK asked
 * but none loaded, or VCEK asked and disabled). */
uint32_t ss_psp_snp_report(ss_psp *psp, const struct ss_snp_gctx *g, const uint8_t report_data[64],
			   uint32_t vmpl, uint32_t key_sel, uint8_t report[SS_SNP_REPORT_SIZE],
			   ss_error *err);

/* MSG_KEY_REQ (firmware-abi.md §5.3): checks req (reserved bits, GUEST_FIELD_SELECT known for
 * msg_version — LAUNCH_MIT_VECTOR needs 2 —, requester_vmpl <= VMPL <= 3, GUEST_SVN <= the guest's,
 * TCB_VERSION <= COMMITTED_TCB component by component, a VMRK to select) -> INVALID_PARAM; then
 *   key = KBKDF-HMAC-SHA384(root, SS_PSP_SNP_KEY_LABEL, mix)[0..31]   (snp_keys.h's KBKDF)
 * root: ROOT_KEY_SELECT 1 the guest's VMRK; 0 the VCEK private scalar (48 bytes, big-endian) for
 * the requested TCB_VERSION when GUEST_FIELD_SELECT has TCB_VERSION, else for TCB 0.
 * mix (SS_PSP_SNP_KEY_MIX_LEN bytes, little-endian, zero where a field is not selected):
 *   0x00 u32 ROOT_KEY_SELECT  0x04 u32 0  0x08 u64 GUEST_FIELD_SELECT  0x10 u32 VMPL
 *   0x14 u32 GUEST_SVN (bit 4)  0x18 u64 TCB_VERSION (bit 5)  0x20 u64 POLICY (bit 0)
 *   0x28 IMAGE_ID[16] (bit 1)  0x38 FAMILY_ID[16] (bit 2)  0x48 MEASUREMENT[48] (bit 3)
 *   0x78 u64 LAUNCH_MIT_VECTOR (bit 6)
 * The real KDF is not public (firmware-abi.md §5.3, §7 item 3): this one is softsev's own. */
#define SS_PSP_SNP_KEY_LABEL   "gmsg-keyreq"
#define SS_PSP_SNP_KEY_MIX_LEN 0x80u
struct ss_snp_msg_key_req;
uint32_t ss_psp_snp_derive_key(ss_psp *psp, const struct ss_snp_gctx *g,
			       const struct ss_snp_msg_key_req *req, unsigned msg_version,
			       uint32_t requester_vmpl, uint8_t key[32], ss_error *err);
/* One guest message (snp_guest_msg.c documents the checks, their order and statuses): req_page
 * is the request page as read, rsp_page receives the encrypted response page on SUCCESS. */
uint32_t ss_psp_snp_handle_msg(ss_psp *psp, struct ss_snp_gctx *g, const uint8_t req_page[4096],
			       uint8_t rsp_page[4096], ss_error *err);

/* ---- handlers (dispatch rows: snp_platform.c) -------------------------------------------------
 */
/* ss_psp_snp_handler (psp_internal.h): g is the context of the buffer's gctx_paddr for rows with
 * SS_PSP_F_GCTX (the dispatcher checked it exists and is in an allowed state), else NULL. */
uint32_t ss_psp_snp_init(ss_psp *, struct ss_snp_gctx *, void *, ss_error *);
uint32_t ss_psp_snp_init_ex(ss_psp *, struct ss_snp_gctx *, void *, ss_error *);
uint32_t ss_psp_snp_shutdown(ss_psp *, struct ss_snp_gctx *, void *, ss_error *);
uint32_t ss_psp_snp_shutdown_ex(ss_psp *, struct ss_snp_gctx *, void *, ss_error *);
uint32_t ss_psp_snp_platform_status(ss_psp *, struct ss_snp_gctx *, void *, ss_error *);
uint32_t ss_psp_snp_df_flush(ss_psp *, struct ss_snp_gctx *, void *, ss_error *);
uint32_t ss_psp_snp_config(ss_psp *, struct ss_snp_gctx *, void *, ss_error *);
uint32_t ss_psp_snp_commit(ss_psp *, struct ss_snp_gctx *, void *, ss_error *);
uint32_t ss_psp_snp_vlek_load(ss_psp *, struct ss_snp_gctx *, void *, ss_error *);
uint32_t ss_psp_snp_feature_info(ss_psp *, struct ss_snp_gctx *, void *, ss_error *);
uint32_t ss_psp_snp_page_reclaim(ss_psp *, struct ss_snp_gctx *, void *, ss_error *);

uint32_t ss_psp_snp_gctx_create(ss_psp *, struct ss_snp_gctx *, void *, ss_error *);
uint32_t ss_psp_snp_activate(ss_psp *, struct ss_snp_gctx *, void *, ss_error *);
uint32_t ss_psp_snp_activate_ex(ss_psp *, struct ss_snp_gctx *, void *, ss_error *);
uint32_t ss_psp_snp_decommission(ss_psp *, struct ss_snp_gctx *, void *, ss_error *);
uint32_t ss_psp_snp_guest_status(ss_psp *, struct ss_snp_gctx *, void *, ss_error *);
uint32_t ss_psp_snp_launch_start(ss_psp *, struct ss_snp_gctx *, void *, ss_error *);
uint32_t ss_psp_snp_launch_update(ss_psp *, struct ss_snp_gctx *, void *, ss_error *);
uint32_t ss_psp_snp_launch_finish(ss_psp *, struct ss_snp_gctx *, void *, ss_error *);
uint32_t ss_psp_snp_dbg_decrypt(ss_psp *, struct ss_snp_gctx *, void *, ss_error *);
uint32_t ss_psp_snp_dbg_encrypt(ss_psp *, struct ss_snp_gctx *, void *, ss_error *);

uint32_t ss_psp_snp_guest_request(ss_psp *, struct ss_snp_gctx *, void *, ss_error *);

#endif
