/* event: see event.h. The type table is made from the X-macro list; the
 * encoder turns a jansson object into one flat event_record so that the
 * writer thread only has to write bytes. */
#include "event/event.h"
#include "common/util.h"
#include "common/xalloc.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    const char *desc;
} types[EVENT_TYPE_COUNT] = {
#define EVENT_ROW_(id, name, desc) [EVENT_##id] = {name, desc},
    EVENT_TYPES(EVENT_ROW_)
#undef EVENT_ROW_
};

const char *event_type_name(enum event_type t)
{
    if ((unsigned)t >= EVENT_TYPE_COUNT)
        return NULL;
    return types[t].name;
}

const char *event_type_description(enum event_type t)
{
    if ((unsigned)t >= EVENT_TYPE_COUNT)
        return NULL;
    return types[t].desc;
}

int event_type_from_name(const char *name, enum event_type *out)
{
    if (!name)
        return -EINVAL;
    /* ~50 short names that mostly differ in the first bytes: a scan costs
     * less than one allocation of the encoder, so no index is kept. */
    for (int t = 0; t < EVENT_TYPE_COUNT; t++) {
        if (strcmp(types[t].name, name) == 0) {
            *out = (enum event_type)t;
            return 0;
        }
    }
    return -EINVAL;
}

bool event_type_matches(enum event_type t, const char *pattern)
{
    const char *name = event_type_name(t);

    if (!name || !pattern || !*pattern)
        return false;
    if (strcmp(name, pattern) == 0)
        return true;
    size_t n = strlen(pattern);
    return strchr(pattern, '.') == NULL && strncmp(name, pattern, n) == 0 && name[n] == '.';
}

bool event_type_matches_any(const char *pattern)
{
    for (int t = 0; t < EVENT_TYPE_COUNT; t++)
        if (event_type_matches((enum event_type)t, pattern))
            return true;
    return false;
}

json_t *event_new(enum event_type t)
{
    assert((unsigned)t < EVENT_TYPE_COUNT);
    json_t *ev = json_object();
    if (!ev)
        abort(); /* jansson allocates with malloc: out of memory */
    json_object_set_new(ev, "ts", json_null());
    json_object_set_new(ev, "type", json_string(types[t].name));
    json_object_set_new(ev, "sensor", json_null());
    return ev;
}

/* Length of the valid UTF-8 sequence at p (RFC 3629, table 3-7 of Unicode),
 * or 0 when the byte at p does not start one. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    unsigned char lo = 0x80, hi = 0xbf;
    size_t len;

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4;
    else
        return 0;
    if (c == 0xe0)
        lo = 0xa0; /* overlong */
    else if (c == 0xed)
        hi = 0x9f; /* surrogates */
    else if (c == 0xf0)
        lo = 0x90; /* overlong */
    else if (c == 0xf4)
        hi = 0x8f; /* above U+10FFFF */
    if (n < len || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (p[i] < 0x80 || p[i] > 0xbf)
            return 0;
    return len;
}

bool event_utf8_valid(const char *bytes, size_t n)
{
    const unsigned char *p = (const unsigned char *)bytes;
    size_t i = 0;

    while (i < n) {
        if (p[i] < 0x80) { /* the common case, without a call */
            i++;
            continue;
        }
        size_t k = utf8_seq(p + i, n - i);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

/* True when event_str keeps the bytes as they are. */
static bool str_clean(const char *bytes, size_t n)
{
    return event_utf8_valid(bytes, n) && memchr(bytes, '\0', n) == NULL;
}

json_t *event_str(const char *bytes, size_t n)
{
    json_t *s;

    if (str_clean(bytes, n)) {
        s = json_stringn_nocheck(bytes, n);
    } else {
        /* Each replaced byte grows to the three bytes of U+FFFD at most. */
        const unsigned char *p = (const unsigned char *)bytes;
        char *out = xmalloc(3 * n + 1);
        size_t o = 0;
        for (size_t i = 0; i < n;) {
            size_t k = p[i] ? utf8_seq(p + i, n - i) : 0;
            if (k == 0) { /* U+FFFD */
                out[o++] = (char)0xef;
                out[o++] = (char)0xbf;
                out[o++] = (char)0xbd;
                i++;
            } else {
                memcpy(out + o, p + i, k);
                o += k;
                i += k;
            }
        }
        s = json_stringn_nocheck(out, o);
        free(out);
    }
    if (!s)
        abort(); /* out of memory */
    return s;
}

void event_set_str(json_t *ev, const char *key, const char *bytes, size_t n)
{
    bool clean = str_clean(bytes, n);
    int rc = json_object_set_new(ev, key, event_str(bytes, n));
    assert(rc == 0);
    (void)rc;
    if (clean || n > (size_t)INT_MAX / 4 * 3)
        return;
    char *b64 = xmalloc(4 * ((n + 2) / 3) + 1);
    int len = EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)bytes, (int)n);
    char *k = xasprintf("%s_b64", key);
    json_object_set_new(ev, k, json_stringn_nocheck(b64, len > 0 ? (size_t)len : 0));
    free(k);
    free(b64);
}

