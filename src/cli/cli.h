/* cli: the karakuri subcommands. main() parses the global options, loads the
 * configuration and hands over to one of these. */
#ifndef KARAKURI_CLI_CLI_H
#define KARAKURI_CLI_CLI_H

struct config;

/* Each returns the process exit status. cfg is borrowed. argv[0] is the
 * subcommand's own name. */
int cli_run(const struct config *cfg, int argc, char **argv);
int cli_check(const struct config *cfg, int argc, char **argv);
int cli_images(const struct config *cfg, int argc, char **argv);
int cli_events(const struct config *cfg, int argc, char **argv);
int cli_cleanup(const struct config *cfg, int argc, char **argv);

#endif
