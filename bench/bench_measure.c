/* bench_measure: the largest launch-digest case of issue 2 — SNP, a 2 MiB firmware with a
 * kernel-hashes section, an 8 MB kernel, a 1 MiB initrd, a command line, 64 vCPUs — measured end
 * to end as a whole `softsev measure` process, beside the time OpenSSL takes to hash the same
 * bytes in this process (the limit: SHA-384 of every firmware page, of each PAGE_INFO and of the
 * two distinct VMSAs and the hashes page; SHA-256 of kernel, initrd and command line), and beside
 * `openssl dgst` processes over the same files.
 *
 * usage: bench_measure [RUNS]   env: SOFTSEV_BIN (the softsev command), SOFTSEV_OVMF_DIR,
 * SOFTSEV_KERNEL, SOFTSEV_VECTORS (for the AmdSev suffix). Missing Debian files are replaced by
 * pseudo-random bytes of the same size. */
#include "util/file.h"

#include <softsev/measure.h>

#include <openssl/evp.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define FW_SIZE	    (2u << 20)
#define KERNEL_SIZE 8000000u
#define INITRD_SIZE (1u << 20)
#define VCPUS	    64
#define APPEND	    "console=ttyS0 root=/dev/vda1 ro quiet"

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

static uint8_t *load_or_fake(const char *path, size_t want, size_t *len, uint32_t seed)
{
	uint8_t *d = NULL;
	ss_error e;
	if (path && *path && ss_read_file(path, 64u << 20, &d, len, &e) == 0)
		return d;
	d = malloc(want);
	if (!d)
		exit(1);
	fill(d, want, seed);
	*len = want;
	return d;
}

static void write_file(const char *path, const uint8_t *d, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(d, 1, n, f) != n || fclose(f)) {
		fprintf(stderr, "bench_measure: cannot write %s\n", path);
		exit(1);
	}
}

