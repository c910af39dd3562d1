//! CloudView v1 AWS connectors, `/cloudview-api/rest/v1/aws/connectors[/{uuid}]`: JSON bodies
//! shaped like seed 000 and the Swagger spec (EVIDENCE 1), Spring pages with 0-based `pageNo`,
//! Java-style dates in GMT, and errors as 4xx statuses with `{errorCode, message, timestamp}`.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::accounts::BaseAccounts;
use crate::auth::Caller;
use crate::change::{Change, Rules};
use crate::config::User;
use crate::dates;
use crate::lenient::{self, FieldError};
use crate::model::{Connector, Origin};
use crate::regions::Partition;
use crate::state::AppState;
use crate::store::{Key, StoreError};
use crate::syncs;
use crate::validate::{Api, ValidationError};

const DEFAULT_PAGE_SIZE: u64 = 50;
const MAX_PAGE_SIZE: u64 = 1000;

/// A CloudView error before it knows its request path.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CvError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl CvError {
    fn bad_request(message: impl Into<String>) -> CvError {
        CvError {
            status: StatusCode::BAD_REQUEST,
            code: "INVALID_REQUEST",
            message: message.into(),
        }
    }

    fn not_found() -> CvError {
        CvError {
            status: StatusCode::NOT_FOUND,
            code: "NOT_FOUND",
            message: "Connector not found".into(),
        }
    }
}

impl From<StoreError> for CvError {
    fn from(e: StoreError) -> CvError {
        match e {
            StoreError::Invalid(v) => v.into(),
            StoreError::NotFound => CvError::not_found(),
            StoreError::OutOfScope(account) => CvError {
                status: StatusCode::FORBIDDEN,
                code: "FORBIDDEN",
                message: format!("AWS account {account} is outside your scope"),
            },
        }
    }
}

impl From<ValidationError> for CvError {
    fn from(v: ValidationError) -> CvError {
        CvError {
            status: StatusCode::BAD_REQUEST,
            code: v.code(),
            message: v.to_string(),
        }
    }
}

/// A CloudView error response: `{errorCode, message, timestamp}` with the timestamp in epoch
/// milliseconds (EVIDENCE 1, the Swagger spec's `ApiErrorFacade`).
pub fn error_response(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({
        "errorCode": code,
        "message": message,
        "timestamp": dates::epoch_millis(time::OffsetDateTime::now_utc()),
    });
    (status, Json(body)).into_response()
}

fn reply(result: Result<Response, CvError>) -> Response {
    result.unwrap_or_else(|e| error_response(e.status, e.code, &e.message))
}

fn rules(app: &AppState) -> Rules {
    Rules {
        api: Api::CloudView,
        region_selection: app.region_selection,
        china_connectors: app.accounts.china_connectors_allowed(),
    }
}

fn key(id: &str) -> Result<Key, CvError> {
    Uuid::parse_str(id)
        .map(Key::Uuid)
        .map_err(|_| CvError::not_found())
}

/// `GET ?pageNo=&pageSize=&sort=field:dir&filter=field:value`.
pub async fn list(
    State(app): State<Arc<AppState>>,
    Extension(Caller(user)): Extension<Caller>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let result = ListQuery::parse(&params).map(|mut query| {
        let ignore_paging = app.quirks.cloudview_ignores_paging();
        if ignore_paging {
            query.paging.page_no = 0;
        }
        let mut page = query.page(app.store.visible(&user), &app.accounts);
        if let (true, Value::Object(map)) = (ignore_paging, &mut page) {
            map.insert("last".into(), Value::Bool(false));
        }
        Json(page).into_response()
    });
    reply(result)
}

/// `GET /awsBaseAccountId` (EVIDENCE 1: the Swagger spec's `getAwsAccountIdUsingGET`): the
/// Qualys accounts roles must trust, as a JSON object of strings (EVIDENCE 1, 3).
pub async fn base_accounts(State(app): State<Arc<AppState>>) -> Response {
    let record: Map<String, Value> = app
        .accounts
        .fields()
        .into_iter()
        .map(|(name, account)| (name.to_owned(), Value::String(account)))
        .collect();
    Json(Value::Object(record)).into_response()
}

