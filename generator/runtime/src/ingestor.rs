//! The ingestor: a background batcher for a bulk operation. [`Ingestor::send`] queues an item
//! (after giving it its idempotency key) and returns at once; a background task sends the
//! queue in batches, when a batch is full or after a flush interval, several at a time, each
//! batch through the operation's call with the client's retries, timeouts, hooks and tracing.
//!
//! It is generic over the item type and over the function that sends one batch, supplied by
//! the generated crate (the way [`run_batches`](super::bulk::run_batches) is), so it knows
//! nothing of HTTP. With a [`SpoolOptions`], every item is also written to a durable log before
//! `send` returns, removed once the API accepted it (or refused it for good), and sent again by
//! the next ingestor that opens the same directory.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Poll;
use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::{mpsc, watch, Notify, Semaphore, TryAcquireError};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::bulk::FailedBatch;
use super::spool::Spool;
pub use super::spool::{FsyncPolicy, SpoolError, SpoolOptions};

/// What [`Ingestor::send`] does when the queue holds [`IngestorOptions::capacity`] events.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum WhenFull {
    /// Wait until the background task has made room (the default).
    #[default]
    Wait,
    /// Return [`SendError`] at once, with the event, so the caller decides.
    Reject,
}

/// How an [`Ingestor`] batches, how much it holds, and whether it spools to disk.
///
/// | field | default |
/// | --- | --- |
/// | `batch_size` | `None`: the largest batch the operation accepts |
/// | `flush_interval` | 1 s |
/// | `concurrency` | 4 batches in flight |
/// | `capacity` | 20,000 events queued or in flight |
/// | `when_full` | [`WhenFull::Wait`] |
/// | `spool` | `None`: in memory only |
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct IngestorOptions {
    /// Events per batch; `None` uses the largest batch the operation accepts. Values above that
    /// maximum are lowered to it; 0 counts as 1.
    pub batch_size: Option<usize>,
    /// A batch that is not full is sent at the latest this long after its first event was
    /// queued (or after the previous batch left).
    pub flush_interval: Duration,
    /// Batches in flight at once; 0 counts as 1.
    pub concurrency: usize,
    /// Most events held in memory (queued or in flight); the memory bound. 0 counts as 1.
    pub capacity: usize,
    /// What `send` does when `capacity` events are held.
    pub when_full: WhenFull,
    /// Write every event to a durable log first.
    pub spool: Option<SpoolOptions>,
}

impl Default for IngestorOptions {
    fn default() -> Self {
        IngestorOptions {
            batch_size: None,
            flush_interval: Duration::from_secs(1),
            concurrency: 4,
            capacity: 20_000,
            when_full: WhenFull::Wait,
            spool: None,
        }
    }
}

impl IngestorOptions {
    /// Default options.
    pub fn new() -> Self {
        IngestorOptions::default()
    }

    /// Sets the number of events per batch.
    pub fn batch_size(mut self, size: usize) -> Self {
        self.batch_size = Some(size);
        self
    }

    /// Sets how long a batch that is not full may wait.
    pub fn flush_interval(mut self, interval: Duration) -> Self {
        self.flush_interval = interval;
        self
    }

    /// Sets how many batches may be in flight at once.
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency;
        self
    }

    /// Sets the most events held in memory.
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity;
        self
    }

    /// Sets what `send` does when the ingestor is full.
    pub fn when_full(mut self, policy: WhenFull) -> Self {
        self.when_full = policy;
        self
    }

    /// Writes every event to a durable spool in `spool.dir` before `send` returns.
    pub fn spool(mut self, spool: SpoolOptions) -> Self {
        self.spool = Some(spool);
        self
    }
}

/// Why an [`Ingestor`] could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum StartError {
    /// It was not started from within a Tokio runtime, which its background task needs.
    NoRuntime,
    /// The spool directory could not be opened or read.
    Spool(SpoolError),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::NoRuntime => f.write_str("the ingestor must be started from within a Tokio runtime"),
            StartError::Spool(e) => write!(f, "the ingestor cannot open its spool: {e}"),
        }
    }
}

impl std::error::Error for StartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StartError::NoRuntime => None,
            StartError::Spool(e) => Some(e),
        }
    }
}

/// Why [`Ingestor::send`] did not take an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SendErrorKind {
    /// The ingestor holds `capacity` events and its policy is [`WhenFull::Reject`] (or the
    /// call was [`Ingestor::try_send`]).
    Full,
    /// The ingestor was shut down.
    Closed,
    /// The event could not be written to the spool.
    Spool,
}

/// An event [`Ingestor::send`] did not take: why, and the event itself, given back.
pub struct SendError<I> {
    kind: SendErrorKind,
    item: I,
    spool: Option<SpoolError>,
}

impl<I> SendError<I> {
    /// Why the event was not taken.
    pub fn kind(&self) -> SendErrorKind {
        self.kind
    }

    /// The spool error, for [`SendErrorKind::Spool`].
    pub fn spool_error(&self) -> Option<&SpoolError> {
        self.spool.as_ref()
    }

    /// The event that was not taken.
    pub fn item(&self) -> &I {
        &self.item
    }

    /// The event that was not taken.
    pub fn into_item(self) -> I {
        self.item
    }
}

impl<I> fmt::Debug for SendError<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendError").field("kind", &self.kind).field("spool", &self.spool).finish_non_exhaustive()
    }
}

impl<I> fmt::Display for SendError<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.kind, &self.spool) {
            (SendErrorKind::Full, _) => f.write_str("the ingestor is full; the event was given back"),
            (SendErrorKind::Closed, _) => f.write_str("the ingestor is shut down; the event was given back"),
            (SendErrorKind::Spool, Some(e)) => write!(f, "{e}; the event was given back"),
            (SendErrorKind::Spool, None) => f.write_str("the spool failed; the event was given back"),
        }
    }
}

