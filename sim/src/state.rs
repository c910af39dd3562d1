//! The state of a running simulator that every handler shares: the store, users, budgets,
//! faults, call counts and the settings admin calls change.

use std::sync::Arc;
use std::time::Duration;

use crate::accounts::BaseAccounts;
use crate::calls::Calls;
use crate::config::{SimConfig, User};
use crate::faults::Faults;
use crate::limits::Limits;
use crate::quirks::Quirks;
use crate::roles::Roles;
use crate::store::Store;

/// Everything handlers share.
pub struct AppState {
    pub store: Arc<Store>,
    pub users: Vec<User>,
    pub limits: Limits,
    pub faults: Faults,
    pub calls: Calls,
    pub latency: Duration,
    pub region_selection: bool,
    pub accounts: BaseAccounts,
    pub roles: Roles,
    pub quirks: Quirks,
    pub sync_delay: Duration,
    pub base_url: String,
}

impl AppState {
    /// The state for `config` over `store`, served at `base_url`.
    pub fn new(config: &SimConfig, store: Arc<Store>, base_url: String) -> AppState {
        AppState {
            store,
            users: config.users.clone(),
            limits: Limits::new(config.rate_limit, config.concurrency),
            faults: Faults::default(),
            calls: Calls::default(),
            latency: config.latency,
            region_selection: config.region_selection,
            accounts: BaseAccounts::new(
                config.customer_base_accounts.clone(),
                config.china_region_enabled,
            ),
            roles: Roles::default(),
            quirks: Quirks::default(),
            sync_delay: config.sync_delay,
            base_url,
        }
    }
}
