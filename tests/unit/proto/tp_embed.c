/* Unit tests for proto/tp_embed.c: every provider in URL and embed-code form, and hostile
 * pastes. Every input is parsed from an exact-size heap copy, so ASan catches a read past its
 * end, and every successful parse is checked for the two promises the templates rely on (see
 * check_result): url passes tp_url_is_http, and embed_url is an https URL on a frame-src host. */
#include "tp_embed.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "../check.h"

#define YT_ID     "dQw4w9WgXcQ"
#define YT_EMBED  "https://www.youtube-nocookie.com/embed/" YT_ID
#define YT_LINK   "https://www.youtube.com/watch?v=" YT_ID
#define SD_ID     "ca752bab13514a9086ef3788f4c65676"
#define SD_PLAYER "https://speakerdeck.com/player/" SD_ID
#define SS_EMBED  "https://www.slideshare.net/slideshow/embed_code/key/lPq9gsq2h1NbOk"
#define GS_ID     "1A2b3C4d5E6f7G8h9I0jKlMnOpQrStUvWxYz_-abcdEF"
#define GS_PUB_ID "2PACX-1vTx3qK9m0a1b2c3d4e5f6g7h8i9j0kLmNoPqRsTuVwXyZ"

static int results_checked; /* successful parses whose url/embed_url properties were checked */

/* True when embed_url starts with one of the hosts in the frame-src list, then '/'. */
static bool in_frame_src(const char *embed_url)
{
    const char *list = tp_embed_frame_src();
    while (*list) {
        size_t k = strcspn(list, " ");
        if (strncmp(embed_url, list, k) == 0 && embed_url[k] == '/') return true;
        list += k;
        list += strspn(list, " ");
    }
    return false;
}

/* The properties every successful parse must have, whatever the input. */
static bool check_result(const tp_embed *e)
{
    static const char *const names[] = {"youtube",      "vimeo",  "speakerdeck", "slideshare",
                                        "googleslides", "notist", "pdf",         "link"};
    bool known = false;
    if (!memchr(e->provider, '\0', sizeof e->provider) || !memchr(e->url, '\0', sizeof e->url) ||
        !memchr(e->embed_url, '\0', sizeof e->embed_url))
        return false;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        known |= !strcmp(e->provider, names[i]);
    bool ok = known && tp_url_is_http(e->url, strlen(e->url));
    if (e->embed_url[0])
        ok = ok && tp_url_is_http(e->embed_url, strlen(e->embed_url)) &&
             strncmp(e->embed_url, "https://", 8) == 0 && in_frame_src(e->embed_url);
    results_checked++;
    return ok;
}

static bool all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i]) return false;
    return true;
}

/* Parses an exact-size heap copy of in[0..n), freed before returning, and checks what any
 * answer must look like: 0 with the properties above, 1 or -1 with *e zeroed and, for -1, a
 * message. Returns the parse's result, or 99 when one of those checks failed. */
static int parse(const char *in, size_t n, tp_embed *e, char *err, size_t errlen)
{
    char *copy = malloc(n ? n : 1);
    if (n) memcpy(copy, in, n);
    int rc = tp_embed_parse(copy, n, e, err, errlen);
    free(copy);
    if (rc == 0) return check_result(e) ? 0 : 99;
    if (rc != 1 && rc != -1) return 99;
    if (!all_zero(e, sizeof *e)) return 99;
    if (rc == -1 && errlen && (!err[0] || !memchr(err, '\0', errlen))) return 99;
    return rc;
}

static void fail_at(int line, const char *in, size_t n, const char *what)
{
    fprintf(stderr, "  %s:%d: %s for input \"%.*s\"\n", __FILE__, line, what,
            (int)(n > 200 ? 200 : n), in);
    check_failures_in_case++;
}

static void expect_at(int line, const char *in, size_t n, const char *provider, const char *url,
                      const char *embed_url)
{
    tp_embed e;
    char err[200];
    int rc = parse(in, n, &e, err, sizeof err);
    if (rc != 0) {
        fail_at(line, in, n, rc == 99 ? "bad answer" : "refused");
        return;
    }
    if (strcmp(e.provider, provider) || strcmp(e.url, url) || strcmp(e.embed_url, embed_url)) {
        fail_at(line, in, n, "wrong result");
        fprintf(stderr, "    got:  %s | %s | %s\n    want: %s | %s | %s\n", e.provider, e.url,
                e.embed_url, provider, url, embed_url);
    }
}

static void refused_at(int line, const char *in, size_t n)
{
    tp_embed e;
    char err[200];
    int rc = parse(in, n, &e, err, sizeof err);
    if (rc != -1) fail_at(line, in, n, rc == 99 ? "bad answer" : "not refused");
}

