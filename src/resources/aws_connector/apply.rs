//! ApplyResourceChange: create (after the existence check), update and delete.

use std::time::Instant;

use crate::plugin::api::{ApplyRequest, ApplyResponse, PlanRequest, PlanResponse};
use crate::plugin::diag::{Diagnostic, Diagnostics};
use crate::plugin::value::Value;
use crate::qualys::{self, Client, cloudview, qps};

use super::*;
use crate::resources::validators::{parse_role_arn, validate_polling_frequency};

/// The planned configuration, wholly known.
pub(super) struct Desired {
    api: Api,
    name: String,
    description: String,
    arn: String,
    external_id: String,
    is_gov_cloud: bool,
    is_china_region: bool,
    is_portal_connector: bool,
    polling_minutes: u32,
    all_regions: bool,
    cspm_regions: Option<Vec<String>>,
    inventory_regions: Option<Vec<String>>,
    disabled: bool,
    remediation_enabled: bool,
    connector_apps: Option<Vec<String>>,
    activation_modules: Option<Vec<String>>,
    default_tag_ids: Option<Vec<u64>>,
}

pub(super) fn sorted_strings(v: &Value) -> Option<Vec<String>> {
    v.elements().map(|items| {
        let mut out: Vec<String> = items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        out.sort();
        out
    })
}

impl Desired {
    fn from_planned(planned: &Value) -> Result<Desired, Diagnostic> {
        let text = |name: &str| planned.get(name).as_str().unwrap_or_default().to_string();
        let flag = |name: &str| planned.get(name).as_bool().unwrap_or(false);
        let api = api_of(planned).ok_or_else(|| {
            Diagnostic::error("Provider bug: no api in the plan", "Please report this.")
        })?;
        let pf = planned.get("polling_frequency");
        let polling_minutes = match (pf.get("hours").as_i64(), pf.get("minutes").as_i64()) {
            (Some(h), Some(m)) => validate_polling_frequency(h, m)
                .map_err(|why| error_at("polling_frequency", "Invalid polling_frequency", why))?,
            _ => DEFAULT_POLLING_MINUTES,
        };
        Ok(Desired {
            api,
            name: text("name"),
            description: text("description"),
            arn: text("arn"),
            external_id: text("external_id"),
            is_gov_cloud: flag("is_gov_cloud"),
            is_china_region: flag("is_china_region"),
            is_portal_connector: flag("is_portal_connector"),
            polling_minutes,
            all_regions: planned.get("all_regions").as_bool().unwrap_or(true),
            cspm_regions: sorted_strings(planned.get("cspm_regions")),
            inventory_regions: sorted_strings(planned.get("inventory_regions")),
            disabled: flag("disabled"),
            remediation_enabled: flag("remediation_enabled"),
            connector_apps: sorted_strings(planned.get("connector_apps")),
            activation_modules: sorted_strings(planned.get("activation_modules")),
            default_tag_ids: planned.get("default_tag_ids").elements().map(|ids| {
                ids.iter()
                    .filter_map(|v| v.as_i64())
                    .filter_map(|n| u64::try_from(n).ok())
                    .collect()
            }),
        })
    }

    /// The QPS request; `prior` (for updates) says which region lists must be cleared.
    fn qps_spec(&self, prior: Option<&Value>) -> qps::ConnectorSpec {
        let had = |name: &str| {
            prior.is_some_and(|p| p.get(name).elements().is_some_and(|e| !e.is_empty()))
        };
        let (cspm_regions, endpoints) = if self.all_regions {
            (None, None)
        } else {
            (
                self.cspm_regions
                    .clone()
                    .or_else(|| had("cspm_regions").then(Vec::new)),
                self.inventory_regions
                    .clone()
                    .or_else(|| had("inventory_regions").then(Vec::new)),
            )
        };
        qps::ConnectorSpec {
            name: self.name.clone(),
            description: Some(self.description.clone()),
            arn: self.arn.clone(),
            external_id: self.external_id.clone(),
            is_gov_cloud: Some(self.is_gov_cloud),
            all_regions: Some(self.all_regions),
            cspm_regions,
            endpoints,
            disabled: Some(self.disabled),
            run_frequency: Some(self.polling_minutes),
            is_remediation_enabled: Some(self.remediation_enabled),
            connector_apps: self.connector_apps.clone(),
            activation_modules: self.activation_modules.clone(),
            default_tag_ids: self.default_tag_ids.clone(),
        }
    }

