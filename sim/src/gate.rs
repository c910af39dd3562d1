//! What every API call passes through before its handler: call counting, injected faults,
//! Basic auth, rate and concurrency limits, simulated latency, and dropping the connection
//! after the call when a fault asks for it. Errors take the calling API's form.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::auth::{self, Caller};
use crate::cloudview;
use crate::limits::{self, Budget, Over};
use crate::qps::{self, Failure, Format, Reply, ResponseCode, Version};
use crate::server::ConnectionControl;
use crate::state::AppState;

/// Which API family a path belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Qps(Version),
    CloudView,
}

/// Largest request body read (DECISION: Qualys documents no limit; far above any connector).
const MAX_BODY: usize = 16 << 20;

const CLOUDVIEW: &str = "/cloudview-api/rest/v1/aws/connectors";

/// The family and operation name (`qps3.create`, `cloudview.list`, ...) of an API call.
pub fn classify(method: &Method, path: &str) -> Option<(Family, String)> {
    let path = path.trim_end_matches('/');
    if let Some(rest) = path.strip_prefix("/qps/rest/") {
        let segments: Vec<&str> = rest.split('/').collect();
        let version = Version::parse(segments.first()?)?;
        let op = segments.get(1)?;
        let major = match version {
            Version::V3 => 3,
            Version::V2 => 2,
        };
        // The connector's own operations by verb, the other objects by what they are.
        let name = match segments.get(3).map(|o| o.to_ascii_lowercase()).as_deref() {
            Some("assetdataconnectorerrors") => "errors",
            Some("awsbaseaccount") => "baseaccount",
            _ => op,
        };
        return Some((Family::Qps(version), format!("qps{major}.{name}")));
    }
    let rest = path.strip_prefix(CLOUDVIEW)?;
    let segments: Vec<&str> = rest.split('/').skip(1).collect();
    let op = match (segments.as_slice(), method.as_str()) {
        ([], "GET") => "list",
        ([], "POST") => "create",
        ([], "DELETE") => "delete",
        (["run"], "POST") => "run",
        (["enable"], "PATCH") => "enable",
        (["disable"], "PATCH") => "disable",
        (["awsBaseAccountId"], "GET") => "baseaccount",
        ([_, "errors"], "GET") => "errors",
        ([_], "GET") => "get",
        ([_], "PUT") => "update",
        _ => return None,
    };
    Some((Family::CloudView, format!("cloudview.{op}")))
}

/// An error in `family`'s form (QPS: in the format the request's `Accept` asks for).
fn family_error(
    app: &AppState,
    family: Family,
    headers: &HeaderMap,
    status: StatusCode,
    code: ResponseCode,
    message: &str,
) -> Response {
    match family {
        Family::Qps(version) => {
            let failure = Failure {
                code,
                message: message.to_owned(),
                resolution: match code {
                    ResponseCode::Unauthorized => "Check the username and password.".into(),
                    ResponseCode::InvalidCredentials => QPS_BAD_CREDENTIALS_RESOLUTION.into(),
                    _ => "Wait X-RateLimit-ToWait-Sec seconds and retry.".into(),
                },
            };
            let format = Format::negotiate(version, qps::accept(headers));
            qps::respond(format, status, &Reply::Failure(failure), app)
        }
        Family::CloudView => cloudview::error_response(status, code.as_str(), message),
    }
}

/// QPS's words for missing or bad credentials, recorded from a real platform (EVIDENCE 6).
const QPS_BAD_CREDENTIALS_MESSAGE: &str = "Authentication failed";
const QPS_BAD_CREDENTIALS_RESOLUTION: &str = "Verify both, user and password credentials.";

/// The answer to a call without valid credentials. QPS: HTTP 200 with `responseCode`
/// `INVALID_CREDENTIALS` (EVIDENCE 6; DECISION: missing credentials answer the same), or, under
/// the `qps_auth_401` quirk, the contract's first reading, HTTP 401 `UNAUTHORIZED`. CloudView:
/// HTTP 401. Both 401s carry `WWW-Authenticate`.
fn refuse_credentials(app: &AppState, family: Family, headers: &HeaderMap) -> Response {
    if matches!(family, Family::Qps(_)) && !app.quirks.qps_refuses_auth_with_401() {
        return family_error(
            app,
            family,
            headers,
            StatusCode::OK,
            ResponseCode::InvalidCredentials,
            QPS_BAD_CREDENTIALS_MESSAGE,
        );
    }
    let mut response = family_error(
        app,
        family,
        headers,
        StatusCode::UNAUTHORIZED,
        ResponseCode::Unauthorized,
        "Bad username or password",
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"Qualys\""),
    );
    response
}

/// The limit headers a call's answer carries. QPS answers carry none (EVIDENCE 6: recorded QPS
/// answers have no `X-RateLimit-*` or `X-Concurrency-*` headers, though VM API answers in the
/// same recordings do); DECISION: the 409 refusing a QPS call over a limit keeps
/// `X-RateLimit-ToWait-Sec`, so a client can still tell how long to wait. CloudView: all.
fn limit_headers(
    family: Family,
    refused: bool,
    headers: &limits::LimitHeaders,
) -> limits::LimitHeaders {
    match family {
        Family::CloudView => headers.clone(),
        Family::Qps(_) if refused => headers
            .iter()
            .filter(|(name, _)| *name == "x-ratelimit-towait-sec")
            .cloned()
            .collect(),
        Family::Qps(_) => Vec::new(),
    }
}