/* EXPECT(input, provider, url, embed_url) and REFUSED(input), on string literals (their length
 * is the literal's, so embedded NULs count). */
#define EXPECT(in, p, u, em) expect_at(__LINE__, in, sizeof(in) - 1, p, u, em)
#define LINK(in, p)          expect_at(__LINE__, in, sizeof(in) - 1, p, in, "")
#define REFUSED(in)          refused_at(__LINE__, in, sizeof(in) - 1)

/* ---- YouTube ---- */

static void youtube_watch_url_embeds_from_the_nocookie_host(void)
{
    EXPECT("https://www.youtube.com/watch?v=" YT_ID, "youtube", YT_LINK, YT_EMBED);
    EXPECT("http://youtube.com/watch?feature=share&v=" YT_ID "&list=PL1", "youtube", YT_LINK,
           YT_EMBED);
    EXPECT("HTTPS://WWW.YOUTUBE.COM/watch?v=" YT_ID, "youtube", YT_LINK, YT_EMBED);
}

static void youtube_short_embed_shorts_live_and_mobile_urls_name_the_same_video(void)
{
    EXPECT("https://youtu.be/" YT_ID, "youtube", YT_LINK, YT_EMBED);
    EXPECT("https://youtu.be/" YT_ID "?si=abcDEF", "youtube", YT_LINK, YT_EMBED);
    EXPECT("https://www.youtube.com/embed/" YT_ID, "youtube", YT_LINK, YT_EMBED);
    EXPECT("https://www.youtube-nocookie.com/embed/" YT_ID, "youtube", YT_LINK, YT_EMBED);
    EXPECT("https://youtube.com/shorts/" YT_ID "/", "youtube", YT_LINK, YT_EMBED);
    EXPECT("https://www.youtube.com/live/" YT_ID, "youtube", YT_LINK, YT_EMBED);
    EXPECT("https://m.youtube.com/watch?v=" YT_ID, "youtube", YT_LINK, YT_EMBED);
}

static void youtube_start_time_from_t_or_start_is_kept_in_seconds(void)
{
    EXPECT("https://youtu.be/" YT_ID "?t=90", "youtube", YT_LINK "&t=90s", YT_EMBED "?start=90");
    EXPECT("https://www.youtube.com/watch?v=" YT_ID "&t=1m30s", "youtube", YT_LINK "&t=90s",
           YT_EMBED "?start=90");
    EXPECT("https://www.youtube.com/watch?v=" YT_ID "&t=1h0m2s", "youtube", YT_LINK "&t=3602s",
           YT_EMBED "?start=3602");
    EXPECT("https://www.youtube.com/embed/" YT_ID "?start=42", "youtube", YT_LINK "&t=42s",
           YT_EMBED "?start=42");
    /* An odd time is dropped, the video is kept. */
    EXPECT("https://youtu.be/" YT_ID "?t=abc", "youtube", YT_LINK, YT_EMBED);
    EXPECT("https://youtu.be/" YT_ID "?t=99999999999999", "youtube", YT_LINK, YT_EMBED);
    EXPECT("https://youtu.be/" YT_ID "?t=m", "youtube", YT_LINK, YT_EMBED);
}

static void youtube_iframe_embed_code_gives_only_the_video(void)
{
    EXPECT("<iframe width=\"560\" height=\"315\" src=\"https://www.youtube.com/embed/" YT_ID
           "?si=Xy_1&amp;start=30\" title=\"YouTube video player\" frameborder=\"0\" "
           "allow=\"accelerometer; autoplay; clipboard-write; encrypted-media; gyroscope; "
           "picture-in-picture; web-share\" referrerpolicy=\"strict-origin-when-cross-origin\" "
           "allowfullscreen></iframe>",
           "youtube", YT_LINK "&t=30s", YT_EMBED "?start=30");
    EXPECT("\n  <IFRAME SRC=https://www.youtube-nocookie.com/embed/" YT_ID "></IFRAME>\n",
           "youtube", YT_LINK, YT_EMBED);
}

static void youtube_urls_without_a_valid_id_are_youtube_links(void)
{
    LINK("https://www.youtube.com/@somechannel", "youtube");
    LINK("https://www.youtube.com/watch?v=dQw4w9WgXc", "youtube");
    LINK("https://www.youtube.com/watch?v=dQw4w9WgXcQQ", "youtube");
    LINK("https://www.youtube.com/watch?v=dQw4w9W.XcQ", "youtube");
    LINK("https://www.youtube.com/watch?v=dQw4w9%22cQ", "youtube");
    LINK("https://www.youtube.com/embed/videoseries?list=PLx", "youtube");
    LINK("https://youtu.be/" YT_ID "/extra", "youtube");
    LINK("https://youtube-nocookie.com/shorts/" YT_ID, "youtube");
}

