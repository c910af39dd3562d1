//! The Terraform plugin protocol, owned here end to end: go-plugin's handshake and AutoMTLS,
//! the tfplugin6 gRPC services, DynamicValue codecs, schemas and diagnostics. Provider code
//! above this layer deals in `value::Value`, `schema::Schema` and `diag::Diagnostics`, never
//! in protobuf types.

pub mod api;
pub mod codec;
pub mod convert;
pub mod diag;
pub mod goplugin;
pub mod grpc;
pub mod log;
pub mod registry;
pub mod schema;
pub mod serve;
pub mod tls;
pub mod value;

/// Code generated from `proto/` by build.rs.
pub mod proto {
    pub mod tfplugin6 {
        tonic::include_proto!("tfplugin6");
    }
    pub mod plugin {
        tonic::include_proto!("plugin");
    }
}
