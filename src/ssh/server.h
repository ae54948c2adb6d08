/* ssh server: the SSH front end's listener and the daemon side of its
 * sessions. One thread accepts, has the zygote fork a session process per
 * connection (zygote.c, session.c), answers its monitor requests (credential policy, events) and
 * records how it ended. Limits: unauthenticated connections in all and per
 * source address; failed attempts are remembered per source for the
 * after:N policy. */
#ifndef KARAKURI_SSH_SERVER_H
#define KARAKURI_SSH_SERVER_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct event_pipeline;
struct honeynet_service;
struct kssh_server;
struct kssh_zygote;

/* Listens on [ssh] listen and starts serving, its session processes forked
 * by z (zygote.h), their honeynets from hn (honeynet/honeynet.h: logins are
 * answered when it has them ready, meanwhile everyone else is served). cfg,
 * p, hn and z are borrowed and must outlive the server. */
int kssh_server_start(const struct config *cfg, struct event_pipeline *p,
                      struct honeynet_service *hn, struct kssh_zygote *z, struct kssh_server **out,
                      char *err, size_t errlen) __attribute__((warn_unused_result));
/* The port listened on (useful with port 0). */
uint16_t kssh_server_port(const struct kssh_server *s);
/* Stops accepting, ends every session (recording each), frees s. */
void kssh_server_stop(struct kssh_server *s);

#endif
