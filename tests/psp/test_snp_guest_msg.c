/* SNP_GUEST_REQUEST, attestation reports, derived keys and the guest's /dev/sev-guest calls
 * (firmware-abi.md §4.10, §5.1-§5.5; attestation.md §2). The guest context is set up directly
 * (snp_msg_test.h) until the launch commands land. */
#include <softsev/attest.h>
#include <softsev/crypto_cipher.h>

#include "harness.h"
#include "psp/snp_msg_test.h"
#include "util/bytes.h"

static struct snp_env E;
static bool env_ok;

#define ST(x) SS_SEV_##x

/* ---- raw messages: what a guest (or an attacker) puts in the request page ---- */

struct raw {
	struct ss_snp_msg_hdr h;
	uint8_t payload[SS_SNP_MSG_MAX_PAYLOAD];
	const uint8_t *key; /* encrypts; NULL: g->vmpck[h.msg_vmpck] */
};

static void raw_init(struct raw *r, unsigned vmpck, uint64_t seqno, uint8_t type, uint8_t version,
		     const void *payload, uint16_t len)
{
	memset(r, 0, sizeof(*r));
	r->h.msg_seqno = seqno;
	r->h.algo = 1;
	r->h.hdr_version = 1;
	r->h.hdr_sz = 0x60;
	r->h.msg_type = type;
	r->h.msg_version = version;
	r->h.msg_sz = len;
	r->h.msg_vmpck = (uint8_t)vmpck;
	memcpy(r->payload, payload, len);
}

static void raw_page(struct raw *r, uint8_t page[4096])
{
	memset(page, 0, 4096);
	memcpy(page, &r->h, sizeof(r->h));
	uint8_t iv[12] = {0};
	ss_put_le64(iv, r->h.msg_seqno);
	const uint8_t *key = r->key ? r->key : E.g->vmpck[r->h.msg_vmpck & 3];
	uint16_t n = r->h.msg_sz > 4000 ? 4000 : r->h.msg_sz;
	ss_aes256_gcm_encrypt(key, iv, page + 0x30, 0x30, r->payload, page + 0x60, n, page);
	memcpy(page + 0x10, r->h.authtag + 0x10, 16); /* keep deliberately bad tag tails */
}

/* Writes page to the request page, runs SNP_GUEST_REQUEST, returns the status. */
static uint32_t send_page(const uint8_t page[4096], uint8_t rsp[4096])
{
	ss_error err = {0};
	if (ss_mem_fw_write(E.fw, SS_MEM_FW_NOKEY, SM_REQ, page, 4096, &err))
		return 0xFFFF;
	struct ss_snp_data_guest_request d = {
	    .gctx_paddr = SM_GCTX, .req_paddr = SM_REQ, .rsp_paddr = SM_RSP};
	uint32_t st = 0xFFFF;
	ss_psp_command(E.psp, SS_CMD_SNP_GUEST_REQUEST, &d, sizeof(d), &st, &err);
	if (st)
		printf("#   SNP_GUEST_REQUEST -> %s (%s)\n", ss_sev_status_name(st), err.msg);
	if (!st && rsp)
		ss_mem_fw_read(E.fw, SS_MEM_FW_NOKEY, SM_RSP, rsp, 4096, &err);
	return st;
}

static uint32_t send_raw(struct raw *r, uint8_t rsp[4096])
{
	uint8_t page[4096];
	raw_page(r, page);
	return send_page(page, rsp);
}

/* Decrypts a response page with VMPCK i; checks its header against the request. */
static bool open_rsp(const uint8_t rsp[4096], unsigned i, uint64_t seqno, uint8_t type,
		     uint8_t version, void *out, size_t len)
{
	struct ss_snp_msg_hdr h;
	memcpy(&h, rsp, sizeof(h));
	bool ok = h.msg_seqno == seqno + 1 && h.msg_type == type + 1 && h.msg_version == version &&
		  h.msg_vmpck == i && h.algo == 1 && h.hdr_version == 1 && h.hdr_sz == 0x60 &&
		  h.msg_sz == len;
	uint8_t iv[12] = {0};
	ss_put_le64(iv, h.msg_seqno);
	return ok && ss_aes256_gcm_decrypt(E.g->vmpck[i], iv, rsp + 0x30, 0x30, rsp + 0x60, out,
					   len, rsp) == 0;
}

static struct ss_snp_msg_report_req report_req(uint32_t vmpl, uint32_t key_sel)
{
	struct ss_snp_msg_report_req q;
	memset(&q, 0, sizeof(q));
	for (unsigned i = 0; i < 64; i++)
		q.report_data[i] = (uint8_t)(i ^ 0x3C);
	q.vmpl = vmpl;
	q.key_sel = key_sel;
	return q;
}

/* ---- verification of a report with the library verifier against the emulated chain ---- */

static ss_cert *der_cert(uint8_t *der, size_t len)
{
	ss_cert *c = NULL;
	ss_cert_from_bytes(der, len, &c, NULL);
	free(der);
	return c;
}

