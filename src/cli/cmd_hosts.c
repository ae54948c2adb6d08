/* karakuri hosts: the honeynets in the Docker engine, each with its gateway
 * and its population plan (the hosts its LAN is made to have). */
#include "cli/cli.h"
#include "common/util.h"
#include "config/config.h"
#include "docker/docker.h"
#include "lan/honeynet.h"
#include "lan/plan.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: karakuri [-c FILE] hosts [--json]\n"
    "\n"
    "Lists the honeynets: subnet, gateway (address, hostname, state) and the hosts\n"
    "planned on its LAN (address, MAC, hostname, role). --json prints one object\n"
    "per honeynet.\n";

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
        json_array_append_new(hosts, json_pack("{s:s, s:s, s:s, s:s, s:s}", "ip", ip, "mac", mac,
                                               "hostname", p.hosts[i].hostname, "role",
                                               p.hosts[i].role->name, "state", "planned"));
    }
    return hosts;
}

static void print_human(json_t *hn)
{
    json_t *gw = json_object_get(hn, "gateway"), *h;
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
    }
}

int cli_hosts(const struct config *cfg, int argc, char **argv)
{
    bool json = false;
    struct docker *d = NULL;
    json_t *nets = NULL, *it;
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
    docker_close(d);
    return 0;
}
