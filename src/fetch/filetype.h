/* fetch filetype: a verdict on a downloaded body from its first bytes
 * (magic numbers, ELF header), for file.download. Pure; fuzzed. */
#ifndef KARAKURI_FETCH_FILETYPE_H
#define KARAKURI_FETCH_FILETYPE_H

#include <stddef.h>
#include <stdint.h>

/* What a downloaded body is, from its first bytes: "ELF 64-bit LSB x86-64",
 * "ELF 32-bit LSB ARM", "script (/bin/sh)", "gzip", "zip", "tar", "xz",
 * "bzip2", "7z", "text" or "data". Writes at most outlen bytes. */
void fetch_filetype(const uint8_t *p, size_t len, char *out, size_t outlen);

#endif
