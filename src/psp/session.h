/* The legacy SEV session cryptography of firmware-abi.md §3.4-§3.6, used by both sides: the
 * firmware (LAUNCH_START, LAUNCH_MEASURE, LAUNCH_SECRET) and the guest owner (softsev owner,
 * tests). Z is the ECDH shared secret (P-384: x-coordinate, 48 big-endian bytes). */
#ifndef SS_PSP_SESSION_H
#define SS_PSP_SESSION_H

#include <softsev/abi/sev_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* MASTER_SECRET = KDF(Z, "sev-master-secret", NONCE); KEK = KDF(MASTER, "sev-kek");
 * KIK = KDF(MASTER, "sev-kik"), each 128 bits (§3.4 steps 3-4). master may be NULL. */
int ss_sev_session_keys(const uint8_t *z, size_t z_len, const uint8_t nonce[16], uint8_t master[16],
			uint8_t kek[16], uint8_t kik[16]);

/* The owner's side: fills the 0x90-byte session blob from Z, nonce, wrap IV, TEK, TIK and the
 * policy (§3.4). */
int ss_sev_session_build(const uint8_t *z, size_t z_len, const uint8_t nonce[16],
			 const uint8_t iv[16], const uint8_t tek[16], const uint8_t tik[16],
			 uint32_t policy, struct ss_sev_session *out);

/* The firmware's side: checks WRAP_MAC (SS_EBADSIG), unwraps TEK/TIK and checks POLICY_MAC
 * against policy (SS_EPOLICY). Returns 0, SS_EBADSIG, SS_EPOLICY or SS_ECRYPTO. */
int ss_sev_session_open(const uint8_t *z, size_t z_len, const struct ss_sev_session *s,
			uint32_t policy, uint8_t tek[16], uint8_t tik[16]);

/* LAUNCH_MEASURE's HMAC is measure's ss_sev_launch_measure (include/softsev/measure.h), so the
 * firmware and `softsev measure --mode sev` compute it with the same code. */

/* LAUNCH_SECRET packet MAC = HMAC-SHA256(TIK, 0x01 || FLAGS || IV || GUEST_LEN || TRANS_LEN ||
 * ciphertext || MEASUREMENT); measurement NULL for API < 0.17 (§3.6). */
int ss_sev_secret_mac(const uint8_t tik[16], uint32_t flags, const uint8_t iv[16],
		      uint32_t guest_len, const uint8_t *ct, uint32_t trans_len,
		      const uint8_t *measurement, uint8_t out[32]);

/* The MAC of a migration packet (SEND_UPDATE_* -> RECEIVE_UPDATE_*). The spec leaves its exact
 * input open (§3.8: only two firmware instances produce and consume it); this emulator mirrors
 * LAUNCH_SECRET's with its own context byte and no measurement:
 * HMAC-SHA256(TIK, ctx || FLAGS || IV || GUEST_LEN || TRANS_LEN || ciphertext). */
#define SS_SEV_CTX_SEND_DATA 0x02
#define SS_SEV_CTX_SEND_VMSA 0x03
int ss_sev_packet_mac(const uint8_t tik[16], uint8_t ctx, uint32_t flags, const uint8_t iv[16],
		      uint32_t guest_len, const uint8_t *ct, uint32_t trans_len, uint8_t out[32]);

/* The owner's side of §3.6: encrypts secret under TEK with iv into ct (len bytes) and fills the
 * header (flags 0) with its MAC bound to the measurement. */
int ss_sev_secret_build(const uint8_t tek[16], const uint8_t tik[16], const uint8_t iv[16],
			const void *secret, uint32_t len, const uint8_t measurement[32],
			struct ss_sev_packet_hdr *hdr, uint8_t *ct);

#endif
