/* The memory encryption engine's guarantees (issue 7), each in the four modes: what the
 * hypervisor, a second guest and the owner see, checked against an independent AES-XTS. */
#include "fixture.h"

#include <openssl/hmac.h>

#define GPA_A (GPA_BASE)
#define GPA_B (GPA_BASE + 0x5000)

MODE_TEST(hv_reads_ciphertext)
{
	uint8_t p[256], h[256], want[256];
	struct ss_mem_fault f;
	fill(p, sizeof(p), 3);
	REQUIRE(fx_assign(x, GUEST_ASID, GPA_A, true));
	REQUIRE(g_write(x, GUEST_ASID, GPA_A + 0x40, p, sizeof(p), &f) == 0);
	REQUIRE(h_read(x, SPA_OF(GPA_A) + 0x40, h, sizeof(h), &f) == 0);
	if (x->mode == PLAIN) {
		CHECK_MEM(h, p, sizeof(p)); /* no encryption: the hypervisor sees the data */
		return;
	}
	REQUIRE(ref_xts(x->key1, 32, 1, SPA_OF(GPA_A) + 0x40, p, want, sizeof(p)));
	CHECK_MEM(h, want, sizeof(p));
	CHECK(memcmp(h, p, sizeof(p)) != 0);
	/* An unaligned read sees the same bytes. */
	uint8_t h2[5];
	REQUIRE(h_read(x, SPA_OF(GPA_A) + 0x40 + 13, h2, 5, &f) == 0);
	CHECK_MEM(h2, want + 13, 5);
	/* The owner still reads its plaintext. */
	uint8_t back[256];
	REQUIRE(g_read(x, GUEST_ASID, GPA_A + 0x40, back, sizeof(back), &f) == 0);
	CHECK_MEM(back, p, sizeof(p));
}

MODE_TEST(ciphertext_depends_on_address)
{
	uint8_t p[64], h1[64], h2[64];
	struct ss_mem_fault f;
	memset(p, 0xA5, sizeof(p)); /* identical blocks */
	REQUIRE(fx_assign(x, GUEST_ASID, GPA_A, true));
	REQUIRE(fx_assign(x, GUEST_ASID, GPA_B, true));
	REQUIRE(g_write(x, GUEST_ASID, GPA_A, p, 64, &f) == 0);
	REQUIRE(g_write(x, GUEST_ASID, GPA_B, p, 64, &f) == 0);
	REQUIRE(h_read(x, SPA_OF(GPA_A), h1, 64, &f) == 0);
	REQUIRE(h_read(x, SPA_OF(GPA_B), h2, 64, &f) == 0);
	if (x->mode == PLAIN) {
		CHECK_MEM(h1, h2, 64);
		return;
	}
	CHECK(memcmp(h1, h2, 64) != 0);
	/* ... and on the block within the page: four equal plaintext blocks, four ciphertexts. */
	CHECK(memcmp(h1, h1 + 16, 16) != 0 && memcmp(h1 + 16, h1 + 32, 16) != 0);
}

