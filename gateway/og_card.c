/* og_card: a talk's PNG card for og:image (see og_card.h). */
#include "og_card.h"

#include <ft2build.h>
#include FT_FREETYPE_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "tp_log.h"

#define FONT_DIR     "/usr/share/fonts/truetype/dejavu/"
#define MARGIN       80
#define TITLE_PX     64
#define TITLE_LINES  3
#define TITLE_LEAD   80 /* baseline to baseline */
#define DETAIL_PX    34
#define BRAND_PX     30
#define ACCENT_BAR_W 16

typedef struct rgb {
    uint8_t r, g, b;
} rgb;

/* talks.css: --talks-bg, --talks-text, --talks-muted, --talks-primary. */
static const rgb BG = {0xf6, 0xf7, 0xfb}, TEXT = {0x1d, 0x24, 0x33}, MUTED = {0x5b, 0x64, 0x74},
                 PRIMARY = {0x4f, 0x46, 0xe5};

static FT_Library library;
static FT_Face bold, regular;

bool og_card_init(void)
{
    if (FT_Init_FreeType(&library)) {
        library = NULL;
        tp_warn(NULL, "og:image cards are off: FreeType did not start");
        return false;
    }
    if (FT_New_Face(library, FONT_DIR "DejaVuSans-Bold.ttf", 0, &bold) ||
        FT_New_Face(library, FONT_DIR "DejaVuSans.ttf", 0, &regular)) {
        tp_warn(NULL, "og:image cards are off: no DejaVu Sans in " FONT_DIR
                      " (Debian's fonts-dejavu-core)");
        og_card_free();
        return false;
    }
    return true;
}

bool og_card_ready(void)
{
    return regular != NULL;
}

void og_card_free(void)
{
    if (bold) FT_Done_Face(bold);
    if (regular) FT_Done_Face(regular);
    if (library) FT_Done_FreeType(library);
    bold = regular = NULL;
    library = NULL;
}

/* The code point at s[*i] (valid UTF-8, as the caller guarantees), *i moved past it. */
static uint32_t next_cp(const char *s, size_t *i)
{
    const unsigned char *u = (const unsigned char *)s + *i;
    int len = u[0] < 0x80 ? 1 : u[0] < 0xe0 ? 2 : u[0] < 0xf0 ? 3 : 4;
    uint32_t cp = len == 1 ? u[0] : u[0] & (0x3f >> (len - 1));
    for (int k = 1; k < len; k++) cp = cp << 6 | (u[k] & 0x3f);
    *i += (size_t)len;
    return cp;
}

/* Width in pixels of s[0..n) in face at its current size. */
static long text_width(FT_Face face, const char *s, size_t n)
{
    long w = 0;
    for (size_t i = 0; i < n;)
        if (!FT_Load_Char(face, next_cp(s, &i), FT_LOAD_DEFAULT)) w += face->glyph->advance.x >> 6;
    return w;
}

typedef struct canvas {
    uint8_t *px; /* RGB, OG_CARD_WIDTH * OG_CARD_HEIGHT */
} canvas;

static void fill(canvas *c, int x0, int y0, int x1, int y1, rgb col)
{
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
            uint8_t *p = c->px + ((size_t)y * OG_CARD_WIDTH + (size_t)x) * 3;
            p[0] = col.r, p[1] = col.g, p[2] = col.b;
        }
}

static uint8_t mix(uint8_t under, uint8_t over, unsigned a)
{
    return (uint8_t)((under * (255 - a) + over * a + 127) / 255);
}

