//! Unit tests of validation, planning and import IDs.

use std::time::Duration;

use crate::connector::Api;
use crate::connector::model::polling_value;
use crate::plugin::api::{PlanRequest, PlanResponse};
use crate::plugin::diag::{AttrPath, Diagnostics};
use crate::plugin::value::Value;

use super::api_move::{ApiMove, api_move};
use super::operation::timeout_of;
use super::plan::{differs_beyond_state, plan};
use super::read::import;
use super::schema::SYNC_REPORTS;
use super::schema::schema;
use super::state::{empty_state, state_after_qps_write};
use super::validate::validate;

fn config(pairs: &[(&str, Value)]) -> Value {
    let mut state = empty_state();
    state.insert("name".into(), Value::string("c1"));
    state.insert(
        "arn".into(),
        Value::string("arn:aws:iam::123456789012:role/Qualys"),
    );
    state.insert("external_id".into(), Value::string("pod-test-env"));
    for (k, v) in pairs {
        state.insert(k.to_string(), v.clone());
    }
    Value::Object(state)
}

fn strings(codes: &[&str]) -> Value {
    Value::Set(codes.iter().map(|c| Value::string(*c)).collect())
}

fn paths(diags: &Diagnostics) -> Vec<String> {
    diags
        .0
        .iter()
        .map(|d| d.path.as_ref().map(ToString::to_string).unwrap_or_default())
        .collect()
}

#[test]
fn a_plain_v3_config_is_valid() {
    assert_eq!(validate(&config(&[])), Diagnostics::default());
}

#[test]
fn region_rules_name_the_attribute_and_the_code() {
    let d = validate(&config(&[
        ("all_regions", Value::Bool(false)),
        ("cspm_regions", strings(&["us-east-1", "cn-north-1"])),
        ("inventory_regions", strings(&["us-east-1", "eu-west-1"])),
    ]));
    assert_eq!(paths(&d), ["cspm_regions", "inventory_regions"]);
    assert!(d.0[0].summary.contains("\"cn-north-1\""));
    assert!(d.0[1].summary.contains("\"eu-west-1\""));

    let d = validate(&config(&[("cspm_regions", strings(&["us-east-1"]))]));
    assert_eq!(paths(&d), ["cspm_regions"]);
    assert!(d.0[0].summary.contains("all_regions = false"));
}

#[test]
fn gov_regions_need_a_gov_connector() {
    let d = validate(&config(&[
        ("all_regions", Value::Bool(false)),
        ("cspm_regions", strings(&["us-gov-west-1"])),
    ]));
    assert_eq!(paths(&d), ["cspm_regions"]);
    let ok = validate(&config(&[
        (
            "arn",
            Value::string("arn:aws-us-gov:iam::123456789012:role/Q"),
        ),
        ("is_gov_cloud", Value::Bool(true)),
        ("all_regions", Value::Bool(false)),
        ("cspm_regions", strings(&["us-gov-west-1"])),
    ]));
    assert!(ok.is_empty(), "{ok:?}");
}

#[test]
fn partition_mismatch_is_reported_on_arn() {
    let d = validate(&config(&[("is_gov_cloud", Value::Bool(true))]));
    assert_eq!(paths(&d), ["arn"]);
}

#[test]
fn api_specific_arguments() {
    let d = validate(&config(&[
        ("api", Value::string("cloudview")),
        ("external_id", Value::string("USPOD01-4765-9011278609223")),
        ("all_regions", Value::Bool(false)),
        ("remediation_enabled", Value::Bool(true)),
        ("connector_apps", strings(&["CSA"])),
    ]));
    assert_eq!(paths(&d), ["all_regions", "connector_apps"]);
    let d = validate(&config(&[("is_portal_connector", Value::Bool(true))]));
    assert_eq!(paths(&d), ["is_portal_connector"]);
    // A China flag with a commercial role is a partition mismatch, whatever the api.
    let d = validate(&config(&[("is_china_region", Value::Bool(true))]));
    assert_eq!(paths(&d), ["arn"]);
}

