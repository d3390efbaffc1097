/* Persistent state: one file, <state dir>/state.bin, replaced atomically (ss_write_file_atomic:
 * temp file, fsync, rename), so a kill at any moment leaves the old or the new state. The same
 * bytes are the export/import blob:
 *
 *   0x00 magic "SSPSPST\0" | 0x08 version u32 (1) | 0x0C total length u32
 *   0x10 records: type u32 | len u32 | data[len]          (each type at most once)
 *   end-32: SHA-256 of every byte before it (integrity, not secrecy: the file is mode 0600)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "psp/snp_internal.h"
#include "util/bytes.h"
#include "util/file.h"

#define MAGIC	   "SSPSPST"
#define VERSION	   1u
#define HDR_LEN	   16u
#define MAX_BLOB   (64u * 1024u)
#define STATE_FILE "state.bin"

enum rec {
	REC_SECRET = 1,
	REC_TCB,   /* api_major, api_minor, build */
	REC_OWNER, /* 0 self, 1 external */
	REC_OCA_KEY,
	REC_PEK_KEY,
	REC_PDH_KEY,
	REC_ARK_KEY,
	REC_ASK_KEY,
	REC_OCA_CERT,
	REC_PEK_CERT,
	REC_PDH_CERT,
	REC_CEK_CERT,
	REC_ARK_CERT,
	REC_ASK_CERT,
	REC_MAX
};

static const char *const rec_names[REC_MAX] = {
    [REC_SECRET] = "secret",	 [REC_TCB] = "tcb",	      [REC_OWNER] = "owner",
    [REC_OCA_KEY] = "oca key",	 [REC_PEK_KEY] = "pek key",   [REC_PDH_KEY] = "pdh key",
    [REC_ARK_KEY] = "ark key",	 [REC_ASK_KEY] = "ask key",   [REC_OCA_CERT] = "oca cert",
    [REC_PEK_CERT] = "pek cert", [REC_PDH_CERT] = "pdh cert", [REC_CEK_CERT] = "cek cert",
    [REC_ARK_CERT] = "ark cert", [REC_ASK_CERT] = "ask cert",
};

void ss_psp_persist_free(struct ss_psp_persist *p)
{
	free(p->ark_der);
	free(p->ask_der);
	memset(p, 0, sizeof(*p));
}

struct writer {
	uint8_t *buf;
	size_t len, cap;
};

static void put(struct writer *w, uint32_t type, const void *data, size_t len)
{
	size_t need = w->len + 8 + len;
	if (!w->buf || need > w->cap)
		return;
	ss_put_le32(w->buf + w->len, type);
	ss_put_le32(w->buf + w->len + 4, (uint32_t)len);
	memcpy(w->buf + w->len + 8, data, len);
	w->len = need;
}

int ss_psp_persist_encode(const struct ss_psp_persist *p, uint8_t **blob, size_t *len,
			  ss_error *err)
{
	struct writer w = {malloc(MAX_BLOB), HDR_LEN, MAX_BLOB - SS_SHA256_LEN};
	if (!w.buf)
		return ss_fail(err, SS_ENOMEM, "out of memory");
	uint8_t tcb[3] = {p->api_major, p->api_minor, p->build};
	put(&w, REC_SECRET, p->secret, sizeof(p->secret));
	put(&w, REC_TCB, tcb, sizeof(tcb));
	put(&w, REC_OWNER, &p->owner_external, 1);
	put(&w, REC_OCA_KEY, p->oca_d, sizeof(p->oca_d));
	put(&w, REC_PEK_KEY, p->pek_d, sizeof(p->pek_d));
	put(&w, REC_PDH_KEY, p->pdh_d, sizeof(p->pdh_d));
	put(&w, REC_ARK_KEY, p->ark_der, p->ark_der_len);
	put(&w, REC_ASK_KEY, p->ask_der, p->ask_der_len);
	{
		put(&w, REC_OCA_CERT, p->oca_cert, SS_PSP_CERT_LEN);
		put(&w, REC_PEK_CERT, p->pek_cert, SS_PSP_CERT_LEN);
		put(&w, REC_PDH_CERT, p->pdh_cert, SS_PSP_CERT_LEN);
		put(&w, REC_CEK_CERT, p->cek_cert, SS_PSP_CERT_LEN);
		put(&w, REC_ARK_CERT, p->ark_cert, p->ark_cert_len);
		put(&w, REC_ASK_CERT, p->ask_cert, p->ask_cert_len);
	}
	memcpy(w.buf, MAGIC, 8);
	ss_put_le32(w.buf + 8, VERSION);
	ss_put_le32(w.buf + 12, (uint32_t)(w.len + SS_SHA256_LEN));
	if (ss_sha256(w.buf, w.len, w.buf + w.len)) {
		free(w.buf);
		return ss_fail(err, SS_ECRYPTO, "SHA-256 failed");
	}
	*blob = w.buf;
	*len = w.len + SS_SHA256_LEN;
	return 0;
}

