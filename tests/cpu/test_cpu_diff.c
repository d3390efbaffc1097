/* Differential tests: every ALU/shift/multiply/divide/bit/string/data opcode of the general-purpose
 * set, in every operand size, with seeded random operands, run on this CPU (native.h) and in the
 * interpreter; registers, RIP, the flags the manual defines and memory must match, and faults
 * (#DE) must agree. Seed: SS_CPU_DIFF_SEED (default fixed) so failures reproduce. */
#include "harness.h"
#include "native.h"

#include <softsev/cpu.h>
#include <stdio.h>
#include <stdlib.h>

#define FA   0x8d5u /* CF PF AF ZF SF OF */
#define F_CF 0x1u
#define F_PF 0x4u
#define F_AF 0x10u
#define F_ZF 0x40u
#define F_SF 0x80u
#define F_OF 0x800u

enum form {
	RM_R,	 /* op r/m, reg (ModRM) */
	R_RM,	 /* op reg, r/m */
	RM,	 /* op r/m (group, ext in reg field) */
	ACC_IMM, /* op AL/eAX, imm */
	OPREG,	 /* register in the opcode (BSWAP, PUSH, POP, XCHG eAX, MOV r, imm) */
	NONE,	 /* no operands (string ops, CBW, flags...) */
};

enum fkind { FK_ALL, FK_LOGIC, FK_SHIFT, FK_ROT, FK_MUL, FK_DIV, FK_CF, FK_ZF, FK_CZ, FK_SHXD };

enum immk { I0, I8, IZ, IV, I16I8 };

typedef struct tmpl {
	const char *name;
	uint8_t pfx;   /* mandatory prefix F3/F2 or 0 */
	uint8_t map0f; /* 1: 0F map */
	int16_t opc8;  /* byte form or -1 */
	int16_t opcv;  /* 16/32/64 form or -1 */
	int8_t ext;    /* ModRM.reg extension or -1 */
	uint8_t form;
	uint8_t fk;
	uint8_t imm;
	uint8_t sizes; /* bit k: operand size 8<<k allowed */
	uint8_t special;
} tmpl;

enum {
	SP_NONE,
	SP_DIV,
	SP_BTMEM,
	SP_STR,
	SP_CMPS,
	SP_CX16,
	SP_SHXD,
	SP_PUSH,
	SP_POP,
	SP_ENTER,
	SP_LEAVE,
	SP_XLAT,
	SP_POPF,
	SP_MEMONLY,
	SP_CL,
	SP_NOBSWAP16,
	SP_LEA
};

#define ALL4 0xF
#define V3   0xE

