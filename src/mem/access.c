/* Host, DMA and guest accesses: the key an access uses (cpu-svm-sev.md §9.4), the RMP checks of
 * §8.3, one rule per line, and the transfers through the page views of dram.c. */
#include "mem/internal.h"

#include <string.h>

const char *ss_mem_fault_name(int kind)
{
	switch (kind) {
#define SS_MEM_FAULT_NAME(name, value, hint)                                                       \
	case value: return #name;
		SS_MEM_FAULT_LIST(SS_MEM_FAULT_NAME)
#undef SS_MEM_FAULT_NAME
	}
	return "SS_MEM_FAULT_UNKNOWN";
}

const char *ss_mem_fault_hint(int kind)
{
	switch (kind) {
#define SS_MEM_FAULT_HINT(name, value, hint)                                                       \
	case value: return hint;
		SS_MEM_FAULT_LIST(SS_MEM_FAULT_HINT)
#undef SS_MEM_FAULT_HINT
	}
	return "unknown memory fault kind";
}

static bool is_exec(enum ss_mem_type t)
{
	return t == SS_MEM_EXEC_USER || t == SS_MEM_EXEC_SUPER;
}

/* The view (key tag) of an access: §9.4. A guest with a loaded key (SEV, SEV-ES, SNP) uses it for
 * C=1 accesses and always for fetches and page-table walks; its shared accesses and every access
 * of a guest without a key use the hypervisor's choice, the C-bit of the nested PTE (SME key). */
static uint16_t access_tag(const struct ss_mem *m, const struct ss_mem_access *a, bool *private)
{
	*private = false;
	if (a->actor != SS_MEM_GUEST)
		return (a->flags & SS_MEM_C) ? TAG_SLOT(0) : TAG_RAW;
	bool keyed = a->asid >= 1 && ss_mem_key_mode(m, a->asid);
	if (keyed && ((a->flags & (SS_MEM_C | SS_MEM_PTWALK | SS_MEM_VMSA)) || is_exec(a->type))) {
		*private = true;
		return TAG_SLOT(a->asid);
	}
	return (a->flags & SS_MEM_HOST_C) ? TAG_SLOT(0) : TAG_RAW;
}

static uint8_t perm_needed(enum ss_mem_type t)
{
	switch (t) {
	case SS_MEM_READ: return SS_RMP_PERM_READ;
	case SS_MEM_WRITE: return SS_RMP_PERM_WRITE;
	case SS_MEM_EXEC_USER: return SS_RMP_PERM_EXEC_USER;
	case SS_MEM_EXEC_SUPER: return SS_RMP_PERM_EXEC_SUPER;
	}
	return SS_RMP_PERM_ALL;
}

/* Host (and DMA) checks, §8.3 "Host accesses": reads are allowed; writes to assigned pages, and
 * writes through a large host mapping that contains an assigned page, fault. */
static int host_check(struct ss_mem *m, const struct ss_mem_access *a, uint64_t spa,
		      struct ss_mem_fault *f)
{
	if (a->type != SS_MEM_WRITE)
		return 0;
	uint64_t pfn = spa >> PAGE_SHIFT;
	enum ss_mem_fault_kind kind = a->actor == SS_MEM_DMA ? SS_MEM_FAULT_IOMMU : SS_MEM_FAULT_PF;
	uint64_t code = SS_MEM_ERR_P | SS_MEM_ERR_W | SS_MEM_ERR_RMP |
			((a->flags & SS_MEM_USER) ? SS_MEM_ERR_U : 0);
	if (ss__rmp_governing(m, pfn, NULL, NULL).assigned)
		return ss__fault(f, kind, code, spa, "host write to an assigned page");
	if (a->map_size == SS_MEM_MAP_2M && m->assigned_2m[pfn / PAGES_PER_2M])
		return ss__fault(f, kind, code, spa,
				 "host 2 MiB mapping contains an assigned page");
	if (a->map_size == SS_MEM_MAP_1G) {
		uint64_t first = (pfn & ~((1ull << 18) - 1)) / PAGES_PER_2M;
		for (uint64_t r = first; r < first + 512 && r * PAGES_PER_2M < m->npages; r++)
			if (m->assigned_2m[r])
				return ss__fault(f, kind, code, spa,
						 "host 1 GiB mapping contains an assigned page");
	}
	return 0;
}

