/* The hypervisor (include/softsev/hv.h), guest and host in one file (STYLE.md item 8): the file is
 * compiled with -DSS_GUEST into a guest on the console runtime (guest/demo/console.c), and as the
 * host test that runs it through ss_vm/ss_vcpu, one case per exit kind and per error path. The
 * guest's own checks (GCHECK) print FAIL on the console and make it exit with status 1. */
#include <stdint.h>

#define CASES(X)                                                                                   \
	X(console_exit)                                                                            \
	X(halt)                                                                                    \
	X(halt_if)                                                                                 \
	X(cpuid)                                                                                   \
	X(msr)                                                                                     \
	X(vmmcall)                                                                                 \
	X(npf)                                                                                     \
	X(triple) X(budget) X(port) X(string_io) X(in_exit) X(console_word) X(svm_insn) X(sev)

enum {
	C_NONE,
#define CASE_ENUM(n) C_##n,
	CASES(CASE_ENUM)
#undef CASE_ENUM
	    C_COUNT
};

#define NPF_VA	    0x40000000ull /* mapped by the guest to gPA 1 GiB: outside 16 MiB of RAM */
#define PATCH_LEVEL 0x0A0011D1u
#define SECRET	    "the guest's secret, private under SEV"
#define SECRET_GPA  0xC00000ull /* SS_GUEST_SCRATCH */

#ifdef SS_GUEST

#include "console.h"

#include <ss_guest/guest.h>
#include <ss_guest/x86.h>

static void rd_unknown(void *arg)
{
	(void)arg;
	(void)rdmsr(0x12345678u);
}

static void wr_unknown(void *arg)
{
	(void)arg;
	wrmsr(0xC0011029u, 1); /* DE_CFG: not in the hypervisor's set */
}

static void do_vmload(void *arg)
{
	(void)arg;
	__asm__ volatile("movq $0x200000, %%rax; vmload %%rax" ::: "rax", "memory");
}

static void case_cpuid(void)
{
	uint32_t r[4];
	cpuid(1, 0, r);
	GCHECK(r[2] >> 31);		/* hypervisor bit */
	GCHECK_EQ(r[1] >> 24, 0);	/* APIC ID of vCPU 0 */
	GCHECK_EQ((r[2] >> 27) & 1, 0); /* OSXSAVE: the guest's CR4 has none */
	cpuid(0x40000000u, 0, r);
	GCHECK_EQ(r[0], 0x40000001u);
	GCHECK_EQ(r[1], 0x74666f53u); /* "Soft" */
	GCHECK_EQ(r[2], 0x20564553u); /* "SEV " */
	GCHECK_EQ(r[3], 0x20205648u); /* "HV  " */
	cpuid(0x80000001u, 0, r);
	GCHECK_EQ((r[2] >> 2) & 1, 0); /* no SVM */
	cpuid(0x8000000Au, 0, r);
	GCHECK_EQ(r[0] | r[1] | r[2] | r[3], 0);
	cpuid(0x8000001Fu, 0, r);
	GCHECK_EQ(r[0] | r[1] | r[2] | r[3], 0); /* a plain guest sees no SEV */
	cpuid(0, 0, r);
	GCHECK_EQ(r[1], 0x68747541u); /* "Auth": the CPU's own leaves */
}

static void case_msr(void)
{
	GCHECK_EQ(rdmsr(0x8B), PATCH_LEVEL);
	GCHECK_EQ(rdmsr(0xC0010140u), 0);
	wrmsr(0xC0010020u, 0x1234);	  /* PATCH_LOADER: accepted, ignored */
	GCHECK_EQ(rdmsr(0xC0010131u), 0); /* SEV_STATUS from the CPU: no SEV */
	wrmsr(MSR_STAR, 0x11);		  /* guest state: the CPU keeps it */
	GCHECK_EQ(rdmsr(MSR_STAR), 0x11);
	GCHECK_EQ(guest_try(rd_unknown, 0), 1);
	GCHECK_EQ(guest_last_trap.vector, 13);
	GCHECK_EQ(guest_last_trap.error, 0);
	GCHECK_EQ(guest_try(wr_unknown, 0), 1);
	GCHECK_EQ(guest_last_trap.vector, 13);
}