static const tmpl T[] = {
#define ALU(n, k, fk)                                                                              \
	{n, 0, 0, (k)*8 + 0, (k)*8 + 1, -1, RM_R, fk, I0, ALL4, 0},                                \
	    {n, 0, 0, (k)*8 + 2, (k)*8 + 3, -1, R_RM, fk, I0, ALL4, 0},                            \
	    {n, 0, 0, (k)*8 + 4, (k)*8 + 5, -1, ACC_IMM, fk, IZ, ALL4, 0},                         \
	    {n, 0, 0, 0x80, 0x81, k, RM, fk, IZ, ALL4, 0},                                         \
	{                                                                                          \
		n, 0, 0, -1, 0x83, k, RM, fk, I8, V3, 0                                            \
	}
    ALU("add", 0, FK_ALL),
    ALU("or", 1, FK_LOGIC),
    ALU("adc", 2, FK_ALL),
    ALU("sbb", 3, FK_ALL),
    ALU("and", 4, FK_LOGIC),
    ALU("sub", 5, FK_ALL),
    ALU("xor", 6, FK_LOGIC),
    ALU("cmp", 7, FK_ALL),
#undef ALU
    {"test", 0, 0, 0x84, 0x85, -1, RM_R, FK_LOGIC, I0, ALL4, 0},
    {"test", 0, 0, 0xA8, 0xA9, -1, ACC_IMM, FK_LOGIC, IZ, ALL4, 0},
    {"test", 0, 0, 0xF6, 0xF7, 0, RM, FK_LOGIC, IZ, ALL4, 0},
    {"not", 0, 0, 0xF6, 0xF7, 2, RM, FK_ALL, I0, ALL4, 0},
    {"neg", 0, 0, 0xF6, 0xF7, 3, RM, FK_ALL, I0, ALL4, 0},
    {"mul", 0, 0, 0xF6, 0xF7, 4, RM, FK_MUL, I0, ALL4, 0},
    {"imul", 0, 0, 0xF6, 0xF7, 5, RM, FK_MUL, I0, ALL4, 0},
    {"div", 0, 0, 0xF6, 0xF7, 6, RM, FK_DIV, I0, ALL4, SP_DIV},
    {"idiv", 0, 0, 0xF6, 0xF7, 7, RM, FK_DIV, I0, ALL4, SP_DIV},
    {"inc", 0, 0, 0xFE, 0xFF, 0, RM, FK_ALL, I0, ALL4, 0},
    {"dec", 0, 0, 0xFE, 0xFF, 1, RM, FK_ALL, I0, ALL4, 0},
    {"imul2", 0, 1, -1, 0xAF, -1, R_RM, FK_MUL, I0, V3, 0},
    {"imul3z", 0, 0, -1, 0x69, -1, R_RM, FK_MUL, IZ, V3, 0},
    {"imul3b", 0, 0, -1, 0x6B, -1, R_RM, FK_MUL, I8, V3, 0},
#define SH(n, k, fk)                                                                               \
	{n, 0, 0, 0xD0, 0xD1, k, RM, fk, I0, ALL4, 0},                                             \
	    {n, 0, 0, 0xD2, 0xD3, k, RM, fk, I0, ALL4, SP_CL},                                     \
	{                                                                                          \
		n, 0, 0, 0xC0, 0xC1, k, RM, fk, I8, ALL4, 0                                        \
	}
    SH("rol", 0, FK_ROT),
    SH("ror", 1, FK_ROT),
    SH("rcl", 2, FK_ROT),
    SH("rcr", 3, FK_ROT),
    SH("shl", 4, FK_SHIFT),
    SH("shr", 5, FK_SHIFT),
    SH("sal", 6, FK_SHIFT),
    SH("sar", 7, FK_SHIFT),
#undef SH
    {"shld", 0, 1, -1, 0xA4, -1, RM_R, FK_SHXD, I8, V3, SP_SHXD},
    {"shld", 0, 1, -1, 0xA5, -1, RM_R, FK_SHXD, I0, V3, SP_SHXD},
    {"shrd", 0, 1, -1, 0xAC, -1, RM_R, FK_SHXD, I8, V3, SP_SHXD},
    {"shrd", 0, 1, -1, 0xAD, -1, RM_R, FK_SHXD, I0, V3, SP_SHXD},
    {"bt", 0, 1, -1, 0xA3, -1, RM_R, FK_CF, I0, V3, SP_BTMEM},
    {"bts", 0, 1, -1, 0xAB, -1, RM_R, FK_CF, I0, V3, SP_BTMEM},
    {"btr", 0, 1, -1, 0xB3, -1, RM_R, FK_CF, I0, V3, SP_BTMEM},
    {"btc", 0, 1, -1, 0xBB, -1, RM_R, FK_CF, I0, V3, SP_BTMEM},
    {"bt", 0, 1, -1, 0xBA, 4, RM, FK_CF, I8, V3, 0},
    {"bts", 0, 1, -1, 0xBA, 5, RM, FK_CF, I8, V3, 0},
    {"btr", 0, 1, -1, 0xBA, 6, RM, FK_CF, I8, V3, 0},
    {"btc", 0, 1, -1, 0xBA, 7, RM, FK_CF, I8, V3, 0},
    {"bsf", 0, 1, -1, 0xBC, -1, R_RM, FK_ZF, I0, V3, 0},
    {"bsr", 0, 1, -1, 0xBD, -1, R_RM, FK_ZF, I0, V3, 0},
    {"tzcnt", 0xF3, 1, -1, 0xBC, -1, R_RM, FK_CZ, I0, V3, 0},
    {"lzcnt", 0xF3, 1, -1, 0xBD, -1, R_RM, FK_CZ, I0, V3, 0},
    {"popcnt", 0xF3, 1, -1, 0xB8, -1, R_RM, FK_ALL, I0, V3, 0},
    {"bswap", 0, 1, -1, 0xC8, -1, OPREG, FK_ALL, I0, 0xC, 0},
    {"mov", 0, 0, 0x88, 0x89, -1, RM_R, FK_ALL, I0, ALL4, 0},
    {"mov", 0, 0, 0x8A, 0x8B, -1, R_RM, FK_ALL, I0, ALL4, 0},
    {"mov", 0, 0, 0xC6, 0xC7, 0, RM, FK_ALL, IZ, ALL4, 0},
    {"mov", 0, 0, 0xB0, 0xB8, -1, OPREG, FK_ALL, IV, ALL4, 0},
    {"movzx", 0, 1, -1, 0xB6, -1, R_RM, FK_ALL, I0, V3, 0},
    {"movzx", 0, 1, -1, 0xB7, -1, R_RM, FK_ALL, I0, V3, 0},
    {"movsx", 0, 1, -1, 0xBE, -1, R_RM, FK_ALL, I0, V3, 0},
    {"movsx", 0, 1, -1, 0xBF, -1, R_RM, FK_ALL, I0, V3, 0},
    {"movsxd", 0, 0, -1, 0x63, -1, R_RM, FK_ALL, I0, V3, 0},
    {"lea", 0, 0, -1, 0x8D, -1, R_RM, FK_ALL, I0, V3, SP_LEA},
    {"xchg", 0, 0, 0x86, 0x87, -1, RM_R, FK_ALL, I0, ALL4, 0},
    {"xchg", 0, 0, -1, 0x90, -1, OPREG, FK_ALL, I0, V3, 0},
    {"cmpxchg", 0, 1, 0xB0, 0xB1, -1, RM_R, FK_ALL, I0, ALL4, 0},
    {"xadd", 0, 1, 0xC0, 0xC1, -1, RM_R, FK_ALL, I0, ALL4, 0},
    {"cmpxchg8b/16b", 0, 1, -1, 0xC7, 1, RM, FK_ZF, I0, 0xC, SP_CX16},
    {"cbw", 0, 0, -1, 0x98, -1, NONE, FK_ALL, I0, V3, 0},
    {"cwd", 0, 0, -1, 0x99, -1, NONE, FK_ALL, I0, V3, 0},
    {"setcc", 0, 1, 0x90, -1, -1, RM, FK_ALL, I0, 1, 0},
    {"cmovcc", 0, 1, -1, 0x40, -1, R_RM, FK_ALL, I0, V3, 0},
    {"movs", 0, 0, 0xA4, 0xA5, -1, NONE, FK_ALL, I0, ALL4, SP_STR},
    {"cmps", 0, 0, 0xA6, 0xA7, -1, NONE, FK_ALL, I0, ALL4, SP_CMPS},
    {"stos", 0, 0, 0xAA, 0xAB, -1, NONE, FK_ALL, I0, ALL4, SP_STR},
    {"lods", 0, 0, 0xAC, 0xAD, -1, NONE, FK_ALL, I0, ALL4, SP_STR},
    {"scas", 0, 0, 0xAE, 0xAF, -1, NONE, FK_ALL, I0, ALL4, SP_CMPS},
    {"sahf", 0, 0, -1, 0x9E, -1, NONE, FK_ALL, I0, 4, 0},
    {"lahf", 0, 0, -1, 0x9F, -1, NONE, FK_ALL, I0, 4, 0},
    {"cmc", 0, 0, -1, 0xF5, -1, NONE, FK_ALL, I0, 4, 0},
    {"clc", 0, 0, -1, 0xF8, -1, NONE, FK_ALL, I0, 4, 0},
    {"stc", 0, 0, -1, 0xF9, -1, NONE, FK_ALL, I0, 4, 0},
    {"cld", 0, 0, -1, 0xFC, -1, NONE, FK_ALL, I0, 4, 0},
    {"std", 0, 0, -1, 0xFD, -1, NONE, FK_ALL, I0, 4, 0},
    {"push", 0, 0, -1, 0x50, -1, OPREG, FK_ALL, I0, 0xA, SP_PUSH},
    {"pop", 0, 0, -1, 0x58, -1, OPREG, FK_ALL, I0, 0xA, SP_POP},
    {"push", 0, 0, -1, 0x68, -1, NONE, FK_ALL, IZ, 0xA, SP_PUSH},
    {"push", 0, 0, -1, 0x6A, -1, NONE, FK_ALL, I8, 0xA, SP_PUSH},
    {"push", 0, 0, -1, 0xFF, 6, RM, FK_ALL, I0, 0xA, SP_PUSH},
    {"pop", 0, 0, -1, 0x8F, 0, RM, FK_ALL, I0, 0xA, SP_POP},
    {"pushf", 0, 0, -1, 0x9C, -1, NONE, FK_ALL, I0, 0xA, SP_PUSH},
    {"popf", 0, 0, -1, 0x9D, -1, NONE, FK_ALL, I0, 0xA, SP_POPF},
    {"enter", 0, 0, -1, 0xC8, -1, NONE, FK_ALL, I16I8, 0x8, SP_ENTER},
    {"leave", 0, 0, -1, 0xC9, -1, NONE, FK_ALL, I0, 0xA, SP_LEAVE},
    {"xlat", 0, 0, 0xD7, -1, -1, NONE, FK_ALL, I0, 1, SP_XLAT},
};