static int verify_report(const uint8_t *report, bool vlek, ss_error *err)
{
	ss_snp_identity *id = E.psp->snp->id;
	uint8_t *der;
	size_t len;
	ss_cert *leaf = NULL, *ask = NULL, *ark = NULL;
	if (vlek) {
		if (!ss_snp_issue_vlek(id->ca, E.psp->snp->vlek, E.psp->snp->vlek_tcb, "CN=test",
				       (int64_t)time(NULL) - 60, &der, &len, NULL))
			leaf = der_cert(der, len);
	} else if (!ss_snp_identity_vcek_cert(id, E.psp->snp->reported_tcb, 0, &der, &len, NULL)) {
		leaf = der_cert(der, len);
	}
	if (!ss_snp_ca_cert_der(id->ca, vlek ? SS_SNP_ASVK : SS_SNP_ASK, &der, &len, NULL))
		ask = der_cert(der, len);
	if (!ss_snp_ca_cert_der(id->ca, SS_SNP_ARK, &der, &len, NULL))
		ark = der_cert(der, len);
	int rc = SS_EINVAL;
	ss_chain *chain = NULL;
	ss_report r;
	if (leaf && ask && ark) {
		ss_chain_inputs in = {.product = SS_PRODUCT_MILAN,
				      .leaf = leaf,
				      .ask = ask,
				      .ark = ark,
				      .anchor = ark,
				      .at = time(NULL)};
		rc = ss_chain_verify(&in, &chain, err);
		if (!rc)
			rc = ss_report_parse(report, SS_SNP_REPORT_SIZE, &r, err);
		if (!rc)
			rc = ss_report_verify(chain, &r, NULL, err);
	}
	ss_chain_free(chain);
	ss_cert_free(leaf);
	ss_cert_free(ask);
	ss_cert_free(ark);
	return rc;
}

/* ---- reports ---- */

TEST(setup)
{
	ss_error err = {0};
	ss_snp_identity *id = sm_identity(SS_SNP_MILAN, &err);
	REQUIRE(id);
	int rc = sm_open(&E, id, &err);
	if (rc)
		printf("# setup: %s\n", err.msg);
	REQUIRE(rc == 0);
	env_ok = true;
}

static void check_fields(const uint8_t *rep, uint32_t vmpl, uint32_t signing)
{
	struct ss_snp_report r;
	memcpy(&r, rep, sizeof(r));
	struct ss_snp_gctx *g = E.g;
	struct ss_psp_snp *s = E.psp->snp;
	CHECK(r.version == 3);
	CHECK(r.guest_svn == 5);
	CHECK(r.policy == 0x30000);
	CHECK_MEM(r.family_id, g->family_id, 16);
	CHECK_MEM(r.image_id, g->image_id, 16);
	CHECK(r.vmpl == vmpl);
	CHECK(r.signature_algo == 1);
	CHECK(r.current_tcb == 0x7308000000000003ull);
	CHECK(r.platform_info == SS_SNP_PART_SMT_EN);
	CHECK(r.signer_info == (signing << 2));
	CHECK(r.reserved0 == 0);
	struct ss_snp_msg_report_req q = report_req(0, 0);
	CHECK_MEM(r.report_data, q.report_data, 64);
	CHECK_MEM(r.measurement, g->ld, 48);
	CHECK_MEM(r.host_data, g->host_data, 32);
	CHECK_MEM(r.id_key_digest, g->id_key_digest, 48);
	CHECK_MEM(r.author_key_digest, g->author_key_digest, 48);
	CHECK_MEM(r.report_id, g->report_id, 32);
	CHECK_MEM(r.report_id_ma, g->report_id_ma, 32);
	CHECK(r.reported_tcb == 0x7308000000000003ull);
	CHECK(r.cpuid_fam_id == 0x19 && r.cpuid_mod_id == 0x01 && r.cpuid_step == 1);
	CHECK_MEM(r.chip_id, s->id->chip_id, 64);
	CHECK(r.committed_tcb == 0x7308000000000003ull);
	CHECK(r.current_major == E.psp->p.api_major && r.current_minor == E.psp->p.api_minor &&
	      r.current_build == E.psp->p.build);
	CHECK(r.committed_major == 1 && r.committed_minor == 55 && r.committed_build == 21);
	CHECK(r.launch_tcb == 0x7308000000000003ull);
}

TEST(reports_at_every_vmpl_and_key_selection)
{
	REQUIRE(env_ok);
	sm_new_guest(&E);
	ss_error err = {0};
	struct ss_snp_msg_report_req q = report_req(0, 0);
	int verified = 0;
	for (unsigned i = 0; i < 4; i++) {
		for (uint32_t vmpl = 0; vmpl < 4; vmpl++) {
			for (uint32_t ks = 0; ks < 3; ks++) {
				struct ss_snp_msg_report_rsp rsp;
				int rc = sm_get_report(&E, i, vmpl, ks, q.report_data, &rsp, &err);
				if (rc)
					printf("# vmpck %u vmpl %u: %s\n", i, vmpl, err.msg);
				CHECK(rc == 0);
				if (vmpl < i) { /* below the requester's VMPL */
					CHECK(rsp.status == ST(INVALID_PARAM));
					CHECK(rsp.report_size == 0);
					continue;
				}
				if (ks == 2) { /* no VLEK loaded */
					CHECK(rsp.status == ST(INVALID_KEY));
					continue;
				}
				CHECK(rsp.status == 0 && rsp.report_size == 0x4A0);
				check_fields(rsp.report, vmpl, 0);
				rc = verify_report(rsp.report, false, &err);
				if (rc)
					printf("# verify: %s\n", err.msg);
				CHECK(rc == 0);
				verified += rc == 0;
			}
		}
	}
	CHECK(verified == 20);
	/* sequence numbers: 4 + 3*... every exchange advanced VMPCKi's counter by 2 */
	for (unsigned i = 0; i < 4; i++)
		CHECK(E.g->msg_seqno[i] == 24 &&
		      ss_le32((uint8_t *)&E.secrets + 0xA0 + 4 * i) == 24);
}

