/* jsonl: see jsonl.h. */
#include "store/jsonl.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "store/fsutil.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct store_jsonl {
    char *path;
    int fd;    /* -1 while closed (after a failure to reopen) */
    dev_t dev; /* of the open file, to notice it was replaced */
    ino_t ino;
    off_t size; /* where our last complete batch ended */
    char *buf;  /* the batch's lines, reused */
    size_t cap;
};

/* Where the last complete line of fd ends: a process killed in the middle
 * of a write (a fatal signal can cut a write(2) short) leaves a partial line
 * that would otherwise be glued to the next run's first line. */
static int complete_size(int fd, off_t size, off_t *out)
{
    char chunk[4096];
    off_t end = size;

    while (end > 0) {
        size_t n = end < (off_t)sizeof(chunk) ? (size_t)end : sizeof(chunk);
        ssize_t r = pread(fd, chunk, n, end - (off_t)n);
        if (r != (ssize_t)n)
            return r < 0 ? -errno : -EIO;
        for (size_t i = n; i > 0; i--) {
            if (chunk[i - 1] == '\n') {
                *out = end - (off_t)n + (off_t)i;
                return 0;
            }
        }
        end -= (off_t)n;
    }
    *out = 0;
    return 0;
}

static int trim_partial_line(struct store_jsonl *j)
{
    off_t keep = j->size;
    int rc = complete_size(j->fd, j->size, &keep);
    if (rc < 0 || keep == j->size)
        return rc;
    LOG_WARN("store: %s ended in a partial line (%lld bytes, from a crash?); cut off", j->path,
             (long long)(j->size - keep));
    if (ftruncate(j->fd, keep) < 0)
        return -errno;
    j->size = keep;
    return 0;
}

static int reopen(struct store_jsonl *j, char *err, size_t errlen)
{
    struct stat sb;

    if (j->fd >= 0)
        close(j->fd);
    j->fd = open(j->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (j->fd < 0)
        return store_err_errno(err, errlen, -errno, j->path);
    if (fstat(j->fd, &sb) < 0) {
        int rc = -errno;
        close(j->fd);
        j->fd = -1;
        return store_err_errno(err, errlen, rc, j->path);
    }
    j->dev = sb.st_dev;
    j->ino = sb.st_ino;
    j->size = sb.st_size;
    int rc = trim_partial_line(j);
    if (rc < 0) {
        close(j->fd);
        j->fd = -1;
        return store_err_errno(err, errlen, rc, j->path);
    }
    return 0;
}

int store_jsonl_open(const char *dir, struct store_jsonl **out, char *err, size_t errlen)
{
    struct store_jsonl *j = xcalloc(1, sizeof(*j));
    j->path = xasprintf("%s/%s", dir, STORE_JSONL_NAME);
    j->fd = -1;
    int rc = reopen(j, err, errlen);
    if (rc < 0) {
        store_jsonl_close(j);
        return rc;
    }
    *out = j;
    return 0;
}

/* Makes sure fd is the file at path, ending where our last batch ended. */
static int prepare(struct store_jsonl *j, char *err, size_t errlen)
{
    struct stat sb;

    /* One stat per batch notices deletion and rotation. */
    if (j->fd >= 0 && (stat(j->path, &sb) < 0 || sb.st_dev != j->dev || sb.st_ino != j->ino)) {
        close(j->fd);
        j->fd = -1;
    }
    if (j->fd < 0)
        return reopen(j, err, errlen);
    if (fstat(j->fd, &sb) < 0)
        return store_err_errno(err, errlen, -errno, j->path);
    if (sb.st_size > j->size) {
        /* The tail of a batch that failed half way, not cut off then. */
        if (ftruncate(j->fd, j->size) < 0)
            return store_err_errno(err, errlen, -errno, j->path);
    } else {
        j->size = sb.st_size; /* truncated by someone else: go on from there */
    }
    return 0;
}

int store_jsonl_append(struct store_jsonl *j, struct event_record *const *recs, size_t n, char *err,
                       size_t errlen)
{
    size_t total = 0;
    int rc = prepare(j, err, errlen);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++)
        total += recs[i]->len + 1;
    if (total > j->cap) {
        free(j->buf);
        j->cap = total + total / 4;
        j->buf = xmalloc(j->cap);
    }
    /* One write per batch: the lines already end in '\n'. */
    char *o = j->buf;
    for (size_t i = 0; i < n; i++) {
        memcpy(o, recs[i]->line, recs[i]->len + 1);
        o += recs[i]->len + 1;
    }
    rc = store_write_all(j->fd, j->buf, total);
    if (rc < 0) {
        /* Best effort now; prepare() tries again before the retry. */
        int trc = ftruncate(j->fd, j->size);
        (void)trc;
        return store_err_errno(err, errlen, rc, j->path);
    }
    j->size += (off_t)total;
    return 0;
}

void store_jsonl_close(struct store_jsonl *j)
{
    if (!j)
        return;
    if (j->fd >= 0)
        close(j->fd);
    free(j->buf);
    free(j->path);
    free(j);
}
