/* Legacy SEV certificates, byte for byte.
 *
 * Two formats (firmware-abi.md §3.1-§3.3, attestation.md §13):
 *   - the SEV certificate ("SEV API Appendix C.1"): PEK, PDH, OCA, CEK and the guest owner's GODH,
 *     always 0x824 (2084) bytes;
 *   - AMD's CA certificate ("SEV API Appendix B.1"): ARK and ASK, a 0x40-byte header followed by
 *     the public exponent, the modulus and the RSA signature, each sized by the header (832 bytes
 *     for RSA-2048, 1600 for RSA-4096).
 * Every integer is little-endian, including the big numbers (EC coordinates, RSA modulus and
 * exponent, signatures): they are stored least significant byte first. The structs below are
 * overlays of the wire format on a little-endian host.
 */
#ifndef SOFTSEV_ABI_SEV_CERT_H
#define SOFTSEV_ABI_SEV_CERT_H

#include <stddef.h>
#include <stdint.h>

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "the SEV certificate overlays assume a little-endian host");

/* PUBKEY_USAGE / SIGn_USAGE codes (firmware-abi.md §3.1; attestation.md §13.2).
 * X(name, value, one-line hint) */
#define SS_SEV_USAGE_LIST(X)                                                                       \
	X(ARK, 0x0000, "AMD root key (AMD CA format)")                                             \
	X(ASK, 0x0013, "AMD SEV signing key (AMD CA format)")                                      \
	X(INVALID, 0x1000, "empty signature slot")                                                 \
	X(OCA, 0x1001, "owner certificate authority")                                              \
	X(PEK, 0x1002, "platform endorsement key")                                                 \
	X(PDH, 0x1003, "platform Diffie-Hellman key")                                              \
	X(CEK, 0x1004, "chip endorsement key")

enum ss_sev_usage {
#define SS_SEV_USAGE_ENUM(name, value, hint) SS_SEV_USAGE_##name = value,
	SS_SEV_USAGE_LIST(SS_SEV_USAGE_ENUM)
#undef SS_SEV_USAGE_ENUM
};

/* PUBKEY_ALGO / SIGn_ALGO codes (firmware-abi.md §3.1). The hash named by the code is the hash of
 * the signed body; the key size is independent of it (real P-384 keys use ECDSA_SHA256). */
#define SS_SEV_ALGO_LIST(X)                                                                        \
	X(INVALID, 0x0000, "no algorithm (empty slot)")                                            \
	X(RSA_SHA256, 0x0001, "RSA-PSS with SHA-256")                                              \
	X(ECDSA_SHA256, 0x0002, "ECDSA with SHA-256")                                              \
	X(ECDH_SHA256, 0x0003, "ECDH key, SHA-256")                                                \
	X(RSA_SHA384, 0x0101, "RSA-PSS with SHA-384")                                              \
	X(ECDSA_SHA384, 0x0102, "ECDSA with SHA-384")                                              \
	X(ECDH_SHA384, 0x0103, "ECDH key, SHA-384")

enum ss_sev_algo {
#define SS_SEV_ALGO_ENUM(name, value, hint) SS_SEV_ALGO_##name = value,
	SS_SEV_ALGO_LIST(SS_SEV_ALGO_ENUM)
#undef SS_SEV_ALGO_ENUM
};

/* EC curve ids in the public key (firmware-abi.md §3.1). */
#define SS_SEV_CURVE_LIST(X)                                                                       \
	X(INVALID, 0, "no curve")                                                                  \
	X(P256, 1, "NIST P-256")                                                                   \
	X(P384, 2, "NIST P-384")

enum ss_sev_curve {
#define SS_SEV_CURVE_ENUM(name, value, hint) SS_SEV_CURVE_##name = value,
	SS_SEV_CURVE_LIST(SS_SEV_CURVE_ENUM)
#undef SS_SEV_CURVE_ENUM
};

/* ---- SEV certificate (firmware-abi.md §3.1, attestation.md §13.2) ---- */

#define SS_SEV_CERT_SIZE      0x824 /* 2084 */
#define SS_SEV_CERT_VERSION   1
#define SS_SEV_CERT_BODY_SIZE 0x414 /* signed bytes: VERSION through PUBKEY */
#define SS_SEV_PUBKEY_SIZE    0x404
#define SS_SEV_SIG_SIZE	      0x200
#define SS_SEV_EC_COORD_SIZE  72  /* coordinates and r/s, zero-padded little-endian */
#define SS_SEV_RSA_MAX_BYTES  512 /* 4096-bit modulus / exponent / signature */
#define SS_SEV_CERT_SIG_SLOTS 2
#define SS_SEV_CHAIN_CERTS    3 /* PDH_CERT_EXPORT cert_chain: PEK, OCA, CEK (§3.3) */
#define SS_SEV_CHAIN_SIZE     (SS_SEV_CHAIN_CERTS * SS_SEV_CERT_SIZE)

