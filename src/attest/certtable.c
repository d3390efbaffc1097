/* The extended-report certificate table (attestation.md §10.4): 24-byte GUID entries ended by an
 * all-zero entry, each pointing at a certificate inside the same buffer. Everything here comes
 * from the host, so every offset and length is checked before use. */
#include <softsev/attest.h>

#include <stdio.h>
#include <string.h>

#include "util/bytes.h"

void ss_cert_table_guid_text(const uint8_t g[16], char out[37])
{
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12],
		 g[13], g[14], g[15]);
}

static void classify(ss_cert_table_item *it)
{
	it->kind = SS_CERT_UNKNOWN;
	it->name = "unknown";
#define SS_CT_MATCH(nm, text, bytes, file)                                                         \
	if (!memcmp(it->guid, bytes, 16)) {                                                        \
		it->kind = SS_CERT_##nm;                                                           \
		it->name = file;                                                                   \
		return;                                                                            \
	}
	SS_CERT_TABLE_GUIDS(SS_CT_MATCH)
#undef SS_CT_MATCH
}

int ss_cert_table_parse(const uint8_t *data, size_t len, ss_cert_table_item *items, size_t max,
			size_t *count, ss_error *err)
{
	const size_t esz = sizeof(struct ss_cert_table_entry);
	size_t n = 0;
	*count = 0;
	/* Find the terminator first: offsets must point past the whole entry array. */
	for (;; n++) {
		if ((n + 1) * esz > len)
			return ss_fail(err, SS_EINVAL,
				       "certificate table: no all-zero terminator entry within %zu "
				       "bytes (%zu entries read)",
				       len, n);
		if (ss_is_zero(data + n * esz, esz))
			break;
		if (n >= max)
			return ss_fail(err, SS_ERANGE,
				       "certificate table has more than %zu entries", max);
	}
	size_t header_end = (n + 1) * esz;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *e = data + i * esz;
		ss_cert_table_item *it = &items[i];
		memcpy(it->guid, e, 16);
		it->offset = ss_le32(e + offsetof(struct ss_cert_table_entry, offset));
		it->length = ss_le32(e + offsetof(struct ss_cert_table_entry, length));
		classify(it);
		char g[37];
		ss_cert_table_guid_text(it->guid, g);
		if (it->offset < header_end)
			return ss_fail(
			    err, SS_EINVAL,
			    "certificate table entry %zu (%s, %s): offset %u points into "
			    "the entry array (which ends at %zu)",
			    i, it->name, g, it->offset, header_end);
		if (it->length == 0 || (uint64_t)it->offset + it->length > len)
			return ss_fail(
			    err, SS_EINVAL,
			    "certificate table entry %zu (%s, %s): offset %u + length %u is "
			    "outside the %zu-byte table",
			    i, it->name, g, it->offset, it->length, len);
		it->data = data + it->offset;
	}
	*count = n;
	return 0;
}
