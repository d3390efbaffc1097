/* An SEV-ES guest end to end through the GHCB (STYLE.md item 8: guest and host in one file).
 *
 * Compiled with -DSS_GUEST into a guest image linked with the guest runtime (guest/lib, whose
 * vc.c is the #VC handler), and as the host test: a hypervisor in C on the memory model that
 * loads the image into the guest's encrypted memory (the launch's role: written with the guest's
 * key), builds an SEV-ES VMSA with the entry state of ss_guest/layout.h and runs it with
 * ss_cpu_vmrun. Every OUT (the report channel included), IN, INS/OUTS, CPUID, intercepted
 * RDMSR/WRMSR, VMMCALL and RDTSC of the guest raises #VC in the guest (cpu-svm-sev.md §3.2, §4);
 * its handler fills the GHCB and leaves with VMGEXIT; the host hands the VMCB's ghcb_gpa to
 * ss_ghcb_handle (include/softsev/ghcb.h) with devices below and resumes the guest with VMRUN.
 * The host never reads the guest's registers: everything it learns comes through the GHCB. */
#include <stdint.h>

enum { CASE_NONE, CASE_SERVICES, CASE_TERMINATE };

#define PORT_DATA  0x80 /* a device: OUT records bytes, IN answers 0x7E (byte) or a counter */
#define PORT_BULK  0x81 /* REP OUTSB / INSW target */
#define MSR_TEST   0x40000010u /* outside the MSRPM's ranges: always intercepted */
#define MSR_ABSENT 0x40000020u /* the host's MSR model refuses it: #GP */
#define BULK_LEN   5000u       /* more than the GHCB's shared buffer (2032 bytes) */

#ifdef SS_GUEST

#include <ss_guest/guest.h>
#include <ss_guest/vc.h>
#include <ss_guest/x86.h>

static volatile uint64_t sink;
static uint8_t bulk[BULK_LEN];
static uint16_t words[3];

static void read_absent_msr(void *arg)
{
	(void)arg;
	sink = rdmsr(MSR_ABSENT);
}

void guest_main(uint64_t test_case)
{
	if (test_case == CASE_TERMINATE)
		guest_sev_terminate(1, 4); /* Linux's set, "CPUID failure" */
	GCHECK(guest_sev_es());
	guest_value(0, guest_ghcb_version);
	guest_value(1, guest_cbit);

	uint32_t r[4];
	cpuid(0x40000000, 0, r);
	GCHECK_EQ(r[0], 0x40000001u);
	guest_value(2, r[1]);

	outb(PORT_DATA, 0x5A);
	uint8_t b;
	__asm__ volatile("inb %1, %0" : "=a"(b) : "i"(PORT_DATA));
	GCHECK_EQ(b, 0x7E);

	/* REP OUTSB of more than one shared buffer: the handler sends it in chunks. */
	for (unsigned i = 0; i < BULK_LEN; i++)
		bulk[i] = (uint8_t)(i * 7 + 1);
	const uint8_t *src = bulk;
	uint64_t n = BULK_LEN;
	__asm__ volatile("rep outsb" : "+S"(src), "+c"(n) : "d"(PORT_BULK) : "memory");
	GCHECK_EQ(n, 0);
	GCHECK_EQ((uint64_t)src, (uint64_t)bulk + BULK_LEN);
	/* REP INSW of three words. */
	uint16_t *dst = words;
	n = 3;
	__asm__ volatile("rep insw" : "+D"(dst), "+c"(n) : "d"(PORT_BULK) : "memory");
	GCHECK_EQ(words[0], 0x1000);
	GCHECK_EQ(words[2], 0x1002);
	GCHECK_EQ((uint64_t)dst, (uint64_t)(words + 3));

	wrmsr(MSR_TEST, 0x1122334455667788ull);
	GCHECK_EQ(rdmsr(MSR_TEST), 0x1122334455667788ull);
	/* The hypervisor answers #GP: the handler raises it in place of the #VC. */
	GCHECK_EQ(guest_try(read_absent_msr, 0), 1);
	GCHECK_EQ(guest_last_trap.vector, 13);

	uint64_t ret;
	__asm__ volatile("vmmcall" : "=a"(ret) : "a"(20), "b"(2) : "memory");
	GCHECK_EQ(ret, 42);
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	GCHECK_EQ(hi, 1);
	guest_value(3, guest_vc_count);
}

