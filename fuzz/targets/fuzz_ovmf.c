/* Fuzzes the OVMF footer table and SEV metadata parser (an untrusted firmware image) and every
 * digest mode that consumes what it returns. Must never crash, leak or read out of bounds. */
#include <softsev/measure.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void step(void *ctx, const ss_measure_step *s)
{
	(void)ctx;
	(void)s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ss_ovmf o;
	ss_error err;
	if (ss_ovmf_parse(data, size, &o, &err) == 0) {
		(void)ss_ovmf_check_sections(&o, &err);
		ss_ovmf_free(&o);
	}
	if (size > (1u << 20))
		return 0;
	static const ss_measure_mode modes[] = {SS_MEASURE_SEV, SS_MEASURE_SEV_ES, SS_MEASURE_SNP,
						SS_MEASURE_SNP_OVMF_HASH};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		ss_measure_opts opts;
		ss_measure_opts_init(&opts);
		opts.mode = modes[i];
		opts.ovmf = data;
		opts.ovmf_len = size;
		opts.vcpus = 2;
		opts.has_vcpu_sig = true;
		opts.vcpu_sig = 0x800F12;
		opts.vmm = (ss_vmm_type)(size % 3);
		opts.has_kernel = size & 1;
		opts.kernel = data;
		opts.kernel_len = size / 2;
		opts.on_step = step;
		uint8_t digest[48];
		size_t len;
		(void)ss_measure(&opts, digest, &len, &err);
	}
	/* The same bytes as an SVSM binary below a one-page firmware. */
	static const uint8_t fw[4096];
	ss_measure_opts opts;
	ss_measure_opts_init(&opts);
	opts.mode = SS_MEASURE_SNP_SVSM;
	opts.ovmf = fw;
	opts.ovmf_len = sizeof(fw);
	opts.svsm = data;
	opts.svsm_len = size;
	opts.vars_size = 0x1000;
	opts.vcpus = 1;
	opts.has_vcpu_sig = true;
	uint8_t digest[48];
	size_t len;
	(void)ss_measure(&opts, digest, &len, &err);
	return 0;
}
