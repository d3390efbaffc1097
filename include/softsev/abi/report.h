/* SEV-SNP ATTESTATION_REPORT (0x4A0 bytes), TCB_VERSION, guest policy, platform info and signer
 * info — byte-exact layouts. All multi-byte integers are little-endian.
 *
 * Source: shared/spec/attestation.md §2 (report layout, per-version fields), §3 (TCB_VERSION per
 * product), §4 (POLICY), §5 (PLATFORM_INFO), §6 (signer info / key selection), §7 (signature).
 * The struct is the single source of the offsets: the parser reads the raw bytes at
 * offsetof(struct ss_snp_report, field) so the _Static_asserts below guard the code too.
 */
#ifndef SOFTSEV_ABI_REPORT_H
#define SOFTSEV_ABI_REPORT_H

#include <stddef.h>
#include <stdint.h>

#define SS_SNP_REPORT_SIZE	  0x4A0
#define SS_SNP_REPORT_SIGNED_SIZE 0x2A0 /* bytes 0x000..0x29F are signed (§7) */
#define SS_SNP_SIG_COMPONENT_SIZE 72	/* R and S: 72-byte little-endian fields (§7) */
#define SS_SNP_CHIP_ID_SIZE	  64
#define SS_SNP_TURIN_CHIP_ID_SIZE 8 /* Turin uses CHIP_ID[0..7] only (§2, §8.2 hwID) */

/* Report versions whose layout is known (§2): 2; 3 and 4 add the CPUID bytes; 5 adds the
 * mitigation vectors. Newer versions are parsed as their known prefix (the v5 layout). */
#define SS_SNP_REPORT_VERSION_MIN	 2
#define SS_SNP_REPORT_VERSION_MAX_KNOWN	 5
#define SS_SNP_REPORT_VERSION_CPUID	 3
#define SS_SNP_REPORT_VERSION_MIT_VECTOR 5

#define SS_SNP_SIGNATURE_ALGO_ECDSA_P384_SHA384 1 /* §2 SIGNATURE_ALGO */

/* ECDSA signature as stored in the report (§7): R, S little-endian, then reserved (MBZ). */
struct ss_snp_signature {
	uint8_t r[SS_SNP_SIG_COMPONENT_SIZE];
	uint8_t s[SS_SNP_SIG_COMPONENT_SIZE];
	uint8_t reserved[368];
} __attribute__((packed));
_Static_assert(sizeof(struct ss_snp_signature) == 0x200, "SNP signature is 512 bytes (§7)");
_Static_assert(offsetof(struct ss_snp_signature, s) == 0x48, "S follows the 72-byte R (§7)");

/* attestation.md §2. Fields marked v3+ / v5+ are reserved (zero) in earlier versions. */
struct ss_snp_report {
	uint32_t version;		      /* 0x000 */
	uint32_t guest_svn;		      /* 0x004 */
	uint64_t policy;		      /* 0x008, §4 */
	uint8_t family_id[16];		      /* 0x010 */
	uint8_t image_id[16];		      /* 0x020 */
	uint32_t vmpl;			      /* 0x030 */
	uint32_t signature_algo;	      /* 0x034 */
	uint64_t current_tcb;		      /* 0x038, TCB_VERSION (§3) */
	uint64_t platform_info;		      /* 0x040, §5 */
	uint32_t signer_info;		      /* 0x048, §6 */
	uint32_t reserved0;		      /* 0x04C, MBZ */
	uint8_t report_data[64];	      /* 0x050 */
	uint8_t measurement[48];	      /* 0x090 */
	uint8_t host_data[32];		      /* 0x0C0 */
	uint8_t id_key_digest[48];	      /* 0x0E0 */
	uint8_t author_key_digest[48];	      /* 0x110 */
	uint8_t report_id[32];		      /* 0x140 */
	uint8_t report_id_ma[32];	      /* 0x160 */
	uint64_t reported_tcb;		      /* 0x180 */
	uint8_t cpuid_fam_id;		      /* 0x188, v3+ */
	uint8_t cpuid_mod_id;		      /* 0x189, v3+ */
	uint8_t cpuid_step;		      /* 0x18A, v3+ */
	uint8_t reserved1[21];		      /* 0x18B (v2: 0x188..0x19F all reserved) */
	uint8_t chip_id[SS_SNP_CHIP_ID_SIZE]; /* 0x1A0 */
	uint64_t committed_tcb;		      /* 0x1E0 */
	uint8_t current_build;		      /* 0x1E8 */
	uint8_t current_minor;		      /* 0x1E9 */
	uint8_t current_major;		      /* 0x1EA */
	uint8_t reserved2;		      /* 0x1EB */
	uint8_t committed_build;	      /* 0x1EC */
	uint8_t committed_minor;	      /* 0x1ED */
	uint8_t committed_major;	      /* 0x1EE */
	uint8_t reserved3;		      /* 0x1EF */
	uint64_t launch_tcb;		      /* 0x1F0 */
	uint64_t launch_mit_vector;	      /* 0x1F8, v5+ */
	uint64_t current_mit_vector;	      /* 0x200, v5+ */
	uint8_t reserved4[152];		      /* 0x208..0x29F */
	struct ss_snp_signature signature;    /* 0x2A0 */
} __attribute__((packed));

