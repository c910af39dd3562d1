//! Failures between the provider and Qualys: answers lost or untrusted, calls refused, runs
//! that race or are killed. Qualys and the state end in agreement, with no duplicate.

mod interrupted_runs;
mod lost_answers;
mod refused_calls;

use crate::support::sim::SimFixture;
use crate::support::terraform::{Run, Workdir};

pub(super) const APIS: [&str; 3] = ["v3", "v2", "cloudview"];

/// `count` connectors named `<prefix>NN`, spread over the three APIs (or all on `api`), each in
/// an AWS account of its own.
pub(super) fn fleet(prefix: &str, count: usize, api: Option<&str>, description: &str) -> String {
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

pub(super) fn apply(wd: &Workdir) -> Run {
    wd.run(&["apply", "-auto-approve", "-input=false", "-parallelism=10"])
}

/// No connector name appears twice in the simulator.
pub(super) fn assert_no_duplicates(sim: &SimFixture, when: &str) {
    let names = sim.names();
    let mut unique = names.clone();
    unique.dedup();
    assert_eq!(names, unique, "a connector name appears twice {when}");
}

/// The simulator holds exactly `expected` (names), once each.
pub(super) fn assert_exactly(sim: &SimFixture, expected: &[String], when: &str) {
    assert_no_duplicates(sim, when);
    assert_eq!(sim.names(), expected, "the simulator's connectors {when}");
}

pub(super) fn names(prefix: &str, count: usize) -> Vec<String> {
    (0..count).map(|i| format!("{prefix}{i:02}")).collect()
}

/// Applies until an apply succeeds, at most `tries` times; after every apply, no name twice
/// and nothing outside `allowed`.
pub(super) fn converge(
    sim: &SimFixture,
    wd: &Workdir,
    allowed: &[String],
    tries: usize,
    step: &str,
) -> usize {
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
