/* A VM (include/softsev/hv.h): its memory system, the guest-physical layout (one RAM region mapped
 * by nested page tables in host memory), the permission maps, an ASID and a mode; and the loader
 * of flat guest images with the boot protocol of ss_guest/layout.h. Numbers: cpu-svm-sev.md §1.6
 * (IOPM, MSRPM), §9.1 (C-bit), §9.4 (the NPT carries no C-bit). */
#include "hv/hv_internal.h"

#include <ss_guest/layout.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(SS_GUEST_RAM_SIZE == SS_HV_RAM_MIN, "hv.h's minimum RAM is the boot protocol's");
_Static_assert(SS_GUEST_IMAGE_MAX == SS_HV_IMAGE_MAX, "hv.h's image limit is the boot protocol's");
_Static_assert(SS_GUEST_PORT == SS_HV_PORT_CONSOLE, "the console is the report channel's port");
_Static_assert(SS_GUEST_BOOT_PML4 == SS_HV_BOOT_TABLES_GPA, "hv.h's boot tables are layout.h's");
_Static_assert(SS_GUEST_LOAD == SS_HV_IMAGE_GPA, "hv.h's image address is layout.h's");

#define PTE_P  0x1ull
#define PTE_W  0x2ull
#define PTE_U  0x4ull
#define PTE_A  0x20ull
#define PTE_D  0x40ull
#define PTE_PS 0x80ull

static const char *const mode_names[] = {
#define SS_VM_MODE_NAME(n, v, t) [v] = t,
    SS_VM_MODE_LIST(SS_VM_MODE_NAME)
#undef SS_VM_MODE_NAME
};

const char *ss_vm_mode_name(int mode)
{
	if (mode < 0 || (size_t)mode >= sizeof(mode_names) / sizeof(mode_names[0]))
		return NULL;
	return mode_names[mode];
}

int ss_vm_mode_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
		if (mode_names[i] && name && !strcmp(name, mode_names[i]))
			return (int)i;
	return -1;
}

int hv_host_read(struct ss_vm *vm, uint64_t spa, void *buf, size_t len, ss_error *err)
{
	struct ss_mem_access a = {.actor = SS_MEM_HOST, .type = SS_MEM_READ};
	struct ss_mem_fault f = {0};
	int rc = ss_mem_read(vm->m, &a, spa, buf, len, &f, err);
	if (rc > 0)
		return ss_fail(err, SS_EINVAL, "hv: host read of sPA 0x%llx refused: %s",
			       (unsigned long long)spa,
			       f.rule ? f.rule : ss_mem_fault_name(f.kind));
	return rc;
}

/* A plain ss_mem_write: every vCPU's listener hears SS_MEM_INVAL_WRITE and drops decoded code. */
int hv_host_write(struct ss_vm *vm, uint64_t spa, const void *buf, size_t len, ss_error *err)
{
	struct ss_mem_access a = {.actor = SS_MEM_HOST, .type = SS_MEM_WRITE};
	struct ss_mem_fault f = {0};
	int rc = ss_mem_write(vm->m, &a, spa, buf, len, &f, err);
	if (rc > 0)
		return ss_fail(err, SS_EINVAL, "hv: host write of sPA 0x%llx refused: %s",
			       (unsigned long long)spa,
			       f.rule ? f.rule : ss_mem_fault_name(f.kind));
	return rc;
}

static int put64(struct ss_vm *vm, uint64_t spa, uint64_t x, ss_error *err)
{
	return hv_host_write(vm, spa, &x, 8, err);
}

/* Nested tables: gPA [0, ram_size) -> sPA [HV_RAM_SPA, ...) with 2 MiB pages, user, writable
 * (the guest's own tables decide its permissions); no C-bit (§9.4). One PD per GiB. */
static int build_npt(struct ss_vm *vm, ss_error *err)
{
	uint64_t pds = (vm->cfg.ram_size + (1ull << 30) - 1) >> 30;
	if (HV_NPT + 0x2000 + pds * 0x1000 > HV_NPT_END)
		return ss_fail(err, SS_EINVAL,
			       "hv: ram_size needs more nested tables than reserved");
	int rc = put64(vm, HV_NPT, (HV_NPT + 0x1000) | PTE_P | PTE_W | PTE_U, err);
	for (uint64_t i = 0; i < pds && !rc; i++)
		rc = put64(vm, HV_NPT + 0x1000 + 8 * i,
			   (HV_NPT + 0x2000 + 0x1000 * i) | PTE_P | PTE_W | PTE_U, err);
	static uint64_t pd[512];
	for (uint64_t i = 0; i < pds && !rc; i++) {
		memset(pd, 0, sizeof(pd));
		for (uint64_t k = 0; k < 512; k++) {
			uint64_t gpa = (i << 30) + (k << 21);
			if (gpa >= vm->cfg.ram_size)
				break;
			pd[k] = (HV_RAM_SPA + gpa) | PTE_P | PTE_W | PTE_U | PTE_A | PTE_D | PTE_PS;
		}
		rc = hv_host_write(vm, HV_NPT + 0x2000 + 0x1000 * i, pd, sizeof(pd), err);
	}
	return rc;
}

