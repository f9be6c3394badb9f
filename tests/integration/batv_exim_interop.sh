#!/usr/bin/env bash
# BATV interop with the real Exim (unpacked by scripts/peers.sh): tags Exim's ${prvs} makes
# verify with `backstop batv verify`, tags backstop makes pass Exim's ${prvscheck}, and tampered
# tags fail in both. Usage: batv_exim_interop.sh PATH-TO-BACKSTOP   (env EXIM overrides Exim.)
set -euo pipefail

backstop="${1:-}"
exim="${EXIM:-$(dirname "$0")/../../build/peers/exim/usr/sbin/exim4}"

die() {
  echo "batv_exim_interop: $*" >&2
  echo "0 passed, 1 failed"
  exit 1
}
[[ -n "$backstop" && -x "$backstop" ]] || die "usage: $0 PATH-TO-BACKSTOP (got '${backstop}')"
[[ -x "$exim" ]] || die "no Exim at $exim: run scripts/peers.sh (or set EXIM=/path/to/exim4)"
getent passwd Debian-exim >/dev/null ||
  die "Exim needs the system user Debian-exim: run scripts/peers.sh (it creates it)"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
printf 'exim_user = root\nexim_group = root\nprimary_hostname = test\n' >"$tmp/exim.conf"

passed=0
failed=0
pass() {
  echo "ok    $1"
  passed=$((passed + 1))
}
fail() {
  echo "FAIL  $1"
  shift
  for line in "$@"; do echo "        $line"; done
  failed=$((failed + 1))
}
# expect DESCRIPTION GOT WANT
expect() {
  if [[ "$2" == "$3" ]]; then pass "$1"; else fail "$1" "got:  $2" "want: $3"; fi
}

# Exim expansions. Secrets and addresses here avoid '$', '{', '}' and '\', which Exim expands.
exim_sign() { # ADDRESS SECRET KEY
  "$exim" -C "$tmp/exim.conf" -be "\${prvs{$1}{$2}{$3}}"
}
exim_check() { # TAGGED SECRET-EXPRESSION -> "valid ADDRESS K" or "invalid ADDRESS K"
  # shellcheck disable=SC2016  # an Exim expression, not a shell one
  local report='${if eq{$prvscheck_result}{1}{valid}{invalid}} $prvscheck_address $prvscheck_keynum'
  "$exim" -C "$tmp/exim.conf" -be "\${prvscheck{$1}{$2}{$report}}"
}
# backstop, capturing the exit status without tripping set -e.
bs_rc=0
bs() {
  bs_rc=0
  bs_out="$("$backstop" batv "$@" 2>"$tmp/stderr")" || bs_rc=$?
}
flip_hex() { # flips the first signature digit of prvs=KDDDSSSSSS=...
  local t="$1" c="${1:9:1}"
  [[ "$c" == 0 ]] && c=1 || c=0
  echo "${t:0:9}${c}${t:10}"
}

# Exim and backstop must see the same day: don't start within a minute of midnight UTC.
left=$((86400 - $(date +%s) % 86400))
if ((left < 60)); then
  echo "waiting ${left}s for midnight UTC to pass"
  sleep "$((left + 1))"
fi

version="$("$exim" -C "$tmp/exim.conf" -bV 2>/dev/null | head -1 || true)"
echo "Exim: ${version:-unknown version} ($exim)"
probe="$(exim_sign user@example.org secret 3 2>&1 || true)"
[[ "$probe" =~ ^prvs=3[0-9]{3}[0-9a-f]{6}=user@example.org$ ]] ||
  die "Exim does not expand \${prvs} as expected: $probe"

keys=("3|secret" "0|k0" "9|correct horse battery staple" "5|s3cr3t!#%&*-_=+")
addresses=(user@example.org first.last@example.org user+tag@mail.example.org
  a.b+c-d@sub.dept.example.co.uk x@y.example)

for kv in "${keys[@]}"; do
  k="${kv%%|*}"
  secret="${kv#*|}"
  printf '# interop key\n%s %s\n' "$k" "$secret" >"$tmp/keys"
  for addr in "${addresses[@]}"; do
    what="key $k '$secret', $addr"
    etag="$(exim_sign "$addr" "$secret" "$k")"
    bs sign --key-file "$tmp/keys" "$addr"
    expect "backstop signs exactly as Exim ($what)" "$bs_out" "$etag"
    btag="$bs_out"

    bs verify --key-file "$tmp/keys" "$etag"
    expect "Exim's tag verifies in backstop ($what)" \
      "$bs_rc ${bs_out%% (*}" "0 valid $addr"
    expect "backstop's tag verifies in Exim ($what)" \
      "$(exim_check "$btag" "$secret")" "valid $addr $k"

    bad="$(flip_hex "$etag")"
    bs verify --key-file "$tmp/keys" "$bad"
    expect "flipped hex digit rejected by backstop ($what)" \
      "$bs_rc ${bs_out%% (*}" "1 bad-signature $addr"
    expect "flipped hex digit rejected by Exim ($what)" \
      "$(exim_check "$(flip_hex "$btag")" "$secret")" "invalid $addr $k"
  done
done

# The older layout prvs=local=KDDDSSSSSS@domain: backstop accepts it; Exim's prvscheck does not
# recognise it at all.
printf '3 secret\n' >"$tmp/keys"
etag="$(exim_sign user@example.org secret 3)"
tag="${etag:5:10}"
bs verify --key-file "$tmp/keys" "prvs=user=${tag}@example.org"
expect "old layout prvs=user=TAG@domain of an Exim tag verifies in backstop" \
  "$bs_rc ${bs_out%% (*}" "0 valid user@example.org"