static int fixed(const uint8_t *data, uint32_t len, void *out, size_t want, enum rec t,
		 ss_error *err)
{
	if (len != want)
		return ss_fail(err, SS_EINVAL, "psp state: %s record is %u bytes, expected %zu",
			       rec_names[t], len, want);
	memcpy(out, data, want);
	return 0;
}

static int var(const uint8_t *data, uint32_t len, uint8_t *out, size_t *out_len, size_t max,
	       enum rec t, ss_error *err)
{
	if (!len || len > max)
		return ss_fail(err, SS_EINVAL, "psp state: %s record is %u bytes, expected 1..%zu",
			       rec_names[t], len, max);
	memcpy(out, data, len);
	*out_len = len;
	return 0;
}

static int dup_var(const uint8_t *data, uint32_t len, uint8_t **out, size_t *out_len, enum rec t,
		   ss_error *err)
{
	if (!len || len > 8192)
		return ss_fail(err, SS_EINVAL, "psp state: %s record is %u bytes, expected 1..8192",
			       rec_names[t], len);
	*out = malloc(len);
	if (!*out)
		return ss_fail(err, SS_ENOMEM, "out of memory");
	memcpy(*out, data, len);
	*out_len = len;
	return 0;
}

int ss_psp_persist_decode(const uint8_t *blob, size_t len, struct ss_psp_persist *p, ss_error *err)
{
	memset(p, 0, sizeof(*p));
	if (len < HDR_LEN + SS_SHA256_LEN || len > MAX_BLOB)
		return ss_fail(err, SS_EINVAL, "psp state: %zu bytes is not a state blob", len);
	if (memcmp(blob, MAGIC, 8))
		return ss_fail(err, SS_EINVAL, "psp state: bad magic at offset 0");
	if (ss_le32(blob + 8) != VERSION)
		return ss_fail(err, SS_EINVAL, "psp state: version %u at offset 8, expected %u",
			       ss_le32(blob + 8), VERSION);
	if (ss_le32(blob + 12) != len)
		return ss_fail(err, SS_EINVAL,
			       "psp state: length field %u at offset 12, blob is %zu",
			       ss_le32(blob + 12), len);
	uint8_t digest[SS_SHA256_LEN];
	size_t body = len - SS_SHA256_LEN;
	if (ss_sha256(blob, body, digest))
		return ss_fail(err, SS_ECRYPTO, "SHA-256 failed");
	if (!ss_ct_equal(digest, blob + body, sizeof(digest)))
		return ss_fail(err, SS_EINVAL,
			       "psp state: integrity check failed (SHA-256 at offset 0x%zx)", body);
	bool seen[REC_MAX] = {0};
	int rc = 0;
	uint8_t tcb[3] = {0};
	for (size_t off = HDR_LEN; !rc && off < body;) {
		if (body - off < 8) {
			rc = ss_fail(err, SS_EINVAL, "psp state: truncated record at offset 0x%zx",
				     off);
			break;
		}
		uint32_t t = ss_le32(blob + off), n = ss_le32(blob + off + 4);
		const uint8_t *d = blob + off + 8;
		if (n > body - off - 8) {
			rc = ss_fail(err, SS_EINVAL,
				     "psp state: record at offset 0x%zx overruns the blob", off);
			break;
		}
		if (!t || t >= REC_MAX || seen[t]) {
			rc = ss_fail(err, SS_EINVAL, "psp state: %s record type %u at offset 0x%zx",
				     t && t < REC_MAX ? "duplicate" : "unknown", t, off);
			break;
		}
		seen[t] = true;
		switch ((enum rec)t) {
		case REC_SECRET: rc = fixed(d, n, p->secret, sizeof(p->secret), t, err); break;
		case REC_TCB: rc = fixed(d, n, tcb, sizeof(tcb), t, err); break;
		case REC_OWNER:
			rc = fixed(d, n, &p->owner_external, 1, t, err);
			if (!rc && p->owner_external > 1)
				rc = ss_fail(err, SS_EINVAL, "psp state: owner %u is not 0 or 1",
					     p->owner_external);
			break;
		case REC_OCA_KEY: rc = fixed(d, n, p->oca_d, SS_P384_LEN, t, err); break;
		case REC_PEK_KEY: rc = fixed(d, n, p->pek_d, SS_P384_LEN, t, err); break;
		case REC_PDH_KEY: rc = fixed(d, n, p->pdh_d, SS_P384_LEN, t, err); break;
		case REC_ARK_KEY: rc = dup_var(d, n, &p->ark_der, &p->ark_der_len, t, err); break;
		case REC_ASK_KEY: rc = dup_var(d, n, &p->ask_der, &p->ask_der_len, t, err); break;
		case REC_OCA_CERT: rc = fixed(d, n, p->oca_cert, SS_PSP_CERT_LEN, t, err); break;
		case REC_PEK_CERT: rc = fixed(d, n, p->pek_cert, SS_PSP_CERT_LEN, t, err); break;
		case REC_PDH_CERT: rc = fixed(d, n, p->pdh_cert, SS_PSP_CERT_LEN, t, err); break;
		case REC_CEK_CERT: rc = fixed(d, n, p->cek_cert, SS_PSP_CERT_LEN, t, err); break;
		case REC_ARK_CERT:
			rc = var(d, n, p->ark_cert, &p->ark_cert_len, SS_PSP_AMD_CERT_MAX, t, err);
			break;
		case REC_ASK_CERT:
			rc = var(d, n, p->ask_cert, &p->ask_cert_len, SS_PSP_AMD_CERT_MAX, t, err);
			break;
		case REC_MAX: break;
		}
		off += 8 + (size_t)n;
	}
	for (unsigned t = REC_SECRET; !rc && t <= REC_ASK_KEY; t++)
		if (!seen[t])
			rc = ss_fail(err, SS_EINVAL, "psp state: %s record is missing",
				     rec_names[t]);
	unsigned certs = 0;
	for (unsigned t = REC_OCA_CERT; t <= REC_ASK_CERT; t++)
		certs += seen[t];
	if (!rc && certs && certs != REC_ASK_CERT - REC_OCA_CERT + 1)
		rc = ss_fail(err, SS_EINVAL, "psp state: only %u of the 6 certificate records",
			     certs);
	if (rc) {
		ss_psp_persist_free(p);
		return rc;
	}
	p->api_major = tcb[0];
	p->api_minor = tcb[1];
	p->build = tcb[2];
	p->have_certs = true;
	return 0;
}

