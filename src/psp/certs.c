/* Certificates of the platform (certs.h) and the certificate commands PEK_CSR, PEK_CERT_IMPORT
 * and PDH_CERT_EXPORT (firmware-abi.md §3.1-§3.3). */
#include <string.h>

#include "psp/certs.h"

int ss_psp_cert_ecdh_key(const uint8_t cert[SS_PSP_CERT_LEN], ss_eckey **out, ss_error *err)
{
	return ss_fail(err, SS_ENOTIMPL, "SEV certificate parsing is not available yet");
}

int ss_psp_certs_make(struct ss_psp_persist *p, const struct ss_psp_keys *k,
		      enum ss_psp_certs_which which, ss_error *err)
{
	p->have_certs = false;
	return 0;
}

uint32_t ss_psp_cmd_pek_csr(ss_psp *psp, struct ss_psp_guest *g, void *buf, ss_error *err)
{
	return ss_psp_fail(err, SS_SEV_UNSUPPORTED, "PEK_CSR is not implemented yet");
}

uint32_t ss_psp_cmd_pek_cert_import(ss_psp *psp, struct ss_psp_guest *g, void *buf, ss_error *err)
{
	return ss_psp_fail(err, SS_SEV_UNSUPPORTED, "PEK_CERT_IMPORT is not implemented yet");
}

uint32_t ss_psp_cmd_pdh_cert_export(ss_psp *psp, struct ss_psp_guest *g, void *buf, ss_error *err)
{
	return ss_psp_fail(err, SS_SEV_UNSUPPORTED, "PDH_CERT_EXPORT is not implemented yet");
}
