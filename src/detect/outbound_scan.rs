//! `outbound-scan` and `brute-force`: one host opening connections to many distinct
//! addresses on one port (a scan), or logging in again and again to a login service on one
//! or many hosts (brute force). This is the traffic that gets a cloud server blocked for
//! attacking others (seed 001: "已阻断该服务器对其它服务器端口(TCP:22)的访问"); seed 004 is
//! the incident response that follows.
//!
//! Scan: every new connection attempt (a stream that begins with a SYN) is counted per
//! (source address, destination port), with the set of distinct destination addresses.
//!
//! Brute force differs from a scan: the handshakes complete and the host sends credentials.
//! A *login attempt* is a stream to a login port ([`LOGIN_PORTS`]) whose handshake completed,
//! where the client sent data, and which was over within [`SHORT_SESSION_NS`] having moved
//! little ([`MAX_ATTEMPT_CLIENT_BYTES`], [`MAX_ATTEMPT_SERVER_BYTES`]). Where the protocol is
//! plain text (Redis, MySQL, PostgreSQL, FTP, POP3, IMAP, telnet, SMB2, SQL Server), the
//! service's answer is read: refused or accepted. Attempts are kept per (source, service
//! endpoint) and judged per (source, port) across hosts. A service whose logins were
//! accepted and never refused is a client without connection pooling, not a guesser, and is
//! left out. At least [`MIN_LOGINS`] attempts are an error with [`MIN_REJECTED`] refusals,
//! or, with nothing accepted, when some host took [`MIN_FAST_ATTEMPTS`] or more at one per
//! [`MIN_RATE_GAP_S`] seconds or faster (a tool's pace); slower, with nothing refused (a cron
//! job's ssh), they are `info`, as are the accepted ones.
//! A scan and a brute force from the same source on the same port are one problem and one
//! finding (`brute-force`, with the scan's counts).
//!
//! State is bounded (`bounded::Heavy`): the [`MAX_KEYS`] keys with the most distinct
//! destinations (or attempts) are kept, so a scan that starts after many other hosts
//! connected is still seen; destinations are remembered exactly up to [`MAX_DESTS`] per key
//! and counted by estimate beyond. Answers are read on at most [`MAX_ANSWERS`] open streams.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use super::bounded::{CountedSet, DetectorCap, Heavy, Weight};
use super::{Config, Detector, Finding, Severity, ep};
use crate::capture::Timestamp;
use crate::decode::{Frame, Tcp};
use crate::engine::{Analysis, Hooks, Observer, TcpInfo};
use crate::flow::{Conversation, FlowRef};
use crate::i18n::Message;
use crate::msg;

/// The messages of this detector's findings: `locales/<lang>/outbound-scan.ftl`.
pub const MESSAGES: &[&str] = &[
    "scan-sweep-summary",
    "scan-sweep-explanation",
    "scan-rec-isolate",
    "scan-rec-snapshot",
    "scan-rec-inspect",
    "scan-rec-keys",
    "scan-rec-egress",
    "brute-summary",
    "brute-summary-scan",
    "brute-explanation",
    "brute-explanation-rejected",
    "brute-explanation-accepted",
    "brute-summary-benign",
    "brute-explanation-benign-accepted",
    "brute-explanation-benign-slow",
    "brute-role-login",
    "brute-role-rejected",
    "brute-role-accepted",
    "brute-role-scan",
    "confirm-brute-force",
];
pub const ABOUT: &str =
    "a host connecting to many addresses on one port (22, 3389, 445 ...) or guessing logins: 'attacking others'";

/// Ports whose sweeps get servers blocked: remote shells, file sharing, databases.
pub const RISKY_PORTS: &[u16] =
    &[21, 22, 23, 135, 139, 445, 1433, 2375, 3306, 3389, 5432, 5900, 6379, 9200, 11211, 27017];
