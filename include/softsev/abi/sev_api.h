/* The legacy SEV firmware API (SEV and SEV-ES): command ids, status codes, platform and guest
 * states, guest policy bits, and every command buffer byte for byte.
 *
 * Source: firmware-abi.md §1 (command ids §1.3, status codes §1.4, buffers §1.5, states §1.2,
 * §1.6), §2 (policy) and §3.4-§3.6 (session blob, measurement, secret header). The buffer layouts
 * are those of Linux include/linux/psp-sev.h (struct sev_data_*), all little-endian and packed;
 * SEND_UPDATE_VMSA follows the 8-offset layout of its siblings (firmware-abi.md §1.5 "Gotcha").
 */
#ifndef SOFTSEV_ABI_SEV_API_H
#define SOFTSEV_ABI_SEV_API_H

#include <stddef.h>
#include <stdint.h>

/* X(name, id, one-line hint) — every legacy SEV API command (firmware-abi.md §1.3). */
#define SS_SEV_CMD_LIST(X)                                                                         \
	X(INIT, 0x01, "initialise the platform (UNINIT -> INIT)")                                  \
	X(SHUTDOWN, 0x02, "discard every guest context and return to UNINIT")                      \
	X(FACTORY_RESET, 0x03, "erase PEK, PDH and OCA; owner becomes self (PLATFORM_RESET)")      \
	X(PLATFORM_STATUS, 0x04, "report API version, state, owner, CONFIG_ES, build, guests")     \
	X(PEK_GEN, 0x05, "generate a new PEK (self-signed OCA) and PDH")                           \
	X(PEK_CSR, 0x06, "return the PEK as an unsigned certificate for an OCA to sign")           \
	X(PEK_CERT_IMPORT, 0x07, "install an OCA-signed PEK and its OCA (owner -> external)")      \
	X(PDH_CERT_EXPORT, 0x08, "export the PDH and the chain PEK || OCA || CEK")                 \
	X(PDH_GEN, 0x09, "generate a new PDH signed by the PEK")                                   \
	X(DF_FLUSH, 0x0A, "flush the data fabric; frees ASIDs deactivated before a WBINVD")        \
	X(DOWNLOAD_FIRMWARE, 0x0B, "load a new firmware image")                                    \
	X(GET_ID, 0x0C, "return the 64-byte chip id used to fetch the CEK")                        \
	X(INIT_EX, 0x0D, "initialise with an OS-provided non-volatile area")                       \
	X(NOP, 0x0E, "do nothing")                                                                 \
	X(RING_BUFFER, 0x0F, "switch the mailbox to ring-buffer mode")                             \
	X(DECOMMISSION, 0x20, "free a deactivated guest context")                                  \
	X(ACTIVATE, 0x21, "bind a guest's key to an ASID")                                         \
	X(DEACTIVATE, 0x22, "unbind a guest's key from its ASID")                                  \
	X(GUEST_STATUS, 0x23, "report a guest's policy, ASID and state")                           \
	X(COPY, 0x24, "copy guest pages re-encrypting them")                                       \
	X(ACTIVATE_EX, 0x25, "activate with an APIC id list")                                      \
	X(LAUNCH_START, 0x30, "create a guest context from the owner's session")                   \
	X(LAUNCH_UPDATE_DATA, 0x31, "encrypt guest pages in place and measure them")               \
	X(LAUNCH_UPDATE_VMSA, 0x32, "encrypt an SEV-ES VMSA in place and measure it")              \
	X(LAUNCH_MEASURE, 0x33, "return the launch measurement HMAC (LUPDATE -> LSECRET)")         \
	X(LAUNCH_SECRET, 0x34, "inject a secret packet MAC'd and encrypted by the owner")          \
	X(LAUNCH_FINISH, 0x35, "finish the launch (LSECRET -> RUNNING)")                           \
	X(ATTESTATION, 0x36, "PEK-signed report over the launch digest")                           \
	X(SEND_START, 0x40, "start migrating a guest out")                                         \
	X(SEND_UPDATE_DATA, 0x41, "re-encrypt guest pages under the transport key")                \
	X(SEND_UPDATE_VMSA, 0x42, "re-encrypt a VMSA under the transport key")                     \
	X(SEND_FINISH, 0x43, "finish migrating out (SUPDATE -> SENT)")                             \
	X(SEND_CANCEL, 0x44, "cancel migrating out (SUPDATE -> RUNNING)")                          \
	X(RECEIVE_START, 0x50, "create a guest context for an incoming guest")                     \
	X(RECEIVE_UPDATE_DATA, 0x51, "decrypt transported pages into the guest")                   \
	X(RECEIVE_UPDATE_VMSA, 0x52, "decrypt a transported VMSA into the guest")                  \
	X(RECEIVE_FINISH, 0x53, "finish migrating in (RUPDATE -> RUNNING)")                        \
	X(DBG_DECRYPT, 0x60, "decrypt guest memory for a debugger (policy NODBG = 0)")             \
	X(DBG_ENCRYPT, 0x61, "encrypt into guest memory for a debugger (policy NODBG = 0)")        \
	X(SWAP_OUT, 0x70, "swap a guest page out")                                                 \
	X(SWAP_IN, 0x71, "swap a guest page in")