MODE_TEST(moved_page_decrypts_to_garbage)
{
	uint8_t p[PG], c[PG], back[PG], want[PG];
	struct ss_mem_fault f;
	fill(p, PG, 9);
	REQUIRE(fx_assign(x, GUEST_ASID, GPA_A, true));
	REQUIRE(fx_assign(x, GUEST_ASID, GPA_B, true));
	REQUIRE(g_write(x, GUEST_ASID, GPA_A, p, PG, &f) == 0);
	REQUIRE(h_read(x, SPA_OF(GPA_A), c, PG, &f) == 0);
	int rc = h_write(x, SPA_OF(GPA_B), c, PG, &f);
	if (x->mode == SNP) {
		/* The RMP stops the copy; reclaiming the page costs the guest its validation. */
		CHECK(rc == SS_MEM_FAULTED && f.kind == SS_MEM_FAULT_PF &&
		      f.error_code & SS_MEM_ERR_RMP);
		struct ss_abi_rmp_state shared = {0},
					priv = {.gpa = GPA_B, .assigned = 1, .asid = GUEST_ASID};
		struct ss_rmp_result r;
		ss_error err;
		REQUIRE(ss_mem_rmpupdate(x->m, SPA_OF(GPA_B), &shared, &r, &f, &err) == 0 &&
			!r.eax);
		REQUIRE(h_write(x, SPA_OF(GPA_B), c, PG, &f) == 0);
		REQUIRE(ss_mem_rmpupdate(x->m, SPA_OF(GPA_B), &priv, &r, &f, &err) == 0 && !r.eax);
		CHECK(g_read(x, GUEST_ASID, GPA_B, back, PG, &f) == SS_MEM_FAULTED);
		CHECK(f.kind == SS_MEM_FAULT_VC && f.error_code == SS_MEM_VC_NOT_VALIDATED);
		REQUIRE(fx_assign(x, GUEST_ASID, GPA_B, true) || true);
		struct ss_mem_guest_op o = gop(GUEST_ASID, 0, GPA_B, 0, 1);
		REQUIRE(ss_mem_pvalidate(x->m, &o, &r, &f, &err) == 0 && r.eax == 0);
	} else {
		REQUIRE(rc == 0);
	}
	REQUIRE(g_read(x, GUEST_ASID, GPA_B, back, PG, &f) == 0);
	if (x->mode == PLAIN) {
		CHECK_MEM(back, p, PG); /* nothing binds plain memory to its address */
		return;
	}
	CHECK(memcmp(back, p, PG) != 0);
	REQUIRE(ref_xts(x->key1, 32, 0, SPA_OF(GPA_B), c, want, PG));
	CHECK_MEM(back, want, PG); /* exactly the decryption under the new address's tweak */
}

MODE_TEST(replayed_page)
{
	uint8_t old[PG], neu[PG], c_old[PG], back[PG];
	struct ss_mem_fault f;
	fill(old, PG, 1);
	fill(neu, PG, 2);
	REQUIRE(fx_assign(x, GUEST_ASID, GPA_A, true));
	REQUIRE(g_write(x, GUEST_ASID, GPA_A, old, PG, &f) == 0);
	REQUIRE(h_read(x, SPA_OF(GPA_A), c_old, PG, &f) == 0);
	REQUIRE(g_write(x, GUEST_ASID, GPA_A, neu, PG, &f) == 0);
	int rc = h_write(x, SPA_OF(GPA_A), c_old, PG, &f);
	REQUIRE(g_read(x, GUEST_ASID, GPA_A, back, PG, &f) == 0);
	if (x->mode == SNP) {
		CHECK(rc == SS_MEM_FAULTED && f.kind == SS_MEM_FAULT_PF);
		CHECK_MEM(back, neu, PG); /* the replay never reached DRAM */
	} else {
		CHECK(rc == 0);
		CHECK_MEM(back, old, PG); /* SEV and SEV-ES cannot tell: the old data is back */
	}
}

MODE_TEST(blocks_are_independent)
{
	/* Each 16-byte block is its own cipher unit: replaying one block of old ciphertext brings
	 * back exactly those 16 bytes of old plaintext (without SNP) and nothing else. */
	uint8_t old[64], neu[64], c_old[64], back[64], want[64];
	struct ss_mem_fault f;
	fill(old, 64, 51);
	fill(neu, 64, 52);
	REQUIRE(fx_assign(x, GUEST_ASID, GPA_A, true));
	REQUIRE(g_write(x, GUEST_ASID, GPA_A, old, 64, &f) == 0);
	REQUIRE(h_read(x, SPA_OF(GPA_A), c_old, 64, &f) == 0);
	REQUIRE(g_write(x, GUEST_ASID, GPA_A, neu, 64, &f) == 0);
	int rc = h_write(x, SPA_OF(GPA_A) + 32, c_old + 32, 16, &f);
	REQUIRE(g_read(x, GUEST_ASID, GPA_A, back, 64, &f) == 0);
	memcpy(want, neu, 64);
	if (x->mode == SNP) {
		CHECK(rc == SS_MEM_FAULTED);
	} else {
		CHECK(rc == 0);
		memcpy(want + 32, old + 32, 16);
	}
	CHECK_MEM(back, want, 64);
}

