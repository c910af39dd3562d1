//! What the flows shared by every API family need of one: [`Qps`](super::qps::Qps) (either
//! version) and [`CloudView`](super::cloudview::CloudView) implement [`ConnectorApi`], so a
//! maybe-done create ([`create`](super::create)), the existence checks
//! ([`inventory`](super::inventory)) and the refresh's listing ([`refresh`](super::refresh))
//! are written once.

use std::fmt::Display;
use std::future::Future;
use std::hash::Hash;

use super::client::Client;
use super::error::Error;
use super::identity::Identity;
use super::retry::Deadline;
use super::snapshot::{Listing, Snapshot};

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

    /// The refresh's listing of this family (see [`snapshot`](super::snapshot)).
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

/// What one send of a create gave.
pub(crate) enum Sent<T> {
    /// The connector Qualys made.
    Done(T),
    /// An answer that does not tell whether Qualys made one: looked up, then sent again if
    /// nothing was made.
    MaybeDone(Error),
    /// Qualys answered 2xx, so the create happened, but the answer cannot be read: looked up,
    /// never sent again.
    Unreadable(Error),
}
