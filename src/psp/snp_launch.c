/* SEV-SNP guest contexts and the launch (psp/snp_internal.h): SNP_GCTX_CREATE, SNP_ACTIVATE(_EX),
 * SNP_DECOMMISSION, SNP_GUEST_STATUS, SNP_LAUNCH_START, SNP_LAUNCH_UPDATE, SNP_LAUNCH_FINISH,
 * SNP_DBG_DECRYPT / SNP_DBG_ENCRYPT. Numbers: firmware-abi.md §4.2 (states), §4.4 (buffers),
 * §4.5 (policy), §4.6 (PAGE_INFO chain), §4.7 (secrets page), §4.8 (CPUID page), §4.9 (ID block).
 * The dispatcher (dispatch.c) has checked the buffer size, the SNP platform state and, for rows
 * with SS_PSP_F_GCTX, that the context exists and is in an allowed state. Where the spec marks
 * an order or a status code [I]nferred, the choice made here is written next to the check. */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <softsev/abi/snp_page_info.h>
#include <softsev/idblock.h>

#include "psp/snp_internal.h"

#define PAGE	    4096u
#define PAGE_MASK   ((uint64_t)PAGE - 1)
#define VEK_LEN_128 32u /* AES-128-XTS: K1 || K2 */
#define VEK_LEN_256 64u /* AES-256-XTS (policy MEM_AES_256_XTS) */

#define POLICY(bit) (1ull << (bit))
#define P_SMT	    POLICY(16)
#define P_MBO	    POLICY(17)
#define P_MIGR_MA   POLICY(18)
#define P_DEBUG	    POLICY(19)
#define P_SINGLE    POLICY(20)
#define P_AES256    POLICY(22)
#define P_RAPL_DIS  POLICY(23)
#define P_CT_HIDING POLICY(24)

uint32_t ss_psp_snp_fms(ss_snp_product p)
{
	switch (p) {
	case SS_SNP_GENOA: return 0x00A10F11u; /* family 19h model 11h stepping 1 */
	case SS_SNP_TURIN: return 0x00B00F21u; /* family 1Ah model 02h stepping 1 */
	default: return 0x00A00F11u;	       /* Milan: family 19h model 01h stepping 1 */
	}
}

static uint32_t no_memory_key(uint32_t asid, int rc, ss_error *err)
{
	return ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM, "loading the key of ASID %u failed (%s)",
			   asid, ss_status_name(rc));
}

/* ---- SNP_GCTX_CREATE (§4.4) ------------------------------------------------------------------
 * 1. gctx_paddr is 4 KiB aligned (INVALID_ADDRESS);
 * 2. it is not already a context (INVALID_PAGE_STATE: its RMP entry is a Context page);
 * 3. the page is a firmware page (INVALID_PAGE_STATE, ss_psp_rmp_expect_firmware);
 * 4. a free context slot (RESOURCE_LIMIT);
 * 5. the page becomes a Context page in the RMP (assigned, immutable, VMSA, ASID 0, GPA 0: §4.2),
 *    the context starts in GSTATE_INIT. */
uint32_t ss_psp_snp_gctx_create(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)g;
	struct ss_snp_data_gctx d;
	memcpy(&d, buf, sizeof(d));
	uint64_t pa = d.gctx_paddr & psp->addr_mask;
	if (pa & PAGE_MASK)
		return ss_psp_fail(err, SS_SEV_INVALID_ADDRESS,
				   "gctx_create.gctx_paddr 0x%llx is not 4 KiB aligned",
				   (unsigned long long)pa);
	if (ss_psp_snp_find_gctx(psp, pa))
		return ss_psp_fail(err, SS_SEV_INVALID_PAGE_STATE,
				   "gctx_create.gctx_paddr 0x%llx is already a guest context",
				   (unsigned long long)pa);
	uint32_t st = ss_psp_rmp_expect_firmware(psp, pa, "gctx_create.gctx_paddr", err);
	if (st)
		return st;
	struct ss_snp_gctx *n = NULL;
	for (unsigned i = 0; i < SS_SNP_MAX_GCTX && !n; i++)
		if (!psp->snp->gctx[i].used)
			n = &psp->snp->gctx[i];
	if (!n)
		return ss_psp_fail(err, SS_SEV_RESOURCE_LIMIT,
				   "all %u guest contexts are in use; SNP_DECOMMISSION one first",
				   SS_SNP_MAX_GCTX);
	struct ss_rmp_entry e = {.assigned = true, .immutable = true, .vmsa = true};
	st = ss_psp_rmp_set(psp, pa, &e, "gctx_create.gctx_paddr", err);
	if (st)
		return st;
	memset(n, 0, sizeof(*n));
	n->used = true;
	n->gctx_paddr = pa;
	n->state = SS_SNP_GSTATE_INIT;
	return SS_SEV_SUCCESS;
}

/* ---- SNP_ACTIVATE / SNP_ACTIVATE_EX (§4.4; the ASID rule of snp_internal.h) --------------------
 * 1. the ASID is in 1..nr_asids (INVALID_ASID);
 * 2. the context holds no other ASID (ACTIVE; the same ASID again succeeds);
 * 3. no other guest, legacy or SNP, holds the ASID (ASID_OWNED);
 * 4. the ASID does not await WBINVD + DF_FLUSH since its last owner (DFFLUSH_REQUIRED);
 * 5. the VEK (32 or 64 bytes) goes into the ASID's key slot in SNP mode (RMP checks on). */
static uint32_t bind_asid(ss_psp *psp, struct ss_snp_gctx *g, uint32_t asid, const char *what,
			  ss_error *err)
{
	if (!asid || asid > psp->nr_asids)
		return ss_psp_fail(err, SS_SEV_INVALID_ASID, "%s.asid %u is not in 1..%u", what,
				   asid, psp->nr_asids);
	if (g->asid == asid)
		return SS_SEV_SUCCESS;
	if (g->asid)
		return ss_psp_fail(err, SS_SEV_ACTIVE,
				   "%s: guest context 0x%llx is already bound to ASID %u", what,
				   (unsigned long long)g->gctx_paddr, g->asid);
	struct ss_psp_asid *a = &psp->asids[asid];
	if (a->state == SS_PSP_ASID_BOUND)
		return ss_psp_fail(err, SS_SEV_ASID_OWNED, "%s.asid %u is bound to %s guest", what,
				   asid, a->snp ? "another SNP" : "a legacy SEV");
	if (a->state != SS_PSP_ASID_FREE)
		return ss_psp_fail(err, SS_SEV_DFFLUSH_REQUIRED,
				   "%s.asid %u was freed and awaits %sDF_FLUSH", what, asid,
				   a->state == SS_PSP_ASID_NEED_WBINVD ? "WBINVD and " : "");
	if (!psp->mem || !psp->mem->set_key_snp)
		return ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM,
				   "%s: the memory has no SNP key slots", what);
	int rc = psp->mem->set_key_snp(psp->mem_ctx, asid, g->vek, g->vek_len);
	if (rc)
		return no_memory_key(asid, rc, err);
	a->state = SS_PSP_ASID_BOUND;
	a->handle = 0;
	a->snp = true;
	g->asid = asid;
	return SS_SEV_SUCCESS;
}

