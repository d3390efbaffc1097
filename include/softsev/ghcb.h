/* softsev ghcb — the hypervisor side of the GHCB protocol (AMD #56421; cpu-svm-sev.md §4-§7).
 *
 * Contract. An SEV-ES or SEV-SNP guest leaves with the automatic exit VMGEXIT (0x403) and the
 * CPU copies its GHCB MSR (0xC001_0130) into the VMCB's ghcb_gpa (abi/vmcb.h). The hypervisor's
 * VMGEXIT hook passes that value to ss_ghcb_handle(), which:
 *  - answers an MSR-protocol request (bits 11:0 non-zero, §6) with the response value the caller
 *    writes back into the VMCB's ghcb_gpa before the next VMRUN: SEV information, CPUID (one
 *    register), hypervisor features (v2), preferred and registered GHCB GPA (SNP); a termination
 *    request ends the guest (SS_ESTATE with the reason set and code);
 *  - otherwise treats the value as the GHCB page's GPA, reads the page through ops->read (shared
 *    memory: the guest maps it with the C-bit clear), validates it before any handler looks at it
 *    (STYLE.md item 6: usage 0, protocol version within the advertised range, the registered GPA
 *    under SNP, SW_EXITCODE/SW_EXITINFO1/SW_EXITINFO2 and each exit's inputs marked valid, the
 *    scratch area inside the shared buffer or bounded guest memory outside the GHCB page),
 *    dispatches the exit to the device callbacks, and writes the page back with the valid bitmap
 *    holding exactly the outputs returned (§5) and SW_EXITINFO1/2 holding the result (§7.2).
 *
 * Guest-visible refusals are not errors of ss_ghcb_handle: it returns 0, the guest sees
 * SW_EXITINFO1 = 2 with the reason in SW_EXITINFO2 (or 1 and an EVENTINJ #GP/#UD when a device
 * refuses), and res->refused is set with res->why naming the field (for traces and tests).
 * ss_ghcb_handle returns a negative SS_E* code when the guest cannot go on: a termination request
 * (SS_ESTATE, res->action SS_GHCB_TERMINATE with the reason), a GHCB the hypervisor cannot read or
 * write, a protocol version outside the advertised range, an MSR-protocol request softsev does not
 * implement (SS_ENOTIMPL, named), or a failure of a callback (its own code and message).
 *
 * The handler keeps no state besides the ss_ghcb_vcpu the caller owns (one per vCPU); it never
 * reads the guest's VMSA (encrypted under SEV-ES): everything comes through the GHCB.
 */
#ifndef SOFTSEV_GHCB_H
#define SOFTSEV_GHCB_H

#include <softsev/abi/ghcb.h>
#include <softsev/error.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a device callback answers besides 0 (done): ask the handler to raise an exception in the
 * guest (SW_EXITINFO1 = 1, §7.2), e.g. #GP for an MSR the platform does not have. A negative
 * SS_E* code is a hypervisor failure and is returned by ss_ghcb_handle as it is. */
#define SS_GHCB_DEV_GP 1
#define SS_GHCB_DEV_UD 2

/* The registers a VMMCALL exposes (each 0 unless the guest marked it valid) and the CPL. */
typedef struct ss_ghcb_vmmcall {
	uint8_t cpl;
	uint64_t rax, rbx, rcx, rdx, rsi; /* rax in: the call; out: the result */
} ss_ghcb_vmmcall;

