/* AMD's real ARK, ASK and ASVK certificates for Milan, Genoa and Turin, built in so that a
 * verifier pins the product's root (attestation.md §8.3 step 2). Provenance:
 * data/amd-roots/README.md. */
#include "attest/internal.h"

#include <string.h>

#include "attest/roots_data.h"

const char *ss_builtin_root_pem(ss_product p, ss_root_kind k)
{
	static const char *const table[SS_PRODUCT_COUNT][3] = {
	    [SS_PRODUCT_MILAN] = {ss_amd_root_milan_ark, ss_amd_root_milan_ask,
				  ss_amd_root_milan_asvk},
	    [SS_PRODUCT_GENOA] = {ss_amd_root_genoa_ark, ss_amd_root_genoa_ask,
				  ss_amd_root_genoa_asvk},
	    [SS_PRODUCT_TURIN] = {ss_amd_root_turin_ark, ss_amd_root_turin_ask,
				  ss_amd_root_turin_asvk},
	};
	if ((unsigned)p >= SS_PRODUCT_COUNT || (unsigned)k > SS_ROOT_ASVK)
		return NULL;
	return table[p][k];
}

int ss_builtin_root(ss_product p, ss_root_kind k, ss_cert **out, ss_error *err)
{
	const char *pem = ss_builtin_root_pem(p, k);
	if (!pem)
		return ss_fail(err, SS_ENOCERT, "no built-in AMD certificate for product %s",
			       ss_product_name(p));
	return ss_cert_from_bytes((const uint8_t *)pem, strlen(pem), out, err);
}
