//! The one transport under every API family: authentication, headers, the process-wide
//! concurrency limit (one permit per HTTP exchange, never held across a backoff), retries
//! within `max_retries` and the deadline, Terraform's stop, and logging (method, path,
//! status, timing; never headers or credentials). A create is never sent twice here: a
//! maybe-done answer comes back as [`SendError::MaybeDone`] for [`create`](super::create).
//! Redirects are not followed (that would replay credentials elsewhere); plain `http://` is
//! allowed for loopback hosts only.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use base64::Engine;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tracing::{debug, trace, warn};

use super::error::Error;
use super::lenient::excerpt;
use super::retry::{Deadline, RetryPolicy, jitter, server_wait};

/// Value of the `X-Requested-With` header Qualys requires on API calls.
const REQUESTED_WITH: &str = "terraform-provider-qualys";

/// Bodies larger than this are cut; the decoder then reports the excerpt.
const MAX_BODY_BYTES: usize = 16 << 20;

/// Whether a request whose answer was lost may be sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Safety {
    /// Reads, and writes whose repetition is harmless (update with `set`, delete, run).
    Idempotent,
    /// Create: a second send could make a second connector.
    NotIdempotent,
}

/// A request body and its media type.
pub(crate) struct Body {
    pub(crate) content_type: &'static str,
    pub(crate) bytes: Vec<u8>,
}

/// One logical API call; the transport may send it several times.
pub(crate) struct Call {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) accept: &'static str,
    pub(crate) body: Option<Body>,
    pub(crate) safety: Safety,
}

/// The final answer to a call: any status but the retried ones, and the body.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) body: Vec<u8>,
}

/// Why [`Transport::send`] returned no reply.
#[derive(Debug)]
pub(crate) enum SendError {
    /// The call failed and was not carried out, or its failure is final.
    Failed(Error),
    /// A [`Safety::NotIdempotent`] request got a maybe-done answer: lost, or one that does
    /// not tell whether Qualys carried it out (see [`is_maybe_done`]).
    MaybeDone(Error),
}

impl From<SendError> for Error {
    fn from(e: SendError) -> Self {
        match e {
            SendError::Failed(e) | SendError::MaybeDone(e) => e,
        }
    }
}

/// Whether an answer to a create is maybe done (it leaves open whether Qualys carried it out):
/// an answer that something between us and Qualys may have sent after forwarding the create,
/// namely a 408, a 5xx, or a 403, 409 or 429 whose body is not Qualys's own error. Qualys's
/// own throttling (its 409 or 429 with its error body) and its refusals come before it does
/// anything: they are answers like any other, and the create was not carried out.
fn is_maybe_done(reply: &Reply) -> bool {
    match reply.status.as_u16() {
        408 => true,
        403 | 409 | 429 => !is_qualys_envelope(&reply.body),
        status => (500..=599).contains(&status),
    }
}

/// Whether a body is a Qualys error envelope: QPS's `ServiceResponse` with a `responseCode`, or
/// CloudView's JSON with an `errorCode`.
fn is_qualys_envelope(body: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&body[..body.len().min(4096)]);
    let text = head.trim_start();
    (text.starts_with('{') || text.starts_with('<'))
        && (text.contains("responseCode") || text.contains("errorCode"))
}

/// The error a maybe-done answer stands for: throttling (with the wait asked for), or
/// the server error.
fn maybe_done_error(call: &Call, reply: &Reply, headers: &HeaderMap, attempt: u32) -> Error {
    if is_throttle(reply.status) {
        Error::Throttled {
            api: api_name(&call.url),
            status: reply.status.as_u16(),
            attempts: attempt,
            retry_after: server_wait(headers, SystemTime::now()),
        }
    } else {
        Error::Api {
            status: reply.status.as_u16(),
            code: None,
            message: excerpt(&reply.body),
            resolution: None,
        }
    }
}

