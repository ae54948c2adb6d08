/* upfile: the server's writer of the files an intruder sends in (the
 * session process follows the stream: upload.h). Each is an unnamed file in
 * the store's directory, written at the offsets the client gave, cut at
 * [capture] max_bytes, per session at UPFILE_SESSION_MAX_BYTES and where the
 * disk runs short (the tty logs' floor); when it closes, or its session
 * ends, it is stored as an artifact and recorded as file.upload. Runs on the
 * server's thread. */
#include "common/log.h"
#include "config/config.h"
#include "event/event.h"
#include "ssh/monitor.h"
#include "ssh/server_int.h"
#include "ssh/ttylog.h"
#include "store/store.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define UPFILE_SESSION_MAX_BYTES (256LL << 20)

static struct up_file *up_of(struct conn *c, json_t *m)
{
    json_int_t ch = json_integer_value(json_object_get(m, "ch"));
    json_int_t f = json_integer_value(json_object_get(m, "f"));
    for (int i = 0; i < MAX_UPFILES; i++)
        if (c->up[i].used && c->up[i].ch == ch && c->up[i].f == f)
            return &c->up[i];
    return NULL;
}

static void stop(struct up_file *u, const char *why)
{
    if (!u->stopped_by)
        u->stopped_by = why;
}

void kssh_upfile_open(struct kssh_server *s, struct conn *c, json_t *m)
{
    struct up_file *u = NULL;
    size_t n = 0;
    if (up_of(c, m))
        return;
    for (int i = 0; i < MAX_UPFILES && !u; i++)
        if (!c->up[i].used)
            u = &c->up[i];
    char *path = kssh_get_b64(m, "path_b64", &n);
    if (!u || !path) {
        /* More at once than followed: the changed-files extraction still
         * sees what is left of it in the gateway. */
        LOG_RATELIMITED(LOG_LEVEL_INFO, "ssh: session %s sends more files at once than kept",
                        c->session);
        free(path);
        return;
    }
    *u = (struct up_file){.fd = -1, .used = true};
    u->ch = (int)json_integer_value(json_object_get(m, "ch"));
    u->f = (int)json_integer_value(json_object_get(m, "f"));
    u->proto = strcmp(json_string_value(json_object_get(m, "proto")), "scp") == 0 ? "scp" : "sftp";
    u->path = path;
    u->path_n = n;
    if (s->upfiles_open >= MAX_UPFILES_OPEN) {
        stop(u, "descriptors");
        return;
    }
    u->fd = open(s->cfg->store.dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (u->fd < 0)
        stop(u, "cannot make a file");
    else
        s->upfiles_open++;
}

/* Whether n more bytes keep the store's file system above the tty logs'
 * floor (kssh_tty_over's disk rule): asked at each KSSH_TTY_CHECK_BYTES of a
 * file. */
static bool disk_ok(const struct up_file *u, long long before, long long n)
{
    struct statvfs fs;
    if (before / KSSH_TTY_CHECK_BYTES == (before + n) / KSSH_TTY_CHECK_BYTES && before)
        return true;
    if (fstatvfs(u->fd, &fs) != 0)
        return true;
    struct kssh_tty_usage use = {.fs_free = (long long)fs.f_bavail * (long long)fs.f_frsize,
                                 .fs_size = (long long)fs.f_blocks * (long long)fs.f_frsize};
    return kssh_tty_over(&use, n) == NULL;
}

void kssh_upfile_write(struct kssh_server *s, struct conn *c, json_t *m)
{
    struct up_file *u = up_of(c, m);
    size_t n = 0;
    char *data = u ? kssh_get_b64(m, "data_b64", &n) : NULL;
    if (!data)
        return;
    long long off = (long long)json_integer_value(json_object_get(m, "off"));
    long long cap = s->cfg->capture.max_bytes;
    long long len = (long long)n, keep = len;
    if (off >= cap)
        keep = 0;
    else if (off + len > cap)
        keep = cap - off;
    if (keep < len)
        stop(u, "max_bytes");
    if (u->fd < 0) /* not kept from its open on: stopped_by says why */
        keep = 0;
    /* What this write adds to the file, against the session's budget. */
    long long grow = off + keep > u->extent ? off + keep - u->extent : 0;
    if (keep && c->up_bytes + grow > UPFILE_SESSION_MAX_BYTES) {
        stop(u, "session");
        keep = 0;
    }
    if (keep && !disk_ok(u, u->extent, grow)) {
        stop(u, "disk");
        keep = 0;
    }
    if (keep && pwrite(u->fd, data, (size_t)keep, off) != keep) {
        stop(u, "write failed");
        keep = 0;
    }
    if (keep) {
        u->extent += grow;
        c->up_bytes += grow;
    }
    u->not_stored += len - keep;
    free(data);
}

static void finish(struct kssh_server *s, struct conn *c, struct up_file *u)
{
    char sha[65];
    unsigned long long size = 0;
    if (!u->used)
        return;
    json_t *ev = event_new(EVENT_FILE_UPLOAD);
    event_set_str(ev, "path", u->path, u->path_n);
    json_object_set_new(ev, "proto", json_string(u->proto));
    json_object_set_new(ev, "channel", json_integer(u->ch));
    if (u->fd >= 0 && lseek(u->fd, 0, SEEK_SET) == 0 &&
        store_artifact_put_fd(s->cfg->store.dir, u->fd, sha, &size) == 0) {
        json_object_set_new(ev, "sha256", json_string(sha));
        json_object_set_new(ev, "artifact", json_string(sha));
        json_object_set_new(ev, "size", json_integer((json_int_t)size));
    } else {
        stop(u, "not stored");
    }
    if (u->stopped_by) {
        json_object_set_new(ev, "truncated", json_true());
        json_object_set_new(ev, "truncated_by", json_string(u->stopped_by));
        json_object_set_new(ev, "bytes_not_stored", json_integer(u->not_stored));
    }
    kssh_srv_emit(s, c, ev);
    if (u->fd >= 0) {
        close(u->fd);
        s->upfiles_open--;
    }
    free(u->path);
    *u = (struct up_file){.fd = -1};
}

void kssh_upfile_close(struct kssh_server *s, struct conn *c, json_t *m)
{
    struct up_file *u = up_of(c, m);
    if (u)
        finish(s, c, u);
}

void kssh_upfile_finish_all(struct kssh_server *s, struct conn *c)
{
    for (int i = 0; i < MAX_UPFILES; i++)
        finish(s, c, &c->up[i]);
}
