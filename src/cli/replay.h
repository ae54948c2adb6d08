/* replay: what `karakuri replay` reads and what it lets through to the
 * operator's terminal. Pure functions, fuzzed (tests/fuzz/fuzz_cli_replay.c).
 *
 * A tty log is the attacker's own output, so replaying it hands the attacker
 * the operator's terminal. What only changes what the terminal shows passes
 * (text, C0 layout controls, CSI colour, cursor, erase, scroll and mode
 * sequences, charset selection), so a replay looks as the session did. What
 * acts on the terminal itself or on the operator is dropped: every OSC (title,
 * clipboard with OSC 52, palette, hyperlinks, notifications), DCS, SOS, PM and
 * APC string with its payload, CSI that make the terminal answer or act on
 * its window (device attributes and status reports, window operations,
 * printing, mode and version queries), that turn on reports it would send
 * later (mouse, focus, bracketed paste) or change what keys send
 * (XTMODKEYS), DECID and ENQ. C1 controls, 8-bit
 * or UTF-8 encoded (U+0080..U+009F), are read as their ESC forms and filtered
 * the same way. Sequences may be split anywhere across calls. */
#ifndef KARAKURI_CLI_REPLAY_H
#define KARAKURI_CLI_REPLAY_H

#include "common/buf.h"

#include <stdbool.h>
#include <stddef.h>

/* A CSI longer than this is dropped whole. */
#define CLI_CSI_MAX 64

struct cli_term_filter {
    int state;
    unsigned cont; /* UTF-8 continuation bytes still expected */
    bool drop;     /* the CSI being read is too long: dropped */
    size_t held_len;
    char held[CLI_CSI_MAX]; /* the CSI being read, ESC [ included */
};

/* A filter at the start of a stream. */
void cli_term_filter_init(struct cli_term_filter *f);
/* Appends to out what of in[0..n) may reach the terminal; a sequence not yet
 * complete is kept in f for the next call. Returns buf_append's result. */
int cli_term_filter(struct cli_term_filter *f, const char *in, size_t n, struct buf *out)
    __attribute__((warn_unused_result));

/* One line of an asciicast v2 file (not the header): 1 with *t and the output
 * *data (new, *len bytes, the caller frees) for an "o" event; 0 for anything
 * else (input, markers, not an event). */
int cli_replay_parse(const char *line, size_t n, double *t, char **data, size_t *len);

#endif
