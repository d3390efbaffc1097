/* Running test code at CPL 3 (APM vol. 2 §6.1): IRETQ to the user code segment, SYSCALL back. */
#include "runtime.h"

uint64_t guest_user_rflags;
bool guest_user_sysret;
static uint8_t user_stack[8192] GUEST_USER_DATA;

struct user_call {
	void (*fn)(void *);
	void *arg;
};

static void enter(void *p)
{
	struct user_call *u = p;
	(guest_user_sysret ? guest_user_enter_sysret : guest_user_enter)(
	    u->fn, u->arg, 2 | guest_user_rflags, (uint64_t)(user_stack + sizeof(user_stack)));
}

int guest_try_user(void (*fn)(void *), void *arg)
{
	struct user_call u = {fn, arg};
	return guest_try(enter, &u);
}