/// Ports that carry a login: remote shells, file sharing, mail, databases, caches.
pub const LOGIN_PORTS: &[u16] = &[21, 22, 23, 110, 143, 445, 1433, 3306, 3389, 5432, 5900, 6379];
/// Distinct destinations on one risky port that make a sweep.
pub const MIN_DESTS_RISKY: usize = 16;
/// Distinct destinations on any other port that make a sweep.
pub const MIN_DESTS_OTHER: usize = 256;
/// Login attempts from one source to one port that make brute force.
pub const MIN_LOGINS: u64 = 20;
/// Refused logins that prove the guessing whatever the rate.
pub const MIN_REJECTED: u64 = 5;
/// Attempts to one host, at a tool's pace, that make the pace count.
pub const MIN_FAST_ATTEMPTS: u64 = 3;
/// Attempts closer together than this (on average) are a tool's, not a schedule's.
pub const MIN_RATE_GAP_S: f64 = 10.0;
/// A login attempt is over sooner than this...
pub const SHORT_SESSION_NS: i64 = 30_000_000_000;
/// ... with at most this much sent by the client (a password, a key exchange) ...
pub const MAX_ATTEMPT_CLIENT_BYTES: u64 = 16 * 1024;
/// ... and by the service (a banner, a refusal).
pub const MAX_ATTEMPT_SERVER_BYTES: u64 = 64 * 1024;
/// Open streams whose login answers are being read.
pub const MAX_ANSWERS: usize = 100_000;
pub const MAX_KEYS: usize = 2_048;
pub const MAX_DESTS: usize = 256;
/// Streams listed per sweep, for the finding's `covers`.
pub const MAX_STREAMS: usize = 4_096;

#[derive(Debug)]
struct Sweep {
    /// Distinct destinations, exactly up to [`MAX_DESTS`], estimated beyond.
    dests: CountedSet<IpAddr>,
    /// Outcome counts from finished streams: (answered, refused, silent).
    outcome: (u64, u64, u64),
    attempts: u64,
    first: Timestamp,
    last: Timestamp,
    /// (frame, time, stream) of the first attempts, for evidence.
    samples: Vec<(u64, Timestamp, u32)>,
    /// Where the first sample's stream is, once it ended.
    first_flow: Option<FlowRef>,
    /// Every attempt's stream (at most [`MAX_STREAMS`]).
    streams: Vec<u32>,
}

impl Weight for Sweep {
    fn weight(&self) -> u64 {
        self.dests.len() as u64
    }
}

/// Login attempts from one source to one service endpoint.
#[derive(Debug, Default)]
struct Target {
    attempts: u64,
    rejected: u64,
    accepted: u64,
    /// Sessions to the service that were not attempts (long, or moving data): real use.
    worked: u64,
    /// (frame, time, stream) of the first attempt's SYN.
    first: Option<(u64, Timestamp, u32)>,
    first_flow: Option<FlowRef>,
    last: Option<Timestamp>,
    /// (frame, time, stream) of the first refusal and the first acceptance.
    first_rejected: Option<(u64, Timestamp, u32)>,
    first_accepted: Option<(u64, Timestamp, u32)>,
    streams: Vec<u32>,
}

impl Weight for Target {
    fn weight(&self) -> u64 {
        self.attempts
    }
}

pub struct OutboundScan {
    sweeps: Heavy<(IpAddr, u16), Sweep>,
    targets: Heavy<(IpAddr, SocketAddr), Target>,
    answers: crate::HashMap<u32, Answer>,
}

pub fn make(_: &Config) -> Box<dyn Detector> {
    Box::new(OutboundScan { sweeps: Heavy::new(MAX_KEYS), targets: Heavy::new(MAX_KEYS), answers: Default::default() })
}

impl Observer for OutboundScan {
    fn hooks(&self) -> Hooks {
        Hooks::TCP | Hooks::STREAM_END
    }

    fn on_tcp(&mut self, f: &Frame<'_>, t: &Tcp<'_>, i: &TcpInfo, _: &Conversation) {
        if !t.payload.is_empty() && !i.duplicate {
            self.read_answer(f, t, i);
        }
        if !(i.placement.is_new && t.flags.syn() && !t.flags.ack()) {
            return;
        }
        let Some(ip) = f.ip else { return };
        let key = (ip.src, t.dst_port);
        let s = self.sweeps.entry(key, || Sweep {
            dests: CountedSet::new(MAX_DESTS),
            outcome: (0, 0, 0),
            attempts: 0,
            first: f.ts,
            last: f.ts,
            samples: Vec::new(),
            first_flow: None,
            streams: Vec::new(),
        });
        s.attempts += 1;
        s.last = s.last.max(f.ts);
        s.dests.insert(ip.dst);
        if s.streams.len() < MAX_STREAMS {
            s.streams.push(i.placement.stream);
        }
        if s.samples.len() < 5 {
            s.samples.push((f.frame, f.ts, i.placement.stream));
        }
    }

