//! `qualys_aws_iam_policy`: the two halves of a connector's IAM role as JSON, so an aws-provider
//! configuration reads three attributes and is done: the trust policy (Qualys's account for the
//! partition, from the same base-account answer `qualys_aws_base_account` reads, and the
//! `sts:ExternalId` condition), the read actions Qualys needs beyond the AWS-managed
//! `SecurityAudit` policy, per connector app, and the managed policy's ARN in the partition.
//!
//! The actions are Qualys's own, each cited below: its Terraform template for an AWS connector
//! and its CloudFormation template, both in Qualys's public TotalCloud repository.

use serde_json::json;

use crate::connector::model::trust_principal;
use crate::connector::regions::Partition;
use crate::connector::validators::validate_aws_external_id;
use async_trait::async_trait;

use crate::configured::Configured;
use crate::plugin::diag::{AttrPath, Diagnostic, Diagnostics};
use crate::plugin::registry::DataSource;
use crate::plugin::schema::{Attribute, Block, Presence, Schema};
use crate::plugin::value::{Type, Value};

use super::aws_base_account::{account_for, base_accounts, partition};

/// Qualys's Terraform template for an AWS connector: `Qualys/TotalCloud`,
/// `Connectors/AWS/TerraformTemplates/aws_individual_connector_terraform.tf` (read at commit
/// 6dd8170), policy `QualysCSPMReadOnlyPolicy`, statement `QualysCustomPolicyPermissions`,
/// attached beside `SecurityAudit` to the role of a CSPM (`CSA`) connector. The template writes
/// the two SSM actions in lower case; IAM action names are case-insensitive, and these are
/// their documented spellings.
const CSPM_ACTIONS_TERRAFORM_TEMPLATE: [&str; 22] = [
    "states:DescribeStateMachine",
    "elasticfilesystem:DescribeFileSystemPolicy",
    "qldb:ListLedgers",
    "qldb:DescribeLedger",
    "kafka:ListClusters",
    "codebuild:BatchGetProjects",
    "wafv2:GetWebACLForResource",
    "backup:ListBackupVaults",
    "backup:DescribeBackupVault",
    "ec2:GetEbsEncryptionByDefault",
    "ec2:GetEbsDefaultKmsKeyId",
    "guardduty:ListDetectors",
    "guardduty:GetDetector",
    "glue:GetDataCatalogEncryptionSettings",
    "elasticmapreduce:GetBlockPublicAccessConfiguration",
    "lambda:GetFunctionConcurrency",
    "ds:ListLogSubscriptions",
    "ssm:GetDocument",
    "ssm:GetServiceSetting",
    "states:GetExecutionHistory",
    "eks:ListFargateProfiles",
    "eks:DescribeFargateProfile",
];

/// Qualys's CloudFormation template for the same role: `Qualys/TotalCloud`,
/// `Connectors/AWS/CloudFormation/tc-cspm-unified.yaml` (6dd8170), statement
/// `QualysCustomPolicyPermissionsForRoot` (CSPM): the Terraform template's actions plus this
/// one. Its wildcards (`states:Get*`, `ssm:Get*`, ...) are left out on purpose: `ssm:Get*`
/// reads Parameter Store secrets and `states:GetActivityTask` takes work off a queue, neither
/// of which a read-only assessment needs.
const CSPM_ACTIONS_CLOUDFORMATION: [&str; 1] = ["appflow:DescribeFlow"];

/// The API Gateway read both templates grant on REST APIs only (statement
/// `QualysAPIGatewayGetPermissions` in the Terraform template, `...ForRoot` in the
/// CloudFormation one, which writes the resource in the partition's form).
const CSPM_API_GATEWAY_ACTION: &str = "apigateway:GET";

/// The CloudFormation template's `QualysAssetInventoryPermissions` statement, its policy for
/// an asset-inventory (`AI`) connector (`organizations:list*` there).
const ASSET_INVENTORY_ACTIONS: [&str; 5] = [
    "ec2:DescribeInstances",
    "ec2:DescribeAddresses",
    "ec2:DescribeImages",
    "ec2:DescribeRegions",
    "organizations:List*",
];

/// What `qualys_aws_connector` defaults `connector_apps` to.
const DEFAULT_APPS: [&str; 3] = ["AI", "CI", "CSA"];

/// `qualys_aws_iam_policy` in the provider's registry.
pub struct AwsIamPolicy;