static int state_path(const ss_psp *psp, char *out, size_t size, ss_error *err)
{
	if ((size_t)snprintf(out, size, "%s/%s", psp->state_dir, STATE_FILE) >= size)
		return ss_fail(err, SS_ERANGE, "state directory path is too long");
	return 0;
}

int ss_psp_persist_save(ss_psp *psp, ss_error *err)
{
	if (!psp->state_dir)
		return 0;
	char path[4096];
	uint8_t *blob;
	size_t len;
	int rc = state_path(psp, path, sizeof(path), err);
	if (!rc)
		rc = ss_psp_persist_encode(&psp->p, &blob, &len, err);
	if (rc)
		return rc;
	rc = ss_write_file_atomic(path, blob, len, 0600, err);
	free(blob);
	return rc;
}

int ss_psp_default_state_dir(char *out, size_t size, ss_error *err)
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	int n;
	if (xdg && *xdg)
		n = snprintf(out, size, "%s/softsev/psp", xdg);
	else if (home && *home)
		n = snprintf(out, size, "%s/.local/state/softsev/psp", home);
	else
		return ss_fail(err, SS_EINVAL, "neither XDG_STATE_HOME nor HOME is set");
	if (n < 0 || (size_t)n >= size)
		return ss_fail(err, SS_ERANGE, "state directory path is too long");
	return 0;
}

static int load_or_create(ss_psp *psp, const struct ss_psp_config *cfg, ss_error *err)
{
	unsigned bits = cfg->ark_bits ? cfg->ark_bits : 4096;
	uint8_t maj = cfg->api_major, min = cfg->api_minor, build = cfg->build ? cfg->build : 15;
	if (!maj && !min)
		min = 24;
	if (!psp->state_dir)
		return ss_psp_persist_create(&psp->p, bits, maj, min, build, err);
	char path[4096];
	int rc = ss_mkdir_p(psp->state_dir, 0700, err);
	if (!rc)
		rc = state_path(psp, path, sizeof(path), err);
	if (rc)
		return rc;
	FILE *f = fopen(path, "rb");
	if (f) {
		fclose(f);
		uint8_t *blob;
		size_t len;
		rc = ss_read_file(path, MAX_BLOB, &blob, &len, err);
		if (rc)
			return rc;
		rc = ss_psp_persist_decode(blob, len, &psp->p, err);
		free(blob);
		return rc ? ss_wrap(err, rc, "%s", path) : 0;
	}
	rc = ss_psp_persist_create(&psp->p, bits, maj, min, build, err);
	if (!rc)
		rc = ss_psp_persist_save(psp, err);
	return rc;
}