    fn on_stream_end(&mut self, c: &Conversation, _evicted: bool) {
        let s = &c.summary;
        let answer = self.answers.remove(&s.stream);
        if !s.attempted() {
            return;
        }
        let (client, server) = (s.client(), s.server());
        let key = (client.ip(), server.port());
        if let Some(sweep) = self.sweeps.get_mut(&key) {
            if sweep.samples.first().is_some_and(|x| x.2 == s.stream) {
                sweep.first_flow = Some(c.flow_ref());
            }
            bump_outcome(&mut sweep.outcome, s);
        }
        if !LOGIN_PORTS.contains(&server.port()) || !s.handshake_completed() {
            return;
        }
        let (Some(sent), Some(got)) = (s.sides.get(s.client_side()), s.sides.get(1 - s.client_side())) else { return };
        if sent.payload_bytes == 0 {
            // A banner read and a hang-up: part of a scan, no credentials.
            return;
        }
        let t = self.targets.entry((client.ip(), server), Target::default);
        let attempt = s.end.since(s.start) < SHORT_SESSION_NS
            && sent.payload_bytes <= MAX_ATTEMPT_CLIENT_BYTES
            && got.payload_bytes <= MAX_ATTEMPT_SERVER_BYTES;
        let answer = answer.unwrap_or_default();
        if !attempt && !matches!(answer.verdict, Some((false, ..))) {
            t.worked += 1;
            return;
        }
        t.attempts += 1;
        let syn = sent.syn_frame.unwrap_or(s.first_frame);
        if t.first.is_none() {
            t.first = Some((syn, s.start, s.stream));
            t.first_flow = Some(c.flow_ref());
        }
        t.last = Some(t.last.map_or(s.end, |x| x.max(s.end)));
        match answer.verdict {
            Some((false, frame, ts)) => {
                t.rejected += 1;
                t.first_rejected.get_or_insert((frame, ts, s.stream));
            }
            Some((true, frame, ts)) => {
                t.accepted += 1;
                t.first_accepted.get_or_insert((frame, ts, s.stream));
            }
            None => {}
        }
        if t.streams.len() < MAX_STREAMS {
            t.streams.push(s.stream);
        }
    }
}

impl OutboundScan {
    /// Reads a login service's answer, and the client's password command, on a login port.
    fn read_answer(&mut self, f: &Frame<'_>, t: &Tcp<'_>, i: &TcpInfo) {
        let (to_service, port) = if LOGIN_PORTS.contains(&t.dst_port) {
            (true, t.dst_port)
        } else if LOGIN_PORTS.contains(&t.src_port) {
            (false, t.src_port)
        } else {
            return;
        };
        let stream = i.placement.stream;
        if !self.answers.contains_key(&stream) && self.answers.len() >= MAX_ANSWERS {
            return;
        }
        let a = self.answers.entry(stream).or_default();
        if a.read >= VERDICT_SEGMENTS {
            return;
        }
        a.read += 1;
        if to_service {
            a.auth_sent |= sends_password(t.payload);
            return;
        }
        if a.verdict.is_none() {
            a.verdict = verdict(port, t.payload, a.auth_sent).map(|ok| (ok, f.frame, f.ts));
        }
    }
}

// ---- brute force: login sessions and what the service answered

/// What a login service answered on one stream, as far as its plain text shows.
#[derive(Debug, Clone, Copy, Default)]
struct Answer {
    /// The client sent a password command (Redis `AUTH`, POP3/FTP `PASS`, IMAP `LOGIN`).
    auth_sent: bool,
    /// The service's first answer to the credentials: accepted or not, its frame and time.
    /// Later answers (to QUIT, to a query) do not change it.
    verdict: Option<(bool, u64, Timestamp)>,
    /// Segments read so far, both ways.
    read: u8,
}

/// Bytes of a segment searched for a login verdict.
const VERDICT_BYTES: usize = 512;
/// Segments of a stream searched.
const VERDICT_SEGMENTS: u8 = 12;

