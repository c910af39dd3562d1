//! Every configuration under `examples/` works with the real Terraform against qualys-sim:
//! validate, apply, an empty second plan, destroy; and all are `terraform fmt` clean.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::sim::{SimFixture, sorted_strings};
use crate::support::terraform::{Workdir, terraform_latest};

/// What resource and data-source snippets leave to the surrounding configuration.
const REQUIRED_PROVIDERS: &str = r#"
terraform {
  required_providers {
    qualys = { source = "qualys-tf/qualys" }
  }
}
"#;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// A working directory holding the example's `.tf` files beside `harness` (as `main.tf`),
/// pointed at `sim` through the environment only.
fn example_workdir(example: &str, harness: &str, sim: &SimFixture) -> Workdir {
    let wd = Workdir::new(harness)
        .env("QUALYS_API_URL", &sim.url)
        .env("QUALYS_USERNAME", "demo")
        .env("QUALYS_PASSWORD", "demo")
        // Set but empty reads as unset: nothing from the test's own environment leaks in.
        .env("QUALYS_PLATFORM", "")
        .env("QUALYS_CLOUDVIEW_URL", "");
    let dir = examples().join(example);
    let entries =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    let mut copied = 0;
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        // Import blocks need Terraform 1.5: import_blocks_example runs that file on its own.
        if path.extension().is_some_and(|e| e == "tf") && !path.ends_with("import-by-string-id.tf")
        {
            let name = path.file_name().and_then(|n| n.to_str()).expect("a name");
            let text = std::fs::read_to_string(&path).expect("reading an example");
            wd.write(name, &text);
            copied += 1;
        }
    }
    assert!(copied > 0, "{} has no .tf file", dir.display());
    wd
}

/// validate, apply, an empty second plan; the caller checks what was made, then `destroy`.
fn apply(wd: &Workdir) {
    wd.ok(&["validate"]);
    wd.apply();
    wd.assert_empty_plan();
}

fn destroy(wd: &Workdir, sim: &SimFixture) {
    wd.ok(&["destroy", "-auto-approve", "-input=false"]);
    assert_eq!(
        sim.connectors(),
        Vec::<Value>::new(),
        "destroy left connectors"
    );
}

