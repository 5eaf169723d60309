//! The durable spool of the ingestor: an append-only log of the items waiting to be sent, in a
//! directory of its own.
//!
//! The log is a sequence of segment files, `<20-digit number>.spool`. A segment starts with
//! an 8-byte magic (`SPOOL\0\0\x01`) and holds records; a record is
//!
//! ```text
//! length of the payload (u32, little endian) | CRC-32 of the payload (u32, little endian) | payload
//! ```
//!
//! and its payload is the item as JSON. Records are appended to the newest segment with one
//! `write` each, before [`Ingestor::send`](super::ingestor::Ingestor::send) returns; a process
//! that dies after that loses nothing, whatever the fsync policy ([`FsyncPolicy`] is about a
//! crash of the machine). A segment is closed after `segment_events` records and a new one
//! started; a closed segment whose records were all accepted by the API is deleted.
//!
//! Reading the spool back ([`Spool::open`]) returns every intact record. A record cut short
//! (the process died in the middle of a write) or whose checksum does not match ends the
//! reading of its segment with a warning: the records before it are kept, the damaged bytes are
//! skipped. A record whose payload is intact but does not decode into the item type is kept in
//! its file (never deleted) and reported. Nothing here panics on any file content.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

/// The first bytes of every segment file.
const MAGIC: &[u8; 8] = b"SPOOL\0\0\x01";
/// Bytes of a record header: payload length and CRC-32.
const HEADER: usize = 8;
/// The largest payload accepted when reading; a larger length is taken as corruption.
const MAX_RECORD: usize = 64 * 1024 * 1024;
/// File name extension of the segments.
const EXTENSION: &str = "spool";

/// When the spool forces what it wrote to the disk (`fdatasync`).
///
/// Every record is written to its file before `send` returns, so a process that crashes or is
/// killed loses nothing whatever the policy; the policy decides what a crash of the machine
/// (power loss, kernel panic) can lose.
///
/// | policy | a machine crash can lose | cost |
/// | --- | --- | --- |
/// | `EveryEvent` | nothing that `send` returned for | one `fdatasync` per event, inside `send` (a disk flush: 0.1 to 10 ms) |
/// | `EveryBatch` | fewer than one batch of events | one `fdatasync` per batch of events enqueued, inside the `send` that fills it |
/// | `Interval(d)` | the events of the last `d` | one `fdatasync` per interval, in the background task |
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum FsyncPolicy {
    /// Sync after every event, before `send` returns.
    EveryEvent,
    /// Sync every time a batch's worth of events has been written (the default).
    #[default]
    EveryBatch,
    /// Sync at this interval, when something was written.
    Interval(Duration),
}

/// Where the spool lives and how it syncs.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SpoolOptions {
    /// The directory of the spool (created if missing). One ingestor at a time may use it: the
    /// spool locks `spool.lock` in it, and a second one fails to open.
    pub dir: PathBuf,
    /// When written records are forced to disk.
    pub fsync: FsyncPolicy,
    /// Records per segment file; `None`: the batch size of the ingestor.
    pub segment_events: Option<usize>,
}

impl SpoolOptions {
    /// A spool in `dir`, synced with [`FsyncPolicy::EveryBatch`].
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        SpoolOptions { dir: dir.into(), fsync: FsyncPolicy::default(), segment_events: None }
    }

    /// Sets the fsync policy.
    pub fn fsync(mut self, policy: FsyncPolicy) -> Self {
        self.fsync = policy;
        self
    }

    /// Sets the number of records per segment file (0 counts as 1).
    pub fn segment_events(mut self, events: usize) -> Self {
        self.segment_events = Some(events.max(1));
        self
    }
}

/// A spool operation that failed: what was being done, on which path, and the I/O error.
#[derive(Debug)]
pub struct SpoolError {
    action: &'static str,
    path: PathBuf,
    source: io::Error,
}

impl SpoolError {
    fn new(action: &'static str, path: &Path, source: io::Error) -> Self {
        SpoolError { action, path: path.to_owned(), source }
    }

    /// The file or directory concerned.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The I/O error.
    pub fn io_error(&self) -> &io::Error {
        &self.source
    }
}

impl fmt::Display for SpoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "spool: cannot {} {}: {}", self.action, self.path.display(), self.source)
    }
}

