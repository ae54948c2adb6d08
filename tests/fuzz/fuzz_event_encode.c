/* fuzz_event_encode: attacker bytes through event_set_str and event_encode.
 *
 * Input: the first byte picks the event type; the rest is split at 0x1f bytes
 * into field values (username, password, input, ts, session, src_ip), each
 * put in with event_set_str as the front ends do; the whole input, when it
 * is JSON, also goes in as a nested value. Checked: encoding succeeds, makes
 * exactly one line of valid UTF-8 without control bytes, that line decodes to
 * an object with the right type, a canonical ts and the same field values,
 * and every replaced value has its exact bytes in <key>_b64. */
#include "fuzz.h"
#include "common/util.h"
#include "event/event.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const keys[] = {"username", "password", "input", "ts", "session", "src_ip"};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static void check_line(const struct event_record *r, enum event_type t, json_t *ev)
{
    CHECK(r->line[r->len] == '\n' && r->line[r->len + 1] == '\0');
    for (size_t i = 0; i < r->len; i++)
        CHECK((unsigned char)r->line[i] >= 0x20);
    CHECK(event_utf8_valid(r->line, r->len));

    json_error_t jerr;
    json_t *back = json_loadb(r->line, r->len, 0, &jerr);
    CHECK(json_is_object(back));
    const char *type = json_string_value(json_object_get(back, "type"));
    CHECK(type && strcmp(type, event_type_name(t)) == 0);
    const char *ts = json_string_value(json_object_get(back, "ts"));
    long long us;
    CHECK(ts && strlen(ts) == UTIL_RFC3339_LEN - 1 && util_rfc3339_parse(ts, &us) == 0);
    CHECK(strcmp(ts, r->ts) == 0);
    for (size_t k = 0; k < NKEYS; k++) {
        if (strcmp(keys[k], "ts") == 0)
            continue;
        json_t *want = json_object_get(ev, keys[k]), *got = json_object_get(back, keys[k]);
        CHECK((want == NULL) == (got == NULL));
        CHECK(!want || json_equal(want, got));
    }
    json_decref(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    enum event_type t = (enum event_type)(data[0] % EVENT_TYPE_COUNT);
    json_t *ev = event_new(t);
    const char *p = (const char *)data + 1, *end = (const char *)data + size;

    for (size_t k = 0; k < NKEYS && p <= end; k++) {
        const char *sep = memchr(p, 0x1f, (size_t)(end - p));
        size_t n = sep ? (size_t)(sep - p) : (size_t)(end - p);
        event_set_str(ev, keys[k], p, n);
        json_t *v = json_object_get(ev, keys[k]);
        CHECK(json_is_string(v) && event_utf8_valid(json_string_value(v), json_string_length(v)));
        bool clean = event_utf8_valid(p, n) && !memchr(p, 0, n);
        char b64key[32];
        snprintf(b64key, sizeof(b64key), "%s_b64", keys[k]);
        CHECK(clean == (json_object_get(ev, b64key) == NULL));
        if (!sep)
            break;
        p = sep + 1;
    }
    json_error_t jerr;
    json_t *extra = json_loadb((const char *)data, size, JSON_DECODE_ANY, &jerr);
    if (extra)
        json_object_set_new(ev, "extra", extra);

    struct event_record *r = NULL;
    CHECK(event_encode(ev, "fuzz", 1795999323123456LL, &r) == 0);
    check_line(r, t, ev);
    event_record_free(r);
    json_decref(ev);
    return 0;
}
