/* SEV-SNP guest messages (SNP_GUEST_REQUEST) and the Linux /dev/sev-guest UAPI, byte for byte.
 *
 * Source: firmware-abi.md §5.1 (message header and crypto), §5.2 (MSG_REPORT), §5.3 (MSG_KEY),
 * §5.4 (MSG_TSC_INFO), §5.5 (/dev/sev-guest ioctls and structs). All little-endian, packed.
 */
#ifndef SOFTSEV_ABI_SNP_GUEST_MSG_H
#define SOFTSEV_ABI_SNP_GUEST_MSG_H

#include <softsev/abi/report.h>
#include <stddef.h>
#include <stdint.h>

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "softsev ABI structs are little-endian");

#define SS_SNP_MSG_PAGE_SIZE	0x1000u
#define SS_SNP_MSG_HDR_SIZE	0x60u
#define SS_SNP_MSG_MAX_PAYLOAD	4000u /* §5.1: 0x1000 - 0x60 */
#define SS_SNP_MSG_ALGO_AES_GCM 1u
#define SS_SNP_MSG_HDR_VERSION	1u
#define SS_SNP_MSG_TAG_LEN	16u
#define SS_SNP_MSG_IV_LEN	12u   /* MSG_SEQNO (8 bytes LE) || 4 zero bytes */
#define SS_SNP_MSG_AAD_OFF	0x30u /* AAD = header bytes 0x30..0x5F */
#define SS_SNP_MSG_AAD_LEN	0x30u

/* X(name, type, hint): message types (firmware-abi.md §5.1). Responses are the request + 1. */
#define SS_SNP_MSG_TYPE_LIST(X)                                                                    \
	X(MSG_CPUID_REQ, 1, "CPUID values check")                                                  \
	X(MSG_CPUID_RSP, 2, "")                                                                    \
	X(MSG_KEY_REQ, 3, "derived key")                                                           \
	X(MSG_KEY_RSP, 4, "")                                                                      \
	X(MSG_REPORT_REQ, 5, "attestation report")                                                 \
	X(MSG_REPORT_RSP, 6, "")                                                                   \
	X(MSG_EXPORT_REQ, 7, "migration agent: export a guest context")                            \
	X(MSG_EXPORT_RSP, 8, "")                                                                   \
	X(MSG_IMPORT_REQ, 9, "migration agent: import a guest context")                            \
	X(MSG_IMPORT_RSP, 10, "")                                                                  \
	X(MSG_ABSORB_REQ, 11, "migration agent: absorb a guest context")                           \
	X(MSG_ABSORB_RSP, 12, "")                                                                  \
	X(MSG_VMRK_REQ, 13, "migration agent: set the VMRK")                                       \
	X(MSG_VMRK_RSP, 14, "")                                                                    \
	X(MSG_ABSORB_NOMA_REQ, 15, "absorb without a migration agent")                             \
	X(MSG_ABSORB_NOMA_RSP, 16, "")                                                             \
	X(MSG_TSC_INFO_REQ, 17, "Secure TSC parameters")                                           \
	X(MSG_TSC_INFO_RSP, 18, "")

enum ss_snp_msg_type {
#define SS_SNP_MSG_TYPE_ENUM(name, type, hint) SS_SNP_##name = type,
	SS_SNP_MSG_TYPE_LIST(SS_SNP_MSG_TYPE_ENUM)
#undef SS_SNP_MSG_TYPE_ENUM
};

