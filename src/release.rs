//! Release artifacts in the layout the Terraform Registry and provider mirrors read (what
//! goreleaser makes for Go providers): per platform a zip holding the executable
//! `terraform-provider-qualys_v<version>`, one `SHA256SUMS` over every zip of the version and
//! the manifest, and the manifest saying which plugin protocol the provider speaks.
//!
//! Packaging is file work only, so it is tested here; `cargo xtask release` builds the binary
//! and calls [`package`].

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, System, ZipWriter};

/// The provider's version, as released.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The plugin protocol versions the manifest declares: the provider speaks tfplugin6 only.
pub const PROTOCOL_VERSIONS: &[&str] = &["6.0"];

const NAME: &str = "terraform-provider-qualys";

/// The files one [`package`] call wrote or rewrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifacts {
    pub zip: PathBuf,
    pub sha256sums: PathBuf,
    pub manifest: PathBuf,
}

/// An operating system and architecture in Terraform's words (`linux`, `amd64`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Platform {
    pub os: &'static str,
    pub arch: &'static str,
}

impl Platform {
    /// Terraform's names for Rust's `std::env::consts::{OS, ARCH}` values.
    pub fn from_rust(os: &str, arch: &str) -> Result<Platform, ReleaseError> {
        let terraform_os = match os {
            "linux" => Some("linux"),
            "macos" => Some("darwin"),
            "windows" => Some("windows"),
            "freebsd" => Some("freebsd"),
            _ => None,
        };
        let terraform_arch = match arch {
            "x86_64" => Some("amd64"),
            "aarch64" => Some("arm64"),
            "x86" => Some("386"),
            "arm" => Some("arm"),
            _ => None,
        };
        match (terraform_os, terraform_arch) {
            (Some(os), Some(arch)) => Ok(Platform { os, arch }),
            _ => Err(ReleaseError::UnsupportedPlatform {
                os: os.to_string(),
                arch: arch.to_string(),
            }),
        }
    }

    /// The platform this program was built for.
    pub fn host() -> Result<Platform, ReleaseError> {
        Platform::from_rust(std::env::consts::OS, std::env::consts::ARCH)
    }
}

/// Why packaging failed.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    #[error(
        "{0:?} is not a release version: Terraform wants MAJOR.MINOR.PATCH, optionally \
         followed by -PRERELEASE"
    )]
    Version(String),

    #[error("{what} {value:?} is not a Terraform platform name (lowercase, like linux or amd64)")]
    PlatformName { what: &'static str, value: String },

    #[error("Terraform has no platform name for Rust's {os}/{arch}")]
    UnsupportedPlatform { os: String, arch: String },

    #[error("{} is not a file", .0.display())]
    NotAFile(PathBuf),

    #[error("{action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("writing the zip {}: {source}", path.display())]
    Zip {
        path: PathBuf,
        #[source]
        source: zip::result::ZipError,
    },
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> ReleaseError {
    let path = path.to_path_buf();
    move |source| ReleaseError::Io {
        action,
        path,
        source,
    }
}

/// `terraform-provider-qualys_<version>_<os>_<arch>.zip`
pub fn zip_name(version: &str, os: &str, arch: &str) -> String {
    format!("{NAME}_{version}_{os}_{arch}.zip")
}

/// The executable inside the zip: Terraform runs the file whose name starts with
/// `terraform-provider-qualys` in the unpacked package.
pub fn executable_name(version: &str, os: &str) -> String {
    let suffix = if os == "windows" { ".exe" } else { "" };
    format!("{NAME}_v{version}{suffix}")
}

/// `terraform-provider-qualys_<version>_SHA256SUMS`
pub fn sha256sums_name(version: &str) -> String {
    format!("{NAME}_{version}_SHA256SUMS")
}

/// `terraform-provider-qualys_<version>_manifest.json`
pub fn manifest_name(version: &str) -> String {
    format!("{NAME}_{version}_manifest.json")
}

/// The registry manifest: format version 1 and the plugin protocol versions served.
pub fn manifest_json() -> String {
    let protocols = PROTOCOL_VERSIONS
        .iter()
        .map(|v| format!("\"{v}\""))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "{{\n  \"version\": 1,\n  \"metadata\": {{\n    \"protocol_versions\": [{protocols}]\n  }}\n}}\n"
    )
}

