/* sensor scanq: payload events wait here for their shellcode verdict, which
 * is worked out on a thread of its own so that an emulation (up to
 * SENSOR_SC_DEFAULT_TOTAL_US a payload) never holds up the sensor thread,
 * its queued packets or its listeners.
 *
 * Each pushed event gets a "shellcode" object (see sensor_scanq_verdict_json)
 * and is then handed to the emit function, on the scan thread. Nothing is
 * dropped: past SENSOR_SCANQ_MAX waiting events, or after stop, an event is
 * emitted at once with {"skipped": "queue_full"} or {"skipped": "shutdown"}.
 *
 * Lifecycle: sensor_scanq_start → push (any thread) → sensor_scanq_stop
 * (emits what still waits, unscanned, joins, frees). */
#ifndef KARAKURI_SENSOR_SCANQ_H
#define KARAKURI_SENSOR_SCANQ_H

#include "sensor/shellcode.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define SENSOR_SCANQ_MAX 64
/* Instructions of the listing kept in an event: up to and just past the
 * system call or the decoding write. */
#define SENSOR_SCANQ_LISTING_INSNS 32

/* Takes ev. */
typedef void (*sensor_scanq_emit_fn)(void *ud, json_t *ev);

struct sensor_scanq;

int sensor_scanq_start(sensor_scanq_emit_fn emit, void *ud, struct sensor_scanq **out)
    __attribute__((warn_unused_result));
/* Takes ev; data (borrowed) is copied. An empty payload is emitted at once
 * without a verdict. */
void sensor_scanq_push(struct sensor_scanq *q, json_t *ev, const uint8_t *data, size_t len);
void sensor_scanq_stop(struct sensor_scanq *q);

/* The event's "shellcode" object for a verdict over data: detected, and
 * then arch, technique, reached, syscall_nr, offset, reach_offset,
 * self_modifying, insns and a listing; otherwise candidates and
 * budget_hit. A new reference. */
json_t *sensor_scanq_verdict_json(const struct sensor_sc_verdict *v, const uint8_t *data,
                                  size_t len);

#endif
