/* softsev psp snp-launch: launch an SEV-SNP guest's initial image through the software AMD-SP,
 * in process, on the memory model, and let the firmware itself check that its launch digest is
 * the one `softsev measure --mode snp` computes offline for the same inputs.
 *
 * The host's side is what KVM does (firmware-abi.md §4.2): SNP_INIT, a firmware page for the
 * guest context, SNP_GCTX_CREATE, SNP_LAUNCH_START, SNP_ACTIVATE, then per page an RMPUPDATE to
 * pre-guest at its GPA and SNP_LAUNCH_UPDATE, in the order and with the page types of the measure
 * library's step list (firmware, metadata sections, kernel hashes, SECRETS, CPUID, VMSAs). The
 * check is SNP_LAUNCH_FINISH with an ID block whose LD is the offline digest, signed by a fresh
 * ID key: the firmware answers BAD_MEASUREMENT unless its own digest is the same. */
#include "cli/cli.h"

#include "util/bytes.h"
#include "util/file.h"
#include "util/json.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <softsev/abi/snp_api.h>
#include <softsev/abi/snp_page_info.h>
#include <softsev/idblock.h>
#include <softsev/measure.h>
#include <softsev/mem.h>
#include <softsev/psp.h>

#define PAGE	       4096u
#define ASID	       1u
#define MAX_FILE       (256u << 20)
#define DEFAULT_POLICY 0x30000ull /* SMT | RSVD_MBO, QEMU's default */

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: softsev psp snp-launch --ovmf FILE --vcpus N (--vcpu-type T | --vcpu-sig S)\n"
	    "       [--vmm-type QEMU|ec2|gce] [--guest-features V] [--policy P]\n"
	    "       [--kernel FILE [--initrd FILE] [--append CMDLINE]] [--expect HEX]\n"
	    "       [-o text|json]\n"
	    "\n"
	    "Launches the guest's initial pages through an in-process software AMD-SP (an\n"
	    "ephemeral Milan part on the memory model) exactly as `softsev measure --mode snp`\n"
	    "measures them, and finishes the launch with an ID block carrying the offline digest:\n"
	    "the firmware refuses it (exit 5) unless its launch digest is the same. --expect\n"
	    "puts another 48-byte digest into the ID block instead.\n");
}

struct steps {
	ss_measure_step *s;
	size_t n, cap;
	uint8_t *vmsa; /* one page per vCPU */
	long vcpus;
	bool oom;
};

static void on_step(void *ctx, const ss_measure_step *st)
{
	struct steps *ss = ctx;
	if (ss->n == ss->cap) {
		size_t cap = ss->cap ? 2 * ss->cap : 1024;
		ss_measure_step *n = realloc(ss->s, cap * sizeof(*n));
		if (!n) {
			ss->oom = true;
			return;
		}
		ss->s = n;
		ss->cap = cap;
	}
	ss->s[ss->n++] = *st;
}

static int on_vmsa(void *ctx, long vcpu, const uint8_t page[SS_VMSA_SIZE], ss_error *err)
{
	struct steps *ss = ctx;
	if (vcpu < 0 || vcpu >= ss->vcpus)
		return ss_fail(err, SS_EINVAL, "VMSA of vCPU %ld out of range", vcpu);
	memcpy(ss->vmsa + (size_t)vcpu * PAGE, page, PAGE);
	return 0;
}

/* A CPUID page the emulated Milan part accepts (its own values; firmware-abi.md §4.8). */
static void cpuid_page(struct ss_snp_cpuid_page *p)
{
	static const struct ss_snp_cpuid_entry e[] = {
	    {.eax_in = 0, .eax = 0x10, .ebx = 0x68747541, .ecx = 0x444d4163, .edx = 0x69746e65},
	    {.eax_in = 1,
	     .eax = 0x00A00F11,
	     .ebx = 0x00010800,
	     .ecx = 0x80802001,
	     .edx = 0x178bfbfd},
	    {.eax_in = 7, .ebx = (1u << 7) | (1u << 20)},
	    {.eax_in = 0xD, .xcr0_in = 3, .eax = 3, .ebx = 576, .ecx = 576},
	    {.eax_in = 0x80000000u,
	     .eax = 0x8000001F,
	     .ebx = 0x68747541,
	     .ecx = 0x444d4163,
	     .edx = 0x69746e65},
	    {.eax_in = 0x80000001u, .eax = 0x00A00F11, .ecx = 0x125, .edx = 0x2d93fbfd},
	    {.eax_in = 0x80000008u, .eax = 0x3030},
	    {.eax_in = 0x8000001Fu, .eax = 0x0101FD3F, .ebx = 0x4133, .ecx = 0xFD, .edx = 0xF},
	};
	memset(p, 0, sizeof(*p));
	p->count = sizeof(e) / sizeof(e[0]);
	memcpy(p->entries, e, sizeof(e));
}