/* util_rfc3339, with the part up to the seconds kept per thread: events come
 * many per second, and gmtime_r + snprintf were a tenth of a producer's cost. */
static void format_ts(long long us, char out[UTIL_RFC3339_LEN])
{
    static _Thread_local long long cached_sec = LLONG_MIN;
    static _Thread_local char cached[UTIL_RFC3339_LEN];
    long long sec = us / 1000000, frac = us % 1000000;

    if (frac < 0) {
        frac += 1000000;
        sec -= 1;
    }
    if (sec != cached_sec) {
        util_rfc3339(sec * 1000000, cached);
        cached_sec = sec;
    }
    memcpy(out, cached, UTIL_RFC3339_LEN);
    /* "YYYY-MM-DDTHH:MM:SS.uuuuuuZ": the digits are out[20..25]. */
    for (int i = 25; i >= 20; i--) {
        out[i] = (char)('0' + frac % 10);
        frac /= 10;
    }
}

/* Returns the event's time: its own "ts" when that is RFC 3339, else now_us;
 * either way "ts" is rewritten in the canonical form. */
static long long stamp_ts(json_t *ev, long long now_us, char ts[UTIL_RFC3339_LEN])
{
    const char *given = json_string_value(json_object_get(ev, "ts"));
    long long us;

    if (!given || util_rfc3339_parse(given, &us) < 0)
        us = now_us;
    format_ts(us, ts);
    json_object_set_new(ev, "ts", json_string_nocheck(ts));
    return us;
}

/* A column value: a string field as is, an integer field in decimal. */
struct column {
    const char *p;
    size_t n;
    char num[24];
};

static bool column_get(json_t *ev, const char *key, struct column *c)
{
    json_t *v = json_object_get(ev, key);

    if (json_is_string(v)) {
        c->p = json_string_value(v);
        c->n = json_string_length(v);
        return true;
    }
    if (json_is_integer(v)) {
        int k = snprintf(c->num, sizeof(c->num), "%lld", (long long)json_integer_value(v));
        c->p = c->num;
        c->n = k > 0 ? (size_t)k : 0;
        return true;
    }
    return false;
}

/* Copies a column string to *dst, sets *field to it and advances *dst. */
static void put_column(char **dst, const char **field, const char *p, size_t n)
{
    memcpy(*dst, p, n);
    (*dst)[n] = '\0';
    *field = *dst;
    *dst += n + 1;
}

static struct event_record *record_build(enum event_type t, long long ts_us, const char *ts,
                                         const char *sensor, const char *line, size_t len,
                                         json_t *ev)
{
    static const char *const keys[] = {"session", "honeynet", "src_ip"};
    struct column cols[3];
    bool have[3];
    size_t ts_n = strlen(ts), sensor_n = strlen(sensor);
    size_t size = sizeof(struct event_record) + len + 2 + ts_n + 1 + sensor_n + 1;

    for (int i = 0; i < 3; i++) {
        have[i] = column_get(ev, keys[i], &cols[i]);
        if (have[i])
            size += cols[i].n + 1;
    }
    struct event_record *r = xmalloc(size);
    r->type = t;
    r->ts_us = ts_us;
    r->type_name = types[t].name;
    r->len = len;
    memcpy(r->line, line, len);
    r->line[len] = '\n';
    r->line[len + 1] = '\0';
    char *dst = r->line + len + 2;
    put_column(&dst, &r->ts, ts, ts_n);
    put_column(&dst, &r->sensor, sensor, sensor_n);
    const char **fields[3] = {&r->session, &r->honeynet, &r->src_ip};
    for (int i = 0; i < 3; i++) {
        *fields[i] = NULL;
        if (have[i])
            put_column(&dst, fields[i], cols[i].p, cols[i].n);
    }
    return r;
}

int event_encode(json_t *ev, const char *sensor, long long now_us, struct event_record **out)
{
    char small[4096]; /* most events fit: no allocation for the line */
    char *big = NULL;
    char ts[UTIL_RFC3339_LEN];
    enum event_type t;
    int rc = -EINVAL;

    if (!json_is_object(ev) || !sensor)
        return -EINVAL;
    if (event_type_from_name(json_string_value(json_object_get(ev, "type")), &t) < 0)
        return -EINVAL;
    json_t *s = json_string(sensor);
    if (!s || json_object_set_new(ev, "sensor", s) < 0)
        return -EINVAL;
    long long ts_us = stamp_ts(ev, now_us, ts);

    const char *line = small;
    size_t len = json_dumpb(ev, small, sizeof(small), JSON_COMPACT);
    if (len == 0)
        goto out;
    if (len > sizeof(small)) {
        rc = -EMSGSIZE;
        if (len > EVENT_MAX_BYTES)
            goto out;
        big = xmalloc(len);
        rc = -EINVAL;
        if (json_dumpb(ev, big, len, JSON_COMPACT) != len)
            goto out;
        line = big;
    }
    *out = record_build(t, ts_us, ts, sensor, line, len, ev);
    rc = 0;
out:
    free(big);
    return rc;
}

void event_record_free(struct event_record *r)
{
    free(r);
}
