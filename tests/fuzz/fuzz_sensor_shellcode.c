/* fuzz_sensor_shellcode: any payload through the shellcode verdict (the
 * byte scan, the emulation from each candidate, the listing): it returns,
 * within its caps, with a verdict that points into the payload. */
#include "fuzz.h"
#include "sensor/shellcode.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Small caps keep each input fast; the defaults are tested in the unit
     * tests. */
    struct sensor_sc_limits lim = {.max_insns = 20000, .max_candidates = 8, .max_total_us = 50000};
    struct sensor_sc_verdict v;
    CHECK(sensor_shellcode_scan_limits(data, size, &lim, &v) == 0);
    CHECK(v.emulated <= 2 * 8 + 2 * 64 * 8);
    if (v.detected) {
        CHECK(v.offset < size);
        CHECK(v.arch == SENSOR_SC_ARCH_X86 || v.arch == SENSOR_SC_ARCH_X64);
        CHECK(v.technique != SENSOR_SC_TECH_NONE && v.reached != SENSOR_SC_REACH_NONE);
        CHECK(v.insns <= lim.max_insns + 1);
        CHECK(v.reach_offset == SIZE_MAX || v.reach_offset < size);
    } else {
        CHECK(v.reached == SENSOR_SC_REACH_NONE);
    }
    if (!size)
        return 0;
    int arch = data[0] & 1 ? SENSOR_SC_ARCH_X64 : SENSOR_SC_ARCH_X86;
    size_t off = data[size - 1] % size;
    char *l = sensor_shellcode_disasm(data, size, off, arch, 64);
    CHECK(l != NULL);
    CHECK(strlen(l) < 64 * 128);
    free(l);
    return 0;
}
