//! Switchable misbehaviour for tests of the client's defences (`/_sim/quirks`): a search that
//! ignores its paging, so that a client's "paging that cannot loop" can be tested end to end,
//! a QPS update that answers the id only, so that its "re-read after update" can be, and QPS
//! refusing bad credentials with HTTP 401 as the contract first said, instead of the HTTP 200
//! `INVALID_CREDENTIALS` recorded from a real platform.

use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};

/// The body of `POST /_sim/quirks` (fields left out keep their setting) and of its `GET`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuirksSpec {
    /// QPS connector searches ignore `startFromOffset`, `startFromId` and `id GREATER`
    /// criteria, always answer the first page, and say `hasMoreRecords: true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qps_ignore_paging: Option<bool>,
    /// CloudView lists ignore `pageNo`, always answer page 0, and say `last: false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloudview_ignore_paging: Option<bool>,
    /// QPS updates (v3 and v2) answer `SUCCESS` with `count` 1 and only the connector's id in
    /// `data`, as qualys-api.md says Qualys does, instead of the whole connector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qps_update_id_only: Option<bool>,
    /// QPS refuses missing or bad credentials with HTTP 401 `UNAUTHORIZED` and
    /// `WWW-Authenticate` (the contract's first reading) instead of HTTP 200
    /// `INVALID_CREDENTIALS` (EVIDENCE 6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qps_auth_401: Option<bool>,
}

/// The quirks in force (all off by default and after a reset).
#[derive(Debug, Default)]
pub struct Quirks {
    qps_ignore_paging: AtomicBool,
    cloudview_ignore_paging: AtomicBool,
    qps_update_id_only: AtomicBool,
    qps_auth_401: AtomicBool,
}

impl Quirks {
    pub fn set(&self, spec: QuirksSpec) {
        if let Some(on) = spec.qps_ignore_paging {
            self.qps_ignore_paging.store(on, Ordering::Relaxed);
        }
        if let Some(on) = spec.cloudview_ignore_paging {
            self.cloudview_ignore_paging.store(on, Ordering::Relaxed);
        }
        if let Some(on) = spec.qps_update_id_only {
            self.qps_update_id_only.store(on, Ordering::Relaxed);
        }
        if let Some(on) = spec.qps_auth_401 {
            self.qps_auth_401.store(on, Ordering::Relaxed);
        }
    }

    pub fn get(&self) -> QuirksSpec {
        QuirksSpec {
            qps_ignore_paging: Some(self.qps_ignores_paging()),
            cloudview_ignore_paging: Some(self.cloudview_ignores_paging()),
            qps_update_id_only: Some(self.qps_updates_answer_id_only()),
            qps_auth_401: Some(self.qps_refuses_auth_with_401()),
        }
    }

    pub fn qps_ignores_paging(&self) -> bool {
        self.qps_ignore_paging.load(Ordering::Relaxed)
    }

    pub fn cloudview_ignores_paging(&self) -> bool {
        self.cloudview_ignore_paging.load(Ordering::Relaxed)
    }

    pub fn qps_updates_answer_id_only(&self) -> bool {
        self.qps_update_id_only.load(Ordering::Relaxed)
    }

    pub fn qps_refuses_auth_with_401(&self) -> bool {
        self.qps_auth_401.load(Ordering::Relaxed)
    }

    pub fn clear(&self) {
        self.set(QuirksSpec {
            qps_ignore_paging: Some(false),
            cloudview_ignore_paging: Some(false),
            qps_update_id_only: Some(false),
            qps_auth_401: Some(false),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_keeps_what_is_left_out_and_clear_turns_all_off() {
        let quirks = Quirks::default();
        quirks.set(QuirksSpec {
            qps_ignore_paging: Some(true),
            ..QuirksSpec::default()
        });
        quirks.set(QuirksSpec {
            cloudview_ignore_paging: Some(true),
            ..QuirksSpec::default()
        });
        quirks.set(QuirksSpec {
            qps_update_id_only: Some(true),
            ..QuirksSpec::default()
        });
        quirks.set(QuirksSpec {
            qps_auth_401: Some(true),
            ..QuirksSpec::default()
        });
        assert!(quirks.qps_ignores_paging() && quirks.cloudview_ignores_paging());
        assert!(quirks.qps_updates_answer_id_only());
        assert!(quirks.qps_refuses_auth_with_401());
        quirks.clear();
        assert_eq!(
            quirks.get(),
            QuirksSpec {
                qps_ignore_paging: Some(false),
                cloudview_ignore_paging: Some(false),
                qps_update_id_only: Some(false),
                qps_auth_401: Some(false),
            }
        );
    }
}