#else /* the host */

#include "harness.h"

#include <softsev/abi/ghcb.h>
#include <softsev/abi/vmcb.h>
#include <softsev/abi/vmsa.h>
#include <softsev/cpu.h>
#include <softsev/ghcb.h>
#include <softsev/hv_mem.h>
#include <softsev/mem.h>
#include <ss_guest/layout.h>

#define DRAM	 (32u << 20)
#define NPT	 0x100000ull /* nested PML4, PDPT +0x1000, PD +0x2000 */
#define VMCB	 0x200000ull
#define IOPM	 0x210000ull
#define MSRPM	 0x220000ull
#define VMSA_SPA 0x240000ull
#define GBASE	 0x1000000ull /* gPA 0 = sPA 16 MiB */
#define ASID	 1
#define CBIT	 51
#define BUDGET	 2000000u

typedef struct es {
	struct ss_mem *m;
	struct ss_mem_fw *fw;
	struct ss_hv_mem *hm;
	ss_cpu *c;
	ss_cpu_exit ex;
	ss_vmcb v;
	ss_ghcb_vcpu gv;
	ss_ghcb_result res;
	uint64_t ghcb_gpa; /* the GHCB of the VMGEXIT being handled */
	/* what the devices saw */
	bool ready, done, trap;
	uint64_t value[SS_GUEST_VALUES];
	uint8_t data_out[16];
	unsigned n_data_out, n_bulk_out, bulk_bad, n_bulk_in, n_msr_proto, n_page, n_tsc;
	uint64_t msr_test;
} es;

static ss_error E;

static int host_read(es *e, uint64_t spa, void *buf, size_t len)
{
	struct ss_mem_access a = {.actor = SS_MEM_HOST, .type = SS_MEM_READ};
	struct ss_mem_fault f;
	return ss_mem_read(e->m, &a, spa, buf, len, &f, &E);
}

static int host_write(es *e, uint64_t spa, const void *buf, size_t len)
{
	struct ss_mem_fault f;
	return ss_hv_mem_host_write(e->hm, SS_MEM_HOST, spa, buf, len, &f, &E);
}

/* ---- the GHCB ops: guest-physical shared memory and the devices ---- */

static int g_read(void *ctx, uint64_t gpa, void *buf, size_t len, ss_error *err)
{
	if (gpa >= SS_GUEST_RAM_SIZE || len > SS_GUEST_RAM_SIZE - gpa)
		return ss_fail(err, SS_ERANGE, "GPA 0x%llx is not guest memory",
			       (unsigned long long)gpa);
	struct ss_mem_access a = {.actor = SS_MEM_HOST, .type = SS_MEM_READ};
	struct ss_mem_fault f;
	return ss_mem_read(((es *)ctx)->m, &a, GBASE + gpa, buf, len, &f, err);
}

static int g_write(void *ctx, uint64_t gpa, const void *buf, size_t len, ss_error *err)
{
	if (gpa >= SS_GUEST_RAM_SIZE || len > SS_GUEST_RAM_SIZE - gpa)
		return ss_fail(err, SS_ERANGE, "GPA 0x%llx is not guest memory",
			       (unsigned long long)gpa);
	struct ss_mem_fault f;
	return ss_hv_mem_host_write(((es *)ctx)->hm, SS_MEM_HOST, GBASE + gpa, buf, len, &f, err);
}

/* A string the guest passed by address lives in its private memory: the test peeks at it with
 * the guest's key (what no hypervisor can do) to print a failed guest check. */
static const char *guest_str(es *e, uint64_t gva, char *buf, size_t size)
{
	memset(buf, 0, size);
	if (gva >= SS_GUEST_RAM_SIZE - size ||
	    ss_mem_fw_read(e->fw, ASID, GBASE + gva, buf, size - 1, &E))
		return "(bad guest string)";
	return buf;
}

