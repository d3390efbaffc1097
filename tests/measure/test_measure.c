/* The measure layer against the reference tool's own expected digests (measurement.md §7, with
 * the fixtures in $SOFTSEV_VECTORS/measure), the spec's VMSA dump and CPU signatures, and the
 * LAUNCH_MEASURE vector (firmware-abi.md §3.5). A missing fixture fails. */
#include "harness.h"

#include "util/bytes.h"
#include "util/file.h"

#include <softsev/abi/ovmf.h>
#include <softsev/abi/sev_hashes.h>
#include <softsev/abi/snp_page_info.h>
#include <softsev/crypto.h>
#include <softsev/crypto_md.h>
#include <softsev/measure.h>
#include <stdlib.h>
#include <string.h>

static uint8_t *load_vector(const char *name, size_t *len)
{
	const char *dir = getenv("SOFTSEV_VECTORS");
	char path[4096];
	snprintf(path, sizeof(path), "%s/measure/%s", dir ? dir : "../shared/vectors", name);
	uint8_t *data = NULL;
	ss_error e;
	if (ss_read_file(path, 64u << 20, &data, len, &e)) {
		printf("# missing fixture: %s\n", e.msg);
		return NULL;
	}
	return data;
}

#define EPYC_V4 0x00800F12ull

enum fw { AMDSEV, OVMFX64 };
enum kern { NO_KERNEL, NULL_KERNEL_INITRD, NULL_KERNEL_ONLY };

struct vec {
	const char *name;
	ss_measure_mode mode;
	long vcpus;
	bool sig;
	enum fw fw;
	enum kern kern;
	const char *append;
	uint64_t gf;
	ss_vmm_type vmm;
	bool seed;
	const char *want; /* hex */
};

#define SEED_HEX                                                                                   \
	"086e2e9149ebf45abdc3445fba5b2da8270bdbb04094d7a2c37faaa4b24af3aa16aff8c374c2a55c467a50da" \
	"6d4"                                                                                      \
	"66b74"

