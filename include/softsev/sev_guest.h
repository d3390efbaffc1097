/* softsev sev-guest — the SEV-SNP guest's side of guest messages: Linux's /dev/sev-guest as library
 * calls (SNP_GET_REPORT, SNP_GET_DERIVED_KEY, SNP_GET_EXT_REPORT with the UAPI structs of
 * abi/snp_guest_msg.h), and the hypervisor's side of the same path for the emulated platform.
 *
 * The guest keeps VMPCK i and its sequence numbers the way Linux's sev-guest driver does
 * (firmware-abi.md §4.7, §5.1, §5.5): the key is copied from the SECRETS page, the last used
 * sequence number is the u32 at SECRETS 0xA0 + 4 * i (the guest-OS area), a request carries that
 * number + 1 and a successful exchange advances it by 2. Messages are AES-256-GCM encrypted and
 * checked here; the hypervisor only moves pages. Any failure that may have consumed the message
 * (everything but the transport's BUSY and the firmware never being called) disables the VMPCK in
 * this object: further calls fail with SS_ESTATE, as Linux refuses to reuse an IV.
 *
 * The transport is a callback (the GHCB's SNP_GUEST_REQUEST / SNP_EXT_GUEST_REQUEST exits in a
 * real guest), so the same code runs inside emulated guests later; ss_snp_host_transport below is
 * the hypervisor's half on a softsev PSP.
 */
#ifndef SOFTSEV_SEV_GUEST_H
#define SOFTSEV_SEV_GUEST_H

#include <softsev/abi/snp_api.h>
#include <softsev/abi/snp_guest_msg.h>
#include <softsev/error.h>
#include <softsev/psp.h>
#include <stddef.h>
#include <stdint.h>

/* One guest request through the hypervisor. req: the 4 KiB request page the guest built; rsp:
 * receives the 4 KiB response page. certs is NULL for SNP_GUEST_REQUEST; for the extended request
 * it has *certs_len bytes of room (page multiple) for the certificate table: the hypervisor fills
 * it and sets *certs_len to the bytes used, or, if too small, sets *exitinfo2 to vmm_error
 * SS_SNP_VMM_ERR_INVALID_LEN << 32 and *certs_len to the bytes needed WITHOUT calling the firmware.
 * *exitinfo2 = firmware status | vmm_error << 32. Returns 0 when *exitinfo2 says what happened,
 * or SS_E* when the transport itself failed (the firmware was not called). */
typedef int (*ss_sev_guest_transport_fn)(void *ctx, const uint8_t req[SS_SNP_MSG_PAGE_SIZE],
					 uint8_t rsp[SS_SNP_MSG_PAGE_SIZE], uint8_t *certs,
					 size_t *certs_len, uint64_t *exitinfo2, ss_error *err);

typedef struct ss_sev_guest ss_sev_guest;

/* Opens the guest's message channel with VMPCK vmpck (0..3; the guest runs at VMPL vmpck) from
 * its SECRETS page, which must stay valid while the channel is open (the sequence numbers live
 * there). SS_EINVAL: vmpck above 3, an all-zero VMPCK (the firmware never filled it), or a
 * SECRETS VERSION below 2. */
int ss_sev_guest_open(struct ss_snp_secrets_page *secrets, unsigned vmpck,
		      ss_sev_guest_transport_fn fn, void *ctx, ss_sev_guest **out, ss_error *err);
void ss_sev_guest_close(ss_sev_guest *g);
/* True after a failure disabled the VMPCK. */
bool ss_sev_guest_vmpck_disabled(const ss_sev_guest *g);

/* The /dev/sev-guest ioctl: cmd SS_SNP_GET_REPORT, SS_SNP_GET_DERIVED_KEY or SS_SNP_GET_EXT_REPORT;
 * arg->req_data and arg->resp_data point (as uintptr_t) at the request and response structs of
 * abi/snp_guest_msg.h, arg->msg_version is the message version (non-zero). Like Linux:
 *   - the response struct receives the decrypted response payload (its STATUS field tells a
 *     firmware-side refusal such as INVALID_KEY; that is not an ioctl failure);
 *   - arg->exitinfo2 is the firmware status | vmm_error << 32; fw_error is 0xffffffff when the
 *     firmware was never reached;
 *   - SS_SNP_GET_EXT_REPORT: certs_len must be a page multiple up to 16 KiB (SS_EINVAL); when it
 *     is too small the message is still sent as a plain request (so sequence numbers stay in
 *     step), vmm_error is SS_SNP_VMM_ERR_INVALID_LEN, req->certs_len is set to the size needed and
 *     the call fails with SS_ERANGE; otherwise the certificate table lands at certs_address.
 * Returns 0, SS_EINVAL (bad arguments), SS_ERANGE (certificate buffer too small), SS_ESTATE (VMPCK
 * disabled, or the hypervisor was busy: resend), SS_EBADSIG (the response does not authenticate),
 * SS_EIO (the firmware refused the message: fw_error says why). */
int ss_sev_guest_ioctl(ss_sev_guest *g, unsigned long cmd, struct ss_snp_guest_request_ioctl *arg,
		       ss_error *err);

/* ---- the hypervisor's side, on a softsev PSP ------------------------------------------------- */

/* The certificate table of an extended report (attestation.md §10.4; abi/cert_table.h): VLEK,
 * ASVK and ARK when a VLEK is loaded, else the VCEK for the REPORTED_TCB, ASK and ARK, DER, each
 * entry padded to 8 bytes, an all-zero entry ending the index. *table is malloc'd. */
int ss_psp_snp_cert_table(ss_psp *psp, uint8_t **table, size_t *len, ss_error *err);

/* The pages the hypervisor uses for one guest's requests: req_paddr a hypervisor (shared) page,
 * rsp_paddr a page the host put in the firmware state (RMPUPDATE assigned, immutable, ASID 0). */
struct ss_snp_host_channel {
	ss_psp *psp;
	uint64_t gctx_paddr;
	uint64_t req_paddr;
	uint64_t rsp_paddr;
};
/* An ss_sev_guest_transport_fn over a struct ss_snp_host_channel (ctx): copies the request into
 * req_paddr, runs SNP_GUEST_REQUEST, copies the response page out, and for an extended request
 * adds ss_psp_snp_cert_table (KVM's SNP_EXT_GUEST_REQUEST with the certificates the VMM set). */
int ss_snp_host_transport(void *ctx, const uint8_t req[SS_SNP_MSG_PAGE_SIZE],
			  uint8_t rsp[SS_SNP_MSG_PAGE_SIZE], uint8_t *certs, size_t *certs_len,
			  uint64_t *exitinfo2, ss_error *err);

#endif
