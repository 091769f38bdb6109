//! What regression and proof files share: reading TOML with errors that name the file and
//! line, and writing atomically (a temporary file renamed over the old one, so that a crash
//! or a full disk never leaves half a file).

use crate::error::Error;
use serde::de::DeserializeOwned;
use std::path::Path;

/// Each file of a directory with what checking it gave.
pub type Checks<T> = Vec<(std::path::PathBuf, Result<T, Error>)>;

/// The version of the file formats this build reads and writes.
pub(crate) const FORMAT: u32 = 1;

/// Reads and parses a TOML file; errors name the file and, where known, the line.
pub(crate) fn read<T: DeserializeOwned>(path: &Path) -> Result<(T, String), Error> {
    let text = std::fs::read_to_string(path).map_err(|e| error(path, None, e.to_string()))?;
    let parsed = toml::from_str(&text).map_err(|e| {
        let line = e.span().map(|span| line_at(&text, span.start));
        error(path, line, e.message().trim_end().to_owned())
    })?;
    Ok((parsed, text))
}

/// Refuses a file written in another format version than this build's.
pub(crate) fn check_format(path: &Path, text: &str, format: u32) -> Result<(), Error> {
    if format == FORMAT {
        return Ok(());
    }
    Err(error(
        path,
        line_of(text, "format"),
        format!("format {format} is not supported (this build reads format {FORMAT})"),
    ))
}

/// Writes `text` to `path` atomically, creating the directory if needed.
pub(crate) fn write_atomically(path: &Path, text: &str) -> Result<(), Error> {
    let fail = |e: std::io::Error| error(path, None, format!("cannot write: {e}"));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let written = std::fs::write(&temporary, text).and_then(|()| std::fs::rename(&temporary, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(fail(e));
    }
    Ok(())
}

/// An error about `path`.
pub(crate) fn error(path: &Path, line: Option<usize>, message: String) -> Error {
    Error::File {
        path: path.display().to_string(),
        line,
        message,
    }
}

/// The line (from 1) on which `key = ...` is written, for errors about a field's value.
pub(crate) fn line_of(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|line| {
            line.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

fn line_at(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// `text` as TOML comment lines.
pub(crate) fn comment(text: &str) -> String {
    text.lines()
        .map(|line| {
            if line.is_empty() {
                "#\n".to_owned()
            } else {
                format!("# {line}\n")
            }
        })
        .collect()
}

/// The `.toml` files of a directory, sorted; none if it does not exist.
pub(crate) fn toml_files(dir: &Path) -> Result<Vec<std::path::PathBuf>, Error> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(dir).map_err(|e| error(dir, None, e.to_string()))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| error(dir, None, e.to_string()))?.path();
        if path.extension().is_some_and(|e| e == "toml") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// An error's message without the crate's prefix, to quote inside a file error.
pub(crate) fn plain(error: &Error) -> String {
    let text = error.to_string();
    text.strip_prefix("interleavings: ")
        .map(str::to_owned)
        .unwrap_or(text)
}