int ss_psp_open(const struct ss_psp_config *cfg, ss_psp **out, ss_error *err)
{
	ss_psp *psp = calloc(1, sizeof(*psp));
	if (!psp)
		return ss_fail(err, SS_ENOMEM, "out of memory");
	int rc = 0;
	psp->mem = cfg->mem;
	psp->mem_ctx = cfg->mem_ctx;
	psp->nr_asids = cfg->nr_asids ? cfg->nr_asids : 15;
	unsigned cbit = cfg->cbit ? cfg->cbit : 51;
	psp->addr_mask = cbit < 64 ? ~(1ull << cbit) : ~0ull;
	psp->next_handle = 1;
	if (psp->nr_asids > SS_PSP_MAX_ASIDS)
		rc = ss_fail(err, SS_EINVAL, "nr_asids %u is above %u", psp->nr_asids,
			     SS_PSP_MAX_ASIDS);
	if (!rc && !(psp->asids = calloc(psp->nr_asids + 1, sizeof(*psp->asids))))
		rc = ss_fail(err, SS_ENOMEM, "out of memory");
	if (!rc && !(psp->snp = calloc(1, sizeof(*psp->snp))))
		rc = ss_fail(err, SS_ENOMEM, "out of memory");
	if (!rc && cfg->snp_product && !(psp->snp_product = strdup(cfg->snp_product)))
		rc = ss_fail(err, SS_ENOMEM, "out of memory");
	psp->snp_current_tcb = cfg->snp_current_tcb;
	psp->ark_bits = cfg->ark_bits;
	if (!rc && !cfg->ephemeral) {
		char dir[4096];
		if (cfg->state_dir)
			snprintf(dir, sizeof(dir), "%s", cfg->state_dir);
		else
			rc = ss_psp_default_state_dir(dir, sizeof(dir), err);
		if (!rc && !(psp->state_dir = strdup(dir)))
			rc = ss_fail(err, SS_ENOMEM, "out of memory");
	}
	if (!rc)
		rc = load_or_create(psp, cfg, err);
	if (!rc)
		rc = ss_psp_keys_load(&psp->p, &psp->k, err);
	if (rc) {
		ss_psp_close(psp);
		return rc;
	}
	*out = psp;
	return 0;
}

void ss_psp_close(ss_psp *psp)
{
	if (!psp)
		return;
	for (unsigned i = 0; i < SS_PSP_MAX_GUESTS; i++)
		if (psp->guests[i].used)
			ss_psp_free_guest(psp, &psp->guests[i]);
	ss_psp_keys_free(&psp->k);
	ss_psp_persist_free(&psp->p);
	if (psp->snp) {
		ss_snp_identity_free(psp->snp->id);
		ss_eckey_free(psp->snp->vlek);
		OPENSSL_cleanse(psp->snp, sizeof(*psp->snp));
		free(psp->snp);
	}
	free(psp->snp_product);
	free(psp->asids);
	free(psp->state_dir);
	free(psp);
}

int ss_psp_export_state(const ss_psp *psp, uint8_t **blob, size_t *len, ss_error *err)
{
	return ss_psp_persist_encode(&psp->p, blob, len, err);
}

int ss_psp_import_state(ss_psp *psp, const uint8_t *blob, size_t len, ss_error *err)
{
	if (psp->platform_state != SS_SEV_PLATFORM_UNINIT)
		return ss_fail(err, SS_ESTATE, "state import needs the platform in UNINIT");
	struct ss_psp_persist np;
	struct ss_psp_keys nk;
	int rc = ss_psp_persist_decode(blob, len, &np, err);
	if (rc)
		return rc;
	rc = ss_psp_keys_load(&np, &nk, err);
	if (rc) {
		ss_psp_persist_free(&np);
		return ss_wrap(err, rc, "psp state");
	}
	struct ss_psp_persist old = psp->p;
	psp->p = np;
	rc = ss_psp_persist_save(psp, err);
	if (rc) {
		psp->p = old;
		ss_psp_persist_free(&np);
		ss_psp_keys_free(&nk);
		return rc;
	}
	ss_psp_persist_free(&old);
	ss_psp_keys_free(&psp->k);
	psp->k = nk;
	return 0;
}
