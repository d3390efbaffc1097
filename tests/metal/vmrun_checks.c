/* VMRUN's consistency checks (APM vol. 2 §15.5.1, cpu-svm-sev.md §9.3), one case per rule: a
 * guest that has run (so its VMCB is known to be valid) gets a VMCB that breaks exactly one rule;
 * VMRUN must fail with VMEXIT_INVALID naming that rule, and the same VMCB with the change undone
 * must run the guest to its end. The rules are read from src/cpu/svm.c (every RULE(..., "name")
 * line), so a rule added there without a case here fails this test. */
#include <stdint.h>

#ifdef SS_GUEST

#include <ss_guest/guest.h>

void guest_main(uint64_t c)
{
	(void)c; /* nothing to do: the host only needs a guest that can run again */
}

#else /* host */

#include "metal_host.h"

typedef void (*mutate_fn)(metal *m);
#define K(m)	(&(m)->v->control)
#define S(m)	(&(m)->v->save)

static void m_no_vmrun(metal *m)
{
	K(m)->intercept_misc2 &= ~(uint32_t)SS_ICPT4_VMRUN;
}
static void m_asid0(metal *m)
{
	K(m)->asid = 0;
}
static void m_svme(metal *m)
{
	S(m)->efer &= ~0x1000ull;
}
static void m_efer_rsvd(metal *m)
{
	S(m)->efer |= 1ull << 20;
}
static void m_cd_nw(metal *m)
{
	S(m)->cr0 |= 1ull << 29; /* NW with CD clear */
}
static void m_cr0_hi(metal *m)
{
	S(m)->cr0 |= 1ull << 32;
}
static void m_cr3(metal *m)
{
	S(m)->cr3 |= 1ull << 60;
}
static void m_cr4(metal *m)
{
	S(m)->cr4 |= 1ull << 30;
}
static void m_dr6(metal *m)
{
	S(m)->dr6 |= 1ull << 40;
}
static void m_dr7(metal *m)
{
	S(m)->dr7 |= 1ull << 40;
}
static void m_pae(metal *m)
{
	S(m)->cr4 &= ~0x20ull;
}
static void m_pe(metal *m)
{
	S(m)->cr0 &= ~1ull;
}
static void m_csld(metal *m)
{
	S(m)->cs.attrib |= 0x400;
}
static void m_iopm(metal *m)
{
	K(m)->iopm_base_pa = (1ull << 52) - 0x2000;
}
static void m_msrpm(metal *m)
{
	K(m)->msrpm_base_pa = (1ull << 52) - 0x1000;
}
static void m_evtype(metal *m)
{
	K(m)->event_inj = SS_EVTINJ_VALID | (1u << 8) | 32;
}
static void m_evnmi(metal *m)
{
	K(m)->event_inj = SS_EVTINJ_VALID | (SS_EVTINJ_TYPE_EXC << 8) | 2;
}
static void m_ncr3(metal *m)
{
	K(m)->nested_cr3 |= 1ull << 55;
}
static void m_es_no_sev(metal *m)
{
	K(m)->nested_ctl |= SS_NESTED_CTL_SEV_ES;
}
static void m_sev_no_np(metal *m)
{
	K(m)->nested_ctl = SS_NESTED_CTL_SEV;
}
static void m_sev_syscfg(metal *m)
{
	K(m)->nested_ctl |= SS_NESTED_CTL_SEV;
	K(m)->asid = 20;
	metal_regs(m)->syscfg = 0;
}
static void m_sev_asid_hi(metal *m)
{
	K(m)->nested_ctl |= SS_NESTED_CTL_SEV;
	K(m)->asid = 300;
}
static void m_sev_asid_lo(metal *m)
{
	K(m)->nested_ctl |= SS_NESTED_CTL_SEV;
	K(m)->asid = 3;
}
static void m_es_asid(metal *m)
{
	K(m)->nested_ctl |= SS_NESTED_CTL_SEV | SS_NESTED_CTL_SEV_ES;
	K(m)->asid = 20;
	K(m)->vmsa_pa = 0x300000;
}
static void m_es_vmsa(metal *m)
{
	K(m)->nested_ctl |= SS_NESTED_CTL_SEV | SS_NESTED_CTL_SEV_ES;
	K(m)->vmsa_pa = 0x300010;
}

