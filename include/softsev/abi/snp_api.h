/* The SEV-SNP firmware ABI: command ids, platform and guest states, every command buffer byte for
 * byte, the SNP_PLATFORM_STATUS output, the SECRETS page and the CPUID page.
 *
 * Source: firmware-abi.md §4 (ids §4.1, states §4.2, platform buffers §4.3, guest buffers §4.4,
 * policy §4.5 — the policy bits themselves are in abi/report.h, page types and PAGE_INFO in
 * abi/snp_page_info.h, the ID block in abi/id_block.h —, secrets page §4.7, CPUID page §4.8).
 * Status codes are the SEV API's (abi/sev_api.h, firmware-abi.md §1.4). All little-endian, packed.
 */
#ifndef SOFTSEV_ABI_SNP_API_H
#define SOFTSEV_ABI_SNP_API_H

#include <stddef.h>
#include <stdint.h>

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "softsev ABI structs are little-endian");

/* X(name, id, one-line hint) — SEV-SNP firmware commands (firmware-abi.md §4.1). */
#define SS_SNP_CMD_LIST(X)                                                                         \
	X(SNP_INIT, 0x81, "initialise SNP on the platform (RMP must be set up)")                   \
	X(SNP_SHUTDOWN, 0x82, "shut SNP down (no guest may remain)")                               \
	X(SNP_PLATFORM_STATUS, 0x83, "write the 32-byte SNP platform status to a firmware page")   \
	X(SNP_DF_FLUSH, 0x84, "flush the data fabric; frees decommissioned ASIDs")                 \
	X(SNP_INIT_EX, 0x85, "initialise SNP with options (INIT_RMP, range list, ...)")            \
	X(SNP_SHUTDOWN_EX, 0x86, "shut SNP down with options (IOMMU, X86_SNP_SHUTDOWN)")           \
	X(SNP_DECOMMISSION, 0x90, "destroy a guest context")                                       \
	X(SNP_ACTIVATE, 0x91, "bind a guest context to an ASID and load its key")                  \
	X(SNP_GUEST_STATUS, 0x92, "report a guest's policy, ASID and state")                       \
	X(SNP_GCTX_CREATE, 0x93, "turn a firmware page into a new guest context")                  \
	X(SNP_GUEST_REQUEST, 0x94, "carry an encrypted guest message (report, key, ...)")          \
	X(SNP_ACTIVATE_EX, 0x95, "activate with an APIC id list")                                  \
	X(SNP_LAUNCH_START, 0xA0, "start a launch with a guest policy (INIT -> LAUNCH)")           \
	X(SNP_LAUNCH_UPDATE, 0xA1, "add a page to the guest and extend the launch digest")         \
	X(SNP_LAUNCH_FINISH, 0xA2, "check the ID block, store host data (LAUNCH -> RUNNING)")      \
	X(SNP_DBG_DECRYPT, 0xB0, "decrypt a guest page for a debugger (policy DEBUG)")             \
	X(SNP_DBG_ENCRYPT, 0xB1, "encrypt into a guest page for a debugger (policy DEBUG)")        \
	X(SNP_PAGE_SWAP_OUT, 0xC0, "swap a guest page out")                                        \
	X(SNP_PAGE_SWAP_IN, 0xC1, "swap a guest page in")                                          \
	X(SNP_PAGE_MOVE, 0xC2, "move a guest page")                                                \
	X(SNP_PAGE_MD_INIT, 0xC3, "initialise a metadata page")                                    \
	X(SNP_PAGE_SET_STATE, 0xC6, "set a page's state")                                          \
	X(SNP_PAGE_RECLAIM, 0xC7, "return a firmware or guest page to the hypervisor")             \
	X(SNP_PAGE_UNSMASH, 0xC8, "merge 512 4 KiB RMP entries into one 2 MiB entry")              \
	X(SNP_CONFIG, 0xC9, "set REPORTED_TCB and the chip id / chip key masks")                   \
	X(SNP_DOWNLOAD_FIRMWARE_EX, 0xCA, "load a new firmware image")                             \
	X(SNP_COMMIT, 0xCB, "commit the current firmware and TCB (no rollback below it)")          \
	X(SNP_VLEK_LOAD, 0xCD, "load a wrapped VLEK from AMD's KDS")                               \
	X(SNP_FEATURE_INFO, 0xCE, "report SNP features (CPUID 0x8000_0024 shape)")

