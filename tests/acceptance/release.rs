//! The signed release installs the way Terraform installs a registry provider (served over the
//! registry protocol on 127.0.0.1), refuses a tampered zip or foreign signature, then applies.

use std::collections::HashMap;
use std::convert::Infallible;
use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};

use base64::Engine as _;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use sha2::{Digest, Sha256};
use xtask::platforms::Platform;
use xtask::release;
use xtask::sign::Signer;

use crate::support::sim::SimFixture;
use crate::support::terraform::{NEWEST, OLDEST, Workdir, provider_binary, terraform_version};

const NAMESPACE: &str = "qualys-tf";

const TYPE: &str = "qualys";

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Terraform's `h1:` package hash (its dirhash "Hash1"): the SHA-256 of the sorted
/// `<sha256 hex>  <name>\n` lines of the package's files, base64.
fn h1_hash(zip_path: &Path) -> String {
    let mut archive = zip::ZipArchive::new(File::open(zip_path).expect("opening the zip"))
        .expect("reading the zip");
    let mut lines = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).expect("a zip entry");
        let name = entry.name().expect("a UTF-8 entry name").into_owned();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).expect("unpacking");
        lines.push(format!("{}  {name}\n", sha256_hex(&content)));
    }
    lines.sort();
    let summary = Sha256::digest(lines.concat().as_bytes());
    format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(summary)
    )
}

/// The quoted strings of the `hashes = [...]` list in a lock file, sorted.
fn locked_hashes(lock_file: &str) -> Vec<String> {
    let Some((_, rest)) = lock_file.split_once("hashes = [") else {
        return Vec::new();
    };
    let list = rest.split_once(']').map_or(rest, |(list, _)| list);
    let mut hashes: Vec<String> = list
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    hashes.sort();
    hashes
}

fn gpg(home: &Path, args: &[&str]) -> String {
    let out = Command::new("gpg")
        .arg("--batch")
        .args(args)
        .env("GNUPGHOME", home)
        .output()
        .expect("running gpg");
    assert!(
        out.status.success(),
        "gpg {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A throwaway RSA key (Terraform 1.0.3's OpenPGP reads RSA; newer key types it may not).
struct Key {
    fingerprint: String,
    armor: String,
}

impl Key {
    fn generate(home: &Path, uid: &str) -> Key {
        gpg(
            home,
            &[
                "--passphrase",
                "",
                "--quick-gen-key",
                uid,
                "rsa3072",
                "sign",
                "never",
            ],
        );
        let listing = gpg(home, &["--with-colons", "--list-keys", uid]);
        let fingerprint = listing
            .lines()
            .find_map(|line| line.strip_prefix("fpr:"))
            .and_then(|rest| rest.split(':').nth(8))
            .expect("the new key's fingerprint")
            .to_string();
        let armor = gpg(home, &["--armor", "--export", &fingerprint]);
        Key { fingerprint, armor }
    }

    /// The long key ID, as Terraform prints it.
    fn id(&self) -> &str {
        &self.fingerprint[self.fingerprint.len() - 16..]
    }
}

/// The release, packaged and signed once for every test of this file.
struct SignedRelease {
    _dir: tempfile::TempDir,
    platform: &'static Platform,
    zip: PathBuf,
    sha256sums: PathBuf,
    signature: PathBuf,
    /// SHA256SUMS signed by another key than the one the registry serves.
    other_signature: PathBuf,
    key: Key,
}

impl SignedRelease {
    fn get() -> &'static SignedRelease {
        static RELEASE: OnceLock<SignedRelease> = OnceLock::new();
        RELEASE.get_or_init(SignedRelease::make)
    }

    fn make() -> SignedRelease {
        let dir = tempfile::Builder::new()
            .prefix("rel")
            .tempdir()
            .expect("a temp dir");
        let home = dir.path().join("gnupg");
        fs::create_dir(&home).expect("creating GNUPGHOME");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            fs::set_permissions(&home, fs::Permissions::from_mode(0o700)).expect("chmod");
        }
        let key = Key::generate(&home, "qualys release test <release@example.invalid>");
        let other = Key::generate(&home, "someone else <other@example.invalid>");

        let platform = Platform::host().expect("the test host is a release platform");
        let dist = dir.path().join("dist");
        let artifacts = release::package(&[(platform, provider_binary())], release::VERSION, &dist)
            .expect("packaging the provider");
        let signature = Signer::with_keyring(&home, &key.fingerprint)
            .sign(&artifacts.sha256sums)
            .expect("signing SHA256SUMS");
        assert_eq!(
            signature,
            dist.join(release::signature_name(release::VERSION))
        );
        let forged_dir = dir.path().join("forged");
        fs::create_dir(&forged_dir).expect("mkdir");
        let forged_sums = forged_dir.join(release::sha256sums_name(release::VERSION));
        fs::copy(&artifacts.sha256sums, &forged_sums).expect("copying SHA256SUMS");
        let other_signature = Signer::with_keyring(&home, &other.fingerprint)
            .sign(&forged_sums)
            .expect("signing with the other key");
        let _ = Command::new("gpgconf")
            .args(["--kill", "gpg-agent"])
            .env("GNUPGHOME", &home)
            .status();

        // SHA256SUMS agrees with the files, hashed here independently of xtask.
        let zip = artifacts.zips[0].clone();
        let sums = fs::read_to_string(&artifacts.sha256sums).expect("reading SHA256SUMS");
        assert_eq!(
            sums,
            format!(
                "{}  {}\n{}  {}\n",
                sha256_hex(&fs::read(&zip).expect("the zip")),
                release::zip_name(release::VERSION, platform.os, platform.arch),
                sha256_hex(&fs::read(&artifacts.manifest).expect("the manifest")),
                release::manifest_name(release::VERSION)
            )
        );
        SignedRelease {
            _dir: dir,
            platform,
            zip,
            sha256sums: artifacts.sha256sums,
            signature,
            other_signature,
            key,
        }
    }
}

