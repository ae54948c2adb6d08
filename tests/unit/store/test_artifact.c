#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"
#include "tmpdir.h"

#define ABC_SHA256 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static int files_in(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.' || strncmp(e->d_name, ".tmp", 4) == 0;
    closedir(d);
    return n;
}

static void test_put_known_vector_and_idempotent(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    char hex[65] = "";
    struct stat a, b;

    assert_int_equal(store_artifact_put(dir, "abc", 3, hex), 0);
    assert_string_equal(hex, ABC_SHA256);
    char *path = store_artifact_path(dir, hex);
    assert_int_equal(stat(path, &a), 0);
    assert_int_equal(a.st_size, 3);
    FILE *f = fopen(path, "r");
    char buf[8] = "";
    assert_int_equal(fread(buf, 1, sizeof(buf), f), 3);
    fclose(f);
    assert_memory_equal(buf, "abc", 3);
    /* Again: nothing is written, the same file stays. */
    assert_int_equal(store_artifact_put(dir, "abc", 3, hex), 0);
    assert_int_equal(stat(path, &b), 0);
    assert_true(a.st_ino == b.st_ino);
    assert_true(a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec);
    assert_int_equal(store_artifact_put(dir, "", 0, hex), 0);
    assert_string_equal(hex, EMPTY_SHA256);
    assert_int_equal(files_in(tmpdir_path(dir, STORE_ARTIFACTS_DIR)), 2); /* no temp files */
    free(path);
    tmpdir_free(dir);
}

static void test_put_fd_and_file_stream(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    char hex_mem[65], hex_fd[65], hex_file[65];
    unsigned long long size = 0;
    size_t n = 300 * 1000 + 7; /* several chunks */
    unsigned char *data = malloc(n);
    for (size_t i = 0; i < n; i++)
        data[i] = (unsigned char)(i * 31 + i / 7);

    char src[512];
    snprintf(src, sizeof(src), "%s/src.bin", dir);
    FILE *f = fopen(src, "w");
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);

    assert_int_equal(store_artifact_put(dir, data, n, hex_mem), 0);
    int fd = open(src, O_RDONLY);
    assert_int_equal(store_artifact_put_fd(dir, fd, hex_fd, &size), 0);
    close(fd);
    assert_string_equal(hex_fd, hex_mem);
    assert_true(size == n);
    size = 0;
    assert_int_equal(store_artifact_put_file(dir, src, hex_file, &size), 0);
    assert_string_equal(hex_file, hex_mem);
    assert_true(size == n);
    assert_int_equal(files_in(tmpdir_path(dir, STORE_ARTIFACTS_DIR)), 1);
    free(data);
    tmpdir_free(dir);
}

static void test_put_errors(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    char hex[65] = "untouched";
    char bad[512];

    /* artifacts/ cannot be made: a file is in the way. */
    snprintf(bad, sizeof(bad), "%s/%s", dir, STORE_ARTIFACTS_DIR);
    FILE *f = fopen(bad, "w");
    fclose(f);
    assert_int_equal(store_artifact_put(dir, "abc", 3, hex), -ENOTDIR);
    assert_string_equal(hex, "untouched");
    assert_int_equal(store_artifact_put_file(dir, "/nonexistent/x", hex, NULL), -ENOENT);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(store_artifact_put_fd(dir, fds[0], hex, NULL), -ENOTDIR);
    close(fds[0]);
    close(fds[1]);
    assert_int_equal(store_artifact_put(NULL, "abc", 3, hex), -EINVAL);
    assert_int_equal(store_artifact_put_fd(dir, -1, hex, NULL), -EINVAL);
    tmpdir_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_known_vector_and_idempotent),
        cmocka_unit_test(test_put_fd_and_file_stream),
        cmocka_unit_test(test_put_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
