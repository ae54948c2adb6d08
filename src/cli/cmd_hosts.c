/* karakuri hosts: the honeynets in the Docker engine, each with its gateway,
 * its population plan, its decoys and flows. The read model is
 * query/hosts.c; this parses the arguments and prints. */
#include "cli/cli.h"
#include "config/config.h"
#include "docker/docker.h"
#include "query/query.h"
#include "store/store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: karakuri [-c FILE] hosts [--json]\n"
    "\n"
    "Lists the honeynets: subnet, gateway (address, hostname, state), the hosts\n"
    "of its LAN (address, MAC, hostname, role, the TCP ports its role serves;\n"
    "planned, live or stopped, and for decoys when and by which packet from which\n"
    "host they were started) and the graph of flows between them. --json prints\n"
    "one object per honeynet.\n";

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
    json_t *nets = NULL, *hn;
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
    char warn[512];
    struct store_options so;
    cli_store_options(cfg, &so);
    int rc = query_hosts(d, &so, cfg->honeynet.hosts, &nets, warn, sizeof(warn), err, sizeof(err));
    if (*warn)
        fprintf(stderr, "karakuri hosts: decoys unknown: %s\n", warn);
    if (rc < 0) {
        fprintf(stderr, "karakuri hosts: %s\n", err);
        docker_close(d);
        return 1;
    }
    json_array_foreach(nets, i, hn)
    {
        if (json) {
            char *line = json_dumps(hn, JSON_COMPACT);
            printf("%s\n", line ? line : "{}");
            free(line);
        } else {
            print_human(hn);
        }
    }
    json_decref(nets);
    docker_close(d);
    return 0;
}
