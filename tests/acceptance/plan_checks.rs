//! What `terraform plan` refuses or warns about before anything is sent: invalid arguments with
//! their path, connectors that cannot be created, and what the API would refuse at apply.

use std::path::PathBuf;

use qualys_sim::{CustomerBaseAccounts, SimConfig};
use serde_json::json;

use crate::support::fixtures::{ARN, CHINA_ARN, CV_EXTERNAL_ID, GOV_ARN, QPS_EXTERNAL_ID};
use crate::support::sim::SimFixture;
use crate::support::terraform::{Workdir, terraform, terraform_latest, terraform_oldest};

/// Every plan-time error names its resource and attribute (Terraform quotes the line).
#[test]
fn plan_time_errors_name_the_resource_and_attribute() {
    let sim = SimFixture::start();
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "bad_region",
            "all_regions = false\n  cspm_regions = [\"us-east-1\", \"us_moon_1\"]",
            "Unsupported region \"us_moon_1\" in cspm_regions",
            "cspm_regions = [\"us-east-1\", \"us_moon_1\"]",
        ),
        (
            "regions_without_all_regions_false",
            "cspm_regions = [\"us-east-1\"]",
            "cspm_regions needs all_regions = false",
            "cspm_regions = [\"us-east-1\"]",
        ),
        (
            "inventory_outside_cspm",
            "all_regions = false\n  cspm_regions = [\"us-east-1\"]\n  inventory_regions = [\"eu-west-1\"]",
            "inventory_regions has \"eu-west-1\", which cspm_regions lacks",
            "inventory_regions = [\"eu-west-1\"]",
        ),
        (
            "gov_region_in_global",
            "all_regions = false\n  cspm_regions = [\"us-gov-west-1\"]",
            "Unsupported region \"us-gov-west-1\" in cspm_regions",
            "cspm_regions = [\"us-gov-west-1\"]",
        ),
        (
            "polling_out_of_range",
            "polling_frequency = { hours = 30, minutes = 0 }",
            "Invalid polling_frequency",
            "polling_frequency = { hours = 30, minutes = 0 }",
        ),
        (
            "unsupported_argument",
            "api = \"cloudview\"\n  connector_apps = [\"CSA\"]",
            "connector_apps is not supported with api = \"cloudview\"",
            "connector_apps = [\"CSA\"]",
        ),
    ];
    let mut config = sim.provider_hcl("demo");
    for (name, body, _, _) in cases {
        let external = if body.contains("cloudview") {
            CV_EXTERNAL_ID
        } else {
            QPS_EXTERNAL_ID
        };
        config += &format!(
            "\nresource \"qualys_aws_connector\" \"{name}\" {{\n  name = \"{name}\"\n  arn = \"{ARN}\"\n  external_id = \"{external}\"\n  {body}\n}}\n"
        );
    }
    config += &format!(
        "\nresource \"qualys_aws_connector\" \"bad_arn\" {{\n  name = \"bad_arn\"\n  arn = \"arn:aws:iam::12345:role/x\"\n  external_id = \"{QPS_EXTERNAL_ID}\"\n}}\n\
         \nresource \"qualys_aws_connector\" \"partition_mismatch\" {{\n  name = \"partition_mismatch\"\n  arn = \"{ARN}\"\n  external_id = \"{QPS_EXTERNAL_ID}\"\n  is_gov_cloud = true\n}}\n"
    );
    let wd = Workdir::new(&config);
    let plan = wd.run(&["plan", "-input=false"]);
    assert_eq!(plan.code, 1, "{}", plan.text());
    let diagnostics: Vec<&str> = plan.stderr.split("Error: ").skip(1).collect();
    let mut expected: Vec<(&str, &str, &str)> =
        cases.iter().map(|(n, _, s, l)| (*n, *s, *l)).collect();
    let arn_line = "arn = \"arn:aws:iam::12345:role/x\"";
    let mismatch_line = format!("arn = \"{ARN}\"");
    expected.push(("bad_arn", "Invalid arn", arn_line));
    expected.push((
        "partition_mismatch",
        "arn does not match the connector's partition",
        &mismatch_line,
    ));
    for (name, summary, line) in expected {
        let found = diagnostics.iter().any(|d| {
            d.starts_with(summary)
                && d.contains(&format!("with qualys_aws_connector.{name},"))
                && d.contains(line)
        });
        assert!(
            found,
            "no diagnostic {summary:?} at {name} quoting {line:?}:\n{}",
            plan.stderr
        );
    }
    assert!(sim.connectors().is_empty());
}