/* ---- Vimeo ---- */

static void vimeo_page_and_player_urls_embed_without_tracking(void)
{
    EXPECT("https://vimeo.com/76979871", "vimeo", "https://vimeo.com/76979871",
           "https://player.vimeo.com/video/76979871?dnt=1");
    EXPECT("https://player.vimeo.com/video/76979871?autoplay=1", "vimeo",
           "https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871?dnt=1");
    EXPECT("<iframe src=\"https://player.vimeo.com/video/76979871?badge=0&amp;autopause=0\" "
           "frameborder=\"0\" allow=\"autoplay; fullscreen\"></iframe>",
           "vimeo", "https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871?dnt=1");
}

static void vimeo_unlisted_hash_is_kept_and_an_odd_one_is_not_embedded(void)
{
    EXPECT("https://vimeo.com/76979871/8272103f6e", "vimeo",
           "https://vimeo.com/76979871/8272103f6e",
           "https://player.vimeo.com/video/76979871?h=8272103f6e&dnt=1");
    EXPECT("https://player.vimeo.com/video/76979871?h=8272103f6e&amp;x=1", "vimeo",
           "https://vimeo.com/76979871/8272103f6e",
           "https://player.vimeo.com/video/76979871?h=8272103f6e&dnt=1");
    LINK("https://vimeo.com/76979871/NOT-HEX", "vimeo");
    LINK("https://player.vimeo.com/video/76979871?h=x%27", "vimeo");
    LINK("https://vimeo.com/channels/staffpicks", "vimeo");
    LINK("https://vimeo.com/1234567890123", "vimeo");
}

/* ---- Speaker Deck ---- */

static void speakerdeck_player_url_and_iframe_embed(void)
{
    EXPECT(SD_PLAYER, "speakerdeck", SD_PLAYER, SD_PLAYER);
    EXPECT("https://speakerdeck.com/player/CA752BAB13514A9086EF3788F4C65676", "speakerdeck",
           SD_PLAYER, SD_PLAYER);
    EXPECT("<iframe class=\"speakerdeck-iframe\" frameborder=\"0\" "
           "src=\"//speakerdeck.com/player/" SD_ID
           "?\" allowfullscreen=\"true\" style=\"border: 0px; width: 720px;\"></iframe>",
           "speakerdeck", SD_PLAYER, SD_PLAYER);
}

static void speakerdeck_script_embed_code_gives_the_player_of_its_data_id(void)
{
    EXPECT("<script async class=\"speakerdeck-embed\" data-id=\"" SD_ID
           "\" data-ratio=\"1.77777777777778\" src=\"//speakerdeck.com/assets/embed.js\"></script>",
           "speakerdeck", SD_PLAYER, SD_PLAYER);
    EXPECT("<script data-id='" SD_ID "' src='https://speakerdeck.com/assets/embed.js'></script>",
           "speakerdeck", SD_PLAYER, SD_PLAYER);
}

static void speakerdeck_script_from_another_host_or_with_a_bad_id_is_refused(void)
{
    REFUSED("<script async data-id=\"" SD_ID "\" src=\"//evil.test/assets/embed.js\"></script>");
    REFUSED("<script async data-id=\"" SD_ID
            "\" src=\"//speakerdeck.com.evil.test/e.js\"></script>");
    REFUSED("<script data-id=\"ca752bab13514a9086ef3788f4c6567\" "
            "src=\"//speakerdeck.com/assets/embed.js\"></script>");
    REFUSED("<script data-id=\"ca752bab13514a9086ef3788f4c6567&quot;\" "
            "src=\"//speakerdeck.com/assets/embed.js\"></script>");
    REFUSED("<script data-id=\"" SD_ID "\"></script>");
}

static void speakerdeck_deck_page_is_a_speakerdeck_link(void)
{
    LINK("https://speakerdeck.com/someone/a-talk-about-things", "speakerdeck");
    LINK("https://speakerdeck.com/player/nothex", "speakerdeck");
}

/* ---- SlideShare ---- */

static void slideshare_embed_iframe_embeds_and_links_the_deck_page_from_the_snippet(void)
{
    EXPECT("<iframe src=\"" SS_EMBED "\" width=\"595\" height=\"485\" frameborder=\"0\" "
           "marginwidth=\"0\" marginheight=\"0\" scrolling=\"no\" allowfullscreen> </iframe> "
           "<div style=\"margin-bottom:5px\"> <strong> <a href=\"//www.slideshare.net/someone/"
           "a-talk\" title=\"A talk\" target=\"_blank\">A talk</a> </strong> from <strong><a "
           "href=\"https://www.slideshare.net/someone\" target=\"_blank\">someone</a></strong> "
           "</div>",
           "slideshare", "https://www.slideshare.net/someone/a-talk", SS_EMBED);
    EXPECT("<iframe src=\"" SS_EMBED "\"></iframe>", "slideshare", SS_EMBED, SS_EMBED);
    EXPECT("https://de.slideshare.net/slideshow/embed_code/key/lPq9gsq2h1NbOk", "slideshare",
           SS_EMBED, SS_EMBED);
}

