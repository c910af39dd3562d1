//! Answers: the `ServiceResponse` envelope in JSON or XML (sniffed from the body), its `data`
//! in every shape Qualys sends, and what `responseCode` and the HTTP status mean.

use std::fmt;
use std::marker::PhantomData;

use reqwest::StatusCode;
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::lenient::{OneOrMany, check_xml_nesting};
use super::model::Connector;
use crate::qualys::error::Error;
use crate::qualys::http::Reply;
use crate::qualys::lenient::{self, excerpt, inert, inert_excerpt};
use crate::qualys::sync::{BaseAccounts, SyncError, WireBaseAccounts};

/// A successful `ServiceResponse`, reduced to what the operations use.
#[derive(Debug)]
pub(crate) struct Answer<T> {
    pub(super) count: Option<u64>,
    pub(super) has_more_records: bool,
    pub(super) last_id: Option<u64>,
    pub(crate) items: Vec<T>,
}

/// An object QPS answers in `data`, under its wrapper name.
pub(crate) trait Item: for<'de> Deserialize<'de> {
    const WRAPPER: &'static str;
}

impl Item for Connector {
    const WRAPPER: &'static str = "AwsAssetDataConnector";
}

/// One sync error (DECISION: the wrapper and fields are not public; the object's own name
/// and the names the docs use elsewhere).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireSyncError {
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    connector_id: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    region: Option<String>,
    #[serde(default, alias = "message", deserialize_with = "lenient::opt_string")]
    error_message: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    created: Option<String>,
}

impl Item for WireSyncError {
    const WRAPPER: &'static str = "AssetDataConnectorErrors";
}

#[derive(Deserialize)]
#[serde(transparent)]
struct BaseAccountItem(WireBaseAccounts);