/// Words a login service uses when it refuses a password (Redis, OpenSSH's keyboard prompt
/// over telnet, MySQL, PostgreSQL, IMAP, Dovecot, vsftpd...).
const REFUSALS: &[&[u8]] = &[
    b"wrongpass",
    b"invalid password",
    b"invalid username-password",
    b"login incorrect",
    b"login failed",
    b"authenticationfailed",
    b"authentication failed",
    b"access denied for user",
    b"incorrect password",
];

fn contains_ignore_case(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle))
}

/// The client's segment sends a password command.
fn sends_password(payload: &[u8]) -> bool {
    let head = payload.get(..VERDICT_BYTES).unwrap_or(payload);
    let word = |w: &[u8]| head.get(..w.len()).is_some_and(|h| h.eq_ignore_ascii_case(w));
    // RESP arrays (`*2\r\n$4\r\nAUTH`) or inline commands; POP3/FTP PASS; IMAP `a1 LOGIN`.
    // A RESP array's first bulk string is its command.
    let resp_auth = head.starts_with(b"*")
        && head
            .iter()
            .position(|&b| b == b'\n')
            .and_then(|nl| head.get(nl + 1..nl + 11))
            .is_some_and(|cmd| cmd.eq_ignore_ascii_case(b"$4\r\nauth\r\n"));
    word(b"auth ") || word(b"pass ") || resp_auth || {
        let mut parts = head.splitn(3, |&b| b == b' ');
        parts.next().is_some_and(|t| !t.is_empty() && t.len() <= 8)
            && parts.next().is_some_and(|c| c.eq_ignore_ascii_case(b"login"))
    }
}

/// What the service's segment says of the credentials: `Some(false)` refused, `Some(true)`
/// accepted, `None` nothing readable (SSH, RDP and VNC are encrypted or binary).
fn verdict(port: u16, payload: &[u8], auth_sent: bool) -> Option<bool> {
    let head = payload.get(..VERDICT_BYTES).unwrap_or(payload);
    if REFUSALS.iter().any(|r| contains_ignore_case(head, r)) || utf16_login_failed(head) {
        return Some(false);
    }
    match port {
        // FTP: 530 Login incorrect / 230 Login successful.
        21 => match head.get(..4) {
            Some(b"530 ") => Some(false),
            Some(b"230 ") => Some(true),
            _ => None,
        },
        // SMB2: STATUS_LOGON_FAILURE (0xC000006D) in a response header.
        445 => (head.get(4..8) == Some(b"\xfeSMB") && head.get(8..12) == Some(&[0x6d, 0, 0, 0xc0])).then_some(false),
        // MySQL: the server's OK packet (sequence 2) answers the login.
        3306 => (head.get(3..5) == Some(&[2, 0])).then_some(true),
        // PostgreSQL: AuthenticationOk.
        5432 => head.starts_with(b"R\0\0\0\x08\0\0\0\0").then_some(true),
        // Redis and POP3 answer a password with +OK or -ERR.
        _ if auth_sent && head.starts_with(b"+OK") => Some(true),
        _ if auth_sent && head.starts_with(b"-ERR") => Some(false),
        _ => None,
    }
}

/// SQL Server's "Login failed" is UTF-16 inside its TDS error token.
fn utf16_login_failed(head: &[u8]) -> bool {
    const WIDE: &[u8] = b"L\0o\0g\0i\0n\0 \0f\0a\0i\0l\0e\0d\0";
    head.windows(WIDE.len()).any(|w| w == WIDE)
}

fn bump_outcome(o: &mut (u64, u64, u64), s: &crate::tcp::stream::StreamSummary) {
    let server_side = s.sides.get(1 - s.client_side());
    if s.synack_frame.is_some() {
        o.0 += 1;
    } else if server_side.is_some_and(|d| d.rst_frame.is_some()) {
        o.1 += 1;
    } else {
        o.2 += 1;
    }
}

/// Attempts per second over their span (a span under 10 ms counts as 10 ms).
fn rate(n: u64, first: Timestamp, last: Timestamp) -> f64 {
    n as f64 / (last.since(first) as f64 / 1e9).max(0.01)
}