impl std::error::Error for SpoolError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Bookkeeping of one segment file.
#[derive(Debug)]
struct Segment {
    /// Records in the file that are waiting to be accepted, in all.
    records: usize,
    /// Of those, how many were accepted.
    acked: usize,
    /// No more records will be appended.
    sealed: bool,
    /// The file holds something that cannot be sent (an undecodable record, or it is not a
    /// segment at all): it is never deleted.
    keep: bool,
}

/// The segment being appended to.
#[derive(Debug)]
struct Active {
    id: u64,
    file: File,
    records: usize,
}

/// The spool: the segments on disk and the one being written.
#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    fsync: FsyncPolicy,
    segment_events: usize,
    sync_every: usize,
    active: Option<Active>,
    segments: BTreeMap<u64, Segment>,
    next_id: u64,
    unsynced: usize,
    buffer: Vec<u8>,
    /// The directory's lock file, locked while this spool is open: one ingestor at a time, in
    /// this process or another (the lock goes with the process, so a crash leaves none behind).
    lock: Option<std::fs::File>,
}

/// What [`Spool::open`] read back: the items of intact records, each with its segment, in log
/// order, and a warning for every damaged or unreadable part.
#[derive(Debug)]
pub struct Recovered<I> {
    /// The items and the segment each came from, oldest first.
    pub items: Vec<(u64, I)>,
    /// What was skipped, and why.
    pub warnings: Vec<String>,
}

fn segment_path(dir: &Path, id: u64) -> PathBuf {
    dir.join(format!("{id:020}.{EXTENSION}"))
}

/// The file whose lock marks the directory as in use.
const LOCK_FILE: &str = "spool.lock";

fn segment_id(path: &Path) -> Option<u64> {
    if path.extension()? != EXTENSION {
        return None;
    }
    let stem = path.file_stem()?.to_str()?;
    if stem.len() != 20 || !stem.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    stem.parse().ok()
}

/// The records of one segment's bytes: decoded items, whether a record could not be decoded,
/// and warnings.
fn read_segment<I: DeserializeOwned>(name: &str, bytes: &[u8], items: &mut Vec<I>, warnings: &mut Vec<String>) -> bool {
    let mut undecodable = false;
    let Some(mut rest) = bytes.strip_prefix(MAGIC.as_slice()) else {
        warnings.push(format!("{name}: not a spool segment (no magic header); left in place and ignored"));
        return true;
    };
    let mut offset = MAGIC.len();
    while !rest.is_empty() {
        let problem = match record_at(rest) {
            Err(problem) => Some(problem),
            Ok(payload) => {
                match serde_json::from_slice::<I>(payload) {
                    Ok(item) => items.push(item),
                    Err(e) => {
                        undecodable = true;
                        warnings.push(format!(
                            "{name}: the record at byte {offset} does not decode ({e}); it stays in the file"
                        ));
                    }
                }
                rest = &rest[HEADER + payload.len()..];
                offset += HEADER + payload.len();
                None
            }
        };
        if let Some(problem) = problem {
            // Damage in the middle costs only the damaged bytes: reading goes on at the next
            // place where an intact record starts (its length fits and its CRC-32 matches).
            // A torn last record has none after it.
            match (1..rest.len()).find(|&at| record_at(&rest[at..]).is_ok()) {
                Some(skip) => {
                    warnings.push(format!(
                        "{name}: {problem} at byte {offset} (the file is damaged); {skip} byte(s) skipped, \
                         reading goes on at byte {} with the next intact record",
                        offset + skip
                    ));
                    rest = &rest[skip..];
                    offset += skip;
                }
                None => {
                    warnings.push(format!(
                        "{name}: {problem} at byte {offset} (the write was interrupted, or the file is damaged); \
                         the {} byte(s) from there on are skipped, the {} record(s) before it are kept",
                        rest.len(),
                        items.len()
                    ));
                    break;
                }
            }
        }
    }
    undecodable
}

/// The payload of the record at the start of `bytes` if it is intact (a possible length, the
/// whole payload, a matching CRC-32), or what is wrong with it.
fn record_at(bytes: &[u8]) -> Result<&[u8], &'static str> {
    if bytes.len() < HEADER {
        return Err("a record header cut short");
    }
    let len = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
    let crc = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
    if len == 0 || len > MAX_RECORD {
        return Err("an impossible record length");
    }
    let Some(payload) = bytes.get(HEADER..HEADER + len) else {
        return Err("a record cut short");
    };
    if crc32fast::hash(payload) != crc {
        return Err("a record whose checksum does not match");
    }
    Ok(payload)
}

