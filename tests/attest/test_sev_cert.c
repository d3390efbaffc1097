/* Legacy SEV certificates: the real Naples/Rome/Milan chains and the Genoa/Turin AMD roots in
 * vectors/snp/sev-legacy, tampered copies of them, freshly signed chains and malformed input. */
#include "harness.h"

#include <softsev/sev_cert.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/file.h"

static const char *products[] = {"naples", "rome", "milan"};
static const char *ark_names[] = {"Naples", "Rome", "Milan", "Genoa", "Turin"};
static const char *ca_products[] = {"naples", "rome", "milan", "genoa", "turin"};

/* Reads vectors/snp/sev-legacy/<rel>; a missing fixture fails the test. */
static uint8_t *load(const char *rel, size_t *len)
{
	const char *dir = getenv("SOFTSEV_VECTORS");
	char path[1024];
	snprintf(path, sizeof(path), "%s/snp/sev-legacy/%s", dir ? dir : "../shared/vectors", rel);
	uint8_t *data = NULL;
	ss_error err;
	if (ss_read_file(path, 1 << 20, &data, len, &err)) {
		printf("# missing fixture: %s\n", err.msg);
		return NULL;
	}
	return data;
}

/* One product's six certificates as wire bytes: PDH alone, cert_chain (PEK||OCA||CEK) and the
 * AMD chain (ASK||ARK), as PDH_CERT_EXPORT and AMD's ask_ark file give them. */
struct wire {
	uint8_t pdh[SS_SEV_CERT_SIZE];
	uint8_t chain[SS_SEV_CHAIN_SIZE];
	uint8_t amd[2 * SS_AMD_CERT_MAX_SIZE];
	size_t amd_len, ask_len;
};

static bool load_wire(const char *product, struct wire *w)
{
	static const char *names[] = {"pdh", "pek", "oca", "cek"};
	for (int i = 0; i < 4; i++) {
		char rel[128];
		size_t len;
		snprintf(rel, sizeof(rel), "platform/%s/%s.cert", product, names[i]);
		uint8_t *d = load(rel, &len);
		if (!d || len != SS_SEV_CERT_SIZE) {
			free(d);
			return false;
		}
		memcpy(i == 0 ? w->pdh : w->chain + (i - 1) * SS_SEV_CERT_SIZE, d, len);
		free(d);
	}
	w->amd_len = 0;
	for (int i = 0; i < 2; i++) {
		char rel[128];
		size_t len;
		snprintf(rel, sizeof(rel), "ca/%s/%s.cert", product, i == 0 ? "ask" : "ark");
		uint8_t *d = load(rel, &len);
		if (!d || w->amd_len + len > sizeof(w->amd)) {
			free(d);
			return false;
		}
		memcpy(w->amd + w->amd_len, d, len);
		if (i == 0)
			w->ask_len = len;
		w->amd_len += len;
		free(d);
	}
	return true;
}

/* Parses and verifies the whole chain the way `softsev report sev-chain verify` does. */
static int verify_wire(const struct wire *w, ss_error *err)
{
	ss_sev_cert pdh;
	ss_sev_chain chain;
	ss_amd_chain amd;
	int rc = ss_sev_cert_parse(w->pdh, sizeof(w->pdh), &pdh, err);
	if (rc) {
		ss_wrap(err, rc, "PDH");
		return rc;
	}
	if ((rc = ss_sev_chain_parse(w->chain, sizeof(w->chain), &chain, err)) ||
	    (rc = ss_amd_chain_parse(w->amd, w->amd_len, &amd, err)))
		return rc;
	return ss_sev_verify_chain(&pdh, &chain, &amd, err);
}