/// The SHA-256 of a file, lowercase hex.
pub fn sha256_file(path: &Path) -> Result<String, ReleaseError> {
    let mut file = File::open(path).map_err(io_error("reading", path))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf).map_err(io_error("reading", path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    let mut hex = String::with_capacity(64);
    for byte in hasher.finalize() {
        // Writing to a String cannot fail.
        let _ = write!(hex, "{byte:02x}");
    }
    Ok(hex)
}

/// Semantic version without build metadata: what the registry and `version = "..."`
/// constraints accept.
fn validate_version(version: &str) -> Result<(), ReleaseError> {
    let (core, pre) = match version.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (version, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    let core_ok = parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
        });
    let pre_ok = pre.is_none_or(|pre| {
        pre.split('.')
            .all(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    });
    if core_ok && pre_ok {
        Ok(())
    } else {
        Err(ReleaseError::Version(version.to_string()))
    }
}

fn validate_platform_name(what: &'static str, value: &str) -> Result<(), ReleaseError> {
    let ok = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(ReleaseError::PlatformName {
            what,
            value: value.to_string(),
        })
    }
}

/// Packages `binary` for `os`/`arch` (Terraform's names) into `out_dir`: writes the zip and
/// the manifest, then rewrites `SHA256SUMS` over every zip of `version` in `out_dir` and the
/// manifest, so packaging each platform into one directory yields one checksum file for all.
pub fn package(
    binary: &Path,
    version: &str,
    os: &str,
    arch: &str,
    out_dir: &Path,
) -> Result<Artifacts, ReleaseError> {
    validate_version(version)?;
    validate_platform_name("os", os)?;
    validate_platform_name("arch", arch)?;
    let binary_meta = fs::metadata(binary).map_err(io_error("reading", binary))?;
    if !binary_meta.is_file() {
        return Err(ReleaseError::NotAFile(binary.to_path_buf()));
    }
    fs::create_dir_all(out_dir).map_err(io_error("creating", out_dir))?;

    let zip = out_dir.join(zip_name(version, os, arch));
    write_zip(binary, &executable_name(version, os), &zip)?;

    let manifest = out_dir.join(manifest_name(version));
    fs::write(&manifest, manifest_json()).map_err(io_error("writing", &manifest))?;

    let sha256sums = out_dir.join(sha256sums_name(version));
    write_sha256sums(version, out_dir, &sha256sums)?;

    Ok(Artifacts {
        zip,
        sha256sums,
        manifest,
    })
}

/// One deflated entry, mode 0755, with a fixed timestamp and creator system so the same
/// binary always gives the same zip (and so the same `zh:` hash in lock files).
fn write_zip(binary: &Path, entry_name: &str, zip_path: &Path) -> Result<(), ReleaseError> {
    let zip_error = |source| ReleaseError::Zip {
        path: zip_path.to_path_buf(),
        source,
    };
    let mut input = File::open(binary).map_err(io_error("reading", binary))?;
    let output = File::create(zip_path).map_err(io_error("creating", zip_path))?;
    let mut writer = ZipWriter::new(output);
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .system(System::Unix)
        .unix_permissions(0o755)
        .last_modified_time(DateTime::default());
    writer.start_file(entry_name, options).map_err(zip_error)?;
    // A loop rather than io::copy, so an error names the file that caused it.
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = input.read(&mut buf).map_err(io_error("reading", binary))?;
        if n == 0 {
            break;
        }
        writer
            .write_all(&buf[..n])
            .map_err(io_error("writing", zip_path))?;
    }
    let mut file = writer.finish().map_err(zip_error)?;
    file.flush().map_err(io_error("writing", zip_path))?;
    Ok(())
}

