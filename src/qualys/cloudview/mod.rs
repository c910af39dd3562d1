//! The CloudView API v1 for AWS connectors (`/cloudview-api/rest/v1/aws/connectors`), JSON.
//! Errors come as a 4xx with a Spring error body; a 404 is [`Error::NotFound`] only with that
//! body, so a wrong `cloudview_url` can never empty Terraform's state (see [`response`]).

mod listing;
pub(super) mod model;
mod request;
mod response;

use reqwest::{Method, Url};
use tracing::{info, warn};

use super::api::{ConnectorApi, Sent};
use super::client::Client;
use super::create::{self, Created};
use super::delete;
use super::error::Error;
use super::http::{self, Body, Call, Reply, Safety, SendError};
use super::identity::Identity;
use super::lenient::excerpt;
use super::retry::Deadline;
use super::snapshot::{Listing, Progress, Snapshot};
use super::sync::{BaseAccounts, SyncError};
use request::{checked_id, encode};
use response::{check, decode};

pub use model::{Connector, ConnectorSpec, Page, PollingFrequency};
pub(crate) use response::{
    base_accounts_from_reply, connector_from_reply, page_from_reply, sync_errors_from_reply,
};

const CONNECTORS_PATH: &str = "/cloudview-api/rest/v1/aws/connectors";
const JSON: &str = "application/json";

/// Connectors per list page when CloudView refuses [`PROBE_PAGE_SIZE`]: CloudView's own
/// default, which it always accepts. Also the page size of sync-error pages.
pub const LIST_PAGE_SIZE: u32 = 50;

/// The page size a client's first listing asks for (the largest QPS accepts; CloudView's
/// maximum is not public).
pub const PROBE_PAGE_SIZE: u32 = 1000;

/// Upper bound on pages followed (50,000 connectors), against a server that never says
/// "last".
const MAX_PAGES: u32 = 1000;

/// The CloudView API, borrowed from a [`Client`].
pub struct CloudView<'c> {
    pub(crate) client: &'c Client,
}

impl Client {
    /// The CloudView API.
    pub fn cloudview(&self) -> CloudView<'_> {
        CloudView { client: self }
    }
}