enum ss_sev_cmd {
#define SS_SEV_CMD_ENUM(name, id, hint) SS_SEV_CMD_##name = id,
	SS_SEV_CMD_LIST(SS_SEV_CMD_ENUM)
#undef SS_SEV_CMD_ENUM
};

/* X(name, code, one-line hint) — firmware status codes (firmware-abi.md §1.4). */
#define SS_SEV_STATUS_LIST(X)                                                                      \
	X(SUCCESS, 0x00, "the command succeeded")                                                  \
	X(INVALID_PLATFORM_STATE, 0x01, "the platform is not in a state that allows the command")  \
	X(INVALID_GUEST_STATE, 0x02, "the guest is not in a state that allows the command")        \
	X(INVALID_CONFIG, 0x03, "the platform configuration is invalid")                           \
	X(INVALID_LENGTH, 0x04,                                                                    \
	  "a length is wrong or a buffer too small (required length returned)")                    \
	X(ALREADY_OWNED, 0x05, "the platform is already owned")                                    \
	X(INVALID_CERTIFICATE, 0x06, "a certificate is malformed or of the wrong kind")            \
	X(POLICY_FAILURE, 0x07, "the guest policy forbids the command")                            \
	X(INACTIVE, 0x08, "the guest is not activated (no ASID bound)")                            \
	X(INVALID_ADDRESS, 0x09, "an address is invalid, misaligned or out of range")              \
	X(BAD_SIGNATURE, 0x0A, "a signature does not verify")                                      \
	X(BAD_MEASUREMENT, 0x0B, "a MAC or measurement does not match")                            \
	X(ASID_OWNED, 0x0C, "the ASID is bound to another guest")                                  \
	X(INVALID_ASID, 0x0D, "the ASID is out of range")                                          \
	X(WBINVD_REQUIRED, 0x0E, "WBINVD must run on all cores before DF_FLUSH")                   \
	X(DFFLUSH_REQUIRED, 0x0F, "DF_FLUSH must run before the ASID can be reused")               \
	X(INVALID_GUEST, 0x10, "no guest context has this handle")                                 \
	X(INVALID_COMMAND, 0x11, "unknown or unsupported command id")                              \
	X(ACTIVE, 0x12, "the guest is still activated")                                            \
	X(HWERROR_PLATFORM, 0x13, "platform hardware error")                                       \
	X(HWERROR_UNSAFE, 0x14, "unsafe hardware error")                                           \
	X(UNSUPPORTED, 0x15, "the feature is not supported")                                       \
	X(INVALID_PARAM, 0x16, "a parameter or reserved field is invalid")                         \
	X(RESOURCE_LIMIT, 0x17, "out of guest contexts or other firmware resources")               \
	X(SECURE_DATA_INVALID, 0x18, "integrity check of secure data failed")                      \
	X(INVALID_PAGE_SIZE, 0x19, "invalid page size (SNP)")                                      \
	X(INVALID_PAGE_STATE, 0x1A, "invalid page state (SNP)")                                    \
	X(INVALID_MDATA_ENTRY, 0x1B, "invalid metadata entry (SNP)")                               \
	X(INVALID_PAGE_OWNER, 0x1C, "invalid page owner (SNP)")                                    \
	X(AEAD_OFLOW, 0x1D, "AEAD sequence number overflow (SNP)")                                 \
	X(RING_BUFFER_EXIT, 0x1F, "ring buffer mode exited")                                       \
	X(RMP_INIT_REQUIRED, 0x20, "the RMP must be initialised first")                            \
	X(BAD_SVN, 0x21, "security version number too low")                                        \
	X(BAD_VERSION, 0x22, "firmware version too low")                                           \
	X(SHUTDOWN_REQUIRED, 0x23, "SHUTDOWN must run first")                                      \
	X(UPDATE_FAILED, 0x24, "update failed")                                                    \
	X(RESTORE_REQUIRED, 0x25, "restore required")                                              \
	X(RMP_INITIALIZATION_FAILED, 0x26, "RMP initialisation failed")                            \
	X(INVALID_KEY, 0x27, "invalid key")

