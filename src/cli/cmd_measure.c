/* softsev measure: a drop-in for sev-snp-measure 0.0.13 (same flags, defaults and bare-digest
 * output; measurement.md §5), plus --explain / -o json, the SEV LAUNCH_MEASURE HMAC and the check
 * of a measurement blob (firmware-abi.md §3.5). */
#include "cli/cli.h"

#include "util/bytes.h"
#include "util/file.h"
#include "util/json.h"

#include <softsev/abi/snp_page_info.h>
#include <softsev/crypto_md.h>
#include <softsev/measure.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define REFERENCE_VERSION "0.0.13"
#ifndef SOFTSEV_VERSION
#define SOFTSEV_VERSION "unknown"
#endif

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: softsev measure --mode MODE --ovmf FILE [options]\n"
	    "\n"
	    "Computes the launch digest of an SEV, SEV-ES or SEV-SNP guest, like sev-snp-measure\n"
	    "%s, and prints it as a bare hex (or base64) string.\n"
	    "\n"
	    "  --mode MODE             sev, seves, snp, snp:ovmf-hash or snp:svsm (required)\n"
	    "  --ovmf FILE             the OVMF firmware image (required)\n"
	    "  --vcpus N               number of vCPUs (required for seves, snp, snp:svsm)\n"
	    "  --vcpu-type TYPE        QEMU vCPU model (EPYC, EPYC-v4, EPYC-Milan, ...; see "
	    "below)\n"
	    "  --vcpu-sig SIG          CPUID(1).EAX signature (0x.., decimal, 0o.., 0b..)\n"
	    "  --vcpu-family N --vcpu-model N --vcpu-stepping N\n"
	    "                          signature from family/model/stepping (decimal)\n"
	    "  --vmm-type TYPE         QEMU (default), ec2 or gce\n"
	    "  --kernel FILE           kernel measured through the kernel hashes table\n"
	    "  --initrd FILE           initrd (needs --kernel)\n"
	    "  --append CMDLINE        kernel command line (needs --kernel)\n"
	    "  --guest-features V      SNP guest features (sev_features), default 0x1\n"
	    "  --snp-ovmf-hash HEX     snp: seed with this 48-byte firmware digest\n"
	    "  --svsm FILE             snp:svsm: the COCONUT-SVSM binary\n"
	    "  --vars-size N           snp:svsm: size of the OVMF variable store\n"
	    "  --vars-file FILE        snp:svsm: the OVMF variable store (its size is used)\n"
	    "  --output-format FMT     hex (default) or base64\n"
	    "  --dump-vmsa[=DIR]       write the measured VMSA pages as DIR/vmsa<i>.bin (default "
	    ".)\n"
	    "  -v, --verbose           print 'Calculated <kind> guest measurement: <digest>'\n"
	    "  --explain               print every measured step, then the digest\n"
	    "  -o, --output text|json  json: every step, the firmware's metadata and the digest\n"
	    "  --version               print the version\n"
	    "\n"
	    "SEV LAUNCH_MEASURE (modes sev and seves):\n"
	    "  --tik FILE|HEX          16-byte transport integrity key (raw or hex file, or hex)\n"
	    "  --api-major N --api-minor N --build N   the platform's PLATFORM_STATUS\n"
	    "  --policy N              the guest policy (u32)\n"
	    "  --mnonce HEX            16-byte nonce: print MEASUREMENT || MNONCE (48 bytes)\n"
	    "  --check-measurement B   check a 48-byte LAUNCH_MEASURE blob (base64, hex or file);\n"
	    "                          exit 5 if it does not match\n"
	    "  --launch-digest HEX     use this 32-byte launch digest instead of --ovmf etc.\n"
	    "\n"
	    "Exit codes: 0 ok, 1 error (bad input), 2 misuse, 5 measurement mismatch.\n",
	    REFERENCE_VERSION);
	fprintf(out, "\nvCPU types:");
	for (size_t i = 0; ss_vcpu_type_name(i); i++)
		fprintf(out, "%s%s", i % 6 ? " " : "\n  ", ss_vcpu_type_name(i));
	fprintf(out, "\n");
}

/* ---- argument parsing -------------------------------------------------------------------- */

/* An integer as Python's int(text, 0) reads it (sign, 0x/0o/0b prefixes, '_' between digits,
 * surrounding blanks), reduced modulo 2^64 as ctypes' c_uint64 stores it. */