impl<I> std::error::Error for SendError<I> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.spool.as_ref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// The counters of an [`Ingestor`], at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct IngestorStats {
    /// Events taken by `send` (and read back from the spool at start).
    pub enqueued: u64,
    /// Events in batches the API accepted.
    pub accepted: u64,
    /// Events sent again by a retry of their batch (an event sent three times counts twice).
    pub retried: u64,
    /// Events in batches that finally failed (given back through [`Ingestor::failures`]).
    pub failed: u64,
    /// Events queued or in flight.
    pub pending: u64,
    /// Events read back from the spool when the ingestor started.
    pub recovered: u64,
}

/// What [`Ingestor::shutdown`] ends with.
#[derive(Debug)]
pub struct ShutdownReport<I, E> {
    stats: IngestorStats,
    failed: Vec<FailedBatch<I, E>>,
    unsent: Vec<I>,
    completed: bool,
}

impl<I, E> ShutdownReport<I, E> {
    /// The counters at the end.
    pub fn stats(&self) -> IngestorStats {
        self.stats
    }

    /// Failed batches not taken from [`Ingestor::failures`] before the shutdown.
    pub fn failed(&self) -> &[FailedBatch<I, E>] {
        &self.failed
    }

    /// Events still queued or in flight at the deadline, given back (with a spool, they are
    /// also still in it, and the next ingestor on the same directory sends them).
    pub fn unsent(&self) -> &[I] {
        &self.unsent
    }

    /// Whether the queue drained before the deadline: every event was accepted or reported
    /// failed. A failed batch does not make this `false`; [`all_accepted`](Self::all_accepted)
    /// says whether every event got through.
    pub fn is_complete(&self) -> bool {
        self.completed
    }

    /// Whether every event this ingestor took was accepted by the API: the queue drained before
    /// the deadline and no batch failed in the ingestor's life (whether or not its failures were
    /// taken from [`Ingestor::failures`]).
    pub fn all_accepted(&self) -> bool {
        self.completed && self.stats.failed == 0
    }

    /// The failed batches and the unsent events.
    pub fn into_parts(self) -> (Vec<FailedBatch<I, E>>, Vec<I>) {
        (self.failed, self.unsent)
    }
}

/// The receiving end of the failed batches: every batch that finally failed (after the
/// retries of the client's policy) comes back here, with its events and the error.
#[derive(Debug)]
pub struct Failures<I, E> {
    rx: mpsc::UnboundedReceiver<FailedBatch<I, E>>,
}

impl<I, E> Failures<I, E> {
    /// The next failed batch; `None` once the ingestor is shut down and every failed batch
    /// was received.
    pub async fn recv(&mut self) -> Option<FailedBatch<I, E>> {
        self.rx.recv().await
    }

    /// A failed batch if one is waiting, without waiting.
    pub fn try_recv(&mut self) -> Option<FailedBatch<I, E>> {
        self.rx.try_recv().ok()
    }
}

/// The future of one batch send: how many attempts it took, and the outcome.
pub type BatchFuture<E> = Pin<Box<dyn Future<Output = (u32, Result<(), E>)> + Send + 'static>>;

/// What the generated code tells the ingestor about its items.
#[derive(Clone, Copy, Debug)]
pub struct ItemHooks<I> {
    /// Gives the item its idempotency keys (called in `send`, before it is queued).
    pub prepare: fn(&mut I),
    /// The item's idempotency key, returned by `send`.
    pub key: fn(&I) -> Option<String>,
}

/// The events waiting to be sent, already cut into batches as they arrive: `send` pushes onto
/// the last batch (one move of the event), the worker takes whole batches from the front.
/// Every batch but the last is full. Buffers of accepted batches come back through `recycle`,
/// so a steady stream reuses the same few buffers instead of touching fresh memory.
struct Queue<I> {
    batches: VecDeque<Pending<I>>,
    len: usize,
    batch_size: usize,
    /// The capacity of a new batch buffer (the batch size, at most the memory bound).
    buffer: usize,
    spare: Vec<Vec<I>>,
}

/// A batch being filled or waiting: its events and their spool segments as (segment, events)
/// runs, in order.
struct Pending<I> {
    items: Vec<I>,
    segments: Vec<(u64, usize)>,
}

impl<I> Queue<I> {
    fn new(batch_size: usize, capacity: usize) -> Self {
        Queue { batches: VecDeque::new(), len: 0, batch_size, buffer: batch_size.min(capacity), spare: Vec::new() }
    }

    fn len(&self) -> usize {
        self.len
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn push(&mut self, item: I, segment: u64) {
        let open = self.batches.back().is_some_and(|b| b.items.len() < self.batch_size);
        if !open {
            let items = self.spare.pop().unwrap_or_else(|| Vec::with_capacity(self.buffer));
            self.batches.push_back(Pending { items, segments: Vec::new() });
        }
        let batch = self.batches.back_mut().expect("a batch to fill");
        batch.items.push(item);
        match batch.segments.last_mut() {
            Some((last, count)) if *last == segment => *count += 1,
            _ => batch.segments.push((segment, 1)),
        }
        self.len += 1;
    }

    /// The batch at the front, full or not.
    fn pop(&mut self) -> Option<Pending<I>> {
        let batch = self.batches.pop_front()?;
        self.len -= batch.items.len();
        Some(batch)
    }

    /// Every queued event, in order.
    fn drain(&mut self) -> impl Iterator<Item = I> + '_ {
        self.len = 0;
        self.batches.drain(..).flat_map(|b| b.items)
    }

    /// Takes back the buffer of a batch that was sent.
    fn recycle(&mut self, mut items: Vec<I>) {
        items.clear();
        if self.spare.len() < 16 {
            self.spare.push(items);
        }
    }
}

