/* The single-source opcode table (STYLE.md item 3): every encoding the decoder knows, with its
 * mnemonic (the tracer's name), handler, parameter and decoding flags. decode.c builds its lookup
 * tables from this list and exec.c its dispatch; nothing else lists opcodes.
 *
 * X(id, mnemonic, handler, aux, map, opcode, reg, flags)
 *   handler  -> ss_op_<handler>(ss_cpu *, const ss_insn *)
 *   aux      -> ss_insn.aux (ALU operation, condition, size, hook id, ...)
 *   map      -> M0 (one byte), M0F (0F xx), M0F01 (0F 01 with mod == 3, opcode = whole ModRM)
 *   opcode   -> the byte (OPF_REGOPC covers 8 bytes, OPF_CCOPC 16)
 *   reg      -> ModRM.reg for group encodings, ANY otherwise
 * Encodings: Intel SDM / AMD APM vol. 3 opcode maps (one-byte, two-byte, group tables).
 */
#ifndef SS_CPU_OPCODES_H
#define SS_CPU_OPCODES_H

enum { M0 = 0, M0F = 1, M0F01 = 2, SS_NMAPS = 3 };
#define ANY 8

#define OPF_MODRM  0x1u
#define OPF_B	   0x2u	  /* byte operation */
#define OPF_I8	   0x4u	  /* imm8 */
#define OPF_I16	   0x8u	  /* imm16 */
#define OPF_IZ	   0x10u  /* imm16/imm32 by operand size, sign-extended to 64 */
#define OPF_IV	   0x20u  /* imm16/32/64 by operand size (MOV r, imm) */
#define OPF_SX	   0x40u  /* sign-extend imm8 */
#define OPF_REL	   0x80u  /* immediate is a branch displacement (rel8 with I8, rel32 with IZ) */
#define OPF_MOFFS  0x100u /* 64-bit absolute address */
#define OPF_D64	   0x200u /* default operand size 64 in 64-bit mode */
#define OPF_F64	   0x400u /* operand size forced to 64 */
#define OPF_REGOPC 0x800u
#define OPF_CCOPC  0x1000u
#define OPF_END	   0x2000u    /* ends a decoded block (control transfer / system) */
#define OPF_PF3	   0x4000u    /* needs F3 prefix */
#define OPF_PF2	   0x8000u    /* needs F2 prefix */
#define OPF_PNO	   0x10000u   /* needs neither F2 nor F3 */
#define OPF_MEM	   0x20000u   /* ModRM must name memory */
#define OPF_REGM   0x40000u   /* ModRM must name a register */
#define OPF_LOCK   0x80000u   /* LOCK allowed (with a memory destination) */
#define OPF_I16I8  0x100000u  /* ENTER: imm16, imm8 */
#define OPF_W	   0x200000u  /* writes memory (fetch-window invalidation hint) */
#define OPF_RMB	   0x800000u  /* the r/m operand alone is a byte (MOVZX/MOVSX Gv, Eb) */
#define OPF_FREG   0x1000000u /* ModRM.mod is ignored: r/m is always a register (MOV CR/DR) */
#define OPF_I64	   0x400000u  /* invalid in 64-bit mode (#UD) */
#define OPF_O64	   0x2000000u /* valid only in 64-bit mode */
#define OPF_PTR	   0x4000000u /* far pointer ptr16:16 / ptr16:32: offset in imm, selector in imm2 */
#define OPF_P66	   0x8000000u /* needs 0x66 and neither F2 nor F3 (SSE mandatory prefix) */
#define OPF_NP	   0x10000000u /* needs none of 0x66, F2, F3 (SSE/MMX "no prefix" form) */

