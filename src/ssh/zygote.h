/* ssh zygote: the single-threaded process that forks the session processes.
 * karakuri run starts it before any thread, ring, store, BPF object or
 * secret exists, so that a session holds nothing of the daemon's. It runs
 * with stdio on /dev/null, in a session of its own and in an empty network
 * namespace of its own (the sessions' too), and dies with the daemon. Each
 * session process gets a uid of its own (KSSH_SESSION_UID_BASE + a slot, no
 * passwd entry), a session of its own, the empty chroot and a seccomp
 * filter (session.c). */
#ifndef KARAKURI_SSH_ZYGOTE_H
#define KARAKURI_SSH_ZYGOTE_H

#include <stddef.h>
#include <sys/types.h>

#define KSSH_SESSION_UID_BASE 0x7f000000u
#define KSSH_SESSION_UID_SLOTS 65536u

struct config;
struct kssh_zygote;

/* Forks the zygote; call before any thread starts. cfg is read once here. */
int kssh_zygote_start(const struct config *cfg, struct kssh_zygote **out, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* A session process for the connection client with monitor socket end mon
 * (both stay the caller's to close). */
int kssh_zygote_spawn(struct kssh_zygote *z, int client, int mon, pid_t *pid)
    __attribute__((warn_unused_result));
/* The descriptor to poll for exit reports. */
int kssh_zygote_fd(const struct kssh_zygote *z);
/* One session process that ended: 1 with *pid and *status (as waitpid's),
 * 0 if none is pending (block: waits up to timeout_ms), -EPIPE once the
 * zygote is gone (its sessions die with it). */
int kssh_zygote_exited(struct kssh_zygote *z, int timeout_ms, pid_t *pid, int *status);
/* Ends the zygote (and every session process left) and frees z. */
void kssh_zygote_stop(struct kssh_zygote *z);

#endif
