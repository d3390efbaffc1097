/* Flat RAM behind the ops table, for tests and simple machines: size bytes at physical 0. */
#include "cpu/core.h"

static int flat_read(void *ctx, ss_cpu_access *acc, void *buf, size_t len)
{
	ss_cpu_flatram *m = ctx;
	if (acc->pa >= m->size || len > m->size - acc->pa)
		return SS_CPU_MEM_UNMAPPED;
	memcpy(buf, m->ram + acc->pa, len);
	return SS_CPU_MEM_OK;
}

static int flat_write(void *ctx, ss_cpu_access *acc, const void *buf, size_t len)
{
	ss_cpu_flatram *m = ctx;
	if (acc->pa >= m->size || len > m->size - acc->pa)
		return SS_CPU_MEM_UNMAPPED;
	memcpy(m->ram + acc->pa, buf, len);
	return SS_CPU_MEM_OK;
}

static uint8_t *flat_page(void *ctx, ss_cpu_access *acc)
{
	ss_cpu_flatram *m = ctx;
	uint64_t base = acc->pa & ~0xfffull;
	if (base >= m->size || m->size - base < 4096)
		return NULL;
	return m->ram + base;
}

const ss_cpu_mem_ops ss_cpu_flatram_ops = {flat_read, flat_write, flat_page, NULL};