/* Draws s[0..n) with its baseline at y from x; glyphs past the card's edge are clipped. */
static void draw(canvas *c, FT_Face face, int x, int y, const char *s, size_t n, rgb col)
{
    for (size_t i = 0; i < n;) {
        if (FT_Load_Char(face, next_cp(s, &i), FT_LOAD_RENDER)) continue;
        const FT_GlyphSlot g = face->glyph;
        const FT_Bitmap *b = &g->bitmap;
        for (unsigned row = 0; row < b->rows; row++) {
            int py = y - g->bitmap_top + (int)row;
            if (py < 0 || py >= OG_CARD_HEIGHT) continue;
            for (unsigned k = 0; k < b->width; k++) {
                int px = x + g->bitmap_left + (int)k;
                unsigned a = b->buffer[row * (unsigned)b->pitch + k];
                if (px < 0 || px >= OG_CARD_WIDTH || !a) continue;
                uint8_t *p = c->px + ((size_t)py * OG_CARD_WIDTH + (size_t)px) * 3;
                p[0] = mix(p[0], col.r, a), p[1] = mix(p[1], col.g, a), p[2] = mix(p[2], col.b, a);
            }
        }
        x += (int)(g->advance.x >> 6);
    }
}

/* How many bytes of s[0..n) fit in max_w pixels: all of them, or up to the last space that
 * fits (words), or up to the last character that fits. */
static size_t fit(FT_Face face, const char *s, size_t n, long max_w, bool words)
{
    long w = 0;
    size_t last_space = 0;
    for (size_t i = 0; i < n;) {
        size_t start = i;
        uint32_t cp = next_cp(s, &i);
        if (cp == ' ') last_space = start;
        if (!FT_Load_Char(face, cp, FT_LOAD_DEFAULT)) w += face->glyph->advance.x >> 6;
        if (w > max_w) return words ? last_space : start;
    }
    return n;
}

/* Draws one line, cut to fit max_w with "…" when it is wider. */
static void draw_fitted(canvas *c, FT_Face face, int x, int y, tp_str s, long max_w, rgb col)
{
    static const char ellipsis[] = "\xe2\x80\xa6";
    size_t end = fit(face, s.p, s.n, max_w, false);
    if (end < s.n) end = fit(face, s.p, s.n, max_w - text_width(face, ellipsis, 3), false);
    while (end < s.n && end && s.p[end - 1] == ' ') end--;
    draw(c, face, x, y, s.p, end, col);
    if (end < s.n) draw(c, face, x + (int)text_width(face, s.p, end), y, ellipsis, 3, col);
}

/* The title over at most TITLE_LINES lines, broken between words (a word wider than a line is
 * cut); the last line takes the rest and is cut with "…". */
static void draw_title(canvas *c, int x, int y, tp_str t, long max_w)
{
    size_t at = 0;
    for (int line = 0; line < TITLE_LINES; line++) {
        while (at < t.n && t.p[at] == ' ') at++;
        if (at == t.n) return;
        tp_str rest = {t.p + at, t.n - at};
        size_t take = rest.n;
        if (line < TITLE_LINES - 1) {
            take = fit(bold, rest.p, rest.n, max_w, true);
            if (take == 0) take = fit(bold, rest.p, rest.n, max_w, false);
            if (take == 0) next_cp(rest.p, &take); /* always one character on */
        }
        draw_fitted(c, bold, x, y + line * TITLE_LEAD, (tp_str){rest.p, take}, max_w, TEXT);
        at += take;
    }
}

/* "2024-02-03" as "3 February 2024"; anything else as it is. */
static void write_date(tp_buf *out, tp_str d)
{
    static const char *const months[12] = {"January",   "February", "March",    "April",
                                           "May",       "June",     "July",     "August",
                                           "September", "October",  "November", "December"};
    int y, m, day, end = 0;
    char iso[11];
    snprintf(iso, sizeof iso, "%.*s", (int)(d.n < 10 ? d.n : 10), d.p);
    if (d.n == 10 && sscanf(iso, "%4d-%2d-%2d%n", &y, &m, &day, &end) == 3 && end == 10 && m >= 1 &&
        m <= 12)
        tp_buf_printf(out, "%d %s %d", day, months[m - 1], y);
    else
        tp_buf_append(out, d.p, d.n);
}

static void put32(tp_buf *b, uint32_t v)
{
    const unsigned char u[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                                (unsigned char)(v >> 8), (unsigned char)v};
    tp_buf_append(b, u, 4);
}

