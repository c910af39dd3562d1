//! The Connector app's QPS API for AWS connectors (`/qps/rest/{3.0|2.0}/.../am/awsassetdataconnector`),
//! in both dialects: v3 speaks JSON, v2 speaks XML through quick-xml's serde support. One typed
//! model serves both; only the codec differs. Answers are sniffed, not assumed, and
//! `responseCode` decides, not the HTTP status (see [`response`]).

mod lenient;
pub(super) mod model;
mod request;
mod response;
mod search;

use std::collections::{HashMap, HashSet};

use reqwest::Method;
use tracing::{info, warn};

use super::api::{ConnectorApi, Sent};
use super::batch;
use super::client::Client;
use super::create::{self, Created};
use super::delete;
use super::error::Error;
use super::http::{self, Body, Call, Reply, Safety, SendError};
use super::identity::Identity;
use super::lenient::excerpt;
use super::refresh;
use super::retry::Deadline;
use super::snapshot::{Listing, Progress, Snapshot, Step};
use super::sync::{BaseAccounts, SyncError};
use request::{RequestParts, encode_request};
use search::MAX_SEARCH_PAGES;

pub use model::{Connector, ConnectorSpec, QpsVersion};
pub(crate) use response::{Answer, base_accounts_from_reply, decode_reply, sync_errors_from_reply};
pub(crate) use search::search_says_nothing;
pub use search::{Criterion, MAX_PAGE_SIZE, Operator, Search, SearchField, SearchPage};

const CONNECTOR_OBJECT: &str = "awsassetdataconnector";
const ERRORS_OBJECT: &str = "assetdataconnectorerrors";
const BASE_ACCOUNT_OBJECT: &str = "awsbaseaccount";

/// Whether an `INVALID_REQUEST` message is the Connector app refusing to update a connector
/// CloudView made ("Only connectors created in the Connector app can be updated ...").
fn refuses_other_apis(message: &str) -> bool {
    message
        .to_ascii_lowercase()
        .contains("created in the connector app")
}

/// Ids per `id IN ...` search of a batched read, so that one answer fits one page.
const IDS_PER_SEARCH: usize = 100;

/// The fewest reads in the first batch of a refresh that make it start the listing (see
/// [`snapshot`](super::snapshot)): one read is one `get`, two or more cost one call either
/// way, and the listing's page answers the reads still to come.
const QPS_MIN_FIRST_BATCH: usize = 2;

/// The QPS API of one version, borrowed from a [`Client`].
pub struct Qps<'c> {
    pub(crate) client: &'c Client,
    pub(crate) version: QpsVersion,
}

impl Client {
    /// The QPS API in the given version.
    pub fn qps(&self, version: QpsVersion) -> Qps<'_> {
        Qps {
            client: self,
            version,
        }
    }

    /// A refresh read: from the listing snapshot when it has the connector (no call, no
    /// wait), else through the family's batch (see [`snapshot`](super::snapshot)).
    async fn read_qps(&self, version: QpsVersion, id: u64) -> Result<Connector, Error> {
        let batcher = self.qps_reads(version);
        if batcher.is_off() {
            return self.qps(version).get(id).await;
        }
        let deadline = self.deadline();
        if let Some(found) = self.qps_snapshot(version).lookup(&id, deadline).await? {
            found.require_identity(&format!("QPS {version} listing"), false)?;
            return Ok(found);
        }
        let (receiver, opened) = batcher.join(id);
        if opened {
            let client = self.clone();
            tokio::spawn(async move {
                let batcher = client.qps_reads(version);
                let waiters = batcher.close_after_window(client.transport()).await;
                let results = client
                    .qps(version)
                    .refresh_many(&batch::ids(&waiters))
                    .await;
                batch::deliver(waiters, results);
            });
        }
        batch::wait(receiver, deadline).await
    }
}

