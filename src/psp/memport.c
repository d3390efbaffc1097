/* The PSP on the memory model (include/softsev/mem.h): ss_psp_mem_ops over the firmware port.
 * Host-view accesses are firmware accesses in the clear; guest-view accesses use the ASID's key
 * slot; ACTIVATE loads the VEK into the slot in SEV mode (no RMP checks: SEV and SEV-ES),
 * SNP_ACTIVATE in SNP mode; the RMP is read and written through the port's firmware view. */
#include <softsev/mem.h>
#include <softsev/psp.h>

static int mp_read(void *ctx, uint64_t spa, void *buf, size_t len)
{
	return ss_mem_fw_read(ctx, SS_MEM_FW_NOKEY, spa, buf, len, NULL);
}

static int mp_write(void *ctx, uint64_t spa, const void *buf, size_t len)
{
	return ss_mem_fw_write(ctx, SS_MEM_FW_NOKEY, spa, buf, len, NULL);
}

static int mp_read_enc(void *ctx, uint32_t asid, uint64_t spa, void *buf, size_t len)
{
	if (!asid || asid >= SS_MEM_FW_NOKEY)
		return SS_EINVAL;
	return ss_mem_fw_read(ctx, (uint16_t)asid, spa, buf, len, NULL);
}

static int mp_write_enc(void *ctx, uint32_t asid, uint64_t spa, const void *buf, size_t len)
{
	if (!asid || asid >= SS_MEM_FW_NOKEY)
		return SS_EINVAL;
	return ss_mem_fw_write(ctx, (uint16_t)asid, spa, buf, len, NULL);
}

static int mp_set_key(void *ctx, uint32_t asid, const uint8_t *key, size_t key_len)
{
	if (!asid || asid >= SS_MEM_FW_NOKEY)
		return SS_EINVAL;
	if (!key)
		return ss_mem_fw_key_unload(ctx, (uint16_t)asid, NULL);
	return ss_mem_fw_key_load(ctx, (uint16_t)asid, key, key_len, SS_MEM_KEY_SEV, NULL);
}

static int mp_set_key_snp(void *ctx, uint32_t asid, const uint8_t *key, size_t key_len)
{
	if (!asid || asid >= SS_MEM_FW_NOKEY || !key)
		return SS_EINVAL;
	return ss_mem_fw_key_load(ctx, (uint16_t)asid, key, key_len, SS_MEM_KEY_SNP, NULL);
}

static int mp_rmp_get(void *ctx, uint64_t spa, struct ss_rmp_entry *e)
{
	return ss_mem_fw_rmp_get(ctx, spa, e, NULL);
}

static int mp_rmp_set(void *ctx, uint64_t spa, const struct ss_rmp_entry *e)
{
	return ss_mem_fw_rmp_set(ctx, spa, e, NULL);
}

static const struct ss_psp_mem_ops memport_ops = {
    .read = mp_read,
    .write = mp_write,
    .read_enc = mp_read_enc,
    .write_enc = mp_write_enc,
    .set_key = mp_set_key,
    .set_key_snp = mp_set_key_snp,
    .rmp_get = mp_rmp_get,
    .rmp_set = mp_rmp_set,
};

const struct ss_psp_mem_ops *ss_psp_mem_model_ops(void)
{
	return &memport_ops;
}
