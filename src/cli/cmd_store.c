/* karakuri store: maintenance of the store. "migrate" creates or migrates
 * the PostgreSQL schema of [store] url (run does it too, on connecting; this
 * is for doing it ahead, with a role that may). */
#include "cli/cli.h"
#include "config/config.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

static const char help[] = "usage: karakuri [-c FILE] store migrate\n"
                           "\n"
                           "Creates the PostgreSQL schema of [store] url, or migrates it to this\n"
                           "karakuri's version. A database newer than this karakuri is refused.\n";

int cli_store(const struct config *cfg, int argc, char **argv)
{
    if (cli_wants_help(argc, argv, help))
        return 0;
    if (argc != 2 || strcmp(argv[1], "migrate") != 0) {
        fputs(help, stderr);
        return 2;
    }
    struct store_options so;
    char err[512] = "";
    int from = 0, to = 0;
    cli_store_options(cfg, &so);
    if (store_migrate(&so, &from, &to, err, sizeof(err)) < 0) {
        fprintf(stderr, "karakuri store migrate: %s\n", err);
        return 1;
    }
    if (from == to)
        printf("schema version %d: up to date\n", to);
    else
        printf("schema version %d → %d\n", from, to);
    return 0;
}
