//! The [`Client`] and how it is configured: one transport, and the state its clones share
//! (read batches, refresh snapshots, the existence checks' inventory, the base accounts).
//! The API families and the flows above them add their own `impl Client` blocks.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicU32;
use std::time::{Duration, Instant};

use reqwest::Url;
use tokio::sync::OnceCell;

use super::batch::Batcher;
use super::cloudview::model::Connector as CloudViewConnector;
use super::error::Error;
use super::http::{Transport, TransportSettings};
use super::inventory::state::Inventory;
use super::qps::model::{Connector as QpsConnector, QpsVersion};
use super::retry::{Deadline, RetryPolicy};
use super::snapshot::Snapshot;
use super::sync::BaseAccounts;
use crate::settings::{self, url};

/// How to reach Qualys and how hard to push it.
#[derive(Clone)]
pub struct ClientConfig {
    /// Base URL of the QPS API, e.g. `https://qualysapi.qualys.com`.
    pub api_url: String,
    /// Base URL of the CloudView API, e.g. `https://qualysguard.qualys.com`.
    pub cloudview_url: String,
    pub username: String,
    pub password: String,
    /// Turns TLS certificate verification off (logged as a warning).
    pub insecure_skip_verify: bool,
    /// Retries of a call that was throttled (409/429/503) or could not connect, and of a
    /// read or other repeatable call that got a 500/502/504 or lost its answer. Never used
    /// for a TLS certificate failure or a 4xx. Default [`settings::DEFAULT_MAX_RETRIES`].
    pub max_retries: u32,
    /// Calls in flight at once across the whole client. Default
    /// [`settings::DEFAULT_MAX_CONCURRENCY`].
    pub max_concurrency: usize,
    /// Timeout of one HTTP exchange. Default [`settings::DEFAULT_REQUEST_TIMEOUT`].
    pub request_timeout: Duration,
    /// Timeout of connecting (DNS and TCP/TLS connect) within an exchange: an endpoint that
    /// drops connection attempts fails in seconds, not after `request_timeout`. Default
    /// [`settings::DEFAULT_CONNECT_TIMEOUT`].
    pub connect_timeout: Duration,
    /// Deadline of an operation (retries and waits included) when the caller gives none.
    /// Default [`settings::DEFAULT_OPERATION_TIMEOUT`].
    pub operation_timeout: Duration,
    /// First backoff step when the server names no wait. Default 1 s.
    pub retry_base_delay: Duration,
    /// Longest backoff step. Default 30 s.
    pub retry_max_delay: Duration,
    /// How long a read waits for others to join its batch; zero turns batching off.
    /// Default 25 ms.
    pub read_batch_window: Duration,
    /// `User-Agent` header. Default `terraform-provider-qualys/<version>`.
    pub user_agent: String,
}

