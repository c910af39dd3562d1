//! Issue 13: adopting what exists. The connector data sources read existing connectors (by id
//! in every import form, by name, in bulk with filters), and 120 connectors made outside
//! Terraform are brought under it in one plan with generated configuration.
//!
//! Issue 20: every recipe of the adoption guide, run as the guide says, then run again after
//! connectors were renamed, deleted and added in Qualys: no connector that existed before a run
//! is lost, the adopted ones keep their ids, and a rename shows as a change of `name` back to
//! the configured one, never as destroy-plus-import.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde_json::{Value, json};

use crate::support::sim::SimFixture;
use crate::support::terraform::{Run, Workdir, terraform, terraform_latest};

const CV_EXTERNAL_ID: &str = "USPOD01-4765-abc123def";

fn arn(account: u64) -> String {
    format!("arn:aws:iam::{account:012}:role/Qualys")
}

/// `count` connectors per API family made outside Terraform: `adopt-qps-NNN` through QPS v3 and
/// `adopt-cv-NNN` through CloudView, each in an AWS account of its own. Returns name -> the
/// import ID the data sources should report.
fn made_outside(sim: &SimFixture, count: u64) -> BTreeMap<String, String> {
    let mut ids = BTreeMap::new();
    for i in 0..count {
        let name = format!("adopt-qps-{i:03}");
        let id = sim.create_out_of_band("v3", &name, &arn(300000000000 + i), "adopt-external");
        ids.insert(name, format!("v3:{id}"));
        let name = format!("adopt-cv-{i:03}");
        let id = sim.create_out_of_band("cloudview", &name, &arn(400000000000 + i), CV_EXTERNAL_ID);
        ids.insert(name, format!("cloudview:{id}"));
    }
    ids
}

fn listing_calls(sim: &SimFixture) -> (u64, u64) {
    (
        sim.call_count("qps3.search"),
        sim.call_count("cloudview.list"),
    )
}

