//! The plugin process's life: go-plugin's handshake (magic cookie, protocol negotiation, Unix
//! socket in a fresh 0700 temp dir, AutoMTLS, the one handshake line on stdout), serving the
//! gRPC services, and exiting promptly, socket dir removed, when Terraform calls `Shutdown`,
//! on SIGTERM, or when Terraform dies (even of SIGKILL). `--debug` serves plaintext and prints
//! a `TF_REATTACH_PROVIDERS` line instead.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use base64::Engine;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tokio_stream::wrappers::ReceiverStream;

use super::api::Provider;
use super::goplugin::{Controller, Stdio};
use super::grpc::ProviderService;
use super::proto::plugin::grpc_controller_server::GrpcControllerServer;
use super::proto::plugin::grpc_stdio_server::GrpcStdioServer;
use super::proto::tfplugin6::provider_server::ProviderServer;
use super::tls::AutoMtls;

pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
const CORE_PROTOCOL_VERSION: u32 = 1;
const PROTOCOL_VERSION: u32 = 6;
/// Terraform's messages can exceed tonic's 4 MiB default (large plans and states).
const MAX_MESSAGE_SIZE: usize = 256 * 1024 * 1024;
/// How long to wait for connections to close after `Shutdown` before exiting anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(200);

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(
        "This binary is a plugin. These are not meant to be executed directly.\n\
         Please execute the program that consumes these plugins, which will\n\
         load any plugins automatically (here: terraform). To debug the provider,\n\
         run it with --debug and follow what it prints."
    )]
    NotLaunchedByTerraform,
    #[error(
        "Terraform asked for plugin protocol versions {0:?}; this provider speaks only protocol {PROTOCOL_VERSION} (Terraform 1.0 and later)"
    )]
    NoCommonProtocol(String),
    #[error("setting up the plugin socket: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Tls(#[from] super::tls::TlsError),
    #[error("serving gRPC: {0}")]
    Transport(#[from] tonic::transport::Error),
}

/// What the process environment says about how to serve.
pub struct Environment {
    pub magic_cookie: Option<String>,
    pub protocol_versions: Option<String>,
    pub client_cert: Option<String>,
    pub tls_disabled: bool,
    /// The process that started us (Terraform), read as early as the process can.
    pub parent_pid: u32,
}

impl Environment {
    pub fn from_process() -> Environment {
        let var = |k: &str| std::env::var(k).ok();
        Environment {
            magic_cookie: var(MAGIC_COOKIE_KEY),
            protocol_versions: var("PLUGIN_PROTOCOL_VERSIONS"),
            client_cert: var("PLUGIN_CLIENT_CERT").filter(|s| !s.is_empty()),
            tls_disabled: var("TF_DISABLE_PLUGIN_TLS").is_some_and(|s| !s.is_empty()),
            parent_pid: std::os::unix::process::parent_id(),
        }
    }
}

/// Picks our protocol if Terraform offers it (the list comes in any order).
fn negotiate(offered: Option<&str>) -> Result<u32, ServeError> {
    let Some(offered) = offered.filter(|s| !s.trim().is_empty()) else {
        return Ok(PROTOCOL_VERSION);
    };
    offered
        .split(',')
        .filter_map(|v| v.trim().parse::<u32>().ok())
        .find(|v| *v == PROTOCOL_VERSION)
        .ok_or_else(|| ServeError::NoCommonProtocol(offered.to_string()))
}

/// The line Terraform waits for: `1|6|unix|<path>|grpc|<server cert DER, base64 without padding>`.
pub fn handshake_line(socket: &Path, server_cert_der: Option<&[u8]>) -> String {
    let cert = server_cert_der
        .map(|der| base64::engine::general_purpose::STANDARD_NO_PAD.encode(der))
        .unwrap_or_default();
    format!(
        "{CORE_PROTOCOL_VERSION}|{PROTOCOL_VERSION}|unix|{}|grpc|{cert}",
        socket.display()
    )
}

/// The `TF_REATTACH_PROVIDERS` value for a provider served in debug mode.
pub fn reattach_value(provider_address: &str, socket: &Path) -> String {
    serde_json::json!({
        provider_address: {
            "Protocol": "grpc",
            "ProtocolVersion": PROTOCOL_VERSION,
            "Pid": std::process::id(),
            // Terraform 1.0.3 needs Test=true to reattach a protocol-6 provider.
            "Test": true,
            "Addr": {"Network": "unix", "String": socket.display().to_string()},
        }
    })
    .to_string()
}

