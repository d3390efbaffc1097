/* The platform's certificates: the chain ARK -> ASK -> CEK -> PEK (also signed by the OCA) -> PDH
 * in the formats of firmware-abi.md §3.1-§3.3, made and parsed with src/attest's SEV certificate
 * code. Internal to src/psp. */
#ifndef SS_PSP_CERTS_H
#define SS_PSP_CERTS_H

#include "psp/psp_internal.h"

/* The P-384 public key of a SEV certificate used for ECDH (a guest owner's GODH, a PDH). */
int ss_psp_cert_ecdh_key(const uint8_t cert[SS_PSP_CERT_LEN], ss_eckey **out, ss_error *err);

/* Which certificates ss_psp_certs_make (re)makes. */
enum ss_psp_certs_which {
	SS_PSP_CERTS_ALL, /* ARK, ASK, CEK, OCA, PEK, PDH: a new platform */
	SS_PSP_CERTS_PEK, /* OCA (self-owned), PEK, PDH: PEK_GEN, FACTORY_RESET */
	SS_PSP_CERTS_PDH, /* PDH: PDH_GEN */
};

/* (Re)makes certificates of p from its keys. Sets p->have_certs. */
int ss_psp_certs_make(struct ss_psp_persist *p, const struct ss_psp_keys *k,
		      enum ss_psp_certs_which which, ss_error *err);

#endif
