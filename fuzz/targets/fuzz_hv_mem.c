/* A hostile guest and hypervisor against the CPU on the memory model (include/softsev/hv_mem.h,
 * cpu-svm-sev.md §8, §9): the input chooses the guest's kind (plain, SEV, SNP), the RMP state,
 * key and nested C-bit of each of its 16 pages, the guest PTEs' C-bits, its VMPL, registers and
 * up to 256 code bytes; the guest runs through ss_cpu_vmrun on ss_hv_mem_ops in a few rounds,
 * with host RMPUPDATE/PSMASH, firmware rewrites and key changes in between. After every round
 * the harness checks that only architectural outcomes happened:
 *  - ss_cpu_vmrun returns 0 (or names an unimplemented mode), the CPU is back in the host with a
 *    #VMEXIT whose code the VMCB holds, and the exit code is one of the architectural ones;
 *  - the hypervisor's own pages (VMCB, nested tables) and the RMP stay as the host set them: no
 *    guest access or instruction made them assigned or changed a byte of them;
 *  - the SNP guest's secret page (private, validated, never mapped for the guest) still holds its
 *    plaintext under the guest's key and ciphertext in DRAM.
 * Any violation aborts (a crash for libFuzzer, a failure for the replay test). */
#include <softsev/abi/svm_exit.h>
#include <softsev/abi/vmcb.h>
#include <softsev/cpu.h>
#include <softsev/hv_mem.h>
#include <softsev/mem.h>
#include "fuzz_input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DRAM	 (8u << 20)
#define RMP_BASE 0x7E0000u /* 128 KiB at the top */
#define NPT	 0x100000u /* nested PML4, PDPT, PD, PT */
#define VMCB	 0x110000u
#define IOPM	 0x120000u
#define MSRPM	 0x130000u
#define GBASE	 0x400000u /* gPA 0 = sPA 4 MiB */
#define GPT	 0x1000u   /* guest PML4, PDPT, PD, PT (gPA) */
#define CODE	 0x8000u   /* guest code page (gPA) */
#define NPAGES	 16u	   /* guest pages 0..15 (gPA 0..0xFFFF) */
#define SECRET	 0x600000u /* the SNP guest's secret page (sPA), assigned at gPA 0x20000 */
#define ASID	 1
#define CBIT	 51
#define ROUNDS	 4

#define FAILIF(cond) FZ_FAILIF("fuzz_hv_mem", cond)

static const uint8_t secret[16] = "softsev secret!";

static void hwrite(struct ss_mem *m, uint64_t spa, const void *b, size_t n)
{
	struct ss_mem_access a = {.actor = SS_MEM_HOST, .type = SS_MEM_WRITE};
	struct ss_mem_fault f;
	FAILIF(ss_mem_write(m, &a, spa, b, n, &f, NULL) != 0);
}

static void hread(struct ss_mem *m, uint64_t spa, void *b, size_t n)
{
	struct ss_mem_access a = {.actor = SS_MEM_HOST, .type = SS_MEM_READ};
	struct ss_mem_fault f;
	FAILIF(ss_mem_read(m, &a, spa, b, n, &f, NULL) != 0);
}

/* The exit codes a #VMEXIT may carry here (abi/svm_exit.h ranges). */
static int exit_code_ok(uint64_t code)
{
	return code <= 0x0FF || code == SS_SVM_EXIT_NPF || code == 0x401 || code == 0x402 ||
	       code == 0x403 || code == SS_SVM_EXIT_INVALID;
}

static struct ss_rmp_result R;
static struct ss_mem_fault F;

