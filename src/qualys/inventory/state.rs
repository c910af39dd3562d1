//! What the existence checks keep per client: their batches, what this process wrote (laid
//! over what Qualys lists), the answers already given and the creates under way. The client
//! holds it; the checks themselves are in [`inventory`](super).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::qualys::batch::Batcher;
use crate::qualys::qps::model::QpsVersion;

/// The longest a confirmation waits for others to join its listing.
pub(crate) const CONFIRM_WINDOW: std::time::Duration = std::time::Duration::from_secs(1);

/// The API family whose connectors a check looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// The Connector app's QPS API, read through the given version.
    Qps(QpsVersion),
    CloudView,
}

/// A connector found by [`Client::find_existing`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Existing {
    /// The QPS id (a number) or the CloudView UUID.
    pub id: String,
    pub name: String,
    pub aws_account_id: Option<String>,
}

/// The checks of one family that arrived together, keyed by name; each gets every connector
/// with that name, in any account.
pub(super) type Checks = Batcher<String, Vec<Existing>>;

/// Per-process state of the checks.
pub(crate) struct Inventory {
    pub(super) qps_checks: Checks,
    pub(super) cloudview_checks: Checks,
    /// Confirmations after creates, answered from fresh listings.
    pub(super) qps_confirms: Checks,
    pub(super) cloudview_confirms: Checks,
    /// What this process created or changed (`Some`) or deleted (`None`), by id, per family
    /// group: it overrides whatever a listing or search says of that id.
    pub(super) written: std::sync::Mutex<Written>,
    /// QPS answered a search by name with something other than connectors: checks list.
    pub(super) qps_search_refused: AtomicBool,
    /// The answers of this process's checks, by family group and name: Terraform checks a
    /// new connector when it plans it and again when it applies it, in the same process, and
    /// the second check costs nothing. (A run racing this one is caught after the create.)
    pub(super) checked: std::sync::Mutex<HashMap<(bool, String), Vec<Existing>>>,
    /// What QPS confirmations listed so far, and the highest id among it: QPS ids grow with
    /// every create, so the next confirmation lists only the connectors made since.
    pub(super) qps_confirmed: tokio::sync::Mutex<Option<Confirmed>>,
    /// Creates under way (from their check to their confirmation), and the most at once.
    pub(super) creates_under_way: AtomicUsize,
    pub(super) most_under_way: AtomicUsize,
}

/// The highest QPS id the confirmations listed, and what they listed by name.
pub(super) type Confirmed = (u64, HashMap<String, Vec<Existing>>);

/// A create under way (see [`Client::begin_create`]): dropped when it asks for its
/// confirmation, or ends otherwise.
pub struct CreateUnderWay<'c> {
    pub(super) inventory: &'c Inventory,
}

impl Drop for CreateUnderWay<'_> {
    fn drop(&mut self) {
        self.inventory
            .creates_under_way
            .fetch_sub(1, Ordering::SeqCst);
    }
}

#[derive(Default)]
pub(super) struct Written {
    qps: HashMap<String, Option<Existing>>,
    cloudview: HashMap<String, Option<Existing>>,
}

impl Written {
    pub(super) fn of(&mut self, family: Family) -> &mut HashMap<String, Option<Existing>> {
        match family {
            Family::Qps(_) => &mut self.qps,
            Family::CloudView => &mut self.cloudview,
        }
    }
}

impl Inventory {
    pub(crate) fn new(window: std::time::Duration) -> Self {
        Inventory {
            qps_checks: Batcher::new(window),
            cloudview_checks: Batcher::new(window),
            qps_confirms: Batcher::new(if window.is_zero() {
                window
            } else {
                CONFIRM_WINDOW
            }),
            cloudview_confirms: Batcher::new(if window.is_zero() {
                window
            } else {
                CONFIRM_WINDOW
            }),
            written: std::sync::Mutex::new(Written::default()),
            qps_search_refused: AtomicBool::new(false),
            checked: std::sync::Mutex::default(),
            qps_confirmed: tokio::sync::Mutex::new(None),
            creates_under_way: AtomicUsize::new(0),
            most_under_way: AtomicUsize::new(0),
        }
    }

    pub(super) fn confirms(&self, family: Family) -> &Checks {
        match family {
            Family::Qps(_) => &self.qps_confirms,
            Family::CloudView => &self.cloudview_confirms,
        }
    }

    pub(super) fn checks(&self, family: Family) -> &Checks {
        match family {
            Family::Qps(_) => &self.qps_checks,
            Family::CloudView => &self.cloudview_checks,
        }
    }

    pub(super) fn written(&self) -> std::sync::MutexGuard<'_, Written> {
        self.written
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `found` (the connectors named `name`, as a listing or search reported them) with what
    /// this process wrote laid over it.
    pub(super) fn overlay(
        &self,
        family: Family,
        name: &str,
        found: Vec<Existing>,
    ) -> Vec<Existing> {
        let mut written = self.written();
        let written = written.of(family);
        let mut by_id: BTreeMap<String, Existing> = found
            .into_iter()
            .filter(|e| !written.contains_key(&e.id))
            .map(|e| (e.id.clone(), e))
            .collect();
        for e in written.values().flatten().filter(|e| e.name == name) {
            by_id.insert(e.id.clone(), e.clone());
        }
        by_id.into_values().collect()
    }
}
