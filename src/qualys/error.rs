//! The client's error type: one enum the resource can match on to decide what to do
//! (drop a vanished connector from state, tell the user to fix credentials, show Qualys's
//! own message and resolution), with messages written for the person reading Terraform's
//! output.
//!
//! No variant ever holds a credential: the transport never puts them in URLs (a base URL
//! with user info is refused, and shown with it replaced by `***`), and the URL a
//! `reqwest` error carries has its user info removed.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Everything that can go wrong talking to Qualys.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// The provider configuration cannot work (bad URL, missing credentials, ...).
    #[error("invalid Qualys client configuration: {0}")]
    Config(String),

    /// The object does not exist, or is outside the caller's scope: Qualys answers both the
    /// same way (`OBJECT_NOT_FOUND`, or a CloudView 404 with its JSON error body).
    #[error("{what} was not found in Qualys (deleted, or outside this user's scope)")]
    NotFound { what: String },

    /// A 404 whose body is not the API's own error (an HTML page, a gateway's JSON): it says
    /// nothing about any connector, so nothing is taken as missing or deleted.
    #[error(
        "a call to the {api} API was answered HTTP 404 by something other than the API itself \
         (the body is not {api}'s error format: {excerpt}): a gateway or proxy between this \
         machine and Qualys, or a server that is not Qualys. Check that `platform` (or \
         `api_url`/`cloudview_url`) names your Qualys platform"
    )]
    ForeignNotFound { api: &'static str, excerpt: String },

    /// A delete Qualys answered "not found" that reading the connector back did not confirm:
    /// the connector may still exist, so it is not taken as deleted.
    #[error(
        "Qualys answered the delete of {what} with \"not found\", but {read_back}; it is not \
         taken as deleted"
    )]
    DeleteUnconfirmed { what: String, read_back: String },

    /// HTTP 401/403, or a QPS `UNAUTHORIZED`/`INSUFFICIENT_PERMISSIONS` answer.
    #[error("Qualys refused the credentials or permissions: {message}")]
    Unauthorized { message: String },

    /// Qualys rejected the request; its message and suggested resolution are kept verbatim.
    #[error("Qualys rejected the request: {message}{}", Resolution(resolution))]
    InvalidRequest {
        message: String,
        resolution: Option<String>,
    },

    /// Qualys refused to change a connector through this API because another API made it:
    /// CloudView's `CONNECTOR_NOT_MERGED` (a Connector-app connector not yet merged), or the
    /// Connector app's `INVALID_REQUEST` saying only connectors it created can be updated.
    /// The message is Qualys's, verbatim.
    #[error("{message}")]
    WrongApi { message: String },

    /// Qualys kept answering 409, 429 or 503 after every retry allowed, or the wait it asked
    /// for would pass the operation's deadline. `api` names the API family (each has its own
    /// hourly budget).
    #[error("{}", throttled(api, *status, *attempts, retry_after))]
    Throttled {
        api: &'static str,
        status: u16,
        attempts: u32,
        retry_after: Option<Duration>,
    },

    /// Any other answer Qualys marks as an error: a 5xx, an unexpected status, a QPS
    /// `OTHER_ERROR`/`LIMIT_EXCEEDED`. `excerpt` is the start of the body.
    #[error(
        "Qualys answered with an error (HTTP {status}{}): {message}{}",
        Code(code),
        Resolution(resolution)
    )]
    Api {
        status: u16,
        code: Option<String>,
        message: String,
        resolution: Option<String>,
    },

    /// The request could not be completed on the network (DNS, connect, TLS, reset).
    #[error("could not reach Qualys: {message}")]
    Transport {
        message: String,
        #[source]
        source: Arc<reqwest::Error>,
    },

    /// A create whose answer was maybe done (lost, or one that does not tell whether Qualys
    /// carried it out), and whose lookup by name and AWS account did not find exactly one
    /// matching connector. Terraform state cannot be trusted to know it.
    #[error(
        "the create of connector \"{name}\" was not confirmed by Qualys ({cause}); {}",
        Candidates(candidates)
    )]
    CreateUnconfirmed {
        name: String,
        cause: String,
        candidates: Vec<String>,
    },

    /// The response does not have a shape this client understands. Never turned into an
    /// empty result.
    #[error(
        "unexpected response from Qualys ({context}): {reason}; the body starts with: {excerpt}"
    )]
    Decode {
        context: String,
        reason: String,
        excerpt: String,
    },

    /// A SUCCESS answer that lacks fields the connector must have (its id, name, ARN or
    /// external ID). `id` is set when the answer did carry the connector's id, e.g. a create
    /// that Qualys carried out: the caller must still record that id (nothing is lost).
    #[error(
        "incomplete answer from Qualys ({context}): {} missing{}",
        missing.join(", "),
        IncompleteId(id)
    )]
    Incomplete {
        context: String,
        id: Option<String>,
        missing: Vec<String>,
    },

    /// The operation's deadline (Terraform's timeout) passed.
    #[error("the Qualys operation timed out after {0:?}")]
    Timeout(Duration),

    /// Terraform asked the provider to stop (StopProvider); the call was abandoned.
    #[error("the Qualys call was cancelled because Terraform is stopping the provider")]
    Stopped,
}

