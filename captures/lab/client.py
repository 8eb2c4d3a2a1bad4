#!/usr/bin/env python3
"""Scenario clients for the capture lab. Each subcommand talks only to the lab's
documentation-range addresses inside its network namespace, and every loop is bounded."""
import argparse
import json
import socket
import ssl
import sys
import time


def log(*a):
    print("[client]", *a, file=sys.stderr, flush=True)


def http_get(host, path="/", keepalive=True):
    conn = "keep-alive" if keepalive else "close"
    return f"GET {path} HTTP/1.1\r\nHost: shop.example\r\nUser-Agent: pcapdoc-lab/1\r\nConnection: {conn}\r\n\r\n".encode()


def read_response(sock):
    """Reads one HTTP response with a Content-Length body."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            return buf
        buf += chunk
    head, _, body = buf.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def tls_context(ciphers=None, tls13=False):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if not tls13:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    if ciphers:
        ctx.set_ciphers(ciphers)
    return ctx


def http_idle(a):
    """Two keep-alive requests, an idle gap longer than the SLB allows, then a POST."""
    s = socket.create_connection((a.host, 80), timeout=10)
    for _ in range(2):
        s.sendall(http_get(a.host))
        read_response(s)
        time.sleep(0.5)
    log(f"idle {a.idle}s")
    time.sleep(a.idle)
    body = b'{"order": 42}'
    post = (b"POST /api/pay HTTP/1.1\r\nHost: shop.example\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    try:
        s.sendall(post)
        r = s.recv(4096)
        log("answer after idle:", r[:40])
    except OSError as e:
        log("after idle:", e)
    s.close()


def tls_idle(a):
    """One HTTPS request, then silence past nginx's keepalive_timeout, then a write."""
    raw = socket.create_connection((a.host, 443), timeout=10)
    s = tls_context(tls13=a.tls13).wrap_socket(raw, server_hostname="shop.example")
    s.sendall(http_get(a.host))
    read_response(s)
    log(f"idle {a.idle}s")
    time.sleep(a.idle)
    try:
        # Write under the TLS layer's feet, as a client that never read the close_notify.
        raw_fd = socket.socket(fileno=s.fileno())
        raw_fd.sendall(b"\x17\x03\x03\x00\x20" + b"\x00" * 32)
        time.sleep(0.5)
        raw_fd.detach()
    except OSError as e:
        log("write after idle:", e)
    try:
        s.close()
    except OSError:
        pass


def no_client_hello(a):
    """Connections to 443 that never start TLS (a client without its TLS library), then a
    healthy one."""
    for i in range(a.count):
        s = socket.create_connection((a.host, 443), timeout=5)
        time.sleep(0.3)
        s.close()
        time.sleep(0.2)
    raw = socket.create_connection((a.host, 443), timeout=10)
    s = tls_context().wrap_socket(raw, server_hostname="shop.example")
    s.sendall(http_get(a.host, keepalive=False))
    read_response(s)
    s.close()


def names(a):
    for name in a.names:
        try:
            addr = socket.getaddrinfo(name, 80, socket.AF_INET, socket.SOCK_STREAM)[0][4][0]
        except OSError as e:
            log(name, "does not resolve:", e)
            continue
        log(name, "->", addr)
        try:
            s = socket.create_connection((addr, 80), timeout=7)
            s.sendall(http_get(name, keepalive=False))
            read_response(s)
            s.close()
            log(name, "ok")
        except OSError as e:
            log(name, "failed:", e)


def download(a):
    s = socket.create_connection((a.host, 80), timeout=a.timeout)
    s.settimeout(a.timeout)
    s.sendall(http_get(a.host, a.path, keepalive=False))
    total = 0
    start = time.time()
    while time.time() - start < a.timeout:
        chunk = s.recv(1 << 16)
        if not chunk:
            break
        total += len(chunk)
    log("downloaded", total, "bytes in", round(time.time() - start, 1), "s")
    s.close()


