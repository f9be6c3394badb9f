"""A tiny authoritative-looking DNS responder for the integration tests: answers PTR, A and AAAA
questions over UDP from a table, NXDOMAIN (with an SOA, so the answer can be cached) for the
rest. Runs in a thread on a loopback port; `stop()` closes it. No recursion, no TCP, no EDNS:
only what c-ares asks when backstop looks a client's name up."""
import ipaddress
import socket
import struct
import threading

TYPES = {"A": 1, "PTR": 12, "AAAA": 28}


def _wire(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def reverse(ip):
    return ipaddress.ip_address(ip).reverse_pointer.lower()


class FakeDns:
    def __init__(self, records, ttl=300):
        """records: {(name, "PTR"|"A"|"AAAA"): [values]}; PTR values are names, A/AAAA IPs."""
        self.records = {(n.lower().rstrip("."), TYPES[t]): v for (n, t), v in records.items()}
        self.ttl = ttl
        self.queries = []
        self.silent = False  # True: read questions, answer none (a name server that hangs)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def address(self):
        return "127.0.0.1:%d" % self.port

    def stop(self):
        self.sock.close()

    def _serve(self):
        while True:
            try:
                data, peer = self.sock.recvfrom(512)
            except OSError:
                return
            if self.silent:
                continue
            try:
                reply = self._answer(data)
            except (IndexError, struct.error):
                continue
            try:
                self.sock.sendto(reply, peer)
            except OSError:
                return

    def _answer(self, q):
        qid, = struct.unpack("!H", q[:2])
        pos, labels = 12, []
        while q[pos]:
            labels.append(q[pos + 1:pos + 1 + q[pos]].decode("ascii", "replace"))
            pos += 1 + q[pos]
        qtype, = struct.unpack("!H", q[pos + 1:pos + 3])
        question = q[12:pos + 5]
        name = ".".join(labels).lower()
        self.queries.append((name, qtype))
        values = self.records.get((name, qtype))
        answers = b""
        for v in values or []:
            if qtype == 12:
                rdata = _wire(v)
            else:
                rdata = ipaddress.ip_address(v).packed
            answers += b"\xc0\x0c" + struct.pack("!HHIH", qtype, 1, self.ttl, len(rdata)) + rdata
        if values:
            header = struct.pack("!HHHHHH", qid, 0x8580, 1, len(values), 0, 0)
            return header + question + answers
        soa = (_wire("ns.test") + _wire("hostmaster.test") +
               struct.pack("!IIIII", 1, 3600, 600, 86400, self.ttl))
        auth = _wire("test") + struct.pack("!HHIH", 6, 1, self.ttl, len(soa)) + soa
        header = struct.pack("!HHHHHH", qid, 0x8583, 1, 0, 1, 0)
        return header + question + auth