/* Guest checks, §8.3 "SNP guest accesses" (after the nested walk; page-table walks included). */
static int guest_check(struct ss_mem *m, const struct ss_mem_access *a, uint64_t spa, bool private,
		       struct ss_mem_fault *f)
{
	uint64_t pfn = spa >> PAGE_SHIFT;
	bool write = a->type == SS_MEM_WRITE;
	uint64_t code =
	    SS_MEM_ERR_P | (write ? SS_MEM_ERR_W : 0) |
	    ((a->flags & SS_MEM_USER) || a->type == SS_MEM_EXEC_USER ? SS_MEM_ERR_U : 0) |
	    (is_exec(a->type) ? SS_MEM_ERR_ID : 0) |
	    ((a->flags & SS_MEM_PTWALK) ? SS_MEM_ERR_GUEST_PAGE : SS_MEM_ERR_GUEST_FINAL) |
	    SS_MEM_ERR_RMP;
	uint64_t gpa;
	struct ss_rmp_entry e = ss__rmp_governing(m, pfn, &gpa, NULL);
	if (ss_mem_key_mode(m, a->asid) != SS_MEM_KEY_SNP) {
		/* A legacy guest under nested paging: like the host, writes to assigned pages. */
		if (write && e.assigned)
			return ss__fault(f, SS_MEM_FAULT_NPF, code, a->gpa,
					 "non-SNP guest write to an assigned page");
		return 0;
	}
	if (!private) {
		if (e.assigned)
			return ss__fault(f, SS_MEM_FAULT_NPF, code, a->gpa,
					 "shared access to an assigned page");
		return 0;
	}
	code |= SS_MEM_ERR_ENC;
	if (!e.assigned)
		return ss__fault(f, SS_MEM_FAULT_NPF, code, a->gpa, "private page not assigned");
	if (e.asid != a->asid)
		return ss__fault(f, SS_MEM_FAULT_NPF, code, a->gpa, "private page of another ASID");
	if (gpa != (a->gpa & ~(uint64_t)(SS_MEM_PAGE - 1)))
		return ss__fault(f, SS_MEM_FAULT_NPF, code, a->gpa, "private page at another GPA");
	if (a->map_size > e.pagesize)
		return ss__fault(f, SS_MEM_FAULT_NPF, code | SS_MEM_ERR_SIZEM, a->gpa,
				 "nested mapping larger than the RMP page");
	if (e.vmsa && a->vmpl != 0)
		return ss__fault(f, SS_MEM_FAULT_NPF, code | SS_MEM_ERR_VMPL, a->gpa,
				 "VMSA page accessed below VMPL0");
	if (!e.validated)
		return ss__fault(f, SS_MEM_FAULT_VC, SS_MEM_VC_NOT_VALIDATED, a->gpa,
				 "private page not validated");
	uint8_t need = perm_needed(a->type);
	if ((a->flags & SS_MEM_PTWALK) && write)
		need = SS_RMP_PERM_WRITE; /* A/D updates */
	if (!(e.perms[a->vmpl] & need))
		return ss__fault(f, SS_MEM_FAULT_NPF, code | SS_MEM_ERR_VMPL, a->gpa,
				 "VMPL permission mask denies the access");
	return 0;
}

static int validate_access(const struct ss_mem *m, const struct ss_mem_access *a, ss_error *err)
{
	if (a->actor > SS_MEM_GUEST)
		return ss_fail(err, SS_EINVAL, "access actor %d unknown", (int)a->actor);
	if (a->type > SS_MEM_EXEC_SUPER)
		return ss_fail(err, SS_EINVAL, "access type %d unknown", (int)a->type);
	if (a->map_size > SS_MEM_MAP_1G)
		return ss_fail(err, SS_EINVAL, "access map_size %u unknown", a->map_size);
	if (a->actor == SS_MEM_GUEST && a->vmpl >= SS_RMP_NUM_VMPLS)
		return ss_fail(err, SS_EINVAL, "access vmpl %u: want 0..3", a->vmpl);
	if (a->actor == SS_MEM_GUEST && a->asid > m->max_asid)
		return ss_fail(err, SS_EINVAL, "access asid %u: want 0..%u", a->asid, m->max_asid);
	if ((a->flags & SS_MEM_VMSA) && (a->actor != SS_MEM_GUEST || a->asid == 0))
		return ss_fail(err, SS_EINVAL, "access flag SS_MEM_VMSA needs a guest ASID");
	return 0;
}

int ss__mem_rmp_check(struct ss_mem *m, const struct ss_mem_access *a, uint64_t spa,
		      struct ss_mem_fault *f)
{
	bool private;
	(void)access_tag(m, a, &private);
	if (!m->snp || (a->flags & SS_MEM_VMSA))
		return 0;
	return a->actor == SS_MEM_GUEST ? guest_check(m, a, spa, private, f)
					: host_check(m, a, spa, f);
}

