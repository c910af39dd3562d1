//! Refreshes report exactly the drift there is: none after an apply or a provider upgrade,
//! changes made in Qualys when there are, and a connector outside the user's scope as missing.

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::support::fixtures::{
    ARN, CV_EXTERNAL_ID, lifecycle_connector, only_connector, round_trip_workdir,
};
use crate::support::sim::SimFixture;
use crate::support::terraform::{Workdir, terraform, terraform_latest, terraform_oldest};

fn refresh_only_exit_code(wd: &Workdir) -> (i32, crate::support::terraform::Run) {
    let run = wd.run(&[
        "plan",
        "-refresh-only",
        "-detailed-exitcode",
        "-input=false",
    ]);
    assert!(
        run.code == 0 || run.code == 2,
        "plan -refresh-only failed:\n{}",
        run.text()
    );
    (run.code, run)
}

fn refresh_only_sees_exactly_the_drift(binary: PathBuf) {
    let sim = SimFixture::start();
    let wd = round_trip_workdir(&sim, binary);
    wd.apply();
    let (code, run) = refresh_only_exit_code(&wd);
    assert_eq!(
        code,
        0,
        "nothing changed since apply, so refresh-only has nothing to report:\n{}",
        run.text()
    );

    let id = wd.outputs()["id"]
        .as_str()
        .expect("the id output")
        .to_string();
    // Qualys's scheduled syncs, one successful and one failed, change nothing configured.
    let before = only_connector(&sim);
    std::thread::sleep(std::time::Duration::from_millis(1100)); // lastSync has whole seconds
    sim.run_sync(&id);
    let synced = only_connector(&sim);
    assert_eq!(synced["connectorState"], "FINISHED_SUCCESS", "{synced}");
    assert_ne!(synced["lastSync"], before["lastSync"], "{synced}");
    let (code, run) = refresh_only_exit_code(&wd);
    assert_eq!(code, 0, "a routine sync is no drift:\n{}", run.text());
    sim.role(ARN, false, None);
    sim.run_sync(&id);
    assert_eq!(only_connector(&sim)["connectorState"], "FINISHED_ERRORS");
    let (code, run) = refresh_only_exit_code(&wd);
    assert_eq!(
        code,
        0,
        "a failed routine sync is no drift:\n{}",
        run.text()
    );
    wd.assert_empty_plan();

    sim.patch(&id, json!({"runFrequency": 240}));
    let (code, run) = refresh_only_exit_code(&wd);
    assert_eq!(code, 2, "an out-of-band change is drift:\n{}", run.text());
    assert!(
        run.flat().contains("hours = 2 -> 4") || run.flat().contains("~ hours"),
        "the drift names polling_frequency's hours:\n{}",
        run.text()
    );
}

#[test]
fn refresh_only_sees_exactly_the_drift_on_terraform_1_15() {
    refresh_only_sees_exactly_the_drift(terraform_latest());
}

#[test]
fn refresh_only_sees_exactly_the_drift_on_terraform_1_0() {
    refresh_only_sees_exactly_the_drift(terraform_oldest());
}

const EXTERNAL_ID: &str = "USPOD01-4765-migrate42";

/// Attributes added since schema version 0, which an older provider's state lacks.
const ADDED_SINCE_0: [&str; 4] = [
    "sync_status",
    "attached_to_org_connector",
    "cloudview_uuid",
    "trust_principal",
];

/// Rewrites the state file as an older provider would have written it: schema version 0, and
/// none of the attributes added since.
fn as_written_by_an_older_provider(wd: &Workdir) {
    let path = wd.path().join("terraform.tfstate");
    let text = std::fs::read_to_string(&path).expect("reading the state");
    let mut state: Value = serde_json::from_str(&text).expect("a JSON state");
    let mut stripped = 0;
    for resource in state["resources"].as_array_mut().expect("resources") {
        for instance in resource["instances"].as_array_mut().expect("instances") {
            assert_eq!(instance["schema_version"], 1, "{instance}");
            instance["schema_version"] = json!(0);
            let attributes = instance["attributes"].as_object_mut().expect("attributes");
            for name in ADDED_SINCE_0 {
                stripped += usize::from(attributes.remove(name).is_some());
            }
        }
    }
    assert_eq!(stripped, 3 * ADDED_SINCE_0.len());
    state["serial"] = json!(state["serial"].as_u64().unwrap_or(0) + 1);
    std::fs::write(&path, state.to_string()).expect("writing the state");
}

