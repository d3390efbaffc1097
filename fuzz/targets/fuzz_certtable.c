/* Fuzzes the extended-report certificate table parser (attestation.md §10.4) — bytes a host
 * hands the guest — and the X.509 / CRL / AMD-extension parsing of every entry it yields. */
#include <softsev/attest.h>

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ss_cert_table_item items[SS_CERT_TABLE_MAX];
	size_t n = 0;
	ss_error err;
	if (ss_cert_table_parse(data, size, items, SS_CERT_TABLE_MAX, &n, &err))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char g[37];
		ss_cert_table_guid_text(items[i].guid, g);
		if (items[i].kind == SS_CERT_CRL) {
			ss_crl *crl;
			if (!ss_crl_from_bytes(items[i].data, items[i].length, &crl, &err))
				ss_crl_free(crl);
			continue;
		}
		ss_cert *c;
		if (ss_cert_from_bytes(items[i].data, items[i].length, &c, &err))
			continue;
		ss_amd_ext ext;
		(void)ss_cert_amd_extensions(c, &ext, &err);
		(void)ss_cert_cn(c);
		free(ss_cert_to_pem(c));
		ss_cert_free(c);
	}
	return 0;
}