fn china_qps() -> Value {
    config(&[
        ("is_china_region", Value::Bool(true)),
        ("arn", Value::string("arn:aws-cn:iam::123456789012:role/Q")),
    ])
}

#[test]
fn a_china_qps_connector_validates_but_cannot_be_created() {
    // What -generate-config-out writes for a China connector imported by its QPS id.
    assert!(validate(&china_qps()).is_empty());
    let p = plan_of(Value::Null, china_qps());
    assert_eq!(paths(&p.diagnostics), ["is_china_region"]);
    assert!(p.diagnostics.0[0].summary.contains("cannot be created"));
    let mut prior = plan_of(Value::Null, config(&[])).planned_state;
    for k in ["id", "qualys_aws_account_id", "state", "cloudview_uuid"] {
        prior.set(k, Value::string("x"));
    }
    prior.set("is_china_region", Value::Bool(true));
    prior.set("arn", Value::string("arn:aws-cn:iam::123456789012:role/Q"));
    prior.set("trust_principal", Value::string("arn:aws-cn:iam::x:root"));
    let p = plan_of(prior.clone(), china_qps());
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    assert_eq!(p.planned_state, prior);
}

#[test]
fn polling_frequency_fields_default_and_are_checked_one_by_one() {
    let pf = |h: Option<i64>, m: Option<i64>| {
        let field = |v: Option<i64>| v.map(Value::int).unwrap_or(Value::Null);
        config(&[(
            "polling_frequency",
            Value::object([("hours", field(h)), ("minutes", field(m))]),
        )])
    };
    let planned = |c: Value| plan_of(Value::Null, c).planned_state;
    assert_eq!(
        planned(pf(Some(6), None)).get("polling_frequency"),
        &polling_value(360)
    );
    assert_eq!(
        planned(pf(None, None)).get("polling_frequency"),
        &polling_value(240)
    );
    assert_eq!(
        planned(pf(Some(1), Some(30))).get("polling_frequency"),
        &polling_value(90)
    );
    assert!(validate(&pf(Some(6), None)).is_empty());
    let summaries =
        |c: Value| -> Vec<String> { validate(&c).0.into_iter().map(|d| d.summary).collect() };
    assert_eq!(
        summaries(pf(None, Some(30))),
        ["Invalid polling_frequency.hours"]
    );
    assert_eq!(
        summaries(pf(Some(2), Some(75))),
        ["Invalid polling_frequency.minutes"]
    );
    assert_eq!(paths(&validate(&pf(None, Some(30)))), ["polling_frequency"]);
    let half = config(&[(
        "polling_frequency",
        Value::object([("hours", Value::Unknown), ("minutes", Value::Null)]),
    )]);
    assert!(validate(&half).is_empty());
    assert!(
        planned(half)
            .get("polling_frequency")
            .get("hours")
            .is_unknown()
    );
}

#[test]
fn timeouts_are_checked_and_never_reach_qualys() {
    let with = |create: &str| {
        config(&[(
            "timeouts",
            Value::object([
                ("create", Value::string(create)),
                ("read", Value::Null),
                ("update", Value::Null),
                ("delete", Value::Null),
            ]),
        )])
    };
    assert!(validate(&with("30m")).is_empty());
    for bad in ["soon", "0s", "25h"] {
        let d = validate(&with(bad));
        assert_eq!(paths(&d), ["timeouts"], "{bad}");
        assert_eq!(d.0[0].summary, "Invalid timeouts.create");
    }
    assert_eq!(
        timeout_of(&with("1h30m"), "create"),
        Duration::from_secs(5400)
    );
    assert_eq!(
        timeout_of(&with("1h30m"), "delete"),
        Duration::from_secs(1200)
    );
    // Changing only timeouts changes nothing Qualys holds: the state stays known.
    let mut prior = plan_of(Value::Null, config(&[])).planned_state;
    for k in ["id", "qualys_aws_account_id", "state", "cloudview_uuid"] {
        prior.set(k, Value::string("x"));
    }
    let p = plan_of(prior.clone(), with("1h"));
    assert_eq!(p.planned_state.get("state"), &Value::string("x"));
    assert!(!differs_beyond_state(&p.planned_state, &prior));
}

