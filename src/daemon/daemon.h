/* daemon: the composition root of `karakuri run`: which services make up the
 * daemon, the order they start in (and stop in, reversed), and what each is
 * handed. The services themselves live in their modules; this only wires
 * them together (daemon.c's table). */
#ifndef KARAKURI_DAEMON_DAEMON_H
#define KARAKURI_DAEMON_DAEMON_H

#include <signal.h>

struct config;

/* Runs the daemon until one of the signals in stop_set (blocked by the
 * caller in every thread before this is called) arrives, then stops it. cfg
 * is borrowed. Returns the process exit status: 0 after a clean stop, 1 when
 * a required service did not start or events were lost at stop. */
int daemon_run(const struct config *cfg, const sigset_t *stop_set);

#endif
