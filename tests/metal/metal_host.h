/* The host half of a metal test (STYLE.md item 8): a hypervisor written in C that loads a test
 * guest's flat image (built from the same .c file with -DSS_GUEST, see tests/metal/meson.build)
 * into flat RAM, maps it with nested paging, builds the VMCB in the entry state of
 * ss_guest/layout.h, runs it with ss_cpu_vmrun and serves the report channel. A test then asserts
 * the #VMEXITs the guest causes (exit code, exit_info_1/2, next_rip) and the guest's own checks
 * (each failed GCHECK counts as a failed CHECK here).
 *
 *   metal m;
 *   REQUIRE(metal_boot(&m, CASE_X) == METAL_READY);   runs the runtime's set-up
 *   m.v->control.intercept_exc |= 1u << 6;            intercepts enabled after set-up
 *   CHECK(metal_run(&m) == SS_SVM_EXIT_EXCP_BASE + 6);
 *   ...
 *   metal_free(&m);
 */
#ifndef SS_METAL_HOST_H
#define SS_METAL_HOST_H

#include "harness.h"

#include <softsev/abi/svm_exit.h>
#include <softsev/abi/vmcb.h>
#include <softsev/cpu.h>
#include <ss_guest/layout.h>
#include <sys/mman.h>

/* System-physical layout of the flat RAM. */
#define METAL_RAM_SIZE 0x2000000ull /* 32 MiB */
#define METAL_NPT      0x100000ull  /* nested PML4; PDPT +0x1000; PD +0x2000 */
#define METAL_VMCB     0x200000ull
#define METAL_IOPM     0x210000ull  /* 12 KiB */
#define METAL_MSRPM    0x220000ull  /* 8 KiB */
#define METAL_GBASE    0x1000000ull /* guest-physical 0 */
#define METAL_BUDGET   2000000u	    /* instructions per ss_cpu_vmrun */

/* metal_run's answers besides real exit codes (none of which lie in this range). */
#define METAL_READY 0x10001ull /* the runtime reported READY */
#define METAL_DONE  0x10002ull /* guest_main returned */
#define METAL_TRAP  0x10003ull /* the guest took an exception nobody expected */
#define METAL_ERROR 0x10004ull /* ss_cpu_vmrun failed or did not end in a #VMEXIT */

typedef struct metal {
	ss_cpu_flatram ram;
	ss_cpu *c;
	ss_vmcb *v; /* the VMCB, inside ram */
	ss_cpu_exit ex;
	uint64_t value[SS_GUEST_VALUES]; /* the last SS_GUEST_OP_VALUE per key */
	uint64_t trap_gva;		 /* guest_last_trap, from READY */
} metal;

static inline void metal_p64(metal *m, uint64_t pa, uint64_t x)
{
	memcpy(m->ram.ram + pa, &x, 8);
}

static inline uint64_t metal_g64(const metal *m, uint64_t gpa)
{
	uint64_t x = 0;
	if (gpa + 8 <= SS_GUEST_RAM_SIZE)
		memcpy(&x, m->ram.ram + METAL_GBASE + gpa, 8);
	return x;
}

/* A NUL-terminated string the guest passed by address (identity-mapped guest memory). */
static inline const char *metal_gstr(const metal *m, uint64_t gva)
{
	if (gva >= SS_GUEST_RAM_SIZE ||
	    !memchr(m->ram.ram + METAL_GBASE + gva, 0, SS_GUEST_RAM_SIZE - gva))
		return "(bad guest string)";
	return (const char *)m->ram.ram + METAL_GBASE + gva;
}

static inline ss_cpu_regs *metal_regs(metal *m)
{
	return ss_cpu_regs_of(m->c);
}

static inline void metal_free(metal *m)
{
	ss_cpu_free(m->c);
	if (m->ram.ram)
		munmap(m->ram.ram, METAL_RAM_SIZE);
	m->c = NULL;
	m->ram.ram = NULL;
}

