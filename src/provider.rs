//! The `qualys` provider: its configuration schema, how a configuration (plus `QUALYS_*`
//! environment variables) resolves to connection settings, and dispatch to the resources and
//! data sources.

use std::collections::BTreeMap;
use std::sync::RwLock;
use std::time::Duration;

use crate::data_sources::aws_regions;
use crate::plugin::api::{
    self, ApplyRequest, ApplyResponse, DataSourceResponse, ImportResponse, PlanRequest,
    PlanResponse, ReadRequest, ReadResponse, Schemas,
};
use crate::plugin::diag::{AttrPath, Diagnostic, Diagnostics};
use crate::plugin::schema::{Attribute, Block, Presence, Schema};
use crate::plugin::value::{Type, Value};
use crate::qualys::{Client, ClientConfig};
use crate::resources::aws_connector;

/// The address examples, docs and tests use.
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/qualys-tf/qualys";

pub const DEFAULT_MAX_RETRIES: u32 = 5;
pub const DEFAULT_MAX_CONCURRENCY: u32 = 2;
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Qualys platforms: (name, QPS API URL, CloudView API URL).
pub const PLATFORMS: &[(&str, &str, &str)] = &[
    (
        "US1",
        "https://qualysapi.qualys.com",
        "https://qualysguard.qualys.com",
    ),
    (
        "US2",
        "https://qualysapi.qg2.apps.qualys.com",
        "https://qualysguard.qg2.apps.qualys.com",
    ),
    (
        "US3",
        "https://qualysapi.qg3.apps.qualys.com",
        "https://qualysguard.qg3.apps.qualys.com",
    ),
    (
        "US4",
        "https://qualysapi.qg4.apps.qualys.com",
        "https://qualysguard.qg4.apps.qualys.com",
    ),
    (
        "EU1",
        "https://qualysapi.qualys.eu",
        "https://qualysguard.qualys.eu",
    ),
    (
        "EU2",
        "https://qualysapi.qg2.apps.qualys.eu",
        "https://qualysguard.qg2.apps.qualys.eu",
    ),
    (
        "EU3",
        "https://qualysapi.qg3.apps.qualys.it",
        "https://qualysguard.qg3.apps.qualys.it",
    ),
    (
        "IN1",
        "https://qualysapi.qg1.apps.qualys.in",
        "https://qualysguard.qg1.apps.qualys.in",
    ),
    (
        "CA1",
        "https://qualysapi.qg1.apps.qualys.ca",
        "https://qualysguard.qg1.apps.qualys.ca",
    ),
    (
        "AE1",
        "https://qualysapi.qg1.apps.qualys.ae",
        "https://qualysguard.qg1.apps.qualys.ae",
    ),
    (
        "UK1",
        "https://qualysapi.qg1.apps.qualys.co.uk",
        "https://qualysguard.qg1.apps.qualys.co.uk",
    ),
    (
        "AU1",
        "https://qualysapi.qg1.apps.qualys.com.au",
        "https://qualysguard.qg1.apps.qualys.com.au",
    ),
    (
        "KSA1",
        "https://qualysapi.qg1.apps.qualysksa.com",
        "https://qualysguard.qg1.apps.qualysksa.com",
    ),
];

