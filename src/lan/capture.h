/* lan capture: the pcap file of one honeynet's LAN bridge, stored as an
 * artifact at each rotation. Two things are never lost silently: past the
 * honeynet's byte budget ([honeynet] pcap_max_mb, over its whole life)
 * frames are counted, not written, and the capture.pcap event says so
 * (truncated, frames_skipped, bytes_skipped); a file whose storing failed
 * (a full disk) is kept, and the next one continues it (appended), so the
 * next rotation stores both. */
#ifndef KARAKURI_LAN_CAPTURE_H
#define KARAKURI_LAN_CAPTURE_H

#include <jansson.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <stdbool.h>

struct lan_capture {
    char path[PATH_MAX];              /* <store dir>/.capture-<honeynet>.pcap */
    pcap_t *pc;                       /* borrowed: the bridge's, for its link type */
    pcap_dumper_t *dump;              /* NULL: not writing */
    long long start_us;               /* wall clock: when this file was begun */
    unsigned long long frames, bytes; /* written into this file */
    unsigned long long max_bytes;     /* the budget; 0: none */
    unsigned long long total_bytes;   /* written over the honeynet's life */
    unsigned long long skipped_frames, skipped_bytes; /* past the budget, this file's time */
};

/* Begins (or continues, after a failed store) the capture of honeynet in
 * store_dir. -EIO when it cannot be written. */
int lan_capture_open(struct lan_capture *c, pcap_t *pc, const char *store_dir, const char *honeynet,
                     unsigned long long max_bytes) __attribute__((warn_unused_result));

/* One frame: written, or counted past the budget. */
void lan_capture_frame(struct lan_capture *c, const struct pcap_pkthdr *h, const u_char *bytes);

/* Closes the file and stores it in store_dir. The capture.pcap event (with
 * artifact, packets, size, start, end, and truncated, frames_skipped,
 * bytes_skipped when frames were over budget; the caller adds honeynet and
 * bridge; NULL when there was nothing to tell). When storing failed, *kept
 * is set and the file stays for the next rotation. Begins the next file
 * unless final. */
json_t *lan_capture_rotate(struct lan_capture *c, const char *store_dir, bool final, bool *kept);

/* Closes the file without storing it (what it holds stays on disk). */
void lan_capture_close(struct lan_capture *c);

#endif