def slow_reader(a):
    """Downloads a file but stops reading for --stall seconds once the first bytes are in:
    an application that blocks (a slow disk, a lock) while the kernel's receive buffer fills,
    so the client advertises a zero window and the server probes."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32768)
    s.settimeout(30)
    s.connect((a.host, 80))
    s.sendall(http_get(a.host, a.path, keepalive=False))
    total = len(s.recv(4096))
    log("read", total, "bytes; now not reading for", a.stall, "s")
    time.sleep(a.stall)
    while True:
        chunk = s.recv(1 << 16)
        if not chunk:
            break
        total += len(chunk)
    log("read", total, "bytes in all")
    s.close()


def read_to_eof(sock):
    while sock.recv(65536):
        pass


def read_all(sock):
    """Everything until the peer closes (bounded by the socket's timeout)."""
    buf = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return buf
        buf += chunk


def clean(a):
    """Healthy DNS, HTTP and HTTPS with orderly closes: read to the end, then close."""
    addr = socket.getaddrinfo(a.name, 80, socket.AF_INET, socket.SOCK_STREAM)[0][4][0]
    for _ in range(2):
        s = socket.create_connection((addr, 80), timeout=10)
        s.sendall(http_get(a.name, keepalive=False))
        read_to_eof(s)
        s.close()
        raw = socket.create_connection((addr, 443), timeout=10)
        t = tls_context().wrap_socket(raw, server_hostname=a.name)
        t.sendall(http_get(a.name, keepalive=False))
        try:
            read_to_eof(t)  # the response, then the server's close_notify and FIN
        except (ssl.SSLError, OSError):
            pass
        # Close without a close_notify of our own: nginx does not wait for one, and data
        # arriving at its closed socket would draw a RST.
        t.close()
        time.sleep(0.3)


def tls_cipher_mismatch(a):
    raw = socket.create_connection((a.host, 443), timeout=10)
    try:
        # RSA key exchange only; the server offers ECDHE only: handshake_failure.
        s = tls_context("AES128-GCM-SHA256").wrap_socket(raw, server_hostname="shop.example")
        s.close()
    except (ssl.SSLError, OSError) as e:
        log("handshake:", e)
        raw.close()


def tls_no_answer(a):
    raw = socket.create_connection((a.host, a.port), timeout=5)
    try:
        tls_context().wrap_socket(raw, server_hostname="shop.example")
    except (socket.timeout, ssl.SSLError, OSError) as e:
        log("no ServerHello:", e)
    raw.close()


def ports(a):
    """One connection attempt per port, 4 s each at most."""
    for port in a.ports:
        try:
            s = socket.create_connection((a.host, port), timeout=4)
            if port == 80:
                s.sendall(http_get(a.host, keepalive=False))
                read_to_eof(s)
            s.close()
            log(port, "connected")
        except OSError as e:
            log(port, "failed:", e)


def silent_server(a):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("0.0.0.0", a.port))
    srv.listen(4)
    srv.settimeout(a.seconds)
    end = time.time() + a.seconds
    held = []
    while time.time() < end:
        try:
            c, _ = srv.accept()
            held.append(c)
        except socket.timeout:
            break
    time.sleep(max(0, end - time.time()))


def scan(a):
    """A compromised host sweeping a /24-like range on one port, then guessing SSH logins
    against one address: what gets a cloud server blocked for attacking others (seed 001).
    Bounded: one attempt per address, a fixed number of login attempts."""
    for last in range(a.first, a.last + 1):
        addr = f"{a.net}.{last}"
        try:
            s = socket.create_connection((addr, a.port), timeout=a.timeout)
            s.close()
            log(addr, "open")
        except OSError as e:
            log(addr, "closed:", e)
    for i in range(a.logins):
        try:
            s = socket.create_connection((a.login_host, a.port), timeout=3)
            s.settimeout(3)
            s.recv(256)  # the banner
            s.sendall(b"SSH-2.0-libssh_0.9.6\r\nroot:password%d\r\n" % i)
            read_to_eof(s)
            s.close()
        except OSError as e:
            log("login", i, "failed:", e)
        time.sleep(0.05)


def fake_sshd(a):
    """A login service that sends a banner, reads one attempt and hangs up, like sshd
    rejecting a password. Serves at most --count connections within --seconds."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((a.bind, a.port))
    srv.listen(64)
    srv.settimeout(a.seconds)
    for _ in range(a.count):
        try:
            c, _ = srv.accept()
        except socket.timeout:
            break
        c.settimeout(2)
        try:
            c.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")
            c.recv(256)
            time.sleep(0.05)
        except OSError:
            pass
        c.close()


def syn_flood(a):
    """Half-open connections from a few sources: non-blocking connects whose final ACK the
    client namespace's firewall drops (run.sh installs the rule). Bounded in count and time."""
    import random
    rnd = random.Random(7)
    held = []
    legit = 0
    for i in range(a.count):
        src = rnd.choice(a.sources)
        s = socket.socket()
        s.setblocking(False)
        s.bind((src, 0))
        s.connect_ex((a.host, a.port))
        held.append(s)
        if i % 50 == 49:
            time.sleep(0.05)
        if i % 150 == 0:
            # A real user, during the flood, from the namespace's own address.
            try:
                c = socket.create_connection((a.host, a.port), timeout=3)
                c.sendall(http_get(a.host, keepalive=False))
                read_to_eof(c)
                c.close()
                legit += 1
            except OSError as e:
                log("legitimate request failed:", e)
    log(f"{len(held)} half-open attempts, {legit} legitimate requests")
    time.sleep(a.hold)
    for s in held:
        s.close()