    fn cloudview_spec(&self) -> cloudview::ConnectorSpec {
        cloudview::ConnectorSpec {
            name: self.name.clone(),
            description: Some(self.description.clone()),
            arn: self.arn.clone(),
            external_id: self.external_id.clone(),
            is_gov_cloud: self.is_gov_cloud,
            is_china_region: self.is_china_region,
            is_portal_connector: self.is_portal_connector,
            polling_frequency: Some(cloudview::PollingFrequency {
                hours: self.polling_minutes / 60,
                minutes: self.polling_minutes % 60,
            }),
            remediation_enabled: Some(self.remediation_enabled),
        }
    }
}

pub(super) fn api_error(summary: &str, e: &qualys::Error) -> Diagnostic {
    Diagnostic::error(summary, format!("{e}."))
}

/// After Qualys saved the connector: CloudView's enable/disable, then the sync verdict when
/// `wait_for_sync` asks for one. `prior` is None for a create.
async fn finish(
    client: &Client,
    desired: &Desired,
    state: Value,
    prior: Option<&Value>,
    planned: &Value,
    diagnostics: Diagnostics,
) -> ApplyResponse {
    let mut response = settle_and_sync(client, desired, state, prior, planned, diagnostics).await;
    keep_planned_reports(&mut response.new_state, planned);
    response
}

/// What only Qualys reports and the plan kept as it was (the change does not make Qualys sync
/// again) stays as planned: Terraform requires the planned values back, and the next refresh
/// reads what Qualys says.
fn keep_planned_reports(state: &mut Value, planned: &Value) {
    if state.is_null() {
        return;
    }
    for name in SYNC_REPORTS {
        let value = planned.get(name);
        if !value.is_unknown() {
            state.set(name, value.clone());
        }
    }
}

async fn settle_and_sync(
    client: &Client,
    desired: &Desired,
    state: Value,
    prior: Option<&Value>,
    planned: &Value,
    mut diagnostics: Diagnostics,
) -> ApplyResponse {
    let settled = match settle_disabled(client, state, desired.disabled, planned).await {
        Ok(state) => state,
        Err((state, d)) => {
            diagnostics.push(d);
            return ApplyResponse {
                new_state: state,
                diagnostics,
                ..Default::default()
            };
        }
    };
    if !needs_sync(prior, planned) {
        return ApplyResponse {
            new_state: settled,
            diagnostics,
            ..Default::default()
        };
    }
    match await_sync(client, settled, planned).await {
        Ok(state) => ApplyResponse {
            new_state: state,
            diagnostics,
            ..Default::default()
        },
        Err((state, d)) => {
            diagnostics.push(d);
            ApplyResponse {
                new_state: state,
                diagnostics,
                ..Default::default()
            }
        }
    }
}

/// The client bounded by the resource's `timeouts.<operation>` (default 20 minutes).
pub(super) fn bounded(client: &Client, state: &Value, operation: &str) -> Client {
    client.with_deadline(Instant::now() + timeout_of(state, operation))
}

pub(super) fn timeout_of(state: &Value, operation: &str) -> Duration {
    parse_timeout(state.get("timeouts").get(operation))
        .and_then(Result::ok)
        .unwrap_or(OPERATION_TIMEOUT)
}

