/* Whole SEV and SEV-ES launches from the guest owner's session to LAUNCH_FINISH: the owner
 * verifies the platform's chain with sevcert's verifier, makes a session for its PDH, the
 * platform launches real OVMF bytes (and measure's VMSA for SEV-ES), the owner checks the
 * LAUNCH_MEASURE blob against `softsev measure`'s digest and sev-snp-measure's reference value,
 * then injects a secret. And the ways a session or a secret must fail. */
#include "harness.h"
#include "psp_test.h"

#include "psp/owner.h"
#include "psp/session.h"
#include "util/bytes.h"
#include "util/file.h"

#include <softsev/measure.h>
#include <softsev/sev_cert.h>
#include <stdlib.h>

#define C(name)	 SS_SEV_CMD_##name
#define ST(name) SS_SEV_##name
#define EPYC_V4	 0x00800F12ull

/* Guest-physical layout of the test: where the host puts things in the flat memory. */
#define A_PDH	  0x1000
#define A_CHAIN	  0x2000
#define A_GODH	  0x5000
#define A_SESSION 0x6000
#define A_MEASURE 0x7000
#define A_HDR	  0x7100
#define A_TRANS	  0x7200
#define A_FW	  0x100000
#define A_HASHES  0x200000
#define A_VMSA	  0x201000
#define A_SECRET  0x203000

struct platform_certs {
	uint8_t pdh[0x824], chain[3 * 0x824], amd[2 * 1600];
	size_t amd_len;
};

static uint8_t *load_vector(const char *name, size_t *len)
{
	const char *dir = getenv("SOFTSEV_VECTORS");
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "../shared/vectors", name);
	uint8_t *data = NULL;
	ss_error e;
	if (ss_read_file(path, 1u << 20, &data, len, &e)) {
		printf("# missing fixture: %s\n", e.msg);
		return NULL;
	}
	return data;
}

static int init_platform(struct tplat *t, bool es)
{
	struct ss_sev_data_init in = {0};
	if (es)
		in = (struct ss_sev_data_init){
		    .flags = 1, .tmr_address = 0x300000, .tmr_len = 1 << 20};
	return tcmd(t, C(INIT), &in, sizeof(in)) == 0 ? 0 : -1;
}

static int export_certs(struct tplat *t, struct platform_certs *pc)
{
	ss_error err;
	struct ss_sev_data_pdh_cert_export e = {.pdh_cert_address = A_PDH,
						.cert_chain_address = A_CHAIN,
						.pdh_cert_len = 0x824,
						.cert_chain_len = 3 * 0x824};
	if (tcmd(t, C(PDH_CERT_EXPORT), &e, sizeof(e)))
		return -1;
	memcpy(pc->pdh, t->ram + A_PDH, sizeof(pc->pdh));
	memcpy(pc->chain, t->ram + A_CHAIN, sizeof(pc->chain));
	return ss_psp_amd_chain(t->psp, pc->amd, sizeof(pc->amd), &pc->amd_len, &err);
}

static uint32_t launch_start(struct tplat *t, const struct ss_owner_session *s, uint32_t policy,
			     uint32_t *handle)
{
	memcpy(t->ram + A_GODH, s->godh_cert, 0x824);
	memcpy(t->ram + A_SESSION, &s->session, sizeof(s->session));
	struct ss_sev_data_launch_start ls = {.policy = policy,
					      .dh_cert_address = A_GODH,
					      .dh_cert_len = 0x824,
					      .session_address = A_SESSION,
					      .session_len = sizeof(s->session)};
	uint32_t st = tcmd(t, C(LAUNCH_START), &ls, sizeof(ls));
	*handle = ls.handle;
	return st;
}

static uint32_t update(struct tplat *t, uint32_t cmd, uint32_t h, uint64_t addr, uint32_t len)
{
	struct ss_sev_data_launch_update u = {.handle = h, .address = addr, .len = len};
	return tcmd(t, cmd, &u, sizeof(u));
}

