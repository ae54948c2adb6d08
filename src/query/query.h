/* query: the read models of sessions, hosts and events, over the store.
 *
 * What the CLI prints and the web API will serve, made once: each function
 * asks the store only for the events it needs (by session, honeynet, source
 * or type: store_event_filter) and returns plain JSON the caller owns. The
 * callers keep argument parsing and printing.
 *
 * Errors: 0, or a negative errno with err saying why. A store that has no
 * database yet reads as empty (0), as the CLI has always shown it. */
#ifndef KARAKURI_QUERY_QUERY_H
#define KARAKURI_QUERY_QUERY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct docker;
/* Which store to read: store/store.h (dir, or url for PostgreSQL); borrowed. */
struct store_options;

/* Every session, oldest first, as one summary object each: session, start,
 * src_ip, src_port, username, password, honeynet, failed_logins, commands,
 * client, duration_ms, reason (those known). *out is the caller's. */
int query_sessions(const struct store_options *so, json_t **out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* The events of one session (type NULL: all; or a type or group), in id
 * order; an empty array when there are none. *out is the caller's. */
int query_session_events(const struct store_options *so, const char *session, const char *type,
                         json_t **out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* The artifact of session's n-th (0-based, in id order) tty.log event, an
 * asciicast v2 file: sha256_hex gets its 64 lowercase hex digits. -ENOENT
 * when the session has no such log (or its artifact field is not a digest). */
int query_session_tty(const struct store_options *so, const char *session, unsigned n,
                      char sha256_hex[65], char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* One session in full: its events, then what happened on its honeynet while
 * it was open (lan.decoy_started, proc.exec). An empty array when there is
 * no such session. *out is the caller's. */
int query_session(const struct store_options *so, const char *session, json_t **out, char *err,
                  size_t errlen) __attribute__((warn_unused_result));

/* The Cowrie counterpart of one recorded event (a JSON object), or NULL when
 * it has none. ev is borrowed; the result is the caller's. */
json_t *query_cowrie_event(json_t *ev);

/* Calls cb with the Cowrie counterpart of every recorded session event at or
 * after since_us (0: all), in id order; obj is borrowed for the call. A
 * non-zero return from cb stops (a negative one is returned). */
typedef int (*query_json_cb)(json_t *obj, void *ud);
int query_export_cowrie(const struct store_options *so, long long since_us, query_json_cb cb,
                        void *ud, char *err, size_t errlen) __attribute__((warn_unused_result));

/* What the lan.* events say of one honeynet: {"decoys": {ip: {...}},
 * "flows": [...]}. *out is the caller's. */
int query_lan(const struct store_options *so, const char *honeynet, json_t **out, char *err,
              size_t errlen) __attribute__((warn_unused_result));

/* One object per attacker source (src_ip of sessions), in the order of
 * their first session: src, first and last (session starts), sessions, hosts
 * (the hosts of its graph but the attacker: gateways, decoys, clones) and
 * downloads (file.download events on its honeynets, at most 1000 counted a
 * honeynet). *out is the caller's. */
int query_intrusions(const struct store_options *so, json_t **out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* The path of source src through the honeynets: {"nodes": [{id, kind
 * (attacker, gateway, decoy, clone), ip, label, container}], "edges":
 * [{source, target, kind (login: attacker to gateway; hop: an SSH session
 * from a host to a decoy; flow: a connection between hosts), first, last,
 * count}]}; a LAN address that is no decoy's is the gateway's. -ENOENT when
 * src has no session. *out is the caller's. */
int query_intrusion_graph(const struct store_options *so, const char *src, json_t **out, char *err,
                          size_t errlen) __attribute__((warn_unused_result));

/* The honeynets in the Docker engine (d borrowed), one object each:
 * honeynet, subnet, gateway {ip, hostname, state}, hosts (the population plan
 * of plan_hosts hosts merged with the decoys the store knows), flows. When the
 * store cannot be read (but its dir exists) the honeynets come without decoys and
 * warn says why; otherwise warn is "". Returns a negative errno when Docker
 * cannot list the networks (err says why). *out is the caller's. */
int query_hosts(struct docker *d, const struct store_options *so, unsigned plan_hosts, json_t **out,
                char *warn, size_t warnlen, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* A page of events matching f (borrowed; its after_id is the cursor), in id
 * order, at most limit (1 or more): {"events": [...], "next": ID} where each
 * event is the object its JSON line holds (as `karakuri events --json`
 * prints it) and next is the after_id of the following page, or null when
 * this page is the last. *out is the caller's. */
struct store_event_filter;
int query_events_page(const struct store_options *so, const struct store_event_filter *f,
                      unsigned limit, json_t **out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* The port sensor's tables as pages of the same shape: port.opened and
 * port.closed events (payloads false) or port.payload events (payloads
 * true), after the cursor after_id; {"events": [], "next": null} when the
 * store has none. */
int query_ports_page(const struct store_options *so, long long after_id, unsigned limit,
                     bool payloads, json_t **out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* The store's state: {"sensor": sensor, "store": "sqlite"|"postgresql",
 * "schema_version": N, "last_event": TS or null, "last_id": ID or null,
 * "version": karakuri's}. sensor borrowed. *out is the caller's. */
int query_health(const struct store_options *so, const char *sensor, json_t **out, char *err,
                 size_t errlen) __attribute__((warn_unused_result));

#endif
