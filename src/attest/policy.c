/* A verifier's policy over report fields: expected values, minimum TCBs and firmware, required
 * and forbidden bits. Set from flags or from a JSON file (json-c). */
#include <softsev/attest.h>

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "util/bytes.h"
#include "util/file.h"

/* X(key, check bit, report field, size) for the byte-string checks. */
#define SS_POLICY_BYTES(X)                                                                         \
	X("measurement", SS_POL_MEASUREMENT, measurement, "MEASUREMENT", 0x090)                    \
	X("report-data", SS_POL_REPORT_DATA, report_data, "REPORT_DATA", 0x050)                    \
	X("host-data", SS_POL_HOST_DATA, host_data, "HOST_DATA", 0x0C0)                            \
	X("id-key-digest", SS_POL_ID_KEY_DIGEST, id_key_digest, "ID_KEY_DIGEST", 0x0E0)            \
	X("author-key-digest", SS_POL_AUTHOR_KEY_DIGEST, author_key_digest, "AUTHOR_KEY_DIGEST",   \
	  0x110)                                                                                   \
	X("family-id", SS_POL_FAMILY_ID, family_id, "FAMILY_ID", 0x010)                            \
	X("image-id", SS_POL_IMAGE_ID, image_id, "IMAGE_ID", 0x020)

static int parse_u64(const char *key, const char *v, uint64_t max, uint64_t *out, ss_error *err)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 0);
	if (!*v || *v == '-' || errno || *end || x > max)
		return ss_fail(err, SS_EINVAL, "policy %s: '%s' is not a number in 0..%" PRIu64,
			       key, v, max);
	*out = x;
	return 0;
}

int ss_policy_set(ss_policy *p, const char *key_in, const char *v, ss_error *err)
{
	char key[64];
	snprintf(key, sizeof(key), "%s", key_in);
	for (char *c = key; *c; c++)
		if (*c == '_')
			*c = '-';
	uint64_t x = 0;
	int rc;
#define SS_POL_SET_BYTES(name, bit, field, label, off)                                             \
	if (!strcmp(key, name)) {                                                                  \
		if (!ss_hex_decode_exact(p->field, sizeof(p->field), v))                           \
			return ss_fail(err, SS_EINVAL, "policy %s: expected %zu bytes of hex",     \
				       key, sizeof(p->field));                                     \
		p->checks |= bit;                                                                  \
		return 0;                                                                          \
	}
	SS_POLICY_BYTES(SS_POL_SET_BYTES)
#undef SS_POL_SET_BYTES
	if (!strcmp(key, "min-tcb") || !strcmp(key, "min-launch-tcb")) {
		ss_tcb t;
		/* Validate now (the layout is chosen per report later). */
		if ((rc = ss_tcb_parse(v, SS_PRODUCT_TURIN, &t, err)))
			return ss_wrap(err, rc, "policy %s", key);
		bool launch = key[4] == 'l';
		char *dst = launch ? p->min_launch_tcb : p->min_tcb;
		if (strlen(v) >= sizeof(p->min_tcb))
			return ss_fail(err, SS_EINVAL, "policy %s: value too long", key);
		strcpy(dst, v);
		p->checks |= launch ? SS_POL_MIN_LAUNCH_TCB : SS_POL_MIN_TCB;
		return 0;
	}
	if (!strcmp(key, "product")) {
		if ((rc = ss_product_parse(v, &p->product, err)))
			return ss_wrap(err, rc, "policy product");
		return 0;
	}
	struct {
		const char *name;
		uint32_t bit;
		uint64_t max;
		uint64_t *u64;
		uint32_t *u32;
	} nums[] = {
	    {"vmpl", SS_POL_VMPL, 3, NULL, &p->vmpl},
	    {"require-policy-bits", SS_POL_REQUIRE_POLICY, UINT64_MAX, &p->require_policy, NULL},
	    {"forbid-policy-bits", SS_POL_FORBID_POLICY, UINT64_MAX, &p->forbid_policy, NULL},
	    {"platform-info", SS_POL_PLATFORM_INFO, UINT64_MAX, &p->platform_info, NULL},
	    {"require-platform-bits", SS_POL_REQUIRE_PLATFORM, UINT64_MAX, &p->require_platform,
	     NULL},
	    {"forbid-platform-bits", SS_POL_FORBID_PLATFORM, UINT64_MAX, &p->forbid_platform, NULL},
	    {"min-build", SS_POL_MIN_BUILD, 255, NULL, &p->min_build},
	    {"min-guest-svn", SS_POL_MIN_GUEST_SVN, UINT32_MAX, NULL, &p->min_guest_svn},
	};
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		if (strcmp(key, nums[i].name))
			continue;
		if ((rc = parse_u64(key, v, nums[i].max, &x, err)))
			return rc;
		if (nums[i].u64)
			*nums[i].u64 = x;
		else
			*nums[i].u32 = (uint32_t)x;
		p->checks |= nums[i].bit;
		return 0;
	}
	return ss_fail(err, SS_EINVAL, "unknown policy key '%s'", key_in);
}

