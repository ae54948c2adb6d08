/* tmpdir: a fresh directory per test, removed with everything in it. */
#ifndef KARAKURI_TESTS_STORE_TMPDIR_H
#define KARAKURI_TESTS_STORE_TMPDIR_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline char *tmpdir_new(void)
{
    char *d = strdup("/tmp/karakuri-unit-store.XXXXXX");
    if (!d || !mkdtemp(d))
        abort();
    return d;
}

static inline int tmpdir_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static inline void tmpdir_free(char *d)
{
    if (!d)
        return;
    nftw(d, tmpdir_rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(d);
}

/* "<dir>/<name>" in a static buffer: for short-lived use in a test. */
static inline const char *tmpdir_path(const char *dir, const char *name)
{
    static char buf[512];
    snprintf(buf, sizeof(buf), "%s/%s", dir, name);
    return buf;
}

#endif
