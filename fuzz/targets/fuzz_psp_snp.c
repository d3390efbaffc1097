/* Fuzzes the SEV-SNP half of the PSP command boundary (STYLE.md 10) on the memory model with an
 * RMP: random command ids and buffers, the host's RMPUPDATEs and writes in between, socket frames;
 * the platform is put back to a known state before every input (state import included), and after
 * it the persistent state must round-trip through export and import, and the RMP's own pages must
 * still be firmware pages (no command may hand the table to the host or write into it).
 *
 * Input: records, each
 *   0x00 op u8: a command id (SEV or SNP), or
 *        0xFF host write: offset u16 (x16) then len data bytes (faults are ignored)
 *        0xFE WBINVD
 *        0xFD a socket frame of len bytes for ss_psp_frame_handle
 *        0xFC RMPUPDATE: page u16, asid u8, flags u8 (bit0 assigned, bit1 immutable, bit2 2 MiB,
 *             bit3 GPA = sPA) — len is ignored
 *   0x01 len u8: buffer length (command) or data length
 *   0x02 ... as above; for a command, len buffer bytes.
 */
#include <softsev/mem.h>
#include <softsev/psp.h>
#include <stdlib.h>
#include <string.h>

#include "psp/snp_internal.h"

#define DRAM	 (4u << 20)
#define RMP_BASE (DRAM - 0x10000u) /* 64 KiB: the table needs 0x4000 + 16 * 1024 bytes */
#define PAGE	 4096u
#define ASIDS	 15u

static struct ss_mem *m;
static ss_psp *psp, *twin;
static uint8_t *blob0;
static size_t blob0_len;

static void setup(void)
{
	ss_error err;
	struct ss_mem_config mc = {.dram_size = DRAM, .max_asid = ASIDS, .seed = 3};
	if (ss_mem_create(&mc, &m, &err) || ss_mem_set_rmp_range(m, RMP_BASE, DRAM - 1, &err) ||
	    ss_mem_snp_enable(m, &err))
		abort();
	struct ss_psp_config cfg = {.ephemeral = true,
				    .mem = ss_psp_mem_model_ops(),
				    .mem_ctx = ss_mem_claim_firmware_port(m),
				    .nr_asids = ASIDS,
				    .ark_bits = 2048};
	struct ss_psp_config tcfg = {.ephemeral = true, .nr_asids = ASIDS, .ark_bits = 2048};
	if (ss_psp_open(&cfg, &psp, &err) || ss_psp_open(&tcfg, &twin, &err) ||
	    ss_psp_export_state(psp, &blob0, &blob0_len, &err))
		abort();
}

/* Back to a known platform: no guest contexts or guests, SNP and SEV UNINIT, every ASID free,
 * every page below the RMP a zeroed hypervisor page, the saved persistent state. */
static void reset(void)
{
	ss_error err;
	uint32_t st;
	struct ss_psp_snp *s = psp->snp;
	for (unsigned i = 0; i < SS_SNP_MAX_GCTX; i++) {
		if (!s->gctx[i].used)
			continue;
		struct ss_snp_data_gctx d = {.gctx_paddr = s->gctx[i].gctx_paddr};
		/* A live context can always be decommissioned: a refusal is a bug. */
		if (ss_psp_command(psp, SS_CMD_SNP_DECOMMISSION, &d, sizeof(d), &st, &err))
			abort();
	}
	ss_psp_command(psp, SS_SEV_CMD_SHUTDOWN, NULL, 0, &st, &err);
	if (ss_psp_command(psp, SS_CMD_SNP_SHUTDOWN, NULL, 0, &st, &err))
		abort();
	for (unsigned a = 1; a <= ASIDS; a++) {
		if (psp->asids[a].state == SS_PSP_ASID_BOUND)
			psp->mem->set_key(psp->mem_ctx, a, NULL, 0);
		psp->asids[a] = (struct ss_psp_asid){0};
	}
	static const uint8_t zero[PAGE];
	const struct ss_rmp_entry hv = {0};
	for (uint64_t pa = 0; pa < RMP_BASE; pa += PAGE)
		if (ss_psp_rmp_set(psp, pa, &hv, "reset", &err) ||
		    ss_psp_write(psp, pa, zero, PAGE, "reset", &err))
			abort();
	if (ss_psp_import_state(psp, blob0, blob0_len, &err))
		abort();
}

static void host_rmpupdate(const uint8_t *p)
{
	uint64_t spa = (uint64_t)(p[0] | p[1] << 8) % (DRAM / PAGE) * PAGE;
	uint8_t flags = p[3];
	struct ss_abi_rmp_state st = {.gpa = flags & 8 ? spa : 0,
				      .assigned = flags & 1,
				      .immutable = (flags >> 1) & 1,
				      .pagesize = (flags >> 2) & 1,
				      .asid = p[2]};
	struct ss_rmp_result r;
	struct ss_mem_fault f;
	ss_error err;
	ss_mem_rmpupdate(m, spa, &st, &r, &f, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!psp)
		setup();
	reset();
	ss_error err;
	uint32_t st;
	size_t off = 0;
	while (off + 2 <= size) {
		uint8_t op = data[off], len = data[off + 1];
		off += 2;
		if (op == 0xFE) {
			ss_psp_wbinvd(psp);
			continue;
		}
		if (op == 0xFC) {
			if (off + 4 > size)
				break;
			host_rmpupdate(data + off);
			off += 4;
			continue;
		}
		size_t n = len <= size - off ? len : size - off;
		if (op == 0xFF) {
			if (off + 2 > size)
				break;
			size_t at = ((size_t)data[off] | (size_t)data[off + 1] << 8) * 16;
			off += 2;
			n = len <= size - off ? len : size - off;
			struct ss_mem_access a = {.actor = SS_MEM_HOST, .type = SS_MEM_WRITE};
			struct ss_mem_fault f;
			if (at + n <= DRAM && n)
				ss_mem_write(m, &a, at, data + off, n, &f, &err);
			off += n;
			continue;
		}
		/* An exact-size heap copy so that ASan sees any read or write past the buffer. */
		uint8_t *buf = malloc(n ? n : 1);
		if (!buf)
			abort();
		memcpy(buf, data + off, n);
		off += n;
		if (op == 0xFD) {
			uint8_t *resp = NULL;
			size_t resp_len = 0;
			if (ss_psp_frame_handle(psp, buf, n, &resp, &resp_len) ||
			    resp_len < SS_PSP_FRAME_RESP_HDR || memcmp(resp, "SSPR", 4))
				abort();
			free(resp);
		} else {
			int rc = ss_psp_command(psp, op, n ? buf : NULL, n, &st, &err);
			if ((rc == 0) != (st == 0))
				abort();
		}
		free(buf);
	}
	/* The RMP's own pages stay firmware pages whatever the commands did. */
	for (uint64_t pa = RMP_BASE; pa < DRAM; pa += PAGE) {
		struct ss_rmp_entry e;
		if (ss_mem_rmp_entry(m, pa, &e, &err) || !e.assigned || !e.immutable || e.asid)
			abort();
	}
	/* The persistent state must round-trip. */
	uint8_t *b1, *b2;
	size_t l1, l2;
	ss_psp_command(twin, SS_SEV_CMD_SHUTDOWN, NULL, 0, &st, &err);
	if (ss_psp_export_state(psp, &b1, &l1, &err) || ss_psp_import_state(twin, b1, l1, &err) ||
	    ss_psp_export_state(twin, &b2, &l2, &err) || l1 != l2 || memcmp(b1, b2, l1))
		abort();
	free(b1);
	free(b2);
	return 0;
}
