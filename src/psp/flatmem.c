/* A flat memory with a per-ASID encryption engine, for tests and the socket server (psp.h).
 * Encryption is AES-128-CTR under the ASID's key with the counter block = SPA / 16 (big-endian),
 * so the host sees deterministic ciphertext that differs at every address. */
#include <stdlib.h>
#include <string.h>

#include <softsev/crypto_cipher.h>
#include <softsev/psp.h>

struct ss_psp_flatmem {
	uint8_t *bytes;
	size_t size;
	unsigned nr_asids;
	struct {
		bool loaded;
		uint8_t key[16];
	} * slots;
};

int ss_psp_flatmem_new(size_t size, unsigned nr_asids, ss_psp_flatmem **out, ss_error *err)
{
	ss_psp_flatmem *m = calloc(1, sizeof(*m));
	if (m) {
		m->bytes = calloc(1, size ? size : 1);
		m->slots = calloc(nr_asids + 1, sizeof(*m->slots));
	}
	if (!m || !m->bytes || !m->slots) {
		ss_psp_flatmem_free(m);
		return ss_fail(err, SS_ENOMEM, "out of memory for %zu bytes of flat memory", size);
	}
	m->size = size;
	m->nr_asids = nr_asids;
	*out = m;
	return 0;
}

void ss_psp_flatmem_free(ss_psp_flatmem *m)
{
	if (!m)
		return;
	free(m->bytes);
	free(m->slots);
	free(m);
}

uint8_t *ss_psp_flatmem_bytes(ss_psp_flatmem *m)
{
	return m->bytes;
}

static bool in_range(const ss_psp_flatmem *m, uint64_t spa, size_t len)
{
	return spa <= m->size && len <= m->size - spa;
}

static int fm_read(void *ctx, uint64_t spa, void *buf, size_t len)
{
	ss_psp_flatmem *m = ctx;
	if (!in_range(m, spa, len))
		return SS_ERANGE;
	memcpy(buf, m->bytes + spa, len);
	return 0;
}

static int fm_write(void *ctx, uint64_t spa, const void *buf, size_t len)
{
	ss_psp_flatmem *m = ctx;
	if (!in_range(m, spa, len))
		return SS_ERANGE;
	memcpy(m->bytes + spa, buf, len);
	return 0;
}

/* XORs the keystream for [spa, spa+len) into buf; the stream is positioned at SPA. */
static int crypt(ss_psp_flatmem *m, uint32_t asid, uint64_t spa, uint8_t *buf, size_t len)
{
	if (!asid || asid > m->nr_asids || !m->slots[asid].loaded)
		return SS_ESTATE;
	uint64_t block = spa / 16;
	size_t skip = spa % 16;
	uint8_t iv[16] = {0}, *tmp = malloc(skip + len);
	if (!tmp)
		return SS_ENOMEM;
	for (int i = 0; i < 8; i++)
		iv[15 - i] = (uint8_t)(block >> (8 * i));
	memset(tmp, 0, skip);
	memcpy(tmp + skip, buf, len);
	int rc = ss_aes128_ctr(m->slots[asid].key, iv, tmp, tmp, skip + len);
	memcpy(buf, tmp + skip, len);
	free(tmp);
	return rc;
}

static int fm_read_enc(void *ctx, uint32_t asid, uint64_t spa, void *buf, size_t len)
{
	ss_psp_flatmem *m = ctx;
	int rc = fm_read(ctx, spa, buf, len);
	return rc ? rc : crypt(m, asid, spa, buf, len);
}

static int fm_write_enc(void *ctx, uint32_t asid, uint64_t spa, const void *buf, size_t len)
{
	ss_psp_flatmem *m = ctx;
	if (!in_range(m, spa, len))
		return SS_ERANGE;
	uint8_t *tmp = malloc(len ? len : 1);
	if (!tmp)
		return SS_ENOMEM;
	memcpy(tmp, buf, len);
	int rc = crypt(m, asid, spa, tmp, len);
	if (!rc)
		memcpy(m->bytes + spa, tmp, len);
	free(tmp);
	return rc;
}

static int fm_set_key(void *ctx, uint32_t asid, const uint8_t *key, size_t key_len)
{
	ss_psp_flatmem *m = ctx;
	if (!asid || asid > m->nr_asids || (key && key_len != 16))
		return SS_EINVAL;
	m->slots[asid].loaded = key != NULL;
	memset(m->slots[asid].key, 0, 16);
	if (key)
		memcpy(m->slots[asid].key, key, 16);
	return 0;
}

static const struct ss_psp_mem_ops flatmem_ops = {
    .read = fm_read,
    .write = fm_write,
    .read_enc = fm_read_enc,
    .write_enc = fm_write_enc,
    .set_key = fm_set_key,
};

const struct ss_psp_mem_ops *ss_psp_flatmem_ops(void)
{
	return &flatmem_ops;
}
