//! The Qualys AWS accounts connector roles must trust, asked once per client: QPS v3 first,
//! CloudView when the user has no QPS Connector API.

use tracing::warn;

use super::client::Client;
use super::error::Error;
use super::qps::QpsVersion;
use super::sync::BaseAccounts;

impl Client {
    /// The Qualys AWS accounts connector roles must trust (per partition, and the
    /// subscription's own ones when it has them). Asked once per client and kept after the
    /// first success. QPS v3 (`awsbaseaccount`, the API the provider uses by default) is
    /// asked first; CloudView's `awsBaseAccountId` only when QPS answers
    /// [`Error::NotFound`] or [`Error::Unauthorized`] (a subscription or user without the
    /// Connector app's API), because any other failure would fail CloudView's call too.
    pub async fn base_accounts(&self) -> Result<BaseAccounts, Error> {
        self.shared
            .base_accounts
            .get_or_try_init(|| async {
                match self.qps(QpsVersion::V3).base_accounts().await {
                    Err(err @ (Error::NotFound { .. } | Error::Unauthorized { .. })) => {
                        warn!(error = %err, "QPS has no base accounts for this user; asking CloudView");
                        self.cloudview().base_accounts().await
                    }
                    other => other,
                }
            })
            .await
            .cloned()
    }

    /// The base accounts when this process has already read them, without a call.
    pub fn known_base_accounts(&self) -> Option<&BaseAccounts> {
        self.shared.base_accounts.get()
    }
}
