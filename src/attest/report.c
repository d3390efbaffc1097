/* ATTESTATION_REPORT parsing and display (attestation.md §2-§7). */
#include <softsev/attest.h>

#include <inttypes.h>
#include <string.h>

#include "util/bytes.h"
#include "util/json.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "ss_report_fields() views the little-endian report in place");

/* Reserved ranges that must be zero for a known version (§2). */
static int first_nonzero_reserved(const uint8_t *raw, uint32_t version)
{
	struct range {
		size_t off, len;
	} ranges[8];
	size_t n = 0;
	ranges[n++] = (struct range){offsetof(struct ss_snp_report, reserved0), 4};
	if (version >= SS_SNP_REPORT_VERSION_CPUID)
		ranges[n++] = (struct range){offsetof(struct ss_snp_report, reserved1), 21};
	else
		ranges[n++] =
		    (struct range){SS_SNP_V2_RESERVED_CPUID_OFF, SS_SNP_V2_RESERVED_CPUID_LEN};
	ranges[n++] = (struct range){offsetof(struct ss_snp_report, reserved2), 1};
	ranges[n++] = (struct range){offsetof(struct ss_snp_report, reserved3), 1};
	if (version >= SS_SNP_REPORT_VERSION_MIT_VECTOR)
		ranges[n++] = (struct range){offsetof(struct ss_snp_report, reserved4), 152};
	else
		ranges[n++] =
		    (struct range){offsetof(struct ss_snp_report, launch_mit_vector), 168};
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < ranges[i].len; j++)
			if (raw[ranges[i].off + j])
				return (int)(ranges[i].off + j);
	return -1;
}

int ss_report_parse(const uint8_t *data, size_t len, ss_report *out, ss_error *err)
{
	memset(out, 0, sizeof(*out));
	if (len != SS_SNP_REPORT_SIZE)
		return ss_fail(
		    err, SS_EINVAL,
		    "attestation report is %zu bytes, expected %d (0x4A0, attestation.md §2)", len,
		    SS_SNP_REPORT_SIZE);
	memcpy(out->raw, data, len);
	const struct ss_snp_report *f = ss_report_fields(out);
	out->version = f->version;
	if (out->version < SS_SNP_REPORT_VERSION_MIN)
		return ss_fail(err, SS_EINVAL,
			       "VERSION (0x000) is %" PRIu32 "; SNP reports start at version 2",
			       out->version);
	out->version_known = out->version <= SS_SNP_REPORT_VERSION_MAX_KNOWN;
	out->has_cpuid = out->version >= SS_SNP_REPORT_VERSION_CPUID;
	out->has_mit_vectors = out->version >= SS_SNP_REPORT_VERSION_MIT_VECTOR;
	out->signing_key = (f->signer_info & SS_SNP_SIGNER_KEY_MASK) >> SS_SNP_SIGNER_KEY_SHIFT;
	out->reserved_nonzero_at =
	    out->version_known ? first_nonzero_reserved(out->raw, out->version) : -1;
	out->product = SS_PRODUCT_UNKNOWN;
	out->product_source = SS_PRODUCT_FROM_NONE;
	if (out->has_cpuid) {
		out->product = ss_product_from_cpuid(f->cpuid_fam_id, f->cpuid_mod_id);
		if (out->product)
			out->product_source = SS_PRODUCT_FROM_CPUID;
	} else if (!ss_is_zero(f->chip_id, SS_SNP_TURIN_CHIP_ID_SIZE) &&
		   ss_is_zero(f->chip_id + SS_SNP_TURIN_CHIP_ID_SIZE,
			      SS_SNP_CHIP_ID_SIZE - SS_SNP_TURIN_CHIP_ID_SIZE)) {
		/* §3: a v2 report has no CPUID; only Turin leaves CHIP_ID[8..63] zero. */
		out->product = SS_PRODUCT_TURIN;
		out->product_source = SS_PRODUCT_FROM_CHIP_ID;
	}
	return 0;
}

int ss_report_set_product(ss_report *r, ss_product p, ss_product_source src, ss_error *err)
{
	if (p == SS_PRODUCT_UNKNOWN)
		return 0;
	if (r->product_source == SS_PRODUCT_FROM_CPUID && r->product != p) {
		const struct ss_snp_report *f = ss_report_fields(r);
		return ss_fail(
		    err, SS_EPOLICY,
		    "report CPUID_FAM_ID/CPUID_MOD_ID (0x188) 0x%02x/0x%02x say %s, not %s",
		    f->cpuid_fam_id, f->cpuid_mod_id, ss_product_name(r->product),
		    ss_product_name(p));
	}
	if (r->product_source == SS_PRODUCT_FROM_CPUID)
		return 0;
	r->product = p;
	r->product_source = src;
	return 0;
}