pub fn schema() -> Schema {
    let s = |name: &str, presence, description: &str| {
        Attribute::new(name, Type::String, presence, description)
    };
    let n = |name: &str, description: &str| {
        Attribute::new(name, Type::Number, Presence::Optional, description)
    };
    Schema {
        version: 0,
        block: Block {
            description: "The Qualys provider onboards AWS accounts into Qualys as \
                `qualys_aws_connector` resources, through the Connector QPS v3 and v2 APIs or \
                the CloudView v1 API."
                .into(),
            attributes: vec![
                s(
                    "username",
                    Presence::Optional,
                    "Qualys API user name. Falls back to the `QUALYS_USERNAME` environment variable.",
                ),
                s(
                    "password",
                    Presence::Optional,
                    "Qualys API password. Falls back to the `QUALYS_PASSWORD` environment variable.",
                )
                .sensitive(),
                s(
                    "platform",
                    Presence::Optional,
                    "The Qualys platform your subscription lives on, which sets both API URLs: \
                     one of `US1`, `US2`, `US3`, `US4`, `EU1`, `EU2`, `EU3`, `IN1`, `CA1`, `AE1`, \
                     `UK1`, `AU1`, `KSA1`. Falls back to `QUALYS_PLATFORM`. Use `api_url` and \
                     `cloudview_url` instead for a private cloud platform.",
                ),
                s(
                    "api_url",
                    Presence::Optional,
                    "Base URL of the QPS (Connector) API, e.g. `https://qualysapi.qualys.com`. \
                     Overrides `platform`. Falls back to `QUALYS_API_URL`. Must be `https://`, \
                     except for a loopback host (`127.0.0.1`, `localhost`) such as qualys-sim.",
                ),
                s(
                    "cloudview_url",
                    Presence::Optional,
                    "Base URL of the CloudView API, e.g. `https://qualysguard.qualys.com`. \
                     Overrides `platform`. Falls back to `QUALYS_CLOUDVIEW_URL`; when only \
                     `api_url` is set, derived from it (`qualysapi.` becomes `qualysguard.`, \
                     any other host is used as is).",
                ),
                Attribute::new(
                    "insecure_skip_verify",
                    Type::Bool,
                    Presence::Optional,
                    "Skip TLS certificate verification. Only for testing against a private \
                     endpoint with a self-signed certificate; logs a warning. Default `false`.",
                ),
                n(
                    "max_retries",
                    "How many times a throttled (HTTP 409/429) or unavailable (503) call is \
                     retried before giving up. Default `5`. Creates are never retried blindly.",
                ),
                n(
                    "max_concurrency",
                    "The most API calls this provider makes at once. Default `2`, the \
                     concurrency limit of Qualys's default API tier.",
                ),
                s(
                    "request_timeout",
                    Presence::Optional,
                    "Time limit for one API call, as a duration such as `60s` or `2m`. \
                     Default `60s`.",
                ),
            ],
        },
    }
}

/// Connection settings resolved from the provider block and the environment.
#[derive(Clone, PartialEq)]
pub struct Settings {
    pub username: String,
    pub password: String,
    pub api_url: url::Url,
    pub cloudview_url: url::Url,
    pub insecure_skip_verify: bool,
    pub max_retries: u32,
    pub max_concurrency: u32,
    pub request_timeout: Duration,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("api_url", &self.api_url.as_str())
            .field("cloudview_url", &self.cloudview_url.as_str())
            .field("insecure_skip_verify", &self.insecure_skip_verify)
            .field("max_retries", &self.max_retries)
            .field("max_concurrency", &self.max_concurrency)
            .field("request_timeout", &self.request_timeout)
            .finish()
    }
}

fn platform_urls(name: &str) -> Option<(&'static str, &'static str)> {
    PLATFORMS
        .iter()
        .find(|(p, _, _)| p.eq_ignore_ascii_case(name))
        .map(|(_, api, cv)| (*api, *cv))
}

fn platform_names() -> String {
    PLATFORMS
        .iter()
        .map(|(p, _, _)| *p)
        .collect::<Vec<_>>()
        .join(", ")
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Parses a base URL: `https://`, or `http://` for a loopback host.
fn parse_base_url(attribute: &str, text: &str) -> Result<url::Url, Diagnostic> {
    let bad = |why: String| {
        Diagnostic::error(format!("Invalid {attribute}"), why).at(AttrPath::attr(attribute))
    };
    let url = url::Url::parse(text).map_err(|e| bad(format!("{text:?} is not a URL: {e}.")))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(bad(format!(
                "{text:?} uses plain http, which would send your Qualys credentials \
                 unencrypted; use https:// (http:// is accepted only for loopback hosts such \
                 as a local qualys-sim)."
            )));
        }
        other => return Err(bad(format!("{text:?} has scheme {other:?}; use https://."))),
    }
    if url.host().is_none() {
        return Err(bad(format!("{text:?} has no host.")));
    }
    Ok(url)
}

fn parse_duration(attribute: &str, text: &str) -> Result<Duration, Diagnostic> {
    humantime::parse_duration(text)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            Diagnostic::error(
                format!("Invalid {attribute}"),
                format!(
                    "{text:?} is not a positive duration; write it like \"30s\", \"2m\" or \"1m30s\"."
                ),
            )
            .at(AttrPath::attr(attribute))
        })
}

