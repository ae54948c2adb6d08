/* replay: the asciicast reader and the terminal filter (see replay.h).
 *
 * The filter is a byte-at-a-time state machine after ECMA-48 and xterm's
 * ctlseqs: a CSI is held until its final byte says whether it may pass;
 * strings (OSC, DCS, SOS, PM, APC) are swallowed up to their terminator:
 * ST (ESC \ or C1 ST), BEL, or CAN/SUB, which abort them. */
#include "cli/replay.h"

#include "common/xalloc.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>

enum {
    S_GROUND,
    S_ESC,     /* after ESC */
    S_C2,      /* after 0xC2: U+0080..U+009F are C1 controls */
    S_CSI,     /* in ESC [ … */
    S_STR,     /* in a string, dropped */
    S_STR_ESC, /* ESC in a string: ST if \ follows */
    S_STR_C2,  /* 0xC2 in a string: ST if 0x9C follows */
};

#define ESC 0x1b
#define BEL 0x07
#define ENQ 0x05
#define CAN 0x18
#define SUB 0x1a

void cli_term_filter_init(struct cli_term_filter *f)
{
    memset(f, 0, sizeof(*f));
    f->state = S_GROUND;
}

static int put(struct buf *out, unsigned char c)
{
    return buf_append(out, &c, 1);
}

/* True when a parameter of the private mode set CSI ? … h (s[3..len-1))
 * turns on reports the terminal would send later: mouse, focus, bracketed
 * paste (left on, the operator's clicks would type into the next program). */
static bool sets_reports(const char *s, size_t len)
{
    static const unsigned reports[] = {9,    1000, 1001, 1002, 1003, 1004,
                                       1005, 1006, 1015, 1016, 2004};
    unsigned v = 0;
    for (size_t i = 3; i < len; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            v = v < 100000 ? v * 10 + (unsigned)(s[i] - '0') : v;
            continue;
        }
        for (size_t k = 0; k < sizeof(reports) / sizeof(reports[0]); k++)
            if (v == reports[k])
                return true;
        v = 0;
    }
    return false;
}

/* A complete CSI (held[0..len), ESC [ … final): may it reach the terminal? */
static bool csi_allowed(const char *s, size_t len)
{
    char final = s[len - 1];
    bool marker = len > 3 && strchr("<=>?", s[2]);
    bool query = memchr(s, '$', len) || memchr(s, '*', len);
    /* reports turned on; key encodings changed (XTMODKEYS) */
    if ((final == 'h' && s[2] == '?' && sets_reports(s, len)) || (final == 'm' && s[2] == '>'))
        return false;
    /* DA, DSR, window operations and reports, media copy, DECREQTPARM */
    if (strchr("cnitx", final))
        return false;
    /* DECRQM, XTVERSION, kitty's keyboard query, XTSMGRAPHICS, DECRQCRA */
    if (strchr("pqSuy", final) && (marker || query))
        return false;
    return true;
}

static int ground(struct cli_term_filter *f, unsigned char c, struct buf *out);

static int esc(struct cli_term_filter *f, unsigned char c, struct buf *out)
{
    switch (c) {
    case '[':
        f->state = S_CSI;
        f->held[0] = ESC;
        f->held[1] = '[';
        f->held_len = 2;
        f->drop = false;
        return 0;
    case ']': /* OSC */
    case 'P': /* DCS */
    case 'X': /* SOS */
    case '^': /* PM */
    case '_': /* APC */
        f->state = S_STR;
        return 0;
    case 'Z':  /* DECID: the terminal answers */
    case '\\': /* ST with no string: does nothing */
        f->state = S_GROUND;
        return 0;
    case ESC:
        return 0; /* the first ESC is dropped */
    default: {
        f->state = S_GROUND;
        /* ESC and a control or a C1 byte: the ESC alone would join what
         * comes out next ("ESC" then "]…" is an OSC), so it goes. */
        int rc = c >= 0x20 && c < 0x7f ? put(out, ESC) : 0;
        return rc < 0 ? rc : ground(f, c, out);
    }
    }
}

