/* Privilege levels (APM vol. 2 §4.9, §6.1), guest and host in one file: the guest drops to CPL 3
 * through IRETQ and through SYSRET and comes back with SYSCALL; every privileged instruction
 * executed at CPL 3 raises #GP(0) (STAC/CLAC #UD) at that instruction; and with all their
 * intercepts set the host sees no #VMEXIT for them, because instruction intercepts are checked
 * after the simple privilege exceptions (APM vol. 2 §15.9). */
#include <stdint.h>

enum { C_IRETQ = 1, C_SYSRET, C_PRIV, C_COUNT };

/* The privileged instructions run at CPL 3: name, vector. */
#define PRIV_LIST(X)                                                                               \
	X(hlt, 13)                                                                                 \
	X(cli, 13) X(sti, 13) X(mov_cr0_read, 13) X(mov_cr3_write, 13) X(mov_dr7_read, 13)         \
	    X(mov_dr0_write, 13) X(rdmsr, 13) X(wrmsr, 13) X(lgdt, 13) X(lidt, 13) X(lldt, 13)     \
		X(ltr, 13) X(invlpg, 13) X(wbinvd, 13) X(invd, 13) X(in, 13) X(out, 13)            \
		    X(clts, 13) X(swapgs, 13) X(sysret, 13) X(xsetbv, 13) X(vmrun, 13)             \
			X(vmload, 13) X(stgi, 13) X(invlpga, 13) X(rdpmc, 13) X(stac, 6)

#ifdef SS_GUEST

#include <ss_guest/guest.h>
#include <ss_guest/x86.h>

#define PRIV_DECL(n, v)                                                                            \
	void do_##n(void *);                                                                       \
	extern const char insn_##n[];
PRIV_LIST(PRIV_DECL)

#define U(n, pre, insn) "do_" #n ":\n" pre "\ninsn_" #n ": " insn "\nret\n"
__asm__(".section .user.text, \"ax\"\n"			      /* all at CPL 3 */
	U(hlt, "", "hlt")				      /* */
	U(cli, "", "cli")				      /* */
	U(sti, "", "sti")				      /* */
	U(mov_cr0_read, "", "mov %cr0, %rax")		      /* */
	U(mov_cr3_write, "xorl %eax, %eax", "mov %rax, %cr3") /* */
	U(mov_dr7_read, "", "mov %dr7, %rax")		      /* */
	U(mov_dr0_write, "xorl %eax, %eax", "mov %rax, %dr0") /* */
	U(rdmsr, "movl $0xC0000080, %ecx", "rdmsr")	      /* */
	U(wrmsr, "movl $0xC0000080, %ecx; xorl %eax, %eax; xorl %edx, %edx", "wrmsr") /* */
	U(lgdt, "", "lgdt (%rsp)")						      /* */
	U(lidt, "", "lidt (%rsp)")						      /* */
	U(lldt, "xorl %eax, %eax", "lldt %ax")					      /* */
	U(ltr, "movl $0x30, %eax", "ltr %ax")					      /* */
	U(invlpg, "", "invlpg (%rsp)")						      /* */
	U(wbinvd, "", "wbinvd")							      /* */
	U(invd, "", "invd")							      /* */
	U(in, "", "inb $0x80, %al")						      /* */
	U(out, "", "outb %al, $0x80")						      /* */
	U(clts, "", "clts")							      /* */
	U(swapgs, "", "swapgs")							      /* */
	U(sysret, "", "sysretq")						      /* */
	U(xsetbv, "xorl %ecx, %ecx; movl $1, %eax; xorl %edx, %edx", "xsetbv")	      /* */
	U(vmrun, "xorl %eax, %eax", "vmrun")					      /* */
	U(vmload, "xorl %eax, %eax", "vmload")					      /* */
	U(stgi, "", "stgi")							      /* */
	U(invlpga, "xorl %eax, %eax; xorl %ecx, %ecx", "invlpga")		      /* */
	U(rdpmc, "xorl %ecx, %ecx", "rdpmc")					      /* */
	U(stac, "", "stac")							      /* */
	".text\n");

static const struct {
	void (*fn)(void *);
	const char *insn;
	unsigned vector;
} priv[] = {
#define PRIV_ENTRY(n, v) {do_##n, insn_##n, v},
    PRIV_LIST(PRIV_ENTRY)
#undef PRIV_ENTRY
};

/* What the CPL 3 code saw, in user-accessible data. */
static volatile uint64_t seen[4] GUEST_USER_DATA;

