//! The seeds' rules as small named checks, and the one error type that says which rule a request
//! broke. QPS reports these as `INVALID_REQUEST`, CloudView as HTTP 400 with `code()`.

use crate::lenient::FieldError;
use crate::regions::Partition;

/// Which API a request came through: the external-ID rule and field names differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    Qps,
    CloudView,
}

/// A broken rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    #[error("{0} is required")]
    Missing(&'static str),
    #[error(transparent)]
    BadValue(#[from] FieldError),
    #[error("name must be 1 to 255 characters long, got {0}")]
    NameLength(usize),
    #[error(
        "arn `{0}` is not an IAM role ARN of the form arn:<aws|aws-us-gov|aws-cn>:iam::<12-digit account id>:role/<name>"
    )]
    Arn(String),
    #[error("{flag} is {value} but the role ARN is in partition {partition}")]
    PartitionMismatch {
        flag: &'static str,
        value: bool,
        partition: &'static str,
    },
    #[error(
        "externalId `{0}` is not in the format <Qualys POD>-<Qualys Subscription ID>-<5 to 13 letters or digits>"
    )]
    ExternalIdFormat(String),
    #[error("externalId must be 2 to 1224 characters among letters, digits and +=,.@:/_-")]
    ExternalIdCharset,
    #[error("{field} must be between 60 and 1440 minutes, got {minutes}")]
    Frequency { field: &'static str, minutes: u64 },
    #[error("cspmRegions is accepted only when allRegions is false")]
    CspmRegionsWithAllRegions,
    #[error("endpoints is accepted only when allRegions is false")]
    EndpointsWithAllRegions,
    #[error("endpoint region {0} is not among the cspmRegions")]
    EndpointOutsideCspm(String),
    #[error("region code {code} is not supported for {partition} connectors")]
    UnsupportedRegion {
        code: String,
        partition: &'static str,
    },
    #[error("region selection (cspmRegions) is not enabled for this subscription")]
    RegionSelectionDisabled,
    #[error("activation module `{0}` is not one of VM, PC, CERTVIEW, CLOUDVIEW, SCA, CSA")]
    UnknownModule(String),
    #[error("connector app `{0}` is not one of AI, CI, CSA")]
    UnknownApp(String),
    #[error("the connector is disabled and cannot be run")]
    ConnectorDisabled,
    /// A QList `update` of an item the collection does not hold (DECISION).
    #[error("{field} has no item `{item}` to update")]
    NotInCollection { field: &'static str, item: String },
    /// A China connector without the subscription's own China base account or without the
    /// region enabled (EVIDENCE 7, docs.qualys.com "China region connectors"; wording DECISION).
    #[error(
        "The China region is not enabled for your subscription. A China region connector needs your own AWS account as China base account and the China region enabled for your subscription by Qualys Support."
    )]
    ChinaRegionNotEnabled,
    /// CloudView asked to change a connector the Connector app made (EVIDENCE: CloudView 1.23
    /// release notes, via qualys-api.md's "Public evidence").
    #[error("Connector cannot be updated until it is merged into the Connector app")]
    NotMerged,
    /// The Connector app (QPS) asked to change a connector CloudView made (EVIDENCE: the
    /// docs.qualys.com v3 update page, via qualys-api.md's "Public evidence").
    #[error("Only connectors created in the Connector app can be updated through this API")]
    NotConnectorApp,
}