/// The middleware in front of every API route.
///
/// DECISION (as a real server behaves): a call is carried out to the end even when its client
/// hangs up meanwhile, during an injected delay or the simulated latency. The work runs in a
/// task of its own, so that a create the client gave up on still creates the connector, and
/// interrupted pipelines can be tested honestly.
pub async fn gate(State(app): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let Some((family, operation)) = classify(req.method(), &path) else {
        return next.run(req).await;
    };
    app.calls.record(&operation);
    let fault = app.faults.take(req.method(), &path);
    let drop_connection = fault.as_ref().is_some_and(|f| f.drop_connection);
    let control = req.extensions().get::<ConnectionControl>().cloned();
    // Read the body now, while the client is there: the task must not depend on the connection.
    let (parts, body) = req.into_parts();
    let req = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(bytes) => Request::from_parts(parts, axum::body::Body::from(bytes)),
        Err(_) => {
            let mut response = Response::new(axum::body::Body::from("unreadable request body"));
            *response.status_mut() = StatusCode::BAD_REQUEST;
            return response;
        }
    };
    let work = tokio::spawn(carry_out(app, family, fault, req, next));
    let response = match work.await {
        Ok(response) => response,
        Err(_) => {
            let mut response = Response::new(axum::body::Body::from("the call's task failed"));
            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            response
        }
    };
    if let (Some(control), true) = (control, drop_connection) {
        control.close();
        return std::future::pending().await;
    }
    response
}

/// Everything after counting: the fault's delay or canned answer, auth, limits, latency, the
/// API itself.
async fn carry_out(
    app: Arc<AppState>,
    family: Family,
    fault: Option<crate::faults::FaultAction>,
    mut req: Request,
    next: Next,
) -> Response {
    if let Some(fault) = &fault {
        tokio::time::sleep(fault.delay).await;
        if let Some(canned) = fault.canned() {
            return canned;
        }
    }
    let Some(user) = auth::authenticate(req.headers(), &app.users) else {
        return refuse_credentials(&app, family, req.headers());
    };
    let budget = match family {
        Family::Qps(_) => Budget::Qps,
        Family::CloudView => Budget::CloudView,
    };
    let permit = match app.limits.admit(&user.name, budget) {
        Ok(permit) => permit,
        Err(throttled) => {
            // CloudView throttles with 429 as well as 409 (EVIDENCE 2). DECISION: 429 with
            // Retry-After for its rate limit, 409 for concurrency; QPS always 409.
            let status = match (family, throttled.over) {
                (Family::CloudView, Over::Rate) => StatusCode::TOO_MANY_REQUESTS,
                _ => StatusCode::CONFLICT,
            };
            let mut response = family_error(
                &app,
                family,
                req.headers(),
                status,
                ResponseCode::LimitExceeded,
                &throttled.reason,
            );
            limits::apply(
                &limit_headers(family, true, &throttled.headers),
                response.headers_mut(),
            );
            if status == StatusCode::TOO_MANY_REQUESTS {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(throttled.wait));
            }
            return response;
        }
    };
    tokio::time::sleep(app.latency).await;
    req.extensions_mut().insert(Caller(user.clone()));
    let mut response = next.run(req).await;
    limits::apply(
        &limit_headers(family, false, permit.headers()),
        response.headers_mut(),
    );
    drop(permit);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names() {
        let cases = [
            (
                Method::POST,
                "/qps/rest/3.0/create/am/awsassetdataconnector",
                Some("qps3.create"),
            ),
            (
                Method::GET,
                "/qps/rest/2.0/get/am/awsassetdataconnector/5",
                Some("qps2.get"),
            ),
            (
                Method::GET,
                "/cloudview-api/rest/v1/aws/connectors",
                Some("cloudview.list"),
            ),
            (
                Method::DELETE,
                "/cloudview-api/rest/v1/aws/connectors/",
                Some("cloudview.delete"),
            ),
            (
                Method::PUT,
                "/cloudview-api/rest/v1/aws/connectors/abc",
                Some("cloudview.update"),
            ),
            (
                Method::GET,
                "/cloudview-api/rest/v1/aws/connectors/abc",
                Some("cloudview.get"),
            ),
            (
                Method::PATCH,
                "/cloudview-api/rest/v1/aws/connectors/abc",
                None,
            ),
            (
                Method::POST,
                "/cloudview-api/rest/v1/aws/connectors/run",
                Some("cloudview.run"),
            ),
            (
                Method::PATCH,
                "/cloudview-api/rest/v1/aws/connectors/enable",
                Some("cloudview.enable"),
            ),
            (
                Method::PATCH,
                "/cloudview-api/rest/v1/aws/connectors/disable",
                Some("cloudview.disable"),
            ),
            (
                Method::GET,
                "/cloudview-api/rest/v1/aws/connectors/abc/errors",
                Some("cloudview.errors"),
            ),
            (
                Method::GET,
                "/cloudview-api/rest/v1/aws/connectors/awsBaseAccountId",
                Some("cloudview.baseaccount"),
            ),
            (
                Method::POST,
                "/qps/rest/3.0/search/am/assetdataconnectorerrors",
                Some("qps3.errors"),
            ),
            (
                Method::GET,
                "/qps/rest/2.0/get/am/awsbaseaccount/4765",
                Some("qps2.baseaccount"),
            ),
            (Method::GET, "/qps/rest/4.0/get/am/x", None),
            (Method::GET, "/elsewhere", None),
        ];
        for (method, path, expected) in cases {
            assert_eq!(
                classify(&method, path).map(|(_, op)| op).as_deref(),
                expected,
                "{method} {path}"
            );
        }
    }
}
