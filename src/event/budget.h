/* budget: how many events of a type one source, and one honeynet, may queue.
 *
 * A flood (one contain.blocked per datagram, one lan.arp per who-has) must
 * not fill the store or crowd out other attackers' events. Every budgeted
 * event is charged to two token buckets: its source's, keyed by (type,
 * honeynet, src_ip, and for a few types the fields that say what was tried:
 * contain.blocked's rule and proto, lan.arp's target), and its honeynet's,
 * keyed by (type, honeynet). proc.exec's source is its host_ip, and its
 * budget ten times the others' (a build runs hundreds of programs a
 * second). An event either bucket refuses is counted, not queued (a
 * contain.blocked with repeats as that many); each count goes out as one contain.budget event per
 * window (or at the end, or when its slot is needed), so nothing is dropped silently. A source
 * refused by its own bucket takes nothing from its honeynet's, so one flooding host cannot spend
 * another's share.
 *
 * Exempt: the sensor's own health (sensor.*), what a session records
 * (session.*, login.*, command.*, tty.*, file.*) and contain.budget itself.
 *
 * Thread-safe (one mutex; exempt types never take it). Lifecycle:
 * event_budget_new → event_budget_take (any thread) / event_budget_due (the
 * writer) → event_budget_free. */
#ifndef KARAKURI_EVENT_BUDGET_H
#define KARAKURI_EVENT_BUDGET_H

#include "event/event.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Defaults: a source may send a burst of 200 events of a type, then 20 a
 * second; a honeynet 1000, then 100 a second; counts go out once a minute. */
#define EVENT_BUDGET_SRC_BURST 200u
#define EVENT_BUDGET_SRC_PER_S 20u
#define EVENT_BUDGET_NET_BURST 1000u
#define EVENT_BUDGET_NET_PER_S 100u
#define EVENT_BUDGET_WINDOW_MS 60000u

/* Zero fields take the defaults above. */
struct event_budget_options {
    unsigned src_burst, src_per_s;
    unsigned net_burst, net_per_s;
    unsigned window_ms;
};

struct event_budget;

struct event_budget *event_budget_new(const struct event_budget_options *o)
    __attribute__((returns_nonnull));
void event_budget_free(struct event_budget *b);

/* Whether t is outside every budget. */
bool event_budget_exempt(enum event_type t);

/* Charges ev (borrowed; its "type" names a known type) at monotonic now_us:
 * true when it may be queued, false when it was counted instead. */
bool event_budget_take(struct event_budget *b, const json_t *ev, long long now_us);

/* The contain.budget events that are due at now_us (all that hold a count
 * when all is set): up to max of them into out (the caller owns each).
 * Returns how many; call again while it returns max. */
size_t event_budget_due(struct event_budget *b, long long now_us, bool all, json_t **out,
                        size_t max);

#endif
