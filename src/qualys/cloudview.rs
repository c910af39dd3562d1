//! The CloudView API v1 for AWS connectors (`/cloudview-api/rest/v1/aws/connectors`), JSON.
//!
//! Choices made here:
//! - **Errors.** CloudView answers errors with a 4xx status and a Spring error body
//!   `{timestamp, status, error, errorCode, message, path}`. A 404 is
//!   [`Error::NotFound`] only when it carries that JSON body; a bare 404 page means a wrong
//!   `cloudview_url`, reported as [`Error::Api`] so it can never empty Terraform's state.
//! - **Listing.** Pages are 0-based (`pageNo`), sorted as the API documents
//!   (`lastSyncedOn:desc`), as large as CloudView accepts: no public source gives the
//!   `pageSize` maximum, so the first listing of a [`Client`] asks for [`PROBE_PAGE_SIZE`]
//!   and, if CloudView answers 400, asks again for [`LIST_PAGE_SIZE`] (its default) and
//!   keeps that size for the client's life. Page numbers therefore always refer to one size. That key moves while we page, so results are
//!   de-duplicated by `connectorId`; a connector missed by a page is caught by the batched
//!   read's confirming `get`. The list ends at `last`, at `totalPages`, or at an empty page;
//!   a page answered as another page number than asked, a page that adds no new connector
//!   yet is not the last, more connectors than `totalElements`, or more than `MAX_PAGES`
//!   pages end it with an [`Error::Decode`],
//!   so a server repeating itself cannot keep the provider paging forever.
//!   A bare JSON array is accepted as a single page.
//! - **Delete, run, enable, disable** send the bare JSON array of ids `["<uuid>"]`, the
//!   body CloudView's Swagger spec gives (no public source shows any other form); 200 with
//!   `{}` and 204 are both success.
//! - **Batched reads never say "not found" for a listing.** When the listing that serves a
//!   batch fails in any way (a 404 included), each id is read with its own `get`, or gets the
//!   listing's error when that error would repeat (stop, deadline, credentials, throttling);
//!   only a `get` of that one id reports [`Error::NotFound`].
//! - **Updates of connectors CloudView may not change** (`CONNECTOR_NOT_MERGED`: made in the
//!   Connector app and not merged) are [`Error::WrongApi`] with CloudView's message.
//! - **Create.** Never retried blindly; a lost answer leads to a lookup by name (the
//!   `filter=name:` parameter) matched on AWS account, ARN and external ID.
//! - **Update** answers with the whole object (the seed's sample), which is returned as is.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;

use reqwest::{Method, Url};
use serde::{Deserialize, Serialize};
use tracing::{info, warn};

use super::create::{Created, Sent, create_at_most_once, recover_create, recovery_deadline};
use super::error::Error;
use super::http::{self, Body, Call, Deadline, Reply, Safety, SendError};
use super::lenient::{self, excerpt, inert};
use super::refresh::{Listing, Progress, Step};
use super::sync::{BaseAccounts, SyncError, WireBaseAccounts};
use super::{Client, aws_account_id_from_arn, require_identity};

const CONNECTORS_PATH: &str = "/cloudview-api/rest/v1/aws/connectors";
const JSON: &str = "application/json";

/// Connectors per list page when CloudView refuses [`PROBE_PAGE_SIZE`]: CloudView's own
/// default, which it always accepts. Also the page size of sync-error pages.
pub const LIST_PAGE_SIZE: u32 = 50;

/// The page size a client's first listing asks for (the largest QPS accepts; CloudView's
/// maximum is not public).
pub const PROBE_PAGE_SIZE: u32 = 1000;

/// The fewest reads in the first batch of a refresh that make it start the listing (see
/// [`refresh`](super::refresh)): fewer cost no more calls as one `get` each, and a small
/// refresh in a large subscription must never cost more calls than it has connectors.
const CLOUDVIEW_MIN_FIRST_BATCH: usize = 4;

/// Upper bound on pages followed (50,000 connectors), against a server that never says
/// "last".
const MAX_PAGES: u32 = 1000;

/// How often CloudView polls the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollingFrequency {
    #[serde(deserialize_with = "req_u32")]
    pub hours: u32,
    #[serde(deserialize_with = "req_u32")]
    pub minutes: u32,
}

