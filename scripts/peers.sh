#!/usr/bin/env bash
# peers.sh: unpacks the real peers that cannot be installed side by side as Debian packages
# (Exim conflicts with Postfix) into build/peers/, from Debian's own .deb files. Idempotent.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
peers="$here/build/peers"
mkdir -p "$peers"

if [[ ! -x "$peers/exim/usr/sbin/exim4" ]]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  ( cd "$tmp" && apt-get download -qq exim4-daemon-light >/dev/null 2>&1 ) || {
    apt-get update -qq >/dev/null 2>&1 || true
    ( cd "$tmp" && apt-get download -qq exim4-daemon-light )
  }
  rm -rf "$peers/exim"
  dpkg -x "$tmp"/exim4-daemon-light_*.deb "$peers/exim"
  echo "peers.sh: Exim unpacked in $peers/exim"
fi

# Exim's binary is built to run as the Debian-exim user (Debian's exim4-base creates it).
if ! getent passwd Debian-exim >/dev/null; then
  if [[ $(id -u) -eq 0 ]]; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
      --user-group Debian-exim
  else
    echo "peers.sh: the system user Debian-exim is missing (Exim needs it); run as root" >&2
  fi
fi
