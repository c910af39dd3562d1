//! A delete Qualys answers "not found" is done only on two signals: that answer, in the API's
//! own words, and a read back that lacks the connector too. A 404 alone may come from
//! something between the provider and Qualys, and taking it as done would leave a connector in
//! Qualys that no state tracks. Written once for every API family.

use std::future::Future;

use super::error::Error;

/// `answer` (a delete's), with a "not found" kept only when `read_back` (a read of the same
/// connector) says "not found" as well; else [`Error::DeleteUnconfirmed`].
pub(crate) async fn confirmed<T, R>(
    what: &str,
    answer: Result<(), Error>,
    read_back: impl FnOnce() -> R,
) -> Result<(), Error>
where
    R: Future<Output = Result<T, Error>>,
{
    let gone = match answer {
        Err(e) if e.is_not_found() => e,
        other => return other,
    };
    let read_back = match read_back().await {
        Err(e) if e.is_not_found() => return Err(gone),
        Ok(_) => "reading it back finds it, so it was not deleted".to_owned(),
        Err(e) => format!("reading it back to confirm failed ({e})"),
    };
    Err(Error::DeleteUnconfirmed {
        what: what.to_owned(),
        read_back,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn not_found() -> Error {
        Error::NotFound {
            what: "connector 7".into(),
        }
    }

    #[tokio::test]
    async fn not_found_is_done_only_when_the_read_back_agrees() {
        let unread = || async { unreachable!("no read back after a done delete") };
        assert!(
            confirmed::<(), _>("connector 7", Ok(()), unread)
                .await
                .is_ok()
        );

        let gone = confirmed("connector 7", Err(not_found()), || async {
            Err::<(), _>(not_found())
        })
        .await;
        assert!(gone.is_err_and(|e| e.is_not_found()));

        let found = confirmed("connector 7", Err(not_found()), || async { Ok(()) })
            .await
            .unwrap_err();
        assert!(matches!(found, Error::DeleteUnconfirmed { .. }), "{found}");
        assert!(found.to_string().contains("finds it"), "{found}");

        let failed = confirmed("connector 7", Err(not_found()), || async {
            Err::<(), _>(Error::Stopped)
        })
        .await
        .unwrap_err();
        assert!(failed.to_string().contains("to confirm failed"), "{failed}");

        // Any other answer is the delete's own.
        let refused = confirmed::<(), _>("connector 7", Err(Error::Stopped), unread).await;
        assert!(matches!(refused, Err(Error::Stopped)));
    }
}