/// `GET /{uuid}`.
pub async fn get(
    State(app): State<Arc<AppState>>,
    Extension(Caller(user)): Extension<Caller>,
    Path(id): Path<String>,
) -> Response {
    let result = key(&id).and_then(|key| Ok(app.store.get(key, &user)?));
    reply(result.map(|c| Json(connector_json(&c, &app.accounts)).into_response()))
}

/// `POST` with seed 000's body.
pub async fn create(
    State(app): State<Arc<AppState>>,
    Extension(Caller(user)): Extension<Caller>,
    body: Bytes,
) -> Response {
    let result = change(&body).and_then(|change| {
        Ok(app
            .store
            .create(&change, Origin::Cloudview, rules(&app), &user)?)
    });
    reply(result.map(|c| Json(connector_json(&c, &app.accounts)).into_response()))
}

/// `PUT /{uuid}` with the create body; absent fields stay unchanged.
pub async fn update(
    State(app): State<Arc<AppState>>,
    Extension(Caller(user)): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let result = key(&id).and_then(|key| {
        let change = change(&body)?;
        Ok(app.store.update(key, &change, rules(&app), &user)?)
    });
    reply(result.map(|c| Json(connector_json(&c, &app.accounts)).into_response()))
}

/// `DELETE` with a bare array of ids, `["<uuid>", ...]` (EVIDENCE 1: the Swagger spec's body is
/// a list of strings): all or none; 200 with `{}` when done (DECISION: the spec allows 200 or
/// 204; the simulator answers 200).
pub async fn delete(
    State(app): State<Arc<AppState>>,
    Extension(Caller(user)): Extension<Caller>,
    body: Bytes,
) -> Response {
    let result = id_list(&body).and_then(|keys| {
        app.store.delete(&keys, &user)?;
        Ok(Json(json!({})).into_response())
    });
    reply(result)
}

/// `POST /run` with a bare array of ids (EVIDENCE 1): queues a sync of each, all or none (an
/// unknown id is a 404, a disabled connector a 400 `CONNECTOR_DISABLED`); 200 with `{}`.
pub async fn run(
    State(app): State<Arc<AppState>>,
    Extension(Caller(user)): Extension<Caller>,
    body: Bytes,
) -> Response {
    let result = id_list(&body).and_then(|keys| {
        let tickets = app.store.begin_syncs(&keys, &user)?;
        syncs::drive(&app, tickets);
        Ok(Json(json!({})).into_response())
    });
    reply(result)
}

/// `PATCH /enable` with a bare array of ids (EVIDENCE 1): all or none; 200 with `{}`.
pub async fn enable(
    State(app): State<Arc<AppState>>,
    Extension(Caller(user)): Extension<Caller>,
    body: Bytes,
) -> Response {
    set_disabled(&app, &user, &body, false)
}

/// `PATCH /disable` with a bare array of ids (EVIDENCE 1): all or none; 200 with `{}`.
pub async fn disable(
    State(app): State<Arc<AppState>>,
    Extension(Caller(user)): Extension<Caller>,
    body: Bytes,
) -> Response {
    set_disabled(&app, &user, &body, true)
}

fn set_disabled(app: &AppState, user: &User, body: &[u8], disabled: bool) -> Response {
    let result = id_list(body).and_then(|keys| {
        app.store.set_disabled(&keys, disabled, user)?;
        Ok(Json(json!({})).into_response())
    });
    reply(result)
}

