/* ssh intake: what a session process may tell the daemon (see intake.h).
 *
 * Before this module the event fields were copied key by key with the
 * reserved names checked on the plain branch only, so "type_b64" or
 * "ts_b64" rewrote the type or the time of an event: one rule for every key
 * now, applied to the name after the "_b64" suffix is taken off. */
#include "ssh/intake.h"

#include "ssh/monitor.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool session_may_send(const char *type)
{
    static const char *const allowed[] = {
        "session.version", "session.kex",  "login.publickey", "session.pty",   "session.env",
        "session.window",  "command.exec", "command.exit",    "command.input", "tcpip.forward"};
    for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
        if (type && strcmp(type, allowed[i]) == 0)
            return true;
    return false;
}

/* The fields the daemon vouches for: never taken from a session. */
static bool reserved(const char *name)
{
    static const char *const daemon_sets[] = {"type",   "ts",       "sensor",   "session",
                                              "src_ip", "src_port", "honeynet", "client_version"};
    for (size_t i = 0; i < sizeof(daemon_sets) / sizeof(daemon_sets[0]); i++)
        if (strcmp(name, daemon_sets[i]) == 0)
            return true;
    return false;
}

static bool ends_with_b64(const char *s, size_t n)
{
    return n > 4 && memcmp(s + n - 4, "_b64", 4) == 0;
}

/* A field name: [a-z0-9_], 1..KSSH_INTAKE_KEY_MAX bytes, not itself *_b64
 * (event_set_str uses that suffix for the exact bytes of a string). */
static bool good_name(const char *name, size_t n)
{
    if (n == 0 || n > KSSH_INTAKE_KEY_MAX || (n >= 4 && memcmp(name + n - 4, "_b64", 4) == 0))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
              name[i] == '_'))
            return false;
    return true;
}

/* One field of an event into ev: 0, or -EPROTO. */
static int take_field(json_t *ev, const json_t *in, const char *key, json_t *v)
{
    size_t kl = strlen(key);
    bool b64 = ends_with_b64(key, kl);
    size_t nl = b64 ? kl - 4 : kl;
    char name[KSSH_INTAKE_KEY_MAX + 1];

    if (nl > KSSH_INTAKE_KEY_MAX || !good_name(key, nl))
        return -EPROTO;
    memcpy(name, key, nl);
    name[nl] = '\0';
    if (reserved(name) || json_object_get(ev, name))
        return -EPROTO;
    if (b64) {
        size_t n = 0;
        if (!json_is_string(v) || json_string_length(v) > (size_t)4 * ((KSSH_FIELD_MAX + 2) / 3))
            return -EPROTO;
        char *bytes = kssh_get_b64(in, key, &n);
        if (!bytes || n > KSSH_FIELD_MAX) {
            free(bytes);
            return -EPROTO;
        }
        event_set_str(ev, name, bytes, n);
        free(bytes);
    } else if (json_is_string(v)) {
        if (json_string_length(v) > KSSH_FIELD_MAX)
            return -EPROTO;
        event_set_str(ev, name, json_string_value(v), json_string_length(v));
    } else if (json_is_integer(v) || json_is_boolean(v)) {
        json_object_set(ev, name, v);
    } else {
        return -EPROTO;
    }
    return 0;
}

static int take_event(const json_t *in, struct kssh_intake *out)
{
    const char *type = json_string_value(json_object_get(in, "type"));
    enum event_type t;
    const char *key;
    json_t *v;
    int rc = 0;

    if (!session_may_send(type) || event_type_from_name(type, &t) < 0 ||
        json_object_size(in) > KSSH_INTAKE_FIELDS_MAX)
        return -EPROTO;
    json_t *ev = event_new(t);
    json_object_foreach((json_t *)in, key, v)
    {
        if (strcmp(key, "type") != 0 && (rc = take_field(ev, in, key, v)) < 0)
            break;
    }
    if (rc < 0) {
        json_decref(ev);
        return rc;
    }
    out->req = KSSH_REQ_EVENT;
    out->type = t;
    out->event = ev;
    out->body = NULL;
    return 0;
}

static bool has_int(const json_t *o, const char *k)
{
    return json_is_integer(json_object_get(o, k));
}

static bool opt_b64(const json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return !v || json_is_string(v);
}

