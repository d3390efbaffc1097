/* The hypervisor side of the GHCB protocol (include/softsev/ghcb.h) against cpu-svm-sev.md §5-§7:
 * every MSR-protocol request, every exit softsev handles, and every rule a hostile guest can break,
 * each refusal checked for what the guest sees (SW_EXITINFO1/2, valid bits) and for the message
 * naming the field. Guest memory is a flat 1 MiB array; the devices record what they were asked. */
#include "harness.h"

#include <softsev/abi/ghcb.h>
#include <softsev/ghcb.h>

#define MEM	(1u << 20)
#define GHCB	0x3000ull				      /* the GHCB page's GPA */
#define SBUF	(GHCB + 0x800)				      /* its shared buffer */
#define OUTSIDE 0x10000ull				      /* a scratch area elsewhere */
#define MMIO	0xFEE00000ull				      /* the one MMIO register */
#define EVT_GP	(13ull | 3ull << 8 | 1ull << 11 | 1ull << 31) /* #GP(0) in EVENTINJ form */

static uint8_t mem[MEM];
static struct dev {
	uint16_t port;
	unsigned size, n_out, n_in, n_hlt;
	uint32_t outs[64];
	uint32_t in_next;
	uint32_t leaf, subleaf;
	uint64_t xcr0, xss, msr10, mmio_reg;
	int fail; /* the next callback returns this */
} d;

static int rd(void *ctx, uint64_t gpa, void *buf, size_t len, ss_error *err)
{
	if (gpa >= MEM || len > MEM - gpa)
		return ss_fail(err, SS_ERANGE, "GPA 0x%llx + %zu is not guest memory",
			       (unsigned long long)gpa, len);
	memcpy(buf, mem + gpa, len);
	return 0;
}
static int wr(void *ctx, uint64_t gpa, const void *buf, size_t len, ss_error *err)
{
	if (gpa >= MEM || len > MEM - gpa)
		return ss_fail(err, SS_ERANGE, "GPA 0x%llx + %zu is not guest memory",
			       (unsigned long long)gpa, len);
	memcpy(mem + gpa, buf, len);
	return 0;
}
static int take_fail(ss_error *err)
{
	int f = d.fail;
	d.fail = 0;
	if (f < 0)
		return ss_fail(err, f, "device broke");
	return f;
}
static int io(void *ctx, uint16_t port, unsigned size, bool in, uint32_t *val, ss_error *err)
{
	if (d.fail)
		return take_fail(err);
	d.port = port;
	d.size = size;
	if (in) {
		*val = d.in_next++;
		d.n_in++;
	} else if (d.n_out < 64) {
		d.outs[d.n_out++] = *val;
	}
	return 0;
}
static int cpuid(void *ctx, uint32_t leaf, uint32_t sub, uint64_t xcr0, uint64_t xss,
		 uint32_t out[4], ss_error *err)
{
	if (d.fail)
		return take_fail(err);
	d.leaf = leaf;
	d.subleaf = sub;
	d.xcr0 = xcr0;
	d.xss = xss;
	for (unsigned i = 0; i < 4; i++)
		out[i] = leaf * 16 + sub * 4 + i + 0x1000;
	return 0;
}
static int msr(void *ctx, bool write, uint32_t index, uint64_t *val, ss_error *err)
{
	if (index != 0x10)
		return SS_GHCB_DEV_GP;
	if (write)
		d.msr10 = *val;
	else
		*val = d.msr10;
	return 0;
}
static int vmmcall(void *ctx, ss_ghcb_vmmcall *c, ss_error *err)
{
	c->rax = c->rax + c->rbx + c->cpl;
	return 0;
}
static int hlt(void *ctx, ss_error *err)
{
	d.n_hlt++;
	return 0;
}
static int rdtsc(void *ctx, uint64_t *tsc, uint32_t *aux, ss_error *err)
{
	*tsc = 0x1122334455667788ull;
	*aux = 7;
	return 0;
}
static int mmio(void *ctx, bool write, uint64_t gpa, void *buf, unsigned len, ss_error *err)
{
	if (gpa != MMIO)
		return SS_GHCB_DEV_GP;
	if (write)
		memcpy(&d.mmio_reg, buf, len);
	else
		memcpy(buf, &d.mmio_reg, len);
	return 0;
}

static const ss_ghcb_ops ops = {rd, wr, io, cpuid, msr, vmmcall, hlt, rdtsc, mmio};
static const ss_ghcb_ops mem_only = {.read = rd, .write = wr};

static ss_ghcb_vcpu v;
static ss_ghcb_result res;
static ss_error err;

/* A fresh guest and an SEV-ES (or SNP, registered) vCPU. */
static void reset(bool snp)
{
	memset(mem, 0, sizeof(mem));
	memset(&d, 0, sizeof(d));
	memset(&err, 0, sizeof(err));
	ss_ghcb_vcpu_init(&v, &ops, NULL, snp, 51);
	if (snp)
		v.registered_gpa = GHCB;
}

static ss_ghcb *G(void)
{
	return (ss_ghcb *)(mem + GHCB);
}
#define SETV(field, value)                                                                         \
	do {                                                                                       \
		G()->field = (value);                                                              \
		ss_ghcb_set_valid(G(), SS_GHCB_BIT(field));                                        \
	} while (0)

