/* The emulated part's persistent SNP identity: chip secret, VLEK provider seed, CA keys and
 * certificates, product. File layout and the "snp-product is written last" rule are documented in
 * include/softsev/snp_keys.h. */
#include <softsev/snp_certs.h>

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "util/file.h"

#define F_PRODUCT "snp-product"
#define F_SECRET  "snp-chip-secret"
#define F_SEED	  "snp-vlek-seed"

static const char *const key_files[SS_SNP_CA_ROLES] = {"snp-ark.key.pem", "snp-ask.key.pem",
						       "snp-asvk.key.pem"};
static const char *const cert_files[SS_SNP_CA_ROLES] = {"snp-ark.pem", "snp-ask.pem",
							"snp-asvk.pem"};

#define MAX_STATE_FILE (64 * 1024)

static void path_of(char *out, size_t n, const char *dir, const char *name)
{
	snprintf(out, n, "%s/%s", dir, name);
}

static bool exists(const char *dir, const char *name)
{
	char p[4096];
	struct stat st;
	path_of(p, sizeof(p), dir, name);
	return stat(p, &st) == 0;
}

static int write_state(const char *dir, const char *name, const void *data, size_t len,
		       unsigned mode, ss_error *err)
{
	char p[4096];
	path_of(p, sizeof(p), dir, name);
	return ss_write_file_atomic(p, data, len, mode, err);
}

static int read_state(const char *dir, const char *name, uint8_t **data, size_t *len, ss_error *err)
{
	char p[4096];
	path_of(p, sizeof(p), dir, name);
	return ss_read_file(p, MAX_STATE_FILE, data, len, err);
}

static int read_secret(const char *dir, const char *name, uint8_t out[SS_SNP_CHIP_SECRET_LEN],
		       ss_error *err)
{
	uint8_t *data;
	size_t len;
	int rc = read_state(dir, name, &data, &len, err);
	if (rc)
		return rc;
	if (len != SS_SNP_CHIP_SECRET_LEN)
		rc = ss_fail(err, SS_EINVAL, "%s/%s: expected %d bytes, found %zu", dir, name,
			     SS_SNP_CHIP_SECRET_LEN, len);
	else
		memcpy(out, data, len);
	OPENSSL_cleanse(data, len);
	free(data);
	return rc;
}

void ss_snp_identity_free(ss_snp_identity *id)
{
	if (!id)
		return;
	ss_snp_ca_free(id->ca);
	OPENSSL_cleanse(id, sizeof(*id));
	free(id);
}

static int create_state(const char *dir, ss_snp_identity *id, unsigned rsa_bits, ss_error *err)
{
	int rc = ss_mkdir_p(dir, 0700, err);
	if (rc)
		return rc;
	if (ss_random_bytes(id->chip_secret, sizeof(id->chip_secret)) ||
	    ss_random_bytes(id->vlek_seed, sizeof(id->vlek_seed)))
		return ss_fail(err, SS_ECRYPTO, "no random bytes for the chip secret");
	rc = ss_snp_ca_generate(id->product, rsa_bits, (int64_t)time(NULL), &id->ca, err);
	if (!rc)
		rc =
		    write_state(dir, F_SECRET, id->chip_secret, sizeof(id->chip_secret), 0600, err);
	if (!rc)
		rc = write_state(dir, F_SEED, id->vlek_seed, sizeof(id->vlek_seed), 0600, err);
	for (int i = 0; i < SS_SNP_CA_ROLES && !rc; i++) {
		char *key = ss_snp_ca_key_pem(id->ca, (ss_snp_ca_role)i);
		char *cert = ss_snp_ca_cert_pem(id->ca, (ss_snp_ca_role)i);
		if (!key || !cert)
			rc = ss_fail(err, SS_ECRYPTO, "encoding the CA as PEM: %s",
				     ss_crypto_last_error());
		if (!rc)
			rc = write_state(dir, key_files[i], key, strlen(key), 0600, err);
		if (!rc)
			rc = write_state(dir, cert_files[i], cert, strlen(cert), 0644, err);
		if (key)
			OPENSSL_cleanse(key, strlen(key));
		free(key);
		free(cert);
	}
	if (!rc) {
		char line[16];
		int n = snprintf(line, sizeof(line), "%s\n", ss_snp_product_name(id->product));
		rc = write_state(dir, F_PRODUCT, line, (size_t)n, 0644, err); /* commit marker */
	}
	return rc;
}

