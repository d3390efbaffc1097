/* softsev attest — SEV-SNP attestation reports: parse, display, verify against AMD's certificate
 * chains (ARK -> ASK/ASVK -> VCEK/VLEK), CRLs and a verifier's policy.
 *
 * Formats and rules: shared/spec/attestation.md (§2 report, §3 TCB, §4-§6 bit fields, §7
 * signature, §8 certificates and the verification algorithm, §10.4 certificate table).
 * Every function that can fail returns 0 or a negative SS_E* code and fills *err with a message
 * that names the field (with its offset) or the certificate (by role and CN) that failed:
 *   SS_EINVAL   malformed input          SS_EBADSIG  signature, chain, binding or CRL failure
 *   SS_ENOCERT  a needed cert is absent  SS_EPOLICY  a value differs from the verifier's policy
 */
#ifndef SOFTSEV_ATTEST_H
#define SOFTSEV_ATTEST_H

#include <softsev/abi/cert_table.h>
#include <softsev/abi/report.h>
#include <softsev/error.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* ---- products and TCB (§3) ------------------------------------------------------------------ */

typedef enum ss_product {
	SS_PRODUCT_UNKNOWN = 0,
	SS_PRODUCT_MILAN,
	SS_PRODUCT_GENOA,
	SS_PRODUCT_TURIN,
} ss_product;
#define SS_PRODUCT_COUNT 4

/* "Milan", "Genoa", "Turin" or "unknown". */
const char *ss_product_name(ss_product p);
/* Case-insensitive "milan" / "genoa" / "turin"; also accepts KDS productName forms such as
 * "Milan-B0". Returns 0 or SS_EINVAL. */
int ss_product_parse(const char *text, ss_product *out, ss_error *err);
/* Product from report CPUID bytes (§3: family 0x19 model 0x00-0x0F Milan, 0x10-0x1F/0xA0-0xAF
 * Genoa; family 0x1A model 0x00-0x11 Turin); SS_PRODUCT_UNKNOWN otherwise. */
ss_product ss_product_from_cpuid(uint8_t family, uint8_t model);

/* A TCB_VERSION decoded for one product's layout (Turin: FMC first; Milan/Genoa otherwise). */
typedef struct ss_tcb {
	uint64_t raw;
	bool turin_layout;
	uint8_t fmc; /* Turin only */
	uint8_t bl, tee, snp, ucode;
	uint8_t reserved[4]; /* Milan/Genoa bytes 2..5 (spl_4..7); Turin bytes 4..6 in [0..2] */
} ss_tcb;
void ss_tcb_decode(uint64_t raw, ss_product p, ss_tcb *out);
/* "bl=3 tee=0 snp=8 ucode=115" or "fmc=0 bl=1 tee=0 snp=2 ucode=71". */
void ss_tcb_format(const ss_tcb *t, char *out, size_t out_len);
/* Parses a TCB requirement: a u64 ("0x7308000000000003") decoded for product p, or components
 * "bl=3,tee=0,snp=8,ucode=115[,fmc=0]" (missing components are 0). */
int ss_tcb_parse(const char *text, ss_product p, ss_tcb *out, ss_error *err);
/* 0 if every component of have is >= the same component of min; else SS_EPOLICY naming the first
 * lower component, with `what` (e.g. "REPORTED_TCB (0x180)") as the message's subject. */
int ss_tcb_check_min(const ss_tcb *have, const ss_tcb *min, const char *what, ss_error *err);

/* ---- reports (§2) --------------------------------------------------------------------------- */

typedef enum ss_product_source {
	SS_PRODUCT_FROM_NONE = 0,
	SS_PRODUCT_FROM_CPUID,	 /* v3+ report CPUID bytes */
	SS_PRODUCT_FROM_CALLER,	 /* --product */
	SS_PRODUCT_FROM_CERT,	 /* VCEK/VLEK productName */
	SS_PRODUCT_FROM_CHIP_ID, /* v2: CHIP_ID[8..63] zero looks like Turin (§3) */
} ss_product_source;

typedef struct ss_report {
	uint8_t raw[SS_SNP_REPORT_SIZE]; /* the report bytes, unchanged */
	uint32_t version;
	bool version_known;   /* 2..5; newer versions are read as their v5 prefix */
	bool has_cpuid;	      /* version >= 3 */
	bool has_mit_vectors; /* version >= 5 */
	uint32_t signing_key; /* SIGNER_INFO bits 4:2 */
	ss_product product;
	ss_product_source product_source;
	int reserved_nonzero_at; /* offset of the first non-zero reserved byte, or -1 */
} ss_report;

/* The fields of r->raw (softsev targets little-endian hosts; report.c asserts it). */
static inline const struct ss_snp_report *ss_report_fields(const ss_report *r)
{
	return (const struct ss_snp_report *)(const void *)r->raw;
}