/* Runs argv as a process; returns its wall time, and its user+sys CPU time in *cpu_s. */
static double run_process(char *const argv[], double *cpu_s)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 0x1 /* O_WRONLY */, 0);
	double t0 = wall();
	pid_t pid;
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ)) {
		fprintf(stderr, "bench_measure: cannot run %s\n", argv[0]);
		exit(1);
	}
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "bench_measure: %s failed\n", argv[0]);
		exit(1);
	}
	double t = wall() - t0;
	posix_spawn_file_actions_destroy(&fa);
	*cpu_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
		 (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
	return t;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

typedef struct stats {
	double min, median;
} stats;

static stats summarize(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return (stats){v[0], v[n / 2]};
}

/* The hashing the digest cannot avoid, with OpenSSL directly on in-memory bytes. */
static void limit_once(const uint8_t *fw, const uint8_t *kernel, size_t klen, const uint8_t *initrd,
		       size_t ilen, EVP_MD *sha384, EVP_MD *sha256, size_t n_page_infos)
{
	uint8_t out[64], info[112] = {0}, page[4096] = {0};
	for (size_t off = 0; off < FW_SIZE; off += 4096)
		EVP_Digest(fw + off, 4096, out, NULL, sha384, NULL);
	for (int i = 0; i < 3; i++) /* BSP VMSA, AP VMSA, the kernel hashes page */
		EVP_Digest(page, sizeof(page), out, NULL, sha384, NULL);
	for (size_t i = 0; i < n_page_infos; i++) {
		EVP_Digest(info, sizeof(info), out, NULL, sha384, NULL);
		memcpy(info, out, 48);
	}
	EVP_Digest(kernel, klen, out, NULL, sha256, NULL);
	EVP_Digest(initrd, ilen, out, NULL, sha256, NULL);
	EVP_Digest(APPEND, sizeof(APPEND), out, NULL, sha256, NULL);
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 20;
	if (runs < 3)
		runs = 3;
	const char *bin = getenv("SOFTSEV_BIN") ? getenv("SOFTSEV_BIN") : "build/src/cli/softsev";
	const char *vec =
	    getenv("SOFTSEV_VECTORS") ? getenv("SOFTSEV_VECTORS") : "../shared/vectors";
	const char *ovmf_dir =
	    getenv("SOFTSEV_OVMF_DIR") ? getenv("SOFTSEV_OVMF_DIR") : "/usr/share/ovmf";
	char path[4096];

	/* Inputs: Debian's OVMF.fd with its last 4 KiB replaced by the AmdSev suffix
	 * (measurement.md §6, AMDSEV_SYNTH_2M), Debian's kernel, a pseudo-random initrd. */
	size_t flen, slen, klen, ilen;
	snprintf(path, sizeof(path), "%s/OVMF.fd", ovmf_dir);
	uint8_t *fw = load_or_fake(path, FW_SIZE, &flen, 1);
	snprintf(path, sizeof(path), "%s/measure/ovmf_AmdSev_suffix.bin", vec);
	uint8_t *suffix = NULL;
	ss_error e;
	if (ss_read_file(path, 4096, &suffix, &slen, &e) || slen != 4096 || flen != FW_SIZE) {
		fprintf(stderr, "bench_measure: need %s and a 2 MiB OVMF.fd in %s\n", path,
			ovmf_dir);
		return 1;
	}
	memcpy(fw + FW_SIZE - 4096, suffix, 4096);
	uint8_t *kernel = load_or_fake(getenv("SOFTSEV_KERNEL"), KERNEL_SIZE, &klen, 2);
	uint8_t *initrd = load_or_fake(NULL, INITRD_SIZE, &ilen, 3);

	char dir[] = "/tmp/ss-bench-measure-XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	char fw_path[4200], k_path[4200], i_path[4200];
	snprintf(fw_path, sizeof(fw_path), "%s/OVMF_AMDSEV_SYNTH_2M.fd", dir);
	snprintf(k_path, sizeof(k_path), "%s/vmlinuz", dir);
	snprintf(i_path, sizeof(i_path), "%s/initrd.img", dir);
	write_file(fw_path, fw, FW_SIZE);
	write_file(k_path, kernel, klen);
	write_file(i_path, initrd, ilen);

	char *measure[] = {(char *)bin,	       "measure", "--mode",	 "snp",
			   "--vcpus",	       "64",	  "--vcpu-type", "EPYC-Milan",
			   "--ovmf",	       fw_path,	  "--kernel",	 k_path,
			   "--initrd",	       i_path,	  "--append",	 APPEND,
			   "--guest-features", "0x21",	  NULL};
	char *dgst384[] = {"openssl", "dgst", "-sha384", fw_path, NULL};
	char *dgst256[] = {"openssl", "dgst", "-sha256", k_path, i_path, NULL};

	/* PAGE_INFOs: 512 firmware pages, 31 metadata pages of the AmdSev layout, 64 VMSAs. */
	size_t n_infos = FW_SIZE / 4096 + 31 + VCPUS;
	EVP_MD *sha384 = EVP_MD_fetch(NULL, "SHA384", NULL);
	EVP_MD *sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);

	double *w = calloc((size_t)runs, sizeof(double)), *c = calloc((size_t)runs, sizeof(double));
	double *lw = calloc((size_t)runs, sizeof(double)),
	       *lc = calloc((size_t)runs, sizeof(double));
	double *ow = calloc((size_t)runs, sizeof(double)),
	       *oc = calloc((size_t)runs, sizeof(double));
	double *mw = calloc((size_t)runs, sizeof(double)),
	       *mc = calloc((size_t)runs, sizeof(double));
	ss_measure_opts mo;
	ss_measure_opts_init(&mo);
	mo.mode = SS_MEASURE_SNP;
	mo.ovmf = fw;
	mo.ovmf_len = FW_SIZE;
	mo.vcpus = VCPUS;
	mo.has_vcpu_sig = true;
	mo.vcpu_sig = 0xA00F11;
	mo.has_kernel = mo.has_initrd = true;
	mo.kernel = kernel;
	mo.kernel_len = klen;
	mo.initrd = initrd;
	mo.initrd_len = ilen;
	mo.append = APPEND;
	mo.guest_features = 0x21;
	double cpu_s;
	run_process(measure, &cpu_s); /* warm the page cache */
	bool have_openssl = true;
	for (int r = 0; r < runs; r++) {
		w[r] = run_process(measure, &c[r]);
		uint8_t d[48];
		size_t dl;
		double t0 = wall(), c0 = cpu();
		if (ss_measure(&mo, d, &dl, &e)) {
			fprintf(stderr, "bench_measure: %s\n", e.msg);
			return 1;
		}
		mw[r] = wall() - t0;
		mc[r] = cpu() - c0;
		t0 = wall();
		c0 = cpu();
		limit_once(fw, kernel, klen, initrd, ilen, sha384, sha256, n_infos);
		lw[r] = wall() - t0;
		lc[r] = cpu() - c0;
		if (have_openssl && access("/usr/bin/openssl", X_OK) == 0) {
			double c1, c2;
			ow[r] = run_process(dgst384, &c1) + run_process(dgst256, &c2);
			oc[r] = c1 + c2;
		} else {
			have_openssl = false;
		}
	}
	stats sw = summarize(w, runs), sc = summarize(c, runs);
	stats lsw = summarize(lw, runs), lsc = summarize(lc, runs);
	stats msw = summarize(mw, runs), msc = summarize(mc, runs);
	printf(
	    "bench_measure: SNP, 2 MiB firmware (AmdSev layout), %zu-byte kernel, %zu-byte initrd, "
	    "64 vCPUs; %d runs\n",
	    klen, ilen, runs);
	printf("  %-48s wall min %7.2f ms  median %7.2f ms   cpu min %7.2f ms\n",
	       "softsev measure (whole process)", sw.min * 1e3, sw.median * 1e3, sc.min * 1e3);
	printf("  %-48s wall min %7.2f ms  median %7.2f ms   cpu min %7.2f ms\n",
	       "ss_measure() library call, in-process", msw.min * 1e3, msw.median * 1e3,
	       msc.min * 1e3);
	printf("  %-48s wall min %7.2f ms  median %7.2f ms   cpu min %7.2f ms\n",
	       "OpenSSL EVP on the same bytes, in-process", lsw.min * 1e3, lsw.median * 1e3,
	       lsc.min * 1e3);
	if (have_openssl) {
		stats osw = summarize(ow, runs), osc = summarize(oc, runs);
		printf("  %-48s wall min %7.2f ms  median %7.2f ms   cpu min %7.2f ms\n",
		       "openssl dgst -sha384 fw; -sha256 kernel initrd", osw.min * 1e3,
		       osw.median * 1e3, osc.min * 1e3);
		printf("  ratio softsev / openssl dgst processes: %.2fx (wall min)\n",
		       sw.min / osw.min);
	}
	printf("  ratio softsev process / in-process hashing limit: %.2fx wall min, %.2fx cpu min "
	       "(target <= 1.3x)\n",
	       sw.min / lsw.min, sc.min / lsc.min);
	printf("  ratio ss_measure() / in-process hashing limit: %.2fx wall min, %.2fx cpu min\n",
	       msw.min / lsw.min, msc.min / lsc.min);
	printf(
	    "  (the process figures include exec, mapping the input files and OpenSSL start-up\n"
	    "   (%.2f ms of CPU here), which the in-process limit does not pay; the kernel and\n"
	    "   initrd are hashed on a second thread, which lowers wall time when a CPU is free)\n",
	    (sc.min - msc.min) * 1e3);

	unlink(fw_path);
	unlink(k_path);
	unlink(i_path);
	rmdir(dir);
	EVP_MD_free(sha384);
	EVP_MD_free(sha256);
	free(fw);
	free(suffix);
	free(kernel);
	free(initrd);
	free(w);
	free(c);
	free(lw);
	free(lc);
	free(ow);
	free(oc);
	free(mw);
	free(mc);
	return 0;
}
