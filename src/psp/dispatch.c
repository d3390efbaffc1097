/* The one entry point: look the command up in the descriptor table, check the buffer size, the
 * platform state, the guest handle, the guest state and the ASID binding, in that order and only
 * here, then run the handler (STYLE.md 5). Status codes: firmware-abi.md §1.4; rules: §1.6. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "psp/snp_internal.h"
#include "util/bytes.h"

const char *ss_sev_status_name(uint32_t status)
{
	switch (status) {
#define SS_SEV_STATUS_NAME(name, code, hint)                                                       \
	case code: return #name;
		SS_SEV_STATUS_LIST(SS_SEV_STATUS_NAME)
#undef SS_SEV_STATUS_NAME
	}
	return "UNKNOWN";
}

const char *ss_sev_status_hint(uint32_t status)
{
	switch (status) {
#define SS_SEV_STATUS_HINT(name, code, hint)                                                       \
	case code: return hint;
		SS_SEV_STATUS_LIST(SS_SEV_STATUS_HINT)
#undef SS_SEV_STATUS_HINT
	}
	return "unknown status code";
}

const char *ss_sev_cmd_name(uint32_t cmd)
{
	switch (cmd) {
#define SS_SEV_CMD_NAME(name, id, hint)                                                            \
	case id: return #name;
		SS_SEV_CMD_LIST(SS_SEV_CMD_NAME)
		SS_SNP_CMD_LIST(SS_SEV_CMD_NAME)
#undef SS_SEV_CMD_NAME
	}
	return "UNKNOWN";
}

#define ANY_PS (SS_PSP_PS(UNINIT) | SS_PSP_PS(INIT) | SS_PSP_PS(WORKING))
#define UP_PS  (SS_PSP_PS(INIT) | SS_PSP_PS(WORKING))
#define ANY_GS                                                                                     \
	(SS_PSP_GS(LUPDATE) | SS_PSP_GS(LSECRET) | SS_PSP_GS(RUNNING) | SS_PSP_GS(SUPDATE) |       \
	 SS_PSP_GS(RUPDATE) | SS_PSP_GS(SENT))
#define G	   SS_PSP_F_GUEST
#define SNP_PS(s)  (1u << SS_SNP_PLATFORM_##s)
#define SNP_GS(s)  (1u << SS_SNP_GSTATE_##s)
#define SNP_ANY_PS (SNP_PS(UNINIT) | SNP_PS(INIT))
#define SNP_ANY_GS (SNP_GS(INIT) | SNP_GS(LAUNCH) | SNP_GS(RUNNING))
#define SNP_ROW(name, size, ps, gs, flags, fn)                                                     \
	{                                                                                          \
		SS_CMD_##name, size, ps, gs, SS_PSP_F_SNP | (flags), .snp_fn = fn                  \
	}
#define BUF(type) ((uint32_t)sizeof(struct type))

/* Allowed states from firmware-abi.md §1.6. Commands not listed are answered INVALID_COMMAND
 * (DOWNLOAD_FIRMWARE, ACTIVATE_EX, COPY, NOP, ring buffer, swap: not implemented). */