impl Detector for OutboundScan {
    fn finish(&mut self, _: &Analysis, _: &Config) -> Vec<Finding> {
        let mut out = Vec::new();
        // Login attempts judged per (source, port), across the hosts attempted.
        let mut by_port: BTreeMap<(IpAddr, u16), Vec<(SocketAddr, &Target)>> = BTreeMap::new();
        for (&(src, dst), t) in self.targets.iter() {
            if t.attempts > 0 {
                by_port.entry((src, dst.port())).or_default().push((dst, t));
            }
        }
        let mut brute: BTreeMap<(IpAddr, u16), Finding> = BTreeMap::new();
        for (&(src, port), targets) in &mut by_port {
            targets.sort_by_key(|(dst, t)| (t.first.map(|x| x.0), *dst));
            if let Some(f) = brute_force(src, port, targets) {
                brute.insert((src, port), f);
            }
        }
        // Ordered output: by source, then port.
        let sweeps: BTreeMap<_, _> = self.sweeps.iter().collect();
        for (&(src, port), s) in sweeps {
            let need = if RISKY_PORTS.contains(&port) { MIN_DESTS_RISKY } else { MIN_DESTS_OTHER };
            if s.dests.len() < need {
                continue;
            }
            let (answered, refused, silent) = s.outcome;
            let per_s = rate(s.attempts, s.first, s.last);
            // Beyond MAX_DESTS the count is an estimate (about 6.5 % off).
            let dests = if s.dests.is_exact() { s.dests.len().to_string() } else { format!("~{}", s.dests.len()) };
            // A scan that then logs in is one problem: the brute force, with the scan's counts.
            if let Some(b) = brute.get_mut(&(src, port)).filter(|b| b.severity > Severity::Info) {
                absorb_sweep(b, s, &dests, answered, refused, silent);
                continue;
            }
            let mut f = Finding::new("outbound-scan", Severity::Error, s.samples.first().map(|x| x.2));
            f.flow = s.first_flow;
            for &(frame, ts, stream) in &s.samples {
                f = f.evidence(frame, ts, msg!("role-syn-stream", stream = stream));
            }
            f.summary = msg!(
                "scan-sweep-summary",
                src = src,
                dests = dests.clone(),
                port = port,
                attempts = s.attempts,
                rate = format!("{per_s:.1}")
            );
            f.explanation = msg!(
                "scan-sweep-explanation",
                src = src,
                port = port,
                answered = answered,
                refused = refused,
                silent = silent
            );
            f.recommendations = recommendations(port);
            f.display_filter =
                format!("ip.src == {src} && tcp.dstport == {port} && tcp.flags.syn == 1 && tcp.flags.ack == 0");
            f.covers.clone_from(&s.streams);
            let f = f
                .fact("kind", "sweep")
                .fact("source", src.to_string())
                .fact("port", port)
                .fact("destinations", s.dests.len())
                .fact("destinations_estimated", !s.dests.is_exact())
                .fact("attempts", s.attempts)
                .fact("per_second", (per_s * 10.0).round() / 10.0)
                .fact("answered", answered)
                .fact("refused", refused)
                .fact("unanswered", silent);
            out.push(f.seal());
        }
        out.extend(brute.into_values().map(Finding::seal));
        out
    }

    fn caps(&self) -> Vec<DetectorCap> {
        [self.sweeps.cap_report("outbound-scan", "sweeps"), self.targets.cap_report("brute-force", "targets")]
            .into_iter()
            .flatten()
            .collect()
    }
}

/// Attempts per second to one target, over the span of its attempts.
fn target_rate(t: &Target) -> f64 {
    t.first.map_or(0.0, |(_, first, _)| rate(t.attempts, first, t.last.unwrap_or(first)))
}

