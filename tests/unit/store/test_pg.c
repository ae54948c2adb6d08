/* pg.c without a server (the e2e test_store_pg has one): urls that do not
 * parse, a server that is not there, readers and the check through the
 * back-end table, store_migrate without a url. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "store/backend.h"
#include "store/pg_int.h"
#include "store/store.h"

/* Nothing listens on port 1 of the loopback: refused at once. */
#define NOBODY "postgresql://karakuri@127.0.0.1:1/karakuri?connect_timeout=2"

static void test_url_check(void **state)
{
    char err[256];
    (void)state;
    assert_int_equal(store_pg_url_check(NOBODY, err, sizeof(err)), 0);
    assert_int_equal(store_pg_url_check("host=127.0.0.1 port=5432", err, sizeof(err)), 0);
    assert_int_equal(store_pg_url_check("postgresql://x@h/d?bogus=1", err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "does not parse"));
    assert_null(strchr(err, '\n')); /* one line for the log and the CLI */
}

static void test_connect_refused(void **state)
{
    char err[256] = "";
    PGconn *c = NULL;
    (void)state;
    assert_int_equal(store_pg_connect(NOBODY, &c, err, sizeof(err)), -ECONNREFUSED);
    assert_null(c);
    assert_non_null(strstr(err, "postgresql: connecting"));
    assert_null(strchr(err, '\n'));
}

static void test_readers_select_by_url(void **state)
{
    struct store_options local = {.dir = "/nonexistent"}, pg = {.dir = "/x", .url = NOBODY};
    struct store_options empty = {.dir = "/x", .url = ""};
    char err[256];
    struct store_reader *r = NULL;
    (void)state;
    assert_ptr_equal(store_reading_backend(&local), &store_backend_sqlite);
    assert_ptr_equal(store_reading_backend(&empty), &store_backend_sqlite);
    assert_ptr_equal(store_reading_backend(&pg), &store_backend_pg);
    assert_int_equal(store_reader_open(&pg, &r, err, sizeof(err)), -ECONNREFUSED);
    assert_null(r);
    assert_true(store_remote_check(&pg, err, sizeof(err)) < 0);
    assert_non_null(strstr(err, "127.0.0.1"));
    assert_int_equal(store_remote_check(&local, err, sizeof(err)), 1);
}

static void test_migrate_needs_url(void **state)
{
    struct store_options o = {.dir = "/x"};
    char err[256];
    int from = -1, to = -1;
    (void)state;
    assert_int_equal(store_migrate(&o, &from, &to, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "no [store] url"));
    o.url = NOBODY;
    assert_int_equal(store_migrate(&o, &from, &to, err, sizeof(err)), -ECONNREFUSED);
}

static void test_ship_bounds(void **state)
{
    char err[64];
    struct store_pg_row row = {0};
    (void)state;
    /* Checked before the connection is touched. */
    assert_int_equal(store_pg_ship(NULL, "s", &row, 0, err, sizeof(err)), 0);
    assert_int_equal(store_pg_ship(NULL, "s", &row, STORE_PG_SHIP_MAX + 1, err, sizeof(err)),
                     -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_check),
        cmocka_unit_test(test_connect_refused),
        cmocka_unit_test(test_readers_select_by_url),
        cmocka_unit_test(test_migrate_needs_url),
        cmocka_unit_test(test_ship_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
