//! Release builds of the provider binary, one per platform, with the machine's toolchain.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::platforms::Platform;

/// What the toolchain on this machine can build.
#[derive(Debug, Clone)]
pub struct Toolchain {
    host: String,
    known: Vec<String>,
    sysroot: PathBuf,
}

impl Toolchain {
    /// Asks `rustc` (as `RUSTC` names it, else the one on PATH) for its host, its targets and
    /// its sysroot.
    pub fn detect(root: &Path) -> Result<Toolchain, String> {
        let rustc = |args: &[&str]| -> Result<String, String> {
            let program = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
            let output = Command::new(&program)
                .current_dir(root)
                .args(args)
                .output()
                .map_err(|e| format!("running rustc {}: {e}", args.join(" ")))?;
            if !output.status.success() {
                return Err(format!(
                    "rustc {} failed ({})",
                    args.join(" "),
                    output.status
                ));
            }
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        };
        let host = rustc(&["-vV"])?
            .lines()
            .find_map(|line| line.strip_prefix("host: "))
            .map(str::to_string)
            .ok_or("rustc -vV named no host")?;
        let known = rustc(&["--print", "target-list"])?
            .lines()
            .map(str::to_string)
            .collect();
        let sysroot = PathBuf::from(rustc(&["--print", "sysroot"])?.trim());
        Ok(Toolchain {
            host,
            known,
            sysroot,
        })
    }

    /// `Err(why)` when this toolchain cannot build for `platform`.
    pub fn can_build(&self, platform: &Platform) -> Result<(), String> {
        if platform.target == self.host {
            return Ok(());
        }
        if !self.known.iter().any(|t| t == platform.target) {
            return Err(format!(
                "this rustc does not know the target {}",
                platform.target
            ));
        }
        // rustup installs a target's standard library under the sysroot; without it no crate
        // compiles for the target.
        let std_dir = self
            .sysroot
            .join("lib/rustlib")
            .join(platform.target)
            .join("lib");
        if !std_dir.is_dir() {
            return Err(format!(
                "the standard library for {} is not installed (`rustup target add {}`, and a \
                 linker for it); the release workflow builds it on the {} runner",
                platform.target, platform.target, platform.runner
            ));
        }
        Ok(())
    }

    /// `cargo build --release --locked` of the provider for `platform`; returns the executable
    /// as cargo reports it (so `CARGO_TARGET_DIR` is honoured). The host's build goes without
    /// `--target`, into the same `target/release` a plain release build uses.
    pub fn build(&self, root: &Path, platform: &Platform) -> Result<PathBuf, String> {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut command = Command::new(&cargo);
        command.current_dir(root).args([
            "build",
            "--release",
            "--locked",
            "-p",
            "terraform-provider-qualys",
            "--bin",
            "terraform-provider-qualys",
            "--message-format=json-render-diagnostics",
        ]);
        if platform.target != self.host {
            command.args(["--target", platform.target]);
        }
        let output = command
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("running cargo build: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "cargo build for {} failed ({})",
                platform.target, output.status
            ));
        }
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter(|message| {
                message["reason"] == "compiler-artifact"
                    && message["target"]["name"] == "terraform-provider-qualys"
            })
            .find_map(|message| message["executable"].as_str().map(PathBuf::from))
            .ok_or_else(|| "cargo build reported no terraform-provider-qualys executable".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toolchain(installed: &[&str]) -> (tempfile::TempDir, Toolchain) {
        let sysroot = tempfile::tempdir().expect("a temp dir");
        for target in installed {
            std::fs::create_dir_all(sysroot.path().join("lib/rustlib").join(target).join("lib"))
                .expect("mkdir");
        }
        let toolchain = Toolchain {
            host: "x86_64-unknown-linux-gnu".to_string(),
            known: ["x86_64-unknown-linux-gnu", "aarch64-apple-darwin"]
                .map(str::to_string)
                .to_vec(),
            sysroot: sysroot.path().to_path_buf(),
        };
        (sysroot, toolchain)
    }

    fn platform(name: &str) -> &'static Platform {
        Platform::by_name(name).expect("a release platform")
    }

    #[test]
    fn the_host_builds_and_other_targets_need_their_std() {
        let (_dir, without) = toolchain(&[]);
        assert_eq!(without.can_build(platform("linux_amd64")), Ok(()));
        let why = without
            .can_build(platform("darwin_arm64"))
            .expect_err("no std for darwin");
        assert!(
            why.contains("rustup target add aarch64-apple-darwin") && why.contains("macos-15"),
            "{why}"
        );
        let unknown = without
            .can_build(platform("windows_arm64"))
            .expect_err("unknown target");
        assert!(unknown.contains("does not know"), "{unknown}");

        let (_dir, with) = toolchain(&["aarch64-apple-darwin"]);
        assert_eq!(with.can_build(platform("darwin_arm64")), Ok(()));
    }

    #[test]
    fn this_machine_can_build_its_own_platform() {
        let toolchain = Toolchain::detect(&crate::repo_root()).expect("rustc answers");
        let host = Platform::host().expect("the test host is a release platform");
        assert_eq!(toolchain.can_build(host), Ok(()));
    }
}