TEST(real_chains_verify_every_link)
{
	for (size_t p = 0; p < 3; p++) {
		struct wire w;
		REQUIRE(load_wire(products[p], &w));
		ss_error err = {0};
		ss_sev_cert pdh;
		ss_sev_chain chain;
		ss_amd_chain amd;
		REQUIRE(ss_sev_cert_parse(w.pdh, sizeof(w.pdh), &pdh, &err) == 0);
		REQUIRE(ss_sev_chain_parse(w.chain, sizeof(w.chain), &chain, &err) == 0);
		REQUIRE(ss_amd_chain_parse(w.amd, w.amd_len, &amd, &err) == 0);
		/* Each link on its own. */
		unsigned slot = 9;
		CHECK(ss_sev_cert_verify(&chain.oca, &chain.oca, &slot, &err) == 0 && slot == 0);
		CHECK(ss_sev_cert_verify(&chain.pek, &chain.oca, &slot, &err) == 0 && slot == 0);
		CHECK(ss_sev_cert_verify(&chain.pek, &chain.cek, &slot, &err) == 0 && slot == 1);
		CHECK(ss_sev_cert_verify(&pdh, &chain.pek, &slot, &err) == 0 && slot == 0);
		CHECK(ss_sev_cert_verify_by_amd(&chain.cek, &amd.ask, &err) == 0);
		CHECK(ss_amd_cert_verify(&amd.ask, &amd.ark, &err) == 0);
		CHECK(ss_amd_cert_verify(&amd.ark, &amd.ark, &err) == 0);
		/* Both halves and the whole. */
		CHECK(ss_sev_verify_owner_chain(&pdh, &chain.pek, &chain.oca, &err) == 0);
		CHECK(ss_sev_verify_amd_chain(&chain.pek, &chain.cek, &amd.ask, &amd.ark, &err) ==
		      0);
		int rc = ss_sev_verify_chain(&pdh, &chain, &amd, &err);
		if (rc)
			printf("# %s: %s\n", products[p], err.msg);
		CHECK(rc == 0);
		CHECK_STR(ss_amd_ark_product(&amd.ark), ark_names[p]);
		/* Known facts of the real certificates (attestation.md §13.2). */
		CHECK(pdh.pubkey_algo == SS_SEV_ALGO_ECDH_SHA256);
		CHECK(chain.pek.pubkey.ec.curve == SS_SEV_CURVE_P384);
		CHECK(chain.cek.api_major == 0 && chain.cek.api_minor == 14);
		CHECK(chain.cek.sig[0].algo ==
		      (p == 0 ? SS_SEV_ALGO_RSA_SHA256 : SS_SEV_ALGO_RSA_SHA384));
		/* Not by the wrong signer: the PDH is not signed by the OCA. */
		CHECK(ss_sev_cert_verify(&pdh, &chain.oca, NULL, &err) == SS_EBADSIG);
	}
}

TEST(genoa_turin_amd_roots_verify)
{
	for (size_t p = 3; p < 5; p++) {
		char rel[64];
		size_t la, lk;
		snprintf(rel, sizeof(rel), "ca/%s/ark.cert", ca_products[p]);
		uint8_t *a = load(rel, &la);
		snprintf(rel, sizeof(rel), "ca/%s/ask.cert", ca_products[p]);
		uint8_t *k = load(rel, &lk);
		REQUIRE(a && k);
		ss_amd_cert ark, ask;
		ss_error err = {0};
		CHECK(ss_amd_cert_parse(a, la, &ark, NULL, &err) == 0);
		CHECK(ss_amd_cert_parse(k, lk, &ask, NULL, &err) == 0);
		CHECK(ark.hdr.modulus_size == 4096 && ask.hdr.key_usage == SS_SEV_USAGE_ASK);
		CHECK(ss_amd_cert_verify(&ark, &ark, &err) == 0);
		CHECK(ss_amd_cert_verify(&ask, &ark, &err) == 0);
		CHECK_STR(ss_amd_ark_product(&ark), ark_names[p]);
		CHECK(ss_amd_ark_product(&ask) == NULL);
		free(a);
		free(k);
	}
}

TEST(reserialize_gives_identical_bytes)
{
	static const char *names[] = {"pdh", "pek", "oca", "cek"};
	for (size_t p = 0; p < 3; p++)
		for (int i = 0; i < 4; i++) {
			char rel[64];
			size_t len;
			snprintf(rel, sizeof(rel), "platform/%s/%s.cert", products[p], names[i]);
			uint8_t *d = load(rel, &len);
			REQUIRE(d);
			ss_sev_cert c;
			uint8_t out[SS_SEV_CERT_SIZE];
			ss_error err = {0};
			CHECK(ss_sev_cert_parse(d, len, &c, &err) == 0);
			ss_sev_cert_serialize(&c, out);
			CHECK(len == SS_SEV_CERT_SIZE && memcmp(out, d, len) == 0);
			free(d);
		}
	for (size_t p = 0; p < 5; p++)
		for (int i = 0; i < 2; i++) {
			char rel[64];
			size_t len, olen = 0;
			snprintf(rel, sizeof(rel), "ca/%s/%s.cert", ca_products[p],
				 i ? "ark" : "ask");
			uint8_t *d = load(rel, &len);
			REQUIRE(d);
			ss_amd_cert c;
			uint8_t out[SS_AMD_CERT_MAX_SIZE];
			ss_error err = {0};
			CHECK(ss_amd_cert_parse(d, len, &c, NULL, &err) == 0);
			CHECK(ss_amd_cert_size(&c) == len);
			CHECK(ss_amd_cert_serialize(&c, out, sizeof(out), &olen, &err) == 0);
			CHECK(olen == len && memcmp(out, d, len) == 0);
			free(d);
		}
	/* The chain buffers round-trip too. */
	struct wire w;
	REQUIRE(load_wire("rome", &w));
	ss_sev_chain chain;
	ss_amd_chain amd;
	uint8_t out[SS_SEV_CHAIN_SIZE];
	size_t olen = 0;
	REQUIRE(ss_sev_chain_parse(w.chain, sizeof(w.chain), &chain, NULL) == 0);
	ss_sev_chain_serialize(&chain, out);
	CHECK(memcmp(out, w.chain, sizeof(w.chain)) == 0);
	REQUIRE(ss_amd_chain_parse(w.amd, w.amd_len, &amd, NULL) == 0);
	CHECK(ss_amd_chain_serialize(&amd, out, sizeof(out), &olen, NULL) == 0);
	CHECK(olen == w.amd_len && memcmp(out, w.amd, olen) == 0);
}