/* A request as Linux's sev_es_ghcb_hv_call makes it: version 2, usage 0, the three SW fields. */
static void request(uint64_t code, uint64_t info1, uint64_t info2)
{
	memset(G(), 0, sizeof(ss_ghcb));
	G()->protocol_version = 2;
	SETV(sw_exit_code, code);
	SETV(sw_exit_info1, info1);
	SETV(sw_exit_info2, info2);
}

static int run(void)
{
	memset(&err, 0, sizeof(err));
	return ss_ghcb_handle(&v, GHCB, &res, &err);
}

/* The guest sees a refusal with this reason; the caller's message names `field`. */
#define CHECK_REFUSED(reason, field)                                                               \
	do {                                                                                       \
		CHECK(run() == 0);                                                                 \
		CHECK(res.refused);                                                                \
		CHECK(G()->sw_exit_info1 == SS_GHCB_RESULT_ERROR);                                 \
		CHECK(G()->sw_exit_info2 == (reason));                                             \
		CHECK(ss_ghcb_valid(G(), SS_GHCB_BIT(sw_exit_info1)));                             \
		CHECK_CONTAINS(res.why, field);                                                    \
	} while (0)

/* The valid bitmap holds exactly the given bits plus SW_EXITINFO1/2. */
static bool only_valid(const unsigned *bits, unsigned n)
{
	ss_ghcb want;
	memset(want.valid_bitmap, 0, 16);
	for (unsigned i = 0; i < n; i++)
		ss_ghcb_set_valid(&want, bits[i]);
	ss_ghcb_set_valid(&want, SS_GHCB_BIT(sw_exit_info1));
	ss_ghcb_set_valid(&want, SS_GHCB_BIT(sw_exit_info2));
	return !memcmp(want.valid_bitmap, G()->valid_bitmap, 16);
}

static uint64_t msr_req(uint64_t value)
{
	memset(&err, 0, sizeof(err));
	CHECK(ss_ghcb_handle(&v, value, &res, &err) == 0);
	CHECK(res.msr_protocol);
	return res.msr;
}

/* ---- MSR protocol (§6) ---- */

TEST(abi_layout)
{
	CHECK(sizeof(ss_ghcb) == 4096);
	CHECK(SS_GHCB_BIT(rbx) == 99 && SS_GHCB_BIT(r15) == 111 &&
	      SS_GHCB_BIT(sw_exit_info2) == 116);
	CHECK(SS_GHCB_NAE_MMIO_READ == 0x80000001u && SS_GHCB_NAE_TERM_REQUEST == 0x8000FFFEu);
	CHECK_STR(ss_ghcb_nae_name(0x7B), "IOIO");
	CHECK_STR(ss_ghcb_msr_name(0x012), "REG_GPA_REQ");
	CHECK_STR(ss_ghcb_err_name(3), "INVALID_SCRATCH_AREA");
	CHECK(SS_GHCB_EVENT_EXCEPTION(13, 1, 0) == EVT_GP);
}

TEST(msr_sev_info)
{
	reset(false);
	uint64_t r = msr_req(SS_GHCB_MSR_SEV_INFO_REQ);
	CHECK(SS_GHCB_MSR_INFO(r) == SS_GHCB_MSR_SEV_INFO_RESP);
	CHECK(SS_GHCB_MSR_SEV_INFO_MAX(r) == 2 && SS_GHCB_MSR_SEV_INFO_MIN(r) == 1);
	CHECK(SS_GHCB_MSR_SEV_INFO_CBIT(r) == 51);
	CHECK(r == 0x0002000133000001ull);
	reset(true);
	CHECK(SS_GHCB_MSR_SEV_INFO_MIN(msr_req(SS_GHCB_MSR_SEV_INFO_REQ)) == 2);
}

TEST(msr_cpuid_every_register)
{
	reset(false);
	for (unsigned reg = 0; reg < 4; reg++) {
		uint64_t r = msr_req(SS_GHCB_MSR_CPUID(SS_GHCB_MSR_CPUID_REQ, 0x8000001F, reg));
		CHECK(SS_GHCB_MSR_INFO(r) == SS_GHCB_MSR_CPUID_RESP);
		CHECK(SS_GHCB_MSR_CPUID_REG(r) == reg);
		CHECK(SS_GHCB_MSR_CPUID_FN(r) == 0x8000001Fu * 16 + reg + 0x1000);
		CHECK(d.leaf == 0x8000001F && d.subleaf == 0);
	}
	/* Bits 29:12 are reserved. */
	CHECK(ss_ghcb_handle(&v, SS_GHCB_MSR_CPUID(4, 1, 0) | 0x1000, &res, &err) == SS_EINVAL);
	CHECK(res.action == SS_GHCB_TERMINATE);
	CHECK_CONTAINS(err.msg, "reserved bits 29:12");
	/* No CPUID model: a named termination. */
	ss_ghcb_vcpu_init(&v, &mem_only, NULL, false, 51);
	CHECK(ss_ghcb_handle(&v, SS_GHCB_MSR_CPUID(4, 1, 0), &res, &err) == SS_EUNSUPPORTED);
	CHECK_CONTAINS(err.msg, "no CPUID model");
}

