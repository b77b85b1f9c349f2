/* bus_certs: `talksctl bus-certs DIR` (SPEC §9) — the certificates of the bus's mutual TLS, made
 * with mbedTLS (the library nng's TLS transport uses), no openssl command needed.
 *
 * One CA per role (tp_ops.h), not one for the stack: nng 1.5.2 cannot say which certificate a
 * peer presented, so an end tells roles apart by whose CA it trusts (tp_bus_ca_for). Each role
 * gets a CA "talks-bus-<role>" and a leaf "talks-<role>" signed by it; the CA's private key is
 * used for that one signature and wiped, so no certificate can be added to a role later (run
 * the command again into a new folder to replace them all).
 *
 * Files: DIR/ca.pem (the six CAs, 0644), DIR/<role>.crt (0644), DIR/<role>.key (0600). Each is
 * written to a temporary name, flushed and renamed into place, ca.pem last, so a folder with a
 * ca.pem holds a complete set; a folder that has one is refused, never overwritten. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/x509_crt.h>

#include "commands.h"
#include "tp_buf.h"
#include "tp_ops.h"

#define PEM_MAX        4096 /* a P-256 certificate or key in PEM is under 1 KiB */
#define VALID_YEARS    10
#define BACKDATE       3600 /* valid from an hour ago: clocks of a cluster disagree a little */
#define SERIAL_BYTES   16
#define CA_BUNDLE_NAME "ca.pem"

/* extendedKeyUsage ::= SEQUENCE { id-kp-serverAuth, id-kp-clientAuth } in DER (mbedTLS 2.28 has
 * no setter for it): every leaf both listens and dials somewhere. */
static const unsigned char ext_key_usage_der[] = {
    0x30, 0x14, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03,
    0x01, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02,
};

typedef struct role_files {
    unsigned char crt[PEM_MAX], key[PEM_MAX];
} role_files;

typedef struct bus_certs {
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    char not_before[16], not_after[16]; /* YYYYMMDDhhmmss, UTC */
    unsigned char bundle[TP_ROLE_COUNT * PEM_MAX];
    size_t bundle_len;
    role_files roles[TP_ROLE_COUNT];
} bus_certs;

/* 0 when rc is mbedTLS's success, else one line naming what failed and -1. */
static int mbed_ok(int rc, const char *what, const char *name)
{
    if (rc == 0) return 0;
    char why[200];
    mbedtls_strerror(rc, why, sizeof why);
    fprintf(stderr, "talksctl: bus-certs: %s %s: %s\n", what, name, why);
    return -1;
}

static int validity(bus_certs *bc)
{
    time_t from = time(NULL) - BACKDATE;
    struct tm tm;
    if (!gmtime_r(&from, &tm) ||
        !strftime(bc->not_before, sizeof bc->not_before, "%Y%m%d%H%M%S", &tm))
        goto fail;
    tm.tm_year += VALID_YEARS;
    time_t to = timegm(&tm); /* 29 February of a year that has none becomes 1 March */
    if (to == (time_t)-1 || !gmtime_r(&to, &tm) ||
        !strftime(bc->not_after, sizeof bc->not_after, "%Y%m%d%H%M%S", &tm))
        goto fail;
    return 0;
fail:
    fprintf(stderr, "talksctl: bus-certs: cannot read the clock\n");
    return -1;
}

static int make_key(bus_certs *bc, mbedtls_pk_context *key, const char *name)
{
    return mbed_ok(mbedtls_pk_setup(key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)),
                   "cannot set up the key of", name) ||
           mbed_ok(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*key),
                                       mbedtls_ctr_drbg_random, &bc->drbg),
                   "cannot make the key of", name);
}

/* The certificate of subject_key named CN=subject, signed by issuer_key (CN=issuer), as PEM
 * into pem: a CA (pathlen 0, signs certificates and CRLs) or a TLS leaf (both ends). */