/* The report channel (ss_guest/layout.h): AL is the operation; the arguments are the registers
 * the guest's #VC handler exposed in the GHCB for this port (ss_guest/vc.h). */
static void report(es *e, uint64_t op)
{
	ss_ghcb g;
	if (g_read(e, e->ghcb_gpa, &g, sizeof(g), &E))
		return;
	uint64_t rdi = ss_ghcb_valid(&g, SS_GHCB_BIT(rdi)) ? g.rdi : 0;
	uint64_t rsi = ss_ghcb_valid(&g, SS_GHCB_BIT(rsi)) ? g.rsi : 0;
	uint64_t rdx = ss_ghcb_valid(&g, SS_GHCB_BIT(rdx)) ? g.rdx : 0;
	char s[160];
	switch (op) {
	case SS_GUEST_OP_READY: e->ready = true; break;
	case SS_GUEST_OP_DONE: e->done = true; break;
	case SS_GUEST_OP_VALUE:
		if (rdi < SS_GUEST_VALUES)
			e->value[rdi] = rsi;
		break;
	case SS_GUEST_OP_FAIL:
		printf("# guest %s (got 0x%llx, want 0x%llx)\n", guest_str(e, rdi, s, sizeof(s)),
		       (unsigned long long)rsi, (unsigned long long)rdx);
		ss_test_failed_checks++;
		break;
	case SS_GUEST_OP_PRINT: printf("# guest: %s\n", guest_str(e, rdi, s, sizeof(s))); break;
	default:
		printf("# guest report op %llu (vector/arg 0x%llx 0x%llx)\n",
		       (unsigned long long)op, (unsigned long long)rdi, (unsigned long long)rsi);
		e->trap = true;
		break;
	}
}

static int d_io(void *ctx, uint16_t port, unsigned size, bool in, uint32_t *val, ss_error *err)
{
	es *e = ctx;
	if (port == SS_GUEST_PORT && !in && size == 1) {
		report(e, *val);
		return 0;
	}
	if (port == PORT_DATA && size == 1) {
		if (in)
			*val = 0x7E;
		else if (e->n_data_out < sizeof(e->data_out))
			e->data_out[e->n_data_out++] = (uint8_t)*val;
		return 0;
	}
	if (port == PORT_BULK && !in && size == 1) {
		if (*val != (uint8_t)(e->n_bulk_out * 7 + 1))
			e->bulk_bad++;
		e->n_bulk_out++;
		return 0;
	}
	if (port == PORT_BULK && in && size == 2) {
		*val = 0x1000 + e->n_bulk_in++;
		return 0;
	}
	return SS_GHCB_DEV_GP;
}

static int d_cpuid(void *ctx, uint32_t leaf, uint32_t sub, uint64_t xcr0, uint64_t xss,
		   uint32_t out[4], ss_error *err)
{
	memset(out, 0, 16);
	if (leaf == 0x80000000) {
		out[0] = 0x8000001F;
	} else if (leaf == 0x40000000) {
		out[0] = 0x40000001;
		memcpy(&out[1], "softsevghcb!", 12);
	} else if (leaf == 0x8000001F) {
		const uint32_t sev[4] = {0x1B, CBIT | (1u << 6), 15, 2};
		memcpy(out, sev, 16);
	}
	return 0;
}

static int d_msr(void *ctx, bool write, uint32_t index, uint64_t *val, ss_error *err)
{
	es *e = ctx;
	if (index != MSR_TEST)
		return SS_GHCB_DEV_GP;
	if (write)
		e->msr_test = *val;
	else
		*val = e->msr_test;
	return 0;
}

static int d_vmmcall(void *ctx, ss_ghcb_vmmcall *call, ss_error *err)
{
	call->rax = call->rax * 2 + call->rbx;
	return 0;
}

static int d_rdtsc(void *ctx, uint64_t *tsc, uint32_t *aux, ss_error *err)
{
	es *e = ctx;
	*tsc = (1ull << 32) + e->n_tsc++;
	*aux = 0;
	return 0;
}

