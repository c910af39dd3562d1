//! A create is sent at most once per maybe-done answer. Create is not idempotent (a second send
//! can make a second connector), so any answer other than a decoded success or a refusal
//! Qualys sends before doing anything is "maybe done" (see [`http`](super::http)): the
//! connector is looked up by name and AWS account (matched on ARN and external ID) and one
//! match is adopted; none, after two looks, means the create is sent again, within
//! `max_retries` and the operation's deadline. Written once for every [`ConnectorApi`].

use std::future::Future;
use std::time::Duration;

use tracing::warn;

use super::api::{ConnectorApi, Sent};
use super::error::Error;
use super::http::{self, Transport};
use super::retry::Deadline;

/// A created connector, and whether it was found by a lookup after a maybe-done answer (that
/// answer, for the warning the user gets).
#[derive(Debug)]
pub struct Created<T> {
    pub connector: T,
    pub adopted_after: Option<Error>,
}

/// Creates a connector through `api`, looking it up after every maybe-done answer.
pub(crate) async fn create<A: ConnectorApi>(
    api: &A,
    spec: &A::Spec,
) -> Result<Created<A::Connector>, Error> {
    let client = api.client();
    let deadline = client.deadline();
    let recovery = Recovery {
        transport: client.transport(),
        name: A::spec_identity(spec).name.unwrap_or_default(),
        lookup: |deadline| lookup_created(api, spec, deadline),
        id_of: |c: &A::Connector| A::id(c).to_string(),
        check: |c: &A::Connector| api.require_identity(c, "adopted connector", true),
    };
    recovery
        .create_at_most_once(deadline, || api.send_create(spec, deadline))
        .await
}

/// The connectors a create of `spec` may have made: same name and AWS account, and ARN and
/// external ID where reported.
async fn lookup_created<A: ConnectorApi>(
    api: &A,
    spec: &A::Spec,
    deadline: Deadline,
) -> Result<Vec<A::Connector>, Error> {
    let sent = A::spec_identity(spec);
    let name = sent.name.unwrap_or_default();
    let found = api.search_by_name(name, sent.account(), deadline).await?;
    Ok(found
        .into_iter()
        .filter(|c| {
            let have = A::identity(c);
            have.arn.is_none_or(|arn| Some(arn) == sent.arn)
                && have.external_id.is_none_or(|x| Some(x) == sent.external_id)
        })
        .collect())
}

/// How to find what a maybe-done create made.
pub(crate) struct Recovery<'a, T, L, C> {
    pub(crate) transport: &'a Transport,
    /// The name the create sent.
    pub(crate) name: &'a str,
    /// The connectors the create may have made, as Qualys lists them by the given deadline.
    pub(crate) lookup: L,
    pub(crate) id_of: fn(&T) -> String,
    /// What an adopted connector must have (its identity fields).
    pub(crate) check: C,
}

impl<T, L, LF, C> Recovery<'_, T, L, C>
where
    L: Fn(Deadline) -> LF,
    LF: Future<Output = Result<Vec<T>, Error>>,
    C: Fn(&T) -> Result<(), Error>,
{
    /// Sends a create through `send` until Qualys answers it, looking the connector up after
    /// every maybe-done answer (see the module documentation).
    pub(crate) async fn create_at_most_once<S, SF>(
        &self,
        deadline: Deadline,
        send: S,
    ) -> Result<Created<T>, Error>
    where
        S: Fn() -> SF,
        SF: Future<Output = Result<Sent<T>, Error>>,
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
                Sent::Unreadable(cause) => {
                    let connector = self
                        .recover(recovery_deadline(deadline), cause.clone(), true)
                        .await?
                        .ok_or(cause)?;
                    return Ok(Created {
                        connector,
                        adopted_after: None,
                    });
                }
                Sent::MaybeDone(cause) => cause,
            };
            let found = self
                .recover(recovery_deadline(deadline), cause.clone(), false)
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
                _ => self.transport.backoff(sends - 1),
            };
            if sends > self.transport.max_retries() || !deadline.allows(wait) {
                // Looked up after every send: nothing was made.
                return Err(cause);
            }
            let name = self.name;
            warn!(name, error = %cause, sends, "the maybe-done create made nothing as far as Qualys shows; sending it again");
            self.transport.pause(wait).await?;
        }
    }

    /// Looks for what a maybe-done create made and adopts exactly one match (checked with
    /// `check`); `Ok(None)` when two looks found none. `keep_error_if_absent`: when nothing
    /// matches, return `cause` itself (Qualys answered 2xx: the create is not sent again).
    ///
    /// A lookup that fails for a reason that may pass (5xx, throttling, a dropped connection,
    /// an unreadable answer) is tried again after the transport's backoff, or the wait Qualys
    /// asked for if longer, until `deadline`: giving up early would make the next apply create
    /// a duplicate, but a wait past the deadline ends the lookups at once. Finding nothing is
    /// checked once more after a short pause, in case Qualys was still committing the create.
    pub(crate) async fn recover(
        &self,
        deadline: Deadline,
        cause: Error,
        keep_error_if_absent: bool,
    ) -> Result<Option<T>, Error> {
        const SECOND_LOOK_AFTER: Duration = Duration::from_secs(2);
        let name = self.name;
        warn!(name, error = %cause, "create maybe done; looking the connector up before anything else");
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
            let wait = match (self.lookup)(deadline).await {
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
                        warn!(name, id = %(self.id_of)(&adopted), "adopting the connector the maybe-done create made");
                        (self.check)(&adopted)?;
                        return Ok(Some(adopted));
                    }
                    _ => {
                        let ids = matching.iter().map(self.id_of).collect();
                        return Err(unconfirmed(ids, None));
                    }
                },
                Err(e) if lookup_may_succeed_later(&e) => {
                    // A lookup is a throttled call too: Qualys's wait is honoured, and one
                    // past the deadline (a spent hourly budget) ends the lookups at once.
                    let wait = self.transport.backoff(failed_looks).max(wait_asked(&e));
                    failed_looks += 1;
                    if !deadline.allows(wait) {
                        return Err(unconfirmed(Vec::new(), Some(&e)));
                    }
                    warn!(name, error = %e, attempt = failed_looks, "lookup after a maybe-done create failed; trying again");
                    wait
                }
                Err(e) => return Err(unconfirmed(Vec::new(), Some(&e))),
            };
            if let Err(e) = self.transport.pause(wait).await {
                return Err(unconfirmed(Vec::new(), Some(&e)));
            }
        }
        if keep_error_if_absent {
            Err(cause)
        } else {
            Ok(None)
        }
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

