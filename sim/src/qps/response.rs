//! Writing a QPS `ServiceResponse`: v3 as JSON with Qualys's quirks (booleans as strings,
//! `runFrequency` as a string, `data` an array of wrappers and absent when empty, collections
//! as `{"list":[{"CspmRegionSimple":{..}}]}` or `{"count":0}` when empty), v2 as XML shaped
//! like seed 004 (collections inside `<set>`) and written like Qualys's recorded answers
//! (EVIDENCE 6: pretty-printed, free text in CDATA, an empty collection `<count>0</count>`).

use std::collections::BTreeSet;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::accounts::BaseAccounts;
use crate::dates;
use crate::model::{Connector, NOT_SYNCED_ERROR, SUBSCRIPTION_ID};
use crate::regions::Partition;
use crate::state::AppState;
use crate::xml::Element;

use super::format::Format;
use super::search::{ErrorItem, ErrorPage, Page};

/// `responseCode` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseCode {
    Success,
    InvalidRequest,
    ObjectNotFound,
    Unauthorized,
    InvalidCredentials,
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
            ResponseCode::InvalidCredentials => "INVALID_CREDENTIALS",
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
            // EVIDENCE 6: QPS answers XML as `application/xml`.
            [(header::CONTENT_TYPE, "application/xml")],
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

/// Whether a search answer carries `hasMoreRecords`: an empty search answers `count` 0 and
/// nothing else (EVIDENCE 6, recorded on a 3.0 search; DECISION: in JSON too, and for the
/// errors search). Only the `qps_ignore_paging` quirk makes an empty page say there is more.
fn says_more(empty: bool, has_more: bool) -> bool {
    !empty || has_more
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
            if says_more(page.items.is_empty(), page.has_more) {
                response.insert("hasMoreRecords".into(), flag(page.has_more));
            }
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
            if says_more(page.items.is_empty(), page.has_more) {
                response.insert("hasMoreRecords".into(), flag(page.has_more));
            }
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
        .child(Element::text("connectorName", item.connector_name.as_str()))
        .child(Element::leaf("region", item.error.region.as_str()))
        .child(Element::text("errorMessage", item.error.message.as_str()))
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
        "isAttachedToOrgConnector": flag(c.attached_to_org_connector),
        "isCPSEnabled": flag(c.cps_enabled),
    });
    if let Value::Object(map) = &mut v {
        // China without the subscription's own base account has none to trust (DECISION).
        if let Some(account) = accounts.trusted_by(c.partition) {
            map.insert("qualysAwsAccountId".into(), json!(account));
        }
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
                .child(Element::text("errorMessage", f.message.as_str()))
                .child(Element::text("errorResolution", f.resolution.as_str()));
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
            says_more(page.items.is_empty(), page.has_more)
                .then(|| Element::leaf("hasMoreRecords", page.has_more.to_string()))
                .into_iter()
                .collect(),
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
            let mut paging: Vec<Element> = says_more(page.items.is_empty(), page.has_more)
                .then(|| Element::leaf("hasMoreRecords", page.has_more.to_string()))
                .into_iter()
                .collect();
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

/// A collection in a v2 answer: its items inside `<set>` as seed 004 shows, or, when empty,
/// `<count>0</count>` as Qualys's recorded answers show (EVIDENCE 6) and v3 says `{"count":0}`.
fn xml_collection(field: &'static str, set: Element) -> Element {
    if set.is_empty() {
        Element::new(field).child(Element::leaf("count", "0"))
    } else {
        Element::new(field).child(set)
    }
}

fn xml_regions(field: &'static str, wrapper: &'static str, codes: &BTreeSet<String>) -> Element {
    let set = codes.iter().fold(Element::new("set"), |set, code| {
        set.child(Element::new(wrapper).child(Element::leaf("regionCode", code.as_str())))
    });
    xml_collection(field, set)
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
            .child(Element::text("identifier", app.identifier.as_str()));
        if let Some(tag) = app.tag_id {
            info = info.child(Element::leaf("tagId", tag.to_string()));
        }
        set.child(Element::new("ConnectorAppInfoQList").child(Element::new("set").child(info)))
    });
    [
        xml_collection("activation", modules),
        xml_collection("defaultTags", tags),
        xml_collection("connectorAppInfos", apps),
    ]
}