/* ---- deterministic random numbers (xorshift64*) ---- */
static uint64_t rng_state;
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}
static unsigned rndn(unsigned n)
{
	return (unsigned)(rnd() % n);
}
static uint64_t rnd_value(void)
{
	static const uint64_t edge[] = {0,
					1,
					2,
					0x7f,
					0x80,
					0xff,
					0x7fff,
					0x8000,
					0xffff,
					0x7fffffff,
					0x80000000u,
					0xffffffffu,
					0x7fffffffffffffffull,
					0x8000000000000000ull,
					~0ull,
					31,
					32,
					63,
					64};
	switch (rndn(4)) {
	case 0: return edge[rndn(sizeof(edge) / sizeof(edge[0]))];
	case 1: return rnd() & 0xff;
	default: return rnd();
	}
}

/* ---- memory seen by both: data region (operands + stack), identity-mapped for the
 * interpreter ---- */
#define DATA_SIZE 16384
static uint8_t *data; /* 16 KiB: buffer at +4096, stack top at +14336 */
static native_ctx nat;

static int in_region(uint64_t pa, size_t len, uint8_t **host)
{
	uint64_t d = (uint64_t)(uintptr_t)data, c = (uint64_t)(uintptr_t)nat.code;
	if (pa >= d && pa + len <= d + DATA_SIZE) {
		*host = (uint8_t *)(uintptr_t)pa;
		return 1;
	}
	if (pa >= c && pa + len <= c + 4096) {
		*host = (uint8_t *)(uintptr_t)pa;
		return 1;
	}
	return 0;
}

static int t_read(void *ctx, ss_cpu_access *a, void *buf, size_t len)
{
	(void)ctx;
	uint8_t *h;
	if (!in_region(a->pa, len, &h))
		return SS_CPU_MEM_UNMAPPED;
	memcpy(buf, h, len);
	return SS_CPU_MEM_OK;
}

static int t_write(void *ctx, ss_cpu_access *a, const void *buf, size_t len)
{
	(void)ctx;
	uint8_t *h;
	if (!in_region(a->pa, len, &h) || h == nat.code || (h >= nat.code && h < nat.code + 4096))
		return SS_CPU_MEM_UNMAPPED;
	memcpy(h, buf, len);
	return SS_CPU_MEM_OK;
}

