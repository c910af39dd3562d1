//! The `qualys` provider: its configuration schema, how a configuration (plus `QUALYS_*`
//! environment variables) resolves to connection settings, and dispatch to the resources and
//! data sources.

use std::collections::BTreeMap;
use std::sync::RwLock;
use std::time::Duration;

use crate::data_sources::{
    aws_base_account, aws_connector as connector_data, aws_connectors, aws_iam_policy, aws_regions,
};
use crate::plugin::api::{
    self, ApplyRequest, ApplyResponse, DataSourceResponse, ImportResponse, PlanRequest,
    PlanResponse, ReadRequest, ReadResponse, Schemas,
};
use crate::plugin::diag::{AttrPath, Diagnostic, Diagnostics};
use crate::plugin::schema::{Attribute, Block, Presence, Schema};
use crate::plugin::value::{Type, Value};
use crate::qualys::{Client, ClientConfig};
use crate::resources::{aws_connector, aws_external_id};

/// The address examples, docs and tests use.
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/qualys-tf/qualys";

pub const DEFAULT_MAX_RETRIES: u32 = 5;
pub const DEFAULT_MAX_CONCURRENCY: u32 = 2;
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// One API call may legitimately take minutes (large searches); beyond an hour it is stuck.
const REQUEST_TIMEOUT_RANGE: (Duration, Duration) =
    (Duration::from_secs(1), Duration::from_secs(60 * 60));
/// Qualys's rate limits make more than 20 retries of one call pointless.
const MAX_RETRIES_RANGE: (i64, i64) = (0, 20);
/// Above Qualys's highest concurrency tier.
const MAX_CONCURRENCY_RANGE: (i64, i64) = (1, 64);

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
    // US government platform (qualys-api.md, public evidence).
    (
        "GOV1",
        "https://qualysapi.gov1.qualys.us",
        "https://qualysguard.gov1.qualys.us",
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
                     `UK1`, `AU1`, `KSA1`, `GOV1`, written in capitals. Falls back to \
                     `QUALYS_PLATFORM`. Use `api_url` and `cloudview_url` instead for a private \
                     cloud platform: setting `platform` together with either of them (from the \
                     provider block or the environment) is an error.",
                ),
                s(
                    "api_url",
                    Presence::Optional,
                    "Base URL of the QPS (Connector) API, e.g. `https://qualysapi.qualys.com`, \
                     for a platform `platform` does not name. Falls back to `QUALYS_API_URL`. \
                     Must be `https://`, except for a loopback host (`127.0.0.1`, `localhost`) \
                     such as qualys-sim, and must not hold credentials (`user:password@`).",
                ),
                s(
                    "cloudview_url",
                    Presence::Optional,
                    "Base URL of the CloudView API, e.g. `https://qualysguard.qualys.com`, \
                     for a platform `platform` does not name. Falls back to \
                     `QUALYS_CLOUDVIEW_URL`; when only `api_url` is set, derived from it \
                     (`qualysapi.` becomes `qualysguard.`, any other host is used as is). The \
                     same rules as `api_url` apply.",
                ),
                Attribute::new(
                    "insecure_skip_verify",
                    Type::Bool,
                    Presence::Optional,
                    "Skip TLS certificate verification. Only for testing against a private \
                     endpoint with a self-signed certificate; every run that uses the provider \
                     shows a warning. Default `false`.",
                ),
                n(
                    "max_retries",
                    "How many times a throttled (HTTP 409/429) or unavailable (503) call is \
                     retried before giving up: a whole number from `0` to `20`. Default `5`. \
                     Creates are never retried blindly.",
                ),
                n(
                    "max_concurrency",
                    "The most API calls this provider makes at once: a whole number from `1` \
                     to `64`. Default `2`, the concurrency limit of Qualys's default API tier.",
                ),
                s(
                    "subscription_id",
                    Presence::Optional,
                    "Your Qualys subscription ID (digits), the middle part of Qualys's external IDs \
                     (`<POD>-<subscription ID>-<random part>`) that `qualys_aws_external_id` \
                     generates. Falls back to `QUALYS_SUBSCRIPTION_ID`. Needed only by \
                     `qualys_aws_external_id`.",
                ),
                s(
                    "pod",
                    Presence::Optional,
                    "Your Qualys POD (letters and digits, e.g. `USPOD01`), the first part of \
                     Qualys's external IDs. Falls back to `QUALYS_POD`; when neither is set, \
                     derived from `platform` where the platform's POD is public (`US1` is \
                     `USPOD01`, `US3` is `USPOD03`). Set it for every other platform and for a \
                     private one (`api_url`): Qualys shows it as the first part of the external \
                     ID it proposes for a new connector. Set, it wins over the derived one. \
                     Needed only by `qualys_aws_external_id`.",
                ),
                s(
                    "request_timeout",
                    Presence::Optional,
                    "Time limit for one API call, as a duration such as `60s` or `2m`, from \
                     `1s` to `1h`. Default `60s`. A server that accepts the connection and \
                     never answers costs at most two of these per call, and once per run: \
                     later calls to an endpoint that could not be reached fail at once.",
                ),
                s(
                    "connect_timeout",
                    Presence::Optional,
                    "Time limit for connecting to Qualys (DNS, TCP and TLS) within a call, as a \
                     duration from `1s` to `1h`. Default `10s`. Connection attempts that fail \
                     are retried twice, so a wrong URL or a network that drops connections \
                     fails within seconds.",
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
    pub connect_timeout: Duration,
    pub external_id: ExternalIdSettings,
}

