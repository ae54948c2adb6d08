/* cli: the karakuri subcommands. main() parses the global options, loads the
 * configuration and hands over to one of these. */
#ifndef KARAKURI_CLI_CLI_H
#define KARAKURI_CLI_CLI_H

#include <stdbool.h>

struct config;

/* Each returns the process exit status. cfg is borrowed. argv[0] is the
 * subcommand's own name; argv[argc] is NULL. */
int cli_run(const struct config *cfg, int argc, char **argv);
int cli_check(const struct config *cfg, int argc, char **argv);
int cli_images(const struct config *cfg, int argc, char **argv);
int cli_events(const struct config *cfg, int argc, char **argv);
int cli_cleanup(const struct config *cfg, int argc, char **argv);
int cli_config(const struct config *cfg, int argc, char **argv);
int cli_sessions(const struct config *cfg, int argc, char **argv);
int cli_session(const struct config *cfg, int argc, char **argv);
int cli_replay(const struct config *cfg, int argc, char **argv);
int cli_export(const struct config *cfg, int argc, char **argv);
int cli_hosts(const struct config *cfg, int argc, char **argv);
int cli_store(const struct config *cfg, int argc, char **argv);
int cli_web(const struct config *cfg, int argc, char **argv);

struct docker;
struct images_options;
struct store_options;

/* The store the configuration names (dir, url, sensor, batch sizes); the
 * strings are cfg's, borrowed. */
void cli_store_options(const struct config *cfg, struct store_options *so);

struct cli_cleanup_counts {
    unsigned containers;
    unsigned networks;
    unsigned failed;
    unsigned kept;
};
/* Removes every managed container and network, but the honeynets made since
 * keep_since (unix seconds; 0: all go); adds to c. Used by cleanup (all) and
 * by run at start-up (what is past [honeynet] retention). */
int cli_cleanup_docker(struct docker *d, long long keep_since, struct cli_cleanup_counts *c)
    __attribute__((warn_unused_result));

/* Fills o from the configuration; the default work dir <store.dir>/images is
 * allocated into *workdir_owned, which the caller frees. */
void cli_images_options(const struct config *cfg, struct images_options *o, char **workdir_owned);

/* dir + "/" + name, newly allocated. */
char *cli_path_join(const char *dir, const char *name);

/* Prints an event (a JSON line) as one line a person can read: time, type,
 * then the other fields as k=v, every value escaped. */
void cli_print_event(const char *json_line);

/* Prints a JSON line as it is but for the characters a terminal takes as
 * controls that JSON leaves raw (DEL, U+0080..U+009F: C1, such as CSI and
 * OSC), which are written as \u escapes: the same JSON, inert on a terminal. */
void cli_print_json(const char *json_line);

/* True when argv holds -h or --help; prints help to stdout then. */
bool cli_wants_help(int argc, char **argv, const char *help);

#endif
