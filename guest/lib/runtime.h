/* Internal interfaces of the guest runtime (guest/lib). */
#ifndef SS_GUEST_RUNTIME_H
#define SS_GUEST_RUNTIME_H

#include <ss_guest/guest.h>

void guest_segments_init(void);
void guest_idt_init(void);
void guest_paging_init(void);
void guest_start(uint64_t test_case);

/* trap.S, jump.S */
extern const char guest_trap_stubs[];
extern uint64_t guest_try_armed;
_Noreturn void guest_try_unwind(void);
void guest_syscall_entry(void);
void guest_user_enter(void (*fn)(void *), void *arg, uint64_t rflags, uint64_t user_rsp);
void guest_user_enter_sysret(void (*fn)(void *), void *arg, uint64_t rflags, uint64_t user_rsp);
void guest_trap_dispatch(guest_frame *f);

/* guest.ld */
extern char __image_start[], __user_start[], __user_end[], __image_end[];

#endif
