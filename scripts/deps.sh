#!/usr/bin/env bash
# deps.sh: installs the Debian packages that backstop's build, tests and benchmarks need.
# Idempotent: asks dpkg first and installs only what is missing. Run as root (or via sudo).
#
#   scripts/deps.sh            build + test dependencies
#   scripts/deps.sh --bench    also the peers the benchmarks compare against (Sisimai,
#                              dnsperf, rbldnsd)
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"

# Build: toolchain, the libraries DESIGN.md chose, test and benchmark frameworks.
build_pkgs=(
  cmake ninja-build g++ pkg-config make
  libgmime-3.0-dev libvectorscan-dev libssl-dev
  libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev nlohmann-json3-dev
  libsqlite3-dev libasio-dev libhiredis-dev libc-ares-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
)
# Tests: interpreters and the real peers the integration tests start on loopback.
# Exim is not installed as a package (it conflicts with Postfix, which later tests need as
# the MTA); scripts/peers.sh unpacks its binary under build/peers/ instead. These are the
# shared libraries that binary links against.
test_pkgs=(
  python3 perl postfix swaks libnet-ssleay-perl openssl
  redis-server dnsutils ucspi-tcp miltertest
  libdb5.3 libgnutls-dane0 libidn12 libnsl2 libpcre2-8-0 libgnutls30 libcrypt1
)
bench_pkgs=(libsisimai-perl dnsperf rbldnsd)

want=("${build_pkgs[@]}" "${test_pkgs[@]}")
if [[ "${1:-}" == "--bench" ]]; then want+=("${bench_pkgs[@]}"); fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
      echo "deps.sh: these Debian packages are missing: ${missing[*]}" >&2
      echo "deps.sh: run this script as root (or install them with apt-get) and try again." >&2
      exit 1
    fi
  else SUDO=; fi
  echo "deps.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Postfix is a test peer (downstream MTA, smtp-sink), not this machine's MTA: no set-up,
  # and the tests start their own instances on loopback ports.
  echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
  $SUDO apt-get update -qq || true
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

"$here/scripts/peers.sh"
