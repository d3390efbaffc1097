/* SEV-SNP ID block, ID authentication info and AMD's ECDSA key and signature formats, byte for
 * byte as SNP_LAUNCH_FINISH consumes them (firmware-abi.md §4.9, attestation.md §11 and §7).
 *
 * All integers are little-endian. ECDSA integers (r, s, qx, qy) are 72-byte little-endian fields
 * of which only the low 48 bytes are used on P-384 (attestation.md §7). Conversions to and from
 * OpenSSL's big-endian form live in include/softsev/idblock.h.
 */
#ifndef SOFTSEV_ABI_ID_BLOCK_H
#define SOFTSEV_ABI_ID_BLOCK_H

#include <stddef.h>
#include <stdint.h>

/* The structures below use native integers for little-endian fields. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "softsev ABI structs are little-endian");

#define SS_SNP_ID_BLOCK_SIZE	 0x60	/* KVM_SEV_SNP_ID_BLOCK_SIZE (firmware-abi.md §4.9) */
#define SS_SNP_ID_AUTH_SIZE	 0x1000 /* KVM_SEV_SNP_ID_AUTH_SIZE (firmware-abi.md §4.9) */
#define SS_AMD_ECDSA_PUBKEY_SIZE 0x404
#define SS_AMD_ECDSA_SIG_SIZE	 0x200
#define SS_AMD_ECDSA_INT_SIZE	 72 /* bytes of one little-endian integer field (r, s, qx, qy) */

/* ID_KEY_ALGO / AUTH_KEY_ALGO: 1 = ECDSA P-384 with SHA-384 (firmware-abi.md §4.9). */
#define SS_SNP_ID_ALGO_ECDSA_P384_SHA384 1u
/* CURVE of an AMD ECDSA public key: 2 = P-384 (attestation.md §7). */
#define SS_AMD_ECDSA_CURVE_P384 2u

/* The ID block's VERSION field: 1 is what virtee, snp-create-id-block and sev-tool write. */
#define SS_SNP_ID_BLOCK_VERSION 1u

/* ID block (96 bytes; firmware-abi.md §4.9, attestation.md §11). */
typedef struct ss_snp_id_block {
	uint8_t ld[48];	       /* 0x00 expected launch digest (the report's MEASUREMENT) */
	uint8_t family_id[16]; /* 0x30 copied into the report's FAMILY_ID */
	uint8_t image_id[16];  /* 0x40 copied into the report's IMAGE_ID */
	uint32_t version;      /* 0x50 ID block format version (1) */
	uint32_t guest_svn;    /* 0x54 copied into the report's GUEST_SVN */
	uint64_t policy; /* 0x58 must equal the launch's guest policy (firmware-abi.md §4.5) */
} ss_snp_id_block;

_Static_assert(sizeof(ss_snp_id_block) == SS_SNP_ID_BLOCK_SIZE, "ID block is 0x60 bytes");
_Static_assert(offsetof(ss_snp_id_block, ld) == 0x00, "ID block LD @0x00");
_Static_assert(offsetof(ss_snp_id_block, family_id) == 0x30, "ID block FAMILY_ID @0x30");
_Static_assert(offsetof(ss_snp_id_block, image_id) == 0x40, "ID block IMAGE_ID @0x40");
_Static_assert(offsetof(ss_snp_id_block, version) == 0x50, "ID block VERSION @0x50");
_Static_assert(offsetof(ss_snp_id_block, guest_svn) == 0x54, "ID block GUEST_SVN @0x54");
_Static_assert(offsetof(ss_snp_id_block, policy) == 0x58, "ID block POLICY @0x58");

/* AMD ECDSA public key (0x404 bytes; attestation.md §7 and §11, go-sev-guest
 * EcdsaPublicKeyToBytes): curve id, then QX and QY as 72-byte little-endian integers. The report's
 * ID_KEY_DIGEST / AUTHOR_KEY_DIGEST is SHA-384 of all 0x404 bytes of this structure. */
typedef struct ss_amd_ecdsa_pubkey {
	uint32_t curve;			   /* 0x000 SS_AMD_ECDSA_CURVE_P384 */
	uint8_t qx[SS_AMD_ECDSA_INT_SIZE]; /* 0x004 */
	uint8_t qy[SS_AMD_ECDSA_INT_SIZE]; /* 0x04C */
	uint8_t reserved[0x404 - 0x94];	   /* 0x094 zero */
} ss_amd_ecdsa_pubkey;