impl Item for BaseAccountItem {
    const WRAPPER: &'static str = "AwsBaseAccount";
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", bound = "D: Deserialize<'de>")]
struct ServiceResponse<D> {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    response_code: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    count: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    has_more_records: Option<bool>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    last_id: Option<u64>,
    #[serde(default = "none")]
    data: Option<D>,
    #[serde(default)]
    response_error_details: Option<ErrorDetails>,
}

fn none<D>() -> Option<D> {
    None
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorDetails {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    error_message: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    error_resolution: Option<String>,
}

#[derive(Deserialize)]
#[serde(bound = "D: Deserialize<'de>")]
struct JsonEnvelope<D> {
    #[serde(rename = "ServiceResponse")]
    service_response: ServiceResponse<D>,
}

/// `data`: `[{"AwsAssetDataConnector":{..}}, ..]`, a single `{"AwsAssetDataConnector":{..}}`,
/// a wrapper holding an array, or in XML the repeated `<AwsAssetDataConnector>` elements
/// (for other objects, their own wrapper name). Keys other than the wrapper are skipped;
/// the `count` check catches a body whose items all hid under an unknown name.
struct DataItems<T>(Vec<T>);

impl<T: Item> DataItems<T> {
    fn visit_wrappers<'de, A: MapAccess<'de>>(
        mut map: A,
        out: &mut Vec<T>,
    ) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == T::WRAPPER {
                out.extend(map.next_value::<OneOrMany<T>>()?.0);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

impl<'de, T: Item> Deserialize<'de> for DataItems<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DataVisitor<T>(PhantomData<T>);
        impl<'de, T: Item> Visitor<'de> for DataVisitor<T> {
            type Value = DataItems<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("connector wrappers")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<DataItems<T>, A::Error> {
                let mut out = Vec::new();
                while let Some(Wrapper(items)) = seq.next_element::<Wrapper<T>>()? {
                    out.extend(items);
                }
                Ok(DataItems(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<DataItems<T>, A::Error> {
                let mut out = Vec::new();
                DataItems::visit_wrappers(map, &mut out)?;
                Ok(DataItems(out))
            }
            fn visit_unit<E>(self) -> Result<DataItems<T>, E> {
                Ok(DataItems(Vec::new()))
            }
            fn visit_none<E>(self) -> Result<DataItems<T>, E> {
                Ok(DataItems(Vec::new()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<DataItems<T>, E> {
                if v.trim().is_empty() {
                    Ok(DataItems(Vec::new()))
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(v), &self))
                }
            }
        }
        deserializer.deserialize_any(DataVisitor(PhantomData))
    }
}

/// One element of the `data` array: `{"AwsAssetDataConnector": ...}`.
struct Wrapper<T>(Vec<T>);

impl<'de, T: Item> Deserialize<'de> for Wrapper<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct WrapperVisitor<T>(PhantomData<T>);
        impl<'de, T: Item> Visitor<'de> for WrapperVisitor<T> {
            type Value = Wrapper<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object wrapping a connector")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Wrapper<T>, A::Error> {
                let mut out = Vec::new();
                DataItems::visit_wrappers(map, &mut out)?;
                Ok(Wrapper(out))
            }
        }
        deserializer.deserialize_any(WrapperVisitor(PhantomData))
    }
}

/// Why a body could not be read as a `ServiceResponse`.
enum Unreadable {
    /// Not JSON or XML at all, or XML whose root is not `ServiceResponse`.
    NotAnEnvelope(String),
    /// An envelope whose content does not fit the model.
    BadContent(String),
}

fn parse_envelope<T: Item>(body: &[u8]) -> Result<ServiceResponse<DataItems<T>>, Unreadable> {
    let text = std::str::from_utf8(body)
        .map_err(|e| Unreadable::NotAnEnvelope(format!("the body is not UTF-8: {e}")))?;
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') {
        lenient::check_json_nesting(trimmed.as_bytes()).map_err(Unreadable::NotAnEnvelope)?;
        // Decoded straight into the typed envelope: an intermediate `serde_json::Value` of a
        // 1,000-connector page would cost several times the body in memory.
        match serde_json::from_str::<JsonEnvelope<DataItems<T>>>(trimmed) {
            Ok(envelope) => Ok(envelope.service_response),
            // Only now tell "not JSON" and "JSON without ServiceResponse" from "JSON of an
            // unexpected shape", for the error mapping.
            Err(typed) => {
                let value: serde_json::Value = serde_json::from_str(trimmed)
                    .map_err(|e| Unreadable::NotAnEnvelope(format!("malformed JSON: {e}")))?;
                if value.get("ServiceResponse").is_none() {
                    return Err(Unreadable::NotAnEnvelope(
                        "JSON without ServiceResponse".into(),
                    ));
                }
                Err(Unreadable::BadContent(typed.to_string()))
            }
        }
    } else if trimmed.starts_with('<') {
        check_xml_nesting(trimmed).map_err(Unreadable::NotAnEnvelope)?;
        match xml_root_name(trimmed) {
            Ok(name) if name == "ServiceResponse" => {
                quick_xml::de::from_str::<ServiceResponse<DataItems<T>>>(trimmed)
                    .map_err(|e| Unreadable::BadContent(format!("malformed XML: {e}")))
            }
            Ok(name) => Err(Unreadable::NotAnEnvelope(format!(
                "XML root is <{name}>, not <ServiceResponse>"
            ))),
            Err(e) => Err(Unreadable::NotAnEnvelope(format!("malformed XML: {e}"))),
        }
    } else {
        Err(Unreadable::NotAnEnvelope("neither JSON nor XML".into()))
    }
}

/// The name of the first element of an XML document.
fn xml_root_name(xml: &str) -> Result<String, quick_xml::Error> {
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        match reader.read_event()? {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                return Ok(String::from_utf8_lossy(e.local_name().as_ref()).into_owned());
            }
            quick_xml::events::Event::Eof => return Ok(String::new()),
            _ => {}
        }
    }
}

/// Maps a reply to the successful answer or the error it stands for. Context in errors is
/// filled in by the caller.
pub(crate) fn decode_reply(reply: &Reply) -> Result<Answer<Connector>, Error> {
    decode_items(reply)
}

/// The sync errors of connector `id` in an `assetdataconnectorerrors` search answer.
pub(crate) fn sync_errors_from_reply(reply: &Reply, id: u64) -> Result<Vec<SyncError>, Error> {
    let answer = decode_items::<WireSyncError>(reply)?;
    Ok(answer
        .items
        .into_iter()
        .filter(|e| e.connector_id.is_none_or(|c| c == id))
        .map(|e| SyncError {
            region: e
                .region
                .filter(|r| !r.trim().is_empty())
                .as_deref()
                .map(inert),
            time: e
                .created
                .filter(|t| !t.trim().is_empty())
                .as_deref()
                .map(inert),
            message: inert(&e.error_message.unwrap_or_default()),
        })
        .collect())
}