#[test]
fn unknown_values_never_fail_validation() {
    let d = validate(&config(&[
        ("arn", Value::Unknown),
        ("api", Value::Unknown),
        ("cspm_regions", Value::Unknown),
        ("all_regions", Value::Unknown),
        ("polling_frequency", Value::Unknown),
    ]));
    assert!(d.is_empty(), "{d:?}");
}

#[test]
fn polling_frequency_out_of_range() {
    let d = validate(&config(&[(
        "polling_frequency",
        Value::object([("hours", Value::int(30)), ("minutes", Value::int(0))]),
    )]));
    assert_eq!(paths(&d), ["polling_frequency"]);
}

fn plan_of(prior: Value, config: Value) -> PlanResponse {
    // Terraform's proposed state: config, with prior values for computed attributes the
    // config leaves null.
    let mut proposed = config.clone();
    if let (Value::Object(p), Value::Object(c)) = (&mut proposed, &config) {
        for (k, v) in c {
            let computed = schema().block.attribute(k).is_some_and(|a| a.computed());
            if v.is_null() && computed {
                p.insert(k.clone(), prior.get(k).clone());
            }
        }
    }
    plan(&PlanRequest {
        prior_state: prior,
        proposed_new_state: proposed,
        config,
        prior_private: vec![],
    })
}

#[test]
fn create_plan_fills_defaults_and_unknowns() {
    let p = plan_of(Value::Null, config(&[]));
    let s = &p.planned_state;
    assert_eq!(s.get("api"), &Value::string("v3"));
    assert_eq!(s.get("all_regions"), &Value::Bool(true));
    assert_eq!(s.get("polling_frequency"), &polling_value(240));
    assert_eq!(s.get("aws_account_id"), &Value::string("123456789012"));
    assert!(s.get("id").is_unknown());
    assert!(s.get("is_portal_connector").is_null());
    assert!(p.diagnostics.is_empty());
}

#[test]
fn unchanged_update_plans_the_prior_state() {
    let created = plan_of(Value::Null, config(&[])).planned_state;
    let mut prior = created.clone();
    for (k, v) in [
        ("id", "7"),
        ("qualys_aws_account_id", "805950163170"),
        ("state", "PENDING"),
        ("cloudview_uuid", "u"),
    ] {
        prior.set(k, Value::string(v));
    }
    prior.set(
        "trust_principal",
        Value::string("arn:aws:iam::805950163170:root"),
    );
    let p = plan_of(prior.clone(), config(&[]));
    assert_eq!(p.planned_state, prior);
    assert!(p.requires_replace.is_empty());

    // A description change leaves what Qualys reports as it was: one changed attribute.
    let p = plan_of(
        prior.clone(),
        config(&[("description", Value::string("new"))]),
    );
    let mut expected = prior.clone();
    expected.set("description", Value::string("new"));
    assert_eq!(p.planned_state, expected);
    assert!(p.requires_replace.is_empty());

    // A change Qualys reads the account again for leaves the sync reports unknown.
    let p = plan_of(
        prior.clone(),
        config(&[("external_id", Value::string("rotated-id"))]),
    );
    for name in SYNC_REPORTS {
        assert!(p.planned_state.get(name).is_unknown(), "{name}");
    }
    assert_eq!(
        p.planned_state.get("qualys_aws_account_id"),
        &Value::string("805950163170")
    );

    // v3 -> v2: the same QPS connector, in place, nothing else planned.
    let p = plan_of(prior.clone(), config(&[("api", Value::string("v2"))]));
    assert!(p.requires_replace.is_empty(), "{:?}", p.requires_replace);
    let mut expected = prior.clone();
    expected.set("api", Value::string("v2"));
    assert_eq!(p.planned_state, expected);
    assert!(!differs_beyond_state(&p.planned_state, &prior));

    // QPS -> CloudView still replaces: CloudView cannot change a connector the Connector app
    // made.
    let p = plan_of(prior, config(&[("api", Value::string("cloudview"))]));
    assert_eq!(p.requires_replace, vec![AttrPath::attr("api")]);
}

