/* ssh hostkeys: a honeynet's SSH host keys (RSA 3072, ECDSA P-256, Ed25519,
 * the types of the gateway's sshd): files for the gateway, key sets in
 * memory for the session processes (keypool.h). */
#ifndef KARAKURI_SSH_HOSTKEYS_H
#define KARAKURI_SSH_HOSTKEYS_H

#include <libssh/libssh.h>
#include <stddef.h>

#define KSSH_HOSTKEYS 3

struct kssh_hostkey_type {
    const char *file; /* OpenSSH's file name, e.g. "ssh_host_ed25519_key" */
    enum ssh_keytypes_e type;
    int bits;
};
extern const struct kssh_hostkey_type kssh_hostkey_types[KSSH_HOSTKEYS];

/* Loads (making any that are missing) the keys in dir, creating dir and its
 * parent. keys[] get new keys the caller frees with ssh_key_free. */
int kssh_hostkeys_load(const char *dir, ssh_key keys[KSSH_HOSTKEYS], char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* A key set in memory, each private key as the text of its OpenSSH file:
 * what the daemon hands a session process (which reads no key file). */
struct kssh_keyset {
    char *pem[KSSH_HOSTKEYS];
};
/* New keys (slow: RSA 3072; not on the accept path). */
int kssh_keyset_generate(struct kssh_keyset *out) __attribute__((warn_unused_result));
/* The keys kept in dir; -ENOENT unless all are there. */
int kssh_keyset_read(const char *dir, struct kssh_keyset *out) __attribute__((warn_unused_result));
/* Keeps ks in dir (made with its parent) unless dir already has keys, which
 * win: a source's keys are made once. */
int kssh_keyset_keep(const char *dir, const struct kssh_keyset *ks, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* keys[] from ks (a type ks has no key of: NULL; at least one); the caller
 * frees them with ssh_key_free. */
int kssh_keyset_import(const struct kssh_keyset *ks, ssh_key keys[KSSH_HOSTKEYS])
    __attribute__((warn_unused_result));
/* Removes dir, its keys and its lock. */
int kssh_hostkeys_remove(const char *dir) __attribute__((warn_unused_result));
void kssh_keyset_copy(struct kssh_keyset *dst, const struct kssh_keyset *src);
void kssh_keyset_free(struct kssh_keyset *ks);

#endif