/* A C1 control (0x80..0x9F) is its ESC form: ESC, then c - 0x40. */
static int c1(struct cli_term_filter *f, unsigned char c, struct buf *out)
{
    f->state = S_ESC;
    return esc(f, (unsigned char)(c - 0x40), out);
}

static int ground(struct cli_term_filter *f, unsigned char c, struct buf *out)
{
    if (f->cont && c >= 0x80 && c <= 0xbf) {
        f->cont--;
        return put(out, c);
    }
    f->cont = 0;
    if (c == ESC) {
        f->state = S_ESC;
        return 0;
    }
    if (c == 0xc2) {
        f->state = S_C2;
        return 0;
    }
    if (c >= 0x80 && c <= 0x9f)
        return c1(f, c, out);
    if (c == ENQ) /* the answerback */
        return 0;
    if (c >= 0xc3 && c <= 0xdf)
        f->cont = 1;
    else if (c >= 0xe0 && c <= 0xef)
        f->cont = 2;
    else if (c >= 0xf0 && c <= 0xf4)
        f->cont = 3;
    return put(out, c);
}

static int csi(struct cli_term_filter *f, unsigned char c, struct buf *out)
{
    if (c >= 0x20 && c <= 0x3f) { /* parameters and intermediates */
        if (f->held_len < sizeof(f->held) - 1)
            f->held[f->held_len++] = (char)c;
        else
            f->drop = true;
        return 0;
    }
    if (c >= 0x40 && c <= 0x7e) {
        f->held[f->held_len++] = (char)c;
        f->state = S_GROUND;
        if (f->drop || !csi_allowed(f->held, f->held_len))
            return 0;
        return buf_append(out, f->held, f->held_len);
    }
    if (c == 0x7f)
        return 0;
    /* Anything else aborts the sequence. */
    f->state = S_GROUND;
    return c == CAN || c == SUB ? 0 : ground(f, c, out);
}

static int feed(struct cli_term_filter *f, unsigned char c, struct buf *out)
{
    switch (f->state) {
    case S_ESC:
        return esc(f, c, out);
    case S_C2: {
        f->state = S_GROUND;
        if (c >= 0x80 && c <= 0x9f)
            return c1(f, c, out);
        int rc = put(out, 0xc2);
        if (rc == 0 && c >= 0xa0 && c <= 0xbf)
            return put(out, c);
        return rc < 0 ? rc : ground(f, c, out);
    }
    case S_CSI:
        return csi(f, c, out);
    case S_STR:
        if (c == BEL || c == CAN || c == SUB || c == 0x9c)
            f->state = S_GROUND;
        else if (c == ESC)
            f->state = S_STR_ESC;
        else if (c == 0xc2)
            f->state = S_STR_C2;
        return 0;
    case S_STR_ESC:
        if (c == '\\') {
            f->state = S_GROUND;
            return 0;
        }
        f->state = S_ESC; /* the string is aborted; a new sequence starts */
        return esc(f, c, out);
    case S_STR_C2:
        f->state = c == 0x9c ? S_GROUND : S_STR;
        return c == 0x9c ? 0 : feed(f, c, out);
    default:
        return ground(f, c, out);
    }
}

int cli_term_filter(struct cli_term_filter *f, const char *in, size_t n, struct buf *out)
{
    for (size_t i = 0; i < n; i++) {
        int rc = feed(f, (unsigned char)in[i], out);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int cli_replay_parse(const char *line, size_t n, double *t, char **data, size_t *len)
{
    json_t *v = json_loadb(line, n, 0, NULL);
    json_t *d = json_array_get(v, 2);
    const char *kind = json_string_value(json_array_get(v, 1));
    int rc = 0;
    if (json_is_array(v) && json_array_size(v) == 3 && json_is_number(json_array_get(v, 0)) &&
        kind && strcmp(kind, "o") == 0 && json_is_string(d)) {
        *t = json_number_value(json_array_get(v, 0));
        *len = json_string_length(d);
        *data = xmalloc(*len + 1);
        memcpy(*data, json_string_value(d), *len + 1);
        rc = 1;
    }
    json_decref(v);
    return rc;
}
