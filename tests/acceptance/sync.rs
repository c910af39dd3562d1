//! Syncs: `wait_for_sync` waits for Qualys's verdict and fails the apply with what to fix;
//! `sync_status` is one verdict on every API, and the connectors data source filters on it.

use serde_json::json;

use crate::support::fixtures::{ARN, CV_EXTERNAL_ID};
use crate::support::sim::SimFixture;
use crate::support::terraform::Workdir;

fn sync_config(sim: &SimFixture, arn: &str, wait: bool) -> String {
    sim.provider_hcl("demo")
        + &format!(
            r#"
resource "qualys_aws_connector" "c" {{
  name          = "synced"
  arn           = "{arn}"
  external_id   = "synced-external"
  wait_for_sync = {wait}
}}

output "state" {{ value = qualys_aws_connector.c.state }}
output "last_sync" {{ value = qualys_aws_connector.c.last_sync }}
"#
        )
}

#[test]
fn wait_for_sync_fails_the_apply_on_an_unassumable_role_and_passes_once_it_is_fixed() {
    let sim = SimFixture::start();
    let arn = "arn:aws:iam::123456789012:role/NotTrustingQualys";
    let message = "User: arn:aws:sts::805950163170:assumed-role/QualysConnectorRole/qualys-sync \
                   is not authorized to perform: sts:AssumeRole on resource: \
                   arn:aws:iam::123456789012:role/NotTrustingQualys";
    sim.role(arn, false, Some(message));
    let wd = Workdir::new(&sync_config(&sim, arn, true));
    let run = wd.run(&["apply", "-auto-approve", "-input=false"]);
    assert_eq!(run.code, 1, "{}", run.text());
    let flat = run.flat();
    for needle in [
        "Qualys could not sync the AWS account",
        "is not authorized to perform: sts:AssumeRole",
        "us-east-1",
        "sts:ExternalId is exactly \"synced-external\"",
        "805950163170",
    ] {
        assert!(flat.contains(needle), "{needle:?} in:\n{}", run.text());
    }
    let state = wd.ok(&["state", "list"]).stdout;
    assert!(
        state.contains("qualys_aws_connector.c"),
        "kept in state: {state}"
    );
    assert_eq!(sim.connectors().len(), 1);

    // The role is fixed: the next apply checks again and succeeds.
    sim.role(arn, true, None);
    wd.apply();
    let outputs = wd.outputs();
    assert!(
        ["SUCCESS", "FINISHED_SUCCESS"].contains(&outputs["state"].as_str().unwrap_or_default()),
        "{outputs}"
    );
    assert_eq!(sim.connectors().len(), 1, "one connector in the end");
    wd.assert_empty_plan();
}

#[test]
fn without_wait_for_sync_the_apply_does_not_wait() {
    let sim = SimFixture::start();
    let arn = "arn:aws:iam::123456789012:role/NotTrustingQualys";
    sim.role(arn, false, None);
    let wd = Workdir::new(&sync_config(&sim, arn, false));
    wd.apply();
    assert_eq!(wd.outputs()["state"], "PENDING");
    assert_eq!(sim.call_count("qps3.run"), 0, "no sync asked for");
    wd.assert_empty_plan();
}

#[test]
fn sync_status_is_one_verdict_on_every_api_and_the_data_source_filters_on_it() {
    let sim = SimFixture::start();
    let config = sim.provider_hcl("demo")
        + &format!(
            r#"
resource "qualys_aws_connector" "qps" {{
  name          = "synced-qps"
  arn           = "{ARN}"
  external_id   = "synced-qps-external"
  wait_for_sync = true
}}

resource "qualys_aws_connector" "cv" {{
  api           = "cloudview"
  name          = "synced-cv"
  arn           = "{ARN}"
  external_id   = "{CV_EXTERNAL_ID}"
  wait_for_sync = true
  timeouts      = {{ create = "2m" }}
}}

output "states" {{
  value = {{
    qps = [qualys_aws_connector.qps.state, qualys_aws_connector.qps.sync_status]
    cv  = [qualys_aws_connector.cv.state, qualys_aws_connector.cv.sync_status]
  }}
}}
"#
        );
    let wd = Workdir::new(&config);
    wd.apply();
    let outputs = wd.outputs();
    assert_eq!(
        outputs["states"]["qps"],
        json!(["FINISHED_SUCCESS", "success"]),
        "{outputs}"
    );
    // The CloudView state reads as on a real 2026 tenant.
    assert_eq!(
        outputs["states"]["cv"],
        json!(["Completed successfully", "success"]),
        "{outputs}"
    );
    wd.assert_empty_plan();

    let filters = sim.provider_hcl("demo")
        + r#"
data "qualys_aws_connectors" "synced" {
  sync_status = "success"
}

data "qualys_aws_connectors" "by_state_any_case" {
  state = "finished_success"
}

data "qualys_aws_connectors" "cv_text" {
  state = "COMPLETED SUCCESSFULLY"
}

data "qualys_aws_connectors" "failed" {
  sync_status = "error"
}

output "found" {
  value = {
    synced  = [for c in data.qualys_aws_connectors.synced.connectors : "${c.api}:${c.name}:${c.sync_status}"]
    state   = [for c in data.qualys_aws_connectors.by_state_any_case.connectors : c.name]
    cv_text = [for c in data.qualys_aws_connectors.cv_text.connectors : c.name]
    failed  = [for c in data.qualys_aws_connectors.failed.connectors : c.name]
  }
}
"#;
    let reader = Workdir::new(&filters);
    reader.apply();
    let found = &reader.outputs()["found"];
    assert_eq!(
        found["synced"],
        json!(["cloudview:synced-cv:success", "v3:synced-qps:success"]),
        "{found}"
    );
    assert_eq!(found["state"], json!(["synced-qps"]), "{found}");
    assert_eq!(found["cv_text"], json!(["synced-cv"]), "{found}");
    assert_eq!(found["failed"], json!([]), "{found}");

    let bad = Workdir::new(
        &(sim.provider_hcl("demo")
            + r#"
data "qualys_aws_connectors" "x" {
  sync_status = "SUCCESS"
}
"#),
    );
    let run = bad.run(&["plan", "-input=false"]);
    assert_eq!(run.code, 1, "{}", run.text());
    let flat = run.flat();
    assert!(flat.contains("Invalid sync_status"), "{flat}");
    assert!(
        flat.contains("sync_status must be one of \"success\""),
        "{flat}"
    );
}
