/* ssh sandbox: the seccomp filter of a session process (see sandbox.c). */
#ifndef KARAKURI_SSH_SANDBOX_H
#define KARAKURI_SSH_SANDBOX_H

/* Sets no_new_privs and installs the filter on every thread of the
 * process. Returns 0 or a negative errno. */
int kssh_sandbox_apply(void) __attribute__((warn_unused_result));

#endif