#[async_trait]
impl DataSource<Configured> for AwsIamPolicy {
    fn type_name(&self) -> &'static str {
        "qualys_aws_iam_policy"
    }

    fn schema(&self) -> Schema {
        let computed = |name: &str, ty: Type, description: &str| {
            Attribute::new(name, ty, Presence::Computed, description)
        };
        Schema {
            version: 0,
            block: Block {
                description: "The IAM policies of a connector's role, as JSON for the \
                    `hashicorp/aws` provider: the trust policy that lets Qualys's AWS account \
                    assume the role with your external ID, the read actions Qualys needs beyond \
                    the AWS-managed `SecurityAudit` policy (per connector app), and the ARNs of \
                    the managed policies to attach. The actions are the ones Qualys's own \
                    Terraform and CloudFormation templates grant. It asks Qualys for the account \
                    to trust once per run, as `qualys_aws_base_account` does."
                    .into(),
                attributes: vec![
                    Attribute::new(
                        "partition",
                        Type::String,
                        Presence::Optional,
                        "The role's AWS partition: `global` (commercial AWS, the default), `gov` \
                         (AWS GovCloud US) or `china` (AWS China). Sets the account to trust and \
                         the ARN forms.",
                    ),
                    Attribute::new(
                        "external_id",
                        Type::String,
                        Presence::Optional,
                        "The external ID Qualys presents, e.g. `qualys_aws_external_id.this.result`: \
                         the trust policy's `sts:ExternalId` condition. Only `trust_policy` needs \
                         it: Terraform reads a data source at plan only when all its arguments are \
                         known, so leave it out of the instance whose `permissions_policy` or \
                         `managed_policy_arns` a `count` or `for_each` uses (a generated external \
                         ID is known only after apply).",
                    ),
                    Attribute::new(
                        "connector_apps",
                        Type::set(Type::String),
                        Presence::Optional,
                        "The Qualys apps the connector feeds, as `qualys_aws_connector`'s \
                         `connector_apps`: `AI`, `CI`, `CSA`. Default: all three, the connector's \
                         default. `CSA` (CSPM) adds the assessment reads, `AI` the inventory reads; \
                         `CI` needs nothing beyond `SecurityAudit`.",
                    ),
                    computed(
                        "account_id",
                        Type::String,
                        "The Qualys AWS account the role trusts, for `partition`.",
                    ),
                    computed(
                        "trust_principal",
                        Type::String,
                        "The trust policy's principal: `arn:<aws|aws-us-gov|aws-cn>:iam::\
                         <account_id>:root`.",
                    ),
                    computed(
                        "trust_policy",
                        Type::String,
                        "The role's trust policy (`assume_role_policy`), JSON: `sts:AssumeRole` \
                         for `trust_principal`, on the condition `sts:ExternalId` = \
                         `external_id`; null without `external_id`.",
                    ),
                    computed(
                        "permissions_policy",
                        Type::String,
                        "A policy of the read actions Qualys needs beyond `SecurityAudit` for \
                         `connector_apps`, JSON, for an `aws_iam_policy` or `aws_iam_role_policy`; \
                         null when the apps need none.",
                    ),
                    computed(
                        "managed_policy_arns",
                        Type::list(Type::String),
                        "The AWS-managed policies to attach, in the partition's ARN form: \
                         `arn:<partition>:iam::aws:policy/SecurityAudit`.",
                    ),
                ],
            },
        }
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let mut diags = Diagnostics::default();
        if let Err(d) = partition(config) {
            diags.push(d);
        }
        if let Some(id) = config.get("external_id").as_str()
            && let Err(why) = validate_aws_external_id(id)
        {
            diags.push(
                Diagnostic::error("Invalid external_id", why).at(AttrPath::attr("external_id")),
            );
        }
        for app in apps(config) {
            if !DEFAULT_APPS.contains(&app.as_str()) {
                diags.push(
                    Diagnostic::error(
                        format!("Unsupported connector_apps value {app:?}"),
                        format!("connector_apps takes {}.", DEFAULT_APPS.join(", ")),
                    )
                    .at(AttrPath::attr("connector_apps")),
                );
            }
        }
        diags
    }

    async fn read(&self, with: &Configured, config: Value) -> Result<Value, Diagnostics> {
        let client = &with.client()?;
        let config = &config;
        let wanted = partition(config)?;
        let diags = self.validate(config);
        if diags.has_errors() {
            return Err(diags);
        }
        let base = base_accounts(client).await?;
        let account = account_for(&base, wanted)?;
        let principal = trust_principal(wanted, &account);
        Ok(Value::object([
            ("partition", config.get("partition").clone()),
            ("external_id", config.get("external_id").clone()),
            ("connector_apps", config.get("connector_apps").clone()),
            ("account_id", Value::string(account)),
            (
                "trust_policy",
                config
                    .get("external_id")
                    .as_str()
                    .map(|external_id| Value::string(trust_policy(&principal, external_id)))
                    .unwrap_or(Value::Null),
            ),
            ("trust_principal", Value::string(principal)),
            (
                "permissions_policy",
                permissions_policy(wanted, &apps(config))
                    .map(Value::string)
                    .unwrap_or(Value::Null),
            ),
            (
                "managed_policy_arns",
                Value::List(
                    managed_policy_arns(wanted)
                        .into_iter()
                        .map(Value::string)
                        .collect(),
                ),
            ),
        ]))
    }
}

