/* artifact: bulky things (tty logs, extracted files, pcaps, payloads) stored
 * once under <dir>/artifacts/, named by the sha256 of their content.
 *
 * A file appears under its final name only complete and fsynced: it is
 * written to a temporary file in the same directory, fsynced, then link()ed
 * to its name (the temporary name is then removed). link() never replaces,
 * so two writers of the same content race harmlessly (the second gets EEXIST,
 * which means done), and a name that exists always holds exactly the content
 * its name says. */
#include "common/util.h"
#include "common/xalloc.h"
#include "store/fsutil.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK_BYTES ((size_t)64 * 1024)

char *store_artifact_path(const char *dir, const char *sha256_hex)
{
    return xasprintf("%s/%s/%s", dir, STORE_ARTIFACTS_DIR, sha256_hex);
}

static bool exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* A temporary file in <dir>/artifacts (made if missing), to be linked into
 * place by publish() or unlinked. Every field is owned. */
struct tmpfile {
    int fd;
    char *path; /* the temporary file's */
    char *adir; /* <dir>/artifacts */
};

static int tmp_open(const char *dir, struct tmpfile *t)
{
    char *adir = xasprintf("%s/%s", dir, STORE_ARTIFACTS_DIR);
    char *path = xasprintf("%s/.tmp-XXXXXX", adir);
    int rc = store_mkdir_p(adir, 0750);
    int fd = rc < 0 ? -1 : mkstemp(path);

    if (rc == 0 && fd < 0)
        rc = -errno;
    if (rc < 0) {
        free(path);
        free(adir);
        return rc;
    }
    t->fd = fd;
    t->path = path;
    t->adir = adir;
    return 0;
}

/* Unlinks and closes the temporary file (after publish() it is only a second
 * name) and frees t's fields. */
static void tmp_discard(struct tmpfile *t)
{
    unlink(t->path);
    close(t->fd);
    free(t->path);
    free(t->adir);
}

/* fsyncs the file, links it to its final name (unless that exists) and makes
 * the link durable. */
static int publish(const struct tmpfile *t, const char *dir, const char *hex)
{
    char *final = store_artifact_path(dir, hex);
    int rc = fsync(t->fd) < 0 ? -errno : 0;

    /* link() never replaces: EEXIST means the same content is there. */
    if (rc == 0 && link(t->path, final) < 0 && errno != EEXIST)
        rc = -errno;
    if (rc == 0)
        rc = store_fsync_dir(t->adir);
    free(final);
    return rc;
}

static void digest_hex(EVP_MD_CTX *md, char hex[65])
{
    uint8_t sum[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_DigestFinal_ex(md, sum, &n);
    util_hex(sum, n, hex);
}

int store_artifact_put(const char *dir, const void *data, size_t len, char sha256_hex[65])
{
    uint8_t sum[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    char hex[65];
    struct tmpfile t;

    if (!dir || (!data && len))
        return -EINVAL;
    if (!EVP_Digest(data, len, sum, &n, EVP_sha256(), NULL))
        return -EIO;
    util_hex(sum, n, hex);
    /* Known content is not written again. */
    char *final = store_artifact_path(dir, hex);
    bool known = exists(final);
    free(final);
    int rc = known ? 0 : tmp_open(dir, &t);
    if (!known && rc == 0) {
        rc = store_write_all(t.fd, data, len);
        if (rc == 0)
            rc = publish(&t, dir, hex);
        tmp_discard(&t);
    }
    if (rc == 0)
        memcpy(sha256_hex, hex, sizeof(hex));
    return rc;
}

/* Copies in to out while hashing; *size gets the byte count. */
static int copy_hashing(int in, int out, EVP_MD_CTX *md, unsigned long long *size)
{
    char *chunk = xmalloc(CHUNK_BYTES);
    int rc = 0;

    *size = 0;
    for (;;) {
        ssize_t r = read(in, chunk, CHUNK_BYTES);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = -errno;
            break;
        }
        if (r == 0)
            break;
        EVP_DigestUpdate(md, chunk, (size_t)r);
        rc = store_write_all(out, chunk, (size_t)r);
        if (rc < 0)
            break;
        *size += (unsigned long long)r;
    }
    free(chunk);
    return rc;
}

int store_artifact_put_fd(const char *dir, int fd, char sha256_hex[65],
                          unsigned long long *size_out)
{
    char hex[65];
    unsigned long long size = 0;
    struct tmpfile t;

    if (!dir || fd < 0)
        return -EINVAL;
    int rc = tmp_open(dir, &t);
    if (rc < 0)
        return rc;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    rc = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) ? 0 : -ENOMEM;
    if (rc == 0)
        rc = copy_hashing(fd, t.fd, md, &size);
    if (rc == 0) {
        digest_hex(md, hex);
        rc = publish(&t, dir, hex);
    }
    tmp_discard(&t);
    EVP_MD_CTX_free(md);
    if (rc < 0)
        return rc;
    memcpy(sha256_hex, hex, sizeof(hex));
    if (size_out)
        *size_out = size;
    return 0;
}

int store_artifact_put_file(const char *dir, const char *path, char sha256_hex[65],
                            unsigned long long *size_out)
{
    if (!path)
        return -EINVAL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -errno;
    int rc = store_artifact_put_fd(dir, fd, sha256_hex, size_out);
    close(fd);
    return rc;
}
