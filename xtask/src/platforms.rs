//! The platforms a release is built for: the one list that `cargo xtask release` builds and
//! packages and that the release workflow's build matrix reads (`cargo xtask platforms --json`).

use std::fmt;

/// One release platform: Terraform's names for it, the Rust target that builds it, and the
/// hosted CI runner that builds it natively.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Platform {
    /// Terraform's OS name (`GOOS`): linux, darwin, windows.
    pub os: &'static str,
    /// Terraform's architecture name (`GOARCH`): amd64, arm64.
    pub arch: &'static str,
    /// The Rust target triple.
    pub target: &'static str,
    /// The GitHub Actions runner label that builds this target natively.
    pub runner: &'static str,
}

/// Linux builds run on Ubuntu 22.04 so the binary needs glibc 2.35, not the newest runner's.
/// FreeBSD is left out: no hosted runner builds it natively and Terraform's FreeBSD users are
/// few enough that a cross build nobody runs would be a liability, not a service.
pub const PLATFORMS: &[Platform] = &[
    Platform {
        os: "linux",
        arch: "amd64",
        target: "x86_64-unknown-linux-gnu",
        runner: "ubuntu-22.04",
    },
    Platform {
        os: "linux",
        arch: "arm64",
        target: "aarch64-unknown-linux-gnu",
        runner: "ubuntu-22.04-arm",
    },
    Platform {
        os: "darwin",
        arch: "amd64",
        target: "x86_64-apple-darwin",
        runner: "macos-15-intel",
    },
    Platform {
        os: "darwin",
        arch: "arm64",
        target: "aarch64-apple-darwin",
        runner: "macos-15",
    },
    Platform {
        os: "windows",
        arch: "amd64",
        target: "x86_64-pc-windows-msvc",
        runner: "windows-2025",
    },
    Platform {
        os: "windows",
        arch: "arm64",
        target: "aarch64-pc-windows-msvc",
        runner: "windows-11-arm",
    },
];

impl Platform {
    /// `linux_amd64`: how Terraform and the release file names write a platform.
    pub fn name(&self) -> String {
        format!("{}_{}", self.os, self.arch)
    }

    /// The release platform named `os_arch`.
    pub fn by_name(name: &str) -> Option<&'static Platform> {
        PLATFORMS.iter().find(|p| p.name() == name)
    }

    /// The release platform this program runs on, if it is one.
    pub fn host() -> Option<&'static Platform> {
        let os = match std::env::consts::OS {
            "macos" => "darwin",
            other => other,
        };
        let arch = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            other => other,
        };
        PLATFORMS.iter().find(|p| p.os == os && p.arch == arch)
    }

    /// The name of the executable cargo builds for this platform.
    pub fn cargo_executable(&self) -> &'static str {
        if self.os == "windows" {
            "terraform-provider-qualys.exe"
        } else {
            "terraform-provider-qualys"
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{}", self.os, self.arch)
    }
}

/// The list as the workflow's matrix `include` reads it.
pub fn json() -> String {
    let entries: Vec<serde_json::Value> = PLATFORMS
        .iter()
        .map(|p| {
            serde_json::json!({
                "platform": p.name(),
                "os": p.os,
                "arch": p.arch,
                "target": p.target,
                "runner": p.runner,
            })
        })
        .collect();
    serde_json::Value::Array(entries).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_platform_is_listed_once_with_a_terraform_name() {
        let names: Vec<String> = PLATFORMS.iter().map(Platform::name).collect();
        assert_eq!(
            names,
            [
                "linux_amd64",
                "linux_arm64",
                "darwin_amd64",
                "darwin_arm64",
                "windows_amd64",
                "windows_arm64"
            ]
        );
        for platform in PLATFORMS {
            let arch = if platform.arch == "amd64" {
                "x86_64"
            } else {
                "aarch64"
            };
            assert!(
                platform.target.starts_with(arch),
                "{platform}: {}",
                platform.target
            );
            assert_eq!(Platform::by_name(&platform.name()), Some(platform));
        }
        assert_eq!(Platform::by_name("freebsd_amd64"), None);
    }

    #[test]
    fn json_is_the_matrix_the_workflow_reads() {
        let parsed: serde_json::Value = serde_json::from_str(&json()).expect("JSON");
        let list = parsed.as_array().expect("an array");
        assert_eq!(list.len(), PLATFORMS.len());
        assert_eq!(
            list[3],
            serde_json::json!({
                "platform": "darwin_arm64",
                "os": "darwin",
                "arch": "arm64",
                "target": "aarch64-apple-darwin",
                "runner": "macos-15",
            })
        );
    }

    #[test]
    fn windows_executables_end_in_exe() {
        let windows = Platform::by_name("windows_amd64").expect("listed");
        assert_eq!(windows.cargo_executable(), "terraform-provider-qualys.exe");
        let linux = Platform::by_name("linux_arm64").expect("listed");
        assert_eq!(linux.cargo_executable(), "terraform-provider-qualys");
    }
}
