/* The SEV-SNP platform commands (psp/snp_internal.h).
 * Not implemented yet: each command answers INVALID_COMMAND saying so (issue 5). */
#include "psp/snp_internal.h"

uint32_t ss_psp_snp_init(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)psp, (void)g, (void)buf;
	return ss_psp_fail(err, SS_SEV_INVALID_COMMAND,
			   "SNP_INIT is not implemented yet (issue 5)");
}

uint32_t ss_psp_snp_init_ex(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)psp, (void)g, (void)buf;
	return ss_psp_fail(err, SS_SEV_INVALID_COMMAND,
			   "SNP_INIT_EX is not implemented yet (issue 5)");
}

uint32_t ss_psp_snp_shutdown(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)psp, (void)g, (void)buf;
	return ss_psp_fail(err, SS_SEV_INVALID_COMMAND,
			   "SNP_SHUTDOWN is not implemented yet (issue 5)");
}

uint32_t ss_psp_snp_shutdown_ex(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)psp, (void)g, (void)buf;
	return ss_psp_fail(err, SS_SEV_INVALID_COMMAND,
			   "SNP_SHUTDOWN_EX is not implemented yet (issue 5)");
}

uint32_t ss_psp_snp_platform_status(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)psp, (void)g, (void)buf;
	return ss_psp_fail(err, SS_SEV_INVALID_COMMAND,
			   "SNP_PLATFORM_STATUS is not implemented yet (issue 5)");
}

uint32_t ss_psp_snp_df_flush(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)psp, (void)g, (void)buf;
	return ss_psp_fail(err, SS_SEV_INVALID_COMMAND,
			   "SNP_DF_FLUSH is not implemented yet (issue 5)");
}

uint32_t ss_psp_snp_config(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)psp, (void)g, (void)buf;
	return ss_psp_fail(err, SS_SEV_INVALID_COMMAND,
			   "SNP_CONFIG is not implemented yet (issue 5)");
}

uint32_t ss_psp_snp_commit(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)psp, (void)g, (void)buf;
	return ss_psp_fail(err, SS_SEV_INVALID_COMMAND,
			   "SNP_COMMIT is not implemented yet (issue 5)");
}

uint32_t ss_psp_snp_vlek_load(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)psp, (void)g, (void)buf;
	return ss_psp_fail(err, SS_SEV_INVALID_COMMAND,
			   "SNP_VLEK_LOAD is not implemented yet (issue 5)");
}

uint32_t ss_psp_snp_feature_info(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)psp, (void)g, (void)buf;
	return ss_psp_fail(err, SS_SEV_INVALID_COMMAND,
			   "SNP_FEATURE_INFO is not implemented yet (issue 5)");
}

uint32_t ss_psp_snp_page_reclaim(ss_psp *psp, struct ss_snp_gctx *g, void *buf, ss_error *err)
{
	(void)psp, (void)g, (void)buf;
	return ss_psp_fail(err, SS_SEV_INVALID_COMMAND,
			   "SNP_PAGE_RECLAIM is not implemented yet (issue 5)");
}
