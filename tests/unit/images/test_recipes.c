/* Unit tests for src/images/recipes.c: the embedded recipe, its hashes, the
 * build-context tar (read back with tar(1)) and debootstrap's progress. */
#include "images/recipes.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_embedded(void **state)
{
    (void)state;
    assert_true(images_files_count >= 4);
    const struct images_file *df = images_file_find("server/Dockerfile");
    assert_non_null(df);
    assert_non_null(strstr((const char *)df->data, "FROM ${BASE}"));
    assert_null(images_file_find("server/nope"));
    for (size_t i = 1; i < images_files_count; i++)
        assert_true(strcmp(images_files[i - 1].path, images_files[i].path) < 0);
}

static void test_packages(void **state)
{
    (void)state;
    char *p = images_package_list();
    assert_non_null(strstr(p, "openssh-server"));
    assert_null(strchr(p, '#'));
    assert_null(strchr(p, '\n'));
    assert_null(strstr(p, ",,"));
    assert_true(p[0] != ',' && p[strlen(p) - 1] != ',');
    free(p);
}

static void test_hashes(void **state)
{
    char a[65], b[65], c[65], r1[65], r2[65], r3[65];
    (void)state;
    images_base_hash("bullseye", "http://deb.debian.org/debian", a);
    images_base_hash("bullseye", "http://deb.debian.org/debian", b);
    assert_string_equal(a, b);
    assert_int_equal(strlen(a), 64);
    images_base_hash("bookworm", "http://deb.debian.org/debian", c);
    assert_string_not_equal(a, c);
    images_base_hash("bullseye", "http://127.0.0.1/debian", c);
    assert_string_not_equal(a, c);
    images_recipe_hash(a, "server", r1);
    images_recipe_hash(a, "server", r2);
    assert_string_equal(r1, r2);
    images_recipe_hash(c, "server", r3);
    assert_string_not_equal(r1, r3);
    images_recipe_hash(a, "nothing", r3);
    assert_string_not_equal(r1, r3);
}

/* Runs tar -tvf path (tar(1) is the reference reader) into out. */
static void tar_list(const char *path, char *out, size_t cap)
{
    char lpath[] = "/tmp/kk-ctx-list-XXXXXX";
    int lfd = mkstemp(lpath);
    assert_true(lfd >= 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(lfd, 1);
        execlp("tar", "tar", "-tvf", path, (char *)NULL);
        _exit(127);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ssize_t n = pread(lfd, out, cap - 1, 0);
    assert_true(n > 0);
    out[n] = '\0';
    close(lfd);
    unlink(lpath);
}

/* The context tar lists exactly the recipe's files, per tar(1). */
static void test_context_tar(void **state)
{
    struct buf b;
    char path[] = "/tmp/kk-ctx-XXXXXX";
    (void)state;
    buf_init(&b, 1 << 20);
    assert_int_equal(images_context_tar("server", &b), 0);
    assert_int_equal(b.len % 512, 0);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, b.data, b.len), (ssize_t)b.len);
    close(fd);
    char listing[4096];
    tar_list(path, listing, sizeof(listing));
    assert_non_null(strstr(listing, " Dockerfile\n"));
    assert_non_null(strstr(listing, "-rwxr-xr-x root/root"));
    assert_non_null(strstr(listing, " entrypoint.sh\n"));
    unlink(path);

    struct buf again;
    buf_init(&again, 1 << 20);
    assert_int_equal(images_context_tar("server", &again), 0);
    assert_int_equal(again.len, b.len);
    assert_memory_equal(again.data, b.data, b.len);
    struct buf tiny;
    buf_init(&tiny, 100);
    assert_int_equal(images_context_tar("server", &tiny), -ENOBUFS);
    buf_free(&tiny);
    buf_free(&again);
    buf_free(&b);
}

static void test_bootstrap_progress(void **state)
{
    struct images_bootstrap_progress p = {0};
    (void)state;
    images_bootstrap_line(&p, "I: Retrieving InRelease ");
    images_bootstrap_line(&p, "I: Retrieving libc6 2.31-13");
    assert_int_equal(p.retrieved, 1);
    assert_non_null(strstr(p.phase, "1 packages retrieved (libc6"));
    images_bootstrap_line(&p, "I: Unpacking bash...");
    images_bootstrap_line(&p, "I: Configuring bash...");
    assert_int_equal(p.unpacked, 1);
    assert_int_equal(p.configured, 1);
    images_bootstrap_line(&p, "I: Base system installed successfully.");
    assert_string_equal(p.phase, "Base system installed successfully.");
    images_bootstrap_line(&p, "W: something odd");
    assert_string_equal(p.phase, "Base system installed successfully.");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_embedded),
        cmocka_unit_test(test_packages),
        cmocka_unit_test(test_hashes),
        cmocka_unit_test(test_context_tar),
        cmocka_unit_test(test_bootstrap_progress),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