struct State<I> {
    queue: Queue<I>,
    /// Events taken so far; the sequence number of the next one.
    enqueued: u64,
    /// Events cut into batches so far; the sequence number of the queue's front.
    cut: u64,
    /// Partial batches are cut until `cut` reaches this (set by `flush`).
    flush_to: u64,
    /// When the oldest queued event arrived (or the previous batch left).
    since: Option<Instant>,
    /// No more events are taken; the worker sends what is left and stops.
    closing: bool,
    /// The shutdown deadline passed: the worker stops now and gives everything back.
    abort: bool,
    spool: Option<Spool>,
}

struct Counters {
    enqueued: AtomicU64,
    accepted: AtomicU64,
    retried: AtomicU64,
    failed: AtomicU64,
    pending: AtomicU64,
    recovered: AtomicU64,
}

struct Shared<I, E> {
    state: Mutex<State<I>>,
    /// Wakes the worker: a full batch, a first event, a flush, a shutdown.
    wake: Notify,
    /// One permit per event that may still be held.
    space: Semaphore,
    when_full: WhenFull,
    batch_size: usize,
    hooks: ItemHooks<I>,
    counters: Counters,
    /// Every event with a lower sequence number is accepted or failed.
    done: watch::Sender<u64>,
    failures: Mutex<Option<mpsc::UnboundedReceiver<FailedBatch<I, E>>>>,
    /// Failed batches whose receiver was taken and dropped: kept for the shutdown report.
    unclaimed: Mutex<Vec<FailedBatch<I, E>>>,
    worker: Mutex<Option<JoinHandle<Vec<I>>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The state stays consistent across a panic elsewhere (no invariant spans a panic point).
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl<I, E> Shared<I, E> {
    fn stats(&self) -> IngestorStats {
        let c = &self.counters;
        IngestorStats {
            enqueued: c.enqueued.load(Ordering::Relaxed),
            accepted: c.accepted.load(Ordering::Relaxed),
            retried: c.retried.load(Ordering::Relaxed),
            failed: c.failed.load(Ordering::Relaxed),
            pending: c.pending.load(Ordering::Relaxed),
            recovered: c.recovered.load(Ordering::Relaxed),
        }
    }

    fn close(&self) {
        lock(&self.state).closing = true;
        self.space.close();
        self.wake.notify_one();
    }
}

/// Closes the ingestor when the last handle is dropped: the worker sends what is queued, then
/// stops.
struct Handle<I, E> {
    shared: Arc<Shared<I, E>>,
}

impl<I, E> Drop for Handle<I, E> {
    fn drop(&mut self) {
        self.shared.close();
    }
}

/// A background batcher over a bulk operation: `send` queues an item (after giving it its
/// idempotency key) and returns at once; a background task sends the queue in batches.
///
/// Cheap to clone (clones share one queue and one background task) and safe to use from many
/// tasks. When the last clone is dropped, the background task still sends what is queued and
/// then stops; call [`shutdown`](Self::shutdown) to wait for that, with a deadline.
pub struct Ingestor<I, E> {
    handle: Arc<Handle<I, E>>,
}

impl<I, E> Clone for Ingestor<I, E> {
    fn clone(&self) -> Self {
        Ingestor { handle: Arc::clone(&self.handle) }
    }
}

impl<I, E> Ingestor<I, E> {
    /// The counters now.
    pub fn stats(&self) -> IngestorStats {
        self.handle.shared.stats()
    }
}

impl<I, E> fmt::Debug for Ingestor<I, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ingestor").field("stats", &self.stats()).finish_non_exhaustive()
    }
}

impl<I, E> Ingestor<I, E>
where
    I: Serialize + DeserializeOwned + Send + 'static,
    E: fmt::Display + Send + 'static,
{
    /// Starts an ingestor and its background task (on the current Tokio runtime).
    ///
    /// `max_batch` is the largest batch the operation accepts. `send` turns a batch into the
    /// future that sends it; it gives the items back at once (they stay with the ingestor, so
    /// that a batch abandoned at the shutdown deadline is given back too), and the future
    /// resolves to the number of attempts made and the outcome.
    ///
    /// With a spool, what it holds is read back first and queued before anything else.
    /// `retryable` tells a failure that may succeed later (the batch stays in the spool for the
    /// next start) from one the API refused (the batch leaves the spool: sending the same
    /// events again would fail again; they come back through [`failures`](Self::failures)).
    #[doc(hidden)]
    pub fn start<F>(
        options: IngestorOptions,
        max_batch: usize,
        hooks: ItemHooks<I>,
        retryable: fn(&E) -> bool,
        send: F,
    ) -> Result<Self, StartError>
    where
        F: Fn(Vec<I>) -> (Vec<I>, BatchFuture<E>) + Send + 'static,
    {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| StartError::NoRuntime)?;
        let batch_size = options.batch_size.unwrap_or(max_batch).min(max_batch).max(1);
        let capacity = options.capacity.clamp(1, Semaphore::MAX_PERMITS);
        let mut queue = Queue::new(batch_size, capacity);
        let spool = match &options.spool {
            Some(spool_options) => {
                let (spool, recovered) = Spool::open::<I>(spool_options, batch_size).map_err(StartError::Spool)?;
                for (segment, item) in recovered.items {
                    queue.push(item, segment);
                }
                Some(spool)
            }
            None => None,
        };
        let recovered = queue.len();
        let interval = match (&spool, options.spool.as_ref().map(|s| s.fsync)) {
            (Some(_), Some(FsyncPolicy::Interval(d))) => Some(d.max(Duration::from_millis(1))),
            _ => None,
        };
        let (failures_tx, failures_rx) = mpsc::unbounded_channel();
        let (done, _) = watch::channel(0);
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                queue,
                enqueued: recovered as u64,
                cut: 0,
                flush_to: 0,
                since: (recovered > 0).then(Instant::now),
                closing: false,
                abort: false,
                spool,
            }),
            wake: Notify::new(),
            space: Semaphore::new(capacity - recovered.min(capacity)),
            when_full: options.when_full,
            batch_size,
            hooks,
            counters: Counters {
                enqueued: AtomicU64::new(recovered as u64),
                accepted: AtomicU64::new(0),
                retried: AtomicU64::new(0),
                failed: AtomicU64::new(0),
                pending: AtomicU64::new(recovered as u64),
                recovered: AtomicU64::new(recovered as u64),
            },
            done,
            failures: Mutex::new(Some(failures_rx)),
            unclaimed: Mutex::new(Vec::new()),
            worker: Mutex::new(None),
        });
        if recovered > 0 {
            tracing::info!(events = recovered, "ingestor: sending the events left in the spool");
        }
        let worker = Worker {
            shared: Arc::clone(&shared),
            send,
            failures: failures_tx,
            retryable,
            concurrency: options.concurrency.max(1),
            flush_interval: options.flush_interval,
            sync_interval: interval,
            excess: recovered.saturating_sub(capacity),
            next_batch: 0,
        };
        let task = runtime.spawn(worker.run());
        *lock(&shared.worker) = Some(task);
        Ok(Ingestor { handle: Arc::new(Handle { shared }) })
    }
}