struct machine {
	struct ss_mem *m;
	struct ss_mem_fw *fw;
	ss_psp *psp;
	uint64_t next, limit; /* page allocator */
};

static int cmd(struct machine *mc, uint32_t id, void *buf, size_t len, const char *what,
	       ss_error *err)
{
	uint32_t st = 0;
	ss_error e = {0};
	int rc = ss_psp_command(mc->psp, id, buf, len, &st, &e);
	if (rc)
		return ss_fail(err, rc, "%s: %s (%s)", what, ss_sev_status_name(st), e.msg);
	return 0;
}

static int rmpupdate(struct machine *mc, uint64_t spa, uint64_t gpa, uint32_t asid, ss_error *err)
{
	struct ss_abi_rmp_state st = {.gpa = gpa, .assigned = 1, .immutable = 1, .asid = asid};
	struct ss_rmp_result r = {0};
	struct ss_mem_fault f = {0};
	int rc = ss_mem_rmpupdate(mc->m, spa, &st, &r, &f, err);
	if (!rc && r.eax)
		rc = ss_fail(err, SS_EINVAL, "RMPUPDATE of 0x%llx: %s", (unsigned long long)spa,
			     ss_rmp_rc_name(r.eax));
	return rc;
}

static int host_write(struct machine *mc, uint64_t spa, const void *buf, size_t len, ss_error *err)
{
	struct ss_mem_access a = {.actor = SS_MEM_HOST, .type = SS_MEM_WRITE};
	struct ss_mem_fault f = {0};
	int rc = ss_mem_write(mc->m, &a, spa, buf, len, &f, err);
	return rc == SS_MEM_FAULTED ? ss_fail(err, SS_EIO, "host write faulted: %s", f.rule) : rc;
}

static int new_page(struct machine *mc, uint64_t *spa, ss_error *err)
{
	if (mc->next + PAGE > mc->limit)
		return ss_fail(err, SS_ERANGE, "the machine's memory is full");
	*spa = mc->next;
	mc->next += PAGE;
	return 0;
}

/* DRAM for the pages, the RMP at its end (8 KiB aligned), SNP on, an ephemeral PSP, SNP_INIT. */
static int machine_open(struct machine *mc, size_t pages, ss_error *err)
{
	uint64_t data = ((uint64_t)pages + 16) * PAGE + (1u << 20);
	uint64_t dram = (data + (data / PAGE) * 16 + 0x8000 + 0x1FFFFF) & ~0x1FFFFFull;
	struct ss_mem_config cfg = {.dram_size = dram, .max_asid = 15, .seed = 1};
	int rc = ss_mem_create(&cfg, &mc->m, err);
	if (rc)
		return rc;
	uint64_t need = (ss_mem_rmp_size_needed(mc->m) + 0x1FFF) & ~0x1FFFull;
	uint64_t base = dram - need;
	if ((rc = ss_mem_set_rmp_range(mc->m, base, dram - 1, err)) ||
	    (rc = ss_mem_snp_enable(mc->m, err)))
		return rc;
	mc->fw = ss_mem_claim_firmware_port(mc->m);
	mc->next = 1u << 20;
	mc->limit = base;
	struct ss_psp_config pc = {.ephemeral = true,
				   .mem = ss_psp_mem_model_ops(),
				   .mem_ctx = mc->fw,
				   .nr_asids = 15,
				   .ark_bits = 2048};
	if ((rc = ss_psp_open(&pc, &mc->psp, err)))
		return rc;
	return cmd(mc, SS_CMD_SNP_INIT, NULL, 0, "SNP_INIT", err);
}

static void machine_close(struct machine *mc)
{
	ss_psp_close(mc->psp);
	ss_mem_destroy(mc->m);
}

struct launch {
	const ss_measure_opts *o;
	const uint8_t *hashes_page; /* NULL without a kernel */
	uint64_t policy;
	uint8_t digest[48]; /* ss_measure's */
	uint8_t claim[48];  /* the ID block's LD: the digest, or --expect */
	size_t pages;
	bool matched;
};

