/* The launch of an SEV guest through the software AMD-SP (include/softsev/hv.h), as KVM's
 * sev_launch_start/update_data/measure/finish drive the firmware: firmware-abi.md §3.4 (session,
 * LAUNCH_START), §3.5 (LAUNCH_UPDATE_DATA, LAUNCH_MEASURE), §3.6 (LAUNCH_FINISH), §1.6
 * (ACTIVATE). The PSP reaches the VM's DRAM through the memory model's firmware port; its command
 * data (certificates, session, measurement) lives in a host area below guest RAM. */
#include "hv/hv_internal.h"

#include <softsev/abi/sev_api.h>
#include <softsev/crypto.h>
#include <softsev/psp.h>
#include <ss_guest/layout.h>
#include <string.h>

#define BUF_PDH	    HV_PSP_BUF
#define BUF_CHAIN   (HV_PSP_BUF + 0x1000)
#define BUF_GODH    (HV_PSP_BUF + 0x4000)
#define BUF_SESSION (HV_PSP_BUF + 0x5000)
#define BUF_MEASURE (HV_PSP_BUF + 0x6000)

static int cmd(ss_psp *psp, uint32_t id, void *buf, size_t len, ss_error *err)
{
	uint32_t st = 0;
	int rc = ss_psp_command(psp, id, buf, len, &st, err);
	return rc ? ss_wrap(err, rc, "hv: %s", ss_sev_cmd_name(id)) : 0;
}

int ss_vm_psp_open(struct ss_vm *vm, ss_psp **out, ss_error *err)
{
	*out = NULL;
	if (vm->fw)
		return ss_fail(err, SS_ESTATE, "hv: the VM's firmware port is already claimed");
	vm->fw = ss_mem_claim_firmware_port(vm->m);
	if (!vm->fw)
		return ss_fail(err, SS_ESTATE, "hv: the VM's firmware port is already claimed");
	struct ss_psp_config cfg = {.ephemeral = true,
				    .mem = ss_psp_mem_model_ops(),
				    .mem_ctx = vm->fw,
				    .nr_asids = HV_MAX_ASID,
				    .cbit = HV_CBIT,
				    .ark_bits = 2048};
	ss_psp *psp;
	int rc = ss_psp_open(&cfg, &psp, err);
	if (rc)
		return ss_wrap(err, rc, "hv: opening the software AMD-SP");
	/* CONFIG_ES: SEV-ES guests may be launched (firmware-abi.md §1.6 INIT). */
	struct ss_sev_data_init init = {
	    .flags = SS_SEV_INIT_FLAGS_CONFIG_ES, .tmr_address = HV_TMR, .tmr_len = 0x100000};
	rc = cmd(psp, SS_SEV_CMD_INIT, &init, sizeof(init), err);
	if (rc) {
		ss_psp_close(psp);
		return rc;
	}
	*out = psp;
	return 0;
}

int ss_vm_sev_pdh_export(struct ss_vm *vm, ss_psp *psp, uint8_t pdh[SS_HV_SEV_CERT_LEN],
			 uint8_t chain[3 * SS_HV_SEV_CERT_LEN], ss_error *err)
{
	struct ss_sev_data_pdh_cert_export e = {.pdh_cert_address = BUF_PDH,
						.pdh_cert_len = SS_HV_SEV_CERT_LEN,
						.cert_chain_address = BUF_CHAIN,
						.cert_chain_len = 3 * SS_HV_SEV_CERT_LEN};
	int rc = cmd(psp, SS_SEV_CMD_PDH_CERT_EXPORT, &e, sizeof(e), err);
	if (!rc)
		rc = hv_host_read(vm, BUF_PDH, pdh, SS_HV_SEV_CERT_LEN, err);
	if (!rc)
		rc = hv_host_read(vm, BUF_CHAIN, chain, 3 * SS_HV_SEV_CERT_LEN, err);
	return rc;
}

/* LAUNCH_UPDATE_DATA of [gpa, gpa+len) (16-byte aligned, §3.5), hashed into the hypervisor's own
 * copy of the digest from the plaintext it loaded. */
static int update(struct ss_vm *vm, ss_psp *psp, uint32_t handle, uint64_t gpa, uint32_t len,
		  ss_hash *h, ss_error *err)
{
	static uint8_t chunk[0x10000];
	for (uint32_t off = 0; off < len; off += sizeof(chunk)) {
		uint32_t n = len - off < sizeof(chunk) ? len - off : (uint32_t)sizeof(chunk);
		int rc = ss_vm_read(vm, gpa + off, chunk, n, err);
		if (rc)
			return rc;
		if (ss_hash_update(h, chunk, n))
			return ss_fail(err, SS_ECRYPTO, "hv: SHA-256 failed");
	}
	struct ss_sev_data_launch_update u = {
	    .handle = handle, .address = HV_RAM_SPA + gpa, .len = len};
	return cmd(psp, SS_SEV_CMD_LAUNCH_UPDATE_DATA, &u, sizeof(u), err);
}

