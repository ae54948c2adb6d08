/* fuzz_ssh_intake: one monitor message, as a compromised session process
 * could send it, through kssh_intake_parse. Checked: an event taken has the
 * type it was sent as, ts and sensor still unset (the daemon fills them),
 * none of the fields only the daemon sets, names of [a-z0-9_], strings of
 * at most KSSH_FIELD_MAX bytes, and it encodes as JSON. */
#include "fuzz.h"
#include "ssh/intake.h"
#include "ssh/monitor.h"

#include <errno.h>
#include <string.h>

static void check_event(const struct kssh_intake *in)
{
    static const char *const daemon_sets[] = {"session", "src_ip", "src_port", "honeynet",
                                              "client_version"};
    const char *key;
    json_t *v;
    CHECK(in->event && json_is_object(in->event));
    CHECK(strcmp(json_string_value(json_object_get(in->event, "type")),
                 event_type_name(in->type)) == 0);
    CHECK(json_is_null(json_object_get(in->event, "ts")));
    CHECK(json_is_null(json_object_get(in->event, "sensor")));
    for (size_t i = 0; i < sizeof(daemon_sets) / sizeof(daemon_sets[0]); i++)
        CHECK(!json_object_get(in->event, daemon_sets[i]));
    json_object_foreach(in->event, key, v)
    {
        size_t n = strlen(key);
        CHECK(n > 0 && n <= KSSH_INTAKE_KEY_MAX + 4);
        CHECK(strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789_") == n);
        CHECK(!json_is_string(v) || json_string_length(v) <= 4 * KSSH_FIELD_MAX);
    }
    char *text = json_dumps(in->event, JSON_COMPACT);
    CHECK(text);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > KSSH_MSG_MAX)
        return 0;
    json_t *msg = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    struct kssh_intake in;
    int rc = kssh_intake_parse(msg, &in);
    CHECK(rc == 0 || rc == -EPROTO);
    if (rc == 0 && in.req == KSSH_REQ_EVENT) {
        check_event(&in);
        json_decref(in.event);
    } else if (rc == 0) {
        CHECK(!in.event);
        CHECK(in.req != KSSH_REQ_CLOSED || strlen(in.reason) < sizeof(in.reason));
        CHECK(in.req == KSSH_REQ_BYTES || in.req == KSSH_REQ_CLOSED || json_is_object(in.body));
    }
    /* Every base64 field decodes to no more than its text allows. */
    if (json_is_object(msg)) {
        const char *key;
        json_t *v;
        json_object_foreach(msg, key, v)
        {
            size_t n = 0;
            char *b = kssh_get_b64(msg, key, &n);
            if (b)
                CHECK(n <= json_string_length(v) / 4 * 3 && b[n] == '\0');
            free(b);
        }
    }
    json_decref(msg);
    return 0;
}
