/* Unit tests for ssh/upload.c: sftp and legacy scp streams fed in pieces of
 * every size give the files, their bytes and their closes; streams past the
 * caps stop being followed and close what was open. */
#include "ssh/upload.h"

#include <setjmp.h> /* cmocka needs these first */
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct file {
    char name[KSSH_UPLOAD_NAME_MAX + 1];
    unsigned char data[4096];
    size_t size;
    int opens, closes;
};

struct seen {
    struct file files[8];
    int nfiles;
};

static void on_open(void *ud, int f, const char *name, size_t n)
{
    struct seen *s = ud;
    assert_int_equal(f, s->nfiles);
    assert_true(n <= KSSH_UPLOAD_NAME_MAX);
    struct file *x = &s->files[s->nfiles++];
    memcpy(x->name, name, n);
    x->name[n] = '\0';
    x->opens++;
}

static void on_data(void *ud, int f, uint64_t off, const void *d, size_t n)
{
    struct seen *s = ud;
    assert_true(f < s->nfiles);
    struct file *x = &s->files[f];
    assert_int_equal(x->closes, 0);
    assert_true(off + n <= sizeof(x->data));
    memcpy(x->data + off, d, n);
    if (off + n > x->size)
        x->size = off + n;
}

static void on_close(void *ud, int f)
{
    struct seen *s = ud;
    assert_true(f < s->nfiles);
    s->files[f].closes++;
}

static const struct kssh_upload_ops ops = {on_open, on_data, on_close};

/* ---- building sftp packets ---- */

struct pkt {
    unsigned char b[8192];
    size_t n;
};

static void put32(struct pkt *p, uint32_t v)
{
    p->b[p->n++] = (unsigned char)(v >> 24);
    p->b[p->n++] = (unsigned char)(v >> 16);
    p->b[p->n++] = (unsigned char)(v >> 8);
    p->b[p->n++] = (unsigned char)v;
}

static void put_str(struct pkt *p, const void *s, size_t n)
{
    put32(p, (uint32_t)n);
    memcpy(p->b + p->n, s, n);
    p->n += n;
}

/* Appends one packet of type t whose body is body (n bytes) to out. */
static void packet(struct pkt *out, unsigned t, const struct pkt *body)
{
    put32(out, (uint32_t)body->n + 1);
    out->b[out->n++] = (unsigned char)t;
    memcpy(out->b + out->n, body->b, body->n);
    out->n += body->n;
}

static void sftp_open(struct pkt *c, uint32_t id, const char *name, uint32_t flags)
{
    struct pkt b = {0};
    put32(&b, id);
    put_str(&b, name, strlen(name));
    put32(&b, flags);
    put32(&b, 0); /* attrs: none */
    packet(c, 3, &b);
}

static void sftp_handle(struct pkt *sv, uint32_t id, const char *h)
{
    struct pkt b = {0};
    put32(&b, id);
    put_str(&b, h, strlen(h));
    packet(sv, 102, &b);
}

static void sftp_write(struct pkt *c, uint32_t id, const char *h, uint64_t off, const char *d)
{
    struct pkt b = {0};
    put32(&b, id);
    put_str(&b, h, strlen(h));
    put32(&b, (uint32_t)(off >> 32));
    put32(&b, (uint32_t)off);
    put_str(&b, d, strlen(d));
    packet(c, 6, &b);
}

static void sftp_close(struct pkt *c, uint32_t id, const char *h)
{
    struct pkt b = {0};
    put32(&b, id);
    put_str(&b, h, strlen(h));
    packet(c, 4, &b);
}

static void feed(void (*fn)(struct kssh_upload *, const void *, size_t), struct kssh_upload *u,
                 const struct pkt *p, size_t piece)
{
    for (size_t off = 0; off < p->n; off += piece)
        fn(u, p->b + off, p->n - off < piece ? p->n - off : piece);
}