/* PUBKEY for ECDSA / ECDH keys: curve id, then qx and qy (firmware-abi.md §3.1). */
struct ss_sev_ec_pubkey {
	uint32_t curve;			  /* 0x000 */
	uint8_t qx[SS_SEV_EC_COORD_SIZE]; /* 0x004 */
	uint8_t qy[SS_SEV_EC_COORD_SIZE]; /* 0x04C */
	uint8_t reserved[0x404 - 0x94];	  /* 0x094, must be zero */
} __attribute__((packed));

/* PUBKEY for RSA keys: modulus size in bits, exponent, modulus (firmware-abi.md §3.1). */
struct ss_sev_rsa_pubkey {
	uint32_t modulus_size;		       /* 0x000, bits */
	uint8_t pub_exp[SS_SEV_RSA_MAX_BYTES]; /* 0x004 */
	uint8_t modulus[SS_SEV_RSA_MAX_BYTES]; /* 0x204 */
} __attribute__((packed));

union ss_sev_pubkey {
	struct ss_sev_ec_pubkey ec;
	struct ss_sev_rsa_pubkey rsa;
	uint8_t raw[SS_SEV_PUBKEY_SIZE];
};

/* Signature bodies (firmware-abi.md §3.1): ECDSA r and s, or one RSA integer, little-endian. */
struct ss_sev_ecdsa_sig {
	uint8_t r[SS_SEV_EC_COORD_SIZE]; /* 0x000 */
	uint8_t s[SS_SEV_EC_COORD_SIZE]; /* 0x048 */
	uint8_t reserved[0x200 - 0x90];	 /* 0x090, must be zero */
} __attribute__((packed));

union ss_sev_sig_body {
	struct ss_sev_ecdsa_sig ecdsa;
	uint8_t rsa[SS_SEV_RSA_MAX_BYTES];
	uint8_t raw[SS_SEV_SIG_SIZE];
};

/* One signature slot: the signer's usage and algorithm, then its signature. */
struct ss_sev_sig_slot {
	uint32_t usage;		   /* +0x0 */
	uint32_t algo;		   /* +0x4 */
	union ss_sev_sig_body sig; /* +0x8 */
} __attribute__((packed));

struct ss_sev_cert {
	uint32_t version;				   /* 0x000, = 1 */
	uint8_t api_major;				   /* 0x004 */
	uint8_t api_minor;				   /* 0x005 */
	uint8_t reserved[2];				   /* 0x006, must be zero */
	uint32_t pubkey_usage;				   /* 0x008 */
	uint32_t pubkey_algo;				   /* 0x00C */
	union ss_sev_pubkey pubkey;			   /* 0x010 */
	struct ss_sev_sig_slot sig[SS_SEV_CERT_SIG_SLOTS]; /* 0x414, 0x61C */
} __attribute__((packed));