#define SS_SNP_GM_ASSERT(type, field, off)                                                         \
	_Static_assert(offsetof(type, field) == (off), #type "." #field " at " #off)
#define SS_SNP_GM_SIZE(type, size) _Static_assert(sizeof(type) == (size), #type " size")

/* The message header at the start of the request and response pages (§5.1). */
struct ss_snp_msg_hdr {
	uint8_t authtag[32];	 /* 0x00: GCM tag in bytes 0..15, the rest 0 */
	uint64_t msg_seqno;	 /* 0x20 */
	uint8_t reserved_28[8];	 /* 0x28 */
	uint8_t algo;		 /* 0x30: 1 = AES-256-GCM */
	uint8_t hdr_version;	 /* 0x31: 1 */
	uint16_t hdr_sz;	 /* 0x32: 0x60 */
	uint8_t msg_type;	 /* 0x34: enum ss_snp_msg_type */
	uint8_t msg_version;	 /* 0x35 */
	uint16_t msg_sz;	 /* 0x36: payload bytes, <= 4000 */
	uint8_t reserved_38[4];	 /* 0x38 */
	uint8_t msg_vmpck;	 /* 0x3C: 0..3 */
	uint8_t reserved_3d[35]; /* 0x3D */
} __attribute__((packed));
SS_SNP_GM_SIZE(struct ss_snp_msg_hdr, SS_SNP_MSG_HDR_SIZE);
SS_SNP_GM_ASSERT(struct ss_snp_msg_hdr, msg_seqno, 0x20);
SS_SNP_GM_ASSERT(struct ss_snp_msg_hdr, algo, SS_SNP_MSG_AAD_OFF);
SS_SNP_GM_ASSERT(struct ss_snp_msg_hdr, hdr_sz, 0x32);
SS_SNP_GM_ASSERT(struct ss_snp_msg_hdr, msg_type, 0x34);
SS_SNP_GM_ASSERT(struct ss_snp_msg_hdr, msg_sz, 0x36);
SS_SNP_GM_ASSERT(struct ss_snp_msg_hdr, msg_vmpck, 0x3C);
SS_SNP_GM_ASSERT(struct ss_snp_msg_hdr, reserved_3d, 0x3D);

/* A whole message page. */
struct ss_snp_msg {
	struct ss_snp_msg_hdr hdr;		 /* 0x000 */
	uint8_t payload[SS_SNP_MSG_MAX_PAYLOAD]; /* 0x060 */
} __attribute__((packed));
SS_SNP_GM_SIZE(struct ss_snp_msg, SS_SNP_MSG_PAGE_SIZE);

/* ---- MSG_REPORT_REQ / RSP (§5.2) --------------------------------------------------------------
 */

#define SS_SNP_REPORT_KEY_SEL_MASK 0x3u
enum ss_snp_key_sel {
#define SS_SNP_KEY_SEL_ENUM(name, v, hint) SS_SNP_KEY_SEL_##name = v,
	SS_SNP_KEY_SEL_LIST(SS_SNP_KEY_SEL_ENUM)
#undef SS_SNP_KEY_SEL_ENUM
};

struct ss_snp_msg_report_req {
	uint8_t report_data[64]; /* 0x00 */
	uint32_t vmpl;		 /* 0x40: >= the requester's VMPL, <= 3 */
	uint32_t key_sel;	 /* 0x44: bits 1:0 SS_SNP_KEY_SEL_* (abi/report.h) */
	uint8_t reserved[24];	 /* 0x48 */
} __attribute__((packed));
SS_SNP_GM_SIZE(struct ss_snp_msg_report_req, 0x60);
SS_SNP_GM_ASSERT(struct ss_snp_msg_report_req, vmpl, 0x40);
SS_SNP_GM_ASSERT(struct ss_snp_msg_report_req, key_sel, 0x44);

struct ss_snp_msg_report_rsp {
	uint32_t status;		    /* 0x00: 0, 0x16 INVALID_PARAM, 0x27 INVALID_KEY */
	uint32_t report_size;		    /* 0x04: 0x4A0 */
	uint8_t reserved[24];		    /* 0x08 */
	uint8_t report[SS_SNP_REPORT_SIZE]; /* 0x20 */
} __attribute__((packed));
SS_SNP_GM_SIZE(struct ss_snp_msg_report_rsp, 0x4C0);
SS_SNP_GM_ASSERT(struct ss_snp_msg_report_rsp, report, 0x20);

/* ---- MSG_KEY_REQ / RSP (§5.3) -----------------------------------------------------------------
 */

#define SS_SNP_KEY_ROOT_VMRK (1u << 0) /* ROOT_KEY_SELECT: 0 = VCEK-derived chip key, 1 = VMRK */
/* GUEST_FIELD_SELECT bits. */
#define SS_SNP_GFS_POLICY	     (1ull << 0)
#define SS_SNP_GFS_IMAGE_ID	     (1ull << 1)
#define SS_SNP_GFS_FAMILY_ID	     (1ull << 2)
#define SS_SNP_GFS_MEASUREMENT	     (1ull << 3)
#define SS_SNP_GFS_GUEST_SVN	     (1ull << 4)
#define SS_SNP_GFS_TCB_VERSION	     (1ull << 5)
#define SS_SNP_GFS_LAUNCH_MIT_VECTOR (1ull << 6)
#define SS_SNP_GFS_KNOWN	     0x7Full

struct ss_snp_msg_key_req {
	uint32_t root_key_select;    /* 0x00: bit 0; 31:1 reserved */
	uint32_t reserved_04;	     /* 0x04 */
	uint64_t guest_field_select; /* 0x08 */
	uint32_t vmpl;		     /* 0x10: >= the requester's VMPL, <= 3 */
	uint32_t guest_svn;	     /* 0x14: <= the guest's GUEST_SVN */
	uint64_t tcb_version;	     /* 0x18: <= COMMITTED_TCB */
	uint64_t launch_mit_vector;  /* 0x20: MSG_VERSION 2 only */
} __attribute__((packed));
SS_SNP_GM_SIZE(struct ss_snp_msg_key_req, 0x28);
SS_SNP_GM_ASSERT(struct ss_snp_msg_key_req, guest_field_select, 0x08);
SS_SNP_GM_ASSERT(struct ss_snp_msg_key_req, tcb_version, 0x18);
#define SS_SNP_MSG_KEY_REQ_V1_SIZE 0x20u

struct ss_snp_msg_key_rsp {
	uint32_t status;	 /* 0x00: 0 or 0x16 INVALID_PARAM */
	uint8_t reserved[28];	 /* 0x04 */
	uint8_t derived_key[32]; /* 0x20 */
} __attribute__((packed));
SS_SNP_GM_SIZE(struct ss_snp_msg_key_rsp, 0x40);

/* ---- MSG_TSC_INFO_REQ / RSP (§5.4) ------------------------------------------------------------
 */

struct ss_snp_msg_tsc_info_req {
	uint8_t reserved[128]; /* all zero */
} __attribute__((packed));
SS_SNP_GM_SIZE(struct ss_snp_msg_tsc_info_req, 0x80);

struct ss_snp_msg_tsc_info_rsp {
	uint32_t status;       /* 0x00 */
	uint32_t reserved_04;  /* 0x04 */
	uint64_t tsc_scale;    /* 0x08 */
	uint64_t tsc_offset;   /* 0x10 */
	uint32_t tsc_factor;   /* 0x18 */
	uint8_t reserved[100]; /* 0x1C */
} __attribute__((packed));
SS_SNP_GM_SIZE(struct ss_snp_msg_tsc_info_rsp, 0x80);
SS_SNP_GM_ASSERT(struct ss_snp_msg_tsc_info_rsp, tsc_factor, 0x18);

/* ---- /dev/sev-guest (Linux include/uapi/linux/sev-guest.h; firmware-abi.md §5.5) --------------
 */

#define SS_SNP_GET_REPORT	   0xC0205300u /* _IOWR('S', 0, struct snp_guest_request_ioctl) */
#define SS_SNP_GET_DERIVED_KEY	   0xC0205301u
#define SS_SNP_GET_EXT_REPORT	   0xC0205302u
#define SS_SNP_VMM_ERR_INVALID_LEN 1u /* certs buffer too small: certs_len is the needed size */
#define SS_SNP_VMM_ERR_BUSY	   2u
#define SS_SNP_EXT_CERTS_MAX	   0x4000u /* certs_len: page-aligned, at most 16 KiB */

struct ss_snp_guest_request_ioctl {
	uint8_t msg_version; /* 0x00: must be non-zero */
	uint8_t pad[7];
	uint64_t req_data;  /* 0x08: user pointer to the request struct */
	uint64_t resp_data; /* 0x10: user pointer to the response struct */
	union {		    /* 0x18 */
		uint64_t exitinfo2;
		struct {
			uint32_t fw_error;  /* firmware status (0xffffffff: firmware not called) */
			uint32_t vmm_error; /* SS_SNP_VMM_ERR_* */
		};
	};
} __attribute__((packed));
SS_SNP_GM_SIZE(struct ss_snp_guest_request_ioctl, 32);
SS_SNP_GM_ASSERT(struct ss_snp_guest_request_ioctl, req_data, 0x08);
SS_SNP_GM_ASSERT(struct ss_snp_guest_request_ioctl, exitinfo2, 0x18);

struct ss_snp_report_req {
	uint8_t user_data[64]; /* 0x00 */
	uint32_t vmpl;	       /* 0x40 */
	uint8_t rsvd[28];      /* 0x44: Linux passes 0 (KEY_SEL 0: VLEK if loaded, else VCEK) */
} __attribute__((packed));
SS_SNP_GM_SIZE(struct ss_snp_report_req, 96);

struct ss_snp_report_resp {
	uint8_t
	    data[4000]; /* the decrypted MSG_REPORT_RSP payload (struct ss_snp_msg_report_rsp) */
} __attribute__((packed));
SS_SNP_GM_SIZE(struct ss_snp_report_resp, 4000);

struct ss_snp_derived_key_req {
	uint32_t root_key_select;    /* 0x00 */
	uint32_t rsvd;		     /* 0x04 */
	uint64_t guest_field_select; /* 0x08 */
	uint32_t vmpl;		     /* 0x10 */
	uint32_t guest_svn;	     /* 0x14 */
	uint64_t tcb_version;	     /* 0x18 */
} __attribute__((packed));
SS_SNP_GM_SIZE(struct ss_snp_derived_key_req, 32);

struct ss_snp_derived_key_resp {
	uint8_t data[64]; /* the decrypted MSG_KEY_RSP payload (struct ss_snp_msg_key_rsp) */
} __attribute__((packed));
SS_SNP_GM_SIZE(struct ss_snp_derived_key_resp, 64);

struct ss_snp_ext_report_req {
	struct ss_snp_report_req data; /* 0x00 */
	uint64_t certs_address;	       /* 0x60: user pointer to the certificate buffer */
	uint32_t certs_len;	       /* 0x68: page-aligned, <= 16 KiB; in: room, out: needed */
	uint32_t pad;		       /* 0x6C: Linux's struct is not packed (natural alignment) */
} __attribute__((packed));
SS_SNP_GM_SIZE(struct ss_snp_ext_report_req, 0x70);
SS_SNP_GM_ASSERT(struct ss_snp_ext_report_req, certs_len, 0x68);

#undef SS_SNP_GM_ASSERT
#undef SS_SNP_GM_SIZE

#endif