static int load_state(const char *dir, ss_snp_identity *id, ss_snp_product want, bool any_product,
		      ss_error *err)
{
	uint8_t *data;
	size_t len;
	int rc = read_state(dir, F_PRODUCT, &data, &len, err);
	if (rc)
		return rc;
	while (len && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		data[--len] = 0;
	bool known = ss_snp_product_parse((const char *)data, &id->product);
	if (!known)
		rc = ss_fail(err, SS_EINVAL, "%s/" F_PRODUCT ": unknown product '%.32s'", dir,
			     (const char *)data);
	free(data);
	if (rc)
		return rc;
	if (!any_product && id->product != want)
		return ss_fail(err, SS_EINVAL, "state %s holds a %s part, not %s", dir,
			       ss_snp_product_name(id->product), ss_snp_product_name(want));
	rc = read_secret(dir, F_SECRET, id->chip_secret, err);
	if (!rc)
		rc = read_secret(dir, F_SEED, id->vlek_seed, err);
	char *keys[SS_SNP_CA_ROLES] = {0}, *certs[SS_SNP_CA_ROLES] = {0};
	size_t key_lens[SS_SNP_CA_ROLES] = {0};
	for (int i = 0; i < SS_SNP_CA_ROLES && !rc; i++) {
		rc = read_state(dir, key_files[i], (uint8_t **)&keys[i], &key_lens[i], err);
		if (!rc)
			rc = read_state(dir, cert_files[i], (uint8_t **)&certs[i], &len, err);
	}
	if (!rc) {
		rc = ss_snp_ca_from_pem(id->product, (const char *const *)keys,
					(const char *const *)certs, &id->ca, err);
		if (rc)
			ss_wrap(err, rc, "state %s", dir);
	}
	for (int i = 0; i < SS_SNP_CA_ROLES; i++) {
		if (keys[i])
			OPENSSL_cleanse(keys[i], key_lens[i]);
		free(keys[i]);
		free(certs[i]);
	}
	return rc;
}

int ss_snp_identity_open(const char *dir, ss_snp_product product, bool any_product,
			 ss_snp_identity **out, bool *created, ss_error *err)
{
	return ss_snp_identity_open_bits(dir, product, any_product, SS_SNP_CA_RSA_BITS, out,
					 created, err);
}

int ss_snp_identity_open_bits(const char *dir, ss_snp_product product, bool any_product,
			      unsigned rsa_bits, ss_snp_identity **out, bool *created,
			      ss_error *err)
{
	if ((unsigned)product > SS_SNP_TURIN)
		return ss_fail(err, SS_EINVAL, "unknown product %d", (int)product);
	if (!dir || !*dir || strlen(dir) > 3000)
		return ss_fail(err, SS_EINVAL, "state directory: empty or too long path");
	ss_snp_identity *id = calloc(1, sizeof(*id));
	if (!id)
		return ss_fail(err, SS_ENOMEM, "out of memory");
	bool fresh = !exists(dir, F_PRODUCT);
	int rc = 0;
	if (fresh) {
		const char *partial = exists(dir, F_SECRET) ? F_SECRET
				      : exists(dir, F_SEED) ? F_SEED
							    : NULL;
		for (int i = 0; i < SS_SNP_CA_ROLES && !partial; i++)
			if (exists(dir, key_files[i]) || exists(dir, cert_files[i]))
				partial = key_files[i];
		if (partial)
			rc = ss_fail(err, SS_ESTATE,
				     "state %s is incomplete: %s exists but " F_PRODUCT
				     " does not (an interrupted creation?); remove the snp-* files "
				     "to start a new part",
				     dir, partial);
		else {
			id->product = product;
			rc = create_state(dir, id, rsa_bits, err);
		}
	} else {
		rc = load_state(dir, id, product, any_product, err);
	}
	if (!rc)
		rc = ss_snp_chip_id_derive(id->product, id->chip_secret, sizeof(id->chip_secret),
					   id->chip_id, err);
	if (rc) {
		ss_snp_identity_free(id);
		return rc;
	}
	if (created)
		*created = fresh;
	*out = id;
	return 0;
}

int ss_snp_identity_ephemeral(ss_snp_product product, unsigned rsa_bits, ss_snp_identity **out,
			      ss_error *err)
{
	if ((unsigned)product > SS_SNP_TURIN)
		return ss_fail(err, SS_EINVAL, "unknown product %d", (int)product);
	ss_snp_identity *id = calloc(1, sizeof(*id));
	if (!id)
		return ss_fail(err, SS_ENOMEM, "out of memory");
	id->product = product;
	int rc = 0;
	if (ss_random_bytes(id->chip_secret, sizeof(id->chip_secret)) ||
	    ss_random_bytes(id->vlek_seed, sizeof(id->vlek_seed)))
		rc = ss_fail(err, SS_ECRYPTO, "no random bytes for the chip secret");
	if (!rc)
		rc = ss_snp_ca_generate(product, rsa_bits, (int64_t)time(NULL), &id->ca, err);
	if (!rc)
		rc = ss_snp_chip_id_derive(product, id->chip_secret, sizeof(id->chip_secret),
					   id->chip_id, err);
	if (rc) {
		ss_snp_identity_free(id);
		return rc;
	}
	*out = id;
	return 0;
}

int ss_snp_identity_vcek_cert(const ss_snp_identity *id, const uint8_t tcb[SS_SNP_TCB_LEN],
			      int64_t not_before, uint8_t **der, size_t *len, ss_error *err)
{
	ss_eckey *vcek;
	int rc = ss_snp_vcek_derive(id->chip_secret, sizeof(id->chip_secret), tcb, &vcek, err);
	if (rc)
		return rc;
	rc = ss_snp_issue_vcek(id->ca, vcek, tcb, id->chip_id, not_before, der, len, err);
	ss_eckey_free(vcek);
	return rc;
}
