//! Delete: a connector Qualys no longer finds (its own "not found", confirmed by a read back)
//! is already gone, which is no failure; on any other failure the resource stays in the state.

use crate::connector::{Api, api_of};
use crate::plugin::api::ApplyResponse;
use crate::plugin::diag::Diagnostic;
use crate::plugin::value::Value;
use crate::qualys::{self, Client};

use super::operation::{operation_error, parse_qps_id};

/// Deletes the connector of the `prior` state; on failure the prior state stays.
pub(super) async fn delete(client: &Client, prior: Value) -> ApplyResponse {
    let id = prior.get("id").as_str().unwrap_or_default().to_string();
    let api = api_of(&prior);
    let result = match api.and_then(Api::qps_version) {
        Some(version) => match parse_qps_id(&id) {
            Ok(n) => client.qps(version).delete(n).await,
            Err(d) => {
                return ApplyResponse {
                    new_state: prior,
                    diagnostics: d.into(),
                    ..Default::default()
                };
            }
        },
        None => client.cloudview().delete(&id).await,
    };
    if let (true, Some(api)) = (is_gone(&result), api) {
        client.note_deleted(api.family(), &id).await;
    }
    match result {
        Ok(()) => ApplyResponse::default(),
        Err(e) if e.is_not_found() => {
            tracing::info!(id = %id, "connector was already gone");
            ApplyResponse::default()
        }
        Err(e) => ApplyResponse {
            diagnostics: kept_in_state(operation_error(
                "Could not delete the Qualys connector",
                &e,
                "delete",
                &prior,
            ))
            .into(),
            new_state: prior,
            ..Default::default()
        },
    }
}

/// A failed delete's diagnostic, saying that the resource stays in the state.
fn kept_in_state(mut diagnostic: Diagnostic) -> Diagnostic {
    diagnostic.detail.push_str(
        "\n\nThe connector stays in the Terraform state, since it may still exist in Qualys; \
         destroy again once the cause is fixed.",
    );
    diagnostic
}

/// Whether a delete leaves no connector behind: done, or Qualys no longer finds it.
fn is_gone(result: &Result<(), qualys::Error>) -> bool {
    match result {
        Ok(()) => true,
        Err(e) => e.is_not_found(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connector_qualys_no_longer_finds_is_gone() {
        assert!(is_gone(&Ok(())));
        assert!(is_gone(&Err(qualys::Error::NotFound {
            what: "QPS connector 42".into()
        })));
        assert!(!is_gone(&Err(qualys::Error::WrongApi {
            message: "made by CloudView".into()
        })));
    }
}
