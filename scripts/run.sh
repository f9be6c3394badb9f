#!/usr/bin/env bash
# run.sh BINARY: what `make run` does. Starts the shield on its embedded defaults
# (etc/backstop.toml): SMTP on 127.0.0.1:2525, mail for example.org delivered into the Maildir
# var/mail, one decision per line on standard output. Ctrl-C stops it.
set -euo pipefail
bin="$1"
here="$(cd "$(dirname "$0")/.." && pwd)"
conf="$here/etc/backstop.toml"
"$bin" check-config "$conf" >/dev/null
mkdir -p "$here/var/mail" "$here/var/spool"
cat <<TXT
backstop serve --config etc/backstop.toml
  SMTP on 127.0.0.1:2525 for example.org; accepted mail goes to the Maildir var/mail/new/.

Try it from another terminal:
  swaks --server 127.0.0.1:2525 --from friend@example.net --to alice@example.org
        (ham: accepted and delivered)
  swaks --server 127.0.0.1:2525 --from friend@example.net --to nobody@example.org
        (unknown user: 550 5.1.1 at RCPT)
  swaks --server 127.0.0.1:2525 --from '<>' --to alice@example.org \\
        --header 'Subject: Undelivered Mail Returned to Sender' \\
        --body 'This is the mail system at host mx.remote.example.'
        (backscatter: 550 5.7.1 at the end of DATA)
  $bin batv sign --key-file etc/batv.keys alice@example.org
        (a tagged sender: bounces to it are accepted)

Decisions, one per line:
TXT
exec "$bin" serve --config "$conf"
