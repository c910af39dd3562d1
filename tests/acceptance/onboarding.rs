//! Onboarding an AWS account: `qualys_aws_external_id` (stable, rotated by `keepers`),
//! `qualys_aws_iam_policy` per partition, and the onboarding guide's example.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::fixtures::GOV_ARN;
use crate::support::sim::SimFixture;
use crate::support::terraform::{Workdir, terraform_latest, terraform_oldest};

/// The provider block for `sim` with the POD and subscription ID the simulator's CloudView
/// accepts (it is a private URL, so no platform implies a POD).
fn provider(sim: &SimFixture) -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    qualys = {{ source = "qualys-tf/qualys" }}
  }}
}}

provider "qualys" {{
  api_url         = "{}"
  username        = "demo"
  password        = "demo"
  pod             = "USPOD01"
  subscription_id = "4765"
}}
"#,
        sim.url
    )
}

/// External ID, a CloudView connector and a GovCloud QPS connector that read it, and the
/// policies: no provider function, so Terraform 1.0 runs it too.
fn onboarding(sim: &SimFixture, rotation: &str) -> String {
    provider(sim)
        + &format!(
            r#"
resource "qualys_aws_external_id" "this" {{
  keepers = {{ rotation = "{rotation}" }}
}}

resource "qualys_aws_connector" "cloudview" {{
  name        = "onboarded"
  api         = "cloudview"
  arn         = "arn:aws:iam::123456789012:role/QualysConnector"
  external_id = qualys_aws_external_id.this.result
}}

# No is_gov_cloud: it follows the ARN.
resource "qualys_aws_connector" "gov" {{
  name        = "onboarded-gov"
  arn         = "{GOV_ARN}"
  external_id = qualys_aws_external_id.this.result
}}

data "qualys_aws_iam_policy" "global" {{
  external_id = qualys_aws_external_id.this.result
}}

output "external_id" {{ value = qualys_aws_external_id.this.result }}
output "parts" {{
  value = [qualys_aws_external_id.this.pod, qualys_aws_external_id.this.subscription_id, qualys_aws_external_id.this.suffix]
}}
output "gov" {{
  value = {{
    is_gov_cloud    = qualys_aws_connector.gov.is_gov_cloud
    trust_principal = qualys_aws_connector.gov.trust_principal
  }}
}}
output "cloudview_trust_principal" {{ value = qualys_aws_connector.cloudview.trust_principal }}
output "policy_principal" {{ value = data.qualys_aws_iam_policy.global.trust_principal }}
"#
        )
}

fn is_generated_id(id: &str) -> bool {
    let parts: Vec<&str> = id.split('-').collect();
    parts.len() == 3
        && parts[0] == "USPOD01"
        && parts[1] == "4765"
        && parts[2].len() == 13
        && parts[2].bytes().all(|b| b.is_ascii_alphanumeric())
}

fn sim_external_ids(sim: &SimFixture) -> Vec<String> {
    let mut ids: Vec<String> = sim
        .connectors()
        .iter()
        .map(|c| c["externalId"].as_str().unwrap_or_default().to_string())
        .collect();
    ids.sort();
    ids
}