fn xml_connector(c: &Connector, accounts: &BaseAccounts) -> Element {
    let connector = Element::new("AwsAssetDataConnector")
        .child(Element::leaf("id", c.id.to_string()))
        .child(Element::text("name", c.name.as_str()))
        .child(Element::text("description", c.description.as_str()))
        .child(Element::text("arn", c.arn.as_str()))
        .child(Element::text("externalId", c.external_id.as_str()))
        .child(Element::leaf("awsAccountId", c.aws_account_id.as_str()));
    // China without the subscription's own base account has none to trust (DECISION).
    let connector = match accounts.trusted_by(c.partition) {
        Some(account) => connector.child(Element::leaf("qualysAwsAccountId", account)),
        None => connector,
    };
    let connector = connector
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
        .child(Element::leaf("cloudviewUuid", c.cloudview_uuid.to_string()))
        .child(Element::leaf(
            "isAttachedToOrgConnector",
            c.attached_to_org_connector.to_string(),
        ))
        .child(Element::leaf("isCPSEnabled", c.cps_enabled.to_string()));
    let connector = match last_error(c) {
        Some(error) => connector.child(Element::text("lastError", error)),
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
        assert_eq!(
            body,
            json!({"ServiceResponse": {"responseCode": "SUCCESS", "count": 0}})
        );
        assert!(response.get("hasMoreRecords").is_none());
        let doc = xml_body(
            &Reply::Page(Page {
                items: Vec::new(),
                has_more: false,
            }),
            &BaseAccounts::default(),
            "http://h",
        )
        .to_document();
        assert!(
            doc.ends_with(
                "\n  <responseCode>SUCCESS</responseCode>\n  <count>0</count>\n</ServiceResponse>"
            ),
            "{doc}"
        );
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
                "  <responseCode>SUCCESS</responseCode>\n  <count>1</count>\n  <data>\n    \
                 <AwsAssetDataConnector>\n      <id>2000001</id>\n    </AwsAssetDataConnector>\n  \
                 </data>\n</ServiceResponse>"
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
        assert!(
            doc.contains("\n      <endpoints>\n        <count>0</count>\n      </endpoints>\n")
        );
        assert_eq!(c["endpoints"]["count"], "0");
        assert_eq!(c["isAttachedToOrgConnector"], "false");
        assert_eq!(c["isCPSEnabled"], "false");
        assert!(
            doc.contains("<description><![CDATA[]]></description>"),
            "{doc}"
        );
    }

    #[test]
    fn china_without_its_base_account_has_no_trusted_account() {
        let mut c = connector();
        c.partition = Partition::China;
        let accounts = BaseAccounts::default();
        let body = json_body(&Reply::Connector(Box::new(c.clone())), &accounts);
        let json = &body["ServiceResponse"]["data"][0]["AwsAssetDataConnector"];
        assert!(json.get("qualysAwsAccountId").is_none());
        assert_eq!(json["isChinaConfigured"], "true");
        let doc = xml_body(&Reply::Connector(Box::new(c)), &accounts, "http://h").to_document();
        assert!(!doc.contains("qualysAwsAccountId"), "{doc}");
    }

    #[test]
    fn failures_in_xml_carry_cdata_details() {
        let doc = xml_body(
            &Reply::Failure(Failure {
                code: ResponseCode::InvalidCredentials,
                message: "Authentication failed".into(),
                resolution: "Verify both, user and password credentials.".into(),
            }),
            &BaseAccounts::default(),
            "http://h",
        )
        .to_document();
        assert!(
            doc.contains(
                "  <responseCode>INVALID_CREDENTIALS</responseCode>\n  <responseErrorDetails>\n    \
                 <errorMessage><![CDATA[Authentication failed]]></errorMessage>\n    \
                 <errorResolution><![CDATA[Verify both, user and password credentials.]]></errorResolution>\n  \
                 </responseErrorDetails>\n</ServiceResponse>"
            ),
            "{doc}"
        );
    }
}
