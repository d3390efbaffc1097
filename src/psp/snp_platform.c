/* The SEV-SNP platform commands (psp/snp_internal.h): SNP_INIT(_EX), SNP_SHUTDOWN(_EX),
 * SNP_PLATFORM_STATUS, SNP_DF_FLUSH, SNP_CONFIG, SNP_COMMIT, SNP_VLEK_LOAD, SNP_FEATURE_INFO and
 * SNP_PAGE_RECLAIM. Buffers and bits: firmware-abi.md §4.3; states §4.2; TCB rules §6. The
 * dispatcher (dispatch.c) has already checked the buffer size and the SNP platform state. */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "psp/snp_internal.h"
#include "util/file.h"

#define PAGE	      4096u
#define COMMITTED_LEN 16u
#define F_COMMITTED   "snp-committed"

/* ---- TCB helpers ------------------------------------------------------------------------------
 */

void ss_psp_snp_default_tcb(ss_snp_product p, uint8_t tcb[SS_SNP_TCB_LEN])
{
	static const uint64_t def[] = {
	    [SS_SNP_MILAN] = 0x7308000000000003ull, /* BL 3, TEE 0, SNP 8, ucode 0x73 */
	    [SS_SNP_GENOA] = 0x541900000000000Aull, /* BL 10, TEE 0, SNP 0x19, ucode 0x54 */
	    [SS_SNP_TURIN] = 0x4700000002000100ull, /* FMC 0, BL 1, TEE 0, SNP 2, ucode 0x47 */
	};
	ss_snp_tcb_from_u64(def[p <= SS_SNP_TURIN ? p : SS_SNP_MILAN], tcb);
}

const char *ss_psp_snp_tcb_above(ss_snp_product p, const uint8_t a[SS_SNP_TCB_LEN],
				 const uint8_t b[SS_SNP_TCB_LEN], unsigned *a_val, unsigned *b_val)
{
	ss_snp_tcb x, y;
	ss_snp_tcb_decode(p, a, &x);
	ss_snp_tcb_decode(p, b, &y);
	const struct {
		const char *name;
		uint8_t a, b;
	} c[] = {{"fmc", x.fmc, y.fmc},	   {"bl", x.bl, y.bl},		{"tee", x.tee, y.tee},
		 {"snp", x.snp, y.snp},	   {"ucode", x.ucode, y.ucode}, {"spl4", x.spl4, y.spl4},
		 {"spl5", x.spl5, y.spl5}, {"spl6", x.spl6, y.spl6},	{"spl7", x.spl7, y.spl7}};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if (c[i].a > c[i].b) {
			if (a_val)
				*a_val = c[i].a;
			if (b_val)
				*b_val = c[i].b;
			return c[i].name;
		}
	return NULL;
}

/* The product of ss_psp_config.snp_product (NULL = Milan); false if it names none. */
static bool config_product(const ss_psp *psp, ss_snp_product *p)
{
	*p = SS_SNP_MILAN;
	return !psp->snp_product || ss_snp_product_parse(psp->snp_product, p);
}

/* CURRENT_TCB: ss_psp_config.snp_current_tcb, or the product's default. */
static void config_current_tcb(const ss_psp *psp, ss_snp_product p, uint8_t tcb[SS_SNP_TCB_LEN])
{
	if (psp->snp_current_tcb)
		ss_snp_tcb_from_u64(psp->snp_current_tcb, tcb);
	else
		ss_psp_snp_default_tcb(p, tcb);
}

/* ---- persistent committed TCB (snp_internal.h: snp-committed) ----------------------------------
 */

static int committed_path(const ss_psp *psp, char *out, size_t n, ss_error *err)
{
	if ((size_t)snprintf(out, n, "%s/%s", psp->state_dir, F_COMMITTED) >= n)
		return ss_fail(err, SS_ERANGE, "state directory path is too long");
	return 0;
}

