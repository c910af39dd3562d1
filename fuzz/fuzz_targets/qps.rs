//! QPS answers (v3 JSON, v2 XML) under the statuses that take different paths: the first
//! byte picks the status, the rest is the body.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;
use common::{on_small_stack, split};
use tfqualys::qualys::fuzzing::decode_qps;

const STATUSES: [u16; 8] = [200, 201, 400, 401, 403, 404, 409, 500];

fuzz_target!(|data: &[u8]| on_small_stack(data, check));

fn check(data: &[u8]) {
    let Some((status, body)) = split(data, &STATUSES) else {
        return;
    };
    if let Ok(connectors) = decode_qps(status, body) {
        // Only a 2xx can be a successful answer.
        assert!(
            (200..300).contains(&status),
            "{status} decoded to {connectors} connectors"
        );
    }
}
