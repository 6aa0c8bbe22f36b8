#!/usr/bin/env bash
# A client of `comity serve` in shell, with curl: append a case, read its findings.
#
#   COMITY_URL=http://127.0.0.1:8080 COMITY_TOKEN=cmty_... examples/http/client.sh [CASE_ID]
#
# The token needs the roles writer and reader (`comity token add NAME --role writer
# --role reader`). The append is conditional (If-Match: 0, a new case) and idempotent:
# run the script twice and the second run stores nothing and reads the same findings.
# Exits non-zero, printing the service's problem document, if any call fails.
set -euo pipefail

url="${COMITY_URL:-http://127.0.0.1:8080}"
token="${COMITY_TOKEN:?set COMITY_TOKEN to a token with the writer and reader roles}"
case_id="${1:-PA-2024-0001}"
auth="Authorization: Bearer ${token}"

call() {
    # call METHOD PATH [curl args...]: print the body; fail on any status >= 400.
    local method="$1" path="$2"
    shift 2
    local out status
    out="$(mktemp)"
    status="$(curl -sS -o "$out" -w '%{http_code}' -X "$method" -H "$auth" "$@" "${url}${path}")"
    cat "$out"
    rm -f "$out"
    echo
    if [ "$status" -ge 400 ]; then
        echo "client.sh: $method $path answered $status" >&2
        return 1
    fi
}

echo "== append case ${case_id}" >&2
call POST /v1/events -H 'Content-Type: application/x-ndjson' -H 'If-Match: 0' --data-binary @- <<JSONL || {
{"type": "case_opened", "case_id": "${case_id}", "event_id": "${case_id}-1", "occurred_at": "2024-03-01", "lead_jurisdiction": "PA", "offences": ["money_laundering"], "title": "Shell companies in the Colón Free Zone"}
{"type": "asset_located", "case_id": "${case_id}", "event_id": "${case_id}-2", "occurred_at": "2024-03-05", "asset_id": "A1", "asset_type": "bank_account", "jurisdiction": "CH", "value": {"amount": "1250000.00", "currency": "USD"}}
{"type": "order_issued", "case_id": "${case_id}", "event_id": "${case_id}-3", "occurred_at": "2024-03-08", "order_id": "O1", "order_type": "freeze", "issuing_jurisdiction": "PA", "asset_ids": ["A1"]}
JSONL
    # A second run: the case exists, so If-Match: 0 is stale (412) unless every event is
    # already stored (200). Send it again without If-Match: idempotent by event_id.
    call POST /v1/events -H 'Content-Type: application/x-ndjson' --data-binary @- <<JSONL
{"type": "case_opened", "case_id": "${case_id}", "event_id": "${case_id}-1", "occurred_at": "2024-03-01", "lead_jurisdiction": "PA", "offences": ["money_laundering"], "title": "Shell companies in the Colón Free Zone"}
{"type": "asset_located", "case_id": "${case_id}", "event_id": "${case_id}-2", "occurred_at": "2024-03-05", "asset_id": "A1", "asset_type": "bank_account", "jurisdiction": "CH", "value": {"amount": "1250000.00", "currency": "USD"}}
{"type": "order_issued", "case_id": "${case_id}", "event_id": "${case_id}-3", "occurred_at": "2024-03-08", "order_id": "O1", "order_type": "freeze", "issuing_jurisdiction": "PA", "asset_ids": ["A1"]}
JSONL
}

echo "== findings of ${case_id}" >&2
# The service's watcher applies new events within milliseconds; until the case is in
# the findings store the answer is 503 with Retry-After (not 404: the case exists): retry.
for _ in $(seq 1 100); do
    status="$(curl -sS -o /dev/null -w '%{http_code}' -H "$auth" "${url}/v1/cases/${case_id}/findings")"
    [ "$status" = 200 ] && break
    sleep 0.1
done
call GET "/v1/cases/${case_id}/findings"
