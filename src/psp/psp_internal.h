/* The software AMD-SP's internals: the platform object, guest contexts, the command descriptor
 * table and the handlers it dispatches to. Internal to libsoftsev (src/psp). */
#ifndef SS_PSP_INTERNAL_H
#define SS_PSP_INTERNAL_H

#include <softsev/crypto.h>
#include <softsev/crypto_cipher.h>
#include <softsev/psp.h>

#define SS_PSP_CERT_LEN	    0x824u /* one SEV certificate (firmware-abi.md §3.1) */
#define SS_PSP_AMD_CERT_MAX 1600u  /* an RSA-4096 AMD certificate (firmware-abi.md §3.2) */
#define SS_PSP_MAX_GUESTS   64u
#define SS_PSP_KEY_LEN	    16u /* VEK, TEK, TIK: 128-bit */
#define SS_PSP_MAX_ASIDS    1024u

/* Everything that survives a restart (firmware-abi.md §1.5: what INIT_EX's NV area holds, plus
 * the chip-unique secret and this emulated part's own AMD root). */
struct ss_psp_persist {
	uint8_t secret[32]; /* chip-unique; the CEK and chip id derive from it */
	uint8_t api_major, api_minor, build;
	uint8_t owner_external;	    /* PEK certified by an external OCA */
	uint8_t oca_d[SS_P384_LEN]; /* self-owned OCA private scalar (zero when external) */
	uint8_t pek_d[SS_P384_LEN];
	uint8_t pdh_d[SS_P384_LEN];
	uint8_t *ark_der, *ask_der; /* RSA private keys, PKCS#8 DER */
	size_t ark_der_len, ask_der_len;
	bool have_certs; /* the certificate records below are filled */
	uint8_t oca_cert[SS_PSP_CERT_LEN], pek_cert[SS_PSP_CERT_LEN], pdh_cert[SS_PSP_CERT_LEN],
	    cek_cert[SS_PSP_CERT_LEN];
	uint8_t ark_cert[SS_PSP_AMD_CERT_MAX], ask_cert[SS_PSP_AMD_CERT_MAX];
	size_t ark_cert_len, ask_cert_len;
};

/* Live key objects made from ss_psp_persist. */
struct ss_psp_keys {
	ss_eckey *cek, *oca, *pek, *pdh; /* oca NULL when externally owned */
	ss_rsakey *ark, *ask;
};

struct ss_psp_guest {
	bool used;
	uint32_t handle;
	uint32_t policy;
	uint8_t state;					  /* enum ss_sev_guest_state */
	uint32_t asid;					  /* 0 = not activated */
	uint8_t vek[SS_PSP_KEY_LEN];			  /* memory encryption key */
	uint8_t tek[SS_PSP_KEY_LEN], tik[SS_PSP_KEY_LEN]; /* transport keys from the session */
	ss_hash *ld;					  /* GCTX.LD, SHA-256 of launch data */
	uint8_t measurement[32];			  /* LAUNCH_MEASURE result (for SECRET) */
	uint8_t ld_digest[32]; /* GCTX.LD as LAUNCH_MEASURE saw it (ATTESTATION) */
};

enum ss_psp_asid_state {
	SS_PSP_ASID_FREE = 0,
	SS_PSP_ASID_BOUND,	   /* a guest's VEK is loaded */
	SS_PSP_ASID_NEED_WBINVD,   /* deactivated; caches may hold its lines */
	SS_PSP_ASID_NEED_DF_FLUSH, /* WBINVD done; DF_FLUSH frees it */
};

struct ss_psp_asid {
	uint8_t state;
	uint32_t handle; /* the bound legacy guest (0 for an SNP guest) */
	bool snp;	 /* bound by SNP_ACTIVATE: the ASID rule is in psp/snp_internal.h */
};

struct ss_psp_snp; /* the SEV-SNP platform (psp/snp_internal.h) */

struct ss_psp {
	char *state_dir; /* NULL when ephemeral */
	const struct ss_psp_mem_ops *mem;
	void *mem_ctx;
	unsigned nr_asids;
	uint64_t addr_mask; /* clears the C-bit */

	struct ss_psp_persist p;
	struct ss_psp_keys k;

	uint8_t platform_state; /* UNINIT or INIT; WORKING is INIT with guests */
	bool config_es;
	uint32_t next_handle;
	struct ss_psp_guest guests[SS_PSP_MAX_GUESTS];
	struct ss_psp_asid *asids; /* [nr_asids + 1] */
	struct ss_psp_snp *snp;	   /* always allocated; its own state machine */
	char *snp_product;	   /* ss_psp_config.snp_product (NULL = Milan) */
	uint64_t snp_current_tcb;  /* ss_psp_config.snp_current_tcb */
	unsigned ark_bits; /* ss_psp_config.ark_bits (0 = 4096): an ephemeral SNP identity */
};