#define SS_SNP_ASSERT_OFF(field, off)                                                              \
	_Static_assert(offsetof(struct ss_snp_report, field) == (off),                             \
		       "ATTESTATION_REPORT." #field " offset (attestation.md §2)")
SS_SNP_ASSERT_OFF(version, 0x000);
SS_SNP_ASSERT_OFF(guest_svn, 0x004);
SS_SNP_ASSERT_OFF(policy, 0x008);
SS_SNP_ASSERT_OFF(family_id, 0x010);
SS_SNP_ASSERT_OFF(image_id, 0x020);
SS_SNP_ASSERT_OFF(vmpl, 0x030);
SS_SNP_ASSERT_OFF(signature_algo, 0x034);
SS_SNP_ASSERT_OFF(current_tcb, 0x038);
SS_SNP_ASSERT_OFF(platform_info, 0x040);
SS_SNP_ASSERT_OFF(signer_info, 0x048);
SS_SNP_ASSERT_OFF(reserved0, 0x04C);
SS_SNP_ASSERT_OFF(report_data, 0x050);
SS_SNP_ASSERT_OFF(measurement, 0x090);
SS_SNP_ASSERT_OFF(host_data, 0x0C0);
SS_SNP_ASSERT_OFF(id_key_digest, 0x0E0);
SS_SNP_ASSERT_OFF(author_key_digest, 0x110);
SS_SNP_ASSERT_OFF(report_id, 0x140);
SS_SNP_ASSERT_OFF(report_id_ma, 0x160);
SS_SNP_ASSERT_OFF(reported_tcb, 0x180);
SS_SNP_ASSERT_OFF(cpuid_fam_id, 0x188);
SS_SNP_ASSERT_OFF(cpuid_mod_id, 0x189);
SS_SNP_ASSERT_OFF(cpuid_step, 0x18A);
SS_SNP_ASSERT_OFF(reserved1, 0x18B);
SS_SNP_ASSERT_OFF(chip_id, 0x1A0);
SS_SNP_ASSERT_OFF(committed_tcb, 0x1E0);
SS_SNP_ASSERT_OFF(current_build, 0x1E8);
SS_SNP_ASSERT_OFF(current_minor, 0x1E9);
SS_SNP_ASSERT_OFF(current_major, 0x1EA);
SS_SNP_ASSERT_OFF(committed_build, 0x1EC);
SS_SNP_ASSERT_OFF(committed_minor, 0x1ED);
SS_SNP_ASSERT_OFF(committed_major, 0x1EE);
SS_SNP_ASSERT_OFF(launch_tcb, 0x1F0);
SS_SNP_ASSERT_OFF(launch_mit_vector, 0x1F8);
SS_SNP_ASSERT_OFF(current_mit_vector, 0x200);
SS_SNP_ASSERT_OFF(reserved4, 0x208);
SS_SNP_ASSERT_OFF(signature, SS_SNP_REPORT_SIGNED_SIZE);
/* Per-version differences (§2): a v2 report has no CPUID bytes (0x188..0x19F is 24 reserved
 * bytes), and reports before v5 have no mitigation vectors (0x1F8..0x29F is 168 reserved bytes). */
#define SS_SNP_V2_RESERVED_CPUID_OFF 0x188
#define SS_SNP_V2_RESERVED_CPUID_LEN 24
#define SS_SNP_PRE_V5_RESERVED_OFF   0x1F8
#define SS_SNP_PRE_V5_RESERVED_LEN   168
_Static_assert(offsetof(struct ss_snp_report, cpuid_fam_id) == SS_SNP_V2_RESERVED_CPUID_OFF &&
		   offsetof(struct ss_snp_report, chip_id) ==
		       SS_SNP_V2_RESERVED_CPUID_OFF + SS_SNP_V2_RESERVED_CPUID_LEN,
	       "v2: 0x188..0x19F reserved, v3+: CPUID bytes + 21 reserved (§2)");
_Static_assert(offsetof(struct ss_snp_report, launch_mit_vector) == SS_SNP_PRE_V5_RESERVED_OFF &&
		   SS_SNP_PRE_V5_RESERVED_OFF + SS_SNP_PRE_V5_RESERVED_LEN ==
		       SS_SNP_REPORT_SIGNED_SIZE,
	       "v2-v4: 0x1F8..0x29F reserved; v5: two mitigation vectors + 152 reserved (§2)");
_Static_assert(sizeof(struct ss_snp_report) == SS_SNP_REPORT_SIZE,
	       "ATTESTATION_REPORT is 0x4A0 bytes (attestation.md §2)");

/* TCB_VERSION (8 bytes), attestation.md §3. Milan and Genoa share one layout; Turin (and later)
 * put the FMC SVN first. */
struct ss_snp_tcb_milan {
	uint8_t boot_loader; /* 0 */
	uint8_t tee;	     /* 1 */
	uint8_t reserved[4]; /* 2..5: KDS spl_4..spl_7 */
	uint8_t snp;	     /* 6 */
	uint8_t microcode;   /* 7 */
} __attribute__((packed));
_Static_assert(sizeof(struct ss_snp_tcb_milan) == 8, "TCB_VERSION is 8 bytes (§3)");
_Static_assert(offsetof(struct ss_snp_tcb_milan, snp) == 6, "Milan/Genoa SNP SVN byte 6 (§3)");
_Static_assert(offsetof(struct ss_snp_tcb_milan, microcode) == 7, "ucode SVN byte 7 (§3)");

struct ss_snp_tcb_turin {
	uint8_t fmc;	     /* 0 */
	uint8_t boot_loader; /* 1 */
	uint8_t tee;	     /* 2 */
	uint8_t snp;	     /* 3 */
	uint8_t reserved[3]; /* 4..6 */
	uint8_t microcode;   /* 7 */
} __attribute__((packed));
_Static_assert(sizeof(struct ss_snp_tcb_turin) == 8, "TCB_VERSION is 8 bytes (§3)");
_Static_assert(offsetof(struct ss_snp_tcb_turin, snp) == 3, "Turin SNP SVN byte 3 (§3)");
_Static_assert(offsetof(struct ss_snp_tcb_turin, microcode) == 7, "ucode SVN byte 7 (§3)");

/* Guest POLICY bits (§4): X(name, bit, hint). Bits 7:0 ABI_MINOR and 15:8 ABI_MAJOR are fields. */
#define SS_SNP_POLICY_ABI_MINOR_MASK  0xFFull
#define SS_SNP_POLICY_ABI_MAJOR_SHIFT 8
#define SS_SNP_POLICY_BITS(X)                                                                      \
	X(SMT, 16, "host SMT allowed")                                                             \
	X(RESERVED_MBO, 17, "reserved, must be one")                                               \
	X(MIGRATE_MA, 18, "migration agent allowed")                                               \
	X(DEBUG, 19, "debugging allowed")                                                          \
	X(SINGLE_SOCKET, 20, "may only run on one socket")                                         \
	X(CXL_ALLOW, 21, "CXL may be populated")                                                   \
	X(MEM_AES_256_XTS, 22, "AES-256-XTS memory encryption required")                           \
	X(RAPL_DIS, 23, "RAPL must be disabled")                                                   \
	X(CIPHERTEXT_HIDING_DRAM, 24, "ciphertext hiding must be enabled")                         \
	X(PAGE_SWAP_DISABLE, 25, "SNP_PAGE_MOVE / SWAP_OUT / SWAP_IN disabled")
#define SS_SNP_POLICY_RESERVED_MASK (~0ull << 26) /* 63:26 reserved (§4) */

/* PLATFORM_INFO bits (§5). Bit 6 is reserved but set on real Turin parts: never reject it. */
#define SS_SNP_PLATFORM_INFO_BITS(X)                                                               \
	X(SMT_EN, 0, "SMT enabled")                                                                \
	X(TSME_EN, 1, "transparent SME enabled")                                                   \
	X(ECC_EN, 2, "ECC memory in use")                                                          \
	X(RAPL_DIS, 3, "RAPL disabled")                                                            \
	X(CIPHERTEXT_HIDING_DRAM_EN, 4, "ciphertext hiding for DRAM enabled")                      \
	X(ALIAS_CHECK_COMPLETE, 5, "memory alias check done since reset")                          \
	X(TIO_EN, 7, "SEV-TIO enabled")

/* Signer info word at 0x048 (§6). */
#define SS_SNP_SIGNER_AUTHOR_KEY_EN (1u << 0)
#define SS_SNP_SIGNER_MASK_CHIP_KEY (1u << 1)
#define SS_SNP_SIGNER_KEY_SHIFT	    2
#define SS_SNP_SIGNER_KEY_MASK	    (7u << 2)
#define SS_SNP_SIGNER_RESERVED_MASK (~0u << 5)
#define SS_SNP_SIGNING_KEY_VCEK	    0
#define SS_SNP_SIGNING_KEY_VLEK	    1
#define SS_SNP_SIGNING_KEY_NONE	    7

/* MSG_REPORT_REQ KEY_SEL (§6, §10.2): which key the guest asks to sign with. */
#define SS_SNP_KEY_SEL_LIST(X)                                                                     \
	X(DEFAULT, 0, "VLEK if installed, else VCEK")                                              \
	X(VCEK, 1, "VCEK")                                                                         \
	X(VLEK, 2, "VLEK")

#endif