#define SS_ALU_ROWS(X, N, m, k, L)                                                                 \
	X(N##_EbGb, m, alu_rm_r, k, M0, (k)*8 + 0, ANY, OPF_MODRM | OPF_B | L)                     \
	X(N##_EvGv, m, alu_rm_r, k, M0, (k)*8 + 1, ANY, OPF_MODRM | L)                             \
	X(N##_GbEb, m, alu_r_rm, k, M0, (k)*8 + 2, ANY, OPF_MODRM | OPF_B)                         \
	X(N##_GvEv, m, alu_r_rm, k, M0, (k)*8 + 3, ANY, OPF_MODRM)                                 \
	X(N##_ALIb, m, alu_acc_imm, k, M0, (k)*8 + 4, ANY, OPF_B | OPF_I8)                         \
	X(N##_AXIz, m, alu_acc_imm, k, M0, (k)*8 + 5, ANY, OPF_IZ)                                 \
	X(N##_EbIb, m, alu_rm_imm, k, M0, 0x80, k, OPF_MODRM | OPF_B | OPF_I8 | L)                 \
	X(N##_EvIz, m, alu_rm_imm, k, M0, 0x81, k, OPF_MODRM | OPF_IZ | L)                         \
	X(N##_EvIb, m, alu_rm_imm, k, M0, 0x83, k, OPF_MODRM | OPF_I8 | OPF_SX | L)

#define SS_SHIFT_ROWS(X, N, m, k)                                                                  \
	X(N##_Eb1, m, shift, 0, M0, 0xD0, k, OPF_MODRM | OPF_B)                                    \
	X(N##_Ev1, m, shift, 0, M0, 0xD1, k, OPF_MODRM)                                            \
	X(N##_EbCL, m, shift, 1, M0, 0xD2, k, OPF_MODRM | OPF_B)                                   \
	X(N##_EvCL, m, shift, 1, M0, 0xD3, k, OPF_MODRM)                                           \
	X(N##_EbIb, m, shift, 2, M0, 0xC0, k, OPF_MODRM | OPF_B | OPF_I8)                          \
	X(N##_EvIb, m, shift, 2, M0, 0xC1, k, OPF_MODRM | OPF_I8)

/* ---- x87 control, MMX, SSE/SSE2 (fpu.c, sse.c) ----
 * Mandatory prefixes select the form (Intel SDM vol. 2 Table A-3, APM vol. 3 Table A-4): none
 * (OPF_NP) = packed single / MMX, 66 (OPF_P66) = packed double / 128-bit integer, F3 = scalar
 * single, F2 = scalar double. sse_fp's aux is op * 4 + form (0 ps, 1 pd, 2 ss, 3 sd). */
enum ss_sse_fp_op { SFP_ADD, SFP_MUL, SFP_SUB, SFP_MIN, SFP_DIV, SFP_MAX, SFP_SQRT };
/* Packed-integer (and bitwise / unpack) operations of sse_int. */
enum ss_pint_op {
	PI_PADDB,
	PI_PADDW,
	PI_PADDD,
	PI_PADDQ,
	PI_PSUBB,
	PI_PSUBW,
	PI_PSUBD,
	PI_PSUBQ,
	PI_PADDSB,
	PI_PADDSW,
	PI_PADDUSB,
	PI_PADDUSW,
	PI_PSUBSB,
	PI_PSUBSW,
	PI_PSUBUSB,
	PI_PSUBUSW,
	PI_PCMPEQB,
	PI_PCMPEQW,
	PI_PCMPEQD,
	PI_PCMPGTB,
	PI_PCMPGTW,
	PI_PCMPGTD,
	PI_PAND,
	PI_PANDN,
	PI_POR,
	PI_PXOR,
	PI_PMINUB,
	PI_PMAXUB,
	PI_PMINSW,
	PI_PMAXSW,
	PI_PMULLW,
	PI_PMULHW,
	PI_PMULHUW,
	PI_PMULUDQ,
	PI_PMADDWD,
	PI_PAVGB,
	PI_PAVGW,
	PI_PSADBW,
	PI_PUNPCKLBW,
	PI_PUNPCKLWD,
	PI_PUNPCKLDQ,
	PI_PUNPCKLQDQ,
	PI_PUNPCKHBW,
	PI_PUNPCKHWD,
	PI_PUNPCKHDQ,
	PI_PUNPCKHQDQ,
	PI_PACKSSWB,
	PI_PACKUSWB,
	PI_PACKSSDW,
	PI_PSRLW,
	PI_PSRLD,
	PI_PSRLQ,
	PI_PSRAW,
	PI_PSRAD,
	PI_PSLLW,
	PI_PSLLD,
	PI_PSLLQ,
	PI_PSRLDQ,
	PI_PSLLDQ
};
/* sse_mov / sse_store forms. */
enum ss_smov {
	SMOV_A128, /* 128 bits, 16-byte aligned memory */
	SMOV_U128, /* 128 bits, any alignment */
	SMOV_SS,   /* low 32 bits (register: merge; load from memory: zero the rest) */
	SMOV_SD,   /* low 64 bits, same rules */
	SMOV_Q,	   /* low 64 bits, the upper 64 zeroed (MOVQ) */
	SMOV_LO,   /* MOVLPS/MOVLPD: low 64 bits with memory */
	SMOV_HI,   /* MOVHPS/MOVHPD: high 64 bits with memory */
	SMOV_HL,   /* MOVHLPS: low 64 = source high 64 */
	SMOV_LH,   /* MOVLHPS: high 64 = source low 64 */
};
/* sse_cvt conversions. */
enum ss_scvt {
	SCVT_SI2SS,
	SCVT_SI2SD,
	SCVT_TSS2SI,
	SCVT_TSD2SI,
	SCVT_SS2SI,
	SCVT_SD2SI,
	SCVT_PS2PD,
	SCVT_PD2PS,
	SCVT_SS2SD,
	SCVT_SD2SS,
	SCVT_DQ2PS,
	SCVT_PS2DQ,
	SCVT_TPS2DQ,
	SCVT_TPD2DQ,
	SCVT_DQ2PD,
	SCVT_PD2DQ
};

#define SS_SSE_FP4(X, N, m, op, opc)                                                               \
	X(N##PS, m "ps", sse_fp, (op)*4 + 0, M0F, opc, ANY, OPF_MODRM | OPF_NP)                    \
	X(N##PD, m "pd", sse_fp, (op)*4 + 1, M0F, opc, ANY, OPF_MODRM | OPF_P66)                   \
	X(N##SS, m "ss", sse_fp, (op)*4 + 2, M0F, opc, ANY, OPF_MODRM | OPF_PF3)                   \
	X(N##SD, m "sd", sse_fp, (op)*4 + 3, M0F, opc, ANY, OPF_MODRM | OPF_PF2)
#define SS_PINT(X, N, m, op, opc)	   X(N, m, sse_int, op, M0F, opc, ANY, OPF_MODRM | OPF_P66)
#define SS_SMOV(X, N, m, h, form, opc, fl) X(N, m, h, form, M0F, opc, ANY, OPF_MODRM | (fl))
#define SS_CVT(X, N, m, k, opc, fl)	   X(N, m, sse_cvt, k, M0F, opc, ANY, OPF_MODRM | (fl))
#define SS_X87(X, N, opc)		   X(N, "x87", x87, 0, M0, opc, ANY, OPF_MODRM)
#define SS_MMX(X, N, opc, fl)		   X(N, "mmx", mmx, 0, M0F, opc, ANY, OPF_MODRM | OPF_NP | (fl))

#define SS_FPU_OPCODES(X)                                                                          \
	X(FLDCW, "fldcw", fldcw, 0, M0, 0xD9, 5, OPF_MODRM | OPF_MEM)                              \
	X(FNSTCW, "fnstcw", fnstcw, 0, M0, 0xD9, 7, OPF_MODRM | OPF_MEM)                           \
	X(FNSTSW_M, "fnstsw", fnstsw, 0, M0, 0xDD, 7, OPF_MODRM | OPF_MEM)                         \
	X(FNSTSW_AX, "fnstsw", fnstsw, 1, M0, 0xDF, 4, OPF_MODRM | OPF_REGM)                       \
	X(FNINIT, "fninit", x87_db4, 0, M0, 0xDB, 4, OPF_MODRM | OPF_REGM)                         \
	SS_X87(X, X87_D8, 0xD8)                                                                    \
	SS_X87(X, X87_D9, 0xD9)                                                                    \
	SS_X87(X, X87_DA, 0xDA)                                                                    \
	SS_X87(X, X87_DB, 0xDB)                                                                    \
	SS_X87(X, X87_DC, 0xDC)                                                                    \
	SS_X87(X, X87_DD, 0xDD)                                                                    \
	SS_X87(X, X87_DE, 0xDE)                                                                    \
	SS_X87(X, X87_DF, 0xDF)                                                                    \
	X(FXSAVE, "fxsave", fxsave, 0, M0F, 0xAE, 0, OPF_MODRM | OPF_MEM | OPF_NP | OPF_W)         \
	X(FXRSTOR, "fxrstor", fxrstor, 0, M0F, 0xAE, 1, OPF_MODRM | OPF_MEM | OPF_NP)              \
	X(LDMXCSR, "ldmxcsr", ldmxcsr, 0, M0F, 0xAE, 2, OPF_MODRM | OPF_MEM | OPF_NP)              \
	X(STMXCSR, "stmxcsr", stmxcsr, 0, M0F, 0xAE, 3, OPF_MODRM | OPF_MEM | OPF_NP | OPF_W)      \
	X(XSAVE, "xsave", xsave, 0, M0F, 0xAE, 4, OPF_MODRM | OPF_MEM | OPF_NP | OPF_W)            \
	X(XRSTOR, "xrstor", xrstor, 0, M0F, 0xAE, 5, OPF_MODRM | OPF_MEM | OPF_NP)                 \
	X(XSAVEOPT, "xsaveopt", xsave, 1, M0F, 0xAE, 6, OPF_MODRM | OPF_MEM | OPF_NP | OPF_W)      \
	X(EMMS, "emms", emms, 0, M0F, 0x77, ANY, OPF_NP)                                           \
	X(MOVD_PqEy, "movd", mmx_movd, 0, M0F, 0x6E, ANY, OPF_MODRM | OPF_NP)                      \
	X(MOVD_EyPq, "movd", mmx_movd, 1, M0F, 0x7E, ANY, OPF_MODRM | OPF_NP)                      \
	X(MOVQ_PqQq, "movq", mmx_movq, 0, M0F, 0x6F, ANY, OPF_MODRM | OPF_NP)                      \
	X(MOVQ_QqPq, "movq", mmx_movq, 1, M0F, 0x7F, ANY, OPF_MODRM | OPF_NP)                      \
	X(PXOR_Pq, "pxor", mmx_pxor, 0, M0F, 0xEF, ANY, OPF_MODRM | OPF_NP)                        \
	SS_SMOV(X, MOVUPS, "movups", sse_mov, SMOV_U128, 0x10, OPF_NP)                             \
	SS_SMOV(X, MOVUPD, "movupd", sse_mov, SMOV_U128, 0x10, OPF_P66)                            \
	SS_SMOV(X, MOVSS, "movss", sse_mov, SMOV_SS, 0x10, OPF_PF3)                                \
	SS_SMOV(X, MOVSD, "movsd", sse_mov, SMOV_SD, 0x10, OPF_PF2)                                \
	SS_SMOV(X, MOVUPS_st, "movups", sse_store, SMOV_U128, 0x11, OPF_NP | OPF_W)                \
	SS_SMOV(X, MOVUPD_st, "movupd", sse_store, SMOV_U128, 0x11, OPF_P66 | OPF_W)               \
	SS_SMOV(X, MOVSS_st, "movss", sse_store, SMOV_SS, 0x11, OPF_PF3 | OPF_W)                   \
	SS_SMOV(X, MOVSD_st, "movsd", sse_store, SMOV_SD, 0x11, OPF_PF2 | OPF_W)                   \
	SS_SMOV(X, MOVLPS, "movlps", sse_mov, SMOV_LO, 0x12, OPF_NP | OPF_MEM)                     \
	SS_SMOV(X, MOVHLPS, "movhlps", sse_mov, SMOV_HL, 0x12, OPF_NP | OPF_REGM)                  \
	SS_SMOV(X, MOVLPD, "movlpd", sse_mov, SMOV_LO, 0x12, OPF_P66 | OPF_MEM)                    \
	SS_SMOV(X, MOVLPS_st, "movlps", sse_store, SMOV_LO, 0x13, OPF_NP | OPF_MEM | OPF_W)        \
	SS_SMOV(X, MOVLPD_st, "movlpd", sse_store, SMOV_LO, 0x13, OPF_P66 | OPF_MEM | OPF_W)       \
	X(UNPCKLPS, "unpcklps", sse_int, PI_PUNPCKLDQ, M0F, 0x14, ANY, OPF_MODRM | OPF_NP)         \
	X(UNPCKLPD, "unpcklpd", sse_int, PI_PUNPCKLQDQ, M0F, 0x14, ANY, OPF_MODRM | OPF_P66)       \
	X(UNPCKHPS, "unpckhps", sse_int, PI_PUNPCKHDQ, M0F, 0x15, ANY, OPF_MODRM | OPF_NP)         \
	X(UNPCKHPD, "unpckhpd", sse_int, PI_PUNPCKHQDQ, M0F, 0x15, ANY, OPF_MODRM | OPF_P66)       \
	SS_SMOV(X, MOVHPS, "movhps", sse_mov, SMOV_HI, 0x16, OPF_NP | OPF_MEM)                     \
	SS_SMOV(X, MOVLHPS, "movlhps", sse_mov, SMOV_LH, 0x16, OPF_NP | OPF_REGM)                  \
	SS_SMOV(X, MOVHPD, "movhpd", sse_mov, SMOV_HI, 0x16, OPF_P66 | OPF_MEM)                    \
	SS_SMOV(X, MOVHPS_st, "movhps", sse_store, SMOV_HI, 0x17, OPF_NP | OPF_MEM | OPF_W)        \
	SS_SMOV(X, MOVHPD_st, "movhpd", sse_store, SMOV_HI, 0x17, OPF_P66 | OPF_MEM | OPF_W)       \
	SS_SMOV(X, MOVAPS, "movaps", sse_mov, SMOV_A128, 0x28, OPF_NP)                             \
	SS_SMOV(X, MOVAPD, "movapd", sse_mov, SMOV_A128, 0x28, OPF_P66)                            \
	SS_SMOV(X, MOVAPS_st, "movaps", sse_store, SMOV_A128, 0x29, OPF_NP | OPF_W)                \
	SS_SMOV(X, MOVAPD_st, "movapd", sse_store, SMOV_A128, 0x29, OPF_P66 | OPF_W)               \
	SS_CVT(X, CVTSI2SS, "cvtsi2ss", SCVT_SI2SS, 0x2A, OPF_PF3)                                 \
	SS_CVT(X, CVTSI2SD, "cvtsi2sd", SCVT_SI2SD, 0x2A, OPF_PF2)                                 \
	SS_SMOV(X, MOVNTPS, "movntps", sse_store, SMOV_A128, 0x2B, OPF_NP | OPF_MEM | OPF_W)       \
	SS_SMOV(X, MOVNTPD, "movntpd", sse_store, SMOV_A128, 0x2B, OPF_P66 | OPF_MEM | OPF_W)      \
	SS_CVT(X, CVTTSS2SI, "cvttss2si", SCVT_TSS2SI, 0x2C, OPF_PF3)                              \
	SS_CVT(X, CVTTSD2SI, "cvttsd2si", SCVT_TSD2SI, 0x2C, OPF_PF2)                              \
	SS_CVT(X, CVTSS2SI, "cvtss2si", SCVT_SS2SI, 0x2D, OPF_PF3)                                 \
	SS_CVT(X, CVTSD2SI, "cvtsd2si", SCVT_SD2SI, 0x2D, OPF_PF2)                                 \
	X(UCOMISS, "ucomiss", sse_comis, 0, M0F, 0x2E, ANY, OPF_MODRM | OPF_NP)                    \
	X(UCOMISD, "ucomisd", sse_comis, 1, M0F, 0x2E, ANY, OPF_MODRM | OPF_P66)                   \
	X(COMISS, "comiss", sse_comis, 2, M0F, 0x2F, ANY, OPF_MODRM | OPF_NP)                      \
	X(COMISD, "comisd", sse_comis, 3, M0F, 0x2F, ANY, OPF_MODRM | OPF_P66)                     \
	X(MOVMSKPS, "movmskps", sse_movmsk, 1, M0F, 0x50, ANY, OPF_MODRM | OPF_NP | OPF_REGM)      \
	X(MOVMSKPD, "movmskpd", sse_movmsk, 2, M0F, 0x50, ANY, OPF_MODRM | OPF_P66 | OPF_REGM)     \
	SS_SSE_FP4(X, SQRT, "sqrt", SFP_SQRT, 0x51)                                                \
	X(RSQRTPS, "rsqrtps", sse_unimpl, 0, M0F, 0x52, ANY, OPF_MODRM | OPF_NP)                   \
	X(RSQRTSS, "rsqrtss", sse_unimpl, 0, M0F, 0x52, ANY, OPF_MODRM | OPF_PF3)                  \
	X(RCPPS, "rcpps", sse_unimpl, 0, M0F, 0x53, ANY, OPF_MODRM | OPF_NP)                       \
	X(RCPSS, "rcpss", sse_unimpl, 0, M0F, 0x53, ANY, OPF_MODRM | OPF_PF3)                      \
	X(ANDPS, "andps", sse_int, PI_PAND, M0F, 0x54, ANY, OPF_MODRM | OPF_NP)                    \
	X(ANDPD, "andpd", sse_int, PI_PAND, M0F, 0x54, ANY, OPF_MODRM | OPF_P66)                   \
	X(ANDNPS, "andnps", sse_int, PI_PANDN, M0F, 0x55, ANY, OPF_MODRM | OPF_NP)                 \
	X(ANDNPD, "andnpd", sse_int, PI_PANDN, M0F, 0x55, ANY, OPF_MODRM | OPF_P66)                \
	X(ORPS, "orps", sse_int, PI_POR, M0F, 0x56, ANY, OPF_MODRM | OPF_NP)                       \
	X(ORPD, "orpd", sse_int, PI_POR, M0F, 0x56, ANY, OPF_MODRM | OPF_P66)                      \
	X(XORPS, "xorps", sse_int, PI_PXOR, M0F, 0x57, ANY, OPF_MODRM | OPF_NP)                    \
	X(XORPD, "xorpd", sse_int, PI_PXOR, M0F, 0x57, ANY, OPF_MODRM | OPF_P66)                   \
	SS_SSE_FP4(X, ADD, "add", SFP_ADD, 0x58)                                                   \
	SS_SSE_FP4(X, MUL, "mul", SFP_MUL, 0x59)                                                   \
	SS_CVT(X, CVTPS2PD, "cvtps2pd", SCVT_PS2PD, 0x5A, OPF_NP)                                  \
	SS_CVT(X, CVTPD2PS, "cvtpd2ps", SCVT_PD2PS, 0x5A, OPF_P66)                                 \
	SS_CVT(X, CVTSS2SD, "cvtss2sd", SCVT_SS2SD, 0x5A, OPF_PF3)                                 \
	SS_CVT(X, CVTSD2SS, "cvtsd2ss", SCVT_SD2SS, 0x5A, OPF_PF2)                                 \
	SS_CVT(X, CVTDQ2PS, "cvtdq2ps", SCVT_DQ2PS, 0x5B, OPF_NP)                                  \
	SS_CVT(X, CVTPS2DQ, "cvtps2dq", SCVT_PS2DQ, 0x5B, OPF_P66)                                 \
	SS_CVT(X, CVTTPS2DQ, "cvttps2dq", SCVT_TPS2DQ, 0x5B, OPF_PF3)                              \
	SS_SSE_FP4(X, SUB, "sub", SFP_SUB, 0x5C)                                                   \
	SS_SSE_FP4(X, MIN, "min", SFP_MIN, 0x5D)                                                   \
	SS_SSE_FP4(X, DIV, "div", SFP_DIV, 0x5E)                                                   \
	SS_SSE_FP4(X, MAX, "max", SFP_MAX, 0x5F)                                                   \
	SS_PINT(X, PUNPCKLBW, "punpcklbw", PI_PUNPCKLBW, 0x60)                                     \
	SS_PINT(X, PUNPCKLWD, "punpcklwd", PI_PUNPCKLWD, 0x61)                                     \
	SS_PINT(X, PUNPCKLDQ, "punpckldq", PI_PUNPCKLDQ, 0x62)                                     \
	SS_PINT(X, PACKSSWB, "packsswb", PI_PACKSSWB, 0x63)                                        \
	SS_PINT(X, PCMPGTB, "pcmpgtb", PI_PCMPGTB, 0x64)                                           \
	SS_PINT(X, PCMPGTW, "pcmpgtw", PI_PCMPGTW, 0x65)                                           \
	SS_PINT(X, PCMPGTD, "pcmpgtd", PI_PCMPGTD, 0x66)                                           \
	SS_PINT(X, PACKUSWB, "packuswb", PI_PACKUSWB, 0x67)                                        \
	SS_PINT(X, PUNPCKHBW, "punpckhbw", PI_PUNPCKHBW, 0x68)                                     \
	SS_PINT(X, PUNPCKHWD, "punpckhwd", PI_PUNPCKHWD, 0x69)                                     \
	SS_PINT(X, PUNPCKHDQ, "punpckhdq", PI_PUNPCKHDQ, 0x6A)                                     \
	SS_PINT(X, PACKSSDW, "packssdw", PI_PACKSSDW, 0x6B)                                        \
	SS_PINT(X, PUNPCKLQDQ, "punpcklqdq", PI_PUNPCKLQDQ, 0x6C)                                  \
	SS_PINT(X, PUNPCKHQDQ, "punpckhqdq", PI_PUNPCKHQDQ, 0x6D)                                  \
	X(MOVD_VyEy, "movd", sse_movd, 0, M0F, 0x6E, ANY, OPF_MODRM | OPF_P66)                     \
	SS_SMOV(X, MOVDQA, "movdqa", sse_mov, SMOV_A128, 0x6F, OPF_P66)                            \
	SS_SMOV(X, MOVDQU, "movdqu", sse_mov, SMOV_U128, 0x6F, OPF_PF3)                            \
	X(PSHUFD, "pshufd", sse_pshuf, 0, M0F, 0x70, ANY, OPF_MODRM | OPF_P66 | OPF_I8)            \
	X(PSHUFHW, "pshufhw", sse_pshuf, 1, M0F, 0x70, ANY, OPF_MODRM | OPF_PF3 | OPF_I8)          \
	X(PSHUFLW, "pshuflw", sse_pshuf, 2, M0F, 0x70, ANY, OPF_MODRM | OPF_PF2 | OPF_I8)          \
	X(PSRLW_I, "psrlw", sse_shift_imm, PI_PSRLW, M0F, 0x71, 2,                                 \
	  OPF_MODRM | OPF_P66 | OPF_REGM | OPF_I8)                                                 \
	X(PSRAW_I, "psraw", sse_shift_imm, PI_PSRAW, M0F, 0x71, 4,                                 \
	  OPF_MODRM | OPF_P66 | OPF_REGM | OPF_I8)                                                 \
	X(PSLLW_I, "psllw", sse_shift_imm, PI_PSLLW, M0F, 0x71, 6,                                 \
	  OPF_MODRM | OPF_P66 | OPF_REGM | OPF_I8)                                                 \
	X(PSRLD_I, "psrld", sse_shift_imm, PI_PSRLD, M0F, 0x72, 2,                                 \
	  OPF_MODRM | OPF_P66 | OPF_REGM | OPF_I8)                                                 \
	X(PSRAD_I, "psrad", sse_shift_imm, PI_PSRAD, M0F, 0x72, 4,                                 \
	  OPF_MODRM | OPF_P66 | OPF_REGM | OPF_I8)                                                 \
	X(PSLLD_I, "pslld", sse_shift_imm, PI_PSLLD, M0F, 0x72, 6,                                 \
	  OPF_MODRM | OPF_P66 | OPF_REGM | OPF_I8)                                                 \
	X(PSRLQ_I, "psrlq", sse_shift_imm, PI_PSRLQ, M0F, 0x73, 2,                                 \
	  OPF_MODRM | OPF_P66 | OPF_REGM | OPF_I8)                                                 \
	X(PSRLDQ, "psrldq", sse_shift_imm, PI_PSRLDQ, M0F, 0x73, 3,                                \
	  OPF_MODRM | OPF_P66 | OPF_REGM | OPF_I8)                                                 \
	X(PSLLQ_I, "psllq", sse_shift_imm, PI_PSLLQ, M0F, 0x73, 6,                                 \
	  OPF_MODRM | OPF_P66 | OPF_REGM | OPF_I8)                                                 \
	X(PSLLDQ, "pslldq", sse_shift_imm, PI_PSLLDQ, M0F, 0x73, 7,                                \
	  OPF_MODRM | OPF_P66 | OPF_REGM | OPF_I8)                                                 \
	SS_PINT(X, PCMPEQB, "pcmpeqb", PI_PCMPEQB, 0x74)                                           \
	SS_PINT(X, PCMPEQW, "pcmpeqw", PI_PCMPEQW, 0x75)                                           \
	SS_PINT(X, PCMPEQD, "pcmpeqd", PI_PCMPEQD, 0x76)                                           \
	X(MOVD_EyVy, "movd", sse_movd, 1, M0F, 0x7E, ANY, OPF_MODRM | OPF_P66 | OPF_W)             \
	SS_SMOV(X, MOVQ_VqWq, "movq", sse_mov, SMOV_Q, 0x7E, OPF_PF3)                              \
	SS_SMOV(X, MOVDQA_st, "movdqa", sse_store, SMOV_A128, 0x7F, OPF_P66 | OPF_W)               \
	SS_SMOV(X, MOVDQU_st, "movdqu", sse_store, SMOV_U128, 0x7F, OPF_PF3 | OPF_W)               \
	X(CMPPS, "cmpps", sse_cmp, 0, M0F, 0xC2, ANY, OPF_MODRM | OPF_NP | OPF_I8)                 \
	X(CMPPD, "cmppd", sse_cmp, 1, M0F, 0xC2, ANY, OPF_MODRM | OPF_P66 | OPF_I8)                \
	X(CMPSS, "cmpss", sse_cmp, 2, M0F, 0xC2, ANY, OPF_MODRM | OPF_PF3 | OPF_I8)                \
	X(CMPSD, "cmpsd", sse_cmp, 3, M0F, 0xC2, ANY, OPF_MODRM | OPF_PF2 | OPF_I8)                \
	X(MOVNTI, "movnti", mov_rm_r, 0, M0F, 0xC3, ANY, OPF_MODRM | OPF_NP | OPF_MEM | OPF_W)     \
	X(PINSRW, "pinsrw", sse_pinsrw, 0, M0F, 0xC4, ANY, OPF_MODRM | OPF_P66 | OPF_I8)           \
	X(PEXTRW, "pextrw", sse_pextrw, 0, M0F, 0xC5, ANY,                                         \
	  OPF_MODRM | OPF_P66 | OPF_REGM | OPF_I8)                                                 \
	X(SHUFPS, "shufps", sse_shufp, 0, M0F, 0xC6, ANY, OPF_MODRM | OPF_NP | OPF_I8)             \
	X(SHUFPD, "shufpd", sse_shufp, 1, M0F, 0xC6, ANY, OPF_MODRM | OPF_P66 | OPF_I8)            \
	SS_PINT(X, PSRLW, "psrlw", PI_PSRLW, 0xD1)                                                 \
	SS_PINT(X, PSRLD, "psrld", PI_PSRLD, 0xD2)                                                 \
	SS_PINT(X, PSRLQ, "psrlq", PI_PSRLQ, 0xD3)                                                 \
	SS_PINT(X, PADDQ, "paddq", PI_PADDQ, 0xD4)                                                 \
	SS_PINT(X, PMULLW, "pmullw", PI_PMULLW, 0xD5)                                              \
	SS_SMOV(X, MOVQ_WqVq, "movq", sse_store, SMOV_Q, 0xD6, OPF_P66 | OPF_W)                    \
	X(PMOVMSKB, "pmovmskb", sse_movmsk, 0, M0F, 0xD7, ANY, OPF_MODRM | OPF_P66 | OPF_REGM)     \
	SS_PINT(X, PSUBUSB, "psubusb", PI_PSUBUSB, 0xD8)                                           \
	SS_PINT(X, PSUBUSW, "psubusw", PI_PSUBUSW, 0xD9)                                           \
	SS_PINT(X, PMINUB, "pminub", PI_PMINUB, 0xDA)                                              \
	SS_PINT(X, PAND, "pand", PI_PAND, 0xDB)                                                    \
	SS_PINT(X, PADDUSB, "paddusb", PI_PADDUSB, 0xDC)                                           \
	SS_PINT(X, PADDUSW, "paddusw", PI_PADDUSW, 0xDD)                                           \
	SS_PINT(X, PMAXUB, "pmaxub", PI_PMAXUB, 0xDE)                                              \
	SS_PINT(X, PANDN, "pandn", PI_PANDN, 0xDF)                                                 \
	SS_PINT(X, PAVGB, "pavgb", PI_PAVGB, 0xE0)                                                 \
	SS_PINT(X, PSRAW, "psraw", PI_PSRAW, 0xE1)                                                 \
	SS_PINT(X, PSRAD, "psrad", PI_PSRAD, 0xE2)                                                 \
	SS_PINT(X, PAVGW, "pavgw", PI_PAVGW, 0xE3)                                                 \
	SS_PINT(X, PMULHUW, "pmulhuw", PI_PMULHUW, 0xE4)                                           \
	SS_PINT(X, PMULHW, "pmulhw", PI_PMULHW, 0xE5)                                              \
	SS_CVT(X, CVTTPD2DQ, "cvttpd2dq", SCVT_TPD2DQ, 0xE6, OPF_P66)                              \
	SS_CVT(X, CVTDQ2PD, "cvtdq2pd", SCVT_DQ2PD, 0xE6, OPF_PF3)                                 \
	SS_CVT(X, CVTPD2DQ, "cvtpd2dq", SCVT_PD2DQ, 0xE6, OPF_PF2)                                 \
	SS_SMOV(X, MOVNTDQ, "movntdq", sse_store, SMOV_A128, 0xE7, OPF_P66 | OPF_MEM | OPF_W)      \
	SS_PINT(X, PSUBSB, "psubsb", PI_PSUBSB, 0xE8)                                              \
	SS_PINT(X, PSUBSW, "psubsw", PI_PSUBSW, 0xE9)                                              \
	SS_PINT(X, PMINSW, "pminsw", PI_PMINSW, 0xEA)                                              \
	SS_PINT(X, POR, "por", PI_POR, 0xEB)                                                       \
	SS_PINT(X, PADDSB, "paddsb", PI_PADDSB, 0xEC)                                              \
	SS_PINT(X, PADDSW, "paddsw", PI_PADDSW, 0xED)                                              \
	SS_PINT(X, PMAXSW, "pmaxsw", PI_PMAXSW, 0xEE)                                              \
	SS_PINT(X, PXOR, "pxor", PI_PXOR, 0xEF)                                                    \
	SS_PINT(X, PSLLW, "psllw", PI_PSLLW, 0xF1)                                                 \
	SS_PINT(X, PSLLD, "pslld", PI_PSLLD, 0xF2)                                                 \
	SS_PINT(X, PSLLQ, "psllq", PI_PSLLQ, 0xF3)                                                 \
	SS_PINT(X, PMULUDQ, "pmuludq", PI_PMULUDQ, 0xF4)                                           \
	SS_PINT(X, PMADDWD, "pmaddwd", PI_PMADDWD, 0xF5)                                           \
	SS_PINT(X, PSADBW, "psadbw", PI_PSADBW, 0xF6)                                              \
	SS_PINT(X, PSUBB, "psubb", PI_PSUBB, 0xF8)                                                 \
	SS_PINT(X, PSUBW, "psubw", PI_PSUBW, 0xF9)                                                 \
	SS_PINT(X, PSUBD, "psubd", PI_PSUBD, 0xFA)                                                 \
	SS_PINT(X, PSUBQ, "psubq", PI_PSUBQ, 0xFB)                                                 \
	SS_PINT(X, PADDB, "paddb", PI_PADDB, 0xFC)                                                 \
	SS_PINT(X, PADDW, "paddw", PI_PADDW, 0xFD)                                                 \
	SS_PINT(X, PADDD, "paddd", PI_PADDD, 0xFE)                                                 \
	SS_MMX(X, MMX_60, 0x60, OPF_CCOPC)                                                         \
	SS_MMX(X, MMX_70, 0x70, OPF_I8)                                                            \
	SS_MMX(X, MMX_71, 0x71, OPF_I8)                                                            \
	SS_MMX(X, MMX_72, 0x72, OPF_I8)                                                            \
	SS_MMX(X, MMX_73, 0x73, OPF_I8)                                                            \
	SS_MMX(X, MMX_74, 0x74, 0)                                                                 \
	SS_MMX(X, MMX_75, 0x75, 0)                                                                 \
	SS_MMX(X, MMX_76, 0x76, 0)                                                                 \
	SS_MMX(X, MMX_D0, 0xD0, OPF_CCOPC)                                                         \
	SS_MMX(X, MMX_E0, 0xE0, OPF_CCOPC)                                                         \
	SS_MMX(X, MMX_F0, 0xF0, OPF_CCOPC)

#define SS_CPU_OPCODES(X)                                                                          \
	SS_ALU_ROWS(X, ADD, "add", 0, OPF_LOCK)                                                    \
	SS_ALU_ROWS(X, OR, "or", 1, OPF_LOCK)                                                      \
	SS_ALU_ROWS(X, ADC, "adc", 2, OPF_LOCK)                                                    \
	SS_ALU_ROWS(X, SBB, "sbb", 3, OPF_LOCK)                                                    \
	SS_ALU_ROWS(X, AND, "and", 4, OPF_LOCK)                                                    \
	SS_ALU_ROWS(X, SUB, "sub", 5, OPF_LOCK)                                                    \
	SS_ALU_ROWS(X, XOR, "xor", 6, OPF_LOCK)                                                    \
	SS_ALU_ROWS(X, CMP, "cmp", 7, 0)                                                           \
	SS_SHIFT_ROWS(X, ROL, "rol", 0)                                                            \
	SS_SHIFT_ROWS(X, ROR, "ror", 1)                                                            \
	SS_SHIFT_ROWS(X, RCL, "rcl", 2)                                                            \
	SS_SHIFT_ROWS(X, RCR, "rcr", 3)                                                            \
	SS_SHIFT_ROWS(X, SHL, "shl", 4)                                                            \
	SS_SHIFT_ROWS(X, SHR, "shr", 5)                                                            \
	SS_SHIFT_ROWS(X, SAL, "sal", 6)                                                            \
	SS_SHIFT_ROWS(X, SAR, "sar", 7)                                                            \
	X(TEST_EbGb, "test", test_rm_r, 0, M0, 0x84, ANY, OPF_MODRM | OPF_B)                       \
	X(TEST_EvGv, "test", test_rm_r, 0, M0, 0x85, ANY, OPF_MODRM)                               \
	X(TEST_ALIb, "test", test_acc_imm, 0, M0, 0xA8, ANY, OPF_B | OPF_I8)                       \
	X(TEST_AXIz, "test", test_acc_imm, 0, M0, 0xA9, ANY, OPF_IZ)                               \
	X(TEST_EbIb, "test", test_rm_imm, 0, M0, 0xF6, 0, OPF_MODRM | OPF_B | OPF_I8)              \
	X(TEST_EbIb1, "test", test_rm_imm, 0, M0, 0xF6, 1, OPF_MODRM | OPF_B | OPF_I8)             \
	X(NOT_Eb, "not", not, 0, M0, 0xF6, 2, OPF_MODRM | OPF_B | OPF_LOCK)                        \
	X(NEG_Eb, "neg", neg, 0, M0, 0xF6, 3, OPF_MODRM | OPF_B | OPF_LOCK)                        \
	X(MUL_Eb, "mul", mul, 0, M0, 0xF6, 4, OPF_MODRM | OPF_B)                                   \
	X(IMUL_Eb, "imul", imul1, 0, M0, 0xF6, 5, OPF_MODRM | OPF_B)                               \
	X(DIV_Eb, "div", div, 0, M0, 0xF6, 6, OPF_MODRM | OPF_B)                                   \
	X(IDIV_Eb, "idiv", idiv, 0, M0, 0xF6, 7, OPF_MODRM | OPF_B)                                \
	X(TEST_EvIz, "test", test_rm_imm, 0, M0, 0xF7, 0, OPF_MODRM | OPF_IZ)                      \
	X(TEST_EvIz1, "test", test_rm_imm, 0, M0, 0xF7, 1, OPF_MODRM | OPF_IZ)                     \
	X(NOT_Ev, "not", not, 0, M0, 0xF7, 2, OPF_MODRM | OPF_LOCK)                                \
	X(NEG_Ev, "neg", neg, 0, M0, 0xF7, 3, OPF_MODRM | OPF_LOCK)                                \
	X(MUL_Ev, "mul", mul, 0, M0, 0xF7, 4, OPF_MODRM)                                           \
	X(IMUL_Ev, "imul", imul1, 0, M0, 0xF7, 5, OPF_MODRM)                                       \
	X(DIV_Ev, "div", div, 0, M0, 0xF7, 6, OPF_MODRM)                                           \
	X(IDIV_Ev, "idiv", idiv, 0, M0, 0xF7, 7, OPF_MODRM)                                        \
	X(INC_Eb, "inc", incdec, 0, M0, 0xFE, 0, OPF_MODRM | OPF_B | OPF_LOCK)                     \
	X(DEC_Eb, "dec", incdec, 1, M0, 0xFE, 1, OPF_MODRM | OPF_B | OPF_LOCK)                     \
	X(INC_Ev, "inc", incdec, 0, M0, 0xFF, 0, OPF_MODRM | OPF_LOCK)                             \
	X(DEC_Ev, "dec", incdec, 1, M0, 0xFF, 1, OPF_MODRM | OPF_LOCK)                             \
	X(CALL_Ev, "call", call_rm, 0, M0, 0xFF, 2, OPF_MODRM | OPF_F64 | OPF_END)                 \
	X(CALLF_Ep, "callf", far_ep, 1, M0, 0xFF, 3, OPF_MODRM | OPF_MEM | OPF_END)                \
	X(JMP_Ev, "jmp", jmp_rm, 0, M0, 0xFF, 4, OPF_MODRM | OPF_F64 | OPF_END)                    \
	X(JMPF_Ep, "jmpf", far_ep, 0, M0, 0xFF, 5, OPF_MODRM | OPF_MEM | OPF_END)                  \
	X(PUSH_Ev, "push", push_rm, 0, M0, 0xFF, 6, OPF_MODRM | OPF_D64)                           \
	X(POP_Ev, "pop", pop_rm, 0, M0, 0x8F, 0, OPF_MODRM | OPF_D64)                              \
	X(IMUL_GvEv, "imul", imul2, 0, M0F, 0xAF, ANY, OPF_MODRM)                                  \
	X(IMUL_GvEvIz, "imul", imul3, 0, M0, 0x69, ANY, OPF_MODRM | OPF_IZ)                        \
	X(IMUL_GvEvIb, "imul", imul3, 0, M0, 0x6B, ANY, OPF_MODRM | OPF_I8 | OPF_SX)               \
	X(SHLD_Ib, "shld", shxd, 0, M0F, 0xA4, ANY, OPF_MODRM | OPF_I8)                            \
	X(SHLD_CL, "shld", shxd, 1, M0F, 0xA5, ANY, OPF_MODRM)                                     \
	X(SHRD_Ib, "shrd", shxd, 2, M0F, 0xAC, ANY, OPF_MODRM | OPF_I8)                            \
	X(SHRD_CL, "shrd", shxd, 3, M0F, 0xAD, ANY, OPF_MODRM)                                     \
	X(BT_EvGv, "bt", bt_rm_r, 0, M0F, 0xA3, ANY, OPF_MODRM)                                    \
	X(BTS_EvGv, "bts", bt_rm_r, 1, M0F, 0xAB, ANY, OPF_MODRM | OPF_LOCK)                       \
	X(BTR_EvGv, "btr", bt_rm_r, 2, M0F, 0xB3, ANY, OPF_MODRM | OPF_LOCK)                       \
	X(BTC_EvGv, "btc", bt_rm_r, 3, M0F, 0xBB, ANY, OPF_MODRM | OPF_LOCK)                       \
	X(BT_EvIb, "bt", bt_rm_imm, 0, M0F, 0xBA, 4, OPF_MODRM | OPF_I8)                           \
	X(BTS_EvIb, "bts", bt_rm_imm, 1, M0F, 0xBA, 5, OPF_MODRM | OPF_I8 | OPF_LOCK)              \
	X(BTR_EvIb, "btr", bt_rm_imm, 2, M0F, 0xBA, 6, OPF_MODRM | OPF_I8 | OPF_LOCK)              \
	X(BTC_EvIb, "btc", bt_rm_imm, 3, M0F, 0xBA, 7, OPF_MODRM | OPF_I8 | OPF_LOCK)              \
	X(BSF, "bsf", bsf, 0, M0F, 0xBC, ANY, OPF_MODRM | OPF_PNO)                                 \
	X(TZCNT, "tzcnt", tzcnt, 0, M0F, 0xBC, ANY, OPF_MODRM | OPF_PF3)                           \
	X(BSR, "bsr", bsr, 0, M0F, 0xBD, ANY, OPF_MODRM | OPF_PNO)                                 \
	X(LZCNT, "lzcnt", lzcnt, 0, M0F, 0xBD, ANY, OPF_MODRM | OPF_PF3)                           \
	X(POPCNT, "popcnt", popcnt, 0, M0F, 0xB8, ANY, OPF_MODRM | OPF_PF3)                        \
	X(BSWAP, "bswap", bswap, 0, M0F, 0xC8, ANY, OPF_REGOPC)                                    \
	X(MOV_EbGb, "mov", mov_rm_r, 0, M0, 0x88, ANY, OPF_MODRM | OPF_B)                          \
	X(MOV_EvGv, "mov", mov_rm_r, 0, M0, 0x89, ANY, OPF_MODRM)                                  \
	X(MOV_GbEb, "mov", mov_r_rm, 0, M0, 0x8A, ANY, OPF_MODRM | OPF_B)                          \
	X(MOV_GvEv, "mov", mov_r_rm, 0, M0, 0x8B, ANY, OPF_MODRM)                                  \
	X(MOV_EvSw, "mov", mov_rm_sreg, 0, M0, 0x8C, ANY, OPF_MODRM)                               \
	X(LEA, "lea", lea, 0, M0, 0x8D, ANY, OPF_MODRM | OPF_MEM)                                  \
	X(MOV_SwEw, "mov", mov_sreg_rm, 0, M0, 0x8E, ANY, OPF_MODRM | OPF_END)                     \
	X(MOV_ALOb, "mov", mov_moffs, 0, M0, 0xA0, ANY, OPF_B | OPF_MOFFS)                         \
	X(MOV_AXOv, "mov", mov_moffs, 0, M0, 0xA1, ANY, OPF_MOFFS)                                 \
	X(MOV_ObAL, "mov", mov_moffs, 1, M0, 0xA2, ANY, OPF_B | OPF_MOFFS)                         \
	X(MOV_OvAX, "mov", mov_moffs, 1, M0, 0xA3, ANY, OPF_MOFFS)                                 \
	X(MOV_RbIb, "mov", mov_r_imm, 0, M0, 0xB0, ANY, OPF_B | OPF_I8 | OPF_REGOPC)               \
	X(MOV_RvIv, "mov", mov_r_imm, 0, M0, 0xB8, ANY, OPF_IV | OPF_REGOPC)                       \
	X(MOV_EbIb, "mov", mov_rm_imm, 0, M0, 0xC6, 0, OPF_MODRM | OPF_B | OPF_I8)                 \
	X(MOV_EvIz, "mov", mov_rm_imm, 0, M0, 0xC7, 0, OPF_MODRM | OPF_IZ)                         \
	X(MOVZX_Gv_Eb, "movzx", movzx, 0, M0F, 0xB6, ANY, OPF_MODRM | OPF_RMB)                     \
	X(MOVZX_Gv_Ew, "movzx", movzx, 1, M0F, 0xB7, ANY, OPF_MODRM)                               \
	X(MOVSX_Gv_Eb, "movsx", movsx, 0, M0F, 0xBE, ANY, OPF_MODRM | OPF_RMB)                     \
	X(MOVSX_Gv_Ew, "movsx", movsx, 1, M0F, 0xBF, ANY, OPF_MODRM)                               \
	X(MOVSXD, "movsxd", movsx, 2, M0, 0x63, ANY, OPF_MODRM | OPF_O64)                          \
	X(ARPL, "arpl", arpl, 0, M0, 0x63, ANY, OPF_MODRM | OPF_I64)                               \
	X(INC_r, "inc", incdec_reg, 0, M0, 0x40, ANY, OPF_REGOPC | OPF_I64)                        \
	X(DEC_r, "dec", incdec_reg, 1, M0, 0x48, ANY, OPF_REGOPC | OPF_I64)                        \
	X(PUSH_ES, "push", push_seg, SS_SEG_ES, M0, 0x06, ANY, OPF_I64)                            \
	X(POP_ES, "pop", pop_seg, SS_SEG_ES, M0, 0x07, ANY, OPF_I64)                               \
	X(PUSH_CS, "push", push_seg, SS_SEG_CS, M0, 0x0E, ANY, OPF_I64)                            \
	X(PUSH_SS, "push", push_seg, SS_SEG_SS, M0, 0x16, ANY, OPF_I64)                            \
	X(POP_SS, "pop", pop_seg, SS_SEG_SS, M0, 0x17, ANY, OPF_I64 | OPF_END)                     \
	X(PUSH_DS, "push", push_seg, SS_SEG_DS, M0, 0x1E, ANY, OPF_I64)                            \
	X(POP_DS, "pop", pop_seg, SS_SEG_DS, M0, 0x1F, ANY, OPF_I64)                               \
	X(DAA, "daa", bcd, 0, M0, 0x27, ANY, OPF_I64)                                              \
	X(DAS, "das", bcd, 1, M0, 0x2F, ANY, OPF_I64)                                              \
	X(AAA, "aaa", bcd, 2, M0, 0x37, ANY, OPF_I64)                                              \
	X(AAS, "aas", bcd, 3, M0, 0x3F, ANY, OPF_I64)                                              \
	X(AAM, "aam", bcd, 4, M0, 0xD4, ANY, OPF_I8 | OPF_I64)                                     \
	X(AAD, "aad", bcd, 5, M0, 0xD5, ANY, OPF_I8 | OPF_I64)                                     \
	X(PUSHA, "pusha", pusha, 0, M0, 0x60, ANY, OPF_I64)                                        \
	X(POPA, "popa", popa, 0, M0, 0x61, ANY, OPF_I64)                                           \
	X(BOUND, "bound", bound, 0, M0, 0x62, ANY, OPF_MODRM | OPF_MEM | OPF_I64)                  \
	X(INTO, "into", into, 0, M0, 0xCE, ANY, OPF_I64 | OPF_END)                                 \
	X(CALLF_Ap, "callf", call_far, 0, M0, 0x9A, ANY, OPF_PTR | OPF_I64 | OPF_END)              \
	X(JMPF_Ap, "jmpf", jmp_far, 0, M0, 0xEA, ANY, OPF_PTR | OPF_I64 | OPF_END)                 \
	X(LES, "les", lxs, SS_SEG_ES, M0, 0xC4, ANY, OPF_MODRM | OPF_MEM | OPF_I64)                \
	X(LDS, "lds", lxs, SS_SEG_DS, M0, 0xC5, ANY, OPF_MODRM | OPF_MEM | OPF_I64)                \
	X(LSS, "lss", lxs, SS_SEG_SS, M0F, 0xB2, ANY, OPF_MODRM | OPF_MEM)                         \
	X(LFS, "lfs", lxs, SS_SEG_FS, M0F, 0xB4, ANY, OPF_MODRM | OPF_MEM)                         \
	X(LGS, "lgs", lxs, SS_SEG_GS, M0F, 0xB5, ANY, OPF_MODRM | OPF_MEM)                         \
	X(XCHG_EbGb, "xchg", xchg_rm_r, 0, M0, 0x86, ANY, OPF_MODRM | OPF_B | OPF_LOCK)            \
	X(XCHG_EvGv, "xchg", xchg_rm_r, 0, M0, 0x87, ANY, OPF_MODRM | OPF_LOCK)                    \
	X(PAUSE, "pause", pause, 0, M0, 0x90, ANY, OPF_PF3)                                        \
	X(XCHG_AX_r, "xchg", xchg_acc, 0, M0, 0x90, ANY, OPF_REGOPC)                               \
	X(CMPXCHG_EbGb, "cmpxchg", cmpxchg, 0, M0F, 0xB0, ANY, OPF_MODRM | OPF_B | OPF_LOCK)       \
	X(CMPXCHG_EvGv, "cmpxchg", cmpxchg, 0, M0F, 0xB1, ANY, OPF_MODRM | OPF_LOCK)               \
	X(CMPXCHG16B, "cmpxchg16b", cmpxchg16b, 0, M0F, 0xC7, 1, OPF_MODRM | OPF_MEM | OPF_LOCK)   \
	X(XADD_EbGb, "xadd", xadd, 0, M0F, 0xC0, ANY, OPF_MODRM | OPF_B | OPF_LOCK)                \
	X(XADD_EvGv, "xadd", xadd, 0, M0F, 0xC1, ANY, OPF_MODRM | OPF_LOCK)                        \
	X(CBW, "cbw", cbw, 0, M0, 0x98, ANY, 0)                                                    \
	X(CWD, "cwd", cwd, 0, M0, 0x99, ANY, 0)                                                    \
	X(PUSH_r, "push", push_r, 0, M0, 0x50, ANY, OPF_REGOPC | OPF_D64)                          \
	X(POP_r, "pop", pop_r, 0, M0, 0x58, ANY, OPF_REGOPC | OPF_D64)                             \
	X(PUSH_Iz, "push", push_imm, 0, M0, 0x68, ANY, OPF_IZ | OPF_D64)                           \
	X(PUSH_Ib, "push", push_imm, 0, M0, 0x6A, ANY, OPF_I8 | OPF_SX | OPF_D64)                  \
	X(PUSHF, "pushf", pushf, 0, M0, 0x9C, ANY, OPF_D64)                                        \
	X(POPF, "popf", popf, 0, M0, 0x9D, ANY, OPF_D64 | OPF_END)                                 \
	X(PUSH_FS, "push", push_seg, SS_SEG_FS, M0F, 0xA0, ANY, OPF_D64)                           \
	X(POP_FS, "pop", pop_seg, SS_SEG_FS, M0F, 0xA1, ANY, OPF_D64)                              \
	X(PUSH_GS, "push", push_seg, SS_SEG_GS, M0F, 0xA8, ANY, OPF_D64)                           \
	X(POP_GS, "pop", pop_seg, SS_SEG_GS, M0F, 0xA9, ANY, OPF_D64)                              \
	X(ENTER, "enter", enter, 0, M0, 0xC8, ANY, OPF_I16I8 | OPF_D64)                            \
	X(LEAVE, "leave", leave, 0, M0, 0xC9, ANY, OPF_D64)                                        \
	X(CALL_Jz, "call", call_rel, 0, M0, 0xE8, ANY, OPF_IZ | OPF_REL | OPF_F64 | OPF_END)       \
	X(JMP_Jz, "jmp", jmp_rel, 0, M0, 0xE9, ANY, OPF_IZ | OPF_REL | OPF_F64 | OPF_END)          \
	X(JMP_Jb, "jmp", jmp_rel, 0, M0, 0xEB, ANY, OPF_I8 | OPF_SX | OPF_REL | OPF_F64 | OPF_END) \
	X(JCC_Jb, "jcc", jcc, 0, M0, 0x70, ANY,                                                    \
	  OPF_I8 | OPF_SX | OPF_REL | OPF_CCOPC | OPF_F64 | OPF_END)                               \
	X(JCC_Jz, "jcc", jcc, 0, M0F, 0x80, ANY, OPF_IZ | OPF_REL | OPF_CCOPC | OPF_F64 | OPF_END) \
	X(LOOPNE, "loopne", loop, 0, M0, 0xE0, ANY, OPF_I8 | OPF_SX | OPF_REL | OPF_F64 | OPF_END) \
	X(LOOPE, "loope", loop, 1, M0, 0xE1, ANY, OPF_I8 | OPF_SX | OPF_REL | OPF_F64 | OPF_END)   \
	X(LOOP, "loop", loop, 2, M0, 0xE2, ANY, OPF_I8 | OPF_SX | OPF_REL | OPF_F64 | OPF_END)     \
	X(JRCXZ, "jrcxz", loop, 3, M0, 0xE3, ANY, OPF_I8 | OPF_SX | OPF_REL | OPF_F64 | OPF_END)   \
	X(RET_Iw, "ret", ret, 0, M0, 0xC2, ANY, OPF_I16 | OPF_F64 | OPF_END)                       \
	X(RET, "ret", ret, 0, M0, 0xC3, ANY, OPF_F64 | OPF_END)                                    \
	X(RETF_Iw, "retf", retf, 0, M0, 0xCA, ANY, OPF_I16 | OPF_END)                              \
	X(RETF, "retf", retf, 0, M0, 0xCB, ANY, OPF_END)                                           \
	X(SETCC, "setcc", setcc, 0, M0F, 0x90, ANY, OPF_MODRM | OPF_B | OPF_CCOPC)                 \
	X(CMOVCC, "cmovcc", cmovcc, 0, M0F, 0x40, ANY, OPF_MODRM | OPF_CCOPC)                      \
	X(MOVSB, "movsb", movs, 0, M0, 0xA4, ANY, OPF_B)                                           \
	X(MOVSV, "movs", movs, 0, M0, 0xA5, ANY, 0)                                                \
	X(CMPSB, "cmpsb", cmps, 0, M0, 0xA6, ANY, OPF_B)                                           \
	X(CMPSV, "cmps", cmps, 0, M0, 0xA7, ANY, 0)                                                \
	X(STOSB, "stosb", stos, 0, M0, 0xAA, ANY, OPF_B)                                           \
	X(STOSV, "stos", stos, 0, M0, 0xAB, ANY, 0)                                                \
	X(LODSB, "lodsb", lods, 0, M0, 0xAC, ANY, OPF_B)                                           \
	X(LODSV, "lods", lods, 0, M0, 0xAD, ANY, 0)                                                \
	X(SCASB, "scasb", scas, 0, M0, 0xAE, ANY, OPF_B)                                           \
	X(SCASV, "scas", scas, 0, M0, 0xAF, ANY, 0)                                                \
	X(XLAT, "xlat", xlat, 0, M0, 0xD7, ANY, OPF_B)                                             \
	X(FWAIT, "fwait", fwait, 0, M0, 0x9B, ANY, 0)                                              \
	X(SAHF, "sahf", sahf, 0, M0, 0x9E, ANY, 0)                                                 \
	X(LAHF, "lahf", lahf, 0, M0, 0x9F, ANY, 0)                                                 \
	X(CMC, "cmc", flagop, 0, M0, 0xF5, ANY, 0)                                                 \
	X(CLC, "clc", flagop, 1, M0, 0xF8, ANY, 0)                                                 \
	X(STC, "stc", flagop, 2, M0, 0xF9, ANY, 0)                                                 \
	X(CLD, "cld", flagop, 5, M0, 0xFC, ANY, 0)                                                 \
	X(STD, "std", flagop, 6, M0, 0xFD, ANY, 0)                                                 \
	X(CLI, "cli", cli, 0, M0, 0xFA, ANY, 0)                                                    \
	X(STI, "sti", sti, 0, M0, 0xFB, ANY, OPF_END)                                              \
	X(HLT, "hlt", hlt, 0, M0, 0xF4, ANY, OPF_END)                                              \
	X(INT3, "int3", int_n, 1, M0, 0xCC, ANY, OPF_END)                                          \
	X(INT_Ib, "int", int_n, 0, M0, 0xCD, ANY, OPF_I8 | OPF_END)                                \
	X(INT1, "int1", int_n, 2, M0, 0xF1, ANY, OPF_END)                                          \
	X(IRET, "iret", iret, 0, M0, 0xCF, ANY, OPF_END)                                           \
	X(IN_ALIb, "in", io, 0, M0, 0xE4, ANY, OPF_B | OPF_I8 | OPF_END)                           \
	X(IN_AXIb, "in", io, 0, M0, 0xE5, ANY, OPF_I8 | OPF_END)                                   \
	X(OUT_IbAL, "out", io, 1, M0, 0xE6, ANY, OPF_B | OPF_I8 | OPF_END)                         \
	X(OUT_IbAX, "out", io, 1, M0, 0xE7, ANY, OPF_I8 | OPF_END)                                 \
	X(IN_ALDX, "in", io, 2, M0, 0xEC, ANY, OPF_B | OPF_END)                                    \
	X(IN_AXDX, "in", io, 2, M0, 0xED, ANY, OPF_END)                                            \
	X(OUT_DXAL, "out", io, 3, M0, 0xEE, ANY, OPF_B | OPF_END)                                  \
	X(OUT_DXAX, "out", io, 3, M0, 0xEF, ANY, OPF_END)                                          \
	X(INSB, "insb", io, 4, M0, 0x6C, ANY, OPF_B | OPF_END)                                     \
	X(INSV, "ins", io, 4, M0, 0x6D, ANY, OPF_END)                                              \
	X(OUTSB, "outsb", io, 5, M0, 0x6E, ANY, OPF_B | OPF_END)                                   \
	X(OUTSV, "outs", io, 5, M0, 0x6F, ANY, OPF_END)                                            \
	X(NOP_Ev, "nop", nop, 0, M0F, 0x1F, ANY, OPF_MODRM)                                        \
	X(HINT_18, "prefetch", nop, 0, M0F, 0x18, ANY, OPF_MODRM)                                  \
	X(PREFETCHW, "prefetchw", nop, 0, M0F, 0x0D, ANY, OPF_MODRM)                               \
	X(UD2, "ud2", ud, 0, M0F, 0x0B, ANY, OPF_END)                                              \
	X(UD1, "ud1", ud, 0, M0F, 0xB9, ANY, OPF_MODRM | OPF_END)                                  \
	X(UD0, "ud0", ud, 0, M0F, 0xFF, ANY, OPF_MODRM | OPF_END)                                  \
	X(SYSCALL, "syscall", syscall, 0, M0F, 0x05, ANY, OPF_END)                                 \
	X(CLTS, "clts", clts, 0, M0F, 0x06, ANY, OPF_END)                                          \
	X(SYSRET, "sysret", sysret, 0, M0F, 0x07, ANY, OPF_END)                                    \
	X(INVD, "invd", wbinvd, 1, M0F, 0x08, ANY, OPF_END)                                        \
	X(WBINVD, "wbinvd", wbinvd, 0, M0F, 0x09, ANY, OPF_END)                                    \
	X(MOV_RdCd, "mov", mov_r_cr, 0, M0F, 0x20, ANY, OPF_MODRM | OPF_FREG | OPF_F64 | OPF_END)  \
	X(MOV_RdDd, "mov", mov_r_dr, 0, M0F, 0x21, ANY, OPF_MODRM | OPF_FREG | OPF_F64 | OPF_END)  \
	X(MOV_CdRd, "mov", mov_cr_r, 0, M0F, 0x22, ANY, OPF_MODRM | OPF_FREG | OPF_F64 | OPF_END)  \
	X(MOV_DdRd, "mov", mov_dr_r, 0, M0F, 0x23, ANY, OPF_MODRM | OPF_FREG | OPF_F64 | OPF_END)  \
	X(WRMSR, "wrmsr", wrmsr, 0, M0F, 0x30, ANY, OPF_END)                                       \
	X(RDTSC, "rdtsc", rdtsc, 0, M0F, 0x31, ANY, OPF_END)                                       \
	X(RDMSR, "rdmsr", rdmsr, 0, M0F, 0x32, ANY, OPF_END)                                       \
	X(RDPMC, "rdpmc", rdpmc, 0, M0F, 0x33, ANY, OPF_END)                                       \
	X(CPUID, "cpuid", cpuid, 0, M0F, 0xA2, ANY, OPF_END)                                       \
	X(SLDT, "sldt", sldt_str, 0, M0F, 0x00, 0, OPF_MODRM)                                      \
	X(STR, "str", sldt_str, 1, M0F, 0x00, 1, OPF_MODRM)                                        \
	X(LLDT, "lldt", lldt_ltr, 0, M0F, 0x00, 2, OPF_MODRM | OPF_END)                            \
	X(LTR, "ltr", lldt_ltr, 1, M0F, 0x00, 3, OPF_MODRM | OPF_END)                              \
	X(SGDT, "sgdt", sdt, 0, M0F, 0x01, 0, OPF_MODRM | OPF_MEM)                                 \
	X(SIDT, "sidt", sdt, 1, M0F, 0x01, 1, OPF_MODRM | OPF_MEM)                                 \
	X(LGDT, "lgdt", ldt, 0, M0F, 0x01, 2, OPF_MODRM | OPF_MEM | OPF_END)                       \
	X(LIDT, "lidt", ldt, 1, M0F, 0x01, 3, OPF_MODRM | OPF_MEM | OPF_END)                       \
	X(SMSW, "smsw", smsw, 0, M0F, 0x01, 4, OPF_MODRM)                                          \
	X(LMSW, "lmsw", lmsw, 0, M0F, 0x01, 6, OPF_MODRM | OPF_END)                                \
	X(INVLPG, "invlpg", invlpg, 0, M0F, 0x01, 7, OPF_MODRM | OPF_MEM | OPF_END)                \
	X(XGETBV, "xgetbv", xgetbv, 0, M0F01, 0xD0, ANY, OPF_PNO)                                  \
	X(XSETBV, "xsetbv", xsetbv, 0, M0F01, 0xD1, ANY, OPF_PNO | OPF_END)                        \
	X(VMRUN, "vmrun", hook, SS_CPU_HOOK_VMRUN, M0F01, 0xD8, ANY, OPF_PNO | OPF_END)            \
	X(VMMCALL, "vmmcall", hook, SS_CPU_HOOK_VMMCALL, M0F01, 0xD9, ANY, OPF_PNO | OPF_END)      \
	X(VMGEXIT, "vmgexit", hook, SS_CPU_HOOK_VMGEXIT, M0F01, 0xD9, ANY, OPF_PF3 | OPF_END)      \
	X(VMLOAD, "vmload", hook, SS_CPU_HOOK_VMLOAD, M0F01, 0xDA, ANY, OPF_PNO | OPF_END)         \
	X(VMSAVE, "vmsave", hook, SS_CPU_HOOK_VMSAVE, M0F01, 0xDB, ANY, OPF_PNO | OPF_END)         \
	X(STGI, "stgi", hook, SS_CPU_HOOK_STGI, M0F01, 0xDC, ANY, OPF_PNO | OPF_END)               \
	X(CLGI, "clgi", hook, SS_CPU_HOOK_CLGI, M0F01, 0xDD, ANY, OPF_PNO | OPF_END)               \
	X(SKINIT, "skinit", hook, SS_CPU_HOOK_SKINIT, M0F01, 0xDE, ANY, OPF_PNO | OPF_END)         \
	X(INVLPGA, "invlpga", hook, SS_CPU_HOOK_INVLPGA, M0F01, 0xDF, ANY, OPF_PNO | OPF_END)      \
	X(CLAC, "clac", stac_clac, 0, M0F01, 0xCA, ANY, OPF_PNO)                                   \
	X(STAC, "stac", stac_clac, 1, M0F01, 0xCB, ANY, OPF_PNO)                                   \
	X(SWAPGS, "swapgs", swapgs, 0, M0F01, 0xF8, ANY, OPF_PNO)                                  \
	X(RDTSCP, "rdtscp", rdtscp, 0, M0F01, 0xF9, ANY, OPF_PNO | OPF_END)                        \
	X(RMPADJUST, "rmpadjust", hook, SS_CPU_HOOK_RMPADJUST, M0F01, 0xFE, ANY,                   \
	  OPF_PF3 | OPF_END)                                                                       \
	X(RMPUPDATE, "rmpupdate", hook, SS_CPU_HOOK_RMPUPDATE, M0F01, 0xFE, ANY,                   \
	  OPF_PF2 | OPF_END)                                                                       \
	X(PSMASH, "psmash", hook, SS_CPU_HOOK_PSMASH, M0F01, 0xFF, ANY, OPF_PF3 | OPF_END)         \
	X(PVALIDATE, "pvalidate", hook, SS_CPU_HOOK_PVALIDATE, M0F01, 0xFF, ANY,                   \
	  OPF_PF2 | OPF_END)                                                                       \
	X(LFENCE, "lfence", nop, 0, M0F, 0xAE, 5, OPF_MODRM | OPF_REGM)                            \
	X(MFENCE, "mfence", nop, 0, M0F, 0xAE, 6, OPF_MODRM | OPF_REGM)                            \
	X(SFENCE, "sfence", nop, 0, M0F, 0xAE, 7, OPF_MODRM | OPF_REGM)                            \
	X(CLFLUSH, "clflush", clflush, 0, M0F, 0xAE, 7, OPF_MODRM | OPF_MEM)                       \
	SS_FPU_OPCODES(X)

#endif
