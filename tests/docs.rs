//! The committed `docs/` is exactly what `cargo xtask docs` generates from the provider's
//! schema, `examples/` and `docs-templates/`: a schema description changed without
//! regenerating the docs fails here (as does `cargo xtask docs --check`, which CI runs).

use std::path::Path;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn committed_docs_match_the_schema() {
    let problems = xtask::docs::check(repo()).expect("rendering the docs");
    assert!(
        problems.is_empty(),
        "docs/ differs from what the schema generates:\n{}\nrun `cargo xtask docs` and commit docs/",
        problems.join("\n")
    );
}

/// The pages show the example files as they are, so an example validated by the acceptance
/// tests (`tests/acceptance/examples.rs`) is what a reader copies.
#[test]
fn pages_show_the_examples_verbatim() {
    let pages = xtask::docs::render(repo()).expect("rendering the docs");
    for (page, example) in [
        ("docs/index.md", "examples/provider/provider.tf"),
        (
            "docs/resources/aws_connector.md",
            "examples/resources/qualys_aws_connector/resource.tf",
        ),
        (
            "docs/resources/aws_connector.md",
            "examples/resources/qualys_aws_connector/import.sh",
        ),
        (
            "docs/data-sources/aws_regions.md",
            "examples/data-sources/qualys_aws_regions/data-source.tf",
        ),
        (
            "docs/guides/onboarding-an-aws-account.md",
            "examples/guides/onboarding-an-aws-account/connector-first/main.tf",
        ),
        (
            "docs/guides/onboarding-an-aws-account.md",
            "examples/guides/onboarding-an-aws-account/role-first/main.tf",
        ),
    ] {
        let text = std::fs::read_to_string(repo().join(example)).expect("reading an example");
        let page_text = &pages[Path::new(page)];
        assert!(
            page_text.contains(text.trim_end()),
            "{page} does not show {example}"
        );
    }
}

/// Until the provider is published, the CI guide's filesystem mirror must name this build's
/// version, and the external-ID fallback for Terraform older than 1.8 must be the provider's
/// own rule.
#[test]
fn guides_name_this_version_and_the_external_id_rule() {
    let pages = xtask::docs::render(repo()).expect("rendering the docs");
    let ci = &pages[Path::new("docs/guides/running-in-ci.md")];
    let version = env!("CARGO_PKG_VERSION");
    for wanted in [
        format!(
            "registry.terraform.io/qualys-tf/qualys/{version}/linux_amd64/terraform-provider-qualys_v{version}"
        ),
        format!("version = \"{version}\""),
        "terraform providers lock -fs-mirror=".to_string(),
        "TF_IN_AUTOMATION=1".to_string(),
        "-input=false".to_string(),
    ] {
        assert!(ci.contains(&wanted), "the CI guide lacks {wanted}");
    }
    let regex = tfqualys::functions::is_valid_external_id::FALLBACK_REGEX;
    for page in [
        "docs/guides/onboarding-an-aws-account.md",
        "docs/functions/is_valid_external_id.md",
    ] {
        assert!(
            pages[Path::new(page)].contains(&format!("can(regex(\"{regex}\"")),
            "{page} lacks the fallback regular expression"
        );
    }
}
