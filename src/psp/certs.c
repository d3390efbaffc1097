/* Certificates of the platform (certs.h) and the certificate commands PEK_CSR, PEK_CERT_IMPORT and
 * PDH_CERT_EXPORT (firmware-abi.md §3.1-§3.3), built, parsed and verified with src/attest's SEV
 * certificate code (include/softsev/sev_cert.h). */
#include <string.h>

#include <softsev/sev_cert.h>

#include "psp/certs.h"
#include "util/bytes.h"

int ss_psp_cert_ecdh_key(const uint8_t cert[SS_PSP_CERT_LEN], ss_eckey **out, ss_error *err)
{
	ss_sev_cert c;
	int rc = ss_sev_cert_parse(cert, SS_PSP_CERT_LEN, &c, err);
	if (rc)
		return rc;
	/* A guest owner's GODH (or a PDH): usage PDH, an ECDH key (§3.1); its signature is not
	 * checked by the firmware [S: ST sevcert.cpp]. */
	if (c.pubkey_usage != SS_SEV_USAGE_PDH || !ss_sev_algo_is_ecdh(c.pubkey_algo))
		return ss_fail(err, SS_EINVAL,
			       "PUBKEY_USAGE 0x%x / PUBKEY_ALGO 0x%x (offset 0x8) is not a PDH "
			       "ECDH key",
			       c.pubkey_usage, c.pubkey_algo);
	return ss_sev_cert_get_ec_pubkey(&c, out, err);
}

/* Key ids of this part's ARK and ASK, derived from the chip secret (stable across restarts). */
static void amd_key_id(const struct ss_psp_persist *p, const char *label, uint8_t id[16])
{
	if (ss_sev_kdf(p->secret, sizeof(p->secret), label, NULL, 0, id, 16))
		memset(id, 0, 16);
}

static int make_amd(struct ss_psp_persist *p, const struct ss_psp_keys *k, ss_error *err)
{
	uint8_t ark_id[16], ask_id[16];
	amd_key_id(p, "softsev-ark-id", ark_id);
	amd_key_id(p, "softsev-ask-id", ask_id);
	ss_amd_cert ark, ask;
	ss_amd_cert *a = &ark, *s = &ask;
	int rc = ss_amd_cert_init(a, SS_SEV_USAGE_ARK, ark_id, ark_id, ss_rsakey_evp(k->ark), err);
	if (!rc)
		rc = ss_amd_cert_sign(a, ss_rsakey_evp(k->ark), err);
	if (!rc)
		rc = ss_amd_cert_init(s, SS_SEV_USAGE_ASK, ask_id, ark_id, ss_rsakey_evp(k->ask),
				      err);
	if (!rc)
		rc = ss_amd_cert_sign(s, ss_rsakey_evp(k->ark), err);
	if (!rc)
		rc = ss_amd_cert_serialize(a, p->ark_cert, sizeof(p->ark_cert), &p->ark_cert_len,
					   err);
	if (!rc)
		rc = ss_amd_cert_serialize(s, p->ask_cert, sizeof(p->ask_cert), &p->ask_cert_len,
					   err);
	return rc;
}

/* The CEK: signed by the ASK (RSA-PSS, SHA-256 for a 2048-bit ASK as on Naples, SHA-384 for
 * 4096-bit as on Rome and later; firmware-abi.md §3.1 observed certificates). */
static int make_cek(struct ss_psp_persist *p, const struct ss_psp_keys *k, ss_error *err)
{
	ss_sev_cert c;
	ss_sev_cert_init(&c, SS_SEV_USAGE_CEK, SS_SEV_ALGO_ECDSA_SHA256, p->api_major,
			 p->api_minor);
	uint32_t algo =
	    ss_rsakey_bits(k->ask) >= 4096 ? SS_SEV_ALGO_RSA_SHA384 : SS_SEV_ALGO_RSA_SHA256;
	int rc = ss_sev_cert_set_ec_pubkey(&c, k->cek, err);
	if (!rc)
		rc =
		    ss_sev_cert_sign_rsa(&c, 0, SS_SEV_USAGE_ASK, algo, ss_rsakey_evp(k->ask), err);
	if (!rc)
		ss_sev_cert_serialize(&c, p->cek_cert);
	return rc;
}

