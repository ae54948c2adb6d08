/* ssh fdpass: monitor messages (monitor.h) that carry file descriptors
 * (SCM_RIGHTS): the zygote's spawn requests and the gateway connection a
 * session process cannot make itself. */
#ifndef KARAKURI_SSH_FDPASS_H
#define KARAKURI_SSH_FDPASS_H

#include <jansson.h>
#include <stddef.h>

#define KSSH_FDS_MAX 4

/* Sends msg (taken, also on error) with nfds (<= KSSH_FDS_MAX) descriptors,
 * which stay the caller's. */
int kssh_fds_send(int sock, json_t *msg, const int *fds, size_t nfds)
    __attribute__((warn_unused_result));
/* Receives one message and up to max descriptors (close-on-exec, the
 * caller's: any beyond max are closed); 0 with *out NULL at EOF. */
int kssh_fds_recv(int sock, json_t **out, int *fds, size_t max, size_t *nfds)
    __attribute__((warn_unused_result));

#endif
