/* The runtime's C entry (called by entry.S): tables, READY, the test's case, DONE. */
#include "runtime.h"

void guest_start(uint64_t test_case)
{
	guest_segments_init();
	guest_idt_init();
	guest_sev_init();
	guest_paging_init();
	guest_report(SS_GUEST_OP_READY, (uint64_t)&guest_last_trap, 0, 0, 0);
	guest_main(test_case);
	guest_report(SS_GUEST_OP_DONE, 0, 0, 0, 0);
	guest_halt();
}
