//! Issue 18: the provider against what real Qualys tenants were recorded answering
//! (qualys-api.md, "Public evidence, second reading"): base-account flags, free-text CloudView
//! states, bad credentials in an HTTP 200 envelope, pretty-printed CDATA XML, China without a
//! Qualys base account, and the read-only `attached_to_org_connector`.

use qualys_sim::{CustomerBaseAccounts, SimConfig};
use serde_json::json;

use crate::support::sim::SimFixture;
use crate::support::terraform::Workdir;

const ARN: &str = "arn:aws:iam::123456789012:role/QualysConnector";
const CHINA_ARN: &str = "arn:aws-cn:iam::123456789012:role/QualysConnector";
const CV_EXTERNAL_ID: &str = "USPOD01-4765-abc123def";

/// The base-account answer documented by qualysdk (docs/totalcloud.md): ids in `*AccountId`,
/// `"true"`/`"false"` flags in `customer*Account`.
fn documented_base_accounts(global: &str) -> serde_json::Value {
    json!({
        "globalAccountId": global,
        "chinaAccountId": "582140937635",
        "govAccountId": "263853710419",
        "customerGlobalAccount": "false",
        "customerChinaAccount": "false",
        "customerGovAccount": "false"
    })
}

/// QPS answers the base-account search with `record` in its envelope, for the next `count`
/// searches.
fn qps_base_account_answer(sim: &SimFixture, record: serde_json::Value) {
    sim.fault(json!({
        "method": "POST",
        "path_prefix": "/qps/rest/3.0/search/am/awsbaseaccount",
        "count": 20,
        "status": 200,
        "headers": {"Content-Type": "application/json"},
        "body": {"ServiceResponse": {"responseCode": "SUCCESS", "count": 1,
                 "data": [{"AwsBaseAccount": record}]}}
    }));
}

const BASE_ACCOUNTS_CONFIG: &str = r#"
data "qualys_aws_base_account" "global" {}

data "qualys_aws_base_account" "gov" {
  partition = "gov"
}

data "qualys_aws_base_account" "china" {
  partition = "china"
}

output "accounts" {
  value = {
    for name, a in {
      global = data.qualys_aws_base_account.global
      gov    = data.qualys_aws_base_account.gov
      china  = data.qualys_aws_base_account.china
    } : name => {
      account_id      = a.account_id
      trust_principal = a.trust_principal
      customer_owned  = a.customer_owned
    }
  }
}
"#;

fn assert_documented_accounts(outputs: &serde_json::Value) {
    for (name, partition, account) in [
        ("global", "aws", "805950163170"),
        ("gov", "aws-us-gov", "263853710419"),
        ("china", "aws-cn", "582140937635"),
    ] {
        let a = &outputs["accounts"][name];
        assert_eq!(a["account_id"], account, "{outputs}");
        assert_eq!(
            a["trust_principal"],
            format!("arn:{partition}:iam::{account}:root"),
            "{outputs}"
        );
        assert_eq!(a["customer_owned"], false, "{outputs}");
    }
}

#[test]
fn base_accounts_read_the_documented_real_answer_on_both_apis() {
    // QPS's awsbaseaccount search answers the documented record.
    let sim = SimFixture::start();
    qps_base_account_answer(&sim, documented_base_accounts("805950163170"));
    let wd = Workdir::new(&(sim.provider_hcl("demo") + BASE_ACCOUNTS_CONFIG));
    wd.apply();
    assert_documented_accounts(&wd.outputs());

    // A user without the Connector app's API: CloudView's awsBaseAccountId answers it verbatim.
    let sim = SimFixture::start();
    sim.fault(json!({
        "method": "POST", "path_prefix": "/qps/rest/3.0/search/am/awsbaseaccount", "count": 20,
        "status": 200, "headers": {"Content-Type": "application/json"},
        "body": {"ServiceResponse": {"responseCode": "UNAUTHORIZED",
                 "responseErrorDetails": {"errorMessage": "Not authorized"}}}
    }));
    sim.fault(json!({
        "method": "GET", "path_prefix": "/cloudview-api/rest/v1/aws/connectors/awsBaseAccountId",
        "count": 20, "status": 200, "headers": {"Content-Type": "application/json"},
        "body": documented_base_accounts("805950163170")
    }));
    let wd = Workdir::new(&(sim.provider_hcl("demo") + BASE_ACCOUNTS_CONFIG));
    wd.apply();
    assert_documented_accounts(&wd.outputs());
    assert!(sim.call_count("cloudview.baseaccount") >= 1);
}

#[test]
fn a_base_account_id_that_is_not_twelve_digits_fails_naming_the_field() {
    let sim = SimFixture::start();
    qps_base_account_answer(&sim, documented_base_accounts("false"));
    let wd = Workdir::new(&(sim.provider_hcl("demo") + BASE_ACCOUNTS_CONFIG));
    let run = wd.run(&["plan", "-input=false"]);
    assert_eq!(run.code, 1, "{}", run.text());
    let flat = run.flat();
    assert!(
        flat.contains("globalAccountId is \"false\", not a 12-digit AWS account id"),
        "{flat}"
    );
    assert!(!flat.contains("iam::false:root"), "{flat}");
}