/* min_tcb given as {"bl": 3, "tee": 0, ...} becomes "bl=3,tee=0,...". */
static int tcb_object_text(json_object *o, const char *key, char *out, size_t n, ss_error *err)
{
	size_t used = 0;
	out[0] = 0;
	json_object_object_foreach(o, k, v)
	{
		if (!json_object_is_type(v, json_type_int))
			return ss_fail(err, SS_EINVAL, "policy %s.%s must be an integer", key, k);
		used += (size_t)snprintf(out + used, used < n ? n - used : 0, "%s%s=%" PRId64,
					 used ? "," : "", k, json_object_get_int64(v));
	}
	if (used >= n)
		return ss_fail(err, SS_EINVAL, "policy %s: too long", key);
	return 0;
}

int ss_policy_load_json(ss_policy *p, const char *path, ss_error *err)
{
	uint8_t *data;
	size_t len;
	int rc = ss_read_file(path, 1u << 20, &data, &len, err);
	if (rc)
		return rc;
	json_tokener *tok = json_tokener_new();
	json_object *root = tok ? json_tokener_parse_ex(tok, (const char *)data, (int)len) : NULL;
	if (!root) {
		rc = ss_fail(err, SS_EINVAL, "%s: not valid JSON: %s", path,
			     tok ? json_tokener_error_desc(json_tokener_get_error(tok))
				 : "out of memory");
		goto out;
	}
	if (tok->char_offset < (int)len) {
		for (size_t i = (size_t)tok->char_offset; i < len; i++)
			if (data[i] != ' ' && data[i] != '\n' && data[i] != '\t' &&
			    data[i] != '\r') {
				rc = ss_fail(err, SS_EINVAL,
					     "%s: trailing data after the JSON object", path);
				goto out;
			}
	}
	if (!json_object_is_type(root, json_type_object)) {
		rc = ss_fail(err, SS_EINVAL, "%s: the policy must be a JSON object", path);
		goto out;
	}
	json_object_object_foreach(root, key, val)
	{
		char buf[256];
		const char *text;
		switch (json_object_get_type(val)) {
		case json_type_string: text = json_object_get_string(val); break;
		case json_type_int:
			if (json_object_get_int64(val) < 0) {
				rc = ss_fail(err, SS_EINVAL, "%s: %s must not be negative", path,
					     key);
				goto out;
			}
			snprintf(buf, sizeof(buf), "%" PRIu64, json_object_get_uint64(val));
			text = buf;
			break;
		case json_type_object:
			if ((rc = tcb_object_text(val, key, buf, sizeof(buf), err)))
				goto out;
			text = buf;
			break;
		default:
			rc = ss_fail(err, SS_EINVAL, "%s: %s must be a string or a number", path,
				     key);
			goto out;
		}
		if ((rc = ss_policy_set(p, key, text, err))) {
			ss_wrap(err, rc, "%s", path);
			goto out;
		}
	}
	rc = 0;
out:
	json_object_put(root);
	if (tok)
		json_tokener_free(tok);
	free(data);
	return rc;
}

static int bytes_mismatch(const char *label, int off, const uint8_t *have, const uint8_t *want,
			  size_t n, ss_error *err)
{
	char a[2 * 64 + 1], b[2 * 64 + 1];
	ss_hex_encode(a, have, n);
	ss_hex_encode(b, want, n);
	return ss_fail(err, SS_EPOLICY, "%s (0x%03X) is %s, policy requires %s", label, off, a, b);
}

