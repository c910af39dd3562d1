//! The Qualys AWS accounts connector roles must trust, per partition: Qualys's shared ones
//! (distinct for commercial, GovCloud and China: EVIDENCE 3), or the subscription's own where
//! it has them.

use crate::config::CustomerBaseAccounts;
use crate::model::{QUALYS_AWS_ACCOUNT_ID, QUALYS_CHINA_AWS_ACCOUNT_ID, QUALYS_GOV_AWS_ACCOUNT_ID};
use crate::regions::Partition;

/// The simulated subscription's base accounts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BaseAccounts {
    customer: CustomerBaseAccounts,
}

impl BaseAccounts {
    pub fn new(customer: CustomerBaseAccounts) -> BaseAccounts {
        BaseAccounts { customer }
    }

    /// The account a connector role of `partition` must trust: the subscription's own for that
    /// partition when configured, Qualys's otherwise.
    pub fn trusted_by(&self, partition: Partition) -> &str {
        let (own, shared) = match partition {
            Partition::Global => (&self.customer.global, QUALYS_AWS_ACCOUNT_ID),
            Partition::GovCloud => (&self.customer.gov, QUALYS_GOV_AWS_ACCOUNT_ID),
            Partition::China => (&self.customer.china, QUALYS_CHINA_AWS_ACCOUNT_ID),
        };
        own.as_deref().unwrap_or(shared)
    }

    /// The base-account record's fields in EVIDENCE 3's names: the three Qualys accounts, then
    /// `customerGlobalAccount`, `customerGovAccount`, `customerChinaAccount` where configured.
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        let mut fields = vec![
            ("globalAccountId", QUALYS_AWS_ACCOUNT_ID.to_owned()),
            ("govAccountId", QUALYS_GOV_AWS_ACCOUNT_ID.to_owned()),
            ("chinaAccountId", QUALYS_CHINA_AWS_ACCOUNT_ID.to_owned()),
        ];
        let own = [
            ("customerGlobalAccount", &self.customer.global),
            ("customerGovAccount", &self.customer.gov),
            ("customerChinaAccount", &self.customer.china),
        ];
        for (name, account) in own {
            if let Some(account) = account {
                fields.push((name, account.clone()));
            }
        }
        fields
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_trust_distinct_accounts_unless_the_subscription_has_its_own() {
        let shared = BaseAccounts::default();
        let trusted: Vec<&str> = [Partition::Global, Partition::GovCloud, Partition::China]
            .into_iter()
            .map(|p| shared.trusted_by(p))
            .collect();
        assert_eq!(
            trusted,
            [
                QUALYS_AWS_ACCOUNT_ID,
                QUALYS_GOV_AWS_ACCOUNT_ID,
                QUALYS_CHINA_AWS_ACCOUNT_ID
            ]
        );
        assert_eq!(shared.fields().len(), 3);
        let own = BaseAccounts::new(CustomerBaseAccounts {
            gov: Some("111111111111".into()),
            ..CustomerBaseAccounts::default()
        });
        assert_eq!(own.trusted_by(Partition::GovCloud), "111111111111");
        assert_eq!(own.trusted_by(Partition::Global), QUALYS_AWS_ACCOUNT_ID);
        assert_eq!(
            own.fields().last(),
            Some(&("customerGovAccount", "111111111111".to_owned()))
        );
    }
}