fn refresh_after_an_upgrade_reports_no_drift(binary: PathBuf) {
    let sim = SimFixture::start();
    let config = sim.provider_hcl("demo")
        + &format!(
            r#"
resource "qualys_aws_connector" "c" {{
  for_each     = toset(["v3", "v2", "cloudview"])
  api          = each.key
  name         = "upgraded-${{each.key}}"
  arn          = "{ARN}"
  external_id  = "{EXTERNAL_ID}"
}}
"#
        );
    let wd = Workdir::new(&config).terraform(binary);
    wd.apply();
    as_written_by_an_older_provider(&wd);
    let reads = |sim: &SimFixture| -> u64 {
        [
            "qps3.search",
            "qps2.search",
            "qps3.get",
            "qps2.get",
            "cloudview.list",
            "cloudview.get",
        ]
        .iter()
        .map(|op| sim.call_count(op))
        .sum()
    };
    let before = reads(&sim);
    let run = wd.run(&[
        "plan",
        "-refresh-only",
        "-detailed-exitcode",
        "-input=false",
    ]);
    assert_eq!(
        run.code,
        0,
        "nothing changed in Qualys, so the first refresh after the upgrade reports nothing:\n{}",
        run.text()
    );
    let upgrading = reads(&sim) - before;

    // Saved, the upgraded state has every attribute, and a real change is still drift.
    wd.ok(&["apply", "-refresh-only", "-auto-approve", "-input=false"]);
    let state: Value = serde_json::from_str(
        &std::fs::read_to_string(wd.path().join("terraform.tfstate")).expect("the state"),
    )
    .expect("a JSON state");
    for instance in state["resources"][0]["instances"]
        .as_array()
        .expect("instances")
    {
        assert_eq!(instance["schema_version"], 1);
        let attributes = &instance["attributes"];
        assert_eq!(attributes["sync_status"], "pending", "{attributes}");
        assert!(attributes["cloudview_uuid"].is_string(), "{attributes}");
        assert!(
            attributes["trust_principal"]
                .as_str()
                .is_some_and(|p| p.starts_with("arn:aws:iam::")),
            "{attributes}"
        );
        if attributes["api"] != "cloudview" {
            assert_eq!(
                attributes["attached_to_org_connector"], false,
                "{attributes}"
            );
        }
    }
    // Completing the old state cost no call beyond the refresh's own reads.
    let before = reads(&sim);
    wd.ok(&["plan", "-refresh-only", "-input=false"]);
    assert_eq!(upgrading, reads(&sim) - before, "{}", sim.calls());

    let id = sim
        .connectors()
        .iter()
        .find(|c| c["name"] == "upgraded-v3")
        .map(|c| c["id"].to_string())
        .expect("the v3 connector");
    sim.patch(&id, json!({"description": "changed in the UI"}));
    let run = wd.run(&[
        "plan",
        "-refresh-only",
        "-detailed-exitcode",
        "-input=false",
    ]);
    assert_eq!(run.code, 2, "{}", run.text());
}

#[test]
fn refresh_only_after_a_provider_upgrade_is_clean_on_terraform_1_0() {
    refresh_after_an_upgrade_reports_no_drift(terraform().to_path_buf());
}

#[test]
fn refresh_only_after_a_provider_upgrade_is_clean_on_terraform_1_15() {
    refresh_after_an_upgrade_reports_no_drift(terraform_latest());
}

#[test]
fn connector_outside_the_users_scope_warns_before_recreating() {
    let sim = SimFixture::with_scoped_user("111111111111");
    let resource = lifecycle_connector("v3", "x", false);
    let wd = Workdir::new(&(sim.provider_hcl("demo") + &resource));
    wd.apply();
    // The same state, read by a user whose scope does not include account 123456789012.
    wd.write("main.tf", &(sim.provider_hcl("scoped") + &resource));
    let (code, plan) = wd.plan_exit_code();
    assert_eq!(code, 2, "{}", plan.text());
    let text = plan.stdout.clone() + &plan.stderr;
    assert!(text.contains("Qualys connector not found"), "{text}");
    assert!(plan.flat().contains("outside your user's scope"), "{text}");
    only_connector(&sim);
}