uint32_t ss_psp_snp_activate(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	struct ss_snp_data_activate d;
	memcpy(&d, buf, sizeof(d));
	return bind_asid(psp, g, d.asid, "activate", err);
}

/* ACTIVATE_EX carries gctx_paddr at 0x08, so the dispatcher cannot look the context up:
 * 1. ex_len is 0x20 (INVALID_LENGTH), the reserved dword 0 (INVALID_PARAM);
 * 2. gctx_paddr names a context (INVALID_GUEST) in LAUNCH or RUNNING (INVALID_GUEST_STATE);
 * 3. the APIC id list: at most one page of u32 ids (num_ids <= 1024, INVALID_PARAM), readable
 *    (INVALID_ADDRESS), no id twice (INVALID_PARAM). softsev has no per-core key slots, so the
 *    list restricts nothing further once checked;
 * 4. then as SNP_ACTIVATE. */
#define ACTIVATE_EX_MAX_IDS (PAGE / 4u)

uint32_t ss_psp_snp_activate_ex(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)g;
	struct ss_snp_data_activate_ex d;
	memcpy(&d, buf, sizeof(d));
	if (d.ex_len != sizeof(d))
		return ss_psp_fail(err, SS_SEV_INVALID_LENGTH, "activate_ex.ex_len %u is not 0x%zx",
				   d.ex_len, sizeof(d));
	if (d.reserved)
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "activate_ex reserved dword at 0x04 is 0x%x, must be 0",
				   d.reserved);
	uint64_t pa = d.gctx_paddr & psp->addr_mask;
	struct ss_snp_gctx *c = ss_psp_snp_find_gctx(psp, pa);
	if (!c)
		return ss_psp_fail(err, SS_SEV_INVALID_GUEST,
				   "activate_ex.gctx_paddr 0x%llx is not a guest context",
				   (unsigned long long)pa);
	if (c->state != SS_SNP_GSTATE_LAUNCH && c->state != SS_SNP_GSTATE_RUNNING)
		return ss_psp_fail(err, SS_SEV_INVALID_GUEST_STATE,
				   "SNP_ACTIVATE_EX needs guest state LAUNCH or RUNNING (gctx "
				   "0x%llx is in INIT)",
				   (unsigned long long)pa);
	if (d.num_ids > ACTIVATE_EX_MAX_IDS)
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "activate_ex.num_ids %u is above %u (one page of APIC ids)",
				   d.num_ids, ACTIVATE_EX_MAX_IDS);
	if (d.num_ids) {
		uint32_t *ids = malloc(d.num_ids * sizeof(*ids));
		if (!ids)
			return ss_psp_fail(err, SS_SEV_RESOURCE_LIMIT, "out of memory");
		uint32_t st = ss_psp_read(psp, d.ids_paddr, ids, d.num_ids * sizeof(*ids),
					  "activate_ex.ids_paddr", err);
		for (uint32_t i = 0; !st && i < d.num_ids; i++)
			for (uint32_t j = 0; !st && j < i; j++)
				if (ids[i] == ids[j])
					st = ss_psp_fail(
					    err, SS_SEV_INVALID_PARAM,
					    "activate_ex APIC id list: id %u appears at index %u "
					    "and %u",
					    ids[i], j, i);
		free(ids);
		if (st)
			return st;
	}
	return bind_asid(psp, c, d.asid, "activate_ex", err);
}

/* ---- SNP_DECOMMISSION (§4.2: any state) --------------------------------------------------------
 * 1. an activated context's key slot is emptied and its ASID awaits WBINVD + DF_FLUSH (the ASID
 *    rule of snp_internal.h);
 * 2. the GCTX page goes back to the firmware state (assigned, immutable, not VMSA): the host then
 *    takes it back with SNP_PAGE_RECLAIM + RMPUPDATE, as Linux's snp_free_firmware_page() does;
 * 3. the context is forgotten (its keys wiped). The guest's pages keep their RMP entries; they
 *    are mutable guest pages the host reclaims with RMPUPDATE. */
uint32_t ss_psp_snp_decommission(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)buf;
	struct ss_rmp_entry e = {.assigned = true, .immutable = true};
	uint32_t st = ss_psp_rmp_set(psp, g->gctx_paddr, &e, "decommission.gctx_paddr", err);
	if (st)
		return st;
	if (g->asid) {
		if (psp->mem && psp->mem->set_key)
			psp->mem->set_key(psp->mem_ctx, g->asid, NULL, 0);
		psp->asids[g->asid].state = SS_PSP_ASID_NEED_WBINVD;
		psp->asids[g->asid].handle = 0;
	}
	OPENSSL_cleanse(g, sizeof(*g));
	memset(g, 0, sizeof(*g));
	return SS_SEV_SUCCESS;
}

/* ---- SNP_GUEST_STATUS (§4.4) -------------------------------------------------------------------
 * The 0x18-byte output must lie in one page (INVALID_ADDRESS) that is a firmware page, as
 * SNP_PLATFORM_STATUS's output must be (§4.3; that the same rule holds here is [I]); the host
 * reclaims the page to read it. */
