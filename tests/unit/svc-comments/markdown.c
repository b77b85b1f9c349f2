/* Unit tests for svc-comments/markdown.c: safe HTML from hostile Markdown, within its limits. */
#include "markdown.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "../../fuzz/markdown/markdown_props.h"

/* Read relative to the repository root, where `make test` runs the unit tests. Run with
 * MARKDOWN_CORPUS_UPDATE=1 to (re)write the .html beside each .md, then read the diff. */
#define CORPUS_DIR "tests/unit/svc-comments/markdown-corpus"

/* Renders src, checks every promise of the output and that a second render gives the same bytes.
 * The second render reads a copy followed in memory by bytes that would close a link or a span,
 * as a caller's buffer may be: md4c 0.4.8 reads past its input. Returns the HTML (caller frees),
 * or NULL when the render returned -1. */
static char *render_checked(const char *src, size_t n)
{
    static const char after[] = ")]>*_`\n";
    char *copy = tp_xmalloc(n + sizeof after);
    memcpy(copy, src, n);
    memcpy(copy + n, after, sizeof after);
    tp_buf a = TP_BUF_INIT, b = TP_BUF_INIT;
    tp_buf_puts(&a, "before");
    tp_buf_puts(&b, "before");
    size_t before = a.len;
    int rc = markdown_render(src, n, &a);
    int rc2 = markdown_render(copy, n, &b);
    free(copy);
    CHECK(rc == rc2);
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    if (rc != 0) {
        CHECK(rc == -1);
        CHECK(a.len == before && strcmp(a.data, "before") == 0);
        tp_buf_free(&a);
        tp_buf_free(&b);
        return NULL;
    }
    CHECK(a.len - before <= MARKDOWN_OUTPUT_MAX);
    const char *why = markdown_props_violation(a.data + before, a.len - before);
    if (why) fprintf(stderr, "  %s\n    input: %.200s\n    html:  %.400s\n", why, src, a.data);
    CHECK(why == NULL);
    char *html = tp_xstrdup(a.data + before);
    tp_buf_free(&a);
    tp_buf_free(&b);
    return html;
}

static char *render_str(const char *src)
{
    return render_checked(src, strlen(src));
}

static void expect(const char *src, const char *want)
{
    char *got = render_str(src);
    CHECK_STR_EQ(got, want);
    free(got);
}

/* A rendered output that must hold no link at all. */
static void expect_no_link(const char *src)
{
    char *got = render_str(src);
    CHECK(got != NULL);
    if (got && strstr(got, "<a ")) fprintf(stderr, "  kept a link: %s\n    html: %s\n", src, got);
    CHECK(got && !strstr(got, "<a "));
    free(got);
}

static size_t count(const char *hay, const char *needle)
{
    size_t k = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle)) k++;
    return k;
}

static char *repeat(const char *unit, size_t times, const char *tail)
{
    tp_buf b = TP_BUF_INIT;
    for (size_t i = 0; i < times; i++) tp_buf_puts(&b, unit);
    tp_buf_puts(&b, tail);
    return tp_buf_take(&b, NULL);
}

/* ---- The hostile corpus: every link form × every scheme disguise ---------------------------- */

/* printf formats of every way Markdown makes a link or image; %1$s is the target. */
static const char *const link_forms[] = {
    "[x](%1$s)",
    "[x](%1$s \"t\")",
    "[x](<%1$s>)",
    "[x]( %1$s )",
    "[x][r]\n\n[r]: %1$s\n",
    "[x]\n\n[x]: %1$s \"t\"\n",
    "[x][]\n\n[x]: <%1$s>\n",
    "<%1$s>",
    "![x](%1$s)",
    "![x][r]\n\n[r]: %1$s\n",
    "[![x](%1$s)](%1$s)",
    "> - *[x](%1$s)*",
    "# [x](%1$s)",
    "[**x** `y`](%1$s)",
};

/* Targets that must never become a link: dangerous schemes, disguised every way we know, and
 * relative or malformed targets. */
static const char *const bad_targets[] = {
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "JAVASCRIPT:alert(1)",
    "vbscript:msgbox(1)",
    "VBScript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "data:image/svg+xml,<svg onload=alert(1)>",
    "file:///etc/passwd",
    "ftp://example.com/",
    "&#106;avascript:alert(1)",
    "&#0000106;avascript:alert(1)",
    "&#x6A;avascript:alert(1)",
    "&#X6a;avascript:alert(1)",
    "&#x6a&#x61vascript:alert(1)",
    "javascript&colon;alert(1)",
    "javascript&#58;alert(1)",
    "javascript&#x3A;alert(1)",
    "javascript&#58alert(1)",
    "java&Tab;script:alert(1)",
    "java&NewLine;script:alert(1)",
    "java&#9;script:alert(1)",
    "java&#x0A;script:alert(1)",
    "java&#13;script:alert(1)",
    "java&#0;script:alert(1)",
    "java&zwj;script:alert(1)",
    "&#14;javascript:alert(1)",
    "&#32;javascript:alert(1)",
    "&nbsp;javascript:alert(1)",
    "java\\tscript:alert(1)",
    "%6Aavascript:alert(1)",
    "javascript%3Aalert(1)",
    "javascript://%0d%0aalert(1)",
    "javascript://example.com/%0Aalert(1)",
    "http&bogus;//example.com",
    "http:example.com",
    "http:\\\\example.com",
    "https:/example.com",
    "//evil.example.com",
    "/relative/path",
    "relative",
    "#fragment",
    "?query",
    "mailto",
    "&#x1F600;:x",
    "&#55296;http://x",
    "&#x110000;http://x",
    "&#99999999;http://x",
};