TEST(vlek_signed_reports)
{
	REQUIRE(env_ok);
	sm_new_guest(&E);
	struct ss_psp_snp *s = E.psp->snp;
	REQUIRE(ss_snp_vlek_derive(s->id->vlek_seed, 48, s->reported_tcb, &s->vlek, NULL) == 0);
	memcpy(s->vlek_tcb, s->reported_tcb, 8);
	ss_error err = {0};
	struct ss_snp_msg_report_req q = report_req(0, 0);
	for (uint32_t ks = 0; ks < 3; ks++) {
		struct ss_snp_msg_report_rsp rsp;
		REQUIRE(sm_get_report(&E, 1, 2, ks, q.report_data, &rsp, &err) == 0);
		CHECK(rsp.status == 0);
		bool vlek = ks != 1; /* 0: the VLEK when loaded */
		check_fields(rsp.report, 2, vlek ? 1 : 0);
		CHECK(verify_report(rsp.report, vlek, &err) == 0);
		CHECK(verify_report(rsp.report, !vlek, &err) != 0);
	}
	/* VCEK_DISABLED: KEY_SEL 1 refused, 0 and 2 still signed with the VLEK */
	E.g->vcek_disabled = true;
	struct ss_snp_msg_report_rsp rsp;
	REQUIRE(sm_get_report(&E, 0, 0, 1, q.report_data, &rsp, &err) == 0);
	CHECK(rsp.status == ST(INVALID_KEY));
	REQUIRE(sm_get_report(&E, 0, 0, 0, q.report_data, &rsp, &err) == 0);
	CHECK(rsp.status == 0 && verify_report(rsp.report, true, &err) == 0);
	ss_eckey_free(s->vlek);
	s->vlek = NULL;
	REQUIRE(sm_get_report(&E, 0, 0, 0, q.report_data, &rsp, &err) == 0);
	CHECK(rsp.status == ST(INVALID_KEY)); /* VCEK disabled and no VLEK */
	E.g->vcek_disabled = false;
}

TEST(masked_chip_id_and_chip_key)
{
	REQUIRE(env_ok);
	sm_new_guest(&E);
	ss_error err = {0};
	struct ss_snp_msg_report_req q = report_req(0, 0);
	struct ss_snp_msg_report_rsp rsp;
	E.psp->snp->config_flags = SS_SNP_CONFIG_MASK_CHIP_ID;
	REQUIRE(sm_get_report(&E, 0, 0, 0, q.report_data, &rsp, &err) == 0);
	static const uint8_t zero[0x200];
	CHECK(rsp.status == 0);
	CHECK(!memcmp(rsp.report + 0x1A0, zero, 64));
	/* still signed by the VCEK; softsev's verifier refuses to bind a masked CHIP_ID */
	ss_eckey *vcek = NULL;
	ss_snp_identity *id = E.psp->snp->id;
	REQUIRE(ss_snp_vcek_derive(id->chip_secret, 48, E.psp->snp->reported_tcb, &vcek, NULL) ==
		0);
	CHECK(ss_snp_report_verify_sig(vcek, rsp.report, 0x4A0, &err) == 0);
	ss_eckey_free(vcek);
	CHECK(verify_report(rsp.report, false, &err) != 0);
	CHECK_CONTAINS(err.msg, "CHIP_ID");
	E.psp->snp->config_flags = SS_SNP_CONFIG_MASK_CHIP_ID | SS_SNP_CONFIG_MASK_CHIP_KEY;
	REQUIRE(sm_get_report(&E, 0, 1, 0, q.report_data, &rsp, &err) == 0);
	CHECK(rsp.status == 0);
	CHECK(ss_le32(rsp.report + 0x48) == (SS_SNP_SIGNER_MASK_CHIP_KEY | (7u << 2)));
	CHECK(!memcmp(rsp.report + 0x2A0, zero, 0x200));
	E.psp->snp->config_flags = 0;
}