#[test]
fn moving_from_cloudview_to_v3_is_in_place_with_the_qps_id_unknown() {
    let cv = config(&[
        ("api", Value::string("cloudview")),
        ("external_id", Value::string("USPOD01-4765-abcdef")),
    ]);
    let mut prior = plan_of(Value::Null, cv).planned_state;
    for (k, v) in [
        ("id", "8889b18b-6f92-33d3-8afd-6d9d144177e8"),
        ("cloudview_uuid", "8889b18b-6f92-33d3-8afd-6d9d144177e8"),
        ("qualys_aws_account_id", "805950163170"),
        ("state", "Completed successfully"),
        ("sync_status", "success"),
    ] {
        prior.set(k, Value::string(v));
    }
    let p = plan_of(
        prior.clone(),
        config(&[
            ("api", Value::string("v3")),
            ("external_id", Value::string("USPOD01-4765-abcdef")),
        ]),
    );
    assert!(p.requires_replace.is_empty(), "{:?}", p.requires_replace);
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    let s = &p.planned_state;
    for name in [
        "id",
        "state",
        "sync_status",
        "connector_apps",
        "attached_to_org_connector",
    ] {
        assert!(s.get(name).is_unknown(), "{name}: {:?}", s.get(name));
    }
    assert_eq!(s.get("cloudview_uuid"), prior.get("cloudview_uuid"));
    assert_eq!(s.get("all_regions"), &Value::Bool(true));
    assert_eq!(api_move(&prior, s), ApiMove::CloudViewToQps);
}

#[test]
fn unlisted_but_well_formed_regions_warn_at_plan_and_other_partitions_stay_errors() {
    let scoped = |codes: &[&str]| {
        config(&[
            ("all_regions", Value::Bool(false)),
            ("cspm_regions", strings(codes)),
        ])
    };
    assert!(validate(&scoped(&["eu-central-2", "us-east-1"])).is_empty());
    let p = plan_of(Value::Null, scoped(&["eu-central-2", "us-east-1"]));
    assert_eq!(paths(&p.diagnostics), ["cspm_regions"]);
    let warning = &p.diagnostics.0[0];
    assert_eq!(warning.severity, crate::plugin::diag::Severity::Warning);
    assert!(
        warning.detail.contains(
            "Qualys's supported list in this provider does not include it; Qualys decides at apply"
        ),
        "{}",
        warning.detail
    );
    // An unchanged list warns no more once applied.
    let mut prior = p.planned_state.clone();
    prior.set("id", Value::string("7"));
    let p = plan_of(prior, scoped(&["eu-central-2", "us-east-1"]));
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);

    let d = validate(&scoped(&["cn-north-3", "us-gov-west-1", "mars-1"]));
    assert_eq!(paths(&d), ["cspm_regions", "cspm_regions", "cspm_regions"]);
}