/* One chunk: length, type, data, CRC of type and data. */
static void put_chunk(tp_buf *b, const char type[4], const void *data, size_t n)
{
    put32(b, (uint32_t)n);
    size_t at = b->len;
    tp_buf_append(b, type, 4);
    tp_buf_append(b, data, n);
    put32(b, (uint32_t)crc32(0L, (const Bytef *)b->data + at, (uInt)(n + 4)));
}

/* The RGB pixels as a PNG: 8-bit truecolour, every row unfiltered, one zlib stream. A flat card
 * compresses well without PNG's filters, which would cost most of the time. 0 or -1. */
static int write_png(const uint8_t *px, tp_buf *png)
{
    const size_t row = (size_t)OG_CARD_WIDTH * 3 + 1, raw_n = row * OG_CARD_HEIGHT;
    uint8_t *raw = malloc(raw_n);
    uLongf packed_n = compressBound((uLong)raw_n);
    Bytef *packed = malloc(packed_n);
    int rc = -1;
    if (raw && packed) {
        for (size_t y = 0; y < OG_CARD_HEIGHT; y++) {
            raw[y * row] = 0; /* filter: none */
            memcpy(raw + y * row + 1, px + y * (row - 1), row - 1);
        }
        if (compress2(packed, &packed_n, raw, (uLong)raw_n, Z_BEST_SPEED) == Z_OK) {
            unsigned char ihdr[13] = {0, 0, 0, 0, 0, 0, 0, 0, 8, 2, 0, 0, 0};
            for (int k = 0; k < 4; k++) {
                ihdr[k] = (unsigned char)(OG_CARD_WIDTH >> (24 - 8 * k));
                ihdr[4 + k] = (unsigned char)(OG_CARD_HEIGHT >> (24 - 8 * k));
            }
            tp_buf_append(png, "\x89PNG\r\n\x1a\n", 8);
            put_chunk(png, "IHDR", ihdr, sizeof ihdr);
            put_chunk(png, "IDAT", packed, packed_n);
            put_chunk(png, "IEND", "", 0);
            rc = 0;
        }
    }
    free(raw);
    free(packed);
    return rc;
}

int og_card_png(const og_card_text *t, tp_buf *png)
{
    if (!og_card_ready()) return -1;
    canvas c = {malloc((size_t)OG_CARD_WIDTH * OG_CARD_HEIGHT * 3)};
    if (!c.px) return -1;
    const long text_w = OG_CARD_WIDTH - 2 * MARGIN;
    fill(&c, 0, 0, OG_CARD_WIDTH, OG_CARD_HEIGHT, BG);
    fill(&c, 0, 0, ACCENT_BAR_W, OG_CARD_HEIGHT, PRIMARY);

    FT_Set_Pixel_Sizes(bold, 0, BRAND_PX);
    draw(&c, bold, MARGIN, MARGIN + BRAND_PX, "Talks", 5, PRIMARY);

    FT_Set_Pixel_Sizes(bold, 0, TITLE_PX);
    draw_title(&c, MARGIN, 2 * MARGIN + TITLE_PX + 20, t->title, text_w);

    /* The speaker, then venue · date, at the foot whatever the title's height. */
    FT_Set_Pixel_Sizes(regular, 0, DETAIL_PX);
    int foot = OG_CARD_HEIGHT - MARGIN;
    draw_fitted(&c, regular, MARGIN, foot - 56, t->speaker, text_w, TEXT);
    tp_buf when = TP_BUF_INIT;
    tp_buf_append(&when, t->venue.p, t->venue.n);
    if (t->venue.n && t->date.n) tp_buf_puts(&when, " \xc2\xb7 ");
    write_date(&when, t->date);
    draw_fitted(&c, regular, MARGIN, foot, (tp_str){when.data ? when.data : "", when.len}, text_w,
                MUTED);
    tp_buf_free(&when);

    int rc = write_png(c.px, png);
    free(c.px);
    return rc;
}