static int committed_save(ss_psp *psp, const uint8_t tcb[SS_SNP_TCB_LEN], uint8_t major,
			  uint8_t minor, uint8_t build, ss_error *err)
{
	if (!psp->state_dir)
		return 0;
	uint8_t rec[COMMITTED_LEN] = {'S', 'S', 'C', 'T', 1, major, minor, build};
	memcpy(rec + 8, tcb, SS_SNP_TCB_LEN);
	char path[4096];
	int rc = committed_path(psp, path, sizeof(path), err);
	return rc ? rc : ss_write_file_atomic(path, rec, sizeof(rec), 0644, err);
}

/* Loads the committed TCB and version; *found false when the file does not exist yet. */
static int committed_load(ss_psp *psp, bool *found, ss_error *err)
{
	*found = false;
	if (!psp->state_dir)
		return 0;
	char path[4096];
	int rc = committed_path(psp, path, sizeof(path), err);
	if (rc)
		return rc;
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	fclose(f);
	uint8_t *data;
	size_t len;
	rc = ss_read_file(path, 4096, &data, &len, err);
	if (rc)
		return rc;
	if (len != COMMITTED_LEN || memcmp(data, "SSCT", 4) || data[4] != 1)
		rc =
		    ss_fail(err, SS_EINVAL, "%s: not a committed-TCB record (%zu bytes, format %u)",
			    path, len, len > 4 ? data[4] : 0);
	else {
		psp->snp->committed_major = data[5];
		psp->snp->committed_minor = data[6];
		psp->snp->committed_build = data[7];
		memcpy(psp->snp->committed_tcb, data + 8, SS_SNP_TCB_LEN);
		*found = true;
	}
	free(data);
	return rc;
}

/* ---- SNP_INIT, SNP_INIT_EX (firmware-abi.md §4.2, §4.3) ----------------------------------------
 */

/* Opens (or makes) the part's identity the first time SNP comes up; it lives as long as the
 * platform object (the chip secret is fused: SNP_SHUTDOWN does not forget it). */
static uint32_t open_identity(ss_psp *psp, ss_snp_product p, ss_error *err)
{
	if (psp->snp->id)
		return psp->snp->id->product == p
			   ? SS_SEV_SUCCESS
			   : ss_psp_fail(err, SS_SEV_INVALID_CONFIG,
					 "snp_product %s differs from the part's %s",
					 ss_snp_product_name(p),
					 ss_snp_product_name(psp->snp->id->product));
	ss_error e = {0};
	unsigned bits = psp->ark_bits ? psp->ark_bits : SS_SNP_CA_RSA_BITS;
	int rc = psp->state_dir ? ss_snp_identity_open_bits(psp->state_dir, p, false, bits,
							    &psp->snp->id, NULL, &e)
				: ss_snp_identity_ephemeral(p, bits, &psp->snp->id, &e);
	if (rc)
		return ss_psp_fail(err,
				   rc == SS_EINVAL || rc == SS_ESTATE ? SS_SEV_INVALID_CONFIG
								      : SS_SEV_HWERROR_PLATFORM,
				   "the SNP identity (%s): %s",
				   psp->state_dir ? psp->state_dir : "ephemeral", e.msg);
	return SS_SEV_SUCCESS;
}