static int launch(struct launch *l, struct steps *ss, ss_error *err)
{
	struct machine mc = {0};
	uint8_t *page = malloc(PAGE);
	ss_snp_id_auth_info *auth = calloc(1, sizeof(*auth));
	ss_eckey *idkey = NULL;
	int rc = page && auth ? 0 : ss_fail(err, SS_ENOMEM, "out of memory");
	if (!rc)
		rc = machine_open(&mc, ss->n + 4, err);
	uint64_t gctx = 0;
	if (!rc && !(rc = new_page(&mc, &gctx, err)) && !(rc = rmpupdate(&mc, gctx, 0, 0, err))) {
		struct ss_snp_data_gctx g = {.gctx_paddr = gctx};
		struct ss_snp_data_launch_start ls = {.gctx_paddr = gctx, .policy = l->policy};
		struct ss_snp_data_activate ac = {.gctx_paddr = gctx, .asid = ASID};
		if (!(rc = cmd(&mc, SS_CMD_SNP_GCTX_CREATE, &g, sizeof(g), "SNP_GCTX_CREATE",
			       err)) &&
		    !(rc = cmd(&mc, SS_CMD_SNP_LAUNCH_START, &ls, sizeof(ls), "SNP_LAUNCH_START",
			       err)))
			rc = cmd(&mc, SS_CMD_SNP_ACTIVATE, &ac, sizeof(ac), "SNP_ACTIVATE", err);
	}
	uint64_t fw_gpa = 0x100000000ull - l->o->ovmf_len;
	long vcpu = 0;
	for (size_t i = 0; !rc && i < ss->n; i++) {
		const ss_measure_step *s = &ss->s[i];
		memset(page, 0, PAGE);
		if (s->page_type == SS_SNP_PAGE_NORMAL && !strcmp(s->what, "ovmf")) {
			if (s->gpa < fw_gpa || s->gpa - fw_gpa + PAGE > l->o->ovmf_len)
				rc = ss_fail(err, SS_EINVAL, "step %zu: GPA 0x%llx outside OVMF", i,
					     (unsigned long long)s->gpa);
			else
				memcpy(page, l->o->ovmf + (s->gpa - fw_gpa), PAGE);
		} else if (s->page_type == SS_SNP_PAGE_NORMAL) {
			if (!l->hashes_page)
				rc = ss_fail(err, SS_EINVAL, "step %zu (%s): no page to add", i,
					     s->what);
			else
				memcpy(page, l->hashes_page, PAGE);
		} else if (s->page_type == SS_SNP_PAGE_CPUID) {
			cpuid_page((struct ss_snp_cpuid_page *)(void *)page);
		} else if (s->page_type == SS_SNP_PAGE_VMSA) {
			memcpy(page, ss->vmsa + (size_t)vcpu++ * PAGE, PAGE);
		}
		uint64_t pa = 0;
		if (!rc && !(rc = new_page(&mc, &pa, err)) &&
		    !(rc = host_write(&mc, pa, page, PAGE, err)) &&
		    !(rc = rmpupdate(&mc, pa, s->gpa, ASID, err))) {
			struct ss_snp_data_launch_update u = {.gctx_paddr = gctx,
							      .page_flags = (uint32_t)s->page_type
									    << 1,
							      .page_paddr = pa};
			char what[96];
			snprintf(what, sizeof(what),
				 "SNP_LAUNCH_UPDATE of step %zu (%s, GPA 0x%llx)", i,
				 ss_snp_page_type_name(s->page_type), (unsigned long long)s->gpa);
			rc = cmd(&mc, SS_CMD_SNP_LAUNCH_UPDATE, &u, sizeof(u), what, err);
		}
		l->pages += !rc;
	}
	/* SNP_LAUNCH_FINISH with an ID block over the offline digest: the firmware's own check. */
	uint64_t blk_pa = 0, auth_pa = 0;
	ss_snp_id_block blk;
	if (!rc && !(rc = ss_eckey_generate_p384(&idkey, err))) {
		ss_idblock_params prm = {.version = SS_SNP_ID_BLOCK_VERSION, .policy = l->policy};
		memcpy(prm.ld, l->claim, sizeof(prm.ld));
		ss_idblock_build(&prm, &blk);
		if (!(rc = ss_idblock_sign(&blk, idkey, NULL, auth, err)) &&
		    !(rc = new_page(&mc, &blk_pa, err)) && !(rc = new_page(&mc, &auth_pa, err)) &&
		    !(rc = host_write(&mc, blk_pa, &blk, sizeof(blk), err)))
			rc = host_write(&mc, auth_pa, auth, sizeof(*auth), err);
	}
	if (!rc) {
		struct ss_snp_data_launch_finish f = {.gctx_paddr = gctx,
						      .id_block_paddr = blk_pa,
						      .id_auth_paddr = auth_pa,
						      .flags = SS_SNP_LF_ID_BLOCK_EN};
		uint32_t st = 0;
		ss_error e = {0};
		rc = ss_psp_command(mc.psp, SS_CMD_SNP_LAUNCH_FINISH, &f, sizeof(f), &st, &e);
		l->matched = !rc;
		if (st == SS_SEV_BAD_MEASUREMENT)
			rc = 0; /* the answer, not a failure of the tool */
		else if (rc)
			rc = ss_fail(err, rc, "SNP_LAUNCH_FINISH: %s", e.msg);
	}
	ss_eckey_free(idkey);
	free(auth);
	free(page);
	if (mc.m)
		machine_close(&mc);
	return rc;
}

