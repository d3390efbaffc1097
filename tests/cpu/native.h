/* Runs instruction bytes natively on this x86-64 CPU, in user mode, with every general register and
 * the arithmetic flags loaded from a struct and stored back afterwards (STYLE.md item 9: the same
 * instruction tests run on silicon and in the interpreter). The code page holds a generated
 * prologue, the instruction under test and an epilogue; faults (#DE -> SIGFPE, #GP -> SIGSEGV,
 * #UD -> SIGILL) come back as a vector number. */
#ifndef SS_TEST_NATIVE_H
#define SS_TEST_NATIVE_H

#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

typedef struct native_regs {
	uint64_t gpr[16];
	uint64_t rflags;
} native_regs;

/* Layout of the state page: the load order of the prologue's POPs, then the epilogue's PUSH
 * area. */
typedef struct native_state {
	uint64_t in[18];  /* rax rcx rdx rbx rbp rsi rdi r8..r15 rflags rsp */
	uint64_t out[15]; /* rcx rdx rbx rbp rsi rdi r8..r15 rflags (filled by pushes) */
	uint64_t out_rax, out_rsp, host_rsp;
} native_state;

typedef struct native_ctx {
	uint8_t *code;	  /* RWX page */
	native_state *st; /* RW page */
	uint64_t insn_at; /* address of the instruction under test */
	void (*entry)(void);
	uint8_t *altstack;
	/* Set before native_build: the code also loads the x87/SSE state from native_fx_in() with
	 * FXRSTOR64 and stores it to native_fx_out() with FXSAVE64 (the host's own state is saved
	 * and restored around the run). */
	int fx;
} native_ctx;

/* 512-byte FXSAVE images in the state page (16-byte aligned). */
static inline uint8_t *native_fx_in(native_ctx *n)
{
	return (uint8_t *)n->st + 1024;
}
static inline uint8_t *native_fx_out(native_ctx *n)
{
	return (uint8_t *)n->st + 1536;
}
static inline uint8_t *native_fx_host(native_ctx *n)
{
	return (uint8_t *)n->st + 2048;
}

static sigjmp_buf native_jb;
static volatile int native_sig;

/* The SSE state at the fault (MXCSR with the flags the faulting instruction set, XMM0-15), from
 * the signal frame. */
static volatile uint32_t native_fault_mxcsr;
static uint8_t native_fault_xmm[256];

static void native_handler(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	const ucontext_t *u = uc;
	if (u && u->uc_mcontext.fpregs) {
		native_fault_mxcsr = u->uc_mcontext.fpregs->mxcsr;
		memcpy(native_fault_xmm, u->uc_mcontext.fpregs->_xmm, 256);
	}
	native_sig = sig;
	siglongjmp(native_jb, 1);
}

static inline int native_init(native_ctx *n)
{
	n->code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	n->st = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	n->altstack = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (n->code == MAP_FAILED || n->st == MAP_FAILED || n->altstack == MAP_FAILED)
		return -1;
	stack_t ss = {.ss_sp = n->altstack, .ss_size = 65536, .ss_flags = 0};
	sigaltstack(&ss, NULL);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = native_handler;
	sa.sa_flags = SA_ONSTACK | SA_NODEFER | SA_SIGINFO;
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	return 0;
}

static inline void native_fini(native_ctx *n)
{
	stack_t ss = {.ss_flags = SS_DISABLE};
	sigaltstack(&ss, NULL);
	signal(SIGFPE, SIG_DFL);
	signal(SIGSEGV, SIG_DFL);
	signal(SIGILL, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
	munmap(n->code, 4096);
	munmap(n->st, 4096);
	munmap(n->altstack, 65536);
}

static inline uint8_t *emit64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
	return p + 8;
}

/* push/pop of register r (0..15): 50+r / 58+r with REX.B for r8..r15. */
static inline uint8_t *emit_pp(uint8_t *p, uint8_t base, unsigned r)
{
	if (r >= 8)
		*p++ = 0x41;
	*p++ = (uint8_t)(base + (r & 7));
	return p;
}