MODE_TEST(second_guest_sees_garbage)
{
	uint8_t p[128], got[128], c[128], want[128];
	struct ss_mem_fault f;
	fill(p, sizeof(p), 5);
	REQUIRE(fx_assign(x, GUEST_ASID, GPA_A, true));
	REQUIRE(g_write(x, GUEST_ASID, GPA_A, p, sizeof(p), &f) == 0);
	int rc = g_read(x, OTHER_ASID, GPA_A, got, sizeof(got), &f);
	if (x->mode == SNP) {
		CHECK(rc == SS_MEM_FAULTED && f.kind == SS_MEM_FAULT_NPF);
		CHECK(f.error_code & SS_MEM_ERR_RMP && f.error_code & SS_MEM_ERR_ENC);
		CHECK(f.addr == GPA_A);
		return;
	}
	REQUIRE(rc == 0);
	if (x->mode == PLAIN) {
		CHECK_MEM(got, p, sizeof(p));
		return;
	}
	CHECK(memcmp(got, p, sizeof(p)) != 0);
	REQUIRE(ref_xts(x->key1, 32, 1, SPA_OF(GPA_A), p, c, sizeof(p)));
	REQUIRE(ref_xts(x->key2, 32, 0, SPA_OF(GPA_A), c, want, sizeof(p)));
	CHECK_MEM(got, want, sizeof(p)); /* D_key2(E_key1(p)) */
}

MODE_TEST(shared_access_is_clear)
{
	/* C=0 guest writes (a GHCB, a bounce buffer) are what the hypervisor reads, in every mode.
	 */
	uint8_t p[64], h[64];
	struct ss_mem_fault f;
	ss_error err;
	fill(p, 64, 11);
	struct ss_mem_access a = guest_acc(GUEST_ASID, SS_MEM_WRITE, GPA_B, false);
	REQUIRE(ss_mem_write(x->m, &a, SPA_OF(GPA_B), p, 64, &f, &err) == 0);
	REQUIRE(h_read(x, SPA_OF(GPA_B), h, 64, &f) == 0);
	CHECK_MEM(h, p, 64);
}

MODE_TEST(fetch_and_walk_are_private)
{
	/* Fetches and page-table walks use the guest key whatever the C-bit says (§9.4). */
	uint8_t p[32], got[32], want[32];
	struct ss_mem_fault f;
	ss_error err;
	fill(p, 32, 13);
	REQUIRE(fx_assign(x, GUEST_ASID, GPA_A, true));
	REQUIRE(g_write(x, GUEST_ASID, GPA_A, p, 32, &f) == 0);
	struct ss_mem_access a = guest_acc(GUEST_ASID, SS_MEM_EXEC_SUPER, GPA_A, false);
	REQUIRE(ss_mem_read(x->m, &a, SPA_OF(GPA_A), got, 32, &f, &err) == 0);
	CHECK_MEM(got, p, 32);
	a = guest_acc(GUEST_ASID, SS_MEM_READ, GPA_A, false);
	a.flags |= SS_MEM_PTWALK;
	REQUIRE(ss_mem_read(x->m, &a, SPA_OF(GPA_A), got, 32, &f, &err) == 0);
	CHECK_MEM(got, p, 32);
	/* A data read with C=0 of the same page: SNP refuses it, SEV gives ciphertext. */
	a = guest_acc(GUEST_ASID, SS_MEM_READ, GPA_A, false);
	int rc = ss_mem_read(x->m, &a, SPA_OF(GPA_A), got, 32, &f, &err);
	if (x->mode == SNP) {
		CHECK(rc == SS_MEM_FAULTED && f.kind == SS_MEM_FAULT_NPF &&
		      !(f.error_code & SS_MEM_ERR_ENC));
	} else if (x->mode == PLAIN) {
		CHECK(rc == 0);
		CHECK_MEM(got, p, 32);
	} else {
		REQUIRE(rc == 0);
		REQUIRE(ref_xts(x->key1, 32, 1, SPA_OF(GPA_A), p, want, 32));
		CHECK_MEM(got, want, 32);
	}
}

