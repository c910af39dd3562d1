//! Create: the checks before it, the create itself (the client adopts a connector whose
//! answer was lost), and the confirmation after it that settles a race with another run.

use std::time::{Duration, Instant};

use crate::connector::Api;
use crate::connector::expand::Desired;
use crate::connector::validators::parse_role_arn;
use crate::plugin::api::ApplyResponse;
use crate::plugin::diag::{Diagnostic, Diagnostics};
use crate::plugin::value::Value;
use crate::qualys::{self, Client};

use super::exists::{Found, check_absent};
use super::operation::{operation_error, timeout_of};
use super::state::{state_after_qps_write, state_from_cloudview, with_base_account};
use super::sync::finish;
use super::validate::china_unavailable;

/// Creates the connector, unless one with the same name already exists in the same AWS
/// account (see [`qualys::Client::find_existing`]): Terraform's state may have lost it, and a
/// second connector is worse than a failed apply. The state is the create answer (or the
/// connector the client adopted when the answer was lost) completed from the plan
/// ([`complete_after_write`]): no read of its own, so an apply of N creates costs N creates,
/// one listing or a search by name per check, and at most one base-account call.
pub(super) async fn create(
    client: &Client,
    desired: &Desired,
    planned: Value,
    found: &Found,
) -> ApplyResponse {
    // How many creates run at once tells the confirmations how many to gather.
    let under_way = client.begin_create();
    let started = Instant::now();
    let family = desired.api.family();
    if desired.arn.starts_with("arn:aws-cn:") {
        // One base-account call (kept for the process) tells what Qualys would refuse anyway,
        // in words that say what it requires; if it fails, Qualys decides at the create.
        if let Ok(accounts) = client.base_accounts().await
            && let Some(refusal) = china_unavailable(&planned, &accounts)
        {
            return ApplyResponse {
                new_state: Value::Null,
                diagnostics: refusal.into(),
                ..Default::default()
            };
        }
    }
    if let Err(refusal) = check_absent(client, desired, &planned, found).await {
        return ApplyResponse {
            new_state: Value::Null,
            diagnostics: refusal.into(),
            ..Default::default()
        };
    }
    let created = match desired.api.qps_version() {
        Some(version) => client
            .qps(version)
            .create_checked(&desired.qps_spec(None))
            .await
            .map(|c| {
                let state =
                    state_after_qps_write(&c.connector, desired.api, &planned, &Value::Null);
                (state, c.adopted_after)
            }),
        None => client
            .cloudview()
            .create_checked(&desired.cloudview_spec())
            .await
            .map(|c| {
                (
                    state_from_cloudview(&c.connector, &planned),
                    c.adopted_after,
                )
            }),
    };
    let created = match created {
        Ok((state, adopted_after)) => Ok((with_base_account(client, state).await, adopted_after)),
        Err(e) => Err(e),
    };
    match created {
        Ok((state, adopted_after)) => {
            tracing::info!(id = ?state.get("id"), api = desired.api.as_str(), "created connector");
            if let Some(id) = state.get("id").as_str() {
                client
                    .note_saved(family, id, &desired.name, &desired.arn)
                    .await;
            }
            drop(under_way);
            let race = match state.get("id").as_str() {
                Some(id) => settle_race(client, desired, id).await,
                None => Race::Alone,
            };
            let race_warning = match race {
                Race::Alone => None,
                Race::Unconfirmed(warning) => Some(warning),
                Race::Lost { deleted, error } => {
                    return ApplyResponse {
                        new_state: if deleted { Value::Null } else { state },
                        diagnostics: error.into(),
                        ..Default::default()
                    };
                }
            };
            // The create's answer was lost when the time ran out, and the connector was found
            // afterwards: it exists and is in the state, so this is no failure, but say so.
            let limit = timeout_of(&planned, "create");
            let mut diagnostics = if started.elapsed() > limit {
                Diagnostic::warning(
                    "Creating the Qualys connector took longer than timeouts.create",
                    format!(
                        "The create did not answer within {} (timeouts.create); the provider \
                         then found the connector Qualys had made, after {}, and saved it in \
                         the state.",
                        humantime::format_duration(limit),
                        humantime::format_duration(Duration::from_millis(
                            u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
                        ))
                    ),
                )
                .into()
            } else {
                Diagnostics::default()
            };
            if let Some(warning) = race_warning {
                diagnostics.push(warning);
            }
            if let Some(answer) = adopted_after {
                diagnostics.push(Diagnostic::warning(
                    "The create's answer could not be trusted; the connector it made was adopted",
                    format!(
                        "Qualys's create of connector {:?} was answered with: {answer}. Such an \
                         answer (from Qualys or from anything between it and the provider) does \
                         not say whether the create was carried out, so the provider looked \
                         before sending it again, found the connector ({}), and saved it in the \
                         state instead of creating a second one.",
                        desired.name,
                        state.get("id").as_str().unwrap_or("?"),
                    ),
                ));
            }
            finish(client, desired, state, None, &planned, diagnostics).await
        }
        // Qualys created the connector but did not describe it: its id must reach the state
        // (Terraform then marks it tainted, and the next plan reads it and replaces it).
        Err(e) if e.created_id().is_some() => {
            let id = e.created_id().unwrap_or_default().to_string();
            client
                .note_saved(family, &id, &desired.name, &desired.arn)
                .await;
            ApplyResponse {
                new_state: state_from_plan(&planned, desired.api, &id),
                diagnostics: Diagnostic::error(
                    "Qualys created the connector but its answer was incomplete",
                    format!(
                        "{e}. The connector's id ({id}) is saved in the state, so nothing is \
                         lost: the next plan reads the connector again and replaces it if it \
                         is still not what the configuration says."
                    ),
                )
                .into(),
                ..Default::default()
            }
        }
        // The client already looked for a create whose answer was lost (until the deadline,
        // stretched for the look-up): what reaches here was not found, or not sent.
        Err(e) => ApplyResponse {
            new_state: Value::Null,
            diagnostics: operation_error(
                "Could not create the Qualys connector",
                &e,
                "create",
                &planned,
            )
            .into(),
            ..Default::default()
        },
    }
}

