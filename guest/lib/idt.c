/* The IDT (APM vol. 2 §8.9: 16-byte long-mode gates) and the one C dispatcher every vector goes
 * through: record the exception, then a test's handler, the innermost guest_try(), or a report
 * of the unexpected exception to the host. */
#include "runtime.h"

#include <ss_guest/x86.h>

static uint64_t idt[256][2];
static guest_trap_fn handlers[256];
volatile guest_trap guest_last_trap;

void guest_set_gate(unsigned vector, unsigned type, unsigned dpl, unsigned ist, bool present)
{
	uint64_t t = (uint64_t)guest_trap_stubs + 16ull * vector;
	idt[vector][0] = (t & 0xffff) | ((uint64_t)SS_GUEST_KCODE << 16) |
			 ((uint64_t)(ist & 7) << 32) | ((uint64_t)(type & 0xf) << 40) |
			 ((uint64_t)(dpl & 3) << 45) | ((uint64_t)(present ? 1 : 0) << 47) |
			 (((t >> 16) & 0xffff) << 48);
	idt[vector][1] = t >> 32;
}

void guest_set_handler(unsigned vector, guest_trap_fn fn)
{
	handlers[vector & 255] = fn;
}

void guest_idt_init(void)
{
	for (unsigned v = 0; v < 256; v++)
		guest_set_gate(v, 0xE, 0, 0, true);
	guest_set_gate(8, 0xE, 0, 1, true); /* #DF on its own stack */
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) d = {sizeof(idt) - 1, (uint64_t)idt};
	__asm__ volatile("lidt %0" : : "m"(d) : "memory");
}

void guest_trap_dispatch(guest_frame *f)
{
	guest_last_trap.count++;
	guest_last_trap.vector = f->vector;
	guest_last_trap.error = f->error;
	guest_last_trap.rip = f->rip;
	guest_last_trap.cs = f->cs;
	guest_last_trap.rsp = f->rsp;
	guest_last_trap.cr2 = f->vector == 14 ? read_cr2() : 0;
	guest_trap_fn h = handlers[f->vector & 255];
	if (h && h(f))
		return;
	if (guest_try_armed)
		guest_try_unwind();
	guest_report(SS_GUEST_OP_TRAP, f->vector, f->error, f->rip, guest_last_trap.cr2);
	guest_halt();
}
