//! A gateway in front of qualys-sim, as a load balancer or API gateway between the provider
//! and Qualys would be: it forwards every request, and for the requests a test names it
//! answers a status of its own, either **after** the simulator carried the request out (a 503
//! from an overloaded gateway, a 504 when the upstream was slow, ...: an answer that says
//! nothing about whether the create happened) or **instead** of forwarding it (a route the
//! gateway does not know, answered with its own 404).

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;

/// What to answer instead of the simulator, for the next `count` matching requests.
struct Rule {
    method: String,
    path_prefix: String,
    count: u32,
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
    /// Whether the request reaches the simulator before the gateway answers.
    forwarded: bool,
}

pub struct Gateway {
    runtime: Option<tokio::runtime::Runtime>,
    pub url: String,
    rules: Arc<Mutex<Vec<Rule>>>,
}

impl Gateway {
    /// A gateway forwarding to `upstream` (the simulator's base URL).
    pub fn start(upstream: &str) -> Gateway {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime for the gateway");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("binding the gateway");
        let port = listener.local_addr().expect("its address").port();
        let rules: Arc<Mutex<Vec<Rule>>> = Arc::default();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client");
        let upstream = upstream.trim_end_matches('/').to_string();
        let shared = rules.clone();
        runtime.spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (rules, http, upstream) = (shared.clone(), http.clone(), upstream.clone());
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request: Request<_>| {
                        let (rules, http, upstream) =
                            (rules.clone(), http.clone(), upstream.clone());
                        async move {
                            Ok::<_, Infallible>(forward(request, &rules, &http, &upstream).await)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(tcp), service)
                        .await;
                });
            }
        });
        Gateway {
            runtime: Some(runtime),
            url: format!("http://127.0.0.1:{port}"),
            rules,
        }
    }

    /// The next `count` requests of `method` under `path_prefix` are forwarded, and then
    /// answered with `status` and `body` (and `headers`) instead of the simulator's answer.
    pub fn answer_after_forwarding(
        &self,
        method: &str,
        path_prefix: &str,
        count: u32,
        status: u16,
        headers: &[(&str, &str)],
        body: &str,
    ) {
        let rule = Rule::new(method, path_prefix, count, status, headers, body);
        self.rules.lock().expect("the rules").push(rule);
    }

    /// The next `count` requests of `method` under `path_prefix` are answered with `status`
    /// and `body` (and `headers`) by the gateway itself: the simulator never sees them.
    pub fn answer_instead(
        &self,
        method: &str,
        path_prefix: &str,
        count: u32,
        status: u16,
        headers: &[(&str, &str)],
        body: &str,
    ) {
        let rule = Rule {
            forwarded: false,
            ..Rule::new(method, path_prefix, count, status, headers, body)
        };
        self.rules.lock().expect("the rules").push(rule);
    }
}

impl Rule {
    /// A rule answering after forwarding.
    fn new(
        method: &str,
        path_prefix: &str,
        count: u32,
        status: u16,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Rule {
        Rule {
            method: method.to_string(),
            path_prefix: path_prefix.to_string(),
            count,
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.to_string(),
            forwarded: true,
        }
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

async fn forward(
    request: Request<hyper::body::Incoming>,
    rules: &Mutex<Vec<Rule>>,
    http: &reqwest::Client,
    upstream: &str,
) -> Response<Full<Bytes>> {
    let method = request.method().clone();
    let path_and_query = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let path = request.uri().path().to_string();
    let headers = request.headers().clone();
    let body = request
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    if let Some(answer) = take_rule(rules, &method, &path, false) {
        return answer;
    }
    let mut upstream_request = http.request(method.clone(), format!("{upstream}{path_and_query}"));
    for (name, value) in &headers {
        if name != "host" && name != "content-length" {
            upstream_request = upstream_request.header(name, value);
        }
    }
    let answer = upstream_request.body(body).send().await;
    // The rule is taken after the upstream answered: the request was carried out.
    if let Some(answer) = take_rule(rules, &method, &path, true) {
        return answer;
    }
    match answer {
        Ok(answer) => {
            let mut response = Response::builder().status(answer.status());
            for (name, value) in answer.headers() {
                if name != "content-length" && name != "transfer-encoding" {
                    response = response.header(name, value);
                }
            }
            let bytes = answer.bytes().await.unwrap_or_default();
            response.body(Full::new(bytes)).expect("a forwarded answer")
        }
        Err(e) => Response::builder()
            .status(StatusCode::BAD_GATEWAY)
            .body(Full::new(Bytes::from(format!("upstream failed: {e}"))))
            .expect("a 502"),
    }
}

/// The gateway's own answer to a request of `method` on `path`, from the first rule that
/// matches (and is `forwarded` or not), counted down.
fn take_rule(
    rules: &Mutex<Vec<Rule>>,
    method: &hyper::Method,
    path: &str,
    forwarded: bool,
) -> Option<Response<Full<Bytes>>> {
    let (status, headers, body) = {
        let mut rules = rules.lock().expect("the rules");
        let rule = rules.iter_mut().find(|r| {
            r.count > 0
                && r.forwarded == forwarded
                && (r.method == "*" || r.method.eq_ignore_ascii_case(method.as_str()))
                && path.starts_with(&r.path_prefix)
        })?;
        rule.count -= 1;
        (rule.status, rule.headers.clone(), rule.body.clone())
    };
    let mut response = Response::builder().status(status);
    for (k, v) in headers {
        response = response.header(k, v);
    }
    Some(
        response
            .body(Full::new(Bytes::from(body)))
            .expect("a gateway answer"),
    )
}
