#!/usr/bin/env bash
# The capture lab: real kernels, a real nginx, a real resolver and a real NAT, in three
# network namespaces, captured at the client and at the server at the same time.
#
#   client (198.51.100.2) ── mid "SLB" (198.51.100.1, VIP 198.51.100.100 | 203.0.113.1) ── server (203.0.113.2)
#
# The middle box DNATs the VIP to the server and SNATs to its own address (full NAT, as a
# cloud SLB does); its conntrack idle timeout is the SLB's idle timeout. It also runs the
# resolver (dnsmasq) and blackholes 192.0.2.0/24, where the hijacked CNAME points.
#
# Usage (as root):  captures/lab/run.sh SCENARIO [OUTDIR]
#   SCENARIO: slb-idle-reset | tls-idle-close-120 | tls-idle-close-75 | no-client-hello |
#             cname-hijack | storm | storm-control | clean | tls-handshake-alert |
#             tls-no-server-hello | connect-failures | outbound-scan | syn-flood |
#             http-flood | bandwidth | conntrack-exhaustion | storm-sender |
#             vxlan-idle-reset | geneve-idle-reset | gre-idle-reset | zero-window |
#             tls13-idle-close-75 | protocol-mismatch | http-errors | mid-transfer-reset |
#             dns-failure | crypto-mining | brute-force | dga | beaconing | peer-silent |
#             oneway-clean | many-connections (N=20000) | all
# Writes OUTDIR/<scenario>-client.pcap and -server.pcap (default: captures/), then removes
# its namespaces and processes. Traffic never leaves the namespaces; every address is from
# the documentation ranges.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${2:-$(cd "$here/.." && pwd)}
scenario=${1:?usage: run.sh SCENARIO [OUTDIR]}
mkdir -p "$out" && out=$(cd "$out" && pwd)
[ "$(id -u)" = 0 ] || { echo "run.sh needs root (network namespaces)" >&2; exit 2; }

install_tools() {
  local need=()
  for t in ab:apache2-utils nginx:nginx dnsmasq:dnsmasq-base tcpdump:tcpdump iptables:iptables ethtool:ethtool curl:curl openssl:openssl conntrack:conntrack tshark:tshark; do
    command -v "${t%%:*}" >/dev/null || need+=("${t#*:}")
  done
  if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
}

C=pd-client M=pd-mid S=pd-server
VIP=198.51.100.100 CLIENT=198.51.100.2 MID_C=198.51.100.1 MID_S=203.0.113.1 SERVER=203.0.113.2
work=$(mktemp -d /tmp/pcapdoc-lab.XXXXXX)

cleanup() {
  set +e
  for ns in $C $M $S; do
    ip netns pids $ns 2>/dev/null | xargs -r kill 2>/dev/null
  done
  sleep 0.3
  for ns in $C $M $S; do
    ip netns pids $ns 2>/dev/null | xargs -r kill -9 2>/dev/null
    ip netns del $ns 2>/dev/null
  done
  rm -rf /etc/netns/$C "$work"
}
trap cleanup EXIT

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