uint32_t ss_psp_snp_guest_status(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	struct ss_snp_data_guest_status d;
	memcpy(&d, buf, sizeof(d));
	uint64_t pa = d.status_paddr & psp->addr_mask;
	struct ss_snp_guest_status s = {
	    .policy = g->policy,
	    .asid = g->asid,
	    .state = g->state,
	    .vcek_dis = g->vcek_disabled ? 1u : 0u,
	};
	if ((pa & PAGE_MASK) + sizeof(s) > PAGE)
		return ss_psp_fail(err, SS_SEV_INVALID_ADDRESS,
				   "guest_status.status_paddr 0x%llx: the %zu-byte status crosses "
				   "a page boundary",
				   (unsigned long long)pa, sizeof(s));
	uint32_t st =
	    ss_psp_rmp_expect_firmware(psp, pa & ~PAGE_MASK, "guest_status.status_paddr", err);
	if (st)
		return st;
	return ss_psp_write(psp, pa, &s, sizeof(s), "guest_status.status_paddr", err);
}

/* ---- SNP_LAUNCH_START (§4.4, §4.5) -------------------------------------------------------------
 * 1. flags: only MA_EN and IMI_EN are defined (INVALID_PARAM);
 * 2. policy: reserved bits 63:26 zero and RSVD_MBO (bit 17) one (INVALID_PARAM: a malformed field
 *    rather than a policy this platform cannot honour);
 * 3. ABI_MAJOR.ABI_MINOR not above the firmware's (POLICY_FAILURE). The firmware version is the
 *    one PLATFORM_STATUS and SNP_PLATFORM_STATUS report (psp->p.api_major/minor): one firmware
 *    answers both APIs;
 * 4. the platform can honour the policy (POLICY_FAILURE): SMT is enabled on this part
 *    (SS_SNP_PART_SMT_EN), so SMT must be allowed; SINGLE_SOCKET is satisfied (one socket);
 *    MEM_AES_256_XTS is supported (FEATURE_INFO); RAPL_DIS needs SNP_INIT_EX RAPL_DIS;
 *    CIPHERTEXT_HIDING needs ciphertext hiding, which this part does not have;
 * 5. migration agent: ma_gctx_paddr must be 0 without MA_EN (INVALID_PARAM). With MA_EN the
 *    policy must allow MIGRATE_MA (POLICY_FAILURE) and ma_gctx_paddr name another context
 *    (INVALID_GUEST) that is RUNNING (INVALID_GUEST_STATE); REPORT_ID_MA is then the MA's
 *    REPORT_ID. softsev models the association only: the MA's guest messages (MSG_EXPORT/IMPORT)
 *    are not implemented;
 * 6. fresh random VEK, VMPCK0-3, VMRK and REPORT_ID; REPORT_ID_MA all 0xFF without an MA;
 *    LAUNCH_TCB := CURRENT_TCB; LD and IMD := 48 zero bytes; GOSVW, IMI_EN and desired_tsc_khz
 *    recorded (Secure TSC: the value is kept for the guest's TSC_INFO, nothing else uses it);
 * 7. INIT -> LAUNCH. */
uint32_t ss_psp_snp_launch_start(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	struct ss_snp_data_launch_start d;
	memcpy(&d, buf, sizeof(d));
	const uint32_t known = SS_SNP_LAUNCH_START_MA_EN | SS_SNP_LAUNCH_START_IMI_EN;
	if (d.flags & ~known)
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "launch_start.flags 0x%x has undefined bits 0x%x", d.flags,
				   d.flags & ~known);
	uint64_t pol = d.policy;
	if (pol & SS_SNP_POLICY_RESERVED_MASK)
		return ss_psp_fail(
		    err, SS_SEV_INVALID_PARAM,
		    "launch_start.policy 0x%llx has reserved bits 63:26 set (0x%llx)",
		    (unsigned long long)pol,
		    (unsigned long long)(pol & SS_SNP_POLICY_RESERVED_MASK));
	if (!(pol & P_MBO))
		return ss_psp_fail(
		    err, SS_SEV_INVALID_PARAM,
		    "launch_start.policy 0x%llx: bit 17 (reserved, must be one) is 0",
		    (unsigned long long)pol);
	unsigned maj = (unsigned)(pol >> SS_SNP_POLICY_ABI_MAJOR_SHIFT) & 0xFF;
	unsigned min = (unsigned)(pol & SS_SNP_POLICY_ABI_MINOR_MASK);
	if (maj > psp->p.api_major || (maj == psp->p.api_major && min > psp->p.api_minor))
		return ss_psp_fail(err, SS_SEV_POLICY_FAILURE,
				   "launch_start.policy asks for firmware ABI %u.%u, this firmware "
				   "is %u.%u",
				   maj, min, psp->p.api_major, psp->p.api_minor);
	if (SS_SNP_PART_SMT_EN && !(pol & P_SMT))
		return ss_psp_fail(
		    err, SS_SEV_POLICY_FAILURE,
		    "launch_start.policy 0x%llx forbids SMT (bit 16 clear) but SMT is "
		    "enabled on this platform",
		    (unsigned long long)pol);
	if ((pol & P_RAPL_DIS) && !psp->snp->rapl_dis)
		return ss_psp_fail(
		    err, SS_SEV_POLICY_FAILURE,
		    "launch_start.policy requires RAPL disabled (bit 23) but SNP_INIT "
		    "did not set RAPL_DIS");
	if (pol & P_CT_HIDING)
		return ss_psp_fail(err, SS_SEV_POLICY_FAILURE,
				   "launch_start.policy requires ciphertext hiding (bit 24), which "
				   "this platform does not have");
	struct ss_snp_gctx *ma = NULL;
	uint64_t ma_pa = d.ma_gctx_paddr & psp->addr_mask;
	if (!(d.flags & SS_SNP_LAUNCH_START_MA_EN)) {
		if (d.ma_gctx_paddr)
			return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
					   "launch_start.ma_gctx_paddr 0x%llx must be 0 without "
					   "MA_EN",
					   (unsigned long long)d.ma_gctx_paddr);
	} else {
		if (!(pol & P_MIGR_MA))
			return ss_psp_fail(err, SS_SEV_POLICY_FAILURE,
					   "launch_start.flags MA_EN but policy 0x%llx does not "
					   "allow a migration agent (bit 18)",
					   (unsigned long long)pol);
		ma = ss_psp_snp_find_gctx(psp, ma_pa);
		if (!ma || ma == g)
			return ss_psp_fail(err, SS_SEV_INVALID_GUEST,
					   "launch_start.ma_gctx_paddr 0x%llx is not another guest "
					   "context",
					   (unsigned long long)ma_pa);
		if (ma->state != SS_SNP_GSTATE_RUNNING)
			return ss_psp_fail(err, SS_SEV_INVALID_GUEST_STATE,
					   "launch_start.ma_gctx_paddr 0x%llx: the migration agent "
					   "is not RUNNING",
					   (unsigned long long)ma_pa);
	}
	size_t vek_len = (pol & P_AES256) ? VEK_LEN_256 : VEK_LEN_128;
	if (ss_random_bytes(g->vek, vek_len) || ss_random_bytes(g->vmpck, sizeof(g->vmpck)) ||
	    ss_random_bytes(g->vmrk, sizeof(g->vmrk)) ||
	    ss_random_bytes(g->report_id, sizeof(g->report_id)))
		return ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM, "random number generator failed");
	g->vek_len = vek_len;
	g->policy = pol;
	memset(g->msg_seqno, 0, sizeof(g->msg_seqno));
	memset(g->vmpck_disabled, 0, sizeof(g->vmpck_disabled));
	if (ma)
		memcpy(g->report_id_ma, ma->report_id, sizeof(g->report_id_ma));
	else
		memset(g->report_id_ma, 0xFF, sizeof(g->report_id_ma));
	g->ma_en = ma != NULL;
	g->ma_gctx_paddr = ma ? ma_pa : 0;
	g->imi_en = d.flags & SS_SNP_LAUNCH_START_IMI_EN;
	g->desired_tsc_khz = d.desired_tsc_khz;
	memcpy(g->gosvw, d.gosvw, sizeof(g->gosvw));
	memcpy(g->launch_tcb, psp->snp->current_tcb, sizeof(g->launch_tcb));
	memset(g->ld, 0, sizeof(g->ld));
	memset(g->imd, 0, sizeof(g->imd));
	g->state = SS_SNP_GSTATE_LAUNCH;
	return SS_SEV_SUCCESS;
}

