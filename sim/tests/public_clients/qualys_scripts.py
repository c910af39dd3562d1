"""Replays the requests Qualys's own public scripts send, against the simulator.

None of their code is here: each request below is rebuilt from what the script sends (method,
path, headers, body shape), with the source named beside it, and the answer is read the way the
script reads it. Python's standard library only.

1. Qualys/TotalCloud Connectors/AWS/CreateAccountConnectors/aws_create_account_connectors.sh
   (commit cc1174e6): curl -s -u user:pass -H "Content-type: application/json" -X POST --data
   <ServiceRequest JSON> <API>/qps/rest/3.0/create/am/awsassetdataconnector; success is the
   answer containing the exact text "responseCode":"SUCCESS".
2. Qualys/TotalCloud Connectors/AWS/UpdateAssetTags/aws_update_asset_tags.py (commit aaad764d):
   python-requests with Accept and Content-Type application/json and Basic auth; POST
   3.0/search by awsAccountId EQUALS, then for each connector whose isAttachedToOrgConnector
   (.lower()) is not "true", PUT 3.0/update/<id> setting defaultTags TagSimple ids (strings
   from a CSV).
3. Qualys/aws-cv-connector-cf qualys_cf_aws_connector.yml (commit fd5f2c4, the CloudFormation
   Lambdas): urllib3 with Basic auth, X-Requested-With "Qualys CloudFormation (python)", Accept
   and Content-Type application/json. Function 1 POSTs the CloudView create body {arn, name,
   description, externalId, isPortalConnector: "true"} and reads connectorId and error;
   function 2 POSTs [connectorId] to CloudView .../connectors/run, then POSTs an XML search by
   awsAccountId to /qps/rest/2.0/search/am/awsassetdataconnector/ (trailing slash) with
   Content-Type text/xml and Accept application/json, reads ServiceResponse.count (> 0) and
   data[].AwsAssetDataConnector.id as JSON, and POSTs 2.0/run/am/awsassetdataconnector/<id>
   with no body.

No Qualys script reads one connector or deletes one: the read and the deletes at the end are
ours, in the same scripts' header conventions, so that every connector made is read and removed.
"""

import json

from _support import basic_auth, checkpoint, describe, http, refuse, run

QPS = "/qps/rest/{v}/{op}/am/awsassetdataconnector"
CLOUDVIEW = "/cloudview-api/rest/v1/aws/connectors"

# The CSV row the create script would read (name, description, arn, external_id).
SCRIPT_ACCOUNT = "210000000001"
SCRIPT_ROW = ("qualys-script-connector", "made by the TotalCloud create script's request",
              f"arn:aws:iam::{SCRIPT_ACCOUNT}:role/QualysConnectorRole", "qualys-script-ext-0001")
TAG_IDS = ["12345", "67890"]  # the tag script's CSV columns tagid1, tagid2

# The Lambda's stack parameters: ExternalId given (its default, a random 19-33 digit number,
# predates seed 000's required `<POD>-<subscription>-<random>` form), role name as defaulted.
LAMBDA_ACCOUNT = "210000000002"
LAMBDA_EXTERNAL_ID = "USPOD01-4765-5550001112223"
LAMBDA_ROLE = "CF-QualysAWSConnectorRole"


def call(method, path, headers, body=None):
    status, content_type, text = http(method, path, body, headers)
    return status, content_type, text, describe(method, path, headers, body)


def json_answer(request, status, text):
    try:
        return json.loads(text)
    except ValueError:
        refuse(f"answer is not JSON (HTTP {status})", request, text)


def service_response(request, status, text):
    """A QPS answer read as JSON, as the scripts read it: its ServiceResponse object."""
    answer = json_answer(request, status, text)
    if not isinstance(answer, dict) or not isinstance(answer.get("ServiceResponse"), dict):
        refuse(f"answer has no ServiceResponse (HTTP {status})", request, text)
    return answer["ServiceResponse"]