#[test]
fn cloudview_external_id_is_checked_only_when_the_plan_changes_something() {
    let cv = |id: &str| {
        config(&[
            ("api", Value::string("cloudview")),
            ("external_id", Value::string(id)),
        ])
    };
    let p = plan_of(Value::Null, cv("old-style-id"));
    assert_eq!(paths(&p.diagnostics), ["external_id"]);
    // An imported connector with an old-format ID that the plan leaves alone.
    let mut prior = plan_of(Value::Null, cv("USPOD01-4765-abcdef")).planned_state;
    prior.set("external_id", Value::string("old-style-id"));
    for k in ["id", "qualys_aws_account_id", "state", "cloudview_uuid"] {
        prior.set(k, Value::string("x"));
    }
    prior.set("disabled", Value::Bool(false));
    let p = plan_of(prior.clone(), cv("old-style-id"));
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    let mut changed = cv("old-style-id");
    changed.set("description", Value::string("touched"));
    assert_eq!(paths(&plan_of(prior, changed).diagnostics), ["external_id"]);
}

#[test]
fn unknown_region_list_without_all_regions_is_not_an_error() {
    let d = validate(&config(&[("cspm_regions", Value::Unknown)]));
    assert!(d.is_empty(), "{d:?}");
}

#[test]
fn a_reported_china_qps_connector_is_not_replaced() {
    let mut prior = plan_of(Value::Null, config(&[])).planned_state;
    for k in ["id", "qualys_aws_account_id", "state", "cloudview_uuid"] {
        prior.set(k, Value::string("x"));
    }
    prior.set("is_china_region", Value::Bool(true));
    prior.set("trust_principal", Value::string("arn:aws-cn:iam::x:root"));
    let p = plan_of(prior.clone(), config(&[]));
    assert!(p.requires_replace.is_empty(), "{:?}", p.requires_replace);
    assert_eq!(p.planned_state, prior);
}

#[test]
fn import_makes_a_state_of_the_api_and_id_for_the_refresh_to_read() {
    let imported = import("v2:42");
    assert!(
        imported.diagnostics.is_empty(),
        "{:?}",
        imported.diagnostics
    );
    let state = &imported.imported[0].state;
    assert_eq!(state.get("api"), &Value::string("v2"));
    assert_eq!(state.get("id"), &Value::string("42"));
    assert_eq!(state.get("name"), &Value::Null);
    let refused = import("cloudview:42");
    assert!(refused.imported.is_empty());
    assert_eq!(refused.diagnostics.0[0].summary, "Invalid import ID");
}

/// The planned state of a create of `config(pairs)` (defaults and unknowns as `plan` makes
/// them).
fn planned_create(pairs: &[(&str, Value)]) -> Value {
    let mut c = config(pairs);
    c.set("external_id", Value::string("USPOD01-4765-abc12"));
    let response = plan(&PlanRequest {
        prior_state: Value::Null,
        proposed_new_state: c.clone(),
        config: c,
        prior_private: Vec::new(),
    });
    assert!(
        response.diagnostics.0.is_empty(),
        "{:?}",
        response.diagnostics
    );
    response.planned_state
}

fn qps_answer(json: &str) -> crate::qualys::qps::Connector {
    serde_json::from_str(json).expect("a QPS connector")
}

#[test]
fn a_partial_create_answer_is_completed_from_the_plan() {
    let planned = planned_create(&[
        ("description", Value::string("made here")),
        ("all_regions", Value::Bool(false)),
        ("cspm_regions", strings(&["us-east-1", "us-west-2"])),
    ]);
    // The seed's v3 create answer: the id, the account and the regions; no name, no ARN.
    let answer = qps_answer(
        r#"{"id": 2064449, "awsAccountId": "123456789012", "connectorState": "QUEUED",
            "allRegions": false, "cspmRegions": {"list": [
              {"CspmRegionSimple": {"regionCode": "us-west-2"}},
              {"CspmRegionSimple": {"regionCode": "us-east-1"}}]}}"#,
    );
    let state = state_after_qps_write(&answer, Api::V3, &planned, &Value::Null);
    assert_eq!(state.get("id"), &Value::string("2064449"));
    assert_eq!(state.get("name"), &Value::string("c1"));
    assert_eq!(state.get("description"), &Value::string("made here"));
    assert_eq!(
        state.get("arn"),
        &Value::string("arn:aws:iam::123456789012:role/Qualys")
    );
    assert_eq!(
        state.get("state"),
        &Value::string("QUEUED"),
        "Qualys's word"
    );
    assert_eq!(
        state.get("cspm_regions"),
        &strings(&["us-east-1", "us-west-2"])
    );
    assert_eq!(state.get("connector_apps"), planned.get("connector_apps"));
    // Unknown in the plan and not in the answer: not reported yet.
    assert_eq!(state.get("last_sync"), &Value::Null);
    assert_eq!(state.get("cloudview_uuid"), &Value::Null);
    assert!(state.is_wholly_known());
}