typedef struct ss_ghcb_ops {
	/* Guest-physical shared memory (C-bit clear). Return 0, or a negative SS_E* with err filled
	 * when [gpa, gpa+len) is not guest memory. Required. */
	int (*read)(void *ctx, uint64_t gpa, void *buf, size_t len, ss_error *err);
	int (*write)(void *ctx, uint64_t gpa, const void *buf, size_t len, ss_error *err);

	/* Devices. A NULL callback means the platform has no such device: the exit is refused to
	 * the guest as INVALID_EVENT naming it. */
	/* Port I/O of size 1, 2 or 4 bytes: in fills *val (low size bytes), out gives it. */
	int (*io)(void *ctx, uint16_t port, unsigned size, bool in, uint32_t *val, ss_error *err);
	/* CPUID leaf/subleaf as the guest would see it; xcr0/xss as the guest gave them (leaf 0xD).
	 */
	int (*cpuid)(void *ctx, uint32_t leaf, uint32_t subleaf, uint64_t xcr0, uint64_t xss,
		     uint32_t out[4], ss_error *err);
	/* RDMSR (write false: fills *val) / WRMSR (write true). */
	int (*msr)(void *ctx, bool write, uint32_t index, uint64_t *val, ss_error *err);
	int (*vmmcall)(void *ctx, ss_ghcb_vmmcall *call, ss_error *err);
	/* The guest halts until its next event (may be NULL: res->action says SS_GHCB_HALT). */
	int (*hlt)(void *ctx, ss_error *err);
	/* The guest's TSC and TSC_AUX (RDTSCP). */
	int (*rdtsc)(void *ctx, uint64_t *tsc, uint32_t *tsc_aux, ss_error *err);
	/* Emulated MMIO of len 1, 2, 4 or 8 bytes at guest-physical gpa. */
	int (*mmio)(void *ctx, bool write, uint64_t gpa, void *buf, unsigned len, ss_error *err);
} ss_ghcb_ops;

/* One vCPU's side of the protocol. Fill with ss_ghcb_vcpu_init, then adjust. */
typedef struct ss_ghcb_vcpu {
	const ss_ghcb_ops *ops;
	void *ctx;
	bool snp;	      /* SEV-SNP guest: GHCB GPA registration required, version >= 2 */
	uint8_t cbit;	      /* C-bit position reported by SEV_INFO */
	uint16_t version_min; /* advertised protocol range (SEV_INFO) */
	uint16_t version_max;
	uint64_t hv_features;	 /* SS_GHCB_HV_FT_* (v2 feature request) */
	uint64_t scratch_limit;	 /* bytes of a scratch area outside the GHCB page */
	uint64_t registered_gpa; /* SNP: the registered GHCB GPA, UINT64_MAX = none */
	uint64_t dr7;		 /* the guest's DR7 as READ_DR7 / WRITE_DR7 keep it (§5) */
	uint64_t count;		 /* VMGEXITs handled */
} ss_ghcb_vcpu;

/* Defaults: version 1..2 for SEV-ES, 2..2 for SNP (which also gets SS_GHCB_HV_FT_SNP), scratch
 * areas outside the GHCB page up to 16 pages (as KVM), no registered GPA. */
void ss_ghcb_vcpu_init(ss_ghcb_vcpu *v, const ss_ghcb_ops *ops, void *ctx, bool snp, unsigned cbit);

enum ss_ghcb_action {
	SS_GHCB_RESUME = 0,    /* VMRUN again (after writing res->msr to the VMCB's ghcb_gpa) */
	SS_GHCB_HALT = 1,      /* the guest halted: resume it on its next event */
	SS_GHCB_TERMINATE = 2, /* the guest asked to stop, or cannot go on */
};

typedef struct ss_ghcb_result {
	int action;	     /* enum ss_ghcb_action */
	uint64_t msr;	     /* the GHCB MSR value to put back into the VMCB's ghcb_gpa */
	bool msr_protocol;   /* the request was an MSR-protocol one (code in `request`) */
	uint64_t request;    /* MSR-protocol code, or the GHCB's SW_EXITCODE */
	bool refused;	     /* the guest got SW_EXITINFO1 = 1 or 2 */
	uint64_t exit_info1; /* what the guest got in SW_EXITINFO1 / 2 (page protocol) */
	uint64_t exit_info2;
	unsigned term_set, term_code; /* termination reason (action SS_GHCB_TERMINATE) */
	char why[256];		      /* refusal or termination, naming the field */
} ss_ghcb_result;

/* Handles one VMGEXIT of vCPU v whose GHCB MSR (the VMCB's ghcb_gpa) is msr. See the contract at
 * the top of this header. res is always filled. */
int ss_ghcb_handle(ss_ghcb_vcpu *v, uint64_t msr, ss_ghcb_result *res, ss_error *err);

/* "SEV_INFO_REQ", "CPUID", "MMIO_READ", "NOT_REGISTERED"...; NULL when unknown. */
const char *ss_ghcb_msr_name(unsigned code);
const char *ss_ghcb_nae_name(uint64_t code);
const char *ss_ghcb_err_name(uint64_t reason);

#endif
