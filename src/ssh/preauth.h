/* ssh preauth: what the SSH front end reads of a client before libssh does,
 * as pure functions (fuzzed: tests/fuzz/fuzz_ssh_preauth.c).
 *
 * The identification line is judged as OpenSSH's sshd judges it, so that a
 * foreign or broken client gets sshd's own reply; the client's first binary
 * packet, its KEXINIT, is parsed for the name-lists and its HASSH. */
#ifndef KARAKURI_SSH_PREAUTH_H
#define KARAKURI_SSH_PREAUTH_H

#include <stddef.h>
#include <stdint.h>

/* OpenSSH reads at most this much of an identification line. */
#define KSSH_IDENT_MAX 255
/* A KEXINIT is small; anything bigger is not one we parse. */
#define KSSH_KEXINIT_MAX (64 * 1024)

enum kssh_ident {
    KSSH_IDENT_OK,          /* SSH-2.0-… or SSH-1.99-… */
    KSSH_IDENT_INCOMPLETE,  /* no end of line yet */
    KSSH_IDENT_BAD_VERSION, /* SSH-1.x: "Protocol major versions differ." */
    KSSH_IDENT_INVALID,     /* anything else: "Invalid SSH identification string." */
};

/* Judges the bytes received so far. On KSSH_IDENT_OK, *line_len is the
 * length of the line including its LF (CR LF or LF). */
enum kssh_ident kssh_ident_check(const char *buf, size_t len, size_t *line_len);

/* sshd's reply to a rejected identification (CR LF terminated). */
const char *kssh_ident_reply(enum kssh_ident verdict);

/* The software-version part of an identification line, without "SSH-2.0-"
 * and the line end, copied (escaped of nothing: the caller escapes) to out. */
void kssh_ident_software(const char *line, size_t line_len, char *out, size_t outlen);

struct kssh_kexinit {
    char kex[1024];
    char hostkey[1024];
    char enc_c2s[1024];
    char enc_s2c[1024];
    char mac_c2s[1024];
    char mac_s2c[1024];
    char comp_c2s[256];
    char comp_s2c[256];
    char hassh[33]; /* md5 hex of "kex;enc_c2s;mac_c2s;comp_c2s" */
};

/* Parses an unencrypted binary packet holding SSH_MSG_KEXINIT from buf.
 * Returns the packet's total length (> 0) when complete, 0 when more bytes
 * are needed, -EPROTO when it is not a KEXINIT packet. Long lists are cut to
 * fit (the HASSH is computed over the whole lists). */
int kssh_kexinit_parse(const uint8_t *buf, size_t len, struct kssh_kexinit *out);

#endif
