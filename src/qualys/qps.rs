//! The Connector app's QPS API for AWS connectors (`/qps/rest/{3.0|2.0}/.../am/awsassetdataconnector`),
//! in both its dialects: v3 speaks JSON, v2 speaks XML through quick-xml's serde support. One
//! typed model serves both; only the codec differs.
//!
//! Choices made here:
//! - **Answers are sniffed, not assumed.** A body starting with `{` is decoded as JSON and
//!   one starting with `<` as XML, whatever the version asked for, so an XML error page
//!   from a v3 call still yields Qualys's message.
//! - **`responseCode` decides, not the HTTP status.** Qualys reports most errors with HTTP
//!   200. Only `OBJECT_NOT_FOUND` becomes [`Error::NotFound`]; an HTTP 404 without a QPS
//!   envelope (a wrong `api_url`) is an [`Error::Api`], so a misconfigured URL can never make
//!   Terraform believe every connector was deleted.
//! - **Tolerance.** `data` may be an array of wrappers or a single wrapper; scalars may be
//!   strings; region collections may be `list`/`set`, wrapped or bare (see
//!   [`lenient`](super::lenient)); unknown fields are ignored. A `count` that promises
//!   connectors the body does not hold is a decode error, never an empty result.
//! - **Incomplete answers are errors.** A connector answered without its name, ARN or
//!   external ID (by get, search or a batched read) is [`Error::Incomplete`], never a
//!   connector with empty fields that Terraform would read as drift or as an inconsistent
//!   apply. Create and update answers are the exception (see below).
//! - **Writes do not re-read.** Create and update return Qualys's answer as it is: whole, or
//!   partial (the seed's create answers lack fields, and the contract says updates answer
//!   with the id only). The caller completes it from what it sent, which Qualys accepted; a
//!   `get` per write would double an apply's calls against a 300-an-hour budget.
//! - **Create is never retried blindly.** When its answer is lost (timeout, connection
//!   closed after sending) or undecodable, the connector is looked up by name and AWS
//!   account (and matched on ARN and external ID) and adopted if exactly one matches;
//!   otherwise the caller gets [`Error::CreateUnconfirmed`] listing the candidates. A
//!   lookup that fails is tried again with backoff until the operation's deadline (at
//!   least a minute, because the create may have used it up).
//! - **Paging.** [`Qps::search_all`] asks for [`MAX_PAGE_SIZE`] connectors a page and
//!   follows `hasMoreRecords` by adding `id GREATER <largest id so far>` to the caller's
//!   criteria, the way the docs.qualys.com pages page this object (no public source shows
//!   `startFromOffset` on it, and `id GREATER` needs no assumption about whether
//!   `startFromId` is inclusive). Duplicates are dropped by id. Paging always ends: a page
//!   that still says `hasMoreRecords` but adds no new id, or more than `MAX_SEARCH_PAGES`
//!   pages, ends the listing with an [`Error::Decode`].
//! - **Modules, apps, default tags** are sent in the forms of Qualys's own create scripts
//!   (`activation.set.ActivationModule`, `connectorAppInfos.set.ConnectorAppInfoQList[].set.
//!   ConnectorAppInfo {name, identifier}`, `defaultTags.set.TagSimple[{id}]`), in v2 as the
//!   same elements; each app's identifier is the connector's role ARN.
//! - **Updates Qualys refuses because CloudView made the connector** ("only connectors
//!   created in the Connector app can be updated") are [`Error::WrongApi`].
//! - **Sync errors and base accounts** come from the `assetdataconnectorerrors` and
//!   `awsbaseaccount` objects (the docs.qualys.com Connector v3 pages).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::marker::PhantomData;

use reqwest::{Method, StatusCode};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use tracing::{info, warn};

use super::error::Error;
use super::http::{self, Body, Call, Deadline, Reply, Safety, SendError};
use super::lenient::{self, OneOrMany, Tree, excerpt};
use super::refresh::{Listing, Progress, Step};
use super::sync::{BaseAccounts, SyncError, WireBaseAccounts};
use super::{Client, aws_account_id_from_arn, recover_create, recovery_deadline, require_identity};

/// Which dialect of the QPS API to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QpsVersion {
    /// `/qps/rest/3.0`, JSON.
    V3,
    /// `/qps/rest/2.0`, XML.
    V2,
}

impl QpsVersion {
    fn path(self) -> &'static str {
        match self {
            QpsVersion::V3 => "3.0",
            QpsVersion::V2 => "2.0",
        }
    }

    fn media_type(self) -> &'static str {
        match self {
            QpsVersion::V3 => "application/json",
            QpsVersion::V2 => "text/xml",
        }
    }
}

impl fmt::Display for QpsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            QpsVersion::V3 => "v3",
            QpsVersion::V2 => "v2",
        })
    }
}

/// A QPS AWS connector as Qualys reports it. Fields Qualys left out are `None`; for the
/// region lists, `Some(vec![])` means Qualys reported an empty collection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connector {
    #[serde(deserialize_with = "lenient::req_u64")]
    pub id: u64,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub arn: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub external_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub aws_account_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub qualys_aws_account_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub all_regions: Option<bool>,
    #[serde(default, deserialize_with = "opt_regions")]
    pub cspm_regions: Option<Vec<String>>,
    /// Asset inventory regions.
    #[serde(default, deserialize_with = "opt_regions")]
    pub endpoints: Option<Vec<String>>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_gov_cloud_configured: Option<bool>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_china_configured: Option<bool>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub disabled: Option<bool>,
    /// Minutes between syncs.
    #[serde(default, deserialize_with = "lenient::opt_u32")]
    pub run_frequency: Option<u32>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_remediation_enabled: Option<bool>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub connector_state: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub last_sync: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub next_sync: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub cloudview_uuid: Option<String>,
    /// `activation`: the modules the connector activates (VM, PC, CERTVIEW, ...).
    #[serde(default, rename = "activation", deserialize_with = "opt_modules")]
    pub activation_modules: Option<Vec<String>>,
    /// `connectorAppInfos`: the names of the connector's apps (AI, CI, CSA).
    #[serde(default, rename = "connectorAppInfos", deserialize_with = "opt_apps")]
    pub connector_apps: Option<Vec<String>>,
    /// `defaultTags`: ids of the tags put on the assets found.
    #[serde(default, rename = "defaultTags", deserialize_with = "opt_tags")]
    pub default_tag_ids: Option<Vec<u64>>,
    /// The last sync's error message (read only).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub last_error: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub total_assets: Option<u64>,
}

impl Connector {
    /// `Err(Error::Incomplete)` unless the connector has a name, an ARN and an external ID.
    pub(crate) fn require_identity(&self, context: &str, created: bool) -> Result<(), Error> {
        require_identity(
            || format!("{context}, connector {}", self.id),
            created.then(|| self.id.to_string()),
            [
                ("name", self.name.as_deref()),
                ("arn", self.arn.as_deref()),
                ("externalId", self.external_id.as_deref()),
            ],
        )
    }
}

fn opt_regions<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    lenient::region_codes(d).map(Some)
}

/// The items under `wrapper` anywhere in a QList (`list`/`set`, wrapped or not, JSON or XML).
fn qlist_items<'de, D: Deserializer<'de>, T>(
    d: D,
    wrapper: &str,
    item: impl Fn(&Tree) -> Result<T, String>,
) -> Result<Option<Vec<T>>, D::Error> {
    let tree = Tree::deserialize(d)?;
    let mut found = Vec::new();
    tree.named(wrapper, &mut found);
    found
        .into_iter()
        .map(item)
        .collect::<Result<Vec<T>, String>>()
        .map(Some)
        .map_err(de::Error::custom)
}

fn opt_modules<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    qlist_items(d, "ActivationModule", |t| {
        t.text()
            .map(str::to_owned)
            .ok_or_else(|| "an ActivationModule that is not a module name".to_owned())
    })
}