build_net() {
  cleanup 2>/dev/null || true
  work=$(mktemp -d /tmp/pcapdoc-lab.XXXXXX)
  for ns in $C $M $S; do
    ip netns add $ns; nsx $ns ip link set lo up
    # IPv4 only: no router solicitations or MLD reports in the captures.
    nsx $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  done
  ip link add pd-c0 type veth peer name pd-m0
  ip link add pd-m1 type veth peer name pd-s0
  ip link set pd-c0 netns $C; ip link set pd-m0 netns $M
  ip link set pd-m1 netns $M; ip link set pd-s0 netns $S
  nsx $C ip addr add $CLIENT/24 dev pd-c0; nsx $C ip link set pd-c0 up
  nsx $M ip addr add $MID_C/24 dev pd-m0; nsx $M ip addr add $VIP/24 dev pd-m0; nsx $M ip link set pd-m0 up
  nsx $M ip addr add $MID_S/24 dev pd-m1; nsx $M ip link set pd-m1 up
  nsx $S ip addr add $SERVER/24 dev pd-s0; nsx $S ip link set pd-s0 up
  nsx $C ip route add default via $MID_C
  nsx $S ip route add default via $MID_S
  # Wire-sized segments in the captures: no TSO/GSO/GRO on any veth.
  for pair in "$C pd-c0" "$M pd-m0" "$M pd-m1" "$S pd-s0"; do
    set -- $pair; nsx "$1" ethtool -K "$2" tso off gso off gro off >/dev/null 2>&1 || true
  done
  nsx $M sysctl -qw net.ipv4.ip_forward=1
  # The SLB: DNAT the VIP to the server, SNAT to the middle box (full NAT).
  # Only the service ports go to the server; other VIP ports end at the middle box itself
  # (the connect-failures scenario puts its security-group-like rules there).
  nsx $M iptables -t nat -A PREROUTING -d $VIP -p tcp -m multiport --dports 80,443,8080,8443 -j DNAT --to-destination $SERVER
  nsx $M iptables -t nat -A POSTROUTING -o pd-m1 -j MASQUERADE
  # The hijacked CNAME's address goes nowhere, silently.
  nsx $M ip route add blackhole 192.0.2.0/24
  # Real conntrack idle behaviour: a packet of a forgotten connection is not picked up again.
  nsx $M sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0
  # The client resolves through the middle box.
  mkdir -p /etc/netns/$C
  echo "nameserver $MID_C" > /etc/netns/$C/resolv.conf
  start_dns
}

start_dns() {
  cat > "$work/dnsmasq.conf" <<DNS
no-resolv
no-hosts
listen-address=$MID_C
bind-interfaces
port=53
host-record=shop-vip.lb.example,$VIP
host-record=api.shop.example,$VIP
cname=www.shop.example,shop-vip.lb.example
host-record=gfvip09aj.hijack.example,192.0.2.66
cname=pay.shop.example,gfvip09aj.hijack.example
local-ttl=600
DNS
  nsx $M dnsmasq --conf-file="$work/dnsmasq.conf" --pid-file="$work/dnsmasq.pid" --log-facility="$work/dnsmasq.log"
}

start_nginx() {
  local keepalive=$1
  chmod 755 "$work"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=shop.example" \
    -keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1
  mkdir -p "$work/www" "$work/nginx-tmp"
  chmod 755 "$work"
  echo "ok" > "$work/www/index.html"
  head -c 12000000 /dev/zero | tr '\0' 'x' > "$work/www/big.bin"
  head -c 3000000 /dev/zero | tr '\0' 'x' > "$work/www/mid.bin"
  cat > "$work/nginx.conf" <<NGX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 256; }
http {
  access_log $work/nginx-access.log;
  client_body_temp_path $work/nginx-tmp; proxy_temp_path $work/nginx-tmp;
  fastcgi_temp_path $work/nginx-tmp; uwsgi_temp_path $work/nginx-tmp; scgi_temp_path $work/nginx-tmp;
  keepalive_timeout ${keepalive}s;
  keepalive_requests 1000;
  server {
    listen 80; listen 443 ssl;
    ssl_certificate $work/cert.pem; ssl_certificate_key $work/key.pem;
    ssl_protocols ${TLS_PROTOCOLS:-TLSv1.2};
    ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384;
    root $work/www;
    location / { }
    location /api { return 200 "posted\n"; }
    ${NGINX_EXTRA:-}
  }
}
NGX
  nsx $S nginx -c "$work/nginx.conf"
}

capture_start() {
  local name=$1 snap=${2:-0}
  nsx $C tcpdump -i pd-c0 -s "$snap" -U -w "$work/$name-client.pcap" not arp >/dev/null 2>&1 &
  nsx $S tcpdump -i pd-s0 -s "$snap" -U -w "$work/$name-server.pcap" not arp >/dev/null 2>&1 &
  sleep 1.5
}

capture_stop() {
  local name=$1
  sleep 1
  nsx $C pkill tcpdump || true; nsx $S pkill tcpdump || true
  sleep 1
  cp "$work/$name-client.pcap" "$work/$name-server.pcap" "$out/"
  echo "wrote $out/$name-client.pcap $out/$name-server.pcap"
}

client() { nsx $C python3 "$here/client.py" "$@"; }

