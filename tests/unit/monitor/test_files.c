/* Unit tests for monitor_tar_first_file: plain, PAX-prefixed, directory,
 * truncated and lying archives. */
#include "common/tar.h"
#include "monitor/files.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <string.h>

static void test_plain(void **state)
{
    struct buf b;
    const unsigned char *data;
    size_t size;
    (void)state;
    buf_init(&b, 1 << 20);
    assert_int_equal(tar_append(&b, "evil.sh", "#!/bin/sh\nrm -rf /\n", 19, 0755), 0);
    assert_int_equal(tar_finish(&b), 0);
    assert_int_equal(monitor_tar_first_file((unsigned char *)b.data, b.len, &data, &size), 0);
    assert_int_equal(size, 19);
    assert_memory_equal(data, "#!/bin/sh\nrm -rf /\n", 19);
    /* a PAX header before it */
    struct buf p;
    buf_init(&p, 1 << 20);
    assert_int_equal(tar_append(&p, "PaxHeader", "30 path=a/very/long/name/here\n", 30, 0644), 0);
    p.data[156] = 'x';
    memset(p.data + 148, ' ', 8);
    assert_int_equal(buf_append(&p, b.data, b.len), 0);
    assert_int_equal(monitor_tar_first_file((unsigned char *)p.data, p.len, &data, &size), 0);
    assert_int_equal(size, 19);
    buf_free(&p);
    /* truncated, lying about its size, a directory */
    assert_int_equal(monitor_tar_first_file((unsigned char *)b.data, 600, &data, &size), 0);
    assert_int_equal(monitor_tar_first_file((unsigned char *)b.data, 100, &data, &size), -EPROTO);
    memcpy(b.data + 124, "77777777777", 11);
    assert_int_equal(monitor_tar_first_file((unsigned char *)b.data, b.len, &data, &size), -EPROTO);
    memcpy(b.data + 124, "00000000000", 11);
    b.data[156] = '5';
    assert_int_equal(monitor_tar_first_file((unsigned char *)b.data, b.len, &data, &size), -ENOENT);
    buf_free(&b);
}

static void test_ignored(void **state)
{
    (void)state;
    assert_true(monitor_path_ignored("/proc"));
    assert_true(monitor_path_ignored("/proc/1/status"));
    assert_true(monitor_path_ignored("/tmp/.X11-unix"));
    assert_true(monitor_path_ignored("/tmp/.X11-unix/X0"));
    assert_true(monitor_path_ignored("/etc/ssh/ssh_host_ed25519_key"));
    assert_true(monitor_path_ignored("/etc/ssh/ssh_host_rsa_key.pub"));
    /* a name that merely starts like an ignored one is the intruder's */
    assert_false(monitor_path_ignored("/tmp/.X11-unix2"));
    assert_false(monitor_path_ignored("/tmp/.X11-unix2/payload"));
    assert_false(monitor_path_ignored("/procfs/x"));
    assert_false(monitor_path_ignored("/devil"));
    assert_false(monitor_path_ignored("/run2/miner"));
    assert_false(monitor_path_ignored("/var/log/wtmp.bak"));
    assert_false(monitor_path_ignored("/etc/ssh/ssh_host_x/payload"));
    assert_false(monitor_path_ignored("/etc/ssh/sshd_config"));
    assert_false(monitor_path_ignored("/tmp/payload"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_plain),
                                       cmocka_unit_test(test_ignored)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
