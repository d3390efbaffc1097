/* Hostile host and guests against the RMP (cpu-svm-sev.md §8): the input is a program of
 * RMPUPDATE, PSMASH, PVALIDATE, RMPADJUST, guest, host, DMA and mapped accesses on a 4 MiB machine
 * with two SNP guests (ASIDs 1, 2) and one SEV guest (ASID 3). After every step the harness checks:
 *  - a host or DMA write that succeeded touched only pages whose governing entry is unassigned;
 *  - an SNP guest private access that succeeded had an assigned, matching, validated entry whose
 *    VMPL mask allows it;
 *  - integrity: an SNP guest's private page reads back what that guest last wrote as long as no RMP
 *    entry over it changed (whatever the host and the other guests did in between);
 *  - every stored view is lossless: the DRAM bytes equal the XTS encryption of each key's view;
 *  - a 2 MiB entry has no assigned 4 KiB entries under it, and the large-page counters are exact;
 *  - instruction results are architectural codes.
 * Any violation aborts (a crash for libFuzzer, a failure for the replay test). */
#include "fuzz_input.h"
#include "mem/internal.h"

#include <softsev/crypto_xts.h>
#include <softsev/mem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DRAM_SZ	  (4u << 20)
#define NPAGES	  (DRAM_SZ / SS_MEM_PAGE)
#define RMP_AT	  (DRAM_SZ - 0x20000) /* 128 KiB at the top: 16 KiB + 16 * 1024 */
#define MAX_STEPS 64

#define FAILIF(cond) FZ_FAILIF("fuzz_rmp", cond)

struct shadow {
	bool valid;
	uint16_t asid;
	uint8_t data[SS_MEM_PAGE];
};

static struct shadow shadows[NPAGES]; /* per page */
static uint8_t keys[4][32];
static ss_xts *xts[4];

static void on_inval(void *opaque, uint64_t spa, uint64_t len, enum ss_mem_inval_reason why)
{
	(void)opaque;
	if (why == SS_MEM_INVAL_VIEW || why == SS_MEM_INVAL_WRITE)
		return; /* the model's bytes stay right: only RMP and key changes reset it */
	for (uint64_t p = spa / SS_MEM_PAGE; p < (spa + len) / SS_MEM_PAGE && p < NPAGES; p++)
		shadows[p].valid = false;
}

static uint64_t page_spa(uint64_t idx)
{
	return (idx % NPAGES) * SS_MEM_PAGE;
}

/* Guest frames map to sPA = GPA (identity nested mapping) unless the program says otherwise. */
static void check_views(struct ss_mem *m, struct ss_mem_fw *fw, uint64_t pfn)
{
	uint8_t raw[SS_MEM_PAGE], view[SS_MEM_PAGE];
	uint64_t spa = pfn * SS_MEM_PAGE;
	FAILIF(ss_mem_fw_read(fw, SS_MEM_FW_NOKEY, spa, raw, sizeof(raw), NULL));
	for (unsigned k = 1; k <= 3; k++) {
		FAILIF(ss_mem_fw_read(fw, (uint16_t)k, spa, view, sizeof(view), NULL));
		FAILIF(ss_xts_encrypt(xts[k], spa >> 4, view, view, sizeof(view)));
		FAILIF(memcmp(view, raw, sizeof(raw)) != 0);
	}
	(void)m;
}

static void check_region(struct ss_mem *m, uint64_t pfn)
{
	uint64_t head = pfn & ~(uint64_t)511;
	if (head + 512 > NPAGES)
		return;
	struct ss_rmp_entry h = ss__rmp_get(m, head);
	unsigned assigned = h.assigned;
	for (unsigned i = 1; i < 512; i++) {
		struct ss_rmp_entry e = ss__rmp_get(m, head + i);
		assigned += e.assigned;
		if (h.pagesize == SS_RMP_PG_2M)
			FAILIF(e.assigned);
	}
	FAILIF(m->assigned_2m[head / 512] != assigned);
}

/* The checks a successful SNP guest private access implies (§8.3). */
static void check_guest_ok(struct ss_mem *m, const struct ss_mem_access *a, uint64_t spa)
{
	uint64_t gpa;
	struct ss_rmp_entry e = ss__rmp_governing(m, spa / SS_MEM_PAGE, &gpa, NULL);
	FAILIF(!e.assigned || e.asid != a->asid || !e.validated);
	FAILIF(gpa != (a->gpa & ~0xFFFull));
	static const uint8_t need[] = {SS_RMP_PERM_READ, SS_RMP_PERM_WRITE, SS_RMP_PERM_EXEC_USER,
				       SS_RMP_PERM_EXEC_SUPER};
	FAILIF(!(e.perms[a->vmpl] & need[a->type]));
}

static void after_private_write(struct ss_mem_fw *fw, uint16_t asid, uint64_t pfn)
{
	shadows[pfn].valid = true;
	shadows[pfn].asid = asid;
	FAILIF(ss_mem_fw_read(fw, asid, pfn * SS_MEM_PAGE, shadows[pfn].data, SS_MEM_PAGE, NULL));
}

