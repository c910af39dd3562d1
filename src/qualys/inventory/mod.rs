//! Existence checks around creates: "never two connectors for one resource". Before a create
//! the caller asks [`Client::find_existing`] for a connector with the same name in the same
//! AWS account (Terraform's state may have lost one Qualys made); after it,
//! [`Client::others_named`] for one a racing run made meanwhile. What this process wrote is
//! laid over what Qualys lists ([`Client::note_saved`], [`Client::note_deleted`]).
//! QPS v3 and v2 are two views of the same connectors and share what was written and the
//! checks' batches; each version lists through its own snapshot.

pub(super) mod state;

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use super::api::ConnectorApi;
use super::batch;
use super::client::Client;
use super::cloudview::CloudView;
use super::error::Error;
use super::identity::aws_account_id_from_arn;
use super::qps::{self, Qps, QpsVersion};
use super::retry::Deadline;
use super::snapshot::{Listing, Progress, Step};

pub use state::{CreateUnderWay, Existing, Family};

/// The fewest checks in a first batch that make a QPS check list rather than search by name:
/// one name search costs what one page does.
const QPS_MIN_FIRST_BATCH: usize = 2;

/// A confirmation listing starts at the latest when this many wait for it: Terraform's
/// default `-parallelism`.
const CONFIRM_FULL: usize = 10;

/// How long a confirmation waits before it counts: the creates Terraform starts together are
/// all under way by then.
const CONFIRM_GATHER: std::time::Duration = std::time::Duration::from_millis(25);

/// The connector as a check reports it (when it has a name).
fn existing<A: ConnectorApi>(c: &A::Connector) -> Option<Existing> {
    let identity = A::identity(c);
    Some(Existing {
        id: A::id(c).to_string(),
        name: identity.name?.to_owned(),
        aws_account_id: identity.account().map(str::to_owned),
    })
}

/// The connectors among `listed` named exactly `name` (a connector without a name cannot be
/// the one a resource would create). Only matches are copied: a complete listing answers
/// every check of an apply, each scanning all of it.
fn named<'a, A: ConnectorApi>(
    listed: impl IntoIterator<Item = &'a A::Connector>,
    name: &str,
) -> Vec<Existing>
where
    A::Connector: 'a,
{
    listed
        .into_iter()
        .filter(|c| A::identity(c).name == Some(name))
        .filter_map(existing::<A>)
        .collect()
}

/// The answers of a complete listing for each of `names`.
fn from_listing<A: ConnectorApi>(
    listing: &Listing<A::Id, A::Connector>,
    names: &[String],
) -> HashMap<String, Vec<Existing>> {
    let mut wanted: HashMap<String, Vec<Existing>> =
        names.iter().map(|n| (n.clone(), Vec::new())).collect();
    for c in listing.values() {
        let same = A::identity(c).name.and_then(|name| wanted.get_mut(name));
        if let (Some(same), Some(e)) = (same, existing::<A>(c)) {
            same.push(e);
        }
    }
    wanted
}

fn every(names: &[String], err: &Error) -> HashMap<String, Result<Vec<Existing>, Error>> {
    names
        .iter()
        .map(|n| (n.clone(), Err(err.clone())))
        .collect()
}

impl Client {
    /// The connectors of `family` named `name` in AWS account `aws_account_id` (any account
    /// when Qualys does not report one), as this process knows them. Answered from the
    /// family's listing (the refresh's snapshot) or, for QPS, a `name EQUALS` search, whichever
    /// the calls spent so far make cheaper ([`Listing::step`]): checks that arrive together
    /// are answered together, a lone first check searches (one call whatever the size of the
    /// subscription), and a complete listing answers every later check with no call. A
    /// listing or search that fails answers with its error: the create is refused.
    pub async fn find_existing(
        &self,
        family: Family,
        name: &str,
        aws_account_id: Option<&str>,
    ) -> Result<Vec<Existing>, Error> {
        let deadline = self.deadline();
        let key = (family == Family::CloudView, name.to_owned());
        let cached = self
            .shared
            .inventory
            .checked
            .lock()
            .ok()
            .and_then(|checked| checked.get(&key).cloned());
        let same_name = match cached {
            Some(found) => self.shared.inventory.overlay(family, name, found),
            None => self.check_uncached(family, name, deadline).await?,
        };
        if let Ok(mut checked) = self.shared.inventory.checked.lock() {
            checked.insert(key, same_name.clone());
        }
        Ok(same_name
            .into_iter()
            .filter(|e| match (aws_account_id, e.aws_account_id.as_deref()) {
                (Some(wanted), Some(have)) => wanted == have,
                _ => true,
            })
            .collect())
    }