/* measurement.md §7, row by row. */
static const struct vec vectors[] = {
    {"snp_ovmf_hash_gen_default", SS_MEASURE_SNP, 1, true, AMDSEV, NULL_KERNEL_INITRD, "", 0x21,
     SS_VMM_QEMU, true,
     "329c8ce0972ae52343b64d34a434a86f245dfd74f5ed7aae15d22efc78fb9683632b9b50e4e1d7fa41179ef98a7e"
     "f198"},
    {"snp_ovmf_hash_gen_feature_snp_only", SS_MEASURE_SNP, 1, true, AMDSEV, NULL_KERNEL_INITRD, "",
     0x1, SS_VMM_QEMU, true,
     "ddc5224521617a536ee7ce9dd6224d1b58a8d4fda1c741f3ac99fc4bfa04ba6e9fc98646d4a07a9079397fa38528"
     "19b5"},
    {"ovmf_hash_of_amdsev", SS_MEASURE_SNP_OVMF_HASH, 0, false, AMDSEV, NO_KERNEL, NULL, 0x1,
     SS_VMM_QEMU, false, SEED_HEX},
    {"snp_default", SS_MEASURE_SNP, 1, true, AMDSEV, NULL_KERNEL_INITRD, "console=ttyS0 loglevel=7",
     0x21, SS_VMM_QEMU, false,
     "803f691094946e42068aaa3a8f9e26a5c89f36f7b73ecfb28c653360fe4b3aba7e534442e7e1e17895dfe778d02"
     "28977"},
    {"snp_guest_feature_snp_only", SS_MEASURE_SNP, 1, true, AMDSEV, NULL_KERNEL_INITRD,
     "console=ttyS0 loglevel=7", 0x1, SS_VMM_QEMU, false,
     "6d287813eb5222d770f75005c664e34c204f385ce832cc2ce7d0d6f354454362f390ef83a92046c042e706363b4b"
     "08fa"},
    {"snp_ec2_default", SS_MEASURE_SNP, 1, true, AMDSEV, NULL_KERNEL_INITRD, "", 0x21, SS_VMM_EC2,
     false,
     "0ce9ccc06bab55eebe8abc234f3df6514883977a68a591b71052498ab52b2f1aa415db338033946ef93aa8278c0d"
     "67fb"},
    {"snp_ec2_feature_snp_only", SS_MEASURE_SNP, 1, true, AMDSEV, NULL_KERNEL_INITRD, "", 0x1,
     SS_VMM_EC2, false,
     "0883bd0eeb716e65b7b977a321c278d1e51b33b5c655fab985443bbcc65c086b9c15e8a0bd8811050dec7e24964e"
     "5056"},
    {"snp_gce_default", SS_MEASURE_SNP, 1, false, AMDSEV, NULL_KERNEL_INITRD, "", 0x1, SS_VMM_GCE,
     false,
     "5da7106cf14cf46b1725ebab123eb9e53bd46a1e9f400cd0c08e7827b04b688ea8b4e403c8404efed4397ea5d5d0"
     "722e"},
    {"snp_gce_with_multiple_vcpus_default", SS_MEASURE_SNP, 4, false, AMDSEV, NULL_KERNEL_INITRD,
     "", 0x1, SS_VMM_GCE, false,
     "5c5debf100fc339f90276e761ee1f1658d08922c3b20e2a2e6c7a6c3370b2452a15a00eae11886a93d6fd1e7ab81"
     "e29d"},
    {"snp_without_kernel_default", SS_MEASURE_SNP, 1, true, AMDSEV, NO_KERNEL, NULL, 0x21,
     SS_VMM_QEMU, false,
     "e1e1ca029dd7973ab9513295be68198472dcd4fc834bd9af9b63f6e8a1674dbf281a9278a4a2ebe0eed9f22adbcd"
     "0e2b"},
    {"snp_without_kernel_feature_snp_only", SS_MEASURE_SNP, 1, true, AMDSEV, NO_KERNEL, NULL, 0x1,
     SS_VMM_QEMU, false,
     "19358ba9a7615534a9a1e2f0dfc29384dcd4dcb7062ff9c6013b26869a5fc6ecabe033c48dd6f6db5d6d76e7c5df"
     "632d"},
    {"snp_with_multiple_vcpus_default", SS_MEASURE_SNP, 4, true, AMDSEV, NULL_KERNEL_INITRD, "",
     0x21, SS_VMM_QEMU, false,
     "4953b1fb416fa874980e8442b3706d345926d5f38879134e00813c5d7abcbe78eafe7b422907be0b4698e2414a63"
     "1942"},
    {"snp_with_multiple_vcpus_feature_snp_only", SS_MEASURE_SNP, 4, true, AMDSEV,
     NULL_KERNEL_INITRD, "", 0x1, SS_VMM_QEMU, false,
     "5061fffb019493a903613d56d54b94912a1a2f9e4502385f5c194616753720a92441310ba6c4933de877c36e2304"
     "6ad5"},
    {"snp_with_ovmfx64_without_default", SS_MEASURE_SNP, 1, true, OVMFX64, NO_KERNEL, NULL, 0x21,
     SS_VMM_QEMU, false,
     "28797ae0afaba4005a81e629acebfb59e6687949d6be44007cd5506823b0dd66f146aaae26ff291eed7b493d8a64"
     "c385"},
    {"snp_with_ovmfx64_without_kernel_feature_snp_only", SS_MEASURE_SNP, 1, true, OVMFX64,
     NO_KERNEL, NULL, 0x1, SS_VMM_QEMU, false,
     "da0296de8193586a5512078dcd719eccecbd87e2b825ad4148c44f665dc87df21e5b49e21523a9ad993afdb6a30b"
     "4005"},
    {"seves", SS_MEASURE_SEV_ES, 1, true, AMDSEV, NULL_KERNEL_INITRD, "", 0x1, SS_VMM_QEMU, false,
     "13810ae661ea11e2bb205621f582fee268f0367c8f97bc297b7fadef3e12002c"},
    {"seves_with_multiple_vcpus", SS_MEASURE_SEV_ES, 4, true, AMDSEV, NULL_KERNEL_INITRD, "", 0x1,
     SS_VMM_QEMU, false, "0dccbcaba8e90b261bd0d2e1863a2f9da714768b7b2a19363cd6ae35aa90de91"},
    {"sev", SS_MEASURE_SEV, 0, false, AMDSEV, NULL_KERNEL_INITRD, "console=ttyS0 loglevel=7", 0x1,
     SS_VMM_QEMU, false, "82a3ee5d537c3620628270c292ae30cb40c3c878666a7890ee7ef2a08fb535ff"},
    {"sev_with_kernel_without_initrd_and_append", SS_MEASURE_SEV, 0, false, AMDSEV,
     NULL_KERNEL_ONLY, NULL, 0x1, SS_VMM_QEMU, false,
     "77f613d7bbcdf12a73782ea9e88b0172aeda50d1a54201cb903594ff52846898"},
    {"sev_with_ovmfx64_without_kernel", SS_MEASURE_SEV, 0, false, OVMFX64, NO_KERNEL, NULL, 0x1,
     SS_VMM_QEMU, false, "b4c021e085fb83ceffe6571a3d357b4a98773c83c474e47f76c876708fe316da"},
};

