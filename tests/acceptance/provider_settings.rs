//! The provider block: required arguments, URLs, ranges, the platform, TLS verification and
//! credentials, checked before apply with the attribute named; settings known only at apply.

use std::path::PathBuf;

use crate::support::fixtures::ARN;
use crate::support::sim::SimFixture;
use crate::support::terraform::{Run, Workdir, terraform_latest, terraform_oldest};

const SECRET: &str = "TopSecretPw99";

const REQUIRED_PROVIDERS: &str = r#"
terraform {
  required_providers {
    qualys = { source = "qualys-tf/qualys" }
  }
}
"#;

/// A connector whose `name` and `arn` come from the given expressions.
fn connector(name: &str, arn: &str) -> String {
    format!(
        r#"
variable "arn" {{
  type    = string
  default = null
}}

resource "qualys_aws_connector" "c" {{
  name        = {name}
  arn         = {arn}
  external_id = "nulls-7f3c9a21e4"
}}
"#
    )
}

fn assert_missing_required(run: &Run, attribute: &str, line: &str) {
    assert_eq!(run.code, 1, "{}", run.text());
    let flat = run.flat();
    assert!(flat.contains("Missing required argument"), "{}", run.text());
    assert!(
        flat.contains(&format!("The argument \"{attribute}\" is required")),
        "the error names {attribute}:\n{}",
        run.text()
    );
    // Terraform quotes the configuration line only when the diagnostic carries the path.
    assert!(
        run.stderr.contains(line),
        "the error points at `{line}`:\n{}",
        run.text()
    );
}

fn null_required_arguments_fail_before_any_request(binary: PathBuf) {
    let sim = SimFixture::start();
    let provider = sim.provider_hcl("demo");

    // A literal null fails already at validate.
    let wd = Workdir::new(&(provider.clone() + &connector("null", "var.arn")))
        .terraform(binary.clone())
        .env(
            "TF_VAR_arn",
            "arn:aws:iam::123456789012:role/QualysConnector",
        );
    let validate = wd.run(&["validate"]);
    assert_missing_required(&validate, "name", "name        = null");
    let plan = wd.run(&["plan", "-input=false"]);
    assert_missing_required(&plan, "name", "name        = null");

    // A variable that defaults to null is unknown at validate and null at plan.
    let wd = Workdir::new(&(provider + &connector("\"nulls\"", "var.arn"))).terraform(binary);
    let plan = wd.run(&["plan", "-input=false"]);
    assert_missing_required(&plan, "arn", "arn         = var.arn");
    let apply = wd.run(&["apply", "-auto-approve", "-input=false"]);
    assert_missing_required(&apply, "arn", "arn         = var.arn");

    assert_eq!(sim.call_count("qps3.create"), 0, "{}", sim.calls());
    assert!(sim.connectors().is_empty());
}

#[test]
fn null_required_arguments_fail_at_plan_on_terraform_1_0() {
    null_required_arguments_fail_before_any_request(terraform_oldest());
}

#[test]
fn null_required_arguments_fail_at_plan_on_terraform_1_15() {
    null_required_arguments_fail_before_any_request(terraform_latest());
}

/// `provider "qualys" { <settings> }` with a regions data source, which needs no API call.
fn provider_only(settings: &str) -> String {
    format!(
        "{REQUIRED_PROVIDERS}\nprovider \"qualys\" {{\n{settings}\n}}\n\
         data \"qualys_aws_regions\" \"all\" {{}}\n"
    )
}

/// `terraform validate` (no environment) must fail with `summary`, pointing at `line`.
fn assert_invalid(settings: &str, summary: &str, line: &str) -> Run {
    let wd = Workdir::new(&provider_only(settings))
        .env("QUALYS_PLATFORM", "")
        .env("QUALYS_API_URL", "")
        .env("QUALYS_CLOUDVIEW_URL", "");
    let run = wd.run(&["validate"]);
    assert_eq!(run.code, 1, "{settings}: {}", run.text());
    assert!(run.flat().contains(summary), "{settings}: {}", run.text());
    assert!(
        run.stderr.contains(line),
        "the error points at `{line}`:\n{}",
        run.text()
    );
    run
}

