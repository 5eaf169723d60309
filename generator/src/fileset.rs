//! The in-memory output of a generation, and how it is written to or compared with disk.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Name of the manifest file listing every file the generator owns in an output folder.
pub const MANIFEST: &str = ".sdkgen-manifest";

/// An ordered map from relative path (with `/` separators) to file contents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileSet {
    files: BTreeMap<String, String>,
}

/// What differs between a [`FileSet`] and a folder on disk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Drift {
    /// Files whose contents differ, or which are missing on disk, or which are stale on disk.
    pub changed: Vec<String>,
    /// A unified diff of every change, `a/` being the disk and `b/` the generator's output.
    pub diff: String,
}

impl Drift {
    /// `true` when disk and generator agree.
    pub fn is_clean(&self) -> bool {
        self.changed.is_empty()
    }
}

impl FileSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file; a second file at the same path replaces the first.
    pub fn insert(&mut self, path: impl Into<String>, contents: impl Into<String>) {
        self.files.insert(path.into(), contents.into());
    }

    /// Adds every file of `other`, replacing files at the same paths.
    pub fn extend(&mut self, other: FileSet) {
        self.files.extend(other.files);
    }

    /// The contents of one file.
    pub fn get(&self, path: &str) -> Option<&str> {
        self.files.get(path).map(String::as_str)
    }

    /// Every file, in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.files.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// `true` when there are no files.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Total bytes of all files.
    pub fn total_bytes(&self) -> usize {
        self.files.values().map(String::len).sum()
    }

    fn manifest(&self) -> String {
        let mut m = String::from("# Files written by the SDK generator; it removes those it no longer makes.\n");
        for path in self.files.keys() {
            m.push_str(path);
            m.push('\n');
        }
        m
    }

    fn with_manifest(&self) -> BTreeMap<String, String> {
        let mut all = self.files.clone();
        all.insert(MANIFEST.to_owned(), self.manifest());
        all
    }

    /// Writes every file under `root`, creating folders, and removes files listed in the
    /// previous manifest that this set no longer contains. Files are written to a temporary
    /// name and renamed, so a reader never sees half a file; unchanged files are not touched.
    ///
    /// A folder without a manifest was not written by the generator: when it holds a file the
    /// set would change (a hand-written `Cargo.toml`, say), nothing is written and the error
    /// names those files, so no one's work is overwritten.
    pub fn write(&self, root: &Path) -> io::Result<WriteSummary> {
        let mut summary = WriteSummary::default();
        let previous = read_manifest(root)?;
        let all = self.with_manifest();
        if !root.join(MANIFEST).exists() {
            let theirs: Vec<&str> = all
                .iter()
                .filter(|(rel, contents)| {
                    fs::read(root.join(rel.as_str())).is_ok_and(|bytes| bytes != contents.as_bytes())
                })
                .map(|(rel, _)| rel.as_str())
                .collect();
            if !theirs.is_empty() {
                let shown: Vec<&str> = theirs.iter().take(5).copied().collect();
                let more = if theirs.len() > 5 { format!(" and {} more", theirs.len() - 5) } else { String::new() };
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!(
                        "the folder holds files the generator did not write ({}{more}) and no {MANIFEST}; nothing was written: move them away or choose another folder",
                        shown.join(", ")
                    ),
                ));
            }
        }
        for (rel, contents) in &all {
            let path = root.join(rel);
            if fs::read(&path).ok().as_deref() == Some(contents.as_bytes()) {
                continue;
            }
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent)?;
            }
            let tmp = temp_name(&path);
            fs::write(&tmp, contents)?;
            fs::rename(&tmp, &path)?;
            summary.written.push(rel.clone());
        }
        for stale in previous.iter().filter(|p| !all.contains_key(*p)) {
            let path = root.join(stale);
            match fs::remove_file(&path) {
                Ok(()) => summary.removed.push(stale.clone()),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
            remove_empty_parents(root, &path);
        }
        Ok(summary)
    }

    /// Compares this set with the files under `root`, writing nothing.
    pub fn check(&self, root: &Path) -> io::Result<Drift> {
        let mut drift = Drift::default();
        let previous = read_manifest(root)?;
        let all = self.with_manifest();
        for (rel, expected) in &all {
            let actual = match fs::read(root.join(rel)) {
                Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
                Err(e) if e.kind() == io::ErrorKind::NotFound => None,
                Err(e) => return Err(e),
            };
            if actual.as_deref() != Some(expected.as_str()) {
                drift.changed.push(rel.clone());
                drift.diff.push_str(&unified(rel, actual.as_deref().unwrap_or(""), expected, actual.is_none(), false));
            }
        }
        for stale in previous.iter().filter(|p| !all.contains_key(*p)) {
            if let Ok(bytes) = fs::read(root.join(stale)) {
                drift.changed.push(stale.clone());
                drift.diff.push_str(&unified(stale, &String::from_utf8_lossy(&bytes), "", false, true));
            }
        }
        // The folders the crate's files are in (`src`, `docs`, `examples`, `tests`) are the
        // generator's whole: a file added there by hand (an example Cargo would build) is
        // drift too. `write` leaves such files alone; the diff says to remove them.
        let folders: std::collections::BTreeSet<&str> =
            all.keys().filter_map(|p| p.split_once('/').map(|(top, _)| top)).collect();
        for folder in folders {
            for rel in files_under(root, folder)? {
                if !all.contains_key(&rel) && !previous.contains(&rel) {
                    let bytes = fs::read(root.join(&rel))?;
                    drift.changed.push(format!("{rel} (not written by the generator: remove it)"));
                    drift.diff.push_str(&unified(&rel, &String::from_utf8_lossy(&bytes), "", false, true));
                }
            }
        }
        Ok(drift)
    }
}