impl<I, E> Ingestor<I, E>
where
    I: Serialize,
{
    fn shared(&self) -> &Shared<I, E> {
        &self.handle.shared
    }

    /// Queues `item` and returns its idempotency key, without waiting for the network: the
    /// key is assigned here (unless the item has one), and with a spool the item is in the
    /// log when this returns. The key is `None` only for an item type without an idempotency
    /// key field (the spec marks none); for events it is always `Some`.
    ///
    /// When the ingestor is full it waits for room ([`WhenFull::Wait`]) or gives the item back
    /// ([`WhenFull::Reject`]). A shut-down ingestor, or a spool that cannot be written, gives
    /// the item back too: an event is never dropped silently.
    pub async fn send(&self, item: I) -> Result<Option<String>, SendError<I>> {
        let shared = self.shared();
        let permit = match shared.when_full {
            WhenFull::Wait => match shared.space.acquire().await {
                Ok(permit) => permit,
                Err(_) => return Err(SendError { kind: SendErrorKind::Closed, item, spool: None }),
            },
            WhenFull::Reject => match shared.space.try_acquire() {
                Ok(permit) => permit,
                Err(TryAcquireError::NoPermits) => {
                    return Err(SendError { kind: SendErrorKind::Full, item, spool: None })
                }
                Err(TryAcquireError::Closed) => {
                    return Err(SendError { kind: SendErrorKind::Closed, item, spool: None })
                }
            },
        };
        permit.forget();
        self.enqueue(item)
    }

    /// Like [`send`](Self::send), but never waits: when the ingestor is full, the item is
    /// given back whatever the [`WhenFull`] policy.
    pub fn try_send(&self, item: I) -> Result<Option<String>, SendError<I>> {
        match self.shared().space.try_acquire() {
            Ok(permit) => permit.forget(),
            Err(TryAcquireError::NoPermits) => return Err(SendError { kind: SendErrorKind::Full, item, spool: None }),
            Err(TryAcquireError::Closed) => return Err(SendError { kind: SendErrorKind::Closed, item, spool: None }),
        }
        self.enqueue(item)
    }

    /// Queues an item for which a permit was taken.
    fn enqueue(&self, mut item: I) -> Result<Option<String>, SendError<I>> {
        let shared = self.shared();
        (shared.hooks.prepare)(&mut item);
        let key = (shared.hooks.key)(&item);
        let mut state = lock(&shared.state);
        if state.closing {
            drop(state);
            shared.space.add_permits(1);
            return Err(SendError { kind: SendErrorKind::Closed, item, spool: None });
        }
        let segment = match state.spool.as_mut().map(|spool| spool.append(&item)) {
            None => 0,
            Some(Ok(segment)) => segment,
            Some(Err(e)) => {
                drop(state);
                shared.space.add_permits(1);
                return Err(SendError { kind: SendErrorKind::Spool, item, spool: Some(e) });
            }
        };
        state.queue.push(item, segment);
        state.enqueued += 1;
        let len = state.queue.len();
        if len == 1 {
            state.since = Some(Instant::now());
        }
        drop(state);
        shared.counters.enqueued.fetch_add(1, Ordering::Relaxed);
        shared.counters.pending.fetch_add(1, Ordering::Relaxed);
        if len == 1 || len == shared.batch_size {
            shared.wake.notify_one();
        }
        Ok(key)
    }

    /// Sends every event queued so far without waiting for the flush interval, and waits
    /// until each of them is accepted or reported failed.
    pub async fn flush(&self) {
        let shared = self.shared();
        let target = {
            let mut state = lock(&shared.state);
            state.flush_to = state.flush_to.max(state.enqueued);
            state.enqueued
        };
        shared.wake.notify_one();
        let mut done = shared.done.subscribe();
        let _ = done.wait_for(|low| *low >= target).await;
    }

    /// The failed batches, as they happen; `None` after the first call (there is one
    /// receiver). Batches not taken this way are in the [`ShutdownReport`].
    pub fn failures(&self) -> Option<Failures<I, E>> {
        lock(&self.shared().failures).take().map(|rx| Failures { rx })
    }

    /// Stops taking events (every clone of this handle then gives events back), sends what is
    /// queued, and waits until every event is accepted or reported failed, or until
    /// `deadline`. At the deadline, batches still in flight are abandoned and every event not
    /// accepted is given back in the report (and stays in the spool, if there is one).
    ///
    /// Calling it again (from a clone) returns the counters only.
    pub async fn shutdown(&self, deadline: Duration) -> ShutdownReport<I, E> {
        let shared = self.shared();
        shared.close();
        let task = lock(&shared.worker).take();
        let mut unsent = Vec::new();
        let mut completed = task.is_none() && shared.stats().pending == 0;
        if let Some(mut task) = task {
            match tokio::time::timeout(deadline, &mut task).await {
                Ok(Ok(left)) => {
                    completed = left.is_empty();
                    unsent = left;
                }
                // The background task panicked: whatever it held is lost to this process (a
                // spool still has it), so the shutdown is not complete.
                Ok(Err(_)) => completed = false,
                Err(_) => {
                    lock(&shared.state).abort = true;
                    shared.wake.notify_one();
                    unsent = task.await.unwrap_or_default();
                }
            }
        }
        let mut failed = std::mem::take(&mut *lock(&shared.unclaimed));
        if let Some(rx) = lock(&shared.failures).as_mut() {
            while let Ok(batch) = rx.try_recv() {
                failed.push(batch);
            }
        }
        failed.sort_by_key(|b| b.index());
        ShutdownReport { stats: shared.stats(), failed, unsent, completed }
    }
}