/* IOPM: every port intercepted (the hypervisor decides). MSRPM: every MSR intercepted except the
 * ones the CPU keeps as guest state (hv.h). Bit 2n = RDMSR, 2n + 1 = WRMSR of the MSR at index n
 * of its range: 0..0x1FFF at byte 0, 0xC0000000.. at 0x800, 0xC0010000.. at 0x1000 (§1.6). */
static void msrpm_pass(uint8_t *pm, uint32_t msr, bool read, bool write)
{
	uint32_t off = msr >= 0xC0010000u ? 0x1000 : msr >= 0xC0000000u ? 0x800 : 0;
	uint32_t bit = (msr & 0x1fff) * 2;
	if (read)
		pm[off + bit / 8] &= (uint8_t) ~(1u << (bit % 8));
	if (write)
		pm[off + (bit + 1) / 8] &= (uint8_t) ~(1u << ((bit + 1) % 8));
}

static int build_maps(struct ss_vm *vm, ss_error *err)
{
	static uint8_t iopm[0x3000];
	static uint8_t msrpm[0x2000];
	memset(iopm, 0xff, sizeof(iopm));
	memset(msrpm, 0xff, sizeof(msrpm));
	static const uint32_t guest_state[] = {
	    0x00000010,					    /* TSC */
	    0x00000048,					    /* SPEC_CTRL */
	    0x00000174, 0x00000175, 0x00000176,		    /* SYSENTER_CS/ESP/EIP */
	    0x00000277,					    /* PAT */
	    0xC0000080,					    /* EFER */
	    0xC0000081, 0xC0000082, 0xC0000083, 0xC0000084, /* STAR LSTAR CSTAR SFMASK */
	    0xC0000100, 0xC0000101, 0xC0000102,		    /* FS/GS base, KERNEL_GS_BASE */
	    0xC0000103,					    /* TSC_AUX */
	};
	for (size_t i = 0; i < sizeof(guest_state) / sizeof(guest_state[0]); i++)
		msrpm_pass(msrpm, guest_state[i], true, true);
	msrpm_pass(msrpm, 0xC0010131, true, false); /* SEV_STATUS: the CPU answers (§9.2) */
	/* The GHCB MSR of an SEV-ES guest is the CPU's (the VMCB's ghcb_gpa), never intercepted: the
	 * guest reaches the hypervisor through it with VMGEXIT (cpu-svm-sev.md §6). */
	if (vm->cfg.mode == SS_VM_SEV_ES)
		msrpm_pass(msrpm, 0xC0010130, true, true);
	int rc = hv_host_write(vm, HV_IOPM, iopm, sizeof(iopm), err);
	return rc ? rc : hv_host_write(vm, HV_MSRPM, msrpm, sizeof(msrpm), err);
}

int ss_vm_new(const struct ss_vm_config *cfg, struct ss_vm **out, ss_error *err)
{
	*out = NULL;
	const char *mname = ss_vm_mode_name(cfg->mode);
	if (!mname)
		return ss_fail(err, SS_EINVAL, "hv: mode %d is not a VM mode", cfg->mode);
	if (cfg->mode == SS_VM_SNP)
		return ss_fail(err, SS_ENOTIMPL, "hv: mode %s is not implemented yet", mname);
	if (cfg->ram_size < SS_HV_RAM_MIN || cfg->ram_size > SS_HV_RAM_MAX ||
	    cfg->ram_size % (2u << 20))
		return ss_fail(err, SS_EINVAL,
			       "hv: ram_size 0x%llx is not a multiple of 2 MiB in [%llu, %llu] MiB",
			       (unsigned long long)cfg->ram_size,
			       (unsigned long long)(SS_HV_RAM_MIN >> 20),
			       (unsigned long long)(SS_HV_RAM_MAX >> 20));
	struct ss_vm *vm = calloc(1, sizeof(*vm));
	if (!vm)
		return ss_fail(err, SS_ENOMEM, "hv: out of memory");
	vm->cfg = *cfg;
	vm->asid = cfg->mode == SS_VM_SEV      ? HV_MIN_SEV_ASID
		   : cfg->mode == SS_VM_SEV_ES ? HV_SEV_ES_ASID
					       : 1;
	vm->cbit = cfg->mode == SS_VM_PLAIN ? 0 : 1ull << HV_CBIT;
	struct ss_mem_config mc = {
	    .dram_size = HV_RAM_SPA + cfg->ram_size, .max_asid = HV_MAX_ASID, .seed = cfg->seed};
	int rc = ss_mem_create(&mc, &vm->m, err);
	if (!rc)
		rc = build_npt(vm, err);
	if (!rc)
		rc = build_maps(vm, err);
	if (rc) {
		ss_vm_free(vm);
		return ss_wrap(err, rc, "hv: creating the VM");
	}
	*out = vm;
	return 0;
}

