//! CloudView answers: the same bytes as a get/create/update answer and as a list page, and
//! as an error body; the first byte picks the status.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;
use common::{on_small_stack, split};
use tfqualys::qualys::fuzzing::{decode_cloudview_connector, decode_cloudview_list};

const STATUSES: [u16; 8] = [200, 201, 204, 400, 401, 404, 409, 500];

fuzz_target!(|data: &[u8]| on_small_stack(data, check));

fn check(data: &[u8]) {
    let Some((status, body)) = split(data, &STATUSES) else {
        return;
    };
    let success = (200..300).contains(&status);
    if let Ok(id) = decode_cloudview_connector(status, body) {
        assert!(
            success && !id.trim().is_empty(),
            "{status} decoded to {id:?}"
        );
    }
    if decode_cloudview_list(status, body).is_ok() {
        assert!(success, "{status} decoded to a list");
    }
}