static bool parse_pyint(const char *s, int base_hint, uint64_t *out)
{
	while (isspace((unsigned char)*s))
		s++;
	bool neg = false;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	int base = 10;
	if (base_hint == 0 && s[0] == '0' && s[1]) {
		char p = (char)tolower((unsigned char)s[1]);
		base = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
		if (base)
			s += 2;
		else
			base = 10;
		if (base != 10 && *s == '_')
			s++;
	}
	const char *digits = s;
	uint64_t v = 0;
	bool any = false, nonzero = false;
	for (; *s && !isspace((unsigned char)*s); s++) {
		if (*s == '_' && any && s[1] && s[1] != '_')
			continue;
		int d;
		if (isdigit((unsigned char)*s))
			d = *s - '0';
		else if (isalpha((unsigned char)*s))
			d = tolower((unsigned char)*s) - 'a' + 10;
		else
			return false;
		if (d >= base)
			return false;
		v = v * (uint64_t)base + (uint64_t)d;
		any = true;
		nonzero |= d != 0;
	}
	while (isspace((unsigned char)*s))
		s++;
	if (!any || *s)
		return false;
	/* int("010", 0) is an error in Python: no leading zeros in decimal. */
	if (base_hint == 0 && base == 10 && digits[0] == '0' && nonzero)
		return false;
	*out = neg ? (uint64_t)0 - v : v;
	return true;
}

