/* SNP_VLEK_LOAD's wrapped VLEK (include/softsev/snp_keys.h): 432 bytes from the host, checked and
 * unwrapped with the chip's key. Input: the blob. The corpus holds blobs wrapped for the fixed
 * chip secret below, so the fuzzer reaches the GCM and key-import paths. */
#include <softsev/snp_keys.h>

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t chip_secret[48] = {0x42, 0x42, 0x42, 0x42};
	ss_eckey *key = NULL;
	uint8_t tcb[SS_SNP_TCB_LEN];
	ss_error err;
	int rc = ss_snp_vlek_unwrap(chip_secret, sizeof(chip_secret), data, size, &key, tcb, &err);
	if (rc == 0 && (!key || !ss_eckey_has_private(key)))
		abort();
	if (rc != 0 && key)
		abort();
	ss_eckey_free(key);
	return 0;
}