    /// [`Client::find_existing`] for a name this process has not checked yet.
    async fn check_uncached(
        &self,
        family: Family,
        name: &str,
        deadline: Deadline,
    ) -> Result<Vec<Existing>, Error> {
        let same_name = match self.listed_completely(family, name, deadline).await? {
            Some(found) => found,
            None => {
                let checks = self.shared.inventory.checks(family);
                if checks.is_off() {
                    let names = [name.to_owned()];
                    self.check_names(family, &names)
                        .await
                        .remove(name)
                        .unwrap_or_else(|| Ok(Vec::new()))?
                } else {
                    let (receiver, opened) = checks.join(name.to_owned());
                    if opened {
                        let client = self.clone();
                        tokio::spawn(async move {
                            let checks = client.shared.inventory.checks(family);
                            let waiters = checks.close_after_window(client.transport()).await;
                            let results = client.check_names(family, &batch::ids(&waiters)).await;
                            batch::deliver(waiters, results);
                        });
                    }
                    batch::wait(receiver, deadline).await?
                }
            }
        };
        Ok(same_name)
    }

    /// Drops a connector this process wrote from the refresh snapshots of its family.
    async fn forget_listed(&self, family: Family, id: &str) {
        match family {
            Family::Qps(_) => {
                if let Ok(n) = id.parse::<u64>() {
                    self.shared.qps_v3_listing.forget(&n).await;
                    self.shared.qps_v2_listing.forget(&n).await;
                }
            }
            Family::CloudView => self.shared.cloudview_listing.forget(&id.to_owned()).await,
        }
    }

    /// Records a connector this process created or updated, so that later checks see it and
    /// later refresh reads ask Qualys for it.
    pub async fn note_saved(&self, family: Family, id: &str, name: &str, arn: &str) {
        self.forget_listed(family, id).await;
        let saved = Existing {
            id: id.to_owned(),
            name: name.to_owned(),
            aws_account_id: aws_account_id_from_arn(arn).map(str::to_owned),
        };
        self.shared
            .inventory
            .written()
            .of(family)
            .insert(id.to_owned(), Some(saved));
    }

    /// Records a connector this process deleted (or found already gone).
    pub async fn note_deleted(&self, family: Family, id: &str) {
        self.forget_listed(family, id).await;
        self.shared
            .inventory
            .written()
            .of(family)
            .insert(id.to_owned(), None);
    }

    /// The answer for `name` when the family's listing is complete: no call, no batch.
    async fn listed_completely(
        &self,
        family: Family,
        name: &str,
        deadline: Deadline,
    ) -> Result<Option<Vec<Existing>>, Error> {
        let found = match family {
            Family::Qps(version) => named_if_complete(&self.qps(version), name, deadline).await?,
            Family::CloudView => named_if_complete(&self.cloudview(), name, deadline).await?,
        };
        Ok(found.map(|found| self.shared.inventory.overlay(family, name, found)))
    }

    /// Answers the checks of a batch, each with every connector named so.
    async fn check_names(
        &self,
        family: Family,
        names: &[String],
    ) -> HashMap<String, Result<Vec<Existing>, Error>> {
        let found = match family {
            Family::Qps(version) => self.check_qps_names(version, names).await,
            Family::CloudView => check_by_listing(&self.cloudview(), names, self.deadline()).await,
        };
        found
            .into_iter()
            .map(|(name, found)| {
                let found = found.map(|found| self.shared.inventory.overlay(family, &name, found));
                (name, found)
            })
            .collect()
    }

    async fn check_qps_names(
        &self,
        version: QpsVersion,
        names: &[String],
    ) -> HashMap<String, Result<Vec<Existing>, Error>> {
        loop {
            let searches = !self
                .shared
                .inventory
                .qps_search_refused
                .load(Ordering::Relaxed);
            if let Some(results) = self.try_check_qps_names(version, names, searches).await {
                return results;
            }
        }
    }

