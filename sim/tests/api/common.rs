//! A small HTTP client for the three APIs and the admin API, and request builders.

use std::collections::BTreeSet;

use qualys_sim::{Sim, SimConfig};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub const ACCOUNT: &str = "123456789012";
pub const OTHER_ACCOUNT: &str = "210987654321";
pub const CONNECTORS: &str = "/cloudview-api/rest/v1/aws/connectors";

pub fn arn(account: &str) -> String {
    format!("arn:aws:iam::{account}:role/QAtest")
}

pub struct Api {
    http: reqwest::Client,
    pub base: String,
    user: String,
    password: String,
}

pub async fn start(config: SimConfig) -> (Sim, Api) {
    let sim = Sim::start(config).await.expect("sim starts");
    let api = Api::new(&sim.base_url());
    (sim, api)
}

impl Api {
    pub fn new(base: &str) -> Api {
        Api {
            http: reqwest::Client::new(),
            base: base.to_owned(),
            user: "demo".into(),
            password: "demo".into(),
        }
    }

    pub fn as_user(&self, user: &str, password: &str) -> Api {
        Api {
            http: self.http.clone(),
            base: self.base.clone(),
            user: user.into(),
            password: password.into(),
        }
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .basic_auth(&self.user, Some(&self.password))
            .header("X-Requested-With", "qualys-sim tests")
    }

    /// A QPS v3 call; returns the `ServiceResponse` object (HTTP 200 asserted).
    pub async fn qps3(&self, op: &str, id: Option<u64>, body: Option<Value>) -> Value {
        let method = if op == "get" {
            Method::GET
        } else {
            Method::POST
        };
        let path = qps_path("3.0", op, id);
        let mut request = self
            .request(method, &path)
            .header("Accept", "application/json");
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("call answered");
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.headers()["content-type"], "application/json");
        let body: Value = response.json().await.expect("JSON body");
        body["ServiceResponse"].clone()
    }

    /// A QPS v2 call with an XML body; returns the XML text (HTTP 200 asserted).
    pub async fn qps2(&self, method: Method, op: &str, id: Option<u64>, xml: &str) -> String {
        let response = self
            .request(method, &qps_path("2.0", op, id))
            .header("Content-Type", "text/xml")
            .body(xml.to_owned())
            .send()
            .await
            .expect("call answered");
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap_or_default()
                .starts_with("application/xml")
        );
        response.text().await.expect("text body")
    }

    /// A CloudView call; returns status and JSON body (`null` when empty).
    pub async fn cv(
        &self,
        method: Method,
        suffix: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.request(method, &format!("{CONNECTORS}{suffix}"));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("call answered");
        let status = response.status();
        let text = response.text().await.expect("text body");
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).expect("JSON body")
        };
        (status, value)
    }

    /// An admin call (no auth); returns status and JSON body (`null` when empty).
    pub async fn admin(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method, format!("{}/_sim/{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("admin answered");
        let status = response.status();
        let text = response.text().await.expect("text body");
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).expect("JSON body")
        };
        (status, value)
    }

    pub async fn all_connectors(&self) -> Vec<Value> {
        let (status, body) = self.admin(Method::GET, "connectors", None).await;
        assert_eq!(status, StatusCode::OK);
        body.as_array().cloned().expect("array")
    }

    /// Creates a connector through QPS v3 and returns it.
    pub async fn create(&self, fields: Value) -> Value {
        let response = self.qps3("create", None, Some(qps_body(fields))).await;
        assert_eq!(response["responseCode"], "SUCCESS", "{response}");
        connector_of(&response).clone()
    }
}

pub fn qps_path(version: &str, op: &str, id: Option<u64>) -> String {
    let base = format!("/qps/rest/{version}/{op}/am/awsassetdataconnector");
    match id {
        Some(id) => format!("{base}/{id}"),
        None => base,
    }
}

pub fn qps_body(fields: Value) -> Value {
    json!({"ServiceRequest": {"data": {"AwsAssetDataConnector": fields}}})
}

pub fn connector_of(response: &Value) -> &Value {
    &response["data"][0]["AwsAssetDataConnector"]
}

pub fn id_of(connector: &Value) -> u64 {
    connector["id"].as_u64().expect("numeric id")
}

/// Region codes of a v3 response collection `{"list":[{"<Wrapper>":{"regionCode":..}}]}`.
pub fn regions(collection: &Value, wrapper: &str) -> BTreeSet<String> {
    collection["list"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i[wrapper]["regionCode"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

pub fn set_of(codes: &[&str]) -> BTreeSet<String> {
    codes.iter().map(|c| c.to_string()).collect()
}

/// The QList `set` form of region codes.
pub fn qlist(wrapper: &str, codes: &[&str]) -> Value {
    let items: Vec<Value> = codes.iter().map(|c| json!({"regionCode": c})).collect();
    json!({"set": {wrapper: items}})
}

pub fn cv_body(name: &str, external_id: &str) -> Value {
    json!({
        "arn": arn(ACCOUNT),
        "description": "",
        "externalId": external_id,
        "isChinaRegion": false,
        "isGovCloud": false,
        "isPortalConnector": true,
        "name": name,
        "pollingFrequency": {"hours": 4, "minutes": 0}
    })
}

/// A CloudView error body as the Swagger spec shows it (EVIDENCE 1): `{errorCode, message,
/// timestamp}`, the timestamp in epoch milliseconds of about now.
pub fn assert_cv_error(error: &Value, code: &str) {
    assert_eq!(error["errorCode"], code, "{error}");
    assert!(error["message"].is_string(), "{error}");
    let millis = error["timestamp"].as_i64().expect("epoch milliseconds");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default();
    assert!(
        (now - millis).abs() < 60_000,
        "{millis} is not about now ({now})"
    );
    let fields: Vec<&String> = error.as_object().expect("object").keys().collect();
    assert_eq!(fields, ["errorCode", "message", "timestamp"]);
}

/// A v2 answer on one line with its CDATA sections unwrapped (and escaped as plain text), for
/// tests about structure: Qualys pretty-prints and puts free text in CDATA (EVIDENCE 6), which
/// `xml_format` tests check as such.
pub fn flat_xml(xml: &str) -> String {
    let one_line: String = xml.lines().map(str::trim_start).collect();
    let mut out = String::with_capacity(one_line.len());
    let mut rest = one_line.as_str();
    while let Some(start) = rest.find("<![CDATA[") {
        out.push_str(&rest[..start]);
        let inner = &rest[start + "<![CDATA[".len()..];
        let end = inner.find("]]>").unwrap_or(inner.len());
        out.push_str(
            &inner[..end]
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;"),
        );
        rest = inner.get(end + "]]>".len()..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}
