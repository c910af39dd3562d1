//! `qualys_aws_external_id`: an external ID in Qualys's format, `<POD>-<subscription
//! ID>-<13 random letters and digits>`, generated once by the apply that creates it and kept in
//! the state (as `random_id` keeps its bytes), so that a role's trust policy and its connector
//! can both read it before either exists. `keepers` rotate it. No Qualys API call: the POD and
//! subscription ID come from the provider's settings.
//!
//! The random part is drawn in ApplyResourceChange only: a plan shows it as known after apply,
//! and a replan of the same plan (Terraform plans again during apply) gives the same answer.

use crate::external_id::{self, ExternalId};
use async_trait::async_trait;

use crate::configured::Configured;
use crate::plugin::api::{
    ApplyRequest, ApplyResponse, ImportResponse, ImportedResource, PlanRequest, PlanResponse,
    ReadRequest, ReadResponse,
};
use crate::plugin::diag::{AttrPath, Diagnostic, Diagnostics};
use crate::plugin::registry::Resource;
use crate::plugin::schema::{Attribute, Block, Presence, Schema};
use crate::plugin::value::{Type, Value};
use crate::settings::ExternalIdSettings;

pub const TYPE_NAME: &str = "qualys_aws_external_id";

pub fn schema() -> Schema {
    let computed = |name: &str, description: &str| {
        Attribute::new(name, Type::String, Presence::Computed, description)
    };
    Schema {
        version: 0,
        block: Block {
            description: "An external ID for a connector's IAM role in Qualys's format, \
                `<POD>-<subscription ID>-<13 random letters and digits>`, generated once and \
                kept in the state: the role's trust policy and the `qualys_aws_connector` both \
                read `result`, before either exists. The POD and subscription ID are the \
                provider's `pod` (or the one `platform` implies) and `subscription_id`; changing \
                either, or any of `keepers`, replaces it with a new random part. It makes no \
                Qualys API call.\n\nImport an existing external ID with `terraform import \
                qualys_aws_external_id.NAME USPOD01-4765-9011278609223`."
                .into(),
            attributes: vec![
                computed("id", "The external ID (the same as `result`)."),
                Attribute::new(
                    "keepers",
                    Type::map(Type::String),
                    Presence::Optional,
                    "Arbitrary strings that, when changed, replace the external ID with a new \
                     one, e.g. `{ rotated = \"2026-12\" }` to rotate it on purpose. The role \
                     and the connector that read `result` change with it in the same apply.",
                ),
                computed(
                    "result",
                    "The external ID, `<pod>-<subscription_id>-<suffix>`, e.g. \
                     `USPOD01-4765-Xk3v9QmZ2bA7p`. Give it to the connector's `external_id` \
                     and the role's `sts:ExternalId` condition.",
                ),
                computed(
                    "pod",
                    "The Qualys POD, the first part: the provider's `pod`, or the one its \
                     `platform` implies.",
                ),
                computed(
                    "subscription_id",
                    "The Qualys subscription ID, the second part: the provider's \
                     `subscription_id`.",
                ),
                computed(
                    "suffix",
                    "The random part: 13 letters and digits, drawn from the operating \
                     system's random generator when the resource is created.",
                ),
            ],
        },
    }
}

/// The POD and subscription ID the settings give, or why they do not.
fn parts(settings: Option<&ExternalIdSettings>) -> Result<(String, String), Diagnostics> {
    let mut diags = Diagnostics::default();
    let settings = settings.cloned().unwrap_or_default();
    if settings.subscription_id.is_none() {
        diags.push(Diagnostic::error(
            "qualys_aws_external_id needs the Qualys subscription ID",
            "Set subscription_id in the qualys provider block (or QUALYS_SUBSCRIPTION_ID): \
             your Qualys subscription ID, digits, the middle part of the external ID Qualys \
             proposes for a new connector.",
        ));
    }
    if settings.pod.is_none() {
        let why = match settings.platform.as_deref() {
            Some(platform) => format!(
                "The POD of platform {platform} is not public, so the provider cannot derive \
                 it."
            ),
            None => "The provider names no platform whose POD it knows (a private platform \
                     set with api_url has none)."
                .to_string(),
        };
        diags.push(Diagnostic::error(
            "qualys_aws_external_id needs the Qualys POD",
            format!(
                "{why} Set pod in the qualys provider block (or QUALYS_POD): the first part of \
                 the external ID Qualys proposes for a new connector, e.g. USPOD01."
            ),
        ));
    }
    match (settings.pod, settings.subscription_id) {
        (Some(pod), Some(subscription_id)) if !diags.has_errors() => Ok((pod, subscription_id)),
        _ => Err(diags),
    }
}

