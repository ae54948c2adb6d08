/* images recipes: hashes, the build-context tar and debootstrap's progress,
 * all pure functions of the embedded files (see recipes.h). */
#include "images/recipes.h"

#include "common/tar.h"
#include "common/util.h"
#include "common/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct images_file *images_file_find(const char *path)
{
    for (size_t i = 0; i < images_files_count; i++)
        if (strcmp(images_files[i].path, path) == 0)
            return &images_files[i];
    return NULL;
}

char *images_package_list(void)
{
    const struct images_file *f = images_file_find("packages");
    struct buf b;
    size_t pos = 0;

    buf_init(&b, 65536);
    while (f && pos < f->size) {
        const char *line = (const char *)f->data + pos;
        const char *nl = memchr(line, '\n', f->size - pos);
        size_t n = nl ? (size_t)(nl - line) : f->size - pos;
        pos += n + 1;
        while (n && (line[n - 1] == ' ' || line[n - 1] == '\r'))
            n--;
        if (!n || line[0] == '#')
            continue;
        if ((b.len && buf_append(&b, ",", 1) < 0) || buf_append(&b, line, n) < 0)
            break;
    }
    return b.data ? buf_steal(&b) : xstrdup("");
}

static void digest_hex(EVP_MD_CTX *ctx, char out[65])
{
    unsigned char md[32];
    unsigned len = 0;
    EVP_DigestFinal_ex(ctx, md, &len);
    EVP_MD_CTX_free(ctx);
    util_hex(md, sizeof(md), out);
}

static EVP_MD_CTX *digest_new(void)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
        abort();
    return ctx;
}

/* Each field with its length first, so that no two inputs hash alike. */
static void digest_field(EVP_MD_CTX *ctx, const void *p, size_t n)
{
    char len[32];
    int l = snprintf(len, sizeof(len), "%zu:", n);
    EVP_DigestUpdate(ctx, len, (size_t)l);
    EVP_DigestUpdate(ctx, p, n);
}

void images_base_hash(const char *suite, const char *mirror, char out[65])
{
    EVP_MD_CTX *ctx = digest_new();
    char *pkgs = images_package_list();
    digest_field(ctx, "base/1", 6);
    digest_field(ctx, suite, strlen(suite));
    digest_field(ctx, mirror, strlen(mirror));
    digest_field(ctx, pkgs, strlen(pkgs));
    free(pkgs);
    digest_hex(ctx, out);
}

static const char *under(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    return strncmp(path, dir, n) == 0 && path[n] == '/' ? path + n + 1 : NULL;
}

void images_recipe_hash(const char *base_hash, const char *dir, char out[65])
{
    EVP_MD_CTX *ctx = digest_new();
    digest_field(ctx, "image/2", 7);
    digest_field(ctx, base_hash, strlen(base_hash));
    for (size_t i = 0; i < images_files_count; i++) {
        const char *rel = under(images_files[i].path, dir);
        if (!rel)
            continue;
        digest_field(ctx, rel, strlen(rel));
        digest_field(ctx, images_files[i].data, images_files[i].size);
    }
    digest_hex(ctx, out);
}

int images_context_tar(const char *dir, struct buf *out)
{
    for (size_t i = 0; i < images_files_count; i++) {
        const struct images_file *f = &images_files[i];
        const char *rel = under(f->path, dir);
        if (!rel)
            continue;
        size_t n = strlen(rel);
        unsigned mode = n > 3 && strcmp(rel + n - 3, ".sh") == 0 ? 0755 : 0644;
        int rc = tar_append(out, rel, f->data, f->size, mode);
        if (rc < 0)
            return rc;
    }
    return tar_finish(out);
}

void images_bootstrap_line(struct images_bootstrap_progress *p, const char *line)
{
    static const struct {
        const char *prefix;
        size_t off;
        const char *what;
    } phases[] = {
        {"I: Retrieving ", offsetof(struct images_bootstrap_progress, retrieved), "retrieved"},
        {"I: Unpacking ", offsetof(struct images_bootstrap_progress, unpacked), "unpacked"},
        {"I: Configuring ", offsetof(struct images_bootstrap_progress, configured), "configured"},
    };
    for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
        size_t n = strlen(phases[i].prefix);
        if (strncmp(line, phases[i].prefix, n) != 0)
            continue;
        /* Release and Packages indexes are capitalised; package names never are. */
        if (isupper((unsigned char)line[n])) {
            snprintf(p->phase, sizeof(p->phase), "%.120s", line + 3);
            return;
        }
        unsigned *count = (unsigned *)(void *)((char *)p + phases[i].off);
        (*count)++;
        snprintf(p->phase, sizeof(p->phase), "%u packages %s (%.60s)", *count, phases[i].what,
                 line + n);
        return;
    }
    if (strncmp(line, "I: ", 3) == 0)
        snprintf(p->phase, sizeof(p->phase), "%.120s", line + 3);
}