/// How a create ended beside other runs.
enum Race {
    /// No other connector of that name and account stays beside this run's.
    Alone,
    /// The confirmation could not be made: a warning, the connector stays.
    Unconfirmed(Diagnostic),
    /// Another run's connector of the same name stays: this run's was deleted (`deleted`; if
    /// the delete failed, it stays in the state) and the apply fails naming the other.
    Lost { deleted: bool, error: Diagnostic },
}

/// The least a run whose CloudView connector ranks first waits before it looks again: long
/// enough for the runs that saw it to delete their own (see [`settle_race`]).
const RACE_RECHECK: Duration = Duration::from_secs(3);

/// How connectors of one name rank, the first one staying: every run ranks them the same way
/// from the listing alone. QPS ids by number, which is also their order of creation;
/// CloudView's UUIDs, which say nothing about order, as text.
fn rank(family: qualys::Family, a: &str, b: &str) -> std::cmp::Ordering {
    match (family, a.parse::<u64>(), b.parse::<u64>()) {
        (qualys::Family::Qps(_), Ok(a), Ok(b)) => a.cmp(&b),
        _ => a.cmp(b),
    }
}

fn ranks_before(family: qualys::Family, a: &str, b: &str) -> bool {
    rank(family, a, b).is_lt()
}

/// After a create: runs that checked before any of them created all create. So each looks
/// again (a fresh listing, batched with the other creates' confirmations) for other
/// connectors of the same name and account, and every run decides by one rule: the connector
/// that ranks first ([`rank`]) stays, every other is deleted by the run that made it,
/// which fails naming the one that stays. A run whose connector ranks first never deletes it
/// on account of one ranking later, whatever the number of runs, except in one case:
/// CloudView's UUIDs can make a connector created after another run already kept its own
/// (seeing it alone) rank first. So such a run looks again after [`RACE_RECHECK`] (or three
/// times as long as its first look took): a connector there both times was kept by its run,
/// since the runs that saw this one had the time to delete theirs; this run then yields.
async fn settle_race(client: &Client, desired: &Desired, own_id: &str) -> Race {
    let family = desired.api.family();
    let account = parse_role_arn(&desired.arn).ok().map(|r| r.account_id);
    let look = || client.others_named(family, &desired.name, account, own_id);
    let started = Instant::now();
    let others = match look().await {
        Ok(others) if others.is_empty() => return Race::Alone,
        Ok(others) => others,
        Err(e) => {
            return Race::Unconfirmed(Diagnostic::warning(
                "Could not confirm that no other run created the same connector",
                format!(
                    "Connector {:?} ({}:{own_id}) is created and saved in the state. Looking \
                     again for another connector of that name, which a pipeline applying the \
                     same configuration at the same time could have made, failed: {e}.",
                    desired.name,
                    desired.api.as_str()
                ),
            ));
        }
    };
    let recheck = RACE_RECHECK.max(started.elapsed() * 3);
    let cloudview = family == qualys::Family::CloudView;
    if !others.iter().any(|o| ranks_before(family, &o.id, own_id)) {
        // QPS ids grow with every create: a connector made later ranks later, and its run,
        // which sees this one, deletes it.
        if !cloudview {
            return Race::Alone;
        }
        tokio::time::sleep(recheck).await;
        let Ok(again) = look().await else {
            return Race::Alone;
        };
        if !again.iter().any(|o| others.iter().any(|b| b.id == o.id)) {
            return Race::Alone;
        }
    }
    // A CloudView connector that ranks first may still yield (above) to one its run saw
    // kept: the error waits that long at most for one connector to be left.
    let patience = cloudview.then(|| started + recheck * 3 + RACE_RECHECK);
    yield_to_the_first(client, desired, own_id, &others, patience).await
}

