/* A vCPU (include/softsev/hv.h): an emulated CPU in host mode with EFER.SVME, its VMCB page and
 * host save area in host memory, and the run loop VMRUN -> #VMEXIT -> handler (exit.c) -> VMRUN.
 * Numbers: cpu-svm-sev.md §1 (VMCB control area, intercepts), §2.1 (save area), §9.3 (VMRUN with
 * SEV), ss_guest/layout.h (the entry state). */
#include "hv/hv_internal.h"

#include <softsev/abi/svm_exit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Instructions per VMRUN: the budget running out is a #VMEXIT(INTR) (cpu.h) that the loop takes
 * as a chance to check the whole run's budget. */
#define HV_SLICE 4000000u

#define EFER_SCE		  0x1ull
#define EFER_LME		  0x100ull
#define EFER_LMA		  0x400ull
#define EFER_NXE		  0x800ull
#define EFER_SVME		  0x1000ull
#define SYSCFG_MEM_ENCRYPT_MOD_EN (1ull << 23) /* needed by VMRUN of an SEV guest (§9.3) */

/* The entry state of the flat-image boot protocol (layout.h): 64-bit code at CPL 0 with the boot
 * page tables. The same fields in the VMCB's save area and in an SEV-ES VMSA (whose layout starts
 * like it, abi/vmsa.h). */
#define ENTRY_STATE(s, vm)                                                                         \
	do {                                                                                       \
		(s)->cs = (ss_vmsa_segment){0x08, 0x29b, 0xffffffff, 0}; /* 64-bit code, DPL 0 */  \
		(s)->ss = (s)->ds = (s)->es = (ss_vmsa_segment){0x10, 0xc93, 0xffffffff, 0};       \
		(s)->fs = (s)->gs = (ss_vmsa_segment){0, 0, 0xffff, 0};                            \
		(s)->tr = (ss_vmsa_segment){0, 0x8b, 0xffff, 0};                                   \
		(s)->ldtr = (ss_vmsa_segment){0, 0x82, 0xffff, 0};                                 \
		(s)->gdtr.limit = (s)->idtr.limit = 0xffff;                                        \
		(s)->efer = EFER_SVME | EFER_LME | EFER_LMA | EFER_NXE;                            \
		(s)->cr0 = 0x80000011; /* PG, ET, PE */                                            \
		(s)->cr3 = (vm)->boot.cr3;                                                         \
		(s)->cr4 = 0x20; /* PAE */                                                         \
		(s)->dr6 = 0xffff0ff0;                                                             \
		(s)->dr7 = 0x400;                                                                  \
		(s)->rflags = 2;                                                                   \
		(s)->rip = (vm)->boot.rip;                                                         \
		(s)->g_pat = 0x0007040600070406ull;                                                \
	} while (0)

void hv_vmsa_init(const struct ss_vm *vm, ss_vmsa *s)
{
	memset(s, 0, sizeof(*s));
	ENTRY_STATE(s, vm);
	s->rdi = vm->boot.rdi;
	s->xcr0 = 1;	     /* x87 only (reset value) */
	s->mxcsr = 0x1f80;   /* every SSE exception masked (reset value) */
	s->x87_fcw = 0x37f;  /* FNINIT's control word */
	s->sev_features = 0; /* plain SEV-ES: no SNP features */
}

void ss_vm_sev_es_vmsa(const struct ss_vm *vm, uint8_t out[SS_HV_VMSA_LEN])
{
	ss_vmsa s;
	hv_vmsa_init(vm, &s);
	memcpy(out, &s, SS_HV_VMSA_LEN);
}

/* The VMCB of a new vCPU: the intercepts the hypervisor serves (hv.h) and the entry state of the
 * flat-image boot protocol (layout.h); an SEV-ES guest's state is in its VMSA instead. */