/// Serves `provider` until Terraform shuts it down (or, in debug mode, until Ctrl-C).
pub async fn serve<P: Provider>(
    provider: P,
    provider_address: &str,
    debug: bool,
    env: Environment,
) -> Result<(), ServeError> {
    if !debug {
        if env.magic_cookie.as_deref() != Some(MAGIC_COOKIE_VALUE) {
            return Err(ServeError::NotLaunchedByTerraform);
        }
        negotiate(env.protocol_versions.as_deref())?;
    }
    let (shutdown_tx, mut shutdown_rx) = mpsc::channel::<()>(1);
    // Registered before anything can send SIGTERM (the parent-death signal included), so the
    // default action never kills the process with its socket dir left behind.
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    {
        let tx = shutdown_tx.clone();
        tokio::spawn(async move {
            if sigterm.recv().await.is_some() {
                let _ = tx.try_send(());
            }
        });
    }
    // A person's `--debug` process may outlive the shell or IDE that started it.
    let parent = (!debug).then(|| ParentWatch::arm(env.parent_pid, &shutdown_tx));

    // go-plugin's mode: the socket is Terraform's alone, whatever the umask says.
    let socket_dir = tempfile::Builder::new()
        .prefix("plugin")
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir()?;
    let socket_path = socket_dir.path().join("provider.sock");
    let listener = UnixListener::bind(&socket_path)?;

    let tls = match (&env.client_cert, debug || env.tls_disabled) {
        (Some(pem), false) => Some(AutoMtls::new(pem)?),
        _ => None,
    };

    // (tracing's macros shadow a variable named `debug`.)
    let debug_mode = debug;
    tracing::debug!(
        socket = %socket_path.display(),
        tls = tls.is_some(),
        debug_mode,
        "plugin serving"
    );
    let mut stdout = std::io::stdout().lock();
    if debug {
        writeln!(
            stdout,
            "Provider started. To attach Terraform CLI, set the TF_REATTACH_PROVIDERS environment variable with the following:\n\n\tTF_REATTACH_PROVIDERS='{}'\n",
            reattach_value(provider_address, &socket_path)
        )?;
    } else {
        let cert = tls.as_ref().map(|t| t.server_cert_der.as_slice());
        writeln!(stdout, "{}", handshake_line(&socket_path, cert))?;
    }
    stdout.flush()?;
    drop(stdout);
    if parent.as_ref().is_some_and(ParentWatch::parent_gone) {
        tracing::debug!("Terraform ended before the handshake; exiting");
        return Ok(());
    }

    let (conn_tx, conn_rx) = mpsc::channel::<std::io::Result<Conn>>(16);
    tokio::spawn(accept_loop(
        listener,
        tls.map(|t| TlsAcceptor::from(t.config)),
        conn_tx,
    ));

    if debug {
        let tx = shutdown_tx.clone();
        tokio::spawn(async move {
            let _ = tokio::signal::ctrl_c().await;
            let _ = tx.try_send(());
        });
    } else {
        ignore_sigint();
    }

    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    health_reporter
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;

    let provider = Arc::new(provider);
    let stopping = Arc::new(tokio::sync::Notify::new());
    let server = tonic::transport::Server::builder()
        .add_service(
            ProviderServer::new(ProviderService::new(provider))
                .max_decoding_message_size(MAX_MESSAGE_SIZE)
                .max_encoding_message_size(MAX_MESSAGE_SIZE),
        )
        .add_service(GrpcControllerServer::new(Controller {
            shutdown: shutdown_tx,
        }))
        .add_service(GrpcStdioServer::new(Stdio))
        .add_service(health_service)
        .serve_with_incoming_shutdown(ReceiverStream::new(conn_rx), {
            let stopping = stopping.clone();
            async move { stopping.notified().await }
        });
    tokio::pin!(server);

    let result = tokio::select! {
        r = &mut server => r.map_err(ServeError::from),
        _ = shutdown_rx.recv() => {
            // After Shutdown, Terraform closes its connection and the graceful stop completes
            // at once; the cap covers a client that keeps a stream open.
            stopping.notify_one();
            let _ = tokio::time::timeout(SHUTDOWN_GRACE, &mut server).await;
            Ok(())
        }
    };
    drop(socket_dir);
    result
}