static void test_sftp(void **state)
{
    (void)state;
    for (size_t piece = 1; piece <= 64; piece = piece * 2 + 1) {
        struct seen s = {0};
        struct kssh_upload *u = kssh_upload_new(KSSH_UPLOAD_SFTP, NULL, &ops, &s);
        struct pkt c = {0}, sv = {0}, c2 = {0}, sv2 = {0}, c3 = {0};
        sftp_open(&c, 1, "/tmp/bot.sh", 0x02 | 0x08 | 0x10);
        sftp_open(&c, 2, "/etc/passwd", 0x01); /* read only: not followed */
        feed(kssh_upload_client, u, &c, piece);
        sftp_handle(&sv, 1, "H1");
        sftp_handle(&sv, 2, "H2");
        feed(kssh_upload_server, u, &sv, piece);
        assert_int_equal(s.nfiles, 1);
        assert_string_equal(s.files[0].name, "/tmp/bot.sh");
        sftp_write(&c2, 3, "H1", 0, "#!/bin/sh\n");
        sftp_write(&c2, 4, "H1", 10, "wget x\n");
        sftp_write(&c2, 5, "H2", 0, "ignored");
        sftp_close(&c2, 6, "H1");
        feed(kssh_upload_client, u, &c2, piece);
        assert_int_equal(s.files[0].size, 17);
        assert_memory_equal(s.files[0].data, "#!/bin/sh\nwget x\n", 17);
        assert_int_equal(s.files[0].closes, 1);
        /* A second file, refused by the server (STATUS): not a file. */
        sftp_open(&c3, 7, "/root/x", 0x02);
        sftp_open(&c3, 8, "/root/y", 0x1a);
        feed(kssh_upload_client, u, &c3, piece);
        struct pkt st = {0};
        put32(&st, 7);
        put32(&st, 3); /* permission denied */
        put_str(&st, "denied", 6);
        put_str(&st, "", 0);
        packet(&sv2, 101, &st);
        sftp_handle(&sv2, 8, "H1"); /* a handle reused once closed */
        feed(kssh_upload_server, u, &sv2, piece);
        assert_int_equal(s.nfiles, 2);
        assert_string_equal(s.files[1].name, "/root/y");
        kssh_upload_free(u); /* closes /root/y */
        assert_int_equal(s.files[1].closes, 1);
    }
}

static void test_sftp_caps(void **state)
{
    (void)state;
    struct seen s = {0};
    struct kssh_upload *u = kssh_upload_new(KSSH_UPLOAD_SFTP, NULL, &ops, &s);
    struct pkt c = {0}, sv = {0}, big = {0};
    sftp_open(&c, 1, "/tmp/a", 0x02);
    kssh_upload_client(u, c.b, c.n);
    sftp_handle(&sv, 1, "h");
    kssh_upload_server(u, sv.b, sv.n);
    assert_int_equal(s.nfiles, 1);
    /* A packet longer than sftp-server takes: no longer followed. */
    put32(&big, KSSH_UPLOAD_PACKET_MAX + 1);
    big.b[big.n++] = 6;
    kssh_upload_client(u, big.b, big.n);
    assert_false(kssh_upload_following(u));
    assert_int_equal(s.files[0].closes, 1);
    kssh_upload_free(u);
    assert_int_equal(s.files[0].closes, 1);
    /* A server packet of any length is skipped, not kept. */
    memset(&s, 0, sizeof(s));
    u = kssh_upload_new(KSSH_UPLOAD_SFTP, NULL, &ops, &s);
    struct pkt data = {0};
    put32(&data, 0x7fffffff);
    data.b[data.n++] = 103;
    kssh_upload_server(u, data.b, data.n);
    assert_true(kssh_upload_following(u));
    kssh_upload_free(u);
}