/// What `qualys_aws_external_id` builds IDs from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExternalIdSettings {
    pub pod: Option<String>,
    pub subscription_id: Option<String>,
    /// The platform the settings name, to say why its POD is missing.
    pub platform: Option<String>,
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
            .field("connect_timeout", &self.connect_timeout)
            .field("external_id", &self.external_id)
            .finish()
    }
}

/// The URLs of a platform named exactly as Qualys writes it.
fn platform_urls(name: &str) -> Option<(&'static str, &'static str)> {
    PLATFORMS
        .iter()
        .find(|(p, _, _)| *p == name)
        .map(|(_, api, cv)| (*api, *cv))
}

/// Why `name` is not a platform; `source` says where it came from.
fn unknown_platform(name: &str, source: &str) -> Diagnostic {
    let detail = match PLATFORMS
        .iter()
        .find(|(p, _, _)| p.eq_ignore_ascii_case(name))
    {
        Some((right, _, _)) => format!(
            "{source} {name:?} is not a platform name; platform names are written in capitals: \
             did you mean {right:?}?"
        ),
        None => format!("{source} {name:?} is not one of {}.", platform_names()),
    };
    Diagnostic::error("Unknown Qualys platform", detail).at(AttrPath::attr("platform"))
}

/// `text` with the password of any `user:password@` in it replaced by `***`, for messages.
/// Works on text that is not a valid URL too, since those are the ones error messages show.
pub fn redact_url(text: &str) -> String {
    let Some(scheme_end) = text.find("://").map(|i| i + 3) else {
        return text.to_string();
    };
    let rest = &text[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return text.to_string();
    };
    let user = rest[..at].split(':').next().unwrap_or_default();
    let password = if rest[..at].contains(':') { ":***" } else { "" };
    format!("{}{user}{password}{}", &text[..scheme_end], &rest[at..])
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

/// Parses a base URL: `https://`, or `http://` for a loopback host, with no credentials in it.
/// `env_var` names the environment variable the text came from, if it did not come from the
/// provider block.
fn parse_base_url(
    attribute: &str,
    env_var: Option<&str>,
    text: &str,
) -> Result<url::Url, Diagnostic> {
    let bad = |why: String| match env_var {
        Some(var) => Diagnostic::error(
            format!("Invalid {var}"),
            format!("{var} (the fallback of {attribute}): {why}"),
        ),
        None => {
            Diagnostic::error(format!("Invalid {attribute}"), why).at(AttrPath::attr(attribute))
        }
    };
    let shown = redact_url(text);
    let url = url::Url::parse(text).map_err(|e| bad(format!("{shown:?} is not a URL: {e}.")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(format!(
            "{shown:?} holds credentials, which would end up in logs and error messages. Put \
             them in username and password (or QUALYS_USERNAME and QUALYS_PASSWORD) and remove \
             `user:password@` from the URL."
        )));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(bad(format!(
                "{shown:?} uses plain http, which would send your Qualys credentials \
                 unencrypted; use https:// (http:// is accepted only for loopback hosts such \
                 as a local qualys-sim)."
            )));
        }
        other => {
            return Err(bad(format!(
                "{shown:?} has scheme {other:?}; use https://."
            )));
        }
    }
    if url.host().is_none() {
        return Err(bad(format!("{shown:?} has no host.")));
    }
    Ok(url)
}