impl ValidationError {
    /// CloudView's `errorCode` for this rule.
    pub fn code(&self) -> &'static str {
        match self {
            ValidationError::Missing(_) | ValidationError::BadValue(_) => "INVALID_REQUEST",
            ValidationError::NameLength(_) => "INVALID_NAME",
            ValidationError::Arn(_) => "INVALID_ARN",
            ValidationError::PartitionMismatch { .. } => "PARTITION_MISMATCH",
            ValidationError::ExternalIdFormat(_) | ValidationError::ExternalIdCharset => {
                "INVALID_EXTERNAL_ID"
            }
            ValidationError::Frequency { .. } => "INVALID_POLLING_FREQUENCY",
            ValidationError::CspmRegionsWithAllRegions
            | ValidationError::EndpointsWithAllRegions
            | ValidationError::EndpointOutsideCspm(_)
            | ValidationError::UnsupportedRegion { .. } => "INVALID_REGIONS",
            ValidationError::RegionSelectionDisabled => "REGION_SELECTION_DISABLED",
            ValidationError::UnknownModule(_) | ValidationError::UnknownApp(_) => "INVALID_REQUEST",
            ValidationError::ConnectorDisabled => "CONNECTOR_DISABLED",
            ValidationError::NotInCollection { .. } => "INVALID_REQUEST",
            ValidationError::ChinaRegionNotEnabled => "CHINA_REGION_NOT_ENABLED",
            ValidationError::NotMerged => "CONNECTOR_NOT_MERGED",
            ValidationError::NotConnectorApp => "INVALID_REQUEST",
        }
    }

    /// QPS's `errorResolution`: what the caller should change.
    pub fn resolution(&self) -> &'static str {
        match self {
            ValidationError::Missing(_) => "Provide the missing field.",
            ValidationError::BadValue(_) => "Correct the value's type.",
            ValidationError::NameLength(_) => "Use a name of 1 to 255 characters.",
            ValidationError::Arn(_) => "Provide the ARN of an IAM role in your AWS account.",
            ValidationError::PartitionMismatch { .. } => {
                "Use a role ARN in the partition matching the GovCloud/China setting."
            }
            ValidationError::ExternalIdFormat(_) => {
                "Use an external ID of the form <Qualys POD>-<Qualys Subscription ID>-<5 to 13 letters or digits>."
            }
            ValidationError::ExternalIdCharset => {
                "Use 2 to 1224 characters among letters, digits and +=,.@:/_-."
            }
            ValidationError::Frequency { .. } => "Use a value between 60 and 1440 minutes.",
            ValidationError::CspmRegionsWithAllRegions
            | ValidationError::EndpointsWithAllRegions => {
                "Set allRegions to false to select regions."
            }
            ValidationError::EndpointOutsideCspm(_) => {
                "Select endpoints regions from the cspmRegions."
            }
            ValidationError::UnsupportedRegion { .. } => {
                "Use a supported region code of the connector's partition."
            }
            ValidationError::RegionSelectionDisabled => {
                "Contact Qualys support to enable region selection for your subscription."
            }
            ValidationError::UnknownModule(_) => {
                "Use activation modules among VM, PC, CERTVIEW, CLOUDVIEW, SCA, CSA."
            }
            ValidationError::UnknownApp(_) => "Use connector apps among AI, CI, CSA.",
            ValidationError::ConnectorDisabled => "Enable the connector first.",
            ValidationError::NotInCollection { .. } => {
                "Update only items the collection holds; use add for new ones."
            }
            ValidationError::ChinaRegionNotEnabled => {
                "Create a China base account with your own AWS account, and contact your TAM or raise a support ticket to enable the China region."
            }
            ValidationError::NotMerged => "Update the connector through the Connector app API.",
            ValidationError::NotConnectorApp => {
                "Update the connector through the API that created it."
            }
        }
    }
}

/// The parts of a role ARN the simulator needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleArn {
    pub partition: Partition,
    pub account: String,
}

/// `arn:<aws|aws-us-gov|aws-cn>:iam::<12 digits>:role/<path/name>`.
pub fn parse_arn(arn: &str) -> Result<RoleArn, ValidationError> {
    let bad = || ValidationError::Arn(arn.to_owned());
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts.as_slice() else {
        return Err(bad());
    };
    let partition = Partition::from_arn(partition).ok_or_else(bad)?;
    let well_formed = *prefix == "arn"
        && *service == "iam"
        && region.is_empty()
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && is_role_resource(resource);
    if !well_formed {
        return Err(bad());
    }
    Ok(RoleArn {
        partition,
        account: (*account).to_owned(),
    })
}

fn is_role_resource(resource: &str) -> bool {
    let Some(path) = resource.strip_prefix("role/") else {
        return false;
    };
    let name_char = |c: char| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c);
    let segments: Vec<&str> = path.split('/').collect();
    let name = segments.last().copied().unwrap_or_default();
    resource.len() <= 512
        && (1..=64).contains(&name.len())
        && segments
            .iter()
            .all(|s| !s.is_empty() && s.chars().all(name_char))
}

