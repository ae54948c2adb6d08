/* lan trail: what a worm follows from a honeynet host to the next, planted
 * per honeynet and consistent with its population plan (plan.h): /etc/hosts
 * lines naming planned hosts; in the home of the image's `admin` user (not a
 * sudoer) and in /root: .ssh/known_hosts with the decoys' real host keys
 * (root's hashed, as Debian's default HashKnownHosts; admin's not, with
 * HashKnownHosts no in its .ssh/config), .ssh/config with Host entries,
 * .ssh/id_rsa (with .pub) whose public key the decoys accept for admin, and
 * a .bash_history with ssh, scp and mysql to planned hosts. A decoy carries
 * the same, one hop further (other planned hosts), and the key in admin's
 * authorized_keys.
 *
 * Decoy host keys are derived, so that the gateway's known_hosts can name
 * them before any decoy exists: the Ed25519 seed of the decoy at ip on
 * honeynet hn is HMAC-SHA256(sensor secret, "hostkey\0" hn "\0" ip), the
 * secret 32 random bytes in <store dir>/sensor.secret (0600). The admin key
 * (RSA 3072) is made once per honeynet and kept in <store dir>/trails/<hn>/.
 * The private key reaches only the honeynet's own hosts: it opens nothing
 * but decoys. */
#ifndef KARAKURI_LAN_TRAIL_H
#define KARAKURI_LAN_TRAIL_H

#include "lan/plan.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LAN_TRAIL_SECRET_LEN 32
/* The image's admin user (images/server/Dockerfile). */
#define LAN_TRAIL_ADMIN "admin"
#define LAN_TRAIL_ADMIN_UID 1000u
#define LAN_TRAIL_FILES_MAX 16
/* The admin key's comment: made on the admin's own machine. */
#define LAN_TRAIL_KEY_COMMENT "admin@mgmt01"

/* A key pair: the private key as an OpenSSH private key file's text, the
 * public key as an authorized_keys / known_hosts line ("ssh-ed25519 AAAA…",
 * no comment). */
struct lan_trail_key {
    char *priv;
    char *pub;
};

/* The sensor's secret from <store_dir>/sensor.secret, made (32 random
 * bytes, 0600) if missing. 0 or a negative errno. */
int lan_trail_secret(const char *store_dir, unsigned char secret[LAN_TRAIL_SECRET_LEN])
    __attribute__((warn_unused_result));

/* The Ed25519 host key of the decoy at ip (dotted) on honeynet hn: the same
 * for the same secret, hn and ip. comment goes into the private key file. */
int lan_trail_hostkey(const unsigned char secret[LAN_TRAIL_SECRET_LEN], const char *hn,
                      const char *ip, const char *comment, struct lan_trail_key *out)
    __attribute__((warn_unused_result));

/* <store_dir>/trails/<hn> (hn's characters other than [A-Za-z0-9._-] as
 * '_'); the caller frees it. */
char *lan_trail_dir(const char *store_dir, const char *hn);

/* Honeynet hn's admin key, from its trail directory, made (RSA 3072,
 * LAN_TRAIL_KEY_COMMENT) if missing. */
int lan_trail_userkey(const char *store_dir, const char *hn, struct lan_trail_key *out)
    __attribute__((warn_unused_result));

/* Removes hn's trail directory (gone already: 0). */
int lan_trail_remove(const char *store_dir, const char *hn) __attribute__((warn_unused_result));

void lan_trail_key_free(struct lan_trail_key *k);

/* One file to plant: a path under the container's root, its text (owned),
 * mode and owner (0: root; else LAN_TRAIL_ADMIN_UID). */
struct lan_trail_file {
    const char *path;
    char *data;
    mode_t mode;
    uid_t uid;
};

struct lan_trail_set {
    struct lan_trail_file files[LAN_TRAIL_FILES_MAX];
    size_t n;
};

/* The trails of the host at self on honeynet hn with plan: the planned hosts
 * it names are the others (a decoy's start after itself in the plan: one
 * hop further), each known by its derived key (secret); user is the
 * honeynet's admin key; decoy: also admin's authorized_keys. Pure but for
 * the hashed known_hosts' salts, which are derived too. */
int lan_trail_files(const struct lan_plan *plan, const char *hn, uint32_t self,
                    const unsigned char secret[LAN_TRAIL_SECRET_LEN],
                    const struct lan_trail_key *user, bool decoy, struct lan_trail_set *out)
    __attribute__((warn_unused_result));

/* The /etc/hosts lines ("10.1.2.3\tdb01\n"…) naming some planned hosts other
 * than self; the caller frees it. */
char *lan_trail_hosts(const struct lan_plan *plan, uint32_t self);

/* The directories of the trail files under root (a container's init layer,
 * or "<proc>/root"): /home, /home/admin, /root and their .ssh, with the
 * owners and modes of the image's (ids counted from root's owner: the
 * container's root, remapped or not). Existing ones are left. */
int lan_trail_dirs(const char *root) __attribute__((warn_unused_result));

/* Writes the set under root, each file with its mode and owner (made, or
 * rewritten in place), its directories made if needed (lan_trail_dirs). */
int lan_trail_write(const char *root, const struct lan_trail_set *s)
    __attribute__((warn_unused_result));

void lan_trail_set_free(struct lan_trail_set *s);

#endif