/// The managed resources in the state: address → `values`.
fn state_resources(wd: &Workdir) -> Vec<(String, Value)> {
    let run = wd.ok(&["show", "-json"]);
    let state: Value = serde_json::from_str(&run.stdout).expect("show -json");
    state["values"]["root_module"]["resources"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter(|r| r["mode"] == "managed")
                .map(|r| {
                    (
                        r["address"].as_str().unwrap_or_default().to_string(),
                        r["values"].clone(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn sim_record<'a>(sim_records: &'a [Value], id: &str) -> &'a Value {
    sim_records
        .iter()
        .find(|r| {
            r["id"].as_u64().map(|n| n.to_string()).as_deref() == Some(id)
                || r["cloudviewUuid"] == id
        })
        .unwrap_or_else(|| panic!("no connector {id} in the simulator: {sim_records:#?}"))
}

fn global_codes(prefix: &str) -> Vec<String> {
    let mut codes: Vec<String> = tfqualys::connector::regions::regions(Some(
        tfqualys::connector::regions::Partition::Global,
    ))
    .iter()
    .map(|r| r.code.to_string())
    .filter(|c| c.starts_with(prefix))
    .collect();
    codes.sort();
    codes
}

#[test]
fn provider_example_configures_the_provider_from_the_environment() {
    let sim = SimFixture::start();
    // The provider block alone configures nothing; a data source makes Terraform configure it.
    let wd = example_workdir(
        "provider",
        r#"
data "qualys_aws_regions" "gov" {
  region_type = "gov"
}

output "gov_codes" {
  value = data.qualys_aws_regions.gov.codes
}
"#,
        &sim,
    );
    apply(&wd);
    assert_eq!(
        wd.outputs()["gov_codes"],
        serde_json::json!(["us-gov-east-1", "us-gov-west-1"])
    );
    destroy(&wd, &sim);
}

#[test]
fn resource_example_applies_and_its_import_commands_plan_clean() {
    let sim = SimFixture::start();
    let wd = example_workdir("resources/qualys_aws_connector", REQUIRED_PROVIDERS, &sim);
    apply(&wd);

    let records = sim.connectors();
    assert_eq!(records.len(), 3, "{records:#?}");
    let resources = state_resources(&wd);
    let id_of = |address: &str| -> String {
        resources
            .iter()
            .find(|(a, _)| a == address)
            .and_then(|(_, values)| values["id"].as_str())
            .unwrap_or_else(|| panic!("{address} is not in the state"))
            .to_string()
    };
    let production = sim_record(&records, &id_of("qualys_aws_connector.production"));
    assert_eq!(production["allRegions"], false);
    assert_eq!(
        sorted_strings(&production["cspmRegions"]),
        ["eu-west-1", "us-east-1"]
    );
    assert_eq!(sorted_strings(&production["endpoints"]), ["us-east-1"]);
    assert_eq!(production["runFrequency"], 360);
    let staging = sim_record(&records, &id_of("qualys_aws_connector.staging"));
    assert_eq!(staging["origin"], "cloudview");
    assert_eq!(staging["externalId"], "USPOD01-4765-abc123def");
    let govcloud = sim_record(&records, &id_of("qualys_aws_connector.govcloud"));
    assert_eq!(govcloud["partition"], "aws-us-gov");
    assert_eq!(sorted_strings(&govcloud["cspmRegions"]), ["us-gov-west-1"]);

    // Every `terraform import` line of import.sh, with this run's ids in the same form: the
    // resource is dropped from the state, imported back, and the plan stays empty.
    let import_sh =
        std::fs::read_to_string(examples().join("resources/qualys_aws_connector/import.sh"))
            .expect("reading import.sh");
    let commands: Vec<(&str, &str)> = import_sh
        .lines()
        .filter_map(|l| l.strip_prefix("terraform import "))
        .filter_map(|rest| rest.split_once(' '))
        .collect();
    assert_eq!(commands.len(), 3, "import.sh: {import_sh}");
    for (address, example_id) in commands {
        let id = id_of(address);
        let import_id = match example_id.split_once(':') {
            Some((prefix, _)) => format!("{prefix}:{id}"),
            None => id,
        };
        wd.ok(&["state", "rm", address]);
        wd.ok(&["import", "-input=false", address, &import_id]);
    }
    wd.assert_empty_plan();
    assert_eq!(sim.connectors().len(), 3, "import created nothing");

    destroy(&wd, &sim);
}

#[test]
fn import_blocks_example_adopts_the_resource_example() {
    let sim = SimFixture::start();
    let wd = example_workdir("resources/qualys_aws_connector", REQUIRED_PROVIDERS, &sim)
        .terraform(terraform_latest());
    apply(&wd);
    let resources = state_resources(&wd);
    // The example's import blocks with this run's ids in the same forms, for connectors the
    // state has lost.
    let mut blocks = std::fs::read_to_string(
        examples().join("resources/qualys_aws_connector/import-by-string-id.tf"),
    )
    .expect("reading import-by-string-id.tf");
    for (address, example_id) in [
        ("qualys_aws_connector.production", "\"2000001\""),
        ("qualys_aws_connector.govcloud", "\"v2:2000003\""),
        (
            "qualys_aws_connector.staging",
            "\"8889b18b-6f92-43d3-8afd-6d9d144177e8\"",
        ),
    ] {
        assert!(blocks.contains(example_id), "{example_id} in the example");
        let id = resources
            .iter()
            .find(|(a, _)| a == address)
            .and_then(|(_, values)| values["id"].as_str())
            .unwrap_or_else(|| panic!("{address} is not in the state"))
            .to_string();
        let prefix = example_id
            .trim_matches('"')
            .split_once(':')
            .map(|(p, _)| format!("{p}:"))
            .unwrap_or_default();
        blocks = blocks.replace(example_id, &format!("\"{prefix}{id}\""));
        wd.ok(&["state", "rm", address]);
    }
    wd.write("import-by-string-id.tf", &blocks);
    apply(&wd);
    assert_eq!(sim.connectors().len(), 3, "the imports created nothing");
    assert_eq!(state_resources(&wd).len(), 3);
    wd.assert_empty_plan();
    destroy(&wd, &sim);
}

#[test]
fn regions_data_source_example_applies() {
    let sim = SimFixture::start();
    let wd = example_workdir("data-sources/qualys_aws_regions", REQUIRED_PROVIDERS, &sim);
    apply(&wd);
    let records = sim.connectors();
    assert_eq!(records.len(), 1, "{records:#?}");
    assert_eq!(
        sorted_strings(&records[0]["cspmRegions"]),
        global_codes("eu-")
    );
    let names = &wd.outputs()["region_names"];
    assert_eq!(names["us-east-1"], "US East (N. Virginia)");
    assert_eq!(
        names.as_object().map(|m| m.len()),
        Some(global_codes("").len())
    );
    destroy(&wd, &sim);
}

#[test]
fn connector_data_source_examples_read_without_creating() {
    let sim = SimFixture::start();
    let production = sim.create_out_of_band(
        "v3",
        "production",
        "arn:aws:iam::123456789012:role/QualysConnector",
        "production-x1",
    );
    let gov_arn = "arn:aws-us-gov:iam::123456789012:role/QualysConnector";
    let gov = sim.create_out_of_band("v3", "prod-gov-1", gov_arn, "prod-gov-x1");
    sim.create_out_of_band("v3", "staging-gov", gov_arn, "staging-gov-x1");

    let wd = example_workdir(
        "data-sources/qualys_aws_connector",
        REQUIRED_PROVIDERS,
        &sim,
    );
    apply(&wd);
    let outputs = wd.outputs();
    assert_eq!(
        outputs["production_role"],
        "arn:aws:iam::123456789012:role/QualysConnector"
    );
    assert_eq!(outputs["production_state"], "PENDING");

    let wd = example_workdir(
        "data-sources/qualys_aws_connectors",
        REQUIRED_PROVIDERS,
        &sim,
    );
    apply(&wd);
    assert_eq!(
        wd.outputs()["gov_connectors"],
        serde_json::json!({"prod-gov-1": format!("v3:{gov}")})
    );
    assert_eq!(sim.connectors().len(), 3, "reading created nothing");
    assert!(!production.is_empty());
}

#[test]
fn base_account_data_source_example_renders_a_trust_policy() {
    let sim = SimFixture::start();
    let wd = example_workdir(
        "data-sources/qualys_aws_base_account",
        REQUIRED_PROVIDERS,
        &sim,
    );
    apply(&wd);
    let policy: serde_json::Value = serde_json::from_str(
        wd.outputs()["gov_trust_policy"]
            .as_str()
            .unwrap_or_default(),
    )
    .expect("a JSON policy");
    assert_eq!(
        policy["Statement"][0]["Principal"]["AWS"],
        format!(
            "arn:aws-us-gov:iam::{}:root",
            qualys_sim::QUALYS_GOV_AWS_ACCOUNT_ID
        )
    );
}

#[test]
fn quickstart_makes_one_connector_per_api_and_destroys_them() {
    let sim = SimFixture::start();
    let wd = example_workdir("quickstart", "", &sim);
    apply(&wd);

    let records = sim.connectors();
    assert_eq!(records.len(), 3, "{records:#?}");
    let outputs = wd.outputs();
    assert_eq!(outputs["supported_region_count"], global_codes("").len());
    let connectors = &outputs["connectors"];
    for api in ["v3", "v2", "cloudview"] {
        let c = &connectors[api];
        assert_eq!(c["api"], api, "{connectors:#}");
        assert_eq!(c["state"], "PENDING", "{connectors:#}");
        assert_eq!(
            c["qualys_aws_account_id"],
            qualys_sim::QUALYS_AWS_ACCOUNT_ID,
            "{connectors:#}"
        );
        let record = sim_record(&records, c["id"].as_str().unwrap_or_default());
        assert_eq!(record["name"], format!("quickstart-{api}"));
    }
    let v3 = sim_record(
        &records,
        connectors["v3"]["id"].as_str().unwrap_or_default(),
    );
    assert_eq!(v3["allRegions"], false);
    assert_eq!(sorted_strings(&v3["cspmRegions"]), global_codes("us-"));
    assert_eq!(
        sorted_strings(&connectors["v3"]["cspm_regions"]),
        global_codes("us-")
    );
    assert_eq!(sorted_strings(&v3["endpoints"]), ["us-east-1"]);
    let v2 = sim_record(
        &records,
        connectors["v2"]["id"].as_str().unwrap_or_default(),
    );
    assert_eq!(v2["allRegions"], true);
    assert_eq!(v2["runFrequency"], 120);
    let cloudview = sim_record(
        &records,
        connectors["cloudview"]["id"].as_str().unwrap_or_default(),
    );
    assert_eq!(cloudview["origin"], "cloudview");

    destroy(&wd, &sim);
}

/// Every guide's configuration names the provider's source, so that pasted alone it does not
/// look for `hashicorp/qualys`.
#[test]
fn guide_examples_name_the_provider_source() {
    fn tf_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("reading examples").flatten() {
            let path = entry.path();
            if path.is_dir() {
                tf_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "tf") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    for dir in ["guides", "quickstart", "provider"] {
        tf_files(&examples().join(dir), &mut files);
    }
    // A configuration is a directory: one of its files names the source.
    let mut dirs: Vec<&Path> = files.iter().filter_map(|f| f.parent()).collect();
    dirs.sort();
    dirs.dedup();
    let lacking: Vec<String> = dirs
        .into_iter()
        .filter(|dir| {
            !files.iter().filter(|f| f.parent() == Some(*dir)).any(|f| {
                std::fs::read_to_string(f)
                    .unwrap_or_default()
                    .contains("source = \"qualys-tf/qualys\"")
            })
        })
        .map(|dir| dir.display().to_string())
        .collect();
    assert!(lacking.is_empty(), "no required_providers: {lacking:?}");
}

/// The CI guide's settings, applied as a pipeline would: credentials from the environment,
/// wait_for_sync on the create.
#[test]
fn ci_guide_example_waits_for_a_sync_on_create() {
    let sim = SimFixture::start();
    let wd = example_workdir("guides/running-in-ci", "", &sim);
    apply(&wd);
    let record = &sim.connectors()[0];
    assert_eq!(record["name"], "prod");
    assert_eq!(
        record["syncNumber"], 1,
        "the apply waited for a sync: {record}"
    );
    destroy(&wd, &sim);
}

/// With the newest Terraform: the function examples use `provider::qualys::...` (1.8+), which
/// Terraform 1.0 cannot parse.
#[test]
fn examples_are_formatted() {
    let wd = Workdir::new("").terraform(terraform_latest());
    let dir = examples();
    let run = wd.run(&[
        "fmt",
        "-check",
        "-recursive",
        "-diff",
        &dir.to_string_lossy(),
    ]);
    assert!(
        run.success(),
        "`terraform fmt -recursive examples` would change:\n{}",
        run.text()
    );
}

/// Every example that needs a newer Terraform than 1.0 says which in `required_version`:
/// provider functions 1.8, import blocks with `for_each` 1.7, `terraform test` 1.6, import
/// blocks 1.5. A configuration is a directory; a function snippet says it in its own file.
#[test]
fn examples_that_need_newer_terraform_say_so_in_required_version() {
    fn files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("reading examples").flatten() {
            let path = entry.path();
            if path.is_dir() {
                files(&path, out);
            } else if path.extension().is_some_and(|e| e == "tf" || e == "hcl") {
                out.push(path);
            }
        }
    }
    let mut all = Vec::new();
    files(&examples(), &mut all);
    let mut missing = Vec::new();
    for file in &all {
        let text = std::fs::read_to_string(file).expect("reading an example");
        let needs = if text.contains("provider::qualys::") {
            Some("1.8")
        } else if text.contains("import {") && text.contains("for_each") {
            Some("1.7")
        } else if file.to_string_lossy().ends_with(".tftest.hcl") {
            Some("1.6")
        } else if text.contains("import {") {
            Some("1.5")
        } else {
            None
        };
        let Some(version) = needs else { continue };
        let wanted = format!("required_version = \">= {version}\"");
        let declared = all.iter().filter(|f| f.parent() == file.parent()).any(|f| {
            std::fs::read_to_string(f)
                .unwrap_or_default()
                .contains(&wanted)
        });
        if !declared {
            missing.push(format!("{}: {wanted}", file.display()));
        }
    }
    assert!(missing.is_empty(), "without required_version: {missing:#?}");
}