const GENERATED: [&str; 3] = ["id", "result", "suffix"];

pub fn plan(request: &PlanRequest, settings: Option<&ExternalIdSettings>) -> PlanResponse {
    let PlanRequest {
        prior_state: prior,
        proposed_new_state: proposed,
        config,
        ..
    } = request;
    if proposed.is_null() {
        return PlanResponse::default();
    }
    let mut planned = proposed.clone();
    planned.set("keepers", config.get("keepers").clone());
    let mut response = PlanResponse::default();
    if prior.is_null() {
        match parts(settings) {
            Ok((pod, subscription_id)) => {
                planned.set("pod", Value::string(pod));
                planned.set("subscription_id", Value::string(subscription_id));
            }
            Err(diags) => {
                response.diagnostics = diags;
                return response;
            }
        }
        for name in GENERATED {
            planned.set(name, Value::Unknown);
        }
        response.planned_state = planned;
        return response;
    }
    if planned.get("keepers") != prior.get("keepers") {
        response.requires_replace.push(AttrPath::attr("keepers"));
    }
    // New settings make a new ID; settings missing now leave the existing one alone.
    if let Ok((pod, subscription_id)) = parts(settings) {
        for (name, value) in [("pod", pod), ("subscription_id", subscription_id)] {
            if prior.get(name).as_str() != Some(value.as_str()) {
                planned.set(name, Value::string(value));
                response.requires_replace.push(AttrPath::attr(name));
            }
        }
    }
    if !response.requires_replace.is_empty() {
        for name in GENERATED {
            planned.set(name, Value::Unknown);
        }
    }
    response.planned_state = planned;
    response
}

fn state_of(id: &ExternalId, keepers: Value) -> Value {
    let result = Value::string(id.to_string());
    Value::object([
        ("id", result.clone()),
        ("keepers", keepers),
        ("result", result),
        ("pod", Value::string(id.pod.clone())),
        ("subscription_id", Value::string(id.subscription_id.clone())),
        ("suffix", Value::string(id.suffix.clone())),
    ])
}

pub fn apply(request: ApplyRequest) -> ApplyResponse {
    let ApplyRequest {
        prior_state,
        planned_state,
        ..
    } = request;
    if planned_state.is_null() || !prior_state.is_null() {
        // Delete forgets the ID; an update changes nothing the state does not already say.
        return ApplyResponse {
            new_state: planned_state,
            ..Default::default()
        };
    }
    let (Some(pod), Some(subscription_id)) = (
        planned_state.get("pod").as_str(),
        planned_state.get("subscription_id").as_str(),
    ) else {
        return ApplyResponse {
            diagnostics: Diagnostic::error(
                "Provider bug: the plan lacks the external ID's POD or subscription ID",
                "Please report this to the provider's maintainers.",
            )
            .into(),
            ..Default::default()
        };
    };
    let id = ExternalId {
        pod: pod.to_string(),
        subscription_id: subscription_id.to_string(),
        suffix: external_id::random_suffix(),
    };
    match external_id::parse(&id.to_string()) {
        Ok(id) => ApplyResponse {
            new_state: state_of(&id, planned_state.get("keepers").clone()),
            ..Default::default()
        },
        Err(e) => ApplyResponse {
            diagnostics: Diagnostic::error("Invalid external ID settings", e.to_string()).into(),
            ..Default::default()
        },
    }
}

/// `terraform import` of an external ID already in use: its parts, no keepers.
pub fn import(id: &str) -> ImportResponse {
    match external_id::parse(id) {
        Ok(id) => ImportResponse {
            imported: vec![ImportedResource {
                type_name: TYPE_NAME.to_string(),
                state: state_of(&id, Value::Null),
                private: Vec::new(),
            }],
            diagnostics: Diagnostics::default(),
        },
        Err(e) => ImportResponse {
            imported: Vec::new(),
            diagnostics: Diagnostic::error("Invalid external ID", e.to_string()).into(),
        },
    }
}

/// `qualys_aws_external_id` in the provider's registry.
pub struct AwsExternalId;

#[async_trait]
impl Resource<Configured> for AwsExternalId {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn read(&self, _with: &Configured, request: ReadRequest) -> ReadResponse {
        // Nothing remote: the state is the ID.
        ReadResponse {
            new_state: request.current_state,
            private: request.private,
            diagnostics: Diagnostics::default(),
        }
    }

