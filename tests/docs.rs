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
