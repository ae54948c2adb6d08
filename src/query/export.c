/* export: recorded events in Cowrie's schema, so that pipelines built for
 * Cowrie (ELK, T-Pot, DShield) take karakuri's sessions as they are. Events
 * with no Cowrie counterpart are left out. The store is not asked for
 * in_session here: its session column holds strings and integers only, and an
 * event whose "session" is anything else has always been exported. */
#include "event/event.h"
#include "query/query.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* karakuri type → Cowrie eventid, and the fields carried over (ours:theirs). */
struct mapping {
    enum event_type type;
    const char *eventid;
    const char *fields[6];
};

static const struct mapping map[] = {
    {EVENT_SESSION_CONNECT, "cowrie.session.connect", {"dst_port:dst_port", "dst_ip:dst_ip"}},
    {EVENT_SESSION_VERSION, "cowrie.client.version", {"version:version"}},
    {EVENT_SESSION_KEX,
     "cowrie.client.kex",
     {"hassh:hassh", "kex:kexAlgs", "ciphers:encCS", "macs:macCS", "compression:compCS"}},
    {EVENT_LOGIN_SUCCESS, "cowrie.login.success", {"username:username", "password:password"}},
    {EVENT_LOGIN_FAILED, "cowrie.login.failed", {"username:username", "password:password"}},
    {EVENT_LOGIN_PUBLICKEY,
     "cowrie.client.fingerprint",
     {"username:username", "fingerprint:fingerprint", "key_type:type"}},
    {EVENT_COMMAND_INPUT, "cowrie.command.input", {"input:input"}},
    {EVENT_COMMAND_EXEC, "cowrie.command.input", {"command:input"}},
    {EVENT_SESSION_PTY, "cowrie.client.size", {"width:width", "height:height"}},
    {EVENT_SESSION_ENV, "cowrie.client.var", {"name:name", "value:value"}},
    {EVENT_TTY_LOG, "cowrie.log.closed", {"artifact:ttylog", "size:size"}},
    {EVENT_FILE_UPLOAD,
     "cowrie.session.file_upload",
     {"path:filename", "artifact:shasum", "size:size"}},
    {EVENT_TCPIP_FORWARD, "cowrie.direct-tcpip.request", {"dst_ip:dst_ip", "dst_port:dst_port"}},
    {EVENT_SESSION_CLOSED, "cowrie.session.closed", {"reason:reason"}},
};

static const struct mapping *find(const char *name)
{
    enum event_type t;
    if (event_type_from_name(name, &t) < 0)
        return NULL;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (map[i].type == t)
            return &map[i];
    return NULL;
}

json_t *query_cowrie_event(json_t *ev)
{
    const struct mapping *m = find(json_string_value(json_object_get(ev, "type")));
    if (!m || !json_object_get(ev, "session"))
        return NULL;
    json_t *out = json_pack("{s:s, s:O, s:O, s:O, s:O, s:s}", "eventid", m->eventid, "timestamp",
                            json_object_get(ev, "ts"), "session", json_object_get(ev, "session"),
                            "src_ip", json_object_get(ev, "src_ip") ?: json_null(), "sensor",
                            json_object_get(ev, "sensor"), "protocol", "ssh");
    if (!out)
        return NULL;
    if (json_object_get(ev, "src_port"))
        json_object_set(out, "src_port", json_object_get(ev, "src_port"));
    for (size_t i = 0; i < 6 && m->fields[i]; i++) {
        const char *colon = strchr(m->fields[i], ':');
        char ours[32];
        snprintf(ours, sizeof(ours), "%.*s", (int)(colon - m->fields[i]), m->fields[i]);
        json_t *v = json_object_get(ev, ours);
        if (v)
            json_object_set(out, colon + 1, v);
    }
    /* Cowrie gives a session's duration in seconds. */
    if (m->type == EVENT_SESSION_CLOSED)
        json_object_set_new(
            out, "duration",
            json_real((double)json_integer_value(json_object_get(ev, "duration_ms")) / 1000.0));
    return out;
}

struct export_ctx {
    query_json_cb cb;
    void *ud;
};

static int export_event(long long id, const char *line, void *ud)
{
    struct export_ctx *x = ud;
    json_t *ev = json_loads(line, 0, NULL);
    (void)id;
    json_t *out = query_cowrie_event(ev);
    int rc = out ? x->cb(out, x->ud) : 0;
    json_decref(out);
    json_decref(ev);
    return rc;
}

int query_export_cowrie(const char *dir, long long since_us, query_json_cb cb, void *ud, char *err,
                        size_t errlen)
{
    struct store_event_filter f = {.since_us = since_us};
    struct export_ctx x = {.cb = cb, .ud = ud};
    int rc = store_events_query(dir, &f, export_event, &x, err, errlen);
    return rc == -ENOENT ? 0 : rc;
}
