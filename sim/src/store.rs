//! The one connector store behind QPS v3, QPS v2, CloudView and the admin API: ids, lookups by
//! QPS id or CloudView UUID, scope, and the snapshot the state file holds.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::change::{Change, Rules};
use crate::config::User;
use crate::dates;
use crate::model::{Connector, ConnectorState, FIRST_ID, Origin};
use crate::validate::ValidationError;

/// How a caller names a connector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    Id(u64),
    Uuid(Uuid),
}

impl Key {
    /// A QPS id (digits) or a CloudView UUID.
    pub fn parse(s: &str) -> Option<Key> {
        if let Ok(id) = s.parse() {
            return Some(Key::Id(id));
        }
        Uuid::parse_str(s).ok().map(Key::Uuid)
    }

    fn matches(self, c: &Connector) -> bool {
        match self {
            Key::Id(id) => c.id == id,
            Key::Uuid(uuid) => c.cloudview_uuid == uuid,
        }
    }
}

/// A sync started by [`Store::begin_syncs`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyncTicket {
    pub id: u64,
    pub sync_number: u64,
}

/// Why a store operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// Unknown, deleted, or outside the caller's scope: Qualys does not tell these apart.
    #[error("connector not found")]
    NotFound,
    #[error("AWS account {0} is outside your scope")]
    OutOfScope(String),
}

/// The state file's content.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Snapshot {
    version: u32,
    next_id: u64,
    connectors: Vec<Connector>,
}

struct Inner {
    next_id: u64,
    connectors: BTreeMap<u64, Connector>,
}

/// The connector store. Every mutation wakes [`Store::changed`].
pub struct Store {
    inner: Mutex<Inner>,
    changed: Notify,
}

impl Default for Store {
    fn default() -> Store {
        Store::from_parts(FIRST_ID, Vec::new())
    }
}

impl Store {
    fn from_parts(next_id: u64, connectors: Vec<Connector>) -> Store {
        Store {
            inner: Mutex::new(Inner {
                next_id,
                connectors: connectors.into_iter().map(|c| (c.id, c)).collect(),
            }),
            changed: Notify::new(),
        }
    }

    /// A store from a state file's bytes.
    pub fn from_json(bytes: &[u8]) -> Result<Store, serde_json::Error> {
        let snapshot: Snapshot = serde_json::from_slice(bytes)?;
        let next_id = snapshot
            .connectors
            .iter()
            .map(|c| c.id + 1)
            .max()
            .unwrap_or(FIRST_ID)
            .max(snapshot.next_id);
        Ok(Store::from_parts(next_id, snapshot.connectors))
    }

    /// The state file's bytes for the current content.
    pub fn to_json(&self) -> Vec<u8> {
        let inner = self.lock();
        let snapshot = Snapshot {
            version: 1,
            next_id: inner.next_id,
            connectors: inner.connectors.values().cloned().collect(),
        };
        serde_json::to_vec_pretty(&snapshot).unwrap_or_default()
    }