static const struct ss_psp_cmd_desc descs[] = {
    {SS_SEV_CMD_INIT, BUF(ss_sev_data_init), SS_PSP_PS(UNINIT), 0, 0, .fn = ss_psp_cmd_init},
    {SS_SEV_CMD_INIT_EX, BUF(ss_sev_data_init_ex), SS_PSP_PS(UNINIT), 0, 0,
     .fn = ss_psp_cmd_init_ex},
    /* SHUTDOWN is harmless in UNINIT (§1.6 [I]); Linux issues it unconditionally. */
    {SS_SEV_CMD_SHUTDOWN, 0, ANY_PS, 0, 0, .fn = ss_psp_cmd_shutdown},
    {SS_SEV_CMD_FACTORY_RESET, 0, SS_PSP_PS(UNINIT), 0, 0, .fn = ss_psp_cmd_factory_reset},
    {SS_SEV_CMD_PLATFORM_STATUS, BUF(ss_sev_data_status), ANY_PS, 0, 0,
     .fn = ss_psp_cmd_platform_status},
    {SS_SEV_CMD_PEK_GEN, 0, SS_PSP_PS(INIT), 0, 0, .fn = ss_psp_cmd_pek_gen},
    {SS_SEV_CMD_PEK_CSR, BUF(ss_sev_data_addr_len), SS_PSP_PS(INIT), 0, 0,
     .fn = ss_psp_cmd_pek_csr},
    {SS_SEV_CMD_PEK_CERT_IMPORT, BUF(ss_sev_data_pek_cert_import), SS_PSP_PS(INIT), 0, 0,
     .fn = ss_psp_cmd_pek_cert_import},
    {SS_SEV_CMD_PDH_CERT_EXPORT, BUF(ss_sev_data_pdh_cert_export), UP_PS, 0, 0,
     .fn = ss_psp_cmd_pdh_cert_export},
    {SS_SEV_CMD_PDH_GEN, 0, UP_PS, 0, 0, .fn = ss_psp_cmd_pdh_gen},
    {SS_SEV_CMD_DF_FLUSH, 0, UP_PS, 0, 0, .fn = ss_psp_cmd_df_flush},
    {SS_SEV_CMD_GET_ID, BUF(ss_sev_data_addr_len), ANY_PS, 0, 0, .fn = ss_psp_cmd_get_id},
    {SS_SEV_CMD_DECOMMISSION, BUF(ss_sev_data_handle), UP_PS, ANY_GS, G,
     .fn = ss_psp_cmd_decommission},
    {SS_SEV_CMD_ACTIVATE, BUF(ss_sev_data_activate), UP_PS, ANY_GS, G, .fn = ss_psp_cmd_activate},
    {SS_SEV_CMD_DEACTIVATE, BUF(ss_sev_data_handle), UP_PS, ANY_GS, G, .fn = ss_psp_cmd_deactivate},
    {SS_SEV_CMD_GUEST_STATUS, BUF(ss_sev_data_guest_status), UP_PS, ANY_GS, G,
     .fn = ss_psp_cmd_guest_status},
    {SS_SEV_CMD_LAUNCH_START, BUF(ss_sev_data_launch_start), UP_PS, 0, SS_PSP_F_NEW_GUEST,
     .fn = ss_psp_cmd_launch_start},
    {SS_SEV_CMD_LAUNCH_UPDATE_DATA, BUF(ss_sev_data_launch_update), UP_PS, SS_PSP_GS(LUPDATE),
     G | SS_PSP_F_ACTIVE, .fn = ss_psp_cmd_launch_update_data},
    {SS_SEV_CMD_LAUNCH_UPDATE_VMSA, BUF(ss_sev_data_launch_update), UP_PS, SS_PSP_GS(LUPDATE),
     G | SS_PSP_F_ACTIVE, .fn = ss_psp_cmd_launch_update_vmsa},
    {SS_SEV_CMD_LAUNCH_MEASURE, BUF(ss_sev_data_launch_update), UP_PS, SS_PSP_GS(LUPDATE), G,
     .fn = ss_psp_cmd_launch_measure},
    {SS_SEV_CMD_LAUNCH_SECRET, BUF(ss_sev_data_transfer), UP_PS, SS_PSP_GS(LSECRET),
     G | SS_PSP_F_ACTIVE, .fn = ss_psp_cmd_launch_secret},
    {SS_SEV_CMD_LAUNCH_FINISH, BUF(ss_sev_data_handle), UP_PS, SS_PSP_GS(LSECRET), G,
     .fn = ss_psp_cmd_launch_finish},
    /* ATTESTATION after LAUNCH_MEASURE (§1.6: RUNNING; LSECRET too). */
    {SS_SEV_CMD_ATTESTATION, BUF(ss_sev_data_attestation), UP_PS,
     SS_PSP_GS(LSECRET) | SS_PSP_GS(RUNNING), G, .fn = ss_psp_cmd_attestation},
    /* Migration (§1.6, §3.8). */
    {SS_SEV_CMD_SEND_START, BUF(ss_sev_data_send_start), UP_PS, SS_PSP_GS(RUNNING), G,
     .fn = ss_psp_cmd_send_start},
    {SS_SEV_CMD_SEND_UPDATE_DATA, BUF(ss_sev_data_transfer), UP_PS, SS_PSP_GS(SUPDATE),
     G | SS_PSP_F_ACTIVE, .fn = ss_psp_cmd_send_update_data},
    {SS_SEV_CMD_SEND_UPDATE_VMSA, BUF(ss_sev_data_transfer), UP_PS, SS_PSP_GS(SUPDATE),
     G | SS_PSP_F_ACTIVE, .fn = ss_psp_cmd_send_update_vmsa},
    {SS_SEV_CMD_SEND_FINISH, BUF(ss_sev_data_handle), UP_PS, SS_PSP_GS(SUPDATE), G,
     .fn = ss_psp_cmd_send_finish},
    {SS_SEV_CMD_SEND_CANCEL, BUF(ss_sev_data_handle), UP_PS, SS_PSP_GS(SUPDATE), G,
     .fn = ss_psp_cmd_send_cancel},
    {SS_SEV_CMD_RECEIVE_START, BUF(ss_sev_data_launch_start), UP_PS, 0, SS_PSP_F_NEW_GUEST,
     .fn = ss_psp_cmd_receive_start},
    {SS_SEV_CMD_RECEIVE_UPDATE_DATA, BUF(ss_sev_data_transfer), UP_PS, SS_PSP_GS(RUPDATE),
     G | SS_PSP_F_ACTIVE, .fn = ss_psp_cmd_receive_update_data},
    {SS_SEV_CMD_RECEIVE_UPDATE_VMSA, BUF(ss_sev_data_transfer), UP_PS, SS_PSP_GS(RUPDATE),
     G | SS_PSP_F_ACTIVE, .fn = ss_psp_cmd_receive_update_vmsa},
    {SS_SEV_CMD_RECEIVE_FINISH, BUF(ss_sev_data_handle), UP_PS, SS_PSP_GS(RUPDATE), G,
     .fn = ss_psp_cmd_receive_finish},
    /* A launched (or received) guest: not while it is launching (§1.6). */
    {SS_SEV_CMD_DBG_DECRYPT, BUF(ss_sev_data_dbg), UP_PS,
     SS_PSP_GS(LSECRET) | SS_PSP_GS(RUNNING) | SS_PSP_GS(SUPDATE) | SS_PSP_GS(SENT),
     G | SS_PSP_F_ACTIVE, .fn = ss_psp_cmd_dbg_decrypt},
    {SS_SEV_CMD_DBG_ENCRYPT, BUF(ss_sev_data_dbg), UP_PS,
     SS_PSP_GS(LSECRET) | SS_PSP_GS(RUNNING) | SS_PSP_GS(SUPDATE) | SS_PSP_GS(SENT),
     G | SS_PSP_F_ACTIVE, .fn = ss_psp_cmd_dbg_encrypt},

    /* SEV-SNP (firmware-abi.md §4.2): platform UNINIT allows only SNP_INIT(_EX) and
     * SNP_PLATFORM_STATUS; everything else needs INIT. Guest rows name their GCTX states. */
    SNP_ROW(SNP_INIT, 0, SNP_PS(UNINIT), 0, 0, ss_psp_snp_init),
    SNP_ROW(SNP_INIT_EX, BUF(ss_snp_data_init_ex), SNP_PS(UNINIT), 0, 0, ss_psp_snp_init_ex),
    SNP_ROW(SNP_SHUTDOWN, 0, SNP_ANY_PS, 0, 0, ss_psp_snp_shutdown),
    SNP_ROW(SNP_SHUTDOWN_EX, BUF(ss_snp_data_shutdown_ex), SNP_ANY_PS, 0, 0,
	    ss_psp_snp_shutdown_ex),
    SNP_ROW(SNP_PLATFORM_STATUS, BUF(ss_snp_data_platform_status), SNP_ANY_PS, 0, 0,
	    ss_psp_snp_platform_status),
    SNP_ROW(SNP_DF_FLUSH, 0, SNP_PS(INIT), 0, 0, ss_psp_snp_df_flush),
    SNP_ROW(SNP_CONFIG, BUF(ss_snp_data_config), SNP_PS(INIT), 0, 0, ss_psp_snp_config),
    SNP_ROW(SNP_COMMIT, BUF(ss_snp_data_commit), SNP_PS(INIT), 0, 0, ss_psp_snp_commit),
    SNP_ROW(SNP_VLEK_LOAD, BUF(ss_snp_data_vlek_load), SNP_PS(INIT), 0, 0, ss_psp_snp_vlek_load),
    SNP_ROW(SNP_FEATURE_INFO, BUF(ss_snp_data_feature_info), SNP_PS(INIT), 0, 0,
	    ss_psp_snp_feature_info),
    SNP_ROW(SNP_PAGE_RECLAIM, BUF(ss_snp_data_page), SNP_PS(INIT), 0, 0, ss_psp_snp_page_reclaim),
    SNP_ROW(SNP_GCTX_CREATE, BUF(ss_snp_data_gctx), SNP_PS(INIT), 0, 0, ss_psp_snp_gctx_create),
    SNP_ROW(SNP_ACTIVATE, BUF(ss_snp_data_activate), SNP_PS(INIT), SNP_GS(LAUNCH) | SNP_GS(RUNNING),
	    SS_PSP_F_GCTX, ss_psp_snp_activate),
    /* gctx_paddr is at 0x08: the handler looks the context up. */
    SNP_ROW(SNP_ACTIVATE_EX, BUF(ss_snp_data_activate_ex), SNP_PS(INIT), 0, 0,
	    ss_psp_snp_activate_ex),
    SNP_ROW(SNP_DECOMMISSION, BUF(ss_snp_data_gctx), SNP_PS(INIT), SNP_ANY_GS, SS_PSP_F_GCTX,
	    ss_psp_snp_decommission),
    SNP_ROW(SNP_GUEST_STATUS, BUF(ss_snp_data_guest_status), SNP_PS(INIT), SNP_ANY_GS,
	    SS_PSP_F_GCTX, ss_psp_snp_guest_status),
    SNP_ROW(SNP_LAUNCH_START, BUF(ss_snp_data_launch_start), SNP_PS(INIT), SNP_GS(INIT),
	    SS_PSP_F_GCTX, ss_psp_snp_launch_start),
    SNP_ROW(SNP_LAUNCH_UPDATE, BUF(ss_snp_data_launch_update), SNP_PS(INIT), SNP_GS(LAUNCH),
	    SS_PSP_F_GCTX, ss_psp_snp_launch_update),
    SNP_ROW(SNP_LAUNCH_FINISH, BUF(ss_snp_data_launch_finish), SNP_PS(INIT), SNP_GS(LAUNCH),
	    SS_PSP_F_GCTX, ss_psp_snp_launch_finish),
    SNP_ROW(SNP_DBG_DECRYPT, BUF(ss_snp_data_dbg), SNP_PS(INIT), SNP_GS(RUNNING), SS_PSP_F_GCTX,
	    ss_psp_snp_dbg_decrypt),
    SNP_ROW(SNP_DBG_ENCRYPT, BUF(ss_snp_data_dbg), SNP_PS(INIT), SNP_GS(RUNNING), SS_PSP_F_GCTX,
	    ss_psp_snp_dbg_encrypt),
    SNP_ROW(SNP_GUEST_REQUEST, BUF(ss_snp_data_guest_request), SNP_PS(INIT), SNP_GS(RUNNING),
	    SS_PSP_F_GCTX, ss_psp_snp_guest_request),
};

