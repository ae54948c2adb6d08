#!/bin/sh
# Entry point of every karakuri image: SSH host keys of this container's own
# (unless some were put in place before start), the daemons a server runs,
# then the command (sshd in the foreground by default).
set -e
if ! ls /etc/ssh/ssh_host_*_key >/dev/null 2>&1; then
  ssh-keygen -A >/dev/null
fi
mkdir -p /run/sshd
if [ -x /usr/sbin/rsyslogd ]; then rsyslogd >/dev/null 2>&1 || true; fi
if [ -x /usr/sbin/cron ]; then cron >/dev/null 2>&1 || true; fi
exec "$@"