#[test]
fn sync_status_is_one_verdict_on_every_api_and_the_data_source_filters_on_it() {
    let sim = SimFixture::start();
    let config = sim.provider_hcl("demo")
        + &format!(
            r#"
resource "qualys_aws_connector" "qps" {{
  name          = "synced-qps"
  arn           = "{ARN}"
  external_id   = "synced-qps-external"
  wait_for_sync = true
}}

resource "qualys_aws_connector" "cv" {{
  api           = "cloudview"
  name          = "synced-cv"
  arn           = "{ARN}"
  external_id   = "{CV_EXTERNAL_ID}"
  wait_for_sync = true
  timeouts      = {{ create = "2m" }}
}}

output "states" {{
  value = {{
    qps = [qualys_aws_connector.qps.state, qualys_aws_connector.qps.sync_status]
    cv  = [qualys_aws_connector.cv.state, qualys_aws_connector.cv.sync_status]
  }}
}}
"#
        );
    let wd = Workdir::new(&config);
    wd.apply();
    let outputs = wd.outputs();
    assert_eq!(
        outputs["states"]["qps"],
        json!(["FINISHED_SUCCESS", "success"]),
        "{outputs}"
    );
    // The CloudView state reads as on a real 2026 tenant.
    assert_eq!(
        outputs["states"]["cv"],
        json!(["Completed successfully", "success"]),
        "{outputs}"
    );
    wd.assert_empty_plan();

    let filters = sim.provider_hcl("demo")
        + r#"
data "qualys_aws_connectors" "synced" {
  sync_status = "success"
}

data "qualys_aws_connectors" "by_state_any_case" {
  state = "finished_success"
}

data "qualys_aws_connectors" "cv_text" {
  state = "COMPLETED SUCCESSFULLY"
}

data "qualys_aws_connectors" "failed" {
  sync_status = "error"
}

output "found" {
  value = {
    synced  = [for c in data.qualys_aws_connectors.synced.connectors : "${c.api}:${c.name}:${c.sync_status}"]
    state   = [for c in data.qualys_aws_connectors.by_state_any_case.connectors : c.name]
    cv_text = [for c in data.qualys_aws_connectors.cv_text.connectors : c.name]
    failed  = [for c in data.qualys_aws_connectors.failed.connectors : c.name]
  }
}
"#;
    let reader = Workdir::new(&filters);
    reader.apply();
    let found = &reader.outputs()["found"];
    assert_eq!(
        found["synced"],
        json!(["cloudview:synced-cv:success", "v3:synced-qps:success"]),
        "{found}"
    );
    assert_eq!(found["state"], json!(["synced-qps"]), "{found}");
    assert_eq!(found["cv_text"], json!(["synced-cv"]), "{found}");
    assert_eq!(found["failed"], json!([]), "{found}");

    let bad = Workdir::new(
        &(sim.provider_hcl("demo")
            + r#"
data "qualys_aws_connectors" "x" {
  sync_status = "SUCCESS"
}
"#),
    );
    let run = bad.run(&["plan", "-input=false"]);
    assert_eq!(run.code, 1, "{}", run.text());
    let flat = run.flat();
    assert!(flat.contains("Invalid sync_status"), "{flat}");
    assert!(
        flat.contains("sync_status must be one of \"success\""),
        "{flat}"
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

#[test]
fn a_v2_connector_read_from_pretty_printed_cdata_xml_plans_empty() {
    let sim = SimFixture::start();
    let config = sim.provider_hcl("demo")
        + &format!(
            r#"
resource "qualys_aws_connector" "c" {{
  api          = "v2"
  name         = "prod <eu> & friends"
  description  = "line one]]>still text, \"quoted\""
  arn          = "{ARN}"
  external_id  = "cdata-external"
  all_regions  = false
  cspm_regions = ["us-east-1", "eu-west-1"]
}}
"#
        );
    let wd = Workdir::new(&config);
    wd.apply();
    wd.assert_empty_plan();
    let record = sim
        .connectors()
        .into_iter()
        .find(|c| c["name"] == "prod <eu> & friends")
        .expect("the connector");
    assert_eq!(record["description"], "line one]]>still text, \"quoted\"");
    // A refresh-only plan sees no drift either.
    let run = wd.run(&[
        "plan",
        "-refresh-only",
        "-detailed-exitcode",
        "-input=false",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
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

#[test]
fn attached_to_org_connector_is_read_only_and_read_from_qualys() {
    let sim = SimFixture::start();
    let config = sim.provider_hcl("demo")
        + &format!(
            r#"
resource "qualys_aws_connector" "c" {{
  name        = "member"
  arn         = "{ARN}"
  external_id = "member-external"
}}

output "attached" {{
  value = qualys_aws_connector.c.attached_to_org_connector
}}
"#
        );
    let wd = Workdir::new(&config);
    wd.apply();
    assert_eq!(wd.outputs()["attached"], false);
    let id = sim.connectors()[0]["id"].to_string();
    sim.patch(&id, json!({"isAttachedToOrgConnector": true}));
    wd.ok(&["apply", "-refresh-only", "-auto-approve", "-input=false"]);
    assert_eq!(wd.outputs()["attached"], true);

    let wd = Workdir::new(
        &(config.replace(
            "external_id = \"member-external\"",
            "external_id = \"member-external\"\n  attached_to_org_connector = true",
        )),
    );
    let run = wd.run(&["plan", "-input=false"]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.flat().contains("attached_to_org_connector"),
        "{}",
        run.text()
    );
}
