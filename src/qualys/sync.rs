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

/// The Qualys AWS accounts a connector's IAM role must trust, per partition. `customer_*`
/// are the subscription's own base accounts, present only when it has them (they replace
/// the shared one for that partition's connectors).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BaseAccounts {
    pub global: Option<String>,
    pub gov: Option<String>,
    pub china: Option<String>,
    pub customer_global: Option<String>,
    pub customer_gov: Option<String>,
    pub customer_china: Option<String>,
}

impl BaseAccounts {
    /// The account a role in the ARN partition `arn_partition` (`aws`, `aws-us-gov`,
    /// `aws-cn`) must trust: the subscription's own one when it has it.
    pub fn trusted_by(&self, arn_partition: &str) -> Option<&str> {
        let (own, shared) = match arn_partition {
            "aws" => (&self.customer_global, &self.global),
            "aws-us-gov" => (&self.customer_gov, &self.gov),
            "aws-cn" => (&self.customer_china, &self.china),
            _ => return None,
        };
        own.as_deref().or(shared.as_deref())
    }
}

/// The base-account record as both APIs spell it (field names from the docs.qualys.com
/// `awsbaseaccount` page and the CloudView Swagger spec); blank values count as absent.
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
    /// `None` when the record names no account at all: an answer of the wrong shape, never
    /// "no accounts".
    pub(crate) fn into_accounts(self) -> Option<BaseAccounts> {
        let keep = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let accounts = BaseAccounts {
            global: keep(self.global_account_id),
            gov: keep(self.gov_account_id),
            china: keep(self.china_account_id),
            customer_global: keep(self.customer_global_account),
            customer_gov: keep(self.customer_gov_account),
            customer_china: keep(self.customer_china_account),
        };
        (accounts != BaseAccounts::default()).then_some(accounts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_and_absent_accounts() {
        let wire: WireBaseAccounts = serde_json::from_str(
            r#"{"globalAccountId": 805950163170, "govAccountId": " ", "customerChinaAccount": "1"}"#,
        )
        .unwrap();
        assert_eq!(
            wire.into_accounts(),
            Some(BaseAccounts {
                global: Some("805950163170".into()),
                customer_china: Some("1".into()),
                ..BaseAccounts::default()
            })
        );
        let accounts = BaseAccounts {
            global: Some("1".into()),
            gov: Some("2".into()),
            customer_gov: Some("3".into()),
            ..BaseAccounts::default()
        };
        assert_eq!(accounts.trusted_by("aws"), Some("1"));
        assert_eq!(accounts.trusted_by("aws-us-gov"), Some("3"));
        assert_eq!(accounts.trusted_by("aws-cn"), None);
        assert_eq!(accounts.trusted_by("other"), None);
        let empty: WireBaseAccounts = serde_json::from_str(r#"{"id": 4765}"#).unwrap();
        assert_eq!(empty.into_accounts(), None);
    }
}
