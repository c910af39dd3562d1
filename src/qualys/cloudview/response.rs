//! Answers: connectors, list pages (a Spring page or a bare array), sync errors, base accounts,
//! and CloudView's error body mapped to [`Error`].

use serde::Deserialize;

use super::model::{Connector, Page};
use crate::qualys::error::Error;
use crate::qualys::http::Reply;
use crate::qualys::lenient::{self, excerpt, inert, inert_excerpt};
use crate::qualys::sync::{BaseAccounts, SyncError, WireBaseAccounts};

/// A Spring page as CloudView answers a list.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WirePage {
    content: Vec<Connector>,
    #[serde(default, deserialize_with = "lenient::opt_u32")]
    number: Option<u32>,
    #[serde(default, deserialize_with = "lenient::opt_u32")]
    total_pages: Option<u32>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    total_elements: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    last: Option<bool>,
}

/// A list answer: a Spring page, or a bare array. Told apart by the first character rather
/// than by an untagged enum, which would buffer the whole answer in an intermediate tree
/// first (a page of 1,000 connectors is over a megabyte).
enum ListShape {
    Page(WirePage),
    Bare(Vec<Connector>),
}

/// A Spring error body.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    error: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    error_code: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    message: Option<String>,
}

/// One sync error as `GET /{id}/errors` lists it (the spec spells `occuredOn`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireSyncError {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    error: Option<String>,
    #[serde(
        default,
        alias = "occurredOn",
        deserialize_with = "lenient::opt_string"
    )]
    occured_on: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    region: Option<String>,
}

/// A Spring page of sync errors.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireErrorPage {
    content: Vec<WireSyncError>,
    #[serde(default, deserialize_with = "lenient::opt_u32")]
    total_pages: Option<u32>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    last: Option<bool>,
}

/// Reads the connector a get answers; `what` names the call in errors.
pub(crate) fn connector_from_reply(reply: &Reply, what: &str) -> Result<Connector, Error> {
    check(reply, what)?;
    decode(reply, what)
}

/// Reads one list page from its reply. The page number is the one asked for when the
/// answer does not say.
pub(crate) fn page_from_reply(reply: &Reply, page_no: u32) -> Result<Page, Error> {
    let what = format!("list connectors, page {page_no}");
    check(reply, &what)?;
    let bare = reply
        .body
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'[');
    let shape = if bare {
        ListShape::Bare(decode(reply, &what)?)
    } else {
        ListShape::Page(decode(reply, &what)?)
    };
    Ok(match shape {
        ListShape::Page(p) => Page {
            last: p.last.unwrap_or_else(|| match (p.total_pages, p.number) {
                (Some(total), Some(n)) => n + 1 >= total,
                _ => p.content.is_empty(),
            }),
            number: p.number.unwrap_or(page_no),
            total_pages: p.total_pages,
            total_elements: p.total_elements,
            connectors: p.content,
        },
        ListShape::Bare(connectors) => Page {
            number: page_no,
            total_pages: Some(1),
            total_elements: Some(connectors.len() as u64),
            connectors,
            last: true,
        },
    })
}

/// One page of sync errors (page `page_no`) and whether it is the last.
pub(crate) fn sync_errors_from_reply(
    reply: &Reply,
    page_no: u32,
    what: &str,
) -> Result<(Vec<SyncError>, bool), Error> {
    check(reply, what)?;
    let page: WireErrorPage = decode(reply, what)?;
    let last = page
        .last
        .unwrap_or_else(|| page.total_pages.is_none_or(|total| page_no + 1 >= total));
    let errors = page
        .content
        .into_iter()
        .map(|e| SyncError {
            region: e
                .region
                .filter(|r| !r.trim().is_empty())
                .as_deref()
                .map(inert),
            time: e
                .occured_on
                .filter(|t| !t.trim().is_empty())
                .as_deref()
                .map(inert),
            message: inert(&e.error.unwrap_or_default()),
        })
        .collect();
    Ok((errors, last))
}

/// The base accounts in a `GET /awsBaseAccountId` answer.
pub(crate) fn base_accounts_from_reply(reply: &Reply, what: &str) -> Result<BaseAccounts, Error> {
    check(reply, what)?;
    let wire: WireBaseAccounts = decode(reply, what)?;
    wire.into_accounts().map_err(|reason| Error::Decode {
        context: format!("CloudView {what}"),
        reason,
        excerpt: excerpt(&reply.body),
    })
}

