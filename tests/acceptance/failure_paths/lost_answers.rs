//! Answers that do not say whether a create happened (dropped connections, a gateway's error
//! after forwarding, timeouts, answers without the connector): looked up and adopted, never sent twice.

use std::path::PathBuf;
use std::time::Duration;

use qualys_sim::SimConfig;
use serde_json::json;

use super::{APIS, fleet};
use crate::support::fixtures::{ARN, CV_EXTERNAL_ID, lifecycle_connector, only_connector};
use crate::support::gateway::Gateway;
use crate::support::sim::SimFixture;
use crate::support::terraform::{Run, Workdir, terraform_latest, terraform_oldest};

/// `terraform state show` of connector `c` holds `id`.
fn assert_state_holds(wd: &Workdir, id: &str) {
    let show = wd.ok(&["state", "show", "qualys_aws_connector.c"]);
    assert!(
        show.stdout.contains(&format!("\"{id}\"")),
        "the id {id} is in the state:\n{}",
        show.stdout
    );
}

#[test]
fn create_survives_a_failed_read_back() {
    let sim = SimFixture::start();
    sim.fault(json!({
        "method": "GET",
        "path_prefix": "/qps/rest/3.0/get",
        "count": 1,
        "status": 500,
        "body": "upstream exploded"
    }));
    let wd = Workdir::new(&(sim.provider_hcl("demo") + &lifecycle_connector("v3", "x", false)));
    wd.apply();
    let id = only_connector(&sim)["id"].to_string();
    assert_state_holds(&wd, &id);
    wd.assert_empty_plan();
}

#[test]
fn create_whose_answer_is_lost_is_adopted_not_duplicated() {
    let sim = SimFixture::start();
    sim.fault(json!({
        "method": "POST",
        "path_prefix": "/qps/rest/3.0/create",
        "count": 1,
        "drop_connection": true
    }));
    let wd = Workdir::new(&(sim.provider_hcl("demo") + &lifecycle_connector("v3", "x", false)));
    wd.apply();
    let id = only_connector(&sim)["id"].to_string();
    assert_eq!(
        sim.call_count("qps3.create"),
        1,
        "the create is not sent twice"
    );
    assert_state_holds(&wd, &id);
    wd.assert_empty_plan();
}

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
    // A gateway's 403 page after forwarding (not Qualys's refusal) is as untrusted as a 5xx.
    for status in [403u16, 429, 500, 502, 503, 504] {
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
    assert_eq!(calls["qps3.create"], 6, "{calls}");
    assert_eq!(calls["qps2.create"], 6, "{calls}");
    assert_eq!(calls["cloudview.create"], 6, "{calls}");
    assert_eq!(sim.connectors().len(), 18);
}

#[test]
fn a_lost_create_answer_and_a_failed_lookup_never_become_a_duplicate() {
    for api in APIS {
        let sim = SimFixture::start();
        let (create, lookup) = match api {
            "v3" => ("/qps/rest/3.0/create", "/qps/rest/3.0/search"),
            "v2" => ("/qps/rest/2.0/create", "/qps/rest/2.0/search"),
            _ => (
                "/cloudview-api/rest/v1/aws/connectors",
                "/cloudview-api/rest/v1/aws/connectors",
            ),
        };
        // The existence check lists first; then the create is carried out and its answer lost,
        // and the look-up that follows meets a server error.
        sim.fault(json!({"method": "POST", "path_prefix": create, "drop_connection": true}));
        let wd = Workdir::new(&(sim.provider_hcl("demo") + &fleet("lost", 1, Some(api), "")));
        let method = if api == "cloudview" { "GET" } else { "POST" };
        // One listing succeeds (the existence check), the next calls fail once each.
        let first = apply_with_lookup_failing_after_listing(&sim, &wd, method, lookup);
        assert_eq!(sim.names(), ["lost00"], "{api}: {}", first.text());
        // Whatever the first apply said, the next fault-free apply creates nothing more.
        let second = wd.run(&["apply", "-auto-approve", "-input=false"]);
        assert_eq!(sim.names(), ["lost00"], "{api}: {}", second.text());
        if !second.success() {
            assert!(
                second.flat().contains("already exists"),
                "{}",
                second.text()
            );
        }
    }
}

/// Runs an apply during which the look-up path answers 500 once, after the first listing.
fn apply_with_lookup_failing_after_listing(
    sim: &SimFixture,
    wd: &Workdir,
    method: &str,
    lookup: &str,
) -> Run {
    // Queued faults apply to the next matching calls, so a pass-through delay absorbs the
    // existence check's listing and the 500 meets the look-up after the lost create.
    sim.fault(json!({"method": method, "path_prefix": lookup, "delay_ms": 1}));
    sim.fault(json!({"method": method, "path_prefix": lookup, "status": 500, "body": "boom"}));
    wd.run(&["apply", "-auto-approve", "-input=false"])
}