static void vmcb_init(struct ss_vcpu *v)
{
	struct ss_vm *vm = v->vm;
	ss_vmcb_control *k = &v->vmcb.control;
	ss_vmcb_save *s = &v->vmcb.save;
	memset(&v->vmcb, 0, sizeof(v->vmcb));
	k->intercept_misc1 = SS_ICPT3_CPUID | SS_ICPT3_HLT | SS_ICPT3_IOIO_PROT |
			     SS_ICPT3_MSR_PROT | SS_ICPT3_SHUTDOWN | SS_ICPT3_INVD |
			     SS_ICPT3_TASK_SWITCH;
	k->intercept_misc2 = SS_ICPT4_VMRUN | SS_ICPT4_VMMCALL | SS_ICPT4_VMLOAD | SS_ICPT4_VMSAVE |
			     SS_ICPT4_STGI | SS_ICPT4_CLGI | SS_ICPT4_SKINIT;
	k->iopm_base_pa = HV_IOPM;
	k->msrpm_base_pa = HV_MSRPM;
	k->asid = vm->asid;
	k->tlb_ctl = SS_TLB_CTL_ALL; /* the first run flushes; later runs keep the ASID's TLB */
	k->nested_ctl = SS_NESTED_CTL_NP;
	if (vm->cfg.mode == SS_VM_SEV || vm->cfg.mode == SS_VM_SEV_ES)
		k->nested_ctl |= SS_NESTED_CTL_SEV;
	if (vm->cfg.mode == SS_VM_SEV_ES) {
		k->nested_ctl |= SS_NESTED_CTL_SEV_ES;
		k->vmsa_pa = hv_vmsa_spa(v->index);
		/* The GHCB MSR at guest entry holds the SEV information (GHCB spec §2.3.1). */
		k->ghcb_gpa = SS_GHCB_MSR_SEV_INFO(SS_GHCB_VERSION_MAX, SS_GHCB_VERSION_MIN, HV_CBIT);
	}
	k->nested_cr3 = HV_NPT;
	ENTRY_STATE(s, vm);
}

int ss_vcpu_new(struct ss_vm *vm, struct ss_vcpu **out, ss_error *err)
{
	*out = NULL;
	if (!vm->boot.loaded)
		return ss_fail(err, SS_ESTATE, "hv: no guest image loaded (ss_vm_load_flat)");
	if ((vm->cfg.mode == SS_VM_SEV || vm->cfg.mode == SS_VM_SEV_ES) && !vm->launched)
		return ss_fail(err, SS_ESTATE, "hv: the %s VM is not launched (ss_vm_sev_launch)",
			       ss_vm_mode_name(vm->cfg.mode));
	if (vm->cfg.mode == SS_VM_SEV_ES && vm->vcpus_made >= 1)
		return ss_fail(err, SS_ERANGE,
			       "hv: an SEV-ES VM has one vCPU (the one whose VMSA was launched)");
	if (vm->vcpus_made >= HV_MAX_VCPUS)
		return ss_fail(err, SS_ERANGE, "hv: at most %u vCPUs per VM", HV_MAX_VCPUS);
	struct ss_vcpu *v = calloc(1, sizeof(*v));
	if (!v)
		return ss_fail(err, SS_ENOMEM, "hv: out of memory");
	v->vm = vm;
	v->index = vm->vcpus_made;
	v->vmcb_pa = HV_VCPU_BASE + HV_VCPU_STRIDE * v->index;
	v->hsave_pa = v->vmcb_pa + 0x1000;
	const unsigned index = v->index;
	int rc = ss_hv_mem_new(vm->m, &vm->hm[index], err);
	if (rc) {
		free(v);
		return ss_wrap(err, rc, "hv: vCPU %u", index);
	}
	vm->vcpus_made++;
	v->hm = vm->hm[v->index];
	ss_cpu_config cfg = {.model = SS_CPU_MILAN,
			     .sev_leaf = {HV_SEV_EAX, HV_SEV_EBX, HV_MAX_ASID, HV_MIN_SEV_ASID},
			     .mem = &ss_hv_mem_ops,
			     .mem_ctx = v->hm,
			     /* The hypervisor is C code: its CPU never runs host instructions, so
			      * it needs no page tables of its own. */
			     .flat_long_mode = true};
	rc = ss_cpu_new(&cfg, &v->c, err);
	if (rc) {
		free(v);
		return ss_wrap(err, rc, "hv: vCPU %u", index);
	}
	ss_hv_mem_attach(v->hm, v->c);
	ss_cpu_regs *r = ss_cpu_regs_of(v->c);
	r->cr0 &= ~0x80000000ull;
	ss_cpu_set_long_mode(v->c, false);
	r->efer |= EFER_SVME;
	r->syscfg |= SYSCFG_MEM_ENCRYPT_MOD_EN;
	r->vm_hsave_pa = v->hsave_pa;
	r->gpr[SS_RDI] = vm->boot.rdi; /* the guest's GPRs other than RAX/RSP live in the CPU */
	ss_cpu_flush_tlb(v->c);
	vmcb_init(v);
	if (vm->cfg.mode == SS_VM_SEV_ES)
		hv_ghcb_init(v);
	vm->vcpus_live++;
	*out = v;
	return 0;
}

