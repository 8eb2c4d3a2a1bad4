//! TLS record tracking over one direction's reassembled bytes.
//!
//! Reads record headers (RFC 8446 section 5.1: type, version, length) across segment
//! boundaries, skipping record bodies without copying them, except for plaintext handshake
//! and alert records, which it buffers (at most one record, 2^14 + 2048 bytes) and parses:
//! handshake messages with tls-parser (ClientHello SNI and versions, ServerHello version),
//! alerts by their two bytes. An alert record after this side's ChangeCipherSpec, or one
//! longer than two bytes, is an Encrypted Alert, as Wireshark calls it.
//!
//! Contract: any byte sequence is safe; on anything that is not TLS the tracker marks itself
//! `not_tls` and ignores the rest of the stream. A gap inside a skipped body is fine; a gap
//! anywhere else loses sync, and tracking stops (counted, not fatal).

use tls_parser::{TlsExtension, TlsMessage, TlsMessageHandshake, parse_tls_extensions, parse_tls_message_handshake};

const HEADER: usize = 5;
/// RFC 8446 section 5.2: a ciphertext record is at most 2^14 + 256 bytes; allow TLS 1.2's
/// 2^14 + 2048 for compressed/ciphered records.
pub const MAX_RECORD: usize = (1 << 14) + 2048;

pub const CT_CHANGE_CIPHER_SPEC: u8 = 20;
pub const CT_ALERT: u8 = 21;
pub const CT_HANDSHAKE: u8 = 22;
pub const CT_APPLICATION_DATA: u8 = 23;
pub const CT_HEARTBEAT: u8 = 24;

/// What one record told us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsEvent {
    ClientHello {
        sni: Option<String>,
        version: u16,
        offers_tls13: bool,
    },
    ServerHello {
        version: u16,
    },
    /// Another handshake message (by type), or an encrypted one after ChangeCipherSpec.
    Handshake {
        msg_type: Option<u8>,
    },
    ChangeCipherSpec,
    /// A plaintext alert: level (1 warning, 2 fatal) and description.
    Alert {
        level: u8,
        description: u8,
    },
    /// An alert whose content is encrypted (after ChangeCipherSpec): Wireshark's
    /// "Encrypted Alert". In a close it is usually close_notify.
    EncryptedAlert {
        length: u16,
    },
    ApplicationData {
        length: u16,
    },
}

#[derive(Debug, Default)]
pub struct TlsTracker {
    header: [u8; HEADER],
    header_len: usize,
    /// Body bytes still to skip, or to collect when `collecting`.
    remaining: usize,
    collecting: Option<u8>,
    /// The record body being collected; its allocation is reused from record to record.
    body: Vec<u8>,
    cur_len: u16,
    /// This side sent its ClientHello or ServerHello: later handshake records (certificates,
    /// key exchange, tickets) are skipped like encrypted ones, not buffered and parsed.
    hello_seen: bool,
    pub ccs_seen: bool,
    pub not_tls: bool,
    pub lost_sync: bool,
    /// The peer answered in SSLv2 records: the hello is read, the rest is not followed.
    pub sslv2: bool,
    pub records: u64,
}

/// True when `b` starts like a TLS record (a known content type and version 3.x), or like
/// an SSLv2-format ClientHello ([`sslv2_client_hello`]).
pub fn looks_like_tls(b: &[u8]) -> bool {
    matches!(b, [20..=24, 3, 0..=4, ..]) || sslv2_client_hello(b).is_some() || sslv2_server_hello(b).is_some()
}