#[test]
fn a_create_answered_without_the_connector_keeps_its_id_in_the_state() {
    let sim = SimFixture::start();
    // Qualys says SUCCESS with the id only (the seed's create answers are partial too): the
    // connector was made as sent, so the state is the plan with that id, without a re-read.
    let id_only = json!({"ServiceResponse": {"responseCode": "SUCCESS", "count": 1,
        "data": [{"AwsAssetDataConnector": {"id": 2999999}}]}});
    sim.fault(
        json!({"method": "POST", "path_prefix": "/qps/rest/3.0/create",
        "status": 200, "body": id_only}),
    );
    let wd = Workdir::new(&(sim.provider_hcl("demo") + &fleet("partial", 1, Some("v3"), "")));
    let run = wd.run(&["apply", "-auto-approve", "-input=false"]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert_eq!(sim.call_count("qps3.get"), 0, "no re-read: {}", sim.calls());
    let show = wd.ok(&["state", "show", "qualys_aws_connector.c[\"partial00\"]"]);
    assert!(show.stdout.contains("\"2999999\""), "{}", show.stdout);
    assert!(show.stdout.contains("\"partial00\""), "{}", show.stdout);
    // The base account the role trusts, asked once, since the answer did not say.
    assert!(
        show.stdout.contains("qualys_aws_account_id"),
        "{}",
        show.stdout
    );
    assert_eq!(sim.call_count("qps3.baseaccount"), 1, "{}", sim.calls());
}

#[test]
fn a_refresh_answered_without_the_connector_is_an_error_not_drift() {
    let sim = SimFixture::start();
    let wd = Workdir::new(&(sim.provider_hcl("demo") + &fleet("thin", 1, Some("v2"), "")));
    wd.apply();
    let id = sim.connectors()[0]["id"].to_string();
    let thin = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ServiceResponse><responseCode>SUCCESS\
         </responseCode><count>1</count><data><AwsAssetDataConnector><id>{id}</id>\
         </AwsAssetDataConnector></data></ServiceResponse>"
    );
    for path in ["/qps/rest/2.0/get", "/qps/rest/2.0/search"] {
        sim.fault(json!({"path_prefix": path, "count": 10, "status": 200, "body": thin}));
    }
    let run = wd.run(&["plan", "-input=false", "-detailed-exitcode"]);
    assert_eq!(
        run.code,
        1,
        "an error, not a plan that writes name and arn back:\n{}",
        run.text()
    );
    assert!(run.flat().contains("incomplete answer"), "{}", run.text());
}

fn impatient(sim: &SimFixture, binary: PathBuf) -> Workdir {
    Workdir::new(
        &(sim.provider_hcl("demo")
            + &format!(
                r#"
resource "qualys_aws_connector" "c" {{
  name        = "impatient"
  arn         = "{ARN}"
  external_id = "impatient-x1"
  timeouts    = {{ create = "1s" }}
}}
"#
            )),
    )
    .terraform(binary)
}

/// The create itself takes 1.5 s: the provider stops waiting after 1 s, Qualys carries the
/// create out anyway, and the look-up that follows (a second look 2 s after the first) finds it and puts it into the state, with a warning
/// that the timeout passed (no failure, so nothing is tainted and replaced).
fn timeout_keeps_the_created_connector(binary: PathBuf) {
    let sim = SimFixture::start();
    sim.fault(json!({"method": "POST", "path_prefix": "/qps/rest/3.0/create", "delay_ms": 1500}));
    let wd = impatient(&sim, binary);
    let run = wd.run(&["apply", "-auto-approve", "-input=false"]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert!(
        run.flat()
            .contains("Creating the Qualys connector took longer than timeouts.create"),
        "{}",
        run.text()
    );
    let all = sim.connectors();
    assert_eq!(all.len(), 1, "Qualys created it once: {all:#?}");
    let id = all[0]["id"].to_string();
    let show = wd.ok(&["state", "show", "qualys_aws_connector.c"]);
    assert!(
        show.stdout.contains(&format!("\"{id}\"")),
        "the created connector's id {id} is in the state:\n{}",
        show.stdout
    );
    assert_eq!(sim.call_count("qps3.create"), 1, "never sent twice");
    wd.assert_empty_plan();
}

#[test]
fn timeouts_create_keeps_what_qualys_created_on_terraform_1_15() {
    timeout_keeps_the_created_connector(terraform_latest());
}

#[test]
fn timeouts_create_keeps_what_qualys_created_on_terraform_1_0() {
    timeout_keeps_the_created_connector(terraform_oldest());
}

#[test]
fn timeouts_create_against_a_slow_qualys_loses_nothing() {
    // Every call takes 3 s, three times timeouts.create: the create's answer cannot come in
    // time (the check before it was made at plan, which timeouts.create does not bound).
    // Either the apply fails naming the timeout, or the look-up after the unanswered create
    // finds the connector and keeps it: never a connector the state does not know.
    let sim = SimFixture::start_with(SimConfig {
        latency: Duration::from_secs(3),
        ..SimConfig::default()
    });
    let wd = impatient(&sim, terraform_latest());
    let run = wd.run(&["apply", "-auto-approve", "-input=false"]);
    let flat = run.flat();
    assert!(
        (run.code == 1 && flat.contains("timed out") && flat.contains("timeouts.create"))
            || (run.code == 0 && flat.contains("took longer than timeouts.create")),
        "{}",
        run.text()
    );
    std::thread::sleep(Duration::from_secs(4));
    let state = wd.ok(&["state", "list"]).stdout;
    match sim.connectors().as_slice() {
        [] => assert!(state.trim().is_empty(), "{state}"),
        [one] => assert!(
            state.contains("qualys_aws_connector.c"),
            "{one}\n{}",
            run.text()
        ),
        more => panic!("more than one connector: {more:#?}"),
    }
}
