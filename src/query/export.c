/* export: recorded events in Cowrie's schema, so that pipelines built for
 * Cowrie (ELK, T-Pot, DShield) take karakuri's sessions as they are. Events
 * with no Cowrie counterpart are left out. The store is not asked for
 * in_session here: its session column holds strings and integers only, and an
 * event whose "session" is anything else has always been exported. */
#include "common/xalloc.h"
#include "event/event.h"
#include "query/query.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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
    /* fetched: false ones become cowrie.session.file_download.failed */
    {EVENT_FILE_DOWNLOAD,
     "cowrie.session.file_download",
     {"url:url", "sha256:shasum", "artifact:outfile", "size:size"}},
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
    /* Cowrie says so of a download that brought no file. */
    if (m->type == EVENT_FILE_DOWNLOAD && json_is_false(json_object_get(ev, "fetched")))
        json_object_set_new(out, "eventid", json_string("cowrie.session.file_download.failed"));
    /* Cowrie gives a session's duration in seconds. */
    if (m->type == EVENT_SESSION_CLOSED)
        json_object_set_new(
            out, "duration",
            json_real((double)json_integer_value(json_object_get(ev, "duration_ms")) / 1000.0));
    return out;
}

/* The sessions of a honeynet, each open from its login to its close: the
 * fetcher records a download by the container that made it, and Cowrie
 * wants it by session (and by the attacker's address). */
struct span {
    const char *honeynet, *session, *src_ip, *from, *to; /* into ev; to NULL: open */
    json_t *ev;
};

struct export_ctx {
    query_json_cb cb;
    void *ud;
    struct span *spans;
    size_t nspans, cap;
};

static int collect_span(long long id, const char *line, void *ud)
{
    struct export_ctx *x = ud;
    json_t *ev = json_loads(line, 0, NULL);
    enum event_type t;
    (void)id;
    const char *session = json_string_value(json_object_get(ev, "session"));
    const char *ts = json_string_value(json_object_get(ev, "ts"));
    if (!session || !ts ||
        event_type_from_name(json_string_value(json_object_get(ev, "type")), &t) < 0) {
        json_decref(ev);
        return 0;
    }
    if (t == EVENT_SESSION_CLOSED) {
        for (size_t i = x->nspans; i-- > 0;)
            if (strcmp(x->spans[i].session, session) == 0 && !x->spans[i].to) {
                /* kept in the login's event: this one is freed below */
                json_object_set_new(x->spans[i].ev, "closed_ts", json_string(ts));
                x->spans[i].to = json_string_value(json_object_get(x->spans[i].ev, "closed_ts"));
                break;
            }
        json_decref(ev);
        return 0;
    }
    const char *hn = json_string_value(json_object_get(ev, "honeynet"));
    if (t != EVENT_LOGIN_SUCCESS || !hn) {
        json_decref(ev);
        return 0;
    }
    if (x->nspans == x->cap) {
        x->cap = x->cap ? 2 * x->cap : 64;
        x->spans = xrealloc(x->spans, x->cap * sizeof(*x->spans));
    }
    x->spans[x->nspans++] =
        (struct span){.honeynet = hn,
                      .session = session,
                      .from = ts,
                      .src_ip = json_string_value(json_object_get(ev, "src_ip")),
                      .ev = ev};
    return 0;
}

/* The session a download without one belongs to: the latest login on its
 * honeynet open at that time; NULL when none was. */
static const struct span *span_of(const struct export_ctx *x, json_t *ev)
{
    const char *hn = json_string_value(json_object_get(ev, "honeynet"));
    const char *ts = json_string_value(json_object_get(ev, "ts"));
    for (size_t i = x->nspans; hn && ts && i-- > 0;) {
        const struct span *sp = &x->spans[i];
        if (strcmp(sp->honeynet, hn) == 0 && strcmp(sp->from, ts) <= 0 &&
            (!sp->to || strcmp(ts, sp->to) <= 0))
            return sp;
    }
    return NULL;
}

static int export_event(long long id, const char *line, void *ud)
{
    struct export_ctx *x = ud;
    json_t *ev = json_loads(line, 0, NULL);
    (void)id;
    enum event_type t;
    if (ev && !json_object_get(ev, "session") &&
        event_type_from_name(json_string_value(json_object_get(ev, "type")), &t) == 0 &&
        t == EVENT_FILE_DOWNLOAD) {
        const struct span *sp = span_of(x, ev);
        if (sp) {
            json_object_set_new(ev, "session", json_string(sp->session));
            json_object_set_new(ev, "src_ip", sp->src_ip ? json_string(sp->src_ip) : json_null());
            json_object_del(ev, "src_port");
        }
    }
    json_t *out = query_cowrie_event(ev);
    int rc = out ? x->cb(out, x->ud) : 0;
    json_decref(out);
    json_decref(ev);
    return rc;
}

int query_export_cowrie(const struct store_options *so, long long since_us, query_json_cb cb,
                        void *ud, char *err, size_t errlen)
{
    struct store_event_filter f = {.since_us = since_us};
    struct store_event_filter logins = {.type = "login.success"};
    struct store_event_filter closes = {.type = "session.closed"};
    struct export_ctx x = {.cb = cb, .ud = ud};
    int rc = store_events_query(so, &logins, collect_span, &x, err, errlen);
    if (rc == 0)
        rc = store_events_query(so, &closes, collect_span, &x, err, errlen);
    if (rc == 0)
        rc = store_events_query(so, &f, export_event, &x, err, errlen);
    for (size_t i = 0; i < x.nspans; i++)
        json_decref(x.spans[i].ev);
    free(x.spans);
    return rc == -ENOENT ? 0 : rc;
}