/* Where each certificate lives in a struct wire, and its fields' offsets. */
enum role { PDH, PEK, OCA, CEK, ASK, ARK };
static const char *role_names[] = {"PDH", "PEK", "OCA", "CEK", "ASK", "ARK"};

static uint8_t *cert_at(struct wire *w, enum role r)
{
	switch (r) {
	case PDH: return w->pdh;
	case PEK: return w->chain;
	case OCA: return w->chain + SS_SEV_CERT_SIZE;
	case CEK: return w->chain + 2 * SS_SEV_CERT_SIZE;
	case ASK: return w->amd;
	case ARK: return w->amd + w->ask_len;
	}
	return NULL;
}

enum field { F_SIG, F_SIG2, F_KEY, F_USAGE, F_SIG_USAGE };
static const char *field_names[] = {"signature", "signature 2", "key", "usage", "sig usage"};

static size_t field_offset(struct wire *w, enum role r, enum field f)
{
	if (r == ASK || r == ARK) {
		const uint8_t *c = cert_at(w, r);
		size_t n = (size_t)(c[0x3c] | c[0x3d] << 8) / 8,
		       e = (size_t)(c[0x38] | c[0x39] << 8) / 8;
		switch (f) {
		case F_SIG: return 0x40 + e + n + 5;
		case F_KEY: return 0x40 + e + 3;
		case F_USAGE: return 0x24;
		default: return 0;
		}
	}
	switch (f) {
	case F_SIG: return 0x41c + 5;
	case F_SIG2: return 0x624 + 5;
	case F_KEY: return 0x14 + 3;
	case F_USAGE: return 0x08;
	case F_SIG_USAGE: return 0x414;
	}
	return 0;
}

TEST(flipped_bits_fail_naming_the_certificate)
{
	for (size_t p = 0; p < 3; p++) {
		struct wire good;
		REQUIRE(load_wire(products[p], &good));
		for (int r = PDH; r <= ARK; r++)
			for (int f = F_SIG; f <= F_SIG_USAGE; f++) {
				if (f == F_SIG2 && r != PEK)
					continue; /* only the PEK has two signatures */
				if (f == F_SIG_USAGE && (r == ASK || r == ARK))
					continue;
				/* Two bits per field: the lowest and one that keeps usages
				 * plausible. */
				for (int bit = 0; bit < 8; bit += 4) {
					struct wire w = good;
					cert_at(&w, (enum role)r)[field_offset(&w, r, f)] ^=
					    (uint8_t)(1u << bit);
					ss_error err = {0};
					int rc = verify_wire(&w, &err);
					bool named = strstr(err.msg, role_names[r]) != NULL;
					if (rc == 0 || !named)
						printf("# %s %s %s bit %d: rc %d, \"%s\"\n",
						       products[p], role_names[r], field_names[f],
						       bit, rc, err.msg);
					CHECK(rc != 0);
					CHECK(named);
					/* A broken signature or key is a bad signature (exit 3); a
					 * broken usage is malformed input or a wrong link. */
					if (f == F_SIG || f == F_SIG2)
						CHECK(rc == SS_EBADSIG);
				}
			}
	}
}

/* ---- freshly generated chains ---- */

static EVP_PKEY *rsa_gen(unsigned bits)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
}

struct fresh {
	ss_eckey *pdh_k, *pek_k, *oca_k, *cek_k;
	EVP_PKEY *ark_k, *ask_k;
	ss_sev_cert pdh;
	ss_sev_chain chain;
	ss_amd_chain amd;
};

static EVP_PKEY *shared_ark, *shared_ask; /* RSA keygen is slow under ASan: once per binary */