/// What [`FileSet::write`] changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteSummary {
    /// Files created or rewritten.
    pub written: Vec<String>,
    /// Stale files removed.
    pub removed: Vec<String>,
}

fn read_manifest(root: &Path) -> io::Result<Vec<String>> {
    match fs::read_to_string(root.join(MANIFEST)) {
        Ok(text) => Ok(text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            // Never follow a manifest entry out of the output folder.
            .filter(|l| !l.split('/').any(|seg| seg == ".." || seg.is_empty()) && !l.starts_with('/'))
            .map(str::to_owned)
            .collect()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// Every file under `root/folder`, as paths relative to `root` with `/` separators, in order;
/// hidden files and folders (`.DS_Store`, `.git`) are not the crate's and are left out.
fn files_under(root: &Path, folder: &str) -> io::Result<Vec<String>> {
    let mut out = Vec::new();
    let mut pending = vec![folder.to_owned()];
    while let Some(rel) = pending.pop() {
        let entries = match fs::read_dir(root.join(&rel)) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let child = format!("{rel}/{name}");
            if entry.file_type()?.is_dir() {
                pending.push(child);
            } else {
                out.push(child);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn temp_name(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".sdkgen-tmp");
    path.with_file_name(name)
}

fn remove_empty_parents(root: &Path, path: &Path) {
    let mut dir = path.parent();
    while let Some(d) = dir {
        if d == root || !d.starts_with(root) || fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

fn unified(rel: &str, old: &str, new: &str, missing: bool, stale: bool) -> String {
    let old_name = if missing { "/dev/null".to_owned() } else { format!("a/{rel}") };
    let new_name = if stale { "/dev/null".to_owned() } else { format!("b/{rel}") };
    similar::TextDiff::from_lines(old, new).unified_diff().context_radius(3).header(&old_name, &new_name).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_names_a_file_added_to_the_generators_folders() {
        let dir = tempfile::tempdir().unwrap();
        let s = set(&[("Cargo.toml", "x"), ("src/lib.rs", "mod a;"), ("examples/run.rs", "fn main() {}")]);
        s.write(dir.path()).unwrap();
        fs::write(dir.path().join("Cargo.lock"), "beside the crate: not the generator's").unwrap();
        fs::write(dir.path().join("src/.DS_Store"), "hidden").unwrap();
        assert!(s.check(dir.path()).unwrap().is_clean());
        fs::create_dir_all(dir.path().join("examples/more")).unwrap();
        fs::write(dir.path().join("examples/more/mine.rs"), "fn main() {}\n").unwrap();
        let drift = s.check(dir.path()).unwrap();
        assert_eq!(drift.changed, ["examples/more/mine.rs (not written by the generator: remove it)"]);
        assert!(drift.diff.contains("--- a/examples/more/mine.rs\n+++ /dev/null"), "{}", drift.diff);
        s.write(dir.path()).unwrap();
        assert!(dir.path().join("examples/more/mine.rs").exists(), "write never removes what it did not write");
    }

    #[test]
    fn files_it_did_not_write_are_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"mine\"\n").unwrap();
        fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        let s = set(&[("Cargo.toml", "[package]\nname = \"sdk\"\n"), ("src/lib.rs", "")]);
        let e = s.write(dir.path()).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        assert!(e.to_string().contains("files the generator did not write (Cargo.toml)"), "{e}");
        assert_eq!(fs::read_to_string(dir.path().join("Cargo.toml")).unwrap(), "[package]\nname = \"mine\"\n");
        assert!(!dir.path().join("src").exists(), "nothing was written");
        // A folder with only other files, or files equal to the set's, takes the set.
        fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"sdk\"\n").unwrap();
        s.write(dir.path()).unwrap();
        assert!(dir.path().join("src/lib.rs").exists() && dir.path().join(MANIFEST).exists());
        // Once the generator owns the folder, it rewrites its files.
        set(&[("Cargo.toml", "changed"), ("src/lib.rs", "")]).write(dir.path()).unwrap();
        assert_eq!(fs::read_to_string(dir.path().join("Cargo.toml")).unwrap(), "changed");
        assert_eq!(fs::read_to_string(dir.path().join("notes.txt")).unwrap(), "mine");
    }

    fn set(files: &[(&str, &str)]) -> FileSet {
        let mut s = FileSet::new();
        for (p, c) in files {
            s.insert(*p, *c);
        }
        s
    }

    #[test]
    fn write_then_check_is_clean_and_stale_files_go() {
        let dir = tempfile::tempdir().unwrap();
        let first = set(&[("src/a.rs", "a\n"), ("src/old.rs", "old\n")]);
        first.write(dir.path()).unwrap();
        assert!(first.check(dir.path()).unwrap().is_clean());

        let second = set(&[("src/a.rs", "a\n"), ("src/b.rs", "b\n")]);
        let drift = second.check(dir.path()).unwrap();
        assert_eq!(drift.changed, vec![".sdkgen-manifest", "src/b.rs", "src/old.rs"]);
        assert!(drift.diff.contains("+b"), "{}", drift.diff);
        assert!(drift.diff.contains("-old"), "{}", drift.diff);

        let summary = second.write(dir.path()).unwrap();
        assert_eq!(summary.removed, vec!["src/old.rs"]);
        assert!(!dir.path().join("src/old.rs").exists());
        assert!(second.check(dir.path()).unwrap().is_clean());
    }

    #[test]
    fn appended_line_shows_in_diff_and_foreign_files_stay() {
        let dir = tempfile::tempdir().unwrap();
        let s = set(&[("lib.rs", "fn a() {}\n")]);
        s.write(dir.path()).unwrap();
        fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        let mut f = fs::OpenOptions::new().append(true).open(dir.path().join("lib.rs")).unwrap();
        io::Write::write_all(&mut f, b"// extra line\n").unwrap();
        let drift = s.check(dir.path()).unwrap();
        assert_eq!(drift.changed, vec!["lib.rs"]);
        assert!(drift.diff.contains("-// extra line"), "{}", drift.diff);
        s.write(dir.path()).unwrap();
        assert!(s.check(dir.path()).unwrap().is_clean());
        assert!(dir.path().join("notes.txt").exists(), "files the generator does not own stay");
    }
}