static const ss_ghcb_ops ops = {.read = g_read,
				.write = g_write,
				.io = d_io,
				.cpuid = d_cpuid,
				.msr = d_msr,
				.vmmcall = d_vmmcall,
				.rdtsc = d_rdtsc};

/* ---- the machine ---- */

static bool p64(es *e, uint64_t spa, uint64_t x)
{
	return host_write(e, spa, &x, 8) == 0;
}

/* Private guest memory: written with the guest's key, as LAUNCH_UPDATE_DATA leaves it. */
static bool gput(es *e, uint64_t gpa, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	for (size_t off = 0; off < len; off += 4096) {
		size_t n = len - off < 4096 ? len - off : 4096;
		if (ss_mem_fw_write(e->fw, ASID, GBASE + gpa + off, p + off, n, &E))
			return false;
	}
	return true;
}

static bool boot(es *e, uint64_t test_case)
{
	memset(e, 0, sizeof(*e));
	struct ss_mem_config mc = {.dram_size = DRAM, .max_asid = 15, .seed = 11};
	if (ss_mem_create(&mc, &e->m, &E) || !(e->fw = ss_mem_claim_firmware_port(e->m)) ||
	    ss_hv_mem_new(e->m, &e->hm, &E))
		return false;
	uint8_t vek[32];
	for (unsigned i = 0; i < 32; i++)
		vek[i] = (uint8_t)(i * 13 + 5);
	if (ss_mem_fw_key_load(e->fw, ASID, vek, 32, SS_MEM_KEY_SEV, &E))
		return false;
	ss_cpu_config cfg = {.mem = &ss_hv_mem_ops,
			     .mem_ctx = e->hm,
			     .flat_long_mode = true,
			     /* SME, SEV, SEV-ES; C-bit 51; 15 ASIDs, plain SEV from 2 */
			     .sev_leaf = {0x1B, CBIT | (1u << 6), 15, 2}};
	if (ss_cpu_new(&cfg, &e->c, &E))
		return false;
	ss_hv_mem_attach(e->hm, e->c);
	ss_cpu_regs *r = ss_cpu_regs_of(e->c);
	r->cr0 &= ~0x80000000ull;
	ss_cpu_set_long_mode(e->c, false);
	r->efer |= 0x1000; /* SVME */
	r->syscfg = 1ull << 23;

	/* The image, private. */
	static uint8_t img[SS_GUEST_IMAGE_MAX + 1];
	FILE *f = fopen(GHCB_ES_IMAGE, "rb");
	if (!f) {
		printf("# cannot open the guest image %s\n", GHCB_ES_IMAGE);
		return false;
	}
	size_t n = fread(img, 1, sizeof(img), f);
	fclose(f);
	if (n == 0 || n > SS_GUEST_IMAGE_MAX || !gput(e, SS_GUEST_LOAD, img, n))
		return false;
	/* Nested paging: gPA [0, 16 MiB) -> sPA [16 MiB, 32 MiB), 2 MiB pages, nested C-bit clear
	 * (the guest's shared pages are plaintext to the host). */
	if (!p64(e, NPT, (NPT + 0x1000) | 7) || !p64(e, NPT + 0x1000, (NPT + 0x2000) | 7))
		return false;
	for (uint64_t k = 0; k < SS_GUEST_RAM_SIZE / 0x200000; k++)
		if (!p64(e, NPT + 0x2000 + 8 * k, (GBASE + (k << 21)) | 0x87))
			return false;
	/* The boot tables of layout.h, private, with the C-bit in every leaf: the guest's memory
	 * is private until it maps a page shared. */
	uint64_t pml4 = (SS_GUEST_BOOT_PML4 + 0x1000) | 7, pdpt = (SS_GUEST_BOOT_PML4 + 0x2000) | 7;
	uint64_t pd[SS_GUEST_RAM_SIZE / 0x200000];
	for (uint64_t k = 0; k < SS_GUEST_RAM_SIZE / 0x200000; k++)
		pd[k] = (k << 21) | 0x83 | (1ull << CBIT);
	if (!gput(e, SS_GUEST_BOOT_PML4, &pml4, 8) ||
	    !gput(e, SS_GUEST_BOOT_PML4 + 0x1000, &pdpt, 8) ||
	    !gput(e, SS_GUEST_BOOT_PML4 + 0x2000, pd, sizeof(pd)))
		return false;
	/* Ports and MSRs the guest uses are intercepted: #VC for an SEV-ES guest. */
	uint8_t iopm[0x3000] = {0};
	iopm[SS_GUEST_PORT / 8] |= 1u << (SS_GUEST_PORT % 8);
	iopm[PORT_DATA / 8] |= 1u << (PORT_DATA % 8);
	iopm[PORT_BULK / 8] |= 1u << (PORT_BULK % 8);
	if (host_write(e, IOPM, iopm, sizeof(iopm)))
		return false;

	/* The VMSA: the entry state of layout.h, encrypted with the guest's key. */
	static ss_vmsa s;
	memset(&s, 0, sizeof(s));
	s.cs = (ss_vmsa_segment){SS_GUEST_KCODE, 0x29b, 0xffffffff, 0};
	s.ss = s.ds = s.es = (ss_vmsa_segment){SS_GUEST_KDATA, 0xc93, 0xffffffff, 0};
	s.efer = 0x1000 | 0x100 | 0x400 | 0x800; /* SVME, LME, LMA, NXE */
	s.cr0 = 0x80000011;
	s.cr3 = SS_GUEST_BOOT_PML4;
	s.cr4 = 0x20;
	s.rflags = 2;
	s.rip = SS_GUEST_LOAD;
	s.rdi = test_case;
	s.xcr0 = 1;
	s.g_pat = 0x0007040600070406ull;
	if (ss_mem_fw_write(e->fw, ASID, VMSA_SPA, &s, sizeof(s), &E))
		return false;

	/* The VMCB's own save area is not used for an SEV-ES guest, but VMRUN's consistency
	 * checks read it (§9.3): the same state. */
	ss_vmcb_save *vs = &e->v.save;
	vs->cs = s.cs, vs->ss = s.ss, vs->ds = s.ds, vs->es = s.es;
	vs->efer = s.efer, vs->cr0 = s.cr0, vs->cr3 = s.cr3, vs->cr4 = s.cr4;
	vs->rflags = s.rflags, vs->rip = s.rip, vs->g_pat = s.g_pat;
	ss_vmcb_control *k = &e->v.control;
	k->intercept_misc1 = SS_ICPT3_HLT | SS_ICPT3_IOIO_PROT | SS_ICPT3_MSR_PROT |
			     SS_ICPT3_CPUID | SS_ICPT3_RDTSC | SS_ICPT3_SHUTDOWN;
	k->intercept_misc2 = SS_ICPT4_VMRUN | SS_ICPT4_VMMCALL | SS_ICPT4_RDTSCP;
	k->iopm_base_pa = IOPM;
	k->msrpm_base_pa = MSRPM;
	k->asid = ASID;
	k->nested_ctl = SS_NESTED_CTL_NP | SS_NESTED_CTL_SEV | SS_NESTED_CTL_SEV_ES;
	k->nested_cr3 = NPT;
	k->vmsa_pa = VMSA_SPA;
	k->tlb_ctl = SS_TLB_CTL_ALL;
	/* The GHCB MSR at guest entry holds the SEV information (§6). */
	k->ghcb_gpa = SS_GHCB_MSR_SEV_INFO(SS_GHCB_VERSION_MAX, SS_GHCB_VERSION_MIN, CBIT);
	ss_ghcb_vcpu_init(&e->gv, &ops, e, false, CBIT);
	return true;
}