/* Targets inside <…> may hold raw spaces and control bytes: the disguises that need them. */
static const char *const bad_bracketed[] = {
    "[x](<java\tscript:alert(1)>)",  "[x](<\016javascript:alert(1)>)", /* \016 is \x0e, Shift Out */
    "[x](< javascript:alert(1)>)",   "[x](<javascript :alert(1)>)",    "[x](<http://a b>)",
    "[x](<\x01http://example.com>)", "[x](<http://exa\x7fmple.com>)",  "<java\tscript:alert(1)>",
    "[x](<\tjavascript:alert(1)>)",  "[x](<http://example.com\x1b>)",
};

static void links_with_dangerous_or_relative_targets_keep_only_their_text(void)
{
    size_t cases = 0;
    for (size_t f = 0; f < sizeof link_forms / sizeof link_forms[0]; f++) {
        for (size_t t = 0; t < sizeof bad_targets / sizeof bad_targets[0]; t++) {
            char src[512];
            snprintf(src, sizeof src, link_forms[f], bad_targets[t]);
            expect_no_link(src);
            cases++;
        }
    }
    for (size_t i = 0; i < sizeof bad_bracketed / sizeof bad_bracketed[0]; i++, cases++)
        expect_no_link(bad_bracketed[i]);
    CHECK(cases > 600);
}

static void a_refused_link_keeps_its_text(void)
{
    expect("[click *me*](javascript:alert(1))", "<p>click <em>me</em></p>\n");
    expect("<javascript:alert(1)>", "<p>javascript:alert(1)</p>\n");
    expect("[x](/relative)", "<p>x</p>\n");
    expect("[x][r]\n\n[r]: &#106;avascript:alert(1)\n", "<p>x</p>\n");
    expect("[x](http&bogus;//example.com)", "<p>x</p>\n");
}

static void http_https_and_mailto_links_get_rel_nofollow_ugc_noopener(void)
{
    expect("[x](http://example.com/)",
           "<p><a href=\"http://example.com/\" rel=\"nofollow ugc noopener\">x</a></p>\n");
    expect("[x](https://example.com/a?b=1&c=2 \"title\")",
           "<p><a href=\"https://example.com/a?b=1&amp;c=2\" rel=\"nofollow ugc noopener\">x</a>"
           "</p>\n");
    expect("[x](mailto:me@example.com)",
           "<p><a href=\"mailto:me@example.com\" rel=\"nofollow ugc noopener\">x</a></p>\n");
    expect("[x][r]\n\n[r]: <https://example.com/>\n",
           "<p><a href=\"https://example.com/\" rel=\"nofollow ugc noopener\">x</a></p>\n");
}

static void schemes_match_in_any_case_and_are_written_lower_case(void)
{
    expect("[x](HtTpS://Example.com/Path)",
           "<p><a href=\"https://Example.com/Path\" rel=\"nofollow ugc noopener\">x</a></p>\n");
    expect(
        "<MAILTO:me@example.com>",
        "<p><a href=\"mailto:me@example.com\" rel=\"nofollow ugc noopener\">MAILTO:me@example.com"
        "</a></p>\n");
}

static void entities_in_an_href_are_decoded_before_the_scheme_check(void)
{
    expect("[x](&#104;ttps&#x3A;//example.com/?a=1&amp;b=&quot;2&quot;)",
           "<p><a href=\"https://example.com/?a=1&amp;b=&quot;2&quot;\" "
           "rel=\"nofollow ugc noopener\">x</a></p>\n");
    expect("[x](https://example.com/&lt;script&gt;)",
           "<p><a href=\"https://example.com/&lt;script&gt;\" rel=\"nofollow ugc noopener\">x</a>"
           "</p>\n");
}

static void quotes_in_an_href_cannot_break_out_of_the_attribute(void)
{
    expect("[x](<https://example.com/\" onmouseover=\"alert(1)>)", "<p>x</p>\n");
    expect("[x](https://example.com/\"onmouseover=\"alert(1))",
           "<p><a href=\"https://example.com/&quot;onmouseover=&quot;alert(1)\" "
           "rel=\"nofollow ugc noopener\">x</a></p>\n");
    expect("[x](https://example.com/'onmouseover='alert(1))",
           "<p><a href=\"https://example.com/&#39;onmouseover=&#39;alert(1)\" "
           "rel=\"nofollow ugc noopener\">x</a></p>\n");
}

static void bare_urls_www_and_email_addresses_become_links(void)
{
    expect("see https://example.com/a_b.",
           "<p>see <a href=\"https://example.com/a_b\" rel=\"nofollow ugc noopener\">"
           "https://example.com/a_b</a>.</p>\n");
    expect("www.example.com",
           "<p><a href=\"http://www.example.com\" rel=\"nofollow ugc noopener\">www.example.com</a>"
           "</p>\n");
    expect("mail me@example.com!",
           "<p>mail <a href=\"mailto:me@example.com\" rel=\"nofollow ugc noopener\">me@example.com"
           "</a>!</p>\n");
    expect_no_link("javascript:alert(1) and vbscript:x and data:text/html,x");
}

static void links_inside_code_stay_code(void)
{
    expect(
        "`[x](javascript:alert(1))` `<https://example.com>`",
        "<p><code>[x](javascript:alert(1))</code> <code>&lt;https://example.com&gt;</code></p>\n");
    expect("```\n[x](https://example.com)\nhttps://example.com\n```",
           "<pre><code>[x](https://example.com)\nhttps://example.com\n</code></pre>\n");
}

/* Output that keeps none of the tags or URLs of an XSS attempt (render_checked() has already
 * checked that no attribute but href and title exists). */