fn req_u32<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    Ok(lenient::opt_u32(d)?.unwrap_or(0))
}

/// A CloudView AWS connector as Qualys reports it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connector {
    /// The connector's UUID.
    #[serde(deserialize_with = "req_string")]
    pub connector_id: String,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub provider: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub state: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub total_assets: Option<u64>,
    /// Java date form, e.g. `Wed Jan 13 05:17:58 UTC 2021`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub last_synced_on: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub next_synced_on: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_gov_cloud: Option<bool>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_china_region: Option<bool>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub aws_account_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_disabled: Option<bool>,
    #[serde(default)]
    pub polling_frequency: Option<PollingFrequency>,
    /// An error code such as `50004`, or empty.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub error: Option<String>,
    /// The Qualys AWS account the role must trust.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub base_account_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub external_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub arn: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub portal_connector_uuid: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_portal_connector: Option<bool>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub remediation_enabled: Option<bool>,
}

impl Connector {
    /// `Err(Error::Incomplete)` unless the connector has a name, an ARN and an external ID.
    pub(crate) fn require_identity(&self, context: &str, created: bool) -> Result<(), Error> {
        require_identity(
            || format!("CloudView {context}, connector {}", self.connector_id),
            created.then(|| self.connector_id.clone()),
            [
                ("name", self.name.as_deref()),
                ("arn", self.arn.as_deref()),
                ("externalId", self.external_id.as_deref()),
            ],
        )
    }
}

fn require_identities(connectors: &[Connector], context: &str) -> Result<(), Error> {
    connectors
        .iter()
        .try_for_each(|c| c.require_identity(context, false))
}

fn req_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match lenient::opt_string(d)? {
        Some(s) if !s.trim().is_empty() => Ok(s),
        _ => Err(serde::de::Error::custom("connectorId is missing or empty")),
    }
}

/// The body of a create or update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorSpec {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub arn: String,
    /// `<Qualys POD>-<subscription id>-<5 to 13 letters or digits>` for new or updated
    /// connectors.
    pub external_id: String,
    pub is_gov_cloud: bool,
    pub is_china_region: bool,
    pub is_portal_connector: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub polling_frequency: Option<PollingFrequency>,
    /// `remediationEnabled` (CloudView's Swagger spec): whether CloudView may remediate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remediation_enabled: Option<bool>,
}

/// One page of the connector list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub connectors: Vec<Connector>,
    /// 0-based page number.
    pub number: u32,
    pub total_pages: Option<u32>,
    pub total_elements: Option<u64>,
    pub last: bool,
}

/// A Spring page as CloudView answers a list.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WirePage {
    content: Vec<Connector>,
    #[serde(default, deserialize_with = "lenient::opt_u32")]
    number: Option<u32>,
    #[serde(default, deserialize_with = "lenient::opt_u32")]
    total_pages: Option<u32>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    total_elements: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    last: Option<bool>,
}

/// A list answer: a Spring page, or a bare array. Told apart by the first character rather
/// than by an untagged enum, which would buffer the whole answer in an intermediate tree
/// first (a page of 1,000 connectors is over a megabyte).
enum ListShape {
    Page(WirePage),
    Bare(Vec<Connector>),
}

/// A Spring error body.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    status: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    error: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    error_code: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    message: Option<String>,
}

/// One sync error as `GET /{id}/errors` lists it (the spec spells `occuredOn`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireSyncError {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    error: Option<String>,
    #[serde(
        default,
        alias = "occurredOn",
        deserialize_with = "lenient::opt_string"
    )]
    occured_on: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    region: Option<String>,
}

/// A Spring page of sync errors.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireErrorPage {
    content: Vec<WireSyncError>,
    #[serde(default, deserialize_with = "lenient::opt_u32")]
    total_pages: Option<u32>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    last: Option<bool>,
}

/// The CloudView API, borrowed from a [`Client`].
pub struct CloudView<'c> {
    pub(crate) client: &'c Client,
}

