//! `qualys_aws_base_account`: the Qualys AWS accounts a connector's IAM role must trust, per
//! AWS partition, as the Qualys API reports them (GovCloud and China connectors are assumed by
//! other Qualys accounts than commercial ones), so a role can be created before its connector
//! with nothing copied from the Qualys UI.

use crate::connector::model::trust_principal;
use crate::connector::regions::Partition;
use async_trait::async_trait;

use crate::configured::Configured;
use crate::plugin::diag::{AttrPath, Diagnostic, Diagnostics};
use crate::plugin::registry::DataSource;
use crate::plugin::schema::{Attribute, Block, Presence, Schema};
use crate::plugin::value::{Type, Value};
use crate::qualys::{BaseAccount, BaseAccounts, Client};

/// `qualys_aws_base_account` in the provider's registry.
pub struct AwsBaseAccount;

#[async_trait]
impl DataSource<Configured> for AwsBaseAccount {
    fn type_name(&self) -> &'static str {
        "qualys_aws_base_account"
    }

    fn schema(&self) -> Schema {
        let computed = |name: &str, description: &str| {
            Attribute::new(name, Type::String, Presence::Computed, description)
        };
        let flag = |name: &str, description: &str| {
            Attribute::new(name, Type::Bool, Presence::Computed, description)
        };
        Schema {
            version: 0,
            block: Block {
                description: "The Qualys AWS accounts that connectors' IAM roles must trust, per \
                    AWS partition, as your Qualys subscription reports them (its own account where \
                    it has one). Use it to write a role's trust policy before the connector exists."
                    .into(),
                attributes: vec![
                    Attribute::new(
                        "partition",
                        Type::String,
                        Presence::Optional,
                        "The partition of `account_id` and `trust_principal`: `global` (commercial \
                         AWS, the default), `gov` (AWS GovCloud US) or `china` (AWS China).",
                    ),
                    computed(
                        "account_id",
                        "The Qualys AWS account to trust for `partition`.",
                    ),
                    computed(
                        "trust_principal",
                        "The principal for the role's trust policy: `arn:<aws|aws-us-gov|aws-cn>:\
                         iam::<account_id>:root`.",
                    ),
                    computed(
                        "global_account_id",
                        "The account to trust for commercial AWS connectors.",
                    ),
                    computed(
                        "gov_account_id",
                        "The account to trust for AWS GovCloud (US) connectors.",
                    ),
                    computed(
                        "china_account_id",
                        "The account to trust for AWS China connectors: null until the \
                         subscription has its own China base account (Qualys provides none for \
                         China).",
                    ),
                    flag(
                        "customer_owned",
                        "Whether `account_id` is the subscription's own base account rather than \
                         the one Qualys provides; null when Qualys does not say.",
                    ),
                    flag(
                        "global_customer_owned",
                        "The same, for the commercial AWS base account.",
                    ),
                    flag(
                        "gov_customer_owned",
                        "The same, for the AWS GovCloud (US) base account.",
                    ),
                    flag(
                        "china_customer_owned",
                        "The same, for the AWS China base account.",
                    ),
                ],
            },
        }
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        match partition(config) {
            Ok(_) => Diagnostics::default(),
            Err(d) => d.into(),
        }
    }

    async fn read(&self, with: &Configured, config: Value) -> Result<Value, Diagnostics> {
        let client = &with.client()?;
        let config = &config;
        let wanted = partition(config)?;
        let base = base_accounts(client).await?;
        let account = account_for(&base, wanted)?;
        let id = |p: Partition| {
            of(&base, p)
                .id
                .clone()
                .map(Value::string)
                .unwrap_or(Value::Null)
        };
        let owned = |p: Partition| {
            of(&base, p)
                .customer_owned
                .map(Value::Bool)
                .unwrap_or(Value::Null)
        };
        Ok(Value::object([
            ("partition", config.get("partition").clone()),
            (
                "trust_principal",
                Value::string(trust_principal(wanted, &account)),
            ),
            ("account_id", Value::string(account)),
            ("global_account_id", id(Partition::Global)),
            ("gov_account_id", id(Partition::Gov)),
            ("china_account_id", id(Partition::China)),
            ("customer_owned", owned(wanted)),
            ("global_customer_owned", owned(Partition::Global)),
            ("gov_customer_owned", owned(Partition::Gov)),
            ("china_customer_owned", owned(Partition::China)),
        ]))
    }
}

pub(crate) fn partition(config: &Value) -> Result<Partition, Diagnostic> {
    match config.get("partition") {
        Value::String(s) => Partition::parse(s).ok_or_else(|| {
            Diagnostic::error(
                "Invalid partition",
                format!("partition must be \"global\", \"gov\" or \"china\"; got {s:?}."),
            )
            .at(AttrPath::attr("partition"))
        }),
        _ => Ok(Partition::Global),
    }
}

fn of(b: &BaseAccounts, p: Partition) -> &BaseAccount {
    match p {
        Partition::Global => &b.global,
        Partition::Gov => &b.gov,
        Partition::China => &b.china,
    }
}

/// The subscription's base accounts: one API call per process, cached by the client.
pub(crate) async fn base_accounts(client: &Client) -> Result<BaseAccounts, Diagnostics> {
    client.base_accounts().await.map_err(|e| {
        Diagnostics::from(Diagnostic::error(
            "Could not read the Qualys base accounts",
            format!("{e}."),
        ))
    })
}

/// The account a role of partition `wanted` must trust, or why there is none (at `partition`).
pub(crate) fn account_for(base: &BaseAccounts, wanted: Partition) -> Result<String, Diagnostics> {
    of(base, wanted).id.clone().ok_or_else(|| {
        let detail = match wanted {
            // docs.qualys.com "China region connectors": Qualys provides no China base account.
            Partition::China => "Qualys provides no base account for AWS China: the customer \
                creates their own China base account, and Qualys Support enables the China \
                region for the subscription. Until then, China connectors cannot be created."
                .to_owned(),
            _ => format!(
                "The subscription has no Qualys AWS account for {wanted} connectors; ask Qualys \
                 support whether {wanted} is enabled for it."
            ),
        };
        Diagnostic::error("Qualys reports no base account for this partition", detail)
            .at(AttrPath::attr("partition"))
            .into()
    })
}
