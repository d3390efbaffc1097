/* The guest's #VC handler and GHCB (ss_guest/vc.h; cpu-svm-sev.md §4 for the Linux guest flow it
 * follows, §5 for the page, §6 for the MSR protocol, §3.3 for the IOIO information). */
#include "runtime.h"

#include <softsev/abi/ghcb.h>
#include <ss_guest/vc.h>
#include <ss_guest/x86.h>

#define MSR_SEV_STATUS	  0xC0010131u
#define SEV_STATUS_SEV_ES (1ull << 1)
#define VECTOR_VC	  29
#define RFLAGS_DF	  (1ull << 10)
#define TERM_SET_LINUX	  SS_GHCB_TERM_SET_LINUX
#define TERM_CPUID	  SS_GHCB_TERM_LINUX_CPUID
#define TERM_CPUID_HV	  SS_GHCB_TERM_LINUX_CPUID_HV
#define TERM_GENERAL	  SS_GHCB_TERM_GENERAL

unsigned guest_ghcb_version;
volatile uint64_t guest_vc_count;

static ss_ghcb ghcb __attribute__((aligned(4096)));
static bool ghcb_ready, ghcb_active;
static uint64_t es_cbit; /* the C-bit SEV_INFO and CPUID agree on (0: not an SEV-ES guest) */

static inline void vmgexit(void)
{
	/* VMGEXIT is REP VMMCALL (F3 0F 01 D9, §4 step 6). */
	__asm__ volatile(".byte 0xf3, 0x0f, 0x01, 0xd9" ::: "memory");
}

_Noreturn void guest_sev_terminate(unsigned set, unsigned code)
{
	for (;;) {
		wrmsr(SS_GHCB_MSR, SS_GHCB_MSR_TERM(set, code));
		vmgexit();
		__asm__ volatile("hlt");
	}
}

uint64_t guest_ghcb_msr_call(uint64_t req)
{
	wrmsr(SS_GHCB_MSR, req);
	vmgexit();
	return rdmsr(SS_GHCB_MSR);
}

uint32_t guest_msr_cpuid(uint32_t leaf, unsigned reg)
{
	uint64_t r = guest_ghcb_msr_call(SS_GHCB_MSR_CPUID(SS_GHCB_MSR_CPUID_REQ, leaf, reg));
	if (SS_GHCB_MSR_INFO(r) != SS_GHCB_MSR_CPUID_RESP || SS_GHCB_MSR_CPUID_REG(r) != reg)
		guest_sev_terminate(TERM_SET_LINUX, TERM_CPUID_HV);
	return SS_GHCB_MSR_CPUID_FN(r);
}

bool guest_sev_es(void)
{
	return ghcb_ready;
}

/* ---- the faulting instruction ---------------------------------------------------------------- */

typedef struct insn {
	const uint8_t *p;    /* first opcode byte (after the prefixes) */
	unsigned npfx;	     /* prefix bytes */
	bool opsz16, addr32; /* 0x66, 0x67 */
	bool rep;	     /* 0xF3 */
	int seg;	     /* segment override (IOIO segment number), -1 none */
} insn;

static void decode_prefixes(const uint8_t *p, insn *d)
{
	d->seg = -1;
	for (d->npfx = 0; d->npfx < 14; d->npfx++, p++) {
		switch (*p) {
		case 0x66: d->opsz16 = true; continue;
		case 0x67: d->addr32 = true; continue;
		case 0xF3: d->rep = true; continue;
		case 0xF2: continue;
		case 0x26: d->seg = 0; continue;
		case 0x2E: d->seg = 1; continue;
		case 0x36: d->seg = 2; continue;
		case 0x3E: d->seg = 3; continue;
		case 0x64: d->seg = 4; continue;
		case 0x65: d->seg = 5; continue;
		default: break;
		}
		if ((*p & 0xF0) == 0x40) { /* REX: last prefix; W does not change what we decode */
			d->npfx++;
			p++;
		}
		break;
	}
	d->p = p;
}