/// Maps a non-2xx reply to its error.
pub(super) fn check(reply: &Reply, what: &str) -> Result<(), Error> {
    let status = reply.status;
    if status.is_success() {
        return Ok(());
    }
    let body: Option<ErrorBody> = lenient::check_json_nesting(&reply.body)
        .ok()
        .and_then(|()| serde_json::from_slice(&reply.body).ok());
    let message = body
        .as_ref()
        .and_then(|b| b.message.clone().or_else(|| b.error.clone()))
        .filter(|m| !m.trim().is_empty())
        .map(|m| inert_excerpt(&m))
        .unwrap_or_else(|| excerpt(&reply.body));
    let code = body
        .as_ref()
        .and_then(|b| b.error_code.as_deref().map(inert));
    Err(match status.as_u16() {
        400 if code.as_deref() == Some("CONNECTOR_NOT_MERGED") => Error::WrongApi { message },
        400 | 422 => Error::InvalidRequest {
            message: match &code {
                Some(code) => format!("{message} (error code {code})"),
                None => message,
            },
            resolution: None,
        },
        401 => Error::Unauthorized {
            message: "HTTP 401: check the username and password".into(),
        },
        403 => Error::Unauthorized {
            message: format!("HTTP 403: {message}"),
        },
        // Only CloudView's own error body means "no such connector": its `errorCode`, or a
        // Spring body with a message. A gateway's Spring body (status, error, path, no
        // message) or a page is not CloudView's.
        404 if body.as_ref().is_some_and(|b| {
            b.error_code.is_some() || b.message.as_ref().is_some_and(|m| !m.trim().is_empty())
        }) =>
        {
            Error::NotFound {
                what: format!("CloudView AWS connector ({what})"),
            }
        }
        404 => Error::ForeignNotFound {
            api: "CloudView",
            excerpt: excerpt(&reply.body),
        },
        _ => Error::Api {
            status: status.as_u16(),
            code,
            message,
            resolution: None,
        },
    })
}