struct ss_snp_gctx;
/* An SNP command handler (psp/snp_internal.h). g is the guest context named by the buffer's
 * gctx_paddr (first u64) for rows with SS_PSP_F_GCTX, checked to exist and to be in one of the
 * row's guest_states (bits of enum ss_snp_guest_state); else NULL. */
typedef uint32_t (*ss_psp_snp_handler)(ss_psp *psp, struct ss_snp_gctx *g, void *buf,
				       ss_error *err);

/* A command handler returns a SEV status (enum ss_sev_status) and, on failure, names the field
 * at fault in err. g is the guest named by the buffer's handle (NULL for platform commands). */
typedef uint32_t (*ss_psp_handler)(ss_psp *psp, struct ss_psp_guest *g, void *buf, ss_error *err);

/* Descriptor flags. */
#define SS_PSP_F_GUEST	   0x01 /* buf starts with a handle naming an existing guest */
#define SS_PSP_F_NEW_GUEST 0x02 /* creates a guest (LAUNCH_START, RECEIVE_START) */
#define SS_PSP_F_ACTIVE	   0x04 /* touches guest memory: the guest must hold an ASID */
#define SS_PSP_F_SNP	   0x08 /* SNP command: platform_states are SNP states, snp_fn runs */
#define SS_PSP_F_GCTX	   0x10 /* SNP: buf starts with gctx_paddr naming an existing context */

/* One row per command (STYLE.md 5): id, buffer size, allowed platform and guest states,
 * handler; ss_psp_command checks all of it before calling the handler. */
struct ss_psp_cmd_desc {
	uint32_t id;
	uint32_t buf_size;
	uint8_t platform_states; /* bit (1 << enum ss_sev_platform_state) */
	uint8_t guest_states;	 /* bit (1 << enum ss_sev_guest_state), with SS_PSP_F_GUEST */
	uint8_t flags;
	union {
		ss_psp_handler fn;	   /* legacy SEV rows */
		ss_psp_snp_handler snp_fn; /* SS_PSP_F_SNP rows */
	};
};

#define SS_PSP_PS(s) (1u << SS_SEV_PLATFORM_##s)
#define SS_PSP_GS(s) (1u << SS_SEV_GUEST_##s)