fn parse_duration(attribute: &str, text: &str) -> Result<Duration, Diagnostic> {
    let (min, max) = REQUEST_TIMEOUT_RANGE;
    let bad = |why: String| {
        Diagnostic::error(format!("Invalid {attribute}"), why).at(AttrPath::attr(attribute))
    };
    match humantime::parse_duration(text) {
        Ok(d) if (min..=max).contains(&d) => Ok(d),
        Ok(_) => Err(bad(format!(
            "{attribute} must be from {} to {}; got {text:?}.",
            humantime::format_duration(min),
            humantime::format_duration(max)
        ))),
        Err(_) => Err(bad(format!(
            "{text:?} is not a duration; write it like \"30s\", \"2m\" or \"1m30s\"."
        ))),
    }
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

const URL_SETTINGS: [(&str, &str); 2] = [
    ("api_url", "QUALYS_API_URL"),
    ("cloudview_url", "QUALYS_CLOUDVIEW_URL"),
];

/// Checks of the provider block, and of the URL environment variables it falls back to, that
/// need no network; unknown values pass.
pub fn validate_config(config: &Value, env: impl Fn(&str) -> Option<String>) -> Diagnostics {
    let mut diags = Diagnostics::default();
    if let Some(p) = config.get("platform").as_str()
        && platform_urls(p).is_none()
    {
        diags.push(unknown_platform(p, "platform"));
    }
    if let Some(urls) = urls_beside_platform_in_block(config) {
        diags.push(platform_and_urls(&urls));
    }
    for (attribute, var) in URL_SETTINGS {
        let checked = match config.get(attribute) {
            Value::String(text) => parse_base_url(attribute, None, text),
            Value::Null => match env(var).filter(|v| !v.is_empty()) {
                Some(text) => parse_base_url(attribute, Some(var), &text),
                None => continue,
            },
            _ => continue,
        };
        if let Err(d) = checked {
            diags.push(d);
        }
    }
    for attribute in ["request_timeout", "connect_timeout"] {
        if let Some(text) = config.get(attribute).as_str()
            && let Err(d) = parse_duration(attribute, text)
        {
            diags.push(d);
        }
    }
    for (attribute, var) in EXTERNAL_ID_SETTINGS {
        let (text, env_var) = match config.get(attribute) {
            Value::String(text) => (text.clone(), None),
            Value::Null => match env(var).filter(|v| !v.is_empty()) {
                Some(text) => (text, Some(var)),
                None => continue,
            },
            _ => continue,
        };
        if let Err(d) = check_external_id_setting(attribute, env_var, &text) {
            diags.push(d);
        }
    }
    for (attribute, (min, max)) in [
        ("max_retries", MAX_RETRIES_RANGE),
        ("max_concurrency", MAX_CONCURRENCY_RANGE),
    ] {
        if let Err(d) = whole_number(config, attribute, min, max) {
            diags.push(d);
        }
    }
    diags
}

const EXTERNAL_ID_SETTINGS: [(&str, &str); 2] = [
    ("subscription_id", "QUALYS_SUBSCRIPTION_ID"),
    ("pod", "QUALYS_POD"),
];

/// `subscription_id` is digits, `pod` letters and digits: the parts of an external ID.
fn check_external_id_setting(
    attribute: &str,
    env_var: Option<&str>,
    text: &str,
) -> Result<(), Diagnostic> {
    let (valid, rule) = match attribute {
        "subscription_id" => (
            crate::external_id::valid_subscription_id(text),
            "a Qualys subscription ID is digits, e.g. \"4765\"",
        ),
        _ => (
            crate::external_id::valid_pod(text),
            "a Qualys POD is letters and digits, e.g. \"USPOD01\"",
        ),
    };
    if valid {
        return Ok(());
    }
    Err(match env_var {
        Some(var) => Diagnostic::error(
            format!("Invalid {var}"),
            format!("{var} (the fallback of {attribute}) is {text:?}; {rule}."),
        ),
        None => Diagnostic::error(
            format!("Invalid {attribute}"),
            format!("{attribute} is {text:?}; {rule}."),
        )
        .at(AttrPath::attr(attribute)),
    })
}

/// The URL settings the provider block sets beside its `platform`, if it sets both.
fn urls_beside_platform_in_block(config: &Value) -> Option<String> {
    let urls: Vec<&str> = URL_SETTINGS
        .iter()
        .map(|(attribute, _)| *attribute)
        .filter(|a| !config.get(a).is_null())
        .collect();
    (!config.get("platform").is_null() && !urls.is_empty()).then(|| urls.join(" and "))
}

/// `platform` names a platform's two URLs; `api_url` and `cloudview_url` are for a platform it
/// does not name. Taking one over the other silently would connect somewhere unexpected.
fn platform_and_urls(urls: &str) -> Diagnostic {
    Diagnostic::error(
        "Conflicting Qualys platform settings",
        format!(
            "platform and {urls} are both set (in the provider block or through QUALYS_PLATFORM, \
             QUALYS_API_URL, QUALYS_CLOUDVIEW_URL). Set platform for a Qualys platform it names, \
             or the URLs for another one, not both."
        ),
    )
    .at(AttrPath::attr("platform"))
}

/// Resolves the provider block and the `QUALYS_*` environment into settings.
/// An error per provider setting whose value is known only after apply, for the operations
/// that need the API before then; `None` when every setting is known.
fn unknown_settings(config: &Value) -> Option<Diagnostics> {
    let Value::Object(attrs) = config else {
        return None;
    };
    let mut diags = Diagnostics::default();
    for (name, value) in attrs {
        if !value.is_wholly_known() {
            diags.push(
                Diagnostic::error(
                    format!("{name} is not known yet"),
                    format!(
                        "The provider needs {name} to call Qualys during this plan (to refresh \
                         connectors, read data sources, or check that a connector to create \
                         does not exist yet), but it depends on a value known only after \
                         apply. Use a value known at plan time (a variable, a literal or an \
                         environment variable), or apply the resource it depends on first \
                         (-target)."
                    ),
                )
                .at(AttrPath::attr(name)),
            );
        }
    }
    (!diags.0.is_empty()).then_some(diags)
}

pub fn resolve_settings(
    config: &Value,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Settings, Diagnostics> {
    let mut diags = validate_config(config, &env);
    if let Some(unknown) = unknown_settings(config) {
        diags.extend(unknown);
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
                // The block's own value was reported by validate_config.
                if config.get("platform").is_null() {
                    diags.push(unknown_platform(p, "QUALYS_PLATFORM"));
                }
                None
            }
        },
        None => None,
    };
    let urls_set: Vec<&str> = URL_SETTINGS
        .iter()
        .filter(|(attribute, var)| setting(attribute, var).is_some())
        .map(|(attribute, _)| *attribute)
        .collect();
    // A conflict within the block was reported by validate_config.
    if platform.is_some() && !urls_set.is_empty() && urls_beside_platform_in_block(config).is_none()
    {
        diags.push(platform_and_urls(&urls_set.join(" and ")));
    }
    let api_text = setting("api_url", "QUALYS_API_URL")
        .or_else(|| from_platform.map(|(api, _)| api.to_string()));
    let cloudview_text = setting("cloudview_url", "QUALYS_CLOUDVIEW_URL")
        .or_else(|| from_platform.map(|(_, cv)| cv.to_string()))
        .or_else(|| api_text.as_deref().map(derive_cloudview_url));
    let (api_url, cloudview_url) = match (api_text, cloudview_text) {
        (Some(api), Some(cv)) => {
            // Messages for these were made by validate_config; only the values matter here.
            (
                parse_base_url("api_url", None, &api).ok(),
                parse_base_url("cloudview_url", None, &cv).ok(),
            )
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
    let max_retries = whole_number(
        config,
        "max_retries",
        MAX_RETRIES_RANGE.0,
        MAX_RETRIES_RANGE.1,
    )
    .ok()
    .flatten()
    .unwrap_or(DEFAULT_MAX_RETRIES);
    let max_concurrency = whole_number(
        config,
        "max_concurrency",
        MAX_CONCURRENCY_RANGE.0,
        MAX_CONCURRENCY_RANGE.1,
    )
    .ok()
    .flatten()
    .unwrap_or(DEFAULT_MAX_CONCURRENCY);
    let request_timeout = match config.get("request_timeout").as_str() {
        Some(text) => parse_duration("request_timeout", text).unwrap_or(DEFAULT_REQUEST_TIMEOUT),
        None => DEFAULT_REQUEST_TIMEOUT,
    };
    let connect_timeout = match config.get("connect_timeout").as_str() {
        Some(text) => parse_duration("connect_timeout", text).unwrap_or(DEFAULT_CONNECT_TIMEOUT),
        None => DEFAULT_CONNECT_TIMEOUT,
    };
    let pod = setting("pod", "QUALYS_POD").or_else(|| {
        platform
            .as_deref()
            .and_then(crate::external_id::pod_of_platform)
            .map(str::to_string)
    });
    let external_id = ExternalIdSettings {
        pod,
        subscription_id: setting("subscription_id", "QUALYS_SUBSCRIPTION_ID"),
        platform: platform.clone(),
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
            connect_timeout,
            external_id,
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
        config.connect_timeout = self.connect_timeout;
        config
    }
}

/// The provider process's state: the API client once Terraform has configured the provider.
pub struct QualysProvider {
    schemas: Schemas,
    client: RwLock<Option<Client>>,
    /// Why there is no client: settings known only at apply (e.g. `api_url` from a resource's
    /// output). Operations that need no API call go ahead; those that do fail with this.
    deferred: RwLock<Option<Diagnostics>>,
    /// The connectors (`api:id`, with their twin on the other API) whose state this process
    /// refreshed or planned: a plan's check before a create does not count them as existing
    /// under the name (a replacement's own connector, or a tainted one; the apply decides).
    in_state: std::sync::Mutex<std::collections::HashSet<String>>,
    /// The POD and subscription ID of the last successful configure.
    external_id: RwLock<Option<ExternalIdSettings>>,
    env: fn(&str) -> Option<String>,
    /// Connectors read to complete an older provider's state, for the refresh that follows.
    upgrade_reads: aws_connector::UpgradeReads,
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
                resources: BTreeMap::from([
                    (
                        aws_connector::TYPE_NAME.to_string(),
                        aws_connector::schema(),
                    ),
                    (
                        aws_external_id::TYPE_NAME.to_string(),
                        aws_external_id::schema(),
                    ),
                ]),
                data_sources: BTreeMap::from([
                    (aws_regions::TYPE_NAME.to_string(), aws_regions::schema()),
                    (
                        connector_data::TYPE_NAME.to_string(),
                        connector_data::schema(),
                    ),
                    (
                        aws_connectors::TYPE_NAME.to_string(),
                        aws_connectors::schema(),
                    ),
                    (
                        aws_base_account::TYPE_NAME.to_string(),
                        aws_base_account::schema(),
                    ),
                    (
                        aws_iam_policy::TYPE_NAME.to_string(),
                        aws_iam_policy::schema(),
                    ),
                ]),
                functions: crate::functions::all(),
            },
            client: RwLock::new(None),
            deferred: RwLock::new(None),
            in_state: std::sync::Mutex::default(),
            external_id: RwLock::new(None),
            env: process_env,
            upgrade_reads: aws_connector::UpgradeReads::default(),
        }
    }

    /// The client of the last successful configure.
    fn client(&self) -> Result<Client, Diagnostics> {
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
}

