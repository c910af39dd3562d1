//! Issue 19: a pipeline's bad day. Answers that do not say whether a create happened, with a
//! gateway in front of the simulator that answers a status of its own after forwarding.

use crate::support::gateway::Gateway;
use crate::support::sim::SimFixture;
use crate::support::terraform::Workdir;

const ARN: &str = "arn:aws:iam::123456789012:role/QualysConnector";
const CV_EXTERNAL_ID: &str = "USPOD01-4765-abc123def";

/// The simulator's provider block, pointed at the gateway in front of it.
fn provider_via(sim: &SimFixture, gateway: &Gateway) -> String {
    sim.provider_hcl("demo").replace(&sim.url, &gateway.url)
}

/// One connector per API, named after the status the gateway answers its create with.
fn three_connectors(status: u16) -> String {
    format!(
        r#"
resource "qualys_aws_connector" "v3" {{
  name        = "gw-v3-{status}"
  arn         = "{ARN}"
  external_id = "gw-v3-external"
}}

resource "qualys_aws_connector" "v2" {{
  api         = "v2"
  name        = "gw-v2-{status}"
  arn         = "{ARN}"
  external_id = "gw-v2-external"
}}

resource "qualys_aws_connector" "cv" {{
  api         = "cloudview"
  name        = "gw-cv-{status}"
  arn         = "{ARN}"
  external_id = "{CV_EXTERNAL_ID}"
}}
"#
    )
}

#[test]
fn a_create_a_gateway_answered_with_an_error_after_forwarding_is_adopted_never_sent_twice() {
    let sim = SimFixture::start();
    let gateway = Gateway::start(&sim.url);
    for status in [429u16, 500, 502, 503, 504] {
        let headers: &[(&str, &str)] = if status == 429 || status == 503 {
            &[("Retry-After", "1")]
        } else {
            &[]
        };
        let body = "<html><body>gateway trouble</body></html>";
        for prefix in [
            "/qps/rest/3.0/create/",
            "/qps/rest/2.0/create/",
            "/cloudview-api/rest/v1/aws/connectors",
        ] {
            gateway.answer_after_forwarding("POST", prefix, 1, status, headers, body);
        }
        let wd = Workdir::new(&(provider_via(&sim, &gateway) + &three_connectors(status)));
        let run = wd.apply();
        let flat = run.flat();
        assert!(
            flat.contains(
                "The create's answer could not be trusted; the connector it made was adopted"
            ),
            "{status}: {}",
            run.text()
        );
        assert!(flat.contains(&format!("HTTP {status}")), "{status}: {flat}");
        for api in ["v3", "v2", "cv"] {
            let name = format!("gw-{api}-{status}");
            let count = sim.names().iter().filter(|n| **n == name).count();
            assert_eq!(count, 1, "{name}: {:?}", sim.names());
        }
        // Each create was sent once: one per API family and status.
        wd.assert_empty_plan();
    }
    let calls = sim.calls();
    assert_eq!(calls["qps3.create"], 5, "{calls}");
    assert_eq!(calls["qps2.create"], 5, "{calls}");
    assert_eq!(calls["cloudview.create"], 5, "{calls}");
    assert_eq!(sim.connectors().len(), 15);
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

/// An hour's budget used up is explained as such, with when the calls return, and no advice
/// that cannot help.
#[test]
fn a_spent_hourly_budget_says_so() {
    let sim = SimFixture::start_with(qualys_sim::SimConfig {
        rate_limit: Some(qualys_sim::RateLimit {
            calls: 1,
            window: std::time::Duration::from_secs(3600),
        }),
        ..qualys_sim::SimConfig::default()
    });
    let config = sim.provider_hcl("demo")
        + &format!(
            r#"
resource "qualys_aws_connector" "c" {{
  name        = "budget"
  arn         = "{ARN}"
  external_id = "budget-external"
}}
"#
        );
    let wd = Workdir::new(&config);
    // The existence check spends the hour's one call; the create is refused.
    let run = wd.run(&["apply", "-auto-approve", "-input=false"]);
    assert_eq!(run.code, 1, "{}", run.text());
    let flat = run.flat();
    assert!(
        flat.contains(
            "the Connector (QPS) API calls this Qualys subscription may make in an hour are used up"
        ),
        "{flat}"
    );
    assert!(
        flat.contains("return in 59m") || flat.contains("return in 1h"),
        "{flat}"
    );
    assert!(flat.contains("spread the runs"), "{flat}");
    assert!(!flat.contains("lower `max_concurrency`"), "{flat}");
    assert!(sim.connectors().is_empty());
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

/// Two pipelines apply the same 20 connectors at the same moment against one subscription
/// (150 ms per call): each name ends up once in Qualys, on every API, every time.
#[test]
fn racing_applies_end_with_one_connector_per_name() {
    for api in ["v3", "v2", "cloudview"] {
        for round in 0..5 {
            let sim = SimFixture::start_with(qualys_sim::SimConfig {
                latency: std::time::Duration::from_millis(150),
                ..qualys_sim::SimConfig::default()
            });
            let config = sim.provider_hcl("demo")
                + &format!(
                    r#"
resource "qualys_aws_connector" "c" {{
  for_each    = {{ for i in range(20) : format("race-%02d", i) => i }}
  api         = "{api}"
  name        = each.key
  arn         = "{ARN}"
  external_id = "{CV_EXTERNAL_ID}"
}}
"#
                );
            let runs: Vec<_> = (0..2)
                .map(|_| {
                    let config = config.clone();
                    std::thread::spawn(move || {
                        let wd = Workdir::new(&config);
                        wd.run(&["apply", "-auto-approve", "-input=false"])
                    })
                })
                .collect();
            let runs: Vec<_> = runs
                .into_iter()
                .map(|r| r.join().expect("an apply"))
                .collect();
            let names = sim.names();
            let mut unique = names.clone();
            unique.dedup();
            assert_eq!(names, unique, "{api} round {round}: a name twice");
            for run in &runs {
                if run.code != 0 {
                    let flat = run.flat();
                    assert!(
                        flat.contains("at the same time") || flat.contains("already exists"),
                        "{api} round {round}: {}",
                        run.text()
                    );
                    assert!(flat.contains("terraform import"), "{flat}");
                }
            }
        }
    }
}
