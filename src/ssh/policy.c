/* ssh policy: the credential policy (see policy.h). */
#include "ssh/policy.h"

#include "common/util.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIST_MAX_BYTES 1048576

void kssh_policy_free(struct kssh_policy *p)
{
    for (size_t i = 0; i < p->nrules; i++) {
        free(p->rules[i].user);
        free(p->rules[i].password);
    }
    free(p->rules);
    p->rules = NULL;
    p->nrules = 0;
}

static int add_rule(struct kssh_policy *p, char *line, unsigned lineno, char *err, size_t errlen)
{
    char *c1 = strchr(line, ':');
    char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c1 || !c2 || c1 == line) {
        snprintf(err, errlen, "line %u: expected user:x:password", lineno);
        return -EINVAL;
    }
    *c1 = '\0';
    struct kssh_policy_rule r = {.user = xstrdup(line)};
    const char *pw = c2 + 1;
    if (*pw == '!') {
        r.deny = true;
        pw++;
    }
    r.password = xstrdup(pw);
    p->rules = xrealloc(p->rules, (p->nrules + 1) * sizeof(*p->rules));
    p->rules[p->nrules++] = r;
    return 0;
}

int kssh_policy_parse_list(struct kssh_policy *p, const char *text, char *err, size_t errlen)
{
    char *copy = xstrdup(text), *save = NULL;
    unsigned lineno = 0;
    int rc = 0;

    for (char *s = copy, *line; (line = strtok_r(s, "\n", &save)); s = NULL) {
        lineno++;
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\r' || line[n - 1] == ' '))
            line[--n] = '\0';
        if (!n || line[0] == '#')
            continue;
        if ((rc = add_rule(p, line, lineno, err, errlen)) < 0)
            break;
    }
    free(copy);
    p->mode = KSSH_POLICY_LIST;
    return rc;
}

static int read_list(struct kssh_policy *p, const char *path, char *err, size_t errlen)
{
    char ebuf[128];
    FILE *f = fopen(path, "re");
    if (!f) {
        int e = errno;
        snprintf(err, errlen, "%s: %s", path, util_strerror(e, ebuf, sizeof(ebuf)));
        return -e;
    }
    char *text = xmalloc(LIST_MAX_BYTES + 1);
    size_t n = fread(text, 1, LIST_MAX_BYTES, f);
    int rc = 0;
    if (ferror(f) || !feof(f)) {
        snprintf(err, errlen, "%s: unreadable or larger than %d bytes", path, LIST_MAX_BYTES);
        rc = -EINVAL;
    } else {
        text[n] = '\0';
        char inner[256] = "";
        rc = kssh_policy_parse_list(p, text, inner, sizeof(inner));
        if (rc < 0)
            snprintf(err, errlen, "%s: %s", path, inner);
    }
    free(text);
    fclose(f);
    return rc;
}

int kssh_policy_init(struct kssh_policy *p, const char *spec, bool allow_root, char *err,
                     size_t errlen)
{
    long long n;

    memset(p, 0, sizeof(*p));
    p->allow_root = allow_root;
    if (strcmp(spec, "any") == 0)
        return 0;
    if (strncmp(spec, "after:", 6) == 0) {
        if (util_parse_ll(spec + 6, 0, 1000, &n) < 0) {
            snprintf(err, errlen, "after:N needs N from 0 to 1000");
            return -EINVAL;
        }
        p->mode = KSSH_POLICY_AFTER;
        p->after = (unsigned)n;
        return 0;
    }
    if (strncmp(spec, "list:", 5) == 0 && spec[5]) {
        int rc = read_list(p, spec + 5, err, errlen);
        if (rc < 0)
            kssh_policy_free(p);
        return rc;
    }
    snprintf(err, errlen, "expected any, after:N or list:FILE");
    return -EINVAL;
}

bool kssh_policy_accepts(const struct kssh_policy *p, const char *user, const char *password,
                         unsigned failures, const char **reason)
{
    if (!p->allow_root && strcmp(user, "root") == 0) {
        *reason = "root";
        return false;
    }
    switch (p->mode) {
    case KSSH_POLICY_ANY:
        return true;
    case KSSH_POLICY_AFTER:
        *reason = "policy";
        return failures >= p->after;
    case KSSH_POLICY_LIST:
        for (size_t i = 0; i < p->nrules; i++) {
            const struct kssh_policy_rule *r = &p->rules[i];
            if (fnmatch(r->user, user, 0) != 0 || fnmatch(r->password, password, 0) != 0)
                continue;
            *reason = "list";
            return !r->deny;
        }
        *reason = "list";
        return false;
    }
    *reason = "policy";
    return false;
}
