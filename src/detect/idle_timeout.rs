//! `idle-timeout`: a connection sat idle longer than a middlebox allows, and the next send
//! met a RST, silence, or a close.
//!
//! Mechanism: per stream, a gap of at least [`MIN_IDLE_S`] between two packets of an
//! established connection opens a candidate (idle since the handshake counts: a pool that
//! opens a connection and first uses it 900 s later); the packets that follow (up to
//! [`WATCH_PACKETS`] or [`WATCH_S`]) decide it:
//! - the first packet after the gap is data from X and the other side's next answer is a
//!   RST, with no data from it before: reset (a victim: that request failed);
//! - X sends after the gap and only X's retransmissions follow: silence (a victim too);
//! - the first packet after the gap is X's FIN: X closed the idle connection (info); if the
//!   other side's next send is then reset, an error;
//! - a TLS Encrypted Alert with the FIN is left to `tls-alert-fin`.
//!
//! Not idle timeouts (docs/ACCURACY.md): a first packet after the gap that is a
//! retransmission (the gap was the sender's RTO back-off: data was in flight all along); a
//! TCP keep-alive probe the peer acknowledged; a RST after both sides had sent their FIN
//! (the ordinary abortive end of a closed connection); a peer that answered with data.
//! Capture copies (`TcpInfo::duplicate`) are skipped: they are neither activity nor RSTs.
//!
//! Who sent the RST: a RST whose IPv4 identification follows the peer's previous packet was
//! sent by the peer's own stack; one whose TTL differs from the peer's usual TTL (copies
//! excluded) came from a device in between (the seed's SLB, our lab's NAT).
//!
//! A reset or silence *exceeds* a timeout: the device forgot the connection at its timeout
//! and the client wrote some time after. A close *fits* a timeout: the device closes at
//! that moment. Streams that fail the same way against the same server are one finding.
//!
//! Each candidate's stream state is copied when the stream ends (`on_stream_end`), so the
//! finding survives the flow table letting the stream go on a busy capture.
//! Seed case: 002, "2.1", a POST sent 14.66 s after the last packet, through an SLB with a
//! 15 s keep-alive timeout, got a RST.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use std::collections::hash_map::Entry as Slot;

use crate::HashMap;

use super::timeouts::Entry;
use super::{Confidence, Config, Detector, Finding, Severity, ep, secs, stream_filter};
use crate::app::AppEvent;
use crate::app::tls::TlsEvent;
use crate::capture::Timestamp;
use crate::decode::{Frame, Tcp, TcpFlags};
use crate::engine::{Analysis, AppCtx, Hooks, Observer, TcpInfo};
use crate::flow::{Conversation, FlowRef};
use crate::i18n::Message;
use crate::msg;
use crate::tcp::analysis::AnalysisFlags;

/// The messages of this detector's findings: `locales/<lang>/idle-timeout.ftl`.
pub const MESSAGES: &[&str] = &[
    "idle-summary-reset",
    "idle-summary-silence",
    "idle-summary-closed",
    "idle-summary-closed-then-reset",
    "idle-summary-reset-by-peer",
    "idle-summary-keepalive-reset",
    "idle-match",
    "idle-exceeds",
    "idle-more",
    "idle-who-peer",
    "idle-confirm",
    "idle-nomatch",
    "idle-explanation",
    "idle-who-middlebox",
    "idle-who-unknown",
    "idle-match-none",
    "idle-explanation-peer",
    "idle-rec-peer",
    "idle-rec-raise",
    "idle-rec-pool",
    "idle-rec-keepalive",
    "idle-rec-measure",
    "idle-role-before",
    "idle-role-after",
    "idle-role-unanswered",
    "idle-role-fin",
    "idle-role-closed-send",
];
pub const ABOUT: &str = "a keep-alive connection idle past a middlebox's timeout, then reset, unanswered or closed";

