/* karakuri: main() only parses the global options, loads the configuration
 * and dispatches to a subcommand (src/cli/cmd_*.c). */
#include "cli/cli.h"
#include "common/log.h"
#include "config/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: karakuri [-c FILE] COMMAND [ARGS]\n"
    "\n"
    "A dynamic, container-based, high-interaction honeynet.\n"
    "\n"
    "commands:\n"
    "  run              run the daemon in the foreground (logs to stderr)\n"
    "  check            check the environment (Docker, kernel, images, permissions)\n"
    "  images build     build the honeynet images locally (cached by recipe)\n"
    "  images status    show whether the images are present and up to date\n"
    "  events           show the event stream (--json, --follow, --since, --type)\n"
    "  sessions         list SSH sessions (--json)\n"
    "  session ID       one SSH session in full (--json)\n"
    "  replay ID        play a session's terminal (--speed X)\n"
    "  export           the events in Cowrie's schema (--format cowrie)\n"
    "  hosts            honeynets: gateway and planned hosts (--json)\n"
    "  cleanup          remove every container, network and rule karakuri made\n"
    "  config           print the effective configuration, every key documented\n"
    "  store migrate    create or migrate the PostgreSQL schema ([store] url)\n"
    "  web              serve the read-only JSON API (--listen ADDR:PORT)\n"
    "\n"
    "options:\n"
    "  -c FILE          configuration file (default: built-in defaults only)\n"
    "  -h, --help       this help; 'karakuri COMMAND --help' for a command's own\n"
    "  -V, --version    print the version\n";

struct command {
    const char *name;
    int (*fn)(const struct config *cfg, int argc, char **argv);
};

static const struct command commands[] = {
    {"run", cli_run},           {"check", cli_check},     {"images", cli_images},
    {"events", cli_events},     {"cleanup", cli_cleanup}, {"config", cli_config},
    {"sessions", cli_sessions}, {"session", cli_session}, {"replay", cli_replay},
    {"export", cli_export},     {"hosts", cli_hosts},     {"store", cli_store},
    {"web", cli_web},
};

/* Takes every "-c FILE" / "--config FILE" / "--config=FILE" out of argv, so
 * that it may stand before or after the subcommand. Returns -1 when one lacks
 * its FILE. */
static int take_config_option(int *argc, char **argv, const char **path)
{
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            while (i < *argc)
                argv[out++] = argv[i++];
            break;
        }
        if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
            if (i + 1 >= *argc)
                return -1;
            *path = argv[++i];
            continue;
        }
        if (strncmp(a, "--config=", 9) == 0) {
            *path = a + 9;
            continue;
        }
        argv[out++] = argv[i];
    }
    *argc = out;
    argv[out] = NULL;
    return 0;
}

int main(int argc, char **argv)
{
    const char *conf_path = NULL;
    struct config cfg;
    char err[512];
    int rc;

    if (take_config_option(&argc, argv, &conf_path) < 0) {
        fprintf(stderr, "karakuri: -c needs a FILE\n");
        return 2;
    }
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        printf("karakuri %s\n", KARAKURI_VERSION);
        return 0;
    }
    const struct command *cmd = NULL;
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            cmd = &commands[i];
    if (!cmd) {
        fprintf(stderr, "karakuri: unknown command '%s' (try --help)\n", argv[1]);
        return 2;
    }

    config_init(&cfg);
    if (conf_path && config_load(&cfg, conf_path, err, sizeof(err)) < 0) {
        fprintf(stderr, "karakuri: %s\n", err);
        config_free(&cfg);
        return 2;
    }
    log_set_level(cfg.general.log_level);
    rc = cmd->fn(&cfg, argc - 1, argv + 1);
    config_free(&cfg);
    return rc;
}
