/* Memory model bandwidth: the cost of the encryption engine and the RMP checks per path, beside
 * plain memcpy and OpenSSL's own AES-128-XTS measured in the same run (issue 7).
 *
 *   build/bench/bench_mem [MiB]     (default 16 MiB of guest memory, 4 KiB accesses)
 *
 * Paths: owner (a guest reading/writing its own private pages: plaintext kept with a key tag, no
 * AES), owner-mapped (the TLB fast path: a pointer from ss_mem_map, then memcpy), foreign key (the
 * hypervisor reading a guest's private pages: AES-XTS on every read), host (the hypervisor's own
 * clear pages), and the same owner path with SNP's RMP checks on every access. */
#include <openssl/evp.h>
#include <softsev/mem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PG 4096u

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static volatile uint8_t sink;

struct run {
	struct ss_mem *m;
	uint64_t bytes; /* the host's pages are [0, bytes), the guest's [bytes, 2 * bytes) */
};
#define GUEST_BASE (r->bytes)

enum path { OWNER_READ, OWNER_WRITE, OWNER_MAP, FOREIGN_READ, HOST_READ, HOST_WRITE };

static int one_pass(struct run *r, enum path p, uint8_t *buf)
{
	struct ss_mem_fault f;
	ss_error err;
	struct ss_mem_access g = {.actor = SS_MEM_GUEST, .flags = SS_MEM_C, .asid = 1};
	struct ss_mem_access h = {.actor = SS_MEM_HOST};
	for (uint64_t off = 0; off < r->bytes; off += PG) {
		uint64_t spa = GUEST_BASE + off;
		g.gpa = off;
		int rc = 0;
		switch (p) {
		case OWNER_READ:
			g.type = SS_MEM_READ;
			rc = ss_mem_read(r->m, &g, spa, buf, PG, &f, &err);
			break;
		case OWNER_WRITE:
			g.type = SS_MEM_WRITE;
			rc = ss_mem_write(r->m, &g, spa, buf, PG, &f, &err);
			break;
		case OWNER_MAP: {
			uint8_t *page;
			g.type = SS_MEM_READ;
			rc = ss_mem_map(r->m, &g, spa, &page, &f, &err);
			if (!rc)
				memcpy(buf, page, PG);
			break;
		}
		case FOREIGN_READ:
			h.type = SS_MEM_READ;
			rc = ss_mem_read(r->m, &h, spa, buf, PG, &f, &err);
			break;
		case HOST_READ:
		case HOST_WRITE:
			h.type = p == HOST_READ ? SS_MEM_READ : SS_MEM_WRITE;
			/* the host's own pages sit below the guest's */
			rc = p == HOST_READ ? ss_mem_read(r->m, &h, off, buf, PG, &f, &err)
					    : ss_mem_write(r->m, &h, off, buf, PG, &f, &err);
			break;
		}
		if (rc) {
			fprintf(stderr, "bench_mem: access at 0x%llx failed (%d %s)\n",
				(unsigned long long)spa, rc, rc > 0 ? f.rule : err.msg);
			return -1;
		}
		sink ^= buf[off % PG];
	}
	return 0;
}

static double measure(struct run *r, enum path p, uint8_t *buf)
{
	int reps = 0;
	double t0 = now(), t;
	do {
		if (one_pass(r, p, buf))
			return -1;
		reps++;
		t = now() - t0;
	} while (t < 0.25);
	return (double)r->bytes * reps / t / 1e6;
}

static double memcpy_rate(uint64_t bytes)
{
	uint8_t *src = malloc(bytes), *dst = malloc(PG);
	if (!src || !dst)
		return -1;
	memset(src, 1, bytes);
	int reps = 0;
	double t0 = now(), t;
	do {
		for (uint64_t off = 0; off < bytes; off += PG) {
			memcpy(dst, src + off, PG);
			sink ^= dst[off % PG];
		}
		reps++;
		t = now() - t0;
	} while (t < 0.25);
	free(src);
	free(dst);
	return (double)bytes * reps / t / 1e6;
}

/* OpenSSL's AES-128-XTS on 4 KiB data units: the cipher's own speed, the ceiling of any
 * foreign-key read that must encrypt. */
static double openssl_xts_rate(uint64_t bytes)
{
	uint8_t key[32], iv[16] = {0}, in[PG], out[PG];
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(i * 3 + 1);
	memset(in, 7, sizeof(in));
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int reps = 0, outl;
	double t0 = now(), t;
	do {
		for (uint64_t off = 0; off < bytes; off += PG) {
			memcpy(iv, &off, sizeof(off));
			if (EVP_EncryptInit_ex(ctx, EVP_aes_128_xts(), NULL, key, iv) != 1 ||
			    EVP_EncryptUpdate(ctx, out, &outl, in, PG) != 1) {
				EVP_CIPHER_CTX_free(ctx);
				return -1;
			}
			sink ^= out[0];
		}
		reps++;
		t = now() - t0;
	} while (t < 0.25);
	EVP_CIPHER_CTX_free(ctx);
	return (double)bytes * reps / t / 1e6;
}

