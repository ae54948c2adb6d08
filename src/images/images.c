/* images: building the honeynet images (see images.h for the design).
 *
 * Per image four steps: debootstrap its suite, import the root filesystem as
 * the base, docker-build the recipe on top, tag :latest. A base is shared by
 * the images of one suite and cached by its own hash (suite, mirror,
 * packages); an image is cached by the recipe label. debootstrap and tar run
 * as child processes (common/spawn.c: no shell); the tar stream goes to the
 * engine through a relay thread that counts the bytes for the progress line. */
#include "images/images.h"

#include "common/spawn.h"
#include "common/util.h"
#include "common/xalloc.h"
#include "docker/docker.h"
#include "images/recipes.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define STEPS_PER_IMAGE 4
#define RECIPE_DIR "server"

struct opts {
    const char *mirror, *workdir;
    const char *image[IMAGES_MAX], *suite[IMAGES_MAX];
};

struct ctx {
    struct docker *d;
    struct opts o;
    bool force;
    images_progress_fn cb;
    void *ud;
    int step_no, steps;
    char step[96];
    pthread_mutex_t lock; /* progress may come from the relay thread */
    char *err;
    size_t errlen;
};

static void resolve(const struct images_options *in, struct opts *o)
{
    o->mirror = in->mirror ? in->mirror : "http://deb.debian.org/debian";
    o->workdir = in->workdir ? in->workdir : "./var/images";
    o->image[0] = in->gateway_image ? in->gateway_image : "karakuri/gateway";
    o->suite[0] = in->gateway_suite ? in->gateway_suite : "bullseye";
    o->image[1] = in->decoy_image ? in->decoy_image : "karakuri/decoy";
    o->suite[1] = in->decoy_suite ? in->decoy_suite : "bookworm";
}

static void hashes(const struct opts *o, size_t i, char base[65], char recipe[65])
{
    images_base_hash(o->suite[i], o->mirror, base);
    images_recipe_hash(base, RECIPE_DIR, recipe);
}

/* ---- status ---- */

static bool has_label(json_t *inspect, const char *hash)
{
    json_t *labels = json_object_get(json_object_get(inspect, "Config"), "Labels");
    const char *v = json_string_value(json_object_get(labels, IMAGES_LABEL_RECIPE));
    return v && strcmp(v, hash) == 0;
}

int images_status(struct docker *d, const struct images_options *in, struct images_status *st)
{
    struct opts o;
    struct images_status s = {.count = IMAGES_MAX};

    resolve(in, &o);
    for (size_t i = 0; i < IMAGES_MAX; i++) {
        struct images_image_status *is = &s.images[i];
        char base[65];
        json_t *v = NULL;
        hashes(&o, i, base, is->hash);
        snprintf(is->tag, sizeof(is->tag), "%s:latest", o.image[i]);
        int rc = docker_image_inspect(d, is->tag, &v);
        if (rc < 0 && rc != -ENOENT)
            return rc;
        is->present = rc == 0;
        is->up_to_date = rc == 0 && has_label(v, is->hash);
        json_decref(v);
    }
    *st = s;
    return 0;
}

/* ---- progress and errors ---- */

static void progress(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void progress(struct ctx *c, const char *fmt, ...)
{
    char detail[512];
    va_list ap;
    if (!c->cb)
        return;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&c->lock);
    c->cb(c->step, c->step_no, c->steps, detail, c->ud);
    pthread_mutex_unlock(&c->lock);
}

static void begin(struct ctx *c, const char *what, const char *arg)
{
    c->step_no++;
    snprintf(c->step, sizeof(c->step), "%s %s", what, arg);
}