TEST(report_request_content_errors)
{
	REQUIRE(env_ok);
	sm_new_guest(&E);
	uint8_t rsp[4096];
	struct ss_snp_msg_report_rsp out;
	uint64_t seq = 1;
	struct {
		uint32_t vmpl, key_sel;
		uint8_t version;
		uint16_t len;
		uint8_t rsvd;
		uint32_t want;
	} cases[] = {
	    {4, 0, 1, 0x60, 0, ST(INVALID_PARAM)}, /* VMPL above 3 */
	    {0, 3, 1, 0x60, 0, ST(INVALID_PARAM)}, /* KEY_SEL 3 */
	    {0, 4, 1, 0x60, 0, ST(INVALID_PARAM)}, /* KEY_SEL bit 2 */
	    {0, 0, 1, 0x60, 1, ST(INVALID_PARAM)}, /* reserved byte */
	    {0, 0, 2, 0x60, 0, ST(INVALID_PARAM)}, /* MSG_VERSION 2 */
	    {0, 0, 1, 0x5F, 0, ST(INVALID_PARAM)}, /* MSG_SZ */
	    {0, 2, 1, 0x60, 0, ST(INVALID_KEY)},   /* no VLEK */
	    {3, 1, 1, 0x60, 0, 0},
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct ss_snp_msg_report_req q = report_req(cases[c].vmpl, cases[c].key_sel);
		q.reserved[5] = cases[c].rsvd;
		struct raw r;
		raw_init(&r, 0, seq, SS_SNP_MSG_REPORT_REQ, cases[c].version, &q, cases[c].len);
		REQUIRE(send_raw(&r, rsp) == 0);
		CHECK(open_rsp(rsp, 0, seq, SS_SNP_MSG_REPORT_REQ, cases[c].version, &out,
			       sizeof(out)));
		if (out.status != cases[c].want)
			printf("# case %zu: status 0x%x\n", c, out.status);
		CHECK(out.status == cases[c].want);
		seq += 2;
	}
}

/* ---- tampered and malformed messages ---- */

TEST(tampered_messages_disable_the_vmpck)
{
	REQUIRE(env_ok);
	struct ss_snp_msg_report_req q = report_req(0, 1);
	uint8_t page[4096], rsp[4096];
	struct raw r;

	/* a flipped tag bit */
	sm_new_guest(&E);
	raw_init(&r, 0, 1, SS_SNP_MSG_REPORT_REQ, 1, &q, sizeof(q));
	raw_page(&r, page);
	page[3] ^= 0x40;
	CHECK(send_page(page, rsp) == ST(BAD_SIGNATURE));
	CHECK(E.g->vmpck_disabled[0] && !E.g->vmpck_disabled[1]);
	page[3] ^= 0x40; /* even the intact message is refused now */
	CHECK(send_page(page, rsp) == ST(INVALID_KEY));
	CHECK(E.g->msg_seqno[0] == 0);

	/* a changed ciphertext byte, a changed header byte inside the AAD */
	sm_new_guest(&E);
	raw_page(&r, page);
	page[0x70] ^= 1;
	CHECK(send_page(page, rsp) == ST(BAD_SIGNATURE));
	sm_new_guest(&E);
	raw_page(&r, page);
	page[0x35] = 2; /* MSG_VERSION */
	CHECK(send_page(page, rsp) == ST(BAD_SIGNATURE));
	CHECK(E.g->vmpck_disabled[0]);

	/* replay: the same page twice */
	sm_new_guest(&E);
	raw_page(&r, page);
	CHECK(send_page(page, rsp) == 0);
	CHECK(E.g->msg_seqno[0] == 2);
	CHECK(send_page(page, rsp) == ST(INVALID_PARAM));
	CHECK(E.g->vmpck_disabled[0]);

	/* skip: seqno 3 where 1 is expected */
	sm_new_guest(&E);
	raw_init(&r, 0, 3, SS_SNP_MSG_REPORT_REQ, 1, &q, sizeof(q));
	CHECK(send_raw(&r, rsp) == ST(INVALID_PARAM));
	CHECK(E.g->vmpck_disabled[0] && E.g->msg_seqno[0] == 0);
	/* seqno 0 */
	sm_new_guest(&E);
	raw_init(&r, 2, 0, SS_SNP_MSG_REPORT_REQ, 1, &q, sizeof(q));
	CHECK(send_raw(&r, rsp) == ST(INVALID_PARAM));
	CHECK(E.g->vmpck_disabled[2]);

	/* wrong VMPCK: encrypted with VMPCK1, header says 0 */
	sm_new_guest(&E);
	raw_init(&r, 0, 1, SS_SNP_MSG_REPORT_REQ, 1, &q, sizeof(q));
	r.key = E.g->vmpck[1];
	CHECK(send_raw(&r, rsp) == ST(BAD_SIGNATURE));
	CHECK(E.g->vmpck_disabled[0] && !E.g->vmpck_disabled[1]);
	raw_init(&r, 1, 1, SS_SNP_MSG_REPORT_REQ, 1, &q, sizeof(q)); /* VMPCK1 still works */
	CHECK(send_raw(&r, rsp) == 0);

	/* MSG_VMPCK 4: refused, nothing disabled */
	sm_new_guest(&E);
	raw_init(&r, 4, 1, SS_SNP_MSG_REPORT_REQ, 1, &q, sizeof(q));
	r.key = E.g->vmpck[0];
	CHECK(send_raw(&r, rsp) == ST(INVALID_PARAM));
	for (unsigned i = 0; i < 4; i++)
		CHECK(!E.g->vmpck_disabled[i]);
}

