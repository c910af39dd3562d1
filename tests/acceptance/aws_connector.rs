//! Issue 5: `qualys_aws_connector` on all three APIs, driven by the real Terraform against
//! qualys-sim: every arrow of plan/apply/import/destroy, drift, faults, and plan-time errors.

use serde_json::{Value, json};

use crate::support::sim::{SimFixture, sorted_strings};
use crate::support::terraform::Workdir;

const ARN: &str = "arn:aws:iam::123456789012:role/QualysConnector";
const GOV_ARN: &str = "arn:aws-us-gov:iam::123456789012:role/QualysConnector";
const CV_EXTERNAL_ID: &str = "USPOD01-4765-abc123def";
const QPS_EXTERNAL_ID: &str = "pod-test-env";

fn external_id(api: &str) -> &'static str {
    if api == "cloudview" {
        CV_EXTERNAL_ID
    } else {
        QPS_EXTERNAL_ID
    }
}

/// One connector `c` on `api`, with region scoping on the QPS APIs.
fn connector(api: &str, description: &str, gov: bool) -> String {
    let (arn, regions) = if gov {
        (GOV_ARN, r#"["us-gov-east-1", "us-gov-west-1"]"#)
    } else {
        (ARN, r#"["af-south-1", "us-east-1"]"#)
    };
    let scoping = if api == "cloudview" {
        String::new()
    } else {
        format!(
            "  all_regions = false\n  cspm_regions = {regions}\n  inventory_regions = [{}]\n",
            regions
                .trim_matches(['[', ']'])
                .split(", ")
                .next()
                .unwrap_or_default()
        )
    };
    format!(
        r#"
resource "qualys_aws_connector" "c" {{
  api               = "{api}"
  name              = "lifecycle-{api}"
  description       = "{description}"
  arn               = "{arn}"
  external_id       = "{ext}"
  is_gov_cloud      = {gov}
  polling_frequency = {{ hours = 2, minutes = 30 }}
{scoping}}}
"#,
        ext = external_id(api)
    )
}

const OUTPUTS: &str = r#"
output "id" { value = qualys_aws_connector.c.id }
output "qualys_aws_account_id" { value = qualys_aws_connector.c.qualys_aws_account_id }
output "aws_account_id" { value = qualys_aws_connector.c.aws_account_id }
"#;

/// `terraform state show` of connector `c` holds `id`.
fn assert_state_holds(wd: &Workdir, id: &str) {
    let show = wd.ok(&["state", "show", "qualys_aws_connector.c"]);
    assert!(
        show.stdout.contains(&format!("\"{id}\"")),
        "the id {id} is in the state:\n{}",
        show.stdout
    );
}

/// The simulator's record of the only connector there is.
fn only_connector(sim: &SimFixture) -> Value {
    let all = sim.connectors();
    assert_eq!(
        all.len(),
        1,
        "exactly one connector in the simulator: {all:#?}"
    );
    all.into_iter().next().unwrap_or_default()
}

/// The Terraform id of a simulator record for `api`.
fn tf_id(record: &Value, api: &str) -> String {
    if api == "cloudview" {
        record["cloudviewUuid"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    } else {
        record["id"].to_string()
    }
}

fn lifecycle(api: &str) {
    let sim = SimFixture::start();
    let provider = sim.provider_hcl("demo") + OUTPUTS;
    let wd = Workdir::new(&(provider.clone() + &connector(api, "first", false)));

    // Create, then nothing to do.
    wd.apply();
    let record = only_connector(&sim);
    assert_eq!(record["name"], format!("lifecycle-{api}"));
    assert_eq!(record["description"], "first");
    assert_eq!(record["runFrequency"], 150);
    assert_eq!(record["externalId"], external_id(api));
    if api != "cloudview" {
        assert_eq!(record["allRegions"], false);
        assert_eq!(
            sorted_strings(&record["cspmRegions"]),
            ["af-south-1", "us-east-1"]
        );
        assert_eq!(sorted_strings(&record["endpoints"]), ["af-south-1"]);
    }
    let id = tf_id(&record, api);
    let outputs = wd.outputs();
    assert_eq!(outputs["id"], id.as_str());
    assert_eq!(
        outputs["qualys_aws_account_id"],
        qualys_sim::QUALYS_AWS_ACCOUNT_ID
    );
    assert_eq!(outputs["aws_account_id"], "123456789012");
    wd.assert_empty_plan();

    // Update in place keeps the connector.
    wd.write(
        "main.tf",
        &(provider.clone() + &connector(api, "second", false)),
    );
    let (code, plan) = wd.plan_exit_code();
    assert_eq!(code, 2);
    assert!(
        plan.stdout.contains("1 to change, 0 to destroy"),
        "{}",
        plan.text()
    );
    wd.apply();
    let record = only_connector(&sim);
    assert_eq!(tf_id(&record, api), id, "updated in place");
    assert_eq!(record["description"], "second");
    wd.assert_empty_plan();

    // An out-of-band change shows in the plan and apply reverts it.
    sim.patch(
        &id,
        json!({"description": "changed behind terraform's back"}),
    );
    let (code, plan) = wd.plan_exit_code();
    assert_eq!(code, 2);
    assert!(
        plan.stdout.contains("changed behind terraform's back"),
        "{}",
        plan.text()
    );
    wd.apply();
    assert_eq!(only_connector(&sim)["description"], "second");
    wd.assert_empty_plan();

    // Import into a fresh state, then an empty plan.
    let import_id = match api {
        "v3" => id.clone(),
        "v2" => format!("v2:{id}"),
        _ => format!("cloudview:{id}"),
    };
    let other = Workdir::new(&(sim.provider_hcl("demo") + &connector(api, "second", false)));
    other.ok(&[
        "import",
        "-input=false",
        "qualys_aws_connector.c",
        &import_id,
    ]);
    other.assert_empty_plan();

    // Replace on is_gov_cloud (the ARN and regions move to GovCloud with it).
    wd.write(
        "main.tf",
        &(provider.clone() + &connector(api, "second", true)),
    );
    let (code, plan) = wd.plan_exit_code();
    assert_eq!(code, 2);
    assert!(plan.stdout.contains("must be replaced"), "{}", plan.text());
    wd.apply();
    let record = only_connector(&sim);
    assert_ne!(tf_id(&record, api), id, "replaced");
    assert_eq!(record["partition"], "aws-us-gov");
    wd.assert_empty_plan();

    // An out-of-band delete: the plan creates it again, with the scope warning.
    let id = tf_id(&record, api);
    sim.delete(&id);
    let (code, plan) = wd.plan_exit_code();
    assert_eq!(code, 2);
    assert!(plan.stdout.contains("will be created"), "{}", plan.text());
    assert!(
        (plan.stdout.clone() + &plan.stderr).contains("Qualys connector not found"),
        "{}",
        plan.text()
    );
    wd.apply();
    assert_ne!(tf_id(&only_connector(&sim), api), id);

    // Destroy leaves the simulator empty.
    wd.ok(&["destroy", "-auto-approve", "-input=false"]);
    assert!(sim.connectors().is_empty());
}

#[test]
fn lifecycle_v3() {
    lifecycle("v3");
}

#[test]
fn lifecycle_v2() {
    lifecycle("v2");
}

#[test]
fn lifecycle_cloudview() {
    lifecycle("cloudview");
}

/// CloudView cannot change a connector the Connector app made, so moving one to `cloudview`
/// replaces it (v2 <-> v3, and CloudView to QPS, are in place: see `migration.rs`).
#[test]
fn moving_a_qps_connector_to_cloudview_replaces_it() {
    let sim = SimFixture::start();
    let provider = sim.provider_hcl("demo");
    let wd = Workdir::new(&(provider.clone() + &connector("v3", "x", false)));
    wd.apply();
    let before = only_connector(&sim)["id"].clone();
    wd.write("main.tf", &(provider + &connector("cloudview", "x", false)));
    let (code, plan) = wd.plan_exit_code();
    assert_eq!(code, 2);
    assert!(plan.stdout.contains("must be replaced"), "{}", plan.text());
    wd.apply();
    assert_ne!(only_connector(&sim)["id"], before);
    wd.assert_empty_plan();
}

#[test]
fn twenty_connectors_with_for_each() {
    let sim = SimFixture::start();
    let config = sim.provider_hcl("demo")
        + r#"
resource "qualys_aws_connector" "many" {
  for_each    = { for i in range(20) : format("c%02d", i) => i }
  api         = element(["v3", "v2", "cloudview"], each.value)
  name        = each.key
  arn         = format("arn:aws:iam::%012d:role/Qualys", 100000000000 + each.value)
  external_id = format("USPOD01-4765-k%05d", each.value)
}
"#;
    let wd = Workdir::new(&config);
    wd.apply();
    let all = sim.connectors();
    assert_eq!(all.len(), 20);
    let mut names: Vec<String> = all
        .iter()
        .map(|c| c["name"].as_str().unwrap_or_default().to_string())
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 20, "no duplicates");
    wd.assert_empty_plan();
    wd.ok(&["destroy", "-auto-approve", "-input=false"]);
    assert!(sim.connectors().is_empty());
}

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
    let wd = Workdir::new(&(sim.provider_hcl("demo") + &connector("v3", "x", false)));
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
    let wd = Workdir::new(&(sim.provider_hcl("demo") + &connector("v3", "x", false)));
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
fn create_survives_a_failed_read_back() {
    let sim = SimFixture::start();
    sim.fault(json!({
        "method": "GET",
        "path_prefix": "/qps/rest/3.0/get",
        "count": 1,
        "status": 500,
        "body": "upstream exploded"
    }));
    let wd = Workdir::new(&(sim.provider_hcl("demo") + &connector("v3", "x", false)));
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
    let wd = Workdir::new(&(sim.provider_hcl("demo") + &connector("v3", "x", false)));
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

#[test]
fn failed_delete_keeps_the_resource_and_missing_one_deletes_fine() {
    let sim = SimFixture::start();
    let wd = Workdir::new(&(sim.provider_hcl("demo") + &connector("v2", "x", false)));
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

#[test]
fn connector_outside_the_users_scope_warns_before_recreating() {
    let sim = SimFixture::with_scoped_user("111111111111");
    let resource = connector("v3", "x", false);
    let wd = Workdir::new(&(sim.provider_hcl("demo") + &resource));
    wd.apply();
    // The same state, read by a user whose scope does not include account 123456789012.
    wd.write("main.tf", &(sim.provider_hcl("scoped") + &resource));
    let (code, plan) = wd.plan_exit_code();
    assert_eq!(code, 2, "{}", plan.text());
    let text = plan.stdout.clone() + &plan.stderr;
    assert!(text.contains("Qualys connector not found"), "{text}");
    assert!(plan.flat().contains("outside your user's scope"), "{text}");
    only_connector(&sim);
}

#[test]
fn unknown_arn_at_plan_time_plans_and_applies() {
    let sim = SimFixture::start();
    let config = sim.provider_hcl("demo")
        + r#"
resource "qualys_aws_connector" "first" {
  name        = "first"
  arn         = "arn:aws:iam::123456789012:role/First"
  external_id = "pod-test-env"
}

resource "qualys_aws_connector" "second" {
  name         = "second"
  arn          = "arn:aws:iam::123456789012:role/Second-${qualys_aws_connector.first.id}"
  external_id  = "ext-${qualys_aws_connector.first.id}"
  all_regions  = false
  cspm_regions = [qualys_aws_connector.first.is_gov_cloud ? "us-gov-west-1" : "us-east-1"]
}
"#;
    let wd = Workdir::new(&config);
    let (code, plan) = wd.plan_exit_code();
    assert_eq!(code, 2, "{}", plan.text());
    wd.apply();
    assert_eq!(sim.connectors().len(), 2);
    wd.assert_empty_plan();
}

/// Every plan-time error names its resource and attribute (Terraform quotes the line).
#[test]
fn plan_time_errors_name_the_attribute() {
    let sim = SimFixture::start();
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "bad_region",
            "all_regions = false\n  cspm_regions = [\"us-east-1\", \"us_moon_1\"]",
            "Unsupported region \"us_moon_1\" in cspm_regions",
            "cspm_regions = [\"us-east-1\", \"us_moon_1\"]",
        ),
        (
            "regions_without_all_regions_false",
            "cspm_regions = [\"us-east-1\"]",
            "cspm_regions needs all_regions = false",
            "cspm_regions = [\"us-east-1\"]",
        ),
        (
            "inventory_outside_cspm",
            "all_regions = false\n  cspm_regions = [\"us-east-1\"]\n  inventory_regions = [\"eu-west-1\"]",
            "inventory_regions has \"eu-west-1\", which cspm_regions lacks",
            "inventory_regions = [\"eu-west-1\"]",
        ),
        (
            "gov_region_in_global",
            "all_regions = false\n  cspm_regions = [\"us-gov-west-1\"]",
            "Unsupported region \"us-gov-west-1\" in cspm_regions",
            "cspm_regions = [\"us-gov-west-1\"]",
        ),
        (
            "polling_out_of_range",
            "polling_frequency = { hours = 30, minutes = 0 }",
            "Invalid polling_frequency",
            "polling_frequency = { hours = 30, minutes = 0 }",
        ),
        (
            "unsupported_argument",
            "api = \"cloudview\"\n  connector_apps = [\"CSA\"]",
            "connector_apps is not supported with api = \"cloudview\"",
            "connector_apps = [\"CSA\"]",
        ),
    ];
    let mut config = sim.provider_hcl("demo");
    for (name, body, _, _) in cases {
        let external = if body.contains("cloudview") {
            CV_EXTERNAL_ID
        } else {
            QPS_EXTERNAL_ID
        };
        config += &format!(
            "\nresource \"qualys_aws_connector\" \"{name}\" {{\n  name = \"{name}\"\n  arn = \"{ARN}\"\n  external_id = \"{external}\"\n  {body}\n}}\n"
        );
    }
    config += &format!(
        "\nresource \"qualys_aws_connector\" \"bad_arn\" {{\n  name = \"bad_arn\"\n  arn = \"arn:aws:iam::12345:role/x\"\n  external_id = \"{QPS_EXTERNAL_ID}\"\n}}\n\
         \nresource \"qualys_aws_connector\" \"partition_mismatch\" {{\n  name = \"partition_mismatch\"\n  arn = \"{ARN}\"\n  external_id = \"{QPS_EXTERNAL_ID}\"\n  is_gov_cloud = true\n}}\n"
    );
    let wd = Workdir::new(&config);
    let plan = wd.run(&["plan", "-input=false"]);
    assert_eq!(plan.code, 1, "{}", plan.text());
    let diagnostics: Vec<&str> = plan.stderr.split("Error: ").skip(1).collect();
    let mut expected: Vec<(&str, &str, &str)> =
        cases.iter().map(|(n, _, s, l)| (*n, *s, *l)).collect();
    let arn_line = "arn = \"arn:aws:iam::12345:role/x\"";
    let mismatch_line = format!("arn = \"{ARN}\"");
    expected.push(("bad_arn", "Invalid arn", arn_line));
    expected.push((
        "partition_mismatch",
        "arn does not match the connector's partition",
        &mismatch_line,
    ));
    for (name, summary, line) in expected {
        let found = diagnostics.iter().any(|d| {
            d.starts_with(summary)
                && d.contains(&format!("with qualys_aws_connector.{name},"))
                && d.contains(line)
        });
        assert!(
            found,
            "no diagnostic {summary:?} at {name} quoting {line:?}:\n{}",
            plan.stderr
        );
    }
    assert!(sim.connectors().is_empty());
}

#[test]
fn china_connectors_are_created_only_through_cloudview() {
    let sim = SimFixture::start();
    let wd = Workdir::new(
        &(sim.provider_hcl("demo")
            + &format!(
                r#"
resource "qualys_aws_connector" "china" {{
  name            = "china"
  arn             = "arn:aws-cn:iam::123456789012:role/Qualys"
  external_id     = "{QPS_EXTERNAL_ID}"
  is_china_region = true
}}
"#
            )),
    );
    // Valid as configuration (an imported China connector reads like this)...
    wd.ok(&["validate"]);
    // ... but a plan that would create it through QPS says what to do.
    let plan = wd.run(&["plan", "-input=false"]);
    assert_eq!(plan.code, 1, "{}", plan.text());
    let flat = plan.flat();
    assert!(
        flat.contains("AWS China connectors cannot be created with api = \"v3\"")
            && flat.contains("is_china_region = true")
            && flat.contains("set api = \"cloudview\""),
        "{}",
        plan.text()
    );
    assert!(sim.connectors().is_empty());
}

#[test]
fn cloudview_external_id_format_is_checked_at_plan() {
    let sim = SimFixture::start();
    let config = sim.provider_hcl("demo")
        + &format!(
            r#"
resource "qualys_aws_connector" "cv" {{
  api         = "cloudview"
  name        = "cv"
  arn         = "{ARN}"
  external_id = "pod-test-env"
}}
"#
        );
    let wd = Workdir::new(&config);
    let plan = wd.run(&["plan", "-input=false"]);
    assert_eq!(plan.code, 1, "{}", plan.text());
    assert!(
        plan.stderr
            .contains("external_id is not in the CloudView format"),
        "{}",
        plan.text()
    );
    assert!(
        plan.stderr.contains("external_id = \"pod-test-env\""),
        "{}",
        plan.text()
    );
    assert!(sim.connectors().is_empty());
}

#[test]
fn imported_old_format_cloudview_connector_plans_clean_until_changed() {
    let sim = SimFixture::start();
    let provider = sim.provider_hcl("demo");
    // Created with a valid ID, then given an old-style one behind the API's rules, as a
    // connector from before the format change would have.
    let make = |external: &str, description: &str| {
        format!(
            r#"
resource "qualys_aws_connector" "old" {{
  api         = "cloudview"
  name        = "old"
  description = "{description}"
  arn         = "{ARN}"
  external_id = "{external}"
}}
"#
        )
    };
    let creator = Workdir::new(&(provider.clone() + &make(CV_EXTERNAL_ID, "legacy")));
    creator.apply();
    let uuid = only_connector(&sim)["cloudviewUuid"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    sim.patch(&uuid, json!({"externalId": "legacy-external-id"}));

    let wd = Workdir::new(&(provider.clone() + &make("legacy-external-id", "legacy")));
    wd.ok(&["import", "-input=false", "qualys_aws_connector.old", &uuid]);
    wd.assert_empty_plan();
    // Changing it requires the new format, at plan time.
    wd.write(
        "main.tf",
        &(provider + &make("legacy-external-id", "changed")),
    );
    let plan = wd.run(&["plan", "-input=false"]);
    assert_eq!(plan.code, 1, "{}", plan.text());
    assert!(
        plan.stderr
            .contains("external_id is not in the CloudView format"),
        "{}",
        plan.text()
    );
}
