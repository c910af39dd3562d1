//! Listing CloudView's connectors: pages at a page size found out on first use, every page,
//! and the refresh's batched reads answered from the family's snapshot, where a 404 counts
//! as "gone" only once a complete listing lacks the connector too.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;

use reqwest::Method;
use tracing::warn;

use super::model::{Connector, Page};
use super::response::page_from_reply;
use super::{CloudView, LIST_PAGE_SIZE, MAX_PAGES, PROBE_PAGE_SIZE};
use crate::qualys::api::ConnectorApi;
use crate::qualys::batch;
use crate::qualys::client::Client;
use crate::qualys::error::Error;
use crate::qualys::http::Safety;
use crate::qualys::refresh;
use crate::qualys::retry::Deadline;
use crate::qualys::snapshot::{Progress, Step};

/// The fewest reads in the first batch of a refresh that make it start the listing (see
/// [`snapshot`](crate::qualys::snapshot)): fewer cost no more calls as one `get` each, and a
/// small refresh in a large subscription must never cost more calls than it has connectors.
const CLOUDVIEW_MIN_FIRST_BATCH: usize = 4;

impl Client {
    /// A refresh read: from the listing snapshot when it has the connector (no call, no
    /// wait), else through the family's batch.
    pub(super) async fn read_cloudview(&self, id: &str) -> Result<Connector, Error> {
        let batcher = &self.shared.cloudview_reads;
        if batcher.is_off() {
            // Unbatched, but a 404 is still confirmed by the listing before it means "gone".
            let key = id.to_owned();
            let mut results = self
                .cloudview()
                .refresh_many(std::slice::from_ref(&key))
                .await;
            return results.remove(&key).unwrap_or_else(|| {
                Err(Error::Decode {
                    context: format!("CloudView read of connector {id}"),
                    reason: "no answer for it".into(),
                    excerpt: String::new(),
                })
            });
        }
        let deadline = self.deadline();
        let key = id.to_owned();
        if let Some(found) = self.shared.cloudview_listing.lookup(&key, deadline).await? {
            found.require_identity("listing", false)?;
            return Ok(found);
        }
        let (receiver, opened) = batcher.join(key);
        if opened {
            let client = self.clone();
            tokio::spawn(async move {
                let batcher = &client.shared.cloudview_reads;
                let waiters = batcher.close_after_window(client.transport()).await;
                let results = client.cloudview().refresh_many(&batch::ids(&waiters)).await;
                batch::deliver(waiters, results);
            });
        }
        batch::wait(receiver, deadline).await
    }
}