fn generated_external_id_lifecycle(binary: PathBuf) {
    let sim = SimFixture::start();
    let wd = Workdir::new(&onboarding(&sim, "1")).terraform(binary);
    wd.apply();
    let outputs = wd.outputs();
    let id = outputs["external_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(is_generated_id(&id), "{id}");
    assert_eq!(
        outputs["parts"],
        serde_json::json!(["USPOD01", "4765", id.rsplit('-').next().unwrap_or_default()])
    );
    assert_eq!(sim_external_ids(&sim), [id.clone(), id.clone()]);
    assert_eq!(outputs["gov"]["is_gov_cloud"], true);
    assert_eq!(
        outputs["gov"]["trust_principal"],
        format!(
            "arn:aws-us-gov:iam::{}:root",
            qualys_sim::QUALYS_GOV_AWS_ACCOUNT_ID
        )
    );
    let global_principal = format!("arn:aws:iam::{}:root", qualys_sim::QUALYS_AWS_ACCOUNT_ID);
    assert_eq!(outputs["cloudview_trust_principal"], global_principal);
    assert_eq!(outputs["policy_principal"], global_principal);
    let gov_record = sim
        .connectors()
        .into_iter()
        .find(|c| c["name"] == "onboarded-gov")
        .expect("the GovCloud connector");
    assert_eq!(gov_record["partition"], "aws-us-gov");

    // Stable: plans stay empty and the ID does not move.
    wd.assert_empty_plan();
    wd.assert_empty_plan();
    assert_eq!(wd.outputs()["external_id"], id.as_str());

    // A changed keeper rotates it, and both connectors follow in the same apply.
    wd.write("main.tf", &onboarding(&sim, "2"));
    wd.apply();
    let rotated = wd.outputs()["external_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(is_generated_id(&rotated), "{rotated}");
    assert_ne!(rotated, id);
    assert_eq!(sim_external_ids(&sim), [rotated.clone(), rotated]);
    assert_eq!(sim.connectors().len(), 2, "updated, not replaced");
    wd.assert_empty_plan();
}

#[test]
fn generated_external_id_feeds_connectors_and_rotates_on_terraform_1_15() {
    generated_external_id_lifecycle(terraform_latest());
}

#[test]
fn generated_external_id_feeds_connectors_and_rotates_on_terraform_1_0() {
    generated_external_id_lifecycle(terraform_oldest());
}

#[test]
fn external_id_without_a_pod_says_what_to_set() {
    let sim = SimFixture::start();
    let config = provider(&sim).replace("  pod             = \"USPOD01\"\n", "")
        + "\nresource \"qualys_aws_external_id\" \"this\" {}\n";
    let wd = Workdir::new(&config).terraform(terraform_latest());
    let run = wd.run(&["plan", "-input=false"]);
    assert_eq!(run.code, 1, "{}", run.text());
    let flat = run.flat();
    assert!(
        flat.contains("needs the Qualys POD") && flat.contains("QUALYS_POD"),
        "{}",
        run.text()
    );
}

#[test]
fn iam_policy_per_partition_trusts_the_base_account_in_its_arn_forms() {
    let sim = SimFixture::start();
    let mut config = provider(&sim);
    for partition in ["global", "gov"] {
        config += &format!(
            r#"
data "qualys_aws_iam_policy" "{partition}" {{
  partition   = "{partition}"
  external_id = "USPOD01-4765-abc123def"
}}

data "qualys_aws_base_account" "{partition}" {{
  partition = "{partition}"
}}

output "{partition}" {{
  value = {{
    trust_policy        = data.qualys_aws_iam_policy.{partition}.trust_policy
    permissions_policy  = data.qualys_aws_iam_policy.{partition}.permissions_policy
    managed_policy_arns = data.qualys_aws_iam_policy.{partition}.managed_policy_arns
    base_principal      = data.qualys_aws_base_account.{partition}.trust_principal
  }}
}}
"#
        );
    }
    config += r#"
data "qualys_aws_iam_policy" "inventory_only" {
  external_id    = "USPOD01-4765-abc123def"
  connector_apps = ["CI"]
}

output "inventory_only" { value = data.qualys_aws_iam_policy.inventory_only.permissions_policy }
"#;
    let wd = Workdir::new(&config).terraform(terraform_latest());
    wd.apply();
    let outputs = wd.outputs();
    for (partition, arn_partition) in [("global", "aws"), ("gov", "aws-us-gov")] {
        let out = &outputs[partition];
        let trust: Value = serde_json::from_str(out["trust_policy"].as_str().unwrap_or_default())
            .expect("the trust policy is JSON");
        let statement = &trust["Statement"][0];
        assert_eq!(statement["Principal"]["AWS"], out["base_principal"]);
        assert!(
            out["base_principal"]
                .as_str()
                .unwrap_or_default()
                .starts_with(&format!("arn:{arn_partition}:iam::")),
            "{out}"
        );
        assert_eq!(
            statement["Condition"]["StringEquals"]["sts:ExternalId"],
            "USPOD01-4765-abc123def"
        );
        let permissions: Value =
            serde_json::from_str(out["permissions_policy"].as_str().unwrap_or_default())
                .expect("the permissions policy is JSON");
        let text = permissions.to_string();
        assert!(text.contains("guardduty:GetDetector"), "{text}");
        assert!(text.contains("ec2:DescribeInstances"), "{text}");
        assert!(
            text.contains(&format!("arn:{arn_partition}:apigateway:*::/restapis/*")),
            "{text}"
        );
        assert_eq!(
            out["managed_policy_arns"],
            serde_json::json!([format!("arn:{arn_partition}:iam::aws:policy/SecurityAudit")])
        );
    }
    assert_eq!(outputs["inventory_only"], Value::Null);
    wd.assert_empty_plan();
    assert!(sim.connectors().is_empty(), "reading creates nothing");
}

fn guide_example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/guides/onboarding-an-aws-account/policies-from-the-provider")
}

/// The guide's `aws.tf` with each `aws_*` resource stood in by a `terraform_data` of the same
/// meta-arguments (`count`, `for_each`) whose `input` holds its arguments: the plan fails as the
/// real one would when a `count` or `for_each` is unknown, and a required argument planned null
/// shows in `input`. `aws_iam_role` stands in as `terraform_data.aws_iam_role_qualys`, with the
/// ARN AWS would give it; references to it read the stand-in's `output`.
fn aws_stand_in(aws_tf: &str) -> String {
    let mut out = String::new();
    let mut inputs: Option<Vec<String>> = None;
    for line in aws_tf.lines() {
        if let Some(rest) = line.strip_prefix("resource \"aws_") {
            let (ty, rest) = rest
                .split_once("\" \"")
                .expect("resource \"TYPE\" \"NAME\"");
            let name = rest.trim_end_matches("\" {");
            out += &format!("resource \"terraform_data\" \"aws_{ty}_{name}\" {{\n");
            let mut args = Vec::new();
            if ty == "iam_role" {
                args.push(format!(
                    "    arn = \"arn:aws:iam::123456789012:role/{ROLE_NAME}\""
                ));
            }
            inputs = Some(args);
        } else if let Some(args) = inputs.as_mut() {
            let arg = line.trim();
            if line == "}" {
                out += &format!("  input = {{\n{}\n  }}\n}}\n", args.join("\n"));
                inputs = None;
            } else if arg.starts_with("count ") || arg.starts_with("for_each ") {
                out += &format!("{line}\n");
            } else if !arg.is_empty() && !arg.starts_with('#') {
                args.push(format!("  {line}"));
            }
        } else {
            out += &format!("{line}\n");
        }
    }
    out.replace(
        "aws_iam_role.qualys.",
        "terraform_data.aws_iam_role_qualys.output.",
    )
    .replace(
        "terraform_data.aws_iam_role_qualys.output.id",
        "terraform_data.aws_iam_role_qualys.output.name",
    )
}

const ROLE_NAME: &str = "QualysConnector";

/// The guide's recommended configuration, as written, planned and applied from an empty state
/// for each `connector_apps` choice: the Qualys half against the simulator, the AWS half stood
/// in (see `aws_stand_in`; the aws provider cannot be installed offline). What `count` and
/// `for_each` use is known at plan; the inline policy is left out when the apps need none.
/// `terraform_data` needs Terraform 1.4, so this runs on the newest only.
#[test]
fn the_onboarding_guides_example_plans_and_applies_from_an_empty_state_for_every_app_choice() {
    let sim = SimFixture::start();
    let qualys_tf =
        std::fs::read_to_string(guide_example().join("qualys.tf")).expect("reading qualys.tf");
    let aws_tf = std::fs::read_to_string(guide_example().join("aws.tf")).expect("reading aws.tf");
    assert!(aws_tf.contains(&format!("name               = \"{ROLE_NAME}\"")));
    for attribute in ["trust_policy", "permissions_policy", "managed_policy_arns"] {
        assert!(aws_tf.contains(attribute), "aws.tf reads {attribute}");
    }
    // The aws provider is not needed offline: only the qualys one is declared.
    let qualys_only =
        qualys_tf.replace("    aws = {\n      source = \"hashicorp/aws\"\n    }\n", "");
    assert_ne!(qualys_only, qualys_tf, "the example declares hashicorp/aws");
    let outputs = r#"
output "role" {
  value = {
    assume_role_policy = terraform_data.aws_iam_role_qualys.output.assume_role_policy
    policies           = [for p in terraform_data.aws_iam_role_policy_qualys_reads : p.output.policy]
    attachments        = [for a in terraform_data.aws_iam_role_policy_attachment_managed : a.output.policy_arn]
  }
}
"#;
    for (apps, inline_policies) in [(r#"["AI","CI","CSA"]"#, 1), (r#"["CI"]"#, 0)] {
        let wd = Workdir::new(&qualys_only)
            .terraform(terraform_latest())
            .env("QUALYS_API_URL", &sim.url)
            .env("QUALYS_USERNAME", "demo")
            .env("QUALYS_PASSWORD", "demo")
            .env("QUALYS_POD", "USPOD01")
            .env("QUALYS_SUBSCRIPTION_ID", "4765")
            .env("QUALYS_PLATFORM", "")
            .env("QUALYS_CLOUDVIEW_URL", "")
            .env("TF_VAR_connector_apps", apps);
        wd.write("aws.tf", &aws_stand_in(&aws_tf));
        wd.write("outputs.tf", outputs);
        wd.ok(&["validate"]);
        wd.ok(&["plan", "-input=false", "-out=tfplan"]);
        let shown = wd.ok(&["show", "-json", "tfplan"]);
        let plan: Value = serde_json::from_str(&shown.stdout).expect("show -json");
        let creates: Vec<&Value> = plan["resource_changes"]
            .as_array()
            .expect("resource_changes")
            .iter()
            .filter(|c| c["type"] == "terraform_data")
            .collect();
        let instances = |address: &str| {
            creates
                .iter()
                .filter(|c| {
                    c["address"]
                        .as_str()
                        .unwrap_or_default()
                        .starts_with(address)
                })
                .count()
        };
        assert_eq!(instances("terraform_data.aws_iam_role_qualys"), 1, "{apps}");
        assert_eq!(
            instances("terraform_data.aws_iam_role_policy_qualys_reads"),
            inline_policies,
            "{apps}"
        );
        assert_eq!(
            instances(
                "terraform_data.aws_iam_role_policy_attachment_managed[\"arn:aws:iam::aws:policy/SecurityAudit\"]"
            ),
            1,
            "{apps}"
        );
        // Every argument of every AWS resource is set or known after apply, never null.
        for change in &creates {
            let after = &change["change"]["after"]["input"];
            let unknown = &change["change"]["after_unknown"]["input"];
            for (argument, value) in after.as_object().into_iter().flatten() {
                assert!(
                    !value.is_null() || unknown[argument] == true,
                    "{apps}: {} plans {argument} null",
                    change["address"]
                );
            }
        }
        wd.ok(&["apply", "-input=false", "tfplan"]);
        wd.assert_empty_plan();
        let outputs = wd.outputs();
        let connector = &outputs["connector"];
        let external_id = connector["external_id"].as_str().unwrap_or_default();
        assert!(is_generated_id(external_id), "{connector}");
        let trust: Value = serde_json::from_str(
            outputs["role"]["assume_role_policy"]
                .as_str()
                .unwrap_or_default(),
        )
        .expect("JSON");
        assert_eq!(
            trust["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"],
            external_id
        );
        assert_eq!(
            trust["Statement"][0]["Principal"]["AWS"],
            connector["trust_principal"]
        );
        assert_eq!(
            outputs["role"]["attachments"],
            serde_json::json!(["arn:aws:iam::aws:policy/SecurityAudit"])
        );
        let record = sim
            .connectors()
            .into_iter()
            .find(|c| c["name"] == "production")
            .expect("the guide's connector");
        assert_eq!(
            record["arn"],
            format!("arn:aws:iam::123456789012:role/{ROLE_NAME}")
        );
        let wanted: Vec<String> = serde_json::from_str(apps).expect("a JSON list");
        let sent: Vec<String> = record["apps"]
            .as_object()
            .map(|apps| apps.keys().cloned().collect())
            .unwrap_or_default();
        assert_eq!(sent, wanted, "{record}");
        wd.ok(&["destroy", "-auto-approve", "-input=false"]);
        assert!(sim.connectors().is_empty());
    }
}
