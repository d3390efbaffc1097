/* SSE and SSE2 (APM vol. 1 §4, vol. 4 instruction pages): moves, packed integer, bitwise,
 * shuffles and unpacks computed here; floating point (arithmetic, compares, conversions) computed
 * by the host's own SSE unit under the guest's MXCSR (rounding, DAZ, FTZ) with every exception
 * masked, after which the guest's masks decide: flags only, or #XM (CR4.OSXMMEXCPT = 1) / #UD
 * (APM vol. 1 §4.10.5) with the destination unchanged. */
#include "cpu/core.h"
#include "cpu/ops.h"

#if !defined(__x86_64__)
#error "src/cpu/sse.c computes SSE floating point with the host's SSE unit: x86-64 hosts only"
#endif
#include <immintrin.h>

#define MX_IE 0x01u
#define MX_DE 0x02u
#define MX_ZE 0x04u
#define MX_OE 0x08u
#define MX_UE 0x10u
#define MX_PE 0x20u

static inline ss_cpu_xmm *xr(ss_cpu *c, unsigned r)
{
	return &c->r.fpu.xmm[r & 15];
}

/* The xmm/mem source: the r/m register, or n bytes of memory zero-extended (16 bytes: #GP(0)
 * unless 16-byte aligned when align is set; APM vol. 1 §4.4.4). */
static ss_cpu_xmm src_rm(ss_cpu *c, const ss_insn *i, unsigned n, int align)
{
	if (i->mod3)
		return *xr(c, i->rm);
	ss_cpu_xmm v = {.q = {0, 0}};
	uint64_t lin = mem_lin_n(c, i, n, 0);
	if (align && (lin & 15))
		RAISE_GP0(c);
	if (n <= 8) {
		v.q[0] = lin_read(c, lin, n);
	} else {
		uint8_t *h = tlb_host(c, lin, 16, 0);
		if (h)
			memcpy(&v, h, 16);
		else
			ss_lin_read_buf(c, lin, &v, 16, SS_CPU_ACC_READ);
	}
	return v;
}

static void mem_store(ss_cpu *c, const ss_insn *i, const void *p, unsigned n, int align)
{
	uint64_t lin = mem_lin_n(c, i, n, 1);
	if (align && (lin & 15))
		RAISE_GP0(c);
	if (n <= 8) {
		uint64_t q = 0;
		memcpy(&q, p, n);
		lin_write(c, lin, n, q);
	} else {
		uint8_t *h = tlb_host(c, lin, 16, 1);
		if (h)
			memcpy(h, p, 16);
		else
			ss_lin_write_buf(c, lin, p, 16);
	}
}

void ss_op_sse_mov(ss_cpu *c, const ss_insn *i)
{
	ss_sse_avail(c);
	ss_cpu_xmm *d = xr(c, i->reg);
	switch (i->aux) {
	case SMOV_A128: *d = src_rm(c, i, 16, 1); break;
	case SMOV_U128: *d = src_rm(c, i, 16, 0); break;
	case SMOV_SS:
		if (i->mod3)
			d->d[0] = xr(c, i->rm)->d[0];
		else
			*d = src_rm(c, i, 4, 0);
		break;
	case SMOV_SD:
		if (i->mod3)
			d->q[0] = xr(c, i->rm)->q[0];
		else
			*d = src_rm(c, i, 8, 0);
		break;
	case SMOV_Q: {
		uint64_t v = src_rm(c, i, 8, 0).q[0];
		d->q[0] = v;
		d->q[1] = 0;
		break;
	}
	case SMOV_LO: d->q[0] = src_rm(c, i, 8, 0).q[0]; break;
	case SMOV_HI: d->q[1] = src_rm(c, i, 8, 0).q[0]; break;
	case SMOV_HL: d->q[0] = xr(c, i->rm)->q[1]; break;
	default: d->q[1] = xr(c, i->rm)->q[0]; break; /* SMOV_LH */
	}
}