impl QualysProvider {
    /// Remembers the connector of a state Terraform holds (see `in_state`): by its id on its
    /// API, on the other QPS version (the same object), and by its CloudView UUID.
    fn note_in_state(&self, state: &Value) {
        let (Some(api), Some(id)) = (state.get("api").as_str(), state.get("id").as_str()) else {
            return;
        };
        let Ok(mut in_state) = self.in_state.lock() else {
            return;
        };
        match api {
            "v3" | "v2" => {
                in_state.insert(format!("v3:{id}"));
                in_state.insert(format!("v2:{id}"));
            }
            _ => {
                in_state.insert(format!("{api}:{id}"));
            }
        }
        if let Some(uuid) = state.get("cloudview_uuid").as_str() {
            in_state.insert(format!("cloudview:{uuid}"));
        }
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

    fn call_function(&self, name: &str, arguments: &[Value]) -> Result<Value, api::FunctionError> {
        crate::functions::call(name, arguments)
    }

    fn validate_provider_config(&self, config: &Value) -> Diagnostics {
        validate_config(config, self.env)
    }

    async fn configure(&self, config: &Value, terraform_version: &str) -> Diagnostics {
        if let Some(unknown) = unknown_settings(config) {
            // Known only at apply: a plan that needs no API call goes ahead; one that does
            // says which setting and why when it needs it.
            if let Ok(mut slot) = self.deferred.write() {
                *slot = Some(unknown);
            }
            return Diagnostics::default();
        }
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
                if let Ok(mut slot) = self.external_id.write() {
                    *slot = Some(settings.external_id.clone());
                }
                if settings.insecure_skip_verify {
                    Diagnostic::warning(
                        "TLS certificate verification is off",
                        format!(
                            "insecure_skip_verify = true: the provider accepts any certificate \
                             from {} and {}, so anyone on the network path can read your \
                             Qualys credentials. Use it only against a test endpoint with a \
                             self-signed certificate.",
                            settings.api_url, settings.cloudview_url
                        ),
                    )
                    .at(AttrPath::attr("insecure_skip_verify"))
                    .into()
                } else {
                    Diagnostics::default()
                }
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
            aws_external_id::TYPE_NAME => Diagnostics::default(),
            _ => unsupported(type_name),
        }
    }

