/* tar: writing small ustar archives into a buffer (build contexts, files put
 * into containers). Regular files only, owned by root, time 0, so equal
 * inputs make equal archives. */
#ifndef KARAKURI_COMMON_TAR_H
#define KARAKURI_COMMON_TAR_H

#include "common/buf.h"

#include <stddef.h>

/* Appends one file (name shorter than 100 bytes). 0, -EINVAL or -ENOBUFS. */
int tar_append(struct buf *out, const char *name, const void *data, size_t n, unsigned mode)
    __attribute__((warn_unused_result));
/* Appends the end-of-archive blocks. */
int tar_finish(struct buf *out) __attribute__((warn_unused_result));

#endif
