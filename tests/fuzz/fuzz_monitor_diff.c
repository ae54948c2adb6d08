/* fuzz_monitor_diff: the body of GET /containers/{id}/changes, whose paths
 * are the intruder's file names, through the entry filter. Checked: an entry
 * taken has a path and a kind of "added" or "modified", never a deleted one
 * (Kind 2), and its path is one of the entry's. */
#include "fuzz.h"
#include "monitor/files.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *diff = json_loadb((const char *)data, size, 0, NULL), *it;
    size_t i;
    struct monitor_file f;
    if (json_is_array(diff)) {
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
