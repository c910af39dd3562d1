//! Read coalescing: reads of one family that arrive within `read_batch_window` are answered
//! together (see `refresh_many` in each family). The first read opens a batch and spawns the
//! task that closes and fetches it; each reader waits on its own channel until its own
//! deadline, so a cancelled reader never strands the others.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::oneshot;

use super::error::Error;
use super::http::Transport;
use super::retry::Deadline;

type Waiter<Id, T> = (Id, oneshot::Sender<Result<T, Error>>);

/// The open batch of one API family.
pub(crate) struct Batcher<Id, T> {
    window: Duration,
    open: Mutex<Option<Vec<Waiter<Id, T>>>>,
    /// Woken at every join (see [`Batcher::close_when_gathered`]).
    joined: tokio::sync::Notify,
}

impl<Id, T> Batcher<Id, T> {
    pub(crate) fn new(window: Duration) -> Self {
        Batcher {
            window,
            open: Mutex::new(None),
            joined: tokio::sync::Notify::new(),
        }
    }

    fn open_len(&self) -> usize {
        self.open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .as_ref()
            .map_or(0, Vec::len)
    }

    /// Batching is off: every read is a plain `get`.
    pub(crate) fn is_off(&self) -> bool {
        self.window.is_zero()
    }

    /// Adds a reader to the open batch, opening one if none is. Returns the reader's
    /// channel and whether this call opened the batch (and must drive it).
    pub(crate) fn join(&self, id: Id) -> (oneshot::Receiver<Result<T, Error>>, bool) {
        let (sender, receiver) = oneshot::channel();
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let opened = match open.as_mut() {
            Some(waiters) => {
                waiters.push((id, sender));
                false
            }
            None => {
                *open = Some(vec![(id, sender)]);
                true
            }
        };
        drop(open);
        self.joined.notify_waiters();
        (receiver, opened)
    }

    /// Closes the batch once `full()` have joined, or the window ended (or a stop), and
    /// returns its readers: for callers that arrive one after another rather than together
    /// (Terraform finishes creates one at a time, writing its state between them), a batch
    /// gathers as many as the caller expects.
    pub(crate) async fn close_when_gathered(
        &self,
        transport: &Transport,
        gather: Duration,
        full: impl Fn() -> usize,
    ) -> Vec<Waiter<Id, T>> {
        let ends = tokio::time::Instant::now() + self.window;
        // The callers that start together are all under way by then.
        let _ = transport.pause(gather.min(self.window)).await;
        loop {
            // Registered before the size is read, so a join in between still wakes.
            let joined = self.joined.notified();
            tokio::pin!(joined);
            joined.as_mut().enable();
            if self.open_len() >= full() {
                break;
            }
            let left = ends.saturating_duration_since(tokio::time::Instant::now());
            tokio::select! {
                _ = transport.pause(left) => break,
                _ = &mut joined => {}
            }
        }
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        open.take().unwrap_or_default()
    }

    /// Waits out the window (cut short by a stop), then closes the batch and returns its
    /// readers; reads arriving from now on open the next batch.
    pub(crate) async fn close_after_window(&self, transport: &Transport) -> Vec<Waiter<Id, T>> {
        // A stop ends the wait early; the fetch then fails with `Stopped` for everyone.
        let _ = transport.pause(self.window).await;
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        open.take().unwrap_or_default()
    }
}

/// The distinct ids of a batch, in arrival order.
pub(crate) fn ids<Id: Clone + Eq + Hash, T>(waiters: &[Waiter<Id, T>]) -> Vec<Id> {
    let mut seen = HashSet::new();
    waiters
        .iter()
        .filter(|(id, _)| seen.insert(id.clone()))
        .map(|(id, _)| id.clone())
        .collect()
}

/// Hands each reader its result. A reader whose id has no result gets an error rather
/// than waiting forever.
pub(crate) fn deliver<Id: Eq + Hash + std::fmt::Display, T: Clone>(
    waiters: Vec<Waiter<Id, T>>,
    results: HashMap<Id, Result<T, Error>>,
) {
    for (id, sender) in waiters {
        let result = results.get(&id).cloned().unwrap_or_else(|| {
            Err(Error::Decode {
                context: "batched read".into(),
                reason: format!("the batch produced no result for {id}"),
                excerpt: String::new(),
            })
        });
        // The reader may have given up (deadline, cancellation); nothing to do then.
        let _ = sender.send(result);
    }
}

/// Waits for a reader's result until its deadline.
pub(crate) async fn wait<T>(
    receiver: oneshot::Receiver<Result<T, Error>>,
    deadline: Deadline,
) -> Result<T, Error> {
    match tokio::time::timeout_at(deadline.instant().into(), receiver).await {
        Ok(Ok(result)) => result,
        // The batch task ended without answering: the runtime is shutting down.
        Ok(Err(_)) => Err(Error::Stopped),
        Err(_) => Err(deadline.expired()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_reader_opens_later_readers_join() {
        let b: Batcher<u64, String> = Batcher::new(Duration::from_millis(10));
        let (_r1, opened1) = b.join(1);
        let (_r2, opened2) = b.join(2);
        let (_r3, opened3) = b.join(1);
        assert!(opened1);
        assert!(!opened2 && !opened3);
        let waiters = b.open.lock().unwrap().take().unwrap();
        assert_eq!(ids(&waiters), vec![1, 2]);
        let (_r4, opened4) = b.join(4);
        assert!(opened4, "a closed batch is not joined");
    }

    #[tokio::test]
    async fn deliver_answers_every_reader_including_duplicates_and_gaps() {
        let b: Batcher<u64, String> = Batcher::new(Duration::from_millis(10));
        let (r1, _) = b.join(1);
        let (r1b, _) = b.join(1);
        let (r2, _) = b.join(2);
        let (r3, _) = b.join(3);
        let waiters = b.open.lock().unwrap().take().unwrap();
        let mut results = HashMap::new();
        results.insert(1, Ok("one".to_string()));
        results.insert(2, Err(Error::NotFound { what: "2".into() }));
        deliver(waiters, results);
        let deadline = Deadline::after(Duration::from_secs(1));
        assert_eq!(wait(r1, deadline).await.unwrap(), "one");
        assert_eq!(wait(r1b, deadline).await.unwrap(), "one");
        assert!(wait(r2, deadline).await.unwrap_err().is_not_found());
        assert!(matches!(
            wait(r3, deadline).await,
            Err(Error::Decode { .. })
        ));
    }

    #[tokio::test]
    async fn a_reader_gives_up_at_its_deadline() {
        let b: Batcher<u64, String> = Batcher::new(Duration::from_millis(10));
        let (r, _) = b.join(1);
        let started = std::time::Instant::now();
        let err = wait(r, Deadline::after(Duration::from_millis(50)))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Timeout(_)), "{err}");
        assert!(started.elapsed() < Duration::from_secs(1));
    }
}