static void expect_inert(const char *src)
{
    static const char *const never[] = {"<script", "<img",     "<svg",        "<iframe", "<div",
                                        "<x ",     "<body",    "<style",      "<object", "<embed",
                                        "<form",   "<meta",    "<base",       "<math",   "<details",
                                        "<input",  "href=\"j", "href=\"data", "<table"};
    char *got = render_str(src);
    CHECK(got != NULL);
    for (size_t k = 0; got && k < sizeof never / sizeof never[0]; k++) {
        if (strstr(got, never[k]))
            fprintf(stderr, "  kept %s: %s\n    html: %s\n", never[k], src, got);
        CHECK(!strstr(got, never[k]));
    }
    free(got);
}

static void raw_html_outside_the_allowlist_loses_its_tags_and_keeps_its_text(void)
{
    static const char *const raw[] = {
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        "<img src=x onerror=alert(1)>",
        "<svg onload=alert(1)>",
        "<svg><script>alert(1)</script></svg>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href=https://example.com onclick=alert(1)>x</a>",
        "<iframe src=\"javascript:alert(1)\"></iframe>",
        "<!-- <script>alert(1)</script> -->",
        "<![CDATA[<script>alert(1)</script>]]>",
        "<?php echo 1; ?>",
        "<!DOCTYPE html>",
        "<div onclick=\"alert(1)\">x</div>",
        "<body onload=alert(1)>",
        "<style>*{background:url(javascript:alert(1))}</style>",
        "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
        "<object data=\"javascript:alert(1)\"></object>",
        "<embed src=\"javascript:alert(1)\">",
        "<form action=javascript:alert(1)><input type=submit></form>",
        "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
        "<base href=\"javascript:/\">",
        "<details open ontoggle=alert(1)>",
        "<x onmouseover=alert(1)>hover</x>",
        "\"><script>alert(1)</script>",
        "<scr<script>ipt>alert(1)</scr</script>ipt>",
        "<<script>script>alert(1)<</script>/script>",
        "</p><script>alert(1)</script><p>",
        "<a href=javascript&colon;alert(1)>x</a>",
        "<table><tr><td>x</td></tr></table>",
        "<p>\n<script>\nalert(1)\n</script>\n</p>",
        "<div>\n\n*x*\n\n</div>",
        "    <script>alert(1)</script>",
        "> <img src=x onerror=alert(1)>",
        "- <svg/onload=alert(1)>",
        "[<img src=x onerror=alert(1)>](https://example.com)",
        "![<img src=x onerror=alert(1)>](https://example.com/i.png)",
        "![a\"onerror=\"alert(1)](https://example.com/i.png)",
        "[x](https://example.com \"\\\" onmouseover=\\\"alert(1)\")",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "&#60;script&#62;alert(1)&#60;/script&#62;",
        "&#x3C;img src=x onerror=alert(1)&#x3E;",
        "<b <i>",
        "<b onmouseover=alert(1)>x</b>",
        "<a href=\"javascript:alert(1)\" onclick=alert(1)>x</a>",
        "<A HREF=\"JaVaScRiPt:alert(1)\">x</A>",
        "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">x</a>",
        "<a href=\"data:text/html;base64,PHNjcmlwdD4=\">x</a>",
        "<abbr title=\"x\" onmouseover=\"alert(1)\">x</abbr>",
        "<svg><a href=\"javascript:alert(1)\"><text>x</text></a></svg>",
        "<img src=\"x\" onerror=\"alert(1)\"/>",
        "<img\nsrc=x\nonerror=alert(1)>",
        "<b><img src=x onerror=alert(1)></b>",
        "<div>\n<script>alert(1)</script>\n</div>",
        "<style>\n</style><script>alert(1)</script>",
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
        "<textarea><img src=x onerror=alert(1)></textarea>",
        "<b title=\"a\"onclick=alert(1)>x</b>",
    };
    for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++) expect_inert(raw[i]);
    /* script and style lose their tags like any other: their text stays, escaped, inert */
    expect("<script>alert(1)</script>", "alert(1)\n\n");
    expect("a <script>alert('<b>')</script> b", "<p>a alert(&#39;<b>&#39;) b</b></p>\n");
    expect("<img src=x onerror='alert(1)'>", "\n\n");
    expect("text <svg onload=alert(1)>svg</svg> <x-y>z</x-y>", "<p>text svg z</p>\n");
    expect("<!-- hidden --> a <!-- x --> <?php x ?> <![CDATA[c]]>", " a   \n\n");
    expect("<div onclick=\"alert(1)\">\n\n*kept*\n\n</div>", "\n\n<p><em>kept</em></p>\n\n\n");
}

static void raw_html_tags_of_the_allowlist_are_kept(void)
{
    expect("<b>raw</b>", "<p><b>raw</b></p>\n");
    expect("<i>i</i> <em>em</em> <strong>s</strong> <code>c</code> <abbr>a</abbr> "
           "<acronym>n</acronym>",
           "<p><i>i</i> <em>em</em> <strong>s</strong> <code>c</code> <abbr>a</abbr> "
           "<acronym>n</acronym></p>\n");
    expect("<B>UP</B> <Strong>s</STRONG> <b/>x</b>",
           "<p><b>UP</b> <strong>s</strong> <b>x</b></p>\n");
    /* block tags in an HTML block, where the browser builds the tree we write */
    expect("<p>para <b>b</b></p>", "<p>para <b>b</b></p>\n\n\n");
    expect("<h1>one</h1><h2>two</h2><h3>three</h3><h4>four</h4>",
           "<h1>one</h1>\n<h2>two</h2>\n<h3>three</h3>\nfour\n\n");
    expect("<ul>\n<li><b>a</b></li>\n<li>b\n</ul>",
           "<ul>\n<li><b>a</b></li>\n\n<li>b\n</li>\n</ul>\n\n\n");
    expect("<ol><li>x</li></ol><blockquote><p>q</p></blockquote><pre> a\n  b</pre>",
           "<ol><li>x</li>\n</ol>\n<blockquote><p>q</p>\n</blockquote>\n<pre> a\n  b</pre>\n\n\n");
    expect("a<br>b<br/>c", "<p>a\nb\nc</p>\n");
    expect(
        "> <b>in a quote</b>\n- <i>in a list</i>",
        "<blockquote>\n<p><b>in a quote</b></p>\n</blockquote>\n<ul>\n<li><i>in a list</i></li>\n"
        "</ul>\n");
}

