//! Issue 9: no duplicate, no orphan, no crash. Pipelines that lose answers, get killed or run
//! into a storm of faults leave Qualys and the state in agreement: the real Terraform against
//! qualys-sim.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use qualys_sim::SimConfig;
use serde_json::json;

use crate::support::sim::SimFixture;
use crate::support::terraform::{Run, Workdir};

const APIS: [&str; 3] = ["v3", "v2", "cloudview"];

/// `count` connectors named `<prefix>NN`, spread over the three APIs (or all on `api`), each in
/// an AWS account of its own.
fn fleet(prefix: &str, count: usize, api: Option<&str>, description: &str) -> String {
    let api = match api {
        Some(api) => format!("\"{api}\""),
        None => "element([\"v3\", \"v2\", \"cloudview\"], each.value)".to_string(),
    };
    format!(
        r#"
locals {{
  fleet = {{ for i in range({count}) : format("{prefix}%02d", i) => i }}
}}

resource "qualys_aws_connector" "c" {{
  for_each    = local.fleet
  api         = {api}
  name        = each.key
  description = "{description}"
  arn         = format("arn:aws:iam::%012d:role/Qualys", 200000000000 + each.value)
  external_id = format("USPOD01-4765-k%05d", each.value)
}}
"#
    )
}

fn apply(wd: &Workdir) -> Run {
    wd.run(&["apply", "-auto-approve", "-input=false", "-parallelism=10"])
}

/// No connector name appears twice in the simulator.
fn assert_no_duplicates(sim: &SimFixture, when: &str) {
    let names = sim.names();
    let mut unique = names.clone();
    unique.dedup();
    assert_eq!(names, unique, "a connector name appears twice {when}");
}

/// The simulator holds exactly `expected` (names), once each.
fn assert_exactly(sim: &SimFixture, expected: &[String], when: &str) {
    assert_no_duplicates(sim, when);
    assert_eq!(sim.names(), expected, "the simulator's connectors {when}");
}

fn names(prefix: &str, count: usize) -> Vec<String> {
    (0..count).map(|i| format!("{prefix}{i:02}")).collect()
}

/// Applies until an apply succeeds, at most `tries` times; after every apply, no name twice
/// and nothing outside `allowed`.
fn converge(sim: &SimFixture, wd: &Workdir, allowed: &[String], tries: usize, step: &str) -> usize {
    for attempt in 1..=tries {
        let run = apply(wd);
        assert_no_duplicates(sim, &format!("after apply {attempt} of {step}"));
        for name in sim.names() {
            assert!(allowed.contains(&name), "{name} is not configured ({step})");
        }
        if run.success() {
            return attempt;
        }
        assert!(
            !run.flat().contains("already exists"),
            "a retry met a connector it had itself created ({step}):\n{}",
            run.text()
        );
    }
    panic!("{step} did not converge in {tries} applies");
}

#[test]
fn chaos_every_operation_under_faults_converges_without_duplicates() {
    const COUNT: usize = 30;
    let sim = SimFixture::start();
    // Faults that hit every operation of every family: throttling with a wait, outages, server
    // errors, answers lost after the call was carried out, slow answers.
    let storm = json!([
            {"status": 409, "headers": {"X-RateLimit-ToWait-Sec": "1"},
             "body": "{\"ServiceResponse\":{\"responseCode\":\"LIMIT_EXCEEDED\"}}"},
            {"status": 503, "body": "<html>maintenance</html>"},
            {"status": 500, "body": "upstream exploded"},
            {"drop_connection": true},
            {"delay_ms": 400}
    ]);
    sim.chaos(20261130, 0.2, storm.clone());
    let provider = sim.provider_hcl("demo");
    let wd = Workdir::new(&(provider.clone() + &fleet("chaos", COUNT, None, "first")));
    let expected = names("chaos", COUNT);

    let applies = converge(&sim, &wd, &expected, 5, "the create");
    assert_exactly(&sim, &expected, "after the create converged");

    wd.write(
        "main.tf",
        &(provider.clone() + &fleet("chaos", COUNT, None, "second")),
    );
    let updates = converge(&sim, &wd, &expected, 5, "the update");
    assert_exactly(&sim, &expected, "after the update converged");
    assert!(
        sim.connectors()
            .iter()
            .all(|c| c["description"] == "second"),
        "every description changed"
    );
    sim.end_chaos();
    wd.assert_empty_plan();
    sim.chaos(20261201, 0.2, storm);

    let mut destroyed = false;
    for attempt in 1..=5 {
        let run = wd.run(&["destroy", "-auto-approve", "-input=false"]);
        assert_no_duplicates(&sim, &format!("after destroy {attempt}"));
        if run.success() {
            destroyed = true;
            break;
        }
    }
    assert!(destroyed, "destroy did not converge in 5 runs");
    assert!(sim.connectors().is_empty(), "{:#?}", sim.connectors());
    let calls = sim.calls();
    eprintln!("chaos: create in {applies} applies, update in {updates}; calls {calls}");
}

