/* lan account: whether a gateway's account has the password a login brings,
 * read from the host (the container's /etc/passwd and /etc/shadow through
 * its init's root, confined to that root), so that a returning login costs
 * no useradd or chpasswd exec.
 *
 * Once an account has a password in the gateway, its hash there decides, as
 * on a real server: a login whose password is not that hash's is refused
 * (a wrong password), so the intruder's passwd takes effect and the old
 * password stops working. karakuri sets a login's password (useradd,
 * chpasswd) only on an account that has none: one not in /etc/passwd yet,
 * or one whose hash is "*", as the image's root and system accounts have.
 * A locked ("!..."), empty or otherwise unmatched hash refuses.
 *
 * The files are the container's, attacker-written once the intruder is in:
 * read with a cap, parsed by a pure function (fuzz_lan_account). */
#ifndef KARAKURI_LAN_ACCOUNT_H
#define KARAKURI_LAN_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Largest account file read (a real one is a few kB). */
#define LAN_ACCOUNT_FILE_MAX (1 << 20)

/* Field `field` (0: the name) of user's line in buf (len bytes of
 * /etc/passwd or /etc/shadow format: name:field1:...), copied NUL-ended to
 * out (NULL: only whether the line and field exist). 0, -ENOENT (no such
 * line or field), -ENAMETOOLONG (the field does not fit outlen, or user is
 * empty or holds ':' or '\n'). */
int lan_account_field(const char *buf, size_t len, const char *user, unsigned field, char *out,
                      size_t outlen) __attribute__((warn_unused_result));

/* Hashes in /etc/shadow fit this. */
#define LAN_ACCOUNT_HASH_MAX 512
#define LAN_ACCOUNT_DIGEST_LEN 32

/* user's password hash in container's /etc/shadow, if it is in its
 * /etc/passwd too. pid: the container's init, in the host's pid namespace
 * (checked to be the container's). 0 (hash "" when /etc/shadow has no line
 * for it), -ESRCH (no such process in it), -ENOENT (no such account in
 * /etc/passwd), -EIO (a file cannot be read), -ENAMETOOLONG. */
int lan_account_hash(pid_t pid, const char *container, const char *user, char *hash, size_t hashlen)
    __attribute__((warn_unused_result));

/* Whether hash (crypt(3) form) is that of password. */
bool lan_account_hash_is(const char *hash, const char *password);

/* What a login with password may do with an account, from what
 * lan_account_hash returned (rc, and hash when rc is 0). */
enum lan_account_verdict {
    LAN_ACCOUNT_SET,        /* no such account, or no password yet: karakuri sets it */
    LAN_ACCOUNT_MATCH,      /* the account's password */
    LAN_ACCOUNT_WRONG,      /* not its password (or locked, or one the host does not hash) */
    LAN_ACCOUNT_UNREADABLE, /* files unreadable, a name or hash too long: refused too */
};
enum lan_account_verdict lan_account_judge(int rc, const char *hash, const char *password);

/* A digest of (user, hash, password): once hash is known to be password's,
 * a caller keeps the digest, and the same digest later says so again
 * without crypt(3) (yescrypt costs tens of ms of CPU). */
void lan_account_digest(const char *user, const char *hash, const char *password,
                        unsigned char out[LAN_ACCOUNT_DIGEST_LEN]);

#endif
