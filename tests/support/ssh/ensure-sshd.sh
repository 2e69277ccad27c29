#!/bin/sh
# Make sure an OpenSSH server binary is there for tests/integration/test_hawkbit_ssh.py:
# installs Debian's openssh-server when sshd is missing and we are root; fails clearly otherwise.
# Also creates sshd's privilege separation directory, which Debian's sshd insists on.
set -eu
SSHD=${SSHD:-/usr/sbin/sshd}
if [ ! -x "$SSHD" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "ensure-sshd: $SSHD is missing and only root can install it: apt-get install -y openssh-server" >&2
        exit 1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openssh-server >/dev/null \
        || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openssh-server >/dev/null; }
fi
if [ "$(id -u)" -eq 0 ] && [ ! -d /run/sshd ]; then
    mkdir -p /run/sshd
    chmod 0755 /run/sshd
fi
command -v ssh >/dev/null && command -v ssh-keygen >/dev/null || {
    echo "ensure-sshd: the OpenSSH client (ssh, ssh-keygen) is missing: apt-get install -y openssh-client" >&2
    exit 1
}