static void case_vmmcall(void)
{
	uint64_t rax = 0x53530001u;
	__asm__ volatile("vmmcall" : "+a"(rax) : : "memory");
	GCHECK_EQ(rax, 0x3176657374666f73ull);
	rax = 42;
	__asm__ volatile("vmmcall" : "+a"(rax) : : "memory");
	GCHECK_EQ(rax, (uint64_t)-1000);
}

/* An SEV guest sees itself as one (CPUID, SEV_STATUS from the CPU, its tables with the C-bit),
 * then leaves a secret in its scratch memory for the host to look at. */
static void case_sev(void)
{
	uint32_t r[4];
	cpuid(0x8000001Fu, 0, r);
	GCHECK_EQ(r[0], 2);	    /* SEV */
	GCHECK_EQ(r[1] & 0x3f, 51); /* C-bit */
	GCHECK_EQ(rdmsr(0xC0010131u), 1);
	GCHECK_EQ(guest_sev_status, 1);
	GCHECK_EQ(guest_cbit, 1ull << 51);
	uint64_t size, *pte = guest_pte(SECRET_GPA, &size);
	GCHECK(pte && (*pte & (1ull << 51)));
	__builtin_memcpy((void *)SECRET_GPA, SECRET, sizeof(SECRET));
	GCHECK_EQ(__builtin_memcmp((void *)SECRET_GPA, SECRET, sizeof(SECRET)), 0);
	con_printf("SEV_STATUS 0x%lx, C-bit mask 0x%lx", guest_sev_status, guest_cbit);
}

void guest_main(uint64_t c)
{
	switch (c) {
	case C_console_exit: con_printf("hello %s %d 0x%04x\n", "guest", -5, 0xbeu); con_exit(7);
	case C_halt: guest_halt();
	case C_halt_if: __asm__ volatile("sti; hlt"); break;
	case C_cpuid: case_cpuid(); break;
	case C_msr: case_msr(); break;
	case C_vmmcall: case_vmmcall(); break;
	case C_npf:
		guest_map(NPF_VA, NPF_VA, PAGE_4K, PTE_W);
		(void)*(volatile uint64_t *)NPF_VA;
		break;
	case C_triple: {
		struct {
			uint16_t limit;
			uint64_t base;
		} __attribute__((packed)) d = {0, 0};
		__asm__ volatile("lidt %0; ud2" : : "m"(d) : "memory");
		break;
	}
	case C_budget:
		for (;;)
			__asm__ volatile("" ::: "memory");
	case C_port: outb(0x80, 1); break;
	case C_string_io: {
		static const char s[] = "ab";
		__asm__ volatile("cld; rep outsb" : : "S"(s), "c"(2ul), "d"(0xE9) : "memory");
		break;
	}
	case C_in_exit: {
		uint8_t v;
		__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"((uint16_t)0xF4));
		break;
	}
	case C_console_word:
		__asm__ volatile("outw %0, %1" : : "a"((uint16_t)0x4141), "Nd"((uint16_t)0xE9));
		break;
	case C_svm_insn: {
		uint8_t v;
		__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"((uint16_t)0xE9));
		GCHECK_EQ(v, 0xE9);
		GCHECK_EQ(guest_try(do_vmload, 0), 1);
		GCHECK_EQ(guest_last_trap.vector, 6);
		break;
	}
	case C_sev: case_sev(); break;
	default: guest_fail("unknown case", c, 0); break;
	}
}

#else /* host */

#include "harness.h"

#include "hv/hv_internal.h"
#include "psp/owner.h"