static const struct rule_case {
	const char *rule; /* exactly as in src/cpu/svm.c */
	mutate_fn fn;
} rule_cases[] = {
    {"VMRUN intercept bit clear", m_no_vmrun},
    {"guest ASID is 0", m_asid0},
    {"guest EFER.SVME is 0", m_svme},
    {"guest EFER reserved bits set", m_efer_rsvd},
    {"CR0.CD=0 with CR0.NW=1", m_cd_nw},
    {"CR0[63:32] not zero", m_cr0_hi},
    {"CR3 reserved bits set", m_cr3},
    {"CR4 reserved bits set", m_cr4},
    {"DR6[63:32] not zero", m_dr6},
    {"DR7[63:32] not zero", m_dr7},
    {"EFER.LME and CR0.PG with CR4.PAE=0", m_pae},
    {"EFER.LME and CR0.PG with CR0.PE=0", m_pe},
    {"long mode with CS.L=1 and CS.D=1", m_csld},
    {"IOPM_BASE_PA beyond the physical address space", m_iopm},
    {"MSRPM_BASE_PA beyond the physical address space", m_msrpm},
    {"EVENTINJ type reserved", m_evtype},
    {"EVENTINJ exception with vector 2 or above 31", m_evnmi},
    {"nCR3 reserved bits set", m_ncr3},
    {"SEV-ES enabled without SEV", m_es_no_sev},
    {"SEV without nested paging", m_sev_no_np},
    {"SEV with SYSCFG.MemEncryptionModEn=0", m_sev_syscfg},
    {"SEV ASID above CPUID 8000001F ECX", m_sev_asid_hi},
    {"plain SEV ASID below the minimum (EDX)", m_sev_asid_lo},
    {"SEV-ES ASID not below the SEV-only minimum (EDX)", m_es_asid},
    {"SEV-ES VMSA pointer 0 or unaligned", m_es_vmsa},
};
#define N_CASES (sizeof(rule_cases) / sizeof(rule_cases[0]))

/* The rule names of src/cpu/svm.c: the last string literal of every RULE(...) use. */
static size_t read_rules(char names[][96], size_t max)
{
	const char *dir = getenv("SOFTSEV_SRCDIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/src/cpu/svm.c", dir ? dir : ".");
	FILE *f = fopen(path, "rb");
	if (!f) {
		printf("# cannot read %s (SOFTSEV_SRCDIR)\n", path);
		return 0;
	}
	static char text[1 << 20];
	size_t len = fread(text, 1, sizeof(text) - 1, f), n = 0;
	fclose(f);
	text[len] = 0;
	for (const char *p = strstr(text, "RULE("); p && n < max; p = strstr(p + 5, "RULE(")) {
		if (p >= text + 8 && !strncmp(p - 8, "#define ", 8))
			continue;
		/* Up to the closing parenthesis, skipping string contents; keep the last literal.
		 */
		int depth = 0;
		const char *q = p + 4, *lit = NULL, *lit_end = NULL;
		for (; *q; q++) {
			if (*q == '"') {
				lit = q + 1;
				for (q++; *q && *q != '"'; q++)
					if (*q == '\\' && q[1])
						q++;
				lit_end = q;
			} else if (*q == '(') {
				depth++;
			} else if (*q == ')' && --depth == 0) {
				break;
			}
		}
		if (!lit || !lit_end || lit_end - lit >= 96)
			continue;
		memcpy(names[n], lit, (size_t)(lit_end - lit));
		names[n][lit_end - lit] = 0;
		n++;
	}
	return n;
}

TEST(every_rule_in_svm_c_has_a_case)
{
	static char names[128][96];
	size_t n = read_rules(names, 128);
	REQUIRE(n >= N_CASES);
	for (size_t k = 0; k < n; k++) {
		size_t j = 0;
		while (j < N_CASES && strcmp(rule_cases[j].rule, names[k]))
			j++;
		if (j == N_CASES) {
			printf("# rule \"%s\" of src/cpu/svm.c has no case in %s\n", names[k],
			       __FILE__);
			ss_test_failed_checks++;
		}
	}
	for (size_t j = 0; j < N_CASES; j++) {
		size_t k = 0;
		while (k < n && strcmp(rule_cases[j].rule, names[k]))
			k++;
		if (k == n) {
			printf("# case \"%s\" names no rule of src/cpu/svm.c\n",
			       rule_cases[j].rule);
			ss_test_failed_checks++;
		}
	}
}

TEST(each_rule_alone_gives_vmexit_invalid)
{
	static ss_vmcb saved;
	for (size_t j = 0; j < N_CASES; j++) {
		metal m;
		METAL_REQUIRE(&m, metal_boot(&m, 0), METAL_READY);
		memcpy(&saved, m.v, sizeof(saved));
		uint64_t syscfg = metal_regs(&m)->syscfg;
		rule_cases[j].fn(&m);
		uint64_t code = metal_run(&m);
		if (!metal_is(&m, code, SS_SVM_EXIT_INVALID) || !m.ex.detail ||
		    strcmp(m.ex.detail, rule_cases[j].rule)) {
			printf("# rule \"%s\": detail \"%s\"\n", rule_cases[j].rule,
			       m.ex.detail ? m.ex.detail : "(none)");
			ss_test_failed_checks++;
		}
		/* Undone, the same guest runs on to its end. */
		memcpy(m.v, &saved, sizeof(saved));
		metal_regs(&m)->syscfg = syscfg;
		METAL_CHECK(&m, metal_run(&m), METAL_DONE);
		metal_free(&m);
	}
}

TEST_MAIN(every_rule_in_svm_c_has_a_case, each_rule_alone_gives_vmexit_invalid)

#endif
