//! Provider settings: the provider block's arguments, their `QUALYS_*` environment fallbacks
//! and defaults, and how they resolve to connection settings. Checked without the network at
//! `terraform validate`; values known only after apply are reported here too.

pub mod url;

use std::time::Duration;

use crate::platforms;
use crate::plugin::diag::{AttrPath, Diagnostic, Diagnostics};
use crate::plugin::schema::{Attribute, Block, Presence, Schema};
use crate::plugin::value::{Type, Value};

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
/// How long one create, update or delete may take, retries and waits included, unless the
/// resource's `timeouts` say otherwise: Terraform's usual resource timeout.
pub const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_secs(20 * 60);

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
    pub api_url: ::url::Url,
    pub cloudview_url: ::url::Url,
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

/// Why `name` is not a platform; `source` says where it came from.
fn unknown_platform(name: &str, source: &str) -> Diagnostic {
    let detail = match platforms::find_ignoring_case(name) {
        Some(right) => format!(
            "{source} {name:?} is not a platform name; platform names are written in capitals: \
             did you mean {:?}?",
            right.name
        ),
        None => format!("{source} {name:?} is not one of {}.", platforms::names()),
    };
    Diagnostic::error("Unknown Qualys platform", detail).at(AttrPath::attr("platform"))
}

/// Parses a base URL by the rules of [`url::parse_base_url`]; `env_var` names the environment
/// variable the text came from, if it did not come from the provider block.
fn parse_base_url(
    attribute: &str,
    env_var: Option<&str>,
    text: &str,
) -> Result<::url::Url, Diagnostic> {
    url::parse_base_url(text).map_err(|why| match env_var {
        Some(var) => Diagnostic::error(
            format!("Invalid {var}"),
            format!("{var} (the fallback of {attribute}): {why}"),
        ),
        None => Diagnostic::error(format!("Invalid {attribute}"), why.to_string())
            .at(AttrPath::attr(attribute)),
    })
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
pub fn validate(config: &Value, env: impl Fn(&str) -> Option<String>) -> Diagnostics {
    let mut diags = Diagnostics::default();
    if let Some(p) = config.get("platform").as_str()
        && platforms::find(p).is_none()
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

/// An error per provider setting whose value is known only after apply, for the operations
/// that need the API before then; `None` when every setting is known.
pub fn unknown(config: &Value) -> Option<Diagnostics> {
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

/// Resolves the provider block and the `QUALYS_*` environment into settings.
pub fn resolve(
    config: &Value,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Settings, Diagnostics> {
    let mut diags = validate(config, &env);
    if let Some(unknown) = unknown(config) {
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
        Some(p) => match platforms::find(p) {
            Some(platform) => Some(platform),
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
        .or_else(|| from_platform.map(|p| p.qps_url.to_string()));
    let cloudview_text = setting("cloudview_url", "QUALYS_CLOUDVIEW_URL")
        .or_else(|| from_platform.map(|p| p.cloudview_url.to_string()))
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
                            platforms::names()
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
            .and_then(platforms::find)
            .and_then(|p| p.pod)
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
    match ::url::Url::parse(api_url) {
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

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// A provider block with `pairs` set and every other argument null.
    pub(crate) fn config(pairs: &[(&str, Value)]) -> Value {
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

    pub(crate) fn no_env(_: &str) -> Option<String> {
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
        let s = resolve(
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
        let s = resolve(&config(&[("max_concurrency", Value::int(4))]), env).unwrap();
        assert_eq!(s.username, "envuser");
        assert_eq!(s.api_url.as_str(), "http://127.0.0.1:8080/");
        assert_eq!(s.cloudview_url.as_str(), "http://127.0.0.1:8080/");
        assert_eq!(s.max_concurrency, 4);
    }

    #[test]
    fn missing_credentials_name_the_environment_variable() {
        let diags = resolve(&config(&[("platform", Value::string("US1"))]), no_env).unwrap_err();
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
        let diags = validate(&config(&[("platform", Value::string("US9"))]), no_env);
        let errs = errors(&diags);
        assert_eq!(errs[0].0, "platform");
        assert!(errs[0].1.contains("KSA1"));
    }

    #[test]
    fn plain_http_is_only_for_loopback() {
        let diags = validate(
            &config(&[("api_url", Value::string("http://qualys.example"))]),
            no_env,
        );
        assert_eq!(errors(&diags)[0].0, "api_url");
        assert!(
            validate(
                &config(&[("api_url", Value::string("http://localhost:1"))]),
                no_env
            )
            .is_empty()
        );
        assert!(
            validate(
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
        assert!(validate(&c, no_env).is_empty());
        let errs = errors(&resolve(&c, no_env).unwrap_err());
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
        let diags = validate(
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
            let errs = errors(&validate(&config(&[(attribute, value.clone())]), no_env));
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
                validate(&config(&[(attribute, value.clone())]), no_env).is_empty(),
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
            let diags = validate(&config(&[(attribute, Value::string(&url))]), no_env);
            let errs = errors(&diags);
            assert_eq!(errs.len(), 1, "{errs:?}");
            assert_eq!(errs[0].0, attribute);
            assert!(errs[0].1.contains("admin:***@"), "{}", errs[0].1);
            assert!(!shown(&diags).contains(secret));
        }
        // Through the environment fallback, named by its variable.
        let env_url = url.clone();
        let env = move |k: &str| (k == "QUALYS_API_URL").then(|| env_url.clone());
        let diags = validate(&config(&[]), &env);
        assert_eq!(diags.0.len(), 1, "{diags:?}");
        assert!(diags.0[0].summary.contains("QUALYS_API_URL"));
        assert!(!shown(&diags).contains(secret));
        // Other errors about such a URL hide the password too.
        let diags = validate(
            &config(&[(
                "api_url",
                Value::string(format!("http://admin:{secret}@qualys.example")),
            )]),
            no_env,
        );
        assert!(!shown(&diags).contains(secret), "{diags:?}");
        let diags = validate(
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
                &resolve(
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
    fn platform_names_are_exact_and_exclusive_with_urls() {
        let errs = errors(&validate(
            &config(&[("platform", Value::string("us2"))]),
            no_env,
        ));
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].0, "platform");
        assert!(errs[0].1.contains("did you mean \"US2\""), "{}", errs[0].1);

        let errs = errors(&validate(
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
        assert!(validate(&c, env).is_empty());
        let errs = errors(&resolve(&c, env).unwrap_err());
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].1.contains("platform and api_url"));

        let env = |k: &str| (k == "QUALYS_PLATFORM").then(|| "eu1".to_string());
        let errs = errors(&resolve(&config(&[]), env).unwrap_err());
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
            resolve(&config(&all), no_env).unwrap().external_id
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
        let diags = validate(&config(&[("pod", Value::string("US-POD"))]), env);
        let errs = errors(&diags);
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert_eq!(errs[1].0, "pod");
        assert!(diags.0[0].summary.contains("QUALYS_SUBSCRIPTION_ID"));
    }

    #[test]
    fn gov1_is_a_platform() {
        let s = resolve(
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
    fn settings_debug_hides_the_password() {
        let s = resolve(
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
