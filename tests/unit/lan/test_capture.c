/* Unit tests for lan_capture: a capture whose storing fails (the store's
 * artifacts directory cannot be made, as on a full disk) is kept and stored
 * with the next rotation, nothing lost; past the byte budget frames are
 * counted, and the event says truncated. */
#include "lan/capture.h"
#include "store/store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void frame(struct lan_capture *c, size_t len)
{
    u_char bytes[1514] = {0};
    struct pcap_pkthdr h = {.caplen = (bpf_u_int32)len, .len = (bpf_u_int32)len};
    lan_capture_frame(c, &h, bytes);
}

/* The number of frames in the stored artifact named by ev. */
static int stored_frames(const char *dir, json_t *ev)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    const char *sha = json_string_value(json_object_get(ev, "artifact"));
    assert_non_null(sha);
    char *path = store_artifact_path(dir, sha);
    pcap_t *p = pcap_open_offline(path, errbuf);
    assert_non_null(p);
    struct pcap_pkthdr *h;
    const u_char *d;
    int n = 0;
    while (pcap_next_ex(p, &h, &d) == 1)
        n++;
    pcap_close(p);
    free(path);
    return n;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_dir(char *dir)
{
    assert_int_equal(nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
    free(dir);
}

static char *store_dir(void)
{
    char tmpl[] = "/tmp/kk-capture-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    return strdup(tmpl);
}

static void test_store_fails(void **state)
{
    (void)state;
    char *dir = store_dir(), blocker[512];
    snprintf(blocker, sizeof(blocker), "%s/%s", dir, STORE_ARTIFACTS_DIR);
    /* A file where the artifacts directory goes: every store fails. */
    int fd = open(blocker, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    close(fd);
    pcap_t *pc = pcap_open_dead(DLT_EN10MB, 65535);
    struct lan_capture c;
    bool kept;
    assert_int_equal(lan_capture_open(&c, pc, dir, "hn", 0), 0);
    for (int i = 0; i < 3; i++)
        frame(&c, 60);
    assert_null(lan_capture_rotate(&c, dir, false, &kept));
    assert_true(kept);
    assert_int_equal(access(c.path, F_OK), 0);
    /* The disk has room again: the next rotation stores both files' frames. */
    assert_int_equal(unlink(blocker), 0);
    frame(&c, 60);
    frame(&c, 100);
    json_t *ev = lan_capture_rotate(&c, dir, false, &kept);
    assert_false(kept);
    assert_non_null(ev);
    assert_int_equal(json_integer_value(json_object_get(ev, "packets")), 5);
    assert_int_equal(stored_frames(dir, ev), 5);
    assert_null(json_object_get(ev, "truncated"));
    json_decref(ev);
    /* Kept at the end too (final): still on disk for the next start. */
    frame(&c, 60);
    char moved[600];
    snprintf(moved, sizeof(moved), "%s.old", blocker);
    assert_int_equal(rename(blocker, moved), 0);
    fd = open(blocker, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    close(fd);
    ev = lan_capture_rotate(&c, dir, true, &kept);
    assert_true(kept);
    assert_null(ev);
    assert_int_equal(access(c.path, F_OK), 0);
    json_decref(ev);
    pcap_close(pc);
    rm_dir(dir);
}

static void test_budget(void **state)
{
    (void)state;
    char *dir = store_dir();
    pcap_t *pc = pcap_open_dead(DLT_EN10MB, 65535);
    struct lan_capture c;
    bool kept;
    /* Two 60-byte frames fit (16 + 60 each), the third does not. */
    assert_int_equal(lan_capture_open(&c, pc, dir, "hn", 2 * 76), 0);
    for (int i = 0; i < 3; i++)
        frame(&c, 60);
    json_t *ev = lan_capture_rotate(&c, dir, false, &kept);
    assert_non_null(ev);
    assert_int_equal(json_integer_value(json_object_get(ev, "packets")), 2);
    assert_int_equal(stored_frames(dir, ev), 2);
    assert_true(json_is_true(json_object_get(ev, "truncated")));
    assert_int_equal(json_integer_value(json_object_get(ev, "frames_skipped")), 1);
    assert_int_equal(json_integer_value(json_object_get(ev, "bytes_skipped")), 76);
    json_decref(ev);
    /* The budget is the honeynet's in all: the next file gets nothing, and
     * says what it skipped. */
    frame(&c, 1000);
    ev = lan_capture_rotate(&c, dir, true, &kept);
    assert_non_null(ev);
    assert_null(json_object_get(ev, "artifact"));
    assert_int_equal(json_integer_value(json_object_get(ev, "packets")), 0);
    assert_int_equal(json_integer_value(json_object_get(ev, "frames_skipped")), 1);
    assert_int_equal(json_integer_value(json_object_get(ev, "bytes_skipped")), 1016);
    json_decref(ev);
    /* Nothing at all: no event. */
    assert_int_equal(lan_capture_open(&c, pc, dir, "empty", 0), 0);
    assert_null(lan_capture_rotate(&c, dir, true, &kept));
    assert_false(kept);
    pcap_close(pc);
    rm_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_store_fails),
                                       cmocka_unit_test(test_budget)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