static void slideshare_page_url_is_a_slideshare_link(void)
{
    LINK("https://www.slideshare.net/someone/a-talk", "slideshare");
    LINK("https://slideshare.net/slideshow/a-talk/123", "slideshare");
    LINK("https://www.slideshare.net/slideshow/embed_code/key/abc_def", "slideshare");
    LINK("https://www.slideshare.net/slideshow/embed_code/12345678", "slideshare");
    /* Two labels under slideshare.net are not SlideShare's own hosts. */
    LINK("https://a.b.slideshare.net/slideshow/embed_code/key/lPq9gsq2h1NbOk", "link");
}

/* ---- Google Slides ---- */

static void googleslides_edit_pub_and_embed_urls_embed_the_deck(void)
{
    const char *link = "https://docs.google.com/presentation/d/" GS_ID "/";
    const char *embed = "https://docs.google.com/presentation/d/" GS_ID "/embed";
    EXPECT("https://docs.google.com/presentation/d/" GS_ID "/edit#slide=id.p", "googleslides", link,
           embed);
    EXPECT("https://docs.google.com/presentation/d/" GS_ID "/edit?usp=sharing", "googleslides",
           link, embed);
    EXPECT("https://docs.google.com/presentation/d/" GS_ID, "googleslides", link, embed);
    EXPECT("https://docs.google.com/presentation/d/" GS_ID "/embed?start=false", "googleslides",
           link, embed);
}

static void googleslides_published_ids_embed_and_link_the_pub_page(void)
{
    const char *link = "https://docs.google.com/presentation/d/e/" GS_PUB_ID "/pub";
    const char *embed = "https://docs.google.com/presentation/d/e/" GS_PUB_ID "/embed";
    EXPECT("https://docs.google.com/presentation/d/e/" GS_PUB_ID
           "/pub?start=false&loop=false&delayms=3000",
           "googleslides", link, embed);
    EXPECT("<iframe src=\"https://docs.google.com/presentation/d/e/" GS_PUB_ID
           "/embed?start=false&loop=false&delayms=3000\" frameborder=\"0\" width=\"960\" "
           "height=\"569\" allowfullscreen=\"true\"></iframe>",
           "googleslides", link, embed);
}

static void googleslides_odd_ids_are_links_and_other_google_docs_are_plain_links(void)
{
    LINK("https://docs.google.com/presentation/d/short/edit", "googleslides");
    LINK("https://docs.google.com/presentation/", "googleslides");
    LINK("https://docs.google.com/document/d/" GS_ID "/edit", "link");
    LINK("https://drive.google.com/presentation/d/" GS_ID "/edit", "link");
}

/* ---- Notist, PDF, links ---- */

static void notist_pages_are_links_and_its_player_and_script_embed_code_embed(void)
{
    /* A deck page names its player only through Notist's oEmbed (svc-talks asks it). */
    LINK("https://noti.st/akrabat/3fdyeY", "notist");
    LINK("https://noti.st/someone/AbC123/a-talk-slug#s123", "notist");
    LINK("https://noti.st/a.b/3fdyeY/embed", "notist");
    LINK("https://noti.st/akrabat/3fdyeY/embed/more", "notist");
    EXPECT("https://noti.st/akrabat/3fdyeY/embed", "notist", "https://noti.st/akrabat/3fdyeY",
           "https://noti.st/akrabat/3fdyeY/embed");
    EXPECT("<p data-notist=\"akrabat/3fdyeY\">View <a href=\"https://noti.st/akrabat/3fdyeY\">"
           "Capturing Light</a> on Notist.</p><script async "
           "src=\"https://on.notist.cloud/embed/002.js\"></script>",
           "notist", "https://noti.st/akrabat/3fdyeY", "https://noti.st/akrabat/3fdyeY/embed");
    /* A data-notist that is no user/id stays the link beside it. */
    EXPECT("<p data-notist=\"evil.example/x?y\"><a href=\"https://noti.st/a/b\">t</a></p>",
           "notist", "https://noti.st/a/b", "");
}

