//! Public clients that nobody on this project wrote, run against the simulator: replays of
//! Qualys's own scripts' requests, and the PyPI clients `qualysapi` and `qualysdk` installed
//! at test time (see `public_clients/README.md`). Each driver creates, reads, searches,
//! updates and deletes; at each checkpoint it names a connector and this test checks the
//! store through `/_sim/connectors`, then the calls made through `/_sim/calls`. A refusal, a
//! failed check or a missing python3, pip or package fails the test: nothing here skips.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use qualys_sim::{Sim, SimConfig};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

/// A PyPI package a driver imports, pinned.
struct Package {
    name: &'static str,
    version: &'static str,
}

const QUALYSAPI: Package = Package {
    name: "qualysapi",
    version: "8.1.0",
};
const QUALYSDK: Package = Package {
    name: "qualysdk",
    version: "0.3.17",
};

/// A driver may take this long, checkpoints included.
const DRIVER_TIMEOUT: Duration = Duration::from_secs(180);

fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

fn drivers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/public_clients")
}

/// `target/public-clients/<name>-<version>/`, installed there with pip on first use. The
/// package's `.dist-info` proves a finished install; a lock keeps parallel runs to one pip.
fn install(package: &Package) -> Result<PathBuf, String> {
    let Package { name, version } = package;
    let root = target_dir().join("public-clients");
    let dir = root.join(format!("{name}-{version}"));
    fs::create_dir_all(&root).map_err(|e| format!("creating {}: {e}", root.display()))?;
    let lock = File::create(root.join(format!("{name}-{version}.lock")))
        .map_err(|e| format!("creating the install lock: {e}"))?;
    lock.lock()
        .map_err(|e| format!("locking {}: {e}", root.display()))?;
    if dir.join(format!("{name}-{version}.dist-info")).is_dir() {
        return Ok(dir);
    }
    let partial = root.join(format!("{name}-{version}.partial"));
    if partial.exists() {
        fs::remove_dir_all(&partial).map_err(|e| format!("removing {}: {e}", partial.display()))?;
    }
    let started = Instant::now();
    let python = python();
    let out = std::process::Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-input",
            "--target",
        ])
        .arg(&partial)
        .arg(format!("{name}=={version}"))
        .output()
        .map_err(|e| format!("running {python} -m pip: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`{python} -m pip install --target {} {name}=={version}` failed:\n{}",
            partial.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    fs::rename(&partial, &dir).map_err(|e| format!("renaming to {}: {e}", dir.display()))?;
    eprintln!(
        "installed {name}=={version} into {} in {:.1?}",
        dir.display(),
        started.elapsed()
    );
    Ok(dir)
}

fn installed(package: &Package) -> PathBuf {
    install(package).unwrap_or_else(|e| {
        panic!(
            "the {}=={} driver did not run: the package could not be installed: {e}",
            package.name, package.version
        )
    })
}

/// What a driver run left: its exit, its stderr, the checkpoints it passed and the checks
/// that failed.
struct Run {
    success: bool,
    stderr: String,
    checkpoints: usize,
    failures: Vec<String>,
}

impl Run {
    fn assert_passed(&self, driver: &str, checkpoints: usize) {
        assert!(
            self.success && self.failures.is_empty(),
            "{driver} failed (checks: {:?}):\n{}",
            self.failures,
            self.stderr
        );
        assert_eq!(
            self.checkpoints, checkpoints,
            "{driver} passed another number of checkpoints:\n{}",
            self.stderr
        );
    }
}

/// Runs `driver` against `sim` with `packages` on its path, answering its checkpoints.
async fn run_driver(sim: &Sim, driver: &str, packages: Option<&Path>) -> Run {
    let mut command = Command::new(python());
    command
        .arg("-s")
        .arg(drivers_dir().join(driver))
        .current_dir(target_dir())
        .env("QUALYS_SIM_URL", sim.base_url())
        .env("QUALYS_SIM_USER", "demo")
        .env("QUALYS_SIM_PASSWORD", "demo")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONNOUSERSITE", "1")
        .env("PYTHONUNBUFFERED", "1")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost")
        .env_remove("PYTHONPATH")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(packages) = packages {
        command.env("PYTHONPATH", packages);
    }
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("{driver} did not run: cannot start {}: {e}", python()));
    let mut stdin = child.stdin.take().expect("piped stdin");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let stderr_text = tokio::spawn(async move {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text).await;
        text
    });
    let http = reqwest::Client::new();
    let base = sim.base_url();
    let talk = async {
        let mut checkpoints = 0;
        let mut failures = Vec::new();
        let mut lines = BufReader::new(stdout).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let verdict = match serde_json::from_str::<Value>(&line) {
                Ok(point) => check(&http, &base, &point).await,
                Err(_) => Err(format!("not a checkpoint: {line}")),
            };
            let answer = match verdict {
                Ok(()) => {
                    checkpoints += 1;
                    "ok".to_owned()
                }
                Err(e) => {
                    failures.push(e.clone());
                    format!("no: {e}")
                }
            };
            if stdin
                .write_all(format!("{answer}\n").as_bytes())
                .await
                .is_err()
            {
                break;
            }
        }
        (checkpoints, failures)
    };
    let (checkpoints, failures) = tokio::time::timeout(DRIVER_TIMEOUT, talk)
        .await
        .unwrap_or_else(|_| panic!("{driver} took more than {DRIVER_TIMEOUT:?}"));
    let status = child.wait().await.expect("driver exit status");
    let stderr = stderr_text.await.unwrap_or_default();
    Run {
        success: status.success(),
        stderr,
        checkpoints,
        failures,
    }
}