#[test]
fn credentials_in_a_url_are_refused_at_validate_without_echoing_them() {
    for attribute in ["api_url      ", "cloudview_url"] {
        let line = format!("{attribute} = \"https://admin:{SECRET}@qualysapi.qualys.com\"");
        let run = assert_invalid(
            &line,
            &format!("Invalid {}", attribute.trim()),
            &format!("{attribute} ="),
        );
        let shown = format!("{}{}", run.stdout, run.stderr);
        // Terraform itself quotes the offending line; the provider's message must not repeat it.
        let without_quote = shown.replace(&line, "");
        assert!(
            !without_quote.contains(SECRET),
            "the password is echoed:\n{}",
            run.text()
        );
        assert!(run.flat().contains("admin:***@"), "{}", run.text());
    }

    // The environment fallback is checked by ValidateProviderConfig too, which Terraform
    // calls for an empty provider block at plan (not at `terraform validate`).
    let wd = Workdir::new(&provider_only("")).env(
        "QUALYS_API_URL",
        &format!("https://admin:{SECRET}@qualysapi.qualys.com"),
    );
    let run = wd.run(&["plan", "-input=false"]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(run.log.contains("GRPCProvider.v6: ValidateProviderConfig"));
    assert!(
        !run.log.contains("GRPCProvider.v6: ConfigureProvider"),
        "refused before configure"
    );
    assert!(
        run.flat().contains("Invalid QUALYS_API_URL"),
        "{}",
        run.text()
    );
    assert!(
        !format!("{}{}", run.stdout, run.stderr).contains(SECRET),
        "{}",
        run.text()
    );
}

#[test]
fn out_of_range_settings_are_errors_naming_the_attribute() {
    assert_invalid(
        "request_timeout = \"100000000000h\"",
        "Invalid request_timeout",
        "request_timeout = \"100000000000h\"",
    );
    assert_invalid(
        "max_retries = 1000",
        "Invalid max_retries",
        "max_retries = 1000",
    );
    assert_invalid(
        "max_concurrency = 0",
        "Invalid max_concurrency",
        "max_concurrency = 0",
    );
}

#[test]
fn platform_must_be_spelt_right_and_not_beside_a_url() {
    let run = assert_invalid(
        "platform = \"us2\"",
        "Unknown Qualys platform",
        "platform = \"us2\"",
    );
    assert!(
        run.flat().contains("did you mean \"US2\""),
        "{}",
        run.text()
    );
    let run = assert_invalid(
        "platform = \"US2\"\napi_url = \"http://127.0.0.1:9\"",
        "Conflicting Qualys platform settings",
        "platform = \"US2\"",
    );
    assert!(
        run.flat().contains("platform and api_url"),
        "{}",
        run.text()
    );
}

#[test]
fn skipping_tls_verification_is_a_visible_warning() {
    let wd = Workdir::new(&provider_only(
        "api_url = \"https://127.0.0.1:9\"\nusername = \"demo\"\npassword = \"demo\"\n\
         insecure_skip_verify = true",
    ));
    let plan = wd.run(&["plan", "-input=false"]);
    assert_eq!(plan.code, 0, "{}", plan.text());
    let shown = plan.flat();
    assert!(
        shown.contains("Warning: TLS certificate verification is off"),
        "{}",
        plan.text()
    );
    assert!(
        plan.stdout.contains("insecure_skip_verify = true")
            || plan.stderr.contains("insecure_skip_verify = true"),
        "the warning points at the setting:\n{}",
        plan.text()
    );
}

#[test]
fn bad_credentials_answered_in_an_http_200_envelope_name_the_user_and_platform() {
    let sim = SimFixture::start();
    let provider = sim
        .provider_hcl("demo")
        .replace("password    = \"demo\"", "password    = \"wrong\"");
    assert!(provider.contains("\"wrong\""));
    let config = provider
        + &format!(
            r#"
resource "qualys_aws_connector" "c" {{
  name        = "creds"
  arn         = "{ARN}"
  external_id = "creds-external"
}}
"#
        );
    let wd = Workdir::new(&config);
    let run = wd.run(&["apply", "-auto-approve", "-input=false"]);
    assert_eq!(run.code, 1, "{}", run.text());
    let flat = run.flat();
    // Qualys's own words, and what to check.
    assert!(flat.contains("Authentication failed"), "{flat}");
    assert!(flat.contains("username \"demo\""), "{flat}");
    assert!(flat.contains("platform"), "{flat}");
    assert!(flat.contains(&sim.url), "{flat}");
    // The simulator answered as Qualys does: HTTP 200 with INVALID_CREDENTIALS, no retries.
    assert!(sim.call_count("qps3.search") >= 1);
    assert!(sim.call_count("qps3.search") <= 2, "{}", sim.calls());
}

/// Provider settings known only at apply do not fail a plan that needs no API call; one that
/// does says which setting and why.
#[test]
fn settings_known_only_at_apply_fail_only_plans_that_need_the_api() {
    let sim = SimFixture::start();
    let provider = |url: &str| {
        format!(
            r#"
terraform {{
  required_providers {{
    qualys = {{ source = "qualys-tf/qualys" }}
  }}
}}

resource "terraform_data" "endpoint" {{
  input = "{}"
}}

provider "qualys" {{
  api_url  = {url}
  username = "demo"
  password = "demo"
}}
"#,
            sim.url
        )
    };
    let wd = Workdir::new(
        &(provider("terraform_data.endpoint.output")
            + r#"
data "qualys_aws_regions" "all" {}
"#),
    )
    .terraform(crate::support::terraform::terraform_latest());
    let (code, run) = wd.plan_exit_code();
    assert_eq!(
        code,
        2,
        "a plan that needs no call goes ahead:\n{}",
        run.text()
    );

    // A data source read at plan needs the API: the error names the setting and says why.
    let wd = Workdir::new(
        &(provider("terraform_data.endpoint.output")
            + r#"
data "qualys_aws_connectors" "all" {}
"#),
    )
    .terraform(crate::support::terraform::terraform_latest());
    let run = wd.run(&["plan", "-input=false"]);
    assert_eq!(run.code, 1, "{}", run.text());
    let flat = run.flat();
    assert!(flat.contains("api_url is not known yet"), "{flat}");
    assert!(flat.contains("known only after apply"), "{flat}");

    let wd = Workdir::new(
        &(provider("terraform_data.endpoint.output")
            + r#"
data "qualys_aws_connectors" "all" {
  depends_on = [terraform_data.endpoint]
}
"#),
    )
    .terraform(crate::support::terraform::terraform_latest());
    let run = wd.run(&["apply", "-auto-approve", "-input=false"]);
    // The data source waits for the endpoint's output (depends_on), so it is read at apply,
    // when the setting is known.
    assert_eq!(run.code, 0, "{}", run.text());
}