static void pdf_urls_are_pdf_links(void)
{
    LINK("https://example.com/slides/talk.pdf", "pdf");
    LINK("https://example.com/slides/TALK.PDF?download=1#page=3", "pdf");
    LINK("http://example.com/a.pdf", "pdf");
    LINK("https://example.com/a.pdf.html", "link");
    EXPECT("<a href=\"https://example.com/talk.pdf\">slides</a>", "pdf",
           "https://example.com/talk.pdf", "");
}

static void other_urls_are_links_kept_as_given(void)
{
    LINK("https://example.com/", "link");
    LINK("http://talks.example.org:8080/a/b?c=d&e=f#g", "link");
    LINK("https://[2001:db8::1]/video.mp4", "link");
    EXPECT("<a href=\"https://example.com/x?a=1&amp;b=2\">here</a>", "link",
           "https://example.com/x?a=1&b=2", "");
}

/* ---- input forms ---- */

static void empty_and_white_space_only_input_means_none(void)
{
    tp_embed e;
    char err[64];
    CHECK(parse("", 0, &e, err, sizeof err) == 1);
    CHECK(parse(" \t\r\n ", 5, &e, err, sizeof err) == 1);
    CHECK(tp_embed_parse(NULL, 0, &e, err, sizeof err) == 1);
}

static void surrounding_white_space_is_trimmed(void)
{
    EXPECT("  https://youtu.be/" YT_ID " \r\n", "youtube", YT_LINK, YT_EMBED);
    EXPECT("\thttps://example.com/\n", "link", "https://example.com/", "");
    EXPECT("<iframe src=\"  https://player.vimeo.com/video/1\n\"></iframe>", "vimeo",
           "https://vimeo.com/1", "https://player.vimeo.com/video/1?dnt=1");
}

static void the_first_embeddable_url_in_an_embed_code_wins(void)
{
    EXPECT("<a href=\"https://example.com/\">x</a><iframe src=\"https://youtu.be/" YT_ID
           "\"></iframe><iframe src=\"https://vimeo.com/1\"></iframe>",
           "youtube", YT_LINK, YT_EMBED);
    EXPECT("<a href=\"https://example.com/\">x</a><a href=\"https://noti.st/a/b\">y</a>", "notist",
           "https://noti.st/a/b", "");
    EXPECT("<a href=\"javascript:alert(1)\">x</a><a href=\"https://example.com/\">y</a>", "link",
           "https://example.com/", "");
    /* As in browsers, the first of two src attributes is the one that counts. */
    EXPECT("<iframe src=\"https://evil.test/\" src=\"https://youtu.be/" YT_ID "\"></iframe>",
           "link", "https://evil.test/", "");
}

/* ---- hostile input ---- */

static void script_urls_and_other_schemes_are_refused(void)
{
    REFUSED("javascript:alert(1)");
    REFUSED("JaVaScRiPt:alert(1)");
    REFUSED("  javascript:alert(document.cookie)  ");
    REFUSED("java\nscript:alert(1)");
    REFUSED("data:text/html,<script>alert(1)</script>");
    REFUSED("data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==");
    REFUSED("vbscript:msgbox(1)");
    REFUSED("mailto:a@example.com");
    REFUSED("ftp://example.com/talk.pdf");
    REFUSED("/talks/1");
    REFUSED("//www.youtube.com/watch?v=" YT_ID);
    REFUSED("www.youtube.com/watch?v=" YT_ID);
    REFUSED("see https://youtu.be/" YT_ID);
    REFUSED("https://youtu.be/" YT_ID " https://vimeo.com/1");
}

static void iframes_with_onload_or_srcdoc_give_only_their_src(void)
{
    EXPECT("<iframe onload=\"alert(1)\" src=\"https://www.youtube.com/embed/" YT_ID
           "\" onerror=alert(2)></iframe>",
           "youtube", YT_LINK, YT_EMBED);
    EXPECT("<iframe srcdoc=\"<iframe src='https://evil.test/'></iframe><script>alert(1)</script>\" "
           "src=\"https://player.vimeo.com/video/5\"></iframe>",
           "vimeo", "https://vimeo.com/5", "https://player.vimeo.com/video/5?dnt=1");
    REFUSED("<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>");
    REFUSED("<iframe src=\"javascript:alert(1)\"></iframe>");
    REFUSED("<iframe src=\"JaVaScRiPt:alert(1)\" srcdoc=\"x\"></iframe>");
    REFUSED("<iframe src=\"data:text/html,<script>alert(1)</script>\"></iframe>");
    REFUSED("<iframe src=\"&#106;avascript:alert(1)\"></iframe>");
}

