/* sse: framing, cursor and buffer of the events stream (sse.h). */
#include "web/sse.h"

#include "common/util.h"
#include "common/xalloc.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int web_sse_frame(long long id, const char *json_line, char **out, size_t *len)
{
    json_t *ev = json_line ? json_loads(json_line, 0, NULL) : NULL;
    if (!json_is_object(ev)) {
        json_decref(ev);
        return -EINVAL;
    }
    char *text = json_dumps(ev, JSON_COMPACT);
    json_decref(ev);
    if (!text)
        return -EINVAL;
    *out = xasprintf("id: %lld\ndata: %s\n\n", id, text);
    *len = strlen(*out);
    free(text);
    return 0;
}

int web_sse_cursor_parse(const char *v, long long *out)
{
    size_t n = v ? strlen(v) : 0;
    if (n < 1 || n > 19 || strspn(v, "0123456789") != n)
        return -EINVAL;
    return util_parse_ll(v, 0, LLONG_MAX, out) < 0 ? -EINVAL : 0;
}

int web_sse_follow_parse(const char *v)
{
    if (!v || strcmp(v, "0") == 0 || strcmp(v, "false") == 0)
        return 0;
    if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0)
        return 1;
    return -EINVAL;
}

/* One media range of an Accept header (s..e): its type, and its q. */
static bool range_accepts(const char *s, const char *e)
{
    while (s < e && (*s == ' ' || *s == '\t'))
        s++;
    const char *te = s;
    while (te < e && *te != ';')
        te++;
    while (te > s && (te[-1] == ' ' || te[-1] == '\t'))
        te--;
    size_t tl = (size_t)(te - s);
    bool type_ok = (tl == strlen(WEB_SSE_TYPE) && strncasecmp(s, WEB_SSE_TYPE, tl) == 0) ||
                   (tl == 6 && strncasecmp(s, "text/*", 6) == 0) ||
                   (tl == 3 && strncmp(s, "*/*", 3) == 0);
    if (!type_ok)
        return false;
    /* q=0 (0, 0.0, 0.000) refuses it */
    for (const char *p = te; p < e; p++) { /* the parameters after the type */
        if (*p != ';')
            continue;
        const char *q = p + 1;
        while (q < e && (*q == ' ' || *q == '\t'))
            q++;
        if (e - q < 2 || (q[0] != 'q' && q[0] != 'Q') || q[1] != '=')
            continue;
        q += 2;
        bool zero = q < e && *q == '0';
        for (q++; zero && q < e && *q != ';' && *q != ' '; q++)
            if (*q != '.' && *q != '0')
                zero = false;
        return !zero;
    }
    return true;
}

bool web_sse_accepts(const char *accept)
{
    if (!accept)
        return true;
    const char *s = accept;
    for (;;) {
        const char *comma = strchr(s, ',');
        const char *e = comma ? comma : s + strlen(s);
        if (range_accepts(s, e))
            return true;
        if (!comma)
            return false;
        s = comma + 1;
    }
}

void web_sse_buf_init(struct web_sse_buf *b, size_t cap)
{
    memset(b, 0, sizeof(*b));
    b->cap = cap;
}

size_t web_sse_buf_waiting(const struct web_sse_buf *b)
{
    return b->len - b->off;
}

int web_sse_buf_put(struct web_sse_buf *b, const char *p, size_t n)
{
    size_t w = web_sse_buf_waiting(b);
    if (n > b->cap || w > b->cap - n)
        return -ENOBUFS;
    if (b->off) { /* the sent bytes' room comes back first */
        memmove(b->data, b->data + b->off, w);
        b->off = 0;
        b->len = w;
    }
    if (b->len + n > b->size) {
        size_t size = b->size ? b->size : 4096;
        while (size < b->len + n)
            size *= 2;
        b->data = xrealloc(b->data, size);
        b->size = size;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

size_t web_sse_buf_take(struct web_sse_buf *b, char *dst, size_t max)
{
    size_t n = web_sse_buf_waiting(b);
    if (n > max)
        n = max;
    if (n)
        memcpy(dst, b->data + b->off, n);
    b->off += n;
    if (b->off == b->len)
        b->off = b->len = 0;
    return n;
}

void web_sse_buf_free(struct web_sse_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}