/// An SSLv2-format ClientHello (RFC 6101 appendix E.1, RFC 5246 appendix E.2): a 2-byte
/// header with the high bit set, message type 1, then the highest version the client
/// offers (0x0002 for SSL 2, 0x0300 to 0x0303 for SSL 3 to TLS 1.2). Old OpenSSL and Java
/// clients open with it, and the server answers in ordinary TLS records (corpus
/// suricata-verify `ssl_version_negated`). Returns (body length after the 2-byte header,
/// version).
pub fn sslv2_client_hello(b: &[u8]) -> Option<(usize, u16)> {
    match b {
        [h, l, 1, maj @ (0 | 3), min, ..] if h & 0x80 != 0 && (*maj == 3 || *min == 2) => {
            let len = usize::from(u16::from_be_bytes([h & 0x7f, *l]));
            // The fixed part alone (type, version, three lengths) is 9 bytes.
            (len >= 9).then_some((len, u16::from_be_bytes([*maj, *min])))
        }
        _ => None,
    }
}

/// An SSLv2-format ServerHello (the SSL 2.0 draft, section "SERVER-HELLO"): a 2-byte header
/// with the high bit set, message type 4, the session-id-hit and certificate-type bytes,
/// then the server's version (0x0002). It answers an SSLv2 ClientHello from a server that
/// still speaks SSL 2 (corpus-style scans of old servers): TLS's ancestor, not "bytes that
/// are not TLS". Returns (body length after the 2-byte header, version).
pub fn sslv2_server_hello(b: &[u8]) -> Option<(usize, u16)> {
    match b {
        [h, l, 4, 0 | 1, _, maj @ (0 | 3), min, ..] if h & 0x80 != 0 && (*maj == 3 || *min == 2) => {
            let len = usize::from(u16::from_be_bytes([h & 0x7f, *l]));
            // The fixed part (type, hit, certificate type, version, three lengths) is 11 bytes.
            (len >= 11).then_some((len, u16::from_be_bytes([*maj, *min])))
        }
        _ => None,
    }
}

impl TlsTracker {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn active(&self) -> bool {
        !self.not_tls && !self.lost_sync && !self.sslv2
    }

    /// A gap of `n` missing bytes in the stream.
    pub fn gap(&mut self, n: u32) {
        if !self.active() {
            return;
        }
        let n = n as usize;
        if self.collecting.is_none() && self.header_len == 0 && self.remaining >= n {
            self.remaining -= n;
        } else {
            self.lost_sync = true;
        }
    }

    /// Feeds in-order bytes; `emit` gets one event per complete record (a record holding a
    /// ClientHello or ServerHello gives one event for the hello and, if it holds more
    /// messages, one [`TlsEvent::Handshake`] for the rest).
    pub fn feed(&mut self, mut data: &[u8], emit: &mut dyn FnMut(TlsEvent)) {
        while !data.is_empty() && self.active() {
            if self.remaining > 0 {
                let take = self.remaining.min(data.len());
                let (now, rest) = data.split_at(take);
                if self.collecting.is_some() {
                    self.body.extend_from_slice(now);
                }
                self.remaining -= take;
                data = rest;
                if self.remaining == 0 {
                    if let Some(ct) = self.collecting.take() {
                        let body = std::mem::take(&mut self.body);
                        self.finish_collected(ct, &body, emit);
                        self.body = body;
                        self.body.clear();
                    }
                }
                continue;
            }
            let take = (HEADER - self.header_len).min(data.len());
            let (now, rest) = data.split_at(take);
            if let Some(dst) = self.header.get_mut(self.header_len..self.header_len + take) {
                dst.copy_from_slice(now);
            }
            self.header_len += take;
            data = rest;
            if self.header_len < HEADER {
                break;
            }
            self.header_len = 0;
            if self.records == 0 && !self.hello_seen {
                if let Some((len, version)) = sslv2_client_hello(&self.header) {
                    // Its 2-byte header and 3 body bytes are read; skip the rest of the body.
                    self.records += 1;
                    self.hello_seen = true;
                    self.remaining = len.saturating_sub(HEADER - 2);
                    emit(TlsEvent::ClientHello { sni: None, version, offers_tls13: false });
                    continue;
                }
            }
            if self.records == 0 {
                // Only the first 5 bytes are in hand: the version sits at bytes 5-6, so the
                // message type, the hit byte and the high bit decide.
                if let [h, _, 4, 0 | 1, _] = self.header {
                    if h & 0x80 != 0 {
                        self.records += 1;
                        self.sslv2 = true;
                        emit(TlsEvent::ServerHello { version: 0x0002 });
                        break;
                    }
                }
            }
            let [ct, major, _minor, hi, lo] = self.header;
            let len = usize::from(u16::from_be_bytes([hi, lo]));
            if !(CT_CHANGE_CIPHER_SPEC..=CT_HEARTBEAT).contains(&ct) || major != 3 || len > MAX_RECORD {
                if self.records == 0 {
                    self.not_tls = true;
                } else {
                    self.lost_sync = true;
                }
                break;
            }
            self.records += 1;
            self.cur_len = len as u16;
            self.remaining = len;
            let plaintext_interest = !self.ccs_seen && ((ct == CT_HANDSHAKE && !self.hello_seen) || ct == CT_ALERT);
            if plaintext_interest && len > 0 {
                self.collecting = Some(ct);
                self.body.clear();
                self.body.reserve(len.min(4096));
            } else {
                self.record_without_body(ct, len as u16, emit);
            }
        }
    }

