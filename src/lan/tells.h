/* lan tells: what the engine leaves in a honeynet container that says
 * "container" to whoever looks from inside, taken away from the host after
 * the container starts.
 *
 * The engine bind-mounts /etc/hosts, /etc/hostname and /etc/resolv.conf from
 * /var/lib/docker/containers/<id>/, and /proc/self/mountinfo shows it. Here
 * the three are unmounted in the container's mount namespace (a child
 * process that setns()'s into it through the pidfd of the container's init,
 * checked to be in the container's cgroup) and the files underneath hold the
 * same content (resolv.conf's made karakuri's own: lan_tells_resolv_conf):
 * written from the host into the container's init layer (the
 * engine's lowest read-write-free layer, overlay2's "-init" lower directory),
 * so the rewrite is no change in the container's own layer and file
 * extraction (docker diff) does not see it. Without an init layer (another
 * storage driver) the child writes them after the unmount, and they show as
 * changed files. The container's mount tree is then made private: it is
 * the host's slave, and the engine mounts a running container's mount points
 * into its root on the host for archive requests (file extraction), which
 * brought the three back by propagation. The engine mounts them again at
 * every start: call this after each one. */
#ifndef KARAKURI_LAN_TELLS_H
#define KARAKURI_LAN_TELLS_H

#include "common/proc.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The init layer of a container from its GraphDriver's LowerDir (the first
 * directory of the list when it ends in "-init/diff"): written to out (n
 * bytes). -ENOENT when there is none. */
int lan_tells_init_layer(const char *lowerdir, char *out, size_t n)
    __attribute__((warn_unused_result));

/* The init layer of the container whose inspect answer is info, when its
 * storage driver is overlay2 (lan_tells_init_layer); -ENOENT otherwise. */
int lan_tells_layer_of(const json_t *info, char *out, size_t n) __attribute__((warn_unused_result));

/* What a honeynet host's /etc/resolv.conf says, for its address ip (host
 * byte order): "nameserver A.B.C.1" for its /24, the LAN's bridge, where the
 * firewall redirects DNS to karakuri's resolver (contain/firewall.h), and
 * nothing of the engine's (no comment lines, no 127.0.0.11, no options). */
void lan_tells_resolv_conf(uint32_t ip, char *out, size_t n);

/* Hides the engine's mounts in the started container whose inspect answer
 * is info (borrowed) and whose init is init (borrowed); hosts_extra (or
 * NULL) is appended to the engine's /etc/hosts (the planned hosts a
 * gateway's names: trail.h); resolv: what /etc/resolv.conf holds instead of
 * the engine's content (NULL: the engine's). 0 or a negative errno, with err
 * set. */
int lan_tells_hide(const json_t *info, const struct proc_ref *init, const char *hosts_extra,
                   const char *resolv, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
