/* ssh upload: the files an intruder sends in over sftp (scp in its SFTP
 * mode too) or legacy scp, taken from the channel's own bytes as the relay
 * carries them, so that a file deleted in the same session is still kept.
 * Pure: bytes in, file opens, writes and closes out; it never changes what
 * is relayed, and a stream it cannot follow (past its caps, malformed) is
 * left alone from there on, its open files closed. */
#ifndef KARAKURI_SSH_UPLOAD_H
#define KARAKURI_SSH_UPLOAD_H

#include <stddef.h>
#include <stdint.h>

enum kssh_upload_proto {
    KSSH_UPLOAD_SFTP,
    KSSH_UPLOAD_SCP, /* the sink side of legacy scp: `scp -t TARGET` */
};

/* OpenSSH's sftp-server refuses larger packets: so do we. */
#define KSSH_UPLOAD_PACKET_MAX (256 * 1024 + 1024)
/* Files open at once on one channel; an open past it is not followed. */
#define KSSH_UPLOAD_FILES_MAX 8
#define KSSH_UPLOAD_NAME_MAX 1024

/* f numbers a channel's files from 0, each once. */
struct kssh_upload_ops {
    void (*open)(void *ud, int f, const char *name, size_t n);
    void (*data)(void *ud, int f, uint64_t off, const void *d, size_t n);
    void (*close)(void *ud, int f);
};

struct kssh_upload;

/* target: scp's TARGET argument (its files' names are put under it when it
 * is a directory), NULL for sftp. ops and ud are borrowed. */
struct kssh_upload *kssh_upload_new(enum kssh_upload_proto proto, const char *target,
                                    const struct kssh_upload_ops *ops, void *ud);
/* Bytes from the attacker's client, and from the server it talks to. */
void kssh_upload_client(struct kssh_upload *u, const void *d, size_t n);
void kssh_upload_server(struct kssh_upload *u, const void *d, size_t n);
/* Whether the stream is still followed (false once it went past a cap). */
int kssh_upload_following(const struct kssh_upload *u);
/* Closes what is still open, then frees u. */
void kssh_upload_free(struct kssh_upload *u);

/* The TARGET of an scp sink command (`scp [-options] -t [--] TARGET`), or
 * NULL when command is not one; a copy for the caller to free. */
char *kssh_upload_scp_target(const char *command);

#endif