void user_probe(void *);
__asm__(".section .user.text, \"ax\"\n"
	"user_probe:\n"
	"movq %cs, %rax; movq %rax, seen(%rip)\n"
	"movq %ss, %rax; movq %rax, seen+8(%rip)\n"
	"pushfq; popq %rax; movq %rax, seen+16(%rip)\n"
	"movq %rsp, seen+24(%rip)\n"
	"ret\n"
	".text\n");

static uint64_t read_cs(void)
{
	uint64_t v;
	__asm__ volatile("movq %%cs, %0" : "=r"(v));
	return v;
}

static void drop_and_return(bool sysret)
{
	guest_user_sysret = sysret;
	guest_user_rflags = 0;
	GCHECK_EQ(guest_try_user(user_probe, 0), 0);
	GCHECK_EQ(seen[0], SS_GUEST_UCODE);
	GCHECK_EQ(seen[1], SS_GUEST_UDATA);
	GCHECK_EQ(seen[2] & 0x3000, 0); /* IOPL 0 */
	GCHECK(seen[3] != 0);
	/* Back at CPL 0 through SYSCALL (STAR[47:32]). */
	GCHECK_EQ(read_cs(), SS_GUEST_KCODE);
	guest_user_sysret = false;
}

void guest_main(uint64_t c)
{
	switch (c) {
	case C_IRETQ: drop_and_return(false); break;
	case C_SYSRET: drop_and_return(true); break;
	case C_PRIV:
		write_cr4(read_cr4() | X86_CR4_OSXSAVE); /* else XSETBV is #UD at any CPL */
		for (unsigned k = 0; k < sizeof(priv) / sizeof(priv[0]); k++) {
			uint64_t n = guest_last_trap.count;
			guest_value(0, k);
			GCHECK_EQ(guest_try_user(priv[k].fn, 0), 1);
			GCHECK_EQ(guest_last_trap.count, n + 1);
			GCHECK_EQ(guest_last_trap.vector, priv[k].vector);
			GCHECK_EQ(guest_last_trap.error, 0);
			GCHECK_EQ(guest_last_trap.rip, (uint64_t)priv[k].insn);
			GCHECK_EQ(guest_last_trap.cs, SS_GUEST_UCODE);
		}
		break;
	default: guest_fail("unknown case", c, 0);
	}
}

#else /* host */

#include "metal_host.h"

TEST(cpl3_through_iretq_back_with_syscall)
{
	metal m;
	METAL_REQUIRE(&m, metal_boot(&m, C_IRETQ), METAL_READY);
	METAL_CHECK(&m, metal_run(&m), METAL_DONE);
	metal_free(&m);
}

TEST(cpl3_through_sysret_back_with_syscall)
{
	metal m;
	METAL_REQUIRE(&m, metal_boot(&m, C_SYSRET), METAL_READY);
	METAL_CHECK(&m, metal_run(&m), METAL_DONE);
	metal_free(&m);
}

TEST(privileged_instructions_at_cpl3_fault)
{
	metal m;
	METAL_REQUIRE(&m, metal_boot(&m, C_PRIV), METAL_READY);
	METAL_CHECK(&m, metal_run(&m), METAL_DONE);
	metal_free(&m);
}

TEST(privilege_faults_come_before_intercepts)
{
	metal m;
	METAL_REQUIRE(&m, metal_boot(&m, C_PRIV), METAL_READY);
	ss_vmcb_control *k = &m.v->control;
	k->intercept_cr =
	    ~((1u << 4) | (1u << 20)); /* all but CR4, which the guest sets up at CPL 0 */
	k->intercept_dr = 0xffffffffu;
	k->intercept_misc1 |= SS_ICPT3_HLT | SS_ICPT3_GDTR_WRITE | SS_ICPT3_IDTR_WRITE |
			      SS_ICPT3_LDTR_WRITE | SS_ICPT3_TR_WRITE | SS_ICPT3_INVLPG |
			      SS_ICPT3_INVD | SS_ICPT3_RDPMC | SS_ICPT3_INVLPGA;
	k->intercept_misc2 |= SS_ICPT4_WBINVD | SS_ICPT4_XSETBV | SS_ICPT4_VMLOAD | SS_ICPT4_STGI;
	memset(m.ram.ram + METAL_MSRPM, 0xff, 0x2000);
	memset(m.ram.ram + METAL_IOPM, 0xff, 0x3000);
	uint64_t code = metal_run(&m);
	if (!metal_is(&m, code, METAL_DONE)) {
		printf("#   at privileged instruction #%llu of PRIV_LIST\n",
		       (unsigned long long)m.value[0]);
		ss_test_failed_checks++;
	}
	metal_free(&m);
}

TEST_MAIN(cpl3_through_iretq_back_with_syscall, cpl3_through_sysret_back_with_syscall,
	  privileged_instructions_at_cpl3_fault, privilege_faults_come_before_intercepts)

#endif
