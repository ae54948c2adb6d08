/* karakuri hosts: the honeynets in the Docker engine, each with its gateway,
 * its population plan (the hosts its LAN is made to have), which of them are
 * or were live decoys (from the lan.* events: when, why, from where) and the
 * flows between its hosts. */
#include "cli/cli.h"
#include "common/util.h"
#include "config/config.h"
#include "docker/docker.h"
#include "lan/honeynet.h"
#include "lan/plan.h"
#include "store/store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char help[] =
    "usage: karakuri [-c FILE] hosts [--json]\n"
    "\n"
    "Lists the honeynets: subnet, gateway (address, hostname, state), the hosts\n"
    "of its LAN (address, MAC, hostname, role, the TCP ports its role serves;\n"
    "planned, live or stopped, and for decoys when and by which packet from which\n"
    "host they were started) and the graph of flows between them. --json prints\n"
    "one object per honeynet.\n";

/* What the lan.* events say, per honeynet: {"decoys": {ip: {...}}, "flows": [...]}. */
static int take_lan_event(long long id, const char *line, void *ud)
{
    json_t *all = ud, *ev = json_loads(line, 0, NULL);
    const char *type = json_string_value(json_object_get(ev, "type"));
    const char *hn = json_string_value(json_object_get(ev, "honeynet"));
    (void)id;
    if (!type || !hn) {
        json_decref(ev);
        return 0;
    }
    json_t *h = json_object_get(all, hn);
    if (!h) {
        h = json_pack("{s:{}, s:[]}", "decoys", "flows");
        json_object_set_new(all, hn, h);
    }
    const char *ip = json_string_value(json_object_get(ev, "ip"));
    if (strcmp(type, "lan.decoy_started") == 0 && ip) {
        json_t *dc = json_pack(
            "{s:s, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "state", "live", "started",
            json_object_get(ev, "ts"), "trigger", json_object_get(ev, "trigger"), "from",
            json_object_get(ev, "src_ip"), "container", json_object_get(ev, "container"),
            "hostname", json_object_get(ev, "hostname"), "role", json_object_get(ev, "role"), "mac",
            json_object_get(ev, "mac"), "latency_ms", json_object_get(ev, "latency_ms"));
        json_object_set_new(json_object_get(h, "decoys"), ip, dc);
    } else if (strcmp(type, "lan.decoy_stopped") == 0 && ip) {
        json_t *dc = json_object_get(json_object_get(h, "decoys"), ip);
        if (dc) {
            json_object_set_new(dc, "state", json_string("stopped"));
            json_object_set(dc, "stopped", json_object_get(ev, "ts"));
            json_object_set(dc, "reason", json_object_get(ev, "reason"));
        }
    } else if (strcmp(type, "lan.flow") == 0) {
        json_t *f = json_object();
        static const char *const keys[] = {"ts",       "src_ip",   "src_host", "dst_ip",
                                           "dst_host", "dst_port", "proto"};
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
            if (json_object_get(ev, keys[i]))
                json_object_set(f, keys[i], json_object_get(ev, keys[i]));
        json_array_append_new(json_object_get(h, "flows"), f);
    }
    json_decref(ev);
    return 0;
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

static void print_human(json_t *hn)
{
    json_t *gw = json_object_get(hn, "gateway"), *h, *f;
    size_t i;
    printf("honeynet %s  %s\n", json_string_value(json_object_get(hn, "honeynet")),
           json_string_value(json_object_get(hn, "subnet")) ?: "?");
    printf("  %-15s %-17s %-12s %-18s %s\n", json_string_value(json_object_get(gw, "ip")) ?: "-",
           "", json_string_value(json_object_get(gw, "hostname")) ?: "-", "gateway",
           json_string_value(json_object_get(gw, "state")) ?: "-");
    json_array_foreach(json_object_get(hn, "hosts"), i, h)
    {
        printf("  %-15s %-17s %-12s %-18s %s\n", json_string_value(json_object_get(h, "ip")),
               json_string_value(json_object_get(h, "mac")),
               json_string_value(json_object_get(h, "hostname")),
               json_string_value(json_object_get(h, "role")),
               json_string_value(json_object_get(h, "state")));
        if (json_object_get(h, "started"))
            printf("  %15s started %s by %s\n", "",
                   json_string_value(json_object_get(h, "started")),
                   json_string_value(json_object_get(h, "trigger")) ?: "?");
    }
    json_array_foreach(json_object_get(hn, "flows"), i, f)
    {
        const char *sh = json_string_value(json_object_get(f, "src_host"));
        const char *dh = json_string_value(json_object_get(f, "dst_host"));
        printf("  flow %s %s(%s) -> %s(%s) %s/%lld\n", json_string_value(json_object_get(f, "ts")),
               json_string_value(json_object_get(f, "src_ip")), sh ?: "?",
               json_string_value(json_object_get(f, "dst_ip")), dh ?: "?",
               json_string_value(json_object_get(f, "proto")),
               (long long)json_integer_value(json_object_get(f, "dst_port")));
    }
}

int cli_hosts(const struct config *cfg, int argc, char **argv)
{
    bool json = false;
    struct docker *d = NULL;
    json_t *nets = NULL, *it, *lan;
    char err[512];
    size_t i;

    if (cli_wants_help(argc, argv, help))
        return 0;
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--json") != 0) {
            fprintf(stderr, "karakuri hosts: unexpected argument '%s'\n", argv[a]);
            return 2;
        }
        json = true;
    }
    if (docker_open(cfg->docker.host, &d, err, sizeof(err)) < 0) {
        fprintf(stderr, "karakuri hosts: %s\n", err);
        return 1;
    }
    lan = json_object();
    struct store_event_filter ef = {.type = "lan"};
    if (store_events_query(cfg->store.dir, &ef, take_lan_event, lan, err, sizeof(err)) < 0 &&
        access(cfg->store.dir, F_OK) == 0)
        fprintf(stderr, "karakuri hosts: decoys unknown: %s\n", err);
    json_t *f = json_pack("{s:[s]}", "label", LAN_LABEL_HONEYNET);
    int rc = docker_network_list(d, f, &nets);
    json_decref(f);
    if (rc < 0) {
        fprintf(stderr, "karakuri hosts: %s\n", docker_last_error(d));
        docker_close(d);
        return 1;
    }
    json_array_foreach(nets, i, it)
    {
        const char *name =
            json_string_value(json_object_get(json_object_get(it, "Labels"), LAN_LABEL_HONEYNET));
        const char *netname = json_string_value(json_object_get(it, "Name"));
        const char *subnet = json_string_value(json_object_get(
            json_array_get(json_object_get(json_object_get(it, "IPAM"), "Config"), 0), "Subnet"));
        if (!name || !netname)
            continue;
        json_t *gw = gateway_of(d, name, netname);
        json_t *hn = json_pack("{s:s, s:s?, s:o, s:o}", "honeynet", name, "subnet", subnet,
                               "gateway", gw, "hosts",
                               plan_json(name, ipv4(subnet), cfg->honeynet.hosts,
                                         ipv4(json_string_value(json_object_get(gw, "ip")))));
        json_t *known = json_object_get(lan, name);
        merge_decoys(json_object_get(hn, "hosts"), json_object_get(known, "decoys"));
        json_t *flows = json_object_get(known, "flows");
        json_object_set_new(hn, "flows", flows ? json_incref(flows) : json_array());
        if (json) {
            char *line = json_dumps(hn, JSON_COMPACT);
            printf("%s\n", line ? line : "{}");
            free(line);
        } else {
            print_human(hn);
        }
        json_decref(hn);
    }
    json_decref(nets);
    json_decref(lan);
    docker_close(d);
    return 0;
}