impl ClientConfig {
    /// A configuration with the defaults documented on each field.
    pub fn new(
        api_url: impl Into<String>,
        cloudview_url: impl Into<String>,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        ClientConfig {
            api_url: api_url.into(),
            cloudview_url: cloudview_url.into(),
            username: username.into(),
            password: password.into(),
            insecure_skip_verify: false,
            max_retries: settings::DEFAULT_MAX_RETRIES,
            max_concurrency: settings::DEFAULT_MAX_CONCURRENCY as usize,
            request_timeout: settings::DEFAULT_REQUEST_TIMEOUT,
            connect_timeout: settings::DEFAULT_CONNECT_TIMEOUT,
            operation_timeout: settings::DEFAULT_OPERATION_TIMEOUT,
            retry_base_delay: Duration::from_secs(1),
            retry_max_delay: Duration::from_secs(30),
            read_batch_window: Duration::from_millis(25),
            user_agent: format!("terraform-provider-qualys/{}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// Never prints the password, nor user info wrongly put into a URL.
impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("api_url", &url::redact(&self.api_url))
            .field("cloudview_url", &url::redact(&self.cloudview_url))
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("insecure_skip_verify", &self.insecure_skip_verify)
            .field("max_retries", &self.max_retries)
            .field("max_concurrency", &self.max_concurrency)
            .field("request_timeout", &self.request_timeout)
            .field("operation_timeout", &self.operation_timeout)
            .field("retry_base_delay", &self.retry_base_delay)
            .field("retry_max_delay", &self.retry_max_delay)
            .field("read_batch_window", &self.read_batch_window)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

/// The Qualys API client. Cheap to clone; clones share everything but the deadline.
#[derive(Clone)]
pub struct Client {
    pub(super) shared: Arc<Shared>,
    deadline: Option<Instant>,
}

pub(super) struct Shared {
    transport: Transport,
    /// For messages only: whose credentials Qualys refused.
    username: String,
    api_url: Url,
    cloudview_url: Url,
    operation_timeout: Duration,
    qps_v3_reads: Batcher<u64, QpsConnector>,
    qps_v2_reads: Batcher<u64, QpsConnector>,
    pub(super) cloudview_reads: Batcher<String, CloudViewConnector>,
    /// What refreshes read from: see [`snapshot`](super::snapshot).
    pub(super) qps_v3_listing: Snapshot<u64, QpsConnector>,
    pub(super) qps_v2_listing: Snapshot<u64, QpsConnector>,
    pub(super) cloudview_listing: Snapshot<String, CloudViewConnector>,
    pub(super) inventory: Inventory,
    /// CloudView's list page size once known (0 until the first list); see
    /// [`cloudview`](super::cloudview).
    pub(super) cloudview_page_size: AtomicU32,
    /// The first successful [`Client::base_accounts`] answer: the accounts belong to the
    /// subscription and do not change while the provider runs.
    pub(super) base_accounts: OnceCell<BaseAccounts>,
}

impl Client {
    /// Checks the configuration and builds the client. Makes no call to Qualys.
    pub fn new(config: ClientConfig) -> Result<Client, Error> {
        let base_url = |field: &str, text: &str| {
            url::parse_base_url(text).map_err(|why| Error::Config(format!("{field}: {why}")))
        };
        let api_url = base_url("api_url", &config.api_url)?;
        let cloudview_url = base_url("cloudview_url", &config.cloudview_url)?;
        if config.username.trim().is_empty() || config.password.is_empty() {
            return Err(Error::Config("username and password must be set".into()));
        }
        if config.username.contains(':') {
            return Err(Error::Config("the username must not contain ':'".into()));
        }
        if config.max_concurrency == 0 {
            return Err(Error::Config("max_concurrency must be at least 1".into()));
        }
        if config.request_timeout.is_zero() || config.operation_timeout.is_zero() {
            return Err(Error::Config("timeouts must be longer than zero".into()));
        }
        let transport = Transport::new(TransportSettings {
            username: &config.username,
            password: &config.password,
            user_agent: &config.user_agent,
            insecure_skip_verify: config.insecure_skip_verify,
            max_concurrency: config.max_concurrency,
            request_timeout: config.request_timeout,
            connect_timeout: config.connect_timeout,
            retry: RetryPolicy {
                max_retries: config.max_retries,
                base_delay: config.retry_base_delay,
                max_delay: config.retry_max_delay.max(config.retry_base_delay),
            },
        })?;
        let window = config.read_batch_window;
        Ok(Client {
            shared: Arc::new(Shared {
                transport,
                username: config.username.clone(),
                api_url,
                cloudview_url,
                operation_timeout: config.operation_timeout,
                qps_v3_reads: Batcher::new(window),
                qps_v2_reads: Batcher::new(window),
                cloudview_reads: Batcher::new(window),
                qps_v3_listing: Snapshot::new(),
                qps_v2_listing: Snapshot::new(),
                cloudview_listing: Snapshot::new(),
                inventory: Inventory::new(window),
                cloudview_page_size: AtomicU32::new(0),
                base_accounts: OnceCell::new(),
            }),
            deadline: None,
        })
    }

    /// A clone whose operations must finish by `at` (Terraform's operation timeout).
    pub fn with_deadline(&self, at: Instant) -> Client {
        Client {
            shared: Arc::clone(&self.shared),
            deadline: Some(at),
        }
    }

    /// Terraform's StopProvider: every wait, backoff and read in flight ends at once with
    /// [`Error::Stopped`], and so does every later call, on every clone.
    pub fn stop(&self) {
        self.shared.transport.stop();
    }

    pub fn is_stopped(&self) -> bool {
        self.shared.transport.is_stopped()
    }

    pub(super) fn deadline(&self) -> Deadline {
        match self.deadline {
            Some(at) => Deadline::at(at),
            None => Deadline::after(self.shared.operation_timeout),
        }
    }

    pub(super) fn transport(&self) -> &Transport {
        &self.shared.transport
    }

    /// A refusal of the credentials with what to check: Qualys answers bad credentials on QPS
    /// with HTTP 200 and `INVALID_CREDENTIALS`, and a user of another platform gets the same
    /// answer, so the message names the user and the URL asked.
    pub(super) fn explain(&self, e: Error, url: &Url) -> Error {
        match e {
            Error::Unauthorized { message } => Error::Unauthorized {
                message: format!(
                    "{message}. Check username {:?} and its password, and that `platform` (or \
                     `api_url`/`cloudview_url`) is the Qualys platform of this user's \
                     subscription (asked: {url}); creating and changing connectors needs a \
                     Manager with full scope",
                    self.shared.username
                ),
            },
            other => other,
        }
    }

    pub fn api_url(&self) -> &Url {
        &self.shared.api_url
    }

    pub fn cloudview_url(&self) -> &Url {
        &self.shared.cloudview_url
    }

    pub(super) fn qps_reads(&self, version: QpsVersion) -> &Batcher<u64, QpsConnector> {
        match version {
            QpsVersion::V3 => &self.shared.qps_v3_reads,
            QpsVersion::V2 => &self.shared.qps_v2_reads,
        }
    }

    pub(super) fn qps_snapshot(&self, version: QpsVersion) -> &Snapshot<u64, QpsConnector> {
        match version {
            QpsVersion::V3 => &self.shared.qps_v3_listing,
            QpsVersion::V2 => &self.shared.qps_v2_listing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_debug_hides_password() {
        let c = ClientConfig::new(
            "https://a.example",
            "https://b.example",
            "demo",
            "s3cr3t-pw",
        );
        let text = format!("{c:?}");
        assert!(!text.contains("s3cr3t-pw"), "{text}");
        assert!(text.contains("<redacted>"));
        let in_url = ClientConfig::new(
            "https://demo:s3cr3t-pw@a.example",
            "https://demo:s3cr3t-pw@b.example",
            "demo",
            "pw",
        );
        let text = format!("{in_url:?}");
        assert!(!text.contains("s3cr3t-pw"), "{text}");
        let err = Client::new(in_url).err().map(|e| format!("{e} {e:?}"));
        let err = err.unwrap_or_default();
        assert!(err.contains("credentials"), "{err}");
        assert!(!err.contains("s3cr3t-pw"), "{err}");
    }

    #[test]
    fn config_validation() {
        let good = ClientConfig::new("https://a.example", "http://127.0.0.1:9", "demo", "pw");
        assert!(Client::new(good.clone()).is_ok());
        let mut c = good.clone();
        c.api_url = "http://qualysapi.qualys.com".into();
        assert!(matches!(Client::new(c), Err(Error::Config(m)) if m.contains("api_url")));
        let mut c = good.clone();
        c.password = String::new();
        assert!(matches!(Client::new(c), Err(Error::Config(_))));
        let mut c = good.clone();
        c.max_concurrency = 0;
        assert!(matches!(Client::new(c), Err(Error::Config(_))));
        let mut c = good;
        c.username = "a:b".into();
        let err = Client::new(c)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("':'"), "{err}");
    }

    /// The provider's gRPC handlers share one client across tasks.
    #[test]
    fn client_is_send_sync_and_clone() {
        fn assert_sync_clone<T: Send + Sync + Clone + 'static>() {}
        assert_sync_clone::<Client>();
    }

    #[test]
    fn stop_is_shared_and_sticky() {
        let client = Client::new(ClientConfig::new(
            "http://127.0.0.1:9",
            "http://127.0.0.1:9",
            "demo",
            "pw",
        ))
        .unwrap();
        let clone = client.with_deadline(Instant::now() + Duration::from_secs(5));
        client.stop();
        assert!(clone.is_stopped());
    }
}
