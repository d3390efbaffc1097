/* softsev's built-in demo guest (`softsev run`): greets, shows what it sees of itself (the CPU and
 * hypervisor through CPUID, the SEV leaf 0x8000001F and, with SEV, SEV_STATUS and the C-bit its
 * page tables carry), asks the hypervisor for its version (VMMCALL), does a little real work
 * (a prime sieve and a CRC-32 over its result, in its own private memory) and exits with status 0
 * (1 if one of its checks failed). Numbers: cpu-svm-sev.md §9.1, §9.2; hv.h for the hypercall. */
#include "console.h"

#include <ss_guest/guest.h>
#include <ss_guest/x86.h>

#define SIEVE_N		100000u
#define HV_CALL_VERSION 0x53530001u
#define HV_CALL_MAGIC	0x3176657374666f73ull

static uint8_t composite[SIEVE_N]; /* .bss: zeroed by entry.S through the guest's own mapping */

static void show_cpu(void)
{
	uint32_t r[4];
	char vendor[13], hv[13];
	cpuid(0, 0, r);
	__builtin_memcpy(vendor, &r[1], 4);
	__builtin_memcpy(vendor + 4, &r[3], 4);
	__builtin_memcpy(vendor + 8, &r[2], 4);
	vendor[12] = 0;
	cpuid(1, 0, r);
	unsigned family = ((r[0] >> 8) & 0xf) + ((r[0] >> 20) & 0xff);
	unsigned model = ((r[0] >> 4) & 0xf) | ((r[0] >> 12) & 0xf0);
	bool under_hv = r[2] >> 31;
	con_printf("cpu: %s family %xh model %02xh%s\n", vendor, family, model,
		   under_hv ? ", running under a hypervisor" : "");
	if (!under_hv)
		return;
	cpuid(0x40000000u, 0, r);
	__builtin_memcpy(hv, &r[1], 4);
	__builtin_memcpy(hv + 4, &r[2], 4);
	__builtin_memcpy(hv + 8, &r[3], 4);
	hv[12] = 0;
	con_printf("hypervisor: \"%s\", leaves up to 0x%x\n", hv, r[0]);
}

static void show_sev(void)
{
	uint32_t r[4];
	cpuid(0x8000001Fu, 0, r);
	con_printf("sev: CPUID 0x8000001F eax=0x%08x ebx=0x%08x: ", r[0], r[1]);
	if (!(r[0] & 2)) {
		con_puts("SEV not offered, memory in the clear\n");
		GCHECK_EQ(guest_cbit, 0);
		return;
	}
	con_printf("SEV offered, C-bit %u\n", r[1] & 0x3f);
	con_printf("sev: SEV_STATUS (MSR 0xC0010131) = 0x%lx:%s%s%s\n", guest_sev_status,
		   guest_sev_status & 1 ? " SEV" : " no SEV", guest_sev_status & 2 ? " SEV-ES" : "",
		   guest_sev_status & 4 ? " SNP" : "");
	if (guest_sev_status & 1) {
		uint64_t size, *pte = guest_pte((uint64_t)composite, &size);
		con_printf("sev: my memory is private: the page-table entry of my data is 0x%lx "
			   "(C-bit %s)\n",
			   pte ? *pte : 0, pte && (*pte & guest_cbit) ? "set" : "clear");
		GCHECK(pte && (*pte & guest_cbit));
	}
}

static void hypercall(void)
{
	uint64_t rax = HV_CALL_VERSION;
	__asm__ volatile("vmmcall" : "+a"(rax) : : "memory");
	char magic[9];
	__builtin_memcpy(magic, &rax, 8);
	magic[8] = 0;
	con_printf("hypercall: VMMCALL version -> \"%s\"\n", rax == HV_CALL_MAGIC ? magic : "?");
	GCHECK_EQ(rax, HV_CALL_MAGIC);
}

static uint32_t crc32(const uint8_t *p, uint64_t n)
{
	uint32_t c = 0xffffffffu;
	for (uint64_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

static void work(void)
{
	uint64_t count = 0, sum = 0;
	for (uint32_t i = 2; i < SIEVE_N; i++) {
		if (composite[i])
			continue;
		count++;
		sum += i;
		for (uint64_t j = (uint64_t)i * i; j < SIEVE_N; j += i)
			composite[j] = 1;
	}
	con_printf("work: %lu primes below %u, their sum %lu\n", count, SIEVE_N, sum);
	con_printf("work: CRC-32 of the sieve's %u bytes: 0x%08x\n", SIEVE_N,
		   crc32(composite, SIEVE_N));
	GCHECK_EQ(count, 9592);
	GCHECK_EQ(sum, 454396537);
}

void guest_main(uint64_t arg __attribute__((unused)))
{
	con_printf("Hello from softsev's demo guest, %s guest.\n",
		   guest_sev_status & 1 ? "an SEV" : "a plain");
	show_cpu();
	show_sev();
	hypercall();
	work();
	con_puts("bye\n");
}