/* ---- the CPUID page (§4.8) ---------------------------------------------------------------------
 * softsev's CPUID policy: what the emulated part (src/cpu/cpuid.c's model of a family 19h/1Ah
 * EPYC) offers. Per register: `allow` = bits that may be 1 (everything else is reserved or a
 * feature the part lacks: feature bits may only be cleared), `exact` = bits that must equal the
 * part's value (vendor strings, FMS, C-bit position), and up to two numeric fields that may not
 * exceed a maximum (highest leaf, address widths, XSAVE sizes). A leaf not in the table must be
 * all zero (the part returns zeros there). ECX_IN must be 0 for leaves without sub-leaves;
 * XCR0_IN/XSS_IN are meaningful only for leaf 0xD sub-leaves 0 and 1 and must be 0 elsewhere.
 * The real firmware's tables are not public (firmware-abi.md §7.4): this one is softsev's. */
struct cpuid_field {
	uint8_t shift, width;
	uint32_t max;
};

struct cpuid_reg_rule {
	uint32_t allow, exact, value; /* value: the part's value (for exact bits) */
	struct cpuid_field num[3];    /* width 0 = unused */
};

struct cpuid_rule {
	uint32_t leaf, sub;
	bool indexed;		    /* sub is meaningful */
	bool xsave;		    /* XCR0_IN / XSS_IN meaningful */
	struct cpuid_reg_rule r[4]; /* EAX, EBX, ECX, EDX */
};

#define ALL	   0xFFFFFFFFu
#define FMS_MARK   0xF00DF00Du /* replaced by the product's FMS */
#define VENDOR_EBX 0x68747541u /* "Auth" */
#define VENDOR_EDX 0x69746e65u /* "enti" */
#define VENDOR_ECX 0x444d4163u /* "cAMD" */
#define L1_ECX	   (1u | (1u << 13) | (1u << 23) | (1u << 26) | (1u << 27) | (1u << 31))
#define L1_EDX	   0x178bfbfdu
#define E1_ECX	   (1u | (1u << 2) | (1u << 5) | (1u << 8))
#define E1_EDX                                                                                     \
	((1u << 11) | (1u << 20) | (1u << 26) | (1u << 27) | (1u << 29) | (L1_EDX & 0x0183f3ffu))
#define EXACT(v)                                                                                   \
	{                                                                                          \
		.allow = ALL, .exact = ALL, .value = (v)                                           \
	}
#define MAY_CLEAR(v)                                                                               \
	{                                                                                          \
		.allow = (v)                                                                       \
	}

#define LEAF(l, a, b, c, d)                                                                        \
	{                                                                                          \
		l, 0, false, false,                                                                \
		{                                                                                  \
			a, b, c, d                                                                 \
		}                                                                                  \
	}
#define SUBLEAF(l, s, x, a, b, c, d)                                                               \
	{                                                                                          \
		l, s, true, x,                                                                     \
		{                                                                                  \
			a, b, c, d                                                                 \
		}                                                                                  \
	}
#define ANYVAL MAY_CLEAR(ALL)
#define ZERO   MAY_CLEAR(0)
#define NUM(max)                                                                                   \
	{                                                                                          \
		.allow = ALL, .num = { {0, 32, (max)} }                                            \
	}

#define L1_EBX                                                                                     \
	{                                                                                          \
		.allow = 0xFFFFFF00u, .exact = 0xFF00u, .value = 0x800u                            \
	}
#define E8_EAX                                                                                     \
	{                                                                                          \
		.allow = 0x00FFFFFFu, .num = { {0, 8, 48}, {8, 8, 48}, {16, 8, 48} }               \
	}
#define E1F_EBX                                                                                    \
	{                                                                                          \
		.allow = 0xFFFFu, .exact = 0xFFFFu, .value = 0x4133u                               \
	}

