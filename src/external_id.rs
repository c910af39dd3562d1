//! Qualys's external-ID format for AWS connectors (seed 000): `<Qualys POD>-<Qualys subscription
//! ID>-<5 to 13 letters or digits>`. One rule shared by the connector's validation, `qualys_aws_external_id` and the provider
//! functions.

use std::fmt;

/// How long the random part of a generated external ID is: the longest Qualys accepts.
pub const SUFFIX_LEN: usize = 13;
const EXAMPLE: &str = "e.g. USPOD01-4765-9011278609223";

/// An external ID in Qualys's format, split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalId {
    pub pod: String,
    pub subscription_id: String,
    pub suffix: String,
}

impl fmt::Display for ExternalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}", self.pod, self.subscription_id, self.suffix)
    }
}

/// Which part of an external ID is wrong, and why, in the user's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExternalIdError {
    #[error(
        "{0:?} is not in the format <Qualys POD>-<subscription ID>-<5 to 13 letters or digits> \
         ({EXAMPLE})."
    )]
    Shape(String),
    #[error("{id:?}: the Qualys POD part {part:?} must be letters and digits ({EXAMPLE}).")]
    Pod { id: String, part: String },
    #[error("{id:?}: the subscription ID part {part:?} must be digits ({EXAMPLE}).")]
    SubscriptionId { id: String, part: String },
    #[error(
        "{id:?}: the random part {part:?} must be 5 to 13 letters or digits, no special \
         characters ({EXAMPLE})."
    )]
    Suffix { id: String, part: String },
}

impl ExternalIdError {
    /// The part at fault: `pod`, `subscription_id`, `suffix`, or `format` for the whole.
    pub fn part(&self) -> &'static str {
        match self {
            ExternalIdError::Shape(_) => "format",
            ExternalIdError::Pod { .. } => "pod",
            ExternalIdError::SubscriptionId { .. } => "subscription_id",
            ExternalIdError::Suffix { .. } => "suffix",
        }
    }
}

fn is_alphanumeric(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

pub fn valid_pod(pod: &str) -> bool {
    is_alphanumeric(pod)
}

pub fn valid_subscription_id(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())
}

pub fn valid_suffix(suffix: &str) -> bool {
    (5..=13).contains(&suffix.len()) && is_alphanumeric(suffix)
}

/// Splits an external ID into its parts, or says which part is wrong.
pub fn parse(id: &str) -> Result<ExternalId, ExternalIdError> {
    let parts: Vec<&str> = id.split('-').collect();
    let [pod, subscription_id, suffix] = parts[..] else {
        return Err(ExternalIdError::Shape(id.to_string()));
    };
    let wrong = |part: &str| (id.to_string(), part.to_string());
    if !valid_pod(pod) {
        let (id, part) = wrong(pod);
        return Err(ExternalIdError::Pod { id, part });
    }
    if !valid_subscription_id(subscription_id) {
        let (id, part) = wrong(subscription_id);
        return Err(ExternalIdError::SubscriptionId { id, part });
    }
    if !valid_suffix(suffix) {
        let (id, part) = wrong(suffix);
        return Err(ExternalIdError::Suffix { id, part });
    }
    Ok(ExternalId {
        pod: pod.to_string(),
        subscription_id: subscription_id.to_string(),
        suffix: suffix.to_string(),
    })
}

/// A fresh random part: [`SUFFIX_LEN`] letters and digits from the operating system's
/// generator.
pub fn random_suffix() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..SUFFIX_LEN)
        .map(|_| char::from(ALPHABET[rand::random_range(0..ALPHABET.len())]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_seed_example_and_says_which_part_is_wrong() {
        let id = parse("USPOD01-4765-9011278609223").unwrap();
        assert_eq!(
            (
                id.pod.as_str(),
                id.subscription_id.as_str(),
                id.suffix.as_str()
            ),
            ("USPOD01", "4765", "9011278609223")
        );
        assert_eq!(id.to_string(), "USPOD01-4765-9011278609223");
        let part = |s: &str| parse(s).unwrap_err().part();
        assert_eq!(part("USPOD01-4765"), "format");
        assert_eq!(part("a-b-c-d"), "format");
        assert_eq!(part("US_POD-4765-abcde"), "pod");
        assert_eq!(part("-4765-abcde"), "pod");
        assert_eq!(part("USPOD01-47a5-abcde"), "subscription_id");
        assert_eq!(part("USPOD01-4765-abcd"), "suffix");
        assert_eq!(part("USPOD01-4765-12345678901234"), "suffix");
        assert_eq!(part("USPOD01-4765-abc_def"), "suffix");
    }

    #[test]
    fn random_suffixes_are_valid_and_differ() {
        let a = random_suffix();
        let b = random_suffix();
        assert_eq!(a.len(), SUFFIX_LEN);
        assert!(valid_suffix(&a) && valid_suffix(&b));
        assert_ne!(a, b);
    }
}
