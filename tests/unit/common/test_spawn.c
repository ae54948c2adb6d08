#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/spawn.h"

static void test_exit_status_and_streams(void **state)
{
    (void)state;
    int in[2], out[2];
    assert_int_equal(pipe(in), 0);
    assert_int_equal(pipe(out), 0);
    char *argv[] = {"sh", "-c", "read x; echo got $x; echo err >&2; exit 3", NULL};
    pid_t pid = 0;
    assert_int_equal(spawn_start(argv, in[0], out[1], out[1], &pid), 0);
    close(in[0]);
    close(out[1]);
    assert_int_equal(write(in[1], "hi\n", 3), 3);
    close(in[1]);
    char buf[64] = "";
    size_t n = 0;
    ssize_t r;
    while ((r = read(out[0], buf + n, sizeof(buf) - 1 - n)) > 0)
        n += (size_t)r;
    close(out[0]);
    assert_string_equal(buf, "got hi\nerr\n");
    int status = 0;
    assert_int_equal(spawn_wait(pid, &status), 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 3);
}

static void test_signal_and_missing(void **state)
{
    (void)state;
    char *argv[] = {"sh", "-c", "kill -TERM $$", NULL};
    pid_t pid = 0;
    int status = 0;
    assert_int_equal(spawn_start(argv, -1, -1, -1, &pid), 0);
    assert_int_equal(spawn_wait(pid, &status), 0);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGTERM);
    char *nope[] = {"karakuri-no-such-program", NULL};
    assert_int_equal(spawn_start(nope, -1, -1, -1, &pid), -ENOENT);
    assert_int_equal(spawn_wait(pid, &status), -ECHILD); /* already reaped */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exit_status_and_streams),
        cmocka_unit_test(test_signal_and_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
