/* fuzz_monitor_diff: the body of GET /containers/{id}/changes, whose paths
 * are the intruder's file names, through the entry filter. Checked: an entry
 * taken has a path and a kind of "added" or "modified", never a deleted one
 * (Kind 2), and its path is one of the entry's. The same bytes also go
 * through the streaming walker, which must give every element of a list of
 * objects or arrays that jansson reads whole. */
#include "fuzz.h"
#include "monitor/files.h"

#include <string.h>

static bool count(json_t *elem, void *ud)
{
    CHECK(elem);
    (*(size_t *)ud)++;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t walked = 0;
    int rc = monitor_diff_walk((const char *)data, size, count, &walked);
    json_t *diff = json_loadb((const char *)data, size, 0, NULL), *it;
    size_t i;
    struct monitor_file f;
    if (json_is_array(diff)) {
        bool containers = !memchr(data, 0, size);
        json_array_foreach(diff, i, it) containers &= json_is_object(it) || json_is_array(it);
        CHECK(!containers || (rc == 0 && walked == json_array_size(diff)));
        json_array_foreach(diff, i, it)
        {
            if (!monitor_diff_entry(it, &f))
                continue;
            CHECK(f.path == json_string_value(json_object_get(it, "Path")));
            CHECK(json_integer_value(json_object_get(it, "Kind")) != 2);
            CHECK(strcmp(f.kind, "added") == 0 || strcmp(f.kind, "modified") == 0);
            CHECK(!f.skipped && !f.sha256[0] && f.size == 0);
        }
    } else {
        (void)!monitor_diff_entry(diff, &f);
    }
    json_decref(diff);
    return 0;
}
