/* The VMGEXIT of an SEV-ES guest (cpu-svm-sev.md §4-§7): the CPU leaves with the automatic exit
 * 0x403 and the guest's GHCB MSR in the VMCB's ghcb_gpa; ss_ghcb_handle (include/softsev/ghcb.h)
 * validates the request and calls back into the same devices the intercepts of a plain or SEV
 * guest reach (exit.c): the console and exit ports, the hypervisor's CPUID model, the emulated
 * MSRs, the version hypercall. The GHCB page is shared memory, read and written through the
 * host's view of guest RAM. The guest advances its own RIP (its #VC handler skips the
 * instruction), so nothing here touches the encrypted VMSA. */
#include "hv/hv_internal.h"

#include <stdio.h>
#include <string.h>

static int g_read(void *ctx, uint64_t gpa, void *buf, size_t len, ss_error *err)
{
	struct ss_vcpu *v = ctx;
	return ss_vm_read(v->vm, gpa, buf, len, err);
}

static int g_write(void *ctx, uint64_t gpa, const void *buf, size_t len, ss_error *err)
{
	struct ss_vcpu *v = ctx;
	return ss_vm_write(v->vm, gpa, buf, len, err);
}

static int g_io(void *ctx, uint16_t port, unsigned size, bool in, uint32_t *val, ss_error *err)
{
	return hv_port_io(ctx, port, size, in, val, err);
}

static int g_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf, uint64_t xcr0, uint64_t xss,
		   uint32_t out[4], ss_error *err)
{
	(void)xcr0, (void)xss, (void)err;
	hv_cpuid(ctx, leaf, subleaf, out);
	return 0;
}

static int g_msr(void *ctx, bool write, uint32_t index, uint64_t *val, ss_error *err)
{
	(void)err;
	return hv_msr(ctx, write, index, val) ? SS_GHCB_DEV_GP : 0;
}

static int g_vmmcall(void *ctx, ss_ghcb_vmmcall *call, ss_error *err)
{
	(void)ctx, (void)err;
	call->rax = call->rax == SS_HV_CALL_VERSION ? SS_HV_CALL_MAGIC : SS_HV_CALL_ENOSYS;
	return 0;
}

static const ss_ghcb_ops hv_ghcb_ops = {
    .read = g_read,
    .write = g_write,
    .io = g_io,
    .cpuid = g_cpuid,
    .msr = g_msr,
    .vmmcall = g_vmmcall,
    /* No HLT callback: the handler answers SS_GHCB_HALT and the run stops as for a plain HLT
     * with interrupts off (no interrupt source is modelled, hv.h). No TSC or MMIO device. */
};

void hv_ghcb_init(struct ss_vcpu *v)
{
	ss_ghcb_vcpu_init(&v->ghcb, &hv_ghcb_ops, v, false, HV_CBIT);
}

int hv_vmgexit(struct ss_vcpu *v, ss_error *err)
{
	if (v->vm->cfg.mode != SS_VM_SEV_ES)
		return ss_fail(err, SS_EINVAL, "hv: VMGEXIT from a %s guest",
			       ss_vm_mode_name(v->vm->cfg.mode));
	ss_ghcb_result res;
	int rc = ss_ghcb_handle(&v->ghcb, v->vmcb.control.ghcb_gpa, &res, err);
	if (rc) {
		const char *name = res.msr_protocol ? ss_ghcb_msr_name((unsigned)res.request)
						    : ss_ghcb_nae_name(res.request);
		return ss_wrap(err, rc, "hv: VMGEXIT %s%s", res.msr_protocol ? "MSR protocol " : "",
			       name		  ? name
			       : res.msr_protocol ? "request"
						  : "exit");
	}
	v->vmcb.control.ghcb_gpa = res.msr;
	if (res.action == SS_GHCB_HALT)
		hv_stop(v, SS_VCPU_STOP_HLT, 0);
	else if (res.action == SS_GHCB_TERMINATE)
		return ss_fail(err, SS_ESTATE, "hv: the guest asked to terminate: %s", res.why);
	return 0;
}