static const ss_cpu_mem_ops test_ops = {t_read, t_write, NULL, NULL};

/* ---- encoder ---- */
typedef struct gen {
	uint8_t b[20];
	unsigned n;
	native_regs r;
	uint32_t defined; /* flags to compare */
	int skip;
} gen;

static unsigned pick_reg(unsigned avoid)
{
	unsigned r;
	do
		r = rndn(16);
	while (r == avoid || r == 4);
	return r;
}

/* Encodes one instance of template t with operand size sz (0..3) and fills registers. */
static void generate(const tmpl *t, unsigned sz, gen *g)
{
	memset(g, 0, sizeof(*g));
	for (unsigned k = 0; k < 16; k++)
		g->r.gpr[k] = rnd_value();
	uint64_t buf = (uint64_t)(uintptr_t)data + 4096, stack = (uint64_t)(uintptr_t)data + 14336;
	g->r.gpr[4] = stack - 8 * rndn(8);
	g->r.rflags = 0x202 | (rnd() & FA);
	unsigned w = 8u << sz;
	unsigned base; /* memory base register: not RAX/RCX/RDX, which some setups overwrite */
	do
		base = pick_reg(99);
	while (base <= 2);
	int mem = rndn(2) == 0;
	unsigned reg = rndn(16), rm = rndn(16);
	if (t->special == SP_CX16 || t->special == SP_LEA)
		mem = 1;
	if (t->special == SP_PUSH || t->special == SP_POP || t->special == SP_LEAVE ||
	    t->special == SP_ENTER) {
		if (reg == 4 || rm == 4)
			reg = rm = 0;
	}
	/* Keep the base register distinct from the register operand: some setups below give
	 * the register operand a value. */
	if (mem && reg == 4 && (t->form == RM_R || t->form == R_RM))
		reg = 0;
	if (mem && reg == base)
		reg = (base + 1) & 15;
	if (mem)
		g->r.gpr[base] = buf + 8 * rndn(64);
	int disp = (int)rndn(32) * (t->special == SP_CX16 ? 16 : 1);
	if (t->special == SP_CX16)
		g->r.gpr[base] &= ~15ull;

	/* Special operand setups. */
	uint64_t imm = rnd_value();
	if (t->special == SP_DIV && rndn(4)) {
		/* Mostly quotients that fit: a high half below the divisor. */
		uint64_t d = rnd_value() | 1;
		if (mem)
			memcpy(data +
				   ((g->r.gpr[base] + (uint64_t)disp) - (uint64_t)(uintptr_t)data),
			       &d, 8);
		else
			g->r.gpr[rm] = d;
		uint64_t dv = d & (sz == 3 ? ~0ull : ((1ull << w) - 1));
		if (sz == 0) {
			g->r.gpr[0] = (g->r.gpr[0] & ~0xffffull) | ((rnd() % (dv ? dv : 1)) << 8) |
				      (rnd() & 0xff);
		} else if (dv) {
			g->r.gpr[2] = rnd() % dv;
			if (rndn(2))
				g->r.gpr[2] = t->ext == 7 ? (g->r.gpr[0] >> 63 ? ~0ull : 0) : 0;
		}
	}
	if (t->special == SP_BTMEM && mem)
		g->r.gpr[reg] = (uint64_t)((int64_t)rndn(1024) - 512);
	if (t->special == SP_STR || t->special == SP_CMPS || t->special == SP_XLAT) {
		g->r.gpr[6] = buf + 512 + rndn(1024);
		g->r.gpr[7] = buf + 2048 + rndn(1024);
		g->r.gpr[1] = rndn(7);
		g->r.gpr[3] = buf + rndn(1024);
		if (rndn(2))
			g->r.rflags |= 0x400;
		if (t->special == SP_CMPS && rndn(2)) /* make equal runs likely */
			memcpy(data + (g->r.gpr[7] - (uint64_t)(uintptr_t)data),
			       data + (g->r.gpr[6] - (uint64_t)(uintptr_t)data), 64);
	}
	if (t->special == SP_LEAVE)
		g->r.gpr[5] = stack - 8 * rndn(16);
	if (t->special == SP_ENTER)
		g->r.gpr[5] = stack - 64 + 8 * rndn(8);
	if (t->special == SP_POPF) {
		/* Keep AC/TF/NT/DF clear in what POPF loads: the harness itself runs afterwards. */
		uint64_t v = rnd() & (FA | 0x200000);
		memcpy(data + (g->r.gpr[4] - (uint64_t)(uintptr_t)data), &v, 8);
	}
	if (t->special == SP_CL && rndn(3) == 0)
		g->r.gpr[1] = (g->r.gpr[1] & ~0xffull) | rndn(3); /* counts 0..2 often */

	uint8_t *p = g->b;
	int opc = sz == 0 ? t->opc8 : t->opcv;
	if (t->special == SP_STR && rndn(2))
		*p++ = 0xF3;
	if (t->special == SP_CMPS && rndn(3))
		*p++ = rndn(2) ? 0xF3 : 0xF2;
	if (t->pfx)
		*p++ = t->pfx;
	int push = t->special == SP_PUSH || t->special == SP_POP || t->special == SP_POPF ||
		   t->special == SP_LEAVE || t->special == SP_ENTER;
	if (sz == 1)
		*p++ = 0x66;
	unsigned rex = 0;
	if (sz == 3 && !push && !(t->form == OPREG && t->opcv == 0x90 && 0))
		rex |= 8;
	if (t->special == SP_CX16)
		rex = sz == 3 ? 8 : 0;
	unsigned cc = rndn(16);
	if (t->form == OPREG) {
		rex |= (reg >> 3) & 1;
		if (t->special == SP_PUSH || t->special == SP_POP)
			reg = reg == 4 ? 0 : reg;
	} else if (t->form == RM_R || t->form == R_RM || t->form == RM) {
		if (t->form != RM)
			rex |= (reg >> 3) << 2;
		if (mem)
			rex |= (base >> 3) & 1;
		else
			rex |= (rm >> 3) & 1;
	}
	if (sz == 0 && rndn(2))
		rex |= 0x40; /* SPL..DIL instead of AH..BH */
	if (t->opcv == 0xB6 || t->opcv == 0xBE)
		if (rndn(2))
			rex |= 0x40;
	if (rex)
		*p++ = (uint8_t)(0x40 | rex);
	if (t->map0f)
		*p++ = 0x0F;
	if (t->form == OPREG)
		*p++ = (uint8_t)(opc + (reg & 7));
	else if (t->opcv == 0x40 || (t->opc8 == 0x90 && t->map0f))
		*p++ = (uint8_t)(opc + cc);
	else
		*p++ = (uint8_t)opc;
	if (t->form == RM_R || t->form == R_RM || t->form == RM) {
		unsigned regf = t->form == RM ? (t->ext < 0 ? 0u : (unsigned)t->ext) : reg & 7;
		if (mem) {
			unsigned b7 = base & 7;
			if (b7 == 4) {
				*p++ = (uint8_t)(0x40 | (regf << 3) | 4);
				*p++ = 0x24; /* SIB: no index, base */
			} else {
				*p++ = (uint8_t)(0x40 | (regf << 3) | b7);
			}
			*p++ = (uint8_t)disp;
		} else {
			*p++ = (uint8_t)(0xC0 | (regf << 3) | (rm & 7));
		}
	}
	/* Immediates. */
	unsigned isz = 0;
	switch (t->imm) {
	case I8: isz = 1; break;
	case IZ: isz = sz == 0 ? 1 : sz == 1 ? 2 : 4; break;
	case IV: isz = 1u << sz; break;
	case I16I8: isz = 3; break;
	default: break;
	}
	if (t->imm == I16I8) {
		imm = (uint64_t)(8 * rndn(8)) | ((uint64_t)rndn(4) << 16);
	}
	if ((t->special == SP_SHXD) && sz == 1) {
		/* Counts above 16 give undefined results for 16-bit operands. */
		if (t->imm == I8)
			imm = rndn(17);
		else
			g->r.gpr[1] = (g->r.gpr[1] & ~0xffull) | rndn(17);
	}
	for (unsigned k = 0; k < isz; k++)
		*p++ = (uint8_t)(imm >> (8 * k));
	g->n = (unsigned)(p - g->b);

	/* Which flags the manual defines for this instance. */
	unsigned count = 0, cmask = sz == 3 ? 63 : 31;
	if (t->fk == FK_SHIFT || t->fk == FK_ROT || t->fk == FK_SHXD) {
		if (t->opc8 == 0xD0 || t->opcv == 0xD1)
			count = 1;
		else if (t->imm == I8)
			count = (unsigned)imm & cmask;
		else
			count = (unsigned)g->r.gpr[1] & cmask;
	}
	switch (t->fk) {
	case FK_ALL: g->defined = FA; break;
	case FK_LOGIC: g->defined = FA & ~F_AF; break;
	case FK_SHIFT:
		if (count == 0)
			g->defined = FA;
		else
			g->defined = (F_PF | F_ZF | F_SF) | (count == 1 ? F_OF : 0) |
				     (count <= w ? F_CF : 0);
		break;
	case FK_ROT: g->defined = count == 0 ? FA : (FA & ~F_OF) | (count == 1 ? F_OF : 0); break;
	case FK_SHXD:
		g->defined =
		    count == 0 ? FA : (F_PF | F_ZF | F_SF | F_CF) | (count == 1 ? F_OF : 0);
		break;
	case FK_MUL: g->defined = F_CF | F_OF; break;
	case FK_DIV: g->defined = 0; break;
	case FK_CF: g->defined = F_CF; break;
	case FK_ZF: g->defined = F_ZF; break;
	case FK_CZ: g->defined = F_CF | F_ZF; break;
	default: g->defined = FA; break;
	}
	if (t->opcv == 0x9D) /* POPF loads every flag */
		g->defined = FA;
	(void)cc;
}

