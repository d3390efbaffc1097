/* The #VMEXIT handlers (include/softsev/hv.h lists what the guest sees): one designated-initializer
 * table indexed by exit code (STYLE.md item 6), each handler validating what the guest controls
 * (port, size, direction, MSR index, function numbers) before acting, and completing the
 * instruction with NRIP save (next_rip, cpu-svm-sev.md §1.1) or injecting an exception (EVENTINJ,
 * §1.4). Exit codes and exit_info encodings: §3.1, §3.3. */
#include "hv/hv_internal.h"

#include <softsev/abi/svm_exit.h>
#include <stdio.h>
#include <string.h>

#define RFLAGS_IF   (1ull << 9)
#define CR4_OSXSAVE (1ull << 18)

typedef int (*exit_fn)(struct ss_vcpu *v, ss_error *err);

static ss_cpu_regs *gregs(struct ss_vcpu *v)
{
	return ss_cpu_regs_of(v->c); /* the guest's GPRs other than RAX and RSP (cpu.h) */
}

/* Completes the intercepted instruction: RIP = next_rip (NRIP save). */
static int advance(struct ss_vcpu *v, ss_error *err)
{
	uint64_t next = v->vmcb.control.next_rip;
	if (next == 0)
		return ss_fail(err, SS_EINVAL, "hv: #VMEXIT 0x%llx without next_rip (NRIP save)",
			       (unsigned long long)v->vmcb.control.exit_code);
	v->vmcb.save.rip = next;
	return 0;
}

/* Injects an exception (EVENTINJ, §1.4): the intercepted instruction does not complete. */
static int inject_exc(struct ss_vcpu *v, unsigned vector, bool has_error, uint32_t error)
{
	v->vmcb.control.event_inj = SS_EVTINJ_VALID | (SS_EVTINJ_TYPE_EXC << SS_EVTINJ_TYPE_SHIFT) |
				    vector | (has_error ? SS_EVTINJ_EV : 0);
	v->vmcb.control.event_inj_err = error;
	return 0;
}

void hv_stop(struct ss_vcpu *v, int why, uint32_t status)
{
	v->stopped = true;
	v->res.stop = why;
	v->res.status = status;
}

/* ---- CPUID: the hypervisor's model ---- */

void hv_cpuid(struct ss_vcpu *v, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	memset(out, 0, 16);
	if (leaf >= 0x40000000u && leaf <= 0x400000FFu) {
		/* Hypervisor leaves (the range Linux and KVM probe): max leaf and signature. */
		if (leaf == 0x40000000u) {
			static const char sig[12] = "SoftSEV HV  ";
			out[0] = 0x40000001u;
			memcpy(&out[1], sig, 4);
			memcpy(&out[2], sig + 4, 4);
			memcpy(&out[3], sig + 8, 4);
		}
		return; /* 0x40000001: no paravirtual features */
	}
	ss_cpu_cpuid(v->c, leaf, sub, out);
	switch (leaf) {
	case 1:
		out[1] = (out[1] & 0x00ffffffu) | (v->index << 24); /* initial APIC ID */
		out[2] |= 1u << 31;				    /* running under a hypervisor */
		out[2] &= ~(1u << 27);				    /* OSXSAVE mirrors the guest */
		if (v->vmcb.save.cr4 & CR4_OSXSAVE)
			out[2] |= 1u << 27;
		break;
	case 0x80000001: out[2] &= ~(1u << 2); break; /* no SVM for the guest */
	case 0x8000000A: memset(out, 0, 16); break;
	case 0x8000001F:
		/* §9.1: what this VM's guest may use. A plain guest sees nothing; an SEV guest its
		 * C-bit position and the address reduction. */
		memset(out, 0, 16);
		if (v->vm->cfg.mode == SS_VM_SEV || v->vm->cfg.mode == SS_VM_SEV_ES) {
			out[0] = 1u << 1; /* SEV */
			if (v->vm->cfg.mode == SS_VM_SEV_ES)
				out[0] |= 1u << 3; /* SEV-ES */
			out[1] = HV_SEV_EBX & 0xfffu;
		}
		break;
	default: break;
	}
}

static int exit_cpuid(struct ss_vcpu *v, ss_error *err)
{
	ss_cpu_regs *r = gregs(v);
	uint32_t out[4];
	hv_cpuid(v, (uint32_t)v->vmcb.save.rax, (uint32_t)r->gpr[SS_RCX], out);
	v->vmcb.save.rax = out[0];
	r->gpr[SS_RBX] = out[1];
	r->gpr[SS_RCX] = out[2];
	r->gpr[SS_RDX] = out[3];
	return advance(v, err);
}

