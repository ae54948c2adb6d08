/* lan account: an account's password checked from the host (see account.h). */
#include "lan/account.h"

#include "common/proc.h"
#include "common/xalloc.h"

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int lan_account_field(const char *buf, size_t len, const char *user, unsigned field, char *out,
                      size_t outlen)
{
    size_t ul = strlen(user);
    if (!ul || strpbrk(user, ":\n") || (out && !outlen))
        return -ENAMETOOLONG;
    const char *p = buf, *end = buf + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        if ((size_t)(eol - p) > ul && memcmp(p, user, ul) == 0 && p[ul] == ':') {
            const char *f = p;
            for (unsigned i = 0; i < field && f; i++) {
                f = memchr(f, ':', (size_t)(eol - f));
                f = f ? f + 1 : NULL;
            }
            if (!f)
                return -ENOENT;
            if (!out)
                return 0;
            const char *fe = memchr(f, ':', (size_t)(eol - f));
            size_t n = (size_t)((fe ? fe : eol) - f);
            if (n >= outlen)
                return -ENAMETOOLONG;
            memcpy(out, f, n);
            out[n] = '\0';
            return 0;
        }
        p = eol + 1;
    }
    return -ENOENT;
}

/* path (relative) read under root, resolved as if root were "/" (no way out
 * by ".." or a symlink); a regular file of at most LAN_ACCOUNT_FILE_MAX
 * bytes, else NULL. The caller frees it. */
static char *read_in_root(int root, const char *path, size_t *len)
{
    struct open_how how = {.flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
                           .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    int fd = (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
    struct stat st;
    char *buf = NULL;
    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > LAN_ACCOUNT_FILE_MAX)
        goto out;
    buf = xmalloc((size_t)st.st_size + 1);
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, (size_t)st.st_size + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || (n += (size_t)r) > (size_t)st.st_size)
            break;
    }
    if (n > (size_t)st.st_size) { /* grew while read: not a settled file */
        free(buf);
        buf = NULL;
        goto out;
    }
    *len = n;
out:
    close(fd);
    return buf;
}

bool lan_account_hash_is(const char *hash, const char *password)
{
    /* Locked ("!"), empty or DES-era hashes match nothing. Only settings
     * of a fixed cost are hashed on the host: yescrypt at Debian's "j9T"
     * (passwd, chpasswd), SHA-512 or SHA-256 at their default rounds, MD5
     * (`openssl passwd -1`, a bot's usermod -p). The container's root writes
     * /etc/shadow, and a setting of its own choosing could make every login
     * cost the daemon seconds of CPU or gigabytes (yescrypt's memory is in
     * its parameters): such a hash matches nothing either. */
    bool sha = strncmp(hash, "$6$", 3) == 0 || strncmp(hash, "$5$", 3) == 0;
    if (strncmp(hash, "$y$j9T$", 7) != 0 && strncmp(hash, "$1$", 3) != 0 &&
        (!sha || strncmp(hash + 3, "rounds=", 7) == 0))
        return false;
    struct crypt_data *cd = xcalloc(1, sizeof(*cd));
    const char *h = crypt_r(password, hash, cd);
    bool ok = h && h[0] == '$' && strcmp(h, hash) == 0;
    explicit_bzero(cd, sizeof(*cd));
    free(cd);
    return ok;
}

enum lan_account_verdict lan_account_judge(int rc, const char *hash, const char *password)
{
    if (rc == -ENOENT || (rc == 0 && strcmp(hash, "*") == 0))
        return LAN_ACCOUNT_SET;
    if (rc < 0)
        return LAN_ACCOUNT_UNREADABLE;
    return lan_account_hash_is(hash, password) ? LAN_ACCOUNT_MATCH : LAN_ACCOUNT_WRONG;
}

int lan_account_hash(pid_t pid, const char *container, const char *user, char *hash, size_t hashlen)
{
    struct proc_ref init;
    char *pw = NULL, *sh = NULL;
    size_t pwl = 0, shl = 0;
    int rc = -ENOENT;
    if (proc_ref_open(pid, container, &init) < 0)
        return -ESRCH;
    int root = openat(init.dirfd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
    proc_ref_close(&init);
    if (root < 0)
        return -ESRCH;
    if (!(pw = read_in_root(root, "etc/passwd", &pwl)) ||
        !(sh = read_in_root(root, "etc/shadow", &shl)))
        rc = -EIO;
    else if ((rc = lan_account_field(pw, pwl, user, 0, NULL, 0)) == 0 &&
             (rc = lan_account_field(sh, shl, user, 1, hash, hashlen)) == -ENOENT) {
        hash[0] = '\0'; /* in /etc/passwd only: no password opens it (-ENOENT
                         * here means hashlen > 0) */
        rc = 0;
    }
    if (sh)
        explicit_bzero(sh, shl);
    free(sh);
    free(pw);
    close(root);
    return rc;
}

void lan_account_digest(const char *user, const char *hash, const char *password,
                        unsigned char out[LAN_ACCOUNT_DIGEST_LEN])
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (!c)
        abort(); /* out of memory, as xalloc would */
    /* The NULs keep the three apart. */
    if (EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1 ||
        EVP_DigestUpdate(c, user, strlen(user) + 1) != 1 ||
        EVP_DigestUpdate(c, hash, strlen(hash) + 1) != 1 ||
        EVP_DigestUpdate(c, password, strlen(password)) != 1 ||
        EVP_DigestFinal_ex(c, out, NULL) != 1)
        abort(); /* out of memory, as xalloc would */
    EVP_MD_CTX_free(c);
}