def browse(a):
    """Ordinary visitors: a few requests with a browser User-Agent, spread out."""
    paths = ["/", "/index.html", "/api/cart", "/", "/api/items"]
    for i in range(a.count):
        path = paths[i % len(paths)]
        req = (f"GET {path} HTTP/1.1\r\nHost: shop.example\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) "
               "Firefox/128.0\r\nConnection: close\r\n\r\n").encode()
        try:
            s = socket.create_connection((a.host, 80), timeout=5)
            s.sendall(req)
            read_to_eof(s)
            s.close()
        except OSError as e:
            log("browse failed:", e)
        time.sleep(a.gap)


def download_with_chatter(a):
    """A bulk download with a small request every half second on a second connection."""
    import threading
    done = threading.Event()

    def chatter():
        s = socket.create_connection((a.host, 80), timeout=10)
        while not done.is_set():
            s.sendall(http_get(a.host))
            read_response(s)
            time.sleep(0.5)
        s.close()

    t = threading.Thread(target=chatter)
    t.start()
    time.sleep(1)
    s = socket.create_connection((a.host, 80), timeout=a.timeout)
    s.sendall(http_get(a.host, a.path, keepalive=False))
    n = 0
    while True:
        d = s.recv(65536)
        if not d:
            break
        n += len(d)
    s.close()
    log(f"downloaded {n} bytes")
    time.sleep(1)
    done.set()
    t.join()


def backlog_server(a):
    """Accepts --serve connections and answers them; then stops calling accept(), so the
    listen queue (backlog --backlog) fills and the kernel drops new SYNs."""
    import threading
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("0.0.0.0", a.port))
    srv.listen(a.backlog)
    srv.settimeout(a.seconds)

    def serve(c):
        c.settimeout(a.seconds)
        try:
            while True:
                d = c.recv(4096)
                if not d:
                    break
                c.sendall(b"pong " + d[:32])
        except OSError:
            pass
        c.close()

    threads = []
    for _ in range(a.serve):
        try:
            c, _ = srv.accept()
        except socket.timeout:
            break
        t = threading.Thread(target=serve, args=(c,), daemon=True)
        t.start()
        threads.append(t)
    time.sleep(a.seconds)


