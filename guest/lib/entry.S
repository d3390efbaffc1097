/* The first instruction of every guest image (linked at SS_GUEST_LOAD by guest.ld): a stack,
 * zeroed .bss, then guest_start(case) in C. The host put the case number in RDI. */
	.section .text.entry, "ax"
	.globl _start
_start:
	movq	$boot_stack_top, %rsp
	movq	%rdi, %rbx
	movq	$__bss_start, %rdi
	movq	$__bss_end, %rcx
	subq	%rdi, %rcx
	xorl	%eax, %eax
	cld
	rep stosb
	movq	%rbx, %rdi
	call	guest_start
1:	hlt
	jmp	1b

	.section .bss
	.balign 16
	.globl boot_stack_top
boot_stack:
	.skip 16384
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
