/* Internal interfaces of the hypervisor (include/softsev/hv.h): the VM and vCPU objects shared by
 * vm.c, vcpu.c and exit.c, and the host-physical layout the hypervisor keeps its structures in. */
#ifndef SS_HV_INTERNAL_H
#define SS_HV_INTERNAL_H

#include <softsev/abi/vmcb.h>
#include <softsev/abi/vmsa.h>
#include <softsev/ghcb.h>
#include <softsev/cpu.h>
#include <softsev/hv.h>
#include <softsev/hv_mem.h>
#include <softsev/mem.h>
#include <stdbool.h>

/* System-physical layout of the VM's DRAM: the hypervisor's pages below 2 MiB, guest RAM above
 * (2 MiB aligned, so the nested tables can map it with 2 MiB pages). */
#define HV_IOPM	 0x10000ull /* 12 KiB I/O permission map (cpu-svm-sev.md §1.6) */
#define HV_MSRPM 0x14000ull /* 8 KiB MSR permission map (§1.6) */
#define HV_VCPU_BASE                                                                               \
	0x20000ull /* vCPU i at + 0x4000 * i: VMCB, host save area at + 0x1000,                    \
		     SEV-ES VMSA at + 0x2000 */
#define HV_VCPU_STRIDE 0x4000ull
#define HV_NPT	       0x40000ull /* nested PML4, PDPT at + 0x1000, PDs from + 0x2000 */
#define HV_NPT_END     0x100000ull
#define HV_PSP_BUF     0x100000ull /* 1 MiB for the PSP's command data (certificates, blobs) */
#define HV_TMR	       0x200000ull /* 1 MiB trusted memory region of INIT with CONFIG_ES (SEV-ES) */
#define HV_RAM_SPA     0x400000ull /* gPA 0 */
#define HV_MAX_VCPUS   4

/* Host CPU identity (CPUID 0x8000001F, cpu-svm-sev.md §9.1): SME, SEV, SEV-ES, SNP, VMPL; C-bit
 * 51, physical-address reduction 1, 4 VMPLs; 15 ASIDs, plain SEV guests from ASID 8 (SEV-ES and
 * SNP guests use 1..7). */
#define HV_CBIT		51
#define HV_SEV_EAX	0x3Bu
#define HV_SEV_EBX	(HV_CBIT | (1u << 6) | (4u << 12))
#define HV_MAX_ASID	15u
#define HV_MIN_SEV_ASID 8u
#define HV_SEV_ES_ASID	1u /* an SEV-ES guest's ASID: below HV_MIN_SEV_ASID (§9.1) */

/* The boot protocol of ss_guest/layout.h, as ss_vm_load_flat sets it up. */
struct hv_boot {
	bool loaded;
	uint64_t rip, rdi, cr3;
	uint64_t image_len; /* bytes at SS_GUEST_LOAD */
};

struct ss_vm {
	struct ss_vm_config cfg;
	struct ss_mem *m;
	struct ss_hv_mem *hm[HV_MAX_VCPUS]; /* per vCPU slot; freed after the memory system */
	unsigned vcpus_made;
	unsigned vcpus_live;
	uint32_t asid;
	uint64_t cbit; /* mask of the C-bit in guest page tables (0 without SEV) */
	struct hv_boot boot;
	struct ss_mem_fw *fw; /* the firmware port, once ss_vm_psp_open claimed it */
	bool launched;	      /* SEV: LAUNCH_FINISH done */
};

struct ss_vcpu {
	struct ss_vm *vm;
	unsigned index;
	ss_cpu *c;
	struct ss_hv_mem *hm;
	uint64_t vmcb_pa, hsave_pa;
	ss_vmcb vmcb; /* the hypervisor's copy: written before VMRUN, read back after #VMEXIT */
	ss_ghcb_vcpu ghcb; /* SEV-ES: this vCPU's side of the GHCB protocol (vmgexit.c) */
	ss_cpu_exit ex;
	/* What the handlers decided: stop with a status, or go on. */
	bool stopped;
	struct ss_vcpu_result res;
};

/* Host-view DRAM accesses (no key), SS_EINVAL naming the address when outside DRAM. */
int hv_host_read(struct ss_vm *vm, uint64_t spa, void *buf, size_t len, ss_error *err);
int hv_host_write(struct ss_vm *vm, uint64_t spa, const void *buf, size_t len, ss_error *err);

/* The sPA of vCPU i's VMSA page (SEV-ES). */
static inline uint64_t hv_vmsa_spa(unsigned i)
{
	return HV_VCPU_BASE + HV_VCPU_STRIDE * i + 0x2000;
}
/* vcpu.c: the entry state of the boot protocol (ss_vm_load_flat) as an SEV-ES VMSA. */
void hv_vmsa_init(const struct ss_vm *vm, ss_vmsa *s);

/* exit.c: the devices both the intercepts and the GHCB protocol reach. Port I/O of size 1, 2 or
 * 4 (0, or an error naming the port); MSR reads and writes the hypervisor emulates (0, or 1 for
 * #GP); CPUID is hv_cpuid. The exit port and HLT stop the vCPU through hv_stop. */
int hv_port_io(struct ss_vcpu *v, unsigned port, unsigned size, bool in, uint32_t *val,
	       ss_error *err);
int hv_msr(struct ss_vcpu *v, bool write, uint32_t msr, uint64_t *val);
void hv_stop(struct ss_vcpu *v, int why, uint32_t status);
/* vmgexit.c: the VMGEXIT of an SEV-ES guest through ss_ghcb_handle (include/softsev/ghcb.h). */
void hv_ghcb_init(struct ss_vcpu *v);
int hv_vmgexit(struct ss_vcpu *v, ss_error *err);

/* exit.c: handles the #VMEXIT in v->vmcb (and v->ex). Returns 0 to resume (the handler advanced
 * RIP or injected an event), 0 with v->stopped set to stop, or a negative SS_E* error. */
int hv_handle_exit(struct ss_vcpu *v, ss_error *err);
/* exit.c: the hypervisor's CPUID model for this vCPU's guest. */
void hv_cpuid(struct ss_vcpu *v, uint32_t leaf, uint32_t sub, uint32_t out[4]);

#endif
