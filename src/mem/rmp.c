/* The RMP table in DRAM and the SNP instructions RMPUPDATE, PSMASH, RMPREAD (host), PVALIDATE and
 * RMPADJUST (guest): cpu-svm-sev.md §8. Each instruction checks its rules one per line, in the
 * order the header (include/softsev/mem.h) and the spec give. */
#include "mem/internal.h"

#include "util/bytes.h"

#include <string.h>

#define SPA_2M_MASK ((uint64_t)(2u << 20) - 1)
#define GPA_LIMIT   (1ull << 52) /* RMPUPDATE gpa bits 51:12 */

bool ss__rmp_covers(const struct ss_mem *m, uint64_t pfn)
{
	return m->rmp_set && pfn < m->npages;
}

static uint64_t entry_spa(const struct ss_mem *m, uint64_t pfn)
{
	return m->rmp_base + SS_RMP_BOOKKEEPING + SS_RMP_ENTRY_SIZE * pfn;
}

struct ss_rmp_entry ss__rmp_get(const struct ss_mem *m, uint64_t pfn)
{
	uint64_t a = entry_spa(m, pfn);
	uint8_t b[16];
	/* The table is kept in the clear (TAG_RAW) by ss__rmp_put; a firmware view cannot be
	 * installed (ss_mem_fw_write refuses), but read through the view anyway for safety. */
	if (ss__mem_view_read(m, a >> PAGE_SHIFT, (unsigned)(a & (SS_MEM_PAGE - 1)), TAG_RAW, b,
			      16))
		memset(b, 0, sizeof(b));
	struct ss_abi_rmp_entry raw = {ss_le64(b), ss_le64(b + 8)};
	return ss_rmp_decode(raw);
}

void ss__rmp_put(struct ss_mem *m, uint64_t pfn, const struct ss_rmp_entry *e)
{
	struct ss_rmp_entry old = ss__rmp_get(m, pfn);
	uint64_t a = entry_spa(m, pfn);
	uint8_t b[16];
	struct ss_abi_rmp_entry raw = ss_rmp_encode(e);
	ss_put_le64(b, raw.lo);
	ss_put_le64(b + 8, raw.hi);
	/* Retagging to RAW cannot fail for lack of a key and the table is never under a key. */
	(void)ss__mem_view_write(m, a >> PAGE_SHIFT, (unsigned)(a & (SS_MEM_PAGE - 1)), TAG_RAW, b,
				 16);
	if (old.assigned != e->assigned) {
		if (e->assigned)
			m->assigned_2m[pfn / PAGES_PER_2M]++;
		else
			m->assigned_2m[pfn / PAGES_PER_2M]--;
	}
	bool big = (old.pagesize == SS_RMP_PG_2M || e->pagesize == SS_RMP_PG_2M) &&
		   pfn % PAGES_PER_2M == 0;
	uint64_t spa = pfn << PAGE_SHIFT;
	m->gen[pfn]++;
	ss__mem_notify(m, spa, big ? (2u << 20) : SS_MEM_PAGE, SS_MEM_INVAL_RMP);
}

struct ss_rmp_entry ss__rmp_governing(const struct ss_mem *m, uint64_t pfn, uint64_t *gpa_out,
				      bool *from_head)
{
	uint64_t head = pfn & ~(uint64_t)(PAGES_PER_2M - 1);
	if (head != pfn) {
		struct ss_rmp_entry h = ss__rmp_get(m, head);
		if (h.pagesize == SS_RMP_PG_2M) {
			if (gpa_out)
				*gpa_out = h.gpa + ((pfn - head) << PAGE_SHIFT);
			if (from_head)
				*from_head = true;
			return h;
		}
	}
	struct ss_rmp_entry e = ss__rmp_get(m, pfn);
	if (gpa_out)
		*gpa_out = e.gpa;
	if (from_head)
		*from_head = false;
	return e;
}

uint64_t ss_mem_rmp_size_needed(const struct ss_mem *m)
{
	return SS_RMP_BOOKKEEPING + SS_RMP_ENTRY_SIZE * m->npages;
}

