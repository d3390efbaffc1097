/* Helpers of the guest-message tests: a PSP on the memory model (RMP, SNP enabled), an SNP
 * identity with an RSA-2048 CA (fast), the SNP platform put in INIT and one guest context put in
 * RUNNING directly through psp/snp_internal.h (what SNP_INIT and a launch leave behind), the
 * hypervisor's request/response pages, and a guest channel on them. */
#ifndef SS_TEST_SNP_MSG_H
#define SS_TEST_SNP_MSG_H

#include <softsev/mem.h>
#include <softsev/sev_guest.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "psp/snp_internal.h"

#define SM_DRAM	    (4u << 20)
#define SM_RMP_BASE 0x200000ull
#define SM_GCTX	    0x100000ull
#define SM_REQ	    0x101000ull
#define SM_RSP	    0x102000ull

struct snp_env {
	struct ss_mem *m;
	struct ss_mem_fw *fw;
	ss_psp *psp;
	struct ss_snp_gctx *g;
	struct ss_snp_secrets_page secrets; /* the guest's SECRETS page */
	struct ss_snp_host_channel ch;
};

/* An identity like ss_snp_identity_open makes, with RSA-2048 CA keys. */
static inline ss_snp_identity *sm_identity(ss_snp_product p, ss_error *err)
{
	ss_snp_identity *id = calloc(1, sizeof(*id));
	if (!id)
		return NULL;
	id->product = p;
	if (ss_random_bytes(id->chip_secret, sizeof(id->chip_secret)) ||
	    ss_random_bytes(id->vlek_seed, sizeof(id->vlek_seed)) ||
	    ss_snp_chip_id_derive(p, id->chip_secret, sizeof(id->chip_secret), id->chip_id, err) ||
	    ss_snp_ca_generate(p, 2048, (int64_t)time(NULL) - 3600, &id->ca, err)) {
		ss_snp_identity_free(id);
		return NULL;
	}
	return id;
}

/* A page in the firmware state (assigned, immutable, ASID 0). The memory model's RMPUPDATE refuses
 * ASID 0 for assigned pages, so the test sets the entry through the firmware port, as SNP commands
 * that hand pages to the firmware would. */
static inline int sm_make_firmware(struct snp_env *e, uint64_t spa, ss_error *err)
{
	struct ss_rmp_entry ent;
	memset(&ent, 0, sizeof(ent));
	ent.assigned = true;
	ent.immutable = true;
	return ss_mem_fw_rmp_set(e->fw, spa, &ent, err);
}

/* A fresh RUNNING guest context: new random VMPCKs, VMRK, report ids, counters at 0; the guest's
 * SECRETS page gets the VMPCKs (as SNP_LAUNCH_UPDATE of the SECRETS page does). */
static inline void sm_new_guest(struct snp_env *e)
{
	struct ss_snp_gctx *g = &e->psp->snp->gctx[0];
	memset(g, 0, sizeof(*g));
	g->used = true;
	g->gctx_paddr = SM_GCTX;
	g->state = SS_SNP_GSTATE_RUNNING;
	g->policy = 0x30000;
	g->asid = 1;
	for (unsigned i = 0; i < SS_SNP_VMPCK_COUNT; i++)
		ss_random_bytes(g->vmpck[i], SS_SNP_VMPCK_LEN);
	ss_random_bytes(g->vmrk, sizeof(g->vmrk));
	ss_random_bytes(g->report_id, sizeof(g->report_id));
	memset(g->report_id_ma, 0xFF, sizeof(g->report_id_ma));
	for (unsigned i = 0; i < 48; i++)
		g->ld[i] = (uint8_t)(0xA0 + i);
	memset(g->family_id, 0xF1, 16);
	memset(g->image_id, 0x1D, 16);
	g->guest_svn = 5;
	g->id_block_en = true;
	memset(g->id_key_digest, 0x1C, 48);
	memset(g->host_data, 0x4D, 32);
	memcpy(g->launch_tcb, e->psp->snp->current_tcb, SS_SNP_TCB_LEN);
	e->g = g;
	memset(&e->secrets, 0, sizeof(e->secrets));
	e->secrets.version = SS_SNP_SECRETS_VERSION;
	memcpy(e->secrets.vmpck, g->vmpck, sizeof(g->vmpck));
}

static inline int sm_open(struct snp_env *e, ss_snp_identity *id, ss_error *err)
{
	memset(e, 0, sizeof(*e));
	struct ss_mem_config mc = {.dram_size = SM_DRAM, .max_asid = 4, .seed = 7};
	if (ss_mem_create(&mc, &e->m, err) || !(e->fw = ss_mem_claim_firmware_port(e->m)) ||
	    ss_mem_set_rmp_range(e->m, SM_RMP_BASE, SM_RMP_BASE + ss_mem_rmp_size_needed(e->m) - 1,
				 err) ||
	    ss_mem_snp_enable(e->m, err))
		return -1;
	struct ss_psp_config cfg = {.ephemeral = true,
				    .mem = ss_psp_mem_model_ops(),
				    .mem_ctx = e->fw,
				    .nr_asids = 4,
				    .ark_bits = 2048};
	if (ss_psp_open(&cfg, &e->psp, err))
		return -1;
	/* What SNP_INIT leaves (snp_platform.c): INIT, the identity, the TCBs. */
	struct ss_psp_snp *s = e->psp->snp;
	s->state = SS_SNP_PLATFORM_INIT;
	s->rmp_initialized = true;
	s->id = id;
	static const uint8_t tcb[8] = {3, 0, 0, 0, 0, 0, 8, 115};
	memcpy(s->current_tcb, tcb, 8);
	memcpy(s->committed_tcb, tcb, 8);
	memcpy(s->reported_tcb, tcb, 8);
	s->committed_major = 1, s->committed_minor = 55, s->committed_build = 21;
	if (sm_make_firmware(e, SM_RSP, err))
		return -1;
	sm_new_guest(e);
	e->ch = (struct ss_snp_host_channel){
	    .psp = e->psp, .gctx_paddr = SM_GCTX, .req_paddr = SM_REQ, .rsp_paddr = SM_RSP};
	return 0;
}

static inline void sm_close(struct snp_env *e)
{
	ss_psp_close(e->psp); /* frees the identity with the SNP platform */
	ss_mem_destroy(e->m);
}

/* A report through the guest's /dev/sev-guest path; returns the ioctl's rc, the payload in rsp. */
static inline int sm_get_report(struct snp_env *e, unsigned vmpck, uint32_t vmpl, uint32_t key_sel,
				const uint8_t data[64], struct ss_snp_msg_report_rsp *rsp,
				ss_error *err)
{
	ss_sev_guest *gu = NULL;
	int rc = ss_sev_guest_open(&e->secrets, vmpck, ss_snp_host_transport, &e->ch, &gu, err);
	if (rc)
		return rc;
	struct ss_snp_report_req req;
	memset(&req, 0, sizeof(req));
	memcpy(req.user_data, data, 64);
	req.vmpl = vmpl;
	memcpy(req.rsvd, &key_sel, 4); /* KEY_SEL at 0x44 (firmware-abi.md §5.2) */
	struct ss_snp_report_resp resp;
	struct ss_snp_guest_request_ioctl io = {
	    .msg_version = 1, .req_data = (uintptr_t)&req, .resp_data = (uintptr_t)&resp};
	rc = ss_sev_guest_ioctl(gu, SS_SNP_GET_REPORT, &io, err);
	memcpy(rsp, resp.data, sizeof(*rsp));
	ss_sev_guest_close(gu);
	return rc;
}

#endif
