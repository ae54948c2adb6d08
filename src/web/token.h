/* token: the web API's bearer token, <store dir>/web.token: 32 random bytes
 * as 64 hex digits, made 0600 at the first start and read at every later
 * one, and the check of an Authorization header against it. */
#ifndef KARAKURI_WEB_TOKEN_H
#define KARAKURI_WEB_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#define WEB_TOKEN_NAME "web.token"
#define WEB_TOKEN_HEX 64

/* Reads dir/web.token, or makes it (and dir) when there is none; *created
 * (may be NULL) says which. A file that is not a regular file, is readable
 * by group or others, or does not hold 64 hex digits is refused. Returns 0
 * or a negative errno (err says why). */
int web_token_load(const char *dir, char token[WEB_TOKEN_HEX + 1], bool *created, char *err,
                   size_t errlen) __attribute__((warn_unused_result));

/* True when authorization (an Authorization header's value, NULL when the
 * request had none) is "Bearer TOKEN" with TOKEN equal to token. The
 * comparison takes the same time wherever the first difference is. */
bool web_token_check(const char *authorization, const char *token);

#endif