void ss_op_sse_store(ss_cpu *c, const ss_insn *i)
{
	ss_sse_avail(c);
	ss_cpu_xmm s = *xr(c, i->reg);
	if (i->mod3) {
		ss_cpu_xmm *d = xr(c, i->rm);
		switch (i->aux) {
		case SMOV_SS: d->d[0] = s.d[0]; break;
		case SMOV_SD: d->q[0] = s.q[0]; break;
		case SMOV_Q:
			d->q[0] = s.q[0];
			d->q[1] = 0;
			break;
		default: *d = s; break;
		}
		return;
	}
	switch (i->aux) {
	case SMOV_A128: mem_store(c, i, &s, 16, 1); break;
	case SMOV_U128: mem_store(c, i, &s, 16, 0); break;
	case SMOV_SS: mem_store(c, i, &s, 4, 0); break;
	case SMOV_HI: mem_store(c, i, &s.q[1], 8, 0); break;
	default: mem_store(c, i, &s, 8, 0); break; /* SD, Q, LO */
	}
}

/* MOVD / MOVQ between an XMM register and a GPR or memory (66 [REX.W] 0F 6E / 7E). */
void ss_op_sse_movd(ss_cpu *c, const ss_insn *i)
{
	ss_sse_avail(c);
	unsigned sz = i->osz == 3 ? 3 : 2;
	ss_cpu_xmm *x = xr(c, i->reg);
	if (i->aux == 0) {
		uint64_t v = rm_get(c, i, sz);
		x->q[0] = v;
		x->q[1] = 0;
	} else {
		rm_set(c, i, sz, sz == 3 ? x->q[0] : x->d[0]);
	}
}

/* PMOVMSKB (aux 0), MOVMSKPS (1), MOVMSKPD (2): sign bits into a GPR, zero-extended. */
void ss_op_sse_movmsk(ss_cpu *c, const ss_insn *i)
{
	ss_sse_avail(c);
	const ss_cpu_xmm *s = xr(c, i->rm);
	uint64_t m = 0;
	if (i->aux == 0) {
		for (unsigned k = 0; k < 16; k++)
			m |= (uint64_t)(s->b[k] >> 7) << k;
	} else if (i->aux == 1) {
		for (unsigned k = 0; k < 4; k++)
			m |= (uint64_t)(s->d[k] >> 31) << k;
	} else {
		m = (s->q[0] >> 63) | ((s->q[1] >> 63) << 1);
	}
	c->r.gpr[i->reg] = m;
}

void ss_op_sse_pshuf(ss_cpu *c, const ss_insn *i)
{
	ss_sse_avail(c);
	ss_cpu_xmm s = src_rm(c, i, 16, 1), r = s;
	unsigned imm = (unsigned)i->imm & 0xff;
	for (unsigned k = 0; k < 4; k++) {
		unsigned sel = (imm >> (2 * k)) & 3;
		if (i->aux == 0)
			r.d[k] = s.d[sel];
		else if (i->aux == 1)
			r.w[4 + k] = s.w[4 + sel];
		else
			r.w[k] = s.w[sel];
	}
	*xr(c, i->reg) = r;
}

void ss_op_sse_shufp(ss_cpu *c, const ss_insn *i)
{
	ss_sse_avail(c);
	ss_cpu_xmm s = src_rm(c, i, 16, 1), d = *xr(c, i->reg), r;
	unsigned imm = (unsigned)i->imm & 0xff;
	if (i->aux == 0) {
		r.d[0] = d.d[imm & 3];
		r.d[1] = d.d[(imm >> 2) & 3];
		r.d[2] = s.d[(imm >> 4) & 3];
		r.d[3] = s.d[(imm >> 6) & 3];
	} else {
		r.q[0] = d.q[imm & 1];
		r.q[1] = s.q[(imm >> 1) & 1];
	}
	*xr(c, i->reg) = r;
}

void ss_op_sse_pinsrw(ss_cpu *c, const ss_insn *i)
{
	ss_sse_avail(c);
	uint16_t v = (uint16_t)(i->mod3 ? c->r.gpr[i->rm] : lin_read(c, mem_lin_n(c, i, 2, 0), 2));
	xr(c, i->reg)->w[i->imm & 7] = v;
}

void ss_op_sse_pextrw(ss_cpu *c, const ss_insn *i)
{
	ss_sse_avail(c);
	c->r.gpr[i->reg] = xr(c, i->rm)->w[i->imm & 7];
}

