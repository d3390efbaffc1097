/* The CPU's memory ops on the memory model (include/softsev/hv_mem.h): access views, fault
 * translation, the guest SNP instructions and cache coherence. Numbers: cpu-svm-sev.md §8-§9. */
#include <softsev/hv_mem.h>
#include <stdlib.h>
#include <string.h>

struct ss_hv_mem {
	struct ss_mem *m;
	ss_cpu *cpu;
	struct ss_mem_fault last;
	bool cpu_writing; /* inside op_write: the CPU already dropped its own stale code */
};

/* The memory model's view of one CPU access. */
static void view_of(const ss_cpu_access *acc, int write, struct ss_mem_access *a)
{
	memset(a, 0, sizeof(*a));
	a->type = write ? SS_MEM_WRITE : SS_MEM_READ;
	a->map_size = SS_MEM_MAP_4K;
	if (acc->asid == 0 || acc->kind == SS_CPU_ACC_NPTW) {
		/* The host and its nested tables: host memory, C-bit = the SME key. */
		a->actor = SS_MEM_HOST;
		a->flags = acc->kind != SS_CPU_ACC_NPTW && acc->c_bit ? SS_MEM_C : 0;
		return;
	}
	a->actor = SS_MEM_GUEST;
	a->asid = (uint16_t)acc->asid;
	if (acc->kind == SS_CPU_ACC_VMSA) {
		/* The CPU's own VMSA access: the guest's key, no guest checks (§9.3). */
		a->flags = SS_MEM_C | SS_MEM_VMSA;
		a->gpa = acc->pa;
		return;
	}
	a->vmpl = acc->vmpl;
	a->gpa = acc->gpa;
	switch (acc->kind) {
	case SS_CPU_ACC_FETCH: /* always private (§9.2) */
		a->type = acc->cpl == 3 ? SS_MEM_EXEC_USER : SS_MEM_EXEC_SUPER;
		a->flags = SS_MEM_C;
		break;
	case SS_CPU_ACC_PTW: /* guest page tables are always private (§9.2) */
		a->flags = SS_MEM_C | SS_MEM_PTWALK;
		break;
	default:
		/* Data: the guest PTE's C-bit chooses private; a shared access uses the key of the
		 * nested PTE's C-bit (the host's SME key) or none (§9.4). */
		a->flags = (acc->c_bit ? SS_MEM_C : 0) | (acc->host_c ? SS_MEM_HOST_C : 0);
		break;
	}
	a->map_size = acc->map_size <= SS_MEM_MAP_1G ? acc->map_size : SS_MEM_MAP_4K;
	if (acc->cpl == 3 && acc->kind != SS_CPU_ACC_PTW)
		a->flags |= SS_MEM_USER;
}

/* mem's answer as the CPU's code. */
static int answer(struct ss_hv_mem *h, ss_cpu_access *acc, int rc, const struct ss_mem_fault *f)
{
	if (rc == 0)
		return SS_CPU_MEM_OK;
	if (rc < 0)
		return SS_CPU_MEM_UNMAPPED; /* misuse: the CPU leaves with SS_CPU_EXIT_MEM */
	h->last = *f;
	switch (f->kind) {
	case SS_MEM_FAULT_NPF: acc->npf_error = f->error_code; return SS_CPU_MEM_NPF;
	case SS_MEM_FAULT_VC: acc->npf_error = f->error_code; return SS_CPU_MEM_VC;
	case SS_MEM_FAULT_UD: return SS_CPU_MEM_UD;
	case SS_MEM_FAULT_PF: acc->npf_error = f->error_code; return SS_CPU_MEM_HOST_PF;
	default: return SS_CPU_MEM_UNMAPPED;
	}
}

static int op_read(void *ctx, ss_cpu_access *acc, void *buf, size_t len)
{
	struct ss_hv_mem *h = ctx;
	struct ss_mem_access a;
	struct ss_mem_fault f = {0};
	ss_error err;
	view_of(acc, 0, &a);
	if (acc->kind == SS_CPU_ACC_VMSA && acc->asid) {
		/* VMRUN's check of the VMSA page (§8.3, §9.3) before the CPU loads from it. */
		int rc = ss_mem_vmsa_check(h->m, (uint16_t)acc->asid, acc->pa & ~(uint64_t)4095, &f,
					   &err);
		if (rc)
			return answer(h, acc, rc, &f);
	}
	return answer(h, acc, ss_mem_read(h->m, &a, acc->pa, buf, len, &f, &err), &f);
}

static int op_write(void *ctx, ss_cpu_access *acc, const void *buf, size_t len)
{
	struct ss_hv_mem *h = ctx;
	struct ss_mem_access a;
	struct ss_mem_fault f = {0};
	ss_error err;
	view_of(acc, 1, &a);
	h->cpu_writing = true;
	int rc = ss_mem_write(h->m, &a, acc->pa, buf, len, &f, &err);
	h->cpu_writing = false;
	return answer(h, acc, rc, &f);
}

/* RMPUPDATE / PSMASH from host code (§8.6, §8.7): RAX is the sPA, the descriptor came from [RCX].
 */
