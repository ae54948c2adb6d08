/* fetch filetype: see filetype.h. The magic numbers of what droppers fetch
 * (ELF per architecture, scripts, archives); anything else is text or
 * data. */
#include "fetch/filetype.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* e_machine values (elf.h) of the architectures IoT and server malware is
 * built for. */
static const char *elf_machine(unsigned m)
{
    switch (m) {
    case 2:
        return "SPARC";
    case 3:
        return "x86";
    case 4:
        return "m68k";
    case 8:
        return "MIPS";
    case 20:
        return "PowerPC";
    case 21:
        return "PowerPC64";
    case 22:
        return "S/390";
    case 40:
        return "ARM";
    case 42:
        return "SuperH";
    case 43:
        return "SPARC V9";
    case 62:
        return "x86-64";
    case 183:
        return "AArch64";
    case 243:
        return "RISC-V";
    case 258:
        return "LoongArch";
    default:
        return NULL;
    }
}

static void elf(const uint8_t *p, size_t len, char *out, size_t outlen)
{
    if (len < 20 || (p[4] != 1 && p[4] != 2) || (p[5] != 1 && p[5] != 2)) {
        snprintf(out, outlen, "ELF (malformed)");
        return;
    }
    bool le = p[5] == 1;
    unsigned m = le ? (unsigned)(p[18] | p[19] << 8) : (unsigned)(p[18] << 8 | p[19]);
    const char *name = elf_machine(m);
    char other[24];
    if (!name) {
        snprintf(other, sizeof(other), "machine %u", m);
        name = other;
    }
    snprintf(out, outlen, "ELF %s-bit %s %s", p[4] == 1 ? "32" : "64", le ? "LSB" : "MSB", name);
}

/* "#!" and its interpreter, the first word after it (cut at 64 bytes). */
static void script(const uint8_t *p, size_t len, char *out, size_t outlen)
{
    size_t i = 2, n = 0;
    while (i < len && (p[i] == ' ' || p[i] == '\t'))
        i++;
    while (i + n < len && n < 64 && p[i + n] > ' ' && p[i + n] < 0x7f)
        n++;
    snprintf(out, outlen, "script (%.*s)", (int)n, (const char *)p + i);
}

static bool is_text(const uint8_t *p, size_t len)
{
    size_t n = len < 512 ? len : 512;
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x20 && p[i] != '\n' && p[i] != '\r' && p[i] != '\t')
            return false;
    return n > 0;
}

void fetch_filetype(const uint8_t *p, size_t len, char *out, size_t outlen)
{
    static const struct {
        size_t at, n;
        const char *magic, *name;
    } magics[] = {
        {0, 2, "\x1f\x8b", "gzip"},
        {0, 3, "BZh", "bzip2"},
        {0, 6,
         "\xfd"
         "7zXZ\0",
         "xz"},
        {0, 4, "PK\x03\x04", "zip"},
        {0, 6, "7z\xbc\xaf\x27\x1c", "7z"},
        {257, 5, "ustar", "tar"},
        {0, 4, "\x28\xb5\x2f\xfd", "zstd"},
        {0, 2, "MZ", "PE (Windows)"},
    };
    if (len >= 4 && memcmp(p,
                           "\x7f"
                           "ELF",
                           4) == 0) {
        elf(p, len, out, outlen);
        return;
    }
    if (len >= 2 && p[0] == '#' && p[1] == '!') {
        script(p, len, out, outlen);
        return;
    }
    for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
        if (len >= magics[i].at + magics[i].n &&
            memcmp(p + magics[i].at, magics[i].magic, magics[i].n) == 0) {
            snprintf(out, outlen, "%s", magics[i].name);
            return;
        }
    snprintf(out, outlen, "%s", is_text(p, len) ? "text" : "data");
}