int ss_mem_set_rmp_range(struct ss_mem *m, uint64_t base, uint64_t end, ss_error *err)
{
	if (m->snp)
		return ss_fail(err, SS_ESTATE, "RMP_BASE/RMP_END cannot change while SNPEn is set");
	if (base % SS_RMP_BASE_ALIGN)
		return ss_fail(err, SS_EINVAL, "RMP_BASE 0x%llx is not 8 KiB aligned",
			       (unsigned long long)base);
	if (end < base || end >= m->size)
		return ss_fail(err, SS_EINVAL,
			       "RMP_END 0x%llx: want RMP_BASE <= end < DRAM size 0x%llx",
			       (unsigned long long)end, (unsigned long long)m->size);
	if (end - base + 1 < ss_mem_rmp_size_needed(m))
		return ss_fail(err, SS_EINVAL,
			       "RMP [0x%llx, 0x%llx] covers less than DRAM: needs 0x%llx bytes",
			       (unsigned long long)base, (unsigned long long)end,
			       (unsigned long long)ss_mem_rmp_size_needed(m));
	m->rmp_base = base;
	m->rmp_end = end;
	m->rmp_set = true;
	return 0;
}

void ss_mem_get_rmp_range(const struct ss_mem *m, uint64_t *base, uint64_t *end)
{
	*base = m->rmp_set ? m->rmp_base : 0;
	*end = m->rmp_set ? m->rmp_end : 0;
}

bool ss_mem_snp_enabled(const struct ss_mem *m)
{
	return m->snp;
}

int ss_mem_snp_enable(struct ss_mem *m, ss_error *err)
{
	if (m->snp)
		return ss_fail(err, SS_ESTATE, "SNP is already enabled");
	if (!m->rmp_set)
		return ss_fail(err, SS_ESTATE, "SNPEn needs RMP_BASE/RMP_END set first");
	uint64_t first = m->rmp_base >> PAGE_SHIFT, last = m->rmp_end >> PAGE_SHIFT;
	for (uint64_t p = first; p <= last; p++) {
		(void)ss__mem_retag(m, p, TAG_RAW);
		memset(m->dram + (p << PAGE_SHIFT), 0, SS_MEM_PAGE);
		m->gen[p]++;
	}
	memset(m->assigned_2m, 0,
	       ((m->npages + PAGES_PER_2M - 1) / PAGES_PER_2M) * sizeof(uint16_t));
	m->snp = true;
	/* The RMP's own pages are firmware pages: assigned to ASID 0 and immutable. */
	struct ss_rmp_entry fwpage = {.assigned = true, .immutable = true};
	for (uint64_t p = first; p <= last; p++)
		ss__rmp_put(m, p, &fwpage);
	ss__mem_notify(m, 0, m->size, SS_MEM_INVAL_RMP);
	return 0;
}

int ss_mem_rmp_entry(const struct ss_mem *m, uint64_t spa, struct ss_rmp_entry *out, ss_error *err)
{
	if (!m->rmp_set)
		return ss_fail(err, SS_ESTATE, "no RMP: RMP_BASE/RMP_END not set");
	if (spa >= m->size)
		return ss_fail(err, SS_ERANGE, "sPA 0x%llx outside DRAM", (unsigned long long)spa);
	*out = ss__rmp_get(m, spa >> PAGE_SHIFT);
	return 0;
}

int ss_mem_fw_rmp_get(struct ss_mem_fw *fw, uint64_t spa, struct ss_rmp_entry *out, ss_error *err)
{
	if (!fw->m->snp)
		return ss_fail(err, SS_ESTATE, "RMP read with SNP disabled");
	return ss_mem_rmp_entry(fw->m, spa, out, err);
}

