/* SNP_LAUNCH_UPDATE's PAGE_INFO: the 112-byte record the firmware hashes to extend the launch
 * digest, LD = SHA-384(PAGE_INFO), once per 4 KiB page (firmware-abi.md §4.6, SNP ABI Table 67;
 * measurement.md §4.1). */
#ifndef SOFTSEV_ABI_SNP_PAGE_INFO_H
#define SOFTSEV_ABI_SNP_PAGE_INFO_H

#include <stddef.h>
#include <stdint.h>

/* X(name, value, one-line hint): SNP_LAUNCH_UPDATE page types (cmd bits 3:1), firmware-abi.md §4.6.
 * CONTENTS is SHA-384 of the page for NORMAL and VMSA, and 48 zero bytes for the others. */
#define SS_SNP_PAGE_TYPE_LIST(X)                                                                   \
	X(SS_SNP_PAGE_NORMAL, 0x1, "NORMAL", "plaintext copied in and measured")                   \
	X(SS_SNP_PAGE_VMSA, 0x2, "VMSA", "a vCPU save area, measured")                             \
	X(SS_SNP_PAGE_ZERO, 0x3, "ZERO", "zero-filled by the firmware; contents not hashed")       \
	X(SS_SNP_PAGE_UNMEASURED, 0x4, "UNMEASURED", "encrypted in place; contents not hashed")    \
	X(SS_SNP_PAGE_SECRETS, 0x5, "SECRETS", "the firmware's secrets page; contents not hashed") \
	X(SS_SNP_PAGE_CPUID, 0x6, "CPUID", "the CPUID table page; contents not hashed")

enum ss_snp_page_type {
#define SS_SNP_PAGE_ENUM(name, value, text, hint) name = value,
	SS_SNP_PAGE_TYPE_LIST(SS_SNP_PAGE_ENUM)
#undef SS_SNP_PAGE_ENUM
};

#define SS_SNP_PAGE_INFO_SIZE 0x70u

typedef struct ss_snp_page_info {
	uint8_t digest_cur[48]; /* 0x00: the current LD (or IMD for IMI pages) */
	uint8_t contents[48];	/* 0x30: SHA-384 of the page, or zeros (see page types) */
	uint16_t length;	/* 0x60: always 0x70 */
	uint8_t page_type;	/* 0x62: enum ss_snp_page_type */
	uint8_t imi_page;	/* 0x63: bit 0 */
	/* 0x64: the VMPL permission dword, in the mushroom/sev-tool order: reserved, VMPL1, VMPL2,
	 * VMPL3 (firmware-abi.md §4.6 note; all zero for a launch, where both orders agree). */
	uint8_t reserved_64;
	uint8_t vmpl1_perms; /* 0x65 */
	uint8_t vmpl2_perms; /* 0x66 */
	uint8_t vmpl3_perms; /* 0x67 */
	uint64_t gpa;	     /* 0x68: the gPA recorded in the page's RMP entry */
} __attribute__((packed)) ss_snp_page_info;

_Static_assert(sizeof(ss_snp_page_info) == SS_SNP_PAGE_INFO_SIZE, "PAGE_INFO is 0x70 bytes");
_Static_assert(offsetof(ss_snp_page_info, contents) == 0x30, "CONTENTS");
_Static_assert(offsetof(ss_snp_page_info, length) == 0x60, "LENGTH");
_Static_assert(offsetof(ss_snp_page_info, page_type) == 0x62, "PAGE_TYPE");
_Static_assert(offsetof(ss_snp_page_info, imi_page) == 0x63, "IMI_PAGE");
_Static_assert(offsetof(ss_snp_page_info, vmpl1_perms) == 0x65, "VMPL1_PERMS");
_Static_assert(offsetof(ss_snp_page_info, vmpl3_perms) == 0x67, "VMPL3_PERMS");
_Static_assert(offsetof(ss_snp_page_info, gpa) == 0x68, "GPA");

#endif