void ss_vcpu_free(struct ss_vcpu *v)
{
	if (!v)
		return;
	ss_hv_mem_attach(v->hm, NULL);
	ss_cpu_free(v->c);
	v->vm->vcpus_live--;
	free(v);
}

int ss_vcpu_run(struct ss_vcpu *v, uint64_t max_insns, struct ss_vcpu_result *res, ss_error *err)
{
	struct ss_vm *vm = v->vm;
	memset(res, 0, sizeof(*res));
	v->stopped = false;
	memset(&v->res, 0, sizeof(v->res));
	const uint64_t start = ss_cpu_icount(v->c);
	int rc = 0;
	for (;;) {
		uint64_t used = ss_cpu_icount(v->c) - start;
		if (used >= max_insns) {
			rc = ss_fail(
			    err, SS_ERANGE,
			    "hv: the instruction budget of %llu guest instructions is used up "
			    "(guest RIP 0x%llx)",
			    (unsigned long long)max_insns, (unsigned long long)v->vmcb.save.rip);
			break;
		}
		uint64_t slice = max_insns - used < HV_SLICE ? max_insns - used : HV_SLICE;
		rc = hv_host_write(vm, v->vmcb_pa, &v->vmcb, sizeof(v->vmcb), err);
		if (!rc)
			rc = ss_cpu_vmrun(v->c, v->vmcb_pa, slice, &v->ex, err);
		if (!rc)
			rc = hv_host_read(vm, v->vmcb_pa, &v->vmcb, sizeof(v->vmcb), err);
		if (rc) {
			rc = ss_wrap(err, rc, "hv: vCPU %u: VMRUN", v->index);
			break;
		}
		/* Later runs keep the ASID's translations (the nested tables never change). */
		v->vmcb.control.tlb_ctl = SS_TLB_CTL_NONE;
		/* An event whose delivery the exit interrupted is delivered again (§1.4). */
		v->vmcb.control.event_inj = v->vmcb.control.exit_int_info & SS_EVTINJ_VALID
						? v->vmcb.control.exit_int_info
						: 0;
		v->vmcb.control.event_inj_err = v->vmcb.control.exit_int_info_err;
		if (v->ex.reason != SS_CPU_EXIT_VMEXIT) {
			rc = ss_fail(err, SS_EINVAL,
				     "hv: vCPU %u: VMRUN ended with %s instead of a #VMEXIT",
				     v->index, ss_cpu_exit_name(v->ex.reason));
			break;
		}
		res->exits++;
		if (getenv("HVDBG")) fprintf(stderr, "exit 0x%llx i1 0x%llx i2 0x%llx ghcb 0x%llx icount %llu\n", (unsigned long long)v->vmcb.control.exit_code, (unsigned long long)v->vmcb.control.exit_info_1, (unsigned long long)v->vmcb.control.exit_info_2, (unsigned long long)v->vmcb.control.ghcb_gpa, (unsigned long long)ss_cpu_icount(v->c));
		rc = hv_handle_exit(v, err);
		if (rc || v->stopped)
			break;
	}
	res->insns = ss_cpu_icount(v->c) - start;
	if (!rc && v->stopped) {
		res->stop = v->res.stop;
		res->status = v->res.status;
	}
	return rc;
}