static void raw_html_keeps_only_href_and_title(void)
{
    expect("<a href=\"https://e.com/?a=1&amp;b=2\" title=\"t &amp; &quot;q&quot; &#0;\" "
           "onclick=alert(1) target=_blank rel=opener>x</a>",
           "<p><a href=\"https://e.com/?a=1&amp;b=2\" title=\"t &amp; &quot;q&quot; \xEF\xBF\xBD\" "
           "rel=\"nofollow ugc noopener\">x</a></p>\n");
    expect("<a HREF='HTTPS://e.com' style=x>y</a> <a href = \"mailto:a@b.c\" >m</a>",
           "<p><a href=\"https://e.com\" rel=\"nofollow ugc noopener\">y</a> "
           "<a href=\"mailto:a@b.c\" rel=\"nofollow ugc noopener\">m</a></p>\n");
    expect("<abbr title=\"HyperText\" onmouseover=x>HTML</abbr> <acronym TITLE=NASA "
           "class=c>N</acronym> <b title=t id=i>b</b>",
           "<p><abbr title=\"HyperText\">HTML</abbr> <acronym title=\"NASA\">N</acronym> "
           "<b>b</b></p>\n");
    expect("<a\nhref=\"https://e.com\"\ntitle='multi\nline'>split</a>",
           "<p><a href=\"https://e.com\" title=\"multi\nline\" rel=\"nofollow ugc noopener\">split"
           "</a></p>\n");
    expect("<a href=\"https://a.com\" href=\"javascript:x\">first wins</a>",
           "<p><a href=\"https://a.com\" rel=\"nofollow ugc noopener\">first wins</a></p>\n");
    /* an <a> without an allowed href keeps its text, like a Markdown link */
    expect("<a>no</a> <a href=/rel>r</a> <a title=t>t</a> <a href=\"https://e.com/&bogus;\">b</a>",
           "<p>no r t b</p>\n");
}

static void raw_links_follow_the_markdown_link_rules(void)
{
    static const char *const forms[] = {"<a href=\"%s\">x</a>", "<a href='%s'>x</a>",
                                        "<a href=%s>x</a>", "<div>\n<a href=\"%s\">x</a>\n</div>",
                                        "<a title=t HREF=\"%s\">x</a>"};
    size_t cases = 0;
    for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++) {
        for (size_t t = 0; t < sizeof bad_targets / sizeof bad_targets[0]; t++, cases++) {
            char src[512];
            snprintf(src, sizeof src, forms[f], bad_targets[t]);
            expect_no_link(src);
        }
    }
    CHECK(cases > 200);
    expect_no_link("<a href=\" javascript:alert(1)\">x</a>");
    expect_no_link("<a href=\"java\tscript:alert(1)\">x</a>");
    expect_no_link("<a href=\"java\nscript:alert(1)\">x</a>");
    expect_no_link("<a href=\"javascript&#x3a;alert(1)\">x</a>");
    expect_no_link(
        "<a href=\"&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;x\">x</a>");
    expect_no_link("<a href=\"jav&#x09;ascript:alert(1)\">x</a>");
    expect_no_link("<a href=\"&#1;javascript:alert(1)\">x</a>");
    expect("<a href=\"&#104;ttps&#x3A;//e.com/&lt;\">x</a>",
           "<p><a href=\"https://e.com/&lt;\" rel=\"nofollow ugc noopener\">x</a></p>\n");
}

static void raw_tags_open_only_where_the_browser_would_keep_them(void)
{
    /* block tags inside a paragraph would close it: dropped */
    expect("a <p>x</p> <blockquote>q</blockquote> <li>l</li> <h1>h</h1>", "<p>a x q l h</p>\n");
    /* <li> only in a raw list; nothing block-level inside phrasing */
    expect("<div>\n<li>x</li><ul><b>y</b><p>z</p></ul>\n</div>", "\nx<ul><b>y</b>z</ul>\n\n\n\n");
    /* no link inside a link, whichever made it */
    expect("<a href=\"https://a.com\"><a href=\"https://b.com\">x</a></a>",
           "<p><a href=\"https://a.com\" rel=\"nofollow ugc noopener\">x</a></p>\n");
    expect("<a href=\"https://a.com\">[in](https://b.com) www.c.com</a>",
           "<p><a href=\"https://a.com\" rel=\"nofollow ugc noopener\">in www.c.com</a></p>\n");
    expect("[out <a href=\"https://a.com\">in</a>](https://b.com)",
           "<p><a href=\"https://b.com\" rel=\"nofollow ugc noopener\">out in</a></p>\n");
    /* an image's alt text stays text; code stays code */
    expect("![<b>alt</b>](https://e.com/x.png)", "<p>alt</p>\n");
    expect("`<b>code</b>`", "<p><code>&lt;b&gt;code&lt;/b&gt;</code></p>\n");
}

