/* Persistent state: a platform keeps its identity across restarts, exports and imports its whole
 * state as one integrity-checked blob, and a kill in the middle of a state write leaves the old
 * or the new state, never a broken one. */
#include "harness.h"
#include "psp_test.h"

#include "util/bytes.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define C(name) SS_SEV_CMD_##name

static void tmpdir(char *out, size_t n)
{
	snprintf(out, n, "/tmp/softsev-psp-test-XXXXXX");
	if (!mkdtemp(out))
		abort();
}

static void rmtree(const char *dir)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		printf("# could not remove %s\n", dir);
}

static int chip_id(struct tplat *t, uint8_t id[64])
{
	struct ss_sev_data_addr_len q = {.address = 0x3000, .len = 64};
	if (tcmd(t, C(GET_ID), &q, sizeof(q)))
		return -1;
	memcpy(id, t->ram + 0x3000, 64);
	return 0;
}

TEST(restart_keeps_identity)
{
	char dir[64];
	tmpdir(dir, sizeof(dir));
	struct tplat a, b;
	uint8_t id_a[64], id_b[64];
	REQUIRE(tplat_open(&a, dir) == 0);
	REQUIRE(chip_id(&a, id_a) == 0);
	uint8_t *blob_a;
	size_t len_a;
	ss_error err;
	REQUIRE(ss_psp_export_state(a.psp, &blob_a, &len_a, &err) == 0);
	tplat_close(&a);
	REQUIRE(tplat_open(&b, dir) == 0);
	REQUIRE(chip_id(&b, id_b) == 0);
	CHECK_MEM(id_a, id_b, 64);
	uint8_t *blob_b;
	size_t len_b;
	REQUIRE(ss_psp_export_state(b.psp, &blob_b, &len_b, &err) == 0);
	CHECK(len_a == len_b);
	if (len_a == len_b)
		CHECK_MEM(blob_a, blob_b, len_a);
	/* PEK_GEN changes the persistent state and it survives a restart. */
	struct ss_sev_data_init in = {0};
	REQUIRE(tcmd(&b, C(INIT), &in, sizeof(in)) == 0);
	REQUIRE(tcmd(&b, C(PEK_GEN), NULL, 0) == 0);
	free(blob_b);
	REQUIRE(ss_psp_export_state(b.psp, &blob_b, &len_b, &err) == 0);
	CHECK(len_a != len_b || memcmp(blob_a, blob_b, len_a) != 0);
	tplat_close(&b);
	REQUIRE(tplat_open(&a, dir) == 0);
	uint8_t *blob_c;
	size_t len_c;
	REQUIRE(ss_psp_export_state(a.psp, &blob_c, &len_c, &err) == 0);
	CHECK(len_c == len_b && memcmp(blob_c, blob_b, len_b) == 0);
	tplat_close(&a);
	free(blob_a);
	free(blob_b);
	free(blob_c);
	rmtree(dir);
}

