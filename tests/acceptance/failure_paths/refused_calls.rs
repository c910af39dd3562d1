//! Calls Qualys refuses or fails (throttling, server errors, 404s, listings that ignore paging,
//! hostile error text): retried where safe, reported plainly, and no connector lost.

use serde_json::json;

use crate::support::fixtures::{ARN, CV_EXTERNAL_ID, lifecycle_connector, only_connector};
use crate::support::sim::SimFixture;
use crate::support::terraform::Workdir;

#[test]
fn throttled_create_waits_and_succeeds() {
    let sim = SimFixture::start();
    sim.fault(json!({
        "method": "POST",
        "path_prefix": "/qps/rest/3.0/create",
        "count": 1,
        "status": 409,
        "headers": {"X-RateLimit-ToWait-Sec": "1"},
        "body": "{\"ServiceResponse\":{\"responseCode\":\"LIMIT_EXCEEDED\"}}"
    }));
    let wd = Workdir::new(&(sim.provider_hcl("demo") + &lifecycle_connector("v3", "x", false)));
    wd.apply();
    only_connector(&sim);
    assert_eq!(
        sim.call_count("qps3.create"),
        2,
        "one throttled call, one retry"
    );
    wd.assert_empty_plan();
}

#[test]
fn failed_create_leaves_no_connector_and_no_state() {
    let sim = SimFixture::start();
    // A 500 does not say whether the create happened: each send is followed by a lookup, and
    // sent again only when the lookup finds nothing, within max_retries (3 in provider_hcl).
    sim.fault(json!({
        "method": "POST",
        "path_prefix": "/qps/rest/3.0/create",
        "count": 20,
        "status": 500,
        "body": {"ServiceResponse": {"responseCode": "OTHER_ERROR", "responseErrorDetails": {
            "errorMessage": "Connector service is down for maintenance",
            "errorResolution": "Try again in an hour"}}}
    }));
    let wd = Workdir::new(&(sim.provider_hcl("demo") + &lifecycle_connector("v3", "x", false)));
    let apply = wd.run(&["apply", "-auto-approve", "-input=false"]);
    assert_eq!(apply.code, 1, "{}", apply.text());
    assert!(
        apply
            .flat()
            .contains("Connector service is down for maintenance"),
        "Qualys's message reaches the user:\n{}",
        apply.text()
    );
    assert!(sim.connectors().is_empty());
    let creates = sim.call_count("qps3.create");
    assert_eq!(creates, 4, "one send and max_retries more, never blindly");
    // The existence check, then two looks after every send.
    assert!(
        sim.call_count("qps3.search") > 2 * creates,
        "{}",
        sim.calls()
    );
    let state = wd.ok(&["state", "list"]);
    assert!(
        state.stdout.trim().is_empty(),
        "no state entry: {}",
        state.stdout
    );
}

#[test]
fn failed_delete_keeps_the_resource_and_missing_one_deletes_fine() {
    let sim = SimFixture::start();
    let wd = Workdir::new(&(sim.provider_hcl("demo") + &lifecycle_connector("v2", "x", false)));
    wd.apply();
    sim.fault(json!({
        "method": "POST",
        "path_prefix": "/qps/rest/2.0/delete",
        "count": 1,
        // A refusal, not a server error: server errors on a delete are retried.
        "status": 200,
        "body": "<ServiceResponse><responseCode>INSUFFICIENT_PERMISSIONS</responseCode><responseErrorDetails><errorMessage>Not allowed to delete connectors</errorMessage></responseErrorDetails></ServiceResponse>"
    }));
    let destroy = wd.run(&["destroy", "-auto-approve", "-input=false"]);
    assert_eq!(destroy.code, 1, "{}", destroy.text());
    let state = wd.ok(&["state", "list"]);
    assert!(
        state.stdout.contains("qualys_aws_connector.c"),
        "{}",
        state.stdout
    );
    only_connector(&sim);

    // Gone behind Terraform's back: destroy without refresh still succeeds.
    let id = only_connector(&sim)["id"].to_string();
    sim.delete(&id);
    wd.ok(&["destroy", "-auto-approve", "-input=false", "-refresh=false"]);
    let state = wd.ok(&["state", "list"]);
    assert!(state.stdout.trim().is_empty());
}