/// Makes connector `name` exist in Qualys without being in this configuration's state: a
/// create whose answer Terraform never recorded.
fn orphan(sim: &SimFixture, api: &str, name: &str) {
    let wd = Workdir::new(
        &(sim.provider_hcl("demo")
            + &format!(
                r#"
resource "qualys_aws_connector" "o" {{
  api         = "{api}"
  name        = "{name}"
  arn         = "arn:aws:iam::200000000000:role/Qualys"
  external_id = "USPOD01-4765-k00000"
}}
"#
            )),
    );
    wd.apply();
    wd.ok(&["state", "rm", "qualys_aws_connector.o"]);
}

#[test]
fn an_existing_connector_is_never_created_twice_and_the_error_says_how_to_import_it() {
    for api in APIS {
        let sim = SimFixture::start();
        orphan(&sim, api, "taken00");
        let creates_before = sim.calls();
        let wd = Workdir::new(&(sim.provider_hcl("demo") + &fleet("taken", 1, Some(api), "")));
        let run = wd.run(&["apply", "-auto-approve", "-input=false"]);
        assert_eq!(run.code, 1, "{}", run.text());
        let flat = run.flat();
        let record = &sim.connectors()[0];
        let import_id = match api {
            "cloudview" => format!(
                "cloudview:{}",
                record["cloudviewUuid"].as_str().unwrap_or_default()
            ),
            _ => format!("{api}:{}", record["id"]),
        };
        for needle in [
            "Qualys connector \"taken00\" already exists".to_string(),
            format!("terraform import 'ADDRESS' {import_id}"),
            format!("id = \"{import_id}\""),
            "create_before_destroy".to_string(),
        ] {
            assert!(
                flat.contains(&needle),
                "{api}: {needle:?} in:\n{}",
                run.text()
            );
        }
        let create_op = match api {
            "v3" => "qps3.create",
            "v2" => "qps2.create",
            _ => "cloudview.create",
        };
        assert_eq!(
            sim.calls()[create_op],
            creates_before[create_op],
            "{api}: no create was sent"
        );
        assert_eq!(sim.names(), ["taken00"], "{api}: still one connector");

        // The import the message gives, then a clean plan.
        wd.ok(&["import", "qualys_aws_connector.c[\"taken00\"]", &import_id]);
        wd.assert_empty_plan();
        wd.ok(&["destroy", "-auto-approve", "-input=false"]);
        assert!(sim.connectors().is_empty());
    }
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
fn killed_terraform_mid_apply_never_leads_to_duplicates() {
    const COUNT: usize = 50;
    let sim = SimFixture::start_with(SimConfig {
        latency: Duration::from_millis(150),
        ..SimConfig::default()
    });
    let provider = sim.provider_hcl("demo");
    let wd = Workdir::new(&(provider + &fleet("kill", COUNT, None, "")));
    let mut terraform = wd.spawn(&["apply", "-auto-approve", "-input=false", "-parallelism=10"]);
    // Kill once some creates went through, well before all 50 could.
    let started = Instant::now();
    while sim.connectors().len() < 5 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(50));
    }
    // SIGKILL to Terraform's whole process group, as a CI runner ends a job (Terraform runs
    // its work in a child process of its own, which must die too).
    let killed = std::process::Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", terraform.id())])
        .status()
        .expect("running kill");
    assert!(killed.success());
    terraform.wait().expect("reaped");
    // Calls already in flight finish on the server's side.
    std::thread::sleep(Duration::from_secs(2));
    let existing = sim.connectors();
    assert!(
        !existing.is_empty() && existing.len() < COUNT,
        "killed mid-apply: {} connectors",
        existing.len()
    );
    let in_state: Vec<String> = wd
        .run(&["state", "list"])
        .stdout
        .lines()
        .map(str::to_string)
        .collect();

    // The next apply creates the rest, never a duplicate, and names every orphan.
    let run = wd.run(&["apply", "-auto-approve", "-input=false", "-parallelism=10"]);
    assert_no_duplicates(&sim, "after the apply that followed the kill");
    let orphans: BTreeMap<String, String> = existing
        .iter()
        .filter_map(|c| {
            let name = c["name"].as_str()?.to_string();
            let address = format!("qualys_aws_connector.c[\"{name}\"]");
            if in_state.contains(&address) {
                return None;
            }
            let index: usize = name.trim_start_matches("kill").parse().ok()?;
            let import_id = match APIS[index % 3] {
                "cloudview" => format!("cloudview:{}", c["cloudviewUuid"].as_str()?),
                api => format!("{api}:{}", c["id"]),
            };
            Some((address, import_id))
        })
        .collect();
    if orphans.is_empty() {
        assert!(run.success(), "{}", run.text());
    } else {
        assert_eq!(run.code, 1, "{}", run.text());
        let flat = run.flat();
        for (address, import_id) in &orphans {
            assert!(
                flat.contains(&format!("terraform import 'ADDRESS' {import_id}")),
                "the error names {address} ({import_id}):\n{}",
                run.text()
            );
        }
        assert_eq!(
            flat.matches("Qualys already has a connector named").count(),
            orphans.len(),
            "one error per orphan:\n{}",
            run.text()
        );
        for (address, import_id) in &orphans {
            wd.ok(&["import", address, import_id]);
        }
        apply(&wd);
    }
    let expected = names("kill", COUNT);
    assert_exactly(&sim, &expected, "after the imports and apply");
    wd.assert_empty_plan();
    wd.ok(&["destroy", "-auto-approve", "-input=false"]);
    assert!(sim.connectors().is_empty());
}

