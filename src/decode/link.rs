//! Link layers: strip whatever precedes the network header and say what it is.
//!
//! Contract: never panics; returns `None` when the frame is too short for its link header or
//! the link type is not one we decode (the frame still counts, it just carries no IP).

use crate::capture::LinkType;

/// What follows the link header.
pub enum Next<'a> {
    /// An EtherType and the bytes after it (VLAN tags still to be handled by etherparse).
    EtherType(u16, &'a [u8]),
    /// A full Ethernet II frame.
    Ethernet(&'a [u8]),
    /// A bare IPv4 or IPv6 packet.
    Ip(&'a [u8]),
}

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;

pub fn strip(link: LinkType, data: &[u8]) -> Option<Next<'_>> {
    match link {
        LinkType::ETHERNET => Some(Next::Ethernet(data)),
        LinkType::RAW | LinkType::RAW_BSD | LinkType::RAW_OPENBSD | LinkType::IPV4 | LinkType::IPV6 => {
            Some(Next::Ip(data))
        }
        // Linux cooked v1: packet type, ARPHRD, address length, 8 address bytes, protocol.
        LinkType::LINUX_SLL => {
            let proto = u16::from_be_bytes(data.get(14..16)?.try_into().ok()?);
            Some(Next::EtherType(proto, data.get(16..)?))
        }
        // Linux cooked v2: protocol first, then reserved, ifindex, ARPHRD, type, addr len, addr.
        LinkType::LINUX_SLL2 => {
            let proto = u16::from_be_bytes(data.get(0..2)?.try_into().ok()?);
            Some(Next::EtherType(proto, data.get(20..)?))
        }
        // BSD loopback: a 4-byte address family, host byte order for NULL, network for LOOP.
        LinkType::NULL | LinkType::LOOP => {
            let raw: [u8; 4] = data.get(0..4)?.try_into().ok()?;
            let family = if link == LinkType::LOOP {
                u32::from_be_bytes(raw)
            } else {
                // The writer's byte order is unknown; families are small numbers, so a value
                // above 0xffff must be the other order (as Wireshark's null dissector reasons).
                let le = u32::from_le_bytes(raw);
                if le > 0xffff { u32::from_be_bytes(raw) } else { le }
            };
            let rest = data.get(4..)?;
            match family {
                2 => Some(Next::EtherType(ETHERTYPE_IPV4, rest)),
                // AF_INET6 differs per OS: Linux 10, NetBSD/OpenBSD 24, FreeBSD 28, macOS 30.
                10 | 24 | 28 | 30 => Some(Next::EtherType(ETHERTYPE_IPV6, rest)),
                _ => None,
            }
        }
        // IEEE 802.3br mPackets: 7 preamble bytes, a start-of-mPacket delimiter, then an
        // Ethernet frame. Only express and first-fragment mPackets start a frame.
        LinkType(274) => {
            let smd = *data.get(7)?;
            let starts_frame = matches!(smd, 0xd5 | 0xe6 | 0x4c | 0x7f | 0xb3);
            starts_frame.then(|| data.get(8..)).flatten().map(Next::Ethernet)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sll2_protocol_comes_first() {
        let mut f = vec![0x08, 0x00, 0, 0];
        f.extend([0u8; 16]);
        f.extend([0x45, 0]);
        match strip(LinkType::LINUX_SLL2, &f) {
            Some(Next::EtherType(0x0800, rest)) => assert_eq!(rest, &[0x45, 0]),
            _ => panic!("SLL2 not stripped"),
        }
    }

    #[test]
    fn null_family_in_either_byte_order() {
        for raw in [[2, 0, 0, 0], [0, 0, 0, 2]] {
            let f = [raw.as_slice(), &[0x45]].concat();
            assert!(matches!(strip(LinkType::NULL, &f), Some(Next::EtherType(0x0800, _))));
        }
        let f = [[30u8, 0, 0, 0].as_slice(), &[0x60]].concat();
        assert!(matches!(strip(LinkType::NULL, &f), Some(Next::EtherType(0x86dd, _))));
    }

    #[test]
    fn every_truncation_of_a_cooked_header_is_refused_not_a_panic() {
        let full = [0u8; 24];
        for link in [LinkType::LINUX_SLL, LinkType::LINUX_SLL2, LinkType::NULL, LinkType::LOOP, LinkType(274)] {
            for n in 0..full.len() {
                let _ = strip(link, &full[..n]);
            }
        }
        assert!(strip(LinkType::LINUX_SLL, &full[..15]).is_none());
    }
}