#[test]
fn china_connectors_are_created_only_through_cloudview() {
    let sim = SimFixture::start();
    let wd = Workdir::new(
        &(sim.provider_hcl("demo")
            + &format!(
                r#"
resource "qualys_aws_connector" "china" {{
  name            = "china"
  arn             = "arn:aws-cn:iam::123456789012:role/Qualys"
  external_id     = "{QPS_EXTERNAL_ID}"
  is_china_region = true
}}
"#
            )),
    );
    // Valid as configuration (an imported China connector reads like this)...
    wd.ok(&["validate"]);
    // ... but a plan that would create it through QPS says what to do.
    let plan = wd.run(&["plan", "-input=false"]);
    assert_eq!(plan.code, 1, "{}", plan.text());
    let flat = plan.flat();
    assert!(
        flat.contains("AWS China connectors cannot be created with api = \"v3\"")
            && flat.contains("is_china_region = true")
            && flat.contains("set api = \"cloudview\""),
        "{}",
        plan.text()
    );
    assert!(sim.connectors().is_empty());
}

#[test]
fn cloudview_external_id_format_is_checked_at_plan() {
    let sim = SimFixture::start();
    let config = sim.provider_hcl("demo")
        + &format!(
            r#"
resource "qualys_aws_connector" "cv" {{
  api         = "cloudview"
  name        = "cv"
  arn         = "{ARN}"
  external_id = "pod-test-env"
}}
"#
        );
    let wd = Workdir::new(&config);
    let plan = wd.run(&["plan", "-input=false"]);
    assert_eq!(plan.code, 1, "{}", plan.text());
    assert!(
        plan.stderr
            .contains("external_id is not in the CloudView format"),
        "{}",
        plan.text()
    );
    assert!(
        plan.stderr.contains("external_id = \"pod-test-env\""),
        "{}",
        plan.text()
    );
    assert!(sim.connectors().is_empty());
}

#[test]
fn names_and_descriptions_with_edge_whitespace_fail_at_plan_on_every_api() {
    let sim = SimFixture::start();
    for api in ["v3", "v2", "cloudview"] {
        let config = sim.provider_hcl("demo")
            + &format!(
                r#"
resource "qualys_aws_connector" "name" {{
  api         = "{api}"
  name        = "prod "
  arn         = "{ARN}"
  external_id = "{CV_EXTERNAL_ID}"
}}

resource "qualys_aws_connector" "description" {{
  api         = "{api}"
  name        = "prod"
  description = "tabbed\t"
  arn         = "{ARN}"
  external_id = "{CV_EXTERNAL_ID}"
}}
"#
            );
        let wd = Workdir::new(&config);
        let run = wd.run(&["plan", "-input=false"]);
        assert_eq!(run.code, 1, "{api}: {}", run.text());
        let flat = run.flat();
        assert!(
            flat.contains("name has leading or trailing whitespace"),
            "{api}: {flat}"
        );
        assert!(flat.contains("write \"prod\""), "{api}: {flat}");
        assert!(
            flat.contains("description has leading or trailing whitespace"),
            "{api}: {flat}"
        );
    }
    assert!(sim.connectors().is_empty());
    assert_eq!(sim.calls(), json!({}));
}

fn china_config(sim: &SimFixture, with_base_account_read: bool) -> String {
    let (data, description) = if with_base_account_read {
        (
            "data \"qualys_aws_base_account\" \"global\" {}\n",
            "trusts ${data.qualys_aws_base_account.global.account_id}",
        )
    } else {
        ("", "china")
    };
    sim.provider_hcl("demo")
        + data
        + &format!(
            r#"
resource "qualys_aws_connector" "cn" {{
  api             = "cloudview"
  name            = "china"
  description     = "{description}"
  arn             = "{CHINA_ARN}"
  external_id     = "{CV_EXTERNAL_ID}"
  is_china_region = true
}}
"#
        )
}