    async fn plan(&self, with: &Configured, request: PlanRequest) -> PlanResponse {
        plan(&request, with.external_id().as_ref())
    }

    async fn apply(&self, _with: &Configured, request: ApplyRequest) -> ApplyResponse {
        apply(request)
    }

    async fn import(&self, _with: &Configured, id: &str) -> ImportResponse {
        import(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pod: Option<&str>, subscription: Option<&str>) -> ExternalIdSettings {
        ExternalIdSettings {
            pod: pod.map(str::to_string),
            subscription_id: subscription.map(str::to_string),
            platform: Some("US2".into()),
        }
    }

    fn config(keepers: Value) -> Value {
        let mut v = Value::object(
            schema()
                .block
                .attributes
                .iter()
                .map(|a| (a.name.as_str(), Value::Null)),
        );
        v.set("keepers", keepers);
        v
    }

    /// As Terraform proposes: the configuration, with the prior state's computed values.
    fn request(prior: Value, config: Value) -> PlanRequest {
        let mut proposed = prior.clone();
        if proposed.is_null() {
            proposed = config.clone();
        }
        proposed.set("keepers", config.get("keepers").clone());
        PlanRequest {
            prior_state: prior,
            proposed_new_state: proposed,
            config,
            prior_private: Vec::new(),
        }
    }

    #[test]
    fn create_plans_the_random_part_unknown_and_apply_draws_it() {
        let s = settings(Some("USPOD01"), Some("4765"));
        let plan = plan(&request(Value::Null, config(Value::Null)), Some(&s));
        assert!(plan.diagnostics.is_empty(), "{:?}", plan.diagnostics);
        let planned = plan.planned_state;
        assert_eq!(planned.get("pod"), &Value::string("USPOD01"));
        assert!(planned.get("result").is_unknown() && planned.get("suffix").is_unknown());
        let applied = apply(ApplyRequest {
            prior_state: Value::Null,
            planned_state: planned,
            config: config(Value::Null),
            planned_private: Vec::new(),
        });
        let result = applied
            .new_state
            .get("result")
            .as_str()
            .unwrap()
            .to_string();
        let parsed = external_id::parse(&result).unwrap();
        assert_eq!(
            (parsed.pod.as_str(), parsed.subscription_id.as_str()),
            ("USPOD01", "4765")
        );
        assert_eq!(parsed.suffix.len(), 13);
        assert_eq!(applied.new_state.get("id"), applied.new_state.get("result"));
    }

    #[test]
    fn missing_settings_say_what_to_set() {
        let plan = plan(
            &request(Value::Null, config(Value::Null)),
            Some(&settings(None, None)),
        );
        let text = format!("{:?}", plan.diagnostics);
        assert!(text.contains("subscription_id") && text.contains("QUALYS_SUBSCRIPTION_ID"));
        assert!(text.contains("POD of platform US2 is not public") && text.contains("QUALYS_POD"));
    }

    #[test]
    fn keepers_and_new_settings_replace_the_same_ones_do_not() {
        let s = settings(Some("USPOD01"), Some("4765"));
        let id = external_id::parse("USPOD01-4765-abcdefghijklm").unwrap();
        let keepers = |v: &str| Value::Map([("k".to_string(), Value::string(v))].into());
        let prior = state_of(&id, keepers("a"));
        let same = plan(&request(prior.clone(), config(keepers("a"))), Some(&s));
        assert!(same.requires_replace.is_empty());
        assert_eq!(same.planned_state, prior);
        let rotated = plan(&request(prior.clone(), config(keepers("b"))), Some(&s));
        assert_eq!(rotated.requires_replace, [AttrPath::attr("keepers")]);
        assert!(rotated.planned_state.get("result").is_unknown());
        let moved = plan(
            &request(prior.clone(), config(keepers("a"))),
            Some(&settings(Some("USPOD01"), Some("9999"))),
        );
        assert_eq!(moved.requires_replace, [AttrPath::attr("subscription_id")]);
        let unset = plan(&request(prior.clone(), config(keepers("a"))), None);
        assert!(unset.requires_replace.is_empty() && unset.diagnostics.is_empty());
    }

    #[test]
    fn import_takes_an_id_in_the_format() {
        let imported = import("USPOD01-4765-9011278609223");
        assert_eq!(
            imported.imported[0].state.get("suffix"),
            &Value::string("9011278609223")
        );
        let refused = import("USPOD01-4765");
        assert!(refused.diagnostics.has_errors());
    }
}