/// The brute-force finding of `src` against `port`, when its login attempts make one: an
/// error with refusals or at a tool's pace, `info` for the look-alikes (every login
/// accepted, or a schedule's pace), nothing below [`MIN_LOGINS`].
fn brute_force(src: IpAddr, port: u16, targets: &[(SocketAddr, &Target)]) -> Option<Finding> {
    // A service that accepted the logins and never refused one is being used, not guessed.
    let benign = |t: &Target| t.rejected == 0 && (t.accepted > 0 || t.worked > t.attempts);
    let (attack, used): (Vec<_>, Vec<_>) = targets.iter().partition(|(_, t)| !benign(t));
    let sum = |v: &[&(SocketAddr, &Target)], f: fn(&Target) -> u64| v.iter().map(|(_, t)| f(t)).sum::<u64>();
    let attempts = sum(&attack, |t| t.attempts);
    let rejected = sum(&attack, |t| t.rejected);
    let accepted = sum(&attack, |t| t.accepted);
    let used_attempts = sum(&used, |t| t.attempts);
    if attempts + used_attempts < MIN_LOGINS {
        return None;
    }
    let fast = attack.iter().any(|(_, t)| t.attempts >= MIN_FAST_ATTEMPTS && target_rate(t) >= 1.0 / MIN_RATE_GAP_S);
    let guilty = attempts >= MIN_LOGINS && (rejected >= MIN_REJECTED || (fast && accepted == 0));
    let shown: Vec<&(SocketAddr, &Target)> = if guilty { attack.clone() } else { targets.iter().collect() };
    let (&&(first_dst, first_t), hosts) = (shown.first()?, shown.len());
    let (frame, first, stream) = first_t.first?;
    let last = shown.iter().filter_map(|(_, t)| t.last).max().unwrap_or(first);
    let total: u64 = shown.iter().map(|(_, t)| t.attempts).sum();
    let per_s = rate(total, first, last);
    let names = crate::i18n::Arg::list(
        shown.iter().take(3).map(|(d, _)| d.ip().to_string()).chain((hosts > 3).then(|| format!("+{}", hosts - 3))),
    );
    let severity = if guilty { Severity::Error } else { Severity::Info };
    let mut f = Finding::new("brute-force", severity, Some(stream));
    f.flow = first_t.first_flow;
    f = f.evidence(frame, first, msg!("brute-role-login", stream = stream, dst = ep(first_dst)));
    for (d, t) in shown.iter().skip(1).take(3) {
        if let Some((fr, ts, st)) = t.first {
            f = f.evidence(fr, ts, msg!("brute-role-login", stream = st, dst = ep(*d)));
        }
    }
    if let Some((fr, ts, st)) = shown.iter().find_map(|(_, t)| t.first_rejected) {
        f = f.evidence(fr, ts, msg!("brute-role-rejected", stream = st));
    }
    if let Some((fr, ts, st)) = attack.iter().find_map(|(_, t)| t.first_accepted).filter(|_| guilty) {
        f = f.evidence(fr, ts, msg!("brute-role-accepted", stream = st));
    }
    let rate_text = format!("{per_s:.1}");
    if guilty {
        f.summary = msg!(
            "brute-summary",
            src = src,
            attempts = attempts,
            port = port,
            nhosts = hosts,
            hosts = names,
            rate = rate_text
        );
        let mut why = vec![msg!("brute-explanation", src = src, port = port)];
        if rejected > 0 {
            why.push(msg!("brute-explanation-rejected", rejected = rejected));
        } else {
            // Encrypted (SSH, RDP): the refusals are not visible, only the pace.
            f.confidence = super::Confidence::Medium;
        }
        if accepted > 0 {
            why.push(msg!("brute-explanation-accepted", accepted = accepted));
        }
        f.explanation = Message::sentences(why);
        f.recommendations = recommendations(port);
    } else {
        f.summary =
            msg!("brute-summary-benign", src = src, attempts = total, port = port, nhosts = hosts, hosts = names);
        f.explanation = if used_attempts >= attempts {
            msg!("brute-explanation-benign-accepted", accepted = shown.iter().map(|(_, t)| t.accepted).sum::<u64>())
        } else {
            let gap = last.since(first) as f64 / 1e9 / (total.max(2) - 1) as f64;
            msg!("brute-explanation-benign-slow", gap = format!("{gap:.0}"))
        };
    }
    f.display_filter =
        format!("(ip.src == {src} && tcp.dstport == {port}) || (ip.dst == {src} && tcp.srcport == {port})");
    let mut streams: Vec<u32> = shown.iter().flat_map(|(_, t)| t.streams.iter().copied()).collect();
    streams.sort_unstable();
    f.covers = streams;
    Some(
        f.fact("kind", "brute-force")
            .fact("source", src.to_string())
            .fact("port", port)
            .fact("hosts", hosts)
            .fact("targets", shown.iter().map(|(d, _)| ep(*d)).collect::<Vec<_>>())
            .fact("attempts", total)
            .fact("rejected", shown.iter().map(|(_, t)| t.rejected).sum::<u64>())
            .fact("accepted", shown.iter().map(|(_, t)| t.accepted).sum::<u64>())
            .fact("per_second", (per_s * 10.0).round() / 10.0),
    )
}