TEST(header_fields_are_checked)
{
	REQUIRE(env_ok);
	struct ss_snp_msg_report_req q = report_req(0, 1);
	uint8_t rsp[4096];
	struct raw r;
	for (int c = 0; c < 11; c++) {
		sm_new_guest(&E);
		raw_init(&r, 1, 1, SS_SNP_MSG_REPORT_REQ, 1, &q, sizeof(q));
		switch (c) {
		case 0: r.h.algo = 2; break;
		case 1: r.h.hdr_version = 2; break;
		case 2: r.h.hdr_sz = 0x50; break;
		case 3: r.h.msg_sz = 4001; break;
		case 4: r.h.reserved_28[3] = 1; break;
		case 5: r.h.reserved_38[0] = 1; break;
		case 6: r.h.reserved_3d[34] = 1; break;
		case 7: r.h.authtag[0x1F] = 1; break;
		case 8: r.h.msg_type = SS_SNP_MSG_REPORT_RSP; break;
		case 9: r.h.msg_type = SS_SNP_MSG_CPUID_REQ; break;
		case 10: r.h.msg_type = 0; break;
		}
		uint32_t st = send_raw(&r, rsp);
		if (st != ST(INVALID_PARAM))
			printf("# header case %d: 0x%x\n", c, st);
		CHECK(st == ST(INVALID_PARAM));
		CHECK(E.g->vmpck_disabled[1] && !E.g->vmpck_disabled[0]);
		CHECK(E.g->msg_seqno[1] == 0);
	}
}

TEST(page_checks_leave_the_vmpck_alone)
{
	REQUIRE(env_ok);
	sm_new_guest(&E);
	struct ss_snp_msg_report_req q = report_req(0, 1);
	uint8_t page[4096], rsp[4096];
	struct raw r;
	raw_init(&r, 0, 1, SS_SNP_MSG_REPORT_REQ, 1, &q, sizeof(q));
	raw_page(&r, page);
	ss_error err = {0};
	REQUIRE(ss_mem_fw_write(E.fw, SS_MEM_FW_NOKEY, SM_REQ, page, 4096, &err) == 0);
	uint32_t st = 0;
	/* the response page is a hypervisor page */
	struct ss_snp_data_guest_request d = {
	    .gctx_paddr = SM_GCTX, .req_paddr = SM_REQ, .rsp_paddr = SM_REQ};
	ss_psp_command(E.psp, SS_CMD_SNP_GUEST_REQUEST, &d, sizeof(d), &st, &err);
	CHECK(st == ST(INVALID_PAGE_STATE));
	CHECK_CONTAINS(err.msg, "RSP_PADDR");
	/* the request page is a firmware page */
	d = (struct ss_snp_data_guest_request){
	    .gctx_paddr = SM_GCTX, .req_paddr = SM_RSP, .rsp_paddr = SM_RSP};
	ss_psp_command(E.psp, SS_CMD_SNP_GUEST_REQUEST, &d, sizeof(d), &st, &err);
	CHECK(st == ST(INVALID_PAGE_STATE));
	CHECK_CONTAINS(err.msg, "REQ_PADDR");
	/* unaligned, outside DRAM, unknown context */
	d = (struct ss_snp_data_guest_request){
	    .gctx_paddr = SM_GCTX, .req_paddr = SM_REQ + 8, .rsp_paddr = SM_RSP};
	ss_psp_command(E.psp, SS_CMD_SNP_GUEST_REQUEST, &d, sizeof(d), &st, &err);
	CHECK(st == ST(INVALID_ADDRESS));
	d = (struct ss_snp_data_guest_request){
	    .gctx_paddr = SM_GCTX, .req_paddr = 1ull << 40, .rsp_paddr = SM_RSP};
	ss_psp_command(E.psp, SS_CMD_SNP_GUEST_REQUEST, &d, sizeof(d), &st, &err);
	CHECK(st == ST(INVALID_ADDRESS));
	d = (struct ss_snp_data_guest_request){
	    .gctx_paddr = SM_GCTX + 0x8000, .req_paddr = SM_REQ, .rsp_paddr = SM_RSP};
	ss_psp_command(E.psp, SS_CMD_SNP_GUEST_REQUEST, &d, sizeof(d), &st, &err);
	CHECK(st != 0);
	CHECK(!E.g->vmpck_disabled[0] && E.g->msg_seqno[0] == 0);
	/* the identical message then goes through */
	CHECK(send_page(page, rsp) == 0);
	struct ss_snp_msg_report_rsp out;
	CHECK(open_rsp(rsp, 0, 1, SS_SNP_MSG_REPORT_REQ, 1, &out, sizeof(out)));
	CHECK(out.status == 0);
	/* a guest that is not RUNNING */
	E.g->state = SS_SNP_GSTATE_LAUNCH;
	raw_init(&r, 0, 3, SS_SNP_MSG_REPORT_REQ, 1, &q, sizeof(q));
	CHECK(send_raw(&r, rsp) == ST(INVALID_GUEST_STATE));
	E.g->state = SS_SNP_GSTATE_RUNNING;
}

/* ---- derived keys ---- */