fn opt_apps<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    qlist_items(d, "ConnectorAppInfo", |t| {
        t.field("name")
            .and_then(Tree::text)
            .map(str::to_owned)
            .ok_or_else(|| "a ConnectorAppInfo without a name".to_owned())
    })
}

fn opt_tags<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u64>>, D::Error> {
    qlist_items(d, "TagSimple", |t| {
        t.field("id")
            .or(Some(t))
            .and_then(Tree::text)
            .and_then(|id| id.parse().ok())
            .ok_or_else(|| "a TagSimple without a numeric id".to_owned())
    })
}

/// What to create, or what an update sets. `None` leaves a field out of the request (Qualys
/// keeps its current value or default). The region lists use QList `set` semantics:
/// `Some(vec![])` clears the collection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectorSpec {
    pub name: String,
    pub description: Option<String>,
    pub arn: String,
    pub external_id: String,
    /// `isGovCloudConfigured`.
    pub is_gov_cloud: Option<bool>,
    pub all_regions: Option<bool>,
    pub cspm_regions: Option<Vec<String>>,
    /// Asset inventory regions (`endpoints`); each must be among `cspm_regions` when those
    /// are given.
    pub endpoints: Option<Vec<String>>,
    pub disabled: Option<bool>,
    /// Minutes between syncs, 60 to 1440.
    pub run_frequency: Option<u32>,
    pub is_remediation_enabled: Option<bool>,
    /// `activation`: module names such as `VM`, `PC`; `Some(vec![])` clears them.
    pub activation_modules: Option<Vec<String>>,
    /// `connectorAppInfos`: app names `AI`, `CI`, `CSA`, each sent with the role ARN as its
    /// identifier; `Some(vec![])` clears them.
    pub connector_apps: Option<Vec<String>>,
    /// `defaultTags`: tag ids; `Some(vec![])` clears them.
    pub default_tag_ids: Option<Vec<u64>>,
}

/// A field QPS search can filter on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchField {
    Id,
    Name,
    AwsAccountId,
}

impl SearchField {
    fn as_str(self) -> &'static str {
        match self {
            SearchField::Id => "id",
            SearchField::Name => "name",
            SearchField::AwsAccountId => "awsAccountId",
        }
    }
}

/// A QPS search operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Equals,
    NotEquals,
    Contains,
    Greater,
    Lesser,
    /// Comma-separated values.
    In,
}

impl Operator {
    fn as_str(self) -> &'static str {
        match self {
            Operator::Equals => "EQUALS",
            Operator::NotEquals => "NOT EQUALS",
            Operator::Contains => "CONTAINS",
            Operator::Greater => "GREATER",
            Operator::Lesser => "LESSER",
            Operator::In => "IN",
        }
    }
}

/// One search condition; all conditions of a search must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Criterion {
    pub field: SearchField,
    pub operator: Operator,
    pub value: String,
}

impl Criterion {
    pub fn equals(field: SearchField, value: impl Into<String>) -> Self {
        Criterion {
            field,
            operator: Operator::Equals,
            value: value.into(),
        }
    }

    /// `id IN a,b,c`.
    pub fn id_in(ids: &[u64]) -> Self {
        let value = ids.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
        Criterion {
            field: SearchField::Id,
            operator: Operator::In,
            value,
        }
    }
}

/// Whether a search's failure is an answer that is not a list of connectors (a refused
/// criterion, an unreadable body, a search's OBJECT_NOT_FOUND, ...): it says nothing about
/// any one connector, so the caller reads another way rather than report anything missing.
/// Stops, deadlines, credentials, throttling and transport failures would repeat and are not.
pub(crate) fn search_says_nothing(err: &Error) -> bool {
    matches!(
        err,
        Error::InvalidRequest { .. }
            | Error::Decode { .. }
            | Error::Api { .. }
            | Error::NotFound { .. }
            | Error::Incomplete { .. }
    )
}

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

/// Most results QPS returns in one page.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// Most pages [`Qps::search_all`] follows (100,000 connectors at 100 a page), against an
/// answer that says `hasMoreRecords` forever.
const MAX_SEARCH_PAGES: u32 = 1000;

/// Ids per `id IN ...` search of a batched read, so that one answer fits one page.
const IDS_PER_SEARCH: usize = 100;

/// The fewest reads in the first batch of a refresh that make it start the listing (see
/// [`refresh`](super::refresh)): one read is one `get`, two or more cost one call either
/// way, and the listing's page answers the reads still to come.
const QPS_MIN_FIRST_BATCH: usize = 2;

/// One page of a search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    pub criteria: Vec<Criterion>,
    /// `limitResults`, 1 to [`MAX_PAGE_SIZE`].
    pub limit: u32,
    /// Only connectors with a larger id: sent as the criterion `id GREATER <after_id>`.
    pub after_id: Option<u64>,
}

impl Search {
    pub fn new(criteria: Vec<Criterion>) -> Self {
        Search {
            criteria,
            limit: 100,
            after_id: None,
        }
    }

    /// The criteria as sent, paging included.
    fn sent_criteria(&self) -> Vec<Criterion> {
        let mut criteria = self.criteria.clone();
        if let Some(id) = self.after_id {
            criteria.push(Criterion {
                field: SearchField::Id,
                operator: Operator::Greater,
                value: id.to_string(),
            });
        }
        criteria
    }
}

/// The answer to one search page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchPage {
    pub connectors: Vec<Connector>,
    pub count: u64,
    pub has_more: bool,
    pub last_id: Option<u64>,
}

/// The QPS API of one version, borrowed from a [`Client`].
pub struct Qps<'c> {
    pub(crate) client: &'c Client,
    pub(crate) version: QpsVersion,
}