/// Decodes a JSON body whose nesting was checked first (see
/// [`MAX_NESTING`](lenient::MAX_NESTING)).
pub(super) fn decode<T: for<'de> Deserialize<'de>>(reply: &Reply, what: &str) -> Result<T, Error> {
    let error = |reason: String| Error::Decode {
        context: format!("CloudView {what}"),
        reason,
        excerpt: excerpt(&reply.body),
    };
    lenient::check_json_nesting(&reply.body).map_err(error)?;
    serde_json::from_slice(&reply.body).map_err(|e| error(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qualys::cloudview::model::PollingFrequency;
    use reqwest::StatusCode;

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status: StatusCode::from_u16(status).unwrap(),
            body: body.as_bytes().to_vec(),
        }
    }

    /// The seed's list entry.
    const SEED_ITEM: &str = r#"{
      "name": "AWS Connector", "connectorId": "7f25a529-4629-31e6-9bef-7a5828c360a8",
      "description": "", "provider": "AWS", "state": "SUCCESS", "totalAssets": 241,
      "lastSyncedOn": "Wed Jan 13 05:17:58 UTC 2021", "nextSyncedOn": "Wed Jan 13 09:17:58 UTC 2021",
      "isGovCloud": false, "isChinaRegion": false, "awsAccountId": "XXXXXXXXXXXX",
      "isDisabled": false, "groups": [], "pollingFrequency": {"hours": 4, "minutes": 0},
      "error": "", "baseAccountId": "XXXXXXXXXXX", "externalId": "USPOD01-4765-9011278609223",
      "arn": "arn:aws:iam::XXXXXXXXXXXX:role/user_john_new_connector",
      "portalConnectorUuid": "2d39470f-cf33-45e3-8b12-ee5916bf18c9", "isPortalConnector": true
    }"#;

    #[test]
    fn seed_list_page() {
        let body = format!(
            r#"{{"content":[{SEED_ITEM}],"totalElements":1,"totalPages":1,"numberOfElements":1,"size":50,"number":0,"first":true,"last":true,"empty":false}}"#
        );
        let page = page_from_reply(&reply(200, &body), 0).unwrap();
        let c = &page.connectors[0];
        assert_eq!(c.connector_id, "7f25a529-4629-31e6-9bef-7a5828c360a8");
        assert_eq!(c.total_assets, Some(241));
        assert_eq!(
            c.polling_frequency,
            Some(PollingFrequency {
                hours: 4,
                minutes: 0
            })
        );
        assert_eq!(c.error.as_deref(), Some(""));
        assert_eq!(c.is_portal_connector, Some(true));
        assert_eq!(
            c.portal_connector_uuid.as_deref(),
            Some("2d39470f-cf33-45e3-8b12-ee5916bf18c9")
        );
        assert!(page.last);
        assert_eq!(page.total_elements, Some(1));
    }

    #[test]
    fn seed_create_response_and_lenient_scalars() {
        let body = r#"{"name":"ABC","connectorId":"8889b18b-6f92-33d3-8afd-6d9d144177e8","description":"Sample External ID",
          "provider":"AWS","state":"PENDING","totalAssets":"0","isGovCloud":"true","isChinaRegion":true,
          "awsAccountId":123456789012,"isDisabled":false,"groups":[],"pollingFrequency":{"hours":"1","minutes":1},
          "error":50004,"baseAccountId":"XXXXXXXXXXXX","externalId":"USPOD01-4765-9011278609223",
          "arn":"arn:aws:iam::XXXXXXXXXXXX:role/CloudViewTest","isPortalConnector":false}"#;
        let c: Connector = decode(&reply(200, body), "create").unwrap();
        assert_eq!(c.is_gov_cloud, Some(true));
        assert_eq!(c.total_assets, Some(0));
        assert_eq!(c.aws_account_id.as_deref(), Some("123456789012"));
        assert_eq!(c.error.as_deref(), Some("50004"));
        assert_eq!(
            c.polling_frequency,
            Some(PollingFrequency {
                hours: 1,
                minutes: 1
            })
        );
    }

    #[test]
    fn bare_array_is_one_page_and_garbage_is_an_error() {
        let body = format!("[{SEED_ITEM}]");
        let page = page_from_reply(&reply(200, &format!(" \n{body}")), 3).unwrap();
        assert_eq!(page.connectors.len(), 1);
        assert!(page.last && page.number == 3);
        for bad in [
            r#"{"items":[]}"#,
            r#"{"content":"#,
            "<html/>",
            r#"{"content":[{"name":"no id"}]}"#,
        ] {
            let err = page_from_reply(&reply(200, bad), 0)
                .err()
                .unwrap_or_else(|| panic!("{bad} decoded"));
            assert!(
                matches!(&err, Error::Decode { excerpt, .. } if !excerpt.is_empty()),
                "{err}"
            );
        }
    }

    #[test]
    fn error_statuses() {
        let spring = |status: u16, message: &str| {
            format!(
                r#"{{"timestamp":"2024-01-01T00:00:00Z","status":{status},"error":"Bad","errorCode":"CV-{status}","message":"{message}","path":"/x"}}"#
            )
        };
        match check(
            &reply(400, &spring(400, "externalId has a bad format")),
            "create",
        ) {
            Err(Error::InvalidRequest { message, .. }) => {
                assert!(
                    message.contains("externalId has a bad format") && message.contains("CV-400"),
                    "{message}"
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            check(&reply(404, &spring(404, "no such connector")), "get"),
            Err(Error::NotFound { .. })
        ));
        assert!(matches!(
            check(&reply(404, "<html>Not Found</html>"), "get"),
            Err(Error::ForeignNotFound { .. })
        ));
        // A Spring-based gateway's own 404 is not CloudView's.
        let gateway = r#"{"timestamp":"2026-01-01T00:00:00.000+00:00","path":"/cloudview-api/rest/v1/aws/connectors","status":404,"error":"Not Found","requestId":"4f1c2a9e-12"}"#;
        assert!(matches!(
            check(&reply(404, gateway), "delete"),
            Err(Error::ForeignNotFound {
                api: "CloudView",
                ..
            })
        ));
        let long = format!(
            r#"{{"errorCode":"BAD","message":"{}"}}"#,
            "y".repeat(10_000)
        );
        match check(&reply(400, &long), "create") {
            Err(Error::InvalidRequest { message, .. }) => {
                assert!(message.len() < 400, "{message}");
                assert!(message.contains("(10000 characters)"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            check(&reply(401, ""), "get"),
            Err(Error::Unauthorized { .. })
        ));
        assert!(
            matches!(check(&reply(500, &spring(500, "boom")), "get"), Err(Error::Api { status: 500, message, .. }) if message == "boom")
        );
        assert!(check(&reply(204, ""), "delete").is_ok());
    }
}
