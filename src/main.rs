//! The plugin binary: started by Terraform (handshake on stdout, gRPC on a Unix socket), or by a
//! person with `--debug` to attach Terraform through `TF_REATTACH_PROVIDERS`.

use std::process::ExitCode;

use tfqualys::plugin::{log, serve};
use tfqualys::provider::{PROVIDER_ADDRESS, QualysProvider};

const USAGE: &str = "\
terraform-provider-qualys: the Terraform provider for Qualys AWS connectors.

Terraform starts this program itself; you do not need to run it. Options:
  --debug     serve for a debugger or an IDE: prints a TF_REATTACH_PROVIDERS value to set
              in the shell that runs terraform; stop with Ctrl-C
  --version   print the version
  --help      this text";

fn main() -> ExitCode {
    // First, so the parent id read is Terraform's even if Terraform dies during start-up.
    let env = serve::Environment::from_process();
    let mut debug = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--debug" | "-debug" => debug = true,
            "--version" | "-version" => {
                println!("terraform-provider-qualys {}", env!("CARGO_PKG_VERSION"));
                return ExitCode::SUCCESS;
            }
            "--help" | "-help" | "-h" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("unknown argument {other:?}\n\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    log::init(log::level_from_env(|k| std::env::var(k).ok()));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("terraform-provider-qualys: starting the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve::serve(
        QualysProvider::new(),
        PROVIDER_ADDRESS,
        debug,
        env,
    )) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
