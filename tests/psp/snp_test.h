/* Shared helpers of the SNP tests (snp-platform, snp-launch, snp-msg): the PSP on the memory model
 * with an RMP and SNP enabled, SNP_INIT done, and the host's RMPUPDATEs that hand pages to the
 * firmware or to a guest before a command (what Linux's rmp_mark_pages_firmware() and KVM's
 * sev_gmem_post_populate() do). Tests may include psp/snp_internal.h to look inside. */
#ifndef SS_TEST_SNP_H
#define SS_TEST_SNP_H

#include <softsev/abi/snp_api.h>
#include <softsev/mem.h>
#include <softsev/psp.h>
#include <stdio.h>
#include <string.h>

#define TSNP_DRAM     (16u << 20) /* 16 MiB of DRAM */
#define TSNP_RMP_BASE 0xF00000u	  /* the RMP in the last MiB: 0x4000 + 16 * 4096 bytes needed */
#define TSNP_RMP_END  (TSNP_DRAM - 1)
#define TSNP_ASIDS    15u
#define TSNP_PAGE     4096u

struct tsnp {
	struct ss_mem *m;
	struct ss_mem_fw *fw;
	ss_psp *psp;
};

struct tsnp_opts {
	const char *state_dir; /* NULL: ephemeral PSP */
	const char *product;   /* NULL: Milan */
	uint64_t current_tcb;  /* 0: the product's default */
	bool no_rmp;	       /* no RMP range, SNP not enabled (SNP_INIT must refuse) */
	bool no_init;	       /* do not run SNP_INIT */
};

/* Runs a command and returns its SEV status; prints the message of a failure. */
static inline uint32_t tsnp_cmd(struct tsnp *t, uint32_t cmd, void *buf, size_t len)
{
	uint32_t st = 0xffff;
	ss_error err = {0};
	int rc = ss_psp_command(t->psp, cmd, buf, len, &st, &err);
	if (rc)
		printf("#   %s -> %s (%s)\n", ss_sev_cmd_name(cmd), ss_sev_status_name(st),
		       err.msg);
	if ((rc == 0) != (st == 0))
		printf("#   return code %d disagrees with status %u\n", rc, st);
	return st;
}

/* Like tsnp_cmd but also hands back the error message (for tests of the field named). */
static inline uint32_t tsnp_cmd_msg(struct tsnp *t, uint32_t cmd, void *buf, size_t len,
				    ss_error *err)
{
	uint32_t st = 0xffff;
	memset(err, 0, sizeof(*err));
	ss_psp_command(t->psp, cmd, buf, len, &st, err);
	return st;
}

/* Makes the memory (16 MiB, RMP in the last MiB, SNP enabled unless o->no_rmp), opens a PSP on
 * its firmware port (RSA-2048 CA keys for speed) and runs SNP_INIT unless o->no_init. Returns 0,
 * or -1 after printing why. */
static inline int tsnp_open_opts(struct tsnp *t, const struct tsnp_opts *o)
{
	ss_error err = {0};
	memset(t, 0, sizeof(*t));
	struct ss_mem_config mc = {.dram_size = TSNP_DRAM, .max_asid = TSNP_ASIDS, .seed = 7};
	if (ss_mem_create(&mc, &t->m, &err)) {
		printf("# ss_mem_create: %s\n", err.msg);
		return -1;
	}
	if (!o->no_rmp && (ss_mem_set_rmp_range(t->m, TSNP_RMP_BASE, TSNP_RMP_END, &err) ||
			   ss_mem_snp_enable(t->m, &err))) {
		printf("# SNP on the memory: %s\n", err.msg);
		return -1;
	}
	t->fw = ss_mem_claim_firmware_port(t->m);
	struct ss_psp_config cfg = {
	    .state_dir = o->state_dir,
	    .ephemeral = o->state_dir == NULL,
	    .mem = ss_psp_mem_model_ops(),
	    .mem_ctx = t->fw,
	    .nr_asids = TSNP_ASIDS,
	    .ark_bits = 2048,
	    .snp_product = o->product,
	    .snp_current_tcb = o->current_tcb,
	};
	if (ss_psp_open(&cfg, &t->psp, &err)) {
		printf("# ss_psp_open: %s\n", err.msg);
		return -1;
	}
	if (!o->no_init && tsnp_cmd(t, SS_CMD_SNP_INIT, NULL, 0) != SS_SEV_SUCCESS)
		return -1;
	return 0;
}

/* An ephemeral Milan PSP with SNP up. */
static inline int tsnp_open(struct tsnp *t)
{
	struct tsnp_opts o = {0};
	return tsnp_open_opts(t, &o);
}

