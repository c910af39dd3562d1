//! Compiles the protocol definitions in `proto/` into Rust (prost messages,
//! tonic clients and servers). Uses protox, a pure-Rust protobuf compiler, so
//! no system `protoc` is needed.
//!
//! Generated modules (include them with `tonic::include_proto!`):
//! - `"tfplugin6"`: Terraform plugin protocol 6.10 (`provider_server::Provider`).
//! - `"plugin"`: go-plugin's `GRPCController`, `GRPCStdio` and `GRPCBroker`.

const PROTOS: &[&str] = &[
    "proto/tfplugin6.proto",
    "proto/grpc_controller.proto",
    "proto/grpc_stdio.proto",
    "proto/grpc_broker.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    println!("cargo:rerun-if-changed=build.rs");

    let fds = protox::compile(PROTOS, ["proto"])?;

    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        // Every server method we do not override answers `Unimplemented`,
        // which Terraform accepts for all RPCs added after 6.0.
        .generate_default_stubs(true)
        .compile_fds(fds)?;

    Ok(())
}