int ss_policy_check(const ss_policy *p, const ss_report *r, ss_error *err)
{
	const struct ss_snp_report *f = ss_report_fields(r);
	int rc;
#define SS_POL_CHECK_BYTES(name, bit, field, label, off)                                           \
	if ((p->checks & bit) && memcmp(f->field, p->field, sizeof(p->field)))                     \
		return bytes_mismatch(label, off, f->field, p->field, sizeof(p->field), err);
	SS_POLICY_BYTES(SS_POL_CHECK_BYTES)
#undef SS_POL_CHECK_BYTES
	if (p->product && r->product && p->product != r->product)
		return ss_fail(err, SS_EPOLICY, "report is from %s, policy requires %s",
			       ss_product_name(r->product), ss_product_name(p->product));
	ss_tcb have, min;
	if (p->checks & SS_POL_MIN_TCB) {
		if ((rc = ss_tcb_parse(p->min_tcb, r->product, &min, err)))
			return rc;
		ss_tcb_decode(f->reported_tcb, r->product, &have);
		if ((rc = ss_tcb_check_min(&have, &min, "REPORTED_TCB (0x180)", err)))
			return rc;
	}
	if (p->checks & SS_POL_MIN_LAUNCH_TCB) {
		if ((rc = ss_tcb_parse(p->min_launch_tcb, r->product, &min, err)))
			return rc;
		ss_tcb_decode(f->launch_tcb, r->product, &have);
		if ((rc = ss_tcb_check_min(&have, &min, "LAUNCH_TCB (0x1F0)", err)))
			return rc;
	}
	if ((p->checks & SS_POL_VMPL) && f->vmpl != p->vmpl)
		return ss_fail(err, SS_EPOLICY, "VMPL (0x030) is %u, policy requires %u", f->vmpl,
			       p->vmpl);
	if ((p->checks & SS_POL_REQUIRE_POLICY) &&
	    (f->policy & p->require_policy) != p->require_policy)
		return ss_fail(err, SS_EPOLICY,
			       "POLICY (0x008) 0x%" PRIx64 " lacks required bits 0x%" PRIx64,
			       f->policy, p->require_policy & ~f->policy);
	if ((p->checks & SS_POL_FORBID_POLICY) && (f->policy & p->forbid_policy))
		return ss_fail(err, SS_EPOLICY,
			       "POLICY (0x008) 0x%" PRIx64 " has forbidden bits 0x%" PRIx64,
			       f->policy, f->policy & p->forbid_policy);
	if ((p->checks & SS_POL_PLATFORM_INFO) && f->platform_info != p->platform_info)
		return ss_fail(err, SS_EPOLICY,
			       "PLATFORM_INFO (0x040) is 0x%" PRIx64 ", policy requires 0x%" PRIx64,
			       f->platform_info, p->platform_info);
	if ((p->checks & SS_POL_REQUIRE_PLATFORM) &&
	    (f->platform_info & p->require_platform) != p->require_platform)
		return ss_fail(err, SS_EPOLICY,
			       "PLATFORM_INFO (0x040) 0x%" PRIx64 " lacks required bits 0x%" PRIx64,
			       f->platform_info, p->require_platform & ~f->platform_info);
	if ((p->checks & SS_POL_FORBID_PLATFORM) && (f->platform_info & p->forbid_platform))
		return ss_fail(err, SS_EPOLICY,
			       "PLATFORM_INFO (0x040) 0x%" PRIx64 " has forbidden bits 0x%" PRIx64,
			       f->platform_info, f->platform_info & p->forbid_platform);
	if (p->checks & SS_POL_MIN_BUILD) {
		if (f->current_build < p->min_build)
			return ss_fail(err, SS_EPOLICY,
				       "CURRENT_BUILD (0x1E8) %u is below the minimum build %u",
				       f->current_build, p->min_build);
		if (f->committed_build < p->min_build)
			return ss_fail(err, SS_EPOLICY,
				       "COMMITTED_BUILD (0x1EC) %u is below the minimum build %u",
				       f->committed_build, p->min_build);
	}
	if ((p->checks & SS_POL_MIN_GUEST_SVN) && f->guest_svn < p->min_guest_svn)
		return ss_fail(err, SS_EPOLICY, "GUEST_SVN (0x004) %u is below the minimum %u",
			       f->guest_svn, p->min_guest_svn);
	return 0;
}