int ss_mem_fw_rmp_set(struct ss_mem_fw *fw, uint64_t spa, const struct ss_rmp_entry *e,
		      ss_error *err)
{
	struct ss_mem *m = fw->m;
	if (!m->snp)
		return ss_fail(err, SS_ESTATE, "RMP transition with SNP disabled");
	if (spa >= m->size)
		return ss_fail(err, SS_ERANGE, "sPA 0x%llx outside DRAM", (unsigned long long)spa);
	if (e->asid > SS_RMP_ASID_MAX || e->gpa & ~SS_RMP_GPA_MASK)
		return ss_fail(err, SS_EINVAL, "RMP entry field %s out of range",
			       e->asid > SS_RMP_ASID_MAX ? "asid" : "gpa");
	/* The RMP's own pages stay firmware pages while SNP is on (ss_mem_snp_enable): no firmware
	 * command may reclaim them or turn them into guest or context pages. */
	if (spa >= m->rmp_base && spa <= m->rmp_end)
		return ss_fail(err, SS_EPOLICY, "sPA 0x%llx is a page of the RMP itself",
			       (unsigned long long)spa);
	ss__rmp_put(m, spa >> PAGE_SHIFT, e);
	return 0;
}

static int rc_result(struct ss_rmp_result *r, unsigned eax, bool cf)
{
	r->eax = eax;
	r->cf = cf;
	return 0;
}

/* ---- host instructions ---- */

int ss_mem_rmpupdate(struct ss_mem *m, uint64_t spa, const struct ss_abi_rmp_state *st,
		     struct ss_rmp_result *r, struct ss_mem_fault *f, ss_error *err)
{
	(void)err;
	if (!m->snp)
		return ss__fault(f, SS_MEM_FAULT_UD, 0, spa, "RMPUPDATE without SYSCFG.SNPEn");
	bool big = st->pagesize & 1;
	if (spa & (SS_MEM_PAGE - 1))
		return rc_result(r, SS_RMP_FAIL_INPUT, false); /* sPA not 4 KiB aligned */
	if (spa >= m->size)
		return rc_result(r, SS_RMP_FAIL_INPUT, false); /* sPA beyond the RMP */
	if (st->pagesize > 1 || st->assigned > 1 || st->immutable > 1 || st->rsvd)
		return rc_result(r, SS_RMP_FAIL_INPUT, false); /* reserved descriptor bits */
	if (big && (spa & SPA_2M_MASK || (st->gpa & SPA_2M_MASK)))
		return rc_result(r, SS_RMP_FAIL_INPUT, false); /* 2 MiB not 2 MiB aligned */
	if (big && spa + (2u << 20) > m->size)
		return rc_result(r, SS_RMP_FAIL_INPUT, false); /* 2 MiB page past DRAM */
	if (st->gpa & (SS_MEM_PAGE - 1) || st->gpa >= GPA_LIMIT)
		return rc_result(r, SS_RMP_FAIL_INPUT, false); /* GPA bits outside 51:12 */
	if (st->asid > m->max_asid)
		return rc_result(r, SS_RMP_FAIL_INPUT, false); /* ASID has no key slot */
	if (!st->assigned && (st->asid || st->immutable))
		return rc_result(r, SS_RMP_FAIL_INPUT,
				 false); /* hypervisor page: ASID 0, mutable */
	/* ASID 0 assigned pages are the firmware's: the host may only hand a 4 KiB page over in
	 * the Firmware state (assigned, immutable, GPA 0), as Linux's rmp_mark_pages_firmware()
	 * does before SNP_PLATFORM_STATUS, SNP_GCTX_CREATE, ... (firmware-abi.md §4.2). */
	if (st->assigned && !st->asid && (!st->immutable || big || st->gpa))
		return rc_result(r, SS_RMP_FAIL_INPUT, false);
	uint64_t pfn = spa >> PAGE_SHIFT;
	bool head_2m = false;
	struct ss_rmp_entry gov = ss__rmp_governing(m, pfn, NULL, &head_2m);
	if (gov.lock)
		return rc_result(r, SS_RMP_FAIL_INUSE, false); /* firmware holds the entry */
	if (gov.immutable)
		return rc_result(r, SS_RMP_FAIL_PERMISSION,
				 false); /* only firmware may change it */
	if (head_2m)
		return rc_result(r, SS_RMP_FAIL_OVERLAP, false); /* 4 KiB inside a 2 MiB entry */
	if (big)
		for (unsigned i = 1; i < PAGES_PER_2M; i++)
			if (ss__rmp_get(m, pfn + i).assigned)
				return rc_result(r, SS_RMP_FAIL_OVERLAP, false); /* §8.6 */
	struct ss_rmp_entry n = gov;
	bool owner_changes = n.assigned != (st->assigned != 0) || n.asid != st->asid ||
			     n.gpa != (st->gpa & SS_RMP_GPA_MASK) || n.pagesize != (big ? 1 : 0);
	if (owner_changes) {
		memset(&n, 0, sizeof(n));
		n.assigned = st->assigned;
		n.asid = (uint16_t)st->asid;
		n.gpa = st->gpa & SS_RMP_GPA_MASK;
		n.pagesize = big ? SS_RMP_PG_2M : SS_RMP_PG_4K;
		if (n.assigned)
			n.perms[0] =
			    SS_RMP_PERM_ALL; /* VMPL0 all, VMPL1-3 none (VS rmp_perm_init) */
	}
	n.immutable = st->immutable;
	ss__rmp_put(m, pfn, &n);
	return rc_result(r, SS_RMP_SUCCESS, false);
}