static void markup_without_a_usable_url_is_refused(void)
{
    REFUSED("<script>alert(1)</script>");
    REFUSED("<script src=\"https://evil.test/x.js\"></script>");
    REFUSED("<img src=\"https://youtu.be/" YT_ID "\" onerror=\"alert(1)\">");
    REFUSED("<svg onload=alert(1)>");
    REFUSED("<object data=\"https://youtu.be/" YT_ID "\"></object>");
    REFUSED("<!-- <iframe src=\"https://youtu.be/" YT_ID "\"></iframe> -->");
    REFUSED("<script>document.write('<iframe src=\"https://youtu.be/" YT_ID "\">')</script>");
    REFUSED("<style>a{background:url(https://youtu.be/" YT_ID ")}</style>");
    REFUSED("<p>no link here</p>");
    REFUSED("<");
    REFUSED("<>");
    REFUSED("< iframe src=\"https://youtu.be/" YT_ID "\">");
}

static void quotes_and_angle_brackets_around_ids_are_never_embedded(void)
{
    REFUSED("https://www.youtube.com/watch?v=" YT_ID "\"><script>alert(1)</script>");
    REFUSED("https://www.youtube.com/watch?v=dQw4w9WgX'Q");
    REFUSED("https://www.youtube.com/embed/<script>");
    REFUSED("<iframe src='https://www.youtube.com/embed/" YT_ID "\"onload=\"alert(1)'></iframe>");
    REFUSED(
        "<iframe src=\"https://player.vimeo.com/video/1'><script>alert(1)</script>\"></iframe>");
    /* Entities are not decoded (but "&amp;"), so they stay inert characters of a link. */
    EXPECT("<iframe src=\"https://www.youtube.com/embed/abc&quot;&gt;xyz\"></iframe>", "youtube",
           "https://www.youtube.com/embed/abc&quot;&gt;xyz", "");
}

static void lookalike_hosts_are_plain_links(void)
{
    LINK("https://youtube.com.evil.test/watch?v=" YT_ID, "link");
    LINK("https://evil.test/?u=https://youtube.com/watch?v=" YT_ID, "link");
    LINK("https://evil.test/www.youtube.com/embed/" YT_ID, "link");
    LINK("https://notyoutube.com/watch?v=" YT_ID, "link");
    LINK("https://www.youtube.com-evil.test/watch?v=" YT_ID, "link");
    LINK("https://evilvimeo.com/76979871", "link");
    LINK("https://player.vimeo.com.evil.test/video/1", "link");
    LINK("https://speakerdeck.com.evil.test/player/" SD_ID, "link");
    LINK("https://docs.google.com.evil.test/presentation/d/" GS_ID "/edit", "link");
    LINK("https://evil.test/#https://noti.st/a/b", "link");
    EXPECT("<iframe src=\"https://evil.test/embed?v=https://www.youtube.com/embed/" YT_ID
           "\"></iframe>",
           "link", "https://evil.test/embed?v=https://www.youtube.com/embed/" YT_ID, "");
}

static void userinfo_tricks_are_refused(void)
{
    REFUSED("https://youtube.com@evil.test/");
    REFUSED("https://www.youtube.com:443@evil.test/watch?v=" YT_ID);
    REFUSED("https://youtube.com\\@evil.test/");
    REFUSED("https://user:pass@player.vimeo.com/video/1");
    REFUSED("<iframe src=\"https://www.youtube.com@evil.test/embed/" YT_ID "\"></iframe>");
    REFUSED("<iframe src=\"//youtube.com@evil.test/\"></iframe>");
}

static void input_of_4096_bytes_is_read_and_one_more_is_refused(void)
{
    static char buf[TP_EMBED_INPUT_MAX + 1];
    const char *u = "https://youtu.be/" YT_ID;
    memset(buf, ' ', sizeof buf);
    memcpy(buf, u, strlen(u));
    tp_embed e;
    char err[200];
    CHECK(parse(buf, TP_EMBED_INPUT_MAX, &e, err, sizeof err) == 0);
    CHECK_STR_EQ(e.embed_url, YT_EMBED);
    CHECK(parse(buf, TP_EMBED_INPUT_MAX + 1, &e, err, sizeof err) == -1);
    CHECK(strstr(err, "4096") != NULL);

    /* A URL past TP_URL_MAX is refused, in either form. */
    char longurl[TP_URL_MAX + 64];
    int n = snprintf(longurl, sizeof longurl, "https://example.com/%0*d", TP_URL_MAX, 7);
    CHECK(parse(longurl, (size_t)n, &e, err, sizeof err) == -1);
    char snippet[TP_URL_MAX + 128];
    int m = snprintf(snippet, sizeof snippet, "<iframe src=\"%s\"></iframe>", longurl);
    CHECK(parse(snippet, (size_t)m, &e, err, sizeof err) == -1);
}

