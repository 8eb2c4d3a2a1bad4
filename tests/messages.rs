//! The message registry: every detector's messages exist in every language with the same
//! arguments, no language has a message nobody declares, and every finding of every lab
//! capture renders in every language without a missing key or argument.

use std::collections::{BTreeMap, BTreeSet};

use pcapdoc::capture::CaptureReader;
use pcapdoc::detect::{self, Config};
use pcapdoc::i18n::{self, Lang, Message};

use crate::support;

/// Which locale file declares which keys: the detectors', compare's, and the report's own.
fn declared() -> BTreeMap<String, Vec<&'static str>> {
    let mut m: BTreeMap<String, Vec<&'static str>> = BTreeMap::new();
    for e in detect::REGISTRY {
        m.insert(format!("{}.ftl", e.id), e.messages.to_vec());
    }
    m.insert("compare.ftl".into(), pcapdoc::compare::MESSAGES.to_vec());
    m
}

#[test]
fn every_locale_file_parses() {
    assert!(i18n::load_errors().is_empty(), "{:?}", i18n::load_errors());
    assert!(Lang::all().count() >= 2);
}

#[test]
fn every_declared_message_exists_in_every_language_with_the_same_arguments() {
    let en = i18n::catalogue(Lang::EN);
    let mut failures = Vec::new();
    for (file, keys) in declared() {
        assert!(!keys.is_empty(), "{file} declares no messages");
        for key in keys {
            let Some(vars) = en.get(key) else {
                failures.push(format!("{file}: {key} has no English text"));
                continue;
            };
            for lang in Lang::all() {
                match i18n::catalogue(lang).get(key) {
                    None => failures.push(format!("{key}: missing in {lang}")),
                    Some(v) if v != vars => failures.push(format!("{key}: {lang} uses {v:?}, English {vars:?}")),
                    Some(_) => {}
                }
            }
        }
    }
    // The report's own words: the same keys and arguments in every language.
    for lang in Lang::all() {
        let other = i18n::catalogue(lang);
        let a: BTreeSet<&String> = en.keys().collect();
        let b: BTreeSet<&String> = other.keys().collect();
        for k in a.symmetric_difference(&b) {
            failures.push(format!("{k}: in one of en and {lang} only"));
        }
        for (k, v) in &other {
            if en.get(k).is_some_and(|e| e != v) {
                failures.push(format!("{k}: {lang} uses {v:?}, English {:?}", en.get(k)));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn no_detector_message_is_left_undeclared() {
    // A key in a detector's locale file that the detector does not declare is dead text.
    let declared = declared();
    let root = support::root().join("locales/en");
    let mut failures = Vec::new();
    for (file, keys) in &declared {
        let text = std::fs::read_to_string(root.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        for line in text.lines() {
            let Some((id, _)) = line.split_once(" = ") else { continue };
            if !id.starts_with(' ') && !id.starts_with('#') && !keys.contains(&id) {
                failures.push(format!("{file}: {id} is not in the detector's MESSAGES"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every message of a finding, nested ones included.
fn messages(f: &detect::Finding) -> Vec<&Message> {
    let mut v: Vec<&Message> = vec![&f.summary, &f.explanation];
    v.extend(&f.recommendations);
    v.extend(f.confirm.iter());
    v.extend(f.evidence.iter().map(|e| &e.role));
    v
}

#[test]
fn every_finding_of_every_lab_capture_renders_in_every_language() {
    let ids = detect::all_ids();
    let mut failures = Vec::new();
    let mut seen = BTreeSet::new();
    for e in std::fs::read_dir(support::root().join("captures")).unwrap().filter_map(Result::ok) {
        let path = e.path();
        if path.extension().is_none_or(|x| x != "pcap") {
            continue;
        }
        let (_, findings) = detect::run(CaptureReader::open(&path).unwrap(), &Config::default(), &[]);
        for f in &findings {
            assert!(ids.contains(&f.detector), "{}: unregistered finding id {}", path.display(), f.detector);
            seen.insert(f.detector);
            for m in messages(f) {
                for lang in Lang::all() {
                    if let Err(e) = m.checked(lang) {
                        failures.push(format!("{} {} {lang}: {e:?}", path.display(), f.detector));
                    }
                }
            }
        }
    }
    assert!(seen.len() >= 8, "the lab captures exercise most detectors: {seen:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn docs_json_md_lists_every_detector_message() {
    let doc = std::fs::read_to_string(support::root().join("docs/JSON.md")).unwrap();
    let missing: Vec<&str> =
        declared().values().flatten().copied().filter(|k| !doc.contains(&format!("`{k}`"))).collect();
    assert!(missing.is_empty(), "docs/JSON.md does not list {missing:?}");
}
