//! What the provider's configure hands every resource and data source: the Qualys API client,
//! or why there is none yet, and the settings `qualys_aws_external_id` builds IDs from.

use std::sync::RwLock;

use crate::plugin::diag::{Diagnostic, Diagnostics};
use crate::qualys::{Client, ClientConfig};
use crate::settings::{ExternalIdSettings, Settings};

#[derive(Default)]
pub struct Configured {
    client: RwLock<Option<Client>>,
    /// Why there is no client: settings known only at apply (e.g. `api_url` from a resource's
    /// output). Operations that need no API call go ahead; those that do fail with this.
    deferred: RwLock<Option<Diagnostics>>,
    external_id: RwLock<Option<ExternalIdSettings>>,
}

impl Configured {
    /// Takes the settings of a successful configure; makes no call to Qualys.
    pub fn configure(&self, settings: &Settings) -> Result<(), crate::qualys::Error> {
        let client = Client::new(client_config(settings))?;
        if let Ok(mut slot) = self.client.write() {
            *slot = Some(client);
        }
        if let Ok(mut slot) = self.deferred.write() {
            *slot = None;
        }
        if let Ok(mut slot) = self.external_id.write() {
            *slot = Some(settings.external_id.clone());
        }
        Ok(())
    }

    /// Settings known only at apply: calls that need the API fail with `why` until then.
    pub fn defer(&self, why: Diagnostics) {
        if let Ok(mut slot) = self.deferred.write() {
            *slot = Some(why);
        }
    }

    /// The client of the last successful configure.
    pub fn client(&self) -> Result<Client, Diagnostics> {
        if let Some(deferred) = self.deferred.read().ok().and_then(|d| d.clone()) {
            return Err(deferred);
        }
        self.client
            .read()
            .ok()
            .and_then(|c| c.clone())
            .ok_or_else(|| {
                Diagnostic::error(
                    "Provider not configured",
                    "Terraform did not configure the qualys provider before using it; check the \
                     provider block for errors reported above.",
                )
                .into()
            })
    }

    /// The POD and subscription ID of the last successful configure.
    pub fn external_id(&self) -> Option<ExternalIdSettings> {
        self.external_id.read().ok().and_then(|s| s.clone())
    }

    /// Terraform's StopProvider: ends the client's work in progress.
    pub fn stop(&self) {
        if let Ok(slot) = self.client.read()
            && let Some(client) = slot.as_ref()
        {
            client.stop();
        }
    }
}

fn client_config(settings: &Settings) -> ClientConfig {
    let mut config = ClientConfig::new(
        settings.api_url.as_str(),
        settings.cloudview_url.as_str(),
        settings.username.as_str(),
        settings.password.as_str(),
    );
    config.insecure_skip_verify = settings.insecure_skip_verify;
    config.max_retries = settings.max_retries;
    config.max_concurrency = settings.max_concurrency as usize;
    config.request_timeout = settings.request_timeout;
    config.connect_timeout = settings.connect_timeout;
    config
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_configure_every_api_call_is_refused_with_why() {
        let configured = Configured::default();
        let Err(diags) = configured.client() else {
            panic!("a client before configure");
        };
        assert!(format!("{diags:?}").contains("Provider not configured"));
        configured.defer(Diagnostic::error("api_url is not known yet", "later").into());
        let Err(diags) = configured.client() else {
            panic!("a client while settings are deferred");
        };
        assert!(format!("{diags:?}").contains("api_url is not known yet"));
        assert_eq!(configured.external_id(), None);
    }
}
