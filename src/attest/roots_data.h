/* The PEM text of AMD's public SEV-SNP certificates, generated from data/amd-roots/ at build time
 * (scripts/pem2c.py). */
#ifndef SS_ATTEST_ROOTS_DATA_H
#define SS_ATTEST_ROOTS_DATA_H

extern const char ss_amd_root_milan_ark[], ss_amd_root_milan_ask[], ss_amd_root_milan_asvk[];
extern const char ss_amd_root_genoa_ark[], ss_amd_root_genoa_ask[], ss_amd_root_genoa_asvk[];
extern const char ss_amd_root_turin_ark[], ss_amd_root_turin_ask[], ss_amd_root_turin_asvk[];

#endif
