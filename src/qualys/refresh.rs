//! Every connector of a family for a caller that needs them all (a data source), through the
//! refresh's [`Snapshot`](super::snapshot::Snapshot); written once for every [`ConnectorApi`].

use super::api::ConnectorApi;
use super::error::Error;
use super::snapshot::Progress;

/// Every connector of `api`'s family, through the refresh snapshot: the pages it lacks are
/// listed into it, so that a plan's data sources and its refresh share one listing. A
/// connector without its identity fields makes the listing [`Error::Incomplete`].
pub(crate) async fn list_all_shared<A: ConnectorApi>(api: &A) -> Result<Vec<A::Connector>, Error> {
    let deadline = api.client().deadline();
    let mut listing = api.snapshot().lock(deadline).await?;
    listing.restart_if_incomplete();
    while matches!(listing.progress, Progress::NotStarted | Progress::At(_)) {
        api.list_next_page(&mut listing, deadline).await?;
    }
    let all = if listing.progress == Progress::Broken {
        drop(listing);
        api.list_all_fresh(api.client().deadline()).await?
    } else {
        let mut all = listing.all();
        all.sort_by_key(A::id);
        all
    };
    all.iter()
        .try_for_each(|c| api.require_identity(c, A::LISTED, false))?;
    Ok(all)
}
