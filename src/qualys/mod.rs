//! The Qualys API client: one transport ([`http`]), the API families ([`qps`]: QPS v3 JSON and
//! v2 XML; [`cloudview`]: CloudView v1) behind one trait ([`api`]), and one error enum
//! ([`Error`]). A [`Client`] is built once per provider configuration and cloned freely; every
//! operation runs under a deadline (Terraform's timeout, else `operation_timeout`), and a
//! connector answered without its name, ARN or external ID is [`Error::Incomplete`], never
//! half-read state.
//!
//! ```no_run
//! # async fn demo() -> Result<(), tfqualys::qualys::Error> {
//! use tfqualys::qualys::{Client, ClientConfig, QpsVersion};
//! let client = Client::new(ClientConfig::new(
//!     "https://qualysapi.qualys.com",
//!     "https://qualysguard.qualys.com",
//!     "user",
//!     "password",
//! ))?;
//! let timed = client.with_deadline(std::time::Instant::now() + std::time::Duration::from_secs(1200));
//! let connector = timed.qps(QpsVersion::V3).read(2064449).await?;
//! # let _ = connector; Ok(()) }
//! ```

mod api;
mod base_accounts;
mod batch;
mod client;
pub mod cloudview;
mod create;
mod delete;
mod error;
pub mod fuzzing;
mod http;
mod identity;
mod inventory;
mod lenient;
pub mod qps;
mod refresh;
mod retry;
mod snapshot;
mod sync;

pub use client::{Client, ClientConfig};
pub use cloudview::CloudView;
pub use create::Created;
pub use error::Error;
pub use identity::aws_account_id_from_arn;
pub use inventory::{CreateUnderWay, Existing, Family};
pub(crate) use lenient::inert;
pub use qps::{Qps, QpsVersion};
pub use sync::{BaseAccount, BaseAccounts, SyncError, SyncStatus};
