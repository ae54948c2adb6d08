/* pg_int: what pg.c (connection, schema, shipping, readers) and forward.c
 * (the thread that ships the local spool) share. Internal to the store. */
#ifndef KARAKURI_STORE_PG_INT_H
#define KARAKURI_STORE_PG_INT_H

#include "store/store.h"

#include <libpq-fe.h>
#include <stddef.h>

/* The schema version this code writes and reads (max(version) of the table
 * schema_version). */
#define STORE_PG_SCHEMA_VERSION 1
/* How long any wait on the server may last without progress; then the
 * connection is given up (the forwarder reconnects, a reader fails). */
#define STORE_PG_IO_TIMEOUT_MS 10000
/* Most rows in one INSERT (8 parameters each, libpq allows 65535). */
#define STORE_PG_SHIP_MAX 1024

/* One row of the local spool, as shipped; every pointer borrowed. */
struct store_pg_row {
    long long seq; /* the local SQLite id */
    const char *sensor, *ts, *type, *session, *honeynet, *src_ip, *data;
};

/* 0 when url parses as libpq connection parameters; -EINVAL otherwise (err
 * says why). */
int store_pg_url_check(const char *url, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* Connects to url (a libpq URI or key=value string). On success *out is the
 * caller's (PQfinish). Errors: -ECONNREFUSED (err says why), -EINVAL (url
 * does not parse). */
int store_pg_connect(const char *url, PGconn **out, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* The schema's version: 0 when there is none yet. */
int store_pg_version(PGconn *c, int *version, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* Creates or migrates the schema to STORE_PG_SCHEMA_VERSION, under a lock so
 * that sensors starting together migrate once. *from (may be NULL) gets the
 * version found. -ENOTSUP when the database is newer than this binary. */
int store_pg_migrate(PGconn *c, int *from, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* Registers sensor as instance's (32 hex digits, <dir>/sensor.id) unless the
 * name is taken; -EEXIST when it belongs to another instance (err says so). */
int store_pg_claim(PGconn *c, const char *sensor, const char *instance, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* The highest seq stored for sensor (0: none). */
int store_pg_shipped(PGconn *c, const char *sensor, long long *seq, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* Inserts n rows (n ≤ STORE_PG_SHIP_MAX) in one transaction, with sensor's
 * last_seen; rows already there (same sensor and seq) are left as they are. */
int store_pg_ship(PGconn *c, const char *sensor, const struct store_pg_row *rows, size_t n,
                  char *err, size_t errlen) __attribute__((warn_unused_result));

#endif
