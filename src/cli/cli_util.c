/* cli_util: small pieces shared by the subcommands. */
#include "cli/cli.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <string.h>

bool cli_wants_help(int argc, char **argv, const char *help)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(help, stdout);
            return true;
        }
    }
    return false;
}

char *cli_path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir);
    return xasprintf("%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);
}
