/* Shared set-up of the mem tests: a 16 MiB machine in one of the four modes, a guest (ASID 1) with
 * a few private pages, and an independent AES-XTS computed with OpenSSL's EVP_aes_*_xts directly
 * (not through src/crypto), so the engine is checked against the cipher, not against itself. */
#ifndef SS_TEST_MEM_FIXTURE_H
#define SS_TEST_MEM_FIXTURE_H

#include "harness.h"

#include <openssl/evp.h>
#include <softsev/mem.h>
#include <stdint.h>
#include <string.h>

enum mode { PLAIN, SEV, SEV_ES, SNP };
static const char *const mode_name[] = {"plain", "SEV", "SEV-ES", "SNP"};

#define DRAM	   (16u << 20)
#define RMP_BASE   0xE00000u /* 14 MiB: the table needs 0x4000 + 16 * 4096 bytes */
#define GUEST_ASID 1
#define OTHER_ASID 2
#define PG	   4096u

/* Guest frames: GPA g maps to sPA 0x200000 + g (an identity-plus-offset nested mapping). */
#define GPA_BASE    0x10000u
#define SPA_OF(gpa) (0x200000u + (gpa))

struct fx {
	enum mode mode;
	struct ss_mem *m;
	struct ss_mem_fw *fw;
	uint8_t key1[32], key2[32];
};

static inline void fx_key(uint8_t *k, size_t len, uint8_t salt)
{
	for (size_t i = 0; i < len; i++)
		k[i] = (uint8_t)(i * 37u + salt * 101u + 7u);
}

/* Creates the machine; for SEV and up loads ASID 1 (and ASID 2, a second guest) keys; for SNP
 * enables the RMP. Returns false on failure (the test fails). */
static inline bool fx_init(struct fx *x, enum mode mode)
{
	memset(x, 0, sizeof(*x));
	x->mode = mode;
	struct ss_mem_config cfg = {.dram_size = DRAM, .max_asid = 15, .seed = 42};
	ss_error err = {0};
	if (ss_mem_create(&cfg, &x->m, &err)) {
		printf("# create: %s\n", err.msg);
		return false;
	}
	x->fw = ss_mem_claim_firmware_port(x->m);
	if (!x->fw)
		return false;
	fx_key(x->key1, 32, 1);
	fx_key(x->key2, 32, 2);
	if (mode == SNP) {
		if (ss_mem_set_rmp_range(x->m, RMP_BASE, RMP_BASE + 0x20000 - 1, &err) ||
		    ss_mem_snp_enable(x->m, &err)) {
			printf("# snp: %s\n", err.msg);
			return false;
		}
	}
	if (mode != PLAIN) {
		enum ss_mem_key_mode km = mode == SNP ? SS_MEM_KEY_SNP : SS_MEM_KEY_SEV;
		if (ss_mem_fw_key_load(x->fw, GUEST_ASID, x->key1, 32, km, &err) ||
		    ss_mem_fw_key_load(x->fw, OTHER_ASID, x->key2, 32, km, &err)) {
			printf("# key: %s\n", err.msg);
			return false;
		}
	}
	return true;
}

static inline void fx_fini(struct fx *x)
{
	ss_mem_destroy(x->m);
}

static inline struct ss_mem_access host_acc(enum ss_mem_type t)
{
	struct ss_mem_access a = {.actor = SS_MEM_HOST, .type = t};
	return a;
}

static inline struct ss_mem_access guest_acc(uint16_t asid, enum ss_mem_type t, uint64_t gpa, bool c)
{
	struct ss_mem_access a = {
	    .actor = SS_MEM_GUEST, .type = t, .flags = c ? SS_MEM_C : 0, .asid = asid, .gpa = gpa};
	return a;
}

static inline struct ss_mem_guest_op gop(uint16_t asid, uint8_t vmpl, uint64_t gpa, uint64_t rcx,
				  uint64_t rdx)
{
	struct ss_mem_guest_op o = {.asid = asid,
				    .vmpl = vmpl,
				    .map_size = SS_MEM_MAP_4K,
				    .gva = 0x7f0000000000ull + gpa,
				    .gpa = gpa,
				    .spa = SPA_OF(gpa),
				    .rcx = rcx,
				    .rdx = rdx};
	if (rcx == 1)
		o.map_size = SS_MEM_MAP_2M;
	return o;
}

