/* ttylog: how much of a session's terminals is recorded.
 *
 * With SSH compression ~100 MB on the wire can be gigabytes of terminal
 * output, so a recording stops growing past a budget per channel, per
 * session (all its channels) and per source (all its open sessions), and
 * when the store's file system is nearly full. A recording that stops says
 * so in its tty.log (truncated, truncated_by, bytes_not_logged). Pure: the
 * server gathers the figures. */
#ifndef KARAKURI_SSH_TTYLOG_H
#define KARAKURI_SSH_TTYLOG_H

#define KSSH_TTY_CHANNEL_MAX_BYTES (64LL << 20)
#define KSSH_TTY_SESSION_MAX_BYTES (128LL << 20)
#define KSSH_TTY_SOURCE_MAX_BYTES (256LL << 20)
/* Free space the store keeps: the larger of these. */
#define KSSH_TTY_MIN_FREE_BYTES (256LL << 20)
#define KSSH_TTY_MIN_FREE_PERCENT 2
/* The source's sessions and the disk are looked at each time a channel's
 * recording passes a multiple of this (they cost a scan and a syscall). */
#define KSSH_TTY_CHECK_BYTES (1LL << 20)

struct kssh_tty_usage {
    long long channel, session, source; /* bytes recorded so far */
    long long fs_free, fs_size;         /* the store's file system; fs_size ≤ 0: unknown */
};

/* NULL when n more bytes may be recorded; otherwise what is over:
 * "channel", "session", "source" or "disk". */
const char *kssh_tty_over(const struct kssh_tty_usage *u, long long n);

#endif