#include <softsev/abi/svm_exit.h>
#include <softsev/crypto.h>
#include <softsev/hv.h>
#include <softsev/measure.h>
#include <softsev/psp.h>
#include <stdlib.h>

#include "util/file.h"

static uint8_t *image;
static size_t image_len;

/* The guest half of this file, built by tests/hv/meson.build (loaded once, freed at exit). */
static void load_image(void)
{
	static uint8_t fallback[1] = {0xf4};
	ss_error err;
	if (image)
		return;
	if (ss_read_file(VM_IMAGE, SS_HV_IMAGE_MAX + 1, &image, &image_len, &err)) {
		printf("# %s\n", err.msg);
		ss_test_failed_checks++;
		image = fallback;
		image_len = 1;
	}
}

struct con {
	char buf[4096];
	size_t n;
};

static void con_out(void *ctx, const uint8_t *b, size_t len)
{
	struct con *c = ctx;
	for (size_t i = 0; i < len && c->n + 1 < sizeof(c->buf); i++)
		c->buf[c->n++] = (char)b[i];
	c->buf[c->n] = 0;
}

struct run {
	struct con con;
	struct ss_vcpu_result res;
	ss_error err;
	int rc;
};

/* Runs case c to its end; rc and err say how it ended, con what it printed. */
static void run_case(unsigned c, uint64_t budget, struct run *r)
{
	load_image();
	memset(r, 0, sizeof(*r));
	struct ss_vm_config cfg = {.mode = SS_VM_PLAIN,
				   .ram_size = SS_HV_RAM_MIN,
				   .seed = 1,
				   .console = con_out,
				   .console_ctx = &r->con};
	struct ss_vm *vm = NULL;
	struct ss_vcpu *v = NULL;
	r->rc = ss_vm_new(&cfg, &vm, &r->err);
	if (!r->rc)
		r->rc = ss_vm_load_flat(vm, image, image_len, c, &r->err);
	if (!r->rc)
		r->rc = ss_vcpu_new(vm, &v, &r->err);
	if (!r->rc)
		r->rc = ss_vcpu_run(v, budget, &r->res, &r->err);
	if (r->rc)
		printf("# case %u: %s\n", c, r->err.msg);
	if (r->con.n)
		printf("# case %u console: %s%s", c, r->con.buf,
		       r->con.buf[r->con.n - 1] == '\n' ? "" : "\n");
	ss_vcpu_free(v);
	ss_vm_free(vm);
}

/* The guest ran its checks and exited through DONE with status 0. */
static bool passed(unsigned c)
{
	struct run r;
	run_case(c, 50000000, &r);
	return r.rc == 0 && r.res.stop == SS_VCPU_STOP_EXIT && r.res.status == 0 &&
	       !strstr(r.con.buf, "FAIL");
}

TEST(console_and_exit_port)
{
	struct run r;
	run_case(C_console_exit, 50000000, &r);
	REQUIRE(r.rc == 0);
	CHECK(r.res.stop == SS_VCPU_STOP_EXIT);
	CHECK(r.res.status == 7);
	CHECK_STR(r.con.buf, "hello guest -5 0x00be\n");
	CHECK(r.res.insns > 0 && r.res.exits > 20);
}

TEST(hlt_with_interrupts_off_stops)
{
	struct run r;
	run_case(C_halt, 50000000, &r);
	REQUIRE(r.rc == 0);
	CHECK(r.res.stop == SS_VCPU_STOP_HLT);
	CHECK(r.res.status == 0);
}

TEST(hlt_with_interrupts_on_is_an_error)
{
	struct run r;
	run_case(C_halt_if, 50000000, &r);
	CHECK(r.rc == SS_ESTATE);
	CHECK_CONTAINS(r.err.msg, "HLT with interrupts enabled");
}

TEST(cpuid_model)
{
	CHECK(passed(C_cpuid));
}

TEST(msrs)
{
	CHECK(passed(C_msr));
}

TEST(vmmcall)
{
	CHECK(passed(C_vmmcall));
}

