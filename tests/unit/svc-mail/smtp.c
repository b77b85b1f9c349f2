/* Unit tests for svc-mail/smtp.c: .eml files hold exactly the message; a dead server fails fast
 * with a reason; a real one (aiosmtpd, when installed) accepts messages and its refusals carry
 * the reply code. */
#include "smtp.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "message.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void build(tp_buf *out, const char *subject, const char *text)
{
    if (sodium_init() < 0) abort();
    mail_message m = {.from_name = "Talks",
                      .from_addr = "talks@talks.example",
                      .to_addr = "ada@example.org",
                      .subject = subject,
                      .text = text,
                      .date = time(NULL)};
    if (mail_message_build(&m, out) != 0) abort();
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    tp_buf b = TP_BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) tp_buf_append(&b, chunk, n);
    fclose(f);
    tp_buf_puts(&b, "");
    return tp_buf_take(&b, len);
}

/* "<digits>-<16 hex>.eml" */
static bool eml_name_ok(const char *name)
{
    size_t digits = strspn(name, "0123456789");
    if (digits == 0 || name[digits] != '-') return false;
    const char *hex = name + digits + 1;
    return strspn(hex, "0123456789abcdef") == 16 && strcmp(hex + 16, ".eml") == 0;
}

/* Names in dir, except . and ..; returns how many, the last one copied into last. */
static int list_dir(const char *dir, char *last, size_t lastlen)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(last, lastlen, "%s", e->d_name);
        n++;
    }
    closedir(d);
    return n;
}

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        tp_buf p = TP_BUF_INIT;
        tp_buf_printf(&p, "%s/%s", dir, e->d_name);
        if (unlink(p.data) != 0) remove_tree(p.data);
        tp_buf_free(&p);
    }
    closedir(d);
    rmdir(dir);
}

static void eml_mode_writes_a_file_equal_to_the_message(void)
{
    char base[] = "/tmp/talks-smtp-test-XXXXXX", err[256] = "";
    CHECK(mkdtemp(base) != NULL);
    tp_buf dir = TP_BUF_INIT;
    tp_buf_printf(&dir, "%s/mail", base); /* does not exist yet */
    mail_sender *s = mail_sender_new(NULL, NULL, NULL, dir.data, err, sizeof err);
    CHECK(s != NULL);
    if (!s) return;
    tp_buf msg = TP_BUF_INIT;
    build(&msg, "Ünïcödé subject", "Hello\n.\nBye\n");
    CHECK(mail_sender_send(s, "talks@talks.example", "ada@example.org", &msg, err, sizeof err) ==
          0);
    char name[256] = "";
    CHECK(list_dir(dir.data, name, sizeof name) == 1); /* no temporary file left behind */
    CHECK(eml_name_ok(name));
    tp_buf path = TP_BUF_INIT;
    tp_buf_printf(&path, "%s/%s", dir.data, name);
    size_t len = 0;
    char *content = read_file(path.data, &len);
    CHECK(content && len == msg.len && memcmp(content, msg.data, len) == 0);
    free(content);

    mail_sender_close_connection(s); /* nothing to close in .eml mode */
    CHECK(mail_sender_send(s, "talks@talks.example", "ada@example.org", &msg, err, sizeof err) ==
          0);
    CHECK(list_dir(dir.data, name, sizeof name) == 2);
    mail_sender_free(s);
    tp_buf_free(&path);
    tp_buf_free(&msg);
    tp_buf_free(&dir);
    remove_tree(base);
}

static void an_unusable_eml_dir_or_url_is_refused_at_start(void)
{
    char err[256] = "";
    CHECK(mail_sender_new(NULL, NULL, NULL, "/proc/self/no-such-dir", err, sizeof err) == NULL);
    CHECK(err[0] != '\0');
    err[0] = '\0';
    CHECK(mail_sender_new("", NULL, NULL, "/dev/null", err, sizeof err) == NULL);
    CHECK(err[0] != '\0');
    err[0] = '\0';
    CHECK(mail_sender_new(NULL, NULL, NULL, NULL, err, sizeof err) == NULL);
    CHECK(err[0] != '\0');
    err[0] = '\0';
    CHECK(mail_sender_new("http://127.0.0.1:25", NULL, NULL, NULL, err, sizeof err) == NULL);
    CHECK(strstr(err, "smtp://") != NULL);
    mail_sender *s = mail_sender_new("SMTPS://mail.example:465", "u", "p", NULL, err, sizeof err);
    CHECK(s != NULL);
    mail_sender_free(s);
}

static void bad_envelope_addresses_are_refused(void)
{
    char base[] = "/tmp/talks-smtp-test-XXXXXX", err[256] = "";
    CHECK(mkdtemp(base) != NULL);
    mail_sender *s = mail_sender_new(NULL, NULL, NULL, base, err, sizeof err);
    CHECK(s != NULL);
    if (!s) return;
    tp_buf msg = TP_BUF_INIT;
    build(&msg, "Hi", "Hi");
    CHECK(mail_sender_send(s, "talks@talks.example", "ada@example.org>\r\nRCPT TO:<eve@x.y", &msg,
                           err, sizeof err) == -1);
    CHECK(err[0] != '\0');
    CHECK(mail_sender_send(s, "<talks@talks.example>", "ada@example.org", &msg, err, sizeof err) ==
          -1);
    char name[256];
    CHECK(list_dir(base, name, sizeof name) == 0);
    mail_sender_free(s);
    tp_buf_free(&msg);
    remove_tree(base);
}

/* A port on 127.0.0.1 that was free a moment ago. */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        abort();
    close(fd);
    return ntohs(a.sin_port);
}

