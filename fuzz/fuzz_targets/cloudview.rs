//! CloudView answers: the same bytes as a get/create/update answer and as a list page, and
//! as an error body; the first byte picks the status.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tfqualys::qualys::fuzzing::{decode_cloudview_connector, decode_cloudview_list};

const STATUSES: [u16; 8] = [200, 201, 204, 400, 401, 404, 409, 500];

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