/// The API family a URL belongs to, for messages: each has its own hourly budget.
fn api_name(url: &Url) -> &'static str {
    if url.path().contains("/cloudview-api/") {
        "CloudView"
    } else {
        "Connector (QPS)"
    }
}

fn is_throttle(status: StatusCode) -> bool {
    matches!(status.as_u16(), 409 | 429 | 503)
}

/// Server errors that say nothing was decided for good: worth another try of a call that
/// may be repeated.
fn is_transient_server_error(status: StatusCode) -> bool {
    matches!(status.as_u16(), 500 | 502 | 504)
}

/// Whether a network error will fail the same way on every try: a TLS handshake that
/// rustls refused (untrusted or invalid certificate, no common protocol, a fatal alert).
/// rustls's error sits inside nested `io::Error`s, whose `source()` skips the error they
/// wrap, so those are opened with `get_ref`.
fn is_permanent(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return matches!(
                tls,
                rustls::Error::InvalidCertificate(_)
                    | rustls::Error::NoCertificatesPresented
                    | rustls::Error::UnsupportedNameType
                    | rustls::Error::PeerIncompatible(_)
                    | rustls::Error::AlertReceived(_)
                    | rustls::Error::InvalidCertRevocationList(_)
            );
        }
        current = match e
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            Some(inner) => Some(inner),
            None => e.source(),
        };
    }
    false
}

/// Whether `err` is a network failure that no retry can mend (see [`is_permanent`]).
pub(crate) fn is_permanent_failure(err: &Error) -> bool {
    matches!(err, Error::Transport { source, .. } if is_permanent(&**source))
}

/// `base` with `path` appended to its path (`path` starts with `/`).
pub(crate) fn join(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let joined = format!("{}{}", base.path().trim_end_matches('/'), path);
    url.set_path(&joined);
    url
}

/// Settings the transport needs, taken from the client configuration.
pub(crate) struct TransportSettings<'a> {
    pub(crate) username: &'a str,
    pub(crate) password: &'a str,
    pub(crate) user_agent: &'a str,
    pub(crate) insecure_skip_verify: bool,
    pub(crate) max_concurrency: usize,
    pub(crate) request_timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) retry: RetryPolicy,
}

/// Retries of a call that could not connect (refused, DNS, no answer to the connection
/// attempt): nothing was sent, but an endpoint that refuses three times in a few seconds is
/// a wrong URL or a network that does not reach it, not a blip.
const CONNECT_RETRIES: u32 = 2;

/// Retries of a call whose answer did not come within `request_timeout`: a server that
/// accepts and stays silent costs two request timeouts per call at most.
const SILENT_RETRIES: u32 = 1;

/// The shared HTTP machinery; cheap to clone.
#[derive(Clone)]
pub(crate) struct Transport {
    shared: Arc<Shared>,
}

struct Shared {
    http: reqwest::Client,
    authorization: HeaderValue,
    permits: Semaphore,
    stop: CancellationToken,
    retry: RetryPolicy,
    request_timeout: Duration,
    /// Hosts that could not be reached (after a call's retries), with why: later calls to
    /// them fail at once, so a dead endpoint costs one call's retries per provider process,
    /// not every call's.
    unreachable: std::sync::Mutex<std::collections::HashMap<String, Error>>,
}