enum ss_snp_cmd {
#define SS_SNP_CMD_ENUM(name, id, hint) SS_CMD_##name = id,
	SS_SNP_CMD_LIST(SS_SNP_CMD_ENUM)
#undef SS_SNP_CMD_ENUM
};

/* SNP platform state (SNP_PLATFORM_STATUS.state, firmware-abi.md §4.2). Runs beside the legacy
 * SEV state machine. */
enum ss_snp_platform_state {
	SS_SNP_PLATFORM_UNINIT = 0,
	SS_SNP_PLATFORM_INIT = 1,
};

/* SNP guest context state (SNP_GUEST_STATUS.state, firmware-abi.md §4.2). */
enum ss_snp_guest_state {
	SS_SNP_GSTATE_INIT = 0,	   /* after SNP_GCTX_CREATE */
	SS_SNP_GSTATE_LAUNCH = 1,  /* after SNP_LAUNCH_START */
	SS_SNP_GSTATE_RUNNING = 2, /* after SNP_LAUNCH_FINISH */
};

#define SS_SNP_ASSERT(type, field, off)                                                            \
	_Static_assert(offsetof(type, field) == (off), #type "." #field " at " #off)
#define SS_SNP_SIZE(type, size) _Static_assert(sizeof(type) == (size), #type " size")

/* ---- platform command buffers (firmware-abi.md §4.3) ----------------------------------------- */

#define SS_SNP_INIT_EX_INIT_RMP		    (1u << 0)
#define SS_SNP_INIT_EX_LIST_PADDR_EN	    (1u << 1)
#define SS_SNP_INIT_EX_RAPL_DIS		    (1u << 2)
#define SS_SNP_INIT_EX_CIPHERTEXT_HIDING_EN (1u << 3)
#define SS_SNP_INIT_EX_TIO_EN		    (1u << 4)
#define SS_SNP_INIT_EX_FLAGS_KNOWN	    0x1Fu

struct ss_snp_data_init_ex {
	uint32_t flags;	       /* 0x00: SS_SNP_INIT_EX_* */
	uint32_t reserved_04;  /* 0x04 */
	uint64_t list_paddr;   /* 0x08: -> struct ss_snp_range_list when LIST_PADDR_EN */
	uint16_t max_snp_asid; /* 0x10: ciphertext hiding split */
	uint8_t reserved_12[0x2E];
} __attribute__((packed));
SS_SNP_SIZE(struct ss_snp_data_init_ex, 0x40);
SS_SNP_ASSERT(struct ss_snp_data_init_ex, list_paddr, 0x08);
SS_SNP_ASSERT(struct ss_snp_data_init_ex, max_snp_asid, 0x10);

struct ss_snp_range {
	uint64_t base;	     /* 0x00 */
	uint32_t page_count; /* 0x08 */
	uint32_t reserved;   /* 0x0C */
} __attribute__((packed));
SS_SNP_SIZE(struct ss_snp_range, 0x10);

struct ss_snp_range_list {
	uint32_t num_elements; /* 0x00 */
	uint32_t reserved;     /* 0x04 */
	/* 0x08: struct ss_snp_range[num_elements], within the same 4 KiB page */
} __attribute__((packed));
SS_SNP_SIZE(struct ss_snp_range_list, 0x08);

#define SS_SNP_SHUTDOWN_EX_IOMMU (1u << 0)
#define SS_SNP_SHUTDOWN_EX_X86	 (1u << 1)

struct ss_snp_data_shutdown_ex {
	uint32_t len;	/* 0x00: must be 8 */
	uint32_t flags; /* 0x04: SS_SNP_SHUTDOWN_EX_* */
} __attribute__((packed));
SS_SNP_SIZE(struct ss_snp_data_shutdown_ex, 0x08);

/* SNP_PLATFORM_STATUS: the output page must be a firmware page (firmware-abi.md §4.3). */
struct ss_snp_data_platform_status {
	uint64_t status_paddr; /* 0x00 */
} __attribute__((packed));
SS_SNP_SIZE(struct ss_snp_data_platform_status, 0x08);

#define SS_SNP_STATUS_MASK_CHIP_ID	    (1u << 0)
#define SS_SNP_STATUS_MASK_CHIP_KEY	    (1u << 1)
#define SS_SNP_STATUS_VLEK_EN		    (1u << 2)
#define SS_SNP_STATUS_FEATURE_INFO	    (1u << 3)
#define SS_SNP_STATUS_RAPL_DIS		    (1u << 4)
#define SS_SNP_STATUS_CIPHERTEXT_HIDING_CAP (1u << 5)
#define SS_SNP_STATUS_CIPHERTEXT_HIDING_EN  (1u << 6)

struct ss_snp_platform_status {
	uint8_t api_major;     /* 0x00 */
	uint8_t api_minor;     /* 0x01 */
	uint8_t state;	       /* 0x02: enum ss_snp_platform_state */
	uint8_t is_rmp_init;   /* 0x03: bit 0 */
	uint32_t build_id;     /* 0x04 */
	uint32_t flags;	       /* 0x08: SS_SNP_STATUS_* */
	uint32_t guest_count;  /* 0x0C */
	uint64_t current_tcb;  /* 0x10 */
	uint64_t reported_tcb; /* 0x18 */
} __attribute__((packed));
SS_SNP_SIZE(struct ss_snp_platform_status, 0x20);
SS_SNP_ASSERT(struct ss_snp_platform_status, build_id, 0x04);
SS_SNP_ASSERT(struct ss_snp_platform_status, guest_count, 0x0C);
SS_SNP_ASSERT(struct ss_snp_platform_status, reported_tcb, 0x18);

#define SS_SNP_CONFIG_MASK_CHIP_ID  (1u << 0)
#define SS_SNP_CONFIG_MASK_CHIP_KEY (1u << 1)

struct ss_snp_data_config {
	uint64_t reported_tcb; /* 0x00: must not exceed the current TCB */
	uint32_t flags;	       /* 0x08: SS_SNP_CONFIG_* */
	uint8_t reserved_0c[0x34];
} __attribute__((packed));
SS_SNP_SIZE(struct ss_snp_data_config, 0x40);
SS_SNP_ASSERT(struct ss_snp_data_config, flags, 0x08);

struct ss_snp_data_commit {
	uint32_t len; /* 0x00: must be 4 */
} __attribute__((packed));
SS_SNP_SIZE(struct ss_snp_data_commit, 0x04);

struct ss_snp_data_vlek_load {
	uint32_t len;		      /* 0x00: must be 0x10 */
	uint8_t vlek_wrapped_version; /* 0x04: 0 */
	uint8_t reserved_05[3];	      /* 0x05 */
	uint64_t vlek_wrapped_paddr;  /* 0x08: -> 432-byte wrapped VLEK (snp_keys.h) */
} __attribute__((packed));
SS_SNP_SIZE(struct ss_snp_data_vlek_load, 0x10);
SS_SNP_ASSERT(struct ss_snp_data_vlek_load, vlek_wrapped_paddr, 0x08);

struct ss_snp_data_feature_info {
	uint32_t length;	     /* 0x00: must be 0x10 */
	uint32_t ecx_in;	     /* 0x04: sub-leaf */
	uint64_t feature_info_paddr; /* 0x08: -> {eax, ebx, ecx, edx} */
} __attribute__((packed));
SS_SNP_SIZE(struct ss_snp_data_feature_info, 0x10);

/* ---- guest command buffers (firmware-abi.md §4.4) -------------------------------------------- */

/* SNP_GCTX_CREATE, SNP_DECOMMISSION: the 4 KiB firmware page that holds the guest context. */
struct ss_snp_data_gctx {
	uint64_t gctx_paddr; /* 0x00 */
} __attribute__((packed));
SS_SNP_SIZE(struct ss_snp_data_gctx, 0x08);

struct ss_snp_data_activate {
	uint64_t gctx_paddr; /* 0x00 */
	uint32_t asid;	     /* 0x08 */
} __attribute__((packed));
SS_SNP_SIZE(struct ss_snp_data_activate, 0x0C);

struct ss_snp_data_activate_ex {
	uint32_t ex_len;     /* 0x00: must be 0x20 */
	uint32_t reserved;   /* 0x04 */
	uint64_t gctx_paddr; /* 0x08 */
	uint32_t asid;	     /* 0x10 */
	uint32_t num_ids;    /* 0x14 */
	uint64_t ids_paddr;  /* 0x18: APIC ids, u32 each */
} __attribute__((packed));
SS_SNP_SIZE(struct ss_snp_data_activate_ex, 0x20);
SS_SNP_ASSERT(struct ss_snp_data_activate_ex, ids_paddr, 0x18);

struct ss_snp_data_guest_status {
	uint64_t gctx_paddr;   /* 0x00 */
	uint64_t status_paddr; /* 0x08: -> struct ss_snp_guest_status */
} __attribute__((packed));
SS_SNP_SIZE(struct ss_snp_data_guest_status, 0x10);

struct ss_snp_guest_status {
	uint64_t policy;	/* 0x00 */
	uint32_t asid;		/* 0x08 */
	uint8_t state;		/* 0x0C: enum ss_snp_guest_state */
	uint8_t reserved_0d[3]; /* 0x0D */
	uint32_t vcek_dis;	/* 0x10: bit 0 (newer firmware; [I]) */
	uint32_t reserved_14;	/* 0x14 */
} __attribute__((packed));
SS_SNP_SIZE(struct ss_snp_guest_status, 0x18);
SS_SNP_ASSERT(struct ss_snp_guest_status, state, 0x0C);

struct ss_snp_data_guest_request {
	uint64_t gctx_paddr; /* 0x00 */
	uint64_t req_paddr;  /* 0x08: the guest's request message page */
	uint64_t rsp_paddr;  /* 0x10: the response page (must be a firmware page) */
} __attribute__((packed));
SS_SNP_SIZE(struct ss_snp_data_guest_request, 0x18);

#define SS_SNP_LAUNCH_START_MA_EN  (1u << 0)
#define SS_SNP_LAUNCH_START_IMI_EN (1u << 1)

struct ss_snp_data_launch_start {
	uint64_t gctx_paddr;	  /* 0x00 */
	uint64_t policy;	  /* 0x08: abi/report.h SS_SNP_POLICY_* */
	uint64_t ma_gctx_paddr;	  /* 0x10: migration agent's context when MA_EN */
	uint32_t flags;		  /* 0x18: SS_SNP_LAUNCH_START_* */
	uint32_t desired_tsc_khz; /* 0x1C: Secure TSC */
	uint8_t gosvw[16];	  /* 0x20: guest OS visible workarounds */
} __attribute__((packed));
SS_SNP_SIZE(struct ss_snp_data_launch_start, 0x30);
SS_SNP_ASSERT(struct ss_snp_data_launch_start, flags, 0x18);
SS_SNP_ASSERT(struct ss_snp_data_launch_start, gosvw, 0x20);

/* SNP_LAUNCH_UPDATE page_flags (offset 0x08). */
#define SS_SNP_LU_PAGE_SIZE_2M (1u << 0)
#define SS_SNP_LU_PAGE_TYPE(f) (((f) >> 1) & 0x7u)
#define SS_SNP_LU_IMI_PAGE     (1u << 4)
#define SS_SNP_LU_FLAGS_KNOWN  0x1Fu

struct ss_snp_data_launch_update {
	uint64_t gctx_paddr;  /* 0x00 */
	uint32_t page_flags;  /* 0x08: PAGE_SIZE bit 0, PAGE_TYPE bits 3:1, IMI_PAGE bit 4 */
	uint32_t reserved_0c; /* 0x0C */
	uint64_t page_paddr;  /* 0x10: sPA of the page (pre-guest state, GPA in its RMP entry) */
	uint8_t reserved_18;  /* 0x18 */
	uint8_t vmpl1_perms;  /* 0x19 */
	uint8_t vmpl2_perms;  /* 0x1A */
	uint8_t vmpl3_perms;  /* 0x1B */
	uint32_t reserved_1c; /* 0x1C */
} __attribute__((packed));
SS_SNP_SIZE(struct ss_snp_data_launch_update, 0x20);
SS_SNP_ASSERT(struct ss_snp_data_launch_update, page_paddr, 0x10);
SS_SNP_ASSERT(struct ss_snp_data_launch_update, vmpl1_perms, 0x19);

#define SS_SNP_LF_ID_BLOCK_EN	(1ull << 0)
#define SS_SNP_LF_AUTH_KEY_EN	(1ull << 1)
#define SS_SNP_LF_VCEK_DISABLED (1ull << 2)
#define SS_SNP_LF_FLAGS_KNOWN	0x7ull

struct ss_snp_data_launch_finish {
	uint64_t gctx_paddr;	 /* 0x00 */
	uint64_t id_block_paddr; /* 0x08: -> 96-byte ID block (abi/id_block.h) */
	uint64_t id_auth_paddr;	 /* 0x10: -> 4 KiB ID auth info */
	uint64_t flags;		 /* 0x18: SS_SNP_LF_* */
	uint8_t host_data[32];	 /* 0x20 */
} __attribute__((packed));
SS_SNP_SIZE(struct ss_snp_data_launch_finish, 0x40);
SS_SNP_ASSERT(struct ss_snp_data_launch_finish, flags, 0x18);
SS_SNP_ASSERT(struct ss_snp_data_launch_finish, host_data, 0x20);

/* SNP_DBG_DECRYPT / SNP_DBG_ENCRYPT: one 4 KiB page. */
struct ss_snp_data_dbg {
	uint64_t gctx_paddr; /* 0x00 */
	uint64_t src_paddr;  /* 0x08 */
	uint64_t dst_paddr;  /* 0x10 */
} __attribute__((packed));
SS_SNP_SIZE(struct ss_snp_data_dbg, 0x18);

/* SNP_PAGE_RECLAIM / SNP_PAGE_UNSMASH: bit 0 of paddr is the page size. */
struct ss_snp_data_page {
	uint64_t paddr; /* 0x00 */
} __attribute__((packed));
SS_SNP_SIZE(struct ss_snp_data_page, 0x08);

/* ---- the SECRETS page (page type 5, firmware-abi.md §4.7) ------------------------------------ */

#define SS_SNP_SECRETS_VERSION 3u
#define SS_SNP_VMPCK_LEN       32u
#define SS_SNP_VMPCK_COUNT     4u

struct ss_snp_secrets_page {
	uint32_t version;				     /* 0x000: 3 */
	uint32_t imi_en;				     /* 0x004: bit 0 */
	uint32_t fms;					     /* 0x008: CPUID Fn0000_0001 EAX */
	uint32_t reserved_00c;				     /* 0x00C */
	uint8_t gosvw[16];				     /* 0x010: from SNP_LAUNCH_START */
	uint8_t vmpck[SS_SNP_VMPCK_COUNT][SS_SNP_VMPCK_LEN]; /* 0x020 */
	uint8_t guest_os_area[96];     /* 0x0A0: the guest's own (Linux: msg_seqno_0..3, ...) */
	uint8_t vmsa_tweak_bitmap[64]; /* 0x100 */
	uint8_t reserved_fw[32];       /* 0x140: Linux/SVSM: svsm_base, size, caa, version, vmpl */
	uint32_t tsc_factor;	       /* 0x160 */
	uint8_t reserved_164[0x1000 - 0x164];
} __attribute__((packed));
SS_SNP_SIZE(struct ss_snp_secrets_page, 0x1000);
SS_SNP_ASSERT(struct ss_snp_secrets_page, gosvw, 0x010);
SS_SNP_ASSERT(struct ss_snp_secrets_page, vmpck, 0x020);
SS_SNP_ASSERT(struct ss_snp_secrets_page, guest_os_area, 0x0A0);
SS_SNP_ASSERT(struct ss_snp_secrets_page, vmsa_tweak_bitmap, 0x100);
SS_SNP_ASSERT(struct ss_snp_secrets_page, tsc_factor, 0x160);

/* ---- the CPUID page (page type 6, firmware-abi.md §4.8) -------------------------------------- */

#define SS_SNP_CPUID_MAX_ENTRIES 64u

struct ss_snp_cpuid_entry {
	uint32_t eax_in;   /* 0x00 */
	uint32_t ecx_in;   /* 0x04 */
	uint64_t xcr0_in;  /* 0x08 */
	uint64_t xss_in;   /* 0x10 */
	uint32_t eax;	   /* 0x18 */
	uint32_t ebx;	   /* 0x1C */
	uint32_t ecx;	   /* 0x20 */
	uint32_t edx;	   /* 0x24 */
	uint64_t reserved; /* 0x28: must be 0 */
} __attribute__((packed));
SS_SNP_SIZE(struct ss_snp_cpuid_entry, 0x30);

struct ss_snp_cpuid_page {
	uint32_t count;						     /* 0x00: <= 64 */
	uint32_t reserved_04;					     /* 0x04 */
	uint64_t reserved_08;					     /* 0x08 */
	struct ss_snp_cpuid_entry entries[SS_SNP_CPUID_MAX_ENTRIES]; /* 0x10 */
	uint8_t padding[0x1000 - 0x10 - SS_SNP_CPUID_MAX_ENTRIES * 0x30];
} __attribute__((packed));
SS_SNP_SIZE(struct ss_snp_cpuid_page, 0x1000);
SS_SNP_ASSERT(struct ss_snp_cpuid_page, entries, 0x10);

/* The gPA KVM gives every VMSA page in the RMP and in the launch digest (firmware-abi.md §4.6). */
#define SS_SNP_VMSA_GPA 0xFFFFFFFFF000ull

#undef SS_SNP_ASSERT
#undef SS_SNP_SIZE

#endif