const struct ss_psp_cmd_desc *ss_psp_cmd_desc(uint32_t cmd)
{
	for (size_t i = 0; i < sizeof(descs) / sizeof(descs[0]); i++)
		if (descs[i].id == cmd)
			return &descs[i];
	return NULL;
}

uint32_t ss_psp_fail(ss_error *err, uint32_t status, const char *fmt, ...)
{
	if (err) {
		char what[400];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(what, sizeof(what), fmt, ap);
		va_end(ap);
		ss_fail(err, SS_EINVAL, "%s: %s", ss_sev_status_name(status), what);
	}
	return status;
}

static int status_errno(uint32_t status)
{
	switch (status) {
	case SS_SEV_INVALID_PLATFORM_STATE:
	case SS_SEV_INVALID_GUEST_STATE:
	case SS_SEV_INACTIVE:
	case SS_SEV_ACTIVE:
	case SS_SEV_ASID_OWNED:
	case SS_SEV_WBINVD_REQUIRED:
	case SS_SEV_DFFLUSH_REQUIRED: return SS_ESTATE;
	case SS_SEV_INVALID_LENGTH:
	case SS_SEV_INVALID_ADDRESS:
	case SS_SEV_INVALID_ASID: return SS_ERANGE;
	case SS_SEV_BAD_SIGNATURE:
	case SS_SEV_BAD_MEASUREMENT: return SS_EBADSIG;
	case SS_SEV_INVALID_CERTIFICATE: return SS_ENOCERT;
	case SS_SEV_POLICY_FAILURE: return SS_EPOLICY;
	case SS_SEV_INVALID_COMMAND:
	case SS_SEV_UNSUPPORTED: return SS_ENOTIMPL;
	case SS_SEV_HWERROR_PLATFORM: return SS_EIO;
	default: return SS_EINVAL;
	}
}

