/* Issue 5 end to end, with nothing set up by hand: the host brings SNP up (SNP_INIT), launches a
 * guest through the PSP (GCTX_CREATE, LAUNCH_START, ACTIVATE, LAUNCH_UPDATE of a NORMAL and the
 * SECRETS page, LAUNCH_FINISH with host data); the guest reads its VMPCK0 from its own secrets page
 * and asks for extended reports through /dev/sev-guest (include/softsev/sev_guest.h) over the
 * hypervisor's SNP_GUEST_REQUEST path; each report verifies against the certificates the
 * hypervisor returned, rooted in the emulated ARK: first VCEK-signed, then, after SNP_VLEK_LOAD,
 * VLEK-signed; SNP_CONFIG's MASK_CHIP_ID then zeroes the chip id. */
#include <softsev/abi/cert_table.h>
#include <softsev/abi/snp_page_info.h>
#include <softsev/attest.h>
#include <softsev/sev_guest.h>

#include "harness.h"
#include "psp/snp_internal.h"
#include "snp_test.h"

#define GCTX_PA	   0x100000u
#define SECRETS_PA 0x101000u
#define CODE_PA	   0x102000u
#define REQ_PA	   0x103000u
#define RSP_PA	   0x104000u
#define VLEK_PA	   0x105000u
#define ASID	   3u
#define POLICY	   0x30000ull /* SMT | RSVD_MBO */

static struct tsnp T;
static bool up;
static uint8_t host_data[32];

static uint32_t launch_update(uint64_t spa, uint64_t gpa, uint8_t type)
{
	if (tsnp_make_preguest(&T, spa, gpa, ASID))
		return 0xffff;
	struct ss_snp_data_launch_update d = {
	    .gctx_paddr = GCTX_PA, .page_flags = (uint32_t)type << 1, .page_paddr = spa};
	return tsnp_cmd(&T, SS_CMD_SNP_LAUNCH_UPDATE, &d, sizeof(d));
}

TEST(host_launches_the_guest)
{
	REQUIRE(tsnp_open(&T) == 0);
	REQUIRE(tsnp_make_firmware(&T, GCTX_PA) == 0);
	struct ss_snp_data_gctx gc = {.gctx_paddr = GCTX_PA};
	REQUIRE(tsnp_cmd(&T, SS_CMD_SNP_GCTX_CREATE, &gc, sizeof(gc)) == 0);
	struct ss_snp_data_launch_start ls = {.gctx_paddr = GCTX_PA, .policy = POLICY};
	REQUIRE(tsnp_cmd(&T, SS_CMD_SNP_LAUNCH_START, &ls, sizeof(ls)) == 0);
	struct ss_snp_data_activate ac = {.gctx_paddr = GCTX_PA, .asid = ASID};
	REQUIRE(tsnp_cmd(&T, SS_CMD_SNP_ACTIVATE, &ac, sizeof(ac)) == 0);
	uint8_t code[TSNP_PAGE];
	for (unsigned i = 0; i < sizeof(code); i++)
		code[i] = (uint8_t)(i * 7 + 1);
	REQUIRE(tsnp_host_write(&T, CODE_PA, code, sizeof(code)) == 0);
	CHECK(launch_update(CODE_PA, 0x6000, SS_SNP_PAGE_NORMAL) == 0);
	CHECK(launch_update(SECRETS_PA, 0x5000, SS_SNP_PAGE_SECRETS) == 0);
	struct ss_snp_data_launch_finish lf = {.gctx_paddr = GCTX_PA};
	memset(host_data, 0x42, sizeof(host_data));
	memcpy(lf.host_data, host_data, sizeof(host_data));
	REQUIRE(tsnp_cmd(&T, SS_CMD_SNP_LAUNCH_FINISH, &lf, sizeof(lf)) == 0);
	/* The response page is the firmware's; the request page stays the hypervisor's. */
	REQUIRE(tsnp_make_firmware(&T, RSP_PA) == 0);
	up = true;
}

/* One extended report as a Linux guest asks for it; checks it against the certificate table the
 * hypervisor returned (leaf, ASK or ASVK, ARK) and returns the parsed report. */