/* ---- I/O ports ---- */

static int exit_ioio(struct ss_vcpu *v, ss_error *err)
{
	const uint64_t info = v->vmcb.control.exit_info_1;
	const unsigned port = (unsigned)(info >> SS_IOIO_PORT_SHIFT) & 0xffff;
	const bool in = info & SS_IOIO_TYPE_IN;
	const uint64_t sz = info & (SS_IOIO_SZ8 | SS_IOIO_SZ16 | SS_IOIO_SZ32);
	unsigned size = sz == SS_IOIO_SZ8 ? 1 : sz == SS_IOIO_SZ16 ? 2 : sz == SS_IOIO_SZ32 ? 4 : 0;
	const char *dir = in ? "IN" : "OUT";
	if (!size)
		return ss_fail(err, SS_EINVAL, "hv: IOIO exit_info_1 0x%llx has no single size bit",
			       (unsigned long long)info);
	if (info & SS_IOIO_STR)
		return ss_fail(err, SS_ENOTIMPL,
			       "hv: string I/O (%sS%s) on port 0x%x is not supported", dir,
			       info & SS_IOIO_REP ? " with REP" : "", port);
	/* NRIP is validated before the device acts: the exit port may stop the run. */
	int rc = advance(v, err);
	uint32_t val = (uint32_t)v->vmcb.save.rax;
	if (!rc)
		rc = hv_port_io(v, port, size, in, &val, err);
	if (!rc && in) {
		const uint64_t mask = size == 4 ? 0xffffffffull : (1ull << (8 * size)) - 1;
		v->vmcb.save.rax = (v->vmcb.save.rax & ~mask) | (val & mask);
	}
	return rc;
}

int hv_port_io(struct ss_vcpu *v, unsigned port, unsigned size, bool in, uint32_t *val,
	       ss_error *err)
{
	const uint32_t mask = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	if (port == SS_HV_PORT_CONSOLE && size == 1) {
		if (in) {
			*val = SS_HV_PORT_CONSOLE;
		} else if (v->vm->cfg.console) {
			uint8_t b = (uint8_t)*val;
			v->vm->cfg.console(v->vm->cfg.console_ctx, &b, 1);
		}
		return 0;
	}
	if (port == SS_HV_PORT_EXIT && !in) {
		hv_stop(v, SS_VCPU_STOP_EXIT, *val & mask);
		return 0;
	}
	return ss_fail(err, SS_EINVAL,
		       "hv: the guest used I/O port 0x%x (%s, %u byte%s) that no device serves "
		       "(console 0x%x takes bytes, exit 0x%x takes OUT)",
		       port, in ? "IN" : "OUT", size, size > 1 ? "s" : "", SS_HV_PORT_CONSOLE,
		       SS_HV_PORT_EXIT);
}

/* ---- MSRs the hypervisor emulates (the CPU keeps the guest-state ones, hv.h) ---- */

int hv_msr(struct ss_vcpu *v, bool write, uint32_t msr, uint64_t *val)
{
	(void)v;
	if (!write) {
		switch (msr) {
		case 0x0000008B: *val = SS_HV_PATCH_LEVEL; return 0; /* PATCH_LEVEL (AMD: EAX) */
		case 0xC0010140:				     /* OSVW_ID_LENGTH */
		case 0xC0010141: *val = 0; return 0;		     /* OSVW_STATUS */
		default: return 1;
		}
	}
	switch (msr) {
	case 0xC0010020: return 0; /* PATCH_LOADER: no microcode to load */
	default: return 1;
	}
}

static int exit_msr(struct ss_vcpu *v, ss_error *err)
{
	ss_cpu_regs *r = gregs(v);
	const uint64_t write = v->vmcb.control.exit_info_1;
	const uint32_t msr = (uint32_t)r->gpr[SS_RCX];
	if (write > 1)
		return ss_fail(err, SS_EINVAL, "hv: MSR exit_info_1 0x%llx is neither 0 nor 1",
			       (unsigned long long)write);
	uint64_t val = (uint32_t)v->vmcb.save.rax | (r->gpr[SS_RDX] << 32);
	if (hv_msr(v, write, msr, &val))
		return inject_exc(v, 13, true, 0);
	if (!write) {
		v->vmcb.save.rax = (uint32_t)val;
		r->gpr[SS_RDX] = val >> 32;
	}
	return advance(v, err);
}

/* ---- the rest ---- */

