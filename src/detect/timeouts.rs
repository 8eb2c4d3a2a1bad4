//! The catalogue of middlebox idle timeouts (`data/timeouts.toml`), extended or overridden
//! by `--timeouts FILE` and `--timeout NAME=DURATION`, and the rule that says which entry an
//! observed idle gap fits.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::i18n::Localized;

const BUILTIN: &str = include_str!("../../data/timeouts.toml");

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Entry {
    pub key: String,
    pub name: String,
    pub seconds: f64,
    #[serde(default)]
    pub closes: String,
    #[serde(default)]
    pub fix: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub checked: String,
    /// `name_<lang>` and `fix_<lang>`: the name and the fix in other languages.
    #[serde(flatten)]
    pub translations: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
struct File {
    timeout: Vec<Entry>,
}

#[derive(Debug, Clone)]
pub struct Catalogue {
    pub entries: Vec<Entry>,
}

/// How far below a timeout an observed gap may fall and still be said to match it: clocks,
/// timer granularity (conntrack and nginx timers fire a little late or early) and capture
/// placement shift the measured gap by a few percent.
const TOLERANCE_FRACTION: f64 = 0.03;
const TOLERANCE_SECONDS: f64 = 0.5;

impl Catalogue {
    pub fn builtin() -> Self {
        let file: Result<File, _> = toml::from_str(BUILTIN);
        Catalogue { entries: file.map(|f| f.timeout).unwrap_or_default() }
    }

    /// Adds or replaces entries from a TOML file of the same shape as the built-in one.
    pub fn merge_file(&mut self, text: &str) -> Result<usize, String> {
        let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
        let n = file.timeout.len();
        for e in file.timeout {
            self.upsert(e);
        }
        Ok(n)
    }

    /// `NAME=DURATION`, DURATION like `30`, `30s`, `2m`, `1.5h`.
    pub fn merge_arg(&mut self, arg: &str) -> Result<(), String> {
        let (name, dur) = arg.split_once('=').ok_or_else(|| format!("--timeout {arg:?}: expected NAME=DURATION"))?;
        let seconds = parse_duration(dur)
            .ok_or_else(|| format!("--timeout {arg:?}: {dur:?} is not a duration like 30s or 2m"))?;
        let existing = self.entries.iter().find(|e| e.key == name).cloned();
        let entry = match existing {
            Some(e) => Entry { seconds, checked: "set on the command line".into(), ..e },
            None => Entry {
                key: name.into(),
                name: name.into(),
                seconds,
                closes: String::new(),
                fix: String::new(),
                translations: BTreeMap::new(),
                source: "command line".into(),
                checked: "set on the command line".into(),
            },
        };
        self.upsert(entry);
        Ok(())
    }

    fn upsert(&mut self, e: Entry) {
        match self.entries.iter_mut().find(|x| x.key == e.key) {
            Some(slot) => *slot = e,
            None => self.entries.push(e),
        }
    }

    /// The smallest timeout in the catalogue.
    pub fn shortest(&self) -> Option<f64> {
        self.entries.iter().map(|e| e.seconds).reduce(f64::min)
    }

    /// Entries whose timeout *is* this gap (within tolerance either side), longest first: a
    /// device that closes at its timeout (a TLS alert + FIN, a FIN after idle) closes at that
    /// moment, so a 27 s close is not a 15 s load balancer's, however much longer it is.
    pub fn fitting(&self, gap: f64) -> Vec<&Entry> {
        let near = |e: &Entry| (gap - e.seconds).abs() <= e.seconds * TOLERANCE_FRACTION + TOLERANCE_SECONDS;
        let mut v: Vec<&Entry> = self.entries.iter().filter(|e| near(e)).collect();
        v.sort_by(|a, b| b.seconds.total_cmp(&a.seconds).then_with(|| a.key.cmp(&b.key)));
        v
    }

    /// Entries an idle gap of `gap` seconds exceeds (within tolerance), longest first. The
    /// first is the best explanation: the most specific timeout the gap is long enough for.
    pub fn exceeded_by(&self, gap: f64) -> Vec<&Entry> {
        let mut v: Vec<&Entry> =
            self.entries.iter().filter(|e| gap >= e.seconds * (1.0 - TOLERANCE_FRACTION) - TOLERANCE_SECONDS).collect();
        v.sort_by(|a, b| b.seconds.total_cmp(&a.seconds).then_with(|| a.key.cmp(&b.key)));
        v
    }
}

impl Entry {
    fn localized(&self, field: &str, english: &str) -> Localized {
        let prefix = format!("{field}_");
        self.translations
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix(&prefix)?, v)))
            .fold(Localized::en(english), |l, (lang, v)| l.with(lang, v.as_str()))
    }

    /// The display name in every language the catalogue gives.
    pub fn name_local(&self) -> Localized {
        self.localized("name", &self.name)
    }

    /// The fix in every language the catalogue gives.
    pub fn fix_local(&self) -> Localized {
        self.localized("fix", &self.fix)
    }
}

