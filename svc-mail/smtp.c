/* smtp: delivery of one built message to one recipient, by SMTP (libcurl) or as an .eml file.
 *
 * Design notes: one easy handle lives as long as the connection it caches. Sends within a flush
 * reuse it (one TCP/TLS session, one login); mail_sender_close_connection drops it, which sends
 * QUIT, and the next send builds a fresh one. So a flush never keeps a connection idle past its
 * end, and a server that dropped us between flushes costs no failed send. 0 from send means the
 * message is someone else's responsibility now (the server's 250, or a file on disk that a crash
 * cannot leave half-written); anything else is -1 and the caller keeps the message to retry. */
#include "smtp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "message.h"
#include "tp_curl.h"

#define CONNECT_TIMEOUT_S 10L
#define TOTAL_TIMEOUT_S   30L

struct mail_sender {
    char *url;      /* NULL: .eml mode */
    char *username; /* NULL: no login */
    char *password;
    bool implicit_tls; /* smtps:// */
    char *eml_dir;
    const tp_curl *lib; /* libcurl, loaded when SMTP_URL is set */
    CURL *curl;         /* NULL between flushes */
};

struct upload {
    const char *data;
    size_t len, pos;
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

mail_sender *mail_sender_new(const char *url, const char *username, const char *password,
                             const char *eml_dir, char *err, size_t errlen)
{
    mail_sender *s = tp_xcalloc(1, sizeof *s);
    if (url && *url) {
        bool smtps = strncasecmp(url, "smtps://", 8) == 0;
        if (!smtps && strncasecmp(url, "smtp://", 7) != 0) {
            set_err(err, errlen, "SMTP_URL must start with smtp:// or smtps://");
            free(s);
            return NULL;
        }
        char why[200];
        if (!(s->lib = tp_curl_load(why, sizeof why))) {
            set_err(err, errlen, "SMTP_URL is set, but %s", why);
            free(s);
            return NULL;
        }
        s->url = tp_xstrdup(url);
        s->implicit_tls = smtps;
        if (username && *username) {
            s->username = tp_xstrdup(username);
            s->password = tp_xstrdup(password ? password : "");
        }
        return s;
    }
    if (!eml_dir || !*eml_dir) {
        set_err(err, errlen, "no SMTP_URL and no directory for .eml files");
        free(s);
        return NULL;
    }
    struct stat st;
    if (mkdir(eml_dir, 0700) != 0 && errno != EEXIST) {
        set_err(err, errlen, "cannot create %s: %s", eml_dir, strerror(errno));
        free(s);
        return NULL;
    }
    if (stat(eml_dir, &st) != 0 || !S_ISDIR(st.st_mode) || access(eml_dir, W_OK | X_OK) != 0) {
        set_err(err, errlen, "%s is not a writable directory", eml_dir);
        free(s);
        return NULL;
    }
    s->eml_dir = tp_xstrdup(eml_dir);
    return s;
}

static size_t read_message(char *buf, size_t size, size_t nitems, void *userdata)
{
    struct upload *up = userdata;
    size_t n = size * nitems, left = up->len - up->pos;
    if (n > left) n = left;
    memcpy(buf, up->data + up->pos, n);
    up->pos += n;
    return n;
}

/* A handle with everything but the envelope and the body set; NULL if libcurl refused. */
static CURL *open_handle(const mail_sender *s)
{
    CURL *c = s->lib->easy_init();
    if (!c) return NULL;
    bool ok = true;
#define SET(opt, val) ok = ok && s->lib->easy_setopt(c, opt, val) == CURLE_OK
    SET(CURLOPT_URL, s->url);
    SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps"); /* SMTP_URL cannot turn this into a file read */
    SET(CURLOPT_USE_SSL, (long)(s->implicit_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY));
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
    SET(CURLOPT_TIMEOUT, TOTAL_TIMEOUT_S);
    SET(CURLOPT_UPLOAD, 1L);
    SET(CURLOPT_READFUNCTION, read_message);
    if (s->username) {
        SET(CURLOPT_USERNAME, s->username);
        SET(CURLOPT_PASSWORD, s->password);
    }
#undef SET
    if (!ok) {
        s->lib->easy_cleanup(c);
        return NULL;
    }
    return c;
}

static int send_smtp(mail_sender *s, const char *from_addr, const char *to_addr,
                     const tp_buf *message, char *err, size_t errlen)
{
    if (!s->curl && !(s->curl = open_handle(s))) {
        set_err(err, errlen, "SMTP: libcurl could not set up a transfer");
        return -1;
    }
    char from[MAIL_ADDRESS_MAX + 3], to[MAIL_ADDRESS_MAX + 3];
    snprintf(from, sizeof from, "<%s>", from_addr);
    snprintf(to, sizeof to, "<%s>", to_addr);
    struct curl_slist *rcpt = s->lib->slist_append(NULL, to);
    struct upload up = {message->data, message->len, 0};
    char detail[CURL_ERROR_SIZE] = "";
    CURL *c = s->curl;
    CURLcode rc = CURLE_OUT_OF_MEMORY;
    if (rcpt && s->lib->easy_setopt(c, CURLOPT_MAIL_FROM, from) == CURLE_OK &&
        s->lib->easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt) == CURLE_OK &&
        s->lib->easy_setopt(c, CURLOPT_READDATA, &up) == CURLE_OK &&
        s->lib->easy_setopt(c, CURLOPT_ERRORBUFFER, detail) == CURLE_OK)
        rc = s->lib->easy_perform(c);
    long code = 0;
    if (s->lib->easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK) code = 0;
    /* Nothing may point at this frame once it returns. */
    bool unset = s->lib->easy_setopt(c, CURLOPT_MAIL_RCPT, (struct curl_slist *)NULL) == CURLE_OK &&
                 s->lib->easy_setopt(c, CURLOPT_READDATA, (void *)NULL) == CURLE_OK &&
                 s->lib->easy_setopt(c, CURLOPT_ERRORBUFFER, (char *)NULL) == CURLE_OK;
    s->lib->slist_free_all(rcpt);
    if (!unset) mail_sender_close_connection(s);
    if (rc == CURLE_OK) return 0;
    const char *why = detail[0] ? detail : s->lib->easy_strerror(rc);
    if (code >= 400)
        set_err(err, errlen, "SMTP: %s (server replied %ld)", why, code);
    else
        set_err(err, errlen, "SMTP: %s", why);
    return -1;
}

