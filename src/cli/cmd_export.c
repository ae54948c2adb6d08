/* karakuri export --format cowrie: the recorded events as JSON lines in
 * Cowrie's schema (the read model is query/export.c); this parses the
 * arguments and prints. */
#include "cli/cli.h"
#include "common/util.h"
#include "config/config.h"
#include "query/query.h"
#include "store/store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: karakuri [-c FILE] export --format cowrie [--since T]\n"
    "\n"
    "Prints every recorded SSH event as a JSON line in Cowrie's event schema\n"
    "(cowrie.session.connect, cowrie.login.success, cowrie.command.input,\n"
    "cowrie.session.closed, ...). --since takes an RFC 3339 time.\n";

static int print_line(json_t *obj, void *ud)
{
    (void)ud;
    char *text = json_dumps(obj, JSON_COMPACT);
    if (text)
        printf("%s\n", text);
    free(text);
    return 0;
}

int cli_export(const struct config *cfg, int argc, char **argv)
{
    long long since_us = 0;
    const char *format = NULL;
    char err[512];

    if (cli_wants_help(argc, argv, help))
        return 0;
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--format") == 0 && a + 1 < argc) {
            format = argv[++a];
        } else if (strcmp(argv[a], "--since") == 0 && a + 1 < argc) {
            if (util_rfc3339_parse(argv[++a], &since_us) < 0) {
                fprintf(stderr, "karakuri export: --since wants an RFC 3339 time\n");
                return 2;
            }
        } else {
            fprintf(stderr, "karakuri export: unexpected argument '%s'\n", argv[a]);
            return 2;
        }
    }
    if (!format || strcmp(format, "cowrie") != 0) {
        fprintf(stderr, "karakuri export: --format cowrie is the format there is\n");
        return 2;
    }
    struct store_options so;
    cli_store_options(cfg, &so);
    int rc = query_export_cowrie(&so, since_us, print_line, NULL, err, sizeof(err));
    if (rc < 0) {
        fprintf(stderr, "karakuri export: %s\n", err);
        return 1;
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
