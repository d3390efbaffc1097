/* Interpreter speed: guest instructions per second on the 12-instruction integer loop of issue 6
 * (add, xor, rol, mov, and, load, add, store, shr, lea, dec, jnz over a 2 KiB buffer), run in the
 * interpreter (64-bit mode, 4-level paging with 2 MiB pages, flat RAM) and the same bytes run
 * natively on this CPU in the same process, printed side by side.
 *
 *   build/bench/bench_cpu [iterations]      (default 20,000,000 = 240 M guest instructions)
 *   build/bench/bench_cpu --emit-loop       (the loop's bytes as a gas .byte line, for the QEMU
 *                                            image bench/run-cpu builds)
 *
 * Times are the process's CPU time, so that other load on a shared machine does not count.
 */
#include <softsev/cpu.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static const uint8_t loop_body[] = {
    0x48, 0x01, 0xd8,			      /* add rax, rbx */
    0x48, 0x31, 0xc1,			      /* xor rcx, rax */
    0x48, 0xc1, 0xc2, 0x03,		      /* rol rdx, 3 */
    0x48, 0x89, 0xce,			      /* mov rsi, rcx */
    0x48, 0x81, 0xe6, 0xf8, 0x07, 0x00, 0x00, /* and rsi, 0x7f8 */
    0x4c, 0x8b, 0x04, 0x37,		      /* mov r8, [rdi+rsi] */
    0x49, 0x01, 0xd0,			      /* add r8, rdx */
    0x4c, 0x89, 0x04, 0x37,		      /* mov [rdi+rsi], r8 */
    0x48, 0xd1, 0xeb,			      /* shr rbx, 1 */
    0x48, 0x8d, 0x5c, 0x43, 0x01,	      /* lea rbx, [rbx+rax*2+1] */
    0x49, 0xff, 0xc9,			      /* dec r9 */
    0x75, 0x00,				      /* jnz loop (patched) */
};

/* rdi = buffer, rsi = iterations (SysV); registers start as in the guest run. */
static size_t build(uint8_t *p, int native)
{
	size_t n = 0;
	static const uint8_t pro[] = {0x53, 0x49, 0x89, 0xf1, 0xb8, 1, 0, 0,	0, 0xbb, 2, 0,
				      0,    0,	  0xb9, 3,    0,    0, 0, 0xba, 4, 0,	 0, 0};
	memcpy(p, pro, sizeof(pro));
	n += sizeof(pro);
	memcpy(p + n, loop_body, sizeof(loop_body));
	n += sizeof(loop_body);
	p[n - 1] = (uint8_t)(0x100 - sizeof(loop_body));
	if (native) {
		p[n++] = 0x5b; /* pop rbx */
		p[n++] = 0xc3; /* ret */
	} else {
		p[n++] = 0xf4; /* hlt */
	}
	return n;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--emit-loop")) {
		uint8_t b[sizeof(loop_body)];
		memcpy(b, loop_body, sizeof(b));
		b[sizeof(b) - 1] =
		    (uint8_t)(0x100 - sizeof(loop_body)); /* jnz to the loop's start */
		printf("\t.byte ");
		for (size_t k = 0; k < sizeof(b); k++)
			printf("%s0x%02x", k ? "," : "", b[k]);
		printf("\n");
		return 0;
	}
	uint64_t iters = argc > 1 ? strtoull(argv[1], NULL, 0) : 20000000ull;
	uint64_t insns = iters * 12;

	/* Native. */
	uint8_t *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (code == MAP_FAILED) {
		fprintf(stderr, "error: mmap: cannot map executable memory\n");
		return 1;
	}
	build(code, 1);
	uint64_t *nbuf = calloc(256, 8);
	void (*fn)(uint64_t *, uint64_t) = (void (*)(uint64_t *, uint64_t))(uintptr_t)code;
	double t0 = now();
	fn(nbuf, iters);
	double tn = now() - t0;

	/* Interpreter: 16 MiB flat RAM, identity map of the first 1 GiB with 2 MiB pages. */
	ss_cpu_flatram ram = {calloc(16u << 20, 1), 16u << 20};
	if (!ram.ram)
		return 1;
	uint64_t *pml4 = (uint64_t *)(ram.ram + 0x1000), *pdpt = (uint64_t *)(ram.ram + 0x2000),
		 *pd = (uint64_t *)(ram.ram + 0x3000);
	pml4[0] = 0x2000 | 3;
	pdpt[0] = 0x3000 | 3;
	for (int k = 0; k < 512; k++)
		pd[k] = ((uint64_t)k << 21) | 0x83;
	build(ram.ram + 0x10000, 0);
	ss_cpu_config cfg = {.mem = &ss_cpu_flatram_ops, .mem_ctx = &ram};
	ss_cpu *c;
	ss_error err;
	if (ss_cpu_new(&cfg, &c, &err)) {
		fprintf(stderr, "error: %s\n", err.msg);
		return 1;
	}
	ss_cpu_regs *r = ss_cpu_regs_of(c);
	r->cr3 = 0x1000;
	r->cr0 |= 0x80000001;
	ss_cpu_set_long_mode(c, false);
	r->rip = 0x10000;
	r->gpr[7] = 0x20000;
	r->gpr[6] = iters;
	r->gpr[4] = 0x80000;
	ss_cpu_exit ex;
	t0 = now();
	if (ss_cpu_run(c, insns + 100, &ex, &err)) {
		fprintf(stderr, "error: %s\n", err.msg);
		return 1;
	}
	double ti = now() - t0;
	uint64_t done = ss_cpu_icount(c);
	int same = !memcmp(nbuf, ram.ram + 0x20000, 2048);
	printf("integer loop, %llu iterations (%llu guest instructions)\n",
	       (unsigned long long)iters, (unsigned long long)insns);
	printf("  native (this CPU):   %8.1f M instr/s\n", (double)insns / tn / 1e6);
	printf("  softsev interpreter: %8.1f M instr/s  (%llu retired, exit %s, buffer %s)\n",
	       (double)done / ti / 1e6, (unsigned long long)done, ss_cpu_exit_name(ex.reason),
	       same ? "matches native" : "DIFFERS from native");
	printf("  ratio native/interpreter: %.1fx\n", ((double)insns / tn) / ((double)done / ti));
	ss_cpu_free(c);
	free(ram.ram);
	free(nbuf);
	munmap(code, 4096);
	return same && ex.reason == SS_CPU_EXIT_HLT ? 0 : 1;
}
