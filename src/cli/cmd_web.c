/* karakuri web: the JSON API alone, serving the store (web/web.h) until
 * SIGINT/SIGTERM: on a sensor beside `karakuri run` (which can serve it
 * itself with [web] listen), or on the recorder host of a fleet, reading
 * its PostgreSQL store. */
#include "cli/cli.h"
#include "config/config.h"
#include "store/store.h"
#include "web/token.h"
#include "web/web.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static const char help[] =
    "usage: karakuri [-c FILE] web [--listen ADDR:PORT]\n"
    "\n"
    "Serves the store's read-only JSON API (/api/v1/: health, events, sessions,\n"
    "sessions/ID, hosts, downloads, openapi.json) until SIGINT or SIGTERM, on\n"
    "--listen, else [web] listen, else " WEB_DEFAULT_LISTEN " (a loopback address\n"
    "only: there is no TLS yet). Every request needs 'Authorization: Bearer TOKEN',\n"
    "the token being <store dir>/web.token (made 0600 at the first start).\n";

int cli_web(const struct config *cfg, int argc, char **argv)
{
    const char *listen = cfg->web.listen && *cfg->web.listen ? cfg->web.listen : WEB_DEFAULT_LISTEN;
    char host[CONFIG_HOST_LEN], why[256], err[512];
    uint16_t port;
    sigset_t set;
    int sig = 0;

    if (cli_wants_help(argc, argv, help))
        return 0;
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--listen") == 0 && a + 1 < argc) {
            listen = argv[++a];
        } else {
            fprintf(stderr, "karakuri web: unexpected argument '%s' (try --help)\n", argv[a]);
            return 2;
        }
    }
    if (config_parse_hostport(listen, true, host, &port, why, sizeof(why)) < 0) {
        fprintf(stderr, "karakuri web: --listen %s: %s\n", listen, why);
        return 2;
    }
    /* Blocked before the server's threads start: only sigwait sees them. */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    struct store_options so;
    cli_store_options(cfg, &so);
    struct web_server *s = NULL;
    if (web_server_start(cfg, &so, host, port, NULL, &s, err, sizeof(err)) < 0) {
        fprintf(stderr, "karakuri web: %s\n", err);
        return 1;
    }
    fprintf(stderr, "karakuri web: serving http://%s%s%s:%u/api/v1/ (token: %s/%s)\n",
            strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "",
            (unsigned)web_server_port(s), so.dir, WEB_TOKEN_NAME);
    sigwait(&set, &sig);
    web_server_stop(s);
    return 0;
}
