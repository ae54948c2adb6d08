/* karakuri config: the effective configuration as INI, every key documented,
 * so that an operator can start a file from it. */
#include "cli/cli.h"
#include "config/config.h"

#include <stdio.h>

static const char help[] = "usage: karakuri [-c FILE] config\n"
                           "\n"
                           "Prints the effective configuration (built-in defaults, overridden by\n"
                           "FILE) as INI with every key documented.\n";

int cli_config(const struct config *cfg, int argc, char **argv)
{
    if (cli_wants_help(argc, argv, help))
        return 0;
    if (argc > 1) {
        fprintf(stderr, "karakuri config: unexpected argument '%s'\n", argv[1]);
        return 2;
    }
    if (config_write(cfg, stdout) < 0 || fflush(stdout) != 0) {
        fprintf(stderr, "karakuri config: cannot write to standard output\n");
        return 1;
    }
    return 0;
}