/// Shorter gaps are ordinary think time. 5 s is below every catalogue entry, so that a RST
/// after a gap that fits no entry is still reported (at a lower severity).
const MIN_IDLE_S: f64 = 5.0;
const WATCH_PACKETS: usize = 24;
const WATCH_S: f64 = 30.0;
const MAX_CANDIDATES_PER_STREAM: usize = 4;
/// Candidates held at most (a hostile capture of idle gaps must not grow memory).
const MAX_CANDIDATES: usize = 100_000;
/// Data answered by its sender's FIN within this time is that side closing in turn.
const CLOSE_ECHO_NS: i64 = 200_000_000;
/// Streams listed per finding.
const MAX_LISTED: usize = 16;

#[derive(Debug, Clone, Copy)]
struct Pkt {
    frame: u64,
    ts: Timestamp,
    dir: usize,
    flags: TcpFlags,
    seglen: u32,
    ttl: u8,
    ip_id: Option<u16>,
    retx: bool,
    keep_alive: bool,
}

/// What the stream looked like when it ended: all `finish` needs of it.
#[derive(Debug, Clone, Copy)]
struct StreamEnd {
    endpoints: [SocketAddr; 2],
    /// The usual TTL of each side (copies and RSTs excluded).
    usual_ttl: [Option<u8>; 2],
    flow: FlowRef,
}

#[derive(Debug, Clone)]
struct Candidate {
    stream: u32,
    before: Pkt,
    gap_ns: i64,
    after: Vec<Pkt>,
    tls_alert: bool,
    /// The IP ID of each side's last packet before the candidate's RST, for the
    /// who-sent-it test; filled as packets arrive.
    last_id_before: [Option<u16>; 2],
    /// Which sides had sent a FIN before the gap: a write after the peer closed is the
    /// close's consequence (reported by the close's own finding), not a new idle reset.
    fin_before: [bool; 2],
    end: Option<StreamEnd>,
}

#[derive(Debug, Default)]
struct StreamState {
    last: Option<Pkt>,
    established: bool,
    /// TTL counts per direction: (ttl, count) for the first four seen (count 0 = free slot);
    /// inline, so no allocation per stream.
    ttl: [[(u8, u16); 4]; 2],
    last_id: [Option<u16>; 2],
    fin: [bool; 2],
    open: Option<u32>,
    /// Indices of this stream's candidates (at most [`MAX_CANDIDATES_PER_STREAM`]).
    candidates: Vec<u32>,
}

#[derive(Default)]
pub struct IdleTimeout {
    streams: HashMap<u32, StreamState>,
    candidates: Vec<Candidate>,
}

pub fn make(_: &Config) -> Box<dyn Detector> {
    Box::new(IdleTimeout::default())
}

fn usual_ttl(ttls: &[(u8, u16)]) -> Option<u8> {
    ttls.iter().filter(|(_, n)| *n > 0).max_by_key(|(_, n)| *n).map(|(t, _)| *t)
}

impl Observer for IdleTimeout {
    fn hooks(&self) -> Hooks {
        Hooks::TCP | Hooks::APP | Hooks::STREAM_END
    }

    fn on_stream_end(&mut self, c: &Conversation, _evicted: bool) {
        let Some(st) = self.streams.remove(&c.summary.stream) else { return };
        let s = &c.summary;
        let end = StreamEnd {
            endpoints: [s.endpoint(0), s.endpoint(1)],
            usual_ttl: [st.ttl.first().and_then(|t| usual_ttl(t)), st.ttl.get(1).and_then(|t| usual_ttl(t))],
            flow: c.flow_ref(),
        };
        for &i in &st.candidates {
            if let Some(cand) = self.candidates.get_mut(i as usize) {
                cand.end = Some(end);
            }
        }
    }

