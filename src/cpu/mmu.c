/* Linear memory: the software TLB (tagged by ASID), the 4/5-level page walk with 4 KiB, 2 MiB and
 * 1 GiB pages, A/D updates and the U/S, R/W, NX, WP, SMEP and SMAP checks (APM vol. 2 ch. 5), the
 * nested walk of guest mode with its mapping size and C-bit, and the physical accesses through the
 * ops table (include/softsev/cpu.h) with the encryption context of the leaf PTEs (cpu-svm-sev.md
 * §8.3, §9.4). */
#include "cpu/core.h"

#include <softsev/abi/svm_exit.h>
#include <softsev/abi/vmcb.h>

#define PTE_P	 0x1ull
#define PTE_W	 0x2ull
#define PTE_U	 0x4ull
#define PTE_A	 0x20ull
#define PTE_D	 0x40ull
#define PTE_PS	 0x80ull
#define PTE_NX	 (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

#define PF_P	0x1u
#define PF_W	0x2u
#define PF_U	0x4u
#define PF_RSVD 0x8u
#define PF_I	0x10u

enum { K_R = 0, K_W = 1, K_X = 2 };

static inline int canonical(const ss_cpu *c, uint64_t a)
{
	unsigned bits = (c->r.cr4 & CR4_LA57) ? 57 : 48;
	return (uint64_t)((int64_t)(a << (64 - bits)) >> (64 - bits)) == a;
}

static inline int long_mode(const ss_cpu *c)
{
	return (c->r.efer & EFER_LMA) != 0;
}

static inline unsigned ctx_of(const ss_cpu *c, int k)
{
	if (c->r.cpl == 3)
		return 0;
	if (k != K_X && (c->r.cr4 & CR4_SMAP) && (c->r.rflags & F_AC))
		return 2;
	return 1;
}

void ss_tlb_flush_all(ss_cpu *c)
{
	for (unsigned k = 0; k < SS_TLB_SLOTS; k++)
		c->tlb[k].vpn = ~0ull;
	c->fetch_vpn = ~0ull;
	c->tlb_gen++;
}

void ss_tlb_flush_asid(ss_cpu *c, uint32_t asid)
{
	for (unsigned k = 0; k < SS_TLB_SLOTS; k++)
		if (c->tlb[k].asid == asid)
			c->tlb[k].vpn = ~0ull;
	c->fetch_vpn = ~0ull;
}

void ss_tlb_flush_page(ss_cpu *c, uint64_t lin)
{
	/* Large pages may be cached under any of their 4 KiB numbers: drop every slot of this
	 * linear region cheaply by flushing all (INVLPG is rare). */
	(void)lin;
	ss_tlb_flush_all(c);
}

static void fill_access(const ss_cpu *c, ss_cpu_access *a, uint64_t pa, int kind)
{
	memset(a, 0, sizeof(*a));
	a->pa = pa;
	a->gpa = pa;
	a->asid = c->asid;
	a->kind = (uint8_t)kind;
	a->c_bit = c->c_bit_default;
	a->cpl = c->r.cpl;
	a->vmpl = c->vmpl;
	if (kind == SS_CPU_ACC_NPTW) {
		a->asid = 0; /* nested tables are host memory */
		a->c_bit = 0;
	}
}

static _Noreturn void mem_error(ss_cpu *c, uint64_t pa)
{
	c->exc_cr2 = pa; /* reported in exit->mem_pa */
	ss_exit_insn(c, SS_CPU_EXIT_MEM);
}

/* The memory model's answer: an RMP/VMPL refusal in guest mode is a #NPF #VMEXIT with its bits. */
void ss_mem_answer(ss_cpu *c, int rc, const ss_cpu_access *a, int kind)
{
	if (rc == SS_CPU_MEM_OK)
		return;
	/* #VC for a guest access the memory model refuses that way (page not validated, §8.3). */
	if (rc == SS_CPU_MEM_VC && c->guest)
		ss_raise(c, EXC_VC, (uint32_t)a->npf_error, 1);
	if (rc == SS_CPU_MEM_UD)
		RAISE_UD(c);
	if (rc == SS_CPU_MEM_NPF && c->guest) {
		uint64_t e = a->npf_error | (kind == SS_CPU_ACC_WRITE ? SS_NPF_W_BIT : 0) |
			     (kind == SS_CPU_ACC_FETCH ? SS_NPF_ID_BIT : 0);
		ss_vmexit(c, 0x400, e, a->gpa);
	}
	mem_error(c, a->pa);
}