struct inval_log {
	int view, rmp, key, write;
	uint64_t last_spa;	       /* of the last VIEW, RMP or KEY event */
	uint64_t write_spa, write_len; /* of the last WRITE event */
};

static void on_inval(void *opaque, uint64_t spa, uint64_t len, enum ss_mem_inval_reason why)
{
	struct inval_log *l = opaque;
	l->view += why == SS_MEM_INVAL_VIEW;
	l->rmp += why == SS_MEM_INVAL_RMP;
	l->key += why == SS_MEM_INVAL_KEY;
	if (why == SS_MEM_INVAL_WRITE) {
		l->write++;
		l->write_spa = spa;
		l->write_len = len;
		return;
	}
	l->last_spa = spa;
}

MODE_TEST(same_key_rewrite_is_heard)
{
	/* A rewrite under the key the page is already stored under switches no view, yet whoever
	 * decoded code from it must hear it: the host's, the owner's and the firmware's writes. */
	struct inval_log log = {0};
	ss_error err;
	struct ss_mem_fault f;
	REQUIRE(ss_mem_add_listener(x->m, on_inval, &log, &err) == 0);
	uint8_t code[16];
	fill(code, sizeof(code), 9);
	REQUIRE(h_write(x, SPA_OF(GPA_B) + 32, code, 16, &f) == 0);
	REQUIRE(h_write(x, SPA_OF(GPA_B) + 48, code, 16, &f) == 0);
	CHECK(log.write == 2 && log.write_spa == SPA_OF(GPA_B) + 48 && log.write_len == 16);
	REQUIRE(fx_assign(x, GUEST_ASID, GPA_A, true));
	REQUIRE(g_write(x, GUEST_ASID, GPA_A, code, 16, &f) == 0);
	int views = log.view;
	REQUIRE(g_write(x, GUEST_ASID, GPA_A + 16, code, 16, &f) == 0);
	CHECK(log.view == views); /* same key: no view switch ... */
	CHECK(log.write == 4 && log.write_spa == SPA_OF(GPA_A) + 16); /* ... but a write event */
	uint16_t key = x->mode == PLAIN ? SS_MEM_FW_NOKEY : GUEST_ASID;
	REQUIRE(ss_mem_fw_write(x->fw, key, SPA_OF(GPA_A) + 64, code, 8, &err) == 0);
	CHECK(log.view == views);
	CHECK(log.write == 5 && log.write_spa == SPA_OF(GPA_A) + 64 && log.write_len == 8);
	/* Reads and faulting writes are not writes. */
	uint8_t b[16];
	REQUIRE(g_read(x, GUEST_ASID, GPA_A, b, 16, &f) == 0);
	int rc = h_write(x, SPA_OF(GPA_A), code, 16, &f);
	CHECK(log.write == (x->mode == SNP ? 5 : 6));
	CHECK((rc == SS_MEM_FAULTED) == (x->mode == SNP));
}