    fn validate_data_source_config(&self, type_name: &str, config: &Value) -> Diagnostics {
        match type_name {
            aws_regions::TYPE_NAME => aws_regions::validate(config),
            connector_data::TYPE_NAME => connector_data::validate(config),
            aws_connectors::TYPE_NAME => aws_connectors::validate(config),
            aws_base_account::TYPE_NAME => aws_base_account::validate(config),
            aws_iam_policy::TYPE_NAME => aws_iam_policy::validate(config),
            _ => unsupported(type_name),
        }
    }

    async fn upgrade_resource_state(
        &self,
        type_name: &str,
        version: i64,
        state: Value,
    ) -> (Value, Diagnostics) {
        match type_name {
            // Terraform configures the provider before it upgrades states in a plan or apply;
            // elsewhere the upgrade fills what needs no Qualys answer.
            aws_connector::TYPE_NAME => {
                aws_connector::upgrade(
                    self.client().ok().as_ref(),
                    &self.upgrade_reads,
                    version,
                    state,
                )
                .await
            }
            // Version 0, the only one so far: the stored state reads as it is.
            aws_external_id::TYPE_NAME => (state, Diagnostics::default()),
            _ => (state, unsupported(type_name)),
        }
    }

    async fn read_resource(&self, type_name: &str, request: ReadRequest) -> ReadResponse {
        if type_name == aws_external_id::TYPE_NAME {
            // Nothing remote: the state is the ID.
            return ReadResponse {
                new_state: request.current_state,
                private: request.private,
                diagnostics: Diagnostics::default(),
            };
        }
        self.note_in_state(&request.current_state);
        match (type_name, self.client()) {
            (aws_connector::TYPE_NAME, Ok(client)) => {
                aws_connector::read(&client, &self.upgrade_reads, request).await
            }
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
            aws_connector::TYPE_NAME => {
                let mut response = aws_connector::plan(&request);
                // What needs Qualys is checked at plan time only where the process already
                // knows the answer (no call of its own); the apply checks the rest.
                self.note_in_state(&request.prior_state);
                // Settings known only at apply (`deferred`): the apply checks instead.
                if let Ok(client) = self.client() {
                    if let Some(accounts) = client.known_base_accounts() {
                        aws_connector::check_planned_with(&request, &mut response, accounts);
                    }
                    let in_state = self.in_state.lock().map(|r| r.clone()).unwrap_or_default();
                    aws_connector::check_create_at_plan(
                        &client,
                        &request,
                        &mut response,
                        &in_state,
                    )
                    .await;
                }
                response
            }
            aws_external_id::TYPE_NAME => {
                let settings = self.external_id.read().ok().and_then(|s| s.clone());
                aws_external_id::plan(&request, settings.as_ref())
            }
            _ => PlanResponse {
                diagnostics: unsupported(type_name),
                ..Default::default()
            },
        }
    }

