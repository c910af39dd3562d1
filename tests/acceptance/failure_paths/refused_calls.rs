//! Calls Qualys refuses or fails (throttling, server errors, 404s, listings that ignore paging,
//! hostile error text): retried where safe, reported plainly, and no connector lost.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::fixtures::{
    ARN, CV_EXTERNAL_ID, external_id, lifecycle_connector, only_connector,
};
use crate::support::gateway::Gateway;
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

/// Calls of one API family in the simulator's counts (`cloudview.*`, `qps3.*`).
fn calls_of_family(sim: &SimFixture, family: &str) -> u64 {
    let calls = sim.calls();
    calls
        .as_object()
        .map(|all| {
            all.iter()
                .filter(|(operation, _)| operation.starts_with(&format!("{family}.")))
                .filter_map(|(_, n)| n.as_u64())
                .sum()
        })
        .unwrap_or(0)
}

/// Qualys's own throttling answer (CloudView's 429 with its error body, QPS's 409 envelope)
/// says the create was not carried out: no lookup follows, and under an hour's budget spent
/// the apply fails at once with the budget message, not after retrying until the deadline.
#[test]
fn a_create_under_a_spent_hourly_budget_fails_at_once_with_the_budget_message() {
    for (api, family, named) in [
        ("cloudview", "cloudview", "CloudView"),
        ("v3", "qps3", "Connector (QPS)"),
    ] {
        let sim = SimFixture::start_with(qualys_sim::SimConfig {
            rate_limit: Some(qualys_sim::RateLimit {
                calls: 2,
                window: Duration::from_secs(3600),
            }),
            ..qualys_sim::SimConfig::default()
        });
        let config = sim.provider_hcl("demo")
            + &format!(
                r#"
resource "qualys_aws_connector" "c" {{
  api         = "{api}"
  name        = "budget-{api}"
  arn         = "{ARN}"
  external_id = "{}"
}}
"#,
                external_id(api)
            );
        let wd = Workdir::new(&config);
        // The plan's existence check spends calls of the budget; the apply's create meets
        // the spent budget (or, without another check, spends the last call).
        let started = Instant::now();
        let run = wd.run(&["apply", "-auto-approve", "-input=false"]);
        let seconds = started.elapsed().as_secs_f64();
        let calls = calls_of_family(&sim, family);
        eprintln!(
            "{api}: a create under a spent budget failed in {seconds:.2}s after {calls} calls: {}",
            sim.calls()
        );
        assert_eq!(run.code, 1, "{api}: {}", run.text());
        let flat = run.flat();
        assert!(
            flat.contains(&format!(
                "the {named} API calls this Qualys subscription may make in an hour are used up"
            )),
            "{api}: {flat}"
        );
        assert!(
            flat.contains("return in 59m") || flat.contains("return in 1h"),
            "{api}: {flat}"
        );
        assert!(!flat.contains("was not confirmed"), "{api}: {flat}");
        assert!(seconds < 10.0, "{api}: {seconds:.1}s\n{}", run.text());
        assert!(calls <= 4, "{api}: {calls} calls: {}", sim.calls());
        assert!(
            sim.call_count(&format!("{family}.create")) >= 1,
            "{api}: the create was sent and refused: {}",
            sim.calls()
        );
        assert!(sim.connectors().is_empty(), "{api}");
        assert!(wd.ok(&["state", "list"]).stdout.trim().is_empty(), "{api}");
    }
}

/// What a Spring-based gateway answers for a route it does not serve.
const GATEWAY_404: &str = r#"{"timestamp":"2026-01-01T00:00:00.000+00:00","path":"/x","status":404,"error":"Not Found","requestId":"4f1c2a9e-12"}"#;

/// A delete is done only on two signals: the API's own "not found" for that connector, and a
/// read back that lacks it. A gateway's 404, or a 404 in the API's words that a read back
/// contradicts, fails the destroy and keeps the resource in the state.
#[test]
fn a_delete_answered_404_by_a_gateway_keeps_the_resource_in_the_state() {
    for (api, method, delete_path, named) in [
        (
            "cloudview",
            "DELETE",
            "/cloudview-api/rest/v1/aws/connectors",
            "CloudView",
        ),
        (
            "v3",
            "POST",
            "/qps/rest/3.0/delete/am/awsassetdataconnector",
            "Connector (QPS)",
        ),
    ] {
        let sim = SimFixture::start();
        let gateway = Gateway::start(&sim.url);
        let config = sim.provider_hcl("demo").replace(&sim.url, &gateway.url)
            + &lifecycle_connector(api, "kept", false);
        let wd = Workdir::new(&config);
        wd.apply();
        let json = [("Content-Type", "application/json")];
        gateway.answer_instead(method, delete_path, 1, 404, &json, GATEWAY_404);
        let started = Instant::now();
        let destroy = wd.run(&["destroy", "-auto-approve", "-input=false"]);
        eprintln!(
            "{api}: a gateway's 404 to the delete failed the destroy in {:.2}s",
            started.elapsed().as_secs_f64()
        );
        assert_eq!(destroy.code, 1, "{api}: {}", destroy.text());
        let flat = destroy.flat();
        assert!(
            flat.contains(&format!(
                "a call to the {named} API was answered HTTP 404 by something other than the API itself"
            )),
            "{api}: {flat}"
        );
        assert!(flat.contains("\"requestId\""), "what was answered: {flat}");
        assert!(flat.contains("`api_url`/`cloudview_url`"), "{api}: {flat}");
        assert!(
            flat.contains("The connector stays in the Terraform state"),
            "{api}: {flat}"
        );
        assert!(!flat.contains("Destroy complete"), "{api}: {flat}");
        assert!(
            wd.ok(&["state", "list"])
                .stdout
                .contains("qualys_aws_connector.c"),
            "{api}"
        );
        assert_eq!(sim.connectors().len(), 1, "{api}: the connector lives on");

        // The API's own words, from the gateway: the read back finds the connector.
        let own = if api == "cloudview" {
            json!({"errorCode": "NOT_FOUND", "message": "Connector not found", "timestamp": 0})
        } else {
            json!({"ServiceResponse": {"responseCode": "OBJECT_NOT_FOUND"}})
        };
        let status = if api == "cloudview" { 404 } else { 200 };
        gateway.answer_instead(method, delete_path, 1, status, &json, &own.to_string());
        let destroy = wd.run(&["destroy", "-auto-approve", "-input=false"]);
        assert_eq!(destroy.code, 1, "{api}: {}", destroy.text());
        assert!(
            destroy
                .flat()
                .contains("but reading it back finds it, so it was not deleted"),
            "{api}: {}",
            destroy.text()
        );
        assert_eq!(sim.connectors().len(), 1, "{api}");

        // Nothing in between: deleted.
        wd.ok(&["destroy", "-auto-approve", "-input=false"]);
        assert!(sim.connectors().is_empty(), "{api}");
        assert!(wd.ok(&["state", "list"]).stdout.trim().is_empty(), "{api}");
    }
}
