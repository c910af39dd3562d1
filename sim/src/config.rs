//! What a simulator run is configured with: listen address, users and their scope, limits, and
//! the parsers for the command line's `NAME:PASSWORD[:ACCOUNTS]` and `CALLS/SECONDS` forms.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// Everything [`crate::Sim::start`] needs.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Address to bind; port 0 picks a free port. Default `127.0.0.1:0`.
    pub listen: SocketAddr,
    /// Accounts that may call the APIs. Default: `demo`/`demo` with no scope.
    pub users: Vec<User>,
    /// Where the store is persisted across restarts (written atomically). Default: none.
    pub state_file: Option<PathBuf>,
    /// Added to every API call (not to `/_sim/`). Default zero.
    pub latency: Duration,
    /// Calls per window and user. Default `None`: unlimited.
    pub rate_limit: Option<RateLimit>,
    /// Concurrent calls per user. Default `None`: unlimited.
    pub concurrency: Option<u32>,
    /// Whether the subscription has CSPM region selection. Default true; false makes every
    /// request that gives `cspmRegions` answer `INVALID_REQUEST`.
    pub region_selection: bool,
    /// How long a sync started by `run` takes to reach its verdict. Default zero: the verdict
    /// is in `run`'s own answer.
    pub sync_delay: Duration,
    /// Qualys AWS accounts this subscription uses instead of Qualys's shared ones, per partition.
    /// Default: none. China has no shared one (EVIDENCE 7): China connectors need `china` set.
    pub customer_base_accounts: CustomerBaseAccounts,
    /// Whether Qualys support enabled the China region for the subscription (EVIDENCE 7: China
    /// connectors need it and the subscription's own China base account). Default false.
    pub china_region_enabled: bool,
}

/// The subscription's own base accounts (12-digit AWS account ids), per partition. Public
/// material shows they exist (`customerGlobalAccount`, ... flags: EVIDENCE 1, 3, 5), not their
/// values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CustomerBaseAccounts {
    pub global: Option<String>,
    pub gov: Option<String>,
    pub china: Option<String>,
}

impl CustomerBaseAccounts {
    /// `self` with the accounts `other` sets added (the command line gives one at a time).
    pub fn merge(self, other: CustomerBaseAccounts) -> CustomerBaseAccounts {
        CustomerBaseAccounts {
            global: other.global.or(self.global),
            gov: other.gov.or(self.gov),
            china: other.china.or(self.china),
        }
    }
}

impl Default for SimConfig {
    fn default() -> SimConfig {
        SimConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            users: vec![User::new("demo", "demo")],
            state_file: None,
            latency: Duration::ZERO,
            rate_limit: None,
            concurrency: None,
            region_selection: true,
            sync_delay: Duration::ZERO,
            customer_base_accounts: CustomerBaseAccounts::default(),
            china_region_enabled: false,
        }
    }
}

/// A fixed-window call budget per user, e.g. 300 calls per 3600 s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    pub calls: u32,
    pub window: Duration,
}

/// An API user. `scope` lists the 12-digit AWS account ids whose connectors the user may see;
/// `None` means all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub password: String,
    pub scope: Option<Vec<String>>,
}

impl User {
    /// A user without scope restriction.
    pub fn new(name: &str, password: &str) -> User {
        User {
            name: name.to_owned(),
            password: password.to_owned(),
            scope: None,
        }
    }

    /// Whether a connector of AWS account `account` is visible to this user.
    pub fn sees(&self, account: &str) -> bool {
        self.scope
            .as_ref()
            .is_none_or(|accounts| accounts.iter().any(|a| a == account))
    }
}

/// A command-line value that does not parse.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("user must be NAME:PASSWORD[:ACCOUNT,ACCOUNT...], got `{0}`")]
    User(String),
    #[error("scope account `{0}` is not a 12-digit AWS account id")]
    ScopeAccount(String),
    #[error("rate limit must be CALLS/SECONDS with both above zero, got `{0}`")]
    RateLimit(String),
    #[error("customer base account must be global|gov|china=<12-digit AWS account id>, got `{0}`")]
    CustomerBaseAccount(String),
}

