//! `qualys_aws_connector` created, read, changed in place, replaced, imported and destroyed on
//! every API, with the attributes each API carries (apps, modules, tags, polling, disabled).

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::support::fixtures::{
    ARN, CV_EXTERNAL_ID, external_id, lifecycle_connector, only_connector, record_named,
    round_trip_workdir,
};
use crate::support::sim::{SimFixture, sorted_strings};
use crate::support::terraform::{Run, Workdir, terraform, terraform_latest, terraform_oldest};

const OUTPUTS: &str = r#"
output "id" { value = qualys_aws_connector.c.id }
output "qualys_aws_account_id" { value = qualys_aws_connector.c.qualys_aws_account_id }
output "aws_account_id" { value = qualys_aws_connector.c.aws_account_id }
"#;

/// The Terraform id of a simulator record for `api`.
fn tf_id(record: &Value, api: &str) -> String {
    if api == "cloudview" {
        record["cloudviewUuid"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    } else {
        record["id"].to_string()
    }
}

fn lifecycle(api: &str) {
    let sim = SimFixture::start();
    let provider = sim.provider_hcl("demo") + OUTPUTS;
    let wd = Workdir::new(&(provider.clone() + &lifecycle_connector(api, "first", false)));

    // Create, then nothing to do.
    wd.apply();
    let record = only_connector(&sim);
    assert_eq!(record["name"], format!("lifecycle-{api}"));
    assert_eq!(record["description"], "first");
    assert_eq!(record["runFrequency"], 150);
    assert_eq!(record["externalId"], external_id(api));
    if api != "cloudview" {
        assert_eq!(record["allRegions"], false);
        assert_eq!(
            sorted_strings(&record["cspmRegions"]),
            ["af-south-1", "us-east-1"]
        );
        assert_eq!(sorted_strings(&record["endpoints"]), ["af-south-1"]);
    }
    let id = tf_id(&record, api);
    let outputs = wd.outputs();
    assert_eq!(outputs["id"], id.as_str());
    assert_eq!(
        outputs["qualys_aws_account_id"],
        qualys_sim::QUALYS_AWS_ACCOUNT_ID
    );
    assert_eq!(outputs["aws_account_id"], "123456789012");
    wd.assert_empty_plan();

    // Update in place keeps the connector.
    wd.write(
        "main.tf",
        &(provider.clone() + &lifecycle_connector(api, "second", false)),
    );
    let (code, plan) = wd.plan_exit_code();
    assert_eq!(code, 2);
    assert!(
        plan.stdout.contains("1 to change, 0 to destroy"),
        "{}",
        plan.text()
    );
    wd.apply();
    let record = only_connector(&sim);
    assert_eq!(tf_id(&record, api), id, "updated in place");
    assert_eq!(record["description"], "second");
    wd.assert_empty_plan();

    // An out-of-band change shows in the plan and apply reverts it.
    sim.patch(
        &id,
        json!({"description": "changed behind terraform's back"}),
    );
    let (code, plan) = wd.plan_exit_code();
    assert_eq!(code, 2);
    assert!(
        plan.stdout.contains("changed behind terraform's back"),
        "{}",
        plan.text()
    );
    wd.apply();
    assert_eq!(only_connector(&sim)["description"], "second");
    wd.assert_empty_plan();

    // Import into a fresh state, then an empty plan.
    let import_id = match api {
        "v3" => id.clone(),
        "v2" => format!("v2:{id}"),
        _ => format!("cloudview:{id}"),
    };
    let other =
        Workdir::new(&(sim.provider_hcl("demo") + &lifecycle_connector(api, "second", false)));
    other.ok(&[
        "import",
        "-input=false",
        "qualys_aws_connector.c",
        &import_id,
    ]);
    other.assert_empty_plan();

    // Replace on is_gov_cloud (the ARN and regions move to GovCloud with it).
    wd.write(
        "main.tf",
        &(provider.clone() + &lifecycle_connector(api, "second", true)),
    );
    let (code, plan) = wd.plan_exit_code();
    assert_eq!(code, 2);
    assert!(plan.stdout.contains("must be replaced"), "{}", plan.text());
    wd.apply();
    let record = only_connector(&sim);
    assert_ne!(tf_id(&record, api), id, "replaced");
    assert_eq!(record["partition"], "aws-us-gov");
    wd.assert_empty_plan();

    // An out-of-band delete: the plan creates it again, with the scope warning.
    let id = tf_id(&record, api);
    sim.delete(&id);
    let (code, plan) = wd.plan_exit_code();
    assert_eq!(code, 2);
    assert!(plan.stdout.contains("will be created"), "{}", plan.text());
    assert!(
        (plan.stdout.clone() + &plan.stderr).contains("Qualys connector not found"),
        "{}",
        plan.text()
    );
    wd.apply();
    assert_ne!(tf_id(&only_connector(&sim), api), id);

    // Destroy leaves the simulator empty.
    wd.ok(&["destroy", "-auto-approve", "-input=false"]);
    assert!(sim.connectors().is_empty());
}

#[test]
fn create_update_drift_import_replace_and_destroy_on_v3() {
    lifecycle("v3");
}

#[test]
fn create_update_drift_import_replace_and_destroy_on_v2() {
    lifecycle("v2");
}

#[test]
fn create_update_drift_import_replace_and_destroy_on_cloudview() {
    lifecycle("cloudview");
}

#[test]
fn twenty_connectors_with_for_each_apply_once_and_destroy() {
    let sim = SimFixture::start();
    let config = sim.provider_hcl("demo")
        + r#"
resource "qualys_aws_connector" "many" {
  for_each    = { for i in range(20) : format("c%02d", i) => i }
  api         = element(["v3", "v2", "cloudview"], each.value)
  name        = each.key
  arn         = format("arn:aws:iam::%012d:role/Qualys", 100000000000 + each.value)
  external_id = format("USPOD01-4765-k%05d", each.value)
}
"#;
    let wd = Workdir::new(&config);
    wd.apply();
    let all = sim.connectors();
    assert_eq!(all.len(), 20);
    let mut names: Vec<String> = all
        .iter()
        .map(|c| c["name"].as_str().unwrap_or_default().to_string())
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 20, "no duplicates");
    wd.assert_empty_plan();
    wd.ok(&["destroy", "-auto-approve", "-input=false"]);
    assert!(sim.connectors().is_empty());
}

