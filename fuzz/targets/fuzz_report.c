/* Fuzzes the SNP attestation report parser and everything that reads a parsed report: text and
 * JSON display, TCB decoding per product, policy checks (attestation.md §2-§6).
 *
 * Input: the report bytes (any length is offered to ss_report_parse as is; inputs of at least
 * 0x4A0 bytes are also parsed as their first 0x4A0 bytes), then any remaining bytes are a TCB
 * requirement text for ss_tcb_parse and the min-tcb policy. */
#include <softsev/attest.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	if (!sink)
		sink = fopen("/dev/null", "w");
	ss_report r;
	ss_error err;
	(void)ss_report_parse(data, size, &r, &err);
	if (size < SS_SNP_REPORT_SIZE)
		return 0;
	if (ss_report_parse(data, SS_SNP_REPORT_SIZE, &r, &err))
		return 0;
	char text[128];
	size_t n = size - SS_SNP_REPORT_SIZE;
	if (n >= sizeof(text))
		n = sizeof(text) - 1;
	memcpy(text, data + SS_SNP_REPORT_SIZE, n);
	text[n] = 0;
	for (int p = SS_PRODUCT_UNKNOWN; p <= SS_PRODUCT_TURIN; p++) {
		ss_report v = r;
		if (ss_report_set_product(&v, (ss_product)p, SS_PRODUCT_FROM_CALLER, &err))
			continue;
		if (sink) {
			ss_report_print_text(&v, sink);
			ss_report_print_json(&v, sink);
		}
		ss_tcb t;
		if (ss_tcb_parse(text, (ss_product)p, &t, &err) == 0) {
			ss_tcb have;
			ss_tcb_decode(ss_report_fields(&v)->reported_tcb, (ss_product)p, &have);
			(void)ss_tcb_check_min(&have, &t, "REPORTED_TCB", &err);
		}
		ss_policy pol;
		memset(&pol, 0, sizeof(pol));
		(void)ss_policy_set(&pol, "min-tcb", text, &err);
		(void)ss_policy_set(&pol, "min-launch-tcb", "bl=1,snp=1", &err);
		(void)ss_policy_set(&pol, "vmpl", "0", &err);
		(void)ss_policy_set(&pol, "require-policy-bits", "0x30000", &err);
		(void)ss_policy_set(&pol, "forbid-policy-bits", "0x80000", &err);
		(void)ss_policy_set(&pol, "min-build", "3", &err);
		(void)ss_policy_check(&pol, &v, &err);
	}
	return 0;
}
