/* hosts: the read model of the honeynets: each with its gateway (from the
 * Docker engine), its population plan (the hosts its LAN is made to have),
 * which of them are or were live decoys (from its lan.* events: when, why,
 * from where) and the flows between its hosts. The store is asked for one
 * honeynet's lan.* events at a time. */
#include "common/util.h"
#include "docker/docker.h"
#include "event/event.h"
#include "lan/honeynet.h"
#include "lan/plan.h"
#include "query/query.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct lan_read {
    const char *honeynet;
    json_t *h; /* {"decoys": {ip: {...}}, "flows": [...]} */
};

static void decoy_started(json_t *h, json_t *ev, const char *ip)
{
    json_t *dc = json_pack(
        "{s:s, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "state", "live", "started",
        json_object_get(ev, "ts"), "trigger", json_object_get(ev, "trigger"), "from",
        json_object_get(ev, "src_ip"), "container", json_object_get(ev, "container"), "hostname",
        json_object_get(ev, "hostname"), "role", json_object_get(ev, "role"), "mac",
        json_object_get(ev, "mac"), "latency_ms", json_object_get(ev, "latency_ms"));
    json_object_set_new(json_object_get(h, "decoys"), ip, dc);
}

static void flow(json_t *h, json_t *ev)
{
    json_t *f = json_object();
    static const char *const keys[] = {"ts",       "src_ip",   "src_host", "dst_ip",
                                       "dst_host", "dst_port", "proto"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (json_object_get(ev, keys[i]))
            json_object_set(f, keys[i], json_object_get(ev, keys[i]));
    json_array_append_new(json_object_get(h, "flows"), f);
}

static int take_lan_event(long long id, const char *line, void *ud)
{
    struct lan_read *lr = ud;
    json_t *ev = json_loads(line, 0, NULL);
    const char *hn = json_string_value(json_object_get(ev, "honeynet"));
    enum event_type t;
    (void)id;
    if (event_type_from_name(json_string_value(json_object_get(ev, "type")), &t) < 0 || !hn ||
        strcmp(hn, lr->honeynet) != 0) {
        json_decref(ev);
        return 0;
    }
    const char *ip = json_string_value(json_object_get(ev, "ip"));
    if (t == EVENT_LAN_DECOY_STARTED && ip) {
        decoy_started(lr->h, ev, ip);
    } else if (t == EVENT_LAN_DECOY_STOPPED && ip) {
        json_t *dc = json_object_get(json_object_get(lr->h, "decoys"), ip);
        if (dc) {
            json_object_set_new(dc, "state", json_string("stopped"));
            json_object_set(dc, "stopped", json_object_get(ev, "ts"));
            json_object_set(dc, "reason", json_object_get(ev, "reason"));
        }
    } else if (t == EVENT_LAN_FLOW) {
        flow(lr->h, ev);
    } else if (t == EVENT_SESSION_HOP) {
        /* An SSH session that reached the host: which, from where. */
        json_t *dc = json_object_get(json_object_get(lr->h, "decoys"),
                                     json_string_value(json_object_get(ev, "dst_ip")) ?: "");
        if (dc && !json_object_get(dc, "hops"))
            json_object_set_new(dc, "hops", json_array());
        if (dc)
            json_array_append_new(
                json_object_get(dc, "hops"),
                json_pack("{s:O, s:O, s:O, s:O?}", "ts", json_object_get(ev, "ts"), "session",
                          json_object_get(ev, "session"), "src_ip", json_object_get(ev, "src_ip"),
                          "from_session", json_object_get(ev, "from_session")));
    }
    json_decref(ev);
    return 0;
}

/* With a reader kept open over every honeynet of a listing. */
static int lan_of(struct store_reader *r, const char *honeynet, json_t **out, char *err,
                  size_t errlen)
{
    struct lan_read lr = {.honeynet = honeynet, .h = json_pack("{s:{}, s:[]}", "decoys", "flows")};
    struct store_event_filter f = {.type = "lan", .honeynet = honeynet};
    int rc = store_reader_query(r, &f, take_lan_event, &lr, err, errlen);
    struct store_event_filter hops = {.type = "session.hop", .honeynet = honeynet};
    if (rc == 0)
        rc = store_reader_query(r, &hops, take_lan_event, &lr, err, errlen);
    if (rc < 0) {
        json_decref(lr.h);
        return rc;
    }
    *out = lr.h;
    return 0;
}

int query_lan(const struct store_options *so, const char *honeynet, json_t **out, char *err,
              size_t errlen)
{
    struct store_reader *r = NULL;
    int rc = store_reader_open(so, &r, err, errlen);
    if (rc == -ENOENT) {
        *out = json_pack("{s:{}, s:[]}", "decoys", "flows");
        return 0;
    }
    if (rc < 0)
        return rc;
    rc = lan_of(r, honeynet, out, err, errlen);
    store_reader_close(r);
    return rc;
}

/* The plan's hosts with what became of them, then the decoys outside it. */
static void merge_decoys(json_t *hosts, json_t *decoys)
{
    json_t *h, *dc;
    const char *ip;
    size_t i;
    json_t *left = json_deep_copy(decoys);
    json_array_foreach(hosts, i, h)
    {
        dc = json_object_get(left, json_string_value(json_object_get(h, "ip")));
        if (!dc)
            continue;
        json_object_update_missing(dc, h);
        json_object_update(h, dc);
        json_object_del(left, json_string_value(json_object_get(h, "ip")));
    }
    json_object_foreach(left, ip, dc)
    {
        json_object_set_new(dc, "ip", json_string(ip));
        json_array_append(hosts, dc);
    }
    json_decref(left);
}

/* The address at the start of s ("10.13.0.0/24", "10.13.0.5"), 0 if none. */
static uint32_t ipv4(const char *s)
{
    uint32_t a = 0;
    return util_ipv4_parse(s, &a) == 0 ? a : 0;
}

/* The honeynet's gateway container: address, hostname, state. */
static json_t *gateway_of(struct docker *d, const char *name, const char *network)
{
    char *label = NULL;
    json_t *list = NULL, *gw = json_object();
    if (asprintf(&label, "%s=%s", LAN_LABEL_HONEYNET, name) < 0)
        return gw;
    json_t *f = json_pack("{s:[s, s]}", "label", label, LAN_LABEL_ROLE "=gateway");
    free(label);
    if (docker_container_list(d, true, f, &list) == 0 && json_array_size(list) > 0) {
        json_t *c = json_array_get(list, 0), *v = NULL;
        const char *id = json_string_value(json_object_get(c, "Id"));
        json_object_set(gw, "state", json_object_get(c, "State"));
        json_t *net = json_object_get(
            json_object_get(json_object_get(c, "NetworkSettings"), "Networks"), network);
        json_object_set(gw, "ip", json_object_get(net, "IPAddress"));
        if (id && docker_container_inspect(d, id, &v) == 0)
            json_object_set(gw, "hostname",
                            json_object_get(json_object_get(v, "Config"), "Hostname"));
        json_decref(v);
    }
    json_decref(list);
    json_decref(f);
    return gw;
}

static json_t *plan_json(const char *name, uint32_t net, unsigned count, uint32_t gw_ip)
{
    struct lan_plan p;
    json_t *hosts = json_array();
    lan_plan_make(name, net, count, gw_ip, &p);
    for (size_t i = 0; i < p.count; i++) {
        char ip[UTIL_IPV4_LEN], mac[18];
        util_ipv4_format(p.hosts[i].ip, ip);
        lan_mac_format(p.hosts[i].mac, mac);
        json_t *ports = json_array();
        for (const uint16_t *port = p.hosts[i].role->ports; *port; port++)
            json_array_append_new(ports, json_integer(*port));
        json_array_append_new(hosts,
                              json_pack("{s:s, s:s, s:s, s:s, s:o, s:s}", "ip", ip, "mac", mac,
                                        "hostname", p.hosts[i].hostname, "role",
                                        p.hosts[i].role->name, "ports", ports, "state", "planned"));
    }
    return hosts;
}

/* One honeynet of the engine's network list (it borrowed), or NULL when it
 * is not one of ours. r may be NULL: no decoys known. */
static json_t *honeynet_of(struct docker *d, struct store_reader *r, json_t *it,
                           unsigned plan_hosts, char *warn, size_t warnlen)
{
    const char *name =
        json_string_value(json_object_get(json_object_get(it, "Labels"), LAN_LABEL_HONEYNET));
    const char *netname = json_string_value(json_object_get(it, "Name"));
    const char *subnet = json_string_value(json_object_get(
        json_array_get(json_object_get(json_object_get(it, "IPAM"), "Config"), 0), "Subnet"));
    if (!name || !netname)
        return NULL;
    json_t *gw = gateway_of(d, name, netname);
    json_t *hn = json_pack("{s:s, s:s?, s:o, s:o}", "honeynet", name, "subnet", subnet, "gateway",
                           gw, "hosts",
                           plan_json(name, ipv4(subnet), plan_hosts,
                                     ipv4(json_string_value(json_object_get(gw, "ip")))));
    json_t *known = NULL;
    char err[512];
    if (r && lan_of(r, name, &known, err, sizeof(err)) < 0 && !*warn)
        snprintf(warn, warnlen, "%s", err);
    merge_decoys(json_object_get(hn, "hosts"), json_object_get(known, "decoys"));
    json_t *flows = json_object_get(known, "flows");
    json_object_set_new(hn, "flows", flows ? json_incref(flows) : json_array());
    json_decref(known);
    return hn;
}

int query_hosts(struct docker *d, const struct store_options *so, unsigned plan_hosts, json_t **out,
                char *warn, size_t warnlen, char *err, size_t errlen)
{
    struct store_reader *r = NULL;
    json_t *nets = NULL, *it;
    size_t i;

    *warn = '\0';
    if (store_reader_open(so, &r, warn, warnlen) < 0) {
        r = NULL;
        if (access(so->dir, F_OK) != 0)
            *warn = '\0'; /* no state yet: nothing to say */
    }
    json_t *f = json_pack("{s:[s]}", "label", LAN_LABEL_HONEYNET);
    int rc = docker_network_list(d, f, &nets);
    json_decref(f);
    if (rc < 0) {
        snprintf(err, errlen, "%s", docker_last_error(d));
        store_reader_close(r);
        return rc;
    }
    json_t *list = json_array();
    json_array_foreach(nets, i, it)
    {
        json_t *hn = honeynet_of(d, r, it, plan_hosts, warn, warnlen);
        if (hn)
            json_array_append_new(list, hn);
    }
    json_decref(nets);
    store_reader_close(r);
    *out = list;
    return 0;
}