#[test]
fn unknown_arn_at_plan_time_plans_and_applies() {
    let sim = SimFixture::start();
    let config = sim.provider_hcl("demo")
        + r#"
resource "qualys_aws_connector" "first" {
  name        = "first"
  arn         = "arn:aws:iam::123456789012:role/First"
  external_id = "pod-test-env"
}

resource "qualys_aws_connector" "second" {
  name         = "second"
  arn          = "arn:aws:iam::123456789012:role/Second-${qualys_aws_connector.first.id}"
  external_id  = "ext-${qualys_aws_connector.first.id}"
  all_regions  = false
  cspm_regions = [qualys_aws_connector.first.is_gov_cloud ? "us-gov-west-1" : "us-east-1"]
}
"#;
    let wd = Workdir::new(&config);
    let (code, plan) = wd.plan_exit_code();
    assert_eq!(code, 2, "{}", plan.text());
    wd.apply();
    assert_eq!(sim.connectors().len(), 2);
    wd.assert_empty_plan();
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
    let c = record_named(&sim, "apps");
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
    let c = record_named(&sim, "apps");
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
    let c = record_named(&sim, "defaults");
    assert_eq!(sorted(&c["activation"]), ["PC", "VM"], "{c}");
    wd.assert_empty_plan();
}

#[test]
fn a_cloudview_connector_is_disabled_and_enabled_again_in_place() {
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
    assert_eq!(record_named(&sim, "cv-switch")["disabled"], false);
    assert_eq!(
        record_named(&sim, "cv-switch")["isRemediationEnabled"],
        true
    );
    wd.assert_empty_plan();
    wd.write("main.tf", &config(true));
    wd.apply();
    assert_eq!(record_named(&sim, "cv-switch")["disabled"], true);
    assert!(sim.call_count("cloudview.disable") >= 1);
    wd.assert_empty_plan();
    wd.write("main.tf", &config(false));
    wd.apply();
    assert_eq!(record_named(&sim, "cv-switch")["disabled"], false);
    assert!(sim.call_count("cloudview.enable") >= 1);
    wd.assert_empty_plan();
}

