/* monitor files: the files an intruder added or changed in a container,
 * taken from outside it (Docker's diff and archive API) and stored as
 * artifacts by sha256. */
#ifndef KARAKURI_MONITOR_FILES_H
#define KARAKURI_MONITOR_FILES_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

struct docker;

struct monitor_file {
    const char *path;
    const char *kind; /* "added" or "modified" */
    char sha256[65];  /* the artifact; "" when not stored */
    unsigned long long size;
    const char *skipped; /* why it was not stored, or NULL */
};

/* Called for every added or changed regular file (and for ones skipped,
 * with the reason). Return false to stop. */
typedef bool (*monitor_file_fn)(const struct monitor_file *f, void *ud);

/* What an extraction left out, for a file.truncated event. */
struct monitor_files_result {
    unsigned long long files;   /* files given to the callback */
    unsigned long long skipped; /* diff entries never looked at (files or directories) */
    const char *truncated;      /* why some were left out, NULL when none were */
};

/* Zero in any of the newer fields means its default. */
struct monitor_files_options {
    const char *store_dir;
    size_t max_file_bytes;  /* bigger files are skipped ("too large") */
    size_t max_total_bytes; /* past this, the rest are skipped ("session cap") */
    /* Files given to the callback per call (MONITOR_FILES_MAX); directories
     * cost a request too, so entries looked at stop at twice that. */
    unsigned max_files;
    size_t max_list_bytes; /* the changes list (MONITOR_LIST_MAX_BYTES) */
    /* Past the monotonic time in it (0: none yet; read at every file, so
     * another thread may set it) the rest are only counted. NULL: none. */
    const _Atomic long long *deadline_mono_us;
    const char *deadline_why;            /* result->truncated then ("deadline") */
    struct monitor_files_result *result; /* filled in when not NULL */
};
#define MONITOR_FILES_MAX 10000u
#define MONITOR_LIST_MAX_BYTES ((size_t)256 << 20)

/* The file.changed event for f (path, change, size, honeynet, artifact or
 * why it was skipped); the caller adds what else it knows and owns it. */
json_t *monitor_file_event(const struct monitor_file *f, const char *honeynet)
    __attribute__((returns_nonnull));

/* One entry of the container's diff (GET /containers/{id}/changes: {"Path",
 * "Kind": 0 modified, 1 added, 2 deleted}): true with f set (path borrowed
 * from entry, nothing stored yet) when it is to be extracted: not deleted,
 * not ignored. Pure; fuzzed. */
bool monitor_diff_entry(const json_t *entry, struct monitor_file *f)
    __attribute__((warn_unused_result));

/* Walks a JSON array in buf element by element, each parsed on its own (a
 * list too long to hold as one json_t, or cut short, still gives what it
 * holds): fn gets each element (borrowed) and returns false to stop. "null"
 * is an empty list. Elements must be objects or arrays (a diff's are
 * objects). 0, or -EPROTO at the first malformed byte or scalar element (the
 * elements before it were given). Pure; fuzzed. */
typedef bool (*monitor_json_elem_fn)(json_t *elem, void *ud);
int monitor_diff_walk(const char *buf, size_t len, monitor_json_elem_fn fn, void *ud)
    __attribute__((warn_unused_result));

/* Walks the container's diff (streamed to a memfd, so that a long list is
 * cut at its cap, never dropped): up to max_files files. What is left out
 * is counted in o->result (else logged). Returns 0 or a negative errno
 * (Docker). */
int monitor_extract_changes(struct docker *d, const char *container,
                            const struct monitor_files_options *o, monitor_file_fn cb, void *ud)
    __attribute__((warn_unused_result));

/* Whether path is one of ours or changes by itself (never extracted):
 * matched by whole path components. Pure. */
bool monitor_path_ignored(const char *path);

/* Finds the first regular file in a tar (skipping PAX and GNU long-name
 * headers): its data and size. Pure; fuzzed. 0, or -ENOENT (not a regular
 * file) or -EPROTO (malformed). */
int monitor_tar_first_file(const unsigned char *tar, size_t len, const unsigned char **data,
                           size_t *size) __attribute__((warn_unused_result));

#endif