static unsigned failures, cases;

static void diff_one(ss_cpu *cpu, const tmpl *t, unsigned sz)
{
	gen g;
	generate(t, sz, &g);
	uint8_t *before = malloc(DATA_SIZE), *native_mem = malloc(DATA_SIZE);
	memcpy(before, data, DATA_SIZE);
	native_build(&nat, g.b, g.n);
	native_regs nr = g.r;
	int sig = native_run(&nat, &nr);
	memcpy(native_mem, data, DATA_SIZE);
	memcpy(data, before, DATA_SIZE);

	ss_cpu_regs *r = ss_cpu_regs_of(cpu);
	memcpy(r->gpr, g.r.gpr, sizeof(r->gpr));
	r->rflags = g.r.rflags;
	r->rip = nat.insn_at;
	ss_cpu_flush_tlb(cpu);
	ss_cpu_exit ex;
	ss_error err;
	int rc = ss_cpu_run(cpu, 1, &ex, &err);
	cases++;
	char what[160];
	int n = snprintf(what, sizeof(what), "%s/%u bytes", t->name, 8u << sz);
	for (unsigned k = 0; k < g.n && n < (int)sizeof(what) - 4; k++)
		n += snprintf(what + n, sizeof(what) - (size_t)n, " %02x", g.b[k]);
	int bad = 0;
	if (rc) {
		printf("# %s: run failed: %s\n", what, err.msg);
		bad = 1;
	} else if (sig) {
		int want = sig == SIGFPE ? 0 : -1;
		if (ex.reason != SS_CPU_EXIT_EXCEPTION || (want >= 0 && ex.vector != want)) {
			printf("# %s: native signal %d, interpreter exit %s vector %u\n", what, sig,
			       ss_cpu_exit_name(ex.reason), ex.vector);
			bad = 1;
		}
	} else if (ex.reason != SS_CPU_EXIT_LIMIT) {
		printf("# %s: interpreter exit %s vector %u, native ran\n", what,
		       ss_cpu_exit_name(ex.reason), ex.vector);
		bad = 1;
	} else {
		for (unsigned k = 0; k < 16; k++) {
			if (r->gpr[k] != nr.gpr[k]) {
				printf("# %s: reg %u interp %016llx native %016llx (in %016llx)\n",
				       what, k, (unsigned long long)r->gpr[k],
				       (unsigned long long)nr.gpr[k],
				       (unsigned long long)g.r.gpr[k]);
				bad = 1;
			}
		}
		uint64_t fm = g.defined | 0x400;
		if ((r->rflags & fm) != (nr.rflags & fm)) {
			printf("# %s: flags interp %04llx native %04llx (in %04llx, compared "
			       "%04llx)\n",
			       what, (unsigned long long)(r->rflags & 0xfff),
			       (unsigned long long)(nr.rflags & 0xfff),
			       (unsigned long long)(g.r.rflags & 0xfff), (unsigned long long)fm);
			bad = 1;
		}
		if (r->rip != nat.insn_at + g.n) {
			printf("# %s: rip off by %lld\n", what,
			       (long long)(r->rip - nat.insn_at - g.n));
			bad = 1;
		}
		if (memcmp(data, native_mem, DATA_SIZE)) {
			for (unsigned k = 0; k < DATA_SIZE; k++)
				if (data[k] != native_mem[k]) {
					printf("# %s: memory differs at +%u: interp %02x native "
					       "%02x\n",
					       what, k, data[k], native_mem[k]);
					break;
				}
			bad = 1;
		}
	}
	if (bad)
		failures++;
	/* Leave memory as the native run did (both agree when the case passed). */
	memcpy(data, native_mem, DATA_SIZE);
	free(before);
	free(native_mem);
}

