//! The `qualys-sim` binary: runs the simulator until interrupted, printing its base URL first.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use qualys_sim::{
    CustomerBaseAccounts, RateLimit, Sim, SimConfig, User, parse_customer_base_account,
    parse_rate_limit, parse_user,
};

/// A stateful simulator of the Qualys QPS v3/v2 and CloudView v1 AWS connector APIs.
#[derive(Parser, Debug)]
#[command(version)]
struct Cli {
    /// Address to listen on; with port 0 a free port is picked.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// NAME:PASSWORD[:ACCOUNT,ACCOUNT...] (repeatable; default demo:demo). Accounts limit the
    /// user's scope to those 12-digit AWS account ids.
    #[arg(long = "user", value_name = "NAME:PASSWORD[:ACCOUNTS]", value_parser = parse_user)]
    users: Vec<User>,
    /// Persist connectors in this file across restarts (written atomically).
    #[arg(long, value_name = "PATH")]
    state_file: Option<PathBuf>,
    /// Latency added to every API call, in milliseconds.
    #[arg(long, value_name = "N", default_value_t = 0)]
    latency_ms: u64,
    /// Calls per window per user, e.g. 300/3600; over it calls answer 409.
    #[arg(long, value_name = "CALLS/SECONDS", value_parser = parse_rate_limit)]
    rate_limit: Option<RateLimit>,
    /// Concurrent calls per user; over it calls answer 409.
    #[arg(long, value_name = "N")]
    concurrency: Option<u32>,
    /// The subscription has no CSPM region selection: cspmRegions answers INVALID_REQUEST.
    #[arg(long)]
    no_region_selection: bool,
    /// How long a sync started by `run` takes to reach its verdict, in milliseconds (0: the
    /// verdict is in run's own answer).
    #[arg(long, value_name = "N", default_value_t = 0)]
    sync_delay_ms: u64,
    /// PARTITION=ACCOUNT with PARTITION global, gov or china (repeatable): the subscription's own
    /// Qualys base account for that partition's connectors.
    #[arg(long = "customer-base-account", value_name = "PARTITION=ACCOUNT", value_parser = parse_customer_base_account)]
    customer_base_accounts: Vec<CustomerBaseAccounts>,
    /// Qualys support enabled the China region for the subscription: with a
    /// --customer-base-account china=ACCOUNT, China connectors can be created.
    #[arg(long)]
    china_region_enabled: bool,
}

impl Cli {
    fn into_config(self) -> SimConfig {
        let defaults = SimConfig::default();
        SimConfig {
            listen: self.listen,
            users: if self.users.is_empty() {
                defaults.users
            } else {
                self.users
            },
            state_file: self.state_file,
            latency: Duration::from_millis(self.latency_ms),
            rate_limit: self.rate_limit,
            concurrency: self.concurrency,
            region_selection: !self.no_region_selection,
            sync_delay: Duration::from_millis(self.sync_delay_ms),
            customer_base_accounts: self
                .customer_base_accounts
                .into_iter()
                .fold(CustomerBaseAccounts::default(), CustomerBaseAccounts::merge),
            china_region_enabled: self.china_region_enabled,
        }
    }
}

async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[tokio::main]
async fn main() -> ExitCode {
    let config = Cli::parse().into_config();
    let sim = match Sim::start(config).await {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("qualys-sim: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "{}", sim.base_url());
    let _ = stdout.flush();
    interrupted().await;
    sim.stop().await;
    ExitCode::SUCCESS
}
