/* The guest owner's side of a legacy SEV launch (firmware-abi.md §3.3-§3.6), what sevctl and
 * sev-tool give an owner: verify a platform's certificate chain, make the GODH key and the session
 * blob for its PDH, check a LAUNCH_MEASURE blob, build a LAUNCH_SECRET packet. Used by
 * `softsev owner` and the tests. Internal to libsoftsev. */
#ifndef SS_PSP_OWNER_H
#define SS_PSP_OWNER_H

#include <softsev/abi/sev_api.h>
#include <softsev/crypto.h>
#include <softsev/error.h>
#include <stddef.h>
#include <stdint.h>

#define SS_OWNER_CERT_LEN 0x824u

/* What the owner keeps from a session (and what the platform unwraps from it). */
struct ss_owner_session {
	uint8_t godh_cert[SS_OWNER_CERT_LEN]; /* LAUNCH_START dh_cert */
	struct ss_sev_session session;	      /* LAUNCH_START session */
	uint8_t tek[16], tik[16];
	uint32_t policy;
};

/* Verifies the platform's chain ARK -> ASK -> CEK -> PEK <- OCA, PEK -> PDH with sevcert's
 * verifier: pdh (0x824 bytes), chain = PEK || OCA || CEK (PDH_CERT_EXPORT), amd = ASK || ARK.
 * If ark_pin is not NULL the chain's ARK must be exactly those ark_pin_len bytes (the root the
 * owner trusts). SS_EBADSIG (naming the certificate), SS_EINVAL (malformed) or SS_EPOLICY (ARK not
 * the pinned one). */
int ss_owner_verify_platform(const uint8_t *pdh, size_t pdh_len, const uint8_t *chain,
			     size_t chain_len, const uint8_t *amd, size_t amd_len,
			     const uint8_t *ark_pin, size_t ark_pin_len, ss_error *err);

/* Creates a session for a platform's PDH (which the caller has verified): a fresh GODH key
 * (or godh if not NULL), Z = ECDH(GODH, PDH), fresh NONCE, IV, TEK and TIK, and the blob bound
 * to policy (§3.4). */
int ss_owner_session_create(const uint8_t *pdh, size_t pdh_len, uint32_t policy,
			    const ss_eckey *godh, struct ss_owner_session *out, ss_error *err);

#endif
