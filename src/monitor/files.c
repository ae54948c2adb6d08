/* monitor files: changed files out of a container (see files.h). The tar the
 * engine sends is read by a small parser, as its content is the intruder's:
 * lengths are checked against what arrived. */
#include "monitor/files.h"

#include "common/log.h"
#include "common/util.h"
#include "docker/docker.h"
#include "event/event.h"
#include "store/store.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Paths that change by themselves or are ours: not the intruder's doing.
 * Each names whole path components: the path itself and what is under it;
 * one ending in '*' names the files in its directory starting with the rest. */
static const char *const ignored[] = {"/proc",
                                      "/sys",
                                      "/dev",
                                      "/run",
                                      "/var/cache",
                                      "/var/log/wtmp",
                                      "/var/log/btmp",
                                      "/var/log/lastlog",
                                      "/etc/ssh/ssh_host_*",
                                      "/tmp/.X11-unix"};

bool monitor_path_ignored(const char *path)
{
    for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
        size_t n = strlen(ignored[i]);
        if (ignored[i][n - 1] == '*') {
            if (strncmp(path, ignored[i], n - 1) == 0 && !strchr(path + n - 1, '/'))
                return true;
        } else if (strncmp(path, ignored[i], n) == 0 && (path[n] == '\0' || path[n] == '/')) {
            return true;
        }
    }
    return false;
}

static unsigned long long octal(const unsigned char *p, size_t n, bool *ok)
{
    unsigned long long v = 0;
    size_t i = 0;
    while (i < n && p[i] == ' ')
        i++;
    for (; i < n && p[i] >= '0' && p[i] <= '7'; i++)
        v = v * 8 + (p[i] - '0');
    *ok = i < n ? (p[i] == '\0' || p[i] == ' ') : true;
    return v;
}

int monitor_tar_first_file(const unsigned char *tar, size_t len, const unsigned char **data,
                           size_t *size)
{
    size_t pos = 0;
    for (int entry = 0; entry < 4; entry++) {
        if (len - pos < 512)
            return -EPROTO;
        const unsigned char *h = tar + pos;
        bool ok;
        unsigned long long sz = octal(h + 124, 12, &ok);
        if (!ok || sz > len - pos - 512)
            return -EPROTO;
        char type = (char)h[156];
        if (type == 'x' || type == 'g' || type == 'L') {
            /* PAX or GNU long-name header: the entry it describes follows. */
            pos += 512 + (size_t)((sz + 511) / 512 * 512);
            if (pos > len)
                return -EPROTO;
            continue;
        }
        if (type != '0' && type != '\0')
            return -ENOENT;
        *data = h + 512;
        *size = (size_t)sz;
        return 0;
    }
    return -EPROTO;
}

/* Fetches path's tar into memory (memfd) and stores its file. */
/* Go's os.FileMode bits the stat header carries: not regular files. */
#define MODE_NOT_REGULAR (0x80000000u | 0x08000000u | 0x04000000u | 0x02000000u | 0x01000000u)

static void extract_one(struct docker *d, const char *container,
                        const struct monitor_files_options *o, struct monitor_file *f)
{
    json_t *st_json = NULL;
    if (docker_container_stat_path(d, container, f->path, &st_json) < 0) {
        f->skipped = "gone";
        return;
    }
    json_int_t mode = json_integer_value(json_object_get(st_json, "mode"));
    json_int_t fsize = json_integer_value(json_object_get(st_json, "size"));
    json_decref(st_json);
    if ((unsigned long long)mode & MODE_NOT_REGULAR) {
        f->skipped = "not a regular file";
        return;
    }
    if (fsize < 0 || (unsigned long long)fsize > o->max_file_bytes) {
        f->size = (unsigned long long)(fsize < 0 ? 0 : fsize);
        f->skipped = "too large";
        return;
    }
    int fd = memfd_create("karakuri-file", MFD_CLOEXEC);
    struct stat st;
    if (fd < 0) {
        f->skipped = "no memory";
        return;
    }
    int rc = docker_container_archive_get(d, container, f->path, fd, o->max_file_bytes + 4096);
    if (rc == -EFBIG) {
        f->skipped = "too large";
    } else if (rc < 0) {
        f->skipped = rc == -ENOENT ? "gone" : "unreadable";
    } else if (fstat(fd, &st) == 0 && st.st_size > 0) {
        void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        const unsigned char *data;
        size_t size;
        if (map == MAP_FAILED) {
            f->skipped = "no memory";
        } else {
            rc = monitor_tar_first_file(map, (size_t)st.st_size, &data, &size);
            if (rc == -ENOENT)
                f->skipped = "not a regular file";
            else if (rc < 0)
                f->skipped = "malformed archive";
            else if (store_artifact_put(o->store_dir, data, size, f->sha256) < 0)
                f->skipped = "store failed";
            else
                f->size = size;
            munmap(map, (size_t)st.st_size);
        }
    }
    close(fd);
}

