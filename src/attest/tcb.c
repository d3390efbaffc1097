/* Products and TCB_VERSION decoding per product (attestation.md §3). */
#include <softsev/attest.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *ss_product_name(ss_product p)
{
	switch (p) {
	case SS_PRODUCT_MILAN: return "Milan";
	case SS_PRODUCT_GENOA: return "Genoa";
	case SS_PRODUCT_TURIN: return "Turin";
	default: return "unknown";
	}
}

int ss_product_parse(const char *text, ss_product *out, ss_error *err)
{
	/* KDS productName carries a stepping suffix on Milan VCEKs ("Milan-B0", §8.2). */
	static const struct {
		const char *name;
		ss_product p;
	} names[] = {
	    {"milan", SS_PRODUCT_MILAN}, {"genoa", SS_PRODUCT_GENOA}, {"turin", SS_PRODUCT_TURIN}};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t n = strlen(names[i].name);
		if (!strncasecmp(text, names[i].name, n) && (text[n] == 0 || text[n] == '-')) {
			*out = names[i].p;
			return 0;
		}
	}
	return ss_fail(err, SS_EINVAL, "unknown product '%s' (milan, genoa or turin)", text);
}

ss_product ss_product_from_cpuid(uint8_t family, uint8_t model)
{
	/* §3, the ranges of virtee Generation::identify_cpu / snpguest get_processor_model. */
	if (family == 0x19) {
		if (model <= 0x0F)
			return SS_PRODUCT_MILAN;
		if ((model >= 0x10 && model <= 0x1F) || (model >= 0xA0 && model <= 0xAF))
			return SS_PRODUCT_GENOA;
	} else if (family == 0x1A && model <= 0x11) {
		return SS_PRODUCT_TURIN;
	}
	return SS_PRODUCT_UNKNOWN;
}

void ss_tcb_decode(uint64_t raw, ss_product p, ss_tcb *t)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(raw >> (8 * i));
	memset(t, 0, sizeof(*t));
	t->raw = raw;
	if (p == SS_PRODUCT_TURIN) {
		const struct ss_snp_tcb_turin *v = (const void *)b;
		t->turin_layout = true;
		t->fmc = v->fmc;
		t->bl = v->boot_loader;
		t->tee = v->tee;
		t->snp = v->snp;
		t->ucode = v->microcode;
		memcpy(t->reserved, v->reserved, sizeof(v->reserved));
	} else {
		const struct ss_snp_tcb_milan *v = (const void *)b;
		t->bl = v->boot_loader;
		t->tee = v->tee;
		t->snp = v->snp;
		t->ucode = v->microcode;
		memcpy(t->reserved, v->reserved, sizeof(v->reserved));
	}
}

void ss_tcb_format(const ss_tcb *t, char *out, size_t out_len)
{
	if (t->turin_layout)
		snprintf(out, out_len, "fmc=%u bl=%u tee=%u snp=%u ucode=%u", t->fmc, t->bl, t->tee,
			 t->snp, t->ucode);
	else
		snprintf(out, out_len, "bl=%u tee=%u snp=%u ucode=%u", t->bl, t->tee, t->snp,
			 t->ucode);
}

int ss_tcb_parse(const char *text, ss_product p, ss_tcb *out, ss_error *err)
{
	if (!strchr(text, '=')) {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(text, &end, 0);
		if (errno || end == text || *end || text[0] == '-')
			return ss_fail(
			    err, SS_EINVAL,
			    "TCB '%s' is neither a number nor bl=..,tee=..,snp=..,ucode=..", text);
		ss_tcb_decode(v, p, out);
		return 0;
	}
	memset(out, 0, sizeof(*out));
	out->turin_layout = p == SS_PRODUCT_TURIN;
	const char *s = text;
	while (*s) {
		const char *eq = strchr(s, '=');
		if (!eq)
			return ss_fail(err, SS_EINVAL, "TCB '%s': expected name=value at '%s'",
				       text, s);
		size_t n = (size_t)(eq - s);
		char *end;
		errno = 0;
		unsigned long v = strtoul(eq + 1, &end, 0);
		if (errno || end == eq + 1 || v > 255 || (*end && *end != ','))
			return ss_fail(err, SS_EINVAL, "TCB '%s': component '%.*s' needs 0..255",
				       text, (int)n, s);
		uint8_t *dst = NULL;
		if (n == 3 && !strncmp(s, "fmc", 3))
			dst = &out->fmc;
		else if (n == 2 && !strncmp(s, "bl", 2))
			dst = &out->bl;
		else if (n == 3 && !strncmp(s, "tee", 3))
			dst = &out->tee;
		else if (n == 3 && !strncmp(s, "snp", 3))
			dst = &out->snp;
		else if (n == 5 && !strncmp(s, "ucode", 5))
			dst = &out->ucode;
		if (!dst)
			return ss_fail(
			    err, SS_EINVAL,
			    "TCB '%s': unknown component '%.*s' (fmc, bl, tee, snp, ucode)", text,
			    (int)n, s);
		*dst = (uint8_t)v;
		s = *end ? end + 1 : end;
	}
	if (out->fmc && !out->turin_layout)
		return ss_fail(err, SS_EINVAL, "TCB '%s': fmc exists only on Turin", text);
	return 0;
}

int ss_tcb_check_min(const ss_tcb *have, const ss_tcb *min, const char *what, ss_error *err)
{
	const struct {
		const char *name;
		uint8_t h, m;
	} parts[] = {{"fmc", have->fmc, min->fmc},
		     {"bl", have->bl, min->bl},
		     {"tee", have->tee, min->tee},
		     {"snp", have->snp, min->snp},
		     {"ucode", have->ucode, min->ucode}};
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (parts[i].h < parts[i].m)
			return ss_fail(err, SS_EPOLICY, "%s %s SVN %u is below the minimum %u",
				       what, parts[i].name, parts[i].h, parts[i].m);
	return 0;
}
