//! Reading a QPS `ServiceRequest` (v3 JSON or v2 XML, sniffed from the body) into the neutral
//! [`Change`], leniently: the forms the seeds show, strings for booleans and numbers, single
//! objects for lists, `set`/`add`/`remove` collections.

use serde_json::{Map, Value};

use crate::change::{App, Change, ListOps};
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
        cspm_regions: qlist(c, "cspmRegions", "CspmRegionSimple", region("cspmRegions"))?,
        endpoints: qlist(c, "endpoints", "AwsEndpointSimple", region("endpoints"))?,
        is_gov_cloud: lenient::boolean(c, "isGovCloudConfigured")?,
        // isChinaConfigured is output only in QPS: the ARN's partition decides.
        is_china: None,
        disabled: lenient::boolean(c, "disabled")?,
        run_frequency: lenient::unsigned(c, "runFrequency")?,
        remediation_enabled: lenient::boolean(c, "isRemediationEnabled")?,
        activation: qlist(c, "activation", "ActivationModule", module)?,
        apps: qlist(c, "connectorAppInfos", "ConnectorAppInfoQList", app_list)?.map(flatten),
        default_tags: qlist(c, "defaultTags", "TagSimple", tag)?,
    })
}

/// A QList request: `{"set": {"<Wrapper>": [item, ...]}, "add": .., "update": .., "remove": ..}`
/// (EVIDENCE 7 names the four verbs); leniently
/// also a bare array (taken as `set`), `list` (taken as `set`), and a lone item for a list.
/// `item` reads one element (already unwrapped from `{"<Wrapper>": ..}` when so wrapped).
fn qlist<T>(
    c: &Map<String, Value>,
    field: &str,
    wrapper: &str,
    item: impl Fn(&Value) -> Result<T, ValidationError>,
) -> Result<Option<ListOps<T>>, ValidationError> {
    let Some(value) = c.get(field) else {
        return Ok(None);
    };
    let read = |v: &Value| -> Result<Vec<T>, ValidationError> {
        elements(v, wrapper).into_iter().map(&item).collect()
    };
    match value {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::Array(_) => Ok(Some(ListOps::replace(read(value)?))),
        Value::Object(ops) => {
            let known = ["set", "list", "add", "update", "remove"];
            if !ops.keys().any(|k| known.contains(&k.as_str())) {
                return Err(FieldError::new(field, "expected set, add, update or remove").into());
            }
            let set = ops
                .get("set")
                .or_else(|| ops.get("list"))
                .map(read)
                .transpose()?;
            let verb = |name: &str| -> Result<Vec<T>, ValidationError> {
                Ok(ops.get(name).map(read).transpose()?.unwrap_or_default())
            };
            Ok(Some(ListOps {
                set,
                add: verb("add")?,
                update: verb("update")?,
                remove: verb("remove")?,
            }))
        }
        _ => Err(FieldError::new(field, "expected set, add, update or remove").into()),
    }
}

/// The elements of `{"<Wrapper>": item | [items]}`, `[items]` or `[{"<Wrapper>": item}]`, each
/// unwrapped.
fn elements<'a>(value: &'a Value, wrapper: &str) -> Vec<&'a Value> {
    let items = match value {
        Value::Object(map) if map.contains_key(wrapper) => {
            lenient::items(map.get(wrapper).unwrap_or(&Value::Null))
        }
        Value::Object(map) if map.is_empty() => Vec::new(),
        other => lenient::items(other),
    };
    items
        .into_iter()
        .flat_map(|item| match item.get(wrapper) {
            Some(inner) => lenient::items(inner),
            None => vec![item],
        })
        .collect()
}

/// A region code: `{"regionCode": ".."}` or a bare string.
fn region(field: &str) -> impl Fn(&Value) -> Result<String, ValidationError> + '_ {
    move |item| match item {
        Value::String(code) => Ok(code.trim().to_owned()),
        Value::Object(map) => match lenient::string(map, "regionCode")? {
            Some(code) => Ok(code.trim().to_owned()),
            None => Err(FieldError::new(field, "item without regionCode").into()),
        },
        _ => Err(FieldError::new(field, "expected region items").into()),
    }
}

/// An `ActivationModule`: a string such as `VM` (EVIDENCE 2).
fn module(item: &Value) -> Result<String, ValidationError> {
    match item {
        Value::String(m) => Ok(m.trim().to_owned()),
        _ => Err(FieldError::new("activation", "expected module names").into()),
    }
}

/// A `TagSimple`: `{"id": N}` (EVIDENCE 2; the ids may come as strings, as Qualys's own tag
/// script sends them from a CSV) or a bare id.
fn tag(item: &Value) -> Result<u64, ValidationError> {
    let bad = || FieldError::new("defaultTags", "expected tag ids").into();
    match item {
        Value::Object(map) => lenient::unsigned(map, "id").ok().flatten().ok_or_else(bad),
        Value::Number(n) => n.as_u64().ok_or_else(bad),
        Value::String(s) => s.trim().parse().map_err(|_| bad()),
        _ => Err(bad()),
    }
}

/// A `ConnectorAppInfoQList` item: `{"set": {"ConnectorAppInfo": {name, identifier, tagId?}}}`
/// (EVIDENCE 2, 3), leniently also without the inner `set`, with several `ConnectorAppInfo`.
fn app_list(item: &Value) -> Result<Vec<App>, ValidationError> {
    let inner = item
        .get("set")
        .or_else(|| item.get("list"))
        .or_else(|| item.get("add"))
        .or_else(|| item.get("update"))
        .unwrap_or(item);
    elements(inner, "ConnectorAppInfo")
        .into_iter()
        .map(|info| {
            let Value::Object(map) = info else {
                return Err(FieldError::new("ConnectorAppInfo", "expected an object").into());
            };
            let name = lenient::string(map, "name")?
                .ok_or(ValidationError::Missing("ConnectorAppInfo.name"))?;
            Ok(App {
                name: name.trim().to_owned(),
                identifier: lenient::string(map, "identifier")?,
                tag_id: lenient::unsigned(map, "tagId")?,
            })
        })
        .collect()
}

fn flatten(ops: ListOps<Vec<App>>) -> ListOps<App> {
    ListOps {
        set: ops.set.map(|lists| lists.into_iter().flatten().collect()),
        add: ops.add.into_iter().flatten().collect(),
        update: ops.update.into_iter().flatten().collect(),
        remove: ops.remove.into_iter().flatten().collect(),
    }
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
    fn update_verb_on_regions_and_apps() {
        let change = change_of(
            &json!({"ServiceRequest": {"data": {"AwsAssetDataConnector": {
                "cspmRegions": {"update": {"CspmRegionSimple": {"regionCode": "us-east-1"}}},
                "connectorAppInfos": {"update": {"ConnectorAppInfoQList": [{"update":
                    {"ConnectorAppInfo": {"name": "AI", "tagId": "9"}}}]}}
            }}}})
            .to_string(),
        )
        .expect("parses");
        let regions = change.cspm_regions.expect("regions");
        assert_eq!(regions.update, vec!["us-east-1".to_string()]);
        assert_eq!(regions.set, None);
        let apps = change.apps.expect("apps");
        assert_eq!(apps.update.len(), 1);
        assert_eq!(apps.update[0].name, "AI");
        assert_eq!(apps.update[0].tag_id, Some(9));
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