bool monitor_diff_entry(const json_t *entry, struct monitor_file *f)
{
    const char *path = json_string_value(json_object_get(entry, "Path"));
    json_int_t kind = json_integer_value(json_object_get(entry, "Kind"));
    if (!path || kind == 2 || monitor_path_ignored(path))
        return false; /* 2: deleted */
    *f = (struct monitor_file){.path = path, .kind = kind == 1 ? "added" : "modified"};
    return true;
}

static size_t skip_ws(const char *b, size_t len, size_t pos)
{
    while (pos < len && (b[pos] == ' ' || b[pos] == '\t' || b[pos] == '\n' || b[pos] == '\r'))
        pos++;
    return pos;
}

/* 0 when b[pos..] is only whitespace, else -EPROTO. */
static int at_end(const char *b, size_t len, size_t pos)
{
    return skip_ws(b, len, pos) == len ? 0 : -EPROTO;
}

int monitor_diff_walk(const char *buf, size_t len, monitor_json_elem_fn fn, void *ud)
{
    /* JSON holds no NUL byte, and jansson's count of what it consumed is off
     * past one: the list ends there (malformed). */
    const char *nul = memchr(buf, '\0', len);
    if (nul)
        len = (size_t)(nul - buf);
    size_t pos = skip_ws(buf, len, 0);
    if (len - pos >= 4 && memcmp(buf + pos, "null", 4) == 0)
        return at_end(buf, len, pos + 4);
    if (pos >= len || buf[pos] != '[')
        return -EPROTO;
    pos = skip_ws(buf, len, pos + 1);
    if (pos < len && buf[pos] == ']')
        return at_end(buf, len, pos + 1);
    for (;;) {
        json_error_t e;
        /* Stops right after the element's closing bracket; e.position says
         * where (jansson counts what it consumed even on success). */
        json_t *v = json_loadb(buf + pos, len - pos, JSON_DISABLE_EOF_CHECK, &e);
        /* After a scalar jansson has read one byte past it (its lexer's
         * look-ahead): only objects and arrays end exactly where it says,
         * and the entries of a diff are objects. */
        if (v && !json_is_object(v) && !json_is_array(v)) {
            json_decref(v);
            v = NULL;
        }
        if (!v)
            return -EPROTO;
        pos += e.position > 0 ? (size_t)e.position : len - pos;
        bool go = fn(v, ud);
        json_decref(v);
        if (!go)
            return 0;
        pos = skip_ws(buf, len, pos);
        if (pos >= len)
            return -EPROTO;
        if (buf[pos] == ']')
            return at_end(buf, len, pos + 1);
        if (buf[pos] != ',')
            return -EPROTO;
        pos = skip_ws(buf, len, pos + 1);
    }
}

struct walk {
    struct docker *d;
    const char *container;
    const struct monitor_files_options *o;
    struct monitor_files_options eff; /* o with its defaults filled in */
    monitor_file_fn cb;
    void *ud;
    size_t total;                /* bytes stored */
    unsigned long long examined; /* entries looked at, directories too */
    struct monitor_files_result r;
    bool stopped; /* the callback said so */
};