/// Folds a sweep from the same source on the same port into its brute-force finding.
fn absorb_sweep(b: &mut Finding, s: &Sweep, dests: &str, answered: u64, refused: u64, silent: u64) {
    if let Some(&(frame, ts, stream)) = s.samples.first() {
        b.evidence.push(super::Evidence {
            frame,
            time: ts.as_secs_f64(),
            role: msg!("brute-role-scan", stream = stream),
            file: None,
        });
    }
    // The scan proves the intent the pace of encrypted logins only suggests.
    b.confidence = super::Confidence::High;
    let summary = std::mem::replace(&mut b.summary, Message::new("finding-unset"));
    b.summary = Message::new("brute-summary-scan").arg("login", summary).arg("dests", dests.to_string());
    let mut covers: std::collections::BTreeSet<u32> = b.covers.iter().copied().collect();
    covers.extend(s.streams.iter().copied());
    b.covers = covers.into_iter().collect();
    for (k, v) in [
        ("scanned_destinations", serde_json::Value::from(s.dests.len())),
        ("scan_attempts", s.attempts.into()),
        ("scan_answered", answered.into()),
        ("scan_refused", refused.into()),
        ("scan_unanswered", silent.into()),
    ] {
        b.facts.insert(k.into(), v);
    }
}

fn recommendations(port: u16) -> Vec<Message> {
    ["scan-rec-isolate", "scan-rec-snapshot", "scan-rec-inspect", "scan-rec-keys", "scan-rec-egress"]
        .into_iter()
        .map(|k| Message::new(k).arg("port", port))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_answers_are_read_as_refused_or_accepted_and_other_replies_as_nothing() {
        let refused = |port, p: &[u8], auth| verdict(port, p, auth) == Some(false);
        let accepted = |port, p: &[u8], auth| verdict(port, p, auth) == Some(true);
        assert!(refused(6379, b"-WRONGPASS invalid username-password pair or user is disabled.\r\n", true));
        assert!(refused(6379, b"-ERR invalid password\r\n", true));
        assert!(accepted(6379, b"+OK\r\n", true));
        assert_eq!(verdict(6379, b"+OK\r\n", false), None, "+OK to another command says nothing of a login");
        assert!(refused(3306, b"\x48\0\0\x02\xff\x15\x04#28000Access denied for user 'root'@'h'", false));
        assert!(accepted(3306, b"\x07\0\0\x02\0\0\0\x02\0\0\0", false));
        assert_eq!(verdict(3306, b"J\0\0\0\x0a8.0.36\0", false), None, "the greeting is no answer");
        assert!(refused(5432, b"E\0\0\0\x64SFATAL\0C28P01\0Mpassword authentication failed for user", false));
        assert!(accepted(5432, b"R\0\0\0\x08\0\0\0\0", false));
        assert!(refused(21, b"530 Login incorrect.\r\n", false));
        assert!(accepted(21, b"230 Login successful.\r\n", false));
        assert!(refused(110, b"-ERR [AUTH] Authentication failed.\r\n", true));
        assert!(refused(143, b"a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n", true));
        assert!(refused(23, b"\r\nLogin incorrect\r\nlogin: ", false));
        let mut tds = b"\x04\x01\0\x60\0\0\x01\0\xaa".to_vec();
        tds.extend("Login failed for user 'sa'.".encode_utf16().flat_map(u16::to_le_bytes));
        assert!(refused(1433, &tds, false));
        let mut smb = b"\0\0\0\x48\xfeSMB".to_vec();
        smb.extend([0x6d, 0, 0, 0xc0]);
        assert!(refused(445, &smb, false));
        assert_eq!(verdict(22, b"SSH-2.0-OpenSSH_9.2p1\r\n", false), None);
    }

    #[test]
    fn password_commands_are_told_from_other_client_data() {
        assert!(sends_password(b"*2\r\n$4\r\nAUTH\r\n$6\r\nqwerty\r\n"));
        assert!(sends_password(b"AUTH qwerty\r\n"));
        assert!(sends_password(b"PASS hunter2\r\n"));
        assert!(sends_password(b"a1 LOGIN root hunter2\r\n"));
        assert!(!sends_password(b"*2\r\n$3\r\nGET\r\n$4\r\nauth\r\n"), "a key named auth is no AUTH command");
        assert!(!sends_password(b"SSH-2.0-libssh_0.9.6\r\n"));
    }
}
