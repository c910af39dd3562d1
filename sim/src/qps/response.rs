//! Writing a QPS `ServiceResponse`: v3 as JSON with Qualys's quirks (booleans as strings,
//! `runFrequency` as a string, `data` an array of wrappers and absent when empty, collections
//! as `{"list":[{"CspmRegionSimple":{..}}]}` or `{"count":0}` when empty), v2 as XML shaped
//! like seed 004 (collections inside `<set>`).

use std::collections::BTreeSet;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::accounts::BaseAccounts;
use crate::app::AppState;
use crate::dates;
use crate::model::{Connector, NOT_SYNCED_ERROR, SUBSCRIPTION_ID};
use crate::regions::Partition;
use crate::xml::Element;

use super::Format;
use super::search::{ErrorItem, ErrorPage, Page};

/// `responseCode` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseCode {
    Success,
    InvalidRequest,
    ObjectNotFound,
    Unauthorized,
    InsufficientPermissions,
    LimitExceeded,
}

impl ResponseCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseCode::Success => "SUCCESS",
            ResponseCode::InvalidRequest => "INVALID_REQUEST",
            ResponseCode::ObjectNotFound => "OBJECT_NOT_FOUND",
            ResponseCode::Unauthorized => "UNAUTHORIZED",
            ResponseCode::InsufficientPermissions => "INSUFFICIENT_PERMISSIONS",
            ResponseCode::LimitExceeded => "LIMIT_EXCEEDED",
        }
    }
}

/// A failed call's `responseCode` and `responseErrorDetails`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub code: ResponseCode,
    pub message: String,
    pub resolution: String,
}

/// What a QPS call answers.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    /// Create, get, update, run: the whole connector.
    Connector(Box<Connector>),
    /// Search.
    Page(Page),
    /// Delete, and update under the `qps_update_id_only` quirk: the connector's id only.
    IdOnly(u64),
    /// `awsbaseaccount` get and search: the subscription's one record.
    BaseAccount,
    /// `assetdataconnectorerrors` search.
    Errors(ErrorPage),
    Failure(Failure),
}

/// The HTTP response for `reply` in `format`.
pub fn respond(format: Format, status: StatusCode, reply: &Reply, app: &AppState) -> Response {
    match format {
        Format::Json => (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            json_body(reply, &app.accounts).to_string(),
        )
            .into_response(),
        Format::Xml => (
            status,
            [(header::CONTENT_TYPE, "text/xml;charset=UTF-8")],
            xml_body(reply, &app.accounts, &app.base_url).to_document(),
        )
            .into_response(),
    }
}

/// The id of the subscription's one `awsbaseaccount` record (DECISION: the simulated
/// subscription id; public material does not say what the id is).
pub fn base_account_id() -> u64 {
    SUBSCRIPTION_ID.parse().unwrap_or_default()
}

fn flag(b: bool) -> Value {
    Value::String(b.to_string())
}

fn json_body(reply: &Reply, accounts: &BaseAccounts) -> Value {
    let mut response = Map::new();
    let (code, data): (ResponseCode, Vec<Value>) = match reply {
        Reply::Failure(f) => {
            response.insert(
                "responseErrorDetails".into(),
                json!({"errorMessage": f.message, "errorResolution": f.resolution}),
            );
            (f.code, Vec::new())
        }
        Reply::Connector(c) => (
            ResponseCode::Success,
            vec![wrapped(json_connector(c, accounts))],
        ),
        Reply::IdOnly(id) => (ResponseCode::Success, vec![wrapped(json!({"id": id}))]),
        Reply::Errors(page) => {
            response.insert("hasMoreRecords".into(), flag(page.has_more));
            (
                ResponseCode::Success,
                page.items.iter().map(json_error).collect(),
            )
        }
        Reply::BaseAccount => {
            let mut record = Map::new();
            record.insert("id".into(), json!(base_account_id()));
            for (name, account) in accounts.fields() {
                record.insert(name.into(), json!(account));
            }
            (
                ResponseCode::Success,
                vec![json!({"AwsBaseAccount": record})],
            )
        }
        Reply::Page(page) => {
            response.insert("hasMoreRecords".into(), flag(page.has_more));
            if let Some(last) = page.items.last() {
                response.insert("lastId".into(), json!(last.id));
            }
            (
                ResponseCode::Success,
                page.items
                    .iter()
                    .map(|c| wrapped(json_connector(c, accounts)))
                    .collect(),
            )
        }
    };
    response.insert("responseCode".into(), json!(code.as_str()));
    if code == ResponseCode::Success {
        response.insert("count".into(), json!(data.len()));
    }
    if !data.is_empty() {
        response.insert("data".into(), Value::Array(data));
    }
    json!({ "ServiceResponse": response })
}