static int run_vec(const struct vec *v, uint8_t *fw, size_t fw_len, uint8_t out[48],
		   size_t *out_len, ss_error *e)
{
	ss_measure_opts o;
	ss_measure_opts_init(&o);
	o.mode = v->mode;
	o.ovmf = fw;
	o.ovmf_len = fw_len;
	o.vcpus = v->vcpus;
	o.has_vcpu_sig = v->sig || v->mode == SS_MEASURE_SEV;
	o.vcpu_sig = v->sig ? EPYC_V4 : 0;
	o.vmm = v->vmm;
	o.guest_features = v->gf;
	o.has_kernel = v->kern != NO_KERNEL;
	o.kernel = (const uint8_t *)"";
	o.has_initrd = v->kern == NULL_KERNEL_INITRD;
	o.initrd = (const uint8_t *)"";
	o.append = v->append && *v->append ? v->append : NULL;
	uint8_t seed[48];
	if (v->seed) {
		ss_hex_decode_exact(seed, 48, SEED_HEX);
		o.ovmf_hash = seed;
	}
	return ss_measure(&o, out, out_len, e);
}

TEST(reference_vectors)
{
	size_t alen, xlen;
	uint8_t *amd = load_vector("ovmf_AmdSev_suffix.bin", &alen);
	uint8_t *x64 = load_vector("ovmf_OvmfX64_suffix.bin", &xlen);
	REQUIRE(amd && x64);
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vec *v = &vectors[i];
		uint8_t out[48], want[48];
		size_t out_len = 0, want_len = strlen(v->want) / 2;
		ss_error e = {0};
		int rc = run_vec(v, v->fw == AMDSEV ? amd : x64, v->fw == AMDSEV ? alen : xlen, out,
				 &out_len, &e);
		if (rc) {
			printf("# %s: %s\n", v->name, e.msg);
			CHECK(rc == 0);
			continue;
		}
		ss_hex_decode_exact(want, want_len, v->want);
		CHECK(out_len == want_len);
		if (memcmp(out, want, want_len)) {
			printf("# vector %s differs\n", v->name);
			CHECK_MEM(out, want, want_len);
		}
	}
	free(amd);
	free(x64);
}

/* The rows of §7 that must fail, with the reference's messages. */
TEST(reference_refusals)
{
	size_t xlen;
	uint8_t *x64 = load_vector("ovmf_OvmfX64_suffix.bin", &xlen);
	REQUIRE(x64);
	struct vec v = {"x", SS_MEASURE_SNP, 1,	    true, OVMFX64, NULL_KERNEL_INITRD, "",
			0x1, SS_VMM_QEMU,    false, ""};
	uint8_t out[48];
	size_t n;
	ss_error e = {0};
	CHECK(run_vec(&v, x64, xlen, out, &n, &e) < 0);
	CHECK_CONTAINS(
	    e.msg, "Kernel specified but OVMF metadata doesn't include SNP_KERNEL_HASHES section");
	v.mode = SS_MEASURE_SEV_ES;
	CHECK(run_vec(&v, x64, xlen, out, &n, &e) < 0);
	CHECK_CONTAINS(
	    e.msg, "Kernel specified but OVMF doesn't support kernel/initrd/cmdline measurement");
	v.mode = SS_MEASURE_SEV;
	CHECK(run_vec(&v, x64, xlen, out, &n, &e) < 0);
	CHECK_CONTAINS(
	    e.msg, "Kernel specified but OVMF doesn't support kernel/initrd/cmdline measurement");
	free(x64);
}

