/* types: the value types the keys are made of: strings (checked for
 * control characters), names, URLs, numbers in a range, booleans, durations
 * ("1h30m"), sizes ("512m"), CPU shares ("0.5"). Pure: text in, a member of
 * struct config out (config_int.h). */
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

int config_set_string(struct config *c, const struct key *k, const char *v, char *why, size_t n)
{
    for (const char *p = v; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            snprintf(why, n, "control characters are not allowed");
            return -EINVAL;
        }
    }
    char **f = FIELD(c, k, char *);
    free(*f);
    *f = xstrdup(v);
    return 0;
}

void config_get_string(const struct config *c, const struct key *k, char *out, size_t n)
{
    snprintf(out, n, "%s", *CFIELD(c, k, char *));
}

/* A Docker image name or a Debian suite: lower-case letters, digits, . _ - /. */
int config_set_name(struct config *c, const struct key *k, const char *v, char *why, size_t n)
{
    if (!*v) {
        snprintf(why, n, "must not be empty");
        return -EINVAL;
    }
    for (const char *p = v; *p; p++) {
        if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && !strchr("._-/", *p)) {
            snprintf(why, n, "'%c' not allowed (lower-case letters, digits, '.', '_', '-', '/')",
                     isprint((unsigned char)*p) ? *p : '?');
            return -EINVAL;
        }
    }
    return config_set_string(c, k, v, why, n);
}

int config_set_url(struct config *c, const struct key *k, const char *v, char *why, size_t n)
{
    if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0 &&
        strncmp(v, "file://", 7) != 0) {
        snprintf(why, n, "expected an http://, https:// or file:// URL");
        return -EINVAL;
    }
    return config_set_string(c, k, v, why, n);
}

int config_set_nonempty(struct config *c, const struct key *k, const char *v, char *why, size_t n)
{
    if (!*v) {
        snprintf(why, n, "must not be empty");
        return -EINVAL;
    }
    return config_set_string(c, k, v, why, n);
}

int config_set_uint(struct config *c, const struct key *k, const char *v, char *why, size_t n)
{
    long long x;
    if (util_parse_ll(v, k->min, k->max, &x) < 0) {
        snprintf(why, n, "expected a whole number from %lld to %lld", k->min, k->max);
        return -EINVAL;
    }
    *FIELD(c, k, unsigned) = (unsigned)x;
    return 0;
}

void config_get_uint(const struct config *c, const struct key *k, char *out, size_t n)
{
    snprintf(out, n, "%u", *CFIELD(c, k, unsigned));
}

int config_set_bool(struct config *c, const struct key *k, const char *v, char *why, size_t n)
{
    static const char *const yes[] = {"yes", "true", "on", "1"}, *const no[] = {"no", "false",
                                                                                "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0 || strcasecmp(v, no[i]) == 0) {
            *FIELD(c, k, bool) = strcasecmp(v, yes[i]) == 0;
            return 0;
        }
    }
    snprintf(why, n, "expected yes or no");
    return -EINVAL;
}

void config_get_bool(const struct config *c, const struct key *k, char *out, size_t n)
{
    snprintf(out, n, "%s", *CFIELD(c, k, bool) ? "yes" : "no");
}

int config_set_duration(struct config *c, const struct key *k, const char *v, char *why, size_t n)
{
    long long s;
    if (config_parse_duration(v, &s) < 0 || s < k->min || s > k->max) {
        snprintf(why, n, "expected a duration from %llds to %llds such as 90s, 30m, 12h, 7d",
                 k->min, k->max);
        return -EINVAL;
    }
    *FIELD(c, k, long long) = s;
    return 0;
}

void config_get_duration(const struct config *c, const struct key *k, char *out, size_t n)
{
    long long s = *CFIELD(c, k, long long);
    static const struct {
        long long secs;
        char unit;
    } units[] = {{604800, 'w'}, {86400, 'd'}, {3600, 'h'}, {60, 'm'}};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (s && s % units[i].secs == 0) {
            snprintf(out, n, "%lld%c", s / units[i].secs, units[i].unit);
            return;
        }
    }
    snprintf(out, n, "%llds", s);
}