/// `<sha256>  <name>` lines, sorted by name, as `shasum -a 256` prints and checks them.
fn write_sha256sums(version: &str, out_dir: &Path, path: &Path) -> Result<(), ReleaseError> {
    let zip_prefix = format!("{NAME}_{version}_");
    let manifest = manifest_name(version);
    let mut names = Vec::new();
    for entry in fs::read_dir(out_dir).map_err(io_error("listing", out_dir))? {
        let entry = entry.map_err(io_error("listing", out_dir))?;
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            continue;
        };
        let is_zip = name
            .strip_prefix(&zip_prefix)
            .and_then(|rest| rest.strip_suffix(".zip"))
            .is_some_and(|platform| {
                platform
                    .split_once('_')
                    .is_some_and(|(os, arch)| !os.is_empty() && !arch.is_empty())
            });
        if is_zip || name == manifest {
            names.push(name);
        }
    }
    names.sort();
    let mut text = String::new();
    for name in names {
        let digest = sha256_file(&out_dir.join(&name))?;
        text.push_str(&format!("{digest}  {name}\n"));
    }
    fs::write(path, text).map_err(io_error("writing", path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_binary(dir: &Path, content: &[u8]) -> PathBuf {
        let path = dir.join("terraform-provider-qualys");
        fs::write(&path, content).expect("writing the fake binary");
        path
    }

    fn sums(path: &Path) -> Vec<(String, String)> {
        fs::read_to_string(path)
            .expect("reading SHA256SUMS")
            .lines()
            .map(|line| {
                let (digest, name) = line.split_once("  ").expect("two spaces between fields");
                (digest.to_string(), name.to_string())
            })
            .collect()
    }

    #[test]
    fn names_follow_the_registry_layout() {
        assert_eq!(
            zip_name("0.1.0", "linux", "amd64"),
            "terraform-provider-qualys_0.1.0_linux_amd64.zip"
        );
        assert_eq!(
            executable_name("0.1.0", "linux"),
            "terraform-provider-qualys_v0.1.0"
        );
        assert_eq!(
            executable_name("0.1.0", "windows"),
            "terraform-provider-qualys_v0.1.0.exe"
        );
        assert_eq!(
            sha256sums_name("0.1.0"),
            "terraform-provider-qualys_0.1.0_SHA256SUMS"
        );
        assert_eq!(
            manifest_name("0.1.0"),
            "terraform-provider-qualys_0.1.0_manifest.json"
        );
    }

    #[test]
    fn rust_platforms_map_to_terraform_names() {
        let cases = [
            ("linux", "x86_64", "linux", "amd64"),
            ("linux", "aarch64", "linux", "arm64"),
            ("macos", "aarch64", "darwin", "arm64"),
            ("macos", "x86_64", "darwin", "amd64"),
            ("windows", "x86_64", "windows", "amd64"),
        ];
        for (os, arch, tf_os, tf_arch) in cases {
            assert_eq!(
                Platform::from_rust(os, arch).expect("a supported platform"),
                Platform {
                    os: tf_os,
                    arch: tf_arch
                }
            );
        }
        assert!(matches!(
            Platform::from_rust("haiku", "x86_64"),
            Err(ReleaseError::UnsupportedPlatform { .. })
        ));
        assert!(matches!(
            Platform::from_rust("linux", "riscv64"),
            Err(ReleaseError::UnsupportedPlatform { .. })
        ));
        assert!(
            Platform::host().is_ok(),
            "the test host has Terraform names"
        );
    }

    #[test]
    fn manifest_declares_protocol_6() {
        let manifest: serde_json::Value =
            serde_json::from_str(&manifest_json()).expect("the manifest is JSON");
        assert_eq!(
            manifest,
            serde_json::json!({"version": 1, "metadata": {"protocol_versions": ["6.0"]}})
        );
    }

    #[test]
    fn zip_holds_the_executable_with_mode_0755() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let content = b"\x7fELF not really, but bytes all the same".repeat(1000);
        let binary = fake_binary(dir.path(), &content);
        let out = dir.path().join("dist");
        let artifacts = package(&binary, "1.2.3", "linux", "amd64", &out).expect("packaging works");
        assert_eq!(
            artifacts,
            Artifacts {
                zip: out.join("terraform-provider-qualys_1.2.3_linux_amd64.zip"),
                sha256sums: out.join("terraform-provider-qualys_1.2.3_SHA256SUMS"),
                manifest: out.join("terraform-provider-qualys_1.2.3_manifest.json"),
            }
        );

        let mut archive = zip::ZipArchive::new(File::open(&artifacts.zip).expect("the zip"))
            .expect("a readable zip");
        assert_eq!(archive.len(), 1);
        let mut entry = archive.by_index(0).expect("the only entry");
        assert_eq!(
            entry.name().expect("a UTF-8 name"),
            "terraform-provider-qualys_v1.2.3"
        );
        assert_eq!(entry.compression(), CompressionMethod::Deflated);
        assert!(entry.compressed_size() < entry.size(), "deflate compresses");
        assert_eq!(entry.unix_mode().map(|mode| mode & 0o777), Some(0o755));
        let mut unpacked = Vec::new();
        entry.read_to_end(&mut unpacked).expect("unpacking");
        assert_eq!(unpacked, content);

        assert_eq!(
            fs::read_to_string(&artifacts.manifest).expect("the manifest"),
            manifest_json()
        );
    }

    #[test]
    fn sha256sums_lists_the_zip_and_manifest_sorted_and_verifiable() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let binary = fake_binary(dir.path(), b"provider");
        let out = dir.path().join("dist");
        // An unrelated file and another version's zip stay out of the list.
        fs::create_dir_all(&out).expect("creating dist");
        fs::write(out.join("notes.txt"), "x").expect("writing");
        fs::write(
            out.join("terraform-provider-qualys_0.9.0_linux_amd64.zip"),
            "old",
        )
        .expect("writing");

        package(&binary, "0.1.0", "linux", "amd64", &out).expect("linux");
        let artifacts = package(&binary, "0.1.0", "darwin", "arm64", &out).expect("darwin");

        let listed = sums(&artifacts.sha256sums);
        let names: Vec<&str> = listed.iter().map(|(_, name)| name.as_str()).collect();
        assert_eq!(
            names,
            [
                "terraform-provider-qualys_0.1.0_darwin_arm64.zip",
                "terraform-provider-qualys_0.1.0_linux_amd64.zip",
                "terraform-provider-qualys_0.1.0_manifest.json",
            ]
        );
        for (digest, name) in &listed {
            assert_eq!(digest.len(), 64);
            assert_eq!(
                digest,
                &sha256_file(&out.join(name)).expect("hashing"),
                "{name}"
            );
        }
    }

    #[test]
    fn sha256_matches_a_known_vector() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("abc");
        fs::write(&path, "abc").expect("writing");
        assert_eq!(
            sha256_file(&path).expect("hashing"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn the_same_binary_packs_to_the_same_zip() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let binary = fake_binary(dir.path(), b"same bytes");
        let first =
            package(&binary, "0.1.0", "linux", "amd64", &dir.path().join("a")).expect("first");
        let second =
            package(&binary, "0.1.0", "linux", "amd64", &dir.path().join("b")).expect("second");
        assert_eq!(
            fs::read(&first.zip).expect("first zip"),
            fs::read(&second.zip).expect("second zip")
        );
        let mut archive =
            zip::ZipArchive::new(File::open(&first.zip).expect("the zip")).expect("a zip");
        let entry = archive.by_index(0).expect("the only entry");
        assert!(
            entry.last_modified() == Some(DateTime::default()),
            "a fixed timestamp, not the time of packaging"
        );
    }

    #[test]
    fn bad_inputs_are_refused_before_writing() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let binary = fake_binary(dir.path(), b"provider");
        let out = dir.path().join("dist");
        for version in [
            "v0.1.0",
            "0.1",
            "0.1.0.0",
            "01.0.0",
            "0.1.0-",
            "0.1.0+build",
            "",
        ] {
            assert!(
                matches!(
                    package(&binary, version, "linux", "amd64", &out),
                    Err(ReleaseError::Version(_))
                ),
                "{version:?}"
            );
        }
        for (os, arch) in [("Linux", "amd64"), ("linux", "../x"), ("", "amd64")] {
            assert!(
                matches!(
                    package(&binary, "0.1.0", os, arch, &out),
                    Err(ReleaseError::PlatformName { .. })
                ),
                "{os}/{arch}"
            );
        }
        assert!(!out.exists(), "nothing written for refused inputs");
        assert!(matches!(
            package(&dir.path().join("missing"), "0.1.0", "linux", "amd64", &out),
            Err(ReleaseError::Io { .. })
        ));
        assert!(matches!(
            package(dir.path(), "0.1.0", "linux", "amd64", &out),
            Err(ReleaseError::NotAFile(_))
        ));
        assert!(package(&binary, "1.0.0-rc.1", "linux", "amd64", &out).is_ok());
    }
}