static void scp_feed_str(struct kssh_upload *u, const char *d, size_t n, size_t piece)
{
    for (size_t off = 0; off < n; off += piece)
        kssh_upload_client(u, d + off, n - off < piece ? n - off : piece);
}

static void test_scp(void **state)
{
    (void)state;
    static const char stream[] = "C0755 5 bot\nhello\0"
                                 "D0755 0 sub\nT1 0 1 0\nC0644 0 empty\n\0C0600 3 k\nabc\0E\n"
                                 "C0644 2 last\nzz\0";
    for (size_t piece = 1; piece <= 64; piece = piece * 2 + 1) {
        struct seen s = {0};
        char *t = kssh_upload_scp_target("scp -r -t -- /tmp");
        assert_string_equal(t, "/tmp/");
        struct kssh_upload *u = kssh_upload_new(KSSH_UPLOAD_SCP, t, &ops, &s);
        free(t);
        scp_feed_str(u, stream, sizeof(stream) - 1, piece);
        assert_true(kssh_upload_following(u));
        assert_int_equal(s.nfiles, 4);
        assert_string_equal(s.files[0].name, "/tmp/bot");
        assert_memory_equal(s.files[0].data, "hello", 5);
        assert_string_equal(s.files[1].name, "/tmp/sub/empty");
        assert_int_equal(s.files[1].size, 0);
        assert_string_equal(s.files[2].name, "/tmp/sub/k");
        assert_memory_equal(s.files[2].data, "abc", 3);
        assert_string_equal(s.files[3].name, "/tmp/last");
        for (int i = 0; i < 4; i++)
            assert_int_equal(s.files[i].closes, 1);
        kssh_upload_free(u);
    }
    /* A single file to a name: that name. */
    struct seen s = {0};
    char *t = kssh_upload_scp_target("scp -t /root/.x");
    struct kssh_upload *u = kssh_upload_new(KSSH_UPLOAD_SCP, t, &ops, &s);
    free(t);
    scp_feed_str(u, "C0644 1 a\nq\0", 12, 100);
    assert_string_equal(s.files[0].name, "/root/.x");
    kssh_upload_free(u);
    /* What scp's own sink refuses: no longer followed. */
    memset(&s, 0, sizeof(s));
    u = kssh_upload_new(KSSH_UPLOAD_SCP, ".", &ops, &s);
    scp_feed_str(u, "C0644 1 ../x\nq\0", 15, 100);
    assert_false(kssh_upload_following(u));
    assert_int_equal(s.nfiles, 0);
    kssh_upload_free(u);
    /* A half-sent file is closed when the channel goes. */
    memset(&s, 0, sizeof(s));
    u = kssh_upload_new(KSSH_UPLOAD_SCP, ".", &ops, &s);
    scp_feed_str(u, "C0644 100 a\nqq", 14, 100);
    assert_string_equal(s.files[0].name, "./a");
    kssh_upload_free(u);
    assert_int_equal(s.files[0].closes, 1);
    assert_int_equal(s.files[0].size, 2);
}

static void test_scp_target(void **state)
{
    (void)state;
    char *t;
    assert_null(kssh_upload_scp_target("scp -f /etc/passwd"));
    assert_null(kssh_upload_scp_target("ls -t /tmp"));
    assert_null(kssh_upload_scp_target("scp /tmp"));
    t = kssh_upload_scp_target("scp -v -p -t '/tmp/a b'");
    assert_string_equal(t, "/tmp/a b");
    free(t);
    t = kssh_upload_scp_target("scp -t -- /tmp/it\\'s");
    assert_string_equal(t, "/tmp/it's");
    free(t);
    t = kssh_upload_scp_target("scp -t");
    assert_string_equal(t, ".");
    free(t);
    t = kssh_upload_scp_target("scp -d -t .");
    assert_string_equal(t, "./");
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sftp),
        cmocka_unit_test(test_sftp_caps),
        cmocka_unit_test(test_scp),
        cmocka_unit_test(test_scp_target),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