/* The steps both SNP_INIT and SNP_INIT_EX take once their buffer is accepted. */
static uint32_t snp_bring_up(ss_psp *psp, bool init_rmp, bool rapl_dis, ss_error *err)
{
	struct ss_psp_snp *s = psp->snp;
	/* 1. Linux brings SNP up before the legacy platform (§4.2): SNP_INIT needs SEV UNINIT. */
	if (psp->platform_state != SS_SEV_PLATFORM_UNINIT)
		return ss_psp_fail(err, SS_SEV_INVALID_PLATFORM_STATE,
				   "SNP_INIT needs the legacy SEV platform in UNINIT (SNP comes up "
				   "first, then INIT)");
	/* 2. The memory must have SNP enabled with an RMP the firmware can reach. */
	struct ss_rmp_entry e;
	uint32_t st = ss_psp_rmp_get(psp, 0, &e, "SNP_INIT: RMP entry of sPA 0", err);
	if (st)
		return st;
	if (!init_rmp && !s->rmp_initialized)
		return ss_psp_fail(
		    err, SS_SEV_RMP_INIT_REQUIRED,
		    "init_ex.flags: INIT_RMP is 0 but the firmware never initialised "
		    "the RMP");
	/* 3. The part: product, identity, TCBs. */
	ss_snp_product p;
	if (!config_product(psp, &p))
		return ss_psp_fail(err, SS_SEV_INVALID_CONFIG,
				   "snp_product '%.32s' is not Milan, Genoa or Turin",
				   psp->snp_product);
	st = open_identity(psp, p, err);
	if (st)
		return st;
	uint8_t cur[SS_SNP_TCB_LEN];
	config_current_tcb(psp, p, cur);
	bool found = false;
	ss_error e2 = {0};
	if (committed_load(psp, &found, &e2))
		return ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM, "committed TCB: %s", e2.msg);
	if (found) {
		unsigned a, b;
		const char *c = ss_psp_snp_tcb_above(p, s->committed_tcb, cur, &a, &b);
		if (c)
			return ss_psp_fail(err, SS_SEV_BAD_SVN,
					   "current TCB 0x%016llx is below the committed TCB "
					   "0x%016llx (%s %u < %u): no rollback below SNP_COMMIT",
					   (unsigned long long)ss_snp_tcb_u64(cur),
					   (unsigned long long)ss_snp_tcb_u64(s->committed_tcb), c,
					   b, a);
	} else if (psp->state_dir || !s->rmp_initialized) {
		/* A new part (an ephemeral one: its first SNP_INIT): the running firmware is the
		 * committed one. */
		memcpy(s->committed_tcb, cur, SS_SNP_TCB_LEN);
		s->committed_major = psp->p.api_major;
		s->committed_minor = psp->p.api_minor;
		s->committed_build = psp->p.build;
		if (committed_save(psp, cur, s->committed_major, s->committed_minor,
				   s->committed_build, &e2))
			return ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM, "committed TCB: %s",
					   e2.msg);
	}
	memcpy(s->current_tcb, cur, SS_SNP_TCB_LEN);
	memcpy(s->reported_tcb, cur, SS_SNP_TCB_LEN); /* volatile: SNP_CONFIG changes it */
	s->product = p;
	s->config_flags = 0;
	s->rapl_dis = rapl_dis;
	s->rmp_initialized = true;
	s->state = SS_SNP_PLATFORM_INIT;
	return SS_SEV_SUCCESS;
}

uint32_t ss_psp_snp_init(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)g, (void)buf;
	return snp_bring_up(psp, true, false, err); /* SNP_INIT = SNP_INIT_EX with INIT_RMP */
}

/* The range list of LIST_PADDR_EN: num_elements ranges in the list's own 4 KiB page, each
 * page-aligned, non-empty, inside system memory, reserved fields zero. softsev does not model
 * the HV-Fixed page state these ranges ask for: it checks the list and keeps nothing. */
static uint32_t check_range_list(ss_psp *psp, uint64_t list_paddr, ss_error *err)
{
	uint64_t pa = list_paddr & psp->addr_mask;
	uint8_t page[PAGE];
	size_t room = PAGE - (pa & (PAGE - 1));
	if (room < sizeof(struct ss_snp_range_list) + sizeof(struct ss_snp_range))
		return ss_psp_fail(err, SS_SEV_INVALID_ADDRESS,
				   "init_ex.list_paddr 0x%llx: no room for a range list before the "
				   "page ends",
				   (unsigned long long)pa);
	uint32_t st = ss_psp_read(psp, pa, page, room, "init_ex.list_paddr", err);
	if (st)
		return st;
	struct ss_snp_range_list hdr;
	memcpy(&hdr, page, sizeof(hdr));
	if (hdr.reserved)
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "range_list.reserved (0x04) is 0x%x, must be 0", hdr.reserved);
	if (!hdr.num_elements ||
	    hdr.num_elements > (room - sizeof(hdr)) / sizeof(struct ss_snp_range))
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "range_list.num_elements %u does not fit the list's page "
				   "(1..%zu)",
				   hdr.num_elements,
				   (room - sizeof(hdr)) / sizeof(struct ss_snp_range));
	for (uint32_t i = 0; i < hdr.num_elements; i++) {
		struct ss_snp_range r;
		memcpy(&r, page + sizeof(hdr) + i * sizeof(r), sizeof(r));
		uint64_t base = r.base & psp->addr_mask;
		if (r.reserved || base & (PAGE - 1) || !r.page_count)
			return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
					   "range_list.range[%u]: base 0x%llx (4 KiB aligned), "
					   "page_count %u (> 0), reserved 0x%x (0)",
					   i, (unsigned long long)r.base, r.page_count, r.reserved);
		struct ss_rmp_entry e;
		char what[64];
		snprintf(what, sizeof(what), "range_list.range[%u]", i);
		st = ss_psp_rmp_get(psp, base, &e, what, err);
		if (!st)
			st = ss_psp_rmp_get(psp, base + ((uint64_t)r.page_count - 1) * PAGE, &e,
					    what, err);
		if (st)
			return st;
	}
	return SS_SEV_SUCCESS;
}

