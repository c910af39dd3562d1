//! A create is sent at most once per answer that cannot be trusted. Create is not idempotent:
//! a second send can make a second connector. So any answer to a create other than a decoded
//! success or a refusal Qualys sends before doing anything (its own 409 envelope, a 4xx with
//! its error body, a QPS error in a 200) means "maybe created": a lost answer (timeout,
//! dropped connection), a 429 or 5xx from Qualys or anything in between. The connector is
//! then looked up by name and AWS account (matched on ARN and external ID): one match is
//! adopted (and the caller warns that it was); none, after two looks, means the create may be
//! sent again, after the wait the answer asked for or the transport's backoff, within
//! `max_retries` and the operation's deadline.

use std::future::Future;
use std::time::Duration;

use tracing::warn;

use super::error::Error;
use super::http::{self, Deadline, Transport};

/// What one send of a create gave: the connector Qualys made, or an answer that does not
/// tell whether it made one.
pub(crate) enum Sent<T> {
    Done(T),
    MaybeDone(Error),
}

/// A created connector, and whether it was found by a lookup after an answer that could not
/// be trusted (that answer, for the warning the user gets).
#[derive(Debug)]
pub struct Created<T> {
    pub connector: T,
    pub adopted_after: Option<Error>,
}

/// Sends a create through `send` until Qualys answers it, looking the connector up through
/// `lookup` after every answer that may hide a create (see the module documentation).
pub(crate) async fn create_at_most_once<T, S, SF, L, LF>(
    transport: &Transport,
    deadline: Deadline,
    name: &str,
    send: S,
    lookup: L,
    id_of: fn(&T) -> String,
) -> Result<Created<T>, Error>
where
    S: Fn() -> SF,
    SF: Future<Output = Result<Sent<T>, Error>>,
    L: Fn(Deadline) -> LF,
    LF: Future<Output = Result<Vec<T>, Error>>,
{
    let mut sends: u32 = 0;
    loop {
        sends += 1;
        let cause = match send().await? {
            Sent::Done(connector) => {
                return Ok(Created {
                    connector,
                    adopted_after: None,
                });
            }
            Sent::MaybeDone(cause) => cause,
        };
        let found = recover_create(
            transport,
            recovery_deadline(deadline),
            name,
            cause.clone(),
            false,
            &lookup,
            id_of,
        )
        .await?;
        if let Some(connector) = found {
            return Ok(Created {
                connector,
                adopted_after: Some(cause),
            });
        }
        let wait = match &cause {
            Error::Throttled {
                retry_after: Some(wait),
                ..
            } => *wait,
            _ => transport.backoff(sends - 1),
        };
        if sends > transport.max_retries() || !deadline.allows(wait) {
            // Looked up after every send: nothing was made.
            return Err(cause);
        }
        warn!(name, error = %cause, sends, "the create was not carried out as far as Qualys shows; sending it again");
        transport.pause(wait).await?;
    }
}