/// The base accounts in an `awsbaseaccount` search answer.
pub(crate) fn base_accounts_from_reply(reply: &Reply) -> Result<BaseAccounts, Error> {
    let answer = decode_items::<BaseAccountItem>(reply)?;
    let decode_error = |reason: String| Error::Decode {
        context: String::new(),
        reason,
        excerpt: excerpt(&reply.body),
    };
    match answer.items.into_iter().next() {
        Some(item) => item.0.into_accounts().map_err(decode_error),
        None => Err(decode_error("no AwsBaseAccount in the answer".into())),
    }
}

/// [`decode_reply`] for answers holding any [`Item`].
fn decode_items<T: Item>(reply: &Reply) -> Result<Answer<T>, Error> {
    let status = reply.status;
    let decode_error = |reason: String| Error::Decode {
        context: String::new(),
        reason,
        excerpt: excerpt(&reply.body),
    };
    let response = match parse_envelope::<T>(&reply.body) {
        Ok(r) if r.response_code.is_some() => r,
        Ok(_) => {
            return Err(by_status(status, &reply.body)
                .unwrap_or_else(|| decode_error("no responseCode".into())));
        }
        Err(Unreadable::NotAnEnvelope(reason)) => {
            return Err(by_status(status, &reply.body).unwrap_or_else(|| decode_error(reason)));
        }
        Err(Unreadable::BadContent(reason)) => {
            return Err(by_status(status, &reply.body).unwrap_or_else(|| decode_error(reason)));
        }
    };
    let code = inert(&response.response_code.clone().unwrap_or_default());
    // Qualys's words reach Terraform's output: shown inert.
    let (message, resolution) = match response.response_error_details {
        Some(d) => (
            d.error_message.as_deref().map(inert_excerpt),
            d.error_resolution.as_deref().map(inert_excerpt),
        ),
        None => (None, None),
    };
    let message = message.filter(|m| !m.trim().is_empty());
    match code.trim() {
        "SUCCESS" if status.is_success() => {}
        "SUCCESS" => {
            return Err(by_status(status, &reply.body)
                .unwrap_or_else(|| decode_error(format!("SUCCESS with HTTP {status}"))));
        }
        "OBJECT_NOT_FOUND" => {
            return Err(Error::NotFound {
                what: String::new(),
            });
        }
        "INVALID_REQUEST" => {
            return Err(Error::InvalidRequest {
                message: message.unwrap_or_else(|| "INVALID_REQUEST without a message".into()),
                resolution,
            });
        }
        "UNAUTHORIZED" | "INSUFFICIENT_PERMISSIONS" | "INVALID_CREDENTIALS" => {
            let resolution = resolution
                .filter(|r| !r.trim().is_empty())
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            return Err(Error::Unauthorized {
                message: match message {
                    Some(m) => format!("{code}: {m}{resolution}"),
                    None => code,
                },
            });
        }
        _ => {
            return Err(Error::Api {
                status: status.as_u16(),
                message: message.unwrap_or_else(|| excerpt(&reply.body)),
                code: Some(code),
                resolution,
            });
        }
    }
    let items = response.data.map(|d| d.0).unwrap_or_default();
    let count = response.count;
    if let Some(n) = count.filter(|n| *n > 0 && items.is_empty()) {
        return Err(decode_error(format!(
            "count is {n} but no {} could be read from data",
            T::WRAPPER
        )));
    }
    Ok(Answer {
        count,
        has_more_records: response.has_more_records.unwrap_or(false),
        last_id: response.last_id,
        items,
    })
}

