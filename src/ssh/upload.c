/* ssh upload: see upload.h. SFTP (version 3, what OpenSSH speaks) is
 * followed on both sides: an OPEN for writing from the client becomes a file
 * when the server answers it with a HANDLE, WRITEs to that handle are its
 * bytes, CLOSE ends it. Legacy scp is followed on the client's side only:
 * its C/D/E/T control lines and the bytes after each C line. */
#include "ssh/upload.h"

#include "common/xalloc.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FXP_OPEN 3
#define FXP_CLOSE 4
#define FXP_WRITE 6
#define FXP_STATUS 101
#define FXP_HANDLE 102
#define FXF_WRITE 0x02
#define HANDLE_MAX 256 /* the draft's limit on a handle's length */
#define PENDING_MAX 16 /* OPENs awaiting their answer */
#define SCP_LINE_MAX (KSSH_UPLOAD_NAME_MAX + 64)
#define SCP_DEPTH_MAX 32

/* One direction's packets: the first `keep` bytes of each are gathered in
 * buf, the rest skipped. */
struct framer {
    unsigned char hdr[5]; /* length and type */
    size_t hdr_n;
    unsigned char *buf;
    size_t buf_n, keep, left; /* left: bytes of the packet still to come */
};

struct pending {
    bool used;
    uint32_t id;
    size_t n;
    char name[KSSH_UPLOAD_NAME_MAX];
};

struct handle {
    bool used;
    int f;
    size_t n;
    unsigned char h[HANDLE_MAX];
};

struct kssh_upload {
    enum kssh_upload_proto proto;
    const struct kssh_upload_ops *ops;
    void *ud;
    bool lost; /* stopped following */
    int next_f;
    /* sftp */
    struct framer cf, sf;
    struct pending pending[PENDING_MAX];
    struct handle handles[KSSH_UPLOAD_FILES_MAX];
    /* scp */
    char *target;
    bool target_dir;
    char line[SCP_LINE_MAX];
    size_t line_n;
    uint64_t data_left, data_off;
    bool want_ack; /* the NUL after a file's bytes */
    int f;         /* the scp file open, -1 when none */
    size_t dirs[SCP_DEPTH_MAX];
    int depth;
    char path[KSSH_UPLOAD_NAME_MAX];
    size_t path_n; /* target and the directories entered so far */
};

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Reads a uint32 at *off of a packet of n bytes. */
static bool get32(const unsigned char *p, size_t n, size_t *off, uint32_t *v)
{
    if (*off > n || n - *off < 4)
        return false;
    *v = be32(p + *off);
    *off += 4;
    return true;
}

static bool get_string(const unsigned char *p, size_t n, size_t *off, const unsigned char **s,
                       size_t *len)
{
    uint32_t l;
    if (!get32(p, n, off, &l) || l > n - *off)
        return false;
    *s = p + *off;
    *len = l;
    *off += l;
    return true;
}

static void close_all(struct kssh_upload *u)
{
    for (int i = 0; i < KSSH_UPLOAD_FILES_MAX; i++)
        if (u->handles[i].used) {
            u->handles[i].used = false;
            u->ops->close(u->ud, u->handles[i].f);
        }
    if (u->f >= 0) {
        u->ops->close(u->ud, u->f);
        u->f = -1;
    }
}

static void lose(struct kssh_upload *u)
{
    u->lost = true;
    close_all(u);
    free(u->cf.buf);
    free(u->sf.buf);
    u->cf.buf = u->sf.buf = NULL;
}