int ss_cmd_psp_snp_launch(int argc, char **argv)
{
	enum {
		O_OVMF = 256,
		O_VCPUS,
		O_TYPE,
		O_SIG,
		O_VMM,
		O_GF,
		O_POLICY,
		O_KERNEL,
		O_INITRD,
		O_APPEND,
		O_EXPECT
	};
	static const struct option opts[] = {{"ovmf", required_argument, NULL, O_OVMF},
					     {"vcpus", required_argument, NULL, O_VCPUS},
					     {"vcpu-type", required_argument, NULL, O_TYPE},
					     {"vcpu-sig", required_argument, NULL, O_SIG},
					     {"vmm-type", required_argument, NULL, O_VMM},
					     {"guest-features", required_argument, NULL, O_GF},
					     {"policy", required_argument, NULL, O_POLICY},
					     {"kernel", required_argument, NULL, O_KERNEL},
					     {"initrd", required_argument, NULL, O_INITRD},
					     {"append", required_argument, NULL, O_APPEND},
					     {"expect", required_argument, NULL, O_EXPECT},
					     {"output", required_argument, NULL, 'o'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	ss_measure_opts o;
	ss_measure_opts_init(&o);
	o.mode = SS_MEASURE_SNP;
	const char *ovmf = NULL, *kernel = NULL, *initrd = NULL, *expect = NULL;
	uint64_t policy = DEFAULT_POLICY;
	ss_output fmt = SS_OUT_TEXT;
	unsigned long long v;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		switch (c) {
		case O_OVMF: ovmf = optarg; break;
		case O_VCPUS:
			if (!ss_cli_parse_u64(optarg, &v) || !v || v > 4096)
				return ss_cli_error(SS_EXIT_USAGE, "--vcpus must be 1..4096");
			o.vcpus = (long)v;
			break;
		case O_TYPE:
			if (!ss_vcpu_type_sig(optarg, &o.vcpu_sig))
				return ss_cli_error(SS_EXIT_USAGE, "unknown --vcpu-type '%s'",
						    optarg);
			o.has_vcpu_sig = true;
			break;
		case O_SIG:
			if (!ss_cli_parse_u64(optarg, &v))
				return ss_cli_error(SS_EXIT_USAGE, "bad --vcpu-sig '%s'", optarg);
			o.vcpu_sig = v;
			o.has_vcpu_sig = true;
			break;
		case O_VMM:
			if (!ss_vmm_type_parse(optarg, &o.vmm))
				return ss_cli_error(SS_EXIT_USAGE, "unknown --vmm-type '%s'",
						    optarg);
			break;
		case O_GF:
			if (!ss_cli_parse_u64(optarg, &v))
				return ss_cli_error(SS_EXIT_USAGE, "bad --guest-features '%s'",
						    optarg);
			o.guest_features = v;
			break;
		case O_POLICY:
			if (!ss_cli_parse_u64(optarg, &v))
				return ss_cli_error(SS_EXIT_USAGE, "bad --policy '%s'", optarg);
			policy = v;
			break;
		case O_KERNEL: kernel = optarg; break;
		case O_INITRD: initrd = optarg; break;
		case O_APPEND: o.append = optarg; break;
		case O_EXPECT: expect = optarg; break;
		case 'o':
			if (!ss_cli_parse_output(optarg, &fmt))
				return SS_EXIT_USAGE;
			break;
		case 'h': usage(stdout); return SS_EXIT_OK;
		default:
			usage(stderr);
			return ss_cli_error(SS_EXIT_USAGE, "bad option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return ss_cli_error(SS_EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	if (!ovmf || o.vcpus <= 0 || !o.has_vcpu_sig)
		return ss_cli_error(SS_EXIT_USAGE,
				    "--ovmf, --vcpus and --vcpu-type (or --vcpu-sig) are required");
	if ((initrd || o.append) && !kernel)
		return ss_cli_error(SS_EXIT_USAGE, "--initrd and --append need --kernel");

	ss_error err = {0};
	uint8_t *fw = NULL, *kern = NULL, *ird = NULL, *hp = NULL;
	size_t fw_len = 0, kern_len = 0, ird_len = 0;
	struct steps ss = {.vcpus = o.vcpus};
	struct launch l = {.o = &o, .policy = policy};
	if (expect && !ss_hex_decode_exact(l.claim, sizeof(l.claim), expect))
		return ss_cli_error(SS_EXIT_USAGE, "--expect needs 48 bytes of hex");
	int rc = ss_read_file(ovmf, MAX_FILE, &fw, &fw_len, &err);
	if (!rc && kernel)
		rc = ss_read_file(kernel, MAX_FILE, &kern, &kern_len, &err);
	if (!rc && initrd)
		rc = ss_read_file(initrd, MAX_FILE, &ird, &ird_len, &err);
	if (rc)
		goto out;
	o.ovmf = fw;
	o.ovmf_len = fw_len;
	o.has_kernel = kernel != NULL;
	o.kernel = kern;
	o.kernel_len = kern_len;
	o.has_initrd = initrd != NULL;
	o.initrd = ird;
	o.initrd_len = ird_len;
	o.on_step = on_step;
	o.step_ctx = &ss;
	o.on_vmsa = on_vmsa;
	o.vmsa_ctx = &ss;
	if (!(ss.vmsa = calloc((size_t)o.vcpus, PAGE))) {
		rc = ss_fail(&err, SS_ENOMEM, "out of memory");
		goto out;
	}
	size_t dlen = 0;
	if ((rc = ss_measure(&o, l.digest, &dlen, &err)))
		goto out;
	if (!expect)
		memcpy(l.claim, l.digest, sizeof(l.claim));
	if (ss.oom) {
		rc = ss_fail(&err, SS_ENOMEM, "out of memory");
		goto out;
	}
	if (kernel) {
		/* The kernel-hashes page as the VMM fills it: the table at SEV_HASH_TABLE_RV's
		 * offset within its page (measurement.md §1.4). */
		ss_ovmf ov;
		if ((rc = ss_ovmf_parse(fw, fw_len, &ov, &err)))
			goto out;
		uint32_t off = ov.hash_table_gpa & 0xFFF;
		ss_ovmf_free(&ov);
		if (!(hp = calloc(1, PAGE))) {
			rc = ss_fail(&err, SS_ENOMEM, "out of memory");
			goto out;
		}
		if (off + 176 > PAGE ||
		    ss_sev_hashes_build(kern, kern_len, ird, ird_len, o.append, hp + off)) {
			rc = ss_fail(&err, SS_EINVAL, "cannot build the kernel hashes page");
			goto out;
		}
		l.hashes_page = hp;
	}
	rc = launch(&l, &ss, &err);
out:
	free(fw);
	free(kern);
	free(ird);
	free(hp);
	free(ss.s);
	free(ss.vmsa);
	if (rc)
		return ss_cli_report(&err);
	char hex[97], chex[97];
	ss_hex_encode(hex, l.digest, sizeof(l.digest));
	ss_hex_encode(chex, l.claim, sizeof(l.claim));
	if (fmt == SS_OUT_JSON) {
		ss_json j;
		ss_json_init(&j, stdout);
		ss_json_begin_object(&j);
		ss_json_kv_hex(&j, "measurement", l.digest, sizeof(l.digest));
		ss_json_kv_hex(&j, "id_block_ld", l.claim, sizeof(l.claim));
		ss_json_kv_u64(&j, "pages", l.pages);
		ss_json_kv_hex_u64(&j, "policy", l.policy);
		ss_json_kv_bool(&j, "firmware_agrees", l.matched);
		ss_json_end_object(&j);
		ss_json_finish(&j);
	} else {
		printf("measurement: %s\n", hex);
		if (expect)
			printf("id block LD: %s\n", chex);
		printf("launched %zu pages through SNP_LAUNCH_UPDATE; the firmware's launch digest "
		       "%s\n",
		       l.pages,
		       l.matched
			   ? "equals the ID block's LD (SNP_LAUNCH_FINISH accepted it)"
			   : "differs from the ID block's LD (SNP_LAUNCH_FINISH: BAD_MEASUREMENT)");
	}
	return l.matched ? SS_EXIT_OK : SS_EXIT_POLICY;
}
