//! The moment in the user's log, and the part of a capture that matters (issue 18 item 2).
//!
//! `--at "2026-07-29 12:44:11"` (with `--window 30s`) focuses the report on that moment: what
//! the capture holds then (connections and how they ended, DNS queries and their answers),
//! the findings nearest to it, and, said plainly, when it holds no traffic at all then (or
//! none to `--host`): the seed case in `002_*.txt`, where the log said 12:44:11 and the
//! capture had no traffic to the anti-DDoS address after 12:23:13. `--from`/`--to` cut a
//! window; `--host`/`--port` narrow the scope.
//!
//! The whole capture is still read, so frame and stream numbers stay those Wireshark gives
//! the file; the focus keeps the findings and streams inside the scope, and an observer
//! beside the detectors gathers the moment (bounded: [`MAX_LINES`] streams and DNS answers).

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, UNIX_EPOCH};

use serde::Serialize;

use crate::app::AppEvent;
use crate::app::dns::Answer;
use crate::capture::Timestamp;
use crate::decode::Frame;
use crate::detect::Finding;
use crate::engine::{AppCtx, Hooks, Observer};
use crate::flow::Conversation;
use crate::i18n::{Arg, Message};
use crate::msg;

/// Streams and DNS answers listed for the moment, at most.
pub const MAX_LINES: usize = 20;
/// `--window` when `--at` is given without it.
pub const DEFAULT_WINDOW_NS: i64 = 30_000_000_000;

/// Parses a time as a log writes it: `2026-07-29 12:44:11` or `2026-07-29T12:44:11.250`,
/// in UTC unless it ends in `Z`, `UTC` or an offset such as `+08:00` or `-0500`.
pub fn parse_time(s: &str) -> Result<Timestamp, String> {
    let t = s.trim();
    let (body, offset_s) = split_offset(t);
    let parsed = humantime::parse_rfc3339_weak(body.trim()).map_err(|e| {
        format!("{s:?} is not a time like \"2026-07-29 12:44:11\" or \"2026-07-29 12:44:11+08:00\": {e}")
    })?;
    let since = parsed.duration_since(UNIX_EPOCH).map_err(|_| format!("{s:?} is before 1970"))?;
    let ns = i64::try_from(since.as_nanos()).map_err(|_| format!("{s:?} is too far in the future"))?;
    Ok(Timestamp(ns - offset_s * 1_000_000_000))
}

/// (the time without its zone, the zone's offset east of UTC in seconds).
fn split_offset(t: &str) -> (&str, i64) {
    for utc in ["UTC", "Z", "z"] {
        if let Some(b) = t.strip_suffix(utc) {
            return (b, 0);
        }
    }
    // An offset after the time of day: the last '+' or '-' past the date's own dashes.
    let Some(i) = t.rfind(['+', '-']).filter(|&i| i > 10) else { return (t, 0) };
    let (body, zone) = t.split_at(i);
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let digits: String = zone.chars().filter(char::is_ascii_digit).collect();
    let (h, m) = match digits.len() {
        2 => (digits.parse::<i64>().unwrap_or(0), 0),
        4 => (
            digits.get(..2).and_then(|h| h.parse().ok()).unwrap_or(0),
            digits.get(2..).and_then(|m| m.parse().ok()).unwrap_or(0),
        ),
        _ => return (t, 0),
    };
    (body, sign * (h * 3600 + m * 60))
}

/// Parses a duration: `30s`, `2m`, `1h 30m`, `500ms`.
pub fn parse_window(s: &str) -> Result<i64, String> {
    let d = humantime::parse_duration(s).map_err(|e| format!("{s:?} is not a duration like 30s or 2m: {e}"))?;
    i64::try_from(d.as_nanos()).map_err(|_| format!("{s:?} is too long"))
}

/// A time as `2026-07-29 12:44:11.250 UTC`.
pub fn show(t: Timestamp) -> String {
    let d = UNIX_EPOCH + Duration::from_nanos(u64::try_from(t.0).unwrap_or(0));
    let text = humantime::format_rfc3339_millis(d).to_string();
    format!("{} UTC", text.trim_end_matches('Z').replace('T', " "))
}