impl CloudView<'_> {
    /// A refusal of the credentials, with what to check.
    fn explained<T>(&self, result: Result<T, Error>) -> Result<T, Error> {
        result.map_err(|e| self.client.explain(e, self.client.cloudview_url()))
    }

    fn require_identities(&self, connectors: &[Connector]) -> Result<(), Error> {
        connectors
            .iter()
            .try_for_each(|c| self.require_identity(c, Self::LISTED, false))
    }

    /// Reads one connector with a single call. [`CloudView::read`] is the batched
    /// equivalent.
    pub async fn get(&self, id: &str) -> Result<Connector, Error> {
        let url = self.url(Some(checked_id(id)?));
        let reply = self
            .send(
                Method::GET,
                url,
                None,
                Safety::Idempotent,
                self.client.deadline(),
            )
            .await?;
        let what = format!("get connector {id}");
        let connector = self.explained(connector_from_reply(&reply, &what))?;
        if connector.connector_id != id {
            return Err(Error::Decode {
                context: format!("CloudView {what}"),
                reason: format!("the answer is connector {}", connector.connector_id),
                excerpt: excerpt(&reply.body),
            });
        }
        connector.require_identity("get", false)?;
        Ok(connector)
    }

    /// Reads one connector; concurrent reads are coalesced (see [`batch`](super::batch)).
    pub async fn read(&self, id: &str) -> Result<Connector, Error> {
        checked_id(id)?;
        self.client.read_cloudview(id).await
    }

    /// Creates a connector. See [`create`](super::create) for a maybe-done answer.
    pub async fn create(&self, spec: &ConnectorSpec) -> Result<Connector, Error> {
        self.create_checked(spec)
            .await
            .map(|created| created.connector)
    }

    /// [`CloudView::create`], saying whether the connector was found by a lookup after a
    /// maybe-done answer (see [`create`](super::create)).
    pub async fn create_checked(&self, spec: &ConnectorSpec) -> Result<Created<Connector>, Error> {
        let mut created = create::create(self, spec).await?;
        if created.adopted_after.is_some() {
            return Ok(created);
        }
        let connector = &created.connector;
        info!(id = %connector.connector_id, "CloudView connector created");
        let incomplete = match connector.require_identity("create", true) {
            Ok(()) => return Ok(created),
            Err(incomplete) => incomplete,
        };
        // The answer lacks fields: the connector as CloudView reads it back, else the
        // `Incomplete` error, which still carries the new id.
        match self.get(&connector.connector_id).await {
            Ok(full) => {
                created.connector = full;
                Ok(created)
            }
            Err(err) => {
                warn!(id = %connector.connector_id, error = %err, "could not re-read the created connector");
                Err(incomplete)
            }
        }
    }

    /// Replaces a connector's settings and returns it as Qualys reports it.
    pub async fn update(&self, id: &str, spec: &ConnectorSpec) -> Result<Connector, Error> {
        let url = self.url(Some(checked_id(id)?));
        let reply = self
            .send(
                Method::PUT,
                url,
                Some(encode(spec)?),
                Safety::Idempotent,
                self.client.deadline(),
            )
            .await?;
        let what = format!("update connector {id}");
        self.explained(check(&reply, &what))?;
        let connector: Connector = decode(&reply, &what)?;
        connector.require_identity("update", false)?;
        Ok(connector)
    }

    /// Deletes a connector (`DELETE` on the collection with `["<uuid>"]`). One already gone
    /// is [`Error::NotFound`], once a read back confirms it (see [`delete`](super::delete)).
    pub async fn delete(&self, id: &str) -> Result<(), Error> {
        let answer = self
            .bulk_action(Method::DELETE, None, "delete", &[id])
            .await;
        let what = format!("CloudView connector {id}");
        delete::confirmed(&what, answer, || self.get(id)).await
    }

    /// Enables connectors (`PATCH /enable`), all or none.
    pub async fn enable(&self, ids: &[&str]) -> Result<(), Error> {
        self.bulk_action(Method::PATCH, Some("enable"), "enable", ids)
            .await
    }

    /// Disables connectors (`PATCH /disable`), all or none.
    pub async fn disable(&self, ids: &[&str]) -> Result<(), Error> {
        self.bulk_action(Method::PATCH, Some("disable"), "disable", ids)
            .await
    }

    /// Starts a sync of each connector (`POST /run`), all or none. A disabled connector is
    /// refused ([`Error::InvalidRequest`], `CONNECTOR_DISABLED`).
    pub async fn run(&self, ids: &[&str]) -> Result<(), Error> {
        self.bulk_action(Method::POST, Some("run"), "run", ids)
            .await
    }

    /// The calls that take the bare JSON array of ids `["<uuid>"]` (the body CloudView's
    /// Swagger spec gives); 200 with `{}` and 204 are both success. A repeat after a lost
    /// answer is harmless for each (a second delete answers 404, which the caller sees as gone).
    async fn bulk_action(
        &self,
        method: Method,
        sub_path: Option<&str>,
        action: &str,
        ids: &[&str],
    ) -> Result<(), Error> {
        let ids = ids
            .iter()
            .map(|id| checked_id(id))
            .collect::<Result<Vec<_>, _>>()?;
        if ids.is_empty() {
            return Ok(());
        }
        let what = format!("{action} connector {}", ids.join(", "));
        let reply = self
            .send(
                method,
                self.url(sub_path),
                Some(encode(&ids)?),
                Safety::Idempotent,
                self.client.deadline(),
            )
            .await?;
        self.explained(check(&reply, &what))
    }

    /// The errors of the connector's last failed sync (`GET /{id}/errors`), every page up
    /// to `MAX_PAGES`.
    pub async fn sync_errors(&self, id: &str) -> Result<Vec<SyncError>, Error> {
        let id = checked_id(id)?;
        let deadline = self.client.deadline();
        let what = format!("sync errors of connector {id}");
        let mut errors = Vec::new();
        for page_no in 0..MAX_PAGES {
            let mut url = self.url(Some(&format!("{id}/errors")));
            url.query_pairs_mut()
                .append_pair("pageNo", &page_no.to_string())
                .append_pair("pageSize", &LIST_PAGE_SIZE.to_string());
            let reply = self
                .send(Method::GET, url, None, Safety::Idempotent, deadline)
                .await?;
            let (page, last) = self.explained(sync_errors_from_reply(&reply, page_no, &what))?;
            let empty = page.is_empty();
            errors.extend(page);
            if last || empty {
                return Ok(errors);
            }
        }
        Err(Error::Decode {
            context: format!("CloudView {what}"),
            reason: format!("still not the last page after {MAX_PAGES} pages"),
            excerpt: String::new(),
        })
    }

    /// The Qualys AWS accounts roles must trust (`GET /awsBaseAccountId`).
    /// [`Client::base_accounts`] is the cached entry point.
    pub async fn base_accounts(&self) -> Result<BaseAccounts, Error> {
        let what = "base accounts";
        let reply = self
            .send(
                Method::GET,
                self.url(Some("awsBaseAccountId")),
                None,
                Safety::Idempotent,
                self.client.deadline(),
            )
            .await?;
        self.explained(base_accounts_from_reply(&reply, what))
    }

    fn url(&self, id: Option<&str>) -> Url {
        let path = match id {
            Some(id) => format!("{CONNECTORS_PATH}/{id}"),
            None => CONNECTORS_PATH.to_owned(),
        };
        http::join(self.client.cloudview_url(), &path)
    }

    async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
        safety: Safety,
        deadline: Deadline,
    ) -> Result<Reply, SendError> {
        let call = Call {
            method,
            url,
            accept: JSON,
            body: body.map(|bytes| Body {
                content_type: JSON,
                bytes,
            }),
            safety,
        };
        self.client.transport().send(&call, deadline).await
    }
}