void ss_op_sse_unimpl(ss_cpu *c, const ss_insn *i)
{
	(void)i;
	ss_sse_avail(c);
	ss_unsupported(c, "RCPPS/RCPSS/RSQRTPS/RSQRTSS (approximations) are not implemented");
}

/* ---- packed integer ---- */

static inline int16_t sat16(int32_t v)
{
	return (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
}
static inline int8_t sat8(int32_t v)
{
	return (int8_t)(v > 127 ? 127 : v < -128 ? -128 : v);
}
static inline uint8_t usat8(int32_t v)
{
	return (uint8_t)(v > 255 ? 255 : v < 0 ? 0 : v);
}
static inline uint16_t usat16(int32_t v)
{
	return (uint16_t)(v > 65535 ? 65535 : v < 0 ? 0 : v);
}

/* Interleaves the low (hi = 0) or high halves of d and s in elements of e bytes. */
static ss_cpu_xmm unpack(const ss_cpu_xmm *d, const ss_cpu_xmm *s, unsigned e, unsigned hi)
{
	ss_cpu_xmm r;
	unsigned n = 8 / e;
	for (unsigned k = 0; k < n; k++) {
		memcpy(r.b + 2 * k * e, d->b + (hi * 8) + k * e, e);
		memcpy(r.b + (2 * k + 1) * e, s->b + (hi * 8) + k * e, e);
	}
	return r;
}

/* Shift of every element of 2^e bytes by count (logical right, arithmetic right, left). */
static ss_cpu_xmm pshift(ss_cpu_xmm d, unsigned op, uint64_t count)
{
	ss_cpu_xmm r = d;
	switch (op) {
	case PI_PSRLW:
	case PI_PSLLW:
	case PI_PSRAW:
		for (unsigned k = 0; k < 8; k++) {
			if (op == PI_PSRAW)
				r.w[k] = (uint16_t)((int16_t)d.w[k] >> (count > 15 ? 15 : count));
			else if (count > 15)
				r.w[k] = 0;
			else
				r.w[k] =
				    (uint16_t)(op == PI_PSRLW ? d.w[k] >> count : d.w[k] << count);
		}
		break;
	case PI_PSRLD:
	case PI_PSLLD:
	case PI_PSRAD:
		for (unsigned k = 0; k < 4; k++) {
			if (op == PI_PSRAD)
				r.d[k] = (uint32_t)((int32_t)d.d[k] >> (count > 31 ? 31 : count));
			else if (count > 31)
				r.d[k] = 0;
			else
				r.d[k] = op == PI_PSRLD ? d.d[k] >> count : d.d[k] << count;
		}
		break;
	case PI_PSRLQ:
	case PI_PSLLQ:
		for (unsigned k = 0; k < 2; k++)
			r.q[k] = count > 63	  ? 0
				 : op == PI_PSRLQ ? d.q[k] >> count
						  : d.q[k] << count;
		break;
	case PI_PSRLDQ:
	case PI_PSLLDQ: {
		unsigned n = count > 16 ? 16 : (unsigned)count;
		memset(&r, 0, sizeof(r));
		if (op == PI_PSRLDQ)
			memcpy(r.b, d.b + n, 16 - n);
		else
			memcpy(r.b + n, d.b, 16 - n);
		break;
	}
	default: break;
	}
	return r;
}

static ss_cpu_xmm pint(unsigned op, ss_cpu_xmm d, ss_cpu_xmm s)
{
	ss_cpu_xmm r = d;
	unsigned k;
	switch (op) {
	case PI_PADDB:
		for (k = 0; k < 16; k++)
			r.b[k] = (uint8_t)(d.b[k] + s.b[k]);
		break;
	case PI_PADDW:
		for (k = 0; k < 8; k++)
			r.w[k] = (uint16_t)(d.w[k] + s.w[k]);
		break;
	case PI_PADDD:
		for (k = 0; k < 4; k++)
			r.d[k] = d.d[k] + s.d[k];
		break;
	case PI_PADDQ:
		for (k = 0; k < 2; k++)
			r.q[k] = d.q[k] + s.q[k];
		break;
	case PI_PSUBB:
		for (k = 0; k < 16; k++)
			r.b[k] = (uint8_t)(d.b[k] - s.b[k]);
		break;
	case PI_PSUBW:
		for (k = 0; k < 8; k++)
			r.w[k] = (uint16_t)(d.w[k] - s.w[k]);
		break;
	case PI_PSUBD:
		for (k = 0; k < 4; k++)
			r.d[k] = d.d[k] - s.d[k];
		break;
	case PI_PSUBQ:
		for (k = 0; k < 2; k++)
			r.q[k] = d.q[k] - s.q[k];
		break;
	case PI_PADDSB:
		for (k = 0; k < 16; k++)
			r.b[k] = (uint8_t)sat8((int8_t)d.b[k] + (int8_t)s.b[k]);
		break;
	case PI_PADDSW:
		for (k = 0; k < 8; k++)
			r.w[k] = (uint16_t)sat16((int16_t)d.w[k] + (int16_t)s.w[k]);
		break;
	case PI_PADDUSB:
		for (k = 0; k < 16; k++)
			r.b[k] = usat8(d.b[k] + s.b[k]);
		break;
	case PI_PADDUSW:
		for (k = 0; k < 8; k++)
			r.w[k] = usat16(d.w[k] + s.w[k]);
		break;
	case PI_PSUBSB:
		for (k = 0; k < 16; k++)
			r.b[k] = (uint8_t)sat8((int8_t)d.b[k] - (int8_t)s.b[k]);
		break;
	case PI_PSUBSW:
		for (k = 0; k < 8; k++)
			r.w[k] = (uint16_t)sat16((int16_t)d.w[k] - (int16_t)s.w[k]);
		break;
	case PI_PSUBUSB:
		for (k = 0; k < 16; k++)
			r.b[k] = usat8(d.b[k] - s.b[k]);
		break;
	case PI_PSUBUSW:
		for (k = 0; k < 8; k++)
			r.w[k] = usat16(d.w[k] - s.w[k]);
		break;
	case PI_PCMPEQB:
		for (k = 0; k < 16; k++)
			r.b[k] = d.b[k] == s.b[k] ? 0xff : 0;
		break;
	case PI_PCMPEQW:
		for (k = 0; k < 8; k++)
			r.w[k] = d.w[k] == s.w[k] ? 0xffff : 0;
		break;
	case PI_PCMPEQD:
		for (k = 0; k < 4; k++)
			r.d[k] = d.d[k] == s.d[k] ? ~0u : 0;
		break;
	case PI_PCMPGTB:
		for (k = 0; k < 16; k++)
			r.b[k] = (int8_t)d.b[k] > (int8_t)s.b[k] ? 0xff : 0;
		break;
	case PI_PCMPGTW:
		for (k = 0; k < 8; k++)
			r.w[k] = (int16_t)d.w[k] > (int16_t)s.w[k] ? 0xffff : 0;
		break;
	case PI_PCMPGTD:
		for (k = 0; k < 4; k++)
			r.d[k] = (int32_t)d.d[k] > (int32_t)s.d[k] ? ~0u : 0;
		break;
	case PI_PAND:
		for (k = 0; k < 2; k++)
			r.q[k] = d.q[k] & s.q[k];
		break;
	case PI_PANDN:
		for (k = 0; k < 2; k++)
			r.q[k] = ~d.q[k] & s.q[k];
		break;
	case PI_POR:
		for (k = 0; k < 2; k++)
			r.q[k] = d.q[k] | s.q[k];
		break;
	case PI_PXOR:
		for (k = 0; k < 2; k++)
			r.q[k] = d.q[k] ^ s.q[k];
		break;
	case PI_PMINUB:
		for (k = 0; k < 16; k++)
			r.b[k] = d.b[k] < s.b[k] ? d.b[k] : s.b[k];
		break;
	case PI_PMAXUB:
		for (k = 0; k < 16; k++)
			r.b[k] = d.b[k] > s.b[k] ? d.b[k] : s.b[k];
		break;
	case PI_PMINSW:
		for (k = 0; k < 8; k++)
			r.w[k] = (int16_t)d.w[k] < (int16_t)s.w[k] ? d.w[k] : s.w[k];
		break;
	case PI_PMAXSW:
		for (k = 0; k < 8; k++)
			r.w[k] = (int16_t)d.w[k] > (int16_t)s.w[k] ? d.w[k] : s.w[k];
		break;
	case PI_PMULLW:
		for (k = 0; k < 8; k++)
			r.w[k] = (uint16_t)((uint32_t)d.w[k] * s.w[k]);
		break;
	case PI_PMULHW:
		for (k = 0; k < 8; k++)
			r.w[k] = (uint16_t)(((int32_t)(int16_t)d.w[k] * (int16_t)s.w[k]) >> 16);
		break;
	case PI_PMULHUW:
		for (k = 0; k < 8; k++)
			r.w[k] = (uint16_t)(((uint32_t)d.w[k] * s.w[k]) >> 16);
		break;
	case PI_PMULUDQ:
		for (k = 0; k < 2; k++)
			r.q[k] = (uint64_t)d.d[2 * k] * s.d[2 * k];
		break;
	case PI_PMADDWD:
		for (k = 0; k < 4; k++)
			r.d[k] =
			    (uint32_t)((int32_t)(int16_t)d.w[2 * k] * (int16_t)s.w[2 * k]) +
			    (uint32_t)((int32_t)(int16_t)d.w[2 * k + 1] * (int16_t)s.w[2 * k + 1]);
		break;
	case PI_PAVGB:
		for (k = 0; k < 16; k++)
			r.b[k] = (uint8_t)((d.b[k] + s.b[k] + 1) >> 1);
		break;
	case PI_PAVGW:
		for (k = 0; k < 8; k++)
			r.w[k] = (uint16_t)(((uint32_t)d.w[k] + s.w[k] + 1) >> 1);
		break;
	case PI_PSADBW:
		for (k = 0; k < 2; k++) {
			unsigned sum = 0;
			for (unsigned j = 0; j < 8; j++) {
				int a = d.b[8 * k + j], b = s.b[8 * k + j];
				sum += (unsigned)(a > b ? a - b : b - a);
			}
			r.q[k] = sum;
		}
		break;
	case PI_PUNPCKLBW: r = unpack(&d, &s, 1, 0); break;
	case PI_PUNPCKLWD: r = unpack(&d, &s, 2, 0); break;
	case PI_PUNPCKLDQ: r = unpack(&d, &s, 4, 0); break;
	case PI_PUNPCKLQDQ: r = unpack(&d, &s, 8, 0); break;
	case PI_PUNPCKHBW: r = unpack(&d, &s, 1, 1); break;
	case PI_PUNPCKHWD: r = unpack(&d, &s, 2, 1); break;
	case PI_PUNPCKHDQ: r = unpack(&d, &s, 4, 1); break;
	case PI_PUNPCKHQDQ: r = unpack(&d, &s, 8, 1); break;
	case PI_PACKSSWB:
		for (k = 0; k < 8; k++) {
			r.b[k] = (uint8_t)sat8((int16_t)d.w[k]);
			r.b[k + 8] = (uint8_t)sat8((int16_t)s.w[k]);
		}
		break;
	case PI_PACKUSWB:
		for (k = 0; k < 8; k++) {
			r.b[k] = usat8((int16_t)d.w[k]);
			r.b[k + 8] = usat8((int16_t)s.w[k]);
		}
		break;
	case PI_PACKSSDW:
		for (k = 0; k < 4; k++) {
			r.w[k] = (uint16_t)sat16((int32_t)d.d[k] > 32767    ? 32767
						 : (int32_t)d.d[k] < -32768 ? -32768
									    : (int32_t)d.d[k]);
			r.w[k + 4] = (uint16_t)sat16((int32_t)s.d[k] > 32767	? 32767
						     : (int32_t)s.d[k] < -32768 ? -32768
										: (int32_t)s.d[k]);
		}
		break;
	default: r = pshift(d, op, s.q[0]); break; /* shifts by an XMM count */
	}
	return r;
}

void ss_op_sse_int(ss_cpu *c, const ss_insn *i)
{
	ss_sse_avail(c);
	ss_cpu_xmm s = src_rm(c, i, 16, 1);
	*xr(c, i->reg) = pint(i->aux, *xr(c, i->reg), s);
}

void ss_op_sse_shift_imm(ss_cpu *c, const ss_insn *i)
{
	ss_sse_avail(c);
	*xr(c, i->rm) = pshift(*xr(c, i->rm), i->aux, i->imm & 0xff);
}

/* ---- floating point on the host's SSE unit ---- */

/* Runs one host SSE instruction under csr (the guest's MXCSR with the flags cleared and every
 * exception masked) and gives back the MXCSR after it; the host's own MXCSR is restored inside
 * the same asm statement so no compiler-generated SSE code runs under the guest's. */
#define HOST(insn, ...)                                                                            \
	__asm__ volatile("stmxcsr %[h]\n\tldmxcsr %[c]\n\t" insn                                   \
			 "\n\tstmxcsr %[c]\n\tldmxcsr %[h]" __VA_ARGS__)
#define HFP(insn)                                                                                  \
	HOST(insn " %[s], %[d]", : [d] "+x"(vd), [c] "+m"(csr), [h] "+m"(host) : [s] "x"(vs))
#define HFP4(op, m)                                                                                \
	case (op)*4 + 0: HFP(m "ps"); break;                                                       \
	case (op)*4 + 1: HFP(m "pd"); break;                                                       \
	case (op)*4 + 2: HFP(m "ss"); break;                                                       \
	case (op)*4 + 3:                                                                           \
		HFP(m "sd");                                                                       \
		break;
#define HCMP(sfx)                                                                                  \
	switch (pred) {                                                                            \
	case 0: HFP("cmpeq" sfx); break;                                                           \
	case 1: HFP("cmplt" sfx); break;                                                           \
	case 2: HFP("cmple" sfx); break;                                                           \
	case 3: HFP("cmpunord" sfx); break;                                                        \
	case 4: HFP("cmpneq" sfx); break;                                                          \
	case 5: HFP("cmpnlt" sfx); break;                                                          \
	case 6: HFP("cmpnle" sfx); break;                                                          \
	default: HFP("cmpord" sfx); break;                                                         \
	}

static uint32_t run_csr(const ss_cpu *c)
{
	return (c->r.fpu.mxcsr & ~0x3fu) | 0x1f80u;
}

/* A result lane that is denormal: with underflow unmasked a tiny result signals #U even when
 * exact (the masked host run flags it only when also inexact). */
static int has_denormal(const ss_cpu_xmm *r, int dbl, unsigned lanes)
{
	for (unsigned k = 0; k < lanes; k++) {
		if (dbl ? ((r->q[k] & 0x7ff0000000000000ull) == 0 && (r->q[k] << 1))
			: ((r->d[k] & 0x7f800000u) == 0 && (r->d[k] << 1)))
			return 1;
	}
	return 0;
}

/* The host's flags against the guest's masks (APM vol. 1 §4.10.5 and §4.10.6): masked ones
 * are ORed into MXCSR; an unmasked one raises #XM (#UD with CR4.OSXMMEXCPT = 0) with MXCSR's
 * flags updated and the destination unchanged. An unmasked pre-computation exception (IE, DE,
 * ZE) stops the operation, so only those flags are reported. res: the result lanes when the
 * operation rounds a result (underflow possible), else NULL. Known approximation: with an
 * unmasked overflow or underflow the hardware reports PE only when the result rounded to an
 * unbounded exponent is inexact; the masked host run reports it when the delivered (denormal or
 * overflowed) result is, so PE can be set where the hardware leaves it clear. */
static void fp_done(ss_cpu *c, uint32_t after, const ss_cpu_xmm *res, int dbl, unsigned lanes)
{
	uint32_t mx = c->r.fpu.mxcsr, flags = after & 0x3f, unmasked = ~(mx >> 7) & 0x3f;
	if (res && (unmasked & MX_UE) && !(flags & MX_UE) && has_denormal(res, dbl, lanes))
		flags |= MX_UE;
	if (__builtin_expect(flags & unmasked, 0)) {
		uint32_t pre = flags & (MX_IE | MX_DE | MX_ZE);
		c->r.fpu.mxcsr = mx | ((pre & unmasked) ? pre : flags);
		ss_raise(c, (c->r.cr4 & CR4_OSXMM) ? EXC_XM : EXC_UD, 0, 0);
	}
	c->r.fpu.mxcsr = mx | flags;
}

static ss_cpu_xmm fp_src(ss_cpu *c, const ss_insn *i, unsigned form)
{
	return form < 2 ? src_rm(c, i, 16, 1) : src_rm(c, i, form == 2 ? 4 : 8, 0);
}

void ss_op_sse_fp(ss_cpu *c, const ss_insn *i)
{
	ss_sse_avail(c);
	unsigned form = i->aux & 3, op = i->aux >> 2;
	ss_cpu_xmm s = fp_src(c, i, form), d = *xr(c, i->reg);
	__m128i vs, vd;
	memcpy(&vs, &s, 16);
	memcpy(&vd, &d, 16);
	uint32_t csr = run_csr(c), host = 0;
	switch (i->aux) {
		HFP4(SFP_ADD, "add")
		HFP4(SFP_SUB, "sub")
		HFP4(SFP_MUL, "mul")
		HFP4(SFP_DIV, "div")
		HFP4(SFP_MIN, "min")
		HFP4(SFP_MAX, "max")
		HFP4(SFP_SQRT, "sqrt")
	default: RAISE_UD(c);
	}
	memcpy(&d, &vd, 16);
	int rounds = op != SFP_MIN && op != SFP_MAX;
	fp_done(c, csr, rounds ? &d : NULL, form & 1, form == 0 ? 4 : form == 1 ? 2 : 1);
	*xr(c, i->reg) = d;
}

void ss_op_sse_cmp(ss_cpu *c, const ss_insn *i)
{
	ss_sse_avail(c);
	unsigned form = i->aux & 3, pred = (unsigned)i->imm & 7;
	ss_cpu_xmm s = fp_src(c, i, form), d = *xr(c, i->reg);
	__m128i vs, vd;
	memcpy(&vs, &s, 16);
	memcpy(&vd, &d, 16);
	uint32_t csr = run_csr(c), host = 0;
	switch (form) {
	case 0: HCMP("ps"); break;
	case 1: HCMP("pd"); break;
	case 2: HCMP("ss"); break;
	default: HCMP("sd"); break;
	}
	memcpy(&d, &vd, 16);
	fp_done(c, csr, NULL, 0, 0);
	*xr(c, i->reg) = d;
}

/* UCOMISS (aux 0), UCOMISD (1), COMISS (2), COMISD (3): ZF PF CF from the compare, OF SF AF
 * cleared. */
void ss_op_sse_comis(ss_cpu *c, const ss_insn *i)
{
	ss_sse_avail(c);
	ss_cpu_xmm s = src_rm(c, i, (i->aux & 1) ? 8 : 4, 0), d = *xr(c, i->reg);
	__m128i vs, vd;
	memcpy(&vs, &s, 16);
	memcpy(&vd, &d, 16);
	uint32_t csr = run_csr(c), host = 0;
	uint8_t zf, pf, cf;
#define HCOMI(insn)                                                                                \
	HOST(insn " %[s], %[d]",                                                                   \
	     : "=@ccz"(zf), "=@ccp"(pf), "=@ccc"(cf), [c] "+m"(csr), [h] "+m"(host)                \
	     : [d] "x"(vd), [s] "x"(vs))
	switch (i->aux) {
	case 0: HCOMI("ucomiss"); break;
	case 1: HCOMI("ucomisd"); break;
	case 2: HCOMI("comiss"); break;
	default: HCOMI("comisd"); break;
	}
#undef HCOMI
	fp_done(c, csr, NULL, 0, 0);
	flags_eager(c, F_ARITH, (zf ? F_ZF : 0) | (pf ? F_PF : 0) | (cf ? F_CF : 0));
}

void ss_op_sse_cvt(ss_cpu *c, const ss_insn *i)
{
	ss_sse_avail(c);
	uint32_t csr = run_csr(c), host = 0;
	unsigned k = i->aux;
	int w = i->osz == 3;
	if (k == SCVT_SI2SS || k == SCVT_SI2SD) {
		uint64_t v = rm_get(c, i, w ? 3 : 2);
		ss_cpu_xmm d = *xr(c, i->reg);
		__m128i vd;
		memcpy(&vd, &d, 16);
		uint32_t v32 = (uint32_t)v;
#define HSI(insn, x)                                                                               \
	HOST(insn " %[s], %[d]", : [d] "+x"(vd), [c] "+m"(csr), [h] "+m"(host) : [s] "r"(x))
		if (k == SCVT_SI2SS) {
			if (w)
				HSI("cvtsi2ssq", v);
			else
				HSI("cvtsi2ssl", v32);
		} else {
			if (w)
				HSI("cvtsi2sdq", v);
			else
				HSI("cvtsi2sdl", v32);
		}
#undef HSI
		memcpy(&d, &vd, 16);
		fp_done(c, csr, NULL, 0, 0);
		*xr(c, i->reg) = d;
		return;
	}
	if (k >= SCVT_TSS2SI && k <= SCVT_SD2SI) {
		int dbl = k == SCVT_TSD2SI || k == SCVT_SD2SI;
		ss_cpu_xmm s = src_rm(c, i, dbl ? 8 : 4, 0);
		__m128i vs;
		memcpy(&vs, &s, 16);
		uint64_t r64 = 0;
		uint32_t r32 = 0;
#define HSI(insn, x)                                                                               \
	HOST(insn " %[s], %[r]", : [r] "=r"(x), [c] "+m"(csr), [h] "+m"(host) : [s] "x"(vs))
		switch (k * 2 + (unsigned)w) {
		case SCVT_TSS2SI * 2: HSI("cvttss2si", r32); break;
		case SCVT_TSS2SI * 2 + 1: HSI("cvttss2si", r64); break;
		case SCVT_TSD2SI * 2: HSI("cvttsd2si", r32); break;
		case SCVT_TSD2SI * 2 + 1: HSI("cvttsd2si", r64); break;
		case SCVT_SS2SI * 2: HSI("cvtss2si", r32); break;
		case SCVT_SS2SI * 2 + 1: HSI("cvtss2si", r64); break;
		case SCVT_SD2SI * 2: HSI("cvtsd2si", r32); break;
		default: HSI("cvtsd2si", r64); break;
		}
#undef HSI
		fp_done(c, csr, NULL, 0, 0);
		c->r.gpr[i->reg] = w ? r64 : r32;
		return;
	}
	/* XMM to XMM: the memory source's size and alignment by conversion. */
	unsigned n = 16;
	if (k == SCVT_PS2PD || k == SCVT_SD2SS || k == SCVT_DQ2PD)
		n = 8;
	else if (k == SCVT_SS2SD)
		n = 4;
	ss_cpu_xmm s = src_rm(c, i, n, n == 16), d = *xr(c, i->reg);
	__m128i vs, vd;
	memcpy(&vs, &s, 16);
	memcpy(&vd, &d, 16);
	switch (k) {
	case SCVT_PS2PD: HFP("cvtps2pd"); break;
	case SCVT_PD2PS: HFP("cvtpd2ps"); break;
	case SCVT_SS2SD: HFP("cvtss2sd"); break;
	case SCVT_SD2SS: HFP("cvtsd2ss"); break;
	case SCVT_DQ2PS: HFP("cvtdq2ps"); break;
	case SCVT_PS2DQ: HFP("cvtps2dq"); break;
	case SCVT_TPS2DQ: HFP("cvttps2dq"); break;
	case SCVT_TPD2DQ: HFP("cvttpd2dq"); break;
	case SCVT_DQ2PD: HFP("cvtdq2pd"); break;
	default: HFP("cvtpd2dq"); break;
	}
	memcpy(&d, &vd, 16);
	/* Narrowing double -> single conversions round to a possibly tiny result. */
	int narrow = k == SCVT_PD2PS || k == SCVT_SD2SS;
	fp_done(c, csr, narrow ? &d : NULL, 0, k == SCVT_PD2PS ? 2 : 1);
	*xr(c, i->reg) = d;
}