/* A self-owned platform's OCA (self-signed) and PEK (signed by OCA and CEK). */
static int make_pek(struct ss_psp_persist *p, const struct ss_psp_keys *k, ss_error *err)
{
	ss_sev_cert oca, pek;
	ss_sev_cert_init(&oca, SS_SEV_USAGE_OCA, SS_SEV_ALGO_ECDSA_SHA256, p->api_major,
			 p->api_minor);
	ss_sev_cert_init(&pek, SS_SEV_USAGE_PEK, SS_SEV_ALGO_ECDSA_SHA256, p->api_major,
			 p->api_minor);
	int rc = ss_sev_cert_set_ec_pubkey(&oca, k->oca, err);
	if (!rc)
		rc = ss_sev_cert_sign_ec(&oca, 0, SS_SEV_USAGE_OCA, SS_SEV_ALGO_ECDSA_SHA256,
					 k->oca, err);
	if (!rc)
		rc = ss_sev_cert_set_ec_pubkey(&pek, k->pek, err);
	if (!rc)
		rc = ss_sev_cert_sign_ec(&pek, 0, SS_SEV_USAGE_OCA, SS_SEV_ALGO_ECDSA_SHA256,
					 k->oca, err);
	if (!rc)
		rc = ss_sev_cert_sign_ec(&pek, 1, SS_SEV_USAGE_CEK, SS_SEV_ALGO_ECDSA_SHA256,
					 k->cek, err);
	if (!rc) {
		ss_sev_cert_serialize(&oca, p->oca_cert);
		ss_sev_cert_serialize(&pek, p->pek_cert);
	}
	return rc;
}

static int make_pdh(struct ss_psp_persist *p, const struct ss_psp_keys *k, ss_error *err)
{
	ss_sev_cert c;
	ss_sev_cert_init(&c, SS_SEV_USAGE_PDH, SS_SEV_ALGO_ECDH_SHA256, p->api_major, p->api_minor);
	int rc = ss_sev_cert_set_ec_pubkey(&c, k->pdh, err);
	if (!rc)
		rc = ss_sev_cert_sign_ec(&c, 0, SS_SEV_USAGE_PEK, SS_SEV_ALGO_ECDSA_SHA256, k->pek,
					 err);
	if (!rc)
		ss_sev_cert_serialize(&c, p->pdh_cert);
	return rc;
}

int ss_psp_certs_make(struct ss_psp_persist *p, const struct ss_psp_keys *k,
		      enum ss_psp_certs_which which, ss_error *err)
{
	int rc = 0;
	if (which == SS_PSP_CERTS_ALL) {
		rc = make_amd(p, k, err);
		if (!rc)
			rc = make_cek(p, k, err);
	}
	if (!rc && which != SS_PSP_CERTS_PDH)
		rc = make_pek(p, k, err);
	if (!rc)
		rc = make_pdh(p, k, err);
	if (rc)
		return ss_wrap(err, rc, "making the platform certificates");
	p->have_certs = true;
	return 0;
}

int ss_psp_amd_chain(const ss_psp *psp, uint8_t *out, size_t cap, size_t *len, ss_error *err)
{
	size_t need = psp->p.ask_cert_len + psp->p.ark_cert_len;
	*len = need;
	if (cap < need)
		return ss_fail(err, SS_ERANGE, "the AMD chain needs %zu bytes, room for %zu", need,
			       cap);
	memcpy(out, psp->p.ask_cert, psp->p.ask_cert_len);
	memcpy(out + psp->p.ask_cert_len, psp->p.ark_cert, psp->p.ark_cert_len);
	return 0;
}

/* PEK_CSR (§3.1): the PEK as an unsigned certificate (VERSION 1, usage PEK, ECDSA_SHA256, both
 * slots empty). Length query: a short buffer gets INVALID_LENGTH and 0x824 written back. */