TEST(svm_instructions_and_console_in)
{
	CHECK(passed(C_svm_insn));
}

TEST(npf_outside_ram)
{
	struct run r;
	run_case(C_npf, 50000000, &r);
	CHECK(r.rc == SS_EINVAL);
	CHECK_CONTAINS(r.err.msg, "nested page fault at gPA 0x40000000");
	CHECK_CONTAINS(r.err.msg, "error code 0x");
	CHECK_CONTAINS(r.err.msg, "outside guest RAM");
}

TEST(triple_fault)
{
	struct run r;
	run_case(C_triple, 50000000, &r);
	CHECK(r.rc == SS_EINVAL);
	CHECK_CONTAINS(r.err.msg, "triple fault");
}

TEST(instruction_budget)
{
	struct run r;
	run_case(C_budget, 9000000, &r);
	CHECK(r.rc == SS_ERANGE);
	CHECK_CONTAINS(r.err.msg, "budget of 9000000 guest instructions");
	CHECK(r.res.insns >= 9000000 && r.res.insns < 9000100);
	CHECK(r.res.exits > 2); /* the budget spans several VMRUN slices */
}

TEST(io_errors_name_the_port)
{
	struct run r;
	run_case(C_port, 50000000, &r);
	CHECK(r.rc == SS_EINVAL);
	CHECK_CONTAINS(r.err.msg, "I/O port 0x80 (OUT, 1 byte)");
	run_case(C_string_io, 50000000, &r);
	CHECK(r.rc == SS_ENOTIMPL);
	CHECK_CONTAINS(r.err.msg, "string I/O (OUTS with REP) on port 0xe9");
	run_case(C_in_exit, 50000000, &r);
	CHECK(r.rc == SS_EINVAL);
	CHECK_CONTAINS(r.err.msg, "I/O port 0xf4 (IN, 1 byte)");
	run_case(C_console_word, 50000000, &r);
	CHECK(r.rc == SS_EINVAL);
	CHECK_CONTAINS(r.err.msg, "I/O port 0xe9 (OUT, 2 bytes)");
}

