//! What syncs end with, per role ARN, as the admin API (`/_sim/roles`) sets it: by default a
//! role is assumable and the sync succeeds; otherwise it fails with the errors the role's entry
//! names, which both errors endpoints serve.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use crate::accounts::BaseAccounts;
use crate::model::Connector;
use crate::regions::Partition;

/// The body of `POST /_sim/roles`: how syncs of connectors with role `arn` end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RoleSpec {
    pub arn: String,
    /// Whether Qualys can assume the role (default true).
    #[serde(default = "yes")]
    pub assumable: bool,
    /// What a failed sync reports; a sync with errors fails even when the role is assumable.
    /// Empty for an unassumable role: one error with AWS's AssumeRole refusal.
    #[serde(default)]
    pub errors: Vec<RegionError>,
    /// `totalAssets` after a successful sync; default one per region the connector covers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_assets: Option<u64>,
}

fn yes() -> bool {
    true
}

/// One error of a role's failed syncs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionError {
    /// Default: the partition's first region (`us-east-1`, `us-gov-west-1`, `cn-north-1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Default: AWS's AssumeRole refusal for the role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A role spec that cannot be stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleError {
    #[error("arn must not be empty")]
    EmptyArn,
}

/// The role table.
#[derive(Debug, Default)]
pub struct Roles {
    specs: Mutex<BTreeMap<String, RoleSpec>>,
}

/// How a sync ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Success { total_assets: u64 },
    Failed(Vec<(String, String)>),
}

impl Roles {
    /// Adds or replaces the entry for `spec.arn`.
    pub fn set(&self, spec: RoleSpec) -> Result<(), RoleError> {
        if spec.arn.trim().is_empty() {
            return Err(RoleError::EmptyArn);
        }
        self.lock().insert(spec.arn.clone(), spec);
        Ok(())
    }

    /// Every entry, by ARN.
    pub fn all(&self) -> Vec<RoleSpec> {
        self.lock().values().cloned().collect()
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, RoleSpec>> {
        self.specs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn verdict(&self, c: &Connector, accounts: &BaseAccounts) -> Verdict {
        let spec = self.lock().get(&c.arn).cloned();
        let Some(spec) = spec else {
            return Verdict::Success {
                total_assets: regions_covered(c),
            };
        };
        if spec.assumable && spec.errors.is_empty() {
            return Verdict::Success {
                total_assets: spec.total_assets.unwrap_or_else(|| regions_covered(c)),
            };
        }
        let refusal = assume_role_refusal(c, accounts);
        let errors = if spec.errors.is_empty() {
            vec![RegionError {
                region: None,
                message: None,
            }]
        } else {
            spec.errors
        };
        Verdict::Failed(
            errors
                .into_iter()
                .map(|e| {
                    (
                        e.region
                            .unwrap_or_else(|| home_region(c.partition).to_owned()),
                        e.message.unwrap_or_else(|| refusal.clone()),
                    )
                })
                .collect(),
        )
    }
}

/// AWS's answer when the Qualys account may not assume a role (DECISION on the Qualys role
/// and session names, which are not public). A China connector made out of band while the
/// subscription has no China base account has no one to assume it (DECISION on the wording).
fn assume_role_refusal(c: &Connector, accounts: &BaseAccounts) -> String {
    match accounts.trusted_by(c.partition) {
        Some(base) => format!(
            "User: arn:{}:sts::{base}:assumed-role/QualysConnectorRole/qualys-sync is not authorized to perform: sts:AssumeRole on resource: {}",
            c.partition.arn_name(),
            c.arn
        ),
        None => format!(
            "No {} base account is configured for the subscription to assume {}",
            c.partition.arn_name(),
            c.arn
        ),
    }
}

fn home_region(partition: Partition) -> &'static str {
    match partition {
        Partition::Global => "us-east-1",
        Partition::GovCloud => "us-gov-west-1",
        Partition::China => "cn-north-1",
    }
}

/// DECISION: a successful sync finds one asset per region it covers.
fn regions_covered(c: &Connector) -> u64 {
    let count = if c.all_regions {
        c.partition.regions().len()
    } else if !c.endpoints.is_empty() {
        c.endpoints.len()
    } else if !c.cspm_regions.is_empty() {
        c.cspm_regions.len()
    } else {
        c.partition.regions().len()
    };
    count as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates;
    use crate::model::Origin;

    fn connector(arn: &str) -> Connector {
        let mut c = Connector::blank(Origin::Qps, dates::now());
        c.arn = arn.into();
        c
    }

    fn spec(v: serde_json::Value) -> RoleSpec {
        serde_json::from_value(v).expect("valid spec")
    }

    #[test]
    fn roles_are_assumable_unless_told_otherwise() {
        let roles = Roles::default();
        let accounts = BaseAccounts::default();
        let c = connector("arn:aws:iam::123456789012:role/R");
        assert_eq!(
            roles.verdict(&c, &accounts),
            Verdict::Success {
                total_assets: Partition::Global.regions().len() as u64
            }
        );
        roles
            .set(spec(serde_json::json!({"arn": c.arn, "assumable": false})))
            .expect("stored");
        let Verdict::Failed(errors) = roles.verdict(&c, &accounts) else {
            panic!("a failed sync")
        };
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].0, "us-east-1");
        assert!(
            errors[0].1.starts_with(
                "User: arn:aws:sts::805950163170:assumed-role/QualysConnectorRole/qualys-sync is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/R"
            ),
            "{}",
            errors[0].1
        );
        roles
            .set(spec(serde_json::json!({"arn": c.arn, "errors": [
                {"region": "eu-west-1", "message": "throttled"}, {"region": "us-west-2"}]})))
            .expect("stored");
        let Verdict::Failed(errors) = roles.verdict(&c, &accounts) else {
            panic!("errors fail the sync of an assumable role")
        };
        assert_eq!(errors[0], ("eu-west-1".into(), "throttled".into()));
        assert_eq!(errors[1].0, "us-west-2");
        roles.clear();
        assert!(roles.all().is_empty());
        assert_eq!(
            roles.set(spec(serde_json::json!({"arn": " "}))),
            Err(RoleError::EmptyArn)
        );
        assert!(
            serde_json::from_value::<RoleSpec>(serde_json::json!({"arn": "a", "asumable": true}))
                .is_err()
        );
    }
}