static void unclosed_and_stray_raw_tags_leave_well_formed_html(void)
{
    expect("<i>unclosed *em* text", "<p><i>unclosed <em>em</em> text</i></p>\n");
    expect("x </b> <b>y</i></b> </p>", "<p>x  <b>y</b> </p>\n");
    expect("<b>a<i>b</b>c</i>", "<p><b>a<i>b</i></b>c</p>\n");
    /* a raw closer never closes Markdown's element, and Markdown's closes the raw ones in it */
    expect("*a <b>b* c</b>", "<p><em>a <b>b</b></em> c</p>\n");
    expect("<b>one\n\ntwo</b>", "<p><b>one</b></p>\n<p>two</p>\n");
    expect("<blockquote>\n<p>q <b>open\n\n",
           "<blockquote>\n<p>q <b>open\n</b></p>\n</blockquote>\n\n");
    /* "<b <i>" is no tag: the text "<b " and the tag <i> */
    expect("a <b <i>x</i> y", "<p>a &lt;b <i>x</i> y</p>\n");
    expect("<b\n<i>x", "<p>&lt;b\n<i>x</i></p>\n");
    expect("<a href=\"https://e.com\" <b>x",
           "<p>&lt;a href=&quot;https://e.com&quot; <b>x</b></p>\n");
    expect("<a href='https://e.com>x</a>", "<p>&lt;a href=&#39;https://e.com&gt;x</p>\n");
    /* deep raw nesting is capped like Markdown's */
    char *deep = repeat("<b>", 3000, "x");
    char *got = render_str(deep);
    CHECK(got && count(got, "<b>") < 40 && count(got, "<b>") == count(got, "</b>"));
    free(got);
    free(deep);
}

static void raw_html_entities_are_decoded_and_escaped_again(void)
{
    expect("&lt;b&gt; <b>&amp;&eacute;&bogus;&#0;</b>",
           "<p>&lt;b&gt; <b>&amp;é&amp;bogus;\xEF\xBF\xBD</b></p>\n");
    expect("<div>\n&lt;script&gt; &#60;b&#62; &#x26; & &bogus; &#xD800;\n</div>",
           "\n&lt;script&gt; &lt;b&gt; &amp; &amp; &amp;bogus; \xEF\xBF\xBD\n\n\n");
}

static void images_become_their_alt_text(void)
{
    expect("![a *cat* & [dog](https://example.com)](https://example.com/cat.png \"t\")",
           "<p>a cat &amp; dog</p>\n");
    expect("[![logo](https://example.com/l.png)](https://example.com/)",
           "<p><a href=\"https://example.com/\" rel=\"nofollow ugc noopener\">logo</a></p>\n");
    expect("![x](javascript:alert(1))", "<p>x</p>\n");
}

static void elements_outside_the_allowlist_keep_their_text(void)
{
    expect("#### four\n##### five\n###### six", "<p>four</p>\n<p>five</p>\n<p>six</p>\n");
    expect("# one\n## two\n### three", "<h1>one</h1>\n<h2>two</h2>\n<h3>three</h3>\n");
    expect("a\n\n***\n\nb", "<p>a</p>\n\n<p>b</p>\n");
    expect("~~gone~~ ~kept~", "<p>gone kept</p>\n");
    expect("a  \nb\\\nc", "<p>a\nb\nc</p>\n");
    expect("| a | b |\n|---|---|\n| 1 | 2 |", "<p>| a | b |\n|---|---|\n| 1 | 2 |</p>\n");
    expect("- [x] done", "<ul>\n<li>[x] done</li>\n</ul>\n");
    expect("```js\nlet a = \"<b>\";\n```",
           "<pre><code>let a = &quot;&lt;b&gt;&quot;;\n</code></pre>\n");
}

static void text_entities_are_decoded_and_escaped_again(void)
{
    expect("&amp; &lt;b&gt; &quot; &eacute; &#233; &#xE9; &copy;",
           "<p>&amp; &lt;b&gt; &quot; é é é ©</p>\n");
    expect("&bogus; &#0; &#xD800; &#x110000; &#1; &#x9F;",
           "<p>&amp;bogus; \xEF\xBF\xBD \xEF\xBF\xBD \xEF\xBF\xBD \xEF\xBF\xBD \xEF\xBF\xBD</p>\n");
}

static void null_bytes_become_the_replacement_character(void)
{
    static const char src[] = "a\0b `c\0d` [x\0](https://e.com) \x01\x7f";
    char *got = render_checked(src, sizeof src - 1);
    CHECK_STR_EQ(got,
                 "<p>a\xEF\xBF\xBD"
                 "b <code>c\xEF\xBF\xBD"
                 "d</code> <a href=\"https://e.com\" rel=\"nofollow ugc noopener\">x\xEF\xBF\xBD"
                 "</a> \xEF\xBF\xBD\xEF\xBF\xBD</p>\n");
    free(got);
}

static void every_byte_of_text_is_escaped(void)
{
    expect("a & b < c > d \" e ' f", "<p>a &amp; b &lt; c &gt; d &quot; e &#39; f</p>\n");
    expect("`&<>\"'`", "<p><code>&amp;&lt;&gt;&quot;&#39;</code></p>\n");
}

static void a_source_of_16_KiB_renders_and_one_byte_more_is_refused(void)
{
    char *src = tp_xmalloc(MARKDOWN_SOURCE_MAX + 1);
    memset(src, 'a', MARKDOWN_SOURCE_MAX + 1);
    tp_buf out = TP_BUF_INIT;
    CHECK(markdown_render(src, MARKDOWN_SOURCE_MAX, &out) == 0);
    CHECK(out.len == MARKDOWN_SOURCE_MAX + strlen("<p></p>\n"));
    tp_buf_reset(&out);
    tp_buf_puts(&out, "kept");
    CHECK(markdown_render(src, MARKDOWN_SOURCE_MAX + 1, &out) == -1);
    CHECK_STR_EQ(out.data, "kept");
    tp_buf_free(&out);
    free(src);
}