uint32_t ss_psp_snp_init_ex(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)g;
	struct ss_snp_data_init_ex d;
	memcpy(&d, buf, sizeof(d));
	if (d.flags & ~SS_SNP_INIT_EX_FLAGS_KNOWN)
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "init_ex.flags 0x%x has unknown bits 0x%x", d.flags,
				   d.flags & ~SS_SNP_INIT_EX_FLAGS_KNOWN);
	if (d.reserved_04)
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "init_ex.reserved (0x04) is 0x%x, must be 0", d.reserved_04);
	for (size_t i = 0; i < sizeof(d.reserved_12); i++)
		if (d.reserved_12[i])
			return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
					   "init_ex reserved byte 0x%zx is 0x%02x, must be 0",
					   0x12 + i, d.reserved_12[i]);
	/* SNP_FEATURE_INFO advertises neither: the memory model shows the hypervisor ciphertext of
	 * private pages (no hiding), and there is no SEV-TIO device model. */
	if (d.flags & SS_SNP_INIT_EX_CIPHERTEXT_HIDING_EN)
		return ss_psp_fail(
		    err, SS_SEV_UNSUPPORTED,
		    "init_ex.flags CIPHERTEXT_HIDING_EN: this part has no ciphertext "
		    "hiding (PLATFORM_STATUS CIPHERTEXT_HIDING_CAP is 0)");
	if (d.flags & SS_SNP_INIT_EX_TIO_EN)
		return ss_psp_fail(err, SS_SEV_UNSUPPORTED,
				   "init_ex.flags TIO_EN: SEV-TIO is not supported (FEATURE_INFO "
				   "EBX bit 1 is 0)");
	if (d.max_snp_asid)
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "init_ex.max_snp_asid is %u, must be 0 without "
				   "CIPHERTEXT_HIDING_EN",
				   d.max_snp_asid);
	if (d.flags & SS_SNP_INIT_EX_LIST_PADDR_EN) {
		uint32_t st = check_range_list(psp, d.list_paddr, err);
		if (st)
			return st;
	} else if (d.list_paddr)
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "init_ex.list_paddr is 0x%llx without LIST_PADDR_EN",
				   (unsigned long long)d.list_paddr);
	return snp_bring_up(psp, d.flags & SS_SNP_INIT_EX_INIT_RMP,
			    d.flags & SS_SNP_INIT_EX_RAPL_DIS, err);
}

/* ---- SNP_SHUTDOWN, SNP_SHUTDOWN_EX -------------------------------------------------------------
 * Refused while guest contexts exist: INVALID_PLATFORM_STATE (like the legacy platform's WORKING
 * state, the SNP platform with guests is not one SNP_SHUTDOWN may leave; KVM decommissions every
 * SNP guest before the driver shuts SNP down, and the firmware would otherwise have to scrub
 * Context pages it still owns). In UNINIT it does nothing and succeeds (Linux may issue it
 * unconditionally). */