static int setup(struct run *r, uint64_t bytes, bool snp)
{
	struct ss_mem_config cfg = {.dram_size = 2 * bytes + (4u << 20), .max_asid = 4, .seed = 1};
	ss_error err;
	r->bytes = bytes;
	if (ss_mem_create(&cfg, &r->m, &err))
		goto fail;
	struct ss_mem_fw *fw = ss_mem_claim_firmware_port(r->m);
	uint8_t key[32];
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(i * 5 + 3);
	if (snp) {
		uint64_t base = GUEST_BASE + bytes, need = ss_mem_rmp_size_needed(r->m);
		if (ss_mem_set_rmp_range(r->m, base, base + ((need + 0x1FFF) & ~0x1FFFull) - 1,
					 &err) ||
		    ss_mem_snp_enable(r->m, &err))
			goto fail;
	}
	if (ss_mem_fw_key_load(fw, 1, key, 32, snp ? SS_MEM_KEY_SNP : SS_MEM_KEY_SEV, &err))
		goto fail;
	for (uint64_t off = 0; snp && off < bytes; off += PG) {
		struct ss_abi_rmp_state st = {.gpa = off, .assigned = 1, .asid = 1};
		struct ss_rmp_result res;
		struct ss_mem_fault f;
		struct ss_mem_guest_op o = {
		    .asid = 1, .gva = off, .gpa = off, .spa = GUEST_BASE + off, .rdx = 1};
		if (ss_mem_rmpupdate(r->m, GUEST_BASE + off, &st, &res, &f, &err) || res.eax ||
		    ss_mem_pvalidate(r->m, &o, &res, &f, &err) || res.eax) {
			fprintf(stderr, "bench_mem: SNP set-up failed at 0x%llx\n",
				(unsigned long long)off);
			return -1;
		}
	}
	return 0;
fail:
	fprintf(stderr, "bench_mem: %s\n", err.msg);
	return -1;
}

int main(int argc, char **argv)
{
	uint64_t mib = argc > 1 ? strtoull(argv[1], NULL, 0) : 16;
	if (mib < 1 || mib > 1024) {
		fprintf(stderr, "usage: bench_mem [MiB 1..1024]\n");
		return 2;
	}
	uint64_t bytes = mib << 20;
	uint8_t *buf = malloc(PG);
	if (!buf)
		return 1;
	memset(buf, 0x5A, PG);
	struct run sev, snp;
	if (setup(&sev, bytes, false) || setup(&snp, bytes, true))
		return 1;
	/* The guest fills its memory first so every page is stored under its key. */
	if (one_pass(&sev, OWNER_WRITE, buf) || one_pass(&snp, OWNER_WRITE, buf) ||
	    one_pass(&sev, HOST_WRITE, buf) || one_pass(&snp, HOST_WRITE, buf))
		return 1; /* ... and the host its own pages (untouched pages would all be one zero
			     page) */
	double base = memcpy_rate(bytes);
	struct {
		const char *name;
		double mbps;
	} rows[] = {
	    {"plain memcpy (4 KiB chunks)", base},
	    {"OpenSSL AES-128-XTS encrypt (peer)", openssl_xts_rate(bytes)},
	    {"SEV owner read (ss_mem_read)", measure(&sev, OWNER_READ, buf)},
	    {"SEV owner write (ss_mem_write)", measure(&sev, OWNER_WRITE, buf)},
	    {"SEV owner mapped (ss_mem_map+memcpy)", measure(&sev, OWNER_MAP, buf)},
	    {"SNP owner read, RMP checked", measure(&snp, OWNER_READ, buf)},
	    {"SNP owner write, RMP checked", measure(&snp, OWNER_WRITE, buf)},
	    {"foreign key: host reads guest page", measure(&sev, FOREIGN_READ, buf)},
	    {"host read, own clear pages", measure(&sev, HOST_READ, buf)},
	    {"host write, own clear pages (SNP)", measure(&snp, HOST_WRITE, buf)},
	};
	printf("bench_mem: %llu MiB of guest memory, 4 KiB accesses\n", (unsigned long long)mib);
	printf("%-40s %12s %10s\n", "path", "MB/s", "vs memcpy");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (rows[i].mbps < 0)
			return 1;
		printf("%-40s %12.0f %9.2fx\n", rows[i].name, rows[i].mbps, rows[i].mbps / base);
	}
	ss_mem_destroy(sev.m);
	ss_mem_destroy(snp.m);
	free(buf);
	return 0;
}
