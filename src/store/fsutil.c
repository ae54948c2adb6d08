/* fsutil: see fsutil.h. */
#include "store/fsutil.h"
#include "common/util.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int store_mkdir_p(const char *path, mode_t mode)
{
    if (!path || !*path)
        return -EINVAL;
    char *p = xstrdup(path);
    int rc = 0;

    /* Each prefix ending at a '/', then the whole path. */
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char saved = *s;
        *s = '\0';
        if (mkdir(p, mode) < 0 && errno != EEXIST) {
            rc = -errno;
            goto out;
        }
        *s = saved;
        if (saved == '\0')
            break;
    }
    struct stat sb;
    if (stat(path, &sb) < 0)
        rc = -errno;
    else if (!S_ISDIR(sb.st_mode))
        rc = -ENOTDIR;
out:
    free(p);
    return rc;
}

int store_fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = fsync(fd) < 0 ? -errno : 0;
    close(fd);
    return rc;
}

int store_write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (w == 0)
            return -EIO;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

int store_err_errno(char *err, size_t errlen, int rc, const char *what)
{
    char eb[128];
    if (err && errlen)
        snprintf(err, errlen, "%s: %s", what, util_strerror(rc, eb, sizeof(eb)));
    return rc;
}
