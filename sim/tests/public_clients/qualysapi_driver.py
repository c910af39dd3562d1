"""qualysapi 8.1.0 (PyPI; Parag Baxi's client, github.com/paragbaxi/qualysapi) against the simulator.

The connector is driven through the client's public `connect()` and `request()`: create, get,
search, update and delete in every form qualysapi reaches the connector API with.

1. QPS 2.0 (`api_version` "am", found from the path), connected from a config file (.qcrc form:
   hostname, username, password). That path of `connect()` hands the connector no exchange
   format, so requests carry no Content-Type or Accept of qualysapi's: XML bodies, XML answers.
   The create's body is an lxml.builder element, which qualysapi serialises itself.
2. QPS 2.0 with `data_exchange_format='json'`: Content-type and Accept application/json, JSON
   bodies; v2 must answer JSON (docs.qualys.com "JSON Support").
3. QPS 3.0 through `api_version='webapp'` (qualysapi's WAS base, its only URL at
   /qps/rest/3.0/), JSON.
4. QPS 3.0, connected with `data_exchange_format='xml'` (connect()'s default with credentials):
   Content-type and Accept text/xml; v3 must answer XML.

qualysapi builds https:// URLs only; the simulator speaks plain HTTP on loopback, so the driver
wraps QGConnector.url_api_version to swap the scheme and nothing else.
"""

import json
import os
import tempfile
import xml.etree.ElementTree as ET

import qualysapi
import qualysapi.connector
from lxml.builder import E

from _support import BASE, PASSWORD, USER, checkpoint, refuse, run

_https_url = qualysapi.connector.QGConnector.url_api_version


def _plain_http(self, api_version):
    return _https_url(self, api_version).replace("https://", "http://", 1)


qualysapi.connector.QGConnector.url_api_version = _plain_http

HOST = BASE.split("://", 1)[1]
ACCOUNT = "210000000003"
OBJECT = "am/awsassetdataconnector"


def arn(role):
    return f"arn:aws:iam::{ACCOUNT}:role/{role}"


def ask(conn, call, data=None, api_version=None):
    """One qualysapi request; returns the answer text (qualysapi raises on HTTP errors)."""
    try:
        return conn.request(call, data, api_version=api_version)
    except Exception as e:  # requests.HTTPError and the like
        answer = getattr(getattr(e, "response", None), "text", "")
        refuse(f"qualysapi raised {type(e).__name__}: {e}", f"{call}\n{data}", answer)


class Xml:
    """Reads XML ServiceResponses."""

    @staticmethod
    def read(call, data, text):
        try:
            root = ET.fromstring(text.encode() if isinstance(text, str) else text)
        except ET.ParseError as e:
            refuse(f"the answer is not XML ({e})", f"{call}\n{data}", text)
        code = (root.findtext("responseCode") or "").strip()
        if code != "SUCCESS":
            refuse(f"responseCode {code!r}", f"{call}\n{data}", text)
        return root

    @staticmethod
    def connectors(root):
        return [
            {child.tag: (child.text or "").strip() for child in c}
            for c in root.findall("./data/AwsAssetDataConnector")
        ]

    @staticmethod
    def body(fields=None, criteria=None):
        parts = []
        if criteria:
            field, operator, value = criteria
            parts.append(f'<filters><Criteria field="{field}" operator="{operator}">{value}</Criteria></filters>')
        if fields:
            inner = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items())
            parts.append(f"<data><AwsAssetDataConnector>{inner}</AwsAssetDataConnector></data>")
        return "<ServiceRequest>" + "".join(parts) + "</ServiceRequest>"


class Json:
    """Reads JSON ServiceResponses."""

    @staticmethod
    def read(call, data, text):
        try:
            response = json.loads(text)["ServiceResponse"]
        except (ValueError, KeyError, TypeError) as e:
            refuse(f"the answer is not a JSON ServiceResponse ({e})", f"{call}\n{data}", text)
        if response.get("responseCode") != "SUCCESS":
            refuse(f"responseCode {response.get('responseCode')!r}", f"{call}\n{data}", text)
        return response

    @staticmethod
    def connectors(response):
        return [d["AwsAssetDataConnector"] for d in response.get("data", [])]

    @staticmethod
    def body(fields=None, criteria=None):
        request = {}
        if criteria:
            field, operator, value = criteria
            request["filters"] = {"Criteria": [{"field": field, "operator": operator, "value": value}]}
        if fields:
            request["data"] = {"AwsAssetDataConnector": fields}
        return json.dumps({"ServiceRequest": request})


def lifecycle(conn, form, label, api_version=None, create_body=None):
    """create, get, search, update, delete one connector, checking the store after each change."""
    name = f"qualysapi-{label}"
    create = create_body
    if create is None:
        create = form.body({"name": name, "arn": arn(label), "externalId": f"ext-{label}"})
    call = f"create/{OBJECT}"
    created = form.connectors(form.read(call, create, ask(conn, call, create, api_version)))
    connector_id = int(created[0]["id"])
    checkpoint("present", connector_id, {"name": name})

    call = f"get/{OBJECT}/{connector_id}"
    got = form.connectors(form.read(call, None, ask(conn, call, None, api_version)))
    if not got or got[0]["name"] != name:
        refuse("get does not show the created connector", call, got)

    call = f"search/{OBJECT}"
    search = form.body(criteria=("name", "EQUALS", name))
    found = form.connectors(form.read(call, search, ask(conn, call, search, api_version)))
    if [int(c["id"]) for c in found] != [connector_id]:
        refuse("search by name does not find exactly the connector", f"{call}\n{search}", found)

    description = f"updated through qualysapi ({label})"
    call = f"update/{OBJECT}/{connector_id}"
    update = form.body({"description": description})
    form.read(call, update, ask(conn, call, update, api_version))
    checkpoint("present", connector_id, {"description": description})

    call = f"delete/{OBJECT}/{connector_id}"
    form.read(call, None, ask(conn, call, None, api_version))
    checkpoint("gone", connector_id)


def main():
    with tempfile.TemporaryDirectory() as home:
        config = os.path.join(home, ".qcrc")
        with open(os.open(config, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write(f"[info]\nhostname = {HOST}\nusername = {USER}\npassword = {PASSWORD}\n")
        from_file = qualysapi.connect(config_file=config)
    element = E.ServiceRequest(E.data(E.AwsAssetDataConnector(
        E.name("qualysapi-v2-xml"), E.arn(arn("v2-xml")), E.externalId("ext-v2-xml"))))
    lifecycle(from_file, Xml, "v2-xml", create_body=element)

    as_json = qualysapi.connect(username=USER, password=PASSWORD, hostname=HOST,
                                data_exchange_format="json")
    lifecycle(as_json, Json, "v2-json")
    lifecycle(as_json, Json, "v3-json", api_version="webapp")

    as_xml = qualysapi.connect(username=USER, password=PASSWORD, hostname=HOST)
    lifecycle(as_xml, Xml, "v3-xml", api_version="webapp")


if __name__ == "__main__":
    run(main)