static bool write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static int send_eml(mail_sender *s, const tp_buf *message, char *err, size_t errlen)
{
    unsigned char raw[8];
    char hex[sizeof raw * 2 + 1];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
    tp_buf final_path = TP_BUF_INIT, tmp_path = TP_BUF_INIT;
    tp_buf_printf(&final_path, "%s/%lld-%s.eml", s->eml_dir, (long long)time(NULL), hex);
    tp_buf_printf(&tmp_path, "%s/.%s.tmp", s->eml_dir, hex);

    int rc = -1;
    int fd = open(tmp_path.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        set_err(err, errlen, "cannot create %s: %s", tmp_path.data, strerror(errno));
        goto done;
    }
    bool written = write_all(fd, message->data, message->len) && fsync(fd) == 0;
    int saved = errno;
    if (close(fd) != 0 && written) {
        written = false;
        saved = errno;
    }
    if (!written) {
        set_err(err, errlen, "cannot write %s: %s", tmp_path.data, strerror(saved));
        unlink(tmp_path.data);
        goto done;
    }
    if (rename(tmp_path.data, final_path.data) != 0) {
        set_err(err, errlen, "cannot rename to %s: %s", final_path.data, strerror(errno));
        unlink(tmp_path.data);
        goto done;
    }
    /* The rename is durable only once the directory is. */
    int dir = open(s->eml_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0 || fsync(dir) != 0) {
        set_err(err, errlen, "cannot sync %s: %s", s->eml_dir, strerror(errno));
        if (dir >= 0) close(dir);
        goto done;
    }
    if (close(dir) != 0) {
        set_err(err, errlen, "cannot sync %s: %s", s->eml_dir, strerror(errno));
        goto done;
    }
    rc = 0;
done:
    tp_buf_free(&final_path);
    tp_buf_free(&tmp_path);
    return rc;
}

int mail_sender_send(mail_sender *s, const char *from_addr, const char *to_addr,
                     const tp_buf *message, char *err, size_t errlen)
{
    if (!mail_address_valid(from_addr) || !mail_address_valid(to_addr)) {
        set_err(err, errlen, "not a plain address: sender or recipient");
        return -1;
    }
    if (!message || message->len == 0) {
        set_err(err, errlen, "empty message");
        return -1;
    }
    if (!s->url) return send_eml(s, message, err, errlen);
    return send_smtp(s, from_addr, to_addr, message, err, errlen);
}

void mail_sender_close_connection(mail_sender *s)
{
    if (s && s->curl) {
        s->lib->easy_cleanup(s->curl); /* sends QUIT on the cached connection */
        s->curl = NULL;
    }
}

void mail_sender_free(mail_sender *s)
{
    if (!s) return;
    mail_sender_close_connection(s);
    if (s->password) sodium_memzero(s->password, strlen(s->password));
    free(s->url);
    free(s->username);
    free(s->password);
    free(s->eml_dir);
    free(s);
}
