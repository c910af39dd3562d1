//! The check that no connector of the same name exists in the role's AWS account, before a
//! create and, for a plan that creates, at plan time; and the error that names the existing one
//! with the commands that import it, and the import blocks of every one found so far.

use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;

use crate::connector::expand::Desired;
use crate::connector::validators::parse_role_arn;
use crate::plugin::api::{PlanRequest, PlanResponse};
use crate::plugin::diag::Diagnostic;
use crate::plugin::value::Value;
use crate::qualys::{self, Client};

use super::operation::operation_error;
use super::schema::TYPE_NAME;

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

/// The connectors the checks of this process found under a configured name, by that name
/// (import ID of the first found): after an interrupted apply there is one per connector it
/// made, and Terraform plans each resource on its own, so each refusal carries the import
/// blocks of all found so far and the last one of a run holds them all, in one block.
#[derive(Default)]
pub struct Found(Mutex<BTreeMap<String, String>>);

impl Found {
    /// Records `name`'s connector and returns every one recorded, by name.
    fn record(&self, name: &str, import_id: String) -> BTreeMap<String, String> {
        match self.0.lock() {
            Ok(mut found) => {
                found.entry(name.to_owned()).or_insert(import_id);
                found.clone()
            }
            Err(_) => BTreeMap::from([(name.to_owned(), import_id)]),
        }
    }
}

/// Why a create cannot go ahead when the check before it failed.
pub(super) fn check_failed(desired: &Desired, planned: &Value, e: &qualys::Error) -> Diagnostic {
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
pub(super) async fn check_absent(
    client: &Client,
    desired: &Desired,
    planned: &Value,
    recorded: &Found,
) -> Result<(), Diagnostic> {
    match existing(client, desired).await {
        Ok(found) if !found.is_empty() => Err(already_exists(desired, &found, recorded)),
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
    in_state: &HashSet<String>,
    recorded: &Found,
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
            (!others.is_empty()).then(|| already_exists(&desired, &others, recorded))
        }
        Err(e) => Some(check_failed(&desired, planned, &e)),
    };
    if let Some(refusal) = refusal {
        response.diagnostics.push(refusal);
    }
}

/// The error for a create that would duplicate an existing connector, with the command that
/// brings the existing one under this resource, and the import blocks of every connector the
/// checks of this run found so far ([`Found`]), to paste as one file.
pub(super) fn already_exists(
    desired: &Desired,
    found: &[qualys::Existing],
    recorded: &Found,
) -> Diagnostic {
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
    let all = recorded.record(&desired.name, first.clone());
    Diagnostic::error(
        format!("Qualys connector {:?} already exists", desired.name),
        format!(
            "Qualys already has a connector named {:?} in this AWS account: {}. This resource's \
             state does not know it (a lost answer or an interrupted apply can cause that), and \
             creating it again would make a duplicate, so nothing was created.\n\n\
             To manage the existing connector with this resource, import it, where ADDRESS is \
             this resource's address (shown above after \"with\"):\n\n  \
             terraform import 'ADDRESS' {first}\n\n\
             {}\n\n\
             If that connector belongs to something else, give this one another name. With \
             lifecycle {{ create_before_destroy = true }}, a replacement is created while the \
             connector it replaces still exists under the same name: change the name together \
             with the change that forces the replacement, or remove create_before_destroy so \
             that the old connector is deleted first.",
            desired.name,
            listed.join(", "),
            import_blocks(&all),
        ),
    )
}