static int make_cert(bus_certs *bc, bool ca, mbedtls_pk_context *subject_key, const char *subject,
                     mbedtls_pk_context *issuer_key, const char *issuer, unsigned char *pem,
                     size_t pemlen)
{
    char subject_dn[64], issuer_dn[64];
    snprintf(subject_dn, sizeof subject_dn, "CN=%s", subject);
    snprintf(issuer_dn, sizeof issuer_dn, "CN=%s", issuer);
    unsigned char serial_bytes[SERIAL_BYTES];
    mbedtls_mpi serial;
    mbedtls_mpi_init(&serial);
    mbedtls_x509write_cert w;
    mbedtls_x509write_crt_init(&w);
    mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&w, subject_key);
    mbedtls_x509write_crt_set_issuer_key(&w, issuer_key);

    int rc = mbed_ok(mbedtls_ctr_drbg_random(&bc->drbg, serial_bytes, sizeof serial_bytes),
                     "cannot draw the serial of", subject);
    serial_bytes[0] &= 0x7f; /* a positive INTEGER that fits 16 bytes */
    rc = rc || mbed_ok(mbedtls_mpi_read_binary(&serial, serial_bytes, sizeof serial_bytes),
                       "cannot read the serial of", subject);
    rc = rc || mbed_ok(mbedtls_x509write_crt_set_serial(&w, &serial), "cannot set the serial of",
                       subject);
    rc = rc || mbed_ok(mbedtls_x509write_crt_set_validity(&w, bc->not_before, bc->not_after),
                       "cannot set the validity of", subject);
    rc = rc || mbed_ok(mbedtls_x509write_crt_set_subject_name(&w, subject_dn),
                       "cannot set the subject of", subject);
    rc = rc || mbed_ok(mbedtls_x509write_crt_set_issuer_name(&w, issuer_dn),
                       "cannot set the issuer of", subject);
    rc = rc || mbed_ok(mbedtls_x509write_crt_set_basic_constraints(&w, ca, ca ? 0 : -1),
                       "cannot set the basic constraints of", subject);
    rc = rc ||
         mbed_ok(mbedtls_x509write_crt_set_key_usage(
                     &w, ca ? MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN
                            : MBEDTLS_X509_KU_DIGITAL_SIGNATURE | MBEDTLS_X509_KU_KEY_AGREEMENT),
                 "cannot set the key usage of", subject);
    if (!ca)
        rc = rc || mbed_ok(mbedtls_x509write_crt_set_extension(
                               &w, MBEDTLS_OID_EXTENDED_KEY_USAGE,
                               MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE), 0,
                               ext_key_usage_der, sizeof ext_key_usage_der),
                           "cannot set the extended key usage of", subject);
    rc = rc || mbed_ok(mbedtls_x509write_crt_set_subject_key_identifier(&w),
                       "cannot set the subject key identifier of", subject);
    rc = rc || mbed_ok(mbedtls_x509write_crt_set_authority_key_identifier(&w),
                       "cannot set the authority key identifier of", subject);
    rc = rc ||
         mbed_ok(mbedtls_x509write_crt_pem(&w, pem, pemlen, mbedtls_ctr_drbg_random, &bc->drbg),
                 "cannot sign the certificate", subject);
    mbedtls_x509write_crt_free(&w);
    mbedtls_mpi_free(&serial);
    return rc ? -1 : 0;
}

/* Role r's CA and leaf: the CA's certificate goes to the bundle, the leaf's certificate and key
 * to bc->roles[r]; the CA's key is wiped before this returns (mbedtls_pk_free zeroes it). */
static int make_role(bus_certs *bc, enum tp_role r)
{
    char ca_name[48], leaf_name[48];
    snprintf(ca_name, sizeof ca_name, "talks-bus-%s", tp_role_name(r));
    snprintf(leaf_name, sizeof leaf_name, "talks-%s", tp_role_name(r));
    mbedtls_pk_context ca_key, leaf_key;
    mbedtls_pk_init(&ca_key);
    mbedtls_pk_init(&leaf_key);
    unsigned char *ca_pem = bc->bundle + bc->bundle_len;
    role_files *f = &bc->roles[r];

    int rc = make_key(bc, &ca_key, ca_name) ||
             make_cert(bc, true, &ca_key, ca_name, &ca_key, ca_name, ca_pem, PEM_MAX) ||
             make_key(bc, &leaf_key, leaf_name) ||
             make_cert(bc, false, &leaf_key, leaf_name, &ca_key, ca_name, f->crt, sizeof f->crt) ||
             mbed_ok(mbedtls_pk_write_key_pem(&leaf_key, f->key, sizeof f->key),
                     "cannot write the key of", leaf_name);
    mbedtls_pk_free(&ca_key);
    mbedtls_pk_free(&leaf_key);
    if (rc) return -1;
    bc->bundle_len += strlen((const char *)ca_pem);
    return 0;
}