/// The error an HTTP status means when the body is no QPS envelope; `None` for 2xx, where
/// the body itself is the problem.
fn by_status(status: StatusCode, body: &[u8]) -> Option<Error> {
    if status.is_success() {
        return None;
    }
    Some(match status.as_u16() {
        401 => Error::Unauthorized {
            message: "HTTP 401: check the username and password".into(),
        },
        403 => Error::Unauthorized {
            message: format!("HTTP 403: the user may lack API access ({})", excerpt(body)),
        },
        // Qualys's own "no such connector" is its envelope's OBJECT_NOT_FOUND.
        404 => Error::ForeignNotFound {
            api: "Connector (QPS)",
            excerpt: excerpt(body),
        },
        _ => Error::Api {
            status: status.as_u16(),
            code: None,
            message: excerpt(body),
            resolution: None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status: StatusCode::from_u16(status).unwrap(),
            body: body.as_bytes().to_vec(),
        }
    }

    fn ok(body: &str) -> Answer<Connector> {
        match decode_reply(&reply(200, body)) {
            Ok(a) => a,
            Err(e) => panic!("decode failed: {e}"),
        }
    }

    /// The seed's v3 create response, with its OCR damage repaired.
    const SEED_V3_CREATE: &str = r#"{
      "ServiceResponse": {
        "count": 1,
        "data": [ { "AwsAssetDataConnector": {
            "authRecord": {"id": 1},
            "cspmRegions": { "list": [
                {"CspmRegionSimple": {"regionCode": "eu-south-1"}},
                {"CspmRegionSimple": {"regionCode": "us-west-2"}},
                {"CspmRegionSimple": {"regionCode": "af-south-1"}},
                {"CspmRegionSimple": {"regionCode": "us-east-1"}} ] },
            "awsAccountId": "123456789012",
            "endpoints": { "list": [
                {"AwsEndpointSimple": {"regionCode": "us-east-1"}},
                {"AwsEndpointSimple": {"regionCode": "af-south-1"}},
                {"AwsEndpointSimple": {"regionCode": "eu-south-1"}},
                {"AwsEndpointSimple": {"regionCode": "us-west-2"}} ] },
            "id": 2064449
        } } ],
        "responseCode": "SUCCESS"
      }
    }"#;

    /// The seed's v2 create response (root carries a namespace and schema location).
    const SEED_V2_CREATE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ServiceResponse xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="https://qualysapi.qualys.com/qps/xsd/2.0/am/aws_asset_data_connector.xsd">
  <responseCode>SUCCESS</responseCode>
  <count>1</count>
  <data>
    <AwsAssetDataConnector>
      <id>2064449</id>
      <name>aws-v2-api</name>
      <awsAccountId>00000</awsAccountId>
      <connectorState>QUEUED</connectorState>
      <endpoints>
        <set>
          <AwsEndpointSimple><regionCode>us-east-1</regionCode></AwsEndpointSimple>
          <AwsEndpointSimple><regionCode>us-west-2</regionCode></AwsEndpointSimple>
        </set>
      </endpoints>
      <allRegions>false</allRegions>
      <cspmRegions>
        <set>
          <CspmRegionSimple><regionCode>us-west-2</regionCode></CspmRegionSimple>
          <CspmRegionSimple><regionCode>us-east-1</regionCode></CspmRegionSimple>
        </set>
      </cspmRegions>
    </AwsAssetDataConnector>
  </data>
</ServiceResponse>"#;

    /// An answer shaped as recorded from a real QPS platform (JupiterOne's graph-qualys
    /// recordings): pretty-printed, strings in CDATA, an empty collection as a count.
    #[test]
    fn pretty_printed_cdata_answers_decode_to_the_exact_strings() {
        let body = r#"<?xml version="1.0" encoding="UTF-8"?>
<ServiceResponse xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <responseCode>SUCCESS</responseCode>
  <count>1</count>
  <hasMoreRecords>false</hasMoreRecords>
  <data>
    <AwsAssetDataConnector>
      <id>2000001</id>
      <name><![CDATA[prod <eu> & friends]]></name>
      <description><![CDATA[line one]]]]><![CDATA[>still text]]></description>
      <arn><![CDATA[arn:aws:iam::123456789012:role/R]]></arn>
      <externalId><![CDATA[ext-1]]></externalId>
      <isAttachedToOrgConnector>true</isAttachedToOrgConnector>
      <defaultTags>
        <count>0</count>
      </defaultTags>
      <cspmRegions>
        <set>
          <CspmRegionSimple>
            <regionCode><![CDATA[us-east-1]]></regionCode>
          </CspmRegionSimple>
        </set>
      </cspmRegions>
    </AwsAssetDataConnector>
  </data>
