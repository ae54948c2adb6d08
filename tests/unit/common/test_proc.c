/* Unit tests for proc_ref: a process of the caller's own pid namespace (the
 * host's, here) or outside the named cgroup is refused, as is one that has
 * ended; a closed ref holds nothing. */
#include "common/proc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_refused(void **state)
{
    struct proc_ref p = PROC_REF_NONE;
    (void)state;
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        pause();
        _exit(0);
    }
    /* Ours: the host's pid namespace, whatever the cgroup says. */
    assert_int_equal(proc_ref_open(child, "0123456789abcdef0123456789abcdef", &p), -ESRCH);
    assert_int_equal(proc_ref_open(getpid(), "", &p), -ESRCH);
    assert_int_equal(proc_ref_open(1, "0123456789abcdef", &p), -ESRCH);
    assert_int_equal(p.pidfd, -1);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    /* Ended and reaped: nothing to open. */
    assert_int_equal(proc_ref_open(child, "0123456789abcdef", &p), -ESRCH);
    assert_false(proc_ref_alive(&p, "0123456789abcdef"));
    proc_ref_close(&p);
    assert_int_equal(p.dirfd, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_refused)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