static int get_key(unsigned vmpck, uint8_t version, const struct ss_snp_derived_key_req *req,
		   struct ss_snp_msg_key_rsp *out, ss_error *err)
{
	ss_sev_guest *gu = NULL;
	int rc = ss_sev_guest_open(&E.secrets, vmpck, ss_snp_host_transport, &E.ch, &gu, err);
	if (rc)
		return rc;
	struct ss_snp_derived_key_resp resp;
	struct ss_snp_guest_request_ioctl io = {
	    .msg_version = version, .req_data = (uintptr_t)req, .resp_data = (uintptr_t)&resp};
	rc = ss_sev_guest_ioctl(gu, SS_SNP_GET_DERIVED_KEY, &io, err);
	memcpy(out, resp.data, sizeof(*out));
	ss_sev_guest_close(gu);
	return rc;
}

/* The key for req (status must be 0). */
static bool key_of(unsigned vmpck, const struct ss_snp_derived_key_req *req, uint8_t key[32])
{
	struct ss_snp_msg_key_rsp out;
	ss_error err = {0};
	if (get_key(vmpck, 1, req, &out, &err)) {
		printf("# key: %s\n", err.msg);
		return false;
	}
	if (out.status)
		printf("# key status 0x%x\n", out.status);
	memcpy(key, out.derived_key, 32);
	return out.status == 0;
}

TEST(derived_keys_change_exactly_with_their_inputs)
{
	REQUIRE(env_ok);
	sm_new_guest(&E);
	struct ss_snp_derived_key_req base = {.guest_field_select = 0x3F,
					      .vmpl = 1,
					      .guest_svn = 4,
					      .tcb_version = 0x7308000000000003ull};
	uint8_t k0[32], k1[32];
	REQUIRE(key_of(1, &base, k0));
	REQUIRE(key_of(1, &base, k1));
	CHECK_MEM(k0, k1, 32); /* stable */
	REQUIRE(key_of(0, &base, k1));
	CHECK_MEM(k0, k1, 32); /* the requester's VMPL is not an input, the VMPL field is */

	/* each selected input changes the key */
	struct ss_snp_derived_key_req r;
	r = base, r.vmpl = 2;
	CHECK(key_of(1, &r, k1) && memcmp(k0, k1, 32));
	r = base, r.guest_svn = 3;
	CHECK(key_of(1, &r, k1) && memcmp(k0, k1, 32));
	r = base, r.tcb_version = 0x7307000000000003ull;
	CHECK(key_of(1, &r, k1) && memcmp(k0, k1, 32));
	r = base, r.root_key_select = 1;
	CHECK(key_of(1, &r, k1) && memcmp(k0, k1, 32));
	r = base, r.guest_field_select = 0x1F;
	CHECK(key_of(1, &r, k1) && memcmp(k0, k1, 32));
	uint8_t *fields[] = {(uint8_t *)&E.g->policy, E.g->image_id, E.g->family_id, E.g->ld};
	for (unsigned f = 0; f < 4; f++) {
		fields[f][1] ^= 0x10;
		CHECK(key_of(1, &base, k1) && memcmp(k0, k1, 32));
		fields[f][1] ^= 0x10;
	}
	CHECK(key_of(1, &base, k1) && !memcmp(k0, k1, 32));

	/* unselected inputs do not */
	struct ss_snp_derived_key_req none = {.vmpl = 1};
	uint8_t n0[32], n1[32];
	REQUIRE(key_of(1, &none, n0));
	CHECK(memcmp(n0, k0, 32));
	r = none, r.guest_svn = 2, r.tcb_version = 0x0108000000000002ull;
	CHECK(key_of(1, &r, n1) && !memcmp(n0, n1, 32));
	for (unsigned f = 0; f < 4; f++) {
		fields[f][1] ^= 0x10;
		CHECK(key_of(1, &none, n1) && !memcmp(n0, n1, 32));
		fields[f][1] ^= 0x10;
	}
	/* the VMRK root is per guest; the chip root is the same for an identical guest */
	struct ss_snp_derived_key_req vm = {.root_key_select = 1, .vmpl = 1};
	uint8_t v0[32], v1[32];
	REQUIRE(key_of(1, &vm, v0));
	sm_new_guest(&E);
	REQUIRE(key_of(1, &vm, v1));
	CHECK(memcmp(v0, v1, 32));
	REQUIRE(key_of(1, &none, n1));
	CHECK_MEM(n0, n1, 32);
	/* a different chip gives different keys */
	ss_snp_identity *id = E.psp->snp->id;
	id->chip_secret[0] ^= 1;
	REQUIRE(key_of(1, &none, n1));
	CHECK(memcmp(n0, n1, 32));
	id->chip_secret[0] ^= 1;
}

