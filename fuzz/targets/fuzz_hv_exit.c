/* A hostile guest against the hypervisor's exit handlers (include/softsev/hv.h, src/hv/exit.c):
 * everything a guest controls reaches them through the VMCB and its registers.
 * Input: a count byte, then that many forged exits (each: exit code selector u16, exit_info_1,
 * exit_info_2, RAX, RCX, RDX, next_rip, RFLAGS as u64) handed to hv_handle_exit as if the CPU had
 * written them; the rest of the input is guest code run in a plain VM from the image's entry
 * with a small instruction budget. Invariants (abort when broken):
 *  - a handler either fails with a message or leaves the vCPU resumable: RIP advanced to the
 *    given next_rip, an exception injected (#GP(0) or #UD), or nothing changed (INTR), or stopped
 *    (only port 0xF4 OUT gives a status, only HLT with IF=0 halts);
 *  - console bytes come only from a 1-byte OUT to 0xE9 carrying AL;
 *  - ss_vcpu_run returns 0 with a stop or a negative code with a message, within the budget. */
#include <softsev/abi/svm_exit.h>
#include <softsev/hv.h>
#include "fuzz_input.h"
#include "hv/hv_internal.h"

#include <string.h>

#define FAILIF(cond) FZ_FAILIF("fuzz_hv_exit", cond)
#define BUDGET	     20000u

struct console {
	size_t n;
	uint8_t last;
};

static void con_out(void *ctx, const uint8_t *b, size_t len)
{
	struct console *c = ctx;
	c->n += len;
	c->last = b[len - 1];
}

/* Exit codes worth forging: the handled ones, neighbours, NPF/VMGEXIT and the negative ones. */
static uint64_t exit_code_of(uint16_t sel)
{
	static const uint64_t special[] = {SS_SVM_EXIT_NPF,
					   SS_SVM_EXIT_VMGEXIT,
					   SS_SVM_EXIT_INVALID,
					   SS_SVM_EXIT_VMSA_BUSY,
					   SS_SVM_EXIT_PAGE_NOT_VALIDATED,
					   0x100,
					   0x3ff,
					   0x1000};
	if (sel & 0x8000)
		return special[sel % (sizeof(special) / sizeof(special[0]))];
	return sel & 0xff;
}

static void forged_exit(struct ss_vcpu *v, struct fz_rd *r, struct console *con)
{
	ss_vmcb_control *k = &v->vmcb.control;
	ss_vmcb_save *s = &v->vmcb.save;
	ss_cpu_regs *g = ss_cpu_regs_of(v->c);
	k->exit_code = exit_code_of((uint16_t)fz_take(r, 2));
	k->exit_info_1 = fz_take(r, 8);
	k->exit_info_2 = fz_take(r, 8);
	s->rax = fz_take(r, 8);
	g->gpr[SS_RCX] = fz_take(r, 8);
	g->gpr[SS_RDX] = fz_take(r, 8);
	k->next_rip = fz_take(r, 8);
	s->rflags = fz_take(r, 8);
	s->rip = 0x100000;
	k->event_inj = 0;
	v->stopped = false;
	const uint64_t rax = s->rax, code = k->exit_code, info1 = k->exit_info_1;
	const size_t before = con->n;
	ss_error err = {0};
	int rc = hv_handle_exit(v, &err);
	FAILIF(rc > 0);
	if (rc < 0) {
		FAILIF(err.msg[0] == 0);
		FAILIF(v->stopped);
		return;
	}
	const bool console = code == SS_SVM_EXIT_IOIO && !(info1 & SS_IOIO_TYPE_IN) &&
			     ((info1 >> 16) & 0xffff) == SS_HV_PORT_CONSOLE;
	FAILIF(con->n != before && !(console && con->n == before + 1 && con->last == (uint8_t)rax));
	if (v->stopped) {
		FAILIF(v->res.stop == SS_VCPU_STOP_EXIT &&
		       !(code == SS_SVM_EXIT_IOIO && ((info1 >> 16) & 0xffff) == SS_HV_PORT_EXIT &&
			 !(info1 & SS_IOIO_TYPE_IN)));
		FAILIF(v->res.stop == SS_VCPU_STOP_HLT &&
		       !(code == SS_SVM_EXIT_HLT && !(s->rflags & (1ull << 9))));
		FAILIF(v->res.stop != SS_VCPU_STOP_EXIT && v->res.stop != SS_VCPU_STOP_HLT);
		return;
	}
	if (k->event_inj & SS_EVTINJ_VALID) {
		unsigned vec = k->event_inj & SS_EVTINJ_VEC_MASK;
		FAILIF(vec != 13 && vec != 6);
		FAILIF(s->rip != 0x100000);
		return;
	}
	FAILIF(s->rip != 0x100000 && s->rip != k->next_rip);
	FAILIF(code != SS_SVM_EXIT_INTR && s->rip != k->next_rip);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_rd r = {data, size};
	struct console con = {0};
	struct ss_vm_config cfg = {.mode = SS_VM_PLAIN,
				   .ram_size = SS_HV_RAM_MIN,
				   .seed = 1,
				   .console = con_out,
				   .console_ctx = &con};
	struct ss_vm *vm = NULL;
	struct ss_vcpu *v = NULL;
	ss_error err = {0};
	unsigned forged = (unsigned)fz_take(&r, 1) % 8;
	FAILIF(ss_vm_new(&cfg, &vm, &err) != 0);
	/* The code after the forged exits; an empty program is one HLT. */
	size_t skip = (size_t)forged * 58u;
	const uint8_t hlt = 0xf4;
	const uint8_t *code = r.n > skip ? r.p + skip : &hlt;
	size_t code_len = r.n > skip ? r.n - skip : 1;
	if (code_len > 4096)
		code_len = 4096;
	FAILIF(ss_vm_load_flat(vm, code, code_len, 0, &err) != 0);
	FAILIF(ss_vcpu_new(vm, &v, &err) != 0);
	for (unsigned i = 0; i < forged; i++)
		forged_exit(v, &r, &con);
	ss_vcpu_free(v);

	/* The program, from a fresh vCPU. */
	FAILIF(ss_vcpu_new(vm, &v, &err) != 0);
	struct ss_vcpu_result res;
	int rc = ss_vcpu_run(v, BUDGET, &res, &err);
	FAILIF(rc > 0);
	FAILIF(rc < 0 && err.msg[0] == 0);
	FAILIF(rc == 0 && res.stop != SS_VCPU_STOP_EXIT && res.stop != SS_VCPU_STOP_HLT);
	FAILIF(res.insns > BUDGET + 16);
	ss_vcpu_free(v);
	ss_vm_free(vm);
	return 0;
}