static bool make_fresh(struct fresh *f)
{
	ss_error err = {0};
	memset(f, 0, sizeof(*f));
	if (!shared_ark)
		shared_ark = rsa_gen(2048);
	if (!shared_ask)
		shared_ask = rsa_gen(2048);
	f->ark_k = shared_ark;
	f->ask_k = shared_ask;
	if (!f->ark_k || !f->ask_k || ss_eckey_generate_p384(&f->pdh_k, &err) ||
	    ss_eckey_generate_p384(&f->pek_k, &err) || ss_eckey_generate_p384(&f->oca_k, &err) ||
	    ss_eckey_generate_p384(&f->cek_k, &err))
		return false;
	uint8_t ark_id[16], ask_id[16];
	memset(ark_id, 0xa1, sizeof(ark_id));
	memset(ask_id, 0xa2, sizeof(ask_id));
	int rc = ss_amd_cert_init(&f->amd.ark, SS_SEV_USAGE_ARK, ark_id, ark_id, f->ark_k, &err) ||
		 ss_amd_cert_sign(&f->amd.ark, f->ark_k, &err) ||
		 ss_amd_cert_init(&f->amd.ask, SS_SEV_USAGE_ASK, ask_id, ark_id, f->ask_k, &err) ||
		 ss_amd_cert_sign(&f->amd.ask, f->ark_k, &err);
	ss_sev_cert_init(&f->chain.cek, SS_SEV_USAGE_CEK, SS_SEV_ALGO_ECDSA_SHA256, 0, 14);
	ss_sev_cert_init(&f->chain.oca, SS_SEV_USAGE_OCA, SS_SEV_ALGO_ECDSA_SHA256, 1, 55);
	ss_sev_cert_init(&f->chain.pek, SS_SEV_USAGE_PEK, SS_SEV_ALGO_ECDSA_SHA256, 1, 55);
	ss_sev_cert_init(&f->pdh, SS_SEV_USAGE_PDH, SS_SEV_ALGO_ECDH_SHA256, 1, 55);
	rc = rc || ss_sev_cert_set_ec_pubkey(&f->chain.cek, f->cek_k, &err) ||
	     ss_sev_cert_sign_rsa(&f->chain.cek, 0, SS_SEV_USAGE_ASK, SS_SEV_ALGO_RSA_SHA256,
				  f->ask_k, &err) ||
	     ss_sev_cert_set_ec_pubkey(&f->chain.oca, f->oca_k, &err) ||
	     ss_sev_cert_sign_ec(&f->chain.oca, 0, SS_SEV_USAGE_OCA, SS_SEV_ALGO_ECDSA_SHA256,
				 f->oca_k, &err) ||
	     ss_sev_cert_set_ec_pubkey(&f->chain.pek, f->pek_k, &err) ||
	     ss_sev_cert_sign_ec(&f->chain.pek, 0, SS_SEV_USAGE_OCA, SS_SEV_ALGO_ECDSA_SHA256,
				 f->oca_k, &err) ||
	     ss_sev_cert_sign_ec(&f->chain.pek, 1, SS_SEV_USAGE_CEK, SS_SEV_ALGO_ECDSA_SHA256,
				 f->cek_k, &err) ||
	     ss_sev_cert_set_ec_pubkey(&f->pdh, f->pdh_k, &err) ||
	     ss_sev_cert_sign_ec(&f->pdh, 0, SS_SEV_USAGE_PEK, SS_SEV_ALGO_ECDSA_SHA256, f->pek_k,
				 &err);
	if (rc)
		printf("# building a fresh chain: %s\n", err.msg);
	return !rc;
}

static void free_fresh(struct fresh *f)
{
	ss_eckey_free(f->pdh_k);
	ss_eckey_free(f->pek_k);
	ss_eckey_free(f->oca_k);
	ss_eckey_free(f->cek_k);
}

TEST(fresh_chain_verifies_and_round_trips)
{
	struct fresh f;
	REQUIRE(make_fresh(&f));
	ss_error err = {0};
	/* Through the wire form, as the PSP hands it out. */
	struct wire w;
	ss_sev_cert_serialize(&f.pdh, w.pdh);
	ss_sev_chain_serialize(&f.chain, w.chain);
	REQUIRE(ss_amd_chain_serialize(&f.amd, w.amd, sizeof(w.amd), &w.amd_len, &err) == 0);
	w.ask_len = ss_amd_cert_size(&f.amd.ask);
	CHECK(w.amd_len == 2 * SS_AMD_CERT_SIZE_2K);
	int rc = verify_wire(&w, &err);
	if (rc)
		printf("# %s\n", err.msg);
	CHECK(rc == 0);
	CHECK(ss_amd_ark_product(&f.amd.ark) == NULL); /* ours, not AMD's */
	/* Keys read back equal the keys written. */
	ss_eckey *back;
	uint8_t x1[48], y1[48], x2[48], y2[48];
	REQUIRE(ss_sev_cert_get_ec_pubkey(&f.chain.pek, &back, &err) == 0);
	CHECK(ss_eckey_public_xy(back, x1, y1) == 0 && ss_eckey_public_xy(f.pek_k, x2, y2) == 0);
	CHECK_MEM(x1, x2, 48);
	CHECK_MEM(y1, y2, 48);
	ss_eckey_free(back);
	/* The PEK_CSR shape (no signatures) parses; a GODH-like cert (PDH usage, signed by PEK)
	 * too. */
	ss_sev_cert csr = f.chain.pek, tmp;
	ss_sev_cert_clear_sig(&csr, 0);
	ss_sev_cert_clear_sig(&csr, 1);
	CHECK(ss_sev_cert_parse(&csr, sizeof(csr), &tmp, &err) == 0);
	CHECK(ss_sev_cert_verify(&csr, &f.chain.oca, NULL, &err) == SS_EBADSIG);
	CHECK_CONTAINS(err.msg, "no signature slot is by OCA");
	free_fresh(&f);
}