impl Spool {
    /// Opens the spool in `options.dir` (creating the directory) and reads back every record
    /// it holds. `batch_size` is the ingestor's batch size: the default segment size, and the
    /// sync interval of [`FsyncPolicy::EveryBatch`].
    pub fn open<I: DeserializeOwned>(
        options: &SpoolOptions,
        batch_size: usize,
    ) -> Result<(Spool, Recovered<I>), SpoolError> {
        let dir = options.dir.clone();
        std::fs::create_dir_all(&dir).map_err(|e| SpoolError::new("create the directory", &dir, e))?;
        let lock_path = dir.join(LOCK_FILE);
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| SpoolError::new("open the lock file", &lock_path, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let busy = io::Error::new(
                    io::ErrorKind::WouldBlock,
                    "another ingestor (in this process or another) has this spool open; give each its own directory",
                );
                return Err(SpoolError::new("lock", &lock_path, busy));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(SpoolError::new("lock", &lock_path, e)),
        }
        let entries = std::fs::read_dir(&dir).map_err(|e| SpoolError::new("list the directory", &dir, e))?;
        let mut ids = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| SpoolError::new("list the directory", &dir, e))?;
            if let Some(id) = segment_id(&entry.path()) {
                ids.push(id);
            }
        }
        ids.sort_unstable();
        let mut segments = BTreeMap::new();
        let mut recovered = Recovered { items: Vec::new(), warnings: Vec::new() };
        for &id in &ids {
            let path = segment_path(&dir, id);
            let bytes = std::fs::read(&path).map_err(|e| SpoolError::new("read", &path, e))?;
            if bytes.len() < MAGIC.len() && MAGIC.starts_with(&bytes) {
                // created, but the process died before its first record: nothing in it
                std::fs::remove_file(&path).map_err(|e| SpoolError::new("remove", &path, e))?;
                continue;
            }
            let name = path.display().to_string();
            let mut items = Vec::new();
            let keep = read_segment(&name, &bytes, &mut items, &mut recovered.warnings);
            segments.insert(id, Segment { records: items.len(), acked: 0, sealed: true, keep });
            recovered.items.extend(items.into_iter().map(|item| (id, item)));
        }
        // Segments holding nothing to send and nothing to keep go now.
        let empty: Vec<u64> = segments.iter().filter(|(_, s)| s.records == 0 && !s.keep).map(|(id, _)| *id).collect();
        for id in empty {
            let path = segment_path(&dir, id);
            std::fs::remove_file(&path).map_err(|e| SpoolError::new("remove", &path, e))?;
            segments.remove(&id);
        }
        for warning in &recovered.warnings {
            tracing::warn!(spool = %dir.display(), "{warning}");
        }
        let batch_size = batch_size.max(1);
        let spool = Spool {
            dir,
            fsync: options.fsync,
            segment_events: options.segment_events.unwrap_or(batch_size).max(1),
            sync_every: batch_size,
            active: None,
            segments,
            next_id: ids.last().map_or(1, |id| id + 1),
            unsynced: 0,
            buffer: Vec::new(),
            lock: Some(lock),
        };
        Ok((spool, recovered))
    }

    /// The directory of the spool.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Appends `item` as one record (one `write`), syncing as the policy says; returns the
    /// segment it went to.
    pub fn append<I: Serialize>(&mut self, item: &I) -> Result<u64, SpoolError> {
        self.buffer.clear();
        self.buffer.extend_from_slice(&[0; HEADER]);
        if let Err(e) = serde_json::to_writer(&mut self.buffer, item) {
            return Err(SpoolError::new(
                "encode an item for",
                &self.dir,
                io::Error::new(io::ErrorKind::InvalidData, e),
            ));
        }
        let len = self.buffer.len() - HEADER;
        let Ok(len32) = u32::try_from(len) else {
            return Err(SpoolError::new(
                "write a record larger than 4 GiB to",
                &self.dir,
                io::Error::from(io::ErrorKind::InvalidInput),
            ));
        };
        let crc = crc32fast::hash(&self.buffer[HEADER..]);
        self.buffer[..4].copy_from_slice(&len32.to_le_bytes());
        self.buffer[4..HEADER].copy_from_slice(&crc.to_le_bytes());
        if self.active.as_ref().is_some_and(|a| a.records >= self.segment_events) {
            self.seal()?;
        }
        if self.active.is_none() {
            self.start_segment()?;
        }
        let Some(active) = self.active.as_mut() else {
            return Err(SpoolError::new("open a segment in", &self.dir, io::Error::from(io::ErrorKind::NotFound)));
        };
        let id = active.id;
        if let Err(e) = active.file.write_all(&self.buffer) {
            // A partial record may be in the file now: close the segment so that nothing is
            // appended after it (the reader stops at the damaged record, keeping those before).
            let path = segment_path(&self.dir, id);
            let _ = self.seal();
            return Err(SpoolError::new("append to", &path, e));
        }
        active.records += 1;
        if let Some(segment) = self.segments.get_mut(&id) {
            segment.records += 1;
        }
        self.unsynced += 1;
        match self.fsync {
            FsyncPolicy::EveryEvent => self.sync()?,
            FsyncPolicy::EveryBatch if self.unsynced >= self.sync_every => self.sync()?,
            _ => {}
        }
        Ok(id)
    }

    /// Forces what was appended to disk (`fdatasync`), if anything was.
    pub fn sync(&mut self) -> Result<(), SpoolError> {
        if self.unsynced == 0 {
            return Ok(());
        }
        if let Some(active) = &self.active {
            active.file.sync_data().map_err(|e| SpoolError::new("sync", &segment_path(&self.dir, active.id), e))?;
        }
        self.unsynced = 0;
        Ok(())
    }

    /// Whether records were appended since the last sync.
    pub fn has_unsynced(&self) -> bool {
        self.unsynced > 0
    }

    /// Records that `count` records of segment `id` were accepted; deletes the segment once it
    /// is closed and all its records are.
    pub fn ack(&mut self, id: u64, count: usize) -> Result<(), SpoolError> {
        let done = match self.segments.get_mut(&id) {
            Some(segment) => {
                segment.acked += count;
                segment.sealed && !segment.keep && segment.acked >= segment.records
            }
            None => false,
        };
        if done {
            self.remove(id)?;
        }
        Ok(())
    }

    /// Closes the segment being written (syncing it), deleting it if all its records were
    /// accepted; the next append starts a new one. Releases the directory's lock, so another
    /// ingestor may open it.
    pub fn close(&mut self) -> Result<(), SpoolError> {
        let sealed = self.seal();
        self.lock = None;
        sealed
    }

    /// Segment files not deleted yet (the one being written included).
    pub fn segment_count(&self) -> usize {
        self.segments.len()
    }

    fn remove(&mut self, id: u64) -> Result<(), SpoolError> {
        self.segments.remove(&id);
        let path = segment_path(&self.dir, id);
        std::fs::remove_file(&path).map_err(|e| SpoolError::new("remove", &path, e))
    }

    fn start_segment(&mut self) -> Result<(), SpoolError> {
        let id = self.next_id;
        let path = segment_path(&self.dir, id);
        let mut file = OpenOptions::new()
            .append(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| SpoolError::new("create", &path, e))?;
        file.write_all(MAGIC).map_err(|e| SpoolError::new("write", &path, e))?;
        // The new file's name must survive a machine crash too: sync the directory (where the
        // platform allows opening one).
        if let Ok(dir) = File::open(&self.dir) {
            let _ = dir.sync_all();
        }
        self.next_id += 1;
        self.segments.insert(id, Segment { records: 0, acked: 0, sealed: false, keep: false });
        self.active = Some(Active { id, file, records: 0 });
        Ok(())
    }

    /// Closes the active segment (syncing it) and deletes it if all its records were accepted.
    fn seal(&mut self) -> Result<(), SpoolError> {
        let sync = self.sync();
        let Some(active) = self.active.take() else {
            return sync;
        };
        let done = match self.segments.get_mut(&active.id) {
            Some(segment) => {
                segment.sealed = true;
                !segment.keep && segment.acked >= segment.records
            }
            None => false,
        };
        drop(active.file);
        if done {
            self.remove(active.id)?;
        }
        sync
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Item {
        id: String,
        n: u32,
    }

    /// A fresh directory under the system's temporary directory, removed when dropped (the
    /// runtime's tests are also compiled in generated crates, which have no `tempfile`).
    pub(in super::super) struct TempDir(PathBuf);

    impl TempDir {
        pub(in super::super) fn new() -> Self {
            static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let path = std::env::temp_dir().join(format!("sdk-runtime-spool-{}-{n}", std::process::id()));
            let _ = std::fs::remove_dir_all(&path);
            std::fs::create_dir_all(&path).unwrap();
            TempDir(path)
        }

        pub(in super::super) fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn item(n: u32) -> Item {
        Item { id: format!("id-{n}"), n }
    }

    /// The files of a spool directory, but its lock file.
    fn files(dir: &Path) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| !p.ends_with(LOCK_FILE)).collect();
        v.sort();
        v
    }

    /// Items 0..n appended to a fresh spool in `dir` (one segment): its path and bytes.
    fn one_segment(dir: &Path, n: u32) -> (PathBuf, Vec<u8>) {
        let (mut spool, _) = open(dir, 100);
        for i in 0..n {
            spool.append(&item(i)).unwrap();
        }
        drop(spool);
        let path = segment_path(dir, 1);
        let bytes = std::fs::read(&path).unwrap();
        (path, bytes)
    }

    /// Where the first `count + 1` records of a segment's bytes start.
    fn record_starts(segment: &[u8], count: usize) -> Vec<usize> {
        let mut starts = vec![MAGIC.len()];
        for _ in 0..count {
            let at = *starts.last().unwrap();
            let len = u32::from_le_bytes(segment[at..at + 4].try_into().unwrap()) as usize;
            starts.push(at + HEADER + len);
        }
        starts
    }

    fn open(dir: &Path, segment: usize) -> (Spool, Recovered<Item>) {
        Spool::open::<Item>(&SpoolOptions::new(dir).segment_events(segment), 10).unwrap()
    }

    #[test]
    fn appended_records_come_back_in_order_and_accepted_segments_are_deleted() {
        let dir = TempDir::new();
        let (mut spool, recovered) = open(dir.path(), 3);
        assert!(recovered.items.is_empty() && recovered.warnings.is_empty());
        let segs: Vec<u64> = (0..7).map(|n| spool.append(&item(n)).unwrap()).collect();
        assert_eq!(segs, [1, 1, 1, 2, 2, 2, 3]);
        assert_eq!(files(dir.path()).len(), 3);
        // segment 1 accepted: deleted; segment 3 is still being written: kept
        spool.ack(1, 3).unwrap();
        spool.ack(3, 1).unwrap();
        assert_eq!(files(dir.path()).len(), 2);
        drop(spool);

        let (mut spool, recovered) = open(dir.path(), 3);
        assert!(recovered.warnings.is_empty(), "{:?}", recovered.warnings);
        let got: Vec<(u64, u32)> = recovered.items.iter().map(|(s, i)| (*s, i.n)).collect();
        // segment 3's record was accepted but its segment was still open: sent again (same id)
        assert_eq!(got, [(2, 3), (2, 4), (2, 5), (3, 6)]);
        assert_eq!(spool.append(&item(7)).unwrap(), 4, "new records go to a new segment");
        spool.ack(2, 3).unwrap();
        spool.ack(3, 1).unwrap();
        assert_eq!(files(dir.path()), [segment_path(dir.path(), 4)]);
    }

    #[test]
    fn a_torn_last_record_is_skipped_with_a_warning_and_earlier_records_are_kept() {
        let dir = TempDir::new();
        let (path, full) = one_segment(dir.path(), 5);
        // every possible cut inside the last record
        let last_start = record_starts(&full, 4)[4];
        for cut in last_start + 1..full.len() {
            std::fs::write(&path, &full[..cut]).unwrap();
            let (_, recovered) = open(dir.path(), 100);
            let ns: Vec<u32> = recovered.items.iter().map(|(_, i)| i.n).collect();
            assert_eq!(ns, [0, 1, 2, 3], "cut at {cut}");
            assert_eq!(recovered.warnings.len(), 1, "cut at {cut}: {:?}", recovered.warnings);
            assert!(recovered.warnings[0].contains("cut short"), "{}", recovered.warnings[0]);
        }
        // a flipped byte in the last payload: checksum mismatch
        let mut flipped = full.clone();
        let at = full.len() - 3;
        flipped[at] ^= 0x20;
        std::fs::write(&path, &flipped).unwrap();
        let (_, recovered) = open(dir.path(), 100);
        assert_eq!(recovered.items.len(), 4);
        assert!(recovered.warnings[0].contains("checksum"), "{:?}", recovered.warnings);
    }

    #[test]
    fn damage_in_the_middle_costs_only_the_damaged_record() {
        let dir = TempDir::new();
        let (path, full) = one_segment(dir.path(), 10);
        // the start of record 4, and of record 5
        let starts = record_starts(&full, 5);
        // a flipped byte in the payload of record 4, then in its length field
        for at in [starts[4] + HEADER + 2, starts[4] + 1] {
            let mut damaged = full.clone();
            damaged[at] ^= 0x41;
            std::fs::write(&path, &damaged).unwrap();
            let (_, recovered) = open(dir.path(), 100);
            let ns: Vec<u32> = recovered.items.iter().map(|(_, i)| i.n).collect();
            assert_eq!(ns, [0, 1, 2, 3, 5, 6, 7, 8, 9], "byte {at}: {:?}", recovered.warnings);
            assert_eq!(recovered.warnings.len(), 1, "{:?}", recovered.warnings);
            let expected = format!("reading goes on at byte {}", starts[5]);
            assert!(recovered.warnings[0].contains(&expected), "{}", recovered.warnings[0]);
        }
    }

    #[test]
    fn garbage_files_and_undecodable_records_are_reported_and_kept() {
        let dir = TempDir::new();
        std::fs::write(segment_path(dir.path(), 1), b"not a spool at all").unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"unrelated").unwrap();
        // a segment with an intact record that is not an Item, then a good one
        let mut bytes = MAGIC.to_vec();
        for payload in [&b"{\"other\":true}"[..], &serde_json::to_vec(&item(9)).unwrap()] {
            bytes.extend_from_slice(&(payload.len() as u32).to_le_bytes());
            bytes.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
            bytes.extend_from_slice(payload);
        }
        std::fs::write(segment_path(dir.path(), 2), &bytes).unwrap();
        // a segment created by a process that died at once
        std::fs::write(segment_path(dir.path(), 3), &MAGIC[..3]).unwrap();
        let (mut spool, recovered) = open(dir.path(), 10);
        assert_eq!(recovered.items, [(2, item(9))]);
        assert_eq!(recovered.warnings.len(), 2, "{:?}", recovered.warnings);
        assert!(recovered.warnings[0].contains("not a spool segment"));
        assert!(recovered.warnings[1].contains("does not decode"));
        assert!(!segment_path(dir.path(), 3).exists(), "the empty segment is removed");
        // accepting the good record does not delete the file that still holds the other one
        spool.ack(2, 1).unwrap();
        assert!(segment_path(dir.path(), 2).exists());
        assert!(dir.path().join("notes.txt").exists() && segment_path(dir.path(), 1).exists());
        assert_eq!(spool.append(&item(1)).unwrap(), 4);
    }

    #[test]
    fn fsync_policies_sync_when_they_say() {
        let dir = TempDir::new();
        let options = SpoolOptions::new(dir.path()).fsync(FsyncPolicy::EveryEvent);
        let (mut spool, _) = Spool::open::<Item>(&options, 4).unwrap();
        spool.append(&item(1)).unwrap();
        assert!(!spool.has_unsynced());
        drop(spool);
        let options = SpoolOptions::new(dir.path()).fsync(FsyncPolicy::EveryBatch);
        let (mut spool, _) = Spool::open::<Item>(&options, 4).unwrap();
        for n in 0..3 {
            spool.append(&item(n)).unwrap();
        }
        assert!(spool.has_unsynced());
        spool.append(&item(3)).unwrap();
        assert!(!spool.has_unsynced(), "synced after a batch of 4");
        drop(spool);
        let options = SpoolOptions::new(dir.path()).fsync(FsyncPolicy::Interval(Duration::from_secs(1)));
        let (mut spool, recovered) = Spool::open::<Item>(&options, 4).unwrap();
        assert_eq!(recovered.items.len(), 5);
        spool.append(&item(5)).unwrap();
        assert!(spool.has_unsynced());
        spool.sync().unwrap();
        assert!(!spool.has_unsynced());
    }

    #[test]
    fn one_spool_at_a_time_per_directory() {
        let dir = TempDir::new();
        let (mut first, _) = open(dir.path(), 3);
        first.append(&item(1)).unwrap();
        let err = Spool::open::<Item>(&SpoolOptions::new(dir.path()), 10).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("lock") && text.contains("another ingestor"), "{text}");
        // Closing (or dropping) the first releases the directory; the next one reads its record.
        first.close().unwrap();
        let (_second, recovered) = open(dir.path(), 3);
        assert_eq!(recovered.items.len(), 1);
    }

    #[test]
    fn an_unusable_directory_is_a_clear_error() {
        let dir = TempDir::new();
        let file = dir.path().join("a-file");
        std::fs::write(&file, b"x").unwrap();
        let err = Spool::open::<Item>(&SpoolOptions::new(&file), 10).unwrap_err();
        assert!(err.to_string().contains("a-file"), "{err}");
        assert_eq!(err.path(), file);
    }
}