bs verify --key-file "$tmp/keys" "PRVS=${etag:5:4}${tag:4}=user@example.org"
expect "upper-case PRVS= prefix verifies in backstop" "$bs_rc" "0"
expect "upper-case PRVS= prefix verifies in Exim" \
  "$(exim_check "PRVS=${tag}=user@example.org" secret)" "valid user@example.org 3"
upper="prvs=${tag^^}=user@example.org"
bs verify --key-file "$tmp/keys" "$upper"
expect "upper-case hex verifies in backstop" "$bs_rc" "0"
expect "upper-case hex is rejected by Exim (documented difference; we sign lower-case)" \
  "$(exim_check "$upper" secret)" "invalid user@example.org 3"

# Mixed case: Exim signs the address as written; backstop signs the lower-cased domain.
etag="$(exim_sign User.Name@Example.ORG secret 3)"
bs verify --key-file "$tmp/keys" "$etag"
expect "Exim's mixed-case tag verifies in backstop" \
  "$bs_rc ${bs_out%% (*}" "0 valid User.Name@Example.ORG"
bs sign --key-file "$tmp/keys" User.Name@Example.ORG
expect "backstop lower-cases only the domain when signing" \
  "$bs_out" "$(exim_sign User.Name@example.org secret 3)"
expect "backstop's mixed-case tag verifies in Exim" \
  "$(exim_check "$bs_out" secret)" "valid User.Name@example.org 3"
# A relay that folds the domain's case breaks Exim's mixed-case tags (in both verifiers: the
# original case cannot be recovered), but not backstop's, which sign the lower-cased domain.
bs verify --key-file "$tmp/keys" "${etag%@*}@example.org"
expect "Exim's mixed-case tag with the domain lower-cased: bad signature in backstop" \
  "$bs_rc ${bs_out%% (*}" "1 bad-signature User.Name@example.org"
expect "Exim's mixed-case tag with the domain lower-cased: invalid in Exim" \
  "$(exim_check "${etag%@*}@example.org" secret)" "invalid User.Name@example.org 3"
bs sign --key-file "$tmp/keys" User.Name@Example.ORG
btag="$bs_out"
bs verify --key-file "$tmp/keys" "${btag%@*}@EXAMPLE.ORG"
expect "backstop's tag with the domain upper-cased still verifies in backstop" \
  "$bs_rc ${bs_out%% (*}" "0 valid User.Name@EXAMPLE.ORG"
bs verify --key-file "$tmp/keys" "${etag%%=User.Name@*}=user.name@Example.ORG"
expect "the local part is signed as written: changing its case breaks the tag" \
  "$bs_rc ${bs_out%% (*}" "1 bad-signature user.name@Example.ORG"

# Rotation: Exim picks the secret by $prvscheck_keynum, backstop by the tag's key number.
printf '2 old secret\n3 new secret\n' >"$tmp/keys"
# shellcheck disable=SC2016  # an Exim expression, not a shell one
rotating='${if eq{$prvscheck_keynum}{2}{old secret}{new secret}}'
bs sign --key-file "$tmp/keys" user@example.org
expect "the key on the last line signs" "${bs_out:5:1}" "3"
expect "rotated key: backstop's tag verifies in Exim" \
  "$(exim_check "$bs_out" "$rotating")" "valid user@example.org 3"
etag="$(exim_sign user@example.org "old secret" 2)"
bs verify --key-file "$tmp/keys" "$etag"
expect "rotated key: Exim's tag with the old key verifies in backstop" \
  "$bs_rc $bs_out" "0 valid user@example.org (key 2, expires ${bs_out##*expires }"
printf '3 new secret\n' >"$tmp/keys"
bs verify --key-file "$tmp/keys" "$etag"
expect "retired key: the old tag is refused" \
  "$bs_rc $bs_out" "1 bad-signature user@example.org (key 2, not in the key file)"

# Expiry, with tags backstop makes in the past (--now), checked by both at the real time.
printf '3 secret\n' >"$tmp/keys"
now="$(date +%s)"
bs sign --key-file "$tmp/keys" --now "$((now - 3 * 86400))" user@example.org
expect "a tag made 3 days ago is valid in Exim" \
  "$(exim_check "$bs_out" secret)" "valid user@example.org 3"
three="$bs_out"
bs verify --key-file "$tmp/keys" "$three"
expect "a tag made 3 days ago is valid in backstop" "$bs_rc" "0"
bs sign --key-file "$tmp/keys" --now "$((now - 8 * 86400))" user@example.org
old="$bs_out"
bs verify --key-file "$tmp/keys" "$old"
expect "a tag made 8 days ago has expired in backstop" "$bs_rc ${bs_out%% (*}" \
  "1 expired user@example.org"
day=$(((now / 86400) % 1000))
if ((day >= 8 && day <= 992)); then
  expect "a tag made 8 days ago has expired in Exim" \
    "$(exim_check "$old" secret)" "invalid user@example.org 3"
else
  echo "note  today is day $day mod 1000: Exim's own expiry check is unreliable this close" \
    "to the 999->000 wrap, so the Exim side of the 8-day check is not asserted today"
fi

# Usage and key-file errors exit 2 with a message.
printf '3 a\n3 b\n' >"$tmp/bad"
bs verify --key-file "$tmp/bad" user@example.org
expect "duplicate key: exit 2" "$bs_rc" "2"
expect "duplicate key: message names the line" \
  "$(cat "$tmp/stderr")" "backstop batv: $tmp/bad:2: key 3 is defined twice (first on line 1)"
bs verify --key-file "$tmp/missing" user@example.org
expect "missing key file: exit 2" "$bs_rc" "2"
bs sign --key-file "$tmp/keys" --lifetime-days 1000 user@example.org
expect "lifetime over 998 days: exit 2" "$bs_rc" "2"

echo "$passed passed, $failed failed"
((failed == 0))