/// What the user asked to look at.
#[derive(Debug, Clone, Default)]
pub struct Focus {
    pub at: Option<Timestamp>,
    pub window_ns: i64,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub hosts: Vec<IpAddr>,
    pub ports: Vec<u16>,
}

impl Focus {
    pub fn is_set(&self) -> bool {
        self.at.is_some()
            || self.from.is_some()
            || self.to.is_some()
            || !self.hosts.is_empty()
            || !self.ports.is_empty()
    }

    /// The time window: `--from`/`--to`, narrowed to `--at` ± `--window`.
    fn span(&self) -> (Option<Timestamp>, Option<Timestamp>) {
        let mut from = self.from;
        let mut to = self.to;
        if let Some(at) = self.at {
            let (a, b) = (Timestamp(at.0 - self.window_ns), Timestamp(at.0 + self.window_ns));
            from = Some(from.map_or(a, |f| f.max(a)));
            to = Some(to.map_or(b, |t| t.min(b)));
        }
        (from, to)
    }

    fn overlaps(&self, start: Timestamp, end: Timestamp) -> bool {
        let (from, to) = self.span();
        from.is_none_or(|f| end >= f) && to.is_none_or(|t| start <= t)
    }

    fn in_span(&self, t: Timestamp) -> bool {
        self.overlaps(t, t)
    }

    fn endpoints_match(&self, a: SocketAddr, b: SocketAddr) -> bool {
        let host = self.hosts.is_empty() || self.hosts.iter().any(|h| *h == a.ip() || *h == b.ip());
        let port = self.ports.is_empty() || self.ports.iter().any(|p| *p == a.port() || *p == b.port());
        host && port
    }

    /// Keeps the findings inside the scope: one of their evidence frames in the window, and
    /// the host and port among their stream's endpoints (or, for findings about many
    /// streams, named in their display filter).
    pub fn keep(&self, f: &Finding) -> bool {
        let when = f.evidence.is_empty() || f.evidence.iter().any(|e| self.in_span(secs(e.time)));
        let place = match f.flow {
            Some(r) => self.endpoints_match(r.client, r.server),
            None => {
                let filter = &f.display_filter;
                let host = self.hosts.is_empty() || self.hosts.iter().any(|h| filter.contains(&h.to_string()));
                let port = self.ports.is_empty() || self.ports.iter().any(|p| filter.contains(&p.to_string()));
                host && port
            }
        };
        when && place
    }

    /// Keeps a stream row when it overlaps the window and has the host and port.
    pub fn keep_stream(&self, start: f64, end: f64, client: &str, server: &str) -> bool {
        let (Ok(c), Ok(s)) = (client.parse::<SocketAddr>(), server.parse::<SocketAddr>()) else { return true };
        self.overlaps(secs(start), secs(end)) && self.endpoints_match(c, s)
    }

    /// What the report's JSON says of the scope.
    pub fn describe(&self) -> FocusReport {
        let (from, to) = self.span();
        FocusReport {
            at: self.at.map(|t| t.as_secs_f64()),
            from: from.map(|t| t.as_secs_f64()),
            to: to.map(|t| t.as_secs_f64()),
            hosts: self.hosts.iter().map(ToString::to_string).collect(),
            ports: self.ports.clone(),
            moment: None,
        }
    }
}

fn secs(t: f64) -> Timestamp {
    Timestamp((t * 1e9).round() as i64)
}

/// The scope in JSON (`focus`), and the moment when `--at` was given.
#[derive(Debug, Clone, Serialize)]
pub struct FocusReport {
    pub at: Option<f64>,
    pub from: Option<f64>,
    pub to: Option<f64>,
    pub hosts: Vec<String>,
    pub ports: Vec<u16>,
    pub moment: Option<Moment>,
}