#[test]
fn attached_to_org_connector_is_read_only_and_read_from_qualys() {
    let sim = SimFixture::start();
    let config = sim.provider_hcl("demo")
        + &format!(
            r#"
resource "qualys_aws_connector" "c" {{
  name        = "member"
  arn         = "{ARN}"
  external_id = "member-external"
}}

output "attached" {{
  value = qualys_aws_connector.c.attached_to_org_connector
}}
"#
        );
    let wd = Workdir::new(&config);
    wd.apply();
    assert_eq!(wd.outputs()["attached"], false);
    let id = sim.connectors()[0]["id"].to_string();
    sim.patch(&id, json!({"isAttachedToOrgConnector": true}));
    wd.ok(&["apply", "-refresh-only", "-auto-approve", "-input=false"]);
    assert_eq!(wd.outputs()["attached"], true);

    let wd = Workdir::new(
        &(config.replace(
            "external_id = \"member-external\"",
            "external_id = \"member-external\"\n  attached_to_org_connector = true",
        )),
    );
    let run = wd.run(&["plan", "-input=false"]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.flat().contains("attached_to_org_connector"),
        "{}",
        run.text()
    );
}

/// 50 connectors over the three APIs, with `description`.
fn fifty(sim: &SimFixture, description: &str) -> String {
    sim.provider_hcl("demo")
        + &format!(
            r#"
resource "qualys_aws_connector" "many" {{
  for_each    = {{ for i in range(50) : format("c%02d", i) => i }}
  api         = element(["v3", "v2", "cloudview"], each.value)
  name        = each.key
  description = "{description}"
  arn         = format("arn:aws:iam::%012d:role/Qualys", 100000000000 + each.value)
  external_id = format("USPOD01-4765-quiet%05d", each.value)
}}
"#
        )
}

/// The plan's lines that start with `~` (in-place updates and changed attributes), but for
/// the legend's `~ update in-place`.
fn tilde_lines(plan: &Run) -> Vec<String> {
    plan.stdout
        .lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with('~') && *l != "~ update in-place")
        .map(str::to_string)
        .collect()
}

fn a_description_change_shows_one_line_per_connector(binary: PathBuf) {
    let sim = SimFixture::start();
    let wd = Workdir::new(&fifty(&sim, "before")).terraform(binary);
    wd.apply();
    wd.write("main.tf", &fifty(&sim, "after"));
    let (code, plan) = wd.plan_exit_code();
    assert_eq!(code, 2, "{}", plan.text());
    assert!(
        plan.stdout.contains("0 to add, 50 to change, 0 to destroy"),
        "{}",
        plan.stdout
    );
    let changed = tilde_lines(&plan);
    let resources = changed
        .iter()
        .filter(|l| l.starts_with("~ resource \"qualys_aws_connector\""))
        .count();
    let descriptions = changed
        .iter()
        .filter(|l| l.starts_with("~ description") && l.contains("\"before\" -> \"after\""))
        .count();
    assert_eq!(
        (resources, descriptions, changed.len()),
        (50, 50, 100),
        "50 connectors, each with one changed attribute and nothing else:\n{}",
        plan.stdout
    );
    assert!(
        !plan.stdout.contains("known after apply"),
        "{}",
        plan.stdout
    );
    // The apply returns exactly what was planned (the run checks Terraform reports no
    // inconsistent result), and Qualys has the change.
    wd.apply();
    assert!(sim.connectors().iter().all(|c| c["description"] == "after"));
    wd.assert_empty_plan();

    // A change Qualys reads the account again for still leaves what it reports unknown.
    wd.write(
        "main.tf",
        &fifty(&sim, "after").replace("quiet%05d", "rotated%05d"),
    );
    let (code, plan) = wd.plan_exit_code();
    assert_eq!(code, 2, "{}", plan.text());
    assert!(
        plan.stdout.contains("~ state ") && plan.stdout.contains("(known after apply)"),
        "{}",
        plan.stdout
    );
}