/* Exit paths a well-behaved CPU and guest do not produce, driven through the handler table. */
TEST(vmgexit_invalid_and_unknown_exits)
{
	load_image();
	struct ss_vm_config cfg = {.mode = SS_VM_PLAIN, .ram_size = SS_HV_RAM_MIN};
	struct ss_vm *vm;
	struct ss_vcpu *v;
	ss_error err;
	REQUIRE(ss_vm_new(&cfg, &vm, &err) == 0);
	REQUIRE(ss_vm_load_flat(vm, image, image_len, C_halt, &err) == 0);
	REQUIRE(ss_vcpu_new(vm, &v, &err) == 0);
	v->vmcb.control.exit_code = SS_SVM_EXIT_VMGEXIT; /* only SEV-ES guests have a GHCB */
	CHECK(hv_handle_exit(v, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "VMGEXIT from a plain guest");
	v->vmcb.control.exit_code = SS_SVM_EXIT_RDPMC;
	CHECK(hv_handle_exit(v, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "unexpected #VMEXIT SVM_EXIT_RDPMC (0x6f)");
	v->vmcb.control.exit_code = SS_SVM_EXIT_IOIO;
	v->vmcb.control.exit_info_1 = (0xE9ull << 16) | SS_IOIO_SZ8 | SS_IOIO_SZ16;
	CHECK(hv_handle_exit(v, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "no single size bit");
	v->vmcb.control.exit_code = SS_SVM_EXIT_MSR;
	v->vmcb.control.exit_info_1 = 2;
	CHECK(hv_handle_exit(v, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "neither 0 nor 1");
	v->vmcb.control.exit_code = SS_SVM_EXIT_CPUID;
	v->vmcb.control.next_rip = 0;
	CHECK(hv_handle_exit(v, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "without next_rip");

	/* A VMCB that breaks a VMRUN rule: the error names the rule. */
	v->vmcb.control.exit_code = 0;
	v->vmcb.save.efer &= ~0x1000ull; /* guest EFER.SVME */
	struct ss_vcpu_result res;
	CHECK(ss_vcpu_run(v, 1000, &res, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "VMEXIT_INVALID");
	CHECK_CONTAINS(err.msg, "SVME");
	ss_vcpu_free(v);
	ss_vm_free(vm);
}

/* The boot tables of the flat-image protocol as the guest owner writes them down from layout.h:
 * PML4 -> PDPT -> PD, 2 MiB pages over the RAM, the C-bit in every entry. */
static void owner_tables(uint64_t ram, uint8_t out[0x3000])
{
	const uint64_t c = 1ull << 51;
	uint64_t t[3][512];
	memset(t, 0, sizeof(t));
	t[0][0] = 0x2000 | c | 7;
	t[1][0] = 0x3000 | c | 7;
	for (uint64_t k = 0; k < 512 && (k << 21) < ram; k++)
		t[2][k] = (k << 21) | c | 0x83;
	memcpy(out, t, sizeof(t));
}

/* An SEV guest from the owner's session to its exit: the launch measurement is the HMAC over the
 * digest the owner computes, the launched memory and what the guest writes are ciphertext to the
 * host, and the guest runs on its decrypted code with SEV_STATUS 1 and the C-bit. */
TEST(sev_launch_and_run)
{
	load_image();
	struct con con = {0};
	struct ss_vm_config cfg = {.mode = SS_VM_SEV,
				   .ram_size = 32u << 20,
				   .seed = 3,
				   .console = con_out,
				   .console_ctx = &con};
	struct ss_vm *vm;
	struct ss_vcpu *v;
	ss_psp *psp, *psp2;
	ss_error err;
	REQUIRE(ss_vm_new(&cfg, &vm, &err) == 0);
	CHECK(ss_vm_asid(vm) >= HV_MIN_SEV_ASID);
	REQUIRE(ss_vm_load_flat(vm, image, image_len, C_sev, &err) == 0);
	CHECK(ss_vcpu_new(vm, &v, &err) == SS_ESTATE);
	CHECK_CONTAINS(err.msg, "not launched");
	REQUIRE(ss_vm_psp_open(vm, &psp, &err) == 0);
	CHECK(ss_vm_psp_open(vm, &psp2, &err) == SS_ESTATE);

	/* The owner: the platform's chain, then a session for its PDH. */
	static uint8_t pdh[SS_HV_SEV_CERT_LEN], chain[3 * SS_HV_SEV_CERT_LEN], amd[3200];
	size_t amd_len;
	REQUIRE(ss_vm_sev_pdh_export(vm, psp, pdh, chain, &err) == 0);
	REQUIRE(ss_psp_amd_chain(psp, amd, sizeof(amd), &amd_len, &err) == 0);
	CHECK(ss_owner_verify_platform(pdh, sizeof(pdh), chain, sizeof(chain), amd, amd_len, NULL,
				       0, &err) == 0);
	struct ss_owner_session s;
	REQUIRE(ss_owner_session_create(pdh, sizeof(pdh), 1, NULL, &s, &err) == 0);

	struct ss_vm_sev_launch l = {.policy = 1,
				     .godh_cert = s.godh_cert,
				     .session = &s.session,
				     .session_len = sizeof(s.session) - 1};
	CHECK(ss_vm_sev_launch(vm, psp, &l, &err) == SS_EINVAL);
	l.session_len = sizeof(s.session);
	REQUIRE(ss_vm_sev_launch(vm, psp, &l, &err) == 0);
	CHECK(ss_vm_sev_launch(vm, psp, &l, &err) == SS_ESTATE);
	CHECK(ss_vm_load_flat(vm, image, image_len, C_sev, &err) == SS_ESTATE);
	ss_psp_close(psp);

	/* The owner's digest: SHA-256(boot tables || image padded to 16 bytes). */
	size_t padded = (image_len + 15) & ~(size_t)15;
	uint8_t *want = calloc(1, 0x3000 + padded), digest[32];
	REQUIRE(want);
	owner_tables(cfg.ram_size, want);
	memcpy(want + 0x3000, image, image_len);
	REQUIRE(ss_sha256(want, 0x3000 + padded, digest) == 0);
	CHECK_MEM(l.digest, digest, 32);
	ss_sev_launch_measure_in in = {
	    .api_major = l.api_major, .api_minor = l.api_minor, .build = l.build, .policy = 1};
	memcpy(in.tik, s.tik, 16);
	memcpy(in.digest, digest, 32);
	CHECK(ss_sev_launch_measure_check(&in, l.measure, &err) == 0);
	in.digest[5] ^= 1;
	CHECK(ss_sev_launch_measure_check(&in, l.measure, &err) == SS_EPOLICY);

	/* The host sees ciphertext where it loaded the tables and the image: no 16-byte block of
	 * the plaintext survives. */
	uint8_t *seen = malloc(0x3000 + padded);
	REQUIRE(seen);
	REQUIRE(ss_vm_read(vm, SS_HV_BOOT_TABLES_GPA, seen, 0x3000, &err) == 0);
	REQUIRE(ss_vm_read(vm, SS_HV_IMAGE_GPA, seen + 0x3000, padded, &err) == 0);
	size_t same = 0;
	for (size_t off = 0; off < 0x3000 + padded; off += 16)
		same += memcmp(seen + off, want + off, 16) == 0;
	CHECK(same == 0);

	REQUIRE(ss_vcpu_new(vm, &v, &err) == 0);
	struct ss_vcpu_result res;
	int rc = ss_vcpu_run(v, 50000000, &res, &err);
	if (rc)
		printf("# %s\n", err.msg);
	if (con.n)
		printf("# console: %s\n", con.buf);
	CHECK(rc == 0 && res.stop == SS_VCPU_STOP_EXIT && res.status == 0);
	CHECK(!strstr(con.buf, "FAIL"));
	/* The secret the guest wrote is ciphertext to the host. */
	uint8_t got[sizeof(SECRET)];
	REQUIRE(ss_vm_read(vm, SECRET_GPA, got, sizeof(got), &err) == 0);
	CHECK(memcmp(got, SECRET, sizeof(got)) != 0);
	CHECK(!memmem(got, sizeof(got), "secret", 6));
	ss_vcpu_free(v);
	ss_vm_free(vm);
	free(want);
	free(seen);
}

TEST(sev_launch_refusals)
{
	load_image();
	struct ss_vm_config cfg = {.mode = SS_VM_PLAIN, .ram_size = SS_HV_RAM_MIN};
	struct ss_vm *vm;
	ss_psp *psp;
	ss_error err;
	REQUIRE(ss_vm_new(&cfg, &vm, &err) == 0);
	REQUIRE(ss_vm_psp_open(vm, &psp, &err) == 0);
	struct ss_vm_sev_launch l = {.policy = 0};
	CHECK(ss_vm_sev_launch(vm, psp, &l, &err) == SS_ESTATE);
	CHECK_CONTAINS(err.msg, "a plain VM is not launched");
	ss_psp_close(psp);
	ss_vm_free(vm);
	cfg.mode = SS_VM_SEV;
	REQUIRE(ss_vm_new(&cfg, &vm, &err) == 0);
	REQUIRE(ss_vm_psp_open(vm, &psp, &err) == 0);
	CHECK(ss_vm_sev_launch(vm, psp, &l, &err) == SS_ESTATE);
	CHECK_CONTAINS(err.msg, "no guest image");
	REQUIRE(ss_vm_load_flat(vm, image, image_len, C_sev, &err) == 0);
	/* ES in the policy of a plain SEV VM: refused by the hypervisor, naming the bit. */
	l.policy = 0x4;
	CHECK(ss_vm_sev_launch(vm, psp, &l, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "policy 0x4 sets ES (bit 2)");
	/* A policy the platform refuses: a reserved bit (6). */
	l.policy = 0x40;
	CHECK(ss_vm_sev_launch(vm, psp, &l, &err) < 0);
	CHECK_CONTAINS(err.msg, "LAUNCH_START");
	ss_psp_close(psp);
	ss_vm_free(vm);
}

TEST(config_and_state_errors)
{
	load_image();
	struct ss_vm_config cfg = {.mode = SS_VM_SEV_ES, .ram_size = SS_HV_RAM_MIN};
	struct ss_vm *vm;
	struct ss_vcpu *v;
	ss_error err;
	/* An SEV-ES VM runs only once launched (its VMSA is measured by the launch). */
	REQUIRE(ss_vm_new(&cfg, &vm, &err) == 0);
	REQUIRE(ss_vm_load_flat(vm, image, image_len, C_halt, &err) == 0);
	CHECK(ss_vcpu_new(vm, &v, &err) == SS_ESTATE);
	CHECK_CONTAINS(err.msg, "the sev-es VM is not launched");
	CHECK(ss_vm_asid(vm) < 8); /* SEV-ES ASIDs are below the plain SEV range */
	ss_vm_free(vm);
	cfg.mode = SS_VM_SNP;
	CHECK(ss_vm_new(&cfg, &vm, &err) == SS_ENOTIMPL);
	CHECK_CONTAINS(err.msg, "mode snp");
	cfg.mode = 9;
	CHECK(ss_vm_new(&cfg, &vm, &err) == SS_EINVAL);
	cfg.mode = SS_VM_PLAIN;
	cfg.ram_size = SS_HV_RAM_MIN + 4096;
	CHECK(ss_vm_new(&cfg, &vm, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "ram_size");
	cfg.ram_size = SS_HV_RAM_MAX + (2u << 20);
	CHECK(ss_vm_new(&cfg, &vm, &err) == SS_EINVAL);
	cfg.ram_size = SS_HV_RAM_MIN;
	REQUIRE(ss_vm_new(&cfg, &vm, &err) == 0);
	CHECK(ss_vcpu_new(vm, &v, &err) == SS_ESTATE);
	CHECK(ss_vm_load_flat(vm, image, 0, 0, &err) == SS_EINVAL);
	CHECK(ss_vm_load_flat(vm, image, SS_HV_IMAGE_MAX + 1, 0, &err) == SS_EINVAL);
	uint8_t b[8];
	CHECK(ss_vm_read(vm, SS_HV_RAM_MIN - 4, b, 8, &err) == SS_EINVAL);
	CHECK(ss_vm_write(vm, UINT64_MAX - 2, b, 8, &err) == SS_EINVAL);
	uint64_t spa;
	CHECK(ss_vm_gpa_to_spa(vm, SS_HV_RAM_MIN, &spa, &err) == SS_EINVAL);
	CHECK(ss_vm_gpa_to_spa(vm, 0x1000, &spa, &err) == 0 && spa > 0x1000);
	CHECK_STR(ss_vm_mode_name(SS_VM_SEV), "sev");
	CHECK(ss_vm_mode_parse("sev-es") == SS_VM_SEV_ES);
	CHECK(ss_vm_mode_parse("SEV") == -1);
	CHECK(ss_vm_mode_name(7) == NULL);
	ss_vm_free(vm);
}

TEST_MAIN(console_and_exit_port, hlt_with_interrupts_off_stops, hlt_with_interrupts_on_is_an_error,
	  cpuid_model, msrs, vmmcall, svm_instructions_and_console_in, npf_outside_ram,
	  triple_fault, instruction_budget, io_errors_name_the_port,
	  vmgexit_invalid_and_unknown_exits, sev_launch_and_run, sev_launch_refusals,
	  config_and_state_errors)

#endif
