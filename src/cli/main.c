/* karakuri: main() only parses the global options, loads the configuration
 * and dispatches to a subcommand (src/cli/cmd_*.c). */
#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: karakuri [-c FILE] COMMAND [ARGS]\n"
    "\n"
    "A dynamic, container-based, high-interaction honeynet.\n"
    "\n"
    "commands:\n"
    "  run              run the daemon in the foreground\n"
    "  check            check the environment (Docker, kernel, images, permissions)\n"
    "  images build     build the honeynet images locally\n"
    "  events           show the event stream\n"
    "  cleanup          remove every container, network and rule karakuri made\n"
    "\n"
    "options:\n"
    "  -c FILE          configuration file (default: built-in defaults)\n"
    "  -h, --help       this help; 'karakuri COMMAND --help' for a command's\n"
    "  -V, --version    print the version\n";

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        printf("karakuri %s\n", KARAKURI_VERSION);
        return 0;
    }
    fprintf(stderr, "karakuri: unknown command '%s' (try --help)\n", argv[1]);
    return 2;
}