/// What the capture holds at the moment of `--at`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Moment {
    /// Packets inside the window (of the host, with `--host`).
    pub packets: u64,
    /// The last such packet before the window and the first after it (seconds).
    pub last_before: Option<f64>,
    pub first_after: Option<f64>,
    /// TCP connections inside the window, and those that ended badly (no answer, refused,
    /// reset), at most [`MAX_LINES`] listed.
    pub connections: u64,
    pub failed: Vec<StreamLine>,
    /// DNS answers inside the window, at most [`MAX_LINES`] listed.
    pub dns: Vec<DnsLine>,
    /// The findings nearest to the moment: (index in the report's findings, seconds after
    /// the moment; negative before).
    pub nearest: Vec<(usize, f64)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StreamLine {
    pub stream: u32,
    pub client: String,
    pub server: String,
    pub conn_state: &'static str,
    pub start: f64,
    pub first_frame: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DnsLine {
    pub frame: u64,
    pub time: f64,
    pub name: String,
    pub rcode: &'static str,
    /// The CNAME chain and addresses, in order.
    pub answers: Vec<String>,
}

/// Gathers the moment in the pass, beside the detectors.
pub struct Watch {
    focus: Focus,
    m: Moment,
    hosted: bool,
}

impl Watch {
    pub fn new(focus: &Focus) -> Self {
        Watch { focus: focus.clone(), m: Moment::default(), hosted: !focus.hosts.is_empty() }
    }

    /// The moment, with the findings nearest to it (of those the report keeps).
    pub fn finish(mut self, findings: &[Finding]) -> Option<Moment> {
        let at = self.focus.at?.as_secs_f64();
        let mut near: Vec<(usize, f64)> = findings.iter().enumerate().map(|(i, f)| (i, f.time - at)).collect();
        near.sort_by(|a, b| a.1.abs().total_cmp(&b.1.abs()));
        near.truncate(3);
        self.m.nearest = near.into_iter().map(|(i, d)| (i, (d * 1000.0).round() / 1000.0)).collect();
        Some(self.m)
    }
}

const BAD_STATES: &[&str] = &["S0", "REJ", "RSTO", "RSTR", "RSTOS0", "RSTRH", "SH", "SHR"];

impl Observer for Watch {
    fn hooks(&self) -> Hooks {
        Hooks::FRAME | Hooks::APP | Hooks::STREAM_END
    }

    fn on_frame(&mut self, f: &Frame<'_>) {
        if self.focus.at.is_none() {
            return;
        }
        if self.hosted && !f.ip.is_some_and(|ip| self.focus.hosts.iter().any(|h| *h == ip.src || *h == ip.dst)) {
            return;
        }
        let (from, to) = self.focus.span();
        let t = f.ts.as_secs_f64();
        match (from, to) {
            (Some(a), _) if f.ts < a => self.m.last_before = Some(t),
            (_, Some(b)) if f.ts > b => {
                self.m.first_after.get_or_insert(t);
            }
            _ => self.m.packets += 1,
        }
    }

    fn on_stream_end(&mut self, c: &Conversation, _evicted: bool) {
        let s = &c.summary;
        if self.focus.at.is_none()
            || !s.attempted()
            || !self.focus.overlaps(s.start, s.start)
            || !self.focus.endpoints_match(s.client(), s.server())
        {
            return;
        }
        self.m.connections += 1;
        let state = s.conn_state();
        if BAD_STATES.contains(&state) && self.m.failed.len() < MAX_LINES {
            self.m.failed.push(StreamLine {
                stream: s.stream,
                client: s.client().to_string(),
                server: s.server().to_string(),
                conn_state: state,
                start: s.start.as_secs_f64(),
                first_frame: s.first_frame,
            });
        }
    }

    fn on_app(&mut self, f: &Frame<'_>, ctx: &AppCtx, e: &AppEvent, _c: Option<&Conversation>) {
        let AppEvent::Dns(m) = e else { return };
        if self.focus.at.is_none() || !m.response || !self.focus.in_span(f.ts) || self.m.dns.len() >= MAX_LINES {
            return;
        }
        if self.hosted && !self.focus.hosts.iter().any(|h| *h == ctx.src.ip() || *h == ctx.dst.ip()) {
            // The host's own lookups, or answers that name it.
            let named = m.answers.iter().any(|r| matches!(r.data, Answer::A(a) if self.focus.hosts.contains(&a)));
            if !named {
                return;
            }
        }
        let Some((name, _)) = &m.question else { return };
        let answers = m
            .answers
            .iter()
            .filter_map(|r| match &r.data {
                Answer::Cname(c) => Some(format!("CNAME {c}")),
                Answer::A(a) => Some(a.to_string()),
                Answer::Other(_) => None,
            })
            .collect();
        self.m.dns.push(DnsLine {
            frame: f.frame,
            time: f.ts.as_secs_f64(),
            name: name.clone(),
            rcode: crate::app::dns::rcode_name(m.rcode),
            answers,
        });
    }
}

/// The focus as sentences for the text formats: the scope, then the moment.
pub fn lines(r: &FocusReport, findings: &[Finding]) -> Vec<(&'static str, Message)> {
    let t = |s: f64| show(secs(s));
    let mut v = Vec::new();
    let scope = match (r.from, r.to) {
        (Some(a), Some(b)) => Some(msg!("focus-span", from = t(a), to = t(b))),
        (Some(a), None) => Some(msg!("focus-from", from = t(a))),
        (None, Some(b)) => Some(msg!("focus-to", to = t(b))),
        (None, None) => None,
    };
    v.extend(scope.map(|m| ("ui-focus", m)));
    if !r.hosts.is_empty() || !r.ports.is_empty() {
        let all: Vec<String> = r.hosts.iter().cloned().chain(r.ports.iter().map(|p| format!("port {p}"))).collect();
        v.push(("ui-focus", msg!("focus-scope", what = Arg::list(all))));
    }
    let (Some(m), Some(at)) = (&r.moment, r.at) else { return v };
    if m.packets == 0 {
        let none = || Arg::from(Message::new("focus-none"));
        let before = m.last_before.map_or_else(none, |x| Arg::from(t(x)));
        let after = m.first_after.map_or_else(none, |x| Arg::from(t(x)));
        let whose = if r.hosts.is_empty() {
            msg!("focus-any")
        } else {
            msg!("focus-host", hosts = Arg::list(r.hosts.iter().cloned()))
        };
        v.push(("ui-at", msg!("focus-silent", at = t(at), whose = whose, before = before, after = after)));
    } else {
        v.push((
            "ui-at",
            msg!(
                "focus-moment",
                at = t(at),
                packets = m.packets,
                connections = m.connections,
                failed = m.failed.len(),
                dns = m.dns.len()
            ),
        ));
    }
    for s in &m.failed {
        v.push((
            "ui-at-failed",
            msg!(
                "focus-failed",
                stream = s.stream,
                client = s.client.clone(),
                server = s.server.clone(),
                state = s.conn_state,
                time = t(s.start),
                frame = s.first_frame
            ),
        ));
    }
    for d in &m.dns {
        let answers = if d.answers.is_empty() { "-".to_string() } else { d.answers.join(" → ") };
        v.push((
            "ui-at-dns",
            msg!(
                "focus-dns",
                time = t(d.time),
                name = d.name.clone(),
                answers = answers,
                rcode = d.rcode,
                frame = d.frame
            ),
        ));
    }
    for &(i, after) in &m.nearest {
        if let Some(f) = findings.get(i) {
            let key = if after < 0.0 { "focus-nearest-before" } else { "focus-nearest-after" };
            v.push((
                "ui-at-nearest",
                msg!(key, n = i + 1, secs = Arg::Decimal(after.abs(), 1), summary = f.summary.clone()),
            ));
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_in_utc_or_with_their_offset() {
        let utc = parse_time("2026-07-29 12:44:11").unwrap();
        assert_eq!(show(utc), "2026-07-29 12:44:11.000 UTC");
        assert_eq!(parse_time("2026-07-29T12:44:11Z").unwrap(), utc);
        assert_eq!(parse_time("2026-07-29 12:44:11 UTC").unwrap(), utc);
        assert_eq!(parse_time("2026-07-29 20:44:11+08:00").unwrap(), utc);
        assert_eq!(parse_time("2026-07-29 07:44:11-0500").unwrap(), utc);
        assert_eq!(parse_time("2026-07-29 12:44:11.5").unwrap().0 - utc.0, 500_000_000);
        assert!(parse_time("yesterday").is_err());
        assert_eq!(parse_window("30s").unwrap(), 30_000_000_000);
        assert_eq!(parse_window("2m").unwrap(), 120_000_000_000);
    }
}
