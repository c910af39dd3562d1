//! Reading a QPS `ServiceRequest` (v3 JSON or v2 XML, sniffed from the body) into the neutral
//! [`Change`], leniently: the forms the seeds show, strings for booleans and numbers, single
//! objects for lists, `set`/`add`/`remove` collections.

use serde_json::{Map, Value};

use crate::change::{Change, ListOps};
use crate::lenient::{self, FieldError};
use crate::validate::ValidationError;
use crate::xml;

/// The `ServiceRequest` object of a body; `None` for an empty body.
pub fn service_request(body: &[u8]) -> Result<Option<Map<String, Value>>, ValidationError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| FieldError::new("body", "not UTF-8"))?
        .trim();
    if text.is_empty() {
        return Ok(None);
    }
    // The seed sends v3 JSON with `Content-type: text/xml`: trust the body, not the header.
    let document = if text.starts_with('<') {
        xml::parse(text).map_err(|e| FieldError::new("body", e.to_string()))?
    } else {
        serde_json::from_str(text)
            .map_err(|e| FieldError::new("body", format!("malformed JSON: {e}")))?
    };
    match document {
        Value::Object(mut root) => match root.remove("ServiceRequest") {
            Some(Value::Object(request)) => Ok(Some(request)),
            Some(Value::String(s)) if s.is_empty() => Ok(Some(Map::new())),
            _ => Err(FieldError::new("ServiceRequest", "expected a ServiceRequest object").into()),
        },
        _ => Err(FieldError::new("ServiceRequest", "expected a ServiceRequest object").into()),
    }
}

/// The connector fields of `data.AwsAssetDataConnector`.
pub fn connector_change(request: Option<&Map<String, Value>>) -> Result<Change, ValidationError> {
    let connector = request
        .and_then(|r| r.get("data"))
        .and_then(|data| {
            // `data` as an object or, leniently, as an array of one wrapper.
            lenient::items(data)
                .into_iter()
                .find_map(|item| item.get("AwsAssetDataConnector"))
        })
        .ok_or(ValidationError::Missing("data.AwsAssetDataConnector"))?;
    let Value::Object(c) = connector else {
        return Err(FieldError::new("AwsAssetDataConnector", "expected an object").into());
    };
    Ok(Change {
        name: lenient::string(c, "name")?,
        description: lenient::string(c, "description")?,
        arn: lenient::string(c, "arn")?,
        external_id: lenient::string(c, "externalId")?,
        all_regions: lenient::boolean(c, "allRegions")?,
        cspm_regions: list_ops(c, "cspmRegions", "CspmRegionSimple")?,
        endpoints: list_ops(c, "endpoints", "AwsEndpointSimple")?,
        is_gov_cloud: lenient::boolean(c, "isGovCloudConfigured")?,
        // isChinaConfigured is output only in QPS: the ARN's partition decides.
        is_china: None,
        disabled: lenient::boolean(c, "disabled")?,
        run_frequency: lenient::unsigned(c, "runFrequency")?,
        remediation_enabled: lenient::boolean(c, "isRemediationEnabled")?,
    })
}

/// A QList request: `{"set": {"<Wrapper>": [{"regionCode": ".."}]}, "add": .., "remove": ..}`;
/// leniently also a bare array (taken as `set`) and `list` (taken as `set`).
fn list_ops(
    c: &Map<String, Value>,
    field: &str,
    wrapper: &str,
) -> Result<Option<ListOps>, ValidationError> {
    let Some(value) = c.get(field) else {
        return Ok(None);
    };
    match value {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::Array(_) => Ok(Some(ListOps::replace(codes(value, field, wrapper)?))),
        Value::Object(ops) => {
            let known = ["set", "list", "add", "remove"];
            if !ops.keys().any(|k| known.contains(&k.as_str())) {
                return Err(FieldError::new(field, "expected set, add or remove").into());
            }
            let set = match ops.get("set").or_else(|| ops.get("list")) {
                Some(v) => Some(codes(v, field, wrapper)?),
                None => None,
            };
            let add = match ops.get("add") {
                Some(v) => codes(v, field, wrapper)?,
                None => Vec::new(),
            };
            let remove = match ops.get("remove") {
                Some(v) => codes(v, field, wrapper)?,
                None => Vec::new(),
            };
            Ok(Some(ListOps { set, add, remove }))
        }
        _ => Err(FieldError::new(field, "expected set, add or remove").into()),
    }
}

