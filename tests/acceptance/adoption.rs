//! Issue 13: adopting what exists. The connector data sources read existing connectors (by id
//! in every import form, by name, in bulk with filters), and 120 connectors made outside
//! Terraform are brought under it in one plan with generated configuration.

use std::collections::BTreeMap;

use crate::support::sim::SimFixture;
use crate::support::terraform::{Workdir, terraform_latest};

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

/// The guide's example, with the name filter of this test's connectors.
fn guide_example(which: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/guides/adopting-existing-connectors")
        .join(which)
        .join("main.tf");
    let text = std::fs::read_to_string(&path).expect("reading the guide's example");
    assert!(text.contains("\"^prod-\""), "{}", path.display());
    text.replace("\"^prod-\"", "\"^adopt-\"")
}

/// Bulk adoption as the guide tells it: one `import` block with `for_each` over the plural
/// data source, a resource with the same `for_each`, and the next plan empty.
#[test]
fn bulk_adoption_with_for_each_import_blocks_on_terraform_1_11() {
    let sim = SimFixture::with_china();
    let ids = made_outside(&sim, 60);
    // Not every connector is plain: one GovCloud, one scoped to regions, one China.
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
        serde_json::json!({"allRegions": false, "cspmRegions": ["us-east-1", "eu-west-1"], "endpoints": ["us-east-1"]}),
    );
    let wd = Workdir::new(&(sim.provider_hcl("demo") + &guide_example("for-each")))
        .terraform(terraform_latest());
    let plan = wd.ok(&["plan", "-input=false"]);
    assert!(
        plan.stdout
            .contains("123 to import, 0 to add, 0 to change, 0 to destroy"),
        "{}",
        plan.stdout
    );
    wd.apply();
    assert_eq!(
        sim.connectors().len(),
        ids.len() + 3,
        "adopting created nothing"
    );
    let state = wd.ok(&["state", "list"]).stdout;
    assert_eq!(
        state
            .lines()
            .filter(|l| l.starts_with("qualys_aws_connector.adopted["))
            .count(),
        123
    );
    wd.assert_empty_plan();
}

/// Bulk adoption with generated configuration, as the guide tells it: the data source renders
/// the import blocks, Terraform writes the resources, and the next plan is empty.
#[test]
fn bulk_adoption_with_generated_config_on_terraform_1_11() {
    let sim = SimFixture::start();
    let ids = made_outside(&sim, 60);
    let wd = Workdir::new(&(sim.provider_hcl("demo") + &guide_example("generated-config")))
        .terraform(terraform_latest());
    wd.apply();
    let blocks = wd.ok(&["output", "-raw", "import_blocks"]).stdout;
    assert_eq!(blocks.matches("import {").count(), 120, "{blocks}");
    wd.write("imports.tf", &blocks);
    let plan = wd.run(&["plan", "-input=false", "-generate-config-out=generated.tf"]);
    assert_eq!(plan.code, 0, "{}", plan.text());
    wd.ok(&["validate"]);
    wd.apply();
    assert_eq!(
        sim.connectors().len(),
        ids.len(),
        "adopting created nothing"
    );
    wd.assert_empty_plan();
}