/// DECISION on the wrapper and fields, which public material does not show: the object name
/// from the path (`assetdataconnectorerrors`), the connector's id and name, the region, the
/// message and when it happened.
fn json_error(item: &ErrorItem) -> Value {
    json!({"AssetDataConnectorErrors": {
        "connectorId": item.connector_id,
        "connectorName": item.connector_name,
        "region": item.error.region,
        "errorMessage": item.error.message,
        "created": dates::iso(item.error.occurred_on),
    }})
}

fn xml_error(item: &ErrorItem) -> Element {
    Element::new("AssetDataConnectorErrors")
        .child(Element::leaf("connectorId", item.connector_id.to_string()))
        .child(Element::leaf("connectorName", item.connector_name.as_str()))
        .child(Element::leaf("region", item.error.region.as_str()))
        .child(Element::leaf("errorMessage", item.error.message.as_str()))
        .child(Element::leaf("created", dates::iso(item.error.occurred_on)))
}

/// The last sync's error for QPS's `lastError` (EVIDENCE 3): CloudView's "not synced yet" code
/// is not an error message.
fn last_error(c: &Connector) -> Option<&str> {
    Some(c.error.as_str()).filter(|e| !e.is_empty() && *e != NOT_SYNCED_ERROR)
}

/// A connector in `data`: wrapped in its object name.
fn wrapped(connector: Value) -> Value {
    json!({ "AwsAssetDataConnector": connector })
}

fn json_regions(wrapper: &str, codes: &BTreeSet<String>) -> Value {
    if codes.is_empty() {
        return json!({"count": 0});
    }
    let list: Vec<Value> = codes
        .iter()
        .map(|code| json!({ wrapper: {"regionCode": code} }))
        .collect();
    json!({ "list": list })
}

/// A QList in a v3 response: `{"list": [...]}`, or `{"count": 0}` when empty.
fn json_list(items: Vec<Value>) -> Value {
    if items.is_empty() {
        json!({"count": 0})
    } else {
        json!({ "list": items })
    }
}