/* Runs the guest until an exit that is not a report; answers the exit code or a METAL_*. */
static inline uint64_t metal_run(metal *m)
{
	for (;;) {
		ss_error err;
		if (ss_cpu_vmrun(m->c, METAL_VMCB, METAL_BUDGET, &m->ex, &err)) {
			printf("# vmrun: %s\n", err.msg);
			return METAL_ERROR;
		}
		if (m->ex.reason != SS_CPU_EXIT_VMEXIT ||
		    m->ex.vmexit_code != m->v->control.exit_code)
			return METAL_ERROR;
		ss_vmcb_control *k = &m->v->control;
		if (k->exit_code != SS_SVM_EXIT_IOIO ||
		    ((k->exit_info_1 >> SS_IOIO_PORT_SHIFT) & 0xffff) != SS_GUEST_PORT ||
		    (k->exit_info_1 & SS_IOIO_TYPE_IN))
			return k->exit_code;
		const uint64_t *g = metal_regs(m)->gpr;
		uint64_t op = m->v->save.rax;
		m->v->save.rip = k->exit_info_2;
		switch (op) {
		case SS_GUEST_OP_READY: m->trap_gva = g[SS_RDI]; return METAL_READY;
		case SS_GUEST_OP_DONE: return METAL_DONE;
		case SS_GUEST_OP_FAIL:
			printf("# guest %s (got 0x%llx, want 0x%llx)\n", metal_gstr(m, g[SS_RDI]),
			       (unsigned long long)g[SS_RSI], (unsigned long long)g[SS_RDX]);
			ss_test_failed_checks++;
			break;
		case SS_GUEST_OP_VALUE:
			if (g[SS_RDI] < SS_GUEST_VALUES)
				m->value[g[SS_RDI]] = g[SS_RSI];
			break;
		case SS_GUEST_OP_TRAP:
			printf(
			    "# guest: unexpected exception %llu, error 0x%llx at RIP 0x%llx, CR2 "
			    "0x%llx\n",
			    (unsigned long long)g[SS_RDI], (unsigned long long)g[SS_RSI],
			    (unsigned long long)g[SS_RDX], (unsigned long long)g[SS_RCX]);
			return METAL_TRAP;
		case SS_GUEST_OP_PRINT: printf("# guest: %s\n", metal_gstr(m, g[SS_RDI])); break;
		default:
			printf("# guest: unknown report op %llu\n", (unsigned long long)op);
			return METAL_ERROR;
		}
	}
}

/* True if metal_run answered want; otherwise prints what happened (exit code, exit information,
 * guest RIP and the instruction bytes there) so that a failed CHECK explains itself. */
static inline bool metal_is(metal *m, uint64_t got, uint64_t want)
{
	if (got == want)
		return true;
	const ss_vmcb_control *k = &m->v->control;
	uint64_t rip = m->v->save.rip;
	printf("# metal: got 0x%llx, want 0x%llx; exit_code 0x%llx info1 0x%llx info2 0x%llx "
	       "next_rip 0x%llx rip 0x%llx cpl %u%s%s\n",
	       (unsigned long long)got, (unsigned long long)want, (unsigned long long)k->exit_code,
	       (unsigned long long)k->exit_info_1, (unsigned long long)k->exit_info_2,
	       (unsigned long long)k->next_rip, (unsigned long long)rip, m->v->save.cpl,
	       m->ex.detail ? " detail: " : "", m->ex.detail ? m->ex.detail : "");
	if (rip + 8 <= SS_GUEST_RAM_SIZE) {
		printf("#   bytes at rip:");
		for (unsigned k2 = 0; k2 < 8; k2++)
			printf(" %02x", m->ram.ram[METAL_GBASE + rip + k2]);
		printf("\n");
	}
	return false;
}
#define METAL_CHECK(m, expr, want)   CHECK(metal_is((m), (expr), (want)))
#define METAL_REQUIRE(m, expr, want) REQUIRE(metal_is((m), (expr), (want)))

/* Resumes after an intercepted instruction (NRIP, cpu-svm-sev.md §1.3). */
static inline uint64_t metal_resume(metal *m)
{
	m->v->save.rip = m->v->control.next_rip;
	return metal_run(m);
}

/* Reflects an intercepted exception into the guest as the hypervisor would: EVENTINJ with the
 * exit's error code, and CR2 from exit_info_2 for #PF (cpu-svm-sev.md §1.4). */
static inline uint64_t metal_reflect(metal *m)
{
	ss_vmcb_control *k = &m->v->control;
	unsigned vec = (unsigned)(k->exit_code - SS_SVM_EXIT_EXCP_BASE);
	int ev = vec == 8 || (vec >= 10 && vec <= 14) || vec == 17;
	k->event_inj = SS_EVTINJ_VALID | (SS_EVTINJ_TYPE_EXC << 8) | vec | (ev ? SS_EVTINJ_EV : 0);
	k->event_inj_err = (uint32_t)k->exit_info_1;
	if (vec == 14)
		m->v->save.cr2 = k->exit_info_2;
	k->intercept_exc = 0;
	return metal_run(m);
}

/* Loads the image, builds the machine and runs the guest's set-up; answers metal_run's code
 * (METAL_READY when all is well). test_case reaches guest_main. */