/// What the registry serves, beyond the genuine release.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Serve {
    Genuine,
    /// A zip whose bytes differ, with the download document's `shasum` changed to match it:
    /// only the signed SHA256SUMS can catch it.
    TamperedZip,
    /// SHA256SUMS.sig made by a key other than the one the download document names.
    ForeignSignature,
}

/// A provider registry on 127.0.0.1 over HTTPS: `path -> body`, and every path asked for.
struct Registry {
    /// Taken on drop, to stop the server without waiting for idle connections.
    runtime: Option<tokio::runtime::Runtime>,
    host: String,
    cert_file: PathBuf,
    _cert_dir: tempfile::TempDir,
    routes: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Registry {
    fn start() -> Registry {
        let certified = rcgen::generate_simple_self_signed(vec![
            "localhost".to_string(),
            "127.0.0.1".to_string(),
        ])
        .expect("a self-signed certificate");
        let cert_dir = tempfile::tempdir().expect("a temp dir");
        let cert_file = cert_dir.path().join("registry.pem");
        fs::write(&cert_file, certified.cert.pem()).expect("writing the certificate");
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(
            rustls::pki_types::PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der()),
        );
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(vec![certified.cert.der().clone()], key)
            .expect("a TLS server config");
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));

        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime for the registry");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("binding the registry");
        let port = listener.local_addr().expect("its address").port();
        let routes: Arc<Mutex<HashMap<String, Vec<u8>>>> = Arc::default();
        let requests: Arc<Mutex<Vec<String>>> = Arc::default();
        let (served, asked) = (routes.clone(), requests.clone());
        runtime.spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, served, asked) = (acceptor.clone(), served.clone(), asked.clone());
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let service = hyper::service::service_fn(move |request: Request<_>| {
                        let path = request.uri().path().to_string();
                        asked.lock().expect("the request log").push(path.clone());
                        let body = served.lock().expect("the routes").get(&path).cloned();
                        async move {
                            let response = match body {
                                Some(body) => {
                                    // Terraform's discovery refuses a document without this.
                                    let content_type = if path.starts_with("/files/") {
                                        "application/octet-stream"
                                    } else {
                                        "application/json"
                                    };
                                    Response::builder()
                                        .header("content-type", content_type)
                                        .body(Full::new(Bytes::from(body)))
                                        .expect("a response")
                                }
                                None => Response::builder()
                                    .status(StatusCode::NOT_FOUND)
                                    .body(Full::new(Bytes::from_static(b"not found")))
                                    .expect("a 404"),
                            };
                            Ok::<_, Infallible>(response)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        Registry {
            runtime: Some(runtime),
            host: format!("localhost:{port}"),
            cert_file,
            _cert_dir: cert_dir,
            routes,
            requests,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("https://{}{path}", self.host)
    }

    /// Serves `release` over the provider registry protocol, as `how` says; returns the
    /// SHA-256 of the zip served.
    fn serve(&self, release: &SignedRelease, how: Serve) -> String {
        let version = release::VERSION;
        let (os, arch) = (release.platform.os, release.platform.arch);
        let zip_name = release::zip_name(version, os, arch);
        let mut zip = fs::read(&release.zip).expect("the zip");
        if how == Serve::TamperedZip {
            // One flipped byte of the compressed data: another file under the signed name.
            let at = zip.len() / 2;
            zip[at] ^= 0x01;
        }
        let signature = match how {
            Serve::ForeignSignature => &release.other_signature,
            _ => &release.signature,
        };
        let served_sha256 = sha256_hex(&zip);
        let prefix = format!("/v1/providers/{NAMESPACE}/{TYPE}");
        let download = serde_json::json!({
            "protocols": ["6.0"],
            "os": os,
            "arch": arch,
            "filename": zip_name,
            "download_url": self.url(&format!("/files/{zip_name}")),
            "shasums_url": self.url(&format!("/files/{}", release::sha256sums_name(version))),
            "shasums_signature_url":
                self.url(&format!("/files/{}", release::signature_name(version))),
            "shasum": served_sha256,
            "signing_keys": {
                "gpg_public_keys": [{
                    "key_id": release.key.id(),
                    "ascii_armor": release.key.armor,
                    "trust_signature": "",
                    "source": "qualys release test",
                    "source_url": null,
                }],
            },
        });
        let versions = serde_json::json!({
            "versions": [{
                "version": version,
                "protocols": ["6.0"],
                "platforms": [{"os": os, "arch": arch}],
            }],
        });
        let mut routes = self.routes.lock().expect("the routes");
        routes.clear();
        routes.insert(
            "/.well-known/terraform.json".to_string(),
            br#"{"providers.v1":"/v1/providers/"}"#.to_vec(),
        );
        routes.insert(
            format!("{prefix}/versions"),
            versions.to_string().into_bytes(),
        );
        routes.insert(
            format!("{prefix}/{version}/download/{os}/{arch}"),
            download.to_string().into_bytes(),
        );
        routes.insert(format!("/files/{zip_name}"), zip);
        routes.insert(
            format!("/files/{}", release::sha256sums_name(version)),
            fs::read(&release.sha256sums).expect("SHA256SUMS"),
        );
        routes.insert(
            format!("/files/{}", release::signature_name(version)),
            fs::read(signature).expect("the signature"),
        );
        self.requests.lock().expect("the request log").clear();
        served_sha256
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("the request log").clone()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        // Outstanding connections are Terraform's, long gone by now.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// A working directory whose `terraform init` installs from `registry`: direct installation
/// only (no mirrors, no cache), the registry's certificate trusted.
fn workdir(terraform: &Path, registry: &Registry, sim_url: &str) -> Workdir {
    let version = release::VERSION;
    let main_tf = format!(
        r#"
terraform {{
  required_providers {{
    qualys = {{ source = "{host}/{NAMESPACE}/{TYPE}", version = "{version}" }}
  }}
}}

provider "qualys" {{
  api_url  = "{sim_url}"
  username = "demo"
  password = "demo"
}}

resource "qualys_aws_connector" "released" {{
  name        = "from-the-registry"
  arn         = "arn:aws:iam::123456789012:role/QualysConnector"
  external_id = "release-test"
}}
"#,
        host = registry.host
    );
    let cli_config = "provider_installation {\n  direct {}\n}\n";
    Workdir::with_cli_config(&main_tf, cli_config)
        .terraform(terraform.to_path_buf())
        .env("SSL_CERT_FILE", &registry.cert_file.display().to_string())
}

fn installs_from_the_registry_and_applies(terraform_release: &str) {
    let terraform = terraform_version(terraform_release);
    let release = SignedRelease::get();
    let registry = Registry::start();
    let sim = SimFixture::start();
    let version = release::VERSION;
    let address = format!("{}/{NAMESPACE}/{TYPE}", registry.host);
    let installed_dir = |wd: &Workdir| {
        wd.path()
            .join(".terraform/providers")
            .join(&address)
            .join(version)
            .join(release.platform.name())
    };

    // A zip that is not the signed one: Terraform refuses it, and installs nothing.
    let tampered_sha256 = registry.serve(release, Serve::TamperedZip);
    let wd = workdir(&terraform, &registry, &sim.url);
    let init = wd.run(&["init", "-input=false"]);
    let genuine_sha256 = sha256_hex(&fs::read(&release.zip).expect("the zip"));
    assert!(
        !init.success()
            && init.flat().contains(&format!(
                "checksum list has unexpected SHA-256 hash {genuine_sha256} (expected {tampered_sha256})"
            )),
        "terraform {terraform_release} init accepted a tampered zip:\n{}",
        init.text()
    );
    assert!(!installed_dir(&wd).exists(), "nothing installed");

    // A signature by a key other than the registry's: refused likewise.
    registry.serve(release, Serve::ForeignSignature);
    let wd = workdir(&terraform, &registry, &sim.url);
    let init = wd.run(&["init", "-input=false"]);
    assert!(
        !init.success()
            && init
                .flat()
                .contains("authentication signature from unknown issuer"),
        "terraform {terraform_release} init accepted a foreign signature:\n{}",
        init.text()
    );
    assert!(!installed_dir(&wd).exists(), "nothing installed");

    // The genuine release installs, authenticated by the served key.
    registry.serve(release, Serve::Genuine);
    let wd = workdir(&terraform, &registry, &sim.url);
    let init = wd.ok(&["init", "-input=false"]);
    assert!(
        init.flat().contains(&format!(
            "Installed {address} v{version} (self-signed, key ID {})",
            release.key.id()
        )),
        "terraform {terraform_release} init installed the signed release:\n{}",
        init.text()
    );
    let asked = registry.requests();
    for path in [
        "/.well-known/terraform.json".to_string(),
        format!("/v1/providers/{NAMESPACE}/{TYPE}/versions"),
        format!(
            "/v1/providers/{NAMESPACE}/{TYPE}/{version}/download/{}/{}",
            release.platform.os, release.platform.arch
        ),
        format!(
            "/files/{}",
            release::zip_name(version, release.platform.os, release.platform.arch)
        ),
        format!("/files/{}", release::sha256sums_name(version)),
        format!("/files/{}", release::signature_name(version)),
    ] {
        assert!(
            asked.contains(&path),
            "terraform {terraform_release} init asked for {path}: {asked:#?}"
        );
    }
    let executable =
        installed_dir(&wd).join(release::executable_name(version, release.platform.os));
    assert!(
        fs::read(&executable).expect("the installed executable")
            == fs::read(provider_binary()).expect("the provider binary"),
        "{} is the packaged binary",
        executable.display()
    );

    // The lock file records the package's h1: hash and, from the signed SHA256SUMS, its zh:.
    let lock = fs::read_to_string(wd.path().join(".terraform.lock.hcl")).expect("the lock file");
    assert!(
        lock.contains(&format!("provider \"{address}\""))
            && lock.contains(&format!("version     = \"{version}\"")),
        "the lock file selects {version}:\n{lock}"
    );
    // Terraform takes a zh: for every file the signed SHA256SUMS lists (the manifest too).
    let sums = fs::read_to_string(&release.sha256sums).expect("SHA256SUMS");
    let mut expected: Vec<String> = sums
        .lines()
        .filter_map(|line| line.split_once("  "))
        .map(|(digest, _)| format!("zh:{digest}"))
        .chain([h1_hash(&release.zip)])
        .collect();
    expected.sort();
    let zip_zh = format!(
        "zh:{}",
        sha256_hex(&fs::read(&release.zip).expect("the zip"))
    );
    assert!(expected.contains(&zip_zh), "{expected:?}");
    assert_eq!(locked_hashes(&lock), expected, "lock file:\n{lock}");

    wd.apply();
    let connectors = sim.connectors();
    assert_eq!(connectors.len(), 1, "{connectors:#?}");
    assert_eq!(connectors[0]["name"], "from-the-registry");
    assert_eq!(connectors[0]["externalId"], "release-test");
    wd.assert_empty_plan();
    wd.ok(&["destroy", "-auto-approve", "-input=false"]);
    assert_eq!(sim.connectors(), Vec::<serde_json::Value>::new());
}

#[test]
fn signed_release_installs_through_the_registry_protocol_on_terraform_1_0_3() {
    installs_from_the_registry_and_applies(OLDEST);
}

#[test]
fn signed_release_installs_through_the_registry_protocol_on_terraform_1_15_5() {
    installs_from_the_registry_and_applies(NEWEST);
}
