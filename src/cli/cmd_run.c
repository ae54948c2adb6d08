/* karakuri run: the daemon in the foreground until SIGINT/SIGTERM. The
 * services it is made of, and their order, are daemon/daemon.c's. */
#include "cli/cli.h"
#include "daemon/daemon.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>

static const char help[] =
    "usage: karakuri [-c FILE] run\n"
    "\n"
    "Runs the daemon in the foreground, logging to stderr. State goes under\n"
    "[store] dir (default ./var): karakuri.db, karakuri.json, artifacts/.\n"
    "At start-up it removes what an earlier run left in the Docker engine, but\n"
    "the honeynets within [honeynet] retention, kept for their sources.\n"
    "SIGINT or SIGTERM stop it cleanly.\n";

int cli_run(const struct config *cfg, int argc, char **argv)
{
    sigset_t set;

    if (cli_wants_help(argc, argv, help))
        return 0;
    if (argc > 1) {
        fprintf(stderr, "karakuri run: unexpected argument '%s'\n", argv[1]);
        return 2;
    }
    /* Blocked before any thread starts, so every thread inherits the mask and
     * only the daemon's signalfd sees them. */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    return daemon_run(cfg, &set);
}
