//! The API budget (300 calls an hour per API by default) spent like it is scarce: exact call
//! counts from the simulator for what Terraform does to a fleet, and a spent budget explained.

use std::collections::BTreeMap;

use qualys_sim::{RateLimit, SimConfig};
use serde_json::{Value, json};

use crate::support::fixtures::ARN;
use crate::support::sim::SimFixture;
use crate::support::terraform::{Workdir, terraform_latest};

/// `count` connectors named `<prefix>NNN` on `api`, with `description`.
fn fleet(prefix: &str, count: usize, api: &str, description: &str) -> String {
    fleet_as("c", prefix, count, api, description)
}

/// [`fleet`] as the resource `qualys_aws_connector.<resource>`.
fn fleet_as(resource: &str, prefix: &str, count: usize, api: &str, description: &str) -> String {
    format!(
        r#"
locals {{
  {resource} = {{ for i in range({count}) : format("{prefix}%03d", i) => i }}
}}

resource "qualys_aws_connector" "{resource}" {{
  for_each    = local.{resource}
  api         = "{api}"
  name        = each.key
  description = "{description}"
  arn         = format("arn:aws:iam::%012d:role/Qualys", 300000000000 + each.value)
  external_id = format("USPOD01-4765-b%05d", each.value)
}}
"#
    )
}

