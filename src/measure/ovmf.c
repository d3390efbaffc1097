/* The OVMF footer GUIDed table and SEV metadata parser (measurement.md §1.1-§1.3). The image is
 * untrusted: every length is checked against what is left before it is used, and every failure
 * names the structure and its offset in the image. */
#include "measure/measure_int.h"

#include "util/bytes.h"

#include <softsev/abi/ovmf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SS_OVMF_GUID_BYTES(name, text, ...)                                                        \
	__attribute__((unused)) static const uint8_t name##_BYTES[16] = {__VA_ARGS__};
SS_OVMF_GUID_LIST(SS_OVMF_GUID_BYTES)
#undef SS_OVMF_GUID_BYTES

void ss_guid_format(char out[37], const uint8_t g[16])
{
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12],
		 g[13], g[14], g[15]);
}

const char *ss_ovmf_section_type_name(uint32_t type)
{
	switch (type) {
#define SS_OVMF_SECTION_NAME(name, value, text, hint)                                              \
	case value: return text;
		SS_OVMF_SECTION_TYPE_LIST(SS_OVMF_SECTION_NAME)
#undef SS_OVMF_SECTION_NAME
	}
	return NULL;
}

/* The first u32 of an entry's data; the entry must hold at least need bytes. */
static int entry_u32(const uint8_t *data, size_t dlen, size_t need, size_t hdr_off,
		     const char *name, uint32_t *out, ss_error *err)
{
	if (dlen < need)
		return ss_fail(
		    err, SS_EINVAL,
		    "OVMF footer table: %s entry (header at offset 0x%zx) holds %zu data "
		    "bytes, needs %zu",
		    name, hdr_off, dlen, need);
	*out = ss_le32(data);
	return 0;
}

static int parse_table(ss_ovmf *o, ss_error *err)
{
	const size_t hdr = sizeof(ss_ovmf_table_entry);
	const uint8_t *d = o->data;
	if (o->len < SS_OVMF_FOOTER_TAIL + hdr)
		return ss_fail(err, SS_EINVAL,
			       "OVMF image is %zu bytes, too short to hold the footer table entry "
			       "(%zu bytes before the last %u)",
			       o->len, hdr, SS_OVMF_FOOTER_TAIL);
	size_t footer_off = o->len - SS_OVMF_FOOTER_TAIL - hdr;
	if (memcmp(d + footer_off + 2, SS_OVMF_GUID_FOOTER_BYTES, 16))
		return 0; /* no table: not an error (measurement.md §1.2) */
	o->has_footer = true;
	uint16_t total = ss_le16(d + footer_off);
	if (total < hdr)
		return ss_fail(
		    err, SS_EINVAL,
		    "OVMF footer table: footer entry at offset 0x%zx has size %u, less than "
		    "its %zu-byte header",
		    footer_off, total, hdr);
	size_t body = total - hdr;
	if (body > footer_off)
		return ss_fail(
		    err, SS_EINVAL,
		    "OVMF footer table: footer entry at offset 0x%zx gives a table of %u "
		    "bytes, which starts before the beginning of the %zu-byte image",
		    footer_off, total, o->len);
	size_t start = footer_off - body, pos = footer_off;
	/* Walk backwards: each entry's header ends at pos, its data precede the header. */
	while (pos - start >= hdr) {
		size_t h = pos - hdr;
		uint16_t size = ss_le16(d + h);
		const uint8_t *guid = d + h + 2;
		char gtext[37];
		ss_guid_format(gtext, guid);
		if (size < hdr)
			return ss_fail(
			    err, SS_EINVAL,
			    "OVMF footer table: entry %s at offset 0x%zx has size %u, less "
			    "than its %zu-byte header",
			    gtext, h, size, hdr);
		if (size > pos - start)
			return ss_fail(
			    err, SS_EINVAL,
			    "OVMF footer table: entry %s at offset 0x%zx has size %u, but "
			    "only %zu bytes of the table (from offset 0x%zx) remain",
			    gtext, h, size, pos - start, start);
		const uint8_t *data = d + pos - size;
		size_t dlen = size - hdr;
		int rc = 0;
		/* A GUID seen again lower in the image overrides the first (the reference's dict).
		 */
		if (!memcmp(guid, SS_OVMF_GUID_SEV_ES_RESET_BLOCK_BYTES, 16)) {
			rc = entry_u32(data, dlen, 4, h, "SEV_ES_RESET_BLOCK", &o->reset_eip, err);
			o->has_reset_block = true;
		} else if (!memcmp(guid, SS_OVMF_GUID_SEV_HASH_TABLE_RV_BYTES, 16)) {
			rc = entry_u32(data, dlen, 4, h, "SEV_HASH_TABLE_RV", &o->hash_table_gpa,
				       err);
			o->hash_table_size = dlen >= 8 ? ss_le32(data + 4) : 0;
			o->has_hash_table = true;
		} else if (!memcmp(guid, SS_OVMF_GUID_SEV_META_DATA_BYTES, 16)) {
			rc = entry_u32(data, dlen, 4, h, "OVMF_SEV_META_DATA", &o->metadata_offset,
				       err);
			o->has_metadata = true;
		} else if (!memcmp(guid, SS_OVMF_GUID_SVSM_INFO_BYTES, 16)) {
			rc = entry_u32(data, dlen, 4, h, "SVSM_INFO", &o->svsm_entry, err);
			o->has_svsm_info = true;
		}
		if (rc)
			return rc;
		pos -= size;
	}
	return 0;
}

