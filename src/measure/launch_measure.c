/* SEV LAUNCH_MEASURE: the HMAC the firmware returns over the launch digest, and the guest
 * owner's check of a returned blob (firmware-abi.md §3.5; what `sevctl measurement` does). */
#include "measure/measure_int.h"

#include "util/bytes.h"

#include <softsev/crypto.h>
#include <string.h>

/* The "LAUNCH_MEASURE" context byte that firmware API 0.17 and later put first. */
#define SS_SEV_CTX_LAUNCH_MEASURE 0x04

int ss_sev_launch_measure(const ss_sev_launch_measure_in *in, uint8_t out[32], ss_error *err)
{
	uint8_t msg[4 + 4 + 32 + 16];
	size_t n = 0;
	bool modern = in->api_major > 0 || in->api_minor >= 17;
	if (modern) {
		msg[n++] = SS_SEV_CTX_LAUNCH_MEASURE;
		msg[n++] = in->api_major;
		msg[n++] = in->api_minor;
		msg[n++] = in->build;
	}
	ss_put_le32(msg + n, in->policy);
	n += 4;
	memcpy(msg + n, in->digest, 32);
	n += 32;
	memcpy(msg + n, in->mnonce, 16);
	n += 16;
	if (ss_hmac_sha256(in->tik, sizeof(in->tik), msg, n, out))
		return ss_fail(err, SS_ECRYPTO, "HMAC-SHA256 failed: %s", ss_crypto_last_error());
	return 0;
}

int ss_sev_launch_measure_check(const ss_sev_launch_measure_in *in,
				const uint8_t blob[SS_SEV_MEASURE_BLOB_LEN], ss_error *err)
{
	ss_sev_launch_measure_in with_nonce = *in;
	memcpy(with_nonce.mnonce, blob + 32, 16);
	uint8_t want[32];
	int rc = ss_sev_launch_measure(&with_nonce, want, err);
	if (rc)
		return rc;
	if (ss_ct_equal(want, blob, 32))
		return 0;
	char got_hex[65], want_hex[65];
	ss_hex_encode(got_hex, blob, 32);
	ss_hex_encode(want_hex, want, 32);
	return ss_fail(err, SS_EPOLICY,
		       "launch measurement mismatch: the blob's MEASUREMENT is %s, the expected "
		       "HMAC over this launch digest and MNONCE is %s",
		       got_hex, want_hex);
}