</ServiceResponse>
"#;
        let c = &ok(body).items[0];
        assert_eq!(c.name.as_deref(), Some("prod <eu> & friends"));
        assert_eq!(c.description.as_deref(), Some("line one]]>still text"));
        assert_eq!(c.arn.as_deref(), Some("arn:aws:iam::123456789012:role/R"));
        assert_eq!(c.is_attached_to_org_connector, Some(true));
        assert_eq!(
            c.cspm_regions.as_deref(),
            Some(&["us-east-1".to_string()][..])
        );
        assert_eq!(c.default_tag_ids.as_deref(), Some(&[][..]));
    }

    /// Bad credentials on QPS: HTTP 200 and `INVALID_CREDENTIALS` (JupiterOne's recordings).
    #[test]
    fn invalid_credentials_in_an_http_200_envelope_are_an_auth_error() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<ServiceResponse xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <responseCode>INVALID_CREDENTIALS</responseCode>
  <responseErrorDetails>
    <errorMessage><![CDATA[Authentication failed]]></errorMessage>
    <errorResolution><![CDATA[Verify both, user and password credentials.]]></errorResolution>
  </responseErrorDetails>
</ServiceResponse>"#;
        let json = r#"{"ServiceResponse": {"responseCode": "INVALID_CREDENTIALS",
            "responseErrorDetails": {"errorMessage": "Authentication failed",
            "errorResolution": "Verify both, user and password credentials."}}}"#;
        for body in [xml, json] {
            match decode_reply(&reply(200, body)) {
                Err(Error::Unauthorized { message }) => assert_eq!(
                    message,
                    "INVALID_CREDENTIALS: Authentication failed (Verify both, user and password \
                     credentials.)"
                ),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn seed_v3_create_response() {
        let a = ok(SEED_V3_CREATE);
        assert_eq!(a.count, Some(1));
        let c = &a.items[0];
        assert_eq!(c.id, 2064449);
        assert_eq!(c.aws_account_id.as_deref(), Some("123456789012"));
        assert_eq!(
            c.cspm_regions.as_deref(),
            Some(&["eu-south-1", "us-west-2", "af-south-1", "us-east-1"].map(String::from)[..])
        );
        assert_eq!(
            c.endpoints.as_deref(),
            Some(&["us-east-1", "af-south-1", "eu-south-1", "us-west-2"].map(String::from)[..])
        );
        assert_eq!(c.name, None);
    }

    #[test]
    fn seed_v2_create_response() {
        let a = ok(SEED_V2_CREATE);
        let c = &a.items[0];
        assert_eq!(c.id, 2064449);
        assert_eq!(c.name.as_deref(), Some("aws-v2-api"));
        assert_eq!(c.aws_account_id.as_deref(), Some("00000"));
        assert_eq!(c.connector_state.as_deref(), Some("QUEUED"));
        assert_eq!(c.all_regions, Some(false));
        assert_eq!(
            c.endpoints.as_deref(),
            Some(&["us-east-1".to_string(), "us-west-2".to_string()][..])
        );
        assert_eq!(
            c.cspm_regions.as_deref(),
            Some(&["us-west-2".to_string(), "us-east-1".to_string()][..])
        );
    }

    #[test]
    fn v3_strings_for_scalars_and_single_object_data() {
        let a = ok(
            r#"{"ServiceResponse":{"responseCode":"SUCCESS","count":"1","hasMoreRecords":"false",
            "data":{"AwsAssetDataConnector":{"id":"42","name":"n","allRegions":"true","disabled":"false",
            "isGovCloudConfigured":"FALSE","isChinaConfigured":false,"runFrequency":"240",
            "isRemediationEnabled":"1","awsAccountId":123456789012,"qualysAwsAccountId":"805950163170",
            "cloudviewUuid":"6f1c...","connectorState":"SUCCESS","lastSync":"2024-01-01T00:00:00Z",
            "unknownField":{"deep":[1,2]}}}}}"#,
        );
        assert!(!a.has_more_records);
        let c = &a.items[0];
        assert_eq!(c.id, 42);
        assert_eq!(c.all_regions, Some(true));
        assert_eq!(c.disabled, Some(false));
        assert_eq!(c.is_gov_cloud_configured, Some(false));
        assert_eq!(c.is_china_configured, Some(false));
        assert_eq!(c.run_frequency, Some(240));
        assert_eq!(c.is_remediation_enabled, Some(true));
        assert_eq!(c.aws_account_id.as_deref(), Some("123456789012"));
        assert_eq!(c.qualys_aws_account_id.as_deref(), Some("805950163170"));
        assert_eq!(c.cspm_regions, None);
    }

    #[test]
    fn xml_shapes_single_items_empty_elements_and_lists() {
        let a = ok(
            r#"<ServiceResponse><responseCode>SUCCESS</responseCode><count>2</count><hasMoreRecords>true</hasMoreRecords><lastId>8</lastId>
            <data>
              <AwsAssetDataConnector><id>7</id><description/><cspmRegions><list><CspmRegionSimple><regionCode>us-east-1</regionCode></CspmRegionSimple></list></cspmRegions><endpoints><count>0</count></endpoints><disabled>true</disabled></AwsAssetDataConnector>
              <AwsAssetDataConnector><id>8</id><name>second</name><cspmRegions/></AwsAssetDataConnector>
            </data></ServiceResponse>"#,
        );
        assert!(a.has_more_records);
        assert_eq!(a.last_id, Some(8));
        assert_eq!(a.items.len(), 2);
        let first = &a.items[0];
        assert_eq!(first.description.as_deref(), Some(""));
        assert_eq!(first.cspm_regions, Some(vec!["us-east-1".to_string()]));
        assert_eq!(first.endpoints, Some(vec![]));
        assert_eq!(first.disabled, Some(true));
        assert_eq!(a.items[1].name.as_deref(), Some("second"));
        assert_eq!(a.items[1].cspm_regions, Some(vec![]));
    }

    #[test]
    fn empty_search_has_no_data() {
        for body in [
            r#"{"ServiceResponse":{"responseCode":"SUCCESS","count":0}}"#,
            r#"{"ServiceResponse":{"responseCode":"SUCCESS","count":0,"hasMoreRecords":"false","data":[]}}"#,
            r#"<ServiceResponse><responseCode>SUCCESS</responseCode><count>0</count><hasMoreRecords>false</hasMoreRecords></ServiceResponse>"#,
            r#"<ServiceResponse><responseCode>SUCCESS</responseCode><count>0</count><data/></ServiceResponse>"#,
        ] {
            let a = ok(body);
            assert!(a.items.is_empty(), "{body}");
            assert_eq!(a.count, Some(0));
        }
    }

    #[test]
    fn count_without_connectors_is_a_decode_error() {
        let err = decode_reply(&reply(
            200,
            r#"{"ServiceResponse":{"responseCode":"SUCCESS","count":1,"data":[{"SomethingElse":{"id":1}}]}}"#,
        ))
        .unwrap_err();
        assert!(
            matches!(&err, Error::Decode { reason, excerpt, .. } if reason.contains("count is 1") && excerpt.contains("SomethingElse")),
            "{err}"
        );
    }

    #[test]
    fn malformed_bodies_are_decode_errors_with_excerpt() {
        for body in [
            r#"{"ServiceResponse": {"responseCode": "SUCC"#,
            "<ServiceResponse><responseCode>SUCCESS</responseCode><data><AwsAssetDataConnector><id>1</id>",
            "<html><body>maintenance</body></html>",
            "plain text",
            r#"{"other":1}"#,
            r#"{"ServiceResponse":{"responseCode":"SUCCESS","count":1,"data":[{"AwsAssetDataConnector":{"name":"no id"}}]}}"#,
            r#"{"ServiceResponse":{"responseCode":"SUCCESS","count":1,"data":[{"AwsAssetDataConnector":{"id":1,"disabled":"maybe"}}]}}"#,
            r#"{"ServiceResponse":{"responseCode":"SUCCESS","count":1,"data":[{"AwsAssetDataConnector":{"id":1,"cspmRegions":{"weird":[]}}}]}}"#,
            "",
        ] {
            let err = decode_reply(&reply(200, body)).unwrap_err();
            match &err {
                Error::Decode { excerpt, .. } => {
                    let start: String = body.chars().take(20).collect();
                    if body.is_empty() {
                        assert_eq!(excerpt, "(empty body)");
                    } else {
                        assert!(excerpt.starts_with(&start), "{excerpt} / {body}");
                    }
                }
                other => panic!("{body}: expected a decode error, got {other:?}"),
            }
        }
    }

    #[test]
    fn response_codes_map_to_errors() {
        let details = |code: &str| {
            format!(
                r#"{{"ServiceResponse":{{"responseCode":"{code}","responseErrorDetails":{{"errorMessage":"msg","errorResolution":"fix it"}}}}}}"#
            )
        };
        assert!(matches!(
            decode_reply(&reply(200, &details("OBJECT_NOT_FOUND"))),
            Err(Error::NotFound { .. })
        ));
        match decode_reply(&reply(200, &details("INVALID_REQUEST"))) {
            Err(Error::InvalidRequest {
                message,
                resolution,
            }) => {
                assert_eq!(message, "msg");
                assert_eq!(resolution.as_deref(), Some("fix it"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            decode_reply(&reply(200, &details("UNAUTHORIZED"))),
            Err(Error::Unauthorized { .. })
        ));
        assert!(matches!(
            decode_reply(&reply(200, &details("INSUFFICIENT_PERMISSIONS"))),
            Err(Error::Unauthorized { .. })
        ));
        assert!(matches!(
            decode_reply(&reply(200, &details("LIMIT_EXCEEDED"))),
            Err(Error::Api { code: Some(c), .. }) if c == "LIMIT_EXCEEDED"
        ));
        assert!(matches!(
            decode_reply(&reply(200, &details("OTHER_ERROR"))),
            Err(Error::Api { status: 200, code: Some(c), .. }) if c == "OTHER_ERROR"
        ));
        let xml = r#"<?xml version="1.0"?><ServiceResponse xmlns:xsi="x"><responseCode>INVALID_REQUEST</responseCode><responseErrorDetails><errorMessage>bad region</errorMessage><errorResolution>use another</errorResolution></responseErrorDetails></ServiceResponse>"#;
        assert!(matches!(
            decode_reply(&reply(200, xml)),
            Err(Error::InvalidRequest { message, resolution: Some(r) }) if message == "bad region" && r == "use another"
        ));
        // A 400 carrying an envelope is read for its message.
        assert!(matches!(
            decode_reply(&reply(400, &details("INVALID_REQUEST"))),
            Err(Error::InvalidRequest { .. })
        ));
    }

    #[test]
    fn http_statuses_without_envelope() {
        assert!(matches!(
            decode_reply(&reply(401, "")),
            Err(Error::Unauthorized { .. })
        ));
        assert!(matches!(
            decode_reply(&reply(403, "<html>no</html>")),
            Err(Error::Unauthorized { .. })
        ));
        // A 404 page is not "connector not found": a wrong URL must not empty the state.
        assert!(matches!(
            decode_reply(&reply(404, "<html>Not Found</html>")),
            Err(Error::ForeignNotFound { .. })
        ));
        match decode_reply(&reply(500, "internal trouble")) {
            Err(Error::Api {
                status: 500,
                message,
                ..
            }) => assert_eq!(message, "internal trouble"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn region_collection_shapes() {
        let shapes = [
            r#"{"list":[{"CspmRegionSimple":{"regionCode":"a"}},{"CspmRegionSimple":{"regionCode":"b"}}]}"#,
            r#"{"list":{"CspmRegionSimple":[{"regionCode":"a"},{"regionCode":"b"}]}}"#,
            r#"{"count":2,"list":{"CspmRegionSimple":[{"regionCode":"a"},{"regionCode":"b"}]}}"#,
            r#"{"set":{"CspmRegionSimple":[{"regionCode":"a"},{"regionCode":"b"}]}}"#,
            r#"[{"regionCode":"a"},{"regionCode":"b"}]"#,
            r#"[{"CspmRegionSimple":{"regionCode":"a"}},{"CspmRegionSimple":{"regionCode":"b","name":"B"}}]"#,
            r#"["a","b"]"#,
        ];
        for shape in shapes {
            let body = format!(
                r#"{{"ServiceResponse":{{"responseCode":"SUCCESS","count":1,"data":[{{"AwsAssetDataConnector":{{"id":1,"cspmRegions":{shape}}}}}]}}}}"#
            );
            let a = ok(&body);
            assert_eq!(
                a.items[0].cspm_regions,
                Some(vec!["a".into(), "b".into()]),
                "{shape}"
            );
        }
        for empty in [
            r#"{"count":0}"#,
            r#"{"list":[]}"#,
            "[]",
            "{}",
            "null",
            r#"{"list":{}}"#,
        ] {
            let body = format!(
                r#"{{"ServiceResponse":{{"responseCode":"SUCCESS","count":1,"data":[{{"AwsAssetDataConnector":{{"id":1,"cspmRegions":{empty}}}}}]}}}}"#
            );
            assert_eq!(ok(&body).items[0].cspm_regions, Some(vec![]), "{empty}");
        }
    }

    #[test]
    fn modules_apps_and_tags_read_in_every_form() {
        let a = ok(
            r#"{"ServiceResponse":{"responseCode":"SUCCESS","count":1,"data":[{"AwsAssetDataConnector":{"id":1,
            "activation":{"list":[{"ActivationModule":"VM"},{"ActivationModule":"PC"}]},
            "defaultTags":{"list":[{"TagSimple":{"id":"7"}}]},
            "connectorAppInfos":{"list":[{"ConnectorAppInfoQList":{"list":[{"ConnectorAppInfo":{"name":"AI","identifier":"arn","tagId":3}}]}},
                                         {"ConnectorAppInfoQList":{"set":{"ConnectorAppInfo":{"name":"CSA"}}}}]},
            "lastError":"denied","totalAssets":"4"}}]}}"#,
        );
        let c = &a.items[0];
        assert_eq!(c.activation_modules, Some(vec!["VM".into(), "PC".into()]));
        assert_eq!(c.default_tag_ids, Some(vec![7]));
        assert_eq!(c.connector_apps, Some(vec!["AI".into(), "CSA".into()]));
        assert_eq!(c.last_error.as_deref(), Some("denied"));
        assert_eq!(c.total_assets, Some(4));
        let empty = ok(
            r#"{"ServiceResponse":{"responseCode":"SUCCESS","count":1,"data":[{"AwsAssetDataConnector":{"id":1,
            "activation":{"count":0},"defaultTags":{"count":0}}}]}}"#,
        );
        let c = &empty.items[0];
        assert_eq!(c.activation_modules, Some(vec![]));
        assert_eq!(c.default_tag_ids, Some(vec![]));
        assert_eq!(c.connector_apps, None);
        let xml = ok(
            r#"<ServiceResponse><responseCode>SUCCESS</responseCode><count>1</count><data><AwsAssetDataConnector><id>1</id>
            <activation><set><ActivationModule>VM</ActivationModule><ActivationModule>SCA</ActivationModule></set></activation>
            <defaultTags><set><TagSimple><id>7</id></TagSimple><TagSimple><id>8</id></TagSimple></set></defaultTags>
            <connectorAppInfos><set><ConnectorAppInfoQList><set><ConnectorAppInfo><name>CI</name><identifier>arn</identifier></ConnectorAppInfo></set></ConnectorAppInfoQList></set></connectorAppInfos>
            <lastError>denied</lastError></AwsAssetDataConnector></data></ServiceResponse>"#,
        );
        let c = &xml.items[0];
        assert_eq!(c.activation_modules, Some(vec!["VM".into(), "SCA".into()]));
        assert_eq!(c.default_tag_ids, Some(vec![7, 8]));
        assert_eq!(c.connector_apps, Some(vec!["CI".into()]));
        assert_eq!(c.last_error.as_deref(), Some("denied"));
        let bad = decode_reply(&reply(
            200,
            r#"{"ServiceResponse":{"responseCode":"SUCCESS","count":1,"data":[{"AwsAssetDataConnector":{"id":1,
            "defaultTags":{"list":[{"TagSimple":{"id":"seven"}}]}}}]}}"#,
        ));
        assert!(matches!(bad, Err(Error::Decode { .. })), "{bad:?}");
    }
}
