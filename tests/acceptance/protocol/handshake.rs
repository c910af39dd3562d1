//! The handshake and transports: AutoMTLS, plaintext and debug reattach with the real Terraform;
//! mutual TLS and refusals checked with our own go-plugin client.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::Duration;

use tfqualys::plugin::proto::tfplugin6 as pb;

use crate::support::fixtures::REGIONS_CONFIG;
use crate::support::plugin_client::Plugin;
use crate::support::terraform::{Workdir, provider_binary};

/// The seed's supported-region table (seed 004, OCR typo `us-west-1u` corrected), written out
/// here independently of the provider's own table.
const SEED_GLOBAL: &[&str] = &[
    "af-south-1",
    "eu-south-1",
    "eu-west-3",
    "ap-northeast-3",
    "ap-east-1",
    "eu-north-1",
    "ap-southeast-2",
    "us-east-1",
    "us-west-2",
    "us-west-1",
    "eu-west-1",
    "ap-southeast-1",
    "ap-northeast-1",
    "sa-east-1",
    "eu-central-1",
    "us-east-2",
    "ap-south-1",
    "ap-northeast-2",
    "eu-west-2",
    "ca-central-1",
    "me-south-1",
    "ap-southeast-3",
];

const SEED_CHINA: &[&str] = &["cn-north-1", "cn-northwest-1"];

const SEED_GOV: &[&str] = &["us-gov-west-1", "us-gov-east-1"];

fn sorted(codes: &[&[&str]]) -> Vec<String> {
    let mut all: Vec<String> = codes
        .iter()
        .flat_map(|c| c.iter().map(|s| s.to_string()))
        .collect();
    all.sort();
    all
}

fn check_region_outputs(wd: &Workdir) {
    let out = wd.outputs();
    let strings = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .expect("a list output")
            .iter()
            .map(|s| s.as_str().expect("a string").to_string())
            .collect()
    };
    assert_eq!(
        strings(&out["all"]),
        sorted(&[SEED_GLOBAL, SEED_CHINA, SEED_GOV])
    );
    assert_eq!(strings(&out["global"]), sorted(&[SEED_GLOBAL]));
    assert_eq!(strings(&out["china"]), sorted(&[SEED_CHINA]));
    assert_eq!(strings(&out["gov"]), sorted(&[SEED_GOV]));
    assert_eq!(
        out["gov_regions"],
        serde_json::json!([
            {"code": "us-gov-east-1", "name": "AWS GovCloud (US-East)", "region_type": "gov"},
            {"code": "us-gov-west-1", "name": "AWS GovCloud (US-West)", "region_type": "gov"},
        ])
    );
    assert_eq!(
        out["cape_town"],
        serde_json::json!({"code": "af-south-1", "name": "Africa (Cape Town)", "region_type": "global"})
    );
}

#[test]
fn serves_terraform_over_automtls() {
    let wd = Workdir::new(REGIONS_CONFIG);
    let apply = wd.apply();
    assert!(
        apply.log.contains("\"plugin serving\"") || apply.log.contains("plugin serving"),
        "the provider's own log lines reach Terraform's log"
    );
    assert!(
        apply.log.contains("tls=true"),
        "Terraform negotiated AutoMTLS"
    );
    check_region_outputs(&wd);
    wd.assert_empty_plan();
}

#[test]
fn serves_terraform_without_tls() {
    let wd = Workdir::new(REGIONS_CONFIG).env("TF_DISABLE_PLUGIN_TLS", "1");
    let apply = wd.apply();
    assert!(
        apply.log.contains("tls=false"),
        "the provider served plaintext"
    );
    check_region_outputs(&wd);
    wd.assert_empty_plan();
}

