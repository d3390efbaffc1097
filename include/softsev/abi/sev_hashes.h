/* The SEV kernel-hashes table QEMU places in guest memory for OVMF to check the kernel, initrd
 * and command line against (measurement.md §1.4). Packed, little-endian; 168 bytes, padded with
 * zeros to 176 (a multiple of 16) when measured. */
#ifndef SOFTSEV_ABI_SEV_HASHES_H
#define SOFTSEV_ABI_SEV_HASHES_H

#include <stddef.h>
#include <stdint.h>

/* X(name, text form, EFI byte order) */
#define SS_SEV_HASHES_GUID_LIST(X)                                                                 \
	X(SS_SEV_HASHES_GUID_TABLE, "9438d606-4f22-4cc9-b479-a793d411fd21", 0x06, 0xd6, 0x38,      \
	  0x94, 0x22, 0x4f, 0xc9, 0x4c, 0xb4, 0x79, 0xa7, 0x93, 0xd4, 0x11, 0xfd, 0x21)            \
	X(SS_SEV_HASHES_GUID_CMDLINE, "97d02dd8-bd20-4c94-aa78-e7714d36ab2a", 0xd8, 0x2d, 0xd0,    \
	  0x97, 0x20, 0xbd, 0x94, 0x4c, 0xaa, 0x78, 0xe7, 0x71, 0x4d, 0x36, 0xab, 0x2a)            \
	X(SS_SEV_HASHES_GUID_INITRD, "44baf731-3a2f-4bd7-9af1-41e29169781d", 0x31, 0xf7, 0xba,     \
	  0x44, 0x2f, 0x3a, 0xd7, 0x4b, 0x9a, 0xf1, 0x41, 0xe2, 0x91, 0x69, 0x78, 0x1d)            \
	X(SS_SEV_HASHES_GUID_KERNEL, "4de79437-abd2-427f-b835-d5b172d2045b", 0x37, 0x94, 0xe7,     \
	  0x4d, 0xd2, 0xab, 0x7f, 0x42, 0xb8, 0x35, 0xd5, 0xb1, 0x72, 0xd2, 0x04, 0x5b)

/* One entry: GUID, length (50) and a SHA-256. */
typedef struct ss_sev_hash_entry {
	uint8_t guid[16]; /* 0x00 */
	uint16_t length;  /* 0x10: sizeof(ss_sev_hash_entry) = 50 */
	uint8_t hash[32]; /* 0x12: SHA-256 */
} __attribute__((packed)) ss_sev_hash_entry;
_Static_assert(sizeof(ss_sev_hash_entry) == 50, "hash entry is 50 bytes");
_Static_assert(offsetof(ss_sev_hash_entry, length) == 0x10, "length");
_Static_assert(offsetof(ss_sev_hash_entry, hash) == 0x12, "hash");

typedef struct ss_sev_hash_table {
	uint8_t guid[16];	   /* 0x00 */
	uint16_t length;	   /* 0x10: 168, the unpadded table */
	ss_sev_hash_entry cmdline; /* 0x12: SHA-256(append || NUL) */
	ss_sev_hash_entry initrd;  /* 0x44: SHA-256(initrd), of "" when absent */
	ss_sev_hash_entry kernel;  /* 0x76: SHA-256(whole kernel file) */
} __attribute__((packed)) ss_sev_hash_table;
_Static_assert(sizeof(ss_sev_hash_table) == 168, "hash table is 168 bytes");
_Static_assert(offsetof(ss_sev_hash_table, length) == 0x10, "length");
_Static_assert(offsetof(ss_sev_hash_table, cmdline) == 0x12, "cmdline");
_Static_assert(offsetof(ss_sev_hash_table, initrd) == 0x44, "initrd");
_Static_assert(offsetof(ss_sev_hash_table, kernel) == 0x76, "kernel");

#define SS_SEV_HASH_TABLE_LEN	     168u
#define SS_SEV_HASH_TABLE_PADDED_LEN 176u /* what is measured: padded to 16 with zeros */

#endif