static uint32_t by_handle(struct tplat *t, uint32_t cmd, uint32_t h)
{
	struct ss_sev_data_handle d = {.handle = h};
	return tcmd(t, cmd, &d, sizeof(d));
}

static uint32_t secret(struct tplat *t, uint32_t h, const struct ss_sev_packet_hdr *hdr,
		       const uint8_t *ct, uint32_t len, uint64_t guest_addr)
{
	memcpy(t->ram + A_HDR, hdr, sizeof(*hdr));
	memcpy(t->ram + A_TRANS, ct, len);
	struct ss_sev_data_transfer d = {.handle = h,
					 .hdr_address = A_HDR,
					 .hdr_len = sizeof(*hdr),
					 .guest_address = guest_addr,
					 .guest_len = len,
					 .trans_address = A_TRANS,
					 .trans_len = len};
	return tcmd(t, C(LAUNCH_SECRET), &d, sizeof(d));
}

struct vmsas {
	uint8_t pages[4][4096];
	long n;
};

static int on_vmsa(void *ctx, long vcpu, const uint8_t page[SS_VMSA_SIZE], ss_error *err)
{
	struct vmsas *v = ctx;
	if (v->n >= 4)
		return ss_fail(err, SS_ERANGE, "too many VMSAs");
	memcpy(v->pages[v->n++], page, 4096);
	return 0;
}

/* One launch of the reference inputs of sev-snp-measure's "sev" and "seves" cases: OVMF, the
 * kernel hashes table (empty kernel and initrd), and for SEV-ES one EPYC-v4 vCPU. */
