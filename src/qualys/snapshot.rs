//! Refresh reads that scale with the listing, not with Terraform's parallelism: batched reads
//! ([`batch`](super::batch)) are answered from a [`Snapshot`] of the family's listing, taken
//! page by page (1,000 a page) as the reads need it and kept for the rest of the refresh, or
//! one by one when that is cheaper ([`Listing::step`]). A refresh of T connectors costs
//! ceil(T/1000) calls. A listing that fails never tells a read "not found": only a `get` of
//! that id may. Reads that must see a change just made use `get`.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::{Duration, Instant};

use tokio::sync::{Mutex, MutexGuard};

use super::error::Error;
use super::retry::Deadline;

/// How long a snapshot answers reads after its first page was taken (a provider process
/// serves one Terraform operation; this is the bound if it serves more). Each connector this
/// process writes leaves it too ([`Snapshot::forget`]).
pub(crate) const SNAPSHOT_LIFETIME: Duration = Duration::from_secs(300);

/// How far a listing has got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Progress {
    NotStarted,
    /// More pages follow; the next starts after this position (the last QPS id listed, or
    /// the next CloudView page number).
    At(u64),
    /// Every page is listed.
    Done,
    /// The listing cannot go on (a page that repeats itself, an unreadable page): the rest of
    /// this snapshot's life reads one by one.
    Broken,
}

/// What to do with the ids of a batch that the snapshot lacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    ListNextPage,
    OneByOne,
}

/// One family's listing, as far as it has got.
pub(crate) struct Listing<Id, T> {
    found: HashMap<Id, T>,
    /// Connectors this process wrote were dropped since the listing began: it no longer
    /// holds every connector.
    forgot: bool,
    pub(crate) progress: Progress,
    taken_at: Option<Instant>,
    pages: usize,
    one_by_one: usize,
}

impl<Id: Eq + Hash, T: Clone> Listing<Id, T> {
    fn new() -> Self {
        Listing {
            found: HashMap::new(),
            forgot: false,
            progress: Progress::NotStarted,
            taken_at: None,
            pages: 0,
            one_by_one: 0,
        }
    }

    /// Every connector listed, for a caller that needs them all (a data source): a listing
    /// that lost what this process wrote, or that cannot go on, starts again.
    pub(crate) fn restart_if_incomplete(&mut self) {
        if self.forgot || self.progress == Progress::Broken {
            *self = Listing::new();
        }
    }

    /// Every connector listed so far.
    pub(crate) fn all(&self) -> Vec<T> {
        self.found.values().cloned().collect()
    }

    /// Every connector listed so far, without copying them.
    pub(crate) fn values(&self) -> impl Iterator<Item = &T> {
        self.found.values()
    }

    fn expire(&mut self, now: Instant) {
        if self
            .taken_at
            .is_some_and(|at| now.duration_since(at) >= SNAPSHOT_LIFETIME)
        {
            *self = Listing::new();
        }
    }

    /// The pages listed so far: what a listing of the family costs, once complete.
    pub(crate) fn pages(&self) -> usize {
        self.pages
    }

    pub(crate) fn get(&self, id: &Id) -> Option<T> {
        self.found.get(id).cloned()
    }

    /// Puts the answer for each of `ids` the listing holds into `results` (the connector if
    /// `check` passes, else its error) and returns the ids it lacks.
    pub(crate) fn answer(
        &self,
        ids: &[Id],
        results: &mut HashMap<Id, Result<T, Error>>,
        check: impl Fn(&T) -> Result<(), Error>,
    ) -> Vec<Id>
    where
        Id: Clone,
    {
        let mut misses = Vec::new();
        for id in ids {
            match self.found.get(id) {
                Some(c) => {
                    results.insert(id.clone(), check(c).map(|()| c.clone()));
                }
                None => misses.push(id.clone()),
            }
        }
        misses
    }

    /// A listing page failed: when the error would fail every read alike, each of `misses`
    /// gets it (and they are no longer missing); otherwise the listing is given up for this
    /// snapshot and the batch reads one by one.
    pub(crate) fn page_failed(
        &mut self,
        err: Error,
        misses: &mut Vec<Id>,
        results: &mut HashMap<Id, Result<T, Error>>,
    ) {
        if listing_error_repeats(&err) {
            for id in misses.drain(..) {
                results.insert(id, Err(err.clone()));
            }
        } else {
            tracing::warn!(error = %err, "listing failed; reading one by one");
            self.add_page([], Progress::Broken);
        }
    }