/// One checkpoint, `{"checkpoint": "present"|"gone", "connector": <QPS id or UUID>, "expect":
/// {field: value}}`, against the simulator's store.
async fn check(http: &reqwest::Client, base: &str, point: &Value) -> Result<(), String> {
    let wanted = point["connector"].as_str().ok_or("no connector named")?;
    let store: Vec<Value> = http
        .get(format!("{base}/_sim/connectors"))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let found = store.iter().find(|c| {
        c["id"].as_u64().is_some_and(|id| id.to_string() == wanted) || c["cloudviewUuid"] == wanted
    });
    match (point["checkpoint"].as_str(), found) {
        (Some("gone"), None) => Ok(()),
        (Some("gone"), Some(c)) => Err(format!("{wanted} is still there: {c}")),
        (Some("present"), None) => Err(format!("{wanted} is not in the store")),
        (Some("present"), Some(c)) => {
            let expect = point["expect"].as_object().cloned().unwrap_or_default();
            match expect
                .iter()
                .find(|(field, value)| c[field.as_str()] != **value)
            {
                Some((field, value)) => Err(format!(
                    "{wanted}'s {field} is {}, not {value}",
                    c[field.as_str()]
                )),
                None => Ok(()),
            }
        }
        _ => Err(format!("unknown checkpoint {point}")),
    }
}

async fn calls(sim: &Sim) -> Value {
    reqwest::get(format!("{}/_sim/calls", sim.base_url()))
        .await
        .expect("calls answered")
        .json()
        .await
        .expect("calls JSON")
}

async fn assert_store_empty(sim: &Sim) {
    let store: Value = reqwest::get(format!("{}/_sim/connectors", sim.base_url()))
        .await
        .expect("connectors answered")
        .json()
        .await
        .expect("connectors JSON");
    assert_eq!(store, json!([]), "every connector made was deleted");
}

#[tokio::test]
async fn qualys_own_scripts_and_lambda_requests() {
    let sim = Sim::start(SimConfig::default()).await.expect("sim starts");
    let run = run_driver(&sim, "qualys_scripts.py", None).await;
    run.assert_passed("qualys_scripts.py", 6);
    assert_eq!(
        calls(&sim).await,
        json!({
            // TotalCloud create script, tag script, then our read and delete.
            "qps3.create": 1, "qps3.search": 1, "qps3.update": 1, "qps3.get": 1, "qps3.delete": 1,
            // The CloudFormation Lambda: CloudView create and run, QPS v2 search and run.
            "cloudview.create": 1, "cloudview.run": 1, "qps2.search": 1, "qps2.run": 1,
            // Our delete of the Lambda's connector.
            "cloudview.delete": 1,
        })
    );
    assert_store_empty(&sim).await;
    sim.stop().await;
}

#[tokio::test]
async fn a_refused_request_fails_the_run_with_the_request_and_the_answer() {
    let sim = Sim::start(SimConfig::default()).await.expect("sim starts");
    let fault = json!({"method": "POST", "path_prefix": "/qps/rest/2.0/search", "status": 404,
                       "body": "no such endpoint"});
    let status = reqwest::Client::new()
        .post(format!("{}/_sim/faults", sim.base_url()))
        .json(&fault)
        .send()
        .await
        .expect("fault set")
        .status();
    assert_eq!(status, 204);
    let run = run_driver(&sim, "qualys_scripts.py", None).await;
    assert!(!run.success, "a refused search must fail the run");
    for shown in [
        "REFUSED",
        "POST /qps/rest/2.0/search/am/awsassetdataconnector/",
        "awsAccountId",
        "no such endpoint",
    ] {
        assert!(run.stderr.contains(shown), "{shown} in:\n{}", run.stderr);
    }
    assert!(
        !run.stderr.contains("demo:demo") && !run.stderr.contains("ZGVtbzpkZW1v"),
        "credentials stay out of the story:\n{}",
        run.stderr
    );
    sim.stop().await;
}

#[tokio::test]
async fn qualysapi_on_qps_v2_and_v3_in_xml_and_json() {
    let packages = tokio::task::spawn_blocking(|| installed(&QUALYSAPI))
        .await
        .expect("install task");
    let sim = Sim::start(SimConfig::default()).await.expect("sim starts");
    let run = run_driver(&sim, "qualysapi_driver.py", Some(&packages)).await;
    run.assert_passed("qualysapi_driver.py", 12);
    // Four lifecycles, two per version: v2 XML and JSON, v3 JSON and XML.
    let mut expected = serde_json::Map::new();
    for op in ["create", "get", "search", "update", "delete"] {
        for version in ["qps2", "qps3"] {
            expected.insert(format!("{version}.{op}"), json!(2));
        }
    }
    assert_eq!(calls(&sim).await, Value::Object(expected));
    assert_store_empty(&sim).await;
    sim.stop().await;
}

#[tokio::test]
async fn qualysdk_on_cloudview_lists_filters_sort_and_details() {
    let packages = tokio::task::spawn_blocking(|| installed(&QUALYSDK))
        .await
        .expect("install task");
    let sim = Sim::start(SimConfig::default()).await.expect("sim starts");
    let run = run_driver(&sim, "qualysdk_driver.py", Some(&packages)).await;
    run.assert_passed("qualysdk_driver.py", 7);
    let calls = calls(&sim).await;
    for (operation, count) in [
        ("cloudview.create", 3),
        ("cloudview.update", 1),
        ("cloudview.delete", 1),
        ("cloudview.baseaccount", 1),
        // Three details, one after the update, one of the deleted connector.
        ("cloudview.get", 5),
        // 1 + 3 pages + 7 filtered or sorted lists + 2 pages + 2 after the update and delete.
        ("cloudview.list", 15),
    ] {
        assert_eq!(calls[operation], count, "{operation} in {calls}");
    }
    assert_store_empty(&sim).await;
    sim.stop().await;
}