/// A batch in flight: its events (kept here while the request is out) and where they came from.
struct InFlight<I> {
    items: Vec<I>,
    start: u64,
    index: usize,
    /// (segment, events) runs, in order.
    segments: Vec<(u64, usize)>,
}

struct Worker<I, E, F> {
    shared: Arc<Shared<I, E>>,
    send: F,
    failures: mpsc::UnboundedSender<FailedBatch<I, E>>,
    retryable: fn(&E) -> bool,
    concurrency: usize,
    flush_interval: Duration,
    sync_interval: Option<Duration>,
    /// Events read back from the spool beyond `capacity`: their completion frees no room.
    excess: usize,
    next_batch: usize,
}

/// What woke the worker.
enum Event<E> {
    /// A batch finished: its key, attempts and outcome.
    Done((u64, (u32, Result<(), E>))),
    /// Something to look at: new events, a flush, a shutdown, or the flush interval.
    Wake,
    /// Time to sync the spool.
    Sync,
}

type Running<E> = Pin<Box<dyn Future<Output = (u64, (u32, Result<(), E>))> + Send>>;

impl<I, E, F> Worker<I, E, F>
where
    I: Send + 'static,
    E: fmt::Display + Send + 'static,
    F: Fn(Vec<I>) -> (Vec<I>, BatchFuture<E>) + Send + 'static,
{
    async fn run(mut self) -> Vec<I> {
        let shared = Arc::clone(&self.shared);
        let mut running: FuturesUnordered<Running<E>> = FuturesUnordered::new();
        let mut batches: HashMap<u64, InFlight<I>> = HashMap::new();
        let mut sync_tick = self.sync_interval.map(|d| {
            let mut tick = tokio::time::interval(d);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick
        });
        loop {
            let mut wake = std::pin::pin!(shared.wake.notified());
            wake.as_mut().enable();
            let (cut, low_cut, deadline) = {
                let mut state = lock(&shared.state);
                if state.abort {
                    break;
                }
                let cut = self.cut_batches(&mut state, running.len());
                if state.closing && state.queue.is_empty() && batches.is_empty() && cut.is_empty() {
                    if let Some(spool) = state.spool.as_mut() {
                        if let Err(e) = spool.close() {
                            tracing::warn!("ingestor: {e}");
                        }
                    }
                    break;
                }
                let deadline = match state.since {
                    Some(since) if !state.queue.is_empty() && running.len() + cut.len() < self.concurrency => {
                        Some(since + self.flush_interval)
                    }
                    _ => None,
                };
                (cut, state.cut, deadline)
            };
            // Encoding a batch takes a while: it is done without holding the lock `send` needs.
            for batch in cut {
                let start = batch.start;
                tracing::debug!(batch = batch.index, events = batch.items.len(), "ingestor: sending a batch");
                let (items, future) = (self.send)(batch.items);
                batches.insert(start, InFlight { items, ..batch });
                running.push(Box::pin(async move { (start, future.await) }));
            }
            let low = batches.keys().copied().min().map_or(low_cut, |b| b.min(low_cut));
            shared.done.send_if_modified(|current| {
                let changed = *current != low;
                *current = low;
                changed
            });
            let mut sleep = deadline.map(|d| Box::pin(tokio::time::sleep_until(d)));
            let event = std::future::poll_fn(|cx| {
                if !running.is_empty() {
                    if let Poll::Ready(Some(done)) = running.poll_next_unpin(cx) {
                        return Poll::Ready(Event::Done(done));
                    }
                }
                if wake.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Event::Wake);
                }
                if let Some(sleep) = sleep.as_mut() {
                    if sleep.as_mut().poll(cx).is_ready() {
                        return Poll::Ready(Event::Wake);
                    }
                }
                if let Some(tick) = sync_tick.as_mut() {
                    if tick.poll_tick(cx).is_ready() {
                        return Poll::Ready(Event::Sync);
                    }
                }
                Poll::Pending
            })
            .await;
            match event {
                Event::Done((id, (attempts, result))) => {
                    if let Some(batch) = batches.remove(&id) {
                        self.finish(batch, attempts, result);
                    }
                }
                Event::Wake => {}
                Event::Sync => {
                    if let Some(spool) = lock(&shared.state).spool.as_mut() {
                        if let Err(e) = spool.sync() {
                            tracing::warn!("ingestor: {e}");
                        }
                    }
                }
            }
        }
        // Stopped: give back what was not accepted (queued, and in flight if aborted).
        drop(running);
        let mut state = lock(&shared.state);
        let mut left: Vec<(u64, Vec<I>)> = batches.into_values().map(|b| (b.start, b.items)).collect();
        left.sort_by_key(|(start, _)| *start);
        let mut unsent: Vec<I> = left.into_iter().flat_map(|(_, items)| items).collect();
        unsent.extend(state.queue.drain());
        if let Some(spool) = state.spool.as_mut() {
            if let Err(e) = spool.close() {
                tracing::warn!("ingestor: {e}");
            }
        }
        drop(state);
        if !unsent.is_empty() {
            tracing::warn!(events = unsent.len(), "ingestor: stopped at the deadline with events not accepted");
        }
        shared.done.send_replace(u64::MAX);
        unsent
    }

    /// Cuts batches from the queue while there is a free slot and a batch is due.
    fn cut_batches(&mut self, state: &mut State<I>, running: usize) -> Vec<InFlight<I>> {
        let batch_size = self.shared.batch_size;
        let now = Instant::now();
        let mut cut = Vec::new();
        while running + cut.len() < self.concurrency && !state.queue.is_empty() {
            let due = state.queue.len() >= batch_size
                || state.cut < state.flush_to
                || state.closing
                || state.since.is_some_and(|since| now >= since + self.flush_interval);
            if !due {
                break;
            }
            let Some(Pending { items, segments }) = state.queue.pop() else { break };
            let n = items.len();
            let start = state.cut;
            state.cut += n as u64;
            state.since = (!state.queue.is_empty()).then_some(now);
            cut.push(InFlight { items, start, index: self.next_batch, segments });
            self.next_batch += 1;
        }
        cut
    }

    fn finish(&mut self, batch: InFlight<I>, attempts: u32, result: Result<(), E>) {
        let shared = Arc::clone(&self.shared);
        let InFlight { items, index, segments, .. } = batch;
        let n = items.len();
        let counters = &shared.counters;
        counters.retried.fetch_add(n as u64 * u64::from(attempts.saturating_sub(1)), Ordering::Relaxed);
        match result {
            Ok(()) => {
                let mut state = lock(&shared.state);
                // At worst a failed removal means the next start sends them again (with the
                // same keys, so the API drops the duplicates).
                remove_from_spool(&mut state, segments);
                state.queue.recycle(items);
                drop(state);
                counters.accepted.fetch_add(n as u64, Ordering::Relaxed);
            }
            Err(error) => {
                let retryable = (self.retryable)(&error);
                tracing::warn!(batch = index, events = n, attempts, retryable, %error, "ingestor: a batch failed; its events are given back");
                counters.failed.fetch_add(n as u64, Ordering::Relaxed);
                // A batch that may go through later (the API down longer than the retries)
                // stays in the spool, and the next start sends it again. One the API refused
                // leaves it: it would be refused at every start. Either way its events come
                // back to the caller.
                if !retryable {
                    remove_from_spool(&mut lock(&shared.state), segments);
                }
                if let Err(returned) = self.failures.send(FailedBatch::new(index, items, error)) {
                    // The receiver was taken and dropped: the shutdown report has the batch.
                    lock(&shared.unclaimed).push(returned.0);
                }
            }
        }
        counters.pending.fetch_sub(n as u64, Ordering::Relaxed);
        let held_over = self.excess.min(n);
        self.excess -= held_over;
        shared.space.add_permits(n - held_over);
    }
}