/* Parses exactly SS_SNP_REPORT_SIZE bytes. Versions 0 and 1 are rejected; versions above 5 parse
 * with version_known = false. The product is taken from the CPUID bytes (v3+) when they name a
 * known part, otherwise from Turin's CHIP_ID shape, otherwise left unknown. */
int ss_report_parse(const uint8_t *data, size_t len, ss_report *out, ss_error *err);
/* Overrides the product (e.g. --product, or the VCEK's productName for v2 reports). If the report
 * already named its product by CPUID and p differs, fails with SS_EPOLICY. */
int ss_report_set_product(ss_report *r, ss_product p, ss_product_source src, ss_error *err);

/* Decoded display of every field; raw byte fields are printed unchanged in hex. */
void ss_report_print_text(const ss_report *r, FILE *out);
void ss_report_print_json(const ss_report *r, FILE *out);

/* ---- extended-report certificate table (§10.4) ---------------------------------------------- */

typedef enum ss_cert_kind {
	SS_CERT_UNKNOWN = 0,
	SS_CERT_ARK,
	SS_CERT_ASK, /* also the ASVK in a VLEK chain */
	SS_CERT_VCEK,
	SS_CERT_VLEK,
	SS_CERT_CRL,
} ss_cert_kind;

typedef struct ss_cert_table_item {
	uint8_t guid[16];
	ss_cert_kind kind;
	const char *name; /* "ark", "ask", "vcek", "vlek", "crl" or "unknown" */
	uint32_t offset, length;
	const uint8_t *data; /* points into the table buffer */
} ss_cert_table_item;

#define SS_CERT_TABLE_MAX 64
/* Parses a table of len bytes: entries until the all-zero one (which must exist within len),
 * every entry's data inside the buffer and past the entry array. *count receives the number of
 * entries (at most max). */
int ss_cert_table_parse(const uint8_t *data, size_t len, ss_cert_table_item *items, size_t max,
			size_t *count, ss_error *err);
void ss_cert_table_guid_text(const uint8_t guid[16], char out[37]);

/* ---- certificates (§8) ---------------------------------------------------------------------- */

typedef struct ss_cert ss_cert; /* an X.509 certificate (OpenSSL X509 inside) */

/* PEM or DER; for PEM the first certificate. */
int ss_cert_from_bytes(const uint8_t *data, size_t len, ss_cert **out, ss_error *err);
int ss_cert_load(const char *path, ss_cert **out, ss_error *err);
void ss_cert_free(ss_cert *c);
/* Subject CN (e.g. "SEV-VCEK"); "" if absent. */
const char *ss_cert_cn(const ss_cert *c);
/* DER bytes (borrowed view into a buffer owned by c). */
const uint8_t *ss_cert_der(const ss_cert *c, size_t *len);
/* PEM text, malloc'd. */
char *ss_cert_to_pem(const ss_cert *c);

/* AMD VCEK/VLEK extensions, arc 1.3.6.1.4.1.3704.1 (§8.2). */
typedef struct ss_amd_ext {
	bool has_struct_version, has_product_name;
	int64_t struct_version;
	char product_name[64];
	bool has_bl, has_tee, has_snp, has_ucode, has_fmc;
	uint8_t bl, tee, snp, ucode, fmc;
	bool has_spl[4]; /* spl_4..spl_7 */
	uint8_t spl[4];
	size_t hwid_len; /* 0 if absent; 64 (Milan/Genoa) or 8 (Turin) */
	uint8_t hwid[64];
	bool has_csp_id; /* VLEK */
	char csp_id[256];
} ss_amd_ext;
int ss_cert_amd_extensions(const ss_cert *c, ss_amd_ext *out, ss_error *err);

/* Built-in real AMD certificates for product p (roots.c, from data/amd-roots/). */
typedef enum ss_root_kind { SS_ROOT_ARK, SS_ROOT_ASK, SS_ROOT_ASVK } ss_root_kind;
const char *ss_builtin_root_pem(ss_product p, ss_root_kind k); /* NULL if none */
int ss_builtin_root(ss_product p, ss_root_kind k, ss_cert **out, ss_error *err);

/* A CRL (PEM or DER). */
typedef struct ss_crl ss_crl;
int ss_crl_from_bytes(const uint8_t *data, size_t len, ss_crl **out, ss_error *err);
int ss_crl_load(const char *path, ss_crl **out, ss_error *err);
void ss_crl_free(ss_crl *c);
/* Checks the CRL: signed by issuer (the ARK, RSA-PSS), issuer name matches, thisUpdate <= at <=
 * nextUpdate; then that `subject` (the ASK/ASVK) is not listed. SS_EBADSIG naming the failure. */