_Static_assert(sizeof(ss_amd_ecdsa_pubkey) == SS_AMD_ECDSA_PUBKEY_SIZE, "ECDSA key is 0x404 bytes");
_Static_assert(offsetof(ss_amd_ecdsa_pubkey, curve) == 0x00, "ECDSA key CURVE @0x00");
_Static_assert(offsetof(ss_amd_ecdsa_pubkey, qx) == 0x04, "ECDSA key QX @0x04");
_Static_assert(offsetof(ss_amd_ecdsa_pubkey, qy) == 0x4C, "ECDSA key QY @0x4C");
_Static_assert(offsetof(ss_amd_ecdsa_pubkey, reserved) == 0x94, "ECDSA key reserved @0x94");

/* AMD ECDSA signature (0x200 bytes; attestation.md §7): R and S as 72-byte little-endian
 * integers, the rest zero. */
typedef struct ss_amd_ecdsa_sig {
	uint8_t r[SS_AMD_ECDSA_INT_SIZE]; /* 0x000 */
	uint8_t s[SS_AMD_ECDSA_INT_SIZE]; /* 0x048 */
	uint8_t reserved[0x200 - 0x90];	  /* 0x090 zero */
} ss_amd_ecdsa_sig;

_Static_assert(sizeof(ss_amd_ecdsa_sig) == SS_AMD_ECDSA_SIG_SIZE, "ECDSA signature is 0x200 bytes");
_Static_assert(offsetof(ss_amd_ecdsa_sig, r) == 0x00, "ECDSA signature R @0x00");
_Static_assert(offsetof(ss_amd_ecdsa_sig, s) == 0x48, "ECDSA signature S @0x48");
_Static_assert(offsetof(ss_amd_ecdsa_sig, reserved) == 0x90, "ECDSA signature reserved @0x90");

/* ID authentication information (4096 bytes; firmware-abi.md §4.9, attestation.md §11). */
typedef struct ss_snp_id_auth_info {
	uint32_t id_key_algo;	       /* 0x000 SS_SNP_ID_ALGO_ECDSA_P384_SHA384 */
	uint32_t auth_key_algo;	       /* 0x004 same encoding, for the author key */
	uint8_t reserved0[0x38];       /* 0x008 */
	ss_amd_ecdsa_sig id_block_sig; /* 0x040 ID key's signature over the 96-byte ID block */
	ss_amd_ecdsa_pubkey id_key;    /* 0x240 the ID key */
	uint8_t reserved1[0x3C];       /* 0x644 */
	ss_amd_ecdsa_sig id_key_sig;   /* 0x680 author key's signature over the 0x404-byte ID_KEY */
	ss_amd_ecdsa_pubkey author_key; /* 0x880 the author key (zero when there is none) */
	uint8_t reserved2[0x37C];	/* 0xC84 */
} ss_snp_id_auth_info;

_Static_assert(sizeof(ss_snp_id_auth_info) == SS_SNP_ID_AUTH_SIZE, "ID auth info is 4096 bytes");
_Static_assert(offsetof(ss_snp_id_auth_info, id_key_algo) == 0x000, "ID_KEY_ALGO @0x000");
_Static_assert(offsetof(ss_snp_id_auth_info, auth_key_algo) == 0x004, "AUTH_KEY_ALGO @0x004");
_Static_assert(offsetof(ss_snp_id_auth_info, reserved0) == 0x008, "reserved @0x008");
_Static_assert(offsetof(ss_snp_id_auth_info, id_block_sig) == 0x040, "ID_BLOCK_SIG @0x040");
_Static_assert(offsetof(ss_snp_id_auth_info, id_key) == 0x240, "ID_KEY @0x240");
_Static_assert(offsetof(ss_snp_id_auth_info, reserved1) == 0x644, "reserved @0x644");
_Static_assert(offsetof(ss_snp_id_auth_info, id_key_sig) == 0x680, "ID_KEY_SIG @0x680");
_Static_assert(offsetof(ss_snp_id_auth_info, author_key) == 0x880, "AUTHOR_KEY @0x880");
_Static_assert(offsetof(ss_snp_id_auth_info, reserved2) == 0xC84, "reserved @0xC84");

#endif
