/* ssh relay: the attacker's session carried into the gateway's sshd (see
 * relay.c). Used only inside a session process. */
#ifndef KARAKURI_SSH_RELAY_H
#define KARAKURI_SSH_RELAY_H

#include <jansson.h>
#include <libssh/libssh.h>

struct kssh_relay;

/* Logs into the gateway's sshd at ip:22, over fd (a connection to it the
 * daemon made; taken), as user/password. send sends a monitor message (takes
 * it). Returns 0 or -1 (the gateway refused). */
int kssh_relay_connect(ssh_session down, int fd, const char *ip, const char *user,
                       const char *password, void (*send)(json_t *msg), struct kssh_relay **out);
/* As kssh_relay_connect, logged in with the private key key_pem (an
 * OpenSSH private key file's text): a hop's key login (honeynet/hop.c). */
int kssh_relay_connect_key(ssh_session down, int fd, const char *ip, const char *user,
                           const char *key_pem, void (*send)(json_t *msg), struct kssh_relay **out);
/* The upstream session, to be polled with the attacker's. */
ssh_session kssh_relay_upstream(struct kssh_relay *r);
/* For the server's channel-open callback: a new channel pair, or NULL. */
ssh_channel kssh_relay_open_session(struct kssh_relay *r);
/* For a direct-tcpip open (ssh -L/-D): the gateway opens the connection; on
 * success the request is accepted and 0 returned, else -1 (the caller
 * refuses it). */
int kssh_relay_open_forward(struct kssh_relay *r, ssh_message msg);
void kssh_relay_free(struct kssh_relay *r);

#endif