/* ---- the page protocol ----------------------------------------------------------------------- */

static void set(unsigned bit)
{
	ss_ghcb_set_valid(&ghcb, bit);
}
static bool valid(unsigned bit)
{
	return ss_ghcb_valid(&ghcb, bit);
}
#define SETV(field, value)                                                                         \
	do {                                                                                       \
		ghcb.field = (value);                                                              \
		set(SS_GHCB_BIT(field));                                                           \
	} while (0)
#define NEED_OUT(field)                                                                            \
	do {                                                                                       \
		if (!valid(SS_GHCB_BIT(field)))                                                    \
			guest_sev_terminate(SS_GHCB_TERM_SET_GENERAL, TERM_GENERAL);               \
	} while (0)

/* §4 step 2: no stale inputs from the previous exit. */
static void ghcb_begin(void)
{
	if (ghcb_active)
		guest_sev_terminate(SS_GHCB_TERM_SET_GENERAL, TERM_GENERAL); /* nested use */
	ghcb_active = true;
	ghcb.sw_exit_code = 0;
	for (unsigned i = 0; i < sizeof(ghcb.valid_bitmap); i++)
		ghcb.valid_bitmap[i] = 0;
}

/* §4 steps 6-7. Returns 0 on success, or the EVENTINJ event (#GP/#UD) the hypervisor asks the
 * guest to raise; any other answer terminates. */
static uint64_t ghcb_call(uint64_t code, uint64_t info1, uint64_t info2)
{
	ghcb.protocol_version = (uint16_t)guest_ghcb_version;
	ghcb.ghcb_usage = SS_GHCB_USAGE_STANDARD;
	SETV(sw_exit_code, code);
	SETV(sw_exit_info1, info1);
	SETV(sw_exit_info2, info2);
	wrmsr(SS_GHCB_MSR, (uint64_t)&ghcb);
	vmgexit();
	ghcb_active = false;
	uint32_t result = (uint32_t)ghcb.sw_exit_info1;
	if (result == SS_GHCB_RESULT_OK)
		return 0;
	if (result == SS_GHCB_RESULT_EXCEPTION) {
		uint64_t ev = ghcb.sw_exit_info2;
		unsigned vec = (unsigned)(ev & 0xFF);
		if ((ev & (1ull << 31)) && ((ev >> 8) & 7) == 3 &&
		    (vec == SS_GHCB_VECTOR_GP || vec == SS_GHCB_VECTOR_UD))
			return ev;
	}
	guest_sev_terminate(SS_GHCB_TERM_SET_GENERAL, TERM_GENERAL);
}

static uint64_t vc_cpuid(guest_frame *f)
{
	uint32_t leaf = (uint32_t)f->rax, sub = (uint32_t)f->rcx;
	if (!ghcb_ready) {
		/* Before the GHCB exists only the MSR protocol works: sub-leaf 0 only (§6). */
		if (sub != 0)
			guest_sev_terminate(TERM_SET_LINUX, TERM_CPUID);
		f->rax = guest_msr_cpuid(leaf, SS_GHCB_CPUID_EAX);
		f->rbx = guest_msr_cpuid(leaf, SS_GHCB_CPUID_EBX);
		f->rcx = guest_msr_cpuid(leaf, SS_GHCB_CPUID_ECX);
		f->rdx = guest_msr_cpuid(leaf, SS_GHCB_CPUID_EDX);
		return 0;
	}
	ghcb_begin();
	SETV(rax, leaf);
	SETV(rcx, sub);
	if (leaf == 0xD) {
		/* XCR0 as XGETBV would give it: x87 only while the runtime leaves OSXSAVE off. */
		SETV(xcr0, 1);
		if (guest_ghcb_version >= 2)
			SETV(xss, 0);
	}
	uint64_t ev = ghcb_call(SS_GHCB_NAE_CPUID, 0, 0);
	if (ev)
		return ev;
	NEED_OUT(rax);
	NEED_OUT(rbx);
	NEED_OUT(rcx);
	NEED_OUT(rdx);
	f->rax = (uint32_t)ghcb.rax;
	f->rbx = (uint32_t)ghcb.rbx;
	f->rcx = (uint32_t)ghcb.rcx;
	f->rdx = (uint32_t)ghcb.rdx;
	return 0;
}

