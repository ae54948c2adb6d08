/* fetch tls: see tls.h. RFC 8446 (and 5246 before it) section 4.1.2; the
 * extensions of RFC 6066 (server_name), 7301 (ALPN), 8446 4.2.1
 * (supported_versions). */
#include "fetch/tls.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define EXT_SERVER_NAME 0
#define EXT_ALPN 16
#define EXT_SUPPORTED_VERSIONS 43

/* A reader over a bounded slice: every read checks what is left. */
struct rd {
    const uint8_t *p;
    size_t n;
};

static bool take(struct rd *r, size_t k, const uint8_t **out)
{
    if (r->n < k)
        return false;
    if (out)
        *out = r->p;
    r->p += k;
    r->n -= k;
    return true;
}

static bool u8(struct rd *r, unsigned *v)
{
    const uint8_t *p;
    if (!take(r, 1, &p))
        return false;
    *v = p[0];
    return true;
}

static bool u16(struct rd *r, unsigned *v)
{
    const uint8_t *p;
    if (!take(r, 2, &p))
        return false;
    *v = (unsigned)p[0] << 8 | p[1];
    return true;
}

static bool u24(struct rd *r, size_t *v)
{
    const uint8_t *p;
    if (!take(r, 3, &p))
        return false;
    *v = (size_t)p[0] << 16 | (size_t)p[1] << 8 | p[2];
    return true;
}

/* A sub-slice of k bytes. */
static bool sub(struct rd *r, size_t k, struct rd *out)
{
    const uint8_t *p;
    if (!take(r, k, &p))
        return false;
    *out = (struct rd){p, k};
    return true;
}

/* Printable ASCII of p[0..n) into out (cap bytes), others as '?'. */
static void copy_text(char *out, size_t cap, size_t at, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n && at + 1 < cap; i++)
        out[at++] = p[i] >= 0x21 && p[i] < 0x7f ? (char)p[i] : '?';
    out[at < cap ? at : cap - 1] = '\0';
}

static void server_name(struct rd e, struct fetch_tls_hello *out)
{
    unsigned list, type, len;
    struct rd l;
    const uint8_t *name;
    if (!u16(&e, &list) || !sub(&e, list, &l))
        return;
    while (u8(&l, &type) && u16(&l, &len) && take(&l, len, &name))
        if (type == 0 && !out->sni[0]) /* host_name */
            copy_text(out->sni, sizeof(out->sni), 0, name, len);
}

static void alpn(struct rd e, struct fetch_tls_hello *out)
{
    unsigned list, len;
    struct rd l;
    const uint8_t *name;
    if (!u16(&e, &list) || !sub(&e, list, &l))
        return;
    while (u8(&l, &len) && take(&l, len, &name)) {
        size_t at = strlen(out->alpn);
        if (at && at + 1 < sizeof(out->alpn))
            out->alpn[at++] = ',';
        copy_text(out->alpn, sizeof(out->alpn), at, name, len);
    }
}

static void versions(struct rd e, struct fetch_tls_hello *out)
{
    unsigned len, v;
    struct rd l;
    if (!u8(&e, &len) || !sub(&e, len, &l))
        return;
    while (u16(&l, &v))
        /* GREASE values (0x?a?a) are not versions */
        if ((v & 0x0f0f) != 0x0a0a && v > out->best_version && v <= 0x0304)
            out->best_version = v;
}

int fetch_tls_parse(const uint8_t *buf, size_t len, struct fetch_tls_hello *out)
{
    struct rd r = {buf, len}, rec, hs, ext;
    unsigned type, rv, hv, n;
    size_t hlen;
    memset(out, 0, sizeof(*out));
    if (len >= 1 && buf[0] != 22) /* handshake */
        return -EPROTO;
    if (len < 5)
        return -EAGAIN;
    (void)u8(&r, &type);
    (void)u16(&r, &rv);
    (void)u16(&r, &n);
    if ((rv >> 8) != 3 || n == 0 || n > 16384)
        return -EPROTO;
    if (r.n < n && len < FETCH_TLS_READ_MAX)
        return -EAGAIN;
    rec = (struct rd){r.p, r.n < n ? r.n : n}; /* past FETCH_TLS_READ_MAX: what was read */
    out->record_version = rv;
    /* The ClientHello, as far as this record holds it. */
    if (!u8(&rec, &type) || type != 1 || !u24(&rec, &hlen))
        return -EPROTO;
    hs = (struct rd){rec.p, hlen < rec.n ? hlen : rec.n};
    if (!u16(&hs, &hv) || (hv >> 8) != 3 || !take(&hs, 32, NULL))
        return -EPROTO;
    out->hello_version = out->best_version = hv;
    if (!u8(&hs, &n) || n > 32 || !take(&hs, n, NULL))
        return -EPROTO;
    if (!u16(&hs, &n) || n % 2 || !take(&hs, n, NULL))
        return -EPROTO;
    out->ciphers = n / 2;
    if (!u8(&hs, &n) || !take(&hs, n, NULL))
        return -EPROTO;
    if (!u16(&hs, &n)) /* no extensions (TLS 1.0 era): done */
        return 0;
    if (!sub(&hs, n, &ext))
        ext = hs; /* cut by the record: read what there is */
    unsigned et, el;
    struct rd e;
    while (u16(&ext, &et) && u16(&ext, &el) && sub(&ext, el, &e)) {
        if (et == EXT_SERVER_NAME)
            server_name(e, out);
        else if (et == EXT_ALPN)
            alpn(e, out);
        else if (et == EXT_SUPPORTED_VERSIONS)
            versions(e, out);
    }
    return 0;
}

void fetch_tls_alert(uint8_t out[7])
{
    static const uint8_t a[7] = {21, 3, 3, 0, 2, 2, 40}; /* fatal handshake_failure */
    memcpy(out, a, sizeof(a));
}