void ss_vm_free(struct ss_vm *vm)
{
	if (!vm)
		return;
	ss_mem_destroy(vm->m); /* first: the glue's listeners go with it (hv_mem.h) */
	for (unsigned i = 0; i < HV_MAX_VCPUS; i++)
		ss_hv_mem_free(vm->hm[i]);
	free(vm);
}

int ss_vm_mode(const struct ss_vm *vm)
{
	return vm->cfg.mode;
}

uint32_t ss_vm_asid(const struct ss_vm *vm)
{
	return vm->asid;
}

struct ss_mem *ss_vm_mem(struct ss_vm *vm)
{
	return vm->m;
}

int ss_vm_gpa_to_spa(const struct ss_vm *vm, uint64_t gpa, uint64_t *spa, ss_error *err)
{
	if (gpa >= vm->cfg.ram_size)
		return ss_fail(err, SS_EINVAL, "hv: gPA 0x%llx is outside RAM [0, 0x%llx)",
			       (unsigned long long)gpa, (unsigned long long)vm->cfg.ram_size);
	*spa = HV_RAM_SPA + gpa;
	return 0;
}

static int ram_range(const struct ss_vm *vm, uint64_t gpa, size_t len, ss_error *err)
{
	if (gpa > vm->cfg.ram_size || len > vm->cfg.ram_size - gpa)
		return ss_fail(err, SS_EINVAL, "hv: [gPA 0x%llx, +0x%zx) leaves RAM [0, 0x%llx)",
			       (unsigned long long)gpa, len, (unsigned long long)vm->cfg.ram_size);
	return 0;
}

int ss_vm_read(struct ss_vm *vm, uint64_t gpa, void *buf, size_t len, ss_error *err)
{
	int rc = ram_range(vm, gpa, len, err);
	return rc ? rc : hv_host_read(vm, HV_RAM_SPA + gpa, buf, len, err);
}

int ss_vm_write(struct ss_vm *vm, uint64_t gpa, const void *buf, size_t len, ss_error *err)
{
	int rc = ram_range(vm, gpa, len, err);
	return rc ? rc : hv_host_write(vm, HV_RAM_SPA + gpa, buf, len, err);
}

int ss_vm_load_flat(struct ss_vm *vm, const uint8_t *image, size_t len, uint64_t arg, ss_error *err)
{
	if (len == 0 || len > SS_GUEST_IMAGE_MAX)
		return ss_fail(err, SS_EINVAL, "hv: flat image of %zu bytes (1 to %u allowed)", len,
			       (unsigned)SS_GUEST_IMAGE_MAX);
	if (vm->launched)
		return ss_fail(err, SS_ESTATE, "hv: the VM is launched: its memory is the guest's");
	int rc = ss_vm_write(vm, SS_GUEST_LOAD, image, len, err);
	/* Boot tables (layout.h): PML4 -> PDPT -> PD identity-mapping the first GiB of RAM with
	 * 2 MiB supervisor pages, upper levels U=1; the C-bit marks them private under SEV. */
	const uint64_t c = vm->cbit, pml4 = SS_GUEST_BOOT_PML4;
	uint64_t pd[512] = {0};
	for (uint64_t k = 0; k < 512 && (k << 21) < vm->cfg.ram_size; k++)
		pd[k] = (k << 21) | c | PTE_P | PTE_W | PTE_PS;
	uint64_t e0 = (pml4 + 0x1000) | c | PTE_P | PTE_W | PTE_U;
	uint64_t e1 = (pml4 + 0x2000) | c | PTE_P | PTE_W | PTE_U;
	if (!rc)
		rc = ss_vm_write(vm, pml4, &e0, 8, err);
	if (!rc)
		rc = ss_vm_write(vm, pml4 + 0x1000, &e1, 8, err);
	if (!rc)
		rc = ss_vm_write(vm, pml4 + 0x2000, pd, sizeof(pd), err);
	if (rc)
		return ss_wrap(err, rc, "hv: loading the flat image");
	vm->boot = (struct hv_boot){
	    .loaded = true, .rip = SS_GUEST_LOAD, .rdi = arg, .cr3 = pml4, .image_len = len};
	return 0;
}
