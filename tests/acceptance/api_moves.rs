//! Moving a connector between APIs: v2 <-> v3 and a merged CloudView connector to v3 in place,
//! QPS to CloudView as a replacement, and an update through the wrong API refused.

use std::path::PathBuf;

use serde_json::json;

use crate::support::fixtures::{
    ARN, CV_EXTERNAL_ID, lifecycle_connector, only_connector, record_named,
};
use crate::support::sim::SimFixture;
use crate::support::terraform::{Workdir, terraform, terraform_latest};

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
fn v2_to_v3_and_back_keeps_the_connector_on_terraform_1_15() {
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
fn a_merged_cloudview_connector_moves_to_v3_in_place_on_terraform_1_15() {
    move_a_merged_cloudview_connector_to_v3(terraform_latest());
}

/// CloudView cannot change a connector the Connector app made, so moving one to `cloudview`
/// replaces it (v2 <-> v3, and CloudView to QPS, move in place: the tests above).
#[test]
fn moving_a_qps_connector_to_cloudview_replaces_it() {
    let sim = SimFixture::start();
    let provider = sim.provider_hcl("demo");
    let wd = Workdir::new(&(provider.clone() + &lifecycle_connector("v3", "x", false)));
    wd.apply();
    let before = only_connector(&sim)["id"].clone();
    wd.write(
        "main.tf",
        &(provider + &lifecycle_connector("cloudview", "x", false)),
    );
    let (code, plan) = wd.plan_exit_code();
    assert_eq!(code, 2);
    assert!(plan.stdout.contains("must be replaced"), "{}", plan.text());
    wd.apply();
    assert_ne!(only_connector(&sim)["id"], before);
    wd.assert_empty_plan();
}

#[test]
fn an_update_through_the_api_that_did_not_make_the_connector_is_refused_with_the_way_out() {
    let sim = SimFixture::start();
    let uuid = sim.create_out_of_band("cloudview", "cv-made", ARN, CV_EXTERNAL_ID);
    let qps_id = record_named(&sim, "cv-made")["id"].to_string();
    let config = |description: &str| {
        sim.provider_hcl("demo")
            + &format!(
                r#"
resource "qualys_aws_connector" "c" {{
  api         = "v3"
  name        = "cv-made"
  description = "{description}"
  arn         = "{ARN}"
  external_id = "{CV_EXTERNAL_ID}"
}}
"#
            )
    };
    let wd = Workdir::new(&config(""));
    wd.ok(&["import", "qualys_aws_connector.c", &format!("v3:{qps_id}")]);
    wd.write("main.tf", &config("changed"));
    let run = wd.run(&["apply", "-auto-approve", "-input=false"]);
    assert_eq!(run.code, 1, "{}", run.text());
    let flat = run.flat();
    assert!(
        flat.contains("can only be changed through CloudView")
            && flat.contains(&format!("cloudview:{uuid}")),
        "{}",
        run.text()
    );
    assert_eq!(
        record_named(&sim, "cv-made")["description"],
        "",
        "nothing changed"
    );
}