MODE_TEST(owner_map_fast_path)
{
	/* The owner's mapping is its plaintext; a foreign writer invalidates it. */
	struct inval_log log = {0};
	ss_error err;
	struct ss_mem_fault f;
	REQUIRE(ss_mem_add_listener(x->m, on_inval, &log, &err) == 0);
	REQUIRE(fx_assign(x, GUEST_ASID, GPA_A, true));
	struct ss_mem_access a = guest_acc(GUEST_ASID, SS_MEM_WRITE, GPA_A, true);
	uint8_t *page;
	REQUIRE(ss_mem_map(x->m, &a, SPA_OF(GPA_A) + 100, &page, &f, &err) == 0);
	memcpy(page + 100, "hello", 5);
	uint32_t gen = ss_mem_page_gen(x->m, SPA_OF(GPA_A));
	uint8_t got[5];
	REQUIRE(g_read(x, GUEST_ASID, GPA_A + 100, got, 5, &f) == 0);
	CHECK_MEM(got, "hello", 5);
	int views = log.view;
	int rc = h_write(x, SPA_OF(GPA_A) + 200, "x", 1, &f);
	if (x->mode == SNP) {
		CHECK(rc == SS_MEM_FAULTED);
		CHECK(log.view == views);
	} else {
		CHECK(rc == 0);
		CHECK(ss_mem_page_gen(x->m, SPA_OF(GPA_A)) != gen);
		if (x->mode != PLAIN)
			CHECK(log.view == views + 1 && log.last_spa == SPA_OF(GPA_A));
		else
			CHECK(log.view == views); /* same (clear) view: no switch */
	}
}

TEST(sme_host_key_is_slot0)
{
	/* Host accesses with the C-bit use slot 0, the SME key derived from the seed: recompute it
	 * here from its documented derivation and check the ciphertext. */
	struct fx x;
	REQUIRE(fx_init(&x, PLAIN));
	uint8_t p[48], h[48], want[48], key[32];
	struct ss_mem_fault f;
	ss_error err;
	fill(p, 48, 17);
	struct ss_mem_access a = host_acc(SS_MEM_WRITE);
	a.flags = SS_MEM_C;
	REQUIRE(ss_mem_write(x.m, &a, 0x3000, p, 48, &f, &err) == 0);
	REQUIRE(h_read(&x, 0x3000, h, 48, &f) == 0);
	uint8_t seed[8] = {42};
	unsigned kl = 32;
	static const char label[] = "softsev SME key slot 0";
	REQUIRE(HMAC(EVP_sha256(), seed, 8, (const uint8_t *)label, sizeof(label) - 1, key, &kl));
	REQUIRE(ref_xts(key, 32, 1, 0x3000, p, want, 48));
	CHECK_MEM(h, want, 48);
	fx_fini(&x);
}

TEST(deterministic)
{
	uint8_t h[2][64];
	for (int i = 0; i < 2; i++) {
		struct fx x;
		REQUIRE(fx_init(&x, SEV));
		struct ss_mem_fault f;
		uint8_t p[64];
		fill(p, 64, 23);
		REQUIRE(g_write(&x, GUEST_ASID, GPA_A, p, 64, &f) == 0);
		REQUIRE(h_read(&x, SPA_OF(GPA_A), h[i], 64, &f) == 0);
		fx_fini(&x);
	}
	CHECK_MEM(h[0], h[1], 64);
}

TEST(snp_aes256_policy)
{
	/* MEM_AES_256_XTS: a 64-byte key slot encrypts with AES-256-XTS. */
	struct fx x;
	REQUIRE(fx_init(&x, SNP));
	uint8_t key[64], p[64], h[64], want[64];
	struct ss_mem_fault f;
	ss_error err;
	fx_key(key, 64, 9);
	REQUIRE(ss_mem_fw_key_load(x.fw, 3, key, 64, SS_MEM_KEY_SNP, &err) == 0);
	REQUIRE(fx_assign(&x, 3, GPA_A, true));
	fill(p, 64, 29);
	REQUIRE(g_write(&x, 3, GPA_A, p, 64, &f) == 0);
	REQUIRE(h_read(&x, SPA_OF(GPA_A), h, 64, &f) == 0);
	REQUIRE(ref_xts(key, 64, 1, SPA_OF(GPA_A), p, want, 64));
	CHECK_MEM(h, want, 64);
	fx_fini(&x);
}

