/* The report channel to the host (ss_guest/layout.h): one OUT to SS_GUEST_PORT, which the host
 * intercepts through the IOPM; the operation travels in RAX, the arguments in RDI, RSI, RDX, RCX.
 */
#include <ss_guest/guest.h>

void guest_report(uint64_t op, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
	__asm__ volatile("outb %%al, %[port]"
			 :
			 : "a"(op), "D"(a), "S"(b), "d"(c), "c"(d), [port] "i"(SS_GUEST_PORT)
			 : "memory");
}

void guest_value(unsigned key, uint64_t value)
{
	guest_report(SS_GUEST_OP_VALUE, key, value, 0, 0);
}

void guest_print(const char *msg)
{
	guest_report(SS_GUEST_OP_PRINT, (uint64_t)msg, 0, 0, 0);
}

void guest_fail(const char *what, uint64_t got, uint64_t want)
{
	guest_report(SS_GUEST_OP_FAIL, (uint64_t)what, got, want, 0);
}

_Noreturn void guest_halt(void)
{
	for (;;)
		__asm__ volatile("hlt");
}