/// Removes a batch's events from the spool, if there is one: (segment, events) runs.
fn remove_from_spool<I>(state: &mut State<I>, segments: Vec<(u64, usize)>) {
    if let Some(spool) = state.spool.as_mut() {
        for (segment, count) in segments {
            if let Err(e) = spool.ack(segment, count) {
                tracing::warn!("ingestor: {e}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Ev {
        key: Option<String>,
        n: u32,
    }

    fn ev(n: u32) -> Ev {
        Ev { key: None, n }
    }

    static KEYS: AtomicU64 = AtomicU64::new(0);

    fn hooks() -> ItemHooks<Ev> {
        ItemHooks {
            prepare: |e| {
                if e.key.is_none() {
                    e.key = Some(format!("k{}", KEYS.fetch_add(1, Ordering::Relaxed)));
                }
            },
            key: |e| e.key.clone(),
        }
    }

    /// What the fake API saw: every batch, in the order they were sent.
    #[derive(Clone, Default)]
    struct Api {
        batches: Arc<Mutex<Vec<Vec<Ev>>>>,
    }

    impl Api {
        fn sent(&self) -> Vec<Vec<Ev>> {
            self.batches.lock().unwrap().clone()
        }

        /// A sender that records each batch, waits `latency`, then answers `outcome(batch)`.
        fn sender(
            &self,
            latency: Duration,
            outcome: impl Fn(&[Ev]) -> (u32, Result<(), String>) + Send + Sync + 'static,
        ) -> impl Fn(Vec<Ev>) -> (Vec<Ev>, BatchFuture<String>) + Send + 'static {
            let batches = Arc::clone(&self.batches);
            let outcome = Arc::new(outcome);
            move |batch: Vec<Ev>| {
                batches.lock().unwrap().push(batch.clone());
                let result = outcome(&batch);
                let future: BatchFuture<String> = Box::pin(async move {
                    tokio::time::sleep(latency).await;
                    result
                });
                (batch, future)
            }
        }
    }

    /// Every failure of these tests may succeed later.
    fn retry_all(_: &String) -> bool {
        true
    }

    fn ok(_: &[Ev]) -> (u32, Result<(), String>) {
        (1, Ok(()))
    }

    #[tokio::test(start_paused = true)]
    async fn full_batches_go_at_once_the_rest_after_the_flush_interval() {
        let api = Api::default();
        let options = IngestorOptions::new().flush_interval(Duration::from_millis(500)).capacity(10_000);
        let ingestor =
            Ingestor::start(options, 100, hooks(), retry_all, api.sender(Duration::from_millis(10), ok)).unwrap();
        let started = Instant::now();
        for n in 0..250 {
            let key = ingestor.send(ev(n)).await.unwrap();
            assert!(key.is_some_and(|k| k.starts_with('k')));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let sizes: Vec<usize> = api.sent().iter().map(Vec::len).collect();
        assert_eq!(sizes, [100, 100], "full batches are sent without waiting");
        assert_eq!(ingestor.stats().accepted, 200);
        assert_eq!(ingestor.stats().pending, 50);
        tokio::time::sleep(Duration::from_millis(500)).await;
        let sizes: Vec<usize> = api.sent().iter().map(Vec::len).collect();
        assert_eq!(sizes, [100, 100, 50], "the partial batch went after the interval");
        assert!(started.elapsed() >= Duration::from_millis(500));
        let report = ingestor.shutdown(Duration::from_secs(5)).await;
        assert!(report.is_complete());
        let stats = report.stats();
        assert_eq!((stats.enqueued, stats.accepted, stats.failed, stats.pending), (250, 250, 0, 0));
        let ns: Vec<u32> = api.sent().concat().iter().map(|e| e.n).collect();
        assert_eq!(ns, (0..250).collect::<Vec<_>>(), "in order, each once");
        assert!(api.sent().concat().iter().all(|e| e.key.is_some()), "keys are assigned at enqueue");
    }

    #[tokio::test(start_paused = true)]
    async fn flush_sends_a_partial_batch_and_waits_for_it() {
        let api = Api::default();
        let options = IngestorOptions::new().flush_interval(Duration::from_secs(3600));
        let ingestor =
            Ingestor::start(options, 100, hooks(), retry_all, api.sender(Duration::from_millis(20), ok)).unwrap();
        for n in 0..7 {
            ingestor.send(ev(n)).await.unwrap();
        }
        let before = Instant::now();
        ingestor.flush().await;
        assert!(before.elapsed() >= Duration::from_millis(20), "flush returned before the batch was answered");
        assert_eq!(ingestor.stats().accepted, 7);
        assert_eq!(api.sent().len(), 1);
        ingestor.flush().await; // nothing queued: returns at once
        assert_eq!(ingestor.shutdown(Duration::from_secs(1)).await.stats().accepted, 7);
    }

    #[tokio::test(start_paused = true)]
    async fn when_full_reject_gives_the_event_back_and_wait_waits_for_room() {
        let api = Api::default();
        let options = IngestorOptions::new().capacity(3).when_full(WhenFull::Reject).concurrency(1);
        let ingestor = Ingestor::start(options, 2, hooks(), retry_all, api.sender(Duration::from_secs(1), ok)).unwrap();
        for n in 0..3 {
            ingestor.send(ev(n)).await.unwrap();
        }
        let err = ingestor.send(ev(3)).await.unwrap_err();
        assert_eq!(err.kind(), SendErrorKind::Full);
        assert_eq!(err.into_item().n, 3);
        assert_eq!(ingestor.try_send(ev(4)).unwrap_err().kind(), SendErrorKind::Full);
        ingestor.shutdown(Duration::from_secs(10)).await;

        let api = Api::default();
        let options = IngestorOptions::new().capacity(3).concurrency(1);
        let ingestor = Ingestor::start(options, 2, hooks(), retry_all, api.sender(Duration::from_secs(1), ok)).unwrap();
        let started = Instant::now();
        for n in 0..5 {
            ingestor.send(ev(n)).await.unwrap();
        }
        // the 4th event waited for the first batch (2 events, 1 s) to free room
        assert!(started.elapsed() >= Duration::from_secs(1));
        let report = ingestor.shutdown(Duration::from_secs(10)).await;
        assert_eq!(report.stats().accepted, 5);
    }

    #[tokio::test(start_paused = true)]
    async fn failed_batches_come_back_with_their_events_and_retries_are_counted() {
        let api = Api::default();
        let sender = api.sender(Duration::from_millis(5), |batch| {
            if batch.iter().any(|e| e.n == 13) {
                (1, Err("rejected: 13".to_owned()))
            } else {
                (3, Ok(()))
            }
        });
        let ingestor = Ingestor::start(IngestorOptions::new(), 10, hooks(), retry_all, sender).unwrap();
        let mut failures = ingestor.failures().expect("the receiver");
        assert!(ingestor.failures().is_none(), "one receiver only");
        for n in 0..30 {
            ingestor.send(ev(n)).await.unwrap();
        }
        let failed = failures.recv().await.unwrap();
        assert_eq!(failed.index(), 1);
        assert_eq!(failed.error(), "rejected: 13");
        let ns: Vec<u32> = failed.items().iter().map(|e| e.n).collect();
        assert_eq!(ns, (10..20).collect::<Vec<_>>());
        let sent_keys: Vec<Option<String>> = api.sent()[1].iter().map(|e| e.key.clone()).collect();
        let back_keys: Vec<Option<String>> = failed.items().iter().map(|e| e.key.clone()).collect();
        assert_eq!(back_keys, sent_keys, "the events come back with the keys they were sent with");
        let report = ingestor.shutdown(Duration::from_secs(1)).await;
        let stats = report.stats();
        assert_eq!((stats.accepted, stats.failed, stats.pending), (20, 10, 0));
        assert_eq!(stats.retried, 20 * 2, "two extra attempts for each accepted event");
        assert!(report.is_complete() && !report.all_accepted(), "drained, but a batch failed");
        assert!(report.failed().is_empty(), "its failure was taken from `failures()`");
        assert!(failures.recv().await.is_none(), "the channel ends after the shutdown");
    }

    #[tokio::test(start_paused = true)]
    async fn the_shutdown_deadline_gives_back_what_is_in_flight_and_queued() {
        let api = Api::default();
        let options = IngestorOptions::new().concurrency(1);
        let ingestor =
            Ingestor::start(options, 5, hooks(), retry_all, api.sender(Duration::from_secs(3600), ok)).unwrap();
        let clone = ingestor.clone();
        for n in 0..12 {
            clone.send(ev(n)).await.unwrap();
        }
        let report = ingestor.shutdown(Duration::from_secs(2)).await;
        assert!(!report.is_complete() && !report.all_accepted());
        let ns: Vec<u32> = report.unsent().iter().map(|e| e.n).collect();
        assert_eq!(ns, (0..12).collect::<Vec<_>>(), "in-flight batch first, then the queue");
        assert_eq!(clone.send(ev(99)).await.unwrap_err().kind(), SendErrorKind::Closed);
        assert_eq!(clone.try_send(ev(99)).unwrap_err().kind(), SendErrorKind::Closed);
        clone.flush().await; // a stopped ingestor never makes flush hang
        assert_eq!(clone.shutdown(Duration::from_secs(1)).await.stats().accepted, 0);
    }

    #[tokio::test(start_paused = true)]
    async fn dropping_every_handle_still_sends_what_is_queued() {
        let api = Api::default();
        let ingestor =
            Ingestor::start(IngestorOptions::new(), 4, hooks(), retry_all, api.sender(Duration::from_millis(1), ok))
                .unwrap();
        for n in 0..6 {
            ingestor.send(ev(n)).await.unwrap();
        }
        drop(ingestor);
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(api.sent().concat().len(), 6);
    }

    #[test]
    fn starting_outside_a_runtime_is_an_error() {
        let api = Api::default();
        let err =
            Ingestor::start(IngestorOptions::new(), 4, hooks(), retry_all, api.sender(Duration::ZERO, ok)).unwrap_err();
        assert!(matches!(err, StartError::NoRuntime), "{err}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_refused_batch_leaves_the_spool_and_a_dropped_receiver_loses_nothing() {
        let dir = super::super::spool::tests::TempDir::new();
        let spool = SpoolOptions::new(dir.path()).segment_events(4);
        // Batches of 4: the one holding event 1 is refused (a 400), the one holding event 5
        // fails in a way that may pass later (a 503 after the retries).
        let api = Api::default();
        let sender = api.sender(Duration::from_millis(10), |batch| {
            if batch.iter().any(|e| e.n == 1) {
                (1, Err("400".to_owned()))
            } else if batch.iter().any(|e| e.n == 5) {
                (3, Err("503".to_owned()))
            } else {
                (1, Ok(()))
            }
        });
        fn only_503(error: &String) -> bool {
            error == "503"
        }
        let options = IngestorOptions::new().spool(spool.clone()).concurrency(1);
        let ingestor = Ingestor::start(options, 4, hooks(), only_503, sender).unwrap();
        // The receiver taken and dropped: the failed batches are in the report all the same.
        drop(ingestor.failures());
        for n in 0..12 {
            ingestor.send(ev(n)).await.unwrap();
        }
        let report = ingestor.shutdown(Duration::from_secs(5)).await;
        assert_eq!(report.stats().failed, 8);
        let failed: Vec<Vec<u32>> = report.failed().iter().map(|b| b.items().iter().map(|e| e.n).collect()).collect();
        assert_eq!(failed, vec![vec![0, 1, 2, 3], vec![4, 5, 6, 7]]);
        drop(report);

        // The next start finds only the batch that may pass now.
        let api2 = Api::default();
        let options = IngestorOptions::new().spool(spool);
        let ingestor =
            Ingestor::start(options, 4, hooks(), only_503, api2.sender(Duration::from_millis(10), ok)).unwrap();
        assert_eq!(ingestor.stats().recovered, 4);
        let report = ingestor.shutdown(Duration::from_secs(5)).await;
        assert!(report.is_complete() && report.all_accepted());
        let resent: Vec<u32> = api2.sent().concat().into_iter().map(|e| e.n).collect();
        assert_eq!(resent, vec![4, 5, 6, 7]);
    }

    #[tokio::test(start_paused = true)]
    async fn the_spool_resends_what_was_not_accepted_with_the_same_keys() {
        let dir = super::super::spool::tests::TempDir::new();
        let spool = SpoolOptions::new(dir.path()).segment_events(4);
        // First run: batches of 4; the batch holding event 5 fails (after the retries).
        let api = Api::default();
        let sender = api.sender(Duration::from_millis(10), |batch| {
            if batch.iter().any(|e| e.n == 5) {
                (1, Err("503".to_owned()))
            } else {
                (1, Ok(()))
            }
        });
        let options = IngestorOptions::new().spool(spool.clone()).concurrency(1);
        let ingestor = Ingestor::start(options, 4, hooks(), retry_all, sender).unwrap();
        let mut keys = Vec::new();
        for n in 0..10 {
            keys.push(ingestor.send(ev(n)).await.unwrap().unwrap());
        }
        let report = ingestor.shutdown(Duration::from_secs(5)).await;
        assert_eq!(report.stats().accepted, 4 + 2);
        assert_eq!(report.stats().failed, 4);
        drop(report);

        // Second run on the same directory: the failed batch is sent again, keys unchanged.
        let api2 = Api::default();
        let options = IngestorOptions::new().spool(spool.clone());
        let ingestor =
            Ingestor::start(options, 4, hooks(), retry_all, api2.sender(Duration::from_millis(10), ok)).unwrap();
        assert_eq!(ingestor.stats().recovered, 4);
        let report = ingestor.shutdown(Duration::from_secs(5)).await;
        assert!(report.is_complete());
        let resent: Vec<(u32, String)> = api2.sent().concat().into_iter().map(|e| (e.n, e.key.unwrap())).collect();
        let expected: Vec<(u32, String)> = (4..8).map(|n| (n, keys[n as usize].clone())).collect();
        assert_eq!(resent, expected);
        // everything accepted: no segment left
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|name| name != "spool.lock")
            .collect();
        assert!(left.is_empty(), "{left:?}");

        // A spool directory that cannot be used is an error at start.
        let file = dir.path().join("file");
        std::fs::write(&file, b"x").unwrap();
        let options = IngestorOptions::new().spool(SpoolOptions::new(&file));
        let err =
            Ingestor::start(options, 4, hooks(), retry_all, Api::default().sender(Duration::ZERO, ok)).unwrap_err();
        assert!(matches!(err, StartError::Spool(_)), "{err}");
    }
}
