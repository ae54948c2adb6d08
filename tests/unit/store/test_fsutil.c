#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/fsutil.h"
#include "tmpdir.h"

static void test_mkdir_p(void **state)
{
    (void)state;
    char *d = tmpdir_new();
    char path[512];
    struct stat sb;

    snprintf(path, sizeof(path), "%s/a/b/c", d);
    assert_int_equal(store_mkdir_p(path, 0750), 0);
    assert_int_equal(stat(path, &sb), 0);
    assert_true(S_ISDIR(sb.st_mode));
    assert_int_equal(store_mkdir_p(path, 0750), 0); /* exists: fine */
    snprintf(path, sizeof(path), "%s/a/b/c/", d);
    assert_int_equal(store_mkdir_p(path, 0750), 0); /* trailing slash */

    /* A file in the way. */
    snprintf(path, sizeof(path), "%s/file", d);
    int fd = open(path, O_CREAT | O_WRONLY, 0600);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(store_mkdir_p(path, 0750), -ENOTDIR);
    snprintf(path, sizeof(path), "%s/file/sub", d);
    assert_int_equal(store_mkdir_p(path, 0750), -ENOTDIR);
    assert_int_equal(store_mkdir_p("", 0750), -EINVAL);
    assert_int_equal(store_mkdir_p(NULL, 0750), -EINVAL);
    tmpdir_free(d);
}

static void test_write_all_and_fsync_dir(void **state)
{
    (void)state;
    char *d = tmpdir_new();
    char buf[16];
    const char *path = tmpdir_path(d, "f");
    int fd = open(path, O_CREAT | O_RDWR, 0600);
    assert_true(fd >= 0);
    assert_int_equal(store_write_all(fd, "hello", 5), 0);
    assert_int_equal(pread(fd, buf, sizeof(buf), 0), 5);
    assert_memory_equal(buf, "hello", 5);
    close(fd);
    assert_int_equal(store_write_all(fd, "x", 1), -EBADF);
    assert_int_equal(store_fsync_dir(d), 0);
    assert_int_equal(store_fsync_dir(tmpdir_path(d, "missing")), -ENOENT);
    tmpdir_free(d);
}

static void test_err_errno(void **state)
{
    (void)state;
    char err[64];
    assert_int_equal(store_err_errno(err, sizeof(err), -ENOSPC, "/var/x"), -ENOSPC);
    assert_string_equal(err, "/var/x: No space left on device");
    assert_int_equal(store_err_errno(NULL, 0, -EIO, "x"), -EIO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mkdir_p),
        cmocka_unit_test(test_write_all_and_fsync_dir),
        cmocka_unit_test(test_err_errno),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