/* The body of a request the daemon reads itself: the types of its fields. */
static int take_body(const char *key, json_t *body, struct kssh_intake *out)
{
    enum kssh_request r;
    if (!json_is_object(body))
        return -EPROTO;
    if (strcmp(key, "auth") == 0) {
        r = KSSH_REQ_AUTH;
        const char *m = json_string_value(json_object_get(body, "method"));
        bool pk = m && strcmp(m, "publickey") == 0;
        json_t *sg = json_object_get(body, "signed");
        if (!json_is_string(json_object_get(body, "username_b64")) ||
            !json_is_string(json_object_get(body, pk ? "key_b64" : "password_b64")) ||
            (sg && !json_is_boolean(sg)))
            return -EPROTO;
    } else if (strcmp(key, "tty") == 0) {
        r = KSSH_REQ_TTY;
        const char *k = json_string_value(json_object_get(body, "k"));
        if (!has_int(body, "ch") || !json_is_number(json_object_get(body, "t")) || !k ||
            (strcmp(k, "i") != 0 && strcmp(k, "o") != 0) ||
            !json_is_string(json_object_get(body, "data_b64")))
            return -EPROTO;
    } else if (strcmp(key, "tty_open") == 0) {
        r = KSSH_REQ_TTY_OPEN;
        if (!has_int(body, "ch") || !has_int(body, "width") || !has_int(body, "height") ||
            !opt_b64(body, "term_b64"))
            return -EPROTO;
    } else if (strcmp(key, "tty_close") == 0) {
        r = KSSH_REQ_TTY_CLOSE;
        if (!has_int(body, "ch"))
            return -EPROTO;
    } else if (strncmp(key, "up_", 3) == 0) {
        const char *proto = json_string_value(json_object_get(body, "proto"));
        json_t *off = json_object_get(body, "off");
        if (!has_int(body, "ch") || !has_int(body, "f"))
            return -EPROTO;
        if (strcmp(key, "up_open") == 0) {
            r = KSSH_REQ_UP_OPEN;
            if (!proto || (strcmp(proto, "sftp") != 0 && strcmp(proto, "scp") != 0) ||
                !json_is_string(json_object_get(body, "path_b64")))
                return -EPROTO;
        } else if (strcmp(key, "up_data") == 0) {
            r = KSSH_REQ_UP_DATA;
            if (!json_is_integer(off) || json_integer_value(off) < 0 ||
                !json_is_string(json_object_get(body, "data_b64")))
                return -EPROTO;
        } else {
            r = KSSH_REQ_UP_CLOSE;
        }
    } else {
        r = KSSH_REQ_BYTES;
        if (!has_int(body, "in") || !has_int(body, "out"))
            return -EPROTO;
        out->bytes_in = (long long)json_integer_value(json_object_get(body, "in"));
        out->bytes_out = (long long)json_integer_value(json_object_get(body, "out"));
    }
    out->req = r;
    out->event = NULL;
    out->body = r == KSSH_REQ_BYTES ? NULL : body;
    return 0;
}

int kssh_intake_parse(json_t *msg, struct kssh_intake *out)
{
    static const char *const requests[] = {"event", "auth",   "tty",     "tty_open", "tty_close",
                                           "bytes", "closed", "up_open", "up_data",  "up_close"};
    const char *key;
    json_t *v;

    /* Exactly one request per message. */
    if (!json_is_object(msg) || json_object_size(msg) != 1)
        return -EPROTO;
    json_object_foreach(msg, key, v)
    {
        size_t i = 0;
        while (i < sizeof(requests) / sizeof(requests[0]) && strcmp(key, requests[i]) != 0)
            i++;
        if (i == sizeof(requests) / sizeof(requests[0]))
            return -EPROTO;
        struct kssh_intake in = {0};
        int rc;
        if (strcmp(key, "event") == 0) {
            rc = json_is_object(v) ? take_event(v, &in) : -EPROTO;
        } else if (strcmp(key, "closed") == 0) {
            rc = json_is_string(v) ? 0 : -EPROTO;
            if (rc == 0) {
                in.req = KSSH_REQ_CLOSED;
                const unsigned char *r = (const unsigned char *)json_string_value(v);
                size_t n = json_string_length(v);
                if (n > sizeof(in.reason) - 1) { /* cut at a character's start */
                    n = sizeof(in.reason) - 1;
                    while (n && (r[n] & 0xc0) == 0x80)
                        n--;
                }
                memcpy(in.reason, json_string_value(v), n);
                in.reason[n] = '\0';
            }
        } else {
            rc = take_body(key, v, &in);
        }
        if (rc < 0)
            return rc;
        *out = in;
    }
    return 0;
}
