//! What the flows shared by every API family need of one: [`Qps`](super::Qps) (either version)
//! and [`CloudView`](super::CloudView) implement [`ConnectorApi`], so a maybe-done create
//! ([`create`](super::create)), the existence checks ([`inventory`](super::inventory)) and the
//! refresh's listing ([`refresh`](super::refresh)) are written once.

use std::fmt::Display;
use std::future::Future;
use std::hash::Hash;

use super::create::Sent;
use super::error::Error;
use super::refresh::{Listing, Snapshot};
use super::retry::Deadline;
use super::{Client, aws_account_id_from_arn};

/// One API family's connectors, as the shared flows use them.
pub(crate) trait ConnectorApi: Sync {
    /// The QPS number or the CloudView UUID.
    type Id: Clone + Eq + Ord + Hash + Display + Send + Sync;
    type Connector: Clone + Send + Sync;
    /// What a create sends.
    type Spec: Sync;
    /// How a listing's answer is named in messages.
    const LISTED: &'static str;

    fn client(&self) -> &Client;

    /// The refresh's listing of this family (see [`refresh`](super::refresh)).
    fn snapshot(&self) -> &Snapshot<Self::Id, Self::Connector>;

    fn id(connector: &Self::Connector) -> Self::Id;

    /// The fields that tell one connector from another.
    fn identity(connector: &Self::Connector) -> Identity<'_>;

    /// The name, ARN and external ID a create of `spec` sends.
    fn spec_identity(spec: &Self::Spec) -> Identity<'_>;

    /// [`Error::Incomplete`] unless `connector` has its identity fields; `what` names the
    /// answer it came in, `created` keeps its id in the error (Qualys made it).
    fn require_identity(
        &self,
        connector: &Self::Connector,
        what: &str,
        created: bool,
    ) -> Result<(), Error>;

    /// Sends a create once (see [`create`](super::create)).
    fn send_create(
        &self,
        spec: &Self::Spec,
        deadline: Deadline,
    ) -> impl Future<Output = Result<Sent<Self::Connector>, Error>> + Send;

    /// The connectors named exactly `name` (and, where the family can filter on it, in AWS
    /// account `account`), as Qualys lists them now.
    fn search_by_name(
        &self,
        name: &str,
        account: Option<&str>,
        deadline: Deadline,
    ) -> impl Future<Output = Result<Vec<Self::Connector>, Error>> + Send;

    /// Lists the page of `listing` that comes next into it.
    fn list_next_page(
        &self,
        listing: &mut Listing<Self::Id, Self::Connector>,
        deadline: Deadline,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// Every connector, listed now on its own rather than through the snapshot; identity
    /// fields are left to the caller to require.
    fn list_all_fresh(
        &self,
        deadline: Deadline,
    ) -> impl Future<Output = Result<Vec<Self::Connector>, Error>> + Send;
}

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
}