static void rmpupdate(struct ss_mem *m, uint64_t spa, uint64_t gpa, int assigned, int size)
{
	struct ss_abi_rmp_state st = {
	    .gpa = gpa, .assigned = (uint8_t)assigned, .pagesize = (uint8_t)size, .asid = ASID};
	if (!assigned)
		st.asid = 0, st.gpa = 0;
	FAILIF(ss_mem_rmpupdate(m, spa, &st, &R, &F, NULL) != 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_rd in = {data, size};
	unsigned mode = (unsigned)fz_take(&in, 1) % 3; /* 0 plain, 1 SEV, 2 SNP */
	struct ss_mem_config mc = {.dram_size = DRAM, .max_asid = 3, .seed = 7};
	struct ss_mem *m;
	struct ss_hv_mem *hm;
	ss_cpu *c;
	FAILIF(ss_mem_create(&mc, &m, NULL));
	struct ss_mem_fw *fw = ss_mem_claim_firmware_port(m);
	FAILIF(ss_mem_set_rmp_range(m, RMP_BASE, DRAM - 1, NULL) || ss_mem_snp_enable(m, NULL));
	FAILIF(ss_hv_mem_new(m, &hm, NULL));
	uint8_t key[32];
	for (unsigned i = 0; i < 32; i++)
		key[i] = (uint8_t)(i * 13 + 5);
	if (mode)
		FAILIF(ss_mem_fw_key_load(fw, ASID, key, 32,
					  mode == 2 ? SS_MEM_KEY_SNP : SS_MEM_KEY_SEV, NULL));
	ss_cpu_config cfg = {.mem = &ss_hv_mem_ops,
			     .mem_ctx = hm,
			     .flat_long_mode = true,
			     .sev_leaf = {0x1B, CBIT | (1u << 6), 3, 1}};
	FAILIF(ss_cpu_new(&cfg, &c, NULL));
	ss_hv_mem_attach(hm, c);
	ss_cpu_regs *r = ss_cpu_regs_of(c);
	r->cr0 &= ~0x80000000ull;
	ss_cpu_set_long_mode(c, false);
	r->efer |= 0x1000;
	r->syscfg = 1ull << 23;

	/* Nested tables: gPA [0, 64 KiB) in 4 KiB pages, each with an input-chosen host C-bit;
	 * everything else unmapped (#NPF). */
	uint64_t e;
	e = (NPT + 0x1000) | 7, hwrite(m, NPT, &e, 8);
	e = (NPT + 0x2000) | 7, hwrite(m, NPT + 0x1000, &e, 8);
	e = (NPT + 0x3000) | 7, hwrite(m, NPT + 0x2000, &e, 8);
	uint8_t npt_page[4096] = {0}, rmp_state[NPAGES];
	uint16_t cbits = (uint16_t)fz_take(&in, 2), hostc = (uint16_t)fz_take(&in, 2);
	for (unsigned i = 0; i < NPAGES; i++) {
		e = (GBASE + 0x1000ull * i) | 0x67 | ((hostc >> i) & 1 ? 1ull << CBIT : 0);
		memcpy(npt_page + 8 * i, &e, 8);
		rmp_state[i] = (uint8_t)fz_take(&in, 1);
	}
	hwrite(m, NPT + 0x3000, npt_page, sizeof(npt_page));
	/* Guest tables: linear [0, 64 KiB) -> gPA in 4 KiB pages, C-bit per page from the input
	 * (no C-bit for a plain guest). */
	uint64_t cb = mode ? 1ull << CBIT : 0;
	uint64_t t[4] = {(GPT + 0x1000) | cb | 0x23, (GPT + 0x2000) | cb | 0x23,
			 (GPT + 0x3000) | cb | 0x23, 0};
	uint64_t pt[NPAGES];
	for (unsigned i = 0; i < NPAGES; i++)
		pt[i] = (0x1000ull * i) | 0x63 | ((cbits >> i) & 1 ? cb : 0);
	uint16_t k = mode ? ASID : SS_MEM_FW_NOKEY;
	FAILIF(ss_mem_fw_write(fw, k, GBASE + GPT, &t[0], 8, NULL));
	FAILIF(ss_mem_fw_write(fw, k, GBASE + GPT + 0x1000, &t[1], 8, NULL));
	FAILIF(ss_mem_fw_write(fw, k, GBASE + GPT + 0x2000, &t[2], 8, NULL));
	FAILIF(ss_mem_fw_write(fw, k, GBASE + GPT + 0x3000, pt, sizeof(pt), NULL));
	uint8_t code[256] = {0};
	size_t ncode = in.n < 256 ? in.n : 256;
	for (size_t i = 0; i < ncode; i++)
		code[i] = (uint8_t)fz_take(&in, 1);
	code[ncode < 256 ? ncode : 255] = 0xF4; /* hlt after the input's bytes */
	FAILIF(ss_mem_fw_write(fw, k, GBASE + CODE, code, sizeof(code), NULL));
	/* SNP: each page's RMP state from the input: hypervisor, assigned, validated, VMPL1 rights,
	 * at its own GPA or another one. The secret page is assigned but never mapped. */
	if (mode == 2) {
		for (unsigned i = 0; i < NPAGES; i++) {
			unsigned s = rmp_state[i];
			if (!(s & 1))
				continue;
			uint64_t gpa = (s & 0x10) ? 0x1000ull * ((i + 1) % NPAGES) : 0x1000ull * i;
			rmpupdate(m, GBASE + 0x1000ull * i, gpa, 1, 0);
			if (s & 2) {
				struct ss_mem_guest_op o = {.asid = ASID,
							    .gva = gpa,
							    .gpa = gpa,
							    .spa = GBASE + 0x1000ull * i,
							    .rdx = 1};
				FAILIF(ss_mem_pvalidate(m, &o, &R, &F, NULL) < 0);
				o.rdx =
				    1 | (uint64_t)((s >> 2) & 3) << 8 | (uint64_t)(s & 0x20) << 6;
				FAILIF(ss_mem_rmpadjust(m, &o, &R, &F, NULL) < 0);
			}
		}
		rmpupdate(m, SECRET, 0x20000, 1, 0);
		struct ss_mem_guest_op o = {
		    .asid = ASID, .gva = 0x20000, .gpa = 0x20000, .spa = SECRET, .rdx = 1};
		FAILIF(ss_mem_pvalidate(m, &o, &R, &F, NULL) != 0 || R.eax);
	}
	if (mode)
		FAILIF(ss_mem_fw_write(fw, ASID, SECRET, secret, 16, NULL));

	ss_vmcb v;
	memset(&v, 0, sizeof(v));
	v.control.intercept_misc1 = SS_ICPT3_HLT | SS_ICPT3_SHUTDOWN;
	v.control.intercept_misc2 = SS_ICPT4_VMRUN;
	v.control.intercept_exc = (uint32_t)fz_take(&in, 4);
	v.control.iopm_base_pa = IOPM;
	v.control.msrpm_base_pa = MSRPM;
	v.control.asid = ASID;
	v.control.nested_ctl = SS_NESTED_CTL_NP | (mode ? SS_NESTED_CTL_SEV : 0);
	v.control.nested_cr3 = NPT;
	v.control.tlb_ctl = 1;
	v.save.cs = (ss_vmsa_segment){0x08, 0x29b, 0xffffffff, 0};
	v.save.ss = v.save.ds = v.save.es = (ss_vmsa_segment){0x10, 0xc93, 0xffffffff, 0};
	v.save.efer = 0x1000 | 0x500 | 0x800;
	v.save.cr0 = 0x80000011;
	v.save.cr3 = GPT | cb;
	v.save.cr4 = 0x20;
	v.save.rsp = 0x7000;
	v.save.g_pat = 0x0007040600070406ull;
	uint8_t before_npt[4096];
	hread(m, NPT + 0x3000, before_npt, sizeof(before_npt));

	for (unsigned round = 0; round < ROUNDS; round++) {
		v.save.rip = CODE + (fz_take(&in, 1) & 0x3F);
		v.save.rflags = 2;
		v.save.vmpl = (uint8_t)(fz_take(&in, 1) % 4);
		v.save.rax = fz_take(&in, 8);
		for (unsigned g = 1; g < 16; g++)
			if (g != SS_RSP)
				r->gpr[g] = fz_take(&in, 1) & 1 ? fz_take(&in, 4)
								: 0x1000ull * (g % NPAGES);
		hwrite(m, VMCB, &v, sizeof(v));
		ss_cpu_exit ex;
		ss_error err;
		int rc = ss_cpu_vmrun(c, VMCB, 300, &ex, &err);
		FAILIF(rc != 0 && rc != SS_ENOTIMPL && rc != SS_EUNSUPPORTED);
		ss_vmcb out;
		hread(m, VMCB, &out, sizeof(out));
		if (rc == 0) {
			FAILIF(ex.reason != SS_CPU_EXIT_VMEXIT);
			FAILIF(out.control.exit_code != ex.vmexit_code);
			FAILIF(!exit_code_ok(ex.vmexit_code));
		}
		/* The host's pages are the host's. */
		uint8_t npt_now[4096];
		hread(m, NPT + 0x3000, npt_now, sizeof(npt_now));
		FAILIF(memcmp(npt_now, before_npt, sizeof(npt_now)) != 0);
		struct ss_rmp_entry re;
		FAILIF(ss_mem_rmp_entry(m, VMCB, &re, NULL) || re.assigned);
		FAILIF(ss_mem_rmp_entry(m, NPT + 0x3000, &re, NULL) || re.assigned);
		FAILIF(ss_mem_rmp_entry(m, RMP_BASE, &re, NULL) || !re.assigned || !re.immutable);
		if (mode == 2) {
			uint8_t b[16];
			FAILIF(ss_mem_fw_read(fw, ASID, SECRET, b, 16, NULL));
			FAILIF(memcmp(b, secret, 16) != 0);
			hread(m, SECRET, b, 16);
			FAILIF(memcmp(b, secret, 16) == 0);
		}
		/* Between rounds, the host and the firmware change things under the guest. */
		unsigned what = (unsigned)fz_take(&in, 1);
		unsigned pg = (unsigned)fz_take(&in, 1) % NPAGES;
		uint64_t spa = GBASE + 0x1000ull * pg;
		switch (what % 6) {
		case 0: break;
		case 1: /* RMPUPDATE of a guest page (assign, reclaim or a 2 MiB attempt) */
			rmpupdate(m, (what & 0x40) ? GBASE : spa, 0x1000ull * pg, (what >> 3) & 1,
				  (what >> 6) & 1);
			break;
		case 2: /* PSMASH */ FAILIF(ss_mem_psmash(m, GBASE, &R, &F, NULL) != 0); break;
		case 3: { /* the firmware rewrites a code byte under the guest's key */
			uint8_t b = (uint8_t)fz_take(&in, 1);
			FAILIF(ss_mem_fw_write(fw, k, GBASE + CODE + (fz_take(&in, 1) & 0xFF), &b,
					       1, NULL));
			break;
		}
		case 4: { /* the host writes a guest page (faults on assigned pages under SNP) */
			struct ss_mem_access a = {.actor = SS_MEM_HOST, .type = SS_MEM_WRITE};
			uint64_t x = fz_take(&in, 8);
			FAILIF(ss_mem_write(m, &a, spa + 8 * (what >> 4), &x, 8, &F, NULL) < 0);
			break;
		}
		case 5: /* the key slot is reloaded (SEV/SNP) */
			if (mode)
				FAILIF(ss_mem_fw_key_load(
				    fw, ASID, key, 32, mode == 2 ? SS_MEM_KEY_SNP : SS_MEM_KEY_SEV,
				    NULL));
			break;
		}
	}
	ss_cpu_free(c);
	ss_mem_destroy(m);
	ss_hv_mem_free(hm);
	return 0;
}