_Static_assert(sizeof(struct ss_sev_ec_pubkey) == SS_SEV_PUBKEY_SIZE, "EC pubkey size");
_Static_assert(offsetof(struct ss_sev_ec_pubkey, qx) == 0x04, "EC qx");
_Static_assert(offsetof(struct ss_sev_ec_pubkey, qy) == 0x4C, "EC qy");
_Static_assert(offsetof(struct ss_sev_ec_pubkey, reserved) == 0x94, "EC reserved");
_Static_assert(sizeof(struct ss_sev_rsa_pubkey) == SS_SEV_PUBKEY_SIZE, "RSA pubkey size");
_Static_assert(offsetof(struct ss_sev_rsa_pubkey, pub_exp) == 0x004, "RSA pub_exp");
_Static_assert(offsetof(struct ss_sev_rsa_pubkey, modulus) == 0x204, "RSA modulus");
_Static_assert(sizeof(union ss_sev_pubkey) == SS_SEV_PUBKEY_SIZE, "pubkey union size");
_Static_assert(sizeof(struct ss_sev_ecdsa_sig) == SS_SEV_SIG_SIZE, "ECDSA sig size");
_Static_assert(offsetof(struct ss_sev_ecdsa_sig, s) == 0x48, "ECDSA s");
_Static_assert(offsetof(struct ss_sev_ecdsa_sig, reserved) == 0x90, "ECDSA reserved");
_Static_assert(sizeof(union ss_sev_sig_body) == SS_SEV_SIG_SIZE, "sig union size");
_Static_assert(sizeof(struct ss_sev_sig_slot) == 0x208, "sig slot size");
_Static_assert(offsetof(struct ss_sev_sig_slot, sig) == 0x8, "sig slot body");
_Static_assert(sizeof(struct ss_sev_cert) == SS_SEV_CERT_SIZE, "SEV certificate is 0x824 bytes");
_Static_assert(offsetof(struct ss_sev_cert, api_major) == 0x004, "API_MAJOR");
_Static_assert(offsetof(struct ss_sev_cert, api_minor) == 0x005, "API_MINOR");
_Static_assert(offsetof(struct ss_sev_cert, reserved) == 0x006, "reserved");
_Static_assert(offsetof(struct ss_sev_cert, pubkey_usage) == 0x008, "PUBKEY_USAGE");
_Static_assert(offsetof(struct ss_sev_cert, pubkey_algo) == 0x00C, "PUBKEY_ALGO");
_Static_assert(offsetof(struct ss_sev_cert, pubkey) == 0x010, "PUBKEY");
_Static_assert(offsetof(struct ss_sev_cert, sig) == SS_SEV_CERT_BODY_SIZE, "SIG1_USAGE");
_Static_assert(offsetof(struct ss_sev_cert, sig[0].algo) == 0x418, "SIG1_ALGO");
_Static_assert(offsetof(struct ss_sev_cert, sig[0].sig) == 0x41C, "SIG1");
_Static_assert(offsetof(struct ss_sev_cert, sig[1].usage) == 0x61C, "SIG2_USAGE");
_Static_assert(offsetof(struct ss_sev_cert, sig[1].algo) == 0x620, "SIG2_ALGO");
_Static_assert(offsetof(struct ss_sev_cert, sig[1].sig) == 0x624, "SIG2");

/* ---- AMD CA certificate, ARK and ASK (firmware-abi.md §3.2, attestation.md §13.1) ---- */

#define SS_AMD_CERT_VERSION	1
#define SS_AMD_CERT_HDR_SIZE	0x40
#define SS_AMD_CERT_KEY_ID_SIZE 16
#define SS_AMD_CERT_MAX_BYTES	512				 /* 4096-bit numbers */
#define SS_AMD_CERT_SIZE_2K	(SS_AMD_CERT_HDR_SIZE + 3 * 256) /* 832, Naples */
#define SS_AMD_CERT_SIZE_4K	(SS_AMD_CERT_HDR_SIZE + 3 * 512) /* 1600, Rome and later */
#define SS_AMD_CERT_MAX_SIZE	SS_AMD_CERT_SIZE_4K

/* The fixed header; PUBEXP, MODULUS and SIGNATURE follow at 0x40, sized by the two size fields
 * (the signature is as long as the modulus). */
struct ss_amd_cert_hdr {
	uint32_t version;				/* 0x00, = 1 */
	uint8_t key_id[SS_AMD_CERT_KEY_ID_SIZE];	/* 0x04 */
	uint8_t certifying_id[SS_AMD_CERT_KEY_ID_SIZE]; /* 0x14, = KEY_ID for the self-signed ARK */
	uint32_t key_usage;				/* 0x24, ARK 0x00, ASK 0x13 */
	uint8_t reserved[16];				/* 0x28, must be zero */
	uint32_t pubexp_size;				/* 0x38, bits: 2048 or 4096 */
	uint32_t modulus_size;				/* 0x3C, bits: 2048 or 4096 */
} __attribute__((packed));

_Static_assert(sizeof(struct ss_amd_cert_hdr) == SS_AMD_CERT_HDR_SIZE, "AMD cert header");
_Static_assert(offsetof(struct ss_amd_cert_hdr, key_id) == 0x04, "KEY_ID");
_Static_assert(offsetof(struct ss_amd_cert_hdr, certifying_id) == 0x14, "CERTIFYING_ID");
_Static_assert(offsetof(struct ss_amd_cert_hdr, key_usage) == 0x24, "KEY_USAGE");
_Static_assert(offsetof(struct ss_amd_cert_hdr, reserved) == 0x28, "reserved");
_Static_assert(offsetof(struct ss_amd_cert_hdr, pubexp_size) == 0x38, "PUBEXP_SIZE");
_Static_assert(offsetof(struct ss_amd_cert_hdr, modulus_size) == 0x3C, "MODULUS_SIZE");

#endif
