//! Small named checks of user input, each returning the user-facing reason it fails. The
//! resource decides where they apply and attaches attribute paths; callers never pass
//! unknown values (validation is skipped for those).

use crate::regions::{self, Partition};

/// An IAM role ARN, split: `arn:<partition>:iam::<12 digits>:role/<path/name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleArn<'a> {
    pub partition: Partition,
    pub account_id: &'a str,
    pub role: &'a str,
}

pub fn parse_role_arn(arn: &str) -> Result<RoleArn<'_>, String> {
    let shape = "an IAM role ARN looks like arn:aws:iam::123456789012:role/QualysConnector \
                 (partition aws, aws-us-gov or aws-cn)";
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account_id, resource] = parts[..] else {
        return Err(format!("{arn:?} is not an ARN; {shape}."));
    };
    if prefix != "arn" {
        return Err(format!("{arn:?} does not start with \"arn:\"; {shape}."));
    }
    let partition = match partition {
        "aws" => Partition::Global,
        "aws-us-gov" => Partition::Gov,
        "aws-cn" => Partition::China,
        other => {
            return Err(format!(
                "{arn:?} has partition {other:?}; Qualys connectors support aws, aws-us-gov and aws-cn."
            ));
        }
    };
    if service != "iam" || !region.is_empty() {
        return Err(format!("{arn:?} is not an IAM ARN; {shape}."));
    }
    if account_id.len() != 12 || !account_id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "{arn:?} has account {account_id:?}; an AWS account ID is exactly 12 digits."
        ));
    }
    let role = resource
        .strip_prefix("role/")
        .filter(|r| !r.is_empty() && !r.ends_with('/'))
        .ok_or_else(|| format!("{arn:?} does not name a role (role/<name>); {shape}."))?;
    if !role
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-/".contains(&b))
    {
        return Err(format!(
            "{arn:?} has characters IAM does not allow in a role name."
        ));
    }
    Ok(RoleArn {
        partition,
        account_id,
        role,
    })
}

/// AWS's rule for an external ID in a role's trust policy (QPS connectors).
pub fn validate_aws_external_id(id: &str) -> Result<(), String> {
    let len = id.chars().count();
    if !(2..=1224).contains(&len) {
        return Err(format!(
            "an external ID has 2 to 1224 characters; this one has {len}."
        ));
    }
    if let Some(bad) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "+=,.@:/_-".contains(*c)))
    {
        return Err(format!(
            "{bad:?} is not allowed in an external ID (letters, digits and +=,.@:/_- are)."
        ));
    }
    Ok(())
}

/// CloudView's external-ID format for new and updated connectors (seed 000):
/// `<Qualys POD>-<Qualys subscription ID>-<5 to 13 letters or digits>`.
pub fn validate_cloudview_external_id(id: &str) -> Result<(), String> {
    crate::external_id::parse(id)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

pub fn validate_name(name: &str) -> Result<(), String> {
    let len = name.chars().count();
    if (1..=255).contains(&len) {
        Ok(())
    } else {
        Err(format!(
            "a connector name has 1 to 255 characters; this one has {len}."
        ))
    }
}

/// A name or description without leading or trailing whitespace: Qualys's XML API (v2) answers
/// such text trimmed, so a padded value would never read back as configured (an "inconsistent
/// result after apply", and a replacement on every apply). The rule holds on every API, so a
/// configuration does not start failing when its `api` changes.
pub fn validate_no_edge_whitespace(text: &str) -> Result<(), String> {
    let edge = if text.starts_with(char::is_whitespace) {
        "starts"
    } else if text.ends_with(char::is_whitespace) {
        "ends"
    } else {
        return Ok(());
    };
    Err(format!(
        "{:?} {edge} with whitespace, which Qualys trims (its XML API answers the text without \
         it): write {:?}.",
        text,
        text.trim()
    ))
}

/// How a region code stands against the supported-region table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionCode {
    /// In the table, for the connector's partition.
    Supported,
    /// Well formed and of the connector's partition, but not in the table: a region AWS (and
    /// maybe Qualys) added after this provider's release. Qualys decides at apply.
    NotListed,
}

/// The partition an AWS region code belongs to by its form (`cn-...`, `us-gov-...`, others
/// commercial), if it is a well-formed code: `<2 letters>[-gov]-<direction>-<number>`, such
/// as `eu-central-2` or `us-gov-east-1`.
pub fn region_code_partition(code: &str) -> Option<Partition> {
    let parts: Vec<&str> = code.split('-').collect();
    let (geo, rest) = parts.split_first()?;
    let rest = match rest {
        ["gov", rest @ ..] => rest,
        rest => rest,
    };
    let well_formed = geo.len() == 2
        && geo.bytes().all(|b| b.is_ascii_lowercase())
        && rest.len() == 2
        && !rest[0].is_empty()
        && rest[0].bytes().all(|b| b.is_ascii_lowercase())
        && (1..=2).contains(&rest[1].len())
        && rest[1].bytes().all(|b| b.is_ascii_digit());
    if !well_formed {
        return None;
    }
    Some(if code.starts_with("us-gov-") {
        Partition::Gov
    } else if *geo == "cn" {
        Partition::China
    } else {
        Partition::Global
    })
}