static int fail(struct ctx *c, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(struct ctx *c, int rc, const char *fmt, ...)
{
    char why[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    snprintf(c->err, c->errlen, "step %d/%d (%s) failed: %s", c->step_no, c->steps, c->step, why);
    return rc < 0 ? rc : -EIO;
}

static void on_engine_line(const char *line, void *ud)
{
    progress(ud, "%s", line);
}

/* ---- child processes ---- */

#define TAIL_LINES 4

struct child_output {
    char tail[TAIL_LINES][256];
    unsigned n;
};

/* Runs argv to completion, its stdout and stderr read line by line (each
 * handed to on_line, the last few kept). Returns its exit status, or a
 * negative errno when it could not run. */
static int run_child(char *const argv[], void (*on_line)(const char *, void *), void *ud,
                     struct child_output *out)
{
    int pfd[2];
    pid_t pid;
    char buf[4096], line[1024];
    size_t ll = 0;

    if (pipe2(pfd, O_CLOEXEC) < 0)
        return -errno;
    int rc = spawn_start(argv, -1, pfd[1], pfd[1], &pid);
    close(pfd[1]);
    if (rc < 0) {
        close(pfd[0]);
        return rc;
    }
    for (;;) {
        ssize_t r = read(pfd[0], buf, sizeof(buf));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        for (ssize_t i = 0; i < r; i++) {
            if (buf[i] != '\n' && ll + 1 < sizeof(line)) {
                line[ll++] = buf[i];
                continue;
            }
            if (buf[i] != '\n')
                continue; /* an over-long line is cut */
            line[ll] = '\0';
            ll = 0;
            snprintf(out->tail[out->n++ % TAIL_LINES], sizeof(out->tail[0]), "%.255s", line);
            if (on_line)
                on_line(line, ud);
        }
    }
    close(pfd[0]);
    int status;
    rc = spawn_wait(pid, &status);
    if (rc < 0)
        return rc;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void tail_text(const struct child_output *out, char *s, size_t n)
{
    unsigned first = out->n > TAIL_LINES ? out->n - TAIL_LINES : 0;
    s[0] = '\0';
    for (unsigned i = first; i < out->n; i++) {
        size_t len = strlen(s);
        snprintf(s + len, n - len, "%s%s", len ? " | " : "", out->tail[i % TAIL_LINES]);
    }
}

static int remove_tree(const char *path)
{
    char *argv[] = {"rm", "-rf", "--one-file-system", (char *)path, NULL};
    struct child_output out = {0};
    return run_child(argv, NULL, NULL, &out) == 0 ? 0 : -EIO;
}

/* ---- debootstrap ---- */

struct bootstrap_state {
    struct ctx *c;
    struct images_bootstrap_progress p;
};

static void on_bootstrap_line(const char *line, void *ud)
{
    struct bootstrap_state *bs = ud;
    char before[sizeof(bs->p.phase)];
    memcpy(before, bs->p.phase, sizeof(before));
    images_bootstrap_line(&bs->p, line);
    if (strcmp(before, bs->p.phase) != 0)
        progress(bs->c, "%s", bs->p.phase);
}

static int debootstrap(struct ctx *c, const char *suite, const char *rootfs)
{
    char *pkgs = images_package_list();
    char *include = xasprintf("--include=%s", pkgs);
    char *argv[] = {"debootstrap",  "--variant=minbase", include, (char *)suite,
                    (char *)rootfs, (char *)c->o.mirror, NULL};
    struct bootstrap_state bs = {.c = c};
    struct child_output out = {0};
    char tail[1024];

    progress(c, "debootstrap --variant=minbase %s from %s", suite, c->o.mirror);
    int rc = run_child(argv, on_bootstrap_line, &bs, &out);
    free(include);
    free(pkgs);
    if (rc == 0)
        return 0;
    tail_text(&out, tail, sizeof(tail));
    if (rc < 0)
        return fail(c, rc, "cannot run debootstrap (apt-get install debootstrap)");
    return fail(c, -EIO, "debootstrap exited with status %d: %s", rc, tail);
}

/* ---- import ---- */

static unsigned long long tree_bytes;

static int add_size(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)path;
    (void)ftw;
    if (type == FTW_F)
        tree_bytes += (unsigned long long)sb->st_size;
    return 0;
}

struct relay {
    struct ctx *c;
    int in, out;
    unsigned long long total, done;
};

static void *relay_main(void *arg)
{
    struct relay *r = arg;
    pthread_setname_np(pthread_self(), "kk-img-relay");
    char buf[65536];
    unsigned long long next = 0;
    sigset_t set;

    /* A write to a pipe the engine side closed must fail, not kill us. */
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    for (;;) {
        ssize_t n = read(r->in, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(r->out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                goto out;
            off += w;
        }
        r->done += (unsigned long long)n;
        if (r->done >= next) {
            progress(r->c, "%llu MB of about %llu MB sent (%llu%%)", r->done >> 20, r->total >> 20,
                     r->total ? 100 * r->done / r->total : 0);
            next = r->done + (32ULL << 20);
        }
    }
out:
    close(r->out);
    close(r->in);
    return NULL;
}

static int spawn_tar(const char *rootfs, int out_fd, pid_t *pid)
{
    char *argv[] = {"tar", "-C", (char *)rootfs, "--numeric-owner", "-cf", "-", ".", NULL};
    return spawn_start(argv, -1, out_fd, -1, pid);
}

static int import_rootfs(struct ctx *c, const char *rootfs, const char *repo, const char *tag)
{
    int tar_pipe[2], eng_pipe[2];
    struct relay r = {.c = c};
    pthread_t th;
    pid_t pid;
    int status = 0;

    tree_bytes = 0;
    nftw(rootfs, add_size, 32, FTW_PHYS | FTW_MOUNT);
    r.total = tree_bytes;
    if (pipe2(tar_pipe, O_CLOEXEC) < 0)
        return fail(c, -errno, "cannot make a pipe");
    if (pipe2(eng_pipe, O_CLOEXEC) < 0) {
        close(tar_pipe[0]);
        close(tar_pipe[1]);
        return fail(c, -errno, "cannot make a pipe");
    }
    int rc = spawn_tar(rootfs, tar_pipe[1], &pid);
    close(tar_pipe[1]);
    if (rc < 0) {
        close(tar_pipe[0]);
        close(eng_pipe[0]);
        close(eng_pipe[1]);
        return fail(c, rc, "cannot run tar");
    }
    r.in = tar_pipe[0];
    r.out = eng_pipe[1];
    pthread_create(&th, NULL, relay_main, &r);
    rc = docker_image_import(c->d, eng_pipe[0], repo, tag, on_engine_line, c, NULL);
    close(eng_pipe[0]);
    pthread_join(th, NULL);
    int wrc = spawn_wait(pid, &status);
    if (rc < 0)
        return fail(c, rc, "%s", docker_last_error(c->d));
    if (wrc < 0)
        return fail(c, wrc, "cannot wait for tar");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return fail(c, -EIO, "tar of %s failed (status %d)", rootfs, status);
    progress(c, "imported %s:%s (%llu MB)", repo, tag, r.done >> 20);
    return 0;
}

/* ---- the steps ---- */

/* The debootstrap and import steps: karakuri/base-<suite>:<hash12>, made
 * unless it exists. The root filesystem is kept until imported (a marker
 * says it is complete), so a failed import does not debootstrap again. */
static int ensure_base(struct ctx *c, const char *suite, const char *base_hash, char *base_tag,
                       size_t n)
{
    char *repo = xasprintf("karakuri/base-%s", suite);
    char tag12[13];
    json_t *v = NULL;
    int rc;

    snprintf(tag12, sizeof(tag12), "%.12s", base_hash);
    snprintf(base_tag, n, "%s:%s", repo, tag12);
    begin(c, "debootstrap", suite);
    if (docker_image_inspect(c->d, base_tag, &v) == 0) {
        json_decref(v);
        progress(c, "cached: %s exists", base_tag);
        begin(c, "import", suite);
        progress(c, "cached: %s exists", base_tag);
        free(repo);
        return 0;
    }
    char *rootfs = xasprintf("%s/rootfs-%s-%s", c->o.workdir, suite, tag12);
    char *marker = xasprintf("%s.complete", rootfs);
    if (access(marker, F_OK) == 0) {
        progress(c, "cached: %s", rootfs);
    } else {
        char *mkdir_argv[] = {"mkdir", "-p", (char *)c->o.workdir, NULL};
        struct child_output mk = {0};
        if (run_child(mkdir_argv, NULL, NULL, &mk) != 0) {
            rc = fail(c, -EIO, "cannot create %s: %s", c->o.workdir, mk.tail[0]);
            goto out;
        }
        if ((rc = remove_tree(rootfs)) < 0 || (rc = debootstrap(c, suite, rootfs)) < 0)
            goto out;
        int fd = open(marker, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd >= 0)
            close(fd);
    }
    begin(c, "import", suite);
    if ((rc = import_rootfs(c, rootfs, repo, tag12)) < 0)
        goto out;
    /* Imported: the folder is no longer needed (the base is cached by tag). */
    if (remove_tree(rootfs) == 0)
        unlink(marker);
out:
    free(marker);
    free(rootfs);
    free(repo);
    return rc;
}

static int build_image(struct ctx *c, const char *image, const char *base_tag, const char *hash)
{
    struct buf tarball;
    char tag[200];
    int fd = -1, rc;

    snprintf(tag, sizeof(tag), "%s:%.12s", image, hash);
    begin(c, "build", image);
    buf_init(&tarball, 16u << 20);
    if ((rc = images_context_tar(RECIPE_DIR, &tarball)) < 0) {
        rc = fail(c, rc, "recipe too large");
        goto out;
    }
    fd = memfd_create("karakuri-context", MFD_CLOEXEC);
    if (fd < 0 || write(fd, tarball.data, tarball.len) != (ssize_t)tarball.len ||
        lseek(fd, 0, SEEK_SET) != 0) {
        rc = fail(c, -errno, "cannot hold the build context in memory");
        goto out;
    }
    json_t *args = json_pack("{s:s}", "BASE", base_tag);
    /* Not karakuri.managed: containers inherit their image's labels, and
     * cleanup removes every container that carries that one. */
    json_t *labels = json_pack("{s:s}", IMAGES_LABEL_RECIPE, hash);
    struct docker_build_options bo = {
        .tag = tag, .buildargs = args, .labels = labels, .nocache = c->force};
    /* The engine tags only a finished build, so a failure leaves no tag. */
    rc = docker_image_build(c->d, fd, &bo, on_engine_line, c, NULL);
    json_decref(args);
    json_decref(labels);
    if (rc < 0) {
        rc = fail(c, rc, "%s", docker_last_error(c->d));
        goto out;
    }
    begin(c, "tag", image);
    if ((rc = docker_image_tag(c->d, tag, image, "latest")) < 0) {
        rc = fail(c, rc, "%s", docker_last_error(c->d));
        goto out;
    }
    progress(c, "%s:latest = %s", image, tag);
out:
    if (fd >= 0)
        close(fd);
    buf_free(&tarball);
    return rc;
}

int images_build(struct docker *d, const struct images_options *in, images_progress_fn cb, void *ud,
                 char *err, size_t errlen)
{
    struct ctx c = {.d = d,
                    .force = in->force,
                    .cb = cb,
                    .ud = ud,
                    .err = err,
                    .errlen = errlen,
                    .steps = STEPS_PER_IMAGE * IMAGES_MAX};
    struct images_status st;
    int rc = 0;

    resolve(in, &c.o);
    pthread_mutex_init(&c.lock, NULL);
    if ((rc = images_status(d, in, &st)) < 0) {
        snprintf(err, errlen, "cannot inspect the images: %s", docker_last_error(d));
        goto out;
    }
    for (size_t i = 0; i < IMAGES_MAX && rc == 0; i++) {
        char base_hash[65], hash[65], base_tag[200];
        hashes(&c.o, i, base_hash, hash);
        if (st.images[i].up_to_date && !c.force) {
            c.step_no += STEPS_PER_IMAGE;
            snprintf(c.step, sizeof(c.step), "%s", c.o.image[i]);
            progress(&c, "up to date (recipe %.12s)", hash);
            continue;
        }
        rc = ensure_base(&c, c.o.suite[i], base_hash, base_tag, sizeof(base_tag));
        if (rc == 0)
            rc = build_image(&c, c.o.image[i], base_tag, hash);
    }
out:
    pthread_mutex_destroy(&c.lock);
    return rc;
}
