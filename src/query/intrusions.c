/* intrusions: the read model of the attackers' paths (query.h). An
 * intrusion is everything one source did: its sessions (each a login on a
 * honeynet's gateway), the hops from host to host (session.hop), the decoys
 * and clones that came up (lan.decoy_started) and the flows between the
 * hosts (lan.flow), read through query_sessions and query_lan. */
#include "event/event.h"
#include "query/query.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Earlier RFC 3339 strings of ours sort first (one format, UTC). */
static void span(json_t *o, const char *ts)
{
    const char *first = json_string_value(json_object_get(o, "first"));
    const char *last = json_string_value(json_object_get(o, "last"));
    if (!ts)
        return;
    if (!first || strcmp(ts, first) < 0)
        json_object_set_new(o, "first", json_string(ts));
    if (!last || strcmp(ts, last) > 0)
        json_object_set_new(o, "last", json_string(ts));
}

struct graph {
    json_t *nodes; /* {id: node} */
    json_t *edges; /* {"source target kind": edge} */
};

static void node(struct graph *g, const char *id, const char *kind, const char *ip,
                 const char *label, const char *container)
{
    if (json_object_get(g->nodes, id))
        return;
    json_object_set_new(g->nodes, id,
                        json_pack("{s:s, s:s, s:s?, s:s, s:s?}", "id", id, "kind", kind, "ip", ip,
                                  "label", label ? label : id, "container", container));
}

static void edge(struct graph *g, const char *src, const char *dst, const char *kind,
                 const char *ts)
{
    char key[512];
    snprintf(key, sizeof(key), "%s %s %s", src, dst, kind);
    json_t *e = json_object_get(g->edges, key);
    if (!e) {
        e = json_pack("{s:s, s:s, s:s, s:n, s:n, s:i}", "source", src, "target", dst, "kind", kind,
                      "first", "last", "count", 0);
        json_object_set_new(g->edges, key, e);
    }
    json_object_set_new(e, "count",
                        json_integer(json_integer_value(json_object_get(e, "count")) + 1));
    span(e, ts);
}

/* The node of a LAN address of honeynet hn: its decoy, or else the gateway
 * (the honeynet's host the attacker logged in to). */
static void lan_node(const char *hn, const json_t *decoys, const char *ip, char *id, size_t n)
{
    if (ip && json_object_get(decoys, ip))
        snprintf(id, n, "%s/%s", hn, ip);
    else
        snprintf(id, n, "gateway:%s", hn);
}

static void add_lan(struct graph *g, const char *hn, json_t *lan)
{
    json_t *decoys = json_object_get(lan, "decoys"), *dc, *f;
    const char *ip;
    char gw[200], id[256], from[256];
    size_t i;
    snprintf(gw, sizeof(gw), "gateway:%s", hn);
    json_object_foreach(decoys, ip, dc)
    {
        const char *role = json_string_value(json_object_get(dc, "role"));
        snprintf(id, sizeof(id), "%s/%s", hn, ip);
        node(g, id, role && strcmp(role, "clone") == 0 ? "clone" : "decoy", ip,
             json_string_value(json_object_get(dc, "hostname")),
             json_string_value(json_object_get(dc, "container")));
    }
    json_object_foreach(decoys, ip, dc)
    {
        json_t *h;
        snprintf(id, sizeof(id), "%s/%s", hn, ip);
        json_array_foreach(json_object_get(dc, "hops"), i, h)
        {
            lan_node(hn, decoys, json_string_value(json_object_get(h, "src_ip")), from,
                     sizeof(from));
            edge(g, from, id, "hop", json_string_value(json_object_get(h, "ts")));
        }
    }
    json_array_foreach(json_object_get(lan, "flows"), i, f)
    {
        const char *dst = json_string_value(json_object_get(f, "dst_ip"));
        if (!dst || !json_object_get(decoys, dst))
            continue; /* to no host of the graph */
        lan_node(hn, decoys, json_string_value(json_object_get(f, "src_ip")), from, sizeof(from));
        lan_node(hn, decoys, dst, id, sizeof(id));
        edge(g, from, id, "flow", json_string_value(json_object_get(f, "ts")));
    }
}

static json_t *values(json_t *o)
{
    json_t *a = json_array(), *v;
    const char *k;
    json_object_foreach(o, k, v)
    {
        json_array_append(a, v);
    }
    return a;
}

/* The sessions of src (all: NULL) grouped: {src: {"honeynets": {hn: 1},
 * "first", "last", "sessions"}}. */
