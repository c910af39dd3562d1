//! The plugin protocol: the handshake and its transports, the plugin process's life, and what a
//! newer Terraform reads (capabilities, a cached schema).

mod handshake;
mod plugin_process;
mod schema_and_capabilities;
