//! QPS connector endpoints, `/qps/rest/{3.0|2.0}/{op}/am/awsassetdataconnector[/{id}]`: v3
//! answers JSON, v2 XML, both over one model. Errors answer HTTP 200 with a `responseCode`.

mod format;
mod request;
mod response;
mod search;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::auth::Caller;
use crate::change::Rules;
use crate::config::User;
use crate::model::Origin;
use crate::state::AppState;
use crate::store::{Key, StoreError};
use crate::syncs;
use crate::validate::{Api, ValidationError};

pub use format::{Format, Version};
pub use response::{Failure, Reply, ResponseCode, respond};
use search::Search;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operation {
    Create,
    Get,
    Search,
    Update,
    Delete,
    Run,
}

impl Operation {
    fn parse(s: &str) -> Option<Operation> {
        match s {
            "create" => Some(Operation::Create),
            "get" => Some(Operation::Get),
            "search" => Some(Operation::Search),
            "update" => Some(Operation::Update),
            "delete" => Some(Operation::Delete),
            "run" => Some(Operation::Run),
            _ => None,
        }
    }

    /// The contract's method, plus the lenient extras (update by PUT as the seed shows).
    fn allows(self, method: &Method) -> bool {
        let allowed: &[Method] = match self {
            Operation::Create | Operation::Run => &[Method::POST],
            Operation::Get | Operation::Search => &[Method::GET, Method::POST],
            Operation::Update => &[Method::POST, Method::PUT],
            Operation::Delete => &[Method::POST, Method::DELETE],
        };
        allowed.contains(method)
    }

    fn takes_id(self) -> bool {
        !matches!(self, Operation::Create | Operation::Search)
    }
}

/// `/qps/rest/{version}/{op}/am/{object}`.
pub async fn without_id(
    State(app): State<Arc<AppState>>,
    Extension(Caller(user)): Extension<Caller>,
    method: Method,
    headers: HeaderMap,
    Path((version, op, object)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    let target = Target {
        version: &version,
        op: &op,
        object: &object,
        id: None,
    };
    handle(&app, &user, &method, &headers, target, &body)
}

/// `/qps/rest/{version}/{op}/am/{object}/{id}`.
pub async fn with_id(
    State(app): State<Arc<AppState>>,
    Extension(Caller(user)): Extension<Caller>,
    method: Method,
    headers: HeaderMap,
    Path((version, op, object, id)): Path<(String, String, String, String)>,
    body: Bytes,
) -> Response {
    let target = Target {
        version: &version,
        op: &op,
        object: &object,
        id: Some(&id),
    };
    handle(&app, &user, &method, &headers, target, &body)
}

/// The path segments that say what a call is about.
struct Target<'a> {
    version: &'a str,
    op: &'a str,
    object: &'a str,
    id: Option<&'a str>,
}

fn handle(
    app: &Arc<AppState>,
    user: &User,
    method: &Method,
    headers: &HeaderMap,
    target: Target<'_>,
    body: &[u8],
) -> Response {
    let Some(version) = Version::parse(target.version) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let format = Format::negotiate(version, accept(headers));
    let reply = match target.object.to_ascii_lowercase().as_str() {
        "awsassetdataconnector" => match Operation::parse(target.op) {
            Some(op) => dispatch(app, user, method, op, target.id, body),
            None => invalid(format!("unknown operation `{}`", target.op)),
        },
        "awsbaseaccount" => base_account(method, &target),
        "assetdataconnectorerrors" => sync_errors(app, user, method, &target, body),
        _ => invalid(format!("unknown object `am/{}`", target.object)),
    };
    respond(format, StatusCode::OK, &reply, app)
}

/// The request's `Accept` header, when it is text.
pub fn accept(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok())
}

/// `get/am/awsbaseaccount/<id>` and `search/am/awsbaseaccount` (EVIDENCE 3): the subscription's
/// one record. DECISION: search filters are not read (there is one record to find).
fn base_account(method: &Method, target: &Target<'_>) -> Reply {
    let reading = [Method::GET, Method::POST].contains(method);
    match (target.op, target.id) {
        ("get", Some(id)) if reading => {
            if id.parse::<u64>().ok() == Some(response::base_account_id()) {
                Reply::BaseAccount
            } else {
                Reply::Failure(Failure {
                    code: ResponseCode::ObjectNotFound,
                    message: format!("Object not found: AwsBaseAccount {id}"),
                    resolution: "Search awsbaseaccount for the record's id.".into(),
                })
            }
        }
        ("search", None) if reading => Reply::BaseAccount,
        _ => invalid(format!(
            "{method} {}/am/awsbaseaccount is not supported: use get/<id> or search",
            target.op
        )),
    }
}

