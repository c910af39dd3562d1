//! Connectors made outside Terraform brought under it: import blocks with generated
//! configuration, every recipe of the adoption guide run twice, and old-format CloudView imports.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde_json::{Value, json};

use crate::support::fixtures::{ARN, CHINA_ARN, CV_EXTERNAL_ID, arn, made_outside, only_connector};
use crate::support::sim::SimFixture;
use crate::support::terraform::{Run, Workdir, terraform, terraform_latest, terraform_oldest};

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
fn for_each_adoption_recipe_is_safe_to_rerun_on_terraform_1_15() {
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
fn generated_config_adoption_recipe_is_safe_to_rerun_on_terraform_1_15() {
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
fn terraform_import_adoption_recipe_is_safe_to_rerun_on_terraform_1_0() {
    terraform_import_recipe(terraform().to_path_buf());
}

#[test]
fn terraform_import_adoption_recipe_is_safe_to_rerun_on_terraform_1_15() {
    terraform_import_recipe(terraform_latest());
}

#[test]
fn import_blocks_with_generated_config_plan_clean_for_every_import_form() {
    let sim = SimFixture::with_china();
    let v3 = sim.create_out_of_band("v3", "gen-v3", ARN, "gen-v3-external");
    let v2 = sim.create_out_of_band("v3", "gen-v2", ARN, "gen-v2-external");
    let cv = sim.create_out_of_band("cloudview", "gen-cv", ARN, CV_EXTERNAL_ID);
    let cv_prefixed = sim.create_out_of_band("cloudview", "gen-cv2", ARN, CV_EXTERNAL_ID);
    let china_cv = sim.create_out_of_band("cloudview", "gen-cn-cv", CHINA_ARN, CV_EXTERNAL_ID);
    // A China connector (only CloudView creates them) imported by its QPS id.
    sim.create_out_of_band("cloudview", "gen-cn-qps", CHINA_ARN, CV_EXTERNAL_ID);
    let china_qps = sim
        .connectors()
        .into_iter()
        .find(|c| c["name"] == "gen-cn-qps")
        .map(|c| c["id"].to_string())
        .expect("the China connector");
    let imports = [
        ("v3", v3.clone()),
        ("v2", format!("v2:{v2}")),
        ("cv", cv),
        ("cv_prefixed", format!("cloudview:{cv_prefixed}")),
        ("china_cv", china_cv),
        ("china_qps", format!("v3:{china_qps}")),
    ];
    let mut config = sim.provider_hcl("demo");
    for (name, id) in &imports {
        config +=
            &format!("\nimport {{\n  to = qualys_aws_connector.{name}\n  id = \"{id}\"\n}}\n");
    }
    let wd = Workdir::new(&config).terraform(terraform_latest());
    let plan = wd.run(&["plan", "-input=false", "-generate-config-out=generated.tf"]);
    assert_eq!(plan.code, 0, "{}", plan.text());
    let generated =
        std::fs::read_to_string(wd.path().join("generated.tf")).expect("generated.tf written");
    for (name, _) in &imports {
        assert!(
            generated.contains(&format!("resource \"qualys_aws_connector\" \"{name}\"")),
            "{name} in:\n{generated}"
        );
    }
    wd.ok(&["validate"]);
    wd.apply();
    let (code, run) = wd.plan_exit_code();
    assert_eq!(
        code,
        0,
        "the plan after import is empty:\n{}\n--- generated.tf\n{generated}",
        run.text()
    );
    assert_eq!(sim.connectors().len(), 6, "nothing created or replaced");
}

#[test]
fn imported_old_format_cloudview_connector_plans_clean_until_changed() {
    let sim = SimFixture::start();
    let provider = sim.provider_hcl("demo");
    // Created with a valid ID, then given an old-style one behind the API's rules, as a
    // connector from before the format change would have.
    let make = |external: &str, description: &str| {
        format!(
            r#"
resource "qualys_aws_connector" "old" {{
  api         = "cloudview"
  name        = "old"
  description = "{description}"
  arn         = "{ARN}"
  external_id = "{external}"
}}
"#
        )
    };
    let creator = Workdir::new(&(provider.clone() + &make(CV_EXTERNAL_ID, "legacy")));
    creator.apply();
    let uuid = only_connector(&sim)["cloudviewUuid"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    sim.patch(&uuid, json!({"externalId": "legacy-external-id"}));

    let wd = Workdir::new(&(provider.clone() + &make("legacy-external-id", "legacy")));
    wd.ok(&["import", "-input=false", "qualys_aws_connector.old", &uuid]);
    wd.assert_empty_plan();
    // Changing it requires the new format, at plan time.
    wd.write(
        "main.tf",
        &(provider + &make("legacy-external-id", "changed")),
    );
    let plan = wd.run(&["plan", "-input=false"]);
    assert_eq!(plan.code, 1, "{}", plan.text());
    assert!(
        plan.stderr
            .contains("external_id is not in the CloudView format"),
        "{}",
        plan.text()
    );
}

/// `terraform import` of an id Qualys does not find fails with the provider's own message: the
/// import ID and API it looked up, the URL it asked, and that a connector outside the user's
/// scope looks the same.
fn import_of_a_missing_connector(binary: PathBuf) {
    let sim = SimFixture::start();
    let config = format!(
        "{}\nresource \"qualys_aws_connector\" \"missing\" {{\n  name        = \"missing\"\n  \
         arn         = \"{ARN}\"\n  external_id = \"{CV_EXTERNAL_ID}\"\n}}\n",
        sim.provider_hcl("demo")
    );
    let wd = Workdir::new(&config).terraform(binary);
    for (import_id, says) in [
        (
            "v3:9999999",
            format!(
                "The import looked up QPS connector \"9999999\" (import ID \"v3:9999999\") in \
                 Qualys's Connector QPS v3 API at {}/qps/rest/3.0/",
                sim.url.trim_end_matches('/')
            ),
        ),
        (
            "cloudview:8889b18b-6f92-43d3-8afd-6d9d144177e8",
            "in Qualys's CloudView v1 API at".to_string(),
        ),
    ] {
        let run = wd.run(&[
            "import",
            "-input=false",
            "qualys_aws_connector.missing",
            import_id,
        ]);
        assert_eq!(run.code, 1, "{}", run.text());
        let flat = run.flat();
        assert!(
            flat.contains(&format!("No Qualys connector {import_id}"))
                && flat.contains(&says)
                && flat
                    .contains("Qualys answers the same for a connector outside your user's scope"),
            "{import_id}:\n{}",
            run.text()
        );
    }
    assert!(sim.connectors().is_empty(), "the import created nothing");
}

#[test]
fn import_of_a_missing_connector_says_what_was_looked_up_where_on_terraform_1_0() {
    import_of_a_missing_connector(terraform_oldest());
}

#[test]
fn import_of_a_missing_connector_says_what_was_looked_up_where_on_terraform_1_15() {
    import_of_a_missing_connector(terraform_latest());
}