/* DIR/name holding data with the given mode, through DIR/.name.tmp; 0, or one line and -1. */
static int write_file(int dirfd, const char *dir, const char *name, const void *data, size_t len,
                      mode_t mode)
{
    char tmp[64];
    snprintf(tmp, sizeof tmp, ".%s.tmp", name);
    if (unlinkat(dirfd, tmp, 0) != 0 && errno != ENOENT) goto fail; /* left by a crashed run */
    int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) goto fail;
    const char *p = data;
    size_t left = len;
    int rc = fchmod(fd, mode); /* whatever the umask */
    while (rc == 0 && left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) rc = -1;
        if (n > 0) p += n, left -= (size_t)n;
    }
    if (rc == 0) rc = fsync(fd);
    if (close(fd) != 0) rc = -1;
    if (rc == 0) rc = renameat(dirfd, tmp, dirfd, name);
    if (rc == 0) return 0;
    int saved = errno;
    unlinkat(dirfd, tmp, 0);
    errno = saved;
fail:
    fprintf(stderr, "talksctl: cannot write %s/%s: %s\n", dir, name, strerror(errno));
    return -1;
}

static int write_all(const bus_certs *bc, const char *dir)
{
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) {
        fprintf(stderr, "talksctl: cannot open %s: %s\n", dir, strerror(errno));
        return -1;
    }
    int rc = 0;
    for (int r = 0; r < TP_ROLE_COUNT && rc == 0; r++) {
        char crt[32], key[32];
        snprintf(crt, sizeof crt, "%s.crt", tp_role_name(r));
        snprintf(key, sizeof key, "%s.key", tp_role_name(r));
        const role_files *f = &bc->roles[r];
        rc = write_file(dirfd, dir, crt, f->crt, strlen((const char *)f->crt), 0644) ||
             write_file(dirfd, dir, key, f->key, strlen((const char *)f->key), 0600);
    }
    rc = rc || write_file(dirfd, dir, CA_BUNDLE_NAME, bc->bundle, bc->bundle_len, 0644);
    if (rc == 0 && fsync(dirfd) != 0) {
        fprintf(stderr, "talksctl: cannot flush %s: %s\n", dir, strerror(errno));
        rc = -1;
    }
    close(dirfd);
    return rc ? -1 : 0;
}

/* DIR made (mode 0700) if missing, and holding no bundle yet; 0, or one line and -1. */
static int prepare_dir(const char *dir)
{
    char bundle[4096];
    if ((size_t)snprintf(bundle, sizeof bundle, "%s/%s", dir, CA_BUNDLE_NAME) >= sizeof bundle) {
        fprintf(stderr, "talksctl: %s: path too long\n", dir);
        return -1;
    }
    struct stat st;
    if (lstat(bundle, &st) == 0) {
        fprintf(stderr,
                "talksctl: %s already holds bus certificates (%s); remove them to make new ones\n",
                dir, CA_BUNDLE_NAME);
        return -1;
    }
    if (mkdir(dir, 0700) == 0) {
        if (chmod(dir, 0700) == 0) return 0; /* whatever the umask */
    } else if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    else if (errno == EEXIST)
        errno = ENOTDIR;
    fprintf(stderr, "talksctl: cannot make the folder %s: %s\n", dir, strerror(errno));
    return -1;
}

int cmd_bus_certs(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-' || argv[1][0] == '\0') {
        fprintf(stderr, "talksctl: usage: talksctl %s\n", BUS_CERTS_USAGE);
        return 1;
    }
    const char *dir = argv[1];
    if (prepare_dir(dir) != 0) return 1;

    static const char personalization[] = "talksctl bus-certs";
    bus_certs *bc = tp_xcalloc(1, sizeof *bc);
    mbedtls_entropy_init(&bc->entropy);
    mbedtls_ctr_drbg_init(&bc->drbg);
    int rc = mbed_ok(mbedtls_ctr_drbg_seed(&bc->drbg, mbedtls_entropy_func, &bc->entropy,
                                           (const unsigned char *)personalization,
                                           sizeof personalization - 1),
                     "cannot seed the random generator", "(CTR-DRBG)") ||
             validity(bc);
    for (int r = 0; r < TP_ROLE_COUNT && rc == 0; r++) rc = make_role(bc, r);
    rc = rc || write_all(bc, dir);

    mbedtls_ctr_drbg_free(&bc->drbg);
    mbedtls_entropy_free(&bc->entropy);
    mbedtls_platform_zeroize(bc, sizeof *bc); /* the leaves' private keys */
    free(bc);
    if (rc) return 1;

    printf("Bus certificates for ");
    for (int r = 0; r < TP_ROLE_COUNT; r++)
        printf("%s%s", r == 0 ? "" : r == TP_ROLE_COUNT - 1 ? " and " : ", ", tp_role_name(r));
    printf(" written to %s.\n", dir);
    return 0;
}