TEST(vek128_derives_its_tweak_key)
{
	/* A 16-byte VEK as the SEV API generates it: K2 = HMAC-SHA256(VEK, label)[0:16]. */
	struct fx x;
	REQUIRE(fx_init(&x, SEV));
	uint8_t vek[16], full[32], p[64], h[64], want[64];
	struct ss_mem_fault f;
	ss_error err;
	fx_key(vek, 16, 12);
	REQUIRE(ss_mem_fw_key_load(x.fw, 4, vek, 16, SS_MEM_KEY_SEV, &err) == 0);
	fill(p, 64, 43);
	REQUIRE(g_write(&x, 4, GPA_A, p, 64, &f) == 0);
	REQUIRE(h_read(&x, SPA_OF(GPA_A), h, 64, &f) == 0);
	static const char label[] = "softsev XTS tweak key";
	uint8_t mac[32];
	unsigned ml = 32;
	REQUIRE(HMAC(EVP_sha256(), vek, 16, (const uint8_t *)label, sizeof(label) - 1, mac, &ml));
	memcpy(full, vek, 16);
	memcpy(full + 16, mac, 16);
	REQUIRE(ref_xts(full, 32, 1, SPA_OF(GPA_A), p, want, 64));
	CHECK_MEM(h, want, 64);
	fx_fini(&x);
}

TEST(key_unload_keeps_ciphertext)
{
	struct fx x;
	REQUIRE(fx_init(&x, SEV));
	uint8_t p[64], got[64], h1[64], h2[64];
	struct ss_mem_fault f;
	ss_error err;
	fill(p, 64, 31);
	REQUIRE(g_write(&x, GUEST_ASID, GPA_A, p, 64, &f) == 0);
	REQUIRE(h_read(&x, SPA_OF(GPA_A), h1, 64, &f) == 0);
	REQUIRE(ss_mem_fw_key_unload(x.fw, GUEST_ASID, &err) == 0);
	CHECK(ss_mem_key_mode(x.m, GUEST_ASID) == 0);
	REQUIRE(h_read(&x, SPA_OF(GPA_A), h2, 64, &f) == 0);
	CHECK_MEM(h1, h2, 64);
	/* The same key again (a guest re-activated) reads the data; another key, garbage. */
	REQUIRE(ss_mem_fw_key_load(x.fw, GUEST_ASID, x.key1, 32, SS_MEM_KEY_SEV, &err) == 0);
	REQUIRE(g_read(&x, GUEST_ASID, GPA_A, got, 64, &f) == 0);
	CHECK_MEM(got, p, 64);
	REQUIRE(ss_mem_fw_key_load(x.fw, GUEST_ASID, x.key2, 32, SS_MEM_KEY_SEV, &err) == 0);
	REQUIRE(g_read(&x, GUEST_ASID, GPA_A, got, 64, &f) == 0);
	CHECK(memcmp(got, p, 64) != 0);
	fx_fini(&x);
}

