/* VMCB layout and #VMEXIT code table against cpu-svm-sev.md §1-§3 and values Linux's uapi svm.h
 * defines (SVM_EXIT_CPUID 0x72, SVM_EXIT_NPF 0x400, SVM_EXIT_VMGEXIT 0x403 ...). */
#include "harness.h"

#include <softsev/abi/svm_exit.h>
#include <softsev/abi/vmcb.h>

TEST(vmcb_offsets)
{
	ss_vmcb v;
	memset(&v, 0, sizeof(v));
	CHECK((uint8_t *)&v.control.exit_code - (uint8_t *)&v == 0x70);
	CHECK((uint8_t *)&v.control.vmsa_pa - (uint8_t *)&v == 0x108);
	CHECK((uint8_t *)&v.save.rip - (uint8_t *)&v == 0x578);
	CHECK((uint8_t *)&v.save.rax - (uint8_t *)&v == 0x5F8);
	CHECK((uint8_t *)&v.save.cr3 - (uint8_t *)&v == 0x550);
	CHECK(SS_ICPT3_CPUID == (1u << 18));
	CHECK(SS_ICPT4_VMRUN == 1u);
}

TEST(exit_codes_and_names)
{
	char b[64];
	CHECK(SS_SVM_EXIT_CPUID == 0x72);
	CHECK(SS_SVM_EXIT_IOIO == 0x7b);
	CHECK(SS_SVM_EXIT_MSR == 0x7c);
	CHECK(SS_SVM_EXIT_VMMCALL == 0x81);
	CHECK(SS_SVM_EXIT_XSETBV == 0x8d);
	CHECK(SS_SVM_EXIT_NPF == 0x400);
	CHECK(SS_SVM_EXIT_VMGEXIT == 0x403);
	CHECK((uint64_t)SS_SVM_EXIT_INVALID == ~0ull);
	CHECK_STR(ss_svm_exit_name(0x72, b, sizeof(b)), "SVM_EXIT_CPUID");
	CHECK_STR(ss_svm_exit_name(0x4e, b, sizeof(b)), "SVM_EXIT_EXCP_PF");
	CHECK_STR(ss_svm_exit_name(0x03, b, sizeof(b)), "SVM_EXIT_READ_CR3");
	CHECK_STR(ss_svm_exit_name(0x18, b, sizeof(b)), "SVM_EXIT_WRITE_CR8");
	CHECK_STR(ss_svm_exit_name(0x27, b, sizeof(b)), "SVM_EXIT_READ_DR7");
	CHECK_STR(ss_svm_exit_name(0x93, b, sizeof(b)), "SVM_EXIT_CR3_WRITE_TRAP");
	CHECK_STR(ss_svm_exit_name(~0ull, b, sizeof(b)), "SVM_EXIT_INVALID");
	CHECK_CONTAINS(ss_svm_exit_name(0x3ff, b, sizeof(b)), "UNKNOWN");
	/* §3.2: automatic vs #VC. */
	CHECK(ss_svm_exit_is_automatic(0x78, 0) == 1);	/* HLT */
	CHECK(ss_svm_exit_is_automatic(0x72, 0) == 0);	/* CPUID -> #VC */
	CHECK(ss_svm_exit_is_automatic(0x400, 0) == 1); /* NPF */
	CHECK(ss_svm_exit_is_automatic(0x400, 8) == 0); /* NPF with RSVD -> #VC (MMIO) */
	CHECK(ss_svm_exit_is_automatic(0x52, 0) == 1);	/* #MC */
	CHECK(ss_svm_exit_is_automatic(0x4d, 0) == 0);	/* #GP -> #VC */
	CHECK(ss_svm_exit_is_automatic(0x93, 0) == 1);	/* CR3 write trap */
}

TEST_MAIN(vmcb_offsets, exit_codes_and_names)
