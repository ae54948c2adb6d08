/* jsonl: the JSON-lines sink, <dir>/karakuri.json: one event per line, the
 * exact line the encoder made, appended.
 *
 * Each batch is appended whole or not at all: a write that fails half way is
 * cut back off (ftruncate to the size before the batch), so a retry never
 * leaves a broken line behind. When the file is deleted or renamed under us
 * (log rotation), the next batch starts a new file at the path. A partial
 * last line found when opening (a crash mid-write) is cut off.
 *
 * Lifecycle: store_jsonl_open → store_jsonl_append … → store_jsonl_close.
 * Used by the writer thread only. */
#ifndef KARAKURI_STORE_JSONL_H
#define KARAKURI_STORE_JSONL_H

#include "event/event.h"

#include <stddef.h>

struct store_jsonl;

/* dir is borrowed. Fails (negative errno, err says why) when the file cannot
 * be opened. */
int store_jsonl_open(const char *dir, struct store_jsonl **out, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* Appends the n records' lines (borrowed). 0 or a negative errno. */
int store_jsonl_append(struct store_jsonl *j, struct event_record *const *recs, size_t n, char *err,
                       size_t errlen) __attribute__((warn_unused_result));
void store_jsonl_close(struct store_jsonl *j);

#endif