int ss_phys_read(ss_cpu *c, uint64_t pa, void *buf, size_t len, int kind)
{
	return ss_phys_read_g(c, pa, pa, buf, len, kind);
}

int ss_phys_write(ss_cpu *c, uint64_t pa, const void *buf, size_t len, int kind)
{
	return ss_phys_write_g(c, pa, pa, buf, len, kind);
}

#define NO_LIN (~0ull)

/* An access with the encryption context and nested mapping size of its translation; lin is the
 * linear address for a host #PF (NO_LIN for page-table accesses). */
static void phys_rw_e(ss_cpu *c, const ss_tlb_entry *e, uint64_t lin, uint64_t pa, uint64_t gpa,
		      void *buf, size_t len, int kind, int write)
{
	ss_cpu_access a;
	fill_access(c, &a, pa, kind);
	a.gpa = gpa;
	a.c_bit = e->c_bit;
	a.host_c = e->host_c;
	a.map_size = e->map_size;
	int rc = write ? c->cfg.mem->write(c->cfg.mem_ctx, &a, buf, len)
		       : c->cfg.mem->read(c->cfg.mem_ctx, &a, buf, len);
	/* The RMP refusing a host access is a #PF at the linear address with the RMP bit (§8.3). */
	if (rc == SS_CPU_MEM_HOST_PF && !c->guest && lin != NO_LIN)
		ss_raise_pf(c, lin,
			    (uint32_t)a.npf_error | (write ? PF_W : 0) | PF_P |
				(c->r.cpl == 3 ? PF_U : 0));
	ss_mem_answer(c, rc, &a, kind);
}

int ss_phys_read_g(ss_cpu *c, uint64_t pa, uint64_t gpa, void *buf, size_t len, int kind)
{
	ss_cpu_access a;
	fill_access(c, &a, pa, kind);
	a.gpa = gpa;
	ss_mem_answer(c, c->cfg.mem->read(c->cfg.mem_ctx, &a, buf, len), &a, kind);
	return 0;
}

int ss_phys_write_g(ss_cpu *c, uint64_t pa, uint64_t gpa, const void *buf, size_t len, int kind)
{
	ss_cpu_access a;
	fill_access(c, &a, pa, kind);
	a.gpa = gpa;
	ss_mem_answer(c, c->cfg.mem->write(c->cfg.mem_ctx, &a, buf, len), &a, kind);
	return 0;
}

/* ---- code pages (decoded-instruction cache invalidation) ---- */

static unsigned code_slot(uint64_t ppn)
{
	return (unsigned)((ppn * 0x9E3779B97F4A7C15ull) >> 54) & (SS_CODE_SLOTS - 1);
}

static int code_page_find(const ss_cpu *c, uint64_t ppn)
{
	for (unsigned k = 0, s = code_slot(ppn); k < SS_CODE_SLOTS;
	     k++, s = (s + 1) & (SS_CODE_SLOTS - 1)) {
		if (c->code_pages[s] == ppn + 1)
			return (int)s;
		if (!c->code_pages[s])
			return -1;
	}
	return -1;
}

int ss_code_page_mark(ss_cpu *c, uint64_t ppn)
{
	if (code_page_find(c, ppn) >= 0)
		return 0;
	if (c->ncode_pages >= SS_CODE_SLOTS / 2) {
		/* Too many code pages tracked: start over (drops every decoded block). */
		memset(c->code_pages, 0, sizeof(c->code_pages));
		c->ncode_pages = 0;
		for (unsigned k = 0; k < SS_BLOCK_SLOTS; k++)
			c->blocks[k].pa = ~0ull;
		c->code_gen++;
	}
	unsigned s = code_slot(ppn);
	while (c->code_pages[s])
		s = (s + 1) & (SS_CODE_SLOTS - 1);
	c->code_pages[s] = ppn + 1;
	c->ncode_pages++;
	/* Cached writable translations of this page must now take the slow path. */
	ss_tlb_flush_all(c);
	return 1;
}

void ss_code_write(ss_cpu *c, uint64_t ppn)
{
	if (code_page_find(c, ppn) < 0)
		return;
	for (unsigned k = 0; k < SS_BLOCK_SLOTS; k++)
		c->blocks[k].pa = ~0ull;
	memset(c->code_pages, 0, sizeof(c->code_pages));
	c->ncode_pages = 0;
	c->code_gen++;
	c->brk = 1; /* the running block may be stale */
}