TEST(fresh_chain_with_swapped_keys_fails)
{
	struct fresh f;
	REQUIRE(make_fresh(&f));
	ss_error err = {0};
	ss_eckey *other;
	REQUIRE(ss_eckey_generate_p384(&other, &err) == 0);

	/* A PDH whose key was swapped after signing. */
	ss_sev_cert pdh = f.pdh;
	REQUIRE(ss_sev_cert_set_ec_pubkey(&pdh, other, &err) == 0);
	CHECK(ss_sev_verify_chain(&pdh, &f.chain, &f.amd, &err) == SS_EBADSIG);
	CHECK_CONTAINS(err.msg, "PDH: signature by PEK");

	/* A PEK signed by a key other than the OCA's. */
	ss_sev_chain chain = f.chain;
	REQUIRE(ss_sev_cert_sign_ec(&chain.pek, 0, SS_SEV_USAGE_OCA, SS_SEV_ALGO_ECDSA_SHA256,
				    other, &err) == 0);
	CHECK(ss_sev_verify_chain(&f.pdh, &chain, &f.amd, &err) == SS_EBADSIG);
	CHECK_CONTAINS(err.msg, "PEK: signature by OCA");

	/* A CEK whose key is not the one the ASK certified. */
	chain = f.chain;
	REQUIRE(ss_sev_cert_set_ec_pubkey(&chain.cek, other, &err) == 0);
	CHECK(ss_sev_verify_chain(&f.pdh, &chain, &f.amd, &err) == SS_EBADSIG);
	CHECK_CONTAINS(err.msg, "CEK: signature by ASK");

	/* An ASK signed by the ASK key itself rather than by the ARK. */
	ss_amd_chain amd = f.amd;
	REQUIRE(ss_amd_cert_sign(&amd.ask, f.ask_k, &err) == 0);
	CHECK(ss_sev_verify_chain(&f.pdh, &f.chain, &amd, &err) == SS_EBADSIG);
	CHECK_CONTAINS(err.msg, "ASK: signature by ARK");

	/* An ARK with a swapped key. */
	amd = f.amd;
	REQUIRE(ss_amd_cert_init(&amd.ark, SS_SEV_USAGE_ARK, f.amd.ark.hdr.key_id,
				 f.amd.ark.hdr.key_id, f.ask_k, &err) == 0);
	memcpy(amd.ark.sig, f.amd.ark.sig, sizeof(amd.ark.sig));
	CHECK(ss_sev_verify_chain(&f.pdh, &f.chain, &amd, &err) == SS_EBADSIG);
	CHECK_CONTAINS(err.msg, "ARK: signature by ARK");

	/* The real Rome ASK did not sign our CEK, nor the real Naples CEK (virtee's false-positive
	 * test, attestation.md §13.2). */
	struct wire w;
	REQUIRE(load_wire("rome", &w));
	ss_amd_chain rome;
	REQUIRE(ss_amd_chain_parse(w.amd, w.amd_len, &rome, &err) == 0);
	CHECK(ss_sev_cert_verify_by_amd(&f.chain.cek, &rome.ask, &err) == SS_EBADSIG);
	struct wire nw;
	REQUIRE(load_wire("naples", &nw));
	ss_sev_chain naples;
	REQUIRE(ss_sev_chain_parse(nw.chain, sizeof(nw.chain), &naples, &err) == 0);
	CHECK(ss_sev_cert_verify_by_amd(&naples.cek, &rome.ask, &err) == SS_EBADSIG);
	CHECK(ss_sev_verify_amd_chain(&naples.pek, &naples.cek, &rome.ask, &rome.ark, &err) ==
	      SS_EBADSIG);
	CHECK_CONTAINS(err.msg, "CEK");
	ss_eckey_free(other);
	free_fresh(&f);
}

TEST(rsa_oca_signs_and_verifies)
{
	/* The format allows an RSA OCA (a platform owner's CA); sign the PEK with one. */
	struct fresh f;
	REQUIRE(make_fresh(&f));
	ss_error err = {0};
	ss_sev_cert oca, pek = f.chain.pek;
	ss_sev_cert_init(&oca, SS_SEV_USAGE_OCA, SS_SEV_ALGO_RSA_SHA256, 0, 0);
	REQUIRE(ss_sev_cert_set_rsa_pubkey(&oca, f.ask_k, &err) == 0);
	REQUIRE(ss_sev_cert_sign_rsa(&oca, 0, SS_SEV_USAGE_OCA, SS_SEV_ALGO_RSA_SHA256, f.ask_k,
				     &err) == 0);
	REQUIRE(ss_sev_cert_sign_rsa(&pek, 0, SS_SEV_USAGE_OCA, SS_SEV_ALGO_RSA_SHA256, f.ask_k,
				     &err) == 0);
	ss_sev_cert tmp;
	CHECK(ss_sev_cert_parse(&oca, sizeof(oca), &tmp, &err) == 0);
	CHECK(ss_sev_cert_verify(&oca, &oca, NULL, &err) == 0);
	CHECK(ss_sev_verify_owner_chain(&f.pdh, &pek, &oca, &err) == 0);
	/* The EC OCA does not verify the RSA signature. */
	CHECK(ss_sev_cert_verify(&pek, &f.chain.oca, NULL, &err) == SS_EBADSIG);
	EVP_PKEY *k = NULL;
	CHECK(ss_sev_cert_get_pubkey(&oca, &k, &err) == 0 && EVP_PKEY_get_bits(k) == 2048);
	EVP_PKEY_free(k);
	free_fresh(&f);
}

