//! The data sources that read Qualys: connectors (one or many, with filters), base accounts,
//! and the regions data source's argument checks.

use std::collections::BTreeMap;

use serde_json::json;

use crate::support::fixtures::{CV_EXTERNAL_ID, REGIONS_CONFIG, arn, made_outside};
use crate::support::sim::SimFixture;
use crate::support::terraform::Workdir;

fn listing_calls(sim: &SimFixture) -> (u64, u64) {
    (
        sim.call_count("qps3.search"),
        sim.call_count("cloudview.list"),
    )
}

#[test]
fn connectors_data_source_filters_and_answers_in_two_listings() {
    let sim = SimFixture::start();
    let ids = made_outside(&sim, 60);
    let before = listing_calls(&sim);
    let wd = Workdir::new(
        &(sim.provider_hcl("demo")
            + r#"
data "qualys_aws_connectors" "all" {}

data "qualys_aws_connectors" "cloudview_1x" {
  name_regex = "^adopt-cv-01"
  api        = "cloudview"
}

data "qualys_aws_connectors" "one_account" {
  aws_account_id = "300000000007"
}

output "all" { value = { for c in data.qualys_aws_connectors.all.connectors : c.name => c.import_id } }
output "cloudview_1x" { value = [for c in data.qualys_aws_connectors.cloudview_1x.connectors : c.name] }
output "one_account" { value = data.qualys_aws_connectors.one_account.connectors }
"#),
    );
    wd.apply();
    let outputs = wd.outputs();
    let all: BTreeMap<String, String> =
        serde_json::from_value(outputs["all"].clone()).expect("name -> import_id");
    assert_eq!(all, ids, "every connector once, under the API that made it");
    let tens: Vec<String> = (10..20).map(|i| format!("adopt-cv-{i:03}")).collect();
    assert_eq!(outputs["cloudview_1x"], serde_json::json!(tens));
    let one = &outputs["one_account"];
    assert_eq!(one.as_array().map(Vec::len), Some(1), "{one}");
    assert_eq!(one[0]["name"], "adopt-qps-007");
    assert_eq!(one[0]["arn"], arn(300000000007));
    assert_eq!(one[0]["polling_frequency"]["hours"], 4);
    assert_eq!(one[0]["api"], "v3");
    // Three data sources in one process: each family listed, paged, never per connector.
    let (qps, cloudview) = listing_calls(&sim);
    let per_read = |calls: u64, before: u64| (calls - before) as f64 / 3.0;
    assert!(
        per_read(qps, before.0) <= 2.0 && per_read(cloudview, before.1) <= 2.0,
        "at most 2 listing calls per family per read of 120 connectors: {}",
        sim.calls()
    );
    assert_eq!(sim.call_count("qps3.get"), 0);
    assert_eq!(sim.call_count("cloudview.get"), 0);
}

#[test]
fn a_cloudview_portal_connector_is_listed_once_with_or_without_a_qps_twin() {
    let sim = SimFixture::start();
    let role = arn(600000000001);
    // CloudView flags both as portal connectors (its create takes the flag, seed 000); QPS
    // lists the second only, merged into the Connector app, which can update it.
    let alone = sim.seed("cloudview", 1, "portal-alone", &role, CV_EXTERNAL_ID);
    sim.patch(
        &alone[0],
        json!({"isPortalConnector": true, "listedByQps": false}),
    );
    let twin = sim.seed("cloudview", 1, "portal-twin", &role, CV_EXTERNAL_ID);
    sim.patch(
        &twin[0],
        json!({"isPortalConnector": true, "origin": "qps"}),
    );
    let wd = Workdir::new(
        &(sim.provider_hcl("demo")
            + r#"
data "qualys_aws_connectors" "all" {}
data "qualys_aws_connector" "alone" { name = "portal-alone" }

output "all" { value = [for c in data.qualys_aws_connectors.all.connectors : "${c.api}:${c.name}"] }
output "alone" { value = data.qualys_aws_connector.alone.import_id }
"#),
    );
    wd.apply();
    let outputs = wd.outputs();
    assert_eq!(
        outputs["all"],
        json!(["cloudview:portal-alone", "v3:portal-twin"]),
        "each once: under CloudView when QPS does not list it, else under the Connector app's API"
    );
    assert_eq!(outputs["alone"], format!("cloudview:{}", alone[0]));
}

#[test]
fn connector_data_source_finds_by_name_and_by_every_id_form() {
    let sim = SimFixture::start();
    let ids = made_outside(&sim, 2);
    let qps_id = ids["adopt-qps-001"].trim_start_matches("v3:").to_string();
    let uuid = ids["adopt-cv-000"]
        .trim_start_matches("cloudview:")
        .to_string();
    // Two connectors named alike, told apart by account.
    sim.create_out_of_band("v3", "twin", &arn(500000000001), "twin-a");
    sim.create_out_of_band("v3", "twin", &arn(500000000002), "twin-b");
    let lookups = [
        ("by_name", "name = \"adopt-qps-001\"", "adopt-qps-001", "v3"),
        (
            "by_number",
            &*format!("id = \"{qps_id}\""),
            "adopt-qps-001",
            "v3",
        ),
        (
            "by_v3",
            &*format!("id = \"v3:{qps_id}\""),
            "adopt-qps-001",
            "v3",
        ),
        (
            "by_v2",
            &*format!("id = \"v2:{qps_id}\""),
            "adopt-qps-001",
            "v2",
        ),
        (
            "by_uuid",
            &*format!("id = \"{uuid}\""),
            "adopt-cv-000",
            "cloudview",
        ),
        (
            "by_cloudview",
            &*format!("id = \"cloudview:{uuid}\""),
            "adopt-cv-000",
            "cloudview",
        ),
        (
            "twin_b",
            "name = \"twin\"\n  aws_account_id = \"500000000002\"",
            "twin",
            "v3",
        ),
    ]
    .map(|(label, args, name, api)| (label, args.to_string(), name, api));
    let mut config = sim.provider_hcl("demo");
    for (label, args, _, _) in &lookups {
        config += &format!(
            "\ndata \"qualys_aws_connector\" \"{label}\" {{\n  {args}\n}}\noutput \"{label}\" {{ value = data.qualys_aws_connector.{label} }}\n"
        );
    }
    let wd = Workdir::new(&config);
    wd.apply();
    let outputs = wd.outputs();
    for (label, _, name, api) in &lookups {
        let c = &outputs[*label];
        assert_eq!(c["name"], *name, "{label}: {c}");
        assert_eq!(c["api"], *api, "{label}: {c}");
        assert!(
            c["import_id"]
                .as_str()
                .is_some_and(|i| i.starts_with(&format!("{api}:"))),
            "{label}: {c}"
        );
    }
    assert_eq!(outputs["twin_b"]["external_id"], "twin-b");
    assert_eq!(outputs["by_uuid"]["external_id"], CV_EXTERNAL_ID);

    // An ambiguous name says which connectors it could be.
    wd.write(
        "main.tf",
        &(sim.provider_hcl("demo")
            + "data \"qualys_aws_connector\" \"twin\" {\n  name = \"twin\"\n}\n"),
    );
    let run = wd.run(&["plan", "-input=false"]);
    assert_eq!(run.code, 1, "{}", run.text());
    let flat = run.flat();
    assert!(
        flat.contains("2 connectors are named \"twin\"") && flat.contains("500000000001"),
        "{}",
        run.text()
    );
}

#[test]
fn base_accounts_feed_trust_policies_for_every_partition() {
    let sim = SimFixture::with_china();
    let wd = Workdir::new(
        &(sim.provider_hcl("demo")
            + r#"
data "qualys_aws_base_account" "global" {}

data "qualys_aws_base_account" "gov" {
  partition = "gov"
}

data "qualys_aws_base_account" "china" {
  partition = "china"
}

locals {
  trust = {
    for name, account in {
      global = data.qualys_aws_base_account.global
      gov    = data.qualys_aws_base_account.gov
      china  = data.qualys_aws_base_account.china
    } : name => jsonencode({
      Version = "2012-10-17"
      Statement = [{
        Effect    = "Allow"
        Action    = "sts:AssumeRole"
        Principal = { AWS = account.trust_principal }
        Condition = { StringEquals = { "sts:ExternalId" = "USPOD01-4765-abc123def" } }
      }]
    })
  }
}

output "trust" { value = local.trust }
output "accounts" {
  value = [for a in [data.qualys_aws_base_account.global, data.qualys_aws_base_account.gov, data.qualys_aws_base_account.china] : a.account_id]
}
"#),
    );
    wd.apply();
    let outputs = wd.outputs();
    let accounts: Vec<String> =
        serde_json::from_value(outputs["accounts"].clone()).expect("three accounts");
    assert_eq!(
        accounts,
        [
            qualys_sim::QUALYS_AWS_ACCOUNT_ID,
            qualys_sim::QUALYS_GOV_AWS_ACCOUNT_ID,
            SimFixture::CHINA_BASE_ACCOUNT
        ]
    );
    for (name, partition, account) in [
        ("global", "aws", qualys_sim::QUALYS_AWS_ACCOUNT_ID),
        ("gov", "aws-us-gov", qualys_sim::QUALYS_GOV_AWS_ACCOUNT_ID),
        ("china", "aws-cn", SimFixture::CHINA_BASE_ACCOUNT),
    ] {
        let policy: serde_json::Value =
            serde_json::from_str(outputs["trust"][name].as_str().unwrap_or_default())
                .expect("a JSON policy");
        assert_eq!(
            policy["Statement"][0]["Principal"]["AWS"],
            format!("arn:{partition}:iam::{account}:root")
        );
    }
}

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
fn a_bad_region_type_fails_at_plan_naming_the_attribute() {
    let wd =
        Workdir::new(&REGIONS_CONFIG.replace("region_type = \"china\"", "region_type = \"moon\""));
    let plan = wd.run(&["plan", "-input=false"]);
    assert_eq!(plan.code, 1, "{}", plan.text());
    assert!(
        plan.stderr.contains("Invalid region_type"),
        "{}",
        plan.text()
    );
    // Terraform quotes the exact line only when the diagnostic carries the attribute path.
    assert!(
        plan.stderr.contains("region_type = \"moon\""),
        "diagnostic points at the attribute:\n{}",
        plan.text()
    );
    assert!(plan.stderr.contains("\"global\", \"china\" or \"gov\""));
}