static uint8_t platform_state(const ss_psp *psp)
{
	if (psp->platform_state == SS_SEV_PLATFORM_UNINIT)
		return SS_SEV_PLATFORM_UNINIT;
	return ss_psp_guest_count(psp) ? SS_SEV_PLATFORM_WORKING : SS_SEV_PLATFORM_INIT;
}

static const char *platform_state_name(uint8_t s)
{
	static const char *const names[] = {"UNINIT", "INIT", "WORKING"};
	return s < 3 ? names[s] : "?";
}

static const char *guest_state_name(uint8_t s)
{
	static const char *const names[] = {"UNINIT",  "LUPDATE", "LSECRET", "RUNNING",
					    "SUPDATE", "RUPDATE", "SENT"};
	return s < 7 ? names[s] : "?";
}

static const char *snp_guest_state_name(uint8_t s)
{
	static const char *const names[] = {"INIT", "LAUNCH", "RUNNING"};
	return s < 3 ? names[s] : "UNKNOWN";
}

/* The SNP half of check_and_run: SNP platform state, then the guest context and its state. */
static uint32_t check_and_run_snp(ss_psp *psp, const struct ss_psp_cmd_desc *d, const char *name,
				  void *buf, ss_error *err)
{
	uint8_t ps = psp->snp->state;
	if (!(d->platform_states & (1u << ps)))
		return ss_psp_fail(err, SS_SEV_INVALID_PLATFORM_STATE,
				   "%s is not allowed in SNP platform state %s", name,
				   ps == SS_SNP_PLATFORM_INIT ? "INIT" : "UNINIT");
	struct ss_snp_gctx *g = NULL;
	if (d->flags & SS_PSP_F_GCTX) {
		uint64_t paddr = ss_le64(buf) & psp->addr_mask;
		g = ss_psp_snp_find_gctx(psp, paddr);
		if (!g)
			return ss_psp_fail(err, SS_SEV_INVALID_GUEST,
					   "%s: gctx_paddr 0x%llx is not a guest context", name,
					   (unsigned long long)paddr);
		if (!(d->guest_states & (1u << g->state)))
			return ss_psp_fail(err, SS_SEV_INVALID_GUEST_STATE,
					   "%s is not allowed in guest state %s (gctx 0x%llx)",
					   name, snp_guest_state_name(g->state),
					   (unsigned long long)paddr);
	}
	return d->snp_fn(psp, g, buf, err);
}

