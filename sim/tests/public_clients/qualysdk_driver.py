"""qualysdk 0.3.17 (PyPI; github.com/0x41424142/qualysdk) against the simulator.

qualysdk's TotalCloud module reads CloudView AWS connectors: `get_connectors` (pages of
`pageSize` until `last`, with `filter=name:|description:|state:|connector.uuid:|lastSyncedOn:` and
`sort=lastSyncedOn:asc|desc`), `get_connector_details` and `get_aws_base_account`. Every record
becomes its `AWSConnector` dataclass, so a field it does not know, or a date it cannot parse
("%a %b %d %H:%M:%S %Z %Y"), fails the run. qualysdk has no call that creates, updates or
deletes a connector: those are the driver's own CloudView calls (standard library, the seed 000
and Swagger forms), and qualysdk reads the result of each.

Two things are set around qualysdk, not inside it: BasicAuth's login test GETs /msp/about.php
on the VM API (not simulated) and is skipped; `override_platform` (qualysdk's way to name a
private platform) is rewritten to plain http:// after BasicAuth forces https://.
"""

import json

from qualysdk.auth import BasicAuth
from qualysdk.exceptions.Exceptions import QualysAPIError
from qualysdk.totalcloud import get_aws_base_account, get_connector_details, get_connectors

from _support import BASE, PASSWORD, USER, admin, basic_auth, checkpoint, describe, http, refuse, run

CLOUDVIEW = "/cloudview-api/rest/v1/aws/connectors"
ACCOUNT = "210000000004"
EXTERNAL_ID = "USPOD01-4765-7770001112223"
# (name, description, lastSyncedOn set through the admin API as a fixture)
CONNECTORS = [
    ("qualysdk-alpha", "Production payments", "2026-12-02T08:00:00Z"),
    ("qualysdk-beta", "staging", "2026-12-04T10:20:30Z"),
    ("qualysdk-gamma", "production analytics", "2026-11-30T23:59:59Z"),
]


def login():
    BasicAuth.test_login = lambda self, return_ratelimit=False: None
    auth = BasicAuth(username=USER, password=PASSWORD,
                     override_platform={"api_url": BASE, "gateway_url": BASE, "qualysguard_url": BASE})
    for key in auth.override_platform:
        auth.override_platform[key] = BASE
    return auth


def cloudview(method, path, body):
    headers = {"Authorization": basic_auth(), "Accept": "application/json",
               "Content-Type": "application/json", "X-Requested-With": "qualys-sim public clients"}
    text_body = json.dumps(body)
    status, _, text = http(method, CLOUDVIEW + path, text_body, headers)
    if status not in (200, 204):
        refuse(f"CloudView answered HTTP {status}", describe(method, CLOUDVIEW + path, headers, text_body), text)
    return json.loads(text) if text.strip() else None


def names(connectors):
    return [c.name for c in connectors]


def listed(auth, expected, **query):
    """get_connectors with `query`; the names must be `expected`, in order."""
    try:
        got = names(get_connectors(auth, "aws", **query))
    except Exception as e:
        refuse(f"get_connectors raised {type(e).__name__}: {e}", f"get_connectors(aws, {query})", "")
    if got != expected:
        refuse(f"get_connectors answered {got}, not {expected}", f"get_connectors(aws, {query})", got)


def main():
    auth = login()
    uuids = []
    for name, description, synced in CONNECTORS:
        created = cloudview("POST", "", {
            "name": name, "description": description,
            "arn": f"arn:aws:iam::{ACCOUNT}:role/{name}", "externalId": EXTERNAL_ID,
            "isGovCloud": False, "isChinaRegion": False,
            "pollingFrequency": {"hours": 4, "minutes": 0},
        })
        uuids.append(created["connectorId"])
        checkpoint("present", created["connectorId"], {"name": name, "description": description})
        admin("PATCH", f"connectors/{created['connectorId']}", {"lastSyncedOn": synced})

    for uuid, (name, description, _) in zip(uuids, CONNECTORS):
        detail = get_connector_details(auth, "aws", uuid)
        if (detail.name, detail.description, detail.connectorId) != (name, description, uuid):
            refuse("get_connector_details shows another connector", f"get_connector_details({uuid})", detail)
        if detail.awsAccountId != int(ACCOUNT) or detail.lastSyncedOn is None:
            refuse("the AWSConnector record lacks its account or date", uuid, detail)

    everything = [n for n, _, _ in CONNECTORS]
    listed(auth, everything)
    listed(auth, everything, pageSize=1)  # three pages, until `last`
    listed(auth, ["qualysdk-beta"], filter="name:beta")
    listed(auth, ["qualysdk-alpha", "qualysdk-gamma"], filter="description:production")
    listed(auth, everything, filter="state:pending")  # qualysdk upper-cases the state
    listed(auth, ["qualysdk-gamma"], filter=f"connector.uuid:{uuids[2]}")
    listed(auth, ["qualysdk-beta"], filter="lastSyncedOn:2026-12-04")
    listed(auth, ["qualysdk-gamma", "qualysdk-alpha", "qualysdk-beta"], sort="lastSyncedOn:asc")
    listed(auth, ["qualysdk-beta", "qualysdk-alpha", "qualysdk-gamma"], sort="lastSyncedOn:desc")
    listed(auth, ["qualysdk-alpha", "qualysdk-gamma"], filter="description:production",
           sort="lastSyncedOn:desc", pageSize=1)

    base = get_aws_base_account(auth)
    if not isinstance(base, dict) or not str(base.get("globalAccountId", "")).isdigit():
        refuse("get_aws_base_account answers no globalAccountId", "get_aws_base_account()", base)

    # Update one, read it back through qualysdk.
    name, _, _ = CONNECTORS[1]
    new_description = "staging, updated"
    cloudview("PUT", f"/{uuids[1]}", {
        "name": name, "description": new_description,
        "arn": f"arn:aws:iam::{ACCOUNT}:role/{name}", "externalId": EXTERNAL_ID,
        "isGovCloud": False, "isChinaRegion": False,
        "pollingFrequency": {"hours": 4, "minutes": 0},
    })
    checkpoint("present", uuids[1], {"description": new_description})
    if get_connector_details(auth, "aws", uuids[1]).description != new_description:
        refuse("get_connector_details does not show the update", uuids[1], "")
    listed(auth, [name], filter="description:updated")

    # Delete them all; qualysdk then finds none and cannot read one.
    cloudview("DELETE", "", uuids)
    for uuid in uuids:
        checkpoint("gone", uuid)
    listed(auth, [], filter="name:qualysdk")
    try:
        get_connector_details(auth, "aws", uuids[0])
    except QualysAPIError:
        pass
    else:
        refuse("get_connector_details reads a deleted connector", uuids[0], "")


if __name__ == "__main__":
    run(main)