#[test]
fn fifty_description_changes_show_fifty_lines_on_terraform_1_0() {
    a_description_change_shows_one_line_per_connector(terraform().to_path_buf());
}

#[test]
fn fifty_description_changes_show_fifty_lines_on_terraform_1_15() {
    a_description_change_shows_one_line_per_connector(terraform_latest());
}

fn polling_hours_only(binary: PathBuf) {
    let sim = SimFixture::start();
    let wd = Workdir::new(
        &(sim.provider_hcl("demo")
            + &format!(
                r#"
resource "qualys_aws_connector" "c" {{
  name              = "six-hourly"
  arn               = "{ARN}"
  external_id       = "six-hourly-x1"
  polling_frequency = {{ hours = 6 }}
}}

output "polling" {{ value = qualys_aws_connector.c.polling_frequency }}
"#
            )),
    )
    .terraform(binary);
    wd.apply();
    assert_eq!(sim.connectors()[0]["runFrequency"], 360);
    assert_eq!(wd.outputs()["polling"], json!({"hours": 6, "minutes": 0}));
    wd.assert_empty_plan();
}

#[test]
fn polling_frequency_with_hours_only_reads_back_as_minutes_zero_on_terraform_1_15() {
    polling_hours_only(terraform_latest());
}

#[test]
fn polling_frequency_with_hours_only_reads_back_as_minutes_zero_on_terraform_1_0() {
    polling_hours_only(terraform_oldest());
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

#[test]
fn a_terraform_test_file_creates_and_changes_a_connector() {
    let sim = SimFixture::start();
    let wd = Workdir::new("").terraform(terraform_latest());
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/terraform"),
        wd.path(),
    );
    let run = wd.run_with_env(
        &["test"],
        &[
            ("QUALYS_API_URL", sim.url.as_str()),
            ("QUALYS_USERNAME", "demo"),
            ("QUALYS_PASSWORD", "demo"),
        ],
    );
    assert!(run.success(), "{}", run.text());
    assert!(
        run.stdout.contains("2 passed, 0 failed"),
        "both runs passed:\n{}",
        run.text()
    );
    assert_eq!(
        sim.call_count("qps3.create"),
        1,
        "one connector for both runs"
    );
    assert!(
        sim.connectors().is_empty(),
        "terraform test destroys what it made"
    );
}

/// `planned_by_provider`: whether Terraform asks the provider to plan the destroy, as 1.3+ does
/// when the provider declares `plan_destroy` (1.0.3 never does).
fn plan_destroy_then_destroy(binary: PathBuf, planned_by_provider: bool) {
    let sim = SimFixture::start();
    let wd = round_trip_workdir(&sim, binary);
    wd.apply();
    assert_eq!(sim.connectors().len(), 1);
    let plan = wd.run(&["plan", "-destroy", "-detailed-exitcode", "-input=false"]);
    assert_eq!(plan.code, 2, "a destroy plan has changes:\n{}", plan.text());
    assert!(
        plan.stdout.contains("0 to add, 0 to change, 1 to destroy"),
        "{}",
        plan.text()
    );
    // The provider's own log line: Terraform logs every PlanResourceChange on its side even
    // when it answers a destroy itself for a provider without `plan_destroy`.
    let planned = plan
        .log
        .lines()
        .any(|l| l.contains("planning a resource change") && l.contains("destroy=true"));
    assert_eq!(
        planned, planned_by_provider,
        "the provider planned the destroy itself"
    );
    assert_eq!(sim.connectors().len(), 1, "planning destroys nothing");
    wd.ok(&["destroy", "-auto-approve", "-input=false"]);
    assert!(sim.connectors().is_empty(), "destroy deleted the connector");
}

#[test]
fn a_destroy_plan_then_destroy_removes_the_connector_on_terraform_1_15() {
    plan_destroy_then_destroy(terraform_latest(), true);
}

#[test]
fn a_destroy_plan_then_destroy_removes_the_connector_on_terraform_1_0() {
    plan_destroy_then_destroy(terraform_oldest(), false);
}
