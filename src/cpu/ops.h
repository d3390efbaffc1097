/* Prototypes of every instruction handler (generated from the opcode table) and the helpers the
 * handler files share. */
#ifndef SS_CPU_OPS_H
#define SS_CPU_OPS_H

#include "cpu/core.h"
#include "cpu/opcodes.h"

#define SS_OP_PROTO(id, m, h, a, map, opc, reg, fl) void ss_op_##h(ss_cpu *c, const ss_insn *i);
SS_CPU_OPCODES(SS_OP_PROTO)
#undef SS_OP_PROTO
void ss_op_ud(ss_cpu *c, const ss_insn *i);
/* Specialized fast forms (not table rows: the insn keeps its table id and tracer name). */
void ss_op_alu_rr64(ss_cpu *c, const ss_insn *i);
void ss_op_alu_rr32(ss_cpu *c, const ss_insn *i);
void ss_op_alu_ri64(ss_cpu *c, const ss_insn *i);
void ss_op_alu_ri32(ss_cpu *c, const ss_insn *i);
void ss_op_incdec_r64(ss_cpu *c, const ss_insn *i);
void ss_op_mov_rr64(ss_cpu *c, const ss_insn *i);
void ss_op_mov_load64(ss_cpu *c, const ss_insn *i);
void ss_op_mov_store64(ss_cpu *c, const ss_insn *i);
void ss_op_lea64(ss_cpu *c, const ss_insn *i);
void ss_op_shift_r64(ss_cpu *c, const ss_insn *i); /* SHL SHR SAR */
void ss_op_rot_r64(ss_cpu *c, const ss_insn *i);   /* ROL ROR */

/* ss_alu_fast[op][form]: ADD OR AND SUB XOR CMP (NULL for ADC, SBB) in the forms reg,reg 64-bit,
 * reg,reg 32-bit, reg,imm 64-bit, reg,imm 32-bit. */
extern const ss_op_fn ss_alu_fast[8][4];
/* ss_jcc_fast[cc]: Jcc with a 64-bit operand size, one handler per condition. */
extern const ss_op_fn ss_jcc_fast[16];
void ss_op_mov_load64_bi(ss_cpu *c, const ss_insn *i);
void ss_op_mov_store64_bi(ss_cpu *c, const ss_insn *i);
void ss_op_mov_load64_b(ss_cpu *c, const ss_insn *i);
void ss_op_mov_store64_b(ss_cpu *c, const ss_insn *i);
void ss_op_lea64_bi(ss_cpu *c, const ss_insn *i);

uint64_t ss_alu(ss_cpu *c, unsigned op, unsigned sz, uint64_t a, uint64_t b);
uint64_t ss_rmw_get(ss_cpu *c, const ss_insn *i, unsigned sz, uint64_t *lin);
void ss_rmw_set(ss_cpu *c, const ss_insn *i, unsigned sz, uint64_t lin, uint64_t v);

#endif