    async fn apply_resource_change(&self, type_name: &str, request: ApplyRequest) -> ApplyResponse {
        if type_name == aws_external_id::TYPE_NAME {
            return aws_external_id::apply(request);
        }
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
            aws_external_id::TYPE_NAME => aws_external_id::import(id),
            _ => ImportResponse {
                diagnostics: unsupported(type_name),
                ..Default::default()
            },
        }
    }

    async fn read_data_source(&self, type_name: &str, config: Value) -> DataSourceResponse {
        let result = match type_name {
            aws_regions::TYPE_NAME => aws_regions::read(&config),
            connector_data::TYPE_NAME => match self.client() {
                Ok(client) => connector_data::read(&client, &config).await,
                Err(diagnostics) => Err(diagnostics),
            },
            aws_connectors::TYPE_NAME => match self.client() {
                Ok(client) => aws_connectors::read(&client, &config).await,
                Err(diagnostics) => Err(diagnostics),
            },
            aws_base_account::TYPE_NAME => match self.client() {
                Ok(client) => aws_base_account::read(&client, &config).await,
                Err(diagnostics) => Err(diagnostics),
            },
            aws_iam_policy::TYPE_NAME => match self.client() {
                Ok(client) => aws_iam_policy::read(&client, &config).await,
                Err(diagnostics) => Err(diagnostics),
            },
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
        let diags = validate_config(&config(&[("platform", Value::string("US9"))]), no_env);
        let errs = errors(&diags);
        assert_eq!(errs[0].0, "platform");
        assert!(errs[0].1.contains("KSA1"));
    }

    #[test]
    fn plain_http_is_only_for_loopback() {
        let diags = validate_config(
            &config(&[("api_url", Value::string("http://qualys.example"))]),
            no_env,
        );
        assert_eq!(errors(&diags)[0].0, "api_url");
        assert!(
            validate_config(
                &config(&[("api_url", Value::string("http://localhost:1"))]),
                no_env
            )
            .is_empty()
        );
        assert!(
            validate_config(
                &config(&[("api_url", Value::string("http://[::1]:1"))]),
                no_env
            )
            .is_empty()
        );
    }

    #[test]
    fn unknown_values_are_errors_at_configure_but_not_at_validate() {
        let c = config(&[
            ("api_url", Value::Unknown),
            ("username", Value::string("u")),
        ]);
        assert!(validate_config(&c, no_env).is_empty());
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
        let diags = validate_config(
            &config(&[
                ("request_timeout", Value::string("soon")),
                ("max_concurrency", Value::int(0)),
            ]),
            no_env,
        );
        let paths: Vec<String> = errors(&diags).into_iter().map(|(p, _)| p).collect();
        assert_eq!(paths, ["request_timeout", "max_concurrency"]);
    }

    #[test]
    fn settings_out_of_range_are_errors_naming_the_attribute() {
        for (attribute, value) in [
            ("request_timeout", Value::string("100000000000h")),
            ("request_timeout", Value::string("2h")),
            ("request_timeout", Value::string("500ms")),
            ("max_retries", Value::int(21)),
            ("max_retries", Value::int(-1)),
            ("max_concurrency", Value::int(65)),
            (
                "max_concurrency",
                Value::Number(crate::plugin::value::Number::Float(1.5)),
            ),
        ] {
            let errs = errors(&validate_config(
                &config(&[(attribute, value.clone())]),
                no_env,
            ));
            assert_eq!(errs.len(), 1, "{attribute} = {value:?}: {errs:?}");
            assert_eq!(errs[0].0, attribute);
        }
        for (attribute, value) in [
            ("request_timeout", Value::string("1h")),
            ("request_timeout", Value::string("1s")),
            ("max_retries", Value::int(0)),
            ("max_retries", Value::int(20)),
            ("max_concurrency", Value::int(64)),
        ] {
            assert!(
                validate_config(&config(&[(attribute, value.clone())]), no_env).is_empty(),
                "{attribute} = {value:?}"
            );
        }
    }

    #[test]
    fn credentials_in_a_url_are_refused_at_validate_and_never_shown() {
        let secret = "TopSecretPw99";
        let url = format!("https://admin:{secret}@qualysapi.qualys.com");
        let shown = |diags: &Diagnostics| format!("{diags:?}");
        for attribute in ["api_url", "cloudview_url"] {
            let diags = validate_config(&config(&[(attribute, Value::string(&url))]), no_env);
            let errs = errors(&diags);
            assert_eq!(errs.len(), 1, "{errs:?}");
            assert_eq!(errs[0].0, attribute);
            assert!(errs[0].1.contains("admin:***@"), "{}", errs[0].1);
            assert!(!shown(&diags).contains(secret));
        }
        // Through the environment fallback, named by its variable.
        let env_url = url.clone();
        let env = move |k: &str| (k == "QUALYS_API_URL").then(|| env_url.clone());
        let diags = validate_config(&config(&[]), &env);
        assert_eq!(diags.0.len(), 1, "{diags:?}");
        assert!(diags.0[0].summary.contains("QUALYS_API_URL"));
        assert!(!shown(&diags).contains(secret));
        // Other errors about such a URL hide the password too.
        let diags = validate_config(
            &config(&[(
                "api_url",
                Value::string(format!("http://admin:{secret}@qualys.example")),
            )]),
            no_env,
        );
        assert!(!shown(&diags).contains(secret), "{diags:?}");
        let diags = validate_config(
            &config(&[(
                "api_url",
                Value::string(format!("https://a:{secret}@:99999")),
            )]),
            no_env,
        );
        assert!(diags.has_errors());
        assert!(!shown(&diags).contains(secret), "{diags:?}");
        assert!(
            !shown(
                &resolve_settings(
                    &config(&[
                        ("username", Value::string("u")),
                        ("password", Value::string("p"))
                    ]),
                    &env
                )
                .unwrap_err()
            )
            .contains(secret)
        );
    }

    #[test]
    fn redaction_keeps_everything_but_the_password() {
        assert_eq!(
            redact_url("https://admin:pw@host:8443/x?y#z"),
            "https://admin:***@host:8443/x?y#z"
        );
        assert_eq!(redact_url("https://admin@host/"), "https://admin@host/");
        assert_eq!(redact_url("https://host/a@b"), "https://host/a@b");
        assert_eq!(redact_url("not a url"), "not a url");
        assert_eq!(redact_url("https://a:b:c@@h"), "https://a:***@h");
    }

    #[test]
    fn platform_names_are_exact_and_exclusive_with_urls() {
        let errs = errors(&validate_config(
            &config(&[("platform", Value::string("us2"))]),
            no_env,
        ));
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].0, "platform");
        assert!(errs[0].1.contains("did you mean \"US2\""), "{}", errs[0].1);

        let errs = errors(&validate_config(
            &config(&[
                ("platform", Value::string("US2")),
                ("api_url", Value::string("https://qualysapi.example.net")),
            ]),
            no_env,
        ));
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].0, "platform");
        assert!(errs[0].1.contains("platform and api_url"), "{}", errs[0].1);

        // Across the block and the environment, at configure.
        let env = |k: &str| match k {
            "QUALYS_PLATFORM" => Some("US2".to_string()),
            "QUALYS_USERNAME" | "QUALYS_PASSWORD" => Some("u".to_string()),
            _ => None,
        };
        let c = config(&[("api_url", Value::string("http://127.0.0.1:1"))]);
        assert!(validate_config(&c, env).is_empty());
        let errs = errors(&resolve_settings(&c, env).unwrap_err());
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].1.contains("platform and api_url"));

        let env = |k: &str| (k == "QUALYS_PLATFORM").then(|| "eu1".to_string());
        let errs = errors(&resolve_settings(&config(&[]), env).unwrap_err());
        assert!(
            errs.iter().any(|(p, d)| p == "platform"
                && d.contains("QUALYS_PLATFORM")
                && d.contains("\"EU1\"")),
            "{errs:?}"
        );
    }

    #[test]
    fn the_pod_comes_from_the_setting_or_a_platform_whose_pod_is_public() {
        let resolved = |pairs: &[(&str, Value)]| {
            let mut all = vec![
                ("username", Value::string("u")),
                ("password", Value::string("p")),
            ];
            all.extend(pairs.iter().cloned());
            resolve_settings(&config(&all), no_env).unwrap().external_id
        };
        let us1 = resolved(&[("platform", Value::string("US1"))]);
        assert_eq!(us1.pod.as_deref(), Some("USPOD01"));
        assert_eq!(us1.subscription_id, None);
        assert_eq!(resolved(&[("platform", Value::string("US2"))]).pod, None);
        let set = resolved(&[
            ("platform", Value::string("US1")),
            ("pod", Value::string("USPOD09")),
            ("subscription_id", Value::string("4765")),
        ]);
        assert_eq!(set.pod.as_deref(), Some("USPOD09"));
        assert_eq!(set.subscription_id.as_deref(), Some("4765"));
        let env = |k: &str| (k == "QUALYS_SUBSCRIPTION_ID").then(|| "47x".to_string());
        let diags = validate_config(&config(&[("pod", Value::string("US-POD"))]), env);
        let errs = errors(&diags);
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert_eq!(errs[1].0, "pod");
        assert!(diags.0[0].summary.contains("QUALYS_SUBSCRIPTION_ID"));
    }

    #[test]
    fn gov1_is_a_platform() {
        let s = resolve_settings(
            &config(&[
                ("platform", Value::string("GOV1")),
                ("username", Value::string("u")),
                ("password", Value::string("p")),
            ]),
            no_env,
        )
        .unwrap();
        assert_eq!(s.api_url.as_str(), "https://qualysapi.gov1.qualys.us/");
        assert_eq!(
            s.cloudview_url.as_str(),
            "https://qualysguard.gov1.qualys.us/"
        );
    }

    #[test]
    fn skipping_tls_verification_warns_at_configure() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let provider = QualysProvider {
            env: no_env,
            ..QualysProvider::new()
        };
        let c = |insecure: bool| {
            config(&[
                ("api_url", Value::string("https://127.0.0.1:1")),
                ("username", Value::string("u")),
                ("password", Value::string("p")),
                ("insecure_skip_verify", Value::Bool(insecure)),
            ])
        };
        let diags = runtime.block_on(api::Provider::configure(&provider, &c(true), "1.11.4"));
        assert!(!diags.has_errors(), "{diags:?}");
        assert_eq!(diags.0.len(), 1, "{diags:?}");
        assert_eq!(diags.0[0].severity, crate::plugin::diag::Severity::Warning);
        assert_eq!(
            diags.0[0].path.as_ref().map(ToString::to_string).as_deref(),
            Some("insecure_skip_verify")
        );
        let diags = runtime.block_on(api::Provider::configure(&provider, &c(false), "1.11.4"));
        assert!(diags.is_empty(), "{diags:?}");
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
