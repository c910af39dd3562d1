//! Release artifacts in the layout the Terraform Registry and provider mirrors read (what
//! goreleaser makes for Go providers): per platform a zip holding the executable
//! `terraform-provider-qualys_v<version>`, one `SHA256SUMS` over every zip of the version and
//! the manifest, and the manifest saying which plugin protocol the provider speaks.
//!
//! Packaging is file work only, so it is tested here; `cargo xtask release` builds the
//! binaries (or takes prebuilt ones), calls [`package`] and signs `SHA256SUMS`
//! ([`crate::sign`]).

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, System, ZipWriter};

use crate::platforms::Platform;

/// The provider's version, as released.
pub const VERSION: &str = tfqualys::VERSION;

/// The plugin protocol versions the manifest declares: the provider speaks tfplugin6 only.
pub const PROTOCOL_VERSIONS: &[&str] = &["6.0"];

const NAME: &str = "terraform-provider-qualys";

/// Why packaging failed.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    #[error(
        "{0:?} is not a release version: Terraform wants MAJOR.MINOR.PATCH, optionally \
         followed by -PRERELEASE"
    )]
    Version(String),

    #[error("no platform to package")]
    NothingToPackage,

    #[error("{0} is given twice")]
    DuplicatePlatform(String),

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

/// `terraform-provider-qualys_<version>_SHA256SUMS.sig`: the detached signature Terraform
/// checks against the registry's key.
pub fn signature_name(version: &str) -> String {
    format!("{NAME}_{version}_SHA256SUMS.sig")
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

/// The files of one release, as [`package`] wrote them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifacts {
    /// One zip per platform, in the order the binaries were given.
    pub zips: Vec<PathBuf>,
    pub manifest: PathBuf,
    pub sha256sums: PathBuf,
}

/// Packages one binary per platform into `out_dir`: a zip each, the manifest, and one
/// `SHA256SUMS` over exactly those. Files an earlier run left there for `version` are removed
/// first, so the directory holds one release and its checksums cover all of it.
pub fn package(
    binaries: &[(&Platform, PathBuf)],
    version: &str,
    out_dir: &Path,
) -> Result<Artifacts, ReleaseError> {
    validate_version(version)?;
    if binaries.is_empty() {
        return Err(ReleaseError::NothingToPackage);
    }
    for (i, (platform, binary)) in binaries.iter().enumerate() {
        if binaries[..i].iter().any(|(seen, _)| seen == platform) {
            return Err(ReleaseError::DuplicatePlatform(platform.name()));
        }
        let meta = fs::metadata(binary).map_err(io_error("reading", binary))?;
        if !meta.is_file() {
            return Err(ReleaseError::NotAFile(binary.clone()));
        }
    }
    fs::create_dir_all(out_dir).map_err(io_error("creating", out_dir))?;
    remove_earlier_release(version, out_dir)?;

    let mut zips = Vec::new();
    for (platform, binary) in binaries {
        let zip = out_dir.join(zip_name(version, platform.os, platform.arch));
        write_zip(binary, &executable_name(version, platform.os), &zip)?;
        zips.push(zip);
    }
    let manifest = out_dir.join(manifest_name(version));
    fs::write(&manifest, manifest_json()).map_err(io_error("writing", &manifest))?;

    let sha256sums = out_dir.join(sha256sums_name(version));
    let mut listed: Vec<&PathBuf> = zips.iter().chain([&manifest]).collect();
    listed.sort();
    let mut text = String::new();
    for path in listed {
        let digest = sha256_file(path)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        text.push_str(&format!("{digest}  {name}\n"));
    }
    fs::write(&sha256sums, text).map_err(io_error("writing", &sha256sums))?;

    Ok(Artifacts {
        zips,
        manifest,
        sha256sums,
    })
}

