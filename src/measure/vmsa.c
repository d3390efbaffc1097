/* Initial VMSAs per vCPU type and VMM type (measurement.md §1.5 for the reset state, §4.4 for
 * COCONUT-SVSM), and QEMU's vCPU model signatures. */
#include "measure/measure_int.h"

#include <string.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "ss_vmsa is laid out as the little-endian page; a big-endian host needs a serializer"
#endif

/* X(name, family, model, stepping): QEMU's EPYC models (measurement.md §1.5). */
#define SS_VCPU_TYPE_LIST(X)                                                                       \
	X("EPYC", 23, 1, 2)                                                                        \
	X("EPYC-v1", 23, 1, 2)                                                                     \
	X("EPYC-v2", 23, 1, 2)                                                                     \
	X("EPYC-IBPB", 23, 1, 2)                                                                   \
	X("EPYC-v3", 23, 1, 2)                                                                     \
	X("EPYC-v4", 23, 1, 2)                                                                     \
	X("EPYC-Rome", 23, 49, 0)                                                                  \
	X("EPYC-Rome-v1", 23, 49, 0)                                                               \
	X("EPYC-Rome-v2", 23, 49, 0)                                                               \
	X("EPYC-Rome-v3", 23, 49, 0)                                                               \
	X("EPYC-Milan", 25, 1, 1)                                                                  \
	X("EPYC-Milan-v1", 25, 1, 1)                                                               \
	X("EPYC-Milan-v2", 25, 1, 1)                                                               \
	X("EPYC-Genoa", 25, 17, 0)                                                                 \
	X("EPYC-Genoa-v1", 25, 17, 0)                                                              \
	X("EPYC-Turin", 26, 0, 0)

static const struct {
	const char *name;
	int family, model, stepping;
} vcpu_types[] = {
#define SS_VCPU_TYPE_ROW(n, f, m, s) {n, f, m, s},
    SS_VCPU_TYPE_LIST(SS_VCPU_TYPE_ROW)
#undef SS_VCPU_TYPE_ROW
};

uint64_t ss_vcpu_sig_from_fms(int64_t family, int64_t model, int64_t stepping)
{
	/* Python semantics on unbounded ints, reduced mod 2^64: a negative family is kept as is
	 * (sign-extended), the masked parts are non-negative. */
	uint64_t base_family, ext_family;
	if (family > 0xF) {
		base_family = 0xF;
		ext_family = (uint64_t)(family - 0xF) & 0xFF;
	} else {
		base_family = (uint64_t)family;
		ext_family = 0;
	}
	uint64_t model_lo = (uint64_t)model & 0xF, ext_model = ((uint64_t)model >> 4) & 0xF;
	uint64_t stepping_lo = (uint64_t)stepping & 0xF;
	return (ext_family << 20) | (ext_model << 16) | (base_family << 8) | (model_lo << 4) |
	       stepping_lo;
}

bool ss_vcpu_type_sig(const char *name, uint64_t *sig)
{
	for (size_t i = 0; i < sizeof(vcpu_types) / sizeof(vcpu_types[0]); i++)
		if (!strcmp(name, vcpu_types[i].name)) {
			*sig = ss_vcpu_sig_from_fms(vcpu_types[i].family, vcpu_types[i].model,
						    vcpu_types[i].stepping);
			return true;
		}
	return false;
}

const char *ss_vcpu_type_name(size_t i)
{
	return i < sizeof(vcpu_types) / sizeof(vcpu_types[0]) ? vcpu_types[i].name : NULL;
}

static void seg(ss_vmsa_segment *s, uint16_t sel, uint16_t attrib, uint32_t limit, uint64_t base)
{
	s->selector = sel;
	s->attrib = attrib;
	s->limit = limit;
	s->base = base;
}