/// What to do after a create whose outcome is unknown: look for what it may have made
/// (`lookup` returns the connectors matching the request) and adopt exactly one match;
/// `Ok(None)` when two looks found none. `keep_error_if_absent`: when nothing matches,
/// return `cause` itself (used when Qualys did answer 2xx, but unreadably: the create
/// happened, so it is not sent again).
///
/// A lookup that fails for a reason that may pass (5xx, throttling, a dropped connection,
/// an unreadable answer) is tried again after the transport's backoff until `deadline`
/// (the operation's, see [`recovery_deadline`]): giving up early would make the next apply
/// create a duplicate. Finding nothing is checked once more after a short pause, in case
/// Qualys was still committing the create.
pub(crate) async fn recover_create<T, F, Fut>(
    transport: &Transport,
    deadline: Deadline,
    name: &str,
    cause: Error,
    keep_error_if_absent: bool,
    lookup: F,
    id_of: fn(&T) -> String,
) -> Result<Option<T>, Error>
where
    F: Fn(Deadline) -> Fut,
    Fut: Future<Output = Result<Vec<T>, Error>>,
{
    const SECOND_LOOK_AFTER: Duration = Duration::from_secs(2);
    warn!(name, error = %cause, "create not confirmed; looking the connector up before anything else");
    let unconfirmed =
        |candidates: Vec<String>, lookup_error: Option<&Error>| Error::CreateUnconfirmed {
            name: name.to_owned(),
            cause: match lookup_error {
                Some(e) => format!("{cause}; the lookup that followed failed too: {e}"),
                None => cause.to_string(),
            },
            candidates,
        };
    let mut empty_looks = 0;
    let mut failed_looks = 0;
    loop {
        let wait = match lookup(deadline).await {
            Ok(mut matching) => match matching.len() {
                0 => {
                    empty_looks += 1;
                    if empty_looks >= 2 || !deadline.allows(SECOND_LOOK_AFTER) {
                        break;
                    }
                    SECOND_LOOK_AFTER
                }
                1 => {
                    let adopted = matching.remove(0);
                    warn!(name, id = %id_of(&adopted), "adopting the connector the unconfirmed create made");
                    return Ok(Some(adopted));
                }
                _ => return Err(unconfirmed(matching.iter().map(id_of).collect(), None)),
            },
            Err(e) if lookup_may_succeed_later(&e) => {
                let wait = transport.backoff(failed_looks);
                failed_looks += 1;
                if !deadline.allows(wait) {
                    return Err(unconfirmed(Vec::new(), Some(&e)));
                }
                warn!(name, error = %e, attempt = failed_looks, "lookup after an unconfirmed create failed; trying again");
                wait
            }
            Err(e) => return Err(unconfirmed(Vec::new(), Some(&e))),
        };
        if let Err(e) = transport.pause(wait).await {
            return Err(unconfirmed(Vec::new(), Some(&e)));
        }
    }
    if keep_error_if_absent {
        Err(cause)
    } else {
        Ok(None)
    }
}

/// Whether a failed lookup is worth repeating: the failure says nothing about the lookup
/// itself being wrong.
fn lookup_may_succeed_later(err: &Error) -> bool {
    match err {
        Error::Transport { .. } => !http::is_permanent_failure(err),
        Error::Api { .. } | Error::Throttled { .. } | Error::Decode { .. } => true,
        _ => false,
    }
}

/// Least time the lookups recovering a create get, even when the create used up the
/// operation's deadline.
const RECOVERY_LOOKUP_MIN: Duration = Duration::from_secs(60);

