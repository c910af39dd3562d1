//! The `qualys-sim` binary: flags, the base URL as first stdout line, persistence across
//! process restarts, clean exit on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::*;
use crate::persistence::temp_state_file;

fn spawn(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_qualys-sim"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("first line");
    (child, line.trim().to_owned())
}

fn terminate(mut child: Child) {
    let status = Command::new("kill")
        .arg(child.id().to_string())
        .status()
        .expect("kill runs");
    assert!(status.success());
    let exit = child.wait().expect("exits");
    assert!(exit.success(), "{exit:?}");
}

#[tokio::test]
async fn binary_prints_its_url_and_keeps_state_across_restarts() {
    let path = temp_state_file("cli");
    let state = path.to_str().expect("utf-8 path");
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--user",
        "ops:secret",
        "--user",
        "scoped:pw:210987654321",
        "--state-file",
        state,
        "--latency-ms",
        "1",
        "--rate-limit",
        "100/60",
        "--concurrency",
        "4",
        "--no-region-selection",
        "--sync-delay-ms",
        "0",
        "--customer-base-account",
        "global=111111111111",
        "--customer-base-account",
        "china=333333333333",
        "--china-region-enabled",
    ];
    let (child, url) = spawn(&args);
    let port = url
        .strip_prefix("http://127.0.0.1:")
        .and_then(|p| p.parse::<u16>().ok())
        .expect("http://127.0.0.1:PORT");
    assert_ne!(port, 0);

    let api = Api::new(&url).as_user("ops", "secret");
    let created = api
        .create(json!({"name": "cli", "arn": arn(ACCOUNT)}))
        .await;
    let refused = api
        .qps3(
            "create",
            None,
            Some(qps_body(
                json!({"name": "r", "arn": arn(ACCOUNT), "allRegions": false,
            "cspmRegions": qlist("CspmRegionSimple", &["us-east-1"])}),
            )),
        )
        .await;
    assert_eq!(
        refused["responseCode"], "INVALID_REQUEST",
        "--no-region-selection"
    );
    assert_eq!(created["qualysAwsAccountId"], "111111111111");
    let (_, accounts) = api.cv(Method::GET, "/awsBaseAccountId", None).await;
    assert_eq!(accounts["globalAccountId"], "111111111111");
    assert_eq!(accounts["customerGlobalAccount"], "true");
    assert_eq!(accounts["chinaAccountId"], "333333333333");
    assert_eq!(accounts["customerChinaAccount"], "true");
    assert_eq!(accounts["customerGovAccount"], "false");
    let china = api
        .create(json!({"name": "cn", "arn": "arn:aws-cn:iam::123456789012:role/R"}))
        .await;
    assert_eq!(
        china["qualysAwsAccountId"], "333333333333",
        "--china-region-enabled with a China base account"
    );
    let (status, page) = api.as_user("scoped", "pw").cv(Method::GET, "", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["totalElements"], 0, "scope from --user");
    let (status, _) = Api::new(&url).cv(Method::GET, "", None).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "demo is not a user when --user is given"
    );
    let response = api
        .request(Method::GET, CONNECTORS)
        .send()
        .await
        .expect("answered");
    assert_eq!(response.headers()["x-ratelimit-limit"], "100");
    assert_eq!(response.headers()["x-concurrency-limit-limit"], "4");
    terminate(child);

    let (child, url) = spawn(&args);
    let api = Api::new(&url).as_user("ops", "secret");
    let got = api.qps3("get", Some(id_of(&created)), None).await;
    assert_eq!(connector_of(&got)["name"], "cli");
    terminate(child);
    let _ = std::fs::remove_dir_all(path.parent().expect("dir"));
}

#[test]
fn bad_flags_are_refused() {
    let output = Command::new(env!("CARGO_BIN_EXE_qualys-sim"))
        .args(["--rate-limit", "10"])
        .output()
        .expect("runs");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("CALLS/SECONDS"));
    let output = Command::new(env!("CARGO_BIN_EXE_qualys-sim"))
        .args(["--customer-base-account", "mars=111111111111"])
        .output()
        .expect("runs");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("global|gov|china"));
}