static void check_shadows(struct ss_mem_fw *fw)
{
	uint8_t now[SS_MEM_PAGE];
	for (uint64_t p = 0; p < NPAGES; p++) {
		if (!shadows[p].valid)
			continue;
		FAILIF(
		    ss_mem_fw_read(fw, shadows[p].asid, p * SS_MEM_PAGE, now, SS_MEM_PAGE, NULL));
		FAILIF(memcmp(now, shadows[p].data, SS_MEM_PAGE) != 0);
	}
}

static bool rc_ok(const struct ss_rmp_result *r)
{
	return r->eax <= 4 || r->eax == SS_RMP_FAIL_SIZEMISMATCH;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_rd in = {data, size};
	struct ss_mem_config cfg = {.dram_size = DRAM_SZ, .max_asid = 3, .seed = 7};
	struct ss_mem *m;
	if (ss_mem_create(&cfg, &m, NULL))
		abort();
	struct ss_mem_fw *fw = ss_mem_claim_firmware_port(m);
	for (unsigned p = 0; p < NPAGES; p++)
		shadows[p].valid = false;
	FAILIF(ss_mem_add_listener(m, on_inval, NULL, NULL));
	FAILIF(ss_mem_set_rmp_range(m, RMP_AT, DRAM_SZ - 1, NULL) || ss_mem_snp_enable(m, NULL));
	for (unsigned k = 1; k <= 3; k++) {
		for (unsigned i = 0; i < 32; i++)
			keys[k][i] = (uint8_t)(k * 31 + i * 7 + 1);
		FAILIF(ss_xts_new(keys[k], 32, &xts[k], NULL));
		FAILIF(ss_mem_fw_key_load(fw, (uint16_t)k, keys[k], 32,
					  k == 3 ? SS_MEM_KEY_SEV : SS_MEM_KEY_SNP, NULL));
	}
	uint8_t buf[2 * SS_MEM_PAGE];
	for (int step = 0; step < MAX_STEPS && in.n; step++) {
		unsigned op = (unsigned)fz_take(&in, 1) % 9;
		struct ss_mem_fault f;
		struct ss_rmp_result r = {0xEE, false};
		ss_error err;
		uint64_t touched = NPAGES; /* a page whose views to check */
		switch (op) {
		case 0: { /* RMPUPDATE */
			uint64_t spa = page_spa(fz_take(&in, 2));
			if (fz_take(&in, 1) & 1)
				spa &= ~(uint64_t)0x1FFFFF;
			struct ss_abi_rmp_state st = {.gpa = fz_take(&in, 3) << 12,
						      .assigned = (uint8_t)(fz_take(&in, 1) % 3),
						      .pagesize = (uint8_t)(fz_take(&in, 1) % 3),
						      .immutable =
							  (uint8_t)(fz_take(&in, 1) % 5 == 0),
						      .rsvd = (uint8_t)(fz_take(&in, 1) % 17 == 0),
						      .asid = (uint32_t)(fz_take(&in, 1) % 5)};
			if (fz_take(&in, 1) & 1)
				st.gpa = spa; /* identity: the GPA the guests will use */
			int rc = ss_mem_rmpupdate(m, spa, &st, &r, &f, &err);
			FAILIF(rc != 0 || !rc_ok(&r));
			touched = spa / SS_MEM_PAGE;
			break;
		}
		case 1: { /* PSMASH */
			uint64_t spa = page_spa(fz_take(&in, 2));
			if (fz_take(&in, 1) & 1)
				spa &= ~(uint64_t)0x1FFFFF;
			FAILIF(ss_mem_psmash(m, spa, &r, &f, &err) != 0 || !rc_ok(&r));
			touched = spa / SS_MEM_PAGE;
			break;
		}
		case 2:
		case 3: { /* PVALIDATE / RMPADJUST from a guest */
			uint64_t spa = page_spa(fz_take(&in, 2));
			if (fz_take(&in, 1) & 1)
				spa &= ~(uint64_t)0x1FFFFF;
			struct ss_mem_guest_op o = {.asid = (uint16_t)(fz_take(&in, 1) % 4),
						    .vmpl = (uint8_t)(fz_take(&in, 1) % 4),
						    .map_size = (uint8_t)(fz_take(&in, 1) % 3),
						    .spa = spa,
						    .gpa = spa,
						    .gva = spa + 0x7f0000000000ull,
						    .rcx = fz_take(&in, 1) % 3,
						    .rdx = op == 2 ? fz_take(&in, 1) % 3
								   : fz_take(&in, 3)};
			if (fz_take(&in, 1) % 7 == 0)
				o.gpa ^= 0x1000;
			int rc = op == 2 ? ss_mem_pvalidate(m, &o, &r, &f, &err)
					 : ss_mem_rmpadjust(m, &o, &r, &f, &err);
			FAILIF(rc < 0);
			FAILIF(rc == 0 && !rc_ok(&r));
			FAILIF(rc == SS_MEM_FAULTED && f.kind != SS_MEM_FAULT_UD &&
			       f.kind != SS_MEM_FAULT_NPF && f.kind != SS_MEM_FAULT_VC);
			touched = spa / SS_MEM_PAGE;
			break;
		}
		case 4:
		case 5: { /* guest access, or a mapped guest access */
			uint64_t spa = page_spa(fz_take(&in, 2));
			unsigned off = (unsigned)fz_take(&in, 2) % SS_MEM_PAGE;
			size_t len = 1 + (size_t)fz_take(&in, 1) % 64;
			if (off + len > SS_MEM_PAGE)
				len = SS_MEM_PAGE - off;
			struct ss_mem_access a = {.actor = SS_MEM_GUEST,
						  .type = (enum ss_mem_type)(fz_take(&in, 1) % 4),
						  .flags = (unsigned)fz_take(&in, 1) & 0xF,
						  .asid = (uint16_t)(fz_take(&in, 1) % 4),
						  .vmpl = (uint8_t)(fz_take(&in, 1) % 4),
						  .map_size = (uint8_t)(fz_take(&in, 1) % 3),
						  .gpa = spa + off};
			bool snp = ss_mem_key_mode(m, a.asid) == SS_MEM_KEY_SNP;
			bool private = snp && ((a.flags & (SS_MEM_C | SS_MEM_PTWALK)) ||
					       a.type >= SS_MEM_EXEC_USER);
			int rc;
			if (op == 5) {
				uint8_t *page;
				rc = ss_mem_map(m, &a, spa + off, &page, &f, &err);
				if (rc == 0 && a.type == SS_MEM_WRITE)
					memset(page + off, (int)fz_take(&in, 1), len);
			} else if (a.type == SS_MEM_WRITE) {
				memset(buf, (int)fz_take(&in, 1), len);
				rc = ss_mem_write(m, &a, spa + off, buf, len, &f, &err);
			} else {
				rc = ss_mem_read(m, &a, spa + off, buf, len, &f, &err);
			}
			FAILIF(rc < 0 && !(op == 5 && spa >= RMP_AT));
			if (rc == 0 && private)
				check_guest_ok(m, &a, spa);
			if (rc == 0 && private && a.type == SS_MEM_WRITE)
				after_private_write(fw, a.asid, spa / SS_MEM_PAGE);
			if (rc == 0 && !snp && a.type == SS_MEM_WRITE)
				FAILIF(
				    ss__rmp_governing(m, spa / SS_MEM_PAGE, NULL, NULL).assigned);
			touched = spa / SS_MEM_PAGE;
			break;
		}
		case 6:
		case 7:
		case 8: { /* host (6, 8: mapped) or DMA (7) access, up to two pages */
			uint64_t spa = page_spa(fz_take(&in, 2)) + fz_take(&in, 2) % SS_MEM_PAGE;
			size_t len = 1 + (size_t)fz_take(&in, 2) % sizeof(buf);
			if (spa + len > DRAM_SZ)
				len = DRAM_SZ - spa;
			struct ss_mem_access a = {.actor = op == 7 ? SS_MEM_DMA : SS_MEM_HOST,
						  .type = (fz_take(&in, 1) & 1) ? SS_MEM_WRITE
										: SS_MEM_READ,
						  .flags = (unsigned)fz_take(&in, 1) & SS_MEM_C,
						  .map_size = (uint8_t)(fz_take(&in, 1) % 3)};
			int rc;
			if (op == 8) {
				uint8_t *page;
				rc = ss_mem_map(m, &a, spa, &page, &f, &err);
				FAILIF(rc < 0 && !(spa >= RMP_AT && (a.flags & SS_MEM_C)));
				if (rc == 0 && a.type == SS_MEM_WRITE)
					page[spa % SS_MEM_PAGE] ^= 0x5A;
				len = 1;
			} else if (a.type == SS_MEM_WRITE) {
				memset(buf, (int)fz_take(&in, 1), len);
				rc = ss_mem_write(m, &a, spa, buf, len, &f, &err);
				FAILIF(rc < 0);
			} else {
				rc = ss_mem_read(m, &a, spa, buf, len, &f, &err);
				FAILIF(rc < 0);
			}
			if (rc == 0 && a.type == SS_MEM_WRITE)
				for (uint64_t p = spa / SS_MEM_PAGE;
				     p <= (spa + len - 1) / SS_MEM_PAGE; p++)
					FAILIF(ss__rmp_governing(m, p, NULL, NULL).assigned);
			touched = spa / SS_MEM_PAGE;
			break;
		}
		}
		if (touched < NPAGES) {
			check_views(m, fw, touched);
			check_region(m, touched);
		}
		check_shadows(fw);
	}
	for (unsigned k = 1; k <= 3; k++)
		ss_xts_free(xts[k]);
	ss_mem_destroy(m);
	return 0;
}