/* Reports a failing status naming what was wrong; returns status. */
uint32_t ss_psp_fail(ss_error *err, uint32_t status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Memory helpers: map ss_psp_mem_ops failures to INVALID_ADDRESS (naming what). */
uint32_t ss_psp_read(ss_psp *psp, uint64_t addr, void *buf, size_t len, const char *what,
		     ss_error *err);
uint32_t ss_psp_write(ss_psp *psp, uint64_t addr, const void *buf, size_t len, const char *what,
		      ss_error *err);
uint32_t ss_psp_read_enc(ss_psp *psp, uint32_t asid, uint64_t addr, void *buf, size_t len,
			 const char *what, ss_error *err);
uint32_t ss_psp_write_enc(ss_psp *psp, uint32_t asid, uint64_t addr, const void *buf, size_t len,
			  const char *what, ss_error *err);

struct ss_psp_guest *ss_psp_find_guest(ss_psp *psp, uint32_t handle);
unsigned ss_psp_guest_count(const ss_psp *psp);
void ss_psp_free_guest(ss_psp *psp, struct ss_psp_guest *g);

/* The descriptor of cmd, or NULL. */
const struct ss_psp_cmd_desc *ss_psp_cmd_desc(uint32_t cmd);

/* Handlers (platform.c, guest.c, launch.c). */
uint32_t ss_psp_cmd_init(ss_psp *, struct ss_psp_guest *, void *, ss_error *);
uint32_t ss_psp_cmd_init_ex(ss_psp *, struct ss_psp_guest *, void *, ss_error *);
uint32_t ss_psp_cmd_shutdown(ss_psp *, struct ss_psp_guest *, void *, ss_error *);
uint32_t ss_psp_cmd_factory_reset(ss_psp *, struct ss_psp_guest *, void *, ss_error *);
uint32_t ss_psp_cmd_platform_status(ss_psp *, struct ss_psp_guest *, void *, ss_error *);
uint32_t ss_psp_cmd_pek_gen(ss_psp *, struct ss_psp_guest *, void *, ss_error *);
uint32_t ss_psp_cmd_pek_csr(ss_psp *, struct ss_psp_guest *, void *, ss_error *);
uint32_t ss_psp_cmd_pek_cert_import(ss_psp *, struct ss_psp_guest *, void *, ss_error *);
uint32_t ss_psp_cmd_pdh_cert_export(ss_psp *, struct ss_psp_guest *, void *, ss_error *);
uint32_t ss_psp_cmd_pdh_gen(ss_psp *, struct ss_psp_guest *, void *, ss_error *);
uint32_t ss_psp_cmd_df_flush(ss_psp *, struct ss_psp_guest *, void *, ss_error *);
uint32_t ss_psp_cmd_get_id(ss_psp *, struct ss_psp_guest *, void *, ss_error *);
uint32_t ss_psp_cmd_decommission(ss_psp *, struct ss_psp_guest *, void *, ss_error *);
uint32_t ss_psp_cmd_activate(ss_psp *, struct ss_psp_guest *, void *, ss_error *);
uint32_t ss_psp_cmd_deactivate(ss_psp *, struct ss_psp_guest *, void *, ss_error *);
uint32_t ss_psp_cmd_guest_status(ss_psp *, struct ss_psp_guest *, void *, ss_error *);
uint32_t ss_psp_cmd_dbg_decrypt(ss_psp *, struct ss_psp_guest *, void *, ss_error *);
uint32_t ss_psp_cmd_dbg_encrypt(ss_psp *, struct ss_psp_guest *, void *, ss_error *);
uint32_t ss_psp_cmd_launch_start(ss_psp *, struct ss_psp_guest *, void *, ss_error *);
uint32_t ss_psp_cmd_launch_update_data(ss_psp *, struct ss_psp_guest *, void *, ss_error *);
uint32_t ss_psp_cmd_launch_update_vmsa(ss_psp *, struct ss_psp_guest *, void *, ss_error *);
uint32_t ss_psp_cmd_launch_measure(ss_psp *, struct ss_psp_guest *, void *, ss_error *);
uint32_t ss_psp_cmd_launch_secret(ss_psp *, struct ss_psp_guest *, void *, ss_error *);
uint32_t ss_psp_cmd_launch_finish(ss_psp *, struct ss_psp_guest *, void *, ss_error *);
uint32_t ss_psp_cmd_attestation(ss_psp *, struct ss_psp_guest *, void *, ss_error *);
uint32_t ss_psp_cmd_send_start(ss_psp *, struct ss_psp_guest *, void *, ss_error *);
uint32_t ss_psp_cmd_send_update_data(ss_psp *, struct ss_psp_guest *, void *, ss_error *);
uint32_t ss_psp_cmd_send_update_vmsa(ss_psp *, struct ss_psp_guest *, void *, ss_error *);
uint32_t ss_psp_cmd_send_finish(ss_psp *, struct ss_psp_guest *, void *, ss_error *);
uint32_t ss_psp_cmd_send_cancel(ss_psp *, struct ss_psp_guest *, void *, ss_error *);
uint32_t ss_psp_cmd_receive_start(ss_psp *, struct ss_psp_guest *, void *, ss_error *);
uint32_t ss_psp_cmd_receive_update_data(ss_psp *, struct ss_psp_guest *, void *, ss_error *);
uint32_t ss_psp_cmd_receive_update_vmsa(ss_psp *, struct ss_psp_guest *, void *, ss_error *);
uint32_t ss_psp_cmd_receive_finish(ss_psp *, struct ss_psp_guest *, void *, ss_error *);

/* Keys (keys.c): makes a new platform's persistent state (secret, OCA/PEK/PDH, ARK/ASK). */
int ss_psp_persist_create(struct ss_psp_persist *p, unsigned ark_bits, uint8_t api_major,
			  uint8_t api_minor, uint8_t build, ss_error *err);
/* Builds the live keys from the persistent state. */
int ss_psp_keys_load(const struct ss_psp_persist *p, struct ss_psp_keys *k, ss_error *err);
void ss_psp_keys_free(struct ss_psp_keys *k);
/* New PEK (and a fresh self-signed OCA, owner -> self) and PDH; or only a new PDH. */
int ss_psp_keys_pek_gen(ss_psp *psp, ss_error *err);
int ss_psp_keys_pdh_gen(ss_psp *psp, ss_error *err);
/* The 64-byte chip id (GET_ID), derived from the secret. */
void ss_psp_chip_id(const ss_psp *psp, uint8_t id[SS_SEV_ID_SIZE]);

/* Persistent state (state.c). */
void ss_psp_persist_free(struct ss_psp_persist *p);
int ss_psp_persist_encode(const struct ss_psp_persist *p, uint8_t **blob, size_t *len,
			  ss_error *err);
int ss_psp_persist_decode(const uint8_t *blob, size_t len, struct ss_psp_persist *p, ss_error *err);
/* Writes the state file of psp (no-op when ephemeral). */
int ss_psp_persist_save(ss_psp *psp, ss_error *err);

/* The session derivations of firmware-abi.md §3.4-§3.6 (session.c), shared with the owner's side
 * (src/cli/cmd_owner.c) through psp_session.h. */

#endif