enum ss_sev_status {
#define SS_SEV_STATUS_ENUM(name, code, hint) SS_SEV_##name = code,
	SS_SEV_STATUS_LIST(SS_SEV_STATUS_ENUM)
#undef SS_SEV_STATUS_ENUM
};

/* Platform state, PLATFORM_STATUS.state (firmware-abi.md §1.2). */
enum ss_sev_platform_state {
	SS_SEV_PLATFORM_UNINIT = 0,
	SS_SEV_PLATFORM_INIT = 1,
	SS_SEV_PLATFORM_WORKING = 2,
};

/* Guest state, GUEST_STATUS.state, in the firmware's order (firmware-abi.md §1.2). */
enum ss_sev_guest_state {
	SS_SEV_GUEST_UNINIT = 0,
	SS_SEV_GUEST_LUPDATE = 1,
	SS_SEV_GUEST_LSECRET = 2,
	SS_SEV_GUEST_RUNNING = 3,
	SS_SEV_GUEST_SUPDATE = 4,
	SS_SEV_GUEST_RUPDATE = 5,
	SS_SEV_GUEST_SENT = 6,
};

/* Legacy guest policy bits (firmware-abi.md §2; Linux SEV_POLICY_MASK_*). */
#define SS_SEV_POLICY_NODBG	   (1u << 0)
#define SS_SEV_POLICY_NOKS	   (1u << 1)
#define SS_SEV_POLICY_ES	   (1u << 2)
#define SS_SEV_POLICY_NOSEND	   (1u << 3)
#define SS_SEV_POLICY_DOMAIN	   (1u << 4)
#define SS_SEV_POLICY_SEV	   (1u << 5)
#define SS_SEV_POLICY_RESERVED	   0x0000ffc0u /* bits 15:6 must be zero */
#define SS_SEV_POLICY_API_MAJOR(p) (((p) >> 16) & 0xffu)
#define SS_SEV_POLICY_API_MINOR(p) (((p) >> 24) & 0xffu)

/* INIT.options / PLATFORM_STATUS flags (firmware-abi.md §1.5). */
#define SS_SEV_INIT_FLAGS_CONFIG_ES   (1u << 0)
#define SS_SEV_STATUS_FLAGS_OWNER     (1u << 0)	      /* 1 = externally owned */
#define SS_SEV_STATUS_FLAGS_CONFIG_ES (1u << 8)	      /* byte 04 bit 0 seen as a u32 at 03 */
#define SS_SEV_TMR_SIZE		      (1024u * 1024u) /* SEV-ES TMR: 1 MiB, 1 MiB aligned */
#define SS_SEV_INIT_EX_NV_SIZE	      (32u * 1024u)   /* INIT_EX NV area */
#define SS_SEV_FW_BLOB_MAX_SIZE	      0x4000u	      /* Linux's cap on user blobs */
#define SS_SEV_ID_SIZE		      64u	      /* one chip id per socket (GET_ID) */

