//! The test-only admin API under `/_sim/` (no auth, loopback peers only): list, add, delete and
//! change connectors out of band, inject faults, read call counts, reset.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::change::{Change, Rules};
use crate::config::User;
use crate::faults::{ChaosSpec, FaultSpec};
use crate::lenient::{self, FieldError};
use crate::model::{Connector, ConnectorState, Origin};
use crate::quirks::QuirksSpec;
use crate::regions::Partition;
use crate::roles::RoleSpec;
use crate::server::Peer;
use crate::state::AppState;
use crate::store::{Key, StoreError};
use crate::validate::{Api, parse_arn, validate_name};
use uuid::Uuid;

/// The `/_sim/` routes.
pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/_sim/connectors", get(list).post(seed))
        .route(
            "/_sim/connectors/{id}",
            axum::routing::delete(remove).patch(patch),
        )
        .route("/_sim/faults", post(add_fault))
        .route("/_sim/chaos", post(set_chaos).delete(clear_chaos))
        .route("/_sim/calls", get(calls))
        .route("/_sim/quirks", get(quirks).post(set_quirks))
        .route(
            "/_sim/roles",
            get(roles).post(set_role).put(set_role).delete(clear_roles),
        )
        .route("/_sim/reset", post(reset))
        .route_layer(middleware::from_fn(loopback_only))
}

