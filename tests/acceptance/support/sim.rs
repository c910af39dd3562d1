//! qualys-sim for one test: started in-process on an ephemeral loopback port, with helpers for
//! its admin API (`/_sim/...`) and the provider block that points at it.

use std::time::Duration;

use qualys_sim::{Sim, SimConfig, User};
use serde_json::Value;

pub struct SimFixture {
    runtime: tokio::runtime::Runtime,
    sim: Option<Sim>,
    pub url: String,
    http: reqwest::Client,
}

impl SimFixture {
    pub fn start() -> SimFixture {
        SimFixture::start_with(SimConfig::default())
    }

    pub fn start_with(config: SimConfig) -> SimFixture {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime for the simulator");
        let sim = runtime
            .block_on(Sim::start(config))
            .expect("starting qualys-sim");
        let url = sim.base_url();
        SimFixture {
            runtime,
            sim: Some(sim),
            url,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("an HTTP client"),
        }
    }

    /// The customer's own AWS China base account in [`SimFixture::with_china`].
    pub const CHINA_BASE_ACCOUNT: &'static str = "111122223333";

    /// A subscription that can have AWS China connectors: its own China base account
    /// ([`SimFixture::CHINA_BASE_ACCOUNT`]) and the region enabled by Qualys support (Qualys
    /// provides no China base account).
    pub fn with_china() -> SimFixture {
        SimFixture::start_with(SimConfig {
            customer_base_accounts: qualys_sim::CustomerBaseAccounts {
                china: Some(SimFixture::CHINA_BASE_ACCOUNT.into()),
                ..qualys_sim::CustomerBaseAccounts::default()
            },
            china_region_enabled: true,
            ..SimConfig::default()
        })
    }

    /// A simulator with a second user, `scoped`, who sees only `account`.
    pub fn with_scoped_user(account: &str) -> SimFixture {
        let mut scoped = User::new("scoped", "scoped");
        scoped.scope = Some(vec![account.to_string()]);
        SimFixture::start_with(SimConfig {
            users: vec![User::new("demo", "demo"), scoped],
            ..SimConfig::default()
        })
    }

    /// The `terraform` + `provider` blocks for this simulator as user `user` (password alike).
    pub fn provider_hcl(&self, user: &str) -> String {
        format!(
            r#"
terraform {{
  required_providers {{
    qualys = {{ source = "qualys-tf/qualys" }}
  }}
}}

provider "qualys" {{
  api_url     = "{}"
  username    = "{user}"
  password    = "{user}"
  max_retries = 3
}}
"#,
            self.url
        )
    }