static void invalid_utf8_is_refused_and_out_is_unchanged(void)
{
    static const char *const bad[] = {"\xC0\xAF",         "a\xE0\x80\xAFz", "\xED\xA0\x80",
                                      "\xF4\x90\x80\x80", "\xFF",           "ok \xC3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tp_buf out = TP_BUF_INIT;
        tp_buf_puts(&out, "kept");
        CHECK(markdown_render(bad[i], strlen(bad[i]), &out) == -1);
        CHECK_STR_EQ(out.data, "kept");
        tp_buf_free(&out);
    }
}

static void empty_input_gives_an_empty_string(void)
{
    tp_buf out = TP_BUF_INIT;
    CHECK(markdown_render(NULL, 0, &out) == 0);
    CHECK(out.len == 0 && out.data && out.data[0] == '\0');
    tp_buf_free(&out);
    expect("   \n\n  \n", "");
}

static void html_past_the_output_cap_fails_and_leaves_out_unchanged(void)
{
    /* One 8000-byte link target used 2000 times: 16 MB of HTML from 14 KB of Markdown. */
    tp_buf src = TP_BUF_INIT;
    tp_buf_puts(&src, "[r]: https://example.com/");
    for (int i = 0; i < 8000; i++) tp_buf_putc(&src, 'a');
    tp_buf_puts(&src, "\n\n");
    for (int i = 0; i < 2000; i++) tp_buf_puts(&src, "[r]");
    CHECK(src.len <= MARKDOWN_SOURCE_MAX);
    tp_buf out = TP_BUF_INIT;
    tp_buf_puts(&out, "kept");
    CHECK(markdown_render(src.data, src.len, &out) == -1);
    CHECK_STR_EQ(out.data, "kept");
    tp_buf_free(&out);
    tp_buf_free(&src);
}

static void the_worst_ordinary_inputs_fit_under_the_output_cap(void)
{
    static const char *const units[] = {"'", "\"", "a@b.co ", "*a* ", "- a\n", "`'` ", "\0"};
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        size_t len = strlen(units[u]) ? strlen(units[u]) : 1;
        tp_buf src = TP_BUF_INIT;
        while (src.len + len <= MARKDOWN_SOURCE_MAX) tp_buf_append(&src, units[u], len);
        char *got = render_checked(src.data, src.len);
        CHECK(got != NULL);
        free(got);
        tp_buf_free(&src);
    }
}

static void deep_nesting_keeps_the_text_but_caps_open_tags(void)
{
    static const struct {
        const char *unit, *tail, *tag;
        size_t times;
    } deep[] = {
        {"> ", "deep", "<blockquote>", 5000}, {"> ", "deep", "<blockquote>", 8000},
        {"- ", "deep", "<li>", 5000},         {"1. ", "deep", "<li>", 5000},
        {"> - ", "deep", "<li>", 3000},       {"*", "deep", "<em>", 5000},
        {"**", "deep", "<strong>", 4000},     {"_", "deep", "<em>", 5000},
        {"[", "deep", "<a ", 5000},           {"[a](https://x/", "deep", "<a ", 1000},
        {"![", "deep", "<a ", 5000},          {"~~a ", "deep", "<del>", 4000},
    };
    for (size_t i = 0; i < sizeof deep / sizeof deep[0]; i++) {
        char *src = repeat(deep[i].unit, deep[i].times, deep[i].tail);
        char *got = render_str(src);
        CHECK(got != NULL);
        if (got) {
            CHECK(strstr(got, "deep") != NULL);
            CHECK(count(got, deep[i].tag) <= 32);
        }
        free(got);
        free(src);
    }
    /* Balanced runs: the emphasis itself is capped, none of the text is lost. */
    char *both = repeat("*", 3000, "x"), *closing = repeat("*", 3000, "");
    size_t n = strlen(both);
    both = tp_xrealloc(both, n + 3001);
    memcpy(both + n, closing, 3001);
    char *got = render_str(both);
    CHECK(got && strstr(got, "x"));
    free(got);
    free(both);
    free(closing);
}

static void long_lines_and_long_runs_render(void)
{
    static const char *const units[] = {"a",     "*a", "_a_ ", "http://", "www.a.",  "a@",
                                        "&amp;", "\\", "<",    "`",       "[",       "](",
                                        "**a**", "~~", "\t",   "é",       "[x]: y\n"};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        size_t times = 10000 / strlen(units[i]);
        char *src = repeat(units[i], times, "");
        char *got = render_str(src);
        CHECK(got != NULL);
        free(got);
        free(src);
    }
    char *url = repeat("a", 9990, " end"), *line = tp_xmalloc(10100);
    snprintf(line, 10100, "https://example.com/%s", url);
    char *got = render_str(line);
    CHECK(got && count(got, "<a href=") == 1);
    free(got);
    free(line);
    free(url);
}

/* Found by fuzz_markdown (tests/fuzz/markdown/corpus/crash-*): md4c 0.4.8 leaves an <em> it
 * never opened after an autolink, and opens one it never closes around an empty link. The old
 * renderer popped its stack below zero on the first and left a tag open on the second. */
static void unpaired_span_callbacks_from_md4c_still_give_well_formed_html(void)
{
    expect("http://.r*s*",
           "<p><a href=\"http://.r*s\" rel=\"nofollow ugc noopener\">http://.r*s</a></p>\n");
    expect("*[](*)", "<p><em></em></p>\n");
    expect("a *[](*)* b\n\nc", "<p>a <em>* b</em></p>\n<p>c</p>\n");
    expect("> *[](*) q\n\nafter",
           "<blockquote>\n<p><em> q</em></p>\n</blockquote>\n<p>after</p>\n");
}

/* Found by fuzz_markdown: md4c 0.4.8 reads the byte after its input, and when the last line ends
 * inside a link and that byte is ')', it took the link as closed and handed us text running past
 * the end. Here the ')' is in memory but not in the input. */