impl Transport {
    pub(crate) fn new(settings: TransportSettings<'_>) -> Result<Self, Error> {
        let token = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", settings.username, settings.password));
        let mut authorization = HeaderValue::from_str(&format!("Basic {token}"))
            .map_err(|_| Error::Config("credentials cannot be sent in a header".into()))?;
        authorization.set_sensitive(true);

        let mut headers = HeaderMap::new();
        headers.insert("X-Requested-With", HeaderValue::from_static(REQUESTED_WITH));
        if settings.insecure_skip_verify {
            warn!(
                "insecure_skip_verify is set: TLS certificates of the Qualys API are not \
                 verified, so anyone on the network path can read the credentials"
            );
        }
        let http = reqwest::Client::builder()
            .user_agent(settings.user_agent)
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(settings.connect_timeout.min(settings.request_timeout))
            .tls_danger_accept_invalid_certs(settings.insecure_skip_verify)
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Transport {
            shared: Arc::new(Shared {
                http,
                authorization,
                permits: Semaphore::new(settings.max_concurrency),
                stop: CancellationToken::new(),
                retry: settings.retry,
                request_timeout: settings.request_timeout,
                unreachable: std::sync::Mutex::default(),
            }),
        })
    }

    /// Ends every wait at once and makes later calls fail with [`Error::Stopped`].
    pub(crate) fn stop(&self) {
        self.shared.stop.cancel();
    }

    pub(crate) fn is_stopped(&self) -> bool {
        self.shared.stop.is_cancelled()
    }

    /// Retries allowed per call (`max_retries`), for retries made above the transport.
    pub(crate) fn max_retries(&self) -> u32 {
        self.shared.retry.max_retries
    }

    /// The backoff before retry `retry` (0-based), for retries made above the transport.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        self.shared.retry.backoff(retry)
    }

    /// Sleeps for `wait` unless the provider is stopped first.
    pub(crate) async fn pause(&self, wait: Duration) -> Result<(), Error> {
        tokio::select! {
            biased;
            _ = self.shared.stop.cancelled() => Err(Error::Stopped),
            _ = tokio::time::sleep(wait) => Ok(()),
        }
    }

    /// Sends `call` and returns the first answer that is not retried. HTTP 409 (Qualys's "over
    /// the limit", never "already exists"), 429 and 503 were not carried out (a create's only
    /// with Qualys's own error body, see [`is_maybe_done`]), so they are retried after the wait asked for (see [`server_wait`]) or the backoff; so is failing to
    /// connect (nothing was sent). A 500, 502, 504 or a lost answer is retried for
    /// [`Safety::Idempotent`] calls only; out of retries, the last 5xx is the answer. A TLS
    /// failure on the certificate or protocol and any other status are final. Each attempt's
    /// timeout is the smaller of `request_timeout` and what is left of the deadline; a wait
    /// that would pass it is not started. A stop ends waits and idempotent calls at once; a
    /// create on the wire is left to finish so that a connector Qualys made is not forgotten.
    pub(crate) async fn send(&self, call: &Call, deadline: Deadline) -> Result<Reply, SendError> {
        let shared = &*self.shared;
        if let Some(error) = self.known_unreachable(&call.url) {
            return Err(SendError::Failed(error));
        }
        let first_sent = Instant::now();
        let mut attempt: u32 = 0;
        let mut network_failures: u32 = 0;
        loop {
            if self.is_stopped() {
                return Err(SendError::Failed(Error::Stopped));
            }
            attempt += 1;
            let permit = tokio::select! {
                biased;
                _ = shared.stop.cancelled() => return Err(SendError::Failed(Error::Stopped)),
                _ = tokio::time::sleep_until(deadline.instant().into()) => {
                    return Err(SendError::Failed(deadline.expired()));
                }
                permit = shared.permits.acquire() => {
                    permit.map_err(|_| SendError::Failed(Error::Stopped))?
                }
            };
            let Some(left) = deadline.remaining() else {
                return Err(SendError::Failed(deadline.expired()));
            };
            let timeout = left.min(shared.request_timeout);
            let started = Instant::now();
            let outcome = match call.safety {
                Safety::Idempotent => tokio::select! {
                    biased;
                    _ = shared.stop.cancelled() => return Err(SendError::Failed(Error::Stopped)),
                    outcome = self.exchange(call, timeout) => outcome,
                },
                Safety::NotIdempotent => self.exchange(call, timeout).await,
            };
            drop(permit);
            let elapsed_ms = started.elapsed().as_millis();

            let wait = match outcome {
                Ok((reply, headers)) => {
                    debug!(
                        method = %call.method,
                        path = call.url.path(),
                        status = reply.status.as_u16(),
                        attempt,
                        elapsed_ms,
                        "qualys call"
                    );
                    trace!(body = %excerpt(&reply.body), "qualys response body");
                    if call.safety == Safety::NotIdempotent && is_maybe_done(&reply) {
                        // Sending it again could make a second connector: the caller looks
                        // first (see create.rs).
                        return Err(SendError::MaybeDone(maybe_done_error(
                            call, &reply, &headers, attempt,
                        )));
                    }
                    if is_transient_server_error(reply.status) && call.safety == Safety::Idempotent
                    {
                        // Out of retries, the 5xx itself is the answer the caller maps.
                        let wait = shared.retry.backoff(attempt - 1);
                        if attempt > shared.retry.max_retries || !deadline.allows(wait) {
                            return Ok(reply);
                        }
                        wait
                    } else if !is_throttle(reply.status) {
                        return Ok(reply);
                    } else {
                        Self::throttle_wait(
                            &call.url,
                            &reply,
                            &headers,
                            attempt,
                            shared.retry,
                            deadline,
                        )?
                    }
                }
                Err(err) => {
                    debug!(
                        method = %call.method,
                        path = call.url.path(),
                        attempt,
                        elapsed_ms,
                        error = %chain(&err),
                        "qualys call failed"
                    );
                    // The attempt's timeout was cut to the deadline: running out of it is
                    // the operation timing out.
                    let deadline_bound = timeout < shared.request_timeout;
                    let error =
                        if err.is_timeout() && (deadline_bound || deadline.remaining().is_none()) {
                            deadline.expired()
                        } else {
                            transport_error(err, timeout)
                        };
                    if is_permanent_failure(&error) {
                        return Err(SendError::Failed(error));
                    }
                    let nothing_sent =
                        matches!(&error, Error::Transport { source, .. } if source.is_connect());
                    if call.safety == Safety::NotIdempotent && !nothing_sent {
                        return Err(SendError::MaybeDone(error));
                    }
                    let silent = !nothing_sent && err_was_timeout(&error);
                    network_failures += 1;
                    let allowed = if nothing_sent {
                        CONNECT_RETRIES
                    } else if silent {
                        SILENT_RETRIES
                    } else {
                        shared.retry.max_retries
                    };
                    let wait = shared.retry.backoff(attempt - 1);
                    if matches!(error, Error::Timeout(_))
                        || attempt > shared.retry.max_retries
                        || network_failures > allowed
                        || !deadline.allows(wait)
                    {
                        let error = if nothing_sent || silent {
                            self.mark_unreachable(&call.url, error, attempt, first_sent.elapsed())
                        } else {
                            error
                        };
                        return Err(SendError::Failed(error));
                    }
                    wait
                }
            };
            debug!(
                wait_ms = wait.as_millis(),
                attempt, "qualys call will be retried"
            );
            self.pause(wait).await.map_err(SendError::Failed)?;
        }
    }

    /// The error a host that could not be reached earlier in this process gave, if any.
    fn known_unreachable(&self, url: &Url) -> Option<Error> {
        let host = host_key(url);
        let known = self
            .shared
            .unreachable
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        known.get(&host).cloned()
    }

    /// Says how long the call tried and what to check, and remembers the host as unreachable
    /// for the rest of the process.
    fn mark_unreachable(&self, url: &Url, error: Error, attempts: u32, spent: Duration) -> Error {
        let Error::Transport { message, source } = error else {
            return error;
        };
        let host = host_key(url);
        let error = Error::Transport {
            message: format!(
                "{message}; {attempts} attempt(s) over {:.1}s. Check that `platform` (or \
                 `api_url`/`cloudview_url`) names your Qualys platform ({host}) and that this \
                 machine reaches it (proxy, firewall, DNS); later calls of this run to {host} \
                 were not tried",
                spent.as_secs_f64()
            ),
            source,
        };
        self.shared
            .unreachable
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(host, error.clone());
        error
    }

    /// How long to wait before retrying a throttled call (409, 429, 503): what the server
    /// asked for, else the backoff; [`Error::Throttled`] when retries or time run out.
    fn throttle_wait(
        url: &Url,
        reply: &Reply,
        headers: &HeaderMap,
        attempt: u32,
        retry: RetryPolicy,
        deadline: Deadline,
    ) -> Result<Duration, SendError> {
        let asked = server_wait(headers, SystemTime::now());
        let wait = match asked {
            Some(w) if !w.is_zero() => w + jitter(w.min(Duration::from_secs(10)) / 10),
            _ => retry.backoff(attempt - 1),
        };
        if attempt > retry.max_retries || !deadline.allows(wait) {
            return Err(SendError::Failed(Error::Throttled {
                api: api_name(url),
                status: reply.status.as_u16(),
                attempts: attempt,
                retry_after: asked,
            }));
        }
        Ok(wait)
    }

    /// One HTTP exchange: send, then read the body, all within `timeout`.
    async fn exchange(
        &self,
        call: &Call,
        timeout: Duration,
    ) -> Result<(Reply, HeaderMap), reqwest::Error> {
        let shared = &*self.shared;
        let mut request = shared
            .http
            .request(call.method.clone(), call.url.clone())
            .header(AUTHORIZATION, shared.authorization.clone())
            .header(ACCEPT, call.accept)
            .timeout(timeout);
        if let Some(body) = &call.body {
            trace!(body = %excerpt(&body.bytes), "qualys request body");
            request = request.header(CONTENT_TYPE, body.content_type);
            if !body.bytes.is_empty() || call.method != Method::GET {
                request = request.body(body.bytes.clone());
            }
        }
        let mut response = request.send().await?;
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            let room = MAX_BODY_BYTES.saturating_sub(body.len());
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if room <= chunk.len() {
                break;
            }
        }
        Ok((Reply { status, body }, headers))
    }
}