int ss_mem_check(struct ss_mem *m, const struct ss_mem_access *a, uint64_t spa,
		 struct ss_mem_fault *fault, ss_error *err)
{
	int rc = validate_access(m, a, err);
	if (rc)
		return rc;
	if (spa >= m->size)
		return ss__fault(fault, SS_MEM_FAULT_NOMEM, 0, spa, "sPA outside DRAM");
	return ss__mem_rmp_check(m, a, spa, fault);
}

static int transfer(struct ss_mem *m, const struct ss_mem_access *a, uint64_t spa, uint8_t *buf,
		    size_t len, bool write, struct ss_mem_fault *f, ss_error *err)
{
	int rc = validate_access(m, a, err);
	if (rc)
		return rc;
	if (write != (a->type == SS_MEM_WRITE))
		return ss_fail(err, SS_EINVAL, "access type %d does not match a %s", (int)a->type,
			       write ? "write" : "read");
	if (spa >= m->size || len > m->size - spa)
		return ss__fault(f, SS_MEM_FAULT_NOMEM, 0, spa, "sPA outside DRAM");
	if (a->actor == SS_MEM_GUEST && len && (spa & (SS_MEM_PAGE - 1)) + len > SS_MEM_PAGE)
		return ss_fail(err, SS_EINVAL, "guest access at 0x%llx+0x%zx crosses a page",
			       (unsigned long long)spa, len);
	bool private;
	uint16_t tag = access_tag(m, a, &private);
	uint64_t spa0 = spa, len0 = len;
	/* Check every page first: a faulting access transfers nothing. */
	for (uint64_t p = spa >> PAGE_SHIFT; len && p <= (spa + len - 1) >> PAGE_SHIFT; p++) {
		uint64_t at = p == spa >> PAGE_SHIFT ? spa : p << PAGE_SHIFT;
		if (m->snp && !(a->flags & SS_MEM_VMSA) &&
		    (a->actor == SS_MEM_GUEST ? guest_check(m, a, at, private, f)
					      : host_check(m, a, at, f)))
			return SS_MEM_FAULTED;
	}
	while (len) {
		uint64_t pfn = spa >> PAGE_SHIFT;
		unsigned off = (unsigned)(spa & (SS_MEM_PAGE - 1));
		size_t n = SS_MEM_PAGE - off < len ? SS_MEM_PAGE - off : len;
		rc = write ? ss__mem_view_write(m, pfn, off, tag, buf, n)
			   : ss__mem_view_read(m, pfn, off, tag, buf, n);
		if (rc)
			return ss_fail(err, rc, "memory engine failure at 0x%llx",
				       (unsigned long long)spa);
		buf += n;
		spa += n;
		len -= n;
	}
	if (write && len0)
		ss__mem_notify(m, spa0, len0, SS_MEM_INVAL_WRITE);
	return 0;
}

int ss_mem_read(struct ss_mem *m, const struct ss_mem_access *a, uint64_t spa, void *buf,
		size_t len, struct ss_mem_fault *fault, ss_error *err)
{
	return transfer(m, a, spa, buf, len, false, fault, err);
}

int ss_mem_write(struct ss_mem *m, const struct ss_mem_access *a, uint64_t spa, const void *buf,
		 size_t len, struct ss_mem_fault *fault, ss_error *err)
{
	return transfer(m, a, spa, (uint8_t *)buf, len, true, fault, err);
}

int ss_mem_map(struct ss_mem *m, const struct ss_mem_access *a, uint64_t spa, uint8_t **page,
	       struct ss_mem_fault *fault, ss_error *err)
{
	*page = NULL;
	int rc = ss_mem_check(m, a, spa, fault, err);
	if (rc)
		return rc;
	uint64_t pfn = spa >> PAGE_SHIFT;
	bool private;
	uint16_t tag = access_tag(m, a, &private);
	/* The table stays in the clear (rmp.c reads it as DRAM bytes): a keyed view of its pages is
	 * served by ss_mem_read, not by a mapping. */
	if (m->snp && tag != TAG_RAW && spa >= m->rmp_base && spa <= m->rmp_end)
		return ss_fail(err, SS_EINVAL,
			       "cannot map the RMP table under a key: use ss_mem_read");
	rc = ss__mem_retag(m, pfn, tag);
	if (rc)
		return ss_fail(err, rc, "memory engine failure at 0x%llx", (unsigned long long)spa);
	if (a->type == SS_MEM_WRITE)
		m->gen[pfn]++;
	*page = m->dram + (pfn << PAGE_SHIFT);
	return 0;
}
