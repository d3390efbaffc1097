/* The hypervisor side of the GHCB protocol (include/softsev/ghcb.h; cpu-svm-sev.md §5-§7).
 *
 * One VMGEXIT: an MSR-protocol request is answered in the MSR value; otherwise the GHCB page is
 * copied in, validated (registration, usage, version, the three SW_* fields), dispatched through
 * one table indexed by SW_EXITCODE whose rows name the inputs each exit requires (checked before
 * the handler runs, STYLE.md item 6), and copied back with the valid bitmap holding only the
 * outputs. */
#include <softsev/ghcb.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCRATCH_LIMIT_DEFAULT (16u * 4096u) /* KVM's GHCB_SCRATCH_AREA_LIMIT (§5) */

/* ---- names ------------------------------------------------------------------------------------
 */

const char *ss_ghcb_msr_name(unsigned code)
{
	switch (code) {
#define SS_GHCB_MSR_NAME(n, v, h)                                                                  \
	case v: return #n;
		SS_GHCB_MSR_LIST(SS_GHCB_MSR_NAME)
#undef SS_GHCB_MSR_NAME
	}
	return NULL;
}

const char *ss_ghcb_nae_name(uint64_t code)
{
	switch (code) {
#define SS_GHCB_NAE_NAME(n, v, h)                                                                  \
	case v: return #n;
		SS_GHCB_NAE_LIST(SS_GHCB_NAE_NAME)
#undef SS_GHCB_NAE_NAME
	}
	return NULL;
}

const char *ss_ghcb_err_name(uint64_t reason)
{
	switch (reason) {
#define SS_GHCB_ERR_NAME(n, v, h)                                                                  \
	case v: return #n;
		SS_GHCB_ERR_LIST(SS_GHCB_ERR_NAME)
#undef SS_GHCB_ERR_NAME
	}
	return NULL;
}

static const char *nae_name(uint64_t code)
{
	const char *n = ss_ghcb_nae_name(code);
	return n ? n : "unknown";
}

void ss_ghcb_vcpu_init(ss_ghcb_vcpu *v, const ss_ghcb_ops *ops, void *ctx, bool snp, unsigned cbit)
{
	memset(v, 0, sizeof(*v));
	v->ops = ops;
	v->ctx = ctx;
	v->snp = snp;
	v->cbit = (uint8_t)cbit;
	v->version_min = snp ? 2 : SS_GHCB_VERSION_MIN;
	v->version_max = SS_GHCB_VERSION_MAX;
	v->hv_features = snp ? SS_GHCB_HV_FT_SNP : 0;
	v->scratch_limit = SCRATCH_LIMIT_DEFAULT;
	v->registered_gpa = UINT64_MAX;
}

/* ---- one request ------------------------------------------------------------------------------
 */

typedef struct req {
	ss_ghcb_vcpu *v;
	uint64_t gpa;  /* the GHCB page */
	ss_ghcb in;    /* the page as the guest left it; handlers read only this copy */
	ss_ghcb out;   /* the page written back */
	uint8_t *buf;  /* scratch area: in out.shared_buffer, or `heap` */
	uint64_t len;  /* its length */
	uint8_t *heap; /* a scratch area outside the GHCB page, copied in and (if `dirty`) back */
	uint64_t heap_gpa;
	bool dirty;
	ss_ghcb_result *res;
	ss_error *err;
} req;

static void why(req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void why(req *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->res->why, sizeof(r->res->why), fmt, ap);
	va_end(ap);
}