impl CloudView<'_> {
    /// A refusal of the credentials, with what to check.
    fn explained<T>(&self, result: Result<T, Error>) -> Result<T, Error> {
        result.map_err(|e| self.client.explain(e, self.client.cloudview_url()))
    }

    /// One page of the list (0-based), optionally filtered by name. A connector without its
    /// identity fields makes the page [`Error::Incomplete`].
    pub async fn list_page(&self, page_no: u32, name: Option<&str>) -> Result<Page, Error> {
        let page = self
            .list_page_within(page_no, name, self.client.deadline())
            .await?;
        require_identities(&page.connectors, "list connectors")?;
        Ok(page)
    }

    /// One page at the client's page size, finding that size out on first use (see the
    /// module documentation).
    async fn list_page_within(
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
        let all = self.list_all_within(None, self.client.deadline()).await?;
        require_identities(&all, "list connectors")?;
        Ok(all)
    }

    pub(crate) async fn list_all_within(
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

    /// Reads one connector with a single call. [`CloudView::read`] is the batched
    /// equivalent.
    pub async fn get(&self, id: &str) -> Result<Connector, Error> {
        let url = self.url(Some(checked_id(id)?));
        let reply = self
            .send(
                Method::GET,
                url,
                None,
                Safety::Idempotent,
                self.client.deadline(),
            )
            .await?;
        let what = format!("get connector {id}");
        let connector = self.explained(connector_from_reply(&reply, &what))?;
        if connector.connector_id != id {
            return Err(Error::Decode {
                context: format!("CloudView {what}"),
                reason: format!("the answer is connector {}", connector.connector_id),
                excerpt: excerpt(&reply.body),
            });
        }
        connector.require_identity("get", false)?;
        Ok(connector)
    }

    /// Reads one connector; concurrent reads are coalesced (see [`batch`](super::batch)).
    pub async fn read(&self, id: &str) -> Result<Connector, Error> {
        checked_id(id)?;
        self.client.read_cloudview(id).await
    }

    /// Answers a batch of refresh reads from the listing snapshot, listing more of it or
    /// reading one by one (a `get` each: CloudView has no id filter) as
    /// [`refresh`](super::refresh) decides.
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

    /// Lists the page of the snapshot's listing that comes next into it.
    pub(crate) async fn list_next_page(
        &self,
        listing: &mut Listing<String, Connector>,
        deadline: Deadline,
    ) -> Result<(), Error> {
        let page_no = match listing.progress {
            Progress::At(n) => u32::try_from(n).unwrap_or(u32::MAX),
            _ => 0,
        };
        let page = self.list_page_within(page_no, None, deadline).await?;
        let next = if page.number != page_no {
            warn!(
                asked = page_no,
                answered = page.number,
                "CloudView listing answered another page; reading one by one"
            );
            Progress::Broken
        } else if page.last
            || page.connectors.is_empty()
            || page.total_pages.is_some_and(|total| page_no + 1 >= total)
        {
            Progress::Done
        } else if page
            .connectors
            .iter()
            .all(|c| listing.get(&c.connector_id).is_some())
            || page_no + 1 >= MAX_PAGES
        {
            warn!(
                page = page_no,
                "CloudView listing does not advance; reading one by one"
            );
            Progress::Broken
        } else {
            Progress::At(u64::from(page_no) + 1)
        };
        listing.add_page(
            page.connectors
                .into_iter()
                .map(|c| (c.connector_id.clone(), c)),
            next,
        );
        Ok(())
    }

    /// Every connector, through the refresh snapshot (see [`Qps::list_all_shared`]).
    ///
    /// [`Qps::list_all_shared`]: super::qps::Qps::list_all_shared
    pub(crate) async fn list_all_shared(&self) -> Result<Vec<Connector>, Error> {
        let deadline = self.client.deadline();
        let mut listing = self.client.shared.cloudview_listing.lock(deadline).await?;
        listing.restart_if_incomplete();
        while matches!(listing.progress, Progress::NotStarted | Progress::At(_)) {
            self.list_next_page(&mut listing, deadline).await?;
        }
        if listing.progress == Progress::Broken {
            drop(listing);
            return self.list_all().await;
        }
        let mut all = listing.all();
        all.sort_by(|a, b| a.connector_id.cmp(&b.connector_id));
        require_identities(&all, "list connectors")?;
        Ok(all)
    }

    /// Creates a connector. See the module documentation for a lost answer.
    pub async fn create(&self, spec: &ConnectorSpec) -> Result<Connector, Error> {
        self.create_checked(spec)
            .await
            .map(|created| created.connector)
    }

    /// [`CloudView::create`], saying whether the connector was found by a lookup after an
    /// answer that could not be trusted (see [`create`](super::create)).
    pub async fn create_checked(&self, spec: &ConnectorSpec) -> Result<Created<Connector>, Error> {
        let body = encode(spec)?;
        let deadline = self.client.deadline();
        let send = || async {
            let reply = match self
                .send(
                    Method::POST,
                    self.url(None),
                    Some(body.clone()),
                    Safety::NotIdempotent,
                    deadline,
                )
                .await
            {
                Ok(reply) => reply,
                Err(SendError::Unanswered(err)) => return Ok(Sent::MaybeDone(err)),
                Err(SendError::Failed(err)) => return Err(err),
            };
            self.explained(check(&reply, "create connector"))?;
            match decode::<Connector>(&reply, "create connector") {
                Ok(connector) => Ok(Sent::Done(connector)),
                // Qualys said 2xx: the connector probably exists.
                Err(err) => self.recover_answered(spec, err).await.map(Sent::Done),
            }
        };
        let mut created = create_at_most_once(
            self.client.transport(),
            deadline,
            &spec.name,
            send,
            |deadline| self.lookup_created(spec, deadline),
            |c: &Connector| c.connector_id.clone(),
        )
        .await?;
        if created.adopted_after.is_some() {
            created
                .connector
                .require_identity("adopted connector", true)?;
            return Ok(created);
        }
        let connector = &created.connector;
        info!(id = %connector.connector_id, "CloudView connector created");
        let incomplete = match connector.require_identity("create", true) {
            Ok(()) => return Ok(created),
            Err(incomplete) => incomplete,
        };
        // The answer lacks fields: the connector as CloudView reads it back, else the
        // `Incomplete` error, which still carries the new id.
        match self.get(&connector.connector_id).await {
            Ok(full) => {
                created.connector = full;
                Ok(created)
            }
            Err(err) => {
                warn!(id = %connector.connector_id, error = %err, "could not re-read the created connector");
                Err(incomplete)
            }
        }
    }

    /// The connectors a create of `spec` may have made: same name and AWS account, and ARN
    /// and external ID where reported.
    async fn lookup_created(
        &self,
        spec: &ConnectorSpec,
        deadline: Deadline,
    ) -> Result<Vec<Connector>, Error> {
        let account = aws_account_id_from_arn(&spec.arn);
        let found = self.list_all_within(Some(&spec.name), deadline).await?;
        Ok(found
            .into_iter()
            .filter(|c| c.name.as_deref() == Some(spec.name.as_str()))
            .filter(|c| {
                account.is_none()
                    || c.aws_account_id.is_none()
                    || c.aws_account_id.as_deref() == account
            })
            .filter(|c| c.arn.as_deref().is_none_or(|arn| arn == spec.arn))
            .filter(|c| {
                c.external_id
                    .as_deref()
                    .is_none_or(|x| x == spec.external_id)
            })
            .collect())
    }

    /// A 2xx create answer that could not be read: the connector it made, looked up.
    async fn recover_answered(
        &self,
        spec: &ConnectorSpec,
        cause: Error,
    ) -> Result<Connector, Error> {
        let adopted = recover_create(
            self.client.transport(),
            recovery_deadline(self.client.deadline()),
            &spec.name,
            cause.clone(),
            true,
            |deadline| self.lookup_created(spec, deadline),
            |c: &Connector| c.connector_id.clone(),
        )
        .await?
        .ok_or(cause)?;
        adopted.require_identity("adopted connector", true)?;
        Ok(adopted)
    }

    /// Replaces a connector's settings and returns it as Qualys reports it.
    pub async fn update(&self, id: &str, spec: &ConnectorSpec) -> Result<Connector, Error> {
        let url = self.url(Some(checked_id(id)?));
        let reply = self
            .send(
                Method::PUT,
                url,
                Some(encode(spec)?),
                Safety::Idempotent,
                self.client.deadline(),
            )
            .await?;
        let what = format!("update connector {id}");
        self.explained(check(&reply, &what))?;
        let connector: Connector = decode(&reply, &what)?;
        connector.require_identity("update", false)?;
        Ok(connector)
    }

    /// Deletes a connector (`DELETE` on the collection with `["<uuid>"]`). One already gone
    /// is [`Error::NotFound`].
    pub async fn delete(&self, id: &str) -> Result<(), Error> {
        self.bulk_action(Method::DELETE, None, "delete", &[id])
            .await
    }

    /// Enables connectors (`PATCH /enable`), all or none.
    pub async fn enable(&self, ids: &[&str]) -> Result<(), Error> {
        self.bulk_action(Method::PATCH, Some("enable"), "enable", ids)
            .await
    }

    /// Disables connectors (`PATCH /disable`), all or none.
    pub async fn disable(&self, ids: &[&str]) -> Result<(), Error> {
        self.bulk_action(Method::PATCH, Some("disable"), "disable", ids)
            .await
    }

    /// Starts a sync of each connector (`POST /run`), all or none. A disabled connector is
    /// refused ([`Error::InvalidRequest`], `CONNECTOR_DISABLED`).
    pub async fn run(&self, ids: &[&str]) -> Result<(), Error> {
        self.bulk_action(Method::POST, Some("run"), "run", ids)
            .await
    }

    /// The calls that take the bare JSON array of ids. A repeat after a lost answer is
    /// harmless for each (a second delete answers 404, which the caller sees as gone).
    async fn bulk_action(
        &self,
        method: Method,
        sub_path: Option<&str>,
        action: &str,
        ids: &[&str],
    ) -> Result<(), Error> {
        let ids = ids
            .iter()
            .map(|id| checked_id(id))
            .collect::<Result<Vec<_>, _>>()?;
        if ids.is_empty() {
            return Ok(());
        }
        let what = format!("{action} connector {}", ids.join(", "));
        let reply = self
            .send(
                method,
                self.url(sub_path),
                Some(encode(&ids)?),
                Safety::Idempotent,
                self.client.deadline(),
            )
            .await?;
        self.explained(check(&reply, &what))
    }

    /// The errors of the connector's last failed sync (`GET /{id}/errors`), every page up
    /// to `MAX_PAGES`.
    pub async fn sync_errors(&self, id: &str) -> Result<Vec<SyncError>, Error> {
        let id = checked_id(id)?;
        let deadline = self.client.deadline();
        let what = format!("sync errors of connector {id}");
        let mut errors = Vec::new();
        for page_no in 0..MAX_PAGES {
            let mut url = self.url(Some(&format!("{id}/errors")));
            url.query_pairs_mut()
                .append_pair("pageNo", &page_no.to_string())
                .append_pair("pageSize", &LIST_PAGE_SIZE.to_string());
            let reply = self
                .send(Method::GET, url, None, Safety::Idempotent, deadline)
                .await?;
            let (page, last) = self.explained(sync_errors_from_reply(&reply, page_no, &what))?;
            let empty = page.is_empty();
            errors.extend(page);
            if last || empty {
                return Ok(errors);
            }
        }
        Err(Error::Decode {
            context: format!("CloudView {what}"),
            reason: format!("still not the last page after {MAX_PAGES} pages"),
            excerpt: String::new(),
        })
    }

    /// The Qualys AWS accounts roles must trust (`GET /awsBaseAccountId`).
    /// [`Client::base_accounts`] is the cached entry point.
    pub async fn base_accounts(&self) -> Result<BaseAccounts, Error> {
        let what = "base accounts";
        let reply = self
            .send(
                Method::GET,
                self.url(Some("awsBaseAccountId")),
                None,
                Safety::Idempotent,
                self.client.deadline(),
            )
            .await?;
        self.explained(base_accounts_from_reply(&reply, what))
    }

    fn url(&self, id: Option<&str>) -> Url {
        let path = match id {
            Some(id) => format!("{CONNECTORS_PATH}/{id}"),
            None => CONNECTORS_PATH.to_owned(),
        };
        http::join(self.client.cloudview_url(), &path)
    }

    async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
        safety: Safety,
        deadline: Deadline,
    ) -> Result<Reply, SendError> {
        let call = Call {
            method,
            url,
            accept: JSON,
            body: body.map(|bytes| Body {
                content_type: JSON,
                bytes,
            }),
            safety,
        };
        self.client.transport().send(&call, deadline).await
    }
}