static inline uint64_t metal_boot(metal *m, uint64_t test_case)
{
	memset(m, 0, sizeof(*m));
	m->ram.size = METAL_RAM_SIZE;
	/* mmap, not calloc: untouched pages stay free, also under MALLOC_PERTURB_ (which makes
	 * calloc clear every byte). */
	void *ram =
	    mmap(NULL, METAL_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ram == MAP_FAILED)
		return METAL_ERROR;
	m->ram.ram = ram;
	FILE *f = fopen(METAL_IMAGE, "rb");
	if (!f) {
		printf("# cannot open the guest image %s\n", METAL_IMAGE);
		return METAL_ERROR;
	}
	size_t n = fread(m->ram.ram + METAL_GBASE + SS_GUEST_LOAD, 1, SS_GUEST_IMAGE_MAX + 1, f);
	fclose(f);
	if (n == 0 || n > SS_GUEST_IMAGE_MAX) {
		printf("# guest image %s: %zu bytes\n", METAL_IMAGE, n);
		return METAL_ERROR;
	}
	/* Nested paging: gPA [0, 16 MiB) -> sPA [16 MiB, 32 MiB), 2 MiB pages, user, writable. */
	metal_p64(m, METAL_NPT, (METAL_NPT + 0x1000) | 7);
	metal_p64(m, METAL_NPT + 0x1000, (METAL_NPT + 0x2000) | 7);
	for (uint64_t k = 0; k < SS_GUEST_RAM_SIZE / 0x200000; k++)
		metal_p64(m, METAL_NPT + 0x2000 + 8 * k, (METAL_GBASE + (k << 21)) | 0x87);
	/* The boot tables of layout.h: identity map, 2 MiB supervisor pages, U=1 above. */
	uint64_t b = METAL_GBASE + SS_GUEST_BOOT_PML4;
	metal_p64(m, b, (SS_GUEST_BOOT_PML4 + 0x1000) | 7);
	metal_p64(m, b + 0x1000, (SS_GUEST_BOOT_PML4 + 0x2000) | 7);
	for (uint64_t k = 0; k < SS_GUEST_RAM_SIZE / 0x200000; k++)
		metal_p64(m, b + 0x2000 + 8 * k, (k << 21) | 0x83);
	m->ram.ram[METAL_IOPM + SS_GUEST_PORT / 8] |= (uint8_t)(1u << (SS_GUEST_PORT % 8));

	ss_cpu_config cfg = {.mem = &ss_cpu_flatram_ops, .mem_ctx = &m->ram};
	ss_error err;
	if (ss_cpu_new(&cfg, &m->c, &err)) {
		printf("# ss_cpu_new: %s\n", err.msg);
		return METAL_ERROR;
	}
	ss_cpu_regs *r = metal_regs(m);
	r->cr0 &= ~0x80000000ull;
	ss_cpu_set_long_mode(m->c, false);
	r->efer |= 0x1000; /* SVME */
	r->syscfg = 1ull << 23;
	r->gpr[SS_RDI] = test_case;

	m->v = (ss_vmcb *)(m->ram.ram + METAL_VMCB);
	ss_vmcb_control *k = &m->v->control;
	ss_vmcb_save *s = &m->v->save;
	k->intercept_misc1 =
	    SS_ICPT3_HLT | SS_ICPT3_IOIO_PROT | SS_ICPT3_MSR_PROT | SS_ICPT3_SHUTDOWN;
	k->intercept_misc2 = SS_ICPT4_VMRUN;
	k->iopm_base_pa = METAL_IOPM;
	k->msrpm_base_pa = METAL_MSRPM;
	k->asid = 1;
	k->nested_ctl = SS_NESTED_CTL_NP;
	k->nested_cr3 = METAL_NPT;
	k->tlb_ctl = SS_TLB_CTL_ALL;
	s->cs = (ss_vmsa_segment){SS_GUEST_KCODE, 0x29b, 0xffffffff, 0};
	s->ss = s->ds = s->es = (ss_vmsa_segment){SS_GUEST_KDATA, 0xc93, 0xffffffff, 0};
	s->efer = 0x1000 | 0x100 | 0x400 | 0x800; /* SVME, LME, LMA, NXE */
	s->cr0 = 0x80000011;
	s->cr3 = SS_GUEST_BOOT_PML4;
	s->cr4 = 0x20;
	s->rflags = 2;
	s->rip = SS_GUEST_LOAD;
	s->g_pat = 0x0007040600070406ull;
	return metal_run(m);
}

/* The guest's trap record (guest_trap in ss_guest/guest.h): count, vector, error, rip, cs, rsp,
 * cr2. */
static inline uint64_t metal_trap_field(const metal *m, unsigned field)
{
	return metal_g64(m, m->trap_gva + 8ull * field);
}

#endif
