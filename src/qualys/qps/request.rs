//! Request bodies: what to create or update ([`ConnectorSpec`]) and one search page
//! ([`Search`]) in the `ServiceRequest` envelope of either dialect, JSON for v3 and XML
//! for v2.

use std::fmt;

use serde::Serialize;

use super::model::{ConnectorSpec, QpsVersion};
use super::search::{MAX_PAGE_SIZE, Search};
use crate::qualys::error::Error;

/// The parts of a `ServiceRequest` a call uses.
pub(super) struct RequestParts<'a> {
    data: Option<WireConnector<'a>>,
    search: Option<&'a Search>,
}

impl<'a> RequestParts<'a> {
    pub(super) fn data(spec: &'a ConnectorSpec) -> Self {
        RequestParts {
            data: Some(WireConnector::from(spec)),
            search: None,
        }
    }

    pub(super) fn search(search: &'a Search) -> Self {
        RequestParts {
            data: None,
            search: Some(search),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireConnector<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    arn: &'a str,
    external_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_gov_cloud_configured: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    all_regions: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    endpoints: Option<RegionSet<EndpointItems<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cspm_regions: Option<RegionSet<CspmItems<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    disabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    run_frequency: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_remediation_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    activation: Option<QSet<ModuleItems<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    connector_app_infos: Option<QSet<AppLists<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    default_tags: Option<QSet<TagItems>>,
}

impl<'a> From<&'a ConnectorSpec> for WireConnector<'a> {
    fn from(spec: &'a ConnectorSpec) -> Self {
        let codes = |list: &'a Option<Vec<String>>| {
            list.as_ref().map(|codes| {
                codes
                    .iter()
                    .map(|c| RegionCodeRef { region_code: c })
                    .collect::<Vec<_>>()
            })
        };
        WireConnector {
            name: &spec.name,
            description: spec.description.as_deref(),
            arn: &spec.arn,
            external_id: &spec.external_id,
            is_gov_cloud_configured: spec.is_gov_cloud,
            all_regions: spec.all_regions,
            endpoints: codes(&spec.endpoints).map(|items| RegionSet {
                set: EndpointItems { items },
            }),
            cspm_regions: codes(&spec.cspm_regions).map(|items| RegionSet {
                set: CspmItems { items },
            }),
            disabled: spec.disabled,
            run_frequency: spec.run_frequency,
            is_remediation_enabled: spec.is_remediation_enabled,
            activation: spec.activation_modules.as_ref().map(|modules| QSet {
                set: ModuleItems {
                    items: modules.iter().map(String::as_str).collect(),
                },
            }),
            connector_app_infos: spec.connector_apps.as_ref().map(|apps| QSet {
                set: AppLists {
                    items: apps
                        .iter()
                        .map(|name| AppList {
                            set: AppInfoWrapper {
                                info: AppInfo {
                                    name,
                                    identifier: &spec.arn,
                                },
                            },
                        })
                        .collect(),
                },
            }),
            default_tags: spec.default_tag_ids.as_ref().map(|ids| QSet {
                set: TagItems {
                    items: ids.iter().map(|&id| TagRef { id }).collect(),
                },
            }),
        }
    }
}

/// `{"set": {...}}`: replace the whole collection.
#[derive(Serialize)]
struct RegionSet<T> {
    set: T,
}

/// `{"set": {...}}` of the other QLists (the same form as [`RegionSet`]).
type QSet<T> = RegionSet<T>;

/// `{"ActivationModule": ["VM", "PC"]}`; in XML one element per module.
#[derive(Serialize)]
struct ModuleItems<'a> {
    #[serde(rename = "ActivationModule")]
    items: Vec<&'a str>,
}

/// `{"ConnectorAppInfoQList": [{"set": {"ConnectorAppInfo": {..}}}, ..]}`, as Qualys's
/// create script sends it: one QList per app.
#[derive(Serialize)]
struct AppLists<'a> {
    #[serde(rename = "ConnectorAppInfoQList")]
    items: Vec<AppList<'a>>,
}

