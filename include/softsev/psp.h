/* softsev psp — the software AMD Secure Processor speaking the legacy SEV API (SEV, SEV-ES).
 *
 * One entry point, bytes in and bytes out: ss_psp_command takes a command id and a command buffer
 * laid out exactly as the SEV API defines it (include/softsev/abi/sev_api.h) and returns the SEV
 * status code. Addresses inside command buffers are system physical addresses; the PSP reaches
 * them only through struct ss_psp_mem_ops, so the same platform runs on the memory model
 * (src/mem) and on a flat test memory. Keys, certificates, owner and configuration persist in a
 * state directory, written atomically (a kill at any moment leaves the old or the new state).
 */
#ifndef SOFTSEV_PSP_H
#define SOFTSEV_PSP_H

#include <softsev/abi/rmp.h>
#include <softsev/abi/sev_api.h>
#include <softsev/error.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ss_psp ss_psp;

/* How the PSP reaches system memory. Every function returns 0, or SS_ERANGE when [spa, spa+len)
 * is not backed by memory (the PSP then fails the command with INVALID_ADDRESS), or another
 * negative SS_E* code. ctx is ss_psp_config.mem_ctx. */
struct ss_psp_mem_ops {
	/* The host's view: the bytes as stored (ciphertext of encrypted pages). */
	int (*read)(void *ctx, uint64_t spa, void *buf, size_t len);
	int (*write)(void *ctx, uint64_t spa, const void *buf, size_t len);
	/* The view through the key loaded in ASID slot asid: read decrypts, write encrypts. */
	int (*read_enc)(void *ctx, uint32_t asid, uint64_t spa, void *buf, size_t len);
	int (*write_enc)(void *ctx, uint32_t asid, uint64_t spa, const void *buf, size_t len);
	/* Loads a guest's memory encryption key (VEK) into the slot of asid (ACTIVATE), or empties
	 * the slot when key is NULL (DEACTIVATE, DECOMMISSION, SHUTDOWN). */
	int (*set_key)(void *ctx, uint32_t asid, const uint8_t *key, size_t key_len);
	/* SEV-SNP, optional (NULL on a memory without an RMP, e.g. the flat test memory: the SNP
	 * commands that need them then fail saying so). set_key_snp loads an SNP guest's 32- or
	 * 64-byte XTS key (SNP_ACTIVATE: the memory then runs RMP checks for that ASID); rmp_get
	 * and rmp_set read and replace the 4 KiB RMP entry of spa (SS_ESTATE when SNP is not
	 * enabled on the memory, SS_ERANGE outside DRAM). */
	int (*set_key_snp)(void *ctx, uint32_t asid, const uint8_t *key, size_t key_len);
	int (*rmp_get)(void *ctx, uint64_t spa, struct ss_rmp_entry *e);
	int (*rmp_set)(void *ctx, uint64_t spa, const struct ss_rmp_entry *e);
};

struct ss_psp_config {
	/* Directory of the persistent state; NULL = ss_psp_default_state_dir(). Ignored when
	 * ephemeral is set (state lives in memory only, for tests and fuzzing). */
	const char *state_dir;
	bool ephemeral;
	const struct ss_psp_mem_ops *mem; /* required for commands that touch memory */
	void *mem_ctx;
	unsigned nr_asids; /* ASIDs 1..nr_asids are valid; 0 = 15 */
	unsigned cbit;	   /* C-bit position masked off every address; 0 = 51 */
	/* Used only when a new platform is made (first start in an empty state directory): */
	unsigned ark_bits; /* ARK/ASK RSA size, 2048 or 4096; 0 = 4096 */
	uint8_t api_major; /* firmware API version reported by PLATFORM_STATUS; 0.0 = 0.24 */
	uint8_t api_minor;
	uint8_t build; /* 0 = 15 */
	/* SEV-SNP (from SNP_INIT on). The part emulated: "Milan" (NULL), "Genoa" or "Turin"; its
	 * identity (chip secret, ARK/ASK/ASVK) lives in the state directory (snp_keys.h), made at
	 * the first SNP_INIT with ark_bits-sized CA keys. current_tcb: CURRENT_TCB as the
	 * little-endian u64 of its 8 raw bytes (snp_keys.h); 0 = the product's default. */
	const char *snp_product;
	uint64_t snp_current_tcb;
};

/* Opens the platform: loads the state directory, or makes a new platform there (chip-unique
 * secret, CEK, OCA/PEK/PDH, ARK/ASK) if it holds none. The platform starts in UNINIT. Fails with
 * SS_EIO (directory or file), SS_EINVAL (state file corrupt: names the record) or SS_ECRYPTO. */
int ss_psp_open(const struct ss_psp_config *cfg, ss_psp **out, ss_error *err);
void ss_psp_close(ss_psp *psp);