static int parse_metadata(ss_ovmf *o, ss_error *err)
{
	if (!o->has_metadata)
		return 0;
	const size_t hsz = sizeof(ss_ovmf_sev_meta_header), isz = sizeof(ss_ovmf_sev_meta_section);
	uint32_t off = o->metadata_offset;
	if (off > o->len || off < hsz)
		return ss_fail(
		    err, SS_EINVAL,
		    "OVMF_SEV_META_DATA entry: metadata offset 0x%x (from the end of the "
		    "image) puts the %zu-byte header outside the %zu-byte image",
		    off, hsz, o->len);
	size_t start = o->len - off;
	const uint8_t *h = o->data + start;
	if (memcmp(h, SS_OVMF_SEV_META_SIGNATURE, 4))
		return ss_fail(
		    err, SS_EINVAL,
		    "SEV metadata at offset 0x%zx: signature is %02x %02x %02x %02x, not "
		    "\"ASEV\"",
		    start, h[0], h[1], h[2], h[3]);
	uint32_t size = ss_le32(h + offsetof(ss_ovmf_sev_meta_header, size));
	uint32_t version = ss_le32(h + offsetof(ss_ovmf_sev_meta_header, version));
	uint32_t n = ss_le32(h + offsetof(ss_ovmf_sev_meta_header, num_items));
	if (version != SS_OVMF_SEV_META_VERSION)
		return ss_fail(
		    err, SS_EINVAL,
		    "SEV metadata at offset 0x%zx: version is %u, only version %u is known", start,
		    version, SS_OVMF_SEV_META_VERSION);
	if (size < hsz || size > o->len - start)
		return ss_fail(
		    err, SS_EINVAL,
		    "SEV metadata at offset 0x%zx: size %u is less than its header or runs "
		    "past the end of the image (%zu bytes left)",
		    start, size, o->len - start);
	if ((uint64_t)n * isz > size - hsz)
		return ss_fail(err, SS_EINVAL,
			       "SEV metadata at offset 0x%zx: num_items %u needs %llu bytes of "
			       "descriptors, but its size %u leaves %zu",
			       start, n, (unsigned long long)n * isz, size, (size_t)size - hsz);
	o->sections = calloc(n ? n : 1, sizeof(*o->sections));
	if (!o->sections)
		return ss_fail(err, SS_ENOMEM, "out of memory for %u metadata sections", n);
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *s = h + hsz + (size_t)i * isz;
		o->sections[i].gpa = ss_le32(s);
		o->sections[i].size = ss_le32(s + offsetof(ss_ovmf_sev_meta_section, size));
		o->sections[i].type = ss_le32(s + offsetof(ss_ovmf_sev_meta_section, type));
		o->sections[i].file_offset = start + hsz + (size_t)i * isz;
	}
	o->n_sections = n;
	return 0;
}

