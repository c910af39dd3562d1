//! What tells one connector from another: its name, ARN, external ID and AWS account, as
//! either API family reports them or a create sends them. A connector answered without them
//! is [`Error::Incomplete`], never half-read state.

use super::error::Error;

/// A connector's name, ARN, external ID and AWS account, as reported or sent.
pub(crate) struct Identity<'a> {
    pub(crate) name: Option<&'a str>,
    pub(crate) arn: Option<&'a str>,
    pub(crate) external_id: Option<&'a str>,
    pub(crate) aws_account_id: Option<&'a str>,
}

impl Identity<'_> {
    /// The AWS account: the one reported, else the one of the role ARN.
    pub(crate) fn account(&self) -> Option<&str> {
        self.aws_account_id
            .filter(|a| !a.is_empty())
            .or_else(|| self.arn.and_then(aws_account_id_from_arn))
    }
}

/// Turns an answer whose connector lacks identity fields (absent or blank) into
/// [`Error::Incomplete`]: recording it as it is would make Terraform see a changed or
/// half-empty connector. `created_id` is the id of a connector Qualys made, which the
/// caller must still keep.
pub(crate) fn require_identity(
    context: impl FnOnce() -> String,
    created_id: Option<String>,
    fields: [(&str, Option<&str>); 3],
) -> Result<(), Error> {
    let missing: Vec<String> = fields
        .iter()
        .filter(|(_, value)| value.is_none_or(|v| v.trim().is_empty()))
        .map(|(name, _)| (*name).to_owned())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::Incomplete {
            context: context(),
            id: created_id,
            missing,
        })
    }
}

/// The AWS account of an IAM role ARN (`arn:<partition>:iam::<12 digits>:role/...`).
pub fn aws_account_id_from_arn(arn: &str) -> Option<&str> {
    let mut parts = arn.split(':');
    let (Some("arn"), Some(_partition), Some("iam"), Some(""), Some(account)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then_some(account)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_fields_absent_or_blank_are_missing() {
        let ok = require_identity(
            || "c".into(),
            None,
            [
                ("name", Some("n")),
                ("arn", Some("a")),
                ("externalId", Some("x")),
            ],
        );
        assert!(ok.is_ok());
        let err = require_identity(
            || "create".into(),
            Some("7".into()),
            [
                ("name", Some(" ")),
                ("arn", None),
                ("externalId", Some("x")),
            ],
        )
        .unwrap_err();
        assert_eq!(err.created_id(), Some("7"));
        assert!(
            matches!(&err, Error::Incomplete { missing, context, .. } if missing == &["name", "arn"] && context == "create"),
            "{err}"
        );
    }

    #[test]
    fn account_id_from_arn() {
        assert_eq!(
            aws_account_id_from_arn("arn:aws:iam::123456789012:role/QAtest"),
            Some("123456789012")
        );
        assert_eq!(
            aws_account_id_from_arn("arn:aws-us-gov:iam::210987654321:role/path/x"),
            Some("210987654321")
        );
        assert_eq!(
            aws_account_id_from_arn("arn:aws-cn:iam::000000000001:role/x"),
            Some("000000000001")
        );
        assert_eq!(
            aws_account_id_from_arn("arn:aws:iam::00000:role/test"),
            None
        );
        assert_eq!(aws_account_id_from_arn("arn:aws:s3:::bucket"), None);
        assert_eq!(aws_account_id_from_arn(""), None);
    }
}