    fn on_tcp(&mut self, f: &Frame<'_>, t: &Tcp<'_>, i: &TcpInfo, c: &Conversation) {
        if i.duplicate {
            return;
        }
        let stream = i.placement.stream;
        // No state for a stream until it is established: a scan's or a flood's SYNs can
        // never go idle, and a table entry per probe is most of the cost on such captures.
        let established = t.seglen.unwrap_or(0) > 0 || c.summary.handshake_completed();
        let p = Pkt {
            frame: f.frame,
            ts: f.ts,
            dir: i.placement.dir.min(1),
            flags: t.flags,
            seglen: t.seglen.unwrap_or(0),
            ttl: f.ip.map_or(0, |ip| ip.ttl),
            ip_id: f.ip.and_then(|ip| ip.ip_id),
            retx: i.analysis.is_some_and(|a| a.is_any_retransmission()),
            keep_alive: i.analysis.is_some_and(|a| a.has(AnalysisFlags::KEEP_ALIVE)),
        };
        let st = match self.streams.entry(stream) {
            Slot::Occupied(o) => o.into_mut(),
            Slot::Vacant(v) if established => v.insert(StreamState::default()),
            Slot::Vacant(_) => return,
        };
        if !p.flags.rst() {
            if let Some(ttls) = st.ttl.get_mut(p.dir) {
                if let Some((_, n)) = ttls.iter_mut().find(|(t, n)| *t == p.ttl && *n > 0) {
                    *n = n.saturating_add(1);
                } else if let Some(free) = ttls.iter_mut().find(|(_, n)| *n == 0) {
                    *free = (p.ttl, 1);
                }
            }
        }
        // Feed an open candidate.
        if let Some(idx) = st.open {
            match self.candidates.get_mut(idx as usize) {
                Some(c)
                    if c.after.len() < WATCH_PACKETS
                        && p.ts.since(c.before.ts) as f64 / 1e9 < c.gap_ns as f64 / 1e9 + WATCH_S =>
                {
                    if p.flags.rst() && c.after.iter().all(|q| !q.flags.rst()) {
                        c.last_id_before = st.last_id;
                    }
                    c.after.push(p)
                }
                _ => st.open = None,
            }
        }
        if let Some(last) = st.last {
            let gap = p.ts.since(last.ts);
            if gap as f64 / 1e9 >= MIN_IDLE_S
                && st.established
                && st.candidates.len() < MAX_CANDIDATES_PER_STREAM
                && self.candidates.len() < MAX_CANDIDATES
            {
                self.candidates.push(Candidate {
                    stream,
                    before: last,
                    gap_ns: gap,
                    after: vec![p],
                    tls_alert: false,
                    last_id_before: st.last_id,
                    fin_before: st.fin,
                    end: None,
                });
                // Bounded by MAX_CANDIDATES: an index fits in 32 bits.
                let idx = u32::try_from(self.candidates.len() - 1).unwrap_or(u32::MAX);
                st.open = Some(idx);
                st.candidates.push(idx);
            }
        }
        // Established: the handshake completed, or data flowed (a capture that starts
        // mid-connection).
        st.established |= established;
        if let Some(id) = st.last_id.get_mut(p.dir) {
            *id = p.ip_id;
        }
        if let Some(fin) = st.fin.get_mut(p.dir) {
            *fin |= p.flags.fin();
        }
        st.last = Some(p);
    }