/* IN/OUT/INS/OUTS (§3.3). Sets *retry when a REP string instruction has elements left: the
 * instruction runs again (and faults again) with the registers advanced. */
static uint64_t vc_ioio(guest_frame *f, const insn *d, unsigned *len, bool *retry)
{
	uint8_t op = d->p[0];
	bool imm = op >= 0xE4 && op <= 0xE7, str = op >= 0x6C && op <= 0x6F;
	bool in = op == 0xE4 || op == 0xE5 || op == 0xEC || op == 0xED || op == 0x6C || op == 0x6D;
	unsigned size = (op & 1) ? (d->opsz16 ? 2 : 4) : 1;
	uint16_t port = imm ? d->p[1] : (uint16_t)f->rdx;
	*len = d->npfx + (imm ? 2 : 1);
	uint64_t info = ((uint64_t)port << SS_IOIO_PORT_SHIFT) |
			(size == 1   ? SS_IOIO_SZ8
			 : size == 2 ? SS_IOIO_SZ16
				     : SS_IOIO_SZ32) |
			(d->addr32 ? SS_IOIO_A32 : SS_IOIO_A64) | (in ? SS_IOIO_TYPE_IN : 0);
	uint32_t mask = size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
	if (!str) {
		ghcb_begin();
		if (!in)
			SETV(rax, f->rax & mask);
		if (!in && port == SS_GUEST_PORT) {
			/* The report channel's arguments (ss_guest/layout.h), see vc.h. */
			SETV(rdi, f->rdi);
			SETV(rsi, f->rsi);
			SETV(rdx, f->rdx);
			SETV(rcx, f->rcx);
		}
		uint64_t ev = ghcb_call(SS_GHCB_NAE_IOIO, info, 0);
		if (ev || !in)
			return ev;
		NEED_OUT(rax);
		if (size == 4)
			f->rax = (uint32_t)ghcb.rax; /* a 32-bit destination zero-extends */
		else
			f->rax = (f->rax & ~(uint64_t)mask) | (ghcb.rax & mask);
		return 0;
	}
	/* String I/O through the shared buffer (§5): INS stores at ES:RDI, OUTS loads from
	 * seg:RSI (DS unless overridden); RFLAGS.DF chooses the direction. */
	uint64_t amask = d->addr32 ? 0xFFFFFFFFull : ~0ull;
	uint64_t count = d->rep ? (f->rcx & amask) : 1;
	if (count == 0)
		return 0;
	uint64_t chunk =
	    count < SS_GHCB_SHARED_BUFFER_SIZE / size ? count : SS_GHCB_SHARED_BUFFER_SIZE / size;
	int64_t step = (f->rflags & RFLAGS_DF) ? -(int64_t)size : (int64_t)size;
	info |= SS_IOIO_STR | (d->rep ? SS_IOIO_REP : 0);
	info |= (uint64_t)(in ? 0 : (d->seg >= 0 ? d->seg : 3)) << SS_IOIO_SEG_SHIFT;
	ghcb_begin();
	uint8_t *buf = ghcb.shared_buffer;
	if (!in) {
		uint64_t src = f->rsi & amask;
		for (uint64_t k = 0; k < chunk; k++)
			for (unsigned b = 0; b < size; b++)
				buf[k * size + b] =
				    ((const uint8_t *)((src + (uint64_t)step * k) & amask))[b];
	}
	SETV(sw_scratch, (uint64_t)buf);
	uint64_t ev = ghcb_call(SS_GHCB_NAE_IOIO, info, chunk);
	if (ev)
		return ev;
	if (in) {
		uint64_t dst = f->rdi & amask;
		for (uint64_t k = 0; k < chunk; k++)
			for (unsigned b = 0; b < size; b++)
				((uint8_t *)((dst + (uint64_t)step * k) & amask))[b] =
				    buf[k * size + b];
		f->rdi = (f->rdi & ~amask) | ((f->rdi + (uint64_t)step * chunk) & amask);
	} else {
		f->rsi = (f->rsi & ~amask) | ((f->rsi + (uint64_t)step * chunk) & amask);
	}
	if (d->rep) {
		f->rcx = (f->rcx & ~amask) | ((f->rcx - chunk) & amask);
		*retry = (f->rcx & amask) != 0;
	}
	return 0;
}

