#!/usr/bin/env python3
"""Makes captures/synthetic/tunnel-<kind>.pcap: the lab's SLB idle-reset capture
(captures/slb-idle-reset-client.pcap) as a cloud traffic mirror or an edge link delivers it,
every frame wrapped in one encapsulation: VXLAN, GENEVE, GRE (IP and Ethernet payloads),
ERSPAN types I, II and III, IP-in-IP, 6in4-style IPv4-in-IPv6 is left out, PPPoE and MPLS.
tshark numbers the inner TCP streams; pcapdoc must agree and still diagnose the idle reset
(issue 16). Usage: scripts/gen-tunnels.py"""
import os, struct

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
src = os.path.join(root, "captures/slb-idle-reset-client.pcap")
data = open(src, "rb").read()
hdr, body = data[:24], data[24:]
recs = []
while len(body) >= 16:
    ts, us, incl, orig = struct.unpack("<IIII", body[:16])
    recs.append((ts, us, body[16:16 + incl]))
    body = body[16 + incl:]

def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return (~s) & 0xffff

def ipv4(src, dst, proto, payload, ident=7):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0, 64, proto, 0, bytes(src), bytes(dst))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload

def udp(sp, dp, payload):
    return struct.pack("!HHHH", sp, dp, 8 + len(payload), 0) + payload

def eth(payload, ethertype=0x0800):
    return b"\x02\x00\x00\x00\x0a\x02" + b"\x02\x00\x00\x00\x0a\x01" + struct.pack("!H", ethertype) + payload

A, B = [192, 0, 2, 200], [192, 0, 2, 201]  # the mirror session's endpoints
def inner_ip(frame):
    return frame[14:]  # the lab capture is untagged Ethernet II

kinds = {
    "vxlan": lambda f: eth(ipv4(A, B, 17, udp(49152, 4789, struct.pack("!BBBBI", 0x08, 0, 0, 0, 1234 << 8) + f))),
    "geneve": lambda f: eth(ipv4(A, B, 17, udp(49152, 6081, struct.pack("!BBHI", 0, 0, 0x6558, 77 << 8) + f))),
    "gre-ip": lambda f: eth(ipv4(A, B, 47, struct.pack("!HH", 0, 0x0800) + inner_ip(f))),
    "gre-teb-key": lambda f: eth(ipv4(A, B, 47, struct.pack("!HHI", 0x2000, 0x6558, 42) + f)),
    "erspan1": lambda f: eth(ipv4(A, B, 47, struct.pack("!HH", 0, 0x88BE) + f)),
    "erspan2": lambda f: eth(ipv4(A, B, 47, struct.pack("!HHI", 0x1000, 0x88BE, 1) + struct.pack("!HHI", 0x1000 | 5, 0, 0) + f)),
    "erspan3": lambda f: eth(ipv4(A, B, 47, struct.pack("!HHI", 0x1000, 0x22EB, 1) + struct.pack("!HHIHH", 0x2000 | 5, 0, 0, 0, 0) + f)),
    "ipip": lambda f: eth(ipv4(A, B, 4, inner_ip(f))),
    "pppoe": lambda f: eth(struct.pack("!BBHHH", 0x11, 0, 0x0101, len(inner_ip(f)) + 2, 0x0021) + inner_ip(f), 0x8864),
    "mpls": lambda f: eth(struct.pack("!I", (16 << 12) | (0 << 9) | (0 << 8) | 64) + struct.pack("!I", (17 << 12) | (1 << 8) | 64) + inner_ip(f), 0x8847),
}
outdir = os.path.join(root, "captures/synthetic")
for name, wrap in kinds.items():
    with open(os.path.join(outdir, f"tunnel-{name}.pcap"), "wb") as out:
        out.write(hdr)
        for ts, us, f in recs:
            w = wrap(f)
            out.write(struct.pack("<IIII", ts, us, len(w), len(w)) + w)