/* A decimal int as Python's int(text) reads it, which must fit in int64. */
static bool parse_int64(const char *s, int64_t *out)
{
	while (isspace((unsigned char)*s))
		s++;
	bool neg = false;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	uint64_t v = 0;
	bool any = false;
	for (; *s && !isspace((unsigned char)*s); s++) {
		if (*s == '_' && any && s[1] && s[1] != '_')
			continue;
		if (!isdigit((unsigned char)*s) || v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		any = true;
	}
	while (isspace((unsigned char)*s))
		s++;
	if (!any || *s || v > (uint64_t)INT64_MAX)
		return false;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return true;
}

static bool parse_small(const char *arg, unsigned long long max, unsigned long long *out)
{
	return ss_cli_parse_u64(arg, out) && *out <= max;
}

/* ---- inputs ------------------------------------------------------------------------------ */

typedef struct input {
	uint8_t *data;
	size_t len;
	bool mapped;
} input;

/* Maps a regular file read-only (no copy: the kernel and initrd can be large), or reads anything
 * else (a pipe, /dev/null). */
static int load(const char *path, const char *what, input *in, ss_error *err)
{
	memset(in, 0, sizeof(*in));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ss_fail(err, SS_EIO, "cannot open %s '%s': %s", what, path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		void *p =
		    mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
		close(fd);
		if (p == MAP_FAILED)
			return ss_fail(err, SS_EIO, "cannot map %s '%s': %s", what, path,
				       strerror(errno));
		in->data = p;
		in->len = (size_t)st.st_size;
		in->mapped = true;
		return 0;
	}
	close(fd);
	int rc = ss_read_file(path, (size_t)4 << 30, &in->data, &in->len, err);
	if (rc)
		return ss_wrap(err, rc, "%s", what);
	return 0;
}

static void unload(input *in)
{
	if (in->mapped)
		munmap(in->data, in->len);
	else
		free(in->data);
	memset(in, 0, sizeof(*in));
}

/* 16 bytes from a file (raw, or hex text) or from hex on the command line. */
static bool load_key16(const char *arg, uint8_t out[16], const char *what)
{
	struct stat st;
	if (stat(arg, &st) == 0) {
		uint8_t *data;
		size_t len;
		ss_error e;
		if (ss_read_file(arg, 4096, &data, &len, &e)) {
			ss_cli_error(SS_EXIT_ERROR, "%s: %s", what, e.msg);
			return false;
		}
		bool ok = len == 16;
		if (ok)
			memcpy(out, data, 16);
		else {
			while (len && isspace(data[len - 1]))
				data[--len] = 0;
			ok = ss_hex_decode_exact(out, 16, (const char *)data);
		}
		free(data);
		if (!ok)
			ss_cli_error(SS_EXIT_ERROR,
				     "%s file '%s' holds neither 16 raw bytes nor 32 hex "
				     "digits",
				     what, arg);
		return ok;
	}
	if (!ss_hex_decode_exact(out, 16, arg)) {
		ss_cli_error(SS_EXIT_USAGE, "%s '%s' is neither a file nor 32 hex digits", what,
			     arg);
		return false;
	}
	return true;
}

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Standard base64 (padded) of exactly want bytes. */
static bool base64_decode_exact(const char *s, uint8_t *out, size_t want)
{
	size_t n = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (; *s && *s != '='; s++) {
		int v = b64val((unsigned char)*s);
		if (v < 0)
			return false;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == want)
				return false;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	while (*s == '=')
		s++;
	return !*s && n == want;
}

/* A LAUNCH_MEASURE blob: base64 (sevctl), hex, or a file holding the 48 raw bytes or that text. */
static bool load_blob(const char *arg, uint8_t out[SS_SEV_MEASURE_BLOB_LEN])
{
	char *text = NULL;
	struct stat st;
	if (stat(arg, &st) == 0) {
		uint8_t *data;
		size_t len;
		ss_error e;
		if (ss_read_file(arg, 4096, &data, &len, &e)) {
			ss_cli_error(SS_EXIT_ERROR, "--check-measurement: %s", e.msg);
			return false;
		}
		if (len == SS_SEV_MEASURE_BLOB_LEN) {
			memcpy(out, data, len);
			free(data);
			return true;
		}
		while (len && isspace(data[len - 1]))
			data[--len] = 0;
		text = (char *)data;
	}
	const char *t = text ? text : arg;
	bool ok = ss_hex_decode_exact(out, SS_SEV_MEASURE_BLOB_LEN, t) ||
		  base64_decode_exact(t, out, SS_SEV_MEASURE_BLOB_LEN);
	free(text);
	if (!ok)
		ss_cli_error(
		    SS_EXIT_USAGE,
		    "--check-measurement: '%s' is not a 48-byte blob (base64, hex or a file)", arg);
	return ok;
}

/* ---- output ------------------------------------------------------------------------------ */

typedef struct out_ctx {
	ss_measure_mode mode;
	ss_output fmt;
	bool explain;
	ss_json *json;
	FILE *text; /* explain lines go here (buffered until success) */
	const char *dump_dir;
} out_ctx;

static void on_step(void *ctx, const ss_measure_step *s)
{
	out_ctx *c = ctx;
	char contents[97], digest[97];
	ss_hex_encode(contents, s->contents, s->contents_len);
	ss_hex_encode(digest, s->digest, s->digest_len);
	bool snp = c->mode != SS_MEASURE_SEV && c->mode != SS_MEASURE_SEV_ES;
	if (c->json) {
		ss_json *j = c->json;
		ss_json_begin_object(j);
		ss_json_kv_u64(j, "index", s->index);
		ss_json_kv_string(j, "what", s->what);
		if (s->item >= 0)
			ss_json_kv_u64(j, "item", (uint64_t)s->item);
		ss_json_kv_hex_u64(j, snp ? "gpa" : "offset", s->gpa);
		if (snp && s->page_type)
			ss_json_kv_string(j, "page_type", ss_snp_page_type_name(s->page_type));
		ss_json_kv_u64(j, "length", s->length);
		ss_json_kv_string(j, snp ? "contents" : "sha256", contents);
		ss_json_kv_string(j, "digest", digest);
		ss_json_end_object(j);
		return;
	}
	char item[32] = "";
	if (s->item >= 0)
		snprintf(item, sizeof(item), "[%ld]", s->item);
	char label[64];
	snprintf(label, sizeof(label), "%s%s", s->what, item);
	if (snp)
		fprintf(c->text, "%6zu %-22s gpa=0x%012llx %-10s contents=%s digest=%s\n", s->index,
			label, (unsigned long long)s->gpa,
			s->page_type ? ss_snp_page_type_name(s->page_type) : "-", contents, digest);
	else
		fprintf(c->text, "%6zu %-22s offset=0x%08llx length=0x%llx sha256=%s digest=%s\n",
			s->index, label, (unsigned long long)s->gpa, (unsigned long long)s->length,
			contents, digest);
}

static int on_vmsa(void *ctx, long vcpu, const uint8_t page[SS_VMSA_SIZE], ss_error *err)
{
	out_ctx *c = ctx;
	char path[4096];
	if (snprintf(path, sizeof(path), "%s/vmsa%ld.bin", c->dump_dir, vcpu) >= (int)sizeof(path))
		return ss_fail(err, SS_EINVAL, "--dump-vmsa: directory path too long");
	int rc = ss_write_file_atomic(path, page, SS_VMSA_SIZE, 0644, err);
	return rc ? ss_wrap(err, rc, "--dump-vmsa") : 0;
}

static void print_encoded(const uint8_t *p, size_t len, bool base64)
{
	if (base64) {
		char *b = ss_base64_encode(p, len);
		puts(b ? b : "");
		free(b);
	} else {
		char hex[129];
		ss_hex_encode(hex, p, len);
		puts(hex);
	}
}

static void json_ovmf(ss_json *j, const char *key, const char *path, const uint8_t *data,
		      size_t len)
{
	ss_ovmf o;
	ss_error e;
	ss_json_key(j, key);
	ss_json_begin_object(j);
	ss_json_kv_string(j, "path", path);
	ss_json_kv_u64(j, "size", len);
	if (ss_ovmf_parse(data, len, &o, &e) != 0) {
		ss_json_kv_string(j, "error", e.msg);
	} else {
		if (!strcmp(key, "ovmf")) /* the SVSM is not loaded at the end of 4 GiB */
			ss_json_kv_hex_u64(j, "gpa", o.gpa);
		ss_json_kv_bool(j, "footer_table", o.has_footer);
		if (o.has_reset_block)
			ss_json_kv_hex_u64(j, "sev_es_reset_eip", o.reset_eip);
		if (o.has_hash_table)
			ss_json_kv_hex_u64(j, "sev_hash_table_gpa", o.hash_table_gpa);
		if (o.has_metadata)
			ss_json_kv_hex_u64(j, "sev_metadata_offset", o.metadata_offset);
		if (o.has_svsm_info)
			ss_json_kv_hex_u64(j, "svsm_entry_offset", o.svsm_entry);
		ss_json_key(j, "sections");
		ss_json_begin_array(j);
		for (size_t i = 0; i < o.n_sections; i++) {
			const char *name = ss_ovmf_section_type_name(o.sections[i].type);
			ss_json_begin_object(j);
			ss_json_kv_hex_u64(j, "gpa", o.sections[i].gpa);
			ss_json_kv_hex_u64(j, "size", o.sections[i].size);
			if (name)
				ss_json_kv_string(j, "type", name);
			else
				ss_json_kv_hex_u64(j, "type", o.sections[i].type);
			ss_json_end_object(j);
		}
		ss_json_end_array(j);
		ss_ovmf_free(&o);
	}
	ss_json_end_object(j);
}

/* ---- the command ------------------------------------------------------------------------- */

enum {
	OPT_MODE = 256,
	OPT_OVMF,
	OPT_VCPUS,
	OPT_VCPU_TYPE,
	OPT_VCPU_SIG,
	OPT_VCPU_FAMILY,
	OPT_VCPU_MODEL,
	OPT_VCPU_STEPPING,
	OPT_VMM_TYPE,
	OPT_KERNEL,
	OPT_INITRD,
	OPT_APPEND,
	OPT_GUEST_FEATURES,
	OPT_OUTPUT_FORMAT,
	OPT_SNP_OVMF_HASH,
	OPT_DUMP_VMSA,
	OPT_SVSM,
	OPT_VARS_SIZE,
	OPT_VARS_FILE,
	OPT_VERSION,
	OPT_EXPLAIN,
	OPT_TIK,
	OPT_API_MAJOR,
	OPT_API_MINOR,
	OPT_BUILD,
	OPT_POLICY,
	OPT_MNONCE,
	OPT_CHECK,
	OPT_LAUNCH_DIGEST,
};

static const struct option long_opts[] = {
    {"mode", required_argument, NULL, OPT_MODE},
    {"ovmf", required_argument, NULL, OPT_OVMF},
    {"vcpus", required_argument, NULL, OPT_VCPUS},
    {"vcpu-type", required_argument, NULL, OPT_VCPU_TYPE},
    {"vcpu-sig", required_argument, NULL, OPT_VCPU_SIG},
    {"vcpu-family", required_argument, NULL, OPT_VCPU_FAMILY},
    {"vcpu-model", required_argument, NULL, OPT_VCPU_MODEL},
    {"vcpu-stepping", required_argument, NULL, OPT_VCPU_STEPPING},
    {"vmm-type", required_argument, NULL, OPT_VMM_TYPE},
    {"kernel", required_argument, NULL, OPT_KERNEL},
    {"initrd", required_argument, NULL, OPT_INITRD},
    {"append", required_argument, NULL, OPT_APPEND},
    {"guest-features", required_argument, NULL, OPT_GUEST_FEATURES},
    {"output-format", required_argument, NULL, OPT_OUTPUT_FORMAT},
    {"snp-ovmf-hash", required_argument, NULL, OPT_SNP_OVMF_HASH},
    {"dump-vmsa", optional_argument, NULL, OPT_DUMP_VMSA},
    {"svsm", required_argument, NULL, OPT_SVSM},
    {"vars-size", required_argument, NULL, OPT_VARS_SIZE},
    {"vars-file", required_argument, NULL, OPT_VARS_FILE},
    {"verbose", no_argument, NULL, 'v'},
    {"version", no_argument, NULL, OPT_VERSION},
    {"explain", no_argument, NULL, OPT_EXPLAIN},
    {"output", required_argument, NULL, 'o'},
    {"tik", required_argument, NULL, OPT_TIK},
    {"api-major", required_argument, NULL, OPT_API_MAJOR},
    {"api-minor", required_argument, NULL, OPT_API_MINOR},
    {"build", required_argument, NULL, OPT_BUILD},
    {"policy", required_argument, NULL, OPT_POLICY},
    {"mnonce", required_argument, NULL, OPT_MNONCE},
    {"check-measurement", required_argument, NULL, OPT_CHECK},
    {"launch-digest", required_argument, NULL, OPT_LAUNCH_DIGEST},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

typedef struct args {
	const char *mode, *ovmf, *kernel, *initrd, *append, *svsm, *vars_file, *dump_dir;
	const char *vcpus, *vcpu_type, *vcpu_sig, *family, *model, *stepping, *vmm, *gf;
	const char *output_format, *ovmf_hash, *vars_size, *tik, *api_major, *api_minor, *build,
	    *policy, *mnonce, *check, *launch_digest;
	bool verbose, explain, dump;
	ss_output out;
} args;

/* Turns the parsed flags into measurement options; returns an exit code or -1 to go on. */
static int build_opts(const args *a, ss_measure_opts *o, ss_measure_mode *mode)
{
	if (!a->mode)
		return ss_cli_error(SS_EXIT_USAGE, "the following argument is required: --mode");
	if (!ss_measure_mode_parse(a->mode, mode))
		return ss_cli_error(SS_EXIT_USAGE,
				    "--mode: invalid choice '%s' (choose from sev, seves, snp, "
				    "snp:ovmf-hash, snp:svsm)",
				    a->mode);
	o->mode = *mode;
	if (!a->ovmf && !a->launch_digest)
		return ss_cli_error(SS_EXIT_USAGE, "the following argument is required: --ovmf");
	if (a->vmm && !ss_vmm_type_parse(a->vmm, &o->vmm))
		return ss_cli_error(SS_EXIT_USAGE,
				    "--vmm-type: invalid choice '%s' (choose from QEMU, ec2, gce)",
				    a->vmm);
	if ((a->initrd || a->append) && !a->kernel)
		return ss_cli_error(SS_EXIT_USAGE, "%s requires --kernel",
				    a->initrd ? "--initrd" : "--append");
	if (a->vcpus) {
		int64_t n;
		if (!parse_int64(a->vcpus, &n))
			return ss_cli_error(SS_EXIT_USAGE, "--vcpus: invalid int value '%s'",
					    a->vcpus);
		o->vcpus = n < 0		      ? 0
			   : n > SS_MEASURE_MAX_VCPUS ? SS_MEASURE_MAX_VCPUS + 1
						      : (long)n;
	} else if (*mode == SS_MEASURE_SEV_ES || *mode == SS_MEASURE_SNP ||
		   *mode == SS_MEASURE_SNP_SVSM) {
		return ss_cli_error(SS_EXIT_USAGE, "--vcpus is required in guest mode '%s'",
				    a->mode);
	}
	/* Where the vCPU signature comes from, first match wins (measurement.md §5). */
	if (a->vcpu_type && !ss_vcpu_type_sig(a->vcpu_type, &o->vcpu_sig))
		return ss_cli_error(SS_EXIT_USAGE,
				    "--vcpu-type: invalid choice '%s' (see softsev measure --help)",
				    a->vcpu_type);
	if ((a->model || a->stepping) && !a->family)
		return ss_cli_error(SS_EXIT_USAGE,
				    "--vcpu-model and --vcpu-stepping need --vcpu-family");
	if (*mode == SS_MEASURE_SEV) {
		o->has_vcpu_sig = true;
		o->vcpu_sig = 0;
	} else if (a->family) {
		int64_t f, m, s;
		if (!a->model || !a->stepping)
			return ss_cli_error(SS_EXIT_USAGE,
					    "--vcpu-family needs --vcpu-model and --vcpu-stepping");
		if (!parse_int64(a->family, &f) || !parse_int64(a->model, &m) ||
		    !parse_int64(a->stepping, &s))
			return ss_cli_error(
			    SS_EXIT_USAGE,
			    "--vcpu-family/--vcpu-model/--vcpu-stepping take decimal "
			    "integers");
		o->vcpu_sig = ss_vcpu_sig_from_fms(f, m, s);
		o->has_vcpu_sig = true;
	} else if (a->vcpu_sig) {
		if (!parse_pyint(a->vcpu_sig, 0, &o->vcpu_sig))
			return ss_cli_error(SS_EXIT_USAGE, "--vcpu-sig: invalid int value '%s'",
					    a->vcpu_sig);
		o->has_vcpu_sig = true;
	} else if (a->vcpu_type) {
		o->has_vcpu_sig = true;
	} else if (o->vmm == SS_VMM_QEMU && *mode != SS_MEASURE_SNP_OVMF_HASH &&
		   !a->launch_digest) {
		return ss_cli_error(
		    SS_EXIT_USAGE,
		    "missing --vcpu-type or --vcpu-sig or --vcpu-family in guest mode "
		    "'%s'",
		    a->mode);
	}
	if (a->gf && !parse_pyint(a->gf, 0, &o->guest_features))
		return ss_cli_error(SS_EXIT_USAGE, "--guest-features: invalid int value '%s'",
				    a->gf);
	if (a->output_format && strcmp(a->output_format, "hex") &&
	    strcmp(a->output_format, "base64"))
		return ss_cli_error(
		    SS_EXIT_USAGE, "--output-format: invalid choice '%s' (choose from hex, base64)",
		    a->output_format);
	if (a->ovmf_hash && *mode != SS_MEASURE_SNP)
		return ss_cli_error(
		    SS_EXIT_USAGE, "--snp-ovmf-hash applies only to --mode snp, not '%s'", a->mode);
	if ((a->svsm || a->vars_size || a->vars_file) && *mode != SS_MEASURE_SNP_SVSM)
		return ss_cli_error(
		    SS_EXIT_USAGE,
		    "--svsm, --vars-size and --vars-file apply only to --mode snp:svsm");
	if (*mode == SS_MEASURE_SNP_SVSM) {
		if (!a->svsm)
			return ss_cli_error(SS_EXIT_USAGE, "--svsm is required in mode snp:svsm");
		if (a->vars_size && a->vars_file)
			return ss_cli_error(SS_EXIT_USAGE,
					    "give --vars-size or --vars-file, not both");
		if (a->vars_size) {
			int64_t v;
			if (!parse_int64(a->vars_size, &v) || v < 0)
				return ss_cli_error(SS_EXIT_USAGE, "--vars-size: invalid size '%s'",
						    a->vars_size);
			o->vars_size = (uint64_t)v;
		}
		if (!a->vars_file && o->vars_size == 0)
			return ss_cli_error(
			    SS_EXIT_USAGE,
			    "mode snp:svsm needs --vars-size (non-zero) or --vars-file");
	}
	bool lm = a->tik || a->api_major || a->api_minor || a->build || a->policy || a->mnonce ||
		  a->check || a->launch_digest;
	if (lm && *mode != SS_MEASURE_SEV && *mode != SS_MEASURE_SEV_ES)
		return ss_cli_error(
		    SS_EXIT_USAGE,
		    "--tik, --api-major, --api-minor, --build, --policy, --mnonce, "
		    "--check-measurement and --launch-digest apply only to modes sev "
		    "and seves");
	if (lm) {
		const char *missing = !a->tik	      ? "--tik"
				      : !a->api_major ? "--api-major"
				      : !a->api_minor ? "--api-minor"
				      : !a->build     ? "--build"
				      : !a->policy    ? "--policy"
				      : (!a->mnonce && !a->check)
					  ? "--mnonce or --check-measurement"
					  : NULL;
		if (missing)
			return ss_cli_error(SS_EXIT_USAGE, "the SEV launch measurement needs %s",
					    missing);
	}
	return -1;
}

int ss_cmd_measure(int argc, char **argv)
{
	/* A measurement only hashes and HMACs: skip openssl.cnf and the error strings. */
	ss_crypto_init_hash_only();
	args a = {0};
	a.out = SS_OUT_TEXT;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":vo:h", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_MODE: a.mode = optarg; break;
		case OPT_OVMF: a.ovmf = optarg; break;
		case OPT_VCPUS: a.vcpus = optarg; break;
		case OPT_VCPU_TYPE: a.vcpu_type = optarg; break;
		case OPT_VCPU_SIG: a.vcpu_sig = optarg; break;
		case OPT_VCPU_FAMILY: a.family = optarg; break;
		case OPT_VCPU_MODEL: a.model = optarg; break;
		case OPT_VCPU_STEPPING: a.stepping = optarg; break;
		case OPT_VMM_TYPE: a.vmm = optarg; break;
		case OPT_KERNEL: a.kernel = optarg; break;
		case OPT_INITRD: a.initrd = optarg; break;
		case OPT_APPEND: a.append = optarg; break;
		case OPT_GUEST_FEATURES: a.gf = optarg; break;
		case OPT_OUTPUT_FORMAT: a.output_format = optarg; break;
		case OPT_SNP_OVMF_HASH: a.ovmf_hash = optarg; break;
		case OPT_DUMP_VMSA:
			a.dump = true;
			a.dump_dir = optarg;
			/* "--dump-vmsa DIR": the reference takes no argument and has no positional
			 * ones, so a following word that is not an option is our directory. */
			if (!optarg && optind < argc && argv[optind][0] != '-')
				a.dump_dir = argv[optind++];
			break;
		case OPT_SVSM: a.svsm = optarg; break;
		case OPT_VARS_SIZE: a.vars_size = optarg; break;
		case OPT_VARS_FILE: a.vars_file = optarg; break;
		case 'v': a.verbose = true; break;
		case OPT_VERSION:
			printf("softsev measure %s (sev-snp-measure %s compatible)\n",
			       SOFTSEV_VERSION, REFERENCE_VERSION);
			return SS_EXIT_OK;
		case OPT_EXPLAIN: a.explain = true; break;
		case 'o':
			if (!ss_cli_parse_output(optarg, &a.out))
				return SS_EXIT_USAGE;
			break;
		case OPT_TIK: a.tik = optarg; break;
		case OPT_API_MAJOR: a.api_major = optarg; break;
		case OPT_API_MINOR: a.api_minor = optarg; break;
		case OPT_BUILD: a.build = optarg; break;
		case OPT_POLICY: a.policy = optarg; break;
		case OPT_MNONCE: a.mnonce = optarg; break;
		case OPT_CHECK: a.check = optarg; break;
		case OPT_LAUNCH_DIGEST: a.launch_digest = optarg; break;
		case 'h': usage(stdout); return SS_EXIT_OK;
		case ':':
			return ss_cli_error(SS_EXIT_USAGE, "option %s needs an argument",
					    argv[optind - 1]);
		default:
			return ss_cli_error(SS_EXIT_USAGE, "unknown option '%s' (see --help)",
					    argv[optind - 1]);
		}
	}
	if (optind < argc)
		return ss_cli_error(SS_EXIT_USAGE, "unexpected argument '%s'", argv[optind]);

	ss_measure_opts o;
	ss_measure_opts_init(&o);
	ss_measure_mode mode;
	int rc = build_opts(&a, &o, &mode);
	if (rc >= 0)
		return rc;

	/* SEV LAUNCH_MEASURE inputs. */
	bool lm = a.tik != NULL;
	ss_sev_launch_measure_in lmi = {0};
	uint8_t blob[SS_SEV_MEASURE_BLOB_LEN];
	if (lm) {
		unsigned long long v;
		if (!load_key16(a.tik, lmi.tik, "--tik"))
			return SS_EXIT_USAGE;
		if (!parse_small(a.api_major, 255, &v))
			return ss_cli_error(SS_EXIT_USAGE, "--api-major: '%s' is not 0..255",
					    a.api_major);
		lmi.api_major = (uint8_t)v;
		if (!parse_small(a.api_minor, 255, &v))
			return ss_cli_error(SS_EXIT_USAGE, "--api-minor: '%s' is not 0..255",
					    a.api_minor);
		lmi.api_minor = (uint8_t)v;
		if (!parse_small(a.build, 255, &v))
			return ss_cli_error(SS_EXIT_USAGE, "--build: '%s' is not 0..255", a.build);
		lmi.build = (uint8_t)v;
		if (!parse_small(a.policy, 0xFFFFFFFFull, &v))
			return ss_cli_error(SS_EXIT_USAGE, "--policy: '%s' is not a u32", a.policy);
		lmi.policy = (uint32_t)v;
		if (a.mnonce && !ss_hex_decode_exact(lmi.mnonce, 16, a.mnonce))
			return ss_cli_error(SS_EXIT_USAGE, "--mnonce: '%s' is not 32 hex digits",
					    a.mnonce);
		if (a.check && !load_blob(a.check, blob))
			return SS_EXIT_USAGE;
	}
	uint8_t seed[48];
	if (a.ovmf_hash) {
		if (!ss_hex_decode_exact(seed, 48, a.ovmf_hash))
			return ss_cli_error(SS_EXIT_USAGE,
					    "--snp-ovmf-hash: '%s' is not 96 hex digits (48 bytes)",
					    a.ovmf_hash);
		o.ovmf_hash = seed;
	}

	ss_error err = {0};
	input ovmf = {0}, kernel = {0}, initrd = {0}, svsm = {0};
	int exit_code = SS_EXIT_ERROR;
	char *json_buf = NULL, *text_buf = NULL;
	size_t json_len = 0, text_len = 0;
	FILE *json_f = NULL, *text_f = NULL;
	ss_json j;
	out_ctx oc = {.mode = mode, .fmt = a.out, .explain = a.explain};

	uint8_t digest[48];
	size_t digest_len = 0;
	if (a.launch_digest) {
		if (!ss_hex_decode_exact(digest, 32, a.launch_digest)) {
			exit_code = ss_cli_error(SS_EXIT_USAGE,
						 "--launch-digest: '%s' is not 64 hex digits",
						 a.launch_digest);
			goto out;
		}
		digest_len = 32;
	} else {
		if (load(a.ovmf, "--ovmf", &ovmf, &err) ||
		    (a.kernel && load(a.kernel, "--kernel", &kernel, &err)) ||
		    (a.initrd && load(a.initrd, "--initrd", &initrd, &err)) ||
		    (a.svsm && load(a.svsm, "--svsm", &svsm, &err)))
			goto report;
		if (a.vars_file) {
			struct stat st;
			if (stat(a.vars_file, &st) < 0) {
				ss_fail(&err, SS_EIO, "cannot open --vars-file '%s': %s",
					a.vars_file, strerror(errno));
				goto report;
			}
			o.vars_size = (uint64_t)st.st_size;
		}
		o.ovmf = ovmf.data ? ovmf.data : (const uint8_t *)"";
		o.ovmf_len = ovmf.len;
		o.has_kernel = a.kernel != NULL;
		o.kernel = kernel.data;
		o.kernel_len = kernel.len;
		o.has_initrd = a.initrd != NULL;
		o.initrd = initrd.data;
		o.initrd_len = initrd.len;
		o.append = a.append && *a.append ? a.append : NULL;
		/* An empty --append is the same as none (measurement.md §5), but it still needs
		 * a kernel; that was checked above. */
		o.svsm = svsm.data ? svsm.data : (a.svsm ? (const uint8_t *)"" : NULL);
		o.svsm_len = svsm.len;
		if (a.dump && mode != SS_MEASURE_SEV && mode != SS_MEASURE_SNP_OVMF_HASH) {
			oc.dump_dir = a.dump_dir ? a.dump_dir : ".";
			if (ss_mkdir_p(oc.dump_dir, 0755, &err))
				goto report;
			o.on_vmsa = on_vmsa;
			o.vmsa_ctx = &oc;
		}
		if (a.out == SS_OUT_JSON) {
			json_f = open_memstream(&json_buf, &json_len);
			if (!json_f)
				goto out;
			ss_json_init(&j, json_f);
			oc.json = &j;
			ss_json_begin_object(&j);
			ss_json_kv_string(&j, "mode", a.mode);
			json_ovmf(&j, "ovmf", a.ovmf, ovmf.data, ovmf.len);
			if (a.svsm)
				json_ovmf(&j, "svsm", a.svsm, svsm.data, svsm.len);
			if (mode != SS_MEASURE_SEV && mode != SS_MEASURE_SNP_OVMF_HASH) {
				ss_json_kv_u64(&j, "vcpus", (uint64_t)o.vcpus);
				ss_json_kv_string(&j, "vmm_type", ss_vmm_type_name(o.vmm));
				if (o.has_vcpu_sig)
					ss_json_kv_hex_u64(&j, "vcpu_sig", o.vcpu_sig);
			}
			if (mode == SS_MEASURE_SNP)
				ss_json_kv_hex_u64(&j, "guest_features", o.guest_features);
			ss_json_key(&j, "steps");
			ss_json_begin_array(&j);
			o.on_step = on_step;
			o.step_ctx = &oc;
		} else if (a.explain) {
			text_f = open_memstream(&text_buf, &text_len);
			if (!text_f)
				goto out;
			oc.text = text_f;
			o.on_step = on_step;
			o.step_ctx = &oc;
		}
		if (ss_measure(&o, digest, &digest_len, &err))
			goto report;
	}

	bool base64 = a.output_format && !strcmp(a.output_format, "base64") &&
		      mode != SS_MEASURE_SNP_OVMF_HASH; /* the reference prints that one in hex */
	uint8_t hmac[32];
	int check_rc = 0;
	if (lm) {
		memcpy(lmi.digest, digest, 32);
		if (a.check) {
			check_rc = ss_sev_launch_measure_check(&lmi, blob, &err);
			if (check_rc && check_rc != SS_EPOLICY)
				goto report;
			memcpy(lmi.mnonce, blob + 32, 16);
		}
		if (ss_sev_launch_measure(&lmi, hmac, &err))
			goto report;
	}

	static const char *const kinds[] = {"SEV", "SEV_ES", "SEV_SNP", "SEV_SNP", "SEV_SNP_SVSM"};
	if (json_f) {
		ss_json_end_array(&j);
		ss_json_kv_hex(&j, "digest", digest, digest_len);
		if (lm) {
			ss_json_key(&j, "launch_measure");
			ss_json_begin_object(&j);
			ss_json_kv_u64(&j, "api_major", lmi.api_major);
			ss_json_kv_u64(&j, "api_minor", lmi.api_minor);
			ss_json_kv_u64(&j, "build", lmi.build);
			ss_json_kv_hex_u64(&j, "policy", lmi.policy);
			ss_json_kv_hex(&j, "mnonce", lmi.mnonce, 16);
			ss_json_kv_hex(&j, "measurement", hmac, 32);
			if (a.check) {
				ss_json_kv_hex(&j, "blob_measurement", blob, 32);
				ss_json_kv_bool(&j, "match", check_rc == 0);
			}
			ss_json_end_object(&j);
		}
		ss_json_end_object(&j);
		ss_json_finish(&j);
		fclose(json_f);
		json_f = NULL;
		fwrite(json_buf, 1, json_len, stdout);
	} else {
		if (text_f) {
			fclose(text_f);
			text_f = NULL;
			fwrite(text_buf, 1, text_len, stdout);
			if (lm) {
				char h[65];
				ss_hex_encode(h, digest, 32);
				printf("launch digest (GCTX.LD): %s\n", h);
				printf(
				    "LAUNCH_MEASURE: HMAC-SHA256(TIK, %s0x%08x || LD || MNONCE)\n",
				    lmi.api_major > 0 || lmi.api_minor >= 17
					? "04 || api || build || "
					: "",
				    lmi.policy);
				ss_hex_encode(h, hmac, 32);
				printf("measurement: %s\n", h);
			}
		}
		if (lm && a.check) {
			if (!check_rc) {
				char h[65];
				ss_hex_encode(h, hmac, 32);
				printf("launch measurement matches: %s\n", h);
			}
		} else if (lm) {
			uint8_t out_blob[SS_SEV_MEASURE_BLOB_LEN];
			memcpy(out_blob, hmac, 32);
			memcpy(out_blob + 32, lmi.mnonce, 16);
			print_encoded(out_blob, sizeof(out_blob), base64);
		} else {
			if (a.verbose)
				printf("Calculated %s guest measurement: ", kinds[mode]);
			print_encoded(digest, digest_len, base64);
		}
	}
	if (check_rc) {
		exit_code = ss_cli_report(&err);
		goto out;
	}
	exit_code = SS_EXIT_OK;
	goto out;
report:
	exit_code = ss_cli_report(&err);
out:
	if (json_f)
		fclose(json_f);
	if (text_f)
		fclose(text_f);
	free(json_buf);
	free(text_buf);
	unload(&ovmf);
	unload(&kernel);
	unload(&initrd);
	unload(&svsm);
	return exit_code;
}