def busy_and_new(a):
    """--keep connections that keep talking (a ping every 0.5 s for --seconds) while
    --new fresh connection attempts are made, one after another."""
    import threading
    kept = [socket.create_connection((a.host, a.port), timeout=5) for _ in range(a.keep)]

    def talk(s, i):
        end = time.time() + a.seconds
        while time.time() < end:
            s.sendall(b"ping %d\n" % i)
            try:
                s.recv(64)
            except OSError:
                break
            time.sleep(0.5)
        s.close()

    threads = [threading.Thread(target=talk, args=(s, i)) for i, s in enumerate(kept)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    for i in range(a.new):
        try:
            s = socket.create_connection((a.host, a.port), timeout=a.timeout)
            s.sendall(b"hello %d\n" % i)
            s.settimeout(1)
            try:
                s.recv(64)
            except OSError:
                pass
            log("new", i, "connected")
            s.close()
        except OSError as e:
            log("new", i, "failed:", e)
    for t in threads:
        t.join()


def wrong_protocol(a):
    """TLS to the plain HTTP port and plain HTTP to the TLS port, twice each, between one
    working HTTP request and one working HTTPS request."""
    s = socket.create_connection((a.host, 80), timeout=5)
    s.sendall(http_get(a.host, keepalive=False)); read_to_eof(s); s.close()
    for _ in range(2):
        raw = socket.create_connection((a.host, 80), timeout=5)
        try:
            tls_context().wrap_socket(raw, server_hostname="shop.example").close()
            log("TLS to :80 unexpectedly worked")
        except (ssl.SSLError, OSError) as e:
            log("TLS to :80:", e)
        raw.close()
        time.sleep(0.5)
    for _ in range(2):
        s = socket.create_connection((a.host, 443), timeout=5)
        s.sendall(http_get(a.host, keepalive=False))
        log("HTTP to :443:", read_all(s)[:40])
        s.close()
        time.sleep(0.5)
    t = tls_context().wrap_socket(socket.create_connection((a.host, 443), timeout=5), server_hostname="shop.example")
    t.sendall(http_get(a.host, keepalive=False)); read_to_eof(t); t.close()


def requests(a):
    """One request per connection for each PATH:COUNT, then requests to a port whose server
    reads and closes without answering."""
    for item in a.paths:
        path, _, count = item.rpartition(":")
        for _ in range(int(count)):
            s = socket.create_connection((a.host, 80), timeout=10)
            s.sendall(http_get(a.host, path, keepalive=False))
            log(path, read_all(s)[:15])
            s.close()
            time.sleep(0.3)
    for _ in range(a.mute_count):
        s = socket.create_connection((a.host, a.mute_port), timeout=10)
        s.sendall(http_get(a.host, "/api/cart", keepalive=False))
        log("mute:", read_all(s)[:15])
        s.close()
        time.sleep(0.3)


def serve(port, seconds, handle, rcvbuf=None):
    """Accepts connections on PORT for SECONDS and hands each to HANDLE, then closes it."""
    srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if rcvbuf:
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    srv.bind(("0.0.0.0", port)); srv.listen(16); srv.settimeout(seconds)
    end = time.time() + seconds
    while time.time() < end:
        try:
            c, _ = srv.accept()
        except socket.timeout:
            break
        c.settimeout(5)
        try:
            handle(c)
        except OSError:
            pass
        c.close()


def echo_server(a):
    """Answers each line of a client with 30 kB of its own (an API that streams replies), so
    that some of its data is always in flight, until the client goes quiet for 30 s."""
    def handle(c):
        c.settimeout(30)
        f = c.makefile("rb")
        for line in f:
            c.sendall(b"ack " + line[:64].rstrip() + b" " + b"r" * 30000 + b"\n")
    serve(a.port, a.seconds, handle)


def chat(a):
    """A line every 100 ms, each answered by the server; after --drop-after s the path
    drops everything (the middle box's rule, set by run.sh), the client keeps writing, and
    after --give-up s without an answer it resets the connection (SO_LINGER 0), as an
    application whose request timed out does."""
    import struct
    s = socket.create_connection((a.host, a.port), timeout=10)
    s.settimeout(0.05)
    last_answer = time.time()
    i = 0
    while time.time() - last_answer < a.give_up:
        try:
            s.sendall(f"line {i} ".encode() + b"q" * 300 + b"\n")
        except OSError as e:
            log("send:", e)
            break
        i += 1
        try:
            if s.recv(65536):
                last_answer = time.time()
        except socket.timeout:
            pass
        time.sleep(0.1)
    log(f"no answer for {a.give_up}s after {i} lines: giving up")
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def stratum_pool(a):
    """A mining pool speaking stratum: Bitcoin-style (mining.subscribe/authorize/notify/submit)
    and XMRig's (login/job/submit), answering each JSON line of a miner."""
    def handle(c):
        f = c.makefile("rwb")
        for line in f:
            try:
                req = json.loads(line)
            except ValueError:
                break
            m, rid = req.get("method"), req.get("id")
            out = []
            if m == "mining.subscribe":
                out.append({"id": rid, "result": [[["mining.notify", "ae6812eb"]], "08000002", 4], "error": None})
            elif m == "mining.authorize":
                out.append({"id": rid, "result": True, "error": None})
                out.append({"id": None, "method": "mining.set_difficulty", "params": [8]})
                out.append({"id": None, "method": "mining.notify",
                            "params": ["bf", "4d16b6f85af6e2198f44ae2a6de67f78487ae5611b77c6c0440b921e00000000",
                                       "01000000", "ffffffff", [], "00000002", "1c2ac4af", "504e86b9", True]})
            elif m == "mining.submit":
                out.append({"id": rid, "result": True, "error": None})
            elif m == "login":
                out.append({"id": rid, "jsonrpc": "2.0", "error": None,
                            "result": {"id": "worker-1", "status": "OK",
                                       "job": {"blob": "0707" + "00" * 36, "job_id": "j1", "target": "b88d0600"}}})
                out.append({"jsonrpc": "2.0", "method": "job",
                            "params": {"blob": "0707" + "11" * 36, "job_id": "j2", "target": "b88d0600"}})
            elif m == "submit":
                out.append({"id": rid, "jsonrpc": "2.0", "error": None, "result": {"status": "OK"}})
            for o in out:
                f.write((json.dumps(o) + "\n").encode())
            f.flush()
    serve(a.port, a.seconds, handle)


def mine(a):
    """A miner on the infected host: Bitcoin-style stratum to --host:3333 (subscribe,
    authorize a worker, three shares), then XMRig's to --host:5555 (login with a wallet, two
    shares); one JSON object a line, each answered, as real miners talk to their pool."""
    def talk(port, lines):
        s = socket.create_connection((a.host, port), timeout=5)
        f = s.makefile("rwb")
        for obj in lines:
            f.write((json.dumps(obj) + "\n").encode()); f.flush()
            time.sleep(0.3)
            s.settimeout(0.5)
            try:
                s.recv(65536)
            except socket.timeout:
                pass
            s.settimeout(5)
        s.close()
    talk(3333, [{"id": 1, "method": "mining.subscribe", "params": ["cpuminer/2.5.1"]},
                {"id": 2, "method": "mining.authorize", "params": ["bc1qexamplewallet0lab.worker1", "x"]}]
         + [{"id": 3 + i, "method": "mining.submit",
             "params": ["bc1qexamplewallet0lab.worker1", "bf", "00000000", "504e86ed", "%08x" % (0xb2957c02 + i)]}
            for i in range(3)])
    talk(5555, [{"id": 1, "jsonrpc": "2.0", "method": "login",
                 "params": {"login": "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A",
                            "pass": "x", "agent": "XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0"}}]
         + [{"id": 2 + i, "jsonrpc": "2.0", "method": "submit",
             "params": {"id": "worker-1", "job_id": "j2", "nonce": "%08x" % (0x2a000000 + i), "result": "00" * 32}}
            for i in range(2)])


def mute_server(a):
    """Reads each request and closes the connection without an answer."""
    def handle(c):
        c.recv(65536)
        time.sleep(0.2)
    serve(a.port, a.seconds, handle)


def reset_server(a):
    """Reads the start of each upload and resets the connection while the client is still
    sending its body (SO_LINGER 0): a proxy's body-size limit, or a crashing worker."""
    import struct

    def handle(c):
        got = 0
        try:
            while got < a.limit:
                chunk = c.recv(16384)
                if not chunk:
                    break
                got += len(chunk)
        finally:
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    serve(a.port, a.seconds, handle, rcvbuf=65536)


def resets(a):
    """An upload the server resets part way through, then a keep-alive connection whose
    second request (larger than the path's WAF allows) is answered by a RST from the path."""
    s = socket.create_connection((a.host, a.reset_port), timeout=10)
    body = b"x" * 2_000_000
    s.sendall(b"POST /upload HTTP/1.1\r\nHost: shop.example\r\n" + f"Content-Length: {len(body)}\r\n\r\n".encode())
    try:
        for i in range(0, len(body), 8192):
            s.sendall(body[i:i + 8192])
            time.sleep(0.002)
        log("upload sent")
    except OSError as e:
        log("upload:", e)
    s.close()
    time.sleep(1)
    s = socket.create_connection((a.host, 80), timeout=10)
    s.sendall(http_get(a.host))
    read_response(s)
    time.sleep(0.5)
    body = b"comment=" + b"a" * 1400
    s.sendall(b"POST /api/comment HTTP/1.1\r\nHost: shop.example\r\nContent-Type: application/x-www-form-urlencoded\r\n"
              + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    try:
        log("post:", read_response(s)[:20])
    except OSError as e:
        log("post:", e)
    s.close()


def dns_query(qid, name, qtype=1):
    import struct
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack(">HH", qtype, 1)


def dns_lookups(a):
    """Each NAME at RESOLVER over UDP, with up to TRIES tries TIMEOUT apart, as a stub
    resolver does."""
    import random
    rng = random.Random(7)
    for item in a.names:
        resolver, _, name = item.partition("/")
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(a.timeout)
        qid = rng.randrange(1, 65535)
        for attempt in range(a.tries):
            s.sendto(dns_query(qid, name), (resolver, 53))
            try:
                reply, _ = s.recvfrom(4096)
                log(name, "rcode", reply[3] & 0x0F, "try", attempt + 1)
                break
            except socket.timeout:
                log(name, "no answer, try", attempt + 1)
        s.close()
        time.sleep(0.3)


def slow_dns(a):
    """An upstream DNS server that answers after DELAY seconds (A 203.0.113.2), and answers
    SERVFAIL at once for names starting with broken."""
    import struct
    import threading
    srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    srv.bind((a.bind, 53)); srv.settimeout(a.seconds)
    end = time.time() + a.seconds

    def answer(q, peer):
        qid, _flags = struct.unpack(">HH", q[:4])
        i, labels = 12, []
        while i < len(q) and q[i] != 0:
            labels.append(q[i + 1:i + 1 + q[i]].decode(errors="replace")); i += 1 + q[i]
        question = q[12:i + 5]
        if labels and labels[0] == "broken":
            srv.sendto(struct.pack(">HHHHHH", qid, 0x8182, 1, 0, 0, 0) + question, peer)
            return
        time.sleep(a.delay)
        rr = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + socket.inet_aton("203.0.113.2")
        srv.sendto(struct.pack(">HHHHHH", qid, 0x8180, 1, 1, 0, 0) + question + rr, peer)

    while time.time() < end:
        try:
            q, peer = srv.recvfrom(4096)
        except socket.timeout:
            break
        if len(q) > 12:
            threading.Thread(target=answer, args=(q, peer), daemon=True).start()


def login_server(a):
    """A Redis-like login service (RESP) on --port of every address: AUTH with --password is
    +OK, any other is refused with -WRONGPASS as Redis 6 does; then GET and QUIT. Serves for
    --seconds, one connection at a time."""
    def handle(c):
        f = c.makefile("rwb")
        authed = False
        while True:
            line = f.readline()
            if not line:
                return
            if line.startswith(b"*"):  # an array: read its bulk strings
                parts = []
                for _ in range(int(line[1:])):
                    f.readline()
                    parts.append(f.readline().strip())
            else:
                parts = line.split()
            cmd = parts[0].upper() if parts else b""
            if cmd == b"AUTH":
                authed = parts[-1] == a.password.encode()
                f.write(b"+OK\r\n" if authed else
                        b"-WRONGPASS invalid username-password pair or user is disabled.\r\n")
            elif cmd == b"GET":
                f.write(b"$5\r\nhello\r\n" if authed else b"-NOAUTH Authentication required.\r\n")
            elif cmd == b"QUIT":
                f.write(b"+OK\r\n"); f.flush()
                return
            else:
                f.write(b"-ERR unknown command\r\n")
            f.flush()
    serve(a.port, a.seconds, handle)


def resp(*words):
    return b"*%d\r\n" % len(words) + b"".join(b"$%d\r\n%s\r\n" % (len(w), w) for w in words)


def brute(a):
    """The infected host guessing Redis passwords on --hosts (one connection per guess, as
    hydra does: AUTH, the answer, QUIT), --guesses each; the last host's last guess is the
    right one. Then, as the healthy look-alike, an app on the same host that opens a
    connection per request to --app-host with the right password (AUTH, GET, QUIT)."""
    def session(host, password, get):
        try:
            s = socket.create_connection((host, a.port), timeout=3)
            s.sendall(resp(b"AUTH", password)); s.recv(256)
            if get:
                s.sendall(resp(b"GET", b"greeting")); s.recv(256)
            s.sendall(resp(b"QUIT")); s.recv(256)
            s.close()
        except OSError as e:
            log(host, "failed:", e)
    words = [b"123456", b"password", b"redis", b"admin", b"qwerty", b"foobared", b"root", b"test"]
    for h, host in enumerate(a.hosts):
        for g in range(a.guesses):
            last = h == len(a.hosts) - 1 and g == a.guesses - 1
            session(host, a.password.encode() if last else words[g % len(words)], False)
            time.sleep(0.05)
    for _ in range(a.app_requests):
        session(a.app_host, a.password.encode(), True)
        time.sleep(0.2)


def generated_names(seed, count):
    """A domain generation algorithm of the classic kind (a seeded generator of letters and
    a TLD): the same seed, the same names, as bot and botmaster both compute them."""
    import random
    rng = random.Random(seed)
    tlds = ["info", "net", "com", "biz"]
    return ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(10, 15)))
            + "." + rng.choice(tlds) for _ in range(count)]