/// Ends the plugin when Terraform, its parent, dies: a Terraform killed with SIGKILL cannot call
/// `Shutdown`, and a provider left running, reparented, would hold its socket forever.
/// On Linux the kernel sends SIGTERM at the parent's death (`PR_SET_PDEATHSIG`; strictly, at
/// the death of the parent's thread that started us, and Go's threads live as long as
/// Terraform does). Other unixes have no such signal: a task polls the parent id once a second.
/// Either way the death is seen as a parent id other than the one read first thing in `main`,
/// which also covers a parent that died before the signal was armed. A parent dead before
/// `main` ran is not seen so; but Terraform holds the only read end of our stdout, so the
/// handshake line then fails to write (EPIPE) and the process exits with the error.
struct ParentWatch {
    parent: u32,
}

impl ParentWatch {
    /// On Linux the signal reaches the SIGTERM handler; elsewhere the poller sends `shutdown`.
    fn arm(parent: u32, shutdown: &mpsc::Sender<()>) -> ParentWatch {
        #[cfg(target_os = "linux")]
        {
            let _ = shutdown;
            // SAFETY: prctl with PR_SET_PDEATHSIG takes a signal number and touches no memory.
            let rc = unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) };
            if rc != 0 {
                tracing::warn!(
                    error = %std::io::Error::last_os_error(),
                    "cannot ask to be told of Terraform's death"
                );
            }
        }
        #[cfg(not(target_os = "linux"))]
        let shutdown = shutdown.clone();
        #[cfg(not(target_os = "linux"))]
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                if std::os::unix::process::parent_id() != parent {
                    let _ = shutdown.try_send(());
                    return;
                }
            }
        });
        ParentWatch { parent }
    }

    fn parent_gone(&self) -> bool {
        std::os::unix::process::parent_id() != self.parent
    }
}

/// Ctrl-C reaches the whole process group; Terraform then calls `StopProvider` itself, so the
/// plugin must not die of it (Go plugins ignore it the same way).
fn ignore_sigint() {
    if let Ok(mut sigint) =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
    {
        tokio::spawn(async move { while sigint.recv().await.is_some() {} });
    }
}

async fn accept_loop(
    listener: UnixListener,
    tls: Option<TlsAcceptor>,
    conns: mpsc::Sender<std::io::Result<Conn>>,
) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                tracing::warn!(error = %e, "accepting a plugin connection failed");
                continue;
            }
        };
        let conns = conns.clone();
        match &tls {
            None => {
                if conns.send(Ok(Conn::Plain(stream))).await.is_err() {
                    return;
                }
            }
            // The TLS handshake runs in its own task so a stalled client blocks nobody.
            Some(acceptor) => {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    match acceptor.accept(stream).await {
                        Ok(tls) => {
                            let _ = conns.send(Ok(Conn::Tls(Box::new(tls)))).await;
                        }
                        Err(e) => tracing::warn!(error = %e, "TLS handshake with Terraform failed"),
                    }
                });
            }
        }
    }
}

/// A connection from Terraform, with or without TLS.
pub enum Conn {
    Plain(UnixStream),
    Tls(Box<TlsStream<UnixStream>>),
}

impl tonic::transport::server::Connected for Conn {
    type ConnectInfo = ();

    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Conn::Plain(s) => s.is_write_vectored(),
            Conn::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_flush(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_finds_protocol_six_in_any_order() {
        assert_eq!(negotiate(Some("5,6")).unwrap(), 6);
        assert_eq!(negotiate(Some("6,5")).unwrap(), 6);
        assert_eq!(negotiate(None).unwrap(), 6);
        assert!(matches!(
            negotiate(Some("4,5")),
            Err(ServeError::NoCommonProtocol(_))
        ));
    }

    #[test]
    fn handshake_line_has_six_fields_and_unpadded_cert() {
        let line = handshake_line(Path::new("/tmp/x/provider.sock"), Some(&[1, 2, 3, 4]));
        assert_eq!(line, "1|6|unix|/tmp/x/provider.sock|grpc|AQIDBA");
        let plain = handshake_line(Path::new("/tmp/s"), None);
        assert_eq!(plain.split('|').count(), 6);
        assert!(plain.ends_with("|grpc|"));
    }

    #[test]
    fn reattach_value_names_the_provider() {
        let v: serde_json::Value = serde_json::from_str(&reattach_value(
            "registry.terraform.io/qualys-tf/qualys",
            Path::new("/tmp/p.sock"),
        ))
        .unwrap();
        let p = &v["registry.terraform.io/qualys-tf/qualys"];
        assert_eq!(p["ProtocolVersion"], 6);
        assert_eq!(p["Test"], true);
        assert_eq!(p["Addr"]["String"], "/tmp/p.sock");
    }
}