/// `GET /{uuid}/errors?pageNo&pageSize` (EVIDENCE 1): a Spring page of the last failed sync's
/// errors, `{connectorId, connectorName, error, occuredOn, region}` (sic, the spec's spelling),
/// `occuredOn` in CloudView's date form.
pub async fn errors(
    State(app): State<Arc<AppState>>,
    Extension(Caller(user)): Extension<Caller>,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let result = key(&id).and_then(|key| {
        let paging = Paging::parse(&params)?;
        let c = app.store.get(key, &user)?;
        let items = c
            .sync_errors
            .iter()
            .map(|e| {
                json!({
                    "connectorId": c.cloudview_uuid.to_string(),
                    "connectorName": c.name,
                    "error": e.message,
                    "occuredOn": dates::java(e.occurred_on),
                    "region": e.region,
                })
            })
            .collect();
        Ok(Json(spring_page(items, paging, false)).into_response())
    });
    reply(result)
}

/// The bare JSON array of connector ids that delete, run, enable and disable take. Other shapes
/// answer 400 in the words of Spring's Jackson reader, as the Java service would (DECISION on
/// the wording; EVIDENCE 1 for the shape).
fn id_list(body: &[u8]) -> Result<Vec<Key>, CvError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| CvError::bad_request(format!("JSON parse error: {e}")))?;
    let Value::Array(ids) = value else {
        return Err(CvError::bad_request(jackson_mismatch(&value)));
    };
    if ids.is_empty() {
        return Err(CvError::bad_request("connector ids must not be empty"));
    }
    ids.iter()
        .map(|id| match id {
            Value::String(s) => key(s),
            other => Err(CvError::bad_request(jackson_mismatch(other))),
        })
        .collect()
}

fn jackson_mismatch(value: &Value) -> String {
    let (kind, token) = match value {
        Value::Object(_) => ("Object", "START_OBJECT"),
        Value::Array(_) => ("Array", "START_ARRAY"),
        Value::String(_) => ("String", "VALUE_STRING"),
        Value::Number(_) => ("Integer", "VALUE_NUMBER_INT"),
        Value::Bool(_) => ("Boolean", "VALUE_TRUE"),
        Value::Null => ("Null", "VALUE_NULL"),
    };
    let what = format!(
        "Cannot deserialize value of type `java.util.ArrayList<java.lang.String>` from {kind} value (token `JsonToken.{token}`)"
    );
    format!(
        "JSON parse error: {what}; nested exception is com.fasterxml.jackson.databind.exc.MismatchedInputException: {what}\n at [Source: (PushbackInputStream); line: 1, column: 1]"
    )
}

fn change(body: &[u8]) -> Result<Change, CvError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| CvError::bad_request(format!("malformed JSON: {e}")))?;
    let Value::Object(o) = value else {
        return Err(CvError::bad_request("expected a JSON object"));
    };
    let fields = |o: &Map<String, Value>| -> Result<Change, FieldError> {
        Ok(Change {
            name: lenient::string(o, "name")?,
            description: lenient::string(o, "description")?,
            arn: lenient::string(o, "arn")?,
            external_id: lenient::string(o, "externalId")?,
            is_gov_cloud: lenient::boolean(o, "isGovCloud")?,
            is_china: lenient::boolean(o, "isChinaRegion")?,
            disabled: lenient::boolean(o, "isDisabled")?,
            // EVIDENCE 1: create and update bodies carry remediationEnabled.
            remediation_enabled: lenient::boolean(o, "remediationEnabled")?,
            run_frequency: polling_frequency(o)?,
            // isPortalConnector is not taken from requests (seed 000 answers false).
            ..Change::default()
        })
    };
    fields(&o).map_err(|e| ValidationError::from(e).into())
}

fn polling_frequency(o: &Map<String, Value>) -> Result<Option<u64>, FieldError> {
    let Some(frequency) = lenient::object(o, "pollingFrequency")? else {
        return Ok(None);
    };
    let hours = lenient::unsigned(frequency, "hours")?;
    let minutes = lenient::unsigned(frequency, "minutes")?;
    if hours.is_none() && minutes.is_none() {
        return Err(FieldError::new(
            "pollingFrequency",
            "expected hours and minutes",
        ));
    }
    Ok(Some(
        hours
            .unwrap_or(0)
            .saturating_mul(60)
            .saturating_add(minutes.unwrap_or(0)),
    ))
}

