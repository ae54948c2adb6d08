/* fsutil: the few file-system helpers the store's files share. */
#ifndef KARAKURI_STORE_FSUTIL_H
#define KARAKURI_STORE_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* Creates path and its missing parents with mode. 0 or a negative errno. */
int store_mkdir_p(const char *path, mode_t mode) __attribute__((warn_unused_result));
/* fsyncs a directory, so that a rename or link into it is durable. */
int store_fsync_dir(const char *path) __attribute__((warn_unused_result));
/* Writes all n bytes (retrying short writes and EINTR). 0 or a negative errno. */
int store_write_all(int fd, const void *p, size_t n) __attribute__((warn_unused_result));
/* Fills err with "what: strerror(rc)" and returns rc (a negative errno), so
 * a caller can return it in one line. */
int store_err_errno(char *err, size_t errlen, int rc, const char *what);

#endif
