/* softsev hv — the hypervisor: VMs, vCPUs and their exit handlers (DESIGN.md, the KVM-like layer).
 *
 * A VM (src/hv/vm.c) owns a memory system (include/softsev/mem.h) with the CPU glue
 * (include/softsev/hv_mem.h), the guest-physical layout (one RAM region [0, ram_size) mapped by
 * nested page tables the hypervisor builds in host memory), an ASID and a mode. A vCPU
 * (src/hv/vcpu.c) owns an emulated CPU (include/softsev/cpu.h) in host mode with EFER.SVME, its
 * VMCB page and host save area in host memory, and runs the guest with ss_cpu_vmrun: VMRUN ->
 * #VMEXIT -> exit handler (src/hv/exit.c) -> VMRUN until the guest stops or fails.
 *
 * The devices and rules a guest sees (all of it guest-controlled input, validated before use):
 * - I/O port SS_HV_PORT_CONSOLE (0xE9, the Bochs/QEMU debug console): OUT of a byte prints it
 *   through the console callback; IN reads 0xE9 (how guests detect the port). Port
 *   SS_HV_PORT_EXIT (0xF4, QEMU's isa-debug-exit address): OUT of 1, 2 or 4 bytes stops the run
 *   with that value as the guest's status. Any other port, and string I/O (INS/OUTS), is an error
 *   naming the port, size and direction.
 * - HLT with RFLAGS.IF = 0 stops the run (no interrupt can wake it). HLT with IF = 1 is an error
 *   too: the platform models no interrupt source, the guest would sleep forever.
 * - CPUID: the hypervisor's model (exit.c): the CPU's own leaves with the hypervisor bit
 *   (1.ECX[31]), no SVM (0x80000001.ECX[2], leaf 0x8000000A), the leaves 0x40000000
 *   ("SoftSEV  HV", max 0x40000001) and 0x8000001F as this VM's mode shows it.
 * - MSRs: the CPU keeps as guest state (no intercept) EFER, STAR, LSTAR, CSTAR, SFMASK,
 *   KERNEL_GS_BASE, FS/GS base, SYSENTER_*, PAT, TSC, TSC_AUX, SPEC_CTRL and SEV_STATUS (read
 *   only); the hypervisor emulates reads of PATCH_LEVEL (0x8B, SS_HV_PATCH_LEVEL), OSVW_ID_LENGTH
 *   and OSVW_STATUS (0xC0010140/1, 0) and writes of PATCH_LOADER (0xC0010020, ignored); any other
 *   RDMSR/WRMSR gets #GP(0) injected.
 * - VMMCALL: RAX = SS_HV_CALL_VERSION answers SS_HV_CALL_MAGIC in RAX; any other RAX answers
 *   SS_HV_CALL_ENOSYS (KVM's -KVM_ENOSYS).
 * - Errors (ss_vcpu_run returns < 0, the message names what happened): #NPF (exit_info_2 = the
 *   GPA outside RAM or refused, exit_info_1 = the error code), SHUTDOWN (triple fault),
 *   VMEXIT_INVALID (the VMRUN rule that failed, cpu.h), a VMGEXIT the GHCB protocol refuses
 *   or a termination request (SEV-ES), any
 *   other exit code (named), and the instruction budget used up.
 *
 * Modes: plain SVM, and SEV (memory encrypted with the ASID's key after a launch through the
 * software AMD-SP, below; the guest's page tables carry the C-bit, bit 51, and SEV_STATUS reads
 * 1), and SEV-ES (the same launch plus the vCPU's VMSA, encrypted and measured with
 * LAUNCH_UPDATE_VMSA; ASID below the SEV range; every intercept is a #VC in the guest, whose
 * handler reaches the devices above through the GHCB and VMGEXIT, src/hv/vmgexit.c with
 * include/softsev/ghcb.h; one vCPU). Not modelled yet: interrupts and timers, more than one RAM
 * region, SNP guests (ss_vm_new refuses them with SS_ENOTIMPL naming the mode).
 */
#ifndef SOFTSEV_HV_H
#define SOFTSEV_HV_H

#include <softsev/error.h>
#include <stddef.h>
#include <stdint.h>

