// rcpt_known: written for bench/compare/run.sh. Accepts RCPT for the addresses listed in
// config/rcpt_known (one a line, compared in lower case) and refuses every other recipient with
// 550 5.1.1, so Haraka refuses unknown users at RCPT as the other systems in the comparison do.
// Also answers the reverse DNS lookup of each client itself ("unknown", as Postfix is told with
// smtpd_peername_lookup = no), so the benchmark sends no DNS queries off the machine.
// And asks Haraka to parse the body of every message: haraka-plugin-bounce's hash validation
// reads the quoted original from the parsed body, which the plugin itself only requests when its
// SPF check (off here: it needs the DNS) is on.
'use strict'

exports.register = function () {
  this.load_list()
}

exports.load_list = function () {
  const lines = this.config.get('rcpt_known', 'list', () => this.load_list())
  this.known = new Set(lines.map((l) => l.trim().toLowerCase()).filter((l) => l))
}

exports.hook_lookup_rdns = function (next) {
  next(OK, 'unknown')
}

exports.hook_data = function (next, connection) {
  if (connection.transaction) connection.transaction.parse_body = true
  next()
}

exports.hook_rcpt = function (next, connection, params) {
  const rcpt = params[0]
  const address = `${rcpt.user}@${rcpt.host}`.toLowerCase()
  if (this.known.has(address)) return next(OK)
  next(DENY, `5.1.1 <${address}>: Recipient address rejected: User unknown`)
}
