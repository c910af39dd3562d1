//! What both API families report about syncs and about the Qualys AWS accounts roles must
//! trust, in one form whatever API answered.

use serde::Deserialize;

use super::lenient;

/// One error of a connector's last failed sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncError {
    /// The AWS region the error happened in, when Qualys says.
    pub region: Option<String>,
    /// When it happened, as Qualys wrote it (QPS: ISO-8601; CloudView: Java's date form).
    pub time: Option<String>,
    /// Qualys's message, verbatim (often AWS's own refusal).
    pub message: String,
}

/// One verdict on a connector's syncs whatever API reported its state: QPS answers an enum
/// (`PENDING`, `QUEUED`, `RUNNING`, `PROCESSING`, `SUCCESS`, `FINISHED_SUCCESS`, `ERROR`,
/// `FINISHED_ERRORS`, `INCOMPLETE`, `DISABLED`: the docs.qualys.com v3 pages), CloudView free
/// text (`"Completed successfully"` on a real 2026 answer) or an enum (`SUCCESS`, `PENDING`,
/// `REGIONS_DISCOVERED`, `ERROR`: qualysdk's filters). States are matched by meaning, not
/// spelling: case, `_` and `-` do not matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncStatus {
    /// The last sync completed without errors.
    Success,
    /// The last sync failed or completed with errors (or incompletely).
    Error,
    /// A sync is queued or under way.
    Running,
    /// The connector has not synced yet and none is under way.
    Pending,
    /// The connector is disabled: Qualys does not sync it.
    Disabled,
    /// No state, or one this mapping does not know.
    Unknown,
}

impl SyncStatus {
    pub const ALL: [SyncStatus; 6] = [
        SyncStatus::Success,
        SyncStatus::Error,
        SyncStatus::Running,
        SyncStatus::Pending,
        SyncStatus::Disabled,
        SyncStatus::Unknown,
    ];

    /// The verdict a reported state means.
    pub fn of_state(state: Option<&str>) -> SyncStatus {
        let Some(state) = state else {
            return SyncStatus::Unknown;
        };
        let text = state.to_lowercase().replace(['_', '-'], " ");
        let has = |words: &[&str]| words.iter().any(|w| text.contains(w));
        // Order matters: "incomplete" and "completed with errors" contain "complete", and
        // "unsuccessful" contains "success".
        if has(&["disabled", "deactivated"]) {
            SyncStatus::Disabled
        } else if has(&[
            "error",
            "fail",
            "incomplete",
            "unsuccess",
            "not success",
            "partial",
            "denied",
            "invalid",
            "abort",
            "cancel",
        ]) {
            SyncStatus::Error
        } else if has(&["success", "complete", "finished", "done"]) {
            SyncStatus::Success
        } else if has(&["not started", "not yet"]) {
            SyncStatus::Pending
        } else if has(&[
            "running",
            "processing",
            "progress",
            "queued",
            "syncing",
            "scanning",
            "discover",
            "started",
            "starting",
        ]) {
            SyncStatus::Running
        } else if has(&[
            "pending",
            "waiting",
            "scheduled",
            "not started",
            "new",
            "created",
        ]) {
            SyncStatus::Pending
        } else {
            SyncStatus::Unknown
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SyncStatus::Success => "success",
            SyncStatus::Error => "error",
            SyncStatus::Running => "running",
            SyncStatus::Pending => "pending",
            SyncStatus::Disabled => "disabled",
            SyncStatus::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<SyncStatus> {
        SyncStatus::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// One partition's base account, as Qualys reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BaseAccount {
    /// The 12-digit AWS account a role in this partition must trust (`*AccountId`); `None`
    /// when Qualys names none (China, until the customer's own base account is set up).
    pub id: Option<String>,
    /// Whether it is the subscription's own base account (`customer*Account`, a `"true"` or
    /// `"false"` flag on real answers); `None` when Qualys does not say.
    pub customer_owned: Option<bool>,
}

/// The Qualys AWS accounts connector roles must trust, per partition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BaseAccounts {
    pub global: BaseAccount,
    pub gov: BaseAccount,
    pub china: BaseAccount,
}

impl BaseAccounts {
    /// The base account of the ARN partition `arn_partition` (`aws`, `aws-us-gov`, `aws-cn`).
    pub fn of_arn_partition(&self, arn_partition: &str) -> Option<&BaseAccount> {
        match arn_partition {
            "aws" => Some(&self.global),
            "aws-us-gov" => Some(&self.gov),
            "aws-cn" => Some(&self.china),
            _ => None,
        }
    }

    /// The account a role in the ARN partition `arn_partition` must trust.
    pub fn trusted_by(&self, arn_partition: &str) -> Option<&str> {
        self.of_arn_partition(arn_partition)?.id.as_deref()
    }
}

/// The base-account record as both APIs spell it (field names from the docs.qualys.com
/// `awsbaseaccount` page, the CloudView Swagger spec and qualysdk's recorded answer). The
/// `customer*Account` fields are flags, not ids: a real answer carries
/// `"customerGlobalAccount": "false"` beside `"globalAccountId": "<12 digits>"`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireBaseAccounts {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    global_account_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    gov_account_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    china_account_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    customer_global_account: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    customer_gov_account: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    customer_china_account: Option<String>,
}

impl WireBaseAccounts {
    /// The accounts, or why the record cannot be trusted: an `*AccountId` that is not 12
    /// digits (named, never turned into a trust principal), or no account id at all (an
    /// answer of the wrong shape, never "no accounts"). Blank ids count as absent; a flag
    /// that is neither `true` nor `false` counts as unsaid.
    pub(crate) fn into_accounts(self) -> Result<BaseAccounts, String> {
        fn id(field: &str, value: Option<String>) -> Result<Option<String>, String> {
            let Some(value) = value.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()) else {
                return Ok(None);
            };
            if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
                Ok(Some(value))
            } else {
                Err(format!(
                    "{field} is {}, not a 12-digit AWS account id",
                    inert_quoted(&value)
                ))
            }
        }
        fn flag(value: Option<String>) -> Option<bool> {
            match value?.trim().to_ascii_lowercase().as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            }
        }
        let accounts = BaseAccounts {
            global: BaseAccount {
                id: id("globalAccountId", self.global_account_id)?,
                customer_owned: flag(self.customer_global_account),
            },
            gov: BaseAccount {
                id: id("govAccountId", self.gov_account_id)?,
                customer_owned: flag(self.customer_gov_account),
            },
            china: BaseAccount {
                id: id("chinaAccountId", self.china_account_id)?,
                customer_owned: flag(self.customer_china_account),
            },
        };
        if [&accounts.global, &accounts.gov, &accounts.china]
            .iter()
            .all(|a| a.id.is_none())
        {
            return Err(
                "no account id (globalAccountId, govAccountId, chinaAccountId) in the answer"
                    .into(),
            );
        }
        Ok(accounts)
    }
}

