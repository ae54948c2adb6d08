/* fuzz_ssh_upload: an sftp or scp channel's bytes, both ways, in pieces as
 * a hostile client (and a gateway's root, on the server's side) could send
 * them, through ssh/upload.c. Input: one byte choosing sftp or scp, then
 * pieces of [side byte][length byte][bytes]. Checked: files are numbered
 * from 0 in order, names fit KSSH_UPLOAD_NAME_MAX, bytes go only to a file
 * open on that channel, and every file opened is closed exactly once (at
 * the latest when the channel is freed). */
#include "fuzz.h"
#include "ssh/upload.h"

#include <stdbool.h>
#include <string.h>

#define MAXF 4096

static unsigned char state[MAXF]; /* 0 never opened, 1 open, 2 closed */
static int nfiles;

static void on_open(void *ud, int f, const char *name, size_t n)
{
    (void)ud;
    (void)name;
    CHECK(f == nfiles && f < MAXF);
    CHECK(n <= KSSH_UPLOAD_NAME_MAX);
    state[f] = 1;
    nfiles++;
}

static void on_data(void *ud, int f, uint64_t off, const void *d, size_t n)
{
    (void)ud;
    (void)off;
    CHECK(f >= 0 && f < nfiles && state[f] == 1);
    CHECK(d != NULL || n == 0);
    CHECK(n <= KSSH_UPLOAD_PACKET_MAX);
}

static void on_close(void *ud, int f)
{
    (void)ud;
    CHECK(f >= 0 && f < nfiles && state[f] == 1);
    state[f] = 2;
}

static const struct kssh_upload_ops ops = {on_open, on_data, on_close};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    memset(state, 0, sizeof(state));
    nfiles = 0;
    bool scp = data[0] & 1;
    struct kssh_upload *u =
        kssh_upload_new(scp ? KSSH_UPLOAD_SCP : KSSH_UPLOAD_SFTP, scp ? "/tmp/" : NULL, &ops, NULL);
    size_t i = 1;
    while (i + 2 <= size) {
        bool server = data[i] & 1;
        size_t n = data[i + 1];
        i += 2;
        if (n > size - i)
            n = size - i;
        if (server)
            kssh_upload_server(u, data + i, n);
        else
            kssh_upload_client(u, data + i, n);
        i += n;
    }
    kssh_upload_free(u);
    for (int f = 0; f < nfiles; f++)
        CHECK(state[f] == 2);
    return 0;
}