static void a_link_cut_off_at_the_end_is_not_closed_by_the_byte_after_it(void)
{
    static const struct {
        const char *in_memory, *want;
    } cut[] = {
        {"[](j)", "<p>[](j</p>\n"},
        {"[](S)", "<p>[](S</p>\n"},
        {"[x](<https://example.com/)", "<p>[x](&lt;https://example.com/</p>\n"},
    };
    for (size_t i = 0; i < sizeof cut / sizeof cut[0]; i++) {
        char *copy = tp_xstrdup(cut[i].in_memory);
        char *got = render_checked(copy, strlen(copy) - 1); /* all but the ')' */
        CHECK_STR_EQ(got, cut[i].want);
        free(got);
        free(copy);
    }
}

static void rendering_appends_after_existing_bytes(void)
{
    tp_buf out = TP_BUF_INIT;
    tp_buf_puts(&out, "<section>");
    CHECK(markdown_render("*hi*", 4, &out) == 0);
    CHECK_STR_EQ(out.data, "<section><p><em>hi</em></p>\n");
    tp_buf_free(&out);
}

/* ---- The golden corpus --------------------------------------------------------------------- */

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    tp_buf b = TP_BUF_INIT;
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) tp_buf_append(&b, chunk, got);
    fclose(f);
    tp_buf_reserve(&b, 0);
    return tp_buf_take(&b, n);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .md names in the corpus, sorted; *count_out of them. */
static char **corpus_names(size_t *count_out)
{
    char **names = NULL;
    size_t n = 0;
    DIR *d = opendir(CORPUS_DIR);
    if (!d) {
        fprintf(stderr, "  cannot open %s (run from the repository root)\n", CORPUS_DIR);
        *count_out = 0;
        return NULL;
    }
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 4 || strcmp(e->d_name + len - 3, ".md") != 0) continue;
        names = tp_xrealloc(names, (n + 1) * sizeof *names);
        names[n++] = tp_xstrndup(e->d_name, len - 3);
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, by_name);
    *count_out = n;
    return names;
}

static void every_golden_corpus_file_renders_as_recorded(void)
{
    bool update = getenv("MARKDOWN_CORPUS_UPDATE") != NULL;
    size_t n;
    char **names = corpus_names(&n);
    CHECK(n >= 40);
    for (size_t i = 0; i < n; i++) {
        char path[512];
        size_t md_len, html_len;
        snprintf(path, sizeof path, "%s/%s.md", CORPUS_DIR, names[i]);
        char *md = slurp(path, &md_len);
        CHECK(md != NULL);
        char *got = md ? render_checked(md, md_len) : NULL;
        if (!got) got = tp_xstrdup("(refused)\n");
        snprintf(path, sizeof path, "%s/%s.html", CORPUS_DIR, names[i]);
        if (update) {
            FILE *f = fopen(path, "wb");
            CHECK(f != NULL);
            if (f) {
                fputs(got, f);
                fclose(f);
            }
        } else {
            char *want = slurp(path, &html_len);
            if (!want)
                fprintf(stderr, "  %s: no .html beside it\n", names[i]);
            else if (strcmp(want, got) != 0)
                fprintf(stderr, "  %s differs:\n    got:  %s\n    want: %s\n", names[i], got, want);
            CHECK(want && strcmp(want, got) == 0);
            free(want);
        }
        free(got);
        free(md);
        free(names[i]);
    }
    free(names);
}

/* ---- Mutations: a small deterministic fuzz loop over the corpus ----------------------------- */

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static const char *const tokens[] = {
    "[",           "]",
    "(",           ")",
    "<",           ">",
    "!",           "*",
    "_",           "`",
    "~",           "#",
    "> ",          "- ",
    "1. ",         "\n",
    "\n\n",        "    ",
    "\t",          "\\",
    "&",           ";",
    "&#",          "&#x",
    "&amp;",       "&colon;",
    "&#58;",       "&#106;",
    ":",           "\"",
    "'",           "http://",
    "https://",    "mailto:",
    "www.",        "@",
    "javascript:", "data:",
    "[r]: ",       "[r]",
    "](",          "```",
    "<a href=",    "<script>",
    "onerror=",    "<b>",
    "</b>",        "<i ",
    "</a>",        "<abbr title='",
    "<p>",         "</ul>",
    "<li>",        "<!--",
    "-->",         "<br>",
    "é",           "\xEF\xBF\xBD",
    "\0",          "\x0e",
    "\x80",        "\xC3",
    "|",           "---",
    "===",         " \"t\"",
    "%0a",
};

static void mutate(tp_buf *b, const char *const *seeds, size_t nseeds)
{
    size_t edits = 1 + rng() % 8;
    for (size_t e = 0; e < edits; e++) {
        size_t at = b->len ? rng() % (b->len + 1) : 0;
        switch (rng() % 5) {
        case 0:
        case 1: { /* insert a token */
            const char *t = tokens[rng() % (sizeof tokens / sizeof tokens[0])];
            size_t len = t[0] ? strlen(t) : 1;
            tp_buf_reserve(b, len);
            memmove(b->data + at + len, b->data + at, b->len - at);
            memcpy(b->data + at, t, len);
            b->len += len;
            break;
        }
        case 2: { /* delete a range */
            size_t len = b->len - at ? rng() % (b->len - at + 1) % 16 : 0;
            memmove(b->data + at, b->data + at + len, b->len - at - len);
            b->len -= len;
            break;
        }
        case 3: { /* duplicate a range */
            size_t len = b->len - at ? rng() % (b->len - at) % 64 : 0;
            tp_buf_reserve(b, len);
            memmove(b->data + at + len, b->data + at, b->len - at);
            b->len += len;
            break;
        }
        default: { /* splice in another seed */
            const char *s = seeds[rng() % nseeds];
            size_t len = strlen(s);
            tp_buf_reserve(b, len);
            memmove(b->data + at + len, b->data + at, b->len - at);
            memcpy(b->data + at, s, len);
            b->len += len;
            break;
        }
        }
        if (b->len > 4000) b->len = 4000;
    }
    tp_buf_reserve(b, 0);
    b->data[b->len] = '\0';
}

