/* The FXSAVE / XSAVE memory image (APM vol. 2 §11.4.4 Figure 11-9 and §11.5.2; Intel SDM vol. 1
 * §10.5.1 Table 10-2 and §13.4): the 512-byte legacy region FXSAVE writes, in its 64-bit form
 * (REX.W: 64-bit FIP/FDP) and its 32-bit form (FIP/FDP offsets plus the FCS/FDS selectors), and
 * the 64-byte XSAVE header that follows it in an XSAVE area. */
#ifndef SOFTSEV_ABI_FXSAVE_H
#define SOFTSEV_ABI_FXSAVE_H

#include <stddef.h>
#include <stdint.h>

typedef struct ss_fxsave {
	uint16_t fcw;		/* 0x000 */
	uint16_t fsw;		/* 0x002 */
	uint8_t ftw;		/* 0x004: abridged tag, bit n = physical register Rn not empty */
	uint8_t rsvd5;		/* 0x005 */
	uint16_t fop;		/* 0x006 */
	union {			/* 0x008 */
		uint64_t fip64; /* 64-bit form */
		struct {
			uint32_t fip32;
			uint16_t fcs;
			uint16_t rsvd14;
		} s32;
	} ip;
	union { /* 0x010 */
		uint64_t fdp64;
		struct {
			uint32_t fdp32;
			uint16_t fds;
			uint16_t rsvd22;
		} s32;
	} dp;
	uint32_t mxcsr;	     /* 0x018 */
	uint32_t mxcsr_mask; /* 0x01C: the MXCSR bits LDMXCSR / FXRSTOR accept */
	uint8_t st[8][16];   /* 0x020: ST(0)..ST(7), 10 bytes each (significand, sign+exponent) */
	uint8_t xmm[16][16]; /* 0x0A0: XMM0..XMM15 */
	uint8_t rsvd[48];    /* 0x1A0: reserved, not written */
	uint8_t avail[48];   /* 0x1D0: available to software, not written */
} ss_fxsave;

/* The XSAVE header at offset 512 of an XSAVE area (standard, non-compacted form). */
typedef struct ss_xsave_header {
	uint64_t xstate_bv; /* 0x200: component i is saved (1) or in its initial state (0) */
	uint64_t xcomp_bv;  /* 0x208: bit 63 = compacted form (not offered: must be 0) */
	uint64_t rsvd[6];   /* 0x210: bytes 0x210-0x217 must be 0 for XRSTOR */
} ss_xsave_header;

#define SS_XSAVE_AREA_SIZE 576u /* legacy region + header: x87 and SSE components only */

_Static_assert(sizeof(ss_fxsave) == 512, "FXSAVE image is 512 bytes");
_Static_assert(offsetof(ss_fxsave, fsw) == 0x02, "fsw");
_Static_assert(offsetof(ss_fxsave, ftw) == 0x04, "ftw");
_Static_assert(offsetof(ss_fxsave, fop) == 0x06, "fop");
_Static_assert(offsetof(ss_fxsave, ip) == 0x08, "fip");
_Static_assert(offsetof(ss_fxsave, ip.s32.fcs) == 0x0C, "fcs");
_Static_assert(offsetof(ss_fxsave, dp) == 0x10, "fdp");
_Static_assert(offsetof(ss_fxsave, dp.s32.fds) == 0x14, "fds");
_Static_assert(offsetof(ss_fxsave, mxcsr) == 0x18, "mxcsr");
_Static_assert(offsetof(ss_fxsave, mxcsr_mask) == 0x1C, "mxcsr_mask");
_Static_assert(offsetof(ss_fxsave, st) == 0x20, "st");
_Static_assert(offsetof(ss_fxsave, xmm) == 0xA0, "xmm");
_Static_assert(offsetof(ss_fxsave, rsvd) == 0x1A0, "reserved");
_Static_assert(offsetof(ss_fxsave, avail) == 0x1D0, "available");
_Static_assert(sizeof(ss_xsave_header) == 64, "XSAVE header is 64 bytes");
_Static_assert(offsetof(ss_xsave_header, xcomp_bv) == 8, "xcomp_bv");

#endif
