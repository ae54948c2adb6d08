/* fetch request: what a download tool in a honeynet container asked the
 * fetcher for (issue 13: downloads over HTTP, FTP and TFTP are redirected
 * on the host side to a fetcher of karakuri's own). Pure parsers of
 * attacker bytes, with hard caps, fuzzed; no I/O here. */
#ifndef KARAKURI_FETCH_REQUEST_H
#define KARAKURI_FETCH_REQUEST_H

#include <stddef.h>
#include <stdint.h>

/* The most of a request head the fetcher reads (request line + headers):
 * download tools send a few hundred bytes; past this the request is
 * refused. */
#define FETCH_HTTP_HEAD_MAX 8192

struct fetch_http {
    char method[16];
    char target[2048];    /* as sent: origin-form ("/x") or absolute-form */
    char host[256];       /* the Host header, "" when none */
    char user_agent[512]; /* "" when none */
    unsigned version;     /* 10 or 11 */
    size_t head_len;      /* bytes of buf the head took (its body follows) */
    int truncated;        /* a field was longer than its buffer and cut */
};

/* Parses an HTTP/1.x request head from buf[0..len). 0 with out set (all
 * strings NUL-terminated, cut to their buffers); -EAGAIN when the head is
 * not complete yet (read more and call again with all of it); -E2BIG when
 * it would exceed FETCH_HTTP_HEAD_MAX; -EPROTO when it is not HTTP. */
int fetch_http_parse(const char *buf, size_t len, struct fetch_http *out)
    __attribute__((warn_unused_result));

/* The URL the request names: target itself when absolute, else
 * "http://" + (Host or fallback_host, e.g. "203.0.113.5:8080") + target.
 * Writes at most outlen bytes, NUL-terminated. */
void fetch_http_url(const struct fetch_http *r, const char *fallback_host, char *out,
                    size_t outlen);

/* The client program a User-Agent names: "wget", "busybox-wget", "curl",
 * "python", "perl", "go", "php", "java", "powershell", "browser",
 * "other", or "none" for an empty one. */
const char *fetch_tool_of(const char *user_agent) __attribute__((returns_nonnull));

/* TFTP (RFC 1350): a read or write request's opcode, file name and mode. */
struct fetch_tftp {
    unsigned opcode; /* 1 read (RRQ), 2 write (WRQ) */
    char file[256];
    char mode[16]; /* "octet", "netascii", lower-cased */
};

/* Parses the first datagram of a TFTP transfer. 0, or -EPROTO when it is
 * not a read or write request (wrong opcode, no NUL-terminated name and
 * mode, a name longer than 255 bytes). */
int fetch_tftp_parse(const uint8_t *p, size_t len, struct fetch_tftp *out)
    __attribute__((warn_unused_result));

/* One FTP command line ("RETR bot.x86\r\n"): the verb upper-cased and its
 * argument. 0, -EAGAIN without a line end yet, -E2BIG past 512 bytes
 * (RFC 959's limit), -EPROTO when the verb is not 3-4 letters. */
struct fetch_ftp_cmd {
    char verb[5];
    char arg[512];
    size_t line_len; /* bytes taken, with the line end */
};
int fetch_ftp_parse(const char *buf, size_t len, struct fetch_ftp_cmd *out)
    __attribute__((warn_unused_result));

#endif
