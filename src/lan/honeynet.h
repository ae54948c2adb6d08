/* lan honeynet: a honeynet's internal network and its gateway container.
 *
 * A honeynet is named ("src-192.0.2.2" per source, "shared" for all); its
 * network is an --internal Docker network with the next free /24 of
 * [honeynet] lan_pool, and its gateway a karakuri/gateway container on it with
 * a believable hostname and the honeynet's own SSH host keys (hostkeys.h), so
 * that the key seen from outside and from the LAN is one. Both carry the
 * labels karakuri.managed=1, karakuri.honeynet=<name>; finding them again by
 * label is how a returning source gets its honeynet back, files and all. */
#ifndef KARAKURI_LAN_HONEYNET_H
#define KARAKURI_LAN_HONEYNET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct config;
struct docker;

#define LAN_LABEL_HONEYNET "karakuri.honeynet"
#define LAN_LABEL_ROLE "karakuri.role"

struct lan_gateway {
    char honeynet[64];
    char network[96];   /* network name */
    char container[96]; /* container id */
    char hostname[64];
    char ip[16];
    char subnet[20];
    pid_t pid;    /* of the gateway's init, in the host's pid namespace */
    bool created; /* made by this call (not found) */
};

/* Finds or makes honeynet `name` with a running gateway answering SSH.
 * hostkey_dir holds the keys the gateway's sshd gets. */
int lan_honeynet_ensure(struct docker *d, const struct config *cfg, const char *name,
                        const char *hostkey_dir, struct lan_gateway *gw, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* How many honeynets there are (their networks), and whether `name` is
 * one of them. */
int lan_honeynet_count(struct docker *d, const char *name, unsigned *count, bool *exists, char *err,
                       size_t errlen) __attribute__((warn_unused_result));

/* Removes honeynet `name`: its containers (whatever their state) and its
 * network. */
int lan_honeynet_remove(struct docker *d, const char *name, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Creates user (home, /bin/bash, no sudo) with password in the gateway, or
 * sets the password of an existing one. -EINVAL for a name or password the
 * system refuses (as its sshd would never accept them). */
int lan_gateway_user(struct docker *d, const struct lan_gateway *gw, const char *user,
                     const char *password, bool *created, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
