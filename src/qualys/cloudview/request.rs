//! Requests: the JSON bodies CloudView takes, and the connector ids put into URL paths.

use serde::Serialize;

use crate::qualys::error::Error;

/// Connector ids go into URL paths: only UUID characters are accepted.
pub(super) fn checked_id(id: &str) -> Result<&str, Error> {
    if !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
        Ok(id)
    } else {
        Err(Error::InvalidRequest {
            message: format!("{id:?} is not a CloudView connector id"),
            resolution: Some(
                "use the connector's UUID, e.g. 8889b18b-6f92-33d3-8afd-6d9d144177e8".into(),
            ),
        })
    }
}

pub(super) fn encode<T: Serialize + ?Sized>(body: &T) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(body).map_err(|e| Error::Config(format!("cannot encode the request: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qualys::cloudview::model::{ConnectorSpec, PollingFrequency};

    #[test]
    fn spec_serializes_as_the_seed() {
        let spec = ConnectorSpec {
            name: "ABC".into(),
            description: Some("Sample External ID".into()),
            arn: "arn:aws:iam::123456789012:role/CloudViewTest".into(),
            external_id: "USPOD01-4765-9011278609223".into(),
            is_gov_cloud: true,
            is_china_region: false,
            is_portal_connector: true,
            polling_frequency: Some(PollingFrequency {
                hours: 1,
                minutes: 1,
            }),
            remediation_enabled: None,
        };
        let v: serde_json::Value = serde_json::from_slice(&encode(&spec).unwrap()).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"name":"ABC","description":"Sample External ID",
                "arn":"arn:aws:iam::123456789012:role/CloudViewTest","externalId":"USPOD01-4765-9011278609223",
                "isGovCloud":true,"isChinaRegion":false,"isPortalConnector":true,
                "pollingFrequency":{"hours":1,"minutes":1}})
        );
        let v: serde_json::Value = serde_json::from_slice(&encode(&["a-b"]).unwrap()).unwrap();
        assert_eq!(v, serde_json::json!(["a-b"]));
    }

    #[test]
    fn ids_are_checked_before_reaching_a_path() {
        assert!(checked_id("8889b18b-6f92-33d3-8afd-6d9d144177e8").is_ok());
        for bad in ["", "../x", "a/b", "id?x=1", "zz"] {
            assert!(
                matches!(checked_id(bad), Err(Error::InvalidRequest { .. })),
                "{bad}"
            );
        }
    }
}
