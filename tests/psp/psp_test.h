/* Shared helpers of the psp tests: a platform on a flat memory, and one-line command calls. */
#ifndef SS_TEST_PSP_H
#define SS_TEST_PSP_H

#include <softsev/psp.h>
#include <stdio.h>
#include <string.h>

#define T_MEM_SIZE (4u * 1024u * 1024u)
#define T_ASIDS	   4u

struct tplat {
	ss_psp *psp;
	ss_psp_flatmem *mem;
	uint8_t *ram;
};

/* Opens a platform (ephemeral unless dir) with RSA-2048 ARK/ASK to keep tests fast. */
static inline int tplat_open(struct tplat *t, const char *dir)
{
	ss_error err;
	memset(t, 0, sizeof(*t));
	if (ss_psp_flatmem_new(T_MEM_SIZE, T_ASIDS, &t->mem, &err))
		return -1;
	t->ram = ss_psp_flatmem_bytes(t->mem);
	struct ss_psp_config cfg = {
	    .state_dir = dir,
	    .ephemeral = dir == NULL,
	    .mem = ss_psp_flatmem_ops(),
	    .mem_ctx = t->mem,
	    .nr_asids = T_ASIDS,
	    .ark_bits = 2048,
	};
	if (ss_psp_open(&cfg, &t->psp, &err)) {
		printf("# ss_psp_open: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static inline void tplat_close(struct tplat *t)
{
	ss_psp_close(t->psp);
	ss_psp_flatmem_free(t->mem);
}

/* Runs a command and returns its SEV status; prints the message of a failure. */
static inline uint32_t tcmd(struct tplat *t, uint32_t cmd, void *buf, size_t len)
{
	uint32_t st = 0xffff;
	ss_error err = {0};
	int rc = ss_psp_command(t->psp, cmd, buf, len, &st, &err);
	if (rc)
		printf("#   %s -> %s (%s)\n", ss_sev_cmd_name(cmd), ss_sev_status_name(st),
		       err.msg);
	if ((rc == 0) != (st == 0))
		printf("#   return code %d disagrees with status %u\n", rc, st);
	return st;
}

#endif