static bool over_cap(struct walk *w)
{
    long long deadline = w->eff.deadline_mono_us ? atomic_load(w->eff.deadline_mono_us) : 0;
    if (deadline && util_mono_us() >= deadline) {
        w->r.truncated = w->eff.deadline_why;
        return true;
    }
    if (w->r.files >= w->eff.max_files || w->examined >= 2ull * w->eff.max_files) {
        w->r.truncated = "extract_files";
        return true;
    }
    return false;
}

static bool on_entry(json_t *entry, void *ud)
{
    struct walk *w = ud;
    struct monitor_file f;
    if (!monitor_diff_entry(entry, &f))
        return true;
    if (w->r.truncated || over_cap(w)) {
        w->r.skipped++;
        return true; /* counted to the end */
    }
    w->examined++;
    if (w->total >= w->eff.max_total_bytes)
        f.skipped = "session cap";
    else
        extract_one(w->d, w->container, &w->eff, &f);
    if (f.skipped && strcmp(f.skipped, "not a regular file") == 0)
        return true; /* directories: their files are listed on their own */
    w->total += f.size;
    w->r.files++;
    if (!w->cb(&f, w->ud)) {
        w->stopped = true;
        return false;
    }
    return true;
}

/* The changes list, however long, in a memfd (up to its cap). */
static int fetch_list(struct walk *w, int *fd_out, bool *cut)
{
    int fd = memfd_create("karakuri-diff", MFD_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = docker_container_diff_fd(w->d, w->container, fd, w->eff.max_list_bytes);
    *cut = rc == -EFBIG;
    if (rc < 0 && !*cut) {
        close(fd);
        return rc;
    }
    *fd_out = fd;
    return 0;
}

int monitor_extract_changes(struct docker *d, const char *container,
                            const struct monitor_files_options *o, monitor_file_fn cb, void *ud)
{
    struct walk w = {.d = d, .container = container, .o = o, .eff = *o, .cb = cb, .ud = ud};
    if (!w.eff.max_files)
        w.eff.max_files = MONITOR_FILES_MAX;
    if (!w.eff.max_list_bytes)
        w.eff.max_list_bytes = MONITOR_LIST_MAX_BYTES;
    if (!w.eff.deadline_why)
        w.eff.deadline_why = "deadline";
    int fd = -1, rc;
    bool cut = false;
    struct stat st;
    if ((rc = fetch_list(&w, &fd, &cut)) < 0)
        return rc;
    if (fstat(fd, &st) == 0 && st.st_size > 0) {
        void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED) {
            rc = -ENOMEM;
        } else {
            int wr = monitor_diff_walk(map, (size_t)st.st_size, on_entry, &w);
            munmap(map, (size_t)st.st_size);
            /* A cut list ends mid-element: what came before it was walked. */
            if (!w.stopped && (cut || wr < 0) && !w.r.truncated)
                w.r.truncated = cut ? "changes list over its cap" : "changes list malformed";
        }
    }
    close(fd);
    if (o->result)
        *o->result = w.r;
    else if (w.r.truncated)
        LOG_RATELIMITED(LOG_LEVEL_WARN, "monitor: files of %.12s: %llu left out (%s)", container,
                        w.r.skipped, w.r.truncated);
    return rc;
}

json_t *monitor_file_event(const struct monitor_file *f, const char *honeynet)
{
    json_t *ev = event_new(EVENT_FILE_CHANGED);
    event_set_str(ev, "path", f->path, strlen(f->path));
    json_object_set_new(ev, "change", json_string(f->kind));
    json_object_set_new(ev, "size", json_integer((json_int_t)f->size));
    json_object_set_new(ev, "honeynet", json_string(honeynet));
    if (f->sha256[0])
        json_object_set_new(ev, "artifact", json_string(f->sha256));
    if (f->skipped)
        json_object_set_new(ev, "skipped", json_string(f->skipped));
    return ev;
}