static uint32_t snp_shut_down(ss_psp *psp, bool x86_shutdown, ss_error *err)
{
	struct ss_psp_snp *s = psp->snp;
	unsigned n = ss_psp_snp_guest_count(psp);
	if (n)
		return ss_psp_fail(err, SS_SEV_INVALID_PLATFORM_STATE,
				   "SNP_SHUTDOWN: %u guest context(s) remain; SNP_DECOMMISSION "
				   "them first",
				   n);
	ss_eckey_free(s->vlek); /* the VLEK is volatile: SNP_VLEK_LOAD after every SNP_INIT */
	s->vlek = NULL;
	memset(s->vlek_tcb, 0, sizeof(s->vlek_tcb));
	s->config_flags = 0;
	s->rapl_dis = false;
	if (x86_shutdown)
		s->rmp_initialized = false;
	s->state = SS_SNP_PLATFORM_UNINIT;
	return SS_SEV_SUCCESS;
}

uint32_t ss_psp_snp_shutdown(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)g, (void)buf;
	return snp_shut_down(psp, false, err);
}

uint32_t ss_psp_snp_shutdown_ex(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)g;
	struct ss_snp_data_shutdown_ex d;
	memcpy(&d, buf, sizeof(d));
	if (d.len != sizeof(d))
		return ss_psp_fail(err, SS_SEV_INVALID_LENGTH, "shutdown_ex.len is %u, must be %zu",
				   d.len, sizeof(d));
	if (d.flags & ~(SS_SNP_SHUTDOWN_EX_IOMMU | SS_SNP_SHUTDOWN_EX_X86))
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "shutdown_ex.flags 0x%x has unknown bits", d.flags);
	/* IOMMU_SNP_SHUTDOWN: there is no IOMMU model to release, accepted. X86_SNP_SHUTDOWN
	 * would clear SYSCFG.SNPEn, which the firmware port cannot do: not advertised in
	 * SNP_FEATURE_INFO (ECX bit 1 = 0), refused. */
	if (d.flags & SS_SNP_SHUTDOWN_EX_X86)
		return ss_psp_fail(err, SS_SEV_UNSUPPORTED,
				   "shutdown_ex.flags X86_SNP_SHUTDOWN: not supported by this part "
				   "(SNP_FEATURE_INFO ECX bit 1 is 0)");
	return snp_shut_down(psp, false, err);
}

/* ---- SNP_PLATFORM_STATUS -----------------------------------------------------------------------
 * Once SNP is up the output page must be a firmware page (§4.3): the host hands it over with
 * RMPUPDATE and takes it back with SNP_PAGE_RECLAIM. In UNINIT the firmware does not enforce the
 * RMP (it may not be initialised yet), so any system memory is accepted. The 32 bytes must not
 * cross into the next page. */
uint32_t ss_psp_snp_platform_status(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)g;
	struct ss_psp_snp *s = psp->snp;
	struct ss_snp_data_platform_status d;
	memcpy(&d, buf, sizeof(d));
	uint64_t pa = d.status_paddr & psp->addr_mask;
	struct ss_snp_platform_status o = {0};
	if ((pa & (PAGE - 1)) > PAGE - sizeof(o))
		return ss_psp_fail(err, SS_SEV_INVALID_ADDRESS,
				   "platform_status.status_paddr 0x%llx: the 32-byte status would "
				   "cross a page",
				   (unsigned long long)pa);
	if (s->state == SS_SNP_PLATFORM_INIT) {
		uint32_t st =
		    ss_psp_rmp_expect_firmware(psp, pa, "platform_status.status_paddr", err);
		if (st)
			return st;
	}
	o.api_major = psp->p.api_major;
	o.api_minor = psp->p.api_minor;
	o.state = s->state;
	o.is_rmp_init = s->rmp_initialized ? 1 : 0;
	o.build_id = psp->p.build;
	o.flags = SS_SNP_STATUS_FEATURE_INFO;
	if (s->config_flags & SS_SNP_CONFIG_MASK_CHIP_ID)
		o.flags |= SS_SNP_STATUS_MASK_CHIP_ID;
	if (s->config_flags & SS_SNP_CONFIG_MASK_CHIP_KEY)
		o.flags |= SS_SNP_STATUS_MASK_CHIP_KEY;
	if (s->vlek)
		o.flags |= SS_SNP_STATUS_VLEK_EN;
	if (s->rapl_dis)
		o.flags |= SS_SNP_STATUS_RAPL_DIS;
	o.guest_count = ss_psp_snp_guest_count(psp);
	if (s->state == SS_SNP_PLATFORM_INIT) {
		o.current_tcb = ss_snp_tcb_u64(s->current_tcb);
		o.reported_tcb = ss_snp_tcb_u64(s->reported_tcb);
	} else {
		/* Before SNP_INIT: what the firmware would run with (REPORTED = CURRENT). */
		ss_snp_product p;
		uint8_t cur[SS_SNP_TCB_LEN];
		if (!config_product(psp, &p))
			p = SS_SNP_MILAN;
		config_current_tcb(psp, p, cur);
		o.current_tcb = o.reported_tcb = ss_snp_tcb_u64(cur);
	}
	return ss_psp_write(psp, pa, &o, sizeof(o), "platform_status.status_paddr", err);
}

