/* tar: a minimal ustar writer (see tar.h). */
#include "common/tar.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* One ustar header block for a regular file. */
static void header(char h[512], const char *name, size_t size, unsigned mode)
{
    memset(h, 0, 512);
    snprintf(h, 100, "%s", name);
    snprintf(h + 100, 8, "%07o", mode);
    snprintf(h + 108, 8, "%07o", 0);
    snprintf(h + 116, 8, "%07o", 0);
    snprintf(h + 124, 12, "%011zo", size);
    snprintf(h + 136, 12, "%011o", 0);
    h[156] = '0';
    memcpy(h + 257, "ustar", 6);
    h[263] = '0'; /* version "00" */
    h[264] = '0';
    snprintf(h + 265, 32, "root"); /* uname */
    snprintf(h + 297, 32, "root"); /* gname */
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (size_t i = 0; i < 512; i++)
        sum += (unsigned char)h[i];
    snprintf(h + 148, 8, "%06o", sum);
}

int tar_append(struct buf *out, const char *name, const void *data, size_t n, unsigned mode)
{
    static const char zeros[512];
    char h[512];

    if (!*name || strlen(name) >= 100)
        return -EINVAL;
    header(h, name, n, mode);
    size_t pad = (512 - n % 512) % 512;
    if (buf_append(out, h, sizeof(h)) < 0 || buf_append(out, data, n) < 0 ||
        buf_append(out, zeros, pad) < 0)
        return -ENOBUFS;
    return 0;
}

int tar_finish(struct buf *out)
{
    static const char zeros[1024];
    return buf_append(out, zeros, sizeof(zeros)) < 0 ? -ENOBUFS : 0;
}
