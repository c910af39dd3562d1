//! What the connector data sources share: every connector the user can see, each under the
//! API that manages it, and the connector's attributes as a data source declares them (the
//! resource's own descriptions, all read-only).
//!
//! Qualys shows one connector in both families: the Connector app's QPS API lists
//! CloudView-made connectors too, and CloudView lists QPS-made ones as portal connectors
//! (`isPortalConnector`). Each connector is reported once, under the API that made it (the
//! only one that can update it), matched by its CloudView UUID.

use std::collections::{BTreeMap, HashSet};

use crate::connector::model::Connector;
use crate::connector::{self, Api};
use crate::plugin::diag::{Diagnostic, Diagnostics};
use crate::plugin::schema::{Attribute, Presence};
use crate::plugin::value::{Type, Value};
use crate::qualys::{self, Client, QpsVersion};

/// The connector's attributes, read-only, plus `import_id`.
pub fn connector_attributes() -> Vec<Attribute> {
    let mut attributes: Vec<Attribute> = connector::schema::attributes()
        .into_iter()
        .map(|mut a| {
            a.presence = Presence::Computed;
            a.nested = None;
            a
        })
        .collect();
    attributes.push(Attribute::new(
        "import_id",
        Type::String,
        Presence::Computed,
        "The ID that `terraform import` and `import` blocks take for this connector \
         (`v3:<id>`, `v2:<id>` or `cloudview:<uuid>`).",
    ));
    attributes
}

/// The object type of one connector in a data source.
pub fn connector_type() -> Type {
    Type::Object(
        connector_attributes()
            .into_iter()
            .map(|a| (a.name, a.ty))
            .collect(),
    )
}

/// A connector's attributes as a data source reports them.
pub fn connector_values(connector: &Connector) -> BTreeMap<String, Value> {
    let mut values = connector.attributes();
    values.insert("import_id".into(), Value::string(connector.import_id()));
    values
}

/// Every connector the user can see, once each, under the API that manages it (`v2` when
/// `qps_as` says so for QPS-made ones). Two listings, each paged: never a call per connector.
/// They are the listings a refresh reads from too (the client's refresh snapshot), so the data
/// sources of a plan and its refresh share them.
pub async fn list_all(
    client: &Client,
    qps_as: QpsVersion,
) -> Result<Vec<Connector>, qualys::Error> {
    let api = match qps_as {
        QpsVersion::V3 => Api::V3,
        QpsVersion::V2 => Api::V2,
    };
    let (qps_api, cloudview_api) = (client.qps(qps_as), client.cloudview());
    let (qps, cloudview) =
        tokio::try_join!(qps_api.list_all_shared(), cloudview_api.list_all_shared())?;
    let cloudview_made: HashSet<String> = cloudview
        .iter()
        .filter(|c| c.is_portal_connector != Some(true))
        .map(|c| c.connector_id.clone())
        .collect();
    let mut all: Vec<Connector> = qps
        .iter()
        .filter(|c| {
            c.cloudview_uuid
                .as_ref()
                .is_none_or(|uuid| !cloudview_made.contains(uuid))
        })
        .map(|c| Connector::from_qps(c, api))
        .collect();
    all.extend(
        cloudview
            .iter()
            .filter(|c| cloudview_made.contains(&c.connector_id))
            .map(Connector::from_cloudview),
    );
    all.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    Ok(all)
}

/// Every connector, as [`list_all`] reads it for a data source whose `api` argument (if any) is
/// in `config`: QPS-made connectors are reported as `v2` when that is the `api` asked for.
pub async fn list_for(client: &Client, config: &Value) -> Result<Vec<Connector>, Diagnostics> {
    let qps_as = if config.get("api").as_str() == Some("v2") {
        QpsVersion::V2
    } else {
        QpsVersion::V3
    };
    list_all(client, qps_as).await.map_err(|e| {
        Diagnostic::error("Could not list the Qualys connectors", format!("{e}.")).into()
    })
}