static void fini(es *e)
{
	ss_cpu_free(e->c);
	ss_mem_destroy(e->m);
	ss_hv_mem_free(e->hm);
}

/* Runs until an exit the VMGEXIT path does not serve; answers its code, or 0xdead (the run
 * failed), or 0x403 when ss_ghcb_handle ended the guest (e->res says why). */
static uint64_t run(es *e)
{
	for (unsigned round = 0; round < 100000; round++) {
		if (host_write(e, VMCB, &e->v, sizeof(e->v)) ||
		    ss_cpu_vmrun(e->c, VMCB, BUDGET, &e->ex, &E) ||
		    host_read(e, VMCB, &e->v, sizeof(e->v))) {
			printf("# run: %s\n", E.msg);
			return 0xdead;
		}
		ss_vmcb_control *k = &e->v.control;
		if (e->ex.reason != SS_CPU_EXIT_VMEXIT) {
			printf("# run: left with reason %d\n", (int)e->ex.reason);
			return 0xdead;
		}
		if (k->exit_code != SS_GHCB_VMGEXIT_CODE)
			return k->exit_code;
		e->ghcb_gpa = k->ghcb_gpa;
		int rc = ss_ghcb_handle(&e->gv, k->ghcb_gpa, &e->res, &E);
		if (rc < 0) {
			printf("# ghcb: %s\n", E.msg);
			return SS_GHCB_VMGEXIT_CODE;
		}
		if (e->res.refused)
			printf("# ghcb refused: %s\n", e->res.why);
		if (e->res.msr_protocol)
			e->n_msr_proto++;
		else
			e->n_page++;
		k->ghcb_gpa = e->res.msr;
	}
	return 0xdead;
}

