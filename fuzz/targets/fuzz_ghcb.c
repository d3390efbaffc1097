/* A hostile SEV-ES/SNP guest against the hypervisor's GHCB handler (include/softsev/ghcb.h,
 * cpu-svm-sev.md §5-§7). Input layout (short inputs are zero-padded):
 *   byte 0      flags: bit 0 SNP vCPU, bit 1 GHCB registered, bit 2 use the MSR value below
 *               instead of the GHCB's GPA, bit 3 devices present, bit 4 a narrow version range
 * (2..2) byte 1      device answers: bits 1:0 for every callback (0 done, 1 #GP, 2 #UD, 3 SS_EIO)
 *   bytes 2-9   the GHCB MSR value (used when flag bit 2 is set; else 0x3000, the GHCB page)
 *   bytes 10-   the GHCB page (4096 bytes), then up to 4 KiB of the area at 0x10000
 * Two VMGEXITs are made with the same state (a registration then a request is a common path).
 * After each the harness checks what the contract promises:
 *  - the return is 0 or a negative SS_E* code with a message, and a termination says so;
 *  - guest memory outside the GHCB page the MSR names and the scratch area at SW_SCRATCH is
 *    unchanged;
 *  - on a handled page request: SW_EXITINFO1 is 0, 1 or 2, a refusal carries a named reason
 *    1..6 and res->refused, the valid bitmap holds only outputs (RAX, RBX, RCX, RDX and
 *    SW_EXITINFO1/2), and GHCB_USAGE and PROTOCOL_VERSION are what the guest wrote.
 * Any violation aborts. */
#include <softsev/abi/ghcb.h>
#include <softsev/ghcb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MEM	(256u << 10)
#define GHCB	0x3000ull
#define OUTSIDE 0x10000ull

static uint8_t mem[MEM], before[MEM];
static unsigned answer;