/* SNP: the host assigns the page to asid at gpa (RMPUPDATE) and the guest validates it. */
static inline bool fx_assign(struct fx *x, uint16_t asid, uint64_t gpa, bool validate)
{
	if (x->mode != SNP)
		return true;
	struct ss_abi_rmp_state st = {.gpa = gpa, .assigned = 1, .asid = asid};
	struct ss_rmp_result r;
	struct ss_mem_fault f;
	ss_error err;
	if (ss_mem_rmpupdate(x->m, SPA_OF(gpa), &st, &r, &f, &err) || r.eax)
		return false;
	if (!validate)
		return true;
	struct ss_mem_guest_op o = gop(asid, 0, gpa, 0, 1);
	return ss_mem_pvalidate(x->m, &o, &r, &f, &err) == 0 && r.eax == 0 && !r.cf;
}

static inline int g_write(struct fx *x, uint16_t asid, uint64_t gpa, const void *buf, size_t len,
		   struct ss_mem_fault *f)
{
	struct ss_mem_access a = guest_acc(asid, SS_MEM_WRITE, gpa, true);
	ss_error err;
	return ss_mem_write(x->m, &a, SPA_OF(gpa), buf, len, f, &err);
}

static inline int g_read(struct fx *x, uint16_t asid, uint64_t gpa, void *buf, size_t len,
		  struct ss_mem_fault *f)
{
	struct ss_mem_access a = guest_acc(asid, SS_MEM_READ, gpa, true);
	ss_error err;
	return ss_mem_read(x->m, &a, SPA_OF(gpa), buf, len, f, &err);
}

static inline int h_read(struct fx *x, uint64_t spa, void *buf, size_t len, struct ss_mem_fault *f)
{
	struct ss_mem_access a = host_acc(SS_MEM_READ);
	ss_error err;
	return ss_mem_read(x->m, &a, spa, buf, len, f, &err);
}

static inline int h_write(struct fx *x, uint64_t spa, const void *buf, size_t len, struct ss_mem_fault *f)
{
	struct ss_mem_access a = host_acc(SS_MEM_WRITE);
	ss_error err;
	return ss_mem_write(x->m, &a, spa, buf, len, f, &err);
}

/* Independent AES-XTS per 16-byte block, tweak = LE128(spa >> 4), through EVP_aes_*_xts. */
static inline bool ref_xts(const uint8_t *key, size_t key_len, int enc, uint64_t spa, const uint8_t *in,
		    uint8_t *out, size_t len)
{
	const EVP_CIPHER *c = key_len == 64 ? EVP_aes_256_xts() : EVP_aes_128_xts();
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	bool ok = ctx != NULL;
	for (size_t i = 0; ok && i < len; i += 16) {
		uint8_t iv[16] = {0};
		uint64_t unit = (spa + i) >> 4;
		for (int b = 0; b < 8; b++)
			iv[b] = (uint8_t)(unit >> (8 * b));
		int outl = 0;
		ok = EVP_CipherInit_ex(ctx, c, NULL, key, iv, enc) == 1 &&
		     EVP_CipherUpdate(ctx, out + i, &outl, in + i, 16) == 1 && outl == 16;
	}
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

static inline void fill(uint8_t *p, size_t n, uint8_t salt)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7u + salt);
}

/* Per-mode test instances: MODE_TEST(name) { ... uses x (a ready fixture) ... } */
#define MODE_TEST(name)                                                                            \
	static void body_##name(struct fx *x);                                                     \
	static void run_##name(enum mode md)                                                       \
	{                                                                                          \
		struct fx x;                                                                       \
		if (!fx_init(&x, md)) {                                                            \
			printf("# %s: fixture failed in mode %s\n", #name, mode_name[md]);         \
			ss_test_failed_checks++;                                                   \
			return;                                                                    \
		}                                                                                  \
		body_##name(&x);                                                                   \
		fx_fini(&x);                                                                       \
	}                                                                                          \
	TEST(name##_plain)                                                                         \
	{                                                                                          \
		run_##name(PLAIN);                                                                 \
	}                                                                                          \
	TEST(name##_sev)                                                                           \
	{                                                                                          \
		run_##name(SEV);                                                                   \
	}                                                                                          \
	TEST(name##_sev_es)                                                                        \
	{                                                                                          \
		run_##name(SEV_ES);                                                                \
	}                                                                                          \
	TEST(name##_snp)                                                                           \
	{                                                                                          \
		run_##name(SNP);                                                                   \
	}                                                                                          \
	static void body_##name(struct fx *x)
#define MODE_CASES(name) name##_plain, name##_sev, name##_sev_es, name##_snp

#endif