#define SS_HV_PORT_CONSOLE 0xE9
#define SS_HV_PORT_EXIT	   0xF4
#define SS_HV_PATCH_LEVEL  0x0A0011D1u /* MSR 0x8B as the emulated Milan part reports it */
#define SS_HV_CALL_VERSION 0x53530001u /* VMMCALL function: "SS" 1 */
#define SS_HV_CALL_MAGIC   0x3176657374666f73ull /* "softsev1" in memory order */
#define SS_HV_CALL_ENOSYS  ((uint64_t)-1000)
#define SS_HV_RAM_MIN	   (16ull << 20) /* the flat-image boot protocol needs 16 MiB */
#define SS_HV_RAM_MAX	   (1024ull << 20)
#define SS_HV_IMAGE_MAX	   0x300000u /* flat image: loaded at 1 MiB, image + bss below 4 MiB */

/* X(name, value, text) */
#define SS_VM_MODE_LIST(X)                                                                         \
	X(SS_VM_PLAIN, 0, "plain")                                                                 \
	X(SS_VM_SEV, 1, "sev")                                                                     \
	X(SS_VM_SEV_ES, 2, "sev-es")                                                               \
	X(SS_VM_SNP, 3, "snp")

enum ss_vm_mode {
#define SS_VM_MODE_ENUM(n, v, t) n = v,
	SS_VM_MODE_LIST(SS_VM_MODE_ENUM)
#undef SS_VM_MODE_ENUM
};
/* "plain", "sev", "sev-es", "snp"; NULL for an unknown mode. */
const char *ss_vm_mode_name(int mode);
/* The mode called name, or -1. */
int ss_vm_mode_parse(const char *name);

/* Receives what the guest writes to the console port (one call per byte today). */
typedef void (*ss_hv_console_fn)(void *ctx, const uint8_t *bytes, size_t len);

struct ss_vm_config {
	int mode;		  /* enum ss_vm_mode */
	uint64_t ram_size;	  /* bytes, a multiple of 2 MiB in [SS_HV_RAM_MIN, SS_HV_RAM_MAX] */
	uint64_t seed;		  /* the memory system's seed (SME key): same seed, same run */
	ss_hv_console_fn console; /* NULL: console output is dropped */
	void *console_ctx;
};

struct ss_vm;
struct ss_vcpu;

/* Creates the VM: its memory system, the CPU glue, IOPM/MSRPM and nested tables mapping the RAM.
 * Returns 0, SS_EINVAL (a config field named), SS_ENOTIMPL (a mode not done yet, named) or
 * SS_ENOMEM. */
int ss_vm_new(const struct ss_vm_config *cfg, struct ss_vm **out, ss_error *err);
/* Frees the VM; its vCPUs must be freed first. */
void ss_vm_free(struct ss_vm *vm);
int ss_vm_mode(const struct ss_vm *vm);
uint32_t ss_vm_asid(const struct ss_vm *vm);
/* The VM's memory system, for tests and tools that look at DRAM as the host does. */
struct ss_mem *ss_vm_mem(struct ss_vm *vm);
/* The system-physical address backing gpa, or SS_EINVAL if gpa is outside RAM. */
int ss_vm_gpa_to_spa(const struct ss_vm *vm, uint64_t gpa, uint64_t *spa, ss_error *err);

/* Loads a flat guest image with the boot protocol of guest/include/ss_guest/layout.h: the image
 * at gPA 1 MiB (at most SS_HV_IMAGE_MAX bytes), boot page tables at gPA 0x1000 identity-mapping
 * the first GiB of RAM (2 MiB pages; with the C-bit set in SEV mode), and the entry state the
 * vCPUs start in (64-bit, CPL 0, RIP = 1 MiB, RDI = arg). Written in the clear; an SEV VM then
 * encrypts them with ss_vm_launch. Returns 0 or SS_EINVAL (empty or too large image). */
int ss_vm_load_flat(struct ss_vm *vm, const uint8_t *image, size_t len, uint64_t arg,
		    ss_error *err);

/* Host-view reads and writes of guest RAM (the hypervisor's own accesses, no key: an SEV guest's
 * private pages read as ciphertext). SS_EINVAL if [gpa, gpa+len) leaves RAM. */
int ss_vm_read(struct ss_vm *vm, uint64_t gpa, void *buf, size_t len, ss_error *err);
int ss_vm_write(struct ss_vm *vm, uint64_t gpa, const void *buf, size_t len, ss_error *err);

/* ---- SEV launch through the software AMD-SP (firmware-abi.md §3.4-§3.6) ----------------------
 * An SEV VM's memory is encrypted by the PSP: the caller opens the platform on the VM's memory
 * with ss_vm_psp_open, the guest owner makes a session for the platform's PDH
 * (ss_vm_sev_pdh_export), and ss_vm_sev_launch runs LAUNCH_START, ACTIVATE (the VM's ASID),
 * LAUNCH_UPDATE_DATA of what ss_vm_load_flat wrote — the boot tables (gPA 0x1000, 12 KiB), then the
 * image padded with zeros to a multiple of 16 bytes — encrypting both in place with the ASID's
 * key, LAUNCH_MEASURE and LAUNCH_FINISH. The launch digest is therefore SHA-256(boot tables ||
 * padded image): `softsev measure --mode sev --ovmf F` of a file F holding those bytes. */
