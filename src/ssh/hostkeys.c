/* ssh hostkeys: the SSH host keys of a honeynet, made once and kept under
 * <store dir>/hostkeys/<honeynet>/ in OpenSSH's file names, so that the front
 * end and the honeynet's gateway (which gets the same files) show one key. */
#include "ssh/hostkeys.h"

#include "common/util.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

const struct kssh_hostkey_type kssh_hostkey_types[KSSH_HOSTKEYS] = {
    {"ssh_host_rsa_key", SSH_KEYTYPE_RSA, 3072},
    {"ssh_host_ecdsa_key", SSH_KEYTYPE_ECDSA_P256, 256},
    {"ssh_host_ed25519_key", SSH_KEYTYPE_ED25519, 0},
};

static int mkdir_one(const char *path)
{
    return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -errno;
}

/* Makes the key file at path unless it exists; written aside and renamed so
 * that a reader never sees half a key. */
static int make_key(const char *path, const struct kssh_hostkey_type *t, char *err, size_t errlen)
{
    ssh_key key = NULL;
    char *tmp = xasprintf("%s.tmp", path);
    int rc = 0;

    if (access(path, R_OK) == 0)
        goto out;
    if (ssh_pki_generate(t->type, t->bits, &key) != SSH_OK) {
        snprintf(err, errlen, "cannot generate %s", t->file);
        rc = -EIO;
        goto out;
    }
    unlink(tmp);
    if (ssh_pki_export_privkey_file(key, NULL, NULL, NULL, tmp) != SSH_OK || chmod(tmp, 0600) < 0 ||
        rename(tmp, path) < 0) {
        snprintf(err, errlen, "cannot write %s", path);
        unlink(tmp);
        rc = -EIO;
    }
out:
    ssh_key_free(key);
    free(tmp);
    return rc;
}

int kssh_hostkeys_load(const char *dir, ssh_key keys[KSSH_HOSTKEYS], char *err, size_t errlen)
{
    char ebuf[128];
    ssh_key got[KSSH_HOSTKEYS] = {0};
    char *parent = xstrdup(dir);
    char *slash = strrchr(parent, '/');
    int rc = 0, lock = -1;

    if (slash && slash != parent) {
        *slash = '\0';
        rc = mkdir_one(parent);
    }
    if (rc == 0)
        rc = mkdir_one(dir);
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", dir, util_strerror(-rc, ebuf, sizeof(ebuf)));
        goto out;
    }
    char *lock_path = xasprintf("%s/.lock", dir);
    lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    free(lock_path);
    /* Two first connections of one source at once must agree on the keys. */
    if (lock < 0 || flock(lock, LOCK_EX) < 0) {
        rc = -errno;
        snprintf(err, errlen, "%s/.lock: %s", dir, util_strerror(-rc, ebuf, sizeof(ebuf)));
        goto out;
    }
    for (int i = 0; i < KSSH_HOSTKEYS && rc == 0; i++) {
        char *path = xasprintf("%s/%s", dir, kssh_hostkey_types[i].file);
        rc = make_key(path, &kssh_hostkey_types[i], err, errlen);
        if (rc == 0 && ssh_pki_import_privkey_file(path, NULL, NULL, NULL, &got[i]) != SSH_OK) {
            snprintf(err, errlen, "cannot read %s", path);
            rc = -EIO;
        }
        free(path);
    }
    if (rc == 0)
        memcpy(keys, got, sizeof(got));
    else
        for (int i = 0; i < KSSH_HOSTKEYS; i++)
            ssh_key_free(got[i]);
out:
    if (lock >= 0)
        close(lock);
    free(parent);
    return rc;
}
