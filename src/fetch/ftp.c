/* fetch ftp: the fetcher's FTP dialogue (see ftp.h). Replies are vsftpd's,
 * the commonest server a download tool meets. */
#include "fetch/ftp.h"

#include <stdio.h>
#include <string.h>

const char *fetch_ftp_greeting(void)
{
    return "220 (vsFTPd 3.0.3)\r\n";
}

struct canned {
    const char *verb, *reply;
};

/* Commands whose answer does not depend on anything, once logged in. */
static const struct canned CANNED[] = {
    {"TYPE", "200 Switching to Binary mode."},
    {"MODE", "200 Mode set to S."},
    {"STRU", "200 Structure set to F."},
    {"PWD", "257 \"/\" is the current directory"},
    {"XPWD", "257 \"/\" is the current directory"},
    {"CWD", "250 Directory successfully changed."},
    {"CDUP", "250 Directory successfully changed."},
    {"SYST", "215 UNIX Type: L8"},
    {"NOOP", "200 NOOP ok."},
    {"OPTS", "200 Always in UTF8 mode."},
    {"PORT", "200 PORT command successful. Consider using PASV."},
    {"EPRT", "200 EPRT command successful. Consider using EPSV."},
    {"SIZE", "550 Could not get file size."},
    {"MDTM", "550 Could not get file modification time."},
    {"REST", "350 Restart position accepted (0)."},
    {"LIST", "550 Permission denied."},
    {"NLST", "550 Permission denied."},
    {"MLSD", "550 Permission denied."},
    {"STOR", "553 Could not create file."},
    {"APPE", "553 Could not create file."},
    {"DELE", "550 Delete operation failed."},
    {"MKD", "550 Create directory operation failed."},
    {"ABOR", "225 No transfer to ABOR."},
};

/* Cut to fit: names and passwords longer than that are not worth keeping. */
static void copy_arg(char *dst, size_t cap, const char *arg)
{
    size_t n = strnlen(arg, cap - 1);
    memcpy(dst, arg, n);
    dst[n] = '\0';
}

/* Before login only these are answered; the rest get 530. */
static enum fetch_ftp_action login_step(struct fetch_ftp_session *s, const struct fetch_ftp_cmd *c,
                                        char *reply, size_t len)
{
    if (strcmp(c->verb, "USER") == 0) {
        copy_arg(s->user, sizeof(s->user), c->arg);
        s->user_given = true;
        snprintf(reply, len, "331 Please specify the password.\r\n");
    } else if (strcmp(c->verb, "PASS") == 0 && s->user_given) {
        copy_arg(s->pass, sizeof(s->pass), c->arg);
        s->logged_in = true;
        snprintf(reply, len, "230 Login successful.\r\n");
    } else if (strcmp(c->verb, "PASS") == 0) {
        snprintf(reply, len, "503 Login with USER first.\r\n");
    } else {
        snprintf(reply, len, "530 Please login with USER and PASS.\r\n");
    }
    return FETCH_FTP_REPLY;
}

enum fetch_ftp_action fetch_ftp_step(struct fetch_ftp_session *s, const struct fetch_ftp_cmd *c,
                                     char *reply, size_t len)
{
    uint32_t a = s->dst_ip;
    if (++s->cmds > FETCH_FTP_MAX_CMDS) {
        snprintf(reply, len, "421 Too many commands.\r\n");
        return FETCH_FTP_CLOSE;
    }
    if (strcmp(c->verb, "QUIT") == 0) {
        snprintf(reply, len, "221 Goodbye.\r\n");
        return FETCH_FTP_CLOSE;
    }
    if (strcmp(c->verb, "FEAT") == 0) {
        snprintf(reply, len, "211-Features:\r\n EPSV\r\n PASV\r\n SIZE\r\n UTF8\r\n211 End\r\n");
        return FETCH_FTP_REPLY;
    }
    if (!s->logged_in || strcmp(c->verb, "USER") == 0 || strcmp(c->verb, "PASS") == 0)
        return login_step(s, c, reply, len);
    if (strcmp(c->verb, "RETR") == 0) {
        snprintf(reply, len, "550 Failed to open file.\r\n");
        return FETCH_FTP_RETR;
    }
    /* Port 21 of the address dialled: the data connection comes back here. */
    if (strcmp(c->verb, "PASV") == 0) {
        snprintf(reply, len, "227 Entering Passive Mode (%u,%u,%u,%u,0,21).\r\n", a >> 24,
                 (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
        return FETCH_FTP_REPLY;
    }
    if (strcmp(c->verb, "EPSV") == 0) {
        snprintf(reply, len, "229 Entering Extended Passive Mode (|||21|)\r\n");
        return FETCH_FTP_REPLY;
    }
    for (size_t i = 0; i < sizeof(CANNED) / sizeof(CANNED[0]); i++)
        if (strcmp(c->verb, CANNED[i].verb) == 0) {
            snprintf(reply, len, "%s\r\n", CANNED[i].reply);
            return FETCH_FTP_REPLY;
        }
    snprintf(reply, len, "500 Unknown command.\r\n");
    return FETCH_FTP_REPLY;
}