void ss_cpu_invalidate_code(ss_cpu *c, uint64_t pa, uint64_t len)
{
	for (uint64_t p = pa >> 12; len && p <= (pa + len - 1) >> 12; p++)
		ss_code_write(c, p);
}

/* ---- nested paging (APM vol. 2 §15.25; cpu-svm-sev.md §8.3, §9.4) ---- */

/* The host's C-bit in nested PTEs: CPUID 8000_001F EBX[5:0] once SYSCFG.MemEncryptionModEn is set.
 * It selects the host's SME key for the guest's shared accesses and is not an address bit. */
static uint64_t host_cbit_mask(ss_cpu *c)
{
	if (!(c->host.syscfg & (1ull << 23)))
		return 0;
	uint32_t sev[4];
	ss_cpuid(c, 0x8000001F, 0, sev);
	return (sev[1] & 63) ? 1ull << (sev[1] & 63) : 0;
}

/* Address bits of a page-table entry at or above MAXPHYADDR are reserved (#PF with RSVD, APM vol. 2
 * §5.3.3 and §5.6.3), except the C-bit while memory encryption gives it a meaning: the guest's when
 * SEV is on, the host's SME bit once SYSCFG.MemEncryptionModEn is set (cpu-svm-sev.md §9.4). */
static uint64_t pa_rsvd(const ss_cpu *c, uint64_t cmask)
{
	return PTE_ADDR & ~((1ull << c->maxphy) - 1) & ~cmask;
}

/* The C-bit of the paging structures the CPU walks now: the guest's while a guest runs, the
 * host's SME bit otherwise. */
static uint64_t walk_cbit_mask(ss_cpu *c)
{
	if (c->guest)
		return c->cbit_pos ? 1ull << c->cbit_pos : 0;
	if (!(c->r.syscfg & (1ull << 23)))
		return 0;
	uint32_t sev[4];
	ss_cpuid(c, 0x8000001F, 0, sev);
	return (sev[1] & 63) ? 1ull << (sev[1] & 63) : 0;
}

uint64_t ss_npt_xlat(ss_cpu *c, uint64_t gpa, int write, int fetch, int ptw)
{
	/* Host tables at nCR3, 5 levels when the host runs with CR4.LA57 (nested paging uses the
	 * host's paging mode); every nested access is a user access (APM §15.25.5). */
	uint64_t err = (write ? SS_NPF_W : 0) | (fetch ? SS_NPF_ID : 0) | SS_NPF_U |
		       (ptw ? SS_NPF_GUEST_PAGE : SS_NPF_GUEST_FINAL);
	uint64_t cmask = host_cbit_mask(c);
	uint64_t table = c->ncr3 & 0x000ffffffffff000ull & ~cmask, pte = 0, ptes[5], size = 4096;
	int n = 0, w_ok = 1, u_ok = 1, nx = 0;
	for (int lvl = (c->host.cr4 & CR4_LA57) ? 5 : 4; lvl >= 1; lvl--) {
		unsigned shift = 12 + 9 * (unsigned)(lvl - 1);
		uint64_t pa = table + (((gpa >> shift) & 511) << 3);
		ss_phys_read(c, pa, &pte, 8, SS_CPU_ACC_NPTW);
		ptes[n++] = pa;
		if (!(pte & 1))
			ss_vmexit(c, SS_SVM_EXIT_NPF, err, gpa);
		if ((!(c->host.efer & EFER_NXE) && (pte >> 63)) || (pte & pa_rsvd(c, cmask)))
			ss_vmexit(c, SS_SVM_EXIT_NPF, err | SS_NPF_P | SS_NPF_RSVD, gpa);
		w_ok &= (int)((pte >> 1) & 1);
		u_ok &= (int)((pte >> 2) & 1);
		nx |= (int)(pte >> 63);
		if ((lvl == 3 || lvl == 2) && (pte & 0x80)) {
			size = 1ull << shift;
			break;
		}
		if (lvl >= 4 && (pte & 0x80))
			ss_vmexit(c, SS_SVM_EXIT_NPF, err | SS_NPF_P | SS_NPF_RSVD, gpa);
		table = pte & 0x000ffffffffff000ull & ~cmask;
	}
	if (!u_ok || (write && !w_ok) || (fetch && nx && (c->host.efer & EFER_NXE)))
		ss_vmexit(c, SS_SVM_EXIT_NPF, err | SS_NPF_P, gpa);
	for (int j = 0; j < n; j++) {
		uint64_t v;
		ss_phys_read(c, ptes[j], &v, 8, SS_CPU_ACC_NPTW);
		uint64_t nv = v | 0x20 | (j == n - 1 && write ? 0x40 : 0);
		if (nv != v)
			ss_phys_write(c, ptes[j], &nv, 8, SS_CPU_ACC_NPTW);
	}
	/* The RMP compares this size with the RMP entry's (§8.3: a larger mapping is SIZEM). */
	c->npt_map = size == 4096 ? 0 : size == (2u << 20) ? 1 : 2;
	c->npt_c = (pte & cmask) != 0;
	return (pte & 0x000ffffffffff000ull & ~cmask & ~(size - 1)) | (gpa & (size - 1));
}