    fn on_app(&mut self, f: &Frame<'_>, ctx: &AppCtx, e: &AppEvent, _c: Option<&Conversation>) {
        if let (AppEvent::Tls(TlsEvent::EncryptedAlert { .. }), Some(stream)) = (e, ctx.stream) {
            let Some(st) = self.streams.get(&stream) else { return };
            if let Some(c) = st.candidates.last().and_then(|&i| self.candidates.get_mut(i as usize)) {
                if c.after.first().is_some_and(|p| p.frame == f.frame) {
                    c.tls_alert = true;
                }
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Reset,
    Silence,
    Closed,
    ClosedThenReset,
    KeepAliveReset,
}

#[derive(Debug, Clone, Copy)]
struct Outcome {
    kind: Kind,
    /// The packet that ends it: the RST, the last unanswered retransmission, or the FIN.
    end: Pkt,
    /// After a close: the other side's send that was reset.
    write: Option<Pkt>,
}

fn classify(c: &Candidate) -> Option<Outcome> {
    let first = *c.after.first()?;
    let x = first.dir;
    // A retransmission after the gap: data was in flight, the gap was RTO back-off.
    if first.retx {
        return None;
    }
    let both_fin_before = |r: &Pkt| {
        [0usize, 1].iter().all(|d| c.after.iter().any(|p| p.dir == *d && p.flags.fin() && p.frame < r.frame))
            || c.before.flags.fin()
    };
    if first.flags.fin() || first.flags.rst() {
        if c.tls_alert || first.flags.rst() {
            return None;
        }
        // Did the other side send data later and get reset? Data followed at once by that
        // side's own FIN is its half of the close (a TLS close_notify), not a request.
        let own_close_follows = |w: &Pkt| {
            c.after
                .iter()
                .any(|p| p.dir == w.dir && p.flags.fin() && p.frame >= w.frame && p.ts.since(w.ts) <= CLOSE_ECHO_NS)
        };
        let later_send = c.after.iter().skip(1).find(|p| p.dir != x && p.seglen > 0 && !own_close_follows(p));
        if let Some(w) = later_send {
            if let Some(r) = c.after.iter().find(|p| p.frame > w.frame && p.flags.rst() && p.dir == x) {
                return Some(Outcome { kind: Kind::ClosedThenReset, end: *r, write: Some(*w) });
            }
        }
        return Some(Outcome { kind: Kind::Closed, end: first, write: None });
    }
    if c.fin_before.get(1 - x).copied().unwrap_or(false) {
        return None;
    }
    // The other side's first answer decides: data is a working connection, a RST a failed one.
    let answer = c.after.iter().skip(1).find(|p| p.dir != x && (p.seglen > 0 || p.flags.rst() || p.flags.fin()));
    if let Some(r) = answer.filter(|p| p.flags.rst() && p.seglen == 0) {
        if both_fin_before(r) {
            return None;
        }
        let kind = if first.keep_alive { Kind::KeepAliveReset } else { Kind::Reset };
        return Some(Outcome { kind, end: *r, write: None });
    }
    if answer.is_some() || first.keep_alive {
        return None;
    }
    // Silence: X keeps (re)sending, the other side never answers.
    let answered = c.after.iter().skip(1).any(|p| p.dir != x);
    let retx: Vec<&Pkt> = c.after.iter().skip(1).filter(|p| p.dir == x && p.retx).collect();
    if !answered && first.seglen > 0 && retx.len() >= 2 {
        return retx.last().map(|p| Outcome { kind: Kind::Silence, end: **p, write: None });
    }
    None
}

/// Who sent a RST, from its IP ID and TTL against the sender side's own packets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum RstFrom {
    /// Its IP ID follows that side's previous packet: that host's own stack.
    Peer,
    /// Its TTL differs from that side's usual TTL: a device in between.
    Middlebox(u8, u8),
    Unknown,
}

fn rst_from(c: &Candidate, end: &StreamEnd, r: &Pkt) -> RstFrom {
    let prev = c.last_id_before.get(r.dir).copied().flatten();
    if let (Some(prev), Some(id)) = (prev, r.ip_id) {
        if prev != 0 && id.wrapping_sub(prev) >= 1 && id.wrapping_sub(prev) <= 4 {
            return RstFrom::Peer;
        }
    }
    match end.usual_ttl.get(r.dir).copied().flatten() {
        Some(usual) if usual != r.ttl => RstFrom::Middlebox(r.ttl, usual),
        _ => RstFrom::Unknown,
    }
}

/// One failure: a candidate, what ended it, and the stream as it ended.
struct Case<'c> {
    c: &'c Candidate,
    o: Outcome,
    end: StreamEnd,
    from: RstFrom,
}

impl Detector for IdleTimeout {
    fn finish(&mut self, _: &Analysis, cfg: &Config) -> Vec<Finding> {
        // Group the cases: the same outcome against the same endpoint, fitting the same
        // catalogue entry, is one problem.
        let mut groups: BTreeMap<(Kind, SocketAddr, Option<String>, RstFrom), Vec<Case<'_>>> = BTreeMap::new();
        for c in &self.candidates {
            let (Some(o), Some(end)) = (classify(c), c.end) else { continue };
            let Some(first) = c.after.first() else { continue };
            let from = match o.kind {
                Kind::Reset | Kind::ClosedThenReset | Kind::KeepAliveReset => rst_from(c, &end, &o.end),
                _ => RstFrom::Unknown,
            };
            let (entry, _) = explain(cfg, o.kind, c.gap_ns as f64 / 1e9);
            let Some(peer) = end.endpoints.get(1 - first.dir).copied() else { continue };
            if o.kind == Kind::Closed && entry.is_none() {
                continue; // a close at no known timeout: an application's own choice
            }
            groups.entry((o.kind, peer, entry.map(|e| e.key.clone()), from)).or_default().push(Case {
                c,
                o,
                end,
                from,
            });
        }
        let mut out = Vec::new();
        for ((kind, _, _, _), cases) in groups {
            if let Some(f) = finding(cfg, kind, &cases) {
                out.push(f);
            }
        }
        out
    }
}

/// The catalogue entry that explains a gap, and whether it fits (a close at the timeout)
/// rather than being exceeded (a send some time after the device forgot).
fn explain(cfg: &Config, kind: Kind, idle_s: f64) -> (Option<&Entry>, bool) {
    let fits = cfg.timeouts.fitting(idle_s);
    if let Some(e) = fits.first() {
        return (Some(e), true);
    }
    if matches!(kind, Kind::Closed) {
        return (None, false);
    }
    (cfg.timeouts.exceeded_by(idle_s).first().copied(), false)
}

fn finding(cfg: &Config, kind: Kind, cases: &[Case<'_>]) -> Option<Finding> {
    let case = cases.first()?;
    let c = case.c;
    let first = c.after.first()?;
    let name = |dir: usize| case.end.endpoints.get(dir).map_or_else(String::new, |a| ep(*a));
    let idle_s = c.gap_ns as f64 / 1e9;
    let idle = secs(c.gap_ns);
    let (best, fits) = explain(cfg, kind, idle_s);
    let peer_reset = case.from == RstFrom::Peer;
    // A RST from the peer's own stack is the peer's idle limit: the catalogue of
    // middleboxes does not explain it.
    let best = if peer_reset { None } else { best };
    let m = if peer_reset { msg!("idle-match-none") } else { match_message(cfg, best, fits, idle_s) };
    let x = first.dir;
    let victim = !matches!(kind, Kind::Closed | Kind::KeepAliveReset);
    let severity = match (victim, best.is_some()) {
        (false, _) => Severity::Info,
        (true, true) => Severity::Error,
        (true, false) => Severity::Warning,
    };
    // The peer's own stack reset it: its own idle limit, not a middlebox's, so a warning.
    let severity = if peer_reset && severity == Severity::Error { Severity::Warning } else { severity };
    let key = match kind {
        Kind::Reset if peer_reset => "idle-summary-reset-by-peer",
        Kind::Reset => "idle-summary-reset",
        Kind::KeepAliveReset => "idle-summary-keepalive-reset",
        Kind::Silence => "idle-summary-silence",
        Kind::Closed => "idle-summary-closed",
        Kind::ClosedThenReset => "idle-summary-closed-then-reset",
    };
    let mut f = Finding::new("idle-timeout", severity, Some(c.stream));
    f.summary = msg!(
        key,
        sender = name(x),
        closer = name(x),
        peer = name(1 - x),
        resetter = name(case.o.end.dir),
        idle = idle.clone(),
        fit = m,
        more = cases.len() - 1,
    );
    f.flow = Some(case.end.flow);
    f = f.evidence(c.before.frame, c.before.ts, msg!("idle-role-before"));
    match kind {
        Kind::Reset | Kind::KeepAliveReset => {
            f = f.evidence(first.frame, first.ts, msg!("idle-role-after")).evidence(
                case.o.end.frame,
                case.o.end.ts,
                msg!("role-rst"),
            )
        }
        Kind::Silence => {
            f = f.evidence(first.frame, first.ts, msg!("idle-role-after")).evidence(
                case.o.end.frame,
                case.o.end.ts,
                msg!("idle-role-unanswered"),
            )
        }
        Kind::Closed | Kind::ClosedThenReset => {
            f = f.evidence(first.frame, first.ts, msg!("idle-role-fin"));
            if let Some(w) = case.o.write {
                f = f.evidence(w.frame, w.ts, msg!("idle-role-closed-send")).evidence(
                    case.o.end.frame,
                    case.o.end.ts,
                    msg!("role-rst"),
                );
            }
        }
    }
    let who = match case.from {
        RstFrom::Middlebox(rst_ttl, usual) => {
            msg!(
                "idle-who-middlebox",
                rst_ttl = rst_ttl.to_string(),
                peer = name(case.o.end.dir),
                peer_ttl = usual.to_string()
            )
        }
        RstFrom::Peer => msg!("idle-who-peer", peer = name(case.o.end.dir)),
        RstFrom::Unknown => msg!("idle-who-unknown"),
    };
    let mut recs = Vec::new();
    match best {
        _ if peer_reset => recs.push(msg!("idle-rec-peer", peer = name(case.o.end.dir), idle = idle.clone())),
        Some(e) => {
            if !e.fix.is_empty() {
                recs.push(msg!("idle-rec-raise", fix = e.fix_local()));
            }
            let pool = (e.seconds * 0.66).floor().max(1.0);
            recs.push(msg!("idle-rec-pool", seconds = fmt_s(e.seconds), pool = fmt_s(pool)));
            recs.push(msg!("idle-rec-keepalive", ka = fmt_s((e.seconds / 2.0).floor().max(1.0))));
        }
        None => recs.push(msg!("idle-rec-measure", idle = idle.clone())),
    }
    f.explanation = msg!(
        if peer_reset { "idle-explanation-peer" } else { "idle-explanation" },
        idle = idle,
        before = c.before.frame,
        after = first.frame,
        who = who,
    );
    f.display_filter = stream_filter(c.stream, Some(c.before.frame));
    f.recommendations = recs;
    if matches!(case.from, RstFrom::Middlebox(..)) || best.is_some_and(|_| !fits) {
        f.confidence = Confidence::Medium;
    }
    if victim {
        f.confirm = Some(msg!("idle-confirm"));
    }
    let streams: Vec<u32> = cases.iter().take(MAX_LISTED).map(|k| k.c.stream).collect();
    f.covers = cases.iter().map(|k| k.c.stream).collect();
    let mut f = f.fact("idle_s", (idle_s * 1000.0).round() / 1000.0).fact("connections", cases.len());
    if cases.len() > 1 {
        f = f.fact("streams", streams);
    }
    if let Some(e) = best {
        f = f.fact(if fits { "matches" } else { "exceeds" }, e.key.clone());
    }
    match case.from {
        RstFrom::Middlebox(..) => f = f.fact("rst_from_middlebox", true),
        RstFrom::Peer => f = f.fact("rst_from_middlebox", false),
        RstFrom::Unknown => {}
    }
    Some(f.seal())
}

/// ", matches WAF (120 s)", ", longer than ...", or the note that nothing fits.
fn match_message(cfg: &Config, best: Option<&Entry>, fits: bool, idle_s: f64) -> Message {
    let Some(e) = best else { return msg!("idle-nomatch") };
    let all = if fits { cfg.timeouts.fitting(idle_s) } else { cfg.timeouts.exceeded_by(idle_s) };
    let name = super::timeouts::best_name(&all).unwrap_or_else(|| e.name_local());
    msg!(if fits { "idle-match" } else { "idle-exceeds" }, name = name, seconds = fmt_s(e.seconds))
}

fn fmt_s(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 { format!("{v:.0}") } else { format!("{v:.2}") }
}