fn whole_number(
    config: &Value,
    attribute: &str,
    min: i64,
    max: i64,
) -> Result<Option<u32>, Diagnostic> {
    match config.get(attribute) {
        Value::Number(n) => match n.as_i64() {
            Some(i) if (min..=max).contains(&i) => Ok(u32::try_from(i).ok()),
            _ => Err(Diagnostic::error(
                format!("Invalid {attribute}"),
                format!("{attribute} must be a whole number from {min} to {max}; got {n}."),
            )
            .at(AttrPath::attr(attribute))),
        },
        _ => Ok(None),
    }
}

/// Checks of the provider block that need no environment and no network; unknown values pass.
pub fn validate_config(config: &Value) -> Diagnostics {
    let mut diags = Diagnostics::default();
    if let Some(p) = config.get("platform").as_str()
        && platform_urls(p).is_none()
    {
        diags.push(
            Diagnostic::error(
                "Unknown Qualys platform",
                format!("platform {p:?} is not one of {}.", platform_names()),
            )
            .at(AttrPath::attr("platform")),
        );
    }
    for attribute in ["api_url", "cloudview_url"] {
        if let Some(text) = config.get(attribute).as_str()
            && let Err(d) = parse_base_url(attribute, text)
        {
            diags.push(d);
        }
    }
    if let Some(text) = config.get("request_timeout").as_str()
        && let Err(d) = parse_duration("request_timeout", text)
    {
        diags.push(d);
    }
    for (attribute, min, max) in [("max_retries", 0, 20), ("max_concurrency", 1, 64)] {
        if let Err(d) = whole_number(config, attribute, min, max) {
            diags.push(d);
        }
    }
    diags
}