#define SS_HV_BOOT_TABLES_GPA 0x1000u	/* ss_guest/layout.h SS_GUEST_BOOT_PML4 */
#define SS_HV_SEV_BOOT_TABLES 0x3000u	/* bytes of boot tables measured first */
#define SS_HV_IMAGE_GPA	      0x100000u /* ss_guest/layout.h SS_GUEST_LOAD */

typedef struct ss_psp ss_psp;

/* Opens an ephemeral software AMD-SP (RSA-2048 ARK/ASK, nothing on disk) on vm's memory through
 * its firmware port (claimed once per VM) and runs INIT. SS_ESTATE if the port is taken. */
int ss_vm_psp_open(struct ss_vm *vm, ss_psp **out, ss_error *err);

#define SS_HV_SEV_CERT_LEN 0x824u
/* PDH_CERT_EXPORT: the platform's PDH and its chain PEK || OCA || CEK, for the guest owner. */
int ss_vm_sev_pdh_export(struct ss_vm *vm, ss_psp *psp, uint8_t pdh[SS_HV_SEV_CERT_LEN],
			 uint8_t chain[3 * SS_HV_SEV_CERT_LEN], ss_error *err);

struct ss_vm_sev_launch {
	/* in: the guest policy and the owner's LAUNCH_START inputs (both NULL: no session, the
	 * firmware makes its own TEK/TIK and the measurement can be checked by nobody). */
	uint32_t policy;
	const uint8_t *godh_cert; /* SS_HV_SEV_CERT_LEN bytes */
	const void *session;	  /* struct ss_sev_session */
	size_t session_len;
	/* out */
	uint32_t handle;
	uint8_t measure[48]; /* LAUNCH_MEASURE: MEASUREMENT || MNONCE */
	uint8_t digest[32];  /* SHA-256 of what the hypervisor launched, as it computed it */
	uint8_t api_major, api_minor, build; /* PLATFORM_STATUS, for the owner's check */
};

/* The initial VMSA of an SEV-ES VM's vCPU (the boot protocol's entry state, abi/vmsa.h) as
 * ss_vm_sev_launch measures it after the data with LAUNCH_UPDATE_VMSA: for the guest owner, who
 * appends it to the launched bytes to recompute the digest. */
#define SS_HV_VMSA_LEN 4096u
void ss_vm_sev_es_vmsa(const struct ss_vm *vm, uint8_t out[SS_HV_VMSA_LEN]);

/* The SEV launch of vm (mode sev or sev-es, image loaded, not launched yet); for sev-es the
 * policy must have ES (bit 2) and vCPU 0's VMSA is encrypted and measured after the data, so the
 * digest is SHA-256(boot tables || padded image || VMSA). SEV status failures give the
 * PSP's message (status name and field). */
int ss_vm_sev_launch(struct ss_vm *vm, ss_psp *psp, struct ss_vm_sev_launch *l, ss_error *err);

/* Creates a vCPU of vm (at most 4), in the entry state of the last ss_vm_load_flat; an SEV VM
 * must be launched first (SS_ESTATE). */
int ss_vcpu_new(struct ss_vm *vm, struct ss_vcpu **out, ss_error *err);
void ss_vcpu_free(struct ss_vcpu *v);

enum ss_vcpu_stop {
	SS_VCPU_STOP_EXIT = 1, /* the guest wrote its status to SS_HV_PORT_EXIT */
	SS_VCPU_STOP_HLT = 2,  /* HLT with interrupts off; status 0 */
};

struct ss_vcpu_result {
	int stop;	 /* enum ss_vcpu_stop */
	uint32_t status; /* the value written to the exit port */
	uint64_t insns;	 /* guest instructions retired by this call */
	uint64_t exits;	 /* #VMEXITs handled by this call */
};

/* Runs the guest until it stops (0, *res filled) or fails: a negative SS_E* code whose message
 * names the exit, the GPA, error code or rule (see the list at the top), or SS_ERANGE when
 * max_insns guest instructions have run. Exit handlers validate everything the guest controls. */
int ss_vcpu_run(struct ss_vcpu *v, uint64_t max_insns, struct ss_vcpu_result *res, ss_error *err);

#endif
