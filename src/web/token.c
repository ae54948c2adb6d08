/* token: the bearer token file and its check (token.h). The file is made
 * with O_EXCL, so two starting servers cannot each write one and answer to
 * different tokens: the loser reads the winner's. */
#include "web/token.h"

#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(char *err, size_t errlen, int rc, const char *path, const char *what)
{
    char eb[96];
    snprintf(err, errlen, "%s: %s: %s", path, what, util_strerror(-rc, eb, sizeof(eb)));
    return rc;
}

static bool is_token(const char *s, size_t n)
{
    return n == WEB_TOKEN_HEX && strspn(s, "0123456789abcdef") >= WEB_TOKEN_HEX;
}

static int read_token(const char *path, char token[WEB_TOKEN_HEX + 1], char *err, size_t errlen)
{
    char buf[WEB_TOKEN_HEX + 4];
    struct stat sb;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return fail(err, errlen, -errno, path, "opening");
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || (sb.st_mode & 077)) {
        close(fd);
        snprintf(err, errlen,
                 "%s: not a regular file of mode 0600: refused (remove it to make a new one)",
                 path);
        return -EACCES;
    }
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    int rd_errno = errno;
    close(fd);
    if (n < 0)
        return fail(err, errlen, -rd_errno, path, "reading");
    buf[n] = '\0';
    size_t len = strcspn(buf, "\r\n");
    if (!is_token(buf, len)) {
        snprintf(err, errlen,
                 "%s: does not hold a token of 64 hex digits (remove it to make a new one)", path);
        return -EINVAL;
    }
    memcpy(token, buf, WEB_TOKEN_HEX);
    token[WEB_TOKEN_HEX] = '\0';
    return 0;
}

/* 1 made, 0 there already (EEXIST), or a negative errno. */
static int make_token(const char *path, char token[WEB_TOKEN_HEX + 1], char *err, size_t errlen)
{
    uint8_t raw[WEB_TOKEN_HEX / 2];
    char line[WEB_TOKEN_HEX + 2];

    if (RAND_bytes(raw, (int)sizeof(raw)) != 1) {
        snprintf(err, errlen, "%s: no random bytes from OpenSSL", path);
        return -EIO;
    }
    util_hex(raw, sizeof(raw), line);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno == EEXIST ? 0 : fail(err, errlen, -errno, path, "creating");
    line[WEB_TOKEN_HEX] = '\n';
    line[WEB_TOKEN_HEX + 1] = '\0';
    int rc = 0;
    if (write(fd, line, WEB_TOKEN_HEX + 1) != WEB_TOKEN_HEX + 1 || fsync(fd) < 0)
        rc = fail(err, errlen, errno ? -errno : -EIO, path, "writing");
    close(fd);
    if (rc < 0) {
        unlink(path);
        return rc;
    }
    memcpy(token, line, WEB_TOKEN_HEX);
    token[WEB_TOKEN_HEX] = '\0';
    return 1;
}

int web_token_load(const char *dir, char token[WEB_TOKEN_HEX + 1], bool *created, char *err,
                   size_t errlen)
{
    char path[4096];
    if (!dir || !*dir ||
        (size_t)snprintf(path, sizeof(path), "%s/%s", dir, WEB_TOKEN_NAME) >= sizeof(path)) {
        snprintf(err, errlen, "no usable store directory for %s", WEB_TOKEN_NAME);
        return -EINVAL;
    }
    if (mkdir(dir, 0750) < 0 && errno != EEXIST)
        return fail(err, errlen, -errno, dir, "creating");
    int rc = make_token(path, token, err, errlen);
    if (rc < 0)
        return rc;
    if (created)
        *created = rc == 1;
    return rc == 1 ? 0 : read_token(path, token, err, errlen);
}

bool web_token_check(const char *authorization, const char *token)
{
    static const char scheme[] = "Bearer ";
    if (!authorization || !token || strncasecmp(authorization, scheme, sizeof(scheme) - 1) != 0)
        return false;
    const char *given = authorization + sizeof(scheme) - 1;
    while (*given == ' ')
        given++;
    /* The length is no secret (every token has 64 digits); the digits are. */
    if (strlen(given) != WEB_TOKEN_HEX || strlen(token) != WEB_TOKEN_HEX)
        return false;
    return CRYPTO_memcmp(given, token, WEB_TOKEN_HEX) == 0;
}