/// Display name of the best fit, joining entries that share its timeout ("AWS ALB idle
/// timeout / nginx proxy_read_timeout"), in every language.
pub fn best_name(fits: &[&Entry]) -> Option<Localized> {
    let best = fits.first()?;
    let same: Vec<Localized> = fits.iter().filter(|e| e.seconds == best.seconds).map(|e| e.name_local()).collect();
    let mut langs: Vec<&String> = same.iter().flat_map(|l| l.0.keys()).collect();
    langs.sort();
    langs.dedup();
    let mut out = Localized::default();
    for lang in langs {
        let lang_id = crate::i18n::Lang::parse(lang).unwrap_or_default();
        let joined: Vec<&str> = same.iter().map(|l| l.get(lang_id)).collect();
        out = out.with(lang, joined.join(" / "));
    }
    Some(out)
}

pub fn parse_duration(s: &str) -> Option<f64> {
    let s = s.trim();
    let (num, mult) = if let Some(n) = s.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60.0)
    } else if let Some(n) = s.strip_suffix('h') {
        (n, 3600.0)
    } else {
        (s, 1.0)
    };
    let v: f64 = num.trim().parse().ok()?;
    (v.is_finite() && v > 0.0).then_some(v * mult)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalogue_has_the_required_entries() {
        let c = Catalogue::builtin();
        let keys: Vec<&str> = c.entries.iter().map(|e| e.key.as_str()).collect();
        for k in [
            "aliyun-clb-http",
            "aliyun-clb-tcp",
            "aliyun-waf",
            "nginx-proxy-read",
            "nginx-keepalive",
            "aws-alb",
            "aws-nlb",
            "aws-nat-gateway",
            "azure-lb",
            "gcp-cloud-nat",
        ] {
            assert!(keys.contains(&k), "{k} missing");
        }
        assert!(c.entries.iter().all(|e| !e.source.is_empty()), "every entry cites a source");
        assert!(
            c.entries.iter().all(|e| e.fix_local().0.contains_key("zh") && e.name_local().0.contains_key("zh")),
            "every name and fix exists in Chinese too"
        );
    }

    #[test]
    fn a_gap_matches_the_longest_timeout_it_exceeds() {
        let c = Catalogue::builtin();
        assert_eq!(c.exceeded_by(119.89)[0].key, "aliyun-waf");
        assert_eq!(c.exceeded_by(14.9)[0].key, "aliyun-clb-http");
        assert_eq!(c.exceeded_by(20.1)[0].key, "aliyun-clb-http");
        assert_eq!(c.exceeded_by(76.0)[0].key, "nginx-keepalive");
        assert!(c.exceeded_by(9.0).is_empty());
    }

    #[test]
    fn just_under_and_just_over_a_timeout() {
        let c = Catalogue::builtin();
        // 15 s SLB: 14.0 s is too short (tolerance is 3% + 0.5 s = 14.05 s), 14.1 s fits.
        assert!(c.exceeded_by(14.0).is_empty());
        assert_eq!(c.exceeded_by(14.1)[0].key, "aliyun-clb-http");
    }

    #[test]
    fn command_line_overrides_and_extends() {
        let mut c = Catalogue::builtin();
        c.merge_arg("aliyun-clb-http=30s").unwrap();
        c.merge_arg("my-proxy=2.5m").unwrap();
        assert!(c.exceeded_by(20.0).is_empty());
        assert_eq!(c.exceeded_by(155.0)[0].key, "my-proxy");
        assert!(c.merge_arg("nonsense").is_err());
        assert_eq!(parse_duration("1.5h"), Some(5400.0));
        assert_eq!(parse_duration("-3"), None);
    }
}