/// Parses `NAME:PASSWORD` or `NAME:PASSWORD:ACCOUNT,ACCOUNT...` (the latter gives a scope).
pub fn parse_user(spec: &str) -> Result<User, ConfigError> {
    let mut parts = spec.splitn(3, ':');
    let name = parts.next().unwrap_or_default();
    let password = parts
        .next()
        .ok_or_else(|| ConfigError::User(spec.to_owned()))?;
    if name.is_empty() || password.is_empty() {
        return Err(ConfigError::User(spec.to_owned()));
    }
    let scope = match parts.next() {
        None => None,
        Some(accounts) => {
            let accounts: Vec<String> = accounts.split(',').map(|a| a.trim().to_owned()).collect();
            if let Some(bad) = accounts.iter().find(|a| !is_account_id(a)) {
                return Err(ConfigError::ScopeAccount(bad.clone()));
            }
            Some(accounts)
        }
    };
    Ok(User {
        name: name.to_owned(),
        password: password.to_owned(),
        scope,
    })
}

/// Parses `global=111111111111`, `gov=...` or `china=...` into a set of one account.
pub fn parse_customer_base_account(spec: &str) -> Result<CustomerBaseAccounts, ConfigError> {
    let bad = || ConfigError::CustomerBaseAccount(spec.to_owned());
    let (partition, account) = spec.split_once('=').ok_or_else(bad)?;
    let account = account.trim();
    if !is_account_id(account) {
        return Err(bad());
    }
    let account = Some(account.to_owned());
    match partition.trim() {
        "global" => Ok(CustomerBaseAccounts {
            global: account,
            ..CustomerBaseAccounts::default()
        }),
        "gov" => Ok(CustomerBaseAccounts {
            gov: account,
            ..CustomerBaseAccounts::default()
        }),
        "china" => Ok(CustomerBaseAccounts {
            china: account,
            ..CustomerBaseAccounts::default()
        }),
        _ => Err(bad()),
    }
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Parses `CALLS/SECONDS`, e.g. `300/3600`.
pub fn parse_rate_limit(spec: &str) -> Result<RateLimit, ConfigError> {
    let bad = || ConfigError::RateLimit(spec.to_owned());
    let (calls, seconds) = spec.split_once('/').ok_or_else(bad)?;
    let calls: u32 = calls.trim().parse().map_err(|_| bad())?;
    let seconds: u64 = seconds.trim().parse().map_err(|_| bad())?;
    if calls == 0 || seconds == 0 {
        return Err(bad());
    }
    Ok(RateLimit {
        calls,
        window: Duration::from_secs(seconds),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_without_scope() {
        assert_eq!(parse_user("demo:demo"), Ok(User::new("demo", "demo")));
    }

    #[test]
    fn user_with_scope_and_colon_free_password() {
        let user = parse_user("alice:s3cret:123456789012,210987654321").expect("valid");
        assert_eq!(user.name, "alice");
        assert_eq!(user.password, "s3cret");
        assert!(user.sees("123456789012"));
        assert!(user.sees("210987654321"));
        assert!(!user.sees("111111111111"));
    }

    #[test]
    fn user_rejects_missing_password_and_bad_accounts() {
        assert!(matches!(parse_user("demo"), Err(ConfigError::User(_))));
        assert!(matches!(parse_user(":pw"), Err(ConfigError::User(_))));
        assert_eq!(
            parse_user("a:b:12345"),
            Err(ConfigError::ScopeAccount("12345".into()))
        );
    }

    #[test]
    fn rate_limit_forms() {
        assert_eq!(
            parse_rate_limit("300/3600"),
            Ok(RateLimit {
                calls: 300,
                window: Duration::from_secs(3600)
            })
        );
        assert!(parse_rate_limit("0/10").is_err());
        assert!(parse_rate_limit("10").is_err());
        assert!(parse_rate_limit("x/10").is_err());
    }

    #[test]
    fn customer_base_accounts_merge_one_by_one() {
        let accounts = ["global=111111111111", "china=333333333333"]
            .into_iter()
            .map(|s| parse_customer_base_account(s).expect("valid"))
            .fold(CustomerBaseAccounts::default(), CustomerBaseAccounts::merge);
        assert_eq!(accounts.global.as_deref(), Some("111111111111"));
        assert_eq!(accounts.gov, None);
        assert_eq!(accounts.china.as_deref(), Some("333333333333"));
        for bad in [
            "global",
            "mars=111111111111",
            "gov=1111",
            "gov=11111111111x",
        ] {
            assert!(parse_customer_base_account(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn default_config_is_loopback_demo() {
        let config = SimConfig::default();
        assert!(config.listen.ip().is_loopback());
        assert_eq!(config.listen.port(), 0);
        assert_eq!(config.users, vec![User::new("demo", "demo")]);
        assert!(config.region_selection);
        assert!(!config.china_region_enabled);
        assert_eq!(
            config.customer_base_accounts,
            CustomerBaseAccounts::default()
        );
    }
}