def c2_server(a):
    """A bot controller: reads a check-in line and answers with a task line."""
    def handle(c):
        c.recv(256)
        c.sendall(b"OK task=sleep 3600\n")
    serve(a.port, a.seconds, handle)


def dga_names(a):
    print("\n".join(generated_names(a.seed, a.count)))


def dga(a):
    """The infected host looking for its controller: each generated name at --resolver (one
    try each, A), then a connection to the first one that resolves on --port, with a
    check-in line. Around it, the look-alikes a healthy host makes: Chrome's three random
    single-label probes, ordinary lookups and a typo."""
    import random
    import struct
    rng = random.Random(11)

    def lookup(name):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(1)
        s.sendto(dns_query(rng.randrange(1, 65535), name), (a.resolver, 53))
        try:
            reply, _ = s.recvfrom(4096)
        except socket.timeout:
            return None
        finally:
            s.close()
        ancount = struct.unpack(">H", reply[6:8])[0]
        if reply[3] & 0x0F or not ancount:
            return None
        return socket.inet_ntoa(reply[-4:])

    for name in ["www.shop.example", "qpwoeirutyz", "mvbznxlkqw", "hgjfkdlsaq", "wwww.shop.example"]:
        lookup(name); time.sleep(0.1)
    controller = None
    for name in generated_names(a.seed, a.count):
        addr = lookup(name)
        log(name, addr)
        if addr and not controller:
            controller = addr
        time.sleep(0.15)
    if controller:
        s = socket.create_connection((controller, a.port), timeout=3)
        s.sendall(b"HELLO id=lab-01 os=linux\n")
        try:
            s.recv(256)
        except OSError:
            pass
        s.close()
    lookup("api.shop.example")


