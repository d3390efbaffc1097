/* The local KDS's request handling (include/softsev/kds.h): a URL from the network, validated
 * and answered by ss_kds_handle against an emulated part.
 * Input: byte 0 selects the part (bits 1:0: 0 Milan, 1 Genoa, 2/3 Turin) and the method (bit 2
 * HEAD, bit 3 POST, else GET); the rest is "path?name=value&..." as libmicrohttpd hands it over
 * (already URL-decoded, '=' optional). The CA keys are RSA-2048, a fuzzing-only size. */
#include <softsev/kds.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 32

static ss_snp_identity *identity(ss_snp_product p)
{
	static ss_snp_identity ids[3];
	static bool ready[3];
	if (!ready[p]) {
		ss_snp_identity *id = &ids[p];
		memset(id, 0x42, sizeof(*id));
		id->product = p;
		id->ca = NULL;
		if (ss_snp_ca_generate(p, 2048, 1700000000, &id->ca, NULL) ||
		    ss_snp_chip_id_derive(p, id->chip_secret, sizeof(id->chip_secret), id->chip_id,
					  NULL))
			abort();
		ready[p] = true;
	}
	return &ids[p];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 4096)
		return 0;
	ss_snp_product p = (data[0] & 3) == 0	? SS_SNP_MILAN
			   : (data[0] & 3) == 1 ? SS_SNP_GENOA
						: SS_SNP_TURIN;
	const char *method = data[0] & 4 ? "HEAD" : data[0] & 8 ? "POST" : "GET";
	char *url = malloc(size);
	memcpy(url, data + 1, size - 1);
	url[size - 1] = 0;
	ss_kds_arg args[MAX_ARGS];
	size_t n = 0;
	char *q = strchr(url, '?');
	if (q) {
		*q++ = 0;
		for (char *tok = strtok(q, "&"); tok && n < MAX_ARGS; tok = strtok(NULL, "&")) {
			char *eq = strchr(tok, '=');
			if (eq)
				*eq++ = 0;
			args[n].name = tok;
			args[n].value = eq;
			n++;
		}
	}
	ss_snp_identity *id = identity(p);
	static const uint8_t crl[] = {0x30, 0x00};
	ss_kds_response resp;
	ss_kds_handle(id, crl, sizeof(crl), method, url, args, n, &resp);
	if (resp.status == 200 && (!resp.body || !resp.len))
		abort(); /* a success always has a body */
	if (resp.status != 200 && resp.status != 400 && resp.status != 404 && resp.status != 405)
		abort();
	ss_kds_response_free(&resp);
	free(url);
	return 0;
}
