/* ssh hostkeys: a honeynet's SSH host keys (RSA 3072, ECDSA P-256, Ed25519,
 * the types of the gateway's sshd), made on first use. */
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

#endif
