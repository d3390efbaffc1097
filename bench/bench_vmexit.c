/* The #VMEXIT round trip (issue 6): a 64-bit guest runs CPUID in a loop under an intercepting
 * VMCB; each CPUID leaves ss_cpu_vmrun with #VMEXIT(CPUID), the hypervisor written here in C
 * answers it (RAX..RDX, RIP = NRIP) and calls ss_cpu_vmrun again. Prints ns per round trip
 * (guest -> exit -> host handler -> guest), with the VMCB clean bits set as KVM sets them and
 * with every bit clear (full reload).
 *
 *   build/bench/bench_vmexit [round trips]      (default 2,000,000)
 *
 * Times are the process's CPU time, so that other load on a shared machine does not count.
 */
#include <softsev/abi/svm_exit.h>
#include <softsev/abi/vmcb.h>
#include <softsev/cpu.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RAM   (16u << 20)
#define PT    0x1000 /* PML4, PDPT +0x1000, PD +0x2000: identity map of 1 GiB, 2 MiB pages */
#define VMCB  0x200000
#define GCODE 0x10000

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Runs n round trips; returns ns per round trip, or a negative value on an unexpected exit. */
static double round_trips(ss_cpu *c, ss_vmcb *v, uint64_t n, uint32_t clean)
{
	ss_cpu_exit ex;
	ss_error err;
	ss_cpu_regs *r = ss_cpu_regs_of(c);
	double t0 = now();
	for (uint64_t k = 0; k < n; k++) {
		if (ss_cpu_vmrun(c, VMCB, 1000, &ex, &err)) {
			fprintf(stderr, "error: %s\n", err.msg);
			return -1;
		}
		if (ex.reason != SS_CPU_EXIT_VMEXIT || v->control.exit_code != SS_SVM_EXIT_CPUID) {
			fprintf(stderr, "error: exit %s code 0x%llx, wanted #VMEXIT(CPUID)\n",
				ss_cpu_exit_name(ex.reason),
				(unsigned long long)v->control.exit_code);
			return -1;
		}
		/* The host's CPUID handler: a made-up leaf answer, then RIP past the instruction.
		 * RAX lives in the save area; RBX, RCX, RDX are the guest's in the CPU's registers.
		 */
		uint32_t leaf = (uint32_t)v->save.rax;
		v->save.rax = leaf ^ 0x1234;
		r->gpr[3] = k;
		r->gpr[1] = 0;
		r->gpr[2] = 0;
		v->save.rip = v->control.next_rip;
		v->control.clean = clean;
	}
	return (now() - t0) * 1e9 / (double)n;
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 0) : 2000000ull;
	ss_cpu_flatram ram = {calloc(RAM, 1), RAM};
	if (!ram.ram)
		return 1;
	uint64_t *pml4 = (uint64_t *)(ram.ram + PT), *pdpt = (uint64_t *)(ram.ram + PT + 0x1000),
		 *pd = (uint64_t *)(ram.ram + PT + 0x2000);
	pml4[0] = (PT + 0x1000) | 3;
	pdpt[0] = (PT + 0x2000) | 3;
	for (int k = 0; k < 512; k++)
		pd[k] = ((uint64_t)k << 21) | 0x83;
	/* Guest: cpuid; jmp back to it. */
	static const uint8_t guest[] = {0x0f, 0xa2, 0xeb, 0xfc};
	memcpy(ram.ram + GCODE, guest, sizeof(guest));

	ss_cpu_config cfg = {.mem = &ss_cpu_flatram_ops, .mem_ctx = &ram};
	ss_cpu *c;
	ss_error err;
	if (ss_cpu_new(&cfg, &c, &err)) {
		fprintf(stderr, "error: %s\n", err.msg);
		return 1;
	}
	ss_cpu_regs *r = ss_cpu_regs_of(c);
	r->cr3 = PT;
	r->cr0 |= 0x80000001;
	ss_cpu_set_long_mode(c, false);
	r->efer |= 0x1000; /* SVME */

	ss_vmcb *v = (ss_vmcb *)(ram.ram + VMCB);
	ss_vmcb_control *k = &v->control;
	ss_vmcb_save *s = &v->save;
	k->intercept_misc1 = SS_ICPT3_CPUID;
	k->intercept_misc2 = SS_ICPT4_VMRUN;
	k->asid = 1;
	k->tlb_ctl = SS_TLB_CTL_NONE;
	s->cs = (ss_vmsa_segment){0x08, 0x29b, 0xffffffff, 0};
	s->ss = s->ds = s->es = (ss_vmsa_segment){0x10, 0xc93, 0xffffffff, 0};
	s->efer = 0x1000 | 0x500 | 0x800;
	s->cr0 = 0x80000011;
	s->cr3 = PT;
	s->cr4 = 0x20;
	s->rflags = 2;
	s->rip = GCODE;
	s->rsp = 0x8000;
	s->g_pat = 0x0007040600070406ull;

	/* Warm-up (first VMRUN decodes the guest and fills the TLB), then the two measurements. */
	if (round_trips(c, v, 1000, 0) < 0)
		return 1;
	/* KVM marks everything clean except TPR (bit 3) and CR2 (bit 9), which it always reloads.
	 */
	double clean = round_trips(c, v, n, 0xffffffffu & ~((1u << 3) | (1u << 9)));
	double dirty = round_trips(c, v, n, 0);
	if (clean < 0 || dirty < 0)
		return 1;
	printf("#VMEXIT round trip (CPUID intercept, host handler in C, %llu trips)\n",
	       (unsigned long long)n);
	printf("  softsev interpreter: %8.1f ns  (VMCB clean bits set as KVM does)\n", clean);
	printf("  softsev interpreter: %8.1f ns  (clean bits 0: full reload)\n", dirty);
	ss_cpu_free(c);
	free(ram.ram);
	return 0;
}