/// The import blocks of every connector in `all` (name to import ID), as one file's worth of
/// text, each line indented so that Terraform prints it as it is.
fn import_blocks(all: &BTreeMap<String, String>) -> String {
    let count = match all.len() {
        1 => "the connector".to_string(),
        n => format!("all {n} connectors"),
    };
    let blocks: Vec<String> = all
        .iter()
        .map(|(name, id)| {
            format!(
                "  import {{\n    to = {TYPE_NAME}.RESOURCE[{}]\n    id = {}\n  }}",
                hcl_string(name),
                hcl_string(id)
            )
        })
        .collect();
    format!(
        "With Terraform 1.5 or later, import {count} found without state in this run so far \
         (the error that counts the most holds them all) in one go: put these blocks in a .tf \
         file beside the configuration, write your resource's name for RESOURCE (the NAME in \
         {TYPE_NAME}.NAME[\"KEY\"] shown after \"with\"; if its instances are not keyed by \
         connector name, write each one's address), and apply:\n\n{}",
        blocks.join("\n")
    )
}

/// `text` as an HCL quoted string: quotes and backslashes escaped, and `${` / `%{` doubled so
/// that a name is never read as a template.
fn hcl_string(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace("${", "$${")
        .replace("%{", "%%{");
    format!("\"{escaped}\"")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn desired(api: &str) -> Desired {
        Desired::from_planned(&Value::object([
            ("api", Value::string(api)),
            ("name", Value::string("c1")),
            ("arn", Value::string("arn:aws:iam::123456789012:role/Q")),
        ]))
        .unwrap()
    }

    fn found(id: &str, account: Option<&str>) -> qualys::Existing {
        qualys::Existing {
            id: id.into(),
            name: "c1".into(),
            aws_account_id: account.map(str::to_string),
        }
    }

    #[test]
    fn an_existing_connector_is_named_with_the_commands_that_import_it() {
        let d = already_exists(
            &desired("v2"),
            &[found("42", Some("123456789012")), found("43", None)],
            &Found::default(),
        );
        assert_eq!(d.summary, "Qualys connector \"c1\" already exists");
        assert!(
            d.detail
                .contains(": v2:42 (AWS account 123456789012), v2:43. "),
            "{}",
            d.detail
        );
        assert!(
            d.detail.contains("terraform import 'ADDRESS' v2:42\n"),
            "{}",
            d.detail
        );
        assert!(d.detail.contains("    id = \"v2:42\"\n"), "{}", d.detail);
        assert!(d.detail.contains("create_before_destroy"), "{}", d.detail);
    }

    #[test]
    fn every_refusal_carries_the_import_blocks_of_all_found_so_far() {
        let recorded = Found::default();
        let named = |name: &str| {
            Desired::from_planned(&Value::object([
                ("api", Value::string("cloudview")),
                ("name", Value::string(name)),
                ("arn", Value::string("arn:aws:iam::123456789012:role/Q")),
            ]))
            .unwrap()
        };
        already_exists(&named("b"), &[found("uuid-b", None)], &recorded);
        let d = already_exists(&named("a \"${x}\""), &[found("uuid-a", None)], &recorded);
        assert!(d.detail.contains("import all 2 connectors"), "{}", d.detail);
        let blocks = "  import {\n    to = qualys_aws_connector.RESOURCE[\"a \\\"$${x}\\\"\"]\n    \
                      id = \"cloudview:uuid-a\"\n  }\n  import {\n    to = \
                      qualys_aws_connector.RESOURCE[\"b\"]\n    id = \"cloudview:uuid-b\"\n  }";
        assert!(d.detail.contains(blocks), "{}", d.detail);
    }

    #[test]
    fn a_failed_check_stops_the_create_and_says_why() {
        let planned = Value::object([("timeouts", Value::Null)]);
        let e = qualys::Error::Unauthorized {
            message: "bad password".into(),
        };
        let d = check_failed(&desired("v3"), &planned, &e);
        assert_eq!(
            d.summary,
            "Could not check whether the Qualys connector already exists"
        );
        assert!(d.detail.contains("nothing was created"), "{}", d.detail);
        assert!(d.detail.contains("bad password"), "{}", d.detail);

        let timeout = qualys::Error::Timeout(Duration::from_secs(1200));
        let d = check_failed(&desired("v3"), &planned, &timeout);
        assert_eq!(d.summary, "Creating the Qualys connector timed out");
        assert!(d.detail.contains("(timeouts.create)"), "{}", d.detail);
    }
}
