/* spool: terminal recordings as named files while they are written, so that
 * a killed daemon leaves them for the next start to store (see store.h). */
#include "common/log.h"
#include "store/fsutil.h"
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SUFFIX ".cast"

static int spool_path(const char *dir, const char *session, int ch, char *buf, size_t n)
{
    if (!*session || strchr(session, '/') || session[0] == '.')
        return -EINVAL;
    int len = snprintf(buf, n, "%s/%s/%s-%d" SUFFIX, dir, STORE_TTY_SPOOL_DIR, session, ch);
    return len > 0 && (size_t)len < n ? 0 : -ENAMETOOLONG;
}

int store_tty_spool_open(const char *dir, const char *session, int ch, int *fd)
{
    char path[PATH_MAX];
    int rc = spool_path(dir, session, ch, path, sizeof(path));
    if (rc < 0)
        return rc;
    *strrchr(path, '/') = '\0';
    rc = store_mkdir_p(path, 0750);
    if (rc < 0)
        return rc;
    rc = spool_path(dir, session, ch, path, sizeof(path));
    int f = open(path, O_CREAT | O_TRUNC | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (f < 0)
        return -errno;
    *fd = f;
    return rc;
}

void store_tty_spool_done(const char *dir, const char *session, int ch)
{
    char path[PATH_MAX];
    if (spool_path(dir, session, ch, path, sizeof(path)) == 0 && unlink(path) < 0 &&
        errno != ENOENT)
        LOG_WARN("store: cannot remove %s", path);
}

/* "<session>-<ch>.cast" → session, ch; false when name is not one. */
static bool parse_name(const char *name, char *session, size_t n, int *ch)
{
    size_t len = strlen(name);
    if (len <= strlen(SUFFIX) || strcmp(name + len - strlen(SUFFIX), SUFFIX) != 0)
        return false;
    const char *dash = strrchr(name, '-');
    if (!dash || dash == name || (size_t)(dash - name) >= n)
        return false;
    char *end = NULL;
    long v = strtol(dash + 1, &end, 10);
    if (end == dash + 1 || strcmp(end, SUFFIX) != 0 || v < 0 || v > INT_MAX)
        return false;
    memcpy(session, name, (size_t)(dash - name));
    session[dash - name] = '\0';
    *ch = (int)v;
    return true;
}

static int recover_one(const char *dir, const char *path, const char *name,
                       struct event_pipeline *p)
{
    char session[128], sha[65];
    unsigned long long size = 0;
    int ch;
    struct stat st;
    if (!parse_name(name, session, sizeof(session), &ch) || lstat(path, &st) < 0 ||
        !S_ISREG(st.st_mode))
        return 0;
    if (st.st_size > 0) {
        int rc = store_artifact_put_file(dir, path, sha, &size);
        if (rc < 0) {
            LOG_WARN("store: a tty log left by the last run could not be stored: %s", path);
            return rc;
        }
        json_t *ev = event_new(EVENT_TTY_LOG);
        json_object_set_new(ev, "session", json_string(session));
        json_object_set_new(ev, "channel", json_integer(ch));
        json_object_set_new(ev, "artifact", json_string(sha));
        json_object_set_new(ev, "size", json_integer((json_int_t)size));
        json_object_set_new(ev, "format", json_string("asciicast-v2"));
        json_object_set_new(ev, "recovered", json_true());
        event_emit(p, ev);
    }
    unlink(path);
    return st.st_size > 0;
}

int store_tty_recover(const char *dir, struct event_pipeline *p)
{
    char spool[PATH_MAX], path[PATH_MAX];
    int n = 0, rc = 0;
    snprintf(spool, sizeof(spool), "%s/%s", dir, STORE_TTY_SPOOL_DIR);
    DIR *d = opendir(spool);
    if (!d)
        return errno == ENOENT ? 0 : -errno;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' ||
            snprintf(path, sizeof(path), "%s/%s", spool, e->d_name) >= (int)sizeof(path))
            continue;
        int r = recover_one(dir, path, e->d_name, p);
        if (r < 0)
            rc = r;
        n += r > 0;
    }
    closedir(d);
    return rc < 0 ? rc : n;
}
