/* ssh policy: which credentials the SSH front end accepts ([ssh] auth).
 *
 *   any          every username and password
 *   after:N      a source's N+1st attempt (counted across its connections)
 *   list:FILE    Cowrie-style lines "user:x:password", first match wins:
 *                user and password may hold * and ? wildcards, a password
 *                "!pw" refuses it; a line "# …" is a comment
 *
 * root (uid 0 names: "root") is refused unless [ssh] allow_root = yes,
 * whatever the mode. Pure: the caller keeps the per-source counts. */
#ifndef KARAKURI_SSH_POLICY_H
#define KARAKURI_SSH_POLICY_H

#include <stdbool.h>
#include <stddef.h>

enum kssh_policy_mode { KSSH_POLICY_ANY, KSSH_POLICY_AFTER, KSSH_POLICY_LIST };

struct kssh_policy_rule {
    char *user, *password;
    bool deny;
};

struct kssh_policy {
    enum kssh_policy_mode mode;
    unsigned after;
    bool allow_root;
    struct kssh_policy_rule *rules; /* owned */
    size_t nrules;
};

/* Parses spec ("any", "after:3", "list:/path"); a list file is read now.
 * On failure err says why. */
int kssh_policy_init(struct kssh_policy *p, const char *spec, bool allow_root, char *err,
                     size_t errlen) __attribute__((warn_unused_result));
/* Parses the text of a list (for list:FILE and the tests). */
int kssh_policy_parse_list(struct kssh_policy *p, const char *text, char *err, size_t errlen)
    __attribute__((warn_unused_result));
void kssh_policy_free(struct kssh_policy *p);

/* Whether to accept; failures is how many attempts of this source were
 * refused before. *reason is set to why a refusal was made. */
bool kssh_policy_accepts(const struct kssh_policy *p, const char *user, const char *password,
                         unsigned failures, const char **reason);

#endif
