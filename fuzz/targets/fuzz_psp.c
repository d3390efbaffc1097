/* Fuzzes the PSP command boundary (STYLE.md 10): a sequence of command ids and buffers against
 * one platform, restored from a saved state blob before every input (exercising import), then
 * exported and re-imported into a second platform, which must export the same bytes.
 *
 * Input: records, each
 *   0x00 op u8: a SEV command id, or 0xFF = write memory, 0xFE = WBINVD, 0xFD = a socket frame
 *               of len bytes for ss_psp_frame_handle (softsev psp serve's trust boundary)
 *   0x01 len u8: buffer length (command) or data length (0xFF)
 *   0x02 for 0xFF: offset u16 (x16) into memory, then len data bytes; else len buffer bytes.
 */
#include <softsev/psp.h>
#include <stdlib.h>
#include <string.h>

#define MEM_SIZE (256u * 1024u)

static ss_psp *psp, *twin;
static ss_psp_flatmem *mem;
static uint8_t *blob0;
static size_t blob0_len;

static void setup(void)
{
	ss_error err;
	if (ss_psp_flatmem_new(MEM_SIZE, 4, &mem, &err))
		abort();
	struct ss_psp_config cfg = {.ephemeral = true,
				    .mem = ss_psp_flatmem_ops(),
				    .mem_ctx = mem,
				    .nr_asids = 4,
				    .ark_bits = 2048};
	if (ss_psp_open(&cfg, &psp, &err) || ss_psp_open(&cfg, &twin, &err) ||
	    ss_psp_export_state(psp, &blob0, &blob0_len, &err))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!psp)
		setup();
	ss_error err;
	uint32_t st;
	/* Back to a known platform: UNINIT, no guests, the saved keys, zeroed memory. */
	ss_psp_command(psp, SS_SEV_CMD_SHUTDOWN, NULL, 0, &st, &err);
	if (ss_psp_import_state(psp, blob0, blob0_len, &err))
		abort();
	memset(ss_psp_flatmem_bytes(mem), 0, MEM_SIZE);
	size_t off = 0;
	while (off + 2 <= size) {
		uint8_t op = data[off], len = data[off + 1];
		off += 2;
		if (op == 0xFE) {
			ss_psp_wbinvd(psp);
			continue;
		}
		if (op == 0xFD) {
			size_t n = len <= size - off ? len : size - off;
			uint8_t *req = malloc(n ? n : 1), *resp = NULL;
			size_t resp_len = 0;
			if (!req)
				abort();
			memcpy(req, data + off, n);
			off += n;
			if (ss_psp_frame_handle(psp, req, n, &resp, &resp_len) ||
			    resp_len < SS_PSP_FRAME_RESP_HDR || memcmp(resp, "SSPR", 4))
				abort();
			free(req);
			free(resp);
			continue;
		}
		if (op == 0xFF) {
			if (off + 2 > size)
				break;
			size_t at = ((size_t)data[off] | (size_t)data[off + 1] << 8) * 16;
			off += 2;
			size_t n = len <= size - off ? len : size - off;
			if (at + n <= MEM_SIZE)
				memcpy(ss_psp_flatmem_bytes(mem) + at, data + off, n);
			off += n;
			continue;
		}
		size_t n = len <= size - off ? len : size - off;
		/* An exact-size heap copy so that ASan sees any read or write past the buffer. */
		uint8_t *buf = n ? malloc(n) : NULL;
		if (n && !buf)
			abort();
		if (n)
			memcpy(buf, data + off, n);
		off += n;
		int rc = ss_psp_command(psp, op, buf, n, &st, &err);
		if ((rc == 0) != (st == 0))
			abort();
		free(buf);
	}
	/* Whatever the commands did, the persistent state must round-trip. */
	uint8_t *b1, *b2;
	size_t l1, l2;
	ss_psp_command(twin, SS_SEV_CMD_SHUTDOWN, NULL, 0, &st, &err);
	if (ss_psp_export_state(psp, &b1, &l1, &err) || ss_psp_import_state(twin, b1, l1, &err) ||
	    ss_psp_export_state(twin, &b2, &l2, &err) || l1 != l2 || memcmp(b1, b2, l1))
		abort();
	free(b1);
	free(b2);
	return 0;
}
