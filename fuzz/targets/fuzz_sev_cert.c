/* Fuzzes the legacy SEV certificate parsers: what `softsev report sev-chain` reads from files and
 * what a software PSP takes from a platform owner (PEK_CERT_IMPORT's OCA and signed PEK) or a
 * guest owner (LAUNCH_START's GODH): the SEV certificate (firmware-abi.md §3.1), AMD's ARK/ASK
 * certificate (§3.2), the chain buffers (§3.3) and files of several certificates.
 *
 * Input: any bytes. They are offered as they are to every parser; the first 0x824 bytes
 * (zero-padded) are also parsed as one SEV certificate so short inputs reach its checks. Whatever
 * parses must serialize back to the same bytes, and its keys and signatures are exercised. */
#include <softsev/sev_cert.h>

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise_sev(const ss_sev_cert *c, const uint8_t *wire)
{
	uint8_t out[SS_SEV_CERT_SIZE];
	ss_sev_cert_serialize(c, out);
	if (memcmp(out, wire, sizeof(out)))
		abort(); /* parse -> serialize must be the identity */
	ss_error err;
	EVP_PKEY *k = NULL;
	if (ss_sev_cert_get_pubkey(c, &k, &err) == 0)
		EVP_PKEY_free(k);
	int rc = ss_sev_cert_verify(c, c, NULL, &err);
	if (rc != 0 && rc != SS_EBADSIG && rc != SS_EINVAL && rc != SS_EUNSUPPORTED &&
	    rc != SS_ECRYPTO)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ss_error err;
	static ss_sev_cert c;
	static uint8_t padded[SS_SEV_CERT_SIZE];

	if (ss_sev_cert_parse(data, size, &c, &err) == 0)
		exercise_sev(&c, data);
	memset(padded, 0, sizeof(padded));
	memcpy(padded, data, size < sizeof(padded) ? size : sizeof(padded));
	if (ss_sev_cert_parse(padded, sizeof(padded), &c, &err) == 0) {
		exercise_sev(&c, padded);
		/* A SEV certificate followed by an AMD certificate: the CEK and its ASK. */
		static ss_amd_cert ask;
		size_t used;
		if (size > SS_SEV_CERT_SIZE &&
		    ss_amd_cert_parse(data + SS_SEV_CERT_SIZE, size - SS_SEV_CERT_SIZE, &ask, &used,
				      &err) == 0)
			(void)ss_sev_cert_verify_by_amd(&c, &ask, &err);
	}

	static ss_amd_cert a;
	size_t used = 0;
	if (ss_amd_cert_parse(data, size, &a, &used, &err) == 0) {
		static uint8_t out[SS_AMD_CERT_MAX_SIZE];
		size_t len = 0;
		if (used > size || ss_amd_cert_serialize(&a, out, sizeof(out), &len, &err) ||
		    len != used || memcmp(out, data, len))
			abort();
		EVP_PKEY *k = NULL;
		if (ss_amd_cert_get_pubkey(&a, &k, &err) == 0)
			EVP_PKEY_free(k);
		(void)ss_amd_cert_verify(&a, &a, &err);
		(void)ss_amd_ark_product(&a);
	}

	static ss_sev_chain chain;
	if (ss_sev_chain_parse(data, size, &chain, &err) == 0) {
		static uint8_t out[SS_SEV_CHAIN_SIZE];
		ss_sev_chain_serialize(&chain, out);
		if (memcmp(out, data, sizeof(out)))
			abort();
	}
	static ss_amd_chain amd;
	if (ss_amd_chain_parse(data, size, &amd, &err) == 0) {
		static uint8_t out[2 * SS_AMD_CERT_MAX_SIZE];
		size_t len = 0;
		if (ss_amd_chain_serialize(&amd, out, sizeof(out), &len, &err) || len != size ||
		    memcmp(out, data, len))
			abort();
		(void)ss_sev_verify_amd_chain(&c, &c, &amd.ask, &amd.ark, &err);
	}
	/* Files of several certificates, as `report sev-chain` reads them. */
	static ss_sev_any_cert items[8];
	size_t n = 0;
	if (ss_sev_certs_split(data, size, items, 8, &n, &err) == 0) {
		size_t end = 0;
		for (size_t i = 0; i < n; i++) {
			if (items[i].offset != end)
				abort(); /* back to back, nothing skipped */
			end += items[i].size;
		}
		if (end != size)
			abort();
	}
	return 0;
}