#[derive(Serialize)]
struct AppList<'a> {
    set: AppInfoWrapper<'a>,
}

#[derive(Serialize)]
struct AppInfoWrapper<'a> {
    #[serde(rename = "ConnectorAppInfo")]
    info: AppInfo<'a>,
}

#[derive(Serialize)]
struct AppInfo<'a> {
    name: &'a str,
    identifier: &'a str,
}

/// `{"TagSimple": [{"id": N}]}`.
#[derive(Serialize)]
struct TagItems {
    #[serde(rename = "TagSimple")]
    items: Vec<TagRef>,
}

#[derive(Serialize)]
struct TagRef {
    id: u64,
}

#[derive(Serialize)]
struct EndpointItems<'a> {
    #[serde(rename = "AwsEndpointSimple")]
    items: Vec<RegionCodeRef<'a>>,
}

#[derive(Serialize)]
struct CspmItems<'a> {
    #[serde(rename = "CspmRegionSimple")]
    items: Vec<RegionCodeRef<'a>>,
}

#[derive(Serialize)]
struct RegionCodeRef<'a> {
    #[serde(rename = "regionCode")]
    region_code: &'a str,
}

#[derive(Serialize)]
struct ServiceRequest<'a, C> {
    #[serde(skip_serializing_if = "Option::is_none")]
    preferences: Option<Preferences>,
    #[serde(skip_serializing_if = "Option::is_none")]
    filters: Option<Filters<C>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<DataOut<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Preferences {
    limit_results: u32,
}

#[derive(Serialize)]
struct Filters<C> {
    #[serde(rename = "Criteria")]
    criteria: Vec<C>,
}

#[derive(Serialize)]
struct JsonCriterion<'a> {
    field: &'static str,
    operator: &'static str,
    value: &'a str,
}

/// `<Criteria field=".." operator="..">value</Criteria>`.
#[derive(Serialize)]
struct XmlCriterion<'a> {
    #[serde(rename = "@field")]
    field: &'static str,
    #[serde(rename = "@operator")]
    operator: &'static str,
    #[serde(rename = "$text")]
    value: &'a str,
}

#[derive(Serialize)]
struct DataOut<'a> {
    #[serde(rename = "AwsAssetDataConnector")]
    connector: WireConnector<'a>,
}

#[derive(Serialize)]
struct JsonRequest<'a, C> {
    #[serde(rename = "ServiceRequest")]
    service_request: ServiceRequest<'a, C>,
}