impl Qps<'_> {
    /// Creates a connector and returns it as Qualys then reports it. See the module
    /// documentation for what happens when the answer is lost.
    pub async fn create(&self, spec: &ConnectorSpec) -> Result<Connector, Error> {
        let deadline = self.client.deadline();
        let body = encode_request(self.version, RequestParts::data(spec))?;
        let call = self.call(Method::POST, "create", None, body, Safety::NotIdempotent);
        let created = match self.client.transport().send(&call, deadline).await {
            Ok(reply) => match self.decode(&reply, "create connector") {
                Ok(answer) => answer,
                Err(err @ Error::Decode { .. }) if reply.status.is_success() => {
                    // Qualys said 2xx: the connector probably exists.
                    return self.recover_create(spec, err, true).await;
                }
                Err(err) => return Err(err),
            },
            Err(SendError::Unanswered(err)) => return self.recover_create(spec, err, false).await,
            Err(SendError::Failed(err)) => return Err(err),
        };
        let Some(connector) = created.items.into_iter().next() else {
            let err = Error::Decode {
                context: format!("QPS {} create connector", self.version),
                reason: "SUCCESS without the created connector".into(),
                excerpt: excerpt(&[]),
            };
            return self.recover_create(spec, err, true).await;
        };
        info!(id = connector.id, version = %self.version, "QPS connector created");
        // The answer is Qualys's own, whole or partial (the seed's v3 answer has no name); the
        // caller completes it from what it sent rather than spending a call on a re-read.
        Ok(connector)
    }

    /// Looks for the connector a create may have made, by name and AWS account, matching
    /// ARN and external ID too.
    async fn recover_create(
        &self,
        spec: &ConnectorSpec,
        cause: Error,
        keep_error_if_absent: bool,
    ) -> Result<Connector, Error> {
        let mut criteria = vec![Criterion::equals(SearchField::Name, spec.name.clone())];
        if let Some(account) = aws_account_id_from_arn(&spec.arn) {
            criteria.push(Criterion::equals(SearchField::AwsAccountId, account));
        }
        let criteria = &criteria;
        let lookup = |deadline| async move {
            let found = self.search_all_within(criteria, deadline).await?;
            Ok(found
                .into_iter()
                .filter(|c| c.name.as_deref() == Some(spec.name.as_str()))
                .filter(|c| c.arn.as_deref().is_none_or(|arn| arn == spec.arn))
                .filter(|c| {
                    c.external_id
                        .as_deref()
                        .is_none_or(|x| x == spec.external_id)
                })
                .collect())
        };
        let adopted = recover_create(
            self.client.transport(),
            recovery_deadline(self.client.deadline()),
            &spec.name,
            cause,
            keep_error_if_absent,
            lookup,
            |c: &Connector| c.id.to_string(),
        )
        .await?;
        adopted.require_identity(&format!("QPS {} adopted connector", self.version), true)?;
        Ok(adopted)
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
                .search_all_within(&[Criterion::id_in(chunk)], deadline)
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
    /// it or reading one by one as [`refresh`](super::refresh) decides.
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

    /// Lists the page of the snapshot's listing that comes next (1,000 connectors, by
    /// `id GREATER` the last one listed) into it.
    pub(crate) async fn list_next_page(
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

    /// Every connector, through the refresh snapshot: the pages it lacks are listed into it,
    /// so that a plan's data sources and its refresh share one listing. A connector without
    /// its identity fields makes the listing [`Error::Incomplete`], as [`Qps::search_all`].
    pub(crate) async fn list_all_shared(&self) -> Result<Vec<Connector>, Error> {
        let deadline = self.client.deadline();
        let mut listing = self
            .client
            .qps_snapshot(self.version)
            .lock(deadline)
            .await?;
        listing.restart_if_incomplete();
        while matches!(listing.progress, Progress::NotStarted | Progress::At(_)) {
            self.list_next_page(&mut listing, deadline).await?;
        }
        if listing.progress == Progress::Broken {
            drop(listing);
            return self.search_all(&[]).await;
        }
        let mut all = listing.all();
        all.sort_by_key(|c| c.id);
        self.require_identities(&all)?;
        Ok(all)
    }

    /// One page of a search. A connector in it without its identity fields makes the page
    /// [`Error::Incomplete`].
    pub async fn search(&self, search: &Search) -> Result<SearchPage, Error> {
        let page = self.search_within(search, self.client.deadline()).await?;
        self.require_identities(&page.connectors)?;
        Ok(page)
    }

    fn require_identities(&self, connectors: &[Connector]) -> Result<(), Error> {
        let context = format!("QPS {} search", self.version);
        connectors
            .iter()
            .try_for_each(|c| c.require_identity(&context, false))
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
            .search_all_within(criteria, self.client.deadline())
            .await?;
        self.require_identities(&all)?;
        Ok(all)
    }

    /// The connectors named `name`: one `name EQUALS` search (more pages only past 1,000
    /// matches), kept to exact matches whatever case or spacing rule Qualys applies.
    pub(crate) async fn search_by_name(
        &self,
        name: &str,
        deadline: Deadline,
    ) -> Result<Vec<Connector>, Error> {
        let found = self
            .search_all_within(&[Criterion::equals(SearchField::Name, name)], deadline)
            .await?;
        Ok(found
            .into_iter()
            .filter(|c| c.name.as_deref() == Some(name))
            .collect())
    }

    pub(crate) async fn search_all_within(
        &self,
        criteria: &[Criterion],
        deadline: Deadline,
    ) -> Result<Vec<Connector>, Error> {
        let mut search = Search {
            criteria: criteria.to_vec(),
            limit: MAX_PAGE_SIZE,
            after_id: None,
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
    /// from what it sent. Only the fields set in `spec` are sent.
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

    /// Deletes a connector. A connector already gone is [`Error::NotFound`].
    pub async fn delete(&self, id: u64) -> Result<(), Error> {
        self.simple_action("delete", id).await
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
            other => other,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Requests

/// The parts of a `ServiceRequest` a call uses.
struct RequestParts<'a> {
    data: Option<WireConnector<'a>>,
    search: Option<&'a Search>,
}

impl<'a> RequestParts<'a> {
    fn data(spec: &'a ConnectorSpec) -> Self {
        RequestParts {
            data: Some(WireConnector::from(spec)),
            search: None,
        }
    }

    fn search(search: &'a Search) -> Self {
        RequestParts {
            data: None,
            search: Some(search),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireConnector<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    arn: &'a str,
    external_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_gov_cloud_configured: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    all_regions: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    endpoints: Option<RegionSet<EndpointItems<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cspm_regions: Option<RegionSet<CspmItems<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    disabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    run_frequency: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_remediation_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    activation: Option<QSet<ModuleItems<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    connector_app_infos: Option<QSet<AppLists<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    default_tags: Option<QSet<TagItems>>,
}

impl<'a> From<&'a ConnectorSpec> for WireConnector<'a> {
    fn from(spec: &'a ConnectorSpec) -> Self {
        let codes = |list: &'a Option<Vec<String>>| {
            list.as_ref().map(|codes| {
                codes
                    .iter()
                    .map(|c| RegionCodeRef { region_code: c })
                    .collect::<Vec<_>>()
            })
        };
        WireConnector {
            name: &spec.name,
            description: spec.description.as_deref(),
            arn: &spec.arn,
            external_id: &spec.external_id,
            is_gov_cloud_configured: spec.is_gov_cloud,
            all_regions: spec.all_regions,
            endpoints: codes(&spec.endpoints).map(|items| RegionSet {
                set: EndpointItems { items },
            }),
            cspm_regions: codes(&spec.cspm_regions).map(|items| RegionSet {
                set: CspmItems { items },
            }),
            disabled: spec.disabled,
            run_frequency: spec.run_frequency,
            is_remediation_enabled: spec.is_remediation_enabled,
            activation: spec.activation_modules.as_ref().map(|modules| QSet {
                set: ModuleItems {
                    items: modules.iter().map(String::as_str).collect(),
                },
            }),
            connector_app_infos: spec.connector_apps.as_ref().map(|apps| QSet {
                set: AppLists {
                    items: apps
                        .iter()
                        .map(|name| AppList {
                            set: AppInfoWrapper {
                                info: AppInfo {
                                    name,
                                    identifier: &spec.arn,
                                },
                            },
                        })
                        .collect(),
                },
            }),
            default_tags: spec.default_tag_ids.as_ref().map(|ids| QSet {
                set: TagItems {
                    items: ids.iter().map(|&id| TagRef { id }).collect(),
                },
            }),
        }
    }
}

/// `{"set": {...}}`: replace the whole collection.
#[derive(Serialize)]
struct RegionSet<T> {
    set: T,
}

/// `{"set": {...}}` of the other QLists (the same form as [`RegionSet`]).
type QSet<T> = RegionSet<T>;

/// `{"ActivationModule": ["VM", "PC"]}`; in XML one element per module.
#[derive(Serialize)]
struct ModuleItems<'a> {
    #[serde(rename = "ActivationModule")]
    items: Vec<&'a str>,
}

/// `{"ConnectorAppInfoQList": [{"set": {"ConnectorAppInfo": {..}}}, ..]}`, as Qualys's
/// create script sends it: one QList per app.
#[derive(Serialize)]
struct AppLists<'a> {
    #[serde(rename = "ConnectorAppInfoQList")]
    items: Vec<AppList<'a>>,
}

#[derive(Serialize)]
struct AppList<'a> {
    set: AppInfoWrapper<'a>,
}

#[derive(Serialize)]
struct AppInfoWrapper<'a> {
    #[serde(rename = "ConnectorAppInfo")]
    info: AppInfo<'a>,
}

#[derive(Serialize)]
struct AppInfo<'a> {
    name: &'a str,
    identifier: &'a str,
}

/// `{"TagSimple": [{"id": N}]}`.
#[derive(Serialize)]
struct TagItems {
    #[serde(rename = "TagSimple")]
    items: Vec<TagRef>,
}

#[derive(Serialize)]
struct TagRef {
    id: u64,
}

#[derive(Serialize)]
struct EndpointItems<'a> {
    #[serde(rename = "AwsEndpointSimple")]
    items: Vec<RegionCodeRef<'a>>,
}

#[derive(Serialize)]
struct CspmItems<'a> {
    #[serde(rename = "CspmRegionSimple")]
    items: Vec<RegionCodeRef<'a>>,
}

