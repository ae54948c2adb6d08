/* karakuri cleanup: removes every container and network that carries
 * karakuri's label. Also what `karakuri run` does at start-up, so that a crash
 * leaves nothing behind for long. */
#include "cli/cli.h"
#include "config/config.h"
#include "contain/firewall.h"
#include "docker/docker.h"
#include "lan/honeynet.h"
#include "sensor/rules.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

static const char help[] =
    "usage: karakuri [-c FILE] cleanup\n"
    "\n"
    "Removes every container and network labelled " DOCKER_LABEL_MANAGED "=1, that is\n"
    "everything karakuri made, running or not, and then its firewall chains\n"
    "(KARAKURI-INPUT, KARAKURI-FORWARD) and the jumps to them. Prints what it removed.\n";

static json_t *managed_filter(void)
{
    return json_pack("{s:[s]}", "label", DOCKER_LABEL_MANAGED "=1");
}

/* Whether a managed container is a honeynet's and younger than keep_since
 * (unix seconds; 0 keeps nothing). */
static bool kept(json_t *ctr, long long keep_since)
{
    json_t *labels = json_object_get(ctr, "Labels");
    return keep_since > 0 && json_object_get(labels, LAN_LABEL_HONEYNET) &&
           json_integer_value(json_object_get(ctr, "Created")) >= keep_since;
}

/* Removes the managed containers, then the managed networks (a network with
 * containers attached cannot go), but for honeynets made since keep_since.
 * Counts what went and what failed. */
int cli_cleanup_docker(struct docker *d, long long keep_since, struct cli_cleanup_counts *c)
{
    json_t *filter = managed_filter(), *list = NULL, *keep = json_object();
    size_t i;
    json_t *it;
    int rc;

    rc = docker_container_list(d, true, filter, &list);
    if (rc < 0)
        goto out;
    json_array_foreach(list, i, it)
    {
        const char *id = json_string_value(json_object_get(it, "Id"));
        if (kept(it, keep_since)) {
            json_object_set_new(keep,
                                json_string_value(json_object_get(json_object_get(it, "Labels"),
                                                                  LAN_LABEL_HONEYNET)),
                                json_true());
            c->kept++;
        } else if (id && docker_container_remove(d, id, true, true) == 0) {
            c->containers++;
        } else {
            c->failed++;
        }
    }
    json_decref(list);
    list = NULL;
    rc = docker_network_list(d, filter, &list);
    if (rc < 0)
        goto out;
    json_array_foreach(list, i, it)
    {
        const char *id = json_string_value(json_object_get(it, "Id"));
        const char *hn =
            json_string_value(json_object_get(json_object_get(it, "Labels"), LAN_LABEL_HONEYNET));
        if (hn && json_object_get(keep, hn))
            continue;
        if (id && docker_network_remove(d, id) == 0)
            c->networks++;
        else
            c->failed++;
    }
out:
    json_decref(keep);
    json_decref(list);
    json_decref(filter);
    return rc;
}

int cli_cleanup(const struct config *cfg, int argc, char **argv)
{
    struct cli_cleanup_counts c = {0};
    struct docker *d = NULL;
    char err[512];

    if (cli_wants_help(argc, argv, help))
        return 0;
    if (argc > 1) {
        fprintf(stderr, "karakuri cleanup: unexpected argument '%s'\n", argv[1]);
        return 2;
    }
    /* The port sensor's rules guard no container: removed whatever the
     * engine's state, so that a host without Docker is cleaned too. */
    unsigned sensor_chains = 0;
    if (sensor_rules_remove(&sensor_chains, err, sizeof(err)) < 0) {
        fprintf(stderr, "karakuri cleanup: port sensor rules: %s\n", err);
        c.failed++;
    }
    if (docker_open(cfg->docker.host, &d, err, sizeof(err)) < 0) {
        fprintf(stderr, "karakuri cleanup: %s\n", err);
        return 1;
    }
    int rc = cli_cleanup_docker(d, 0, &c);
    if (rc < 0)
        fprintf(stderr, "karakuri cleanup: %s\n", docker_last_error(d));
    /* The rules go last: they guard the containers while those exist. */
    unsigned chains = 0;
    if (rc == 0 && contain_fw_remove(&chains, err, sizeof(err)) < 0) {
        fprintf(stderr, "karakuri cleanup: firewall: %s\n", err);
        c.failed++;
    }
    chains += sensor_chains;
    printf("removed %u container%s, %u network%s, %u firewall chain%s", c.containers,
           c.containers == 1 ? "" : "s", c.networks, c.networks == 1 ? "" : "s", chains,
           chains == 1 ? "" : "s");
    if (c.failed)
        printf(", %u could not be removed", c.failed);
    printf("\n");
    docker_close(d);
    return rc < 0 || c.failed ? 1 : 0;
}