TEST(msr_hv_features_and_gpa)
{
	reset(true);
	uint64_t r = msr_req(SS_GHCB_MSR_HV_FEATURES_REQ);
	CHECK(SS_GHCB_MSR_INFO(r) == SS_GHCB_MSR_HV_FEATURES_RESP);
	CHECK(SS_GHCB_MSR_DATA(r) & SS_GHCB_HV_FT_SNP);
	r = msr_req(SS_GHCB_MSR_PREF_GPA_REQ);
	CHECK(r == SS_GHCB_MSR_GFN(SS_GHCB_MSR_PREF_GPA_RESP, SS_GHCB_MSR_GFN_NONE));
	v.registered_gpa = UINT64_MAX;
	r = msr_req(SS_GHCB_MSR_GFN(SS_GHCB_MSR_REG_GPA_REQ, 5));
	CHECK(r == SS_GHCB_MSR_GFN(SS_GHCB_MSR_REG_GPA_RESP, 5));
	CHECK(v.registered_gpa == 0x5000);
	/* A GFN outside guest memory: all ones, nothing registered. */
	r = msr_req(SS_GHCB_MSR_GFN(SS_GHCB_MSR_REG_GPA_REQ, 0x12345));
	CHECK(r == SS_GHCB_MSR_GFN(SS_GHCB_MSR_REG_GPA_RESP, SS_GHCB_MSR_GFN_NONE));
	CHECK(res.refused);
	CHECK_CONTAINS(res.why, "GFN 0x12345");
	CHECK(v.registered_gpa == 0x5000);
	/* SEV-ES guests have neither. */
	reset(false);
	CHECK(ss_ghcb_handle(&v, SS_GHCB_MSR_REG_GPA_REQ | (5ull << 12), &res, &err) ==
	      SS_EUNSUPPORTED);
	CHECK_CONTAINS(err.msg, "REG_GPA_REQ");
	CHECK(ss_ghcb_handle(&v, SS_GHCB_MSR_PREF_GPA_REQ, &res, &err) == SS_EUNSUPPORTED);
	CHECK_CONTAINS(err.msg, "SEV-SNP guests only");
	/* A version-1-only hypervisor has no feature request. */
	v.version_max = 1;
	CHECK(ss_ghcb_handle(&v, SS_GHCB_MSR_HV_FEATURES_REQ, &res, &err) == SS_EUNSUPPORTED);
	CHECK_CONTAINS(err.msg, "version 2");
}

TEST(msr_termination)
{
	reset(false);
	CHECK(ss_ghcb_handle(&v, SS_GHCB_MSR_TERM(1, 4), &res, &err) == SS_ESTATE);
	CHECK(res.action == SS_GHCB_TERMINATE);
	CHECK(res.term_set == 1 && res.term_code == 4);
	CHECK_CONTAINS(err.msg, "reason set 1 code 4");
	CHECK(SS_GHCB_MSR_TERM(1, 4) == 0x41100);
}