    /// Adds a listed page; `next` is where the listing now stands.
    pub(crate) fn add_page(&mut self, items: impl IntoIterator<Item = (Id, T)>, next: Progress) {
        self.taken_at.get_or_insert_with(Instant::now);
        self.pages += 1;
        self.found.extend(items);
        self.progress = next;
    }

    /// Calls spent reading ids one by one (searches or gets).
    pub(crate) fn spent_one_by_one(&mut self, calls: usize) {
        self.one_by_one += calls;
    }

    /// Whether to list the next page or read one by one (QPS: one `id IN` search per 100 ids;
    /// CloudView: a `get` each). `batch` is the number of ids in the batch, `cost` what
    /// reading its misses one by one would cost. The snapshot's very first batch lists only
    /// when it holds at least `min_first` ids (Terraform starts min(N, parallelism) reads at
    /// once, so a small first batch is a small refresh, which never costs more calls than it
    /// has connectors). Every later batch lists when the calls spent one by one, with this
    /// batch's, would pass the pages listed (rent or buy: never more than twice the cheaper
    /// choice), so reads or checks that arrive one at a time pay one call, then list.
    pub(crate) fn step(&self, batch: usize, cost: usize, min_first: usize) -> Step {
        let untouched = self.pages == 0 && self.one_by_one == 0;
        match self.progress {
            Progress::Done | Progress::Broken => Step::OneByOne,
            Progress::NotStarted if untouched && batch >= min_first => Step::ListNextPage,
            Progress::NotStarted if untouched => Step::OneByOne,
            Progress::NotStarted | Progress::At(_) if self.one_by_one + cost > self.pages => {
                Step::ListNextPage
            }
            Progress::NotStarted | Progress::At(_) => Step::OneByOne,
        }
    }
}

/// A family's snapshot, shared by the reads of one client.
pub(crate) struct Snapshot<Id, T> {
    listing: Mutex<Listing<Id, T>>,
}

impl<Id: Eq + Hash, T: Clone> Snapshot<Id, T> {
    pub(crate) fn new() -> Self {
        Snapshot {
            listing: Mutex::new(Listing::new()),
        }
    }

    /// The listing, once no other batch is extending it (waiting at most until `deadline`),
    /// dropped first if it is older than [`SNAPSHOT_LIFETIME`].
    pub(crate) async fn lock(
        &self,
        deadline: Deadline,
    ) -> Result<MutexGuard<'_, Listing<Id, T>>, Error> {
        let mut listing = tokio::time::timeout_at(deadline.instant().into(), self.listing.lock())
            .await
            .map_err(|_| deadline.expired())?;
        listing.expire(Instant::now());
        Ok(listing)
    }

    /// The connector if the snapshot has it: a read that needs no call.
    pub(crate) async fn lookup(&self, id: &Id, deadline: Deadline) -> Result<Option<T>, Error> {
        Ok(self.lock(deadline).await?.get(id))
    }

    /// Drops a connector this process wrote: its next read asks Qualys.
    pub(crate) async fn forget(&self, id: &Id) {
        let mut listing = self.listing.lock().await;
        if listing.found.remove(id).is_some() || listing.progress != Progress::NotStarted {
            listing.forgot = true;
        }
    }
}