/// Reads the connector a get answers; `what` names the call in errors.
pub(crate) fn connector_from_reply(reply: &Reply, what: &str) -> Result<Connector, Error> {
    check(reply, what)?;
    decode(reply, what)
}

/// Reads one list page from its reply. The page number is the one asked for when the
/// answer does not say.
pub(crate) fn page_from_reply(reply: &Reply, page_no: u32) -> Result<Page, Error> {
    let what = format!("list connectors, page {page_no}");
    check(reply, &what)?;
    let bare = reply
        .body
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'[');
    let shape = if bare {
        ListShape::Bare(decode(reply, &what)?)
    } else {
        ListShape::Page(decode(reply, &what)?)
    };
    Ok(match shape {
        ListShape::Page(p) => Page {
            last: p.last.unwrap_or_else(|| match (p.total_pages, p.number) {
                (Some(total), Some(n)) => n + 1 >= total,
                _ => p.content.is_empty(),
            }),
            number: p.number.unwrap_or(page_no),
            total_pages: p.total_pages,
            total_elements: p.total_elements,
            connectors: p.content,
        },
        ListShape::Bare(connectors) => Page {
            number: page_no,
            total_pages: Some(1),
            total_elements: Some(connectors.len() as u64),
            connectors,
            last: true,
        },
    })
}

