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

pub fn exists(p: &Path) -> bool {
    p.try_exists().unwrap_or(false)
}