/* ---- SNP_DF_FLUSH: the shared ASID rule of snp_internal.h -------------------------------------
 */
uint32_t ss_psp_snp_df_flush(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)g, (void)buf;
	return ss_psp_cmd_df_flush(psp, NULL, NULL, err);
}

/* ---- SNP_CONFIG (§4.3, §6): REPORTED_TCB <= CURRENT_TCB component-wise, the mask flags --------
 */
uint32_t ss_psp_snp_config(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)g;
	struct ss_psp_snp *s = psp->snp;
	struct ss_snp_data_config d;
	memcpy(&d, buf, sizeof(d));
	for (size_t i = 0; i < sizeof(d.reserved_0c); i++)
		if (d.reserved_0c[i])
			return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
					   "config reserved byte 0x%zx is 0x%02x, must be 0",
					   0x0C + i, d.reserved_0c[i]);
	const uint32_t known = SS_SNP_CONFIG_MASK_CHIP_ID | SS_SNP_CONFIG_MASK_CHIP_KEY;
	if (d.flags & ~known)
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM, "config.flags 0x%x has unknown bits",
				   d.flags);
	uint8_t rep[SS_SNP_TCB_LEN];
	ss_snp_tcb_from_u64(d.reported_tcb, rep);
	unsigned a, b;
	const char *c = ss_psp_snp_tcb_above(s->product, rep, s->current_tcb, &a, &b);
	if (c)
		return ss_psp_fail(
		    err, SS_SEV_INVALID_PARAM,
		    "config.reported_tcb 0x%016llx exceeds the current TCB 0x%016llx: "
		    "%s %u > %u",
		    (unsigned long long)d.reported_tcb,
		    (unsigned long long)ss_snp_tcb_u64(s->current_tcb), c, a, b);
	memcpy(s->reported_tcb, rep, SS_SNP_TCB_LEN);
	s->config_flags = d.flags;
	return SS_SEV_SUCCESS;
}

/* ---- SNP_COMMIT (§6): COMMITTED := CURRENT (TCB and firmware version), REPORTED := CURRENT -- */
uint32_t ss_psp_snp_commit(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)g;
	struct ss_psp_snp *s = psp->snp;
	struct ss_snp_data_commit d;
	memcpy(&d, buf, sizeof(d));
	if (d.len != sizeof(d))
		return ss_psp_fail(err, SS_SEV_INVALID_LENGTH, "commit.len is %u, must be %zu",
				   d.len, sizeof(d));
	ss_error e = {0};
	if (committed_save(psp, s->current_tcb, psp->p.api_major, psp->p.api_minor, psp->p.build,
			   &e))
		return ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM,
				   "SNP_COMMIT: writing the committed TCB: %s", e.msg);
	memcpy(s->committed_tcb, s->current_tcb, SS_SNP_TCB_LEN);
	s->committed_major = psp->p.api_major;
	s->committed_minor = psp->p.api_minor;
	s->committed_build = psp->p.build;
	memcpy(s->reported_tcb, s->current_tcb, SS_SNP_TCB_LEN);
	return SS_SEV_SUCCESS;
}

