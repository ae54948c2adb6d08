/* ssh monitor: the channel between a session process, which parses the
 * attacker's bytes with as little privilege as it can have, and the daemon,
 * which holds the store, the Docker socket and the credential policy (the
 * privilege separation of OpenSSH's sshd).
 *
 * One JSON object per SOCK_SEQPACKET message, at most KSSH_MSG_MAX bytes.
 * Session → daemon:
 *   {"event": {"type": "session.kex", …}}   an event; the daemon adds ts,
 *       sensor, session, src_ip and src_port itself and takes only the types
 *       a session may send
 *   {"auth": {"method": "password", "username_b64": …, "password_b64": …}}
 *       answered by {"accept": true|false}
 *   {"closed": "reason"}                     last words before exiting
 * Strings that hold the attacker's bytes travel as base64 in keys ending in
 * "_b64"; the daemon turns each into the field without the suffix. */
#ifndef KARAKURI_SSH_MONITOR_H
#define KARAKURI_SSH_MONITOR_H

#include <jansson.h>
#include <stddef.h>

#define KSSH_MSG_MAX 65536
/* The most bytes of one string field a message carries: a longer one is sent
 * cut, with "truncated": true (kssh_set_b64_capped); the daemon refuses more.
 * Several such fields still fit in KSSH_MSG_MAX once in base64. */
#define KSSH_FIELD_MAX 16384
/* tty data is sent in messages of at most this many bytes each. */
#define KSSH_TTY_CHUNK 16384

/* Sends msg (taken, also on error). */
int kssh_msg_send(int fd, json_t *msg) __attribute__((warn_unused_result));
/* Receives one message; 0 with *out NULL at EOF; -EPROTO if not JSON. */
int kssh_msg_recv(int fd, json_t **out) __attribute__((warn_unused_result));

/* Sets key_b64 of obj to the base64 of bytes[0..n). */
void kssh_set_b64(json_t *obj, const char *key, const void *bytes, size_t n);
/* As kssh_set_b64, of at most KSSH_FIELD_MAX bytes; when bytes were left
 * out, obj also gets "truncated": true. */
void kssh_set_b64_capped(json_t *obj, const char *key, const void *bytes, size_t n);
/* Sends bytes[0..n) of channel ch's terminal (kind "i" or "o", at t seconds)
 * as {"tty": …} messages of at most KSSH_TTY_CHUNK bytes each, through send
 * (which takes each message). */
void kssh_send_tty(void (*send)(json_t *msg), int ch, double t, const char *kind, const void *bytes,
                   size_t n);
/* Decodes obj[key] (base64) into a new buffer of *n bytes plus a NUL; NULL if
 * absent or not base64. The caller frees. */
char *kssh_get_b64(const json_t *obj, const char *key, size_t *n);

#endif