/// A connector as CloudView shows it: seed 000's fields plus `remediationEnabled`,
/// `accountAlias` and `qualysTags` (EVIDENCE 1). `groups` is optional in the spec: DECISION, it
/// is `[]` on CloudView-made connectors (as in seed 000) and absent on QPS-made ones, so a
/// client meets both forms.
fn connector_json(c: &Connector, accounts: &BaseAccounts) -> Value {
    let mut v = json!({
        "name": c.name,
        "connectorId": c.cloudview_uuid.to_string(),
        "description": c.description,
        "provider": "AWS",
        "state": c.state.cloudview_str(),
        "totalAssets": c.total_assets,
        "lastSyncedOn": dates::java(c.last_sync),
        "nextSyncedOn": dates::java(c.next_sync),
        "isGovCloud": c.partition == Partition::GovCloud,
        "isChinaRegion": c.partition == Partition::China,
        "awsAccountId": c.aws_account_id,
        "accountAlias": "",
        "isDisabled": c.disabled,
        "remediationEnabled": c.remediation_enabled,
        "qualysTags": [],
        "pollingFrequency": {"hours": c.run_frequency / 60, "minutes": c.run_frequency % 60},
        "error": c.error,
        "externalId": c.external_id,
        "arn": c.arn,
        "isPortalConnector": c.portal_connector_uuid.is_some(),
    });
    if let Value::Object(map) = &mut v {
        // China without the subscription's own base account has none to show (DECISION).
        if let Some(base) = accounts.trusted_by(c.partition) {
            map.insert("baseAccountId".into(), json!(base));
        }
        match c.portal_connector_uuid {
            Some(portal) => {
                map.insert("portalConnectorUuid".into(), json!(portal.to_string()));
            }
            None => {
                map.insert("groups".into(), json!([]));
            }
        }
    }
    v
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SortField {
    Name,
    LastSyncedOn,
    NextSyncedOn,
    State,
    AwsAccountId,
    TotalAssets,
}

/// A list's `filter=<token>:<value>`: the tokens qualysdk sends (EVIDENCE 5: `name`,
/// `description`, `state`, `connector.uuid`, `lastSyncedOn`) and `awsAccountId` (DECISION).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Filter<'a> {
    NameContains(&'a str),
    DescriptionContains(&'a str),
    ConnectorUuid(&'a str),
    AwsAccountId(&'a str),
    State(&'a str),
    LastSyncedOn(SyncedOn<'a>),
}

/// `lastSyncedOn:` in UTC (EVIDENCE 5 says no more). DECISION: a prefix of the ISO-8601 UTC
/// form (`2026-12-04`, `2026-12-04T10`, `2026-12-04T10:20:30Z`, a space for the `T` allowed),
/// or a QQL range `[<from> ... <to>]`, both ends inclusive prefixes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SyncedOn<'a> {
    Prefix(&'a str),
    Range(&'a str, &'a str),
}

impl<'a> SyncedOn<'a> {
    fn parse(value: &'a str) -> Option<SyncedOn<'a>> {
        let value = value.trim();
        let bound = |b: &'a str| {
            let b = b.trim();
            let date_like = b.len() >= 4
                && b.bytes().take(4).all(|c| c.is_ascii_digit())
                && b.bytes()
                    .all(|c| c.is_ascii_digit() || b"-:TZ ".contains(&c));
            date_like.then_some(b)
        };
        match value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
            Some(range) => {
                let (from, to) = range.split_once("...").or_else(|| range.split_once(".."))?;
                Some(SyncedOn::Range(bound(from)?, bound(to)?))
            }
            None => bound(value).map(SyncedOn::Prefix),
        }
    }

    fn matches(self, last_sync: time::OffsetDateTime) -> bool {
        let iso = dates::iso(last_sync);
        // The value's own separator between date and time.
        let in_form = |b: &str| {
            if b.contains(' ') {
                iso.replacen('T', " ", 1)
            } else {
                iso.clone()
            }
        };
        match self {
            SyncedOn::Prefix(p) => in_form(p).starts_with(p),
            SyncedOn::Range(from, to) => {
                let low = in_form(from);
                let high = in_form(to);
                low.as_str() >= from && high.get(..to.len()).unwrap_or(&high) <= to
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct ListQuery<'a> {
    paging: Paging,
    sort: Option<(SortField, bool)>,
    filter: Option<Filter<'a>>,
}

impl<'a> ListQuery<'a> {
    fn parse(params: &'a HashMap<String, String>) -> Result<ListQuery<'a>, CvError> {
        let paging = Paging::parse(params)?;
        let sort = params.get("sort").map(|s| parse_sort(s)).transpose()?;
        let filter = params.get("filter").map(|f| parse_filter(f)).transpose()?;
        Ok(ListQuery {
            paging,
            sort,
            filter,
        })
    }

    fn page(&self, connectors: Vec<Connector>, accounts: &BaseAccounts) -> Value {
        let mut matching: Vec<Connector> = connectors
            .into_iter()
            .filter(|c| match self.filter {
                None => true,
                Some(Filter::NameContains(n)) => c.name.to_lowercase().contains(&n.to_lowercase()),
                Some(Filter::DescriptionContains(d)) => {
                    c.description.to_lowercase().contains(&d.to_lowercase())
                }
                Some(Filter::ConnectorUuid(u)) => {
                    c.cloudview_uuid.to_string().eq_ignore_ascii_case(u.trim())
                }
                Some(Filter::LastSyncedOn(on)) => on.matches(c.last_sync),
                Some(Filter::AwsAccountId(a)) => c.aws_account_id == a,
                Some(Filter::State(s)) => c.state.cloudview_matches(s),
            })
            .collect();
        if let Some((field, descending)) = self.sort {
            // Stable: ties keep creation order.
            matching.sort_by(|a, b| {
                let order = compare(field, a, b);
                if descending { order.reverse() } else { order }
            });
        }
        let content: Vec<Value> = matching
            .iter()
            .map(|c| connector_json(c, accounts))
            .collect();
        spring_page(content, self.paging, self.sort.is_some())
    }
}

/// `pageNo` (0-based) and `pageSize` of a CloudView list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Paging {
    page_no: u64,
    page_size: u64,
}

impl Paging {
    fn parse(params: &HashMap<String, String>) -> Result<Paging, CvError> {
        let number = |name: &str, default: u64| -> Result<u64, CvError> {
            params.get(name).map_or(Ok(default), |v| {
                v.trim().parse().map_err(|_| {
                    CvError::bad_request(format!("{name} must be a non-negative integer"))
                })
            })
        };
        let page_no = number("pageNo", 0)?;
        let page_size = number("pageSize", DEFAULT_PAGE_SIZE)?;
        if !(1..=MAX_PAGE_SIZE).contains(&page_size) {
            return Err(CvError::bad_request("pageSize must be between 1 and 1000"));
        }
        Ok(Paging { page_no, page_size })
    }
}

/// One Spring `Page` of `items` (all of them, in order).
fn spring_page(items: Vec<Value>, paging: Paging, sorted: bool) -> Value {
    let Paging { page_no, page_size } = paging;
    let total = items.len() as u64;
    let total_pages = total.div_ceil(page_size);
    let content: Vec<Value> = items
        .into_iter()
        .skip(usize::try_from(page_no.saturating_mul(page_size)).unwrap_or(usize::MAX))
        .take(usize::try_from(page_size).unwrap_or(usize::MAX))
        .collect();
    let sort = json!({"sorted": sorted, "unsorted": !sorted, "empty": !sorted});
    json!({
        "pageable": {
            "sort": sort,
            "offset": page_no.saturating_mul(page_size),
            "pageNumber": page_no,
            "pageSize": page_size,
            "paged": true,
            "unpaged": false,
        },
        "totalElements": total,
        "totalPages": total_pages,
        "last": page_no.saturating_add(1) >= total_pages,
        "first": page_no == 0,
        "sort": sort,
        "numberOfElements": content.len(),
        "size": page_size,
        "number": page_no,
        "empty": content.is_empty(),
        "content": content,
    })
}

fn parse_sort(s: &str) -> Result<(SortField, bool), CvError> {
    let (field, direction) = s.split_once(':').unwrap_or((s, "asc"));
    let field = match field {
        "name" => SortField::Name,
        "lastSyncedOn" => SortField::LastSyncedOn,
        "nextSyncedOn" => SortField::NextSyncedOn,
        "state" => SortField::State,
        "awsAccountId" => SortField::AwsAccountId,
        "totalAssets" => SortField::TotalAssets,
        other => return Err(CvError::bad_request(format!("cannot sort by `{other}`"))),
    };
    let descending = match direction.to_ascii_lowercase().as_str() {
        "asc" => false,
        "desc" => true,
        other => {
            return Err(CvError::bad_request(format!(
                "sort direction `{other}`: use asc or desc"
            )));
        }
    };
    Ok((field, descending))
}

fn parse_filter(f: &str) -> Result<Filter<'_>, CvError> {
    match f.split_once(':') {
        Some(("name", v)) => Ok(Filter::NameContains(v)),
        Some(("description", v)) => Ok(Filter::DescriptionContains(v)),
        Some(("connector.uuid", v)) => Ok(Filter::ConnectorUuid(v)),
        Some(("awsAccountId", v)) => Ok(Filter::AwsAccountId(v)),
        Some(("state", v)) => Ok(Filter::State(v)),
        Some(("lastSyncedOn", v)) => {
            SyncedOn::parse(v).map(Filter::LastSyncedOn).ok_or_else(|| {
                CvError::bad_request(format!(
                    "cannot filter lastSyncedOn by `{v}`: use a UTC date or time such as \
                     2026-12-04 or 2026-12-04T10:20:30Z, or a range [<from> ... <to>]"
                ))
            })
        }
        _ => Err(CvError::bad_request(format!(
            "cannot filter by `{f}`: use name:, description:, state:, connector.uuid:, \
             lastSyncedOn: or awsAccountId:"
        ))),
    }
}

fn compare(field: SortField, a: &Connector, b: &Connector) -> Ordering {
    match field {
        SortField::Name => a.name.cmp(&b.name),
        SortField::LastSyncedOn => a.last_sync.cmp(&b.last_sync),
        SortField::NextSyncedOn => a.next_sync.cmp(&b.next_sync),
        SortField::State => a.state.cloudview_str().cmp(b.state.cloudview_str()),
        SortField::AwsAccountId => a.aws_account_id.cmp(&b.aws_account_id),
        SortField::TotalAssets => a.total_assets.cmp(&b.total_assets),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connectors(n: u64) -> Vec<Connector> {
        (0..n)
            .map(|i| {
                let mut c = Connector::blank(Origin::Cloudview, dates::now());
                c.id = i;
                c.name = format!("c{}", n - i);
                c
            })
            .collect()
    }

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn spring_page_fields() {
        let p = params(&[("pageNo", "1"), ("pageSize", "2")]);
        let page = ListQuery::parse(&p)
            .expect("valid")
            .page(connectors(5), &BaseAccounts::default());
        assert_eq!(page["totalElements"], 5);
        assert_eq!(page["totalPages"], 3);
        assert_eq!(page["number"], 1);
        assert_eq!(page["numberOfElements"], 2);
        assert_eq!(page["first"], false);
        assert_eq!(page["last"], false);
        assert_eq!(page["content"][0]["name"], "c3");
    }

    #[test]
    fn sort_and_filter() {
        let p = params(&[("sort", "name:asc"), ("filter", "name:C")]);
        let page = ListQuery::parse(&p)
            .expect("valid")
            .page(connectors(3), &BaseAccounts::default());
        let names: Vec<&str> = page["content"]
            .as_array()
            .expect("array")
            .iter()
            .filter_map(|c| c["name"].as_str())
            .collect();
        assert_eq!(names, ["c1", "c2", "c3"]);
    }

    #[test]
    fn bad_queries() {
        for pairs in [
            [("pageNo", "-1")],
            [("pageSize", "0")],
            [("sort", "bogus:asc")],
            [("sort", "name:up")],
            [("filter", "arn:x")],
            [("filter", "lastSyncedOn:yesterday")],
            [("filter", "lastSyncedOn:[2026-01-01]")],
        ] {
            assert!(ListQuery::parse(&params(&pairs)).is_err(), "{pairs:?}");
        }
    }

    #[test]
    fn last_synced_on_prefixes_and_ranges() {
        let at = time::macros::datetime!(2026-12-04 10:20:30 UTC);
        for (value, expected) in [
            ("2026-12-04", true),
            ("2026-12-04T10", true),
            ("2026-12-04 10:20", true),
            ("2026-12-04T10:20:30Z", true),
            ("2026-12-05", false),
            ("[2026-12-01 ... 2026-12-04]", true),
            ("[2026-12-04T10:20:31Z .. 2026-12-31]", false),
            ("[2026-01-01 ... 2026-12-03]", false),
        ] {
            let on = SyncedOn::parse(value).expect(value);
            assert_eq!(on.matches(at), expected, "{value}");
        }
    }

    #[test]
    fn polling_frequency_is_minutes() {
        let c = change(br#"{"pollingFrequency": {"hours": 1, "minutes": 1}}"#).expect("valid");
        assert_eq!(c.run_frequency, Some(61));
        assert!(change(br#"{"pollingFrequency": {}}"#).is_err());
        assert!(change(b"[1]").is_err());
    }

    #[test]
    fn portal_connectors_show_their_uuid() {
        let qps = Connector::blank(Origin::Qps, dates::now());
        let json = connector_json(&qps, &BaseAccounts::default());
        assert_eq!(json["isPortalConnector"], true);
        assert!(json["portalConnectorUuid"].is_string());
        assert_eq!(json["pollingFrequency"], json!({"hours": 4, "minutes": 0}));
        assert!(json.get("groups").is_none());
        let cv = connector_json(
            &Connector::blank(Origin::Cloudview, dates::now()),
            &BaseAccounts::default(),
        );
        assert_eq!(cv["isPortalConnector"], false);
        assert!(cv.get("portalConnectorUuid").is_none());
        assert_eq!(cv["groups"], json!([]));
        assert_eq!(cv["remediationEnabled"], false);
        assert_eq!(cv["qualysTags"], json!([]));
    }

    #[test]
    fn id_list_forms() {
        let id = Uuid::new_v4();
        assert_eq!(
            id_list(format!(r#"["{id}"]"#).as_bytes()),
            Ok(vec![Key::Uuid(id)])
        );
        let object = id_list(format!(r#"{{"connectorIds": ["{id}"]}}"#).as_bytes())
            .expect_err("object form refused");
        assert_eq!(object.status, StatusCode::BAD_REQUEST);
        assert!(
            object.message.starts_with(
                "JSON parse error: Cannot deserialize value of type `java.util.ArrayList<java.lang.String>` from Object value"
            ),
            "{}",
            object.message
        );
        assert_eq!(
            id_list(br#"["nope"]"#).map_err(|e| e.status),
            Err(StatusCode::NOT_FOUND)
        );
        for bad in [&b"[]"[..], b"[1]", b"not json"] {
            assert_eq!(
                id_list(bad).map_err(|e| e.status),
                Err(StatusCode::BAD_REQUEST)
            );
        }
    }
}