/* ---- SNP_VLEK_LOAD (§4.3, §6) ------------------------------------------------------------------
 * The 432-byte wrapped VLEK (snp_keys.h layout) is read from host memory (Linux copies it into a
 * kernel buffer; it is not a firmware page). A tag that does not verify (another chip's blob, or
 * a tampered one) is BAD_SIGNATURE; a malformed field INVALID_PARAM. A VLEK for a TCB above the
 * current one could sign reports for firmware this part does not run: INVALID_PARAM. */
uint32_t ss_psp_snp_vlek_load(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)g;
	struct ss_psp_snp *s = psp->snp;
	struct ss_snp_data_vlek_load d;
	memcpy(&d, buf, sizeof(d));
	if (d.len != sizeof(d))
		return ss_psp_fail(err, SS_SEV_INVALID_LENGTH, "vlek_load.len is %u, must be %zu",
				   d.len, sizeof(d));
	if (d.vlek_wrapped_version != 0)
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "vlek_load.vlek_wrapped_version is %u, must be 0",
				   d.vlek_wrapped_version);
	for (size_t i = 0; i < sizeof(d.reserved_05); i++)
		if (d.reserved_05[i])
			return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
					   "vlek_load reserved byte 0x%zx is 0x%02x, must be 0",
					   5 + i, d.reserved_05[i]);
	uint8_t blob[SS_SNP_VLEK_WRAPPED_LEN];
	uint32_t st = ss_psp_read(psp, d.vlek_wrapped_paddr, blob, sizeof(blob),
				  "vlek_load.vlek_wrapped_paddr", err);
	if (st)
		return st;
	ss_eckey *vlek = NULL;
	uint8_t tcb[SS_SNP_TCB_LEN];
	ss_error e = {0};
	int rc = ss_snp_vlek_unwrap(s->id->chip_secret, sizeof(s->id->chip_secret), blob,
				    sizeof(blob), &vlek, tcb, &e);
	OPENSSL_cleanse(blob, sizeof(blob));
	if (rc)
		return ss_psp_fail(err,
				   rc == SS_EBADSIG  ? SS_SEV_BAD_SIGNATURE
				   : rc == SS_EINVAL ? SS_SEV_INVALID_PARAM
						     : SS_SEV_HWERROR_PLATFORM,
				   "wrapped VLEK: %s", e.msg);
	unsigned a, b;
	const char *c = ss_psp_snp_tcb_above(s->product, tcb, s->current_tcb, &a, &b);
	if (c) {
		ss_eckey_free(vlek);
		return ss_psp_fail(
		    err, SS_SEV_INVALID_PARAM,
		    "wrapped VLEK: its TCB 0x%016llx exceeds the current TCB (%s %u > "
		    "%u)",
		    (unsigned long long)ss_snp_tcb_u64(tcb), c, a, b);
	}
	ss_eckey_free(s->vlek);
	s->vlek = vlek;
	memcpy(s->vlek_tcb, tcb, SS_SNP_TCB_LEN);
	return SS_SEV_SUCCESS;
}

/* ---- SNP_FEATURE_INFO (§4.3: the shape of CPUID 0x8000_0024) -----------------------------------
 * Sub-leaf 0: EAX = highest sub-leaf (0), EBX = 0 (no SEV-TIO), ECX = RAPL_DISABLE (bit 2) |
 * AES_256_XTS policy (bit 4), EDX = 0. Other sub-leaves read as zero, as CPUID gives. The output
 * page must be a firmware page (Linux marks it so before the command). */
#define SS_SNP_FEATURE_ECX_RAPL_DISABLE (1u << 2)
#define SS_SNP_FEATURE_ECX_AES_256_XTS	(1u << 4)