/// Escape sequences and line breaks a server sends are shown inert: no screen clearing, no
/// window title, no forged line of Terraform's output.
#[test]
fn server_text_reaches_the_terminal_inert() {
    let sim = SimFixture::start();
    let hostile =
        "\u{1b}[2J\u{1b}]0;pwned\u{7}\nApply complete! Resources: 9 added, 0 changed, 0 destroyed.";
    sim.fault(serde_json::json!({
        "method": "POST", "path_prefix": "/qps/rest/3.0/create/", "count": 1, "status": 200,
        "headers": {"Content-Type": "application/json"},
        "body": {"ServiceResponse": {"responseCode": "INVALID_REQUEST",
                 "responseErrorDetails": {"errorMessage": hostile, "errorResolution": hostile}}}
    }));
    sim.fault(serde_json::json!({
        "method": "POST", "path_prefix": "/cloudview-api/rest/v1/aws/connectors", "count": 1,
        "status": 400, "headers": {"Content-Type": "application/json"},
        "body": {"errorCode": "INVALID_REQUEST", "message": hostile, "timestamp": 0}
    }));
    let config = sim.provider_hcl("demo")
        + &format!(
            r#"
resource "qualys_aws_connector" "v3" {{
  name        = "hostile-v3"
  arn         = "{ARN}"
  external_id = "hostile-external"
}}

resource "qualys_aws_connector" "cv" {{
  api         = "cloudview"
  name        = "hostile-cv"
  arn         = "{ARN}"
  external_id = "{CV_EXTERNAL_ID}"
}}
"#
        );
    let wd = Workdir::new(&config);
    let run = wd.run(&["apply", "-auto-approve", "-input=false"]);
    assert_eq!(run.code, 1, "{}", run.text());
    let out = format!("{}{}", run.stdout, run.stderr);
    assert!(
        !out.contains('\u{1b}'),
        "an escape reached the terminal: {out:?}"
    );
    assert!(!out.contains('\u{7}'), "{out:?}");
    assert!(
        !out.lines()
            .any(|l| l.trim_start().starts_with("Apply complete!")),
        "a forged line: {out}"
    );
    // The text is still there to read, escaped.
    assert_eq!(out.matches("\\u{1b}[2J").count(), 3, "{out}");
    assert!(
        run.log.lines().all(|l| !l.contains('\u{1b}')),
        "the log holds an escape"
    );
}

/// A lone 404 (a proxy's or gateway's, with any body) never takes a connector out of the
/// state: only its own read saying "gone" and a complete listing lacking it do.
#[test]
fn a_lone_404_never_loses_a_connector_from_the_state() {
    let sim = SimFixture::start();
    let config = sim.provider_hcl("demo")
        + &format!(
            r#"
resource "qualys_aws_connector" "cv" {{
  api         = "cloudview"
  name        = "kept"
  arn         = "{ARN}"
  external_id = "{CV_EXTERNAL_ID}"
}}
"#
        );
    let wd = Workdir::new(&config);
    wd.apply();
    let uuid = sim.connectors()[0]["cloudviewUuid"]
        .as_str()
        .expect("a CloudView id")
        .to_string();
    // CloudView's own error form, from something in between: the connector is still listed.
    sim.fault(serde_json::json!({
        "method": "GET",
        "path_prefix": format!("/cloudview-api/rest/v1/aws/connectors/{uuid}"),
        "count": 5, "status": 404, "headers": {"Content-Type": "application/json"},
        "body": {"errorCode": "NOT_FOUND", "message": "Not Found", "timestamp": 0}
    }));
    let (code, run) = wd.plan_exit_code();
    assert_eq!(code, 0, "the connector was planned again:\n{}", run.text());
    assert!(!run.flat().contains("not found"), "{}", run.text());
    assert_eq!(sim.connectors().len(), 1);

    // Really gone: its read says so and the listing lacks it.
    sim.delete(&uuid);
    let (code, run) = wd.plan_exit_code();
    assert_eq!(code, 2, "{}", run.text());
    assert!(run.flat().contains("1 to add"), "{}", run.text());
}

#[test]
fn a_cloudview_listing_answering_404_during_a_refresh_loses_no_connector() {
    let sim = SimFixture::start();
    let wd = Workdir::new(
        &(sim.provider_hcl("demo")
            + &format!(
                r#"
resource "qualys_aws_connector" "c" {{
  for_each    = toset(["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"])
  api         = "cloudview"
  name        = "cv-${{each.key}}"
  arn         = "{ARN}"
  external_id = "{CV_EXTERNAL_ID}"
}}
"#
            )),
    );
    wd.apply();
    sim.fault(json!({
        "method": "GET", "path_prefix": "/cloudview-api/rest/v1/aws/connectors", "count": 1,
        "status": 404, "body": {"errorCode": "NOT_FOUND", "message": "Not Found", "timestamp": 0}
    }));
    let (code, run) = wd.plan_exit_code();
    assert_eq!(
        code,
        0,
        "no connector is planned for re-creation:\n{}",
        run.text()
    );
    assert!(!run.flat().contains("not found"), "{}", run.text());
    assert_eq!(
        wd.ok(&["state", "list"]).stdout.lines().count(),
        10,
        "every connector stays in the state"
    );
}

#[test]
fn a_qps_listing_that_ignores_its_paging_ends_with_an_error() {
    let sim = SimFixture::start();
    for i in 0..3 {
        sim.create_out_of_band("v3", &format!("page-{i}"), ARN, "paging-x1");
    }
    sim.quirks(json!({"qps_ignore_paging": true}));
    let wd = Workdir::new(
        &(sim.provider_hcl("demo")
            + "data \"qualys_aws_connectors\" \"all\" {}\noutput \"n\" { value = length(data.qualys_aws_connectors.all.connectors) }\n"),
    );
    let run = wd.run(&["plan", "-input=false"]);
    // Three connectors fit one page, so ignoring the paging changes nothing here unless the
    // answer also claims more records: the simulator's quirk does.
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.flat().contains("Could not list the Qualys connectors"),
        "{}",
        run.text()
    );
    assert!(
        sim.call_count("qps3.search") <= 10,
        "a handful of calls, not a loop: {}",
        sim.calls()
    );
}