fn remove_earlier_release(version: &str, out_dir: &Path) -> Result<(), ReleaseError> {
    let prefix = format!("{NAME}_{version}_");
    for entry in fs::read_dir(out_dir).map_err(io_error("listing", out_dir))? {
        let entry = entry.map_err(io_error("listing", out_dir))?;
        let is_ours = entry
            .file_name()
            .to_str()
            .is_some_and(|name| name.starts_with(&prefix));
        if is_ours {
            let path = entry.path();
            fs::remove_file(&path).map_err(io_error("removing", &path))?;
        }
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_binary(dir: &Path, content: &[u8]) -> PathBuf {
        let path = dir.join("terraform-provider-qualys");
        fs::write(&path, content).expect("writing the fake binary");
        path
    }

    fn platform(name: &str) -> &'static Platform {
        Platform::by_name(name).expect("a release platform")
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
            signature_name("0.1.0"),
            "terraform-provider-qualys_0.1.0_SHA256SUMS.sig"
        );
        assert_eq!(
            manifest_name("0.1.0"),
            "terraform-provider-qualys_0.1.0_manifest.json"
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
        let artifacts = package(&[(platform("windows_arm64"), binary)], "1.2.3", &out)
            .expect("packaging works");
        assert_eq!(
            artifacts,
            Artifacts {
                zips: vec![out.join("terraform-provider-qualys_1.2.3_windows_arm64.zip")],
                manifest: out.join("terraform-provider-qualys_1.2.3_manifest.json"),
                sha256sums: out.join("terraform-provider-qualys_1.2.3_SHA256SUMS"),
            }
        );

        let mut archive = zip::ZipArchive::new(File::open(&artifacts.zips[0]).expect("the zip"))
            .expect("a readable zip");
        assert_eq!(archive.len(), 1);
        let mut entry = archive.by_index(0).expect("the only entry");
        assert_eq!(
            entry.name().expect("a UTF-8 name"),
            "terraform-provider-qualys_v1.2.3.exe"
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
    fn sha256sums_lists_this_release_sorted_and_verifiable() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let linux = fake_binary(dir.path(), b"linux provider");
        let darwin = dir.path().join("darwin-provider");
        fs::write(&darwin, "darwin provider").expect("writing");
        let out = dir.path().join("dist");
        // An unrelated file and another version's zip stay; a zip an earlier run of this
        // version left (a platform not packaged now) goes, so the checksums cover one release.
        fs::create_dir_all(&out).expect("creating dist");
        fs::write(out.join("notes.txt"), "x").expect("writing");
        let other_version = out.join("terraform-provider-qualys_0.9.0_linux_amd64.zip");
        fs::write(&other_version, "old").expect("writing");
        let stale = out.join("terraform-provider-qualys_0.1.0_windows_amd64.zip");
        fs::write(&stale, "stale").expect("writing");

        let artifacts = package(
            &[
                (platform("linux_amd64"), linux),
                (platform("darwin_arm64"), darwin),
            ],
            "0.1.0",
            &out,
        )
        .expect("packaging");

        assert!(out.join("notes.txt").exists() && other_version.exists());
        assert!(!stale.exists(), "the earlier run's zip is removed");
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
        let linux = platform("linux_amd64");
        let first =
            package(&[(linux, binary.clone())], "0.1.0", &dir.path().join("a")).expect("first");
        let second = package(&[(linux, binary)], "0.1.0", &dir.path().join("b")).expect("second");
        assert_eq!(
            fs::read(&first.zips[0]).expect("first zip"),
            fs::read(&second.zips[0]).expect("second zip")
        );
        let mut archive =
            zip::ZipArchive::new(File::open(&first.zips[0]).expect("the zip")).expect("a zip");
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
        let linux = platform("linux_amd64");
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
                    package(&[(linux, binary.clone())], version, &out),
                    Err(ReleaseError::Version(_))
                ),
                "{version:?}"
            );
        }
        assert!(matches!(
            package(&[], "0.1.0", &out),
            Err(ReleaseError::NothingToPackage)
        ));
        assert!(matches!(
            package(&[(linux, binary.clone()), (linux, binary.clone())], "0.1.0", &out),
            Err(ReleaseError::DuplicatePlatform(name)) if name == "linux_amd64"
        ));
        assert!(matches!(
            package(&[(linux, dir.path().join("missing"))], "0.1.0", &out),
            Err(ReleaseError::Io { .. })
        ));
        assert!(matches!(
            package(&[(linux, dir.path().to_path_buf())], "0.1.0", &out),
            Err(ReleaseError::NotAFile(_))
        ));
        assert!(!out.exists(), "nothing written for refused inputs");
        assert!(package(&[(linux, binary)], "1.0.0-rc.1", &out).is_ok());
    }
}