def totalcloud_create_script():
    """1: the create script's one request, for one CSV row."""
    name, description, arn, external_id = SCRIPT_ROW
    body = {
        "ServiceRequest": {
            "data": {
                "AwsAssetDataConnector": {
                    "name": name,
                    "description": description,
                    "activation": {"set": {"ActivationModule": ["VM", "PC"]}},
                    "disabled": False,
                    "arn": arn,
                    "externalId": external_id,
                    "allRegions": True,
                    "runFrequency": 240,
                    "isRemediationEnabled": False,
                    "connectorAppInfos": {"set": {"ConnectorAppInfoQList": [
                        {"set": {"ConnectorAppInfo": {"name": "AI", "identifier": arn}}},
                        {"set": {"ConnectorAppInfo": {"name": "CI", "identifier": arn}}},
                        {"set": {"ConnectorAppInfo": {"name": "CSA", "identifier": arn}}},
                    ]}},
                }
            }
        }
    }
    # curl's own headers beside the script's one: Accept */* and its User-Agent.
    headers = {"Authorization": basic_auth(), "Content-type": "application/json",
               "Accept": "*/*", "User-Agent": "curl/7.88.1"}
    status, _, text, request = call("POST", QPS.format(v="3.0", op="create"), headers,
                                    json.dumps(body, indent=2))
    if '"responseCode":"SUCCESS"' not in text:
        refuse("the create script's success test (grep '\"responseCode\":\"SUCCESS\"') fails",
               request, text)
    created = service_response(request, status, text)["data"][0]["AwsAssetDataConnector"]
    checkpoint("present", created["id"], {"name": name, "externalId": external_id,
                                          "activation": ["PC", "VM"]})
    return created["id"]


def totalcloud_tag_script():
    """2: search the account's connectors, PUT default tags on each not attached to an org."""
    headers = {"Accept": "application/json", "Content-Type": "application/json",
               "Authorization": basic_auth(), "User-Agent": "python-requests/2.31.0"}
    search = {"ServiceRequest": {"filters": {"Criteria": [
        {"field": "awsAccountId", "operator": "EQUALS", "value": SCRIPT_ACCOUNT}]}}}
    status, _, text, request = call("POST", QPS.format(v="3.0", op="search"), headers,
                                    json.dumps(search))
    if status >= 400:
        refuse(f"raise_for_status: HTTP {status}", request, text)
    result = json_answer(request, status, text)
    if result.get("ServiceResponse", {}).get("count", 0) == 0:
        refuse("the tag script finds no connector for the account", request, text)
    updated = []
    for connector in result["ServiceResponse"].get("data", []):
        aws_connector = connector.get("AwsAssetDataConnector", {})
        attached = aws_connector.get("isAttachedToOrgConnector", "")
        if not isinstance(attached, str):
            refuse("isAttachedToOrgConnector is not a string: the script's .lower() raises",
                   request, text)
        if attached.lower() == "true":
            continue
        connector_id = aws_connector.get("id")
        update = {"ServiceRequest": {"data": {"AwsAssetDataConnector": {
            "defaultTags": {"set": {"TagSimple": [{"id": tag_id} for tag_id in TAG_IDS]}}}}}}
        path = QPS.format(v="3.0", op="update") + f"/{connector_id}"
        status, _, text, request = call("PUT", path, headers, json.dumps(update))
        if status >= 400:
            refuse(f"raise_for_status: HTTP {status}", request, text)
        if service_response(request, status, text)["responseCode"] != "SUCCESS":
            refuse("the tag update is refused", request, text)
        checkpoint("present", connector_id, {"defaultTags": [int(t) for t in TAG_IDS]})
        updated.append(connector_id)
    if not updated:
        refuse("the tag script updated nothing", request, text)


