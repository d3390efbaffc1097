/* Internal interfaces of the hypervisor (include/softsev/hv.h): the VM and vCPU objects shared by
 * vm.c, vcpu.c and exit.c, and the host-physical layout the hypervisor keeps its structures in. */
#ifndef SS_HV_INTERNAL_H
#define SS_HV_INTERNAL_H

#include <softsev/abi/vmcb.h>
#include <softsev/cpu.h>
#include <softsev/hv.h>
#include <softsev/hv_mem.h>
#include <softsev/mem.h>
#include <stdbool.h>

/* System-physical layout of the VM's DRAM: the hypervisor's pages below 2 MiB, guest RAM above
 * (2 MiB aligned, so the nested tables can map it with 2 MiB pages). */
#define HV_IOPM	     0x10000ull /* 12 KiB I/O permission map (cpu-svm-sev.md §1.6) */
#define HV_MSRPM     0x14000ull /* 8 KiB MSR permission map (§1.6) */
#define HV_VCPU_BASE 0x20000ull /* vCPU i: VMCB at + 0x2000 * i, host save area at + 0x1000 */
#define HV_NPT	     0x40000ull /* nested PML4, PDPT at + 0x1000, PDs from + 0x2000 */
#define HV_NPT_END   0x100000ull
#define HV_PSP_BUF   0x100000ull /* 1 MiB for the PSP's command data (certificates, blobs) */
#define HV_RAM_SPA   0x200000ull /* gPA 0 */
#define HV_MAX_VCPUS 4

/* Host CPU identity (CPUID 0x8000001F, cpu-svm-sev.md §9.1): SME, SEV, SEV-ES, SNP, VMPL; C-bit
 * 51, physical-address reduction 1, 4 VMPLs; 15 ASIDs, plain SEV guests from ASID 8 (SEV-ES and
 * SNP guests use 1..7). */
#define HV_CBIT		51
#define HV_SEV_EAX	0x3Bu
#define HV_SEV_EBX	(HV_CBIT | (1u << 6) | (4u << 12))
#define HV_MAX_ASID	15u
#define HV_MIN_SEV_ASID 8u

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
	ss_cpu_exit ex;
	/* What the handlers decided: stop with a status, or go on. */
	bool stopped;
	struct ss_vcpu_result res;
};

/* Host-view DRAM accesses (no key), SS_EINVAL naming the address when outside DRAM. */
int hv_host_read(struct ss_vm *vm, uint64_t spa, void *buf, size_t len, ss_error *err);
int hv_host_write(struct ss_vm *vm, uint64_t spa, const void *buf, size_t len, ss_error *err);

/* exit.c: handles the #VMEXIT in v->vmcb (and v->ex). Returns 0 to resume (the handler advanced
 * RIP or injected an event), 0 with v->stopped set to stop, or a negative SS_E* error. */
int hv_handle_exit(struct ss_vcpu *v, ss_error *err);
/* exit.c: the hypervisor's CPUID model for this vCPU's guest. */
void hv_cpuid(struct ss_vcpu *v, uint32_t leaf, uint32_t sub, uint32_t out[4]);

#endif