int ss_mem_psmash(struct ss_mem *m, uint64_t spa, struct ss_rmp_result *r, struct ss_mem_fault *f,
		  ss_error *err)
{
	(void)err;
	if (!m->snp)
		return ss__fault(f, SS_MEM_FAULT_UD, 0, spa, "PSMASH without SYSCFG.SNPEn");
	if (spa & SPA_2M_MASK || spa >= m->size)
		return rc_result(r, SS_RMP_FAIL_INPUT, false); /* not a 2 MiB-aligned sPA in DRAM */
	uint64_t pfn = spa >> PAGE_SHIFT;
	struct ss_rmp_entry h = ss__rmp_get(m, pfn);
	if (h.lock)
		return rc_result(r, SS_RMP_FAIL_INUSE, false);
	if (!h.assigned || h.pagesize != SS_RMP_PG_2M)
		return rc_result(r, SS_RMP_FAIL_INPUT, false); /* not an assigned 2 MiB entry */
	for (unsigned i = PAGES_PER_2M; i-- > 0;) {
		struct ss_rmp_entry e = h;
		e.pagesize = SS_RMP_PG_4K;
		e.subpage_count = 0;
		e.gpa = h.gpa + ((uint64_t)i << PAGE_SHIFT);
		ss__rmp_put(m, pfn + i, &e); /* the head last: until then the 2 MiB entry governs */
	}
	return rc_result(r, SS_RMP_SUCCESS, false);
}

int ss_mem_rmpread(struct ss_mem *m, uint64_t spa, struct ss_abi_rmp_state *out,
		   struct ss_rmp_result *r, struct ss_mem_fault *f, ss_error *err)
{
	(void)err;
	if (!m->snp)
		return ss__fault(f, SS_MEM_FAULT_UD, 0, spa, "RMPREAD without SYSCFG.SNPEn");
	if (spa >= m->size)
		return rc_result(r, SS_RMP_FAIL_INPUT, false);
	uint64_t gpa;
	bool from_head;
	struct ss_rmp_entry e = ss__rmp_governing(m, spa >> PAGE_SHIFT, &gpa, &from_head);
	memset(out, 0, sizeof(*out));
	out->gpa = e.gpa;
	out->assigned = e.assigned;
	out->pagesize =
	    (uint8_t)(e.pagesize | (e.pagesize == SS_RMP_PG_2M ? SS_RMPREAD_HPAGE_REGION : 0));
	out->immutable = e.immutable;
	out->asid = e.asid;
	return rc_result(r, SS_RMP_SUCCESS, false);
}

/* ---- guest instructions ---- */

static bool snp_guest(const struct ss_mem *m, uint16_t asid)
{
	return m->snp && ss_mem_key_mode(m, asid) == SS_MEM_KEY_SNP;
}

