/* sqlite_int: what sqlite.c (the write side) and sqlite_read.c (readers and
 * the check) share. Internal to the store. */
#ifndef KARAKURI_STORE_SQLITE_INT_H
#define KARAKURI_STORE_SQLITE_INT_H

#include "store/store.h"

#include <sqlite3.h>
#include <stddef.h>

/* The schema version this code writes and reads (PRAGMA user_version). */
#define STORE_SQLITE_SCHEMA_VERSION 1
#define STORE_SQLITE_BUSY_TIMEOUT_MS 5000

/* Formats "path: what: SQLite's message (system error)" into err and returns
 * the negative errno closest to src (SQLITE_FULL → -ENOSPC, ...). db may be
 * NULL. */
int store_sqlite_fail(const char *path, sqlite3 *db, int src, const char *what, char *err,
                      size_t errlen);
/* Runs a one-row integer PRAGMA; returns an SQLite result code. */
int store_sqlite_pragma_int(sqlite3 *db, const char *sql, int *out);

int store_sqlite_reader_open(const struct store_options *o, void **rctx, char *err, size_t errlen);
int store_sqlite_reader_query(void *rctx, const struct store_event_filter *f, store_event_cb cb,
                              void *ud, char *err, size_t errlen);
void store_sqlite_reader_close(void *rctx);
int store_sqlite_check(const struct store_options *o, char *err, size_t errlen);

#endif
