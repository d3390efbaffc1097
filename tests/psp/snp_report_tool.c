/* Test helper of test_snp_report_cli.sh: makes an emulated SNP part in STATE (the state directory
 * layout of snp_keys.h, with an RSA-2048 CA for speed) and writes, into OUT, attestation reports
 * the guest obtained through /dev/sev-guest (ss_sev_guest_ioctl -> SNP_GUEST_REQUEST) at every
 * VMPL with the VCEK, one signed with a loaded VLEK, and the emulated ARK (ark.pem).
 *   usage: snp_report_tool STATE OUT */
#include <sys/stat.h>

#include "psp/snp_msg_test.h"
#include "util/file.h"

static int put(const char *dir, const char *name, const void *data, size_t len, unsigned mode)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ss_error err;
	if (ss_write_file_atomic(path, data, len, mode, &err)) {
		fprintf(stderr, "%s: %s\n", path, err.msg);
		return -1;
	}
	return 0;
}

static int write_state(const char *dir, const ss_snp_identity *id)
{
	static const char *const keys[] = {"snp-ark.key.pem", "snp-ask.key.pem",
					   "snp-asvk.key.pem"};
	static const char *const certs[] = {"snp-ark.pem", "snp-ask.pem", "snp-asvk.pem"};
	mkdir(dir, 0700);
	if (put(dir, "snp-chip-secret", id->chip_secret, 48, 0600) ||
	    put(dir, "snp-vlek-seed", id->vlek_seed, 48, 0600))
		return -1;
	for (int i = 0; i < 3; i++) {
		char *k = ss_snp_ca_key_pem(id->ca, (ss_snp_ca_role)i);
		char *c = ss_snp_ca_cert_pem(id->ca, (ss_snp_ca_role)i);
		int rc = !k || !c || put(dir, keys[i], k, strlen(k), 0600) ||
			 put(dir, certs[i], c, strlen(c), 0644);
		free(k);
		free(c);
		if (rc)
			return -1;
	}
	return put(dir, "snp-product", "Milan\n", 6, 0644);
}

static int report(struct snp_env *e, const char *out, const char *name, unsigned vmpck,
		  uint32_t vmpl, uint32_t key_sel)
{
	uint8_t data[64];
	for (unsigned i = 0; i < 64; i++)
		data[i] = (uint8_t)(vmpl * 16 + i);
	struct ss_snp_msg_report_rsp rsp;
	ss_error err = {0};
	if (sm_get_report(e, vmpck, vmpl, key_sel, data, &rsp, &err) || rsp.status) {
		fprintf(stderr, "%s: %s (status 0x%x)\n", name, err.msg, rsp.status);
		return -1;
	}
	return put(out, name, rsp.report, sizeof(rsp.report), 0644);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: snp_report_tool STATE OUT\n");
		return 2;
	}
	ss_error err = {0};
	ss_snp_identity *id = sm_identity(SS_SNP_MILAN, &err);
	if (!id || write_state(argv[1], id)) {
		fprintf(stderr, "identity: %s\n", err.msg);
		return 1;
	}
	mkdir(argv[2], 0700);
	struct snp_env e;
	if (sm_open(&e, id, &err)) {
		fprintf(stderr, "setup: %s\n", err.msg);
		return 1;
	}
	int rc = 0;
	char name[64];
	for (unsigned vmpl = 0; vmpl < 4 && !rc; vmpl++) {
		snprintf(name, sizeof(name), "report-vmpl%u.bin", vmpl);
		rc = report(&e, argv[2], name, vmpl, vmpl, SS_SNP_KEY_SEL_VCEK);
	}
	char *ark = ss_snp_ca_cert_pem(id->ca, SS_SNP_ARK);
	if (!rc && ark)
		rc = put(argv[2], "ark.pem", ark, strlen(ark), 0644);
	free(ark);
	/* a VLEK as SNP_VLEK_LOAD would install it: the provider's, for the REPORTED_TCB */
	struct ss_psp_snp *s = e.psp->snp;
	if (!rc && ss_snp_vlek_derive(id->vlek_seed, 48, s->reported_tcb, &s->vlek, &err))
		rc = -1;
	memcpy(s->vlek_tcb, s->reported_tcb, 8);
	if (!rc)
		rc = report(&e, argv[2], "report-vlek.bin", 1, 2, SS_SNP_KEY_SEL_DEFAULT);
	sm_close(&e);
	return rc ? 1 : 0;
}
