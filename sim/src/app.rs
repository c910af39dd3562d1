//! The routes a running simulator serves: the only module that knows every handler.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, patch, post};
use axum::{Json, Router, middleware};
use serde_json::json;

use crate::state::AppState;
use crate::{admin, cloudview, gate, qps};

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

#[cfg(test)]
mod tests {
    use axum::extract::Request;

    use super::*;
    use crate::server::Peer;

    #[tokio::test]
    async fn admin_answers_loopback_peers_only() {
        use axum::body::Body;
        use tower::Service;

        let state = AppState::new(
            &crate::config::SimConfig::default(),
            Arc::default(),
            "http://127.0.0.1:1".into(),
        );
        let mut router = router(Arc::new(state));
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
}