void ss_fetch_nested(ss_cpu *c, ss_cpu_access *a)
{
	/* Decoding is rare next to running decoded blocks: walk again rather than keep per-page
	 * state beside exec.c's fetch translation cache. */
	if (!c->npt_on)
		return;
	(void)ss_npt_xlat(c, a->gpa, 0, 1, 0);
	a->map_size = c->npt_map;
	a->host_c = c->npt_c;
}

/* ---- translation ---- */

static _Noreturn void page_fault(ss_cpu *c, uint64_t lin, int k, uint32_t bits)
{
	uint32_t err = bits;
	if (k == K_W)
		err |= PF_W;
	if (k == K_X)
		err |= PF_I;
	if (c->r.cpl == 3)
		err |= PF_U;
	ss_raise_pf(c, lin, err);
}

/* Guest page-table entries live at guest-physical addresses: through the nested tables. */
static uint64_t pte_read_n(ss_cpu *c, uint64_t gpa, unsigned n)
{
	/* Guest tables are always private (§9.4: the glue ignores c_bit for them); the RMP checks
	 * the nested mapping's size, a guest without a key uses the nested PTE's host key. */
	ss_tlb_entry e = {.c_bit = c->c_bit_default};
	uint64_t v = 0, spa = gpa;
	if (c->npt_on) {
		spa = ss_npt_xlat(c, gpa, 0, 0, 1);
		e.map_size = c->npt_map;
		e.host_c = c->npt_c;
	}
	phys_rw_e(c, &e, NO_LIN, spa, gpa, &v, n, SS_CPU_ACC_PTW, 0);
	return v;
}

static void pte_write_n(ss_cpu *c, uint64_t gpa, uint64_t v, unsigned n)
{
	ss_tlb_entry e = {.c_bit = c->c_bit_default};
	uint64_t spa = gpa;
	if (c->npt_on) {
		spa = ss_npt_xlat(c, gpa, 1, 0, 1);
		e.map_size = c->npt_map;
		e.host_c = c->npt_c;
	}
	phys_rw_e(c, &e, NO_LIN, spa, gpa, &v, n, SS_CPU_ACC_PTW, 1);
}

static uint64_t pte_read(ss_cpu *c, uint64_t gpa)
{
	return pte_read_n(c, gpa, 8);
}

/* What a walk found: the leaf, the combined permissions and the entries to mark accessed. */
typedef struct walk_res {
	uint64_t ptes_pa[5];
	unsigned n, esz; /* entries to update and their size (4 or 8 bytes) */
	uint64_t pte, page_size, base;
	uint64_t allow_w, allow_u, nx;
	int c_bit;
} walk_res;

static void walk_finish(ss_cpu *c, uint64_t lin, int k, ss_tlb_entry *e, walk_res *w);

/* Paging outside long mode (APM vol. 2 §5.2-§5.3): 32-bit paging (two levels of 4-byte entries,
 * 4 MiB pages with CR4.PSE and PDE bits 20:13 as physical bits 39:32) and PAE paging (a 4-entry
 * PDPT at CR3[31:5], then 8-byte PD and PT entries with 2 MiB pages and NX). */