/// An API error as a diagnostic; a timeout says which `timeouts` field bounded it.
fn operation_error(summary: &str, e: &qualys::Error, operation: &str, state: &Value) -> Diagnostic {
    match e {
        qualys::Error::Timeout(_) => Diagnostic::error(
            summary,
            format!(
                "The {operation} did not finish within {} (timeouts.{operation}): {e}. Raise \
                 timeouts.{operation} if Qualys is slow or throttling.",
                humantime::format_duration(timeout_of(state, operation))
            ),
        ),
        _ if matches!(operation, "create" | "update") && !unlisted_codes(state).is_empty() => {
            Diagnostic::error(
                summary,
                format!(
                    "{e}.\n\nThe configuration names {} in its regions, which this provider's \
                     supported list does not include (the plan warned): Qualys decides, and \
                     if the refusal above is about a region, Qualys does not support it for \
                     this connector yet. Remove it from cspm_regions and inventory_regions, or \
                     ask Qualys support. Nothing was changed in Qualys.",
                    unlisted_codes(state)
                        .iter()
                        .map(|c| format!("{c:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        }
        _ => api_error(summary, e),
    }
}

pub async fn apply(client: &Client, request: ApplyRequest) -> ApplyResponse {
    let mut response = apply_change(client, request).await;
    // Derived from what the state ends up saying, however Qualys's answer filled it in.
    if matches!(response.new_state, Value::Object(_)) {
        let principal = planned_trust_principal(&response.new_state);
        if principal.is_wholly_known() {
            response.new_state.set("trust_principal", principal);
        }
    }
    response
}

async fn apply_change(client: &Client, request: ApplyRequest) -> ApplyResponse {
    if request.planned_state.is_null() {
        let client = bounded(client, &request.prior_state, "delete");
        return delete(&client, request.prior_state).await;
    }
    let desired = match Desired::from_planned(&request.planned_state) {
        Ok(d) => d,
        Err(d) => {
            return ApplyResponse {
                new_state: request.prior_state,
                diagnostics: d.into(),
                ..Default::default()
            };
        }
    };
    if request.prior_state.is_null() {
        let client = bounded(client, &request.planned_state, "create");
        create(&client, &desired, request.planned_state).await
    } else if !differs_beyond_state(&request.planned_state, &request.prior_state) {
        // Nothing Qualys holds changed (`timeouts`, `wait_for_sync`, or a sync to check again
        // after a failed one): nothing to send but, with `wait_for_sync`, the sync.
        let client = bounded(client, &request.planned_state, "update");
        let mut state = request.prior_state.clone();
        for name in ["timeouts", "wait_for_sync"] {
            state.set(name, request.planned_state.get(name).clone());
        }
        if !needs_sync(Some(&request.prior_state), &request.planned_state) {
            return ApplyResponse {
                new_state: request.planned_state,
                ..Default::default()
            };
        }
        match await_sync(&client, state, &request.planned_state).await {
            Ok(state) => ApplyResponse {
                new_state: state,
                ..Default::default()
            },
            Err((state, d)) => ApplyResponse {
                new_state: state,
                diagnostics: d.into(),
                ..Default::default()
            },
        }
    } else {
        let client = bounded(client, &request.planned_state, "update");
        update(
            &client,
            &desired,
            request.prior_state,
            request.planned_state,
        )
        .await
    }
}

/// Creates the connector, unless one with the same name already exists in the same AWS
/// account (see [`qualys::Client::find_existing`]): Terraform's state may have lost it, and a
/// second connector is worse than a failed apply. The state is the create answer (or the
/// connector the client adopted when the answer was lost) completed from the plan
/// ([`complete_after_write`]): no read of its own, so an apply of N creates costs N creates,
/// one listing or a search by name per check, and at most one base-account call.
pub(super) async fn create(client: &Client, desired: &Desired, planned: Value) -> ApplyResponse {
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
    if let Err(refusal) = check_absent(client, desired, &planned).await {
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

/// The connectors a create of `desired` would duplicate: same name, in the role's AWS account
/// (see [`qualys::Client::find_existing`]).
async fn existing(
    client: &Client,
    desired: &Desired,
) -> Result<Vec<qualys::Existing>, qualys::Error> {
    let account = parse_role_arn(&desired.arn).ok().map(|r| r.account_id);
    client
        .find_existing(desired.api.family(), &desired.name, account)
        .await
}

/// Why a create cannot go ahead when the check before it failed.
fn check_failed(desired: &Desired, planned: &Value, e: &qualys::Error) -> Diagnostic {
    match e {
        qualys::Error::Timeout(_) => operation_error(
            "Creating the Qualys connector timed out",
            e,
            "create",
            planned,
        ),
        _ => Diagnostic::error(
            "Could not check whether the Qualys connector already exists",
            format!(
                "Before creating connector {:?}, the provider looks for an existing connector \
                 with that name so that it never creates a second one; the look-up failed, so \
                 nothing was created: {e}.",
                desired.name
            ),
        ),
    }
}

/// The check before a create: Err is the diagnostic that stops it, with the import command
/// and block when a connector of that name exists.
async fn check_absent(
    client: &Client,
    desired: &Desired,
    planned: &Value,
) -> Result<(), Diagnostic> {
    match existing(client, desired).await {
        Ok(found) if !found.is_empty() => Err(already_exists(desired, &found)),
        Ok(_) => Ok(()),
        Err(e) => Err(check_failed(desired, planned, &e)),
    }
}

/// PlanResourceChange of a new connector: the apply's check that no connector of that name
/// exists, made at plan time, so that a plan fails where its apply would (an existing
/// connector, with its import command; credentials or a platform that do not work). It reads
/// the listing the refresh takes, so a plan that refreshes costs nothing more. `in_state`: the
/// connectors (`api:id`) of states Terraform holds in this plan; finding one of them is a
/// replacement's own connector (or a tainted one), which the apply deletes first (with
/// `create_before_destroy`, the apply's check refuses then: the plan cannot tell the two
/// apart).
pub async fn check_create_at_plan(
    client: &Client,
    request: &PlanRequest,
    response: &mut PlanResponse,
    in_state: &std::collections::HashSet<String>,
) {
    let planned = &response.planned_state;
    if !request.prior_state.is_null() || planned.is_null() || response.diagnostics.has_errors() {
        return;
    }
    // Names or roles known only at apply are checked then.
    let Ok(desired) = Desired::from_planned(planned) else {
        return;
    };
    let refusal = match existing(client, &desired).await {
        Ok(found) => {
            let api = desired.api.as_str();
            let others: Vec<qualys::Existing> = found
                .into_iter()
                .filter(|e| !in_state.contains(&format!("{api}:{}", e.id)))
                .collect();
            (!others.is_empty()).then(|| already_exists(&desired, &others))
        }
        Err(e) => Some(check_failed(&desired, planned, &e)),
    };
    if let Some(refusal) = refusal {
        response.diagnostics.push(refusal);
    }
}

/// How a create ended beside other runs.
enum Race {
    /// No other connector of that name and account appeared.
    Alone,
    /// The confirmation could not be made: a warning, the connector stays.
    Unconfirmed(Diagnostic),
    /// Another run made the same connector first: this run's was deleted (`deleted`; if the
    /// delete failed, it stays in the state) and the apply fails naming the other.
    Lost { deleted: bool, error: Diagnostic },
}

/// How long a run whose connector's id sorts first waits before it looks again, when the ids
/// do not tell the order of creation (CloudView's UUIDs): long enough for a racing run that
/// saw both to delete its own.
const RACE_RECHECK: Duration = Duration::from_secs(3);

/// Whether connector `a` was created before `b`: QPS ids grow with every create; CloudView's
/// UUIDs say nothing about order, but every run compares them the same way.
fn created_before(family: qualys::Family, a: &str, b: &str) -> bool {
    match (family, a.parse::<u64>(), b.parse::<u64>()) {
        (qualys::Family::Qps(_), Ok(a), Ok(b)) => a < b,
        _ => a < b,
    }
}

/// After a create: two runs that checked before either created both create. So the run looks
/// again (a fresh listing, batched with the other creates' confirmations) for another connector
/// of the same name and account. When there is one, the later of the two (the higher QPS id)
/// is deleted by the run that made it, and that run fails naming the other with its import
/// command. With CloudView's UUIDs, which do not tell the order, a run whose id sorts first
/// looks once more after [`RACE_RECHECK`]: a connector still there was made and kept before.
async fn settle_race(client: &Client, desired: &Desired, own_id: &str) -> Race {
    let family = desired.api.family();
    let account = parse_role_arn(&desired.arn).ok().map(|r| r.account_id);
    let look = || client.others_named(family, &desired.name, account, own_id);
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
    let mut earlier: Vec<&qualys::Existing> = others
        .iter()
        .filter(|o| created_before(family, &o.id, own_id))
        .collect();
    let recheck;
    if earlier.is_empty() {
        if matches!(family, qualys::Family::Qps(_)) {
            // Made later: the run that made it sees this one and deletes its own.
            return Race::Alone;
        }
        tokio::time::sleep(RACE_RECHECK).await;
        recheck = match look().await {
            Ok(still) => still,
            Err(_) => return Race::Alone,
        };
        if recheck.is_empty() {
            return Race::Alone;
        }
        earlier = recheck.iter().collect();
    }
    earlier.sort_by(|a, b| a.id.cmp(&b.id));
    let kept = earlier[0];
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
    Race::Lost {
        deleted,
        error: Diagnostic::error(
            format!(
                "Another run created Qualys connector {:?} at the same time",
                desired.name
            ),
            format!(
                "Two runs created a connector named {:?} in this AWS account at the same time \
                 ({api}:{} first). So that only one remains, {what}. To manage the other with \
                 this resource, import it, where ADDRESS is this resource's address:\n\n  \
                 terraform import 'ADDRESS' {api}:{}\n\nor, with Terraform 1.5 or later, add an \
                 import block and apply:\n\n  import {{\n    to = ADDRESS\n    id = \"{api}:{}\"\n  \
                 }}",
                desired.name, kept.id, kept.id, kept.id
            ),
        ),
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

/// The error for a create that would duplicate an existing connector, with the commands that
/// bring the existing one under this resource.
pub(super) fn already_exists(desired: &Desired, found: &[qualys::Existing]) -> Diagnostic {
    let api = desired.api.as_str();
    let import_id = |e: &qualys::Existing| format!("{api}:{}", e.id);
    let listed: Vec<String> = found
        .iter()
        .map(|e| match &e.aws_account_id {
            Some(account) => format!("{} (AWS account {account})", import_id(e)),
            None => import_id(e),
        })
        .collect();
    let first = import_id(&found[0]);
    Diagnostic::error(
        format!("Qualys connector {:?} already exists", desired.name),
        format!(
            "Qualys already has a connector named {:?} in this AWS account: {}. This resource's \
             state does not know it (a lost answer or an interrupted apply can cause that), and \
             creating it again would make a duplicate, so nothing was created.\n\n\
             To manage the existing connector with this resource, import it, where ADDRESS is \
             this resource's address (shown above after \"with\"):\n\n  \
             terraform import 'ADDRESS' {first}\n\n\
             or, with Terraform 1.5 or later, add an import block and apply:\n\n  \
             import {{\n    to = ADDRESS\n    id = \"{first}\"\n  }}\n\n\
             If that connector belongs to something else, give this one another name. With \
             lifecycle {{ create_before_destroy = true }}, a replacement is created while the \
             connector it replaces still exists under the same name: change the name together \
             with the change that forces the replacement, or remove create_before_destroy so \
             that the old connector is deleted first.",
            desired.name,
            listed.join(", ")
        ),
    )
}

/// Updates the connector; like create, the state is Qualys's answer completed from the plan
/// and, for what only Qualys decides, the prior state: no read of its own.
pub(super) async fn update(
    client: &Client,
    desired: &Desired,
    prior: Value,
    planned: Value,
) -> ApplyResponse {
    let Some(id) = prior.get("id").as_str().map(str::to_string) else {
        return ApplyResponse {
            new_state: prior,
            diagnostics: Diagnostic::error(
                "The state has no connector id",
                "Import the connector again.",
            )
            .into(),
            ..Default::default()
        };
    };
    if api_move(&prior, &planned) == ApiMove::CloudViewToQps {
        return move_from_cloudview(client, desired, &id, prior, planned).await;
    }
    let updated = match desired.api.qps_version() {
        Some(version) => {
            let n = match parse_qps_id(&id) {
                Ok(n) => n,
                Err(d) => {
                    return ApplyResponse {
                        new_state: prior,
                        diagnostics: d.into(),
                        ..Default::default()
                    };
                }
            };
            client
                .qps(version)
                .update(n, &desired.qps_spec(Some(&prior)))
                .await
                .map(|c| state_after_qps_write(&c, desired.api, &planned, &prior))
        }
        None => client
            .cloudview()
            .update(&id, &desired.cloudview_spec())
            .await
            .map(|c| state_from_cloudview(&c, &planned)),
    };
    match updated {
        Ok(state) => {
            client
                .note_saved(desired.api.family(), &id, &desired.name, &desired.arn)
                .await;
            finish(
                client,
                desired,
                state,
                Some(&prior),
                &planned,
                Diagnostics::default(),
            )
            .await
        }
        Err(qualys::Error::WrongApi { message }) => ApplyResponse {
            diagnostics: wrong_api(desired.api, &prior, &message).into(),
            new_state: prior,
            ..Default::default()
        },
        // The update may not have happened: the prior state is the best knowledge, and the
        // next refresh reads what Qualys has.
        Err(e) => ApplyResponse {
            new_state: prior,
            diagnostics: operation_error(
                "Could not update the Qualys connector",
                &e,
                "update",
                &planned,
            )
            .into(),
            ..Default::default()
        },
    }
}

/// Moves a CloudView-made connector that Qualys merged into the Connector app to a QPS API, in
/// place: the connector is found under its QPS id by its CloudView UUID (`uuid`, the prior id),
/// among the QPS connectors of its AWS account (one search), then updated through QPS to what
/// the configuration says, which Qualys refuses while the connector is not merged. Nothing is
/// created or deleted; the state's id becomes the QPS id.
async fn move_from_cloudview(
    client: &Client,
    desired: &Desired,
    uuid: &str,
    prior: Value,
    planned: Value,
) -> ApplyResponse {
    let failed = |prior: Value, summary: &str, detail: String| ApplyResponse {
        new_state: prior,
        diagnostics: Diagnostic::error(summary, detail).into(),
        ..Default::default()
    };
    let Some(version) = desired.api.qps_version() else {
        return failed(
            prior,
            "Provider bug: a move from CloudView to CloudView",
            "Please report this.".into(),
        );
    };
    let account = prior
        .get("aws_account_id")
        .as_str()
        .map(str::to_string)
        .or_else(|| {
            parse_role_arn(&desired.arn)
                .ok()
                .map(|r| r.account_id.to_string())
        })
        .unwrap_or_default();
    let qps = client.qps(version);
    let found = qps
        .search_all(&[qps::Criterion::equals(
            qps::SearchField::AwsAccountId,
            account.clone(),
        )])
        .await;
    let twin = match found {
        Ok(all) => all.into_iter().find(|c| {
            c.cloudview_uuid
                .as_deref()
                .is_some_and(|u| u.eq_ignore_ascii_case(uuid))
        }),
        Err(e) => {
            return failed(
                prior,
                "Could not find the connector in the Connector app",
                format!(
                    "Moving CloudView connector {uuid} to api = \"{}\" looks it up among the \
                     QPS connectors of AWS account {account}; the search failed, so nothing \
                     changed: {e}.",
                    desired.api.as_str()
                ),
            );
        }
    };
    let Some(twin) = twin else {
        return failed(
            prior,
            "The CloudView connector is not in the Connector app yet",
            format!(
                "No QPS connector of AWS account {account} has CloudView UUID {uuid}, so \
                 Qualys has not merged this connector into the Connector app yet and the QPS \
                 APIs cannot manage it. Nothing changed: keep api = \"cloudview\" until Qualys \
                 merges it, then set api = \"{}\" again.",
                desired.api.as_str()
            ),
        );
    };
    let twin_state = state_from_qps(&twin, desired.api, &planned);
    let answer = qps
        .update(twin.id, &desired.qps_spec(Some(&twin_state)))
        .await;
    match answer {
        Ok(answer) => {
            let id = twin.id.to_string();
            tracing::info!(uuid, id = %id, "moved connector from CloudView to QPS");
            client
                .note_saved(desired.api.family(), &id, &desired.name, &desired.arn)
                .await;
            let state = state_after_qps_write(&answer, desired.api, &planned, &twin_state);
            finish(
                client,
                desired,
                state,
                Some(&prior),
                &planned,
                Diagnostics::default(),
            )
            .await
        }
        Err(qualys::Error::WrongApi { message }) => failed(
            prior,
            "The CloudView connector is not merged into the Connector app yet",
            format!(
                "Its QPS id is {}, but Qualys refused the update through QPS: {message}. \
                 Nothing changed: keep api = \"cloudview\" until Qualys merges it, then set \
                 api = \"{}\" again.",
                twin.id,
                desired.api.as_str()
            ),
        ),
        Err(e) => failed(
            prior,
            "Could not update the Qualys connector",
            format!(
                "Moving CloudView connector {uuid} to api = \"{}\" (QPS id {}) failed, so \
                 nothing changed: {e}.",
                desired.api.as_str(),
                twin.id
            ),
        ),
    }
}

/// An update refused because another API made the connector: say which one owns it and how to
/// move the resource to it.
fn wrong_api(api: Api, prior: &Value, message: &str) -> Diagnostic {
    let how = match api {
        // Merged into the Connector app: the in-place move finds it under its QPS id.
        Api::CloudView => "Qualys has merged it into the Connector app: set api = \"v3\" (or \
                           \"v2\") and apply; the provider finds the same connector under its \
                           QPS id and keeps it in the state (nothing is created or deleted)."
            .to_string(),
        Api::V3 | Api::V2 => format!(
            "It was made with CloudView and is not merged into the Connector app: manage it \
             with api = \"cloudview\" (remove it from this resource's state with `terraform \
             state rm ADDRESS`, ADDRESS as shown above, set api = \"cloudview\", and import it \
             again with the ID cloudview:{}).",
            prior.get("cloudview_uuid").as_str().unwrap_or("<its UUID>")
        ),
    };
    let owner = match api {
        Api::CloudView => "the Connector app's QPS API",
        Api::V3 | Api::V2 => "CloudView",
    };
    Diagnostic::error(
        format!("This connector can only be changed through {owner}"),
        format!(
            "Qualys refused the update through {}: {message}. Only the API that made a connector \
             changes it, until CloudView connectors are merged into the Connector app. {how}",
            api.as_str()
        ),
    )
}

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
    let gone = match &result {
        Ok(()) => true,
        Err(e) => e.is_not_found(),
    };
    if let (true, Some(api)) = (gone, api) {
        client.note_deleted(api.family(), &id).await;
    }
    match result {
        Ok(()) => ApplyResponse::default(),
        Err(e) if e.is_not_found() => {
            tracing::info!(id = %id, "connector was already gone");
            ApplyResponse::default()
        }
        Err(e) => ApplyResponse {
            diagnostics: operation_error(
                "Could not delete the Qualys connector",
                &e,
                "delete",
                &prior,
            )
            .into(),
            new_state: prior,
            ..Default::default()
        },
    }
}

pub(super) fn parse_qps_id(id: &str) -> Result<u64, Diagnostic> {
    id.parse().map_err(|_| {
        Diagnostic::error(
            "Invalid connector id in state",
            format!("{id:?} is not a QPS connector id (a number)."),
        )
    })
}
