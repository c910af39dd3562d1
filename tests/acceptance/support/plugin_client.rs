//! Plays Terraform's side of go-plugin against the provider binary: starts it with the magic
//! cookie and (optionally) an AutoMTLS client certificate, reads the handshake line, and
//! connects a gRPC client over the Unix socket. Shared by the protocol tests and the startup
//! benchmark.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use hyper_util::rt::TokioIo;
use rustls::pki_types::{PrivateKeyDer, ServerName};
use tfqualys::plugin::serve::{MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE};
use tfqualys::plugin::tls;
use tonic::transport::{Channel, Endpoint};

pub struct Handshake {
    pub fields: Vec<String>,
    pub socket: PathBuf,
    pub server_cert_der: Option<Vec<u8>>,
}

pub struct Plugin {
    pub child: Child,
    pub handshake: Handshake,
    /// Time from spawn to the handshake line.
    pub startup: Duration,
    client_key: Option<PrivateKeyDer<'static>>,
    client_cert_pem: Option<String>,
    _stdout: BufReader<ChildStdout>,
}

/// Parses `1|6|unix|<path>|grpc|<cert>`.
pub fn parse_handshake(line: &str) -> Handshake {
    let fields: Vec<String> = line.trim_end().split('|').map(str::to_string).collect();
    assert_eq!(
        fields.len(),
        6,
        "handshake line {line:?} must have six fields"
    );
    let server_cert_der = (!fields[5].is_empty()).then(|| {
        base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(&fields[5])
            .expect("the certificate field is unpadded standard base64")
    });
    Handshake {
        socket: PathBuf::from(&fields[3]),
        fields,
        server_cert_der,
    }
}

impl Plugin {
    /// Starts the provider as Terraform would, with TLS when `tls` is true.
    pub fn start(binary: &Path, tls: bool) -> Plugin {
        Plugin::start_command(Command::new(binary), tls)
    }

    /// Like `start`, with a command that runs the provider in the end (through `sh -c`, say);
    /// its first stdout line must be the provider's handshake.
    pub fn start_command(mut cmd: Command, tls: bool) -> Plugin {
        cmd.env(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)
            .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
            .env_remove("TF_DISABLE_PLUGIN_TLS")
            .env_remove("TF_LOG")
            .env_remove("TF_LOG_PROVIDER")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let (client_cert_pem, client_key) = if tls {
            let (pem, key) = tls::terraform_like_client_cert().expect("client certificate");
            cmd.env("PLUGIN_CLIENT_CERT", &pem);
            (Some(pem), Some(key))
        } else {
            cmd.env_remove("PLUGIN_CLIENT_CERT");
            (None, None)
        };
        let started = Instant::now();
        let mut child = cmd.spawn().expect("starting the provider");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = String::new();
        stdout
            .read_line(&mut line)
            .expect("reading the handshake line");
        let startup = started.elapsed();
        Plugin {
            child,
            handshake: parse_handshake(&line),
            startup,
            client_key,
            client_cert_pem,
            _stdout: stdout,
        }
    }

    /// A gRPC channel over the plugin's socket, with mutual TLS when the plugin was started so.
    pub async fn channel(&self) -> Channel {
        self.channel_result()
            .await
            .expect("connecting to the plugin socket")
    }

    pub async fn channel_result(&self) -> Result<Channel, tonic::transport::Error> {
        let socket = self.handshake.socket.clone();
        let tls = match (
            &self.handshake.server_cert_der,
            &self.client_cert_pem,
            &self.client_key,
        ) {
            (Some(server_der), Some(pem), Some(key)) => {
                use rustls::pki_types::pem::PemObject;
                let cert = rustls::pki_types::CertificateDer::from_pem_slice(pem.as_bytes())
                    .expect("client cert PEM");
                let config = tls::client_config(cert, key.clone_key(), server_der)
                    .expect("client TLS config");
                Some(tokio_rustls::TlsConnector::from(Arc::new(config)))
            }
            _ => None,
        };
        Endpoint::from_static("http://localhost")
            .connect_with_connector(tower::service_fn(move |_| {
                let socket = socket.clone();
                let tls = tls.clone();
                async move {
                    let stream = tokio::net::UnixStream::connect(&socket).await?;
                    Ok::<_, std::io::Error>(TokioIo::new(match tls {
                        Some(connector) => {
                            let name = ServerName::try_from("localhost").expect("server name");
                            Either::Tls(Box::new(connector.connect(name, stream).await?))
                        }
                        None => Either::Plain(stream),
                    }))
                }
            }))
            .await
    }

    /// Waits for the process to exit, at most `limit`.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("polling the provider") {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        None
    }
}

impl Drop for Plugin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A client connection with or without TLS.
pub enum Either {
    Plain(tokio::net::UnixStream),
    Tls(Box<tokio_rustls::client::TlsStream<tokio::net::UnixStream>>),
}

impl tokio::io::AsyncRead for Either {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match self.get_mut() {
            Either::Plain(s) => std::pin::Pin::new(s).poll_read(cx, buf),
            Either::Tls(s) => std::pin::Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl tokio::io::AsyncWrite for Either {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Either::Plain(s) => std::pin::Pin::new(s).poll_write(cx, buf),
            Either::Tls(s) => std::pin::Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match self.get_mut() {
            Either::Plain(s) => std::pin::Pin::new(s).poll_flush(cx),
            Either::Tls(s) => std::pin::Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match self.get_mut() {
            Either::Plain(s) => std::pin::Pin::new(s).poll_shutdown(cx),
            Either::Tls(s) => std::pin::Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}
