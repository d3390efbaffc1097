/* Table-driven x86-64 decoder: legacy prefixes, REX, opcode maps (one byte, 0F, 0F 01 /mod=3),
 * ModRM/SIB, displacements and immediates (Intel SDM vol. 2 ch. 2, AMD APM vol. 3 ch. 1). The
 * lookup tables are built once from the single opcode list in opcodes.h. */
#include "cpu/core.h"
#include "cpu/ops.h"

#include <stdio.h>

enum {
#define SS_OP_ENUM(id, m, h, a, map, opc, reg, fl) SS_OP_##id,
	SS_CPU_OPCODES(SS_OP_ENUM)
#undef SS_OP_ENUM
	    SS_OP_COUNT
};

typedef struct ss_opent {
	const char *name;
	ss_op_fn fn;
	uint8_t aux, map, opc, reg;
	uint32_t flags;
} ss_opent;

static const ss_opent ss_ops[SS_OP_COUNT + 1] = {
#define SS_OP_ROW(id, m, h, a, map, opc, reg, fl) {m, ss_op_##h, a, map, opc, reg, fl},
    SS_CPU_OPCODES(SS_OP_ROW)
#undef SS_OP_ROW
	{"(bad)", ss_op_ud, 0, 0, 0, ANY, 0},
};

/* first[map][byte]: first candidate entry + 1 (0 none); chain[e]: next candidate + 1. */
static uint16_t first[SS_NMAPS][256];
static uint16_t chain[SS_OP_COUNT];

__attribute__((constructor)) static void ss_decode_tables(void)
{
	/* Insert in reverse so each chain lists entries in table order (prefix-specific rows such
	 * as PAUSE come before the generic row they shadow). */
	for (int e = SS_OP_COUNT - 1; e >= 0; e--) {
		const ss_opent *o = &ss_ops[e];
		int span = (o->flags & OPF_CCOPC) ? 16 : (o->flags & OPF_REGOPC) ? 8 : 1;
		for (int k = 0; k < span; k++) {
			unsigned b = (unsigned)o->opc + (unsigned)k;
			/* A span shares one chain link per entry: only the first byte may chain on.
			 */
			if (k == 0) {
				chain[e] = first[o->map][b];
				first[o->map][b] = (uint16_t)(e + 1);
			} else if (!first[o->map][b]) {
				first[o->map][b] = (uint16_t)(e + 1);
			}
		}
	}
}

const char *ss_insn_name(const ss_insn *i)
{
	return ss_ops[i->id <= SS_OP_COUNT ? i->id : SS_OP_COUNT].name;
}

unsigned ss_insn_flags(const ss_insn *i)
{
	return ss_ops[i->id <= SS_OP_COUNT ? i->id : SS_OP_COUNT].flags;
}

static int bad(ss_insn *out, int len)
{
	out->fn = ss_op_ud;
	out->id = SS_OP_COUNT;
	out->len = (uint8_t)(len > 15 ? 15 : len < 1 ? 1 : len);
	return -1;
}

/* 8-bit register numbers: without REX, 4..7 mean AH, CH, DH, BH (16..19 in ss_insn). */
static uint8_t reg8(unsigned r, int rex)
{
	return (uint8_t)((!rex && r >= 4 && r < 8) ? 16 + (r - 4) : r);
}

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned k = 0; k < n; k++)
		v |= (uint64_t)p[k] << (8 * k);
	return v;
}

