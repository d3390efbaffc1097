/* Fuzzes the ID block / ID auth info boundary: what `softsev idblock verify` and a software
 * SNP_LAUNCH_FINISH read from an untrusted owner (firmware-abi.md §4.9).
 *
 * Input: the 96-byte ID block followed by the 4096-byte ID auth info (short inputs are padded
 * with zeros), optionally followed by an attestation report to link to them. The whole input is
 * also offered to the raw/base64 decoder for both sizes. */
#include <softsev/idblock.h>

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ss_snp_id_block blk;
	static ss_snp_id_auth_info auth;
	ss_error err;

	(void)ss_idblock_decode_input(data, size, &blk, sizeof(blk), "fuzz", &err);
	(void)ss_idblock_decode_input(data, size, &auth, sizeof(auth), "fuzz", &err);

	memset(&blk, 0, sizeof(blk));
	memset(&auth, 0, sizeof(auth));
	size_t n = size < sizeof(blk) ? size : sizeof(blk);
	memcpy(&blk, data, n);
	if (size > sizeof(blk)) {
		size_t m = size - sizeof(blk);
		memcpy(&auth, data + sizeof(blk), m < sizeof(auth) ? m : sizeof(auth));
	}

	ss_idblock_result res;
	memset(&err, 0, sizeof(err));
	int rc = ss_idblock_verify(&blk, &auth, &res, &err);
	if (rc != 0 && rc != SS_EBADSIG && rc != SS_EINVAL)
		abort(); /* no other outcome is possible for a structure in memory */
	if (rc == 0 || rc == SS_EBADSIG) {
		/* The digests reported are those of the key structures in the input. */
		uint8_t d[SS_SHA384_LEN];
		if (ss_amd_pubkey_digest(&auth.id_key, d) ||
		    memcmp(d, res.id_key_digest, sizeof(d)))
			abort();
		if (res.author_key_en && (ss_amd_pubkey_digest(&auth.author_key, d) ||
					  memcmp(d, res.author_key_digest, sizeof(d))))
			abort();
	}
	if (rc && !err.msg[0])
		abort(); /* every failure names what was wrong */
	if (rc == 0) {
		(void)ss_idblock_check(&blk, &err);
		/* Bytes after the auth info, if any, are a report to link to the block. */
		size_t off = sizeof(blk) + sizeof(auth);
		if (size > off &&
		    ss_idblock_check_report(&blk, &res, data + off, size - off, &err) == 0 &&
		    memcmp(data + off + 0x90, blk.ld, sizeof(blk.ld)))
			abort(); /* a report that matches carries the block's LD as MEASUREMENT */
	}

	/* SNP_LAUNCH_FINISH's view, with AUTH_KEY_EN from the input's length. */
	ss_idblock_verdict v;
	memset(&err, 0, sizeof(err));
	int lrc =
	    ss_idblock_launch_check(&blk, &auth, size & 1, blk.ld, blk.policy, &res, &v, &err);
	if ((lrc == 0) != (v == SS_IDBLOCK_ACCEPTED) ||
	    (lrc == SS_EBADSIG) != (v == SS_IDBLOCK_BAD_SIGNATURE) ||
	    v == SS_IDBLOCK_BAD_MEASUREMENT || v == SS_IDBLOCK_POLICY_FAILURE)
		abort(); /* the block's own LD and POLICY always match themselves */
	return 0;
}