/* SW_EXITINFO1 = 2, SW_EXITINFO2 = reason (§7.2); the message names the field. Returns 1. */
static int refuse(req *r, unsigned reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int refuse(req *r, unsigned reason, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->out.sw_exit_info1 = SS_GHCB_RESULT_ERROR;
	r->out.sw_exit_info2 = reason;
	r->res->refused = true;
	why(r, "%s (SW_EXITINFO2 = %u, %s)", msg, reason, ss_ghcb_err_name(reason));
	return 1;
}

/* SW_EXITINFO1 = 1, SW_EXITINFO2 = an EVENTINJ exception (§7.2). Returns 1. */
static int inject(req *r, int dev_rc, const char *what)
{
	unsigned vec = dev_rc == SS_GHCB_DEV_UD ? SS_GHCB_VECTOR_UD : SS_GHCB_VECTOR_GP;
	r->out.sw_exit_info1 = SS_GHCB_RESULT_EXCEPTION;
	r->out.sw_exit_info2 = SS_GHCB_EVENT_EXCEPTION(vec, vec == SS_GHCB_VECTOR_GP, 0);
	r->res->refused = true;
	why(r, "%s: the device answered %s", what, vec == SS_GHCB_VECTOR_UD ? "#UD" : "#GP(0)");
	return 1;
}

/* A device callback's answer: 0 done, 1 (exception injected), or the negative failure. */
static int device(req *r, int rc, const char *what)
{
	if (rc == SS_GHCB_DEV_GP || rc == SS_GHCB_DEV_UD)
		return inject(r, rc, what);
	if (rc < 0)
		return ss_wrap(r->err, rc, "GHCB %s", what);
	if (rc != 0)
		return ss_fail(r->err, SS_EINVAL, "GHCB %s: the device callback returned %d", what,
			       rc);
	return 0;
}

#define OUT(r, field, value)                                                                       \
	do {                                                                                       \
		(r)->out.field = (value);                                                          \
		ss_ghcb_set_valid(&(r)->out, SS_GHCB_BIT(field));                                  \
	} while (0)

/* 1 (refused, MISSING_INPUT) unless the guest marked the field valid. */
#define NEED(r, field, exitname)                                                                   \
	do {                                                                                       \
		if (!ss_ghcb_valid(&(r)->in, SS_GHCB_BIT(field)))                                  \
			return refuse((r), SS_GHCB_ERR_MISSING_INPUT,                              \
				      "%s needs " #field " (valid bit %u) marked valid", exitname, \
				      SS_GHCB_BIT(field));                                         \
	} while (0)

/* The scratch area of len bytes at SW_SCRATCH (§5): inside the GHCB page it must lie in the
 * shared buffer; outside it must be at most scratch_limit bytes of guest memory not overlapping
 * the GHCB page, and is copied in here. Sets r->buf. Returns 0, 1 (refused) or < 0. */
static int scratch(req *r, uint64_t len, const char *exitname)
{
	NEED(r, sw_scratch, exitname);
	uint64_t s = r->in.sw_scratch;
	if (len == 0 || s + len < s)
		return refuse(r, SS_GHCB_ERR_INVALID_SCRATCH_AREA,
			      "%s: SW_SCRATCH 0x%llx + %llu bytes wraps", exitname,
			      (unsigned long long)s, (unsigned long long)len);
	uint64_t sb = r->gpa + SS_GHCB_SHARED_BUFFER_OFF;
	if (s >= r->gpa && s < r->gpa + SS_GHCB_SIZE) {
		if (s < sb || len > SS_GHCB_SHARED_BUFFER_SIZE ||
		    s - sb > SS_GHCB_SHARED_BUFFER_SIZE - len)
			return refuse(r, SS_GHCB_ERR_INVALID_SCRATCH_AREA,
				      "%s: SW_SCRATCH 0x%llx + %llu bytes is inside the GHCB page "
				      "but not inside its shared buffer (0x%llx, %u bytes)",
				      exitname, (unsigned long long)s, (unsigned long long)len,
				      (unsigned long long)sb, SS_GHCB_SHARED_BUFFER_SIZE);
		r->buf = r->out.shared_buffer + (s - sb);
		r->len = len;
		return 0;
	}
	if (len > r->v->scratch_limit)
		return refuse(r, SS_GHCB_ERR_INVALID_SCRATCH_AREA,
			      "%s: SW_SCRATCH area of %llu bytes outside the GHCB page exceeds the "
			      "limit of %llu",
			      exitname, (unsigned long long)len,
			      (unsigned long long)r->v->scratch_limit);
	if (s < r->gpa + SS_GHCB_SIZE && s + len > r->gpa)
		return refuse(r, SS_GHCB_ERR_INVALID_SCRATCH_AREA,
			      "%s: SW_SCRATCH 0x%llx + %llu bytes overlaps the GHCB page", exitname,
			      (unsigned long long)s, (unsigned long long)len);
	r->heap = malloc(len);
	if (!r->heap)
		return ss_fail(r->err, SS_ENOMEM, "GHCB %s: no memory for %llu scratch bytes",
			       exitname, (unsigned long long)len);
	ss_error e = {0};
	if (r->v->ops->read(r->v->ctx, s, r->heap, len, &e) < 0)
		return refuse(r, SS_GHCB_ERR_INVALID_SCRATCH_AREA,
			      "%s: SW_SCRATCH 0x%llx + %llu bytes is not guest memory: %s",
			      exitname, (unsigned long long)s, (unsigned long long)len, e.msg);
	r->heap_gpa = s;
	r->buf = r->heap;
	r->len = len;
	return 0;
}

static uint64_t get_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- exits ------------------------------------------------------------------------------------
 */

typedef int (*exit_fn)(req *r);

static int ex_cpuid(req *r)
{
	NEED(r, rax, "CPUID");
	NEED(r, rcx, "CPUID");
	uint32_t leaf = (uint32_t)r->in.rax, sub = (uint32_t)r->in.rcx;
	uint64_t xcr0 = 0, xss = 0;
	if (leaf == 0xD) {
		/* §5: XCR0 for leaf 0xD; protocol v2 also XSS for 0xD.1. */
		NEED(r, xcr0, "CPUID 0xD");
		xcr0 = r->in.xcr0;
		if (sub == 1 && r->in.protocol_version >= 2) {
			NEED(r, xss, "CPUID 0xD.1 (protocol v2)");
			xss = r->in.xss;
		}
	}
	if (!r->v->ops->cpuid)
		return refuse(r, SS_GHCB_ERR_INVALID_EVENT,
			      "CPUID: the platform has no CPUID model");
	uint32_t o[4] = {0};
	char what[48];
	snprintf(what, sizeof(what), "CPUID 0x%x.%u", leaf, sub);
	int rc = device(r, r->v->ops->cpuid(r->v->ctx, leaf, sub, xcr0, xss, o, r->err), what);
	if (rc)
		return rc;
	OUT(r, rax, o[0]);
	OUT(r, rbx, o[1]);
	OUT(r, rcx, o[2]);
	OUT(r, rdx, o[3]);
	return 0;
}

static int ex_ioio(req *r)
{
	uint64_t info = r->in.sw_exit_info1;
	/* §3.3: bit 1, bits 15:13 and everything above bit 31 are reserved. */
	if (info & ~0xFFFF1FFDull)
		return refuse(r, SS_GHCB_ERR_INVALID_INPUT,
			      "IOIO: SW_EXITINFO1 0x%llx sets reserved bits (1, 15:13 or 63:32)",
			      (unsigned long long)info);
	unsigned sz = (unsigned)(info >> 4) & 7;
	if (sz != 1 && sz != 2 && sz != 4)
		return refuse(r, SS_GHCB_ERR_INVALID_INPUT,
			      "IOIO: SW_EXITINFO1 0x%llx operand size bits 6:4 are not one-hot",
			      (unsigned long long)info);
	unsigned size = sz; /* 1, 2, 4 bytes: bit 4 = 8-bit, 5 = 16-bit, 6 = 32-bit */
	unsigned addr = (unsigned)(info >> 7) & 7;
	if (addr != 0 && addr != 1 && addr != 2 && addr != 4)
		return refuse(r, SS_GHCB_ERR_INVALID_INPUT,
			      "IOIO: SW_EXITINFO1 0x%llx address size bits 9:7 set more than one",
			      (unsigned long long)info);
	if (((info >> SS_IOIO_SEG_SHIFT) & 7) > 5)
		return refuse(r, SS_GHCB_ERR_INVALID_INPUT,
			      "IOIO: SW_EXITINFO1 0x%llx segment bits 12:10 name no segment",
			      (unsigned long long)info);
	uint16_t port = (uint16_t)(info >> SS_IOIO_PORT_SHIFT);
	bool in = info & SS_IOIO_TYPE_IN;
	uint32_t mask = size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
	char what[48];
	snprintf(what, sizeof(what), "%s port 0x%x", in ? "IN" : "OUT", port);

	if (!(info & SS_IOIO_STR)) {
		if (!in)
			NEED(r, rax, "IOIO OUT");
		if (!r->v->ops->io)
			return refuse(r, SS_GHCB_ERR_INVALID_EVENT,
				      "IOIO: the platform has no ports");
		uint32_t val = in ? 0 : (uint32_t)r->in.rax & mask;
		int rc = device(r, r->v->ops->io(r->v->ctx, port, size, in, &val, r->err), what);
		if (rc)
			return rc;
		if (in) {
			uint64_t old = ss_ghcb_valid(&r->in, SS_GHCB_BIT(rax)) ? r->in.rax : 0;
			OUT(r, rax, (old & ~(uint64_t)mask) | (val & mask));
		}
		return 0;
	}
	/* String I/O (§3.3): SW_EXITINFO2 = the element count, SW_SCRATCH = the buffer. */
	uint64_t count = r->in.sw_exit_info2;
	if (count == 0 || count > r->v->scratch_limit / size)
		return refuse(r, SS_GHCB_ERR_INVALID_INPUT,
			      "IOIO string: SW_EXITINFO2 count %llu is 0 or exceeds %llu bytes",
			      (unsigned long long)count, (unsigned long long)r->v->scratch_limit);
	if (!(info & SS_IOIO_REP) && count != 1)
		return refuse(r, SS_GHCB_ERR_INVALID_INPUT,
			      "IOIO string without REP: SW_EXITINFO2 count %llu is not 1",
			      (unsigned long long)count);
	int rc = scratch(r, count * size, in ? "INS" : "OUTS");
	if (rc)
		return rc;
	if (!r->v->ops->io)
		return refuse(r, SS_GHCB_ERR_INVALID_EVENT, "IOIO: the platform has no ports");
	for (uint64_t k = 0; k < count; k++) {
		uint32_t val = in ? 0 : (uint32_t)get_le(r->buf + k * size, size);
		rc = device(r, r->v->ops->io(r->v->ctx, port, size, in, &val, r->err), what);
		if (rc)
			return rc;
		if (in)
			put_le(r->buf + k * size, val, size);
	}
	r->dirty = in;
	return 0;
}

static int ex_msr(req *r)
{
	NEED(r, rcx, "MSR");
	uint64_t op = r->in.sw_exit_info1;
	if (op > 1)
		return refuse(r, SS_GHCB_ERR_INVALID_INPUT,
			      "MSR: SW_EXITINFO1 %llu is neither 0 (RDMSR) nor 1 (WRMSR)",
			      (unsigned long long)op);
	if (op) {
		NEED(r, rax, "WRMSR");
		NEED(r, rdx, "WRMSR");
	}
	if (!r->v->ops->msr)
		return refuse(r, SS_GHCB_ERR_INVALID_EVENT, "MSR: the platform has no MSR model");
	uint32_t index = (uint32_t)r->in.rcx;
	uint64_t val = op ? (r->in.rdx << 32) | (uint32_t)r->in.rax : 0;
	char what[40];
	snprintf(what, sizeof(what), "%s 0x%x", op ? "WRMSR" : "RDMSR", index);
	int rc = device(r, r->v->ops->msr(r->v->ctx, op == 1, index, &val, r->err), what);
	if (rc)
		return rc;
	if (!op) {
		OUT(r, rax, (uint32_t)val);
		OUT(r, rdx, val >> 32);
	}
	return 0;
}

static int ex_vmmcall(req *r)
{
	NEED(r, rax, "VMMCALL");
	NEED(r, cpl, "VMMCALL");
	if (!r->v->ops->vmmcall)
		return refuse(r, SS_GHCB_ERR_INVALID_EVENT,
			      "VMMCALL: the platform has no hypercalls");
	ss_ghcb_vmmcall c = {.cpl = r->in.cpl, .rax = r->in.rax};
#define OPT(f) c.f = ss_ghcb_valid(&r->in, SS_GHCB_BIT(f)) ? r->in.f : 0
	OPT(rbx);
	OPT(rcx);
	OPT(rdx);
	OPT(rsi);
#undef OPT
	int rc = device(r, r->v->ops->vmmcall(r->v->ctx, &c, r->err), "VMMCALL");
	if (rc)
		return rc;
	OUT(r, rax, c.rax);
	return 0;
}

static int tsc(req *r, bool p)
{
	if (!r->v->ops->rdtsc)
		return refuse(r, SS_GHCB_ERR_INVALID_EVENT, "%s: the platform has no TSC",
			      p ? "RDTSCP" : "RDTSC");
	uint64_t t = 0;
	uint32_t aux = 0;
	int rc = device(r, r->v->ops->rdtsc(r->v->ctx, &t, &aux, r->err), p ? "RDTSCP" : "RDTSC");
	if (rc)
		return rc;
	OUT(r, rax, (uint32_t)t);
	OUT(r, rdx, t >> 32);
	if (p)
		OUT(r, rcx, aux);
	return 0;
}
static int ex_rdtsc(req *r)
{
	return tsc(r, false);
}
static int ex_rdtscp(req *r)
{
	return tsc(r, true);
}

static int ex_hlt(req *r)
{
	int rc = r->v->ops->hlt ? device(r, r->v->ops->hlt(r->v->ctx, r->err), "HLT") : 0;
	if (rc == 0)
		r->res->action = SS_GHCB_HALT;
	return rc;
}

/* INVD / WBINVD: the emulated machine has no caches to flush; done, no outputs. */
static int ex_nop(req *r)
{
	return 0;
}

static int ex_read_dr7(req *r)
{
	OUT(r, rax, r->v->dr7);
	return 0;
}

static int ex_write_dr7(req *r)
{
	NEED(r, rax, "WRITE_DR7");
	/* DR7 bits 63:32 must be zero (§9.3's rule for DR7). */
	if (r->in.rax >> 32)
		return inject(r, SS_GHCB_DEV_GP, "WRITE_DR7 with bits 63:32 set");
	r->v->dr7 = r->in.rax;
	return 0;
}

static int mmio(req *r, bool write)
{
	const char *name = write ? "MMIO_WRITE" : "MMIO_READ";
	uint64_t gpa = r->in.sw_exit_info1, len = r->in.sw_exit_info2;
	if (len != 1 && len != 2 && len != 4 && len != 8)
		return refuse(r, SS_GHCB_ERR_INVALID_INPUT,
			      "%s: SW_EXITINFO2 length %llu is not 1, 2, 4 or 8", name,
			      (unsigned long long)len);
	int rc = scratch(r, len, name);
	if (rc)
		return rc;
	if (!r->v->ops->mmio)
		return refuse(r, SS_GHCB_ERR_INVALID_EVENT, "%s: the platform has no MMIO devices",
			      name);
	char what[48];
	snprintf(what, sizeof(what), "%s at 0x%llx", name, (unsigned long long)gpa);
	rc = device(r, r->v->ops->mmio(r->v->ctx, write, gpa, r->buf, (unsigned)len, r->err), what);
	if (rc)
		return rc;
	r->dirty = !write;
	return 0;
}
static int ex_mmio_read(req *r)
{
	return mmio(r, false);
}
static int ex_mmio_write(req *r)
{
	return mmio(r, true);
}

static int ex_hv_features(req *r)
{
	if (r->in.protocol_version < 2)
		return refuse(r, SS_GHCB_ERR_INVALID_EVENT,
			      "HV_FEATURES needs protocol version 2 (the GHCB says %u)",
			      r->in.protocol_version);
	r->out.sw_exit_info2 = r->v->hv_features;
	return 0;
}

static int terminate(req *r, unsigned set, unsigned code, int status, const char *how)
{
	r->res->action = SS_GHCB_TERMINATE;
	r->res->term_set = set;
	r->res->term_code = code;
	why(r, "%s: reason set %u code %u", how, set, code);
	return ss_fail(r->err, status, "%s", r->res->why);
}

static int ex_term(req *r)
{
	uint64_t i = r->in.sw_exit_info1;
	return terminate(r, (unsigned)(i & 0xF), (unsigned)((i >> 4) & 0xFF), SS_ESTATE,
			 "guest requested termination (TERM_REQUEST)");
}

static int ex_unsupported(req *r)
{
	r->res->action = SS_GHCB_TERMINATE;
	why(r,
	    "guest reported an event it cannot handle (UNSUPPORTED): exit code 0x%llx, info "
	    "0x%llx",
	    (unsigned long long)r->in.sw_exit_info1, (unsigned long long)r->in.sw_exit_info2);
	return ss_fail(r->err, SS_EUNSUPPORTED, "%s", r->res->why);
}

/* The exits softsev handles (§5, §7). SW_EXITCODE, SW_EXITINFO1 and SW_EXITINFO2 are required of
 * every exit; each handler checks its own inputs with NEED before reading them. */
static const struct {
	uint64_t code;
	exit_fn fn;
} exits[] = {
    {SS_GHCB_NAE_READ_DR7, ex_read_dr7},
    {SS_GHCB_NAE_WRITE_DR7, ex_write_dr7},
    {SS_GHCB_NAE_RDTSC, ex_rdtsc},
    {SS_GHCB_NAE_CPUID, ex_cpuid},
    {SS_GHCB_NAE_INVD, ex_nop},
    {SS_GHCB_NAE_HLT, ex_hlt},
    {SS_GHCB_NAE_IOIO, ex_ioio},
    {SS_GHCB_NAE_MSR, ex_msr},
    {SS_GHCB_NAE_VMMCALL, ex_vmmcall},
    {SS_GHCB_NAE_RDTSCP, ex_rdtscp},
    {SS_GHCB_NAE_WBINVD, ex_nop},
    {SS_GHCB_NAE_MMIO_READ, ex_mmio_read},
    {SS_GHCB_NAE_MMIO_WRITE, ex_mmio_write},
    {SS_GHCB_NAE_HV_FEATURES, ex_hv_features},
    {SS_GHCB_NAE_TERM_REQUEST, ex_term},
    {SS_GHCB_NAE_UNSUPPORTED, ex_unsupported},
};

static int page_protocol(ss_ghcb_vcpu *v, uint64_t gpa, ss_ghcb_result *res, ss_error *err)
{
	req *r = calloc(1, sizeof(*r));
	if (!r)
		return ss_fail(err, SS_ENOMEM, "GHCB: out of memory");
	r->v = v;
	r->gpa = gpa;
	r->res = res;
	r->err = err;
	int rc = v->ops->read(v->ctx, gpa, &r->in, sizeof(r->in), err);
	if (rc < 0) {
		res->action = SS_GHCB_TERMINATE;
		why(r, "the GHCB at GPA 0x%llx cannot be read", (unsigned long long)gpa);
		rc = ss_wrap(err, rc, "%s", res->why);
		goto done;
	}
	res->request = r->in.sw_exit_code;
	/* The hypervisor clears the bitmap and sets the bits of what it returns (§5). */
	r->out = r->in;
	memset(r->out.valid_bitmap, 0, sizeof(r->out.valid_bitmap));
	r->out.sw_exit_info1 = 0;
	r->out.sw_exit_info2 = 0;

	if (v->snp && gpa != v->registered_gpa) {
		rc = refuse(r, SS_GHCB_ERR_NOT_REGISTERED,
			    "SNP guest used the GHCB at GPA 0x%llx, which it has not registered",
			    (unsigned long long)gpa);
	} else if (r->in.ghcb_usage != SS_GHCB_USAGE_STANDARD) {
		rc = refuse(r, SS_GHCB_ERR_INVALID_USAGE, "GHCB_USAGE (0xFFC) is %u, not 0",
			    r->in.ghcb_usage);
	} else if (r->in.protocol_version < v->version_min ||
		   r->in.protocol_version > v->version_max) {
		/* The guest uses a version the hypervisor did not offer in SEV_INFO: nothing in the
		 * page can be trusted to mean what this handler reads; the guest ends as if it had
		 * asked with reason set 0 code 1, protocol range unsupported (§6). */
		res->action = SS_GHCB_TERMINATE;
		res->term_set = SS_GHCB_TERM_SET_GENERAL;
		res->term_code = SS_GHCB_TERM_PROTOCOL_RANGE;
		why(r, "GHCB PROTOCOL_VERSION (0xFFA) %u is outside the advertised range %u..%u",
		    r->in.protocol_version, v->version_min, v->version_max);
		rc = ss_fail(err, SS_EINVAL, "%s", res->why);
		goto done;
	} else if (!ss_ghcb_valid(&r->in, SS_GHCB_BIT(sw_exit_code))) {
		rc = refuse(r, SS_GHCB_ERR_MISSING_INPUT, "SW_EXITCODE (valid bit 114) not valid");
	} else if (!ss_ghcb_valid(&r->in, SS_GHCB_BIT(sw_exit_info1))) {
		rc = refuse(r, SS_GHCB_ERR_MISSING_INPUT, "SW_EXITINFO1 (valid bit 115) not valid");
	} else if (!ss_ghcb_valid(&r->in, SS_GHCB_BIT(sw_exit_info2))) {
		rc = refuse(r, SS_GHCB_ERR_MISSING_INPUT, "SW_EXITINFO2 (valid bit 116) not valid");
	} else {
		exit_fn fn = NULL;
		for (size_t k = 0; k < sizeof(exits) / sizeof(exits[0]); k++)
			if (exits[k].code == r->in.sw_exit_code)
				fn = exits[k].fn;
		if (fn)
			rc = fn(r);
		else
			rc = refuse(r, SS_GHCB_ERR_INVALID_EVENT,
				    "SW_EXITCODE 0x%llx (%s) is not an exit softsev handles",
				    (unsigned long long)r->in.sw_exit_code,
				    nae_name(r->in.sw_exit_code));
	}
	if (rc < 0)
		goto done;
	if (rc == 0 && r->heap && r->dirty) {
		rc = v->ops->write(v->ctx, r->heap_gpa, r->heap, r->len, err);
		if (rc < 0) {
			rc = ss_wrap(err, rc, "GHCB: writing the scratch area back at 0x%llx",
				     (unsigned long long)r->heap_gpa);
			goto done;
		}
	}
	ss_ghcb_set_valid(&r->out, SS_GHCB_BIT(sw_exit_info1));
	ss_ghcb_set_valid(&r->out, SS_GHCB_BIT(sw_exit_info2));
	res->exit_info1 = r->out.sw_exit_info1;
	res->exit_info2 = r->out.sw_exit_info2;
	rc = v->ops->write(v->ctx, gpa, &r->out, sizeof(r->out), err);
	if (rc < 0) {
		res->action = SS_GHCB_TERMINATE;
		rc = ss_wrap(err, rc, "GHCB: writing the page back at GPA 0x%llx",
			     (unsigned long long)gpa);
		goto done;
	}
	rc = 0;
done:
	free(r->heap);
	free(r);
	return rc;
}

/* ---- MSR protocol (§6) ------------------------------------------------------------------------
 */

static int msr_term(ss_ghcb_result *res, ss_error *err, int status, unsigned set, unsigned code,
		    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static int msr_term(ss_ghcb_result *res, ss_error *err, int status, unsigned set, unsigned code,
		    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(res->why, sizeof(res->why), fmt, ap);
	va_end(ap);
	res->action = SS_GHCB_TERMINATE;
	res->term_set = set;
	res->term_code = code;
	return ss_fail(err, status, "%s", res->why);
}

static int msr_protocol(ss_ghcb_vcpu *v, uint64_t msr, ss_ghcb_result *res, ss_error *err)
{
	unsigned code = SS_GHCB_MSR_INFO(msr);
	const char *name = ss_ghcb_msr_name(code);
	res->msr_protocol = true;
	res->request = code;
	switch (code) {
	case SS_GHCB_MSR_SEV_INFO_REQ:
		res->msr = SS_GHCB_MSR_SEV_INFO(v->version_max, v->version_min, v->cbit);
		return 0;
	case SS_GHCB_MSR_CPUID_REQ: {
		if (msr & SS_GHCB_MSR_CPUID_RESERVED_MASK)
			return msr_term(res, err, SS_EINVAL, 0, 0,
					"GHCB MSR CPUID request 0x%llx sets reserved bits 29:12",
					(unsigned long long)msr);
		if (!v->ops->cpuid)
			return msr_term(res, err, SS_EUNSUPPORTED, 0, 0,
					"GHCB MSR CPUID request: the platform has no CPUID model");
		uint32_t fn = SS_GHCB_MSR_CPUID_FN(msr), o[4] = {0};
		unsigned reg = SS_GHCB_MSR_CPUID_REG(msr);
		/* §6: the sub-leaf is implicitly 0; XCR0 is the reset value (x87 only). */
		int rc = v->ops->cpuid(v->ctx, fn, 0, 1, 0, o, err);
		if (rc < 0)
			return ss_wrap(err, rc, "GHCB MSR CPUID request 0x%x", fn);
		if (rc != 0)
			return msr_term(res, err, SS_EINVAL, 0, 0,
					"GHCB MSR CPUID request 0x%x: the device answered %d", fn,
					rc);
		res->msr = SS_GHCB_MSR_CPUID(SS_GHCB_MSR_CPUID_RESP, o[reg], reg);
		return 0;
	}
	case SS_GHCB_MSR_HV_FEATURES_REQ:
		if (v->version_max < 2)
			return msr_term(res, err, SS_EUNSUPPORTED, 0, 0,
					"GHCB MSR HV_FEATURES_REQ needs protocol version 2");
		res->msr = SS_GHCB_MSR_GFN(SS_GHCB_MSR_HV_FEATURES_RESP, v->hv_features);
		return 0;
	case SS_GHCB_MSR_PREF_GPA_REQ:
	case SS_GHCB_MSR_REG_GPA_REQ:
		if (!v->snp)
			return msr_term(res, err, SS_EUNSUPPORTED, 0, 0,
					"GHCB MSR %s (0x%03x) is for SEV-SNP guests only", name,
					code);
		if (code == SS_GHCB_MSR_PREF_GPA_REQ) {
			res->msr = SS_GHCB_MSR_GFN(SS_GHCB_MSR_PREF_GPA_RESP, SS_GHCB_MSR_GFN_NONE);
			return 0;
		}
		{
			uint64_t gfn = SS_GHCB_MSR_DATA(msr), gpa = gfn << 12;
			uint8_t probe;
			ss_error e = {0};
			/* A GFN that is not guest memory is answered with all ones (§6), and the
			 * guest terminates itself. */
			if (gfn == SS_GHCB_MSR_GFN_NONE ||
			    v->ops->read(v->ctx, gpa, &probe, 1, &e) < 0) {
				res->msr =
				    SS_GHCB_MSR_GFN(SS_GHCB_MSR_REG_GPA_RESP, SS_GHCB_MSR_GFN_NONE);
				res->refused = true;
				snprintf(res->why, sizeof(res->why),
					 "REG_GPA_REQ: GFN 0x%llx is not guest memory",
					 (unsigned long long)gfn);
				return 0;
			}
			v->registered_gpa = gpa;
			res->msr = SS_GHCB_MSR_GFN(SS_GHCB_MSR_REG_GPA_RESP, gfn);
			return 0;
		}
	case SS_GHCB_MSR_TERM_REQ:
		return msr_term(res, err, SS_ESTATE, SS_GHCB_MSR_TERM_SET(msr),
				SS_GHCB_MSR_TERM_CODE(msr),
				"guest requested termination (GHCB MSR TERM_REQ): reason set %u "
				"code %u",
				SS_GHCB_MSR_TERM_SET(msr), SS_GHCB_MSR_TERM_CODE(msr));
	case SS_GHCB_MSR_AP_JUMP_TABLE:
	case SS_GHCB_MSR_AP_RESET_HOLD_REQ:
	case SS_GHCB_MSR_PSC_REQ:
	case SS_GHCB_MSR_RUN_VMPL_REQ:
		return msr_term(
		    res, err, SS_ENOTIMPL, 0, 0,
		    "GHCB MSR protocol request %s (0x%03x) is not implemented by softsev", name,
		    code);
	default:
		return msr_term(res, err, SS_EINVAL, 0, 0,
				"GHCB MSR value 0x%llx: code 0x%03x (%s) is not a request",
				(unsigned long long)msr, code, name ? name : "unknown");
	}
}

int ss_ghcb_handle(ss_ghcb_vcpu *v, uint64_t msr, ss_ghcb_result *res, ss_error *err)
{
	memset(res, 0, sizeof(*res));
	res->msr = msr;
	if (!v || !v->ops || !v->ops->read || !v->ops->write)
		return ss_fail(err, SS_EINVAL, "GHCB: the vCPU has no guest-memory ops");
	v->count++;
	if (SS_GHCB_MSR_INFO(msr))
		return msr_protocol(v, msr, res, err);
	if (msr == 0) {
		res->action = SS_GHCB_TERMINATE;
		snprintf(res->why, sizeof(res->why),
			 "VMGEXIT with a GHCB MSR of 0: the guest has not set its GHCB");
		return ss_fail(err, SS_EINVAL, "%s", res->why);
	}
	return page_protocol(v, msr, res, err);
}
