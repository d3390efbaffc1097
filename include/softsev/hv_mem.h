/* softsev hv_mem — the emulated CPU's memory ops backed by the memory model (issues 6 and 7).
 *
 * Connects include/softsev/cpu.h (the ss_cpu_mem_ops table) to include/softsev/mem.h:
 * - guest accesses (ASID != 0) are ss_mem guest accesses with the running ASID, VMPL, GPA and the
 *   size of the nested mapping (a larger mapping than the RMP entry is #NPF SIZEM, §8.3); data
 *   is private when the guest's leaf PTE has the C-bit, and a shared access uses the key the
 *   nested PTE's C-bit selects (the host's SME key, SS_MEM_HOST_C); instruction fetches and
 *   guest page-table walks are always private (§9.4); fetches at CPL 3 check the RMP's
 *   execute-user permission, at CPL 0-2 execute-supervisor (§8.3);
 * - the CPU's own VMSA accesses (SS_CPU_ACC_VMSA: VMRUN's load, #VMEXIT's save of an SEV-ES or
 *   SNP guest) use the guest's key without the guest checks; the read at VMRUN first runs
 *   ss_mem_vmsa_check (§9.3), whose refusal the CPU turns into VMEXIT_INVALID;
 * - host accesses (ASID 0) and nested page-table walks are ss_mem host accesses (C-bit = SME);
 * - mem's faults become the CPU's answers: #NPF with the RMP error bits, #VC with its error code
 *   (0x404: page not validated), #UD, a host #PF (SS_CPU_MEM_HOST_PF, which the CPU raises at the
 *   linear address with the RMP bit 31 of the error code), no memory (UNMAPPED);
 * - PVALIDATE and RMPADJUST executed by a guest go to ss_mem_pvalidate / ss_mem_rmpadjust with
 *   the nested mapping size; RMPUPDATE (RAX = sPA, the descriptor the CPU read at [RCX]) and
 *   PSMASH executed by host code go to ss_mem_rmpupdate / ss_mem_psmash; the CPU writes EAX and
 *   CF back (§8.4 - §8.7), and #UD comes back while SNP is disabled;
 * - a listener on the memory system keeps the CPU coherent: an RMP change flushes the TLB and
 *   drops decoded instructions of the affected pages, a key-slot change flushes everything, and
 *   any write by someone other than this CPU (the PSP's firmware port, the hypervisor, a device,
 *   another vCPU), under another key or the page's own, drops the page's decoded instructions.
 *
 * Limits: the page fast path is not offered (every access goes through ss_mem_read/write and
 * its checks); host accesses are reported to the RMP as 4 KiB mappings (the CPU has no host
 * large-page size to give); nested page-table entries are read and written in the clear (their
 * C-bit is taken off the address, not used as their key); RMPUPDATE and PSMASH inside a guest
 * still leave with SS_CPU_EXIT_HOOK; the IOPM and MSRPM reads of an intercept check during a
 * guest's run are made with the guest's view (svm.c), which the RMP refuses for an SNP guest;
 * vTOM is not modelled.
 */
#ifndef SOFTSEV_HV_MEM_H
#define SOFTSEV_HV_MEM_H

#include <softsev/cpu.h>
#include <softsev/mem.h>

struct ss_hv_mem;

/* The ops table; its ctx is a struct ss_hv_mem. */
extern const ss_cpu_mem_ops ss_hv_mem_ops;

/* Creates the glue for memory system m and registers its invalidation listener on m (which
 * cannot be removed: free the glue only after ss_mem_destroy(m)). Returns 0, SS_ENOMEM or
 * SS_ERANGE (m has no room for another listener). */
int ss_hv_mem_new(struct ss_mem *m, struct ss_hv_mem **out, ss_error *err);
void ss_hv_mem_free(struct ss_hv_mem *h);

/* The CPU whose caches the listener keeps coherent (created with ss_hv_mem_ops and h as its
 * mem_ctx); NULL detaches. */
void ss_hv_mem_attach(struct ss_hv_mem *h, ss_cpu *c);

/* The last fault the memory model answered (kind SS_MEM_FAULT_NONE if none yet), with the rule
 * that failed: for traces and test messages. */
const struct ss_mem_fault *ss_hv_mem_last_fault(const struct ss_hv_mem *h);

/* A write by another agent (the hypervisor in C, a device) through the host view: ss_mem_write
 * plus dropping the CPU's decoded instructions of the pages written. Returns what ss_mem_write
 * returns. */
int ss_hv_mem_host_write(struct ss_hv_mem *h, enum ss_mem_actor actor, uint64_t spa,
			 const void *buf, size_t len, struct ss_mem_fault *fault, ss_error *err);

#endif
