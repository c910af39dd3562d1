//! Issue 20: plans a reviewer can read. A change Qualys does not sync again for shows only what
//! the configuration changed (what only Qualys reports keeps its value, and the apply returns
//! it); a region newer than the provider's list is a warning at plan, and Qualys's refusal at
//! apply is relayed with what to do.

use std::path::PathBuf;

use crate::support::sim::SimFixture;
use crate::support::terraform::{Run, Workdir, terraform, terraform_latest};

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
fn fifty_description_changes_show_fifty_lines_on_terraform_1_11() {
    a_description_change_shows_one_line_per_connector(terraform_latest());
}

const SCOPED: &str = r#"
resource "qualys_aws_connector" "c" {
  name         = "new-region"
  arn          = "arn:aws:iam::123456789012:role/Qualys"
  external_id  = "new-region-ext"
  all_regions  = false
  cspm_regions = ["us-east-1", "eu-central-2"]
}
"#;

fn a_new_region_is_qualys_to_judge(binary: PathBuf) {
    let sim = SimFixture::start();
    let wd = Workdir::new(&(sim.provider_hcl("demo") + SCOPED)).terraform(binary);
    let (code, plan) = wd.plan_exit_code();
    assert_eq!(code, 2, "a warning, not an error:\n{}", plan.text());
    let flat = plan.flat();
    assert!(
        flat.contains(
            "Warning: Region \"eu-central-2\" in cspm_regions is not in this provider's list"
        ) && flat.contains(
            "Qualys's supported list in this provider does not include it; Qualys decides at apply"
        ),
        "{}",
        plan.text()
    );

    // The simulator, like a Qualys that does not serve the region yet, refuses it.
    let run = wd.run(&["apply", "-auto-approve", "-input=false"]);
    assert_eq!(run.code, 1, "{}", run.text());
    let flat = run.flat();
    assert!(
        flat.contains("Could not create the Qualys connector")
            && flat.contains("eu-central-2 is not supported")
            && flat.contains("names \"eu-central-2\" in its regions")
            && flat.contains("Remove it from cspm_regions"),
        "Qualys's refusal, and what to do about it:\n{}",
        run.text()
    );
    assert!(sim.connectors().is_empty());

    // Partition rules stay errors at plan.
    wd.write(
        "main.tf",
        &(sim.provider_hcl("demo") + &SCOPED.replace("eu-central-2", "cn-north-3")),
    );
    let run = wd.run(&["plan", "-input=false"]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.flat().contains(
            "\"cn-north-3\" is a china region, but this connector is in the global partition"
        ),
        "{}",
        run.text()
    );
}

#[test]
fn a_region_newer_than_the_provider_warns_and_qualys_decides_on_terraform_1_0() {
    a_new_region_is_qualys_to_judge(terraform().to_path_buf());
}

#[test]
fn a_region_newer_than_the_provider_warns_and_qualys_decides_on_terraform_1_11() {
    a_new_region_is_qualys_to_judge(terraform_latest());
}