static void nul_bytes_controls_and_invalid_utf8_are_refused(void)
{
    REFUSED("https://youtu.be/" YT_ID "\0");
    REFUSED("\0https://youtu.be/" YT_ID);
    REFUSED("https://you\0tu.be/" YT_ID);
    REFUSED("<iframe src=\"https://youtu.be/" YT_ID "\0\"></iframe>");
    REFUSED("https://youtu.be/" YT_ID "\xff");
    REFUSED("https://youtu.be/" YT_ID "\xc0\xaf");
    REFUSED("https://youtu.be/" YT_ID "\xed\xa0\x80");
    REFUSED("<iframe src=\"https://youtu.be/" YT_ID "\"></iframe>\x80");
    REFUSED("https://youtu.be/" YT_ID "\x1b");
    REFUSED("https://youtu.be/" YT_ID "\x7f");
    /* Valid UTF-8 text around an embed code is fine; in a bare URL it is not a URL. */
    EXPECT("<p>Vid\xc3\xa9o</p><iframe src=\"https://youtu.be/" YT_ID "\"></iframe>", "youtube",
           YT_LINK, YT_EMBED);
    REFUSED("https://example.com/caf\xc3\xa9");
}

/* Every cut of a real embed code is answered (0 or -1) without reading past its end. */
static void every_prefix_of_an_embed_code_is_answered_within_bounds(void)
{
    const char *snippet = "<iframe src=\"https://www.youtube.com/embed/" YT_ID "?start=5\" "
                          "title='x' allowfullscreen></iframe><!-- c --><a href=x>y</a>";
    size_t n = strlen(snippet);
    int wrong = 0;
    for (size_t k = 1; k <= n; k++) {
        tp_embed e;
        char err[100];
        int rc = parse(snippet, k, &e, err, sizeof err);
        if (rc != 0 && rc != -1) wrong++;
        if (rc == 0 && strcmp(e.provider, "youtube") != 0) wrong++;
    }
    CHECK(wrong == 0);
}

static void error_message_fits_any_buffer(void)
{
    tp_embed e;
    char err[8];
    memset(err, 'x', sizeof err);
    CHECK(tp_embed_parse("javascript:", 11, &e, err, sizeof err) == -1);
    CHECK(strlen(err) == 7);
    CHECK(tp_embed_parse("javascript:", 11, &e, NULL, 0) == -1);
    CHECK(tp_embed_parse("javascript:", 11, &e, err, 0) == -1);
    char full[200];
    CHECK(tp_embed_parse("<p>", 3, &e, full, sizeof full) == -1);
    CHECK(strstr(full, "embed code") != NULL);
}

/* ---- the table ---- */

static void frame_src_lists_exactly_the_embed_hosts(void)
{
    CHECK_STR_EQ(
        tp_embed_frame_src(),
        "https://www.youtube-nocookie.com https://player.vimeo.com https://speakerdeck.com "
        "https://www.slideshare.net https://docs.google.com https://noti.st");
}

static void provider_titles_come_from_the_table(void)
{
    CHECK_STR_EQ(tp_embed_provider_title("youtube"), "YouTube");
    CHECK_STR_EQ(tp_embed_provider_title("vimeo"), "Vimeo");
    CHECK_STR_EQ(tp_embed_provider_title("speakerdeck"), "Speaker Deck");
    CHECK_STR_EQ(tp_embed_provider_title("slideshare"), "SlideShare");
    CHECK_STR_EQ(tp_embed_provider_title("googleslides"), "Google Slides");
    CHECK_STR_EQ(tp_embed_provider_title("notist"), "Notist");
    CHECK_STR_EQ(tp_embed_provider_title("pdf"), "PDF");
    CHECK_STR_EQ(tp_embed_provider_title("link"), "Link");
    CHECK_STR_EQ(tp_embed_provider_title("YouTube"), "Link");
    CHECK_STR_EQ(tp_embed_provider_title(""), "Link");
    CHECK_STR_EQ(tp_embed_provider_title(NULL), "Link");
}

/* ---- the properties, over everything ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Random byte edits of inputs that parse: whatever comes out keeps the url/embed_url
 * properties (checked in parse(), which returns 99 otherwise). */
