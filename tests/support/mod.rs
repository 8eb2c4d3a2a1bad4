//! Test helpers: a packet builder for synthetic captures, and paths.

pub mod craft;
pub mod synth;

use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shared corpus of foreign captures (beside the repository).
pub fn corpus_dir() -> PathBuf {
    root().join("../shared/corpus")
}

/// Whether the tests that read `../shared/corpus` can run. A fresh clone has no `../shared`:
/// those tests then say on stderr that they were skipped and why, and pass on the committed
/// captures alone. CI has the corpus and sets `PCAPDOC_REQUIRE_CORPUS=1`, so that a missing
/// corpus there fails instead of passing quietly.
pub fn corpus_available(test: &str) -> bool {
    if corpus_dir().is_dir() {
        return true;
    }
    assert!(
        std::env::var_os("PCAPDOC_REQUIRE_CORPUS").is_none(),
        "{test}: {} is missing and PCAPDOC_REQUIRE_CORPUS is set",
        corpus_dir().display()
    );
    // Straight to stderr, past the test harness's capture, so that the run shows it.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "note: {test}: skipped the corpus captures: {} is not here (a fresh clone has only the committed captures)",
        corpus_dir().display()
    );
    false
}

/// Resolves a golden file name back to its capture.
pub fn capture_for_golden(name: &str) -> PathBuf {
    let stem = name.trim_end_matches(".tsv");
    if let Some(rest) = stem.strip_prefix("corpus__") {
        corpus_dir().join(rest.replace("__", "/"))
    } else if let Some(rest) = stem.strip_prefix("captures__") {
        root().join("captures").join(rest.replace("__", "/"))
    } else {
        root().join(stem)
    }
}

pub fn golden_dir() -> PathBuf {
    root().join("tests/golden")
}

/// A capture file, or a directory whose files are read as one capture (issue 18).
pub fn open_capture(p: &Path) -> pcapdoc::capture::CaptureReader {
    if !p.is_dir() {
        return pcapdoc::capture::CaptureReader::open(p).unwrap_or_else(|e| panic!("{e}"));
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(p).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    pcapdoc::capture::CaptureReader::open_many(&files, &p.display().to_string()).unwrap_or_else(|e| panic!("{e}"))
}

pub fn exists(p: &Path) -> bool {
    p.try_exists().unwrap_or(false)
}