static uint64_t vc_msr(guest_frame *f, bool write)
{
	ghcb_begin();
	SETV(rcx, (uint32_t)f->rcx);
	if (write) {
		SETV(rax, (uint32_t)f->rax);
		SETV(rdx, (uint32_t)f->rdx);
	}
	uint64_t ev = ghcb_call(SS_GHCB_NAE_MSR, write ? 1 : 0, 0);
	if (ev || write)
		return ev;
	NEED_OUT(rax);
	NEED_OUT(rdx);
	f->rax = (uint32_t)ghcb.rax;
	f->rdx = (uint32_t)ghcb.rdx;
	return 0;
}

static uint64_t vc_vmmcall(guest_frame *f)
{
	ghcb_begin();
	SETV(rax, f->rax);
	SETV(rbx, f->rbx);
	SETV(rcx, f->rcx);
	SETV(rdx, f->rdx);
	SETV(rsi, f->rsi);
	SETV(cpl, (uint8_t)(f->cs & 3));
	uint64_t ev = ghcb_call(SS_GHCB_NAE_VMMCALL, 0, 0);
	if (ev)
		return ev;
	NEED_OUT(rax);
	f->rax = ghcb.rax;
	return 0;
}

static uint64_t vc_rdtsc(guest_frame *f, bool p)
{
	ghcb_begin();
	uint64_t ev = ghcb_call(p ? SS_GHCB_NAE_RDTSCP : SS_GHCB_NAE_RDTSC, 0, 0);
	if (ev)
		return ev;
	NEED_OUT(rax);
	NEED_OUT(rdx);
	f->rax = (uint32_t)ghcb.rax;
	f->rdx = (uint32_t)ghcb.rdx;
	if (p) {
		NEED_OUT(rcx);
		f->rcx = (uint32_t)ghcb.rcx;
	}
	return 0;
}

/* ---- the #VC handler (§4) -------------------------------------------------------------------- */

static bool vc_handler(guest_frame *f)
{
	guest_vc_count++;
	uint64_t code = f->error;
	insn d = {0};
	decode_prefixes((const uint8_t *)f->rip, &d);
	const uint8_t *p = d.p;
	unsigned len = 0;
	bool retry = false;
	uint64_t ev = 0;
	/* §4 step 4: the instruction must be the one the exit code names (no spoofed #VC). */
	switch (code) {
	case SS_GHCB_NAE_CPUID:
		if (p[0] != 0x0F || p[1] != 0xA2)
			break;
		len = d.npfx + 2;
		ev = vc_cpuid(f);
		break;
	case SS_GHCB_NAE_IOIO:
		if (!((p[0] >= 0xE4 && p[0] <= 0xE7) || (p[0] >= 0xEC && p[0] <= 0xEF) ||
		      (p[0] >= 0x6C && p[0] <= 0x6F)) ||
		    !ghcb_ready)
			break;
		ev = vc_ioio(f, &d, &len, &retry);
		break;
	case SS_GHCB_NAE_MSR:
		if (p[0] != 0x0F || (p[1] != 0x30 && p[1] != 0x32) || !ghcb_ready)
			break;
		len = d.npfx + 2;
		ev = vc_msr(f, p[1] == 0x30);
		break;
	case SS_GHCB_NAE_VMMCALL:
		if (p[0] != 0x0F || p[1] != 0x01 || p[2] != 0xD9 || !ghcb_ready)
			break;
		len = d.npfx + 3;
		ev = vc_vmmcall(f);
		break;
	case SS_GHCB_NAE_RDTSC:
		if (p[0] != 0x0F || p[1] != 0x31 || !ghcb_ready)
			break;
		len = d.npfx + 2;
		ev = vc_rdtsc(f, false);
		break;
	case SS_GHCB_NAE_RDTSCP:
		if (p[0] != 0x0F || p[1] != 0x01 || p[2] != 0xF9 || !ghcb_ready)
			break;
		len = d.npfx + 3;
		ev = vc_rdtsc(f, true);
		break;
	default: break;
	}
	if (len == 0) /* an exit this handler does not serve, or a mismatched instruction */
		guest_sev_terminate(SS_GHCB_TERM_SET_GENERAL, TERM_GENERAL);
	if (ev) {
		/* §4 step 7: the hypervisor's #GP/#UD replaces the #VC; the dispatcher goes on as
		 * for any exception without a handler (guest_try or a TRAP report). */
		f->vector = ev & 0xFF;
		f->error = (ev & (1ull << 11)) ? ev >> 32 : 0;
		guest_last_trap.vector = f->vector;
		guest_last_trap.error = f->error;
		return false;
	}
	if (!retry)
		f->rip += len;
	return true;
}

