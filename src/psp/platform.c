/* Platform commands (firmware-abi.md §1.5, §1.6): INIT, INIT_EX, SHUTDOWN, FACTORY_RESET,
 * PLATFORM_STATUS, PEK_GEN, PDH_GEN, DF_FLUSH, GET_ID. The dispatcher has already checked the
 * buffer size and the platform state. */
#include <stdio.h>
#include <string.h>

#include "psp/psp_internal.h"
#include "util/bytes.h"

#define MIB (1024u * 1024u)

/* Checks an INIT/INIT_EX TMR: 1 MiB, 1 MiB aligned, backed by memory (firmware-abi.md §1.5). */
static uint32_t check_tmr(ss_psp *psp, uint32_t flags, uint64_t addr, uint32_t len, ss_error *err)
{
	if (flags & ~SS_SEV_INIT_FLAGS_CONFIG_ES)
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM, "options 0x%x has reserved bits set",
				   flags);
	if (!(flags & SS_SEV_INIT_FLAGS_CONFIG_ES))
		return SS_SEV_SUCCESS;
	addr &= psp->addr_mask;
	if (addr % MIB)
		return ss_psp_fail(err, SS_SEV_INVALID_ADDRESS,
				   "tmr_address 0x%llx is not 1 MiB aligned",
				   (unsigned long long)addr);
	if (len != SS_SEV_TMR_SIZE)
		return ss_psp_fail(err, SS_SEV_INVALID_LENGTH, "tmr_len 0x%x is not 0x%x", len,
				   SS_SEV_TMR_SIZE);
	uint8_t b;
	uint32_t st = ss_psp_read(psp, addr, &b, 1, "tmr_address", err);
	if (!st)
		st = ss_psp_read(psp, addr + len - 1, &b, 1, "tmr_address + tmr_len", err);
	return st;
}

uint32_t ss_psp_cmd_init(ss_psp *psp, struct ss_psp_guest *g, void *buf, ss_error *err)
{
	struct ss_sev_data_init d;
	memcpy(&d, buf, sizeof(d));
	if (d.reserved)
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "init.reserved (offset 0x04) is not 0");
	uint32_t st = check_tmr(psp, d.flags, d.tmr_address, d.tmr_len, err);
	if (st)
		return st;
	psp->platform_state = SS_SEV_PLATFORM_INIT;
	psp->config_es = d.flags & SS_SEV_INIT_FLAGS_CONFIG_ES;
	return SS_SEV_SUCCESS;
}

/* INIT_EX: the persistent state lives in the state directory, so the NV area is checked for
 * shape (32 KiB, backed by memory) but its contents are not used. */
uint32_t ss_psp_cmd_init_ex(ss_psp *psp, struct ss_psp_guest *g, void *buf, ss_error *err)
{
	struct ss_sev_data_init_ex d;
	memcpy(&d, buf, sizeof(d));
	if (d.length != sizeof(d))
		return ss_psp_fail(err, SS_SEV_INVALID_LENGTH, "init_ex.length %u is not %zu",
				   d.length, sizeof(d));
	if (d.reserved)
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "init_ex.reserved (offset 0x14) is not 0");
	uint32_t st = check_tmr(psp, d.flags, d.tmr_address, d.tmr_len, err);
	if (st)
		return st;
	if (d.nv_address) {
		if (d.nv_len != SS_SEV_INIT_EX_NV_SIZE)
			return ss_psp_fail(err, SS_SEV_INVALID_LENGTH,
					   "init_ex.nv_len 0x%x is not 0x%x", d.nv_len,
					   SS_SEV_INIT_EX_NV_SIZE);
		uint8_t b;
		st = ss_psp_read(psp, d.nv_address, &b, 1, "init_ex.nv_address", err);
		if (!st)
			st = ss_psp_read(psp, d.nv_address + d.nv_len - 1, &b, 1,
					 "init_ex.nv_address + nv_len", err);
		if (st)
			return st;
	}
	psp->platform_state = SS_SEV_PLATFORM_INIT;
	psp->config_es = d.flags & SS_SEV_INIT_FLAGS_CONFIG_ES;
	return SS_SEV_SUCCESS;
}

/* SHUTDOWN: every guest context is discarded and every key slot emptied (§1.6), except the
 * ASIDs of SNP guests, which live on until SNP_DECOMMISSION (psp/snp_internal.h). */
uint32_t ss_psp_cmd_shutdown(ss_psp *psp, struct ss_psp_guest *g, void *buf, ss_error *err)
{
	for (unsigned i = 0; i < SS_PSP_MAX_GUESTS; i++)
		if (psp->guests[i].used)
			ss_psp_free_guest(psp, &psp->guests[i]);
	for (unsigned a = 1; a <= psp->nr_asids; a++) {
		if (psp->asids[a].snp)
			continue; /* an SNP guest's: SNP_DECOMMISSION frees it (snp_internal.h) */
		if (psp->asids[a].state == SS_PSP_ASID_BOUND && psp->mem)
			psp->mem->set_key(psp->mem_ctx, a, NULL, 0);
		psp->asids[a].state = SS_PSP_ASID_FREE;
		psp->asids[a].handle = 0;
	}
	psp->platform_state = SS_SEV_PLATFORM_UNINIT;
	psp->config_es = false;
	return SS_SEV_SUCCESS;
}