static bool ext_report(uint8_t user_byte, enum ss_cert_kind leaf_kind, struct ss_snp_report *out)
{
	ss_error err = {0};
	/* The guest reads its secrets page once through its own (private) mapping and keeps it: the
	 * sequence numbers of its messages live there (as in Linux). */
	static struct ss_snp_secrets_page secrets;
	static bool have_secrets;
	if (!have_secrets &&
	    ss_mem_fw_read(T.fw, ASID, SECRETS_PA, &secrets, sizeof(secrets), &err)) {
		printf("# secrets: %s\n", err.msg);
		return false;
	}
	have_secrets = true;
	struct ss_snp_host_channel ch = {
	    .psp = T.psp, .gctx_paddr = GCTX_PA, .req_paddr = REQ_PA, .rsp_paddr = RSP_PA};
	ss_sev_guest *g = NULL;
	if (ss_sev_guest_open(&secrets, 0, ss_snp_host_transport, &ch, &g, &err)) {
		printf("# open: %s\n", err.msg);
		return false;
	}
	static uint8_t certs[SS_SNP_EXT_CERTS_MAX];
	struct ss_snp_ext_report_req req;
	memset(&req, 0, sizeof(req));
	memset(req.data.user_data, user_byte, sizeof(req.data.user_data));
	req.certs_address = (uintptr_t)certs;
	req.certs_len = sizeof(certs);
	struct ss_snp_report_resp resp;
	struct ss_snp_guest_request_ioctl io = {
	    .msg_version = 1, .req_data = (uintptr_t)&req, .resp_data = (uintptr_t)&resp};
	int rc = ss_sev_guest_ioctl(g, SS_SNP_GET_EXT_REPORT, &io, &err);
	ss_sev_guest_close(g);
	if (rc) {
		printf("# ioctl: %s (exitinfo2 0x%llx)\n", err.msg,
		       (unsigned long long)io.exitinfo2);
		return false;
	}
	struct ss_snp_msg_report_rsp r;
	memcpy(&r, resp.data, sizeof(r));
	if (r.status || r.report_size != SS_SNP_REPORT_SIZE) {
		printf("# MSG_REPORT_RSP status 0x%x size %u\n", r.status, r.report_size);
		return false;
	}
	memcpy(out, r.report, sizeof(*out));
	ss_cert_table_item items[8];
	size_t n = 0;
	if (ss_cert_table_parse(certs, req.certs_len, items, 8, &n, &err) || n != 3 ||
	    items[0].kind != leaf_kind) {
		printf("# certificate table: %s (%zu entries)\n", err.msg, n);
		return false;
	}
	ss_cert *c[3] = {0};
	bool ok = true;
	for (int i = 0; i < 3; i++)
		ok = ok && !ss_cert_from_bytes(items[i].data, items[i].length, &c[i], &err);
	ss_chain *chain = NULL;
	ss_report rep;
	if (ok) {
		ss_chain_inputs in = {
		    .leaf = c[0], .ask = c[1], .ark = c[2], .anchor = c[2], .at = time(NULL)};
		ok = !ss_chain_verify(&in, &chain, &err) &&
		     !ss_report_parse(r.report, sizeof(r.report), &rep, &err) &&
		     !ss_report_verify(chain, &rep, NULL, &err);
		if (!ok)
			printf("# verify: %s\n", err.msg);
	}
	ss_chain_free(chain);
	for (int i = 0; i < 3; i++)
		ss_cert_free(c[i]);
	return ok;
}

TEST(guest_gets_a_vcek_signed_report_of_its_launch)
{
	REQUIRE(up);
	struct ss_snp_report rep;
	REQUIRE(ext_report(0x11, SS_CERT_VCEK, &rep));
	const struct ss_snp_gctx *g = ss_psp_snp_find_gctx(T.psp, GCTX_PA);
	REQUIRE(g);
	CHECK_MEM(rep.measurement, g->ld, sizeof(rep.measurement));
	CHECK_MEM(rep.host_data, host_data, sizeof(host_data));
	CHECK(rep.policy == POLICY && rep.vmpl == 0);
	CHECK((rep.signer_info & SS_SNP_SIGNER_KEY_MASK) >> SS_SNP_SIGNER_KEY_SHIFT ==
	      SS_SNP_SIGNING_KEY_VCEK);
	CHECK(rep.report_data[0] == 0x11 && rep.report_data[63] == 0x11);
	static const uint8_t zero[SS_SNP_CHIP_ID_SIZE];
	CHECK(memcmp(rep.chip_id, zero, sizeof(zero)) != 0);
	CHECK(rep.reported_tcb == ss_snp_tcb_u64(T.psp->snp->current_tcb));
}

TEST(after_snp_vlek_load_reports_are_vlek_signed)
{
	REQUIRE(up);
	ss_error err = {0};
	const ss_snp_identity *id = T.psp->snp->id;
	ss_eckey *vlek = NULL;
	uint8_t blob[SS_SNP_VLEK_WRAPPED_LEN];
	/* What AMD's KDS hands the cloud provider for this chip and TCB. */
	REQUIRE(ss_snp_vlek_derive(id->vlek_seed, sizeof(id->vlek_seed), T.psp->snp->current_tcb,
				   &vlek, &err) == 0);
	REQUIRE(ss_snp_vlek_wrap(id->chip_secret, sizeof(id->chip_secret), vlek,
				 T.psp->snp->current_tcb, blob, &err) == 0);
	ss_eckey_free(vlek);
	REQUIRE(tsnp_host_write(&T, VLEK_PA, blob, sizeof(blob)) == 0);
	struct ss_snp_data_vlek_load vl = {.len = sizeof(vl), .vlek_wrapped_paddr = VLEK_PA};
	REQUIRE(tsnp_cmd(&T, SS_CMD_SNP_VLEK_LOAD, &vl, sizeof(vl)) == 0);
	struct ss_snp_report rep;
	REQUIRE(ext_report(0x22, SS_CERT_VLEK, &rep));
	CHECK((rep.signer_info & SS_SNP_SIGNER_KEY_MASK) >> SS_SNP_SIGNER_KEY_SHIFT ==
	      SS_SNP_SIGNING_KEY_VLEK);
	CHECK(rep.report_data[0] == 0x22);
}

TEST(snp_config_masks_the_chip_id)
{
	REQUIRE(up);
	struct ss_snp_data_config cf = {.reported_tcb = ss_snp_tcb_u64(T.psp->snp->current_tcb),
					.flags = SS_SNP_CONFIG_MASK_CHIP_ID};
	REQUIRE(tsnp_cmd(&T, SS_CMD_SNP_CONFIG, &cf, sizeof(cf)) == 0);
	struct ss_snp_report rep;
	REQUIRE(ext_report(0x33, SS_CERT_VLEK, &rep));
	static const uint8_t zero[SS_SNP_CHIP_ID_SIZE];
	CHECK_MEM(rep.chip_id, zero, sizeof(zero));
	tsnp_close(&T);
}

TEST_MAIN(host_launches_the_guest, guest_gets_a_vcek_signed_report_of_its_launch,
	  after_snp_vlek_load_reports_are_vlek_signed, snp_config_masks_the_chip_id)
