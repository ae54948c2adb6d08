#!/bin/sh
# /etc/init.d/rcS: this server's boot-time set-up, run once before init(8)
# (the image's entry point: it ends by running the command, /sbin/init by
# default). SSH host keys of this container's own (unless some were put in
# place before start), no marker a container runtime leaves, then init, which
# runs the daemons of /etc/inittab (rsyslogd, cron, sshd) as its children.
set -e
rm -f /.dockerenv /run/.containerenv
if ! ls /etc/ssh/ssh_host_*_key >/dev/null 2>&1; then
  ssh-keygen -A >/dev/null
fi
mkdir -p /run/sshd
exec "$@"
