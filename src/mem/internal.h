/* Internals of the mem layer shared by its files: the memory system's state, the key views of
 * pages, and the RMP table accessors. Not part of the public contract (include/softsev/mem.h). */
#ifndef SS_MEM_INTERNAL_H
#define SS_MEM_INTERNAL_H

#include <softsev/crypto_xts.h>
#include <softsev/mem.h>

/* A page's stored view: TAG_RAW = its bytes are the DRAM bytes; TAG_SLOT(a) = its bytes are the
 * plaintext under key slot a, i.e. DRAM holds their XTS encryption at that address. Every view is
 * a lossless representation of the same DRAM contents (XTS is a permutation of each block), so a
 * page can switch view at any time. */
#define TAG_RAW	       0u
#define TAG_SLOT(asid) ((uint16_t)((asid) + 1u))
#define TAG_ASID(tag)  ((uint16_t)((tag)-1u))

#define PAGE_SHIFT    12
#define PAGES_PER_2M  512u
#define MAX_LISTENERS 8

struct ss_mem_slot {
	ss_xts *xts;  /* NULL: not loaded */
	uint8_t mode; /* enum ss_mem_key_mode */
};

struct ss_mem_fw {
	struct ss_mem *m;
};

struct ss_mem {
	uint64_t size, npages;
	uint8_t *dram;
	uint16_t *tag; /* per page: its stored view */
	uint32_t *gen; /* per page: write generation */
	unsigned max_asid;
	struct ss_mem_slot *slots; /* [0..max_asid] */
	struct {
		ss_mem_inval_fn fn;
		void *opaque;
	} listeners[MAX_LISTENERS];
	unsigned nlisteners;
	bool rmp_set, snp, fw_claimed;
	uint64_t rmp_base, rmp_end;
	uint16_t *assigned_2m; /* per 2 MiB region: number of assigned 4 KiB entries (host
				  large-page check) */
	struct ss_mem_fw fw;
};

/* dram.c */
void ss__mem_notify(struct ss_mem *m, uint64_t spa, uint64_t len, enum ss_mem_inval_reason why);
int ss__mem_retag(struct ss_mem *m, uint64_t pfn, uint16_t want);
/* Reads len bytes of page pfn from offset off (within the page) as seen under view want. */
int ss__mem_view_read(const struct ss_mem *m, uint64_t pfn, unsigned off, uint16_t want,
		      uint8_t *out, size_t len);
int ss__mem_view_write(struct ss_mem *m, uint64_t pfn, unsigned off, uint16_t want,
		       const uint8_t *in, size_t len);

/* rmp.c */
bool ss__rmp_covers(const struct ss_mem *m, uint64_t pfn);
struct ss_rmp_entry ss__rmp_get(const struct ss_mem *m, uint64_t pfn);
void ss__rmp_put(struct ss_mem *m, uint64_t pfn, const struct ss_rmp_entry *e);
/* The entry that governs pfn: its 2 MiB head if that is a 2 MiB entry, else its own. *gpa_out is
 * the GPA the entry assigns to pfn itself. */
struct ss_rmp_entry ss__rmp_governing(const struct ss_mem *m, uint64_t pfn, uint64_t *gpa_out,
				      bool *from_head);

/* access.c */
int ss__mem_rmp_check(struct ss_mem *m, const struct ss_mem_access *a, uint64_t spa,
		      struct ss_mem_fault *f);

static inline int ss__fault(struct ss_mem_fault *f, enum ss_mem_fault_kind kind, uint64_t code,
			    uint64_t addr, const char *rule)
{
	if (f) {
		f->kind = kind;
		f->error_code = code;
		f->addr = addr;
		f->rule = rule;
	}
	return SS_MEM_FAULTED;
}

#endif