int ss_crl_check(const ss_crl *crl, const ss_cert *issuer, const ss_cert *subject,
		 const char *subject_role, time_t at, ss_error *err);

/* ---- chain ---------------------------------------------------------------------------------- */

typedef struct ss_chain_inputs {
	ss_product product;    /* UNKNOWN: from the leaf's productName */
	const ss_cert *leaf;   /* VCEK or VLEK (required) */
	const ss_cert *ask;    /* ASK (VCEK) or ASVK (VLEK); NULL: the built-in one */
	const ss_cert *ark;    /* NULL: the built-in one; else it must equal the built-in one */
	const ss_cert *anchor; /* NULL: the built-in ARK; tests may pin another root here */
	const ss_crl *crl;     /* optional */
	time_t at;	       /* the verification time */
} ss_chain_inputs;

/* A verified chain with the leaf's key cached for fast per-report verification. */
typedef struct ss_chain ss_chain;
/* ARK self-signed and equal to the anchor; ASK/ASVK signed by the ARK; leaf signed by the
 * ASK/ASVK; names, RSA-PSS SHA-384 algorithms, P-384 leaf key, validity at `at`, CRL. */
int ss_chain_verify(const ss_chain_inputs *in, ss_chain **out, ss_error *err);
void ss_chain_free(ss_chain *c);
ss_product ss_chain_product(const ss_chain *c);
bool ss_chain_is_vlek(const ss_chain *c);
const ss_amd_ext *ss_chain_leaf_ext(const ss_chain *c);

/* ---- policy --------------------------------------------------------------------------------- */

enum ss_policy_check {
	SS_POL_MEASUREMENT = 1u << 0,
	SS_POL_REPORT_DATA = 1u << 1,
	SS_POL_HOST_DATA = 1u << 2,
	SS_POL_ID_KEY_DIGEST = 1u << 3,
	SS_POL_AUTHOR_KEY_DIGEST = 1u << 4,
	SS_POL_FAMILY_ID = 1u << 5,
	SS_POL_IMAGE_ID = 1u << 6,
	SS_POL_MIN_TCB = 1u << 7,
	SS_POL_MIN_LAUNCH_TCB = 1u << 8,
	SS_POL_VMPL = 1u << 9,
	SS_POL_REQUIRE_POLICY = 1u << 10,
	SS_POL_FORBID_POLICY = 1u << 11,
	SS_POL_PLATFORM_INFO = 1u << 12,
	SS_POL_MIN_BUILD = 1u << 13,
	SS_POL_MIN_GUEST_SVN = 1u << 14,
	SS_POL_REQUIRE_PLATFORM = 1u << 15,
	SS_POL_FORBID_PLATFORM = 1u << 16,
};

typedef struct ss_policy {
	uint32_t checks; /* enum ss_policy_check bits that are set */
	uint8_t measurement[48], report_data[64], host_data[32], id_key_digest[48],
	    author_key_digest[48], family_id[16], image_id[16];
	char min_tcb[128], min_launch_tcb[128]; /* text, decoded for the report's product */
	uint32_t vmpl;
	uint64_t require_policy, forbid_policy;
	uint64_t platform_info; /* exact value */
	uint64_t require_platform, forbid_platform;
	uint32_t min_build; /* CURRENT_BUILD and COMMITTED_BUILD */
	uint32_t min_guest_svn;
	ss_product product; /* "product" key of a policy file; UNKNOWN if absent */
} ss_policy;

/* Sets one check from its flag name without dashes ("measurement", "min-tcb", ...; '_' and '-'
 * are the same) and text value. SS_EINVAL names the key and what was wrong. */
int ss_policy_set(ss_policy *p, const char *key, const char *value, ss_error *err);
/* Reads a JSON object of such keys (values: hex strings, numbers or numeric strings; min_tcb
 * also as an object {"bl":..,"tee":..,"snp":..,"ucode":..,"fmc":..}). Unknown keys fail. */
int ss_policy_load_json(ss_policy *p, const char *path, ss_error *err);
/* Checks r against p (r->product chooses the TCB layout). SS_EPOLICY naming the field. */
int ss_policy_check(const ss_policy *p, const ss_report *r, ss_error *err);

/* ---- report verification -------------------------------------------------------------------- */

/* Everything per report, given a verified chain: SIGNATURE_ALGO and signer info, signing key kind
 * matches the chain (VCEK/VLEK), product agrees with the chain, leaf TCB extensions ==
 * REPORTED_TCB, VCEK hwID == CHIP_ID (Turin: 8 bytes), ECDSA P-384 signature over 0x000..0x29F,
 * then the policy (may be NULL). Allocation-free on success. */
int ss_report_verify(const ss_chain *chain, const ss_report *r, const ss_policy *policy,
		     ss_error *err);

#endif