static ss_cpu *make_cpu(void)
{
	ss_cpu_config cfg = {.mem = &test_ops, .exit_on_exception = true, .flat_long_mode = true};
	ss_cpu *cpu;
	ss_error err;
	if (ss_cpu_new(&cfg, &cpu, &err))
		return NULL;
	ss_cpu_set_long_mode(cpu, true);
	ss_cpu_regs_of(cpu)->cr0 &= ~0x80000000ull;
	return cpu;
}

static void run_templates(int reps)
{
	const char *s = getenv("SS_CPU_DIFF_SEED");
	rng_state = s ? strtoull(s, NULL, 0) : 0x5eed5eed1234ull;
	if (!rng_state)
		rng_state = 1;
	ss_cpu *cpu = make_cpu();
	REQUIRE(cpu);
	for (size_t k = 0; k < sizeof(T) / sizeof(T[0]); k++)
		for (unsigned sz = 0; sz < 4; sz++)
			if (T[k].sizes & (1u << sz))
				for (int rep = 0; rep < reps; rep++)
					diff_one(cpu, &T[k], sz);
	ss_cpu_free(cpu);
}

TEST(differential_all_opcodes_all_sizes)
{
	REQUIRE(native_init(&nat) == 0);
	data = mmap(NULL, DATA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(data != MAP_FAILED);
	for (unsigned k = 0; k < DATA_SIZE; k++)
		data[k] = (uint8_t)(k * 37 + 11);
	failures = cases = 0;
	run_templates(40);
	printf("# %u cases, %u mismatches\n", cases, failures);
	CHECK(cases > 10000);
	CHECK(failures == 0);
	native_fini(&nat);
	munmap(data, DATA_SIZE);
}

/* ---- sequences: lazy flags carried from one instruction to the next ----
 * The single-instruction cases above start every instruction with the flags in RFLAGS. These
 * run random runs of flag producers (ALU, INC/DEC, shifts, rotates) and consumers (Jcc, SETcc,
 * CMOVcc, ADC/SBB, RCL/RCR) in the register and [base + index * scale + disp] forms the decoder
 * gives fast handlers, so a lazy record meets every kind of reader. Only flags the manual defines
 * at each point are read or compared. */
#define SEQ_MAX 8
enum { SQ_CF = 1, SQ_PF = 4, SQ_AF = 0x10, SQ_ZF = 0x40, SQ_SF = 0x80, SQ_OF = 0x800 };

static unsigned seq_dst(void)
{
	unsigned r;
	do
		r = rndn(16);
	while (r == 4 || r == 13 || r == 14); /* RSP, and the index/base of the memory forms */
	return r;
}

/* Flags read by condition cc. */
static unsigned cc_reads(unsigned cc)
{
	static const unsigned m[8] = {SQ_OF, SQ_CF, SQ_ZF,	   SQ_CF | SQ_ZF,
				      SQ_SF, SQ_PF, SQ_SF | SQ_OF, SQ_ZF | SQ_SF | SQ_OF};
	return m[cc >> 1];
}

static unsigned seq_cc(unsigned def)
{
	unsigned cc;
	do
		cc = rndn(16);
	while ((cc_reads(cc) & def) != cc_reads(cc));
	return cc;
}

/* Appends one instruction at p; updates def, the flags whose value is architecturally defined. */
static uint8_t *seq_insn(uint8_t *p, unsigned *def)
{
	unsigned d = seq_dst(), s = rndn(16), w64 = rndn(4) != 0;
	unsigned rex = (w64 ? 8 : 0) | ((s >> 3) << 2) | (d >> 3);
	switch (rndn(11)) {
	case 0: /* ALU reg, reg (64/32: the fast forms; 16 through the generic one) */
	case 1: {
		unsigned k = rndn(8), r16 = rndn(5) == 0;
		if (r16)
			*p++ = 0x66, rex &= ~8u;
		if (rex)
			*p++ = (uint8_t)(0x40 | rex);
		*p++ = (uint8_t)(k * 8 + 1);
		*p++ = (uint8_t)(0xC0 | ((s & 7) << 3) | (d & 7));
		*def = (k == 1 || k == 4 || k == 6) ? FA & ~SQ_AF : FA;
		break;
	}
	case 2: { /* ALU reg, imm8 / imm32 */
		unsigned k = rndn(8), i8 = rndn(2);
		rex &= ~4u;
		if (rex)
			*p++ = (uint8_t)(0x40 | rex);
		*p++ = i8 ? 0x83 : 0x81;
		*p++ = (uint8_t)(0xC0 | (k << 3) | (d & 7));
		uint64_t v = rnd_value();
		for (unsigned b = 0; b < (i8 ? 1u : 4u); b++)
			*p++ = (uint8_t)(v >> (8 * b));
		*def = (k == 1 || k == 4 || k == 6) ? FA & ~SQ_AF : FA;
		break;
	}
	case 3: /* INC/DEC: CF carried through */
		rex &= ~4u;
		if (rex)
			*p++ = (uint8_t)(0x40 | rex);
		*p++ = 0xFF;
		*p++ = (uint8_t)(0xC0 | (rndn(2) << 3) | (d & 7));
		*def = (*def & SQ_CF) | (FA & ~SQ_CF);
		break;
	case 4: { /* shifts and rotates by 1 or an immediate */
		static const unsigned ops[] = {0, 1, 2, 3, 4, 5, 7};
		unsigned k = ops[rndn(7)], n = rndn(3) ? 1 : 1 + rndn(w64 ? 63 : 31);
		if (k == 2 || k == 3)
			n = 1;
		rex &= ~4u;
		if (rex)
			*p++ = (uint8_t)(0x40 | rex);
		if (n == 1 && rndn(2)) {
			*p++ = 0xD1;
			*p++ = (uint8_t)(0xC0 | (k << 3) | (d & 7));
		} else {
			*p++ = 0xC1;
			*p++ = (uint8_t)(0xC0 | (k << 3) | (d & 7));
			*p++ = (uint8_t)n;
		}
		if (k <= 3)
			*def = (*def & ~(SQ_CF | SQ_OF)) | SQ_CF | (n == 1 ? SQ_OF : 0);
		else
			*def = SQ_CF | SQ_PF | SQ_ZF | SQ_SF | (n == 1 ? SQ_OF : 0);
		break;
	}
	case 5: { /* Jcc over LEA r15, [r15 + 1]: R15 counts the branches not taken */
		*p++ = (uint8_t)(0x70 | seq_cc(*def));
		*p++ = 4;
		*p++ = 0x4D, *p++ = 0x8D, *p++ = 0x7F, *p++ = 0x01;
		break;
	}
	case 6: /* SETcc r8 (REX: SPL..DIL, not AH..BH) */
		*p++ = (uint8_t)(0x40 | (d >> 3));
		*p++ = 0x0F;
		*p++ = (uint8_t)(0x90 | seq_cc(*def));
		*p++ = (uint8_t)(0xC0 | (d & 7));
		break;
	case 7: /* CMOVcc reg, reg */
		*p++ = (uint8_t)(0x40 | (rex & 8) | ((d >> 3) << 2) | (s >> 3));
		*p++ = 0x0F;
		*p++ = (uint8_t)(0x40 | seq_cc(*def));
		*p++ = (uint8_t)(0xC0 | ((d & 7) << 3) | (s & 7));
		break;
	case 8:	  /* MOV r64, [r14 + r13 * 8 + disp8] / [r14 + disp8] */
	case 9: { /* MOV [r14 + r13 * 8 + disp8], r64 */
		unsigned idx = rndn(2);
		*p++ = (uint8_t)(0x48 | ((d >> 3) << 2) | (idx ? 3 : 1));
		*p++ = rndn(2) ? 0x8B : 0x89;
		if (idx) {
			*p++ = (uint8_t)(0x44 | ((d & 7) << 3));
			*p++ = (uint8_t)(0xC0 | (5 << 3) | 6); /* scale 8, index r13, base r14 */
		} else {
			*p++ = (uint8_t)(0x46 | ((d & 7) << 3)); /* [r14 + disp8] */
		}
		*p++ = (uint8_t)(8 * rndn(16));
		break;
	}
	default: /* LEA r64, [base + index * scale + disp8] (flags untouched) */
		*p++ = (uint8_t)(0x48 | ((d >> 3) << 2) | ((s >> 3) << 1) | 1);
		*p++ = 0x8D;
		*p++ = (uint8_t)(0x44 | ((d & 7) << 3));
		*p++ = (uint8_t)((rndn(4) << 6) | ((s & 7) == 4 ? 0 : (s & 7) << 3) | 6);
		*p++ = (uint8_t)rndn(256);
		break;
	}
	return p;
}

static void seq_one(ss_cpu *cpu)
{
	uint8_t b[SEQ_MAX * 8];
	uint8_t *p = b;
	unsigned def = FA, n = 2 + rndn(SEQ_MAX - 1);
	for (unsigned k = 0; k < n; k++)
		p = seq_insn(p, &def);
	unsigned len = (unsigned)(p - b);
	native_regs in;
	for (unsigned k = 0; k < 16; k++)
		in.gpr[k] = rnd_value();
	in.gpr[4] = (uint64_t)(uintptr_t)data + 14336;
	in.gpr[13] = rndn(32);
	in.gpr[14] = (uint64_t)(uintptr_t)data + 4096;
	in.rflags = 0x202 | (rnd() & FA);
	uint8_t *before = malloc(DATA_SIZE), *native_mem = malloc(DATA_SIZE);
	memcpy(before, data, DATA_SIZE);
	native_build(&nat, b, len);
	native_regs nr = in;
	int sig = native_run(&nat, &nr);
	memcpy(native_mem, data, DATA_SIZE);
	memcpy(data, before, DATA_SIZE);

	/* The interpreter stops at a HLT after the sequence (#GP at CPL 3). */
	nat.code[nat.insn_at + len - (uint64_t)(uintptr_t)nat.code] = 0xF4;
	ss_cpu_regs *r = ss_cpu_regs_of(cpu);
	memcpy(r->gpr, in.gpr, sizeof(r->gpr));
	r->rflags = in.rflags;
	r->rip = nat.insn_at;
	ss_cpu_flush_tlb(cpu);
	ss_cpu_exit ex;
	ss_error err;
	int rc = ss_cpu_run(cpu, 100, &ex, &err);
	cases++;
	char what[200];
	int w = snprintf(what, sizeof(what), "sequence");
	for (unsigned k = 0; k < len && w < (int)sizeof(what) - 4; k++)
		w += snprintf(what + w, sizeof(what) - (size_t)w, " %02x", b[k]);
	int bad = 0;
	if (rc || sig || ex.reason != SS_CPU_EXIT_EXCEPTION || ex.vector != 13 ||
	    r->rip != nat.insn_at + len) {
		printf("# %s: rc %d native signal %d, interpreter exit %s vector %u rip +%lld\n",
		       what, rc, sig, ss_cpu_exit_name(ex.reason), ex.vector,
		       (long long)(r->rip - nat.insn_at));
		bad = 1;
	} else {
		for (unsigned k = 0; k < 16; k++)
			if (k != 4 && r->gpr[k] != nr.gpr[k]) {
				printf("# %s: reg %u interp %016llx native %016llx\n", what, k,
				       (unsigned long long)r->gpr[k],
				       (unsigned long long)nr.gpr[k]);
				bad = 1;
			}
		if ((r->rflags & def) != (nr.rflags & def)) {
			printf("# %s: flags interp %04llx native %04llx (compared %04x)\n", what,
			       (unsigned long long)(r->rflags & 0xfff),
			       (unsigned long long)(nr.rflags & 0xfff), def);
			bad = 1;
		}
		if (memcmp(data, native_mem, DATA_SIZE)) {
			printf("# %s: memory differs\n", what);
			bad = 1;
		}
	}
	if (bad)
		failures++;
	memcpy(data, native_mem, DATA_SIZE);
	free(before);
	free(native_mem);
}

TEST(differential_flag_sequences)
{
	REQUIRE(native_init(&nat) == 0);
	data = mmap(NULL, DATA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(data != MAP_FAILED);
	for (unsigned k = 0; k < DATA_SIZE; k++)
		data[k] = (uint8_t)(k * 37 + 11);
	const char *s = getenv("SS_CPU_DIFF_SEED");
	rng_state = s ? strtoull(s, NULL, 0) ^ 0x5e9 : 0x5e9a5e9a77ull;
	if (!rng_state)
		rng_state = 1;
	ss_cpu *cpu = make_cpu();
	REQUIRE(cpu);
	failures = cases = 0;
	for (int k = 0; k < 20000; k++)
		seq_one(cpu);
	printf("# %u sequences, %u mismatches\n", cases, failures);
	CHECK(cases == 20000);
	CHECK(failures == 0);
	ss_cpu_free(cpu);
	native_fini(&nat);
	munmap(data, DATA_SIZE);
}

TEST_MAIN(differential_all_opcodes_all_sizes, differential_flag_sequences)
