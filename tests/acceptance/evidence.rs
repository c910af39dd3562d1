//! Issue 10: the provider against the Qualys APIs as public evidence shows them (connector apps,
//! modules and default tags, CloudView's enable/disable and remediation, base accounts per
//! partition, cross-API updates refused, listings that fail or ignore paging), and issue 13's
//! sync verdict, with the real Terraform against qualys-sim.

use serde_json::json;

use crate::support::sim::SimFixture;
use crate::support::terraform::Workdir;

const ARN: &str = "arn:aws:iam::123456789012:role/QualysConnector";
const CV_EXTERNAL_ID: &str = "USPOD01-4765-abc123def";

fn record(sim: &SimFixture, name: &str) -> serde_json::Value {
    sim.connectors()
        .into_iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no connector {name}"))
}

/// The connector apps of a simulator record (an object keyed by app name).
fn app_names(record: &serde_json::Value) -> Vec<String> {
    record["apps"]
        .as_object()
        .map(|apps| apps.keys().cloned().collect())
        .unwrap_or_default()
}

fn sorted(v: &serde_json::Value) -> Vec<String> {
    crate::support::sim::sorted_strings(v)
}

#[test]
fn apps_modules_and_tags_apply_read_back_and_change_in_place() {
    let sim = SimFixture::start();
    let config = |apps: &str, tags: &str| {
        sim.provider_hcl("demo")
            + &format!(
                r#"
resource "qualys_aws_connector" "c" {{
  name               = "apps"
  arn                = "{ARN}"
  external_id        = "apps-external"
  connector_apps     = {apps}
  activation_modules = ["VM", "PC"]
  default_tag_ids    = {tags}
  all_regions        = false
  cspm_regions       = ["us-east-1"]
}}
"#
            )
    };
    let wd = Workdir::new(&config(r#"["AI", "CI", "CSA"]"#, "[1001]"));
    wd.apply();
    let c = record(&sim, "apps");
    assert_eq!(app_names(&c), ["AI", "CI", "CSA"], "{c}");
    assert_eq!(c["apps"]["CSA"]["identifier"], ARN, "{c}");
    assert_eq!(c["defaultTags"], json!([1001]), "{c}");
    assert_eq!(sorted(&c["activation"]), ["PC", "VM"], "{c}");
    wd.assert_empty_plan();

    // Drop an app, change the tags: an update in place, no replacement.
    wd.write("main.tf", &config(r#"["AI", "CSA"]"#, "[1002, 1003]"));
    let plan = wd.ok(&["plan", "-input=false"]);
    assert!(
        plan.stdout.contains("1 to change, 0 to destroy"),
        "{}",
        plan.stdout
    );
    wd.apply();
    assert_eq!(sim.connectors().len(), 1, "updated in place");
    let c = record(&sim, "apps");
    assert_eq!(app_names(&c), ["AI", "CSA"], "{c}");
    assert_eq!(c["defaultTags"], json!([1002, 1003]), "{c}");
    wd.assert_empty_plan();

    // CSPM regions without the CSA app: a warning at plan time, pointing at cspm_regions.
    wd.write("main.tf", &config(r#"["AI", "CI"]"#, "[1002, 1003]"));
    let plan = wd.ok(&["plan", "-input=false"]);
    assert!(
        plan.flat().contains("cspm_regions without the CSA app"),
        "{}",
        plan.text()
    );
}

#[test]
fn a_new_qps_connector_gets_the_apps_and_modules_qualys_scripts_send() {
    let sim = SimFixture::start();
    let wd = Workdir::new(
        &(sim.provider_hcl("demo")
            + &format!(
                "resource \"qualys_aws_connector\" \"c\" {{\n  name = \"defaults\"\n  arn = \"{ARN}\"\n  external_id = \"defaults-x1\"\n}}\n"
            )),
    );
    wd.apply();
    let c = record(&sim, "defaults");
    assert_eq!(sorted(&c["activation"]), ["PC", "VM"], "{c}");
    wd.assert_empty_plan();
}

#[test]
fn cloudview_connector_disabled_and_enabled_again() {
    let sim = SimFixture::start();
    let config = |disabled: bool| {
        sim.provider_hcl("demo")
            + &format!(
                r#"
resource "qualys_aws_connector" "c" {{
  api                 = "cloudview"
  name                = "cv-switch"
  arn                 = "{ARN}"
  external_id         = "{CV_EXTERNAL_ID}"
  disabled            = {disabled}
  remediation_enabled = true
}}
"#
            )
    };
    let wd = Workdir::new(&config(false));
    wd.apply();
    assert_eq!(record(&sim, "cv-switch")["disabled"], false);
    assert_eq!(record(&sim, "cv-switch")["isRemediationEnabled"], true);
    wd.assert_empty_plan();
    wd.write("main.tf", &config(true));
    wd.apply();
    assert_eq!(record(&sim, "cv-switch")["disabled"], true);
    assert!(sim.call_count("cloudview.disable") >= 1);
    wd.assert_empty_plan();
    wd.write("main.tf", &config(false));
    wd.apply();
    assert_eq!(record(&sim, "cv-switch")["disabled"], false);
    assert!(sim.call_count("cloudview.enable") >= 1);
    wd.assert_empty_plan();
}

#[test]
fn base_accounts_feed_trust_policies_for_every_partition() {
    let sim = SimFixture::with_china();
    let wd = Workdir::new(
        &(sim.provider_hcl("demo")
            + r#"
data "qualys_aws_base_account" "global" {}

data "qualys_aws_base_account" "gov" {
  partition = "gov"
}

data "qualys_aws_base_account" "china" {
  partition = "china"
}

locals {
  trust = {
    for name, account in {
      global = data.qualys_aws_base_account.global
      gov    = data.qualys_aws_base_account.gov
      china  = data.qualys_aws_base_account.china
    } : name => jsonencode({
      Version = "2012-10-17"
      Statement = [{
        Effect    = "Allow"
        Action    = "sts:AssumeRole"
        Principal = { AWS = account.trust_principal }
        Condition = { StringEquals = { "sts:ExternalId" = "USPOD01-4765-abc123def" } }
      }]
    })
  }
}

output "trust" { value = local.trust }
output "accounts" {
  value = [for a in [data.qualys_aws_base_account.global, data.qualys_aws_base_account.gov, data.qualys_aws_base_account.china] : a.account_id]
}
"#),
    );
    wd.apply();
    let outputs = wd.outputs();
    let accounts: Vec<String> =
        serde_json::from_value(outputs["accounts"].clone()).expect("three accounts");
    assert_eq!(
        accounts,
        [
            qualys_sim::QUALYS_AWS_ACCOUNT_ID,
            qualys_sim::QUALYS_GOV_AWS_ACCOUNT_ID,
            SimFixture::CHINA_BASE_ACCOUNT
        ]
    );
    for (name, partition, account) in [
        ("global", "aws", qualys_sim::QUALYS_AWS_ACCOUNT_ID),
        ("gov", "aws-us-gov", qualys_sim::QUALYS_GOV_AWS_ACCOUNT_ID),
        ("china", "aws-cn", SimFixture::CHINA_BASE_ACCOUNT),
    ] {
        let policy: serde_json::Value =
            serde_json::from_str(outputs["trust"][name].as_str().unwrap_or_default())
                .expect("a JSON policy");
        assert_eq!(
            policy["Statement"][0]["Principal"]["AWS"],
            format!("arn:{partition}:iam::{account}:root")
        );
    }
}

#[test]
fn an_update_through_the_api_that_did_not_make_the_connector_is_refused_with_the_way_out() {
    let sim = SimFixture::start();
    let uuid = sim.create_out_of_band("cloudview", "cv-made", ARN, CV_EXTERNAL_ID);
    let qps_id = record(&sim, "cv-made")["id"].to_string();
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
        record(&sim, "cv-made")["description"],
        "",
        "nothing changed"
    );
}

#[test]
fn a_cloudview_listing_answering_404_during_a_refresh_loses_no_connector() {
    let sim = SimFixture::start();
    let wd = Workdir::new(
        &(sim.provider_hcl("demo")
            + &format!(
                r#"
resource "qualys_aws_connector" "c" {{
  for_each    = toset(["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"])
  api         = "cloudview"
  name        = "cv-${{each.key}}"
  arn         = "{ARN}"
  external_id = "{CV_EXTERNAL_ID}"
}}
"#
            )),
    );
    wd.apply();
    sim.fault(json!({
        "method": "GET", "path_prefix": "/cloudview-api/rest/v1/aws/connectors", "count": 1,
        "status": 404, "body": {"errorCode": "NOT_FOUND", "message": "Not Found", "timestamp": 0}
    }));
    let (code, run) = wd.plan_exit_code();
    assert_eq!(
        code,
        0,
        "no connector is planned for re-creation:\n{}",
        run.text()
    );
    assert!(!run.flat().contains("not found"), "{}", run.text());
    assert_eq!(
        wd.ok(&["state", "list"]).stdout.lines().count(),
        10,
        "every connector stays in the state"
    );
}

#[test]
fn a_qps_listing_that_ignores_its_paging_ends_with_an_error() {
    let sim = SimFixture::start();
    for i in 0..3 {
        sim.create_out_of_band("v3", &format!("page-{i}"), ARN, "paging-x1");
    }
    sim.quirks(json!({"qps_ignore_paging": true}));
    let wd = Workdir::new(
        &(sim.provider_hcl("demo")
            + "data \"qualys_aws_connectors\" \"all\" {}\noutput \"n\" { value = length(data.qualys_aws_connectors.all.connectors) }\n"),
    );
    let run = wd.run(&["plan", "-input=false"]);
    // Three connectors fit one page, so ignoring the paging changes nothing here unless the
    // answer also claims more records: the simulator's quirk does.
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.flat().contains("Could not list the Qualys connectors"),
        "{}",
        run.text()
    );
    assert!(
        sim.call_count("qps3.search") <= 10,
        "a handful of calls, not a loop: {}",
        sim.calls()
    );
}

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