static bool port_accepts(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    if (fd >= 0) close(fd);
    return ok;
}

static void an_unreachable_server_fails_quickly_with_a_reason(void)
{
    char url[64], err[256] = "";
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", free_port());
    mail_sender *s = mail_sender_new(url, NULL, NULL, NULL, err, sizeof err);
    CHECK(s != NULL);
    if (!s) return;
    tp_buf msg = TP_BUF_INIT;
    build(&msg, "Hi", "Hi");
    double t0 = now_s();
    CHECK(mail_sender_send(s, "talks@talks.example", "ada@example.org", &msg, err, sizeof err) ==
          -1);
    CHECK(now_s() - t0 < 5.0);
    CHECK(strncmp(err, "SMTP: ", 6) == 0 && strlen(err) > 6);
    CHECK(mail_sender_send(s, "talks@talks.example", "ada@example.org", &msg, err, sizeof err) ==
          -1); /* and again, on the same sender */
    mail_sender_close_connection(s);
    mail_sender_free(s);
    tp_buf_free(&msg);
}

/* aiosmtpd's Debugging handler prints each accepted message to its stdout (here a log file). */
static pid_t start_aiosmtpd(int port, const char *log_path)
{
    char listen[32];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    fflush(stdout); /* else the child's freopen would print our buffered lines again */
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        FILE *log = freopen(log_path, "w", stdout);
        if (!log || dup2(STDOUT_FILENO, STDERR_FILENO) < 0) _exit(126);
        setenv("PYTHONUNBUFFERED", "1", 1);
        execl("/usr/bin/python3", "python3", "-m", "aiosmtpd", "-n", "-s", "4000", "-l", listen,
              (char *)NULL);
        _exit(127);
    }
    return pid;
}

static int count_occurrences(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle)) n++;
    return n;
}

static void a_local_smtp_server_accepts_messages_and_its_refusals_carry_the_code(void)
{
    if (access("/usr/bin/python3", X_OK) != 0 ||
        system("/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1") != 0) {
        printf("  skipped: /usr/bin/python3 -m aiosmtpd is not installed\n");
        return;
    }
    char base[] = "/tmp/talks-smtp-test-XXXXXX", err[256] = "";
    CHECK(mkdtemp(base) != NULL);
    tp_buf log_path = TP_BUF_INIT;
    tp_buf_printf(&log_path, "%s/aiosmtpd.log", base);
    int port = free_port();
    pid_t pid = start_aiosmtpd(port, log_path.data);
    CHECK(pid > 0);
    if (pid <= 0) return;
    bool up = false;
    for (double t0 = now_s(); !up && now_s() - t0 < 15.0;) {
        up = port_accepts(port);
        if (!up && waitpid(pid, NULL, WNOHANG) == pid) break;
        if (!up) nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
    }
    if (!up) fprintf(stderr, "  aiosmtpd did not listen on %d within 15 s\n", port);
    CHECK(up);

    char url[64];
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", port);
    mail_sender *s = mail_sender_new(url, NULL, NULL, NULL, err, sizeof err);
    CHECK(s != NULL);
    tp_buf one = TP_BUF_INIT, two = TP_BUF_INIT, big = TP_BUF_INIT;
    build(&one, "smtp test one", "First.\n.\n");
    build(&two, "smtp test two", "Second.\n");
    char *filler = malloc(8001);
    memset(filler, 'x', 8000);
    filler[8000] = '\0';
    build(&big, "smtp test big", filler); /* over the server's 4000-byte limit */
    free(filler);
    if (up && s) {
        const char *from = "talks@talks.example", *to = "ada@example.org";
        CHECK(mail_sender_send(s, from, to, &one, err, sizeof err) == 0);
        CHECK(mail_sender_send(s, from, to, &two, err, sizeof err) == 0);
        mail_sender_close_connection(s);
        err[0] = '\0';
        CHECK(mail_sender_send(s, from, to, &big, err, sizeof err) == -1);
        if (!strstr(err, "(server replied 552)")) fprintf(stderr, "  err: %s\n", err);
        CHECK(strstr(err, "(server replied 552)") != NULL);
        printf("  refusal reads: %s\n", err);
        CHECK(mail_sender_send(s, from, to, &one, err, sizeof err) == 0); /* still usable */
        mail_sender_close_connection(s);
    }
    mail_sender_free(s);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);

    char *log = read_file(log_path.data, NULL);
    CHECK(log != NULL);
    if (log) {
        CHECK(count_occurrences(log, "Subject: smtp test one") == 2);
        CHECK(count_occurrences(log, "Subject: smtp test two") == 1);
        CHECK(count_occurrences(log, "Subject: smtp test big") == 0);
        CHECK(strstr(log, "ada@example.org") != NULL);
    }
    free(log);
    tp_buf_free(&one);
    tp_buf_free(&two);
    tp_buf_free(&big);
    tp_buf_free(&log_path);
    remove_tree(base);
}

static const check_case cases[] = {
    {"eml_mode_writes_a_file_equal_to_the_message", eml_mode_writes_a_file_equal_to_the_message},
    {"an_unusable_eml_dir_or_url_is_refused_at_start",
     an_unusable_eml_dir_or_url_is_refused_at_start},
    {"bad_envelope_addresses_are_refused", bad_envelope_addresses_are_refused},
    {"an_unreachable_server_fails_quickly_with_a_reason",
     an_unreachable_server_fails_quickly_with_a_reason},
    {"a_local_smtp_server_accepts_messages_and_its_refusals_carry_the_code",
     a_local_smtp_server_accepts_messages_and_its_refusals_carry_the_code},
};

int main(void)
{
    return check_main("mail-smtp", cases, sizeof cases / sizeof cases[0]);
}
