//! What the connector data sources share: the connector's attributes as a data source declares
//! them (the resource's own descriptions, all read-only), and the listing of every connector
//! once ([`crate::connector::listing`]) with the `api` a data source asks QPS-managed ones as.

use std::collections::BTreeMap;

use crate::connector;
use crate::connector::listing::list_all;
use crate::connector::model::Connector;
use crate::plugin::diag::{Diagnostic, Diagnostics};
use crate::plugin::schema::{Attribute, Presence};
use crate::plugin::value::{Type, Value};
use crate::qualys::{Client, QpsVersion};

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
