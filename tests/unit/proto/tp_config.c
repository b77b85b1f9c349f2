/* Unit tests for proto/tp_config.c. Each case runs in its own mkdtemp directory (tp_config_load
 * reads ./.env) with every setting removed from the environment first. Values read from .env stay
 * in tp_config's table until the next tp_config_load, which reads the new .env. */
#include "tp_config.h"

#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../check.h"
#include "tp_log.h"

static char home[PATH_MAX];
static char dir[PATH_MAX];

static void clear_environment(void)
{
    for (int i = 0; i < TP_SETTING_COUNT; i++) unsetenv(tp_config_name((enum tp_setting)i));
}

/* chdir into a fresh temporary directory with a clean environment. */
static void enter_temp_dir(void)
{
    if (!*home && !getcwd(home, sizeof home)) abort();
    snprintf(dir, sizeof dir, "/tmp/tp_config.XXXXXX");
    if (!mkdtemp(dir) || chdir(dir) != 0) {
        perror("temp dir");
        abort();
    }
    clear_environment();
    if (sodium_init() < 0) abort();
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void leave_temp_dir(void)
{
    if (chdir(home) != 0 || nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0) {
        perror("cleanup");
        abort();
    }
    clear_environment();
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

/* Writes .env and loads it; returns tp_config_load's result with its message in err. */
static int load(const char *dotenv, char *err, size_t errlen)
{
    write_file(".env", dotenv);
    err[0] = '\0';
    return tp_config_load(err, errlen);
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- .env ---- */

static void dotenv_sets_values_and_skips_comments_and_blank_lines(void)
{
    enter_temp_dir();
    char err[256];
    CHECK(load("# a comment\n"
               "   # an indented comment\n"
               "\n"
               "   \t\n"
               "TALKS_PER_PAGE=7\n"
               "  COMMENTS_PER_PAGE=9\n"
               "MAIL_PASSWORD=a=b=c\n"
               "MAIL_ADMIN=admin@example.com\r\n"
               "MAIL_USERNAME=\n"
               "TALKS_BUS_TIMEOUT_MS=900",
               err, sizeof err) == 0);
    CHECK_STR_EQ(tp_config_get(TALKS_PER_PAGE), "7");
    CHECK_STR_EQ(tp_config_get(COMMENTS_PER_PAGE), "9");
    CHECK_STR_EQ(tp_config_get(MAIL_PASSWORD), "a=b=c");
    CHECK_STR_EQ(tp_config_get(MAIL_ADMIN), "admin@example.com");
    CHECK_STR_EQ(tp_config_get(MAIL_USERNAME), "");
    CHECK_STR_EQ(tp_config_get(TALKS_BUS_TIMEOUT_MS), "900");
    leave_temp_dir();
}

static void dotenv_accepts_export_and_strips_matching_quotes(void)
{
    enter_temp_dir();
    char err[256];
    CHECK(load("export MAIL_SENDER=\"Talks <talks@example.com>\"\n"
               "SMTP_URL='smtp://mail.example.com:25'\n"
               "TALKS_BUS_AUTH=\"tcp://127.0.0.1:9101'\n"
               "TALKS_BUS_TALKS=\"\n"
               "TALKS_BUS_COMMENTS=\"\"\n",
               err, sizeof err) == 0);
    CHECK_STR_EQ(tp_config_get(MAIL_SENDER), "Talks <talks@example.com>");
    CHECK_STR_EQ(tp_config_get(SMTP_URL), "smtp://mail.example.com:25");
    CHECK_STR_EQ(tp_config_get(TALKS_BUS_AUTH), "\"tcp://127.0.0.1:9101'"); /* not a pair */
    CHECK_STR_EQ(tp_config_get(TALKS_BUS_TALKS), "\"");
    CHECK_STR_EQ(tp_config_get(TALKS_BUS_COMMENTS), "");
    leave_temp_dir();
}

static void environment_wins_over_dotenv(void)
{
    enter_temp_dir();
    char err[256];
    CHECK(load("TALKS_WORKERS=3\n", err, sizeof err) == 0);
    CHECK_STR_EQ(tp_config_get(TALKS_WORKERS), "3");
    setenv("TALKS_WORKERS", "8", 1);
    CHECK_STR_EQ(tp_config_get(TALKS_WORKERS), "8");
    CHECK(load("TALKS_WORKERS=5\n", err, sizeof err) == 0);
    CHECK_STR_EQ(tp_config_get(TALKS_WORKERS), "8");
    unsetenv("TALKS_WORKERS");
    CHECK_STR_EQ(tp_config_get(TALKS_WORKERS), "5");
    leave_temp_dir();
}

static void dotenv_ignores_unknown_keys_and_keys_that_differ_in_case(void)
{
    enter_temp_dir();
    char err[256];
    CHECK(load("talks_trusted_proxy=10.0.0.1\n"
               "TALKS_TRUSTED_PROXYX=10.0.0.2\n"
               "X_TALKS_TRUSTED_PROXY=10.0.0.3\n"
               "POSTGRES_PASSWORD=whatever\n",
               err, sizeof err) == 0);
    CHECK_STR_EQ(tp_config_get(TALKS_TRUSTED_PROXY), "");
    CHECK_STR_EQ(tp_config_get(TALKS_HTTP_ADDR), "127.0.0.1:8080");
    leave_temp_dir();
}

static void dotenv_line_without_equals_is_an_error_naming_its_line(void)
{
    enter_temp_dir();
    char err[256];
    CHECK(load("TALKS_PUBLIC_URL=http://a\n\n# comment\nJUSTAKEY\nMAIL_FLUSH_SECONDS=1\n", err,
               sizeof err) == -1);
    CHECK_STR_EQ(err, ".env:4: expected KEY=VALUE");
    CHECK(load("export TALKS_PUBLIC_URL\n", err, sizeof err) == -1);
    CHECK_STR_EQ(err, ".env:1: expected KEY=VALUE");
    leave_temp_dir();
}

static void dotenv_line_over_4095_bytes_is_an_error(void)
{
    enter_temp_dir();
    char text[5000], err[256];
    memset(text, 'x', sizeof text);
    memcpy(text, "\nMAIL_USERNAME=", 15);
    text[sizeof text - 1] = '\0';
    CHECK(load(text, err, sizeof err) == -1);
    CHECK_STR_EQ(err, ".env:2: line too long");
    leave_temp_dir();
}

static void missing_dotenv_file_is_not_an_error(void)
{
    enter_temp_dir();
    char err[64] = "untouched";
    CHECK(tp_config_load(err, sizeof err) == 0);
    CHECK_STR_EQ(err, "untouched");
    CHECK_STR_EQ(tp_config_get(TALKS_ENV), "development");
    CHECK(!tp_config_is_production());
    leave_temp_dir();
}

static void settings_table_names_every_setting_with_a_doc(void)
{
    CHECK_STR_EQ(tp_config_name(TALKS_PER_PAGE), "TALKS_PER_PAGE");
    CHECK_STR_EQ(tp_config_default(TALKS_PER_PAGE), "50");
    CHECK_STR_EQ(tp_config_default(COMMENTS_PER_PAGE), "100");
    CHECK_STR_EQ(tp_config_default(TALKS_DATA_DIR), "./var");
    for (int i = 0; i < TP_SETTING_COUNT; i++) {
        CHECK(tp_config_name((enum tp_setting)i)[0] != '\0');
        CHECK(tp_config_doc((enum tp_setting)i)[0] != '\0');
        CHECK(tp_config_default((enum tp_setting)i) != NULL);
    }
}

/* ---- where values come from, unknown variables, TALKS_LOG_LEVEL ---- */

static void each_value_says_where_it_comes_from(void)
{
    enter_temp_dir();
    char err[256];
    CHECK(load("TALKS_PER_PAGE=7\nCOMMENTS_PER_PAGE=9\n", err, sizeof err) == 0);
    setenv("COMMENTS_PER_PAGE", "11", 1);
    CHECK(tp_config_source(TALKS_PER_PAGE) == TP_SOURCE_DOTENV);
    CHECK(tp_config_source(COMMENTS_PER_PAGE) == TP_SOURCE_ENVIRONMENT);
    CHECK(tp_config_source(MAIL_SENDER) == TP_SOURCE_DEFAULT);
    setenv("SMTP_URL", "", 1); /* set, and empty: still the environment's */
    CHECK(tp_config_source(SMTP_URL) == TP_SOURCE_ENVIRONMENT);
    CHECK_STR_EQ(tp_config_source_name(TP_SOURCE_DEFAULT), "default");
    CHECK_STR_EQ(tp_config_source_name(TP_SOURCE_DOTENV), ".env");
    CHECK_STR_EQ(tp_config_source_name(TP_SOURCE_ENVIRONMENT), "environment");
    CHECK(tp_config_is_secret(SECRET_KEY) && tp_config_is_secret(MAIL_PASSWORD));
    CHECK(!tp_config_is_secret(MAIL_USERNAME) && !tp_config_is_secret(SMTP_URL));
    leave_temp_dir();
}

static void the_closest_setting_is_suggested_only_when_it_is_close(void)
{
    CHECK_STR_EQ(tp_config_closest("TALKS_PER_PAG"), "TALKS_PER_PAGE");
    CHECK_STR_EQ(tp_config_closest("talks_per_page"), "TALKS_PER_PAGE");
    CHECK_STR_EQ(tp_config_closest("TALKS_LOGLEVEL"), "TALKS_LOG_LEVEL");
    CHECK_STR_EQ(tp_config_closest("TALKS_WORKER"), "TALKS_WORKERS");
    CHECK_STR_EQ(tp_config_closest("TALKS_DATADIR"), "TALKS_DATA_DIR");
    CHECK(tp_config_closest("TALKS_DEBUG") == NULL);
    CHECK(tp_config_closest("TALKS_X") == NULL);
    CHECK(tp_config_closest("") == NULL);
    char longname[200];
    memset(longname, 'A', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    CHECK(tp_config_closest(longname) == NULL);
}

/* tp_config_load's unknowns as "NAME(where)>suggestion" lines, sorted as found. */
static const char *unknowns_text(void)
{
    static char text[1024];
    const tp_config_unknown *u;
    size_t n = tp_config_unknowns(&u), at = 0;
    text[0] = '\0';
    for (size_t i = 0; i < n && at < sizeof text; i++)
        at += (size_t)snprintf(text + at, sizeof text - at, "%s(%s)>%s\n", u[i].name,
                               tp_config_source_name(u[i].where),
                               u[i].suggestion ? u[i].suggestion : "-");
    return text;
}

/* Runs load with stderr caught in a file; returns what was written (static). */
static const char *load_catching_stderr(const char *dotenv, int *rc)
{
    static char text[2048];
    char err[256];
    FILE *f = tmpfile();
    int saved = dup(STDERR_FILENO);
    if (!f || saved < 0 || dup2(fileno(f), STDERR_FILENO) < 0) abort();
    *rc = load(dotenv, err, sizeof err);
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

static void an_unknown_talks_variable_is_one_warning_line_with_a_suggestion(void)
{
    enter_temp_dir();
    int rc;
    setenv("TALKS_PER_PAG", "20", 1);
    const char *out = load_catching_stderr("TALKS_LOGLEVEL=debug\nOTHER_TOOL=1\n", &rc);
    CHECK(rc == 0);
    CHECK_STR_EQ(unknowns_text(), "TALKS_LOGLEVEL(.env)>TALKS_LOG_LEVEL\n"
                                  "TALKS_PER_PAG(environment)>TALKS_PER_PAGE\n");
    const char *line2 = strchr(out, '\n');
    CHECK(line2 && strchr(line2 + 1, '\n') && !strchr(strchr(line2 + 1, '\n') + 1, '\n'));
    CHECK(strstr(out, "level=warn msg=\"TALKS_PER_PAG (environment) is not a setting (did you "
                      "mean TALKS_PER_PAGE?); it is ignored\"\n") != NULL);
    CHECK(strstr(out, "TALKS_LOGLEVEL (.env) is not a setting (did you mean TALKS_LOG_LEVEL?)"));
    CHECK_STR_EQ(tp_config_get(TALKS_PER_PAGE), "50"); /* the typo changed nothing */
    unsetenv("TALKS_PER_PAG");
    leave_temp_dir();
}

static void known_names_and_the_tools_names_are_not_reported(void)
{
    enter_temp_dir();
    int rc;
    setenv("TALKS_BIN", "/somewhere", 1);
    setenv("TALKS_WORKERS", "2", 1);
    setenv("TALKS_SOMETHING_ELSE_ENTIRELY", "1", 1);
    const char *out = load_catching_stderr(
        "TALKS_PORT=8080\nTALKS_BIND=127.0.0.1\nTALKS_IMAGE=t\nTALKS_BACKUP_DIR=b\n", &rc);
    CHECK(rc == 0);
    CHECK_STR_EQ(unknowns_text(), "TALKS_SOMETHING_ELSE_ENTIRELY(environment)>-\n");
    CHECK(strstr(out, "TALKS_SOMETHING_ELSE_ENTIRELY (environment) is not a setting; it is "
                      "ignored") != NULL);
    unsetenv("TALKS_BIN");
    unsetenv("TALKS_SOMETHING_ELSE_ENTIRELY");
    /* Loaded again: the list is this load's. */
    out = load_catching_stderr("", &rc);
    CHECK(rc == 0 && *unknowns_text() == '\0' && *out == '\0');
    leave_temp_dir();
}

static void log_level_is_read_and_a_bad_one_is_an_error(void)
{
    enter_temp_dir();
    char err[256];
    CHECK(load("TALKS_LOG_LEVEL=debug\n", err, sizeof err) == 0);
    CHECK(tp_log_enabled(TP_DEBUG));
    setenv("TALKS_LOG_LEVEL", "warn", 1);
    CHECK(load("", err, sizeof err) == 0);
    CHECK(!tp_log_enabled(TP_INFO) && tp_log_enabled(TP_WARN));
    setenv("TALKS_LOG_LEVEL", "verbose", 1);
    CHECK(load("", err, sizeof err) == -1);
    CHECK_STR_EQ(err, "TALKS_LOG_LEVEL: expected error, warn, info or debug, got \"verbose\"");
    unsetenv("TALKS_LOG_LEVEL");
    CHECK(load("", err, sizeof err) == 0);
    CHECK(tp_log_enabled(TP_INFO) && !tp_log_enabled(TP_DEBUG)); /* info, the default */
    leave_temp_dir();
}

/* ---- tp_config_int ---- */

static void config_int_reads_a_number_in_range_or_the_default(void)
{
    enter_temp_dir();
    char err[256];
    long v = 0;
    CHECK(tp_config_int(COMMENT_RATE_PER_MINUTE, 0, 1000, &v, err, sizeof err) == 0 && v == 5);
    setenv("COMMENT_RATE_PER_MINUTE", "0", 1);
    CHECK(tp_config_int(COMMENT_RATE_PER_MINUTE, 0, 1000, &v, err, sizeof err) == 0 && v == 0);
    setenv("COMMENT_RATE_PER_MINUTE", "1000", 1);
    CHECK(tp_config_int(COMMENT_RATE_PER_MINUTE, 0, 1000, &v, err, sizeof err) == 0 && v == 1000);
    setenv("COMMENT_RATE_PER_MINUTE", "-3", 1);
    CHECK(tp_config_int(COMMENT_RATE_PER_MINUTE, -5, 5, &v, err, sizeof err) == 0 && v == -3);
    leave_temp_dir();
}

static void config_int_error_names_the_variable_range_and_value(void)
{
    enter_temp_dir();
    const char *bad[] = {"0", "1001", "-1", "abc", "", "5x", "1.5", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv("TALKS_BUS_TIMEOUT_MS", bad[i], 1);
        char err[256] = "", want[128];
        long v = 0;
        int rc = tp_config_int(TALKS_BUS_TIMEOUT_MS, 1, 1000, &v, err, sizeof err);
        if (rc != -1) fprintf(stderr, "  accepted \"%s\"\n", bad[i]);
        CHECK(rc == -1);
        snprintf(want, sizeof want,
                 "TALKS_BUS_TIMEOUT_MS: expected a whole number from 1 to 1000, got \"%s\"",
                 bad[i]);
        CHECK_STR_EQ(err, want);
    }
    leave_temp_dir();
}

/* ---- tp_parse_host_port ---- */

static bool host_port_is(const char *s, const char *want_host, int want_port)
{
    char host[64] = "junk";
    int port = -1;
    int rc = tp_parse_host_port(s, host, sizeof host, &port);
    bool ok = rc == 0 && strcmp(host, want_host) == 0 && port == want_port;
    if (!ok) fprintf(stderr, "  \"%s\": rc %d host \"%s\" port %d\n", s, rc, host, port);
    return ok;
}

static bool host_port_refused(const char *s)
{
    char host[64];
    int port;
    bool ok = tp_parse_host_port(s, host, sizeof host, &port) == -1;
    if (!ok) fprintf(stderr, "  accepted \"%s\"\n", s);
    return ok;
}

static void host_port_accepts_v4_names_bracketed_v6_and_an_empty_host(void)
{
    CHECK(host_port_is("127.0.0.1:8080", "127.0.0.1", 8080));
    CHECK(host_port_is("0.0.0.0:1", "0.0.0.0", 1));
    CHECK(host_port_is("example.com:65535", "example.com", 65535));
    CHECK(host_port_is("[::1]:443", "::1", 443));
    CHECK(host_port_is("[2001:db8::1]:8080", "2001:db8::1", 8080));
    CHECK(host_port_is(":80", "", 80));
}

static void host_port_refuses_a_missing_or_invalid_port_and_bare_v6(void)
{
    const char *bad[] = {"127.0.0.1",
                         "127.0.0.1:",
                         "",
                         ":",
                         "h:0",
                         "h:65536",
                         "h:99999999999999999999",
                         "h:abc",
                         "h:80x",
                         "h:-1",
                         "::1",
                         "::1:8080",
                         "2001:db8::1:80",
                         "[::1]",
                         "[::1]:",
                         "[::1:80",
                         "::1]:80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) CHECK(host_port_refused(bad[i]));
}

static void host_port_refuses_a_host_longer_than_its_buffer(void)
{
    char host[4];
    int port = 0;
    CHECK(tp_parse_host_port("abc:80", host, sizeof host, &port) == 0 && port == 80);
    CHECK_STR_EQ(host, "abc");
    CHECK(tp_parse_host_port("abcd:80", host, sizeof host, &port) == -1);
    CHECK(tp_parse_host_port("[::12]:80", host, sizeof host, &port) == -1);
}

/* ---- tp_config_addr, the bus folder ---- */

static void bus_addresses_default_to_ipc_sockets_in_the_data_dir(void)
{
    enter_temp_dir();
    char out[128];
    setenv("TALKS_DATA_DIR", "/srv/talks", 1);
    CHECK(tp_config_addr(TALKS_CTL_AUTH, out, sizeof out) == 0);
    CHECK_STR_EQ(out, "ipc:///srv/talks/bus/auth.ctl");
    CHECK(tp_config_addr(TALKS_BUS_RELAY_MAIL, out, sizeof out) == 0);
    CHECK_STR_EQ(out, "ipc:///srv/talks/bus/relay-mail");
    setenv("TALKS_CTL_AUTH", "tcp://127.0.0.1:9000", 1);
    CHECK(tp_config_addr(TALKS_CTL_AUTH, out, sizeof out) == 0);
    CHECK_STR_EQ(out, "tcp://127.0.0.1:9000");
    setenv("TALKS_CTL_AUTH", "ipc://${TALKS_DATA_DIR}/elsewhere", 1);
    CHECK(tp_config_addr(TALKS_CTL_AUTH, out, sizeof out) == 0);
    CHECK_STR_EQ(out, "ipc:///srv/talks/elsewhere");
    unsetenv("TALKS_CTL_AUTH");
    char small[10];
    CHECK(tp_config_addr(TALKS_CTL_AUTH, small, sizeof small) == -1);
    leave_temp_dir();
}

static void the_bus_folder_is_made_private(void)
{
    char dir[] = "/tmp/tp_config_busXXXXXX", bus[64], err[256];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(bus, sizeof bus, "%s/bus", dir);
    setenv("TALKS_DATA_DIR", dir, 1);
    struct stat st;
    CHECK(tp_config_data_dir(err, sizeof err) == 0);
    CHECK(stat(bus, &st) == 0 && (st.st_mode & 0777) == 0700);
    /* A folder opened up by hand is narrowed again at the next start. */
    CHECK(chmod(bus, 0755) == 0);
    CHECK(tp_config_data_dir(err, sizeof err) == 0);
    CHECK(stat(bus, &st) == 0 && (st.st_mode & 0777) == 0700);
    /* Something else where the folder should be stops the process with a clear line. */
    CHECK(rmdir(bus) == 0);
    FILE *f = fopen(bus, "w");
    CHECK(f != NULL);
    fclose(f);
    CHECK(tp_config_data_dir(err, sizeof err) == -1);
    CHECK(strstr(err, "bus") != NULL);
    unlink(bus);
    rmdir(dir);
    unsetenv("TALKS_DATA_DIR");
}

/* ---- tp_config_secret ---- */

static void secret_is_required_in_production(void)
{
    enter_temp_dir();
    setenv("TALKS_ENV", "production", 1);
    setenv("TALKS_DATA_DIR", dir, 1);
    CHECK(tp_config_is_production());
    unsigned char key[32];
    char err[256] = "";
    CHECK(tp_config_secret(key, err, sizeof err) == -1);
    CHECK_STR_EQ(err, "SECRET_KEY: required when TALKS_ENV=production");
    setenv("SECRET_KEY", "", 1);
    CHECK(tp_config_secret(key, err, sizeof err) == -1);
    CHECK(access("secret.key", F_OK) != 0); /* nothing generated */
    leave_temp_dir();
}

static void secret_key_is_a_hash_of_the_setting(void)
{
    enter_temp_dir();
    setenv("TALKS_ENV", "production", 1);
    const char *secret = "0123456789abcdef0123456789abcdef";
    setenv("SECRET_KEY", secret, 1);
    unsigned char key[32], want[32], other[32];
    char err[256];
    CHECK(tp_config_secret(key, err, sizeof err) == 0);
    crypto_generichash(want, sizeof want, (const unsigned char *)secret, strlen(secret), NULL, 0);
    CHECK(memcmp(key, want, 32) == 0);
    setenv("SECRET_KEY", "0123456789abcdef0123456789abcdeF", 1);
    CHECK(tp_config_secret(other, err, sizeof err) == 0);
    CHECK(memcmp(key, other, 32) != 0);
    leave_temp_dir();
}

/* ---- SECRET_KEY_FILE, MAIL_PASSWORD_FILE (Docker and Swarm secrets are files) ---- */

static void a_secret_file_gives_the_secret_without_trailing_newlines(void)
{
    enter_temp_dir();
    write_file("key", "0123456789abcdef-from-a-file\n");
    write_file("mail", "pass word\r\n\n");
    setenv("SECRET_KEY_FILE", "key", 1);
    char err[256];
    CHECK(load("MAIL_PASSWORD_FILE=mail\n", err, sizeof err) == 0);
    CHECK_STR_EQ(tp_config_get(SECRET_KEY), "0123456789abcdef-from-a-file");
    CHECK_STR_EQ(tp_config_get(MAIL_PASSWORD), "pass word");
    CHECK(tp_config_source(SECRET_KEY) == TP_SOURCE_FILE);
    CHECK_STR_EQ(tp_config_source_name(TP_SOURCE_FILE), "file");
    unsigned char key[32], want[32];
    CHECK(tp_config_secret(key, err, sizeof err) == 0);
    const char *secret = "0123456789abcdef-from-a-file";
    crypto_generichash(want, sizeof want, (const unsigned char *)secret, strlen(secret), NULL, 0);
    CHECK(memcmp(key, want, 32) == 0);
    /* the next load without the setting forgets the file's value */
    unsetenv("SECRET_KEY_FILE");
    CHECK(load("", err, sizeof err) == 0);
    CHECK_STR_EQ(tp_config_get(SECRET_KEY), "");
    CHECK_STR_EQ(tp_config_get(MAIL_PASSWORD), "");
    leave_temp_dir();
}

static void a_secret_file_that_cannot_be_used_stops_the_load_with_one_line(void)
{
    enter_temp_dir();
    char err[256], big[5000];
    setenv("SECRET_KEY_FILE", "missing", 1);
    CHECK(load("", err, sizeof err) == -1);
    CHECK_STR_EQ(err, "SECRET_KEY_FILE: missing: No such file or directory");
    memset(big, 'k', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    write_file("big", big);
    setenv("SECRET_KEY_FILE", "big", 1);
    CHECK(load("", err, sizeof err) == -1);
    CHECK_STR_EQ(err, "SECRET_KEY_FILE: big: larger than 4 KiB");
    write_file("key", "0123456789abcdef0123");
    setenv("SECRET_KEY_FILE", "key", 1);
    setenv("SECRET_KEY", "0123456789abcdef", 1);
    CHECK(load("", err, sizeof err) == -1);
    CHECK_STR_EQ(err, "SECRET_KEY and SECRET_KEY_FILE are both set; set one of the two");
    unsetenv("SECRET_KEY");
    CHECK(load("MAIL_PASSWORD=x\nMAIL_PASSWORD_FILE=key\n", err, sizeof err) == -1);
    CHECK_STR_EQ(err, "MAIL_PASSWORD and MAIL_PASSWORD_FILE are both set; set one of the two");
    unsetenv("SECRET_KEY_FILE"); /* the key file's value, read before the error, goes */
    CHECK(load("", err, sizeof err) == 0 && !*tp_config_get(SECRET_KEY));
    leave_temp_dir();
}

static void secret_shorter_than_16_characters_is_refused(void)
{
    enter_temp_dir();
    unsigned char key[32];
    char err[256] = "";
    setenv("SECRET_KEY", "short", 1);
    CHECK(tp_config_secret(key, err, sizeof err) == -1);
    CHECK_STR_EQ(err, "SECRET_KEY: must be at least 16 characters");
    setenv("SECRET_KEY", "123456789012345", 1);
    CHECK(tp_config_secret(key, err, sizeof err) == -1);
    setenv("SECRET_KEY", "1234567890123456", 1);
    CHECK(tp_config_secret(key, err, sizeof err) == 0);
    leave_temp_dir();
}

static void development_secret_is_generated_once_and_reused(void)
{
    enter_temp_dir();
    char data[PATH_MAX + 16], path[PATH_MAX + 32], err[256];
    snprintf(data, sizeof data, "%s/var/data", dir);
    setenv("TALKS_DATA_DIR", data, 1);
    CHECK(tp_config_data_dir(err, sizeof err) == 0);
    unsigned char first[32], second[32], zero[32] = {0};
    CHECK(tp_config_secret(first, err, sizeof err) == 0);
    CHECK(memcmp(first, zero, 32) != 0);

    snprintf(path, sizeof path, "%s/secret.key", data);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_size == 64);
    CHECK(tp_config_secret(second, err, sizeof err) == 0);
    CHECK(memcmp(first, second, 32) == 0);

    /* The key comes from the file: another process's file gives that process's key. */
    char hex[65];
    FILE *f = fopen(path, "r");
    CHECK(f && fgets(hex, sizeof hex, f) && strlen(hex) == 64);
    if (f) fclose(f);
    unsigned char want[32];
    crypto_generichash(want, sizeof want, (const unsigned char *)hex, 64, NULL, 0);
    CHECK(memcmp(first, want, 32) == 0);

    /* Only secret.key is left behind (beside the bus folder), no temporary file. */
    int entries = 0;
    DIR *d = opendir(data);
    for (struct dirent *e; d && (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            strcmp(e->d_name, "bus") == 0)
            continue;
        entries++;
        CHECK_STR_EQ(e->d_name, "secret.key");
    }
    if (d) closedir(d);
    CHECK(entries == 1);
    leave_temp_dir();
}

static void development_secret_in_a_missing_data_dir_is_a_clear_error(void)
{
    enter_temp_dir();
    char data[PATH_MAX + 16], err[512] = "";
    snprintf(data, sizeof data, "%s/does/not/exist", dir);
    setenv("TALKS_DATA_DIR", data, 1);
    unsigned char key[32];
    CHECK(tp_config_secret(key, err, sizeof err) == -1);
    CHECK(starts_with(err, "SECRET_KEY: cannot write "));
    leave_temp_dir();
}

static void data_dir_is_created_with_its_parents(void)
{
    enter_temp_dir();
    char err[512];
    setenv("TALKS_DATA_DIR", "a/b/c", 1);
    CHECK(tp_config_data_dir(err, sizeof err) == 0);
    struct stat st;
    CHECK(stat("a/b/c", &st) == 0 && S_ISDIR(st.st_mode));
    CHECK(tp_config_data_dir(err, sizeof err) == 0); /* already there */
    setenv("TALKS_DATA_DIR", "", 1);
    CHECK(tp_config_data_dir(err, sizeof err) == -1 && starts_with(err, "TALKS_DATA_DIR: "));
    leave_temp_dir();
}

static const check_case cases[] = {
    CASE(dotenv_sets_values_and_skips_comments_and_blank_lines),
    CASE(dotenv_accepts_export_and_strips_matching_quotes),
    CASE(environment_wins_over_dotenv),
    CASE(dotenv_ignores_unknown_keys_and_keys_that_differ_in_case),
    CASE(dotenv_line_without_equals_is_an_error_naming_its_line),
    CASE(dotenv_line_over_4095_bytes_is_an_error),
    CASE(missing_dotenv_file_is_not_an_error),
    CASE(settings_table_names_every_setting_with_a_doc),
    CASE(each_value_says_where_it_comes_from),
    CASE(the_closest_setting_is_suggested_only_when_it_is_close),
    CASE(an_unknown_talks_variable_is_one_warning_line_with_a_suggestion),
    CASE(known_names_and_the_tools_names_are_not_reported),
    CASE(log_level_is_read_and_a_bad_one_is_an_error),
    CASE(config_int_reads_a_number_in_range_or_the_default),
    CASE(config_int_error_names_the_variable_range_and_value),
    CASE(host_port_accepts_v4_names_bracketed_v6_and_an_empty_host),
    CASE(host_port_refuses_a_missing_or_invalid_port_and_bare_v6),
    CASE(host_port_refuses_a_host_longer_than_its_buffer),
    CASE(bus_addresses_default_to_ipc_sockets_in_the_data_dir),
    CASE(the_bus_folder_is_made_private),
    CASE(secret_is_required_in_production),
    CASE(secret_key_is_a_hash_of_the_setting),
    CASE(secret_shorter_than_16_characters_is_refused),
    CASE(a_secret_file_gives_the_secret_without_trailing_newlines),
    CASE(a_secret_file_that_cannot_be_used_stops_the_load_with_one_line),
    CASE(development_secret_is_generated_once_and_reused),
    CASE(development_secret_in_a_missing_data_dir_is_a_clear_error),
    CASE(data_dir_is_created_with_its_parents),
};

CHECK_MAIN("tp_config", cases)