/// Region codes from `{"<Wrapper>": item | [items]}`, `[items]` or `[{"<Wrapper>": item}]`.
fn codes(value: &Value, field: &str, wrapper: &str) -> Result<Vec<String>, ValidationError> {
    let items = match value {
        Value::Object(map) if map.contains_key(wrapper) => {
            lenient::items(map.get(wrapper).unwrap_or(&Value::Null))
        }
        Value::Object(map) if map.is_empty() => Vec::new(),
        other => lenient::items(other),
    };
    items
        .into_iter()
        .map(|item| {
            let item = item.get(wrapper).unwrap_or(item);
            match item {
                Value::String(code) => Ok(code.trim().to_owned()),
                Value::Object(map) => match lenient::string(map, "regionCode")? {
                    Some(code) => Ok(code.trim().to_owned()),
                    None => Err(FieldError::new(field, "item without regionCode").into()),
                },
                _ => Err(FieldError::new(field, "expected region items").into()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change_of(body: &str) -> Result<Change, ValidationError> {
        let request = service_request(body.as_bytes())?;
        connector_change(request.as_ref())
    }

    #[test]
    fn v3_json_with_set_and_string_booleans() {
        let change = change_of(
            &json!({"ServiceRequest": {"data": {"AwsAssetDataConnector": {
                "name": "n", "allRegions": "false", "runFrequency": "120",
                "cspmRegions": {"set": {"CspmRegionSimple": [{"regionCode": "us-east-1"}]}},
                "endpoints": {"add": {"AwsEndpointSimple": {"regionCode": "us-east-1"}},
                              "remove": {"AwsEndpointSimple": [{"regionCode": "us-west-2"}]}}
            }}}})
            .to_string(),
        )
        .expect("parses");
        assert_eq!(change.name.as_deref(), Some("n"));
        assert_eq!(change.all_regions, Some(false));
        assert_eq!(change.run_frequency, Some(120));
        assert_eq!(
            change.cspm_regions,
            Some(ListOps::replace(vec!["us-east-1".into()]))
        );
        let endpoints = change.endpoints.expect("endpoints");
        assert_eq!(endpoints.set, None);
        assert_eq!(endpoints.add, vec!["us-east-1".to_string()]);
        assert_eq!(endpoints.remove, vec!["us-west-2".to_string()]);
    }

    #[test]
    fn v2_xml_and_data_as_array() {
        let xml = "<ServiceRequest><data><AwsAssetDataConnector><name>x</name>\
                   <disabled>true</disabled></AwsAssetDataConnector></data></ServiceRequest>";
        let change = change_of(xml).expect("parses");
        assert_eq!(change.disabled, Some(true));
        let array = r#"{"ServiceRequest":{"data":[{"AwsAssetDataConnector":{"name":"y"}}]}}"#;
        assert_eq!(change_of(array).expect("parses").name.as_deref(), Some("y"));
    }

    #[test]
    fn bare_arrays_and_empty_set() {
        let change = change_of(
            r#"{"ServiceRequest":{"data":{"AwsAssetDataConnector":{
                "cspmRegions":["us-east-1"], "endpoints":{"set":{}}}}}}"#,
        )
        .expect("parses");
        assert_eq!(
            change.cspm_regions,
            Some(ListOps::replace(vec!["us-east-1".into()]))
        );
        assert_eq!(change.endpoints, Some(ListOps::replace(Vec::new())));
    }

    #[test]
    fn malformed_requests() {
        assert!(matches!(
            change_of("{"),
            Err(ValidationError::BadValue(FieldError { field, .. })) if field == "body"
        ));
        assert_eq!(
            change_of(r#"{"ServiceRequest":{}}"#),
            Err(ValidationError::Missing("data.AwsAssetDataConnector"))
        );
        assert!(change_of(r#"{"Other":{}}"#).is_err());
        assert!(
            change_of(
                r#"{"ServiceRequest":{"data":{"AwsAssetDataConnector":{"cspmRegions":{"bogus":1}}}}}"#
            )
            .is_err()
        );
        assert!(
            change_of(
                r#"{"ServiceRequest":{"data":{"AwsAssetDataConnector":{"disabled":"maybe"}}}}"#
            )
            .is_err()
        );
    }

    #[test]
    fn empty_body_is_no_request() {
        assert_eq!(service_request(b"  "), Ok(None));
    }
}
