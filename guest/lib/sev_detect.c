/* Whether the guest runs with SEV memory encryption, found as Linux's sev_enable() does
 * (cpu-svm-sev.md §9.1, §9.2): CPUID 0x8000001F must exist and offer SEV (EAX bit 1), then
 * SEV_STATUS (MSR 0xC0010131, never intercepted by #VC) bit 0 says SEV is active; the C-bit is
 * the physical-address bit CPUID 0x8000001F EBX[5:0] names. */
#include "runtime.h"

#include <ss_guest/x86.h>

#define MSR_SEV_STATUS 0xC0010131u

uint64_t guest_cbit;
uint64_t guest_sev_status;

void guest_sev_init(void)
{
	uint32_t r[4];
	guest_cbit = guest_sev_status = 0;
	cpuid(0x80000000u, 0, r);
	if (r[0] < 0x8000001Fu)
		return;
	cpuid(0x8000001Fu, 0, r);
	if (!(r[0] & 2))
		return;
	guest_sev_status = rdmsr(MSR_SEV_STATUS);
	if (guest_sev_status & 1)
		guest_cbit = 1ull << (r[1] & 0x3f);
}