impl CloudView<'_> {
    /// One page of the list (0-based), optionally filtered by name. A connector without its
    /// identity fields makes the page [`Error::Incomplete`].
    pub async fn list_page(&self, page_no: u32, name: Option<&str>) -> Result<Page, Error> {
        let page = self
            .list_page_within(page_no, name, self.client.deadline())
            .await?;
        self.require_identities(&page.connectors)?;
        Ok(page)
    }

    /// One page at the client's page size, found out on first use: no public source gives
    /// CloudView's `pageSize` maximum, so the first listing asks for [`PROBE_PAGE_SIZE`] and,
    /// if CloudView answers 400, for [`LIST_PAGE_SIZE`] (its default), kept for the client's
    /// life so that page numbers always refer to one size. Pages are 0-based and sorted as the
    /// API documents (`lastSyncedOn:desc`); a bare JSON array is one page.
    pub(super) async fn list_page_within(
        &self,
        page_no: u32,
        name: Option<&str>,
        deadline: Deadline,
    ) -> Result<Page, Error> {
        let size = &self.client.shared.cloudview_page_size;
        let known = size.load(Ordering::Relaxed);
        if known != 0 {
            return self.list_page_sized(page_no, name, known, deadline).await;
        }
        match self
            .list_page_sized(page_no, name, PROBE_PAGE_SIZE, deadline)
            .await
        {
            Ok(page) => {
                size.store(PROBE_PAGE_SIZE, Ordering::Relaxed);
                Ok(page)
            }
            Err(err @ Error::InvalidRequest { .. }) => {
                warn!(error = %err, "CloudView refused pageSize={PROBE_PAGE_SIZE}; listing {LIST_PAGE_SIZE} a page from now on");
                let page = self
                    .list_page_sized(page_no, name, LIST_PAGE_SIZE, deadline)
                    .await?;
                size.store(LIST_PAGE_SIZE, Ordering::Relaxed);
                Ok(page)
            }
            Err(err) => Err(err),
        }
    }

    async fn list_page_sized(
        &self,
        page_no: u32,
        name: Option<&str>,
        page_size: u32,
        deadline: Deadline,
    ) -> Result<Page, Error> {
        let mut url = self.url(None);
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("pageNo", &page_no.to_string())
                .append_pair("pageSize", &page_size.to_string())
                .append_pair("sort", "lastSyncedOn:desc");
            if let Some(name) = name {
                query.append_pair("filter", &format!("name:{name}"));
            }
        }
        let reply = self
            .send(Method::GET, url, None, Safety::Idempotent, deadline)
            .await?;
        self.explained(page_from_reply(&reply, page_no))
    }

    /// Every connector, across all pages. A connector without its identity fields makes the
    /// listing [`Error::Incomplete`].
    pub async fn list_all(&self) -> Result<Vec<Connector>, Error> {
        let all = self.list_pages(None, self.client.deadline()).await?;
        self.require_identities(&all)?;
        Ok(all)
    }

    /// Every connector (named `name`, when given, by CloudView's `filter=name:`), page after
    /// page, de-duplicated by `connectorId` (the sort key moves while we page; a connector a
    /// page missed is caught by the batched read's confirming `get`). It ends at `last`, at
    /// `totalPages` or at an empty page; a page answered as another number, one that adds
    /// nothing yet is not the last, more connectors than `totalElements` or more than
    /// `MAX_PAGES` pages end it with an [`Error::Decode`].
    pub(crate) async fn list_pages(
        &self,
        name: Option<&str>,
        deadline: Deadline,
    ) -> Result<Vec<Connector>, Error> {
        let mut all = Vec::new();
        let mut seen = HashSet::new();
        let endless = |reason: String| Error::Decode {
            context: "CloudView list connectors".into(),
            reason,
            excerpt: String::new(),
        };
        for page_no in 0..MAX_PAGES {
            let page = self.list_page_within(page_no, name, deadline).await?;
            // A server ignoring `pageNo` answers page 0 again, with a `totalPages` that would
            // end the listing short of its last connectors.
            if page.number != page_no {
                return Err(endless(format!(
                    "asked for page {page_no}, answered page {}",
                    page.number
                )));
            }
            let empty = page.connectors.is_empty();
            let mut new = 0usize;
            for c in page.connectors {
                if seen.insert(c.connector_id.clone()) {
                    all.push(c);
                    new += 1;
                }
            }
            let beyond_total = page.total_pages.is_some_and(|total| page_no + 1 >= total);
            if page.last || empty || beyond_total {
                return Ok(all);
            }
            if new == 0 {
                return Err(endless(format!(
                    "page {page_no} is not the last but adds no connector not already listed; \
                     the listing would never end"
                )));
            }
            let promised = page.total_elements.unwrap_or(u64::MAX);
            if all.len() as u64 > promised {
                return Err(endless(format!(
                    "more connectors listed ({}) than totalElements ({promised}) and still not \
                     the last page",
                    all.len()
                )));
            }
        }
        Err(endless(format!(
            "still not the last page after {MAX_PAGES} pages"
        )))
    }

    /// Answers a batch of refresh reads from the listing snapshot, listing more of it or
    /// reading one by one (a `get` each: CloudView has no id filter) as
    /// [`snapshot`](crate::qualys::snapshot) decides.
    pub(crate) async fn refresh_many(
        &self,
        ids: &[String],
    ) -> HashMap<String, Result<Connector, Error>> {
        let deadline = self.client.deadline();
        let snapshot = &self.client.shared.cloudview_listing;
        let mut listing = match snapshot.lock(deadline).await {
            Ok(listing) => listing,
            Err(err) => {
                return ids
                    .iter()
                    .map(|id| (id.clone(), Err(err.clone())))
                    .collect();
            }
        };
        let check = |c: &Connector| c.require_identity("listing", false);
        let mut results = HashMap::new();
        let mut misses = listing.answer(ids, &mut results, check);
        while !misses.is_empty() {
            if listing.step(ids.len(), misses.len(), CLOUDVIEW_MIN_FIRST_BATCH)
                != Step::ListNextPage
            {
                break;
            }
            match self.list_next_page(&mut listing, deadline).await {
                Ok(()) => misses = listing.answer(&misses, &mut results, check),
                // A 404 included: a listing's failure says nothing about any one connector.
                Err(err) => listing.page_failed(err, &mut misses, &mut results),
            }
        }
        listing.spent_one_by_one(misses.len());
        drop(listing);
        let mut answered_gone = Vec::new();
        for id in misses {
            match self.get(&id).await {
                Err(Error::NotFound { .. }) => answered_gone.push(id),
                answer => {
                    results.insert(id, answer);
                }
            }
        }
        if !answered_gone.is_empty() {
            self.confirm_gone(answered_gone, &mut results, deadline)
                .await;
        }
        results
    }

    /// A connector leaves Terraform's state only on two signals: its own `get` says it is
    /// gone (a 404, which a proxy or gateway can send too, with any body) **and** a complete
    /// listing lacks it. The listing is completed for these ids (one call a page, spent only
    /// when a read answered 404); a connector it holds is answered from it, and one it cannot
    /// confirm (the listing failed or cannot go on) is an error, never a deletion.
    async fn confirm_gone(
        &self,
        ids: Vec<String>,
        results: &mut HashMap<String, Result<Connector, Error>>,
        deadline: Deadline,
    ) {
        let snapshot = &self.client.shared.cloudview_listing;
        let mut listing = match snapshot.lock(deadline).await {
            Ok(listing) => listing,
            Err(err) => {
                for id in ids {
                    results.insert(id, Err(err.clone()));
                }
                return;
            }
        };
        let mut failure = None;
        while matches!(listing.progress, Progress::NotStarted | Progress::At(_)) {
            if let Err(err) = self.list_next_page(&mut listing, deadline).await {
                failure = Some(err);
                break;
            }
        }
        let complete = listing.progress == Progress::Done;
        for id in ids {
            let answer = match listing.get(&id) {
                Some(connector) => {
                    warn!(
                        id,
                        "CloudView answered 404 for a connector its listing holds; kept"
                    );
                    connector
                        .require_identity("listing", false)
                        .map(|()| connector)
                }
                None if complete => Err(Error::NotFound {
                    what: format!("CloudView connector {id}"),
                }),
                None => Err(Error::Api {
                    status: 404,
                    code: None,
                    message: format!(
                        "CloudView answered 404 for connector {id}, and its listing could not \
                         be completed to confirm that the connector is gone{}; it stays in the \
                         state",
                        match &failure {
                            Some(err) => format!(" ({err})"),
                            None => String::new(),
                        }
                    ),
                    resolution: None,
                }),
            };
            results.insert(id, answer);
        }
    }

    /// Every connector, through the refresh snapshot (see [`refresh::list_all_shared`]).
    pub(crate) async fn list_all_shared(&self) -> Result<Vec<Connector>, Error> {
        refresh::list_all_shared(self).await
    }
}