/* Runs one SEV API command. buf/len is the command buffer (len must be the command's buffer
 * size; 0 and buf NULL for commands without a buffer); output fields are written back into buf.
 * *status receives the SEV status code (enum ss_sev_status). Returns 0 if the status is SUCCESS;
 * otherwise a negative SS_E* code, with err's message naming the status and the field that was
 * wrong (e.g. "INVALID_LENGTH: pek_csr.len 0 < 2084"). Never crashes on any buffer content. */
int ss_psp_command(ss_psp *psp, uint32_t cmd, void *buf, size_t len, uint32_t *status,
		   ss_error *err);

/* Tells the PSP that the host executed WBINVD on every core (a precondition of DF_FLUSH after a
 * DEACTIVATE, firmware-abi.md §1.6). */
void ss_psp_wbinvd(ss_psp *psp);

/* Exports the whole persistent state (secret, keys, certificates, owner, configuration, TCB) as
 * one versioned blob with a SHA-256 integrity trailer, malloc'd into *blob and *len. */
int ss_psp_export_state(const ss_psp *psp, uint8_t **blob, size_t *len, ss_error *err);
/* Replaces the persistent state with an exported blob (and writes it to the state directory).
 * Allowed only in UNINIT (SS_ESTATE otherwise); SS_EINVAL if the blob is malformed, of another
 * version or fails its integrity check. On failure the old state stays. */
int ss_psp_import_state(ss_psp *psp, const uint8_t *blob, size_t len, ss_error *err);

/* This emulated part's AMD chain, ASK || ARK in AMD's certificate format (firmware-abi.md §3.2,
 * §3.3): what AMD's KDS serves for a real part, here made by the platform itself. The guest owner
 * needs it to verify the CEK. *len gets the size; SS_ERANGE if cap is too small. */
int ss_psp_amd_chain(const ss_psp *psp, uint8_t *out, size_t cap, size_t *len, ss_error *err);

/* $XDG_STATE_HOME/softsev/psp, or else ~/.local/state/softsev/psp. SS_EINVAL if neither
 * XDG_STATE_HOME nor HOME is set, SS_ERANGE if it does not fit. */
int ss_psp_default_state_dir(char *out, size_t size, ss_error *err);

/* Names and hints of SEV status codes and command ids ("INVALID_LENGTH", ...); unknown values
 * give "UNKNOWN". */
const char *ss_sev_status_name(uint32_t status);
const char *ss_sev_status_hint(uint32_t status);
const char *ss_sev_cmd_name(uint32_t cmd);

/* A flat memory for tests and the socket server: size bytes of DRAM at SPA 0, and a per-ASID
 * encryption engine (AES-128-CTR keyed by the ASID's VEK, counter = SPA / 16: deterministic,
 * different at every address). The memory model (src/mem) replaces it in the emulator. */
typedef struct ss_psp_flatmem ss_psp_flatmem;
int ss_psp_flatmem_new(size_t size, unsigned nr_asids, ss_psp_flatmem **out, ss_error *err);
void ss_psp_flatmem_free(ss_psp_flatmem *m);
const struct ss_psp_mem_ops *ss_psp_flatmem_ops(void);
uint8_t *ss_psp_flatmem_bytes(ss_psp_flatmem *m); /* the host view, size bytes */

/* The framing of `softsev psp serve` (one request, one response, over a Unix stream socket):
 *   request:  "SSPQ" | cmd u32 | buf_len u32 | data_len u32 | buf[buf_len] | data[data_len]
 *   response: "SSPR" | status u32 | buf_len u32 | data_len u32 | msg_len u32 | buf | data | msg
 * All integers little-endian. data is copied into system memory at SPA 0 before the command and
 * read back after it (so the command buffer's addresses point into it); buf comes back with the
 * command's output fields; msg says what was wrong when status is not SUCCESS. buf_len is at most
 * 256, data_len at most 1 MiB. ss_psp_frame_handle answers every input with a response (a
 * malformed frame gets INVALID_PARAM or INVALID_LENGTH); it fails only with SS_ENOMEM. */
#define SS_PSP_FRAME_REQ_HDR  16u
#define SS_PSP_FRAME_RESP_HDR 20u
#define SS_PSP_FRAME_MAX_BUF  256u
#define SS_PSP_FRAME_MAX_DATA (1024u * 1024u)
int ss_psp_frame_handle(ss_psp *psp, const uint8_t *req, size_t req_len, uint8_t **resp,
			size_t *resp_len);

/* The same operations over the memory model's firmware port (include/softsev/mem.h): pass the
 * port from ss_mem_claim_firmware_port() as ss_psp_config.mem_ctx. ACTIVATE loads the VEK with
 * ss_mem_fw_key_load (SEV mode), DEACTIVATE unloads it. */
const struct ss_psp_mem_ops *ss_psp_mem_model_ops(void);

#endif
