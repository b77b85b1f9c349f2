/* tp_bus_ca: picks, out of the bus's CA bundle (`talksctl bus-certs` writes one CA per role into
 * ca.pem), the CAs of the roles an end of a connection accepts, as PEM text for
 * nng_tls_config_ca_chain. nng 1.5.2 cannot say which certificate a peer presented, so trusting
 * only these CAs is what keeps, say, svc-mail's certificate out of svc-auth's listener.
 *
 * A CA belongs to role r when it is a CA certificate (basicConstraints CA:true) whose subject
 * has exactly one common name and it is "talks-bus-<r>". Several CAs of one role are all kept
 * (a bundle holding the old and the new CA during a rotation). Certificates mbedTLS cannot
 * parse are skipped; a bundle with none it can parse is an error. */
#include "tp_bus.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/x509_crt.h>

#include "tp_buf.h"

#define BUNDLE_MAX (1024 * 1024)
#define CN_PREFIX  "talks-bus-"
#define PEM_BEGIN  "-----BEGIN CERTIFICATE-----\n"
#define PEM_END    "-----END CERTIFICATE-----\n"

/* The whole file, NUL-terminated (mbedtls_x509_crt_parse wants the NUL counted in the length);
 * 0, or -1 with a reason. */
static int read_bundle(const char *path, tp_buf *out, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    for (;;) {
        tp_buf_reserve(out, 65536);
        size_t room = out->cap - out->len - 1;
        ssize_t n = read(fd, out->data + out->len, room);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        if (n == 0) break;
        out->len += (size_t)n;
        out->data[out->len] = '\0';
        if (out->len > BUNDLE_MAX) {
            snprintf(err, errlen, "%s is larger than 1 MiB: not a bundle of bus CAs", path);
            close(fd);
            return -1;
        }
    }
    close(fd);
    if (out->len == 0) tp_buf_reserve(out, 1); /* an empty file: still a "" to parse */
    return 0;
}

/* The role whose CA crt is, or -1. */
static int ca_role(const mbedtls_x509_crt *crt)
{
    if (!crt->ca_istrue) return -1;
    const mbedtls_x509_buf *cn = NULL;
    for (const mbedtls_x509_name *n = &crt->subject; n; n = n->next) {
        if (n->oid.p == NULL || MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) != 0) continue;
        if (cn) return -1; /* two common names: not one of ours */
        cn = &n->val;
    }
    size_t prefix = strlen(CN_PREFIX);
    if (!cn || cn->len <= prefix || memcmp(cn->p, CN_PREFIX, prefix) != 0) return -1;
    return tp_role_by_name((const char *)cn->p + prefix, cn->len - prefix);
}

/* Appends crt's DER as a PEM block. */
static int append_pem(tp_buf *out, const mbedtls_x509_crt *crt, char *err, size_t errlen)
{
    /* base64 is 4/3 of the DER plus a newline every 64 characters, plus the two lines */
    size_t room = crt->raw.len / 3 * 4 + crt->raw.len / 48 + 16 + sizeof PEM_BEGIN + sizeof PEM_END;
    tp_buf_reserve(out, room);
    size_t olen = 0;
    int rc =
        mbedtls_pem_write_buffer(PEM_BEGIN, PEM_END, crt->raw.p, crt->raw.len,
                                 (unsigned char *)out->data + out->len, out->cap - out->len, &olen);
    if (rc != 0 || olen == 0) {
        snprintf(err, errlen, "cannot write a CA as PEM (mbedTLS error -0x%04x)", (unsigned)-rc);
        return -1;
    }
    out->len += olen - 1; /* olen counts the NUL mbedTLS wrote */
    return 0;
}

int tp_bus_ca_for(const char *bundle, unsigned roles, char **pem, char *err, size_t errlen)
{
    *pem = NULL;
    if (roles == 0 || (roles & ~((1u << TP_ROLE_COUNT) - 1u)) != 0) {
        snprintf(err, errlen, "no role or an unknown role asked of %s (mask 0x%x)", bundle, roles);
        return -1;
    }
    tp_buf file = TP_BUF_INIT;
    if (read_bundle(bundle, &file, err, errlen) != 0) {
        tp_buf_free(&file);
        return -1;
    }
    mbedtls_x509_crt chain;
    mbedtls_x509_crt_init(&chain);
    int rc = mbedtls_x509_crt_parse(&chain, (const unsigned char *)file.data, file.len + 1);
    tp_buf_free(&file);
    if (rc < 0 || chain.raw.p == NULL) {
        snprintf(err, errlen, "%s holds no certificate mbedTLS can parse (error -0x%04x)", bundle,
                 rc < 0 ? (unsigned)-rc : 0u);
        mbedtls_x509_crt_free(&chain);
        return -1;
    }

    tp_buf out = TP_BUF_INIT;
    unsigned found = 0;
    for (const mbedtls_x509_crt *c = &chain; c && c->raw.p; c = c->next) {
        int r = ca_role(c);
        if (r < 0 || !(roles & TP_ROLE_BIT(r))) continue;
        if (append_pem(&out, c, err, errlen) != 0) {
            tp_buf_free(&out);
            mbedtls_x509_crt_free(&chain);
            return -1;
        }
        found |= TP_ROLE_BIT(r);
    }
    mbedtls_x509_crt_free(&chain);

    for (int r = 0; r < TP_ROLE_COUNT; r++) {
        if ((roles & TP_ROLE_BIT(r)) && !(found & TP_ROLE_BIT(r))) {
            snprintf(err, errlen, "%s has no CA for role %s (a CA certificate with CN %s%s)",
                     bundle, tp_role_name(r), CN_PREFIX, tp_role_name(r));
            tp_buf_free(&out);
            return -1;
        }
    }
    *pem = tp_buf_take(&out, NULL);
    return 0;
}
