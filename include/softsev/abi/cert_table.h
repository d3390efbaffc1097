/* The extended-report certificate table (SNP_GET_EXT_REPORT certs buffer / configfs-tsm auxblob):
 * an array of 24-byte entries ended by an all-zero entry; offsets count from the start of the
 * table. Source: shared/spec/attestation.md §10.4. GUID bytes are stored in RFC 4122 order (the
 * byte order of the text form), observed in vectors case 13.
 */
#ifndef SOFTSEV_ABI_CERT_TABLE_H
#define SOFTSEV_ABI_CERT_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct ss_cert_table_entry {
	uint8_t guid[16]; /* 0x00 */
	uint32_t offset;  /* 0x10, from the start of the table */
	uint32_t length;  /* 0x14 */
} __attribute__((packed));
_Static_assert(sizeof(struct ss_cert_table_entry) == 24, "cert table entry is 24 bytes (§10.4)");
_Static_assert(offsetof(struct ss_cert_table_entry, offset) == 16, "offset at 0x10 (§10.4)");
_Static_assert(offsetof(struct ss_cert_table_entry, length) == 20, "length at 0x14 (§10.4)");

/* X(name, text GUID, 16 bytes in table order, file name used when extracting). */
#define SS_CERT_TABLE_GUIDS(X)                                                                     \
	X(ARK, "c0b406a4-a803-4952-9743-3fb6014cd0ae",                                             \
	  ((const uint8_t[16]){0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52, 0x97, 0x43, 0x3f,   \
			       0xb6, 0x01, 0x4c, 0xd0, 0xae}),                                     \
	  "ark")                                                                                   \
	X(ASK, "4ab7b379-bbac-4fe4-a02f-05aef327c782",                                             \
	  ((const uint8_t[16]){0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4, 0xa0, 0x2f, 0x05,   \
			       0xae, 0xf3, 0x27, 0xc7, 0x82}),                                     \
	  "ask")                                                                                   \
	X(VCEK, "63da758d-e664-4564-adc5-f4b93be8accd",                                            \
	  ((const uint8_t[16]){0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64, 0xad, 0xc5, 0xf4,   \
			       0xb9, 0x3b, 0xe8, 0xac, 0xcd}),                                     \
	  "vcek")                                                                                  \
	X(VLEK, "a8074bc2-a25a-483e-aae6-39c045a0b8a1",                                            \
	  ((const uint8_t[16]){0xa8, 0x07, 0x4b, 0xc2, 0xa2, 0x5a, 0x48, 0x3e, 0xaa, 0xe6, 0x39,   \
			       0xc0, 0x45, 0xa0, 0xb8, 0xa1}),                                     \
	  "vlek")                                                                                  \
	X(CRL, "92f81bc3-5811-4d3d-97ff-d19f88dc67ea",                                             \
	  ((const uint8_t[16]){0x92, 0xf8, 0x1b, 0xc3, 0x58, 0x11, 0x4d, 0x3d, 0x97, 0xff, 0xd1,   \
			       0x9f, 0x88, 0xdc, 0x67, 0xea}),                                     \
	  "crl")

#endif
