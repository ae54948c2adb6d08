/* fuzz_monitor_exec: any record the kernel side might send (its argv and cwd
 * are the intruder's bytes) into a proc.exec event. Checked: argv is an
 * array of strings, cwd a string starting with '/', the event encodes. */
#include "fuzz.h"
#include "monitor/exec.h"
#include "monitor/exec_record.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct exec_record r;

    memset(&r, 0, sizeof(r));
    memcpy(&r, data, size < sizeof(r) ? size : sizeof(r));
    json_t *ev = monitor_exec_event(&r, sizeof(r));
    CHECK(ev != NULL);
    json_t *argv = json_object_get(ev, "argv"), *a;
    size_t i;
    CHECK(json_is_array(argv));
    json_array_foreach(argv, i, a) CHECK(json_is_string(a));
    const char *cwd = json_string_value(json_object_get(ev, "cwd"));
    CHECK(cwd && cwd[0] == '/');
    char *line = json_dumps(ev, JSON_COMPACT);
    CHECK(line != NULL);
    free(line);
    json_decref(ev);
    return 0;
}