run_one() {
  local sc=$1
  build_net
  case $sc in
    slb-idle-reset)
      # Alibaba Cloud SLB's HTTP keep-alive idle timeout: 15 s.
      nsx $M sysctl -qw net.netfilter.nf_conntrack_tcp_timeout_established=15
      start_nginx 300
      capture_start $sc
      client http-idle --host $VIP --idle 20
      ;;
    tls-idle-close-120|tls-idle-close-75)
      start_nginx "${sc##*-}"
      capture_start $sc
      client tls-idle --host $VIP --idle $(( ${sc##*-} + 15 ))
      ;;
    no-client-hello)
      start_nginx 60
      capture_start $sc
      client no-client-hello --host $VIP --count 3
      ;;
    cname-hijack)
      start_nginx 60
      capture_start $sc
      client names --names www.shop.example pay.shop.example api.shop.example
      ;;
    storm-sender)
      # Heavy loss (20 %) toward the client, captured where the data leaves the server:
      # upstream of the loss, most resends are SACK recovery that Wireshark marks
      # out-of-order, and the client's duplicate ACKs pile up.
      start_nginx 60
      nsx $M iptables -A FORWARD -i pd-m1 -m statistic --mode random --probability 0.20 -j DROP
      capture_start $sc 128
      client download --host $VIP --path /mid.bin --timeout 150
      ;;
    long-ring)
      # The capture a user leaves running for a failure that comes and goes: a tcpdump ring
      # of 20 files of 1 MB (-C 1 -W 20) at the client, over a long lossy download (2 %
      # loss toward the client) of more than 20 MB of capture, so the ring wraps: the
      # lowest-numbered files are overwritten with the newest packets, and name order is not
      # time order.
      start_nginx 60
      head -c 200000000 /dev/zero | tr '\0' 'x' > "$work/www/huge.bin"
      nsx $M iptables -A FORWARD -i pd-m1 -m statistic --mode random --probability 0.02 -j DROP
      mkdir -p "$work/ring"
      nsx $C tcpdump -i pd-c0 -s 128 -U -C 1 -W 20 -Z root -w "$work/ring/ring.pcap" not arp >/dev/null 2>&1 &
      nsx $S tcpdump -i pd-s0 -s 128 -U -w "$work/$sc-server.pcap" not arp >/dev/null 2>&1 &
      sleep 1.5
      client download --host $VIP --path /huge.bin --timeout 150
      sleep 1
      nsx $C pkill tcpdump || true; nsx $S pkill tcpdump || true
      sleep 1
      rm -rf "$out/long/ring" && mkdir -p "$out/long/ring" && cp "$work"/ring/ring.pcap* "$out/long/ring/"
      echo "wrote $out/long/ring/"
      return
      ;;
    storm|storm-control)
      start_nginx 60
      if [ $sc = storm ]; then
        # Loss on one leg only: server -> client, between the middle box and the server side.
        nsx $M iptables -A FORWARD -i pd-m1 -m statistic --mode random --probability 0.15 -j DROP
      fi
      capture_start $sc 128
      # The lossy run moves 12 MB (over 1,000 retransmissions); the control run 3 MB.
      local path=/big.bin; [ $sc = storm-control ] && path=/mid.bin
      client download --host $VIP --path $path --timeout 150
      ;;
    clean)
      start_nginx 60
      capture_start $sc
      client clean --name www.shop.example
      ;;
    connect-failures)
      start_nginx 60
      # A security group in front of the VIP: 81 rejected with a RST, 82 with ICMP
      # admin-prohibited, 83 silently dropped; nothing listens on 84.
      nsx $M iptables -A INPUT -d $VIP -p tcp --dport 81 -j REJECT --reject-with tcp-reset
      nsx $M iptables -A INPUT -d $VIP -p tcp --dport 82 -j REJECT --reject-with icmp-admin-prohibited
      nsx $M iptables -A INPUT -d $VIP -p tcp --dport 83 -j DROP
      capture_start $sc
      client ports --host $VIP --ports 80 81 82 83 84
      ;;
    tls-handshake-alert)
      start_nginx 60
      capture_start $sc
      client tls-cipher-mismatch --host $VIP
      ;;
    tls-no-server-hello)
      start_nginx 60
      # A listener that accepts and never speaks TLS.
      nsx $S python3 "$here/client.py" silent-server --port 8443 --seconds 30 &
      sleep 1
      capture_start $sc
      client tls-no-answer --host $VIP --port 8443
      ;;
    outbound-scan)
      # 40 addresses at the server's end with nothing on 22, plus the server itself with a
      # login service that rejects every attempt; 203.0.113.50-.54 do not exist.
      for i in $(seq 10 49); do nsx $S ip addr add 203.0.113.$i/24 dev pd-s0; done
      nsx $S python3 "$here/client.py" fake-sshd --bind $SERVER --port 22 --count 25 --seconds 60 &
      sleep 1
      capture_start $sc
      client scan --net 203.0.113 --first 10 --last 54 --port 22 --timeout 1 --login-host $SERVER --logins 25
      ;;
    syn-flood)
      start_nginx 60
      # Three flooding sources in the client namespace. Its firewall lets only their SYNs
      # out, so the server's SYN/ACKs are never acknowledged: half-open connections.
      for i in 11 12 13; do nsx $C ip addr add 198.51.100.$i/24 dev pd-c0; done
      nsx $C iptables -A OUTPUT -s 198.51.100.8/29 -p tcp ! --syn -j DROP
      capture_start $sc 128
      client syn-flood --host $VIP --port 80 --sources 198.51.100.11 198.51.100.12 198.51.100.13 --count 600 --hold 4
      ;;
    http-flood)
      start_nginx 60
      capture_start $sc 256
      client browse --host $VIP --count 5 --gap 0.4
      # One tool, one URL, one User-Agent: ApacheBench's.
      nsx $C ab -q -n 800 -c 8 "http://$VIP/api/login" >/dev/null
      client browse --host $VIP --count 5 --gap 0.4
      ;;
    bandwidth)
      start_nginx 60
      # The path toward the client is limited to 20 Mbit/s (a token bucket on the middle box).
      nsx $M tc qdisc add dev pd-m0 root tbf rate 20mbit burst 32kbit latency 100ms
      capture_start $sc 128
      client download-with-chatter --host $VIP --path /big.bin --timeout 60
      ;;
    conntrack-exhaustion)
      # A server whose listen queue is full: it serves four connections and stops
      # accepting, so the kernel drops new SYNs while the four keep working. (A full
      # nf_conntrack table looks the same on the wire; nf_conntrack_max cannot be set
      # inside a network namespace, so the lab shows the accept-queue case.)
      nsx $S python3 "$here/client.py" backlog-server --port 8080 --backlog 1 --serve 4 --seconds 30 &
      sleep 1
      capture_start $sc
      client busy-and-new --host $VIP --port 8080 --keep 4 --new 6 --timeout 3 --seconds 16
      ;;
    tls13-idle-close-75)
      # nginx closes an idle TLS 1.3 keep-alive connection after 75 s: its close_notify is
      # a 19-byte application_data record, then the FIN; the client writes 10 s later.
      TLS_PROTOCOLS=TLSv1.3 start_nginx 75
      capture_start $sc
      client tls-idle --host $VIP --idle 85 --tls13
      ;;
    zero-window)
      # The client's application stops reading for 4 s in the middle of a 3 MB download
      # (receive buffer 32 KiB): its kernel advertises a zero window, nginx probes, and the
      # window reopens when the application reads again. Snaplen 128 keeps the file small.
      start_nginx 60
      capture_start $sc 128
      client slow-reader --host $VIP --path /mid.bin --stall 4
      ;;
    vxlan-idle-reset|geneve-idle-reset|gre-idle-reset)
      # geneve and gretap need kernel modules this lab's kernel (6.18 on the CI VM) lacks
      # ("Unknown device type"); those two scenarios run where they exist, and the committed
      # GENEVE, GRE and ERSPAN captures are crafted (scripts/gen-tunnels.py).
      # The SLB idle reset again, but the middle box reaches the server through an overlay
      # (VXLAN VNI 42 on UDP 4789, GENEVE VNI 42 on UDP 6081, or GRE carrying Ethernet) over
      # the veth underlay 203.0.113.250 <-> .251: the server-side capture on the underlay
      # holds every packet encapsulated, as an overlay network or a cloud traffic mirror
      # delivers them (issue 16).
      nsx $M ip addr del $MID_S/24 dev pd-m1; nsx $S ip addr del $SERVER/24 dev pd-s0
      nsx $S ip route flush default 2>/dev/null || true
      nsx $M ip addr add 203.0.113.250 peer 203.0.113.251 dev pd-m1
      nsx $S ip addr add 203.0.113.251 peer 203.0.113.250 dev pd-s0
      for side in "$M 203.0.113.250 203.0.113.251" "$S 203.0.113.251 203.0.113.250"; do
        set -- $side
        case $sc in
          vxlan-*) nsx "$1" ip link add vx0 type vxlan id 42 local "$2" remote "$3" dstport 4789 dev "pd-${1#pd-}" 2>/dev/null \
                     || nsx "$1" ip link add vx0 type vxlan id 42 local "$2" remote "$3" dstport 4789 ;;
          geneve-*) nsx "$1" ip link add vx0 type geneve id 42 remote "$3" ;;
          gre-*) nsx "$1" ip link add vx0 type gretap local "$2" remote "$3" ;;
        esac
      done
      nsx $M ip link show vx0 >/dev/null 2>&1 || { echo "$sc: this kernel cannot make the overlay device" >&2; exit 2; }
      nsx $M ip addr add $MID_S/24 dev vx0; nsx $M ip link set vx0 up
      nsx $S ip addr add $SERVER/24 dev vx0; nsx $S ip link set vx0 up
      nsx $S ip route add default via $MID_S
      for ns in $M $S; do nsx $ns ethtool -K vx0 tso off gso off gro off >/dev/null 2>&1 || true; done
      nsx $M iptables -t nat -A POSTROUTING -o vx0 -j MASQUERADE
      nsx $M sysctl -qw net.netfilter.nf_conntrack_tcp_timeout_established=15
      start_nginx 300
      capture_start $sc
      client http-idle --host $VIP --idle 20
      ;;
    protocol-mismatch)
      # TLS to nginx's plain port 80 (it answers 400 Bad Request in plain text) and plain
      # HTTP to its TLS port 443 (its 400 page "The plain HTTP request was sent to HTTPS port").
      start_nginx 60
      capture_start $sc
      client wrong-protocol --host $VIP
      ;;
    http-errors)
      # nginx as the SLB-like proxy in front of sick backends: nothing listens behind
      # /api/orders (502), the backend of /api/report accepts and never answers (504 after
      # proxy_read_timeout 2 s), /api/items has a healthy backend whose own Server header
      # nginx passes on. Port 8080 reaches a server that reads each request and closes.
      NGINX_EXTRA='location /api/orders { proxy_pass http://127.0.0.1:9; }
    location /api/report { proxy_pass http://127.0.0.1:8081; proxy_read_timeout 2s; }
    location /api/items { proxy_pass http://127.0.0.1:8082; proxy_pass_header Server; }' start_nginx 60
      nsx $S python3 "$here/client.py" silent-server --port 8081 --seconds 40 &
      (cd "$work/www" && exec ip netns exec $S python3 -m http.server 8082 --bind 127.0.0.1) >/dev/null 2>&1 &
      nsx $S python3 "$here/client.py" mute-server --port 8080 --seconds 40 &
      sleep 1
      capture_start $sc
      client requests --host $VIP --paths /api/items:3 /api/orders:3 /api/report:2 /:1 --mute-port 8080 --mute-count 2
      ;;
    crypto-mining)
      # The infected instance (the client) mines for someone: stratum to a pool on the server,
      # Bitcoin-style on 3333 and XMRig's on 5555 (issue 22, seeds 001 and 004).
      nsx $S python3 "$here/client.py" stratum-pool --port 3333 --seconds 20 &
      nsx $S python3 "$here/client.py" stratum-pool --port 5555 --seconds 20 &
      sleep 1
      capture_start $sc
      client mine --host $SERVER
      ;;
    brute-force)
      # The infected instance (the client) guesses Redis passwords on five hosts at the
      # server's end, eight guesses each, and the last guess on the last host is right
      # (issue 22 item 4, seed 001). Beside it, a healthy app on the same instance opens a
      # connection per request to the server's own Redis with the right password: short,
      # accepted logins, the look-alike that must stay at info.
      for i in 10 11 12 13 14; do nsx $S ip addr add 203.0.113.$i/24 dev pd-s0; done
      nsx $S python3 "$here/client.py" login-server --port 6379 --seconds 40 --password correct-horse &
      sleep 1
      capture_start $sc
      client brute --hosts 203.0.113.10 203.0.113.11 203.0.113.12 203.0.113.13 203.0.113.14 --port 6379 \
        --guesses 8 --password correct-horse --app-host $SERVER --app-requests 25
      ;;
    beaconing)
      # The infected instance (the client) checks in with its controller every 5 s (3 %
      # jitter), 10 times: kqzvhwjxmtpl.info, a generated-looking name the resolver maps to
      # 203.0.113.77, port 4444. Beside it, a monitoring agent polls nginx's /status on the
      # server at the same period: the look-alike, at info (issue 22 item 2).
      kill "$(cat "$work/dnsmasq.pid")"; sleep 0.5
      echo "host-record=kqzvhwjxmtpl.info,203.0.113.77" >> "$work/dnsmasq.conf"
      nsx $M dnsmasq --conf-file="$work/dnsmasq.conf" --pid-file="$work/dnsmasq.pid" --log-facility="$work/dnsmasq.log"
      nsx $S ip addr add 203.0.113.77/24 dev pd-s0
      nsx $S python3 "$here/client.py" c2-server --port 4444 --seconds 90 &
      start_nginx 60
      sleep 1
      capture_start $sc
      client beacon --name kqzvhwjxmtpl.info --resolver $MID_C --port 4444 --period 5 --count 10 --agent-host $SERVER
      ;;
    dga)
      # The infected instance (the client) runs a domain generation algorithm: 40 names a
      # day, of which "its owner" registered the 18th (203.0.113.66 at the server's end, a
      # controller on 4444). The resolver answers NXDOMAIN for every other name under those
      # TLDs and for single labels. Around it, a healthy host's look-alikes: Chrome's random single-label probes,
      # ordinary lookups and a typo (issue 22 item 3).
      controller=$(python3 "$here/client.py" dga-names --seed 2026-12-01 --count 40 | sed -n 18p)
      kill "$(cat "$work/dnsmasq.pid")"; sleep 0.5
      cat >> "$work/dnsmasq.conf" <<DNS
