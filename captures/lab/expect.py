#!/usr/bin/env python3
"""Writes captures/<scenario>.expect.json from tshark's reading of the fresh captures, so the
expected stream and key frames come from an oracle independent of pcapdoc."""
import json
import subprocess
import sys


def tshark(pcap, display_filter, *fields):
    cmd = ["tshark", "-n", "-r", pcap, "-Y", display_filter, "-T", "fields", "-E", "separator=\t"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def first(rows, col=0, cast=int):
    return cast(rows[0][col]) if rows else None


def frames(rows, col=0):
    return [int(r[col]) for r in rows]


def main():
    sc, out = sys.argv[1], sys.argv[2]
    c = f"{out}/{sc}-client.pcap"
    s = f"{out}/{sc}-server.pcap"
    exp = {"scenario": sc, "client": f"{sc}-client.pcap", "server": f"{sc}-server.pcap", "expect": [], "silent": []}
    if sc in ("slb-idle-reset", "vxlan-idle-reset", "geneve-idle-reset", "gre-idle-reset"):
        rst = tshark(c, "tcp.flags.reset==1", "frame.number", "tcp.stream")
        post = tshark(c, "http.request.method==\"POST\"", "frame.number")
        exp["expect"].append({"capture": "client", "detector": "idle-timeout", "stream": first(rst, 1),
                              "frames": [first(post), first(rst)], "matches": "aliyun-clb-http"})
        exp["compare"] = {"middlebox_rst_client_frame": first(rst), "post_client_frame": first(post),
                          "post_seen_at_server": bool(tshark(s, "http.request.method==\"POST\"", "frame.number"))}
    elif sc.startswith("tls-idle-close"):
        alert = tshark(s, "tls.record.content_type==21", "frame.number", "tcp.stream")
        fin = tshark(s, "tcp.flags.fin==1 && tcp.srcport==443", "frame.number")
        key = "aliyun-waf" if sc.endswith("120") else "nginx-keepalive"
        exp["expect"].append({"capture": "server", "detector": "tls-alert-fin", "stream": first(alert, 1),
                              "frames": [first(alert), first(fin)], "matches": key})
        calert = tshark(c, "tls.record.content_type==21", "frame.number", "tcp.stream")
        exp["expect"].append({"capture": "client", "detector": "tls-alert-fin", "stream": first(calert, 1),
                              "frames": [first(calert)]})
    elif sc == "tls13-idle-close-75":
        close = tshark(s, "tls.record.opaque_type==23 && tls.record.length==19 && tcp.srcport==443", "frame.number", "tcp.stream")
        fin = tshark(s, "tcp.flags.fin==1 && tcp.srcport==443", "frame.number")
        exp["expect"].append({"capture": "server", "detector": "tls-alert-fin", "stream": first(close, 1),
                              "frames": [first(close), first(fin)], "matches": "nginx-keepalive"})
    elif sc == "zero-window":
        zw = tshark(c, "tcp.analysis.zero_window", "frame.number", "tcp.stream")
        exp["expect"].append({"capture": "client", "detector": "zero-window", "stream": first(zw, 1),
                              "frames": [first(zw)]})
    elif sc == "no-client-hello":
        syns = tshark(c, "tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.dstport==443", "tcp.stream")
        hello = {r[0] for r in tshark(c, "tls.handshake.type==1", "tcp.stream")}
        bare = sorted({int(r[0]) for r in syns} - {int(h) for h in hello})
        exp["expect"].append({"capture": "client", "detector": "no-client-hello", "streams": bare})
    elif sc == "cname-hijack":
        dns = tshark(c, "dns.flags.response==1 && dns.qry.name==\"pay.shop.example\"", "frame.number")
        syn = tshark(c, "ip.dst==192.0.2.66 && tcp.flags.syn==1", "frame.number", "tcp.stream")
        exp["expect"].append({"capture": "client", "detector": "dns-cname-hijack", "stream": first(syn, 1),
                              "frames": frames(dns) + frames(syn)[:1],
                              "chain": ["pay.shop.example", "gfvip09aj.hijack.example", "192.0.2.66"]})
        exp["silent_names"] = ["www.shop.example", "api.shop.example"]
    elif sc == "storm":
        retx = tshark(c, "tcp.analysis.retransmission", "frame.number", "tcp.stream")
        exp["expect"].append({"capture": "client", "detector": "retransmission-storm", "stream": first(retx, 1),
                              "retransmissions_tshark": len(retx)})
        sretx = tshark(s, "tcp.analysis.retransmission", "frame.number")
        exp["compare"] = {"lossy_leg": "between the middle box and the client's side of the server",
                          "server_retransmissions_tshark": len(sretx)}
    elif sc == "storm-sender":
        # Judged at the sender: resends Wireshark calls retransmissions or out-of-order.
        retx = tshark(s, "tcp.analysis.retransmission && tcp.srcport==80", "frame.number", "tcp.stream")
        ooo = tshark(s, "tcp.analysis.out_of_order && tcp.srcport==80", "frame.number")
        dup = tshark(s, "tcp.analysis.duplicate_ack && tcp.dstport==80", "frame.number")
        exp["expect"].append({"capture": "server", "detector": "retransmission-storm", "stream": first(retx, 1),
                              "retransmissions_tshark": len(retx), "out_of_order_tshark": len(ooo),
                              "dup_acks_tshark": len(dup)})
    elif sc == "tls-handshake-alert":
        alert = tshark(c, "tls.alert_message.desc", "frame.number", "tcp.stream", "tls.alert_message.desc")
        exp["expect"].append({"capture": "client", "detector": "tls-handshake-alert", "stream": first(alert, 1),
                              "frames": frames(alert)[:1], "alert": first(alert, 2)})
    elif sc == "tls-no-server-hello":
        ch = tshark(c, "tls.handshake.type==1", "frame.number", "tcp.stream")
        exp["expect"].append({"capture": "client", "detector": "tls-no-server-hello", "stream": first(ch, 1),
                              "frames": frames(ch)[:1]})
    elif sc == "connect-failures":
        for port in (81, 82, 83, 84):
            syn = tshark(c, f"tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.dstport=={port}", "frame.number", "tcp.stream")
            exp["expect"].append({"capture": "client", "detector": "connect-failure", "stream": first(syn, 1),
                                  "frames": frames(syn)[:1], "port": port})
    elif sc == "outbound-scan":
        # A sweep of port 22, then password guessing on the one host that answers: one
        # finding, the brute force, citing the scan's first SYN and the first login.
        for side, pcap in (("client", c), ("server", s)):
            syn = tshark(pcap, "tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.dstport==22", "frame.number", "tcp.stream")
            login = tshark(pcap, "tcp.dstport==22 && tcp.len>0", "tcp.stream")
            stream = first(login)
            lsyn = tshark(pcap, f"tcp.stream=={stream} && tcp.flags.syn==1 && tcp.flags.ack==0", "frame.number")
            exp["expect"].append({"capture": side, "detector": "brute-force", "stream": stream,
                                  "frames": frames(syn)[:1] + frames(lsyn)[:1]})
    elif sc == "brute-force":
        # Redis password guessing on five hosts: the first guess's SYN, the first refusal
        # and the guess that worked. The app's accepted logins to the server are not in it.
        for side, pcap in (("client", c), ("server", s)):
            syn = tshark(pcap, "tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.dstport==6379", "frame.number", "tcp.stream")
            wrong = tshark(pcap, "tcp.srcport==6379 && tcp.payload contains \"WRONGPASS\"", "frame.number")
            exp["expect"].append({"capture": side, "detector": "brute-force", "stream": first(syn, 1),
                                  "frames": frames(syn)[:1] + frames(wrong)[:1],
                                  "facts": {"hosts": 5, "rejected": 39, "accepted": 1}})
    elif sc == "dga":
        # The burst of generated names: the first one's query and NXDOMAIN, the generated name
        # that resolved, and the connection to its address (an error: the controller reached).
        import importlib.util
        spec = importlib.util.spec_from_file_location("client", f"{__file__.rsplit('/', 1)[0]}/client.py")
        client = importlib.util.module_from_spec(spec); spec.loader.exec_module(client)
        names = client.generated_names("2026-12-01", 40)
        q = tshark(c, f"dns.flags.response==0 && dns.qry.name==\"{names[0]}\"", "frame.number")
        nx = tshark(c, f"dns.flags.response==1 && dns.qry.name==\"{names[0]}\"", "frame.number")
        ok = tshark(c, f"dns.flags.response==1 && dns.qry.name==\"{names[17]}\"", "frame.number")
        syn = tshark(c, "ip.dst==203.0.113.66 && tcp.flags.syn==1 && tcp.flags.ack==0", "frame.number", "tcp.stream")
        exp["expect"].append({"capture": "client", "detector": "dga-domains", "stream": first(syn, 1),
                              "frames": frames(q)[:1] + frames(nx)[:1] + frames(ok)[:1] + frames(syn)[:1],
                              "facts": {"nxdomain_names": 39, "contacted": "203.0.113.66"}})
    elif sc == "beaconing":
        # The check-ins to the generated-looking name: a warning on the first one's stream,
        # citing its SYN. (The agent's polls stay at info; the server's capture has no DNS,
        # so both are info there.)
        syn = tshark(c, "ip.dst==203.0.113.77 && tcp.flags.syn==1 && tcp.flags.ack==0", "frame.number", "tcp.stream")
        exp["expect"].append({"capture": "client", "detector": "beaconing", "stream": first(syn, 1),
                              "frames": frames(syn)[:1],
                              "facts": {"checkins": len(syn), "peer": "203.0.113.77:4444",
                                        "peer_name": "kqzvhwjxmtpl.info"}})
    elif sc == "syn-flood":
        for side, pcap in (("client", c), ("server", s)):
            syn = tshark(pcap, "tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.dstport==80", "frame.number", "tcp.stream")
            exp["expect"].append({"capture": side, "detector": "syn-flood", "stream": first(syn, 1), "frames": frames(syn)[:1]})
    elif sc == "crypto-mining":
        # One finding per miner: its login to the first pool, then to the spare one.
        for side, pcap in (("client", c), ("server", s)):
            logins = [tshark(pcap, f"tcp.dstport=={port} && tcp.payload contains \"{method}\"", "frame.number", "tcp.stream")
                      for port, method in ((3333, "mining.subscribe"), (5555, "login"))]
            exp["expect"].append({"capture": side, "detector": "crypto-mining", "stream": first(logins[0], 1),
                                  "frames": frames(logins[0])[:1] + frames(logins[1])[:1]})
    elif sc == "http-flood":
        for side, pcap in (("client", c), ("server", s)):
            req = tshark(pcap, "http.request.uri==\"/api/login\"", "frame.number")
            exp["expect"].append({"capture": side, "detector": "http-flood", "frames": frames(req)[:1]})
    elif sc == "bandwidth":
        for side in ("client", "server"):
            exp["expect"].append({"capture": side, "detector": "bandwidth"})
    elif sc == "conntrack-exhaustion":
        for side, pcap in (("client", c), ("server", s)):
            retx = tshark(pcap, "tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.analysis.retransmission", "tcp.stream")
            stream = first(retx)
            syn = tshark(pcap, f"tcp.stream=={stream} && tcp.flags.syn==1", "frame.number")
            exp["expect"].append({"capture": side, "detector": "conntrack-exhaustion", "stream": stream,
                                  "frames": frames(syn)[:1]})
    elif sc == "protocol-mismatch":
        for side, pcap in (("client", c), ("server", s)):
            hello = tshark(pcap, "tcp.dstport==80 && tcp.payload[0:1]==16", "frame.number", "tcp.stream")
            exp["expect"].append({"capture": side, "detector": "protocol-mismatch", "stream": first(hello, 1),
                                  "frames": frames(hello)[:1], "facts": {"client_spoke": "tls"}})
            plain = tshark(pcap, "tcp.dstport==443 && tcp.payload[0:4]==47:45:54:20", "frame.number", "tcp.stream")
            exp["expect"].append({"capture": side, "detector": "protocol-mismatch", "stream": first(plain, 1),
                                  "frames": frames(plain)[:1], "facts": {"client_spoke": "http"}})
    elif sc == "http-errors":
        for side, pcap in (("client", c), ("server", s)):
            err = tshark(pcap, "http.response.code==502", "frame.number", "tcp.stream")
            exp["expect"].append({"capture": side, "detector": "http-errors", "stream": first(err, 1),
                                  "frames": frames(err)[:1], "facts": {"written_by_proxy": True}})
            mute = tshark(pcap, "tcp.dstport==8080 && tcp.len>0", "frame.number", "tcp.stream")
            exp["expect"].append({"capture": side, "detector": "http-errors", "stream": first(mute, 1),
                                  "frames": frames(mute)[:1]})
    elif sc == "mid-transfer-reset":
        rst = tshark(c, "tcp.flags.reset==1 && tcp.srcport==8080", "frame.number", "tcp.stream")
        exp["expect"].append({"capture": "client", "detector": "mid-transfer-reset", "stream": first(rst, 1),
                              "frames": frames(rst)[:1], "facts": {"sent_by": "server"}})
        waf = tshark(c, "tcp.flags.reset==1 && tcp.srcport==80", "frame.number", "tcp.stream", "ip.ttl")
        exp["expect"].append({"capture": "client", "detector": "mid-transfer-reset", "stream": first(waf, 1),
                              "frames": frames(waf)[:1], "facts": {"sent_by": "path", "rst_ttl": first(waf, 2)}})
        srst = tshark(s, "tcp.flags.reset==1 && tcp.srcport==8080", "frame.number", "tcp.stream")
        exp["expect"].append({"capture": "server", "detector": "mid-transfer-reset", "stream": first(srst, 1),
                              "frames": frames(srst)[:1], "facts": {"sent_by": "server"}})
        exp["compare"] = {"waf_rst_seen_at_server": bool(tshark(s, "tcp.flags.reset==1 && tcp.srcport==80", "frame.number"))}
    elif sc == "dns-failure":
        def q(flt):
            return frames(tshark(c, flt, "frame.number"))[:1]
        exp["expect"] += [
            {"capture": "client", "detector": "dns-failure", "frames": q("ip.dst==198.51.100.53 && dns"),
             "facts": {"resolver": "198.51.100.53", "answers": 0}},
            {"capture": "client", "detector": "dns-failure", "frames": q("dns.qry.name==\"api.dead.example\""),
             "facts": {"resolver": "198.51.100.1"}},
            {"capture": "client", "detector": "dns-failure", "frames": q("dns.flags.rcode==2 || dns.flags.rcode==5"),
             "facts": {"servfail": 1, "refused": 1}},
            {"capture": "client", "detector": "dns-failure", "frames": q("dns.flags.rcode==3"),
             "facts": {"nxdomain_names": 1}},
            {"capture": "client", "detector": "dns-failure",
             "frames": [int(max(tshark(c, "dns.time > 1", "frame.number", "dns.time"), key=lambda r: float(r[1]))[0])],
             "facts": {"slow_answers": 2}},
        ]
    elif sc == "peer-silent":
        # The first segment each end resent, by tshark: the silence starts at or before it.
        for side, pcap, sport in (("client", c, "tcp.dstport==8080"), ("server", s, "tcp.srcport==8080")):
            retx = tshark(pcap, f"{sport} && tcp.analysis.retransmission && tcp.len>0", "frame.number", "tcp.stream")
            if retx:
                exp["expect"].append({"capture": side, "detector": "peer-silent", "stream": first(retx, 1)})
    if sc in ("clean", "storm-control", "oneway-clean"):
        exp["silent"] = ["warning", "error"]
    with open(f"{out}/{sc}.expect.json", "w") as f:
        json.dump(exp, f, indent=2)
        f.write("\n")
    print(f"wrote {out}/{sc}.expect.json")


if __name__ == "__main__":
    main()