    /// [`Client::check_qps_names`], searching by name when `searches` and the costs say so;
    /// `None` when QPS refused a search by name (which is then not tried again).
    async fn try_check_qps_names(
        &self,
        version: QpsVersion,
        names: &[String],
        searches: bool,
    ) -> Option<HashMap<String, Result<Vec<Existing>, Error>>> {
        let deadline = self.deadline();
        let qps = self.qps(version);
        let mut listing = match self.qps_snapshot(version).lock(deadline).await {
            Ok(listing) => listing,
            Err(err) => return Some(every(names, &err)),
        };
        loop {
            if listing.progress == Progress::Done {
                let found = from_listing::<Qps>(&listing, names);
                return Some(found.into_iter().map(|(n, found)| (n, Ok(found))).collect());
            }
            let list = match listing.progress {
                Progress::Broken => false,
                _ if !searches => true,
                _ => {
                    listing.step(names.len(), names.len(), QPS_MIN_FIRST_BATCH)
                        == Step::ListNextPage
                }
            };
            if !list {
                break;
            }
            if let Err(err) = qps.list_next_page(&mut listing, deadline).await {
                return Some(every(names, &err));
            }
        }
        if !searches {
            // The shared listing cannot go on and searches by name do not work: list on its
            // own, which ends with an error where the shared one gave up.
            drop(listing);
            return Some(match qps.list_all_fresh(deadline).await {
                Ok(all) => names
                    .iter()
                    .map(|n| (n.clone(), Ok(named::<Qps>(&all, n))))
                    .collect(),
                Err(err) => every(names, &err),
            });
        }
        listing.spent_one_by_one(names.len());
        drop(listing);
        let mut results = HashMap::new();
        for name in names {
            match qps.search_by_name(name, None, deadline).await {
                // Not an answer about the name (a Qualys that does not search this field,
                // say): list instead.
                Err(err) if qps::search_says_nothing(&err) => {
                    tracing::warn!(error = %err, %version, "QPS refused a search by name; existence checks list from now on");
                    self.shared
                        .inventory
                        .qps_search_refused
                        .store(true, Ordering::Relaxed);
                    return None;
                }
                found => {
                    let found = found.map(|found| named::<Qps>(&found, name));
                    results.insert(name.clone(), found);
                }
            }
        }
        tracing::debug!(checks = names.len(), %version, "existence checks searched by name");
        Some(results)
    }
}

/// `name`'s connectors when `api`'s listing is complete: no call, no batch.
async fn named_if_complete<A: ConnectorApi>(
    api: &A,
    name: &str,
    deadline: Deadline,
) -> Result<Option<Vec<Existing>>, Error> {
    let listing = api.snapshot().lock(deadline).await?;
    Ok((listing.progress == Progress::Done).then(|| named::<A>(listing.values(), name)))
}

/// Answers checks from `api`'s listing, completed first. CloudView always lists: its
/// `filter=name:` semantics (exact, prefix, substring; how a comma or colon in a name is read)
/// are not public, and a filter that silently missed a match would make the duplicate the
/// check exists to prevent.
async fn check_by_listing<A: ConnectorApi>(
    api: &A,
    names: &[String],
    deadline: Deadline,
) -> HashMap<String, Result<Vec<Existing>, Error>> {
    let mut listing = match api.snapshot().lock(deadline).await {
        Ok(listing) => listing,
        Err(err) => return every(names, &err),
    };
    while matches!(listing.progress, Progress::NotStarted | Progress::At(_)) {
        if let Err(err) = api.list_next_page(&mut listing, deadline).await {
            return every(names, &err);
        }
    }
    let found = if listing.progress == Progress::Done {
        from_listing::<A>(&listing, names)
    } else {
        // The shared listing cannot go on (a page repeated itself): list on its own, which
        // ends with an error where the shared one gave up.
        drop(listing);
        match api.list_all_fresh(deadline).await {
            Ok(all) => names
                .iter()
                .map(|n| (n.clone(), named::<A>(&all, n)))
                .collect(),
            Err(err) => return every(names, &err),
        }
    };
    found
        .into_iter()
        .map(|(name, found)| (name, Ok(found)))
        .collect()
}