/// The calls made between two `/_sim/calls` readings, without the operations not called.
fn spent(before: &Value, after: &Value) -> BTreeMap<String, u64> {
    let count = |v: &Value, op: &str| v[op].as_u64().unwrap_or(0);
    after
        .as_object()
        .map(|ops| {
            ops.keys()
                .filter_map(|op| {
                    let n = count(after, op) - count(before, op);
                    (n > 0).then(|| (op.clone(), n))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn expect(calls: &[(&str, u64)]) -> BTreeMap<String, u64> {
    calls.iter().map(|(op, n)| (op.to_string(), *n)).collect()
}

/// Runs `args` in `wd` and returns the calls it made.
fn calls_of(sim: &SimFixture, wd: &Workdir, args: &[&str]) -> BTreeMap<String, u64> {
    let before = sim.calls();
    wd.ok(args);
    spent(&before, &sim.calls())
}

const APPLY: [&str; 4] = ["apply", "-auto-approve", "-input=false", "-parallelism=10"];

const PLAN: [&str; 3] = ["plan", "-input=false", "-parallelism=10"];

const DESTROY: [&str; 4] = [
    "destroy",
    "-auto-approve",
    "-input=false",
    "-parallelism=10",
];

/// Create, refresh, update and destroy `n` connectors on `api`: every write costs its own call
/// and nothing else does but one listing per Terraform command (the existence check before the
/// creates, the refresh before the others).
fn a_fleet_costs_its_writes_and_one_listing(api: &str, n: u64) {
    let sim = SimFixture::start();
    let (prefix, list) = match api {
        "v3" => ("qps3", "qps3.search"),
        "v2" => ("qps2", "qps2.search"),
        _ => ("cloudview", "cloudview.list"),
    };
    let op = |name: &str| format!("{prefix}.{name}");
    let config = |description: &str| {
        sim.provider_hcl("demo") + &fleet("budget", n as usize, api, description)
    };
    let wd = Workdir::new(&config("first"));

    // Creates: the check before them at plan and at apply (one listing each), and the
    // confirmations after them (a fresh listing per batch of up to 10 that finish together,
    // which catches a racing run's duplicate): at most N + ceil(N/10) + 2.
    let created = calls_of(&sim, &wd, &APPLY);
    assert_eq!(created.get(&op("create")), Some(&n), "{created:?}");
    assert_eq!(created.len(), 2, "creates and listings only: {created:?}");
    let listings = created.get(list).copied().unwrap_or(0);
    assert!(
        (2..=n.div_ceil(10) + 2).contains(&listings),
        "apply creating {n} on {api}: {listings} listings: {created:?}"
    );
    assert_eq!(
        calls_of(&sim, &wd, &PLAN),
        expect(&[(list, 1)]),
        "plan refreshing {n} on {api}"
    );

    wd.write("main.tf", &config("second"));
    assert_eq!(
        calls_of(&sim, &wd, &APPLY),
        expect(&[(list, 1), (&op("update"), n)]),
        "apply updating {n} on {api}"
    );
    if api != "cloudview" {
        // Qualys's own QPS update answers carry the id only (the API contract): the state is
        // then what was sent, and still no read per connector.
        sim.quirks(json!({"qps_update_id_only": true}));
        wd.write("main.tf", &config("third"));
        assert_eq!(
            calls_of(&sim, &wd, &APPLY),
            expect(&[(list, 1), (&op("update"), n)]),
            "apply updating {n} on {api}, answered with ids only"
        );
        sim.quirks(json!({"qps_update_id_only": false}));
        assert!(
            sim.connectors()
                .iter()
                .all(|c| c["description"] == json!("third")),
            "every connector changed"
        );
    }
    wd.assert_empty_plan();

    assert_eq!(
        calls_of(&sim, &wd, &DESTROY),
        expect(&[(list, 1), (&op("delete"), n)]),
        "destroy of {n} on {api}"
    );
    assert!(sim.connectors().is_empty());
}

#[test]
fn v3_fleet_of_200_costs_its_writes_and_one_listing_per_command() {
    a_fleet_costs_its_writes_and_one_listing("v3", 200);
}

#[test]
fn v2_fleet_of_100_costs_its_writes_and_one_listing_per_command() {
    a_fleet_costs_its_writes_and_one_listing("v2", 100);
}

#[test]
fn cloudview_fleet_of_200_costs_its_writes_and_one_listing_per_command() {
    a_fleet_costs_its_writes_and_one_listing("cloudview", 200);
}

/// Three connectors in a subscription of 2,800 others: a refresh never costs more calls than
/// it has connectors. QPS: the first page (which holds none of them), then one `id IN` search;
/// CloudView, which has no id filter: a `get` each, no listing.
#[test]
fn a_small_refresh_in_a_large_subscription_costs_at_most_one_call_per_connector() {
    let sim = SimFixture::start();
    for api in ["qps", "cloudview"] {
        let ids = sim.seed(
            api,
            1400,
            &format!("other-{api}"),
            "arn:aws:iam::123456789012:role/Other",
            "USPOD01-4765-other0001",
        );
        assert_eq!(ids.len(), 1400);
    }
    let config = sim.provider_hcl("demo")
        + &fleet_as("q", "few-q", 3, "v3", "few")
        + &fleet_as("v", "few-v", 3, "cloudview", "few");
    let wd = Workdir::new(&config);
    // The existence checks at plan and at apply list each family, three pages each (the 2,800
    // and up to 6 more); the confirmations after the creates (fresh, so that a racing run's
    // duplicate shows) search QPS by name (3 names cost what 3 pages do) and list CloudView,
    // once per batch of confirmations that arrive together.
    let created = calls_of(&sim, &wd, &APPLY);
    assert_eq!(created["qps3.create"], 3);
    assert_eq!(created["qps3.search"], 9, "{created:?}");
    assert_eq!(created["cloudview.create"], 3);
    assert!(
        [9, 12, 15].contains(&created["cloudview.list"]),
        "{created:?}"
    );
    assert_eq!(created.len(), 4, "{created:?}");
    assert_eq!(
        calls_of(&sim, &wd, &PLAN),
        expect(&[("qps3.search", 2), ("cloudview.get", 3)])
    );
}

/// The usual pipeline onboards one AWS account into a large subscription: the check before its
/// create is one search by name, not a listing of the 5,000 connectors there (five pages), and
/// it still finds the connector once the state has lost it.
#[test]
fn a_lone_create_in_a_large_subscription_checks_with_one_search() {
    let sim = SimFixture::start();
    let ids = sim.seed(
        "qps",
        5000,
        "other",
        "arn:aws:iam::123456789012:role/Other",
        "any-external-id-0001",
    );
    assert_eq!(ids.len(), 5000);
    let wd = Workdir::new(&(sim.provider_hcl("demo") + &fleet("lone", 1, "v3", "lone")));
    // The check at plan and at apply, and the confirmation after the create: a search by
    // name each.
    assert_eq!(
        calls_of(&sim, &wd, &APPLY),
        expect(&[("qps3.create", 1), ("qps3.search", 3)])
    );
    // A runner that lost its state: the next apply finds the connector with one search and
    // refuses to make a second one.
    std::fs::remove_file(wd.path().join("terraform.tfstate")).expect("state file");
    let before = sim.calls();
    let run = wd.run(&APPLY);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.flat()
            .contains("Qualys connector \"lone000\" already exists"),
        "{}",
        run.text()
    );
    assert_eq!(spent(&before, &sim.calls()), expect(&[("qps3.search", 1)]));
    assert_eq!(sim.names().iter().filter(|n| *n == "lone000").count(), 1);
}

/// With Qualys's default budget (300 calls an hour per API), a refresh of 1,000 connectors
/// succeeds in one plan: one listing call. The connectors are made outside Terraform and
/// imported with import blocks, which cost no call of their own either.
#[test]
fn a_refresh_of_1000_fits_the_default_rate_limit() {
    let sim = SimFixture::start_with(SimConfig {
        rate_limit: Some(RateLimit {
            calls: 300,
            window: std::time::Duration::from_secs(3600),
        }),
        ..SimConfig::default()
    });
    let ids = sim.seed(
        "qps",
        1000,
        "limited",
        "arn:aws:iam::123456789012:role/Qualys",
        "USPOD01-4765-limited01",
    );
    let config = format!(
        r#"{}
locals {{
  ids = {{ for i, id in {ids:?} : format("limited-%d", i) => id }}
}}

import {{
  for_each = local.ids
  to       = qualys_aws_connector.c[each.key]
  id       = each.value
}}

resource "qualys_aws_connector" "c" {{
  for_each    = local.ids
  name        = each.key
  arn         = "arn:aws:iam::123456789012:role/Qualys"
  external_id = "USPOD01-4765-limited01"
}}
"#,
        sim.provider_hcl("demo")
    );
    let wd = Workdir::new(&config).terraform(terraform_latest());
    let imported = calls_of(&sim, &wd, &APPLY);
    assert_eq!(imported, expect(&[("qps3.search", 1)]), "import of 1000");
    assert_eq!(
        calls_of(&sim, &wd, &PLAN),
        expect(&[("qps3.search", 1)]),
        "plan refreshing 1000"
    );
    wd.assert_empty_plan();
}

/// A plan with the connector data source and managed connectors lists each family once: the
/// data source's listing is the one the refresh reads from.
#[test]
fn data_sources_and_the_refresh_share_one_listing() {
    let sim = SimFixture::start();
    let fleet = fleet("shared", 20, "v3", "shared");
    let wd = Workdir::new(&(sim.provider_hcl("demo") + &fleet));
    wd.ok(&APPLY);
    wd.write(
        "main.tf",
        &(sim.provider_hcl("demo")
            + &fleet
            + r#"
data "qualys_aws_connectors" "all" {}

output "listed" {
  value = length(data.qualys_aws_connectors.all.connectors)
}
"#),
    );
    assert_eq!(
        calls_of(&sim, &wd, &APPLY),
        expect(&[("qps3.search", 1), ("cloudview.list", 1)]),
        "refresh of 20 and the data source"
    );
    assert_eq!(wd.outputs()["listed"], json!(20));
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