/* clang-format off */
static const struct cpuid_rule cpuid_rules[] = {
    LEAF(0, NUM(0x10), EXACT(VENDOR_EBX), EXACT(VENDOR_ECX), EXACT(VENDOR_EDX)),
    /* EBX: CLFLUSH size (15:8) exact, brand id (7:0) 0; logical count and APIC id free. */
    LEAF(1, EXACT(FMS_MARK), L1_EBX, MAY_CLEAR(L1_ECX), MAY_CLEAR(L1_EDX)),
    SUBLEAF(7, 0, false, ZERO, MAY_CLEAR((1u << 7) | (1u << 20)), ZERO, ZERO),
    SUBLEAF(0xD, 0, true, MAY_CLEAR(3), NUM(576), NUM(576), ZERO),
    SUBLEAF(0xD, 1, true, ZERO, ZERO, ZERO, ZERO),
    LEAF(0x80000000u, NUM(0x8000001Fu), EXACT(VENDOR_EBX), EXACT(VENDOR_ECX), EXACT(VENDOR_EDX)),
    LEAF(0x80000001u, EXACT(FMS_MARK), ZERO, MAY_CLEAR(E1_ECX), MAY_CLEAR(E1_EDX)),
    /* The brand string is the VMM's choice. */
    LEAF(0x80000002u, ANYVAL, ANYVAL, ANYVAL, ANYVAL),
    LEAF(0x80000003u, ANYVAL, ANYVAL, ANYVAL, ANYVAL),
    LEAF(0x80000004u, ANYVAL, ANYVAL, ANYVAL, ANYVAL),
    /* Physical (7:0), linear (15:8) and guest physical (23:16) address sizes: at most 48. */
    LEAF(0x80000008u, E8_EAX, ZERO, ZERO, ZERO),
    LEAF(0x8000000Au, EXACT(1), NUM(0x8000), ZERO,
	 MAY_CLEAR((1u << 0) | (1u << 3) | (1u << 5) | (1u << 6) | (1u << 7))),
    /* SEV leaf: features may be cleared; C-bit position (5:0), physical address reduction
     * (11:6) and the number of VMPLs (15:12) are the part's; ASID counts may only shrink. */
    LEAF(0x8000001Fu, MAY_CLEAR(0x0101FD3Fu), E1F_EBX, NUM(0x1FD), NUM(0xF)),
};
/* clang-format on */

static const char *const reg_names[4] = {"EAX", "EBX", "ECX", "EDX"};

static const struct cpuid_rule *cpuid_rule_for(uint32_t leaf, uint32_t sub, bool *leaf_known)
{
	*leaf_known = false;
	for (size_t i = 0; i < sizeof(cpuid_rules) / sizeof(cpuid_rules[0]); i++) {
		if (cpuid_rules[i].leaf != leaf)
			continue;
		*leaf_known = true;
		if (!cpuid_rules[i].indexed || cpuid_rules[i].sub == sub)
			return &cpuid_rules[i];
	}
	return NULL;
}

static uint32_t field_get(uint32_t v, const struct cpuid_field *f)
{
	return f->width == 32 ? v : (v >> f->shift) & ((1u << f->width) - 1);
}

static uint32_t field_set(uint32_t v, const struct cpuid_field *f, uint32_t x)
{
	if (f->width == 32)
		return x;
	uint32_t m = ((1u << f->width) - 1) << f->shift;
	return (v & ~m) | (x << f->shift);
}

/* Judges one register against its rule; returns the acceptable value (== v when v is fine). */
static uint32_t cpuid_fix_reg(const struct cpuid_reg_rule *r, uint32_t v, uint32_t fms)
{
	uint32_t value = r->value == FMS_MARK ? fms : r->value;
	uint32_t fixed = (v & r->allow & ~r->exact) | (value & r->exact);
	for (unsigned i = 0; i < 3 && r->num[i].width; i++)
		if (field_get(fixed, &r->num[i]) > r->num[i].max)
			fixed = field_set(fixed, &r->num[i], r->num[i].max);
	return fixed;
}

/* Checks the CPUID page in place, correcting every offending field to an acceptable value (§4.8).
 * Returns SUCCESS if nothing needed a change, else INVALID_PARAM naming the first problem. */
static uint32_t cpuid_page_check(struct ss_snp_cpuid_page *p, uint32_t fms, ss_error *err)
{
	uint32_t st = SS_SEV_SUCCESS;
#define CPUID_BAD(...)                                                                             \
	do {                                                                                       \
		if (!st)                                                                           \
			st = ss_psp_fail(err, SS_SEV_INVALID_PARAM, __VA_ARGS__);                  \
	} while (0)
	if (p->count > SS_SNP_CPUID_MAX_ENTRIES) {
		CPUID_BAD("CPUID page COUNT %u is above %u", p->count, SS_SNP_CPUID_MAX_ENTRIES);
		p->count = SS_SNP_CPUID_MAX_ENTRIES;
	}
	if (p->reserved_04 || p->reserved_08) {
		CPUID_BAD("CPUID page reserved fields at 0x04/0x08 are not zero");
		p->reserved_04 = 0;
		p->reserved_08 = 0;
	}
	for (uint32_t i = 0; i < p->count; i++) {
		struct ss_snp_cpuid_entry *e = &p->entries[i];
		bool known;
		const struct cpuid_rule *r = cpuid_rule_for(e->eax_in, e->ecx_in, &known);
		if (e->reserved) {
			CPUID_BAD("CPUID entry %u (leaf 0x%x): reserved qword at +0x28 is not zero",
				  i, e->eax_in);
			e->reserved = 0;
		}
		if (known && !r) {
			/* An indexed leaf's sub-leaf the part does not have: all zero. */
		} else if (r && !r->indexed && e->ecx_in) {
			CPUID_BAD("CPUID entry %u (leaf 0x%x) has ECX_IN 0x%x; the leaf has no "
				  "sub-leaves",
				  i, e->eax_in, e->ecx_in);
			e->ecx_in = 0;
		}
		if ((!r || !r->xsave) && (e->xcr0_in || e->xss_in)) {
			CPUID_BAD("CPUID entry %u (leaf 0x%x.%u) has XCR0_IN/XSS_IN set; only leaf "
				  "0xD sub-leaves 0 and 1 take them",
				  i, e->eax_in, e->ecx_in);
			e->xcr0_in = e->xss_in = 0;
		}
		uint32_t regs[4] = {e->eax, e->ebx, e->ecx, e->edx};
		for (unsigned k = 0; k < 4; k++) {
			uint32_t want = r ? cpuid_fix_reg(&r->r[k], regs[k], fms) : 0;
			if (want == regs[k])
				continue;
			CPUID_BAD("CPUID entry %u (leaf 0x%x.%u) %s is 0x%08x; this part accepts "
				  "0x%08x there (%s)",
				  i, e->eax_in, e->ecx_in, reg_names[k], regs[k], want,
				  r ? "reserved or unsupported bits, or a value the part fixes"
				    : "a leaf the part does not have must be zero");
			regs[k] = want;
		}
		e->eax = regs[0];
		e->ebx = regs[1];
		e->ecx = regs[2];
		e->edx = regs[3];
	}
#undef CPUID_BAD
	return st;
}