static int exit_hlt(struct ss_vcpu *v, ss_error *err)
{
	if (v->vmcb.save.rflags & RFLAGS_IF)
		return ss_fail(err, SS_ESTATE,
			       "hv: HLT with interrupts enabled at RIP 0x%llx: no interrupt source "
			       "is modelled, the guest would sleep forever",
			       (unsigned long long)v->vmcb.save.rip);
	int rc = advance(v, err);
	if (!rc)
		hv_stop(v, SS_VCPU_STOP_HLT, 0);
	return rc;
}

static int exit_vmmcall(struct ss_vcpu *v, ss_error *err)
{
	v->vmcb.save.rax =
	    v->vmcb.save.rax == SS_HV_CALL_VERSION ? SS_HV_CALL_MAGIC : SS_HV_CALL_ENOSYS;
	return advance(v, err);
}

static int exit_intr(struct ss_vcpu *v, ss_error *err)
{
	return 0; /* the slice's budget ran out (cpu.h): the run loop checks the whole budget */
}

static int exit_nop(struct ss_vcpu *v, ss_error *err)
{
	return advance(v, err); /* INVD: nothing cached to drop */
}

static int exit_ud(struct ss_vcpu *v, ss_error *err)
{
	return inject_exc(v, 6, false, 0); /* SVM instructions: the guest has no SVM (CPUID) */
}

static int exit_shutdown(struct ss_vcpu *v, ss_error *err)
{
	return ss_fail(err, SS_EINVAL, "hv: the guest shut down (triple fault) at RIP 0x%llx",
		       (unsigned long long)v->vmcb.save.rip);
}

static int exit_npf(struct ss_vcpu *v, ss_error *err)
{
	const uint64_t gpa = v->vmcb.control.exit_info_2, code = v->vmcb.control.exit_info_1;
	const uint64_t ram = v->vm->cfg.ram_size;
	return ss_fail(err, SS_EINVAL,
		       "hv: nested page fault at gPA 0x%llx (error code 0x%llx: %s%s%s%s) at RIP "
		       "0x%llx: %s",
		       (unsigned long long)gpa, (unsigned long long)code,
		       code & SS_MEM_ERR_P ? "present" : "not present",
		       code & SS_MEM_ERR_W ? ", write" : ", read",
		       code & SS_MEM_ERR_ID ? ", fetch" : "", code & SS_MEM_ERR_RMP ? ", RMP" : "",
		       (unsigned long long)v->vmcb.save.rip,
		       gpa >= ram ? "outside guest RAM" : "inside guest RAM but refused");
}

static const exit_fn handlers[0x100] = {
    [SS_SVM_EXIT_INTR] = exit_intr,	    [SS_SVM_EXIT_CPUID] = exit_cpuid,
    [SS_SVM_EXIT_INVD] = exit_nop,	    [SS_SVM_EXIT_HLT] = exit_hlt,
    [SS_SVM_EXIT_IOIO] = exit_ioio,	    [SS_SVM_EXIT_MSR] = exit_msr,
    [SS_SVM_EXIT_SHUTDOWN] = exit_shutdown, [SS_SVM_EXIT_VMRUN] = exit_ud,
    [SS_SVM_EXIT_VMMCALL] = exit_vmmcall,   [SS_SVM_EXIT_VMLOAD] = exit_ud,
    [SS_SVM_EXIT_VMSAVE] = exit_ud,	    [SS_SVM_EXIT_STGI] = exit_ud,
    [SS_SVM_EXIT_CLGI] = exit_ud,	    [SS_SVM_EXIT_SKINIT] = exit_ud,
};

int hv_handle_exit(struct ss_vcpu *v, ss_error *err)
{
	const uint64_t code = v->vmcb.control.exit_code;
	char name[48];
	if (code == SS_SVM_EXIT_INVALID)
		return ss_fail(err, SS_EINVAL, "hv: VMRUN refused the VMCB (VMEXIT_INVALID): %s",
			       v->ex.detail ? v->ex.detail : "no rule named");
	if (code == SS_SVM_EXIT_NPF)
		return exit_npf(v, err);
	if (code == SS_SVM_EXIT_VMGEXIT)
		return hv_vmgexit(v, err);
	if (code < sizeof(handlers) / sizeof(handlers[0]) && handlers[code])
		return handlers[code](v, err);
	return ss_fail(
	    err, SS_EINVAL,
	    "hv: unexpected #VMEXIT %s (0x%llx), exit_info_1 0x%llx, exit_info_2 0x%llx, "
	    "at RIP 0x%llx",
	    ss_svm_exit_name(code, name, sizeof(name)), (unsigned long long)code,
	    (unsigned long long)v->vmcb.control.exit_info_1,
	    (unsigned long long)v->vmcb.control.exit_info_2, (unsigned long long)v->vmcb.save.rip);
}
