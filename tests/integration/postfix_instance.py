"""A private Postfix instance for the integration tests: its own config, queue and data
directories in the test's temporary directory, smtpd services on loopback ports only, every
message handed on to a sink port, its own log file. Needs root (Postfix's master runs as root
and drops to the postfix user)."""
import os
import shutil
import subprocess
import time

MAIN_CF = """compatibility_level = 3.6
config_directory = {d}
queue_directory = {q}
data_directory = {data}
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.example.org
mydomain = example.org
myorigin = example.org
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
local_recipient_maps =
mynetworks = 127.0.0.0/8
relay_domains = example.org
transport_maps = texthash:{d}/transport
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
disable_dns_lookups = yes
smtp_host_lookup = native
smtp_dns_support_level = disabled
notify_classes =
maillog_file = {log}
maillog_file_prefixes = {tmp}
biff = no
{extra}
"""

MASTER_CF_TAIL = """pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


def available():
    """Why a private Postfix cannot run here, or ""."""
    if not os.path.exists("/usr/sbin/postfix"):
        return "Postfix (Debian package postfix) is not installed"
    if os.geteuid() != 0:
        return "a private Postfix instance needs root"
    return ""


class Postfix:
    def __init__(self, tmp, sink_port, services, extra=""):
        """services: master.cf lines for the smtpd services ("127.0.0.1:PORT inet n - n - - smtpd
        -o ..."); extra: more main.cf lines."""
        self.tmp = tmp
        self.dir = os.path.join(tmp, "postfix")
        self.queue = os.path.join(tmp, "postfix-queue")
        self.data = os.path.join(tmp, "postfix-data")
        self.log = os.path.join(tmp, "postfix.log")
        for d in (self.dir, self.queue, self.data):
            os.makedirs(d, exist_ok=True)
        shutil.chown(self.data, "postfix")
        with open(os.path.join(self.dir, "main.cf"), "w") as f:
            f.write(MAIN_CF.format(d=self.dir, q=self.queue, data=self.data, log=self.log,
                                   tmp=tmp, extra=extra))
        with open(os.path.join(self.dir, "master.cf"), "w") as f:
            f.write("\n".join(services) + "\n" + MASTER_CF_TAIL)
        with open(os.path.join(self.dir, "transport"), "w") as f:
            f.write("* smtp:[127.0.0.1]:%d\n" % sink_port)

    def start(self):
        subprocess.run(["postfix", "-c", self.dir, "check"], check=False, capture_output=True)
        r = subprocess.run(["postfix", "-c", self.dir, "start"], capture_output=True, text=True)
        pid = os.path.join(self.queue, "pid", "master.pid")
        end = time.time() + 20
        while time.time() < end and not (os.path.exists(pid) and os.path.getsize(pid) > 0):
            time.sleep(0.1)
        if not os.path.exists(pid):
            raise RuntimeError("Postfix did not start: " + r.stdout + r.stderr + self.logtext()[-2000:])

    def stop(self):
        subprocess.run(["postfix", "-c", self.dir, "stop"], capture_output=True)
        pid = os.path.join(self.queue, "pid", "master.pid")
        end = time.time() + 10
        while time.time() < end and os.path.exists(pid):
            time.sleep(0.1)

    def flush(self):
        subprocess.run(["postqueue", "-c", self.dir, "-f"], capture_output=True)

    def logtext(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def queue_ids(self):
        """Messages still in the queue (deferred, active, incoming)."""
        r = subprocess.run(["postqueue", "-c", self.dir, "-j"], capture_output=True, text=True)
        return [l for l in r.stdout.splitlines() if l.strip()]