static void full_launch(bool es, const char *append, const char *reference_hex)
{
	struct tplat t;
	ss_error err;
	REQUIRE(tplat_open(&t, NULL) == 0);
	REQUIRE(init_platform(&t, es) == 0);

	/* The owner gets the platform's certificates and verifies the whole chain. */
	struct platform_certs pc;
	REQUIRE(export_certs(&t, &pc) == 0);
	CHECK(ss_owner_verify_platform(pc.pdh, 0x824, pc.chain, sizeof(pc.chain), pc.amd,
				       pc.amd_len, NULL, 0, &err) == 0);
	uint32_t policy = es ? SS_SEV_POLICY_ES : 0;
	struct ss_owner_session s;
	REQUIRE(ss_owner_session_create(pc.pdh, 0x824, policy, NULL, &s, &err) == 0);

	/* The host launches. */
	uint32_t h;
	REQUIRE(launch_start(&t, &s, policy, &h) == ST(SUCCESS));
	struct ss_sev_data_activate act = {.handle = h, .asid = 1};
	REQUIRE(tcmd(&t, C(ACTIVATE), &act, sizeof(act)) == ST(SUCCESS));
	size_t fw_len;
	uint8_t *fw = load_vector("measure/ovmf_AmdSev_suffix.bin", &fw_len);
	REQUIRE(fw);
	memcpy(t.ram + A_FW, fw, fw_len);
	uint8_t table[176];
	REQUIRE(ss_sev_hashes_build((const uint8_t *)"", 0, (const uint8_t *)"", 0, append,
				    table) == 0);
	memcpy(t.ram + A_HASHES, table, sizeof(table));
	CHECK(update(&t, C(LAUNCH_UPDATE_DATA), h, A_FW, (uint32_t)fw_len) == ST(SUCCESS));
	CHECK(memcmp(t.ram + A_FW, fw, 64) != 0); /* encrypted in place */
	CHECK(update(&t, C(LAUNCH_UPDATE_DATA), h, A_HASHES, sizeof(table)) == ST(SUCCESS));

	/* What `softsev measure` computes for the same inputs (its VMSA is what we launch). */
	ss_measure_opts o;
	ss_measure_opts_init(&o);
	o.mode = es ? SS_MEASURE_SEV_ES : SS_MEASURE_SEV;
	o.ovmf = fw;
	o.ovmf_len = fw_len;
	o.vcpus = es ? 1 : 0;
	o.has_vcpu_sig = true;
	o.vcpu_sig = es ? EPYC_V4 : 0;
	o.has_kernel = o.has_initrd = true;
	o.kernel = o.initrd = (const uint8_t *)"";
	o.append = append;
	struct vmsas v = {.n = 0};
	o.on_vmsa = on_vmsa;
	o.vmsa_ctx = &v;
	uint8_t digest[48], ref[32];
	size_t digest_len = 0;
	REQUIRE(ss_measure(&o, digest, &digest_len, &err) == 0);
	REQUIRE(digest_len == 32);
	ss_hex_decode_exact(ref, 32, reference_hex);
	CHECK_MEM(digest, ref, 32);
	CHECK(v.n == (es ? 1 : 0));
	for (long i = 0; i < v.n; i++) {
		memcpy(t.ram + A_VMSA + i * 4096, v.pages[i], 4096);
		CHECK(update(&t, C(LAUNCH_UPDATE_VMSA), h, A_VMSA + i * 4096, 4096) == ST(SUCCESS));
	}
	CHECK(update(&t, C(LAUNCH_MEASURE), h, A_MEASURE, 0x30) == ST(SUCCESS));

	/* The owner checks the measurement with the platform's version and its expected digest. */
	struct ss_sev_data_status ps;
	REQUIRE(tcmd(&t, C(PLATFORM_STATUS), &ps, sizeof(ps)) == 0);
	ss_sev_launch_measure_in in = {.api_major = ps.api_major,
				       .api_minor = ps.api_minor,
				       .build = ps.build,
				       .policy = policy};
	memcpy(in.tik, s.tik, 16);
	memcpy(in.digest, digest, 32);
	uint8_t blob[48];
	memcpy(blob, t.ram + A_MEASURE, 48);
	CHECK(ss_sev_launch_measure_check(&in, blob, &err) == 0);
	in.digest[0] ^= 1; /* a different firmware would not pass */
	CHECK(ss_sev_launch_measure_check(&in, blob, &err) == SS_EPOLICY);

	/* The owner injects a secret bound to this measurement. */
	const char msg[] = "the disk key: 0123456789abcdef!";
	uint8_t iv[16], ct[sizeof(msg)];
	struct ss_sev_packet_hdr hdr;
	REQUIRE(ss_random_bytes(iv, 16) == 0);
	REQUIRE(ss_sev_secret_build(s.tek, s.tik, iv, msg, sizeof(msg), blob, &hdr, ct) == 0);
	struct ss_sev_packet_hdr bad = hdr;
	bad.mac[3] ^= 1;
	CHECK(secret(&t, h, &bad, ct, sizeof(msg), A_SECRET) == ST(BAD_MEASUREMENT));
	CHECK(secret(&t, h, &hdr, ct, sizeof(msg), A_SECRET) == ST(SUCCESS));
	/* In guest memory the secret is there, seen through the guest's key only. */
	uint8_t got[sizeof(msg)];
	CHECK(memcmp(t.ram + A_SECRET, msg, sizeof(msg)) != 0);
	REQUIRE(ss_psp_flatmem_ops()->read_enc(t.mem, 1, A_SECRET, got, sizeof(got)) == 0);
	CHECK_MEM(got, msg, sizeof(msg));
	/* And the launched firmware decrypts to what was loaded. */
	uint8_t back[4096];
	REQUIRE(ss_psp_flatmem_ops()->read_enc(t.mem, 1, A_FW, back, sizeof(back)) == 0);
	CHECK_MEM(back, fw, fw_len < 4096 ? fw_len : 4096);

	CHECK(by_handle(&t, C(LAUNCH_FINISH), h) == ST(SUCCESS));
	struct ss_sev_data_guest_status gs = {.handle = h};
	CHECK(tcmd(&t, C(GUEST_STATUS), &gs, sizeof(gs)) == 0);
	CHECK(gs.state == SS_SEV_GUEST_RUNNING && gs.policy == policy && gs.asid == 1);
	CHECK(secret(&t, h, &hdr, ct, sizeof(msg), A_SECRET) == ST(INVALID_GUEST_STATE));

	/* ATTESTATION (§3.7): the PEK signs the launch digest, the policy and the owner's nonce. */
	struct ss_sev_data_attestation at = {.handle = h, .address = 0x8000, .len = 0};
	memset(at.mnonce, 0x5c, 16);
	CHECK(tcmd(&t, C(ATTESTATION), &at, sizeof(at)) == ST(INVALID_LENGTH));
	CHECK(at.len == 0xd0);
	CHECK(tcmd(&t, C(ATTESTATION), &at, sizeof(at)) == ST(SUCCESS));
	struct ss_sev_attestation_report rep;
	memcpy(&rep, t.ram + 0x8000, sizeof(rep));
	CHECK_MEM(rep.launch_digest, digest, 32);
	CHECK_MEM(rep.mnonce, at.mnonce, 16);
	CHECK(rep.policy == policy && rep.sig_usage == 0x1002 && rep.sig_algo == 2);
	ss_sev_cert pek_cert;
	ss_eckey *pek = NULL;
	REQUIRE(ss_sev_cert_parse(pc.chain, 0x824, &pek_cert, &err) == 0);
	REQUIRE(ss_sev_cert_get_ec_pubkey(&pek_cert, &pek, &err) == 0);
	uint8_t d256[32], r[48], sg[48];
	REQUIRE(ss_sha256(&rep, 0x34, d256) == 0);
	memcpy(r, rep.sig_r, 48);
	memcpy(sg, rep.sig_s, 48);
	ss_reverse(r, 48);
	ss_reverse(sg, 48);
	CHECK(ss_is_zero(rep.sig_r + 48, 24) && ss_is_zero(rep.sig_s + 48, 24));
	CHECK(ss_ecdsa_p384_verify_digest(pek, d256, 32, r, sg, &err) == 0);
	d256[0] ^= 1;
	CHECK(ss_ecdsa_p384_verify_digest(pek, d256, 32, r, sg, &err) == SS_EBADSIG);
	ss_eckey_free(pek);
	free(fw);
	tplat_close(&t);
}

