//! Sync-error and base-account answers of both families (QPS `assetdataconnectorerrors` and
//! `awsbaseaccount` searches, CloudView `/{id}/errors` pages and `/awsBaseAccountId`): every
//! input goes through all four decoders. The first byte picks the status, the rest is the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tfqualys::qualys::fuzzing::{
    decode_cloudview_base_accounts, decode_cloudview_sync_errors, decode_qps_base_accounts,
    decode_qps_sync_errors,
};

const STATUSES: [u16; 8] = [200, 201, 400, 401, 403, 404, 409, 500];

/// Runs `check` on a thread with a small stack. The provider decodes on tokio's worker
/// threads (2 MiB) in debug builds too, where frames are several times larger than in this
/// optimised build; without this, recursion that would overflow there passes here.
fn on_small_stack(data: &[u8], check: fn(&[u8])) {
    let data = data.to_vec();
    let worker = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || check(&data))
        .expect("spawn a decoder thread");
    if let Err(panic) = worker.join() {
        std::panic::resume_unwind(panic);
    }
}

fuzz_target!(|data: &[u8]| on_small_stack(data, check));

fn check(data: &[u8]) {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let status = STATUSES[usize::from(pick) % STATUSES.len()];
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