#[derive(Serialize)]
struct RegionCodeRef<'a> {
    #[serde(rename = "regionCode")]
    region_code: &'a str,
}

#[derive(Serialize)]
struct ServiceRequest<'a, C> {
    #[serde(skip_serializing_if = "Option::is_none")]
    preferences: Option<Preferences>,
    #[serde(skip_serializing_if = "Option::is_none")]
    filters: Option<Filters<C>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<DataOut<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Preferences {
    limit_results: u32,
}

#[derive(Serialize)]
struct Filters<C> {
    #[serde(rename = "Criteria")]
    criteria: Vec<C>,
}

#[derive(Serialize)]
struct JsonCriterion<'a> {
    field: &'static str,
    operator: &'static str,
    value: &'a str,
}

/// `<Criteria field=".." operator="..">value</Criteria>`.
#[derive(Serialize)]
struct XmlCriterion<'a> {
    #[serde(rename = "@field")]
    field: &'static str,
    #[serde(rename = "@operator")]
    operator: &'static str,
    #[serde(rename = "$text")]
    value: &'a str,
}

#[derive(Serialize)]
struct DataOut<'a> {
    #[serde(rename = "AwsAssetDataConnector")]
    connector: WireConnector<'a>,
}

#[derive(Serialize)]
struct JsonRequest<'a, C> {
    #[serde(rename = "ServiceRequest")]
    service_request: ServiceRequest<'a, C>,
}

/// Encodes a request body; an empty body when the request has no parts.
fn encode_request(version: QpsVersion, parts: RequestParts<'_>) -> Result<Vec<u8>, Error> {
    let preferences = parts.search.map(|s| Preferences {
        limit_results: s.limit.clamp(1, MAX_PAGE_SIZE),
    });
    let criteria = parts.search.map(Search::sent_criteria);
    let data = parts.data.map(|connector| DataOut { connector });
    let encode_error =
        |e: &dyn fmt::Display| Error::Config(format!("cannot encode the QPS request: {e}"));
    match version {
        QpsVersion::V3 => {
            let criteria = criteria.as_ref().map(|criteria| Filters {
                criteria: criteria
                    .iter()
                    .map(|c| JsonCriterion {
                        field: c.field.as_str(),
                        operator: c.operator.as_str(),
                        value: &c.value,
                    })
                    .collect(),
            });
            let request = JsonRequest {
                service_request: ServiceRequest {
                    preferences,
                    filters: criteria.filter(|f| !f.criteria.is_empty()),
                    data,
                },
            };
            serde_json::to_vec(&request).map_err(|e| encode_error(&e))
        }
        QpsVersion::V2 => {
            let criteria = criteria.as_ref().map(|criteria| Filters {
                criteria: criteria
                    .iter()
                    .map(|c| XmlCriterion {
                        field: c.field.as_str(),
                        operator: c.operator.as_str(),
                        value: &c.value,
                    })
                    .collect(),
            });
            let request = ServiceRequest {
                preferences,
                filters: criteria.filter(|f| !f.criteria.is_empty()),
                data,
            };
            let xml = quick_xml::se::to_string_with_root("ServiceRequest", &request)
                .map_err(|e| encode_error(&e))?;
            Ok(format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{xml}").into_bytes())
        }
    }
}

// ---------------------------------------------------------------------------------------
// Responses

/// A successful `ServiceResponse`, reduced to what the operations use.
#[derive(Debug)]
pub(crate) struct Answer<T> {
    count: Option<u64>,
    has_more_records: bool,
    last_id: Option<u64>,
    pub(crate) items: Vec<T>,
}

/// An object QPS answers in `data`, under its wrapper name.
pub(crate) trait Item: for<'de> Deserialize<'de> {
    const WRAPPER: &'static str;
}

impl Item for Connector {
    const WRAPPER: &'static str = "AwsAssetDataConnector";
}

/// One sync error (DECISION: the wrapper and fields are not public; the object's own name
/// and the names the docs use elsewhere).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireSyncError {
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    connector_id: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    region: Option<String>,
    #[serde(default, alias = "message", deserialize_with = "lenient::opt_string")]
    error_message: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    created: Option<String>,
}

impl Item for WireSyncError {
    const WRAPPER: &'static str = "AssetDataConnectorErrors";
}

#[derive(Deserialize)]
#[serde(transparent)]
struct BaseAccountItem(WireBaseAccounts);

impl Item for BaseAccountItem {
    const WRAPPER: &'static str = "AwsBaseAccount";
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", bound = "D: Deserialize<'de>")]
struct ServiceResponse<D> {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    response_code: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    count: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    has_more_records: Option<bool>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    last_id: Option<u64>,
    #[serde(default = "none")]
    data: Option<D>,
    #[serde(default)]
    response_error_details: Option<ErrorDetails>,
}

fn none<D>() -> Option<D> {
    None
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorDetails {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    error_message: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    error_resolution: Option<String>,
}

#[derive(Deserialize)]
#[serde(bound = "D: Deserialize<'de>")]
struct JsonEnvelope<D> {
    #[serde(rename = "ServiceResponse")]
    service_response: ServiceResponse<D>,
}

/// `data`: `[{"AwsAssetDataConnector":{..}}, ..]`, a single `{"AwsAssetDataConnector":{..}}`,
/// a wrapper holding an array, or in XML the repeated `<AwsAssetDataConnector>` elements
/// (for other objects, their own wrapper name). Keys other than the wrapper are skipped;
/// the `count` check catches a body whose items all hid under an unknown name.
struct DataItems<T>(Vec<T>);

impl<T: Item> DataItems<T> {
    fn visit_wrappers<'de, A: MapAccess<'de>>(
        mut map: A,
        out: &mut Vec<T>,
    ) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == T::WRAPPER {
                out.extend(map.next_value::<OneOrMany<T>>()?.0);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

impl<'de, T: Item> Deserialize<'de> for DataItems<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DataVisitor<T>(PhantomData<T>);
        impl<'de, T: Item> Visitor<'de> for DataVisitor<T> {
            type Value = DataItems<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("connector wrappers")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<DataItems<T>, A::Error> {
                let mut out = Vec::new();
                while let Some(Wrapper(items)) = seq.next_element::<Wrapper<T>>()? {
                    out.extend(items);
                }
                Ok(DataItems(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<DataItems<T>, A::Error> {
                let mut out = Vec::new();
                DataItems::visit_wrappers(map, &mut out)?;
                Ok(DataItems(out))
            }
            fn visit_unit<E>(self) -> Result<DataItems<T>, E> {
                Ok(DataItems(Vec::new()))
            }
            fn visit_none<E>(self) -> Result<DataItems<T>, E> {
                Ok(DataItems(Vec::new()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<DataItems<T>, E> {
                if v.trim().is_empty() {
                    Ok(DataItems(Vec::new()))
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(v), &self))
                }
            }
        }
        deserializer.deserialize_any(DataVisitor(PhantomData))
    }
}

/// One element of the `data` array: `{"AwsAssetDataConnector": ...}`.
struct Wrapper<T>(Vec<T>);

impl<'de, T: Item> Deserialize<'de> for Wrapper<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct WrapperVisitor<T>(PhantomData<T>);
        impl<'de, T: Item> Visitor<'de> for WrapperVisitor<T> {
            type Value = Wrapper<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object wrapping a connector")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Wrapper<T>, A::Error> {
                let mut out = Vec::new();
                DataItems::visit_wrappers(map, &mut out)?;
                Ok(Wrapper(out))
            }
        }
        deserializer.deserialize_any(WrapperVisitor(PhantomData))
    }
}

/// Why a body could not be read as a `ServiceResponse`.
enum Unreadable {
    /// Not JSON or XML at all, or XML whose root is not `ServiceResponse`.
    NotAnEnvelope(String),
    /// An envelope whose content does not fit the model.
    BadContent(String),
}

fn parse_envelope<T: Item>(body: &[u8]) -> Result<ServiceResponse<DataItems<T>>, Unreadable> {
    let text = std::str::from_utf8(body)
        .map_err(|e| Unreadable::NotAnEnvelope(format!("the body is not UTF-8: {e}")))?;
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') {
        lenient::check_json_nesting(trimmed.as_bytes()).map_err(Unreadable::NotAnEnvelope)?;
        // Decoded straight into the typed envelope: an intermediate `serde_json::Value` of a
        // 1,000-connector page would cost several times the body in memory.
        match serde_json::from_str::<JsonEnvelope<DataItems<T>>>(trimmed) {
            Ok(envelope) => Ok(envelope.service_response),
            // Only now tell "not JSON" and "JSON without ServiceResponse" from "JSON of an
            // unexpected shape", for the error mapping.
            Err(typed) => {
                let value: serde_json::Value = serde_json::from_str(trimmed)
                    .map_err(|e| Unreadable::NotAnEnvelope(format!("malformed JSON: {e}")))?;
                if value.get("ServiceResponse").is_none() {
                    return Err(Unreadable::NotAnEnvelope(
                        "JSON without ServiceResponse".into(),
                    ));
                }
                Err(Unreadable::BadContent(typed.to_string()))
            }
        }
    } else if trimmed.starts_with('<') {
        lenient::check_xml_nesting(trimmed).map_err(Unreadable::NotAnEnvelope)?;
        match xml_root_name(trimmed) {
            Ok(name) if name == "ServiceResponse" => {
                quick_xml::de::from_str::<ServiceResponse<DataItems<T>>>(trimmed)
                    .map_err(|e| Unreadable::BadContent(format!("malformed XML: {e}")))
            }
            Ok(name) => Err(Unreadable::NotAnEnvelope(format!(
                "XML root is <{name}>, not <ServiceResponse>"
            ))),
            Err(e) => Err(Unreadable::NotAnEnvelope(format!("malformed XML: {e}"))),
        }
    } else {
        Err(Unreadable::NotAnEnvelope("neither JSON nor XML".into()))
    }
}

/// The name of the first element of an XML document.
fn xml_root_name(xml: &str) -> Result<String, quick_xml::Error> {
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        match reader.read_event()? {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                return Ok(String::from_utf8_lossy(e.local_name().as_ref()).into_owned());
            }
            quick_xml::events::Event::Eof => return Ok(String::new()),
            _ => {}
        }
    }
}

