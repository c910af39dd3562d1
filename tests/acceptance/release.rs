//! Issue 6: the release zip installs the way Terraform installs providers. The provider built
//! for this test run is packaged with `tfqualys::release`, laid out as a filesystem mirror, and
//! installed by the real `terraform init` (no dev overrides, no network), then applied against
//! qualys-sim.

use std::fs::{self, File};
use std::io::Read;
use std::path::Path;

use base64::Engine as _;
use sha2::{Digest, Sha256};
use tfqualys::release::{self, Platform};

use crate::support::sim::SimFixture;
use crate::support::terraform::{PROVIDER_ADDRESS, Workdir, provider_binary};

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

/// The quoted strings of the `hashes = [...]` list in a lock file.
fn locked_hashes(lock_file: &str) -> Vec<String> {
    let Some((_, rest)) = lock_file.split_once("hashes = [") else {
        return Vec::new();
    };
    let list = rest.split_once(']').map_or(rest, |(list, _)| list);
    list.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

#[test]
fn release_zip_installs_from_a_filesystem_mirror_and_applies() {
    let version = release::VERSION;
    let platform = Platform::host().expect("the test host has a Terraform platform name");
    let tmp = tempfile::tempdir().expect("a temp dir");
    let artifacts = release::package(
        &provider_binary(),
        version,
        platform.os,
        platform.arch,
        &tmp.path().join("dist"),
    )
    .expect("packaging the provider");

    // SHA256SUMS agrees with the files, hashed here independently of the release module.
    let zip_bytes = fs::read(&artifacts.zip).expect("reading the zip");
    let zip_sha256 = sha256_hex(&zip_bytes);
    let sums = fs::read_to_string(&artifacts.sha256sums).expect("reading SHA256SUMS");
    let zip_name = release::zip_name(version, platform.os, platform.arch);
    let manifest_sha256 = sha256_hex(&fs::read(&artifacts.manifest).expect("the manifest"));
    assert_eq!(
        sums,
        format!(
            "{zip_sha256}  {zip_name}\n{manifest_sha256}  {}\n",
            release::manifest_name(version)
        )
    );

    // The packed mirror layout: <mirror>/<hostname>/<namespace>/<type>/<the release zip>.
    let mirror = tmp.path().join("mirror");
    let package_dir = mirror.join(PROVIDER_ADDRESS);
    fs::create_dir_all(&package_dir).expect("creating the mirror");
    fs::copy(&artifacts.zip, package_dir.join(&zip_name)).expect("filling the mirror");
    let cli_config = format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"{PROVIDER_ADDRESS}\"]\n  }}\n}}\n",
        mirror.display()
    );

    let sim = SimFixture::start();
    let main_tf = format!(
        r#"
terraform {{
  required_providers {{
    qualys = {{ source = "qualys-tf/qualys", version = "{version}" }}
  }}
}}

provider "qualys" {{
  api_url  = "{url}"
  username = "demo"
  password = "demo"
}}

resource "qualys_aws_connector" "released" {{
  name        = "from-the-release-zip"
  arn         = "arn:aws:iam::123456789012:role/QualysConnector"
  external_id = "release-test"
}}
"#,
        url = sim.url
    );
    let wd = Workdir::with_cli_config(&main_tf, &cli_config);

    let init = wd.ok(&["init", "-input=false"]);
    assert!(
        init.flat()
            .contains(&format!("Installed qualys-tf/qualys v{version}")),
        "init installed the release:\n{}",
        init.text()
    );
    // From the zip itself, with the mirror as the only installation method: nothing else
    // (and no registry on the network) was asked.
    assert!(
        init.log.contains(&format!(
            "installing {PROVIDER_ADDRESS} v{version} from {}",
            package_dir.join(&zip_name).display()
        )),
        "terraform init's log names the mirror's zip:\n{}",
        init.log
    );
    let methods: Vec<&str> = init
        .log
        .lines()
        .filter(|line| line.contains("Selected provider installation method"))
        .collect();
    assert!(
        !methods.is_empty()
            && methods
                .iter()
                .all(|line| line.contains("ProviderInstallationFilesystemMirror")),
        "terraform init used only the mirror: {methods:#?}"
    );
    // Terraform unpacked the zip: the executable it will run is the binary we packaged.
    let installed = wd
        .path()
        .join(".terraform/providers")
        .join(PROVIDER_ADDRESS)
        .join(version)
        .join(format!("{}_{}", platform.os, platform.arch))
        .join(release::executable_name(version, platform.os));
    assert!(
        fs::read(&installed).expect("the installed executable")
            == fs::read(provider_binary()).expect("the provider binary"),
        "{} is the packaged binary",
        installed.display()
    );

    // The lock file records the package's h1: hash, computed from the zip's contents.
    // Terraform 1.0.3 adds `zh:` hashes (the SHA256SUMS kind) only from a registry's signed
    // checksums, never for an unauthenticated mirror, so the zip's SHA-256 is checked above.
    let lock = fs::read_to_string(wd.path().join(".terraform.lock.hcl")).expect("the lock file");
    assert!(
        lock.contains(&format!("provider \"{PROVIDER_ADDRESS}\""))
            && lock.contains(&format!("version     = \"{version}\"")),
        "the lock file selects {version}:\n{lock}"
    );
    assert_eq!(
        locked_hashes(&lock),
        [h1_hash(&artifacts.zip)],
        "lock file:\n{lock}"
    );

    wd.apply();
    let connectors = sim.connectors();
    assert_eq!(connectors.len(), 1, "{connectors:#?}");
    assert_eq!(connectors[0]["name"], "from-the-release-zip");
    assert_eq!(connectors[0]["externalId"], "release-test");
    wd.assert_empty_plan();
    wd.ok(&["destroy", "-auto-approve", "-input=false"]);
    assert_eq!(sim.connectors(), Vec::<serde_json::Value>::new());
}