/// The deadline of the lookups recovering a create: the operation's, stretched to
/// [`RECOVERY_LOOKUP_MIN`] from now.
pub(crate) fn recovery_deadline(operation: Deadline) -> Deadline {
    operation.at_least(RECOVERY_LOOKUP_MIN)
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::qualys::http::{RetryPolicy, TransportSettings};

    fn fast_transport() -> Transport {
        Transport::new(TransportSettings {
            username: "demo",
            password: "pw",
            user_agent: "ua",
            insecure_skip_verify: false,
            max_concurrency: 1,
            request_timeout: Duration::from_secs(1),
            connect_timeout: Duration::from_secs(1),
            retry: RetryPolicy {
                max_retries: 1,
                base_delay: Duration::from_millis(10),
                max_delay: Duration::from_millis(40),
            },
        })
        .unwrap()
    }

    fn server_error() -> Error {
        Error::Api {
            status: 500,
            code: None,
            message: "lookup trouble".into(),
            resolution: None,
        }
    }

    /// Failed lookups are repeated with backoff until the deadline, not given up after one
    /// failure or a fixed number of tries; a final error is not repeated.
    #[tokio::test]
    async fn recovery_keeps_looking_until_the_deadline() {
        let transport = fast_transport();
        let looks = std::sync::atomic::AtomicU32::new(0);
        let lookup = |_| {
            looks.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async { Err::<Vec<String>, _>(server_error()) }
        };
        let started = Instant::now();
        let deadline = Deadline::after(Duration::from_millis(600));
        let err = recover_create(
            &transport,
            deadline,
            "n",
            Error::Stopped,
            false,
            lookup,
            |s| s.clone(),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(&err, Error::CreateUnconfirmed { cause, .. } if cause.contains("lookup trouble")),
            "{err}"
        );
        let elapsed = started.elapsed();
        assert!(elapsed >= Duration::from_millis(500), "{elapsed:?}");
        assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
        assert!(
            looks.load(std::sync::atomic::Ordering::SeqCst) >= 8,
            "{looks:?}"
        );

        // Failures, then the connector: adopted.
        let looks = std::sync::atomic::AtomicU32::new(0);
        let lookup = |_| {
            let n = looks.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async move {
                if n < 4 {
                    Err(server_error())
                } else {
                    Ok(vec!["2000001".to_string()])
                }
            }
        };
        let deadline = Deadline::after(Duration::from_secs(5));
        let adopted = recover_create(
            &transport,
            deadline,
            "n",
            Error::Stopped,
            false,
            lookup,
            |s| s.clone(),
        )
        .await
        .unwrap();
        assert_eq!(adopted.as_deref(), Some("2000001"));

        // A refusal is final.
        let looks = std::sync::atomic::AtomicU32::new(0);
        let lookup = |_| {
            looks.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async {
                Err::<Vec<String>, _>(Error::Unauthorized {
                    message: "no".into(),
                })
            }
        };
        let err = recover_create(
            &transport,
            deadline,
            "n",
            Error::Stopped,
            false,
            lookup,
            |s| s.clone(),
        )
        .await
        .unwrap_err();
        assert!(matches!(err, Error::CreateUnconfirmed { .. }), "{err}");
        assert_eq!(looks.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[test]
    fn recovery_gets_at_least_a_minute_past_a_spent_deadline() {
        let spent = recovery_deadline(Deadline::at(Instant::now()));
        assert!(spent.instant() >= Instant::now() + Duration::from_secs(59));
        let far = Instant::now() + Duration::from_secs(600);
        assert_eq!(recovery_deadline(Deadline::at(far)).instant(), far);
    }

    fn gateway_503() -> Error {
        Error::Throttled {
            api: "Connector (QPS)",
            status: 503,
            attempts: 1,
            retry_after: Some(Duration::from_millis(5)),
        }
    }

    /// A create answered 503 that Qualys carried out is adopted, never sent twice.
    #[tokio::test]
    async fn a_maybe_done_create_is_looked_up_and_adopted() {
        let transport = fast_transport();
        let sends = std::sync::atomic::AtomicU32::new(0);
        let send = || {
            sends.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async { Ok(Sent::MaybeDone(gateway_503())) }
        };
        let lookup = |_| async { Ok(vec!["2000001".to_string()]) };
        let created = create_at_most_once(
            &transport,
            Deadline::after(Duration::from_secs(5)),
            "n",
            send,
            lookup,
            |s: &String| s.clone(),
        )
        .await
        .unwrap();
        assert_eq!(created.connector, "2000001");
        assert!(matches!(
            created.adopted_after,
            Some(Error::Throttled { status: 503, .. })
        ));
        assert_eq!(sends.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    /// Nothing found after a maybe-done answer: sent again, within max_retries; a later
    /// success is the connector.
    #[tokio::test]
    async fn a_create_found_absent_is_sent_again_within_the_retries() {
        let transport = fast_transport();
        let sends = std::sync::atomic::AtomicU32::new(0);
        let looks = std::sync::atomic::AtomicU32::new(0);
        let send = || {
            let n = sends.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async move {
                Ok(if n == 0 {
                    Sent::MaybeDone(gateway_503())
                } else {
                    Sent::Done("2000002".to_string())
                })
            }
        };
        let lookup = |_| {
            looks.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async { Ok(Vec::new()) }
        };
        let created = create_at_most_once(
            &transport,
            Deadline::after(Duration::from_secs(10)),
            "n",
            send,
            lookup,
            |s: &String| s.clone(),
        )
        .await
        .unwrap();
        assert_eq!(created.connector, "2000002");
        assert!(created.adopted_after.is_none());
        assert_eq!(sends.load(std::sync::atomic::Ordering::SeqCst), 2);
        // Two looks (the second after a pause, in case Qualys was still committing).
        assert_eq!(looks.load(std::sync::atomic::Ordering::SeqCst), 2);

        // Always maybe-done and never found: 1 + max_retries sends, then the answer's error.
        let sends = std::sync::atomic::AtomicU32::new(0);
        let send = || {
            sends.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async { Ok(Sent::<String>::MaybeDone(gateway_503())) }
        };
        let err = create_at_most_once(
            &transport,
            Deadline::after(Duration::from_secs(20)),
            "n",
            send,
            |_| async { Ok(Vec::new()) },
            |s: &String| s.clone(),
        )
        .await
        .unwrap_err();
        assert!(matches!(err, Error::Throttled { status: 503, .. }), "{err}");
        assert_eq!(sends.load(std::sync::atomic::Ordering::SeqCst), 2);
    }
}