/* ---- SNP_LAUNCH_UPDATE (§4.4, §4.6) ------------------------------------------------------------
 * 1. page_flags: only PAGE_SIZE, PAGE_TYPE and IMI_PAGE are defined, reserved fields 0
 *    (INVALID_PARAM); PAGE_TYPE is 1..6 (INVALID_PARAM); IMI_PAGE needs IMI_EN at LAUNCH_START
 *    (INVALID_PARAM); VMPL1-3 permissions use only the defined bits (INVALID_PARAM);
 * 2. PAGE_SIZE 2 MiB: refused with INVALID_PAGE_SIZE (the measurement of 2 MiB launch pages is
 *    not documented, §4.6, and softsev does not model it);
 * 3. the context holds an ASID (INACTIVE): pages are encrypted with its key;
 * 4. page_paddr is 4 KiB aligned (INVALID_ADDRESS);
 * 5. the page is pre-guest (§4.2): assigned (INVALID_PAGE_STATE), to this guest's ASID
 *    (INVALID_PAGE_OWNER), immutable, not validated, not a VMSA (INVALID_PAGE_STATE), a 4 KiB
 *    entry (INVALID_PAGE_SIZE). Its GPA is the one in the RMP entry (the host's RMPUPDATE);
 * 6. by type: NORMAL encrypts the plaintext in place (CONTENTS = SHA-384 of it); VMSA likewise,
 *    with CONTENTS = SHA-384 of the page with GUEST_TSC_SCALE/OFFSET (0x2F0..0x2FF) taken as
 *    zero (KVM gives VMSAs the GPA 0xFFFFFFFFF000, SS_SNP_VMSA_GPA); ZERO writes zeros;
 *    UNMEASURED encrypts in place; SECRETS is filled by the firmware (§4.7); CPUID is checked
 *    (§4.8) and, when a field is not acceptable, written back corrected in the clear, not added,
 *    and refused with INVALID_PARAM. CONTENTS is 48 zero bytes for the last four (§4.6);
 * 7. LD (or IMD for IMI pages) := SHA-384(PAGE_INFO);
 * 8. the RMP entry becomes guest-valid: immutable cleared, validated, VMSA for VMSA pages, VMPL0
 *    all permissions and VMPL1-3 those of the command. */
static void secrets_fill(ss_psp *psp, const struct ss_snp_gctx *g, struct ss_snp_secrets_page *s)
{
	memset(s, 0, sizeof(*s));
	s->version = SS_SNP_SECRETS_VERSION;
	s->imi_en = g->imi_en ? 1u : 0u;
	s->fms = ss_psp_snp_fms(psp->snp->product);
	memcpy(s->gosvw, g->gosvw, sizeof(s->gosvw));
	memcpy(s->vmpck, g->vmpck, sizeof(s->vmpck));
	/* TSC_FACTOR 0: the emulated TSC runs at exactly its nominal frequency. */
	s->tsc_factor = 0;
}

static uint32_t page_owned_by(ss_psp *psp, const struct ss_snp_gctx *g, uint64_t pa,
			      const struct ss_rmp_entry *e, const char *what, ss_error *err)
{
	if (!e->assigned)
		return ss_psp_fail(err, SS_SEV_INVALID_PAGE_STATE,
				   "%s 0x%llx is a hypervisor page (not assigned)", what,
				   (unsigned long long)pa);
	if (e->asid != g->asid)
		return ss_psp_fail(err, SS_SEV_INVALID_PAGE_OWNER,
				   "%s 0x%llx is assigned to ASID %u, the guest has ASID %u", what,
				   (unsigned long long)pa, e->asid, g->asid);
	(void)psp;
	return SS_SEV_SUCCESS;
}

