/* loop: a small event loop over epoll, for code that watches many fds (the
 * port sensor's listeners, the web server, a control socket): fds, timers
 * (timerfd) and signals (signalfd) with a callback each, run on one thread.
 *
 * Lifecycle: loop_new → loop_add_* … → loop_run (until loop_stop) →
 * loop_free. Everything but loop_stop is called on the loop's own thread;
 * callbacks may add and remove watches (their own included) as they run.
 * Fds added with loop_add_fd are borrowed (the caller closes them after
 * removing them); timers' and signals' fds are the loop's. Errors are
 * negative errno values. */
#ifndef KARAKURI_LOOP_LOOP_H
#define KARAKURI_LOOP_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop;
struct loop_timer;

#define LOOP_READ 0x1u
#define LOOP_WRITE 0x2u
#define LOOP_HUP 0x4u /* hang-up or error, reported whether asked for or not */

typedef void (*loop_fd_cb)(struct loop *l, int fd, unsigned events, void *ud);
typedef void (*loop_timer_cb)(struct loop *l, struct loop_timer *t, void *ud);
typedef void (*loop_signal_cb)(struct loop *l, int signo, void *ud);

int loop_new(struct loop **out) __attribute__((warn_unused_result));
/* Frees every watch still added and closes the loop's own fds. l may be NULL. */
void loop_free(struct loop *l);

/* Watches fd for events (LOOP_READ | LOOP_WRITE); -EEXIST if it already is. */
int loop_add_fd(struct loop *l, int fd, unsigned events, loop_fd_cb cb, void *ud)
    __attribute__((warn_unused_result));
int loop_mod_fd(struct loop *l, int fd, unsigned events) __attribute__((warn_unused_result));
/* Stops watching fd; its callback is not called again. -ENOENT if not watched. */
int loop_del_fd(struct loop *l, int fd);

/* A timer firing first after first_ms, then every interval_ms (0: once; a
 * one-shot timer stays added, idle, until deleted). *out is the loop's,
 * valid until loop_del_timer or loop_free. */
int loop_add_timer(struct loop *l, unsigned first_ms, unsigned interval_ms, loop_timer_cb cb,
                   void *ud, struct loop_timer **out) __attribute__((warn_unused_result));
void loop_del_timer(struct loop *l, struct loop_timer *t);

/* Calls cb when signo arrives. The caller blocks signo (in every thread)
 * first, or its default action happens instead. One callback per signal. */
int loop_add_signal(struct loop *l, int signo, loop_signal_cb cb, void *ud)
    __attribute__((warn_unused_result));

/* Waits up to timeout_ms (-1: for ever) and dispatches what is ready once.
 * Returns the number of callbacks called, or a negative errno. */
int loop_run_once(struct loop *l, int timeout_ms) __attribute__((warn_unused_result));
/* Dispatches until loop_stop. Returns 0, or a negative errno from epoll. */
int loop_run(struct loop *l) __attribute__((warn_unused_result));
/* Makes loop_run return after the callbacks now running; any thread. */
void loop_stop(struct loop *l);

#endif