/// The wait a throttled answer asked for; none for any other failure.
fn wait_asked(err: &Error) -> Duration {
    match err {
        Error::Throttled {
            retry_after: Some(wait),
            ..
        } => *wait,
        _ => Duration::ZERO,
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
    use crate::qualys::http::TransportSettings;
    use crate::qualys::retry::RetryPolicy;

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

    type Lookup<'a, F> = Recovery<'a, String, F, fn(&String) -> Result<(), Error>>;

    fn recovery<F>(transport: &Transport, lookup: F) -> Lookup<'_, F> {
        Recovery {
            transport,
            name: "n",
            lookup,
            id_of: |s| s.clone(),
            check: |_| Ok(()),
        }
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
        let err = recovery(&transport, lookup)
            .recover(deadline, Error::Stopped, false)
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
        let adopted = recovery(&transport, lookup)
            .recover(deadline, Error::Stopped, false)
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
        let err = recovery(&transport, lookup)
            .recover(deadline, Error::Stopped, false)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::CreateUnconfirmed { .. }), "{err}");
        assert_eq!(looks.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    /// A lookup refused for a spent hourly budget is not repeated until the deadline: the
    /// lookups end at once, with Qualys's wait in the error.
    #[tokio::test]
    async fn a_spent_budget_ends_the_lookups_at_once() {
        let transport = fast_transport();
        let looks = std::sync::atomic::AtomicU32::new(0);
        let lookup = |_| {
            looks.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async {
                Err::<Vec<String>, _>(Error::Throttled {
                    api: "CloudView",
                    status: 429,
                    attempts: 1,
                    retry_after: Some(Duration::from_secs(3600)),
                })
            }
        };
        let started = Instant::now();
        let err = recovery(&transport, lookup)
            .recover(
                Deadline::after(Duration::from_secs(60)),
                server_error(),
                false,
            )
            .await
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(1), "{err}");
        assert_eq!(looks.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(err.to_string().contains("in an hour are used up"), "{err}");
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
        let created = recovery(&transport, lookup)
            .create_at_most_once(Deadline::after(Duration::from_secs(5)), send)
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
        let created = recovery(&transport, lookup)
            .create_at_most_once(Deadline::after(Duration::from_secs(10)), send)
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
        let err = recovery(&transport, |_| async { Ok(Vec::new()) })
            .create_at_most_once(Deadline::after(Duration::from_secs(20)), send)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Throttled { status: 503, .. }), "{err}");
        assert_eq!(sends.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    /// A 2xx create whose answer cannot be read happened: the connector is looked up and
    /// adopted, and when nothing is found the answer's error is returned, never a second send.
    #[tokio::test]
    async fn an_unreadable_create_is_looked_up_never_sent_again() {
        let transport = fast_transport();
        let unreadable = || Error::Decode {
            context: "create".into(),
            reason: "garbled".into(),
            excerpt: String::new(),
        };
        let sends = std::sync::atomic::AtomicU32::new(0);
        let send = || {
            sends.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async { Ok(Sent::Unreadable(unreadable())) }
        };
        let lookup = |_| async { Ok(vec!["2000003".to_string()]) };
        let created = recovery(&transport, lookup)
            .create_at_most_once(Deadline::after(Duration::from_secs(5)), send)
            .await
            .unwrap();
        assert_eq!(created.connector, "2000003");
        assert!(created.adopted_after.is_none());
        assert_eq!(sends.load(std::sync::atomic::Ordering::SeqCst), 1);

        let sends = std::sync::atomic::AtomicU32::new(0);
        let send = || {
            sends.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async { Ok(Sent::<String>::Unreadable(unreadable())) }
        };
        let err = recovery(&transport, |_| async { Ok(Vec::new()) })
            .create_at_most_once(Deadline::after(Duration::from_secs(5)), send)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err}");
        assert_eq!(sends.load(std::sync::atomic::Ordering::SeqCst), 1);
    }
}