/// A server's value quoted for a message, at most 40 characters, control characters escaped.
fn inert_quoted(value: &str) -> String {
    let short: String = value.chars().take(40).collect();
    let more = if value.chars().count() > 40 {
        "..."
    } else {
        ""
    };
    format!("{:?}{more}", short)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(json: &str) -> Result<BaseAccounts, String> {
        serde_json::from_str::<WireBaseAccounts>(json)
            .unwrap()
            .into_accounts()
    }

    #[test]
    fn states_of_both_apis_map_by_meaning() {
        use SyncStatus::*;
        for (state, status) in [
            ("FINISHED_SUCCESS", Success),
            ("SUCCESS", Success),
            ("Completed successfully", Success),
            ("completed", Success),
            ("FINISHED_ERRORS", Error),
            ("ERROR", Error),
            ("INCOMPLETE", Error),
            ("Completed with errors", Error),
            ("Sync failed", Error),
            ("unsuccessful", Error),
            ("QUEUED", Running),
            ("RUNNING", Running),
            ("PROCESSING", Running),
            ("REGIONS_DISCOVERED", Running),
            ("In progress", Running),
            ("PENDING", Pending),
            ("pending", Pending),
            ("Not started", Pending),
            ("DISABLED", Disabled),
            ("Disabled", Disabled),
            ("", Unknown),
            ("ZORK", Unknown),
        ] {
            assert_eq!(SyncStatus::of_state(Some(state)), status, "{state}");
        }
        assert_eq!(SyncStatus::of_state(None), Unknown);
        for status in SyncStatus::ALL {
            assert_eq!(SyncStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(SyncStatus::parse("SUCCESS"), None);
    }

    #[test]
    fn the_documented_real_answer_gives_ids_and_flags() {
        // qualysdk's docs/totalcloud.md: the customer fields are flags, not account ids.
        let accounts = decode(
            r#"{"globalAccountId": "805950163170", "chinaAccountId": "582140937635",
                "govAccountId": "263853710419", "customerGlobalAccount": "false",
                "customerChinaAccount": "false", "customerGovAccount": "FALSE"}"#,
        )
        .unwrap();
        assert_eq!(accounts.trusted_by("aws"), Some("805950163170"));
        assert_eq!(accounts.trusted_by("aws-us-gov"), Some("263853710419"));
        assert_eq!(accounts.trusted_by("aws-cn"), Some("582140937635"));
        assert_eq!(accounts.trusted_by("other"), None);
        for a in [&accounts.global, &accounts.gov, &accounts.china] {
            assert_eq!(a.customer_owned, Some(false));
        }
    }

    #[test]
    fn blank_absent_and_numeric_ids_and_odd_flags() {
        let accounts = decode(
            r#"{"globalAccountId": 805950163170, "govAccountId": " ", "customerGlobalAccount": true,
                "customerChinaAccount": "maybe"}"#,
        )
        .unwrap();
        assert_eq!(
            accounts,
            BaseAccounts {
                global: BaseAccount {
                    id: Some("805950163170".into()),
                    customer_owned: Some(true)
                },
                ..BaseAccounts::default()
            }
        );
        assert_eq!(accounts.trusted_by("aws-cn"), None);
    }

    #[test]
    fn an_id_that_is_not_twelve_digits_is_an_error_naming_the_field() {
        for (json, field) in [
            (r#"{"globalAccountId": "false"}"#, "globalAccountId"),
            (
                r#"{"globalAccountId": "805950163170", "govAccountId": "12345"}"#,
                "govAccountId",
            ),
            (
                r#"{"globalAccountId": "805950163170", "chinaAccountId": "8059501631700"}"#,
                "chinaAccountId",
            ),
            (r#"{"globalAccountId": "80595016317a"}"#, "globalAccountId"),
        ] {
            let err = decode(json).unwrap_err();
            assert!(err.starts_with(field), "{json}: {err}");
            assert!(err.contains("12-digit"), "{err}");
        }
        let err = decode(r#"{"globalAccountId": "\u001b[2Jx"}"#).unwrap_err();
        assert!(!err.contains('\u{1b}'), "{err}");
    }

    #[test]
    fn a_record_without_any_id_is_an_error() {
        assert!(decode(r#"{"id": 4765}"#).is_err());
        assert!(decode(r#"{"customerGlobalAccount": "true"}"#).is_err());
    }
}