/* ---- set-up ---------------------------------------------------------------------------------- */

void guest_sev_early(void)
{
	if (!(rdmsr(MSR_SEV_STATUS) & SEV_STATUS_SEV_ES))
		return;
	/* §6: the hypervisor's protocol range must include a version this guest speaks. */
	uint64_t info = guest_ghcb_msr_call(SS_GHCB_MSR_SEV_INFO_REQ);
	if (SS_GHCB_MSR_INFO(info) != SS_GHCB_MSR_SEV_INFO_RESP)
		guest_sev_terminate(SS_GHCB_TERM_SET_GENERAL, TERM_GENERAL);
	unsigned max = SS_GHCB_MSR_SEV_INFO_MAX(info), min = SS_GHCB_MSR_SEV_INFO_MIN(info);
	unsigned v = max < SS_GHCB_VERSION_MAX ? max : SS_GHCB_VERSION_MAX;
	if (v < SS_GHCB_VERSION_MIN || v < min)
		guest_sev_terminate(SS_GHCB_TERM_SET_GENERAL, SS_GHCB_TERM_PROTOCOL_RANGE);
	guest_ghcb_version = v;
	/* The C-bit position: SEV_INFO and CPUID 0x8000_001F EBX[5:0] must agree (§9.1). The
	 * CPUID instruction raises #VC, which the handler serves through the MSR protocol: no GHCB
	 * exists yet. */
	guest_set_handler(VECTOR_VC, vc_handler);
	unsigned cbit = SS_GHCB_MSR_SEV_INFO_CBIT(info);
	uint32_t r[4];
	cpuid(0x8000001F, 0, r);
	if (cbit < 32 || cbit > 51 || !(r[0] & (1u << 3)) || (r[1] & 63) != cbit)
		guest_sev_terminate(TERM_SET_LINUX, TERM_CPUID);
	es_cbit = 1ull << cbit;
}

void guest_sev_late(void)
{
	if (!es_cbit)
		return;
	/* sev_detect.c found the same C-bit (from SEV_STATUS and CPUID, after this file's #VC
	 * handler served its CPUID) and the image is now mapped private with it. */
	if (guest_cbit != es_cbit)
		guest_sev_terminate(TERM_SET_LINUX, TERM_CPUID);
	/* The GHCB is shared memory (§5): the C-bit clear in its PTE, its contents written anew
	 * through that mapping. */
	guest_map_shared((uint64_t)&ghcb, (uint64_t)&ghcb, PAGE_4K, PTE_W | PTE_NX);
	uint8_t *g = (uint8_t *)&ghcb;
	for (unsigned i = 0; i < sizeof(ghcb); i++)
		g[i] = 0;
	wrmsr(SS_GHCB_MSR, (uint64_t)&ghcb);
	ghcb_ready = true;
}
