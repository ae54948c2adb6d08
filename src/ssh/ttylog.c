/* ttylog: how much of a session's terminals is recorded (see ttylog.h),
 * and the server's writer of the recordings: one asciicast v2 file per
 * channel in the store's tty spool, stored as an artifact when the channel
 * or its session ends (server_int.h). kssh_tty_over is pure; the rest runs
 * on the server's thread and gathers the figures it is given. */
#include "ssh/ttylog.h"

#include "common/log.h"
#include "common/util.h"
#include "config/config.h"
#include "event/event.h"
#include "ssh/monitor.h"
#include "ssh/server_int.h"
#include "store/store.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

const char *kssh_tty_over(const struct kssh_tty_usage *u, long long n)
{
    if (u->channel + n > KSSH_TTY_CHANNEL_MAX_BYTES)
        return "channel";
    if (u->session + n > KSSH_TTY_SESSION_MAX_BYTES)
        return "session";
    if (u->source + n > KSSH_TTY_SOURCE_MAX_BYTES)
        return "source";
    if (u->fs_size > 0) {
        long long keep = u->fs_size / 100 * KSSH_TTY_MIN_FREE_PERCENT;
        if (keep < KSSH_TTY_MIN_FREE_BYTES)
            keep = KSSH_TTY_MIN_FREE_BYTES;
        if (u->fs_free - n < keep)
            return "disk";
    }
    return NULL;
}

/* ---- the writer ---- */

static struct tty_log *tty_of(struct conn *c, json_t *m)
{
    json_t *ch = json_object_get(m, "ch");
    for (int i = 0; i < MAX_TTYS && json_is_integer(ch); i++)
        if (c->tty[i].fd >= 0 && c->tty[i].ch == json_integer_value(ch))
            return &c->tty[i];
    return NULL;
}

/* Terminal bytes recorded for the source ip across its open sessions. */
static long long tty_source_bytes(const struct kssh_server *s, const char *ip)
{
    long long n = 0;
    for (size_t i = 0; i < s->nconns; i++)
        for (int k = 0; k < MAX_TTYS && strcmp(s->conns[i].ip, ip) == 0; k++)
            n += s->conns[i].tty[k].fd >= 0 ? s->conns[i].tty[k].bytes : 0;
    return n;
}

/* Why the next n bytes of t must not be recorded, NULL when they may. The
 * source's sessions and the disk are looked at only when t passes a
 * multiple of KSSH_TTY_CHECK_BYTES (and at its first line). */
static const char *tty_over(const struct kssh_server *s, const struct conn *c,
                            const struct tty_log *t, long long n)
{
    struct kssh_tty_usage u = {.channel = t->bytes};
    for (int k = 0; k < MAX_TTYS; k++)
        u.session += c->tty[k].fd >= 0 ? c->tty[k].bytes : 0;
    if (t->bytes == 0 || t->bytes / KSSH_TTY_CHECK_BYTES != (t->bytes + n) / KSSH_TTY_CHECK_BYTES) {
        struct statvfs fs;
        u.source = tty_source_bytes(s, c->ip);
        if (fstatvfs(t->fd, &fs) == 0) {
            u.fs_free = (long long)fs.f_bavail * (long long)fs.f_frsize;
            u.fs_size = (long long)fs.f_blocks * (long long)fs.f_frsize;
        }
    }
    return kssh_tty_over(&u, n);
}

/* Appends line (taken) to t, data_n of the terminal's bytes. Past a budget,
 * or once a write fails (ENOSPC), the recording stops and counts what it
 * does not record: it never has holes. */
static void tty_write(struct kssh_server *s, struct conn *c, struct tty_log *t, json_t *line,
                      size_t data_n)
{
    char *text = json_dumps(line, JSON_COMPACT | JSON_REAL_PRECISION(10));
    json_decref(line);
    if (!text)
        return;
    size_t n = strlen(text);
    text[n] = '\n'; /* json_dumps' NUL: one write for the whole line */
    const char *over = t->stopped_by ? NULL : tty_over(s, c, t, (long long)n + 1);
    /* A short write to a file is a full disk (or a file size limit). */
    if (!t->stopped_by && !over && write(t->fd, text, n + 1) != (ssize_t)(n + 1))
        over = "write failed";
    if (over) {
        t->stopped_by = over;
        t->truncated = true;
    }
    if (t->stopped_by)
        t->not_logged += (long long)data_n;
    else
        t->bytes += (long long)n + 1;
    free(text);
}

