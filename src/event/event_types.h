/* event_types: every event type karakuri records, in one place.
 *
 * X(ID, "group.name", "what it means") for each type. The enum, the name
 * table, `karakuri events --list-types`, the docs and the tests are all made
 * from this list, so adding a type here is the whole job. Names are dotted,
 * lower case, and grouped by the part before the dot; the groups are fixed by
 * DESIGN.md (sensor.* is the daemon's own health). The order is the enum's
 * order, which is not stored anywhere (the database keeps the name), so new
 * types may go anywhere.
 *
 * Fields every event has: ts, type, sensor. Where they apply: session,
 * honeynet, src_ip, src_port, dst_ip, dst_port. The descriptions name the
 * other fields a type usually carries. A field the attacker sent that was cut
 * to fit (over 16 KiB, or a typed line over 4 KiB) comes with truncated: true. */
#ifndef KARAKURI_EVENT_EVENT_TYPES_H
#define KARAKURI_EVENT_EVENT_TYPES_H

#define EVENT_TYPES(X)                                                                             \
    X(SENSOR_START, "sensor.start", "the daemon started (version, pid, config)")                   \
    X(SENSOR_STOP, "sensor.stop", "the daemon is stopping (signal)")                               \
    X(SENSOR_STORE_FAILED, "sensor.store_failed",                                                  \
      "writing to a store sink started failing (sink, error); events are kept and retried")        \
    X(SENSOR_STORE_RECOVERED, "sensor.store_recovered",                                            \
      "a store sink writes again (sink, failed_writes, dropped, outage_ms)")                       \
    X(SENSOR_EVENTS_LOST, "sensor.events_lost",                                                    \
      "the previous run ended (killed, crashed) with events accepted and never written (lost)")    \
    X(SENSOR_DOCKER_DOWN, "sensor.docker_down", "the Docker engine stopped answering (error)")     \
    X(SENSOR_DOCKER_UP, "sensor.docker_up", "the Docker engine answers again (version)")           \
    X(SESSION_CONNECT, "session.connect", "a TCP connection reached the SSH front end")            \
    X(SESSION_VERSION, "session.version", "the client's SSH version string (version)")             \
    X(SESSION_KEX, "session.kex", "the client's key exchange offer (kex, ciphers, macs, hassh)")   \
    X(SESSION_PTY, "session.pty", "the client asked for a terminal (term, width, height)")         \
    X(SESSION_ENV, "session.env", "the client sent an environment variable (name, value)")         \
    X(SESSION_WINDOW, "session.window", "the client's terminal changed size (width, height)")      \
    X(SESSION_CLOSED, "session.closed", "the SSH connection ended (duration_ms, reason)")          \
    X(SESSION_HOP, "session.hop",                                                                  \
      "an SSH connection from one LAN host to another, taken by the front end (from_session, "     \
      "dst_ip, host, container, depth)")                                                           \
    X(LOGIN_SUCCESS, "login.success", "a login was accepted (username, password)")                 \
    X(LOGIN_FAILED, "login.failed", "a login was refused (username, password, reason)")            \
    X(LOGIN_PUBLICKEY, "login.publickey",                                                          \
      "the client offered a public key (username, key_type, fingerprint)")                         \
    X(LOGIN_USER_CREATED, "login.user_created",                                                    \
      "a user was created in the gateway container for a login (username, container)")             \
    X(COMMAND_INPUT, "command.input", "a command line typed in an interactive shell (input)")      \
    X(COMMAND_EXEC, "command.exec", "a command run through an exec request (command)")             \
    X(COMMAND_EXIT, "command.exit", "a shell or exec request ended (exit_status, signal)")         \
    X(FILE_UPLOAD, "file.upload",                                                                  \
      "the intruder sent a file in over scp/sftp (path, size, sha256, artifact)")                  \
    X(FILE_DOWNLOAD, "file.download",                                                              \
      "a honeynet host asked for a file over HTTP, FTP or TFTP, or the intruder took one out "     \
      "over scp/sftp (url, proto, method, host, user_agent, tool, fetched, dst_ip, dst_port, "     \
      "honeynet, container; path, size, sha256)")                                                  \
    X(FILE_CHANGED, "file.changed",                                                                \
      "a file was created or changed in a container (container, path, kind, sha256)")              \
    X(FILE_TRUNCATED, "file.truncated",                                                            \
      "an extraction stopped short (honeynet, files_skipped, reason)")                             \
    X(TTY_LOG, "tty.log",                                                                          \
      "a terminal recording was closed (artifact: asciicast v2, duration_ms, size)")               \
    X(TCPIP_FORWARD, "tcpip.forward",                                                              \
      "a direct-tcpip (local forwarding) request (dst_ip, dst_port, allowed)")                     \
    X(TCPIP_LISTEN, "tcpip.listen", "a tcpip-forward (remote forwarding) request (address, port)") \
    X(TCPIP_TLS, "tcpip.tls",                                                                      \
      "a honeynet host began TLS with an address off the machine (sni, alpn, tls_version, "        \
      "dst_ip, dst_port, honeynet, container)")                                                    \
    X(LAN_HONEYNET_CREATED, "lan.honeynet_created",                                                \
      "a honeynet and its LAN were created (subnet, gateway)")                                     \
    X(LAN_HONEYNET_REMOVED, "lan.honeynet_removed", "a honeynet was removed (reason)")             \
    X(LAN_ARP, "lan.arp", "an ARP request on a honeynet LAN (target, answered)")                   \
    X(LAN_ICMP, "lan.icmp", "an ICMP echo on a honeynet LAN (target, answered)")                   \
    X(LAN_FLOW, "lan.flow", "a new connection between hosts of a honeynet LAN")                    \
    X(LAN_DECOY_STARTED, "lan.decoy_started",                                                      \
      "a decoy was started for a LAN address (ip, mac, role, trigger, latency_ms)")                \
    X(LAN_DECOY_STOPPED, "lan.decoy_stopped", "a decoy was stopped (ip, reason)")                  \
    X(PROC_EXEC, "proc.exec",                                                                      \
      "a process was executed in a honeynet container (container, host_ip, pid, ppid, uid, argv, " \
      "cwd)")                                                                                      \
    X(PROC_DROPPED, "proc.dropped",                                                                \
      "executions the kernel could not send, its ring being full (count since the last, total)")   \
    X(CAPTURE_PCAP, "capture.pcap",                                                                \
      "a LAN packet capture file was closed (artifact, packets; truncated, frames_skipped, "       \
      "bytes_skipped past [honeynet] pcap_max_mb)")                                                \
    X(CAPTURE_DROPPED, "capture.dropped",                                                          \
      "frames of a LAN bridge the capture lost, the kernel's buffer being full (bridge, count)")   \
    X(LAN_FLOWS_DROPPED, "lan.flows_dropped",                                                      \
      "new ports between two LAN hosts past the 64 a minute recorded as lan.flow, counted "        \
      "(src_ip, dst_ip, count)")                                                                   \
    X(DNS_QUERY, "dns.query",                                                                      \
      "a honeynet host asked karakuri's resolver for a name (qname, qtype, rcode, answer, proto, " \
      "src_ip, dst_ip over tcp, honeynet, container; malformed and size for what is not a query)") \
    X(PORT_PROBE, "port.probe",                                                                    \
      "a TCP SYN or first UDP datagram reached a sensor port with no socket (proto, src_ip, "      \
      "src_port, dst_ip, dst_port, decision: open, is_open, never, deny, count, max, throttle)")   \
    X(PORT_OPENED, "port.opened",                                                                  \
      "the sensor opened a listener on a probed port before releasing the probe (proto, dst_ip, "  \
      "dst_port, src_ip, bind_us)")                                                                \
    X(PORT_PAYLOAD, "port.payload",                                                                \
      "what a sensor listener received on a connection or in a datagram (proto, src_ip, "          \
      "src_port, dst_ip, dst_port, size, md5, sha256, base64 of the first 64 KiB, truncated; "     \
      "shellcode: the x86/x86-64 shellcode verdict)")                                              \
    X(PORT_CLOSED, "port.closed",                                                                  \
      "the sensor closed an opened port (proto, dst_port, reason: idle; idle_s)")                  \
    X(INTERCEPT_TRIGGERED, "intercept.triggered",                                                  \
      "an intercept trigger fired for a source address (rule, container)")                         \
    X(INTERCEPT_CLONED, "intercept.cloned",                                                        \
      "a production container was cloned for an intercept (container, clone, method, ms)")         \
    X(INTERCEPT_DIVERTED, "intercept.diverted",                                                    \
      "a source address is now diverted to its clone (clone)")                                     \
    X(INTERCEPT_FAILED, "intercept.failed", "an intercept could not be completed (error)")         \
    X(CONTAIN_CAP_HIT, "contain.cap_hit",                                                          \
      "a cap on honeynets or decoys per intrusion was reached (cap, value)")                       \
    X(CONTAIN_LIMIT, "contain.limit",                                                              \
      "a container hit a resource limit (container, limit: memory, cpu, pids, bytes)")             \
    X(CONTAIN_BLOCKED, "contain.blocked",                                                          \
      "a honeynet host tried to reach what it must not (rule: host, honeynet or outside; proto, "  \
      "src_ip, dst_ip, dst_port or icmp_type, honeynet, host, repeats)")                           \
    X(CONTAIN_BUDGET, "contain.budget",                                                            \
      "events over a source's or a honeynet's budget were counted, not stored (event_type, "       \
      "count, window_ms, scope: source or honeynet; honeynet, src_ip and the key fields)")         \
    X(CONTAIN_EGRESS, "contain.egress",                                                            \
      "a honeynet host opened a connection off the machine that [containment] egress allows "      \
      "(proto, src_ip, dst_ip, dst_port, honeynet, host)")                                         \
    X(CONTAIN_LOG_DROPPED, "contain.log_dropped",                                                  \
      "batches of firewall log records the kernel could not queue for karakuri, its buffer "       \
      "being full (batches since the last, total_batches; a batch holds one or more records)")     \
    X(CONTAIN_FIREWALL, "contain.firewall",                                                        \
      "karakuri's firewall rules were found changed at run time (missing, restored; error when "   \
      "they could not be restored and karakuri stops)")                                            \
    X(CONTAIN_EXPIRED, "contain.expired",                                                          \
      "a session or container reached the end of its lifetime (what, lifetime_s)")                 \
    X(CONTAIN_CLEANUP, "contain.cleanup",                                                          \
      "leftovers of an earlier run were removed (containers, networks, failed)")

#endif
