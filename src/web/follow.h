/* follow: the events stream, GET /api/v1/events?follow=1 (Server-Sent
 * Events, sse.h), on libmicrohttpd's suspend and resume. Each stream is a
 * callback response whose reader hands over what the stream's buffer holds
 * and, when it is empty, suspends the connection (no MHD thread ever waits).
 * One follower thread reads the store every WEB_FOLLOW_POLL_MS from each
 * stream's cursor, with the filters of the events route, fills the buffers
 * (WEB_SSE_BUF_CAP each: a client that far behind is ended), adds a ": ping"
 * comment to a stream quiet for WEB_FOLLOW_PING_S and resumes the
 * connections it gave bytes to. At most WEB_FOLLOW_MAX_STREAMS at once.
 *
 * Lifecycle: web_follow_start → web_follow_open (per request, on an MHD
 * thread) → web_follow_stop (ends every stream and resumes it; before
 * MHD_stop_daemon) → web_follow_free (after it). */
#ifndef KARAKURI_WEB_FOLLOW_H
#define KARAKURI_WEB_FOLLOW_H

#include "store/store.h"
#include "web/route.h"

#include <microhttpd.h>

#define WEB_FOLLOW_MAX_STREAMS 8
#define WEB_FOLLOW_POLL_MS 500
#define WEB_FOLLOW_PING_S 15

struct web_follow;

/* so borrowed (it outlives the follower). Returns 0 or a negative errno. */
int web_follow_start(const struct store_options *so, struct web_follow **out)
    __attribute__((warn_unused_result));

/* Queues the stream's answer on c for the filters p (copied): from the
 * event after cursor, or (cursor < 0) from the newest event now. 503 with
 * Retry-After when WEB_FOLLOW_MAX_STREAMS are open or the server stops.
 * Returns what MHD_queue_response does. */
enum MHD_Result web_follow_open(struct web_follow *f, struct MHD_Connection *c,
                                const struct web_events_params *p, long long cursor);

void web_follow_stop(struct web_follow *f);
void web_follow_free(struct web_follow *f);

#endif
