//! What every target shares: the input's first byte picks the HTTP status, and each input is
//! decoded on a thread with a small stack.

/// The status `data`'s first byte picks among `statuses`, and the body after it; `None` for
/// an empty input.
pub fn split<'a>(data: &'a [u8], statuses: &[u16]) -> Option<(u16, &'a [u8])> {
    let (&pick, body) = data.split_first()?;
    Some((statuses[usize::from(pick) % statuses.len()], body))
}

/// Runs `check` on a thread with a small stack. The provider decodes on tokio's worker
/// threads (2 MiB) in debug builds too, where frames are several times larger than in this
/// optimised build; without this, recursion that would overflow there passes here.
pub fn on_small_stack(data: &[u8], check: fn(&[u8])) {
    let data = data.to_vec();
    let worker = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || check(&data))
        .expect("spawn a decoder thread");
    if let Err(panic) = worker.join() {
        std::panic::resume_unwind(panic);
    }
}
