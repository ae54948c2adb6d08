/* buf: a growable byte buffer with a hard cap.
 *
 * Everything fed from the network or from dockerd lands in one of these, so
 * the cap is part of the type: appending past it fails instead of growing. */
#ifndef KARAKURI_COMMON_BUF_H
#define KARAKURI_COMMON_BUF_H

#include <stddef.h>

struct buf {
    char *data; /* owned; always NUL-terminated after a successful append */
    size_t len;
    size_t cap;
    size_t max_bytes;
};

void buf_init(struct buf *b, size_t max_bytes);
/* Returns 0, or -ENOBUFS when the cap would be exceeded (buffer unchanged). */
int buf_append(struct buf *b, const void *p, size_t n) __attribute__((warn_unused_result));
int buf_appendf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), warn_unused_result));
void buf_reset(struct buf *b);
/* Hands the data to the caller (who frees it) and leaves b empty. */
char *buf_steal(struct buf *b);
void buf_free(struct buf *b);

#endif
