/* Host DRAM and the memory encryption engine: key slots by ASID, and the stored views of pages
 * (include/softsev/mem.h explains the model; cpu-svm-sev.md §9.4, §9.5). */
#include "mem/internal.h"

#include <softsev/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define MAX_DRAM (64ull << 30)

static void free_slot(struct ss_mem_slot *s)
{
	ss_xts_free(s->xts);
	s->xts = NULL;
	s->mode = 0;
}

int ss_mem_create(const struct ss_mem_config *cfg, struct ss_mem **out, ss_error *err)
{
	*out = NULL;
	if (!cfg->dram_size || cfg->dram_size % SS_MEM_PAGE || cfg->dram_size > MAX_DRAM)
		return ss_fail(err, SS_EINVAL,
			       "dram_size 0x%llx: want a non-zero multiple of 4 KiB up to 64 GiB",
			       (unsigned long long)cfg->dram_size);
	if (cfg->max_asid < 1 || cfg->max_asid > SS_RMP_ASID_MAX)
		return ss_fail(err, SS_EINVAL, "max_asid %u: want 1..%u", cfg->max_asid,
			       SS_RMP_ASID_MAX);
	struct ss_mem *m = calloc(1, sizeof(*m));
	if (!m)
		return ss_fail(err, SS_ENOMEM, "out of memory");
	m->size = cfg->dram_size;
	m->npages = cfg->dram_size >> PAGE_SHIFT;
	m->max_asid = cfg->max_asid;
	/* Anonymous pages: zero, and only materialised when touched (a 1 GiB machine costs what
	 * its guests use). */
	void *d = mmap(NULL, m->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	m->dram = d == MAP_FAILED ? NULL : d;
	m->tag = calloc(m->npages, sizeof(*m->tag));
	m->gen = calloc(m->npages, sizeof(*m->gen));
	m->slots = calloc(m->max_asid + 1u, sizeof(*m->slots));
	m->assigned_2m = calloc((m->npages + PAGES_PER_2M - 1) / PAGES_PER_2M, sizeof(uint16_t));
	m->fw.m = m;
	if (!m->dram || !m->tag || !m->gen || !m->slots || !m->assigned_2m) {
		ss_mem_destroy(m);
		return ss_fail(err, SS_ENOMEM, "out of memory for 0x%llx bytes of DRAM",
			       (unsigned long long)cfg->dram_size);
	}
	/* The SME key: real parts draw it at boot; here it comes from the seed so runs repeat. */
	uint8_t seed[8], key[SS_SHA256_LEN];
	for (int i = 0; i < 8; i++)
		seed[i] = (uint8_t)(cfg->seed >> (8 * i));
	static const char label[] = "softsev SME key slot 0";
	int rc = ss_hmac_sha256(seed, sizeof(seed), label, sizeof(label) - 1, key);
	if (!rc)
		rc = ss_xts_new(key, SS_XTS128_KEY_LEN, &m->slots[0].xts, err);
	memset(key, 0, sizeof(key));
	if (rc) {
		ss_mem_destroy(m);
		return ss_fail(err, SS_ECRYPTO, "deriving the SME key failed");
	}
	m->slots[0].mode = SS_MEM_KEY_SEV;
	*out = m;
	return 0;
}

void ss_mem_destroy(struct ss_mem *m)
{
	if (!m)
		return;
	if (m->slots)
		for (unsigned i = 0; i <= m->max_asid; i++)
			free_slot(&m->slots[i]);
	/* Pages stored under a key view hold that key's plaintext: wipe them, and only them (the
	 * rest is what DRAM holds anyway, and touching all of it would fault in every page). */
	if (m->dram && m->tag)
		for (uint64_t p = 0; p < m->npages; p++)
			if (m->tag[p] != TAG_RAW)
				memset(m->dram + (p << PAGE_SHIFT), 0, SS_MEM_PAGE);
	if (m->dram)
		munmap(m->dram, m->size);
	free(m->tag);
	free(m->gen);
	free(m->slots);
	free(m->assigned_2m);
	free(m);
}

uint64_t ss_mem_dram_size(const struct ss_mem *m)
{
	return m->size;
}

int ss_mem_add_listener(struct ss_mem *m, ss_mem_inval_fn fn, void *opaque, ss_error *err)
{
	if (m->nlisteners == MAX_LISTENERS)
		return ss_fail(err, SS_ERANGE, "at most %d invalidation listeners", MAX_LISTENERS);
	m->listeners[m->nlisteners].fn = fn;
	m->listeners[m->nlisteners].opaque = opaque;
	m->nlisteners++;
	return 0;
}

void ss__mem_notify(struct ss_mem *m, uint64_t spa, uint64_t len, enum ss_mem_inval_reason why)
{
	for (unsigned i = 0; i < m->nlisteners; i++)
		m->listeners[i].fn(m->listeners[i].opaque, spa, len, why);
}

uint32_t ss_mem_page_gen(const struct ss_mem *m, uint64_t spa)
{
	return spa < m->size ? m->gen[spa >> PAGE_SHIFT] : 0;
}

void ss_mem_touch(struct ss_mem *m, uint64_t spa)
{
	if (spa < m->size)
		m->gen[spa >> PAGE_SHIFT]++;
}

static ss_xts *tag_key(const struct ss_mem *m, uint16_t tag)
{
	return tag == TAG_RAW ? NULL : m->slots[TAG_ASID(tag)].xts;
}

/* In place: bytes seen under view `from` become the same DRAM contents seen under view `to`. */
static int convert(const struct ss_mem *m, uint64_t spa, uint8_t *buf, size_t len, uint16_t from,
		   uint16_t to)
{
	ss_xts *kf = tag_key(m, from), *kt = tag_key(m, to);
	if (kf && ss_xts_encrypt(kf, spa >> 4, buf, buf, len))
		return SS_ECRYPTO;
	if (kt && ss_xts_decrypt(kt, spa >> 4, buf, buf, len))
		return SS_ECRYPTO;
	return 0;
}

int ss__mem_retag(struct ss_mem *m, uint64_t pfn, uint16_t want)
{
	uint16_t have = m->tag[pfn];
	if (have == want)
		return 0;
	uint64_t spa = pfn << PAGE_SHIFT;
	int rc = convert(m, spa, m->dram + spa, SS_MEM_PAGE, have, want);
	if (rc)
		return rc;
	m->tag[pfn] = want;
	m->gen[pfn]++;
	ss__mem_notify(m, spa, SS_MEM_PAGE, SS_MEM_INVAL_VIEW);
	return 0;
}

int ss__mem_view_read(const struct ss_mem *m, uint64_t pfn, unsigned off, uint16_t want,
		      uint8_t *out, size_t len)
{
	const uint8_t *page = m->dram + (pfn << PAGE_SHIFT);
	if (m->tag[pfn] == want) {
		memcpy(out, page + off, len);
		return 0;
	}
	/* Someone else's view: compute what DRAM would give on the 16-byte blocks touched. */
	unsigned lo = off & ~15u, hi = (unsigned)((off + len + 15) & ~(size_t)15);
	uint8_t tmp[SS_MEM_PAGE];
	memcpy(tmp, page + lo, hi - lo);
	int rc = convert(m, (pfn << PAGE_SHIFT) + lo, tmp, hi - lo, m->tag[pfn], want);
	if (rc)
		return rc;
	memcpy(out, tmp + (off - lo), len);
	return 0;
}

int ss__mem_view_write(struct ss_mem *m, uint64_t pfn, unsigned off, uint16_t want,
		       const uint8_t *in, size_t len)
{
	int rc = ss__mem_retag(m, pfn, want);
	if (rc)
		return rc;
	memcpy(m->dram + (pfn << PAGE_SHIFT) + off, in, len);
	m->gen[pfn]++;
	return 0;
}

/* ---- firmware port ---- */

struct ss_mem_fw *ss_mem_claim_firmware_port(struct ss_mem *m)
{
	if (m->fw_claimed)
		return NULL;
	m->fw_claimed = true;
	return &m->fw;
}

int ss_mem_key_mode(const struct ss_mem *m, uint16_t asid)
{
	if (asid > m->max_asid || !m->slots[asid].xts)
		return 0;
	return m->slots[asid].mode;
}

static int unload(struct ss_mem *m, uint16_t asid)
{
	struct ss_mem_slot *s = &m->slots[asid];
	if (!s->xts)
		return 0;
	/* DRAM keeps the ciphertext: materialise every page still viewed through this key. */
	for (uint64_t p = 0; p < m->npages; p++)
		if (m->tag[p] == TAG_SLOT(asid)) {
			int rc = ss__mem_retag(m, p, TAG_RAW);
			if (rc)
				return rc;
		}
	free_slot(s);
	return 0;
}

int ss_mem_fw_key_load(struct ss_mem_fw *fw, uint16_t asid, const uint8_t *key, size_t key_len,
		       enum ss_mem_key_mode mode, ss_error *err)
{
	struct ss_mem *m = fw->m;
	if (asid < 1 || asid > m->max_asid)
		return ss_fail(err, SS_EINVAL, "key slot ASID %u: want 1..%u", asid, m->max_asid);
	if (mode != SS_MEM_KEY_SEV && mode != SS_MEM_KEY_SNP)
		return ss_fail(err, SS_EINVAL, "key slot mode %d: want SEV (1) or SNP (2)",
			       (int)mode);
	if (key_len != SS_MEM_VEK128_LEN && key_len != SS_XTS128_KEY_LEN &&
	    key_len != SS_XTS256_KEY_LEN)
		return ss_fail(err, SS_EINVAL,
			       "key slot ASID %u: key length %zu, want 16 (VEK), 32 or 64 (XTS)",
			       asid, key_len);
	/* A 16-byte VEK (the SEV API's AES-128 key) gets a tweak key derived from it, so the PSP
	 * can hand over the key it generated as is. */
	uint8_t full[SS_XTS128_KEY_LEN], mac[SS_SHA256_LEN];
	if (key_len == SS_MEM_VEK128_LEN) {
		static const char label[] = "softsev XTS tweak key";
		if (ss_hmac_sha256(key, key_len, label, sizeof(label) - 1, mac))
			return ss_fail(err, SS_ECRYPTO,
				       "key slot ASID %u: tweak key derivation failed", asid);
		memcpy(full, key, 16);
		memcpy(full + 16, mac, 16);
		key = full;
		key_len = sizeof(full);
	}
	ss_xts *x;
	int rc = ss_xts_new(key, key_len, &x, err);
	memset(full, 0, sizeof(full));
	memset(mac, 0, sizeof(mac));
	if (rc)
		return ss_wrap(err, rc, "key slot ASID %u", asid);
	rc = unload(m, asid);
	if (rc) {
		ss_xts_free(x);
		return ss_fail(err, rc, "unloading key slot ASID %u failed", asid);
	}
	m->slots[asid].xts = x;
	m->slots[asid].mode = (uint8_t)mode;
	ss__mem_notify(m, 0, m->size, SS_MEM_INVAL_KEY);
	return 0;
}

int ss_mem_fw_key_unload(struct ss_mem_fw *fw, uint16_t asid, ss_error *err)
{
	struct ss_mem *m = fw->m;
	if (asid < 1 || asid > m->max_asid)
		return ss_fail(err, SS_EINVAL, "key slot ASID %u: want 1..%u", asid, m->max_asid);
	int rc = unload(m, asid);
	if (rc)
		return ss_fail(err, rc, "unloading key slot ASID %u failed", asid);
	ss__mem_notify(m, 0, m->size, SS_MEM_INVAL_KEY);
	return 0;
}

static int fw_access(struct ss_mem_fw *fw, uint16_t key, uint64_t spa, void *buf, size_t len,
		     bool write, ss_error *err)
{
	struct ss_mem *m = fw->m;
	if (spa > m->size || len > m->size - spa)
		return ss_fail(err, SS_ERANGE, "firmware access [0x%llx, +0x%zx) outside DRAM",
			       (unsigned long long)spa, len);
	uint16_t tag = TAG_RAW;
	if (key != SS_MEM_FW_NOKEY) {
		if (key > m->max_asid || !m->slots[key].xts)
			return ss_fail(err, SS_EINVAL,
				       "firmware access with key slot %u: not loaded", key);
		tag = TAG_SLOT(key);
	}
	if (write && m->snp && len && spa <= m->rmp_end && spa + len - 1 >= m->rmp_base)
		return ss_fail(err, SS_EINVAL,
			       "firmware write at 0x%llx hits the RMP table: use ss_mem_fw_rmp_set",
			       (unsigned long long)spa);
	uint8_t *p = buf;
	uint64_t spa0 = spa, len0 = len;
	while (len) {
		uint64_t pfn = spa >> PAGE_SHIFT;
		unsigned off = (unsigned)(spa & (SS_MEM_PAGE - 1));
		size_t n = SS_MEM_PAGE - off < len ? SS_MEM_PAGE - off : len;
		int rc = write ? ss__mem_view_write(m, pfn, off, tag, p, n)
			       : ss__mem_view_read(m, pfn, off, tag, p, n);
		if (rc)
			return ss_fail(err, rc, "memory engine failure at 0x%llx",
				       (unsigned long long)spa);
		p += n;
		spa += n;
		len -= n;
	}
	if (write && len0)
		ss__mem_notify(m, spa0, len0, SS_MEM_INVAL_WRITE);
	return 0;
}

int ss_mem_fw_read(struct ss_mem_fw *fw, uint16_t key, uint64_t spa, void *buf, size_t len,
		   ss_error *err)
{
	return fw_access(fw, key, spa, buf, len, false, err);
}

int ss_mem_fw_write(struct ss_mem_fw *fw, uint16_t key, uint64_t spa, const void *buf, size_t len,
		    ss_error *err)
{
	return fw_access(fw, key, spa, (void *)buf, len, true, err);
}