int ss_ovmf_parse(const uint8_t *data, size_t len, ss_ovmf *o, ss_error *err)
{
	memset(o, 0, sizeof(*o));
	o->data = data;
	o->len = len;
	if (len == 0)
		return ss_fail(err, SS_EINVAL, "OVMF image is empty");
	if (len > SS_4GIB)
		return ss_fail(err, SS_EINVAL,
			       "OVMF image is %zu bytes; it must fit below 4 GiB, where it ends",
			       len);
	o->gpa = SS_4GIB - len;
	int rc = parse_table(o, err);
	if (!rc)
		rc = parse_metadata(o, err);
	if (rc)
		ss_ovmf_free(o);
	return rc;
}

void ss_ovmf_free(ss_ovmf *o)
{
	free(o->sections);
	o->sections = NULL;
	o->n_sections = 0;
}

/* The GPA range an SNP launch measures for a section: SECRETS and CPUID are always one page,
 * whatever their size says (measurement.md §10.1). */
static uint64_t measured_size(const ss_ovmf_section *s)
{
	if (s->type == SS_OVMF_SECTION_SNP_SECRETS || s->type == SS_OVMF_SECTION_CPUID)
		return SS_PAGE_SIZE;
	return s->size;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

int ss_ovmf_check_sections_except(const ss_ovmf *o, const uint64_t (*ranges)[2], size_t nr,
				  ss_error *err)
{
	for (size_t i = 0; i < o->n_sections; i++) {
		const ss_ovmf_section *s = &o->sections[i];
		const char *name = ss_ovmf_section_type_name(s->type);
		if (!name)
			return ss_fail(
			    err, SS_EINVAL,
			    "SEV metadata section %zu (descriptor at offset 0x%zx): unknown "
			    "type 0x%x",
			    i, s->file_offset, s->type);
		uint64_t size = measured_size(s);
		if (s->gpa % SS_PAGE_SIZE)
			return ss_fail(
			    err, SS_EINVAL,
			    "SEV metadata section %zu (%s, descriptor at offset 0x%zx): GPA "
			    "0x%x is not 4 KiB aligned",
			    i, name, s->file_offset, s->gpa);
		if (size % SS_PAGE_SIZE)
			return ss_fail(
			    err, SS_EINVAL,
			    "SEV metadata section %zu (%s, descriptor at offset 0x%zx): size "
			    "0x%x is not a multiple of 4 KiB",
			    i, name, s->file_offset, s->size);
		if (s->gpa + size > SS_4GIB)
			return ss_fail(
			    err, SS_ERANGE,
			    "SEV metadata section %zu (%s, descriptor at offset 0x%zx): GPA "
			    "0x%x + size 0x%llx runs past 4 GiB",
			    i, name, s->file_offset, s->gpa, (unsigned long long)size);
		for (size_t r = 0; r < nr; r++)
			if (overlaps(s->gpa, size, ranges[r][0], ranges[r][1] - ranges[r][0]))
				return ss_fail(
				    err, SS_EINVAL,
				    "SEV metadata section %zu (%s, GPA 0x%x-0x%llx) overlaps "
				    "the firmware image at 0x%llx-0x%llx",
				    i, name, s->gpa, (unsigned long long)(s->gpa + size - 1),
				    (unsigned long long)ranges[r][0],
				    (unsigned long long)(ranges[r][1] - 1));
		for (size_t j = 0; j < i; j++) {
			const ss_ovmf_section *t = &o->sections[j];
			if (overlaps(s->gpa, size, t->gpa, measured_size(t)))
				return ss_fail(
				    err, SS_EINVAL,
				    "SEV metadata sections %zu (%s at GPA 0x%x) and %zu (%s "
				    "at GPA 0x%x) overlap",
				    j, ss_ovmf_section_type_name(t->type), t->gpa, i, name, s->gpa);
		}
	}
	return 0;
}

int ss_ovmf_check_sections(const ss_ovmf *o, ss_error *err)
{
	const uint64_t self[1][2] = {{o->gpa, SS_4GIB}};
	return ss_ovmf_check_sections_except(o, self, 1, err);
}