/// Resolves the provider block and the `QUALYS_*` environment into settings.
pub fn resolve_settings(
    config: &Value,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Settings, Diagnostics> {
    let mut diags = validate_config(config);
    if let Value::Object(attrs) = config {
        for (name, value) in attrs {
            if !value.is_wholly_known() {
                diags.push(
                    Diagnostic::error(
                        format!("{name} is not known yet"),
                        format!(
                            "The provider needs {name} to configure itself, but it depends on \
                             a value that is known only after apply. Use a value known at plan \
                             time (a variable, a literal or an environment variable)."
                        ),
                    )
                    .at(AttrPath::attr(name)),
                );
            }
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    let setting = |attribute: &str, var: &str| -> Option<String> {
        config
            .get(attribute)
            .as_str()
            .map(str::to_string)
            .or_else(|| env(var).filter(|v| !v.is_empty()))
    };
    let mut missing = |attribute: &str, var: &str| -> String {
        setting(attribute, var).unwrap_or_else(|| {
            diags.push(
                Diagnostic::error(
                    format!("Missing Qualys {attribute}"),
                    format!(
                        "Set {attribute} in the provider block or the {var} environment variable."
                    ),
                )
                .at(AttrPath::attr(attribute)),
            );
            String::new()
        })
    };
    let username = missing("username", "QUALYS_USERNAME");
    let password = missing("password", "QUALYS_PASSWORD");

    let platform = setting("platform", "QUALYS_PLATFORM");
    let from_platform = match platform.as_deref() {
        Some(p) => match platform_urls(p) {
            Some(urls) => Some(urls),
            None => {
                diags.push(
                    Diagnostic::error(
                        "Unknown Qualys platform",
                        format!(
                            "platform {p:?} (from the provider block or QUALYS_PLATFORM) is not \
                             one of {}.",
                            platform_names()
                        ),
                    )
                    .at(AttrPath::attr("platform")),
                );
                None
            }
        },
        None => None,
    };
    let api_text = setting("api_url", "QUALYS_API_URL")
        .or_else(|| from_platform.map(|(api, _)| api.to_string()));
    let cloudview_text = setting("cloudview_url", "QUALYS_CLOUDVIEW_URL")
        .or_else(|| from_platform.map(|(_, cv)| cv.to_string()))
        .or_else(|| api_text.as_deref().map(derive_cloudview_url));
    let (api_url, cloudview_url) = match (api_text, cloudview_text) {
        (Some(api), Some(cv)) => {
            let api = parse_base_url("api_url", &api)
                .map_err(|d| diags.push(d))
                .ok();
            let cv = parse_base_url("cloudview_url", &cv)
                .map_err(|d| diags.push(d))
                .ok();
            (api, cv)
        }
        _ => {
            if platform.is_none() {
                diags.push(
                    Diagnostic::error(
                        "Missing Qualys platform",
                        format!(
                            "Set platform (or QUALYS_PLATFORM) to one of {}, or set api_url \
                             (or QUALYS_API_URL) for a private cloud platform.",
                            platform_names()
                        ),
                    )
                    .at(AttrPath::attr("platform")),
                );
            }
            (None, None)
        }
    };
    let max_retries = whole_number(config, "max_retries", 0, 20)
        .ok()
        .flatten()
        .unwrap_or(DEFAULT_MAX_RETRIES);
    let max_concurrency = whole_number(config, "max_concurrency", 1, 64)
        .ok()
        .flatten()
        .unwrap_or(DEFAULT_MAX_CONCURRENCY);
    let request_timeout = match config.get("request_timeout").as_str() {
        Some(text) => parse_duration("request_timeout", text).unwrap_or(DEFAULT_REQUEST_TIMEOUT),
        None => DEFAULT_REQUEST_TIMEOUT,
    };
    match (api_url, cloudview_url) {
        (Some(api_url), Some(cloudview_url)) if !diags.has_errors() => Ok(Settings {
            username,
            password,
            api_url,
            cloudview_url,
            insecure_skip_verify: config
                .get("insecure_skip_verify")
                .as_bool()
                .unwrap_or(false),
            max_retries,
            max_concurrency,
            request_timeout,
        }),
        _ => Err(diags),
    }
}

/// Qualys hosts pair `qualysapi.<pod>` (QPS) with `qualysguard.<pod>` (CloudView).
fn derive_cloudview_url(api_url: &str) -> String {
    match url::Url::parse(api_url) {
        Ok(mut url) => {
            if let Some(rest) = url.host_str().and_then(|h| h.strip_prefix("qualysapi.")) {
                let host = format!("qualysguard.{rest}");
                if url.set_host(Some(&host)).is_err() {
                    return api_url.to_string();
                }
            }
            url.to_string()
        }
        Err(_) => api_url.to_string(),
    }
}

impl Settings {
    fn client_config(&self) -> ClientConfig {
        let mut config = ClientConfig::new(
            self.api_url.as_str(),
            self.cloudview_url.as_str(),
            self.username.as_str(),
            self.password.as_str(),
        );
        config.insecure_skip_verify = self.insecure_skip_verify;
        config.max_retries = self.max_retries;
        config.max_concurrency = self.max_concurrency as usize;
        config.request_timeout = self.request_timeout;
        config
    }
}

/// The provider process's state: the API client once Terraform has configured the provider.
pub struct QualysProvider {
    schemas: Schemas,
    client: RwLock<Option<Client>>,
    env: fn(&str) -> Option<String>,
}

fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

impl Default for QualysProvider {
    fn default() -> Self {
        QualysProvider::new()
    }
}

impl QualysProvider {
    pub fn new() -> QualysProvider {
        QualysProvider {
            schemas: Schemas {
                provider: schema(),
                resources: BTreeMap::from([(
                    aws_connector::TYPE_NAME.to_string(),
                    aws_connector::schema(),
                )]),
                data_sources: BTreeMap::from([(
                    aws_regions::TYPE_NAME.to_string(),
                    aws_regions::schema(),
                )]),
            },
            client: RwLock::new(None),
            env: process_env,
        }
    }

    /// The client of the last successful configure.
    fn client(&self) -> Result<Client, Diagnostics> {
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
}

fn unsupported(type_name: &str) -> Diagnostics {
    Diagnostic::error(
        "Unsupported type",
        format!("This provider has no resource or data source named {type_name:?}."),
    )
    .into()
}

impl api::Provider for QualysProvider {
    fn schemas(&self) -> &Schemas {
        &self.schemas
    }

    fn validate_provider_config(&self, config: &Value) -> Diagnostics {
        validate_config(config)
    }

    async fn configure(&self, config: &Value, terraform_version: &str) -> Diagnostics {
        let settings = match resolve_settings(config, self.env) {
            Ok(settings) => settings,
            Err(diags) => return diags,
        };
        match Client::new(settings.client_config()) {
            Ok(client) => {
                tracing::debug!(
                    terraform_version,
                    api_url = %settings.api_url,
                    cloudview_url = %settings.cloudview_url,
                    "provider configured"
                );
                if let Ok(mut slot) = self.client.write() {
                    *slot = Some(client);
                }
                Diagnostics::default()
            }
            Err(e) => {
                Diagnostic::error("Invalid Qualys provider configuration", e.to_string()).into()
            }
        }
    }

    fn stop(&self) {
        if let Ok(slot) = self.client.read()
            && let Some(client) = slot.as_ref()
        {
            client.stop();
        }
    }

    fn validate_resource_config(&self, type_name: &str, config: &Value) -> Diagnostics {
        match type_name {
            aws_connector::TYPE_NAME => aws_connector::validate(config),
            _ => unsupported(type_name),
        }
    }

    fn validate_data_source_config(&self, type_name: &str, config: &Value) -> Diagnostics {
        match type_name {
            aws_regions::TYPE_NAME => aws_regions::validate(config),
            _ => unsupported(type_name),
        }
    }

    fn upgrade_resource_state(
        &self,
        _type_name: &str,
        _version: i64,
        state: Value,
    ) -> (Value, Diagnostics) {
        // Schema version 0 is the only one so far: the stored state reads as it is.
        (state, Diagnostics::default())
    }

    async fn read_resource(&self, type_name: &str, request: ReadRequest) -> ReadResponse {
        match (type_name, self.client()) {
            (aws_connector::TYPE_NAME, Ok(client)) => aws_connector::read(&client, request).await,
            (aws_connector::TYPE_NAME, Err(diagnostics)) => ReadResponse {
                new_state: request.current_state,
                private: request.private,
                diagnostics,
            },
            _ => ReadResponse {
                diagnostics: unsupported(type_name),
                ..Default::default()
            },
        }
    }

    async fn plan_resource_change(&self, type_name: &str, request: PlanRequest) -> PlanResponse {
        match type_name {
            aws_connector::TYPE_NAME => aws_connector::plan(&request),
            _ => PlanResponse {
                diagnostics: unsupported(type_name),
                ..Default::default()
            },
        }
    }

    async fn apply_resource_change(&self, type_name: &str, request: ApplyRequest) -> ApplyResponse {
        match (type_name, self.client()) {
            (aws_connector::TYPE_NAME, Ok(client)) => aws_connector::apply(&client, request).await,
            (aws_connector::TYPE_NAME, Err(diagnostics)) => ApplyResponse {
                new_state: request.prior_state,
                diagnostics,
                ..Default::default()
            },
            _ => ApplyResponse {
                diagnostics: unsupported(type_name),
                ..Default::default()
            },
        }
    }

    async fn import_resource_state(&self, type_name: &str, id: &str) -> ImportResponse {
        match type_name {
            aws_connector::TYPE_NAME => aws_connector::import(id),
            _ => ImportResponse {
                diagnostics: unsupported(type_name),
                ..Default::default()
            },
        }
    }

    async fn read_data_source(&self, type_name: &str, config: Value) -> DataSourceResponse {
        let result = match type_name {
            aws_regions::TYPE_NAME => aws_regions::read(&config),
            _ => Err(unsupported(type_name)),
        };
        match result {
            Ok(state) => DataSourceResponse {
                state,
                diagnostics: Diagnostics::default(),
            },
            Err(diagnostics) => DataSourceResponse {
                state: Value::Null,
                diagnostics,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, Value)]) -> Value {
        let mut attrs: BTreeMap<String, Value> = schema()
            .block
            .attributes
            .iter()
            .map(|a| (a.name.clone(), Value::Null))
            .collect();
        for (k, v) in pairs {
            attrs.insert(k.to_string(), v.clone());
        }
        Value::Object(attrs)
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn errors(diags: &Diagnostics) -> Vec<(String, String)> {
        diags
            .0
            .iter()
            .map(|d| {
                (
                    d.path.as_ref().map(|p| p.to_string()).unwrap_or_default(),
                    d.detail.clone(),
                )
            })
            .collect()
    }

    #[test]
    fn platform_sets_both_urls() {
        let s = resolve_settings(
            &config(&[
                ("platform", Value::string("EU2")),
                ("username", Value::string("u")),
                ("password", Value::string("p")),
            ]),
            no_env,
        )
        .unwrap();
        assert_eq!(s.api_url.as_str(), "https://qualysapi.qg2.apps.qualys.eu/");
        assert_eq!(
            s.cloudview_url.as_str(),
            "https://qualysguard.qg2.apps.qualys.eu/"
        );
        assert_eq!(s.max_concurrency, 2);
        assert_eq!(s.request_timeout, Duration::from_secs(60));
    }

    #[test]
    fn environment_fills_what_the_block_leaves_out() {
        let env = |k: &str| match k {
            "QUALYS_USERNAME" => Some("envuser".to_string()),
            "QUALYS_PASSWORD" => Some("envpass".to_string()),
            "QUALYS_API_URL" => Some("http://127.0.0.1:8080".to_string()),
            _ => None,
        };
        let s = resolve_settings(&config(&[("max_concurrency", Value::int(4))]), env).unwrap();
        assert_eq!(s.username, "envuser");
        assert_eq!(s.api_url.as_str(), "http://127.0.0.1:8080/");
        assert_eq!(s.cloudview_url.as_str(), "http://127.0.0.1:8080/");
        assert_eq!(s.max_concurrency, 4);
    }

    #[test]
    fn missing_credentials_name_the_environment_variable() {
        let diags =
            resolve_settings(&config(&[("platform", Value::string("US1"))]), no_env).unwrap_err();
        let errs = errors(&diags);
        assert!(
            errs.iter()
                .any(|(p, d)| p == "username" && d.contains("QUALYS_USERNAME"))
        );
        assert!(
            errs.iter()
                .any(|(p, d)| p == "password" && d.contains("QUALYS_PASSWORD"))
        );
    }

    #[test]
    fn unknown_platform_lists_the_valid_ones() {
        let diags = validate_config(&config(&[("platform", Value::string("US9"))]));
        let errs = errors(&diags);
        assert_eq!(errs[0].0, "platform");
        assert!(errs[0].1.contains("KSA1"));
    }

    #[test]
    fn plain_http_is_only_for_loopback() {
        let diags = validate_config(&config(&[(
            "api_url",
            Value::string("http://qualys.example"),
        )]));
        assert_eq!(errors(&diags)[0].0, "api_url");
        assert!(
            validate_config(&config(&[("api_url", Value::string("http://localhost:1"))]))
                .is_empty()
        );
        assert!(
            validate_config(&config(&[("api_url", Value::string("http://[::1]:1"))])).is_empty()
        );
    }

    #[test]
    fn unknown_values_are_errors_at_configure_but_not_at_validate() {
        let c = config(&[
            ("api_url", Value::Unknown),
            ("username", Value::string("u")),
        ]);
        assert!(validate_config(&c).is_empty());
        let errs = errors(&resolve_settings(&c, no_env).unwrap_err());
        assert_eq!(errs[0].0, "api_url");
        assert!(errs[0].1.contains("known only after apply"));
    }

    #[test]
    fn private_cloud_cloudview_url_is_derived() {
        assert_eq!(
            derive_cloudview_url("https://qualysapi.qg9.example.net"),
            "https://qualysguard.qg9.example.net/"
        );
    }

    #[test]
    fn durations_and_limits_are_checked() {
        let diags = validate_config(&config(&[
            ("request_timeout", Value::string("soon")),
            ("max_concurrency", Value::int(0)),
        ]));
        let paths: Vec<String> = errors(&diags).into_iter().map(|(p, _)| p).collect();
        assert_eq!(paths, ["request_timeout", "max_concurrency"]);
    }

    #[test]
    fn settings_debug_hides_the_password() {
        let s = resolve_settings(
            &config(&[
                ("platform", Value::string("US1")),
                ("username", Value::string("u")),
                ("password", Value::string("hunter2")),
            ]),
            no_env,
        )
        .unwrap();
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