static uint32_t check_and_run(ss_psp *psp, uint32_t cmd, void *buf, size_t len, ss_error *err)
{
	const struct ss_psp_cmd_desc *d = ss_psp_cmd_desc(cmd);
	if (!d)
		return ss_psp_fail(err, SS_SEV_INVALID_COMMAND,
				   "command 0x%x (%s) is not implemented", cmd,
				   ss_sev_cmd_name(cmd));
	const char *name = ss_sev_cmd_name(cmd);
	if (len != d->buf_size || (len && !buf))
		return ss_psp_fail(err, SS_SEV_INVALID_LENGTH,
				   "%s takes a %u-byte command buffer, got %zu", name, d->buf_size,
				   buf || !len ? len : 0);
	if (d->flags & SS_PSP_F_SNP)
		return check_and_run_snp(psp, d, name, buf, err);
	uint8_t ps = platform_state(psp);
	if (!(d->platform_states & (1u << ps)))
		return ss_psp_fail(err, SS_SEV_INVALID_PLATFORM_STATE,
				   "%s is not allowed in platform state %s", name,
				   platform_state_name(ps));
	struct ss_psp_guest *g = NULL;
	if (d->flags & SS_PSP_F_GUEST) {
		uint32_t handle = ss_le32(buf);
		g = ss_psp_find_guest(psp, handle);
		if (!g)
			return ss_psp_fail(err, SS_SEV_INVALID_GUEST, "%s: no guest has handle %u",
					   name, handle);
		if (!(d->guest_states & (1u << g->state)))
			return ss_psp_fail(err, SS_SEV_INVALID_GUEST_STATE,
					   "%s is not allowed in guest state %s (handle %u)", name,
					   guest_state_name(g->state), handle);
		if ((d->flags & SS_PSP_F_ACTIVE) && !g->asid)
			return ss_psp_fail(err, SS_SEV_INACTIVE,
					   "%s: guest %u is not activated (no ASID)", name, handle);
		if ((d->flags & SS_PSP_F_ACTIVE) && !psp->mem)
			return ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM,
					   "%s: the platform has no memory attached", name);
	}
	return d->fn(psp, g, buf, err);
}

