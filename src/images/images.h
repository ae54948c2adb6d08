/* images: the honeynet images (gateway, decoy), built locally with no
 * registry. Each recipe under images/ is embedded into the binary; a build
 * debootstraps a Debian minbase per suite, imports it as
 * karakuri/base-<suite>:<hash12>, then docker-builds the image on top with
 * the label karakuri.recipe=<sha256 of the recipe and its options>. The image
 * is tagged <image>:<hash12> and <image>:latest only once its build
 * succeeded, so a failed build leaves no half-tagged image; a second build of
 * the same recipe finds the label and does nothing. */
#ifndef KARAKURI_IMAGES_IMAGES_H
#define KARAKURI_IMAGES_IMAGES_H

#include <stdbool.h>
#include <stddef.h>

struct docker;

#define IMAGES_LABEL_RECIPE "karakuri.recipe"

/* Borrowed strings; NULL means the built-in default. */
struct images_options {
    const char *mirror;        /* Debian mirror for debootstrap */
    const char *gateway_suite; /* "bullseye" */
    const char *decoy_suite;   /* "bookworm" */
    const char *gateway_image; /* "karakuri/gateway" */
    const char *decoy_image;   /* "karakuri/decoy" */
    const char *workdir;       /* scratch space for debootstrap */
    bool force;                /* rebuild even when up to date */
};

struct images_image_status {
    char tag[160];   /* "karakuri/gateway:latest" */
    char hash[65];   /* the current recipe's hash */
    bool present;    /* the tag exists in the engine */
    bool up_to_date; /* and carries the current recipe's hash */
};

#define IMAGES_MAX 2
struct images_status {
    size_t count;
    struct images_image_status images[IMAGES_MAX];
};

/* step: a short name ("debootstrap bullseye", "import", "build gateway");
 * detail: what is happening now (a byte count, "Step 3/9 : RUN …"), may be "". */
typedef void (*images_progress_fn)(const char *step, int step_no, int steps, const char *detail,
                                   void *ud);

int images_status(struct docker *d, const struct images_options *o, struct images_status *st)
    __attribute__((warn_unused_result));

/* Builds what is missing or out of date. On failure err says which step failed
 * and why. cb may be NULL. */
int images_build(struct docker *d, const struct images_options *o, images_progress_fn cb, void *ud,
                 char *err, size_t errlen) __attribute__((warn_unused_result));

#endif
