//! Issue 19: a pipeline's bad day. Answers that do not say whether a create happened, with a
//! gateway in front of the simulator that answers a status of its own after forwarding.

use crate::support::gateway::Gateway;
use crate::support::sim::SimFixture;
use crate::support::terraform::Workdir;

const ARN: &str = "arn:aws:iam::123456789012:role/QualysConnector";
const CV_EXTERNAL_ID: &str = "USPOD01-4765-abc123def";

fn provider_via(gateway: &Gateway) -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    qualys = {{ source = "qualys-tf/qualys" }}
  }}
}}

provider "qualys" {{
  api_url     = "{}"
  username    = "demo"
  password    = "demo"
  max_retries = 3
}}
"#,
        gateway.url
    )
}

/// One connector per API, named after the status the gateway answers its create with.
fn three_connectors(status: u16) -> String {
    format!(
        r#"
resource "qualys_aws_connector" "v3" {{
  name        = "gw-v3-{status}"
  arn         = "{ARN}"
  external_id = "gw-v3-external"
}}

resource "qualys_aws_connector" "v2" {{
  api         = "v2"
  name        = "gw-v2-{status}"
  arn         = "{ARN}"
  external_id = "gw-v2-external"
}}

resource "qualys_aws_connector" "cv" {{
  api         = "cloudview"
  name        = "gw-cv-{status}"
  arn         = "{ARN}"
  external_id = "{CV_EXTERNAL_ID}"
}}
"#
    )
}

#[test]
fn a_create_a_gateway_answered_with_an_error_after_forwarding_is_adopted_never_sent_twice() {
    let sim = SimFixture::start();
    let gateway = Gateway::start(&sim.url);
    for status in [429u16, 500, 502, 503, 504] {
        let headers: &[(&str, &str)] = if status == 429 || status == 503 {
            &[("Retry-After", "1")]
        } else {
            &[]
        };
        let body = "<html><body>gateway trouble</body></html>";
        for prefix in [
            "/qps/rest/3.0/create/",
            "/qps/rest/2.0/create/",
            "/cloudview-api/rest/v1/aws/connectors",
        ] {
            gateway.answer_after_forwarding("POST", prefix, 1, status, headers, body);
        }
        let wd = Workdir::new(&(provider_via(&gateway) + &three_connectors(status)));
        let run = wd.apply();
        let flat = run.flat();
        assert!(
            flat.contains(
                "The create's answer could not be trusted; the connector it made was adopted"
            ),
            "{status}: {}",
            run.text()
        );
        assert!(flat.contains(&format!("HTTP {status}")), "{status}: {flat}");
        for api in ["v3", "v2", "cv"] {
            let name = format!("gw-{api}-{status}");
            let count = sim.names().iter().filter(|n| **n == name).count();
            assert_eq!(count, 1, "{name}: {:?}", sim.names());
        }
        // Each create was sent once: one per API family and status.
        wd.assert_empty_plan();
    }
    let calls = sim.calls();
    assert_eq!(calls["qps3.create"], 5, "{calls}");
    assert_eq!(calls["qps2.create"], 5, "{calls}");
    assert_eq!(calls["cloudview.create"], 5, "{calls}");
    assert_eq!(sim.connectors().len(), 15);
}