int ss_psp_command(ss_psp *psp, uint32_t cmd, void *buf, size_t len, uint32_t *status,
		   ss_error *err)
{
	uint32_t st = check_and_run(psp, cmd, buf, len, err);
	if (status)
		*status = st;
	return st == SS_SEV_SUCCESS ? 0 : status_errno(st);
}

static uint32_t mem_status(int rc, uint64_t addr, size_t len, const char *what, ss_error *err)
{
	if (!rc)
		return SS_SEV_SUCCESS;
	if (rc == SS_ERANGE || rc == SS_EINVAL)
		return ss_psp_fail(err, SS_SEV_INVALID_ADDRESS,
				   "%s: 0x%llx..+0x%zx is not in system memory", what,
				   (unsigned long long)addr, len);
	return ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM, "%s: memory access failed (%s)", what,
			   ss_status_name(rc));
}

uint32_t ss_psp_read(ss_psp *psp, uint64_t addr, void *buf, size_t len, const char *what,
		     ss_error *err)
{
	addr &= psp->addr_mask;
	if (!psp->mem)
		return ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM, "%s: no memory attached", what);
	return mem_status(psp->mem->read(psp->mem_ctx, addr, buf, len), addr, len, what, err);
}

uint32_t ss_psp_write(ss_psp *psp, uint64_t addr, const void *buf, size_t len, const char *what,
		      ss_error *err)
{
	addr &= psp->addr_mask;
	if (!psp->mem)
		return ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM, "%s: no memory attached", what);
	return mem_status(psp->mem->write(psp->mem_ctx, addr, buf, len), addr, len, what, err);
}

uint32_t ss_psp_read_enc(ss_psp *psp, uint32_t asid, uint64_t addr, void *buf, size_t len,
			 const char *what, ss_error *err)
{
	addr &= psp->addr_mask;
	return mem_status(psp->mem->read_enc(psp->mem_ctx, asid, addr, buf, len), addr, len, what,
			  err);
}

uint32_t ss_psp_write_enc(ss_psp *psp, uint32_t asid, uint64_t addr, const void *buf, size_t len,
			  const char *what, ss_error *err)
{
	addr &= psp->addr_mask;
	return mem_status(psp->mem->write_enc(psp->mem_ctx, asid, addr, buf, len), addr, len, what,
			  err);
}

