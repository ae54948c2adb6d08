/* lan capture: a bridge's pcap with a byte budget, stored by rotation (see
 * capture.h). */
#include "lan/capture.h"

#include "common/log.h"
#include "common/util.h"
#include "event/event.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#define PCAP_FILE_HEADER 24
#define PCAP_RECORD_HEADER 16

/* The file's size; 0 when it is not there. */
static unsigned long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && st.st_size > 0 ? (unsigned long long)st.st_size : 0;
}

/* continued: after a failed store, whose frames the file still holds. */
static int begin(struct lan_capture *c, bool continued)
{
    /* Appended to what a failed store left (a new file gets its header). */
    c->dump = pcap_dump_open_append(c->pc, c->path);
    if (!c->dump) {
        LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: %s cannot be continued (%s); begun anew", c->path,
                        pcap_geterr(c->pc));
        c->dump = pcap_dump_open(c->pc, c->path);
    }
    if (!continued) {
        c->start_us = util_now_us();
        c->frames = c->bytes = 0;
        c->skipped_frames = c->skipped_bytes = 0;
    }
    return c->dump ? 0 : -EIO;
}

int lan_capture_open(struct lan_capture *c, pcap_t *pc, const char *store_dir, const char *honeynet,
                     unsigned long long max_bytes)
{
    *c = (struct lan_capture){.pc = pc, .max_bytes = max_bytes};
    snprintf(c->path, sizeof(c->path), "%s/.capture-%s.pcap", store_dir, honeynet);
    return begin(c, false);
}

void lan_capture_frame(struct lan_capture *c, const struct pcap_pkthdr *h, const u_char *bytes)
{
    unsigned long long n = PCAP_RECORD_HEADER + (unsigned long long)h->caplen;
    if (!c->dump)
        return;
    if (c->max_bytes && c->total_bytes + n > c->max_bytes) {
        c->skipped_frames++;
        c->skipped_bytes += n;
        return;
    }
    pcap_dump((u_char *)c->dump, h, bytes);
    c->frames++;
    c->bytes += n;
    c->total_bytes += n;
}

json_t *lan_capture_rotate(struct lan_capture *c, const char *store_dir, bool final, bool *kept)
{
    char sha[65], start[UTIL_RFC3339_LEN], end[UTIL_RFC3339_LEN];
    unsigned long long size = 0;
    json_t *ev = NULL;
    *kept = false;
    if (!c->dump)
        return NULL;
    pcap_dump_close(c->dump);
    c->dump = NULL;
    /* More than its header: this file's frames, or a failed store's. */
    bool content = file_size(c->path) > PCAP_FILE_HEADER;
    if (content && store_artifact_put_file(store_dir, c->path, sha, &size) < 0) {
        *kept = true;
    } else if (content || c->skipped_frames) {
        util_rfc3339(c->start_us, start);
        util_rfc3339(util_now_us(), end);
        ev = event_new(EVENT_CAPTURE_PCAP);
        if (content) {
            json_object_set_new(ev, "artifact", json_string(sha));
            json_object_set_new(ev, "size", json_integer((json_int_t)size));
        }
        json_object_set_new(ev, "packets", json_integer((json_int_t)c->frames));
        json_object_set_new(ev, "start", json_string(start));
        json_object_set_new(ev, "end", json_string(end));
        if (c->skipped_frames) {
            json_object_set_new(ev, "truncated", json_true());
            json_object_set_new(ev, "frames_skipped", json_integer((json_int_t)c->skipped_frames));
            json_object_set_new(ev, "bytes_skipped", json_integer((json_int_t)c->skipped_bytes));
        }
    }
    if (!*kept)
        unlink(c->path);
    if (!final && begin(c, *kept) < 0)
        LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: cannot write %s", c->path);
    return ev;
}

void lan_capture_close(struct lan_capture *c)
{
    if (c->dump)
        pcap_dump_close(c->dump);
    c->dump = NULL;
}