TEST(sev_launch_owner_to_finish)
{
	full_launch(false, "console=ttyS0 loglevel=7",
		    "82a3ee5d537c3620628270c292ae30cb40c3c878666a7890ee7ef2a08fb535ff");
}

TEST(sev_es_launch_owner_to_finish)
{
	full_launch(true, NULL, "13810ae661ea11e2bb205621f582fee268f0367c8f97bc297b7fadef3e12002c");
}

TEST(sessions_that_must_fail)
{
	struct tplat a, b;
	ss_error err;
	REQUIRE(tplat_open(&a, NULL) == 0);
	REQUIRE(tplat_open(&b, NULL) == 0);
	REQUIRE(init_platform(&a, false) == 0);
	REQUIRE(init_platform(&b, false) == 0);
	struct platform_certs pa, pb;
	REQUIRE(export_certs(&a, &pa) == 0);
	REQUIRE(export_certs(&b, &pb) == 0);
	struct ss_owner_session s;
	REQUIRE(ss_owner_session_create(pa.pdh, 0x824, SS_SEV_POLICY_NODBG, NULL, &s, &err) == 0);
	uint32_t h;

	/* Bad policy MAC: the host changes the policy the owner bound into the session. */
	CHECK(launch_start(&a, &s, 0, &h) == ST(POLICY_FAILURE));
	/* Wrong PDH: the session made for platform a, presented to platform b. */
	CHECK(launch_start(&b, &s, SS_SEV_POLICY_NODBG, &h) == ST(BAD_MEASUREMENT));
	/* A tampered blob or an altered GODH key. */
	struct ss_owner_session bad = s;
	bad.session.wrap_iv[0] ^= 1;
	CHECK(launch_start(&a, &bad, SS_SEV_POLICY_NODBG, &h) == ST(POLICY_FAILURE));
	bad = s;
	bad.session.nonce[0] ^= 1;
	CHECK(launch_start(&a, &bad, SS_SEV_POLICY_NODBG, &h) == ST(BAD_MEASUREMENT));
	bad = s;
	bad.godh_cert[0x10 + 4] ^= 1; /* qx: off the curve */
	CHECK(launch_start(&a, &bad, SS_SEV_POLICY_NODBG, &h) == ST(INVALID_CERTIFICATE));
	bad = s;
	bad.godh_cert[8] = 0x02; /* PUBKEY_USAGE 0x1002 PEK: not a DH key */
	CHECK(launch_start(&a, &bad, SS_SEV_POLICY_NODBG, &h) == ST(INVALID_CERTIFICATE));
	/* Wrong lengths. */
	memcpy(a.ram + A_GODH, s.godh_cert, 0x824);
	memcpy(a.ram + A_SESSION, &s.session, sizeof(s.session));
	struct ss_sev_data_launch_start ls = {.policy = SS_SEV_POLICY_NODBG,
					      .dh_cert_address = A_GODH,
					      .dh_cert_len = 0x823,
					      .session_address = A_SESSION,
					      .session_len = 0x80};
	CHECK(tcmd(&a, C(LAUNCH_START), &ls, sizeof(ls)) == ST(INVALID_LENGTH));
	ls.dh_cert_len = 0x824;
	ls.session_len = 0x90;
	CHECK(tcmd(&a, C(LAUNCH_START), &ls, sizeof(ls)) == ST(INVALID_LENGTH));
	ls.session_len = 0x80;
	ls.session_address = T_MEM_SIZE - 0x40;
	CHECK(tcmd(&a, C(LAUNCH_START), &ls, sizeof(ls)) == ST(INVALID_ADDRESS));
	struct ss_sev_data_status ps;
	REQUIRE(tcmd(&a, C(PLATFORM_STATUS), &ps, sizeof(ps)) == 0);
	CHECK(ps.guest_count == 0); /* nothing above made a guest */

	/* The right session works; presenting it again while the PDH is the same works too (real
	 * firmware accepts it: libvirt re-launches a domain with the same session); after PDH_GEN
	 * the replayed session fails. */
	CHECK(launch_start(&a, &s, SS_SEV_POLICY_NODBG, &h) == ST(SUCCESS));
	CHECK(launch_start(&a, &s, SS_SEV_POLICY_NODBG, &h) == ST(SUCCESS));
	CHECK(tcmd(&a, C(PDH_GEN), NULL, 0) == ST(SUCCESS));
	CHECK(launch_start(&a, &s, SS_SEV_POLICY_NODBG, &h) == ST(BAD_MEASUREMENT));
	struct platform_certs pa2;
	REQUIRE(export_certs(&a, &pa2) == 0);
	CHECK(memcmp(pa2.pdh, pa.pdh, 0x824) != 0);
	CHECK(memcmp(pa2.chain, pa.chain, sizeof(pa.chain)) == 0); /* PEK, OCA, CEK unchanged */
	CHECK(ss_owner_verify_platform(pa2.pdh, 0x824, pa2.chain, sizeof(pa2.chain), pa2.amd,
				       pa2.amd_len, NULL, 0, &err) == 0);

	/* A secret replayed from another launch of the same session (other measurement) fails. */
	struct ss_owner_session s2;
	REQUIRE(ss_owner_session_create(pa2.pdh, 0x824, 0, NULL, &s2, &err) == 0);
	uint32_t h1, h2;
	REQUIRE(launch_start(&a, &s2, 0, &h1) == ST(SUCCESS));
	REQUIRE(launch_start(&a, &s2, 0, &h2) == ST(SUCCESS));
	struct ss_sev_data_activate act = {.handle = h1, .asid = 1};
	REQUIRE(tcmd(&a, C(ACTIVATE), &act, sizeof(act)) == 0);
	act = (struct ss_sev_data_activate){.handle = h2, .asid = 2};
	REQUIRE(tcmd(&a, C(ACTIVATE), &act, sizeof(act)) == 0);
	REQUIRE(update(&a, C(LAUNCH_MEASURE), h1, A_MEASURE, 0x30) == 0);
	uint8_t m1[48];
	memcpy(m1, a.ram + A_MEASURE, 48);
	REQUIRE(update(&a, C(LAUNCH_MEASURE), h2, A_MEASURE, 0x30) == 0);
	uint8_t iv[16] = {9}, ct[16];
	struct ss_sev_packet_hdr hdr;
	REQUIRE(ss_sev_secret_build(s2.tek, s2.tik, iv, "sixteen bytes!!!", 16, m1, &hdr, ct) == 0);
	CHECK(secret(&a, h2, &hdr, ct, 16, A_SECRET) == ST(BAD_MEASUREMENT));
	CHECK(secret(&a, h1, &hdr, ct, 16, A_SECRET) == ST(SUCCESS));
	hdr.flags = 1;
	CHECK(secret(&a, h1, &hdr, ct, 16, A_SECRET) == ST(UNSUPPORTED));
	tplat_close(&a);
	tplat_close(&b);
}