/* Registers every reset state shares (measurement.md §1.5 "same" columns). */
static void common_reset(ss_vmsa *v)
{
	seg(&v->gdtr, 0, 0, 0xFFFF, 0);
	seg(&v->idtr, 0, 0, 0xFFFF, 0);
	seg(&v->ldtr, 0, 0x82, 0xFFFF, 0);
	v->efer = 0x1000; /* SVME */
	v->cr4 = 0x40;	  /* MCE */
	v->dr7 = 0x400;
	v->dr6 = 0xFFFF0FF0;
	v->rflags = 0x2;
	v->xcr0 = 0x1;
}

void ss_vmsa_build_reset(ss_vmsa *v, ss_vmm_type vmm, uint32_t eip, uint64_t vcpu_sig,
			 uint64_t sev_features)
{
	memset(v, 0, sizeof(*v));
	common_reset(v);
	/* Real-mode reset state; CS.base and RIP split the 32-bit reset EIP. */
	seg(&v->es, 0, 0x93, 0xFFFF, 0);
	seg(&v->ds, 0, 0x93, 0xFFFF, 0);
	seg(&v->fs, 0, 0x93, 0xFFFF, 0);
	seg(&v->gs, 0, 0x93, 0xFFFF, 0);
	uint16_t cs_attr = 0x9B, ss_attr = 0x93, tr_attr = 0x8B;
	if (vmm == SS_VMM_EC2) {
		cs_attr = eip == SS_VMSA_BSP_EIP ? 0x9A : 0x9B;
		ss_attr = 0x92;
		tr_attr = 0x83;
	}
	seg(&v->cs, 0xF000, cs_attr, 0xFFFF, eip & 0xFFFF0000u);
	seg(&v->ss, 0, ss_attr, 0xFFFF, 0);
	seg(&v->tr, 0, tr_attr, 0xFFFF, 0);
	v->cr0 = 0x10;
	v->rip = eip & 0xFFFF;
	v->g_pat = vmm == SS_VMM_GCE ? 0x00070106ull : 0x0007040600070406ull;
	/* QEMU passes CPUID(1).EAX in RDX; EC2 and GCE use a fixed 0x600. */
	v->rdx = vmm == SS_VMM_QEMU ? vcpu_sig : 0x600;
	v->sev_features = sev_features;
	/* KVM_SEV_INIT2's FPU defaults (host kernels >= 6.10), only under QEMU. */
	if (vmm == SS_VMM_QEMU) {
		v->mxcsr = 0x1F80;
		v->x87_fcw = 0x037F;
	}
}

void ss_vmsa_build_svsm(ss_vmsa *v, uint64_t rip, uint64_t vcpu_sig)
{
	memset(v, 0, sizeof(*v));
	common_reset(v);
	/* 32-bit flat protected mode (measurement.md §4.4). */
	seg(&v->es, 0x10, 0xC93, 0xFFFFFFFF, 0);
	seg(&v->ss, 0x10, 0xC93, 0xFFFFFFFF, 0);
	seg(&v->ds, 0x10, 0xC93, 0xFFFFFFFF, 0);
	seg(&v->fs, 0x10, 0xC93, 0xFFFFFFFF, 0);
	seg(&v->cs, 0x08, 0xC9B, 0xFFFFFFFF, 0);
	seg(&v->gs, 0, 0x93, 0xFFFF, 0);
	seg(&v->tr, 0, 0x8B, 0xFFFF, 0);
	v->cr0 = 0x11; /* PE | ET */
	v->rip = rip;
	v->g_pat = 0x0007040600070406ull;
	v->rdx = vcpu_sig;
	v->sev_features = 0x1; /* SNPActive, fixed: --guest-features does not apply */
	v->mxcsr = 0x1F80;
	/* x87_fcw stays 0: the reference's keyword typo, which real-hardware vectors confirm. */
}

void ss_vmsa_to_page(const ss_vmsa *v, uint8_t page[SS_VMSA_SIZE])
{
	memcpy(page, v, SS_VMSA_SIZE);
}