/// Maps a reply to the successful answer or the error it stands for. Context in errors is
/// filled in by the caller.
pub(crate) fn decode_reply(reply: &Reply) -> Result<Answer<Connector>, Error> {
    decode_items(reply)
}

/// The sync errors of connector `id` in an `assetdataconnectorerrors` search answer.
pub(crate) fn sync_errors_from_reply(reply: &Reply, id: u64) -> Result<Vec<SyncError>, Error> {
    let answer = decode_items::<WireSyncError>(reply)?;
    Ok(answer
        .items
        .into_iter()
        .filter(|e| e.connector_id.is_none_or(|c| c == id))
        .map(|e| SyncError {
            region: e.region.filter(|r| !r.trim().is_empty()),
            time: e.created.filter(|t| !t.trim().is_empty()),
            message: e.error_message.unwrap_or_default(),
        })
        .collect())
}

/// The base accounts in an `awsbaseaccount` search answer.
pub(crate) fn base_accounts_from_reply(reply: &Reply) -> Result<BaseAccounts, Error> {
    let answer = decode_items::<BaseAccountItem>(reply)?;
    answer
        .items
        .into_iter()
        .find_map(|item| item.0.into_accounts())
        .ok_or_else(|| Error::Decode {
            context: String::new(),
            reason: "no AwsBaseAccount with an account id in the answer".into(),
            excerpt: excerpt(&reply.body),
        })
}

/// [`decode_reply`] for answers holding any [`Item`].
fn decode_items<T: Item>(reply: &Reply) -> Result<Answer<T>, Error> {
    let status = reply.status;
    let decode_error = |reason: String| Error::Decode {
        context: String::new(),
        reason,
        excerpt: excerpt(&reply.body),
    };
    let response = match parse_envelope::<T>(&reply.body) {
        Ok(r) if r.response_code.is_some() => r,
        Ok(_) => {
            return Err(by_status(status, &reply.body)
                .unwrap_or_else(|| decode_error("no responseCode".into())));
        }
        Err(Unreadable::NotAnEnvelope(reason)) => {
            return Err(by_status(status, &reply.body).unwrap_or_else(|| decode_error(reason)));
        }
        Err(Unreadable::BadContent(reason)) => {
            return Err(by_status(status, &reply.body).unwrap_or_else(|| decode_error(reason)));
        }
    };
    let code = response.response_code.clone().unwrap_or_default();
    let (message, resolution) = match response.response_error_details {
        Some(d) => (d.error_message, d.error_resolution),
        None => (None, None),
    };
    let message = message.filter(|m| !m.trim().is_empty());
    match code.trim() {
        "SUCCESS" if status.is_success() => {}
        "SUCCESS" => {
            return Err(by_status(status, &reply.body)
                .unwrap_or_else(|| decode_error(format!("SUCCESS with HTTP {status}"))));
        }
        "OBJECT_NOT_FOUND" => {
            return Err(Error::NotFound {
                what: String::new(),
            });
        }
        "INVALID_REQUEST" => {
            return Err(Error::InvalidRequest {
                message: message.unwrap_or_else(|| "INVALID_REQUEST without a message".into()),
                resolution,
            });
        }
        "UNAUTHORIZED" | "INSUFFICIENT_PERMISSIONS" | "INVALID_CREDENTIALS" => {
            return Err(Error::Unauthorized {
                message: match message {
                    Some(m) => format!("{code}: {m}"),
                    None => code,
                },
            });
        }
        _ => {
            return Err(Error::Api {
                status: status.as_u16(),
                message: message.unwrap_or_else(|| excerpt(&reply.body)),
                code: Some(code),
                resolution,
            });
        }
    }
    let items = response.data.map(|d| d.0).unwrap_or_default();
    let count = response.count;
    if let Some(n) = count.filter(|n| *n > 0 && items.is_empty()) {
        return Err(decode_error(format!(
            "count is {n} but no {} could be read from data",
            T::WRAPPER
        )));
    }
    Ok(Answer {
        count,
        has_more_records: response.has_more_records.unwrap_or(false),
        last_id: response.last_id,
        items,
    })
}