/* PEK_CSR and PEK_CERT_IMPORT with an owner's OCA; PDH_CERT_EXPORT then carries the owner's OCA
 * and the chain still verifies with sevcert's verifier. */
TEST(pek_csr_and_import)
{
	struct tplat t, u;
	ss_error err;
	REQUIRE(tplat_open(&t, NULL) == 0);
	REQUIRE(tplat_open(&u, NULL) == 0);
	REQUIRE(init_platform(&t, false) == 0);
	REQUIRE(init_platform(&u, false) == 0);
	struct ss_sev_data_addr_len q = {.address = 0x8000, .len = 0};
	CHECK(tcmd(&t, C(PEK_CSR), &q, sizeof(q)) == ST(INVALID_LENGTH));
	CHECK(q.len == 0x824);
	CHECK(tcmd(&t, C(PEK_CSR), &q, sizeof(q)) == ST(SUCCESS));
	ss_sev_cert csr, oca;
	REQUIRE(ss_sev_cert_parse(t.ram + 0x8000, 0x824, &csr, &err) == 0);
	CHECK(csr.pubkey_usage == SS_SEV_USAGE_PEK && csr.sig[0].usage == SS_SEV_USAGE_INVALID &&
	      csr.sig[1].usage == SS_SEV_USAGE_INVALID);

	/* The owner's OCA signs the CSR. */
	ss_eckey *oca_key = NULL;
	REQUIRE(ss_eckey_generate_p384(&oca_key, &err) == 0);
	ss_sev_cert_init(&oca, SS_SEV_USAGE_OCA, SS_SEV_ALGO_ECDSA_SHA256, 0, 0);
	REQUIRE(ss_sev_cert_set_ec_pubkey(&oca, oca_key, &err) == 0);
	REQUIRE(ss_sev_cert_sign_ec(&oca, 0, SS_SEV_USAGE_OCA, SS_SEV_ALGO_ECDSA_SHA256, oca_key,
				    &err) == 0);
	ss_sev_cert signed_pek = csr;
	REQUIRE(ss_sev_cert_sign_ec(&signed_pek, 0, SS_SEV_USAGE_OCA, SS_SEV_ALGO_ECDSA_SHA256,
				    oca_key, &err) == 0);
	ss_sev_cert_serialize(&signed_pek, t.ram + 0x9000);
	ss_sev_cert_serialize(&oca, t.ram + 0xa000);
	memcpy(u.ram + 0x9000, t.ram + 0x9000, 0x824);
	memcpy(u.ram + 0xa000, t.ram + 0xa000, 0x824);
	struct ss_sev_data_pek_cert_import imp = {.pek_cert_address = 0x9000,
						  .pek_cert_len = 0x824,
						  .oca_cert_address = 0xa000,
						  .oca_cert_len = 0x824};
	/* Another platform refuses a PEK that is not its own. */
	CHECK(tcmd(&u, C(PEK_CERT_IMPORT), &imp, sizeof(imp)) == ST(INVALID_CERTIFICATE));
	/* A PEK signed by someone else than the OCA given. */
	t.ram[0x9000 + 0x41c + 5] ^= 1;
	CHECK(tcmd(&t, C(PEK_CERT_IMPORT), &imp, sizeof(imp)) == ST(BAD_SIGNATURE));
	t.ram[0x9000 + 0x41c + 5] ^= 1;
	imp.oca_cert_len = 0x800;
	CHECK(tcmd(&t, C(PEK_CERT_IMPORT), &imp, sizeof(imp)) == ST(INVALID_LENGTH));
	imp.oca_cert_len = 0x824;
	CHECK(tcmd(&t, C(PEK_CERT_IMPORT), &imp, sizeof(imp)) == ST(SUCCESS));
	CHECK(tcmd(&t, C(PEK_CERT_IMPORT), &imp, sizeof(imp)) == ST(ALREADY_OWNED));
	struct ss_sev_data_status ps;
	REQUIRE(tcmd(&t, C(PLATFORM_STATUS), &ps, sizeof(ps)) == 0);
	CHECK(ps.flags & SS_SEV_STATUS_FLAGS_OWNER);

	struct platform_certs pc;
	REQUIRE(export_certs(&t, &pc) == 0);
	CHECK(memcmp(pc.chain + 0x824, t.ram + 0xa000, 0x824) == 0); /* the owner's OCA */
	CHECK(ss_owner_verify_platform(pc.pdh, 0x824, pc.chain, sizeof(pc.chain), pc.amd,
				       pc.amd_len, NULL, 0, &err) == 0);
	ss_sev_cert pek;
	REQUIRE(ss_sev_cert_parse(pc.chain, 0x824, &pek, &err) == 0);
	CHECK(pek.sig[1].usage == SS_SEV_USAGE_CEK); /* the firmware's CEK signature */

	/* PEK_GEN takes the platform back: self-owned, new PEK, fresh self-signed OCA. */
	CHECK(tcmd(&t, C(PEK_GEN), NULL, 0) == ST(SUCCESS));
	REQUIRE(tcmd(&t, C(PLATFORM_STATUS), &ps, sizeof(ps)) == 0);
	CHECK(!(ps.flags & SS_SEV_STATUS_FLAGS_OWNER));
	struct platform_certs pc2;
	REQUIRE(export_certs(&t, &pc2) == 0);
	CHECK(memcmp(pc2.chain, pc.chain, 0x824) != 0);
	CHECK(memcmp(pc2.chain + 2 * 0x824, pc.chain + 2 * 0x824, 0x824) == 0); /* same CEK */
	CHECK(ss_owner_verify_platform(pc2.pdh, 0x824, pc2.chain, sizeof(pc2.chain), pc2.amd,
				       pc2.amd_len, NULL, 0, &err) == 0);
	ss_eckey_free(oca_key);
	tplat_close(&t);
	tplat_close(&u);
}

