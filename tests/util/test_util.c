#include "harness.h"

#include "util/bytes.h"
#include "util/file.h"
#include "util/json.h"

#include <softsev/error.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

TEST(hex_roundtrip)
{
	uint8_t in[3] = {0x00, 0xab, 0x7f}, out[3];
	char text[7];
	ss_hex_encode(text, in, 3);
	CHECK_STR(text, "00ab7f");
	CHECK(ss_hex_decode_exact(out, 3, "0x00AB7f"));
	CHECK_MEM(out, in, 3);
	CHECK(!ss_hex_decode_exact(out, 3, "00ab"));	 /* too short */
	CHECK(!ss_hex_decode_exact(out, 3, "00ab7g"));	 /* not hex */
	CHECK(!ss_hex_decode_exact(out, 3, "00ab7f00")); /* too long */
	uint8_t *buf;
	size_t len;
	CHECK(!ss_hex_decode_alloc("abc", &buf, &len));
	REQUIRE(ss_hex_decode_alloc("abcd", &buf, &len));
	CHECK(len == 2 && buf[0] == 0xab && buf[1] == 0xcd);
	free(buf);
}

TEST(base64_standard_padded)
{
	char *s = ss_base64_encode((const uint8_t *)"ab", 2);
	CHECK_STR(s, "YWI=");
	free(s);
}

TEST(little_endian)
{
	uint8_t b[8];
	ss_put_le64(b, 0x0102030405060708ull);
	CHECK(b[0] == 8 && b[7] == 1);
	CHECK(ss_le64(b) == 0x0102030405060708ull);
	CHECK(ss_le32(b) == 0x05060708u);
	CHECK(ss_le16(b) == 0x0708);
}

TEST(errors_name_and_wrap)
{
	ss_error e = {0};
	CHECK(ss_fail(&e, SS_EINVAL, "field %s at 0x%x", "gpa", 0x10) == SS_EINVAL);
	CHECK_STR(e.msg, "field gpa at 0x10");
	ss_wrap(&e, e.code, "OVMF.fd");
	CHECK_STR(e.msg, "OVMF.fd: field gpa at 0x10");
	/* The caller's status survives whether or not an ss_error was passed. */
	CHECK(ss_wrap(NULL, SS_EBADSIG, "report") == SS_EBADSIG);
	CHECK(ss_wrap(&e, SS_EPOLICY, "policy") == SS_EPOLICY && e.code == SS_EPOLICY);
	CHECK_STR(ss_status_name(SS_EBADSIG), "SS_EBADSIG");
	CHECK_STR(ss_status_name(12345), "SS_UNKNOWN");
}

TEST(atomic_write_replaces_and_reads_back)
{
	char dir[] = "/tmp/ss-test-XXXXXX";
	REQUIRE(mkdtemp(dir));
	char sub[256], path[300];
	snprintf(sub, sizeof(sub), "%s/a/b", dir);
	ss_error e;
	REQUIRE(ss_mkdir_p(sub, 0700, &e) == 0);
	snprintf(path, sizeof(path), "%s/state", sub);
	REQUIRE(ss_write_file_atomic(path, "old", 3, 0600, &e) == 0);
	REQUIRE(ss_write_file_atomic(path, "newer", 5, 0600, &e) == 0);
	uint8_t *data;
	size_t len;
	REQUIRE(ss_read_file(path, 100, &data, &len, &e) == 0);
	CHECK(len == 5 && memcmp(data, "newer", 5) == 0);
	free(data);
	CHECK(ss_read_file(path, 4, &data, &len, &e) == SS_ERANGE);
	CHECK(ss_read_file("/nonexistent/x", 4, &data, &len, &e) == SS_EIO);
	CHECK_CONTAINS(e.msg, "/nonexistent/x");
	struct stat st;
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	unlink(path);
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
}

TEST(json_writer_nests)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ss_json j;
	ss_json_init(&j, f);
	ss_json_begin_object(&j);
	ss_json_kv_u64(&j, "n", 7);
	ss_json_kv_string(&j, "s", "a\"b");
	ss_json_key(&j, "list");
	ss_json_begin_array(&j);
	ss_json_u64(&j, 1);
	ss_json_bool(&j, true);
	ss_json_end_array(&j);
	ss_json_key(&j, "empty");
	ss_json_begin_object(&j);
	ss_json_end_object(&j);
	ss_json_end_object(&j);
	ss_json_finish(&j);
	fclose(f);
	CHECK_STR(buf,
		  "{\n  \"n\": 7,\n  \"s\": \"a\\\"b\",\n  \"list\": [\n    1,\n    true\n  ],\n"
		  "  \"empty\": {}\n}\n");
	free(buf);
}

/* A writer killed between creating its temp file and the rename leaves path.tmp.<pid>: the next
 * write removes it if that process is gone, and keeps a live writer's. */
TEST(atomic_write_removes_stale_temps)
{
	char dir[] = "/tmp/ss-test-XXXXXX";
	REQUIRE(mkdtemp(dir));
	char path[300], stale[350], live[350], other[350];
	snprintf(path, sizeof(path), "%s/state.bin", dir);
	/* pid_max is at most 2^22 on Linux: this pid never runs. */
	snprintf(stale, sizeof(stale), "%s.tmp.%ld", path, 2147483000L);
	snprintf(live, sizeof(live), "%s.tmp.%ld", path, (long)getppid());
	snprintf(other, sizeof(other), "%s/other.tmp.%ld", dir, 2147483000L);
	ss_error e;
	REQUIRE(ss_write_file_atomic(stale, "half", 4, 0600, &e) == 0);
	REQUIRE(ss_write_file_atomic(live, "busy", 4, 0600, &e) == 0);
	REQUIRE(ss_write_file_atomic(other, "x", 1, 0600, &e) == 0);
	REQUIRE(ss_write_file_atomic(path, "state", 5, 0600, &e) == 0);
	struct stat st;
	CHECK(stat(stale, &st) != 0);
	CHECK(stat(live, &st) == 0);
	CHECK(stat(other, &st) == 0);
	CHECK(stat(path, &st) == 0 && st.st_size == 5);
	unlink(live);
	unlink(other);
	unlink(path);
	rmdir(dir);
}

TEST_MAIN(hex_roundtrip, base64_standard_padded, little_endian, errors_name_and_wrap,
	  atomic_write_replaces_and_reads_back, atomic_write_removes_stale_temps, json_writer_nests)