/// One page of sync errors (page `page_no`) and whether it is the last.
pub(crate) fn sync_errors_from_reply(
    reply: &Reply,
    page_no: u32,
    what: &str,
) -> Result<(Vec<SyncError>, bool), Error> {
    check(reply, what)?;
    let page: WireErrorPage = decode(reply, what)?;
    let last = page
        .last
        .unwrap_or_else(|| page.total_pages.is_none_or(|total| page_no + 1 >= total));
    let errors = page
        .content
        .into_iter()
        .map(|e| SyncError {
            region: e
                .region
                .filter(|r| !r.trim().is_empty())
                .as_deref()
                .map(inert),
            time: e
                .occured_on
                .filter(|t| !t.trim().is_empty())
                .as_deref()
                .map(inert),
            message: inert(&e.error.unwrap_or_default()),
        })
        .collect();
    Ok((errors, last))
}

/// The base accounts in a `GET /awsBaseAccountId` answer.
pub(crate) fn base_accounts_from_reply(reply: &Reply, what: &str) -> Result<BaseAccounts, Error> {
    check(reply, what)?;
    let wire: WireBaseAccounts = decode(reply, what)?;
    wire.into_accounts().map_err(|reason| Error::Decode {
        context: format!("CloudView {what}"),
        reason,
        excerpt: excerpt(&reply.body),
    })
}

