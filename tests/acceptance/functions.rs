//! The provider functions in outputs, `validation` blocks and `terraform test`, and their
//! errors naming the argument (Terraform 1.8+).

use crate::support::sim::SimFixture;
use crate::support::terraform::{Workdir, terraform_latest};

/// A module that calls every function from outputs and checks its variable with one.
const FUNCTIONS_MODULE: &str = r#"
terraform {
  required_providers {
    qualys = { source = "qualys-tf/qualys" }
  }
}

variable "external_id" {
  type = string
  validation {
    condition     = provider::qualys::is_valid_external_id(var.external_id)
    error_message = "external_id must be in Qualys's format <POD>-<subscription ID>-<5 to 13 letters or digits>."
  }
}

output "built" { value = provider::qualys::external_id("US1", "4765", "abc123def") }
output "parts" { value = provider::qualys::parse_external_id(var.external_id) }
output "valid" { value = provider::qualys::is_valid_external_id("prod-qualys-7f3a") }
output "import_id" { value = provider::qualys::import_id("cloudview", "8889B18B-6F92-43D3-8AFD-6D9D144177E8") }
output "parsed_import_id" { value = provider::qualys::parse_import_id("v2:2000001") }
"#;

fn functions_workdir(sim: &SimFixture) -> Workdir {
    Workdir::new(FUNCTIONS_MODULE)
        .terraform(terraform_latest())
        .env("QUALYS_API_URL", &sim.url)
        .env("QUALYS_USERNAME", "demo")
        .env("QUALYS_PASSWORD", "demo")
        .env("QUALYS_PLATFORM", "")
        .env("QUALYS_CLOUDVIEW_URL", "")
}

#[test]
fn functions_answer_in_outputs_and_validation() {
    let sim = SimFixture::start();
    let wd = functions_workdir(&sim);
    wd.ok(&[
        "apply",
        "-auto-approve",
        "-input=false",
        "-var",
        "external_id=USPOD01-4765-9011278609223",
    ]);
    let outputs = wd.outputs();
    assert_eq!(outputs["built"], "USPOD01-4765-abc123def");
    assert_eq!(
        outputs["parts"],
        serde_json::json!({"pod": "USPOD01", "subscription_id": "4765", "suffix": "9011278609223"})
    );
    assert_eq!(outputs["valid"], false);
    assert_eq!(
        outputs["import_id"],
        "cloudview:8889b18b-6f92-43d3-8afd-6d9d144177e8"
    );
    assert_eq!(
        outputs["parsed_import_id"],
        serde_json::json!({"api": "v2", "id": "2000001"})
    );

    // The configuration's own validation, with the provider's rule.
    let run = wd.run(&[
        "plan",
        "-input=false",
        "-var",
        "external_id=prod-qualys-7f3a",
    ]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.flat()
            .contains("external_id must be in Qualys's format"),
        "{}",
        run.text()
    );
}

#[test]
fn function_errors_name_the_argument() {
    let sim = SimFixture::start();
    for (call, argument, says) in [
        (
            r#"provider::qualys::external_id("US1", "4765", "ab")"#,
            "suffix",
            "must be 5 to 13 letters or digits",
        ),
        (
            r#"provider::qualys::external_id("US2", "4765", "abcde")"#,
            "platform",
            "the POD of platform US2 is not public",
        ),
        (
            r#"provider::qualys::parse_external_id("USPOD01-47x5-abcde")"#,
            "external_id",
            "the subscription ID part \"47x5\" must be digits",
        ),
        (
            r#"provider::qualys::import_id("v3", "not-a-number")"#,
            "id",
            "a QPS connector ID is a number",
        ),
    ] {
        let wd = functions_workdir(&sim);
        wd.write(
            "main.tf",
            &format!("{FUNCTIONS_MODULE}\noutput \"bad\" {{ value = {call} }}\n"),
        );
        let run = wd.run(&[
            "plan",
            "-input=false",
            "-var",
            "external_id=USPOD01-4765-9011278609223",
        ]);
        assert_eq!(run.code, 1, "{call}: {}", run.text());
        let flat = run.flat();
        assert!(
            flat.contains(&format!("Invalid value for \"{argument}\" parameter"))
                && flat.contains(says),
            "{call}:\n{}",
            run.text()
        );
        // Terraform ends the message with its own full stop: one, never two.
        assert!(!flat.contains(".."), "{call}:\n{}", run.text());
    }
}

/// `is_valid_external_id(null)` is false, not an error, as its docs say: an optional
/// variable's validation can pass it.
#[test]
fn is_valid_external_id_of_null_is_false() {
    let sim = SimFixture::start();
    let wd = functions_workdir(&sim);
    wd.write(
        "main.tf",
        &format!(
            "{FUNCTIONS_MODULE}\noutput \"null_is_valid\" {{ value = provider::qualys::is_valid_external_id(null) }}\n"
        ),
    );
    wd.ok(&[
        "apply",
        "-auto-approve",
        "-input=false",
        "-var",
        "external_id=USPOD01-4765-9011278609223",
    ]);
    assert_eq!(wd.outputs()["null_is_valid"], false);
}

#[test]
fn terraform_test_catches_an_invalid_external_id_through_a_function() {
    let sim = SimFixture::start();
    let wd = functions_workdir(&sim);
    wd.write(
        "external_id.tftest.hcl",
        r#"
run "an_invalid_external_id_fails_validation" {
  command = plan
  variables {
    external_id = "USPOD01-4765"
  }
  expect_failures = [var.external_id]
}

run "a_valid_external_id_passes" {
  command = plan
  variables {
    external_id = "USPOD01-4765-9011278609223"
  }
  assert {
    condition     = output.parts.subscription_id == "4765"
    error_message = "the subscription ID is the middle part"
  }
}
"#,
    );
    let run = wd.run(&["test"]);
    assert!(run.success(), "{}", run.text());
    assert!(
        run.stdout.contains("2 passed, 0 failed"),
        "both runs passed:\n{}",
        run.text()
    );
}