#[test]
fn a_v2_connector_read_from_pretty_printed_cdata_xml_plans_empty() {
    let sim = SimFixture::start();
    let config = sim.provider_hcl("demo")
        + &format!(
            r#"
resource "qualys_aws_connector" "c" {{
  api          = "v2"
  name         = "prod <eu> & friends"
  description  = "line one]]>still text, \"quoted\""
  arn          = "{ARN}"
  external_id  = "cdata-external"
  all_regions  = false
  cspm_regions = ["us-east-1", "eu-west-1"]
}}
"#
        );
    let wd = Workdir::new(&config);
    wd.apply();
    wd.assert_empty_plan();
    let record = sim
        .connectors()
        .into_iter()
        .find(|c| c["name"] == "prod <eu> & friends")
        .expect("the connector");
    assert_eq!(record["description"], "line one]]>still text, \"quoted\"");
    // A refresh-only plan sees no drift either.
    let run = wd.run(&[
        "plan",
        "-refresh-only",
        "-detailed-exitcode",
        "-input=false",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
}

/// What anyone with write access in Qualys can put in a connector's text to take over a
/// terminal: colours, a window title ended by BEL, a carriage return that overwrites the line,
/// a right-to-left override, a screen clear.
const TERMINAL_SEQUENCES: [&str; 5] = [
    "\u{1b}[31m",
    "\u{1b}]0;title\u{7}",
    "\r",
    "\u{202e}",
    "\u{1b}[2J",
];

/// Every character of `output` a terminal acts on other than line breaks and tabs, with its
/// position; read from the bytes, so that nothing is lost to a lossy decoding.
fn raw_control_characters(output: &[u8]) -> Vec<(usize, char)> {
    String::from_utf8_lossy(output)
        .char_indices()
        .filter(|(_, c)| {
            (c.is_control() && !matches!(c, '\n' | '\t'))
                || matches!(u32::from(*c), 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2069)
        })
        .collect()
}

fn assert_inert(run: &crate::support::terraform::Run, what: &str) {
    for (stream, bytes) in [
        ("stdout", run.stdout.as_bytes()),
        ("stderr", run.stderr.as_bytes()),
    ] {
        let raw = raw_control_characters(bytes);
        assert!(
            raw.is_empty(),
            "{what}: raw {raw:?} on {stream}:\n{}",
            run.text()
        );
    }
}

/// Text set in Qualys holding terminal sequences shows as drift, escaped, in `plan`, `show`
/// and `output`; a configured value holding one is a plan error at its attribute.
fn text_set_in_qualys_reaches_the_terminal_inert(binary: PathBuf) {
    let sim = SimFixture::start();
    let config = sim.provider_hcl("demo")
        + &format!(
            r#"
resource "qualys_aws_connector" "c" {{
  for_each    = {{ for i in range({count}) : format("text-%d", i) => i }}
  api         = element(["v3", "cloudview"], each.value)
  name        = each.key
  description = "plain"
  arn         = "{ARN}"
  external_id = "{CV_EXTERNAL_ID}"
}}

output "descriptions" {{
  value = {{ for k, c in qualys_aws_connector.c : k => c.description }}
}}

output "first_description" {{
  value = qualys_aws_connector.c["text-0"].description
}}

# The resource keeps the sync reports its last apply saw; the data source reads Qualys's.
data "qualys_aws_connectors" "all" {{
  depends_on = [qualys_aws_connector.c]
}}

output "last_errors" {{
  value = {{ for c in data.qualys_aws_connectors.all.connectors : c.name => c.last_error }}
}}
"#,
            count = TERMINAL_SEQUENCES.len()
        );
    let wd = Workdir::new(&config).terraform(binary);
    wd.apply();
    for record in sim.connectors() {
        let name = record["name"].as_str().unwrap_or_default();
        let i: usize = name
            .trim_start_matches("text-")
            .parse()
            .expect("a test name");
        let sequence = TERMINAL_SEQUENCES[i];
        let id = record["id"].to_string();
        sim.patch(
            &id,
            json!({
                // A line break makes Terraform print the text as a heredoc, line by line.
                "description": format!("Plan: 0 to add\n{sequence}Apply complete! Resources: 9 added"),
                "error": format!("denied{sequence}")
            }),
        );
    }

    let (code, plan) = wd.plan_exit_code();
    assert_eq!(code, 2, "the descriptions drifted:\n{}", plan.text());
    assert_inert(&plan, "plan");
    assert!(
        plan.stdout.contains("u{1b}[31m"),
        "escaped:\n{}",
        plan.text()
    );
    wd.ok(&["apply", "-refresh-only", "-auto-approve", "-input=false"]);
    let show = wd.ok(&["show"]);
    assert_inert(&show, "show");
    assert!(show.stdout.contains("u{202e}"), "escaped:\n{}", show.text());
    let output = wd.ok(&["output"]);
    assert_inert(&output, "output");
    let json = wd.ok(&["output", "-json"]);
    assert_inert(&json, "output -json");
    let raw = wd.ok(&["output", "-raw", "first_description"]);
    assert_inert(&raw, "output -raw");
    assert_eq!(
        raw.stdout,
        "Plan: 0 to add \\u{1b}[31mApply complete! Resources: 9 added"
    );
    let errors = &wd.outputs()["last_errors"];
    assert_eq!(
        errors["text-2"], "denied ",
        "a carriage return reads as a space"
    );
    assert_eq!(errors["text-4"], "denied\\u{1b}[2J");

    // The escaped text is not what the configuration says: the next apply writes it back.
    wd.apply();
    wd.assert_empty_plan();
    assert!(sim.connectors().iter().all(|c| c["description"] == "plain"));

    // A configured value never holds such characters: escaping never makes it drift alone.
    wd.write(
        "main.tf",
        &config.replace("\"plain\"", "\"red \\u001b[31m text\""),
    );
    let run = wd.run(&["plan", "-input=false"]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert_inert(&run, "the refused plan");
    assert!(
        run.flat()
            .contains("description holds a control or invisible character"),
        "{}",
        run.text()
    );
}

#[test]
fn text_set_in_qualys_reaches_the_terminal_inert_on_terraform_1_0() {
    text_set_in_qualys_reaches_the_terminal_inert(terraform_oldest());
}

#[test]
fn text_set_in_qualys_reaches_the_terminal_inert_on_terraform_1_15() {
    text_set_in_qualys_reaches_the_terminal_inert(terraform_latest());
}
