//! Start-up and RPC latency of the provider binary, the costs Terraform pays several times per
//! command (a fresh provider process per phase). Prints:
//! - time from exec to the handshake line, with AutoMTLS on (target: median at most 5 ms);
//! - `GetProviderSchema` latency over the TLS Unix socket (target: under 1 ms).
//!
//! Run with `cargo bench --bench startup` (a release-profile build).

#[path = "../tests/acceptance/support/plugin_client.rs"]
mod plugin_client;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use plugin_client::Plugin;
use tfqualys::plugin::proto::plugin::{Empty, grpc_controller_client::GrpcControllerClient};
use tfqualys::plugin::proto::tfplugin6 as pb;

const STARTS: usize = 60;
const CALLS_PER_START: usize = 100;
const WARMUP_STARTS: usize = 5;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-qualys"));
    let mut startups = Vec::new();
    let mut rpc = Vec::new();
    let mut schema_bytes = 0;
    for i in 0..WARMUP_STARTS + STARTS {
        let mut plugin = Plugin::start(&binary, true);
        assert_eq!(plugin.handshake.fields[1], "6", "protocol 6 negotiated");
        if i >= WARMUP_STARTS {
            startups.push(plugin.startup);
        }
        let channel = plugin.channel().await;
        let mut client = pb::provider_client::ProviderClient::new(channel.clone());
        for call in 0..CALLS_PER_START {
            let t = Instant::now();
            let resp = client
                .get_provider_schema(pb::get_provider_schema::Request {})
                .await
                .expect("GetProviderSchema");
            let elapsed = t.elapsed();
            // The first call of a connection includes HTTP/2 setup; count the steady state.
            if call > 0 && i >= WARMUP_STARTS {
                rpc.push(elapsed);
            }
            schema_bytes = prost::Message::encoded_len(resp.get_ref());
        }
        GrpcControllerClient::new(channel)
            .shutdown(Empty {})
            .await
            .expect("Shutdown");
        plugin.wait_exit(Duration::from_secs(2));
    }
    startups.sort();
    rpc.sort();
    println!("terraform-provider-qualys start-up benchmark ({STARTS} starts, AutoMTLS on)");
    println!(
        "exec -> handshake line: median {}  p90 {}  min {}  max {}   (target: median <= 5 ms)",
        ms(percentile(&startups, 0.5)),
        ms(percentile(&startups, 0.9)),
        ms(startups[0]),
        ms(startups[startups.len() - 1]),
    );
    println!(
        "GetProviderSchema ({} calls, {schema_bytes} bytes): median {}  p99 {}   (target: < 1 ms)",
        rpc.len(),
        ms(percentile(&rpc, 0.5)),
        ms(percentile(&rpc, 0.99)),
    );
    let median_startup = percentile(&startups, 0.5);
    let median_rpc = percentile(&rpc, 0.5);
    println!(
        "verdict: handshake {} target, RPC {} target",
        if median_startup <= Duration::from_millis(5) {
            "meets"
        } else {
            "MISSES"
        },
        if median_rpc < Duration::from_millis(1) {
            "meets"
        } else {
            "MISSES"
        },
    );
}
