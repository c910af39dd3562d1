//! Issue 20: moving a connector between APIs in place, and upgrading the provider without false
//! drift. `api = "v2"` <-> `"v3"` is the same QPS connector (no call, same id); a CloudView-made
//! connector that Qualys merged into the Connector app moves to `api = "v3"` in place, under its
//! QPS id, never as a second connector; a state written by an older provider (schema version 0,
//! without the attributes added since) refreshes without reporting drift.

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::support::sim::SimFixture;
use crate::support::terraform::{Workdir, terraform, terraform_latest};

const ARN: &str = "arn:aws:iam::123456789012:role/QualysConnector";
const EXTERNAL_ID: &str = "USPOD01-4765-migrate42";

fn connector(api: &str) -> String {
    format!(
        r#"
resource "qualys_aws_connector" "c" {{
  api         = "{api}"
  name        = "moving"
  description = "one connector, three APIs"
  arn         = "{ARN}"
  external_id = "{EXTERNAL_ID}"
}}

output "id" {{ value = qualys_aws_connector.c.id }}
output "cloudview_uuid" {{ value = qualys_aws_connector.c.cloudview_uuid }}
"#
    )
}

/// Creates, updates and deletes the simulator has served, over every API.
fn writes(sim: &SimFixture) -> (u64, u64, u64) {
    let calls = sim.calls();
    let total = |suffix: &str| -> u64 {
        calls
            .as_object()
            .map(|ops| {
                ops.iter()
                    .filter(|(op, _)| op.ends_with(suffix))
                    .filter_map(|(_, n)| n.as_u64())
                    .sum()
            })
            .unwrap_or(0)
    };
    (total(".create"), total(".update"), total(".delete"))
}

fn only_connector(sim: &SimFixture) -> Value {
    let all = sim.connectors();
    assert_eq!(all.len(), 1, "exactly one connector: {all:?}");
    all[0].clone()
}

fn switch_qps_versions_in_place(binary: PathBuf) {
    let sim = SimFixture::start();
    let provider = sim.provider_hcl("demo");
    let wd = Workdir::new(&(provider.clone() + &connector("v2"))).terraform(binary);
    wd.apply();
    let id = wd.outputs()["id"].as_str().expect("an id").to_string();
    assert_eq!(only_connector(&sim)["id"].to_string(), id);
    let before = writes(&sim);
    assert_eq!(before, (1, 0, 0), "{}", sim.calls());

    for api in ["v3", "v2"] {
        wd.write("main.tf", &(provider.clone() + &connector(api)));
        let (code, plan) = wd.plan_exit_code();
        assert_eq!(code, 2, "{}", plan.text());
        assert!(
            plan.stdout.contains("0 to add, 1 to change, 0 to destroy")
                && plan.stdout.contains("~ api")
                && !plan.stdout.contains("must be replaced")
                && !plan.stdout.contains("known after apply"),
            "an in-place change of api alone:\n{}",
            plan.stdout
        );
        wd.apply();
        assert_eq!(wd.outputs()["id"], id.as_str(), "the id stays on {api}");
        assert_eq!(only_connector(&sim)["id"].to_string(), id);
        wd.assert_empty_plan();
    }
    assert_eq!(
        writes(&sim),
        before,
        "v2 -> v3 -> v2 sends no create, update or delete: {}",
        sim.calls()
    );
}

#[test]
fn v2_to_v3_and_back_keeps_the_connector_on_terraform_1_0() {
    switch_qps_versions_in_place(terraform().to_path_buf());
}

#[test]
fn v2_to_v3_and_back_keeps_the_connector_on_terraform_1_11() {
    switch_qps_versions_in_place(terraform_latest());
}

fn move_a_merged_cloudview_connector_to_v3(binary: PathBuf) {
    let sim = SimFixture::start();
    let provider = sim.provider_hcl("demo");
    let wd = Workdir::new(&(provider.clone() + &connector("cloudview"))).terraform(binary);
    wd.apply();
    let uuid = wd.outputs()["id"].as_str().expect("a UUID").to_string();
    let qps_id = only_connector(&sim)["id"].to_string();
    assert_eq!(only_connector(&sim)["origin"], "cloudview");

    // Not merged yet: the move is refused and nothing changes, in Qualys or in the state.
    wd.write("main.tf", &(provider.clone() + &connector("v3")));
    let (code, plan) = wd.plan_exit_code();
    assert_eq!(code, 2, "{}", plan.text());
    assert!(
        plan.stdout.contains("0 to add, 1 to change, 0 to destroy")
            && !plan.stdout.contains("must be replaced"),
        "moving to v3 is an in-place change:\n{}",
        plan.stdout
    );
    let run = wd.run(&["apply", "-auto-approve", "-input=false"]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.flat().contains("not merged into the Connector app yet")
            && run.flat().contains("keep api = \"cloudview\""),
        "{}",
        run.text()
    );
    assert_eq!(wd.outputs()["id"], uuid.as_str(), "the state is unchanged");
    assert_eq!(
        only_connector(&sim)["description"],
        "one connector, three APIs"
    );

    // Qualys merges it into the Connector app: the same connector, now under its QPS id.
    sim.patch(&uuid, json!({"origin": "qps"}));
    let before = writes(&sim);
    wd.apply();
    let outputs = wd.outputs();
    assert_eq!(
        outputs["id"],
        qps_id.as_str(),
        "the QPS id of the same connector"
    );
    assert_eq!(outputs["cloudview_uuid"], uuid.as_str());
    let record = only_connector(&sim);
    assert_eq!(record["cloudviewUuid"], uuid.as_str());
    let after = writes(&sim);
    assert_eq!(
        (after.0 - before.0, after.2 - before.2),
        (0, 0),
        "no create, no delete: {}",
        sim.calls()
    );
    wd.assert_empty_plan();

    // Managed through QPS from now on: a change is an update of the same connector.
    wd.write(
        "main.tf",
        &(provider + &connector("v3")).replace("one connector, three APIs", "now through v3"),
    );
    wd.apply();
    assert_eq!(only_connector(&sim)["description"], "now through v3");
    assert_eq!(only_connector(&sim)["id"].to_string(), qps_id);
    wd.assert_empty_plan();
}