/// `search/am/assetdataconnectorerrors` (EVIDENCE 3): the errors of the last failed sync of the
/// connectors its Criteria select (field `id` is the connector's id, as EVIDENCE 3 filters;
/// `name` and `awsAccountId` work too; no Criteria: every visible connector), up to
/// `limitResults`, in ascending connector id order.
fn sync_errors(
    app: &AppState,
    user: &User,
    method: &Method,
    target: &Target<'_>,
    body: &[u8],
) -> Reply {
    if target.op != "search" || target.id.is_some() || *method != Method::POST {
        return invalid(format!(
            "{method} {}/am/assetdataconnectorerrors is not supported: use POST search",
            target.op
        ));
    }
    let result = request::service_request(body).and_then(|request| Search::parse(request.as_ref()));
    match result {
        Ok(search) => Reply::Errors(search.errors(app.store.visible(user))),
        Err(e) => Reply::Failure(validation_failure(&e)),
    }
}

fn invalid(message: String) -> Reply {
    Reply::Failure(Failure {
        code: ResponseCode::InvalidRequest,
        message,
        resolution: "Check the request URL and method.".into(),
    })
}

fn dispatch(
    app: &Arc<AppState>,
    user: &User,
    method: &Method,
    op: Operation,
    id: Option<&str>,
    body: &[u8],
) -> Reply {
    if !op.allows(method) {
        return invalid(format!("method {method} is not supported for {op:?}"));
    }
    let key = match (op.takes_id(), id) {
        (true, Some(id)) => match id.parse() {
            Ok(id) => Some(Key::Id(id)),
            Err(_) => return invalid(format!("connector id `{id}` is not an integer")),
        },
        (true, None) => return invalid(format!("{op:?} needs a connector id in the URL")),
        (false, Some(_)) => return invalid(format!("{op:?} takes no id in the URL")),
        (false, None) => None,
    };
    let rules = Rules {
        api: Api::Qps,
        region_selection: app.region_selection,
        china_connectors: app.accounts.china_connectors_allowed(),
    };
    let result = (|| {
        let request = request::service_request(body)?;
        let key = key.unwrap_or(Key::Id(0));
        let reply = match op {
            Operation::Create => {
                let change = request::connector_change(request.as_ref())?;
                let c = app.store.create(&change, Origin::Qps, rules, user)?;
                Reply::Connector(Box::new(c))
            }
            Operation::Update => {
                let change = request::connector_change(request.as_ref())?;
                let c = app.store.update(key, &change, rules, user)?;
                if app.quirks.qps_updates_answer_id_only() {
                    Reply::IdOnly(c.id)
                } else {
                    Reply::Connector(Box::new(c))
                }
            }
            Operation::Get => Reply::Connector(Box::new(app.store.get(key, user)?)),
            Operation::Run => {
                let tickets = app.store.begin_syncs(&[key], user)?;
                syncs::drive(app, tickets);
                Reply::Connector(Box::new(app.store.get(key, user)?))
            }
            Operation::Delete => {
                let deleted = app.store.delete(&[key], user)?;
                Reply::IdOnly(deleted.first().map_or(0, |c| c.id))
            }
            Operation::Search => {
                let search = Search::parse(request.as_ref())?;
                let mut listed = app.store.visible(user);
                listed.retain(|c| c.listed_by_qps);
                if app.quirks.qps_ignores_paging() {
                    let mut page = search.without_paging().page(listed);
                    page.has_more = true;
                    Reply::Page(page)
                } else {
                    Reply::Page(search.page(listed))
                }
            }
        };
        Ok::<Reply, StoreError>(reply)
    })();
    result.unwrap_or_else(|e| Reply::Failure(failure(&e, key)))
}

fn failure(e: &StoreError, key: Option<Key>) -> Failure {
    match e {
        StoreError::Invalid(v) => validation_failure(v),
        StoreError::NotFound => Failure {
            code: ResponseCode::ObjectNotFound,
            message: match key {
                Some(Key::Id(id)) => format!("Object not found: AwsAssetDataConnector {id}"),
                _ => "Object not found".into(),
            },
            resolution: "Check the connector id.".into(),
        },
        StoreError::OutOfScope(account) => Failure {
            code: ResponseCode::InsufficientPermissions,
            message: format!("AWS account {account} is outside your scope"),
            resolution: "Use an AWS account within your scope.".into(),
        },
    }
}

fn validation_failure(v: &ValidationError) -> Failure {
    Failure {
        code: ResponseCode::InvalidRequest,
        message: v.to_string(),
        resolution: v.resolution().into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_operations() {
        assert_eq!(Version::parse("3.0"), Some(Version::V3));
        assert_eq!(Version::parse("2.0"), Some(Version::V2));
        assert_eq!(Version::parse("1.0"), None);
        assert!(Operation::Update.allows(&Method::PUT));
        assert!(!Operation::Create.allows(&Method::GET));
        assert!(Operation::Run.takes_id());
        assert!(!Operation::Search.takes_id());
    }

    #[test]
    fn not_found_names_the_id() {
        let f = failure(&StoreError::NotFound, Some(Key::Id(9)));
        assert_eq!(f.code, ResponseCode::ObjectNotFound);
        assert!(f.message.contains('9'));
    }
}