#[test]
fn china_connectors_need_the_subscriptions_own_china_base_account() {
    let sim = SimFixture::start();
    // Base accounts already read in the plan's process: the plan says it.
    let wd = Workdir::new(&china_config(&sim, true));
    let run = wd.run(&["plan", "-input=false"]);
    assert_eq!(run.code, 1, "{}", run.text());
    let flat = run.flat();
    assert!(
        flat.contains("cannot have AWS China connectors yet"),
        "{flat}"
    );
    assert!(flat.contains("enable the China region"), "{flat}");

    // Otherwise the apply says it, before sending a create.
    let wd = Workdir::new(&china_config(&sim, false));
    let run = wd.run(&["apply", "-auto-approve", "-input=false"]);
    assert_eq!(run.code, 1, "{}", run.text());
    let flat = run.flat();
    assert!(
        flat.contains("cannot have AWS China connectors yet"),
        "{flat}"
    );
    assert!(flat.contains("own China base account"), "{flat}");
    assert!(sim.connectors().is_empty());
    assert_eq!(sim.call_count("cloudview.create"), 0);

    // A subscription with its own China base account and the region enabled by support.
    let sim = SimFixture::start_with(SimConfig {
        customer_base_accounts: CustomerBaseAccounts {
            china: Some("111122223333".into()),
            ..CustomerBaseAccounts::default()
        },
        china_region_enabled: true,
        ..SimConfig::default()
    });
    let wd = Workdir::new(&china_config(&sim, true));
    wd.apply();
    let record = sim
        .connectors()
        .into_iter()
        .next()
        .expect("a China connector");
    assert_eq!(record["partition"], "aws-cn", "{record}");
    wd.assert_empty_plan();
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

    // A GovCloud role with is_gov_cloud = false: the region error says what the configuration
    // holds, beside the partition error.
    wd.write(
        "main.tf",
        &(sim.provider_hcl("demo")
            + &SCOPED
                .replace("arn:aws:iam::123456789012:role/Qualys", GOV_ARN)
                .replace(", \"eu-central-2\"", "")
                .replace("  all_regions", "  is_gov_cloud = false\n  all_regions")),
    );
    let run = wd.run(&["plan", "-input=false"]);
    assert_eq!(run.code, 1, "{}", run.text());
    let flat = run.flat();
    assert!(
        flat.contains(
            "\"us-east-1\" is a global region, but this connector is in the gov partition (the \
             role's ARN is in \"aws-us-gov\"; is_gov_cloud = false)."
        ) && !flat.contains("(is_gov_cloud = true)"),
        "{}",
        run.text()
    );
}

#[test]
fn a_region_newer_than_the_provider_warns_and_qualys_decides_on_terraform_1_0() {
    a_new_region_is_qualys_to_judge(terraform().to_path_buf());
}

#[test]
fn a_region_newer_than_the_provider_warns_and_qualys_decides_on_terraform_1_15() {
    a_new_region_is_qualys_to_judge(terraform_latest());
}

