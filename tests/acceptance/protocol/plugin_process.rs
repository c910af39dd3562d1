//! The plugin process's life outside the RPCs: its socket directory is private and removed
//! however the process ends, and the process does not outlive Terraform.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tfqualys::plugin::serve::{MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE};

use crate::support::plugin_client::{Plugin, parse_handshake};
use crate::support::terraform::provider_binary;

/// `sh -c <script>` with the provider binary as `$0` and the environment Terraform gives it.
fn via_shell(script: &str) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(script)
        .arg(provider_binary())
        .env(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env("TF_DISABLE_PLUGIN_TLS", "1")
        .env_remove("PLUGIN_CLIENT_CERT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    cmd
}

fn mode_of(dir: &Path) -> u32 {
    std::fs::metadata(dir)
        .expect("the socket directory exists while the provider runs")
        .permissions()
        .mode()
        & 0o777
}

/// Whether `pid` is still a live process (a zombie waiting for its reaper counts as ended).
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the parenthesised command name.
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z') && !rest.starts_with('X')),
        Err(_) => false,
    }
}

fn wait_until_gone(pid: u32, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if !alive(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn socket_directory_is_private_whatever_the_umask() {
    let plugin = Plugin::start_command(via_shell("umask 000; exec \"$0\""), false);
    let dir = plugin.handshake.socket.parent().expect("socket dir");
    assert_eq!(
        mode_of(dir),
        0o700,
        "the socket directory {} is Terraform's alone, as go-plugin makes it",
        dir.display()
    );
}

#[test]
fn sigterm_ends_the_provider_and_removes_its_socket_directory() {
    let mut plugin = Plugin::start(&provider_binary(), false);
    let dir = plugin
        .handshake
        .socket
        .parent()
        .expect("socket dir")
        .to_path_buf();
    assert!(dir.exists());
    let status = Command::new("kill")
        .args(["-TERM", &plugin.child.id().to_string()])
        .status()
        .expect("sending SIGTERM");
    assert!(status.success());
    let exit = plugin
        .wait_exit(Duration::from_secs(2))
        .expect("the provider exits within two seconds of SIGTERM");
    assert!(exit.success(), "{exit:?}");
    assert!(
        !dir.exists(),
        "the socket directory {} is removed on SIGTERM",
        dir.display()
    );
}

/// Terraform killed with SIGKILL cannot call Shutdown: its provider must notice and end.
#[test]
fn the_provider_dies_with_terraform() {
    // The shell plays Terraform: it starts the provider and waits for it.
    let mut parent = via_shell("\"$0\" & echo \"pid $!\"; wait")
        .spawn()
        .expect("starting sh");
    let mut stdout = BufReader::new(parent.stdout.take().expect("piped stdout"));
    let (mut pid, mut handshake) = (None, None);
    while pid.is_none() || handshake.is_none() {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).expect("reading sh's output") > 0,
            "sh ended before printing the provider's pid and handshake"
        );
        match line.trim().strip_prefix("pid ") {
            Some(p) => pid = Some(p.parse::<u32>().expect("a pid")),
            None => handshake = Some(parse_handshake(&line)),
        }
    }
    let (pid, handshake) = (pid.unwrap_or_default(), handshake.expect("a handshake"));
    let dir = handshake.socket.parent().expect("socket dir").to_path_buf();
    assert!(alive(pid));

    parent.kill().expect("SIGKILL to the provider's parent");
    parent.wait().expect("reaping sh");
    let gone = wait_until_gone(pid, Duration::from_secs(5));
    if !gone {
        // Do not leave it behind for the rest of the test run.
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    }
    assert!(
        gone,
        "the provider (pid {pid}) still runs 5 s after its parent was killed"
    );
    assert!(
        !dir.exists(),
        "the socket directory {} is removed when the provider follows its parent",
        dir.display()
    );
}

/// A Terraform that dies before the provider's `main` runs is out of reach of the parent-id
/// check (the id read at start is already the reaper's), but it held the only read end of the
/// provider's stdout: the handshake line then fails to write and the provider exits.
#[test]
fn a_provider_whose_terraform_is_gone_before_the_handshake_exits() {
    let mut child = Command::new(provider_binary())
        .env(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env("TF_DISABLE_PLUGIN_TLS", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting the provider");
    // Close the only read end of its stdout, as a dead Terraform's exit does.
    drop(child.stdout.take());
    let deadline = Instant::now() + Duration::from_secs(5);
    let status = loop {
        if let Some(status) = child.try_wait().expect("polling the provider") {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let status = status.expect("the provider exits when nobody reads its handshake");
    assert_eq!(status.code(), Some(1));
}
