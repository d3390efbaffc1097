/* softsev hv_mem — the emulated CPU's memory ops backed by the memory model (issues 6 and 7).
 *
 * Connects include/softsev/cpu.h (the ss_cpu_mem_ops table) to include/softsev/mem.h:
 * - guest accesses (ASID != 0) are ss_mem guest accesses with the running ASID, VMPL and GPA;
 *   the C-bit as the CPU gives it for data, always private for instruction fetches and guest
 *   page-table walks (cpu-svm-sev.md §9.2); fetches at CPL 3 check the RMP's execute-user
 *   permission, at CPL 0-2 execute-supervisor (§8.3);
 * - host accesses (ASID 0) and nested page-table walks are ss_mem host accesses (C-bit = SME);
 * - mem's faults become the CPU's answers: #NPF with the RMP error bits, #VC with its error code
 *   (0x404: page not validated), #UD, a host #PF (SS_CPU_MEM_HOST_PF), no memory (UNMAPPED);
 * - PVALIDATE and RMPADJUST executed by a guest go to ss_mem_pvalidate / ss_mem_rmpadjust, whose
 *   EAX and CF the CPU writes back (§8.4, §8.5);
 * - a listener on the memory system keeps the CPU coherent: an RMP change flushes the TLB and
 *   drops decoded instructions of the affected pages, a key-slot change flushes everything, and a
 *   change of a page's stored view (another key wrote it: DMA, firmware, another guest) drops the
 *   page's decoded instructions.
 *
 * Limits: nested mappings are reported to the RMP as 4 KiB (no #NPF for a 2 MiB mapping over
 * 4 KiB RMP entries); the page fast path is not offered (every access is checked); the SEV-ES VMSA
 * read by ss_cpu_vmrun is checked like a guest access at GPA = sPA.
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
