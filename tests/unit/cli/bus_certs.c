/* Unit tests for cli/bus_certs.c (`talksctl bus-certs`) and proto/tp_bus_ca.c (tp_bus_ca_for):
 * the files and their modes, what each certificate says, that a role's leaf is trusted by its own
 * CA and by no other, that nng's TLS takes the keys and the CA text, and that mutual TLS over
 * nng lets in the right role only. One run of the command makes the folder most cases read. */
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>

#include "../check.h"
#include "commands.h"
#include "tp_bus.h"

static char tmp_root[64]; /* a fresh folder under /tmp; the command makes <tmp_root>/certs */
static char certs[96];

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char p[512];
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (e->d_type == DT_DIR)
            remove_tree(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static void remove_tmp_root(void)
{
    remove_tree(tmp_root);
}

typedef struct run_result {
    int rc;
    char out[1024], err[1024];
} run_result;

static void read_fd(int fd, char *buf, size_t len)
{
    lseek(fd, 0, SEEK_SET);
    ssize_t n = read(fd, buf, len - 1);
    buf[n > 0 ? n : 0] = '\0';
}

/* Runs `talksctl bus-certs ARGS…` (argv[0] is the command's name) capturing what it prints. */
static run_result run(int argc, char **argv)
{
    run_result r;
    char out_path[128], err_path[128];
    snprintf(out_path, sizeof out_path, "%s/stdout", tmp_root);
    snprintf(err_path, sizeof err_path, "%s/stderr", tmp_root);
    int out = open(out_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    int err = open(err_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (out < 0 || err < 0) abort();
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(1), saved_err = dup(2);
    dup2(out, 1);
    dup2(err, 2);
    r.rc = cmd_bus_certs(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(saved_out);
    close(saved_err);
    read_fd(out, r.out, sizeof r.out);
    read_fd(err, r.err, sizeof r.err);
    close(out);
    close(err);
    unlink(out_path);
    unlink(err_path);
    return r;
}

static run_result run_dir(const char *dir)
{
    char *argv[] = {"bus-certs", (char *)dir, NULL};
    return run(2, argv);
}

/* The folder of one successful run, made at first use. */
static const char *certs_dir(void)
{
    if (certs[0]) return certs;
    snprintf(tmp_root, sizeof tmp_root, "/tmp/talks-test.XXXXXX");
    if (!mkdtemp(tmp_root)) abort();
    atexit(remove_tmp_root);
    snprintf(certs, sizeof certs, "%s/certs", tmp_root);
    run_result r = run_dir(certs);
    if (r.rc != 0) fprintf(stderr, "  bus-certs failed: %s", r.err);
    return certs;
}

static void path_of(char *out, size_t len, const char *name)
{
    snprintf(out, len, "%s/%s", certs_dir(), name);
}

static void role_file(char *out, size_t len, enum tp_role r, const char *ext)
{
    char name[32];
    snprintf(name, sizeof name, "%s.%s", tp_role_name(r), ext);
    path_of(out, len, name);
}

/* A file's bytes (malloc'd, NUL-terminated), or NULL. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (cap - n < 4097) buf = realloc(buf, cap = cap * 2 + 8192);
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) break;
    }
    fclose(f);
    buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

/* Parses the PEM certificates in text into chain; how many parsed, or -1. */
static int parse_pem(mbedtls_x509_crt *chain, const char *text)
{
    mbedtls_x509_crt_init(chain);
    if (!text || mbedtls_x509_crt_parse(chain, (const unsigned char *)text, strlen(text) + 1) != 0)
        return -1;
    int n = 0;
    for (const mbedtls_x509_crt *c = chain; c && c->raw.p; c = c->next) n++;
    return n;
}

static int parse_file(mbedtls_x509_crt *chain, const char *path)
{
    char *text = slurp(path, NULL);
    int n = parse_pem(chain, text);
    free(text);
    return n;
}

/* The subject's (or issuer's) common name, "" when it has none. */
static void cn_of(const mbedtls_x509_name *name, char *out, size_t len)
{
    out[0] = '\0';
    for (const mbedtls_x509_name *n = name; n; n = n->next)
        if (n->oid.p && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0)
            snprintf(out, len, "%.*s", (int)n->val.len, (const char *)n->val.p);
}

static char *ca_for(unsigned roles)
{
    char bundle[160], err[256] = "";
    path_of(bundle, sizeof bundle, "ca.pem");
    char *pem = NULL;
    if (tp_bus_ca_for(bundle, roles, &pem, err, sizeof err) != 0)
        fprintf(stderr, "  tp_bus_ca_for: %s\n", err);
    return pem;
}

static void writes_every_file_with_its_mode_and_nothing_else(void)
{
    struct stat st;
    CHECK(stat(certs_dir(), &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0700);
    char p[160];
    path_of(p, sizeof p, "ca.pem");
    CHECK(stat(p, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0644);
    for (int r = 0; r < TP_ROLE_COUNT; r++) {
        role_file(p, sizeof p, r, "crt");
        CHECK(stat(p, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0644);
        role_file(p, sizeof p, r, "key");
        CHECK(stat(p, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0600);
    }
    /* ca.pem and a certificate and key per role: no temporary file, no CA key */
    int entries = 0;
    DIR *d = opendir(certs_dir());
    CHECK(d != NULL);
    for (struct dirent *e; d && (e = readdir(d));)
        if (e->d_name[0] != '.') entries++;
    if (d) closedir(d);
    CHECK(entries == 1 + 2 * TP_ROLE_COUNT);
}

static void says_what_it_wrote(void)
{
    /* a run of its own, into a folder whose parent exists but which does not */
    char dir[128];
    certs_dir();
    snprintf(dir, sizeof dir, "%s/again", tmp_root);
    run_result r = run_dir(dir);
    CHECK(r.rc == 0);
    char want[256];
    snprintf(want, sizeof want,
             "Bus certificates for gateway, auth, talks, comments, mail and ctl written to %s.\n",
             dir);
    CHECK_STR_EQ(r.out, want);
    CHECK_STR_EQ(r.err, "");
    /* and new keys: nothing is shared with the first run */
    char p1[160], p2[160];
    role_file(p1, sizeof p1, TP_ROLE_AUTH, "key");
    snprintf(p2, sizeof p2, "%s/auth.key", dir);
    char *k1 = slurp(p1, NULL), *k2 = slurp(p2, NULL);
    CHECK(k1 && k2 && strcmp(k1, k2) != 0);
    free(k1);
    free(k2);
}

static void ca_pem_holds_exactly_the_six_role_cas(void)
{
    char p[160];
    path_of(p, sizeof p, "ca.pem");
    mbedtls_x509_crt chain;
    CHECK(parse_file(&chain, p) == TP_ROLE_COUNT);
    bool seen[TP_ROLE_COUNT] = {false};
    for (const mbedtls_x509_crt *c = &chain; c && c->raw.p; c = c->next) {
        char cn[80], issuer[80];
        cn_of(&c->subject, cn, sizeof cn);
        cn_of(&c->issuer, issuer, sizeof issuer);
        CHECK(strncmp(cn, "talks-bus-", 10) == 0);
        int r = tp_role_by_name(cn + 10, strlen(cn + 10));
        CHECK(r >= 0);
        if (r >= 0) {
            CHECK(!seen[r]);
            seen[r] = true;
        }
        CHECK_STR_EQ(issuer, cn); /* self-signed */
        CHECK(c->ca_istrue);
    }
    for (int r = 0; r < TP_ROLE_COUNT; r++) CHECK(seen[r]);
    mbedtls_x509_crt_free(&chain);
}

static void each_leaf_is_trusted_by_its_own_ca_and_by_no_other(void)
{
    for (int r = 0; r < TP_ROLE_COUNT; r++) {
        char p[160];
        role_file(p, sizeof p, r, "crt");
        mbedtls_x509_crt leaf, own, other;
        CHECK(parse_file(&leaf, p) == 1);
        char *own_pem = ca_for(TP_ROLE_BIT(r));
        char *other_pem = ca_for(TP_ROLE_BIT((r + 1) % TP_ROLE_COUNT));
        CHECK(parse_pem(&own, own_pem) == 1);
        CHECK(parse_pem(&other, other_pem) == 1);
        uint32_t flags = 0;
        CHECK(mbedtls_x509_crt_verify(&leaf, &own, NULL, NULL, &flags, NULL, NULL) == 0);
        CHECK(flags == 0);
        flags = 0;
        CHECK(mbedtls_x509_crt_verify(&leaf, &other, NULL, NULL, &flags, NULL, NULL) != 0);
        CHECK(flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED);
        mbedtls_x509_crt_free(&leaf);
        mbedtls_x509_crt_free(&own);
        mbedtls_x509_crt_free(&other);
        free(own_pem);
        free(other_pem);
    }
}

static void certificates_carry_the_names_and_extensions_asked_for(void)
{
    char p[160];
    path_of(p, sizeof p, "ca.pem");
    mbedtls_x509_crt cas;
    CHECK(parse_file(&cas, p) == TP_ROLE_COUNT);
    unsigned char serials[2 * TP_ROLE_COUNT][32];
    size_t nserials = 0;
    for (const mbedtls_x509_crt *c = &cas; c && c->raw.p; c = c->next) {
        CHECK(c->ca_istrue);
        CHECK(c->max_pathlen == 1); /* mbedTLS stores pathlen + 1 */
        CHECK(c->key_usage == (MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN));
        CHECK(c->sig_md == MBEDTLS_MD_SHA256);
        CHECK(mbedtls_pk_get_type(&c->pk) == MBEDTLS_PK_ECKEY);
        CHECK(mbedtls_pk_ec(c->pk)->grp.id == MBEDTLS_ECP_DP_SECP256R1);
        CHECK(c->serial.len >= 1 && c->serial.len <= 16);
        if (nserials < 2 * TP_ROLE_COUNT) {
            memset(serials[nserials], 0, 32);
            memcpy(serials[nserials++], c->serial.p, c->serial.len);
        }
    }
    for (int r = 0; r < TP_ROLE_COUNT; r++) {
        role_file(p, sizeof p, r, "crt");
        mbedtls_x509_crt leaf;
        CHECK(parse_file(&leaf, p) == 1);
        char cn[80], issuer[80], want[80];
        cn_of(&leaf.subject, cn, sizeof cn);
        cn_of(&leaf.issuer, issuer, sizeof issuer);
        snprintf(want, sizeof want, "talks-%s", tp_role_name(r));
        CHECK_STR_EQ(cn, want);
        snprintf(want, sizeof want, "talks-bus-%s", tp_role_name(r));
        CHECK_STR_EQ(issuer, want);
        CHECK(!leaf.ca_istrue);
        CHECK(leaf.key_usage ==
              (MBEDTLS_X509_KU_DIGITAL_SIGNATURE | MBEDTLS_X509_KU_KEY_AGREEMENT));
        CHECK((leaf.ext_types & MBEDTLS_X509_EXT_EXTENDED_KEY_USAGE) != 0);
        CHECK(mbedtls_x509_crt_check_extended_key_usage(
                  &leaf, MBEDTLS_OID_SERVER_AUTH, MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)) == 0);
        CHECK(mbedtls_x509_crt_check_extended_key_usage(
                  &leaf, MBEDTLS_OID_CLIENT_AUTH, MBEDTLS_OID_SIZE(MBEDTLS_OID_CLIENT_AUTH)) == 0);
        CHECK(mbedtls_x509_crt_check_extended_key_usage(
                  &leaf, MBEDTLS_OID_CODE_SIGNING, MBEDTLS_OID_SIZE(MBEDTLS_OID_CODE_SIGNING)) !=
              0);
        CHECK(leaf.sig_md == MBEDTLS_MD_SHA256);
        CHECK(mbedtls_pk_get_type(&leaf.pk) == MBEDTLS_PK_ECKEY);
        CHECK(mbedtls_pk_ec(leaf.pk)->grp.id == MBEDTLS_ECP_DP_SECP256R1);
        /* from an hour ago (give or take the test's run) for ten years */
        CHECK(mbedtls_x509_time_is_past(&leaf.valid_from));
        CHECK(leaf.valid_to.year - leaf.valid_from.year == 10);
        time_t now = time(NULL);
        struct tm from = {.tm_year = leaf.valid_from.year - 1900,
                          .tm_mon = leaf.valid_from.mon - 1,
                          .tm_mday = leaf.valid_from.day,
                          .tm_hour = leaf.valid_from.hour,
                          .tm_min = leaf.valid_from.min,
                          .tm_sec = leaf.valid_from.sec};
        time_t t = timegm(&from);
        CHECK(now - t >= 3600 && now - t < 3600 + 300);
        CHECK(leaf.serial.len >= 1 && leaf.serial.len <= 16);
        if (nserials < 2 * TP_ROLE_COUNT) {
            memset(serials[nserials], 0, 32);
            memcpy(serials[nserials++], leaf.serial.p, leaf.serial.len);
        }
        mbedtls_x509_crt_free(&leaf);
    }
    mbedtls_x509_crt_free(&cas);
    CHECK(nserials == 2 * TP_ROLE_COUNT);
    for (size_t i = 0; i < nserials; i++)
        for (size_t j = i + 1; j < nserials; j++) CHECK(memcmp(serials[i], serials[j], 32) != 0);
}

static void each_key_matches_its_certificate_and_nng_takes_both(void)
{
    for (int r = 0; r < TP_ROLE_COUNT; r++) {
        char crt_path[160], key_path[160];
        role_file(crt_path, sizeof crt_path, r, "crt");
        role_file(key_path, sizeof key_path, r, "key");
        char *crt = slurp(crt_path, NULL), *key = slurp(key_path, NULL);
        CHECK(crt && key);
        if (!crt || !key) {
            free(crt);
            free(key);
            continue;
        }
        mbedtls_x509_crt leaf;
        mbedtls_pk_context pk;
        mbedtls_pk_init(&pk);
        CHECK(parse_pem(&leaf, crt) == 1);
        CHECK(mbedtls_pk_parse_key(&pk, (const unsigned char *)key, strlen(key) + 1, NULL, 0) == 0);
        CHECK(mbedtls_pk_check_pair(&leaf.pk, &pk) == 0);
        /* and not another role's key */
        char other_path[160];
        role_file(other_path, sizeof other_path, (r + 1) % TP_ROLE_COUNT, "key");
        char *other = slurp(other_path, NULL);
        mbedtls_pk_context opk;
        mbedtls_pk_init(&opk);
        CHECK(other && mbedtls_pk_parse_key(&opk, (const unsigned char *)other, strlen(other) + 1,
                                            NULL, 0) == 0);
        CHECK(mbedtls_pk_check_pair(&leaf.pk, &opk) != 0);

        nng_tls_config *cfg;
        CHECK(nng_tls_config_alloc(&cfg, NNG_TLS_MODE_SERVER) == 0);
        CHECK(nng_tls_config_own_cert(cfg, crt, key, NULL) == 0);
        nng_tls_config_free(cfg);

        mbedtls_pk_free(&opk);
        mbedtls_pk_free(&pk);
        mbedtls_x509_crt_free(&leaf);
        free(other);
        free(crt);
        free(key);
    }
}

static void a_second_run_refuses_and_changes_nothing(void)
{
    char *names[1 + 2 * TP_ROLE_COUNT];
    char *before[1 + 2 * TP_ROLE_COUNT];
    size_t n = 0;
    char p[160];
    path_of(p, sizeof p, "ca.pem");
    names[n] = strdup(p);
    before[n++] = slurp(p, NULL);
    for (int r = 0; r < TP_ROLE_COUNT; r++) {
        role_file(p, sizeof p, r, "crt");
        names[n] = strdup(p);
        before[n++] = slurp(p, NULL);
        role_file(p, sizeof p, r, "key");
        names[n] = strdup(p);
        before[n++] = slurp(p, NULL);
    }
    run_result res = run_dir(certs_dir());
    CHECK(res.rc == 1);
    char want[256];
    snprintf(want, sizeof want,
             "talksctl: %s already holds bus certificates (ca.pem); remove them to make new "
             "ones\n",
             certs_dir());
    CHECK_STR_EQ(res.err, want);
    CHECK_STR_EQ(res.out, "");
    for (size_t i = 0; i < n; i++) {
        char *after = slurp(names[i], NULL);
        CHECK(before[i] && after && strcmp(before[i], after) == 0);
        free(after);
        free(before[i]);
        free(names[i]);
    }
    int entries = 0;
    DIR *d = opendir(certs_dir());
    for (struct dirent *e; d && (e = readdir(d));)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) entries++;
    if (d) closedir(d);
    CHECK(entries == 1 + 2 * TP_ROLE_COUNT);
}

static void refuses_bad_arguments_and_a_folder_it_cannot_make(void)
{
    certs_dir();
    char *none[] = {"bus-certs", NULL};
    run_result r = run(1, none);
    CHECK(r.rc == 1);
    CHECK_STR_EQ(r.err, "talksctl: usage: talksctl bus-certs DIR\n");
    char *two[] = {"bus-certs", "a", "b", NULL};
    CHECK(run(3, two).rc == 1);
    char *flag[] = {"bus-certs", "--force", NULL};
    CHECK(run(2, flag).rc == 1);

    char dir[160];
    snprintf(dir, sizeof dir, "%s/no/such/parent", tmp_root);
    r = run_dir(dir);
    CHECK(r.rc == 1);
    CHECK(strncmp(r.err, "talksctl: cannot make the folder ", 33) == 0);
    CHECK(strchr(r.err, '\n') == r.err + strlen(r.err) - 1); /* one line */
    CHECK_STR_EQ(r.out, "");
}

static void ca_for_one_role_is_exactly_that_ca(void)
{
    char p[160];
    path_of(p, sizeof p, "ca.pem");
    mbedtls_x509_crt all;
    CHECK(parse_file(&all, p) == TP_ROLE_COUNT);
    for (int r = 0; r < TP_ROLE_COUNT; r++) {
        char *pem = ca_for(TP_ROLE_BIT(r));
        mbedtls_x509_crt got;
        CHECK(parse_pem(&got, pem) == 1);
        char cn[80], want[80];
        cn_of(&got.subject, cn, sizeof cn);
        snprintf(want, sizeof want, "talks-bus-%s", tp_role_name(r));
        CHECK_STR_EQ(cn, want);
        /* the very certificate of the bundle, byte for byte */
        bool same = false;
        for (const mbedtls_x509_crt *c = &all; c && c->raw.p; c = c->next)
            if (c->raw.len == got.raw.len && memcmp(c->raw.p, got.raw.p, c->raw.len) == 0)
                same = true;
        CHECK(same);
        /* text nng takes as a CA chain */
        nng_tls_config *cfg;
        CHECK(nng_tls_config_alloc(&cfg, NNG_TLS_MODE_CLIENT) == 0);
        CHECK(pem && nng_tls_config_ca_chain(cfg, pem, NULL) == 0);
        nng_tls_config_free(cfg);
        mbedtls_x509_crt_free(&got);
        free(pem);
    }
    mbedtls_x509_crt_free(&all);
}

static void ca_for_two_roles_is_those_two(void)
{
    char *pem = ca_for(TP_ROLE_BIT(TP_ROLE_GATEWAY) | TP_ROLE_BIT(TP_ROLE_CTL));
    mbedtls_x509_crt got;
    CHECK(parse_pem(&got, pem) == 2);
    bool gateway = false, ctl = false;
    for (const mbedtls_x509_crt *c = &got; c && c->raw.p; c = c->next) {
        char cn[80];
        cn_of(&c->subject, cn, sizeof cn);
        gateway |= strcmp(cn, "talks-bus-gateway") == 0;
        ctl |= strcmp(cn, "talks-bus-ctl") == 0;
    }
    CHECK(gateway && ctl);
    mbedtls_x509_crt_free(&got);
    free(pem);

    pem = ca_for(TP_ROLES_STACK | TP_ROLE_BIT(TP_ROLE_CTL));
    CHECK(parse_pem(&got, pem) == TP_ROLE_COUNT);
    mbedtls_x509_crt_free(&got);
    free(pem);
}

/* Writes text to <tmp_root>/name and returns its path (static). */
static const char *bundle_file(const char *name, const char *text, size_t len)
{
    static char path[160];
    certs_dir();
    snprintf(path, sizeof path, "%s/%s", tmp_root, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) abort();
    return path;
}

/* A self-signed certificate (PEM, malloc'd) with the given subject, a CA or not, or NULL. */
static char *self_signed(const char *subject, bool ca)
{
    static const char pers[] = "bus_certs test";
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_pk_context key;
    mbedtls_x509write_cert w;
    mbedtls_mpi serial;
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_pk_init(&key);
    mbedtls_x509write_crt_init(&w);
    mbedtls_mpi_init(&serial);
    char *pem = calloc(1, 4096);
    int rc = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
                                   (const unsigned char *)pers, sizeof pers - 1) ||
             mbedtls_pk_setup(&key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) ||
             mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key),
                                 mbedtls_ctr_drbg_random, &drbg) ||
             mbedtls_mpi_lset(&serial, 1);
    mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&w, &key);
    mbedtls_x509write_crt_set_issuer_key(&w, &key);
    rc = rc || mbedtls_x509write_crt_set_serial(&w, &serial) ||
         mbedtls_x509write_crt_set_validity(&w, "20200101000000", "20400101000000") ||
         mbedtls_x509write_crt_set_subject_name(&w, subject) ||
         mbedtls_x509write_crt_set_issuer_name(&w, subject) ||
         mbedtls_x509write_crt_set_basic_constraints(&w, ca, -1) ||
         mbedtls_x509write_crt_pem(&w, (unsigned char *)pem, 4096, mbedtls_ctr_drbg_random, &drbg);
    mbedtls_mpi_free(&serial);
    mbedtls_x509write_crt_free(&w);
    mbedtls_pk_free(&key);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
    if (rc) {
        free(pem);
        return NULL;
    }
    return pem;
}

static void ca_for_a_role_the_bundle_lacks_fails_naming_the_role(void)
{
    char *two = ca_for(TP_ROLE_BIT(TP_ROLE_GATEWAY) | TP_ROLE_BIT(TP_ROLE_AUTH));
    CHECK(two != NULL);
    if (!two) return;
    const char *path = bundle_file("two.pem", two, strlen(two));
    char *pem = (char *)"untouched", err[256] = "";
    CHECK(tp_bus_ca_for(path, TP_ROLE_BIT(TP_ROLE_AUTH), &pem, err, sizeof err) == 0);
    free(pem);
    pem = (char *)"untouched";
    CHECK(tp_bus_ca_for(path, TP_ROLE_BIT(TP_ROLE_AUTH) | TP_ROLE_BIT(TP_ROLE_MAIL), &pem, err,
                        sizeof err) == -1);
    CHECK(pem == NULL);
    CHECK(strstr(err, "role mail") != NULL);
    CHECK(strstr(err, path) != NULL);

    /* a certificate named like svc-mail's CA that is not a CA does not count */
    char *fake = self_signed("CN=talks-bus-mail", false),
         *real = self_signed("CN=talks-bus-mail", true);
    CHECK(fake && real);
    if (fake && real) {
        path = bundle_file("fake.pem", fake, strlen(fake));
        err[0] = '\0';
        CHECK(tp_bus_ca_for(path, TP_ROLE_BIT(TP_ROLE_MAIL), &pem, err, sizeof err) == -1);
        CHECK(strstr(err, "role mail") != NULL);
        path = bundle_file("real.pem", real, strlen(real));
        CHECK(tp_bus_ca_for(path, TP_ROLE_BIT(TP_ROLE_MAIL), &pem, err, sizeof err) == 0);
        free(pem);
    }
    free(fake);
    free(real);
    free(two);
}

static void ca_for_garbage_or_no_file_fails_with_a_reason(void)
{
    char *pem = NULL, err[256] = "";
    const char *path = bundle_file("garbage.pem", "not a certificate\n", 18);
    CHECK(tp_bus_ca_for(path, TP_ROLE_BIT(TP_ROLE_AUTH), &pem, err, sizeof err) == -1);
    CHECK(pem == NULL);
    CHECK(strstr(err, "no certificate") != NULL);

    err[0] = '\0';
    path = bundle_file("empty.pem", "", 0);
    CHECK(tp_bus_ca_for(path, TP_ROLE_BIT(TP_ROLE_AUTH), &pem, err, sizeof err) == -1);
    CHECK(strstr(err, "no certificate") != NULL);

    err[0] = '\0';
    const char *bad = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    path = bundle_file("bad.pem", bad, strlen(bad));
    CHECK(tp_bus_ca_for(path, TP_ROLE_BIT(TP_ROLE_AUTH), &pem, err, sizeof err) == -1);
    CHECK(strstr(err, "no certificate") != NULL);

    err[0] = '\0';
    char missing[160];
    snprintf(missing, sizeof missing, "%s/missing.pem", tmp_root);
    CHECK(tp_bus_ca_for(missing, TP_ROLE_BIT(TP_ROLE_AUTH), &pem, err, sizeof err) == -1);
    CHECK(strstr(err, "cannot read") != NULL && strstr(err, "missing.pem") != NULL);

    /* over 1 MiB: refused before parsing, even made of good certificates */
    char ca_path[160];
    path_of(ca_path, sizeof ca_path, "ca.pem");
    size_t one;
    char *bundle = slurp(ca_path, &one);
    CHECK(bundle != NULL);
    if (bundle) {
        size_t copies = (1024 * 1024) / one + 1, len = copies * one;
        char *big = malloc(len);
        for (size_t i = 0; i < copies; i++) memcpy(big + i * one, bundle, one);
        path = bundle_file("big.pem", big, len);
        err[0] = '\0';
        CHECK(tp_bus_ca_for(path, TP_ROLE_BIT(TP_ROLE_AUTH), &pem, err, sizeof err) == -1);
        CHECK(strstr(err, "1 MiB") != NULL);
        free(big);
        free(bundle);
    }

    err[0] = '\0';
    CHECK(tp_bus_ca_for(ca_path, 0, &pem, err, sizeof err) == -1);
    CHECK(err[0] != '\0');
    CHECK(tp_bus_ca_for(ca_path, 1u << TP_ROLE_COUNT, &pem, err, sizeof err) == -1);
}

/* A TLS config for role me accepting peers of the roles in peers, from the folder's files. */
static nng_tls_config *tls_config(nng_tls_mode mode, enum tp_role me, unsigned peers,
                                  const char *server_name)
{
    char crt_path[160], key_path[160];
    role_file(crt_path, sizeof crt_path, me, "crt");
    role_file(key_path, sizeof key_path, me, "key");
    char *crt = slurp(crt_path, NULL), *key = slurp(key_path, NULL), *ca = ca_for(peers);
    nng_tls_config *cfg = NULL;
    int rc = nng_tls_config_alloc(&cfg, mode);
    rc = rc || !crt || !key || !ca || nng_tls_config_own_cert(cfg, crt, key, NULL) ||
         nng_tls_config_ca_chain(cfg, ca, NULL) ||
         nng_tls_config_auth_mode(cfg, NNG_TLS_AUTH_MODE_REQUIRED) ||
         (server_name && nng_tls_config_server_name(cfg, server_name));
    free(crt);
    free(key);
    free(ca);
    if (rc && cfg) {
        nng_tls_config_free(cfg);
        cfg = NULL;
    }
    return cfg;
}

/* svc-auth listens accepting the gateway; a dialer of role me, trusting the CA of role trusts,
 * connects and asks once. 0 when a reply came back. */
static int tls_exchange(enum tp_role me, enum tp_role trusts)
{
    nng_socket rep, req;
    nng_listener l;
    nng_dialer d;
    nng_tls_config *server =
        tls_config(NNG_TLS_MODE_SERVER, TP_ROLE_AUTH, TP_ROLE_BIT(TP_ROLE_GATEWAY), NULL);
    nng_tls_config *client = tls_config(NNG_TLS_MODE_CLIENT, me, TP_ROLE_BIT(trusts), "talks-auth");
    if (!server || !client) abort();
    int port = 0, result = -1;
    char url[64];
    if (nng_rep0_open(&rep) || nng_req0_open(&req) ||
        nng_listener_create(&l, rep, "tls+tcp://127.0.0.1:0") ||
        nng_listener_set_ptr(l, NNG_OPT_TLS_CONFIG, server) || nng_listener_start(l, 0) ||
        nng_listener_get_int(l, NNG_OPT_TCP_BOUND_PORT, &port))
        abort();
    nng_socket_set_ms(req, NNG_OPT_SENDTIMEO, 3000);
    nng_socket_set_ms(req, NNG_OPT_RECVTIMEO, 3000);
    nng_socket_set_ms(rep, NNG_OPT_RECVTIMEO, 3000);
    snprintf(url, sizeof url, "tls+tcp://127.0.0.1:%d", port);
    if (nng_dialer_create(&d, req, url) || nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, client))
        abort();
    if (nng_dialer_start(d, 0) == 0 && nng_send(req, "ping", 5, 0) == 0) {
        char *buf;
        size_t len;
        if (nng_recv(rep, &buf, &len, NNG_FLAG_ALLOC) == 0) {
            nng_free(buf, len);
            if (nng_send(rep, "pong", 5, 0) == 0 &&
                nng_recv(req, &buf, &len, NNG_FLAG_ALLOC) == 0) {
                result = strcmp(buf, "pong") == 0 ? 0 : -1;
                nng_free(buf, len);
            }
        }
    }
    nng_close(req);
    nng_close(rep);
    nng_tls_config_free(server);
    nng_tls_config_free(client);
    return result;
}

static void mutual_tls_over_nng_lets_in_the_accepted_role_only(void)
{
    certs_dir();
    CHECK(tls_exchange(TP_ROLE_GATEWAY, TP_ROLE_AUTH) == 0);
    /* svc-auth refuses a peer of another role */
    CHECK(tls_exchange(TP_ROLE_MAIL, TP_ROLE_AUTH) != 0);
    CHECK(tls_exchange(TP_ROLE_CTL, TP_ROLE_AUTH) != 0);
    /* and the gateway, expecting svc-talks there, refuses svc-auth's certificate */
    CHECK(tls_exchange(TP_ROLE_GATEWAY, TP_ROLE_TALKS) != 0);
}

static const check_case cases[] = {
    CASE(writes_every_file_with_its_mode_and_nothing_else),
    CASE(says_what_it_wrote),
    CASE(ca_pem_holds_exactly_the_six_role_cas),
    CASE(each_leaf_is_trusted_by_its_own_ca_and_by_no_other),
    CASE(certificates_carry_the_names_and_extensions_asked_for),
    CASE(each_key_matches_its_certificate_and_nng_takes_both),
    CASE(a_second_run_refuses_and_changes_nothing),
    CASE(refuses_bad_arguments_and_a_folder_it_cannot_make),
    CASE(ca_for_one_role_is_exactly_that_ca),
    CASE(ca_for_two_roles_is_those_two),
    CASE(ca_for_a_role_the_bundle_lacks_fails_naming_the_role),
    CASE(ca_for_garbage_or_no_file_fails_with_a_reason),
    CASE(mutual_tls_over_nng_lets_in_the_accepted_role_only),
};

CHECK_MAIN("bus_certs", cases)