/// The plan says what the apply would: an existing connector of that name, credentials that
/// do not work, a URL that is no Qualys, all fail `terraform plan` (the apply still checks).
#[test]
fn the_plan_fails_where_the_apply_would() {
    let sim = SimFixture::start();
    let config = |provider: String, name: &str| {
        provider
            + &format!(
                r#"
resource "qualys_aws_connector" "c" {{
  name        = "{name}"
  arn         = "{ARN}"
  external_id = "plan-check-external"
}}
"#
            )
    };
    // A connector of that name already exists in the account: the import command, at plan.
    let id = sim.create_out_of_band("v3", "taken", ARN, "someone-elses");
    let wd = Workdir::new(&config(sim.provider_hcl("demo"), "taken"));
    let run = wd.run(&["plan", "-input=false"]);
    assert_eq!(run.code, 1, "{}", run.text());
    let flat = run.flat();
    assert!(
        flat.contains("Qualys connector \"taken\" already exists"),
        "{flat}"
    );
    assert!(
        flat.contains(&format!("terraform import 'ADDRESS' v3:{id}")),
        "{flat}"
    );
    assert!(flat.contains(&format!("id = \"v3:{id}\"")), "{flat}");

    // Wrong password: at plan, naming the user.
    let wrong = sim.provider_hcl("demo").replace(
        "password    = \"demo\"",
        "password    = \"not-the-password\"",
    );
    assert!(wrong.contains("not-the-password"));
    let wd = Workdir::new(&config(wrong, "fresh"));
    let run = wd.run(&["plan", "-input=false"]);
    assert_eq!(run.code, 1, "{}", run.text());
    let flat = run.flat();
    assert!(flat.contains("Authentication failed"), "{flat}");
    assert!(flat.contains("username \"demo\""), "{flat}");

    // A URL where no Qualys answers (a wrong platform or api_url): at plan.
    let nowhere = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        let port = listener.local_addr().expect("its address").port();
        drop(listener);
        format!("http://127.0.0.1:{port}")
    };
    let wd = Workdir::new(&config(
        sim.provider_hcl("demo").replace(&sim.url, &nowhere),
        "fresh",
    ));
    let run = wd.run(&["plan", "-input=false"]);
    assert_eq!(run.code, 1, "{}", run.text());
    let flat = run.flat();
    assert!(flat.contains("attempt(s) over"), "{flat}");
    assert!(flat.contains("Check that `platform`"), "{flat}");

    // A plan that creates a connector nobody has: no error, and the check cost one call.
    let before = sim.call_count("qps3.search");
    let wd = Workdir::new(&config(sim.provider_hcl("demo"), "fresh"));
    let (code, run) = wd.plan_exit_code();
    assert_eq!(code, 2, "{}", run.text());
    assert_eq!(sim.call_count("qps3.search") - before, 1, "{}", sim.calls());
    // The only create was the out-of-band one.
    assert_eq!(sim.call_count("qps3.create"), 1);
}

/// Provider settings known only at apply (here the password, from a resource's output): a plan
/// that creates a connector cannot check whether one of that name exists nor whether the
/// credentials work, and says so, with when they run; the apply runs them and creates.
fn checks_left_to_apply(binary: PathBuf) {
    let sim = SimFixture::start();
    let config = format!(
        r#"
terraform {{
  required_providers {{
    qualys = {{ source = "qualys-tf/qualys" }}
  }}
}}

# A value known only after apply, on Terraform 1.0 too: an external ID another instance of the
# provider generates.
provider "qualys" {{
  alias           = "source"
  api_url         = "{url}"
  username        = "demo"
  password        = "demo"
  pod             = "USPOD01"
  subscription_id = "4765"
}}

resource "qualys_aws_external_id" "source" {{
  provider = qualys.source
}}

provider "qualys" {{
  api_url  = "{url}"
  username = "demo"
  password = length(qualys_aws_external_id.source.result) > 0 ? "demo" : "demo"
}}

resource "qualys_aws_connector" "c" {{
  name        = "deferred"
  arn         = "{ARN}"
  external_id = "{QPS_EXTERNAL_ID}"
}}
"#,
        url = sim.url
    );
    let wd = Workdir::new(&config).terraform(binary);
    let (code, plan) = wd.plan_exit_code();
    assert_eq!(code, 2, "{}", plan.text());
    let flat = plan.flat();
    assert!(
        flat.contains("Warning: Qualys checks not run at plan")
            && flat.contains(
                "This plan could not check, because the provider's password is known only at \
                 apply: whether a connector named \"deferred\" already exists in Qualys, and \
                 whether the provider's credentials and URL work. They run at apply, before the \
                 connector is created"
            ),
        "{}",
        plan.text()
    );
    wd.apply();
    assert_eq!(sim.connectors().len(), 1);
}

#[test]
fn a_plan_with_settings_known_only_at_apply_names_the_checks_it_left_to_apply_on_terraform_1_0() {
    checks_left_to_apply(terraform_oldest());
}

#[test]
fn a_plan_with_settings_known_only_at_apply_names_the_checks_it_left_to_apply_on_terraform_1_15() {
    checks_left_to_apply(terraform_latest());
}