#[test]
fn create_before_destroy_with_the_same_name_says_what_to_do() {
    let sim = SimFixture::start();
    let config = |api: &str, name: &str| {
        sim.provider_hcl("demo")
            + &format!(
                r#"
resource "qualys_aws_connector" "c" {{
  api         = "{api}"
  name        = "{name}"
  arn         = "arn:aws:iam::200000000000:role/Qualys"
  external_id = "USPOD01-4765-k00000"
  lifecycle {{
    create_before_destroy = true
  }}
}}
"#
            )
    };
    let wd = Workdir::new(&config("v3", "cbd"));
    wd.apply();
    // Moving a Connector-app connector to CloudView replaces it; the replacement is created
    // first, under a name the old one still holds.
    wd.write("main.tf", &config("cloudview", "cbd"));
    let run = wd.run(&["apply", "-auto-approve", "-input=false"]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.flat().contains("create_before_destroy"),
        "{}",
        run.text()
    );
    assert_eq!(sim.names(), ["cbd"], "no second connector");
    // The next plan plans the replacement again, or (when it checks the create before it has
    // read the old connector, which Terraform now holds as deposed) says the same at plan.
    let plan = wd.run(&["plan", "-detailed-exitcode", "-input=false"]);
    assert!(
        plan.code == 2 || (plan.code == 1 && plan.flat().contains("create_before_destroy")),
        "{}",
        plan.text()
    );
    // Renaming with the replacement, as the message says, works.
    wd.write("main.tf", &config("cloudview", "cbd-2"));
    wd.apply();
    assert_eq!(sim.names(), ["cbd-2"]);
    wd.assert_empty_plan();
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