static int by_source(const struct store_options *so, const char *src, json_t **out, char *err,
                     size_t errlen)
{
    json_t *sessions = NULL, *s;
    size_t i;
    int rc = query_sessions(so, &sessions, err, errlen);
    if (rc < 0)
        return rc;
    json_t *srcs = json_object();
    json_array_foreach(sessions, i, s)
    {
        const char *ip = json_string_value(json_object_get(s, "src_ip"));
        const char *hn = json_string_value(json_object_get(s, "honeynet"));
        if (!ip || (src && strcmp(ip, src) != 0) || json_object_get(s, "host_ip"))
            continue; /* a hop's session is a step of another source's */
        json_t *a = json_object_get(srcs, ip);
        if (!a) {
            a = json_pack("{s:s, s:n, s:n, s:i, s:{}, s:[]}", "src", ip, "first", "last",
                          "sessions", 0, "honeynets", "starts");
            json_object_set_new(srcs, ip, a);
        }
        json_object_set_new(a, "sessions",
                            json_integer(json_integer_value(json_object_get(a, "sessions")) + 1));
        span(a, json_string_value(json_object_get(s, "start")));
        if (hn) {
            json_object_set_new(json_object_get(a, "honeynets"), hn, json_true());
            json_array_append_new(
                json_object_get(a, "starts"),
                json_pack("{s:s, s:O}", "honeynet", hn, "ts", json_object_get(s, "start")));
        }
    }
    json_decref(sessions);
    *out = srcs;
    return 0;
}

static int graph_of(const struct store_options *so, json_t *a, json_t **out, char *err,
                    size_t errlen)
{
    struct graph g = {.nodes = json_object(), .edges = json_object()};
    const char *src = json_string_value(json_object_get(a, "src")), *hn;
    char att[128], gw[200];
    json_t *v, *st;
    size_t i;
    int rc = 0;
    snprintf(att, sizeof(att), "attacker:%s", src);
    node(&g, att, "attacker", src, src, NULL);
    json_array_foreach(json_object_get(a, "starts"), i, st)
    {
        hn = json_string_value(json_object_get(st, "honeynet"));
        snprintf(gw, sizeof(gw), "gateway:%s", hn);
        node(&g, gw, "gateway", NULL, hn, hn);
        edge(&g, att, gw, "login", json_string_value(json_object_get(st, "ts")));
    }
    json_object_foreach(json_object_get(a, "honeynets"), hn, v)
    {
        json_t *lan = NULL;
        if ((rc = query_lan(so, hn, &lan, err, errlen)) < 0)
            break;
        add_lan(&g, hn, lan);
        json_decref(lan);
    }
    if (rc == 0)
        *out = json_pack("{s:o, s:o}", "nodes", values(g.nodes), "edges", values(g.edges));
    json_decref(g.nodes);
    json_decref(g.edges);
    return rc;
}

int query_intrusion_graph(const struct store_options *so, const char *src, json_t **out, char *err,
                          size_t errlen)
{
    json_t *srcs = NULL;
    int rc = by_source(so, src, &srcs, err, errlen);
    if (rc < 0)
        return rc;
    json_t *a = json_object_get(srcs, src);
    rc = a ? graph_of(so, a, out, err, errlen) : -ENOENT;
    json_decref(srcs);
    return rc;
}

static int downloads_of(const struct store_options *so, json_t *honeynets, long long *n, char *err,
                        size_t errlen)
{
    const char *hn;
    json_t *v;
    *n = 0;
    json_object_foreach(honeynets, hn, v)
    {
        struct store_event_filter f = {.type = "file.download", .honeynet = hn};
        json_t *page = NULL;
        int rc = query_events_page(so, &f, 1000, &page, err, errlen);
        if (rc < 0)
            return rc;
        *n += (long long)json_array_size(json_object_get(page, "events"));
        json_decref(page);
    }
    return 0;
}

int query_intrusions(const struct store_options *so, json_t **out, char *err, size_t errlen)
{
    json_t *srcs = NULL, *a, *list = json_array();
    const char *src;
    int rc = by_source(so, NULL, &srcs, err, errlen);
    if (rc < 0) {
        json_decref(list);
        return rc;
    }
    json_object_foreach(srcs, src, a)
    {
        json_t *g = NULL;
        long long dls = 0;
        if ((rc = graph_of(so, a, &g, err, errlen)) < 0 ||
            (rc = downloads_of(so, json_object_get(a, "honeynets"), &dls, err, errlen)) < 0) {
            json_decref(g);
            break;
        }
        json_array_append_new(
            list, json_pack("{s:s, s:O, s:O, s:O, s:I, s:I}", "src", src, "first",
                            json_object_get(a, "first"), "last", json_object_get(a, "last"),
                            "sessions", json_object_get(a, "sessions"), "hosts",
                            (json_int_t)json_array_size(json_object_get(g, "nodes")) - 1,
                            "downloads", (json_int_t)dls));
        json_decref(g);
    }
    json_decref(srcs);
    if (rc < 0) {
        json_decref(list);
        return rc;
    }
    *out = list;
    return 0;
}