TEST(chain_checks_by_the_owner)
{
	struct tplat t, u;
	ss_error err;
	REQUIRE(tplat_open(&t, NULL) == 0);
	REQUIRE(tplat_open(&u, NULL) == 0);
	REQUIRE(init_platform(&t, false) == 0);
	REQUIRE(init_platform(&u, false) == 0);
	struct platform_certs pc, pu;
	REQUIRE(export_certs(&t, &pc) == 0);
	REQUIRE(export_certs(&u, &pu) == 0);
	/* PDH_CERT_EXPORT length query: both lengths come back. */
	struct ss_sev_data_pdh_cert_export e = {.pdh_cert_len = 0, .cert_chain_len = 0x824};
	CHECK(tcmd(&t, C(PDH_CERT_EXPORT), &e, sizeof(e)) == ST(INVALID_LENGTH));
	CHECK(e.pdh_cert_len == 0x824 && e.cert_chain_len == 3 * 0x824);
	/* Every link is checked: a PDH of another platform, a changed CEK signature, another
	 * part's AMD chain, an ARK that is not the pinned one. */
	CHECK(ss_owner_verify_platform(pu.pdh, 0x824, pc.chain, sizeof(pc.chain), pc.amd,
				       pc.amd_len, NULL, 0, &err) == SS_EBADSIG);
	uint8_t chain[3 * 0x824];
	memcpy(chain, pc.chain, sizeof(chain));
	chain[2 * 0x824 + 0x41c + 9] ^= 1;
	CHECK(ss_owner_verify_platform(pc.pdh, 0x824, chain, sizeof(chain), pc.amd, pc.amd_len,
				       NULL, 0, &err) == SS_EBADSIG);
	CHECK(ss_owner_verify_platform(pc.pdh, 0x824, pc.chain, sizeof(pc.chain), pu.amd,
				       pu.amd_len, NULL, 0, &err) == SS_EBADSIG);
	size_t ask_len = pc.amd_len / 2;
	CHECK(ss_owner_verify_platform(pc.pdh, 0x824, pc.chain, sizeof(pc.chain), pc.amd,
				       pc.amd_len, pu.amd + ask_len, pu.amd_len - ask_len,
				       &err) == SS_EPOLICY);
	CHECK(ss_owner_verify_platform(pc.pdh, 0x824, pc.chain, sizeof(pc.chain), pc.amd,
				       pc.amd_len, pc.amd + ask_len, pc.amd_len - ask_len,
				       &err) == 0);
	tplat_close(&t);
	tplat_close(&u);
}

