#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event/event.h"
#include "store/backend.h"
#include "store/store.h"
#include "tmpdir.h"

static const struct store_backend *be = &store_backend_sqlite;

static struct event_record *rec(enum event_type t, const char *session, const char *src_ip)
{
    json_t *ev = event_new(t);
    if (session)
        json_object_set_new(ev, "session", json_string(session));
    if (src_ip)
        json_object_set_new(ev, "src_ip", json_string(src_ip));
    struct event_record *r = NULL;
    assert_int_equal(event_encode(ev, "unit", 1795999323123456LL, &r), 0);
    json_decref(ev);
    return r;
}

static void *open_be(const char *dir)
{
    struct store_options o = {.dir = dir};
    void *ctx = NULL;
    char err[256] = "";
    if (be->open(&o, &ctx, err, sizeof(err)) < 0)
        fail_msg("open: %s", err);
    return ctx;
}

static int append(void *ctx, struct event_record *r, long long *id, char *err, size_t errlen)
{
    struct event_record *one[1] = {r};
    return be->append_batch(ctx, one, 1, id, err, errlen);
}

/* One value of a query on its own connection, as text (static buffer). */
static const char *sql1(const char *dir, const char *sql)
{
    static char out[512];
    char path[512];
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    snprintf(path, sizeof(path), "%s/%s", dir, STORE_DB_NAME);
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    out[0] = '\0';
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(out, sizeof(out), "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

static void test_schema_and_modes(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    char sub[512];
    snprintf(sub, sizeof(sub), "%s/var/state", dir); /* made with its parents */
    void *ctx = open_be(sub);
    assert_string_equal(sql1(sub, "PRAGMA journal_mode"), "wal");
    assert_string_equal(sql1(sub, "PRAGMA user_version"), "1");
    assert_string_equal(sql1(sub,
                             "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master"
                             " WHERE type = 'index' AND tbl_name = 'events' ORDER BY name)"),
                        "events_session,events_ts,events_type");
    assert_string_equal(
        sql1(sub, "SELECT group_concat(name, ',') FROM pragma_table_info('events')"),
        "id,ts,type,sensor,session,honeynet,src_ip,data");
    be->close(ctx);
    tmpdir_free(dir);
}

static void test_append_columns_and_ids(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    void *ctx = open_be(dir);
    char err[256];
    long long id = 0;
    struct event_record *r[3] = {
        rec(EVENT_LOGIN_FAILED, "s1", "192.0.2.1"),
        rec(EVENT_SENSOR_START, NULL, NULL),
        rec(EVENT_COMMAND_INPUT, "s1", NULL),
    };

    assert_int_equal(be->append_batch(ctx, r, 3, &id, err, sizeof(err)), 0);
    assert_int_equal(id, 3);
    assert_string_equal(sql1(dir, "SELECT count(*) FROM events"), "3");
    assert_string_equal(sql1(dir, "SELECT type || '|' || session || '|' || src_ip || '|' || sensor"
                                  " || '|' || ts FROM events WHERE id = 1"),
                        "login.failed|s1|192.0.2.1|unit|2026-11-30T00:42:03.123456Z");
    assert_string_equal(sql1(dir, "SELECT session IS NULL AND honeynet IS NULL FROM events"
                                  " WHERE id = 2"),
                        "1");
    char *line = strndup(r[2]->line, r[2]->len);
    assert_string_equal(sql1(dir, "SELECT data FROM events WHERE id = 3"), line);
    free(line);
    be->close(ctx);

    /* Reopened: the ids go on. */
    ctx = open_be(dir);
    assert_int_equal(append(ctx, r[0], &id, err, sizeof(err)), 0);
    assert_int_equal(id, 4);
    be->close(ctx);
    for (int i = 0; i < 3; i++)
        event_record_free(r[i]);
    tmpdir_free(dir);
}

static void test_newer_schema_refused(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    char path[512], err[256] = "";
    void *ctx = NULL;
    sqlite3 *db;
    snprintf(path, sizeof(path), "%s/%s", dir, STORE_DB_NAME);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    struct store_options o = {.dir = dir};
    assert_int_equal(be->open(&o, &ctx, err, sizeof(err)), -ENOTSUP);
    assert_non_null(strstr(err, "schema version 99"));
    tmpdir_free(dir);
}

static void test_not_a_database(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    char err[256] = "";
    void *ctx = NULL;
    FILE *f = fopen(tmpdir_path(dir, STORE_DB_NAME), "w");
    for (int i = 0; i < 100; i++)
        fputs("this is not an SQLite database at all. ", f);
    fclose(f);
    struct store_options o = {.dir = dir};
    assert_true(be->open(&o, &ctx, err, sizeof(err)) < 0);
    assert_non_null(strstr(err, "not a database"));
    tmpdir_free(dir);
}

static void test_deleted_database_is_recreated(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    void *ctx = open_be(dir);
    char err[256], path[512];
    long long id = 0;
    struct event_record *r = rec(EVENT_SENSOR_START, NULL, NULL);

    snprintf(path, sizeof(path), "%s/%s", dir, STORE_DB_NAME);
    for (int i = 0; i < 5; i++)
        assert_int_equal(append(ctx, r, &id, err, sizeof(err)), 0);
    assert_int_equal(unlink(path), 0);
    /* Writes do not vanish into the unlinked file: a new database is made. */
    assert_int_equal(append(ctx, r, &id, err, sizeof(err)), 0);
    assert_int_equal(id, 1);
    assert_string_equal(sql1(dir, "SELECT count(*) FROM events"), "1");
    assert_string_equal(sql1(dir, "PRAGMA integrity_check"), "ok");
    be->close(ctx);
    event_record_free(r);
    tmpdir_free(dir);
}

static void test_orphan_wal_moved_aside(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    char wal[512];
    snprintf(wal, sizeof(wal), "%s/%s-wal", dir, STORE_DB_NAME);
    FILE *f = fopen(wal, "w");
    fputs("frames of a database that is gone", f);
    fclose(f);
    void *ctx = open_be(dir);
    char err[256];
    long long id = 0;
    struct event_record *r = rec(EVENT_SENSOR_START, NULL, NULL);
    assert_int_equal(append(ctx, r, &id, err, sizeof(err)), 0);
    assert_int_equal(id, 1);
    be->close(ctx);
    assert_string_equal(sql1(dir, "PRAGMA integrity_check"), "ok");
    DIR *d = opendir(dir);
    struct dirent *e;
    int orphans = 0;
    while ((e = readdir(d)) != NULL)
        orphans += strstr(e->d_name, "-wal.orphan-") != NULL;
    closedir(d);
    assert_int_equal(orphans, 1);
    event_record_free(r);
    tmpdir_free(dir);
}

static void test_unwritable_path_fails_then_recovers(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    void *ctx = open_be(dir);
    char err[256] = "", path[512];
    long long id = 0;
    struct event_record *r = rec(EVENT_SENSOR_START, NULL, NULL);

    snprintf(path, sizeof(path), "%s/%s", dir, STORE_DB_NAME);
    assert_int_equal(append(ctx, r, &id, err, sizeof(err)), 0);
    /* The database is replaced by a directory: nothing can be opened there. */
    char aside[520];
    snprintf(aside, sizeof(aside), "%s.old", path);
    assert_int_equal(rename(path, aside), 0);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_true(append(ctx, r, &id, err, sizeof(err)) < 0);
    assert_non_null(strstr(err, path));
    assert_true(append(ctx, r, &id, err, sizeof(err)) < 0); /* still */
    assert_int_equal(rmdir(path), 0);
    assert_int_equal(append(ctx, r, &id, err, sizeof(err)), 0);
    assert_int_equal(id, 1);
    be->close(ctx);
    event_record_free(r);
    tmpdir_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_and_modes),
        cmocka_unit_test(test_append_columns_and_ids),
        cmocka_unit_test(test_newer_schema_refused),
        cmocka_unit_test(test_not_a_database),
        cmocka_unit_test(test_deleted_database_is_recreated),
        cmocka_unit_test(test_orphan_wal_moved_aside),
        cmocka_unit_test(test_unwritable_path_fails_then_recovers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
