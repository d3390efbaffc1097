/* The console runtime of guests run by the hypervisor (include/softsev/hv.h): text goes out one
 * byte at a time on the debug console port, the status on the exit port. console.c also
 * implements the report channel of ss_guest/guest.h (guest_report and friends) as console text,
 * so that programs on the test-guest runtime run unchanged under `softsev run`, also under SEV
 * where the host cannot read the guest's strings: PRINT prints the string, VALUE prints
 * "value K = 0x..", FAIL prints the failed check, TRAP prints the exception and exits with
 * status CON_STATUS_TRAP, DONE exits with 0 (or CON_STATUS_FAILED after a failed check). */
#ifndef SS_GUEST_CONSOLE_H
#define SS_GUEST_CONSOLE_H

#include <stdint.h>

#define CON_PORT	  0xE9 /* SS_HV_PORT_CONSOLE */
#define CON_EXIT_PORT	  0xF4 /* SS_HV_PORT_EXIT */
#define CON_STATUS_FAILED 1
#define CON_STATUS_TRAP	  3

void con_putc(char c);
void con_puts(const char *s);
/* printf for the console: %s %c %d %u %x %p and the l/ll sizes, a field width with 0 or -. */
void con_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes status to the exit port (the hypervisor stops the guest there) and halts. */
_Noreturn void con_exit(uint32_t status);

#endif