fn apps(config: &Value) -> Vec<String> {
    match config.get("connector_apps").elements() {
        Some(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        None => DEFAULT_APPS.iter().map(|a| a.to_string()).collect(),
    }
}

/// The trust policy, as `jsonencode` would write it (keys sorted, no spaces).
pub fn trust_policy(principal: &str, external_id: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "QualysAssumeRole",
            "Effect": "Allow",
            "Principal": {"AWS": principal},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
        }],
    })
    .to_string()
}

/// The read actions `apps` need beyond `SecurityAudit`; `None` when they need none.
pub fn permissions_policy(partition: Partition, apps: &[String]) -> Option<String> {
    let has = |app: &str| apps.iter().any(|a| a == app);
    let mut statements = Vec::new();
    if has("CSA") {
        let actions: Vec<&str> = CSPM_ACTIONS_TERRAFORM_TEMPLATE
            .iter()
            .chain(&CSPM_ACTIONS_CLOUDFORMATION)
            .copied()
            .collect();
        statements.push(json!({
            "Sid": "QualysCspmReads",
            "Effect": "Allow",
            "Action": actions,
            "Resource": "*",
        }));
        statements.push(json!({
            "Sid": "QualysCspmApiGatewayReads",
            "Effect": "Allow",
            "Action": CSPM_API_GATEWAY_ACTION,
            "Resource": format!("arn:{}:apigateway:*::/restapis/*", partition.arn_partition()),
        }));
    }
    if has("AI") {
        statements.push(json!({
            "Sid": "QualysAssetInventoryReads",
            "Effect": "Allow",
            "Action": ASSET_INVENTORY_ACTIONS,
            "Resource": "*",
        }));
    }
    (!statements.is_empty())
        .then(|| json!({"Version": "2012-10-17", "Statement": statements}).to_string())
}

pub fn managed_policy_arns(partition: Partition) -> Vec<String> {
    vec![format!(
        "arn:{}:iam::aws:policy/SecurityAudit",
        partition.arn_partition()
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apps_of(list: &[&str]) -> Vec<String> {
        list.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn the_trust_policy_names_the_principal_and_the_external_id() {
        let policy: serde_json::Value = serde_json::from_str(&trust_policy(
            "arn:aws-us-gov:iam::123456789012:root",
            "USPOD01-4765-abcde",
        ))
        .unwrap();
        let statement = &policy["Statement"][0];
        assert_eq!(
            statement["Principal"]["AWS"],
            "arn:aws-us-gov:iam::123456789012:root"
        );
        assert_eq!(statement["Action"], "sts:AssumeRole");
        assert_eq!(
            statement["Condition"]["StringEquals"]["sts:ExternalId"],
            "USPOD01-4765-abcde"
        );
    }

    #[test]
    fn permissions_follow_the_apps_and_the_partition() {
        let all = permissions_policy(Partition::China, &apps_of(&DEFAULT_APPS)).unwrap();
        let policy: serde_json::Value = serde_json::from_str(&all).unwrap();
        let statements = policy["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 3);
        assert_eq!(
            statements[0]["Action"].as_array().unwrap().len(),
            CSPM_ACTIONS_TERRAFORM_TEMPLATE.len() + 1
        );
        assert_eq!(
            statements[1]["Resource"],
            "arn:aws-cn:apigateway:*::/restapis/*"
        );
        assert!(all.contains("ec2:DescribeInstances"));
        let ai = permissions_policy(Partition::Global, &apps_of(&["AI"])).unwrap();
        assert!(!ai.contains("guardduty") && ai.contains("ec2:DescribeRegions"));
        assert_eq!(
            permissions_policy(Partition::Global, &apps_of(&["CI"])),
            None
        );
        assert_eq!(
            managed_policy_arns(Partition::Gov),
            ["arn:aws-us-gov:iam::aws:policy/SecurityAudit"]
        );
    }

    #[test]
    fn no_action_is_listed_twice_and_none_writes() {
        let mut all: Vec<&str> = CSPM_ACTIONS_TERRAFORM_TEMPLATE
            .iter()
            .chain(&CSPM_ACTIONS_CLOUDFORMATION)
            .chain(&ASSET_INVENTORY_ACTIONS)
            .copied()
            .collect();
        all.sort_unstable();
        let before = all.len();
        all.dedup();
        assert_eq!(all.len(), before);
        for action in all {
            let verb = action.split(':').nth(1).unwrap_or_default();
            assert!(
                ["Describe", "Get", "List", "BatchGet"]
                    .iter()
                    .any(|read| verb.starts_with(read)),
                "{action} is not a read"
            );
        }
    }
}