static void walk_legacy(ss_cpu *c, uint64_t lin, int k, ss_tlb_entry *e)
{
	walk_res w = {.allow_w = 1, .allow_u = 1, .page_size = 4096};
	lin &= 0xffffffffu;
	if (!(c->r.cr4 & CR4_PAE)) {
		w.esz = 4;
		w.c_bit = c->c_bit_default; /* no C-bit in 4-byte entries */
		uint64_t pa = (c->r.cr3 & 0xfffff000u) + ((lin >> 22) << 2);
		uint64_t pde = pte_read_n(c, pa, 4);
		w.ptes_pa[w.n++] = pa;
		if (!(pde & PTE_P))
			page_fault(c, lin, k, 0);
		w.allow_w = (pde >> 1) & 1;
		w.allow_u = (pde >> 2) & 1;
		if ((pde & PTE_PS) && (c->r.cr4 & CR4_PSE)) {
			if (pde & (1u << 21))
				page_fault(c, lin, k, PF_P | PF_RSVD);
			w.pte = pde;
			w.page_size = 4u << 20;
			w.base = (pde & 0xffc00000u) | (((pde >> 13) & 0xff) << 32);
			walk_finish(c, lin, k, e, &w);
			return;
		}
		pa = (pde & 0xfffff000u) + (((lin >> 12) & 0x3ff) << 2);
		uint64_t pte = pte_read_n(c, pa, 4);
		w.ptes_pa[w.n++] = pa;
		if (!(pte & PTE_P))
			page_fault(c, lin, k, 0);
		w.allow_w &= (pte >> 1) & 1;
		w.allow_u &= (pte >> 2) & 1;
		w.pte = pte;
		w.base = pte & 0xfffff000u;
		walk_finish(c, lin, k, e, &w);
		return;
	}
	uint64_t cmask = walk_cbit_mask(c);
	uint64_t rsvd_nx = ((c->r.efer & EFER_NXE) ? 0 : PTE_NX) | pa_rsvd(c, cmask);
	w.esz = 8;
	/* The PDPTE has no R/W, U/S, A or NX (those bits are reserved). */
	uint64_t pdpte = pte_read(c, (c->r.cr3 & 0xffffffe0u) + ((lin >> 30) << 3));
	if (!(pdpte & PTE_P))
		page_fault(c, lin, k, 0);
	if (pdpte & (0x1e6ull | PTE_NX | pa_rsvd(c, cmask)))
		page_fault(c, lin, k, PF_P | PF_RSVD);
	uint64_t table = pdpte & PTE_ADDR & ~cmask, pte = 0;
	for (int lvl = 2; lvl >= 1; lvl--) {
		unsigned shift = 12 + 9 * (unsigned)(lvl - 1);
		uint64_t pa = table + (((lin >> shift) & 511) << 3);
		pte = pte_read(c, pa);
		w.ptes_pa[w.n++] = pa;
		if (!(pte & PTE_P))
			page_fault(c, lin, k, 0);
		if (pte & rsvd_nx)
			page_fault(c, lin, k, PF_P | PF_RSVD);
		w.allow_w &= (pte >> 1) & 1;
		w.allow_u &= (pte >> 2) & 1;
		w.nx |= pte >> 63;
		if (lvl == 2 && (pte & PTE_PS)) {
			if (pte & 0x1fe000ull)
				page_fault(c, lin, k, PF_P | PF_RSVD);
			w.page_size = 2u << 20;
			break;
		}
		table = pte & PTE_ADDR & ~cmask;
	}
	w.pte = pte;
	w.base = pte & PTE_ADDR & ~cmask & ~(w.page_size - 1);
	w.c_bit = cmask ? (pte & cmask) != 0 : c->c_bit_default;
	walk_finish(c, lin, k, e, &w);
}