#[test]
fn serves_terraform_through_debug_reattach() {
    let mut provider = Command::new(provider_binary())
        .arg("--debug")
        .env("TF_LOG", "debug")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting the provider in debug mode");
    let mut stdout = BufReader::new(provider.stdout.take().expect("stdout"));
    let reattach = loop {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).expect("reading debug output") > 0,
            "the provider ended its output without a TF_REATTACH_PROVIDERS line"
        );
        if let Some(value) = line.trim().strip_prefix("TF_REATTACH_PROVIDERS=") {
            break value.trim_matches('\'').to_string();
        }
    };
    let wd = Workdir::new(REGIONS_CONFIG);
    let apply = wd.run_with_env(
        &["apply", "-auto-approve", "-input=false"],
        &[("TF_REATTACH_PROVIDERS", reattach.as_str())],
    );
    assert!(
        apply.success(),
        "apply through reattach failed:\n{}",
        apply.text()
    );
    let plan = wd.run_with_env(
        &["plan", "-detailed-exitcode", "-input=false"],
        &[("TF_REATTACH_PROVIDERS", reattach.as_str())],
    );
    assert_eq!(
        plan.code,
        0,
        "second plan through reattach:\n{}",
        plan.text()
    );
    check_region_outputs(&wd);

    // Ctrl-C ends a debug-mode provider; its log shows Terraform configured *this* process.
    let status = Command::new("kill")
        .args(["-INT", &provider.id().to_string()])
        .status()
        .expect("sending SIGINT");
    assert!(status.success());
    let exit = provider.wait().expect("waiting for the provider");
    assert!(exit.success(), "debug provider exit: {exit:?}");
    let mut stderr = String::new();
    provider
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("reading stderr");
    assert!(
        stderr.contains("provider configured"),
        "Terraform used the reattached process; its log:\n{stderr}"
    );
}

#[test]
fn started_by_hand_it_explains_and_exits_1() {
    let out = Command::new(provider_binary())
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .stdin(Stdio::null())
        .output()
        .expect("running the provider");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stdout.is_empty(),
        "no handshake line without the cookie"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("This binary is a plugin"), "{stderr}");
}

#[test]
fn refuses_a_terraform_without_protocol_6() {
    let out = Command::new(provider_binary())
        .env(
            "TF_PLUGIN_MAGIC_COOKIE",
            tfqualys::plugin::serve::MAGIC_COOKIE_VALUE,
        )
        .env("PLUGIN_PROTOCOL_VERSIONS", "4,5")
        .stdin(Stdio::null())
        .output()
        .expect("running the provider");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("protocol 6"));
}