/// Connector ids go into URL paths: only UUID characters are accepted.
fn checked_id(id: &str) -> Result<&str, Error> {
    if !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
        Ok(id)
    } else {
        Err(Error::InvalidRequest {
            message: format!("{id:?} is not a CloudView connector id"),
            resolution: Some(
                "use the connector's UUID, e.g. 8889b18b-6f92-33d3-8afd-6d9d144177e8".into(),
            ),
        })
    }
}

fn encode<T: Serialize + ?Sized>(body: &T) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(body).map_err(|e| Error::Config(format!("cannot encode the request: {e}")))
}

/// Maps a non-2xx reply to its error.
fn check(reply: &Reply, what: &str) -> Result<(), Error> {
    let status = reply.status;
    if status.is_success() {
        return Ok(());
    }
    let body: Option<ErrorBody> = lenient::check_json_nesting(&reply.body)
        .ok()
        .and_then(|()| serde_json::from_slice(&reply.body).ok());
    let message = body
        .as_ref()
        .and_then(|b| b.message.clone().or_else(|| b.error.clone()))
        .filter(|m| !m.trim().is_empty())
        .map(|m| inert(&m))
        .unwrap_or_else(|| excerpt(&reply.body));
    let code = body
        .as_ref()
        .and_then(|b| b.error_code.as_deref().map(inert));
    Err(match status.as_u16() {
        400 if code.as_deref() == Some("CONNECTOR_NOT_MERGED") => Error::WrongApi { message },
        400 | 422 => Error::InvalidRequest {
            message: match &code {
                Some(code) => format!("{message} (error code {code})"),
                None => message,
            },
            resolution: None,
        },
        401 => Error::Unauthorized {
            message: "HTTP 401: check the username and password".into(),
        },
        403 => Error::Unauthorized {
            message: format!("HTTP 403: {message}"),
        },
        // Only CloudView's own error body means "no such connector".
        404 if body
            .as_ref()
            .is_some_and(|b| b.status.is_some() || b.error_code.is_some()) =>
        {
            Error::NotFound {
                what: format!("CloudView AWS connector ({what})"),
            }
        }
        _ => Error::Api {
            status: status.as_u16(),
            code,
            message,
            resolution: None,
        },
    })
}