    fn record_without_body(&mut self, ct: u8, len: u16, emit: &mut dyn FnMut(TlsEvent)) {
        match ct {
            CT_CHANGE_CIPHER_SPEC => {
                self.ccs_seen = true;
                emit(TlsEvent::ChangeCipherSpec);
            }
            // An empty alert record has nothing to decode; it is still an alert.
            CT_ALERT => emit(TlsEvent::EncryptedAlert { length: len }),
            CT_HANDSHAKE => emit(TlsEvent::Handshake { msg_type: None }),
            CT_APPLICATION_DATA => emit(TlsEvent::ApplicationData { length: len }),
            _ => {}
        }
    }

    fn finish_collected(&mut self, ct: u8, body: &[u8], emit: &mut dyn FnMut(TlsEvent)) {
        if ct == CT_ALERT {
            match body {
                [level, description] => emit(TlsEvent::Alert { level: *level, description: *description }),
                _ => emit(TlsEvent::EncryptedAlert { length: self.cur_len }),
            }
            return;
        }
        // One record may hold several handshake messages. Only hellos are parsed; the others
        // (certificate, key exchange, done, ...) are told as one event for the record, so a
        // record of many tiny messages costs one event, not one per message.
        let mut rest = body;
        let mut other: Option<u8> = None;
        let mut any = false;
        while let [msg_type, a, b, c, ..] = *rest {
            let msg_len = usize::from(a) << 16 | usize::from(b) << 8 | usize::from(c);
            let Some(msg) = rest.get(..4 + msg_len) else { break };
            any = true;
            if msg_type == 1 || msg_type == 2 {
                self.hello_seen = true;
                emit(describe_hello(msg));
            } else {
                other.get_or_insert(msg_type);
            }
            rest = rest.get(4 + msg_len..).unwrap_or_default();
        }
        if let Some(t) = other {
            emit(TlsEvent::Handshake { msg_type: Some(t) });
        } else if !any {
            // A handshake message split across records: say what we can.
            emit(TlsEvent::Handshake { msg_type: body.first().copied() });
        }
    }
}