TEST(firmware_port_once_and_bad_keys)
{
	struct fx x;
	REQUIRE(fx_init(&x, PLAIN));
	ss_error err;
	CHECK(ss_mem_claim_firmware_port(x.m) == NULL); /* the PSP has it */
	uint8_t same[32] = {0};
	CHECK(ss_mem_fw_key_load(x.fw, 1, same, 32, SS_MEM_KEY_SEV, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "halves are equal");
	CHECK(ss_mem_fw_key_load(x.fw, 1, x.key1, 24, SS_MEM_KEY_SEV, &err) == SS_EINVAL);
	CHECK(ss_mem_fw_key_load(x.fw, 0, x.key1, 32, SS_MEM_KEY_SEV, &err) == SS_EINVAL);
	CHECK(ss_mem_fw_key_load(x.fw, 16, x.key1, 32, SS_MEM_KEY_SEV, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "ASID 16");
	uint8_t b[4];
	CHECK(ss_mem_fw_read(x.fw, 5, 0, b, 4, &err) == SS_EINVAL); /* slot not loaded */
	CHECK(ss_mem_fw_read(x.fw, SS_MEM_FW_NOKEY, DRAM - 2, b, 4, &err) == SS_ERANGE);
	fx_fini(&x);
}

TEST(firmware_launch_update_in_place)
{
	/* LAUNCH_UPDATE_DATA: the PSP encrypts host-written plaintext in place with the guest key.
	 */
	struct fx x;
	REQUIRE(fx_init(&x, SEV));
	uint8_t p[PG], buf[PG], got[PG];
	struct ss_mem_fault f;
	ss_error err;
	fill(p, PG, 37);
	REQUIRE(h_write(&x, SPA_OF(GPA_A), p, PG, &f) == 0);
	REQUIRE(ss_mem_fw_read(x.fw, SS_MEM_FW_NOKEY, SPA_OF(GPA_A), buf, PG, &err) == 0);
	REQUIRE(ss_mem_fw_write(x.fw, GUEST_ASID, SPA_OF(GPA_A), buf, PG, &err) == 0);
	REQUIRE(g_read(&x, GUEST_ASID, GPA_A, got, PG, &f) == 0);
	CHECK_MEM(got, p, PG);
	fx_fini(&x);
}

TEST(bad_descriptors_are_errors)
{
	struct fx x;
	REQUIRE(fx_init(&x, SNP));
	ss_error err;
	struct ss_mem_fault f;
	uint8_t b[8];
	struct ss_mem_access a = guest_acc(GUEST_ASID, SS_MEM_READ, GPA_A, true);
	a.vmpl = 4;
	CHECK(ss_mem_read(x.m, &a, SPA_OF(GPA_A), b, 8, &f, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "vmpl");
	a.vmpl = 0;
	CHECK(ss_mem_read(x.m, &a, SPA_OF(GPA_A) + PG - 4, b, 8, &f, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "crosses a page");
	CHECK(ss_mem_read(x.m, &a, DRAM, b, 8, &f, &err) == SS_MEM_FAULTED);
	CHECK(f.kind == SS_MEM_FAULT_NOMEM);
	CHECK_STR(ss_mem_fault_name(f.kind), "SS_MEM_FAULT_NOMEM");
	CHECK_STR(ss_mem_fault_name(99), "SS_MEM_FAULT_UNKNOWN");
	CHECK_CONTAINS(ss_mem_fault_hint(SS_MEM_FAULT_VC), "0x404");
	a.type = SS_MEM_WRITE;
	CHECK(ss_mem_read(x.m, &a, SPA_OF(GPA_A), b, 8, &f, &err) == SS_EINVAL);
	fx_fini(&x);
}

TEST_MAIN(MODE_CASES(hv_reads_ciphertext), MODE_CASES(ciphertext_depends_on_address),
	  MODE_CASES(moved_page_decrypts_to_garbage), MODE_CASES(replayed_page),
	  MODE_CASES(blocks_are_independent), MODE_CASES(second_guest_sees_garbage),
	  MODE_CASES(shared_access_is_clear), MODE_CASES(fetch_and_walk_are_private),
	  MODE_CASES(owner_map_fast_path), MODE_CASES(same_key_rewrite_is_heard),
	  sme_host_key_is_slot0, deterministic, snp_aes256_policy, vek128_derives_its_tweak_key,
	  key_unload_keeps_ciphertext, firmware_port_once_and_bad_keys,
	  firmware_launch_update_in_place, bad_descriptors_are_errors)