/* #NPF for an RMP-checked guest instruction on its private target page (§8.4 step 2). */
static int insn_npf(const struct ss_mem_guest_op *op, uint64_t extra, const char *rule,
		    struct ss_mem_fault *f)
{
	return ss__fault(f, SS_MEM_FAULT_NPF,
			 SS_MEM_ERR_P | SS_MEM_ERR_RMP | SS_MEM_ERR_ENC | SS_MEM_ERR_GUEST_FINAL |
			     extra,
			 op->gpa, rule);
}

/* Step common to PVALIDATE and RMPADJUST: the target page must be this guest's (§8.4 (2)). */
static int insn_owner_check(struct ss_mem *m, const struct ss_mem_guest_op *op, bool want_2m,
			    struct ss_rmp_entry *e, struct ss_mem_fault *f)
{
	if (op->spa >= m->size)
		return ss__fault(f, SS_MEM_FAULT_NOMEM, 0, op->spa, "target sPA outside DRAM");
	uint64_t gpa;
	*e = ss__rmp_governing(m, op->spa >> PAGE_SHIFT, &gpa, NULL);
	if (!e->assigned)
		return insn_npf(op, 0, "target page not assigned", f);
	if (e->asid != op->asid)
		return insn_npf(op, 0, "target page assigned to another ASID", f);
	if (gpa != (op->gpa & ~(uint64_t)(SS_MEM_PAGE - 1)))
		return insn_npf(op, 0, "target page assigned at another GPA", f);
	if (want_2m && op->map_size < SS_MEM_MAP_2M)
		return insn_npf(op, SS_MEM_ERR_SIZEM, "2 MiB request over a 4 KiB nested mapping",
				f);
	return 0;
}

int ss_mem_pvalidate(struct ss_mem *m, const struct ss_mem_guest_op *op, struct ss_rmp_result *r,
		     struct ss_mem_fault *f, ss_error *err)
{
	(void)err;
	if (!snp_guest(m, op->asid))
		return ss__fault(f, SS_MEM_FAULT_UD, 0, op->gva, "PVALIDATE outside an SNP guest");
	if (op->rcx > SS_RMP_PG_2M)
		return rc_result(r, SS_RMP_FAIL_INPUT, false); /* RCX page size */
	if (op->rdx > 1)
		return rc_result(r, SS_RMP_FAIL_INPUT, false); /* RDX validate flag */
	bool want_2m = op->rcx == SS_RMP_PG_2M;
	uint64_t align = want_2m ? SPA_2M_MASK : SS_MEM_PAGE - 1;
	if (op->gva & align || op->gpa & align || op->spa & align)
		return rc_result(r, SS_RMP_FAIL_INPUT, false); /* misaligned for the page size */
	if (op->vmpl != 0)
		return rc_result(r, SS_RMP_FAIL_PERMISSION, false); /* VMPL0 only (§8.4 (1)) */
	struct ss_rmp_entry e;
	if (insn_owner_check(m, op, want_2m, &e, f))
		return SS_MEM_FAULTED;
	if (e.pagesize != (want_2m ? SS_RMP_PG_2M : SS_RMP_PG_4K))
		return rc_result(r, SS_RMP_FAIL_SIZEMISMATCH, false);
	if (e.validated == (op->rdx == 1))
		return rc_result(r, SS_RMP_SUCCESS, true); /* no change: CF = 1 */
	uint64_t pfn = op->spa >> PAGE_SHIFT;
	struct ss_rmp_entry own = ss__rmp_get(m, pfn);
	own.validated = op->rdx == 1;
	ss__rmp_put(m, pfn, &own);
	return rc_result(r, SS_RMP_SUCCESS, false);
}

