#!/usr/bin/env python3
# Makes captures/synthetic/icmp-backscatter-first.pcap: eight ICMP host-unreachable errors
# quoting the SYN/ACKs of connections the capture never saw (backscatter of a spoofed SYN
# flood), then an ordinary HTTP exchange, then a SYN on one of the quoted 4-tuples. tshark 4.0
# gives each quoted connection a tcp.stream (when the quote holds 16 bytes of TCP header), so
# the HTTP stream is number 8 and the last SYN joins stream 0 (issue 16).
# Usage: scripts/gen-icmp-backscatter.py OUT.pcap [QUOTED_TCP_BYTES]
import struct
def csum(b):
    if len(b)%2: b+=b'\0'
    s=sum(struct.unpack('!%dH'%(len(b)//2), b)); s=(s>>16)+(s&0xffff); s+=s>>16; return (~s)&0xffff
def ip(src,dst,proto,payload,ident=1,ttl=64):
    h=struct.pack('!BBHHHBBH4s4s',0x45,0,20+len(payload),ident,0,ttl,proto,0,bytes(src),bytes(dst))
    h=h[:10]+struct.pack('!H',csum(h))+h[12:]; return h+payload
def tcp(src,dst,sp,dp,seq,ack,flags,payload=b''):
    h=struct.pack('!HHIIBBHHH',sp,dp,seq,ack,5<<4,flags,65535,0,0)
    ph=struct.pack('!4s4sBBH',bytes(src),bytes(dst),0,6,len(h)+len(payload))
    c=csum(ph+h+payload); h=h[:16]+struct.pack('!H',c)+h[18:]; return h+payload
def eth(p): return b'\x02\0\0\0\0\x02'+b'\x02\0\0\0\0\x01'+b'\x08\x00'+p
recs=[]; t=1000.0
def add(p):
    global t; t+=0.01; recs.append((t,eth(p)))
S=[203,0,113,10]; C=[198,51,100,7]
# eight ICMP host-unreachable errors quoting SYN/ACKs (backscatter) of unknown connections
import sys
quote_len=int(sys.argv[2]) if len(sys.argv)>2 else 20
for i in range(8):
    spoofed=[192,0,2,100+i]
    inner=ip(S,spoofed,6,tcp(S,spoofed,80,40000+i,1000+i,5000+i,0x12))
    q=inner[:20+quote_len]
    icmp=struct.pack('!BBHI',3,1,0,0)+q
    icmp=icmp[:2]+struct.pack('!H',csum(icmp))+icmp[4:]
    add(ip([198,51,100,1],S,1,icmp))
# normal traffic
add(ip(C,S,6,tcp(C,S,50000,80,100,0,0x02)))
add(ip(S,C,6,tcp(S,C,80,50000,900,101,0x12)))
add(ip(C,S,6,tcp(C,S,50000,80,101,901,0x10)))
add(ip(C,S,6,tcp(C,S,50000,80,101,901,0x18,b'GET / HTTP/1.0\r\n\r\n')))
add(ip(S,C,6,tcp(S,C,80,50000,901,119,0x11)))
# a later SYN from one of the spoofed addresses' connection tuple (real traffic reusing it)
add(ip([192,0,2,100],S,6,tcp([192,0,2,100],S,40000,80,7,0,0x02)))
out=open(sys.argv[1],'wb'); out.write(struct.pack('<IHHiIII',0xa1b2c3d4,2,4,0,0,65535,1))
for ts,d in recs:
    out.write(struct.pack('<IIII',int(ts),int((ts%1)*1e6),len(d),len(d))+d)
