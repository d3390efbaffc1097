/* 4-level long-mode paging (APM vol. 2 §5.3): the guest edits the tables the host built at
 * SS_GUEST_BOOT_PML4 and adds new ones from a bump allocator over [SS_GUEST_PT_POOL,
 * SS_GUEST_PT_POOL_END). Everything there is identity-mapped, so physical == pointer. Under SEV
 * every entry made here carries the C-bit (guest_cbit): private memory (cpu-svm-sev.md §9.4). */
#include "runtime.h"

#include <ss_guest/x86.h>

static uint64_t pool_next = SS_GUEST_PT_POOL;

void *guest_alloc_page(void)
{
	if (pool_next >= SS_GUEST_PT_POOL_END) {
		guest_fail("guest_alloc_page: page-table pool exhausted", pool_next, 0);
		guest_halt();
	}
	uint64_t *p = (uint64_t *)pool_next;
	pool_next += PAGE_4K;
	for (unsigned k = 0; k < 512; k++)
		p[k] = 0;
	return p;
}

static uint64_t *table_of(uint64_t e)
{
	return (uint64_t *)(e & PTE_ADDR & ~guest_cbit);
}

/* The table one level below entry *e: a new one if *e is empty, a split copy if *e maps a large
 * page of size `size` (the children keep its flags and cover the same range). */
static uint64_t *descend(uint64_t *e, uint64_t size)
{
	if (!(*e & PTE_P)) {
		*e = (uint64_t)guest_alloc_page() | guest_cbit | PTE_P | PTE_W | PTE_U;
	} else if (*e & PTE_PS) {
		uint64_t *t = guest_alloc_page(), child = size / 512;
		uint64_t flags = (*e & ~PTE_ADDR & ~PTE_PS) | (*e & guest_cbit);
		uint64_t base = *e & PTE_ADDR & ~guest_cbit & ~(size - 1);
		for (unsigned k = 0; k < 512; k++)
			t[k] = (base + k * child) | flags | (child > PAGE_4K ? PTE_PS : 0);
		*e = (uint64_t)t | guest_cbit | PTE_P | PTE_W | PTE_U | (flags & PTE_A);
	}
	return table_of(*e);
}

static void map(uint64_t va, uint64_t pa, uint64_t size, uint64_t flags)
{
	uint64_t *t = table_of(read_cr3());
	uint64_t level_size = 512 * PAGE_1G;
	for (unsigned shift = 39;; shift -= 9, level_size /= 512) {
		uint64_t *e = &t[(va >> shift) & 511];
		if (level_size / 512 == size) {
			e = &descend(e, level_size)[(va >> (shift - 9)) & 511];
			*e = pa | flags | PTE_P | (size > PAGE_4K ? PTE_PS : 0);
			break;
		}
		t = descend(e, level_size);
	}
	invlpg(va);
}

void guest_map(uint64_t va, uint64_t pa, uint64_t size, uint64_t flags)
{
	map(va, pa | guest_cbit, size, flags);
}

void guest_map_shared(uint64_t va, uint64_t pa, uint64_t size, uint64_t flags)
{
	map(va, pa, size, flags);
}

uint64_t *guest_pte(uint64_t va, uint64_t *size)
{
	uint64_t *t = table_of(read_cr3());
	for (unsigned shift = 39;; shift -= 9) {
		uint64_t *e = &t[(va >> shift) & 511];
		if (!(*e & PTE_P))
			return NULL;
		if (shift == 12 || (shift < 39 && (*e & PTE_PS))) {
			if (size)
				*size = 1ull << shift;
			return e;
		}
		t = table_of(*e);
	}
}

void guest_unmap(uint64_t va)
{
	uint64_t *e = guest_pte(va, NULL);
	if (e)
		*e = 0;
	invlpg(va);
}

void guest_paging_init(void)
{
	/* The image in 4 KiB pages so that tests can change one page; its user section (user.c,
	 * jump.S's trampoline, the user stack) accessible from CPL 3. */
	for (uint64_t a = (uint64_t)__image_start; a < (uint64_t)__image_end; a += PAGE_4K) {
		bool user = a >= (uint64_t)__user_start && a < (uint64_t)__user_end;
		guest_map(a, a, PAGE_4K, PTE_W | (user ? PTE_U : 0));
	}
}
