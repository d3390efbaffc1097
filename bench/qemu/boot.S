/* A bare-metal x86-64 image for QEMU (-kernel, multiboot v1) that runs the benchmark loop of
 * bench_cpu or a CPUID-intercepting SVM guest N times, then leaves QEMU through isa-debug-exit
 * (port 0xf4). bench/run-cpu builds it with the system gcc/ld/objcopy and times N large against
 * N = 0. The command line (-append) is "#L<n>" (integer loop, n iterations) or "#V<n>" (n #VMEXIT
 * round trips).
 * Exit status of QEMU: 1 done, 3 bad command line, 5 no SVM, 7 unexpected #VMEXIT code. */
	.set MB_MAGIC, 0x1BADB002
	.set EXIT_PORT, 0xf4

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC
	.long 0
	.long -MB_MAGIC

	.text
	.code32
	.globl start32
start32:
	cli
	mov %ebx, mbi_ptr
	mov $stack_top, %esp
	/* Identity map of the first 1 GiB with 2 MiB pages. */
	mov $pd, %edi
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $21, %eax
	or $0x83, %eax
	mov %eax, (%edi,%ecx,8)
	movl $0, 4(%edi,%ecx,8)
	inc %ecx
	cmp $512, %ecx
	jne 1b
	movl $pdpt + 3, pml4
	movl $pd + 3, pdpt
	mov %cr4, %eax
	or $0x20, %eax			/* PAE */
	mov %eax, %cr4
	mov $pml4, %eax
	mov %eax, %cr3
	mov $0xC0000080, %ecx		/* EFER.LME */
	rdmsr
	or $0x100, %eax
	wrmsr
	mov %cr0, %eax
	or $0x80000001, %eax		/* PG, PE */
	mov %eax, %cr0
	lgdt gdtr
	ljmp $0x08, $start64

	.code64
start64:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $stack_top, %rsp
	/* Command line: "#", the mode letter, decimal n. */
	mov mbi_ptr(%rip), %ebx
	testl $4, (%rbx)
	jz bad_cmdline
	mov 16(%rbx), %esi
1:	lodsb
	test %al, %al
	jz bad_cmdline
	cmp $'#', %al
	jne 1b
	lodsb
	mov %al, %bl			/* mode */
	xor %r12, %r12
2:	movzbl (%rsi), %eax
	sub $'0', %eax
	cmp $9, %eax
	ja 3f
	imul $10, %r12, %r12
	add %rax, %r12
	inc %rsi
	jmp 2b
3:	cmp $'L', %bl
	je run_loop
	cmp $'V', %bl
	je run_vmexit
bad_cmdline:
	mov $1, %eax
	jmp leave

/* The integer loop, registers as bench_cpu's prologue sets them. */
run_loop:
	test %r12, %r12
	jz done
	lea buffer(%rip), %rdi
	mov %r12, %r9
	mov $1, %eax
	mov $2, %ebx
	mov $3, %ecx
	mov $4, %edx
#include "loop.inc"
	jmp done

/* A hypervisor: EFER.SVME, a host save area, a VMCB intercepting CPUID (and VMRUN, required)
 * for a 64-bit guest that runs CPUID in a loop; each #VMEXIT(CPUID) steps the guest's RIP over
 * the instruction and runs it again. */
run_vmexit:
	mov $0x80000001, %eax
	cpuid
	test $4, %ecx			/* SVM */
	jz no_svm
	mov $0xC0000080, %ecx
	rdmsr
	or $0x1000, %eax		/* EFER.SVME */
	wrmsr
	mov $0xC0010117, %ecx		/* VM_HSAVE_PA */
	lea hsave(%rip), %rax
	xor %edx, %edx
	wrmsr
	lea vmcb(%rip), %rdi
	movl $0x00040000, 0x00C(%rdi)	/* intercept CPUID */
	movl $1, 0x010(%rdi)		/* intercept VMRUN */
	movl $1, 0x058(%rdi)		/* ASID 1 */
	movl $0x029b0008, 0x410(%rdi)	/* CS: selector 8, attributes P S code L */
	movl $0xffffffff, 0x414(%rdi)
	movl $0x0c930010, %eax		/* data: selector 0x10, P S data D/B G */
	mov %eax, 0x400(%rdi)		/* ES */
	mov %eax, 0x420(%rdi)		/* SS */
	mov %eax, 0x430(%rdi)		/* DS */
	movl $0xffffffff, 0x404(%rdi)
	movl $0xffffffff, 0x424(%rdi)
	movl $0xffffffff, 0x434(%rdi)
	movl $23, 0x464(%rdi)		/* GDTR limit, base */
	lea gdt(%rip), %rax
	mov %rax, 0x468(%rdi)
	movq $0x1500, 0x4D0(%rdi)	/* EFER: SVME LMA LME */
	mov %cr4, %rax
	mov %rax, 0x548(%rdi)
	mov %cr3, %rax
	mov %rax, 0x550(%rdi)
	mov %cr0, %rax
	mov %rax, 0x558(%rdi)
	movq $0x400, 0x560(%rdi)	/* DR7 */
	movl $0xffff0ff0, 0x568(%rdi)	/* DR6 */
	movq $2, 0x570(%rdi)		/* RFLAGS */
	lea guest(%rip), %rax
	mov %rax, 0x578(%rdi)		/* RIP */
	lea guest_stack_top(%rip), %rax
	mov %rax, 0x5D8(%rdi)		/* RSP */
	mov $0x0007040600070406, %rax
	mov %rax, 0x668(%rdi)		/* gPAT */
	mov %rdi, %r13
4:	test %r12, %r12
	jz done
	mov %r13, %rax
	vmrun
	cmpq $0x72, 0x070(%r13)		/* #VMEXIT(CPUID) */
	jne bad_exit
	addq $2, 0x578(%r13)		/* RIP past CPUID */
	dec %r12
	jmp 4b

guest:
	cpuid
	jmp guest

no_svm:
	mov $2, %eax
	jmp leave
bad_exit:
	mov $3, %eax
	jmp leave
done:
	xor %eax, %eax
leave:
	mov $EXIT_PORT, %dx
	out %eax, %dx
	hlt
	jmp leave

	.section .rodata
	.align 8
gdt:
	.quad 0
	.quad 0x00209A0000000000	/* 64-bit code */
	.quad 0x00CF92000000FFFF	/* data */
gdtr:
	.word 23
	.long gdt

	.bss
	.align 4096
pml4:	.skip 4096
pdpt:	.skip 4096
pd:	.skip 4096
vmcb:	.skip 4096
hsave:	.skip 4096
	.skip 16384
stack_top:
	.skip 4096
guest_stack_top:
	.align 64
buffer:	.skip 2048
mbi_ptr: .skip 8