uint32_t ss_psp_cmd_pek_csr(ss_psp *psp, struct ss_psp_guest *g, void *buf, ss_error *err)
{
	struct ss_sev_data_addr_len d;
	memcpy(&d, buf, sizeof(d));
	uint8_t *len_field = (uint8_t *)buf + offsetof(struct ss_sev_data_addr_len, len);
	if (d.len < SS_PSP_CERT_LEN) {
		ss_put_le32(len_field, SS_PSP_CERT_LEN);
		return ss_psp_fail(err, SS_SEV_INVALID_LENGTH, "pek_csr.len %u < %u", d.len,
				   SS_PSP_CERT_LEN);
	}
	ss_sev_cert c;
	uint8_t wire[SS_PSP_CERT_LEN];
	ss_sev_cert_init(&c, SS_SEV_USAGE_PEK, SS_SEV_ALGO_ECDSA_SHA256, psp->p.api_major,
			 psp->p.api_minor);
	if (ss_sev_cert_set_ec_pubkey(&c, psp->k.pek, NULL))
		return ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM, "encoding the PEK failed");
	ss_sev_cert_serialize(&c, wire);
	uint32_t st = ss_psp_write(psp, d.address, wire, sizeof(wire), "pek_csr.address", err);
	if (!st)
		ss_put_le32(len_field, SS_PSP_CERT_LEN);
	return st;
}

static uint32_t read_cert(ss_psp *psp, uint64_t addr, uint32_t len, const char *what,
			  uint32_t usage, ss_sev_cert *out, ss_error *err)
{
	if (len != SS_PSP_CERT_LEN)
		return ss_psp_fail(err, SS_SEV_INVALID_LENGTH, "%s_len %u is not %u", what, len,
				   SS_PSP_CERT_LEN);
	uint8_t wire[SS_PSP_CERT_LEN];
	uint32_t st = ss_psp_read(psp, addr, wire, sizeof(wire), what, err);
	if (st)
		return st;
	ss_error cerr;
	if (ss_sev_cert_parse(wire, sizeof(wire), out, &cerr))
		return ss_psp_fail(err, SS_SEV_INVALID_CERTIFICATE, "%s: %s", what, cerr.msg);
	if (out->pubkey_usage != usage || !ss_sev_algo_is_ecdsa(out->pubkey_algo))
		return ss_psp_fail(err, SS_SEV_INVALID_CERTIFICATE,
				   "%s: PUBKEY_USAGE 0x%x / PUBKEY_ALGO 0x%x, expected %s ECDSA",
				   what, out->pubkey_usage, out->pubkey_algo,
				   ss_sev_usage_name(usage));
	return SS_SEV_SUCCESS;
}

/* PEK_CERT_IMPORT (§1.6, §3.1):
 * 1. the platform is self-owned (ALREADY_OWNED otherwise: PEK_GEN or FACTORY_RESET first);
 * 2. both certificates are 0x824 bytes (INVALID_LENGTH), well formed, an ECDSA OCA and PEK
 *    (INVALID_CERTIFICATE);
 * 3. the PEK's key is this platform's PEK, the one PEK_CSR gave out (INVALID_CERTIFICATE);
 * 4. the OCA is self-signed and the PEK is signed by it (BAD_SIGNATURE);
 * 5. the firmware signs the PEK with the CEK in the other slot, installs PEK and OCA, owner ->
 *    external, and writes the persistent state. */