struct ss_psp_guest *ss_psp_find_guest(ss_psp *psp, uint32_t handle)
{
	if (!handle)
		return NULL;
	for (unsigned i = 0; i < SS_PSP_MAX_GUESTS; i++)
		if (psp->guests[i].used && psp->guests[i].handle == handle)
			return &psp->guests[i];
	return NULL;
}

unsigned ss_psp_guest_count(const ss_psp *psp)
{
	unsigned n = 0;
	for (unsigned i = 0; i < SS_PSP_MAX_GUESTS; i++)
		n += psp->guests[i].used;
	return n;
}

void ss_psp_free_guest(ss_psp *psp, struct ss_psp_guest *g)
{
	(void)psp;
	ss_hash_free(g->ld);
	memset(g, 0, sizeof(*g));
}

struct ss_snp_gctx *ss_psp_snp_find_gctx(ss_psp *psp, uint64_t gctx_paddr)
{
	for (unsigned i = 0; i < SS_SNP_MAX_GCTX; i++)
		if (psp->snp->gctx[i].used && psp->snp->gctx[i].gctx_paddr == gctx_paddr)
			return &psp->snp->gctx[i];
	return NULL;
}

unsigned ss_psp_snp_guest_count(const ss_psp *psp)
{
	unsigned n = 0;
	for (unsigned i = 0; i < SS_SNP_MAX_GCTX; i++)
		n += psp->snp->gctx[i].used;
	return n;
}

static uint32_t rmp_status(int rc, uint64_t spa, const char *what, ss_error *err)
{
	if (rc == SS_ERANGE)
		return ss_psp_fail(err, SS_SEV_INVALID_ADDRESS,
				   "%s: 0x%llx is not in system memory", what,
				   (unsigned long long)spa);
	if (rc == SS_EPOLICY) /* the memory refuses to change the RMP's own entries */
		return ss_psp_fail(err, SS_SEV_INVALID_PAGE_STATE,
				   "%s: 0x%llx is a page of the RMP itself", what,
				   (unsigned long long)spa);
	return ss_psp_fail(err, SS_SEV_RMP_INIT_REQUIRED,
			   "%s: the memory has no RMP or SNP is not enabled on it (%s)", what,
			   ss_status_name(rc));
}

uint32_t ss_psp_rmp_get(ss_psp *psp, uint64_t spa, struct ss_rmp_entry *e, const char *what,
			ss_error *err)
{
	spa &= psp->addr_mask;
	if (!psp->mem || !psp->mem->rmp_get)
		return rmp_status(SS_ESTATE, spa, what, err);
	int rc = psp->mem->rmp_get(psp->mem_ctx, spa, e);
	return rc ? rmp_status(rc, spa, what, err) : SS_SEV_SUCCESS;
}

uint32_t ss_psp_rmp_set(ss_psp *psp, uint64_t spa, const struct ss_rmp_entry *e, const char *what,
			ss_error *err)
{
	spa &= psp->addr_mask;
	if (!psp->mem || !psp->mem->rmp_set)
		return rmp_status(SS_ESTATE, spa, what, err);
	int rc = psp->mem->rmp_set(psp->mem_ctx, spa, e);
	return rc ? rmp_status(rc, spa, what, err) : SS_SEV_SUCCESS;
}

uint32_t ss_psp_rmp_expect_firmware(ss_psp *psp, uint64_t spa, const char *what, ss_error *err)
{
	struct ss_rmp_entry e;
	uint32_t st = ss_psp_rmp_get(psp, spa, &e, what, err);
	if (st)
		return st;
	if (!e.assigned || !e.immutable || e.asid || e.validated || e.gpa || e.vmsa)
		return ss_psp_fail(err, SS_SEV_INVALID_PAGE_STATE,
				   "%s: page 0x%llx is not a firmware page (assigned %d, immutable "
				   "%d, asid %u, validated %d, gpa 0x%llx, vmsa %d)",
				   what, (unsigned long long)(spa & psp->addr_mask), e.assigned,
				   e.immutable, e.asid, e.validated, (unsigned long long)e.gpa,
				   e.vmsa);
	return SS_SEV_SUCCESS;
}