/// A network error as the user reads it, with its causes (reqwest's own message is only
/// "error sending request").
/// `scheme://host:port` of a URL: what "unreachable" is remembered for.
fn host_key(url: &Url) -> String {
    format!(
        "{}://{}:{}",
        url.scheme(),
        url.host_str().unwrap_or_default(),
        url.port_or_known_default().unwrap_or_default()
    )
}

/// Whether a network error is an attempt that got no answer in time.
fn err_was_timeout(error: &Error) -> bool {
    matches!(error, Error::Transport { source, .. } if source.is_timeout())
}

fn transport_error(mut err: reqwest::Error, timeout: Duration) -> Error {
    if let Some(url) = err.url_mut() {
        // Base URLs are checked to hold no user info; this keeps it so whatever happens.
        let _ = url.set_username("");
        let _ = url.set_password(None);
    }
    let message = if err.is_timeout() {
        format!(
            "no answer within {}s ({})",
            timeout.as_secs_f32(),
            chain(&err)
        )
    } else {
        chain(&err)
    };
    Error::Transport {
        message,
        source: Arc::new(err),
    }
}

fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = cause.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_keeps_base_path() {
        let base = Url::parse("https://h.example/prefix/").unwrap();
        assert_eq!(
            join(&base, "/qps/rest/3.0/get/x/1").as_str(),
            "https://h.example/prefix/qps/rest/3.0/get/x/1"
        );
        let bare = Url::parse("http://127.0.0.1:9").unwrap();
        assert_eq!(join(&bare, "/a/b").as_str(), "http://127.0.0.1:9/a/b");
    }

    #[test]
    fn authorization_header_is_sensitive_and_not_in_debug() {
        let t = Transport::new(TransportSettings {
            username: "demo",
            password: "hunter2-secret",
            user_agent: "ua",
            insecure_skip_verify: false,
            max_concurrency: 2,
            request_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
            retry: RetryPolicy {
                max_retries: 3,
                base_delay: Duration::from_millis(100),
                max_delay: Duration::from_secs(1),
            },
        })
        .unwrap();
        assert!(t.shared.authorization.is_sensitive());
        assert!(!format!("{:?}", t.shared.authorization).contains("aHVudGVy"));
    }
}