uint32_t ss_psp_snp_launch_update(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	struct ss_snp_data_launch_update d;
	memcpy(&d, buf, sizeof(d));
	if (d.page_flags & ~SS_SNP_LU_FLAGS_KNOWN)
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "launch_update.page_flags 0x%x has undefined bits 0x%x",
				   d.page_flags, d.page_flags & ~SS_SNP_LU_FLAGS_KNOWN);
	if (d.reserved_0c || d.reserved_18 || d.reserved_1c)
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "launch_update reserved fields (0x0C, 0x18, 0x1C) must be 0");
	unsigned type = SS_SNP_LU_PAGE_TYPE(d.page_flags);
	if (type < SS_SNP_PAGE_NORMAL || type > SS_SNP_PAGE_CPUID)
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "launch_update.page_flags PAGE_TYPE %u is not 1..6", type);
	bool imi = d.page_flags & SS_SNP_LU_IMI_PAGE;
	if (imi && !g->imi_en)
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "launch_update.page_flags IMI_PAGE but LAUNCH_START did not set "
				   "IMI_EN");
	const uint8_t perms[3] = {d.vmpl1_perms, d.vmpl2_perms, d.vmpl3_perms};
	for (unsigned v = 0; v < 3; v++)
		if (perms[v] & ~SS_RMP_PERM_DEFINED)
			return ss_psp_fail(
			    err, SS_SEV_INVALID_PARAM,
			    "launch_update.vmpl%u_perms 0x%02x has reserved bits 7:5", v + 1,
			    perms[v]);
	if (d.page_flags & SS_SNP_LU_PAGE_SIZE_2M)
		return ss_psp_fail(err, SS_SEV_INVALID_PAGE_SIZE,
				   "launch_update.page_flags PAGE_SIZE 2 MiB: 2 MiB launch pages "
				   "are not modelled, add 4 KiB pages");
	if (!g->asid)
		return ss_psp_fail(err, SS_SEV_INACTIVE,
				   "launch_update: guest context 0x%llx has no ASID; SNP_ACTIVATE "
				   "first",
				   (unsigned long long)g->gctx_paddr);
	uint64_t pa = d.page_paddr & psp->addr_mask;
	if (pa & PAGE_MASK)
		return ss_psp_fail(err, SS_SEV_INVALID_ADDRESS,
				   "launch_update.page_paddr 0x%llx is not 4 KiB aligned",
				   (unsigned long long)pa);
	struct ss_rmp_entry e;
	uint32_t st = ss_psp_rmp_get(psp, pa, &e, "launch_update.page_paddr", err);
	if (!st)
		st = page_owned_by(psp, g, pa, &e, "launch_update.page_paddr", err);
	if (st)
		return st;
	if (!e.immutable || e.validated || e.vmsa)
		return ss_psp_fail(err, SS_SEV_INVALID_PAGE_STATE,
				   "launch_update.page_paddr 0x%llx is not a pre-guest page "
				   "(immutable %d, validated %d, vmsa %d; want 1, 0, 0)",
				   (unsigned long long)pa, e.immutable, e.validated, e.vmsa);
	if (e.pagesize != SS_RMP_PG_4K)
		return ss_psp_fail(err, SS_SEV_INVALID_PAGE_SIZE,
				   "launch_update.page_paddr 0x%llx has a 2 MiB RMP entry; PSMASH "
				   "it or add 4 KiB pages",
				   (unsigned long long)pa);

	uint8_t *page = malloc(PAGE);
	if (!page)
		return ss_psp_fail(err, SS_SEV_RESOURCE_LIMIT, "out of memory");
	ss_snp_page_info pi;
	memset(&pi, 0, sizeof(pi));
	bool hash = type == SS_SNP_PAGE_NORMAL || type == SS_SNP_PAGE_VMSA;
	switch (type) {
	case SS_SNP_PAGE_ZERO: memset(page, 0, PAGE); break;
	case SS_SNP_PAGE_SECRETS:
		secrets_fill(psp, g, (struct ss_snp_secrets_page *)(void *)page);
		break;
	default: st = ss_psp_read(psp, pa, page, PAGE, "launch_update.page_paddr", err); break;
	}
	if (!st && type == SS_SNP_PAGE_CPUID) {
		struct ss_snp_cpuid_page *cp = (struct ss_snp_cpuid_page *)(void *)page;
		st = cpuid_page_check(cp, ss_psp_snp_fms(psp->snp->product), err);
		if (st) {
			/* §4.8: the corrected page goes back in the clear, the page is not added.
			 */
			ss_error werr;
			ss_psp_write(psp, pa, page, PAGE, "launch_update.page_paddr", &werr);
			goto out;
		}
	}
	if (!st && hash) {
		if (type == SS_SNP_PAGE_VMSA) {
			uint8_t tsc[16];
			memcpy(tsc, page + 0x2F0, sizeof(tsc));
			memset(page + 0x2F0, 0, sizeof(tsc));
			int rc = ss_sha384(page, PAGE, pi.contents);
			memcpy(page + 0x2F0, tsc, sizeof(tsc));
			if (rc)
				st = ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM, "SHA-384 failed");
		} else if (ss_sha384(page, PAGE, pi.contents)) {
			st = ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM, "SHA-384 failed");
		}
	}
	if (st)
		goto out;
	uint8_t *digest = imi ? g->imd : g->ld;
	memcpy(pi.digest_cur, digest, sizeof(pi.digest_cur));
	pi.length = SS_SNP_PAGE_INFO_SIZE;
	pi.page_type = (uint8_t)type;
	pi.imi_page = imi ? 1 : 0;
	pi.vmpl1_perms = d.vmpl1_perms;
	pi.vmpl2_perms = d.vmpl2_perms;
	pi.vmpl3_perms = d.vmpl3_perms;
	pi.gpa = e.gpa;
	uint8_t next[SS_SNP_DIGEST_LEN];
	if (ss_sha384(&pi, sizeof(pi), next)) {
		st = ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM, "SHA-384 failed");
		goto out;
	}
	st = ss_psp_write_enc(psp, g->asid, pa, page, PAGE, "launch_update.page_paddr", err);
	if (st)
		goto out;
	e.immutable = false;
	e.validated = true;
	e.vmsa = type == SS_SNP_PAGE_VMSA;
	e.perms[0] = SS_RMP_PERM_ALL;
	for (unsigned v = 0; v < 3; v++)
		e.perms[v + 1] = perms[v];
	st = ss_psp_rmp_set(psp, pa, &e, "launch_update.page_paddr", err);
	if (!st)
		memcpy(digest, next, sizeof(next));
out:
	OPENSSL_cleanse(page, PAGE);
	free(page);
	return st;
}

/* ---- SNP_LAUNCH_FINISH (§4.9) ------------------------------------------------------------------
 * 1. flags: only ID_BLOCK_EN, AUTH_KEY_EN and VCEK_DISABLED (INVALID_PARAM); AUTH_KEY_EN needs
 *    ID_BLOCK_EN (INVALID_PARAM);
 * 2. with ID_BLOCK_EN the 96-byte ID block and the 4 KiB ID auth info are read in the clear
 *    (INVALID_ADDRESS) and judged by ss_idblock_launch_check (measure/idblock.c) in the spec's
 *    order: a malformed structure INVALID_PARAM, ID_BLOCK_SIG or (AUTH_KEY_EN) ID_KEY_SIG not
 *    verifying BAD_SIGNATURE, LD != the launch digest BAD_MEASUREMENT, POLICY != the launch
 *    policy POLICY_FAILURE;
 * 3. FAMILY_ID, IMAGE_ID, GUEST_SVN, ID_KEY_DIGEST, AUTHOR_KEY_DIGEST (zeros without the ID block
 *    or the author key), HOST_DATA and VCEK_DISABLED are stored for the reports;
 * 4. LAUNCH -> RUNNING. */