#[test]
fn an_id_only_update_answer_keeps_what_only_qualys_reports_from_the_prior_state() {
    let mut prior = planned_create(&[("description", Value::string("before"))]);
    for (name, value) in [
        ("id", Value::string("42")),
        ("state", Value::string("SUCCESS")),
        ("last_sync", Value::string("2026-11-30T10:00:00Z")),
        ("next_sync", Value::string("2026-11-30T14:00:00Z")),
        ("last_error", Value::Null),
        ("total_assets", Value::int(7)),
        ("qualys_aws_account_id", Value::string("805950163170")),
        (
            "cloudview_uuid",
            Value::string("8889b18b-6f92-33d3-8afd-6d9d144177e8"),
        ),
        ("is_china_region", Value::Bool(false)),
    ] {
        prior.set(name, value);
    }
    let mut planned = prior.clone();
    planned.set("description", Value::string("after"));
    for name in SYNC_REPORTS {
        planned.set(name, Value::Unknown);
    }
    let state = state_after_qps_write(&qps_answer(r#"{"id": 42}"#), Api::V3, &planned, &prior);
    assert_eq!(state.get("description"), &Value::string("after"));
    assert_eq!(state.get("state"), &Value::string("SUCCESS"));
    assert_eq!(state.get("total_assets"), &Value::int(7));
    assert_eq!(state.get("cloudview_uuid"), prior.get("cloudview_uuid"));
    assert_eq!(
        state.get("polling_frequency"),
        prior.get("polling_frequency")
    );
    assert!(state.is_wholly_known());
}

#[test]
fn partition_flags_left_out_follow_the_role() {
    let gov_arn = Value::string("arn:aws-us-gov:iam::123456789012:role/Q");
    assert!(validate(&config(&[("arn", gov_arn.clone())])).is_empty());
    let p = plan_of(Value::Null, config(&[("arn", gov_arn.clone())]));
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    assert_eq!(p.planned_state.get("is_gov_cloud"), &Value::Bool(true));
    assert_eq!(p.planned_state.get("is_china_region"), &Value::Bool(false));
    assert!(p.planned_state.get("trust_principal").is_unknown());
    let p = plan_of(Value::Null, config(&[("arn", Value::Unknown)]));
    assert!(p.planned_state.get("is_gov_cloud").is_unknown());

    // A flag set against the role stays an error, naming the flag.
    let d = validate(&config(&[
        ("arn", gov_arn.clone()),
        ("is_gov_cloud", Value::Bool(false)),
    ]));
    assert_eq!(paths(&d), ["arn"]);
    assert!(d.0[0].detail.contains("is_gov_cloud = false"), "{d:?}");

    // A role moved to another partition replaces the connector; the principal follows.
    let mut prior = plan_of(Value::Null, config(&[])).planned_state;
    for k in ["id", "state", "cloudview_uuid"] {
        prior.set(k, Value::string("x"));
    }
    prior.set("qualys_aws_account_id", Value::string("805950163170"));
    let p = plan_of(prior.clone(), config(&[("arn", gov_arn)]));
    assert_eq!(p.requires_replace, [AttrPath::attr("is_gov_cloud")]);
    assert_eq!(
        p.planned_state.get("trust_principal"),
        &Value::string("arn:aws-us-gov:iam::805950163170:root")
    );
}