/* A named file in the spool, not an unnamed one: after a kill -9 the next
 * start stores it (store_tty_recover). */
void kssh_tty_open(struct kssh_server *s, struct conn *c, json_t *m)
{
    struct tty_log *t = NULL;
    for (int i = 0; i < MAX_TTYS && !t; i++)
        if (c->tty[i].fd < 0)
            t = &c->tty[i];
    if (!t || !json_is_integer(json_object_get(m, "ch")) || tty_of(c, m))
        return;
    int ch = (int)json_integer_value(json_object_get(m, "ch"));
    int rc = store_tty_spool_open(s->cfg->store.dir, c->session, ch, &t->fd);
    if (rc < 0) {
        LOG_RATELIMITED(LOG_LEVEL_WARN, "ssh: cannot make a tty log in %s (%d)", s->cfg->store.dir,
                        rc);
        return;
    }
    t->ch = ch;
    t->bytes = 0;
    t->truncated = false;
    t->stopped_by = NULL;
    t->not_logged = 0;
    size_t n = 0;
    char *term = kssh_get_b64(m, "term_b64", &n);
    json_t *env = json_object();
    json_object_set_new(env, "TERM", event_str(term ? term : "", term ? n : 0));
    json_t *hdr = json_pack("{s:i, s:I, s:I, s:I, s:o}", "version", 2, "width",
                            json_integer_value(json_object_get(m, "width")), "height",
                            json_integer_value(json_object_get(m, "height")), "timestamp",
                            (json_int_t)(util_now_us() / 1000000), "env", env);
    tty_write(s, c, t, hdr, 0);
    free(term);
}

void kssh_tty_append(struct kssh_server *s, struct conn *c, json_t *m)
{
    struct tty_log *t = tty_of(c, m);
    const char *k = json_string_value(json_object_get(m, "k"));
    size_t n = 0;
    char *data = kssh_get_b64(m, "data_b64", &n);
    if (t && data && k && (strcmp(k, "i") == 0 || strcmp(k, "o") == 0))
        tty_write(s, c, t,
                  json_pack("[f, s, o]", json_number_value(json_object_get(m, "t")), k,
                            event_str(data, n)),
                  n);
    free(data);
}

/* Stores the log as an artifact and records it; the spool file goes once it
 * is stored (kept otherwise, for the next start to try again). */
static void tty_finish(struct kssh_server *s, struct conn *c, struct tty_log *t)
{
    char sha[65];
    unsigned long long size = 0;
    if (t->fd < 0)
        return;
    if (lseek(t->fd, 0, SEEK_SET) == 0 &&
        store_artifact_put_fd(s->cfg->store.dir, t->fd, sha, &size) == 0) {
        json_t *ev = event_new(EVENT_TTY_LOG);
        json_object_set_new(ev, "artifact", json_string(sha));
        json_object_set_new(ev, "size", json_integer((json_int_t)size));
        json_object_set_new(ev, "channel", json_integer(t->ch));
        json_object_set_new(ev, "format", json_string("asciicast-v2"));
        if (t->truncated) {
            json_object_set_new(ev, "truncated", json_true());
            json_object_set_new(ev, "truncated_by", json_string(t->stopped_by));
            json_object_set_new(ev, "bytes_not_logged", json_integer(t->not_logged));
        }
        kssh_srv_emit(s, c, ev);
        store_tty_spool_done(s->cfg->store.dir, c->session, t->ch);
    } else {
        LOG_RATELIMITED(LOG_LEVEL_WARN, "ssh: a tty log of session %s could not be stored",
                        c->session);
    }
    close(t->fd);
    t->fd = -1;
}

void kssh_tty_close(struct kssh_server *s, struct conn *c, json_t *m)
{
    struct tty_log *t = tty_of(c, m);
    if (t)
        tty_finish(s, c, t);
}

void kssh_tty_finish_all(struct kssh_server *s, struct conn *c)
{
    for (int t = 0; t < MAX_TTYS; t++)
        tty_finish(s, c, &c->tty[t]);
}
