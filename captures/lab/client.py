#!/usr/bin/env python3
"""Scenario clients for the capture lab. Each subcommand talks only to the lab's
documentation-range addresses inside its network namespace, and every loop is bounded."""
import argparse
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


def tls_context(ciphers=None):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
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
    s = tls_context().wrap_socket(raw, server_hostname="shop.example")
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


def read_to_eof(sock):
    while sock.recv(65536):
        pass


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


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    x = sub.add_parser("http-idle"); x.add_argument("--host"); x.add_argument("--idle", type=float)
    x = sub.add_parser("tls-idle"); x.add_argument("--host"); x.add_argument("--idle", type=float)
    x = sub.add_parser("no-client-hello"); x.add_argument("--host"); x.add_argument("--count", type=int, default=3)
    x = sub.add_parser("names"); x.add_argument("--names", nargs="+")
    x = sub.add_parser("download"); x.add_argument("--host"); x.add_argument("--path"); x.add_argument("--timeout", type=float)
    x = sub.add_parser("clean"); x.add_argument("--name")
    x = sub.add_parser("tls-cipher-mismatch"); x.add_argument("--host")
    x = sub.add_parser("tls-no-answer"); x.add_argument("--host"); x.add_argument("--port", type=int)
    x = sub.add_parser("ports"); x.add_argument("--host"); x.add_argument("--ports", type=int, nargs="+")
    x = sub.add_parser("silent-server"); x.add_argument("--port", type=int); x.add_argument("--seconds", type=float)
    a = p.parse_args()
    {"http-idle": http_idle, "tls-idle": tls_idle, "no-client-hello": no_client_hello, "names": names,
     "download": download, "clean": clean, "tls-cipher-mismatch": tls_cipher_mismatch,
     "tls-no-answer": tls_no_answer, "silent-server": silent_server, "ports": ports}[a.cmd](a)


if __name__ == "__main__":
    main()