TEST(derived_key_constraints)
{
	REQUIRE(env_ok);
	sm_new_guest(&E);
	struct ss_snp_derived_key_req ok = {.vmpl = 2, .guest_svn = 5};
	struct {
		unsigned vmpck;
		uint8_t version;
		struct ss_snp_derived_key_req r;
	} bad[] = {
	    {2, 1, {.vmpl = 1}},			    /* below the requester */
	    {0, 1, {.vmpl = 4}},			    /* above 3 */
	    {0, 1, {.guest_svn = 6}},			    /* above the guest's */
	    {0, 1, {.tcb_version = 0x7309000000000003ull}}, /* SNP SVN above committed */
	    {0, 1, {.tcb_version = 0x7308000000000004ull}}, /* BL above committed */
	    {0, 1, {.guest_field_select = 1ull << 7}},	    /* reserved GFS bit */
	    {0, 1, {.guest_field_select = SS_SNP_GFS_LAUNCH_MIT_VECTOR}}, /* v1 */
	    {0, 1, {.root_key_select = 2}},				  /* reserved bit */
	    {0, 1, {.rsvd = 1}},					  /* reserved word */
	};
	struct ss_snp_msg_key_rsp out;
	ss_error err = {0};
	for (size_t c = 0; c < sizeof(bad) / sizeof(bad[0]); c++) {
		REQUIRE(get_key(bad[c].vmpck, bad[c].version, &bad[c].r, &out, &err) == 0);
		if (out.status != ST(INVALID_PARAM))
			printf("# key case %zu: 0x%x\n", c, out.status);
		CHECK(out.status == ST(INVALID_PARAM));
		static const uint8_t zero[32];
		CHECK(!memcmp(out.derived_key, zero, 32));
	}
	REQUIRE(get_key(2, 1, &ok, &out, &err) == 0);
	CHECK(out.status == 0);
	/* version 2 with LAUNCH_MIT_VECTOR selected is accepted */
	struct ss_snp_derived_key_req v2 = {.guest_field_select = SS_SNP_GFS_LAUNCH_MIT_VECTOR};
	REQUIRE(get_key(0, 2, &v2, &out, &err) == 0);
	CHECK(out.status == 0);
	/* no VMRK */
	memset(E.g->vmrk, 0, sizeof(E.g->vmrk));
	struct ss_snp_derived_key_req vm = {.root_key_select = 1};
	REQUIRE(get_key(0, 1, &vm, &out, &err) == 0);
	CHECK(out.status == ST(INVALID_PARAM));
}

TEST(tsc_info)
{
	REQUIRE(env_ok);
	sm_new_guest(&E);
	uint8_t zero[128] = {0}, rsp[4096];
	struct ss_snp_msg_tsc_info_rsp out;
	struct raw r;
	raw_init(&r, 0, 1, SS_SNP_MSG_TSC_INFO_REQ, 1, zero, 128);
	REQUIRE(send_raw(&r, rsp) == 0);
	CHECK(open_rsp(rsp, 0, 1, SS_SNP_MSG_TSC_INFO_REQ, 1, &out, sizeof(out)));
	CHECK(out.status == 0 && out.tsc_scale == 1ull << 32 && out.tsc_offset == 0);
	zero[5] = 1;
	raw_init(&r, 0, 3, SS_SNP_MSG_TSC_INFO_REQ, 1, zero, 128);
	REQUIRE(send_raw(&r, rsp) == 0);
	CHECK(open_rsp(rsp, 0, 3, SS_SNP_MSG_TSC_INFO_REQ, 1, &out, sizeof(out)));
	CHECK(out.status == ST(INVALID_PARAM));
}

/* ---- the guest's side ---- */

TEST(ext_report_certificate_table)
{
	REQUIRE(env_ok);
	sm_new_guest(&E);
	ss_error err = {0};
	ss_sev_guest *gu = NULL;
	REQUIRE(ss_sev_guest_open(&E.secrets, 0, ss_snp_host_transport, &E.ch, &gu, &err) == 0);
	static uint8_t certs[0x4000];
	struct ss_snp_ext_report_req req;
	memset(&req, 0, sizeof(req));
	memset(req.data.user_data, 0x77, 64);
	req.certs_address = (uintptr_t)certs;
	struct ss_snp_report_resp resp;
	struct ss_snp_guest_request_ioctl io = {
	    .msg_version = 1, .req_data = (uintptr_t)&req, .resp_data = (uintptr_t)&resp};
	/* not page-aligned, too large */
	req.certs_len = 100;
	CHECK(ss_sev_guest_ioctl(gu, SS_SNP_GET_EXT_REPORT, &io, &err) == SS_EINVAL);
	req.certs_len = 0x5000;
	CHECK(ss_sev_guest_ioctl(gu, SS_SNP_GET_EXT_REPORT, &io, &err) == SS_EINVAL);
	CHECK(io.fw_error == 0xFFFFFFFFu);
	/* too small: vmm_error 1, the length needed, the message still consumed */
	req.certs_len = 0;
	CHECK(ss_sev_guest_ioctl(gu, SS_SNP_GET_EXT_REPORT, &io, &err) == SS_ERANGE);
	CHECK(io.vmm_error == SS_SNP_VMM_ERR_INVALID_LEN);
	CHECK(req.certs_len && req.certs_len % 4096 == 0 && req.certs_len <= sizeof(certs));
	CHECK(E.g->msg_seqno[0] == 2 && !ss_sev_guest_vmpck_disabled(gu));
	/* enough room */
	int rc = ss_sev_guest_ioctl(gu, SS_SNP_GET_EXT_REPORT, &io, &err);
	if (rc)
		printf("# ext: %s\n", err.msg);
	REQUIRE(rc == 0);
	CHECK(io.exitinfo2 == 0);
	struct ss_snp_msg_report_rsp r;
	memcpy(&r, resp.data, sizeof(r));
	CHECK(r.status == 0 && r.report_size == 0x4A0);
	ss_cert_table_item items[8];
	size_t n = 0;
	REQUIRE(ss_cert_table_parse(certs, req.certs_len, items, 8, &n, &err) == 0);
	REQUIRE(n == 3);
	CHECK(items[0].kind == SS_CERT_VCEK && items[1].kind == SS_CERT_ASK &&
	      items[2].kind == SS_CERT_ARK);
	ss_cert *c[3] = {0};
	for (int i = 0; i < 3; i++)
		CHECK(ss_cert_from_bytes(items[i].data, items[i].length, &c[i], &err) == 0);
	ss_chain *chain = NULL;
	ss_chain_inputs in = {
	    .leaf = c[0], .ask = c[1], .ark = c[2], .anchor = c[2], .at = time(NULL)};
	ss_report rep;
	CHECK(ss_chain_verify(&in, &chain, &err) == 0);
	CHECK(ss_report_parse(r.report, sizeof(r.report), &rep, &err) == 0);
	CHECK(chain && ss_report_verify(chain, &rep, NULL, &err) == 0);
	ss_chain_free(chain);
	for (int i = 0; i < 3; i++)
		ss_cert_free(c[i]);
	ss_sev_guest_close(gu);
}