struct kssh_upload *kssh_upload_new(enum kssh_upload_proto proto, const char *target,
                                    const struct kssh_upload_ops *ops, void *ud)
{
    struct kssh_upload *u = xcalloc(1, sizeof(*u));
    u->proto = proto;
    u->ops = ops;
    u->ud = ud;
    u->f = -1;
    if (proto == KSSH_UPLOAD_SCP) {
        const char *t = target && *target ? target : ".";
        size_t n = strlen(t);
        /* `-d`/`-r` (a trailing '/' from kssh_upload_scp_target) or a name
         * that can only be a directory: files go under it. */
        u->target_dir = t[n - 1] == '/' || strcmp(t, ".") == 0 || strcmp(t, "~") == 0;
        while (n > 1 && t[n - 1] == '/')
            n--;
        if (n >= sizeof(u->path))
            n = sizeof(u->path) - 1;
        memcpy(u->path, t, n);
        u->path_n = n;
        u->target = xstrndup(t, n);
    }
    return u;
}

int kssh_upload_following(const struct kssh_upload *u)
{
    return u && !u->lost;
}

void kssh_upload_free(struct kssh_upload *u)
{
    if (!u)
        return;
    close_all(u);
    free(u->cf.buf);
    free(u->sf.buf);
    free(u->target);
    free(u);
}

/* ---- sftp ---- */

static struct handle *handle_of(struct kssh_upload *u, const unsigned char *h, size_t n)
{
    for (int i = 0; i < KSSH_UPLOAD_FILES_MAX; i++)
        if (u->handles[i].used && u->handles[i].n == n && memcmp(u->handles[i].h, h, n) == 0)
            return &u->handles[i];
    return NULL;
}

static void client_packet(struct kssh_upload *u, unsigned type, const unsigned char *p, size_t n)
{
    size_t off = 0, hn, len;
    uint32_t id, flags, hi, lo;
    const unsigned char *h, *s;
    if (!get32(p, n, &off, &id))
        return;
    if (type == FXP_OPEN) {
        if (!get_string(p, n, &off, &s, &len) || !get32(p, n, &off, &flags) || !(flags & FXF_WRITE))
            return;
        for (int i = 0; i < PENDING_MAX; i++)
            if (!u->pending[i].used) {
                struct pending *o = &u->pending[i];
                o->used = true;
                o->id = id;
                o->n = len < sizeof(o->name) ? len : sizeof(o->name);
                memcpy(o->name, s, o->n);
                return;
            }
        return; /* more OPENs in flight than followed: this one is not */
    }
    if (!get_string(p, n, &off, &h, &hn))
        return;
    struct handle *f = handle_of(u, h, hn);
    if (!f)
        return;
    if (type == FXP_CLOSE) {
        f->used = false;
        u->ops->close(u->ud, f->f);
    } else if (get32(p, n, &off, &hi) && get32(p, n, &off, &lo) &&
               get_string(p, n, &off, &s, &len)) {
        u->ops->data(u->ud, f->f, (uint64_t)hi << 32 | lo, s, len);
    }
}

static void server_packet(struct kssh_upload *u, unsigned type, const unsigned char *p, size_t n)
{
    size_t off = 0, hn = 0;
    uint32_t id;
    const unsigned char *h = NULL;
    if (!get32(p, n, &off, &id) || (type == FXP_HANDLE && !get_string(p, n, &off, &h, &hn)))
        return;
    struct pending *o = NULL;
    for (int i = 0; i < PENDING_MAX && !o; i++)
        if (u->pending[i].used && u->pending[i].id == id)
            o = &u->pending[i];
    if (!o)
        return;
    o->used = false;
    if (type != FXP_HANDLE || hn > HANDLE_MAX || handle_of(u, h, hn))
        return;
    for (int i = 0; i < KSSH_UPLOAD_FILES_MAX; i++)
        if (!u->handles[i].used) {
            struct handle *f = &u->handles[i];
            f->used = true;
            f->f = u->next_f++;
            f->n = hn;
            memcpy(f->h, h, hn);
            u->ops->open(u->ud, f->f, o->name, o->n);
            return;
        }
}

/* How much of a packet of this type and length is worth keeping. */
static size_t keep_of(bool client, unsigned type, uint32_t len)
{
    if (client)
        return type == FXP_OPEN || type == FXP_WRITE || type == FXP_CLOSE ? len : 0;
    if (type == FXP_HANDLE)
        return len < 1 + 4 + 4 + HANDLE_MAX ? len : 1 + 4 + 4 + HANDLE_MAX;
    return type == FXP_STATUS && len >= 5 ? 5 : 0;
}