static int host_snp_insn(struct ss_hv_mem *h, ss_cpu_access *acc, ss_cpu_snp_op *op)
{
	struct ss_rmp_result r = {0};
	struct ss_mem_fault f = {0};
	ss_error err;
	int rc;
	if (acc->asid != 0) {
		f.kind = SS_MEM_FAULT_UD; /* not offered to guests: they are host instructions */
		f.rule = "RMPUPDATE/PSMASH executed by a guest";
		rc = SS_MEM_FAULTED;
	} else if (op->hook == SS_CPU_HOOK_RMPUPDATE) {
		const uint8_t *d = op->desc;
		struct ss_abi_rmp_state st = {0};
		for (int i = 7; i >= 0; i--)
			st.gpa = st.gpa << 8 | d[i];
		st.assigned = d[8];
		st.pagesize = d[9];
		st.immutable = d[10];
		st.rsvd = d[11];
		st.asid = (uint32_t)d[12] | (uint32_t)d[13] << 8 | (uint32_t)d[14] << 16 |
			  (uint32_t)d[15] << 24;
		rc = ss_mem_rmpupdate(h->m, op->rax, &st, &r, &f, &err);
	} else {
		rc = ss_mem_psmash(h->m, op->rax, &r, &f, &err);
	}
	if (rc == 0) {
		op->eax = r.eax;
		op->cf = r.cf;
	}
	return answer(h, acc, rc, &f);
}

static int op_snp_insn(void *ctx, ss_cpu_access *acc, ss_cpu_snp_op *op)
{
	struct ss_hv_mem *h = ctx;
	if (op->hook == SS_CPU_HOOK_RMPUPDATE || op->hook == SS_CPU_HOOK_PSMASH)
		return host_snp_insn(h, acc, op);
	struct ss_mem_guest_op g = {.asid = (uint16_t)acc->asid,
				    .vmpl = acc->vmpl,
				    .map_size = acc->map_size,
				    .gva = op->rax,
				    .gpa = acc->gpa,
				    .spa = acc->pa,
				    .rcx = op->rcx,
				    .rdx = op->rdx};
	struct ss_rmp_result r = {0};
	struct ss_mem_fault f = {0};
	ss_error err;
	int rc = op->hook == SS_CPU_HOOK_PVALIDATE ? ss_mem_pvalidate(h->m, &g, &r, &f, &err)
						   : ss_mem_rmpadjust(h->m, &g, &r, &f, &err);
	if (rc == 0) {
		op->eax = r.eax;
		op->cf = r.cf;
	}
	return answer(h, acc, rc, &f);
}

const ss_cpu_mem_ops ss_hv_mem_ops = {
    .read = op_read, .write = op_write, .page = NULL, .snp_insn = op_snp_insn};

/* Coherence (issue 7): what the CPU cached from memory that just changed. */
static void on_inval(void *opaque, uint64_t spa, uint64_t len, enum ss_mem_inval_reason why)
{
	struct ss_hv_mem *h = opaque;
	if (!h->cpu)
		return;
	switch (why) {
	case SS_MEM_INVAL_RMP:
		/* Translations were checked against the old entry; decoded code was fetched
		 * under it. The entry's old owner is gone, so every ASID's entries go. */
		ss_cpu_flush_tlb(h->cpu);
		ss_cpu_invalidate_code(h->cpu, spa, len);
		break;
	case SS_MEM_INVAL_KEY: ss_cpu_flush_tlb(h->cpu); break;
	case SS_MEM_INVAL_VIEW: ss_cpu_invalidate_code(h->cpu, spa, len); break;
	case SS_MEM_INVAL_WRITE:
		/* Someone else rewrote the bytes, maybe under the page's own key (the PSP's
		 * firmware port, the hypervisor, a device, another vCPU): decoded code is stale. */
		if (!h->cpu_writing)
			ss_cpu_invalidate_code(h->cpu, spa, len);
		break;
	}
}

int ss_hv_mem_new(struct ss_mem *m, struct ss_hv_mem **out, ss_error *err)
{
	struct ss_hv_mem *h = calloc(1, sizeof(*h));
	if (!h)
		return ss_fail(err, SS_ENOMEM, "hv_mem: out of memory");
	h->m = m;
	int rc = ss_mem_add_listener(m, on_inval, h, err);
	if (rc) {
		free(h);
		return rc;
	}
	*out = h;
	return 0;
}

void ss_hv_mem_free(struct ss_hv_mem *h)
{
	free(h);
}

void ss_hv_mem_attach(struct ss_hv_mem *h, ss_cpu *c)
{
	h->cpu = c;
}

const struct ss_mem_fault *ss_hv_mem_last_fault(const struct ss_hv_mem *h)
{
	return &h->last;
}

int ss_hv_mem_host_write(struct ss_hv_mem *h, enum ss_mem_actor actor, uint64_t spa,
			 const void *buf, size_t len, struct ss_mem_fault *fault, ss_error *err)
{
	if (actor == SS_MEM_GUEST)
		return ss_fail(err, SS_EINVAL, "hv_mem: actor must be SS_MEM_HOST or SS_MEM_DMA");
	struct ss_mem_access a = {.actor = actor, .type = SS_MEM_WRITE};
	int rc = ss_mem_write(h->m, &a, spa, buf, len, fault, err);
	if (rc == 0 && h->cpu)
		ss_cpu_invalidate_code(h->cpu, spa, len);
	return rc;
}
