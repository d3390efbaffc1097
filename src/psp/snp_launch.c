/* SEV-SNP guest contexts and the launch (psp/snp_internal.h).
 * Not implemented yet: each command answers INVALID_COMMAND saying so (issue 5). */
#include "psp/snp_internal.h"

uint32_t ss_psp_snp_gctx_create(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)psp, (void)g, (void)buf;
	return ss_psp_fail(err, SS_SEV_INVALID_COMMAND,
			   "SNP_GCTX_CREATE is not implemented yet (issue 5)");
}

uint32_t ss_psp_snp_activate(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)psp, (void)g, (void)buf;
	return ss_psp_fail(err, SS_SEV_INVALID_COMMAND,
			   "SNP_ACTIVATE is not implemented yet (issue 5)");
}

uint32_t ss_psp_snp_activate_ex(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)psp, (void)g, (void)buf;
	return ss_psp_fail(err, SS_SEV_INVALID_COMMAND,
			   "SNP_ACTIVATE_EX is not implemented yet (issue 5)");
}

uint32_t ss_psp_snp_decommission(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)psp, (void)g, (void)buf;
	return ss_psp_fail(err, SS_SEV_INVALID_COMMAND,
			   "SNP_DECOMMISSION is not implemented yet (issue 5)");
}

uint32_t ss_psp_snp_guest_status(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)psp, (void)g, (void)buf;
	return ss_psp_fail(err, SS_SEV_INVALID_COMMAND,
			   "SNP_GUEST_STATUS is not implemented yet (issue 5)");
}

uint32_t ss_psp_snp_launch_start(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)psp, (void)g, (void)buf;
	return ss_psp_fail(err, SS_SEV_INVALID_COMMAND,
			   "SNP_LAUNCH_START is not implemented yet (issue 5)");
}

uint32_t ss_psp_snp_launch_update(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)psp, (void)g, (void)buf;
	return ss_psp_fail(err, SS_SEV_INVALID_COMMAND,
			   "SNP_LAUNCH_UPDATE is not implemented yet (issue 5)");
}

uint32_t ss_psp_snp_launch_finish(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)psp, (void)g, (void)buf;
	return ss_psp_fail(err, SS_SEV_INVALID_COMMAND,
			   "SNP_LAUNCH_FINISH is not implemented yet (issue 5)");
}

uint32_t ss_psp_snp_dbg_decrypt(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)psp, (void)g, (void)buf;
	return ss_psp_fail(err, SS_SEV_INVALID_COMMAND,
			   "SNP_DBG_DECRYPT is not implemented yet (issue 5)");
}

uint32_t ss_psp_snp_dbg_encrypt(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)psp, (void)g, (void)buf;
	return ss_psp_fail(err, SS_SEV_INVALID_COMMAND,
			   "SNP_DBG_ENCRYPT is not implemented yet (issue 5)");
}