uint32_t ss_psp_cmd_pek_cert_import(ss_psp *psp, struct ss_psp_guest *g, void *buf, ss_error *err)
{
	struct ss_sev_data_pek_cert_import d;
	memcpy(&d, buf, sizeof(d));
	if (psp->p.owner_external)
		return ss_psp_fail(
		    err, SS_SEV_ALREADY_OWNED,
		    "the platform is externally owned; PEK_GEN or FACTORY_RESET first");
	if (d.reserved)
		return ss_psp_fail(err, SS_SEV_INVALID_PARAM,
				   "pek_cert_import.reserved (offset 0x0c) is not 0");
	ss_sev_cert pek, oca, mine;
	uint32_t st = read_cert(psp, d.pek_cert_address, d.pek_cert_len, "pek_cert",
				SS_SEV_USAGE_PEK, &pek, err);
	if (!st)
		st = read_cert(psp, d.oca_cert_address, d.oca_cert_len, "oca_cert",
			       SS_SEV_USAGE_OCA, &oca, err);
	if (st)
		return st;
	ss_sev_cert_init(&mine, SS_SEV_USAGE_PEK, SS_SEV_ALGO_ECDSA_SHA256, 0, 0);
	if (ss_sev_cert_set_ec_pubkey(&mine, psp->k.pek, NULL))
		return ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM, "encoding the PEK failed");
	if (memcmp(&mine.pubkey, &pek.pubkey, sizeof(pek.pubkey)))
		return ss_psp_fail(
		    err, SS_SEV_INVALID_CERTIFICATE,
		    "pek_cert's public key (offset 0x10) is not this platform's PEK");
	ss_error cerr;
	if (ss_sev_cert_verify(&oca, &oca, NULL, &cerr))
		return ss_psp_fail(err, SS_SEV_BAD_SIGNATURE, "oca_cert is not self-signed: %s",
				   cerr.msg);
	unsigned slot = 0;
	if (ss_sev_cert_verify(&pek, &oca, &slot, &cerr))
		return ss_psp_fail(err, SS_SEV_BAD_SIGNATURE,
				   "pek_cert is not signed by oca_cert: %s", cerr.msg);
	if (ss_sev_cert_sign_ec(&pek, slot ^ 1, SS_SEV_USAGE_CEK, SS_SEV_ALGO_ECDSA_SHA256,
				psp->k.cek, &cerr))
		return ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM, "CEK signature failed: %s",
				   cerr.msg);
	struct ss_psp_persist old = psp->p;
	ss_sev_cert_serialize(&pek, psp->p.pek_cert);
	ss_sev_cert_serialize(&oca, psp->p.oca_cert);
	psp->p.owner_external = 1;
	memset(psp->p.oca_d, 0, sizeof(psp->p.oca_d));
	if (ss_psp_persist_save(psp, &cerr)) {
		psp->p = old;
		return ss_psp_fail(err, SS_SEV_HWERROR_PLATFORM, "saving the state failed: %s",
				   cerr.msg);
	}
	ss_eckey_free(psp->k.oca);
	psp->k.oca = NULL;
	return SS_SEV_SUCCESS;
}

/* PDH_CERT_EXPORT (§3.3): the PDH, and PEK || OCA || CEK. Length query: if either buffer is
 * short, INVALID_LENGTH and both required lengths written back. */
uint32_t ss_psp_cmd_pdh_cert_export(ss_psp *psp, struct ss_psp_guest *g, void *buf, ss_error *err)
{
	struct ss_sev_data_pdh_cert_export d;
	memcpy(&d, buf, sizeof(d));
	uint8_t *b = buf;
	if (d.pdh_cert_len < SS_PSP_CERT_LEN || d.cert_chain_len < 3 * SS_PSP_CERT_LEN) {
		ss_put_le32(b + offsetof(struct ss_sev_data_pdh_cert_export, pdh_cert_len),
			    SS_PSP_CERT_LEN);
		ss_put_le32(b + offsetof(struct ss_sev_data_pdh_cert_export, cert_chain_len),
			    3 * SS_PSP_CERT_LEN);
		return ss_psp_fail(err, SS_SEV_INVALID_LENGTH,
				   "pdh_cert_len %u < %u or cert_chain_len %u < %u", d.pdh_cert_len,
				   SS_PSP_CERT_LEN, d.cert_chain_len, 3 * SS_PSP_CERT_LEN);
	}
	uint32_t st = ss_psp_write(psp, d.pdh_cert_address, psp->p.pdh_cert, SS_PSP_CERT_LEN,
				   "pdh_cert_address", err);
	uint64_t at = d.cert_chain_address;
	if (!st)
		st = ss_psp_write(psp, at, psp->p.pek_cert, SS_PSP_CERT_LEN, "cert_chain_address",
				  err);
	if (!st)
		st = ss_psp_write(psp, at + SS_PSP_CERT_LEN, psp->p.oca_cert, SS_PSP_CERT_LEN,
				  "cert_chain_address", err);
	if (!st)
		st = ss_psp_write(psp, at + 2 * SS_PSP_CERT_LEN, psp->p.cek_cert, SS_PSP_CERT_LEN,
				  "cert_chain_address", err);
	if (st)
		return st;
	ss_put_le32(b + offsetof(struct ss_sev_data_pdh_cert_export, pdh_cert_len),
		    SS_PSP_CERT_LEN);
	ss_put_le32(b + offsetof(struct ss_sev_data_pdh_cert_export, cert_chain_len),
		    3 * SS_PSP_CERT_LEN);
	return SS_SEV_SUCCESS;
}