/* Walks the page tables for lin; fills *e (without the host pointer) or raises #PF. */
static void walk(ss_cpu *c, uint64_t lin, int k, ss_tlb_entry *e)
{
	if (!long_mode(c)) {
		walk_legacy(c, lin, k, e);
		return;
	}
	int levels = (c->r.cr4 & CR4_LA57) ? 5 : 4;
	uint64_t cmask = walk_cbit_mask(c);
	uint64_t table = c->r.cr3 & PTE_ADDR & ~cmask;
	uint64_t ptes_pa[5];
	uint64_t allow_w = 1, allow_u = 1, nx = 0, pte = 0;
	int n = 0, lvl;
	uint64_t rsvd_nx = ((c->r.efer & EFER_NXE) ? 0 : PTE_NX) | pa_rsvd(c, cmask);
	uint64_t page_size = 4096;
	for (lvl = levels; lvl >= 1; lvl--) {
		unsigned shift = 12 + 9 * (unsigned)(lvl - 1);
		uint64_t pa = table + (((lin >> shift) & 511) << 3);
		pte = pte_read(c, pa);
		ptes_pa[n++] = pa;
		if (!(pte & PTE_P))
			page_fault(c, lin, k, 0);
		if (pte & rsvd_nx)
			page_fault(c, lin, k, PF_P | PF_RSVD);
		allow_w &= (pte >> 1) & 1;
		allow_u &= (pte >> 2) & 1;
		nx |= pte >> 63;
		if (lvl >= 4 && (pte & PTE_PS))
			page_fault(c, lin, k, PF_P | PF_RSVD); /* no large pages above the PDPT */
		if ((lvl == 3 || lvl == 2) && (pte & PTE_PS)) {
			uint64_t sz = 1ull << shift;
			/* Bits 12..shift-1 of a large-page address except PAT (bit 12) must be 0.
			 */
			if (pte & (sz - 1) & PTE_ADDR & ~0x1000ull)
				page_fault(c, lin, k, PF_P | PF_RSVD);
			page_size = sz;
			break;
		}
		table = pte & PTE_ADDR & ~cmask;
	}
	if (lvl < 1)
		lvl = 1;
	walk_res w = {.n = (unsigned)n, .esz = 8, .pte = pte, .page_size = page_size};
	memcpy(w.ptes_pa, ptes_pa, sizeof(ptes_pa));
	w.allow_w = allow_w;
	w.allow_u = allow_u;
	w.nx = nx;
	w.base = pte & PTE_ADDR & ~cmask & ~(page_size - 1);
	w.c_bit = cmask ? (pte & cmask) != 0 : c->c_bit_default;
	walk_finish(c, lin, k, e, &w);
}

/* The part every paging mode shares: permission checks, A/D updates and the TLB entry. */
static void walk_finish(ss_cpu *c, uint64_t lin, int k, ss_tlb_entry *e, walk_res *w)
{
	uint64_t allow_w = w->allow_w, allow_u = w->allow_u, nx = w->nx, pte = w->pte;
	uint64_t page_size = w->page_size;
	int n = (int)w->n;

	/* Permission checks (APM vol. 2 §5.6). */
	int user = c->r.cpl == 3;
	if (user && !allow_u)
		page_fault(c, lin, k, PF_P);
	if (k == K_W && !allow_w && (user || (c->r.cr0 & CR0_WP)))
		page_fault(c, lin, k, PF_P);
	if (k == K_X && nx && (c->r.efer & EFER_NXE))
		page_fault(c, lin, k, PF_P);
	if (!user && allow_u) {
		if (k == K_X && (c->r.cr4 & CR4_SMEP))
			page_fault(c, lin, k, PF_P);
		if (k != K_X && (c->r.cr4 & CR4_SMAP) && !(c->r.rflags & F_AC))
			page_fault(c, lin, k, PF_P);
	}

	/* Accessed on every level, Dirty on the leaf for writes. */
	for (int j = 0; j < n; j++) {
		uint64_t v = pte_read_n(c, w->ptes_pa[j], w->esz);
		uint64_t nv = v | PTE_A;
		if (j == n - 1 && k == K_W)
			nv |= PTE_D;
		if (nv != v)
			pte_write_n(c, w->ptes_pa[j], nv, w->esz);
		if (j == n - 1)
			pte = nv;
	}

	uint64_t pa = w->base + (lin & (page_size - 1));
	e->vpn = lin >> 12;
	e->gpn = pa >> 12;
	e->ppn = (c->npt_on ? ss_npt_xlat(c, pa, k == K_W, k == K_X, 0) : pa) >> 12;
	e->asid = c->asid;
	/* Private or shared: the leaf PTE's C-bit (§9.4); the glue keeps fetches private. */
	e->c_bit = (uint8_t)w->c_bit;
	e->host_c = c->npt_on ? c->npt_c : 0;
	e->map_size = c->npt_on ? c->npt_map : 0;
	/* Permissions per context (user, supervisor, supervisor with AC). A write is cached only
	 * once D is set, so the next write without D walks again and sets it. */
	uint16_t perm = 0;
	int w_ok_user = allow_w && allow_u, w_ok_sup = allow_w || !(c->r.cr0 & CR0_WP);
	int dirty = (pte & PTE_D) != 0;
	int x_ok = !(nx && (c->r.efer & EFER_NXE));
	if (allow_u) {
		perm |= 1u << 0;
		perm |= (w_ok_user && dirty) << 1;
		perm |= x_ok << 2;
	}
	int smap_blocks = allow_u && (c->r.cr4 & CR4_SMAP);
	int smep_blocks = allow_u && (c->r.cr4 & CR4_SMEP);
	perm |= (!smap_blocks) << 3;
	perm |= (!smap_blocks && w_ok_sup && dirty) << 4;
	perm |= (x_ok && !smep_blocks) << 5;
	perm |= 1u << 6;
	perm |= (w_ok_sup && dirty) << 7;
	perm |= 0u << 8; /* fetches never use the AC context */
	e->perm = perm;
}