static void sftp_feed(struct kssh_upload *u, bool client, const unsigned char *d, size_t n)
{
    struct framer *fr = client ? &u->cf : &u->sf;
    while (n && !u->lost) {
        if (fr->hdr_n < sizeof(fr->hdr)) {
            size_t k = sizeof(fr->hdr) - fr->hdr_n < n ? sizeof(fr->hdr) - fr->hdr_n : n;
            memcpy(fr->hdr + fr->hdr_n, d, k);
            fr->hdr_n += k;
            d += k;
            n -= k;
            if (fr->hdr_n < sizeof(fr->hdr))
                return;
            uint32_t len = be32(fr->hdr);
            if (len == 0 || (client && len > KSSH_UPLOAD_PACKET_MAX)) {
                lose(u);
                return;
            }
            /* The type byte is the packet's first: kept apart in hdr. */
            fr->keep = keep_of(client, fr->hdr[4], len);
            fr->keep = fr->keep ? fr->keep - 1 : 0;
            fr->left = len - 1;
            fr->buf_n = 0;
            if (fr->keep && !fr->buf)
                fr->buf = xmalloc(client ? KSSH_UPLOAD_PACKET_MAX : 4 + 4 + HANDLE_MAX);
        }
        size_t k = fr->left < n ? fr->left : n;
        if (fr->buf_n < fr->keep) {
            size_t c = fr->keep - fr->buf_n < k ? fr->keep - fr->buf_n : k;
            memcpy(fr->buf + fr->buf_n, d, c);
            fr->buf_n += c;
        }
        fr->left -= k;
        d += k;
        n -= k;
        if (fr->left == 0) {
            if (fr->keep) {
                if (client)
                    client_packet(u, fr->hdr[4], fr->buf, fr->buf_n);
                else
                    server_packet(u, fr->hdr[4], fr->buf, fr->buf_n);
            }
            fr->hdr_n = 0;
        }
    }
}

/* ---- scp ---- */

/* Parses "<mode> <size> <name>" after the line's letter. */
static bool scp_fields(const char *l, uint64_t *size, const char **name)
{
    char *end;
    const char *p = l;
    while (*p >= '0' && *p <= '7')
        p++;
    if (p == l || *p != ' ' || p[1] < '0' || p[1] > '9')
        return false;
    unsigned long long v = strtoull(p + 1, &end, 10);
    if (*end != ' ' || !end[1])
        return false;
    *size = v;
    *name = end + 1;
    return true;
}

/* path_n bytes of u->path, then '/' and name: the file's or directory's
 * path; false when it would not fit. */
static bool scp_join(struct kssh_upload *u, const char *name, size_t *n)
{
    size_t l = strlen(name);
    if (u->path_n + 1 + l >= sizeof(u->path))
        return false;
    u->path[u->path_n] = '/';
    memcpy(u->path + u->path_n + 1, name, l);
    *n = u->path_n + 1 + l;
    return true;
}

static void scp_line(struct kssh_upload *u)
{
    const char *name;
    uint64_t size;
    size_t n;
    u->line[u->line_n] = '\0';
    char kind = u->line[0];
    if (kind == 'T' || kind == '\0')
        return;
    if (kind == 'E') {
        if (u->depth > 0)
            u->path_n = u->dirs[--u->depth];
        return;
    }
    if ((kind != 'C' && kind != 'D') || !scp_fields(u->line + 1, &size, &name) ||
        strchr(name, '/') || strcmp(name, "..") == 0) {
        lose(u); /* scp's own sink refuses these too */
        return;
    }
    bool under = u->target_dir || u->depth > 0;
    if (kind == 'D') {
        if (u->depth == SCP_DEPTH_MAX || !scp_join(u, name, &n)) {
            lose(u);
            return;
        }
        u->dirs[u->depth++] = u->path_n;
        u->path_n = n;
        return;
    }
    if (under && !scp_join(u, name, &n)) {
        lose(u);
        return;
    }
    u->f = u->next_f++;
    u->ops->open(u->ud, u->f, u->path, under ? n : u->path_n);
    u->data_left = size;
    u->data_off = 0;
    u->want_ack = true;
    if (!size) {
        u->ops->close(u->ud, u->f);
        u->f = -1;
    }
}