int ss_mem_rmpadjust(struct ss_mem *m, const struct ss_mem_guest_op *op, struct ss_rmp_result *r,
		     struct ss_mem_fault *f, ss_error *err)
{
	(void)err;
	if (!snp_guest(m, op->asid))
		return ss__fault(f, SS_MEM_FAULT_UD, 0, op->gva, "RMPADJUST outside an SNP guest");
	unsigned target = (unsigned)(op->rdx & SS_RMPADJUST_TARGET_VMPL_MASK);
	uint8_t perms = (uint8_t)(op->rdx >> SS_RMPADJUST_PERM_SHIFT);
	bool vmsa = op->rdx & SS_RMPADJUST_VMSA;
	if (op->rcx > SS_RMP_PG_2M)
		return rc_result(r, SS_RMP_FAIL_INPUT, false); /* RCX page size */
	if (op->rdx & SS_RMPADJUST_RESERVED || perms & ~SS_RMP_PERM_DEFINED)
		return rc_result(r, SS_RMP_FAIL_INPUT, false); /* reserved RDX bits */
	if (target >= SS_RMP_NUM_VMPLS)
		return rc_result(r, SS_RMP_FAIL_INPUT, false); /* no such VMPL */
	bool want_2m = op->rcx == SS_RMP_PG_2M;
	uint64_t align = want_2m ? SPA_2M_MASK : SS_MEM_PAGE - 1;
	if (op->gva & align || op->gpa & align || op->spa & align)
		return rc_result(r, SS_RMP_FAIL_INPUT, false); /* misaligned for the page size */
	if (target <= op->vmpl)
		return rc_result(r, SS_RMP_FAIL_PERMISSION, false); /* only less privileged VMPLs */
	struct ss_rmp_entry e;
	if (insn_owner_check(m, op, want_2m, &e, f))
		return SS_MEM_FAULTED;
	if (!e.validated)
		return ss__fault(f, SS_MEM_FAULT_VC, SS_MEM_VC_NOT_VALIDATED, op->gpa,
				 "RMPADJUST on a page not validated");
	if (e.pagesize != (want_2m ? SS_RMP_PG_2M : SS_RMP_PG_4K))
		return rc_result(r, SS_RMP_FAIL_SIZEMISMATCH, false);
	if (perms & ~e.perms[op->vmpl])
		return rc_result(r, SS_RMP_FAIL_PERMISSION, false); /* more than the caller has */
	if (vmsa != e.vmsa && op->vmpl != 0)
		return rc_result(r, SS_RMP_FAIL_PERMISSION, false); /* VMSA bit is VMPL0's */
	uint64_t pfn = op->spa >> PAGE_SHIFT;
	struct ss_rmp_entry own = ss__rmp_get(m, pfn);
	own.perms[target] = perms;
	own.vmsa = vmsa;
	ss__rmp_put(m, pfn, &own);
	return rc_result(r, SS_RMP_SUCCESS, false);
}

int ss_mem_vmsa_check(struct ss_mem *m, uint16_t asid, uint64_t vmsa_spa, struct ss_mem_fault *f,
		      ss_error *err)
{
	(void)err;
	if (vmsa_spa & (SS_MEM_PAGE - 1) || vmsa_spa >= m->size)
		return ss__fault(f, SS_MEM_FAULT_INVALID, 0, vmsa_spa,
				 "VMSA not a 4 KiB-aligned page in DRAM");
	if (!snp_guest(m, asid))
		return 0;
	uint64_t gpa;
	bool from_head;
	struct ss_rmp_entry e = ss__rmp_governing(m, vmsa_spa >> PAGE_SHIFT, &gpa, &from_head);
	if (!e.assigned)
		return ss__fault(f, SS_MEM_FAULT_INVALID, 0, vmsa_spa, "VMSA page not assigned");
	if (e.asid != asid)
		return ss__fault(f, SS_MEM_FAULT_INVALID, 0, vmsa_spa, "VMSA page of another ASID");
	if (e.pagesize != SS_RMP_PG_4K)
		return ss__fault(f, SS_MEM_FAULT_INVALID, 0, vmsa_spa,
				 "VMSA page in a 2 MiB entry");
	if (!e.validated)
		return ss__fault(f, SS_MEM_FAULT_INVALID, 0, vmsa_spa, "VMSA page not validated");
	if (!e.vmsa)
		return ss__fault(f, SS_MEM_FAULT_INVALID, 0, vmsa_spa,
				 "page not marked VMSA in the RMP");
	return 0;
}
