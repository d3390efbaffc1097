/* OVMF's firmware-image metadata for confidential guests: the "footer" GUIDed table at the end of
 * the image and the SEV metadata ("ASEV") it points to (measurement.md §1.2, §1.3; EDK2
 * OvmfPkg ResetVector). GUIDs are stored in EFI byte order (the first three fields little-endian,
 * as Python's uuid.bytes_le). All integers are little-endian. */
#ifndef SOFTSEV_ABI_OVMF_H
#define SOFTSEV_ABI_OVMF_H

#include <stddef.h>
#include <stdint.h>

#define SS_GUID_LEN 16

/* X(name, text form, EFI byte order): the GUIDs of the footer table (measurement.md §1.2). */
#define SS_OVMF_GUID_LIST(X)                                                                       \
	X(SS_OVMF_GUID_FOOTER, "96b582de-1fb2-45f7-baea-a366c55a082d", 0xde, 0x82, 0xb5, 0x96,     \
	  0xb2, 0x1f, 0xf7, 0x45, 0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d)                  \
	X(SS_OVMF_GUID_SEV_ES_RESET_BLOCK, "00f771de-1a7e-4fcb-890e-68c77e2fb44e", 0xde, 0x71,     \
	  0xf7, 0x00, 0x7e, 0x1a, 0xcb, 0x4f, 0x89, 0x0e, 0x68, 0xc7, 0x7e, 0x2f, 0xb4, 0x4e)      \
	X(SS_OVMF_GUID_SEV_HASH_TABLE_RV, "7255371f-3a3b-4b04-927b-1da6efa8d454", 0x1f, 0x37,      \
	  0x55, 0x72, 0x3b, 0x3a, 0x04, 0x4b, 0x92, 0x7b, 0x1d, 0xa6, 0xef, 0xa8, 0xd4, 0x54)      \
	X(SS_OVMF_GUID_SEV_META_DATA, "dc886566-984a-4798-a75e-5585a7bf67cc", 0x66, 0x65, 0x88,    \
	  0xdc, 0x4a, 0x98, 0x98, 0x47, 0xa7, 0x5e, 0x55, 0x85, 0xa7, 0xbf, 0x67, 0xcc)            \
	X(SS_OVMF_GUID_SVSM_INFO, "a789a612-0597-4c4b-a49f-cbb1fe9d1ddd", 0x12, 0xa6, 0x89, 0xa7,  \
	  0x97, 0x05, 0x4b, 0x4c, 0xa4, 0x9f, 0xcb, 0xb1, 0xfe, 0x9d, 0x1d, 0xdd)                  \
	X(SS_OVMF_GUID_SEV_SECRET_BLOCK, "4c2eb361-7d9b-4cc3-8081-127c90d3d294", 0x61, 0xb3, 0x2e, \
	  0x4c, 0x9b, 0x7d, 0xc3, 0x4c, 0x80, 0x81, 0x12, 0x7c, 0x90, 0xd3, 0xd2, 0x94)            \
	X(SS_OVMF_GUID_TDX_METADATA, "e47a6535-984a-4798-865e-4685a7bf8ec2", 0x35, 0x65, 0x7a,     \
	  0xe4, 0x4a, 0x98, 0x98, 0x47, 0x86, 0x5e, 0x46, 0x85, 0xa7, 0xbf, 0x8e, 0xc2)

/* One footer-table entry header. The entry's data are the size-18 bytes just *before* it; the
 * table is walked backwards from the footer entry, which sits at file_size - 32 - 18. */
typedef struct ss_ovmf_table_entry {
	uint16_t size;		   /* 0x00: bytes of data + this header */
	uint8_t guid[SS_GUID_LEN]; /* 0x02 */
} __attribute__((packed)) ss_ovmf_table_entry;
_Static_assert(sizeof(ss_ovmf_table_entry) == 18, "footer entry header is 18 bytes");
_Static_assert(offsetof(ss_ovmf_table_entry, guid) == 2, "guid");

/* The footer entry ends this many bytes before the end of the image (measurement.md §1.2). */
#define SS_OVMF_FOOTER_TAIL 32u

/* The SEV metadata header, at file_size - u32(data of the SEV_META_DATA entry). */
#define SS_OVMF_SEV_META_SIGNATURE "ASEV"
#define SS_OVMF_SEV_META_VERSION   1u
typedef struct ss_ovmf_sev_meta_header {
	char signature[4];  /* 0x00: "ASEV" */
	uint32_t size;	    /* 0x04: header + descriptors */
	uint32_t version;   /* 0x08: 1 */
	uint32_t num_items; /* 0x0C */
} ss_ovmf_sev_meta_header;
_Static_assert(sizeof(ss_ovmf_sev_meta_header) == 16, "metadata header is 16 bytes");
_Static_assert(offsetof(ss_ovmf_sev_meta_header, size) == 4, "size");
_Static_assert(offsetof(ss_ovmf_sev_meta_header, version) == 8, "version");
_Static_assert(offsetof(ss_ovmf_sev_meta_header, num_items) == 12, "num_items");

/* One metadata section descriptor, following the header. */
typedef struct ss_ovmf_sev_meta_section {
	uint32_t gpa;  /* 0x00 */
	uint32_t size; /* 0x04 */
	uint32_t type; /* 0x08: enum ss_ovmf_section_type */
} ss_ovmf_sev_meta_section;
_Static_assert(sizeof(ss_ovmf_sev_meta_section) == 12, "section descriptor is 12 bytes");
_Static_assert(offsetof(ss_ovmf_sev_meta_section, size) == 4, "size");
_Static_assert(offsetof(ss_ovmf_sev_meta_section, type) == 8, "type");

/* X(name, value, text, hint): section types (measurement.md §1.3) and how an SNP launch
 * measures them (§4.2). */
#define SS_OVMF_SECTION_TYPE_LIST(X)                                                               \
	X(SS_OVMF_SECTION_SNP_SEC_MEM, 0x1, "SNP_SEC_MEM",                                         \
	  "pre-validated memory: ZERO pages (UNMEASURED with gce)")                                \
	X(SS_OVMF_SECTION_SNP_SECRETS, 0x2, "SNP_SECRETS", "one SECRETS page")                     \
	X(SS_OVMF_SECTION_CPUID, 0x3, "CPUID", "one CPUID page (moved last with ec2)")             \
	X(SS_OVMF_SECTION_SVSM_CAA, 0x4, "SVSM_CAA", "SVSM calling area: ZERO pages")              \
	X(SS_OVMF_SECTION_SNP_KERNEL_HASHES, 0x10, "SNP_KERNEL_HASHES",                            \
	  "the kernel hashes page (NORMAL) with --kernel, else ZERO pages")

enum ss_ovmf_section_type {
#define SS_OVMF_SECTION_ENUM(name, value, text, hint) name = value,
	SS_OVMF_SECTION_TYPE_LIST(SS_OVMF_SECTION_ENUM)
#undef SS_OVMF_SECTION_ENUM
};

#endif