static inline void tsnp_close(struct tsnp *t)
{
	ss_psp_close(t->psp);
	ss_mem_destroy(t->m);
	memset(t, 0, sizeof(*t));
}

/* The host's RMPUPDATE of the 4 KiB page at spa. Returns the instruction's EAX (0 = success),
 * or -1 if it faulted or failed. */
static inline int tsnp_rmpupdate(struct tsnp *t, uint64_t spa, uint64_t gpa, bool assigned,
				 uint32_t asid, bool immutable)
{
	struct ss_abi_rmp_state st = {
	    .gpa = gpa, .assigned = assigned, .immutable = immutable, .asid = asid};
	struct ss_rmp_result r = {0};
	struct ss_mem_fault f = {0};
	ss_error err = {0};
	if (ss_mem_rmpupdate(t->m, spa, &st, &r, &f, &err)) {
		printf("# RMPUPDATE 0x%llx: %s\n", (unsigned long long)spa, err.msg);
		return -1;
	}
	if (r.eax)
		printf("# RMPUPDATE 0x%llx: %s\n", (unsigned long long)spa, ss_rmp_rc_name(r.eax));
	return (int)r.eax;
}

/* Firmware state (assigned, immutable, ASID 0, GPA 0): the output pages of SNP_PLATFORM_STATUS,
 * SNP_FEATURE_INFO, the GCTX page of SNP_GCTX_CREATE, a guest request's response page. */
static inline int tsnp_make_firmware(struct tsnp *t, uint64_t spa)
{
	return tsnp_rmpupdate(t, spa, 0, true, 0, true);
}

/* Pre-guest state (assigned to asid at gpa, immutable): a page SNP_LAUNCH_UPDATE will take. */
static inline int tsnp_make_preguest(struct tsnp *t, uint64_t spa, uint64_t gpa, uint32_t asid)
{
	return tsnp_rmpupdate(t, spa, gpa, true, asid, true);
}

/* Back to the hypervisor (works on mutable pages: hypervisor, Reclaim, guest pages). */
static inline int tsnp_make_shared(struct tsnp *t, uint64_t spa)
{
	return tsnp_rmpupdate(t, spa, 0, false, 0, false);
}

/* SNP_PAGE_RECLAIM then RMPUPDATE to hypervisor: the host taking a firmware page back. Returns
 * the SEV status of the reclaim (or 0xffff if the RMPUPDATE failed). */
static inline uint32_t tsnp_reclaim(struct tsnp *t, uint64_t spa)
{
	struct ss_snp_data_page d = {.paddr = spa};
	uint32_t st = tsnp_cmd(t, SS_CMD_SNP_PAGE_RECLAIM, &d, sizeof(d));
	if (st)
		return st;
	return tsnp_make_shared(t, spa) ? 0xffff : 0;
}

/* The host's (plaintext) view of memory: what it reads from a firmware page. */
static inline int tsnp_host_read(struct tsnp *t, uint64_t spa, void *buf, size_t len)
{
	struct ss_mem_access a = {.actor = SS_MEM_HOST, .type = SS_MEM_READ};
	struct ss_mem_fault f = {0};
	ss_error err = {0};
	int rc = ss_mem_read(t->m, &a, spa, buf, len, &f, &err);
	if (rc)
		printf("# host read 0x%llx: %s %s\n", (unsigned long long)spa, err.msg,
		       f.rule ? f.rule : "");
	return rc;
}

static inline int tsnp_host_write(struct tsnp *t, uint64_t spa, const void *buf, size_t len)
{
	struct ss_mem_access a = {.actor = SS_MEM_HOST, .type = SS_MEM_WRITE};
	struct ss_mem_fault f = {0};
	ss_error err = {0};
	int rc = ss_mem_write(t->m, &a, spa, buf, len, &f, &err);
	if (rc)
		printf("# host write 0x%llx: %s %s\n", (unsigned long long)spa, err.msg,
		       f.rule ? f.rule : "");
	return rc;
}

/* SNP_PLATFORM_STATUS through a firmware page at spa, reclaimed afterwards (Linux's flow). */
static inline uint32_t tsnp_status(struct tsnp *t, uint64_t spa, struct ss_snp_platform_status *o)
{
	if (tsnp_make_firmware(t, spa))
		return 0xffff;
	struct ss_snp_data_platform_status d = {.status_paddr = spa};
	uint32_t st = tsnp_cmd(t, SS_CMD_SNP_PLATFORM_STATUS, &d, sizeof(d));
	if (!st && tsnp_host_read(t, spa, o, sizeof(*o)))
		st = 0xffff;
	uint32_t rs = tsnp_reclaim(t, spa);
	return st ? st : rs;
}

#endif