/// Whether a listing's failure would fail every read of the batch the same way (so each gets
/// the error), rather than saying nothing about any one connector (so the batch reads one
/// by one).
fn listing_error_repeats(err: &Error) -> bool {
    matches!(
        err,
        Error::Stopped
            | Error::Timeout(_)
            | Error::Unauthorized { .. }
            | Error::Throttled { .. }
            | Error::Config(_)
            | Error::Transport { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(progress: Progress, pages: usize, one_by_one: usize) -> Listing<u64, ()> {
        Listing {
            found: HashMap::new(),
            forgot: false,
            progress,
            taken_at: None,
            pages,
            one_by_one,
        }
    }

    #[test]
    fn a_small_first_batch_reads_one_by_one_and_a_large_one_lists() {
        let fresh = listing(Progress::NotStarted, 0, 0);
        assert_eq!(fresh.step(3, 3, 4), Step::OneByOne);
        assert_eq!(fresh.step(4, 4, 4), Step::ListNextPage);
        assert_eq!(fresh.step(10, 1, 2), Step::ListNextPage);
    }

    #[test]
    fn after_the_first_page_the_listing_goes_on_only_when_reading_one_by_one_costs_more() {
        // One page listed, nothing spent one by one: one more call one by one is not worth a
        // page...
        assert_eq!(
            listing(Progress::At(1000), 1, 0).step(10, 1, 2),
            Step::OneByOne
        );
        // ... but eight gets are.
        assert_eq!(
            listing(Progress::At(1000), 1, 0).step(10, 8, 4),
            Step::ListNextPage
        );
        // Once as much was spent one by one as on pages, the next page is listed.
        assert_eq!(
            listing(Progress::At(2000), 1, 1).step(10, 1, 2),
            Step::ListNextPage
        );
    }

    #[test]
    fn after_a_small_first_batch_the_next_lists_once_reading_one_by_one_would_cost_more() {
        // One read was made one by one and nothing listed: a second lone read lists.
        assert_eq!(
            listing(Progress::NotStarted, 0, 1).step(1, 1, 2),
            Step::ListNextPage
        );
        assert_eq!(
            listing(Progress::NotStarted, 0, 1).step(1, 1, 4),
            Step::ListNextPage
        );
    }

    #[test]
    fn a_complete_or_broken_listing_confirms_misses_one_by_one() {
        assert_eq!(listing(Progress::Done, 3, 0).step(10, 9, 2), Step::OneByOne);
        assert_eq!(
            listing(Progress::Broken, 1, 0).step(10, 9, 2),
            Step::OneByOne
        );
    }

    #[tokio::test]
    async fn a_snapshot_forgets_what_this_process_wrote_and_expires() {
        let snapshot: Snapshot<u64, &str> = Snapshot::new();
        let deadline = Deadline::after(Duration::from_secs(1));
        {
            let mut l = snapshot.lock(deadline).await.unwrap();
            l.add_page([(1, "one"), (2, "two")], Progress::Done);
        }
        assert_eq!(snapshot.lookup(&1, deadline).await.unwrap(), Some("one"));
        snapshot.forget(&1).await;
        assert_eq!(snapshot.lookup(&1, deadline).await.unwrap(), None);
        assert_eq!(snapshot.lookup(&2, deadline).await.unwrap(), Some("two"));
        {
            let mut l = snapshot.listing.lock().await;
            l.taken_at = Instant::now().checked_sub(SNAPSHOT_LIFETIME);
        }
        assert_eq!(snapshot.lookup(&2, deadline).await.unwrap(), None);
        let l = snapshot.lock(deadline).await.unwrap();
        assert_eq!(l.progress, Progress::NotStarted);
        assert_eq!(l.pages, 0);
    }

    #[tokio::test]
    async fn a_listing_that_lost_a_written_connector_starts_again_for_a_full_listing() {
        let snapshot: Snapshot<u64, &str> = Snapshot::new();
        let deadline = Deadline::after(Duration::from_secs(1));
        snapshot
            .lock(deadline)
            .await
            .unwrap()
            .add_page([(1, "one"), (2, "two")], Progress::Done);
        {
            let mut l = snapshot.lock(deadline).await.unwrap();
            l.restart_if_incomplete();
            assert_eq!(l.progress, Progress::Done, "complete: kept");
            assert_eq!(l.all().len(), 2);
        }
        snapshot.forget(&2).await;
        let mut l = snapshot.lock(deadline).await.unwrap();
        l.restart_if_incomplete();
        assert_eq!(l.progress, Progress::NotStarted);
        assert!(l.all().is_empty());
    }

    #[tokio::test]
    async fn a_reader_waits_for_a_listing_in_progress_only_until_its_deadline() {
        let snapshot: Snapshot<u64, ()> = Snapshot::new();
        let held = snapshot.listing.lock().await;
        let err = snapshot
            .lookup(&1, Deadline::after(Duration::from_millis(30)))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Timeout(_)), "{err}");
        drop(held);
    }
}