/* Swaps in a fast handler for the common register/64-bit forms (same semantics, fewer checks). */
static void specialize(ss_insn *i)
{
	ss_op_fn f = i->fn;
	/* Memory operand of the plain forms: [base + index * scale + disp] or [base + disp]. */
	int bi = !i->mod3 && i->asz == 3 && i->base < 16 && i->index < 16;
	int b = !i->mod3 && i->asz == 3 && i->base < 16 && i->index == REG_NONE;
	if (f == ss_op_alu_rm_r && i->mod3 && i->osz >= 2) {
		i->fn = ss_alu_fast[i->aux & 7][i->osz == 3 ? 0 : 1];
		if (!i->fn)
			i->fn = i->osz == 3 ? ss_op_alu_rr64 : ss_op_alu_rr32;
	} else if (f == ss_op_alu_rm_imm && i->mod3 && i->osz >= 2) {
		i->fn = ss_alu_fast[i->aux & 7][i->osz == 3 ? 2 : 3];
		if (!i->fn)
			i->fn = i->osz == 3 ? ss_op_alu_ri64 : ss_op_alu_ri32;
	} else if (f == ss_op_incdec && i->mod3 && i->osz == 3)
		i->fn = ss_op_incdec_r64;
	else if (f == ss_op_mov_rm_r && i->osz == 3)
		i->fn = i->mod3 ? ss_op_mov_rr64
			: bi	? ss_op_mov_store64_bi
			: b	? ss_op_mov_store64_b
				: ss_op_mov_store64;
	else if (f == ss_op_mov_r_rm && i->osz == 3 && !i->mod3)
		i->fn = bi ? ss_op_mov_load64_bi : b ? ss_op_mov_load64_b : ss_op_mov_load64;
	else if (f == ss_op_lea && i->osz == 3)
		i->fn = bi ? ss_op_lea64_bi : ss_op_lea64;
	else if (f == ss_op_shift && i->mod3 && i->osz == 3 && i->aux != 1) {
		unsigned op = (i->modrm >> 3) & 7;
		if (op == 0 || op == 1)
			i->fn = ss_op_rot_r64;
		else if (op >= 4)
			i->fn = ss_op_shift_r64;
	} else if (f == ss_op_jcc && i->osz == 3)
		i->fn = ss_jcc_fast[i->aux & 15];
}

int ss_decode(const uint8_t *b, unsigned avail, ss_insn *out)
{
	return ss_decode_mode(b, avail, SS_MODE_LONG64, out);
}

/* The 16-bit ModRM forms (APM vol. 3 §1.4.2 Table 1-12): base and index pairs, BP defaults to SS.
 */
static int modrm16(const uint8_t *b, unsigned *p, unsigned avail, unsigned mod, unsigned rmf,
		   ss_insn *out)
{
	static const uint8_t base16[8] = {SS_RBX,   SS_RBX,   SS_RBP, SS_RBP,
					  REG_NONE, REG_NONE, SS_RBP, SS_RBX};
	static const uint8_t index16[8] = {SS_RSI, SS_RDI, SS_RSI,   SS_RDI,
					   SS_RSI, SS_RDI, REG_NONE, REG_NONE};
	unsigned dispsz = mod == 1 ? 1 : mod == 2 ? 2 : 0;
	out->base = base16[rmf];
	out->index = index16[rmf];
	if (mod == 0 && rmf == 6) {
		out->base = REG_NONE;
		dispsz = 2;
	}
	out->seg = out->base == SS_RBP ? SS_SEG_SS : SS_SEG_DS;
	if (*p + dispsz > avail)
		return -1;
	if (dispsz == 1)
		out->disp = (int8_t)b[*p];
	else if (dispsz == 2)
		out->disp = (int16_t)(uint16_t)le(b + *p, 2);
	*p += dispsz;
	return 0;
}