impl Qps<'_> {
    /// Creates a connector and returns it as Qualys then reports it, whole or partial (the
    /// caller completes it from what it sent). See [`create`](super::create) for a maybe-done
    /// answer.
    pub async fn create(&self, spec: &ConnectorSpec) -> Result<Connector, Error> {
        self.create_checked(spec)
            .await
            .map(|created| created.connector)
    }

    /// [`Qps::create`], saying whether the connector was found by a lookup after a maybe-done
    /// answer (see [`create`](super::create)).
    pub async fn create_checked(&self, spec: &ConnectorSpec) -> Result<Created<Connector>, Error> {
        create::create(self, spec).await
    }

    /// Reads one connector with a `get` call. [`Qps::read`] is the batched equivalent.
    pub async fn get(&self, id: u64) -> Result<Connector, Error> {
        let deadline = self.client.deadline();
        let call = self.call(Method::GET, "get", Some(id), Vec::new(), Safety::Idempotent);
        let reply = self.client.transport().send(&call, deadline).await?;
        let answer = self.decode(&reply, &format!("get connector {id}"))?;
        let mut connectors = answer.items.into_iter();
        match (connectors.next(), connectors.next()) {
            (Some(c), None) if c.id == id => {
                c.require_identity(&format!("QPS {} get", self.version), false)?;
                Ok(c)
            }
            _ => Err(Error::Decode {
                context: format!("QPS {} get connector {id}", self.version),
                reason: "SUCCESS without exactly the connector asked for".into(),
                excerpt: excerpt(&reply.body),
            }),
        }
    }

    /// Reads one connector. Concurrent reads arriving within the client's
    /// `read_batch_window` are served by one `id IN ...` search; see
    /// [`batch`](super::batch).
    pub async fn read(&self, id: u64) -> Result<Connector, Error> {
        self.client.read_qps(self.version, id).await
    }

    /// Answers a batch of reads: one `id IN ...` search per [`IDS_PER_SEARCH`] ids, then a
    /// `get` for each id the search did not return, so that only Qualys's own
    /// `OBJECT_NOT_FOUND` reports a connector gone. If the search itself is refused or
    /// unreadable, every id falls back to `get`.
    pub(crate) async fn fetch_many(&self, ids: &[u64]) -> HashMap<u64, Result<Connector, Error>> {
        let mut results = HashMap::new();
        if let [id] = ids {
            results.insert(*id, self.get(*id).await);
            return results;
        }
        for chunk in ids.chunks(IDS_PER_SEARCH) {
            let deadline = self.client.deadline();
            match self
                .search_pages(&[Criterion::id_in(chunk)], None, deadline)
                .await
            {
                Ok(found) => {
                    let context = format!("QPS {} batched read", self.version);
                    for connector in found {
                        if chunk.contains(&connector.id) {
                            let checked = connector.require_identity(&context, false);
                            results.insert(connector.id, checked.map(|()| connector));
                        }
                    }
                }
                Err(err) if search_says_nothing(&err) => {
                    warn!(error = %err, "batched QPS read failed; reading one by one");
                }
                Err(err) => {
                    for id in chunk {
                        results.insert(*id, Err(err.clone()));
                    }
                }
            }
        }
        for id in ids {
            if !results.contains_key(id) {
                results.insert(*id, self.get(*id).await);
            }
        }
        results
    }

    /// Answers a batch of refresh reads from the version's listing snapshot, listing more of
    /// it or reading one by one as [`snapshot`](super::snapshot) decides.
    pub(crate) async fn refresh_many(&self, ids: &[u64]) -> HashMap<u64, Result<Connector, Error>> {
        let deadline = self.client.deadline();
        let snapshot = self.client.qps_snapshot(self.version);
        let mut listing = match snapshot.lock(deadline).await {
            Ok(listing) => listing,
            Err(err) => return ids.iter().map(|id| (*id, Err(err.clone()))).collect(),
        };
        let context = format!("QPS {} listing", self.version);
        let check = |c: &Connector| c.require_identity(&context, false);
        let mut results = HashMap::new();
        let mut misses = listing.answer(ids, &mut results, check);
        while !misses.is_empty() {
            let cost = misses.len().div_ceil(IDS_PER_SEARCH);
            if listing.step(ids.len(), cost, QPS_MIN_FIRST_BATCH) != Step::ListNextPage {
                break;
            }
            match self.list_next_page(&mut listing, deadline).await {
                Ok(()) => misses = listing.answer(&misses, &mut results, check),
                Err(err) => listing.page_failed(err, &mut misses, &mut results),
            }
        }
        if misses.is_empty() {
            return results;
        }
        if listing.progress == Progress::Done {
            // Absent from a complete listing: only Qualys's own answer to a get says "gone".
            listing.spent_one_by_one(misses.len());
            drop(listing);
            for id in misses {
                results.insert(id, self.get(id).await);
            }
        } else {
            listing.spent_one_by_one(misses.len().div_ceil(IDS_PER_SEARCH));
            drop(listing);
            results.extend(self.fetch_many(&misses).await);
        }
        results
    }

    /// Every connector, through the refresh snapshot (see [`refresh::list_all_shared`]).
    pub(crate) async fn list_all_shared(&self) -> Result<Vec<Connector>, Error> {
        refresh::list_all_shared(self).await
    }

    /// One page of a search. A connector in it without its identity fields makes the page
    /// [`Error::Incomplete`].
    pub async fn search(&self, search: &Search) -> Result<SearchPage, Error> {
        let page = self.search_within(search, self.client.deadline()).await?;
        self.require_identities(&page.connectors)?;
        Ok(page)
    }

    fn require_identities(&self, connectors: &[Connector]) -> Result<(), Error> {
        connectors
            .iter()
            .try_for_each(|c| self.require_identity(c, Self::LISTED, false))
    }

    async fn search_within(
        &self,
        search: &Search,
        deadline: Deadline,
    ) -> Result<SearchPage, Error> {
        let body = encode_request(self.version, RequestParts::search(search))?;
        let call = self.call(Method::POST, "search", None, body, Safety::Idempotent);
        let reply = self.client.transport().send(&call, deadline).await?;
        let answer = self.decode(&reply, "search connectors")?;
        Ok(SearchPage {
            count: answer.count.unwrap_or(answer.items.len() as u64),
            has_more: answer.has_more_records,
            last_id: answer.last_id,
            connectors: answer.items,
        })
    }

    /// Every connector matching `criteria`, following `hasMoreRecords` across pages. A
    /// connector without its identity fields makes the listing [`Error::Incomplete`].
    pub async fn search_all(&self, criteria: &[Criterion]) -> Result<Vec<Connector>, Error> {
        let all = self
            .search_pages(criteria, None, self.client.deadline())
            .await?;
        self.require_identities(&all)?;
        Ok(all)
    }

    /// Every connector matching `criteria` whose id is above `after` (QPS ids grow with every
    /// create: with `after` the last id of a listing, those made since), [`MAX_PAGE_SIZE`] a
    /// page, following `hasMoreRecords` by `id GREATER <largest id so far>` as the
    /// docs.qualys.com pages page this object (no public source shows `startFromOffset` on it).
    /// Duplicates are dropped by id; a page that adds no new id, or more than
    /// `MAX_SEARCH_PAGES` pages, ends the listing with an [`Error::Decode`].
    pub(crate) async fn search_pages(
        &self,
        criteria: &[Criterion],
        after: Option<u64>,
        deadline: Deadline,
    ) -> Result<Vec<Connector>, Error> {
        let mut search = Search {
            criteria: criteria.to_vec(),
            limit: MAX_PAGE_SIZE,
            after_id: after,
        };
        let mut seen = HashSet::new();
        let mut all = Vec::new();
        let endless = |reason: String, after: Option<u64>| Error::Decode {
            context: format!("QPS {} search connectors", self.version),
            reason,
            excerpt: match after {
                Some(id) => format!("page after id {id}"),
                None => "first page".into(),
            },
        };
        for page_no in 1..=MAX_SEARCH_PAGES {
            let page = self.search_within(&search, deadline).await?;
            let mut new = 0usize;
            let mut largest = search.after_id;
            for connector in page.connectors {
                largest = largest.max(Some(connector.id));
                if seen.insert(connector.id) {
                    all.push(connector);
                    new += 1;
                }
            }
            if !page.has_more {
                return Ok(all);
            }
            if new == 0 || largest == search.after_id {
                return Err(endless(
                    format!(
                        "hasMoreRecords is true but page {page_no} adds no connector not already \
                         listed; the listing would never end"
                    ),
                    search.after_id,
                ));
            }
            search.after_id = largest;
        }
        Err(endless(
            format!("hasMoreRecords is still true after {MAX_SEARCH_PAGES} pages"),
            search.after_id,
        ))
    }

    /// Updates a connector and returns Qualys's answer: the id only, as the contract says of
    /// real Qualys, or the whole connector, as the simulator answers. The caller completes it
    /// from what it sent (a `get` per write would double an apply's calls). Only the fields
    /// set in `spec` are sent. Qualys refuses connectors CloudView made: [`Error::WrongApi`].
    pub async fn update(&self, id: u64, spec: &ConnectorSpec) -> Result<Connector, Error> {
        let deadline = self.client.deadline();
        let body = encode_request(self.version, RequestParts::data(spec))?;
        let call = self.call(Method::POST, "update", Some(id), body, Safety::Idempotent);
        let reply = self.client.transport().send(&call, deadline).await?;
        let answer = match self.decode(&reply, &format!("update connector {id}")) {
            Err(Error::InvalidRequest { message, .. }) if refuses_other_apis(&message) => {
                return Err(Error::WrongApi { message });
            }
            other => other?,
        };
        match answer.items.into_iter().next() {
            Some(connector) if connector.id == id => Ok(connector),
            Some(other) => Err(Error::Decode {
                context: format!("QPS {} update connector {id}", self.version),
                reason: format!("the answer is connector {}", other.id),
                excerpt: excerpt(&reply.body),
            }),
            // SUCCESS with no data: the update happened; nothing more is known.
            None => Ok(Connector {
                id,
                ..Connector::default()
            }),
        }
    }

    /// Deletes a connector. A connector already gone is [`Error::NotFound`], once a read back
    /// confirms it (see [`delete`](super::delete)).
    pub async fn delete(&self, id: u64) -> Result<(), Error> {
        let answer = self.simple_action("delete", id).await;
        let what = format!("QPS {} connector {id}", self.version);
        delete::confirmed(&what, answer, || self.get(id)).await
    }

    /// Asks Qualys to run (sync) the connector now.
    pub async fn run(&self, id: u64) -> Result<(), Error> {
        self.simple_action("run", id).await
    }

    /// The errors of the connector's last failed sync (`assetdataconnectorerrors`, filtered
    /// on the connector's id), up to [`MAX_PAGE_SIZE`] of them: Qualys keeps only the last
    /// sync's errors, and this search has no paging of its own.
    pub async fn sync_errors(&self, id: u64) -> Result<Vec<SyncError>, Error> {
        let search = Search {
            criteria: vec![Criterion::equals(SearchField::Id, id.to_string())],
            limit: MAX_PAGE_SIZE,
            after_id: None,
        };
        let body = encode_request(self.version, RequestParts::search(&search))?;
        let call = self.call_on(
            ERRORS_OBJECT,
            Method::POST,
            "search",
            None,
            body,
            Safety::Idempotent,
        );
        let reply = self
            .client
            .transport()
            .send(&call, self.client.deadline())
            .await?;
        let what = format!("sync errors of connector {id}");
        sync_errors_from_reply(&reply, id)
            .map_err(|e| self.in_context(e, &what, "QPS AWS connector errors"))
    }

    /// The Qualys AWS accounts roles must trust (`awsbaseaccount`, searched: the record's id
    /// is the subscription's, which the client does not know). [`Client::base_accounts`] is
    /// the cached entry point.
    pub async fn base_accounts(&self) -> Result<BaseAccounts, Error> {
        let call = self.call_on(
            BASE_ACCOUNT_OBJECT,
            Method::POST,
            "search",
            None,
            Vec::new(),
            Safety::Idempotent,
        );
        let reply = self
            .client
            .transport()
            .send(&call, self.client.deadline())
            .await?;
        base_accounts_from_reply(&reply)
            .map_err(|e| self.in_context(e, "base accounts", "QPS AWS base account"))
    }

    async fn simple_action(&self, action: &'static str, id: u64) -> Result<(), Error> {
        let deadline = self.client.deadline();
        let call = self.call(
            Method::POST,
            action,
            Some(id),
            Vec::new(),
            Safety::Idempotent,
        );
        let reply = self.client.transport().send(&call, deadline).await?;
        self.decode(&reply, &format!("{action} connector {id}"))?;
        Ok(())
    }

    fn call(
        &self,
        method: Method,
        action: &str,
        id: Option<u64>,
        body: Vec<u8>,
        safety: Safety,
    ) -> Call {
        self.call_on(CONNECTOR_OBJECT, method, action, id, body, safety)
    }

    fn call_on(
        &self,
        object: &str,
        method: Method,
        action: &str,
        id: Option<u64>,
        body: Vec<u8>,
        safety: Safety,
    ) -> Call {
        let mut path = format!("/qps/rest/{}/{action}/am/{object}", self.version.path());
        if let Some(id) = id {
            path.push_str(&format!("/{id}"));
        }
        let media = self.version.media_type();
        Call {
            // v3 answers JSON only when the request says JSON, even on GET.
            body: Some(Body {
                content_type: media,
                bytes: body,
            }),
            method,
            url: http::join(self.client.api_url(), &path),
            accept: media,
            safety,
        }
    }

    fn decode(&self, reply: &Reply, what: &str) -> Result<Answer<Connector>, Error> {
        decode_reply(reply).map_err(|e| self.in_context(e, what, "QPS AWS connector"))
    }

    /// Fills in what a decode error was about.
    fn in_context(&self, e: Error, what: &str, object: &str) -> Error {
        match e {
            Error::Decode {
                reason, excerpt, ..
            } => Error::Decode {
                context: format!("QPS {} {what}", self.version),
                reason,
                excerpt,
            },
            Error::NotFound { .. } => Error::NotFound {
                what: format!("{object} ({what})"),
            },
            other => self.client.explain(other, self.client.api_url()),
        }
    }
}