local=/info/
local=/net/
local=/com/
local=/biz/
local=/shop.example/
domain-needed
host-record=$controller,203.0.113.66
DNS
      nsx $M dnsmasq --conf-file="$work/dnsmasq.conf" --pid-file="$work/dnsmasq.pid" --log-facility="$work/dnsmasq.log"
      nsx $S ip addr add 203.0.113.66/24 dev pd-s0
      nsx $S python3 "$here/client.py" c2-server --port 4444 --seconds 30 &
      sleep 1
      capture_start $sc
      client dga --seed 2026-12-01 --count 40 --resolver $MID_C
      ;;
    mid-transfer-reset)
      # A server that resets an upload part way (port 8080: a body-size limit), and a WAF-like rule on the
      # path that answers any client packet over 1,000 bytes to port 80 with a RST made by
      # the middle box itself (its TTL is not the server's).
      start_nginx 60
      nsx $S python3 "$here/client.py" reset-server --port 8080 --seconds 30 &
      nsx $M iptables -A FORWARD -i pd-m0 -p tcp --dport 80 -m length --length 1000:65535 -j REJECT --reject-with tcp-reset
      sleep 1
      capture_start $sc
      client resets --host $VIP --reset-port 8080
      ;;
    dns-failure)
      # The resolver (dnsmasq on the middle box) with: names under shop.example answered
      # locally (unknown ones NXDOMAIN), dead.example forwarded to an upstream that does not
      # answer (203.0.113.53, on the server, drops every query), slow.example forwarded to an upstream on the server
      # that answers after 1.5 s and answers SERVFAIL for broken.slow.example, and no
      # upstream for anything else (REFUSED). A second resolver address, 198.51.100.53,
      # drops every query.
      kill "$(cat "$work/dnsmasq.pid")"; sleep 0.5
      cat >> "$work/dnsmasq.conf" <<DNS
