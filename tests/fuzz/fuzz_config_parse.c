/* fuzz_config_parse: arbitrary bytes as a configuration file.
 *
 * Checked: the parser never crashes; on success the configuration written
 * back with config_write parses again to the same text (the writer and the
 * parser agree on every value they accept); on failure the error names the
 * file. */
#include "fuzz.h"
#include "config/config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *written(const struct config *c, size_t *len)
{
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    CHECK(f);
    CHECK(config_write(c, f) == 0);
    CHECK(fclose(f) == 0);
    return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct config c, again;
    char err[512];
    size_t len1, len2;

    config_init(&c);
    if (config_parse(&c, (const char *)data, size, "fuzz.conf", err, sizeof(err)) < 0) {
        CHECK(strncmp(err, "fuzz.conf", 9) == 0);
        config_free(&c);
        return 0;
    }
    char *t1 = written(&c, &len1);
    config_init(&again);
    CHECK(config_parse(&again, t1, len1, "written", err, sizeof(err)) == 0);
    char *t2 = written(&again, &len2);
    CHECK(len1 == len2 && memcmp(t1, t2, len1) == 0);
    free(t1);
    free(t2);
    config_free(&again);
    config_free(&c);
    return 0;
}
