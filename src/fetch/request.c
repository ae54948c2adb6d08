/* fetch request: parsers of download requests (see request.h). HTTP goes
 * through Debian's http-parser (nodejs's); the buffers and caps are ours. */
#include "fetch/request.h"

#include <ctype.h>
#include <errno.h>
#include <http_parser.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct head {
    struct fetch_http *out;
    enum { NONE, HOST, UA } field; /* the header whose value comes next */
    bool in_value;                 /* a header field's value has begun */
    bool done;
};

/* Appends at most what fits (cut: out->truncated). */
static void add(struct fetch_http *o, char *dst, size_t cap, const char *at, size_t n)
{
    size_t have = strlen(dst);
    if (have + n >= cap) {
        n = have < cap - 1 ? cap - 1 - have : 0;
        o->truncated = 1;
    }
    memcpy(dst + have, at, n);
    dst[have + n] = '\0';
}

static int on_url(http_parser *p, const char *at, size_t n)
{
    struct head *h = p->data;
    add(h->out, h->out->target, sizeof(h->out->target), at, n);
    return 0;
}

static int on_field(http_parser *p, const char *at, size_t n)
{
    struct head *h = p->data;
    /* A field arrives in one piece: the whole head is parsed at once. */
    if (n == 4 && strncasecmp(at, "host", 4) == 0)
        h->field = HOST;
    else if (n == 10 && strncasecmp(at, "user-agent", 10) == 0)
        h->field = UA;
    else
        h->field = NONE;
    return 0;
}

static int on_value(http_parser *p, const char *at, size_t n)
{
    struct head *h = p->data;
    struct fetch_http *o = h->out;
    /* The first of repeated Host or User-Agent headers counts. */
    if (h->field == HOST && !o->host[0])
        add(o, o->host, sizeof(o->host), at, n);
    else if (h->field == UA && !o->user_agent[0])
        add(o, o->user_agent, sizeof(o->user_agent), at, n);
    h->field = NONE;
    return 0;
}

static int on_headers_complete(http_parser *p)
{
    struct head *h = p->data;
    h->done = true;
    snprintf(h->out->method, sizeof(h->out->method), "%s",
             http_method_str((enum http_method)p->method));
    h->out->version = p->http_major * 10 + p->http_minor;
    return 2; /* the body (if any) is not ours to parse: stop here */
}

/* Where the head ends: just past the first blank line, or 0. */
static size_t head_end(const char *buf, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (buf[i] == '\n' && buf[i + 1] == '\n')
            return i + 2;
        if (i + 3 < len && memcmp(buf + i, "\r\n\r\n", 4) == 0)
            return i + 4;
    }
    return 0;
}

int fetch_http_parse(const char *buf, size_t len, struct fetch_http *out)
{
    size_t end = head_end(buf, len < FETCH_HTTP_HEAD_MAX ? len : FETCH_HTTP_HEAD_MAX);
    struct fetch_http r = {0};
    struct head h = {.out = &r};
    http_parser p;
    http_parser_settings s = {.on_url = on_url,
                              .on_header_field = on_field,
                              .on_header_value = on_value,
                              .on_headers_complete = on_headers_complete};
    http_parser_init(&p, HTTP_REQUEST);
    p.data = &h;
    /* An incomplete head is parsed too, so that what is not HTTP (a TLS
     * hello, a binary protocol) is refused at once, not waited for. */
    (void)http_parser_execute(&p, &s, buf, end ? end : len);
    enum http_errno e = HTTP_PARSER_ERRNO(&p);
    if (e != HPE_OK && e != HPE_CB_headers_complete)
        return -EPROTO;
    if (!end)
        return len >= FETCH_HTTP_HEAD_MAX ? -E2BIG : -EAGAIN;
    if (!h.done || r.version < 10 || r.version > 11)
        return -EPROTO;
    r.head_len = end;
    *out = r;
    return 0;
}

void fetch_http_url(const struct fetch_http *r, const char *fallback_host, char *out, size_t outlen)
{
    if (strncasecmp(r->target, "http://", 7) == 0 || strncasecmp(r->target, "https://", 8) == 0 ||
        strncasecmp(r->target, "ftp://", 6) == 0) {
        snprintf(out, outlen, "%s", r->target);
        return;
    }
    snprintf(out, outlen, "http://%s%s", r->host[0] ? r->host : fallback_host, r->target);
}

const char *fetch_tool_of(const char *ua)
{
    static const struct {
        const char *prefix, *tool;
    } tools[] = {
        {"wget/", "wget"},
        {"curl/", "curl"},
        {"python", "python"},
        {"libwww-perl", "perl"},
        {"lwp-", "perl"},
        {"go-http-client", "go"},
        {"php", "php"},
        {"java/", "java"},
        {"apache-httpclient", "java"},
        {"okhttp", "java"},
        {"windowspowershell", "powershell"},
        {"mozilla/", "browser"},
    };
    if (!ua[0])
        return "none";
    /* BusyBox's wget says just "Wget" (no version). */
    if (strcasecmp(ua, "wget") == 0)
        return "busybox-wget";
    for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
        size_t n = strlen(tools[i].prefix);
        if (strncasecmp(ua, tools[i].prefix, n) == 0)
            return tools[i].tool;
    }
    if (strcasestr(ua, "powershell"))
        return "powershell";
    return "other";
}

/* A NUL-terminated string of at most max bytes at p[0..len); its length, or
 * -1. */
static long nul_string(const uint8_t *p, size_t len, size_t max)
{
    for (size_t i = 0; i < len && i <= max; i++)
        if (p[i] == '\0')
            return (long)i;
    return -1;
}

int fetch_tftp_parse(const uint8_t *p, size_t len, struct fetch_tftp *out)
{
    if (len < 4)
        return -EPROTO;
    unsigned op = (unsigned)(p[0] << 8 | p[1]);
    if (op != 1 && op != 2)
        return -EPROTO;
    long fl = nul_string(p + 2, len - 2, sizeof(out->file) - 1);
    if (fl <= 0)
        return -EPROTO;
    size_t at = 2 + (size_t)fl + 1;
    long ml = nul_string(p + at, len - at, sizeof(out->mode) - 1);
    if (ml <= 0)
        return -EPROTO;
    struct fetch_tftp r = {.opcode = op};
    memcpy(r.file, p + 2, (size_t)fl);
    for (long i = 0; i < ml; i++)
        r.mode[i] = (char)tolower(p[at + (size_t)i]);
    *out = r;
    return 0;
}

int fetch_ftp_parse(const char *buf, size_t len, struct fetch_ftp_cmd *out)
{
    size_t max = sizeof(out->arg) + 8;
    const char *nl = memchr(buf, '\n', len < max ? len : max);
    if (!nl)
        return len >= max ? -E2BIG : -EAGAIN;
    size_t line = (size_t)(nl - buf) + 1, n = line - 1;
    if (n && buf[n - 1] == '\r')
        n--;
    struct fetch_ftp_cmd r = {.line_len = line};
    size_t v = 0;
    while (v < n && v < 4 && isalpha((unsigned char)buf[v])) {
        r.verb[v] = (char)toupper((unsigned char)buf[v]);
        v++;
    }
    if (v < 3 || (v < n && buf[v] != ' '))
        return -EPROTO;
    size_t a = v < n ? v + 1 : n;
    if (n - a >= sizeof(r.arg))
        return -E2BIG;
    memcpy(r.arg, buf + a, n - a);
    if (memchr(r.arg, '\0', n - a))
        return -EPROTO;
    *out = r;
    return 0;
}
