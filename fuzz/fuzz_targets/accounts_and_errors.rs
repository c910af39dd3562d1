//! Sync-error and base-account answers of both families (QPS `assetdataconnectorerrors` and
//! `awsbaseaccount` searches, CloudView `/{id}/errors` pages and `/awsBaseAccountId`): every
//! input goes through all four decoders. The first byte picks the status, the rest is the body.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;
use common::{on_small_stack, split};
use tfqualys::qualys::fuzzing::{
    decode_cloudview_base_accounts, decode_cloudview_sync_errors, decode_qps_base_accounts,
    decode_qps_sync_errors,
};

const STATUSES: [u16; 8] = [200, 201, 400, 401, 403, 404, 409, 500];

fuzz_target!(|data: &[u8]| on_small_stack(data, check));

fn check(data: &[u8]) {
    let Some((status, body)) = split(data, &STATUSES) else {
        return;
    };
    // Only a 2xx can be a successful answer.
    let success = (200..300).contains(&status);
    let decoded = [
        decode_qps_sync_errors(status, body).is_ok(),
        decode_qps_base_accounts(status, body).is_ok(),
        decode_cloudview_sync_errors(status, body).is_ok(),
        decode_cloudview_base_accounts(status, body).is_ok(),
    ];
    assert!(
        success || !decoded.contains(&true),
        "{status} decoded: {decoded:?}"
    );
}
