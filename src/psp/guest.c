/* Guest context commands (firmware-abi.md §1.5, §1.6): ACTIVATE, DEACTIVATE, DECOMMISSION,
 * GUEST_STATUS, DBG_DECRYPT, DBG_ENCRYPT. The dispatcher has already found the guest and checked
 * its state and, for DBG_*, its ASID. */
#include <stdlib.h>
#include <string.h>

#include "psp/psp_internal.h"

/* ACTIVATE binds the guest's VEK to an ASID (§1.6):
 * 1. the ASID is in 1..nr_asids (INVALID_ASID);
 * 2. the guest holds no other ASID (ACTIVE);
 * 3. no other guest holds this ASID (ASID_OWNED);
 * 4. the ASID is not waiting for WBINVD + DF_FLUSH since its last DEACTIVATE (DFFLUSH_REQUIRED);
 * 5. the key is loaded into the ASID's slot of the memory encryption engine. */
uint32_t ss_psp_cmd_activate(ss_psp *psp, struct ss_psp_guest *g, void *buf, ss_error *err)
{
	struct ss_sev_data_activate d;
	memcpy(&d, buf, sizeof(d));
	if (!d.asid || d.asid > psp->nr_asids)
		return ss_psp_fail(err, SS_SEV_INVALID_ASID, "activate.asid %u is not in 1..%u",
				   d.asid, psp->nr_asids);
	if (g->asid == d.asid)
		return SS_SEV_SUCCESS;
	if (g->asid)
		return ss_psp_fail(err, SS_SEV_ACTIVE, "guest %u is already bound to ASID %u",
				   g->handle, g->asid);
	struct ss_psp_asid *a = &psp->asids[d.asid];
	if (a->state == SS_PSP_ASID_BOUND)
		return ss_psp_fail(err, SS_SEV_ASID_OWNED, "ASID %u is bound to guest %u", d.asid,
				   a->handle);
	if (a->state != SS_PSP_ASID_FREE)
		return ss_psp_fail(err, SS_SEV_DFFLUSH_REQUIRED,
				   "ASID %u was deactivated and awaits %sDF_FLUSH", d.asid,
				   a->state == SS_PSP_ASID_NEED_WBINVD ? "WBINVD and " : "");
	if (psp->mem) {
		int rc = psp->mem->set_key(psp->mem_ctx, d.asid, g->vek, sizeof(g->vek));
		if (rc)
			return ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM,
					   "loading the key into ASID %u failed (%s)", d.asid,
					   ss_status_name(rc));
	}
	a->state = SS_PSP_ASID_BOUND;
	a->handle = g->handle;
	g->asid = d.asid;
	return SS_SEV_SUCCESS;
}

/* DEACTIVATE unbinds the ASID; the ASID needs WBINVD and DF_FLUSH before reuse (§1.6). */
uint32_t ss_psp_cmd_deactivate(ss_psp *psp, struct ss_psp_guest *g, void *buf, ss_error *err)
{
	if (!g->asid)
		return ss_psp_fail(err, SS_SEV_INACTIVE, "guest %u is not bound to an ASID",
				   g->handle);
	if (psp->mem)
		psp->mem->set_key(psp->mem_ctx, g->asid, NULL, 0);
	psp->asids[g->asid].state = SS_PSP_ASID_NEED_WBINVD;
	psp->asids[g->asid].handle = 0;
	g->asid = 0;
	return SS_SEV_SUCCESS;
}

/* DECOMMISSION frees a deactivated context (ACTIVE while it holds an ASID, §1.6 [I]). */
uint32_t ss_psp_cmd_decommission(ss_psp *psp, struct ss_psp_guest *g, void *buf, ss_error *err)
{
	if (g->asid)
		return ss_psp_fail(err, SS_SEV_ACTIVE,
				   "guest %u is still bound to ASID %u; DEACTIVATE first",
				   g->handle, g->asid);
	ss_psp_free_guest(psp, g);
	return SS_SEV_SUCCESS;
}

uint32_t ss_psp_cmd_guest_status(ss_psp *psp, struct ss_psp_guest *g, void *buf, ss_error *err)
{
	struct ss_sev_data_guest_status s = {
	    .handle = g->handle, .policy = g->policy, .asid = g->asid, .state = g->state};
	memcpy(buf, &s, sizeof(s));
	return SS_SEV_SUCCESS;
}

#define DBG_MAX_LEN (1024u * 1024u)

/* DBG_DECRYPT / DBG_ENCRYPT (§1.5, §2):
 * 1. the policy allows debugging (NODBG = 0, else POLICY_FAILURE);
 * 2. len is a non-zero multiple of 16 up to 1 MiB (INVALID_LENGTH);
 * 3. both addresses are 16-byte aligned (INVALID_ADDRESS);
 * 4. copy through the guest's key in one direction, the host's view in the other. */
static uint32_t dbg(ss_psp *psp, struct ss_psp_guest *g, void *buf, bool decrypt, ss_error *err)
{
	struct ss_sev_data_dbg d;
	memcpy(&d, buf, sizeof(d));
	if (g->policy & SS_SEV_POLICY_NODBG)
		return ss_psp_fail(err, SS_SEV_POLICY_FAILURE, "guest %u policy 0x%x has NODBG set",
				   g->handle, g->policy);
	if (!d.len || d.len % 16 || d.len > DBG_MAX_LEN)
		return ss_psp_fail(err, SS_SEV_INVALID_LENGTH,
				   "dbg.len %u is not a multiple of 16 in 16..%u", d.len,
				   DBG_MAX_LEN);
	if ((d.src_addr | d.dst_addr) & 15)
		return ss_psp_fail(err, SS_SEV_INVALID_ADDRESS,
				   "dbg.src_addr 0x%llx / dst_addr 0x%llx not 16-byte aligned",
				   (unsigned long long)d.src_addr, (unsigned long long)d.dst_addr);
	uint8_t *tmp = malloc(d.len);
	if (!tmp)
		return ss_psp_fail(err, SS_SEV_RESOURCE_LIMIT, "out of memory");
	uint32_t st;
	if (decrypt) {
		st = ss_psp_read_enc(psp, g->asid, d.src_addr, tmp, d.len, "dbg.src_addr", err);
		if (!st)
			st = ss_psp_write(psp, d.dst_addr, tmp, d.len, "dbg.dst_addr", err);
	} else {
		st = ss_psp_read(psp, d.src_addr, tmp, d.len, "dbg.src_addr", err);
		if (!st)
			st = ss_psp_write_enc(psp, g->asid, d.dst_addr, tmp, d.len, "dbg.dst_addr",
					      err);
	}
	free(tmp);
	return st;
}

uint32_t ss_psp_cmd_dbg_decrypt(ss_psp *psp, struct ss_psp_guest *g, void *buf, ss_error *err)
{
	return dbg(psp, g, buf, true, err);
}

uint32_t ss_psp_cmd_dbg_encrypt(ss_psp *psp, struct ss_psp_guest *g, void *buf, ss_error *err)
{
	return dbg(psp, g, buf, false, err);
}