/* A transport that corrupts what comes back, or says busy. */
struct evil {
	int mode; /* 1 flip a response byte, 2 busy */
};
static int evil_transport(void *ctx, const uint8_t req[4096], uint8_t rsp[4096], uint8_t *certs,
			  size_t *certs_len, uint64_t *exitinfo2, ss_error *err)
{
	struct evil *ev = ctx;
	if (ev->mode == 2) {
		*exitinfo2 = (uint64_t)SS_SNP_VMM_ERR_BUSY << 32;
		return 0;
	}
	int rc = ss_snp_host_transport(&E.ch, req, rsp, certs, certs_len, exitinfo2, err);
	rsp[0x80] ^= 1;
	return rc;
}

TEST(guest_rejects_forged_responses)
{
	REQUIRE(env_ok);
	sm_new_guest(&E);
	ss_error err = {0};
	struct evil ev = {2};
	ss_sev_guest *gu = NULL;
	REQUIRE(ss_sev_guest_open(&E.secrets, 3, evil_transport, &ev, &gu, &err) == 0);
	struct ss_snp_report_req req = {.vmpl = 3};
	struct ss_snp_report_resp resp;
	struct ss_snp_guest_request_ioctl io = {
	    .msg_version = 1, .req_data = (uintptr_t)&req, .resp_data = (uintptr_t)&resp};
	CHECK(ss_sev_guest_ioctl(gu, SS_SNP_GET_REPORT, &io, &err) == SS_ESTATE);
	CHECK(!ss_sev_guest_vmpck_disabled(gu) && io.vmm_error == SS_SNP_VMM_ERR_BUSY);
	ev.mode = 1;
	CHECK(ss_sev_guest_ioctl(gu, SS_SNP_GET_REPORT, &io, &err) == SS_EBADSIG);
	CHECK(ss_sev_guest_vmpck_disabled(gu));
	CHECK(ss_sev_guest_ioctl(gu, SS_SNP_GET_REPORT, &io, &err) == SS_ESTATE);
	ss_sev_guest_close(gu);
	/* a firmware refusal (here: the firmware's copy of VMPCK3 disabled) disables it too */
	REQUIRE(ss_sev_guest_open(&E.secrets, 3, ss_snp_host_transport, &E.ch, &gu, &err) == 0);
	E.g->vmpck_disabled[3] = true;
	CHECK(ss_sev_guest_ioctl(gu, SS_SNP_GET_REPORT, &io, &err) == SS_EIO);
	CHECK(io.fw_error == ST(INVALID_KEY) && ss_sev_guest_vmpck_disabled(gu));
	ss_sev_guest_close(gu);
	/* bad arguments */
	memset(E.secrets.vmpck[2], 0, 32);
	CHECK(ss_sev_guest_open(&E.secrets, 2, ss_snp_host_transport, &E.ch, &gu, &err) ==
	      SS_EINVAL);
	CHECK(ss_sev_guest_open(&E.secrets, 4, ss_snp_host_transport, &E.ch, &gu, &err) ==
	      SS_EINVAL);
}

TEST(cleanup)
{
	if (env_ok)
		sm_close(&E);
}

TEST_MAIN(setup, reports_at_every_vmpl_and_key_selection, vlek_signed_reports,
	  masked_chip_id_and_chip_key, report_request_content_errors,
	  tampered_messages_disable_the_vmpck, header_fields_are_checked,
	  page_checks_leave_the_vmpck_alone, derived_keys_change_exactly_with_their_inputs,
	  derived_key_constraints, tsc_info, ext_report_certificate_table,
	  guest_rejects_forged_responses, cleanup)