/* "512M", "1G", "64k" or plain bytes (binary units) into a long long. */
int config_set_size(struct config *c, const struct key *k, const char *v, char *why, size_t n)
{
    static const char units[] = "kmgt";
    char num[32];
    size_t len = strlen(v);
    long long mult = 1, x;
    const char *u = len ? strchr(units, tolower((unsigned char)v[len - 1])) : NULL;
    if (u && *u) {
        mult = 1LL << (10 * (u - units + 1));
        len--;
    }
    if (len == 0 || len >= sizeof(num))
        goto bad;
    memcpy(num, v, len);
    num[len] = '\0';
    if (util_parse_ll(num, 0, k->max / mult, &x) < 0 || x * mult < k->min)
        goto bad;
    *FIELD(c, k, long long) = x * mult;
    return 0;
bad:
    snprintf(why, n, "expected a size from %lld to %lld bytes such as 512M or 2G", k->min, k->max);
    return -EINVAL;
}

void config_get_size(const struct config *c, const struct key *k, char *out, size_t n)
{
    static const char units[] = "TGMk";
    long long x = *CFIELD(c, k, long long);
    for (int i = 0; i < 4; i++) {
        long long m = 1LL << (10 * (4 - i));
        if (x && x % m == 0) {
            snprintf(out, n, "%lld%c", x / m, units[i]);
            return;
        }
    }
    snprintf(out, n, "%lld", x);
}

/* CPUs as a decimal ("0.5", "2") into thousandths. */
int config_set_cpus(struct config *c, const struct key *k, const char *v, char *why, size_t n)
{
    char whole[16] = "", frac[4] = "000";
    long long w, f = 0;
    const char *dot = strchr(v, '.');
    size_t wl = dot ? (size_t)(dot - v) : strlen(v);
    if (wl == 0 || wl >= sizeof(whole) || (dot && (strlen(dot + 1) == 0 || strlen(dot + 1) > 3)))
        goto bad;
    memcpy(whole, v, wl);
    if (dot)
        memcpy(frac, dot + 1, strlen(dot + 1));
    if (util_parse_ll(whole, 0, 1024, &w) < 0 || util_parse_ll(frac, 0, 999, &f) < 0 ||
        w * 1000 + f < k->min || w * 1000 + f > k->max)
        goto bad;
    *FIELD(c, k, unsigned) = (unsigned)(w * 1000 + f);
    return 0;
bad:
    snprintf(why, n, "expected a number of CPUs from %.3f to %.3f such as 0.5",
             (double)k->min / 1000, (double)k->max / 1000);
    return -EINVAL;
}

void config_get_cpus(const struct config *c, const struct key *k, char *out, size_t n)
{
    unsigned m = *CFIELD(c, k, unsigned);
    if (m % 1000 == 0)
        snprintf(out, n, "%u", m / 1000);
    else
        snprintf(out, n, "%u.%03u", m / 1000, m % 1000);
    /* No trailing zeros: "0.5", not "0.500". */
    for (size_t len = strlen(out); m % 1000 && out[len - 1] == '0'; len--)
        out[len - 1] = '\0';
}

int config_parse_duration(const char *s, long long *secs_out)
{
    long long total = 0;
    const char *p = s;

    if (!s || !*s)
        return -EINVAL;
    while (*p) {
        long long v = 0;
        if (!isdigit((unsigned char)*p))
            return -EINVAL;
        while (isdigit((unsigned char)*p)) {
            if (v > 1000000000LL)
                return -ERANGE;
            v = v * 10 + (*p++ - '0');
        }
        long long mult;
        switch (*p) {
        case '\0':
            mult = p == s + strlen(s) && total == 0 ? 1 : -1;
            break;
        case 's':
            mult = 1;
            break;
        case 'm':
            mult = 60;
            break;
        case 'h':
            mult = 3600;
            break;
        case 'd':
            mult = 86400;
            break;
        case 'w':
            mult = 604800;
            break;
        default:
            return -EINVAL;
        }
        if (mult < 0)
            return -EINVAL;
        if (*p)
            p++;
        total += v * mult;
        if (total > 100LL * 366 * 86400)
            return -ERANGE;
    }
    *secs_out = total;
    return 0;
}
