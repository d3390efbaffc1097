/* The contract between a test guest and the host that runs it (guest/README in the top README,
 * "Guests"): where the image is loaded, what the host has set up before the first instruction, and
 * the report channel. Included by guest code (built freestanding) and by host tests alike, so it
 * holds only constants.
 *
 * Entry state (set by the host through the VMCB save area, tests/metal/metal_host.h): 64-bit
 * long mode at CPL 0, CS 0x08 (L=1), SS/DS/ES 0x10, paging on with CR3 = SS_GUEST_BOOT_PML4, whose
 * tables identity-map guest-physical [0, SS_GUEST_RAM_SIZE) with 2 MiB supervisor pages
 * (upper levels U=1 so that the guest may hand pages to CPL 3), EFER = SVME|LME|LMA|NXE,
 * CR0 = PG|ET|PE, CR4 = PAE, RFLAGS = 2, RIP = SS_GUEST_LOAD, RDI = the case number. The guest
 * builds its own GDT, TSS and IDT (guest/lib/segments.c, idt.c) and its own stacks.
 */
#ifndef SS_GUEST_LAYOUT_H
#define SS_GUEST_LAYOUT_H

/* Guest-physical memory (nested paging maps it to host memory at an offset the host chooses). */
#define SS_GUEST_RAM_SIZE    0x1000000 /* 16 MiB */
#define SS_GUEST_BOOT_PML4   0x1000    /* PML4; PDPT at +0x1000, PD at +0x2000 (host-built) */
#define SS_GUEST_LOAD	     0x100000  /* link and load address of the flat image (guest.ld) */
#define SS_GUEST_IMAGE_MAX   0x300000  /* image + bss end below 4 MiB */
#define SS_GUEST_PT_POOL     0x800000  /* [8 MiB, 12 MiB): page tables made by guest/lib/paging.c */
#define SS_GUEST_PT_POOL_END 0xC00000
#define SS_GUEST_SCRATCH     0xC00000 /* [12 MiB, 16 MiB): free for tests */

/* Segment selectors of the guest's GDT (segments.c). SYSCALL/SYSRET need this order (APM vol. 2
 * §6.1.1: SYSRET CS = STAR[63:48] + 16, SS = STAR[63:48] + 8). */
#define SS_GUEST_KCODE 0x08
#define SS_GUEST_KDATA 0x10
#define SS_GUEST_UBASE 0x18 /* 32-bit user code, unused: the base of STAR[63:48] */
#define SS_GUEST_UDATA 0x23
#define SS_GUEST_UCODE 0x2b
#define SS_GUEST_TSS   0x30

/* Report channel: the guest writes AL to this port with the operation in RAX and the arguments in
 * RDI, RSI, RDX, RCX; the host intercepts the port through the IOPM, reads RAX from the VMCB and
 * the other registers from the CPU, and resumes the guest at exit_info_2. */
#define SS_GUEST_PORT 0xE9

#define SS_GUEST_OP_LIST(X)                                                                        \
	X(SS_GUEST_OP_READY, 1, "runtime set up; RDI = address of the trap record")                \
	X(SS_GUEST_OP_DONE, 2, "guest_main returned")                                              \
	X(SS_GUEST_OP_FAIL, 3, "RDI = file:line:expression string, RSI = got, RDX = want")         \
	X(SS_GUEST_OP_VALUE, 4, "RDI = key (0..15), RSI = value, for the host to assert")          \
	X(SS_GUEST_OP_TRAP, 5,                                                                     \
	  "unexpected exception: RDI = vector, RSI = error, RDX = RIP, "                           \
	  "RCX = CR2")                                                                             \
	X(SS_GUEST_OP_PRINT, 6, "RDI = a NUL-terminated message")

enum ss_guest_op {
#define SS_GUEST_OP_ENUM(n, v, h) n = v,
	SS_GUEST_OP_LIST(SS_GUEST_OP_ENUM)
#undef SS_GUEST_OP_ENUM
};

#define SS_GUEST_VALUES 16

#endif
