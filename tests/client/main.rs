//! The Qualys client against qualys-sim, one module per API family and per concern the
//! families share. Loopback only; each test starts its own simulator (or TLS server) and
//! finishes in a few seconds.

mod base_accounts;
mod cloudview;
mod decoding;
mod existence_checks;
mod maybe_done;
mod paging;
mod qps;
mod refresh;
mod secrets;
mod support;
mod sync;
mod transport;
mod wrong_api;