static ss_tlb_entry *translate(ss_cpu *c, uint64_t lin, int k)
{
	ss_tlb_entry *e = &c->tlb[(lin >> 12) & (SS_TLB_SLOTS - 1)];
	unsigned bit = 1u << (ctx_of(c, k) * 3 + (unsigned)k);
	if (e->vpn == lin >> 12 && e->asid == c->asid && (e->perm & bit))
		return e;
	if (long_mode(c) && !canonical(c, lin))
		RAISE_GP0(c);
	ss_tlb_entry t;
	if (!(c->r.cr0 & CR0_PG)) {
		uint64_t pa = long_mode(c) ? lin : (lin & 0xffffffffu);
		t.vpn = lin >> 12;
		t.gpn = pa >> 12;
		t.ppn = (c->npt_on ? ss_npt_xlat(c, pa, k == K_W, k == K_X, 0) : pa) >> 12;
		t.asid = c->asid;
		t.c_bit = c->c_bit_default; /* no paging: every access is private (§9.4) */
		t.host_c = c->npt_on ? c->npt_c : 0;
		t.map_size = c->npt_on ? c->npt_map : 0;
		t.perm = 0x1ff & ~0x100;
	} else {
		walk(c, lin, k, &t);
	}
	if (c->npt_on) {
		/* The nested walk checked only this kind of access: other kinds walk again. */
		uint16_t keep = (uint16_t)((1u << k) | (1u << (3 + k)) | (1u << (6 + k)));
		if (k == K_W)
			keep |= (1u << 0) | (1u << 3) | (1u << 6); /* writable implies readable */
		t.perm &= keep;
	}
	if (code_page_find(c, t.ppn) >= 0)
		t.perm &= (uint16_t) ~((1u << 1) | (1u << 4) | (1u << 7)); /* writes: slow path */
	t.host = NULL;
	/* No host pointer while data breakpoints are armed: every data access then comes through
	 * mem_access, which matches them (debug.c), and the inline fast path needs no test. */
	if (c->cfg.mem->page && !c->dbg_data) {
		ss_cpu_access a;
		fill_access(c, &a, t.ppn << 12, k == K_X ? SS_CPU_ACC_FETCH : SS_CPU_ACC_READ);
		a.gpa = t.gpn << 12;
		a.c_bit = t.c_bit;
		a.host_c = t.host_c;
		a.map_size = t.map_size;
		t.host = c->cfg.mem->page(c->cfg.mem_ctx, &a);
	}
	*e = t;
	if (!(e->perm & bit)) {
		/* Allowed by the walk but not cacheable for this kind (write to a code page or a
		 * not-yet-dirty page): keep the entry for reads, answer from a private copy. */
		static _Thread_local ss_tlb_entry once;
		once = t;
		once.perm |= (uint16_t)bit;
		return &once;
	}
	return e;
}

uint64_t ss_xlat_fetch(ss_cpu *c, uint64_t lin)
{
	ss_tlb_entry *e = translate(c, lin, K_X);
	return (e->ppn << 12) | (lin & 0xfff);
}

uint64_t ss_xlat_fetch_g(ss_cpu *c, uint64_t lin, uint64_t *gpa)
{
	ss_tlb_entry *e = translate(c, lin, K_X);
	*gpa = (e->gpn << 12) | (lin & 0xfff);
	return (e->ppn << 12) | (lin & 0xfff);
}

void ss_xlat_data(ss_cpu *c, uint64_t lin, uint64_t *pa, uint64_t *gpa)
{
	ss_tlb_entry *e = translate(c, lin, K_R);
	*pa = (e->ppn << 12) | (lin & 0xfff);
	*gpa = (e->gpn << 12) | (lin & 0xfff);
}

