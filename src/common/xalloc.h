/* xalloc: allocation that aborts on failure.
 *
 * Allocation failure is not an error a caller can recover from in a daemon
 * that must keep recording, so every allocation goes through these and the
 * rest of the code never checks for NULL from malloc. */
#ifndef KARAKURI_COMMON_XALLOC_H
#define KARAKURI_COMMON_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n) __attribute__((malloc, returns_nonnull));
void *xcalloc(size_t nmemb, size_t size) __attribute__((malloc, returns_nonnull));
void *xrealloc(void *p, size_t n) __attribute__((returns_nonnull));
char *xstrdup(const char *s) __attribute__((malloc, returns_nonnull));
char *xstrndup(const char *s, size_t n) __attribute__((malloc, returns_nonnull));
/* Returns a newly allocated string; the caller owns it. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2), returns_nonnull));

#endif