static void scp_feed(struct kssh_upload *u, const unsigned char *d, size_t n)
{
    while (n && !u->lost) {
        if (u->data_left) {
            size_t k = u->data_left < n ? (size_t)u->data_left : n;
            u->ops->data(u->ud, u->f, u->data_off, d, k);
            u->data_off += k;
            u->data_left -= k;
            d += k;
            n -= k;
            if (!u->data_left) {
                u->ops->close(u->ud, u->f);
                u->f = -1;
            }
            continue;
        }
        if (u->want_ack) { /* the client's status byte after the bytes */
            u->want_ack = false;
            d++;
            n--;
            continue;
        }
        if (*d == '\n') {
            scp_line(u);
            u->line_n = 0;
        } else if (u->line_n == sizeof(u->line) - 1) {
            lose(u);
        } else {
            u->line[u->line_n++] = (char)*d;
        }
        d++;
        n--;
    }
}

void kssh_upload_client(struct kssh_upload *u, const void *d, size_t n)
{
    if (!u || u->lost)
        return;
    if (u->proto == KSSH_UPLOAD_SFTP)
        sftp_feed(u, true, d, n);
    else
        scp_feed(u, d, n);
}

void kssh_upload_server(struct kssh_upload *u, const void *d, size_t n)
{
    if (u && !u->lost && u->proto == KSSH_UPLOAD_SFTP)
        sftp_feed(u, false, d, n);
}

/* The next shell word of *p (quotes and backslashes as sh takes them) into
 * out (of cap bytes, cut to fit); false at the end of the line. */
static bool next_word(const char **p, char *out, size_t cap)
{
    const char *s = *p;
    size_t n = 0;
    char q = 0;
    while (*s == ' ' || *s == '\t')
        s++;
    if (!*s)
        return false;
    for (; *s && (q || (*s != ' ' && *s != '\t')); s++) {
        char ch = *s;
        if (q == '\'' && ch == '\'') {
            q = 0;
            continue;
        }
        if (q == '"' && ch == '"') {
            q = 0;
            continue;
        }
        if (!q && (ch == '\'' || ch == '"')) {
            q = ch;
            continue;
        }
        if (q != '\'' && ch == '\\' && s[1])
            ch = *++s;
        if (n + 1 < cap)
            out[n++] = ch;
    }
    out[n] = '\0';
    *p = s;
    return true;
}

char *kssh_upload_scp_target(const char *command)
{
    char w[KSSH_UPLOAD_NAME_MAX], target[KSSH_UPLOAD_NAME_MAX] = "";
    bool sink = false, dir = false, opts = true, have = false;
    const char *p = command;
    if (!next_word(&p, w, sizeof(w)) || (strcmp(w, "scp") != 0 && strcmp(w, "/usr/bin/scp") != 0))
        return NULL;
    while (next_word(&p, w, sizeof(w))) {
        if (opts && strcmp(w, "--") == 0) {
            opts = false;
        } else if (opts && w[0] == '-') {
            if (strchr(w, 'f')) /* the source side: a file taken out */
                return NULL;
            sink |= strchr(w, 't') != NULL;
            dir |= strchr(w, 'd') != NULL || strchr(w, 'r') != NULL;
        } else if (!have) {
            snprintf(target, sizeof(target), "%s", w);
            have = true;
        }
    }
    if (!sink)
        return NULL;
    return xasprintf("%s%s", *target ? target : ".", dir ? "/" : "");
}