    /// Resolves after a mutation since the last call.
    pub async fn changed(&self) {
        self.changed.notified().await;
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn find(inner: &mut Inner, key: Key, caller: &User) -> Result<u64, StoreError> {
        inner
            .connectors
            .values()
            .find(|c| key.matches(c) && caller.sees(&c.aws_account_id))
            .map(|c| c.id)
            .ok_or(StoreError::NotFound)
    }

    /// Creates a connector through `origin`'s API.
    pub fn create(
        &self,
        change: &Change,
        origin: Origin,
        rules: Rules,
        caller: &User,
    ) -> Result<Connector, StoreError> {
        let now = dates::now();
        let mut c = Connector::blank(origin, now);
        change.apply_to(&mut c, rules, true, now)?;
        if !caller.sees(&c.aws_account_id) {
            return Err(StoreError::OutOfScope(c.aws_account_id));
        }
        let mut inner = self.lock();
        c.id = inner.next_id;
        inner.next_id += 1;
        inner.connectors.insert(c.id, c.clone());
        drop(inner);
        self.changed.notify_one();
        Ok(c)
    }

    /// Applies `change` to a connector the caller can see.
    pub fn update(
        &self,
        key: Key,
        change: &Change,
        rules: Rules,
        caller: &User,
    ) -> Result<Connector, StoreError> {
        self.modify(key, caller, |c| {
            change.apply_to(c, rules, false, dates::now())?;
            if caller.sees(&c.aws_account_id) {
                Ok(())
            } else {
                Err(StoreError::OutOfScope(c.aws_account_id.clone()))
            }
        })
    }

    /// Queues a sync of each of `keys` (all or none: unknown or disabled connectors refuse the
    /// lot). Each connector is `QUEUED`, its sync numbered; the [`SyncTicket`]s name them.
    pub fn begin_syncs(&self, keys: &[Key], caller: &User) -> Result<Vec<SyncTicket>, StoreError> {
        let mut inner = self.lock();
        let ids = keys
            .iter()
            .map(|key| Store::find(&mut inner, *key, caller))
            .collect::<Result<Vec<u64>, StoreError>>()?;
        if ids
            .iter()
            .any(|id| inner.connectors.get(id).is_none_or(|c| c.disabled))
        {
            return Err(ValidationError::ConnectorDisabled.into());
        }
        let tickets = ids
            .iter()
            .filter_map(|id| {
                let c = inner.connectors.get_mut(id)?;
                c.state = ConnectorState::Queued;
                c.sync_number += 1;
                Some(SyncTicket {
                    id: c.id,
                    sync_number: c.sync_number,
                })
            })
            .collect();
        drop(inner);
        self.changed.notify_one();
        Ok(tickets)
    }

    /// Applies `f` to the connector of `ticket` if that sync is still under way (not overtaken by
    /// a newer sync, the connector not deleted, disabled or put in another state meanwhile).
    pub fn during_sync(&self, ticket: SyncTicket, f: impl FnOnce(&mut Connector)) -> bool {
        let mut inner = self.lock();
        let Some(c) = inner.connectors.get_mut(&ticket.id) else {
            return false;
        };
        if c.sync_number != ticket.sync_number || !c.state.syncing() {
            return false;
        }
        f(c);
        drop(inner);
        self.changed.notify_one();
        true
    }

    /// Sets `disabled` on each of `keys`, all or none (CloudView enable and disable).
    pub fn set_disabled(
        &self,
        keys: &[Key],
        disabled: bool,
        caller: &User,
    ) -> Result<(), StoreError> {
        let mut inner = self.lock();
        let ids = keys
            .iter()
            .map(|key| Store::find(&mut inner, *key, caller))
            .collect::<Result<Vec<u64>, StoreError>>()?;
        for id in ids {
            if let Some(c) = inner.connectors.get_mut(&id)
                && c.disabled != disabled
            {
                c.disabled = disabled;
                c.state = if disabled {
                    ConnectorState::Disabled
                } else {
                    ConnectorState::Pending
                };
            }
        }
        drop(inner);
        self.changed.notify_one();
        Ok(())
    }

    fn modify(
        &self,
        key: Key,
        caller: &User,
        f: impl FnOnce(&mut Connector) -> Result<(), StoreError>,
    ) -> Result<Connector, StoreError> {
        let mut inner = self.lock();
        let id = Store::find(&mut inner, key, caller)?;
        let Some(stored) = inner.connectors.get_mut(&id) else {
            return Err(StoreError::NotFound);
        };
        let mut candidate = stored.clone();
        f(&mut candidate)?;
        *stored = candidate.clone();
        drop(inner);
        self.changed.notify_one();
        Ok(candidate)
    }

    /// A connector the caller can see.
    pub fn get(&self, key: Key, caller: &User) -> Result<Connector, StoreError> {
        let mut inner = self.lock();
        let id = Store::find(&mut inner, key, caller)?;
        inner
            .connectors
            .get(&id)
            .cloned()
            .ok_or(StoreError::NotFound)
    }

    /// Deletes all of `keys` or, if any is unknown to the caller, none.
    pub fn delete(&self, keys: &[Key], caller: &User) -> Result<Vec<Connector>, StoreError> {
        let mut inner = self.lock();
        let ids = keys
            .iter()
            .map(|key| Store::find(&mut inner, *key, caller))
            .collect::<Result<Vec<u64>, StoreError>>()?;
        let deleted = ids
            .iter()
            .filter_map(|id| inner.connectors.remove(id))
            .collect();
        drop(inner);
        self.changed.notify_one();
        Ok(deleted)
    }

    /// Every connector the caller can see, by ascending QPS id.
    pub fn visible(&self, caller: &User) -> Vec<Connector> {
        self.lock()
            .connectors
            .values()
            .filter(|c| caller.sees(&c.aws_account_id))
            .cloned()
            .collect()
    }

    /// Every connector, by ascending QPS id (admin).
    pub fn all(&self) -> Vec<Connector> {
        self.lock().connectors.values().cloned().collect()
    }

    /// Out-of-band delete (admin); false when unknown.
    pub fn remove(&self, key: Key) -> bool {
        let mut inner = self.lock();
        let id = inner
            .connectors
            .values()
            .find(|c| key.matches(c))
            .map(|c| c.id);
        let removed = id.and_then(|id| inner.connectors.remove(&id)).is_some();
        drop(inner);
        if removed {
            self.changed.notify_one();
        }
        removed
    }

    /// Out-of-band change without the API's rules (admin); `Ok(None)` when unknown.
    pub fn patch<E>(
        &self,
        key: Key,
        f: impl FnOnce(&mut Connector) -> Result<(), E>,
    ) -> Result<Option<Connector>, E> {
        let mut inner = self.lock();
        let Some(stored) = inner.connectors.values_mut().find(|c| key.matches(c)) else {
            return Ok(None);
        };
        let mut candidate = stored.clone();
        f(&mut candidate)?;
        *stored = candidate.clone();
        drop(inner);
        self.changed.notify_one();
        Ok(Some(candidate))
    }

    /// Drops every connector; ids keep counting up so none is ever reused.
    pub fn clear(&self) {
        self.lock().connectors.clear();
        self.changed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::Api;

    const RULES: Rules = Rules {
        api: Api::Qps,
        region_selection: true,
        china_connectors: false,
    };

    fn change(account: &str) -> Change {
        Change {
            name: Some("n".into()),
            arn: Some(format!("arn:aws:iam::{account}:role/R")),
            ..Change::default()
        }
    }

    fn scoped(account: &str) -> User {
        User {
            scope: Some(vec![account.to_owned()]),
            ..User::new("s", "s")
        }
    }

    #[test]
    fn ids_increase_and_both_keys_find_the_connector() {
        let store = Store::default();
        let all = User::new("a", "a");
        let a = store
            .create(&change("123456789012"), Origin::Qps, RULES, &all)
            .expect("created");
        let b = store
            .create(&change("123456789012"), Origin::Cloudview, RULES, &all)
            .expect("created");
        assert_eq!(a.id, FIRST_ID);
        assert_eq!(b.id, FIRST_ID + 1);
        assert_eq!(store.get(Key::Id(a.id), &all), Ok(a.clone()));
        assert_eq!(store.get(Key::Uuid(a.cloudview_uuid), &all), Ok(a));
    }

    #[test]
    fn scope_hides_and_forbids() {
        let store = Store::default();
        let all = User::new("a", "a");
        let c = store
            .create(&change("123456789012"), Origin::Qps, RULES, &all)
            .expect("created");
        let other = scoped("210987654321");
        assert_eq!(store.get(Key::Id(c.id), &other), Err(StoreError::NotFound));
        assert!(store.visible(&other).is_empty());
        assert_eq!(
            store.create(&change("123456789012"), Origin::Qps, RULES, &other),
            Err(StoreError::OutOfScope("123456789012".into()))
        );
        assert_eq!(
            store.delete(&[Key::Id(c.id)], &other),
            Err(StoreError::NotFound)
        );
        assert_eq!(store.all().len(), 1);
    }

    #[test]
    fn delete_is_all_or_nothing() {
        let store = Store::default();
        let all = User::new("a", "a");
        let c = store
            .create(&change("123456789012"), Origin::Qps, RULES, &all)
            .expect("created");
        assert_eq!(
            store.delete(&[Key::Id(c.id), Key::Id(1)], &all),
            Err(StoreError::NotFound)
        );
        assert_eq!(store.delete(&[Key::Id(c.id)], &all).map(|v| v.len()), Ok(1));
        assert!(store.all().is_empty());
    }

    #[test]
    fn failed_update_leaves_the_connector_unchanged() {
        let store = Store::default();
        let all = User::new("a", "a");
        let c = store
            .create(&change("123456789012"), Origin::Qps, RULES, &all)
            .expect("created");
        let bad = Change {
            name: Some(String::new()),
            ..Change::default()
        };
        assert!(store.update(Key::Id(c.id), &bad, RULES, &all).is_err());
        assert_eq!(store.get(Key::Id(c.id), &all), Ok(c));
    }

    #[test]
    fn a_newer_sync_overtakes_an_older_one() {
        let store = Store::default();
        let all = User::new("a", "a");
        let c = store
            .create(&change("123456789012"), Origin::Qps, RULES, &all)
            .expect("created");
        let first = store.begin_syncs(&[Key::Id(c.id)], &all).expect("queued")[0];
        assert_eq!(
            store.get(Key::Id(c.id), &all).map(|c| c.state),
            Ok(ConnectorState::Queued)
        );
        let second = store.begin_syncs(&[Key::Id(c.id)], &all).expect("queued")[0];
        assert!(!store.during_sync(first, |c| c.state = ConnectorState::Running));
        assert!(store.during_sync(second, |c| c.state = ConnectorState::FinishedSuccess));
        assert!(
            !store.during_sync(second, |c| c.state = ConnectorState::Running),
            "a finished sync is over"
        );
    }

    #[test]
    fn disabled_connectors_do_not_sync_and_enabling_is_all_or_nothing() {
        let store = Store::default();
        let all = User::new("a", "a");
        let c = store
            .create(&change("123456789012"), Origin::Qps, RULES, &all)
            .expect("created");
        store
            .set_disabled(&[Key::Id(c.id)], true, &all)
            .expect("disabled");
        assert_eq!(
            store.begin_syncs(&[Key::Id(c.id)], &all),
            Err(StoreError::Invalid(ValidationError::ConnectorDisabled))
        );
        assert_eq!(
            store.set_disabled(&[Key::Id(c.id), Key::Id(1)], false, &all),
            Err(StoreError::NotFound)
        );
        assert_eq!(
            store.get(Key::Id(c.id), &all).map(|c| c.state),
            Ok(ConnectorState::Disabled)
        );
        store
            .set_disabled(&[Key::Id(c.id)], false, &all)
            .expect("enabled");
        assert_eq!(
            store.get(Key::Id(c.id), &all).map(|c| c.state),
            Ok(ConnectorState::Pending)
        );
    }

    #[test]
    fn state_files_of_earlier_versions_still_load() {
        let all = User::new("a", "a");
        let store = Store::default();
        let c = store
            .create(&change("123456789012"), Origin::Qps, RULES, &all)
            .expect("created");
        let mut snapshot: serde_json::Value =
            serde_json::from_slice(&store.to_json()).expect("JSON");
        let fields = [
            "activation",
            "apps",
            "defaultTags",
            "syncErrors",
            "syncNumber",
        ];
        if let Some(stored) = snapshot["connectors"][0].as_object_mut() {
            for field in fields {
                assert!(stored.remove(field).is_some(), "{field}");
            }
        }
        let restored = Store::from_json(snapshot.to_string().as_bytes()).expect("loads");
        assert_eq!(restored.all(), vec![c]);
    }

    #[test]
    fn snapshot_round_trips_and_keeps_counting() {
        let store = Store::default();
        let all = User::new("a", "a");
        let c = store
            .create(&change("123456789012"), Origin::Qps, RULES, &all)
            .expect("created");
        store.clear();
        let d = store
            .create(&change("123456789012"), Origin::Qps, RULES, &all)
            .expect("created");
        assert_eq!(d.id, c.id + 1);
        store
            .patch(Key::Id(d.id), |c| {
                c.activation.insert("VM".into());
                c.default_tags.insert(5);
                c.apps.insert(
                    "CSA".into(),
                    crate::model::AppInfo {
                        identifier: c.arn.clone(),
                        tag_id: Some(7),
                    },
                );
                c.sync_errors.push(crate::model::SyncError {
                    region: "us-east-1".into(),
                    message: "denied".into(),
                    occurred_on: dates::now(),
                });
                Ok::<(), StoreError>(())
            })
            .expect("patched");
        let d = store.get(Key::Id(d.id), &all).expect("stored");
        let restored = Store::from_json(&store.to_json()).expect("parses");
        assert_eq!(restored.all(), vec![d.clone()]);
        let e = restored
            .create(&change("123456789012"), Origin::Qps, RULES, &all)
            .expect("created");
        assert_eq!(e.id, d.id + 1);
    }
}