void ss_xlat_data_acc(ss_cpu *c, uint64_t lin, ss_cpu_access *a)
{
	ss_tlb_entry *e = translate(c, lin, K_R);
	a->pa = (e->ppn << 12) | (lin & 0xfff);
	a->gpa = (e->gpn << 12) | (lin & 0xfff);
	a->c_bit = e->c_bit;
	a->host_c = e->host_c;
	a->map_size = e->map_size;
}

static void access_piece(ss_cpu *c, ss_tlb_entry *e, uint64_t lin, uint8_t *buf, unsigned n, int k)
{
	uint64_t pa = (e->ppn << 12) | (lin & 0xfff), gpa = (e->gpn << 12) | (lin & 0xfff);
	if (k == K_W) {
		ss_code_write(c, e->ppn);
		if (e->host)
			memcpy(e->host + (lin & 0xfff), buf, n);
		else
			phys_rw_e(c, e, lin, pa, gpa, buf, n, SS_CPU_ACC_WRITE, 1);
	} else {
		if (e->host)
			memcpy(buf, e->host + (lin & 0xfff), n);
		else
			phys_rw_e(c, e, lin, pa, gpa, buf, n, SS_CPU_ACC_READ, 0);
	}
}

/* Generic access of up to 16 bytes, possibly crossing a page: both pages are translated (and may
 * fault) before any byte moves. */
static void mem_access(ss_cpu *c, uint64_t lin, uint8_t *buf, unsigned n, int k)
{
	unsigned first = 4096 - (unsigned)(lin & 0xfff);
	if (first >= n) {
		ss_tlb_entry *e = translate(c, lin, k);
		ss_tlb_entry copy = *e;
		access_piece(c, &copy, lin, buf, n, k);
	} else {
		ss_tlb_entry a = *translate(c, lin, k);
		ss_tlb_entry b = *translate(c, lin + first, k);
		access_piece(c, &a, lin, buf, first, k);
		access_piece(c, &b, lin + first, buf + first, n - first, k);
	}
	if (__builtin_expect(c->dbg_data != 0, 0))
		ss_debug_access(c, lin, n, k == K_W);
}

uint64_t ss_lin_read(ss_cpu *c, uint64_t lin, unsigned n, int kind)
{
	int k = kind == SS_CPU_ACC_WRITE ? K_W : K_R;
	if ((lin & 0xfff) + n <= 4096) {
		ss_tlb_entry *e = &c->tlb[(lin >> 12) & (SS_TLB_SLOTS - 1)];
		if (e->vpn == lin >> 12 && e->asid == c->asid && e->host &&
		    (e->perm & (1u << (ctx_of(c, k) * 3 + (unsigned)k)))) {
			uint64_t v = 0;
			memcpy(&v, e->host + (lin & 0xfff), n);
			return v;
		}
	}
	uint64_t v = 0;
	if (k == K_W)
		ss_lin_probe_write(c, lin, n);
	mem_access(c, lin, (uint8_t *)&v, n, K_R);
	return v;
}

void ss_lin_write(ss_cpu *c, uint64_t lin, unsigned n, uint64_t v)
{
	if ((lin & 0xfff) + n <= 4096) {
		ss_tlb_entry *e = &c->tlb[(lin >> 12) & (SS_TLB_SLOTS - 1)];
		if (e->vpn == lin >> 12 && e->asid == c->asid && e->host &&
		    (e->perm & (1u << (ctx_of(c, K_W) * 3 + K_W)))) {
			memcpy(e->host + (lin & 0xfff), &v, n);
			return;
		}
	}
	mem_access(c, lin, (uint8_t *)&v, n, K_W);
}

void ss_lin_read_buf(ss_cpu *c, uint64_t lin, void *buf, unsigned n, int kind)
{
	(void)kind;
	mem_access(c, lin, buf, n, K_R);
}

void ss_lin_write_buf(ss_cpu *c, uint64_t lin, const void *buf, unsigned n)
{
	uint8_t tmp[16];
	memcpy(tmp, buf, n);
	mem_access(c, lin, tmp, n, K_W);
}

void ss_lin_probe_write(ss_cpu *c, uint64_t lin, unsigned n)
{
	translate(c, lin, K_W);
	if ((lin & 0xfff) + n > 4096)
		translate(c, (lin | 0xfff) + 1, K_W);
}