    fn admin(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.url);
        self.runtime.block_on(async {
            let mut req = self.http.request(method.clone(), &url);
            if let Some(body) = body {
                req = req
                    .header("Content-Type", "application/json")
                    .body(body.to_string());
            }
            let resp = req.send().await.expect("calling the simulator's admin API");
            let status = resp.status();
            let text = resp.text().await.unwrap_or_default();
            assert!(status.is_success(), "{method} {path}: {status} {text}");
            if text.is_empty() {
                Value::Null
            } else {
                serde_json::from_str(&text).expect("admin API answers JSON")
            }
        })
    }

    /// Every connector, in the simulator's own form.
    pub fn connectors(&self) -> Vec<Value> {
        match self.admin(reqwest::Method::GET, "/_sim/connectors", None) {
            Value::Array(items) => items,
            other => panic!("GET /_sim/connectors answered {other}"),
        }
    }

    pub fn patch(&self, id: &str, body: Value) {
        self.admin(
            reqwest::Method::PATCH,
            &format!("/_sim/connectors/{id}"),
            Some(body),
        );
    }

    pub fn delete(&self, id: &str) {
        self.admin(
            reqwest::Method::DELETE,
            &format!("/_sim/connectors/{id}"),
            None,
        );
    }

    /// The next `count` calls of `method` under `path_prefix` get the given answer.
    pub fn fault(&self, fault: Value) {
        self.admin(reqwest::Method::POST, "/_sim/faults", Some(fault));
    }

    /// Creates a connector through the API, as someone outside this configuration would; returns
    /// the id Terraform imports (QPS id, or CloudView UUID).
    pub fn create_out_of_band(
        &self,
        api: &str,
        name: &str,
        arn: &str,
        external_id: &str,
    ) -> String {
        let (path, body) = match api {
            "cloudview" => (
                "/cloudview-api/rest/v1/aws/connectors".to_string(),
                serde_json::json!({
                    "name": name, "arn": arn, "externalId": external_id,
                    "isChinaRegion": arn.starts_with("arn:aws-cn:"),
                    "isGovCloud": arn.starts_with("arn:aws-us-gov:"),
                    "pollingFrequency": {"hours": 4, "minutes": 0}
                }),
            ),
            _ => (
                "/qps/rest/3.0/create/am/awsassetdataconnector".to_string(),
                serde_json::json!({"ServiceRequest": {"data": {"AwsAssetDataConnector": {
                    "name": name, "arn": arn, "externalId": external_id,
                    "isGovCloudConfigured": arn.starts_with("arn:aws-us-gov:")
                }}}}),
            ),
        };
        let url = format!("{}{path}", self.url);
        let answer: Value = self.runtime.block_on(async {
            let resp = self
                .http
                .post(&url)
                .basic_auth("demo", Some("demo"))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .header("X-Requested-With", "acceptance tests")
                .body(body.to_string())
                .send()
                .await
                .expect("calling the simulator");
            let text = resp.text().await.unwrap_or_default();
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("create answered {text}"))
        });
        match api {
            "cloudview" => answer["connectorId"].as_str().map(str::to_string),
            _ => answer["ServiceResponse"]["data"][0]["AwsAssetDataConnector"]["id"]
                .as_u64()
                .map(|id| id.to_string()),
        }
        .unwrap_or_else(|| panic!("no id in the create answer {answer}"))
    }

    /// Runs a sync of QPS connector `id` through the API, as Qualys's own schedule does
    /// (with the default sync delay the verdict is in before this returns).
    pub fn run_sync(&self, id: &str) {
        let url = format!(
            "{}/qps/rest/3.0/run/am/awsassetdataconnector/{id}",
            self.url
        );
        let text = self.runtime.block_on(async {
            let resp = self
                .http
                .post(&url)
                .basic_auth("demo", Some("demo"))
                .header("Accept", "application/json")
                .send()
                .await
                .expect("calling the simulator");
            resp.text().await.unwrap_or_default()
        });
        assert!(text.contains("SUCCESS"), "run answered {text}");
    }

    /// Adds `count` connectors out of band, as `api` (`qps` or `cloudview`) would have made them,
    /// without an API call or any of the rate budget: named `name`, or `<name>-<i>` when `count`
    /// is above 1. Returns their ids (QPS ids, or CloudView UUIDs) in creation order.
    pub fn seed(
        &self,
        api: &str,
        count: usize,
        name: &str,
        arn: &str,
        external_id: &str,
    ) -> Vec<String> {
        let body = serde_json::json!({
            "api": api, "count": count, "name": name, "arn": arn, "external_id": external_id,
        });
        let answer = self.admin(reqwest::Method::POST, "/_sim/connectors", Some(body));
        answer["ids"]
            .as_array()
            .map(|ids| {
                ids.iter()
                    .filter_map(|id| id.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_else(|| panic!("POST /_sim/connectors answered {answer}"))
    }

    /// Whether syncs can assume `arn`; a failed sync reports `message` (or the simulator's
    /// AWS-like default) for us-east-1.
    pub fn role(&self, arn: &str, assumable: bool, message: Option<&str>) {
        let mut body = serde_json::json!({"arn": arn, "assumable": assumable});
        if let Some(message) = message {
            body["errors"] = serde_json::json!([{"region": "us-east-1", "message": message}]);
        }
        self.admin(reqwest::Method::POST, "/_sim/roles", Some(body));
    }

    /// Simulator quirks, e.g. `{"qps_ignore_paging": true}`.
    pub fn quirks(&self, quirks: Value) {
        self.admin(reqwest::Method::POST, "/_sim/quirks", Some(quirks));
    }

    /// Chaos mode: each API call gets, with probability `rate`, one of `faults` (seeded).
    pub fn chaos(&self, seed: u64, rate: f64, faults: Value) {
        self.admin(
            reqwest::Method::POST,
            "/_sim/chaos",
            Some(serde_json::json!({"seed": seed, "rate": rate, "faults": faults})),
        );
    }

    pub fn end_chaos(&self) {
        self.admin(reqwest::Method::DELETE, "/_sim/chaos", None);
    }

    /// The names of every connector, sorted (duplicates kept).
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .connectors()
            .iter()
            .map(|c| c["name"].as_str().unwrap_or_default().to_string())
            .collect();
        names.sort();
        names
    }

    /// Call counts per operation, e.g. `calls()["qps3.create"]`.
    pub fn calls(&self) -> Value {
        self.admin(reqwest::Method::GET, "/_sim/calls", None)
    }

    pub fn call_count(&self, operation: &str) -> u64 {
        self.calls()[operation].as_u64().unwrap_or(0)
    }
}

impl Drop for SimFixture {
    fn drop(&mut self) {
        if let Some(sim) = self.sim.take() {
            self.runtime.block_on(sim.stop());
        }
    }
}

/// The strings of a JSON array, sorted (the simulator and Terraform keep sets in their own order).
pub fn sorted_strings(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_adds_connectors_as_their_api_would_without_calls() {
        let sim = SimFixture::start();
        let arn = "arn:aws:iam::123456789012:role/seeded";
        let qps = sim.seed("qps", 3, "bulk", arn, "any-external-id");
        let cloudview = sim.seed("cloudview", 1, "cv", arn, "USPOD01-4765-9011278609223");
        let connectors = sim.connectors();
        let names: Vec<&str> = connectors
            .iter()
            .filter_map(|c| c["name"].as_str())
            .collect();
        assert_eq!(names, ["bulk-0", "bulk-1", "bulk-2", "cv"]);
        let ids: Vec<String> = connectors[..3]
            .iter()
            .map(|c| c["id"].to_string())
            .collect();
        assert_eq!(qps, ids);
        assert_eq!(
            cloudview,
            [connectors[3]["cloudviewUuid"].as_str().unwrap_or("")]
        );
        assert_eq!(connectors[0]["origin"], "qps");
        assert_eq!(connectors[3]["origin"], "cloudview");
        assert_eq!(sim.calls(), serde_json::json!({}));
    }
}
