/* The runtime's C entry (called by entry.S): tables, SEV set-up, READY, the test's case, DONE. */
#include "runtime.h"

#include <ss_guest/vc.h>

void guest_start(uint64_t test_case)
{
	guest_segments_init();
	guest_idt_init();
	guest_sev_early(); /* SEV-ES: protocol, C-bit check, #VC (vc.h); nothing otherwise */
	guest_sev_init();  /* SEV: the C-bit for the tables (sev_detect.c) */
	guest_paging_init();
	guest_sev_late(); /* SEV-ES: the GHCB */
	guest_report(SS_GUEST_OP_READY, (uint64_t)&guest_last_trap, 0, 0, 0);
	guest_main(test_case);
	guest_report(SS_GUEST_OP_DONE, 0, 0, 0, 0);
	guest_halt();
}