uint32_t ss_psp_snp_feature_info(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)g;
	struct ss_snp_data_feature_info d;
	memcpy(&d, buf, sizeof(d));
	if (d.length != sizeof(d))
		return ss_psp_fail(err, SS_SEV_INVALID_LENGTH,
				   "feature_info.length is %u, must be %zu", d.length, sizeof(d));
	uint64_t pa = d.feature_info_paddr & psp->addr_mask;
	uint32_t out[4] = {0};
	if ((pa & (PAGE - 1)) > PAGE - sizeof(out))
		return ss_psp_fail(err, SS_SEV_INVALID_ADDRESS,
				   "feature_info.feature_info_paddr 0x%llx: the output would cross "
				   "a page",
				   (unsigned long long)pa);
	uint32_t st = ss_psp_rmp_expect_firmware(psp, pa, "feature_info.feature_info_paddr", err);
	if (st)
		return st;
	if (d.ecx_in == 0)
		out[2] = SS_SNP_FEATURE_ECX_RAPL_DISABLE | SS_SNP_FEATURE_ECX_AES_256_XTS;
	return ss_psp_write(psp, pa, out, sizeof(out), "feature_info.feature_info_paddr", err);
}

/* ---- SNP_PAGE_RECLAIM (§4.2 page states) -------------------------------------------------------
 * paddr bit 0 is the page size (2 MiB). Firmware, Metadata, Pre-Guest and Pre-Swap pages (all
 * immutable) and Context pages whose guest was decommissioned become Reclaim pages (assigned,
 * mutable, ASID 0, GPA 0, not validated, no VMSA, no permissions), which the host then returns
 * to itself with RMPUPDATE. The Context page of a live guest context refuses (SNP_DECOMMISSION
 * first); a hypervisor page or a mutable page (Reclaim, Guest-Valid/Invalid: the host can
 * RMPUPDATE those itself) is INVALID_PAGE_STATE. */
uint32_t ss_psp_snp_page_reclaim(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)g;
	struct ss_snp_data_page d;
	memcpy(&d, buf, sizeof(d));
	bool big = d.paddr & 1;
	uint64_t pa = d.paddr & psp->addr_mask & ~(uint64_t)(PAGE - 1);
	if (d.paddr & (PAGE - 1) & ~1ull)
		return ss_psp_fail(err, SS_SEV_INVALID_ADDRESS,
				   "page_reclaim.paddr 0x%llx: bits 11:1 must be 0",
				   (unsigned long long)d.paddr);
	if (big && pa & ((2u << 20) - 1))
		return ss_psp_fail(err, SS_SEV_INVALID_ADDRESS,
				   "page_reclaim.paddr 0x%llx: a 2 MiB page must be 2 MiB aligned",
				   (unsigned long long)pa);
	struct ss_rmp_entry e;
	uint32_t st = ss_psp_rmp_get(psp, pa, &e, "page_reclaim.paddr", err);
	if (st)
		return st;
	if (!e.assigned)
		return ss_psp_fail(err, SS_SEV_INVALID_PAGE_STATE,
				   "page_reclaim.paddr 0x%llx is already a hypervisor page",
				   (unsigned long long)pa);
	if ((e.pagesize == SS_RMP_PG_2M) != big)
		return ss_psp_fail(
		    err, SS_SEV_INVALID_PAGE_SIZE,
		    "page_reclaim.paddr 0x%llx: page size bit says %s, the RMP entry "
		    "is %s",
		    (unsigned long long)pa, big ? "2 MiB" : "4 KiB",
		    e.pagesize == SS_RMP_PG_2M ? "2 MiB" : "4 KiB");
	if (!e.immutable)
		return ss_psp_fail(
		    err, SS_SEV_INVALID_PAGE_STATE,
		    "page_reclaim.paddr 0x%llx is mutable (asid %u, validated %d): the "
		    "hypervisor changes it with RMPUPDATE",
		    (unsigned long long)pa, e.asid, e.validated);
	if (!e.asid && e.vmsa && ss_psp_snp_find_gctx(psp, pa))
		return ss_psp_fail(err, SS_SEV_INVALID_PAGE_STATE,
				   "page_reclaim.paddr 0x%llx is the context page of a live guest; "
				   "SNP_DECOMMISSION it first",
				   (unsigned long long)pa);
	struct ss_rmp_entry r = {.assigned = true, .pagesize = e.pagesize};
	return ss_psp_rmp_set(psp, pa, &r, "page_reclaim.paddr", err);
}