impl Client {
    /// Marks a create under way until the guard is dropped (before its confirmation): how
    /// many creates run at once tells how many confirmations to gather.
    pub fn begin_create(&self) -> CreateUnderWay<'_> {
        let inventory = &self.shared.inventory;
        let now = inventory.creates_under_way.fetch_add(1, Ordering::SeqCst) + 1;
        inventory.most_under_way.fetch_max(now, Ordering::SeqCst);
        CreateUnderWay { inventory }
    }

    /// The connectors of `family` named `name` in AWS account `aws_account_id` (any account
    /// when Qualys does not report one), other than `own_id` and the ones this process deleted,
    /// as Qualys lists them now (never the snapshot): what a run racing this one created
    /// meanwhile. Confirmations that arrive together share one listing, started once
    /// [`CONFIRM_FULL`] wait or after [`CONFIRM_WINDOW`](state::CONFIRM_WINDOW), so N creates
    /// at the default parallelism cost about ceil(N/10) calls; a lone create waits for nothing.
    pub async fn others_named(
        &self,
        family: Family,
        name: &str,
        aws_account_id: Option<&str>,
        own_id: &str,
    ) -> Result<Vec<Existing>, Error> {
        let deadline = self.deadline();
        let confirms = self.shared.inventory.confirms(family);
        let same_name = if confirms.is_off() {
            let names = [name.to_owned()];
            self.fresh_names(family, &names)
                .await
                .remove(name)
                .unwrap_or_else(|| Ok(Vec::new()))?
        } else {
            let (receiver, opened) = confirms.join(name.to_owned());
            if opened {
                let client = self.clone();
                tokio::spawn(async move {
                    let confirms = client.shared.inventory.confirms(family);
                    let inventory = &client.shared.inventory;
                    // A lone create (the usual onboarding) waits for nothing; creates that run
                    // together gather a full batch: Terraform holds a slot while a node writes
                    // its state, so fewer than -parallelism creates may be under way at once
                    // although that many finish within the window.
                    let full = || {
                        if inventory.most_under_way.load(Ordering::SeqCst) <= 1 {
                            1
                        } else {
                            CONFIRM_FULL
                        }
                    };
                    let waiters = confirms
                        .close_when_gathered(client.transport(), CONFIRM_GATHER, full)
                        .await;
                    tracing::debug!(
                        confirmations = waiters.len(),
                        most_under_way = full(),
                        under_way = inventory.creates_under_way.load(Ordering::SeqCst),
                        "confirmation listing"
                    );
                    let results = client.fresh_names(family, &batch::ids(&waiters)).await;
                    batch::deliver(waiters, results);
                });
            }
            batch::wait(receiver, deadline).await?
        };
        let deleted: Vec<String> = self
            .shared
            .inventory
            .written()
            .of(family)
            .iter()
            .filter(|(_, e)| e.is_none())
            .map(|(id, _)| id.clone())
            .collect();
        Ok(same_name
            .into_iter()
            .filter(|e| e.id != own_id && !deleted.contains(&e.id))
            .filter(|e| match (aws_account_id, e.aws_account_id.as_deref()) {
                (Some(wanted), Some(have)) => wanted == have,
                _ => true,
            })
            .collect())
    }

    /// Every connector named as in `names`, from a fresh listing of the family (a lone QPS
    /// name: a search by name).
    async fn fresh_names(
        &self,
        family: Family,
        names: &[String],
    ) -> HashMap<String, Result<Vec<Existing>, Error>> {
        let deadline = self.deadline();
        let listed: Result<HashMap<String, Vec<Existing>>, Error> = match family {
            Family::Qps(version) => {
                let qps = self.qps(version);
                let refused = &self.shared.inventory.qps_search_refused;
                let mut confirmed = self.shared.inventory.qps_confirmed.lock().await;
                // A search per name, or a listing: whichever costs fewer calls, as far as this
                // process's listing tells the size of the subscription. Once confirmations
                // listed, the next lists only what was made since (one call, a short page).
                let pages = match self.qps_snapshot(version).lock(deadline).await {
                    Ok(listing) => listing.pages().max(1),
                    Err(err) => return every(names, &err),
                };
                if confirmed.is_none() && names.len() <= pages && !refused.load(Ordering::Relaxed) {
                    let mut results = HashMap::new();
                    for name in names {
                        match qps.search_by_name(name, None, deadline).await {
                            Err(err) if qps::search_says_nothing(&err) => {
                                refused.store(true, Ordering::Relaxed);
                                results.clear();
                                break;
                            }
                            found => {
                                let found = found.map(|found| named::<Qps>(&found, name));
                                results.insert(name.clone(), found);
                            }
                        }
                    }
                    if !results.is_empty() {
                        return results;
                    }
                }
                let after = confirmed.as_ref().map(|(last, _)| *last);
                match qps.search_pages(&[], after, deadline).await {
                    Ok(made) => {
                        let (last, by_name) = confirmed.get_or_insert_with(Default::default);
                        for connector in &made {
                            *last = (*last).max(connector.id);
                            if let Some(e) = existing::<Qps>(connector) {
                                let same = by_name.entry(e.name.clone()).or_default();
                                same.retain(|known| known.id != e.id);
                                same.push(e);
                            }
                        }
                        Ok(names
                            .iter()
                            .map(|n| (n.clone(), by_name.get(n).cloned().unwrap_or_default()))
                            .collect())
                    }
                    Err(err) => Err(err),
                }
            }
            Family::CloudView => self.cloudview().list_all_fresh(deadline).await.map(|all| {
                let named = |n: &String| (n.clone(), named::<CloudView>(&all, n));
                names.iter().map(named).collect()
            }),
        };
        match listed {
            Ok(found) => found.into_iter().map(|(n, found)| (n, Ok(found))).collect(),
            Err(err) => every(names, &err),
        }
    }
}
