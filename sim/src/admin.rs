//! The test-only admin API under `/_sim/` (no auth, loopback peers only): list, delete and
//! change connectors out of band, inject faults, read call counts, reset.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::app::AppState;
use crate::faults::{ChaosSpec, FaultSpec};
use crate::lenient::{self, FieldError};
use crate::model::{Connector, ConnectorState, Origin};
use crate::quirks::QuirksSpec;
use crate::regions::Partition;
use crate::server::Peer;
use crate::store::Key;
use crate::syncs::RoleSpec;
use crate::validate::parse_arn;

/// The `/_sim/` routes.
pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/_sim/connectors", get(list))
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
    use crate::model::Origin;

    fn fields(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[tokio::test]
    async fn admin_answers_loopback_peers_only() {
        use axum::body::Body;
        use tower::Service;

        let state = AppState::new(
            &crate::config::SimConfig::default(),
            Arc::default(),
            "http://127.0.0.1:1".into(),
        );
        let mut router = crate::app::router(Arc::new(state));
        for (peer, expected) in [
            ("10.1.2.3:4000", StatusCode::FORBIDDEN),
            ("[2001:db8::1]:4000", StatusCode::FORBIDDEN),
            ("127.0.0.1:4000", StatusCode::OK),
            ("[::1]:4000", StatusCode::OK),
        ] {
            let mut request = Request::new(Body::empty());
            *request.uri_mut() = "/_sim/calls".parse().expect("uri");
            request
                .extensions_mut()
                .insert(Peer(peer.parse().expect("address")));
            let response = router.call(request).await.expect("infallible");
            assert_eq!(response.status(), expected, "{peer}");
        }
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