/* The fixture's table as measurement.md §1.2-§1.4 and §4.2 describe it. */
TEST(amdsev_fixture_metadata)
{
	size_t len;
	uint8_t *amd = load_vector("ovmf_AmdSev_suffix.bin", &len);
	REQUIRE(amd);
	ss_ovmf o;
	ss_error e;
	REQUIRE(ss_ovmf_parse(amd, len, &o, &e) == 0);
	CHECK(o.gpa == 0xFFFFF000);
	CHECK(o.has_reset_block && o.reset_eip == 0x80B004);
	CHECK(o.has_hash_table && o.hash_table_gpa == 0x810C00);
	CHECK(o.has_metadata);
	static const uint32_t want[][3] = {{0x800000, 0x9000, 1}, {0x80A000, 0x3000, 1},
					   {0x80D000, 0x1000, 2}, {0x80E000, 0x1000, 3},
					   {0x80F000, 0x1000, 4}, {0x810000, 0x1000, 0x10},
					   {0x811000, 0xF000, 1}};
	REQUIRE(o.n_sections == 7);
	for (size_t i = 0; i < 7; i++) {
		CHECK(o.sections[i].gpa == want[i][0]);
		CHECK(o.sections[i].type == want[i][2]);
		if (o.sections[i].type == 1 || o.sections[i].type == 4)
			CHECK(o.sections[i].size == want[i][1]);
	}
	CHECK(ss_ovmf_check_sections(&o, &e) == 0);
	ss_ovmf_free(&o);
	free(amd);
}

/* measurement.md §1.5: the non-zero qwords of a real dump (Debian OVMF.fd, SNP, QEMU,
 * EPYC-Milan, gf 0x1). */
TEST(vmsa_matches_real_dump)
{
	ss_vmsa v;
	uint64_t sig;
	REQUIRE(ss_vcpu_type_sig("EPYC-Milan", &sig));
	CHECK(sig == 0x00A00F11);
	ss_vmsa_build_reset(&v, SS_VMM_QEMU, SS_VMSA_BSP_EIP, sig, 0x1);
	const uint8_t *p = (const uint8_t *)&v;
	static const struct {
		uint16_t off;
		uint64_t val;
	} bsp[] = {
	    {0x000, 0x0000ffff00930000ull},
	    {0x010, 0x0000ffff009bf000ull},
	    {0x018, 0x00000000ffff0000ull},
	    {0x020, 0x0000ffff00930000ull},
	    {0x030, 0x0000ffff00930000ull},
	    {0x040, 0x0000ffff00930000ull},
	    {0x050, 0x0000ffff00930000ull},
	    {0x060, 0x0000ffff00000000ull},
	    {0x070, 0x0000ffff00820000ull},
	    {0x080, 0x0000ffff00000000ull},
	    {0x090, 0x0000ffff008b0000ull},
	    {0x0d0, 0x1000},
	    {0x148, 0x40},
	    {0x158, 0x10},
	    {0x160, 0x400},
	    {0x168, 0xffff0ff0},
	    {0x170, 0x2},
	    {0x178, 0xfff0},
	    {0x268, 0x0007040600070406ull},
	    {0x310, 0xa00f11},
	    {0x3b0, 0x1},
	    {0x3e8, 0x1},
	    {0x408, 0x1f80},
	    {0x410, 0x037f},
	};
	uint8_t expect[4096] = {0};
	for (size_t i = 0; i < sizeof(bsp) / sizeof(bsp[0]); i++)
		ss_put_le64(expect + bsp[i].off, bsp[i].val);
	CHECK_MEM(p, expect, 4096);
	/* The AP differs only in CS.base and RIP. */
	ss_vmsa_build_reset(&v, SS_VMM_QEMU, 0x80B004, sig, 0x1);
	ss_put_le64(expect + 0x018, 0x800000);
	ss_put_le64(expect + 0x178, 0xb004);
	CHECK_MEM(p, expect, 4096);
	/* ec2 and gce (measurement.md §1.5 table). */
	ss_vmsa_build_reset(&v, SS_VMM_EC2, SS_VMSA_BSP_EIP, sig, 0x1);
	CHECK(v.cs.attrib == 0x9A && v.ss.attrib == 0x92 && v.tr.attrib == 0x83);
	CHECK(v.rdx == 0x600 && v.mxcsr == 0 && v.x87_fcw == 0);
	ss_vmsa_build_reset(&v, SS_VMM_EC2, 0x80B004, sig, 0x1);
	CHECK(v.cs.attrib == 0x9B);
	ss_vmsa_build_reset(&v, SS_VMM_GCE, SS_VMSA_BSP_EIP, sig, 0x1);
	CHECK(v.g_pat == 0x00070106 && v.rdx == 0x600 && v.cs.attrib == 0x9B);
	/* COCONUT-SVSM (measurement.md §4.4). */
	ss_vmsa_build_svsm(&v, 0xFFAEA000, sig);
	CHECK(v.cs.selector == 0x08 && v.cs.attrib == 0xC9B && v.cs.limit == 0xFFFFFFFF);
	CHECK(v.es.selector == 0x10 && v.ss.attrib == 0xC93 && v.gs.attrib == 0x93);
	CHECK(v.cr0 == 0x11 && v.rip == 0xFFAEA000 && v.sev_features == 1);
	CHECK(v.mxcsr == 0x1F80 && v.x87_fcw == 0);
}

