/* lan decoy: the containers that become LAN hosts. A decoy is made ahead of
 * time (karakuri/decoy, no network, its own SSH host keys, sshd listening) and
 * waits in the pool; when the responder claims it for an address it gets its
 * host name and the honeynet's users in a few file writes from the host
 * (the container is untouched until then, so nothing in it can redirect
 * them), then its network (netns.h). */
#ifndef KARAKURI_LAN_DECOY_H
#define KARAKURI_LAN_DECOY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/proc.h"

struct config;
struct docker;
struct kssh_keyset;
struct lan_trail_set;

#define LAN_LABEL_POOL "karakuri.pool"

#define LAN_DECOY_SERVICES 32

struct lan_decoy {
    char id[72];
    /* Its init layer (overlay2's "-init/diff", tells.h), with the trails'
     * directories made before it started (trail.h); "": none. */
    char layer[256];
    struct proc_ref init; /* the container's init, by handle (owned) */
    /* Its role services (init's children listening on a port), by pidfd
     * (owned), found once it was ready. */
    int service_pidfd[LAN_DECOY_SERVICES];
    uint16_t service_port[LAN_DECOY_SERVICES];
    size_t nservices;
};

/* A user to create in a decoy: name and a crypt(3) hash of its password. */
struct lan_user {
    char name[33];
    char hash[128];
};

/* Makes, starts and waits for a pool decoy: sshd and every role's services
 * (images/server/netsvc, under the names of the daemons they stand for)
 * listening. keys (borrowed) are put in place before it starts, so that its
 * entry point makes none: RSA 3072 made inside, at the container's CPU
 * share, takes 1-3 s; NULL: made inside. */
int lan_decoy_make(struct docker *d, const struct config *cfg, const struct kssh_keyset *keys,
                   struct lan_decoy *out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Whether the decoy's init is still the one it was made with, alive and in
 * its container: a pool decoy whose container was killed (or whose engine
 * restarted) is not, and is never written to. */
bool lan_decoy_alive(const struct lan_decoy *dc);

/* Closes the handles on its init (the container is left to the caller). */
void lan_decoy_close(struct lan_decoy *dc);

/* The hash for password (SHA-512 crypt, as Debian's chpasswd makes), or
 * -EINVAL for a name the system would refuse. */
int lan_user_make(const char *name, const char *password, struct lan_user *out)
    __attribute__((warn_unused_result));

/* What a claimed decoy gets of its honeynet's trails (trail.h): its SSH
 * host key (the derived Ed25519 one the others' known_hosts name), lines for
 * /etc/hosts, and the files. */
struct lan_decoy_trails {
    const char *hostkey;
    const char *hosts;
    const struct lan_trail_set *files;
};

/* Sets host name (UTS namespace, /etc/hostname, /etc/hosts with ip),
 * stops the services not among ports (the role's, 0-terminated: they answer
 * RST from then on, like any closed port), creates the users (or sets
 * their passwords) and plants the trails (or NULL) in an unclaimed decoy,
 * all through its init's /proc directory (the trail files into its init
 * layer when it has one: below its own layer, they are no change at file
 * extraction); -ESRCH when the init is not alive (lan_decoy_alive). */
int lan_decoy_setup(const struct lan_decoy *dc, const char *hostname, const char *ip,
                    const uint16_t *ports, const struct lan_user *users, size_t nusers,
                    const struct lan_decoy_trails *trails, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* One line of /proc/net/tcp ("  0: 00000000:0016 00000000:0000 0A … 12345 …",
 * NUL-terminated): true with the local port and the socket's inode when the
 * socket listens (state 0A). Pure; fuzzed. */
bool lan_tcp_listener_parse(const char *line, unsigned *port, unsigned long *inode)
    __attribute__((warn_unused_result));

#endif