/// This run's connector does not stay: it is deleted, and the error names the connector that
/// stays ([`the_one_that_stays`]), so that the import it gives works.
async fn yield_to_the_first(
    client: &Client,
    desired: &Desired,
    own_id: &str,
    seen: &[qualys::Existing],
    patience: Option<Instant>,
) -> Race {
    let family = desired.api.family();
    let api = desired.api.as_str();
    let deleted = match desired.api.qps_version() {
        Some(version) => match own_id.parse::<u64>() {
            Ok(n) => client.qps(version).delete(n).await,
            Err(_) => Ok(()),
        },
        None => client.cloudview().delete(own_id).await,
    };
    let (deleted, what) = match deleted {
        Ok(()) => {
            client.note_deleted(family, own_id).await;
            (
                true,
                format!("this run's connector ({api}:{own_id}) was deleted"),
            )
        }
        Err(e) => (
            false,
            format!(
                "deleting this run's connector ({api}:{own_id}) failed ({e}): it stays in the \
                 state; destroy it, or remove it from the state and delete it in Qualys"
            ),
        ),
    };
    let stays = match the_one_that_stays(client, desired, own_id, seen, patience).await {
        Ok(Some(id)) => format!(
            "{api}:{id} stays. To manage it with this resource, import it, where ADDRESS is \
             this resource's address:\n\n  terraform import 'ADDRESS' {api}:{id}\n\nor, with \
             Terraform 1.5 or later, add an import block and apply:\n\n  import {{\n    to = \
             ADDRESS\n    id = \"{api}:{id}\"\n  }}"
        ),
        Ok(None) => "Looking again after the delete, Qualys lists no other connector of \
                          that name any more (its run deleted it too): apply again to create \
                          it."
        .to_string(),
        Err(e) => format!(
            "Looking again after the delete, to name the connector that stays, failed ({e}): \
             look for it in Qualys, then import it."
        ),
    };
    Race::Lost {
        deleted,
        error: Diagnostic::error(
            format!(
                "Another run created Qualys connector {:?} at the same time",
                desired.name
            ),
            format!(
                "Runs applying at the same time each created a connector named {:?} in this \
                 AWS account. Every run keeps the one whose id ranks first, so that only one \
                 remains: {what}. {stays}",
                desired.name
            ),
        ),
    }
}