TEST(msr_unimplemented_and_bogus)
{
	reset(true);
	CHECK(ss_ghcb_handle(&v, SS_GHCB_MSR_PSC_REQ | (1ull << 52), &res, &err) == SS_ENOTIMPL);
	CHECK_CONTAINS(err.msg, "PSC_REQ (0x014) is not implemented");
	CHECK(ss_ghcb_handle(&v, SS_GHCB_MSR_AP_RESET_HOLD_REQ, &res, &err) == SS_ENOTIMPL);
	CHECK(ss_ghcb_handle(&v, SS_GHCB_MSR_RUN_VMPL_REQ, &res, &err) == SS_ENOTIMPL);
	CHECK_CONTAINS(err.msg, "RUN_VMPL_REQ");
	CHECK(ss_ghcb_handle(&v, SS_GHCB_MSR_AP_JUMP_TABLE, &res, &err) == SS_ENOTIMPL);
	CHECK(res.action == SS_GHCB_TERMINATE && res.msr_protocol);
	/* A response code, and a code nobody defines. */
	CHECK(ss_ghcb_handle(&v, SS_GHCB_MSR_SEV_INFO_RESP, &res, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "SEV_INFO_RESP");
	CHECK(ss_ghcb_handle(&v, 0x777, &res, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "is not a request");
	/* MSR 0: no GHCB set. */
	CHECK(ss_ghcb_handle(&v, 0, &res, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "GHCB MSR of 0");
}

/* ---- the page protocol: exits ---- */

TEST(cpuid_exit)
{
	reset(false);
	request(SS_GHCB_NAE_CPUID, 0, 0);
	SETV(rax, 0x80000001);
	SETV(rcx, 0);
	SETV(rbx, 0xdead); /* an input the hypervisor ignores and does not return */
	CHECK(run() == 0);
	CHECK(!res.refused && res.action == SS_GHCB_RESUME && res.msr == GHCB);
	CHECK(G()->sw_exit_info1 == 0 && G()->sw_exit_info2 == 0);
	CHECK(G()->rax == 0x80000001u * 16 + 0x1000 && G()->rdx == 0x80000001u * 16 + 0x1003);
	CHECK(G()->rbx == 0x80000001u * 16 + 0x1001 && G()->rcx == 0x80000001u * 16 + 0x1002);
	const unsigned bits[] = {SS_GHCB_BIT(rax), SS_GHCB_BIT(rbx), SS_GHCB_BIT(rcx),
				 SS_GHCB_BIT(rdx)};
	CHECK(only_valid(bits, 4));
	CHECK(v.count == 1);
}

TEST(cpuid_exit_inputs)
{
	reset(false);
	request(SS_GHCB_NAE_CPUID, 0, 0);
	SETV(rax, 1);
	CHECK_REFUSED(SS_GHCB_ERR_MISSING_INPUT, "CPUID needs rcx (valid bit 97)");
	request(SS_GHCB_NAE_CPUID, 0, 0);
	SETV(rcx, 0);
	CHECK_REFUSED(SS_GHCB_ERR_MISSING_INPUT, "CPUID needs rax (valid bit 63)");
	/* Leaf 0xD needs XCR0; 0xD.1 under v2 also XSS. */
	request(SS_GHCB_NAE_CPUID, 0, 0);
	SETV(rax, 0xD);
	SETV(rcx, 0);
	CHECK_REFUSED(SS_GHCB_ERR_MISSING_INPUT, "xcr0 (valid bit 125)");
	request(SS_GHCB_NAE_CPUID, 0, 0);
	SETV(rax, 0xD);
	SETV(rcx, 1);
	SETV(xcr0, 7);
	CHECK_REFUSED(SS_GHCB_ERR_MISSING_INPUT, "xss (valid bit 40)");
	/* The refusal cleared the bitmap (§5): the guest fills the request again. */
	CHECK(!ss_ghcb_valid(G(), SS_GHCB_BIT(rax)));
	request(SS_GHCB_NAE_CPUID, 0, 0);
	SETV(rax, 0xD);
	SETV(rcx, 1);
	SETV(xcr0, 7);
	SETV(xss, 0x100);
	CHECK(run() == 0 && !res.refused);
	CHECK(d.leaf == 0xD && d.subleaf == 1 && d.xcr0 == 7 && d.xss == 0x100);
	/* Under v1 XSS is not asked for. */
	request(SS_GHCB_NAE_CPUID, 0, 0);
	G()->protocol_version = 1;
	SETV(rax, 0xD);
	SETV(rcx, 1);
	SETV(xcr0, 3);
	CHECK(run() == 0 && !res.refused && d.xss == 0);
}

TEST(ioio_out_in)
{
	reset(false);
	/* OUT DX, AL to 0xE9: size 8, port in 31:16; only AL reaches the device. */
	request(SS_GHCB_NAE_IOIO, (0xE9u << 16) | SS_IOIO_SZ8 | SS_IOIO_A64, 0);
	SETV(rax, 0x12345641);
	CHECK(run() == 0 && !res.refused);
	CHECK(d.port == 0xE9 && d.size == 1 && d.n_out == 1 && d.outs[0] == 0x41);
	CHECK(only_valid(NULL, 0));
	/* IN AX, DX: the low 16 bits replaced, the rest of RAX kept. */
	d.in_next = 0xBEEF;
	request(SS_GHCB_NAE_IOIO, (0x60u << 16) | SS_IOIO_TYPE_IN | SS_IOIO_SZ16, 0);
	SETV(rax, 0xAAAAAAAAAAAAAAAAull);
	CHECK(run() == 0 && !res.refused);
	CHECK(G()->rax == 0xAAAAAAAAAAAABEEFull && d.size == 2 && d.port == 0x60);
	const unsigned rax[] = {SS_GHCB_BIT(rax)};
	CHECK(only_valid(rax, 1));
	/* IN EAX without RAX given. */
	d.in_next = 0xCAFEF00D;
	request(SS_GHCB_NAE_IOIO, (0x61u << 16) | SS_IOIO_TYPE_IN | SS_IOIO_SZ32, 0);
	CHECK(run() == 0 && G()->rax == 0xCAFEF00D && d.size == 4);
}

TEST(ioio_rules)
{
	reset(false);
	request(SS_GHCB_NAE_IOIO, (0xE9u << 16) | SS_IOIO_SZ8, 0);
	CHECK_REFUSED(SS_GHCB_ERR_MISSING_INPUT, "IOIO OUT needs rax");
	CHECK(d.n_out == 0);
	request(SS_GHCB_NAE_IOIO, (0xE9u << 16) | SS_IOIO_SZ8 | SS_IOIO_SZ16, 0);
	SETV(rax, 0);
	CHECK_REFUSED(SS_GHCB_ERR_INVALID_INPUT, "operand size bits 6:4 are not one-hot");
	request(SS_GHCB_NAE_IOIO, (0xE9u << 16), 0);
	SETV(rax, 0);
	CHECK_REFUSED(SS_GHCB_ERR_INVALID_INPUT, "operand size");
	request(SS_GHCB_NAE_IOIO, (0xE9u << 16) | SS_IOIO_SZ8 | 2, 0);
	SETV(rax, 0);
	CHECK_REFUSED(SS_GHCB_ERR_INVALID_INPUT, "reserved bits");
	request(SS_GHCB_NAE_IOIO, (1ull << 40) | SS_IOIO_SZ8, 0);
	SETV(rax, 0);
	CHECK_REFUSED(SS_GHCB_ERR_INVALID_INPUT, "reserved bits");
	request(SS_GHCB_NAE_IOIO, SS_IOIO_SZ8 | SS_IOIO_A16 | SS_IOIO_A64, 0);
	SETV(rax, 0);
	CHECK_REFUSED(SS_GHCB_ERR_INVALID_INPUT, "address size");
	request(SS_GHCB_NAE_IOIO, SS_IOIO_SZ8 | (7u << SS_IOIO_SEG_SHIFT), 0);
	SETV(rax, 0);
	CHECK_REFUSED(SS_GHCB_ERR_INVALID_INPUT, "segment bits 12:10");
	CHECK(d.n_out == 0);
	/* No ports on this platform. */
	ss_ghcb_vcpu_init(&v, &mem_only, NULL, false, 51);
	request(SS_GHCB_NAE_IOIO, SS_IOIO_SZ8, 0);
	SETV(rax, 0);
	CHECK_REFUSED(SS_GHCB_ERR_INVALID_EVENT, "no ports");
}

TEST(ioio_string_shared_buffer)
{
	reset(false);
	/* REP OUTSW of 5 words from the shared buffer. */
	request(SS_GHCB_NAE_IOIO,
		(0x80u << 16) | SS_IOIO_STR | SS_IOIO_REP | SS_IOIO_SZ16 | SS_IOIO_A64, 5);
	SETV(sw_scratch, SBUF + 16);
	for (unsigned i = 0; i < 5; i++) {
		G()->shared_buffer[16 + 2 * i] = (uint8_t)(0x10 + i);
		G()->shared_buffer[17 + 2 * i] = 0xA0;
	}
	CHECK(run() == 0 && !res.refused);
	CHECK(d.n_out == 5 && d.outs[0] == 0xA010 && d.outs[4] == 0xA014 && d.size == 2);
	/* REP INSB of 3 bytes into the end of the shared buffer. */
	d.in_next = 0x61;
	request(SS_GHCB_NAE_IOIO,
		(0x80u << 16) | SS_IOIO_TYPE_IN | SS_IOIO_STR | SS_IOIO_REP | SS_IOIO_SZ8 |
		    SS_IOIO_A64,
		3);
	SETV(sw_scratch, SBUF + SS_GHCB_SHARED_BUFFER_SIZE - 3);
	CHECK(run() == 0 && !res.refused);
	CHECK(!memcmp(G()->shared_buffer + SS_GHCB_SHARED_BUFFER_SIZE - 3, "abc", 3));
	CHECK(G()->reserved_ff0[0] == 0);
}

TEST(ioio_string_outside_page)
{
	reset(false);
	d.in_next = 0x100;
	request(SS_GHCB_NAE_IOIO,
		(0x1F0u << 16) | SS_IOIO_TYPE_IN | SS_IOIO_STR | SS_IOIO_REP | SS_IOIO_SZ32 |
		    SS_IOIO_A64,
		256);
	SETV(sw_scratch, OUTSIDE);
	CHECK(run() == 0 && !res.refused);
	uint32_t w0, w255;
	memcpy(&w0, mem + OUTSIDE, 4);
	memcpy(&w255, mem + OUTSIDE + 1020, 4);
	CHECK(w0 == 0x100 && w255 == 0x1FF && d.n_in == 256);
	/* OUTS from outside: read, not written back. */
	memset(mem + OUTSIDE, 0x5A, 8);
	request(SS_GHCB_NAE_IOIO, (0x1F0u << 16) | SS_IOIO_STR | SS_IOIO_REP | SS_IOIO_SZ32, 2);
	SETV(sw_scratch, OUTSIDE);
	CHECK(run() == 0 && d.outs[1] == 0x5A5A5A5A);
}

TEST(scratch_rules)
{
	reset(false);
	const uint64_t ins = SS_IOIO_TYPE_IN | SS_IOIO_STR | SS_IOIO_REP | SS_IOIO_SZ8;
	request(SS_GHCB_NAE_IOIO, ins, 4);
	CHECK_REFUSED(SS_GHCB_ERR_MISSING_INPUT, "needs sw_scratch (valid bit 117)");
	/* Inside the page but in the save area. */
	request(SS_GHCB_NAE_IOIO, ins, 4);
	SETV(sw_scratch, GHCB + 0x390);
	CHECK_REFUSED(SS_GHCB_ERR_INVALID_SCRATCH_AREA, "not inside its shared buffer");
	/* Runs past the shared buffer's end into PROTOCOL_VERSION / GHCB_USAGE. */
	request(SS_GHCB_NAE_IOIO, ins, 4);
	SETV(sw_scratch, SBUF + SS_GHCB_SHARED_BUFFER_SIZE - 3);
	CHECK_REFUSED(SS_GHCB_ERR_INVALID_SCRATCH_AREA, "not inside its shared buffer");
	CHECK(d.n_in == 0);
	/* Outside: over the limit, overlapping the GHCB page, not guest memory, wrapping. */
	request(SS_GHCB_NAE_IOIO, ins, 16 * 4096 + 1);
	SETV(sw_scratch, OUTSIDE);
	CHECK(run() == 0 && res.refused && G()->sw_exit_info2 == SS_GHCB_ERR_INVALID_INPUT);
	CHECK_CONTAINS(res.why, "SW_EXITINFO2 count 65537");
	CHECK(d.n_in == 0);
	request(SS_GHCB_NAE_IOIO, ins, 0x100);
	SETV(sw_scratch, GHCB - 0x10);
	CHECK_REFUSED(SS_GHCB_ERR_INVALID_SCRATCH_AREA, "overlaps the GHCB page");
	request(SS_GHCB_NAE_IOIO, ins, 0x100);
	SETV(sw_scratch, MEM - 0x10);
	CHECK_REFUSED(SS_GHCB_ERR_INVALID_SCRATCH_AREA, "is not guest memory");
	request(SS_GHCB_NAE_MMIO_READ, MMIO, 8);
	SETV(sw_scratch, UINT64_MAX - 3);
	CHECK_REFUSED(SS_GHCB_ERR_INVALID_SCRATCH_AREA, "wraps");
	CHECK(d.n_in == 0);
	/* Counts: zero, and more than one without REP. */
	request(SS_GHCB_NAE_IOIO, ins, 0);
	SETV(sw_scratch, SBUF);
	CHECK_REFUSED(SS_GHCB_ERR_INVALID_INPUT, "count 0");
	request(SS_GHCB_NAE_IOIO, SS_IOIO_TYPE_IN | SS_IOIO_STR | SS_IOIO_SZ8, 2);
	SETV(sw_scratch, SBUF);
	CHECK_REFUSED(SS_GHCB_ERR_INVALID_INPUT, "without REP");
}

TEST(msr_exit)
{
	reset(false);
	request(SS_GHCB_NAE_MSR, 1, 0);
	SETV(rcx, 0x10);
	SETV(rax, 0xFFFFFFFF00000005ull); /* only EAX counts */
	SETV(rdx, 0x9);
	CHECK(run() == 0 && !res.refused && d.msr10 == 0x900000005ull);
	CHECK(only_valid(NULL, 0));
	request(SS_GHCB_NAE_MSR, 0, 0);
	SETV(rcx, 0x10);
	CHECK(run() == 0 && !res.refused && G()->rax == 5 && G()->rdx == 9);
	const unsigned bits[] = {SS_GHCB_BIT(rax), SS_GHCB_BIT(rdx)};
	CHECK(only_valid(bits, 2));
	/* An MSR the platform lacks: #GP(0) injected. */
	request(SS_GHCB_NAE_MSR, 0, 0);
	SETV(rcx, 0x1234);
	CHECK(run() == 0 && res.refused);
	CHECK(G()->sw_exit_info1 == SS_GHCB_RESULT_EXCEPTION && G()->sw_exit_info2 == EVT_GP);
	CHECK_CONTAINS(res.why, "RDMSR 0x1234");
	/* Rules. */
	request(SS_GHCB_NAE_MSR, 2, 0);
	SETV(rcx, 0x10);
	CHECK_REFUSED(SS_GHCB_ERR_INVALID_INPUT, "SW_EXITINFO1 2 is neither");
	request(SS_GHCB_NAE_MSR, 1, 0);
	SETV(rcx, 0x10);
	SETV(rax, 0);
	CHECK_REFUSED(SS_GHCB_ERR_MISSING_INPUT, "WRMSR needs rdx");
	request(SS_GHCB_NAE_MSR, 0, 0);
	CHECK_REFUSED(SS_GHCB_ERR_MISSING_INPUT, "MSR needs rcx");
}

TEST(vmmcall_exit)
{
	reset(false);
	request(SS_GHCB_NAE_VMMCALL, 0, 0);
	SETV(rax, 100);
	SETV(rbx, 20);
	SETV(cpl, 3);
	CHECK(run() == 0 && !res.refused && G()->rax == 123);
	request(SS_GHCB_NAE_VMMCALL, 0, 0);
	SETV(rax, 100);
	G()->rbx = 20; /* not marked valid: the device sees 0 */
	SETV(cpl, 0);
	CHECK(run() == 0 && G()->rax == 100);
	request(SS_GHCB_NAE_VMMCALL, 0, 0);
	SETV(rax, 1);
	CHECK_REFUSED(SS_GHCB_ERR_MISSING_INPUT, "VMMCALL needs cpl (valid bit 25)");
}

TEST(rdtsc_rdtscp_hlt)
{
	reset(false);
	request(SS_GHCB_NAE_RDTSC, 0, 0);
	CHECK(run() == 0 && G()->rax == 0x55667788 && G()->rdx == 0x11223344);
	const unsigned two[] = {SS_GHCB_BIT(rax), SS_GHCB_BIT(rdx)};
	CHECK(only_valid(two, 2));
	request(SS_GHCB_NAE_RDTSCP, 0, 0);
	CHECK(run() == 0 && G()->rcx == 7 && G()->rax == 0x55667788);
	const unsigned three[] = {SS_GHCB_BIT(rax), SS_GHCB_BIT(rcx), SS_GHCB_BIT(rdx)};
	CHECK(only_valid(three, 3));
	request(SS_GHCB_NAE_HLT, 0, 0);
	CHECK(run() == 0 && res.action == SS_GHCB_HALT && d.n_hlt == 1);
	request(SS_GHCB_NAE_WBINVD, 0, 0);
	CHECK(run() == 0 && !res.refused && res.action == SS_GHCB_RESUME);
}

TEST(dr7_exits)
{
	reset(false);
	request(SS_GHCB_NAE_WRITE_DR7, 0, 0);
	SETV(rax, 0x401);
	CHECK(run() == 0 && !res.refused && v.dr7 == 0x401);
	request(SS_GHCB_NAE_READ_DR7, 0, 0);
	CHECK(run() == 0 && G()->rax == 0x401);
	request(SS_GHCB_NAE_WRITE_DR7, 0, 0);
	SETV(rax, 1ull << 32);
	CHECK(run() == 0 && G()->sw_exit_info1 == 1 && G()->sw_exit_info2 == EVT_GP);
	request(SS_GHCB_NAE_WRITE_DR7, 0, 0);
	CHECK_REFUSED(SS_GHCB_ERR_MISSING_INPUT, "WRITE_DR7 needs rax");
}

TEST(mmio_exits)
{
	reset(false);
	request(SS_GHCB_NAE_MMIO_WRITE, MMIO, 4);
	SETV(sw_scratch, SBUF);
	memcpy(G()->shared_buffer, "\x11\x22\x33\x44", 4);
	CHECK(run() == 0 && !res.refused && d.mmio_reg == 0x44332211);
	request(SS_GHCB_NAE_MMIO_READ, MMIO, 8);
	SETV(sw_scratch, SBUF + 8);
	d.mmio_reg = 0x0102030405060708ull;
	CHECK(run() == 0 && !res.refused);
	CHECK(!memcmp(G()->shared_buffer + 8, "\x08\x07\x06\x05\x04\x03\x02\x01", 8));
	request(SS_GHCB_NAE_MMIO_READ, MMIO, 3);
	SETV(sw_scratch, SBUF);
	CHECK_REFUSED(SS_GHCB_ERR_INVALID_INPUT, "length 3");
	request(SS_GHCB_NAE_MMIO_READ, MMIO + 8, 4);
	SETV(sw_scratch, SBUF);
	CHECK(run() == 0 && G()->sw_exit_info1 == 1 && G()->sw_exit_info2 == EVT_GP);
	request(SS_GHCB_NAE_MMIO_WRITE, MMIO, 8);
	CHECK_REFUSED(SS_GHCB_ERR_MISSING_INPUT, "MMIO_WRITE needs sw_scratch");
}

TEST(hv_features_term_unsupported_exits)
{
	reset(true);
	request(SS_GHCB_NAE_HV_FEATURES, 0, 0);
	CHECK(run() == 0 && !res.refused && G()->sw_exit_info2 == SS_GHCB_HV_FT_SNP);
	reset(false);
	request(SS_GHCB_NAE_HV_FEATURES, 0, 0);
	G()->protocol_version = 1;
	CHECK_REFUSED(SS_GHCB_ERR_INVALID_EVENT, "HV_FEATURES needs protocol version 2");
	request(SS_GHCB_NAE_TERM_REQUEST, 1 | (5u << 4), 0);
	CHECK(run() == SS_ESTATE && res.action == SS_GHCB_TERMINATE);
	CHECK(res.term_set == 1 && res.term_code == 5);
	CHECK_CONTAINS(err.msg, "TERM_REQUEST): reason set 1 code 5");
	request(SS_GHCB_NAE_UNSUPPORTED, 0x72, 0);
	CHECK(run() == SS_EUNSUPPORTED && res.action == SS_GHCB_TERMINATE);
	CHECK_CONTAINS(err.msg, "exit code 0x72");
}

TEST(unhandled_exit_codes)
{
	reset(true);
	const uint64_t codes[] = {SS_GHCB_NAE_SNP_PSC, SS_GHCB_NAE_AP_JUMP_TABLE,
				  SS_GHCB_NAE_NMI_COMPLETE, SS_GHCB_NAE_MONITOR, 0x12345};
	const char *names[] = {"SNP_PSC", "AP_JUMP_TABLE", "NMI_COMPLETE", "MONITOR", "unknown"};
	for (unsigned i = 0; i < 5; i++) {
		request(codes[i], 0, 0);
		CHECK_REFUSED(SS_GHCB_ERR_INVALID_EVENT, names[i]);
		CHECK_CONTAINS(res.why, "is not an exit softsev handles");
	}
}

/* ---- the page protocol: rules of the page itself ---- */

TEST(page_rules)
{
	reset(false);
	request(SS_GHCB_NAE_RDTSC, 0, 0);
	G()->ghcb_usage = 1;
	CHECK_REFUSED(SS_GHCB_ERR_INVALID_USAGE, "GHCB_USAGE (0xFFC) is 1");
	CHECK(G()->rax == 0 && !ss_ghcb_valid(G(), SS_GHCB_BIT(rax)));
	const unsigned bits[] = {114, 115, 116};
	const char *names[] = {"SW_EXITCODE", "SW_EXITINFO1", "SW_EXITINFO2"};
	for (unsigned i = 0; i < 3; i++) {
		request(SS_GHCB_NAE_RDTSC, 0, 0);
		G()->valid_bitmap[bits[i] / 8] &= (uint8_t) ~(1u << (bits[i] % 8));
		CHECK_REFUSED(SS_GHCB_ERR_MISSING_INPUT, names[i]);
	}
	/* A version outside 1..2 (and 1 for an SNP guest): the guest cannot go on. */
	request(SS_GHCB_NAE_RDTSC, 0, 0);
	G()->protocol_version = 3;
	CHECK(run() == SS_EINVAL && res.action == SS_GHCB_TERMINATE);
	CHECK(res.term_set == 0 && res.term_code == SS_GHCB_TERM_PROTOCOL_RANGE);
	CHECK_CONTAINS(err.msg, "PROTOCOL_VERSION (0xFFA) 3 is outside the advertised range 1..2");
	request(SS_GHCB_NAE_RDTSC, 0, 0);
	G()->protocol_version = 0;
	CHECK(run() == SS_EINVAL);
	reset(true);
	request(SS_GHCB_NAE_RDTSC, 0, 0);
	G()->protocol_version = 1;
	CHECK(run() == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "range 2..2");
}

TEST(snp_registration)
{
	reset(true);
	v.registered_gpa = UINT64_MAX;
	request(SS_GHCB_NAE_RDTSC, 0, 0);
	CHECK_REFUSED(SS_GHCB_ERR_NOT_REGISTERED, "has not registered");
	CHECK(!ss_ghcb_valid(G(), SS_GHCB_BIT(rax)));
	CHECK(msr_req(SS_GHCB_MSR_GFN(SS_GHCB_MSR_REG_GPA_REQ, GHCB >> 12)) ==
	      SS_GHCB_MSR_GFN(SS_GHCB_MSR_REG_GPA_RESP, GHCB >> 12));
	request(SS_GHCB_NAE_RDTSC, 0, 0);
	CHECK(run() == 0 && !res.refused && G()->rax == 0x55667788);
	/* Another page is not the registered one. */
	memcpy(mem + 0x5000, G(), sizeof(ss_ghcb));
	CHECK(ss_ghcb_handle(&v, 0x5000, &res, &err) == 0 && res.refused);
	CHECK(((ss_ghcb *)(mem + 0x5000))->sw_exit_info2 == SS_GHCB_ERR_NOT_REGISTERED);
}

TEST(device_failures_and_memory)
{
	reset(false);
	/* A device's own failure ends the run with its message. */
	request(SS_GHCB_NAE_IOIO, (0xE9u << 16) | SS_IOIO_SZ8, 0);
	SETV(rax, 1);
	d.fail = SS_EIO;
	CHECK(run() == SS_EIO);
	CHECK_CONTAINS(err.msg, "OUT port 0xe9: device broke");
	/* An answer outside the contract. */
	request(SS_GHCB_NAE_CPUID, 0, 0);
	SETV(rax, 1);
	SETV(rcx, 0);
	d.fail = 7;
	CHECK(run() == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "returned 7");
	/* #UD from a device. */
	request(SS_GHCB_NAE_CPUID, 0, 0);
	SETV(rax, 1);
	SETV(rcx, 0);
	d.fail = SS_GHCB_DEV_UD;
	CHECK(run() == 0 && G()->sw_exit_info1 == 1 &&
	      G()->sw_exit_info2 == (6ull | 3ull << 8 | 1ull << 31));
	/* A GHCB outside guest memory. */
	CHECK(ss_ghcb_handle(&v, 0x7FFFF000, &res, &err) == SS_ERANGE);
	CHECK(res.action == SS_GHCB_TERMINATE);
	CHECK_CONTAINS(err.msg, "cannot be read");
	/* No ops at all. */
	ss_ghcb_vcpu nov;
	ss_ghcb_vcpu_init(&nov, NULL, NULL, false, 51);
	CHECK(ss_ghcb_handle(&nov, GHCB, &res, &err) == SS_EINVAL);
	/* Missing devices are named refusals. */
	ss_ghcb_vcpu_init(&v, &mem_only, NULL, false, 51);
	request(SS_GHCB_NAE_RDTSC, 0, 0);
	CHECK_REFUSED(SS_GHCB_ERR_INVALID_EVENT, "no TSC");
	request(SS_GHCB_NAE_MSR, 0, 0);
	SETV(rcx, 0x10);
	CHECK_REFUSED(SS_GHCB_ERR_INVALID_EVENT, "no MSR model");
	request(SS_GHCB_NAE_VMMCALL, 0, 0);
	SETV(rax, 0);
	SETV(cpl, 0);
	CHECK_REFUSED(SS_GHCB_ERR_INVALID_EVENT, "no hypercalls");
	request(SS_GHCB_NAE_HLT, 0, 0);
	CHECK(run() == 0 && res.action == SS_GHCB_HALT);
}

TEST_MAIN(abi_layout, msr_sev_info, msr_cpuid_every_register, msr_hv_features_and_gpa,
	  msr_termination, msr_unimplemented_and_bogus, cpuid_exit, cpuid_exit_inputs, ioio_out_in,
	  ioio_rules, ioio_string_shared_buffer, ioio_string_outside_page, scratch_rules, msr_exit,
	  vmmcall_exit, rdtsc_rdtscp_hlt, dr7_exits, mmio_exits, hv_features_term_unsupported_exits,
	  unhandled_exit_codes, page_rules, snp_registration, device_failures_and_memory)
