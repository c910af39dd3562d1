//! qualys-sim: a stateful simulator of the Qualys QPS v3 (JSON), QPS v2 (XML) and CloudView v1
//! AWS connector APIs over one connector store, with an admin API for tests under `/_sim/`.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let sim = qualys_sim::Sim::start(qualys_sim::SimConfig::default()).await?;
//! let url = sim.base_url(); // e.g. http://127.0.0.1:38211, user demo/demo
//! # let _ = url;
//! sim.stop().await;
//! # Ok(()) }
//! ```

mod accounts;
mod admin;
mod app;
mod auth;
mod calls;
mod change;
mod cloudview;
mod config;
mod dates;
mod faults;
mod gate;
mod lenient;
mod limits;
mod model;
mod persist;
mod qps;
mod quirks;
mod regions;
mod roles;
mod server;
mod state;
mod store;
mod syncs;
mod validate;
mod xml;

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::{
    ConfigError, CustomerBaseAccounts, RateLimit, SimConfig, User, parse_customer_base_account,
    parse_rate_limit, parse_user,
};
pub use model::{FIRST_ID, QUALYS_AWS_ACCOUNT_ID, QUALYS_GOV_AWS_ACCOUNT_ID};

use state::AppState;
use store::Store;

/// A running simulator.
pub struct Sim {
    base_url: String,
    shutdown: watch::Sender<bool>,
    server: JoinHandle<()>,
    persister: Option<JoinHandle<()>>,
    store: Arc<Store>,
    state_file: Option<PathBuf>,
}

impl Sim {
    /// Loads the state file (if configured and present), binds `config.listen` and serves.
    pub async fn start(config: SimConfig) -> io::Result<Sim> {
        let store = Arc::new(match &config.state_file {
            Some(path) => persist::load(path)?,
            None => Store::default(),
        });
        let listener = TcpListener::bind(config.listen).await?;
        let base_url = base_url(listener.local_addr()?);
        let app = Arc::new(AppState::new(&config, Arc::clone(&store), base_url.clone()));
        let (shutdown, stopped) = watch::channel(false);
        let server = tokio::spawn(server::serve(listener, app::router(app), stopped.clone()));
        let persister = config
            .state_file
            .clone()
            .map(|path| tokio::spawn(persist::run(Arc::clone(&store), path, stopped)));
        Ok(Sim {
            base_url,
            shutdown,
            server,
            persister,
            store,
            state_file: config.state_file,
        })
    }

    /// `http://HOST:PORT` without a trailing slash; QPS and CloudView paths both live here.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// Stops accepting, lets in-flight calls finish, and writes the state file if configured.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        let _ = self.server.await;
        if let Some(persister) = self.persister {
            let _ = persister.await;
        }
        if let Some(path) = &self.state_file
            && let Err(e) = persist::save(&self.store, path).await
        {
            eprintln!(
                "qualys-sim: cannot write state file {}: {e}",
                path.display()
            );
        }
    }
}

/// The URL clients use: an unspecified bind address is reached over loopback.
fn base_url(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        assert_eq!(
            base_url("127.0.0.1:8080".parse().expect("addr")),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            base_url("0.0.0.0:1".parse().expect("addr")),
            "http://127.0.0.1:1"
        );
        assert_eq!(base_url("[::]:2".parse().expect("addr")), "http://[::1]:2");
    }
}
