/* The guest's side of SEV-ES (guest/lib/vc.c; cpu-svm-sev.md §4-§6, the GHCB spec AMD #56421).
 *
 * Contract. guest_start (start.c) calls guest_sev_early() first, then guest_sev_init()
 * (sev_detect.c: SEV and the C-bit, guest_cbit of ss_guest/guest.h, which guest_map() puts in every
 * leaf it writes), maps its image, and calls guest_sev_late(). Outside an SEV-ES guest (SEV_STATUS
 * bit 1 clear) both do nothing. In an SEV-ES guest:
 *  - early: the GHCB MSR protocol negotiates the version (SEV_INFO: the hypervisor's range must
 *    contain 2 or 1; the guest uses the highest it shares) and the C-bit position of SEV_INFO
 *    must match CPUID 0x8000_001F EBX[5:0]; the #VC handler (vector 29) is installed first, so
 *    that CPUID (this one and sev_detect.c's) is answered through the MSR protocol, the only
 *    way before a GHCB exists;
 *  - late: the GHCB page (in .bss) is mapped shared (C-bit clear) and its GPA written to the GHCB
 *    MSR; from then on the #VC handler serves CPUID, IN/OUT/INS/OUTS (REP in chunks of the shared
 *    buffer, re-executing the instruction until RCX is 0), RDMSR/WRMSR, VMMCALL, RDTSC and RDTSCP:
 *    it decodes the faulting instruction, checks it matches the #VC error code, fills the GHCB with
 *    the inputs and their valid bits, VMGEXITs, checks SW_EXITINFO1 (1: the hypervisor's #GP/#UD
 *    is raised in place of the #VC; anything else: termination), takes only outputs marked valid
 *    and skips the instruction.
 * Whatever the handler cannot do ends the guest with a GHCB MSR termination request (reason set 1,
 * Linux's, code 4/5 for CPUID; set 0 code 0 otherwise), never with a report through the #VC path.
 *
 * A test-guest convention (ss_guest/layout.h): an OUT to SS_GUEST_PORT also exposes RDI, RSI, RDX
 * and RCX in the GHCB (valid bits set), the report channel's arguments a host reads there.
 */
#ifndef SS_GUEST_VC_H
#define SS_GUEST_VC_H

#include <stdbool.h>
#include <stdint.h>

/* The protocol version in use (0 outside SEV-ES). */
extern unsigned guest_ghcb_version;

void guest_sev_early(void);
void guest_sev_late(void);
/* True once the GHCB is in use. */
bool guest_sev_es(void);

/* One MSR-protocol exchange: writes req to the GHCB MSR, VMGEXITs, returns the MSR's value. */
uint64_t guest_ghcb_msr_call(uint64_t req);
/* One CPUID register through the MSR protocol (reg 0 EAX .. 3 EDX); terminates on a bad answer. */
uint32_t guest_msr_cpuid(uint32_t leaf, unsigned reg);
/* Asks the hypervisor to end the guest (GHCB MSR termination request); never returns. */
_Noreturn void guest_sev_terminate(unsigned set, unsigned code);

/* The number of #VC exceptions the handler served (for tests). */
extern volatile uint64_t guest_vc_count;

#endif