async fn loopback_only(req: Request, next: Next) -> Response {
    match req.extensions().get::<Peer>() {
        Some(Peer(addr)) if addr.ip().is_loopback() => next.run(req).await,
        _ => error(
            StatusCode::FORBIDDEN,
            "the admin API answers loopback peers only",
        ),
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

/// Every connector in the store's form, plus `warnings` where its settings do less than they
/// suggest (see [`Connector::warnings`]).
async fn list(State(app): State<Arc<AppState>>) -> Json<Vec<Value>> {
    let connectors = app
        .store
        .all()
        .into_iter()
        .map(|c| {
            let warnings = c.warnings();
            let mut v = serde_json::to_value(c).unwrap_or(Value::Null);
            if let (false, Value::Object(map)) = (warnings.is_empty(), &mut v) {
                map.insert("warnings".into(), json!(warnings));
            }
            v
        })
        .collect();
    Json(connectors)
}

/// The most connectors one `POST /_sim/connectors` adds (DECISION: enough for listing and paging
/// at scale, few enough to answer within a second or so).
const MAX_SEED_COUNT: usize = 20_000;

/// The body of `POST /_sim/connectors`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedSpec {
    /// The API the connectors look made by: `qps` or `cloudview`.
    api: Origin,
    #[serde(default = "one")]
    count: usize,
    /// The name with `count` 1, else the prefix of `<name>-<i>`.
    name: String,
    arn: String,
    /// Absent: generated, as the APIs do on a create without one.
    #[serde(default)]
    external_id: Option<String>,
    #[serde(default)]
    is_gov_cloud: Option<bool>,
    #[serde(default)]
    is_china_region: Option<bool>,
}

fn one() -> usize {
    1
}

/// Adds connectors out of band: not an API call, so neither counted in `/_sim/calls` nor charged
/// to any rate or concurrency budget. Answers `{"ids": [...]}`.
async fn seed(State(app): State<Arc<AppState>>, body: Bytes) -> Response {
    let spec: SeedSpec = match serde_json::from_slice(&body) {
        Ok(spec) => spec,
        Err(e) => return error(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    match seed_connectors(&app, &spec) {
        Ok(ids) => Json(json!({ "ids": ids })).into_response(),
        Err(message) => error(StatusCode::BAD_REQUEST, &message),
    }
}

/// Whom seeding acts as: the first configured user without a scope restriction, else the first
/// user (whose scope then applies), else (no users at all) an unrestricted one.
fn seeding_user(users: &[User]) -> User {
    users
        .iter()
        .find(|u| u.scope.is_none())
        .or_else(|| users.first())
        .cloned()
        .unwrap_or_else(|| User::new("_sim", ""))
}

/// Creates `spec.count` connectors through the store's create path with `spec.api`'s rules, so
/// they are what that API would have made; all or none. The ids are QPS ids or CloudView UUIDs.
fn seed_connectors(app: &AppState, spec: &SeedSpec) -> Result<Vec<String>, String> {
    if !(1..=MAX_SEED_COUNT).contains(&spec.count) {
        return Err(format!(
            "count must be 1 to {MAX_SEED_COUNT}, got {}",
            spec.count
        ));
    }
    let names: Vec<String> = if spec.count == 1 {
        vec![spec.name.clone()]
    } else {
        (0..spec.count)
            .map(|i| format!("{}-{i}", spec.name))
            .collect()
    };
    let (api, api_name) = match spec.api {
        Origin::Qps => (Api::Qps, "QPS"),
        Origin::Cloudview => (Api::CloudView, "CloudView"),
    };
    // Only the names differ between the connectors: checking the longest first means a batch
    // that fails fails on its first connector, before any id is handed out.
    if let Some(longest) = names.iter().max_by_key(|n| n.chars().count()) {
        validate_name(longest)
            .map_err(|e| format!("{api_name} create refuses `{longest}`: {e}"))?;
    }
    let rules = Rules {
        api,
        region_selection: app.region_selection,
        china_connectors: app.accounts.china_connectors_allowed(),
    };
    let user = seeding_user(&app.users);
    let mut made = Vec::with_capacity(names.len());
    for name in names {
        let change = Change {
            name: Some(name),
            arn: Some(spec.arn.clone()),
            external_id: spec.external_id.clone(),
            is_gov_cloud: spec.is_gov_cloud,
            is_china: spec.is_china_region,
            ..Change::default()
        };
        match app.store.create(&change, spec.api, rules, &user) {
            Ok(c) => made.push(c),
            Err(e) => {
                for c in &made {
                    app.store.remove(Key::Id(c.id));
                }
                return Err(match e {
                    StoreError::OutOfScope(account) => format!(
                        "AWS account {account} is outside the scope of user {}, whom /_sim/connectors acts as",
                        user.name
                    ),
                    other => format!("{api_name} create refuses it: {other}"),
                });
            }
        }
    }
    Ok(made
        .iter()
        .map(|c| match spec.api {
            Origin::Qps => c.id.to_string(),
            Origin::Cloudview => c.cloudview_uuid.to_string(),
        })
        .collect())
}

async fn remove(State(app): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    match Key::parse(&id) {
        Some(key) if app.store.remove(key) => StatusCode::NO_CONTENT.into_response(),
        _ => error(StatusCode::NOT_FOUND, "no such connector"),
    }
}

async fn patch(State(app): State<Arc<AppState>>, Path(id): Path<String>, body: Bytes) -> Response {
    let Some(key) = Key::parse(&id) else {
        return error(StatusCode::NOT_FOUND, "no such connector");
    };
    let fields = match serde_json::from_slice(&body) {
        Ok(Value::Object(fields)) => fields,
        _ => return error(StatusCode::BAD_REQUEST, "expected a JSON object"),
    };
    match app.store.patch(key, |c| apply_patch(c, &fields)) {
        Ok(Some(c)) => Json(c).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, "no such connector"),
        Err(e) => error(StatusCode::BAD_REQUEST, &e.to_string()),
    }
}

/// A PATCH field that cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatchError {
    #[error("unknown field `{0}`")]
    Unknown(String),
    #[error(transparent)]
    Field(#[from] FieldError),
}

fn required<T>(value: Option<T>, field: &str) -> Result<T, FieldError> {
    value.ok_or_else(|| FieldError::new(field, "must not be null"))
}

fn date(fields: &Map<String, Value>, field: &str) -> Result<OffsetDateTime, FieldError> {
    let text = required(lenient::string(fields, field)?, field)?;
    OffsetDateTime::parse(&text, &Rfc3339)
        .map_err(|_| FieldError::new(field, "expected an RFC 3339 date"))
}

fn region_list(fields: &Map<String, Value>, field: &str) -> Result<Vec<String>, FieldError> {
    lenient::items(fields.get(field).unwrap_or(&Value::Null))
        .into_iter()
        .map(|item| match item {
            Value::String(code) => Ok(code.clone()),
            Value::Object(map) => required(lenient::string(map, "regionCode")?, field),
            _ => Err(FieldError::new(field, "expected region codes")),
        })
        .collect()
}

/// Applies API-named fields (QPS or CloudView spelling) without the API's rules.
fn apply_patch(c: &mut Connector, fields: &Map<String, Value>) -> Result<(), PatchError> {
    let s = |f: &str| -> Result<String, FieldError> { required(lenient::string(fields, f)?, f) };
    let b = |f: &str| -> Result<bool, FieldError> { required(lenient::boolean(fields, f)?, f) };
    let n = |f: &str| -> Result<u64, FieldError> { required(lenient::unsigned(fields, f)?, f) };
    for field in fields.keys() {
        let f = field.as_str();
        match f {
            "name" => c.name = s(f)?,
            "description" => c.description = s(f)?,
            "externalId" => c.external_id = s(f)?,
            "awsAccountId" => c.aws_account_id = s(f)?,
            "error" => c.error = s(f)?,
            "arn" => {
                c.arn = s(f)?;
                if let Ok(role) = parse_arn(&c.arn) {
                    c.aws_account_id = role.account;
                    c.partition = role.partition;
                }
            }
            "allRegions" => c.all_regions = b(f)?,
            "disabled" | "isDisabled" => c.disabled = b(f)?,
            "isRemediationEnabled" => c.remediation_enabled = b(f)?,
            "isGovCloudConfigured" | "isGovCloud" => {
                c.partition = if b(f)? {
                    Partition::GovCloud
                } else {
                    Partition::Global
                }
            }
            "isChinaConfigured" | "isChinaRegion" => {
                c.partition = if b(f)? {
                    Partition::China
                } else {
                    Partition::Global
                }
            }
            "cspmRegions" => c.cspm_regions = region_list(fields, f)?.into_iter().collect(),
            "endpoints" => c.endpoints = region_list(fields, f)?.into_iter().collect(),
            "runFrequency" => {
                c.run_frequency =
                    u32::try_from(n(f)?).map_err(|_| FieldError::new(f, "too large"))?
            }
            "pollingFrequency" => {
                let frequency = required(lenient::object(fields, f)?, f)?;
                let hours = lenient::unsigned(frequency, "hours")?.unwrap_or(0);
                let minutes = lenient::unsigned(frequency, "minutes")?.unwrap_or(0);
                c.run_frequency = u32::try_from(hours * 60 + minutes)
                    .map_err(|_| FieldError::new(f, "too large"))?;
            }
            "connectorState" | "state" => {
                c.state = ConnectorState::parse(&s(f)?)
                    .ok_or_else(|| FieldError::new(f, "unknown connector state"))?
            }
            "totalAssets" => c.total_assets = n(f)?,
            "isAttachedToOrgConnector" => c.attached_to_org_connector = b(f)?,
            "isCPSEnabled" => c.cps_enabled = b(f)?,
            // CloudView's create takes isPortalConnector and its list shows it with a
            // portalConnectorUuid, for connectors CloudView made too (seed 000).
            "isPortalConnector" => {
                c.portal_connector_uuid = match (b(f)?, c.portal_connector_uuid) {
                    (true, None) => Some(Uuid::new_v4()),
                    (true, kept) => kept,
                    (false, _) => None,
                }
            }
            "listedByQps" => c.listed_by_qps = b(f)?,
            // Lets a test merge a CloudView connector into the Connector app, or the reverse.
            "origin" => {
                c.origin = match s(f)?.as_str() {
                    "qps" => Origin::Qps,
                    "cloudview" => Origin::Cloudview,
                    _ => return Err(FieldError::new(f, "expected qps or cloudview").into()),
                }
            }
            "lastSync" | "lastSyncedOn" => c.last_sync = date(fields, f)?,
            "nextSync" | "nextSyncedOn" => c.next_sync = date(fields, f)?,
            _ => return Err(PatchError::Unknown(field.clone())),
        }
    }
    Ok(())
}

async fn add_fault(State(app): State<Arc<AppState>>, body: Bytes) -> Response {
    let spec: FaultSpec = match serde_json::from_slice(&body) {
        Ok(spec) => spec,
        Err(e) => return error(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    match app.faults.add(spec) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => error(StatusCode::BAD_REQUEST, &e.to_string()),
    }
}

async fn set_chaos(State(app): State<Arc<AppState>>, body: Bytes) -> Response {
    let spec: ChaosSpec = match serde_json::from_slice(&body) {
        Ok(spec) => spec,
        Err(e) => return error(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    match app.faults.set_chaos(spec) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => error(StatusCode::BAD_REQUEST, &e.to_string()),
    }
}

async fn clear_chaos(State(app): State<Arc<AppState>>) -> StatusCode {
    app.faults.clear_chaos();
    StatusCode::NO_CONTENT
}

async fn quirks(State(app): State<Arc<AppState>>) -> Json<QuirksSpec> {
    Json(app.quirks.get())
}

async fn set_quirks(State(app): State<Arc<AppState>>, body: Bytes) -> Response {
    match serde_json::from_slice::<QuirksSpec>(&body) {
        Ok(spec) => {
            app.quirks.set(spec);
            Json(app.quirks.get()).into_response()
        }
        Err(e) => error(StatusCode::BAD_REQUEST, &e.to_string()),
    }
}

async fn roles(State(app): State<Arc<AppState>>) -> Json<Vec<RoleSpec>> {
    Json(app.roles.all())
}

async fn set_role(State(app): State<Arc<AppState>>, body: Bytes) -> Response {
    let spec: RoleSpec = match serde_json::from_slice(&body) {
        Ok(spec) => spec,
        Err(e) => return error(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    match app.roles.set(spec) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => error(StatusCode::BAD_REQUEST, &e.to_string()),
    }
}

async fn clear_roles(State(app): State<Arc<AppState>>) -> StatusCode {
    app.roles.clear();
    StatusCode::NO_CONTENT
}

async fn calls(State(app): State<Arc<AppState>>) -> Response {
    Json(app.calls.counts()).into_response()
}

async fn reset(State(app): State<Arc<AppState>>) -> StatusCode {
    app.store.clear();
    app.faults.clear();
    app.calls.clear();
    app.limits.reset();
    app.roles.clear();
    app.quirks.clear();
    StatusCode::NO_CONTENT
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    fn app_with(users: Vec<User>) -> AppState {
        let config = crate::config::SimConfig {
            users,
            ..crate::config::SimConfig::default()
        };
        AppState::new(&config, Arc::default(), "http://127.0.0.1:1".into())
    }

    fn spec(v: Value) -> SeedSpec {
        serde_json::from_value(v).expect("a seed spec")
    }

    const ROLE: &str = "arn:aws:iam::123456789012:role/R";

    #[test]
    fn seeding_creates_what_each_api_would() {
        let app = app_with(vec![User::new("demo", "demo")]);
        let ids = seed_connectors(
            &app,
            &spec(json!({"api": "qps", "name": "q", "arn": ROLE, "external_id": "anything-goes"})),
        )
        .expect("seeded");
        let all = app.store.all();
        assert_eq!(ids, [crate::model::FIRST_ID.to_string()]);
        let q = &all[0];
        assert_eq!((q.origin, q.name.as_str()), (Origin::Qps, "q"));
        assert!(q.portal_connector_uuid.is_some(), "a QPS-made connector");
        assert_eq!(q.aws_account_id, "123456789012");
        assert_eq!(q.external_id, "anything-goes");
        assert_eq!(q.state, ConnectorState::Pending);

        let gov = "arn:aws-us-gov:iam::123456789012:role/R";
        let ids = seed_connectors(
            &app,
            &spec(
                json!({"api": "cloudview", "count": 3, "name": "c", "arn": gov,
                         "external_id": "USPOD01-4765-9011278609223",
                         "is_gov_cloud": true, "is_china_region": false}),
            ),
        )
        .expect("seeded");
        let made: Vec<Connector> = app.store.all().into_iter().skip(1).collect();
        assert_eq!(
            made.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
            ["c-0", "c-1", "c-2"]
        );
        assert_eq!(
            ids,
            made.iter()
                .map(|c| c.cloudview_uuid.to_string())
                .collect::<Vec<_>>()
        );
        for c in &made {
            assert_eq!(c.origin, Origin::Cloudview);
            assert_eq!(c.portal_connector_uuid, None);
            assert_eq!(c.partition, Partition::GovCloud);
        }
    }

    #[test]
    fn a_patch_flags_a_portal_connector_and_hides_it_from_qps_searches() {
        let mut c = Connector::blank(Origin::Cloudview, crate::dates::now());
        let fields = |v: Value| match v {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        apply_patch(
            &mut c,
            &fields(json!({"isPortalConnector": true, "listedByQps": false})),
        )
        .expect("patched");
        let portal = c.portal_connector_uuid.expect("a portal connector UUID");
        assert!(!c.listed_by_qps);
        apply_patch(&mut c, &fields(json!({"isPortalConnector": true}))).expect("patched");
        assert_eq!(c.portal_connector_uuid, Some(portal), "kept");
        apply_patch(
            &mut c,
            &fields(json!({"isPortalConnector": false, "listedByQps": true})),
        )
        .expect("patched");
        assert_eq!((c.portal_connector_uuid, c.listed_by_qps), (None, true));
    }

    #[test]
    fn seeding_without_an_external_id_generates_one() {
        let app = app_with(vec![User::new("demo", "demo")]);
        seed_connectors(
            &app,
            &spec(json!({"api": "cloudview", "name": "c", "arn": ROLE})),
        )
        .expect("seeded");
        assert!(crate::validate::is_new_external_id(
            &app.store.all()[0].external_id
        ));
    }

    #[test]
    fn a_refused_batch_makes_nothing_and_names_the_problem() {
        let app = app_with(vec![User::new("demo", "demo")]);
        let refusals = [
            (
                json!({"api": "cloudview", "count": 2, "name": "c", "arn": ROLE,
                       "external_id": "pod-test-env"}),
                "externalId `pod-test-env`",
            ),
            (
                json!({"api": "qps", "name": "q", "arn": "arn:aws:iam::1:role/R"}),
                "arn `arn:aws:iam::1:role/R`",
            ),
            (
                json!({"api": "qps", "name": "q", "arn": ROLE, "is_china_region": true}),
                "isChinaConfigured is true",
            ),
            (
                json!({"api": "qps", "count": 0, "name": "q", "arn": ROLE}),
                "count must be 1 to 20000, got 0",
            ),
            (
                json!({"api": "qps", "count": 20_001, "name": "q", "arn": ROLE}),
                "count must be 1 to 20000, got 20001",
            ),
            // Only the eleventh name is too long.
            (
                json!({"api": "qps", "count": 11, "name": "n".repeat(253), "arn": ROLE}),
                "name must be 1 to 255 characters long, got 256",
            ),
        ];
        for (body, expected) in refusals {
            let message = seed_connectors(&app, &spec(body.clone())).expect_err("refused");
            assert!(message.contains(expected), "{body}: {message}");
            assert!(app.store.all().is_empty(), "{body}");
        }
        let ids = seed_connectors(&app, &spec(json!({"api": "qps", "name": "q", "arn": ROLE})))
            .expect("seeded");
        assert_eq!(
            ids,
            [crate::model::FIRST_ID.to_string()],
            "refusals hand out no id"
        );
        assert!(
            serde_json::from_value::<SeedSpec>(
                json!({"api": "qps", "name": "q", "arn": ROLE, "externalId": "x"})
            )
            .is_err(),
            "unknown fields are refused"
        );
        assert!(
            serde_json::from_value::<SeedSpec>(json!({"api": "v3", "name": "q", "arn": ROLE}))
                .is_err()
        );
    }

    #[test]
    fn seeding_acts_as_the_first_unrestricted_user() {
        let scoped = |name: &str, account: &str| User {
            scope: Some(vec![account.to_owned()]),
            ..User::new(name, name)
        };
        let users = vec![scoped("s", "210987654321"), User::new("demo", "demo")];
        assert_eq!(seeding_user(&users).name, "demo");
        let users = vec![scoped("s", "210987654321"), scoped("t", "123456789012")];
        assert_eq!(seeding_user(&users).name, "s");
        assert_eq!(seeding_user(&[]).scope, None);

        let app = app_with(users);
        let message = seed_connectors(&app, &spec(json!({"api": "qps", "name": "q", "arn": ROLE})))
            .expect_err("outside s's scope");
        assert!(
            message.contains("123456789012 is outside the scope of user s"),
            "{message}"
        );
        let other = "arn:aws:iam::210987654321:role/R";
        seed_connectors(
            &app,
            &spec(json!({"api": "qps", "name": "q", "arn": other})),
        )
        .expect("inside s's scope");
    }

    #[test]
    fn patch_takes_both_apis_names() {
        let mut c = Connector::blank(Origin::Qps, crate::dates::now());
        apply_patch(
            &mut c,
            &fields(json!({
                "description": "x", "isDisabled": "true", "state": "error",
                "pollingFrequency": {"hours": 2, "minutes": 5},
                "arn": "arn:aws-cn:iam::123456789012:role/R",
                "cspmRegions": ["cn-north-1"], "totalAssets": 3,
                "lastSync": "2021-01-13T05:17:58Z"
            })),
        )
        .expect("applies");
        assert_eq!(c.description, "x");
        assert!(c.disabled);
        assert_eq!(c.state, ConnectorState::Error);
        assert_eq!(c.run_frequency, 125);
        assert_eq!(c.partition, Partition::China);
        assert_eq!(c.aws_account_id, "123456789012");
        assert!(c.cspm_regions.contains("cn-north-1"));
        assert_eq!(c.total_assets, 3);
        assert_eq!(crate::dates::iso(c.last_sync), "2021-01-13T05:17:58Z");
    }

    #[test]
    fn patch_rejects_unknown_and_mistyped_fields() {
        let mut c = Connector::blank(Origin::Qps, crate::dates::now());
        assert_eq!(
            apply_patch(&mut c, &fields(json!({"descripton": "x"}))),
            Err(PatchError::Unknown("descripton".into()))
        );
        assert!(apply_patch(&mut c, &fields(json!({"disabled": "maybe"}))).is_err());
        assert!(apply_patch(&mut c, &fields(json!({"connectorState": "GONE"}))).is_err());
        assert!(apply_patch(&mut c, &fields(json!({"name": null}))).is_err());
    }
}