/* ---- malformed input ---- */

static void expect_sev_error(const ss_sev_cert *c, const char *needle)
{
	ss_sev_cert out;
	ss_error err = {0};
	int rc = ss_sev_cert_parse(c, sizeof(*c), &out, &err);
	CHECK(rc == SS_EINVAL);
	CHECK_CONTAINS(err.msg, needle);
}

TEST(malformed_sev_certs_name_the_field)
{
	size_t len;
	uint8_t *d = load("platform/milan/pek.cert", &len);
	REQUIRE(d && len == SS_SEV_CERT_SIZE);
	ss_sev_cert good, c, out;
	ss_error err = {0};
	REQUIRE(ss_sev_cert_parse(d, len, &good, &err) == 0);
	CHECK(ss_sev_cert_parse(d, len - 1, &out, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "2084 (0x824) bytes, this is 2083");
	free(d);

	c = good, c.version = 2;
	expect_sev_error(&c, "VERSION (offset 0x000) is 2");
	c = good, c.reserved[1] = 1;
	expect_sev_error(&c, "reserved bytes (offset 0x006)");
	c = good, c.pubkey_usage = 0x1005;
	expect_sev_error(&c, "PUBKEY_USAGE (offset 0x008) is 0x1005");
	c = good, c.pubkey_usage = SS_SEV_USAGE_ASK;
	expect_sev_error(&c, "PUBKEY_USAGE (offset 0x008) is 0x13 (ASK)");
	c = good, c.pubkey_algo = 7;
	expect_sev_error(&c, "PUBKEY_ALGO (offset 0x00c) is 0x7");
	c = good, c.pubkey_usage = SS_SEV_USAGE_PDH;
	expect_sev_error(&c, "a PDH key must be ECDH");
	c = good, c.pubkey_algo = SS_SEV_ALGO_ECDH_SHA384;
	expect_sev_error(&c, "but a PEK key signs");
	c = good, c.pubkey.ec.curve = 3;
	expect_sev_error(&c, "PUBKEY.CURVE (offset 0x010) is 3");
	c = good, c.pubkey.ec.qx[50] = 1;
	expect_sev_error(&c, "PUBKEY.QX (offset 0x014)");
	c = good, c.pubkey.ec.qy[71] = 1;
	expect_sev_error(&c, "PUBKEY.QY (offset 0x05c)");
	c = good, c.pubkey.ec.reserved[10] = 1;
	expect_sev_error(&c, "PUBKEY reserved bytes (offset 0x0a4)");
	c = good, c.sig[0].usage = SS_SEV_USAGE_PDH;
	expect_sev_error(&c, "SIG1_USAGE (offset 0x414) is 0x1003 (PDH)");
	c = good, c.sig[1].algo = SS_SEV_ALGO_ECDH_SHA256;
	expect_sev_error(&c, "SIG2_ALGO (offset 0x620) is 0x3 (ECDH_SHA256)");
	c = good, c.sig[1].sig.ecdsa.reserved[0] = 1;
	expect_sev_error(&c, "SIG2 reserved bytes (offset 0x6b4)");
	c = good, ss_sev_cert_clear_sig(&c, 1), c.sig[1].algo = 2;
	expect_sev_error(&c, "SIG2_ALGO (offset 0x620) is 0x2 in an empty slot");
	c = good, ss_sev_cert_clear_sig(&c, 0), c.sig[0].sig.raw[3] = 1;
	expect_sev_error(&c, "SIG1 (offset 0x41c) is not zero in an empty slot");
	c = good, c.pubkey_algo = SS_SEV_ALGO_RSA_SHA256, c.pubkey.rsa.modulus_size = 1024;
	expect_sev_error(&c, "PUBKEY.MODULUS_SIZE (offset 0x010) is 1024 bits");

	/* A P-256 key parses (the format allows it) but cannot be used. */
	c = good, c.pubkey.ec.curve = SS_SEV_CURVE_P256;
	memset(c.pubkey.ec.qx + 32, 0, 40);
	memset(c.pubkey.ec.qy + 32, 0, 40);
	CHECK(ss_sev_cert_parse(&c, sizeof(c), &out, &err) == 0);
	ss_eckey *k;
	CHECK(ss_sev_cert_get_ec_pubkey(&c, &k, &err) == SS_EUNSUPPORTED);
	/* A point not on the curve. */
	c = good, c.pubkey.ec.qx[0] ^= 1;
	CHECK(ss_sev_cert_get_ec_pubkey(&c, &k, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "PUBKEY (offset 0x010)");
}

TEST(malformed_amd_certs_and_chains_name_the_field)
{
	size_t len;
	uint8_t *d = load("ca/rome/ask.cert", &len);
	REQUIRE(d && len == SS_AMD_CERT_SIZE_4K);
	uint8_t b[SS_AMD_CERT_MAX_SIZE + 8];
	ss_amd_cert c;
	ss_error err = {0};
	struct {
		size_t off;
		uint8_t val;
		const char *needle;
	} cases[] = {
	    {0x00, 2, "VERSION (offset 0x00) is 2"},
	    {0x24, 0x14, "KEY_USAGE (offset 0x24) is 0x14"},
	    {0x30, 1, "reserved bytes (offset 0x28)"},
	    {0x39, 0x04, "PUBEXP_SIZE (offset 0x38) is 1024 bits"},
	    {0x3d, 0x20, "MODULUS_SIZE (offset 0x3c) is 8192 bits"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(b, d, len);
		b[cases[i].off] = cases[i].val;
		CHECK(ss_amd_cert_parse(b, len, &c, NULL, &err) == SS_EINVAL);
		CHECK_CONTAINS(err.msg, cases[i].needle);
	}
	memcpy(b, d, len);
	CHECK(ss_amd_cert_parse(b, 63, &c, NULL, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "64-byte header");
	CHECK(ss_amd_cert_parse(b, len - 1, &c, NULL, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "is 1599 bytes, its sizes need 1600");
	CHECK(ss_amd_cert_parse(b, len + 8, &c, NULL, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "trailing bytes at offset 0x640");
	size_t used = 0;
	CHECK(ss_amd_cert_parse(b, len + 8, &c, &used, &err) == 0 && used == len);

	/* The chain buffers: wrong sizes and wrong orders. */
	struct wire w;
	REQUIRE(load_wire("milan", &w));
	ss_sev_chain chain;
	ss_amd_chain amd;
	CHECK(ss_sev_chain_parse(w.chain, sizeof(w.chain) - 4, &chain, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "6252 (3 x 0x824) bytes");
	uint8_t swapped[SS_SEV_CHAIN_SIZE];
	memcpy(swapped, w.chain + SS_SEV_CERT_SIZE, SS_SEV_CERT_SIZE); /* OCA first */
	memcpy(swapped + SS_SEV_CERT_SIZE, w.chain, SS_SEV_CERT_SIZE);
	memcpy(swapped + 2 * SS_SEV_CERT_SIZE, w.chain + 2 * SS_SEV_CERT_SIZE, SS_SEV_CERT_SIZE);
	CHECK(ss_sev_chain_parse(swapped, sizeof(swapped), &chain, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "PEK (offset 0x0): PUBKEY_USAGE is OCA (0x1001), expected PEK");
	uint8_t ark_ask[2 * SS_AMD_CERT_MAX_SIZE];
	memcpy(ark_ask, w.amd + w.ask_len, w.amd_len - w.ask_len);
	memcpy(ark_ask + w.amd_len - w.ask_len, w.amd, w.ask_len);
	CHECK(ss_amd_chain_parse(ark_ask, w.amd_len, &amd, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "first certificate (offset 0x0) is ARK, expected ASK");
	CHECK(ss_amd_chain_parse(w.amd, w.amd_len - 1, &amd, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "AMD chain ARK (offset 0x640)");
	free(d);
}

TEST(naples_truncated_ark_quirk)
{
	size_t lb, ls, la;
	uint8_t *bad = load("ca/naples/quirk/ark.cert.bad", &lb);
	uint8_t *sig = load("ca/naples/quirk/ark.cert.sig", &ls);
	uint8_t *ark = load("ca/naples/ark.cert", &la);
	REQUIRE(bad && sig && ark && lb == 576 && ls == 256 && la == 832);
	ss_amd_cert c;
	ss_error err = {0};
	CHECK(ss_amd_cert_parse(bad, lb, &c, NULL, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "SIGNATURE (offset 0x240, 256 bytes) is missing");
	uint8_t whole[832];
	memcpy(whole, bad, lb);
	memcpy(whole + lb, sig, ls);
	CHECK(memcmp(whole, ark, la) == 0);
	REQUIRE(ss_amd_cert_parse(whole, sizeof(whole), &c, NULL, &err) == 0);
	CHECK(ss_amd_cert_verify(&c, &c, &err) == 0);
	free(bad);
	free(sig);
	free(ark);
}

TEST(names_come_from_the_tables)
{
	CHECK_STR(ss_sev_usage_name(SS_SEV_USAGE_PEK), "PEK");
	CHECK_STR(ss_sev_usage_name(0x13), "ASK");
	CHECK(ss_sev_usage_name(0x1005) == NULL);
	CHECK_STR(ss_sev_algo_name(0x101), "RSA_SHA384");
	CHECK_STR(ss_sev_algo_hint(0x2), "ECDSA with SHA-256");
	CHECK_STR(ss_sev_curve_name(2), "P384");
	CHECK(ss_sev_algo_is_ecdh(0x103) && !ss_sev_algo_is_ecdsa(0x103));
}

TEST(split_files_of_certificates)
{
	/* sevctl's export --full: PDH, PEK, OCA, CEK, ASK, ARK back to back. */
	struct wire w;
	REQUIRE(load_wire("milan", &w));
	static uint8_t buf[4 * SS_SEV_CERT_SIZE + 2 * SS_AMD_CERT_MAX_SIZE];
	memcpy(buf, w.pdh, SS_SEV_CERT_SIZE);
	memcpy(buf + SS_SEV_CERT_SIZE, w.chain, SS_SEV_CHAIN_SIZE);
	memcpy(buf + 4 * SS_SEV_CERT_SIZE, w.amd, w.amd_len);
	size_t len = 4 * SS_SEV_CERT_SIZE + w.amd_len, n = 0;
	static ss_sev_any_cert items[8];
	ss_error err = {0};
	REQUIRE(ss_sev_certs_split(buf, len, items, 8, &n, &err) == 0);
	REQUIRE(n == 6);
	static const uint32_t want[] = {SS_SEV_USAGE_PDH, SS_SEV_USAGE_PEK, SS_SEV_USAGE_OCA,
					SS_SEV_USAGE_CEK, SS_SEV_USAGE_ASK, SS_SEV_USAGE_ARK};
	for (size_t i = 0; i < 6; i++) {
		CHECK(ss_sev_any_cert_usage(&items[i]) == want[i]);
		CHECK(items[i].is_amd == (i >= 4));
	}
	CHECK(items[5].offset == 4 * SS_SEV_CERT_SIZE + 1600 && items[5].size == 1600);
	CHECK(ss_sev_verify_chain(&items[0].sev,
				  &(ss_sev_chain){items[1].sev, items[2].sev, items[3].sev},
				  &(ss_amd_chain){items[4].amd, items[5].amd}, &err) == 0);
	/* Too many, empty, and a broken third certificate named with its offset. */
	CHECK(ss_sev_certs_split(buf, len, items, 5, &n, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "more than 5 certificates (offset 0x26d0");
	CHECK(ss_sev_certs_split(buf, 0, items, 8, &n, &err) == SS_EINVAL);
	buf[2 * SS_SEV_CERT_SIZE + 0x10] = 9; /* OCA's curve */
	CHECK(ss_sev_certs_split(buf, len, items, 8, &n, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "certificate 3 (offset 0x1048): PUBKEY.CURVE (offset 0x010) is 9");
	CHECK(ss_sev_certs_split(buf, 3 * SS_SEV_CERT_SIZE - 7, items, 8, &n, &err) == SS_EINVAL);
}

TEST(guest_owner_godh_parses)
{
	/* The guest owner's GODH: usage PDH, ECDH_SHA256, sig1 (PEK, ECDSA_SHA256) by the owner's
	 * key (firmware-abi.md §3.1; the firmware does not check that signature). */
	ss_eckey *godh, *owner;
	ss_error err = {0};
	REQUIRE(ss_eckey_generate_p384(&godh, &err) == 0);
	REQUIRE(ss_eckey_generate_p384(&owner, &err) == 0);
	ss_sev_cert c, out;
	ss_sev_cert_init(&c, SS_SEV_USAGE_PDH, SS_SEV_ALGO_ECDH_SHA256, 0, 0);
	CHECK(ss_sev_cert_set_ec_pubkey(&c, godh, &err) == 0);
	CHECK(ss_sev_cert_parse(&c, sizeof(c), &out, &err) == 0);
	CHECK(ss_sev_cert_sign_ec(&c, 0, SS_SEV_USAGE_PEK, SS_SEV_ALGO_ECDSA_SHA256, owner, &err) ==
	      0);
	CHECK(ss_sev_cert_parse(&c, sizeof(c), &out, &err) == 0);
	/* An ECDH key cannot sign, and signing needs an ECDSA algorithm. */
	CHECK(ss_sev_cert_verify(&out, &out, NULL, &err) == SS_EBADSIG);
	CHECK_CONTAINS(err.msg, "ECDH key, which cannot sign");
	CHECK(ss_sev_cert_sign_ec(&c, 0, SS_SEV_USAGE_PEK, SS_SEV_ALGO_ECDH_SHA256, owner, &err) ==
	      SS_EINVAL);
	CHECK(ss_sev_cert_sign_ec(&c, 2, SS_SEV_USAGE_PEK, SS_SEV_ALGO_ECDSA_SHA256, owner, &err) ==
	      SS_EINVAL);
	ss_eckey_free(godh);
	ss_eckey_free(owner);
}

static void cleanup(void)
{
	EVP_PKEY_free(shared_ark);
	EVP_PKEY_free(shared_ask);
}

TEST(zz_cleanup)
{
	cleanup();
}

TEST_MAIN(real_chains_verify_every_link, genoa_turin_amd_roots_verify,
	  reserialize_gives_identical_bytes, flipped_bits_fail_naming_the_certificate,
	  fresh_chain_verifies_and_round_trips, fresh_chain_with_swapped_keys_fails,
	  rsa_oca_signs_and_verifies, malformed_sev_certs_name_the_field,
	  malformed_amd_certs_and_chains_name_the_field, naples_truncated_ark_quirk,
	  names_come_from_the_tables, split_files_of_certificates, guest_owner_godh_parses,
	  zz_cleanup)