def lambda_create():
    """3, function 1: the CloudView create."""
    headers = {"Authorization": basic_auth(), "X-Requested-With": "Qualys CloudFormation (python)",
               "Accept": "application/json", "Content-Type": "application/json",
               "User-Agent": "python-urllib3/1.26.18"}
    account_name = LAMBDA_ACCOUNT  # an account without an alias: the Lambda uses its id
    data = {
        "arn": f"arn:aws:iam::{LAMBDA_ACCOUNT}:role/{LAMBDA_ROLE}",
        "name": account_name,
        "description": f"Account Name: {account_name} AWS Account ID {LAMBDA_ACCOUNT} - Implemented with CloudFormation",
        "externalId": LAMBDA_EXTERNAL_ID,
        "isPortalConnector": "true",
    }
    status, _, text, request = call("POST", CLOUDVIEW, headers, json.dumps(data))
    answer = json_answer(request, status, text)
    if status not in (200, 201) or "connectorId" not in answer:
        refuse(f"the Lambda's create is refused (HTTP {status})", request, text)
    # The Lambda also reports FAILED when the answer's `error` is non-empty; seed 000 shows real
    # Qualys answering a create with "error": "50004", so that test is not the simulator's to pass.
    checkpoint("present", answer["connectorId"], {"name": account_name,
                                                  "externalId": LAMBDA_EXTERNAL_ID})
    return answer["connectorId"]


def lambda_run(connector_id):
    """3, function 2: CloudView run, then the QPS v2 search and run of the account's twins."""
    headers = {"Authorization": basic_auth(), "X-Requested-With": "Qualys CloudFormation (python)",
               "Accept": "application/json", "Content-Type": "application/json",
               "User-Agent": "python-urllib3/1.26.18"}
    status, _, text, request = call("POST", CLOUDVIEW + "/run", headers, json.dumps([connector_id]))
    if status >= 300:
        refuse(f"the Lambda's CloudView run is refused (HTTP {status})", request, text)
    avheaders = dict(headers, **{"Content-Type": "text/xml"})
    search = ('<?xml version="1.0" encoding="UTF-8" ?><ServiceRequest><filters><Criteria '
              f'field="awsAccountId" operator="EQUALS">{LAMBDA_ACCOUNT}</Criteria></filters>'
              '</ServiceRequest>')
    path = QPS.format(v="2.0", op="search") + "/"
    status, _, text, request = call("POST", path, avheaders, search)
    found = service_response(request, status, text)
    count = found.get("count")
    if not isinstance(count, int) or count <= 0:
        refuse("the Lambda's `count > 0` does not hold on the v2 search's JSON answer", request, text)
    ids = []
    for connector in found["data"]:
        qps_id = connector["AwsAssetDataConnector"]["id"]
        path = QPS.format(v="2.0", op="run") + "/" + str(qps_id)
        status, _, text, request = call("POST", path, avheaders)
        answer = service_response(request, status, text)
        if status != 200 or answer["responseCode"] != "SUCCESS":
            refuse("the Lambda's v2 run is refused", request, text)
        ids.append(qps_id)
    return ids


def read_and_delete(script_id, lambda_uuid):
    """Ours: read the script's connector back, then delete both, each API in its own form."""
    headers = {"Accept": "application/json", "Content-Type": "application/json",
               "Authorization": basic_auth()}
    path = QPS.format(v="3.0", op="get") + f"/{script_id}"
    status, _, text, request = call("GET", path, headers)
    got = service_response(request, status, text)
    if got["responseCode"] != "SUCCESS" or got["data"][0]["AwsAssetDataConnector"]["name"] != SCRIPT_ROW[0]:
        refuse("the read-back does not show the created connector", request, text)
    path = QPS.format(v="3.0", op="delete") + f"/{script_id}"
    status, _, text, request = call("POST", path, headers)
    if service_response(request, status, text)["responseCode"] != "SUCCESS":
        refuse("the QPS delete is refused", request, text)
    checkpoint("gone", script_id)
    status, _, text, request = call("DELETE", CLOUDVIEW, headers, json.dumps([lambda_uuid]))
    if status not in (200, 204):
        refuse(f"the CloudView delete is refused (HTTP {status})", request, text)
    checkpoint("gone", lambda_uuid)


def main():
    script_id = totalcloud_create_script()
    totalcloud_tag_script()
    lambda_uuid = lambda_create()
    twins = lambda_run(lambda_uuid)
    checkpoint("present", twins[0], {"name": LAMBDA_ACCOUNT})
    read_and_delete(script_id, lambda_uuid)


if __name__ == "__main__":
    run(main)