/// A ClientHello (type 1) or ServerHello (type 2) message, header included.
fn describe_hello(msg: &[u8]) -> TlsEvent {
    let msg_type = msg.first().copied();
    match parse_tls_message_handshake(msg) {
        Ok((_, TlsMessage::Handshake(TlsMessageHandshake::ClientHello(ch)))) => {
            let mut sni = None;
            let mut offers_tls13 = false;
            if let Some(Ok((_, exts))) = ch.ext.map(parse_tls_extensions) {
                for e in exts {
                    match e {
                        TlsExtension::SNI(names) => {
                            sni = names.first().map(|(_, n)| String::from_utf8_lossy(n).into_owned());
                        }
                        TlsExtension::SupportedVersions(v) => {
                            offers_tls13 = v.iter().any(|x| x.0 == 0x0304);
                        }
                        _ => {}
                    }
                }
            }
            TlsEvent::ClientHello { sni, version: ch.version.0, offers_tls13 }
        }
        Ok((_, TlsMessage::Handshake(TlsMessageHandshake::ServerHello(sh)))) => {
            let mut version = sh.version.0;
            if let Some(Ok((_, exts))) = sh.ext.map(parse_tls_extensions) {
                for e in exts {
                    if let TlsExtension::SupportedVersions(v) = e {
                        if let Some(x) = v.first() {
                            version = x.0;
                        }
                    }
                }
            }
            TlsEvent::ServerHello { version }
        }
        _ => match msg_type {
            Some(1) => TlsEvent::ClientHello { sni: None, version: 0, offers_tls13: false },
            Some(2) => TlsEvent::ServerHello { version: 0 },
            t => TlsEvent::Handshake { msg_type: t },
        },
    }
}

/// RFC 8446 section 6 alert names.
pub fn alert_name(d: u8) -> &'static str {
    match d {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        22 => "record_overflow",
        40 => "handshake_failure",
        42 => "bad_certificate",
        43 => "unsupported_certificate",
        44 => "certificate_revoked",
        45 => "certificate_expired",
        46 => "certificate_unknown",
        47 => "illegal_parameter",
        48 => "unknown_ca",
        49 => "access_denied",
        50 => "decode_error",
        51 => "decrypt_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        109 => "missing_extension",
        110 => "unsupported_extension",
        112 => "unrecognized_name",
        113 => "bad_certificate_status_response",
        115 => "unknown_psk_identity",
        116 => "certificate_required",
        120 => "no_application_protocol",
        _ => "unknown_alert",
    }
}

pub fn version_name(v: u16) -> String {
    match v {
        0x0300 => "SSL 3.0".into(),
        0x0301 => "TLS 1.0".into(),
        0x0302 => "TLS 1.1".into(),
        0x0303 => "TLS 1.2".into(),
        0x0304 => "TLS 1.3".into(),
        v => format!("0x{v:04x}"),
    }
}

#[cfg(test)]
mod sslv2_tests {
    use super::*;

    #[test]
    fn an_sslv2_format_client_hello_is_a_client_hello() {
        // 0x80 0x2e: 46 bytes follow; type 1; version TLS 1.0 (3.1); cipher specs 21 bytes,
        // no session id, 16-byte challenge.
        let mut b = vec![0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10];
        b.extend(std::iter::repeat_n(0xaa, 21 + 16));
        assert!(looks_like_tls(&b));
        let mut t = TlsTracker::new();
        let mut ev = Vec::new();
        t.feed(&b, &mut |e| ev.push(e));
        assert_eq!(ev, vec![TlsEvent::ClientHello { sni: None, version: 0x0301, offers_tls13: false }]);
        // The next record (a TLS handshake from the client, say) is read in sync.
        t.feed(&[22, 3, 1, 0, 0], &mut |e| ev.push(e));
        assert!(t.active(), "still in sync after the SSLv2 record");
    }