int ss_vm_sev_launch(struct ss_vm *vm, ss_psp *psp, struct ss_vm_sev_launch *l, ss_error *err)
{
	if (vm->cfg.mode != SS_VM_SEV && vm->cfg.mode != SS_VM_SEV_ES)
		return ss_fail(err, SS_ESTATE, "hv: a %s VM is not launched through the PSP",
			       ss_vm_mode_name(vm->cfg.mode));
	if (!vm->boot.loaded || vm->launched)
		return ss_fail(err, SS_ESTATE, "hv: %s",
			       vm->launched ? "the VM is already launched"
					    : "no guest image loaded (ss_vm_load_flat)");
	const bool es = vm->cfg.mode == SS_VM_SEV_ES;
	if (es != ((l->policy & SS_SEV_POLICY_ES) != 0))
		return ss_fail(err, SS_EINVAL, "hv: policy 0x%x %s ES (bit 2), which %s", l->policy,
			       es ? "lacks" : "sets",
			       es ? "an SEV-ES VM needs"
				  : "only an SEV-ES VM may set (mode sev-es)");
	if (!l->godh_cert != !l->session ||
	    (l->session && l->session_len != sizeof(struct ss_sev_session)))
		return ss_fail(err, SS_EINVAL,
			       "hv: the owner's GODH certificate and session (%zu bytes, want %zu) "
			       "come together",
			       l->session_len, sizeof(struct ss_sev_session));
	/* 1. LAUNCH_START with the owner's session (§3.4). */
	int rc = 0;
	struct ss_sev_data_launch_start ls = {.policy = l->policy};
	if (l->session) {
		rc = hv_host_write(vm, BUF_GODH, l->godh_cert, SS_HV_SEV_CERT_LEN, err);
		if (!rc)
			rc = hv_host_write(vm, BUF_SESSION, l->session, l->session_len, err);
		ls.dh_cert_address = BUF_GODH;
		ls.dh_cert_len = SS_HV_SEV_CERT_LEN;
		ls.session_address = BUF_SESSION;
		ls.session_len = (uint32_t)l->session_len;
	}
	if (!rc)
		rc = cmd(psp, SS_SEV_CMD_LAUNCH_START, &ls, sizeof(ls), err);
	if (rc)
		return rc;
	l->handle = ls.handle;
	/* 2. ACTIVATE: the guest's key into the VM's ASID slot (§1.6). */
	struct ss_sev_data_activate act = {.handle = ls.handle, .asid = vm->asid};
	rc = cmd(psp, SS_SEV_CMD_ACTIVATE, &act, sizeof(act), err);
	if (rc)
		return rc;
	/* 3. LAUNCH_UPDATE_DATA: the boot tables, then the image (§3.5). */
	ss_hash *h = ss_hash_new(SS_HASH_SHA256);
	if (!h)
		return ss_fail(err, SS_ENOMEM, "hv: out of memory");
	uint32_t image = (uint32_t)((vm->boot.image_len + 15) & ~(uint64_t)15);
	rc = update(vm, psp, ls.handle, SS_GUEST_BOOT_PML4, SS_HV_SEV_BOOT_TABLES, h, err);
	if (!rc)
		rc = update(vm, psp, ls.handle, SS_GUEST_LOAD, image, h, err);
	if (!rc && es) {
		/* SEV-ES: vCPU 0's initial VMSA, encrypted in place and measured after the data
		 * (LAUNCH_UPDATE_VMSA, §3.5). */
		static ss_vmsa vmsa;
		hv_vmsa_init(vm, &vmsa);
		rc = hv_host_write(vm, hv_vmsa_spa(0), &vmsa, sizeof(vmsa), err);
		if (!rc && ss_hash_update(h, &vmsa, sizeof(vmsa)))
			rc = ss_fail(err, SS_ECRYPTO, "hv: SHA-256 failed");
		struct ss_sev_data_launch_update u = {
		    .handle = ls.handle, .address = hv_vmsa_spa(0), .len = sizeof(vmsa)};
		if (!rc)
			rc = cmd(psp, SS_SEV_CMD_LAUNCH_UPDATE_VMSA, &u, sizeof(u), err);
	}
	if (!rc && ss_hash_final(h, l->digest))
		rc = ss_fail(err, SS_ECRYPTO, "hv: SHA-256 failed");
	ss_hash_free(h);
	if (rc)
		return rc;
	/* 4. LAUNCH_MEASURE, 5. LAUNCH_FINISH (§3.5, §3.6). */
	struct ss_sev_data_launch_update m = {
	    .handle = ls.handle, .address = BUF_MEASURE, .len = sizeof(l->measure)};
	rc = cmd(psp, SS_SEV_CMD_LAUNCH_MEASURE, &m, sizeof(m), err);
	if (!rc)
		rc = hv_host_read(vm, BUF_MEASURE, l->measure, sizeof(l->measure), err);
	struct ss_sev_data_status ps = {0};
	if (!rc)
		rc = cmd(psp, SS_SEV_CMD_PLATFORM_STATUS, &ps, sizeof(ps), err);
	l->api_major = ps.api_major;
	l->api_minor = ps.api_minor;
	l->build = ps.build;
	struct ss_sev_data_handle fin = {.handle = ls.handle};
	if (!rc)
		rc = cmd(psp, SS_SEV_CMD_LAUNCH_FINISH, &fin, sizeof(fin), err);
	if (!rc)
		vm->launched = true;
	return rc;
}
