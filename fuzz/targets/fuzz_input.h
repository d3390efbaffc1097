/* What the harnesses that read their input as a program share: a reader that hands out
 * little-endian fields (zeros once the input is used up, so every input is a whole program) and
 * the check that turns a broken invariant into an abort (a crash for libFuzzer, a failure for the
 * replay test) naming the harness, the line and the condition. */
#ifndef SOFTSEV_FUZZ_INPUT_H
#define SOFTSEV_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct fz_rd {
	const uint8_t *p;
	size_t n;
};

/* The next `bytes` (at most 8) bytes of the input as a little-endian number. */
static inline uint64_t fz_take(struct fz_rd *r, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < bytes; i++) {
		v |= (uint64_t)(r->n ? *r->p : 0) << (8 * i);
		if (r->n) {
			r->p++;
			r->n--;
		}
	}
	return v;
}

#define FZ_FAILIF(harness, cond)                                                                   \
	do {                                                                                       \
		if (cond) {                                                                        \
			fprintf(stderr, "%s: invariant broken at %s:%d: %s\n", harness, __FILE__,  \
				__LINE__, #cond);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#endif
