/* images recipes: the files under images/ embedded at build time
 * (images/embed.py), and the pure parts of the builder: recipe hashes, the
 * build context as a tar, debootstrap's progress. */
#ifndef KARAKURI_IMAGES_RECIPES_H
#define KARAKURI_IMAGES_RECIPES_H

#include "common/buf.h"

#include <stddef.h>

struct images_file {
    const char *path;          /* relative to images/, e.g. "server/Dockerfile" */
    const unsigned char *data; /* followed by a NUL not counted in size */
    size_t size;
};

extern const struct images_file images_files[];
extern const size_t images_files_count;

/* The embedded file at path, or NULL. */
const struct images_file *images_file_find(const char *path);

/* The debootstrap --include list from images/packages ("a,b,c"); caller frees. */
char *images_package_list(void);

/* sha256 (hex) of a base: suite, mirror and the package list. */
void images_base_hash(const char *suite, const char *mirror, char out[65]);
/* sha256 (hex) of an image: its base's hash and every file of the recipe
 * directory dir ("server"). */
void images_recipe_hash(const char *base_hash, const char *dir, char out[65]);

/* Appends to out a tar (ustar) of every embedded file under dir/, named
 * relative to it, with fixed owners and times so that equal recipes make equal
 * contexts. Returns 0 or -ENOBUFS. */
int images_context_tar(const char *dir, struct buf *out) __attribute__((warn_unused_result));

/* What a line of debootstrap's output says about its progress: counts the
 * packages retrieved, unpacked and configured, and describes the phase. */
struct images_bootstrap_progress {
    unsigned retrieved, unpacked, configured;
    char phase[128];
};
void images_bootstrap_line(struct images_bootstrap_progress *p, const char *line);

#endif