    #[test]
    fn plain_text_with_the_high_bit_is_not_tls() {
        assert!(!looks_like_tls(&[0x80, 0x2e, 0x02, 0x03, 0x01, 0, 0, 0, 0]));
        assert!(!looks_like_tls(&[0x80, 0x04, 0x01, 0x03, 0x01]));
        assert!(!looks_like_tls(b"GET / HTTP/1.1"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(chunks: &[&[u8]]) -> (Vec<TlsEvent>, TlsTracker) {
        let mut t = TlsTracker::new();
        let mut out = Vec::new();
        for c in chunks {
            t.feed(c, &mut |e| out.push(e));
        }
        (out, t)
    }

    /// A minimal ClientHello with an SNI of "a.example".
    fn client_hello() -> Vec<u8> {
        let sni_name = b"a.example";
        let mut sni = vec![0, 0];
        let list_len = (3 + sni_name.len()) as u16;
        sni.extend((list_len + 2).to_be_bytes());
        sni.extend(list_len.to_be_bytes());
        sni.push(0);
        sni.extend((sni_name.len() as u16).to_be_bytes());
        sni.extend(sni_name);
        let mut body = vec![3, 3];
        body.extend([7u8; 32]);
        body.push(0); // session id
        body.extend([0, 2, 0x13, 0x01]); // one cipher
        body.extend([1, 0]); // null compression
        body.extend((sni.len() as u16).to_be_bytes());
        body.extend(&sni);
        let mut hs = vec![1];
        hs.extend(&(body.len() as u32).to_be_bytes()[1..]);
        hs.extend(body);
        let mut rec = vec![22, 3, 1];
        rec.extend((hs.len() as u16).to_be_bytes());
        rec.extend(hs);
        rec
    }

    #[test]
    fn a_client_hello_split_across_two_segments_is_parsed() {
        let ch = client_hello();
        let (a, b) = ch.split_at(7);
        let (ev, _) = events(&[a, b]);
        assert_eq!(
            ev,
            vec![TlsEvent::ClientHello { sni: Some("a.example".into()), version: 0x0303, offers_tls13: false }]
        );
    }

    #[test]
    fn alert_after_change_cipher_spec_is_encrypted() {
        let (ev, _) = events(&[&[20, 3, 3, 0, 1, 1], &[21, 3, 3, 0, 26], &[0u8; 26]]);
        assert_eq!(ev, vec![TlsEvent::ChangeCipherSpec, TlsEvent::EncryptedAlert { length: 26 }]);
    }

    #[test]
    fn plaintext_handshake_alert_is_decoded() {
        let (ev, _) = events(&[&[21, 3, 3, 0, 2, 2, 40]]);
        assert_eq!(ev, vec![TlsEvent::Alert { level: 2, description: 40 }]);
        assert_eq!(alert_name(40), "handshake_failure");
    }

    #[test]
    fn http_is_not_tls() {
        let (ev, t) = events(&[b"GET / HTTP/1.1\r\n"]);
        assert!(ev.is_empty());
        assert!(t.not_tls);
    }

    #[test]
    fn record_longer_than_2_14_plus_2048_loses_sync_not_memory() {
        let (_, t) = events(&[&[23, 3, 3, 0, 5, 1, 2, 3, 4, 5], &[23, 3, 3, 0xff, 0xff]]);
        assert!(t.lost_sync);
        assert!(t.body.capacity() < 8192);
    }

    #[test]
    fn a_record_of_many_small_messages_is_one_event() {
        // 1,024 zero bytes are 256 empty HelloRequests: one event, not 256.
        let mut rec = vec![22, 3, 3, 4, 0];
        rec.extend([0u8; 1024]);
        let (ev, _) = events(&[&rec]);
        assert_eq!(ev, vec![TlsEvent::Handshake { msg_type: Some(0) }]);
    }

    #[test]
    fn handshake_records_after_the_hello_are_skipped_not_buffered() {
        let mut flight = client_hello();
        // A 12,000-byte "certificate" record after the hello.
        flight.extend([22, 3, 3, 0x2e, 0xe0, 11, 0, 0x2e, 0xdc]);
        flight.extend(vec![0u8; 12_000 - 4]);
        let (ev, t) = events(&[&flight]);
        assert!(
            matches!(ev.as_slice(), [TlsEvent::ClientHello { .. }, TlsEvent::Handshake { msg_type: None }]),
            "{ev:?}"
        );
        assert!(t.body.capacity() < 4096, "{}", t.body.capacity());
        assert!(t.active());
    }

    #[test]
    fn every_truncation_of_a_client_hello_is_safe() {
        let ch = client_hello();
        for n in 0..ch.len() {
            let (ev, _) = events(&[&ch[..n]]);
            assert!(ev.is_empty(), "{n}");
        }
    }
}
