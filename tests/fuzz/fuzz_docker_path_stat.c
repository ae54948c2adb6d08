/* fuzz_docker_path_stat: the reply header lines of a HEAD of an archive path,
 * as the engine (or a container whose file names end up in it) makes them:
 * each line through the header match, the value through the base64 JSON
 * decoding. Checked: the value lies inside its line, with no blank in front
 * and no CR/LF at the end; a decoded stat is an object. */
#include "docker/docker.h"
#include "fuzz.h"

#include <string.h>

static void one(const char *line, size_t n)
{
    const char *v = NULL;
    size_t vl = 0;
    json_t *st = NULL;
    if (docker_path_stat_header(line, n, &v, &vl)) {
        CHECK(v >= line && v + vl <= line + n);
        CHECK(!vl || (*v != ' ' && *v != '\t' && v[vl - 1] != '\n' && v[vl - 1] != '\r'));
        if (docker_path_stat_parse(v, vl, &st) == 0) {
            CHECK(json_is_object(st));
            json_decref(st);
        }
    }
    /* and the whole line as a value */
    if (docker_path_stat_parse(line, n, &st) == 0) {
        CHECK(json_is_object(st));
        json_decref(st);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        one(p, n);
        p += n;
    }
    return 0;
}