/// `activation`, `defaultTags` and `connectorAppInfos` in the `list` form of every QList
/// (DECISION on the exact nesting, mirroring the request's `set` form of EVIDENCE 2: one
/// `ConnectorAppInfoQList` per app).
fn json_modules_apps_tags(c: &Connector) -> [(&'static str, Value); 3] {
    let modules = c
        .activation
        .iter()
        .map(|m| json!({"ActivationModule": m}))
        .collect();
    let tags = c
        .default_tags
        .iter()
        .map(|id| json!({"TagSimple": {"id": id}}))
        .collect();
    let apps = c
        .apps
        .iter()
        .map(|(name, app)| {
            let mut info = json!({"name": name, "identifier": app.identifier});
            if let (Some(tag), Value::Object(map)) = (app.tag_id, &mut info) {
                map.insert("tagId".into(), json!(tag));
            }
            json!({"ConnectorAppInfoQList": {"list": [{"ConnectorAppInfo": info}]}})
        })
        .collect();
    [
        ("activation", json_list(modules)),
        ("defaultTags", json_list(tags)),
        ("connectorAppInfos", json_list(apps)),
    ]
}

fn json_connector(c: &Connector, accounts: &BaseAccounts) -> Value {
    let mut v = json!({
        "id": c.id,
        "name": c.name,
        "description": c.description,
        "arn": c.arn,
        "externalId": c.external_id,
        "awsAccountId": c.aws_account_id,
        "qualysAwsAccountId": accounts.trusted_by(c.partition),
        "allRegions": flag(c.all_regions),
        "cspmRegions": json_regions("CspmRegionSimple", &c.cspm_regions),
        "endpoints": json_regions("AwsEndpointSimple", &c.endpoints),
        "isGovCloudConfigured": flag(c.partition == Partition::GovCloud),
        "isChinaConfigured": flag(c.partition == Partition::China),
        "disabled": flag(c.disabled),
        "runFrequency": c.run_frequency.to_string(),
        "isRemediationEnabled": flag(c.remediation_enabled),
        "connectorState": c.state.as_str(),
        "lastSync": dates::iso(c.last_sync),
        "nextSync": dates::iso(c.next_sync),
        "cloudviewUuid": c.cloudview_uuid.to_string(),
    });
    if let Value::Object(map) = &mut v {
        for (name, value) in json_modules_apps_tags(c) {
            map.insert(name.into(), value);
        }
        if let Some(error) = last_error(c) {
            map.insert("lastError".into(), json!(error));
        }
    }
    v
}

fn xml_body(reply: &Reply, accounts: &BaseAccounts, base_url: &str) -> Element {
    let root = Element::new("ServiceResponse")
        .attribute("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance")
        .attribute(
            "xsi:noNamespaceSchemaLocation",
            format!("{base_url}/qps/xsd/2.0/am/aws_asset_data_connector.xsd"),
        );
    let (code, data, paging): (ResponseCode, Vec<Element>, Vec<Element>) = match reply {
        Reply::Failure(f) => {
            let details = Element::new("responseErrorDetails")
                .child(Element::leaf("errorMessage", f.message.as_str()))
                .child(Element::leaf("errorResolution", f.resolution.as_str()));
            return root
                .child(Element::leaf("responseCode", f.code.as_str()))
                .child(details);
        }
        Reply::Connector(c) => (
            ResponseCode::Success,
            vec![xml_connector(c, accounts)],
            Vec::new(),
        ),
        Reply::Errors(page) => (
            ResponseCode::Success,
            page.items.iter().map(xml_error).collect(),
            vec![Element::leaf("hasMoreRecords", page.has_more.to_string())],
        ),
        Reply::BaseAccount => {
            let record = accounts.fields().into_iter().fold(
                Element::new("AwsBaseAccount")
                    .child(Element::leaf("id", base_account_id().to_string())),
                |record, (name, account)| record.child(Element::leaf(name, account)),
            );
            (ResponseCode::Success, vec![record], Vec::new())
        }
        Reply::IdOnly(id) => (
            ResponseCode::Success,
            vec![Element::new("AwsAssetDataConnector").child(Element::leaf("id", id.to_string()))],
            Vec::new(),
        ),
        Reply::Page(page) => {
            let mut paging = vec![Element::leaf("hasMoreRecords", page.has_more.to_string())];
            if let Some(last) = page.items.last() {
                paging.push(Element::leaf("lastId", last.id.to_string()));
            }
            (
                ResponseCode::Success,
                page.items
                    .iter()
                    .map(|c| xml_connector(c, accounts))
                    .collect(),
                paging,
            )
        }
    };
    let mut root = root
        .child(Element::leaf("responseCode", code.as_str()))
        .child(Element::leaf("count", data.len().to_string()));
    for element in paging {
        root = root.child(element);
    }
    if !data.is_empty() {
        root = root.child(data.into_iter().fold(Element::new("data"), Element::child));
    }
    root
}

fn xml_regions(field: &'static str, wrapper: &'static str, codes: &BTreeSet<String>) -> Element {
    let set = codes.iter().fold(Element::new("set"), |set, code| {
        set.child(Element::new(wrapper).child(Element::leaf("regionCode", code.as_str())))
    });
    Element::new(field).child(set)
}

/// `activation`, `defaultTags` and `connectorAppInfos` inside `<set>`, like the regions.
fn xml_modules_apps_tags(c: &Connector) -> [Element; 3] {
    let modules = c.activation.iter().fold(Element::new("set"), |set, m| {
        set.child(Element::leaf("ActivationModule", m.as_str()))
    });
    let tags = c.default_tags.iter().fold(Element::new("set"), |set, id| {
        set.child(Element::new("TagSimple").child(Element::leaf("id", id.to_string())))
    });
    let apps = c.apps.iter().fold(Element::new("set"), |set, (name, app)| {
        let mut info = Element::new("ConnectorAppInfo")
            .child(Element::leaf("name", name.as_str()))
            .child(Element::leaf("identifier", app.identifier.as_str()));
        if let Some(tag) = app.tag_id {
            info = info.child(Element::leaf("tagId", tag.to_string()));
        }
        set.child(Element::new("ConnectorAppInfoQList").child(Element::new("set").child(info)))
    });
    [
        Element::new("activation").child(modules),
        Element::new("defaultTags").child(tags),
        Element::new("connectorAppInfos").child(apps),
    ]
}

fn xml_connector(c: &Connector, accounts: &BaseAccounts) -> Element {
    let connector = Element::new("AwsAssetDataConnector")
        .child(Element::leaf("id", c.id.to_string()))
        .child(Element::leaf("name", c.name.as_str()))
        .child(Element::leaf("description", c.description.as_str()))
        .child(Element::leaf("arn", c.arn.as_str()))
        .child(Element::leaf("externalId", c.external_id.as_str()))
        .child(Element::leaf("awsAccountId", c.aws_account_id.as_str()))
        .child(Element::leaf(
            "qualysAwsAccountId",
            accounts.trusted_by(c.partition),
        ))
        .child(Element::leaf("connectorState", c.state.as_str()))
        .child(xml_regions("endpoints", "AwsEndpointSimple", &c.endpoints))
        .child(Element::leaf("allRegions", c.all_regions.to_string()))
        .child(xml_regions(
            "cspmRegions",
            "CspmRegionSimple",
            &c.cspm_regions,
        ))
        .child(Element::leaf(
            "isGovCloudConfigured",
            (c.partition == Partition::GovCloud).to_string(),
        ))
        .child(Element::leaf(
            "isChinaConfigured",
            (c.partition == Partition::China).to_string(),
        ))
        .child(Element::leaf("disabled", c.disabled.to_string()))
        .child(Element::leaf("runFrequency", c.run_frequency.to_string()))
        .child(Element::leaf(
            "isRemediationEnabled",
            c.remediation_enabled.to_string(),
        ))
        .child(Element::leaf("lastSync", dates::iso(c.last_sync)))
        .child(Element::leaf("nextSync", dates::iso(c.next_sync)))
        .child(Element::leaf("cloudviewUuid", c.cloudview_uuid.to_string()));
    let connector = match last_error(c) {
        Some(error) => connector.child(Element::leaf("lastError", error)),
        None => connector,
    };
    xml_modules_apps_tags(c)
        .into_iter()
        .fold(connector, Element::child)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Origin;

    fn connector() -> Connector {
        let mut c = Connector::blank(Origin::Qps, crate::dates::now());
        c.id = 7;
        c.all_regions = false;
        c.cspm_regions = ["us-west-2".to_string(), "us-east-1".to_string()].into();
        c
    }

    #[test]
    fn v3_quirks() {
        let body = json_body(
            &Reply::Connector(Box::new(connector())),
            &BaseAccounts::default(),
        );
        let response = &body["ServiceResponse"];
        assert_eq!(response["responseCode"], "SUCCESS");
        assert_eq!(response["count"], 1);
        let c = &response["data"][0]["AwsAssetDataConnector"];
        assert_eq!(c["id"], 7);
        assert_eq!(c["allRegions"], "false");
        assert_eq!(c["runFrequency"], "240");
        assert_eq!(
            c["cspmRegions"]["list"][0]["CspmRegionSimple"]["regionCode"],
            "us-east-1"
        );
        assert_eq!(c["endpoints"], json!({"count": 0}));
    }

    #[test]
    fn empty_search_has_no_data() {
        let body = json_body(
            &Reply::Page(Page {
                items: Vec::new(),
                has_more: false,
            }),
            &BaseAccounts::default(),
        );
        let response = &body["ServiceResponse"];
        assert_eq!(response["count"], 0);
        assert_eq!(response["hasMoreRecords"], "false");
        assert!(response.get("data").is_none());
        assert!(response.get("lastId").is_none());
    }

    #[test]
    fn failures_carry_details_and_no_count() {
        let body = json_body(
            &Reply::Failure(Failure {
                code: ResponseCode::ObjectNotFound,
                message: "m".into(),
                resolution: "r".into(),
            }),
            &BaseAccounts::default(),
        );
        let response = &body["ServiceResponse"];
        assert_eq!(response["responseCode"], "OBJECT_NOT_FOUND");
        assert_eq!(response["responseErrorDetails"]["errorMessage"], "m");
        assert!(response.get("count").is_none());
    }

    #[test]
    fn id_only_answers_hold_the_id_alone() {
        let reply = Reply::IdOnly(2000001);
        let body = json_body(&reply, &BaseAccounts::default());
        assert_eq!(
            body,
            json!({"ServiceResponse": {"responseCode": "SUCCESS", "count": 1,
                   "data": [{"AwsAssetDataConnector": {"id": 2000001}}]}})
        );
        let doc = xml_body(&reply, &BaseAccounts::default(), "http://h").to_document();
        assert!(
            doc.contains(
                "<responseCode>SUCCESS</responseCode><count>1</count><data>\
                 <AwsAssetDataConnector><id>2000001</id></AwsAssetDataConnector></data>"
            ),
            "{doc}"
        );
    }

    #[test]
    fn v2_reads_back_like_the_seed() {
        let doc = xml_body(
            &Reply::Connector(Box::new(connector())),
            &BaseAccounts::default(),
            "http://h",
        )
        .to_document();
        let back = crate::xml::parse(&doc).expect("valid XML");
        let response = &back["ServiceResponse"];
        assert_eq!(response["responseCode"], "SUCCESS");
        assert_eq!(response["count"], "1");
        let c = &response["data"]["AwsAssetDataConnector"];
        assert_eq!(c["id"], "7");
        assert_eq!(
            c["cspmRegions"]["set"]["CspmRegionSimple"][1]["regionCode"],
            "us-west-2"
        );
        assert!(doc.contains("http://h/qps/xsd/2.0/am/aws_asset_data_connector.xsd"));
    }
}