/* The owner's side against a real part: the Rome chain in the vectors verifies with the same code
 * and a session can be made for its real PDH. */
TEST(owner_session_for_a_real_rome_pdh)
{
	size_t n[6];
	uint8_t *pdh = load_vector("snp/sev-legacy/platform/rome/pdh.cert", &n[0]);
	uint8_t *pek = load_vector("snp/sev-legacy/platform/rome/pek.cert", &n[1]);
	uint8_t *oca = load_vector("snp/sev-legacy/platform/rome/oca.cert", &n[2]);
	uint8_t *cek = load_vector("snp/sev-legacy/platform/rome/cek.cert", &n[3]);
	uint8_t *ask = load_vector("snp/sev-legacy/ca/rome/ask.cert", &n[4]);
	uint8_t *ark = load_vector("snp/sev-legacy/ca/rome/ark.cert", &n[5]);
	REQUIRE(pdh && pek && oca && cek && ask && ark);
	REQUIRE(n[1] == 0x824 && n[2] == 0x824 && n[3] == 0x824);
	uint8_t chain[3 * 0x824], amd[3200];
	memcpy(chain, pek, 0x824);
	memcpy(chain + 0x824, oca, 0x824);
	memcpy(chain + 2 * 0x824, cek, 0x824);
	REQUIRE(n[4] + n[5] <= sizeof(amd));
	memcpy(amd, ask, n[4]);
	memcpy(amd + n[4], ark, n[5]);
	ss_error err;
	CHECK(ss_owner_verify_platform(pdh, n[0], chain, sizeof(chain), amd, n[4] + n[5], ark, n[5],
				       &err) == 0);
	struct ss_owner_session s;
	CHECK(ss_owner_session_create(pdh, n[0], 0x1, NULL, &s, &err) == 0);
	CHECK(!ss_is_zero(s.session.wrap_mac, 32));
	chain[0x41c] ^= 1; /* PEK's first signature */
	CHECK(ss_owner_verify_platform(pdh, n[0], chain, sizeof(chain), amd, n[4] + n[5], ark, n[5],
				       &err) == SS_EBADSIG);
	free(pdh);
	free(pek);
	free(oca);
	free(cek);
	free(ask);
	free(ark);
}

TEST_MAIN(sev_launch_owner_to_finish, sev_es_launch_owner_to_finish, sessions_that_must_fail,
	  pek_csr_and_import, chain_checks_by_the_owner, owner_session_for_a_real_rome_pdh)
