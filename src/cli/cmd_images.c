/* karakuri images build|status: the honeynet images, built locally from the
 * recipes embedded in the binary (src/images/). */
#include "cli/cli.h"
#include "config/config.h"
#include "docker/docker.h"
#include "images/images.h"

#include <stdio.h>
#include <string.h>

static const char help[] =
    "usage: karakuri [-c FILE] images build [--force]\n"
    "       karakuri [-c FILE] images status\n"
    "\n"
    "build   debootstraps the Debian bases, imports them into the Docker engine and\n"
    "        builds the gateway and decoy images on top; no registry is needed.\n"
    "        Cached by a hash of the recipe: a second build is a no-op.\n"
    "        --force rebuilds even when the images are up to date.\n"
    "status  says whether each image is present and built from the current recipe.\n";

static void progress(const char *step, int step_no, int steps, const char *detail, void *ud)
{
    (void)ud;
    fprintf(stderr, "[%d/%d] %s%s%s\n", step_no, steps, step, detail && *detail ? ": " : "",
            detail ? detail : "");
}

void cli_images_options(const struct config *cfg, struct images_options *o, char **workdir_owned)
{
    memset(o, 0, sizeof(*o));
    o->mirror = cfg->images.mirror;
    o->gateway_suite = cfg->images.gateway_suite;
    o->decoy_suite = cfg->images.decoy_suite;
    o->gateway_image = cfg->images.gateway_image;
    o->decoy_image = cfg->images.decoy_image;
    *workdir_owned = NULL;
    if (cfg->images.workdir && *cfg->images.workdir) {
        o->workdir = cfg->images.workdir;
    } else {
        *workdir_owned = cli_path_join(cfg->store.dir, "images");
        o->workdir = *workdir_owned;
    }
}

static int images_status_print(struct docker *d, const struct images_options *o)
{
    struct images_status st;
    int rc = images_status(d, o, &st);
    if (rc < 0) {
        fprintf(stderr, "karakuri images status: %s\n", docker_last_error(d));
        return 1;
    }
    int ok = 1;
    for (size_t i = 0; i < st.count; i++) {
        const struct images_image_status *s = &st.images[i];
        printf("%-24s %s\n", s->tag,
               !s->present     ? "missing"
               : s->up_to_date ? "up to date"
                               : "out of date");
        ok &= s->present && s->up_to_date;
    }
    return ok ? 0 : 1;
}

int cli_images(const struct config *cfg, int argc, char **argv)
{
    struct images_options o;
    struct docker *d = NULL;
    char *workdir = NULL;
    char err[1024] = "";
    int status = 1;

    if (cli_wants_help(argc, argv, help))
        return 0;
    if (argc < 2 || (strcmp(argv[1], "build") != 0 && strcmp(argv[1], "status") != 0)) {
        fputs(help, stderr);
        return 2;
    }
    cli_images_options(cfg, &o, &workdir);
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[1], "build") == 0 && strcmp(argv[i], "--force") == 0) {
            o.force = true;
        } else {
            fprintf(stderr, "karakuri images: unexpected argument '%s'\n", argv[i]);
            status = 2;
            goto out;
        }
    }
    int rc = docker_open(cfg->docker.host, &d, err, sizeof(err));
    if (rc < 0) {
        fprintf(stderr, "karakuri images: %s\n", err);
        goto out;
    }
    if (strcmp(argv[1], "status") == 0) {
        status = images_status_print(d, &o);
        goto out;
    }
    if (images_build(d, &o, progress, NULL, err, sizeof(err)) < 0) {
        fprintf(stderr, "karakuri images build: failed: %s\n", err);
        goto out;
    }
    status = 0;
out:
    if (d)
        docker_close(d);
    free(workdir);
    return status;
}
