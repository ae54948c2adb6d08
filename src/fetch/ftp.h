/* fetch ftp: the FTP server the fetcher plays on port 21, as a pure step
 * function (one command line in, one reply out; no I/O), fuzzed.
 *
 * With [capture] fetch = no it is a server that lets anyone log in and has
 * no files: USER/PASS succeed, TYPE, MODE, STRU, PWD, CWD, SYST, FEAT,
 * NOOP, OPTS answer as vsftpd does, SIZE and RETR say 550, and RETR's path
 * is what gets recorded. PASV and EPSV name port 21 of the address the
 * client dialled: its data connection is then redirected to the fetcher
 * like the control one (it carries nothing; the client gives up at the
 * 550), so that no client waits on a data port that goes nowhere. */
#ifndef KARAKURI_FETCH_FTP_H
#define KARAKURI_FETCH_FTP_H

#include "fetch/request.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Commands one control connection may send; past it, 421 and the end. */
#define FETCH_FTP_MAX_CMDS 64

struct fetch_ftp_session {
    uint32_t dst_ip; /* the address the client dialled, host byte order */
    char user[64];
    char pass[64];
    bool user_given, logged_in;
    unsigned cmds;
};

enum fetch_ftp_action {
    FETCH_FTP_REPLY, /* send the reply, read the next command */
    FETCH_FTP_RETR,  /* the same, and record cmd->arg as a download */
    FETCH_FTP_CLOSE, /* send the reply, then close */
};

/* The greeting sent on connect ("220 ...\r\n"). */
const char *fetch_ftp_greeting(void) __attribute__((returns_nonnull));

/* s starts zeroed but for dst_ip. Writes the reply (CRLF-terminated,
 * NUL-terminated, at most len bytes; len >= 128) to reply. */
enum fetch_ftp_action fetch_ftp_step(struct fetch_ftp_session *s, const struct fetch_ftp_cmd *cmd,
                                     char *reply, size_t len);

#endif
