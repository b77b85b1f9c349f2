/* oembed: deck pages made players by asking their provider (see oembed.h). */
#include "oembed.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "oembed_answer.h"
#include "tp_buf.h"
#include "tp_clock.h"
#include "tp_config.h"
#include "tp_curl.h"
#include "tp_log.h"
#include "tp_url.h"

/* The allow-list: each provider's documented JSON endpoint, the page's URL appended. */
static const struct endpoint {
    const char *provider, *prefix;
} endpoints[] = {
    {"speakerdeck", "https://speakerdeck.com/oembed.json?url="},
    {"slideshare", "https://www.slideshare.net/api/oembed/2?format=json&url="},
    {"notist", "https://noti.st/api/oembed?url="},
};

/* TALKS_OEMBED_ENDPOINTS when TALKS_ENV=testing, else "". */
static char test_base[TP_URL_MAX + 1];

int oembed_start(char *err, size_t errlen)
{
    const char *base = tp_config_get(TALKS_OEMBED_ENDPOINTS);
    if (!*base) return 0;
    if (strcmp(tp_config_get(TALKS_ENV), "testing") != 0) {
        tp_warn(NULL, "TALKS_OEMBED_ENDPOINTS is ignored: it is for tests (TALKS_ENV=testing)");
        return 0;
    }
    if (strlen(base) > TP_URL_MAX || !tp_url_is_http(base, strlen(base))) {
        snprintf(err, errlen, "TALKS_OEMBED_ENDPOINTS: expected an http(s) URL");
        return -1;
    }
    snprintf(test_base, sizeof test_base, "%s", base);
    return 0;
}

/* Keeps at most OEMBED_ANSWER_MAX bytes; returning less than given makes libcurl stop. */
static size_t on_data(char *p, size_t size, size_t nmemb, void *arg)
{
    tp_buf *body = arg;
    size_t n = size * nmemb;
    if (n > OEMBED_ANSWER_MAX - body->len) return 0;
    tp_buf_append(body, p, n);
    return n;
}

/* Asks e about page within budget_ms; page gets its player or stays as it is. */
static void ask(const struct endpoint *e, tp_embed *page, long budget_ms, const char *rid)
{
    char why[200];
    const tp_curl *lib = tp_curl_load(why, sizeof why);
    if (!lib) {
        tp_warn(rid, "oEmbed: %s; %s is shown as a link", why, page->url);
        return;
    }
    CURL *c = lib->easy_init();
    char *q = c ? lib->easy_escape(c, page->url, 0) : NULL;
    tp_buf url = TP_BUF_INIT, body = TP_BUF_INIT;
    bool ok = q != NULL;
    CURLcode rc = CURLE_FAILED_INIT;
    long status = 0;
    if (ok) {
        if (test_base[0])
            tp_buf_printf(&url, "%s/%s?url=%s", test_base, e->provider, q);
        else
            tp_buf_printf(&url, "%s%s", e->prefix, q);
#define SET(opt, val) ok = ok && lib->easy_setopt(c, opt, val) == CURLE_OK
        SET(CURLOPT_URL, url.data);
        SET(CURLOPT_PROTOCOLS_STR, test_base[0] ? "http,https" : "https");
        SET(CURLOPT_FOLLOWLOCATION, 0L); /* a redirect is an answer we do not take */
        SET(CURLOPT_TIMEOUT_MS, budget_ms);
        SET(CURLOPT_CONNECTTIMEOUT_MS, budget_ms);
        SET(CURLOPT_NOSIGNAL, 1L); /* worker threads: no SIGALRM for name lookups */
        SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)OEMBED_ANSWER_MAX);
        SET(CURLOPT_WRITEFUNCTION, on_data);
        SET(CURLOPT_WRITEDATA, &body);
        SET(CURLOPT_USERAGENT, "Talks (oEmbed)");
#undef SET
    }
    if (ok) rc = lib->easy_perform(c);
    if (rc == CURLE_OK) lib->easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    ok = rc == CURLE_OK && status == 200 &&
         oembed_answer_player(e->provider, body.data ? body.data : "", body.len, page);
    if (!ok)
        tp_info(rid, "oEmbed: no %s player for %s (%s, HTTP %ld): shown as a link", e->provider,
                page->url, rc == CURLE_OK ? "answer" : lib->easy_strerror(rc), status);
    lib->free(q);
    lib->easy_cleanup(c);
    tp_buf_free(&url);
    tp_buf_free(&body);
}

static const struct endpoint *endpoint_of(const char *provider)
{
    for (size_t i = 0; i < sizeof endpoints / sizeof endpoints[0]; i++)
        if (strcmp(endpoints[i].provider, provider) == 0) return &endpoints[i];
    return NULL;
}

void oembed_resolve(talk_input *in, const char *rid)
{
    int64_t deadline = tp_clock_ms() + OEMBED_BUDGET_MS;
    tp_embed *media[] = {&in->slides, &in->video};
    for (size_t i = 0; i < sizeof media / sizeof media[0]; i++) {
        const struct endpoint *e = endpoint_of(media[i]->provider);
        long left = (long)(deadline - tp_clock_ms());
        if (e && !media[i]->embed_url[0] && left > 0) ask(e, media[i], left, rid);
    }
}