/// The error an HTTP status means when the body is no QPS envelope; `None` for 2xx, where
/// the body itself is the problem.
fn by_status(status: StatusCode, body: &[u8]) -> Option<Error> {
    if status.is_success() {
        return None;
    }
    Some(match status.as_u16() {
        401 => Error::Unauthorized {
            message: "HTTP 401: check the username and password".into(),
        },
        403 => Error::Unauthorized {
            message: format!("HTTP 403: the user may lack API access ({})", excerpt(body)),
        },
        _ => Error::Api {
            status: status.as_u16(),
            code: None,
            message: excerpt(body),
            resolution: None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status: StatusCode::from_u16(status).unwrap(),
            body: body.as_bytes().to_vec(),
        }
    }

    fn ok(body: &str) -> Answer<Connector> {
        match decode_reply(&reply(200, body)) {
            Ok(a) => a,
            Err(e) => panic!("decode failed: {e}"),
        }
    }

    /// The seed's v3 create response, with its OCR damage repaired.
    const SEED_V3_CREATE: &str = r#"{
      "ServiceResponse": {
        "count": 1,
        "data": [ { "AwsAssetDataConnector": {
            "authRecord": {"id": 1},
            "cspmRegions": { "list": [
                {"CspmRegionSimple": {"regionCode": "eu-south-1"}},
                {"CspmRegionSimple": {"regionCode": "us-west-2"}},
                {"CspmRegionSimple": {"regionCode": "af-south-1"}},
                {"CspmRegionSimple": {"regionCode": "us-east-1"}} ] },
            "awsAccountId": "123456789012",
            "endpoints": { "list": [
                {"AwsEndpointSimple": {"regionCode": "us-east-1"}},
                {"AwsEndpointSimple": {"regionCode": "af-south-1"}},
                {"AwsEndpointSimple": {"regionCode": "eu-south-1"}},
                {"AwsEndpointSimple": {"regionCode": "us-west-2"}} ] },
            "id": 2064449
        } } ],
        "responseCode": "SUCCESS"
      }
    }"#;

    /// The seed's v2 create response (root carries a namespace and schema location).
    const SEED_V2_CREATE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ServiceResponse xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="https://qualysapi.qualys.com/qps/xsd/2.0/am/aws_asset_data_connector.xsd">
  <responseCode>SUCCESS</responseCode>
  <count>1</count>
  <data>
    <AwsAssetDataConnector>
      <id>2064449</id>
      <name>aws-v2-api</name>
      <awsAccountId>00000</awsAccountId>
      <connectorState>QUEUED</connectorState>
      <endpoints>
        <set>
          <AwsEndpointSimple><regionCode>us-east-1</regionCode></AwsEndpointSimple>
          <AwsEndpointSimple><regionCode>us-west-2</regionCode></AwsEndpointSimple>
        </set>
      </endpoints>
      <allRegions>false</allRegions>
      <cspmRegions>
        <set>
          <CspmRegionSimple><regionCode>us-west-2</regionCode></CspmRegionSimple>
          <CspmRegionSimple><regionCode>us-east-1</regionCode></CspmRegionSimple>
        </set>
      </cspmRegions>
    </AwsAssetDataConnector>
  </data>
</ServiceResponse>"#;

    #[test]
    fn seed_v3_create_response() {
        let a = ok(SEED_V3_CREATE);
        assert_eq!(a.count, Some(1));
        let c = &a.items[0];
        assert_eq!(c.id, 2064449);
        assert_eq!(c.aws_account_id.as_deref(), Some("123456789012"));
        assert_eq!(
            c.cspm_regions.as_deref(),
            Some(&["eu-south-1", "us-west-2", "af-south-1", "us-east-1"].map(String::from)[..])
        );
        assert_eq!(
            c.endpoints.as_deref(),
            Some(&["us-east-1", "af-south-1", "eu-south-1", "us-west-2"].map(String::from)[..])
        );
        assert_eq!(c.name, None);
    }

    #[test]
    fn seed_v2_create_response() {
        let a = ok(SEED_V2_CREATE);
        let c = &a.items[0];
        assert_eq!(c.id, 2064449);
        assert_eq!(c.name.as_deref(), Some("aws-v2-api"));
        assert_eq!(c.aws_account_id.as_deref(), Some("00000"));
        assert_eq!(c.connector_state.as_deref(), Some("QUEUED"));
        assert_eq!(c.all_regions, Some(false));
        assert_eq!(
            c.endpoints.as_deref(),
            Some(&["us-east-1".to_string(), "us-west-2".to_string()][..])
        );
        assert_eq!(
            c.cspm_regions.as_deref(),
            Some(&["us-west-2".to_string(), "us-east-1".to_string()][..])
        );
    }

    #[test]
    fn v3_strings_for_scalars_and_single_object_data() {
        let a = ok(
            r#"{"ServiceResponse":{"responseCode":"SUCCESS","count":"1","hasMoreRecords":"false",
            "data":{"AwsAssetDataConnector":{"id":"42","name":"n","allRegions":"true","disabled":"false",
            "isGovCloudConfigured":"FALSE","isChinaConfigured":false,"runFrequency":"240",
            "isRemediationEnabled":"1","awsAccountId":123456789012,"qualysAwsAccountId":"805950163170",
            "cloudviewUuid":"6f1c...","connectorState":"SUCCESS","lastSync":"2024-01-01T00:00:00Z",
            "unknownField":{"deep":[1,2]}}}}}"#,
        );
        assert!(!a.has_more_records);
        let c = &a.items[0];
        assert_eq!(c.id, 42);
        assert_eq!(c.all_regions, Some(true));
        assert_eq!(c.disabled, Some(false));
        assert_eq!(c.is_gov_cloud_configured, Some(false));
        assert_eq!(c.is_china_configured, Some(false));
        assert_eq!(c.run_frequency, Some(240));
        assert_eq!(c.is_remediation_enabled, Some(true));
        assert_eq!(c.aws_account_id.as_deref(), Some("123456789012"));
        assert_eq!(c.qualys_aws_account_id.as_deref(), Some("805950163170"));
        assert_eq!(c.cspm_regions, None);
    }

    #[test]
    fn region_collection_shapes() {
        let shapes = [
            r#"{"list":[{"CspmRegionSimple":{"regionCode":"a"}},{"CspmRegionSimple":{"regionCode":"b"}}]}"#,
            r#"{"list":{"CspmRegionSimple":[{"regionCode":"a"},{"regionCode":"b"}]}}"#,
            r#"{"count":2,"list":{"CspmRegionSimple":[{"regionCode":"a"},{"regionCode":"b"}]}}"#,
            r#"{"set":{"CspmRegionSimple":[{"regionCode":"a"},{"regionCode":"b"}]}}"#,
            r#"[{"regionCode":"a"},{"regionCode":"b"}]"#,
            r#"[{"CspmRegionSimple":{"regionCode":"a"}},{"CspmRegionSimple":{"regionCode":"b","name":"B"}}]"#,
            r#"["a","b"]"#,
        ];
        for shape in shapes {
            let body = format!(
                r#"{{"ServiceResponse":{{"responseCode":"SUCCESS","count":1,"data":[{{"AwsAssetDataConnector":{{"id":1,"cspmRegions":{shape}}}}}]}}}}"#
            );
            let a = ok(&body);
            assert_eq!(
                a.items[0].cspm_regions,
                Some(vec!["a".into(), "b".into()]),
                "{shape}"
            );
        }
        for empty in [
            r#"{"count":0}"#,
            r#"{"list":[]}"#,
            "[]",
            "{}",
            "null",
            r#"{"list":{}}"#,
        ] {
            let body = format!(
                r#"{{"ServiceResponse":{{"responseCode":"SUCCESS","count":1,"data":[{{"AwsAssetDataConnector":{{"id":1,"cspmRegions":{empty}}}}}]}}}}"#
            );
            assert_eq!(ok(&body).items[0].cspm_regions, Some(vec![]), "{empty}");
        }
    }

    #[test]
    fn xml_shapes_single_items_empty_elements_and_lists() {
        let a = ok(
            r#"<ServiceResponse><responseCode>SUCCESS</responseCode><count>2</count><hasMoreRecords>true</hasMoreRecords><lastId>8</lastId>
            <data>
              <AwsAssetDataConnector><id>7</id><description/><cspmRegions><list><CspmRegionSimple><regionCode>us-east-1</regionCode></CspmRegionSimple></list></cspmRegions><endpoints><count>0</count></endpoints><disabled>true</disabled></AwsAssetDataConnector>
              <AwsAssetDataConnector><id>8</id><name>second</name><cspmRegions/></AwsAssetDataConnector>
            </data></ServiceResponse>"#,
        );
        assert!(a.has_more_records);
        assert_eq!(a.last_id, Some(8));
        assert_eq!(a.items.len(), 2);
        let first = &a.items[0];
        assert_eq!(first.description.as_deref(), Some(""));
        assert_eq!(first.cspm_regions, Some(vec!["us-east-1".to_string()]));
        assert_eq!(first.endpoints, Some(vec![]));
        assert_eq!(first.disabled, Some(true));
        assert_eq!(a.items[1].name.as_deref(), Some("second"));
        assert_eq!(a.items[1].cspm_regions, Some(vec![]));
    }

    #[test]
    fn empty_search_has_no_data() {
        for body in [
            r#"{"ServiceResponse":{"responseCode":"SUCCESS","count":0}}"#,
            r#"{"ServiceResponse":{"responseCode":"SUCCESS","count":0,"hasMoreRecords":"false","data":[]}}"#,
            r#"<ServiceResponse><responseCode>SUCCESS</responseCode><count>0</count><hasMoreRecords>false</hasMoreRecords></ServiceResponse>"#,
            r#"<ServiceResponse><responseCode>SUCCESS</responseCode><count>0</count><data/></ServiceResponse>"#,
        ] {
            let a = ok(body);
            assert!(a.items.is_empty(), "{body}");
            assert_eq!(a.count, Some(0));
        }
    }

    #[test]
    fn count_without_connectors_is_a_decode_error() {
        let err = decode_reply(&reply(
            200,
            r#"{"ServiceResponse":{"responseCode":"SUCCESS","count":1,"data":[{"SomethingElse":{"id":1}}]}}"#,
        ))
        .unwrap_err();
        assert!(
            matches!(&err, Error::Decode { reason, excerpt, .. } if reason.contains("count is 1") && excerpt.contains("SomethingElse")),
            "{err}"
        );
    }

    #[test]
    fn malformed_bodies_are_decode_errors_with_excerpt() {
        for body in [
            r#"{"ServiceResponse": {"responseCode": "SUCC"#,
            "<ServiceResponse><responseCode>SUCCESS</responseCode><data><AwsAssetDataConnector><id>1</id>",
            "<html><body>maintenance</body></html>",
            "plain text",
            r#"{"other":1}"#,
            r#"{"ServiceResponse":{"responseCode":"SUCCESS","count":1,"data":[{"AwsAssetDataConnector":{"name":"no id"}}]}}"#,
            r#"{"ServiceResponse":{"responseCode":"SUCCESS","count":1,"data":[{"AwsAssetDataConnector":{"id":1,"disabled":"maybe"}}]}}"#,
            r#"{"ServiceResponse":{"responseCode":"SUCCESS","count":1,"data":[{"AwsAssetDataConnector":{"id":1,"cspmRegions":{"weird":[]}}}]}}"#,
            "",
        ] {
            let err = decode_reply(&reply(200, body)).unwrap_err();
            match &err {
                Error::Decode { excerpt, .. } => {
                    let start: String = body.chars().take(20).collect();
                    if body.is_empty() {
                        assert_eq!(excerpt, "(empty body)");
                    } else {
                        assert!(excerpt.starts_with(&start), "{excerpt} / {body}");
                    }
                }
                other => panic!("{body}: expected a decode error, got {other:?}"),
            }
        }
    }

    #[test]
    fn response_codes_map_to_errors() {
        let details = |code: &str| {
            format!(
                r#"{{"ServiceResponse":{{"responseCode":"{code}","responseErrorDetails":{{"errorMessage":"msg","errorResolution":"fix it"}}}}}}"#
            )
        };
        assert!(matches!(
            decode_reply(&reply(200, &details("OBJECT_NOT_FOUND"))),
            Err(Error::NotFound { .. })
        ));
        match decode_reply(&reply(200, &details("INVALID_REQUEST"))) {
            Err(Error::InvalidRequest {
                message,
                resolution,
            }) => {
                assert_eq!(message, "msg");
                assert_eq!(resolution.as_deref(), Some("fix it"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            decode_reply(&reply(200, &details("UNAUTHORIZED"))),
            Err(Error::Unauthorized { .. })
        ));
        assert!(matches!(
            decode_reply(&reply(200, &details("INSUFFICIENT_PERMISSIONS"))),
            Err(Error::Unauthorized { .. })
        ));
        assert!(matches!(
            decode_reply(&reply(200, &details("LIMIT_EXCEEDED"))),
            Err(Error::Api { code: Some(c), .. }) if c == "LIMIT_EXCEEDED"
        ));
        assert!(matches!(
            decode_reply(&reply(200, &details("OTHER_ERROR"))),
            Err(Error::Api { status: 200, code: Some(c), .. }) if c == "OTHER_ERROR"
        ));
        let xml = r#"<?xml version="1.0"?><ServiceResponse xmlns:xsi="x"><responseCode>INVALID_REQUEST</responseCode><responseErrorDetails><errorMessage>bad region</errorMessage><errorResolution>use another</errorResolution></responseErrorDetails></ServiceResponse>"#;
        assert!(matches!(
            decode_reply(&reply(200, xml)),
            Err(Error::InvalidRequest { message, resolution: Some(r) }) if message == "bad region" && r == "use another"
        ));
        // A 400 carrying an envelope is read for its message.
        assert!(matches!(
            decode_reply(&reply(400, &details("INVALID_REQUEST"))),
            Err(Error::InvalidRequest { .. })
        ));
    }

    #[test]
    fn http_statuses_without_envelope() {
        assert!(matches!(
            decode_reply(&reply(401, "")),
            Err(Error::Unauthorized { .. })
        ));
        assert!(matches!(
            decode_reply(&reply(403, "<html>no</html>")),
            Err(Error::Unauthorized { .. })
        ));
        // A 404 page is not "connector not found": a wrong URL must not empty the state.
        assert!(matches!(
            decode_reply(&reply(404, "<html>Not Found</html>")),
            Err(Error::Api { status: 404, .. })
        ));
        match decode_reply(&reply(500, "internal trouble")) {
            Err(Error::Api {
                status: 500,
                message,
                ..
            }) => assert_eq!(message, "internal trouble"),
            other => panic!("{other:?}"),
        }
    }

    fn spec() -> ConnectorSpec {
        ConnectorSpec {
            name: "API-Region-test".into(),
            description: Some("Connector created through V3 API".into()),
            arn: "arn:aws:iam::123456789012:role/QAtest".into(),
            external_id: "pod-test-env".into(),
            is_gov_cloud: Some(false),
            all_regions: Some(false),
            cspm_regions: Some(vec!["af-south-1".into(), "us-east-1".into()]),
            endpoints: Some(vec!["us-east-1".into()]),
            disabled: Some(false),
            run_frequency: None,
            is_remediation_enabled: None,
            activation_modules: None,
            connector_apps: None,
            default_tag_ids: None,
        }
    }

    /// The modules, apps and tags as Qualys's `aws_create_account_connectors.sh` sends them.
    #[test]
    fn modules_apps_and_tags_as_qualys_script_sends_them() {
        let mut s = spec();
        s.activation_modules = Some(vec!["VM".into(), "PC".into()]);
        s.connector_apps = Some(vec!["AI".into(), "CI".into(), "CSA".into()]);
        s.default_tag_ids = Some(vec![12345]);
        let json = encode_request(QpsVersion::V3, RequestParts::data(&s)).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        let c = &v["ServiceRequest"]["data"]["AwsAssetDataConnector"];
        let arn = "arn:aws:iam::123456789012:role/QAtest";
        let app = |name: &str| serde_json::json!({"set": {"ConnectorAppInfo": {"name": name, "identifier": arn}}});
        assert_eq!(
            c["activation"],
            serde_json::json!({"set": {"ActivationModule": ["VM", "PC"]}})
        );
        assert_eq!(
            c["connectorAppInfos"],
            serde_json::json!({"set": {"ConnectorAppInfoQList": [app("AI"), app("CI"), app("CSA")]}})
        );
        assert_eq!(
            c["defaultTags"],
            serde_json::json!({"set": {"TagSimple": [{"id": 12345}]}})
        );
        let xml =
            String::from_utf8(encode_request(QpsVersion::V2, RequestParts::data(&s)).unwrap())
                .unwrap();
        for part in [
            "<activation><set><ActivationModule>VM</ActivationModule><ActivationModule>PC</ActivationModule></set></activation>",
            "<connectorAppInfos><set><ConnectorAppInfoQList><set><ConnectorAppInfo><name>AI</name><identifier>arn:aws:iam::123456789012:role/QAtest</identifier></ConnectorAppInfo></set></ConnectorAppInfoQList><ConnectorAppInfoQList>",
            "<defaultTags><set><TagSimple><id>12345</id></TagSimple></set></defaultTags>",
        ] {
            assert!(xml.contains(part), "missing {part} in {xml}");
        }
        s.activation_modules = Some(vec![]);
        s.connector_apps = None;
        let json = encode_request(QpsVersion::V3, RequestParts::data(&s)).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        let c = &v["ServiceRequest"]["data"]["AwsAssetDataConnector"];
        assert_eq!(
            c["activation"],
            serde_json::json!({"set": {"ActivationModule": []}})
        );
        assert!(c.get("connectorAppInfos").is_none(), "{c}");
    }

    #[test]
    fn modules_apps_and_tags_read_in_every_form() {
        let a = ok(
            r#"{"ServiceResponse":{"responseCode":"SUCCESS","count":1,"data":[{"AwsAssetDataConnector":{"id":1,
            "activation":{"list":[{"ActivationModule":"VM"},{"ActivationModule":"PC"}]},
            "defaultTags":{"list":[{"TagSimple":{"id":"7"}}]},
            "connectorAppInfos":{"list":[{"ConnectorAppInfoQList":{"list":[{"ConnectorAppInfo":{"name":"AI","identifier":"arn","tagId":3}}]}},
                                         {"ConnectorAppInfoQList":{"set":{"ConnectorAppInfo":{"name":"CSA"}}}}]},
            "lastError":"denied","totalAssets":"4"}}]}}"#,
        );
        let c = &a.items[0];
        assert_eq!(c.activation_modules, Some(vec!["VM".into(), "PC".into()]));
        assert_eq!(c.default_tag_ids, Some(vec![7]));
        assert_eq!(c.connector_apps, Some(vec!["AI".into(), "CSA".into()]));
        assert_eq!(c.last_error.as_deref(), Some("denied"));
        assert_eq!(c.total_assets, Some(4));
        let empty = ok(
            r#"{"ServiceResponse":{"responseCode":"SUCCESS","count":1,"data":[{"AwsAssetDataConnector":{"id":1,
            "activation":{"count":0},"defaultTags":{"count":0}}}]}}"#,
        );
        let c = &empty.items[0];
        assert_eq!(c.activation_modules, Some(vec![]));
        assert_eq!(c.default_tag_ids, Some(vec![]));
        assert_eq!(c.connector_apps, None);
        let xml = ok(
            r#"<ServiceResponse><responseCode>SUCCESS</responseCode><count>1</count><data><AwsAssetDataConnector><id>1</id>
            <activation><set><ActivationModule>VM</ActivationModule><ActivationModule>SCA</ActivationModule></set></activation>
            <defaultTags><set><TagSimple><id>7</id></TagSimple><TagSimple><id>8</id></TagSimple></set></defaultTags>
            <connectorAppInfos><set><ConnectorAppInfoQList><set><ConnectorAppInfo><name>CI</name><identifier>arn</identifier></ConnectorAppInfo></set></ConnectorAppInfoQList></set></connectorAppInfos>
            <lastError>denied</lastError></AwsAssetDataConnector></data></ServiceResponse>"#,
        );
        let c = &xml.items[0];
        assert_eq!(c.activation_modules, Some(vec!["VM".into(), "SCA".into()]));
        assert_eq!(c.default_tag_ids, Some(vec![7, 8]));
        assert_eq!(c.connector_apps, Some(vec!["CI".into()]));
        assert_eq!(c.last_error.as_deref(), Some("denied"));
        let bad = decode_reply(&reply(
            200,
            r#"{"ServiceResponse":{"responseCode":"SUCCESS","count":1,"data":[{"AwsAssetDataConnector":{"id":1,
            "defaultTags":{"list":[{"TagSimple":{"id":"seven"}}]}}}]}}"#,
        ));
        assert!(matches!(bad, Err(Error::Decode { .. })), "{bad:?}");
    }

    #[test]
    fn v3_create_body_matches_the_seed() {
        let body = encode_request(QpsVersion::V3, RequestParts::data(&spec())).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"ServiceRequest":{"data":{"AwsAssetDataConnector":{
                "name":"API-Region-test","description":"Connector created through V3 API",
                "arn":"arn:aws:iam::123456789012:role/QAtest","externalId":"pod-test-env",
                "isGovCloudConfigured":false,"allRegions":false,"disabled":false,
                "endpoints":{"set":{"AwsEndpointSimple":[{"regionCode":"us-east-1"}]}},
                "cspmRegions":{"set":{"CspmRegionSimple":[{"regionCode":"af-south-1"},{"regionCode":"us-east-1"}]}}
            }}}})
        );
    }

    #[test]
    fn empty_set_clears_in_both_dialects() {
        let mut s = spec();
        s.cspm_regions = Some(vec![]);
        s.endpoints = Some(vec![]);
        let json = encode_request(QpsVersion::V3, RequestParts::data(&s)).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        let c = &v["ServiceRequest"]["data"]["AwsAssetDataConnector"];
        assert_eq!(
            c["cspmRegions"],
            serde_json::json!({"set":{"CspmRegionSimple":[]}})
        );
        assert_eq!(
            c["endpoints"],
            serde_json::json!({"set":{"AwsEndpointSimple":[]}})
        );
        let xml =
            String::from_utf8(encode_request(QpsVersion::V2, RequestParts::data(&s)).unwrap())
                .unwrap();
        assert!(
            xml.contains("<cspmRegions><set/></cspmRegions>")
                || xml.contains("<cspmRegions><set></set></cspmRegions>"),
            "{xml}"
        );
        // Not set: not sent at all.
        s.cspm_regions = None;
        let json = encode_request(QpsVersion::V3, RequestParts::data(&s)).unwrap();
        assert!(!String::from_utf8(json).unwrap().contains("cspmRegions"));
    }

    #[test]
    fn v2_create_body_matches_the_seed() {
        let xml =
            String::from_utf8(encode_request(QpsVersion::V2, RequestParts::data(&spec())).unwrap())
                .unwrap();
        assert!(xml.starts_with("<?xml"), "{xml}");
        for part in [
            "<ServiceRequest><data><AwsAssetDataConnector><name>API-Region-test</name>",
            "<arn>arn:aws:iam::123456789012:role/QAtest</arn><externalId>pod-test-env</externalId>",
            "<allRegions>false</allRegions>",
            "<endpoints><set><AwsEndpointSimple><regionCode>us-east-1</regionCode></AwsEndpointSimple></set></endpoints>",
            "<cspmRegions><set><CspmRegionSimple><regionCode>af-south-1</regionCode></CspmRegionSimple><CspmRegionSimple><regionCode>us-east-1</regionCode></CspmRegionSimple></set></cspmRegions>",
        ] {
            assert!(xml.contains(part), "missing {part} in {xml}");
        }
    }

    #[test]
    fn search_bodies() {
        let search = Search {
            criteria: vec![
                Criterion::equals(SearchField::Name, "a&b"),
                Criterion::id_in(&[1, 2, 3]),
            ],
            limit: 5000,
            after_id: Some(41),
        };
        let json = encode_request(QpsVersion::V3, RequestParts::search(&search)).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"ServiceRequest":{
                "preferences":{"limitResults":1000},
                "filters":{"Criteria":[
                    {"field":"name","operator":"EQUALS","value":"a&b"},
                    {"field":"id","operator":"IN","value":"1,2,3"},
                    {"field":"id","operator":"GREATER","value":"41"}]}}})
        );
        let xml = String::from_utf8(
            encode_request(QpsVersion::V2, RequestParts::search(&search)).unwrap(),
        )
        .unwrap();
        assert!(
            xml.contains("<preferences><limitResults>1000</limitResults></preferences>"),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<Criteria field="id" operator="GREATER">41</Criteria>"#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<Criteria field="name" operator="EQUALS">a&amp;b</Criteria>"#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<Criteria field="id" operator="IN">1,2,3</Criteria>"#),
            "{xml}"
        );
        // No criteria: no filters element.
        let all = Search::new(vec![]);
        let json =
            String::from_utf8(encode_request(QpsVersion::V3, RequestParts::search(&all)).unwrap())
                .unwrap();
        assert!(!json.contains("filters"), "{json}");
    }
}
