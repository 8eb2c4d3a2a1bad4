//! The captures a command reads, made readable more than once.
//!
//! `analyze` reads a capture twice when it writes timelines or evidence, and `compare`
//! when it writes evidence. Standard input (`-`), FIFOs and process substitution
//! (`<(zcat cap.gz)`) can be read once only: they are copied to a temporary file first (in
//! `$TMPDIR`, removed on exit), and reported under the name the user gave. Files are read in
//! place.
//!
//! Outputs are checked against the inputs here too: `-o` or `--evidence` naming an input
//! capture (the same file by device and inode, through any link) is refused before anything
//! is written.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// One capture to read: where to read it from, and what to call it.
#[derive(Debug)]
pub struct Input {
    /// What the user gave (`-`, `/dev/fd/63`, `capture.pcap`).
    pub shown: PathBuf,
    /// A path that can be opened again.
    pub path: PathBuf,
    /// The temporary copy of a pipe, deleted when this is dropped.
    _spool: Option<tempfile::TempPath>,
}

fn is_rereadable(path: &Path) -> bool {
    path != Path::new("-") && std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

impl Input {
    /// `path` as is when it is a regular file; otherwise its bytes, copied to a temporary
    /// file. An unreadable path is left for the capture reader to report.
    pub fn new(path: &Path) -> Result<Self, String> {
        if is_rereadable(path) || (path != Path::new("-") && std::fs::metadata(path).is_err()) {
            return Ok(Input { shown: path.into(), path: path.into(), _spool: None });
        }
        let mut tmp = tempfile::Builder::new()
            .prefix("pcapdoc-input-")
            .tempfile()
            .map_err(|e| format!("cannot make a temporary copy of {}: {e}", path.display()))?;
        let copied = if path == Path::new("-") {
            io::copy(&mut io::stdin().lock(), tmp.as_file_mut())
        } else {
            File::open(path).and_then(|mut f| io::copy(&mut f, tmp.as_file_mut()))
        };
        copied.map_err(|e| format!("cannot copy {} to a temporary file: {e}", path.display()))?;
        Ok(Input { shown: path.into(), path: tmp.path().to_path_buf(), _spool: Some(tmp.into_temp_path()) })
    }
}

/// The capture files the arguments name: a directory stands for the capture files in it
/// (files that start like pcap, pcapng or gzip; hidden ones are skipped), by name; the
/// reader puts them in time order. Other arguments are kept as given.
pub fn expand(args: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for a in args {
        if !a.is_dir() {
            out.push(a.clone());
            continue;
        }
        let entries = std::fs::read_dir(a).map_err(|e| format!("cannot read the directory {}: {e}", a.display()))?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file() && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
            .filter(|p| crate::capture::looks_like_capture(p))
            .collect();
        if files.is_empty() {
            return Err(format!("{} holds no capture files (pcap, pcapng or gzip)", a.display()));
        }
        files.sort();
        out.extend(files);
    }
    Ok(out)
}

/// (device, inode) of an existing file, through links.
#[cfg(unix)]
fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn identity(path: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(path).ok()
}

/// Refuses an output that is one of the inputs: writing it would destroy the capture.
pub fn refuse_overwrite(output: &Path, what: &str, inputs: &[&Input]) -> Result<(), String> {
    let Some(out) = identity(output) else { return Ok(()) };
    for i in inputs {
        if identity(&i.shown).as_ref() == Some(&out) || identity(&i.path).as_ref() == Some(&out) {
            return Err(format!(
                "{what} {} is the input capture {}: refusing to overwrite it; write to another file",
                output.display(),
                i.shown.display()
            ));
        }
    }
    Ok(())
}