impl ConnectorApi for CloudView<'_> {
    type Id = String;
    type Connector = Connector;
    type Spec = ConnectorSpec;
    const LISTED: &'static str = "list connectors";

    fn client(&self) -> &Client {
        self.client
    }

    fn snapshot(&self) -> &Snapshot<String, Connector> {
        &self.client.shared.cloudview_listing
    }

    fn id(connector: &Connector) -> String {
        connector.connector_id.clone()
    }

    fn identity(c: &Connector) -> Identity<'_> {
        Identity {
            name: c.name.as_deref(),
            arn: c.arn.as_deref(),
            external_id: c.external_id.as_deref(),
            aws_account_id: c.aws_account_id.as_deref(),
        }
    }

    fn spec_identity(spec: &ConnectorSpec) -> Identity<'_> {
        Identity {
            name: Some(&spec.name),
            arn: Some(&spec.arn),
            external_id: Some(&spec.external_id),
            aws_account_id: None,
        }
    }

    fn require_identity(&self, c: &Connector, what: &str, created: bool) -> Result<(), Error> {
        c.require_identity(what, created)
    }

    async fn send_create(
        &self,
        spec: &ConnectorSpec,
        deadline: Deadline,
    ) -> Result<Sent<Connector>, Error> {
        let body = encode(spec)?;
        let reply = match self
            .send(
                Method::POST,
                self.url(None),
                Some(body),
                Safety::NotIdempotent,
                deadline,
            )
            .await
        {
            Ok(reply) => reply,
            Err(SendError::MaybeDone(err)) => return Ok(Sent::MaybeDone(err)),
            Err(SendError::Failed(err)) => return Err(err),
        };
        self.explained(check(&reply, "create connector"))?;
        Ok(match decode::<Connector>(&reply, "create connector") {
            Ok(connector) => Sent::Done(connector),
            // Qualys said 2xx: the connector probably exists.
            Err(err) => Sent::Unreadable(err),
        })
    }

    /// CloudView's `filter=name:`, kept to exact matches; the account, when CloudView reports
    /// one, must be `account`.
    async fn search_by_name(
        &self,
        name: &str,
        account: Option<&str>,
        deadline: Deadline,
    ) -> Result<Vec<Connector>, Error> {
        let found = self.list_pages(Some(name), deadline).await?;
        Ok(found
            .into_iter()
            .filter(|c| c.name.as_deref() == Some(name))
            .filter(|c| {
                account.is_none()
                    || c.aws_account_id.is_none()
                    || c.aws_account_id.as_deref() == account
            })
            .collect())
    }

    /// Lists the page of the snapshot's listing that comes next into it.
    async fn list_next_page(
        &self,
        listing: &mut Listing<String, Connector>,
        deadline: Deadline,
    ) -> Result<(), Error> {
        let page_no = match listing.progress {
            Progress::At(n) => u32::try_from(n).unwrap_or(u32::MAX),
            _ => 0,
        };
        let page = self.list_page_within(page_no, None, deadline).await?;
        let next = if page.number != page_no {
            warn!(
                asked = page_no,
                answered = page.number,
                "CloudView listing answered another page; reading one by one"
            );
            Progress::Broken
        } else if page.last
            || page.connectors.is_empty()
            || page.total_pages.is_some_and(|total| page_no + 1 >= total)
        {
            Progress::Done
        } else if page
            .connectors
            .iter()
            .all(|c| listing.get(&c.connector_id).is_some())
            || page_no + 1 >= MAX_PAGES
        {
            warn!(
                page = page_no,
                "CloudView listing does not advance; reading one by one"
            );
            Progress::Broken
        } else {
            Progress::At(u64::from(page_no) + 1)
        };
        listing.add_page(
            page.connectors
                .into_iter()
                .map(|c| (c.connector_id.clone(), c)),
            next,
        );
        Ok(())
    }

    async fn list_all_fresh(&self, deadline: Deadline) -> Result<Vec<Connector>, Error> {
        self.list_pages(None, deadline).await
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;
    use crate::qualys::client::ClientConfig;

    fn client() -> Client {
        Client::new(ClientConfig::new(
            "http://127.0.0.1:9",
            "http://127.0.0.1:9",
            "demo",
            "pw",
        ))
        .unwrap()
    }

    fn assert_send<T: Send>(_: &T) {}

    /// The provider's gRPC handlers need `Send` futures.
    #[test]
    fn operations_are_send() {
        let client = client();
        let cv_spec = ConnectorSpec {
            name: String::new(),
            description: None,
            arn: String::new(),
            external_id: String::new(),
            is_gov_cloud: false,
            is_china_region: false,
            is_portal_connector: false,
            polling_frequency: None,
            remediation_enabled: None,
        };
        let cv = client.cloudview();
        assert_send(&cv.create(&cv_spec));
        assert_send(&cv.read("a"));
        assert_send(&cv.list_all());
        assert_send(&cv.update("a", &cv_spec));
        assert_send(&cv.delete("a"));
    }

    #[tokio::test]
    async fn stop_is_shared_and_sticky() {
        let client = client();
        let clone = client.with_deadline(Instant::now() + Duration::from_secs(5));
        client.stop();
        let err = clone
            .cloudview()
            .read("8889b18b-6f92-33d3-8afd-6d9d144177e8")
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Stopped), "{err}");
    }
}
