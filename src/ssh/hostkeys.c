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

/* Makes the key file at path unless it exists, from pem (NULL: a new key);
 * written aside and renamed so that a reader never sees half a key. */
static int make_key(const char *path, const struct kssh_hostkey_type *t, const char *pem, char *err,
                    size_t errlen)
{
    ssh_key key = NULL;
    char *tmp = xasprintf("%s.tmp", path);
    int rc = 0;

    if (access(path, R_OK) == 0)
        goto out;
    if (pem ? ssh_pki_import_privkey_base64(pem, NULL, NULL, NULL, &key) != SSH_OK
            : ssh_pki_generate(t->type, t->bits, &key) != SSH_OK) {
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

/* Makes dir (and its parent) and takes its lock: two first connections of
 * one source at once must agree on the keys. Returns the lock's fd. */
static int lock_dir(const char *dir, char *err, size_t errlen)
{
    char ebuf[128];
    char *parent = xstrdup(dir);
    char *slash = strrchr(parent, '/');
    int rc = 0;

    if (slash && slash != parent) {
        *slash = '\0';
        rc = mkdir_one(parent);
    }
    if (rc == 0)
        rc = mkdir_one(dir);
    free(parent);
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", dir, util_strerror(-rc, ebuf, sizeof(ebuf)));
        return rc;
    }
    char *lock_path = xasprintf("%s/.lock", dir);
    int lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    free(lock_path);
    if (lock < 0 || flock(lock, LOCK_EX) < 0) {
        rc = -errno;
        snprintf(err, errlen, "%s/.lock: %s", dir, util_strerror(-rc, ebuf, sizeof(ebuf)));
        if (lock >= 0)
            close(lock);
        return rc;
    }
    return lock;
}

/* The key files of dir, made from ks (NULL: new keys) where missing. */
static int make_keys(const char *dir, const struct kssh_keyset *ks, ssh_key got[KSSH_HOSTKEYS],
                     char *err, size_t errlen)
{
    int lock = lock_dir(dir, err, errlen), rc = 0;
    if (lock < 0)
        return lock;
    for (int i = 0; i < KSSH_HOSTKEYS && rc == 0; i++) {
        char *path = xasprintf("%s/%s", dir, kssh_hostkey_types[i].file);
        rc = make_key(path, &kssh_hostkey_types[i], ks ? ks->pem[i] : NULL, err, errlen);
        if (rc == 0 && got &&
            ssh_pki_import_privkey_file(path, NULL, NULL, NULL, &got[i]) != SSH_OK) {
            snprintf(err, errlen, "cannot read %s", path);
            rc = -EIO;
        }
        free(path);
    }
    close(lock);
    return rc;
}

/* On success keys[] takes got[]; otherwise got[] is freed. Returns rc. */
static int hand_over(int rc, ssh_key got[KSSH_HOSTKEYS], ssh_key keys[KSSH_HOSTKEYS])
{
    for (int i = 0; i < KSSH_HOSTKEYS; i++) {
        if (rc == 0)
            keys[i] = got[i];
        else
            ssh_key_free(got[i]);
    }
    return rc;
}

int kssh_hostkeys_load(const char *dir, ssh_key keys[KSSH_HOSTKEYS], char *err, size_t errlen)
{
    ssh_key got[KSSH_HOSTKEYS] = {0};
    int rc = make_keys(dir, NULL, got, err, errlen);
    return hand_over(rc, got, keys);
}

int kssh_keyset_keep(const char *dir, const struct kssh_keyset *ks, char *err, size_t errlen)
{
    return make_keys(dir, ks, NULL, err, errlen);
}

int kssh_keyset_generate(struct kssh_keyset *out)
{
    struct kssh_keyset ks = {0};
    int rc = 0;
    for (int i = 0; i < KSSH_HOSTKEYS && rc == 0; i++) {
        ssh_key key = NULL;
        if (ssh_pki_generate(kssh_hostkey_types[i].type, kssh_hostkey_types[i].bits, &key) !=
                SSH_OK ||
            ssh_pki_export_privkey_base64(key, NULL, NULL, NULL, &ks.pem[i]) != SSH_OK)
            rc = -EIO;
        ssh_key_free(key);
    }
    if (rc == 0)
        *out = ks;
    else
        kssh_keyset_free(&ks);
    return rc;
}

int kssh_keyset_read(const char *dir, struct kssh_keyset *out)
{
    struct kssh_keyset ks = {0};
    int rc = 0;
    for (int i = 0; i < KSSH_HOSTKEYS && rc == 0; i++) {
        char *path = xasprintf("%s/%s", dir, kssh_hostkey_types[i].file);
        ssh_key key = NULL;
        if (access(path, R_OK) < 0)
            rc = -ENOENT;
        else if (ssh_pki_import_privkey_file(path, NULL, NULL, NULL, &key) != SSH_OK ||
                 ssh_pki_export_privkey_base64(key, NULL, NULL, NULL, &ks.pem[i]) != SSH_OK)
            rc = -EIO;
        ssh_key_free(key);
        free(path);
    }
    if (rc == 0)
        *out = ks;
    else
        kssh_keyset_free(&ks);
    return rc;
}

int kssh_keyset_import(const struct kssh_keyset *ks, ssh_key keys[KSSH_HOSTKEYS])
{
    ssh_key got[KSSH_HOSTKEYS] = {0};
    int rc = 0, n = 0;
    for (int i = 0; i < KSSH_HOSTKEYS && rc == 0; i++)
        if (ks->pem[i] &&
            (n++, ssh_pki_import_privkey_base64(ks->pem[i], NULL, NULL, NULL, &got[i]) != SSH_OK))
            rc = -EINVAL;
    return hand_over(rc == 0 && n == 0 ? -EINVAL : rc, got, keys);
}

int kssh_hostkeys_remove(const char *dir)
{
    for (int i = 0; i <= KSSH_HOSTKEYS; i++) {
        char *path =
            xasprintf("%s/%s", dir, i < KSSH_HOSTKEYS ? kssh_hostkey_types[i].file : ".lock");
        unlink(path);
        free(path);
    }
    return rmdir(dir) == 0 ? 0 : -errno;
}

void kssh_keyset_copy(struct kssh_keyset *dst, const struct kssh_keyset *src)
{
    for (int i = 0; i < KSSH_HOSTKEYS; i++)
        dst->pem[i] = src->pem[i] ? xstrdup(src->pem[i]) : NULL;
}

void kssh_keyset_free(struct kssh_keyset *ks)
{
    for (int i = 0; i < KSSH_HOSTKEYS; i++) {
        ssh_string_free_char(ks->pem[i]);
        ks->pem[i] = NULL;
    }
}
