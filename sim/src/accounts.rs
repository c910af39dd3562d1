//! The AWS accounts connector roles must trust, per partition: Qualys's shared ones (distinct
//! for commercial and GovCloud: EVIDENCE 3), or the subscription's own where it has them. China
//! has no Qualys-provided base account (EVIDENCE 7): only the subscription's own.

use crate::config::CustomerBaseAccounts;
use crate::model::{QUALYS_AWS_ACCOUNT_ID, QUALYS_GOV_AWS_ACCOUNT_ID};
use crate::regions::Partition;

/// The simulated subscription's base accounts, and whether it may have China connectors.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BaseAccounts {
    customer: CustomerBaseAccounts,
    china_region_enabled: bool,
}

impl BaseAccounts {
    pub fn new(customer: CustomerBaseAccounts, china_region_enabled: bool) -> BaseAccounts {
        BaseAccounts {
            customer,
            china_region_enabled,
        }
    }

    /// The account a connector role of `partition` must trust: the subscription's own for that
    /// partition when configured, else Qualys's; none for China without the subscription's own.
    pub fn trusted_by(&self, partition: Partition) -> Option<&str> {
        match partition {
            Partition::Global => Some(
                self.customer
                    .global
                    .as_deref()
                    .unwrap_or(QUALYS_AWS_ACCOUNT_ID),
            ),
            Partition::GovCloud => Some(
                self.customer
                    .gov
                    .as_deref()
                    .unwrap_or(QUALYS_GOV_AWS_ACCOUNT_ID),
            ),
            Partition::China => self.customer.china.as_deref(),
        }
    }

    /// Whether China connectors may be created (EVIDENCE 7): the subscription has its own China
    /// base account and Qualys support enabled the region for it.
    pub fn china_connectors_allowed(&self) -> bool {
        self.customer.china.is_some() && self.china_region_enabled
    }

    /// The base-account record's fields in EVIDENCE 5's form: each partition's account id as a
    /// string (`chinaAccountId` omitted without the subscription's own, DECISION), then the
    /// flags `customerGlobalAccount`, `customerGovAccount`, `customerChinaAccount`, always
    /// present, `"true"` where the id is the subscription's own (DECISION, consistent with 7).
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        let mut fields = Vec::new();
        for (name, partition) in [
            ("globalAccountId", Partition::Global),
            ("govAccountId", Partition::GovCloud),
            ("chinaAccountId", Partition::China),
        ] {
            if let Some(account) = self.trusted_by(partition) {
                fields.push((name, account.to_owned()));
            }
        }
        for (name, own) in [
            ("customerGlobalAccount", &self.customer.global),
            ("customerGovAccount", &self.customer.gov),
            ("customerChinaAccount", &self.customer.china),
        ] {
            fields.push((name, own.is_some().to_string()));
        }
        fields
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field<'a>(fields: &'a [(&'static str, String)], name: &str) -> Option<&'a str> {
        fields
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn shared_accounts_and_no_china_one() {
        let shared = BaseAccounts::default();
        assert_eq!(
            shared.trusted_by(Partition::Global),
            Some(QUALYS_AWS_ACCOUNT_ID)
        );
        assert_eq!(
            shared.trusted_by(Partition::GovCloud),
            Some(QUALYS_GOV_AWS_ACCOUNT_ID)
        );
        assert_eq!(shared.trusted_by(Partition::China), None);
        assert!(!shared.china_connectors_allowed());
        let fields = shared.fields();
        assert_eq!(
            field(&fields, "globalAccountId"),
            Some(QUALYS_AWS_ACCOUNT_ID)
        );
        assert_eq!(field(&fields, "chinaAccountId"), None);
        for flag in [
            "customerGlobalAccount",
            "customerGovAccount",
            "customerChinaAccount",
        ] {
            assert_eq!(field(&fields, flag), Some("false"), "{flag}");
        }
    }

    #[test]
    fn the_subscription_own_accounts_replace_the_ids_and_raise_the_flags() {
        let own = BaseAccounts::new(
            CustomerBaseAccounts {
                gov: Some("111111111111".into()),
                china: Some("333333333333".into()),
                ..CustomerBaseAccounts::default()
            },
            false,
        );
        assert_eq!(own.trusted_by(Partition::GovCloud), Some("111111111111"));
        assert_eq!(own.trusted_by(Partition::China), Some("333333333333"));
        assert_eq!(
            own.trusted_by(Partition::Global),
            Some(QUALYS_AWS_ACCOUNT_ID)
        );
        let fields = own.fields();
        assert_eq!(field(&fields, "govAccountId"), Some("111111111111"));
        assert_eq!(field(&fields, "chinaAccountId"), Some("333333333333"));
        assert_eq!(field(&fields, "customerGovAccount"), Some("true"));
        assert_eq!(field(&fields, "customerChinaAccount"), Some("true"));
        assert_eq!(field(&fields, "customerGlobalAccount"), Some("false"));
        assert!(!own.china_connectors_allowed(), "the region is not enabled");
    }

    #[test]
    fn china_connectors_need_both_the_account_and_the_region() {
        let china = || CustomerBaseAccounts {
            china: Some("333333333333".into()),
            ..CustomerBaseAccounts::default()
        };
        assert!(BaseAccounts::new(china(), true).china_connectors_allowed());
        assert!(
            !BaseAccounts::new(CustomerBaseAccounts::default(), true).china_connectors_allowed()
        );
        assert!(!BaseAccounts::new(china(), false).china_connectors_allowed());
    }
}