static const char *product_source_name(ss_product_source s)
{
	switch (s) {
	case SS_PRODUCT_FROM_CPUID: return "report CPUID";
	case SS_PRODUCT_FROM_CALLER: return "--product";
	case SS_PRODUCT_FROM_CERT: return "certificate productName";
	case SS_PRODUCT_FROM_CHIP_ID: return "CHIP_ID shape (Turin)";
	default: return "none";
	}
}

static const char *signing_key_name(uint32_t k)
{
	switch (k) {
	case SS_SNP_SIGNING_KEY_VCEK: return "VCEK";
	case SS_SNP_SIGNING_KEY_VLEK: return "VLEK";
	case SS_SNP_SIGNING_KEY_NONE: return "none";
	default: return "reserved";
	}
}

/* "SMT RESERVED_MBO DEBUG" plus "bit N" for bits without a name. */
static void policy_bits_text(uint64_t v, char *out, size_t n)
{
	out[0] = 0;
	size_t used = 0;
	uint64_t named = 0;
#define SS_POL_TXT(name, bit, hint)                                                                \
	named |= 1ull << (bit);                                                                    \
	if (v & (1ull << (bit)))                                                                   \
		used += (size_t)snprintf(out + used, used < n ? n - used : 0, "%s%s",              \
					 used ? " " : "", #name);
	SS_SNP_POLICY_BITS(SS_POL_TXT)
#undef SS_POL_TXT
	for (int b = 16; b < 64; b++)
		if ((v & ~named) & (1ull << b))
			used += (size_t)snprintf(out + used, used < n ? n - used : 0, "%sbit%d",
						 used ? " " : "", b);
}

static void platform_bits_text(uint64_t v, char *out, size_t n)
{
	out[0] = 0;
	size_t used = 0;
	uint64_t named = 0;
#define SS_PI_TXT(name, bit, hint)                                                                 \
	named |= 1ull << (bit);                                                                    \
	if (v & (1ull << (bit)))                                                                   \
		used += (size_t)snprintf(out + used, used < n ? n - used : 0, "%s%s",              \
					 used ? " " : "", #name);
	SS_SNP_PLATFORM_INFO_BITS(SS_PI_TXT)
#undef SS_PI_TXT
	for (int b = 0; b < 64; b++)
		if ((v & ~named) & (1ull << b))
			used += (size_t)snprintf(out + used, used < n ? n - used : 0, "%sbit%d",
						 used ? " " : "", b);
}

/* R or S (72 bytes little-endian) as the big-endian 48-byte integer people compare. */
static void sig_component_be(const uint8_t le[SS_SNP_SIG_COMPONENT_SIZE], uint8_t be[48])
{
	for (int i = 0; i < 48; i++)
		be[i] = le[47 - i];
}

static void hexline(FILE *out, const char *name, const uint8_t *p, size_t len)
{
	char buf[2 * 512 + 1];
	ss_hex_encode(buf, p, len);
	fprintf(out, "%-26s %s\n", name, buf);
}

static void tcb_text(FILE *out, const char *name, uint64_t raw, ss_product p)
{
	ss_tcb t;
	char s[96];
	ss_tcb_decode(raw, p, &t);
	ss_tcb_format(&t, s, sizeof(s));
	fprintf(out, "%-26s 0x%016" PRIx64 " (%s)\n", name, raw, s);
}

void ss_report_print_text(const ss_report *r, FILE *out)
{
	const struct ss_snp_report *f = ss_report_fields(r);
	char bits[512];
	if (!r->version_known)
		fprintf(out,
			"note: report version %" PRIu32
			" is newer than softsev knows (<= 5); showing "
			"the version 5 prefix\n",
			r->version);
	if (r->reserved_nonzero_at >= 0)
		fprintf(out, "warning: reserved byte at 0x%03x is not zero\n",
			(unsigned)r->reserved_nonzero_at);
	fprintf(out, "%-26s %" PRIu32 "\n", "version", r->version);
	fprintf(out, "%-26s %s (from %s; TCB layout %s)\n", "product", ss_product_name(r->product),
		product_source_name(r->product_source),
		r->product == SS_PRODUCT_TURIN ? "Turin" : "Milan/Genoa");
	fprintf(out, "%-26s %" PRIu32 " (0x%" PRIx32 ")\n", "guest_svn", f->guest_svn,
		f->guest_svn);
	policy_bits_text(f->policy, bits, sizeof(bits));
	fprintf(out, "%-26s 0x%016" PRIx64 " (abi %u.%u; %s)\n", "policy", f->policy,
		(unsigned)((f->policy >> SS_SNP_POLICY_ABI_MAJOR_SHIFT) & 0xFF),
		(unsigned)(f->policy & SS_SNP_POLICY_ABI_MINOR_MASK), bits);
	hexline(out, "family_id", f->family_id, 16);
	hexline(out, "image_id", f->image_id, 16);
	fprintf(out, "%-26s %" PRIu32 "\n", "vmpl", f->vmpl);
	fprintf(out, "%-26s %" PRIu32 "%s\n", "signature_algo", f->signature_algo,
		f->signature_algo == SS_SNP_SIGNATURE_ALGO_ECDSA_P384_SHA384
		    ? " (ECDSA P-384 with SHA-384)"
		    : " (unknown)");
	tcb_text(out, "current_tcb", f->current_tcb, r->product);
	platform_bits_text(f->platform_info, bits, sizeof(bits));
	fprintf(out, "%-26s 0x%016" PRIx64 " (%s)\n", "platform_info", f->platform_info, bits);
	fprintf(out,
		"%-26s 0x%08" PRIx32 " (author_key_en=%u mask_chip_key=%u signing_key=%u %s)\n",
		"signer_info", f->signer_info, f->signer_info & SS_SNP_SIGNER_AUTHOR_KEY_EN ? 1 : 0,
		f->signer_info & SS_SNP_SIGNER_MASK_CHIP_KEY ? 1 : 0, r->signing_key,
		signing_key_name(r->signing_key));
	hexline(out, "report_data", f->report_data, 64);
	hexline(out, "measurement", f->measurement, 48);
	hexline(out, "host_data", f->host_data, 32);
	hexline(out, "id_key_digest", f->id_key_digest, 48);
	hexline(out, "author_key_digest", f->author_key_digest, 48);
	hexline(out, "report_id", f->report_id, 32);
	hexline(out, "report_id_ma", f->report_id_ma, 32);
	tcb_text(out, "reported_tcb", f->reported_tcb, r->product);
	if (r->has_cpuid)
		fprintf(out, "%-26s 0x%02x / 0x%02x / 0x%02x\n", "cpuid fam/mod/step",
			f->cpuid_fam_id, f->cpuid_mod_id, f->cpuid_step);
	hexline(out, "chip_id", f->chip_id,
		r->product == SS_PRODUCT_TURIN ? SS_SNP_TURIN_CHIP_ID_SIZE : SS_SNP_CHIP_ID_SIZE);
	tcb_text(out, "committed_tcb", f->committed_tcb, r->product);
	fprintf(out, "%-26s %u.%u.%u\n", "current firmware", f->current_major, f->current_minor,
		f->current_build);
	fprintf(out, "%-26s %u.%u.%u\n", "committed firmware", f->committed_major,
		f->committed_minor, f->committed_build);
	tcb_text(out, "launch_tcb", f->launch_tcb, r->product);
	if (r->has_mit_vectors) {
		fprintf(out, "%-26s 0x%016" PRIx64 "\n", "launch_mit_vector", f->launch_mit_vector);
		fprintf(out, "%-26s 0x%016" PRIx64 "\n", "current_mit_vector",
			f->current_mit_vector);
	}
	uint8_t be[48];
	sig_component_be(f->signature.r, be);
	hexline(out, "signature_r", be, 48);
	sig_component_be(f->signature.s, be);
	hexline(out, "signature_s", be, 48);
}

static void tcb_json(ss_json *j, const char *key, uint64_t raw, ss_product p)
{
	ss_tcb t;
	ss_tcb_decode(raw, p, &t);
	ss_json_key(j, key);
	ss_json_begin_object(j);
	ss_json_kv_hex_u64(j, "raw", raw);
	if (t.turin_layout)
		ss_json_kv_u64(j, "fmc", t.fmc);
	ss_json_kv_u64(j, "bl", t.bl);
	ss_json_kv_u64(j, "tee", t.tee);
	ss_json_kv_u64(j, "snp", t.snp);
	ss_json_kv_u64(j, "ucode", t.ucode);
	ss_json_end_object(j);
}

static void bits_json(ss_json *j, const char *key, const char *text)
{
	ss_json_key(j, key);
	ss_json_begin_array(j);
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", text);
	for (char *save = NULL, *tok = strtok_r(buf, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save))
		ss_json_string(j, tok);
	ss_json_end_array(j);
}

void ss_report_print_json(const ss_report *r, FILE *out)
{
	const struct ss_snp_report *f = ss_report_fields(r);
	char bits[512];
	ss_json j;
	ss_json_init(&j, out);
	ss_json_begin_object(&j);
	ss_json_kv_u64(&j, "version", r->version);
	ss_json_kv_bool(&j, "version_known", r->version_known);
	ss_json_kv_string(&j, "product", ss_product_name(r->product));
	ss_json_kv_string(&j, "product_source", product_source_name(r->product_source));
	if (r->reserved_nonzero_at >= 0)
		ss_json_kv_u64(&j, "reserved_nonzero_at", (uint64_t)r->reserved_nonzero_at);
	ss_json_kv_u64(&j, "guest_svn", f->guest_svn);
	ss_json_key(&j, "policy");
	ss_json_begin_object(&j);
	ss_json_kv_hex_u64(&j, "raw", f->policy);
	ss_json_kv_u64(&j, "abi_major", (f->policy >> SS_SNP_POLICY_ABI_MAJOR_SHIFT) & 0xFF);
	ss_json_kv_u64(&j, "abi_minor", f->policy & SS_SNP_POLICY_ABI_MINOR_MASK);
	policy_bits_text(f->policy, bits, sizeof(bits));
	bits_json(&j, "flags", bits);
	ss_json_end_object(&j);
	ss_json_kv_hex(&j, "family_id", f->family_id, 16);
	ss_json_kv_hex(&j, "image_id", f->image_id, 16);
	ss_json_kv_u64(&j, "vmpl", f->vmpl);
	ss_json_kv_u64(&j, "signature_algo", f->signature_algo);
	tcb_json(&j, "current_tcb", f->current_tcb, r->product);
	ss_json_key(&j, "platform_info");
	ss_json_begin_object(&j);
	ss_json_kv_hex_u64(&j, "raw", f->platform_info);
	platform_bits_text(f->platform_info, bits, sizeof(bits));
	bits_json(&j, "flags", bits);
	ss_json_end_object(&j);
	ss_json_key(&j, "signer_info");
	ss_json_begin_object(&j);
	ss_json_kv_hex_u64(&j, "raw", f->signer_info);
	ss_json_kv_bool(&j, "author_key_en", f->signer_info & SS_SNP_SIGNER_AUTHOR_KEY_EN);
	ss_json_kv_bool(&j, "mask_chip_key", f->signer_info & SS_SNP_SIGNER_MASK_CHIP_KEY);
	ss_json_kv_u64(&j, "signing_key", r->signing_key);
	ss_json_kv_string(&j, "signing_key_name", signing_key_name(r->signing_key));
	ss_json_end_object(&j);
	ss_json_kv_hex(&j, "report_data", f->report_data, 64);
	ss_json_kv_hex(&j, "measurement", f->measurement, 48);
	ss_json_kv_hex(&j, "host_data", f->host_data, 32);
	ss_json_kv_hex(&j, "id_key_digest", f->id_key_digest, 48);
	ss_json_kv_hex(&j, "author_key_digest", f->author_key_digest, 48);
	ss_json_kv_hex(&j, "report_id", f->report_id, 32);
	ss_json_kv_hex(&j, "report_id_ma", f->report_id_ma, 32);
	tcb_json(&j, "reported_tcb", f->reported_tcb, r->product);
	if (r->has_cpuid) {
		ss_json_key(&j, "cpuid");
		ss_json_begin_object(&j);
		ss_json_kv_u64(&j, "family", f->cpuid_fam_id);
		ss_json_kv_u64(&j, "model", f->cpuid_mod_id);
		ss_json_kv_u64(&j, "stepping", f->cpuid_step);
		ss_json_end_object(&j);
	}
	ss_json_kv_hex(&j, "chip_id", f->chip_id, SS_SNP_CHIP_ID_SIZE);
	tcb_json(&j, "committed_tcb", f->committed_tcb, r->product);
	char ver[32];
	snprintf(ver, sizeof(ver), "%u.%u.%u", f->current_major, f->current_minor,
		 f->current_build);
	ss_json_kv_string(&j, "current_firmware", ver);
	snprintf(ver, sizeof(ver), "%u.%u.%u", f->committed_major, f->committed_minor,
		 f->committed_build);
	ss_json_kv_string(&j, "committed_firmware", ver);
	tcb_json(&j, "launch_tcb", f->launch_tcb, r->product);
	if (r->has_mit_vectors) {
		ss_json_kv_hex_u64(&j, "launch_mit_vector", f->launch_mit_vector);
		ss_json_kv_hex_u64(&j, "current_mit_vector", f->current_mit_vector);
	}
	uint8_t be[48];
	sig_component_be(f->signature.r, be);
	ss_json_kv_hex(&j, "signature_r", be, 48);
	sig_component_be(f->signature.s, be);
	ss_json_kv_hex(&j, "signature_s", be, 48);
	ss_json_kv_hex(&j, "raw", r->raw, SS_SNP_REPORT_SIZE);
	ss_json_end_object(&j);
	ss_json_finish(&j);
}