TEST(cpu_signatures)
{
	/* measurement.md §7 test_cpu_sig_* and the §1.5 table. */
	CHECK(ss_vcpu_sig_from_fms(14, 1, 2) == 0x0E12);
	CHECK(ss_vcpu_sig_from_fms(23, 1, 2) == 0x800F12);
	static const struct {
		const char *name;
		uint64_t sig;
	} t[] = {
	    {"EPYC", 0x800F12},		 {"EPYC-v1", 0x800F12},	     {"EPYC-v2", 0x800F12},
	    {"EPYC-IBPB", 0x800F12},	 {"EPYC-v3", 0x800F12},	     {"EPYC-v4", 0x800F12},
	    {"EPYC-Rome", 0x830F10},	 {"EPYC-Rome-v1", 0x830F10}, {"EPYC-Rome-v2", 0x830F10},
	    {"EPYC-Rome-v3", 0x830F10},	 {"EPYC-Milan", 0xA00F11},   {"EPYC-Milan-v1", 0xA00F11},
	    {"EPYC-Milan-v2", 0xA00F11}, {"EPYC-Genoa", 0xA10F10},   {"EPYC-Genoa-v1", 0xA10F10},
	    {"EPYC-Turin", 0xB00F00}};
	size_t n = 0;
	while (ss_vcpu_type_name(n))
		n++;
	CHECK(n == 16);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint64_t sig = 0;
		CHECK(ss_vcpu_type_sig(t[i].name, &sig));
		CHECK(sig == t[i].sig);
	}
	uint64_t sig;
	CHECK(!ss_vcpu_type_sig("epyc", &sig));
}

/* firmware-abi.md §3.5 test vector. */
TEST(launch_measure_hmac_vector)
{
	ss_sev_launch_measure_in in = {
	    .api_major = 0, .api_minor = 0x12, .build = 0x0f, .policy = 0};
	REQUIRE(ss_hex_decode_exact(in.tik, 16, "66320db73158a35a255d051758e95ed4"));
	REQUIRE(ss_hex_decode_exact(in.mnonce, 16, "4fbe0bedbad6c86ae8f68971d103e554"));
	REQUIRE(ss_sha256("", 0, in.digest) == 0);
	uint8_t out[32], want[32];
	ss_error e;
	REQUIRE(ss_sev_launch_measure(&in, out, &e) == 0);
	ss_hex_decode_exact(want, 32,
			    "6faab2daae389bcd3405a05d6cafe33c0414f7bedd0bae19ba5f38b7fd1664ea");
	CHECK_MEM(out, want, 32);
	/* The blob check: good, then one flipped bit in MEASUREMENT and in MNONCE. */
	uint8_t blob[48];
	memcpy(blob, out, 32);
	memcpy(blob + 32, in.mnonce, 16);
	ss_sev_launch_measure_in other = in;
	memset(other.mnonce, 0xEE, 16); /* ignored: the blob's nonce is used */
	CHECK(ss_sev_launch_measure_check(&other, blob, &e) == 0);
	blob[0] ^= 1;
	CHECK(ss_sev_launch_measure_check(&in, blob, &e) == SS_EPOLICY);
	CHECK_CONTAINS(e.msg, "mismatch");
	blob[0] ^= 1;
	blob[40] ^= 1;
	CHECK(ss_sev_launch_measure_check(&in, blob, &e) == SS_EPOLICY);
	/* API < 0.17 leaves out the context, version and build bytes: an independent HMAC. */
	in.api_minor = 16;
	uint8_t msg[52];
	memset(msg, 0, 4);
	memcpy(msg + 4, in.digest, 32);
	memcpy(msg + 36, in.mnonce, 16);
	REQUIRE(ss_hmac_sha256(in.tik, 16, msg, sizeof(msg), want) == 0);
	REQUIRE(ss_sev_launch_measure(&in, out, &e) == 0);
	CHECK_MEM(out, want, 32);
}