#define FAILIF(cond)                                                                               \
	do {                                                                                       \
		if (cond) {                                                                        \
			fprintf(stderr, "fuzz_ghcb: invariant broken at %s:%d: %s\n", __FILE__,    \
				__LINE__, #cond);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static int rd(void *ctx, uint64_t gpa, void *buf, size_t len, ss_error *err)
{
	if (gpa >= MEM || len > MEM - gpa)
		return ss_fail(err, SS_ERANGE, "GPA 0x%llx is not guest memory",
			       (unsigned long long)gpa);
	memcpy(buf, mem + gpa, len);
	return 0;
}
static int wr(void *ctx, uint64_t gpa, const void *buf, size_t len, ss_error *err)
{
	if (gpa >= MEM || len > MEM - gpa)
		return ss_fail(err, SS_ERANGE, "GPA 0x%llx is not guest memory",
			       (unsigned long long)gpa);
	memcpy(mem + gpa, buf, len);
	return 0;
}
static int dev(ss_error *err)
{
	if (answer == 3)
		return ss_fail(err, SS_EIO, "device failed");
	return (int)answer; /* 0, SS_GHCB_DEV_GP, SS_GHCB_DEV_UD */
}
static int io(void *ctx, uint16_t port, unsigned size, bool in, uint32_t *val, ss_error *err)
{
	FAILIF(size != 1 && size != 2 && size != 4);
	if (in)
		*val = port * 3u;
	return dev(err);
}
static int cpuid(void *ctx, uint32_t leaf, uint32_t sub, uint64_t xcr0, uint64_t xss,
		 uint32_t out[4], ss_error *err)
{
	for (unsigned i = 0; i < 4; i++)
		out[i] = leaf ^ sub ^ i;
	return dev(err);
}
static int msr(void *ctx, bool write, uint32_t index, uint64_t *val, ss_error *err)
{
	if (!write)
		*val = index;
	return dev(err);
}
static int vmmcall(void *ctx, ss_ghcb_vmmcall *c, ss_error *err)
{
	c->rax ^= c->rbx;
	return dev(err);
}
static int hlt(void *ctx, ss_error *err)
{
	return dev(err);
}
static int rdtsc(void *ctx, uint64_t *tsc, uint32_t *aux, ss_error *err)
{
	*tsc = 1234;
	*aux = 1;
	return dev(err);
}
static int mmio(void *ctx, bool write, uint64_t gpa, void *buf, unsigned len, ss_error *err)
{
	FAILIF(len != 1 && len != 2 && len != 4 && len != 8);
	if (!write)
		memset(buf, 0xA5, len);
	return dev(err);
}

static const ss_ghcb_ops with_devices = {rd, wr, io, cpuid, msr, vmmcall, hlt, rdtsc, mmio};
static const ss_ghcb_ops without = {.read = rd, .write = wr};

static bool known_status(int rc)
{
	return rc == 0 || (rc <= SS_EINVAL && rc >= SS_EUNSUPPORTED);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t head[10] = {0};
	memcpy(head, data, size < 10 ? size : 10);
	memset(mem, 0, sizeof(mem));
	if (size > 10) {
		size_t n = size - 10 < SS_GHCB_SIZE ? size - 10 : SS_GHCB_SIZE;
		memcpy(mem + GHCB, data + 10, n);
		if (size > 10 + SS_GHCB_SIZE) {
			size_t m = size - 10 - SS_GHCB_SIZE;
			memcpy(mem + OUTSIDE, data + 10 + SS_GHCB_SIZE, m < 4096 ? m : 4096);
		}
	}
	unsigned flags = head[0];
	answer = head[1] & 3;
	uint64_t value = 0;
	for (unsigned i = 0; i < 8; i++)
		value |= (uint64_t)head[2 + i] << (8 * i);
	uint64_t msrv = (flags & 4) ? value : GHCB;

	ss_ghcb_vcpu v;
	ss_ghcb_vcpu_init(&v, (flags & 8) ? &with_devices : &without, NULL, flags & 1, 51);
	if (flags & 2)
		v.registered_gpa = GHCB;
	if (flags & 16)
		v.version_min = 2;

	for (int round = 0; round < 2; round++) {
		memcpy(before, mem, sizeof(mem));
		/* The page the MSR names (when it is guest memory: else nothing may change). */
		uint64_t page = SS_GHCB_MSR_INFO(msrv) || msrv > MEM - SS_GHCB_SIZE ? GHCB : msrv;
		const ss_ghcb *g = (const ss_ghcb *)(mem + page);
		uint64_t scratch = g->sw_scratch;
		uint16_t version = g->protocol_version;
		uint32_t usage = g->ghcb_usage;
		ss_ghcb_result res;
		ss_error err = {0};
		int rc = ss_ghcb_handle(&v, msrv, &res, &err);
		FAILIF(!known_status(rc));
		if (rc < 0)
			FAILIF(err.msg[0] == 0);
		if (res.action == SS_GHCB_TERMINATE)
			FAILIF(rc == 0 || res.why[0] == 0);
		/* Only the GHCB page and the scratch area may change. */
		for (uint64_t a = 0; a < MEM; a += 64) {
			if (!memcmp(mem + a, before + a, 64))
				continue;
			bool in_ghcb = a >= page && a < page + SS_GHCB_SIZE;
			bool in_scratch = a + 64 > scratch && a < scratch + v.scratch_limit;
			FAILIF(!in_ghcb && !in_scratch);
		}
		if (rc == 0 && !res.msr_protocol && msrv == page) {
			FAILIF(g->ghcb_usage != usage || g->protocol_version != version);
			FAILIF(g->sw_exit_info1 > 2);
			FAILIF((g->sw_exit_info1 != 0) != res.refused);
			if (g->sw_exit_info1 == SS_GHCB_RESULT_ERROR)
				FAILIF(!ss_ghcb_err_name(g->sw_exit_info2) || res.why[0] == 0);
			for (unsigned bit = 0; bit < 128; bit++) {
				bool out = bit == SS_GHCB_BIT(rax) || bit == SS_GHCB_BIT(rbx) ||
					   bit == SS_GHCB_BIT(rcx) || bit == SS_GHCB_BIT(rdx) ||
					   bit == SS_GHCB_BIT(sw_exit_info1) ||
					   bit == SS_GHCB_BIT(sw_exit_info2);
				FAILIF(ss_ghcb_valid(g, bit) && !out);
			}
			FAILIF(!ss_ghcb_valid(g, SS_GHCB_BIT(sw_exit_info1)));
		}
		if (rc == 0 && res.msr_protocol)
			FAILIF(res.msr == msrv && !res.refused);
		/* The second round: the guest leaves the same request marked valid again. */
		if (rc == 0 && !res.msr_protocol && size > 10) {
			size_t n = size - 10 < SS_GHCB_SIZE ? size - 10 : SS_GHCB_SIZE;
			memcpy(mem + GHCB, data + 10, n);
		}
	}
	return 0;
}