TEST(export_import_round_trip)
{
	struct tplat a, b;
	ss_error err;
	REQUIRE(tplat_open(&a, NULL) == 0);
	REQUIRE(tplat_open(&b, NULL) == 0);
	uint8_t id_a[64], id_b[64];
	REQUIRE(chip_id(&a, id_a) == 0);
	REQUIRE(chip_id(&b, id_b) == 0);
	CHECK(memcmp(id_a, id_b, 64) != 0);
	uint8_t *blob;
	size_t len;
	REQUIRE(ss_psp_export_state(a.psp, &blob, &len, &err) == 0);
	CHECK(memcmp(blob, "SSPSPST", 8) == 0);

	/* Refused outside UNINIT. */
	struct ss_sev_data_init in = {0};
	REQUIRE(tcmd(&b, C(INIT), &in, sizeof(in)) == 0);
	CHECK(ss_psp_import_state(b.psp, blob, len, &err) == SS_ESTATE);
	REQUIRE(tcmd(&b, C(SHUTDOWN), NULL, 0) == 0);

	/* Every single-byte corruption, truncation or extension is refused, and b stays b. */
	uint8_t *bad = malloc(len + 1);
	REQUIRE(bad);
	int accepted = 0;
	for (size_t off = 0; off < len; off += 7) {
		memcpy(bad, blob, len);
		bad[off] ^= 0x40;
		accepted += ss_psp_import_state(b.psp, bad, len, &err) == 0;
	}
	CHECK(accepted == 0);
	CHECK(ss_psp_import_state(b.psp, blob, len - 1, &err) == SS_EINVAL);
	memcpy(bad, blob, len);
	bad[len] = 0;
	CHECK(ss_psp_import_state(b.psp, bad, len + 1, &err) == SS_EINVAL);
	memcpy(bad, blob, len);
	bad[8] = 2; /* another version */
	CHECK(ss_psp_import_state(b.psp, bad, len, &err) == SS_EINVAL);
	CHECK_CONTAINS(err.msg, "version");
	uint8_t id[64];
	REQUIRE(chip_id(&b, id) == 0);
	CHECK_MEM(id, id_b, 64);

	/* The real import makes b the same chip as a. */
	CHECK(ss_psp_import_state(b.psp, blob, len, &err) == 0);
	REQUIRE(chip_id(&b, id) == 0);
	CHECK_MEM(id, id_a, 64);
	uint8_t *blob2;
	size_t len2;
	REQUIRE(ss_psp_export_state(b.psp, &blob2, &len2, &err) == 0);
	CHECK(len2 == len && memcmp(blob2, blob, len) == 0);
	free(blob2);
	free(bad);
	free(blob);
	tplat_close(&a);
	tplat_close(&b);
}

/* A child loops FACTORY_RESET (each one rewrites the state file) until the parent SIGKILLs it at
 * a random moment; the state directory must then load, and hold one of the states the child
 * wrote completely. */
TEST(kill_during_state_write)
{
	char dir[64];
	tmpdir(dir, sizeof(dir));
	struct tplat t;
	REQUIRE(tplat_open(&t, dir) == 0);
	uint8_t id0[64];
	REQUIRE(chip_id(&t, id0) == 0);
	tplat_close(&t);
	srand((unsigned)time(NULL));
	int loaded = 0;
	for (int round = 0; round < 12; round++) {
		pid_t pid = fork();
		REQUIRE(pid >= 0);
		if (pid == 0) {
			struct tplat c;
			if (tplat_open(&c, dir))
				_exit(2);
			for (;;)
				if (tcmd(&c, C(FACTORY_RESET), NULL, 0))
					_exit(3);
		}
		usleep(20000 + (useconds_t)(rand() % 40000));
		kill(pid, SIGKILL);
		int status;
		waitpid(pid, &status, 0);
		CHECK(WIFSIGNALED(status));
		struct tplat r;
		if (tplat_open(&r, dir) == 0) {
			uint8_t id[64];
			CHECK(chip_id(&r, id) == 0);
			CHECK_MEM(id, id0, 64);
			loaded++;
			tplat_close(&r);
		}
	}
	CHECK(loaded == 12);
	rmtree(dir);
}

TEST(default_state_dir)
{
	char out[256];
	ss_error err;
	setenv("XDG_STATE_HOME", "/x/state", 1);
	REQUIRE(ss_psp_default_state_dir(out, sizeof(out), &err) == 0);
	CHECK_STR(out, "/x/state/softsev/psp");
	unsetenv("XDG_STATE_HOME");
	setenv("HOME", "/home/u", 1);
	REQUIRE(ss_psp_default_state_dir(out, sizeof(out), &err) == 0);
	CHECK_STR(out, "/home/u/.local/state/softsev/psp");
	CHECK(ss_psp_default_state_dir(out, 8, &err) == SS_ERANGE);
}

TEST_MAIN(restart_keeps_identity, export_import_round_trip, kill_during_state_write,
	  default_state_dir)