static void mutated_inputs_keep_every_promise(void)
{
    const char *seeds[sizeof bad_targets / sizeof bad_targets[0] + 10];
    size_t nseeds = 0;
    for (size_t i = 0; i < sizeof bad_targets / sizeof bad_targets[0]; i++)
        seeds[nseeds++] = bad_targets[i];
    seeds[nseeds++] = "> quote\n> - item *em* **strong** `code`\n\n# h\n";
    seeds[nseeds++] = "[link](https://example.com \"t\") <https://a.b> www.c.d e@f.gh";
    seeds[nseeds++] = "[x][r]\n\n[r]: https://example.com/\n";
    seeds[nseeds++] = "![alt *x*](https://example.com/i.png)";
    seeds[nseeds++] = "```\ncode\n```\n\n    indented\n";
    seeds[nseeds++] = "<script>alert(1)</script><img src=x onerror=alert(1)>";
    seeds[nseeds++] = "1. a\n2. b\n   - c\n\n---\n\n#### h4\n";
    seeds[nseeds++] = "&#106;avascript&colon;alert(1) &amp; &bogus;";
    seeds[nseeds++] = "a <b>b <i>i</b> <a href=\"https://e.com\" title='t'>x</a> <abbr title=y>";
    seeds[nseeds++] = "<div>\n<ul><li><p>x</p></li></ul><blockquote><pre>y</pre>\n</div>\n";
    size_t rendered = 0, refused = 0;
    for (int i = 0; i < 40000; i++) {
        tp_buf b = TP_BUF_INIT;
        tp_buf_puts(&b, seeds[rng() % nseeds]);
        mutate(&b, seeds, nseeds);
        char *got = render_checked(b.data, b.len);
        if (got)
            rendered++;
        else
            refused++;
        free(got);
        tp_buf_free(&b);
        if (check_failures_in_case > 10) break;
    }
    CHECK(rendered > 20000 && refused > 0);
}

static const check_case cases[] = {
    {"links_with_dangerous_or_relative_targets_keep_only_their_text",
     links_with_dangerous_or_relative_targets_keep_only_their_text},
    {"a_refused_link_keeps_its_text", a_refused_link_keeps_its_text},
    {"http_https_and_mailto_links_get_rel_nofollow_ugc_noopener",
     http_https_and_mailto_links_get_rel_nofollow_ugc_noopener},
    {"schemes_match_in_any_case_and_are_written_lower_case",
     schemes_match_in_any_case_and_are_written_lower_case},
    {"entities_in_an_href_are_decoded_before_the_scheme_check",
     entities_in_an_href_are_decoded_before_the_scheme_check},
    {"quotes_in_an_href_cannot_break_out_of_the_attribute",
     quotes_in_an_href_cannot_break_out_of_the_attribute},
    {"bare_urls_www_and_email_addresses_become_links",
     bare_urls_www_and_email_addresses_become_links},
    {"links_inside_code_stay_code", links_inside_code_stay_code},
    CASE(raw_html_outside_the_allowlist_loses_its_tags_and_keeps_its_text),
    CASE(raw_html_tags_of_the_allowlist_are_kept),
    CASE(raw_html_keeps_only_href_and_title),
    CASE(raw_links_follow_the_markdown_link_rules),
    CASE(raw_tags_open_only_where_the_browser_would_keep_them),
    CASE(unclosed_and_stray_raw_tags_leave_well_formed_html),
    CASE(raw_html_entities_are_decoded_and_escaped_again),
    {"images_become_their_alt_text", images_become_their_alt_text},
    {"elements_outside_the_allowlist_keep_their_text",
     elements_outside_the_allowlist_keep_their_text},
    {"text_entities_are_decoded_and_escaped_again", text_entities_are_decoded_and_escaped_again},
    {"null_bytes_become_the_replacement_character", null_bytes_become_the_replacement_character},
    {"every_byte_of_text_is_escaped", every_byte_of_text_is_escaped},
    {"a_source_of_16_KiB_renders_and_one_byte_more_is_refused",
     a_source_of_16_KiB_renders_and_one_byte_more_is_refused},
    {"invalid_utf8_is_refused_and_out_is_unchanged", invalid_utf8_is_refused_and_out_is_unchanged},
    {"empty_input_gives_an_empty_string", empty_input_gives_an_empty_string},
    {"html_past_the_output_cap_fails_and_leaves_out_unchanged",
     html_past_the_output_cap_fails_and_leaves_out_unchanged},
    {"the_worst_ordinary_inputs_fit_under_the_output_cap",
     the_worst_ordinary_inputs_fit_under_the_output_cap},
    {"deep_nesting_keeps_the_text_but_caps_open_tags",
     deep_nesting_keeps_the_text_but_caps_open_tags},
    {"long_lines_and_long_runs_render", long_lines_and_long_runs_render},
    {"unpaired_span_callbacks_from_md4c_still_give_well_formed_html",
     unpaired_span_callbacks_from_md4c_still_give_well_formed_html},
    {"a_link_cut_off_at_the_end_is_not_closed_by_the_byte_after_it",
     a_link_cut_off_at_the_end_is_not_closed_by_the_byte_after_it},
    {"rendering_appends_after_existing_bytes", rendering_appends_after_existing_bytes},
    {"every_golden_corpus_file_renders_as_recorded", every_golden_corpus_file_renders_as_recorded},
    {"mutated_inputs_keep_every_promise", mutated_inputs_keep_every_promise},
};

CHECK_MAIN("markdown", cases)