impl ConnectorApi for Qps<'_> {
    type Id = u64;
    type Connector = Connector;
    type Spec = ConnectorSpec;
    const LISTED: &'static str = "search";

    fn client(&self) -> &Client {
        self.client
    }

    fn snapshot(&self) -> &Snapshot<u64, Connector> {
        self.client.qps_snapshot(self.version)
    }

    fn id(connector: &Connector) -> u64 {
        connector.id
    }

    fn identity(c: &Connector) -> Identity<'_> {
        Identity {
            name: c.name.as_deref(),
            arn: c.arn.as_deref(),
            external_id: c.external_id.as_deref(),
            aws_account_id: c.aws_account_id.as_deref(),
        }
    }

    fn spec_identity(spec: &ConnectorSpec) -> Identity<'_> {
        Identity {
            name: Some(&spec.name),
            arn: Some(&spec.arn),
            external_id: Some(&spec.external_id),
            aws_account_id: None,
        }
    }

    fn require_identity(&self, c: &Connector, what: &str, created: bool) -> Result<(), Error> {
        c.require_identity(&format!("QPS {} {what}", self.version), created)
    }

    async fn send_create(
        &self,
        spec: &ConnectorSpec,
        deadline: Deadline,
    ) -> Result<Sent<Connector>, Error> {
        let body = encode_request(self.version, RequestParts::data(spec))?;
        let call = self.call(Method::POST, "create", None, body, Safety::NotIdempotent);
        let reply = match self.client.transport().send(&call, deadline).await {
            Ok(reply) => reply,
            Err(SendError::MaybeDone(err)) => return Ok(Sent::MaybeDone(err)),
            Err(SendError::Failed(err)) => return Err(err),
        };
        let created = match self.decode(&reply, "create connector") {
            Ok(answer) => answer,
            Err(err @ Error::Decode { .. }) if reply.status.is_success() => {
                return Ok(Sent::Unreadable(err));
            }
            Err(err) => return Err(err),
        };
        let Some(connector) = created.items.into_iter().next() else {
            return Ok(Sent::Unreadable(Error::Decode {
                context: format!("QPS {} create connector", self.version),
                reason: "SUCCESS without the created connector".into(),
                excerpt: excerpt(&[]),
            }));
        };
        info!(id = connector.id, version = %self.version, "QPS connector created");
        // The answer is Qualys's own, whole or partial (the seed's v3 answer has no name); the
        // caller completes it from what it sent rather than spending a call on a re-read.
        Ok(Sent::Done(connector))
    }

    /// One `name EQUALS` search (and `awsAccountId EQUALS` with an account; more pages only
    /// past 1,000 matches), kept to exact matches whatever case or spacing rule Qualys applies.
    async fn search_by_name(
        &self,
        name: &str,
        account: Option<&str>,
        deadline: Deadline,
    ) -> Result<Vec<Connector>, Error> {
        let mut criteria = vec![Criterion::equals(SearchField::Name, name)];
        if let Some(account) = account {
            criteria.push(Criterion::equals(SearchField::AwsAccountId, account));
        }
        let found = self.search_pages(&criteria, None, deadline).await?;
        Ok(found
            .into_iter()
            .filter(|c| c.name.as_deref() == Some(name))
            .collect())
    }

    /// 1,000 connectors, by `id GREATER` the last one listed.
    async fn list_next_page(
        &self,
        listing: &mut Listing<u64, Connector>,
        deadline: Deadline,
    ) -> Result<(), Error> {
        let after_id = match listing.progress {
            Progress::At(id) => Some(id),
            _ => None,
        };
        let search = Search {
            criteria: Vec::new(),
            limit: MAX_PAGE_SIZE,
            after_id,
        };
        let page = self.search_within(&search, deadline).await?;
        let largest = page.connectors.iter().map(|c| c.id).max();
        let next = match largest {
            _ if !page.has_more => Progress::Done,
            // hasMoreRecords, yet nothing past where the page started: the listing would
            // never end (a server ignoring the paging).
            Some(largest) if after_id.is_none_or(|after| largest > after) => Progress::At(largest),
            _ => {
                warn!(version = %self.version, "QPS listing does not advance; reading one by one");
                Progress::Broken
            }
        };
        listing.add_page(page.connectors.into_iter().map(|c| (c.id, c)), next);
        Ok(())
    }

    async fn list_all_fresh(&self, deadline: Deadline) -> Result<Vec<Connector>, Error> {
        self.search_pages(&[], None, deadline).await
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;
    use crate::qualys::client::ClientConfig;

    fn client() -> Client {
        Client::new(ClientConfig::new(
            "http://127.0.0.1:9",
            "http://127.0.0.1:9",
            "demo",
            "pw",
        ))
        .unwrap()
    }

    fn assert_send<T: Send>(_: &T) {}

    /// The provider's gRPC handlers need `Send` futures.
    #[test]
    fn operations_are_send() {
        let client = client();
        let qps_spec = ConnectorSpec::default();
        let qps = client.qps(QpsVersion::V2);
        assert_send(&qps.create(&qps_spec));
        assert_send(&qps.read(1));
        assert_send(&qps.get(1));
        assert_send(&qps.search_all(&[]));
        assert_send(&qps.update(1, &qps_spec));
        assert_send(&qps.delete(1));
        assert_send(&qps.run(1));
    }

    #[tokio::test]
    async fn stop_is_shared_and_sticky() {
        let client = client();
        let clone = client.with_deadline(Instant::now() + Duration::from_secs(5));
        client.stop();
        let err = clone.qps(QpsVersion::V3).get(1).await.unwrap_err();
        assert!(matches!(err, Error::Stopped), "{err}");
    }
}