int ss_decode_mode(const uint8_t *b, unsigned avail, unsigned mode, ss_insn *out)
{
	unsigned p = 0, rex = 0, opsz16 = 0, adsz32 = 0, rep = 0, lock = 0, seg = 0xff;
	/* Defaults by mode (APM vol. 3 §1.2.2-§1.2.3): 0x66 and 0x67 toggle them outside 64-bit. */
	unsigned is64 = mode == SS_MODE_LONG64;
	unsigned d16 = mode == SS_MODE_REAL || mode == SS_MODE_VM86 || mode == SS_MODE_PROT16 ||
		       mode == SS_MODE_COMPAT16;
	memset(out, 0, sizeof(*out));
	out->base = REG_NONE;
	out->index = REG_NONE;
	if (avail > 15)
		avail = 15;

	/* Legacy prefixes and REX; a REX counts only when it immediately precedes the opcode. */
	for (;; p++) {
		if (p >= avail)
			return avail < 15 ? 0 : bad(out, 15);
		uint8_t x = b[p];
		if (is64 && (x & 0xF0) == 0x40) { /* REX; INC/DEC r elsewhere */
			rex = x;
			continue;
		}
		if (x == 0xF0)
			lock = 1;
		else if (x == 0xF2 || x == 0xF3)
			rep = x & 3;
		else if (x == 0x66)
			opsz16 = 1;
		else if (x == 0x67)
			adsz32 = 1;
		else if (x == 0x64 || x == 0x65)
			seg = x == 0x64 ? SS_SEG_FS : SS_SEG_GS;
		else if (x == 0x26 || x == 0x2E || x == 0x36 || x == 0x3E) {
			/* ES/CS/SS/DS overrides are ignored in 64-bit mode. */
			if (!is64)
				seg = x == 0x26	  ? SS_SEG_ES
				      : x == 0x2E ? SS_SEG_CS
				      : x == 0x36 ? SS_SEG_SS
						  : SS_SEG_DS;
		} else
			break;
		rex = 0;
	}
	unsigned map = M0, opc = b[p++];
	if (opc == 0x0F) {
		if (p >= avail)
			return avail < 15 ? 0 : bad(out, 15);
		map = M0F;
		opc = b[p++];
		if (opc == 0x38 || opc == 0x3A)
			return bad(out, (int)p); /* three-byte maps: SSE4/AES/MOVBE, not modelled */
	}
	unsigned e = first[map][opc];
	if (!e)
		return bad(out, (int)p);

	/* ModRM is a property of the opcode byte, so any candidate tells whether it is present. */
	unsigned modrm = 0, has_modrm = (ss_ops[e - 1].flags & OPF_MODRM) != 0;
	if (has_modrm) {
		if (p >= avail)
			return avail < 15 ? 0 : bad(out, 15);
		modrm = b[p++];
		if (ss_ops[e - 1].flags & OPF_FREG)
			modrm |= 0xC0;
		/* 0F 01 with mod == 3: a whole-ModRM opcode, else a register form of the /reg
		 * group (SMSW, LMSW). */
		if (map == M0F && opc == 0x01 && (modrm >> 6) == 3 && first[M0F01][modrm]) {
			map = M0F01;
			e = first[M0F01][modrm];
		}
	}
	unsigned regf = (modrm >> 3) & 7, mod = modrm >> 6, rmf = modrm & 7;
	const ss_opent *o = NULL;
	for (; e; e = chain[e - 1]) {
		const ss_opent *c = &ss_ops[e - 1];
		if (map != M0F01 && c->reg != ANY && c->reg != regf)
			continue;
		if ((c->flags & OPF_PF3) && rep != 3)
			continue;
		if ((c->flags & OPF_PF2) && rep != 2)
			continue;
		if ((c->flags & OPF_PNO) && rep)
			continue;
		if ((c->flags & OPF_P66) && (!opsz16 || rep))
			continue;
		if ((c->flags & OPF_NP) && (opsz16 || rep))
			continue;
		if ((c->flags & OPF_MEM) && mod == 3)
			continue;
		if ((c->flags & OPF_REGM) && mod != 3)
			continue;
		if ((c->flags & OPF_I64) ? is64 : (c->flags & OPF_O64) && !is64)
			continue; /* invalid in (or only valid in) 64-bit mode */
		o = c;
		break;
	}
	if (!o)
		return bad(out, (int)p);
	uint32_t fl = o->flags;
	out->id = (uint16_t)(o - ss_ops);
	out->fn = o->fn;
	out->aux = o->aux;
	out->modrm = (uint8_t)modrm;
	out->rep = (uint8_t)rep;
	out->lock = (uint8_t)lock;
	out->asz = is64 ? (adsz32 ? 2 : 3) : (d16 ^ adsz32) ? 1 : 2;
	if (fl & OPF_B)
		out->osz = 0;
	else if (!is64)
		out->osz = (d16 ^ opsz16) ? 1 : 2;
	else if (fl & OPF_F64)
		out->osz = 3;
	else if (rex & 8)
		out->osz = 3;
	else if (opsz16)
		out->osz = 1;
	else
		out->osz = (fl & OPF_D64) ? 3 : 2;
	if (fl & OPF_CCOPC)
		out->aux = (uint8_t)(opc & 15);

	if (fl & OPF_REGOPC) {
		unsigned r = (opc & 7) | ((rex & 1) << 3);
		out->reg = (fl & OPF_B) ? reg8(r, rex) : (uint8_t)r;
	} else if (has_modrm) {
		unsigned r = regf | ((rex & 4) << 1);
		out->reg = (fl & OPF_B) ? reg8(r, rex) : (uint8_t)r;
		if (mod == 3) {
			unsigned rm = rmf | ((rex & 1) << 3);
			out->mod3 = 1;
			out->rm = (fl & (OPF_B | OPF_RMB)) ? reg8(rm, rex) : (uint8_t)rm;
		} else if (out->asz == 1) {
			if (modrm16(b, &p, avail, mod, rmf, out))
				return avail < 15 ? 0 : bad(out, 15);
		} else {
			unsigned base = rmf, dispsz = mod == 1 ? 1 : mod == 2 ? 4 : 0;
			out->seg = SS_SEG_DS;
			if (rmf == 4) {
				if (p >= avail)
					return avail < 15 ? 0 : bad(out, 15);
				unsigned sib = b[p++];
				unsigned idx = ((sib >> 3) & 7) | ((rex & 2) << 2);
				base = sib & 7;
				out->scale = (uint8_t)(sib >> 6);
				out->index = idx == 4 ? REG_NONE : (uint8_t)idx;
				if (base == 5 && mod == 0) {
					out->base = REG_NONE;
					dispsz = 4;
				} else {
					out->base = (uint8_t)(base | ((rex & 1) << 3));
				}
			} else if (rmf == 5 && mod == 0) {
				out->base =
				    is64 ? REG_RIP : REG_NONE; /* disp32 alone outside 64-bit */
				dispsz = 4;
			} else {
				out->base = (uint8_t)(base | ((rex & 1) << 3));
			}
			if (out->base == SS_RSP || out->base == SS_RBP)
				out->seg = SS_SEG_SS;
			if (p + dispsz > avail)
				return avail < 15 ? 0 : bad(out, 15);
			if (dispsz == 1)
				out->disp = (int8_t)b[p];
			else if (dispsz == 4)
				out->disp = (int32_t)(uint32_t)le(b + p, 4);
			p += dispsz;
		}
	}
	if (seg != 0xff)
		out->seg = (uint8_t)seg;
	else if (!has_modrm)
		out->seg = SS_SEG_DS;

	/* LOCK needs a lockable instruction with a memory destination (#UD otherwise). */
	if (lock && (!(fl & OPF_LOCK) || mod == 3 || !has_modrm))
		return bad(out, (int)p);

	unsigned isz = 0;
	if (fl & OPF_I8)
		isz = 1;
	else if (fl & OPF_I16)
		isz = 2;
	else if (fl & OPF_IZ)
		isz = out->osz == 1 ? 2 : 4;
	else if (fl & OPF_IV)
		isz = 1u << out->osz;
	else if (fl & OPF_I16I8)
		isz = 3;
	else if (fl & OPF_MOFFS)
		isz = 1u << out->asz;
	else if (fl & OPF_PTR)
		isz = out->osz == 1 ? 4 : 6; /* ptr16:16 or ptr16:32 */
	if (p + isz > avail)
		return avail < 15 ? 0 : bad(out, 15);
	if (fl & OPF_I16I8) {
		out->imm = le(b + p, 2);
		out->imm2 = b[p + 2];
	} else if (fl & OPF_PTR) {
		out->imm = le(b + p, isz - 2);
		out->imm2 = (uint16_t)le(b + p + isz - 2, 2);
	} else if (isz) {
		uint64_t v = le(b + p, isz);
		if (fl & OPF_MOFFS)
			out->disp = 0;
		if ((fl & OPF_SX) || (fl & OPF_IZ))
			v = isz == 1   ? (uint64_t)(int64_t)(int8_t)v
			    : isz == 2 ? (uint64_t)(int64_t)(int16_t)v
				       : (uint64_t)(int64_t)(int32_t)v;
		out->imm = v;
	}
	p += isz;
	out->len = (uint8_t)p;
	specialize(out);
	return (int)p;
}

int ss_cpu_disasm(const uint8_t *bytes, size_t len, char *buf, size_t bufsize)
{
	ss_insn i;
	int n = ss_decode(bytes, len > 15 ? 15 : (unsigned)len, &i);
	if (n <= 0) {
		if (bufsize)
			snprintf(buf, bufsize, "(bad)");
		return n == 0 ? SS_ERANGE : SS_EINVAL;
	}
	static const char *const cc[16] = {"o", "no", "b", "ae", "e", "ne", "be", "a",
					   "s", "ns", "p", "np", "l", "ge", "le", "g"};
	const char *name = ss_insn_name(&i);
	if (bufsize) {
		unsigned fl = ss_insn_flags(&i);
		size_t nl = strlen(name);
		if ((fl & OPF_CCOPC) && nl > 2 && !strcmp(name + nl - 2, "cc")) {
			/* "jcc" -> "jne" etc. */
			snprintf(buf, bufsize, "%.*s%s", (int)nl - 2, name, cc[i.aux & 15]);
		} else {
			snprintf(buf, bufsize, "%s", name);
		}
	}
	return n;
}