def beacon(a):
    """A backdoor's check-ins: resolve --name at --resolver once, then every --period
    seconds (a few % of jitter) connect to it on --port, send a short check-in and read the
    answer, --count times. Beside it, a monitoring agent polling --agent-host's /status at
    the same period: the healthy look-alike."""
    import random
    import struct
    import threading
    rng = random.Random(5)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
    s.sendto(dns_query(0x5150, a.name), (a.resolver, 53))
    reply, _ = s.recvfrom(4096); s.close()
    if not struct.unpack(">H", reply[6:8])[0]:
        raise SystemExit(f"{a.name} did not resolve")
    c2 = socket.inet_ntoa(reply[-4:])

    def agent():
        for _ in range(a.count):
            try:
                c = socket.create_connection((a.agent_host, 80), timeout=3)
                c.sendall(b"GET /status HTTP/1.1\r\nHost: monitor\r\nConnection: close\r\n\r\n")
                read_to_eof(c); c.close()
            except OSError as e:
                log("agent", e)
            time.sleep(a.period)
    t = threading.Thread(target=agent); t.start()
    for i in range(a.count):
        try:
            c = socket.create_connection((c2, a.port), timeout=3)
            c.sendall(b"HELLO id=lab-01 seq=%03d os=linux\n" % i)
            c.recv(256); c.close()
        except OSError as e:
            log("beacon", e)
        time.sleep(a.period * rng.uniform(0.97, 1.03))
    t.join()


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    x = sub.add_parser("http-idle"); x.add_argument("--host"); x.add_argument("--idle", type=float)
    x = sub.add_parser("tls-idle"); x.add_argument("--host"); x.add_argument("--idle", type=float)
    x.add_argument("--tls13", action="store_true")
    x = sub.add_parser("no-client-hello"); x.add_argument("--host"); x.add_argument("--count", type=int, default=3)
    x = sub.add_parser("names"); x.add_argument("--names", nargs="+")
    x = sub.add_parser("download"); x.add_argument("--host"); x.add_argument("--path"); x.add_argument("--timeout", type=float)
    x = sub.add_parser("clean"); x.add_argument("--name")
    x = sub.add_parser("tls-cipher-mismatch"); x.add_argument("--host")
    x = sub.add_parser("tls-no-answer"); x.add_argument("--host"); x.add_argument("--port", type=int)
    x = sub.add_parser("ports"); x.add_argument("--host"); x.add_argument("--ports", type=int, nargs="+")
    x = sub.add_parser("silent-server"); x.add_argument("--port", type=int); x.add_argument("--seconds", type=float)
    x = sub.add_parser("scan"); x.add_argument("--net"); x.add_argument("--first", type=int); x.add_argument("--last", type=int)
    x.add_argument("--port", type=int); x.add_argument("--timeout", type=float, default=1)
    x.add_argument("--login-host"); x.add_argument("--logins", type=int, default=0)
    x = sub.add_parser("fake-sshd"); x.add_argument("--bind"); x.add_argument("--port", type=int)
    x.add_argument("--count", type=int); x.add_argument("--seconds", type=float)
    x = sub.add_parser("syn-flood"); x.add_argument("--host"); x.add_argument("--port", type=int)
    x.add_argument("--sources", nargs="+"); x.add_argument("--count", type=int); x.add_argument("--hold", type=float, default=3)
    x = sub.add_parser("browse"); x.add_argument("--host"); x.add_argument("--count", type=int); x.add_argument("--gap", type=float)
    x = sub.add_parser("download-with-chatter"); x.add_argument("--host"); x.add_argument("--path"); x.add_argument("--timeout", type=float)
    x = sub.add_parser("backlog-server"); x.add_argument("--port", type=int); x.add_argument("--backlog", type=int)
    x.add_argument("--serve", type=int); x.add_argument("--seconds", type=float)
    x = sub.add_parser("busy-and-new"); x.add_argument("--host"); x.add_argument("--port", type=int)
    x.add_argument("--keep", type=int); x.add_argument("--new", type=int); x.add_argument("--timeout", type=float)
    x.add_argument("--seconds", type=float)
    x = sub.add_parser("slow-reader"); x.add_argument("--host"); x.add_argument("--path"); x.add_argument("--stall", type=float)
    x = sub.add_parser("wrong-protocol"); x.add_argument("--host")
    x = sub.add_parser("requests"); x.add_argument("--host"); x.add_argument("--paths", nargs="+")
    x.add_argument("--mute-port", type=int); x.add_argument("--mute-count", type=int, default=0)
    x = sub.add_parser("mute-server"); x.add_argument("--port", type=int); x.add_argument("--seconds", type=float)
    x = sub.add_parser("reset-server"); x.add_argument("--port", type=int); x.add_argument("--seconds", type=float)
    x.add_argument("--limit", type=int, default=100000)
    x = sub.add_parser("resets"); x.add_argument("--host"); x.add_argument("--reset-port", type=int)
    x = sub.add_parser("dns-lookups"); x.add_argument("--names", nargs="+"); x.add_argument("--tries", type=int, default=3)
    x.add_argument("--timeout", type=float, default=2)
    x = sub.add_parser("slow-dns"); x.add_argument("--bind"); x.add_argument("--delay", type=float)
    x.add_argument("--seconds", type=float)
    x = sub.add_parser("stratum-pool"); x.add_argument("--port", type=int); x.add_argument("--seconds", type=float)
    x = sub.add_parser("mine"); x.add_argument("--host")
    x = sub.add_parser("dga-names"); x.add_argument("--seed"); x.add_argument("--count", type=int)
    x = sub.add_parser("dga"); x.add_argument("--seed"); x.add_argument("--count", type=int)
    x.add_argument("--resolver"); x.add_argument("--port", type=int, default=4444)
    x = sub.add_parser("c2-server"); x.add_argument("--port", type=int); x.add_argument("--seconds", type=float)
    x = sub.add_parser("beacon"); x.add_argument("--name"); x.add_argument("--resolver"); x.add_argument("--port", type=int)
    x.add_argument("--period", type=float); x.add_argument("--count", type=int); x.add_argument("--agent-host")
    x = sub.add_parser("echo-server"); x.add_argument("--port", type=int); x.add_argument("--seconds", type=float)
    x = sub.add_parser("chat"); x.add_argument("--host"); x.add_argument("--port", type=int)
    x.add_argument("--give-up", type=float, default=15)
    x = sub.add_parser("login-server"); x.add_argument("--port", type=int); x.add_argument("--seconds", type=float)
    x.add_argument("--password")
    x = sub.add_parser("brute"); x.add_argument("--hosts", nargs="+"); x.add_argument("--port", type=int)
    x.add_argument("--guesses", type=int); x.add_argument("--password"); x.add_argument("--app-host")
    x.add_argument("--app-requests", type=int, default=0)
    a = p.parse_args()
    {"http-idle": http_idle, "tls-idle": tls_idle, "no-client-hello": no_client_hello, "names": names,
     "download": download, "clean": clean, "tls-cipher-mismatch": tls_cipher_mismatch,
     "tls-no-answer": tls_no_answer, "silent-server": silent_server, "ports": ports, "scan": scan,
     "fake-sshd": fake_sshd, "syn-flood": syn_flood, "browse": browse,
     "download-with-chatter": download_with_chatter, "backlog-server": backlog_server,
     "busy-and-new": busy_and_new, "slow-reader": slow_reader, "wrong-protocol": wrong_protocol,
     "requests": requests, "mute-server": mute_server, "reset-server": reset_server, "resets": resets,
     "dns-lookups": dns_lookups, "slow-dns": slow_dns, "stratum-pool": stratum_pool, "mine": mine,
     "login-server": login_server, "brute": brute, "dga-names": dga_names, "dga": dga,
     "c2-server": c2_server, "beacon": beacon, "echo-server": echo_server, "chat": chat}[a.cmd](a)


if __name__ == "__main__":
    main()
