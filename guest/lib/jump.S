/* guest_try: a one-level setjmp around a call, and the unwinding the trap dispatcher does when
 * an exception hits inside it; guest_user_enter(_sysret): the same call made at CPL 3 through
 * IRETQ or SYSRET, returning with SYSCALL (APM vol. 2 §6.1.1) to guest_syscall_entry. */
	.text

/* int guest_try(void (*fn)(void *), void *arg) */
	.globl guest_try
guest_try:
	movq	%rbx, try_regs + 0(%rip)
	movq	%rbp, try_regs + 8(%rip)
	movq	%r12, try_regs + 16(%rip)
	movq	%r13, try_regs + 24(%rip)
	movq	%r14, try_regs + 32(%rip)
	movq	%r15, try_regs + 40(%rip)
	movq	%rsp, try_regs + 48(%rip)
	movq	$1, guest_try_armed(%rip)
	movq	%rdi, %rax
	movq	%rsi, %rdi
	subq	$8, %rsp
	call	*%rax
	addq	$8, %rsp
	movq	$0, guest_try_armed(%rip)
	xorl	%eax, %eax
	ret

/* _Noreturn void guest_try_unwind(void): back to guest_try's caller, which sees 1. */
	.globl guest_try_unwind
guest_try_unwind:
	movq	$0, guest_try_armed(%rip)
	movq	try_regs + 0(%rip), %rbx
	movq	try_regs + 8(%rip), %rbp
	movq	try_regs + 16(%rip), %r12
	movq	try_regs + 24(%rip), %r13
	movq	try_regs + 32(%rip), %r14
	movq	try_regs + 40(%rip), %r15
	movq	try_regs + 48(%rip), %rsp
	movl	$1, %eax
	ret

/* void guest_user_enter(void (*fn)(void *), void *arg, uint64_t rflags, uint64_t user_rsp) */
	.globl guest_user_enter
guest_user_enter:
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, user_kernel_rsp(%rip)
	movq	%rdi, %r12
	movq	%rsi, %r13
	pushq	$0x23			/* SS_GUEST_UDATA */
	pushq	%rcx
	pushq	%rdx
	pushq	$0x2b			/* SS_GUEST_UCODE */
	movq	$guest_user_trampoline, %rax
	pushq	%rax
	iretq

/* void guest_user_enter_sysret(void (*fn)(void *), void *arg, uint64_t rflags, uint64_t rsp):
 * the same through SYSRET (RCX = RIP, R11 = RFLAGS; RSP is not switched, so it is set first). */
	.globl guest_user_enter_sysret
guest_user_enter_sysret:
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, user_kernel_rsp(%rip)
	movq	%rdi, %r12
	movq	%rsi, %r13
	movq	%rdx, %r11
	movq	%rcx, %rsp
	movq	$guest_user_trampoline, %rcx
	sysretq

	.globl guest_syscall_entry
guest_syscall_entry:
	movq	user_kernel_rsp(%rip), %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	ret

	.section .user.text, "ax"
guest_user_trampoline:
	movq	%r13, %rdi
	call	*%r12
	syscall
	ud2

	.data
	.balign 8
	.globl guest_try_armed
guest_try_armed:
	.quad 0
try_regs:
	.skip 56
user_kernel_rsp:
	.quad 0

	.section .note.GNU-stack, "", @progbits