static void url_and_embed_url_properties_hold_for_20000_mutated_inputs(void)
{
    static const char *const seeds[] = {
        "https://www.youtube.com/watch?v=" YT_ID "&t=1m2s",
        "<iframe src=\"https://www.youtube.com/embed/" YT_ID "?start=3\"></iframe>",
        "https://player.vimeo.com/video/76979871?h=8272103f6e",
        "<script async data-id=\"" SD_ID "\" src=\"//speakerdeck.com/assets/embed.js\"></script>",
        "<iframe src=\"" SS_EMBED "\"></iframe><a href=\"//www.slideshare.net/a/b\">b</a>",
        "https://docs.google.com/presentation/d/e/" GS_PUB_ID "/pub",
        "<a href=\"https://noti.st/a/b\">x</a>",
        "https://example.com/a.pdf",
    };
    int accepted = 0, refused = 0, bad = 0;
    char buf[512];
    for (int round = 0; round < 20000; round++) {
        const char *seed = seeds[rng() % (sizeof seeds / sizeof seeds[0])];
        size_t n = strlen(seed);
        memcpy(buf, seed, n);
        for (int edits = 1 + (int)(rng() % 3); edits > 0; edits--) {
            size_t at = rng() % n;
            switch (rng() % 4) {
            case 0:
                buf[at] = (char)(rng() & 0xff);
                break;
            case 1:
                buf[at] = "\"'<>=/:.@?&# \0\\"[rng() % 15];
                break;
            case 2:
                memmove(buf + at, buf + at + 1, n - at - 1);
                n--;
                break;
            default:
                if (n < sizeof buf - 1) {
                    memmove(buf + at + 1, buf + at, n - at);
                    buf[at] = "\"'<>=/:.@?&# \0\\"[rng() % 15];
                    n++;
                }
            }
            if (n == 0) break;
        }
        tp_embed e;
        char err[100];
        int rc = parse(buf, n, &e, err, sizeof err);
        if (rc == 0)
            accepted++;
        else if (rc == -1 || rc == 1)
            refused++;
        else
            bad++;
    }
    fprintf(stderr, "  mutations: %d accepted, %d refused\n", accepted, refused);
    CHECK(bad == 0);
    CHECK(accepted > 1000 && refused > 1000);
}

/* Runs last: every successful parse of every case above went through check_result. */
static void every_case_above_checked_its_results(void)
{
    fprintf(stderr, "  %d results checked\n", results_checked);
    CHECK(results_checked > 5000);
}

#define CASE(fn)                                                                                   \
    {                                                                                              \
#fn, fn                                                                                    \
    }
static const check_case cases[] = {
    CASE(youtube_watch_url_embeds_from_the_nocookie_host),
    CASE(youtube_short_embed_shorts_live_and_mobile_urls_name_the_same_video),
    CASE(youtube_start_time_from_t_or_start_is_kept_in_seconds),
    CASE(youtube_iframe_embed_code_gives_only_the_video),
    CASE(youtube_urls_without_a_valid_id_are_youtube_links),
    CASE(vimeo_page_and_player_urls_embed_without_tracking),
    CASE(vimeo_unlisted_hash_is_kept_and_an_odd_one_is_not_embedded),
    CASE(speakerdeck_player_url_and_iframe_embed),
    CASE(speakerdeck_script_embed_code_gives_the_player_of_its_data_id),
    CASE(speakerdeck_script_from_another_host_or_with_a_bad_id_is_refused),
    CASE(speakerdeck_deck_page_is_a_speakerdeck_link),
    CASE(slideshare_embed_iframe_embeds_and_links_the_deck_page_from_the_snippet),
    CASE(slideshare_page_url_is_a_slideshare_link),
    CASE(googleslides_edit_pub_and_embed_urls_embed_the_deck),
    CASE(googleslides_published_ids_embed_and_link_the_pub_page),
    CASE(googleslides_odd_ids_are_links_and_other_google_docs_are_plain_links),
    CASE(notist_pages_are_links_and_its_player_and_script_embed_code_embed),
    CASE(pdf_urls_are_pdf_links),
    CASE(other_urls_are_links_kept_as_given),
    CASE(empty_and_white_space_only_input_means_none),
    CASE(surrounding_white_space_is_trimmed),
    CASE(the_first_embeddable_url_in_an_embed_code_wins),
    CASE(script_urls_and_other_schemes_are_refused),
    CASE(iframes_with_onload_or_srcdoc_give_only_their_src),
    CASE(markup_without_a_usable_url_is_refused),
    CASE(quotes_and_angle_brackets_around_ids_are_never_embedded),
    CASE(lookalike_hosts_are_plain_links),
    CASE(userinfo_tricks_are_refused),
    CASE(input_of_4096_bytes_is_read_and_one_more_is_refused),
    CASE(nul_bytes_controls_and_invalid_utf8_are_refused),
    CASE(every_prefix_of_an_embed_code_is_answered_within_bounds),
    CASE(error_message_fits_any_buffer),
    CASE(frame_src_lists_exactly_the_embed_hosts),
    CASE(provider_titles_come_from_the_table),
    CASE(url_and_embed_url_properties_hold_for_20000_mutated_inputs),
    CASE(every_case_above_checked_its_results),
};

CHECK_MAIN("tp_embed", cases)
