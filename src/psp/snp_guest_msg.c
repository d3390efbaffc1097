/* SNP_GUEST_REQUEST: guest messages (psp/snp_internal.h).
 * Not implemented yet: each command answers INVALID_COMMAND saying so (issue 5). */
#include "psp/snp_internal.h"

uint32_t ss_psp_snp_guest_request(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)psp, (void)g, (void)buf;
	return ss_psp_fail(err, SS_SEV_INVALID_COMMAND,
			   "SNP_GUEST_REQUEST is not implemented yet (issue 5)");
}

uint32_t ss_psp_snp_report(ss_psp *psp, const struct ss_snp_gctx *g, const uint8_t report_data[64],
			   uint32_t vmpl, uint32_t key_sel, uint8_t report[SS_SNP_REPORT_SIZE],
			   ss_error *err)
{
	(void)psp, (void)g, (void)report_data, (void)vmpl, (void)key_sel, (void)report;
	return ss_psp_fail(err, SS_SEV_INVALID_COMMAND,
			   "SNP reports are not implemented yet (issue 5)");
}