impl Error {
    /// Whether the error means the object is gone (or was never visible to this user).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound { .. })
    }

    /// The id of a connector that Qualys created although the operation failed afterwards
    /// (an incomplete create answer): it must reach Terraform's state.
    pub fn created_id(&self) -> Option<&str> {
        match self {
            Error::Incomplete { id: Some(id), .. } => Some(id),
            _ => None,
        }
    }
}

struct IncompleteId<'a>(&'a Option<String>);

impl fmt::Display for IncompleteId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(id) => write!(f, " (the connector's id is {id})"),
            None => Ok(()),
        }
    }
}

struct Resolution<'a>(&'a Option<String>);

impl fmt::Display for Resolution<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(r) if !r.trim().is_empty() => write!(f, " (resolution: {r})"),
            _ => Ok(()),
        }
    }
}

/// A wait this long is no concurrency limit but the end of the hour's budget: Qualys counts
/// calls per subscription and API in a one-hour window (300 by default).
const BUDGET_WAIT: Duration = Duration::from_secs(120);

fn throttled(api: &str, status: u16, attempts: u32, retry_after: &Option<Duration>) -> String {
    match retry_after {
        Some(wait) if *wait >= BUDGET_WAIT => {
            let back = time::OffsetDateTime::now_utc() + *wait;
            format!(
                "the {api} API calls this Qualys subscription may make in an hour are used up \
                 (HTTP {status} after {attempts} attempt(s)); Qualys says they return in {} \
                 (about {:02}:{:02} UTC). Wait until then, or spread the runs that share the \
                 subscription over the hour (a plan costs calls too); lowering \
                 `max_concurrency` or -parallelism does not help",
                humantime::format_duration(Duration::from_secs(wait.as_secs())),
                back.hour(),
                back.minute()
            )
        }
        _ => format!(
            "the {api} API is throttling requests or temporarily unavailable (HTTP {status}) \
             after {attempts} attempt(s){}; lower `max_concurrency` or Terraform's \
             -parallelism, or try again later",
            match retry_after {
                Some(d) => format!("; Qualys asked to wait {}s", d.as_secs()),
                None => String::new(),
            }
        ),
    }
}

struct Code<'a>(&'a Option<String>);

impl fmt::Display for Code<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(c) => write!(f, ", {c}"),
            None => Ok(()),
        }
    }
}

struct Candidates<'a>(&'a [String]);

impl fmt::Display for Candidates<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            [] => f.write_str(
                "no connector with that name and AWS account was found yet; check the \
                 Qualys console before applying again, and import the connector if it exists",
            ),
            ids => write!(
                f,
                "several connectors match its name and AWS account ({}); import the right \
                 one with `terraform import` instead of applying again",
                ids.join(", ")
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_request_shows_message_and_resolution() {
        let e = Error::InvalidRequest {
            message: "cspmRegions is not enabled".into(),
            resolution: Some("Contact support".into()),
        };
        assert_eq!(
            e.to_string(),
            "Qualys rejected the request: cspmRegions is not enabled (resolution: Contact support)"
        );
        let e = Error::InvalidRequest {
            message: "bad".into(),
            resolution: None,
        };
        assert_eq!(e.to_string(), "Qualys rejected the request: bad");
    }

    #[test]
    fn throttled_mentions_wait_and_advice() {
        let e = Error::Throttled {
            api: "CloudView",
            status: 409,
            attempts: 4,
            retry_after: Some(Duration::from_secs(30)),
        };
        let s = e.to_string();
        assert!(s.contains("the CloudView API is throttling"), "{s}");
        assert!(s.contains("HTTP 409"), "{s}");
        assert!(s.contains("4 attempt(s)"), "{s}");
        assert!(s.contains("wait 30s"), "{s}");
        assert!(s.contains("max_concurrency"), "{s}");

        // An hour's budget spent: no advice that cannot help.
        let e = Error::Throttled {
            api: "Connector (QPS)",
            status: 409,
            attempts: 1,
            retry_after: Some(Duration::from_secs(3600)),
        };
        let s = e.to_string();
        assert!(s.contains("the Connector (QPS) API calls this Qualys subscription may make in an hour are used up"), "{s}");
        assert!(s.contains("return in 1h"), "{s}");
        assert!(s.contains("spread the runs"), "{s}");
        assert!(s.contains("does not help"), "{s}");
    }

    #[test]
    fn create_unconfirmed_guides_the_user() {
        let none = Error::CreateUnconfirmed {
            name: "prod".into(),
            cause: "connection closed".into(),
            candidates: vec![],
        };
        assert!(none.to_string().contains("check the Qualys console"));
        let many = Error::CreateUnconfirmed {
            name: "prod".into(),
            cause: "timeout".into(),
            candidates: vec!["1".into(), "2".into()],
        };
        assert!(many.to_string().contains("(1, 2)"));
    }

    #[test]
    fn api_error_includes_code() {
        let e = Error::Api {
            status: 200,
            code: Some("OTHER_ERROR".into()),
            message: "boom".into(),
            resolution: None,
        };
        assert_eq!(
            e.to_string(),
            "Qualys answered with an error (HTTP 200, OTHER_ERROR): boom"
        );
    }
}