local=/shop.example/
server=/dead.example/203.0.113.53
server=/slow.example/$SERVER
DNS
      nsx $M dnsmasq --conf-file="$work/dnsmasq.conf" --pid-file="$work/dnsmasq.pid" --log-facility="$work/dnsmasq.log"
      nsx $S ip addr add 203.0.113.53/24 dev pd-s0
      nsx $S iptables -A INPUT -d 203.0.113.53 -p udp --dport 53 -j DROP
      nsx $M ip addr add 198.51.100.53/24 dev pd-m0
      nsx $M iptables -A INPUT -d 198.51.100.53 -p udp --dport 53 -j DROP
      nsx $S python3 "$here/client.py" slow-dns --bind $SERVER --delay 1.5 --seconds 60 &
      sleep 1
      capture_start $sc
      client dns-lookups --tries 3 --timeout 2 --names $MID_C/www.shop.example $MID_C/nosuch.shop.example \
        $MID_C/api.dead.example $MID_C/cdn.slow.example $MID_C/img.slow.example $MID_C/broken.slow.example $MID_C/portal.other.example \
        198.51.100.53/www.shop.example 198.51.100.53/api.shop.example $MID_C/api.shop.example
      ;;
    peer-silent)
      # A server that drops off the path mid-conversation: a client writes a line every
      # 100 ms and the server answers each with 30 kB; 2.5 s in, the middle box drops every
      # packet from the server (a security group changed, a failed-over SLB that no longer
      # forwards the session's return traffic). The client hears nothing more: it resends
      # its lines into silence. The server resends its unacknowledged replies while the
      # client's own resends still reach it: alive, but deaf to it. The client gives up
      # after 12 s with a RST.
      nsx $S python3 "$here/client.py" echo-server --port 8080 --seconds 40 &
      sleep 1
      capture_start $sc
      ( sleep 2.5; nsx $M iptables -I FORWARD -i pd-m1 -p tcp --sport 8080 -j DROP ) &
      client chat --host $VIP --port 8080 --give-up 12
      sleep 8
      ;;
    oneway-clean)
      # A healthy HTTP and HTTPS exchange captured at the server with tcpdump -Q in (only what
      # arrives at it), as a one-direction mirror gives: the report says the capture is
      # one-way and has no warning. The client capture is ordinary.
      start_nginx 60
      nsx $C tcpdump -i pd-c0 -U -w "$work/$sc-client.pcap" not arp >/dev/null 2>&1 &
      nsx $S tcpdump -i pd-s0 -Q in -U -w "$work/$sc-server.pcap" not arp >/dev/null 2>&1 &
      sleep 1.5
      client clean --name www.shop.example
      client clean --name api.shop.example
      ;;
    many-connections)
      # Compare's scale test (bench/compare): N short HTTP connections (default 20,000) with
      # ApacheBench through the full NAT, captured at both ends (snaplen 128). Not committed.
      start_nginx 60
      capture_start $sc 128
      nsx $C ab -q -n "${N:-20000}" -c 16 "http://$VIP/" >/dev/null
      ;;
    *) echo "unknown scenario $sc" >&2; exit 2 ;;
  esac
  capture_stop $sc
  python3 "$here/expect.py" "$sc" "$out" || echo "warning: expectations for $sc not written" >&2
}

install_tools
if [ "$scenario" = all ]; then
  for sc in clean no-client-hello cname-hijack tls-handshake-alert tls-no-server-hello connect-failures outbound-scan syn-flood http-flood bandwidth conntrack-exhaustion slb-idle-reset storm-control storm storm-sender vxlan-idle-reset zero-window protocol-mismatch http-errors mid-transfer-reset crypto-mining brute-force dga beaconing dns-failure peer-silent oneway-clean tls13-idle-close-75 tls-idle-close-75 tls-idle-close-120; do
    run_one $sc
  done
else
  run_one "$scenario"
fi