#[test]
fn a_merged_cloudview_connector_moves_to_v3_in_place_on_terraform_1_0() {
    move_a_merged_cloudview_connector_to_v3(terraform().to_path_buf());
}

#[test]
fn a_merged_cloudview_connector_moves_to_v3_in_place_on_terraform_1_11() {
    move_a_merged_cloudview_connector_to_v3(terraform_latest());
}

/// Attributes added since schema version 0, which an older provider's state lacks.
const ADDED_SINCE_0: [&str; 4] = [
    "sync_status",
    "attached_to_org_connector",
    "cloudview_uuid",
    "trust_principal",
];

/// Rewrites the state file as an older provider would have written it: schema version 0, and
/// none of the attributes added since.
fn as_written_by_an_older_provider(wd: &Workdir) {
    let path = wd.path().join("terraform.tfstate");
    let text = std::fs::read_to_string(&path).expect("reading the state");
    let mut state: Value = serde_json::from_str(&text).expect("a JSON state");
    let mut stripped = 0;
    for resource in state["resources"].as_array_mut().expect("resources") {
        for instance in resource["instances"].as_array_mut().expect("instances") {
            assert_eq!(instance["schema_version"], 1, "{instance}");
            instance["schema_version"] = json!(0);
            let attributes = instance["attributes"].as_object_mut().expect("attributes");
            for name in ADDED_SINCE_0 {
                stripped += usize::from(attributes.remove(name).is_some());
            }
        }
    }
    assert_eq!(stripped, 3 * ADDED_SINCE_0.len());
    state["serial"] = json!(state["serial"].as_u64().unwrap_or(0) + 1);
    std::fs::write(&path, state.to_string()).expect("writing the state");
}

fn refresh_after_an_upgrade_reports_no_drift(binary: PathBuf) {
    let sim = SimFixture::start();
    let config = sim.provider_hcl("demo")
        + &format!(
            r#"
resource "qualys_aws_connector" "c" {{
  for_each     = toset(["v3", "v2", "cloudview"])
  api          = each.key
  name         = "upgraded-${{each.key}}"
  arn          = "{ARN}"
  external_id  = "{EXTERNAL_ID}"
}}
"#
        );
    let wd = Workdir::new(&config).terraform(binary);
    wd.apply();
    as_written_by_an_older_provider(&wd);
    let reads = |sim: &SimFixture| -> u64 {
        [
            "qps3.search",
            "qps2.search",
            "qps3.get",
            "qps2.get",
            "cloudview.list",
            "cloudview.get",
        ]
        .iter()
        .map(|op| sim.call_count(op))
        .sum()
    };
    let before = reads(&sim);
    let run = wd.run(&[
        "plan",
        "-refresh-only",
        "-detailed-exitcode",
        "-input=false",
    ]);
    assert_eq!(
        run.code,
        0,
        "nothing changed in Qualys, so the first refresh after the upgrade reports nothing:\n{}",
        run.text()
    );
    let upgrading = reads(&sim) - before;

    // Saved, the upgraded state has every attribute, and a real change is still drift.
    wd.ok(&["apply", "-refresh-only", "-auto-approve", "-input=false"]);
    let state: Value = serde_json::from_str(
        &std::fs::read_to_string(wd.path().join("terraform.tfstate")).expect("the state"),
    )
    .expect("a JSON state");
    for instance in state["resources"][0]["instances"]
        .as_array()
        .expect("instances")
    {
        assert_eq!(instance["schema_version"], 1);
        let attributes = &instance["attributes"];
        assert_eq!(attributes["sync_status"], "pending", "{attributes}");
        assert!(attributes["cloudview_uuid"].is_string(), "{attributes}");
        assert!(
            attributes["trust_principal"]
                .as_str()
                .is_some_and(|p| p.starts_with("arn:aws:iam::")),
            "{attributes}"
        );
        if attributes["api"] != "cloudview" {
            assert_eq!(
                attributes["attached_to_org_connector"], false,
                "{attributes}"
            );
        }
    }
    // Completing the old state cost no call beyond the refresh's own reads.
    let before = reads(&sim);
    wd.ok(&["plan", "-refresh-only", "-input=false"]);
    assert_eq!(upgrading, reads(&sim) - before, "{}", sim.calls());

    let id = sim
        .connectors()
        .iter()
        .find(|c| c["name"] == "upgraded-v3")
        .map(|c| c["id"].to_string())
        .expect("the v3 connector");
    sim.patch(&id, json!({"description": "changed in the UI"}));
    let run = wd.run(&[
        "plan",
        "-refresh-only",
        "-detailed-exitcode",
        "-input=false",
    ]);
    assert_eq!(run.code, 2, "{}", run.text());
}

#[test]
fn refresh_only_after_a_provider_upgrade_is_clean_on_terraform_1_0() {
    refresh_after_an_upgrade_reports_no_drift(terraform().to_path_buf());
}

#[test]
fn refresh_only_after_a_provider_upgrade_is_clean_on_terraform_1_11() {
    refresh_after_an_upgrade_reports_no_drift(terraform_latest());
}