#[test]
fn plural_data_source_filters_and_answers_in_two_listings() {
    let sim = SimFixture::start();
    let ids = made_outside(&sim, 60);
    let before = listing_calls(&sim);
    let wd = Workdir::new(
        &(sim.provider_hcl("demo")
            + r#"
data "qualys_aws_connectors" "all" {}

data "qualys_aws_connectors" "cloudview_1x" {
  name_regex = "^adopt-cv-01"
  api        = "cloudview"
}

data "qualys_aws_connectors" "one_account" {
  aws_account_id = "300000000007"
}

output "all" { value = { for c in data.qualys_aws_connectors.all.connectors : c.name => c.import_id } }
output "cloudview_1x" { value = [for c in data.qualys_aws_connectors.cloudview_1x.connectors : c.name] }
output "one_account" { value = data.qualys_aws_connectors.one_account.connectors }
"#),
    );
    wd.apply();
    let outputs = wd.outputs();
    let all: BTreeMap<String, String> =
        serde_json::from_value(outputs["all"].clone()).expect("name -> import_id");
    assert_eq!(all, ids, "every connector once, under the API that made it");
    let tens: Vec<String> = (10..20).map(|i| format!("adopt-cv-{i:03}")).collect();
    assert_eq!(outputs["cloudview_1x"], serde_json::json!(tens));
    let one = &outputs["one_account"];
    assert_eq!(one.as_array().map(Vec::len), Some(1), "{one}");
    assert_eq!(one[0]["name"], "adopt-qps-007");
    assert_eq!(one[0]["arn"], arn(300000000007));
    assert_eq!(one[0]["polling_frequency"]["hours"], 4);
    assert_eq!(one[0]["api"], "v3");
    // Three data sources in one process: each family listed, paged, never per connector.
    let (qps, cloudview) = listing_calls(&sim);
    let per_read = |calls: u64, before: u64| (calls - before) as f64 / 3.0;
    assert!(
        per_read(qps, before.0) <= 2.0 && per_read(cloudview, before.1) <= 2.0,
        "at most 2 listing calls per family per read of 120 connectors: {}",
        sim.calls()
    );
    assert_eq!(sim.call_count("qps3.get"), 0);
    assert_eq!(sim.call_count("cloudview.get"), 0);
}

#[test]
fn singular_data_source_by_name_and_by_every_id_form() {
    let sim = SimFixture::start();
    let ids = made_outside(&sim, 2);
    let qps_id = ids["adopt-qps-001"].trim_start_matches("v3:").to_string();
    let uuid = ids["adopt-cv-000"]
        .trim_start_matches("cloudview:")
        .to_string();
    // Two connectors named alike, told apart by account.
    sim.create_out_of_band("v3", "twin", &arn(500000000001), "twin-a");
    sim.create_out_of_band("v3", "twin", &arn(500000000002), "twin-b");
    let lookups = [
        ("by_name", "name = \"adopt-qps-001\"", "adopt-qps-001", "v3"),
        (
            "by_number",
            &*format!("id = \"{qps_id}\""),
            "adopt-qps-001",
            "v3",
        ),
        (
            "by_v3",
            &*format!("id = \"v3:{qps_id}\""),
            "adopt-qps-001",
            "v3",
        ),
        (
            "by_v2",
            &*format!("id = \"v2:{qps_id}\""),
            "adopt-qps-001",
            "v2",
        ),
        (
            "by_uuid",
            &*format!("id = \"{uuid}\""),
            "adopt-cv-000",
            "cloudview",
        ),
        (
            "by_cloudview",
            &*format!("id = \"cloudview:{uuid}\""),
            "adopt-cv-000",
            "cloudview",
        ),
        (
            "twin_b",
            "name = \"twin\"\n  aws_account_id = \"500000000002\"",
            "twin",
            "v3",
        ),
    ]
    .map(|(label, args, name, api)| (label, args.to_string(), name, api));
    let mut config = sim.provider_hcl("demo");
    for (label, args, _, _) in &lookups {
        config += &format!(
            "\ndata \"qualys_aws_connector\" \"{label}\" {{\n  {args}\n}}\noutput \"{label}\" {{ value = data.qualys_aws_connector.{label} }}\n"
        );
    }
    let wd = Workdir::new(&config);
    wd.apply();
    let outputs = wd.outputs();
    for (label, _, name, api) in &lookups {
        let c = &outputs[*label];
        assert_eq!(c["name"], *name, "{label}: {c}");
        assert_eq!(c["api"], *api, "{label}: {c}");
        assert!(
            c["import_id"]
                .as_str()
                .is_some_and(|i| i.starts_with(&format!("{api}:"))),
            "{label}: {c}"
        );
    }
    assert_eq!(outputs["twin_b"]["external_id"], "twin-b");
    assert_eq!(outputs["by_uuid"]["external_id"], CV_EXTERNAL_ID);

    // An ambiguous name says which connectors it could be.
    wd.write(
        "main.tf",
        &(sim.provider_hcl("demo")
            + "data \"qualys_aws_connector\" \"twin\" {\n  name = \"twin\"\n}\n"),
    );
    let run = wd.run(&["plan", "-input=false"]);
    assert_eq!(run.code, 1, "{}", run.text());
    let flat = run.flat();
    assert!(
        flat.contains("2 connectors are named \"twin\"") && flat.contains("500000000001"),
        "{}",
        run.text()
    );
}

/// The guide's example file, with the name filter of this test's connectors.
fn guide_example(which: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/guides/adopting-existing-connectors")
        .join(which);
    let text = std::fs::read_to_string(&path).expect("reading the guide's example");
    text.replace("\"^prod-\"", "\"^adopt-\"")
}

/// A working directory for one of the guide's configurations, pointed at `sim` through the
/// environment, as the guide's provider blocks expect.
fn guide_workdir(sim: &SimFixture, main_tf: &str, binary: PathBuf) -> Workdir {
    Workdir::new(main_tf)
        .terraform(binary)
        .env("QUALYS_API_URL", &sim.url)
        .env("QUALYS_USERNAME", "demo")
        .env("QUALYS_PASSWORD", "demo")
        .env("QUALYS_PLATFORM", "")
        .env("QUALYS_CLOUDVIEW_URL", "")
}

/// Every connector id the simulator holds (QPS ids).
fn ids(sim: &SimFixture) -> BTreeSet<String> {
    sim.connectors()
        .iter()
        .map(|c| c["id"].to_string())
        .collect()
}

/// The managed connectors in the state: address -> id.
fn managed(wd: &Workdir) -> BTreeMap<String, String> {
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
                        r["values"]["id"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What happens in Qualys between two runs of a recipe: one adopted QPS connector and one
/// adopted CloudView connector renamed in the UI (out of the recipe's name filter, too), one
/// deleted, and one new connector that matches the filter.
struct OutOfBand {
    renamed: Vec<(String, String)>,
    deleted: String,
}

fn change_in_the_ui(sim: &SimFixture, by_name: &BTreeMap<String, String>) -> OutOfBand {
    let mut renamed = Vec::new();
    for name in ["adopt-qps-001", "adopt-cv-001"] {
        let id = by_name[name]
            .split_once(':')
            .map(|(_, id)| id.to_string())
            .expect("an import id");
        sim.patch(&id, json!({"name": format!("renamed-in-ui-{name}")}));
        renamed.push((name.to_string(), id));
    }
    let deleted = by_name["adopt-qps-002"]
        .trim_start_matches("v3:")
        .to_string();
    sim.delete(&deleted);
    sim.create_out_of_band("v3", "adopt-new-in-ui", &arn(700000000000), "adopt-new");
    OutOfBand { renamed, deleted }
}

/// The plan of a re-run: the renames are changes of `name` back, the deletion a create, and
/// nothing is destroyed or replaced.
fn assert_safe_rerun_plan(plan: &Run, imports: usize) {
    let out = &plan.stdout;
    let summary = if imports > 0 {
        format!("{imports} to import, 1 to add, 2 to change, 0 to destroy")
    } else {
        "1 to add, 2 to change, 0 to destroy".to_string()
    };
    assert!(out.contains(&summary), "expected {summary:?}:\n{out}");
    assert!(
        out.contains("~ name")
            && out.contains("\"renamed-in-ui-adopt-qps-001\" -> \"adopt-qps-001\""),
        "a rename in the UI is a change of name back:\n{out}"
    );
    assert!(
        !out.contains("must be replaced") && !out.contains("will be destroyed"),
        "{out}"
    );
}

/// After a re-run: every connector that existed before it still exists, the adopted ones
/// kept their ids, the renamed ones have their names back, and the deleted one exists again.
fn assert_nothing_lost(
    sim: &SimFixture,
    before_run: &BTreeSet<String>,
    adopted_before: &BTreeMap<String, String>,
    adopted_after: &BTreeMap<String, String>,
    ui: &OutOfBand,
) {
    let now = ids(sim);
    assert!(
        before_run.is_subset(&now),
        "lost: {:?}",
        before_run.difference(&now).collect::<Vec<_>>()
    );
    for (address, id) in adopted_before {
        if *id == ui.deleted {
            continue;
        }
        assert_eq!(
            adopted_after.get(address),
            Some(id),
            "{address} kept its id"
        );
    }
    for (name, id) in &ui.renamed {
        let record = sim
            .connectors()
            .into_iter()
            .find(|c| {
                id.parse::<u64>().is_ok_and(|n| c["id"] == n) || c["cloudviewUuid"] == id.as_str()
            })
            .expect("the renamed connector");
        assert_eq!(record["name"], name.as_str(), "renamed back");
    }
    let names = sim.names();
    assert_eq!(
        names.iter().filter(|n| *n == "adopt-qps-002").count(),
        1,
        "the deleted connector exists again, once: {names:?}"
    );
}

/// The for_each recipe (Terraform 1.7+): the inventory pins the connectors by import ID in
/// adopted.auto.tfvars.json, one import block with for_each adopts them; run again after
/// changes in the UI, it adopts the new connector and puts the renamed ones back.
#[test]
fn for_each_recipe_is_safe_to_rerun_on_terraform_1_11() {
    let sim = SimFixture::with_china();
    let by_name = made_outside(&sim, 20);
    // Not every connector is plain: one GovCloud, one China, one scoped to regions.
    sim.create_out_of_band(
        "v3",
        "adopt-gov",
        "arn:aws-us-gov:iam::123456789012:role/Q",
        "adopt-gov-x1",
    );
    sim.create_out_of_band(
        "cloudview",
        "adopt-china",
        "arn:aws-cn:iam::123456789012:role/Q",
        CV_EXTERNAL_ID,
    );
    let scoped = sim.create_out_of_band("v3", "adopt-scoped", &arn(600000000000), "adopt-sc");
    sim.patch(
        &scoped,
        json!({"allRegions": false, "cspmRegions": ["us-east-1", "eu-west-1"], "endpoints": ["us-east-1"]}),
    );
    let latest = terraform_latest();
    let wd = guide_workdir(&sim, &guide_example("for-each/main.tf"), latest.clone());
    let tfvars = wd.path().join("adopted.auto.tfvars.json");
    let inventory = guide_workdir(&sim, &guide_example("for-each/inventory/main.tf"), latest)
        .env("TF_VAR_pinned_file", tfvars.to_str().expect("a UTF-8 path"));
    let take_inventory = || {
        inventory.apply();
        let rendered = inventory.ok(&["output", "-raw", "tfvars"]).stdout;
        std::fs::write(&tfvars, rendered).expect("writing adopted.auto.tfvars.json");
    };

    take_inventory();
    let plan = wd.ok(&["plan", "-input=false"]);
    assert!(
        plan.stdout
            .contains("43 to import, 0 to add, 0 to change, 0 to destroy"),
        "{}",
        plan.stdout
    );
    wd.apply();
    assert_eq!(sim.connectors().len(), 43, "adopting created nothing");
    wd.assert_empty_plan();
    let adopted = managed(&wd);
    assert!(adopted.contains_key(&format!(
        "qualys_aws_connector.adopted[\"{}\"]",
        by_name["adopt-qps-001"]
    )));

    // Changes in the UI, then the recipe again: the inventory, then plan and apply.
    let ui = change_in_the_ui(&sim, &by_name);
    let before_run = ids(&sim);
    take_inventory();
    let plan = wd.ok(&["plan", "-input=false"]);
    assert_safe_rerun_plan(&plan, 1);
    wd.apply();
    let after = managed(&wd);
    assert_nothing_lost(&sim, &before_run, &adopted, &after, &ui);
    assert_eq!(after.len(), 44, "the new connector is adopted");
    wd.assert_empty_plan();

    // Once more: the connector created again is not pinned a second time.
    let before_run = ids(&sim);
    take_inventory();
    wd.assert_empty_plan();
    assert_eq!(ids(&sim), before_run);
}

/// The generated-configuration recipe (Terraform 1.5+): the data source renders the import
/// blocks, addressed by import ID; run again after changes in the UI (with a new file for the
/// generated configuration, which Terraform will not overwrite).
#[test]
fn generated_config_recipe_is_safe_to_rerun_on_terraform_1_11() {
    let sim = SimFixture::start();
    let by_name = made_outside(&sim, 20);
    let wd = guide_workdir(
        &sim,
        &guide_example("generated-config/main.tf"),
        terraform_latest(),
    );
    let render = |generated: &str| {
        // Reads the data source, changes nothing (a pending change waits for the review).
        wd.ok(&["apply", "-refresh-only", "-auto-approve", "-input=false"]);
        let blocks = wd.ok(&["output", "-raw", "import_blocks"]).stdout;
        wd.write("imports.tf", &blocks);
        let plan = wd.run(&[
            "plan",
            "-input=false",
            &format!("-generate-config-out={generated}"),
        ]);
        assert!(plan.code == 0, "{}", plan.text());
        blocks
    };
    let blocks = render("generated.tf");
    assert_eq!(blocks.matches("import {").count(), 40, "{blocks}");
    let qps_001 = by_name["adopt-qps-001"].replace(':', "_");
    assert!(
        blocks.contains(&format!("to = qualys_aws_connector.{qps_001}\n")),
        "addressed by import ID: {blocks}"
    );
    wd.ok(&["validate"]);
    wd.apply();
    assert_eq!(sim.connectors().len(), 40, "adopting created nothing");
    wd.assert_empty_plan();
    let adopted = managed(&wd);

    let ui = change_in_the_ui(&sim, &by_name);
    let before_run = ids(&sim);
    render("generated-2.tf");
    let plan = wd.ok(&["plan", "-input=false"]);
    assert_safe_rerun_plan(&plan, 1);
    wd.apply();
    let after = managed(&wd);
    assert_nothing_lost(&sim, &before_run, &adopted, &after, &ui);
    assert_eq!(after.len(), 41, "the new connector is adopted");
    // The rendered blocks follow Qualys (the output changes); the connectors do not.
    wd.ok(&["apply", "-refresh-only", "-auto-approve", "-input=false"]);
    wd.assert_empty_plan();
}

/// The `terraform import` recipe (Terraform 1.0+): the same pinned variables file, imported
/// with `terraform import` for each import ID not in the state yet.
fn terraform_import_recipe(binary: PathBuf) {
    let sim = SimFixture::start();
    let by_name = made_outside(&sim, 5);
    let wd = guide_workdir(
        &sim,
        &guide_example("terraform-import/main.tf"),
        binary.clone(),
    );
    let tfvars = wd.path().join("adopted.auto.tfvars.json");
    let inventory = guide_workdir(&sim, &guide_example("for-each/inventory/main.tf"), binary)
        .env("TF_VAR_pinned_file", tfvars.to_str().expect("a UTF-8 path"));
    let adopt = || {
        inventory.apply();
        let rendered = inventory.ok(&["output", "-raw", "tfvars"]).stdout;
        std::fs::write(&tfvars, &rendered).expect("writing adopted.auto.tfvars.json");
        let pinned: Value = serde_json::from_str(&rendered).expect("JSON");
        let state = wd.run(&["state", "list"]).stdout;
        let mut imported = 0;
        for id in pinned["adopted"].as_object().expect("adopted").keys() {
            let address = format!("qualys_aws_connector.adopted[\"{id}\"]");
            if !state.lines().any(|l| l == address) {
                wd.ok(&["import", "-input=false", &address, id]);
                imported += 1;
            }
        }
        imported
    };
    assert_eq!(adopt(), 10);
    wd.assert_empty_plan();
    let adopted = managed(&wd);
    assert_eq!(adopted.len(), 10);

    let ui = change_in_the_ui(&sim, &by_name);
    let before_run = ids(&sim);
    assert_eq!(adopt(), 1, "only the new connector is imported");
    let plan = wd.ok(&["plan", "-input=false"]);
    assert_safe_rerun_plan(&plan, 0);
    wd.apply();
    assert_nothing_lost(&sim, &before_run, &adopted, &managed(&wd), &ui);
    wd.assert_empty_plan();
    assert_eq!(adopt(), 0, "nothing to import the third time");
    wd.assert_empty_plan();
}

#[test]
fn terraform_import_recipe_is_safe_to_rerun_on_terraform_1_0() {
    terraform_import_recipe(terraform().to_path_buf());
}

#[test]
fn terraform_import_recipe_is_safe_to_rerun_on_terraform_1_11() {
    terraform_import_recipe(terraform_latest());
}