/// A region code for connectors in `partition`: supported, or well formed and of the right
/// partition but not listed (a warning, not an error: Qualys decides at apply). Codes of
/// another partition, and malformed codes, are errors.
pub fn validate_region_code(code: &str, partition: Partition) -> Result<RegionCode, String> {
    let other_partition = |of: Partition| {
        format!(
            "{code:?} is a {of} region, but this connector is in the {partition} partition ({}).",
            partition_hint(partition)
        )
    };
    match regions::find(code) {
        Some(r) if r.partition == partition => Ok(RegionCode::Supported),
        Some(r) => Err(other_partition(r.partition)),
        None => match region_code_partition(code) {
            Some(of) if of == partition => Ok(RegionCode::NotListed),
            Some(of) => Err(other_partition(of)),
            None => {
                let valid: Vec<&str> = regions::regions(Some(partition))
                    .iter()
                    .map(|r| r.code)
                    .collect();
                Err(format!(
                    "{code:?} is not an AWS region code (such as \"us-east-1\"). Qualys supports \
                     for {} connectors: {}. The qualys_aws_regions data source lists them.",
                    partition,
                    valid.join(", ")
                ))
            }
        },
    }
}

fn partition_hint(partition: Partition) -> &'static str {
    match partition {
        Partition::Global => "is_gov_cloud and is_china_region are false",
        Partition::Gov => "is_gov_cloud = true",
        Partition::China => "is_china_region = true",
    }
}

/// Polling frequency: whole hours and minutes, 60 to 1440 minutes in all.
pub fn validate_polling_frequency(hours: i64, minutes: i64) -> Result<u32, String> {
    if hours < 0 || !(0..=59).contains(&minutes) {
        return Err(format!(
            "hours must be 0 or more and minutes 0 to 59; got hours = {hours}, minutes = {minutes}."
        ));
    }
    let total = hours * 60 + minutes;
    if !(60..=1440).contains(&total) {
        return Err(format!(
            "the polling frequency must be between 1 hour and 24 hours (60 to 1440 minutes); \
             got {total} minutes."
        ));
    }
    u32::try_from(total).map_err(|_| "polling frequency out of range".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns() {
        let a = parse_role_arn("arn:aws-us-gov:iam::123456789012:role/path/Qualys").unwrap();
        assert_eq!(a.partition, Partition::Gov);
        assert_eq!(a.account_id, "123456789012");
        assert_eq!(a.role, "path/Qualys");
        for bad in [
            "arn:aws:iam::12345:role/x",
            "arn:aws:s3:::bucket",
            "arn:aws:iam::123456789012:user/x",
            "arn:azure:iam::123456789012:role/x",
            "arn:aws:iam::123456789012:role/",
            "not an arn",
        ] {
            assert!(parse_role_arn(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn aws_external_ids() {
        assert!(validate_aws_external_id("pod-test-env").is_ok());
        assert!(validate_aws_external_id("x").is_err());
        assert!(validate_aws_external_id("has space").is_err());
        assert!(validate_aws_external_id(&"a".repeat(1225)).is_err());
    }

    #[test]
    fn cloudview_external_ids() {
        assert!(validate_cloudview_external_id("USPOD01-4765-9011278609223").is_ok());
        assert!(validate_cloudview_external_id("USPOD01-4765-abcde").is_ok());
        for bad in [
            "pod-test-env",
            "USPOD01-4765-abcd",
            "USPOD01-4765-abcdefghijklmn",
            "USPOD01-47a5-abcdef",
            "USPOD01-4765-abc_def",
            "USPOD01-4765",
        ] {
            assert!(validate_cloudview_external_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn region_codes_by_partition() {
        assert_eq!(
            validate_region_code("us-east-1", Partition::Global),
            Ok(RegionCode::Supported)
        );
        let wrong = validate_region_code("us-gov-west-1", Partition::Global).unwrap_err();
        assert!(wrong.contains("gov region"), "{wrong}");
        // Well formed but newer than the table: Qualys decides.
        assert_eq!(
            validate_region_code("eu-central-2", Partition::Global),
            Ok(RegionCode::NotListed)
        );
        assert_eq!(
            validate_region_code("us-gov-north-9", Partition::Gov),
            Ok(RegionCode::NotListed)
        );
        // Partition rules stay errors, for listed and unlisted codes alike.
        let wrong = validate_region_code("cn-south-7", Partition::Global).unwrap_err();
        assert!(wrong.contains("china region"), "{wrong}");
        let wrong = validate_region_code("us-moon-1", Partition::China).unwrap_err();
        assert!(wrong.contains("global region"), "{wrong}");
        for malformed in [
            "us-east",
            "US-EAST-1",
            "useast1",
            "eu-central-2a",
            "e-central-1",
            "",
        ] {
            let why = validate_region_code(malformed, Partition::Global).unwrap_err();
            assert!(why.contains("not an AWS region code"), "{malformed}: {why}");
        }
    }

    #[test]
    fn polling_frequency_bounds() {
        assert_eq!(validate_polling_frequency(4, 0), Ok(240));
        assert_eq!(validate_polling_frequency(24, 0), Ok(1440));
        assert!(validate_polling_frequency(0, 59).is_err());
        assert!(validate_polling_frequency(24, 1).is_err());
        assert!(validate_polling_frequency(1, 60).is_err());
    }
}
