//! End-to-end tests of the simulator over HTTP on loopback.

mod accounts;
mod admin;
mod apps;
mod cli;
mod client_forms;
mod cloudview_ops;
mod common;
mod limits;
mod load;
mod origin;
mod paging;
mod persistence;
mod quirks;
mod scope;
mod search;
mod seeds;
mod syncs;
mod validation;
