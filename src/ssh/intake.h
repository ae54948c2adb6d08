/* ssh intake: the daemon's side of the privilege boundary. A pure function
 * from one monitor message (see monitor.h) to a typed request, or to an event
 * holding only the fields a session process may set.
 *
 * A session process may be compromised, so what it sends is checked here and
 * nowhere else: exactly one known request per message; for events, a type
 * from the short list a session may send, field names of [a-z0-9_] up to
 * KSSH_INTAKE_KEY_MAX bytes, each given once (plain or as name_b64, which is
 * decoded), values that are strings of at most KSSH_FIELD_MAX bytes, integers
 * or booleans, and none of the fields the daemon sets itself (type, ts,
 * sensor, session, src_ip, src_port, honeynet, client_version). Anything else
 * is a lie and ends the session (-EPROTO). */
#ifndef KARAKURI_SSH_INTAKE_H
#define KARAKURI_SSH_INTAKE_H

#include "event/event.h"

#include <jansson.h>
#include <stdbool.h>

#define KSSH_INTAKE_KEY_MAX 32
#define KSSH_INTAKE_FIELDS_MAX 32

enum kssh_request {
    KSSH_REQ_EVENT,     /* event */
    KSSH_REQ_AUTH,      /* body: {"method", "username_b64", "password_b64"} */
    KSSH_REQ_TTY,       /* body: {"ch", "t", "k": "i"|"o", "data_b64"} */
    KSSH_REQ_TTY_OPEN,  /* body: {"ch", "width", "height", "term_b64"} */
    KSSH_REQ_TTY_CLOSE, /* body: {"ch"} */
    KSSH_REQ_BYTES,     /* bytes_in, bytes_out */
    KSSH_REQ_CLOSED,    /* reason */
    KSSH_REQ_UP_OPEN,   /* body: {"ch", "f", "proto": "sftp"|"scp", "path_b64"} */
    KSSH_REQ_UP_DATA,   /* body: {"ch", "f", "off", "data_b64"} */
    KSSH_REQ_UP_CLOSE,  /* body: {"ch", "f"} */
};

struct kssh_intake {
    enum kssh_request req;
    enum event_type type; /* KSSH_REQ_EVENT */
    json_t *event;        /* KSSH_REQ_EVENT: a new event, owned by the caller; the
                             daemon adds session, src_ip, src_port (emit) */
    json_t *body;         /* auth, tty*, up_*: borrowed from the message, checked for the
                             types of the fields listed above */
    long long bytes_in, bytes_out;
    char reason[128]; /* KSSH_REQ_CLOSED: as sent, cut to fit, NUL-terminated */
};

/* Reads msg (borrowed; body points into it). 0 and *out set, or -EPROTO for
 * anything a correct session process never sends (*out untouched). */
int kssh_intake_parse(json_t *msg, struct kssh_intake *out) __attribute__((warn_unused_result));

#endif