/// Seed 000's format: `<POD>-<Subscription ID>-<5..13 letters or digits>`.
pub fn is_new_external_id(id: &str) -> bool {
    let parts: Vec<&str> = id.split('-').collect();
    let [pod, subscription, random] = parts.as_slice() else {
        return false;
    };
    !pod.is_empty()
        && pod.bytes().all(|b| b.is_ascii_alphanumeric())
        && !subscription.is_empty()
        && subscription.bytes().all(|b| b.is_ascii_digit())
        && (5..=13).contains(&random.len())
        && random.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// AWS's own rule for `sts:ExternalId`, all QPS asks for.
pub fn is_aws_external_id(id: &str) -> bool {
    (2..=1224).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@:/_-".contains(c))
}

/// External-ID rule of the API the request came through.
pub fn validate_external_id(api: Api, id: &str) -> Result<(), ValidationError> {
    match api {
        Api::CloudView if !is_new_external_id(id) => {
            Err(ValidationError::ExternalIdFormat(id.to_owned()))
        }
        Api::Qps if !is_aws_external_id(id) => Err(ValidationError::ExternalIdCharset),
        _ => Ok(()),
    }
}

/// Name of 1 to 255 characters.
pub fn validate_name(name: &str) -> Result<(), ValidationError> {
    let len = name.chars().count();
    if (1..=255).contains(&len) {
        Ok(())
    } else {
        Err(ValidationError::NameLength(len))
    }
}

/// Sync period of 60 to 1440 minutes.
pub fn validate_frequency(field: &'static str, minutes: u64) -> Result<u32, ValidationError> {
    match u32::try_from(minutes) {
        Ok(m) if (60..=1440).contains(&m) => Ok(m),
        _ => Err(ValidationError::Frequency { field, minutes }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_in_each_partition() {
        let arn = parse_arn("arn:aws:iam::123456789012:role/QAtest").expect("valid");
        assert_eq!(arn.partition, Partition::Global);
        assert_eq!(arn.account, "123456789012");
        let gov = parse_arn("arn:aws-us-gov:iam::123456789012:role/path/to/R").expect("valid");
        assert_eq!(gov.partition, Partition::GovCloud);
        let cn = parse_arn("arn:aws-cn:iam::123456789012:role/R").expect("valid");
        assert_eq!(cn.partition, Partition::China);
    }

    #[test]
    fn malformed_arns() {
        for arn in [
            "",
            "arn:aws:iam::00000:role/test",
            "arn:aws:iam::XXXXXXXXXXXX:role/QAtest",
            "arn:aws-iso:iam::123456789012:role/R",
            "arn:aws:s3::123456789012:role/R",
            "arn:aws:iam:us-east-1:123456789012:role/R",
            "arn:aws:iam::123456789012:user/R",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:iam::123456789012:role/a//b",
            "arn:aws:iam::123456789012:role/bad name",
        ] {
            assert!(
                matches!(parse_arn(arn), Err(ValidationError::Arn(_))),
                "{arn}"
            );
        }
        let long = format!("arn:aws:iam::123456789012:role/{}", "r".repeat(65));
        assert!(parse_arn(&long).is_err());
    }

    #[test]
    fn new_external_id_format() {
        assert!(is_new_external_id("USPOD01-4765-9011278609223"));
        assert!(is_new_external_id("US2-1-abCDe"));
        assert!(!is_new_external_id("USPOD01-4765-abcd"));
        assert!(!is_new_external_id("USPOD01-4765-12345678901234"));
        assert!(!is_new_external_id("USPOD01-4765-abc_def"));
        assert!(!is_new_external_id("USPOD01-47a5-abcdef"));
        assert!(!is_new_external_id("pod-test-env"));
        assert!(!is_new_external_id("USPOD01-4765-abcde-f"));
        assert!(!is_new_external_id("-4765-abcdef"));
    }

    #[test]
    fn external_id_rule_depends_on_the_api() {
        assert!(validate_external_id(Api::Qps, "pod-test-env").is_ok());
        assert_eq!(
            validate_external_id(Api::CloudView, "pod-test-env"),
            Err(ValidationError::ExternalIdFormat("pod-test-env".into()))
        );
        assert_eq!(
            validate_external_id(Api::Qps, "x"),
            Err(ValidationError::ExternalIdCharset)
        );
        assert_eq!(
            validate_external_id(Api::Qps, "has space"),
            Err(ValidationError::ExternalIdCharset)
        );
    }

    #[test]
    fn name_and_frequency_bounds() {
        assert!(validate_name("a").is_ok());
        assert!(validate_name(&"é".repeat(255)).is_ok());
        assert_eq!(validate_name(""), Err(ValidationError::NameLength(0)));
        assert_eq!(
            validate_name(&"a".repeat(256)),
            Err(ValidationError::NameLength(256))
        );
        assert_eq!(validate_frequency("runFrequency", 60), Ok(60));
        assert_eq!(validate_frequency("runFrequency", 1440), Ok(1440));
        assert!(validate_frequency("runFrequency", 59).is_err());
        assert!(validate_frequency("runFrequency", 1441).is_err());
        assert!(validate_frequency("runFrequency", u64::MAX).is_err());
    }

    #[test]
    fn every_error_has_a_code_and_resolution() {
        let e = ValidationError::RegionSelectionDisabled;
        assert_eq!(e.code(), "REGION_SELECTION_DISABLED");
        assert!(e.resolution().contains("support"));
    }
}
