/* The guest's GDT and 64-bit TSS (APM vol. 2 §4.8, §12.2.5) and the SYSCALL MSRs. Selectors are
 * those of ss_guest/layout.h; the TSS gives CPL 0 its stack for traps from CPL 3 (RSP0) and the
 * IST stacks (IST1: #DF; IST2: free for tests). */
#include "runtime.h"

#include <ss_guest/x86.h>

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iopb;
} __attribute__((packed));
_Static_assert(sizeof(struct tss64) == 104, "64-bit TSS is 104 bytes (APM vol. 2 fig. 12-8)");

static struct tss64 tss;
static uint64_t gdt[8];
static uint8_t kernel_stack[16384] __attribute__((aligned(16)));
static uint8_t df_stack[8192] __attribute__((aligned(16)));

void guest_set_ist(unsigned ist, uint64_t rsp)
{
	tss.ist[ist - 1] = rsp;
}

void guest_segments_init(void)
{
	gdt[SS_GUEST_KCODE / 8] = 0x00209A0000000000ull; /* 64-bit code, DPL 0 */
	gdt[SS_GUEST_KDATA / 8] = 0x00CF92000000FFFFull; /* data, DPL 0 */
	gdt[SS_GUEST_UBASE / 8] = 0x00CFFA000000FFFFull; /* 32-bit code, DPL 3 (SYSRET base) */
	gdt[SS_GUEST_UDATA / 8] = 0x00CFF2000000FFFFull; /* data, DPL 3 */
	gdt[SS_GUEST_UCODE / 8] = 0x0020FA0000000000ull; /* 64-bit code, DPL 3 */
	uint64_t t = (uint64_t)&tss, lim = sizeof(tss) - 1;
	gdt[SS_GUEST_TSS / 8] =
	    (lim & 0xffff) | ((t & 0xffffff) << 16) | (0x89ull << 40) | (((t >> 24) & 0xff) << 56);
	gdt[SS_GUEST_TSS / 8 + 1] = t >> 32;
	tss.rsp[0] = (uint64_t)(kernel_stack + sizeof(kernel_stack));
	tss.ist[0] = (uint64_t)(df_stack + sizeof(df_stack));
	tss.iopb = sizeof(tss);

	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) d = {sizeof(gdt) - 1, (uint64_t)gdt};
	/* CS keeps the selector the host entered with (SS_GUEST_KCODE, the same descriptor). */
	__asm__ volatile("lgdt %0\n\t"
			 "movw %w1, %%ax\n\t"
			 "movw %%ax, %%ds\n\t"
			 "movw %%ax, %%es\n\t"
			 "movw %%ax, %%ss\n\t"
			 "movw %w2, %%ax\n\t"
			 "ltr %%ax"
			 :
			 : "m"(d), "i"(SS_GUEST_KDATA), "i"(SS_GUEST_TSS)
			 : "rax", "memory");

	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, ((uint64_t)SS_GUEST_UBASE << 48) | ((uint64_t)SS_GUEST_KCODE << 32));
	wrmsr(MSR_LSTAR, (uint64_t)guest_syscall_entry);
	/* IF, TF, DF and AC cleared on entry to CPL 0. */
	wrmsr(MSR_SFMASK, 0x40700);
}
