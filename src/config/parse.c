/* parse: the INI parser (config_parse, config_load): sections, "key =
 * value" lines, comments; every value goes through its key's setter. Pure
 * (text in, struct out) and fuzzed (tests/fuzz/fuzz_config_parse.c). */
#include "config/config_int.h"

#include "common/util.h"
#include "common/xalloc.h"

#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

struct parse_state {
    struct config *c;
    const char *file;
    char section[64];
    unsigned *seen_line; /* per key: the line it was set on, 0 if not yet */
    char *err;
    size_t errlen;
};

static int parse_section(struct parse_state *ps, char *line, unsigned lineno)
{
    size_t n = strlen(line);
    if (line[n - 1] != ']') {
        snprintf(ps->err, ps->errlen, "%s:%u: expected ']' at the end of the section header",
                 ps->file, lineno);
        return -EINVAL;
    }
    line[n - 1] = '\0';
    char *name = trim(line + 1);
    if (!config_section_known(name)) {
        char esc[80];
        snprintf(ps->err, ps->errlen, "%s:%u: unknown section [%s]", ps->file, lineno,
                 log_escape(name, strlen(name), esc, sizeof(esc)));
        return -EINVAL;
    }
    snprintf(ps->section, sizeof(ps->section), "%s", name);
    return 0;
}

static int parse_assignment(struct parse_state *ps, char *line, unsigned lineno)
{
    char *eq = strchr(line, '=');
    char esc[80], why[256] = "";

    if (!eq) {
        snprintf(ps->err, ps->errlen, "%s:%u: expected 'key = value' or '[section]'", ps->file,
                 lineno);
        return -EINVAL;
    }
    *eq = '\0';
    char *name = trim(line), *value = trim(eq + 1);
    if (!*ps->section) {
        snprintf(ps->err, ps->errlen, "%s:%u: key '%s' outside any [section]", ps->file, lineno,
                 log_escape(name, strlen(name), esc, sizeof(esc)));
        return -EINVAL;
    }
    const struct key *k = config_key_find(ps->section, name);
    if (!k) {
        snprintf(ps->err, ps->errlen, "%s:%u: [%s] %s: unknown key", ps->file, lineno, ps->section,
                 log_escape(name, strlen(name), esc, sizeof(esc)));
        return -EINVAL;
    }
    size_t idx = (size_t)(k - config_key_at(0));
    if (ps->seen_line[idx]) {
        snprintf(ps->err, ps->errlen, "%s:%u: [%s] %s: set twice (first on line %u)", ps->file,
                 lineno, k->section, k->name, ps->seen_line[idx]);
        return -EINVAL;
    }
    size_t vn = strlen(value);
    if (vn >= 2 && value[0] == '"' && value[vn - 1] == '"') {
        value[vn - 1] = '\0';
        value++;
    }
    if (k->set(ps->c, k, value, why, sizeof(why)) < 0) {
        snprintf(ps->err, ps->errlen, "%s:%u: [%s] %s: '%s': %s", ps->file, lineno, k->section,
                 k->name, log_escape(value, strlen(value), esc, sizeof(esc)), why);
        return -EINVAL;
    }
    ps->seen_line[idx] = lineno;
    return 0;
}

static int parse_lines(struct parse_state *ps, const char *text, size_t len)
{
    char line[CONFIG_MAX_LINE_BYTES + 1];
    unsigned lineno = 0;
    size_t pos = 0;

    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        lineno++;
        if (n > CONFIG_MAX_LINE_BYTES) {
            snprintf(ps->err, ps->errlen, "%s:%u: line longer than %d bytes", ps->file, lineno,
                     CONFIG_MAX_LINE_BYTES);
            return -EINVAL;
        }
        memcpy(line, text + pos, n);
        line[n] = '\0';
        pos += n + (nl ? 1 : 0);

        char *s = trim(line);
        if (!*s || *s == '#' || *s == ';')
            continue;
        int rc = *s == '[' ? parse_section(ps, s, lineno) : parse_assignment(ps, s, lineno);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int config_parse(struct config *c, const char *text, size_t len, const char *filename, char *err,
                 size_t errlen)
{
    struct parse_state ps = {
        .c = c, .file = filename ? filename : "<config>", .err = err, .errlen = errlen};

    if (memchr(text, '\0', len)) {
        snprintf(err, errlen, "%s: contains a NUL byte: not a text file", ps.file);
        return -EINVAL;
    }
    ps.seen_line = xcalloc(config_key_count(), sizeof(*ps.seen_line));
    int rc = parse_lines(&ps, text, len);
    free(ps.seen_line);
    return rc;
}

int config_load(struct config *c, const char *path, char *err, size_t errlen)
{
    char ebuf[128];
    struct stat st;
    char *text = NULL;
    int rc = 0;

    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = -errno;
        snprintf(err, errlen, "%s: %s", path, util_strerror(-rc, ebuf, sizeof(ebuf)));
        return rc;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > CONFIG_MAX_FILE_BYTES) {
        snprintf(err, errlen, "%s: not a regular file of at most %d bytes", path,
                 CONFIG_MAX_FILE_BYTES);
        rc = -EINVAL;
        goto out;
    }
    size_t size = (size_t)st.st_size, got = 0;
    text = xmalloc(size + 1);
    while (got < size) {
        ssize_t r = read(fd, text + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = r < 0 ? -errno : -EIO;
            snprintf(err, errlen, "%s: read failed: %s", path,
                     util_strerror(-rc, ebuf, sizeof(ebuf)));
            goto out;
        }
        got += (size_t)r;
    }
    rc = config_parse(c, text, size, path, err, errlen);
    if (rc == 0) {
        free(c->path);
        c->path = xstrdup(path);
    }
out:
    free(text);
    close(fd);
    return rc;
}