/// Encodes a request body; an empty body when the request has no parts.
pub(super) fn encode_request(
    version: QpsVersion,
    parts: RequestParts<'_>,
) -> Result<Vec<u8>, Error> {
    let preferences = parts.search.map(|s| Preferences {
        limit_results: s.limit.clamp(1, MAX_PAGE_SIZE),
    });
    let criteria = parts.search.map(Search::sent_criteria);
    let data = parts.data.map(|connector| DataOut { connector });
    let encode_error =
        |e: &dyn fmt::Display| Error::Config(format!("cannot encode the QPS request: {e}"));
    match version {
        QpsVersion::V3 => {
            let criteria = criteria.as_ref().map(|criteria| Filters {
                criteria: criteria
                    .iter()
                    .map(|c| JsonCriterion {
                        field: c.field.as_str(),
                        operator: c.operator.as_str(),
                        value: &c.value,
                    })
                    .collect(),
            });
            let request = JsonRequest {
                service_request: ServiceRequest {
                    preferences,
                    filters: criteria.filter(|f| !f.criteria.is_empty()),
                    data,
                },
            };
            serde_json::to_vec(&request).map_err(|e| encode_error(&e))
        }
        QpsVersion::V2 => {
            let criteria = criteria.as_ref().map(|criteria| Filters {
                criteria: criteria
                    .iter()
                    .map(|c| XmlCriterion {
                        field: c.field.as_str(),
                        operator: c.operator.as_str(),
                        value: &c.value,
                    })
                    .collect(),
            });
            let request = ServiceRequest {
                preferences,
                filters: criteria.filter(|f| !f.criteria.is_empty()),
                data,
            };
            let xml = quick_xml::se::to_string_with_root("ServiceRequest", &request)
                .map_err(|e| encode_error(&e))?;
            Ok(format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{xml}").into_bytes())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qualys::qps::search::{Criterion, SearchField};

    fn spec() -> ConnectorSpec {
        ConnectorSpec {
            name: "API-Region-test".into(),
            description: Some("Connector created through V3 API".into()),
            arn: "arn:aws:iam::123456789012:role/QAtest".into(),
            external_id: "pod-test-env".into(),
            is_gov_cloud: Some(false),
            all_regions: Some(false),
            cspm_regions: Some(vec!["af-south-1".into(), "us-east-1".into()]),
            endpoints: Some(vec!["us-east-1".into()]),
            disabled: Some(false),
            run_frequency: None,
            is_remediation_enabled: None,
            activation_modules: None,
            connector_apps: None,
            default_tag_ids: None,
        }
    }

    /// The modules, apps and tags as Qualys's `aws_create_account_connectors.sh` sends them.
    #[test]
    fn modules_apps_and_tags_as_qualys_script_sends_them() {
        let mut s = spec();
        s.activation_modules = Some(vec!["VM".into(), "PC".into()]);
        s.connector_apps = Some(vec!["AI".into(), "CI".into(), "CSA".into()]);
        s.default_tag_ids = Some(vec![12345]);
        let json = encode_request(QpsVersion::V3, RequestParts::data(&s)).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        let c = &v["ServiceRequest"]["data"]["AwsAssetDataConnector"];
        let arn = "arn:aws:iam::123456789012:role/QAtest";
        let app = |name: &str| serde_json::json!({"set": {"ConnectorAppInfo": {"name": name, "identifier": arn}}});
        assert_eq!(
            c["activation"],
            serde_json::json!({"set": {"ActivationModule": ["VM", "PC"]}})
        );
        assert_eq!(
            c["connectorAppInfos"],
            serde_json::json!({"set": {"ConnectorAppInfoQList": [app("AI"), app("CI"), app("CSA")]}})
        );
        assert_eq!(
            c["defaultTags"],
            serde_json::json!({"set": {"TagSimple": [{"id": 12345}]}})
        );
        let xml =
            String::from_utf8(encode_request(QpsVersion::V2, RequestParts::data(&s)).unwrap())
                .unwrap();
        for part in [
            "<activation><set><ActivationModule>VM</ActivationModule><ActivationModule>PC</ActivationModule></set></activation>",
            "<connectorAppInfos><set><ConnectorAppInfoQList><set><ConnectorAppInfo><name>AI</name><identifier>arn:aws:iam::123456789012:role/QAtest</identifier></ConnectorAppInfo></set></ConnectorAppInfoQList><ConnectorAppInfoQList>",
            "<defaultTags><set><TagSimple><id>12345</id></TagSimple></set></defaultTags>",
        ] {
            assert!(xml.contains(part), "missing {part} in {xml}");
        }
        s.activation_modules = Some(vec![]);
        s.connector_apps = None;
        let json = encode_request(QpsVersion::V3, RequestParts::data(&s)).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        let c = &v["ServiceRequest"]["data"]["AwsAssetDataConnector"];
        assert_eq!(
            c["activation"],
            serde_json::json!({"set": {"ActivationModule": []}})
        );
        assert!(c.get("connectorAppInfos").is_none(), "{c}");
    }

    #[test]
    fn v3_create_body_matches_the_seed() {
        let body = encode_request(QpsVersion::V3, RequestParts::data(&spec())).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"ServiceRequest":{"data":{"AwsAssetDataConnector":{
                "name":"API-Region-test","description":"Connector created through V3 API",
                "arn":"arn:aws:iam::123456789012:role/QAtest","externalId":"pod-test-env",
                "isGovCloudConfigured":false,"allRegions":false,"disabled":false,
                "endpoints":{"set":{"AwsEndpointSimple":[{"regionCode":"us-east-1"}]}},
                "cspmRegions":{"set":{"CspmRegionSimple":[{"regionCode":"af-south-1"},{"regionCode":"us-east-1"}]}}
            }}}})
        );
    }

    #[test]
    fn empty_set_clears_in_both_dialects() {
        let mut s = spec();
        s.cspm_regions = Some(vec![]);
        s.endpoints = Some(vec![]);
        let json = encode_request(QpsVersion::V3, RequestParts::data(&s)).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        let c = &v["ServiceRequest"]["data"]["AwsAssetDataConnector"];
        assert_eq!(
            c["cspmRegions"],
            serde_json::json!({"set":{"CspmRegionSimple":[]}})
        );
        assert_eq!(
            c["endpoints"],
            serde_json::json!({"set":{"AwsEndpointSimple":[]}})
        );
        let xml =
            String::from_utf8(encode_request(QpsVersion::V2, RequestParts::data(&s)).unwrap())
                .unwrap();
        assert!(
            xml.contains("<cspmRegions><set/></cspmRegions>")
                || xml.contains("<cspmRegions><set></set></cspmRegions>"),
            "{xml}"
        );
        // Not set: not sent at all.
        s.cspm_regions = None;
        let json = encode_request(QpsVersion::V3, RequestParts::data(&s)).unwrap();
        assert!(!String::from_utf8(json).unwrap().contains("cspmRegions"));
    }

    #[test]
    fn v2_create_body_matches_the_seed() {
        let xml =
            String::from_utf8(encode_request(QpsVersion::V2, RequestParts::data(&spec())).unwrap())
                .unwrap();
        assert!(xml.starts_with("<?xml"), "{xml}");
        for part in [
            "<ServiceRequest><data><AwsAssetDataConnector><name>API-Region-test</name>",
            "<arn>arn:aws:iam::123456789012:role/QAtest</arn><externalId>pod-test-env</externalId>",
            "<allRegions>false</allRegions>",
            "<endpoints><set><AwsEndpointSimple><regionCode>us-east-1</regionCode></AwsEndpointSimple></set></endpoints>",
            "<cspmRegions><set><CspmRegionSimple><regionCode>af-south-1</regionCode></CspmRegionSimple><CspmRegionSimple><regionCode>us-east-1</regionCode></CspmRegionSimple></set></cspmRegions>",
        ] {
            assert!(xml.contains(part), "missing {part} in {xml}");
        }
    }

    #[test]
    fn search_bodies() {
        let search = Search {
            criteria: vec![
                Criterion::equals(SearchField::Name, "a&b"),
                Criterion::id_in(&[1, 2, 3]),
            ],
            limit: 5000,
            after_id: Some(41),
        };
        let json = encode_request(QpsVersion::V3, RequestParts::search(&search)).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"ServiceRequest":{
                "preferences":{"limitResults":1000},
                "filters":{"Criteria":[
                    {"field":"name","operator":"EQUALS","value":"a&b"},
                    {"field":"id","operator":"IN","value":"1,2,3"},
                    {"field":"id","operator":"GREATER","value":"41"}]}}})
        );
        let xml = String::from_utf8(
            encode_request(QpsVersion::V2, RequestParts::search(&search)).unwrap(),
        )
        .unwrap();
        assert!(
            xml.contains("<preferences><limitResults>1000</limitResults></preferences>"),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<Criteria field="id" operator="GREATER">41</Criteria>"#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<Criteria field="name" operator="EQUALS">a&amp;b</Criteria>"#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<Criteria field="id" operator="IN">1,2,3</Criteria>"#),
            "{xml}"
        );
        // No criteria: no filters element.
        let all = Search::new(vec![]);
        let json =
            String::from_utf8(encode_request(QpsVersion::V3, RequestParts::search(&all)).unwrap())
                .unwrap();
        assert!(!json.contains("filters"), "{json}");
    }
}
