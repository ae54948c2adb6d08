/* config_int: what the parts of the config module share (not for other
 * modules): a key's row, the value types every row picks from (types.c),
 * and the key table's lookups (keys.c) that the parser (parse.c) uses. */
#ifndef KARAKURI_CONFIG_CONFIG_INT_H
#define KARAKURI_CONFIG_CONFIG_INT_H

#include "config/config.h"

#include <stdbool.h>
#include <stddef.h>

struct key;
typedef int (*key_set_fn)(struct config *c, const struct key *k, const char *v, char *why,
                          size_t whylen);
typedef void (*key_get_fn)(const struct config *c, const struct key *k, char *out, size_t n);

/* One key: its section, name, default (as text, parsed by the same setter as
 * a file's value, so defaults are validated like input), documentation, and
 * a setter/getter pair over the struct config member at off. */
struct key {
    const char *section;
    const char *name;
    const char *def;
    const char *doc;
    key_set_fn set;
    key_get_fn get;
    size_t off;
    long long min, max;
};

#define FIELD(c, k, type) ((type *)(void *)((char *)(c) + (k)->off))
#define CFIELD(c, k, type) ((const type *)(const void *)((const char *)(c) + (k)->off))

/* ---- value types (types.c): each sets the member at k->off from text, with
 * why saying what is wrong on -EINVAL / -ERANGE; each get writes it back as
 * text that sets the same value ---- */
int config_set_string(struct config *c, const struct key *k, const char *v, char *why, size_t n);
void config_get_string(const struct config *c, const struct key *k, char *out, size_t n);
int config_set_name(struct config *c, const struct key *k, const char *v, char *why, size_t n);
int config_set_url(struct config *c, const struct key *k, const char *v, char *why, size_t n);
int config_set_nonempty(struct config *c, const struct key *k, const char *v, char *why, size_t n);
int config_set_uint(struct config *c, const struct key *k, const char *v, char *why, size_t n);
void config_get_uint(const struct config *c, const struct key *k, char *out, size_t n);
int config_set_bool(struct config *c, const struct key *k, const char *v, char *why, size_t n);
void config_get_bool(const struct config *c, const struct key *k, char *out, size_t n);
int config_set_duration(struct config *c, const struct key *k, const char *v, char *why, size_t n);
void config_get_duration(const struct config *c, const struct key *k, char *out, size_t n);
int config_set_size(struct config *c, const struct key *k, const char *v, char *why, size_t n);
void config_get_size(const struct config *c, const struct key *k, char *out, size_t n);
int config_set_cpus(struct config *c, const struct key *k, const char *v, char *why, size_t n);
void config_get_cpus(const struct config *c, const struct key *k, char *out, size_t n);

/* ---- the key table (keys.c) ---- */
size_t config_key_count(void);
const struct key *config_key_at(size_t i);
/* NULL when there is no such key. */
const struct key *config_key_find(const char *section, const char *name);
bool config_section_known(const char *section);

#endif
