//! Call counts per operation (`qps3.create`, `cloudview.list`, ...) for `GET /_sim/calls`.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

/// Counts of API calls received, faulted or not, authenticated or not.
#[derive(Debug, Default)]
pub struct Calls {
    counts: Mutex<BTreeMap<String, u64>>,
}

impl Calls {
    pub fn record(&self, operation: &str) {
        *self
            .counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(operation.to_owned())
            .or_default() += 1;
    }

    pub fn counts(&self) -> BTreeMap<String, u64> {
        self.counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn clear(&self) {
        self.counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_operation() {
        let calls = Calls::default();
        calls.record("qps3.create");
        calls.record("qps3.create");
        calls.record("cloudview.list");
        let counts = calls.counts();
        assert_eq!(counts.get("qps3.create"), Some(&2));
        assert_eq!(counts.get("cloudview.list"), Some(&1));
        calls.clear();
        assert!(calls.counts().is_empty());
    }
}
