//! Secrets stay secret: the password reaches no log line, and a URL with user info is refused
//! without showing it.

use std::sync::{Arc, Mutex};

use qualys_sim::SimConfig;
use serde_json::json;
use tfqualys::qualys::{Client, ClientConfig, Error, QpsVersion};

use crate::support::{PASSWORD, config_for, fault, qps_spec, start_sim};

/// A `MakeWriter` collecting everything logged.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn the_password_never_reaches_the_logs() {
    use base64::Engine;
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(captured.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sim = start_sim(SimConfig::default()).await;
    let mut config = config_for(&sim);
    config.insecure_skip_verify = true;
    let client = Client::new(config.clone()).expect("client");
    tracing::debug!(config = ?config, "client configured");
    let created = client
        .qps(QpsVersion::V3)
        .create(&qps_spec("logged"))
        .await
        .expect("create");
    client
        .qps(QpsVersion::V2)
        .read(created.id)
        .await
        .expect("read");
    fault(
        &sim,
        json!({"path_prefix": "/qps/rest/3.0/create", "drop_connection": true}),
    )
    .await;
    client
        .qps(QpsVersion::V3)
        .create(&qps_spec("logged-2"))
        .await
        .expect("adopted");
    fault(
        &sim,
        json!({"path_prefix": "/qps/rest/3.0/get", "status": 409, "headers": {"Retry-After": "0"}}),
    )
    .await;
    client
        .qps(QpsVersion::V3)
        .get(created.id)
        .await
        .expect("get");
    client.cloudview().list_all().await.expect("list");
    let mut wrong = config;
    wrong.password = format!("{PASSWORD}-wrong");
    let err = Client::new(wrong)
        .expect("client")
        .qps(QpsVersion::V3)
        .get(created.id)
        .await
        .unwrap_err();
    tracing::error!(error = %err, debug = ?err, "reported to the user");
    sim.stop().await;

    let logs = String::from_utf8(captured.0.lock().unwrap_or_else(|p| p.into_inner()).clone())
        .expect("utf-8");
    assert!(
        logs.contains("qualys call"),
        "nothing was logged at trace level"
    );
    assert!(logs.contains("TRACE"), "no trace-level events");
    assert!(
        logs.contains("insecure_skip_verify"),
        "no warning for insecure_skip_verify"
    );
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("demo:{PASSWORD}"));
    for secret in [PASSWORD, basic.as_str(), &basic[..16]] {
        assert!(!logs.contains(secret), "{secret:?} found in the logs");
    }
}

/// A URL with user info is refused, and the password shows nowhere.
#[test]
fn user_info_in_a_url_is_refused_without_showing_the_password() {
    for (api, cloudview) in [
        (
            format!("https://demo:{PASSWORD}@qualysapi.qualys.com"),
            "https://qualysguard.qualys.com".to_string(),
        ),
        (
            "https://qualysapi.qualys.com".to_string(),
            format!("http://demo:{PASSWORD}@127.0.0.1:1/"),
        ),
        (
            format!("https://:{PASSWORD}@qualysapi.qualys.com"),
            "https://qualysguard.qualys.com".to_string(),
        ),
    ] {
        let config = ClientConfig::new(api, cloudview, "demo", "other-password");
        assert!(!format!("{config:?}").contains(PASSWORD), "{config:?}");
        let err = Client::new(config).err().expect("refused");
        assert!(matches!(err, Error::Config(_)), "{err}");
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains(PASSWORD), "{shown}");
        assert!(shown.contains("***@"), "{shown}");
    }
}