/// Decodes a JSON body whose nesting was checked first (see
/// [`MAX_NESTING`](lenient::MAX_NESTING)).
fn decode<T: for<'de> Deserialize<'de>>(reply: &Reply, what: &str) -> Result<T, Error> {
    let error = |reason: String| Error::Decode {
        context: format!("CloudView {what}"),
        reason,
        excerpt: excerpt(&reply.body),
    };
    lenient::check_json_nesting(&reply.body).map_err(error)?;
    serde_json::from_slice(&reply.body).map_err(|e| error(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status: StatusCode::from_u16(status).unwrap(),
            body: body.as_bytes().to_vec(),
        }
    }

    /// The seed's list entry.
    const SEED_ITEM: &str = r#"{
      "name": "AWS Connector", "connectorId": "7f25a529-4629-31e6-9bef-7a5828c360a8",
      "description": "", "provider": "AWS", "state": "SUCCESS", "totalAssets": 241,
      "lastSyncedOn": "Wed Jan 13 05:17:58 UTC 2021", "nextSyncedOn": "Wed Jan 13 09:17:58 UTC 2021",
      "isGovCloud": false, "isChinaRegion": false, "awsAccountId": "XXXXXXXXXXXX",
      "isDisabled": false, "groups": [], "pollingFrequency": {"hours": 4, "minutes": 0},
      "error": "", "baseAccountId": "XXXXXXXXXXX", "externalId": "USPOD01-4765-9011278609223",
      "arn": "arn:aws:iam::XXXXXXXXXXXX:role/user_john_new_connector",
      "portalConnectorUuid": "2d39470f-cf33-45e3-8b12-ee5916bf18c9", "isPortalConnector": true
    }"#;

    #[test]
    fn seed_list_page() {
        let body = format!(
            r#"{{"content":[{SEED_ITEM}],"totalElements":1,"totalPages":1,"numberOfElements":1,"size":50,"number":0,"first":true,"last":true,"empty":false}}"#
        );
        let page = page_from_reply(&reply(200, &body), 0).unwrap();
        let c = &page.connectors[0];
        assert_eq!(c.connector_id, "7f25a529-4629-31e6-9bef-7a5828c360a8");
        assert_eq!(c.total_assets, Some(241));
        assert_eq!(
            c.polling_frequency,
            Some(PollingFrequency {
                hours: 4,
                minutes: 0
            })
        );
        assert_eq!(c.error.as_deref(), Some(""));
        assert_eq!(c.is_portal_connector, Some(true));
        assert_eq!(
            c.portal_connector_uuid.as_deref(),
            Some("2d39470f-cf33-45e3-8b12-ee5916bf18c9")
        );
        assert!(page.last);
        assert_eq!(page.total_elements, Some(1));
    }

    #[test]
    fn seed_create_response_and_lenient_scalars() {
        let body = r#"{"name":"ABC","connectorId":"8889b18b-6f92-33d3-8afd-6d9d144177e8","description":"Sample External ID",
          "provider":"AWS","state":"PENDING","totalAssets":"0","isGovCloud":"true","isChinaRegion":true,
          "awsAccountId":123456789012,"isDisabled":false,"groups":[],"pollingFrequency":{"hours":"1","minutes":1},
          "error":50004,"baseAccountId":"XXXXXXXXXXXX","externalId":"USPOD01-4765-9011278609223",
          "arn":"arn:aws:iam::XXXXXXXXXXXX:role/CloudViewTest","isPortalConnector":false}"#;
        let c: Connector = decode(&reply(200, body), "create").unwrap();
        assert_eq!(c.is_gov_cloud, Some(true));
        assert_eq!(c.total_assets, Some(0));
        assert_eq!(c.aws_account_id.as_deref(), Some("123456789012"));
        assert_eq!(c.error.as_deref(), Some("50004"));
        assert_eq!(
            c.polling_frequency,
            Some(PollingFrequency {
                hours: 1,
                minutes: 1
            })
        );
    }

    #[test]
    fn bare_array_is_one_page_and_garbage_is_an_error() {
        let body = format!("[{SEED_ITEM}]");
        let page = page_from_reply(&reply(200, &format!(" \n{body}")), 3).unwrap();
        assert_eq!(page.connectors.len(), 1);
        assert!(page.last && page.number == 3);
        for bad in [
            r#"{"items":[]}"#,
            r#"{"content":"#,
            "<html/>",
            r#"{"content":[{"name":"no id"}]}"#,
        ] {
            let err = page_from_reply(&reply(200, bad), 0)
                .err()
                .unwrap_or_else(|| panic!("{bad} decoded"));
            assert!(
                matches!(&err, Error::Decode { excerpt, .. } if !excerpt.is_empty()),
                "{err}"
            );
        }
    }

    #[test]
    fn error_statuses() {
        let spring = |status: u16, message: &str| {
            format!(
                r#"{{"timestamp":"2024-01-01T00:00:00Z","status":{status},"error":"Bad","errorCode":"CV-{status}","message":"{message}","path":"/x"}}"#
            )
        };
        match check(
            &reply(400, &spring(400, "externalId has a bad format")),
            "create",
        ) {
            Err(Error::InvalidRequest { message, .. }) => {
                assert!(
                    message.contains("externalId has a bad format") && message.contains("CV-400"),
                    "{message}"
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            check(&reply(404, &spring(404, "no such connector")), "get"),
            Err(Error::NotFound { .. })
        ));
        assert!(matches!(
            check(&reply(404, "<html>Not Found</html>"), "get"),
            Err(Error::Api { status: 404, .. })
        ));
        assert!(matches!(
            check(&reply(401, ""), "get"),
            Err(Error::Unauthorized { .. })
        ));
        assert!(
            matches!(check(&reply(500, &spring(500, "boom")), "get"), Err(Error::Api { status: 500, message, .. }) if message == "boom")
        );
        assert!(check(&reply(204, ""), "delete").is_ok());
    }

    #[test]
    fn spec_serializes_as_the_seed() {
        let spec = ConnectorSpec {
            name: "ABC".into(),
            description: Some("Sample External ID".into()),
            arn: "arn:aws:iam::123456789012:role/CloudViewTest".into(),
            external_id: "USPOD01-4765-9011278609223".into(),
            is_gov_cloud: true,
            is_china_region: false,
            is_portal_connector: true,
            polling_frequency: Some(PollingFrequency {
                hours: 1,
                minutes: 1,
            }),
            remediation_enabled: None,
        };
        let v: serde_json::Value = serde_json::from_slice(&encode(&spec).unwrap()).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"name":"ABC","description":"Sample External ID",
                "arn":"arn:aws:iam::123456789012:role/CloudViewTest","externalId":"USPOD01-4765-9011278609223",
                "isGovCloud":true,"isChinaRegion":false,"isPortalConnector":true,
                "pollingFrequency":{"hours":1,"minutes":1}})
        );
        let v: serde_json::Value = serde_json::from_slice(&encode(&["a-b"]).unwrap()).unwrap();
        assert_eq!(v, serde_json::json!(["a-b"]));
    }

    #[test]
    fn ids_are_checked_before_reaching_a_path() {
        assert!(checked_id("8889b18b-6f92-33d3-8afd-6d9d144177e8").is_ok());
        for bad in ["", "../x", "a/b", "id?x=1", "zz"] {
            assert!(
                matches!(checked_id(bad), Err(Error::InvalidRequest { .. })),
                "{bad}"
            );
        }
    }
}
