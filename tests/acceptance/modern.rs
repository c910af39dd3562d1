//! Issue 11: first-class on modern Terraform (1.11.4 here) without leaving 1.0.3 behind:
//! import blocks with generated configuration for every import form, `polling_frequency` and
//! `timeouts` as nested attributes, and a `terraform test` file run against qualys-sim.

use std::path::{Path, PathBuf};
use std::time::Duration;

use qualys_sim::SimConfig;
use serde_json::json;

use crate::support::sim::SimFixture;
use crate::support::terraform::{Workdir, terraform_latest, terraform_oldest};

const ARN: &str = "arn:aws:iam::123456789012:role/QualysConnector";
const CHINA_ARN: &str = "arn:aws-cn:iam::123456789012:role/QualysConnector";
const CV_EXTERNAL_ID: &str = "USPOD01-4765-abc123def";

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
fn polling_frequency_with_hours_only_on_terraform_1_11() {
    polling_hours_only(terraform_latest());
}

#[test]
fn polling_frequency_with_hours_only_on_terraform_1_0() {
    polling_hours_only(terraform_oldest());
}

fn impatient(sim: &SimFixture, binary: PathBuf) -> Workdir {
    Workdir::new(
        &(sim.provider_hcl("demo")
            + &format!(
                r#"
resource "qualys_aws_connector" "c" {{
  name        = "impatient"
  arn         = "{ARN}"
  external_id = "impatient-x1"
  timeouts    = {{ create = "1s" }}
}}
"#
            )),
    )
    .terraform(binary)
}

/// The create itself takes 1.5 s: the provider stops waiting after 1 s, Qualys carries the
/// create out anyway, and the look-up that follows (a second look 2 s after the first) finds it and puts it into the state, with a warning
/// that the timeout passed (no failure, so nothing is tainted and replaced).
fn timeout_keeps_the_created_connector(binary: PathBuf) {
    let sim = SimFixture::start();
    sim.fault(json!({"method": "POST", "path_prefix": "/qps/rest/3.0/create", "delay_ms": 1500}));
    let wd = impatient(&sim, binary);
    let run = wd.run(&["apply", "-auto-approve", "-input=false"]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert!(
        run.flat()
            .contains("Creating the Qualys connector took longer than timeouts.create"),
        "{}",
        run.text()
    );
    let all = sim.connectors();
    assert_eq!(all.len(), 1, "Qualys created it once: {all:#?}");
    let id = all[0]["id"].to_string();
    let show = wd.ok(&["state", "show", "qualys_aws_connector.c"]);
    assert!(
        show.stdout.contains(&format!("\"{id}\"")),
        "the created connector's id {id} is in the state:\n{}",
        show.stdout
    );
    assert_eq!(sim.call_count("qps3.create"), 1, "never sent twice");
    wd.assert_empty_plan();
}

#[test]
fn timeouts_create_keeps_what_qualys_created_on_terraform_1_11() {
    timeout_keeps_the_created_connector(terraform_latest());
}

#[test]
fn timeouts_create_keeps_what_qualys_created_on_terraform_1_0() {
    timeout_keeps_the_created_connector(terraform_oldest());
}

#[test]
fn timeouts_create_against_a_slow_qualys_loses_nothing() {
    // Every call takes 3 s, three times timeouts.create: the create's answer cannot come in
    // time (the check before it was made at plan, which timeouts.create does not bound).
    // Either the apply fails naming the timeout, or the look-up after the unanswered create
    // finds the connector and keeps it: never a connector the state does not know.
    let sim = SimFixture::start_with(SimConfig {
        latency: Duration::from_secs(3),
        ..SimConfig::default()
    });
    let wd = impatient(&sim, terraform_latest());
    let run = wd.run(&["apply", "-auto-approve", "-input=false"]);
    let flat = run.flat();
    assert!(
        (run.code == 1 && flat.contains("timed out") && flat.contains("timeouts.create"))
            || (run.code == 0 && flat.contains("took longer than timeouts.create")),
        "{}",
        run.text()
    );
    std::thread::sleep(Duration::from_secs(4));
    let state = wd.ok(&["state", "list"]).stdout;
    match sim.connectors().as_slice() {
        [] => assert!(state.trim().is_empty(), "{state}"),
        [one] => assert!(
            state.contains("qualys_aws_connector.c"),
            "{one}\n{}",
            run.text()
        ),
        more => panic!("more than one connector: {more:#?}"),
    }
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
fn terraform_test_file_runs_against_the_simulator() {
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