TEST(sev_es_guest_through_the_ghcb)
{
	es E_, *e = &E_;
	REQUIRE(boot(e, CASE_SERVICES));
	uint64_t code = run(e);
	CHECK(code == 0x078u /* HLT */);
	CHECK(e->ready && e->done && !e->trap);
	/* Version 2 negotiated through SEV_INFO, C-bit 51 from SEV_INFO and CPUID (MSR protocol
	 * before the GHCB existed: SEV_INFO, then four registers for each CPUID: vc.c's 0x8000001F,
	 * sev_detect.c's 0x80000000 and 0x8000001F). */
	CHECK(e->value[0] == 2);
	CHECK(e->value[1] == 1ull << CBIT);
	CHECK(e->n_msr_proto == 1 + 3 * 4);
	/* The page protocol carried everything else. */
	uint32_t ebx;
	memcpy(&ebx, "soft", 4);
	CHECK(e->value[2] == ebx);
	CHECK(e->n_data_out == 1 && e->data_out[0] == 0x5A);
	CHECK(e->n_bulk_out == BULK_LEN && e->bulk_bad == 0);
	CHECK(e->n_bulk_in == 3);
	CHECK(e->msr_test == 0x1122334455667788ull);
	CHECK(e->n_tsc == 1);
	CHECK(e->value[3] > 10);
	CHECK(e->gv.count == e->n_msr_proto + e->n_page);
	/* The guest's GHCB is shared (plaintext to the host); its image is private (the host
	 * reads ciphertext where the entry code is). */
	ss_ghcb g;
	REQUIRE(g_read(e, e->ghcb_gpa, &g, sizeof(g), &E) == 0);
	CHECK(g.protocol_version == 2 && g.ghcb_usage == 0);
	CHECK(g.sw_exit_code == SS_GHCB_NAE_IOIO);
	uint8_t raw[16], plain[16];
	REQUIRE(host_read(e, GBASE + SS_GUEST_LOAD, raw, 16) == 0);
	REQUIRE(ss_mem_fw_read(e->fw, ASID, GBASE + SS_GUEST_LOAD, plain, 16, &E) == 0);
	CHECK(memcmp(raw, plain, 16) != 0);
	fini(e);
}

TEST(sev_es_guest_terminates)
{
	es E_, *e = &E_;
	REQUIRE(boot(e, CASE_TERMINATE));
	CHECK(run(e) == SS_GHCB_VMGEXIT_CODE);
	CHECK(e->ready && !e->done);
	CHECK(e->res.action == SS_GHCB_TERMINATE);
	CHECK(e->res.term_set == 1 && e->res.term_code == 4);
	CHECK_CONTAINS(E.msg, "reason set 1 code 4");
	fini(e);
}

TEST_MAIN(sev_es_guest_through_the_ghcb, sev_es_guest_terminates)

#endif
