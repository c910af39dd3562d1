//! Every connector the user can see, each exactly once, under the API that manages it: what the
//! connector data sources (and a list resource) report.
//!
//! Qualys shows one connector in both families, paired by its CloudView UUID (QPS
//! `cloudviewUuid`, CloudView `connectorId`). A pair is reported under the Connector app's API
//! when CloudView flags it a portal connector (`isPortalConnector`, as it does QPS-made ones),
//! else under CloudView, which made it. A connector one side alone lists is reported from that
//! side: the portal flag does not mean QPS lists it (CloudView's create takes the flag too).

use std::collections::HashSet;

use crate::qualys::{self, Client, QpsVersion, cloudview, qps};

use super::Api;
use super::model::Connector;

/// Every connector, once each, sorted by name then id; QPS-managed ones as `qps_as`. Two paged
/// listings, never a call per connector: the listings a refresh reads from too (the client's
/// refresh snapshot), so the data sources of a plan and its refresh share them.
pub async fn list_all(
    client: &Client,
    qps_as: QpsVersion,
) -> Result<Vec<Connector>, qualys::Error> {
    let (qps_api, cloudview_api) = (client.qps(qps_as), client.cloudview());
    let (qps, cloudview) =
        tokio::try_join!(qps_api.list_all_shared(), cloudview_api.list_all_shared())?;
    Ok(each_once(&qps, &cloudview, qps_as))
}

/// The two listings merged so that each connector appears once (see the module docs).
fn each_once(
    qps: &[qps::Connector],
    cloudview: &[cloudview::Connector],
    qps_as: QpsVersion,
) -> Vec<Connector> {
    let api = match qps_as {
        QpsVersion::V3 => Api::V3,
        QpsVersion::V2 => Api::V2,
    };
    let listed_by_qps: HashSet<&str> = qps
        .iter()
        .filter_map(|c| c.cloudview_uuid.as_deref())
        .collect();
    let under_qps = |c: &cloudview::Connector| {
        c.is_portal_connector == Some(true) && listed_by_qps.contains(c.connector_id.as_str())
    };
    let under_cloudview: HashSet<&str> = cloudview
        .iter()
        .filter(|c| !under_qps(c))
        .map(|c| c.connector_id.as_str())
        .collect();
    let mut all: Vec<Connector> = qps
        .iter()
        .filter(|c| {
            c.cloudview_uuid
                .as_deref()
                .is_none_or(|uuid| !under_cloudview.contains(uuid))
        })
        .map(|c| Connector::from_qps(c, api))
        .collect();
    all.extend(
        cloudview
            .iter()
            .filter(|c| !under_qps(c))
            .map(Connector::from_cloudview),
    );
    all.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qps_connector(id: u64, uuid: &str) -> qps::Connector {
        qps::Connector {
            id,
            name: Some(format!("q{id}")),
            cloudview_uuid: Some(uuid.into()),
            ..qps::Connector::default()
        }
    }

    fn cloudview_connector(uuid: &str, portal: Option<bool>) -> cloudview::Connector {
        serde_json::from_value(serde_json::json!({
            "connectorId": uuid,
            "name": format!("c-{uuid}"),
            "isPortalConnector": portal,
        }))
        .expect("a CloudView connector")
    }

    fn listed(all: &[Connector]) -> Vec<(Api, String)> {
        all.iter().map(|c| (c.api, c.id.clone())).collect()
    }

    #[test]
    fn each_connector_is_listed_once_under_the_api_that_manages_it() {
        let qps = [
            qps_connector(1, "u-qps-made"),
            qps_connector(2, "u-cloudview-made"),
            qps_connector(3, "u-only-qps"),
        ];
        let cloudview = [
            cloudview_connector("u-qps-made", Some(true)),
            cloudview_connector("u-cloudview-made", Some(false)),
            cloudview_connector("u-portal-alone", Some(true)),
            cloudview_connector("u-unflagged-alone", None),
        ];
        let mut got = listed(&each_once(&qps, &cloudview, QpsVersion::V2));
        got.sort_by(|a, b| a.1.cmp(&b.1));
        assert_eq!(
            got,
            [
                (Api::V2, "1".to_string()),
                (Api::V2, "3".to_string()),
                (Api::CloudView, "u-cloudview-made".to_string()),
                (Api::CloudView, "u-portal-alone".to_string()),
                (Api::CloudView, "u-unflagged-alone".to_string()),
            ]
        );
    }
}