static uint32_t keys_status(int rc, const char *what, ss_error *err)
{
	if (!rc)
		return SS_SEV_SUCCESS;
	char msg[sizeof(err->msg)];
	snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
	return ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM, "%s failed: %s", what, msg);
}

/* FACTORY_RESET (PLATFORM_RESET): erases PEK, PDH and OCA; the owner becomes self (§1.6). */
uint32_t ss_psp_cmd_factory_reset(ss_psp *psp, struct ss_psp_guest *g, void *buf, ss_error *err)
{
	return keys_status(ss_psp_keys_pek_gen(psp, err), "FACTORY_RESET key generation", err);
}

uint32_t ss_psp_cmd_pek_gen(ss_psp *psp, struct ss_psp_guest *g, void *buf, ss_error *err)
{
	return keys_status(ss_psp_keys_pek_gen(psp, err), "PEK_GEN", err);
}

uint32_t ss_psp_cmd_pdh_gen(ss_psp *psp, struct ss_psp_guest *g, void *buf, ss_error *err)
{
	return keys_status(ss_psp_keys_pdh_gen(psp, err), "PDH_GEN", err);
}

uint32_t ss_psp_cmd_platform_status(ss_psp *psp, struct ss_psp_guest *g, void *buf, ss_error *err)
{
	struct ss_sev_data_status s = {0};
	unsigned guests = ss_psp_guest_count(psp);
	s.api_major = psp->p.api_major;
	s.api_minor = psp->p.api_minor;
	s.state = psp->platform_state == SS_SEV_PLATFORM_UNINIT ? SS_SEV_PLATFORM_UNINIT
		  : guests					? SS_SEV_PLATFORM_WORKING
								: SS_SEV_PLATFORM_INIT;
	s.flags = (psp->p.owner_external ? SS_SEV_STATUS_FLAGS_OWNER : 0) |
		  (psp->config_es ? SS_SEV_STATUS_FLAGS_CONFIG_ES : 0);
	s.build = psp->p.build;
	s.guest_count = guests;
	memcpy(buf, &s, sizeof(s));
	return SS_SEV_SUCCESS;
}

/* DF_FLUSH frees ASIDs deactivated before the last WBINVD; WBINVD_REQUIRED if some ASID was
 * deactivated after it (firmware-abi.md §1.6, Linux sev.c ASID recycling). */
uint32_t ss_psp_cmd_df_flush(ss_psp *psp, struct ss_psp_guest *g, void *buf, ss_error *err)
{
	for (unsigned a = 1; a <= psp->nr_asids; a++)
		if (psp->asids[a].state == SS_PSP_ASID_NEED_WBINVD)
			return ss_psp_fail(err, SS_SEV_WBINVD_REQUIRED,
					   "ASID %u was deactivated after the last WBINVD", a);
	for (unsigned a = 1; a <= psp->nr_asids; a++)
		if (psp->asids[a].state == SS_PSP_ASID_NEED_DF_FLUSH) {
			psp->asids[a].state = SS_PSP_ASID_FREE;
			psp->asids[a].snp = false;
		}
	return SS_SEV_SUCCESS;
}

void ss_psp_wbinvd(ss_psp *psp)
{
	for (unsigned a = 1; a <= psp->nr_asids; a++)
		if (psp->asids[a].state == SS_PSP_ASID_NEED_WBINVD)
			psp->asids[a].state = SS_PSP_ASID_NEED_DF_FLUSH;
}

/* GET_ID: one 64-byte id per socket; this part has one socket. Length query: a short buffer
 * gets INVALID_LENGTH and the required length (firmware-abi.md §1.1). */
uint32_t ss_psp_cmd_get_id(ss_psp *psp, struct ss_psp_guest *g, void *buf, ss_error *err)
{
	struct ss_sev_data_addr_len d;
	memcpy(&d, buf, sizeof(d));
	if (d.len < SS_SEV_ID_SIZE) {
		ss_put_le32((uint8_t *)buf + offsetof(struct ss_sev_data_addr_len, len),
			    SS_SEV_ID_SIZE);
		return ss_psp_fail(err, SS_SEV_INVALID_LENGTH, "get_id.len %u < %u", d.len,
				   SS_SEV_ID_SIZE);
	}
	uint8_t id[SS_SEV_ID_SIZE];
	ss_psp_chip_id(psp, id);
	uint32_t st = ss_psp_write(psp, d.address, id, sizeof(id), "get_id.address", err);
	if (st)
		return st;
	ss_put_le32((uint8_t *)buf + offsetof(struct ss_sev_data_addr_len, len), SS_SEV_ID_SIZE);
	return SS_SEV_SUCCESS;
}