#[tokio::test]
async fn grpc_services_answer_over_mutual_tls() {
    let mut plugin = Plugin::start(&provider_binary(), true);
    eprintln!("handshake line after {:?} (debug build)", plugin.startup);
    let hs = &plugin.handshake;
    assert_eq!(&hs.fields[..3], ["1", "6", "unix"]);
    assert_eq!(hs.fields[4], "grpc");
    assert!(
        hs.server_cert_der.is_some(),
        "TLS handshake line carries the certificate"
    );
    let dir = hs.socket.parent().expect("socket dir").to_path_buf();

    let channel = plugin.channel().await;
    let mut provider = pb::provider_client::ProviderClient::new(channel.clone());
    let schema = provider
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .expect("GetProviderSchema")
        .into_inner();
    assert!(
        schema
            .data_source_schemas
            .contains_key("qualys_aws_regions")
    );
    let provider_attrs: Vec<&str> = schema
        .provider
        .as_ref()
        .and_then(|s| s.block.as_ref())
        .map(|b| b.attributes.iter().map(|a| a.name.as_str()).collect())
        .unwrap_or_default();
    for name in [
        "username",
        "password",
        "platform",
        "api_url",
        "cloudview_url",
        "insecure_skip_verify",
        "max_retries",
        "max_concurrency",
        "request_timeout",
    ] {
        assert!(provider_attrs.contains(&name), "provider schema has {name}");
    }

    // Ctrl-C reaches the whole process group; the plugin survives it (Terraform stops it).
    let status = Command::new("kill")
        .args(["-INT", &plugin.child.id().to_string()])
        .status()
        .expect("sending SIGINT");
    assert!(status.success());
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        plugin.child.try_wait().expect("polling").is_none(),
        "SIGINT ended the provider; it must ignore Ctrl-C like Go plugins"
    );
    provider
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .expect("still serving after SIGINT");

    // Functions: declared, and an error names the argument's position.
    let functions = provider
        .get_functions(pb::get_functions::Request {})
        .await
        .expect("GetFunctions")
        .into_inner()
        .functions;
    let mut names: Vec<&str> = functions.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "external_id",
            "import_id",
            "is_valid_external_id",
            "parse_external_id",
            "parse_import_id"
        ]
    );
    let answer = provider
        .call_function(pb::call_function::Request {
            name: "parse_external_id".into(),
            // msgpack "USPOD01-4765"
            arguments: vec![pb::DynamicValue {
                msgpack: b"\xacUSPOD01-4765".to_vec(),
                json: Vec::new(),
            }],
        })
        .await
        .expect("CallFunction")
        .into_inner();
    let error = answer.error.expect("a function error");
    assert_eq!(error.function_argument, Some(0));
    assert!(
        error.text.contains("is not in the format"),
        "{}",
        error.text
    );

    // RPCs the provider does not implement answer Unimplemented.
    let err = provider
        .move_resource_state(pb::move_resource_state::Request::default())
        .await
        .expect_err("MoveResourceState is not implemented");
    assert_eq!(err.code(), tonic::Code::Unimplemented);

    let mut health = tonic_health::pb::health_client::HealthClient::new(channel.clone());
    let status = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "plugin".into(),
        })
        .await
        .expect("health check")
        .into_inner();
    assert_eq!(
        status.status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );

    provider
        .stop_provider(pb::stop_provider::Request {})
        .await
        .expect("StopProvider");

    // StreamStdio stays open while the process lives.
    let mut stdio =
        tfqualys::plugin::proto::plugin::grpc_stdio_client::GrpcStdioClient::new(channel.clone());
    let mut stream = stdio
        .stream_stdio(())
        .await
        .expect("StreamStdio")
        .into_inner();
    let next = tokio::time::timeout(Duration::from_millis(100), stream.message()).await;
    assert!(next.is_err(), "StreamStdio yields nothing");

    let mut controller =
        tfqualys::plugin::proto::plugin::grpc_controller_client::GrpcControllerClient::new(channel);
    controller
        .shutdown(tfqualys::plugin::proto::plugin::Empty {})
        .await
        .expect("Shutdown");
    let status = plugin
        .wait_exit(Duration::from_secs(1))
        .expect("the provider exits within a second of Shutdown");
    assert!(status.success(), "{status:?}");
    assert!(!dir.exists(), "the socket's temp dir is removed on exit");
}

#[tokio::test]
async fn a_stranger_certificate_is_refused() {
    let plugin = Plugin::start(&provider_binary(), true);
    let mut provider = pb::provider_client::ProviderClient::new(plugin.channel().await);
    assert!(
        provider
            .get_provider_schema(pb::get_provider_schema::Request {})
            .await
            .is_ok(),
        "the certificate from PLUGIN_CLIENT_CERT is accepted"
    );
    // The same connection attempt with another client certificate.
    let mut impostor = Plugin::start(&provider_binary(), true);
    impostor.handshake.socket = plugin.handshake.socket.clone();
    impostor.handshake.server_cert_der = plugin.handshake.server_cert_der.clone();
    let refused = match impostor.channel_result().await {
        Err(_) => true,
        Ok(channel) => pb::provider_client::ProviderClient::new(channel)
            .get_provider_schema(pb::get_provider_schema::Request {})
            .await
            .is_err(),
    };
    assert!(
        refused,
        "a client certificate other than PLUGIN_CLIENT_CERT is refused"
    );
}
