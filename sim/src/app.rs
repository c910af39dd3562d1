//! The shared state of a running simulator and the routes that serve it.

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, patch, post};
use axum::{Json, Router, middleware};
use serde_json::json;

use crate::accounts::BaseAccounts;
use crate::calls::Calls;
use crate::config::{SimConfig, User};
use crate::faults::Faults;
use crate::limits::Limits;
use crate::quirks::Quirks;
use crate::store::Store;
use crate::syncs::Roles;
use crate::{admin, cloudview, gate, qps};

/// Everything handlers share.
pub struct AppState {
    pub store: Arc<Store>,
    pub users: Vec<User>,
    pub limits: Limits,
    pub faults: Faults,
    pub calls: Calls,
    pub latency: Duration,
    pub region_selection: bool,
    pub accounts: BaseAccounts,
    pub roles: Roles,
    pub quirks: Quirks,
    pub sync_delay: Duration,
    pub base_url: String,
}

impl AppState {
    /// The state for `config` over `store`, served at `base_url`.
    pub fn new(config: &SimConfig, store: Arc<Store>, base_url: String) -> AppState {
        AppState {
            store,
            users: config.users.clone(),
            limits: Limits::new(config.rate_limit, config.concurrency),
            faults: Faults::default(),
            calls: Calls::default(),
            latency: config.latency,
            region_selection: config.region_selection,
            accounts: BaseAccounts::new(config.customer_base_accounts.clone()),
            roles: Roles::default(),
            quirks: Quirks::default(),
            sync_delay: config.sync_delay,
            base_url,
        }
    }
}

/// QPS and CloudView behind the gate, the admin API beside them.
pub fn router(app: Arc<AppState>) -> Router {
    let connectors = "/cloudview-api/rest/v1/aws/connectors";
    let api = Router::new()
        .route("/qps/rest/{version}/{op}/am/{object}", any(qps::without_id))
        .route(
            "/qps/rest/{version}/{op}/am/{object}/{id}",
            any(qps::with_id),
        )
        // QPS accepts a trailing slash after the object or the id (EVIDENCE 6, 8: Qualys's own
        // CloudFormation Lambda posts `/qps/rest/2.0/search/am/awsassetdataconnector/`).
        .route(
            "/qps/rest/{version}/{op}/am/{object}/",
            any(qps::without_id),
        )
        .route(
            "/qps/rest/{version}/{op}/am/{object}/{id}/",
            any(qps::with_id),
        )
        .route(
            connectors,
            get(cloudview::list)
                .post(cloudview::create)
                .delete(cloudview::delete),
        )
        .route(
            &format!("{connectors}/awsBaseAccountId"),
            get(cloudview::base_accounts),
        )
        .route(&format!("{connectors}/run"), post(cloudview::run))
        .route(&format!("{connectors}/enable"), patch(cloudview::enable))
        .route(&format!("{connectors}/disable"), patch(cloudview::disable))
        .route(
            &format!("{connectors}/{{id}}/errors"),
            get(cloudview::errors),
        )
        .route(
            &format!("{connectors}/{{id}}"),
            get(cloudview::get).put(cloudview::update),
        )
        .route_layer(middleware::from_fn_with_state(app.clone(), gate::gate));
    api.merge(admin::router())
        .fallback(not_found)
        .with_state(app)
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"error": "no such endpoint"})),
    )
        .into_response()
}
