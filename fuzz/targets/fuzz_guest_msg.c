/* SNP_GUEST_REQUEST (src/psp/snp_guest_msg.c): the request page comes from the hypervisor (a
 * shared page) and its payload from the guest. Input byte 0 picks the shape:
 *   even: the rest is the request page as is (random headers, tags, sizes);
 *   odd:  bytes 1..4 are MSG_VMPCK, MSG_TYPE, MSG_VERSION and a sequence-number offset, the rest
 *         the payload, sent as a well-formed message encrypted with the known VMPCK, so the fuzzer
 *         reaches the report, key and TSC parsers.
 * One PSP on the memory model (RMP, SNP INIT, a RUNNING guest context with fixed VMPCKs) serves
 * every input; the context is reset each time. Checked: a SUCCESS leaves a response that
 * authenticates with VMPCK[i] and seqno + 1 and advances the counter by 2; a failure writes
 * nothing and never advances it. */
#include <softsev/abi/snp_guest_msg.h>
#include <softsev/crypto_cipher.h>
#include <softsev/mem.h>
#include <stdlib.h>
#include <string.h>

#include "psp/snp_internal.h"
#include "util/bytes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DRAM	 (4u << 20)
#define RMP_BASE 0x200000ull
#define GCTX	 0x100000ull
#define REQ	 0x101000ull
#define RSP	 0x102000ull

static struct ss_mem *mem;
static struct ss_mem_fw *fw;
static ss_psp *psp;

static void setup(void)
{
	ss_error err;
	struct ss_mem_config mc = {.dram_size = DRAM, .max_asid = 4, .seed = 1};
	if (ss_mem_create(&mc, &mem, &err) || !(fw = ss_mem_claim_firmware_port(mem)) ||
	    ss_mem_set_rmp_range(mem, RMP_BASE, RMP_BASE + ss_mem_rmp_size_needed(mem) - 1, &err) ||
	    ss_mem_snp_enable(mem, &err))
		abort();
	struct ss_psp_config cfg = {.ephemeral = true,
				    .mem = ss_psp_mem_model_ops(),
				    .mem_ctx = fw,
				    .nr_asids = 4,
				    .ark_bits = 2048};
	if (ss_psp_open(&cfg, &psp, &err))
		abort();
	struct ss_psp_snp *s = psp->snp;
	s->state = SS_SNP_PLATFORM_INIT;
	s->id = calloc(1, sizeof(*s->id)); /* no CA: reports are signed, not certified */
	if (!s->id)
		abort();
	memset(s->id->chip_secret, 0x42, sizeof(s->id->chip_secret));
	memset(s->id->chip_id, 0xC1, sizeof(s->id->chip_id));
	static const uint8_t tcb[8] = {3, 0, 0, 0, 0, 0, 8, 115};
	memcpy(s->current_tcb, tcb, 8);
	memcpy(s->committed_tcb, tcb, 8);
	memcpy(s->reported_tcb, tcb, 8);
	struct ss_rmp_entry e;
	memset(&e, 0, sizeof(e));
	e.assigned = e.immutable = true;
	if (ss_mem_fw_rmp_set(fw, RSP, &e, &err))
		abort();
}

static void reset_guest(struct ss_snp_gctx *g)
{
	memset(g, 0, sizeof(*g));
	g->used = true;
	g->gctx_paddr = GCTX;
	g->state = SS_SNP_GSTATE_RUNNING;
	g->policy = 0x30000;
	g->guest_svn = 2;
	for (unsigned i = 0; i < SS_SNP_VMPCK_COUNT; i++)
		memset(g->vmpck[i], 0x10 + i, SS_SNP_VMPCK_LEN);
	memset(g->vmrk, 0x77, sizeof(g->vmrk));
	memset(g->report_id_ma, 0xFF, sizeof(g->report_id_ma));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!psp)
		setup();
	if (!size)
		return 0;
	struct ss_snp_gctx *g = &psp->snp->gctx[0];
	reset_guest(g);
	uint8_t page[SS_SNP_MSG_PAGE_SIZE];
	memset(page, 0, sizeof(page));
	if (!(data[0] & 1)) {
		size_t n = size - 1 > sizeof(page) ? sizeof(page) : size - 1;
		memcpy(page, data + 1, n);
	} else {
		if (size < 5)
			return 0;
		unsigned i = data[1] & 3;
		size_t n = size - 5 > SS_SNP_MSG_MAX_PAYLOAD ? SS_SNP_MSG_MAX_PAYLOAD : size - 5;
		struct ss_snp_msg_hdr h = {.msg_seqno = 1 + (data[4] & 3),
					   .algo = 1,
					   .hdr_version = 1,
					   .hdr_sz = 0x60,
					   .msg_type = data[2],
					   .msg_version = data[3],
					   .msg_sz = (uint16_t)n,
					   .msg_vmpck = (uint8_t)i};
		memcpy(page, &h, sizeof(h));
		uint8_t iv[12] = {0};
		ss_put_le64(iv, h.msg_seqno);
		if (ss_aes256_gcm_encrypt(g->vmpck[i], iv, page + 0x30, 0x30, data + 5, page + 0x60,
					  n, page))
			abort();
	}
	ss_error err;
	static const uint8_t poison[SS_SNP_MSG_PAGE_SIZE] = {0xEE};
	if (ss_mem_fw_write(fw, SS_MEM_FW_NOKEY, REQ, page, sizeof(page), &err) ||
	    ss_mem_fw_write(fw, SS_MEM_FW_NOKEY, RSP, poison, sizeof(poison), &err))
		abort();
	struct ss_snp_data_guest_request d = {
	    .gctx_paddr = GCTX, .req_paddr = REQ, .rsp_paddr = RSP};
	uint32_t st = 0xFFFF;
	ss_psp_command(psp, SS_CMD_SNP_GUEST_REQUEST, &d, sizeof(d), &st, &err);
	uint8_t rsp[SS_SNP_MSG_PAGE_SIZE];
	if (ss_mem_fw_read(fw, SS_MEM_FW_NOKEY, RSP, rsp, sizeof(rsp), &err))
		abort();
	struct ss_snp_msg_hdr h;
	memcpy(&h, page, sizeof(h));
	unsigned i = h.msg_vmpck & 3;
	if (st) {
		for (unsigned k = 0; k < SS_SNP_VMPCK_COUNT; k++)
			if (g->msg_seqno[k])
				abort(); /* a failure advanced a counter */
		if (memcmp(rsp, poison, sizeof(rsp)))
			abort(); /* a failure wrote a response */
		return 0;
	}
	struct ss_snp_msg_hdr r;
	memcpy(&r, rsp, sizeof(r));
	uint8_t iv[12] = {0}, out[SS_SNP_MSG_MAX_PAYLOAD];
	ss_put_le64(iv, r.msg_seqno);
	if (g->msg_seqno[i] != 2 || r.msg_seqno != 2 || r.msg_type != h.msg_type + 1 ||
	    r.msg_vmpck != i || r.msg_sz > SS_SNP_MSG_MAX_PAYLOAD ||
	    ss_aes256_gcm_decrypt(g->vmpck[i], iv, rsp + 0x30, 0x30, rsp + 0x60, out, r.msg_sz,
				  rsp))
		abort();
	return 0;
}
