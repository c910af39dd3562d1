//! Entry points for fuzzing and property tests of the response decoders. Each one feeds an
//! HTTP status and raw body bytes through exactly the code an answer from Qualys goes
//! through (nesting check, envelope sniffing, lenient serde, error mapping) and reports
//! what came out. They hold no state and make no call; the contract under test is that
//! they return for every input: no panic, no stack overflow, no unbounded work.
//!
//! The targets under `fuzz/` and the property tests in `tests/decoders.rs` use them: the
//! connector answers (`qps`, `cloudview`) and the sync-error and base-account answers of both
//! families (`accounts_and_errors`).

use reqwest::StatusCode;

use super::error::Error;
use super::http::Reply;
use super::{cloudview, qps};

fn reply(status: u16, body: &[u8]) -> Reply {
    Reply {
        status: StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
        body: body.to_vec(),
    }
}

/// A QPS answer (v3 JSON or v2 XML, sniffed) to any call: the number of connectors it
/// holds, or the error it stands for. A status outside 100..=999 is taken as 200.
pub fn decode_qps(status: u16, body: &[u8]) -> Result<usize, Error> {
    qps::decode_reply(&reply(status, body)).map(|answer| answer.items.len())
}

/// A CloudView answer to a get, create or update: the connector's id, or the error it
/// stands for (a non-2xx status reads the body as CloudView's error form).
pub fn decode_cloudview_connector(status: u16, body: &[u8]) -> Result<String, Error> {
    cloudview::connector_from_reply(&reply(status, body), "get connector").map(|c| c.connector_id)
}

/// A CloudView answer to a list: the number of connectors on the page, or the error it
/// stands for.
pub fn decode_cloudview_list(status: u16, body: &[u8]) -> Result<usize, Error> {
    cloudview::page_from_reply(&reply(status, body), 0).map(|page| page.connectors.len())
}

/// A QPS `assetdataconnectorerrors` search answer: the number of sync errors of connector 1
/// in it, or the error it stands for.
pub fn decode_qps_sync_errors(status: u16, body: &[u8]) -> Result<usize, Error> {
    qps::sync_errors_from_reply(&reply(status, body), 1).map(|errors| errors.len())
}

/// A QPS `awsbaseaccount` search answer: whether it names a commercial account, or the error
/// it stands for.
pub fn decode_qps_base_accounts(status: u16, body: &[u8]) -> Result<bool, Error> {
    qps::base_accounts_from_reply(&reply(status, body)).map(|a| a.trusted_by("aws").is_some())
}

/// A CloudView page of sync errors: how many, or the error it stands for.
pub fn decode_cloudview_sync_errors(status: u16, body: &[u8]) -> Result<usize, Error> {
    cloudview::sync_errors_from_reply(&reply(status, body), 0, "sync errors")
        .map(|(errors, _)| errors.len())
}

/// A CloudView `awsBaseAccountId` answer: whether it names a commercial account, or the error
/// it stands for.
pub fn decode_cloudview_base_accounts(status: u16, body: &[u8]) -> Result<bool, Error> {
    cloudview::base_accounts_from_reply(&reply(status, body), "base accounts")
        .map(|a| a.trusted_by("aws").is_some())
}