uint32_t ss_psp_snp_launch_finish(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	struct ss_snp_data_launch_finish d;
	memcpy(&d, buf, sizeof(d));
	if (d.flags & ~SS_SNP_LF_FLAGS_KNOWN)
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "launch_finish.flags 0x%llx has undefined bits",
				   (unsigned long long)d.flags);
	bool id_en = d.flags & SS_SNP_LF_ID_BLOCK_EN, auth_en = d.flags & SS_SNP_LF_AUTH_KEY_EN;
	if (auth_en && !id_en)
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "launch_finish.flags AUTH_KEY_EN without ID_BLOCK_EN");
	ss_snp_id_block blk;
	ss_idblock_result res;
	memset(&blk, 0, sizeof(blk));
	memset(&res, 0, sizeof(res));
	if (id_en) {
		ss_snp_id_auth_info *auth = malloc(sizeof(*auth));
		if (!auth)
			return ss_psp_fail(err, SS_SEV_RESOURCE_LIMIT, "out of memory");
		uint32_t st = ss_psp_read(psp, d.id_block_paddr, &blk, sizeof(blk),
					  "launch_finish.id_block_paddr", err);
		if (!st)
			st = ss_psp_read(psp, d.id_auth_paddr, auth, sizeof(*auth),
					 "launch_finish.id_auth_paddr", err);
		if (!st) {
			ss_idblock_verdict v = SS_IDBLOCK_ACCEPTED;
			ss_error e2 = {0};
			ss_idblock_launch_check(&blk, auth, auth_en, g->ld, g->policy, &res, &v,
						&e2);
			switch (v) {
			case SS_IDBLOCK_ACCEPTED: break;
			case SS_IDBLOCK_BAD_SIGNATURE:
				st = ss_psp_fail(err, SS_SEV_BAD_SIGNATURE, "launch_finish: %s",
						 e2.msg);
				break;
			case SS_IDBLOCK_BAD_MEASUREMENT:
				st = ss_psp_fail(err, SS_SEV_BAD_MEASUREMENT, "launch_finish: %s",
						 e2.msg);
				break;
			case SS_IDBLOCK_POLICY_FAILURE:
				st = ss_psp_fail(err, SS_SEV_POLICY_FAILURE, "launch_finish: %s",
						 e2.msg);
				break;
			default:
				st = ss_psp_fail(err, SS_SEV_INVALID_PARAM, "launch_finish: %s",
						 e2.msg);
				break;
			}
		}
		free(auth);
		if (st)
			return st;
	}
	g->id_block_en = id_en;
	g->author_key_en = id_en && res.author_key_en;
	g->vcek_disabled = d.flags & SS_SNP_LF_VCEK_DISABLED;
	memcpy(g->family_id, blk.family_id, sizeof(g->family_id));
	memcpy(g->image_id, blk.image_id, sizeof(g->image_id));
	g->guest_svn = blk.guest_svn;
	memcpy(g->id_key_digest, res.id_key_digest, sizeof(g->id_key_digest));
	memcpy(g->author_key_digest, res.author_key_digest, sizeof(g->author_key_digest));
	memcpy(g->host_data, d.host_data, sizeof(g->host_data));
	g->state = SS_SNP_GSTATE_RUNNING;
	return SS_SEV_SUCCESS;
}

/* ---- SNP_DBG_DECRYPT / SNP_DBG_ENCRYPT (§4.4) --------------------------------------------------
 * 1. the policy allows debugging (DEBUG, bit 19; POLICY_FAILURE);
 * 2. the context holds an ASID (INACTIVE);
 * 3. src and dst are 4 KiB aligned (INVALID_ADDRESS): one whole page moves;
 * 4. page states ([I]: the ABI's exact rule is not in the sources): the guest's page (DECRYPT's
 *    src, ENCRYPT's dst) is assigned to this guest's ASID (INVALID_PAGE_STATE / _OWNER) and not
 *    immutable (a launched guest page; VMSAs included); the hypervisor's page (DECRYPT's dst,
 *    ENCRYPT's src) is a firmware page, as every other page the firmware reads or writes for
 *    the host in the clear (the host hands it over with RMPUPDATE and reclaims it);
 * 5. the page is copied through the guest's key in one direction and in the clear in the other. */
static uint32_t dbg(ss_psp *psp, struct ss_snp_gctx *g, void *buf, bool decrypt, ss_error *err)
{
	const char *name = decrypt ? "dbg_decrypt" : "dbg_encrypt";
	struct ss_snp_data_dbg d;
	memcpy(&d, buf, sizeof(d));
	if (!(g->policy & P_DEBUG))
		return ss_psp_fail(err, SS_SEV_POLICY_FAILURE,
				   "%s: guest policy 0x%llx does not allow debugging (bit 19)",
				   name, (unsigned long long)g->policy);
	if (!g->asid)
		return ss_psp_fail(err, SS_SEV_INACTIVE, "%s: guest context 0x%llx has no ASID",
				   name, (unsigned long long)g->gctx_paddr);
	uint64_t src = d.src_paddr & psp->addr_mask, dst = d.dst_paddr & psp->addr_mask;
	if ((src | dst) & PAGE_MASK)
		return ss_psp_fail(err, SS_SEV_INVALID_ADDRESS,
				   "%s: src_paddr 0x%llx / dst_paddr 0x%llx not 4 KiB aligned",
				   name, (unsigned long long)src, (unsigned long long)dst);
	uint64_t gpage = decrypt ? src : dst, hpage = decrypt ? dst : src;
	char gwhat[32], hwhat[32];
	snprintf(gwhat, sizeof(gwhat), "%s.%s", name, decrypt ? "src_paddr" : "dst_paddr");
	snprintf(hwhat, sizeof(hwhat), "%s.%s", name, decrypt ? "dst_paddr" : "src_paddr");
	struct ss_rmp_entry e;
	uint32_t st = ss_psp_rmp_get(psp, gpage, &e, gwhat, err);
	if (!st)
		st = page_owned_by(psp, g, gpage, &e, gwhat, err);
	if (st)
		return st;
	if (e.immutable)
		return ss_psp_fail(err, SS_SEV_INVALID_PAGE_STATE,
				   "%s 0x%llx is immutable (pre-guest or firmware-held)", gwhat,
				   (unsigned long long)gpage);
	st = ss_psp_rmp_expect_firmware(psp, hpage, hwhat, err);
	if (st)
		return st;
	uint8_t *tmp = malloc(PAGE);
	if (!tmp)
		return ss_psp_fail(err, SS_SEV_RESOURCE_LIMIT, "out of memory");
	if (decrypt) {
		st = ss_psp_read_enc(psp, g->asid, src, tmp, PAGE, gwhat, err);
		if (!st)
			st = ss_psp_write(psp, dst, tmp, PAGE, hwhat, err);
	} else {
		st = ss_psp_read(psp, src, tmp, PAGE, hwhat, err);
		if (!st)
			st = ss_psp_write_enc(psp, g->asid, dst, tmp, PAGE, gwhat, err);
	}
	OPENSSL_cleanse(tmp, PAGE);
	free(tmp);
	return st;
}

uint32_t ss_psp_snp_dbg_decrypt(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	return dbg(psp, g, buf, true, err);
}

uint32_t ss_psp_snp_dbg_encrypt(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	return dbg(psp, g, buf, false, err);
}