/// The id of the connector that stays, after this run deleted its own. On QPS, the
/// first-ranked listed: the first made, which never yields. On CloudView, a connector made
/// later may still rank first for a while and then yield, so it looks again until one
/// connector of the name is left and stays so for [`RACE_RECHECK`], or `patience` ends: then
/// the first-ranked of those `seen` at the first look that are still listed (their runs kept
/// them), else of all listed.
async fn the_one_that_stays(
    client: &Client,
    desired: &Desired,
    own_id: &str,
    seen: &[qualys::Existing],
    patience: Option<Instant>,
) -> Result<Option<String>, qualys::Error> {
    let family = desired.api.family();
    let account = parse_role_arn(&desired.arn).ok().map(|r| r.account_id);
    let first_of = |candidates: Vec<&qualys::Existing>| {
        candidates
            .into_iter()
            .min_by(|a, b| rank(family, &a.id, &b.id))
            .map(|e| e.id.clone())
    };
    // The one connector left, and since when: a run that made it may not have looked yet,
    // so it counts once it stayed alone for a recheck's time.
    let mut alone: Option<(String, Instant)> = None;
    loop {
        let now = client
            .others_named(family, &desired.name, account, own_id)
            .await?;
        if let [only] = &now[..] {
            match &alone {
                Some((id, _)) if *id == only.id => {}
                _ => alone = Some((only.id.clone(), Instant::now())),
            }
        } else {
            alone = None;
        }
        let settled = alone
            .as_ref()
            .is_some_and(|(_, since)| since.elapsed() >= RACE_RECHECK);
        if !settled && patience.is_some_and(|end| Instant::now() < end) {
            tokio::time::sleep(RACE_RECHECK / 3).await;
            continue;
        }
        let kept = now
            .iter()
            .filter(|e| seen.iter().any(|s| s.id == e.id))
            .collect();
        return Ok(first_of(kept).or_else(|| first_of(now.iter().collect())));
    }
}

/// The planned state with the id of a created connector and every value Qualys did not report
/// (the planned unknowns) null.
pub(super) fn state_from_plan(planned: &Value, api: Api, id: &str) -> Value {
    let mut state = planned.clone();
    if let Value::Object(fields) = &mut state {
        for value in fields.values_mut() {
            if value.is_unknown() {
                *value = Value::Null;
            }
        }
    }
    state.set("id", Value::string(id));
    if api == Api::CloudView {
        state.set("cloudview_uuid", Value::string(id));
    }
    state
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qualys::{Family, QpsVersion};

    #[test]
    fn qps_ids_rank_by_number_which_is_their_order_of_creation() {
        let qps = Family::Qps(QpsVersion::V3);
        assert!(ranks_before(qps, "9", "10"));
        assert!(!ranks_before(qps, "10", "9"));
        assert!(!ranks_before(qps, "10", "10"));
    }

    #[test]
    fn cloudview_uuids_compare_the_same_way_in_every_run() {
        let (a, b) = (
            "0a8c7f36-0000-4000-8000-000000000000",
            "9b1d2e47-0000-4000-8000-000000000000",
        );
        assert!(ranks_before(Family::CloudView, a, b));
        assert!(!ranks_before(Family::CloudView, b, a));
    }

    #[test]
    fn a_created_connectors_state_is_the_plan_with_its_id_and_the_unknowns_null() {
        let planned = Value::object([
            ("id", Value::Unknown),
            ("name", Value::string("c1")),
            ("state", Value::Unknown),
            ("cloudview_uuid", Value::Unknown),
        ]);
        let state = state_from_plan(&planned, Api::V3, "2064449");
        assert_eq!(state.get("id"), &Value::string("2064449"));
        assert_eq!(state.get("name"), &Value::string("c1"));
        assert_eq!(state.get("state"), &Value::Null);
        assert_eq!(state.get("cloudview_uuid"), &Value::Null);

        let uuid = "8889b18b-6f92-43d3-8afd-6d9d144177e8";
        let state = state_from_plan(&planned, Api::CloudView, uuid);
        assert_eq!(state.get("cloudview_uuid"), &Value::string(uuid));
        assert!(state.is_wholly_known());
    }
}