#define SS_SEV_PACKED __attribute__((packed))
#define SS_SEV_CHECK(type, field, off)                                                             \
	_Static_assert(offsetof(type, field) == (off), #type "." #field)
#define SS_SEV_SIZE(type, size) _Static_assert(sizeof(type) == (size), "sizeof " #type)

/* INIT 0x01 (Linux sev_data_init). */
struct ss_sev_data_init {
	uint32_t flags; /* bit0 CONFIG_ES */
	uint32_t reserved;
	uint64_t tmr_address;
	uint32_t tmr_len;
} SS_SEV_PACKED;
SS_SEV_SIZE(struct ss_sev_data_init, 0x14);
SS_SEV_CHECK(struct ss_sev_data_init, tmr_address, 0x08);
SS_SEV_CHECK(struct ss_sev_data_init, tmr_len, 0x10);

/* INIT_EX 0x0D (Linux sev_data_init_ex). */
struct ss_sev_data_init_ex {
	uint32_t length; /* = 0x24 */
	uint32_t flags;
	uint64_t tmr_address;
	uint32_t tmr_len;
	uint32_t reserved;
	uint64_t nv_address;
	uint32_t nv_len;
} SS_SEV_PACKED;
SS_SEV_SIZE(struct ss_sev_data_init_ex, 0x24);
SS_SEV_CHECK(struct ss_sev_data_init_ex, flags, 0x04);
SS_SEV_CHECK(struct ss_sev_data_init_ex, tmr_address, 0x08);
SS_SEV_CHECK(struct ss_sev_data_init_ex, tmr_len, 0x10);
SS_SEV_CHECK(struct ss_sev_data_init_ex, nv_address, 0x18);
SS_SEV_CHECK(struct ss_sev_data_init_ex, nv_len, 0x20);

/* PLATFORM_STATUS 0x04, output (Linux sev_user_data_status). */
struct ss_sev_data_status {
	uint8_t api_major;
	uint8_t api_minor;
	uint8_t state;
	uint32_t flags; /* bit0 OWNER, bit8 CONFIG_ES */
	uint8_t build;
	uint32_t guest_count;
} SS_SEV_PACKED;
SS_SEV_SIZE(struct ss_sev_data_status, 0x0C);
SS_SEV_CHECK(struct ss_sev_data_status, state, 0x02);
SS_SEV_CHECK(struct ss_sev_data_status, flags, 0x03);
SS_SEV_CHECK(struct ss_sev_data_status, build, 0x07);
SS_SEV_CHECK(struct ss_sev_data_status, guest_count, 0x08);

/* PEK_CSR 0x06, DOWNLOAD_FIRMWARE 0x0B, GET_ID 0x0C: an address and an in/out length
 * (Linux sev_data_pek_csr, sev_data_download_firmware, sev_data_get_id). */
struct ss_sev_data_addr_len {
	uint64_t address;
	uint32_t len;
} SS_SEV_PACKED;
SS_SEV_SIZE(struct ss_sev_data_addr_len, 0x0C);
SS_SEV_CHECK(struct ss_sev_data_addr_len, len, 0x08);

/* PEK_CERT_IMPORT 0x07 (Linux sev_data_pek_cert_import). */
struct ss_sev_data_pek_cert_import {
	uint64_t pek_cert_address;
	uint32_t pek_cert_len;
	uint32_t reserved;
	uint64_t oca_cert_address;
	uint32_t oca_cert_len;
} SS_SEV_PACKED;
SS_SEV_SIZE(struct ss_sev_data_pek_cert_import, 0x1C);
SS_SEV_CHECK(struct ss_sev_data_pek_cert_import, pek_cert_len, 0x08);
SS_SEV_CHECK(struct ss_sev_data_pek_cert_import, oca_cert_address, 0x10);
SS_SEV_CHECK(struct ss_sev_data_pek_cert_import, oca_cert_len, 0x18);

/* PDH_CERT_EXPORT 0x08 (Linux sev_data_pdh_cert_export). The chain is PEK || OCA || CEK. */
struct ss_sev_data_pdh_cert_export {
	uint64_t pdh_cert_address;
	uint32_t pdh_cert_len;
	uint32_t reserved;
	uint64_t cert_chain_address;
	uint32_t cert_chain_len;
} SS_SEV_PACKED;
SS_SEV_SIZE(struct ss_sev_data_pdh_cert_export, 0x1C);
SS_SEV_CHECK(struct ss_sev_data_pdh_cert_export, pdh_cert_len, 0x08);
SS_SEV_CHECK(struct ss_sev_data_pdh_cert_export, cert_chain_address, 0x10);
SS_SEV_CHECK(struct ss_sev_data_pdh_cert_export, cert_chain_len, 0x18);

/* DECOMMISSION 0x20, DEACTIVATE 0x22, LAUNCH_FINISH 0x35, SEND_FINISH 0x43, SEND_CANCEL 0x44,
 * RECEIVE_FINISH 0x53: just the handle. */
struct ss_sev_data_handle {
	uint32_t handle;
} SS_SEV_PACKED;
SS_SEV_SIZE(struct ss_sev_data_handle, 0x04);

/* ACTIVATE 0x21 (Linux sev_data_activate). */
struct ss_sev_data_activate {
	uint32_t handle;
	uint32_t asid;
} SS_SEV_PACKED;
SS_SEV_SIZE(struct ss_sev_data_activate, 0x08);
SS_SEV_CHECK(struct ss_sev_data_activate, asid, 0x04);

/* GUEST_STATUS 0x23 (Linux sev_data_guest_status): handle in, the rest out. */
struct ss_sev_data_guest_status {
	uint32_t handle;
	uint32_t policy;
	uint32_t asid;
	uint8_t state;
} SS_SEV_PACKED;
SS_SEV_SIZE(struct ss_sev_data_guest_status, 0x0D);
SS_SEV_CHECK(struct ss_sev_data_guest_status, policy, 0x04);
SS_SEV_CHECK(struct ss_sev_data_guest_status, asid, 0x08);
SS_SEV_CHECK(struct ss_sev_data_guest_status, state, 0x0C);

/* LAUNCH_START 0x30 and RECEIVE_START 0x50 (Linux sev_data_launch_start,
 * sev_data_receive_start): handle in/out (0 = allocate), the owner's (or sender's) PDH-format
 * certificate and the 0x90-byte session blob. */
struct ss_sev_data_launch_start {
	uint32_t handle;
	uint32_t policy;
	uint64_t dh_cert_address;
	uint32_t dh_cert_len;
	uint32_t reserved;
	uint64_t session_address;
	uint32_t session_len;
} SS_SEV_PACKED;
SS_SEV_SIZE(struct ss_sev_data_launch_start, 0x24);
SS_SEV_CHECK(struct ss_sev_data_launch_start, policy, 0x04);
SS_SEV_CHECK(struct ss_sev_data_launch_start, dh_cert_address, 0x08);
SS_SEV_CHECK(struct ss_sev_data_launch_start, dh_cert_len, 0x10);
SS_SEV_CHECK(struct ss_sev_data_launch_start, session_address, 0x18);
SS_SEV_CHECK(struct ss_sev_data_launch_start, session_len, 0x20);

/* LAUNCH_UPDATE_DATA 0x31, LAUNCH_UPDATE_VMSA 0x32, LAUNCH_MEASURE 0x33 (Linux
 * sev_data_launch_update_data, _vmsa, sev_data_launch_measure). */
struct ss_sev_data_launch_update {
	uint32_t handle;
	uint32_t reserved;
	uint64_t address;
	uint32_t len;
} SS_SEV_PACKED;
SS_SEV_SIZE(struct ss_sev_data_launch_update, 0x14);
SS_SEV_CHECK(struct ss_sev_data_launch_update, address, 0x08);
SS_SEV_CHECK(struct ss_sev_data_launch_update, len, 0x10);

/* LAUNCH_SECRET 0x34, SEND_UPDATE_DATA/VMSA 0x41/0x42, RECEIVE_UPDATE_DATA/VMSA 0x51/0x52 (Linux
 * sev_data_launch_secret and siblings): packet header, guest region, transport buffer. */
struct ss_sev_data_transfer {
	uint32_t handle;
	uint32_t reserved1;
	uint64_t hdr_address;
	uint32_t hdr_len;
	uint32_t reserved2;
	uint64_t guest_address;
	uint32_t guest_len;
	uint32_t reserved3;
	uint64_t trans_address;
	uint32_t trans_len;
} SS_SEV_PACKED;
SS_SEV_SIZE(struct ss_sev_data_transfer, 0x34);
SS_SEV_CHECK(struct ss_sev_data_transfer, hdr_address, 0x08);
SS_SEV_CHECK(struct ss_sev_data_transfer, hdr_len, 0x10);
SS_SEV_CHECK(struct ss_sev_data_transfer, guest_address, 0x18);
SS_SEV_CHECK(struct ss_sev_data_transfer, guest_len, 0x20);
SS_SEV_CHECK(struct ss_sev_data_transfer, trans_address, 0x28);
SS_SEV_CHECK(struct ss_sev_data_transfer, trans_len, 0x30);

/* ATTESTATION 0x36 (Linux sev_data_attestation_report). */
struct ss_sev_data_attestation {
	uint32_t handle;
	uint32_t reserved;
	uint64_t address;
	uint8_t mnonce[16];
	uint32_t len;
} SS_SEV_PACKED;
SS_SEV_SIZE(struct ss_sev_data_attestation, 0x24);
SS_SEV_CHECK(struct ss_sev_data_attestation, mnonce, 0x10);
SS_SEV_CHECK(struct ss_sev_data_attestation, len, 0x20);

/* SEND_START 0x40 (Linux sev_data_send_start). */
struct ss_sev_data_send_start {
	uint32_t handle;
	uint32_t policy;
	uint64_t pdh_cert_address;
	uint32_t pdh_cert_len;
	uint32_t reserved1;
	uint64_t plat_certs_address;
	uint32_t plat_certs_len;
	uint32_t reserved2;
	uint64_t amd_certs_address;
	uint32_t amd_certs_len;
	uint32_t reserved3;
	uint64_t session_address;
	uint32_t session_len;
} SS_SEV_PACKED;
SS_SEV_SIZE(struct ss_sev_data_send_start, 0x44);
SS_SEV_CHECK(struct ss_sev_data_send_start, pdh_cert_address, 0x08);
SS_SEV_CHECK(struct ss_sev_data_send_start, plat_certs_address, 0x18);
SS_SEV_CHECK(struct ss_sev_data_send_start, amd_certs_address, 0x28);
SS_SEV_CHECK(struct ss_sev_data_send_start, session_address, 0x38);
SS_SEV_CHECK(struct ss_sev_data_send_start, session_len, 0x40);

/* DBG_DECRYPT 0x60 / DBG_ENCRYPT 0x61 (Linux sev_data_dbg). */
struct ss_sev_data_dbg {
	uint32_t handle;
	uint32_t reserved;
	uint64_t src_addr;
	uint64_t dst_addr;
	uint32_t len;
} SS_SEV_PACKED;
SS_SEV_SIZE(struct ss_sev_data_dbg, 0x1C);
SS_SEV_CHECK(struct ss_sev_data_dbg, src_addr, 0x08);
SS_SEV_CHECK(struct ss_sev_data_dbg, dst_addr, 0x10);
SS_SEV_CHECK(struct ss_sev_data_dbg, len, 0x18);

/* The LAUNCH_START / RECEIVE_START session blob (firmware-abi.md §3.4). Its field table ends at
 * 0x80, and sev-tool's sev_session_buf and virtee's Session are 128 bytes packed; the "0x90" in
 * the spec's prose contradicts its own offsets, so the offsets win. */
struct ss_sev_session {
	uint8_t nonce[16];
	uint8_t wrap_tk[32]; /* AES-128-CTR(KEK, wrap_iv, TEK || TIK) */
	uint8_t wrap_iv[16];
	uint8_t wrap_mac[32];	/* HMAC-SHA256(KIK, wrap_tk) */
	uint8_t policy_mac[32]; /* HMAC-SHA256(TIK, policy as u32 LE) */
} SS_SEV_PACKED;
SS_SEV_SIZE(struct ss_sev_session, 0x80);
SS_SEV_CHECK(struct ss_sev_session, wrap_tk, 0x10);
SS_SEV_CHECK(struct ss_sev_session, wrap_iv, 0x30);
SS_SEV_CHECK(struct ss_sev_session, wrap_mac, 0x40);
SS_SEV_CHECK(struct ss_sev_session, policy_mac, 0x60);

/* LAUNCH_MEASURE output, 0x30 bytes (firmware-abi.md §3.5). */
struct ss_sev_measure {
	uint8_t measurement[32];
	uint8_t mnonce[16];
} SS_SEV_PACKED;
SS_SEV_SIZE(struct ss_sev_measure, 0x30);
SS_SEV_CHECK(struct ss_sev_measure, mnonce, 0x20);

/* LAUNCH_SECRET / SEND_UPDATE_* / RECEIVE_UPDATE_* packet header, 0x34 bytes
 * (firmware-abi.md §3.6). */
struct ss_sev_packet_hdr {
	uint32_t flags; /* bit0 COMPRESSED */
	uint8_t iv[16];
	uint8_t mac[32];
} SS_SEV_PACKED;
SS_SEV_SIZE(struct ss_sev_packet_hdr, 0x34);
SS_SEV_CHECK(struct ss_sev_packet_hdr, iv, 0x04);
SS_SEV_CHECK(struct ss_sev_packet_hdr, mac, 0x14);

/* ATTESTATION report, 0xD0 bytes (firmware-abi.md §3.7): signed by the PEK, ECDSA P-384 over
 * SHA-256 of bytes 0x00..0x33, r and s little-endian in 72-byte fields. */
struct ss_sev_attestation_report {
	uint8_t mnonce[16];
	uint8_t launch_digest[32];
	uint32_t policy;
	uint32_t sig_usage; /* PEK 0x1002 */
	uint32_t sig_algo;  /* ECDSA_SHA256 0x2 */
	uint32_t reserved;
	uint8_t sig_r[72];
	uint8_t sig_s[72];
} SS_SEV_PACKED;
SS_SEV_SIZE(struct ss_sev_attestation_report, 0xD0);
SS_SEV_CHECK(struct ss_sev_attestation_report, launch_digest, 0x10);
SS_SEV_CHECK(struct ss_sev_attestation_report, policy, 0x30);
SS_SEV_CHECK(struct ss_sev_attestation_report, sig_usage, 0x34);
SS_SEV_CHECK(struct ss_sev_attestation_report, sig_algo, 0x38);
SS_SEV_CHECK(struct ss_sev_attestation_report, sig_r, 0x40);
SS_SEV_CHECK(struct ss_sev_attestation_report, sig_s, 0x88);
#define SS_SEV_ATTESTATION_SIGNED_LEN 0x34

/* Context bytes that open the MAC'd strings (firmware-abi.md §3.5, §3.6). */
#define SS_SEV_CTX_SECRET  0x01
#define SS_SEV_CTX_MEASURE 0x04

#undef SS_SEV_CHECK
#undef SS_SEV_SIZE

#endif