/* The kernel hashes table layout (measurement.md §1.4), checked byte by byte. */
TEST(sev_hashes_layout)
{
	uint8_t t[176];
	REQUIRE(ss_sev_hashes_build((const uint8_t *)"K", 1, NULL, 0, NULL, t) == 0);
	static const uint8_t table_guid[16] = {0x06, 0xd6, 0x38, 0x94, 0x22, 0x4f, 0xc9, 0x4c,
					       0xb4, 0x79, 0xa7, 0x93, 0xd4, 0x11, 0xfd, 0x21};
	CHECK_MEM(t, table_guid, 16);
	CHECK(ss_le16(t + 0x10) == 168);
	CHECK(t[0x12] == 0xd8 && ss_le16(t + 0x22) == 50);
	CHECK(t[0x44] == 0x31 && ss_le16(t + 0x54) == 50);
	CHECK(t[0x76] == 0x37 && ss_le16(t + 0x86) == 50);
	uint8_t h[32];
	ss_hex_decode_exact(h, 32,
			    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
	CHECK_MEM(t + 0x24, h, 32); /* SHA-256 of a lone NUL */
	ss_hex_decode_exact(h, 32,
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	CHECK_MEM(t + 0x56, h, 32); /* no initrd: SHA-256("") */
	ss_sha256("K", 1, h);
	CHECK_MEM(t + 0x88, h, 32);
	CHECK(ss_is_zero(t + 168, 8));
}

TEST(mode_and_vmm_names)
{
	ss_measure_mode m;
	CHECK(ss_measure_mode_parse("snp:ovmf-hash", &m) && m == SS_MEASURE_SNP_OVMF_HASH);
	CHECK(!ss_measure_mode_parse("SEV-ES", &m));
	ss_vmm_type v;
	CHECK(ss_vmm_type_parse("QEMU", &v) && v == SS_VMM_QEMU);
	CHECK(!ss_vmm_type_parse("qemu", &v));
	CHECK_STR(ss_snp_page_type_name(SS_SNP_PAGE_CPUID), "CPUID");
}

/* ---- malformed firmware: the parser's errors name the structure and the offset -------------- */

static const uint8_t footer_guid[16] = {0xde, 0x82, 0xb5, 0x96, 0xb2, 0x1f, 0xf7, 0x45,
					0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d};
static const uint8_t reset_guid[16] = {0xde, 0x71, 0xf7, 0x00, 0x7e, 0x1a, 0xcb, 0x4f,
				       0x89, 0x0e, 0x68, 0xc7, 0x7e, 0x2f, 0xb4, 0x4e};
static const uint8_t meta_guid[16] = {0x66, 0x65, 0x88, 0xdc, 0x4a, 0x98, 0x98, 0x47,
				      0xa7, 0x5e, 0x55, 0x85, 0xa7, 0xbf, 0x67, 0xcc};

/* A 4 KiB image whose table holds the given entries (data, guid), last entry nearest the footer. */
static size_t put_entry(uint8_t *img, size_t end, const void *data, size_t dlen, uint16_t size,
			const uint8_t guid[16])
{
	memcpy(img + end - 18 - dlen, data, dlen);
	ss_put_le16(img + end - 18, size);
	memcpy(img + end - 16, guid, 16);
	return end - dlen - 18;
}

TEST(parser_rejects_malformed_tables)
{
	uint8_t img[4096] = {0};
	ss_ovmf o;
	ss_error e = {0};
	size_t footer = 4096 - 32 - 18;
	/* No footer GUID: an empty table, no error (measurement.md §1.2). */
	CHECK(ss_ovmf_parse(img, sizeof(img), &o, &e) == 0 && !o.has_footer && !o.has_reset_block);
	ss_ovmf_free(&o);
	/* A valid table with one reset block entry. */
	uint32_t eip = 0x80B004;
	uint8_t le[4];
	ss_put_le32(le, eip);
	size_t start = put_entry(img, footer, le, 4, 22, reset_guid);
	ss_put_le16(img + footer, (uint16_t)(footer - start + 18));
	memcpy(img + footer + 2, footer_guid, 16);
	REQUIRE(ss_ovmf_parse(img, sizeof(img), &o, &e) == 0);
	CHECK(o.has_footer && o.has_reset_block && o.reset_eip == eip && !o.has_metadata);
	ss_ovmf_free(&o);
	/* A duplicate lower in the image overrides (the reference's dict). */
	uint8_t img2[4096];
	memcpy(img2, img, sizeof(img));
	ss_put_le32(le, 0x808004);
	size_t start2 = put_entry(img2, start, le, 4, 22, reset_guid);
	ss_put_le16(img2 + footer, (uint16_t)(footer - start2 + 18));
	REQUIRE(ss_ovmf_parse(img2, sizeof(img2), &o, &e) == 0);
	CHECK(o.reset_eip == 0x808004);
	ss_ovmf_free(&o);
	/* The entry's size smaller than its header. */
	ss_put_le16(img2 + footer - 18, 17);
	CHECK(ss_ovmf_parse(img2, sizeof(img2), &o, &e) == SS_EINVAL);
	CHECK_CONTAINS(e.msg, "size 17, less than its 18-byte header");
	CHECK_CONTAINS(e.msg, "offset 0xfbc");
	/* The entry's size larger than what is left of the table. */
	ss_put_le16(img2 + footer - 18, 200);
	CHECK(ss_ovmf_parse(img2, sizeof(img2), &o, &e) == SS_EINVAL);
	CHECK_CONTAINS(e.msg, "only 44 bytes of the table");
	/* An entry too short for its value. */
	memcpy(img2, img, sizeof(img));
	ss_put_le16(img2 + footer - 18, 20);
	ss_put_le16(img2 + footer, 20 + 18);
	CHECK(ss_ovmf_parse(img2, sizeof(img2), &o, &e) == SS_EINVAL);
	CHECK_CONTAINS(e.msg, "SEV_ES_RESET_BLOCK entry");
	CHECK_CONTAINS(e.msg, "needs 4");
	/* A table longer than the image before it. */
	ss_put_le16(img2 + footer, 0xFFFF);
	CHECK(ss_ovmf_parse(img2, sizeof(img2), &o, &e) == SS_EINVAL);
	CHECK_CONTAINS(e.msg, "starts before the beginning");
	/* Too short to hold a footer at all, and empty. */
	CHECK(ss_ovmf_parse(img, 49, &o, &e) == SS_EINVAL);
	CHECK_CONTAINS(e.msg, "too short");
	CHECK(ss_ovmf_parse(img, 0, &o, &e) == SS_EINVAL);
	CHECK_CONTAINS(e.msg, "empty");
}

TEST(parser_rejects_malformed_metadata)
{
	uint8_t img[4096] = {0};
	ss_ovmf o;
	ss_error e = {0};
	size_t footer = 4096 - 32 - 18;
	uint8_t le[4];
	/* Metadata at offset 0x100 from the start: "ASEV", size 16+12, version 1, one section. */
	ss_put_le32(le, 4096 - 0x100);
	size_t start = put_entry(img, footer, le, 4, 22, meta_guid);
	ss_put_le16(img + footer, (uint16_t)(footer - start + 18));
	memcpy(img + footer + 2, footer_guid, 16);
	memcpy(img + 0x100, "ASEV", 4);
	ss_put_le32(img + 0x104, 28);
	ss_put_le32(img + 0x108, 1);
	ss_put_le32(img + 0x10C, 1);
	ss_put_le32(img + 0x110, 0x800000);
	ss_put_le32(img + 0x114, 0x1000);
	ss_put_le32(img + 0x118, 1);
	REQUIRE(ss_ovmf_parse(img, sizeof(img), &o, &e) == 0);
	CHECK(o.n_sections == 1 && o.sections[0].gpa == 0x800000 &&
	      o.sections[0].file_offset == 0x110);
	CHECK(ss_ovmf_check_sections(&o, &e) == 0);
	ss_ovmf_free(&o);
	/* Offset outside the image. */
	ss_put_le32(img + footer - 22, 5000);
	CHECK(ss_ovmf_parse(img, sizeof(img), &o, &e) == SS_EINVAL);
	CHECK_CONTAINS(e.msg, "metadata offset 0x1388");
	ss_put_le32(img + footer - 22, 4096 - 0x100);
	/* Size past the end of the image. */
	ss_put_le32(img + 0x104, 0x10000);
	CHECK(ss_ovmf_parse(img, sizeof(img), &o, &e) == SS_EINVAL);
	CHECK_CONTAINS(e.msg, "SEV metadata at offset 0x100: size 65536");
	/* Too many descriptors for the size. */
	ss_put_le32(img + 0x104, 28);
	ss_put_le32(img + 0x10C, 2);
	CHECK(ss_ovmf_parse(img, sizeof(img), &o, &e) == SS_EINVAL);
	CHECK_CONTAINS(e.msg, "num_items 2");
	ss_put_le32(img + 0x10C, 1);
	/* Wrong version and signature. */
	ss_put_le32(img + 0x108, 0);
	CHECK(ss_ovmf_parse(img, sizeof(img), &o, &e) == SS_EINVAL);
	CHECK_CONTAINS(e.msg, "version is 0");
	ss_put_le32(img + 0x108, 1);
	img[0x100] = 'B';
	CHECK(ss_ovmf_parse(img, sizeof(img), &o, &e) == SS_EINVAL);
	CHECK_CONTAINS(e.msg, "signature is 42 53 45 56");
	img[0x100] = 'A';
	/* Section checks an SNP launch applies: size not a page multiple. */
	ss_put_le32(img + 0x114, 0x1800);
	REQUIRE(ss_ovmf_parse(img, sizeof(img), &o, &e) == 0);
	CHECK(ss_ovmf_check_sections(&o, &e) == SS_EINVAL);
	CHECK_CONTAINS(e.msg, "size 0x1800 is not a multiple of 4 KiB");
	ss_ovmf_free(&o);
}

/* An image with no table at all is measured by snp as firmware pages plus VMSAs
 * (measurement.md §10.8)... but snp needs the reset block, so it must say so. */
TEST(snp_without_table)
{
	uint8_t img[8192] = {1};
	ss_measure_opts o;
	ss_measure_opts_init(&o);
	o.ovmf = img;
	o.ovmf_len = sizeof(img);
	o.vcpus = 1;
	o.has_vcpu_sig = true;
	uint8_t d[48];
	size_t n;
	ss_error e = {0};
	CHECK(ss_measure(&o, d, &n, &e) == SS_EUNSUPPORTED);
	CHECK_CONTAINS(e.msg, "SEV_ES_RESET_BLOCK_GUID");
	o.mode = SS_MEASURE_SEV; /* sev hashes the bytes, table or not */
	CHECK(ss_measure(&o, d, &n, &e) == 0 && n == 32);
	uint8_t want[32];
	ss_sha256(img, sizeof(img), want);
	CHECK_MEM(d, want, 32);
}

/* The reusable digest contexts agree with OpenSSL's one-shot digests, streaming and peeking. */
TEST(md_contexts_agree_with_one_shot)
{
	uint8_t buf[5000];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 31 + 7);
	ss_md *m = ss_md_new(SS_HASH_SHA384), *m2 = ss_md_new(SS_HASH_SHA256);
	REQUIRE(m && m2);
	CHECK(ss_md_len(m) == 48 && ss_md_len(m2) == 32);
	uint8_t a[48], b[48], c[48];
	for (int round = 0; round < 3; round++) { /* reuse */
		REQUIRE(ss_md_digest(m, buf, sizeof(buf), a) == 0);
		REQUIRE(ss_sha384(buf, sizeof(buf), b) == 0);
		CHECK_MEM(a, b, 48);
	}
	REQUIRE(ss_md_begin(m2) == 0);
	REQUIRE(ss_md_update(m2, buf, 1000) == 0);
	REQUIRE(ss_md_peek(m2, a) == 0);
	REQUIRE(ss_sha256(buf, 1000, b) == 0);
	CHECK_MEM(a, b, 32); /* peek: the digest so far */
	REQUIRE(ss_md_update(m2, buf + 1000, 4000) == 0);
	REQUIRE(ss_md_final(m2, c) == 0);
	REQUIRE(ss_sha256(buf, 5000, b) == 0);
	CHECK_MEM(c, b, 32); /* the stream went on after the peek */
	ss_md_free(m);
	ss_md_free(m2);
}

TEST_MAIN(reference_vectors, reference_refusals, amdsev_fixture_metadata, vmsa_matches_real_dump,
	  cpu_signatures, launch_measure_hmac_vector, sev_hashes_layout, mode_and_vmm_names,
	  parser_rejects_malformed_tables, parser_rejects_malformed_metadata, snp_without_table,
	  md_contexts_agree_with_one_shot)