/* Writes prologue + insn + epilogue into the code page. */
static inline void native_build(native_ctx *n, const uint8_t *insn, unsigned len)
{
	uint8_t *p = n->code;
	native_state *st = n->st;
	static const unsigned saved[] = {3, 5, 12, 13, 14, 15}; /* rbx rbp r12-r15 */
	for (unsigned k = 0; k < 6; k++)
		p = emit_pp(p, 0x50, saved[k]);
	if (n->fx) {
		*p++ = 0x48, *p++ = 0xB8, p = emit64(p, (uint64_t)(uintptr_t)native_fx_host(n));
		*p++ = 0x48, *p++ = 0x0F, *p++ = 0xAE, *p++ = 0x00; /* fxsave64 [rax] */
		*p++ = 0x48, *p++ = 0xB8, p = emit64(p, (uint64_t)(uintptr_t)native_fx_in(n));
		*p++ = 0x48, *p++ = 0x0F, *p++ = 0xAE, *p++ = 0x08; /* fxrstor64 [rax] */
	}
	*p++ = 0x48, *p++ = 0xB8, p = emit64(p, (uint64_t)(uintptr_t)&st->host_rsp); /* mov rax */
	*p++ = 0x48, *p++ = 0x89, *p++ = 0x20;				      /* mov [rax], rsp */
	*p++ = 0x48, *p++ = 0xBC, p = emit64(p, (uint64_t)(uintptr_t)st->in); /* mov rsp, in */
	static const unsigned order[] = {0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
	for (unsigned k = 0; k < 15; k++)
		p = emit_pp(p, 0x58, order[k]);
	*p++ = 0x9D; /* popfq */
	*p++ = 0x5C; /* pop rsp */
	n->insn_at = (uint64_t)(uintptr_t)p;
	memcpy(p, insn, len);
	p += len;
	*p++ = 0x48, *p++ = 0xA3, p = emit64(p, (uint64_t)(uintptr_t)&st->out_rax);
	*p++ = 0x48, *p++ = 0x89, *p++ = 0xE0; /* mov rax, rsp */
	*p++ = 0x48, *p++ = 0xA3, p = emit64(p, (uint64_t)(uintptr_t)&st->out_rsp);
	*p++ = 0x48, *p++ = 0xBC, p = emit64(p, (uint64_t)(uintptr_t)&st->out[15]);
	*p++ = 0x9C; /* pushfq */
	static const unsigned rorder[] = {15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 3, 2, 1};
	for (unsigned k = 0; k < 14; k++)
		p = emit_pp(p, 0x50, rorder[k]);
	*p++ = 0xFC; /* cld */
	if (n->fx) {
		*p++ = 0x48, *p++ = 0xB8, p = emit64(p, (uint64_t)(uintptr_t)native_fx_out(n));
		*p++ = 0x48, *p++ = 0x0F, *p++ = 0xAE, *p++ = 0x00; /* fxsave64 [rax] */
		*p++ = 0x48, *p++ = 0xB8, p = emit64(p, (uint64_t)(uintptr_t)native_fx_host(n));
		*p++ = 0x48, *p++ = 0x0F, *p++ = 0xAE, *p++ = 0x08; /* fxrstor64 [rax] */
	}
	*p++ = 0x48, *p++ = 0xB8, p = emit64(p, (uint64_t)(uintptr_t)&st->host_rsp);
	*p++ = 0x48, *p++ = 0x8B, *p++ = 0x20; /* mov rsp, [rax] */
	for (int k = 5; k >= 0; k--)
		p = emit_pp(p, 0x58, saved[k]);
	*p++ = 0xC3;
	n->entry = (void (*)(void))(uintptr_t)n->code;
	__builtin___clear_cache((char *)n->code, (char *)p);
}

/* Runs the built code with *r; returns 0, or the signal number when the instruction faulted
 * (registers then are not meaningful). */
static inline int native_run(native_ctx *n, native_regs *r)
{
	native_state *st = n->st;
	static const unsigned order[] = {0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
	for (unsigned k = 0; k < 15; k++)
		st->in[k] = r->gpr[order[k]];
	st->in[15] = r->rflags;
	st->in[16] = r->gpr[4];
	native_sig = 0;
	if (sigsetjmp(native_jb, 1))
		return native_sig ? native_sig : -1;
	n->entry();
	static const unsigned outorder[] = {1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
	for (unsigned k = 0; k < 14; k++)
		r->gpr[outorder[k]] = st->out[k];
	r->rflags = st->out[14];
	r->gpr[0] = st->out_rax;
	r->gpr[4] = st->out_rsp;
	return 0;
}

#endif
